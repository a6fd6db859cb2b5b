/* Aggregating trace events for synthesis: one record per path, program
 * and destination, with what was done to it and which event did it first.
 * Only allowed events count: a denial (a default dangerous-syscall deny in
 * learn mode, anything refused under enforce) never becomes a grant. */
#define _GNU_SOURCE
#include "synth_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

int synth_new(struct synth **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void synth_free(struct synth *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_paths; i++) {
		free(s->paths[i].path);
		synth_prov_release(&s->paths[i].prov);
	}
	for (size_t i = 0; i < s->n_execs; i++) {
		free(s->execs[i].path);
		synth_prov_release(&s->execs[i].prov);
		synth_prov_release(&s->execs[i].ran);
	}
	for (size_t i = 0; i < s->n_nets; i++) {
		free(s->nets[i].key);
		free(s->nets[i].target);
		synth_prov_release(&s->nets[i].prov);
	}
	free(s->paths);
	free(s->execs);
	free(s->nets);
	synth_map_release(&s->paths_ix);
	synth_map_release(&s->execs_ix);
	synth_map_release(&s->nets_ix);
	free(s->last_exe);
	free(s);
}

/* Whether path has an empty or "." component or a trailing slash. */
static bool untidy(const char *path)
{
	for (const char *c = path; (c = strchr(c, '/')); c++)
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || !c[2])) || (!c[1] && c != path))
			return true;
	return false;
}

/* path without "//", "/./" and a trailing "/" (in buf when it changes):
 * the same file however the program spelled it ("./h" from the cwd).
 * ".." is kept, for synthesis to refuse: which directory it leads to
 * depends on symlinks that a lexical rule cannot see. */
static const char *tidy(const char *path, char *buf, size_t len)
{
	size_t k = 0;

	if (path[0] != '/' || !untidy(path) || strlen(path) >= len)
		return path;
	for (const char *c = path; *c;) {
		if (*c == '/' && (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || !c[2])))) {
			c += c[1] == '/' ? 1 : 2;
			continue;
		}
		buf[k++] = *c++;
	}
	if (k > 1 && buf[k - 1] == '/')
		k--;
	if (k == 0)
		buf[k++] = '/';
	buf[k] = '\0';
	return buf;
}

static struct synth_path *path_entry(struct synth *s, const char *path)
{
	long i = synth_map_find(&s->paths_ix, path);
	struct synth_path *p;

	if (i >= 0)
		return &s->paths[i];
	p = SYNTH_PUSH(s, paths);
	if (!p)
		return NULL;
	p->path = strdup(path);
	if (!p->path || synth_map_add(&s->paths_ix, p->path, s->n_paths - 1) < 0) {
		free(p->path);
		s->n_paths--;
		return NULL;
	}
	return p;
}

static int add_path(struct synth *s, const struct trace_row *r, const char *path,
		    unsigned acc)
{
	struct synth_path *p;
	char buf[4096];

	if (!path || !acc)
		return 0;
	p = path_entry(s, tidy(path, buf, sizeof(buf)));
	if (!p)
		return -ENOMEM;
	p->acc |= acc;
	return synth_prov_add(&p->prov, r->time_ns, r->pid, r->exe);
}

static int add_exec(struct synth *s, const struct trace_row *r, const char *path,
		    unsigned how)
{
	char buf[4096];
	long i = synth_map_find(&s->execs_ix, path = tidy(path, buf, sizeof(buf)));
	struct synth_exec *x;

	if (i < 0) {
		x = SYNTH_PUSH(s, execs);
		if (!x)
			return -ENOMEM;
		x->path = strdup(path);
		if (!x->path || synth_map_add(&s->execs_ix, x->path, s->n_execs - 1) < 0) {
			free(x->path);
			s->n_execs--;
			return -ENOMEM;
		}
	} else {
		x = &s->execs[i];
	}
	x->how |= how;
	/* Executions are counted; a running program only says who ran it
	 * first (the first program of a run is seen running, not executed). */
	return synth_prov_add(how == SYNTH_EXEC_RUN ? &x->prov : &x->ran, r->time_ns, r->pid,
			      r->exe);
}

/* Every event's exe is a program that ran.  Most rows repeat the last
 * one's, which then costs a compare instead of a lookup; the earliest row
 * still wins whatever the order rows come in. */
static int add_exe(struct synth *s, const struct trace_row *r)
{
	struct synth_prov *ran;
	int err;

	if (!r->exe)
		return 0;
	if (s->last_exe && strcmp(s->last_exe, r->exe) == 0) {
		ran = &s->execs[s->last_exe_idx].ran;
		if (r->time_ns > ran->first_ns)
			return 0;
		return synth_prov_add(ran, r->time_ns, r->pid, r->exe);
	}
	err = add_exec(s, r, r->exe, SYNTH_EXEC_EXE);
	if (err < 0)
		return err;
	free(s->last_exe);
	s->last_exe = strdup(r->exe);
	s->last_exe_idx = (size_t)synth_map_find(&s->execs_ix, r->exe);
	return s->last_exe ? 0 : -ENOMEM;
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A path event.  path2 is a symlink's contents (no path of ours), or
 * the other name of a rename or link, in whichever order the recorder
 * gives the two names (sandlock learn records a link as the new name with
 * the existing file, and a rename as two events, one per direction): the
 * other name's directory takes part in the operation (Landlock REFER, or
 * the create or remove itself), which only a write grant on it allows. */
/* Calls that look a name up without opening it: Landlock checks none of
 * them (a readlink of /tmp on the way to a script is no reason to grant
 * /tmp's tree), so they need no grant, whatever access a recorder gave. */
static bool lookup_only(const char *syscall)
{
	static const char *const names[] = {
		"readlink", "readlinkat", "stat", "lstat", "newfstatat", "fstatat64", "statx",
		"access", "faccessat", "faccessat2", "getxattr", "lgetxattr", "getxattrat",
		"listxattr", "llistxattr", "listxattrat", "statfs", "chdir",
		"inotify_add_watch",
	};

	for (size_t i = 0; syscall && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(syscall, names[i]) == 0)
			return true;
	return false;
}

static int path_event(struct synth *s, const struct trace_row *r)
{
	unsigned acc = r->access & 0xffu;
	int err;

	if (lookup_only(r->syscall))
		return 0;
	if (acc & EVENT_ACC_EXEC) {
		err = add_exec(s, r, r->path, SYNTH_EXEC_RUN);
		if (err < 0)
			return err;
	}
	if (r->path2 && !starts_with(r->syscall, "symlink")) {
		err = add_path(s, r, r->path2, SYNTH_ACC_REFER);
		if (err < 0)
			return err;
	}
	return add_path(s, r, r->path, acc);
}

static int net_event(struct synth *s, const struct trace_row *r)
{
	bool bind = r->syscall && strcmp(r->syscall, "bind") == 0;
	const char *target = r->host ? r->host : r->addr;
	const char *proto = r->proto == POLICY_NET_UDP ? "udp" : "tcp";
	struct synth_net *n;
	char *key;
	long i;

	if (!target && !bind)
		return 0;
	if (asprintf(&key, "%c|%s|%s|%u", bind ? 'b' : 'c', proto, bind ? "" : target,
		     r->port) < 0)
		return -ENOMEM;
	i = synth_map_find(&s->nets_ix, key);
	if (i >= 0) {
		free(key);
		return synth_prov_add(&s->nets[i].prov, r->time_ns, r->pid, r->exe);
	}
	n = SYNTH_PUSH(s, nets);
	if (!n) {
		free(key);
		return -ENOMEM;
	}
	n->key = key;
	n->target = strdup(bind ? "" : target);
	n->proto = r->proto ? r->proto : POLICY_NET_TCP;
	n->port = r->port;
	n->bind = bind;
	if (!n->target || synth_map_add(&s->nets_ix, key, s->n_nets - 1) < 0) {
		free(n->target);
		free(key);
		s->n_nets--;
		return -ENOMEM;
	}
	return synth_prov_add(&n->prov, r->time_ns, r->pid, r->exe);
}

int synth_add_row(struct synth *s, const struct trace_row *r)
{
	int err;

	s->rows++;
	if (r->verdict != EVENT_ALLOW) {
		s->denied++;
		return 0;
	}
	/* An exec event's exe is the program replaced, which for the first
	 * exec of a run is sandlock's own child: only what a program does once
	 * running shows that it ran in the sandbox. */
	err = r->kind == EVENT_EXEC ? 0 : add_exe(s, r);
	if (err < 0)
		return err;
	switch (r->kind) {
	case EVENT_PATH:
		return r->path ? path_event(s, r) : 0;
	case EVENT_EXEC:
		return r->path ? add_exec(s, r, r->path, SYNTH_EXEC_RUN) : 0;
	case EVENT_NET:
		return net_event(s, r);
	default:
		return 0;
	}
}

void synth_add_summary(struct synth *s, const struct trace_summary *sum)
{
	s->runs += sum->runs;
	s->events += sum->events;
	if (sum->peaks.processes > s->peaks.processes)
		s->peaks.processes = sum->peaks.processes;
	if (sum->peaks.memory > s->peaks.memory)
		s->peaks.memory = sum->peaks.memory;
	if (sum->peaks.open_files > s->peaks.open_files)
		s->peaks.open_files = sum->peaks.open_files;
}

static int row_cb(void *ctx, const struct trace_row *row)
{
	return synth_add_row(ctx, row);
}

int synth_add_trace(struct synth *s, struct trace_reader *r, struct diag *d)
{
	struct trace_summary sum;
	int err = trace_read_summary(r, &sum, d);

	if (err == 0)
		err = trace_read_events(r, row_cb, s, d);
	if (err == -ENOMEM && d && !d->msg[0])
		diag_err(d, err, "cannot synthesize a policy: out of memory");
	if (err == 0)
		synth_add_summary(s, &sum);
	return err;
}
