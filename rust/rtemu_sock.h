/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-socket state of the rtemu family (genl_family.sock_priv). genetlink
 * allocates it zeroed on first use and hands it to rtemu_nl_sock_priv_destroy()
 * when the socket closes. The Rust side owns what the pointer refers to;
 * rust/genl.rs mirrors this layout.
 */
#ifndef _RTEMU_SOCK_H
#define _RTEMU_SOCK_H

struct rtemu_sock {
	void *holds;
};

#endif /* _RTEMU_SOCK_H */
