/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/rtemu.yaml */
/* YNL-GEN kernel header */
/* To regenerate run: scripts/ynl-regen.sh */

#ifndef _LINUX_RTEMU_GEN_H
#define _LINUX_RTEMU_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/rtemu.h>

int rtemu_nl_route_add_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_route_remove_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_route_clear_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_route_get_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_route_list_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int rtemu_nl_route_change_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_route_hold_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_route_release_doit(struct sk_buff *skb, struct genl_info *info);
int rtemu_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	RTEMU_NLGRP_MONITOR,
	RTEMU_NLGRP_RESOLVE,
};

extern struct genl_family rtemu_nl_family;

#endif /* _LINUX_RTEMU_GEN_H */
