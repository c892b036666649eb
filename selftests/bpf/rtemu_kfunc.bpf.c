// SPDX-License-Identifier: GPL-2.0
/*
 * The kfuncs of include/uapi/linux/rtemu_bpf.h from each program type they
 * are registered for; rtemu_bpf_test.c runs these with BPF_PROG_TEST_RUN
 * and prints what they found.
 */
#include "rtemu_pkt.bpf.h"
#include "rtemu_kfunc_test.h"

struct rtemu_found found;

/* Field by field: a route is read-only memory the verifier checks by field. */
static __always_inline void copy_route(struct rtemu_lookup *out, const struct rtemu_bpf_route *r)
{
	out->found = 1;
	out->family = r->family;
	out->prefix_len = r->prefix_len;
	out->gateway_family = r->gateway_family;
	out->flags = r->flags;
	__builtin_memcpy(out->dst_addr, r->dst, sizeof(out->dst_addr));
	__builtin_memcpy(out->gateway, r->gateway, sizeof(out->gateway));
	out->preferred_ns = r->preferred_ns;
	out->expires_ns = r->expires_ns;
}

SEC("syscall")
int rtemu_lookup(struct rtemu_lookup *args)
{
	struct rtemu_bpf_route *route;
	union rtemu_sockaddr dst;

	_Static_assert(sizeof(dst) == sizeof(args->dst), "a sockaddr_in6");
	__builtin_memcpy(&dst, args->dst, sizeof(dst));
	if (dst.sin.sin_family == AF_INET)
		route = rtemu_bpf_rtalloc1(&dst, sizeof(dst.sin));
	else
		route = rtemu_bpf_rtalloc1(&dst, sizeof(dst.sin6));
	args->found = 0;
	if (!route)
		return 0;
	copy_route(args, route);
	rtemu_bpf_rtfree(route);
	return 0;
}

/*
 * Holds RTEMU_HOLD_MANY routes to args->dst at once, in straight-line code
 * (each lookup's failure gives back those before it), then gives them all
 * back: the lookups past the CPU's 16 get the family-0 route.
 */
#define HOLD(i, ...)								\
	struct rtemu_bpf_route *r##i = rtemu_bpf_rtalloc1(&dst, sizeof(dst));	\
	if (!r##i) {								\
		__VA_ARGS__;							\
		return 1;							\
	}									\
	args->found[i] = 1;							\
	args->family[i] = r##i->family;

#define FREE(i) rtemu_bpf_rtfree(r##i)

SEC("syscall")
int rtemu_hold_many(struct rtemu_hold_many *args)
{
	struct sockaddr_in dst;

	__builtin_memcpy(&dst, args->dst, sizeof(dst));
	HOLD(0)
	HOLD(1, FREE(0))
	HOLD(2, FREE(0); FREE(1))
	HOLD(3, FREE(0); FREE(1); FREE(2))
	HOLD(4, FREE(0); FREE(1); FREE(2); FREE(3))
	HOLD(5, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4))
	HOLD(6, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5))
	HOLD(7, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6))
	HOLD(8, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7))
	HOLD(9, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8))
	HOLD(10, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9))
	HOLD(11, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9); FREE(10))
	HOLD(12, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9); FREE(10); FREE(11))
	HOLD(13, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9); FREE(10); FREE(11); FREE(12))
	HOLD(14, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9); FREE(10); FREE(11); FREE(12); FREE(13))
	HOLD(15, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9); FREE(10); FREE(11); FREE(12); FREE(13); FREE(14))
	HOLD(16, FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	     FREE(8); FREE(9); FREE(10); FREE(11); FREE(12); FREE(13); FREE(14); FREE(15))
	FREE(0); FREE(1); FREE(2); FREE(3); FREE(4); FREE(5); FREE(6); FREE(7);
	FREE(8); FREE(9); FREE(10); FREE(11); FREE(12); FREE(13); FREE(14); FREE(15);
	FREE(16);
	return 0;
}

SEC("xdp")
int rtemu_xdp_lookup(struct xdp_md *ctx)
{
	struct rtemu_bpf_route *route;
	int is_ip;

	found.xdp.found = 0;
	route = rtemu_frame_route(rtemu_bpf_xdp_rtalloc1, ctx, &is_ip);
	if (!route)
		return is_ip ? XDP_DROP : XDP_ABORTED;
	copy_route(&found.xdp, route);
	rtemu_bpf_rtfree(route);
	return XDP_PASS;
}

SEC("tc")
int rtemu_tc_lookup(struct __sk_buff *ctx)
{
	struct rtemu_bpf_route *route;
	int is_ip;

	found.tc.found = 0;
	route = rtemu_frame_route(rtemu_bpf_skb_rtalloc1, ctx, &is_ip);
	if (!route)
		return 2; /* TC_ACT_SHOT */
	copy_route(&found.tc, route);
	rtemu_bpf_rtfree(route);
	return 0; /* TC_ACT_OK */
}

char _license[] SEC("license") = "GPL";
