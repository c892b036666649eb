/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtemu's tracepoints: one per route event, fired as the events go out
 * (after the table's locks are dropped), in the order they happened.
 * Usable from perf (rtemu:*) and bpftrace (tracepoint:rtemu:*). Each names
 * the namespace (its inode number, as in /proc/PID/ns/net), the family,
 * prefix length and flags as fields, and the route as text.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rtemu

#if !defined(_RTEMU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RTEMU_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(rtemu_route,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(u8, plen)
		__field(u32, flags)
		__string(route, route)
	),
	TP_fast_assign(
		__entry->netns = netns;
		__entry->family = family;
		__entry->plen = plen;
		__entry->flags = flags;
		__assign_str(route);
	),
	TP_printk("netns=%u %s flags=0x%x", __entry->netns, __get_str(route),
		  __entry->flags)
);

/* A route added (route-add, or an add of the in-kernel API). */
DEFINE_EVENT(rtemu_route, rtemu_route_add,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route));
/* A host route cloned from an RTF_CLONING route (RTM_RESOLVE). */
DEFINE_EVENT(rtemu_route, rtemu_route_clone,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route));
/* A clone of an RTF_XRESOLVE route, sent to userspace to resolve. */
DEFINE_EVENT(rtemu_route, rtemu_route_resolve,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route));
/* A route changed (router, flags or lifetimes). */
DEFINE_EVENT(rtemu_route, rtemu_route_change,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route));
/* A route whose expires-at passed (it leaves the table). */
DEFINE_EVENT(rtemu_route, rtemu_route_expire,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route));
/* A route whose preferred-until passed (RTF_DEPRECATED set). */
DEFINE_EVENT(rtemu_route, rtemu_route_deprecate,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route),
	TP_ARGS(netns, family, plen, flags, route));

/* A route that left the table, and why (the spec's delete-reason). */
TRACE_EVENT(rtemu_route_delete,
	TP_PROTO(u32 netns, u8 family, u8 plen, u32 flags, const char *route,
		 const char *reason),
	TP_ARGS(netns, family, plen, flags, route, reason),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(u8, plen)
		__field(u32, flags)
		__string(route, route)
		__string(reason, reason)
	),
	TP_fast_assign(
		__entry->netns = netns;
		__entry->family = family;
		__entry->plen = plen;
		__entry->flags = flags;
		__assign_str(route);
		__assign_str(reason);
	),
	TP_printk("netns=%u %s flags=0x%x reason=%s", __entry->netns,
		  __get_str(route), __entry->flags, __get_str(reason))
);

/* A lookup with report that found nothing (err 0) or failed to clone. */
TRACE_EVENT(rtemu_route_miss,
	TP_PROTO(u32 netns, u8 family, const char *dst, int err),
	TP_ARGS(netns, family, dst, err),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(int, err)
		__string(dst, dst)
	),
	TP_fast_assign(
		__entry->netns = netns;
		__entry->family = family;
		__entry->err = err;
		__assign_str(dst);
	),
	TP_printk("netns=%u dst=%s err=%d", __entry->netns, __get_str(dst),
		  __entry->err)
);

/* Every route of the table, or of one family (AF_UNSPEC: all), removed. */
TRACE_EVENT(rtemu_route_clear,
	TP_PROTO(u32 netns, u8 family, u32 count),
	TP_ARGS(netns, family, count),
	TP_STRUCT__entry(
		__field(u32, netns)
		__field(u8, family)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->netns = netns;
		__entry->family = family;
		__entry->count = count;
	),
	TP_printk("netns=%u family=%u count=%u", __entry->netns, __entry->family,
		  __entry->count)
);

#endif /* _RTEMU_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rtemu_trace
#include <trace/define_trace.h>
