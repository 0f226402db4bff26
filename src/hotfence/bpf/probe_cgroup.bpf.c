// SPDX-License-Identifier: GPL-2.0
/* Feature probe: loads only if the kernel accepts cgroup/sock_create programs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("cgroup/sock_create")
int hf_probe_sock_create(struct bpf_sock *sk)
{
	return 1;
}
