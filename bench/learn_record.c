/* bench/learn_record: how fast the trace store takes events and how fast
 * sl-learn's synthesis reads them back.
 *
 * Recording: producer threads (standing in for supervisor threads) emit a
 * synthetic mix of events through the trace sink as fast as they can; the
 * time runs from the first emit to trace_run_end() returning, i.e. until
 * every event is committed to the SQLite file.  The mix is shaped like a
 * learning run: mostly file opens of real paths (collected from /usr, so
 * the synthesis below probes real files), some writes and creations, execs
 * with argv, connects, and task starts and exits.
 *
 * Synthesis: on the trace of the last recording round (the full event
 * count), what `sl-learn TRACE` does: open and check it (quick_check, the
 * schema), read every event, render the policy against the real file
 * system.  The text goes nowhere.
 *
 * Each phase runs ROUNDS times and the median is reported; the targets
 * come from issue 5.  Output is Markdown, like the other benchmarks.
 *
 * usage: learn_record [-n EVENTS] [-t THREADS] [-r ROUNDS] [--strict]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "synth.h"
#include "trace.h"

const char *bench_name = "learn_record";

#define TARGET_EVENTS_PER_S 200000.0
#define TARGET_SYNTH_S 5.0
#define MAX_POOL 20000

struct opts {
	long events, threads, rounds;
	bool strict;
};

struct pool {
	char **paths;
	size_t n;
};

struct producer {
	struct trace *t;
	const struct pool *pool;
	long from, to; /* event numbers this thread emits */
	int id;
};

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

/* Event times are wall-clock, as the supervisor's. */
static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Up to MAX_POOL regular files under dir, depth first. */
static void collect(struct pool *p, const char *dir, int depth)
{
	DIR *d = depth < 6 ? opendir(dir) : NULL;
	struct dirent *e;

	while (d && p->n < MAX_POOL && (e = readdir(d))) {
		char *path;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			die("out of memory");
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			collect(p, path, depth + 1);
			free(path);
		} else if (S_ISREG(st.st_mode)) {
			p->paths[p->n++] = path;
		} else {
			free(path);
		}
	}
	if (d)
		closedir(d);
}

/* Event number i of the mix: 80% reads, 5% writes/creations in a work
 * directory, 5% execs, 5% connects, 5% task starts and exits. */
static void make_event(const struct producer *p, long i, struct event *e, char *buf,
		       size_t len)
{
	static const char *const argv[] = { "python3", "-m", "pytest", "-q", "tests/" };
	unsigned k = (unsigned)(i % 20);

	*e = (struct event){ .time_ns = wall_ns(), .pid = 1000 + p->id * 10 + (int)(i % 7),
			     .ppid = 999, .exe = "/usr/bin/python3.11", .syscall = "openat",
			     .nr = 257, .kind = EVENT_PATH, .verdict = EVENT_ALLOW,
			     .rule = "default" };
	if (k < 16) {
		e->path.path = p->pool->paths[(size_t)i * 7919 % p->pool->n];
		e->path.access = EVENT_ACC_READ;
	} else if (k == 16) {
		snprintf(buf, len, "/tmp/learn-bench-work/out/file-%ld.txt", i % 5000);
		e->path.path = buf;
		e->path.access = EVENT_ACC_WRITE | EVENT_ACC_CREATE;
	} else if (k == 17) {
		e->kind = EVENT_EXEC;
		e->syscall = "execve";
		e->exec.path = "/usr/bin/python3.11";
		e->exec.argv = argv;
		e->exec.argc = 5;
	} else if (k == 18) {
		e->kind = EVENT_NET;
		e->syscall = "connect";
		e->net.proto = POLICY_NET_TCP;
		e->net.addr[10] = e->net.addr[11] = 0xff;
		e->net.addr[12] = 127;
		e->net.addr[15] = 1;
		e->net.port = (uint16_t)(8000 + i % 10);
	} else {
		e->kind = EVENT_TASK;
		e->syscall = i % 40 < 20 ? "clone" : "exit";
		e->task.child = i % 40 < 20 ? (pid_t)(2000 + i % 50) : 0;
	}
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct event_sink *s = trace_sink(p->t);
	char buf[128];

	for (long i = p->from; i < p->to; i++) {
		struct event e;

		make_event(p, i, &e, buf, sizeof(buf));
		s->emit(s, &e);
	}
	return NULL;
}

static const struct trace_run_meta meta = {
	.argv = (const char *const[]){ "learn_record" }, .argc = 1, .cwd = "/",
	.landlock_abi = 0, .mode = "learn",
};

/* One recording round into path; returns the seconds it took, and in
 * *close_s the seconds trace_close took (folding the WAL into the file). */
static double record(const struct opts *o, const struct pool *pool, const char *path,
		     double *close_s)
{
	const struct trace_opts to = { .queue_events = 65536 };
	struct producer prod[16];
	pthread_t th[16];
	struct diag d = { { 0 } };
	struct trace *t;
	double start, end;

	if (trace_open(path, &to, &t, &d) < 0 || trace_run_begin(t, &meta, &d) < 0)
		die("%s", d.msg);
	start = now_s();
	for (long i = 0; i < o->threads; i++) {
		prod[i] = (struct producer){ t, pool, o->events * i / o->threads,
					     o->events * (i + 1) / o->threads, (int)i };
		if (pthread_create(&th[i], NULL, produce, &prod[i]) != 0)
			die("cannot start a producer thread");
	}
	for (long i = 0; i < o->threads; i++)
		pthread_join(th[i], NULL);
	if (trace_run_end(t, 0, &(struct trace_peaks){ 8, 64u << 20, 32 }, &d) < 0)
		die("%s", d.msg);
	end = now_s();
	if (trace_close(t, &d) < 0)
		die("%s", d.msg);
	*close_s = now_s() - end;
	return end - start;
}

/* What sl-learn does with one trace; returns the seconds it took. */
static double synthesize(const char *path, size_t *len)
{
	struct synth_opts so = { .home = getenv("HOME") };
	struct synth_notes notes = { NULL, 0 };
	struct diag d = { { 0 } };
	struct trace_reader *r;
	struct synth *s;
	char *text;
	double start = now_s(), end;

	if (synth_new(&s) < 0 || trace_read_open(path, &r, &d) < 0 ||
	    synth_add_trace(s, r, &d) < 0)
		die("%s", d.msg[0] ? d.msg : "out of memory");
	trace_read_close(r);
	if (synth_render(s, &so, &synth_fs_host, &text, &notes, &d) < 0)
		die("%s", d.msg);
	end = now_s();
	*len = strlen(text);
	free(text);
	synth_notes_release(&notes);
	synth_free(s);
	return end - start;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ 1000000, 2, 3, false };
	while ((c = getopt_long(argc, argv, "n:t:r:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->events = parse_count(optarg, "event count", 1000, 100000000);
			break;
		case 't':
			o->threads = parse_count(optarg, "thread count", 1, 16);
			break;
		case 'r':
			o->rounds = parse_count(optarg, "round count", 1, 100);
			break;
		case 's':
			o->strict = true;
			break;
		default:
			printf("usage: learn_record [-n EVENTS] [-t THREADS] [-r ROUNDS] [--strict]\n"
			       "  -n, --events N   events per recording round (default 1000000)\n"
			       "  -t, --threads N  emitting threads (default 2)\n"
			       "  -r, --rounds N   rounds of each phase; medians reported (default 3)\n"
			       "  -s, --strict     exit 1 if a target is missed\n");
			exit(c == 'h' ? 0 : 2);
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
}

static const char *verdict(bool ok)
{
	return ok ? "PASS" : "MISS";
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/learn-bench.XXXXXX", *path;
	struct pool pool = { calloc(MAX_POOL, sizeof(char *)), 0 };
	double rec[100], syn[100], cls[100], rate, secs;
	struct opts o;
	struct stat st;
	size_t len = 0;

	parse_opts(argc, argv, &o);
	collect(&pool, "/usr", 0);
	if (pool.n < 100)
		die("found only %zu files under /usr to open", pool.n);
	if (!mkdtemp(dir) || asprintf(&path, "%s/trace.db", dir) < 0)
		die("cannot create a directory in /tmp: %s", strerror(errno));
	for (long i = 0; i < o.rounds; i++)
		rec[i] = record(&o, &pool, path, &cls[i]);
	for (long i = 0; i < o.rounds; i++)
		syn[i] = synthesize(path, &len);
	stat(path, &st);
	rate = (double)o.events / median(rec, o.rounds);
	secs = median(syn, o.rounds);

	printf("learn_record: %ld synthetic events per round from %ld threads (80%% opens of "
	       "%zu real files under /usr, 5%% writes, 5%% execs, 5%% connects, 5%% task "
	       "events), %ld rounds, medians; trace of %.1f MB\n\n", o.events, o.threads,
	       pool.n, o.rounds, (double)st.st_size / 1e6);
	printf("| phase | events | median s | rate |\n|---|---:|---:|---:|\n");
	printf("| record: emit until committed (WAL, batched) | %ld | %.3f | %.0f events/s |\n",
	       o.events, median(rec, o.rounds), rate);
	printf("| close: WAL folded into the file (after the run) | %ld | %.3f | |\n",
	       o.events, median(cls, o.rounds));
	printf("| sl-learn: check, read, render (%zu bytes of policy) | %ld | %.3f | %.0f "
	       "events/s |\n\n", len, o.events, secs, (double)o.events / secs);
	printf("| measure | measured | target | result |\n|---|---:|---:|---|\n");
	printf("| recording throughput | %.0f events/s | ≥ %.0f events/s | %s |\n", rate,
	       TARGET_EVENTS_PER_S, verdict(rate >= TARGET_EVENTS_PER_S));
	printf("| synthesis of a %ld-event trace | %.2f s | < %.0f s | %s |\n", o.events, secs,
	       TARGET_SYNTH_S, verdict(secs < TARGET_SYNTH_S));

	unlink(path);
	rmdir(dir);
	free(path);
	for (size_t i = 0; i < pool.n; i++)
		free(pool.paths[i]);
	free(pool.paths);
	if (o.strict && (rate < TARGET_EVENTS_PER_S || secs >= TARGET_SYNTH_S))
		return 1;
	return 0;
}
