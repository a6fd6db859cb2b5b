/* bench/startup: how much wall time `sandlock run -S` adds to starting a
 * program, against the bare program and against bubblewrap, all measured in
 * the same run.
 *
 * The three commands are interleaved (A B C A B C ...) so that frequency
 * scaling, page-cache state and noisy neighbours hit every column alike; a
 * ratio of medians from one run is the number we track, never an absolute
 * time compared across machines.  No shell sits in the measured path: each
 * run is vfork() + execve() + waitpid() timed with CLOCK_MONOTONIC.  vfork,
 * as glibc's posix_spawn uses, keeps our own fork cost small and equal in
 * every column; posix_spawn itself is out of reach because -Icore makes
 * <spawn.h> resolve to core/spawn.h.  Every child gets stdin and stdout on
 * /dev/null, so sandlock's terminal hand-over (done only when stdin is a
 * foreground tty) does not depend on how the benchmark was started; stderr
 * is inherited so that failures stay visible.
 *
 * usage: startup SANDLOCK [-n RUNS] [-w WARMUP] [--strict]
 * Output is Markdown (bench/run.sh pastes it into bench/RESULTS.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

const char *bench_name = "startup";

extern char **environ;

#define DEFAULT_RUNS 300
#define MIN_RUNS 200
#define DEFAULT_WARMUP 20
#define BWRAP_PATH "/usr/bin/bwrap"

/* Targets, as ratios of medians. */
#define TARGET_VS_BARE 2.6
#define TARGET_VS_BWRAP 0.75

enum { COL_BARE, COL_SANDLOCK, COL_BWRAP, N_COLS };

struct column {
	const char *name;  /* for messages */
	const char *label; /* for the table */
	char *const *argv; /* argv[0] is the absolute path spawned */
	bool enabled;
	int64_t *ns; /* one sample per measured run; owned */
};

/* The child's stdin and stdout, opened once, close-on-exec. */
struct devnull {
	int in, out;
};

struct opts {
	const char *sandlock;
	long runs;
	long warmup;
	bool strict; /* exit 1 if a target is missed */
};



static void usage(FILE *out)
{
	fprintf(out, "usage: startup SANDLOCK [-n RUNS] [-w WARMUP] [--strict]\n"
		     "  SANDLOCK        path of the sandlock binary to measure\n"
		     "  -n, --runs N    measured runs per command (default %d, at least %d)\n"
		     "  -w, --warmup N  unmeasured runs per command first (default %d)\n"
		     "  -s, --strict    exit 1 if a target is missed\n",
		DEFAULT_RUNS, MIN_RUNS, DEFAULT_WARMUP);
}


static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ NULL, DEFAULT_RUNS, DEFAULT_WARMUP, false };
	while ((c = getopt_long(argc, argv, "n:w:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->runs = parse_count(optarg, "run count", MIN_RUNS, 1000000);
			break;
		case 'w':
			o->warmup = parse_count(optarg, "warm-up count", 0, 1000000);
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

/* Runs argv once with stdin/stdout on /dev/null; returns the wait status,
 * or -errno if it could not be started (exec failures come back as -errno
 * through the shared vfork memory).  *ns gets the wall time from just before
 * the vfork to just after the reap. */
static int run_once(const struct devnull *dn, char *const *argv, int64_t *ns)
{
	volatile int exec_err = 0;
	int64_t t0, t1;
	pid_t pid;
	int st;

	t0 = now_ns();
	pid = vfork();
	if (pid == 0) {
		/* Shares our memory until execve: syscalls only, then _exit. */
		if (dup2(dn->in, STDIN_FILENO) < 0 || dup2(dn->out, STDOUT_FILENO) < 0) {
			exec_err = errno;
			_exit(127);
		}
		execve(argv[0], argv, environ);
		exec_err = errno;
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	t1 = now_ns();
	*ns = t1 - t0;
	return exec_err ? -exec_err : st;
}


/* Every measured run must succeed: a failing run is usually much faster than
 * a good one and would flatter the numbers. */
static void run_checked(const struct devnull *dn, const struct column *col,
			int64_t *ns)
{
	int64_t scratch;
	int st = run_once(dn, col->argv, ns ? ns : &scratch);
	char why[128];

	if (st == 0)
		return;
	describe_status(st, why, sizeof(why));
	die("aborting: %s run failed (%s); every run must exit 0", col->name, why);
}





/* Prints one target row; returns true if met. */
static bool print_target(const char *what, double ratio, double target)
{
	bool ok = ratio <= target;

	printf("| %s | %.2f× | ≤ %.2f× | %s |\n", what, ratio, target, ok ? "PASS" : "MISS");
	return ok;
}

/* bubblewrap is the comparison, not the subject: without it, or without the
 * namespaces it needs, say so loudly and measure the rest. */
static bool bwrap_usable(const struct devnull *dn, char *const *argv)
{
	char why[128];
	int64_t ns;
	int st;

	if (access(argv[0], X_OK) < 0) {
		fprintf(stderr, "\n*** NOTE: bubblewrap not found at %s (%s): the bwrap column "
				"and the sandlock/bwrap target are SKIPPED; "
				"install it with 'apt-get install bubblewrap' ***\n\n",
			argv[0], strerror(errno));
		return false;
	}
	st = run_once(dn, argv, &ns);
	if (st == 0)
		return true;
	describe_status(st, why, sizeof(why));
	fprintf(stderr, "\n*** NOTE: bubblewrap cannot run here (%s): the bwrap column and "
			"the sandlock/bwrap target are SKIPPED ***\n\n",
		why);
	return false;
}

/* Warm-up, then the measured runs, one of each enabled column per round. */
static void measure(const struct devnull *dn, struct column *cols, const struct opts *o)
{
	for (int c = 0; c < N_COLS; c++) {
		if (!cols[c].enabled)
			continue;
		cols[c].ns = calloc((size_t)o->runs, sizeof(int64_t));
		if (!cols[c].ns)
			die("out of memory");
	}
	for (long i = 0; i < o->warmup; i++)
		for (int c = 0; c < N_COLS; c++)
			if (cols[c].enabled)
				run_checked(dn, &cols[c], NULL);
	for (long i = 0; i < o->runs; i++)
		for (int c = 0; c < N_COLS; c++)
			if (cols[c].enabled)
				run_checked(dn, &cols[c], &cols[c].ns[i]);
}

/* Prints both tables; returns true if every target that could be checked
 * was met. */
static bool report(struct column *cols, const struct opts *o)
{
	struct summary sum[N_COLS];
	bool ok = true;

	printf("startup: %ld runs per command, interleaved, after %ld warm-up runs each; "
	       "wall time from vfork() to waitpid()\n\n",
	       o->runs, o->warmup);
	printf("| command | median ms | p10 ms | p90 ms |\n");
	printf("|---|---:|---:|---:|\n");
	for (int c = 0; c < N_COLS; c++) {
		if (!cols[c].enabled) {
			printf("| %s | skipped | | |\n", cols[c].label);
			continue;
		}
		sum[c] = summarize(cols[c].ns, (size_t)o->runs, 1e6);
		printf("| %s | %.3f | %.3f | %.3f |\n", cols[c].label, sum[c].median, sum[c].p10,
		       sum[c].p90);
	}
	printf("\n| ratio of medians | measured | target | result |\n");
	printf("|---|---:|---:|---|\n");
	ok &= print_target("sandlock / bare", sum[COL_SANDLOCK].median / sum[COL_BARE].median,
			   TARGET_VS_BARE);
	if (cols[COL_BWRAP].enabled)
		ok &= print_target("sandlock / bwrap",
				   sum[COL_SANDLOCK].median / sum[COL_BWRAP].median,
				   TARGET_VS_BWRAP);
	else
		printf("| sandlock / bwrap | skipped | ≤ %.2f× | SKIP |\n", TARGET_VS_BWRAP);
	return ok;
}

int main(int argc, char **argv)
{
	static char bare_path[] = "/bin/true";
	static char run_arg[] = "run", sys_arg[] = "-S", dashes[] = "--";
	static char bwrap_path[] = BWRAP_PATH, robind[] = "--ro-bind";
	static char usr[] = "/usr", lib[] = "/lib", lib64[] = "/lib64", bin[] = "/bin";
	char *bare_argv[] = { bare_path, NULL };
	char *sandlock_argv[] = { NULL, run_arg, sys_arg, dashes, bare_path, NULL };
	char *bwrap_argv[] = { bwrap_path, robind, usr, usr, robind, lib, lib,
			       robind, lib64, lib64, robind, bin, bin, bare_path, NULL };
	struct column cols[N_COLS] = {
		[COL_BARE] = { "bare", "bare `/bin/true`", bare_argv, true, NULL },
		[COL_SANDLOCK] = { "sandlock", "`sandlock run -S -- /bin/true`", sandlock_argv,
				   true, NULL },
		[COL_BWRAP] = { "bwrap", "`bwrap --ro-bind {/usr,/lib,/lib64,/bin} /bin/true`",
				bwrap_argv, true, NULL },
	};
	struct devnull dn;
	struct opts o;
	bool ok;

	parse_opts(argc, argv, &o);
	sandlock_argv[0] = (char *)o.sandlock;
	if (access(o.sandlock, X_OK) < 0)
		die("cannot execute sandlock '%s': %s", o.sandlock, strerror(errno));
	dn.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dn.out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (dn.in < 0 || dn.out < 0)
		die("cannot open /dev/null: %s", strerror(errno));
	cols[COL_BWRAP].enabled = bwrap_usable(&dn, bwrap_argv);

	measure(&dn, cols, &o);
	ok = report(cols, &o);
	for (int c = 0; c < N_COLS; c++)
		free(cols[c].ns);
	close(dn.in);
	close(dn.out);
	if (fflush(stdout) != 0)
		die("cannot write the results: %s", strerror(errno));
	return o.strict && !ok ? 1 : 0;
}
