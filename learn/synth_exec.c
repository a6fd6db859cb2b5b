/* [exec] allow, or why there is none.
 *
 * An allow list names files that exist when the sandbox starts: Landlock
 * attaches each grant to an inode then.  A program the run itself built
 * and ran (gcc's a.out, a script written by the job) cannot be named, so
 * when one was executed the policy has no [exec] allow at all, and says
 * why: each program that ran gets a read grant instead, which allows
 * executing it, its ELF or #! interpreter too (the kernel opens that one,
 * so no event names it), and the created program is covered by the write
 * grant on the directory it was created in. */
#define _GNU_SOURCE
#include "synth_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static int cmp_exec_ptr(const void *a, const void *b)
{
	return strcmp((*(struct synth_exec *const *)a)->path,
		      (*(struct synth_exec *const *)b)->path);
}

const struct synth_exec **synth_exec_sorted(const struct synth *s)
{
	const struct synth_exec **v = calloc(s->n_execs + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n_execs; i++)
		v[i] = &s->execs[i];
	qsort(v, s->n_execs, sizeof(*v), cmp_exec_ptr);
	return v;
}

/* Read grants for x and for the interpreter the kernel runs for it. */
static void grant_reads(struct synth_ctx *c, const struct synth_exec *x)
{
	const struct synth_prov *prov = x->prov.events ? &x->prov : &x->ran;
	char interp[4096];

	synth_grant_want_prov(c, x->path, POLICY_READ, prov);
	if (c->fs->interp(c->fs->ctx, x->path, interp, sizeof(interp)) > 0 && interp[0] == '/')
		synth_grant_want_prov(c, interp, POLICY_READ, prov);
}

int synth_exec_plan(struct synth_ctx *c)
{
	const struct synth_exec **v = synth_exec_sorted(c->s);
	const char *made = NULL;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->s->n_execs && !made; i++)
		if ((v[i]->how & SYNTH_EXEC_RUN) && synth_created(c->s, v[i]->path))
			made = v[i]->path;
	if (made) {
		c->no_exec_list = true;
		synth_note(c, "no [exec] allow list: '%s' was created by the run and then "
			   "executed, which an allow list cannot name (it names files that exist "
			   "when the sandbox starts); every program run gets a read grant "
			   "instead, and reads allow executing", made);
		for (size_t i = 0; i < c->s->n_execs && !c->err; i++)
			if (!synth_created(c->s, v[i]->path))
				grant_reads(c, v[i]);
	}
	free(v);
	return c->err;
}
