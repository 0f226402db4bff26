/*
 * The entrypoint of the test container image (tests/docker_helpers.py): its first system
 * calls are the socket() calls named on the command line, so a fence that is not in place
 * before the container's first instruction shows up as a success here.
 *
 *   sockprobe FAMILY TYPE PROTOCOL [FAMILY TYPE PROTOCOL ...]   numbers, e.g. 10 3 58
 *   sockprobe -s SECONDS FAMILY TYPE PROTOCOL ...                then sleep (a running container)
 *   sockprobe -l SECONDS FAMILY TYPE PROTOCOL                    call socket() in a loop for
 *                                                                SECONDS; print "calls N ok M"
 *   sockprobe                                                    exit 0 (a /bin/true)
 *
 * Prints one line per call: "ok" or "errno N", then "pid P" (the pid inside the
 * container). Static, so the image needs no libc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Enforcement must be continuous: count every call that got a socket while it looped. */
static int loop(int seconds, int family, int type, int protocol)
{
	long calls = 0, ok = 0;
	time_t end = time(NULL) + seconds;

	while (time(NULL) < end) {
		int fd = socket(family, type, protocol);
		calls++;
		if (fd >= 0) {
			ok++;
			close(fd);
		}
		usleep(1000);
	}
	printf("calls %ld ok %ld\n", calls, ok);
	return 0;
}

int main(int argc, char **argv)
{
	int results[64], n = 0, first = 1, sleep_s = 0;

	if (argc == 6 && strcmp(argv[1], "-l") == 0)
		return loop(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sleep_s = atoi(argv[2]);
		first = 3;
	}
	/* All socket() calls before any output: they are the first system calls after exec. */
	for (int i = first; i + 2 < argc && n < 64; i += 3, n++) {
		int fd = socket(atoi(argv[i]), atoi(argv[i + 1]), atoi(argv[i + 2]));
		results[n] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < n; i++) {
		if (results[i])
			printf("errno %d\n", results[i]);
		else
			printf("ok\n");
	}
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	if (sleep_s)
		sleep(sleep_s);
	return 0;
}
