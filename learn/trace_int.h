/* Internals of the trace writer shared by trace_write.c (queue, thread,
 * lifecycle), trace_rec.c (copying an event) and trace_insert.c (rows). */
#ifndef SANDLOCK_TRACE_INT_H
#define SANDLOCK_TRACE_INT_H

#include <pthread.h>

#include "trace.h"

/* The strings of a copied event, packed in trace_rec.buf. */
enum trace_str {
	TS_EXE, TS_SYSCALL, TS_PATH, TS_PATH2, TS_HOST, TS_RULE, TS_ORIGIN, TS_DETAIL,
	TS_ARGV, /* argc NUL-terminated strings one after another */
	TS_N,
};
#define TRACE_NO_STR UINT32_MAX

/* An event copied out of the emitter's memory.  buf is kept between uses
 * of the slot, so a steady stream of events allocates nothing. */
struct trace_rec {
	uint64_t seq, time_ns;
	pid_t pid, ppid;
	int nr, err;
	enum event_kind kind;
	enum event_verdict verdict;
	unsigned access, proto;
	uint16_t port;
	uint8_t addr[16];
	uint64_t amount, amount_limit;
	pid_t child;
	int status;
	size_t argc;
	uint32_t off[TS_N];
	char *buf; /* owned */
	size_t cap, len;
};

/* Copies e into r (reusing r->buf).  Returns 0 or -ENOMEM (r unusable). */
int trace_rec_fill(struct trace_rec *r, const struct event *e, uint64_t seq);
/* String i of r, or NULL. */
const char *trace_rec_str(const struct trace_rec *r, enum trace_str i);
/* Frees a large buffer so one huge argv does not pin memory in its slot. */
void trace_rec_trim(struct trace_rec *r);

/* pid → processes.id of the live task with that pid in the current run. */
struct trace_pids {
	struct trace_pid_slot {
		pid_t pid; /* 0: empty; -1: deleted */
		int64_t row;
	} *slots;
	size_t cap, used, live;
};

/* The writer's cache of strings rows: text -> strings.id, so a path
 * seen before costs a hash lookup, not a query.  Bounded: when it holds
 * TRACE_INTERN_MAX strings it starts over (the table keeps them all). */
#define TRACE_INTERN_MAX 262144
struct trace_intern {
	struct trace_intern_slot {
		char *text; /* owned; NULL: empty */
		uint32_t hash;
		int64_t id;
	} *slots;
	size_t cap, n;
	sqlite3_stmt *find, *add;
};

int trace_intern_prepare(struct trace_intern *x, sqlite3 *db, struct diag *d);
void trace_intern_release(struct trace_intern *x);
/* The strings.id of s, inserting it if new; 0 for NULL.  Returns the id
 * (> 0) or -errno with d filled.  Inside the writer's transaction. */
int64_t trace_intern_id(struct trace_intern *x, sqlite3 *db, const char *s, struct diag *d);

/* Prepared statements and per-run state of the writer's connection; used
 * by the caller's thread outside runs and by the writer thread during one. */
struct trace_ins {
	sqlite3 *db; /* borrowed from struct trace */
	sqlite3_stmt *event, *proc, *proc_from, *proc_exec, *proc_exit, *begin, *commit,
		*rollback;
	int64_t run;
	struct trace_pids pids;
	struct trace_intern strings;
	uint64_t peak_live, peak_count, peak_mem;
	char *json; /* scratch for argv JSON (owned) */
	size_t json_cap;
	const char **argv; /* scratch argv pointers (owned) */
	size_t argv_cap;
};

int trace_ins_prepare(struct trace_ins *x, sqlite3 *db, struct diag *d);
void trace_ins_release(struct trace_ins *x);
/* Starts a run's per-run state (the pid map). */
void trace_ins_run(struct trace_ins *x, int64_t run);
/* Inserts recs[0..n) in one transaction.  Returns 0 or -errno with d
 * filled; on failure nothing of the batch is kept. */
int trace_ins_batch(struct trace_ins *x, const struct trace_rec *recs, size_t n,
		    struct diag *d);

/* Opens (creating, replacing or appending to, as o says) the trace file
 * and configures the connection: WAL, the size cap, synchronous=NORMAL
 * (a new file: OFF until trace_run_begin has written the run's row).
 * Returns 0 and an owned connection, or -errno with d filled. */
int trace_file_open(const char *path, const struct trace_opts *o, sqlite3 **db,
		    struct diag *d);

/* Whether path is a sandlock trace (any version), without the integrity
 * check: enough to decide it may be replaced.  0, or -errno with d filled
 * as trace_read_open does. */
int trace_read_probe(const char *path, struct diag *d);

/* -errno for the connection's last error (ENOSPC for SQLITE_FULL). */
int trace_sql_errno(sqlite3 *db);

#endif
