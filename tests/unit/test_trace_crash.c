/* The trace writer under failure: kill -9 mid-run leaves a consistent file
 * holding at least every committed event; a full disk and a stalled disk
 * put the trace in a failed state the owner can see (message, eventfd,
 * counts), and no event is lost without being counted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_trace_util.h"

static void emit(struct trace *t, const struct event *e)
{
	struct event_sink *s = trace_sink(t);

	s->emit(s, e);
}

/* The child: records forever, reporting after each flush how many events
 * are committed.  Never returns. */
static void crash_child(const char *db, int report)
{
	struct trace_opts o = { .batch_events = 500, .flush_ms = 20 };
	struct diag d = { { 0 } };
	struct trace *t;
	char path[64];
	uint64_t committed;

	if (trace_open(db, &o, &t, &d) < 0 || trace_run_begin(t, tt_meta(), &d) < 0)
		_exit(2);
	for (unsigned i = 0;; i++) {
		struct event e;

		snprintf(path, sizeof(path), "/crash/%u", i);
		e = tt_path_event(9, path, EVENT_ACC_READ);
		emit(t, &e);
		if (i % 1000 == 999) {
			if (trace_flush(t, &d) < 0)
				_exit(3);
			trace_counts(t, &committed, NULL);
			if (write(report, &committed, sizeof(committed)) != sizeof(committed))
				_exit(4);
		}
	}
}

static void expect_ok(const char *db)
{
	char *v = tt_query_text(db, "PRAGMA integrity_check");

	assert_non_null(v);
	assert_string_equal(v, "ok");
	free(v);
}

static void test_kill_9_mid_run(void **state)
{
	char *dir = tt_tmpdir(), *db = tt_path(dir, "crash.db");
	struct trace_reader *r;
	struct diag d = { { 0 } };
	uint64_t committed = 0, c;
	int fds[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(db, fds[1]);
	}
	close(fds[1]);
	for (int reports = 0; reports < 20; reports++) {
		assert_int_equal(read(fds[0], &c, sizeof(c)), sizeof(c));
		committed = c;
	}
	/* It keeps writing: killed somewhere inside a batch or a commit. */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fds[0]);

	assert_int_equal(trace_read_open(db, &r, &d), 0); /* quick_check included */
	trace_read_close(r);
	expect_ok(db);
	assert_true(tt_query(db, "SELECT count(*) FROM events") >= (long long)committed);
	assert_true(committed >= 20000);
	/* Rows are a prefix of what was emitted: no hole. */
	assert_int_equal(tt_query(db, "SELECT max(seq) - count(*) FROM events"), 0);
	assert_int_equal(tt_query(db, "SELECT count(*) FROM runs WHERE end_ns IS NULL"), 1);
	free(db);
	tt_rmdir(dir);
}

/* The child: opens a new trace, begins a run if asked, says so, and waits
 * to be killed.  Never returns. */
static void start_child(const char *db, bool run, int report)
{
	struct diag d = { { 0 } };
	struct trace *t;

	if (trace_open(db, NULL, &t, &d) < 0 || (run && trace_run_begin(t, tt_meta(), &d) < 0))
		_exit(2);
	if (write(report, "r", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

static void kill_after_start(const char *db, bool run)
{
	int fds[2], status;
	pid_t pid;
	char c;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		start_child(db, run, fds[1]);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* A new trace is written without fsync until its first run's row is in
 * the WAL (trace_file.c, configure): a kill -9 at either point must still
 * leave a consistent file, holding that row once trace_run_begin returned,
 * and a file the next `sandlock learn` may replace. */
static void test_kill_9_before_and_after_run_begin(void **state)
{
	char *dir = tt_tmpdir(), *db = tt_path(dir, "start.db");
	struct trace_reader *r;
	struct diag d = { { 0 } };
	struct trace *t;

	(void)state;
	kill_after_start(db, false);
	expect_ok(db);
	assert_int_equal(tt_query(db, "SELECT count(*) FROM runs"), 0);
	kill_after_start(db, true); /* replaces the first one */
	assert_int_equal(trace_read_open(db, &r, &d), 0);
	trace_read_close(r);
	expect_ok(db);
	assert_int_equal(tt_query(db, "SELECT count(*) FROM runs WHERE end_ns IS NULL"), 1);
	assert_int_equal(tt_query(db, "SELECT count(*) FROM events"), 0);
	assert_int_equal(trace_open(db, NULL, &t, &d), 0);
	assert_int_equal(trace_close(t, &d), 0);
	free(db);
	tt_rmdir(dir);
}

/* A file cap far below what the events need stands in for a full disk:
 * SQLite reports SQLITE_FULL exactly as for ENOSPC. */
static void test_full_disk_fails_loudly(void **state)
{
	char *dir = tt_tmpdir(), *db = tt_path(dir, "full.db");
	const struct trace_opts o = { .max_bytes = 96 * 1024, .batch_events = 200 };
	struct pollfd pfd;
	struct diag d = { { 0 } };
	struct trace *t;
	uint64_t committed, lost;
	char path[200];
	int n = 20000;

	(void)state;
	assert_int_equal(trace_open(db, &o, &t, &d), 0);
	assert_int_equal(trace_run_begin(t, tt_meta(), &d), 0);
	for (int i = 0; i < n; i++) {
		struct event e;

		snprintf(path, sizeof(path), "/full/%0150d", i);
		e = tt_path_event(9, path, EVENT_ACC_READ);
		emit(t, &e);
	}
	assert_int_equal(trace_flush(t, &d), -ENOSPC);
	assert_true(trace_failed(t, &d));
	assert_non_null(strstr(d.msg, "cannot write trace '"));
	assert_non_null(strstr(d.msg, "database or disk is full"));
	assert_non_null(strstr(d.msg, " events not recorded)"));
	pfd = (struct pollfd){ .fd = trace_fail_fd(t), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 1);
	trace_counts(t, &committed, &lost);
	assert_int_equal(committed + lost, n); /* every event accounted for */
	assert_true(lost > 0);
	assert_int_equal(trace_run_end(t, 0, NULL, &d), -ENOSPC);
	assert_int_equal(trace_close(t, &d), -ENOSPC);
	expect_ok(db);
	assert_int_equal(tt_query(db, "SELECT count(*) FROM events"), (long long)committed);
	free(db);
	tt_rmdir(dir);
}

struct locker {
	const char *db;
	int ready[2], release[2];
};

/* Holds the database's write lock until told to let go. */
static void *hold_lock(void *arg)
{
	struct locker *l = arg;
	sqlite3 *db;
	char c = 0;

	if (sqlite3_open(l->db, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		c = 1;
	if (write(l->ready[1], &c, 1) != 1 || read(l->release[0], &c, 1) != 1)
		c = 1;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/* A writer that cannot write (the disk stalls; here another process holds
 * the lock): emit waits full_wait_ms for room, then fails the trace
 * instead of dropping events silently or blocking the workload forever. */
static void test_stalled_writer_bounded_wait(void **state)
{
	char *dir = tt_tmpdir(), *db = tt_path(dir, "stall.db");
	const struct trace_opts o = { .queue_events = 32, .batch_events = 8, .full_wait_ms = 200 };
	struct locker l = { .db = db };
	struct diag d = { { 0 } };
	struct trace *t;
	struct timespec a, b;
	uint64_t committed, lost;
	pthread_t th;
	char c;

	(void)state;
	assert_int_equal(trace_open(db, &o, &t, &d), 0);
	assert_int_equal(trace_run_begin(t, tt_meta(), &d), 0);
	assert_int_equal(pipe2(l.ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(l.release, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&th, NULL, hold_lock, &l), 0);
	assert_int_equal(read(l.ready[0], &c, 1), 1);
	assert_int_equal(c, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 100; i++) {
		struct event e = tt_path_event(9, "/stall", EVENT_ACC_READ);

		emit(t, &e);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(trace_failed(t, &d));
	assert_non_null(strstr(d.msg, "the writer fell behind (queue of 32 events full for "
				      "200 ms)"));
	/* One bounded wait, not one per event. */
	assert_true(b.tv_sec - a.tv_sec < 3);
	assert_int_equal(write(l.release[1], "x", 1), 1);
	pthread_join(th, NULL);
	assert_true(trace_run_end(t, 0, NULL, &d) < 0);
	trace_counts(t, &committed, &lost);
	assert_int_equal(committed + lost, 100);
	assert_true(lost > 0);
	trace_close(t, NULL);
	for (int i = 0; i < 2; i++) {
		close(l.ready[i]);
		close(l.release[i]);
	}
	free(db);
	tt_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_9_mid_run),
		cmocka_unit_test(test_kill_9_before_and_after_run_begin),
		cmocka_unit_test(test_full_disk_fails_loudly),
		cmocka_unit_test(test_stalled_writer_bounded_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
