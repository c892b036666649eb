/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/rtemu.yaml */
/* YNL-GEN uapi header */
/* To regenerate run: scripts/ynl-regen.sh */

#ifndef _UAPI_LINUX_RTEMU_H
#define _UAPI_LINUX_RTEMU_H

#define RTEMU_FAMILY_NAME	"rtemu"
#define RTEMU_FAMILY_VERSION	1

/*
 * Address family of a route, with the values of AF_INET and AF_INET6.
 */
enum rtemu_af {
	RTEMU_AF_INET = 2,
	RTEMU_AF_INET6 = 10,
};

/**
 * enum rtemu_route_flags - Route flags, with FreeBSD 7's RTF_* values.
 * @RTEMU_ROUTE_FLAGS_UP: RTF_UP, the route is in the table.
 * @RTEMU_ROUTE_FLAGS_GATEWAY: RTF_GATEWAY, the destination is reached through
 *   the via router.
 * @RTEMU_ROUTE_FLAGS_HOST: RTF_HOST, a host route (full-length prefix).
 * @RTEMU_ROUTE_FLAGS_REJECT: RTF_REJECT, an output path sending through the
 *   route refuses the packet (EHOSTUNREACH in FreeBSD's ip_output); lookups
 *   return the route like any other.
 * @RTEMU_ROUTE_FLAGS_CLONING: RTF_CLONING, lookups with report set spawn host
 *   routes. Dropped from host routes at add, as FreeBSD's rtrequest1 does:
 *   they have nothing to clone.
 * @RTEMU_ROUTE_FLAGS_XRESOLVE: RTF_XRESOLVE, clones are announced to userspace
 *   for resolution.
 * @RTEMU_ROUTE_FLAGS_STATIC: RTF_STATIC, added by an administrator.
 * @RTEMU_ROUTE_FLAGS_BLACKHOLE: RTF_BLACKHOLE, an output path sending through
 *   the route discards the packet silently; lookups return the route like any
 *   other.
 * @RTEMU_ROUTE_FLAGS_PRCLONING: RTF_PRCLONING, obsolete; accepted and
 *   reported, never clones.
 * @RTEMU_ROUTE_FLAGS_WASCLONED: RTF_WASCLONED, this host route was cloned from
 *   a cloning route.
 * @RTEMU_ROUTE_FLAGS_DEPRECATED: rtemu's own; the route's preferred-until has
 *   passed.
 */
enum rtemu_route_flags {
	RTEMU_ROUTE_FLAGS_UP = 1,
	RTEMU_ROUTE_FLAGS_GATEWAY = 2,
	RTEMU_ROUTE_FLAGS_HOST = 4,
	RTEMU_ROUTE_FLAGS_REJECT = 8,
	RTEMU_ROUTE_FLAGS_CLONING = 256,
	RTEMU_ROUTE_FLAGS_XRESOLVE = 512,
	RTEMU_ROUTE_FLAGS_STATIC = 2048,
	RTEMU_ROUTE_FLAGS_BLACKHOLE = 4096,
	RTEMU_ROUTE_FLAGS_PRCLONING = 65536,
	RTEMU_ROUTE_FLAGS_WASCLONED = 131072,
	RTEMU_ROUTE_FLAGS_DEPRECATED = 16777216,
};

/**
 * enum rtemu_delete_reason - Why a route left the table.
 * @RTEMU_DELETE_REASON_REMOVED: Removed by a route-remove request.
 * @RTEMU_DELETE_REASON_PARENT_DELETED: A clone whose cloning parent was
 *   deleted.
 * @RTEMU_DELETE_REASON_IDLE: A clone collected clone_idle_secs after its last
 *   release (FreeBSD's in_clsroute); a held clone is never collected.
 * @RTEMU_DELETE_REASON_REPLACED: A clone replaced by an added route with the
 *   same prefix.
 * @RTEMU_DELETE_REASON_SUPERSEDED: A clone inside a newly added route, or
 *   inside a route that got a new router, whose own parent is no more specific
 *   than that route (FreeBSD's rt_fixchange).
 * @RTEMU_DELETE_REASON_PARENT_CHANGED: A clone whose cloning parent got a new
 *   router (FreeBSD's rt_setgate, through rt_fixchange).
 */
enum rtemu_delete_reason {
	RTEMU_DELETE_REASON_REMOVED,
	RTEMU_DELETE_REASON_PARENT_DELETED,
	RTEMU_DELETE_REASON_IDLE,
	RTEMU_DELETE_REASON_REPLACED,
	RTEMU_DELETE_REASON_SUPERSEDED,
	RTEMU_DELETE_REASON_PARENT_CHANGED,
};

enum {
	RTEMU_A_ROUTE_PAD = 1,
	RTEMU_A_ROUTE_FAMILY,
	RTEMU_A_ROUTE_DST,
	RTEMU_A_ROUTE_PREFIX_LEN,
	RTEMU_A_ROUTE_VIA,
	RTEMU_A_ROUTE_FLAGS,
	RTEMU_A_ROUTE_PREFERRED_UNTIL,
	RTEMU_A_ROUTE_EXPIRES_AT,
	RTEMU_A_ROUTE_PREFERRED_LEFT,
	RTEMU_A_ROUTE_EXPIRES_LEFT,
	RTEMU_A_ROUTE_REFCNT,
	RTEMU_A_ROUTE_USE,
	RTEMU_A_ROUTE_PARENT_DST,
	RTEMU_A_ROUTE_PARENT_PREFIX_LEN,
	RTEMU_A_ROUTE_REPORT,
	RTEMU_A_ROUTE_IGNFLAGS,
	RTEMU_A_ROUTE_ADDR,
	RTEMU_A_ROUTE_HANDLE,
	RTEMU_A_ROUTE_REASON,
	RTEMU_A_ROUTE_ERROR,
	RTEMU_A_ROUTE_COUNT,
	RTEMU_A_ROUTE_NEW_VIA,
	RTEMU_A_ROUTE_FLAGS_MASK,
	RTEMU_A_ROUTE_SA_FAMILY,

	__RTEMU_A_ROUTE_MAX,
	RTEMU_A_ROUTE_MAX = (__RTEMU_A_ROUTE_MAX - 1)
};

enum {
	RTEMU_A_STATS_PAD = 1,
	RTEMU_A_STATS_ROUTES_INET,
	RTEMU_A_STATS_ROUTES_INET6,
	RTEMU_A_STATS_CLONES,
	RTEMU_A_STATS_TRASH,
	RTEMU_A_STATS_HOLDS,
	RTEMU_A_STATS_MISSES,
	RTEMU_A_STATS_RESOLVES,
	RTEMU_A_STATS_LIFETIME_RUNS,
	RTEMU_A_STATS_WRITER_VISITS,
	RTEMU_A_STATS_WRITER_BATCH_MAX,
	RTEMU_A_STATS_EVENTS_LOST,
	RTEMU_A_STATS_UNREACH,

	__RTEMU_A_STATS_MAX,
	RTEMU_A_STATS_MAX = (__RTEMU_A_STATS_MAX - 1)
};

enum {
	RTEMU_CMD_ROUTE_ADD = 1,
	RTEMU_CMD_ROUTE_REMOVE,
	RTEMU_CMD_ROUTE_CLEAR,
	RTEMU_CMD_ROUTE_GET,
	RTEMU_CMD_ROUTE_LIST,
	RTEMU_CMD_ROUTE_CHANGE,
	RTEMU_CMD_ROUTE_HOLD,
	RTEMU_CMD_ROUTE_RELEASE,
	RTEMU_CMD_STATS_GET,
	RTEMU_CMD_ADD_NTF,
	RTEMU_CMD_DELETE_NTF,
	RTEMU_CMD_CHANGE_NTF,
	RTEMU_CMD_EXPIRE_NTF,
	RTEMU_CMD_DEPRECATE_NTF,
	RTEMU_CMD_CLEAR_NTF,
	RTEMU_CMD_RESOLVE_NTF,
	RTEMU_CMD_MISS_NTF,

	__RTEMU_CMD_MAX,
	RTEMU_CMD_MAX = (__RTEMU_CMD_MAX - 1)
};

#define RTEMU_MCGRP_MONITOR	"monitor"
#define RTEMU_MCGRP_RESOLVE	"resolve"

#endif /* _UAPI_LINUX_RTEMU_H */
