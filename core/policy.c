/* The policy model's lifecycle and the rule constructors shared by the TOML
 * parser and the command line, so a rule means the same from either. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	for (size_t i = 0; i < p->n_exec; i++)
		free(p->exec[i].path);
	free(p->exec);
	free(p->connect);
	free(p->bind);
	strv_free(p->sys_deny, p->n_sys_deny);
	strv_free(p->sys_allow, p->n_sys_allow);
	free(p->sys_deny_at);
	free(p->sys_allow_at);
	strv_free(p->env, p->n_env);
	free(p->cwd);
	policy_init(p);
}

/* Grows *arr by one element of size sz; returns the new slot or NULL. */
static void *grow(void *arr, size_t *n, size_t sz)
{
	void **a = arr;
	char *q = reallocarray(*a, *n + 1, sz);

	if (!q)
		return NULL;
	*a = q;
	memset(q + *n * sz, 0, sz);
	return q + (*n)++ * sz;
}

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
	slot = grow(&p->sources, &p->n_sources, sizeof(*slot));
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

static int add_path_to(struct policy_path **arr, size_t *n, const char *path,
		       unsigned access, struct policy_origin o, struct diag *d)
{
	struct policy_path *slot;
	int r = check_path(path, o, d);

	if (r < 0)
		return r;
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*arr)[i].path, path) == 0) {
			(*arr)[i].access |= access;
			return 0;
		}
	}
	slot = grow(arr, n, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->path = strdup(path);
	if (!slot->path) {
		(*n)--;
		return -ENOMEM;
	}
	slot->access = access;
	slot->origin = o;
	return 0;
}

int policy_add_path(struct policy *p, const char *path, unsigned access,
		    struct policy_origin o, struct diag *d)
{
	return add_path_to(&p->paths, &p->n_paths, path, access, o, d);
}

int policy_add_exec(struct policy *p, const char *path, struct policy_origin o,
		    struct diag *d)
{
	p->exec_restricted = true;
	return add_path_to(&p->exec, &p->n_exec, path, POLICY_READ, o, d);
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **slot;
	char *dup = strdup(s);

	if (!dup)
		return -ENOMEM;
	slot = grow(arr, n, sizeof(*slot));
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
	slot = grow(at, &n, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = o;
	if (allow)
		return push_str(&p->sys_allow, &p->n_sys_allow, name);
	return push_str(&p->sys_deny, &p->n_sys_deny, name);
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
