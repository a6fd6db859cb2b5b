/* Policy synthesis (learn/synth*.c), rule by rule, against a fake file
 * system: what each kind of event grants, what it never grants, the
 * provenance comments, and byte-identical output whatever the order of
 * the events.  Every rendered policy has also been parsed back by core's
 * loader inside synth_render (it fails the render otherwise). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_synth_util.h"

static const struct fake_file world[] = {
	{ "/usr/lib/libc.so.6", SYNTH_FILE, NULL },
	{ "/usr/lib/python3/os.py", SYNTH_FILE, NULL },
	{ "/usr/bin/app", SYNTH_FILE, NULL },
	{ "/usr/bin/python3", SYNTH_FILE, "elf:/lib64/ld-linux-x86-64.so.2" },
	{ "/lib64/ld-linux-x86-64.so.2", SYNTH_FILE, NULL },
	{ "/usr/bin/python3.11", SYNTH_FILE, NULL },
	{ "/bin/sh", SYNTH_FILE, NULL },
	{ "/bin/bash", SYNTH_FILE, NULL },
	{ "/work/run.sh", SYNTH_FILE, "/bin/bash" },
	{ "/work/log.txt", SYNTH_FILE, NULL },
	{ "/work/keep/data.csv", SYNTH_FILE, NULL },
	{ "/work/out/", SYNTH_DIR, NULL },
	{ "/srv/in/x", SYNTH_FILE, NULL },
	{ "/srv/out/y", SYNTH_FILE, NULL },
	{ "/dev/null", SYNTH_OTHER, NULL },
	{ "/home/u/.bashrc", SYNTH_FILE, NULL },
	{ NULL, SYNTH_MISSING, NULL },
};

static int setup(void **state)
{
	(void)state;
	fake_fs = world;
	return 0;
}

static void expect_list(const char *text, const char *section, const char *key,
			const char *want)
{
	char *got = list_of(text, section, key);

	assert_string_equal(got, want);
	free(got);
}

static void test_read_and_write_grants(void **state)
{
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(10, "/usr/lib/libc.so.6", EVENT_ACC_READ));
	add(s, row_path(11, "/work/log.txt", EVENT_ACC_WRITE | EVENT_ACC_TRUNC));
	add(s, row_path(12, "/dev/null", EVENT_ACC_READ | EVENT_ACC_WRITE));
	add(s, row_path(13, "/work/keep/data.csv", EVENT_ACC_META));
	text = render(s, NULL, NULL);
	expect_list(text, "[filesystem]", "read", "/usr/lib/libc.so.6\n");
	expect_list(text, "[filesystem]", "write", "/dev/null\n/work/keep/data.csv\n/work/log.txt\n");
	assert_true(has_line(text, "  \"/usr/lib/libc.so.6\", # 1 event, first by pid 100 "
				   "/usr/bin/app"));
	free(text);
	synth_free(s);
}

/* mkdir out/new, then out/new/sub, then a file in it: the grant goes to
 * the nearest directory that existed before (out), never to the new ones,
 * which enforce could not find on a clean machine. */
static void test_created_names_grant_existing_parent(void **state)
{
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(1, "/work/out/new", EVENT_ACC_CREATE | EVENT_ACC_DIR));
	add(s, row_path(2, "/work/out/new/sub", EVENT_ACC_CREATE | EVENT_ACC_DIR));
	add(s, row_path(3, "/work/out/new/sub/f", EVENT_ACC_CREATE | EVENT_ACC_WRITE));
	add(s, row_path(4, "/work/out/new/sub/f", EVENT_ACC_READ));
	add(s, row_path(5, "/srv/in/tmpfile", EVENT_ACC_REMOVE));
	text = render(s, NULL, NULL);
	expect_list(text, "[filesystem]", "write", "/srv/in\n/work/out\n");
	expect_list(text, "[filesystem]", "read", "");
	assert_true(has_line(text, "  \"/work/out\", # names created or removed in it; 4 events, "
				   "first by pid 100 /usr/bin/app"));
	free(text);
	synth_free(s);
}

/* Resolving a script's path reads every link on the way: no grant. */
static void test_lookups_grant_nothing(void **state)
{
	struct synth *s = new_synth();
	struct trace_row r = row_path(1, "/work", EVENT_ACC_READ);
	char *text;

	(void)state;
	r.syscall = "readlink";
	add(s, r);
	r.syscall = "newfstatat";
	r.path = "/srv";
	add(s, r);
	add(s, row_path(2, "/work/log.txt", EVENT_ACC_READ));
	text = render(s, NULL, NULL);
	expect_list(text, "[filesystem]", "read", "/work/log.txt\n");
	free(text);
	synth_free(s);
}

static void test_rename_link_and_symlink(void **state)
{
	struct synth *s = new_synth();
	struct trace_row r;
	char *text;

	(void)state;
	r = row_path(1, "/srv/in/x", EVENT_ACC_REMOVE);
	r.path2 = "/srv/out/y";
	r.syscall = "renameat2";
	add(s, r);
	r = row_path(2, "/work/keep/data.csv", EVENT_ACC_CREATE);
	r.path2 = "/work/out/data.csv";
	r.syscall = "linkat";
	add(s, r);
	/* A symlink's path2 is its contents: never a grant. */
	r = row_path(3, "/work/out/link", EVENT_ACC_CREATE);
	r.path2 = "/etc/passwd";
	r.syscall = "symlinkat";
	add(s, r);
	text = render(s, NULL, NULL);
	expect_list(text, "[filesystem]", "write", "/srv/in\n/srv/out\n/work/keep\n/work/out\n");
	assert_null(strstr(text, "/etc/passwd"));
	free(text);
	synth_free(s);
}

static void test_exec_allow_is_exactly_what_ran(void **state)
{
	struct synth *s = new_synth();
	/* The first exec of a run is made by sandlock's child, still running
	 * sandlock: that program must not become an [exec] entry. */
	struct trace_row r = { .time_ns = 1, .pid = 100, .exe = "/usr/bin/python3.11",
			       .kind = EVENT_EXEC, .verdict = EVENT_ALLOW, .syscall = "execve",
			       .path = "/usr/bin/python3" };
	char *text;

	(void)state;
	add(s, r);
	r.path = "/work/run.sh";
	r.time_ns = 2;
	add(s, r);
	r.path = "/bin/true"; /* not on this machine */
	add(s, r);
	add(s, row_path(3, "/usr/lib/libc.so.6", EVENT_ACC_READ));
	text = render(s, NULL, NULL);
	/* The programs executed, the script's interpreter, and the programs
	 * seen doing something, but not an exec's caller as such. */
	expect_list(text, "[exec]", "allow",
		    "/bin/bash\n/usr/bin/app\n/usr/bin/python3\n/work/run.sh\n");
	assert_true(has_line(text, "  \"/bin/bash\", # interpreter of /work/run.sh"));
	assert_true(has_line(text, "  \"/usr/bin/python3\", # 1 event, first by pid 100 "
				   "/usr/bin/python3.11"));
	assert_true(has_line(text, "  \"/usr/bin/app\", # seen running as pid 100, not seen "
				   "executed"));
	assert_null(strstr(text, "/bin/true"));
	free(text);
	synth_free(s);
}

/* gcc builds ./h and runs it: an allow list cannot name h, so there is
 * none, and the programs that ran get read grants (with the ELF
 * interpreter the kernel loads for them, which no event names). */
static void test_created_program_means_no_exec_list(void **state)
{
	struct synth_notes n = { NULL, 0 };
	struct synth *s = new_synth();
	struct trace_row r = { .time_ns = 1, .pid = 100, .exe = "/opt/sandlock",
			       .kind = EVENT_EXEC, .verdict = EVENT_ALLOW, .syscall = "execve",
			       .path = "/usr/bin/python3" };
	char *text;

	(void)state;
	add(s, r);
	add(s, row_path(2, "/work/out/h", EVENT_ACC_CREATE | EVENT_ACC_WRITE));
	r.time_ns = 3;
	r.path = "/work/out/./h"; /* as passed: "./h" from /work/out */
	add(s, r);
	text = render(s, NULL, &n);
	assert_null(strstr(text, "\n[exec]"));
	assert_true(has_line(text, "# No [exec] allow: a program the run created was executed"));
	expect_list(text, "[filesystem]", "read",
		    "/lib64/ld-linux-x86-64.so.2\n/usr/bin/app\n/usr/bin/python3\n");
	expect_list(text, "[filesystem]", "write", "/work/out\n");
	assert_true(has_note(&n, "no [exec] allow list: '/work/out/h' was created by the run"));
	synth_notes_release(&n);
	free(text);
	synth_free(s);
}

static void test_network_by_host_then_address(void **state)
{
	struct synth *s = new_synth();
	struct trace_row r;
	char *text;

	(void)state;
	add(s, row_net(1, POLICY_NET_TCP, "93.184.215.14", 443, "example.com"));
	add(s, row_net(2, POLICY_NET_TCP, "93.184.215.15", 80, "Example.COM"));
	add(s, row_net(3, POLICY_NET_TCP, "10.0.0.1", 5432, NULL));
	add(s, row_net(4, POLICY_NET_UDP, "::1", 53, NULL));
	add(s, row_net(5, POLICY_NET_TCP, "0.0.0.0", 8000, NULL));
	r = row_net(6, POLICY_NET_TCP, "0.0.0.0", 8080, NULL);
	r.syscall = "bind";
	add(s, r);
	r.port = 9090;
	add(s, r);
	text = render(s, NULL, NULL);
	expect_list(text, "[network]", "allow",
		    "tcp://10.0.0.1:5432\ntcp://127.0.0.1:8000\ntcp://[::1]:8000\n"
		    "tcp://example.com:80,443\nudp://[::1]:53\n");
	expect_list(text, "[network]", "allow_bind", "8080\n9090\n");
	assert_true(has_line(text, "  \"tcp://example.com:80,443\", # 2 events, first by pid 100"));
	free(text);
	synth_free(s);
}

static void test_limits_with_margin(void **state)
{
	struct synth *s = new_synth();
	struct trace_summary a = { 1, 0, { 3, 10u << 20, 20 } };
	struct trace_summary b = { 1, 0, { 2, 100u << 20, 300 } };
	char *text;

	(void)state;
	synth_add_summary(s, &a);
	text = render(s, NULL, NULL);
	assert_true(has_line(text, "processes = 10 # peak 3 tasks at once; 2 x peak + 4"));
	assert_true(has_line(text, "memory = \"16M\" # peak 10485760 bytes"));
	assert_true(has_line(text, "open_files = 256 # peak 20"));
	free(text);
	synth_add_summary(s, &b); /* the largest peaks of all runs */
	text = render(s, NULL, NULL);
	assert_true(has_line(text, "processes = 10 "));
	assert_true(has_line(text, "memory = \"150M\" "));
	assert_true(has_line(text, "open_files = 600 "));
	assert_non_null(strstr(text, "from 2 runs"));
	free(text);
	synth_free(s);
}

static void test_denied_events_never_granted(void **state)
{
	struct synth *s = new_synth();
	struct trace_row r = row_path(1, "/work/log.txt", EVENT_ACC_WRITE);
	char *text;

	(void)state;
	r.verdict = EVENT_DENY;
	add(s, r);
	r = row_net(2, POLICY_NET_TCP, "10.0.0.9", 22, NULL);
	r.verdict = EVENT_DENY;
	add(s, r);
	r = (struct trace_row){ .time_ns = 3, .pid = 7, .exe = "/bin/sh", .kind = EVENT_EXEC,
				.verdict = EVENT_DENY, .path = "/bin/bash" };
	add(s, r);
	add(s, row_path(4, "/usr/lib/libc.so.6", EVENT_ACC_READ));
	text = render(s, NULL, NULL);
	assert_null(strstr(text, "/work/log.txt"));
	assert_null(strstr(text, "10.0.0.9"));
	assert_null(strstr(text, "/bin/bash"));
	assert_null(strstr(text, "/bin/sh")); /* a denied event's exe is no evidence either */
	assert_non_null(strstr(text, "(4 events; 3 denied, not granted)"));
	free(text);
	synth_free(s);
}

static void test_provenance_is_earliest_event(void **state)
{
	struct synth *s = new_synth();
	struct trace_row r = row_path(50, "/usr/lib/libc.so.6", EVENT_ACC_READ);
	char *text;

	(void)state;
	add(s, r);
	r.time_ns = 20;
	r.pid = 4242;
	r.exe = "/usr/bin/python3";
	add(s, r);
	r.time_ns = 30;
	r.pid = 1;
	add(s, r);
	text = render(s, NULL, NULL);
	assert_true(has_line(text, "  \"/usr/lib/libc.so.6\", # 3 events, first by pid 4242 "
				   "/usr/bin/python3"));
	free(text);
	synth_free(s);
}

/* Events in any order, split over any number of traces: the same bytes. */
static void test_output_is_deterministic(void **state)
{
	struct trace_row rows[] = {
		row_path(5, "/usr/lib/python3/os.py", EVENT_ACC_READ),
		row_path(3, "/usr/lib/libc.so.6", EVENT_ACC_READ),
		row_path(9, "/work/out/a", EVENT_ACC_CREATE),
		row_path(1, "/work/log.txt", EVENT_ACC_WRITE),
		row_net(4, POLICY_NET_TCP, "10.0.0.1", 80, NULL),
		row_net(2, POLICY_NET_TCP, "10.0.0.1", 443, NULL),
	};
	size_t n = sizeof(rows) / sizeof(rows[0]);
	struct synth *a = new_synth(), *b = new_synth();
	char *ta, *ta2, *tb;

	(void)state;
	rows[1].pid = rows[5].pid = 7;
	rows[1].exe = rows[5].exe = "/usr/bin/python3";
	for (size_t i = 0; i < n; i++) {
		add(a, rows[i]);
		add(b, rows[n - 1 - i]);
	}
	ta = render(a, NULL, NULL);
	ta2 = render(a, NULL, NULL);
	tb = render(b, NULL, NULL);
	assert_string_equal(ta, ta2);
	assert_string_equal(ta, tb);
	free(ta);
	free(ta2);
	free(tb);
	synth_free(a);
	synth_free(b);
}

/* A trace is input: a program named with a newline must not be able to
 * write policy lines through its provenance comment. */
static void test_comment_injection_neutralized(void **state)
{
	struct synth *s = new_synth();
	struct trace_row r = row_path(1, "/usr/lib/libc.so.6", EVENT_ACC_READ);
	char *text;

	(void)state;
	r.exe = "/tmp/x\n[filesystem]\nwrite = [\"/\"]\n#";
	add(s, r);
	text = render(s, NULL, NULL);
	assert_false(has_line(text, "write = [\"/\"]"));
	assert_false(has_line(text, "[filesystem]\nwrite"));
	assert_non_null(strstr(text, "first by pid 100 /tmp/x?[filesystem]?write = [\"/\"]?#"));
	free(text);
	synth_free(s);
}

static void test_unloadable_paths_skipped_with_note(void **state)
{
	static const struct fake_file odd[] = {
		{ "/work/a\"b\\c", SYNTH_FILE, NULL },
		{ "/proc/1234/status", SYNTH_FILE, NULL },
		{ "/proc/self/maps", SYNTH_FILE, NULL },
		{ "/work/bad\xff", SYNTH_FILE, NULL },
		{ NULL, SYNTH_MISSING, NULL },
	};
	struct synth_notes n = { NULL, 0 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	fake_fs = odd;
	add(s, row_path(1, "/work/a\"b\\c", EVENT_ACC_READ));
	add(s, row_path(2, "/proc/1234/status", EVENT_ACC_READ));
	add(s, row_path(3, "/proc/self/maps", EVENT_ACC_READ));
	add(s, row_path(4, "/work/bad\xff", EVENT_ACC_READ));
	add(s, row_path(5, "/work/../etc/passwd", EVENT_ACC_READ));
	add(s, row_path(6, "relative/file", EVENT_ACC_READ));
	add(s, row_path(7, "/work/gone", EVENT_ACC_READ));
	add(s, row_path(9, "/work/gone2", EVENT_ACC_READ));
	add(s, row_path(10, "/work/written-gone", EVENT_ACC_WRITE));
	add(s, row_path(8, "pipe:[1234]", EVENT_ACC_WRITE));
	text = render(s, NULL, &n);
	/* Quotes and backslashes are escaped and load back. */
	assert_true(has_line(text, "  \"/work/a\\\"b\\\\c\", # 1 event"));
	assert_null(strstr(text, "/proc"));
	assert_null(strstr(text, "bad"));
	assert_null(strstr(text, "passwd"));
	assert_null(strstr(text, "gone"));
	assert_true(has_note(&n, "skipped '/proc/1234/status': a per-process /proc path"));
	assert_true(has_note(&n, "skipped '/proc/self/maps': names a process's own descriptors"));
	assert_true(has_note(&n, "not valid UTF-8"));
	assert_true(has_note(&n, "skipped '/work/../etc/passwd': contains '.' or '..'"));
	assert_true(has_note(&n, "skipped 'relative/file': not an absolute path"));
	/* Failed probes need no grant: one line for all of them. */
	assert_true(has_note(&n, "skipped 2 read grants of paths that do not exist now (a failed "
				 "open needs none): '/work/gone', '/work/gone2'"));
	assert_true(has_note(&n, "skipped '/work/written-gone' (write, 1 events): it cannot be "
				 "found now"));
	assert_true(has_note(&n, "skipped 'pipe:[1234]': not an absolute path"));
	synth_notes_release(&n);
	free(text);
	synth_free(s);
}

static void test_empty_trace_loads(void **state)
{
	struct synth *s = new_synth();
	char *text;

	(void)state;
	text = render(s, NULL, NULL);
	assert_true(has_line(text, "[filesystem]"));
	assert_null(strstr(text, "[exec]")); /* no allow list: nothing was seen running */
	free(text);
	synth_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_read_and_write_grants, setup),
		cmocka_unit_test_setup(test_created_names_grant_existing_parent, setup),
		cmocka_unit_test_setup(test_lookups_grant_nothing, setup),
		cmocka_unit_test_setup(test_rename_link_and_symlink, setup),
		cmocka_unit_test_setup(test_exec_allow_is_exactly_what_ran, setup),
		cmocka_unit_test_setup(test_created_program_means_no_exec_list, setup),
		cmocka_unit_test_setup(test_network_by_host_then_address, setup),
		cmocka_unit_test_setup(test_limits_with_margin, setup),
		cmocka_unit_test_setup(test_denied_events_never_granted, setup),
		cmocka_unit_test_setup(test_provenance_is_earliest_event, setup),
		cmocka_unit_test_setup(test_output_is_deterministic, setup),
		cmocka_unit_test_setup(test_comment_injection_neutralized, setup),
		cmocka_unit_test_setup(test_unloadable_paths_skipped_with_note, setup),
		cmocka_unit_test_setup(test_empty_trace_loads, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
