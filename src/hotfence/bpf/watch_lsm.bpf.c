// SPDX-License-Identifier: GPL-2.0
/*
 * hotfence watch, LSM source: the tracepoint programs of watch_core.h for user
 * socket calls, plus lsm/socket_post_create for kernel sockets (kern = 1).
 *
 * Why this split (net/socket.c, Linux 6.x, __sock_create):
 *  - security_socket_post_create() runs only after the family's create() succeeded,
 *    before any fd exists, with the type already stripped of SOCK_CLOEXEC/NONBLOCK.
 *    So for a user socket() it can give neither the fd nor the errno of a failed call,
 *    nor the flags: the syscall exit tracepoint is the one place that has them, and
 *    user calls keep coming from there (exactly as in watch.bpf.c).
 *  - Kernel sockets (sock_create_kern(), e.g. the per-netns ICMPv6 control sockets a
 *    new network namespace gets) never pass a syscall tracepoint; they do pass
 *    post_create. Reaching post_create means the creation succeeded (a later LSM
 *    refusal there is not made by hotfence), so their record has ret 0 and kern 1.
 *    post_create runs in the creating task's context (pid, comm, cgroup are that
 *    task's); the netns is the socket's own, which for a netns being set up is the new
 *    namespace, not the task's current one. Netlink kernel sockets come from
 *    sock_create_lite(), whose post_create runs before the sock is attached: their
 *    netns is unknown there and reported as 0.
 * User sockets of any kind (socket, socketpair, io_uring) have kern = 0 here and are
 * skipped: watch_core.h reports each of them once, with its result.
 */
#include "watch_core.h"
#include <bpf/bpf_tracing.h>

SEC("lsm/socket_post_create")
int BPF_PROG(watch_post_create, struct socket *sock, int family, int type, int protocol, int kern, int ret)
{
	struct watch_event *e;

	if (!kern || ret || !in_scope())
		return ret; /* an earlier BPF-LSM verdict stands; we never decide anything */
	e = reserve_event();
	if (!e)
		return ret;
	/* BPF_CORE_READ stops at a NULL sk (sock_create_lite) and yields 0. */
	e->netns = BPF_CORE_READ(sock, sk, __sk_common.skc_net.net, ns.inum);
	e->family = family;
	e->type = type;
	e->protocol = protocol;
	e->ret = 0;
	e->kern = 1;
	bpf_ringbuf_submit(e, 0);
	return ret;
}
