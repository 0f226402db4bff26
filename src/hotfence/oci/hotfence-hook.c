// SPDX-License-Identifier: Apache-2.0
// hotfence-hook: hands one hotfence-runc step to `hotfence agent` without starting Python.
//
// A Python start costs 10-25 ms, paid per container by the wrapper's create and by the
// createRuntime and poststop hooks; the agent has everything loaded already. This client
// sends the step to the agent's socket and waits for its answer (hotfence.agent.handoff):
//
//   hotfence-hook prepare POLICY_DIR RUNC_ARGS...   the sh front, before `runc create`:
//       exit 0 (the bundle is ready: run runc), 1 (refused: the reason is on stderr and in
//       runc's log), 3 (no agent listens: the sh front starts Python instead). An agent that
//       takes the request and does not answer may have edited the bundle or not: the
//       container is refused (1) rather than prepared twice.
//   hotfence-hook hook PYTHON HOOK_ARGS...           an OCI hook, its state on stdin:
//       the hook's own exit; with no agent answering, this execs
//       `PYTHON -m hotfence.oci.runtime hook HOOK_ARGS...` with the same state on stdin
//   hotfence-hook poststop BUNDLE PYTHON              the poststop hook: claims the fence
//       record the createRuntime hook left in BUNDLE and returns at once; a child removes
//       the fence (`hook remove-recorded RECORD`, through the agent or Python). `docker run
//       --rm` waits for poststop, and the container and its cgroup are gone by then, so the
//       removal is cleanup, not protection. Claiming first matters: a container re-created
//       in the same bundle (`docker restart`) writes its own record, never taken here.
//
// Request, one line: {"op": "prepare"|"hook", "argv": [...], "cwd": "...", "state": STDIN}
// (argv: RUNC_ARGS with "--policy-dir", POLICY_DIR first, or HOOK_ARGS). Answer: the exit
// code in decimal, a newline, then text for stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define NO_AGENT 3
#define ID_FILE "hotfence-fence.json" // oci/common.py ID_FILE
#define MAX_STATE (1 << 20) // an OCI state is a few KB; annotations can grow it

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("hotfence-hook");
			exit(1);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void put_json_string(struct buf *b, const char *s)
{
	char esc[8];

	put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(b, esc, 6);
		} else {
			put(b, s, 1); // UTF-8 passes through; the agent decodes it
		}
	}
	put(b, "\"", 1);
}

// $HOTFENCE_AGENT_SOCKET, else agent.sock beside $HOTFENCE_STATE_DIR (as oci/common.py).
static void socket_path(char *out, size_t size)
{
	const char *env = getenv("HOTFENCE_AGENT_SOCKET");
	const char *state = getenv("HOTFENCE_STATE_DIR");
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", state && *state ? state : "/run/hotfence/fence");
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	snprintf(out, size, "%s/agent.sock", dir);
}

static int connect_agent(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *t = getenv("HOTFENCE_HANDOFF_TIMEOUT");
	struct timeval tv = { .tv_sec = t && atoi(t) > 0 ? atoi(t) : 20 };
	int fd;

	socket_path(addr.sun_path, sizeof(addr.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd); // no socket, nobody listening: the usual case without an agent
		return -1;
	}
	return fd;
}

static int read_all(int fd, struct buf *b, size_t max)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		put(b, chunk, (size_t)n);
		if (b->len > max)
			return -1;
	}
	return 0;
}

// Send the request, wait for the answer; its exit code, or -1 when the agent did not answer.
static int ask(int fd, const char *op, char **argv, const struct buf *state)
{
	struct buf req = { 0 }, ans = { 0 };
	char cwd[4096];
	char *end;
	long code;

	put(&req, "{\"op\": ", 7);
	put_json_string(&req, op);
	put(&req, ", \"argv\": [", 11);
	for (int i = 0; argv[i]; i++) {
		if (i)
			put(&req, ", ", 2);
		put_json_string(&req, argv[i]);
	}
	put(&req, "], \"cwd\": ", 10);
	put_json_string(&req, getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	if (state) {
		put(&req, ", \"state\": ", 11);
		put(&req, state->len ? state->p : "{}", state->len ? state->len : 2);
	}
	put(&req, "}\n", 2);
	if (write(fd, req.p, req.len) != (ssize_t)req.len || shutdown(fd, SHUT_WR) < 0 ||
	    read_all(fd, &ans, 1 << 20) < 0 || !ans.len)
		return -1;
	code = strtol(ans.p, &end, 10);
	if (end == ans.p || *end != '\n') {
		fprintf(stderr, "hotfence: the agent's answer is not one: %.200s\n", ans.p);
		return 1; // an agent that answers nonsense must not let a container start
	}
	fputs(end + 1, stderr);
	return (int)code;
}

// The hook, done by Python after all: the state it read goes back on stdin (a memfd).
static int python_hook(char **argv, const struct buf *state)
{
	int n = 0, fd;
	char **args;

	while (argv[n])
		n++;
	args = calloc((size_t)n + 4, sizeof(*args));
	if (!args)
		return 1;
	args[0] = argv[0];
	args[1] = "-m";
	args[2] = "hotfence.oci.runtime";
	args[3] = "hook";
	memcpy(args + 4, argv + 1, (size_t)(n - 1) * sizeof(*args));
	if (state) {
		fd = memfd_create("hotfence-state", 0);
		if (fd < 0 || write(fd, state->p, state->len) != (ssize_t)state->len ||
		    lseek(fd, 0, SEEK_SET) < 0 || dup2(fd, 0) < 0) {
			perror("hotfence-hook: state for the Python hook");
			return 1;
		}
		close(fd);
	}
	execv(args[0], args);
	fprintf(stderr, "hotfence-hook: cannot run %s: %s\n", args[0], strerror(errno));
	return 1;
}

// The hook, for argv (HOOK_ARGS after PYTHON), through the agent, else Python.
static int hook(char **argv, const struct buf *state)
{
	int fd = connect_agent(), code;

	if (fd < 0)
		return python_hook(argv, state);
	code = ask(fd, "hook", argv + 1, state);
	if (code >= 0)
		return code;
	// The fence is applied again here: applying is idempotent (fence apply replaces).
	fputs("hotfence: the agent did not answer; doing it here\n", stderr);
	return python_hook(argv, state);
}

static int poststop(const char *bundle, char *python)
{
	char record[4096], claimed[4200];
	struct buf rec = { 0 }, no_state = { 0 };
	int fd, null;

	snprintf(record, sizeof(record), "%s/" ID_FILE, bundle);
	snprintf(claimed, sizeof(claimed), "%s.removing.%d", record, (int)getpid());
	if (rename(record, claimed) < 0)
		return 0; // no fence recorded (or claimed already): nothing to do
	fd = open(claimed, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		read_all(fd, &rec, 65536);
		close(fd);
	}
	unlink(claimed);
	if (!rec.len)
		return 0; // unreadable: the fence stays, `fence status` shows it STALE
	while (rec.len && (rec.p[rec.len - 1] == '\n'))
		rec.p[--rec.len] = 0;
	if (fork() != 0)
		return 0; // runc waits for this process and for its output pipes: both end now
	setsid();
	null = open("/dev/null", O_RDWR);
	for (fd = 0; fd < 3; fd++)
		dup2(null, fd);
	char *args[] = { python, "remove-recorded", rec.p, NULL };
	return hook(args, &no_state);
}

int main(int argc, char **argv)
{
	struct buf state = { 0 };
	int fd, code;

	if (argc >= 3 && !strcmp(argv[1], "prepare")) {
		// argv[2] is POLICY_DIR: sent as runtime.py's own "--policy-dir" option
		argv[1] = "--policy-dir";
		fd = connect_agent();
		if (fd < 0)
			return NO_AGENT;
		code = ask(fd, "prepare", argv + 1, NULL);
		if (code < 0)
			fputs("hotfence-runc: the agent took the container and did not answer: "
			      "container not started (fail closed)\n", stderr);
		return code < 0 ? 1 : code;
	}
	if (argc >= 4 && !strcmp(argv[1], "hook")) {
		if (read_all(0, &state, MAX_STATE) < 0) {
			perror("hotfence-hook: reading the container's state");
			return 1;
		}
		return hook(argv + 2, &state);
	}
	if (argc == 4 && !strcmp(argv[1], "poststop"))
		return poststop(argv[2], argv[3]);
	fprintf(stderr, "usage: hotfence-hook prepare POLICY_DIR RUNC_ARGS... | "
			"hotfence-hook hook PYTHON HOOK_ARGS... | hotfence-hook poststop BUNDLE PYTHON\n");
	return 2;
}
