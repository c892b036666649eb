// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer written in FreeBSD 7's idioms against <rtemu/bsd/net/route.h>
 * alone: KUnit tests of the ip_output() route cache, an entry held across
 * its route's delete, the RT_REMREF-to-zero idiom of ifa_ifwithroute(),
 * cloning through report, rt_key() and rt_mask(), rtrequest() and what it
 * refuses, what rts_unreach counts (a family with no table among it), a
 * walk over the table (rnh_walktree), curvnet following CURVNET_SET() into
 * another namespace, rt_check() finding the next hop through rt_gwroute,
 * and the fields of struct rtentry that FreeBSD code reads.
 * Built with make RTEMU_KUNIT=1; loading rtemu_bsd_test.ko (after
 * rtemu.ko) with other_netns_pid= set to a process in a network namespace
 * of its own runs them, on prefixes of 198.18.100.0/22 and
 * 2001:db8:fffe::/48, each removed again when its test ends.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/if_packet.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/un.h>
#include <net/net_namespace.h>
#include <rtemu/bsd/net/route.h>

static int other_netns_pid;
module_param(other_netns_pid, int, 0444);
MODULE_PARM_DESC(other_netns_pid, "a process in a network namespace other than the initial one");

static struct sockaddr_in inet(u8 a, u8 b, u8 c, u8 d)
{
	return (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d),
	};
}

/* 2001:db8:fffe:@g3::@g7 */
static struct sockaddr_in6 inet6(u16 g3, u16 g7)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	sin6.sin6_addr.s6_addr16[0] = htons(0x2001);
	sin6.sin6_addr.s6_addr16[1] = htons(0xdb8);
	sin6.sin6_addr.s6_addr16[2] = htons(0xfffe);
	sin6.sin6_addr.s6_addr16[3] = htons(g3);
	sin6.sin6_addr.s6_addr16[7] = htons(g7);
	return sin6;
}

#define SA(p)	((struct sockaddr *)(p))
#define SIN(p)	((struct sockaddr_in *)(p))

/* An rtrequest(RTM_DELETE) of what a test added, when the test ends. */
struct added {
	struct net *net;
	struct sockaddr_storage dst, mask;
	bool host;
};

static void delete_added(void *arg)
{
	struct added *a = arg;

	/* Gone already when the test deleted it: ESRCH. */
	CURVNET_SET(a->net);
	rtrequest(RTM_DELETE, SA(&a->dst), NULL, a->host ? NULL : SA(&a->mask), 0, NULL);
	CURVNET_RESTORE();
}

/* rtrequest(RTM_ADD) in the test's current namespace, undone at its end. */
static void add(struct kunit *test, const void *dst, size_t dst_len, const void *gateway,
		const void *netmask, size_t mask_len, int flags)
{
	struct added *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	a->net = curvnet;
	memcpy(&a->dst, dst, dst_len);
	a->host = !netmask;
	if (netmask)
		memcpy(&a->mask, netmask, mask_len);
	KUNIT_ASSERT_EQ(test, rtrequest(RTM_ADD, SA(&a->dst), SA(gateway),
					netmask ? SA(&a->mask) : NULL, flags, NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, delete_added, a), 0);
}

#define add_inet(test, dst, gateway, netmask, flags)					\
	add(test, dst, sizeof(struct sockaddr_in), gateway, netmask,			\
	    sizeof(struct sockaddr_in), flags)

/*
 * ip_output()'s route cache: rtalloc_ign(ro, RTF_CLONING) fills ro_rt,
 * keeps it while it is up, and once its route is gone RTFREE lets go of
 * it (and clears the pointer) so that the next lookup looks again.
 */
static void ip_output_route_cache(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 100, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0);
	struct route ro = {};
	struct rtentry *first;

	*SIN(&ro.ro_dst) = inet(198, 18, 100, 7);
	add_inet(test, &net, &gw, &mask, 0);

	rtalloc_ign(&ro, RTF_CLONING);
	KUNIT_ASSERT_NOT_NULL(test, ro.ro_rt);
	KUNIT_EXPECT_EQ(test, ro.ro_rt->rt_flags, RTF_UP | RTF_GATEWAY);
	first = ro.ro_rt;
	rtalloc_ign(&ro, RTF_CLONING);
	KUNIT_EXPECT_PTR_EQ(test, ro.ro_rt, first);
	KUNIT_EXPECT_EQ(test, (long)ro.ro_rt->rt_refcnt, 1);

	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&net), NULL, SA(&mask), 0, NULL), 0);
	/* ip_output: "if (ro->ro_rt && (ro->ro_rt->rt_flags & RTF_UP) == 0 ...)" */
	if (ro.ro_rt && (ro.ro_rt->rt_flags & RTF_UP) == 0)
		RTFREE(ro.ro_rt);
	KUNIT_EXPECT_NULL(test, ro.ro_rt);
	rtalloc_ign(&ro, RTF_CLONING);
	KUNIT_EXPECT_NULL(test, ro.ro_rt);
}

/* A held entry stays readable after its route is deleted, RTF_UP clear. */
static void a_held_entry_outlives_its_delete(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 101, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), dst = inet(198, 18, 101, 9);
	struct rtentry *rt;

	add_inet(test, &net, &gw, &mask, RTF_STATIC);
	rt = rtalloc1(SA(&dst), 0, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_UP | RTF_GATEWAY | RTF_STATIC);
	RT_UNLOCK(rt);

	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&net), NULL, SA(&mask), 0, NULL), 0);
	RT_LOCK(rt);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_GATEWAY | RTF_STATIC);
	KUNIT_EXPECT_EQ(test, SIN(rt_key(rt))->sin_addr.s_addr, net.sin_addr.s_addr);
	KUNIT_EXPECT_EQ(test, SIN(rt_mask(rt))->sin_addr.s_addr, mask.sin_addr.s_addr);
	KUNIT_EXPECT_EQ(test, (long)rt->rt_refcnt, 1);
	RTFREE_LOCKED(rt);
	KUNIT_EXPECT_NULL(test, rt);
	KUNIT_EXPECT_NULL(test, rtalloc1(SA(&dst), 0, 0UL));
}

/*
 * ifa_ifwithroute(): "rt = rtalloc1(gateway, 0, 0UL); ... RT_REMREF(rt);
 * RT_UNLOCK(rt);" gives back the only reference and goes on with the
 * entry its table keeps. No warning, and the table still holds it.
 */
static void remref_to_zero_while_the_table_keeps_the_route(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 102, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), dst = inet(198, 18, 102, 1);
	struct rtentry *rt, *again;

	add_inet(test, &net, &gw, &mask, 0);
	kunit_warning_suppress(test) {
		rt = rtalloc1(SA(&dst), 0, 0UL);
		KUNIT_ASSERT_NOT_NULL(test, rt);
		RT_REMREF(rt);
		KUNIT_EXPECT_EQ(test, (long)rt->rt_refcnt, 0);
		KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_UP | RTF_GATEWAY);
		RT_UNLOCK(rt);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 0);
	}
	again = rtalloc1(SA(&dst), 0, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, again, rt);
	KUNIT_EXPECT_EQ(test, (long)again->rt_refcnt, 1);
	RTFREE_LOCKED(again);
}

/*
 * rtalloc1(dst, 1, 0UL) clones a host route from an RTF_CLONING match
 * (RTM_RESOLVE), with no mask; with RTF_CLONING in ignflags it answers
 * with the cloning route itself.
 */
static void report_clones_host_routes(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 103, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), dst = inet(198, 18, 103, 5);
	struct sockaddr_in other = inet(198, 18, 103, 6);
	struct rtentry *rt, *again;

	add_inet(test, &net, &gw, &mask, RTF_CLONING);
	rt = rtalloc1(SA(&dst), 1, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_UP | RTF_GATEWAY | RTF_HOST | RTF_WASCLONED);
	KUNIT_EXPECT_EQ(test, SIN(rt_key(rt))->sin_addr.s_addr, dst.sin_addr.s_addr);
	KUNIT_EXPECT_NULL(test, rt_mask(rt));
	RT_UNLOCK(rt);
	/* The clone is in the table: a lookup without report finds it. */
	again = rtalloc1(SA(&dst), 0, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, again, rt);
	if (again)
		rtfree(again);
	RTFREE(rt);

	rt = rtalloc1(SA(&other), 1, RTF_CLONING);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_UP | RTF_GATEWAY | RTF_CLONING);
	KUNIT_EXPECT_EQ(test, SIN(rt_mask(rt))->sin_addr.s_addr, mask.sin_addr.s_addr);
	RTFREE_LOCKED(rt);
}

/*
 * rtalloc1() of an address family with no table (FreeBSD's "rnh == NULL":
 * AF_UNIX here, and AF_PACKET, Linux's nearest to AF_LINK) finds nothing
 * and counts in rts_unreach; with report it is a miss too (RTM_MISS, whose
 * miss-ntf carries only the family: rtemu_api.sh's monitor checks it). A
 * lookup that matches nothing counts the same; a hit counts nothing.
 */
static void unreach_counts_lookups_that_find_nothing(struct kunit *test)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/rtemu" };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = 1 };
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 101, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), dst = inet(198, 18, 101, 9);
	struct sockaddr_in nowhere = inet(198, 18, 102, 250);
	struct rtemu_rtstat before, after;
	struct rtentry *rt;

	KUNIT_ASSERT_EQ(test, rtemu_rtstat(curvnet, &before), 0);
	KUNIT_EXPECT_NULL(test, rtalloc1(SA(&sun), 1, 0UL));
	KUNIT_ASSERT_EQ(test, rtemu_rtstat(curvnet, &after), 0);
	KUNIT_EXPECT_EQ(test, after.unreach, before.unreach + 1);
	KUNIT_EXPECT_EQ(test, after.misses, before.misses + 1);

	before = after;
	KUNIT_EXPECT_NULL(test, rtalloc1(SA(&sll), 0, 0UL));
	KUNIT_ASSERT_EQ(test, rtemu_rtstat(curvnet, &after), 0);
	KUNIT_EXPECT_EQ(test, after.unreach, before.unreach + 1);
	KUNIT_EXPECT_EQ(test, after.misses, before.misses);

	before = after;
	rt = rtalloc1(SA(&nowhere), 0, 0UL);
	if (rt)
		rtfree(rt);
	KUNIT_ASSERT_NULL_MSG(test, rt, "a route to 198.18.102.250");
	rt = rtalloc1(SA(&nowhere), 1, 0UL);
	KUNIT_EXPECT_NULL(test, rt);
	KUNIT_ASSERT_EQ(test, rtemu_rtstat(curvnet, &after), 0);
	KUNIT_EXPECT_EQ(test, after.unreach, before.unreach + 2);
	KUNIT_EXPECT_EQ(test, after.misses, before.misses + 1);

	add_inet(test, &net, &gw, &mask, 0);
	KUNIT_ASSERT_EQ(test, rtemu_rtstat(curvnet, &before), 0);
	rt = rtalloc1(SA(&dst), 1, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	rtfree(rt);
	KUNIT_ASSERT_EQ(test, rtemu_rtstat(curvnet, &after), 0);
	KUNIT_EXPECT_EQ(test, after.unreach, before.unreach);
	KUNIT_EXPECT_EQ(test, after.misses, before.misses);

	KUNIT_EXPECT_EQ(test, rtemu_rtstat(NULL, &after), -ENOENT);
}

/* rt_key() and rt_mask() of an IPv6 route, and a /48 through rtrequest. */
static void ipv6_keys_and_masks(struct kunit *test)
{
	struct sockaddr_in6 net = inet6(0, 0), dst = inet6(7, 1), gw = inet6(0, 0xfe);
	struct sockaddr_in6 mask = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 *key, *m;
	struct rtentry *rt;

	memset(mask.sin6_addr.s6_addr, 0xff, 6);
	add(test, &net, sizeof(net), &gw, &mask, sizeof(mask), 0);
	rt = rtalloc1(SA(&dst), 0, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	key = (struct sockaddr_in6 *)rt_key(rt);
	m = (struct sockaddr_in6 *)rt_mask(rt);
	KUNIT_EXPECT_EQ(test, key->sin6_family, AF_INET6);
	KUNIT_EXPECT_MEMEQ(test, &key->sin6_addr, &net.sin6_addr, 16);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_MEMEQ(test, &m->sin6_addr, &mask.sin6_addr, 16);
	RTFREE_LOCKED(rt);
}

/* What rtrequest() refuses, with FreeBSD's positive errnos. */
static void rtrequest_refusals(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 100, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), holey = inet(255, 0, 255, 0);
	struct sockaddr unix_dst = { .sa_family = AF_UNIX };
	struct rtentry *rt = NULL;

	KUNIT_EXPECT_EQ(test, rtrequest(RTM_ADD, SA(&net), SA(&gw), SA(&holey), 0, NULL), EINVAL);
	KUNIT_EXPECT_EQ(test, rtrequest(RTM_ADD, &unix_dst, SA(&gw), SA(&mask), 0, NULL),
			EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, rtrequest(RTM_ADD, SA(&net), SA(&gw), SA(&mask), 0, &rt),
			EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, rt);
	KUNIT_EXPECT_EQ(test, rtrequest(RTM_DELETE, SA(&net), NULL, SA(&mask), 0, NULL), ESRCH);
	add_inet(test, &net, &gw, &mask, 0);
	KUNIT_EXPECT_EQ(test, rtrequest(RTM_ADD, SA(&net), SA(&gw), SA(&mask), 0, NULL), EEXIST);
}

/* What a walk saw of 198.18.105.0/24, and where it should stop. */
struct walk_seen {
	u32 n, last, out_of_order, stop_at;
};

static int see_inet_route(struct radix_node *rn, void *w)
{
	struct rtentry *rt = RNTORT(rn);
	struct walk_seen *seen = w;
	u32 a = ntohl(SIN(rt_key(rt))->sin_addr.s_addr);

	if ((a & 0xffffff00) != 0xc6126900)
		return 0;
	if (seen->n && a <= seen->last)
		seen->out_of_order++;
	seen->last = a;
	seen->n++;
	return seen->n == seen->stop_at ? 42 : 0;
}

/*
 * rt_tables[af]->rnh_walktree() visits every route of the family once, in
 * order, over more routes than one batch of the walk, and stops where its
 * function says, returning what it returned.
 */
static void walktree_visits_each_route_in_order(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), host;
	struct radix_node_head *rnh = rt_tables[AF_INET];
	struct walk_seen seen = {};
	int i;

	for (i = 1; i <= 150; i++) {
		host = inet(198, 18, 105, i);
		add_inet(test, &host, &gw, NULL, 0);
	}
	KUNIT_EXPECT_EQ(test, rnh->rnh_walktree(rnh, see_inet_route, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.n, 150);
	KUNIT_EXPECT_EQ(test, seen.out_of_order, 0);
	KUNIT_EXPECT_EQ(test, seen.last, 0xc6126996);

	seen = (struct walk_seen){ .stop_at = 70 };
	KUNIT_EXPECT_EQ(test, rnh->rnh_walktree(rnh, see_inet_route, &seen), 42);
	KUNIT_EXPECT_EQ(test, seen.n, 70);

	seen = (struct walk_seen){};
	rnh = rt_tables[AF_INET6];
	KUNIT_EXPECT_EQ(test, rnh->rnh_walktree(rnh, see_inet_route, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.n, 0);
}

KUNIT_DEFINE_ACTION_WRAPPER(put_net_action, put_net, struct net *);

/*
 * curvnet is the task's namespace until CURVNET_SET() names another, and
 * again after CURVNET_RESTORE(); a route added under CURVNET_SET(other)
 * is in the other namespace's table only.
 */
static void curvnet_follows_curvnet_set(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 100, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), dst = inet(198, 18, 100, 3);
	struct net *other;
	struct rtentry *rt;

	KUNIT_ASSERT_GT_MSG(test, other_netns_pid, 0, "load with other_netns_pid=");
	other = get_net_ns_by_pid(other_netns_pid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	/* Put last: the test's routes in it are deleted first. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, put_net_action, other), 0);
	KUNIT_ASSERT_PTR_NE(test, other, &init_net);
	KUNIT_EXPECT_PTR_EQ(test, curvnet, current->nsproxy->net_ns);
	{
		CURVNET_SET(other);
		KUNIT_EXPECT_PTR_EQ(test, curvnet, other);
		add_inet(test, &net, &gw, &mask, 0);
		rt = rtalloc1(SA(&dst), 0, 0UL);
		KUNIT_EXPECT_NOT_NULL(test, rt);
		if (rt)
			RTFREE_LOCKED(rt);
		{
			CURVNET_SET(&init_net);
			KUNIT_EXPECT_PTR_EQ(test, curvnet, &init_net);
			rt = rtalloc1(SA(&dst), 0, 0UL);
			KUNIT_EXPECT_NULL(test, rt);
			if (rt)
				RTFREE_LOCKED(rt);
			CURVNET_RESTORE();
			KUNIT_EXPECT_PTR_EQ(test, curvnet, other);
		}
		CURVNET_RESTORE();
	}
	KUNIT_EXPECT_PTR_EQ(test, curvnet, current->nsproxy->net_ns);
}

/*
 * Misuse: a block left without CURVNET_RESTORE(), and frames restored out
 * of order, are each warned about once, and no frame stays behind (its
 * stack is going): curvnet is the task's namespace again.
 */
static void curvnet_misuse_is_warned_and_undone(struct kunit *test)
{
	struct rtemu_vnet_frame outer = {}, inner = {};

	kunit_warning_suppress(test) {
		{
			CURVNET_SET(&init_net);
		}
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
		rtemu_curvnet_set(&outer, &init_net);
		rtemu_curvnet_set(&inner, &init_net);
		rtemu_curvnet_restore(&outer);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 2);
		rtemu_curvnet_restore(&inner);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 2);
	}
	KUNIT_EXPECT_NULL(test, outer.task);
	KUNIT_EXPECT_NULL(test, inner.task);
	KUNIT_EXPECT_PTR_EQ(test, curvnet, current->nsproxy->net_ns);
}

/* rt_check()'s error for the route cache; a next hop found is unlocked. */
static int rt_check_error(struct route *ro)
{
	struct rtentry *rt;
	int err = rt_check(&rt, &ro->ro_rt, SA(&ro->ro_dst));

	if (!err)
		RT_UNLOCK(rt);
	return err;
}

/*
 * ether_output()'s next hop, as FreeBSD 7 finds it: a route through a
 * router holds the route to the router (rt_gwroute), and rt_check() on the
 * route cache returns that route locked, looks the router up again once
 * it is gone, and looks the destination up again once the cached route is.
 */
static void rt_check_finds_the_next_hop_through_rt_gwroute(struct kunit *test)
{
	struct sockaddr_in net = inet(198, 18, 100, 0), lan = inet(198, 18, 101, 0);
	struct sockaddr_in mask24 = inet(255, 255, 255, 0), mask25 = inet(255, 255, 255, 128);
	struct sockaddr_in router = inet(198, 18, 101, 1);
	struct route ro = {};
	struct rtentry *rt, *gw, *first;

	*SIN(&ro.ro_dst) = inet(198, 18, 100, 7);
	add_inet(test, &lan, NULL, &mask24, 0);
	add_inet(test, &net, &router, &mask24, 0);
	rtalloc(&ro);
	KUNIT_ASSERT_NOT_NULL(test, ro.ro_rt);

	RT_LOCK(ro.ro_rt);
	gw = rt_gwroute(ro.ro_rt);
	KUNIT_EXPECT_PTR_EQ(test, ro.ro_rt->rt_gwroute, gw);
	RT_UNLOCK(ro.ro_rt);
	KUNIT_ASSERT_NOT_NULL(test, gw);
	KUNIT_EXPECT_EQ(test, SIN(rt_key(gw))->sin_addr.s_addr, lan.sin_addr.s_addr);
	/* Ours, and the one the route through it keeps. */
	KUNIT_EXPECT_EQ(test, (long)gw->rt_refcnt, 2);
	RTFREE(gw);

	KUNIT_ASSERT_EQ(test, rt_check(&rt, &ro.ro_rt, SA(&ro.ro_dst)), 0);
	RT_LOCK_ASSERT(rt);
	KUNIT_EXPECT_EQ(test, SIN(rt_key(rt))->sin_addr.s_addr, lan.sin_addr.s_addr);
	KUNIT_EXPECT_EQ(test, SIN(rt_mask(rt))->sin_addr.s_addr, mask24.sin_addr.s_addr);
	KUNIT_EXPECT_EQ(test, (long)rt->rt_refcnt, 1);
	RT_UNLOCK(rt);

	/* The router's route replaced: rt_check looks the router up again. */
	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&lan), NULL, SA(&mask24), 0, NULL), 0);
	add_inet(test, &lan, NULL, &mask25, RTF_REJECT);
	/* A next hop that rejects. */
	KUNIT_EXPECT_EQ(test, rt_check_error(&ro), EHOSTUNREACH);
	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&lan), NULL, SA(&mask25), 0, NULL), 0);
	add_inet(test, &lan, NULL, &mask25, 0);
	KUNIT_ASSERT_EQ(test, rt_check(&rt, &ro.ro_rt, SA(&ro.ro_dst)), 0);
	KUNIT_EXPECT_EQ(test, SIN(rt_mask(rt))->sin_addr.s_addr, mask25.sin_addr.s_addr);
	RT_UNLOCK(rt);
	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&lan), NULL, SA(&mask25), 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, rt_check_error(&ro), EHOSTUNREACH);

	/* The cached route gone: the cache gets the new one, with its reference. */
	first = ro.ro_rt;
	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&net), NULL, SA(&mask24), 0, NULL), 0);
	add_inet(test, &net, NULL, &mask25, 0);
	KUNIT_ASSERT_EQ(test, rt_check(&rt, &ro.ro_rt, SA(&ro.ro_dst)), 0);
	KUNIT_EXPECT_PTR_NE(test, ro.ro_rt, first);
	KUNIT_EXPECT_PTR_EQ(test, rt, ro.ro_rt);
	KUNIT_EXPECT_EQ(test, SIN(rt_mask(rt))->sin_addr.s_addr, mask25.sin_addr.s_addr);
	KUNIT_EXPECT_EQ(test, (long)ro.ro_rt->rt_refcnt, 1);
	RT_UNLOCK(rt);
	RTFREE(ro.ro_rt);
}

/*
 * The fields of struct rtentry hold what rtemu's own accessors report: the
 * flags with RTF_UP, which a delete clears in rt_flags too, the references
 * held, the lookups that returned the entry, and rt_gwroute (NULL for a
 * route with no router).
 */
static void struct_rtentry_fields_are_the_entry_s(struct kunit *test)
{
	struct sockaddr_in gw = inet(192, 0, 2, 1), net = inet(198, 18, 101, 0);
	struct sockaddr_in mask = inet(255, 255, 255, 0), dst = inet(198, 18, 101, 9);
	struct rtemu_rt_state st;
	struct rtentry *rt, *second;
	unsigned long use;

	add_inet(test, &net, &gw, &mask, RTF_STATIC | RTF_REJECT);
	rt = rtalloc1(SA(&dst), 0, 0UL);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	rtemu_rt_state(rt, &st);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, st.flags);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_UP | RTF_GATEWAY | RTF_STATIC | RTF_REJECT);
	KUNIT_EXPECT_EQ(test, (long)rt->rt_refcnt, 1);
	KUNIT_EXPECT_EQ(test, rt->rt_refcnt + 0U, rtemu_rt_refcnt(rt));
	KUNIT_EXPECT_NULL(test, rt->rt_gwroute);
	use = rt->rt_use;
	KUNIT_EXPECT_GE(test, use, 1);
	RT_UNLOCK(rt);

	second = rtalloc1(SA(&dst), 0, 0UL);
	KUNIT_ASSERT_PTR_EQ(test, second, rt);
	KUNIT_EXPECT_EQ(test, rt->rt_use, use + 1);
	KUNIT_EXPECT_EQ(test, (long)rt->rt_refcnt, 2);
	RTFREE_LOCKED(second);

	/* Only the route cleared: rt_flags keeps the rest, as in FreeBSD. */
	KUNIT_ASSERT_EQ(test, rtrequest(RTM_DELETE, SA(&net), NULL, SA(&mask), 0, NULL), 0);
	RT_LOCK(rt);
	KUNIT_EXPECT_EQ(test, rt->rt_flags, RTF_GATEWAY | RTF_STATIC | RTF_REJECT);
	KUNIT_EXPECT_EQ(test, (long)rt->rt_refcnt, 1);
	RTFREE_LOCKED(rt);
}

static struct kunit_case rtemu_bsd_cases[] = {
	KUNIT_CASE(ip_output_route_cache),
	KUNIT_CASE(a_held_entry_outlives_its_delete),
	KUNIT_CASE(remref_to_zero_while_the_table_keeps_the_route),
	KUNIT_CASE(report_clones_host_routes),
	KUNIT_CASE(unreach_counts_lookups_that_find_nothing),
	KUNIT_CASE(ipv6_keys_and_masks),
	KUNIT_CASE(rtrequest_refusals),
	KUNIT_CASE(walktree_visits_each_route_in_order),
	KUNIT_CASE(curvnet_follows_curvnet_set),
	KUNIT_CASE(curvnet_misuse_is_warned_and_undone),
	KUNIT_CASE(rt_check_finds_the_next_hop_through_rt_gwroute),
	KUNIT_CASE(struct_rtentry_fields_are_the_entry_s),
	{}
};

static struct kunit_suite rtemu_bsd_suite = {
	.name = "rtemu_bsd",
	.test_cases = rtemu_bsd_cases,
};

kunit_test_suite(rtemu_bsd_suite);

MODULE_DESCRIPTION("KUnit tests of rtemu's FreeBSD porting header, in FreeBSD's idioms");
MODULE_LICENSE("GPL");
