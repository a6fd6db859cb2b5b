/* Unit tests of the [network] allow and allow_bind grammar (policy_net.c)
 * and of the rule constructors the command line shares with the parser.
 * Pure code: no file, no syscall. */
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

/* ---- [network] rule grammar ---- */

static const struct policy_origin flag = { 0 };

struct net_ok {
	const char *spec;
	bool tcp_any, udp_any;
	size_t n;
	struct {
		uint16_t lo, hi;
	} r[3];
};

static void net_grammar_accepts(void **state)
{
	static const struct net_ok cases[] = {
		{ ":443", false, false, 1, { { 443, 443 } } },
		{ "*:443", false, false, 1, { { 443, 443 } } },
		{ "tcp://*:443", false, false, 1, { { 443, 443 } } },
		{ "tcp://:443", false, false, 1, { { 443, 443 } } },
		{ "tcp://*:80,443", false, false, 2, { { 80, 80 }, { 443, 443 } } },
		{ "tcp://*:8000-8100", false, false, 1, { { 8000, 8100 } } },
		{ ":22,8000-8100,443", false, false, 3, { { 22, 22 }, { 8000, 8100 }, { 443, 443 } } },
		{ ":1", false, false, 1, { { 1, 1 } } },
		{ ":65535", false, false, 1, { { 65535, 65535 } } },
		{ ":1-65535", false, false, 1, { { 1, 65535 } } },
		{ ":80-80", false, false, 1, { { 80, 80 } } },
		{ "*", true, true, 0, { { 0, 0 } } },
		{ "*:*", true, true, 0, { { 0, 0 } } },
		{ ":*", true, true, 0, { { 0, 0 } } },
		{ "tcp://*:*", true, false, 0, { { 0, 0 } } },
		{ "tcp://*", true, false, 0, { { 0, 0 } } },
		{ "udp://*:*", false, true, 0, { { 0, 0 } } },
		{ "udp://*", false, true, 0, { { 0, 0 } } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct net_ok *c = &cases[i];
		struct policy p;
		struct diag d = { { 0 } };
		int r;

		policy_init(&p);
		r = policy_add_net_allow(&p, c->spec, flag, &d);
		if (r != 0)
			fail_msg("'%s' rejected: %s", c->spec, d.msg);
		if (p.tcp_connect_any != c->tcp_any || p.udp_any != c->udp_any || p.n_connect != c->n)
			fail_msg("'%s': tcp_any %d udp_any %d n %zu, want %d %d %zu", c->spec,
				 p.tcp_connect_any, p.udp_any, p.n_connect, c->tcp_any, c->udp_any,
				 c->n);
		for (size_t k = 0; k < c->n; k++)
			assert_range(&p.connect[k], c->r[k].lo, c->r[k].hi);
		assert_false(p.tcp_bind_any);
		assert_int_equal(p.n_bind, 0);
		policy_release(&p);
	}
}

#define PORTS_WHY "expected ports as p, p1,p2, lo-hi or * (1-65535)"
#define HOST_WHY                                                                          \
	"host and address rules need the supervisor, not supported yet (use ':PORT' or "   \
	"'*:PORT' for any host)"
#define SHAPE_WHY "expected [tcp://|udp://]TARGET[:PORTS]"
#define UDP_WHY "per-port UDP rules need the supervisor, not supported yet (only 'udp://*:*')"

struct net_bad {
	const char *spec, *why;
};

/* Checks every case and reports each mismatch before failing. */
static void net_rejects(const struct net_bad *cases, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		struct policy p;
		struct diag d = { { 0 } };
		char want[400];
		int r;

		policy_init(&p);
		snprintf(want, sizeof(want), "invalid network rule '%s': %s", cases[i].spec,
			 cases[i].why);
		r = policy_add_net_allow(&p, cases[i].spec, flag, &d);
		if (r != -EINVAL || strcmp(d.msg, want) != 0) {
			print_error("'%s': r=%d msg '%s'\n  want -EINVAL '%s'\n", cases[i].spec, r,
				    d.msg, want);
			bad++;
		}
		if (p.tcp_connect_any || p.udp_any) {
			print_error("'%s': rejected but opened the network\n", cases[i].spec);
			bad++;
		}
		policy_release(&p);
	}
	assert_int_equal(bad, 0);
}

static void net_grammar_rejects(void **state)
{
	static const struct net_bad cases[] = {
		{ "example.com:443", HOST_WHY },
		{ "example.com", HOST_WHY },
		{ "1.2.3.4:80", HOST_WHY },
		{ "10.0.0.0/8:80", HOST_WHY },
		{ "[::1]:443", HOST_WHY },
		{ "tcp://localhost:*", HOST_WHY },
		{ "**:80", HOST_WHY },
		{ "udp://*:53", UDP_WHY },
		{ "udp://*:53,54", UDP_WHY },
		{ "udp://:1-100", UDP_WHY },
		{ ":0", PORTS_WHY },
		{ ":65536", PORTS_WHY },
		{ ":100000", PORTS_WHY },
		{ ":80-70", PORTS_WHY },
		{ ":", PORTS_WHY },
		{ "*:", PORTS_WHY },
		{ ":1,", PORTS_WHY },
		{ ":,1", PORTS_WHY },
		{ ":1,,2", PORTS_WHY },
		{ ":1-", PORTS_WHY },
		{ ":-1", PORTS_WHY },
		{ ":0-10", PORTS_WHY },
		{ ":http", PORTS_WHY },
		{ ":*,80", PORTS_WHY },
		{ ": 80", PORTS_WHY },
		{ ":+80", PORTS_WHY },
		{ "tcp://*:", PORTS_WHY },
		{ "udp://*:0", PORTS_WHY },
		{ "tcp://", SHAPE_WHY },
		{ "udp://", SHAPE_WHY },
		{ "", SHAPE_WHY },
	};

	(void)state;
	net_rejects(cases, ARRAY_SIZE(cases));
}

/* A scheme other than tcp:// or udp:// is a typo or an unsupported protocol,
 * not a host name that the supervisor will one day accept. */
static void net_grammar_rejects_unknown_scheme(void **state)
{
	static const struct net_bad cases[] = {
		{ "ftp://*:1", "unknown scheme 'ftp' (expected tcp:// or udp://)" },
		{ "TCP://*:1", "unknown scheme 'TCP' (expected tcp:// or udp://)" },
		{ "sctp://*:*", "unknown scheme 'sctp' (expected tcp:// or udp://)" },
	};

	(void)state;
	net_rejects(cases, ARRAY_SIZE(cases));
}

static void net_grammar_positions_and_udp_rollback(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };
	const struct policy_origin o = { "f.toml", 3, 7 };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_net_allow(&p, ":80", o, &d), 0);
	assert_int_equal(policy_add_net_allow(&p, "udp://*:53", o, &d), -EINVAL);
	assert_string_equal(d.msg, "f.toml:3:7: invalid network rule 'udp://*:53': " UDP_WHY);
	/* The rejected UDP rule leaves nothing behind. */
	assert_int_equal(p.n_connect, 1);
	assert_false(p.udp_any);
	assert_int_equal(p.connect[0].origin.line, 3);
	assert_int_equal(policy_add_net_allow(&p, ":80-70", o, &d), -EINVAL);
	assert_string_equal(d.msg, "f.toml:3:7: invalid network rule ':80-70': " PORTS_WHY);
	policy_release(&p);
}

static void bind_grammar(void **state)
{
	static const char *const bad[] = { "70000", "65536", "-1", "", "1,", "9-8", "x", "*,80",
					   "80-", "-80", " 80" };
	struct policy p;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_bind(&p, "0", flag, &d), 0);
	assert_int_equal(policy_add_bind(&p, "65535", flag, &d), 0);
	assert_int_equal(policy_add_bind(&p, "80,443,8000-8001", flag, &d), 0);
	assert_int_equal(p.n_bind, 5);
	assert_range(&p.bind[0], 0, 0);
	assert_range(&p.bind[4], 8000, 8001);
	assert_false(p.tcp_bind_any);
	assert_int_equal(policy_add_bind(&p, "*", flag, &d), 0);
	assert_true(p.tcp_bind_any);
	assert_false(p.tcp_connect_any);
	policy_release(&p);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[200];

		policy_init(&p);
		snprintf(want, sizeof(want),
			 "invalid bind ports '%s': expected ports as p, p1,p2, lo-hi or * (0-65535)",
			 bad[i]);
		assert_int_equal(policy_add_bind(&p, bad[i], flag, &d), -EINVAL);
		assert_string_equal(d.msg, want);
		policy_release(&p);
	}
}

static void flag_rules_have_no_position(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_path(&p, "rel", POLICY_READ, flag, &d), -EINVAL);
	assert_string_equal(d.msg, "relative path 'rel': paths must be absolute");
	assert_int_equal(policy_add_exec(&p, "/a/./b", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "path '/a/./b' contains '.' or '..'");
	assert_int_equal(policy_add_env(&p, "NOEQ", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "invalid environment entry 'NOEQ': expected KEY=VALUE");
	assert_int_equal(policy_add_env(&p, "=v", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "invalid environment entry '=v': expected KEY=VALUE");
	assert_int_equal(policy_add_syscall(&p, true, "", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "empty syscall name");
	assert_int_equal(policy_add_env(&p, "A=", flag, &d), 0);
	assert_int_equal(policy_add_syscall(&p, false, "acct", flag, &d), 0);
	assert_int_equal(p.n_env, 1);
	assert_int_equal(p.n_sys_deny, 1);
	assert_int_equal(p.n_paths + p.n_exec, 0);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_grammar_accepts),
		cmocka_unit_test(net_grammar_rejects),
		cmocka_unit_test(net_grammar_rejects_unknown_scheme),
		cmocka_unit_test(net_grammar_positions_and_udp_rollback),
		cmocka_unit_test(bind_grammar),
		cmocka_unit_test(flag_rules_have_no_position),
	};

	return cmocka_run_group_tests_name("policy_net", tests, NULL, NULL);
}
