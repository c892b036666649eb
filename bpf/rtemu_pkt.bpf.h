/* SPDX-License-Identifier: GPL-2.0 */
/* The destination of an Ethernet frame's IPv4 or IPv6 packet, as the
 * struct sockaddr the rtemu kfuncs take. */
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

#endif /* RTEMU_PKT_BPF_H */
