// SPDX-License-Identifier: GPL-2.0
/*
 * An XDP program that gives rtemu's reject and blackhole flags their
 * meaning on real traffic: a packet whose destination's route (the longest
 * match in rtemu's table of the device's namespace) is RTF_REJECT or
 * RTF_BLACKHOLE is dropped, every other packet passes, and the map
 * rtemu_hits counts the packets each route matched, by prefix.
 *
 * XDP cannot send the ICMP unreachable that RTF_REJECT asks of an output
 * path, so both flags drop here; the count tells them apart in userspace.
 * See README.md, "BPF", for building and attaching it.
 */
#include "rtemu_pkt.bpf.h"
#include <linux/rtemu.h>

/* A route, as its prefix. */
struct rtemu_hit_key {
	__u8 family;
	__u8 prefix_len;
	__u8 pad[2];
	__u8 dst[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rtemu_hit_key);
	__type(value, __u64);
} rtemu_hits SEC(".maps");

SEC("xdp")
int rtemu_drop(struct xdp_md *ctx)
{
	struct rtemu_hit_key key = {};
	struct rtemu_bpf_route *route;
	__u64 one = 1, *hits;
	int verdict, is_ip;

	route = rtemu_frame_route(rtemu_bpf_xdp_rtalloc1, ctx, &is_ip);
	if (!route)
		return XDP_PASS;

	key.family = route->family;
	key.prefix_len = route->prefix_len;
	__builtin_memcpy(key.dst, route->dst, sizeof(key.dst));
	verdict = route->flags & (RTEMU_ROUTE_FLAGS_REJECT | RTEMU_ROUTE_FLAGS_BLACKHOLE) ?
		XDP_DROP : XDP_PASS;
	rtemu_bpf_rtfree(route);

	hits = bpf_map_lookup_elem(&rtemu_hits, &key);
	if (!hits && bpf_map_update_elem(&rtemu_hits, &key, &one, BPF_NOEXIST) == 0)
		return verdict;
	/* Counted before, or inserted by another CPU meanwhile. */
	if (!hits)
		hits = bpf_map_lookup_elem(&rtemu_hits, &key);
	if (hits)
		__sync_fetch_and_add(hits, 1);
	return verdict;
}

char _license[] SEC("license") = "GPL";
