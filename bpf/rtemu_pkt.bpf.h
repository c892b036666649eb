/* SPDX-License-Identifier: GPL-2.0 */
/* The destination of an Ethernet frame's IPv4 or IPv6 packet, as the
 * struct sockaddr the rtemu kfuncs take, and its route for XDP and TC. */
#ifndef RTEMU_PKT_BPF_H
#define RTEMU_PKT_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <linux/rtemu_bpf.h>

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

union rtemu_sockaddr {
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/*
 * Writes the destination of the frame in [data, data_end) to @dst and
 * returns its size (sizeof(struct sockaddr_in) or sockaddr_in6), or 0 for
 * a frame that is not IPv4 or IPv6, or too short.
 */
static __always_inline __u32 rtemu_pkt_dst(void *data, void *data_end,
					   union rtemu_sockaddr *dst)
{
	struct ethhdr *eth = data;

	__builtin_memset(dst, 0, sizeof(*dst));
	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return 0;
		dst->sin.sin_family = AF_INET;
		dst->sin.sin_addr.s_addr = ip->daddr;
		return sizeof(dst->sin);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		dst->sin6.sin6_family = AF_INET6;
		__builtin_memcpy(&dst->sin6.sin6_addr, &ip6->daddr, sizeof(ip6->daddr));
		return sizeof(dst->sin6);
	}
	return 0;
}

/*
 * The route to the destination of the frame of an XDP or TC program's @ctx,
 * looked up by @kfunc (rtemu_bpf_xdp_rtalloc1 or rtemu_bpf_skb_rtalloc1):
 * referenced (give it back with rtemu_bpf_rtfree()), or NULL; *@is_ip says
 * whether the frame was IPv4 or IPv6 at all. A macro, so that each program
 * names only the kfunc of its type; one call per family, so that the size
 * the kfunc gets is a constant the verifier sees.
 */
#define rtemu_frame_route(kfunc, ctx, is_ip)					\
	({									\
		union rtemu_sockaddr __dst;					\
		__u32 __len = rtemu_pkt_dst((void *)(long)(ctx)->data,		\
					    (void *)(long)(ctx)->data_end, &__dst); \
		*(is_ip) = __len != 0;						\
		__len == sizeof(__dst.sin) ? kfunc(ctx, &__dst, sizeof(__dst.sin)) : \
		__len == sizeof(__dst.sin6) ? kfunc(ctx, &__dst, sizeof(__dst.sin6)) : \
		NULL;								\
	})

#endif /* RTEMU_PKT_BPF_H */
