// SPDX-License-Identifier: GPL-2.0
/*
 * BPF-LSM enforcement: lsm/socket_create, lsm/socket_bind, lsm/socket_connect, all
 * deciding through fence_core.h (same maps, counters and events as the cgroup backend).
 *
 * Unlike cgroup-BPF, an LSM program runs for every task on the host, so this file adds
 * the scope check the cgroup attachment gives for free: hf_lsm_scope says which cgroup
 * (and its descendants) and which network namespaces the policy applies to. Nothing is
 * enforced while no scope is set, so a loaded program can never act host-wide.
 *
 * Coverage facts (Linux 6.x, net/socket.c):
 *  - security_socket_create() runs in __sock_create() for every family and for kernel
 *    sockets too (kern = 1, e.g. the per-netns ICMPv6 control sockets), after the
 *    family/type range checks, the SOCK_CLOEXEC/NONBLOCK masking and the
 *    (AF_INET, SOCK_PACKET) -> AF_PACKET rewrite, but BEFORE the family's create
 *    function: the protocol is the caller's raw int (0 not yet resolved).
 *  - security_socket_bind/connect() run in __sys_bind/__sys_connect with the sockaddr
 *    copied from user space, before the protocol's own checks.
 *  - security_socket_sendmsg() runs for every send with msg_name already copied into
 *    the kernel; connect rules apply to a UDP datagram with a destination and to a TCP
 *    fast-open send (MSG_FASTOPEN connects), as cgroup/sendmsg4|6 and connect4|6 do.
 * Returning -EPERM denies; 0 lets the next LSM decide.
 */
#include "fence_core.h"
#include <bpf/bpf_tracing.h>

#define EPERM 1
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define MSG_FASTOPEN 0x20000000

#define HF_NETNS_ANY 0
#define HF_NETNS_NON_HOST 1

/* Per slot (like hf_config), so a policy's netns scope flips with hf_active. */
struct hf_lsm_scope {
	__u64 cgroup_id;  /* cgroup v2 id (inode) of the target; 0 = not set: allow all */
	__u32 level;      /* its depth below the cgroup2 root (root = 0) */
	__u32 netns;      /* HF_NETNS_* */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct hf_lsm_scope);
} hf_lsm_scope SEC(".maps");

/* Untyped: Debian 6.1's BTF describes no global variables, so libbpf resolves the
 * address from /proc/kallsyms; the program only compares it with a pointer. */
extern const void init_net __ksym;

/* Is the current task inside the slot's scope (cgroup subtree and netns)? */
static __always_inline int hf_in_scope(__u32 slot)
{
	struct hf_lsm_scope *sc = bpf_map_lookup_elem(&hf_lsm_scope, &slot);

	if (!sc || !sc->cgroup_id)
		return 0;
	/* The ancestor of the current task's cgroup at the target's depth is the target
	 * itself exactly when the task is in the target or one of its descendants. */
	if (bpf_get_current_ancestor_cgroup_id(sc->level) != sc->cgroup_id)
		return 0;
	if (sc->netns == HF_NETNS_NON_HOST) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		struct net *net = BPF_CORE_READ(task, nsproxy, net_ns);

		if ((const void *)net == &init_net)
			return 0;
	}
	return 1;
}

/* The active policy when the current task is in its scope, else NULL (allow). */
static __always_inline struct hf_config *hf_scoped_config(__u32 *slot)
{
	struct hf_config *cfg = hf_active_config(slot);

	return cfg && hf_in_scope(*slot) ? cfg : NULL;
}

/* Only shapes that leave the protocol open: for a protocol no u16 key can hold
 * (negative, or >= HF_ANY), as compiled.CompiledPolicy.decide_create does. */
static __always_inline struct hf_verdict *
hf_lookup_create_any_proto(const struct hf_config *cfg, __u32 slot, const struct hf_call *c)
{
	struct hf_create_key key = { .slot = slot, .protocol = HF_ANY };

#pragma unroll
	for (int i = 0; i < HF_N_CREATE_SHAPES; i++) {
		__u8 use = hf_create_shapes[i];

		if ((use & HF_USE_PROTO) || !(cfg->create_shapes & (1u << i)))
			continue;
		key.family = (use & HF_USE_FAMILY) ? c->family : HF_ANY;
		key.type = (use & HF_USE_TYPE) ? c->type : HF_ANY;
		key.kern = (use & HF_USE_KERN) ? c->kern : HF_ANY_KERN;
		struct hf_verdict *v = bpf_map_lookup_elem(&hf_create, &key);
		if (v)
			return v;
	}
	return NULL;
}

SEC("lsm/socket_create")
int BPF_PROG(hf_lsm_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret)
		return ret; /* an earlier BPF-LSM program already denied */
	__u32 slot;
	struct hf_config *cfg = hf_scoped_config(&slot);

	if (!cfg)
		return 0;
	/* compiled.resolve_create_protocol: look up inet stream/dgram protocol 0 as the
	 * TCP/UDP inet_create will pick, so a policy means the same as on cgroup-BPF. */
	if (protocol == 0 && (family == AF_INET || family == AF_INET6)) {
		if (type == SOCK_STREAM)
			protocol = IPPROTO_TCP;
		else if (type == SOCK_DGRAM)
			protocol = IPPROTO_UDP;
	}
	/* packet_create keeps only the low 16 bits (an ethertype); look up what it uses,
	 * or a rule on one ethertype could be sidestepped with high bits set. */
	if (family == AF_PACKET)
		protocol &= 0xffff;
	struct hf_call c = {
		.hook = HF_HOOK_CREATE,
		.family = family,
		.type = type,
		.protocol = protocol,
		.kern = kern ? 1 : 0,
	};
	struct hf_verdict *v = (protocol >= 0 && protocol < HF_ANY)
				       ? hf_find_create(cfg, slot, &c)
				       : hf_lookup_create_any_proto(cfg, slot, &c);

	return hf_verdict_apply(cfg, slot, v, &c) ? 0 : -EPERM;
}

static __always_inline int hf_port_hook(struct socket *sock, struct sockaddr *address, int addrlen, __u8 hook)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);

	if (!sk)
		return 0;
	__u16 sk_family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* Like cgroup bind4|6 / connect4|6: inet sockets only, the port from the caller's
	 * sockaddr (sin_port and sin6_port both sit at offset 2); too short an address is
	 * left to the protocol, which fails it with EINVAL. */
	if ((sk_family != AF_INET && sk_family != AF_INET6) || addrlen < 4)
		return 0;
	__u32 slot;
	struct hf_config *cfg = hf_scoped_config(&slot);

	if (!cfg)
		return 0;
	__u16 sa_family = BPF_CORE_READ(address, sa_family);
	if (sa_family != AF_INET && sa_family != AF_INET6)
		return 0;
	__u16 port_be = 0;
	bpf_probe_read_kernel(&port_be, sizeof(port_be), (void *)address + 2);
	struct hf_call c = {
		.hook = hook,
		.family = sa_family,
		.type = BPF_CORE_READ(sock, type),
		.protocol = BPF_CORE_READ(sk, sk_protocol),
		.port = bpf_ntohs(port_be),
	};
	return hf_verdict_apply(cfg, slot, hf_lookup_port(cfg, slot, &c), &c) ? 0 : -EPERM;
}

SEC("lsm/socket_bind")
int BPF_PROG(hf_lsm_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return ret;
	return hf_port_hook(sock, address, addrlen, HF_HOOK_BIND);
}

SEC("lsm/socket_connect")
int BPF_PROG(hf_lsm_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return ret;
	return hf_port_hook(sock, address, addrlen, HF_HOOK_CONNECT);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(hf_lsm_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret)
		return ret;
	struct sockaddr *address = BPF_CORE_READ(msg, msg_name);

	if (!address)
		return 0; /* a send on the connection: its connect() was checked */
	__u16 protocol = BPF_CORE_READ(sock, sk, sk_protocol);

	if (protocol != IPPROTO_UDP && !(protocol == IPPROTO_TCP && (BPF_CORE_READ(msg, msg_flags) & MSG_FASTOPEN)))
		return 0; /* TCP ignores the address of a send unless it is a fast-open connect */
	return hf_port_hook(sock, address, BPF_CORE_READ(msg, msg_namelen), HF_HOOK_CONNECT);
}
