/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtemu's tracepoints: one per route event, fired as the events go out
 * (after the table's locks are dropped), in the order they happened.
 * Usable from perf (rtemu:*) and bpftrace (tracepoint:rtemu:*). Each names
 * the namespace (its inode number, as in /proc/PID/ns/net). Every field is
 * a raw value, formatted only when the trace is read, so that filters and
 * BPF programs can test them: the family, prefix length and RTF_* flags as
 * numbers, the addresses (dst, gw) as a struct sockaddr_in or sockaddr_in6
 * each (printed with %pISc, as tcp's and udp's tracepoints do: one field of
 * either family), and the delete reason as its number of
 * enum rtemu_delete_reason (printed by its name in the spec).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rtemu

#if !defined(_RTEMU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RTEMU_TRACE_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/net_namespace.h>
#include <uapi/linux/rtemu.h>

#include "rtemu_glue.h"

#ifndef _RTEMU_TRACE_ADDR
#define _RTEMU_TRACE_ADDR
/*
 * The size of an address field, sizeof(struct sockaddr_in6), as a number
 * so that the format file says u8 dst[28] to every reader.
 */
#define RTEMU_TRACE_SA_LEN 28
static_assert(sizeof(struct sockaddr_in6) == RTEMU_TRACE_SA_LEN);

/* @a as a sockaddr of its family (port 0) in @to, RTEMU_TRACE_SA_LEN bytes. */
static inline void rtemu_trace_store_addr(u8 *to, const struct rtemu_addr *a)
{
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in v4 = { .sin_family = AF_INET };

	memset(to, 0, RTEMU_TRACE_SA_LEN);
	if (a->v6) {
		memcpy(&v6.sin6_addr, a->bytes, sizeof(v6.sin6_addr));
		memcpy(to, &v6, sizeof(v6));
	} else {
		memcpy(&v4.sin_addr, a->bytes, sizeof(v4.sin_addr));
		memcpy(to, &v4, sizeof(v4));
	}
}
#endif

/* The spec's delete-reason names, by their numbers in <uapi/linux/rtemu.h>. */
#define RTEMU_DELETE_REASONS(EM, EMe)			\
	EM(REMOVED, "removed")				\
	EM(PARENT_DELETED, "parent-deleted")		\
	EM(IDLE, "idle")				\
	EM(REPLACED, "replaced")			\
	EM(SUPERSEDED, "superseded")			\
	EMe(PARENT_CHANGED, "parent-changed")

/* The enum's values, not its names, in the format file's print fmt. */
#undef EM
#define EM(reason, name)	TRACE_DEFINE_ENUM(RTEMU_DELETE_REASON_##reason);
RTEMU_DELETE_REASONS(EM, EM)

#undef EM
#undef EMe
#define EM(reason, name)	{ RTEMU_DELETE_REASON_##reason, name },
#define EMe(reason, name)	{ RTEMU_DELETE_REASON_##reason, name }

DECLARE_EVENT_CLASS(rtemu_route,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(u8, plen)
		__field(u32, flags)
		__array(u8, dst, RTEMU_TRACE_SA_LEN)
		__array(u8, gw, RTEMU_TRACE_SA_LEN)
	),
	TP_fast_assign(
		__entry->netns = net->ns.inum;
		__entry->family = dst->v6 ? AF_INET6 : AF_INET;
		__entry->plen = plen;
		__entry->flags = flags;
		rtemu_trace_store_addr(__entry->dst, dst);
		rtemu_trace_store_addr(__entry->gw, gw);
	),
	TP_printk("netns=%u %pISc/%u via %pISc flags=0x%x", __entry->netns, __entry->dst,
		  __entry->plen, __entry->gw, __entry->flags)
);

/* A route added (route-add, or an add of the in-kernel API). */
DEFINE_EVENT(rtemu_route, rtemu_route_add,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags));
/* A host route cloned from an RTF_CLONING route (RTM_RESOLVE). */
DEFINE_EVENT(rtemu_route, rtemu_route_clone,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags));
/* A clone of an RTF_XRESOLVE route, sent to userspace to resolve. */
DEFINE_EVENT(rtemu_route, rtemu_route_resolve,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags));
/* A route changed (router, flags or lifetimes). */
DEFINE_EVENT(rtemu_route, rtemu_route_change,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags));
/* A route whose expires-at passed (it leaves the table). */
DEFINE_EVENT(rtemu_route, rtemu_route_expire,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags));
/* A route whose preferred-until passed (RTF_DEPRECATED set). */
DEFINE_EVENT(rtemu_route, rtemu_route_deprecate,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags),
	TP_ARGS(net, dst, plen, gw, flags));

/* A route that left the table, and why (enum rtemu_delete_reason). */
TRACE_EVENT(rtemu_route_delete,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, u8 plen,
		 const struct rtemu_addr *gw, u32 flags, u32 reason),
	TP_ARGS(net, dst, plen, gw, flags, reason),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(u8, plen)
		__field(u32, flags)
		__field(u32, reason)
		__array(u8, dst, RTEMU_TRACE_SA_LEN)
		__array(u8, gw, RTEMU_TRACE_SA_LEN)
	),
	TP_fast_assign(
		__entry->netns = net->ns.inum;
		__entry->family = dst->v6 ? AF_INET6 : AF_INET;
		__entry->plen = plen;
		__entry->flags = flags;
		__entry->reason = reason;
		rtemu_trace_store_addr(__entry->dst, dst);
		rtemu_trace_store_addr(__entry->gw, gw);
	),
	TP_printk("netns=%u %pISc/%u via %pISc flags=0x%x reason=%s", __entry->netns,
		  __entry->dst, __entry->plen, __entry->gw, __entry->flags,
		  __print_symbolic(__entry->reason, RTEMU_DELETE_REASONS(EM, EMe)))
);

/* A lookup with report that found nothing (err 0) or failed to clone. */
TRACE_EVENT(rtemu_route_miss,
	TP_PROTO(const struct net *net, const struct rtemu_addr *dst, int err),
	TP_ARGS(net, dst, err),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(int, err)
		__array(u8, dst, RTEMU_TRACE_SA_LEN)
	),
	TP_fast_assign(
		__entry->netns = net->ns.inum;
		__entry->family = dst->v6 ? AF_INET6 : AF_INET;
		__entry->err = err;
		rtemu_trace_store_addr(__entry->dst, dst);
	),
	TP_printk("netns=%u dst=%pISc err=%d", __entry->netns, __entry->dst, __entry->err)
);

/* Every route of the table, or of one family (AF_UNSPEC: all), removed. */
TRACE_EVENT(rtemu_route_clear,
	TP_PROTO(const struct net *net, u8 family, u32 count),
	TP_ARGS(net, family, count),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->netns = net->ns.inum;
		__entry->family = family;
		__entry->count = count;
	),
	TP_printk("netns=%u family=%u count=%u", __entry->netns, __entry->family,
		  __entry->count)
);

#undef EM
#undef EMe

#endif /* _RTEMU_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rtemu_trace
#include <trace/define_trace.h>
