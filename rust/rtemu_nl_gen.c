// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	include/rtemu.yaml */
/* YNL-GEN kernel source */
/* To regenerate run: scripts/ynl-regen.sh */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "rtemu_nl_gen.h"

#include <uapi/linux/rtemu.h>

/* Sparse enums validation callbacks */
static int
rtemu_a_route_family_validate(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	switch (nla_get_u8(attr)) {
	case RTEMU_AF_INET:
		fallthrough;
	case RTEMU_AF_INET6:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "invalid enum value");
	return -EINVAL;
}

static int
rtemu_a_route_flags_validate(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	switch (nla_get_u32(attr)) {
	case RTEMU_ROUTE_FLAGS_UP:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_GATEWAY:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_HOST:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_REJECT:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_CLONING:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_XRESOLVE:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_STATIC:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_BLACKHOLE:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_PRCLONING:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_WASCLONED:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_DEPRECATED:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "invalid enum value");
	return -EINVAL;
}

static int
rtemu_a_route_ignflags_validate(const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	switch (nla_get_u32(attr)) {
	case RTEMU_ROUTE_FLAGS_UP:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_GATEWAY:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_HOST:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_REJECT:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_CLONING:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_XRESOLVE:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_STATIC:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_BLACKHOLE:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_PRCLONING:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_WASCLONED:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_DEPRECATED:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "invalid enum value");
	return -EINVAL;
}

static int
rtemu_a_route_flags_mask_validate(const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	switch (nla_get_u32(attr)) {
	case RTEMU_ROUTE_FLAGS_UP:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_GATEWAY:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_HOST:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_REJECT:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_CLONING:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_XRESOLVE:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_STATIC:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_BLACKHOLE:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_PRCLONING:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_WASCLONED:
		fallthrough;
	case RTEMU_ROUTE_FLAGS_DEPRECATED:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "invalid enum value");
	return -EINVAL;
}

/* RTEMU_CMD_ROUTE_ADD - do */
static const struct nla_policy rtemu_route_add_nl_policy[RTEMU_A_ROUTE_EXPIRES_AT + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
	[RTEMU_A_ROUTE_DST] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[RTEMU_A_ROUTE_VIA] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x1031b0f),
	[RTEMU_A_ROUTE_PREFERRED_UNTIL] = { .type = NLA_U64, },
	[RTEMU_A_ROUTE_EXPIRES_AT] = { .type = NLA_U64, },
};

/* RTEMU_CMD_ROUTE_REMOVE - do */
static const struct nla_policy rtemu_route_remove_nl_policy[RTEMU_A_ROUTE_ADDR + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
	[RTEMU_A_ROUTE_DST] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[RTEMU_A_ROUTE_VIA] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_ADDR] = NLA_POLICY_MAX_LEN(16),
};

/* RTEMU_CMD_ROUTE_CLEAR - do */
static const struct nla_policy rtemu_route_clear_nl_policy[RTEMU_A_ROUTE_FAMILY + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
};

/* RTEMU_CMD_ROUTE_GET - do */
static const struct nla_policy rtemu_route_get_nl_policy[RTEMU_A_ROUTE_ADDR + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
	[RTEMU_A_ROUTE_ADDR] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_REPORT] = { .type = NLA_FLAG, },
	[RTEMU_A_ROUTE_IGNFLAGS] = NLA_POLICY_MASK(NLA_U32, 0x1031b0f),
};

/* RTEMU_CMD_ROUTE_LIST - dump */
static const struct nla_policy rtemu_route_list_nl_policy[RTEMU_A_ROUTE_FAMILY + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
};

/* RTEMU_CMD_ROUTE_CHANGE - do */
static const struct nla_policy rtemu_route_change_nl_policy[RTEMU_A_ROUTE_FLAGS_MASK + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
	[RTEMU_A_ROUTE_DST] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[RTEMU_A_ROUTE_VIA] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_NEW_VIA] = NLA_POLICY_MAX_LEN(16),
	[RTEMU_A_ROUTE_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0x1031b0f),
	[RTEMU_A_ROUTE_FLAGS_MASK] = NLA_POLICY_MASK(NLA_U32, 0x1031b0f),
	[RTEMU_A_ROUTE_PREFERRED_UNTIL] = { .type = NLA_U64, },
	[RTEMU_A_ROUTE_EXPIRES_AT] = { .type = NLA_U64, },
};

/* RTEMU_CMD_ROUTE_HOLD - do */
static const struct nla_policy rtemu_route_hold_nl_policy[RTEMU_A_ROUTE_ADDR + 1] = {
	[RTEMU_A_ROUTE_FAMILY] = NLA_POLICY_VALIDATE_FN(NLA_U8, &rtemu_a_route_family_validate),
	[RTEMU_A_ROUTE_ADDR] = NLA_POLICY_MAX_LEN(16),
};

/* RTEMU_CMD_ROUTE_RELEASE - do */
static const struct nla_policy rtemu_route_release_nl_policy[RTEMU_A_ROUTE_HANDLE + 1] = {
	[RTEMU_A_ROUTE_HANDLE] = { .type = NLA_U64, },
};

/* Ops table for rtemu */
static const struct genl_split_ops rtemu_nl_ops[] = {
	{
		.cmd		= RTEMU_CMD_ROUTE_ADD,
		.doit		= rtemu_nl_route_add_doit,
		.policy		= rtemu_route_add_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_EXPIRES_AT,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_REMOVE,
		.doit		= rtemu_nl_route_remove_doit,
		.policy		= rtemu_route_remove_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_ADDR,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_CLEAR,
		.doit		= rtemu_nl_route_clear_doit,
		.policy		= rtemu_route_clear_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_FAMILY,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_GET,
		.doit		= rtemu_nl_route_get_doit,
		.policy		= rtemu_route_get_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_ADDR,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_LIST,
		.dumpit		= rtemu_nl_route_list_dumpit,
		.policy		= rtemu_route_list_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_FAMILY,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_CHANGE,
		.doit		= rtemu_nl_route_change_doit,
		.policy		= rtemu_route_change_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_FLAGS_MASK,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_HOLD,
		.doit		= rtemu_nl_route_hold_doit,
		.policy		= rtemu_route_hold_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_ADDR,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= RTEMU_CMD_ROUTE_RELEASE,
		.doit		= rtemu_nl_route_release_doit,
		.policy		= rtemu_route_release_nl_policy,
		.maxattr	= RTEMU_A_ROUTE_HANDLE,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= RTEMU_CMD_STATS_GET,
		.doit	= rtemu_nl_stats_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group rtemu_nl_mcgrps[] = {
	[RTEMU_NLGRP_MONITOR] = { "monitor", },
	[RTEMU_NLGRP_RESOLVE] = { "resolve", },
};

struct genl_family rtemu_nl_family = {
	.name		= RTEMU_FAMILY_NAME,
	.version	= RTEMU_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= rtemu_nl_ops,
	.n_split_ops	= ARRAY_SIZE(rtemu_nl_ops),
	.mcgrps		= rtemu_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(rtemu_nl_mcgrps),
};
