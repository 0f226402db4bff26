/*
 * Makes sockets through io_uring (IORING_OP_SOCKET), not the socket() syscall, and
 * prints each completion's result: "fd N" or "-errno". For tests of `hotfence watch`.
 *
 *   uring_socket FAMILY TYPE PROTOCOL [FAMILY TYPE PROTOCOL ...]
 *
 * Raw system calls only (no liburing), one request at a time. Exit status 2 when
 * io_uring itself is unavailable (kernel.io_uring_disabled, seccomp, old kernel).
 */
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_setup(struct ring *r)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* One IORING_OP_SOCKET request, waited for; its cqe.res. */
static int uring_socket(struct ring *r, int family, int type, int protocol)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_SOCKET;
	sqe->fd = family;
	sqe->off = (unsigned)type;
	sqe->len = (unsigned)protocol;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1000;
	unsigned head = *r->cq_head;
	int res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

int main(int argc, char **argv)
{
	struct ring r;

	if (argc < 4 || (argc - 1) % 3) {
		fprintf(stderr, "usage: %s FAMILY TYPE PROTOCOL [...]\n", argv[0]);
		return 1;
	}
	if (ring_setup(&r) < 0) {
		perror("io_uring_setup");
		return 2;
	}
	for (int i = 1; i + 2 < argc; i += 3) {
		int res = uring_socket(&r, atoi(argv[i]), atoi(argv[i + 1]), atoi(argv[i + 2]));
		if (res == -1000) {
			perror("io_uring_enter");
			return 2;
		}
		if (res >= 0)
			printf("fd %d\n", res);
		else
			printf("%d\n", res);
	}
	return 0;
}
