/* The policy model's lifecycle and the rule constructors shared by the TOML
 * parser and the command line, so a rule means the same from either. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decide_exec.h"
#include "banned.h"

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void policy_release(struct policy *p)
{
	strv_free(p->sources, p->n_sources);
	for (size_t i = 0; i < p->n_paths; i++)
		free(p->paths[i].path);
	free(p->paths);
	free(p->paths_index.slots);
	for (size_t i = 0; i < p->n_exec; i++)
		free(p->exec[i].path);
	free(p->exec);
	free(p->exec_index.slots);
	for (size_t i = 0; i < p->n_deny; i++)
		free(p->deny[i].path);
	free(p->deny);
	free(p->deny_index.slots);
	for (size_t i = 0; i < p->n_net; i++) {
		free(p->net[i].host);
		free(p->net[i].ports);
	}
	free(p->net);
	free(p->connect);
	free(p->bind);
	strv_free(p->sys_deny, p->n_sys_deny);
	strv_free(p->sys_allow, p->n_sys_allow);
	free(p->sys_deny_at);
	free(p->sys_allow_at);
	strv_free(p->deny_argv, p->n_deny_argv);
	free(p->deny_argv_at);
	strv_free(p->env, p->n_env);
	free(p->cwd);
	policy_init(p);
}

/* buf (n elements of sz bytes) reallocated to n + 1 with the new element
 * zeroed, or NULL with buf untouched. */
static void *grown(void *buf, size_t n, size_t sz)
{
	char *q = reallocarray(buf, n + 1, sz);

	if (q)
		memset(q + n * sz, 0, sz);
	return q;
}

/* Appends a zeroed element to the array *pp of *np elements; evaluates to
 * a pointer to it, or NULL (the array unchanged).  A macro so the new
 * buffer is stored through the array's own pointer type: storing it
 * through a void ** that aliases a struct foo ** is undefined behaviour
 * (C11 6.5p7), which the optimizer may exploit. */
#define GROW(pp, np)                                                              \
	__extension__({                                                           \
		__typeof__(*(pp)) grow_q = grown(*(pp), *(np), sizeof(**(pp)));   \
		if (grow_q) {                                                     \
			*(pp) = grow_q;                                           \
			grow_q += (*(np))++;                                      \
		}                                                                 \
		grow_q;                                                           \
	})

const char *policy_add_source(struct policy *p, const char *name)
{
	char **slot;
	char *dup;

	for (size_t i = 0; i < p->n_sources; i++)
		if (strcmp(p->sources[i], name) == 0)
			return p->sources[i];
	dup = strdup(name);
	if (!dup)
		return NULL;
	slot = GROW(&p->sources, &p->n_sources);
	if (!slot) {
		free(dup);
		return NULL;
	}
	*slot = dup;
	return dup;
}

/* "file:line:col: " for a file rule, "" for a command-line rule; the flag
 * name is already part of such messages. */
static const char *where(struct policy_origin o, char *buf, size_t len)
{
	if (o.line == 0 || !o.source)
		return "";
	snprintf(buf, len, "%s:%u:%u: ", o.source, o.line, o.col);
	return buf;
}

/* Grants are resolved in sandlock, so these would name sandlock's /proc
 * entry and descriptors (its environ included), not the child's. */
static bool is_per_process(const char *path)
{
	static const char *const prefixes[] = { "/proc/self", "/proc/thread-self", "/dev/fd",
						"/dev/stdin", "/dev/stdout", "/dev/stderr" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t len = strlen(prefixes[i]);

		if (strncmp(path, prefixes[i], len) == 0 && (!path[len] || path[len] == '/'))
			return true;
	}
	return false;
}

/* Paths are kept as written but must be absolute and free of "." and ".."
 * components: a grant should say plainly what it opens. */
static int check_path(const char *path, struct policy_origin o, struct diag *d)
{
	char w[300];
	const char *c;

	if (path[0] != '/')
		return diag_set(d, "%srelative path '%s': paths must be absolute",
				where(o, w, sizeof(w)), path);
	if (is_per_process(path))
		return diag_set(d, "%spath '%s' names sandlock's own process, not the sandbox's: "
				"it cannot be granted", where(o, w, sizeof(w)), path);
	for (c = path; *c; c++) {
		if (c[0] != '/')
			continue;
		if ((c[1] == '.' && (c[2] == '/' || !c[2])) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || !c[3])))
			return diag_set(d, "%spath '%s' contains '.' or '..'",
					where(o, w, sizeof(w)), path);
	}
	return 0;
}

/* FNV-1a, seeded with the slot array's address: a policy author cannot
 * aim collisions at a table whose seed ASLR picks (as toml.c does). */
static uint32_t path_hash(const struct policy_path_index *x, const char *path)
{
	uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)(uintptr_t)x->slots;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 0x100000001b3u;
	return (uint32_t)(h ^ h >> 32);
}

/* The slot holding path (of hash h) in x, or the empty slot where it
 * would go. */
static struct policy_path_slot *index_slot(const struct policy_path_index *x,
					   const struct policy_path *arr, const char *path,
					   uint32_t h)
{
	size_t mask = x->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct policy_path_slot *sl = &x->slots[i];

		if (!sl->idx || (sl->hash == h && strcmp(arr[sl->idx - 1].path, path) == 0))
			return sl;
	}
}

/* Makes x index arr[0..n) with room for one more at load <= 1/2; rebuilds
 * when the table is full or arr was changed behind its back. */
static int index_reserve(struct policy_path_index *x, const struct policy_path *arr, size_t n)
{
	size_t cap = x->cap ? x->cap : 64;

	if (x->n == n && 2 * (n + 1) <= x->cap)
		return 0;
	if (n >= UINT32_MAX / 2)
		return -ENOMEM; /* slots hold indexes in 32 bits */
	while (2 * (n + 1) > cap)
		cap *= 2;
	free(x->slots);
	x->slots = calloc(cap, sizeof(*x->slots));
	x->cap = x->slots ? cap : 0;
	x->n = 0;
	if (!x->slots)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t h = path_hash(x, arr[i].path);
		struct policy_path_slot *sl = index_slot(x, arr, arr[i].path, h);

		if (!sl->idx) /* a duplicate added directly stays unindexed */
			*sl = (struct policy_path_slot){ (uint32_t)(i + 1), h };
	}
	x->n = n;
	return 0;
}

/* Appends a zeroed element to *arr, growing it geometrically: one element
 * at a time is quadratic wherever realloc copies (ASan, musl). */
static struct policy_path *path_append(struct policy_path **arr, size_t *n, size_t *cap)
{
	struct policy_path *q = *arr;

	if (*n >= *cap) {
		size_t want = *n < 8 ? 16 : 2 * *n;

		q = reallocarray(*arr, want, sizeof(*q));
		if (!q)
			return NULL;
		*arr = q;
		*cap = want;
	}
	q += (*n)++;
	memset(q, 0, sizeof(*q));
	return q;
}

static int add_path_to(struct policy_path **arr, size_t *n, struct policy_path_index *x,
		       const char *path, unsigned access, struct policy_origin o,
		       struct diag *d)
{
	struct policy_path *slot;
	struct policy_path_slot *sl;
	uint32_t h;
	int r = check_path(path, o, d);

	/* An array changed behind the index's back may be full. */
	if (x->n != *n)
		x->arr_cap = *n;
	if (r == 0)
		r = index_reserve(x, *arr, *n);
	if (r < 0)
		return r;
	h = path_hash(x, path);
	sl = index_slot(x, *arr, path, h);
	if (sl->idx) {
		(*arr)[sl->idx - 1].access |= access;
		return 0;
	}
	slot = path_append(arr, n, &x->arr_cap);
	if (!slot)
		return -ENOMEM;
	slot->path = strdup(path);
	if (!slot->path) {
		(*n)--;
		return -ENOMEM;
	}
	slot->access = access;
	slot->origin = o;
	*sl = (struct policy_path_slot){ (uint32_t)*n, h };
	x->n = *n;
	return 0;
}

int policy_add_path(struct policy *p, const char *path, unsigned access,
		    struct policy_origin o, struct diag *d)
{
	return add_path_to(&p->paths, &p->n_paths, &p->paths_index, path, access, o, d);
}

int policy_add_exec(struct policy *p, const char *path, struct policy_origin o,
		    struct diag *d)
{
	p->exec_restricted = true;
	return add_path_to(&p->exec, &p->n_exec, &p->exec_index, path, POLICY_READ, o, d);
}

int policy_add_deny(struct policy *p, const char *path, struct policy_origin o,
		    struct diag *d)
{
	return add_path_to(&p->deny, &p->n_deny, &p->deny_index, path, 0, o, d);
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **slot;
	char *dup = strdup(s);

	if (!dup)
		return -ENOMEM;
	slot = GROW(arr, n);
	if (!slot) {
		free(dup);
		return -ENOMEM;
	}
	*slot = dup;
	return 0;
}

int policy_add_env(struct policy *p, const char *kv, struct policy_origin o, struct diag *d)
{
	char w[300];
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv)
		return diag_set(d, "%sinvalid environment entry '%s': expected KEY=VALUE",
				where(o, w, sizeof(w)), kv);
	return push_str(&p->env, &p->n_env, kv);
}

int policy_add_syscall(struct policy *p, bool allow, const char *name,
		       struct policy_origin o, struct diag *d)
{
	struct policy_origin **at = allow ? &p->sys_allow_at : &p->sys_deny_at;
	size_t n = allow ? p->n_sys_allow : p->n_sys_deny;
	struct policy_origin *slot;
	char w[300];

	if (!*name)
		return diag_set(d, "%sempty syscall name", where(o, w, sizeof(w)));
	slot = GROW(at, &n);
	if (!slot)
		return -ENOMEM;
	*slot = o;
	if (allow)
		return push_str(&p->sys_allow, &p->n_sys_allow, name);
	return push_str(&p->sys_deny, &p->n_sys_deny, name);
}

int policy_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0)
		return -EINVAL;
	if (*end && (u = strchr(units, (*end | 0x20)))) {
		shift = 10 * (int)(u - units + 1);
		end++;
		if ((*end | 0x20) == 'i' && (end[1] | 0x20) == 'b')
			end += 2;
		else if ((*end | 0x20) == 'b')
			end++;
	} else if ((*end | 0x20) == 'b') {
		end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int policy_add_deny_argv(struct policy *p, const char *pattern, struct policy_origin o,
			 struct diag *d)
{
	struct policy_origin *slot;
	const char *why = NULL;
	size_t n = p->n_deny_argv;
	char w[300];

	if (!decide_exec_pattern_valid(pattern, &why))
		return diag_set(d, "%sinvalid deny_argv pattern '%s': %s", where(o, w, sizeof(w)),
				pattern, why);
	slot = GROW(&p->deny_argv_at, &n);
	if (!slot)
		return -ENOMEM;
	*slot = o;
	return push_str(&p->deny_argv, &p->n_deny_argv, pattern);
}

int policy_at(struct diag *d, struct policy_origin o, int err)
{
	char w[300], msg[sizeof(d->msg)];

	if (!d || !o.line || !o.source)
		return err;
	snprintf(msg, sizeof(msg), "%s", d->msg);
	diag_set(d, "%s%s", where(o, w, sizeof(w)), msg);
	return err;
}
