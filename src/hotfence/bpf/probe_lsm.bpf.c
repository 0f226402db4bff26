// SPDX-License-Identifier: GPL-2.0
/* Feature probe: loads only if the kernel accepts BPF-LSM programs (bpf in lsm=). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/socket_create")
int BPF_PROG(hf_probe_socket_create, int family, int type, int protocol, int kern)
{
	return 0;
}
