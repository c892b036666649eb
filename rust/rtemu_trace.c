// SPDX-License-Identifier: GPL-2.0
/*
 * rtemu's tracepoints (rtemu_trace.h), fired from Rust (rust/trace.rs)
 * through the functions below. Each copies raw values into its event, and
 * only when the tracepoint is enabled; nothing is formatted here.
 */
#include <net/net_namespace.h>

#include "rtemu_glue.h"

#define CREATE_TRACE_POINTS
#include "rtemu_trace.h"

void rtemu_trace_route(const struct net *net, u32 kind, const struct rtemu_addr *dst,
		       u8 plen, const struct rtemu_addr *gateway, u32 flags, u32 reason)
{
	switch (kind) {
	case RTEMU_TRACE_ADD:
		trace_rtemu_route_add(net, dst, plen, gateway, flags);
		break;
	case RTEMU_TRACE_CLONE:
		trace_rtemu_route_clone(net, dst, plen, gateway, flags);
		break;
	case RTEMU_TRACE_RESOLVE:
		trace_rtemu_route_resolve(net, dst, plen, gateway, flags);
		break;
	case RTEMU_TRACE_CHANGE:
		trace_rtemu_route_change(net, dst, plen, gateway, flags);
		break;
	case RTEMU_TRACE_EXPIRE:
		trace_rtemu_route_expire(net, dst, plen, gateway, flags);
		break;
	case RTEMU_TRACE_DEPRECATE:
		trace_rtemu_route_deprecate(net, dst, plen, gateway, flags);
		break;
	case RTEMU_TRACE_DELETE:
		trace_rtemu_route_delete(net, dst, plen, gateway, flags, reason);
		break;
	}
}

void rtemu_trace_miss(const struct net *net, const struct rtemu_addr *dst, int err)
{
	trace_rtemu_route_miss(net, dst, err);
}

void rtemu_trace_clear(const struct net *net, u8 family, u32 count)
{
	trace_rtemu_route_clear(net, family, count);
}
