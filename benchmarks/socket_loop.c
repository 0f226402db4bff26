/*
 * socket()+close() in a tight loop; prints nanoseconds per iteration.
 * Usage: socket_loop ITERATIONS FAMILY TYPE PROTOCOL
 * Used by benchmarks/fence_overhead.py, which runs it inside a fenced cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s ITERATIONS FAMILY TYPE PROTOCOL\n", argv[0]);
		return 2;
	}
	long n = atol(argv[1]);
	int family = atoi(argv[2]), type = atoi(argv[3]), protocol = atoi(argv[4]);
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = socket(family, type, protocol);
		if (fd < 0) {
			fprintf(stderr, "socket: %s\n", strerror(errno));
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f\n", ns / n);
	return 0;
}
