/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI shared by the BPF programs and user space (hotfence.fence.abi mirrors every
 * struct here with ctypes; tests/test_bpf_build.py checks the sizes and the lookup
 * tables against hotfence/fence/compiled.py).
 *
 * Policies live in hash maps whose keys carry a `slot` (0 or 1). A new policy is
 * written completely into the inactive slot, then one 4-byte write to hf_active flips
 * to it; the old slot is deleted afterwards. Only the low byte of hf_active changes
 * (0 <-> 1), so a program can never read a torn value.
 */
#ifndef HOTFENCE_COMMON_H
#define HOTFENCE_COMMON_H

#define HF_ANY 0xFFFF      /* wildcard for a u16 key field (compiled.ANY) */
#define HF_ANY_KERN 2      /* kern wildcard (compiled.ANY_KERN) */

#define HF_MAX_RULES 16384 /* rule ids per slot; HF_DEFAULT_RULE counts the default */
#define HF_DEFAULT_RULE HF_MAX_RULES
#define HF_COUNTERS_PER_SLOT (HF_MAX_RULES + 1)
/* hf_counters index of (slot, rule): rule-major with the default first, so that a map of
 * 2 * (n + 1) entries holds a policy of n rules (the loader sizes it: a per-CPU array
 * costs its allocation per entry, ~13 ms at the full 2 * HF_COUNTERS_PER_SLOT). */
#define HF_COUNTER_INDEX(slot, rule_id) \
	((((rule_id) == HF_DEFAULT_RULE ? 0 : (rule_id) + 1) << 1) + (slot))
#define HF_CREATE_ENTRIES 65536   /* both slots together */
#define HF_PORT_ENTRIES 1048576   /* both slots; port ranges are expanded */

/*
 * The direct-index table (hf_fast): for the families most sockets are made in, every
 * (type < 16, protocol < 256, kern) cell holds its final verdict, the wildcard
 * fallbacks already resolved by user space (fence/fast_table.py). One array read
 * then replaces the hash look-ups, whatever the number of rules; calls outside the
 * table (other families, larger protocols) take the hash path.
 */
#define HF_FAST_FAMILIES {1, 2, 10, 16}  /* AF_UNIX, AF_INET, AF_INET6, AF_NETLINK */
#define HF_N_FAST_FAMILIES 4
#define HF_FAST_TYPES 16
#define HF_FAST_PROTOS 256
#define HF_FAST_PER_SLOT (HF_N_FAST_FAMILIES * HF_FAST_TYPES * HF_FAST_PROTOS * 2)

/* compiled.Action */
#define HF_ALLOW 0
#define HF_DENY 1
#define HF_AUDIT 2

/* compiled.Hook */
#define HF_HOOK_CREATE 0
#define HF_HOOK_BIND 1
#define HF_HOOK_CONNECT 2

/* hf_event.verdict */
#define HF_EV_DENY 1       /* denied (enforce mode) */
#define HF_EV_WOULD_DENY 2 /* audit mode: a deny that was allowed */
#define HF_EV_AUDIT 3      /* the rule's action is `audit` */

/* Which key fields a shape uses: the call's own value when set, else the wildcard. */
#define HF_USE_FAMILY 1
#define HF_USE_TYPE 2
#define HF_USE_PROTO 4
#define HF_USE_KERN 8
#define HF_PUSE_FAMILY 1
#define HF_PUSE_PROTO 2
#define HF_PUSE_PORT 4

/* compiled.CREATE_LOOKUP_ORDER, most specific first. */
#define HF_CREATE_SHAPES {15, 7, 11, 3, 13, 5, 9, 1, 8}
#define HF_N_CREATE_SHAPES 9
/* compiled.PORT_LOOKUP_ORDER, most specific first. */
#define HF_PORT_SHAPES {7, 6, 5, 4, 3, 2, 1}
#define HF_N_PORT_SHAPES 7

struct hf_create_key {      /* compiled.CreateKey + slot */
	__u32 slot;
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 kern;
};

struct hf_port_key {        /* compiled.PortKey + slot */
	__u32 slot;
	__u16 hook;
	__u16 family;
	__u16 protocol;
	__u16 port;             /* host byte order */
};

struct hf_verdict {         /* compiled.Verdict */
	__u32 rule_id;
	__u32 action;
};

struct hf_config {          /* one per slot, in hf_config[slot] */
	__u32 loaded;           /* 0: slot empty, everything is allowed */
	__u32 enforce;          /* 0 = audit mode */
	__u32 default_action;
	__u32 create_shapes;    /* bit i: some create key has shape HF_CREATE_SHAPES[i] */
	__u32 port_shapes;      /* bits 8*hook + i: some port key of that hook has shape i */
	__u32 n_rules;
	__u64 create_families;  /* bit f: some create key names family f (< 64); lets the
	                         * common call of a family no rule names skip every hash
	                         * look-up of the shapes that use the family */
	__u32 flags;            /* HF_CFG_* */
	__u32 pad;
};

/* hf_config.flags */
/* Count per calling task's cgroup (hf_cg_counters), not per object (hf_counters): the
 * object is attached to many cgroups (the agent's one object per policy). */
#define HF_CFG_COUNT_BY_CGROUP 1

struct hf_cg_counter_key {  /* hf_cg_counters: a cgroup's counter of one (slot, rule) */
	__u64 cgroup_id;
	__u32 index;            /* HF_COUNTER_INDEX(slot, rule_id) */
	__u32 pad;
};

struct hf_counter {         /* per CPU, index HF_COUNTER_INDEX(slot, rule_id) */
	__u64 hits;
	__u64 denies;           /* in audit mode: would-deny */
};

struct hf_stats {           /* per CPU, index 0 */
	__u64 events;           /* events written to the ring buffer */
	__u64 lost;             /* bpf_ringbuf_reserve failed: ring buffer full */
	__u64 uncounted;        /* calls whose cgroup hf_cg_counters had no room for */
};

struct hf_event {
	__u64 cgroup_id;
	__u32 pid;              /* thread id */
	__u32 tgid;             /* process id */
	__u32 uid;
	__u32 netns;            /* network namespace inode */
	__u32 rule_id;          /* HF_DEFAULT_RULE: the policy default decided */
	__u16 family;
	__u16 type;
	__u16 protocol;
	__u16 port;             /* bind/connect only, host byte order */
	__u8 hook;
	__u8 verdict;           /* HF_EV_* */
	__u8 kern;
	__u8 pad;
	char comm[16];
	__u64 boot_ns;          /* bpf_ktime_get_boot_ns(): when, on CLOCK_BOOTTIME */
};

#endif
