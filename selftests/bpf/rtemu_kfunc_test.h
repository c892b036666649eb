/* SPDX-License-Identifier: GPL-2.0 */
/* What rtemu_kfunc.bpf.c's programs found, shared with rtemu_bpf_test.c. */
#ifndef RTEMU_KFUNC_TEST_H
#define RTEMU_KFUNC_TEST_H

#include <linux/types.h>

struct rtemu_lookup {
	__u8 dst[28];		/* in, for the syscall program: a sockaddr_in or _in6 */
	__s32 found;		/* out: 1 when a route was found, then: */
	__u8 family;
	__u8 prefix_len;
	__u8 gateway_family;
	__u8 pad;
	__u32 flags;
	__u8 dst_addr[16];
	__u8 gateway[16];
	__u64 preferred_ns;
	__u64 expires_ns;
};

/* More routes held at once than a CPU has for programs (16). */
#define RTEMU_HOLD_MANY 17

struct rtemu_hold_many {
	__u8 dst[28];			/* in: a sockaddr_in */
	__u8 family[RTEMU_HOLD_MANY];	/* out: each route's family (0: no room) */
	__u8 found[RTEMU_HOLD_MANY];	/* out: 1 for each lookup that was not NULL */
};

/* The XDP and TC programs' results: the object's only global (.bss). */
struct rtemu_found {
	struct rtemu_lookup xdp;
	struct rtemu_lookup tc;
};

#endif /* RTEMU_KFUNC_TEST_H */
