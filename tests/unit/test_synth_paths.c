/* Path tiers and --collapse in synthesis: protected paths never granted
 * unless forced (ATTACKS.md 20), never covered by a collapse even then;
 * collapses only from N used entries, only under --collapse-prefix, and
 * never silent inside the guarded trees. */
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

#include "synth_int.h"
#include "test_synth_util.h"

static const struct fake_file world[] = {
	{ "/home/u/.ssh/id_rsa", SYNTH_FILE, NULL },
	{ "/home/u/.aws/credentials", SYNTH_FILE, NULL },
	{ "/home/u/.bashrc", SYNTH_FILE, NULL },
	{ "/home/u/.profile", SYNTH_FILE, NULL },
	{ "/home/u/notes.txt", SYNTH_FILE, NULL },
	{ "/home/other/.kube/config", SYNTH_FILE, NULL },
	{ "/root/.bash_history", SYNTH_FILE, NULL },
	{ "/etc/shadow", SYNTH_FILE, NULL },
	{ "/etc/passwd", SYNTH_FILE, NULL },
	{ "/etc/group", SYNTH_FILE, NULL },
	{ "/etc/hosts", SYNTH_FILE, NULL },
	{ "/etc/ssl/certs/a.pem", SYNTH_FILE, NULL },
	{ "/etc/ssl/certs/b.pem", SYNTH_FILE, NULL },
	{ "/etc/ssl/certs/c.pem", SYNTH_FILE, NULL },
	{ "/etc/ssl/certs/d.pem", SYNTH_FILE, NULL },
	{ "/etc/ssl/certs/e.pem", SYNTH_FILE, NULL },
	{ "/usr/lib/py/a.py", SYNTH_FILE, NULL },
	{ "/usr/lib/py/b.py", SYNTH_FILE, NULL },
	{ "/usr/lib/py/c.py", SYNTH_FILE, NULL },
	{ "/usr/lib/py/enc/x.py", SYNTH_FILE, NULL },
	{ "/usr/lib/py/enc/y.py", SYNTH_FILE, NULL },
	{ "/usr/lib/py/unused.py", SYNTH_FILE, NULL },
	{ "/opt/tool/1", SYNTH_FILE, NULL },
	{ "/opt/tool/2", SYNTH_FILE, NULL },
	{ "/opt/tool/3", SYNTH_FILE, NULL },
	{ "/work/1", SYNTH_FILE, NULL },
	{ "/work/2", SYNTH_FILE, NULL },
	{ "/work/3", SYNTH_FILE, NULL },
	{ "/work/out.log", SYNTH_FILE, NULL },
	{ "/dev/shm/other", SYNTH_FILE, NULL },
	{ "/usr/bin/app", SYNTH_FILE, NULL },
	{ NULL, SYNTH_MISSING, NULL },
};

static int setup(void **state)
{
	(void)state;
	fake_fs = world;
	return 0;
}

static void expect_list(const char *text, const char *key, const char *want)
{
	char *got = list_of(text, "[filesystem]", key);

	assert_string_equal(got, want);
	free(got);
}

/* What a learning run touched that must never come back as a grant. */
static void add_sensitive(struct synth *s)
{
	add(s, row_path(1, "/home/u/.ssh/id_rsa", EVENT_ACC_READ));
	add(s, row_path(2, "/home/u/.aws/credentials", EVENT_ACC_READ));
	add(s, row_path(3, "/home/other/.kube/config", EVENT_ACC_READ));
	add(s, row_path(4, "/root/.bash_history", EVENT_ACC_WRITE));
	add(s, row_path(5, "/etc/shadow", EVENT_ACC_READ));
	add(s, row_path(6, "/etc", EVENT_ACC_READ | EVENT_ACC_DIR));    /* ls /etc */
	add(s, row_path(7, "/home", EVENT_ACC_READ | EVENT_ACC_DIR));   /* ls /home */
	add(s, row_path(8, "/toplevel", EVENT_ACC_CREATE));             /* write on / */
	add(s, row_path(9, "/home/u/new", EVENT_ACC_CREATE));           /* write on $HOME */
	add(s, row_path(10, "/etc/passwd", EVENT_ACC_READ));
	add(s, row_path(11, "/home/u/.kube/config", EVENT_ACC_READ)); /* no such file */
}

static void test_protected_paths_skipped(void **state)
{
	struct synth_notes n = { NULL, 0 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add_sensitive(s);
	text = render(s, NULL, &n);
	expect_list(text, "read", "/etc/passwd\n");
	expect_list(text, "write", "");
	assert_null(strstr(text, ".ssh"));
	assert_null(strstr(text, "/root"));
	assert_true(has_note(&n, "skipped protected path '/home/u/.ssh/id_rsa' (read, inside "
				 "/home/u/.ssh, 1 events); --force-sensitive grants it"));
	assert_true(has_note(&n, "skipped protected path '/home/other/.kube/config' (read, inside "
				 "/home/other/.kube"));
	assert_true(has_note(&n, "skipped protected path '/etc' (read, which contains /etc/shadow"));
	assert_true(has_note(&n, "skipped protected path '/home' (read, which contains "
				 "/home/u/.ssh"));
	assert_true(has_note(&n, "skipped protected path '/' (write"));
	assert_true(has_note(&n, "skipped protected path '/home/u' (write, which contains "
				 "/home/u/.ssh"));
	assert_true(has_note(&n, "skipped protected path '/root/.bash_history' (write, inside "
				 "/root"));
	/* A probe of a file that is not there grants nothing: no warning. */
	assert_false(has_note(&n, "protected path '/home/u/.kube/config'"));
	assert_true(has_note(&n, "skipped 1 read grants of paths that do not exist now (a failed "
				 "open needs none): '/home/u/.kube/config'"));
	synth_notes_release(&n);
	free(text);
	synth_free(s);
}

static void test_force_sensitive_grants_and_says_so(void **state)
{
	struct synth_opts o = { .home = "/home/u", .force_sensitive = true };
	struct synth_notes n = { NULL, 0 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(1, "/home/u/.ssh/id_rsa", EVENT_ACC_READ));
	add(s, row_path(2, "/etc/shadow", EVENT_ACC_READ));
	text = render(s, &o, &n);
	expect_list(text, "read", "/etc/shadow\n/home/u/.ssh/id_rsa\n");
	assert_true(has_note(&n, "warning: granting protected path '/home/u/.ssh/id_rsa' (read, "
				 "inside /home/u/.ssh, 1 events) because of --force-sensitive"));
	assert_true(has_note(&n, "warning: granting protected path '/etc/shadow'"));
	synth_notes_release(&n);
	free(text);
	synth_free(s);
}

static void add_py(struct synth *s)
{
	add(s, row_path(1, "/usr/lib/py/a.py", EVENT_ACC_READ));
	add(s, row_path(2, "/usr/lib/py/b.py", EVENT_ACC_READ));
	add(s, row_path(3, "/usr/lib/py/enc/x.py", EVENT_ACC_READ));
	add(s, row_path(4, "/usr/lib/py/enc/y.py", EVENT_ACC_READ));
	add(s, row_path(5, "/opt/tool/1", EVENT_ACC_READ));
	add(s, row_path(6, "/opt/tool/2", EVENT_ACC_READ));
	add(s, row_path(7, "/opt/tool/3", EVENT_ACC_READ));
}

static void test_no_collapse_by_default(void **state)
{
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add_py(s);
	text = render(s, NULL, NULL);
	expect_list(text, "read", "/opt/tool/1\n/opt/tool/2\n/opt/tool/3\n/usr/lib/py/a.py\n"
				  "/usr/lib/py/b.py\n/usr/lib/py/enc/x.py\n/usr/lib/py/enc/y.py\n");
	free(text);
	synth_free(s);
}

/* py has 3 used entries (a.py, b.py, enc/): it collapses, enc with 2 does
 * not count on its own, and the shallowest directory wins. */
static void test_collapse_n(void **state)
{
	struct synth_opts o = { .home = "/home/u", .collapse = 3 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add_py(s);
	text = render(s, &o, NULL);
	expect_list(text, "read", "/opt/tool\n/usr/lib/py\n");
	assert_true(has_line(text, "  \"/usr/lib/py\", # collapsed, 3 entries used; 4 events, "
				   "first by pid 100 /usr/bin/app"));
	free(text);
	o.collapse = 4;
	text = render(s, &o, NULL);
	assert_null(strstr(text, "collapsed"));
	free(text);
	synth_free(s);
}

static void test_collapse_prefix(void **state)
{
	const char *const prefix[] = { "/opt" };
	struct synth_opts o = { .home = "/home/u", .collapse = 3, .collapse_prefix = prefix,
				.n_collapse_prefix = 1 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add_py(s);
	text = render(s, &o, NULL);
	expect_list(text, "read", "/opt/tool\n/usr/lib/py/a.py\n/usr/lib/py/b.py\n"
				  "/usr/lib/py/enc/x.py\n/usr/lib/py/enc/y.py\n");
	free(text);
	synth_free(s);
}

/* Three files read and one written: the directory becomes readable, the
 * written file stays the only writable one. */
static void test_collapse_keeps_writes_narrow(void **state)
{
	struct synth_opts o = { .home = "/home/u", .collapse = 3 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(1, "/work/1", EVENT_ACC_READ));
	add(s, row_path(2, "/work/2", EVENT_ACC_READ));
	add(s, row_path(3, "/work/3", EVENT_ACC_READ));
	add(s, row_path(4, "/work/out.log", EVENT_ACC_WRITE));
	text = render(s, &o, NULL);
	expect_list(text, "read", "/work\n");
	expect_list(text, "write", "/work/out.log\n");
	free(text);
	add(s, row_path(5, "/work/1", EVENT_ACC_WRITE));
	add(s, row_path(6, "/work/2", EVENT_ACC_WRITE));
	text = render(s, &o, NULL);
	expect_list(text, "read", "");
	expect_list(text, "write", "/work\n");
	free(text);
	synth_free(s);
}

/* $HOME's dotfiles and /etc's files reach any N, yet neither is ever one
 * grant: each contains a protected path. */
static void test_collapse_never_covers_protected(void **state)
{
	struct synth_opts o = { .home = "/home/u", .collapse = 2, .force_sensitive = true };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(1, "/home/u/.bashrc", EVENT_ACC_READ));
	add(s, row_path(2, "/home/u/.profile", EVENT_ACC_READ));
	add(s, row_path(3, "/home/u/notes.txt", EVENT_ACC_READ));
	add(s, row_path(4, "/etc/passwd", EVENT_ACC_READ));
	add(s, row_path(5, "/etc/group", EVENT_ACC_READ));
	add(s, row_path(6, "/etc/hosts", EVENT_ACC_READ));
	text = render(s, &o, NULL);
	expect_list(text, "read", "/etc/group\n/etc/hosts\n/etc/passwd\n/home/u/.bashrc\n"
				  "/home/u/.profile\n/home/u/notes.txt\n");
	free(text);
	synth_free(s);
}

static void test_guarded_collapse_lists_what_it_adds(void **state)
{
	struct synth_opts o = { .home = "/home/u", .collapse = 3 };
	struct synth_notes n = { NULL, 0 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(1, "/etc/ssl/certs/a.pem", EVENT_ACC_READ));
	add(s, row_path(2, "/etc/ssl/certs/b.pem", EVENT_ACC_READ));
	add(s, row_path(3, "/etc/ssl/certs/c.pem", EVENT_ACC_READ));
	text = render(s, &o, &n);
	expect_list(text, "read", "/etc/ssl/certs\n");
	assert_true(has_note(&n, "collapsing '/etc/ssl/certs' (guarded tree '/etc') also grants "
				 "2 entries never used: d.pem, e.pem"));
	synth_notes_release(&n);
	free(text);
	synth_free(s);
}

/* A directory listed or written inside a guarded tree is a tree grant
 * too: the note says what else it opens. */
static void test_guarded_directory_grant_noted(void **state)
{
	struct synth_notes n = { NULL, 0 };
	struct synth *s = new_synth();
	char *text;

	(void)state;
	add(s, row_path(1, "/dev/shm/sem.x", EVENT_ACC_CREATE | EVENT_ACC_WRITE));
	add(s, row_path(2, "/usr/lib/py", EVENT_ACC_READ | EVENT_ACC_DIR));
	text = render(s, NULL, &n);
	expect_list(text, "write", "/dev/shm\n");
	expect_list(text, "read", "/usr/lib/py\n");
	assert_true(has_note(&n, "directory grant '/dev/shm' (guarded tree '/dev') also grants 1 "
				 "entries never used: other"));
	assert_false(has_note(&n, "/usr/lib/py")); /* not a guarded tree */
	synth_notes_release(&n);
	free(text);
	synth_free(s);
}

static void test_tier_helpers(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(synth_path_protected("/", "/home/u", buf, sizeof(buf)), "/");
	assert_null(synth_path_protected("/usr", "/home/u", buf, sizeof(buf)));
	assert_null(synth_path_protected("/rootfs/x", "/home/u", buf, sizeof(buf)));
	assert_null(synth_path_protected("/etc/shadowsocks.json", "/home/u", buf, sizeof(buf)));
	assert_string_equal(synth_path_protected("/srv/x/.gnupg/k", NULL, buf, sizeof(buf)),
			    "/srv/x/.gnupg");
	assert_null(synth_path_protected("/srv/x/.sshd", NULL, buf, sizeof(buf)));
	assert_string_equal(synth_path_guarded("/proc/cpuinfo", "/home/u"), "/proc");
	assert_string_equal(synth_path_guarded("/home/u/x", "/home/u"), "/home/u");
	assert_null(synth_path_guarded("/home/uu", "/home/u"));
	assert_null(synth_path_guarded("/devices", "/home/u"));
	assert_true(synth_path_covers("/", "/x"));
	assert_true(synth_path_covers("/a", "/a/b"));
	assert_false(synth_path_covers("/a", "/ab"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_protected_paths_skipped, setup),
		cmocka_unit_test_setup(test_force_sensitive_grants_and_says_so, setup),
		cmocka_unit_test_setup(test_no_collapse_by_default, setup),
		cmocka_unit_test_setup(test_collapse_n, setup),
		cmocka_unit_test_setup(test_collapse_prefix, setup),
		cmocka_unit_test_setup(test_collapse_keeps_writes_narrow, setup),
		cmocka_unit_test_setup(test_collapse_never_covers_protected, setup),
		cmocka_unit_test_setup(test_guarded_collapse_lists_what_it_adds, setup),
		cmocka_unit_test_setup(test_guarded_directory_grant_noted, setup),
		cmocka_unit_test_setup(test_tier_helpers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
