// SPDX-License-Identifier: GPL-2.0
/*
 * BPF kfuncs over the C API of include/linux/rtemu.h: a referenced lookup
 * (KF_ACQUIRE) and its release (KF_RELEASE) for XDP, TC and syscall
 * programs; see include/uapi/linux/rtemu_bpf.h. They are C because module
 * BTF (pahole) leaves out Rust compile units.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/percpu.h>
#include <linux/rtemu.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <net/xdp.h>
#include <uapi/linux/rtemu_bpf.h>

#include "rtemu_glue.h"

/* A route given to a program, and the entry reference it stands for. */
struct rtemu_bpf_hold {
	struct rtemu_bpf_route route;	/* what the program sees */
	struct rtentry *rt;		/* referenced, unlocked; NULL: no room */
	atomic_t busy;			/* given out */
};

/*
 * Each CPU's routes for programs, made when the kfuncs are registered, so
 * that a lookup allocates nothing: a program in softirq cannot wait for
 * memory, and its failure must not read as "no route". Slots are claimed
 * atomically, so a program that moves to another CPU may give back a slot
 * of its first CPU's pool. When the CPU's programs hold all of them, a
 * lookup returns the route of family 0 below: no route given, and no miss.
 */
#define RTEMU_BPF_POOL_SLOTS 16

struct rtemu_bpf_pool {
	struct rtemu_bpf_hold slot[RTEMU_BPF_POOL_SLOTS];
};

static struct rtemu_bpf_pool __percpu *rtemu_bpf_pool;

/* What a lookup returns when there is no room: family 0, nothing held. */
static struct rtemu_bpf_hold rtemu_bpf_no_room;

static struct rtemu_bpf_hold *get_hold(void)
{
	struct rtemu_bpf_pool *pool;
	int i;

	if (!rtemu_bpf_pool)
		return NULL;
	pool = raw_cpu_ptr(rtemu_bpf_pool);
	for (i = 0; i < RTEMU_BPF_POOL_SLOTS; i++) {
		struct rtemu_bpf_hold *hold = &pool->slot[i];

		if (atomic_cmpxchg_acquire(&hold->busy, 0, 1) == 0) {
			memset(&hold->route, 0, sizeof(hold->route));
			return hold;
		}
	}
	return NULL;
}

static void put_hold(struct rtemu_bpf_hold *hold)
{
	atomic_set_release(&hold->busy, 0);
}

static void copy_addr(const struct rtemu_addr *a, u8 *family, u8 bytes[16])
{
	*family = a->v6 ? AF_INET6 : AF_INET;
	memcpy(bytes, a->bytes, a->v6 ? 16 : 4);
}

/* rtalloc1(dst, 0, 0) in @net, never sleeping; NULL for no route. */
static struct rtemu_bpf_route *bpf_rtalloc1(struct net *net, const void *dst, u32 dst__sz)
{
	const struct sockaddr *sa = dst;
	struct rtemu_rs_state state;
	struct rtemu_bpf_hold *hold;
	struct rtemu_addr key;
	struct rtentry *rt;

	if (dst__sz < sizeof(sa->sa_family))
		return NULL;
	if (!((sa->sa_family == AF_INET && dst__sz >= sizeof(struct sockaddr_in)) ||
	      (sa->sa_family == AF_INET6 && dst__sz >= sizeof(struct sockaddr_in6))))
		return NULL;

	hold = get_hold();
	if (!hold)
		return &rtemu_bpf_no_room.route;
	rt = rtemu_rtalloc1(net, sa, 0, 0);
	if (!rt) {
		put_hold(hold);
		return NULL;
	}
	rtemu_rs_state(rt, &state);
	RT_UNLOCK(rt);
	hold->rt = rt;

	hold->route.prefix_len = rtemu_rs_key(rt, &key);
	copy_addr(&key, &hold->route.family, hold->route.dst);
	if (state.has_gateway)
		copy_addr(&state.gateway, &hold->route.gateway_family, hold->route.gateway);
	hold->route.flags = state.flags;
	hold->route.preferred_ns = state.preferred_ns;
	hold->route.expires_ns = state.expires_ns;
	return &hold->route;
}

__bpf_kfunc_start_defs();

/*
 * rtemu_bpf_xdp_rtalloc1 - rtalloc1() in the namespace of the packet's device
 * @xdp_ctx: the program's context
 * @dst: a struct sockaddr_in or sockaddr_in6
 * @dst__sz: its size
 *
 * Returns a referenced route, to be given back with rtemu_bpf_rtfree(), or
 * NULL.
 */
__bpf_kfunc struct rtemu_bpf_route *
rtemu_bpf_xdp_rtalloc1(struct xdp_md *xdp_ctx, const void *dst, u32 dst__sz)
{
	struct xdp_buff *ctx = (struct xdp_buff *)xdp_ctx;

	return bpf_rtalloc1(dev_net(ctx->rxq->dev), dst, dst__sz);
}

/*
 * rtemu_bpf_skb_rtalloc1 - rtalloc1() in the namespace of the skb's device,
 * or else its socket's
 * @skb_ctx: the program's context
 * @dst: a struct sockaddr_in or sockaddr_in6
 * @dst__sz: its size
 */
__bpf_kfunc struct rtemu_bpf_route *
rtemu_bpf_skb_rtalloc1(struct __sk_buff *skb_ctx, const void *dst, u32 dst__sz)
{
	struct sk_buff *skb = (struct sk_buff *)skb_ctx;
	struct net *net;

	if (skb->dev)
		net = dev_net(skb->dev);
	else if (skb->sk)
		net = sock_net(skb->sk);
	else
		return NULL;
	return bpf_rtalloc1(net, dst, dst__sz);
}

/*
 * rtemu_bpf_rtalloc1 - rtalloc1() in the calling task's namespace, for
 * syscall programs
 * @dst: a struct sockaddr_in or sockaddr_in6
 * @dst__sz: its size
 */
__bpf_kfunc struct rtemu_bpf_route *rtemu_bpf_rtalloc1(const void *dst, u32 dst__sz)
{
	return bpf_rtalloc1(current->nsproxy->net_ns, dst, dst__sz);
}

/*
 * rtemu_bpf_rtfree - RTFREE(): gives back a route a lookup returned
 * @route: the route; the verifier ensures it is held and given back once
 */
__bpf_kfunc void rtemu_bpf_rtfree(struct rtemu_bpf_route *route)
{
	struct rtemu_bpf_hold *hold = container_of(route, struct rtemu_bpf_hold, route);

	if (hold == &rtemu_bpf_no_room)
		return;
	RTFREE(hold->rt);
	put_hold(hold);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(rtemu_xdp_kfunc_ids)
BTF_ID_FLAGS(func, rtemu_bpf_xdp_rtalloc1, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, rtemu_bpf_rtfree, KF_RELEASE)
BTF_KFUNCS_END(rtemu_xdp_kfunc_ids)

BTF_KFUNCS_START(rtemu_skb_kfunc_ids)
BTF_ID_FLAGS(func, rtemu_bpf_skb_rtalloc1, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, rtemu_bpf_rtfree, KF_RELEASE)
BTF_KFUNCS_END(rtemu_skb_kfunc_ids)

BTF_KFUNCS_START(rtemu_syscall_kfunc_ids)
BTF_ID_FLAGS(func, rtemu_bpf_rtalloc1, KF_ACQUIRE | KF_RET_NULL)
BTF_ID_FLAGS(func, rtemu_bpf_rtfree, KF_RELEASE)
BTF_KFUNCS_END(rtemu_syscall_kfunc_ids)

static const struct btf_kfunc_id_set rtemu_xdp_kfuncs = {
	.owner = THIS_MODULE,
	.set = &rtemu_xdp_kfunc_ids,
};

static const struct btf_kfunc_id_set rtemu_skb_kfuncs = {
	.owner = THIS_MODULE,
	.set = &rtemu_skb_kfunc_ids,
};

static const struct btf_kfunc_id_set rtemu_syscall_kfuncs = {
	.owner = THIS_MODULE,
	.set = &rtemu_syscall_kfunc_ids,
};

/*
 * Registers the kfuncs when the kernel and this module can have them.
 * Without them the rest of the module works, so this never fails the load:
 * it says in one line why they are absent.
 */
void rtemu_bpf_register(void)
{
#ifdef CONFIG_DEBUG_INFO_BTF_MODULES
	static const struct {
		enum bpf_prog_type type;
		const char *name;
		const struct btf_kfunc_id_set *set;
	} sets[] = {
		{ BPF_PROG_TYPE_XDP, "XDP", &rtemu_xdp_kfuncs },
		{ BPF_PROG_TYPE_SCHED_CLS, "TC", &rtemu_skb_kfuncs },
		{ BPF_PROG_TYPE_SYSCALL, "syscall", &rtemu_syscall_kfuncs },
	};
	bool failed = false;
	int i, err;

	rtemu_bpf_pool = alloc_percpu(struct rtemu_bpf_pool);
	if (!rtemu_bpf_pool) {
		pr_warn("rtemu: BPF kfuncs absent: no memory for their routes\n");
		return;
	}
	/* The kernel only warns, and registers nothing, for a module without BTF. */
	if (!THIS_MODULE->btf_data_size) {
		pr_info("rtemu: BPF kfuncs absent: rtemu.ko has no BTF (built without pahole or vmlinux)\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(sets); i++) {
		err = register_btf_kfunc_id_set(sets[i].type, sets[i].set);
		if (err) {
			pr_warn("rtemu: BPF kfuncs absent for %s programs: registering them failed (%d)\n",
				sets[i].name, err);
			failed = true;
		}
	}
	if (!failed)
		pr_info("rtemu: BPF kfuncs registered for XDP, TC and syscall programs\n");
#else
	pr_info("rtemu: BPF kfuncs absent: the kernel has no CONFIG_DEBUG_INFO_BTF_MODULES\n");
#endif
}

/*
 * Frees the pools, once no program can call the kfuncs: a program that
 * uses them holds a reference on this module.
 */
void rtemu_bpf_unregister(void)
{
	free_percpu(rtemu_bpf_pool);
	rtemu_bpf_pool = NULL;
}
