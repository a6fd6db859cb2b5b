/* Internals of policy synthesis, shared by synth.c (aggregation),
 * synth_map.c, synth_paths.c (path grants), synth_collapse.c and
 * synth_render.c (the TOML). */
#ifndef SANDLOCK_SYNTH_INT_H
#define SANDLOCK_SYNTH_INT_H

#include <stdint.h>
#include <stdio.h>

#include "synth.h"

/* A link needs REFER on its source's directory when it crosses
 * directories, which only a write grant gives. */
#define SYNTH_ACC_REFER 0x100u

/* Which event first needed a rule, and how many did. */
struct synth_prov {
	uint64_t events;
	uint64_t first_ns;
	pid_t first_pid;
	char *first_exe; /* owned, may be NULL */
};

/* Adds one event's provenance; merges another rule's.  -ENOMEM or 0. */
int synth_prov_add(struct synth_prov *p, uint64_t time_ns, pid_t pid, const char *exe);
int synth_prov_merge(struct synth_prov *p, const struct synth_prov *q);
void synth_prov_release(struct synth_prov *p);

/* A string-keyed index into an array: keys are borrowed from the array's
 * elements, which must keep them at a fixed address. */
struct synth_map {
	struct synth_slot {
		const char *key;
		uint32_t hash;
		uint32_t idx; /* array index + 1; 0: empty */
	} *slots;
	size_t cap, n;
};

/* The array index of key, or -1. */
long synth_map_find(const struct synth_map *m, const char *key);
/* Indexes key at idx.  Returns 0 or -ENOMEM. */
int synth_map_add(struct synth_map *m, const char *key, size_t idx);
void synth_map_release(struct synth_map *m);

/* A path seen in allowed path events. */
struct synth_path {
	char *path;
	unsigned acc; /* EVENT_ACC_* | SYNTH_ACC_REFER */
	struct synth_prov prov;
};

/* A program executed, or running (an event's exe). */
#define SYNTH_EXEC_RUN 1u  /* an exec event or an exec access named it */
#define SYNTH_EXEC_EXE 2u  /* a process was running it */
struct synth_exec {
	char *path;
	unsigned how;
	struct synth_prov prov; /* exec events */
	struct synth_prov ran;  /* events made while running it */
};

/* A destination connected or sent to, or a port bound. */
struct synth_net {
	char *key;    /* "c|tcp|TARGET|PORT" or "b|tcp||PORT": the map key */
	char *target; /* host name, or address text */
	unsigned proto, port;
	bool bind;
	struct synth_prov prov;
};

#define SYNTH_ARRAY(type, name) \
	type *name;             \
	size_t n_##name, cap_##name

struct synth {
	SYNTH_ARRAY(struct synth_path, paths);
	struct synth_map paths_ix;
	SYNTH_ARRAY(struct synth_exec, execs);
	struct synth_map execs_ix;
	SYNTH_ARRAY(struct synth_net, nets);
	struct synth_map nets_ix;
	uint64_t rows, denied, runs, events;
	struct trace_peaks peaks;
	char *last_exe; /* the last exe recorded, to skip its lookup */
	size_t last_exe_idx;
};

/* Grows an array by one zeroed element; NULL when out of memory. */
void *synth_grow(void **arr, size_t *n, size_t *cap, size_t size);
#define SYNTH_PUSH(s, name) \
	((__typeof__((s)->name))synth_grow((void **)&(s)->name, &(s)->n_##name, \
					   &(s)->cap_##name, sizeof(*(s)->name)))

/* ---- rendering ---- */

/* A path grant being built. */
struct synth_grant {
	char *path;
	unsigned access;     /* POLICY_READ, or POLICY_READ | POLICY_WRITE */
	/* The paths (indexes into synth.paths) whose events need it: a set,
	 * so an event reaching a grant by two routes counts once. */
	SYNTH_ARRAY(size_t, src);
	struct synth_prov prov; /* computed from src by synth_grant_prov */
	struct synth_prov extra; /* events that are not path events (execs) */
	size_t collapsed;    /* entries it replaced, 0 if observed */
	bool created;        /* granted for names created or removed in it */
	bool dropped;
};

struct synth_grants {
	SYNTH_ARRAY(struct synth_grant, v);
	struct synth_map ix; /* by path; a path has one grant */
};

/* Paths skipped for one common reason, reported in one note. */
struct synth_tally {
	char *list; /* owned: the first few, quoted */
	size_t n;
};

struct synth_ctx {
	const struct synth *s;
	const struct synth_opts *o;
	const struct synth_fs *fs;
	struct synth_notes *notes;
	struct synth_grants g;
	bool no_exec_list;              /* a program the run created was executed */
	struct synth_tally gone_reads;  /* read paths that do not exist now */
	struct synth_tally gone_execs;  /* programs that do not exist now */
	int err;                        /* first -ENOMEM */
};

void synth_tally_add(struct synth_ctx *c, struct synth_tally *t, const char *path);
/* The note "skipped N WHAT: 'a', 'b', ..." (nothing if none); frees t. */
void synth_tally_note(struct synth_ctx *c, struct synth_tally *t, const char *what);

/* Appends a note (printf-style); on -ENOMEM records it in c->err. */
void synth_note(struct synth_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds or widens the grant of path, needed by the events of the paths
 * src[0..n); returns it, or NULL (c->err set). */
struct synth_grant *synth_grant_want(struct synth_ctx *c, const char *path, unsigned access,
				     const size_t *src, size_t n);
/* Adds or widens the grant of path for events that are not path events. */
struct synth_grant *synth_grant_want_prov(struct synth_ctx *c, const char *path,
					  unsigned access, const struct synth_prov *prov);
/* g's provenance: the events of its source paths, each path once. */
const struct synth_prov *synth_grant_prov(struct synth_ctx *c, struct synth_grant *g);

/* Path rules (synth_paths.c). */
/* NULL when path can be written in a policy, else why not. */
const char *synth_path_invalid(const char *path);
/* The protected path that path is, is under, or contains; or NULL. */
const char *synth_path_protected(const char *path, const char *home, char *buf, size_t len);
/* The guarded tree path is in (or is), or NULL. */
const char *synth_path_guarded(const char *path, const char *home);
/* Whether a is b or an ancestor of b. */
bool synth_path_covers(const char *a, const char *b);
/* The grants of every path event. */
int synth_paths_build(struct synth_ctx *c);
/* Removes protected grants (or warns, when forced). */
int synth_paths_protect(struct synth_ctx *c);
/* Decides whether [exec] allow can be written (synth_exec.c): not when a
 * program created by the run was executed; then every executed program and
 * its interpreter gets a read grant instead (reads imply execute). */
int synth_exec_plan(struct synth_ctx *c);
/* The execs sorted by path (owned array of borrowed entries), or NULL. */
const struct synth_exec **synth_exec_sorted(const struct synth *s);
/* Whether the runs created path (it cannot be granted by name). */
bool synth_created(const struct synth *s, const char *path);
/* Drops grants covered by another, and those whose path is gone. */
void synth_paths_finish(struct synth_ctx *c);
/* The collapse of --collapse N (synth_collapse.c). */
int synth_collapse(struct synth_ctx *c);
/* Notes what a directory grant inside a guarded tree adds beyond what
 * was used (synth_collapse.c). */
void synth_note_guarded(struct synth_ctx *c, const struct synth_grant *g, const char *why);

/* A comment-safe copy of s: printable ASCII only, at most len-1 bytes. */
void synth_comment_text(const char *s, char *buf, size_t len);
/* " # N events, first by pid P EXE" for p. */
void synth_prov_comment(const struct synth_prov *p, char *buf, size_t len);

#endif
