;; SPDX-License-Identifier: GPL-2.0-only
;;
;; A CIDR with host bits set is refused, not masked: adding 10.1.2.3/16 and
;; 2001:db8::1/32 must each fail with EINVAL (28), and leave the table empty.
;;
;; Exit status: 0, or the first step that failed:
;;   1 add 10.1.2.3/16 was not EINVAL    2 add 2001:db8::1/32 was not EINVAL
;;   3 list failed                        4 the table is not empty
;; (Layouts: see routes.wat.)
(module
  (import "wasix_32v1" "port_route_add" (func $route_add (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "port_route_list" (func $route_list (param i32 i32) (result i32)))
  (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  (data (i32.const 256) "\01\00\0a\01\02\03\10")          ;; 10.1.2.3/16
  (data (i32.const 288) "\01\00\c0\00\02\01")             ;; 192.0.2.1
  (data (i32.const 320) "\02\00\20\01\0d\b8\00\00\00\00\00\00\00\00\00\00\00\01\20") ;; 2001:db8::1/32
  (data (i32.const 352) "\02\00\fe\80\00\00\00\00\00\00\00\00\00\00\00\00\00\01") ;; fe80::1
  (global $no_lifetime i32 (i32.const 384))   ;; an OptionTimestamp of none: zeros
  (global $count i32 (i32.const 400))
  (global $list i32 (i32.const 1024))
  (global $EINVAL i32 (i32.const 28))

  (func $check (param $ok i32) (param $step i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $step)))))

  (func (export "_start")
    (call $check
      (i32.eq (call $route_add (i32.const 256) (i32.const 288)
                (global.get $no_lifetime) (global.get $no_lifetime))
              (global.get $EINVAL))
      (i32.const 1))
    (call $check
      (i32.eq (call $route_add (i32.const 320) (i32.const 352)
                (global.get $no_lifetime) (global.get $no_lifetime))
              (global.get $EINVAL))
      (i32.const 2))
    (i32.store (global.get $count) (i32.const 4))
    (call $check (i32.eqz (call $route_list (global.get $list) (global.get $count))) (i32.const 3))
    (call $check (i32.eqz (i32.load (global.get $count))) (i32.const 4))
    (call $exit (i32.const 0)))
)
