/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps and the decision shared by every hotfence enforcement program (cgroup-BPF
 * here; an LSM backend includes the same file so compiled policies, counters and
 * events are identical across backends).
 */
#ifndef HOTFENCE_FENCE_CORE_H
#define HOTFENCE_FENCE_CORE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "fence_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} hf_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct hf_config);
} hf_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HF_CREATE_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hf_create_key);
	__type(value, struct hf_verdict);
} hf_create SEC(".maps");

/* Index: slot * HF_FAST_PER_SLOT + the cell (hf_lookup_fast); value: the resolved verdict, with
 * rule HF_DEFAULT_RULE and the default action where no rule matches. Mmapable: a slot is
 * 256 KB, written by a memory copy (libbpf.Map.write_array) rather than a batch update. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 * HF_FAST_PER_SLOT);
	__type(key, __u32);
	__type(value, struct hf_verdict);
} hf_fast SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HF_PORT_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hf_port_key);
	__type(value, struct hf_verdict);
} hf_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * HF_COUNTERS_PER_SLOT);
	__type(key, __u32);
	__type(value, struct hf_counter);
} hf_counters SEC(".maps");

/* Sized at load: one entry unless the object is shared by many cgroups (maps.py). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hf_cg_counter_key);
	__type(value, struct hf_counter);
} hf_cg_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hf_stats);
} hf_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} hf_events SEC(".maps");

/* A ring buffer carries no record type, so nothing else puts struct hf_event in this
 * object's BTF; this never-used pointer does, for tests/test_bpf_build.py to check
 * fence/abi.py's Event against what the compiler laid out. */
struct hf_event *hf_event_btf __attribute__((unused));

static const __u8 hf_create_shapes[HF_N_CREATE_SHAPES] = HF_CREATE_SHAPES;
static const __u8 hf_port_shapes[HF_N_PORT_SHAPES] = HF_PORT_SHAPES;

/* What one call looks like to the decision: the fields of the event it may emit. */
struct hf_call {
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 port;
	__u8 hook;
	__u8 kern;
	/* The caller's protocol did not fit 0..HF_ANY-1 (an LSM hook sees the raw int):
	 * only shapes with the protocol wildcarded may match (compiled.decide_create). */
	__u8 proto_inexact;
};

/* The active slot and its config, or NULL when no policy is loaded. */
static __always_inline struct hf_config *hf_active_config(__u32 *slot)
{
	__u32 zero = 0;
	__u32 *active = bpf_map_lookup_elem(&hf_active, &zero);

	if (!active)
		return NULL;
	*slot = *active & 1;
	struct hf_config *cfg = bpf_map_lookup_elem(&hf_config, slot);
	if (!cfg || !cfg->loaded)
		return NULL;
	return cfg;
}

/* Position of a family in HF_FAST_FAMILIES, or -1. */
static __always_inline int hf_fast_family(__u16 family)
{
	switch (family) {
	case 1: return 0;
	case 2: return 1;
	case 10: return 2;
	case 16: return 3;
	}
	return -1;
}

/* The call's cell in hf_fast, or NULL when it lies outside the table. */
static __always_inline struct hf_verdict *hf_lookup_fast(__u32 slot, const struct hf_call *c)
{
	int fi = hf_fast_family(c->family);

	if (fi < 0 || c->type >= HF_FAST_TYPES || c->protocol >= HF_FAST_PROTOS || c->proto_inexact)
		return NULL;
	__u32 idx = slot * HF_FAST_PER_SLOT +
		    (((fi * HF_FAST_TYPES + c->type) * HF_FAST_PROTOS + c->protocol) << 1) + (c->kern & 1);
	return bpf_map_lookup_elem(&hf_fast, &idx);
}

/* compiled.CompiledPolicy.decide_create: at most 9 hash look-ups, absent shapes skipped. */
static __always_inline struct hf_verdict *
hf_lookup_create(const struct hf_config *cfg, __u32 slot, const struct hf_call *c)
{
	struct hf_create_key key = { .slot = slot };
	/* No rule names this family: only family-wildcard shapes can match. */
	int family_named = c->family >= 64 || (cfg->create_families & (1ull << c->family));

#pragma unroll
	for (int i = 0; i < HF_N_CREATE_SHAPES; i++) {
		__u8 use = hf_create_shapes[i];

		if (!(cfg->create_shapes & (1u << i)))
			continue;
		if ((use & HF_USE_FAMILY) && !family_named)
			continue;
		if ((use & HF_USE_PROTO) && c->proto_inexact)
			continue;
		key.family = (use & HF_USE_FAMILY) ? c->family : HF_ANY;
		key.type = (use & HF_USE_TYPE) ? c->type : HF_ANY;
		key.protocol = (use & HF_USE_PROTO) ? c->protocol : HF_ANY;
		key.kern = (use & HF_USE_KERN) ? c->kern : HF_ANY_KERN;
		struct hf_verdict *v = bpf_map_lookup_elem(&hf_create, &key);
		if (v)
			return v;
	}
	return NULL;
}

/* compiled.CompiledPolicy.decide_port: at most 7 hash look-ups. */
static __always_inline struct hf_verdict *
hf_lookup_port(const struct hf_config *cfg, __u32 slot, const struct hf_call *c)
{
	struct hf_port_key key = { .slot = slot, .hook = c->hook };
	__u32 mask = cfg->port_shapes >> (8 * c->hook);

#pragma unroll
	for (int i = 0; i < HF_N_PORT_SHAPES; i++) {
		__u8 use = hf_port_shapes[i];

		if (!(mask & (1u << i)))
			continue;
		key.family = (use & HF_PUSE_FAMILY) ? c->family : HF_ANY;
		key.protocol = (use & HF_PUSE_PROTO) ? c->protocol : HF_ANY;
		key.port = (use & HF_PUSE_PORT) ? c->port : HF_ANY;
		struct hf_verdict *v = bpf_map_lookup_elem(&hf_ports, &key);
		if (v)
			return v;
	}
	return NULL;
}

static __always_inline void hf_emit(const struct hf_call *c, __u32 rule_id, __u8 verdict)
{
	__u32 zero = 0;
	struct hf_stats *st = bpf_map_lookup_elem(&hf_stats, &zero);
	struct hf_event *e = bpf_ringbuf_reserve(&hf_events, sizeof(*e), 0);

	if (!e) {
		/* Never silently: user space reports the lost count next to the events. */
		if (st)
			st->lost++;
		return;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	e->rule_id = rule_id;
	e->family = c->family;
	e->type = c->type;
	e->protocol = c->protocol;
	e->port = c->port;
	e->hook = c->hook;
	e->verdict = verdict;
	e->kern = c->kern;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->boot_ns = bpf_ktime_get_boot_ns();
	bpf_ringbuf_submit(e, 0);
	if (st)
		st->events++;
}

/* The calling task's cgroup's counter at idx, made on its first count (NULL when the map
 * is full: that count is lost, the verdict is not). */
static __always_inline struct hf_counter *hf_cgroup_counter(__u32 idx)
{
	struct hf_cg_counter_key key = { .cgroup_id = bpf_get_current_cgroup_id(), .index = idx };
	struct hf_counter *cnt = bpf_map_lookup_elem(&hf_cg_counters, &key);

	if (!cnt) {
		struct hf_counter zero = {};

		bpf_map_update_elem(&hf_cg_counters, &key, &zero, BPF_NOEXIST);
		cnt = bpf_map_lookup_elem(&hf_cg_counters, &key);
	}
	return cnt;
}

/* Count, maybe emit, and return the cgroup program's answer: 1 allow, 0 deny (EPERM). */
static __always_inline int hf_verdict_apply(const struct hf_config *cfg, __u32 slot,
					    const struct hf_verdict *v, const struct hf_call *c)
{
	__u32 rule_id = v ? v->rule_id : HF_DEFAULT_RULE;
	__u32 action = v ? v->action : cfg->default_action;

	if (rule_id > HF_DEFAULT_RULE)
		rule_id = HF_DEFAULT_RULE;
	__u32 idx = HF_COUNTER_INDEX(slot, rule_id);
	struct hf_counter *cnt = cfg->flags & HF_CFG_COUNT_BY_CGROUP ? hf_cgroup_counter(idx)
								     : bpf_map_lookup_elem(&hf_counters, &idx);

	if (cnt) {
		cnt->hits++;
	} else if (cfg->flags & HF_CFG_COUNT_BY_CGROUP) {
		/* hf_cg_counters is full: never silently, user space reports this count. */
		__u32 zero = 0;
		struct hf_stats *st = bpf_map_lookup_elem(&hf_stats, &zero);

		if (st)
			st->uncounted++;
	}
	if (action == HF_DENY) {
		if (cnt)
			cnt->denies++;
		hf_emit(c, rule_id, cfg->enforce ? HF_EV_DENY : HF_EV_WOULD_DENY);
		return cfg->enforce ? 0 : 1;
	}
	if (action == HF_AUDIT)
		hf_emit(c, rule_id, HF_EV_AUDIT);
	return 1;
}

/* The verdict for socket() under the slot's policy, fast table first. */
static __always_inline struct hf_verdict *
hf_find_create(const struct hf_config *cfg, __u32 slot, const struct hf_call *c)
{
	struct hf_verdict *v = hf_lookup_fast(slot, c);

	return v ? v : hf_lookup_create(cfg, slot, c);
}

static __always_inline int hf_decide_create(struct hf_call *c)
{
	__u32 slot;
	struct hf_config *cfg = hf_active_config(&slot);

	if (!cfg)
		return 1;
	return hf_verdict_apply(cfg, slot, hf_find_create(cfg, slot, c), c);
}

static __always_inline int hf_decide_port(struct hf_call *c)
{
	__u32 slot;
	struct hf_config *cfg = hf_active_config(&slot);

	if (!cfg)
		return 1;
	return hf_verdict_apply(cfg, slot, hf_lookup_port(cfg, slot, c), c);
}

#endif
