/* Path grants from path events.
 *
 * Landlock rights map onto the policy's two grants like this: reading a
 * file or listing a directory needs read on it; writing, truncating (and,
 * conservatively, chmod/chown/utimes) needs write on the file; creating,
 * removing, renaming and linking a name are rights on the directory that
 * holds it (MAKE_*, REMOVE_*, REFER), so they need write on that
 * directory.  That directory must exist before the run, or enforcing the
 * policy fails to load it: the grant goes to the nearest ancestor that the
 * run did not create.
 *
 * Then the checks that keep a learned policy safe (ATTACKS.md 20) and
 * loadable: protected paths out unless forced, grants covered by another
 * merged into it, vanished paths and anything the policy loader refuses
 * skipped, each with a note. */
#define _GNU_SOURCE
#include "synth_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Paths named in a tally's note; the rest are counted. */
#define TALLY_LISTED 10

bool synth_path_covers(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return b[0] == '/';
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

static bool valid_utf8(const unsigned char *s)
{
	while (*s) {
		size_t len = *s < 0x80 ? 1 : *s < 0xc2 ? 0 : *s < 0xe0 ? 2 : *s < 0xf0 ? 3 :
			     *s < 0xf5 ? 4 : 0;

		if (!len)
			return false;
		for (size_t i = 1; i < len; i++)
			if ((s[i] & 0xc0) != 0x80)
				return false;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
		    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return false;
		s += len;
	}
	return true;
}

/* /proc/PID and below: the pid of a process of the learning run, which
 * the next run will not have, or of a process outside the sandbox. */
static bool per_pid_proc(const char *path)
{
	const char *p = path + 6;

	if (strncmp(path, "/proc/", 6) != 0 || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || *p == '/';
}

const char *synth_path_invalid(const char *path)
{
	static const char *const self[] = { "/proc/self", "/proc/thread-self", "/dev/fd",
					    "/dev/stdin", "/dev/stdout", "/dev/stderr" };

	if (path[0] != '/')
		return "not an absolute path";
	for (const char *c = path; *c; c++) {
		if (c[0] != '/')
			continue;
		if (c[1] == '/' || (c[1] == '\0' && c != path))
			return "not a canonical path";
		if ((c[1] == '.' && (c[2] == '/' || !c[2])) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || !c[3])))
			return "contains '.' or '..'";
	}
	for (size_t i = 0; i < sizeof(self) / sizeof(self[0]); i++)
		if (synth_path_covers(self[i], path))
			return "names a process's own descriptors, which a policy cannot grant";
	if (per_pid_proc(path))
		return "a per-process /proc path, which a policy cannot grant";
	if (!valid_utf8((const unsigned char *)path))
		return "not valid UTF-8, which a TOML policy cannot hold";
	return NULL;
}

/* Protected names anywhere: another user's ~/.ssh is as secret as ours. */
static const char *const secret_dirs[] = { ".ssh", ".aws", ".gnupg", ".kube" };

/* The prefix of path that ends in a secret directory component, or 0. */
static size_t secret_component(const char *path)
{
	for (const char *c = path; (c = strchr(c, '/')); c++) {
		for (size_t i = 0; i < sizeof(secret_dirs) / sizeof(secret_dirs[0]); i++) {
			size_t n = strlen(secret_dirs[i]);

			if (strncmp(c + 1, secret_dirs[i], n) == 0 && (!c[1 + n] || c[1 + n] == '/'))
				return (size_t)(c + 1 + n - path);
		}
	}
	return 0;
}

const char *synth_path_protected(const char *path, const char *home, char *buf, size_t len)
{
	static const char *const fixed[] = { "/root", "/etc/shadow", "/etc/shadow-",
					     "/etc/gshadow", "/etc/gshadow-" };
	size_t n;

	if (strcmp(path, "/") == 0)
		return "/";
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (synth_path_covers(fixed[i], path) || synth_path_covers(path, fixed[i]))
			return fixed[i];
	n = secret_component(path);
	if (n) {
		snprintf(buf, len, "%.*s", (int)n, path);
		return buf;
	}
	for (size_t i = 0; home && home[0] == '/' && i < sizeof(secret_dirs) / sizeof(secret_dirs[0]);
	     i++) {
		snprintf(buf, len, "%s%s%s", home, strcmp(home, "/") ? "/" : "", secret_dirs[i]);
		if (synth_path_covers(path, buf))
			return buf;
	}
	return NULL;
}

const char *synth_path_guarded(const char *path, const char *home)
{
	static const char *const trees[] = { "/etc", "/proc", "/sys", "/dev" };

	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++)
		if (synth_path_covers(trees[i], path))
			return trees[i];
	if (home && home[0] == '/' && strcmp(home, "/") != 0 && synth_path_covers(home, path))
		return home;
	return NULL;
}

void synth_note(struct synth_ctx *c, const char *fmt, ...)
{
	char *line, **v;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->err = -ENOMEM;
		return;
	}
	v = reallocarray(c->notes->v, c->notes->n + 1, sizeof(*v));
	if (!v) {
		free(line);
		c->err = -ENOMEM;
		return;
	}
	v[c->notes->n++] = line;
	c->notes->v = v;
}

struct synth_grant *synth_grant_want(struct synth_ctx *c, const char *path, unsigned access,
				     const size_t *src, size_t n)
{
	long i = synth_map_find(&c->g.ix, path);
	struct synth_grant *g;

	if (i < 0) {
		g = SYNTH_PUSH(&c->g, v);
		if (!g || !(g->path = strdup(path)) ||
		    synth_map_add(&c->g.ix, g->path, c->g.n_v - 1) < 0) {
			if (g)
				free(g->path), c->g.n_v--;
			c->err = -ENOMEM;
			return NULL;
		}
	} else {
		g = &c->g.v[i];
	}
	g->access |= access;
	for (size_t k = 0; k < n; k++) {
		size_t *slot = SYNTH_PUSH(g, src);

		if (!slot) {
			c->err = -ENOMEM;
			return NULL;
		}
		*slot = src[k];
	}
	return g;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

const struct synth_prov *synth_grant_prov(struct synth_ctx *c, struct synth_grant *g)
{
	size_t k = 0;

	if (g->n_src)
		qsort(g->src, g->n_src, sizeof(*g->src), cmp_size);
	for (size_t i = 0; i < g->n_src; i++)
		if (i == 0 || g->src[i] != g->src[i - 1])
			g->src[k++] = g->src[i];
	g->n_src = k;
	synth_prov_release(&g->prov);
	if (synth_prov_merge(&g->prov, &g->extra) < 0)
		c->err = -ENOMEM;
	for (size_t i = 0; i < g->n_src; i++)
		if (synth_prov_merge(&g->prov, &c->s->paths[g->src[i]].prov) < 0)
			c->err = -ENOMEM;
	return &g->prov;
}

struct synth_grant *synth_grant_want_prov(struct synth_ctx *c, const char *path,
					  unsigned access, const struct synth_prov *prov)
{
	struct synth_grant *g = synth_grant_want(c, path, access, NULL, 0);

	if (g && synth_prov_merge(&g->extra, prov) < 0)
		c->err = -ENOMEM;
	return g;
}

void synth_tally_add(struct synth_ctx *c, struct synth_tally *t, const char *path)
{
	char *list;

	if (t->n++ >= TALLY_LISTED)
		return;
	if (asprintf(&list, "%s%s'%s'", t->list ? t->list : "", t->list ? ", " : "", path) < 0) {
		c->err = -ENOMEM;
		return;
	}
	free(t->list);
	t->list = list;
}

void synth_tally_note(struct synth_ctx *c, struct synth_tally *t, const char *what)
{
	if (t->n)
		synth_note(c, "skipped %zu %s: %s%s", t->n, what, t->list ? t->list : "",
			   t->n > TALLY_LISTED ? ", ..." : "");
	free(t->list);
	*t = (struct synth_tally){ NULL, 0 };
}

static const char *access_word(unsigned acc)
{
	return acc & POLICY_WRITE ? "write" : "read";
}

bool synth_created(const struct synth *s, const char *path)
{
	long i = synth_map_find(&s->paths_ix, path);

	return i >= 0 && (s->paths[i].acc & EVENT_ACC_CREATE);
}

static bool created_dir(const struct synth *s, const char *path)
{
	long i = synth_map_find(&s->paths_ix, path);

	return i >= 0 && (s->paths[i].acc & (EVENT_ACC_CREATE | EVENT_ACC_DIR)) ==
				 (EVENT_ACC_CREATE | EVENT_ACC_DIR);
}

/* The nearest ancestor of path that the run did not create, in buf. */
static void anchor(const struct synth *s, const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	do {
		slash = strrchr(buf, '/');
		if (!slash || slash == buf) {
			snprintf(buf, len, "/");
			return;
		}
		*slash = '\0';
	} while (created_dir(s, buf));
}

static void path_grants(struct synth_ctx *c, const struct synth_path *p)
{
	size_t idx = (size_t)(p - c->s->paths);
	const unsigned names = EVENT_ACC_CREATE | EVENT_ACC_REMOVE | SYNTH_ACC_REFER;
	const unsigned writes = EVENT_ACC_WRITE | EVENT_ACC_TRUNC | EVENT_ACC_META;
	const char *why = synth_path_invalid(p->path);
	char dir[4096];
	struct synth_grant *g;

	if (why) {
		synth_note(c, "skipped '%s': %s (%llu events)", p->path, why,
			   (unsigned long long)p->prov.events);
		return;
	}
	if (p->acc & (EVENT_ACC_READ | writes))
		synth_grant_want(c, p->path,
				 POLICY_READ | (p->acc & writes ? POLICY_WRITE : 0), &idx, 1);
	if (p->acc & names) {
		anchor(c->s, p->path, dir, sizeof(dir));
		g = synth_grant_want(c, dir, POLICY_READ | POLICY_WRITE, &idx, 1);
		if (g)
			g->created = true;
	}
}

static void protect(struct synth_ctx *c, struct synth_grant *g)
{
	char buf[4096];
	const char *prot = synth_path_protected(g->path, c->o->home, buf, sizeof(buf));
	const char *rel = !prot || strcmp(prot, g->path) == 0 ? "" :
			  synth_path_covers(prot, g->path) ? ", inside " : ", which contains ";

	if (!prot)
		return;
	if (!(g->access & POLICY_WRITE) && c->fs->type(c->fs->ctx, g->path) == SYNTH_MISSING) {
		/* A failed probe ($PATH search, config lookup): nothing to grant,
		 * so nothing to warn about either. */
		g->dropped = true;
		synth_tally_add(c, &c->gone_reads, g->path);
		return;
	}
	synth_grant_prov(c, g);
	if (c->o->force_sensitive) {
		synth_note(c, "warning: granting protected path '%s' (%s%s%s, %llu events) "
			   "because of --force-sensitive", g->path, access_word(g->access), rel,
			   *rel ? prot : "", (unsigned long long)g->prov.events);
		return;
	}
	g->dropped = true;
	synth_note(c, "skipped protected path '%s' (%s%s%s, %llu events); --force-sensitive "
		   "grants it", g->path, access_word(g->access), rel, *rel ? prot : "",
		   (unsigned long long)g->prov.events);
}

static int cmp_path_ptr(const void *a, const void *b)
{
	return strcmp((*(struct synth_path *const *)a)->path,
		      (*(struct synth_path *const *)b)->path);
}

int synth_paths_build(struct synth_ctx *c)
{
	const struct synth *s = c->s;
	struct synth_path **order = calloc(s->n_paths + 1, sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_paths; i++)
		order[i] = &s->paths[i];
	qsort(order, s->n_paths, sizeof(*order), cmp_path_ptr);
	for (size_t i = 0; i < s->n_paths && !c->err; i++)
		path_grants(c, order[i]);
	free(order);
	return c->err;
}

int synth_paths_protect(struct synth_ctx *c)
{
	for (size_t i = 0; i < c->g.n_v && !c->err; i++)
		protect(c, &c->g.v[i]);
	return c->err;
}

/* The grant of the nearest proper ancestor of path that is kept and gives
 * at least access, or NULL. */
static struct synth_grant *coverer(struct synth_ctx *c, const char *path, unsigned access)
{
	char buf[4096];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	while ((slash = strrchr(buf, '/'))) {
		long i;

		if (slash == buf && buf[1] == '\0')
			return NULL;
		slash[slash == buf ? 1 : 0] = '\0';
		i = synth_map_find(&c->g.ix, buf);
		if (i >= 0 && !c->g.v[i].dropped && (c->g.v[i].access & access) == access)
			return &c->g.v[i];
	}
	return NULL;
}

/* Drops what a directory grant already gives, merging its provenance. */
static void merge_covered(struct synth_ctx *c)
{
	for (size_t i = 0; i < c->g.n_v && !c->err; i++) {
		struct synth_grant *g = &c->g.v[i];
		struct synth_grant *up = g->dropped ? NULL : coverer(c, g->path, g->access);

		if (!up)
			continue;
		g->dropped = true;
		synth_grant_want(c, up->path, 0, g->src, g->n_src);
	}
}

/* What the policy loader and Landlock would refuse, checked by the loader
 * itself so the two can never disagree. */
static void check_loadable(struct synth_ctx *c, struct synth_grant *g, struct policy *scratch)
{
	struct policy_origin o = { "sl-learn", 0, 0 };
	struct diag d = { { 0 } };
	enum synth_ftype t;

	if (policy_add_path(scratch, g->path, g->access, o, &d) < 0) {
		g->dropped = true;
		synth_note(c, "skipped '%s': %s", g->path, d.msg);
		return;
	}
	t = c->fs->type(c->fs->ctx, g->path);
	synth_grant_prov(c, g);
	if (t == SYNTH_MISSING && !(g->access & POLICY_WRITE)) {
		/* Mostly failed probes (a search path tried in turn), which need
		 * no grant: the open fails with ENOENT before Landlock looks. */
		g->dropped = true;
		synth_tally_add(c, &c->gone_reads, g->path);
	} else if (t == SYNTH_MISSING) {
		g->dropped = true;
		synth_note(c, "skipped '%s' (%s, %llu events): it cannot be found now", g->path,
			   access_word(g->access), (unsigned long long)g->prov.events);
	} else if (t == SYNTH_DIR && !g->collapsed && synth_path_guarded(g->path, c->o->home)) {
		synth_note_guarded(c, g, "directory grant");
	}
}

void synth_paths_finish(struct synth_ctx *c)
{
	struct policy scratch;

	merge_covered(c);
	policy_init(&scratch);
	for (size_t i = 0; i < c->g.n_v && !c->err; i++)
		if (!c->g.v[i].dropped)
			check_loadable(c, &c->g.v[i], &scratch);
	policy_release(&scratch);
	synth_tally_note(c, &c->gone_reads, "read grants of paths that do not exist now (a "
			 "failed open needs none)");
}
