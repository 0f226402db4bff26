/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What watch.bpf.c and user space share: the ring-buffer record and the load-time
 * configuration. hotfence/watch/abi.py mirrors both with ctypes, and
 * tests/test_bpf_build.py checks that mirror against this object's BTF.
 */
#ifndef HOTFENCE_WATCH_ABI_H
#define HOTFENCE_WATCH_ABI_H

/* watch_event.call: how the socket was asked for (CALLS in watch/events.py). */
#define WATCH_SOCKET 0
#define WATCH_SOCKETPAIR 1
#define WATCH_IO_URING 2

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
	__s32 ret;      /* fd (socketpair: the first), or -errno; 0 for kernel sockets */
	char comm[16];
	__u32 kern;     /* 1: a kernel socket (sock_create_kern), seen only by lsm/socket_post_create */
	__u32 call;     /* WATCH_SOCKET, WATCH_SOCKETPAIR, WATCH_IO_URING */
	__s32 fd2;      /* socketpair: the second fd; io_uring: the fixed-file slot asked
			 * for (0 = a normal fd); else -1 */
	__u32 compat;   /* 1: a 32-bit call (ia32 process, or int $0x80) */
};

/*
 * Set once, before load, in the object's .rodata (libbpf skeleton style): only callers
 * below one cgroup are watched. cgroup_id 0 = everyone; level = that cgroup's depth.
 */
struct watch_config {
	__u64 cgroup_id;
	__u32 level;
	__u32 pad;
};

#endif /* HOTFENCE_WATCH_ABI_H */
