/* Reading traces (learn/trace_read.c): anything that is not a usable trace
 * gets one precise line, "cannot read trace 'F': why"; a good trace gives
 * back its events and totals. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_trace_util.h"

struct fx {
	char *dir, *db;
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

	tt_rmdir(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* A closed trace of n path events (and one exec, one net). */
static void make_trace(const char *db, int n)
{
	const struct trace_opts o = { .batch_events = 1000 };
	struct diag d = { { 0 } };
	struct trace *t;
	struct event_sink *s;
	struct event e;
	char path[128];

	assert_int_equal(trace_open(db, &o, &t, &d), 0);
	assert_int_equal(trace_run_begin(t, tt_meta(), &d), 0);
	s = trace_sink(t);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/data/some/longer/directory/name/file-%08d", i);
		e = tt_path_event(5, path, EVENT_ACC_READ);
		s->emit(s, &e);
	}
	e = (struct event){ .time_ns = 9, .pid = 6, .kind = EVENT_NET, .syscall = "connect",
			    .verdict = EVENT_ALLOW, .exe = "/usr/bin/curl" };
	e.net.proto = POLICY_NET_TCP;
	e.net.addr[10] = e.net.addr[11] = 0xff;
	e.net.addr[12] = 127;
	e.net.addr[15] = 1;
	e.net.port = 8080;
	e.net.host = "localhost";
	s->emit(s, &e);
	assert_int_equal(trace_run_end(t, 0, &(struct trace_peaks){ 3, 1 << 20, 12 }, &d), 0);
	assert_int_equal(trace_close(t, &d), 0);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Opening path fails with err and exactly "cannot read trace 'path': why". */
static void expect_error(const char *path, int err, const char *why)
{
	struct trace_reader *r = NULL;
	struct diag d = { { 0 } };
	char want[1024];

	snprintf(want, sizeof(want), "cannot read trace '%s': %s", path, why);
	assert_int_equal(trace_read_open(path, &r, &d), err);
	assert_null(r);
	assert_string_equal(d.msg, want);
}

static void test_missing_file(void **state)
{
	struct fx *f = *state;

	expect_error(f->db, -ENOENT, "No such file or directory");
}

static void test_directory_and_empty_file(void **state)
{
	struct fx *f = *state;

	expect_error(f->dir, -EINVAL, "not a regular file");
	write_file(f->db, "", 0);
	expect_error(f->db, -EINVAL, "empty file, not a sandlock trace");
}

static void test_random_bytes_and_text(void **state)
{
	struct fx *f = *state;
	unsigned char junk[8192];

	srandom(7);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)random();
	write_file(f->db, junk, sizeof(junk));
	expect_error(f->db, -EINVAL, "not a SQLite database");
	write_file(f->db, "[filesystem]\nread = []\n", 23);
	expect_error(f->db, -EINVAL, "not a SQLite database");
}

static void test_foreign_sqlite_database(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE moz_places (id INTEGER, url TEXT);"
					  "INSERT INTO moz_places VALUES (1, 'x');", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	expect_error(f->db, -EINVAL, "not a sandlock trace (no table 'runs')");
}

static void test_newer_version(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;

	make_trace(f->db, 10);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_error(f->db, -EINVAL, "schema version 2 is newer than this program reads (1)");
}

static void expect_corrupted(const char *path)
{
	struct trace_reader *r = NULL;
	struct diag d = { { 0 } };
	char want[1024];

	snprintf(want, sizeof(want), "cannot read trace '%s': corrupted (", path);
	assert_int_equal(trace_read_open(path, &r, &d), -EINVAL);
	assert_null(r);
	assert_memory_equal(d.msg, want, strlen(want));
	assert_null(strchr(d.msg, '\n')); /* one line */
}

static void test_truncated_trace(void **state)
{
	struct fx *f = *state;
	struct stat st;

	make_trace(f->db, 20000);
	assert_int_equal(stat(f->db, &st), 0);
	assert_true(st.st_size > 1 << 20);
	assert_int_equal(truncate(f->db, st.st_size / 2), 0);
	expect_corrupted(f->db);
}

static void test_overwritten_pages(void **state)
{
	struct fx *f = *state;
	unsigned char junk[4096 * 4];
	int fd;

	make_trace(f->db, 20000);
	memset(junk, 0xa5, sizeof(junk));
	fd = open(f->db, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 4096 * 40), (ssize_t)sizeof(junk));
	close(fd);
	expect_corrupted(f->db);
}

struct seen {
	int paths, nets;
	struct trace_row net;
	char host[64], addr[64];
	int64_t last_seq;
	bool ordered;
};

static int on_row(void *ctx, const struct trace_row *row)
{
	struct seen *s = ctx;

	s->ordered = s->ordered && row->seq == s->last_seq + 1;
	s->last_seq = row->seq;
	if (row->kind == EVENT_PATH)
		s->paths++;
	if (row->kind == EVENT_NET) {
		s->nets++;
		s->net = *row;
		snprintf(s->host, sizeof(s->host), "%s", row->host);
		snprintf(s->addr, sizeof(s->addr), "%s", row->addr);
	}
	return 0;
}

static void test_events_and_summary(void **state)
{
	struct fx *f = *state;
	struct trace_reader *r;
	struct trace_summary sum;
	struct seen s = { .ordered = true };
	struct diag d = { { 0 } };

	make_trace(f->db, 100);
	assert_int_equal(trace_read_open(f->db, &r, &d), 0);
	assert_int_equal(trace_read_events(r, on_row, &s, &d), 0);
	assert_int_equal(trace_read_summary(r, &sum, &d), 0);
	trace_read_close(r);
	assert_true(s.ordered);
	assert_int_equal(s.paths, 100);
	assert_int_equal(s.nets, 1);
	assert_string_equal(s.host, "localhost");
	assert_string_equal(s.addr, "127.0.0.1");
	assert_int_equal(s.net.port, 8080);
	assert_int_equal(s.net.proto, POLICY_NET_TCP);
	assert_int_equal(s.net.pid, 6);
	assert_int_equal(sum.runs, 1);
	assert_int_equal(sum.events, 101);
	assert_int_equal(sum.peaks.processes, 3);
	assert_int_equal(sum.peaks.memory, 1 << 20);
	assert_int_equal(sum.peaks.open_files, 12);
}

static int stop_at_three(void *ctx, const struct trace_row *row)
{
	(void)row;
	return ++*(int *)ctx == 3 ? -ECANCELED : 0;
}

static void test_callback_stops_iteration(void **state)
{
	struct fx *f = *state;
	struct trace_reader *r;
	struct diag d = { { 0 } };
	int n = 0;

	make_trace(f->db, 10);
	assert_int_equal(trace_read_open(f->db, &r, &d), 0);
	assert_int_equal(trace_read_events(r, stop_at_three, &n, &d), -ECANCELED);
	assert_int_equal(n, 3);
	trace_read_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_and_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_bytes_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overwritten_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_and_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_stops_iteration, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
