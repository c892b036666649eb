/* SPDX-License-Identifier: GPL-2.0 */
/* The C half of rtemu's benchmark module, declared for Rust in rtemu_bench.rs. */
#ifndef _RTEMU_BENCH_GLUE_H
#define _RTEMU_BENCH_GLUE_H

#include <linux/types.h>

const char *rtemu_bench_v4_file(void);
const char *rtemu_bench_v6_file(void);
const char *rtemu_bench_v4_nested_file(void);
const char *rtemu_bench_v6_nested_file(void);
unsigned int rtemu_bench_keys(void);
u64 rtemu_bench_seed(void);
unsigned int rtemu_bench_churn_us(void);
u64 rtemu_bench_now_ns(void);
u64 rtemu_bench_cycles(void);
void rtemu_bench_cond_resched(void);
int rtemu_bench_read(const char *path, void **buf, size_t *len);
void rtemu_bench_free(void *buf);
void *rtemu_bench_fib4_table(void);
int rtemu_bench_fib4_match(void *table, const u8 *daddr);
u64 rtemu_bench_fib4_loop(void *table, const u8 (*daddr)[4], u32 n, u64 *hits);
int rtemu_bench_fib6_match(const u8 *daddr);
u64 rtemu_bench_fib6_loop(const u8 (*daddr)[16], u32 n, u64 *hits);

#endif /* _RTEMU_BENCH_GLUE_H */
