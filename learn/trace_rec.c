/* Copying an event into a queue slot.  Runs in emit, on supervisor
 * threads: memcpy into the slot's own buffer, no I/O, and no allocation
 * once the buffer has grown to the events seen. */
#define _GNU_SOURCE
#include "trace_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Buffers above this are freed after their event is written. */
#define REC_KEEP_BYTES 65536

static int reserve(struct trace_rec *r, size_t more)
{
	size_t cap = r->cap ? r->cap : 512;
	char *q;

	if (r->len + more <= r->cap)
		return 0;
	if (more > UINT32_MAX - r->len)
		return -ENOMEM; /* offsets are 32-bit */
	while (cap < r->len + more)
		cap *= 2;
	q = realloc(r->buf, cap);
	if (!q)
		return -ENOMEM;
	r->buf = q;
	r->cap = cap;
	return 0;
}

static int add_str(struct trace_rec *r, enum trace_str i, const char *s)
{
	size_t n;

	r->off[i] = TRACE_NO_STR;
	if (!s)
		return 0;
	n = strlen(s) + 1;
	if (reserve(r, n) < 0)
		return -ENOMEM;
	r->off[i] = (uint32_t)r->len;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	return 0;
}

static int add_argv(struct trace_rec *r, const char *const *argv, size_t argc)
{
	r->off[TS_ARGV] = (uint32_t)r->len;
	r->argc = argc;
	for (size_t i = 0; i < argc; i++) {
		const char *s = argv[i] ? argv[i] : "";
		size_t n = strlen(s) + 1;

		if (reserve(r, n) < 0)
			return -ENOMEM;
		memcpy(r->buf + r->len, s, n);
		r->len += n;
	}
	return 0;
}

/* "file:line:col" for a policy file position, else the source's name. */
static int add_origin(struct trace_rec *r, const struct policy_origin *o)
{
	char where[512];

	if (!o->source || !o->line)
		return add_str(r, TS_ORIGIN, o->source);
	snprintf(where, sizeof(where), "%s:%u:%u", o->source, o->line, o->col);
	return add_str(r, TS_ORIGIN, where);
}

static void fill_kind(struct trace_rec *r, const struct event *e)
{
	switch (e->kind) {
	case EVENT_NET:
		r->proto = e->net.proto;
		r->port = e->net.port;
		memcpy(r->addr, e->net.addr, sizeof(r->addr));
		break;
	case EVENT_PATH:
		r->access = e->path.access;
		break;
	case EVENT_PROC:
		r->amount = e->proc.count;
		r->amount_limit = e->proc.limit;
		break;
	case EVENT_MEM:
		r->amount = e->mem.bytes;
		r->amount_limit = e->mem.limit;
		break;
	case EVENT_TASK:
		r->child = e->task.child;
		r->status = e->task.status;
		break;
	case EVENT_EXEC:
	case EVENT_ERROR:
		break;
	}
}

static const char *kind_path(const struct event *e)
{
	return e->kind == EVENT_PATH ? e->path.path : e->kind == EVENT_EXEC ? e->exec.path : NULL;
}

int trace_rec_fill(struct trace_rec *r, const struct event *e, uint64_t seq)
{
	int rc = 0;

	r->seq = seq;
	r->time_ns = e->time_ns;
	r->pid = e->pid;
	r->ppid = e->ppid;
	r->nr = e->nr;
	r->err = e->err;
	r->kind = e->kind;
	r->verdict = e->verdict;
	r->access = r->proto = r->port = 0;
	r->amount = r->amount_limit = 0;
	r->child = 0;
	r->status = 0;
	r->argc = 0;
	r->len = 0;
	fill_kind(r, e);
	rc |= add_str(r, TS_EXE, e->exe);
	rc |= add_str(r, TS_SYSCALL, e->syscall);
	rc |= add_str(r, TS_PATH, kind_path(e));
	rc |= add_str(r, TS_PATH2, e->kind == EVENT_PATH ? e->path.path2 : NULL);
	rc |= add_str(r, TS_HOST, e->kind == EVENT_NET ? e->net.host : NULL);
	rc |= add_str(r, TS_RULE, e->rule);
	rc |= add_origin(r, &e->origin);
	rc |= add_str(r, TS_DETAIL, e->detail);
	r->off[TS_ARGV] = TRACE_NO_STR;
	if (e->kind == EVENT_EXEC && e->exec.argv)
		rc |= add_argv(r, e->exec.argv, e->exec.argc);
	return rc ? -ENOMEM : 0;
}

const char *trace_rec_str(const struct trace_rec *r, enum trace_str i)
{
	return r->off[i] == TRACE_NO_STR ? NULL : r->buf + r->off[i];
}

void trace_rec_trim(struct trace_rec *r)
{
	if (r->cap <= REC_KEEP_BYTES)
		return;
	free(r->buf);
	r->buf = NULL;
	r->cap = r->len = 0;
}
