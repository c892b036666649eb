// SPDX-License-Identifier: GPL-2.0
/*
 * The exported C API of include/linux/rtemu.h. The functions that take or
 * give socket addresses convert them to and from rtemu's own form here and
 * call the Rust implementation in rust/api.rs (declared in rtemu_glue.h),
 * which keeps the reference and lock rules; the others are defined in
 * rust/api.rs under their header names and only exported here.
 */
#include <linux/bottom_half.h>
#include <linux/export.h>
#include <linux/hash.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/rtemu.h>
#include <linux/sched.h>
#include <linux/nsproxy.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "rtemu_glue.h"

#ifdef CONFIG_DEBUG_LOCK_ALLOC
#define RTEMU_LOCKDEP_MAP_SIZE	sizeof(struct lockdep_map)
#else
#define RTEMU_LOCKDEP_MAP_SIZE	0
#endif
static_assert(offsetof(struct rtentry, rt_flags) == RTEMU_RTENTRY_FLAGS_OFFSET);
static_assert(offsetof(struct rtentry, rt_use) == RTEMU_RTENTRY_USE_OFFSET);
static_assert(offsetof(struct rtentry, __rt_word) == RTEMU_RTENTRY_WORD_OFFSET);
static_assert(offsetof(struct rtentry, rt_gwroute) ==
	      RTEMU_RTENTRY_GWROUTE_OFFSET + RTEMU_LOCKDEP_MAP_SIZE);

/* @sa as rtemu's address; false for another family or none. */
static bool addr_from_sockaddr(const struct sockaddr *sa, struct rtemu_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!sa)
		return false;
	switch (sa->sa_family) {
	case AF_INET:
		out->v6 = false;
		memcpy(out->bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	case AF_INET6:
		out->v6 = true;
		memcpy(out->bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	default:
		return false;
	}
}

static void addr_to_sockaddr(const struct rtemu_addr *a, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (a->v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
	}
}

/*
 * Hooks run with bottom halves disabled, so no other task runs on their CPU
 * meanwhile: a nonzero count on this CPU means the caller is a hook.
 */
static DEFINE_PER_CPU(unsigned int, rtrequest_hook_depth);

static bool in_rtrequest_hook(void)
{
	return this_cpu_read(rtrequest_hook_depth) != 0;
}

struct rtentry *rtemu_rtalloc1(struct net *net, const struct sockaddr *dst,
			       int report, u32 ignflags)
{
	struct rtemu_addr a;

	/* report may clone and sleep: not from a hook. */
	if (report && WARN_ON_ONCE(in_rtrequest_hook()))
		return NULL;
	if (!addr_from_sockaddr(dst, &a)) {
		/* FreeBSD's rt_tables[dst->sa_family] == NULL: counted, reported. */
		if (dst)
			rtemu_rs_rtalloc1_no_table(net, dst->sa_family, report);
		return NULL;
	}
	return rtemu_rs_rtalloc1(net, &a, report, ignflags);
}
EXPORT_SYMBOL_GPL(rtemu_rtalloc1);

void rtemu_rtalloc_ign(struct net *net, struct route *ro, u32 ignflags)
{
	struct rtentry *rt = ro->ro_rt;

	if (rt) {
		if (rtemu_rs_is_up(rt))
			return;
		RTFREE(rt);
		ro->ro_rt = NULL;
	}
	ro->ro_rt = rtemu_rtalloc1(net, (const struct sockaddr *)&ro->ro_dst, 1, ignflags);
	if (ro->ro_rt)
		RT_UNLOCK(ro->ro_rt);
}
EXPORT_SYMBOL_GPL(rtemu_rtalloc_ign);

void rtemu_rtalloc(struct net *net, struct route *ro)
{
	rtemu_rtalloc_ign(net, ro, 0);
}
EXPORT_SYMBOL_GPL(rtemu_rtalloc);

int rtemu_rt_check(struct net *net, struct rtentry **lrt, struct rtentry **lrt0,
		   const struct sockaddr *dst)
{
	struct rtemu_addr a;

	/* Its lookups may clone and sleep: not from a hook. */
	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return -EDEADLK;
	if (!addr_from_sockaddr(dst, &a))
		return -EAFNOSUPPORT;
	return rtemu_rs_rt_check(net, lrt, lrt0, &a);
}
EXPORT_SYMBOL_GPL(rtemu_rt_check);

/* Defined in Rust (rust/api.rs) under their header names: no address to convert. */
EXPORT_SYMBOL_GPL(rtemu_rtfree);
EXPORT_SYMBOL_GPL(rtemu_rtfree_unlocked);
EXPORT_SYMBOL_GPL(rtemu_rt_lock);
EXPORT_SYMBOL_GPL(rtemu_rt_unlock);
EXPORT_SYMBOL_GPL(rtemu_rt_addref);
EXPORT_SYMBOL_GPL(rtemu_rt_remref);
EXPORT_SYMBOL_GPL(rtemu_rt_lock_assert);
EXPORT_SYMBOL_GPL(rtemu_rt_refcnt);
EXPORT_SYMBOL_GPL(rtemu_rt_gwroute);
EXPORT_SYMBOL_GPL(rtemu_rtstat);







u8 rtemu_rt_key(const struct rtentry *rt, struct sockaddr_storage *dst)
{
	struct rtemu_addr a;
	u8 plen = rtemu_rs_key(rt, &a);

	addr_to_sockaddr(&a, dst);
	return plen;
}
EXPORT_SYMBOL_GPL(rtemu_rt_key);

void rtemu_rt_state(struct rtentry *rt, struct rtemu_rt_state *state)
{
	struct rtemu_rs_state s;

	rtemu_rs_state(rt, &s);
	if (s.has_gateway)
		addr_to_sockaddr(&s.gateway, &state->gateway);
	else
		memset(&state->gateway, 0, sizeof(state->gateway));
	state->flags = s.flags;
	state->preferred_ns = s.preferred_ns;
	state->expires_ns = s.expires_ns;
}
EXPORT_SYMBOL_GPL(rtemu_rt_state);


/*
 * @dst, and @gateway unless NULL, as rtemu's addresses, of one family: 0,
 * or -EAFNOSUPPORT or -EINVAL.
 */
static int route_addrs(const struct sockaddr *dst, const struct sockaddr *gateway,
		       struct rtemu_addr *d, struct rtemu_addr *g)
{
	if (!addr_from_sockaddr(dst, d))
		return -EAFNOSUPPORT;
	if (!gateway)
		return 0;
	if (!addr_from_sockaddr(gateway, g))
		return -EAFNOSUPPORT;
	return g->v6 == d->v6 ? 0 : -EINVAL;
}

int rtemu_route_add(struct net *net, const struct sockaddr *dst, u8 plen,
		    const struct sockaddr *gateway, u32 flags)
{
	struct rtemu_addr d, g;
	int err;

	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return -EDEADLK;
	err = route_addrs(dst, gateway, &d, &g);
	if (err)
		return err;
	if (!gateway) {
		/* No router: the family's unspecified address. */
		g = d;
		memset(g.bytes, 0, sizeof(g.bytes));
	}
	return rtemu_rs_route_add(net, &d, plen, &g, flags);
}
EXPORT_SYMBOL_GPL(rtemu_route_add);

int rtemu_route_delete(struct net *net, const struct sockaddr *dst, u8 plen,
		       const struct sockaddr *gateway)
{
	struct rtemu_addr d, g;
	int err;

	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return -EDEADLK;
	err = route_addrs(dst, gateway, &d, &g);
	if (err)
		return err;
	return rtemu_rs_route_delete(net, &d, plen, gateway ? &g : NULL);
}
EXPORT_SYMBOL_GPL(rtemu_route_delete);

int rtemu_route_change(struct net *net, const struct sockaddr *dst, u8 plen,
		       const struct sockaddr *gateway, u32 flags, u32 fmask)
{
	struct rtemu_addr d, g;
	int err;

	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return -EDEADLK;
	err = route_addrs(dst, gateway, &d, &g);
	if (err)
		return err;
	return rtemu_rs_route_change(net, &d, plen, gateway ? &g : NULL, flags, fmask);
}
EXPORT_SYMBOL_GPL(rtemu_route_change);

/*
 * curvnet: the frames CURVNET_SET pushed, on the stacks of their tasks,
 * hashed by task. Only a frame's own task (at its interrupt level) adds,
 * finds or removes it, but tasks share buckets, so each bucket has a lock,
 * taken with interrupts off since hardirq code may set its own.
 */
#define VNET_FRAME_BITS 6

static struct {
	spinlock_t lock;
	struct hlist_head frames;	/* the latest pushed first */
} vnet_frames[1 << VNET_FRAME_BITS];

static void vnet_frames_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vnet_frames); i++) {
		spin_lock_init(&vnet_frames[i].lock);
		INIT_HLIST_HEAD(&vnet_frames[i].frames);
	}
}

static unsigned int vnet_bucket(const struct task_struct *task)
{
	return hash_ptr(task, VNET_FRAME_BITS);
}

void rtemu_curvnet_set(struct rtemu_vnet_frame *frame, struct net *net)
{
	unsigned int b = vnet_bucket(current);
	unsigned long flags;

	frame->task = current;
	frame->net = net;
	frame->level = interrupt_context_level();
	spin_lock_irqsave(&vnet_frames[b].lock, flags);
	hlist_add_head(&frame->node, &vnet_frames[b].frames);
	spin_unlock_irqrestore(&vnet_frames[b].lock, flags);
}
EXPORT_SYMBOL_GPL(rtemu_curvnet_set);

/* The latest frame of the caller's task and level; the bucket is locked. */
static struct rtemu_vnet_frame *top_vnet_frame(unsigned int b)
{
	struct rtemu_vnet_frame *frame;
	u8 level = interrupt_context_level();

	hlist_for_each_entry(frame, &vnet_frames[b].frames, node)
		if (frame->task == current && frame->level == level)
			return frame;
	return NULL;
}

void rtemu_curvnet_restore(struct rtemu_vnet_frame *frame)
{
	unsigned int b = vnet_bucket(current);
	unsigned long flags;
	bool latest;

	spin_lock_irqsave(&vnet_frames[b].lock, flags);
	latest = top_vnet_frame(b) == frame;
	/* Out of order or not: a frame on a stack that is going must not stay. */
	if (frame->task) {
		hlist_del(&frame->node);
		frame->task = NULL;
	}
	spin_unlock_irqrestore(&vnet_frames[b].lock, flags);
	WARN_ONCE(!latest, "rtemu: CURVNET_RESTORE of a frame that is not the latest CURVNET_SET\n");
}
EXPORT_SYMBOL_GPL(rtemu_curvnet_restore);

struct net *rtemu_curvnet(void)
{
	unsigned int b = vnet_bucket(current);
	struct rtemu_vnet_frame *frame;
	struct net *net = NULL;
	unsigned long flags;

	spin_lock_irqsave(&vnet_frames[b].lock, flags);
	frame = top_vnet_frame(b);
	if (frame)
		net = frame->net;
	spin_unlock_irqrestore(&vnet_frames[b].lock, flags);
	if (frame)
		return net;
	if (WARN_ONCE(!in_task(), "rtemu: no CURVNET_SET in interrupt context\n"))
		return NULL;
	return current->nsproxy ? current->nsproxy->net_ns : NULL;
}
EXPORT_SYMBOL_GPL(rtemu_curvnet);

/* A walk: the caller's function, its argument, and what it returned last. */
struct rt_walk {
	int (*f)(struct rtentry *rt, void *arg);
	void *arg;
	int ret;
};

/* Called by the walk (rust/api.rs) for each entry; false to stop. */
bool rtemu_walk_one(void *ctx, struct rtentry *rt)
{
	struct rt_walk *w = ctx;

	w->ret = w->f(rt, w->arg);
	return w->ret == 0;
}

int rtemu_rt_walk(struct net *net, int family, int (*f)(struct rtentry *rt, void *arg), void *arg)
{
	struct rt_walk w = { .f = f, .arg = arg };

	/* The walk sleeps between its batches: not from a hook. */
	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return -EDEADLK;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	rtemu_rs_walk(net, family == AF_INET6, &w);
	return w.ret;
}
EXPORT_SYMBOL_GPL(rtemu_rt_walk);

/* The rtrequest hooks: read under RCU, changed under the mutex. */
static LIST_HEAD(rtrequest_hooks);
static DEFINE_MUTEX(rtrequest_hooks_lock);

static bool hook_registered(const struct rtemu_rtrequest_hook *hook)
{
	const struct rtemu_rtrequest_hook *h;

	lockdep_assert_held(&rtrequest_hooks_lock);
	list_for_each_entry(h, &rtrequest_hooks, list)
		if (h == hook)
			return true;
	return false;
}

int __rtemu_register_rtrequest(struct rtemu_rtrequest_hook *hook, struct module *owner)
{
	int err = 0;

	if (!hook || !hook->rtrequest)
		return -EINVAL;
	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return -EDEADLK;
	mutex_lock(&rtrequest_hooks_lock);
	if (hook_registered(hook)) {
		err = -EBUSY;
	} else {
		hook->owner = owner;
		list_add_tail_rcu(&hook->list, &rtrequest_hooks);
	}
	mutex_unlock(&rtrequest_hooks_lock);
	return err;
}
EXPORT_SYMBOL_GPL(__rtemu_register_rtrequest);

void rtemu_unregister_rtrequest(struct rtemu_rtrequest_hook *hook)
{
	bool registered;

	if (WARN_ON_ONCE(in_rtrequest_hook()))
		return;
	mutex_lock(&rtrequest_hooks_lock);
	registered = hook_registered(hook);
	if (registered)
		list_del_rcu(&hook->list);
	mutex_unlock(&rtrequest_hooks_lock);
	if (WARN_ON_ONCE(!registered))
		return;
	/* Unregistering is rare; a call in progress finishes first. */
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(rtemu_unregister_rtrequest);

/*
 * A module that goes with a hook still registered (it forgot, or its init
 * failed after registering): the hook goes first, before the module's code
 * and the hook's memory do.
 */
static int rtrequest_owner_going(struct notifier_block *nb, unsigned long state, void *data)
{
	struct rtemu_rtrequest_hook *hook, *next;
	struct module *mod = data;
	bool removed = false;

	if (state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&rtrequest_hooks_lock);
	list_for_each_entry_safe(hook, next, &rtrequest_hooks, list) {
		if (hook->owner != mod)
			continue;
		pr_warn("rtemu: module %s went with an rtrequest hook registered; unregistered it\n",
			mod->name);
		list_del_rcu(&hook->list);
		removed = true;
	}
	mutex_unlock(&rtrequest_hooks_lock);
	if (removed)
		synchronize_rcu();
	return NOTIFY_DONE;
}

static struct notifier_block rtrequest_owner_notifier = {
	.notifier_call = rtrequest_owner_going,
};

int rtemu_hooks_init(void)
{
	vnet_frames_init();
	return register_module_notifier(&rtrequest_owner_notifier);
}

void rtemu_hooks_exit(void)
{
	unregister_module_notifier(&rtrequest_owner_notifier);
}

bool rtemu_rtrequest_hooked(void)
{
	return !list_empty_careful(&rtrequest_hooks);
}

void rtemu_call_rtrequest(struct net *net, int req, struct rtentry *rt)
{
	struct rtemu_rtrequest_hook *hook;

	local_bh_disable();
	this_cpu_inc(rtrequest_hook_depth);
	rcu_read_lock();
	list_for_each_entry_rcu(hook, &rtrequest_hooks, list)
		hook->rtrequest(net, req, rt);
	rcu_read_unlock();
	this_cpu_dec(rtrequest_hook_depth);
	local_bh_enable();
}
