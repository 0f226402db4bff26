/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotfence watch, shared by both sources (watch.bpf.c: syscall tracepoints only;
 * watch_lsm.bpf.c: the same tracepoints plus lsm/socket_post_create for kernel sockets).
 *
 * One event per socket() syscall: sys_enter_socket remembers the arguments per thread;
 * sys_exit_socket joins them with the return value and the caller's context and
 * submits one ring-buffer record. A record that does not fit in the ring is counted in
 * `lost`, never dropped silently. Syscall tracepoints see user calls only: kernel
 * sockets (kern=1) never pass here.
 */
#ifndef HOTFENCE_WATCH_CORE_H
#define HOTFENCE_WATCH_CORE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct watch_args {
	__s32 family, type, protocol;
};

/* Keep in step with RECORD in watch/events.py. */
struct watch_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u32 pid;      /* thread id */
	__u32 tgid;     /* process id */
	__u32 uid;
	__u32 netns;    /* inode of the socket's network namespace (= the caller's for socket());
			 * 0 for a kernel socket with no sock yet (netlink's sock_create_lite) */
	__s32 family;
	__s32 type;     /* user calls: as passed (base type | SOCK_CLOEXEC | SOCK_NONBLOCK) */
	__s32 protocol; /* as passed: 0 is not resolved to the family's default */
	__s32 ret;      /* fd, or -errno; 0 for kernel sockets (they get no fd) */
	char comm[16];
	__u32 kern;     /* 1: a kernel socket (sock_create_kern), seen only by the LSM source */
	__u32 pad;
};

/* Only watch callers below one cgroup: watch_cfg[0] = {cgroup id (0 = everyone), its level}. */
struct watch_config {
	__u64 cgroup_id;
	__u32 level;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct watch_config);
} watch_cfg SEC(".maps");

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

static __always_inline int in_scope(void)
{
	__u32 zero = 0;
	struct watch_config *c = bpf_map_lookup_elem(&watch_cfg, &zero);

	if (!c || !c->cgroup_id)
		return 1;
	return bpf_get_current_ancestor_cgroup_id(c->level) == c->cgroup_id;
}

/* A ring record with the caller's context filled in, or NULL (counted in `lost`). */
static __always_inline struct watch_event *reserve_event(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct watch_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u32 zero = 0;
	__u64 *n;

	if (!e) {
		n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			*n += 1;
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->kern = 0;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

SEC("tracepoint/syscalls/sys_enter_socket")
int watch_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct watch_args a = {
		.family = (__s32)ctx->args[0],
		.type = (__s32)ctx->args[1],
		.protocol = (__s32)ctx->args[2],
	};

	if (!in_scope())
		return 0;
	bpf_map_update_elem(&inflight, &id, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socket")
int watch_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct watch_args *a = bpf_map_lookup_elem(&inflight, &id);
	struct task_struct *task;
	struct watch_event *e;

	if (!a)
		return 0;
	e = reserve_event();
	if (!e) {
		bpf_map_delete_elem(&inflight, &id);
		return 0;
	}
	task = (struct task_struct *)bpf_get_current_task();
	e->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	e->family = a->family;
	e->type = a->type;
	e->protocol = a->protocol;
	e->ret = (__s32)ctx->ret;
	bpf_map_delete_elem(&inflight, &id);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* HOTFENCE_WATCH_CORE_H */
