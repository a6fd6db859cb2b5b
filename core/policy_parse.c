/* TOML policy file -> struct policy.
 *
 * Strict by design: an unknown section or key, a wrong type, a relative
 * path or a key whose enforcement has not landed is an error with
 * file:line:col, never ignored, because a policy that silently means less
 * than it says is worse than one that does not load. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toml.h"
#include "banned.h"

struct ctx {
	struct policy *p;
	const char *file; /* borrowed from p->sources */
	const char *section;
	struct diag *d;
};

static struct policy_origin origin(const struct ctx *c, struct toml_pos pos)
{
	return (struct policy_origin){ .source = c->file, .line = pos.line, .col = pos.col };
}

static int err_at(const struct ctx *c, struct toml_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int err_at(const struct ctx *c, struct toml_pos pos, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_set(c->d, "%s:%u:%u: %s", c->file, pos.line, pos.col, msg);
}

typedef int (*str_fn)(const struct ctx *c, const char *s, struct toml_pos pos);

/* Calls fn on each string of an array value; any other shape is an error. */
static int each_string(const struct ctx *c, const struct toml_kv *kv, str_fn fn)
{
	const struct toml_value *v = kv->val;

	if (v->type != TOML_ARRAY)
		return err_at(c, v->pos, "'%s' must be an array of strings, not %s", kv->key,
			      toml_type_name(v->type));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct toml_value *e = v->u.arr.items[i];
		int r;

		if (e->type != TOML_STRING)
			return err_at(c, e->pos, "'%s' must contain strings, not %s", kv->key,
				      toml_type_name(e->type));
		r = fn(c, e->u.str, e->pos);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_read(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_path(c->p, s, POLICY_READ, origin(c, pos), c->d);
}

static int add_write(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_path(c->p, s, POLICY_READ | POLICY_WRITE, origin(c, pos), c->d);
}

static int add_exec(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_exec(c->p, s, origin(c, pos), c->d);
}

static int add_net(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_net_allow(c->p, s, origin(c, pos), c->d);
}

static int add_net_deny(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_net_deny(c->p, s, origin(c, pos), c->d);
}

static int add_bind(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_bind(c->p, s, origin(c, pos), c->d);
}

static int add_sys_deny(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_syscall(c->p, false, s, origin(c, pos), c->d);
}

static int add_sys_allow(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_syscall(c->p, true, s, origin(c, pos), c->d);
}

static int key_read(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_read);
}

static int key_write(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_write);
}

static int add_deny(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_deny(c->p, s, origin(c, pos), c->d);
}

static int key_deny(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_deny);
}

static int key_exec_allow(const struct ctx *c, const struct toml_kv *kv)
{
	c->p->exec_restricted = true; /* an empty list means: execute nothing */
	return each_string(c, kv, add_exec);
}

static int key_net_allow(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_net);
}

static int key_net_deny(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_net_deny);
}

static int add_deny_argv(const struct ctx *c, const char *s, struct toml_pos pos)
{
	return policy_add_deny_argv(c->p, s, origin(c, pos), c->d);
}

static int key_deny_argv(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_deny_argv);
}

static int key_sys_deny(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_sys_deny);
}

static int key_sys_allow(const struct ctx *c, const struct toml_kv *kv)
{
	return each_string(c, kv, add_sys_allow);
}

/* allow_bind takes port specs as strings ("8000-8100") or bare integers. */
static int key_bind(const struct ctx *c, const struct toml_kv *kv)
{
	const struct toml_value *v = kv->val;

	if (v->type != TOML_ARRAY)
		return err_at(c, v->pos, "'%s' must be an array of ports, not %s", kv->key,
			      toml_type_name(v->type));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct toml_value *e = v->u.arr.items[i];
		char num[24];
		int r;

		if (e->type == TOML_INTEGER) {
			snprintf(num, sizeof(num), "%lld", (long long)e->u.i);
			r = add_bind(c, num, e->pos);
		} else if (e->type == TOML_STRING) {
			r = add_bind(c, e->u.str, e->pos);
		} else {
			return err_at(c, e->pos, "'%s' must contain ports, not %s", kv->key,
				      toml_type_name(e->type));
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int want_type(const struct ctx *c, const struct toml_kv *kv, enum toml_type t)
{
	if (kv->val->type == t)
		return 0;
	return err_at(c, kv->val->pos, "'%s' must be %s, not %s", kv->key,
		      t == TOML_BOOL ? "a boolean" : t == TOML_INTEGER ? "an integer" : "a string",
		      toml_type_name(kv->val->type));
}

static int key_system(const struct ctx *c, const struct toml_kv *kv)
{
	int r = want_type(c, kv, TOML_BOOL);

	if (r == 0)
		c->p->system_set = kv->val->u.b;
	return r;
}

static int key_hide_stat(const struct ctx *c, const struct toml_kv *kv)
{
	int r = want_type(c, kv, TOML_BOOL);

	if (r == 0)
		c->p->hide_stat = kv->val->u.b;
	return r;
}

static int key_clean_env(const struct ctx *c, const struct toml_kv *kv)
{
	int r = want_type(c, kv, TOML_BOOL);

	/* Merged restrictively: a flag or earlier file asking for a clean
	 * environment is not undone by a later file. */
	if (r == 0)
		c->p->clean_env = c->p->clean_env || kv->val->u.b;
	return r;
}

static int positive(const struct ctx *c, const struct toml_kv *kv, uint64_t *out)
{
	int r = want_type(c, kv, TOML_INTEGER);

	if (r < 0)
		return r;
	if (kv->val->u.i <= 0)
		return err_at(c, kv->val->pos, "'%s' must be a positive integer", kv->key);
	*out = (uint64_t)kv->val->u.i;
	return 0;
}

/* Limits merge restrictively: the smallest of the flag and every file. */
static int min_limit(const struct ctx *c, const struct toml_kv *kv, uint64_t *limit)
{
	uint64_t v = 0;
	int r = positive(c, kv, &v);

	if (r == 0 && (*limit == 0 || v < *limit))
		*limit = v;
	return r;
}

static int key_open_files(const struct ctx *c, const struct toml_kv *kv)
{
	return min_limit(c, kv, &c->p->open_files);
}

static int key_timeout(const struct ctx *c, const struct toml_kv *kv)
{
	return min_limit(c, kv, &c->p->timeout_sec);
}

static int key_processes(const struct ctx *c, const struct toml_kv *kv)
{
	uint64_t before = c->p->max_processes;
	int r = min_limit(c, kv, &c->p->max_processes);

	if (r == 0 && c->p->max_processes != before)
		c->p->max_processes_at = origin(c, kv->key_pos);
	return r;
}

/* memory = "512M" or a number of bytes; merged restrictively. */
static int key_memory(const struct ctx *c, const struct toml_kv *kv)
{
	uint64_t v;

	if (kv->val->type == TOML_INTEGER)
		return min_limit(c, kv, &c->p->max_memory);
	if (kv->val->type != TOML_STRING)
		return err_at(c, kv->val->pos, "'%s' must be a size (\"512M\") or an integer, not %s",
			      kv->key, toml_type_name(kv->val->type));
	if (policy_parse_size(kv->val->u.str, &v) < 0)
		return err_at(c, kv->val->pos, "invalid size '%s' for '%s': expected a positive "
			      "number of bytes with an optional K, M, G or T suffix", kv->val->u.str,
			      kv->key);
	if (!c->p->max_memory || v < c->p->max_memory)
		c->p->max_memory = v;
	return 0;
}

static int key_cwd(const struct ctx *c, const struct toml_kv *kv)
{
	int r = want_type(c, kv, TOML_STRING);

	if (r < 0)
		return r;
	if (kv->val->u.str[0] != '/')
		return err_at(c, kv->val->pos, "relative path '%s': '%s' must be absolute",
			      kv->val->u.str, kv->key);
	free(c->p->cwd);
	c->p->cwd = strdup(kv->val->u.str);
	return c->p->cwd ? 0 : -ENOMEM;
}

/* env = { KEY = "value", ... } (inline or [program.env]). */
static int key_env(const struct ctx *c, const struct toml_kv *kv)
{
	const struct toml_value *v = kv->val;

	if (v->type != TOML_TABLE)
		return err_at(c, v->pos, "'%s' must be a table of strings, not %s", kv->key,
			      toml_type_name(v->type));
	for (size_t i = 0; i < v->u.tab.n; i++) {
		const struct toml_kv *e = &v->u.tab.kv[i];
		char *entry;
		int r;

		if (!e->key[0] || strchr(e->key, '='))
			return err_at(c, e->key_pos, "invalid environment variable name '%s': names "
				      "must be non-empty and contain no '='", e->key);
		if (e->val->type != TOML_STRING)
			return err_at(c, e->val->pos, "env value '%s' must be a string, not %s",
				      e->key, toml_type_name(e->val->type));
		if (asprintf(&entry, "%s=%s", e->key, e->val->u.str) < 0)
			return -ENOMEM;
		r = policy_add_env(c->p, entry, origin(c, e->key_pos), c->d);
		free(entry);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Keys of the upstream format whose enforcement needs a later component:
 * named, positioned, and refused (see schemas/policy.md). */
static int key_later(const struct ctx *c, const struct toml_kv *kv)
{
	return err_at(c, kv->key_pos, "'%s' in [%s] is not supported yet", kv->key,
		      c->section);
}

struct key_rule {
	const char *key;
	int (*fn)(const struct ctx *c, const struct toml_kv *kv);
};

struct section_rule {
	const char *name;
	const struct key_rule *keys;
};

static const struct key_rule fs_keys[] = {
	{ "read", key_read },	   { "write", key_write }, { "system", key_system },
	{ "deny", key_deny },	   { "hide_stat", key_hide_stat },
	{ "workdir", key_later }, { NULL, NULL },
};
static const struct key_rule net_keys[] = {
	{ "allow", key_net_allow }, { "allow_bind", key_bind }, { "deny", key_net_deny },
	{ NULL, NULL },
};
static const struct key_rule http_keys[] = {
	{ "allow", key_later }, { "deny", key_later }, { "ports", key_later }, { NULL, NULL },
};
static const struct key_rule exec_keys[] = {
	{ "allow", key_exec_allow }, { "deny_argv", key_deny_argv }, { NULL, NULL },
};
static const struct key_rule sys_keys[] = {
	{ "extra_deny", key_sys_deny }, { "extra_allow", key_sys_allow }, { NULL, NULL },
};
static const struct key_rule limit_keys[] = {
	{ "open_files", key_open_files }, { "timeout", key_timeout },
	{ "memory", key_memory },	  { "processes", key_processes },
	{ NULL, NULL },
};
static const struct key_rule program_keys[] = {
	{ "env", key_env }, { "clean_env", key_clean_env }, { "cwd", key_cwd }, { NULL, NULL },
};
static const struct section_rule sections[] = {
	{ "filesystem", fs_keys }, { "network", net_keys }, { "http", http_keys },
	{ "exec", exec_keys },	   { "syscalls", sys_keys }, { "limits", limit_keys },
	{ "program", program_keys }, { NULL, NULL },
};

static int parse_section(struct ctx *c, const struct section_rule *s, const struct toml_value *t)
{
	c->section = s->name;
	for (size_t i = 0; i < t->u.tab.n; i++) {
		const struct toml_kv *kv = &t->u.tab.kv[i];
		const struct key_rule *k;
		int r;

		for (k = s->keys; k->key && strcmp(k->key, kv->key) != 0; k++)
			;
		if (!k->key)
			return err_at(c, kv->key_pos, "unknown key '%s' in [%s]", kv->key, s->name);
		r = k->fn(c, kv);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_root(struct ctx *c, const struct toml_value *root)
{
	for (size_t i = 0; i < root->u.tab.n; i++) {
		const struct toml_kv *kv = &root->u.tab.kv[i];
		const struct section_rule *s;
		int r;

		for (s = sections; s->name && strcmp(s->name, kv->key) != 0; s++)
			;
		if (!s->name && kv->val->type != TOML_TABLE)
			return err_at(c, kv->key_pos, "unknown top-level key '%s' (expected a "
				      "section such as [filesystem])", kv->key);
		if (!s->name)
			return err_at(c, kv->key_pos, "unknown section [%s]", kv->key);
		if (kv->val->type != TOML_TABLE)
			return err_at(c, kv->key_pos, "'%s' must be a section, not %s", kv->key,
				      toml_type_name(kv->val->type));
		r = parse_section(c, s, kv->val);
		if (r < 0)
			return r;
	}
	return 0;
}

int policy_parse(struct policy *p, const char *file, const char *src, size_t len,
		 struct diag *d)
{
	struct toml_value *root = NULL;
	struct toml_error te = { 0 };
	struct ctx c = { .p = p, .d = d };
	int r;

	c.file = policy_add_source(p, file);
	if (!c.file)
		return -ENOMEM;
	r = toml_parse(src, len, &root, &te);
	if (r == -EINVAL)
		return diag_set(d, "%s:%u:%u: %s", file, te.line, te.col, te.msg);
	if (r < 0)
		return r;
	r = parse_root(&c, root);
	toml_free(root);
	return r;
}

/* Policy files are small; anything over this is a mistake (or an attack on
 * the parser), not a policy. */
#define POLICY_MAX_BYTES (4u << 20)

int policy_load(struct policy *p, const char *file, struct diag *d)
{
	struct stat st;
	char *buf;
	ssize_t n = 0;
	size_t got = 0;
	int r, fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return diag_err(d, r, "cannot read policy '%s': %s", file, strerror(-r));
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > POLICY_MAX_BYTES) {
		close(fd);
		return diag_set(d, "cannot read policy '%s': not a regular file under 4 MiB", file);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	r = n < 0 ? -errno : 0;
	close(fd);
	/* A prefix of a policy can mean less than the whole (a dropped
	 * [exec] allow): never parse a short read. */
	if (r < 0 || got != (size_t)st.st_size) {
		free(buf);
		return diag_err(d, r < 0 ? r : -EIO, "cannot read policy '%s': %s", file,
				r < 0 ? strerror(-r) : "file changed while being read");
	}
	r = policy_parse(p, file, buf, got, d);
	free(buf);
	return r;
}
