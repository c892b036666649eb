;; SPDX-License-Identifier: GPL-2.0-only
;;
;; For make demo: adds 10.30.0.0/16 via 192.0.2.30, expiring 3 s after the
;; guest's realtime clock reads now, as a WASIX guest makes the call, and
;; exits. The kernel's lifetime work removes the route when it expires.
;;
;; Exit status: 0, or 1 the clock failed, 2 the add failed.
;;
;; Layouts as in routes.wat: CIDR at 256 (19 bytes), router at 275 (18),
;; preferred_until at 296 (none), expires_at at 312 (tag 1, ns at 320).
(module
  (import "wasix_32v1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasix_32v1" "port_route_add" (func $route_add (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  (data (i32.const 256) "\01\00\0a\1e\00\00\10")          ;; 10.30.0.0/16
  (data (i32.const 275) "\01\00\c0\00\02\1e")             ;; via 192.0.2.30
  (data (i32.const 312) "\01")                            ;; expires_at: some

  (func (export "_start")
    ;; Clock 0 is the realtime clock: expires_at is wall-clock time.
    (if (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 320))
      (then (call $exit (i32.const 1))))
    (i64.store (i32.const 320)
      (i64.add (i64.load (i32.const 320)) (i64.const 3000000000)))
    (if (call $route_add (i32.const 256) (i32.const 275) (i32.const 296) (i32.const 312))
      (then (call $exit (i32.const 2))))
    (call $exit (i32.const 0))))
