/* Unit tests of the small pure helpers: env_build (the child's environment),
 * proctree_parse_stat (the ppid out of /proc/PID/stat) and diag_set (the one
 * message buffer every error goes through). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "env.h"
#include "proctree.h"

/* -Wwrite-strings makes literals const; env_build takes char *const *. */
#define S(lit) ((char *)(lit))

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* Asserts env equals the NULL-terminated list want, in order. */
static void assert_env(char **env, const char *const *want)
{
	size_t i;

	assert_non_null(env);
	for (i = 0; want[i]; i++) {
		assert_non_null(env[i]);
		assert_string_equal(env[i], want[i]);
	}
	assert_null(env[i]);
}

/* ---- env_build ---- */

static char *const base_env[] = {
	S("SECRET_TOKEN=xyz"), S("PATH=/usr/bin:/bin"), S("HOME=/root"), S("LD_PRELOAD=/evil.so"),
	S("USER=root"),	    S("LOGNAME=root"),	  S("TERM=xterm"), S("LANG=C.UTF-8"),
	S("LC_ALL=C"),	    S("TZ=UTC"),		  S("LC_CTYPE=C"), S("PATHX=no"),
	S("PAT=no"),	    S("SHELL=/bin/sh"),	  NULL,
};

static void env_inherit_keeps_everything_in_order(void **state)
{
	char **env = env_build(base_env, false, NULL, 0);

	(void)state;
	assert_env(env, (const char *const *)base_env);
	/* Copies, not the caller's strings. */
	assert_ptr_not_equal(env[0], base_env[0]);
	env_free(env);
}

static void env_clean_keeps_only_documented_list(void **state)
{
	static const char *const want[] = {
		"PATH=/usr/bin:/bin", "HOME=/root", "USER=root", "LOGNAME=root", "TERM=xterm",
		"LANG=C.UTF-8",	      "LC_ALL=C",   "TZ=UTC",	 NULL,
	};
	char **env = env_build(base_env, true, NULL, 0);

	(void)state;
	/* PATHX, PAT (prefixes and extensions of kept names), LC_CTYPE,
	 * LD_PRELOAD and secrets are all dropped. */
	assert_env(env, want);
	env_free(env);
}

static void env_overrides_replace_in_place_and_append_new(void **state)
{
	static char *const base[] = { S("A=1"), S("B=2"), S("C=3"), NULL };
	static char *const set[] = { S("B=two"), S("D=4"), S("A="), S("E=x=y") };
	static const char *const want[] = { "A=", "B=two", "C=3", "D=4", "E=x=y", NULL };
	char **env = env_build(base, false, set, 4);

	(void)state;
	assert_env(env, want);
	env_free(env);
}

static void env_later_override_wins(void **state)
{
	static char *const base[] = { S("A=1"), NULL };
	static char *const set[] = { S("N=first"), S("A=2"), S("N=second"), S("A=3") };
	static const char *const want[] = { "A=3", "N=second", NULL };
	char **env = env_build(base, false, set, 4);

	(void)state;
	assert_env(env, want);
	env_free(env);
}

static void env_clean_then_overrides(void **state)
{
	static char *const base[] = { S("SECRET=1"), S("PATH=/bin"), S("HOME=/h"), NULL };
	/* A set variable survives cleaning, even one not on the kept list. */
	static char *const set[] = { S("SECRET=mine"), S("HOME=/other") };
	static const char *const want[] = { "PATH=/bin", "HOME=/other", "SECRET=mine", NULL };
	char **env = env_build(base, true, set, 2);

	(void)state;
	assert_env(env, want);
	env_free(env);
}

static void env_key_match_is_exact(void **state)
{
	/* "PATH" must not replace "PATHX" nor the other way round. */
	static char *const base[] = { S("PATHX=1"), S("PATH=2"), NULL };
	static char *const set[] = { S("PATH=3"), S("PAT=4") };
	static const char *const want[] = { "PATHX=1", "PATH=3", "PAT=4", NULL };
	char **env = env_build(base, false, set, 2);

	(void)state;
	assert_env(env, want);
	env_free(env);
}

static void env_empty_and_null_base(void **state)
{
	static char *const empty[] = { NULL };
	static char *const set[] = { S("A=1") };
	char **env;

	(void)state;
	env = env_build(NULL, false, NULL, 0);
	assert_non_null(env);
	assert_int_equal(strv_len(env), 0);
	env_free(env);

	env = env_build(empty, true, set, 1);
	assert_env(env, (const char *const[]){ "A=1", NULL });
	env_free(env);

	env_free(NULL); /* allowed */
}

static void env_entry_without_equals(void **state)
{
	/* Odd but possible in a raw environ: the whole entry is the key. */
	static char *const base[] = { S("PATH"), S("WEIRD"), NULL };
	char **env = env_build(base, true, NULL, 0);

	(void)state;
	assert_env(env, (const char *const[]){ "PATH", NULL });
	env_free(env);
}

/* ---- proctree_parse_stat ---- */

static void stat_normal(void **state)
{
	pid_t ppid = -1;

	(void)state;
	assert_int_equal(proctree_parse_stat("1234 (bash) S 1000 1234 1234 34816 1234 4194304 "
					     "713 0 0 0 1 0 0 0 20 0 1 0 12345\n",
					     &ppid),
			 0);
	assert_int_equal(ppid, 1000);
	assert_int_equal(proctree_parse_stat("1 (init) S 0 1 1 0 -1 4194560 ", &ppid), 0);
	assert_int_equal(ppid, 0);
	assert_int_equal(proctree_parse_stat("77 (sleep) Z 2147483647 77 ", &ppid), 0);
	assert_int_equal(ppid, 2147483647);
}

static void stat_comm_with_spaces_and_parens(void **state)
{
	pid_t ppid = -1;

	(void)state;
	assert_int_equal(proctree_parse_stat("42 (a b c) R 7 42 42 0", &ppid), 0);
	assert_int_equal(ppid, 7);
	/* A comm of ") S 999 " must not fool the parser: the last ')' counts. */
	assert_int_equal(proctree_parse_stat("42 () S 999 ) S 8 42 42 0", &ppid), 0);
	assert_int_equal(ppid, 8);
	assert_int_equal(proctree_parse_stat("43 (x)) S 9 1", &ppid), 0);
	assert_int_equal(ppid, 9);
	assert_int_equal(proctree_parse_stat("44 (()) T 10 1", &ppid), 0);
	assert_int_equal(ppid, 10);
	assert_int_equal(proctree_parse_stat("45 () D 11 1", &ppid), 0);
	assert_int_equal(ppid, 11);
}

static void stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"1234",
		"1234 (bash",		 /* no ')' */
		"1234 (bash)",		 /* nothing after comm */
		"1234 (bash) ",		 /* no state */
		"1234 (bash) S",	 /* no ppid */
		"1234 (bash) S ",	 /* empty ppid */
		"1234 (bash)S 1 2",	 /* no space after ')' */
		"1234 (bash) SS 1 2",	 /* state is one character */
		"1234 (bash) S x 2",	 /* ppid not a number */
		"1234 (bash) S 12x 2",	 /* trailing junk in ppid */
		"1234 (bash) S -5 2",	 /* negative */
		"1234 (bash) S 99999999999999999999 2", /* overflow */
		"1234 (bash) S 100",	 /* ppid not followed by a field */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t ppid = 4242;

		if (proctree_parse_stat(bad[i], &ppid) != -EINVAL)
			fail_msg("accepted malformed stat '%s'", bad[i]);
		assert_int_equal(ppid, 4242); /* untouched on error */
	}
}

/* ---- diag ---- */

static void diag_formats(void **state)
{
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(diag_set(&d, "unknown key '%s' in [%s]", "wirte", "filesystem"), -EINVAL);
	assert_string_equal(d.msg, "unknown key 'wirte' in [filesystem]");
	assert_int_equal(diag_err(&d, -EOPNOTSUPP, "cannot %s", "x"), -EOPNOTSUPP);
	assert_string_equal(d.msg, "cannot x");
	assert_int_equal(diag_err(&d, -ENOENT, "%d", 5), -ENOENT);
	assert_string_equal(d.msg, "5");
}

static void diag_null_is_allowed(void **state)
{
	(void)state;
	assert_int_equal(diag_set(NULL, "x %s", "y"), -EINVAL);
	assert_int_equal(diag_err(NULL, -ENOMEM, "x"), -ENOMEM);
}

static void diag_truncates(void **state)
{
	struct diag d;
	char big[2000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&d, 'Z', sizeof(d));
	assert_int_equal(diag_set(&d, "prefix: %s", big), -EINVAL);
	assert_int_equal(strlen(d.msg), sizeof(d.msg) - 1);
	assert_memory_equal(d.msg, "prefix: aaaa", 12);
	assert_int_equal(d.msg[sizeof(d.msg) - 2], 'a');
	assert_int_equal(d.msg[sizeof(d.msg) - 1], '\0');

	/* Exactly fitting: 511 characters survive whole. */
	big[sizeof(d.msg) - 1] = '\0';
	assert_int_equal(diag_set(&d, "%s", big), -EINVAL);
	assert_int_equal(strlen(d.msg), sizeof(d.msg) - 1);

	/* A shorter message replaces a longer one completely. */
	assert_int_equal(diag_set(&d, "short"), -EINVAL);
	assert_string_equal(d.msg, "short");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_inherit_keeps_everything_in_order),
		cmocka_unit_test(env_clean_keeps_only_documented_list),
		cmocka_unit_test(env_overrides_replace_in_place_and_append_new),
		cmocka_unit_test(env_later_override_wins),
		cmocka_unit_test(env_clean_then_overrides),
		cmocka_unit_test(env_key_match_is_exact),
		cmocka_unit_test(env_empty_and_null_base),
		cmocka_unit_test(env_entry_without_equals),
		cmocka_unit_test(stat_normal),
		cmocka_unit_test(stat_comm_with_spaces_and_parens),
		cmocka_unit_test(stat_malformed),
		cmocka_unit_test(diag_formats),
		cmocka_unit_test(diag_null_is_allowed),
		cmocka_unit_test(diag_truncates),
	};

	return cmocka_run_group_tests_name("misc", tests, NULL, NULL);
}
