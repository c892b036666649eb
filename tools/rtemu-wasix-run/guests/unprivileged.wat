;; SPDX-License-Identifier: GPL-2.0-only
;;
;; Without CAP_NET_ADMIN, run where the table holds one route (the selftest
;; adds 10.9.0.0/16 via 192.0.2.9 first): the list works, and every change
;; fails with EPERM (63).
;;
;; Exit status: 0, or the first step that failed:
;;   1 list failed      2 the list is not the one route
;;   3 add was not EPERM    4 remove 10.9.0.0 was not EPERM    5 clear was not EPERM
;; (Layouts: see routes.wat.)
(module
  (import "wasix_32v1" "port_route_add" (func $route_add (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "port_route_remove" (func $route_remove (param i32) (result i32)))
  (import "wasix_32v1" "port_route_clear" (func $route_clear (result i32)))
  (import "wasix_32v1" "port_route_list" (func $route_list (param i32 i32) (result i32)))
  (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  (data (i32.const 256) "\01\00\0a\01\00\00\10")          ;; 10.1.0.0/16
  (data (i32.const 288) "\01\00\c0\00\02\01")             ;; 192.0.2.1
  (data (i32.const 320) "\01\00\0a\09\00\00")             ;; 10.9.0.0
  (global $no_lifetime i32 (i32.const 384))
  (global $count i32 (i32.const 400))
  (global $list i32 (i32.const 1024))
  (global $EPERM i32 (i32.const 63))

  (func $check (param $ok i32) (param $step i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $step)))))

  (func (export "_start")
    (i32.store (global.get $count) (i32.const 4))
    (call $check (i32.eqz (call $route_list (global.get $list) (global.get $count))) (i32.const 1))
    (call $check
      (i32.and (i32.eq (i32.load (global.get $count)) (i32.const 1))
        ;; 10.9.0.0/16: the CIDR's first 7 bytes (tag, pad, octets, prefix)
        (i64.eq (i64.and (i64.load (global.get $list)) (i64.const 0x00ffffffffffffff))
                (i64.const 0x0010_0000_090a_0001)))
      (i32.const 2))
    (call $check
      (i32.eq (call $route_add (i32.const 256) (i32.const 288)
                (global.get $no_lifetime) (global.get $no_lifetime))
              (global.get $EPERM))
      (i32.const 3))
    (call $check (i32.eq (call $route_remove (i32.const 320)) (global.get $EPERM)) (i32.const 4))
    (call $check (i32.eq (call $route_clear) (global.get $EPERM)) (i32.const 5))
    (call $exit (i32.const 0)))
)
