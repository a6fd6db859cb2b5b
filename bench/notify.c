/* bench/notify: what one syscall served by sandlock's supervisor costs,
 * against the same syscall un-notified and against the smallest possible
 * supervisor (bench/notify_ref: RECV, then SEND with CONTINUE).  A fourth
 * column, for orientation, is the same reference doing in its receiving
 * thread the least that connecting on the caller's behalf needs
 * (notify_ref --on-behalf): what is left between it and sandlock is
 * sandlock's own cost (thread hand-off, checks, events), not the design's.
 *
 * Two syscalls, one per run (--syscall):
 *   open (the "open+close"): open() and close() of a file under a
 *   policy with a host rule, which makes the supervisor take every open (to
 *   give /etc/hosts its pinned view): it reads the path from the caller's
 *   memory, checks the request is still pending and continues it.  The
 *   reference traps openat() (notify_ref --open).  This is the cost of a
 *   notified syscall that sandlock judges by reading memory.
 *   connect (default):
 * The syscall is connect() of a UDP socket to 127.0.0.1:9: the rule
 * `--net-allow udp://127.0.0.1:9` needs the supervisor (BPF cannot read the
 * sockaddr), which serves it in full: it copies the caller's socket with
 * pidfd_getfd, reads and judges the sockaddr and connects on the caller's
 * behalf.  A UDP connect sends nothing and can be repeated on one socket, so
 * the loop measures the notification path and little else.
 *
 * Each measured process is this program re-executed as the workload
 * (`notify --child connect N WARMUP`): it makes WARMUP unmeasured calls,
 * then N calls each timed with CLOCK_MONOTONIC, and writes the N times to
 * stdout, a pipe back to us.  Process start-up is therefore excluded.  The
 * modes are interleaved (a b b1 b2 c a b ...) for ROUNDS rounds so that
 * frequency scaling and noisy neighbours hit every column alike, and every
 * call of every round counts towards the mode's median.
 *
 * By default nothing is pinned, as in real use: the supervisor's thread and
 * the caller are wherever the scheduler puts them, and a round trip
 * includes waking the other side (the orientation figure, a 22 µs
 * reference round trip, is this).  `--cpu N` runs everything on CPU N
 * (children inherit the affinity): a round trip is then the CPU work of both
 * sides plus same-CPU switches, the view that isolates sandlock's own work.
 * (Unpinned runs used to swing from 40 to 140 µs when every call went to a
 * worker thread; non-blocking calls are now answered by the receiving
 * thread.)  Column (b1) is the reference with the wake-up flag sandlock
 * sets, so that the flag's share of the difference is visible.
 *
 * Before measuring sandlock, a probe run checks that the supervisor really
 * judges the call: the allowed destination must connect and port 10 must
 * be refused.  When that fails (an older sandlock that rejects the rule, or
 * one that accepts it without serving it) the sandlock column is reported as
 * "not measured" with the reason, never with numbers.
 *
 * usage: notify SANDLOCK [-n CALLS] [-r ROUNDS] [-w WARMUP] [--cpu N|none]
 *               [--syscall connect|open] [--strict]
 * Output is Markdown (bench/run.sh pastes it into bench/RESULTS.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

const char *bench_name = "notify";

extern char **environ;

#define DEFAULT_CALLS 5000
#define DEFAULT_ROUNDS 10
#define DEFAULT_WARMUP 500
#define MIN_ROUNDS 3
#define ALLOWED_PORT 9 /* discard; nothing needs to listen: UDP connect sends nothing */
#define DENIED_PORT 10
#define NET_RULE "udp://127.0.0.1:9"
/* --syscall open: a host rule makes the supervisor take every open (to give
 * /etc/hosts its pinned view); any other path is read and continued. */
#define HOST_RULE "tcp://localhost:9"

/* Target, as a ratio of medians (issue 4). */
#define TARGET_VS_REF 1.5

enum { COL_BARE, COL_REF, COL_REF_SYNC, COL_REF_FULL, COL_SANDLOCK, N_COLS };

struct column {
	const char *name;  /* for messages */
	const char *label; /* for the table */
	char **argv;       /* argv[0] is the absolute path spawned; owned */
	bool enabled;
	int64_t *ns; /* rounds * calls samples; owned */
};

struct opts {
	const char *sandlock;
	bool open; /* --syscall open, else connect */
	long calls, rounds, warmup;
	long cpu; /* -1: not pinned */
	bool strict;
};




/* ---- the workload, run as `notify --child ...` in every mode ---- */

static int child_net(int argc, char **argv);

static int udp_connect(int fd, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* `--child probe`: prints nothing and exits 0 when the allowed connect
 * works and the denied one is refused; otherwise prints why and exits 1. */
static int child_probe(int fd)
{
	if (udp_connect(fd, ALLOWED_PORT) < 0) {
		printf("connect() to the allowed 127.0.0.1:%d failed inside the sandbox: %s\n",
		       ALLOWED_PORT, strerror(errno));
		return 1;
	}
	if (udp_connect(fd, DENIED_PORT) == 0) {
		printf("connect() to 127.0.0.1:%d, which the rule does not allow, succeeded: "
		       "the supervisor does not judge connect()\n",
		       DENIED_PORT);
		return 1;
	}
	return 0;
}

static int child_connect(int fd, long calls, long warmup)
{
	int64_t *ns = calloc((size_t)calls, sizeof(*ns));

	if (!ns)
		return 1;
	for (long i = 0; i < warmup; i++)
		if (udp_connect(fd, ALLOWED_PORT) < 0)
			goto fail;
	for (long i = 0; i < calls; i++) {
		int64_t t0 = now_ns();

		if (udp_connect(fd, ALLOWED_PORT) < 0)
			goto fail;
		ns[i] = now_ns() - t0;
	}
	return write_all(STDOUT_FILENO, ns, (size_t)calls * sizeof(*ns)) < 0;
fail:
	fprintf(stderr, "notify: failure: connect() to 127.0.0.1:%d: %s\n", ALLOWED_PORT,
		strerror(errno));
	return 1;
}

/* `--child probe-open`: exits 0 when opens are served by the supervisor
 * (the sandbox sees the pinned /etc/hosts), else prints why, exits 1. */
static int child_probe_open(void)
{
	char buf[4096] = "";
	int fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (n > 0 && strstr(buf, "generated by sandlock"))
		return 0;
	printf("/etc/hosts inside the sandbox is not the pinned view: the supervisor does not "
	       "serve open()\n");
	return 1;
}

/* `--child open N WARMUP`: open() and close() of our own binary, timed
 * together (the "open+close"). */
static int child_open(const char *path, long calls, long warmup)
{
	int64_t *ns = calloc((size_t)calls, sizeof(*ns));

	if (!ns)
		return 1;
	for (long i = -warmup; i < calls; i++) {
		int64_t t0 = now_ns();
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "notify: failure: open('%s'): %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
		if (i >= 0)
			ns[i] = now_ns() - t0;
	}
	return write_all(STDOUT_FILENO, ns, (size_t)calls * sizeof(*ns)) < 0;
}

static int child_main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n;

	if (argc == 3 && strcmp(argv[2], "probe-open") == 0)
		return child_probe_open();
	if (argc == 5 && strcmp(argv[2], "open") == 0) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return 1;
		self[n] = '\0';
		return child_open(self, parse_count(argv[3], "call count", 1, 10000000),
				  parse_count(argv[4], "warm-up count", 0, 10000000));
	}
	return child_net(argc, argv);
}

static int child_net(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		printf("socket(AF_INET, SOCK_DGRAM) failed inside the sandbox: %s\n",
		       strerror(errno));
		return 1;
	}
	if (argc == 3 && strcmp(argv[2], "probe") == 0)
		return child_probe(fd);
	if (argc == 5 && strcmp(argv[2], "connect") == 0)
		return child_connect(fd, parse_count(argv[3], "call count", 1, 10000000),
				     parse_count(argv[4], "warm-up count", 0, 10000000));
	fputs("usage: notify --child probe|probe-open | --child connect|open N WARMUP\n", stderr);
	return 2;
}

/* ---- the driver ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: notify SANDLOCK [-n CALLS] [-r ROUNDS] [-w WARMUP] [--cpu N|none] "
		"[--strict]\n"
		"  SANDLOCK          path of the sandlock binary to measure\n"
		"  -n, --calls N     timed connect() calls per process (default %d)\n"
		"  -r, --rounds N    processes per mode, interleaved (default %d, at least %d)\n"
		"  -w, --warmup N    untimed calls first in each process (default %d)\n"
		"      --cpu N|none  run everything on CPU N (default: none, not pinned)\n"
		"      --syscall connect|open\n"
		"                    the measured call (default connect, see above)\n"
		"  -s, --strict      exit 1 if the target is missed\n",
		DEFAULT_CALLS, DEFAULT_ROUNDS, MIN_ROUNDS, DEFAULT_WARMUP);
}

static void pin(long cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("cannot run on CPU %ld: %s", cpu, strerror(errno));
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "calls", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "syscall", required_argument, NULL, 'y' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .calls = DEFAULT_CALLS, .rounds = DEFAULT_ROUNDS,
			    .warmup = DEFAULT_WARMUP, .cpu = -1 };
	while ((c = getopt_long(argc, argv, "n:r:w:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->calls = parse_count(optarg, "call count", 100, 1000000);
			break;
		case 'r':
			o->rounds = parse_count(optarg, "round count", MIN_ROUNDS, 1000);
			break;
		case 'w':
			o->warmup = parse_count(optarg, "warm-up count", 0, 1000000);
			break;
		case 'c':
			o->cpu = strcmp(optarg, "none") == 0
					 ? -1
					 : parse_count(optarg, "CPU", 0, CPU_SETSIZE - 1);
			break;
		case 'y':
			if (strcmp(optarg, "open") && strcmp(optarg, "connect"))
				die("invalid --syscall '%s': expected open or connect", optarg);
			o->open = strcmp(optarg, "open") == 0;
			break;
		case 's':
			o->strict = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		exit(2);
	}
	o->sandlock = argv[optind];
}

/* Starts argv with stdin on /dev/null and stdout (and stderr too when
 * both_out) on a pipe; returns the pid and the pipe's read end in *rd. */
static pid_t spawn_piped(char *const *argv, bool both_out, int *rd)
{
	volatile int exec_err = 0;
	int p[2], null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid;

	if (null < 0 || pipe2(p, O_CLOEXEC) < 0)
		die("cannot make the child's pipe: %s", strerror(errno));
	pid = vfork();
	if (pid == 0) {
		/* Shares our memory until execve: syscalls only, then _exit. */
		if (dup2(null, STDIN_FILENO) < 0 || dup2(p[1], STDOUT_FILENO) < 0 ||
		    (both_out && dup2(p[1], STDERR_FILENO) < 0)) {
			exec_err = errno;
			_exit(127);
		}
		execve(argv[0], argv, environ);
		exec_err = errno;
		_exit(127);
	}
	close(null);
	close(p[1]);
	if (pid < 0 || exec_err)
		die("cannot start '%s': %s", argv[0], strerror(pid < 0 ? errno : exec_err));
	*rd = p[0];
	return pid;
}

/* Reads until EOF or len bytes; returns the byte count. */
static size_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("cannot wait for a child: %s", strerror(errno));
	return st;
}


/* One process of col: calls samples into ns (NULL: a warm-up run).  Every
 * run must deliver all its samples and exit 0. */
static void run_round(const struct column *col, long calls, int64_t *ns)
{
	size_t len = (size_t)calls * sizeof(int64_t);
	int64_t *buf = ns ? ns : malloc(len);
	char why[64];
	size_t got;
	int rd, st;
	pid_t pid;

	if (!buf)
		die("out of memory");
	pid = spawn_piped(col->argv, false, &rd);
	got = read_full(rd, buf, len);
	close(rd);
	st = reap(pid);
	if (buf != ns)
		free(buf);
	if (st == 0 && got == len)
		return;
	describe_status(st, why, sizeof(why));
	die("aborting: a %s run failed (%s, %zu of %zu bytes of samples)", col->name, why, got,
	    len);
}

/* The sandlock column is measured only when the supervisor judges the
 * call: returns true, or false with the reason in why. */
static bool sandlock_judges(char *const *probe_argv, char *why, size_t len)
{
	char out[512];
	size_t got;
	int rd, st;
	pid_t pid = spawn_piped(probe_argv, true, &rd);

	got = read_full(rd, out, sizeof(out) - 1);
	close(rd);
	st = reap(pid);
	if (st == 0)
		return true;
	out[got] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (out[0])
		snprintf(why, len, "%s", out);
	else
		describe_status(st, why, len);
	return false;
}





static void measure(struct column *cols, const struct opts *o)
{
	size_t per = (size_t)o->calls;

	for (int c = 0; c < N_COLS; c++) {
		if (!cols[c].enabled)
			continue;
		cols[c].ns = calloc(per * (size_t)o->rounds, sizeof(int64_t));
		if (!cols[c].ns)
			die("out of memory");
		run_round(&cols[c], o->calls, NULL);
	}
	for (long r = 0; r < o->rounds; r++)
		for (int c = 0; c < N_COLS; c++)
			if (cols[c].enabled)
				run_round(&cols[c], o->calls, cols[c].ns + (size_t)r * per);
}

/* Prints the tables; returns false if a checked target was missed. */
static bool report(struct column *cols, const struct opts *o, const char *skip_why)
{
	size_t n = (size_t)o->calls * (size_t)o->rounds;
	struct summary s[N_COLS];
	bool ok = true;

	if (o->open)
		printf("notify: open()+close() of a file, ");
	else
		printf("notify: connect() of a UDP socket to 127.0.0.1:%d, ", ALLOWED_PORT);
	printf("%ld timed calls per process after %ld untimed, %ld processes per mode, "
	       "interleaved; time per call from clock_gettime; ",
	       o->calls, o->warmup, o->rounds);
	if (o->cpu >= 0)
		printf("everything on CPU %ld\n\n", o->cpu);
	else
		printf("not pinned\n\n");
	printf("| mode | median µs | p10 µs | p90 µs |\n|---|---:|---:|---:|\n");
	for (int c = 0; c < N_COLS; c++) {
		if (!cols[c].enabled) {
			printf("| %s | not measured | | |\n", cols[c].label);
			continue;
		}
		s[c] = summarize(cols[c].ns, n, 1e3);
		printf("| %s | %.2f | %.2f | %.2f |\n", cols[c].label, s[c].median, s[c].p10,
		       s[c].p90);
	}
	printf("\n| ratio of medians | measured | target | result |\n|---|---:|---:|---|\n");
	printf("| reference / bare | %.2f× | | |\n", s[COL_REF].median / s[COL_BARE].median);
	if (cols[COL_REF_FULL].enabled)
		printf("| on-behalf reference / reference | %.2f× | | |\n",
		       s[COL_REF_FULL].median / s[COL_REF].median);
	if (!cols[COL_SANDLOCK].enabled) {
		printf("| sandlock / reference | not measured | ≤ %.2f× | SKIP |\n", TARGET_VS_REF);
		printf("\nsandlock: not measured (%s)\n", skip_why);
		return true;
	}
	ok = s[COL_SANDLOCK].median / s[COL_REF].median <= TARGET_VS_REF;
	printf("| sandlock / reference | %.2f× | ≤ %.2f× | %s |\n",
	       s[COL_SANDLOCK].median / s[COL_REF].median, TARGET_VS_REF, ok ? "PASS" : "MISS");
	printf("| sandlock / reference with sync wake-ups | %.2f× | | |\n",
	       s[COL_SANDLOCK].median / s[COL_REF_SYNC].median);
	if (cols[COL_REF_FULL].enabled)
		printf("| sandlock / on-behalf reference | %.2f× | | |\n",
		       s[COL_SANDLOCK].median / s[COL_REF_FULL].median);
	printf("| sandlock / bare | %.2f× | | |\n", s[COL_SANDLOCK].median / s[COL_BARE].median);
	return ok;
}

/* argv = prefix (NULL-terminated) + the workload's argv. */
static char **make_argv(const char *const *prefix, const char *const *work)
{
	size_t np = 0, nw = 0;
	char **v;

	while (prefix[np])
		np++;
	while (work[nw])
		nw++;
	v = calloc(np + nw + 1, sizeof(*v));
	if (!v)
		die("out of memory");
	memcpy(v, prefix, np * sizeof(*v));
	memcpy(v + np, work, nw * sizeof(*v));
	return v;
}

static void self_paths(char *self, char *ref)
{
	ssize_t n = readlink("/proc/self/exe", self, PATH_MAX - 1);
	char *slash;

	if (n < 0)
		die("cannot find our own binary: %s", strerror(errno));
	self[n] = '\0';
	snprintf(ref, PATH_MAX, "%s", self);
	slash = strrchr(ref, '/');
	snprintf(slash + 1, (size_t)(PATH_MAX - (slash + 1 - ref)), "notify_ref");
	if (access(ref, X_OK) < 0)
		die("cannot execute the reference supervisor '%s': %s (build it with 'make bench')",
		    ref, strerror(errno));
}

int main(int argc, char **argv)
{
	static char self[PATH_MAX], ref[PATH_MAX], calls_s[24], warm_s[24], why[512];
	struct column cols[N_COLS] = {
		[COL_BARE] = { "bare", "(a) bare `connect()`", NULL, true, NULL },
		[COL_REF] = { "reference", "(b) reference supervisor (`notify_ref`: RECV, CONTINUE)",
			      NULL, true, NULL },
		[COL_REF_SYNC] = { "sync reference",
				   "(b1) reference with sync wake-ups (`notify_ref --sync`: "
				   "the listener flag sandlock sets)",
				   NULL, true, NULL },
		[COL_REF_FULL] = { "on-behalf reference",
				   "(b2) on-behalf reference (`notify_ref --on-behalf`: RECV, "
				   "pidfd_getfd, read sockaddr, ID_VALID, connect, SEND)",
				   NULL, true, NULL },
		[COL_SANDLOCK] = { "sandlock", "(c) `sandlock run -S -r notify --net-allow " NET_RULE "`",
				   NULL, true, NULL },
	};
	struct opts o;
	bool ok;

	if (argc >= 2 && strcmp(argv[1], "--child") == 0)
		return child_main(argc, argv);
	parse_opts(argc, argv, &o);
	pin(o.cpu);
	if (access(o.sandlock, X_OK) < 0)
		die("cannot execute sandlock '%s': %s", o.sandlock, strerror(errno));
	self_paths(self, ref);
	snprintf(calls_s, sizeof(calls_s), "%ld", o.calls);
	snprintf(warm_s, sizeof(warm_s), "%ld", o.warmup);
	{
		const char *work[] = { self, "--child", o.open ? "open" : "connect", calls_s, warm_s,
				       NULL };
		const char *probe[] = { self, "--child", o.open ? "probe-open" : "probe", NULL };
		const char *none[] = { NULL };
		const char *refp[] = { ref, o.open ? "--open" : NULL, NULL };
		const char *fullp[] = { ref, "--on-behalf", NULL };
		const char *syncp[] = { ref, "--sync", o.open ? "--open" : NULL, NULL };
		const char *sl[] = { o.sandlock, "run", "-S", "-r", self,
				     "--net-allow", o.open ? HOST_RULE : NET_RULE, "--", NULL };
		char **probe_argv = make_argv(sl, probe);

		cols[COL_BARE].argv = make_argv(none, work);
		cols[COL_REF].argv = make_argv(refp, work);
		cols[COL_REF_FULL].argv = make_argv(fullp, work);
		cols[COL_REF_SYNC].argv = make_argv(syncp, work);
		cols[COL_SANDLOCK].argv = make_argv(sl, work);
		cols[COL_SANDLOCK].enabled = sandlock_judges(probe_argv, why, sizeof(why));
		if (o.open) {
			/* Opens are continued, not performed on the caller's
			 * behalf: that reference does not apply. */
			cols[COL_REF_FULL].enabled = false;
			cols[COL_BARE].label = "(a) bare `open()`+`close()`";
			cols[COL_SANDLOCK].label = "(c) `sandlock run -S -r notify --net-allow "
						   HOST_RULE "` (reads the path, continues)";
		}
		free(probe_argv);
	}
	if (!cols[COL_SANDLOCK].enabled)
		fprintf(stderr, "\n*** NOTE: sandlock: not measured (%s) ***\n\n", why);
	measure(cols, &o);
	ok = report(cols, &o, why);
	for (int c = 0; c < N_COLS; c++) {
		free(cols[c].ns);
		free(cols[c].argv);
	}
	if (fflush(stdout) != 0)
		die("cannot write the results: %s", strerror(errno));
	return o.strict && !ok ? 1 : 0;
}
