// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of rtemu's benchmark module: its parameters, reading the prefix
 * and key files, and the timed loops over Linux's own FIB (fib_table_lookup()
 * on a spare IPv4 table, fib6_lookup() for IPv6: Linux 7.3 does not export
 * fib6_table_lookup() to modules, so the IPv6 lookup is the local table, then
 * main, as the kernel routes without custom rules), so that the peer is timed
 * without a Rust-to-C call per lookup. The Rust half (rtemu_bench.rs) times
 * rtemu's table the same way.
 */

#include <linux/kernel_read_file.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <net/ip_fib.h>
#include <net/ip6_fib.h>
#include <net/net_namespace.h>

#include "rtemu_bench_glue.h"
/* The entry lock's shims, in this module's own object. */
#include "../../rust/rtemu_bhlock.c"

static char *v4_file;
module_param(v4_file, charp, 0444);
MODULE_PARM_DESC(v4_file, "IPv4 prefixes: 20-byte records (family, length, 2 zero bytes, 16 address bytes)");
static char *v6_file;
module_param(v6_file, charp, 0444);
MODULE_PARM_DESC(v6_file, "IPv6 prefixes, same format");
static char *v4_nested_file;
module_param(v4_nested_file, charp, 0444);
MODULE_PARM_DESC(v4_nested_file, "The nested prefixes of v4_file (another prefix of it covers them), same format: adds nested-hit keys");
static char *v6_nested_file;
module_param(v6_nested_file, charp, 0444);
MODULE_PARM_DESC(v6_nested_file, "The nested prefixes of v6_file, same format");
static unsigned int keys = 200000;
module_param(keys, uint, 0444);
MODULE_PARM_DESC(keys, "Lookup keys per key set");
static unsigned long seed = 1;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "Seed of the key generator");
static unsigned int fib_table = 100;
module_param(fib_table, uint, 0444);
MODULE_PARM_DESC(fib_table, "The spare IPv4 table holding the same prefixes (IPv6: the main table)");
static unsigned int churn_us;
module_param(churn_us, uint, 0444);
MODULE_PARM_DESC(churn_us, "Microseconds between the churn writer's updates (0: as fast as it can)");

const char *rtemu_bench_v4_file(void) { return v4_file; }
const char *rtemu_bench_v6_file(void) { return v6_file; }
const char *rtemu_bench_v4_nested_file(void) { return v4_nested_file; }
const char *rtemu_bench_v6_nested_file(void) { return v6_nested_file; }
unsigned int rtemu_bench_keys(void) { return keys; }
u64 rtemu_bench_seed(void) { return seed; }
unsigned int rtemu_bench_churn_us(void) { return churn_us; }

u64 rtemu_bench_now_ns(void)
{
	return ktime_get_ns();
}

/*
 * A clock for single lookups: the CPU's time-stamp counter where there is
 * one (User-Mode Linux's own clock only counts in steps of 256 ns), read
 * after earlier instructions completed. The caller scales cycles to ns with
 * the kernel clock over a whole pass.
 */
u64 rtemu_bench_cycles(void)
{
#if defined(__x86_64__)
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
#else
	return ktime_get_ns();
#endif
}

void rtemu_bench_cond_resched(void)
{
	cond_resched();
}

/* The whole file in a vmalloc'ed buffer; free it with rtemu_bench_free(). */
int rtemu_bench_read(const char *path, void **buf, size_t *len)
{
	size_t size = 0;
	ssize_t n;

	*buf = NULL;
	n = kernel_read_file_from_path(path, 0, buf, INT_MAX, &size, READING_UNKNOWN);
	if (n < 0)
		return n;
	*len = n;
	return 0;
}

void rtemu_bench_free(void *buf)
{
	vfree(buf);
}

/* The spare table, created if missing (the guest script fills it first). */
void *rtemu_bench_fib4_table(void)
{
	return fib_new_table(&init_net, fib_table);
}

/* The prefix length the spare table matches for @daddr, or -1. */
int rtemu_bench_fib4_match(void *table, const u8 *daddr)
{
	struct flowi4 fl4 = { .daddr = *(const __be32 *)daddr };
	struct fib_result res;
	int err;

	rcu_read_lock();
	err = fib_table_lookup(table, &fl4, &res, FIB_LOOKUP_NOREF);
	rcu_read_unlock();
	return err ? -1 : res.prefixlen;
}

/* ns for fib_table_lookup() of each of @n keys, one RCU section each. */
u64 rtemu_bench_fib4_loop(void *table, const u8 (*daddr)[4], u32 n, u64 *hits)
{
	u64 start = ktime_get_ns(), found = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		struct flowi4 fl4 = { .daddr = *(const __be32 *)daddr[i] };
		struct fib_result res;

		rcu_read_lock();
		if (!fib_table_lookup(table, &fl4, &res, FIB_LOOKUP_NOREF))
			found += res.prefixlen;
		rcu_read_unlock();
	}
	*hits = found;
	return ktime_get_ns() - start;
}

static int fib6_match_locked(const u8 *daddr)
{
	struct flowi6 fl6 = {};
	struct fib6_result res = {};

	memcpy(&fl6.daddr, daddr, sizeof(fl6.daddr));
	if (fib6_lookup(&init_net, 0, &fl6, &res, 0) || !res.f6i ||
	    res.f6i == init_net.ipv6.fib6_null_entry)
		return -1;
	return res.f6i->fib6_dst.plen;
}

/* The prefix length the IPv6 FIB (local, then main table) matches, or -1. */
int rtemu_bench_fib6_match(const u8 *daddr)
{
	int plen;

	rcu_read_lock();
	plen = fib6_match_locked(daddr);
	rcu_read_unlock();
	return plen;
}

/* ns for fib6_lookup() of each of @n keys, one RCU section each. */
u64 rtemu_bench_fib6_loop(const u8 (*daddr)[16], u32 n, u64 *hits)
{
	u64 start = ktime_get_ns(), found = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		int plen;

		rcu_read_lock();
		plen = fib6_match_locked(daddr[i]);
		rcu_read_unlock();
		if (plen >= 0)
			found += plen;
	}
	*hits = found;
	return ktime_get_ns() - start;
}
