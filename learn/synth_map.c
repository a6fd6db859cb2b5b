/* The small containers of synthesis: a string-keyed index over an array,
 * growing arrays, and provenance records. */
#define _GNU_SOURCE
#include "synth_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* FNV-1a seeded with the slot array's address, so a forged trace cannot
 * aim collisions at a table whose seed ASLR picks (as core/policy.c). */
static uint32_t hash_of(const struct synth_map *m, const char *key)
{
	uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)(uintptr_t)m->slots;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 0x100000001b3u;
	return (uint32_t)(h ^ h >> 32);
}

static struct synth_slot *slot_of(const struct synth_map *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct synth_slot *s = &m->slots[i];

		if (!s->idx || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

long synth_map_find(const struct synth_map *m, const char *key)
{
	struct synth_slot *s;

	if (!m->cap)
		return -1;
	s = slot_of(m, key, hash_of(m, key));
	return s->idx ? (long)s->idx - 1 : -1;
}

static int rehash(struct synth_map *m)
{
	struct synth_map n = { .cap = m->cap ? m->cap * 2 : 256, .n = m->n };

	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		struct synth_slot *s = &m->slots[i];
		uint32_t h;

		if (!s->idx)
			continue;
		h = hash_of(&n, s->key);
		*slot_of(&n, s->key, h) = (struct synth_slot){ s->key, h, s->idx };
	}
	free(m->slots);
	*m = n;
	return 0;
}

int synth_map_add(struct synth_map *m, const char *key, size_t idx)
{
	struct synth_slot *s;
	uint32_t h;

	if (idx >= UINT32_MAX - 1)
		return -ENOMEM;
	if (2 * (m->n + 1) > m->cap && rehash(m) < 0)
		return -ENOMEM;
	h = hash_of(m, key);
	s = slot_of(m, key, h);
	if (!s->idx)
		m->n++;
	*s = (struct synth_slot){ key, h, (uint32_t)idx + 1 };
	return 0;
}

void synth_map_release(struct synth_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

void *synth_grow(void **arr, size_t *n, size_t *cap, size_t size)
{
	char *p;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		void *q = reallocarray(*arr, c, size);

		if (!q)
			return NULL;
		*arr = q;
		*cap = c;
	}
	p = (char *)*arr + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

/* Whether (t, pid, exe) came before p's first event: by time, then pid,
 * then name, so the answer never depends on the order traces are read. */
static bool earlier(const struct synth_prov *p, uint64_t t, pid_t pid, const char *exe)
{
	if (!p->events || t != p->first_ns)
		return !p->events || t < p->first_ns;
	if (pid != p->first_pid)
		return pid < p->first_pid;
	return strcmp(exe ? exe : "", p->first_exe ? p->first_exe : "") < 0;
}

static int set_first(struct synth_prov *p, uint64_t t, pid_t pid, const char *exe)
{
	char *dup = exe ? strdup(exe) : NULL;

	if (exe && !dup)
		return -ENOMEM;
	free(p->first_exe);
	p->first_exe = dup;
	p->first_ns = t;
	p->first_pid = pid;
	return 0;
}

int synth_prov_add(struct synth_prov *p, uint64_t time_ns, pid_t pid, const char *exe)
{
	int r = 0;

	if (earlier(p, time_ns, pid, exe))
		r = set_first(p, time_ns, pid, exe);
	p->events++;
	return r;
}

int synth_prov_merge(struct synth_prov *p, const struct synth_prov *q)
{
	int r = 0;

	if (!q->events)
		return 0;
	if (earlier(p, q->first_ns, q->first_pid, q->first_exe))
		r = set_first(p, q->first_ns, q->first_pid, q->first_exe);
	p->events += q->events;
	return r;
}

void synth_prov_release(struct synth_prov *p)
{
	free(p->first_exe);
	memset(p, 0, sizeof(*p));
}
