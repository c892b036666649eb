/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtemu's in-kernel API: FreeBSD 7's rtalloc(9) over rtemu's route table of
 * a network namespace, for C and Rust modules (GPL-only exports of rtemu.ko).
 *
 * An entry (struct rtentry, below) is returned referenced and, by
 * rtemu_rtalloc1(), locked. The rules are FreeBSD's:
 *
 *  - A reference keeps the entry valid: deleting its route clears RTF_UP
 *    (the entry leaves the table) but the entry, its key and its state stay
 *    readable until the last reference is dropped.
 *  - The entry lock (RT_LOCK) is a spinning lock that disables bottom
 *    halves, as spin_lock_bh() does (BPF programs in softirq take it too;
 *    it is a bit of the word that holds the reference count, with a
 *    lockdep map of its own): never sleep while holding it,
 *    and take it with interrupts enabled. A lock taken while holding it
 *    must be one that is always taken with bottom halves (or interrupts)
 *    disabled, or a softirq spinning on the entry lock could deadlock
 *    against a task holding that lock.
 *    It guards what rtemu_rt_state() reads and is required by
 *    RT_ADDREF/RT_REMREF and rtemu_rtfree(); lockdep checks that it is held
 *    (RT_LOCK_ASSERT).
 *  - Every reference is given back exactly once: rtemu_rtfree() with the
 *    lock held (it also unlocks), or RTFREE() without it; both macros set
 *    the pointer to NULL, as FreeBSD's do. RT_REMREF may give back the
 *    last reference while the route is in its table, as FreeBSD allows:
 *    the table keeps the entry, and while the caller holds its lock the
 *    entry cannot be freed (it goes an RCU grace period after it left the
 *    table unreferenced), so RT_UNLOCK is safe; after it, rely on the entry
 *    only inside an rcu_read_lock() section taken before the RT_REMREF.
 *    While the entry's memory is there (its route is in the table, or
 *    someone holds it), a release when no reference is left, and RT_REMREF
 *    of the last reference of a route no longer in its table, are refused
 *    with a warning, never carried out; a release of a reference the caller
 *    does not hold drops someone else's. Once the last reference of a
 *    deleted entry was released, its memory goes (after an RCU grace
 *    period): releasing it again is a use after free, as in FreeBSD, which
 *    KASAN reports.
 *  - The reference count saturates, as refcount_t does: past 2^28 holders it
 *    warns once and stays there, and the entry is never freed (a leak, not
 *    a use after free).
 *
 * Addresses are struct sockaddr_in or sockaddr_in6 (sin_port and the like
 * ignored); routes of both families live in each namespace's table.
 */
#ifndef _LINUX_RTEMU_H
#define _LINUX_RTEMU_H

#include <linux/list.h>
#include <linux/lockdep_types.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <asm/byteorder.h>
#include <uapi/linux/rtemu.h>

struct net;
struct sockaddr;

/* The bits of rt_refcnt in the word it shares with the entry's lock and state. */
#define RTEMU_RT_REFCNT_BITS	29

/*
 * rtemu's route entry: the fields of FreeBSD's struct rtentry that FreeBSD
 * code reads, under their names, for reading only (const: requests change
 * routes). rtemu makes and frees entries; never allocate, copy or take the
 * size of one. The __rt_ fields are rtemu's own, and more of its own follow
 * rt_gwroute; rtemu's Rust side asserts that each field named here lies
 * where this struct puts it. The key, mask, router and lifetimes are read
 * through rtemu_rt_key() and rtemu_rt_state().
 */
struct rtentry {
	unsigned long __rt_memory;
	void *__rt_paths;
	/*
	 * rt_flags: RTEMU_ROUTE_FLAGS_* (FreeBSD's RTF_* values), RTF_UP
	 * among them. They change under the entry lock; read without it they
	 * are a moment's snapshot, as in FreeBSD.
	 */
	const int rt_flags;
	u8 __rt_prefix_len;
	/* rt_use: the lookups that returned the entry, counted under its lock. */
	const unsigned long rt_use;
	union {
		const u32 __rt_word;
		struct {
#if defined(__LITTLE_ENDIAN_BITFIELD)
			/*
			 * rt_refcnt: the references held. It changes
			 * atomically, with or without the lock; the lock
			 * keeps only one's own from going.
			 */
			const u32 rt_refcnt : RTEMU_RT_REFCNT_BITS;
			const u32 __rt_state : 32 - RTEMU_RT_REFCNT_BITS;
#else
			const u32 __rt_state : 32 - RTEMU_RT_REFCNT_BITS;
			const u32 rt_refcnt : RTEMU_RT_REFCNT_BITS;
#endif
		};
	};
	u32 __rt_spare;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map __rt_dep_map;
#endif
	/*
	 * rt_gwroute: for a route through a router, the route the router's
	 * lookup found, which this route holds a reference on (see
	 * rtemu_rt_gwroute()), or NULL. Read it with the lock held; to use
	 * the route it points to past RT_UNLOCK, take a reference of one's
	 * own with rtemu_rt_gwroute() instead.
	 */
	struct rtentry *const rt_gwroute;
};

/* FreeBSD's struct route: a destination and the entry cached for it. */
struct route {
	struct rtentry *ro_rt;		/* referenced, unlocked, or NULL */
	struct sockaddr_storage ro_dst;	/* AF_INET or AF_INET6 */
};

/* What rtemu_rt_state() copies out under the entry lock. */
struct rtemu_rt_state {
	struct sockaddr_storage gateway;	/* AF_UNSPEC when the route has no router */
	u32 flags;				/* RTEMU_ROUTE_FLAGS_*, RTF_UP included */
	u64 preferred_ns;			/* CLOCK_REALTIME ns; 0: none */
	u64 expires_ns;				/* CLOCK_REALTIME ns; 0: none */
};

/*
 * rtalloc1(dst, report, ignflags): the longest match for @dst in @net's
 * table, referenced and locked, or NULL (no route, no table or @net NULL,
 * or an address family other than AF_INET/AF_INET6). With @report, a match that clones
 * (RTEMU_ROUTE_FLAGS_CLONING, unless in @ignflags) is cloned into a host
 * route, which is returned instead (RTM_RESOLVE), and a miss is reported
 * to the family's listeners; @report may sleep (it takes the table's
 * writer lock), so pass 0 from atomic context. Without @report it never
 * sleeps: call it in process or softirq context, with interrupts enabled.
 * As FreeBSD's, a lookup that matches nothing, or whose address family has
 * no table (any but AF_INET and AF_INET6), counts in the table's unreach
 * (rts_unreach); with @report it is a miss, whose miss-ntf for such a
 * family carries only its number (sa-family).
 */
struct rtentry *rtemu_rtalloc1(struct net *net, const struct sockaddr *dst,
			       int report, u32 ignflags);

/*
 * rtalloc_ign(ro, ignflags): keeps ro->ro_rt if it is still up, else drops
 * it and looks up ro->ro_dst with report; leaves the new entry referenced
 * and unlocked in ro->ro_rt (NULL when there is no route, or @net is NULL).
 * May sleep.
 */
void rtemu_rtalloc_ign(struct net *net, struct route *ro, u32 ignflags);
/* rtalloc(ro): rtemu_rtalloc_ign(net, ro, 0). */
void rtemu_rtalloc(struct net *net, struct route *ro);

/* rtfree(rt): drops a reference on a locked entry and unlocks it. */
void rtemu_rtfree(struct rtentry *rt);
/* RTFREE(rt): drops a reference on an unlocked entry. */
void rtemu_rtfree_unlocked(struct rtentry *rt);

/* RT_LOCK(rt), RT_UNLOCK(rt): the entry lock of a referenced entry. */
void rtemu_rt_lock(struct rtentry *rt);
void rtemu_rt_unlock(struct rtentry *rt);
/* RT_ADDREF(rt), RT_REMREF(rt): another reference, or one given back (the
 * last only while the route is in its table); the lock is held. */
void rtemu_rt_addref(struct rtentry *rt);
void rtemu_rt_remref(struct rtentry *rt);
/* RT_LOCK_ASSERT(rt): lockdep's check that the caller holds the entry lock. */
void rtemu_rt_lock_assert(struct rtentry *rt);

/*
 * The entry's key (rt_key and rt_mask): writes its network address to @dst
 * and returns its prefix length. The key never changes, so no lock is
 * needed.
 */
u8 rtemu_rt_key(const struct rtentry *rt, struct sockaddr_storage *dst);
/* The router, flags and lifetimes, copied under the lock, which is held. */
void rtemu_rt_state(struct rtentry *rt, struct rtemu_rt_state *state);
/* rt_refcnt: the references held, the caller's included. */
u32 rtemu_rt_refcnt(const struct rtentry *rt);
/*
 * rt_gwroute, read with the lock held: a new reference on the route the
 * lookup of the entry's router found (RTFREE it), or NULL (no router, or
 * nothing matched it). A route through a router holds that route
 * referenced from its add, clone or change of router until it leaves its
 * table; rtemu_rt_check() refreshes it.
 */
struct rtentry *rtemu_rt_gwroute(struct rtentry *rt);

/*
 * rt_check(&rt, &rt0, dst) for a layer-2 output path. *@lrt0 is a route to
 * @dst the caller holds a reference on: pass the route cache itself
 * (&ro->ro_rt), because one that left its table is replaced by a new lookup
 * of @dst with report, and the reference moves with it (FreeBSD leaves the
 * new one unreferenced). On 0, *@lrt is the route to the next hop: the
 * route's rt_gwroute, looked up again with report when missing or down,
 * or *@lrt0 itself for a route with no router; it is locked and holds no
 * reference of the caller's, as in FreeBSD: RT_UNLOCK it when done.
 * -EHOSTUNREACH: no route to @dst or to the router, or the router's route
 * rejects (RTEMU_ROUTE_FLAGS_REJECT); -EHOSTDOWN: *@lrt0 itself rejects.
 * May sleep when it looks up.
 */
int rtemu_rt_check(struct net *net, struct rtentry **lrt, struct rtentry **lrt0,
		   const struct sockaddr *dst);

/*
 * FreeBSD's rtstat, per namespace: counters of @net's table, as stats-get
 * reports them. unreach is rts_unreach: lookups (with or without report)
 * that matched nothing or whose address family has no table; misses are
 * lookups with report that missed (RTM_MISS: nothing matched, no table for
 * the family, or a failed clone). Copies them to @st and returns 0, or
 * -ENOENT without a table (@net NULL, or rtemu not set up in it). Never
 * sleeps.
 */
struct rtemu_rtstat {
	u64 unreach;
	u64 misses;
};

int rtemu_rtstat(struct net *net, struct rtemu_rtstat *st);

/*
 * Adds the route @dst/@plen via @gateway (NULL: none) with @flags (of
 * CLONING, XRESOLVE, STATIC, REJECT and BLACKHOLE in RTEMU_ROUTE_FLAGS_*)
 * to @net's table, as route-add does, telling the family's listeners. 0 or
 * a negative errno (-EEXIST, -EINVAL, -ENOSPC at max_routes or at max_paths
 * paths of the prefix, -ENOMEM, -ENOENT without a table, ...). May sleep.
 */
int rtemu_route_add(struct net *net, const struct sockaddr *dst, u8 plen,
		    const struct sockaddr *gateway, u32 flags);
/*
 * Deletes the paths of @dst/@plen (only the one via @gateway unless NULL)
 * as route-del does. 0 or a negative errno (-ESRCH: no such route). May
 * sleep.
 */
int rtemu_route_delete(struct net *net, const struct sockaddr *dst, u8 plen,
		       const struct sockaddr *gateway);

/*
 * Changes the route @dst/@plen (it must have one path) as route-change
 * does: a new router unless @gateway is NULL, and the flags @fmask names
 * set as in @flags, the others kept (FreeBSD's rtm_flags and rtm_fmask;
 * both within STATIC, REJECT and BLACKHOLE of RTEMU_ROUTE_FLAGS_*, others
 * are -EINVAL; @fmask 0 changes no flag). 0 or a negative errno. May sleep.
 */
int rtemu_route_change(struct net *net, const struct sockaddr *dst, u8 plen,
		       const struct sockaddr *gateway, u32 flags, u32 fmask);

/*
 * FreeBSD's rnh_walktree: calls @f(rt, @arg) for each route of @family
 * (AF_INET or AF_INET6, else -EAFNOSUPPORT) in @net's table, clones
 * included, in (address, prefix length) order, until @f returns nonzero;
 * returns that, or 0 at the end. @rt is neither referenced nor locked:
 * @f runs inside an RCU read-side section and must not sleep; it may
 * RT_LOCK @rt, and RT_ADDREF it under the lock to keep it. Where FreeBSD
 * holds the tree's lock across the walk, rtemu holds none: a route deleted
 * meanwhile may still be passed (RTF_UP clear) and one added may be
 * missed. Between batches of routes the walk lets the
 * CPU go, so call it in process context, never from a hook (-EDEADLK,
 * with a warning).
 */
int rtemu_rt_walk(struct net *net, int family, int (*f)(struct rtentry *rt, void *arg),
		  void *arg);

/*
 * FreeBSD's curvnet, for <rtemu/bsd/net/route.h>: rtemu_curvnet_set()
 * pushes @frame (the caller's, zeroed, until the matching
 * rtemu_curvnet_restore()) to make @net current for the calling task, or
 * for the interrupt level it runs at; rtemu_curvnet() is the current one:
 * the latest pushed, else the task's own namespace, else (in interrupt
 * context) NULL with a warning. Frames are restored in the reverse order
 * of their setting; another order is warned about (the frame is still
 * removed: its stack may be going).
 */
struct rtemu_vnet_frame {
	struct hlist_node node;		/* rtemu's */
	struct task_struct *task;	/* rtemu's: set while pushed */
	struct net *net;
	u8 level;			/* rtemu's: interrupt_context_level() */
};

void rtemu_curvnet_set(struct rtemu_vnet_frame *frame, struct net *net);
void rtemu_curvnet_restore(struct rtemu_vnet_frame *frame);
struct net *rtemu_curvnet(void);

/*
 * FreeBSD's ifa_rtrequest: a hook told of every change to the routes of
 * every namespace, as FreeBSD calls it: RTEMU_RTM_ADD after an add and
 * after a change (FreeBSD's RTM_CHANGE calls it so), RTEMU_RTM_RESOLVE for
 * a new clone, RTEMU_RTM_DELETE after a delete, an expiry, for each route
 * a clear removes and for each route of a namespace that goes away
 * (RTF_UP is clear then); a route's clones are deleted before it, as
 * FreeBSD's rt_fixdelete runs before the route's own ifa_rtrequest.
 * RTEMU_RTM_DESYNC, with @rt NULL, when some changes of an operation could
 * not be recorded for want of memory (OpenBSD's RTM_DESYNC; the stats
 * count them in events-lost): the hook missed some, and may resynchronise
 * by looking routes up.
 *
 * The hooks run in the order of the changes of one operation, once the
 * table's own locks are dropped (so the entry may have changed again since:
 * its flags tell), from the task that made the change or the lifetime
 * work, under RCU and with bottom halves disabled, with @rt unlocked. So a
 * hook must not sleep. It may RT_LOCK @rt (or another entry) to read it
 * with rtemu_rt_state(), RT_ADDREF it under the lock to keep it past the
 * call (@rt's references are those it has, maybe none), and look routes
 * up without report (@rt's own included) while it holds no entry lock.
 * rtemu refuses, with a warning (WARN_ON_ONCE) and without doing anything,
 * what a hook may not do: a lookup with report (NULL), rtemu_rtalloc(),
 * rtemu_rtalloc_ign(), rtemu_route_add(), rtemu_route_delete(),
 * rtemu_route_change() (-EDEADLK), and registering or unregistering a
 * hook.
 */
#define RTEMU_RTM_ADD		0x1
#define RTEMU_RTM_DELETE	0x2
#define RTEMU_RTM_RESOLVE	0xb
#define RTEMU_RTM_DESYNC	0x13

struct module;

struct rtemu_rtrequest_hook {
	void (*rtrequest)(struct net *net, int req, struct rtentry *rt);
	struct list_head list;	/* rtemu's */
	struct module *owner;	/* rtemu's: the module that registered it */
};

/*
 * Registers @hook for the calling module: 0, -EINVAL without a function,
 * -EBUSY if @hook is registered already (different hooks may be). May
 * sleep. If the module goes with @hook still registered, rtemu unregisters
 * it first, with a warning in the log: unregister it in the module's exit.
 * Registering takes no reference on the module (it could then never be
 * unloaded, its exit never run); a hook is called under RCU, and
 * unregistering waits for the calls in flight, so the module's code stays
 * while it is called.
 */
int __rtemu_register_rtrequest(struct rtemu_rtrequest_hook *hook, struct module *owner);
#define rtemu_register_rtrequest(hook) __rtemu_register_rtrequest(hook, THIS_MODULE)
/*
 * Unregisters @hook; no call of it runs once this returns. A hook that is
 * not registered is refused with a warning. May sleep.
 */
void rtemu_unregister_rtrequest(struct rtemu_rtrequest_hook *hook);

/*
 * FreeBSD's macros, with their effects: RTFREE_LOCKED and RTFREE set @rt,
 * an lvalue, to NULL ("guard against invalid refs"). FreeBSD's other names
 * are in <rtemu/bsd/net/route.h>.
 */
#define RT_LOCK(rt)		rtemu_rt_lock(rt)
#define RT_UNLOCK(rt)		rtemu_rt_unlock(rt)
#define RT_LOCK_ASSERT(rt)	rtemu_rt_lock_assert(rt)
#define RT_ADDREF(rt)		rtemu_rt_addref(rt)
#define RT_REMREF(rt)		rtemu_rt_remref(rt)
#define RTFREE_LOCKED(rt) do {			\
		rtemu_rtfree(rt);		\
		(rt) = NULL;			\
	} while (0)
#define RTFREE(rt) do {				\
		rtemu_rtfree_unlocked(rt);	\
		(rt) = NULL;			\
	} while (0)

#endif /* _LINUX_RTEMU_H */
