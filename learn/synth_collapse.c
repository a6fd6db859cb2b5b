/* --collapse N: a directory of which N entries were used becomes one
 * grant.  An entry of D is used when it, or anything below it, has a grant,
 * so the count of D does not change when its subdirectories collapse, and
 * the shallowest eligible directory wins in one pass.  Write grants
 * collapse among themselves (N written entries make D writable); every
 * grant counts for a read collapse, so a few written files never turn a
 * read-mostly directory writable.
 *
 * Never collapsed: '/', a directory that is or contains a protected path
 * (even with --force-sensitive: forcing grants what was used, never more),
 * one outside --collapse-prefix, one that does not exist now.  Inside the
 * guarded trees a collapse is made but never silently: a note lists the
 * entries it adds that the runs never used. */
#define _GNU_SOURCE
#include "synth_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct dir_count {
	char *path; /* owned */
	size_t used;
};

/* Directories and their used entries, for one collapse level. */
struct tally {
	SYNTH_ARRAY(char *, entries); /* owned paths, each a used entry */
	struct synth_map entries_ix;
	SYNTH_ARRAY(struct dir_count, dirs);
	struct synth_map dirs_ix;
	struct synth_map chosen; /* keys borrowed from dirs */
};

static void tally_release(struct tally *t)
{
	for (size_t i = 0; i < t->n_entries; i++)
		free(t->entries[i]);
	for (size_t i = 0; i < t->n_dirs; i++)
		free(t->dirs[i].path);
	free(t->entries);
	free(t->dirs);
	synth_map_release(&t->entries_ix);
	synth_map_release(&t->dirs_ix);
	synth_map_release(&t->chosen);
}

/* Counts entry (a used path) once in its parent directory. */
static int count_entry(struct tally *t, const char *entry, size_t len)
{
	char *e = strndup(entry, len), **slot;
	struct dir_count *dc;
	size_t plen;
	long i;

	if (!e)
		return -ENOMEM;
	if (synth_map_find(&t->entries_ix, e) >= 0) {
		free(e);
		return 0;
	}
	slot = SYNTH_PUSH(t, entries);
	if (!slot || synth_map_add(&t->entries_ix, e, t->n_entries - 1) < 0) {
		free(e);
		return -ENOMEM;
	}
	*slot = e;
	plen = (size_t)(strrchr(e, '/') - e);
	{
		char *parent = plen ? strndup(e, plen) : strdup("/");

		if (!parent)
			return -ENOMEM;
		i = synth_map_find(&t->dirs_ix, parent);
		if (i >= 0) {
			free(parent);
			t->dirs[i].used++;
			return 0;
		}
		dc = SYNTH_PUSH(t, dirs);
		if (!dc || synth_map_add(&t->dirs_ix, parent, t->n_dirs - 1) < 0) {
			free(parent);
			return -ENOMEM;
		}
		*dc = (struct dir_count){ parent, 1 };
	}
	return 0;
}

/* Every prefix of path below '/' is a used entry of its parent. */
static int count_path(struct tally *t, const char *path)
{
	for (const char *c = path + 1;; c++) {
		if (*c == '/' || *c == '\0') {
			int r = count_entry(t, path, (size_t)(c - path));

			if (r < 0 || *c == '\0')
				return r;
		}
	}
}

static bool in_prefix(const struct synth_opts *o, const char *dir)
{
	if (!o->n_collapse_prefix)
		return true;
	for (size_t i = 0; i < o->n_collapse_prefix; i++)
		if (synth_path_covers(o->collapse_prefix[i], dir))
			return true;
	return false;
}

static bool eligible(struct synth_ctx *c, const char *dir)
{
	char buf[4096];

	return strcmp(dir, "/") != 0 && !synth_path_invalid(dir) &&
	       !synth_path_protected(dir, c->o->home, buf, sizeof(buf)) &&
	       in_prefix(c->o, dir) && c->fs->type(c->fs->ctx, dir) == SYNTH_DIR;
}

static bool under_chosen(const struct tally *t, const char *dir)
{
	char buf[4096];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", dir);
	while ((slash = strrchr(buf, '/')) && slash != buf) {
		*slash = '\0';
		if (synth_map_find(&t->chosen, buf) >= 0)
			return true;
	}
	return false;
}

static bool member(const struct synth_grant *g, unsigned level)
{
	return !g->dropped && (g->access & level) == level;
}

/* Replaces the members under dir by one grant on dir. */
static void collapse_dir(struct synth_ctx *c, const char *dir, size_t used, unsigned level)
{
	unsigned access = POLICY_READ | level;
	struct synth_grant *d = synth_grant_want(c, dir, access, NULL, 0);
	size_t di = (size_t)(d ? d - c->g.v : 0);

	if (!d)
		return;
	d->dropped = false;
	d->collapsed = used;
	for (size_t i = 0; i < c->g.n_v; i++) {
		struct synth_grant *g = &c->g.v[i];

		if (g == d || !member(g, level) || (g->access & ~access) ||
		    !synth_path_covers(dir, g->path))
			continue;
		g->dropped = true;
		synth_grant_want(c, dir, 0, g->src, g->n_src);
	}
	d = &c->g.v[di];
	if (synth_path_guarded(dir, c->o->home))
		synth_note_guarded(c, d, "collapsing");
}

static int cmp_dir(const void *a, const void *b)
{
	return strcmp(((const struct dir_count *)a)->path, ((const struct dir_count *)b)->path);
}

static int collapse_level(struct synth_ctx *c, unsigned level)
{
	struct tally t = { 0 };
	int r = 0;

	for (size_t i = 0; i < c->g.n_v && r == 0; i++)
		if (member(&c->g.v[i], level))
			r = count_path(&t, c->g.v[i].path);
	/* Sorted, a directory comes before everything below it. */
	if (r == 0 && t.n_dirs)
		qsort(t.dirs, t.n_dirs, sizeof(*t.dirs), cmp_dir);
	for (size_t i = 0; i < t.n_dirs && r == 0 && !c->err; i++) {
		const struct dir_count *dc = &t.dirs[i];

		if (dc->used < c->o->collapse || under_chosen(&t, dc->path) ||
		    !eligible(c, dc->path))
			continue;
		r = synth_map_add(&t.chosen, dc->path, i);
		if (r == 0)
			collapse_dir(c, dc->path, dc->used, level);
	}
	tally_release(&t);
	return r < 0 ? r : c->err;
}

int synth_collapse(struct synth_ctx *c)
{
	int r;

	if (!c->o->collapse)
		return 0;
	r = collapse_level(c, POLICY_WRITE);
	return r < 0 ? r : collapse_level(c, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names directly in dir that some observed path goes through, sorted
 * (owned array of strings borrowed from s; *n set). */
static const char **observed_children(const struct synth *s, const char *dir, size_t *n)
{
	size_t dlen = strcmp(dir, "/") ? strlen(dir) : 0, k = 0;
	const char **v = calloc(s->n_paths + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n_paths; i++) {
		const char *p = s->paths[i].path;

		if (strncmp(p, dir, dlen) == 0 && p[dlen] == '/' && p[dlen + 1])
			v[k++] = p + dlen + 1; /* "name" or "name/..." */
	}
	*n = k;
	return v;
}

/* Whether name is the first component of one of the sorted-or-not v[]. */
static bool observed(const char **v, size_t n, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i], name, len) == 0 && (v[i][len] == '\0' || v[i][len] == '/'))
			return true;
	return false;
}

#define GUARDED_LIST_MAX 100

void synth_note_guarded(struct synth_ctx *c, const struct synth_grant *g, const char *why)
{
	char **names = c->fs->list(c->fs->ctx, g->path);
	char *list = NULL;
	size_t n = 0, len = 0, shown = 0, n_seen = 0;
	const char **seen;
	FILE *f;

	if (!names) {
		synth_note(c, "%s '%s' (guarded tree '%s'): cannot list it to say what it adds",
			   why, g->path, synth_path_guarded(g->path, c->o->home));
		return;
	}
	while (names[n])
		n++;
	qsort(names, n, sizeof(*names), cmp_str);
	seen = observed_children(c->s, g->path, &n_seen);
	f = seen ? open_memstream(&list, &len) : NULL;
	for (size_t i = 0; f && i < n; i++) {
		if (observed(seen, n_seen, names[i]))
			continue;
		if (shown < GUARDED_LIST_MAX)
			fprintf(f, "%s%s", shown ? ", " : "", names[i]);
		shown++;
	}
	if (f && shown > GUARDED_LIST_MAX)
		fprintf(f, ", and %zu more", shown - GUARDED_LIST_MAX);
	if (!f || fclose(f) != 0)
		c->err = -ENOMEM;
	else if (shown)
		synth_note(c, "%s '%s' (guarded tree '%s') also grants %zu entries never used: %s",
			   why, g->path, synth_path_guarded(g->path, c->o->home), shown, list);
	free(list);
	free(seen);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
