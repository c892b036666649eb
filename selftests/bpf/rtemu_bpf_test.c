// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and test-runs rtemu's BPF programs (libbpf) for rtemu_bpf.sh:
 *
 *   rtemu_bpf_test lookup OBJ ADDR     the syscall program looks ADDR up
 *   rtemu_bpf_test holdmany OBJ ADDR   the syscall program holds 17 routes to
 *                                      ADDR at once: each one's family
 *   rtemu_bpf_test xdp OBJ ADDR        the XDP program, on a frame to ADDR
 *   rtemu_bpf_test tc OBJ ADDR         the TC program, on a frame to ADDR
 *   rtemu_bpf_test refused OBJ TEXT    loading OBJ must fail, its verifier
 *                                      log saying TEXT
 *   rtemu_bpf_test hold OBJ            load OBJ, print "loaded", and keep it
 *                                      until standard input closes
 *   rtemu_bpf_test drop OBJ ADDR N     the example bpf/rtemu_drop.bpf.c on N
 *                                      frames to ADDR; then its hit counts
 *   rtemu_bpf_test attach OBJ IFNAME PIN
 *                                      the example on IFNAME's traffic, its
 *                                      map pinned at PIN, until standard
 *                                      input closes
 *   rtemu_bpf_test hits PIN            the hit counts of a pinned map
 *
 * A lookup prints "PREFIX/LEN via GATEWAY flags 0xFLAGS preferred NS
 * expires NS" ("via -" without a router), or "none".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rtemu_kfunc_test.h"

static char verifier_log[1 << 20];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "rtemu_bpf_test: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* libbpf's messages, kept for "refused" and shown on failures. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(verifier_log);

	if (used + 1 < sizeof(verifier_log))
		vsnprintf(verifier_log + used, sizeof(verifier_log) - used, fmt, ap);
	return 0;
}

static struct bpf_object *load(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj)
		die("cannot open %s: %s", path, strerror(errno));
	if (bpf_object__load(obj)) {
		fputs(verifier_log, stderr);
		die("cannot load %s", path);
	}
	return obj;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	if (!prog)
		die("no program %s", name);
	return bpf_program__fd(prog);
}

/* ADDR as a struct sockaddr_in or _in6 in @sa; returns its size. */
static size_t parse_addr(const char *text, unsigned char sa[28])
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };

	memset(sa, 0, 28);
	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1) {
		memcpy(sa, &sin, sizeof(sin));
		return sizeof(sin);
	}
	if (inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1) {
		memcpy(sa, &sin6, sizeof(sin6));
		return sizeof(sin6);
	}
	die("not an IPv4 or IPv6 address: %s", text);
	return 0;
}

static void print_lookup(const struct rtemu_lookup *l)
{
	char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN] = "-";

	if (!l->found) {
		printf("none\n");
		return;
	}
	inet_ntop(l->family, l->dst_addr, dst, sizeof(dst));
	if (l->gateway_family)
		inet_ntop(l->gateway_family, l->gateway, gw, sizeof(gw));
	printf("%s/%u via %s flags 0x%x preferred %llu expires %llu\n", dst, l->prefix_len, gw,
	       l->flags, (unsigned long long)l->preferred_ns, (unsigned long long)l->expires_ns);
}

/* An Ethernet frame carrying an IPv4 or IPv6 packet to ADDR. */
static size_t frame_to(const char *addr, unsigned char frame[128])
{
	unsigned char sa[28];
	struct ether_header *eth = (void *)frame;
	size_t len = parse_addr(addr, sa);

	memset(frame, 0, 128);
	if (len == sizeof(struct sockaddr_in)) {
		struct iphdr *ip = (void *)(eth + 1);

		eth->ether_type = htons(ETHERTYPE_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(128 - sizeof(*eth));
		ip->saddr = htonl(0xc0000201);
		memcpy(&ip->daddr, &((struct sockaddr_in *)sa)->sin_addr, 4);
	} else {
		struct ip6_hdr *ip6 = (void *)(eth + 1);

		eth->ether_type = htons(ETHERTYPE_IPV6);
		ip6->ip6_vfc = 6 << 4;
		ip6->ip6_plen = htons(128 - sizeof(*eth) - sizeof(*ip6));
		ip6->ip6_nxt = IPPROTO_UDP;
		ip6->ip6_hlim = 64;
		ip6->ip6_src.s6_addr[0] = 0x20;
		memcpy(&ip6->ip6_dst, &((struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
	return 128;
}

static __u32 test_run(int fd, const char *addr, int repeat)
{
	unsigned char frame[128];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = repeat);

	opts.data_in = frame;
	opts.data_size_in = frame_to(addr, frame);
	if (bpf_prog_test_run_opts(fd, &opts))
		die("test run: %s", strerror(errno));
	return opts.retval;
}

static struct rtemu_found read_found(struct bpf_object *obj)
{
	struct rtemu_found found;
	struct bpf_map *map;
	int zero = 0;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t n = strlen(name);

		if (n < 4 || strcmp(name + n - 4, ".bss"))
			continue;
		if (bpf_map__value_size(map) != sizeof(found))
			die(".bss is %u bytes, not %zu", bpf_map__value_size(map), sizeof(found));
		if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, &found))
			die("reading .bss: %s", strerror(errno));
		return found;
	}
	die("no .bss map");
	return found;
}

static int cmd_lookup(const char *path, const char *addr)
{
	struct bpf_object *obj = load(path);
	struct rtemu_lookup args = {};
	/* A syscall program's context is copied back to ctx_in. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	parse_addr(addr, args.dst);
	if (bpf_prog_test_run_opts(prog_fd(obj, "rtemu_lookup"), &opts))
		die("test run: %s", strerror(errno));
	print_lookup(&args);
	bpf_object__close(obj);
	return 0;
}

/* "families F0 F1 ... F16" ("-" for a NULL lookup), then the exit status. */
static int cmd_holdmany(const char *path, const char *addr)
{
	struct bpf_object *obj = load(path);
	struct rtemu_hold_many args = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int i;

	parse_addr(addr, args.dst);
	if (bpf_prog_test_run_opts(prog_fd(obj, "rtemu_hold_many"), &opts))
		die("test run: %s", strerror(errno));
	printf("families");
	for (i = 0; i < RTEMU_HOLD_MANY; i++) {
		if (args.found[i])
			printf(" %u", args.family[i]);
		else
			printf(" -");
	}
	printf("\nretval %u\n", opts.retval);
	bpf_object__close(obj);
	return 0;
}

static int cmd_packet(const char *path, const char *addr, int xdp)
{
	struct bpf_object *obj = load(path);
	struct rtemu_found found;
	__u32 ret;

	ret = test_run(prog_fd(obj, xdp ? "rtemu_xdp_lookup" : "rtemu_tc_lookup"), addr, 1);
	found = read_found(obj);
	printf("retval %u\n", ret);
	print_lookup(xdp ? &found.xdp : &found.tc);
	bpf_object__close(obj);
	return 0;
}

static int cmd_refused(const char *path, const char *text)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	const char *line;

	if (!obj)
		die("cannot open %s: %s", path, strerror(errno));
	if (!*text)
		die("no text to look for in the verifier's log");
	if (!bpf_object__load(obj))
		die("%s loaded: the verifier accepted it", path);
	line = strstr(verifier_log, text);
	if (!line) {
		fputs(verifier_log, stderr);
		die("%s was refused, but its log does not say \"%s\"", path, text);
	}
	/* The verifier's line that says it. */
	while (line > verifier_log && line[-1] != '\n')
		line--;
	printf("refused: %.*s\n", (int)strcspn(line, "\n"), line);
	bpf_object__close(obj);
	return 0;
}

static int cmd_hold(const char *path)
{
	struct bpf_object *obj = load(path);
	char buf[64];

	printf("loaded\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	bpf_object__close(obj);
	return 0;
}

/* The example's hit counts: "hits PREFIX/LEN COUNT" lines. */
static void print_hits(int fd)
{
	struct {
		__u8 family, prefix_len, pad[2];
		__u8 dst[16];
	} key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		char text[INET6_ADDRSTRLEN];
		__u64 count;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		inet_ntop(key.family, key.dst, text, sizeof(text));
		printf("hits %s/%u %llu\n", text, key.prefix_len, (unsigned long long)count);
	}
}

static int hits_fd(struct bpf_object *obj)
{
	struct bpf_map *hits = bpf_object__find_map_by_name(obj, "rtemu_hits");

	if (!hits)
		die("no map rtemu_hits");
	return bpf_map__fd(hits);
}

static int cmd_drop(const char *path, const char *addr, int n)
{
	struct bpf_object *obj = load(path);
	__u32 ret;

	ret = test_run(prog_fd(obj, "rtemu_drop"), addr, n);
	printf("verdict %s\n", ret == XDP_DROP ? "drop" : ret == XDP_PASS ? "pass" : "other");
	print_hits(hits_fd(obj));
	bpf_object__close(obj);
	return 0;
}

static int cmd_attach(const char *path, const char *ifname, const char *pin)
{
	struct bpf_object *obj = load(path);
	unsigned int ifindex = if_nametoindex(ifname);
	char buf[64];

	if (!ifindex)
		die("no interface %s", ifname);
	if (bpf_xdp_attach(ifindex, prog_fd(obj, "rtemu_drop"), 0, NULL))
		die("attaching to %s: %s", ifname, strerror(errno));
	if (bpf_obj_pin(hits_fd(obj), pin))
		die("pinning at %s: %s", pin, strerror(errno));
	printf("attached\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	bpf_xdp_detach(ifindex, 0, NULL);
	unlink(pin);
	bpf_object__close(obj);
	return 0;
}

static int cmd_hits(const char *pin)
{
	int fd = bpf_obj_get(pin);

	if (fd < 0)
		die("no map pinned at %s: %s", pin, strerror(errno));
	print_hits(fd);
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_print);
	if (argc == 4 && !strcmp(argv[1], "holdmany"))
		return cmd_holdmany(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "lookup"))
		return cmd_lookup(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "xdp"))
		return cmd_packet(argv[2], argv[3], 1);
	if (argc == 4 && !strcmp(argv[1], "tc"))
		return cmd_packet(argv[2], argv[3], 0);
	if (argc == 4 && !strcmp(argv[1], "refused"))
		return cmd_refused(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "drop"))
		return cmd_drop(argv[2], argv[3], atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "attach"))
		return cmd_attach(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "hits"))
		return cmd_hits(argv[2]);
	fprintf(stderr, "usage: see the head of rtemu_bpf_test.c\n");
	return 2;
}
