// SPDX-License-Identifier: GPL-2.0
/*
 * hotfence_crash: crashes the kernel on request, for hotfence's crash lab.
 *
 * Write a kind to /proc/hotfence_crash (or load with trigger=<kind>):
 *   null       NULL pointer dereference (read at offset 8)
 *   bug        BUG()
 *   warn       WARN_ON() once, then carries on
 *   gpf        general protection fault (read of a non-canonical address)
 *   softlockup spin with preemption disabled until the soft-lockup watchdog fires
 *   hung       sleep uninterruptibly forever (for the hung-task detector)
 *   panic      panic()
 *   kfence-uaf read a freed object KFENCE guards (boot with kfence.sample_interval=1):
 *              KFENCE reports it and the kernel carries on
 *   slub-redzone
 *              write one byte past a kmalloc object, then free it (boot with
 *              slub_debug=FZPU): SLUB's free checks report the redzone
 *   slub-poison
 *              write into a freed kmalloc object, then allocate from its cache again
 *              (boot with slub_debug=FZPU): SLUB's allocation checks report the poison
 *   hardlockup spin with interrupts disabled for 30 s: the hard-lockup detector (perf
 *              NMI, powerpc's own, or the buddy CPU's) reports it (boot with
 *              watchdog_thresh=2 for it to fire after 4 s; nmi_watchdog=panic panics)
 *   stack-overflow
 *              recurse with a 256-byte frame until the kernel stack runs out: with
 *              VMAP_STACK the guard page below it stops the kernel (stack overflow panic)
 *   rtnl       ASSERT_RTNL() without holding RTNL: the kernel's "RTNL: assertion failed
 *              at FILE (LINE)" (a WARN_ONCE since 4.x, printk and dump_stack() before),
 *              then carries on
 *   sysctl     register a sysctl table whose entry has no proc_handler: proc_sysctl.c's
 *              "sysctl table check failed: hotfence/bad No proc_handler" and dump_stack();
 *              the registration fails and the kernel carries on
 *   netns      arm the pernet init: the next HOTFENCE_NETNS_WAITERS new network
 *              namespaces wait forever in it, the one after crashes in a socket
 *              operation on a kernel socket of that namespace (netns kind)
 *
 * It also registers an "experimental" inet protocol, socket(AF_INET, SOCK_DGRAM, 253)
 * (253 is reserved for experimentation by RFC 3692), whose connect() dereferences NULL:
 * a crash reachable from user space only through the socket layer, as real socket-family
 * bugs are, so that a socket policy can fence it. Creating such a socket is harmless;
 * connect() on it crashes (socket-proto kind).
 *
 * Each crashing function is noinline and named after its kind, so the lab knows the
 * faulting function. ONLY for throw-away test guests.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/kfence.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/in.h>
#include <linux/net.h>
#include <net/inet_common.h>
#include <net/net_namespace.h>
#include <net/protocol.h>
#include <net/sock.h>

/* RFC 3692 experimental protocol number, unused by Linux */
#define HOTFENCE_IPPROTO 253

static char *trigger = "";
module_param(trigger, charp, 0);
MODULE_PARM_DESC(trigger, "crash kind to trigger at load time (see /proc/hotfence_crash)");

struct hotfence_obj {
	long a;
	long b;
};

/* volatile so the compiler cannot prove the faults and drop or fold them */
static struct hotfence_obj *volatile hotfence_null_obj;
/*
 * A 64-bit kernel faults on a non-canonical address (x86_64: general protection fault);
 * 32-bit ones have none, and the first page, never mapped, faults as the truncated
 * value always did.
 */
#if BITS_PER_LONG == 64
static unsigned long volatile hotfence_bad_addr = 0xdead000000000100UL;
#else
static unsigned long volatile hotfence_bad_addr = 0x100UL;
#endif
static int volatile hotfence_true = 1;
static int volatile hotfence_stop;
static DECLARE_COMPLETION(hotfence_never);
static unsigned long hotfence_counter;

/*
 * Placed first in .text: the oops "Code:" line shows 42 bytes before the RIP, and for
 * a fault in the first function of a module those bytes would be unmapped.
 */
static noinline __attribute__((noipa)) unsigned long hotfence_crash_pad(unsigned long x)
{
	unsigned long i, acc = x;

	for (i = 0; i < 8; i++)
		acc = acc * 31 + (i ^ x);
	hotfence_counter += acc;
	return acc;
}

static noinline __attribute__((noipa)) long hotfence_crash_null_deref(void)
{
	struct hotfence_obj *o = hotfence_null_obj;

	hotfence_crash_pad(1);
	return READ_ONCE(o->b);
}

static noinline __attribute__((noipa)) void hotfence_crash_bug(void)
{
	hotfence_crash_pad(2);
	BUG_ON(hotfence_true);
}

static noinline __attribute__((noipa)) void hotfence_crash_warn(void)
{
	hotfence_crash_pad(3);
	WARN_ON(hotfence_true);
}

static noinline __attribute__((noipa)) long hotfence_crash_gpf(void)
{
	long *p = (long *)hotfence_bad_addr;

	hotfence_crash_pad(4);
	return READ_ONCE(*p);
}

static noinline __attribute__((noipa)) void hotfence_crash_softlockup(void)
{
	hotfence_crash_pad(5);
	preempt_disable();
	while (!hotfence_stop)
		cpu_relax();
	preempt_enable();
}

static noinline __attribute__((noipa)) void hotfence_crash_hung(void)
{
	hotfence_crash_pad(6);
	wait_for_completion(&hotfence_never);
	/* a store after the call stops it being a tail call, keeping our frame */
	hotfence_stop = 1;
}

static noinline __attribute__((noipa)) void hotfence_crash_panic(void)
{
	hotfence_crash_pad(7);
	panic("hotfence_crash: panic requested by %s", current->comm);
}

static noinline __attribute__((noipa)) long hotfence_crash_kfence_uaf(void)
{
	char *p = NULL;
	long v;
	int i;

	/* KFENCE guards one allocation per sample interval: allocate until one is ours */
	for (i = 0; i < 20000; i++) {
		p = kmalloc(32, GFP_KERNEL);
		if (!p || is_kfence_address(p))
			break;
		kfree(p);
		p = NULL;
		usleep_range(500, 1000);
	}
	if (!p) {
		pr_err("hotfence_crash: no KFENCE object (boot with kfence.sample_interval=1)\n");
		return -ENODEV;
	}
	kfree(p);
	hotfence_crash_pad(8);
	v = READ_ONCE(*(volatile char *)p);
	/* a use after the read stops it being a tail call, keeping our frame */
	hotfence_stop = 0;
	return v;
}

static noinline __attribute__((noipa)) void hotfence_crash_slub_redzone(void)
{
	char *volatile p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return;
	hotfence_crash_pad(9);
	/*
	 * The byte after the object: kmalloc(32) is a 128-byte object where the minimum
	 * alignment is 128 (arm64 6.1), and with red zones ksize() is the object's size.
	 */
	p[ksize(p)] = 0x42;
	kfree(p);
}

static noinline __attribute__((noipa)) void hotfence_crash_slub_poison(void)
{
	char *volatile p = kmalloc(32, GFP_KERNEL);
	void *again[16];
	int i;

	if (!p)
		return;
	hotfence_crash_pad(10);
	kfree(p);
	/* a write after free: the freed object's poison (0x6b) is gone */
	p[0] = 0x42;
	/*
	 * A debug cache hands out the slab's first free object, the one just freed, and
	 * checks its poison on the way (alloc_debug_processing()). A few more in case
	 * another CPU took it: the report comes from whichever allocation meets it.
	 */
	for (i = 0; i < ARRAY_SIZE(again); i++)
		again[i] = kmalloc(32, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(again); i++)
		kfree(again[i]);
}

static noinline __attribute__((noipa)) unsigned long hotfence_crash_stack_overflow(unsigned long depth)
{
	volatile char buf[256];

	buf[0] = (char)depth;
	buf[sizeof(buf) - 1] = (char)depth;
	if (depth == ULONG_MAX)  /* never: keeps the compiler from calling it infinite */
		return 0;
	/* the use of buf after the call keeps each frame (no tail call) */
	return hotfence_crash_stack_overflow(depth + 1) + buf[0] + buf[sizeof(buf) - 1];
}

static noinline __attribute__((noipa)) void hotfence_crash_hardlockup(void)
{
	unsigned long flags;
	int i;

	local_irq_save(flags);
	for (i = 0; i < 30000; i++)
		mdelay(1);
	local_irq_restore(flags);
}

static noinline __attribute__((noipa)) void hotfence_crash_rtnl(void)
{
	hotfence_crash_pad(4);
	ASSERT_RTNL();
}

/* No .proc_handler: __register_sysctl_table()'s sysctl_check_table() refuses the table. */
static int hotfence_sysctl_value;
static struct ctl_table hotfence_bad_sysctl[] = {
	{
		.procname = "bad",
		.data = &hotfence_sysctl_value,
		.maxlen = sizeof(int),
		.mode = 0644,
	},
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	{}	/* the end marker, which 6.11's sized registration no longer reads */
#endif
};

static noinline __attribute__((noipa)) void hotfence_crash_sysctl(void)
{
	struct ctl_table_header *header;

	hotfence_crash_pad(5);
	header = register_sysctl("hotfence", hotfence_bad_sysctl);
	if (header)
		unregister_sysctl_table(header);
}

/*
 * The experimental protocol. Only socket(), connect() and close() do anything; the
 * other operations fail cleanly. sk_prot->init is deliberately absent: inet_create()
 * (6.1) calls it *before* the cgroup/sock_create BPF hook, so a crash there could not
 * be fenced by cgroup-BPF; connect() runs only after socket() has succeeded.
 */
static noinline __attribute__((noipa)) int hotfence_crash_proto_connect(struct socket *sock,
									struct sockaddr *uaddr,
									int addr_len, int flags)
{
	/*
	 * The "route" this protocol never set up: sk_user_data is NULL, like a missed
	 * initialisation. Read after the call so that sock stays live (in a callee-saved
	 * register) up to the fault, as a crashing function's arguments usually are.
	 */
	struct hotfence_obj *route;

	hotfence_crash_pad(8);
	route = READ_ONCE(sock->sk->sk_user_data);
	return (int)READ_ONCE(route->b);
}

static void hotfence_proto_close(struct sock *sk, long timeout)
{
	sk_common_release(sk);
}

static int hotfence_proto_hash(struct sock *sk)
{
	return 0; /* never looked up by address: nothing to hash */
}

static void hotfence_proto_unhash(struct sock *sk)
{
}

static struct proto hotfence_proto = {
	.name = "HOTFENCE",
	.owner = THIS_MODULE,
	.close = hotfence_proto_close,
	.hash = hotfence_proto_hash,
	.unhash = hotfence_proto_unhash,
	.obj_size = sizeof(struct inet_sock),
};

static const struct proto_ops hotfence_proto_ops = {
	.family = PF_INET,
	.owner = THIS_MODULE,
	.release = inet_release,
	.bind = sock_no_bind,
	.connect = hotfence_crash_proto_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.poll = datagram_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.sendmsg = sock_no_sendmsg,
	.recvmsg = sock_no_recvmsg,
	.mmap = sock_no_mmap,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
	/* 6.5 removed ->sendpage (splice goes through sendmsg with MSG_SPLICE_PAGES) */
	.sendpage = sock_no_sendpage,
#endif
};

static struct inet_protosw hotfence_protosw = {
	.type = SOCK_DGRAM,
	.protocol = HOTFENCE_IPPROTO,
	.prot = &hotfence_proto,
	.ops = &hotfence_proto_ops,
	.flags = 0,
};

/*
 * The netns kind: a pernet operation, run by copy_net_ns() -> setup_net() for every new
 * network namespace, the way the ipv6 multicast routing code of the seed crash runs.
 * Armed, it first parks HOTFENCE_NETNS_WAITERS namespaces being set up (a pile-up like
 * containers starting at once), then connects a kernel socket of the next namespace
 * with the experimental protocol, which crashes in hotfence_crash_proto_connect().
 */
#define HOTFENCE_NETNS_WAITERS 3
static atomic_t hotfence_netns_armed = ATOMIC_INIT(0);
static atomic_t hotfence_netns_parked = ATOMIC_INIT(0);

static noinline __attribute__((noipa)) int hotfence_crash_netns_init(struct net *net)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct socket *sock;
	int err;

	if (!atomic_read(&hotfence_netns_armed))
		return 0;
	if (atomic_inc_return(&hotfence_netns_parked) <= HOTFENCE_NETNS_WAITERS) {
		wait_for_completion(&hotfence_never);
		return 0;
	}
	err = sock_create_kern(net, AF_INET, SOCK_DGRAM, HOTFENCE_IPPROTO, &sock);
	if (err)
		return err;
	err = kernel_connect(sock, (struct sockaddr *)&addr, sizeof(addr), 0);
	sock_release(sock);
	return err;
}

static struct pernet_operations hotfence_net_ops = {
	.init = hotfence_crash_netns_init,
};

static int hotfence_crash_do(const char *kind)
{
	if (!strcmp(kind, "netns")) {
		atomic_set(&hotfence_netns_armed, 1);
		return 0;
	}
	if (!strcmp(kind, "null"))
		hotfence_crash_null_deref();
	else if (!strcmp(kind, "bug"))
		hotfence_crash_bug();
	else if (!strcmp(kind, "warn"))
		hotfence_crash_warn();
	else if (!strcmp(kind, "gpf"))
		hotfence_crash_gpf();
	else if (!strcmp(kind, "softlockup"))
		hotfence_crash_softlockup();
	else if (!strcmp(kind, "hung"))
		hotfence_crash_hung();
	else if (!strcmp(kind, "panic"))
		hotfence_crash_panic();
	else if (!strcmp(kind, "kfence-uaf"))
		return hotfence_crash_kfence_uaf() < 0 ? -ENODEV : 0;
	else if (!strcmp(kind, "slub-redzone"))
		hotfence_crash_slub_redzone();
	else if (!strcmp(kind, "slub-poison"))
		hotfence_crash_slub_poison();
	else if (!strcmp(kind, "stack-overflow"))
		hotfence_crash_stack_overflow(0);
	else if (!strcmp(kind, "hardlockup"))
		hotfence_crash_hardlockup();
	else if (!strcmp(kind, "rtnl"))
		hotfence_crash_rtnl();
	else if (!strcmp(kind, "sysctl"))
		hotfence_crash_sysctl();
	else
		return -EINVAL;
	return 0;
}

static ssize_t hotfence_crash_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char kind[32];
	size_t n = min(count, sizeof(kind) - 1);
	int err;

	if (copy_from_user(kind, ubuf, n))
		return -EFAULT;
	kind[n] = '\0';
	strim(kind);
	pr_info("hotfence_crash: triggering %s\n", kind);
	err = hotfence_crash_do(kind);
	return err ? err : count;
}

static const struct proc_ops hotfence_crash_ops = {
	.proc_write = hotfence_crash_write,
};

static int __init hotfence_crash_init(void)
{
	int err = proto_register(&hotfence_proto, 1);

	if (err)
		return err;
	if (!proc_create("hotfence_crash", 0200, NULL, &hotfence_crash_ops)) {
		proto_unregister(&hotfence_proto);
		return -ENOMEM;
	}
	inet_register_protosw(&hotfence_protosw);
	err = register_pernet_subsys(&hotfence_net_ops);
	if (err) {
		inet_unregister_protosw(&hotfence_protosw);
		proto_unregister(&hotfence_proto);
		remove_proc_entry("hotfence_crash", NULL);
		return err;
	}
	if (trigger[0])
		return hotfence_crash_do(trigger);
	return 0;
}

static void __exit hotfence_crash_exit(void)
{
	unregister_pernet_subsys(&hotfence_net_ops);
	inet_unregister_protosw(&hotfence_protosw); /* waits for RCU readers */
	proto_unregister(&hotfence_proto);
	remove_proc_entry("hotfence_crash", NULL);
}

module_init(hotfence_crash_init);
module_exit(hotfence_crash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Crashes the kernel on request, for hotfence's crash lab");
