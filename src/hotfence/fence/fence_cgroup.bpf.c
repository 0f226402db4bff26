// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup-BPF enforcement: one small program per hook, all deciding through
 * fence_core.h. Attached per cgroup; a program returning 0 makes the syscall fail
 * with EPERM.
 *
 * Coverage facts (Linux 6.x):
 *  - cgroup/sock_create runs from inet_create()/inet6_create() only, i.e. for
 *    AF_INET and AF_INET6, after protocol resolution (protocol 0 arrives as the
 *    type's default) and after the CAP_NET_RAW check, and only when !kern: kernel
 *    sockets are never seen, so kern is always 0 here.
 *  - cgroup/bind* and cgroup/connect* see the sockaddr passed by user space.
 *  - cgroup/sendmsg4|6 run from udp_sendmsg/udpv6_sendmsg for a datagram sent with a
 *    destination (sendto, sendmsg with msg_name): connect rules apply there too, or an
 *    unconnected UDP socket would walk around them.
 */
#include "fence_core.h"

SEC("cgroup/sock_create")
int hf_sock_create(struct bpf_sock *sk)
{
	struct hf_call c = {
		.hook = HF_HOOK_CREATE,
		.family = sk->family,
		.type = sk->type,
		.protocol = sk->protocol,
		.kern = 0,
	};
	return hf_decide_create(&c);
}

static __always_inline int hf_port_hook(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct hf_call c = {
		.hook = hook,
		.family = ctx->user_family,
		.type = ctx->type,
		.protocol = ctx->protocol,
		.port = bpf_ntohs((__u16)ctx->user_port),
	};
	return hf_decide_port(&c);
}

SEC("cgroup/bind4")
int hf_bind4(struct bpf_sock_addr *ctx)
{
	return hf_port_hook(ctx, HF_HOOK_BIND);
}

SEC("cgroup/bind6")
int hf_bind6(struct bpf_sock_addr *ctx)
{
	return hf_port_hook(ctx, HF_HOOK_BIND);
}

SEC("cgroup/connect4")
int hf_connect4(struct bpf_sock_addr *ctx)
{
	return hf_port_hook(ctx, HF_HOOK_CONNECT);
}

SEC("cgroup/connect6")
int hf_connect6(struct bpf_sock_addr *ctx)
{
	return hf_port_hook(ctx, HF_HOOK_CONNECT);
}

SEC("cgroup/sendmsg4")
int hf_sendmsg4(struct bpf_sock_addr *ctx)
{
	return hf_port_hook(ctx, HF_HOOK_CONNECT);
}

SEC("cgroup/sendmsg6")
int hf_sendmsg6(struct bpf_sock_addr *ctx)
{
	return hf_port_hook(ctx, HF_HOOK_CONNECT);
}
