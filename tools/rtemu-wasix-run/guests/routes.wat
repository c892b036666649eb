;; SPDX-License-Identifier: GPL-2.0-only
;;
;; The four route calls as a WASIX guest makes them: adds 10.1.0.0/16 via
;; 192.0.2.1 and 2001:db8::/32 via fe80::1, each with both lifetimes, lists
;; them back and compares every field with what it wrote, removes the IPv6
;; route by its address, lists again (the IPv4 route alone), clears and lists
;; an empty table. With an argument (any), it stops after the first
;; comparison and leaves both routes in the table.
;;
;; Exit status: 0, or the first step that failed:
;;   1 add IPv4        2 add IPv6          3 list             4 list: not 2 routes
;;   5 list: not one IPv4 and one IPv6 route
;;   20..23 the IPv4 route's CIDR, router, preferred_until, expires_at differ
;;   30..33 the same of the IPv6 route
;;   6 remove 2001:db8::   7 list            8 list: not 1 route
;;   40..43 the remaining route's fields differ from the IPv4 route's
;;   9 clear           10 list             11 list: not empty
;;
;; Layouts are wasmer-wasix 0.704.2's (checked by the runner's tests):
;; address 18 bytes (family tag: 1 IPv4, 2 IPv6; a zero byte; 16 octets),
;; CIDR 19 (the address, then the prefix length after the 4 or 16 octets),
;; OptionTimestamp 16 (tag 0 none / 1 some; u64 nanoseconds at 8), route 72
;; (CIDR 0, router 19, preferred_until 40, expires_at 56), aligned 8.
(module
  (import "wasix_32v1" "port_route_add" (func $route_add (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "port_route_remove" (func $route_remove (param i32) (result i32)))
  (import "wasix_32v1" "port_route_clear" (func $route_clear (result i32)))
  (import "wasix_32v1" "port_route_list" (func $route_list (param i32 i32) (result i32)))
  (import "wasix_32v1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasix_32v1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)

  ;; The IPv4 route as a route record: the add's arguments point into it,
  ;; and the list's answer is compared with it.
  (global $v4 i32 (i32.const 256))
  (data (i32.const 256) "\01\00\0a\01\00\00\10")          ;; 10.1.0.0/16
  (data (i32.const 275) "\01\00\c0\00\02\01")             ;; via 192.0.2.1
  (data (i32.const 296) "\01")                            ;; preferred_until: some
  (data (i32.const 312) "\01")                            ;; expires_at: some
  ;; The IPv6 route.
  (global $v6 i32 (i32.const 384))
  (data (i32.const 384) "\02\00\20\01\0d\b8\00\00\00\00\00\00\00\00\00\00\00\00\20") ;; 2001:db8::/32
  (data (i32.const 403) "\02\00\fe\80\00\00\00\00\00\00\00\00\00\00\00\00\00\01") ;; via fe80::1
  (data (i32.const 424) "\01")
  (data (i32.const 440) "\01")
  ;; 2001:db8:: as an address, for the remove.
  (global $v6_addr i32 (i32.const 512))
  (data (i32.const 512) "\02\00\20\01\0d\b8")
  (global $count i32 (i32.const 544))   ;; port_route_list's count: capacity in, routes out
  (global $argc i32 (i32.const 560))    ;; and the argument bytes at 564
  (global $list i32 (i32.const 1024))   ;; room for 4 routes
  (global $route_size i32 (i32.const 72))

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

  ;; An OptionTimestamp's fields: its tag and its nanoseconds.
  (func $timestamp_eq (param $a i32) (param $b i32) (result i32)
    (i32.and
      (i32.eq (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b)))
      (i64.eq (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b)))))

  ;; The route at $got against the one at $want, field by field: exits with
  ;; $step (CIDR), +1 (router), +2 (preferred_until), +3 (expires_at).
  (func $check_route (param $got i32) (param $want i32) (param $step i32)
    (call $check (call $memeq (local.get $got) (local.get $want) (i32.const 19))
      (local.get $step))
    (call $check
      (call $memeq (i32.add (local.get $got) (i32.const 19))
        (i32.add (local.get $want) (i32.const 19)) (i32.const 18))
      (i32.add (local.get $step) (i32.const 1)))
    (call $check
      (call $timestamp_eq (i32.add (local.get $got) (i32.const 40))
        (i32.add (local.get $want) (i32.const 40)))
      (i32.add (local.get $step) (i32.const 2)))
    (call $check
      (call $timestamp_eq (i32.add (local.get $got) (i32.const 56))
        (i32.add (local.get $want) (i32.const 56)))
      (i32.add (local.get $step) (i32.const 3))))

  ;; port_route_list into $list with room for 4; exits with $step on an
  ;; error, else returns the number of routes.
  (func $list (param $step i32) (result i32)
    (i32.store (global.get $count) (i32.const 4))
    (call $check
      (i32.eqz (call $route_list (global.get $list) (global.get $count)))
      (local.get $step))
    (i32.load (global.get $count)))

  (func $add (param $route i32) (result i32)
    (call $route_add
      (local.get $route)
      (i32.add (local.get $route) (i32.const 19))
      (i32.add (local.get $route) (i32.const 40))
      (i32.add (local.get $route) (i32.const 56))))

  (func (export "_start")
    (local $i i32) (local $route i32) (local $seen i32)
    ;; Lifetimes: whole seconds since the Unix epoch, and one with
    ;; nanoseconds, all far ahead (2100-01-01..04T00:00:00Z).
    (i64.store (i32.const 304) (i64.const 4102444800000000000))
    (i64.store (i32.const 320) (i64.const 4102531200000000000))
    (i64.store (i32.const 432) (i64.const 4102617600123456789))
    (i64.store (i32.const 448) (i64.const 4102704000000000000))

    (call $check (i32.eqz (call $add (global.get $v4))) (i32.const 1))
    (call $check (i32.eqz (call $add (global.get $v6))) (i32.const 2))
    (call $check (i32.eq (call $list (i32.const 3)) (i32.const 2)) (i32.const 4))
    ;; In whatever order the table lists them: one of each family.
    (loop $each
      (local.set $route
        (i32.add (global.get $list) (i32.mul (local.get $i) (global.get $route_size))))
      (if (i32.eq (i32.load8_u (local.get $route)) (i32.const 1))
        (then
          (call $check_route (local.get $route) (global.get $v4) (i32.const 20))
          (local.set $seen (i32.or (local.get $seen) (i32.const 1))))
        (else
          (call $check (i32.eq (i32.load8_u (local.get $route)) (i32.const 2)) (i32.const 5))
          (call $check_route (local.get $route) (global.get $v6) (i32.const 30))
          (local.set $seen (i32.or (local.get $seen) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.const 2))))
    (call $check (i32.eq (local.get $seen) (i32.const 3)) (i32.const 5))

    (drop (call $args_sizes_get (global.get $argc) (i32.add (global.get $argc) (i32.const 4))))
    (if (i32.ge_u (i32.load (global.get $argc)) (i32.const 2))
      (then (call $exit (i32.const 0))))

    (call $check (i32.eqz (call $route_remove (global.get $v6_addr))) (i32.const 6))
    (call $check (i32.eq (call $list (i32.const 7)) (i32.const 1)) (i32.const 8))
    (call $check_route (global.get $list) (global.get $v4) (i32.const 40))
    (call $check (i32.eqz (call $route_clear)) (i32.const 9))
    (call $check (i32.eqz (call $list (i32.const 10))) (i32.const 11))
    (call $exit (i32.const 0)))
)
