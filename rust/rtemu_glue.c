// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rtemu's Rust code; see rtemu_glue.h. Each is a one-line
 * wrapper of a static inline kernel helper, except the pernet registration.
 */
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/netns/generic.h>

#include "rtemu_glue.h"
#include "rtemu_nl_gen.h"

struct net *rtemu_genl_info_net(const struct genl_info *info)
{
	return genl_info_net(info);
}

struct net *rtemu_cb_net(const struct netlink_callback *cb)
{
	return sock_net(cb->skb->sk);
}

struct nlattr *const *rtemu_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}

u8 rtemu_dump_version(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->genlhdr->version;
}

bool rtemu_req_net_admin(const struct sk_buff *skb, const struct net *net)
{
	return netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN);
}

void rtemu_set_err_msg(struct netlink_ext_ack *extack, const char *msg,
		       const struct nlattr *bad_attr)
{
	if (!extack)
		return;
	extack->_msg = msg;
	if (bad_attr)
		extack->bad_attr = bad_attr;
}

void rtemu_set_attr_missing(struct netlink_ext_ack *extack, unsigned int type)
{
	NL_SET_ERR_ATTR_MISS(extack, NULL, type);
}

void *rtemu_put_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	return genlmsg_put_reply(skb, info, &rtemu_nl_family, 0, cmd);
}

/* A dump message; flags the dump interrupted when cb->seq moved. */
void *rtemu_put_dump(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &rtemu_nl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

void *rtemu_put_event(struct sk_buff *skb, u8 cmd)
{
	return genlmsg_put(skb, 0, 0, &rtemu_nl_family, 0, cmd);
}

int rtemu_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

/*
 * Whether events may go out on the family: from its registration until the
 * module starts to go, which waits for sends in progress (a namespace's
 * lifetime work may run until the namespaces are torn down, after the
 * family is unregistered, when its groups may belong to another family).
 */
static DECLARE_RWSEM(rtemu_family_sem);
static bool rtemu_family_live;

void rtemu_family_open(void)
{
	down_write(&rtemu_family_sem);
	rtemu_family_live = true;
	up_write(&rtemu_family_sem);
}

void rtemu_family_close(void)
{
	down_write(&rtemu_family_sem);
	rtemu_family_live = false;
	up_write(&rtemu_family_sem);
}

int rtemu_multicast(struct net *net, struct sk_buff *skb, unsigned int group)
{
	int err = -ESRCH;

	down_read(&rtemu_family_sem);
	if (rtemu_family_live)
		err = genlmsg_multicast_netns(&rtemu_nl_family, net, skb, 0, group,
					      GFP_KERNEL);
	else
		nlmsg_free(skb);
	up_read(&rtemu_family_sem);
	return err;
}

bool rtemu_has_listeners(struct net *net, unsigned int group)
{
	return genl_has_listeners(&rtemu_nl_family, net, group);
}

void rtemu_set_err(struct net *net, unsigned int group, int err)
{
	down_read(&rtemu_family_sem);
	if (rtemu_family_live)
		genl_set_err(&rtemu_nl_family, net, 0, group, err);
	up_read(&rtemu_family_sem);
}

static unsigned int rtemu_net_id;

static int __net_init rtemu_pernet_init(struct net *net)
{
	return rtemu_net_init(net);
}

static void __net_exit rtemu_pernet_exit(struct net *net)
{
	rtemu_net_exit(net);
}

static struct pernet_operations rtemu_net_ops = {
	.init = rtemu_pernet_init,
	.exit = rtemu_pernet_exit,
	.id = &rtemu_net_id,
	.size = sizeof(void *),
};

int rtemu_register_pernet(void)
{
	return register_pernet_subsys(&rtemu_net_ops);
}

void rtemu_unregister_pernet(void)
{
	unregister_pernet_subsys(&rtemu_net_ops);
}

void **rtemu_net_slot(const struct net *net)
{
	return net_generic(net, rtemu_net_id);
}

/*
 * A socket's holds end with the socket: genetlink's per-socket private area
 * cannot be looked up from a module (genl_sk_priv_get is not exported), so
 * rtemu keys holds by portid and drops them on NETLINK_URELEASE.
 */
static int rtemu_netlink_event(struct notifier_block *nb, unsigned long state,
			       void *ptr)
{
	struct netlink_notify *n = ptr;

	if (state == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		rtemu_sock_release(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block rtemu_netlink_notifier = {
	.notifier_call = rtemu_netlink_event,
};

int rtemu_register_release_notifier(void)
{
	return netlink_register_notifier(&rtemu_netlink_notifier);
}

void rtemu_unregister_release_notifier(void)
{
	netlink_unregister_notifier(&rtemu_netlink_notifier);
}
