/* Unit tests of the pure deny-hole decisions (holes.h) and the lexical
 * recognition of the caller's /proc/self forms (opener_parse_magic).
 * Sets are built by hand with fake inodes: no file is touched. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "holes.h"
#include "opener.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct policy_origin flag = { 0 };

/* Holes /data/secret (0, dir: inodes 100..102 on dev 1) and /data/key
 * (1, inode 200); /data is inode 10 and / inode 2 (ancestors);
 * /data/gone (2) did not exist at start. */
static void build(struct holes *h)
{
	holes_init(h);
	assert_int_equal(holes_add_path(h, "/data/secret", true, flag, 0), 0);
	assert_int_equal(holes_add_path(h, "/data/key", true, flag, 1), 1);
	assert_int_equal(holes_add_path(h, "/data/gone", false, flag, 2), 2);
	for (uint64_t i = 100; i <= 102; i++)
		assert_int_equal(holes_add_inode(h, 1, i, 0), 0);
	assert_int_equal(holes_add_inode(h, 1, 200, 1), 0);
	assert_int_equal(holes_add_ancestor(h, 1, 10, 0), 0);
	assert_int_equal(holes_add_ancestor(h, 1, 2, 0), 0);
	assert_int_equal(holes_add_ancestor(h, 1, 10, 1), 0); /* duplicate: dropped */
	holes_seal(h);
}

static int decide(const struct holes *h, uint64_t ino, const char *path, enum holes_op op)
{
	struct holes_obj o = { 1, ino, path };

	return holes_decide(h, &o, op);
}

static void test_path_normal(void **state)
{
	static const char *const good[] = { "/", "/a", "/a/b", "/a/.b", "/a/..b", "/a b/c" };
	static const char *const bad[] = { "", "a", "a/b", "//", "/a/", "/a//b", "/./a",
					   "/a/.", "/a/..", "/../a", "/a/../b" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(holes_path_normal(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_false(holes_path_normal(bad[i]));
		assert_int_equal(holes_add_path(&(struct holes){ 0 }, bad[i], true, flag, 0),
				 -EINVAL);
	}
}

static void test_find_path(void **state)
{
	struct holes h;

	(void)state;
	build(&h);
	assert_int_equal(holes_find_path(&h, "/data/secret"), 0);
	assert_int_equal(holes_find_path(&h, "/data/secret/a/b"), 0);
	assert_int_equal(holes_find_path(&h, "/data/key"), 1);
	assert_int_equal(holes_find_path(&h, "/data/gone/x"), 2);
	/* A prefix of the name is not the hole. */
	assert_int_equal(holes_find_path(&h, "/data/secretly"), -1);
	assert_int_equal(holes_find_path(&h, "/data/key2"), -1);
	assert_int_equal(holes_find_path(&h, "/data"), -1);
	assert_int_equal(holes_find_path(&h, "/"), -1);
	assert_int_equal(holes_find_path(&h, NULL), -1);
	/* Directories above a hole. */
	assert_int_equal(holes_find_below(&h, "/data"), 0);
	assert_int_equal(holes_find_below(&h, "/"), 0);
	assert_int_equal(holes_find_below(&h, "/data/secret"), -1);
	assert_int_equal(holes_find_below(&h, "/dat"), -1);
	assert_int_equal(holes_find_below(&h, "/other"), -1);
	holes_release(&h);
}

static void test_find_inode(void **state)
{
	struct holes h;

	(void)state;
	build(&h);
	assert_int_equal(h.n_ancestors, 2);
	assert_int_equal(holes_find_inode(&h, 1, 101), 0);
	assert_int_equal(holes_find_inode(&h, 1, 200), 1);
	assert_int_equal(holes_find_inode(&h, 2, 200), -1); /* another device */
	assert_int_equal(holes_find_inode(&h, 1, 103), -1);
	assert_int_equal(holes_find_ancestor(&h, 1, 10), 0);
	assert_int_equal(holes_find_ancestor(&h, 1, 100), -1);
	holes_release(&h);
	/* Empty sets answer no. */
	holes_init(&h);
	assert_int_equal(holes_find_inode(&h, 1, 1), -1);
	assert_int_equal(holes_find_ancestor(&h, 1, 1), -1);
	assert_int_equal(holes_find_path(&h, "/a"), -1);
}

/* The inode decides even under another name (a hardlink, a bind mount),
 * the path even for a new inode (created in the hole after start). */
static void test_decide(void **state)
{
	struct holes h;

	(void)state;
	build(&h);
	assert_int_equal(decide(&h, 200, "/elsewhere/hardlink", HOLES_REACH), 1);
	assert_int_equal(decide(&h, 102, NULL, HOLES_REACH), 0);
	assert_int_equal(decide(&h, 999, "/data/secret/new", HOLES_REACH), 0);
	assert_int_equal(decide(&h, 999, "/data/gone", HOLES_REACH), 2);
	assert_int_equal(decide(&h, 999, "/data/public", HOLES_REACH), -1);
	/* Moving a directory above a hole would move the hole. */
	assert_int_equal(decide(&h, 10, "/data", HOLES_REACH), -1);
	assert_int_equal(decide(&h, 10, "/data", HOLES_MOVE), 0);
	assert_int_equal(decide(&h, 999, "/data", HOLES_MOVE), 0);      /* by path */
	assert_int_equal(decide(&h, 10, "/mnt/bind", HOLES_MOVE), 0);   /* by inode */
	assert_int_equal(decide(&h, 999, "/data/pub", HOLES_MOVE), -1);
	holes_release(&h);
}

static void test_decide_name(void **state)
{
	struct holes h;
	struct holes_obj data = { 1, 10, "/data" }, secret = { 1, 100, "/data/secret" };
	struct holes_obj root = { 1, 2, "/" }, pub = { 1, 50, "/data/pub" };

	(void)state;
	build(&h);
	assert_int_equal(holes_decide_name(&h, &data, "key"), 1);
	assert_int_equal(holes_decide_name(&h, &data, "gone"), 2);
	assert_int_equal(holes_decide_name(&h, &data, "other"), -1);
	assert_int_equal(holes_decide_name(&h, &secret, "new"), 0);
	assert_int_equal(holes_decide_name(&h, &pub, "key"), -1);
	assert_int_equal(holes_decide_name(&h, &root, "data"), -1);
	/* A directory without a path (unreachable) is judged by inode only. */
	pub.path = NULL;
	assert_int_equal(holes_decide_name(&h, &pub, "x"), -1);
	secret.path = NULL;
	assert_int_equal(holes_decide_name(&h, &secret, "x"), 0);
	holes_release(&h);
}

static void test_inode_cap(void **state)
{
	struct holes h;

	(void)state;
	holes_init(&h);
	h.max_inodes = 40;
	for (uint64_t i = 0; i < 40; i++)
		assert_int_equal(holes_add_inode(&h, 1, 1000 - i, 0), 0);
	assert_int_equal(holes_add_inode(&h, 1, 5, 0), -E2BIG);
	holes_seal(&h);
	assert_int_equal(h.n_inodes, 40);
	for (uint64_t i = 0; i < 40; i++)
		assert_int_equal(holes_find_inode(&h, 1, 1000 - i), 0);
	holes_release(&h);
	assert_int_equal(h.max_inodes, HOLES_MAX_INODES);
}

struct magic_case {
	const char *path;
	enum opener_magic_kind kind;
	enum opener_scope scope;
	int pid, task, fd;
	const char *rest;
};

static void test_parse_magic(void **state)
{
	static const struct magic_case cases[] = {
		{ "/etc/passwd", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "/etc/passwd" },
		{ "proc/self/fd/3", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "proc/self/fd/3" },
		{ "/proc/self/fd/3", OPENER_FD, OPENER_SELF, 0, 0, 3, "" },
		{ "/proc/self/fd/3/", OPENER_FD, OPENER_SELF, 0, 0, 3, "." },
		{ "/proc/self/fd/3/a/b", OPENER_FD, OPENER_SELF, 0, 0, 3, "a/b" },
		{ "//proc/./self//fd/12/x", OPENER_FD, OPENER_SELF, 0, 0, 12, "x" },
		{ "/proc/thread-self/fd/0", OPENER_FD, OPENER_THREAD_SELF, 0, 0, 0, "" },
		{ "/proc/42/fd/7", OPENER_FD, OPENER_PID, 42, 0, 7, "" },
		{ "/proc/42/task/43/cwd/f", OPENER_CWD, OPENER_PID_TASK, 42, 43, 0, "f" },
		{ "/proc/self/cwd", OPENER_CWD, OPENER_SELF, 0, 0, 0, "" },
		{ "/proc/self/root/etc", OPENER_ROOT, OPENER_SELF, 0, 0, 0, "etc" },
		{ "/proc/self/exe", OPENER_EXE, OPENER_SELF, 0, 0, 0, "" },
		{ "/dev/fd/5", OPENER_FD, OPENER_SELF, 0, 0, 5, "" },
		{ "/dev/stdin", OPENER_FD, OPENER_SELF, 0, 0, 0, "" },
		{ "/dev/stderr", OPENER_FD, OPENER_SELF, 0, 0, 2, "" },
		{ "/dev/stdout", OPENER_FD, OPENER_SELF, 0, 0, 1, "" },
		/* Other entries of /proc/self: rest below /proc/PID. */
		{ "/proc/self", OPENER_PROC, OPENER_SELF, 0, 0, 0, "" },
		{ "/proc/self/", OPENER_PROC, OPENER_SELF, 0, 0, 0, "." },
		{ "/proc/self/status", OPENER_PROC, OPENER_SELF, 0, 0, 0, "status" },
		{ "/proc/self/fd", OPENER_PROC, OPENER_SELF, 0, 0, 0, "fd" },
		{ "/proc/self/fd/x", OPENER_PROC, OPENER_SELF, 0, 0, 0, "fd/x" },
		{ "/proc/self/../1/environ", OPENER_PROC, OPENER_SELF, 0, 0, 0, "../1/environ" },
		{ "/dev/fd", OPENER_PROC, OPENER_SELF, 0, 0, 0, "fd" },
		{ "/proc/net/tcp", OPENER_PROC, OPENER_SELF, 0, 0, 0, "net/tcp" },
		{ "/proc/mounts", OPENER_PROC, OPENER_SELF, 0, 0, 0, "mounts" },
		/* Not the forms: resolved as paths, without magic links. */
		{ "/proc/self/fd/03", OPENER_PROC, OPENER_SELF, 0, 0, 0, "fd/03" },
		{ "/proc/self/fd/-1", OPENER_PROC, OPENER_SELF, 0, 0, 0, "fd/-1" },
		{ "/proc/../proc/self/fd/3", OPENER_PLAIN, OPENER_SELF, 0, 0, 0,
		  "/proc/../proc/self/fd/3" },
		{ "/proc/selfish/fd/3", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "/proc/selfish/fd/3" },
		{ "/proc/0/fd/3", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "/proc/0/fd/3" },
		{ "/proc/1234567890/fd/3", OPENER_PLAIN, OPENER_SELF, 0, 0, 0,
		  "/proc/1234567890/fd/3" },
		{ "/proc", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "/proc" },
		{ "/dev/stdinx", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "/dev/stdinx" },
		{ "/dev/null", OPENER_PLAIN, OPENER_SELF, 0, 0, 0, "/dev/null" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct magic_case *c = &cases[i];
		struct opener_magic m;

		opener_parse_magic(c->path, &m);
		if (m.kind != c->kind || m.scope != c->scope || m.pid != c->pid ||
		    m.task != c->task || (c->kind == OPENER_FD && m.fd != c->fd) ||
		    strcmp(m.rest, c->rest) != 0)
			fail_msg("'%s': kind %d scope %d pid %d task %d fd %d rest '%s'", c->path,
				 m.kind, m.scope, (int)m.pid, (int)m.task, m.fd, m.rest);
		assert_int_equal(m.dev_link,
				 c->kind == OPENER_FD && strncmp(c->path, "/dev/std", 8) == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_normal), cmocka_unit_test(test_find_path),
		cmocka_unit_test(test_find_inode),  cmocka_unit_test(test_decide),
		cmocka_unit_test(test_decide_name), cmocka_unit_test(test_inode_cap),
		cmocka_unit_test(test_parse_magic),
	};
	return cmocka_run_group_tests_name("holes", tests, NULL, NULL);
}
