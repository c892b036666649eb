/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rtemu's BPF kfuncs: FreeBSD's rtalloc1() and rtfree() for XDP, TC
 * (sched_cls) and syscall programs. Needs a kernel with
 * CONFIG_DEBUG_INFO_BTF_MODULES and rtemu.ko built with BTF (pahole);
 * without them rtemu loads without the kfuncs and says so in the kernel log.
 *
 * A lookup returns a referenced route, or NULL (no route): the route's
 * fields as they were at the lookup, and one reference on its entry
 * (rt_refcnt), which keeps the entry (deleted or not) until the program
 * gives it back with rtemu_bpf_rtfree(). A lookup allocates nothing: each
 * CPU has 16 routes for programs, made when rtemu loads; while the
 * programs of a CPU hold all 16, a lookup there returns a route of family 0
 * (no room: not a miss, and nothing held), which is given back as any
 * other. The verifier refuses a program that can end without
 * giving back every route it got ("Unreleased reference"), or gives one
 * back twice. A route is read-only.
 *
 * The lookup is rtalloc1(dst, 0, 0): report is not offered. Reporting a
 * match that clones creates the clone, which takes the table's writer lock
 * (a mutex: it sleeps) and sends netlink messages, and reporting a miss
 * sends one; XDP and TC run in softirq, where neither is allowed. A lookup
 * that matches a cloning route returns that route (RTF_CLONING set), as
 * rtalloc1() without report does; a miss is NULL and reported to no one.
 *
 * @dst is a struct sockaddr_in or sockaddr_in6 (port and the like
 * ignored) and @dst__sz its size; another family, or a size too small for
 * the family, finds nothing. The namespace is the packet's device's (XDP),
 * the skb's device's or else its socket's (TC), and the calling task's
 * (syscall programs).
 */
#ifndef _UAPI_LINUX_RTEMU_BPF_H
#define _UAPI_LINUX_RTEMU_BPF_H

#include <linux/types.h>

/* A route as a lookup found it. */
struct rtemu_bpf_route {
	__u8 family;		/* AF_INET or AF_INET6; 0: no room (see above) */
	__u8 prefix_len;
	__u8 gateway_family;	/* AF_INET, AF_INET6, or 0: no router */
	__u8 reserved;
	__u32 flags;		/* RTEMU_ROUTE_FLAGS_* (FreeBSD's RTF_*), RTF_UP included */
	__u8 dst[16];		/* network address, network byte order (IPv4: 4 bytes) */
	__u8 gateway[16];	/* the router, likewise */
	__u64 preferred_ns;	/* CLOCK_REALTIME ns; 0: none */
	__u64 expires_ns;	/* CLOCK_REALTIME ns; 0: none */
};

#if defined(__bpf__) && defined(__ksym)
/* The kfuncs, for BPF programs (after libbpf's bpf_helpers.h). */
struct xdp_md;
struct __sk_buff;

/* XDP: a lookup in the namespace of the packet's device. */
extern struct rtemu_bpf_route *
rtemu_bpf_xdp_rtalloc1(struct xdp_md *ctx, const void *dst, __u32 dst__sz) __ksym;
/* TC: a lookup in the namespace of the skb's device, or its socket's. */
extern struct rtemu_bpf_route *
rtemu_bpf_skb_rtalloc1(struct __sk_buff *ctx, const void *dst, __u32 dst__sz) __ksym;
/* Syscall programs: a lookup in the calling task's namespace. */
extern struct rtemu_bpf_route *
rtemu_bpf_rtalloc1(const void *dst, __u32 dst__sz) __ksym;
/* rtfree(): gives back a route a lookup returned. */
extern void rtemu_bpf_rtfree(struct rtemu_bpf_route *route) __ksym;
#endif

#endif /* _UAPI_LINUX_RTEMU_BPF_H */
