// SPDX-License-Identifier: GPL-2.0
/*
 * hotfence watch, tracepoint source: one event per user socket creation (socket(),
 * socketpair(), io_uring), with its result (see watch_core.h). Works wherever syscall
 * tracepoints do; never sees kernel sockets. watch_lsm.bpf.c adds those where the
 * kernel accepts BPF-LSM programs.
 */
#include "watch_core.h"
