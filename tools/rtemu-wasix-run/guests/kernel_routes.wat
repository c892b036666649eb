;; SPDX-License-Identifier: GPL-2.0-only
;;
;; A route the guest did not add, as the kernel holds it: run where the table
;; holds 2001:db8:5::/48 via fe80::5 without lifetimes (the selftest adds it
;; with rtemuctl), it lists that route octet for octet and removes it by its
;; address.
;;
;; Exit status: 0, or the first step that failed:
;;   1 list failed    2 the list is not one route
;;   10..13 its CIDR, router, preferred_until, expires_at differ
;;   3 remove 2001:db8:5:: failed    4 list failed    5 the table is not empty
;; (Layouts: see routes.wat.)
(module
  (import "wasix_32v1" "port_route_remove" (func $route_remove (param i32) (result i32)))
  (import "wasix_32v1" "port_route_list" (func $route_list (param i32 i32) (result i32)))
  (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  ;; The route expected, as a route record: no lifetimes (tags 0).
  (global $want i32 (i32.const 256))
  (data (i32.const 256) "\02\00\20\01\0d\b8\00\05\00\00\00\00\00\00\00\00\00\00\30") ;; 2001:db8:5::/48
  (data (i32.const 275) "\02\00\fe\80\00\00\00\00\00\00\00\00\00\00\00\00\00\05") ;; via fe80::5
  (global $addr i32 (i32.const 384))
  (data (i32.const 384) "\02\00\20\01\0d\b8\00\05")        ;; 2001:db8:5::
  (global $count i32 (i32.const 416))
  (global $list i32 (i32.const 1024))

  (func $check (param $ok i32) (param $step i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $step)))))

  (func $memeq (param $a i32) (param $b i32) (param $n i32) (result i32)
    (loop $next
      (if (local.get $n)
        (then
          (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b)))
            (then (return (i32.const 0))))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next))))
    (i32.const 1))

  ;; Field $step - 10 of the route: its bytes from $at, $n of them.
  (func $check_field (param $at i32) (param $n i32) (param $step i32)
    (call $check
      (call $memeq (i32.add (global.get $list) (local.get $at))
        (i32.add (global.get $want) (local.get $at)) (local.get $n))
      (local.get $step)))

  (func $list (param $step i32) (result i32)
    (i32.store (global.get $count) (i32.const 4))
    (call $check (i32.eqz (call $route_list (global.get $list) (global.get $count)))
      (local.get $step))
    (i32.load (global.get $count)))

  (func (export "_start")
    (call $check (i32.eq (call $list (i32.const 1)) (i32.const 1)) (i32.const 2))
    (call $check_field (i32.const 0) (i32.const 19) (i32.const 10))   ;; CIDR
    (call $check_field (i32.const 19) (i32.const 18) (i32.const 11))  ;; router
    (call $check_field (i32.const 40) (i32.const 1) (i32.const 12))   ;; preferred_until: none
    (call $check_field (i32.const 56) (i32.const 1) (i32.const 13))   ;; expires_at: none
    (call $check (i32.eqz (call $route_remove (global.get $addr))) (i32.const 3))
    (call $check (i32.eqz (call $list (i32.const 4))) (i32.const 5))
    (call $exit (i32.const 0)))
)
