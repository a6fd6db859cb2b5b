/* Interning the strings of events (schemas/trace.sql, table strings): the
 * writer looks each string up in a bounded in-memory cache, and only a
 * string it has not seen costs a query (and, if new to the file, an
 * insert).  A learning run opens the same paths again and again, so after
 * the first moments nearly every event is integers only. */
#define _GNU_SOURCE
#include "trace_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

int trace_intern_prepare(struct trace_intern *x, sqlite3 *db, struct diag *d)
{
	if (sqlite3_prepare_v3(db, "SELECT id FROM strings WHERE text = ?1", -1,
			       SQLITE_PREPARE_PERSISTENT, &x->find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, "INSERT INTO strings (text) VALUES (?1)", -1,
			       SQLITE_PREPARE_PERSISTENT, &x->add, NULL) != SQLITE_OK)
		return diag_err(d, trace_sql_errno(db), "%s", sqlite3_errmsg(db));
	return 0;
}

static void drop_all(struct trace_intern *x)
{
	for (size_t i = 0; i < x->cap; i++)
		free(x->slots[i].text);
	free(x->slots);
	x->slots = NULL;
	x->cap = x->n = 0;
}

void trace_intern_release(struct trace_intern *x)
{
	drop_all(x);
	sqlite3_finalize(x->find);
	sqlite3_finalize(x->add);
	x->find = x->add = NULL;
}

/* FNV-1a: the cache only ever holds our own workload's strings, and a
 * pathological collision costs time, never correctness. */
static uint32_t hash_of(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct trace_intern_slot *slot_of(const struct trace_intern *x, const char *s,
					 uint32_t h)
{
	size_t mask = x->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct trace_intern_slot *sl = &x->slots[i];

		if (!sl->text || (sl->hash == h && strcmp(sl->text, s) == 0))
			return sl;
	}
}

static int grow(struct trace_intern *x)
{
	struct trace_intern n = { .find = x->find, .add = x->add };

	if (x->n >= TRACE_INTERN_MAX)
		drop_all(x);
	if (2 * (x->n + 1) <= x->cap)
		return 0;
	n.cap = x->cap ? x->cap * 2 : 1024;
	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < x->cap; i++)
		if (x->slots[i].text)
			*slot_of(&n, x->slots[i].text, x->slots[i].hash) = x->slots[i];
	n.n = x->n;
	free(x->slots);
	*x = n;
	return 0;
}

/* The id from the file: found, or inserted now. */
static int64_t lookup(struct trace_intern *x, sqlite3 *db, const char *s, struct diag *d)
{
	int64_t id = 0;
	int rc;

	sqlite3_bind_text(x->find, 1, s, -1, SQLITE_STATIC);
	rc = sqlite3_step(x->find);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(x->find, 0);
	sqlite3_reset(x->find);
	if (rc == SQLITE_ROW)
		return id;
	if (rc == SQLITE_DONE) {
		sqlite3_bind_text(x->add, 1, s, -1, SQLITE_STATIC);
		rc = sqlite3_step(x->add);
		sqlite3_reset(x->add);
		if (rc == SQLITE_DONE)
			return sqlite3_last_insert_rowid(db);
	}
	return diag_err(d, trace_sql_errno(db), "%s", sqlite3_errmsg(db));
}

int64_t trace_intern_id(struct trace_intern *x, sqlite3 *db, const char *s, struct diag *d)
{
	struct trace_intern_slot *sl;
	uint32_t h;
	char *dup;
	int64_t id;

	if (!s)
		return 0;
	h = hash_of(s);
	sl = x->cap ? slot_of(x, s, h) : NULL;
	if (sl && sl->text)
		return sl->id;
	id = lookup(x, db, s, d);
	if (id <= 0)
		return id;
	dup = strdup(s);
	if (!dup || grow(x) < 0) {
		free(dup);
		return diag_err(d, -ENOMEM, "out of memory");
	}
	*slot_of(x, s, h) = (struct trace_intern_slot){ dup, h, id };
	x->n++;
	return id;
}
