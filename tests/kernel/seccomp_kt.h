/* Shared by the tests/kernel/test_seccomp*.c suites: entering the real
 * filter in a forked child, a user-space interpreter for the compiled
 * program, and the cmocka glue that runs one forked child per case.
 *
 * Every case forks: the child sets no_new_privs, compiles the filter from a
 * policy, loads it, then makes the real call with syscall(2) so that libc
 * cannot substitute another syscall, and asserts the filter's exact errno. */
#ifndef SANDLOCK_SECCOMP_KT_H
#define SANDLOCK_SECCOMP_KT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "kt.h"
#include "policy.h"
#include "seccomp_filter.h"

#define HIGH (1UL << 32) /* garbage the kernel drops from an int argument */

/* The child inherits cmocka's handlers for crash signals, which longjmp
 * back into the test runner: a crashing child would go on to run the rest
 * of the suite.  Crashes must kill the child instead. */
static inline void default_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* In the child: no_new_privs, compile p, load.  Killed children (SIGSYS)
 * must not leave core files behind. */
static inline int enter(const struct policy *p)
{
	struct rlimit no_core = { 0, 0 };
	struct seccomp_filter f;
	struct diag d = { { 0 } };
	int r;

	setrlimit(RLIMIT_CORE, &no_core);
	default_signals();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	r = seccomp_filter_compile(p, &f, &d);
	if (r < 0) {
		fprintf(stderr, "seccomp_filter_compile: %s\n", d.msg);
		return 1;
	}
	r = seccomp_filter_apply(&f);
	seccomp_filter_release(&f);
	if (r < 0) {
		fprintf(stderr, "seccomp_filter_apply: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

#define ENTER(p)                  \
	do {                      \
		if (enter(p))     \
			return 1; \
	} while (0)

/* ---- the program itself, in a user-space interpreter ------------------ */

/* Runs the filter on sd the way the kernel would, for the instructions
 * libseccomp emits; an unknown instruction is reported as SIM_BAD so the
 * test fails rather than guesses.  This reaches cases the machine cannot
 * produce (the i386 ABI may be disabled), calls that would harm the host if
 * the filter let them through, and checks argument patterns over far more
 * values than forking per call allows. */
#define SIM_BAD 0xdeadbeefu

static inline uint32_t sim_run(const struct seccomp_filter *f, const struct seccomp_data *sd)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (unsigned pc = 0; pc < f->len; pc++) {
		const struct sock_filter *in = &f->insns[pc];

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k % 4 || in->k > sizeof(*sd) - 4)
				return SIM_BAD;
			memcpy(&a, (const char *)sd + in->k, 4);
			break;
		case BPF_LD | BPF_MEM:
			a = mem[in->k % BPF_MEMWORDS];
			break;
		case BPF_ST:
			mem[in->k % BPF_MEMWORDS] = a;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= in->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += in->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & in->k) ? in->jt : in->jf;
			break;
		case BPF_RET | BPF_K:
			return in->k;
		default:
			return SIM_BAD;
		}
	}
	return SIM_BAD;
}

static inline uint32_t sim_call6(const struct seccomp_filter *f, int nr, const uint64_t args[6])
{
	struct seccomp_data sd = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };

	memcpy(sd.args, args, sizeof(sd.args));
	return sim_run(f, &sd);
}

static inline uint32_t sim_call(const struct seccomp_filter *f, uint32_t arch, int nr,
				uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct seccomp_data sd = { .nr = nr, .arch = arch, .args = { a0, a1, a2 } };

	return sim_run(f, &sd);
}

#define ALLOW SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))

static inline void compile_or_fail(const struct policy *p, struct seccomp_filter *f)
{
	struct diag d = { { 0 } };

	if (seccomp_filter_compile(p, f, &d) < 0)
		fail_msg("seccomp_filter_compile: %s", d.msg);
}

/* ---- running the cases -------------------------------------------------- */

struct kcase {
	int (*fn)(void *);
	const struct policy *p;
	int expect; /* the child's exit code, or 128 + signal */
};

static inline void run_case(void **state)
{
	const struct kcase *c = *state;

	assert_int_equal(kt_fork(c->fn, (void *)c->p), c->expect);
}

#define KCASE(fn, pol, expect) \
	{ #fn, run_case, NULL, NULL, &(struct kcase){ fn, pol, expect } }

#endif
