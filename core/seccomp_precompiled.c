/* seccomp_filter_compile(): the build-time programs when they apply. */
#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_precompiled.h" /* generated into $(BUILD)/gen */
#include "banned.h"

/* Keeps the generator's bit order in one place: see core/gen/seccomp_gen.c. */
static unsigned variant(const struct policy *p)
{
	return (p->udp_any ? 1u : 0u) | (p->tcp_connect_any ? 2u : 0u) |
	       (p->tcp_bind_any ? 4u : 0u);
}

struct seccomp_filter seccomp_filter_precompiled(const struct policy *p)
{
	unsigned v = variant(p);

	/* The cast drops const: callers get a borrowed view, never free it. */
	return (struct seccomp_filter){ (struct sock_filter *)precompiled[v], precompiled_len[v] };
}

int seccomp_filter_compile(const struct policy *p, struct seccomp_filter *out, struct diag *d)
{
	struct seccomp_filter pre;

	if (p->n_sys_deny || p->n_sys_allow || p->n_deny)
		return seccomp_filter_build(p, out, d);
	pre = seccomp_filter_precompiled(p);
	out->insns = malloc(pre.len * sizeof(*pre.insns));
	if (!out->insns)
		return diag_err(d, -ENOMEM, "cannot copy the seccomp filter: out of memory");
	memcpy(out->insns, pre.insns, pre.len * sizeof(*pre.insns));
	out->len = pre.len;
	return 0;
}
