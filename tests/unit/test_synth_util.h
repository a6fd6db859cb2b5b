/* Helpers for the synthesis tests: rows to feed, a fake file system (a
 * list of paths; every proper prefix of one is a directory), rendering,
 * and looking for lines in the output and the notes. */
#ifndef TEST_SYNTH_UTIL_H
#define TEST_SYNTH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

struct fake_file {
	const char *path;
	enum synth_ftype type; /* SYNTH_FILE, SYNTH_DIR or SYNTH_OTHER */
	const char *interp;    /* #! interpreter, "elf:PATH" for PT_INTERP, or NULL */
};

/* The fake file system of the current test (a NULL path ends it). */
static const struct fake_file *fake_fs;

static inline enum synth_ftype fake_type(void *ctx, const char *path)
{
	size_t n = strlen(path);

	(void)ctx;
	for (const struct fake_file *f = fake_fs; f && f->path; f++) {
		if (strcmp(f->path, path) == 0)
			return f->type;
		if (strncmp(f->path, path, n) == 0 && (f->path[n] == '/' || n == 1))
			return SYNTH_DIR;
	}
	return SYNTH_MISSING;
}

static inline char **fake_list(void *ctx, const char *dir)
{
	size_t n = strcmp(dir, "/") ? strlen(dir) : 0, k = 0;
	char **v = calloc(256, sizeof(*v));

	(void)ctx;
	for (const struct fake_file *f = fake_fs; v && f && f->path; f++) {
		const char *rest = f->path + n, *end;
		char *name;
		bool dup = false;

		if (strncmp(f->path, dir, n) != 0 || rest[0] != '/' || !rest[1])
			continue;
		end = strchr(rest + 1, '/');
		name = strndup(rest + 1, end ? (size_t)(end - rest - 1) : strlen(rest + 1));
		for (size_t i = 0; i < k; i++)
			dup = dup || strcmp(v[i], name) == 0;
		if (dup || k == 255)
			free(name);
		else
			v[k++] = name;
	}
	return v;
}

static inline int fake_interp(void *ctx, const char *path, char *buf, size_t len)
{
	(void)ctx;
	for (const struct fake_file *f = fake_fs; f && f->path; f++)
		if (strcmp(f->path, path) == 0 && f->interp) {
			bool elf = strncmp(f->interp, "elf:", 4) == 0;

			snprintf(buf, len, "%s", f->interp + (elf ? 4 : 0));
			return elf ? 2 : 1;
		}
	return 0;
}

static const struct synth_fs fake = { NULL, fake_type, fake_list, fake_interp };

/* A path event of pid 100 running /usr/bin/app at time t. */
static inline struct trace_row row_path(uint64_t t, const char *path, unsigned acc)
{
	return (struct trace_row){ .run = 1, .seq = (int64_t)t, .time_ns = t, .pid = 100,
				   .exe = "/usr/bin/app", .kind = EVENT_PATH,
				   .verdict = EVENT_ALLOW, .syscall = "openat", .path = path,
				   .access = acc };
}

static inline struct trace_row row_net(uint64_t t, unsigned proto, const char *addr,
				       unsigned port, const char *host)
{
	return (struct trace_row){ .run = 1, .seq = (int64_t)t, .time_ns = t, .pid = 100,
				   .exe = "/usr/bin/app", .kind = EVENT_NET,
				   .verdict = EVENT_ALLOW, .syscall = "connect", .addr = addr,
				   .port = port, .proto = proto, .host = host };
}

static inline void add(struct synth *s, struct trace_row r)
{
	assert_int_equal(synth_add_row(s, &r), 0);
}

static inline struct synth *new_synth(void)
{
	struct synth *s = NULL;

	assert_int_equal(synth_new(&s), 0);
	return s;
}

/* Renders s with o (NULL: defaults, home /home/u); the notes go to *n
 * when given, else are dropped. */
static inline char *render(struct synth *s, const struct synth_opts *o, struct synth_notes *n)
{
	static const struct synth_opts defaults = { .home = "/home/u" };
	struct synth_notes local = { NULL, 0 };
	struct diag d = { { 0 } };
	char *text = NULL;
	int r = synth_render(s, o ? o : &defaults, &fake, &text, n ? n : &local, &d);

	if (r < 0)
		fprintf(stderr, "render: %s\n", d.msg);
	assert_int_equal(r, 0);
	synth_notes_release(&local);
	return text;
}

/* Whether text has a line starting with prefix. */
static inline bool has_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, prefix, n) == 0)
			return true;
	return false;
}

static inline bool has_note(const struct synth_notes *n, const char *sub)
{
	for (size_t i = 0; i < n->n; i++)
		if (strstr(n->v[i], sub))
			return true;
	return false;
}

/* The lines of the "key = [" array in section, joined by '\n' with
 * comments stripped: "  \"/a\"," lines become "/a". */
static inline char *list_of(const char *text, const char *section, const char *key)
{
	char head[64], *out = calloc(1, strlen(text) + 1);
	const char *p = strstr(text, section);

	snprintf(head, sizeof(head), "\n%s = [\n", key);
	p = p ? strstr(p, head) : NULL;
	if (!p || !out)
		return out;
	for (p += strlen(head); *p && strncmp(p, "]\n", 2) != 0;) {
		const char *end = strchr(p, '\n'), *q = p + 2;
		size_t len = strlen(out);

		bool quoted = *q == '"';

		q += quoted;
		while (*q && (quoted ? *q != '"' : *q != ','))
			out[len++] = *q++;
		out[len++] = '\n';
		p = end ? end + 1 : p + strlen(p);
	}
	return out;
}

#endif
