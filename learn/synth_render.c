/* The policy text: path grants (synth_paths.c), [exec] allow, [network]
 * rules and [limits], each rule with its provenance comment, sorted, and
 * parsed back by core's own policy loader before it is handed out.
 *
 * Margins on limits (documented in learn/README.md): processes 2 × peak
 * + 4; memory 1.5 × peak rounded up to a MiB, at least 16M; open_files
 * 2 × peak, at least 256.  A peak of 0 (not measured) sets no limit. */
#define _GNU_SOURCE
#include "synth_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define MIB (1024u * 1024u)

/* A rule line: its TOML value text, the comment, and a sort key. */
struct item {
	char *value;   /* owned: "\"/usr/bin/git\"" or "8080" */
	char *comment; /* owned, comment-safe */
	char *key;     /* owned: what it sorts and dedupes by */
};

struct items {
	SYNTH_ARRAY(struct item, v);
	struct synth_map ix;
};

static void items_release(struct items *l)
{
	for (size_t i = 0; i < l->n_v; i++) {
		free(l->v[i].value);
		free(l->v[i].comment);
		free(l->v[i].key);
	}
	free(l->v);
	synth_map_release(&l->ix);
}

/* Adds an item unless its key is there; takes the three strings. */
static int items_add(struct items *l, char *key, char *value, char *comment)
{
	struct item *it = NULL;

	if (key && value && comment && synth_map_find(&l->ix, key) >= 0) {
		free(key), free(value), free(comment);
		return 0;
	}
	if (key && value && comment)
		it = SYNTH_PUSH(l, v);
	if (!it || synth_map_add(&l->ix, key, l->n_v - 1) < 0) {
		if (it)
			l->n_v--;
		free(key), free(value), free(comment);
		return -ENOMEM;
	}
	*it = (struct item){ value, comment, key };
	return 0;
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

static void print_items(FILE *out, const char *name, struct items *l)
{
	if (!l->n_v)
		return;
	qsort(l->v, l->n_v, sizeof(*l->v), cmp_item);
	fprintf(out, "%s = [\n", name);
	for (size_t i = 0; i < l->n_v; i++)
		fprintf(out, "  %s, # %s\n", l->v[i].value, l->v[i].comment);
	fputs("]\n", out);
}

void synth_comment_text(const char *s, char *buf, size_t len)
{
	size_t k = 0;

	/* A comment ends at a newline: anything not printable ASCII from a
	 * trace (an exe named "x\n[filesystem]...") must not end it. */
	for (; s && *s && k + 1 < len; s++)
		buf[k++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	if (len)
		buf[k] = '\0';
}

void synth_prov_comment(const struct synth_prov *p, char *buf, size_t len)
{
	char exe[256];

	synth_comment_text(p->first_exe ? p->first_exe : "(unknown program)", exe, sizeof(exe));
	snprintf(buf, len, "%llu event%s, first by pid %d %s", (unsigned long long)p->events,
		 p->events == 1 ? "" : "s", (int)p->first_pid, exe);
}

/* A TOML basic string: quotes, backslashes and controls escaped. */
static char *toml_str(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* ---- [filesystem] ---- */

static char *grant_comment(struct synth_ctx *c, struct synth_grant *g)
{
	char prov[400];

	synth_prov_comment(synth_grant_prov(c, g), prov, sizeof(prov));
	if (g->collapsed)
		return fmt("collapsed, %zu entries used; %s", g->collapsed, prov);
	if (g->created)
		return fmt("names created or removed in it; %s", prov);
	return strdup(prov);
}

static int print_fs(FILE *out, struct synth_ctx *c)
{
	struct items rd = { 0 }, wr = { 0 };
	int r = 0;

	for (size_t i = 0; i < c->g.n_v && r == 0; i++) {
		struct synth_grant *g = &c->g.v[i];

		if (g->dropped)
			continue;
		r = items_add(g->access & POLICY_WRITE ? &wr : &rd, strdup(g->path),
			      toml_str(g->path), grant_comment(c, g));
	}
	fputs("[filesystem]\n", out);
	print_items(out, "read", &rd);
	print_items(out, "write", &wr);
	items_release(&rd);
	items_release(&wr);
	return r;
}

/* ---- [exec] ---- */

static const char gone[] = "it cannot be found now";

/* Why path cannot be an [exec] allow entry, or NULL (gone: missing). */
static const char *exec_refused(struct synth_ctx *c, const char *path, struct policy *scratch)
{
	static char why[600];
	struct policy_origin o = { "sl-learn", 0, 0 };
	struct diag d = { { 0 } };
	char buf[4096];
	const char *prot;

	if (synth_path_invalid(path))
		return synth_path_invalid(path);
	prot = synth_path_protected(path, c->o->home, buf, sizeof(buf));
	if (prot && !c->o->force_sensitive)
		return "a protected path; --force-sensitive allows it";
	switch (c->fs->type(c->fs->ctx, path)) {
	case SYNTH_MISSING:
		return gone;
	case SYNTH_FILE:
		break;
	default:
		return "not a regular file";
	}
	if (policy_add_exec(scratch, path, o, &d) < 0) {
		snprintf(why, sizeof(why), "%s", d.msg);
		return why;
	}
	if (prot)
		synth_note(c, "warning: allowing protected executable '%s' because of "
			   "--force-sensitive", path);
	return NULL;
}

static char *exec_comment(const struct synth_exec *x)
{
	char prov[400];

	if (x->prov.events) {
		synth_prov_comment(&x->prov, prov, sizeof(prov));
		return fmt("%s", prov);
	}
	return fmt("seen running as pid %d, not seen executed", (int)x->ran.first_pid);
}

/* The #! interpreter of a script that was executed: the kernel executes
 * it too, so Landlock checks EXECUTE on it. */
static int add_interp(struct synth_ctx *c, struct items *l, const char *script,
		      struct policy *scratch)
{
	char interp[4096], safe[256];
	const char *why;

	/* An ELF interpreter (2) is executable with its program already
	 * (landlock.c grants it); a #! one (1) must be listed. */
	if (c->fs->interp(c->fs->ctx, script, interp, sizeof(interp)) != 1)
		return 0;
	why = exec_refused(c, interp, scratch);
	if (why) {
		synth_note(c, "skipped executable '%s', the interpreter of '%s': %s", interp,
			   script, why);
		return 0;
	}
	synth_comment_text(script, safe, sizeof(safe));
	return items_add(l, strdup(interp), toml_str(interp), fmt("interpreter of %s", safe));
}

static int print_exec(FILE *out, struct synth_ctx *c, struct policy *scratch)
{
	const struct synth_exec **order;
	struct items l = { 0 };
	int r = 0;

	if (c->no_exec_list) {
		fputs("\n# No [exec] allow: a program the run created was executed (see the "
		      "notes);\n# the read and write grants allow executing.\n", out);
		return 0;
	}
	order = synth_exec_sorted(c->s);
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < c->s->n_execs && r == 0 && !c->err; i++) {
		const struct synth_exec *x = order[i];
		const char *why = exec_refused(c, x->path, scratch);

		if (why == gone) {
			synth_tally_add(c, &c->gone_execs, x->path);
			continue;
		}
		if (why) {
			synth_note(c, "skipped executable '%s': %s", x->path, why);
			continue;
		}
		r = items_add(&l, strdup(x->path), toml_str(x->path), exec_comment(x));
		if (r == 0 && (x->how & SYNTH_EXEC_RUN))
			r = add_interp(c, &l, x->path, scratch);
	}
	synth_tally_note(c, &c->gone_execs, "programs that do not exist now (a failed exec, "
			 "as in a PATH search, needs none)");
	if (l.n_v) {
		fputs("\n[exec]\n", out);
		print_items(out, "allow", &l);
	}
	free(order);
	items_release(&l);
	return r;
}

/* ---- [network] ---- */

/* Connect/send destinations of one protocol and target, and their ports. */
struct group {
	char *key; /* "tcp|target": owned */
	unsigned proto;
	char *target; /* as written in a rule: owned */
	unsigned *ports;
	size_t n_ports;
	struct synth_prov prov;
};

struct groups {
	SYNTH_ARRAY(struct group, v);
	struct synth_map ix;
};

static void groups_release(struct groups *l)
{
	for (size_t i = 0; i < l->n_v; i++) {
		free(l->v[i].key);
		free(l->v[i].target);
		free(l->v[i].ports);
		synth_prov_release(&l->v[i].prov);
	}
	free(l->v);
	synth_map_release(&l->ix);
}

static struct group *group_of(struct groups *l, unsigned proto, const char *target)
{
	char *key = fmt("%s|%s", proto == POLICY_NET_UDP ? "udp" : "tcp", target);
	long i = key ? synth_map_find(&l->ix, key) : -1;
	struct group *g;

	if (i >= 0) {
		free(key);
		return &l->v[i];
	}
	g = key ? SYNTH_PUSH(l, v) : NULL;
	if (!g || !(g->target = strdup(target)) || synth_map_add(&l->ix, key, l->n_v - 1) < 0) {
		if (g)
			free(g->target), l->n_v--;
		free(key);
		return NULL;
	}
	g->key = key;
	g->proto = proto;
	return g;
}

static int group_add(struct groups *l, const struct synth_net *n, const char *target)
{
	struct group *g = group_of(l, n->proto, target);
	unsigned *p;

	if (!g)
		return -ENOMEM;
	p = reallocarray(g->ports, g->n_ports + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	g->ports = p;
	g->ports[g->n_ports++] = n->port;
	return synth_prov_merge(&g->prov, &n->prov);
}

/* The targets a destination needs: a name lowercased, an IPv6 address in
 * brackets; the unspecified address, which the kernel sends to loopback,
 * needs both loopback addresses (schemas/policy.md). */
static int add_destination(struct synth_ctx *c, struct groups *l, const struct synth_net *n)
{
	char target[300];
	int r;

	if (n->port == 0) {
		synth_note(c, "skipped destination '%s' port 0: a rule cannot allow port 0",
			   n->target);
		return 0;
	}
	if (strcmp(n->target, "0.0.0.0") == 0 || strcmp(n->target, "::") == 0) {
		r = group_add(l, n, "127.0.0.1");
		return r < 0 ? r : group_add(l, n, "[::1]");
	}
	if (strchr(n->target, ':'))
		snprintf(target, sizeof(target), "[%s]", n->target);
	else
		snprintf(target, sizeof(target), "%s", n->target);
	for (char *t = target; *t; t++)
		*t = (char)(*t >= 'A' && *t <= 'Z' ? *t - 'A' + 'a' : *t);
	return group_add(l, n, target);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* "tcp://target:p1,p2": exactly the ports used. */
static char *rule_text(struct group *g)
{
	char *ports = NULL, *rule;
	size_t len = 0, k = 0;
	FILE *f = open_memstream(&ports, &len);

	if (!f)
		return NULL;
	qsort(g->ports, g->n_ports, sizeof(*g->ports), cmp_uint);
	for (size_t i = 0; i < g->n_ports; i++)
		if (i == 0 || g->ports[i] != g->ports[i - 1])
			fprintf(f, "%s%u", k++ ? "," : "", g->ports[i]);
	if (fclose(f) != 0)
		return NULL;
	rule = fmt("%s://%s:%s", g->proto == POLICY_NET_UDP ? "udp" : "tcp", g->target, ports);
	free(ports);
	return rule;
}

static int allow_rules(struct synth_ctx *c, struct groups *gl, struct items *l,
		       struct policy *scratch)
{
	int r = 0;

	for (size_t i = 0; i < gl->n_v && r == 0; i++) {
		struct policy_origin o = { "sl-learn", 0, 0 };
		struct diag d = { { 0 } };
		char prov[400];
		char *rule = rule_text(&gl->v[i]);

		if (!rule)
			return -ENOMEM;
		if (policy_add_net_allow(scratch, rule, o, &d) < 0) {
			synth_note(c, "skipped network rule: %s", d.msg);
			free(rule);
			continue;
		}
		synth_prov_comment(&gl->v[i].prov, prov, sizeof(prov));
		r = items_add(l, strdup(rule), toml_str(rule), strdup(prov));
		free(rule);
	}
	return r;
}

static int bind_item(struct synth_ctx *c, struct items *l, const struct synth_net *n,
		     struct policy *scratch)
{
	struct policy_origin o = { "sl-learn", 0, 0 };
	struct diag d = { { 0 } };
	char port[16], prov[400];

	if (n->proto == POLICY_NET_UDP) {
		synth_note(c, "note: UDP port %u was bound; binding UDP needs no rule, but "
			   "UDP sockets need a UDP allow rule", n->port);
		return 0;
	}
	snprintf(port, sizeof(port), "%u", n->port);
	if (policy_add_bind(scratch, port, o, &d) < 0) {
		synth_note(c, "skipped bind port %u: %s", n->port, d.msg);
		return 0;
	}
	synth_prov_comment(&n->prov, prov, sizeof(prov));
	return items_add(l, fmt("%05u", n->port), strdup(port), strdup(prov));
}

static int cmp_net_ptr(const void *a, const void *b)
{
	return strcmp((*(struct synth_net *const *)a)->key, (*(struct synth_net *const *)b)->key);
}

static int print_net(FILE *out, struct synth_ctx *c, struct policy *scratch)
{
	const struct synth *s = c->s;
	struct synth_net **order = calloc(s->n_nets + 1, sizeof(*order));
	struct groups gl = { 0 };
	struct items allow = { 0 }, bind = { 0 };
	int r = order ? 0 : -ENOMEM;

	for (size_t i = 0; order && i < s->n_nets; i++)
		order[i] = &s->nets[i];
	if (order)
		qsort(order, s->n_nets, sizeof(*order), cmp_net_ptr);
	for (size_t i = 0; i < s->n_nets && r == 0; i++)
		r = order[i]->bind ? bind_item(c, &bind, order[i], scratch)
				   : add_destination(c, &gl, order[i]);
	if (r == 0)
		r = allow_rules(c, &gl, &allow, scratch);
	if (allow.n_v || bind.n_v) {
		fputs("\n[network]\n", out);
		print_items(out, "allow", &allow);
		print_items(out, "allow_bind", &bind);
	}
	free(order);
	groups_release(&gl);
	items_release(&allow);
	items_release(&bind);
	return r;
}

/* ---- [limits], header, the whole ---- */

static void print_limits(FILE *out, const struct trace_peaks *p)
{
	uint64_t mem, files;

	if (!p->processes && !p->memory && !p->open_files)
		return;
	fputs("\n[limits]\n", out);
	if (p->processes)
		fprintf(out, "processes = %llu # peak %llu tasks at once; 2 x peak + 4\n",
			(unsigned long long)(2 * p->processes + 4),
			(unsigned long long)p->processes);
	if (p->memory) {
		mem = (p->memory + p->memory / 2 + MIB - 1) / MIB;
		fprintf(out, "memory = \"%lluM\" # peak %llu bytes; 1.5 x peak, at least 16M\n",
			(unsigned long long)(mem < 16 ? 16 : mem), (unsigned long long)p->memory);
	}
	if (p->open_files) {
		files = 2 * p->open_files < 256 ? 256 : 2 * p->open_files;
		fprintf(out, "open_files = %llu # peak %llu; 2 x peak, at least 256\n",
			(unsigned long long)files, (unsigned long long)p->open_files);
	}
}

static void print_header(FILE *out, const struct synth *s)
{
	fprintf(out,
		"# Learned by sl-learn %s from %llu run%s (%llu events",
		SANDLOCK_VERSION, (unsigned long long)s->runs, s->runs == 1 ? "" : "s",
		(unsigned long long)s->rows);
	if (s->denied)
		fprintf(out, "; %llu denied, not granted", (unsigned long long)s->denied);
	fputs(").\n# Each rule says how many events needed it and which process needed it "
	      "first.\n# Review it before use: it grants what the runs did, nothing more.\n\n",
	      out);
}


/* The text must load with core's own parser: a synthesis bug must never
 * hand the user a policy that enforce refuses, or one that means less. */
static int verify(const char *text, size_t len, struct diag *d)
{
	struct policy p;
	struct diag why = { { 0 } };
	int r;

	policy_init(&p);
	r = policy_parse(&p, "<sl-learn output>", text, len, &why);
	policy_release(&p);
	if (r < 0)
		return diag_err(d, r == -ENOMEM ? r : -EINVAL,
				"internal error: the synthesized policy does not load: %s", why.msg);
	return 0;
}

static void ctx_release(struct synth_ctx *c)
{
	for (size_t i = 0; i < c->g.n_v; i++) {
		free(c->g.v[i].path);
		free(c->g.v[i].src);
		synth_prov_release(&c->g.v[i].prov);
		synth_prov_release(&c->g.v[i].extra);
	}
	free(c->g.v);
	synth_map_release(&c->g.ix);
	free(c->gone_reads.list);
	free(c->gone_execs.list);
}

static int render_into(FILE *out, struct synth_ctx *c, struct policy *scratch)
{
	int r = synth_paths_build(c);

	if (r == 0)
		r = synth_exec_plan(c);
	if (r == 0)
		r = synth_paths_protect(c);
	if (r == 0)
		r = synth_collapse(c);
	if (r == 0)
		synth_paths_finish(c);
	r = r ? r : c->err;
	if (r == 0) {
		print_header(out, c->s);
		r = print_fs(out, c);
	}
	if (r == 0)
		r = print_exec(out, c, scratch);
	if (r == 0)
		r = print_net(out, c, scratch);
	if (r == 0)
		print_limits(out, &c->s->peaks);
	return r ? r : c->err;
}

int synth_render(const struct synth *s, const struct synth_opts *o, const struct synth_fs *fs,
		 char **toml, struct synth_notes *notes, struct diag *d)
{
	struct synth_ctx c = { .s = s, .o = o, .fs = fs, .notes = notes };
	struct policy scratch;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int r = out ? 0 : -ENOMEM;

	*toml = NULL;
	policy_init(&scratch);
	if (r == 0)
		r = render_into(out, &c, &scratch);
	if (out && fclose(out) != 0 && r == 0)
		r = -ENOMEM;
	policy_release(&scratch);
	ctx_release(&c);
	if (r == 0)
		r = verify(text, len, d);
	else if (r == -ENOMEM)
		diag_err(d, r, "cannot synthesize a policy: out of memory");
	if (r < 0) {
		free(text);
		return r;
	}
	*toml = text;
	return 0;
}

void synth_notes_release(struct synth_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}
