/* Unit tests of the exec decision (decide_exec.c): the glob language,
 * how a command line is matched (joined with spaces, argv[0] and the path
 * spelled four ways), and the comparison of a judged argv with the one the
 * kernel copied.  The contract is schemas/exec.md. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "decide_exec.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ARGV(...) ((const char *const[]){ __VA_ARGS__ })
#define ARGC(...) N(((const char *const[]){ __VA_ARGS__ }))
/* decide_exec() on one pattern and a literal argv: matched or not. */
#define DENIES(pat, ...) (decide_exec(ARGV(pat), 1, ARGV(__VA_ARGS__), ARGC(__VA_ARGS__)) == 0)

static void test_literal_is_anchored(void **state)
{
	(void)state;
	assert_true(decide_exec_glob("curl", "curl"));
	assert_false(decide_exec_glob("curl", "curl x"));
	assert_false(decide_exec_glob("url", "curl"));
	assert_false(decide_exec_glob("curl", "curlx"));
	assert_false(decide_exec_glob("curl", ""));
	assert_true(decide_exec_glob("", ""));
}

static void test_star_matches_empty_and_spaces(void **state)
{
	(void)state;
	assert_true(decide_exec_glob("curl*", "curl"));
	assert_true(decide_exec_glob("curl *", "curl -x http://a b"));
	assert_true(decide_exec_glob("*", ""));
	assert_true(decide_exec_glob("**", "anything at all"));
	assert_true(decide_exec_glob("a**", "a"));
	/* "curl *" needs the space: a bare "curl" is not "curl <args>". */
	assert_false(decide_exec_glob("curl *", "curl"));
	assert_true(decide_exec_glob("curl*", "curly"));
}

static void test_question_mark_is_one_byte(void **state)
{
	(void)state;
	assert_true(decide_exec_glob("c?rl", "curl"));
	assert_false(decide_exec_glob("c?rl", "crl"));
	assert_false(decide_exec_glob("c?rl", "cuurl"));
	assert_true(decide_exec_glob("a?b", "a b")); /* a space is a byte */
	assert_false(decide_exec_glob("?", ""));
}

static void test_escapes(void **state)
{
	(void)state;
	assert_true(decide_exec_glob("\\*", "*"));
	assert_false(decide_exec_glob("\\*", "a"));
	assert_false(decide_exec_glob("\\*", ""));
	assert_true(decide_exec_glob("a\\?", "a?"));
	assert_false(decide_exec_glob("a\\?", "ab"));
	assert_true(decide_exec_glob("\\\\", "\\"));
	assert_false(decide_exec_glob("\\\\", "\\\\"));
	assert_true(decide_exec_glob("*\\*", "abc*"));
	assert_false(decide_exec_glob("*\\*", "abc"));
	assert_true(decide_exec_glob("\\\\*", "\\anything"));
}

static void test_lone_backslash_is_literal(void **state)
{
	(void)state;
	assert_true(decide_exec_glob("a\\b", "a\\b"));
	assert_false(decide_exec_glob("a\\b", "ab"));
	assert_true(decide_exec_glob("a\\", "a\\"));
	assert_false(decide_exec_glob("a\\", "a"));
}

static void test_pattern_validation(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_false(decide_exec_pattern_valid("", &why));
	assert_string_equal(why, "empty pattern");
	assert_false(decide_exec_pattern_valid(NULL, NULL));
	assert_false(decide_exec_pattern_valid("a\\b", &why));
	assert_false(decide_exec_pattern_valid("trailing\\", &why));
	assert_true(decide_exec_pattern_valid("a\\*\\?\\\\", &why));
	assert_true(decide_exec_pattern_valid("curl *", NULL));
}

static void test_case_sensitive_bytes(void **state)
{
	(void)state;
	assert_false(decide_exec_glob("curl *", "CURL x"));
	/* Bytes, not characters: é is two bytes in UTF-8. */
	assert_false(decide_exec_glob("caf?", "caf\xc3\xa9"));
	assert_true(decide_exec_glob("caf??", "caf\xc3\xa9"));
	assert_true(decide_exec_glob("\xff*", "\xff\xfe"));
}

static void test_argv_joined_with_single_spaces(void **state)
{
	(void)state;
	assert_true(DENIES("curl -x *", "curl", "-x", "http://a"));
	assert_true(DENIES("* --upload-file *", "curl", "--upload-file", "/etc/passwd", "x"));
	assert_false(DENIES("* --upload-file *", "curl", "--upload-file"));
	assert_false(DENIES("curl *", "curly", "x"));
}

static void test_empty_strings_keep_their_separators(void **state)
{
	(void)state;
	assert_true(DENIES("a  b", "a", "", "b"));
	assert_false(DENIES("a b", "a", "", "b"));
	assert_true(DENIES("a ", "a", ""));
}

static void test_argv0_basename(void **state)
{
	(void)state;
	assert_true(DENIES("curl *", "/usr/bin/curl", "-x"));
	assert_true(DENIES("/usr/bin/curl *", "/usr/bin/curl", "-x"));
	assert_true(DENIES("curl *", "./curl", "-x"));
	/* Only argv[0] has a basename form. */
	assert_false(DENIES("echo curl", "echo", "/usr/bin/curl"));
	/* A trailing slash leaves an empty basename. */
	assert_true(DENIES(" x", "dir/", "x"));
}

static void test_path_forms(void **state)
{
	const char *const pat[] = { "curl *" };
	const char *const argv[] = { "innocent", "http://evil" };

	(void)state;
	/* argv[0] is the caller's choice; the path is what runs. */
	assert_int_equal(decide_exec_path(pat, 1, "/usr/bin/curl", argv, 2), 0);
	assert_int_equal(decide_exec(pat, 1, argv, 2), -1);
	assert_int_equal(decide_exec_path(pat, 1, "/usr/bin/wget", argv, 2), -1);
	assert_int_equal(decide_exec_path(ARGV("/usr/bin/curl *"), 1, "/usr/bin/curl", argv, 2),
			 0);
	assert_int_equal(decide_exec_path(pat, 1, NULL, argv, 2), -1);
}

static void test_spaces_inside_arguments_are_not_quoted(void **state)
{
	(void)state;
	/* One argument "curl evil" reads the same as two: patterns see
	 * the joined text (schemas/exec.md says what that costs). */
	assert_true(DENIES("sh -c curl *", "sh", "-c", "curl evil"));
	assert_true(DENIES("* curl *", "sh", "-c", "curl evil"));
	assert_true(DENIES("curl evil", "curl evil"));
	assert_true(DENIES("curl evil", "curl", "evil"));
}

static void test_empty_argv_is_one_empty_string(void **state)
{
	const char *const any[] = { "*" }, *const some[] = { "?*" }, *const curl[] = { "curl" };

	(void)state;
	assert_int_equal(decide_exec(any, 1, NULL, 0), 0);
	assert_int_equal(decide_exec(some, 1, NULL, 0), -1);
	assert_int_equal(decide_exec_path(curl, 1, "/usr/bin/curl", NULL, 0), 0);
	assert_int_equal(decide_exec_path(ARGV("curl *"), 1, "/usr/bin/curl", NULL, 0), -1);
}

static void test_first_matching_pattern_wins(void **state)
{
	const char *const pats[] = { "wget *", "curl *", "* -x *", "curl -x *" };

	(void)state;
	assert_int_equal(decide_exec(pats, N(pats), ARGV("curl", "-x", "y"), 3), 1);
	assert_int_equal(decide_exec(pats, N(pats), ARGV("ls", "-x", "y"), 3), 2);
	assert_int_equal(decide_exec(pats, N(pats), ARGV("ls", "-l"), 2), -1);
	assert_int_equal(decide_exec(pats, 0, ARGV("curl", "x"), 2), -1);
}

static void test_stars_between_literals(void **state)
{
	(void)state;
	assert_true(decide_exec_glob("a*b*c", "axxbyyc"));
	assert_true(decide_exec_glob("a*b*c", "abc"));
	assert_false(decide_exec_glob("a*b*c", "acb"));
	assert_true(decide_exec_glob("*curl*", "/usr/bin/curl-config --libs"));
	assert_false(decide_exec_glob("a*b", "ba"));
}

static void test_pattern_longer_than_subject(void **state)
{
	(void)state;
	assert_false(decide_exec_glob("curl -x", "curl"));
	assert_false(decide_exec_glob("curl?", "curl"));
	assert_false(DENIES("curl -x *", "curl", "-x"));
}

static void test_pattern_spaces_are_plain_bytes(void **state)
{
	(void)state;
	/* A space in a pattern matches a separator or a space inside an
	 * argument alike. */
	assert_true(DENIES("curl  x", "curl", " x"));
	assert_true(DENIES("curl  x", "curl", "", "x"));
	assert_false(DENIES("curl  x", "curl", "x"));
}

static void test_relative_path_without_slash(void **state)
{
	(void)state;
	/* The basename of "curl" is "curl": one candidate, no harm. */
	assert_int_equal(decide_exec_path(ARGV("curl"), 1, "curl", ARGV("x"), 1), 0);
	assert_int_equal(decide_exec_path(ARGV("curl x"), 1, "curl", ARGV("x"), 1), -1);
}

static void test_pattern_order_over_candidate_order(void **state)
{
	const char *const pats[] = { "curl *", "innocent *" };

	(void)state;
	/* Pattern 0 matches only through the path, pattern 1 through argv[0]:
	 * the first pattern in policy order names the rule. */
	assert_int_equal(decide_exec_path(pats, 2, "/usr/bin/curl", ARGV("innocent", "x"), 2), 0);
	assert_int_equal(decide_exec(pats, 2, ARGV("innocent", "x"), 2), 1);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_pathological_pattern_is_not_exponential(void **state)
{
	size_t len = 1 << 20;
	char *s = malloc(len + 1);
	struct timespec t0;

	(void)state;
	assert_non_null(s);
	memset(s, 'a', len);
	s[len] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* A backtracking matcher takes ~len^7 steps here. */
	assert_false(decide_exec_glob("*a*a*a*a*a*a*a*b", s));
	assert_true(decide_exec_glob("*a*a*a*a*a*a*a*a", s));
	s[len - 1] = 'b';
	assert_true(decide_exec_glob("*a*a*a*a*a*a*a*b", s));
	assert_true(seconds_since(&t0) < 2.0);
	free(s);
}

static void test_worst_case_is_bounded(void **state)
{
	/* Every position matches most of the literal before failing: the
	 * classic algorithm's worst case, length times pattern. */
	const char *unit = " --upload-fil";
	size_t ulen = strlen(unit), reps = (1 << 20) / ulen;
	char *s = malloc(reps * ulen + 1);
	struct timespec t0;

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < reps; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[reps * ulen] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_false(decide_exec_glob("* --upload-file *", s));
	assert_true(seconds_since(&t0) < 2.0);
	free(s);
}

static void test_huge_argv(void **state)
{
	const char **argv = calloc(EXEC_MAX_ARGC, sizeof(*argv));
	const char *const pat[] = { "* --upload-file *" }, *const last[] = { "* z" };
	struct timespec t0;

	(void)state;
	assert_non_null(argv);
	for (size_t i = 0; i < EXEC_MAX_ARGC; i++)
		argv[i] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(decide_exec(pat, 1, argv, EXEC_MAX_ARGC), -1);
	argv[EXEC_MAX_ARGC - 2] = "--upload-file";
	assert_int_equal(decide_exec(pat, 1, argv, EXEC_MAX_ARGC), 0);
	assert_int_equal(decide_exec(last, 1, argv, EXEC_MAX_ARGC), -1);
	argv[EXEC_MAX_ARGC - 1] = "z";
	assert_int_equal(decide_exec(last, 1, argv, EXEC_MAX_ARGC), 0);
	assert_true(seconds_since(&t0) < 2.0);
	free(argv);
}

static void test_verify_same(void **state)
{
	(void)state;
	assert_int_equal(decide_exec_verify(ARGV("echo", "SAFE"), 2, "/bin/echo",
					    ARGV("echo", "SAFE"), 2),
			 EXEC_SAME);
	assert_int_equal(decide_exec_verify(NULL, 0, "/bin/true", ARGV(""), 1), EXEC_SAME);
}

static void test_verify_changed(void **state)
{
	(void)state;
	assert_int_equal(decide_exec_verify(ARGV("echo", "SAFE"), 2, "/bin/echo",
					    ARGV("curl", "evil"), 2),
			 EXEC_CHANGED);
	assert_int_equal(decide_exec_verify(ARGV("echo", "SAFE"), 2, "/bin/echo",
					    ARGV("echo", "SAFE", "more"), 3),
			 EXEC_CHANGED);
	assert_int_equal(decide_exec_verify(ARGV("echo", "SAFE"), 2, "/bin/echo",
					    ARGV("echo"), 1),
			 EXEC_CHANGED);
	/* An empty argv really is [""]: a copied [] is not what runs. */
	assert_int_equal(decide_exec_verify(NULL, 0, "/bin/true", NULL, 0), EXEC_CHANGED);
}

static void test_verify_interpreters(void **state)
{
	(void)state;
	/* #!/bin/sh: argv[0] dropped, then interpreter and file name. */
	assert_int_equal(decide_exec_verify(ARGV("./s.sh", "a", "b"), 3, "./s.sh",
					    ARGV("/bin/sh", "./s.sh", "a", "b"), 4),
			 EXEC_INTERPRETED);
	/* #!/usr/bin/env python3: one optional argument. */
	assert_int_equal(decide_exec_verify(ARGV("t", "a"), 2, "/x/t",
					    ARGV("/usr/bin/env", "python3", "/x/t", "a"), 4),
			 EXEC_INTERPRETED);
	/* binfmt_misc with P: argv[0] kept after the file name. */
	assert_int_equal(decide_exec_verify(ARGV("prog", "a"), 2, "/x/prog",
					    ARGV("/usr/bin/qemu", "/x/prog", "prog", "a"), 4),
			 EXEC_INTERPRETED);
	/* An empty argv through a script: [""] dropped. */
	assert_int_equal(decide_exec_verify(NULL, 0, "/x/s", ARGV("/bin/sh", "/x/s"), 2),
			 EXEC_INTERPRETED);
	/* fexecve of a script names it /dev/fd/N. */
	assert_int_equal(decide_exec_verify(ARGV("s", "a"), 2, "/dev/fd/3",
					    ARGV("/bin/sh", "/dev/fd/3", "a"), 3),
			 EXEC_INTERPRETED);
}

static void test_verify_interpreter_shape_must_hold(void **state)
{
	(void)state;
	/* A different file name: the path raced too. */
	assert_int_equal(decide_exec_verify(ARGV("./s.sh", "a"), 2, "./s.sh",
					    ARGV("/bin/sh", "./t.sh", "a"), 3),
			 EXEC_CHANGED);
	/* Arguments after the file name differ. */
	assert_int_equal(decide_exec_verify(ARGV("./s.sh", "a"), 2, "./s.sh",
					    ARGV("/bin/sh", "./s.sh", "evil"), 3),
			 EXEC_CHANGED);
	/* No room for an interpreter word before the file name. */
	assert_int_equal(decide_exec_verify(ARGV("./s.sh", "a"), 2, "./s.sh",
					    ARGV("./s.sh", "a", "a"), 3),
			 EXEC_CHANGED);
	assert_int_equal(decide_exec_verify(ARGV("x", "a"), 2, "./s.sh", ARGV("./s.sh", "a"), 2),
			 EXEC_CHANGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_is_anchored),
		cmocka_unit_test(test_star_matches_empty_and_spaces),
		cmocka_unit_test(test_question_mark_is_one_byte),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_lone_backslash_is_literal),
		cmocka_unit_test(test_pattern_validation),
		cmocka_unit_test(test_case_sensitive_bytes),
		cmocka_unit_test(test_argv_joined_with_single_spaces),
		cmocka_unit_test(test_empty_strings_keep_their_separators),
		cmocka_unit_test(test_argv0_basename),
		cmocka_unit_test(test_path_forms),
		cmocka_unit_test(test_spaces_inside_arguments_are_not_quoted),
		cmocka_unit_test(test_empty_argv_is_one_empty_string),
		cmocka_unit_test(test_first_matching_pattern_wins),
		cmocka_unit_test(test_stars_between_literals),
		cmocka_unit_test(test_pattern_longer_than_subject),
		cmocka_unit_test(test_pattern_spaces_are_plain_bytes),
		cmocka_unit_test(test_relative_path_without_slash),
		cmocka_unit_test(test_pattern_order_over_candidate_order),
		cmocka_unit_test(test_pathological_pattern_is_not_exponential),
		cmocka_unit_test(test_worst_case_is_bounded),
		cmocka_unit_test(test_huge_argv),
		cmocka_unit_test(test_verify_same),
		cmocka_unit_test(test_verify_changed),
		cmocka_unit_test(test_verify_interpreters),
		cmocka_unit_test(test_verify_interpreter_shape_must_hold),
	};
	return cmocka_run_group_tests_name("decide_exec", tests, NULL, NULL);
}
