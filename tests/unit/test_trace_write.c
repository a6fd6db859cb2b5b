/* The trace writer (learn/trace_write.c, trace_insert.c, trace_file.c):
 * every event becomes one row with every field, in emit order, committed
 * in batches by count and by time; the processes table follows task and
 * exec events; files are 0600 and close-on-exec; a closed trace is one
 * file any reader opens; append, replace and the refusal to overwrite a
 * foreign file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_trace_util.h"

struct fx {
	char *dir, *db;
	struct trace *t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = tt_tmpdir()) || !(f->db = tt_path(f->dir, "t.db")))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->t)
		trace_close(f->t, NULL);
	tt_rmdir(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static void open_run(struct fx *f, const struct trace_opts *o)
{
	struct diag d = { { 0 } };

	assert_int_equal(trace_open(f->db, o, &f->t, &d), 0);
	assert_int_equal(trace_run_begin(f->t, tt_meta(), &d), 0);
}

static void end_close(struct fx *f)
{
	struct diag d = { { 0 } };

	assert_int_equal(trace_run_end(f->t, 0, NULL, &d), 0);
	assert_int_equal(trace_close(f->t, &d), 0);
	f->t = NULL;
}

static void emit(struct fx *f, const struct event *e)
{
	struct event_sink *s = trace_sink(f->t);

	s->emit(s, e);
}

static void expect_text(struct fx *f, const char *sql, const char *want)
{
	char *v = tt_query_text(f->db, sql);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void test_every_field_stored(void **state)
{
	static const char *const argv[] = { "python3", "-c", "print(\"hi\")", "bad\xff" };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct fx *f = *state;
	struct event e = tt_path_event(42, "/work/a b", EVENT_ACC_CREATE | EVENT_ACC_WRITE);

	open_run(f, NULL);
	e.path.path2 = "/work/c";
	e.origin = (struct policy_origin){ "p.toml", 3, 9 };
	e.detail = "why";
	emit(f, &e);
	e = (struct event){ .time_ns = 5, .pid = 43, .ppid = 42, .exe = "/bin/sh",
			    .syscall = "execve", .nr = 59, .kind = EVENT_EXEC,
			    .verdict = EVENT_ALLOW, .rule = "default" };
	e.exec.path = "/usr/bin/python3";
	e.exec.argv = argv;
	e.exec.argc = 4;
	emit(f, &e);
	e = (struct event){ .time_ns = 6, .pid = 43, .kind = EVENT_NET, .syscall = "connect",
			    .verdict = EVENT_DENY, .err = 13, .rule = "network.allow[0]",
			    .origin = { "<command line>", 0, 0 } };
	e.net.proto = POLICY_NET_UDP;
	memcpy(e.net.addr, v6, 16);
	e.net.port = 53;
	e.net.host = "dns.example";
	emit(f, &e);
	end_close(f);

	expect_text(f, "SELECT path || '|' || path2 || '|' || access || '|' || kind || '|' || "
		       "origin || '|' || detail || '|' || verdict FROM events WHERE seq = 1",
		    "/work/a b|/work/c|6|path|p.toml:3:9|why|allow");
	expect_text(f, "SELECT argv FROM events WHERE seq = 2",
		    "[\"python3\",\"-c\",\"print(\\\"hi\\\")\",\"bad\\u00ff\"]");
	expect_text(f, "SELECT addr || '|' || port || '|' || proto || '|' || host || '|' || "
		       "errno || '|' || origin FROM events WHERE seq = 3",
		    "2001:db8::1|53|udp|dns.example|13|<command line>");
	expect_text(f, "SELECT access FROM events WHERE seq = 3", NULL);
	expect_text(f, "SELECT command || '|' || cwd || '|' || mode || '|' || landlock_abi || "
		       "'|' || sandlock_version FROM runs",
		    "[\"app\",\"--flag\"]|/work|learn|7|" SANDLOCK_VERSION);
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM runs WHERE end_ns IS NOT NULL "
					 "AND exit_status = 0 AND kernel <> ''"), 1);
}

static void test_n_events_n_rows_in_order(void **state)
{
	struct fx *f = *state;
	const struct trace_opts o = { .queue_events = 512, .batch_events = 100 };
	char path[64];
	int n = 20000;

	open_run(f, &o);
	for (int i = 0; i < n; i++) {
		struct event e;

		snprintf(path, sizeof(path), "/f/%06d", i);
		e = tt_path_event(7, path, EVENT_ACC_READ);
		emit(f, &e);
	}
	end_close(f);
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM events"), n);
	assert_int_equal(tt_query(f->db, "SELECT min(seq) FROM events"), 1);
	assert_int_equal(tt_query(f->db, "SELECT max(seq) FROM events"), n);
	/* Row k holds the k-th event emitted. */
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM events WHERE "
					 "CAST(substr(path, 4) AS INTEGER) <> seq - 1"), 0);
}

/* Rows become visible to another reader without any flush call. */
static long long wait_rows(const char *db, long long want, int max_ms)
{
	long long n = 0;

	for (int waited = 0; waited <= max_ms; waited += 10) {
		n = tt_query(db, "SELECT count(*) FROM events");
		if (n >= want)
			break;
		usleep(10000);
	}
	return n;
}

static void test_batch_committed_by_time(void **state)
{
	struct fx *f = *state;
	const struct trace_opts o = { .batch_events = 100000, .queue_events = 100000,
				      .flush_ms = 50 };
	struct event e = tt_path_event(7, "/f", EVENT_ACC_READ);

	open_run(f, &o);
	for (int i = 0; i < 5; i++)
		emit(f, &e);
	assert_int_equal(wait_rows(f->db, 5, 2000), 5);
	end_close(f);
}

static void test_batch_committed_by_count(void **state)
{
	struct fx *f = *state;
	const struct trace_opts o = { .batch_events = 100, .flush_ms = 60000 };
	struct event e = tt_path_event(7, "/f", EVENT_ACC_READ);

	open_run(f, &o);
	for (int i = 0; i < 100; i++)
		emit(f, &e);
	/* flush_ms is a minute: only the count can have committed them. */
	assert_int_equal(wait_rows(f->db, 100, 2000), 100);
	end_close(f);
}

static void test_processes_from_task_and_exec(void **state)
{
	static const char *const argv[] = { "ls", "-l" };
	struct fx *f = *state;
	struct event e = { .time_ns = 10, .pid = 100, .ppid = 1, .exe = "/bin/sh",
			   .syscall = "clone", .kind = EVENT_TASK, .verdict = EVENT_ALLOW };
	struct diag d = { { 0 } };

	open_run(f, NULL);
	e.task.child = 101;
	emit(f, &e); /* 100 first seen here, forks 101 */
	e = (struct event){ .time_ns = 11, .pid = 101, .ppid = 100, .exe = "/bin/sh",
			    .syscall = "execve", .kind = EVENT_EXEC, .verdict = EVENT_ALLOW };
	e.exec.path = "/bin/ls";
	e.exec.argv = argv;
	e.exec.argc = 2;
	emit(f, &e);
	e = (struct event){ .time_ns = 12, .pid = 101, .kind = EVENT_TASK, .syscall = "exit",
			    .verdict = EVENT_ALLOW };
	e.task.status = 256; /* exit(1) */
	emit(f, &e);
	assert_int_equal(trace_run_end(f->t, 0, &(struct trace_peaks){ 0, 4096, 9 }, &d), 0);
	assert_int_equal(trace_close(f->t, &d), 0);
	f->t = NULL;
	expect_text(f, "SELECT ppid || '|' || exe || '|' || argv || '|' || exit_status || '|' || "
		       "end_ns FROM processes WHERE pid = 101",
		    "100|/bin/ls|[\"ls\",\"-l\"]|256|12");
	expect_text(f, "SELECT exe FROM processes WHERE pid = 100", "/bin/sh");
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM processes"), 2);
	/* Two tasks were alive at once; the owner's peaks are kept. */
	expect_text(f, "SELECT peak_processes || '|' || peak_memory || '|' || peak_open_files "
		       "FROM runs", "2|4096|9");
}

static void test_file_mode_and_cloexec(void **state)
{
	struct fx *f = *state;
	struct event e = tt_path_event(7, "/f", EVENT_ACC_READ);
	mode_t old = umask(0);
	struct stat st;
	int seen = 0;

	open_run(f, NULL);
	umask(old);
	emit(f, &e);
	assert_int_equal(trace_flush(f->t, NULL), 0);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* Every descriptor onto the trace (file, -wal, -shm) and the fail fd
	 * must not reach the sandboxed command. */
	for (int fd = 3; fd < 1024; fd++) {
		char link[64], target[4096];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, f->db, strlen(f->db)) != 0 && fd != trace_fail_fd(f->t))
			continue;
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		seen++;
	}
	assert_true(seen >= 3);
	end_close(f);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static bool exists(const char *db, const char *suffix)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s%s", db, suffix);
	return access(path, F_OK) == 0;
}

/* Reads the trace as uid/gid 65534 in a forked child; its exit status is
 * the events it saw (255 when it could not read them). */
static int read_as_nobody(const char *db)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct trace_reader *r = NULL;
		struct trace_summary sum;
		struct diag d = { { 0 } };

		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0 || trace_read_open(db, &r, &d) < 0 ||
		    trace_read_summary(r, &sum, &d) < 0)
			_exit(255);
		_exit(sum.events > 254 ? 254 : (int)sum.events);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The close folds the WAL into the file (trace_write.c, settle): what is
 * left is one rollback-journal file holding every event, which a reader
 * that may not create files next to it (another user here) opens
 * read-only, and which survives being copied alone. */
static void test_closed_trace_is_one_file(void **state)
{
	struct fx *f = *state;
	struct event e = tt_path_event(7, "/f", EVENT_ACC_READ);

	open_run(f, NULL);
	for (int i = 0; i < 5; i++)
		emit(f, &e);
	end_close(f);
	assert_false(exists(f->db, "-wal"));
	assert_false(exists(f->db, "-shm"));
	assert_false(exists(f->db, "-journal"));
	expect_text(f, "PRAGMA journal_mode", "delete");
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM events"), 5);
	if (geteuid() != 0)
		skip();
	assert_int_equal(chmod(f->dir, 0755), 0); /* our own scratch directory */
	assert_int_equal(chmod(f->db, 0644), 0);
	assert_int_equal(read_as_nobody(f->db), 5);
	assert_false(exists(f->db, "-shm"));
}

static void one_run(struct fx *f, const struct trace_opts *o, int events)
{
	struct event e = tt_path_event(7, "/f", EVENT_ACC_READ);

	open_run(f, o);
	for (int i = 0; i < events; i++)
		emit(f, &e);
	end_close(f);
}

static void test_append_replace_and_refuse(void **state)
{
	struct fx *f = *state;
	const struct trace_opts append = { .append = true };
	struct diag d = { { 0 } };
	struct trace *t = NULL;
	char buf[64];
	int fd;

	one_run(f, NULL, 3);
	one_run(f, &append, 2);
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM events WHERE run = 2"), 2);
	one_run(f, NULL, 1); /* without --append: a new trace */
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM events"), 1);

	unlink(f->db);
	fd = open(f->db, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(write(fd, "my notes\n", 9), 9);
	close(fd);
	assert_int_equal(trace_open(f->db, NULL, &t, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "refusing to overwrite '"));
	assert_non_null(strstr(d.msg, "': not a SQLite database"));
	assert_int_equal(trace_open(f->db, &append, &t, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "refusing to append to '"));
	fd = open(f->db, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf)), 9); /* untouched */
	assert_memory_equal(buf, "my notes\n", 9);
	close(fd);
}

static void test_emit_outside_run_fails_loudly(void **state)
{
	struct fx *f = *state;
	struct event e = tt_path_event(7, "/f", EVENT_ACC_READ);
	struct diag d = { { 0 } };
	uint64_t lost;

	assert_int_equal(trace_open(f->db, NULL, &f->t, &d), 0);
	emit(f, &e);
	assert_true(trace_failed(f->t, &d));
	assert_non_null(strstr(d.msg, "outside a run (1 events not recorded)"));
	trace_counts(f->t, NULL, &lost);
	assert_int_equal(lost, 1);
	assert_int_equal(trace_close(f->t, &d), -EINVAL);
	f->t = NULL;
}

struct producer {
	struct fx *f;
	int id, n;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	char path[64];

	for (int i = 0; i < p->n; i++) {
		struct event e;

		snprintf(path, sizeof(path), "/t%d/%06d", p->id, i);
		e = tt_path_event(100 + p->id, path, EVENT_ACC_READ);
		emit(p->f, &e);
	}
	return NULL;
}

/* Four threads through a queue of 64: emitters wait for room, none lost. */
static void test_concurrent_emitters_never_drop(void **state)
{
	struct fx *f = *state;
	const struct trace_opts o = { .queue_events = 64, .batch_events = 16 };
	struct producer p[4];
	pthread_t th[4];

	open_run(f, &o);
	for (int i = 0; i < 4; i++) {
		p[i] = (struct producer){ f, i, 5000 };
		assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	end_close(f);
	assert_int_equal(tt_query(f->db, "SELECT count(DISTINCT seq) FROM events"), 20000);
	assert_int_equal(tt_query(f->db, "SELECT max(seq) FROM events"), 20000);
	/* Each thread's events in its own order. */
	assert_int_equal(tt_query(f->db, "SELECT count(*) FROM (SELECT path, lag(path) OVER "
					 "(PARTITION BY pid ORDER BY seq) AS prev FROM events) "
					 "WHERE prev > path"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_field_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_n_events_n_rows_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_committed_by_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_committed_by_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processes_from_task_and_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mode_and_cloexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_trace_is_one_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_replace_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emit_outside_run_fails_loudly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_emitters_never_drop, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
