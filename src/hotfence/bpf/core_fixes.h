/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel differences hotfence's programs meet, gathered in one place, each with the
 * Linux commit that made it (as drgn's helpers cite theirs), so that a reader can check
 * it and a new kernel's change has an obvious home.
 *
 * The objects are compiled once, against bpf/include/<arch>/vmlinux.h (Linux 6.18), and
 * load unchanged on older kernels (the Debian 6.1 lab guest is tested): every difference
 * below is settled when libbpf loads the object (a CO-RE relocation or
 * bpf_core_type_exists() against the running kernel's BTF) or when user space attaches
 * it (one program per alternative hook), never by compiling per kernel.
 */
#ifndef HOTFENCE_CORE_FIXES_H
#define HOTFENCE_CORE_FIXES_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * io_uring sockets. Linux kernel commit 1374e08e2d44 (v5.19) "io_uring: add socket(2)
 * support" added IORING_OP_SOCKET and its prepared command, struct io_socket. Before
 * it no io_uring request makes a socket, and the kernel's BTF has no struct io_socket:
 * the check is resolved to false at load time and the programs do nothing.
 */
#define HF_IORING_OP_SOCKET 45 /* enum io_uring_op IORING_OP_SOCKET (uapi, fixed) */

static __always_inline int hf_kernel_has_io_socket(void)
{
	return bpf_core_type_exists(struct io_socket);
}

/*
 * A request's prepared command. Linux kernel commit d599bf39d8b9 (v6.0) "io_uring: add
 * generic command payload type to struct io_kiocb" replaced io_kiocb's union of
 * per-opcode structs (struct io_socket sock among them, v5.19) by `struct io_cmd_data
 * cmd`, which io_kiocb_to_cmd() casts to the opcode's struct. In both layouts the
 * command is the first member of the request, so casting the request pointer reads the
 * same fields on 5.19, 6.1 and 6.18; the field offsets inside struct io_socket are
 * CO-RE relocated (it moved from fs/io_uring.c to io_uring/net.c with v6.0).
 */
static __always_inline struct io_socket *hf_io_socket(struct io_kiocb *req)
{
	return (struct io_socket *)req;
}

/*
 * The raw tracepoint that sees each submitted request (its first argument, on both
 * names): Linux kernel commit 2ad57931db64 (v6.4) "io_uring: rename
 * trace_io_uring_submit_sqe() tracepoint" renamed io_uring_submit_sqe to
 * io_uring_submit_req. The object carries a program for each name; user space attaches
 * the one the kernel has (OPTIONAL in watch/tracer.py).
 */
#define HF_SEC_URING_SUBMIT "raw_tracepoint/io_uring_submit_req"    /* v6.4 and later */
#define HF_SEC_URING_SUBMIT_OLD "raw_tracepoint/io_uring_submit_sqe" /* v5.19 .. v6.3 */

#endif /* HOTFENCE_CORE_FIXES_H */
