/* The precompiled seccomp programs must be exactly what libseccomp builds
 * now, for every combination of the booleans they are indexed by; and a
 * policy with [syscalls] lists must not use them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/filter.h>
#include <string.h>

#include "policy.h"
#include "seccomp_filter.h"

static void test_precompiled_equals_build(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 8; v++) {
		struct policy p = { .udp_any = v & 1, .tcp_connect_any = v & 2,
				    .tcp_bind_any = v & 4 };
		struct seccomp_filter built = { 0 }, copied = { 0 };
		const struct seccomp_filter pre = seccomp_filter_precompiled(&p);
		struct diag d = { { 0 } };

		assert_int_equal(seccomp_filter_build(&p, &built, &d), 0);
		assert_int_equal(seccomp_filter_compile(&p, &copied, &d), 0);
		assert_int_equal(pre.len, built.len);
		assert_int_equal(copied.len, built.len);
		assert_memory_equal(pre.insns, built.insns, built.len * sizeof(struct sock_filter));
		assert_memory_equal(copied.insns, built.insns, built.len * sizeof(struct sock_filter));
		seccomp_filter_release(&built);
		seccomp_filter_release(&copied);
	}
}

static void test_syscall_lists_bypass_cache(void **state)
{
	struct policy p;
	struct seccomp_filter f = { 0 };
	struct seccomp_filter pre;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_syscall(&p, false, "uname", (struct policy_origin){ 0 }, &d), 0);
	pre = seccomp_filter_precompiled(&p);
	assert_int_equal(seccomp_filter_compile(&p, &f, &d), 0);
	/* The extra deny rule must be in the program: it cannot equal the cache. */
	assert_true(f.len != pre.len ||
		    memcmp(f.insns, pre.insns, f.len * sizeof(struct sock_filter)) != 0);
	seccomp_filter_release(&f);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precompiled_equals_build),
		cmocka_unit_test(test_syscall_lists_bypass_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
