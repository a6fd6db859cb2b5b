/* Unit tests of the policy model: the TOML reader (policy_parse), the
 * normalized printer (policy_print) and its round trip, and the [network]
 * rule grammar (policy_net.c).  All pure code: no file, no syscall. */
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

#include "compat.h"
#include "landlock.h"
#include "policy.h"
#include "sysset.h"

#include "policy_helpers.h"
static const char full_doc[] =
	"# every section and key\n"				/* 1 */
	"[filesystem]\n"					/* 2 */
	"system = true\n"					/* 3 */
	"read = [\"/usr\", \"/etc/hosts\"]\n"			/* 4 */
	"write = [\"/tmp/work\", '/tmp/a b']\n"			/* 5 */
	"\n"							/* 6 */
	"[exec]\n"						/* 7 */
	"allow = [\"/usr/bin/python3\", \"/bin/sh\"]\n"		/* 8 */
	"\n"							/* 9 */
	"[network]\n"						/* 10 */
	"allow = [\":443\", \"tcp://*:8000-8100\", \"udp://*:*\"]\n" /* 11 */
	"allow_bind = [8080, \"9000-9001\", 0]\n"		/* 12 */
	"\n"							/* 13 */
	"[syscalls]\n"						/* 14 */
	"extra_deny = [\"chmod\", \"acct\"]\n"			/* 15 */
	"extra_allow = [\"personality\"]\n"			/* 16 */
	"\n"							/* 17 */
	"[limits]\n"						/* 18 */
	"open_files = 64\n"					/* 19 */
	"timeout = 30\n"					/* 20 */
	"\n"							/* 21 */
	"[program]\n"						/* 22 */
	"clean_env = true\n"					/* 23 */
	"cwd = \"/tmp/work\"\n"					/* 24 */
	"env = { FOO = \"bar\", \"X Y\" = \"z\" }\n"		/* 25 */
	"\n"							/* 26 */
	"[http]\n";						/* 27: empty is fine */

static void parse_full_document(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "full.toml", full_doc);

	assert_int_equal(p.n_sources, 1);
	assert_string_equal(p.sources[0], "full.toml");

	assert_true(p.system_set);
	assert_int_equal(p.n_paths, 4);
	assert_grant(&p, "/usr", POLICY_READ, 4, 9);
	assert_grant(&p, "/etc/hosts", POLICY_READ, 4, 17);
	assert_grant(&p, "/tmp/work", POLICY_READ | POLICY_WRITE, 5, 10);
	assert_grant(&p, "/tmp/a b", POLICY_READ | POLICY_WRITE, 5, 23);
	assert_ptr_equal(p.paths[0].origin.source, p.sources[0]);

	assert_true(p.exec_restricted);
	assert_int_equal(p.n_exec, 2);
	assert_string_equal(p.exec[0].path, "/usr/bin/python3");
	assert_string_equal(p.exec[1].path, "/bin/sh");
	assert_int_equal(p.exec[1].origin.line, 8);
	assert_int_equal(p.exec[1].origin.col, 30);

	assert_false(p.tcp_connect_any);
	assert_false(p.tcp_bind_any);
	assert_true(p.udp_any);
	/* Supervised (UDP to port 443): the supervisor performs every TCP
	 * connect, the child's Landlock allows none. */
	assert_int_equal(p.n_connect, 0);
	assert_int_equal(p.net[1].origin.line, 11);
	assert_range(&p.net[1].ports[0], 8000, 8100);
	assert_int_equal(p.n_bind, 3);
	assert_range(&p.bind[0], 8080, 8080);
	assert_range(&p.bind[1], 9000, 9001);
	assert_range(&p.bind[2], 0, 0);
	assert_int_equal(p.bind[0].origin.line, 12);
	assert_int_equal(p.bind[0].origin.col, 15);
	/* The rules themselves; no scheme is TCP and UDP. */
	assert_int_equal(p.n_net, 3);
	assert_int_equal(p.n_net_allow, 3);
	assert_int_equal(p.net[0].proto, POLICY_NET_TCP | POLICY_NET_UDP);
	assert_int_equal(p.net[1].proto, POLICY_NET_TCP);
	assert_int_equal(p.net[2].proto, POLICY_NET_UDP);
	assert_true(p.net[2].ports_any);
	assert_int_equal(p.net[1].origin.col, 18);
	assert_true(policy_net_supervised(&p)); /* UDP to port 443 */

	assert_int_equal(p.n_sys_deny, 2);
	assert_string_equal(p.sys_deny[0], "chmod");
	assert_string_equal(p.sys_deny[1], "acct");
	assert_int_equal(p.n_sys_allow, 1);
	assert_string_equal(p.sys_allow[0], "personality");

	assert_int_equal(p.open_files, 64);
	assert_int_equal(p.timeout_sec, 30);

	assert_true(p.clean_env);
	assert_string_equal(p.cwd, "/tmp/work");
	assert_int_equal(p.n_env, 2);
	assert_string_equal(p.env[0], "FOO=bar");
	assert_string_equal(p.env[1], "X Y=z");

	policy_release(&p);
	/* release leaves an empty, reusable policy */
	assert_null(p.paths);
	assert_int_equal(p.n_paths, 0);
	assert_int_equal(p.n_sources, 0);
	parse_ok(&p, "again.toml", "[filesystem]\nread = [\"/x\"]\n");
	assert_int_equal(p.n_paths, 1);
	policy_release(&p);
}

static void parse_empty_documents(void **state)
{
	static const char *const docs[] = {
		"",
		"\n\n",
		"# only a comment\n",
		"[filesystem]\n[network]\n[http]\n[limits]\n",
		"[filesystem]\nread = []\nwrite = []\n[network]\nallow = []\nallow_bind = []\n"
		"deny = []\n"
		"[syscalls]\nextra_deny = []\nextra_allow = []\n[limits]\n[program]\nenv = {}\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		struct policy p;

		policy_init(&p);
		parse_ok(&p, "e.toml", docs[i]);
		assert_false(p.system_set);
		assert_false(p.exec_restricted);
		assert_int_equal(p.n_paths + p.n_exec + p.n_connect + p.n_bind + p.n_sys_deny +
					 p.n_sys_allow + p.n_env + p.n_net,
				 0);
		assert_false(p.tcp_connect_any || p.tcp_bind_any || p.udp_any || p.clean_env);
		assert_int_equal(p.open_files + p.timeout_sec, 0);
		assert_null(p.cwd);
		policy_release(&p);
	}
}

static void parse_env_table_form(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "t.toml",
		 "[program]\n"
		 "clean_env = false\n"
		 "\n"
		 "[program.env]\n"
		 "FOO = \"bar\"\n"
		 "\"WITH SPACE\" = 'v'\n"
		 "EMPTY = \"\"\n"
		 "ESC = \"a\\tb\\\"c\"\n"
		 "EQ = \"x=y\"\n");
	assert_false(p.clean_env);
	assert_int_equal(p.n_env, 5);
	assert_string_equal(p.env[0], "FOO=bar");
	assert_string_equal(p.env[1], "WITH SPACE=v");
	assert_string_equal(p.env[2], "EMPTY=");
	assert_string_equal(p.env[3], "ESC=a\tb\"c");
	assert_string_equal(p.env[4], "EQ=x=y");
	policy_release(&p);

	/* [program.env] alone implies [program]. */
	policy_init(&p);
	parse_ok(&p, "t.toml", "[program.env]\nA = \"1\"\n");
	assert_int_equal(p.n_env, 1);
	assert_string_equal(p.env[0], "A=1");
	policy_release(&p);
}

/* [filesystem] deny keeps its order (an index is a rule id) and its
 * origin; duplicates merge; hide_stat is a boolean; print round-trips. */
static void parse_deny_holes(void **state)
{
	struct policy p;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "t.toml",
		 "[filesystem]\n"
		 "write = [\"/home/u/proj\"]\n"
		 "deny = [\"/home/u/proj/.env\",\n"
		 "        \"/home/u/proj/keys\", \"/home/u/proj/.env\"]\n"
		 "hide_stat = true\n");
	assert_int_equal(p.n_deny, 2);
	assert_string_equal(p.deny[0].path, "/home/u/proj/.env");
	assert_string_equal(p.deny[1].path, "/home/u/proj/keys");
	assert_int_equal(p.deny[1].origin.line, 4);
	assert_int_equal(p.deny[1].origin.col, 9);
	assert_true(p.hide_stat);
	f = open_memstream(&out, &len);
	assert_int_equal(policy_print(&p, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "deny = [\n  \"/home/u/proj/.env\",\n  \"/home/u/proj/keys\",\n]\n"
				    "hide_stat = true\n"));
	free(out);
	policy_release(&p);
}

static void parse_env_inline_and_dotted_forms(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "i.toml", "[program]\nenv = { B = \"2\", A = \"1\" }\n");
	assert_int_equal(p.n_env, 2);
	assert_string_equal(p.env[0], "B=2"); /* document order */
	assert_string_equal(p.env[1], "A=1");
	policy_release(&p);

	policy_init(&p);
	parse_ok(&p, "d.toml", "[program]\nenv.LANG = \"C\"\nenv.TZ = \"UTC\"\n");
	assert_int_equal(p.n_env, 2);
	assert_string_equal(p.env[0], "LANG=C");
	assert_string_equal(p.env[1], "TZ=UTC");
	policy_release(&p);
}

static void parse_allow_bind_ints_and_strings(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "b.toml",
		 "[network]\nallow_bind = [0, 8080, \"9000-9001\", \"22,80\", 65535, 0x50, \"1\"]\n");
	assert_false(p.tcp_bind_any);
	assert_int_equal(p.n_bind, 8);
	assert_range(&p.bind[0], 0, 0);
	assert_range(&p.bind[1], 8080, 8080);
	assert_range(&p.bind[2], 9000, 9001);
	assert_range(&p.bind[3], 22, 22);
	assert_range(&p.bind[4], 80, 80);
	assert_range(&p.bind[5], 65535, 65535);
	assert_range(&p.bind[6], 80, 80);
	assert_range(&p.bind[7], 1, 1);
	assert_int_equal(p.n_connect, 0);
	policy_release(&p);

	policy_init(&p);
	parse_ok(&p, "b.toml", "[network]\nallow_bind = [\"*\"]\n");
	assert_true(p.tcp_bind_any);
	assert_int_equal(p.n_bind, 0);
	assert_false(p.tcp_connect_any);
	policy_release(&p);
}

static void parse_merges_two_files(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "a.toml",
		 "[filesystem]\nsystem = true\nread = [\"/srv\", \"/data\"]\n"
		 "[network]\nallow = [\":443\"]\n"
		 "[limits]\ntimeout = 10\nopen_files = 100\n"
		 "[program]\nenv = { A = \"1\" }\n"
		 "[syscalls]\nextra_deny = [\"acct\"]\n");
	parse_ok(&p, "b.toml",
		 "[filesystem]\n"
		 "write = [\"/data\", \"/out\"]\n"
		 "[exec]\nallow = [\"/bin/sh\"]\n"
		 "[network]\nallow = [\":80\"]\nallow_bind = [8080]\n"
		 "[limits]\ntimeout = 20\n"
		 "[program]\nenv = { B = \"2\" }\ncwd = \"/out\"\n"
		 "[syscalls]\nextra_deny = [\"chmod\"]\n");

	assert_int_equal(p.n_sources, 2);
	assert_string_equal(p.sources[0], "a.toml");
	assert_string_equal(p.sources[1], "b.toml");
	assert_true(p.system_set); /* b does not say otherwise */

	assert_int_equal(p.n_paths, 3);
	assert_grant(&p, "/srv", POLICY_READ, 3, 9);
	/* The grant of the same path merges access and keeps the first origin. */
	assert_grant(&p, "/data", POLICY_READ | POLICY_WRITE, 3, 17);
	assert_string_equal(find_path(p.paths, p.n_paths, "/data")->origin.source, "a.toml");
	assert_grant(&p, "/out", POLICY_READ | POLICY_WRITE, 2, 19);
	assert_string_equal(find_path(p.paths, p.n_paths, "/out")->origin.source, "b.toml");

	assert_true(p.exec_restricted);
	assert_int_equal(p.n_exec, 1);
	assert_int_equal(p.n_net, 2);
	assert_range(&p.net[0].ports[0], 443, 443);
	assert_range(&p.net[1].ports[0], 80, 80);
	assert_string_equal(p.net[1].origin.source, "b.toml");
	assert_int_equal(p.n_connect, 0); /* supervised: UDP per port */
	assert_int_equal(p.n_bind, 1);
	assert_int_equal(p.timeout_sec, 10); /* limits merge to the smallest */
	assert_int_equal(p.open_files, 100);
	assert_string_equal(p.cwd, "/out");
	assert_int_equal(p.n_env, 2);
	assert_string_equal(p.env[0], "A=1");
	assert_string_equal(p.env[1], "B=2");
	assert_int_equal(p.n_sys_deny, 2);

	/* The same file name registers one source. */
	parse_ok(&p, "a.toml", "");
	assert_int_equal(p.n_sources, 2);
	policy_release(&p);
}

static void parse_same_path_merges(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "m.toml",
		 "[filesystem]\n"
		 "write = [\"/w\"]\n"
		 "read = [\"/r\", \"/w\", \"/r\"]\n"
		 "[exec]\n"
		 "allow = [\"/bin/sh\", \"/bin/sh\"]\n");
	assert_int_equal(p.n_paths, 2);
	assert_grant(&p, "/w", POLICY_READ | POLICY_WRITE, 2, 10);
	assert_grant(&p, "/r", POLICY_READ, 3, 9);
	assert_int_equal(p.n_exec, 1);
	/* Not canonicalized: a trailing slash is another path. */
	parse_ok(&p, "m2.toml", "[filesystem]\nread = [\"/r/\"]\n");
	assert_int_equal(p.n_paths, 3);
	policy_release(&p);
}

#define MANY_PATHS 200000

/* A policy with many paths: each is merged into the grant of the same path
 * through the hash index, never by a scan (the timing is in the review
 * notes; here only correctness). */
static void parse_many_paths(void **state)
{
	size_t cap = (size_t)MANY_PATHS * 24 + 4096, len = 0;
	char *doc = malloc(cap);
	struct policy p;
	char path[32];

	(void)state;
	assert_non_null(doc);
	len += (size_t)snprintf(doc + len, cap - len, "[filesystem]\nread = [\n");
	for (unsigned i = 0; i < MANY_PATHS; i++)
		len += (size_t)snprintf(doc + len, cap - len, "\"/d%u/f\",\n", i * 7919u % MANY_PATHS);
	/* Half of them again as write grants, and exec grants twice. */
	len += (size_t)snprintf(doc + len, cap - len, "]\nwrite = [\n");
	for (unsigned i = 0; i < MANY_PATHS; i += 2)
		len += (size_t)snprintf(doc + len, cap - len, "\"/d%u/f\",\n", i);
	len += (size_t)snprintf(doc + len, cap - len, "]\n[exec]\nallow = [\"/bin/sh\", \"/x\", "
				"\"/bin/sh\"]\n");
	assert_true(len < cap);
	policy_init(&p);
	parse_ok(&p, "many.toml", doc);
	assert_int_equal(p.n_paths, MANY_PATHS);
	assert_int_equal(p.n_exec, 2);
	for (unsigned i = 0; i < MANY_PATHS; i += 997) {
		const struct policy_path *g;

		snprintf(path, sizeof(path), "/d%u/f", i);
		g = find_path(p.paths, p.n_paths, path);
		assert_non_null(g);
		assert_int_equal(g->access, i % 2 ? POLICY_READ : POLICY_READ | POLICY_WRITE);
		/* Element j of the read list is on line 3 + j, and kept its
		 * first origin when the write grant merged into it. */
		assert_int_equal(g->origin.line, 3 + (unsigned)(g - p.paths));
		assert_int_equal(g->origin.col, 1);
	}
	free(doc);
	policy_release(&p);
}

/* The index follows an array changed without policy_add_path (a test or
 * a future caller appending directly): it is rebuilt, never trusted stale. */
static void path_index_survives_direct_edits(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };
	const struct policy_origin o = { 0 };
	struct policy_path *q;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_path(&p, "/a", POLICY_READ, o, &d), 0);
	q = reallocarray(p.paths, 2, sizeof(*q));
	assert_non_null(q);
	p.paths = q;
	p.paths[1] = (struct policy_path){ .path = strdup("/b"), .access = POLICY_READ };
	p.n_paths = 2;
	assert_int_equal(policy_add_path(&p, "/b", POLICY_WRITE, o, &d), 0);
	assert_int_equal(p.n_paths, 2);
	assert_int_equal(p.paths[1].access, POLICY_READ | POLICY_WRITE);
	/* Released: the same policy indexes afresh. */
	policy_release(&p);
	assert_int_equal(policy_add_path(&p, "/b", POLICY_READ, o, &d), 0);
	assert_int_equal(policy_add_path(&p, "/b", POLICY_WRITE, o, &d), 0);
	assert_int_equal(p.n_paths, 1);
	assert_int_equal(p.paths[0].access, POLICY_READ | POLICY_WRITE);
	policy_release(&p);
}

static void parse_exec_empty_list_restricts(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "x.toml", "[exec]\nallow = []\n");
	assert_true(p.exec_restricted);
	assert_int_equal(p.n_exec, 0);
	policy_release(&p);
}

static void parse_network_any(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "n.toml", "[network]\nallow = [\"*\"]\n");
	assert_true(p.tcp_connect_any);
	assert_true(p.udp_any);
	policy_release(&p);

	policy_init(&p);
	parse_ok(&p, "n.toml", "[network]\nallow = [\"tcp://*:*\"]\n");
	assert_true(p.tcp_connect_any);
	assert_false(p.udp_any);
	policy_release(&p);
}

static void parse_paths_with_dots_in_names(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "d.toml",
		 "[filesystem]\nread = [\"/a/.b\", \"/a/..b\", \"/a/b..\", \"/...\", \"/a.\", \"/\"]\n");
	assert_int_equal(p.n_paths, 6);
	policy_release(&p);
}

/* ---- policy_parse: errors ---- */

static void parse_errors_structure(void **state)
{
	(void)state;
	parse_err("[foo]\n", "p.toml:1:2: unknown section [foo]");
	parse_err("\n\n[ filesystems ]\n", "p.toml:3:3: unknown section [filesystems]");
	parse_err("foo = {}\n", "p.toml:1:1: unknown section [foo]");
	parse_err("x = 1\n",
		  "p.toml:1:1: unknown top-level key 'x' (expected a section such as [filesystem])");
	parse_err("filesystem = 1\n", "p.toml:1:1: 'filesystem' must be a section, not integer");
	parse_err("network = []\n", "p.toml:1:1: 'network' must be a section, not array");
	parse_err("[filesystem]\nwirte = []\n", "p.toml:2:1: unknown key 'wirte' in [filesystem]");
	parse_err("[filesystem.sub]\n", "p.toml:1:13: unknown key 'sub' in [filesystem]");
	parse_err("[network]\nallow = []\nconnect = []\n",
		  "p.toml:3:1: unknown key 'connect' in [network]");
	parse_err("[program]\nenviron = {}\n", "p.toml:2:1: unknown key 'environ' in [program]");
	parse_err("[limits]\n  cpu = 1\n", "p.toml:2:3: unknown key 'cpu' in [limits]");
	/* A TOML syntax error keeps the parser's position and words. */
	parse_err("[filesystem]\nread = [\"/x\"]\nread = []\n", "p.toml:3:1: duplicate key 'read'");
}

static void parse_errors_types(void **state)
{
	(void)state;
	parse_err("[filesystem]\nread = \"/x\"\n",
		  "p.toml:2:8: 'read' must be an array of strings, not string");
	parse_err("[filesystem]\nwrite = [\"/x\", 1]\n",
		  "p.toml:2:16: 'write' must contain strings, not integer");
	parse_err("[filesystem]\nread = [[\"/x\"]]\n",
		  "p.toml:2:9: 'read' must contain strings, not array");
	parse_err("[filesystem]\nsystem = \"yes\"\n",
		  "p.toml:2:10: 'system' must be a boolean, not string");
	parse_err("[filesystem]\nsystem = 1\n", "p.toml:2:10: 'system' must be a boolean, not integer");
	parse_err("[exec]\nallow = \"/bin/sh\"\n",
		  "p.toml:2:9: 'allow' must be an array of strings, not string");
	parse_err("[network]\nallow = [443]\n", "p.toml:2:10: 'allow' must contain strings, not integer");
	parse_err("[network]\nallow_bind = \"80\"\n",
		  "p.toml:2:14: 'allow_bind' must be an array of ports, not string");
	parse_err("[network]\nallow_bind = [true]\n",
		  "p.toml:2:15: 'allow_bind' must contain ports, not boolean");
	parse_err("[syscalls]\nextra_deny = \"acct\"\n",
		  "p.toml:2:14: 'extra_deny' must be an array of strings, not string");
	parse_err("[syscalls]\nextra_allow = [{}]\n",
		  "p.toml:2:16: 'extra_allow' must contain strings, not table");
	parse_err("[limits]\ntimeout = \"30\"\n", "p.toml:2:11: 'timeout' must be an integer, not string");
	parse_err("[limits]\nopen_files = true\n",
		  "p.toml:2:14: 'open_files' must be an integer, not boolean");
	parse_err("[program]\nclean_env = \"true\"\n",
		  "p.toml:2:13: 'clean_env' must be a boolean, not string");
	parse_err("[program]\ncwd = 1\n", "p.toml:2:7: 'cwd' must be a string, not integer");
	parse_err("[program]\nenv = \"A=1\"\n", "p.toml:2:7: 'env' must be a table of strings, not string");
	parse_err("[program]\nenv = [\"A=1\"]\n", "p.toml:2:7: 'env' must be a table of strings, not array");
	parse_err("[program]\nenv = { A = 1 }\n", "p.toml:2:13: env value 'A' must be a string, not integer");
	parse_err("[program.env]\nA = \"1\"\nB = false\n",
		  "p.toml:3:5: env value 'B' must be a string, not boolean");
}

static void parse_errors_values(void **state)
{
	(void)state;
	parse_err("[filesystem]\nread = [\"rel/x\"]\n",
		  "p.toml:2:9: relative path 'rel/x': paths must be absolute");
	parse_err("[filesystem]\nread = [\"\"]\n", "p.toml:2:9: relative path '': paths must be absolute");
	parse_err("[filesystem]\nwrite = [\"~/x\"]\n",
		  "p.toml:2:10: relative path '~/x': paths must be absolute");
	parse_err("[filesystem]\nwrite = [\"/a/../b\"]\n",
		  "p.toml:2:10: path '/a/../b' contains '.' or '..'");
	parse_err("[filesystem]\nread = [\"/a/./b\"]\n", "p.toml:2:9: path '/a/./b' contains '.' or '..'");
	parse_err("[filesystem]\nread = [\"/a/..\"]\n", "p.toml:2:9: path '/a/..' contains '.' or '..'");
	parse_err("[filesystem]\nread = [\"/.\"]\n", "p.toml:2:9: path '/.' contains '.' or '..'");
	parse_err("[filesystem]\nread = [\"/ok\", \"/x//../y\"]\n",
		  "p.toml:2:16: path '/x//../y' contains '.' or '..'");
	parse_err("[exec]\nallow = [\"sh\"]\n", "p.toml:2:10: relative path 'sh': paths must be absolute");
	parse_err("[exec]\nallow = [\"/bin/../bin/sh\"]\n",
		  "p.toml:2:10: path '/bin/../bin/sh' contains '.' or '..'");
	parse_err("[limits]\nopen_files = 0\n", "p.toml:2:14: 'open_files' must be a positive integer");
	parse_err("[limits]\ntimeout = -5\n", "p.toml:2:11: 'timeout' must be a positive integer");
	parse_err("[program]\ncwd = \"tmp\"\n", "p.toml:2:7: relative path 'tmp': 'cwd' must be absolute");
	parse_err("[program]\ncwd = \"\"\n", "p.toml:2:7: relative path '': 'cwd' must be absolute");
	parse_err("[syscalls]\nextra_deny = [\"\"]\n", "p.toml:2:15: empty syscall name");
	parse_err("[syscalls]\nextra_allow = [\"keyctl\", \"\"]\n", "p.toml:2:26: empty syscall name");
	parse_err("[network]\nallow = [\"example..com:443\"]\n",
		  "p.toml:2:10: invalid network rule 'example..com:443': empty label in host name");
	parse_err("[network]\nallow = [\":443\", \":0\"]\n",
		  "p.toml:2:18: invalid network rule ':0': port 0 is not allowed (ports are 1-65535)");
	parse_err("[network]\nallow = [\"*\"]\ndeny = [\"10.0.0.0/8\", \"fd00::/8\"]\n",
		  "p.toml:3:23: invalid network rule 'fd00::/8': more than one ':' (IPv6 addresses "
		  "go in brackets, as '[::1]:443')");
	parse_err("[network]\ndeny = \"10.0.0.0/8\"\n",
		  "p.toml:2:8: 'deny' must be an array of strings, not string");
	parse_err("[network]\ndeny = [22]\n", "p.toml:2:9: 'deny' must contain strings, not integer");
	parse_err("[network]\nallow_bind = [70000]\n",
		  "p.toml:2:15: invalid bind ports '70000': expected ports as p, p1,p2, lo-hi or * "
		  "(0-65535)");
	parse_err("[network]\nallow_bind = [-1]\n",
		  "p.toml:2:15: invalid bind ports '-1': expected ports as p, p1,p2, lo-hi or * "
		  "(0-65535)");
	parse_err("[network]\nallow_bind = [\"90-80\"]\n",
		  "p.toml:2:15: invalid bind ports '90-80': expected ports as p, p1,p2, lo-hi or * "
		  "(0-65535)");
}

/* An environment variable name is non-empty and holds no '=': otherwise
 * "A=B" = "c" would silently set A to "B=c". */
static void parse_errors_env_names(void **state)
{
	(void)state;
	parse_err("[program]\nenv = { \"A=B\" = \"c\" }\n",
		  "p.toml:2:9: invalid environment variable name 'A=B': names must be non-empty "
		  "and contain no '='");
	parse_err("[program.env]\n\"\" = \"c\"\n",
		  "p.toml:2:1: invalid environment variable name '': names must be non-empty "
		  "and contain no '='");
}

static void parse_errors_not_supported_yet(void **state)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
		{ "[filesystem]\ndeny = [\"etc\"]\n", "p.toml:2:9: relative path 'etc': paths must be absolute" },
		{ "[filesystem]\nworkdir = \"/w\"\n", "p.toml:2:1: 'workdir' in [filesystem] is not supported yet" },
		{ "[http]\nallow = [\"GET example.com/*\"]\n", "p.toml:2:1: 'allow' in [http] is not supported yet" },
		{ "[http]\n deny = []\n", "p.toml:2:2: 'deny' in [http] is not supported yet" },
		{ "[http]\nports = [80]\n", "p.toml:2:1: 'ports' in [http] is not supported yet" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		parse_err(cases[i].src, cases[i].want);
}

static void parse_errors_toml_syntax_positioned(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };
	static const char *const bad[] = {
		"[filesystem\n", "[filesystem]\nread = [\"/x\"\n", "[limits]\ntimeout = 1.5\n",
		"[filesystem]\nread = [\"/x]\n", "[[filesystem]]\n", "[program]\nenv = { A = \"1\", }\n",
	};

	(void)state;
	/* The exact words are the TOML parser's; here only the prefix. */
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		policy_init(&p);
		assert_int_equal(policy_parse(&p, "syn.toml", bad[i], strlen(bad[i]), &d), -EINVAL);
		if (strncmp(d.msg, "syn.toml:", 9) != 0 || !strchr(d.msg + 9, ':'))
			fail_msg("'%s': no file:line:col in '%s'", bad[i], d.msg);
		policy_release(&p);
	}
	/* Length is honoured: the text need not be NUL-terminated. */
	policy_init(&p);
	assert_int_equal(policy_parse(&p, "n.toml", "[limits]\ntimeout = 5garbage", 20, &d), 0);
	assert_int_equal(p.timeout_sec, 5);
	policy_release(&p);
}

/* ---- policy_print ---- */

static const char print_doc[] =
	"[program]\n"
	"env = { ZED = \"last\", A = \"tab\\there\", \"X Y\" = 'q\"uote' }\n"
	"cwd = \"/tmp/work\"\n"
	"clean_env = true\n"
	"[limits]\n"
	"timeout = 30\n"
	"open_files = 64\n"
	"[syscalls]\n"
	"extra_allow = [\"personality\"]\n"
	"extra_deny = [\"chmod\", \"acct\"]\n"
	"[network]\n"
	"allow_bind = [8080, \"9000-9001\", 0]\n"
	"allow = [\"udp://*:*\", \"tcp://*:8000-8100\", \":443\"]\n"
	"[exec]\n"
	"allow = [\"/usr/bin/python3\", \"/bin/sh\"]\n"
	"[filesystem]\n"
	"write = [\"/tmp/work\", \"/tmp/a b\"]\n"
	"read = [\"/usr\", \"/etc/hosts\", '/srv/a\"b\\c']\n"
	"system = true\n";

static const char print_want[] =
	"[filesystem]\n"
	"system = true\n"
	"read = [\n"
	"  \"/etc/hosts\",\n"
	"  \"/srv/a\\\"b\\\\c\",\n"
	"  \"/usr\",\n"
	"]\n"
	"write = [\n"
	"  \"/tmp/a b\",\n"
	"  \"/tmp/work\",\n"
	"]\n"
	"\n"
	"[exec]\n"
	"allow = [\n"
	"  \"/bin/sh\",\n"
	"  \"/usr/bin/python3\",\n"
	"]\n"
	"\n"
	"[network]\n"
	"allow = [\n"
	"  \"*:443\",\n"
	"  \"tcp://*:8000-8100\",\n"
	"  \"udp://*:*\",\n"
	"]\n"
	"allow_bind = [\n"
	"  \"0\",\n"
	"  \"8080\",\n"
	"  \"9000-9001\",\n"
	"]\n"
	"\n"
	"[syscalls]\n"
	"extra_deny = [\n"
	"  \"acct\",\n"
	"  \"chmod\",\n"
	"]\n"
	"extra_allow = [\n"
	"  \"personality\",\n"
	"]\n"
	"\n"
	"[limits]\n"
	"open_files = 64\n"
	"timeout = 30\n"
	"\n"
	"[program]\n"
	"clean_env = true\n"
	"cwd = \"/tmp/work\"\n"
	"\n"
	"[program.env]\n"
	"\"A\" = \"tab\\u0009here\"\n"
	"\"X Y\" = \"q\\\"uote\"\n"
	"\"ZED\" = \"last\"\n";

static const char empty_want[] =
	"[filesystem]\n"
	"system = false\n"
	"\n"
	"[network]\n"
	"\n"
	"[syscalls]\n"
	"\n"
	"[limits]\n"
	"\n"
	"[program]\n"
	"clean_env = false\n";

static void print_exact_sample(void **state)
{
	struct policy p;
	char *out;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "s.toml", print_doc);
	out = print_str(&p);
	assert_string_equal(out, print_want);
	free(out);
	policy_release(&p);
}

static void print_exact_empty(void **state)
{
	struct policy p;
	char *out;

	(void)state;
	policy_init(&p);
	out = print_str(&p);
	assert_string_equal(out, empty_want);
	free(out);
	policy_release(&p);
}

static void print_exact_any(void **state)
{
	struct policy p;
	char *out;

	(void)state;
	policy_init(&p);
	/* Each rule is printed, including one another covers. */
	parse_ok(&p, "a.toml",
		 "[network]\nallow = [\":443\", \"*\"]\nallow_bind = [\"80\", \"*\"]\n"
		 "[exec]\nallow = []\n");
	out = print_str(&p);
	assert_string_equal(out, "[filesystem]\n"
				 "system = false\n"
				 "\n"
				 "[exec]\n"
				 "allow = []\n"
				 "\n"
				 "[network]\n"
				 "allow = [\n"
				 "  \"*:*\",\n"
				 "  \"*:443\",\n"
				 "]\n"
				 "allow_bind = [\n"
				 "  \"*\",\n"
				 "]\n"
				 "\n"
				 "[syscalls]\n"
				 "\n"
				 "[limits]\n"
				 "\n"
				 "[program]\n"
				 "clean_env = false\n");
	free(out);
	policy_release(&p);
}

static void print_exact_network_rules(void **state)
{
	struct policy p;
	char *out;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "n.toml",
		 "[network]\n"
		 "deny = [\"udp://[FD00::]/8:53\", \"10.0.0.1\"]\n"
		 "allow = [\"Example.com.:443\", \"tcp://10.0.0.0/8:82,22,80-81\", "
		 "\"[::ffff:1.2.3.4]\"]\n"
		 "allow_bind = [8080]\n");
	out = print_str(&p);
	assert_string_equal(out, "[filesystem]\n"
				 "system = false\n"
				 "\n"
				 "[network]\n"
				 "allow = [\n"
				 "  \"1.2.3.4:*\",\n"
				 "  \"example.com:443\",\n"
				 "  \"tcp://10.0.0.0/8:22,80-82\",\n"
				 "]\n"
				 "deny = [\n"
				 "  \"10.0.0.1:*\",\n"
				 "  \"udp://[fd00::]/8:53\",\n"
				 "]\n"
				 "allow_bind = [\n"
				 "  \"8080\",\n"
				 "]\n"
				 "\n"
				 "[syscalls]\n"
				 "\n"
				 "[limits]\n"
				 "\n"
				 "[program]\n"
				 "clean_env = false\n");
	free(out);
	policy_release(&p);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct policy_path *)a)->path, ((const struct policy_path *)b)->path);
}

static int cmp_ports(const void *a, const void *b)
{
	const struct policy_ports *x = a, *y = b;

	return x->lo != y->lo ? (int)x->lo - (int)y->lo : (int)x->hi - (int)y->hi;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct policy_net_rule *x = a, *y = b;
	int c;

	if (x->deny != y->deny)
		return x->deny - y->deny;
	if (x->proto != y->proto)
		return (int)x->proto - (int)y->proto;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	c = strcmp(x->host ? x->host : "", y->host ? y->host : "");
	if (c == 0)
		c = memcmp(x->addr, y->addr, 16);
	if (c == 0 && x->prefix != y->prefix)
		c = (int)x->prefix - (int)y->prefix;
	if (c == 0 && x->ports_any != y->ports_any)
		c = x->ports_any - y->ports_any;
	if (c == 0 && x->n_ports != y->n_ports)
		c = x->n_ports < y->n_ports ? -1 : 1;
	for (size_t i = 0; c == 0 && i < x->n_ports; i++)
		c = cmp_ports(&x->ports[i], &y->ports[i]);
	return c;
}

/* Sorts a copy of an array so two policies compare as sets of rules. */
static void *sorted(const void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	void *c = malloc(n * sz + 1);

	assert_non_null(c);
	if (n)
		memcpy(c, v, n * sz);
	qsort(c, n, sz, cmp);
	return c;
}

static void assert_paths_equal(const struct policy_path *a, size_t na,
			       const struct policy_path *b, size_t nb)
{
	struct policy_path *x = sorted(a, na, sizeof(*a), cmp_path);
	struct policy_path *y = sorted(b, nb, sizeof(*b), cmp_path);

	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(x[i].path, y[i].path);
		assert_int_equal(x[i].access, y[i].access);
	}
	free(x);
	free(y);
}

static void assert_ports_equal(const struct policy_ports *a, size_t na,
			       const struct policy_ports *b, size_t nb)
{
	struct policy_ports *x = sorted(a, na, sizeof(*a), cmp_ports);
	struct policy_ports *y = sorted(b, nb, sizeof(*b), cmp_ports);

	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_range(&y[i], x[i].lo, x[i].hi);
	free(x);
	free(y);
}

/* Equal as multisets of rules: every field but the origin. */
static void assert_rules_equal(const struct policy *a, const struct policy *b)
{
	struct policy_net_rule *x = sorted(a->net, a->n_net, sizeof(*a->net), cmp_rule);
	struct policy_net_rule *y = sorted(b->net, b->n_net, sizeof(*b->net), cmp_rule);

	assert_int_equal(a->n_net, b->n_net);
	assert_int_equal(a->n_net_allow, b->n_net_allow);
	for (size_t i = 0; i < a->n_net; i++)
		if (cmp_rule(&x[i], &y[i]) != 0)
			fail_msg("rule %zu differs", i);
	free(x);
	free(y);
}

static void assert_strv_equal(char **a, size_t na, char **b, size_t nb)
{
	char **x = sorted(a, na, sizeof(*a), cmp_strp);
	char **y = sorted(b, nb, sizeof(*b), cmp_strp);

	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(x[i], y[i]);
	free(x);
	free(y);
}

/* Equal as rules: origins and order do not matter, and ports an "any" flag
 * already covers are not rules. */
static void assert_policy_equal(const struct policy *a, const struct policy *b)
{
	assert_int_equal(a->system_set, b->system_set);
	assert_paths_equal(a->paths, a->n_paths, b->paths, b->n_paths);
	assert_int_equal(a->exec_restricted, b->exec_restricted);
	assert_paths_equal(a->exec, a->n_exec, b->exec, b->n_exec);
	assert_int_equal(a->tcp_connect_any, b->tcp_connect_any);
	assert_int_equal(a->tcp_bind_any, b->tcp_bind_any);
	assert_int_equal(a->udp_any, b->udp_any);
	if (!a->tcp_connect_any)
		assert_ports_equal(a->connect, a->n_connect, b->connect, b->n_connect);
	assert_rules_equal(a, b);
	assert_int_equal(policy_net_supervised(a), policy_net_supervised(b));
	if (!a->tcp_bind_any)
		assert_ports_equal(a->bind, a->n_bind, b->bind, b->n_bind);
	assert_strv_equal(a->sys_deny, a->n_sys_deny, b->sys_deny, b->n_sys_deny);
	assert_strv_equal(a->sys_allow, a->n_sys_allow, b->sys_allow, b->n_sys_allow);
	assert_int_equal(a->open_files, b->open_files);
	assert_int_equal(a->timeout_sec, b->timeout_sec);
	assert_int_equal(a->clean_env, b->clean_env);
	if (a->cwd || b->cwd) {
		assert_non_null(a->cwd);
		assert_non_null(b->cwd);
		assert_string_equal(a->cwd, b->cwd);
	}
	assert_strv_equal(a->env, a->n_env, b->env, b->n_env);
}

static void round_trip(const char *src)
{
	struct policy p, q;
	char *once, *twice;

	policy_init(&p);
	policy_init(&q);
	parse_ok(&p, "rt.toml", src);
	once = print_str(&p);
	parse_ok(&q, "printed.toml", once);
	assert_policy_equal(&p, &q);
	twice = print_str(&q);
	assert_string_equal(once, twice); /* printing is a fixed point */
	free(once);
	free(twice);
	policy_release(&p);
	policy_release(&q);
}

static void print_round_trip(void **state)
{
	static const char *const docs[] = {
		"",
		full_doc,
		print_doc,
		"[network]\nallow = [\"*\"]\nallow_bind = [\"*\"]\n",
		"[network]\nallow = [\"tcp://*:*\", \":22\"]\nallow_bind = [0, 1, 65535]\n",
		"[network]\nallow = [\":1-65535\", \":80,443\", \":443\"]\n",
		"[network]\ndeny = [\"10.0.0.0/8\", \"tcp://*:25\", \"[::1]\"]\n",
		"[network]\nallow = [\"Example.COM:443,80,81-90\", \"udp://1.1.1.1:53\", "
		"\"tcp://[2001:DB8::]/32:*\", \"[::ffff:10.0.0.0]/104:22\", \"udp://*:53\"]\n"
		"deny = [\"udp://localhost.:53\", \"0.0.0.0/0:1-1023\", \"[::]/0:25\"]\n"
		"allow_bind = [\"*\"]\n",
		"[exec]\nallow = []\n[filesystem]\nread = [\"/x\"]\nwrite = [\"/x\"]\n",
		"[program.env]\nK = \"\\u00e9\\\\\\\"\\n\\r\\u007f\"\n\"odd key\" = \"v\"\n",
		"[filesystem]\nread = [\"/we ird/\\\"q\\\"/\\\\/\\t\"]\n",
		"[limits]\ntimeout = 9223372036854775807\nopen_files = 1\n",
		"[program]\ncwd = \"/\"\nclean_env = false\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++)
		round_trip(docs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_full_document),
		cmocka_unit_test(parse_empty_documents),
		cmocka_unit_test(parse_env_table_form),
		cmocka_unit_test(parse_env_inline_and_dotted_forms),
		cmocka_unit_test(parse_allow_bind_ints_and_strings),
		cmocka_unit_test(parse_merges_two_files),
		cmocka_unit_test(parse_same_path_merges),
		cmocka_unit_test(parse_many_paths),
		cmocka_unit_test(path_index_survives_direct_edits),
		cmocka_unit_test(parse_exec_empty_list_restricts),
		cmocka_unit_test(parse_network_any),
		cmocka_unit_test(parse_paths_with_dots_in_names),
		cmocka_unit_test(parse_errors_structure),
		cmocka_unit_test(parse_errors_types),
		cmocka_unit_test(parse_errors_values),
		cmocka_unit_test(parse_errors_env_names),
		cmocka_unit_test(parse_errors_not_supported_yet),
		cmocka_unit_test(parse_deny_holes),
		cmocka_unit_test(parse_errors_toml_syntax_positioned),
		cmocka_unit_test(print_exact_sample),
		cmocka_unit_test(print_exact_empty),
		cmocka_unit_test(print_exact_any),
		cmocka_unit_test(print_exact_network_rules),
		cmocka_unit_test(print_round_trip),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
