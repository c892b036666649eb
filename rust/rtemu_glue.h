/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C shims for rtemu's Rust code: the static inline genetlink and netns
 * helpers Rust cannot call directly, and the pernet registration. Declared
 * for Rust in rust/ffi.rs.
 */
#ifndef _RTEMU_GLUE_H
#define _RTEMU_GLUE_H

#include <net/genetlink.h>

struct net *rtemu_genl_info_net(const struct genl_info *info);
struct net *rtemu_cb_net(const struct netlink_callback *cb);
struct nlattr *const *rtemu_dump_attrs(struct netlink_callback *cb);
u8 rtemu_dump_version(struct netlink_callback *cb);
bool rtemu_req_net_admin(const struct sk_buff *skb, const struct net *net);

void rtemu_set_err_msg(struct netlink_ext_ack *extack, const char *msg,
		       const struct nlattr *bad_attr);
void rtemu_set_attr_missing(struct netlink_ext_ack *extack, unsigned int type);

void *rtemu_put_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd);
void *rtemu_put_dump(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);
void *rtemu_put_event(struct sk_buff *skb, u8 cmd);
int rtemu_reply(struct sk_buff *skb, struct genl_info *info);
int rtemu_multicast(struct net *net, struct sk_buff *skb, unsigned int group);
bool rtemu_has_listeners(struct net *net, unsigned int group);
void rtemu_set_err(struct net *net, unsigned int group, int err);

int rtemu_register_pernet(void);
void rtemu_unregister_pernet(void);
void **rtemu_net_slot(const struct net *net);

void rtemu_family_open(void);
void rtemu_family_close(void);

int rtemu_register_release_notifier(void);
void rtemu_unregister_release_notifier(void);

/* An address as rust/api.rs takes it: IPv4 in the first 4 bytes. */
struct rtemu_addr {
	bool v6;
	u8 bytes[16];
};

/* What rtemu_rs_state() copies out under the entry lock. */
struct rtemu_rs_state {
	struct rtemu_addr gateway;
	bool has_gateway;
	u32 flags;
	u64 preferred_ns;
	u64 expires_ns;
};

struct rtentry;

/*
 * Where the Rust entry keeps the fields of struct rtentry (linux/rtemu.h)
 * that C reads, from the pointer C has: rt_gwroute's without lockdep, whose
 * map the entry lock carries before it otherwise. rtemu_api.c asserts the C
 * struct against these, and the Rust entry itself (rust/c_consts.rs is
 * generated from them, scripts/ynl-regen.sh).
 */
#define RTEMU_RTENTRY_FLAGS_OFFSET	16
#define RTEMU_RTENTRY_USE_OFFSET	24
#define RTEMU_RTENTRY_WORD_OFFSET	32
#define RTEMU_RTENTRY_GWROUTE_OFFSET	40

/* Implemented in Rust. */
int rtemu_net_init(struct net *net);
void rtemu_net_exit(struct net *net);
void rtemu_sock_release(struct net *net, u32 portid);

/* The tracepoints of rtemu_trace.h, by kind (rtemu_trace.c); rust/c_consts.rs
 * is generated from these (scripts/ynl-regen.sh). */
enum {
	RTEMU_TRACE_ADD = 0,
	RTEMU_TRACE_CLONE = 1,
	RTEMU_TRACE_RESOLVE = 2,
	RTEMU_TRACE_CHANGE = 3,
	RTEMU_TRACE_EXPIRE = 4,
	RTEMU_TRACE_DEPRECATE = 5,
	RTEMU_TRACE_DELETE = 6,
};
/*
 * @gateway: the route's router, unspecified (0.0.0.0 or ::) for none;
 * @reason: an enum rtemu_delete_reason, for RTEMU_TRACE_DELETE only.
 */
void rtemu_trace_route(const struct net *net, u32 kind, const struct rtemu_addr *dst,
		       u8 plen, const struct rtemu_addr *gateway, u32 flags, u32 reason);
void rtemu_trace_miss(const struct net *net, const struct rtemu_addr *dst, int err);
void rtemu_trace_clear(const struct net *net, u8 family, u32 count);

/* Registers the BPF kfuncs, or logs why not (rtemu_bpf.c). */
void rtemu_bpf_register(void);
void rtemu_bpf_unregister(void);

/* The rtrequest hooks of include/linux/rtemu.h (rtemu_api.c). */
int rtemu_hooks_init(void);
void rtemu_hooks_exit(void);
bool rtemu_rtrequest_hooked(void);
void rtemu_call_rtrequest(struct net *net, int req, struct rtentry *rt);

/* The API of include/linux/rtemu.h, implemented in Rust (rust/api.rs). */
struct rtentry *rtemu_rs_rtalloc1(struct net *net, const struct rtemu_addr *dst,
				  bool report, u32 ignflags);
void rtemu_rs_rtalloc1_no_table(struct net *net, u16 family, bool report);
bool rtemu_rs_is_up(const struct rtentry *rt);
int rtemu_rs_rt_check(struct net *net, struct rtentry **lrt, struct rtentry **lrt0,
		      const struct rtemu_addr *dst);
u8 rtemu_rs_key(const struct rtentry *rt, struct rtemu_addr *dst);
void rtemu_rs_state(struct rtentry *rt, struct rtemu_rs_state *state);
int rtemu_rs_route_add(struct net *net, const struct rtemu_addr *dst, u8 plen,
		       const struct rtemu_addr *gateway, u32 flags);
int rtemu_rs_route_delete(struct net *net, const struct rtemu_addr *dst, u8 plen,
			  const struct rtemu_addr *gateway);
int rtemu_rs_route_change(struct net *net, const struct rtemu_addr *dst, u8 plen,
			  const struct rtemu_addr *gateway, u32 flags, u32 fmask);
void rtemu_rs_walk(struct net *net, bool v6, void *ctx);
bool rtemu_walk_one(void *ctx, struct rtentry *rt);

#endif /* _RTEMU_GLUE_H */
