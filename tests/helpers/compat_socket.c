/*
 * Makes sockets through the 32-bit (ia32 compat) system call entry, `int $0x80`, from a
 * 64-bit process: socket (ia32 nr 359), socketpair (360) and socketcall(SYS_SOCKET, ...)
 * (102). The syscall tracepoints skip compat calls, which is why `hotfence watch` needs
 * its own compat programs; this helper is what the test makes them see. Prints one line
 * per call: "fd N", "fds N M" or "-errno". Exit status 2: no ia32 emulation here.
 *
 * Built -no-pie -static so the buffers the kernel writes to sit below 4 GiB (a compat
 * call takes 32-bit pointers).
 */
#include <stdio.h>
#include <unistd.h>

#define IA32_SOCKETCALL 102
#define IA32_SOCKET 359
#define IA32_SOCKETPAIR 360
#define SYS_SOCKET 1

static int pair[2];
static unsigned int callargs[3];

static long int80(long nr, long a, long b, long c, long d)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return ret;
}

static void show(long ret)
{
	if (ret >= 0) {
		printf("fd %ld\n", ret);
		close((int)ret);
	} else {
		printf("%ld\n", ret);
	}
}

int main(void)
{
	long ret = int80(IA32_SOCKET, 2, 2, 0, 0); /* socket(AF_INET, SOCK_DGRAM, 0) */

	if (ret == -38) { /* ENOSYS: ia32 emulation is off */
		fprintf(stderr, "no ia32 system calls here\n");
		return 2;
	}
	show(ret);
	ret = int80(IA32_SOCKETPAIR, 1, 1, 0, (long)(unsigned long)pair); /* socketpair(AF_UNIX, SOCK_STREAM) */
	if (ret == 0)
		printf("fds %d %d\n", pair[0], pair[1]);
	else
		printf("%ld\n", ret);
	callargs[0] = 10; /* socketcall(SYS_SOCKET, {AF_INET6, SOCK_RAW, IPPROTO_ICMPV6}) */
	callargs[1] = 3;
	callargs[2] = 58;
	show(int80(IA32_SOCKETCALL, SYS_SOCKET, (long)(unsigned long)callargs, 0, 0));
	show(int80(IA32_SOCKET, 4242, 1, 0, 0)); /* EAFNOSUPPORT */
	return 0;
}
