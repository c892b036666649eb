// SPDX-License-Identifier: GPL-2.0
/* Refused by the verifier: a path that keeps the route ("Unreleased reference"). */
#include "rtemu_pkt.bpf.h"

SEC("syscall")
int rtemu_leak(void *ctx)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rtemu_bpf_route *route;

	route = rtemu_bpf_rtalloc1(&dst, sizeof(dst));
	if (!route)
		return 0;
	if (route->prefix_len == 0)
		return 1;	/* forgets the default route */
	rtemu_bpf_rtfree(route);
	return 0;
}

char _license[] SEC("license") = "GPL";
