/* Unit tests of the Landlock compiler (landlock_compile) at every fake ABI
 * from 0 (no Landlock) to 7: handled masks, rights per grant, errors and
 * best-effort warnings.  Pure code: no file, no syscall. */
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

/* ---- landlock_compile at fake ABIs ---- */

#define FS_V1                                                                             \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                     \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                     \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                  \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                      \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                      \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                    \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)
#define NET_BOTH (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)
#define SCOPE_ALL (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)
#define RD (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define WR                                                                                \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                  \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                   \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                     \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM |                     \
	 LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static uint64_t want_handled_fs(int abi)
{
	static const uint64_t h[8] = {
		0,
		FS_V1,
		FS_V1 | LANDLOCK_ACCESS_FS_REFER,
		FS_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE,
		FS_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE,
		FS_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE |
			LANDLOCK_ACCESS_FS_IOCTL_DEV,
		FS_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE |
			LANDLOCK_ACCESS_FS_IOCTL_DEV,
		FS_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE |
			LANDLOCK_ACCESS_FS_IOCTL_DEV,
	};

	return h[abi];
}

static const char need1[] = "filesystem confinement needs Landlock ABI 1";
static const char need2[] =
	"renaming and linking across directories in write grants needs Landlock ABI 2";
static const char need3[] = "denying truncate outside write grants needs Landlock ABI 3";
static const char need4c[] = "restricting TCP connect needs Landlock ABI 4";
static const char need4b[] = "restricting TCP bind needs Landlock ABI 4";
static const char need5[] = "denying device ioctls outside write grants needs Landlock ABI 5";
static const char need6u[] = "scoping abstract unix sockets needs Landlock ABI 6";
static const char need6s[] = "scoping signals needs Landlock ABI 6";

static void compile_ok(const struct policy *p, int abi, bool best_effort,
		       struct landlock_plan *plan)
{
	struct diag d = { { 0 } };
	int r = landlock_compile(p, abi, best_effort, plan, &d);

	if (r != 0)
		fail_msg("landlock_compile(abi %d, best effort %d) = %d: %s", abi, best_effort, r,
			 d.msg);
	assert_int_equal(plan->abi, abi);
}

/* Without best effort the first gap, in ABI order, is the error. */
static void ll_errors_without_best_effort(void **state)
{
	static const char *const need_at[8] = {
		need1, need3, need3, need4c, need5, need6u, NULL, NULL,
	};
	static const char *const need_at_w[8] = {
		need1, need2, need3, need4c, need5, need6u, NULL, NULL,
	};
	struct policy p, w;

	(void)state;
	policy_init(&p);
	policy_init(&w);
	parse_ok(&p, "l.toml", "[filesystem]\nread = [\"/r\"]\n[network]\nallow = [\":443\"]\n");
	parse_ok(&w, "w.toml", "[filesystem]\nwrite = [\"/w\"]\n[network]\nallow = [\":443\"]\n");
	for (int abi = 0; abi <= 7; abi++) {
		for (int k = 0; k < 2; k++) {
			const char *want_what = (k ? need_at_w : need_at)[abi];
			struct landlock_plan plan;
			struct diag d = { { 0 } };
			char want[400];
			int r = landlock_compile(k ? &w : &p, abi, false, &plan, &d);

			if (!want_what) {
				assert_int_equal(r, 0);
				assert_int_equal(plan.n_warnings, 0);
				landlock_plan_release(&plan);
				continue;
			}
			snprintf(want, sizeof(want),
				 "cannot enforce policy: %s, this kernel has %d (pass "
				 "--best-effort to run without it)", want_what, abi);
			if (r != -EOPNOTSUPP || strcmp(d.msg, want) != 0)
				fail_msg("abi %d: r=%d '%s'\nwant -EOPNOTSUPP '%s'", abi, r, d.msg,
					 want);
			/* A failed compile leaves an empty plan. */
			assert_int_equal(plan.n_paths + plan.n_ports + plan.n_warnings, 0);
			assert_null(plan.paths);
			landlock_plan_release(&plan);
		}
	}
	policy_release(&p);
	policy_release(&w);
}

/* The best-effort warning for each right or scope a plan can handle, by its
 * bit in handled_fs, handled_net or scoped.  The ABI 1 filesystem rights
 * share one warning. */
struct right_warning {
	int kind; /* 0 fs, 1 net, 2 scope */
	uint64_t bit;
	const char *effect, *what;
};

static const struct right_warning right_warnings[] = {
	{ 0, FS_V1, "not enforced", need1 },
	{ 0, LANDLOCK_ACCESS_FS_REFER, "always refused", need2 },
	{ 0, LANDLOCK_ACCESS_FS_TRUNCATE, "not enforced", need3 },
	{ 1, LANDLOCK_ACCESS_NET_CONNECT_TCP, "not enforced", need4c },
	{ 1, LANDLOCK_ACCESS_NET_BIND_TCP, "not enforced", need4b },
	{ 0, LANDLOCK_ACCESS_FS_IOCTL_DEV, "not enforced", need5 },
	{ 2, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, "not enforced", need6u },
	{ 2, LANDLOCK_SCOPE_SIGNAL, "not enforced", need6s },
};

/* Asserts that plan (compiled at abi with best effort) warns exactly once
 * for each right or scope that full (the same policy at ABI 7) handles and
 * plan does not, and for nothing else.  REFER only matters to a policy
 * with a write grant: without REFER, ABI 1 refuses every cross-directory
 * rename and link, so a read-only policy loses nothing. */
static void assert_dropped_rights_warn(const struct policy *p, const struct landlock_plan *full,
				       const struct landlock_plan *plan, int abi)
{
	const uint64_t have[3] = { full->handled_fs, full->handled_net, full->scoped };
	const uint64_t got[3] = { plan->handled_fs, plan->handled_net, plan->scoped };
	bool write_grant = false;
	size_t want_n = 0;

	for (size_t i = 0; i < p->n_paths; i++)
		write_grant |= (p->paths[i].access & POLICY_WRITE) != 0;
	for (size_t i = 0; i < ARRAY_SIZE(right_warnings); i++) {
		const struct right_warning *rw = &right_warnings[i];
		bool dropped = (have[rw->kind] & rw->bit) && !(got[rw->kind] & rw->bit);
		char want[300];
		size_t seen = 0;

		if (rw->bit == LANDLOCK_ACCESS_FS_REFER)
			dropped = dropped && write_grant && abi >= 1;
		snprintf(want, sizeof(want), "%s: %s, this kernel has %d", rw->effect, rw->what,
			 abi);
		for (size_t k = 0; k < plan->n_warnings; k++)
			seen += strcmp(plan->warnings[k], want) == 0;
		if (seen != (dropped ? 1 : 0))
			fail_msg("abi %d: warning '%s' seen %zu times, want %d", abi, want, seen,
				 dropped);
		want_n += dropped;
	}
	for (size_t k = want_n; k < plan->n_warnings; k++)
		fail_msg("abi %d: %zu warnings, want %zu: '%s'", abi, plan->n_warnings, want_n,
			 plan->warnings[k]);
}

static void ll_best_effort_warns_each_dropped_right(void **state)
{
	static const char *const srcs[] = {
		"",
		"[filesystem]\nread = [\"/r\"]\n"
		"[network]\nallow = [\"tcp://*:*\"]\nallow_bind = [\"*\"]\n",
		"[filesystem]\nwrite = [\"/w\"]\n"
		"[network]\nallow = [\":443\"]\nallow_bind = [\"*\"]\n",
		"[filesystem]\nsystem = true\n"
		"[network]\nallow = [\"tcp://*:*\"]\nallow_bind = [8080]\n",
		"[filesystem]\nsystem = true\nread = [\"/r\"]\nwrite = [\"/w\"]\n"
		"[exec]\nallow = [\"/bin/sh\"]\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
		struct landlock_plan full;
		struct policy p;

		policy_init(&p);
		parse_ok(&p, "b.toml", srcs[i]);
		compile_ok(&p, 7, false, &full);
		assert_int_equal(full.n_warnings, 0);
		for (int abi = 0; abi <= 7; abi++) {
			struct landlock_plan plan;

			compile_ok(&p, abi, true, &plan);
			assert_dropped_rights_warn(&p, &full, &plan, abi);
			landlock_plan_release(&plan);
		}
		landlock_plan_release(&full);
		policy_release(&p);
	}
}

/* The warnings in order, for one policy: the C5 finding was that ABI 3 and
 * 4 lost device ioctl control without a word. */
static void ll_warnings_with_best_effort(void **state)
{
	static const char *const w[8][9] = {
		{ need1, need3, need4c, need4b, need5, need6u, need6s, NULL },
		{ need3, need4c, need4b, need5, need6u, need6s, NULL },
		{ need3, need4c, need4b, need5, need6u, need6s, NULL },
		{ need4c, need4b, need5, need6u, need6s, NULL },
		{ need5, need6u, need6s, NULL },
		{ need6u, need6s, NULL },
		{ NULL },
		{ NULL },
	};
	struct policy p;

	(void)state;
	policy_init(&p);
	for (int abi = 0; abi <= 7; abi++) {
		struct landlock_plan plan;
		size_t n = 0;

		compile_ok(&p, abi, true, &plan);
		for (; w[abi][n]; n++) {
			char want[300];

			snprintf(want, sizeof(want), "not enforced: %s, this kernel has %d",
				 w[abi][n], abi);
			if (n >= plan.n_warnings)
				fail_msg("abi %d: missing warning '%s'", abi, want);
			assert_string_equal(plan.warnings[n], want);
		}
		if (plan.n_warnings != n)
			fail_msg("abi %d: %zu warnings, want %zu", abi, plan.n_warnings, n);
		landlock_plan_release(&plan);
	}
	policy_release(&p);
}

static void ll_handled_masks_per_abi(void **state)
{
	struct policy p, connect_any, open;

	(void)state;
	policy_init(&p);
	policy_init(&connect_any);
	policy_init(&open);
	parse_ok(&connect_any, "c.toml", "[network]\nallow = [\"tcp://*:*\"]\n");
	parse_ok(&open, "o.toml", "[network]\nallow = [\"*\"]\nallow_bind = [\"*\"]\n");
	for (int abi = 0; abi <= 7; abi++) {
		struct landlock_plan plan;

		compile_ok(&p, abi, true, &plan);
		assert_int_equal(plan.handled_fs, want_handled_fs(abi));
		assert_int_equal(landlock_handled_fs(abi), want_handled_fs(abi));
		assert_int_equal(plan.handled_net, abi >= 4 ? NET_BOTH : 0);
		assert_int_equal(plan.scoped, abi >= 6 ? SCOPE_ALL : 0);
		assert_int_equal(plan.n_ports, 0);
		landlock_plan_release(&plan);

		/* Any TCP connect ("tcp" scheme, host and ports "*") leaves CONNECT unhandled. */
		compile_ok(&connect_any, abi, true, &plan);
		assert_int_equal(plan.handled_net, abi >= 4 ? LANDLOCK_ACCESS_NET_BIND_TCP : 0);
		landlock_plan_release(&plan);

		compile_ok(&open, abi, true, &plan);
		assert_int_equal(plan.handled_net, 0);
		assert_int_equal(plan.handled_fs, want_handled_fs(abi));
		landlock_plan_release(&plan);
	}
	policy_release(&p);
	policy_release(&connect_any);
	policy_release(&open);
}

static void ll_rights_read_write_exec(void **state)
{
	struct policy p;
	struct landlock_plan plan;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "r.toml", "[filesystem]\nread = [\"/r\"]\nwrite = [\"/w\"]\n");
	compile_ok(&p, 7, false, &plan);
	assert_int_equal(plan.n_paths, 2);
	assert_string_equal(plan.paths[0].path, "/r");
	assert_ptr_equal(plan.paths[0].path, p.paths[0].path); /* borrowed */
	assert_false(plan.paths[0].optional);
	assert_false(plan.paths[0].exec);
	assert_int_equal(plan.paths[0].access, RD | LANDLOCK_ACCESS_FS_EXECUTE);
	assert_string_equal(plan.paths[1].path, "/w");
	assert_int_equal(plan.paths[1].access, RD | LANDLOCK_ACCESS_FS_EXECUTE | WR);
	assert_false(plan.paths[1].access &
		     (LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK));
	landlock_plan_release(&plan);

	/* [exec] allow: read grants lose EXECUTE; the listed file gets it. */
	parse_ok(&p, "e.toml", "[exec]\nallow = [\"/bin/sh\"]\n");
	compile_ok(&p, 7, false, &plan);
	assert_int_equal(plan.n_paths, 3);
	assert_int_equal(plan.paths[0].access, RD);
	assert_int_equal(plan.paths[1].access, RD | WR);
	assert_string_equal(plan.paths[2].path, "/bin/sh");
	assert_int_equal(plan.paths[2].access,
			 LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE);
	assert_false(plan.paths[2].optional);
	/* Only [exec] entries have their ELF interpreter granted at build. */
	assert_true(plan.paths[2].exec);
	assert_false(plan.paths[0].exec || plan.paths[1].exec);
	landlock_plan_release(&plan);
	policy_release(&p);
}

static void ll_rights_masked_per_abi(void **state)
{
	struct policy p;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "m.toml",
		 "[filesystem]\nsystem = true\nread = [\"/r\"]\nwrite = [\"/w\"]\n"
		 "[exec]\nallow = [\"/bin/sh\"]\n");
	for (int abi = 1; abi <= 7; abi++) {
		struct landlock_plan plan;

		compile_ok(&p, abi, true, &plan);
		assert_int_equal(plan.n_paths, sysset_len + 3);
		for (size_t i = 0; i < plan.n_paths; i++) {
			uint64_t a = plan.paths[i].access;

			if (a & ~want_handled_fs(abi))
				fail_msg("abi %d: '%s' has unhandled rights %#llx", abi,
					 plan.paths[i].path,
					 (unsigned long long)(a & ~want_handled_fs(abi)));
			if (a & (LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK))
				fail_msg("abi %d: '%s' may make device nodes", abi,
					 plan.paths[i].path);
		}
		assert_int_equal(plan.paths[sysset_len + 1].access,
				 (RD | WR) & want_handled_fs(abi));
		landlock_plan_release(&plan);
	}
	policy_release(&p);
}

static void ll_system_set(void **state)
{
	struct policy p;
	struct landlock_plan plan;
	bool saw_usr = false, saw_null = false;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "s.toml", "[filesystem]\nsystem = true\nread = [\"/data\"]\n");
	compile_ok(&p, 6, false, &plan);
	assert_int_equal(plan.n_paths, sysset_len + 1);
	for (size_t i = 0; i < sysset_len; i++) {
		assert_true(plan.paths[i].optional);
		assert_false(plan.paths[i].exec);
		assert_string_equal(plan.paths[i].path, sysset[i].path);
		if (strcmp(plan.paths[i].path, "/usr") == 0) {
			assert_int_equal(plan.paths[i].access, RD | LANDLOCK_ACCESS_FS_EXECUTE);
			saw_usr = true;
		}
		if (strcmp(plan.paths[i].path, "/dev/null") == 0) {
			assert_int_equal(plan.paths[i].access, RD | LANDLOCK_ACCESS_FS_EXECUTE | WR);
			saw_null = true;
		}
	}
	assert_true(saw_usr && saw_null);
	assert_false(plan.paths[sysset_len].optional);
	landlock_plan_release(&plan);

	/* With [exec] allow, the system set does not grant execute either. */
	parse_ok(&p, "x.toml", "[exec]\nallow = []\n");
	compile_ok(&p, 6, false, &plan);
	for (size_t i = 0; i < plan.n_paths; i++)
		assert_false(plan.paths[i].access & LANDLOCK_ACCESS_FS_EXECUTE);
	landlock_plan_release(&plan);
	policy_release(&p);
}

static void ll_ports_expanded(void **state)
{
	struct policy p;
	struct landlock_plan plan;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "p.toml",
		 "[network]\nallow = [\"tcp://*:8000-8100\", \"tcp://*:443\"]\n"
		 "allow_bind = [80, \"8080-8081\", 0]\n");
	compile_ok(&p, 4, true, &plan);
	assert_int_equal(plan.handled_net, NET_BOTH);
	assert_int_equal(plan.n_ports, 101 + 1 + 2 + 2);
	for (size_t i = 0; i <= 100; i++) {
		assert_int_equal(plan.ports[i].access, LANDLOCK_ACCESS_NET_CONNECT_TCP);
		assert_int_equal(plan.ports[i].port, 8000 + i);
	}
	assert_int_equal(plan.ports[101].access, LANDLOCK_ACCESS_NET_CONNECT_TCP);
	assert_int_equal(plan.ports[101].port, 443);
	assert_int_equal(plan.ports[102].access, LANDLOCK_ACCESS_NET_BIND_TCP);
	assert_int_equal(plan.ports[102].port, 80);
	assert_int_equal(plan.ports[103].port, 8080);
	assert_int_equal(plan.ports[104].port, 8081);
	assert_int_equal(plan.ports[105].access, LANDLOCK_ACCESS_NET_BIND_TCP);
	assert_int_equal(plan.ports[105].port, 0);
	landlock_plan_release(&plan);

	/* The top of the range does not wrap around. */
	policy_release(&p);
	policy_init(&p);
	parse_ok(&p, "t.toml", "[network]\nallow = [\"tcp://*:65534-65535\"]\n");
	compile_ok(&p, 7, false, &plan);
	assert_int_equal(plan.n_ports, 2);
	assert_int_equal(plan.ports[1].port, 65535);
	landlock_plan_release(&plan);

	/* An ABI without TCP rules gets no port rules (best effort). */
	compile_ok(&p, 3, true, &plan);
	assert_int_equal(plan.n_ports, 0);
	assert_int_equal(plan.handled_net, 0);
	landlock_plan_release(&plan);
	policy_release(&p);
}

static void ll_connect_any_drops_connect_rules(void **state)
{
	struct policy p;
	struct landlock_plan plan;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "c.toml",
		 "[network]\nallow = [\"tcp://*:443\", \"tcp://*:*\", \"tcp://*:80\"]\n"
		 "allow_bind = [8080]\n");
	compile_ok(&p, 7, false, &plan);
	assert_int_equal(plan.handled_net, LANDLOCK_ACCESS_NET_BIND_TCP);
	assert_int_equal(plan.n_ports, 1);
	assert_int_equal(plan.ports[0].access, LANDLOCK_ACCESS_NET_BIND_TCP);
	assert_int_equal(plan.ports[0].port, 8080);
	landlock_plan_release(&plan);

	parse_ok(&p, "b.toml", "[network]\nallow_bind = [\"*\"]\n");
	compile_ok(&p, 7, false, &plan);
	assert_int_equal(plan.handled_net, 0);
	assert_int_equal(plan.n_ports, 0);
	landlock_plan_release(&plan);
	policy_release(&p);

	/* Supervised (a host rule): connect handled with no port rule even
	 * beside a TCP rule for every port: the supervisor performs every
	 * TCP connect. */
	policy_init(&p);
	parse_ok(&p, "s.toml", "[network]\nallow = [\"example.com:443\", \"tcp://*:*\"]\n");
	compile_ok(&p, 7, false, &plan);
	assert_int_equal(plan.handled_net, NET_BOTH);
	assert_int_equal(plan.n_ports, 0);
	landlock_plan_release(&plan);
	policy_release(&p);
}

static void ll_abi0_best_effort_is_empty(void **state)
{
	struct policy p;
	struct landlock_plan plan;

	(void)state;
	policy_init(&p);
	parse_ok(&p, "z.toml", "[filesystem]\nsystem = true\nwrite = [\"/w\"]\n"
			       "[network]\nallow = [\":443\"]\n");
	compile_ok(&p, 0, true, &plan);
	assert_int_equal(plan.handled_fs, 0);
	assert_int_equal(plan.handled_net, 0);
	assert_int_equal(plan.scoped, 0);
	assert_int_equal(plan.n_paths, 0);
	assert_int_equal(plan.n_ports, 0);
	/* All but REFER: with no Landlock, cross-directory renames work. */
	assert_int_equal(plan.n_warnings, 7);
	landlock_plan_release(&plan);
	landlock_plan_release(&plan); /* a released plan is empty and may be released again */
	policy_release(&p);
}

static void ll_rights_helpers(void **state)
{
	(void)state;
	assert_int_equal(landlock_rights(POLICY_READ, false, 7), RD | LANDLOCK_ACCESS_FS_EXECUTE);
	assert_int_equal(landlock_rights(POLICY_READ, true, 7), RD);
	assert_int_equal(landlock_rights(POLICY_READ | POLICY_WRITE, true, 7), RD | WR);
	assert_int_equal(landlock_rights(POLICY_READ | POLICY_WRITE, false, 1),
			 (RD | WR | LANDLOCK_ACCESS_FS_EXECUTE) & FS_V1);
	assert_int_equal(landlock_rights(POLICY_READ, false, 0), 0);
	assert_int_equal(landlock_rights(0, false, 7), 0);
	assert_int_equal(landlock_exec_rights(),
			 LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE);
}

/* ---- moved from the kernel tier: a system-set policy on old ABIs ---- */

static void ll_compile_rejects_old_abi(void **state)
{
	struct landlock_plan plan;
	struct diag d = { { 0 } };
	struct policy p;

	(void)state;
	policy_init(&p);
	p.system_set = true;
	assert_int_equal(landlock_compile(&p, 3, false, &plan, &d), -EOPNOTSUPP);
	assert_string_equal(d.msg, "cannot enforce policy: restricting TCP connect needs Landlock "
				   "ABI 4, this kernel has 3 (pass --best-effort to run without "
				   "it)");
	assert_null(plan.paths);
	memset(&d, 0, sizeof(d));
	assert_int_equal(landlock_compile(&p, 5, false, &plan, &d), -EOPNOTSUPP);
	assert_string_equal(d.msg, "cannot enforce policy: scoping abstract unix sockets needs "
				   "Landlock ABI 6, this kernel has 5 (pass --best-effort to run "
				   "without it)");
	memset(&d, 0, sizeof(d));
	assert_int_equal(landlock_compile(&p, 2, false, &plan, &d), -EOPNOTSUPP);
	assert_string_equal(d.msg, "cannot enforce policy: denying truncate outside write "
				   "grants needs Landlock ABI 3, this kernel has 2 (pass "
				   "--best-effort to run without it)");
	memset(&d, 0, sizeof(d));
	assert_int_equal(landlock_compile(&p, 0, false, &plan, &d), -EOPNOTSUPP);
	assert_non_null(strstr(d.msg, "filesystem confinement needs Landlock ABI 1"));
	policy_release(&p);
}

static void ll_compile_best_effort_warns(void **state)
{
	struct landlock_plan plan;
	struct diag d = { { 0 } };
	struct policy p;

	(void)state;
	policy_init(&p);
	p.system_set = true;
	assert_int_equal(landlock_compile(&p, 4, true, &plan, &d), 0);
	assert_string_equal(d.msg, "");
	assert_int_equal(plan.n_warnings, 3);
	assert_string_equal(plan.warnings[0], "not enforced: denying device ioctls outside write "
					      "grants needs Landlock ABI 5, this kernel has 4");
	assert_string_equal(plan.warnings[1], "not enforced: scoping abstract unix sockets needs "
					      "Landlock ABI 6, this kernel has 4");
	assert_string_equal(plan.warnings[2], "not enforced: scoping signals needs Landlock ABI "
					      "6, this kernel has 4");
	/* What ABI 4 can enforce is still enforced. */
	assert_int_equal(plan.scoped, 0);
	assert_int_equal(plan.handled_net, NET_BOTH);
	assert_int_equal(plan.handled_fs, landlock_handled_fs(4));
	assert_true(plan.handled_fs & LANDLOCK_ACCESS_FS_TRUNCATE);
	assert_false(plan.handled_fs & LANDLOCK_ACCESS_FS_IOCTL_DEV);
	assert_true(plan.n_paths > 0);
	landlock_plan_release(&plan);

	/* ABI 0: nothing at all, said loudly, and a plan that builds to -1. */
	assert_int_equal(landlock_compile(&p, 0, true, &plan, &d), 0);
	assert_true(plan.n_warnings >= 1);
	assert_string_equal(plan.warnings[0], "not enforced: filesystem confinement needs "
					      "Landlock ABI 1, this kernel has 0");
	assert_int_equal(plan.handled_fs, 0);
	landlock_plan_release(&plan);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ll_errors_without_best_effort),
		cmocka_unit_test(ll_warnings_with_best_effort),
		cmocka_unit_test(ll_best_effort_warns_each_dropped_right),
		cmocka_unit_test(ll_compile_rejects_old_abi),
		cmocka_unit_test(ll_compile_best_effort_warns),
		cmocka_unit_test(ll_handled_masks_per_abi),
		cmocka_unit_test(ll_rights_read_write_exec),
		cmocka_unit_test(ll_rights_masked_per_abi),
		cmocka_unit_test(ll_system_set),
		cmocka_unit_test(ll_ports_expanded),
		cmocka_unit_test(ll_connect_any_drops_connect_rules),
		cmocka_unit_test(ll_abi0_best_effort_is_empty),
		cmocka_unit_test(ll_rights_helpers),
	};

	return cmocka_run_group_tests_name("landlock_compile", tests, NULL, NULL);
}
