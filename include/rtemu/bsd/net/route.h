/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FreeBSD 7's <net/route.h> as far as rtemu emulates it: rtalloc(9) under
 * FreeBSD's names, signatures and macros, over the rtemu table of the
 * current network namespace, for kernel code ported from FreeBSD. Include
 * it as <rtemu/bsd/net/route.h>: Linux has a <net/route.h> of its own.
 * The rules are those of <linux/rtemu.h>, which this header includes.
 *
 * The network namespace is FreeBSD's curvnet: CURVNET_SET(net) makes @net
 * current for the task (functions it calls included) until the
 * CURVNET_RESTORE() that must end the same block, as in FreeBSD (it
 * declares a variable, as FreeBSD's does); outside any, curvnet is the
 * current task's namespace. In interrupt or softirq context a
 * CURVNET_SET() there counts (not the interrupted task's), and without
 * one there is no default: the calls warn once and find nothing
 * (rtalloc1() NULL, rtrequest() ENETUNREACH).
 *
 * What a port still changes, and where rtemu differs from FreeBSD 7, is in
 * the README ("Porting FreeBSD code").
 */
#ifndef _RTEMU_BSD_NET_ROUTE_H_
#define _RTEMU_BSD_NET_ROUTE_H_

#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/nsproxy.h>
#include <linux/preempt.h>
#include <linux/rtemu.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/string.h>

/*
 * Linux's <linux/route.h> (the SIOCADDRT ioctl's) gives some RTF_ names
 * other values and defines a struct rtentry of its own: a file that uses
 * this header cannot also use that one.
 */
#ifdef _LINUX_ROUTE_H
#error "<rtemu/bsd/net/route.h> and Linux's <linux/route.h> define RTF_* and struct rtentry differently"
#endif

/* Route flags: FreeBSD 7's values, which rtemu's UAPI uses too. */
#define RTF_UP		RTEMU_ROUTE_FLAGS_UP
#define RTF_GATEWAY	RTEMU_ROUTE_FLAGS_GATEWAY
#define RTF_HOST	RTEMU_ROUTE_FLAGS_HOST
#define RTF_REJECT	RTEMU_ROUTE_FLAGS_REJECT
#define RTF_CLONING	RTEMU_ROUTE_FLAGS_CLONING
#define RTF_XRESOLVE	RTEMU_ROUTE_FLAGS_XRESOLVE
#define RTF_STATIC	RTEMU_ROUTE_FLAGS_STATIC
#define RTF_BLACKHOLE	RTEMU_ROUTE_FLAGS_BLACKHOLE
#define RTF_PRCLONING	RTEMU_ROUTE_FLAGS_PRCLONING
#define RTF_WASCLONED	RTEMU_ROUTE_FLAGS_WASCLONED

/* Requests: rtrequest()'s, and those an rtrequest hook is told of. */
#define RTM_ADD		RTEMU_RTM_ADD
#define RTM_DELETE	RTEMU_RTM_DELETE
#define RTM_RESOLVE	RTEMU_RTM_RESOLVE

/*
 * curvnet: see above. Each CURVNET_SET() pushes a frame, on the caller's
 * stack, onto the current task's (or interrupt level's) stack of
 * namespaces; CURVNET_RESTORE() pops it, and so does leaving the block
 * without it, with a warning, as FreeBSD's VNET_DEBUG would complain.
 */
static inline void rtemu_bsd_vnet_frame_end(struct rtemu_vnet_frame *frame)
{
	if (WARN_ONCE(frame->task, "rtemu: CURVNET_SET without CURVNET_RESTORE\n"))
		rtemu_curvnet_restore(frame);
}

#define curvnet	rtemu_curvnet()

#define CURVNET_SET(arg)							\
	struct rtemu_vnet_frame rtemu_bsd_vnet_frame				\
		__cleanup(rtemu_bsd_vnet_frame_end) = {};			\
	rtemu_curvnet_set(&rtemu_bsd_vnet_frame, (arg))
#define CURVNET_SET_QUIET(arg)	CURVNET_SET(arg)
#define CURVNET_RESTORE()	rtemu_curvnet_restore(&rtemu_bsd_vnet_frame)

/*
 * struct rtentry *rtalloc1(struct sockaddr *dst, int report, u_long ignflags):
 * locked and referenced, or NULL (also without a namespace). As FreeBSD's,
 * a lookup that finds nothing counts in rts_unreach, one of an address
 * family with no table (rt_tables[af] NULL: any but AF_INET and AF_INET6)
 * too, and with report is an RTM_MISS; rtemu_rtstat() reads both counters.
 */
#define rtalloc1(dst, report, ignflags)	rtemu_rtalloc1(curvnet, (dst), (report), (ignflags))
/*
 * void rtalloc_ign(struct route *ro, u_long ignflags), void rtalloc(struct
 * route *ro): without a namespace an entry that is up stays cached, and
 * none is found.
 */
#define rtalloc_ign(ro, ignflags)	rtemu_rtalloc_ign(curvnet, (ro), (ignflags))
#define rtalloc(ro)			rtalloc_ign((ro), 0UL)
/* void rtfree(struct rtentry *rt): the lock is held, and given up. */
#define rtfree(rt)			rtemu_rtfree(rt)

/*
 * int rt_check(struct rtentry **lrt, struct rtentry **lrt0, struct sockaddr
 * *dst): 0 or a positive errno, as FreeBSD's. On 0, *lrt is the next hop's
 * route, locked and not referenced for the caller: RT_UNLOCK it. Pass the
 * route cache itself as @lrt0 (&ro->ro_rt): a route that left its table is
 * replaced there, with its reference (see rtemu_rt_check()).
 */
#define rt_check(lrt, lrt0, dst)	(-rtemu_rt_check(curvnet, (lrt), (lrt0), (dst)))
/*
 * struct rtentry *rt_gwroute(struct rtentry *rt): FreeBSD's rt->rt_gwroute,
 * read with @rt locked, as a new reference (RTFREE it), or NULL. The field
 * itself, rt->rt_gwroute, is there too, for reading under the lock: a
 * reference of @rt's, not the reader's.
 */
#define rt_gwroute(rt)			rtemu_rt_gwroute(rt)

/*
 * rt_key(rt), rt_mask(rt): the entry's key, and its mask (NULL for a host
 * route, as FreeBSD keeps none), as socket addresses. FreeBSD points into
 * the entry; here each use fills storage that lives as long as the
 * enclosing block, so compare or copy them there, and take them while the
 * entry is referenced (or kept by the table under its lock).
 */
#define rt_key(rt)	rtemu_bsd_key((rt), &(struct sockaddr_storage){})
#define rt_mask(rt)	rtemu_bsd_mask((rt), &(struct sockaddr_storage){})

static inline struct sockaddr *rtemu_bsd_key(const struct rtentry *rt,
					     struct sockaddr_storage *ss)
{
	rtemu_rt_key(rt, ss);
	return (struct sockaddr *)ss;
}

/* The prefix length of a contiguous mask, or -1. */
static inline int rtemu_bsd_mask_len(const u8 *mask, int bytes)
{
	int len = 0, i;

	for (i = 0; i < bytes && mask[i] == 0xff; i++)
		len += 8;
	if (i < bytes) {
		u8 m = mask[i];
		int ones = hweight8(m);

		if (m != (u8)(0xff << (8 - ones)))
			return -1;
		len += ones;
		for (i++; i < bytes; i++)
			if (mask[i])
				return -1;
	}
	return len;
}

static inline struct sockaddr *rtemu_bsd_mask(const struct rtentry *rt,
					      struct sockaddr_storage *ss)
{
	int plen = rtemu_rt_key(rt, ss), bytes, i;
	u8 *mask;

	if (ss->ss_family == AF_INET) {
		mask = (u8 *)&((struct sockaddr_in *)ss)->sin_addr;
		bytes = 4;
	} else {
		mask = ((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		bytes = 16;
	}
	if (plen == bytes * 8)
		return NULL;
	for (i = 0; i < bytes; i++, plen -= 8)
		mask[i] = plen >= 8 ? 0xff : plen > 0 ? (u8)(0xff << (8 - plen)) : 0;
	return (struct sockaddr *)ss;
}

/*
 * The routing tables, for a walk: rt_tables[AF_INET] and rt_tables[AF_INET6]
 * of curvnet, whose rnh_walktree(rnh, f, w) calls f(rn, w) for each route
 * (RNTORT(rn) is its entry) until f returns nonzero, as <linux/rtemu.h>'s
 * rtemu_rt_walk() does: no lock is held (there is no RADIX_NODE_HEAD_LOCK),
 * f must not sleep, and the entries are neither referenced nor locked.
 */
struct radix_node;
typedef int walktree_f_t(struct radix_node *, void *);

struct radix_node_head {
	int (*rnh_walktree)(struct radix_node_head *head, walktree_f_t *f, void *w);
	int rnh_family;		/* rtemu's */
};

#define RNTORT(p)	((struct rtentry *)(p))

struct rtemu_bsd_walk {
	walktree_f_t *f;
	void *w;
};

static inline int rtemu_bsd_walk_one(struct rtentry *rt, void *arg)
{
	struct rtemu_bsd_walk *walk = arg;

	return walk->f((struct radix_node *)rt, walk->w);
}

static inline int rtemu_bsd_walktree(struct radix_node_head *rnh, walktree_f_t *f, void *w)
{
	struct rtemu_bsd_walk walk = { .f = f, .w = w };
	struct net *net = curvnet;

	return net ? rtemu_rt_walk(net, rnh->rnh_family, rtemu_bsd_walk_one, &walk) : 0;
}

static struct radix_node_head rtemu_bsd_inet_head __maybe_unused = {
	.rnh_walktree = rtemu_bsd_walktree,
	.rnh_family = AF_INET,
};
static struct radix_node_head rtemu_bsd_inet6_head __maybe_unused = {
	.rnh_walktree = rtemu_bsd_walktree,
	.rnh_family = AF_INET6,
};
static struct radix_node_head *const rt_tables[AF_MAX + 1] __maybe_unused = {
	[AF_INET] = &rtemu_bsd_inet_head,
	[AF_INET6] = &rtemu_bsd_inet6_head,
};

/*
 * int rtrequest(int req, struct sockaddr *dst, struct sockaddr *gateway,
 *               struct sockaddr *netmask, int flags, struct rtentry **ret_nrt)
 *
 * RTM_ADD and RTM_DELETE, as route-add and route-remove make them: 0 or a
 * positive errno, as FreeBSD returns them. @netmask NULL (or RTF_HOST in
 * @flags) is a host route; a mask must be contiguous (EINVAL otherwise).
 * RTF_GATEWAY follows @gateway, as rtemu sets it; of @flags, RTF_CLONING,
 * RTF_XRESOLVE, RTF_STATIC, RTF_REJECT, RTF_BLACKHOLE and RTF_PRCLONING are
 * kept. @ret_nrt must be NULL: rtemu returns no entry from a change (look
 * the route up), and EOPNOTSUPP says so. A delete takes every path of the
 * prefix, whatever @gateway says.
 */
#define rtrequest(req, dst, gateway, netmask, flags, ret_nrt)			\
	rtemu_bsd_rtrequest(curvnet, (req), (dst), (gateway), (netmask), (flags), (ret_nrt))

static inline int rtemu_bsd_rtrequest(struct net *net, int req, const struct sockaddr *dst,
				      const struct sockaddr *gateway,
				      const struct sockaddr *netmask, int flags,
				      struct rtentry **ret_nrt)
{
	int plen, bits;

	if (ret_nrt)
		return EOPNOTSUPP;
	if (!net)
		return ENETUNREACH;
	if (!dst)
		return EINVAL;
	switch (dst->sa_family) {
	case AF_INET:
		bits = 32;
		break;
	case AF_INET6:
		bits = 128;
		break;
	default:
		return EAFNOSUPPORT;
	}
	if (!netmask || (flags & RTF_HOST)) {
		plen = bits;
	} else if (netmask->sa_family == AF_INET && bits == 32) {
		plen = rtemu_bsd_mask_len((const u8 *)&((const struct sockaddr_in *)netmask)->sin_addr, 4);
	} else if (netmask->sa_family == AF_INET6 && bits == 128) {
		plen = rtemu_bsd_mask_len(((const struct sockaddr_in6 *)netmask)->sin6_addr.s6_addr, 16);
	} else {
		return EINVAL;
	}
	if (plen < 0)
		return EINVAL;
	switch (req) {
	case RTM_ADD:
		return -rtemu_route_add(net, dst, plen, gateway,
					flags & (RTF_CLONING | RTF_XRESOLVE | RTF_STATIC |
						 RTF_REJECT | RTF_BLACKHOLE | RTF_PRCLONING));
	case RTM_DELETE:
		return -rtemu_route_delete(net, dst, plen, NULL);
	default:
		return EOPNOTSUPP;
	}
}

#endif /* _RTEMU_BSD_NET_ROUTE_H_ */
