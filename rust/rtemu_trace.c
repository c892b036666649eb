// SPDX-License-Identifier: GPL-2.0
/*
 * rtemu's tracepoints (rtemu_trace.h), fired from Rust (rust/trace.rs)
 * through the two functions below, which format the route only when its
 * tracepoint is enabled.
 */
#include <linux/in.h>
#include <linux/socket.h>
#include <net/net_namespace.h>

#include "rtemu_glue.h"

#define CREATE_TRACE_POINTS
#include "rtemu_trace.h"

static bool enabled(u32 kind)
{
	switch (kind) {
	case RTEMU_TRACE_ADD:
		return trace_rtemu_route_add_enabled();
	case RTEMU_TRACE_CLONE:
		return trace_rtemu_route_clone_enabled();
	case RTEMU_TRACE_RESOLVE:
		return trace_rtemu_route_resolve_enabled();
	case RTEMU_TRACE_CHANGE:
		return trace_rtemu_route_change_enabled();
	case RTEMU_TRACE_EXPIRE:
		return trace_rtemu_route_expire_enabled();
	case RTEMU_TRACE_DEPRECATE:
		return trace_rtemu_route_deprecate_enabled();
	case RTEMU_TRACE_DELETE:
		return trace_rtemu_route_delete_enabled();
	default:
		return false;
	}
}

static int format_addr(char *buf, size_t len, const struct rtemu_addr *a)
{
	if (a->v6)
		return scnprintf(buf, len, "%pI6c", a->bytes);
	return scnprintf(buf, len, "%pI4", a->bytes);
}

void rtemu_trace_route(const struct net *net, u32 kind, const struct rtemu_addr *dst,
		       u8 plen, const struct rtemu_addr *gateway, u32 flags,
		       const char *reason)
{
	/* Two IPv6 addresses of at most 39 characters each, and the rest. */
	char route[96];
	u8 family = dst->v6 ? AF_INET6 : AF_INET;
	u32 ns = net->ns.inum;
	int n;

	if (!enabled(kind))
		return;
	n = format_addr(route, sizeof(route), dst);
	n += scnprintf(route + n, sizeof(route) - n, "/%u", plen);
	if (gateway) {
		n += scnprintf(route + n, sizeof(route) - n, " via ");
		format_addr(route + n, sizeof(route) - n, gateway);
	}
	switch (kind) {
	case RTEMU_TRACE_ADD:
		trace_rtemu_route_add(ns, family, plen, flags, route);
		break;
	case RTEMU_TRACE_CLONE:
		trace_rtemu_route_clone(ns, family, plen, flags, route);
		break;
	case RTEMU_TRACE_RESOLVE:
		trace_rtemu_route_resolve(ns, family, plen, flags, route);
		break;
	case RTEMU_TRACE_CHANGE:
		trace_rtemu_route_change(ns, family, plen, flags, route);
		break;
	case RTEMU_TRACE_EXPIRE:
		trace_rtemu_route_expire(ns, family, plen, flags, route);
		break;
	case RTEMU_TRACE_DEPRECATE:
		trace_rtemu_route_deprecate(ns, family, plen, flags, route);
		break;
	case RTEMU_TRACE_DELETE:
		trace_rtemu_route_delete(ns, family, plen, flags, route, reason);
		break;
	}
}

void rtemu_trace_miss(const struct net *net, const struct rtemu_addr *dst, int err)
{
	char buf[48];

	if (!trace_rtemu_route_miss_enabled())
		return;
	format_addr(buf, sizeof(buf), dst);
	trace_rtemu_route_miss(net->ns.inum, dst->v6 ? AF_INET6 : AF_INET, buf, err);
}

void rtemu_trace_clear(const struct net *net, u8 family, u32 count)
{
	trace_rtemu_route_clear(net->ns.inum, family, count);
}
