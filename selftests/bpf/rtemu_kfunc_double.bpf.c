// SPDX-License-Identifier: GPL-2.0
/* Refused by the verifier: a route given back twice. */
#include "rtemu_pkt.bpf.h"

SEC("syscall")
int rtemu_double_free(void *ctx)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rtemu_bpf_route *route;

	route = rtemu_bpf_rtalloc1(&dst, sizeof(dst));
	if (!route)
		return 0;
	rtemu_bpf_rtfree(route);
	rtemu_bpf_rtfree(route);
	return 0;
}

char _license[] SEC("license") = "GPL";
