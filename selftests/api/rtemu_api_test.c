// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer of rtemu's in-kernel API written in C, using only
 * <linux/rtemu.h>: KUnit tests of lookups, references held across a
 * delete, cloning through report, rtalloc()'s route cache,
 * RT_ADDREF/RT_REMREF, the rtrequest hook and what rtemu refuses a hook.
 * Built with make RTEMU_KUNIT=1; loading
 * rtemu_api_test.ko (after rtemu.ko) runs them in the initial namespace on
 * prefixes of 198.18.0.0/15 and 2001:db8:ffff::/48, each removed again
 * when its test ends.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/rtemu.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>

#define UP RTEMU_ROUTE_FLAGS_UP
#define GATEWAY RTEMU_ROUTE_FLAGS_GATEWAY
#define HOST RTEMU_ROUTE_FLAGS_HOST
#define CLONING RTEMU_ROUTE_FLAGS_CLONING
#define WASCLONED RTEMU_ROUTE_FLAGS_WASCLONED

static struct sockaddr_storage v4(u8 a, u8 b, u8 c, u8 d)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d);
	return ss;
}

/* 2001:db8:ffff::@hi:0:0:@lo */
static struct sockaddr_storage v6(u16 hi, u16 lo)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr.s6_addr16[0] = htons(0x2001);
	sin6->sin6_addr.s6_addr16[1] = htons(0xdb8);
	sin6->sin6_addr.s6_addr16[2] = htons(0xffff);
	sin6->sin6_addr.s6_addr16[3] = htons(hi);
	sin6->sin6_addr.s6_addr16[7] = htons(lo);
	return ss;
}

static const struct sockaddr *sa(const struct sockaddr_storage *ss)
{
	return (const struct sockaddr *)ss;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

struct added_route {
	struct sockaddr_storage dst;
	u8 plen;
};

static void delete_route(void *arg)
{
	struct added_route *r = arg;

	/* Gone already when the test deleted it: -ESRCH. */
	rtemu_route_delete(&init_net, sa(&r->dst), r->plen, NULL);
}

/* Adds a route that is deleted again when the test ends. */
static void add_route(struct kunit *test, struct sockaddr_storage dst, u8 plen,
		      struct sockaddr_storage gw, u32 flags)
{
	struct added_route *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->dst = dst;
	r->plen = plen;
	KUNIT_ASSERT_EQ(test, rtemu_route_add(&init_net, sa(&dst), plen, sa(&gw), flags), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, delete_route, r), 0);
}

static void rtalloc1_returns_the_longest_match_referenced_and_locked(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), dst = v4(198, 18, 7, 9);
	struct sockaddr_storage want = v4(198, 18, 7, 0), key;
	struct rtemu_rt_state st;
	struct rtentry *rt;

	add_route(test, v4(198, 18, 0, 0), 16, gw, 0);
	add_route(test, want, 24, gw, 0);

	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_key(rt, &key), 24);
	KUNIT_EXPECT_TRUE(test, same_addr(&key, &want));
	rtemu_rt_state(rt, &st);
	KUNIT_EXPECT_EQ(test, st.flags, UP | GATEWAY);
	KUNIT_EXPECT_TRUE(test, same_addr(&st.gateway, &gw));
	KUNIT_EXPECT_EQ(test, st.preferred_ns, 0);
	KUNIT_EXPECT_EQ(test, st.expires_ns, 0);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(rt), 1);
	rtemu_rtfree(rt);

	dst = v4(198, 19, 1, 1);
	KUNIT_EXPECT_NULL(test, rtemu_rtalloc1(&init_net, sa(&dst), 0, 0));
}

static void rtalloc1_finds_ipv6_routes(struct kunit *test)
{
	struct sockaddr_storage gw = v6(0, 1), dst = v6(0x12, 7), key;
	struct sockaddr_storage want = v6(0x12, 0);
	struct rtemu_rt_state st;
	struct rtentry *rt;

	add_route(test, want, 64, gw, 0);
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_key(rt, &key), 64);
	KUNIT_EXPECT_TRUE(test, same_addr(&key, &want));
	rtemu_rt_state(rt, &st);
	KUNIT_EXPECT_TRUE(test, same_addr(&st.gateway, &gw));
	rtemu_rtfree(rt);

	dst = v6(0x13, 1);
	KUNIT_EXPECT_NULL(test, rtemu_rtalloc1(&init_net, sa(&dst), 0, 0));
}

static void a_reference_keeps_the_entry_after_its_route_is_deleted(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), dst = v4(198, 18, 20, 1);
	struct sockaddr_storage prefix = v4(198, 18, 20, 0), key;
	struct rtemu_rt_state st;
	struct rtentry *rt;

	add_route(test, prefix, 24, gw, 0);
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	RT_UNLOCK(rt);

	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&prefix), 24, NULL), 0);
	KUNIT_EXPECT_NULL(test, rtemu_rtalloc1(&init_net, sa(&dst), 0, 0));

	/* Still ours: the key and state stay readable, RTF_UP is clear. */
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(rt), 1);
	KUNIT_EXPECT_EQ(test, rtemu_rt_key(rt, &key), 24);
	KUNIT_EXPECT_TRUE(test, same_addr(&key, &prefix));
	RT_LOCK(rt);
	rtemu_rt_state(rt, &st);
	KUNIT_EXPECT_EQ(test, st.flags, GATEWAY);
	KUNIT_EXPECT_TRUE(test, same_addr(&st.gateway, &gw));
	rtemu_rtfree(rt);
}

static void report_clones_a_host_route_from_a_cloning_route(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), dst = v4(198, 18, 30, 5), key;
	struct rtemu_rt_state st;
	struct added_route *clone;
	struct rtentry *rt, *again;

	add_route(test, v4(198, 18, 30, 0), 24, gw, CLONING);
	/* The clone goes before its parent. */
	clone = kunit_kzalloc(test, sizeof(*clone), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, clone);
	clone->dst = dst;
	clone->plen = 32;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, delete_route, clone), 0);

	/* Without report the cloning route itself is the answer. */
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_key(rt, &key), 24);
	rtemu_rtfree(rt);

	rt = rtemu_rtalloc1(&init_net, sa(&dst), 1, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_key(rt, &key), 32);
	KUNIT_EXPECT_TRUE(test, same_addr(&key, &dst));
	rtemu_rt_state(rt, &st);
	KUNIT_EXPECT_EQ(test, st.flags, UP | GATEWAY | HOST | WASCLONED);
	RT_UNLOCK(rt);

	/* The clone is in the table now: a plain lookup finds it. */
	again = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, again);
	KUNIT_EXPECT_PTR_EQ(test, again, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(again), 2);
	rtemu_rtfree(again);
	RTFREE(rt);

	/* ignflags can turn cloning off for one lookup. */
	dst = v4(198, 18, 30, 6);
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 1, CLONING);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_key(rt, &key), 24);
	rtemu_rtfree(rt);
}

static void rtalloc_keeps_its_cached_entry_while_it_is_up(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), prefix = v4(198, 18, 40, 0);
	struct route ro = { .ro_dst = v4(198, 18, 40, 1) };
	struct rtentry *first;

	add_route(test, prefix, 24, gw, 0);
	rtemu_rtalloc(&init_net, &ro);
	KUNIT_ASSERT_NOT_NULL(test, ro.ro_rt);
	first = ro.ro_rt;
	rtemu_rtalloc(&init_net, &ro);
	KUNIT_EXPECT_PTR_EQ(test, ro.ro_rt, first);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(ro.ro_rt), 1);

	/* Once the route is gone the cache lets go of it and looks again. */
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&prefix), 24, NULL), 0);
	rtemu_rtalloc(&init_net, &ro);
	KUNIT_EXPECT_NULL(test, ro.ro_rt);

	add_route(test, prefix, 24, gw, 0);
	rtemu_rtalloc(&init_net, &ro);
	KUNIT_ASSERT_NOT_NULL(test, ro.ro_rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(ro.ro_rt), 1);
	RTFREE(ro.ro_rt);
}

static void addref_and_remref_count_references(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), dst = v4(198, 18, 50, 1);
	struct rtentry *rt, *other;

	add_route(test, v4(198, 18, 50, 0), 24, gw, 0);
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	RT_LOCK_ASSERT(rt);
	RT_ADDREF(rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(rt), 2);
	RT_REMREF(rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(rt), 1);
	RT_ADDREF(rt);
	RT_UNLOCK(rt);
	/* RTFREE gives back one reference and forgets the pointer. */
	other = rt;
	RTFREE(rt);
	KUNIT_EXPECT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(other), 1);
	RTFREE(other);
	KUNIT_EXPECT_NULL(test, other);
}

static void releases_of_references_not_held_are_refused(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), dst = v4(198, 18, 51, 1);
	struct sockaddr_storage prefix = v4(198, 18, 51, 0);
	struct rtentry *rt, *stale;

	add_route(test, prefix, 24, gw, 0);
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	RT_UNLOCK(rt);
	/*
	 * A second release, through a copy of the pointer RTFREE cleared,
	 * while the route is in the table (its memory is there): refused, the
	 * count stays at zero rather than wrapping.
	 */
	stale = rt;
	RTFREE(rt);
	/* The suppression allocates: it starts outside the entry lock. */
	kunit_warning_suppress(test) {
		RTFREE(stale);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(rt), 1);
	RT_UNLOCK(rt);

	/*
	 * RT_REMREF of the caller's only reference once the route left the
	 * table: refused (FreeBSD would leak the entry), still held.
	 */
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&prefix), 24, NULL), 0);
	kunit_warning_suppress(test) {
		RT_LOCK(rt);
		RT_REMREF(rt);
		RT_UNLOCK(rt);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	KUNIT_EXPECT_EQ(test, rtemu_rt_refcnt(rt), 1);
	RTFREE(rt);
}

/* The flags of route_change's fmask, and only those, change. */
static u32 flags_of(struct kunit *test, struct sockaddr_storage dst)
{
	struct rtemu_rt_state st = {};
	struct rtentry *rt = rtemu_rtalloc1(&init_net, sa(&dst), 0, 0);

	KUNIT_EXPECT_NOT_NULL(test, rt);
	if (rt) {
		rtemu_rt_state(rt, &st);
		rtemu_rtfree(rt);
	}
	return st.flags;
}

static void route_change_changes_the_flags_fmask_names(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), prefix = v4(198, 18, 52, 0);
	struct sockaddr_storage dst = v4(198, 18, 52, 1);
	const u32 STATIC = RTEMU_ROUTE_FLAGS_STATIC, REJECT = RTEMU_ROUTE_FLAGS_REJECT;

	add_route(test, prefix, 24, gw, STATIC);
	KUNIT_EXPECT_EQ(test, rtemu_route_change(&init_net, sa(&prefix), 24, NULL, REJECT, REJECT), 0);
	KUNIT_EXPECT_EQ(test, flags_of(test, dst), UP | GATEWAY | STATIC | REJECT);
	KUNIT_EXPECT_EQ(test, rtemu_route_change(&init_net, sa(&prefix), 24, NULL, 0, STATIC), 0);
	KUNIT_EXPECT_EQ(test, flags_of(test, dst), UP | GATEWAY | REJECT);
	/* No fmask: a change of the router only. */
	KUNIT_EXPECT_EQ(test, rtemu_route_change(&init_net, sa(&prefix), 24, sa(&gw), 0, 0), 0);
	KUNIT_EXPECT_EQ(test, flags_of(test, dst), UP | GATEWAY | REJECT);
	KUNIT_EXPECT_EQ(test, rtemu_route_change(&init_net, sa(&prefix), 24, NULL, CLONING, CLONING),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, rtemu_route_change(&init_net, sa(&prefix), 24, NULL, CLONING, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, flags_of(test, dst), UP | GATEWAY | REJECT);
}

static void route_add_refuses_what_route_add_refuses(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), six = v6(0, 1);
	struct sockaddr_storage hostbits = v4(198, 18, 60, 1);

	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&hostbits), 24, sa(&gw), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&hostbits), 33, sa(&gw), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&hostbits), 32, sa(&six), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&hostbits), 32, sa(&gw),
					      RTEMU_ROUTE_FLAGS_WASCLONED), -EINVAL);
	add_route(test, hostbits, 32, gw, 0);
	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&hostbits), 32, sa(&gw), 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&hostbits), 32, NULL), 0);
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&hostbits), 32, NULL), -ESRCH);
}

/* What the hook below saw: calls about routes in 198.18.70.0/24. */
struct hook_call {
	int req;
	struct sockaddr_storage key;
	u8 plen;
	u32 flags;
};

static struct hook_call hook_calls[8];
static int hook_ncalls;
static DEFINE_SPINLOCK(hook_lock);

static void record_rtrequest(struct net *net, int req, struct rtentry *rt)
{
	struct sockaddr_storage key;
	struct rtemu_rt_state st;
	u8 plen = rtemu_rt_key(rt, &key);
	const u8 *a = (const u8 *)&((struct sockaddr_in *)&key)->sin_addr;

	if (net != &init_net || key.ss_family != AF_INET || a[0] != 198 || a[1] != 18 ||
	    a[2] != 70)
		return;
	/* The entry comes unlocked: its state is read under its lock. */
	RT_LOCK(rt);
	rtemu_rt_state(rt, &st);
	RT_UNLOCK(rt);
	spin_lock(&hook_lock);
	if (hook_ncalls < ARRAY_SIZE(hook_calls))
		hook_calls[hook_ncalls++] = (struct hook_call){ req, key, plen, st.flags };
	spin_unlock(&hook_lock);
}

static struct rtemu_rtrequest_hook hook = { .rtrequest = record_rtrequest };

static void expect_call(struct kunit *test, int i, int req, u8 plen, u32 flags)
{
	KUNIT_ASSERT_LT(test, i, hook_ncalls);
	KUNIT_EXPECT_EQ_MSG(test, hook_calls[i].req, req, "call %d", i);
	KUNIT_EXPECT_EQ_MSG(test, hook_calls[i].plen, plen, "call %d", i);
	KUNIT_EXPECT_EQ_MSG(test, hook_calls[i].flags, flags, "call %d", i);
}

static void the_rtrequest_hook_sees_each_change_as_freebsd_calls_it(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), prefix = v4(198, 18, 70, 0);
	struct sockaddr_storage dst = v4(198, 18, 70, 9);
	struct rtentry *rt;

	hook_ncalls = 0;
	KUNIT_ASSERT_EQ(test, rtemu_register_rtrequest(&hook), 0);
	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&prefix), 24, sa(&gw), CLONING), 0);
	rt = rtemu_rtalloc1(&init_net, sa(&dst), 1, 0);
	KUNIT_EXPECT_NOT_NULL(test, rt);
	if (rt)
		rtemu_rtfree(rt);
	KUNIT_EXPECT_EQ(test, rtemu_route_change(&init_net, sa(&prefix), 24, NULL,
						 RTEMU_ROUTE_FLAGS_STATIC, RTEMU_ROUTE_FLAGS_STATIC), 0);
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&prefix), 24, NULL), 0);
	rtemu_unregister_rtrequest(&hook);
	/* Not called once unregistered. */
	KUNIT_EXPECT_EQ(test, rtemu_route_add(&init_net, sa(&prefix), 24, sa(&gw), 0), 0);
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&prefix), 24, NULL), 0);

	KUNIT_EXPECT_EQ(test, hook_ncalls, 5);
	expect_call(test, 0, RTEMU_RTM_ADD, 24, UP | GATEWAY | CLONING);
	expect_call(test, 1, RTEMU_RTM_RESOLVE, 32, UP | GATEWAY | HOST | WASCLONED);
	/* A change calls it with RTM_ADD, as FreeBSD's RTM_CHANGE does. */
	expect_call(test, 2, RTEMU_RTM_ADD, 24, UP | GATEWAY | CLONING | RTEMU_ROUTE_FLAGS_STATIC);
	/*
	 * Deleted: RTF_UP is clear; the clone goes with its parent, first, as
	 * FreeBSD's rt_fixdelete runs before the parent's ifa_rtrequest.
	 */
	expect_call(test, 3, RTEMU_RTM_DELETE, 32, GATEWAY | HOST | WASCLONED);
	expect_call(test, 4, RTEMU_RTM_DELETE, 24, GATEWAY | CLONING | RTEMU_ROUTE_FLAGS_STATIC);
}

/* What the hook below found and was refused, in 198.18.80.0/24. */
static struct {
	bool called, found_itself;
	struct rtentry *with_report;
	int add_err, change_err, delete_err;
} in_hook;

static void looking_rtrequest(struct net *net, int req, struct rtentry *rt)
{
	struct sockaddr_storage key, gw = v4(192, 0, 2, 1), other = v4(198, 18, 81, 0);
	struct rtentry *found;
	const u8 *a;

	if (!rt || req != RTEMU_RTM_ADD)
		return;
	rtemu_rt_key(rt, &key);
	a = (const u8 *)&((struct sockaddr_in *)&key)->sin_addr;
	if (net != &init_net || key.ss_family != AF_INET || a[0] != 198 || a[1] != 18 ||
	    a[2] != 80)
		return;
	in_hook.called = true;
	/* Its own route, without report: it holds no entry lock, so it may. */
	found = rtemu_rtalloc1(net, sa(&key), 0, 0);
	in_hook.found_itself = found == rt;
	if (found)
		rtemu_rtfree(found);
	/* What may sleep or change the table is refused. */
	in_hook.with_report = rtemu_rtalloc1(net, sa(&key), 1, 0);
	in_hook.add_err = rtemu_route_add(net, sa(&other), 24, sa(&gw), 0);
	in_hook.change_err = rtemu_route_change(net, sa(&key), 24, NULL, 0, 0);
	in_hook.delete_err = rtemu_route_delete(net, sa(&key), 24, NULL);
}

static struct rtemu_rtrequest_hook looking_hook = { .rtrequest = looking_rtrequest };

static void a_hook_may_look_up_but_not_change_routes(struct kunit *test)
{
	struct sockaddr_storage gw = v4(192, 0, 2, 1), prefix = v4(198, 18, 80, 0);
	struct sockaddr_storage other = v4(198, 18, 81, 0);

	memset(&in_hook, 0, sizeof(in_hook));
	KUNIT_ASSERT_EQ(test, rtemu_register_rtrequest(&looking_hook), 0);
	/* The same hook twice is refused; its first registration stands. */
	KUNIT_EXPECT_EQ(test, rtemu_register_rtrequest(&looking_hook), -EBUSY);
	kunit_warning_suppress(test) {
		add_route(test, prefix, 24, gw, 0);
		/* One warning for each refusal: report, add, change, delete. */
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 4);
	}
	rtemu_unregister_rtrequest(&looking_hook);
	KUNIT_EXPECT_TRUE(test, in_hook.called);
	KUNIT_EXPECT_TRUE(test, in_hook.found_itself);
	KUNIT_EXPECT_NULL(test, in_hook.with_report);
	KUNIT_EXPECT_EQ(test, in_hook.add_err, -EDEADLK);
	KUNIT_EXPECT_EQ(test, in_hook.change_err, -EDEADLK);
	KUNIT_EXPECT_EQ(test, in_hook.delete_err, -EDEADLK);
	/* Refused means not done: the route is there, the other was never added. */
	KUNIT_EXPECT_EQ(test, rtemu_route_delete(&init_net, sa(&other), 24, NULL), -ESRCH);
	/* Unregistering it again is refused (with a warning). */
	kunit_warning_suppress(test) {
		rtemu_unregister_rtrequest(&looking_hook);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
}

static struct kunit_case rtemu_api_cases[] = {
	KUNIT_CASE(rtalloc1_returns_the_longest_match_referenced_and_locked),
	KUNIT_CASE(rtalloc1_finds_ipv6_routes),
	KUNIT_CASE(a_reference_keeps_the_entry_after_its_route_is_deleted),
	KUNIT_CASE(report_clones_a_host_route_from_a_cloning_route),
	KUNIT_CASE(rtalloc_keeps_its_cached_entry_while_it_is_up),
	KUNIT_CASE(addref_and_remref_count_references),
	KUNIT_CASE(releases_of_references_not_held_are_refused),
	KUNIT_CASE(route_change_changes_the_flags_fmask_names),
	KUNIT_CASE(route_add_refuses_what_route_add_refuses),
	KUNIT_CASE(the_rtrequest_hook_sees_each_change_as_freebsd_calls_it),
	KUNIT_CASE(a_hook_may_look_up_but_not_change_routes),
	{}
};

static struct kunit_suite rtemu_api_suite = {
	.name = "rtemu_api",
	.test_cases = rtemu_api_cases,
};
kunit_test_suite(rtemu_api_suite);

MODULE_DESCRIPTION("KUnit tests of rtemu's in-kernel C API, from C");
MODULE_LICENSE("GPL");
