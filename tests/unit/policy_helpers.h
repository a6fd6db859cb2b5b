/* Helpers shared by the policy unit tests (test_policy.c,
 * test_landlock_compile.c). */
#ifndef SANDLOCK_TEST_POLICY_HELPERS_H
#define SANDLOCK_TEST_POLICY_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static inline void parse_ok(struct policy *p, const char *file, const char *src)
{
	struct diag d = { { 0 } };
	int r = policy_parse(p, file, src, strlen(src), &d);

	if (r != 0)
		fail_msg("policy_parse(%s) = %d: %s\n--- source:\n%s", file, r, d.msg, src);
}

/* Parses src as "p.toml" into a fresh policy; expects -EINVAL and exactly
 * the message want. */
static inline void parse_err(const char *src, const char *want)
{
	struct policy p;
	struct diag d = { { 0 } };
	int r;

	policy_init(&p);
	r = policy_parse(&p, "p.toml", src, strlen(src), &d);
	policy_release(&p);
	if (r != -EINVAL || strcmp(d.msg, want) != 0)
		fail_msg("source:\n%s\ngot r=%d msg '%s'\nwant -EINVAL msg '%s'", src, r, d.msg,
			 want);
}

static inline const struct policy_path *find_path(const struct policy_path *v, size_t n,
					   const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, path) == 0)
			return &v[i];
	return NULL;
}

static inline void assert_grant(const struct policy *p, const char *path, unsigned access,
			 unsigned line, unsigned col)
{
	const struct policy_path *g = find_path(p->paths, p->n_paths, path);

	if (!g)
		fail_msg("no grant for '%s'", path);
	assert_int_equal(g->access, access);
	assert_int_equal(g->origin.line, line);
	assert_int_equal(g->origin.col, col);
}

static inline void assert_range(const struct policy_ports *r, unsigned lo, unsigned hi)
{
	assert_int_equal(r->lo, lo);
	assert_int_equal(r->hi, hi);
}

/* Prints p into a string (returns owned). */
static inline char *print_str(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(policy_print(p, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* ---- policy_parse: valid documents ---- */


#endif
