// SPDX-License-Identifier: GPL-2.0
/*
 * hotfence watch: one event per socket creation, with its context and result, in one
 * object. User space (watch/tracer.py) turns programs off with bpf_program__set_autoload
 * before load: lsm/socket_post_create where the kernel refuses BPF-LSM programs, and
 * the io_uring / 32-bit programs a caller asks to leave out.
 *
 * User calls, whichever way they are asked for (watch_event.call):
 *  - socket() and socketpair(): sys_enter_* remembers the arguments per thread;
 *    sys_exit_* joins them with the result (fd / both fds, or -errno) and the caller's
 *    context and submits one ring-buffer record.
 *  - io_uring IORING_OP_SOCKET (no syscall of its own): the raw tracepoint that sees each
 *    submitted request (core_fixes.h: its name changed in v6.4) has the prepared request
 *    in the submitter's context; the record waits in `uring_pending` until
 *    io_uring_complete gives the request's result (req->cqe.res). Requests io_uring
 *    rejects while preparing them never reach the submit tracepoint.
 *  - 32-bit calls, which the syscall tracepoints skip: raw_syscalls:sys_exit.
 * Kernel sockets (sock_create_kern(), e.g. the per-netns ICMPv6 control sockets) never
 * pass a syscall tracepoint: lsm/socket_post_create reports them (kern = 1).
 *
 * A record that does not fit in the ring is counted in `lost`, never dropped silently.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "core_fixes.h"
#include "watch_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Load-time configuration (watch_abi.h); written by user space into .rodata before load,
 * so the verifier sees a constant and drops the cgroup check when everyone is watched. */
const volatile struct watch_config watch_config = {};

/* A call between its sys_enter and sys_exit, per thread. */
struct watch_args {
	__s32 family, type, protocol;
	__u32 call;
	__u64 usockvec; /* socketpair: where the two fds are written */
	__u32 compat;   /* made through the 32-bit (ia32) entry */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct watch_args);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* io_uring socket requests between submission and completion, by request address. LRU:
 * a request cancelled without a completion must not hold a slot for ever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct watch_event);
} uring_pending SEC(".maps");

/* ------------------------------------------------------------------ shared steps */

static __always_inline int in_scope(void)
{
	if (!watch_config.cgroup_id)
		return 1;
	return bpf_get_current_ancestor_cgroup_id(watch_config.level) == watch_config.cgroup_id;
}

/* One event that will never reach the ring. */
static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

/* A ring record, or NULL when the ring is full (then counted in `lost`). */
static __always_inline struct watch_event *reserve_record(void)
{
	struct watch_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		count_lost();
	return e;
}

/* The calling task's context, and the defaults of a user socket() record. */
static __always_inline void fill_caller(struct watch_event *e)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->kern = 0;
	e->call = WATCH_SOCKET;
	e->fd2 = -1;
	e->compat = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* Inode of the calling task's network namespace. */
static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* A ring record with the caller's context filled in, or NULL (counted in `lost`). */
static __always_inline struct watch_event *reserve_event(void)
{
	struct watch_event *e = reserve_record();

	if (e)
		fill_caller(e);
	return e;
}

/* Submit the record of one finished call (its arguments in `a`, its result `ret`). */
static __always_inline void emit_call(const struct watch_args *a, long ret)
{
	struct watch_event *e = reserve_event();

	if (!e)
		return;
	e->netns = current_netns();
	e->family = a->family;
	e->type = a->type;
	e->protocol = a->protocol;
	e->call = a->call;
	e->compat = a->compat;
	e->ret = (__s32)ret;
	if (a->call == WATCH_SOCKETPAIR && e->ret == 0) {
		__s32 fds[2] = { -1, -1 };

		/* The kernel wrote both fds to user memory just before returning 0. */
		bpf_probe_read_user(fds, sizeof(fds), (void *)a->usockvec);
		e->ret = fds[0];
		e->fd2 = fds[1];
	}
	bpf_ringbuf_submit(e, 0);
}

/* ------------------------------------------------------------------ socket(), socketpair() */

static __always_inline int remember_call(struct trace_event_raw_sys_enter *ctx, __u32 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct watch_args a = {
		.family = (__s32)ctx->args[0],
		.type = (__s32)ctx->args[1],
		.protocol = (__s32)ctx->args[2],
		.call = call,
		.usockvec = call == WATCH_SOCKETPAIR ? ctx->args[3] : 0,
	};

	if (!in_scope())
		return 0;
	/* A full table of calls in flight would drop this call's event: count it. */
	if (bpf_map_update_elem(&inflight, &id, &a, BPF_ANY))
		count_lost();
	return 0;
}

static __always_inline int report_call(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct watch_args *a = bpf_map_lookup_elem(&inflight, &id);

	if (!a)
		return 0;
	emit_call(a, ret);
	bpf_map_delete_elem(&inflight, &id);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int watch_enter(struct trace_event_raw_sys_enter *ctx)
{
	return remember_call(ctx, WATCH_SOCKET);
}

SEC("tracepoint/syscalls/sys_exit_socket")
int watch_exit(struct trace_event_raw_sys_exit *ctx)
{
	return report_call(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_socketpair")
int watch_pair_enter(struct trace_event_raw_sys_enter *ctx)
{
	return remember_call(ctx, WATCH_SOCKETPAIR);
}

SEC("tracepoint/syscalls/sys_exit_socketpair")
int watch_pair_exit(struct trace_event_raw_sys_exit *ctx)
{
	return report_call(ctx->ret);
}

/* ------------------------------------------------------------------ 32-bit calls */

/*
 * The syscall tracepoints above skip 32-bit calls (x86 leaves compat system calls out of
 * syscall tracing), so an ia32 process, or any process using `int $0x80`, would make
 * sockets unseen. raw_syscalls:sys_exit sees every system call; this program needs
 * nothing from the entry, since pt_regs still holds the call's number (orig_ax) and
 * arguments at exit, so every system call on the host pays one program run and one
 * register read while watch runs (benchmarks/watch_overhead.py measures it).
 */
#define TS_COMPAT 0x0002     /* arch/x86/include/asm/thread_info.h */
#define IA32_SOCKETCALL 102  /* arch/x86/entry/syscalls/syscall_32.tbl */
#define IA32_SOCKET 359
#define IA32_SOCKETPAIR 360
#define SYS_SOCKET 1         /* socketcall() call numbers, include/uapi/linux/net.h */
#define SYS_SOCKETPAIR 8

static __always_inline int in_compat_syscall(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (!bpf_core_field_exists(task->thread_info.status))
		return 0; /* not x86: no ia32 entry to watch */
	return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
}

SEC("raw_tracepoint/sys_exit")
int watch_compat_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = BPF_CORE_READ(regs, orig_ax);

	/* 102 is also getuid() for 64-bit callers: TS_COMPAT tells them apart. */
	if ((nr != IA32_SOCKET && nr != IA32_SOCKETPAIR && nr != IA32_SOCKETCALL) || !in_compat_syscall())
		return 0;
	/* ia32 arguments: ebx, ecx, edx, esi (32-bit values, pointers included). */
	__u32 args[4] = {
		(__u32)BPF_CORE_READ(regs, bx), (__u32)BPF_CORE_READ(regs, cx),
		(__u32)BPF_CORE_READ(regs, dx), (__u32)BPF_CORE_READ(regs, si),
	};
	__u32 call = nr == IA32_SOCKETPAIR ? WATCH_SOCKETPAIR : WATCH_SOCKET;

	if (nr == IA32_SOCKETCALL) {
		/* socketcall(call, args): the arguments are an array of u32 in user memory. */
		__u32 which = args[0];
		void *uargs = (void *)(unsigned long)args[1];

		if (which != SYS_SOCKET && which != SYS_SOCKETPAIR)
			return 0;
		call = which == SYS_SOCKETPAIR ? WATCH_SOCKETPAIR : WATCH_SOCKET;
		__builtin_memset(args, 0, sizeof(args));
		bpf_probe_read_user(args, call == WATCH_SOCKETPAIR ? 16 : 12, uargs);
	}
	if (!in_scope())
		return 0;
	struct watch_args a = {
		.family = (__s32)args[0],
		.type = (__s32)args[1],
		.protocol = (__s32)args[2],
		.call = call,
		.usockvec = call == WATCH_SOCKETPAIR ? args[3] : 0,
		.compat = 1,
	};

	emit_call(&a, (long)ctx->args[1]);
	return 0;
}

/* ------------------------------------------------------------------ io_uring */

static __always_inline int remember_uring(struct io_kiocb *req)
{
	__u64 key = (__u64)req;

	if (!hf_kernel_has_io_socket())
		return 0;
	if (BPF_CORE_READ(req, opcode) != HF_IORING_OP_SOCKET || !in_scope())
		return 0;
	struct io_socket *sk = hf_io_socket(req);
	struct watch_event e = {};

	fill_caller(&e);
	e.netns = current_netns();
	e.family = BPF_CORE_READ(sk, domain);
	e.type = BPF_CORE_READ(sk, type);
	e.protocol = BPF_CORE_READ(sk, protocol);
	e.call = WATCH_IO_URING;
	e.fd2 = BPF_CORE_READ(sk, file_slot);
	if (bpf_map_update_elem(&uring_pending, &key, &e, BPF_ANY))
		count_lost();
	return 0;
}

/* The same tracepoint under its two names (core_fixes.h); user space attaches one. */
SEC(HF_SEC_URING_SUBMIT)
int watch_uring_submit(struct bpf_raw_tracepoint_args *ctx)
{
	return remember_uring((struct io_kiocb *)ctx->args[0]);
}

SEC(HF_SEC_URING_SUBMIT_OLD)
int watch_uring_submit_sqe(struct bpf_raw_tracepoint_args *ctx)
{
	return remember_uring((struct io_kiocb *)ctx->args[0]);
}

SEC("raw_tracepoint/io_uring_complete")
int watch_uring_complete(struct bpf_raw_tracepoint_args *ctx)
{
	struct io_kiocb *req = (struct io_kiocb *)ctx->args[1];
	__u64 key = (__u64)req;
	struct watch_event *pending = bpf_map_lookup_elem(&uring_pending, &key);
	struct watch_event *e;

	if (!pending)
		return 0;
	/* io_uring recycles requests: an entry left by a socket request that never completed
	 * must not be reported for a later request of another kind at the same address. */
	if (BPF_CORE_READ(req, opcode) != HF_IORING_OP_SOCKET) {
		bpf_map_delete_elem(&uring_pending, &key);
		return 0;
	}
	e = reserve_record();
	if (e) {
		__builtin_memcpy(e, pending, sizeof(*e));
		e->ret = BPF_CORE_READ(req, cqe.res);
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&uring_pending, &key);
	return 0;
}

/* ------------------------------------------------------------------ kernel sockets */

/*
 * Loaded only where the kernel accepts BPF-LSM programs (watch/tracer.py turns its
 * autoload off elsewhere). Why user calls do not come from here (net/socket.c,
 * __sock_create):
 *  - security_socket_post_create() runs only after the family's create() succeeded,
 *    before any fd exists, with the type already stripped of SOCK_CLOEXEC/NONBLOCK.
 *    So for a user socket() it can give neither the fd nor the errno of a failed call,
 *    nor the flags: the syscall exit tracepoint is the one place that has them.
 *  - Kernel sockets never pass a syscall tracepoint; they do pass post_create.
 *    Reaching post_create means the creation succeeded (a later LSM refusal there is
 *    not made by hotfence), so their record has ret 0 and kern 1. post_create runs in
 *    the creating task's context (pid, comm, cgroup are that task's); the netns is the
 *    socket's own, which for a netns being set up is the new namespace, not the task's
 *    current one. Netlink kernel sockets come from sock_create_lite(), whose
 *    post_create runs before the sock is attached: their netns is unknown there and
 *    reported as 0.
 * User sockets of any kind (socket, socketpair, io_uring) have kern = 0 here and are
 * skipped: the programs above report each of them once, with its result.
 */
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
