;; SPDX-License-Identifier: GPL-2.0-only
;;
;; port_route_list into a buffer too small: with two routes in the table and
;; room for one (then none), the list fails with EOVERFLOW (61) and the count
;; says how many there are; with room for two, it succeeds.
;;
;; Exit status: 0, or the first step that failed:
;;   1 add IPv4    2 add IPv6
;;   3 list with room for 1 was not EOVERFLOW    4 ... its count is not 2
;;   5 list with room for 0 was not EOVERFLOW    6 ... its count is not 2
;;   7 list with room for 2 failed                8 ... its count is not 2
;;   9 clear
;; (Layouts: see routes.wat.)
(module
  (import "wasix_32v1" "port_route_add" (func $route_add (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "port_route_clear" (func $route_clear (result i32)))
  (import "wasix_32v1" "port_route_list" (func $route_list (param i32 i32) (result i32)))
  (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  (data (i32.const 256) "\01\00\0a\01\00\00\10")          ;; 10.1.0.0/16
  (data (i32.const 288) "\01\00\c0\00\02\01")             ;; via 192.0.2.1
  (data (i32.const 320) "\02\00\20\01\0d\b8\00\00\00\00\00\00\00\00\00\00\00\00\20") ;; 2001:db8::/32
  (data (i32.const 352) "\02\00\fe\80\00\00\00\00\00\00\00\00\00\00\00\00\00\01") ;; via fe80::1
  (global $no_lifetime i32 (i32.const 384))
  (global $count i32 (i32.const 400))
  (global $list i32 (i32.const 1024))
  (global $EOVERFLOW i32 (i32.const 61))

  (func $check (param $ok i32) (param $step i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $step)))))

  ;; port_route_list with room for $room routes: its errno, the count at $count.
  (func $list (param $room i32) (result i32)
    (i32.store (global.get $count) (local.get $room))
    (call $route_list (global.get $list) (global.get $count)))

  (func (export "_start")
    (call $check
      (i32.eqz (call $route_add (i32.const 256) (i32.const 288)
                 (global.get $no_lifetime) (global.get $no_lifetime)))
      (i32.const 1))
    (call $check
      (i32.eqz (call $route_add (i32.const 320) (i32.const 352)
                 (global.get $no_lifetime) (global.get $no_lifetime)))
      (i32.const 2))
    (call $check (i32.eq (call $list (i32.const 1)) (global.get $EOVERFLOW)) (i32.const 3))
    (call $check (i32.eq (i32.load (global.get $count)) (i32.const 2)) (i32.const 4))
    (call $check (i32.eq (call $list (i32.const 0)) (global.get $EOVERFLOW)) (i32.const 5))
    (call $check (i32.eq (i32.load (global.get $count)) (i32.const 2)) (i32.const 6))
    (call $check (i32.eqz (call $list (i32.const 2))) (i32.const 7))
    (call $check (i32.eq (i32.load (global.get $count)) (i32.const 2)) (i32.const 8))
    (call $check (i32.eqz (call $route_clear)) (i32.const 9))
    (call $exit (i32.const 0)))
)
