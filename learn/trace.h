/* The trace store: a SQLite file of runs and decision events, whose schema
 * is schemas/trace.sql.  Three parts:
 *
 *   trace_schema.c  the schema text, its version, migrations and the check
 *                   that a file is a sandlock trace;
 *   trace_write.c   the recording sink of `sandlock learn` and --audit-log:
 *                   emit copies an event into a bounded queue and returns, a
 *                   writer thread inserts the queue in batched transactions;
 *   trace_read.c    opens a trace for sl-learn and sl-audit with one-line
 *                   errors for anything that is not a usable trace.
 *
 * A writer's life: trace_open → trace_run_begin → emit through
 * trace_sink() from any thread → trace_run_end → (more runs) → trace_close.
 * Ownership: trace_open returns an owned struct trace, freed by
 * trace_close; trace_sink() returns a sink borrowed from it. */
#ifndef SANDLOCK_TRACE_H
#define SANDLOCK_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "diag.h"
#include "event.h"

/* ---- schema (trace_schema.c) ---- */

/* The version schemas/trace.sql sets with PRAGMA user_version. */
#define TRACE_SCHEMA_VERSION 1

/* The text of schemas/trace.sql, byte for byte. */
extern const char trace_schema_sql[];

/* One forward migration: SQL that turns version `from` into from + 1. */
struct trace_migration {
	unsigned from;
	const char *sql;
};

/* Applies steps[] (ordered by from) to db, from its user_version up to
 * the last step's from + 1, all in one transaction: on any failure nothing
 * is changed.  Returns 0 or -errno with d filled ("schema migration from
 * version N failed: why").  Exported with the step table as a parameter so
 * tests can migrate through steps of their own. */
int trace_schema_migrate(sqlite3 *db, const struct trace_migration *steps, size_t n,
			 struct diag *d);

/* Checks that db holds a sandlock trace: tables runs, processes, strings,
 * event_rows and the view events, with every column of the schema, and
 * user_version == TRACE_SCHEMA_VERSION.  An older version is migrated when `writable`,
 * else -EROFS.  Returns 0, or -EINVAL with d holding the reason alone,
 * e.g. "not a sandlock trace (no table 'runs')", "schema version 7 is
 * newer than this program reads (1)"; callers put "cannot read trace 'F': "
 * in front. */
int trace_schema_check(sqlite3 *db, bool writable, struct diag *d);

/* Creates the schema in an empty database, in one transaction. */
int trace_schema_create(sqlite3 *db, struct diag *d);

/* ---- writer (trace_write.c) ---- */

struct trace;

struct trace_opts {
	bool append;          /* add runs to an existing trace (else replace it) */
	size_t queue_events;  /* events the queue holds; 0: 16384 */
	size_t batch_events;  /* commit as soon as this many wait; 0: 4096 */
	unsigned flush_ms;    /* and at least this often; 0: 100 */
	unsigned full_wait_ms; /* how long emit waits for room; 0: 10000 */
	uint64_t max_bytes;   /* the file may not grow past this; 0: no limit */
};

struct trace_run_meta {
	const char *const *argv; /* the command (borrowed) */
	size_t argc;
	const char *cwd;         /* NULL: unknown */
	uint64_t start_ns;       /* 0: now */
	const char *kernel;      /* NULL: this kernel's release */
	int landlock_abi;
	const char *mode;        /* "learn" or "enforce" */
	const char *policy;      /* the policy text in force, or NULL */
};

/* Peaks a run reached; 0 for unknown.  trace_run_end takes the larger of
 * these and what the events showed (proc counts, mem bytes, live tasks). */
struct trace_peaks {
	uint64_t processes;
	uint64_t memory;
	uint64_t open_files;
};

/* Opens or creates the trace at path, mode 0600, WAL, synchronous=NORMAL
 * once the first run's row is written (trace_file.c, configure).
 * Without o->append an existing file is replaced if it is a sandlock trace
 * (or empty) and refused otherwise, so a mistyped -o never destroys a
 * foreign file; with it the file must be a trace (an older schema is
 * migrated) or absent.  o may be NULL for defaults.  Returns 0 and an owned
 * trace, or -errno with d filled. */
int trace_open(const char *path, const struct trace_opts *o, struct trace **out,
	       struct diag *d);

/* Inserts the run's row and starts the writer thread.  m is borrowed for
 * the call.  Returns 0 or -errno with d filled. */
int trace_run_begin(struct trace *t, const struct trace_run_meta *m, struct diag *d);

/* The sink that records into t's current run (borrowed from t; valid until
 * trace_close).  emit copies the event into the queue and never does I/O;
 * when the queue is full it waits up to full_wait_ms for room, and if that
 * passes it fails the trace rather than lose the event unnoticed.  The
 * sink's close() only flushes and reports the first error: the trace
 * stays open for trace_run_end, and trace_close frees it. */
struct event_sink *trace_sink(struct trace *t);

/* Waits until every event emitted so far is committed.  Returns 0, or the
 * failure (-errno, d filled) if the trace has failed. */
int trace_flush(struct trace *t, struct diag *d);

/* Whether the trace has failed (disk full, I/O error, the writer stalled,
 * out of memory): once failed, events are no longer recorded and the owner
 * should stop the workload.  Copies the message into d when true. */
bool trace_failed(struct trace *t, struct diag *d);

/* An eventfd (close-on-exec, borrowed) that becomes readable when the
 * trace fails, for the owner's poll loop. */
int trace_fail_fd(const struct trace *t);

/* Events committed and events lost (emitted but not recorded because the
 * trace had failed) so far. */
void trace_counts(struct trace *t, uint64_t *committed, uint64_t *lost);

/* Flushes, stops the writer thread and completes the run's row (end time,
 * wait status, peaks; peaks may be NULL).  Returns 0, or -errno with d
 * filled when the run's record is incomplete. */
int trace_run_end(struct trace *t, int wait_status, const struct trace_peaks *peaks,
		  struct diag *d);

/* Ends a run still open (exit status unknown), checkpoints the WAL into
 * the file and closes it; takes t.  Returns the first error of the trace's
 * life (-errno with d filled), so a trace that lost events never looks
 * complete. */
int trace_close(struct trace *t, struct diag *d);

/* ---- reader (trace_read.c) ---- */

struct trace_reader;

/* Opens path for reading after checking, in order: the file can be opened
 * and is a regular file, it is a SQLite database, it is not corrupted
 * (PRAGMA quick_check), it is a sandlock trace of a version this program
 * reads (an older one is upgraded in place).  Every failure is one line
 * in d, "cannot read trace 'PATH': why", and -errno.  Returns an owned
 * reader. */
int trace_read_open(const char *path, struct trace_reader **out, struct diag *d);

/* Closes r (takes it). */
void trace_read_close(struct trace_reader *r);

/* The database, for sl-audit's own queries (borrowed, read-only). */
sqlite3 *trace_read_db(struct trace_reader *r);

/* One event as synthesis needs it (strings resolved from the strings
 * table).  Strings are borrowed for the
 * callback only and may be NULL. */
struct trace_row {
	int64_t run, seq;
	uint64_t time_ns;
	pid_t pid;
	const char *exe;
	enum event_kind kind;
	enum event_verdict verdict;
	const char *syscall;
	const char *path, *path2;
	unsigned access;
	const char *addr; /* "10.0.0.1", "::1" */
	unsigned port;
	unsigned proto;   /* POLICY_NET_TCP or POLICY_NET_UDP, 0 if none */
	const char *host;
};

typedef int (*trace_row_fn)(void *ctx, const struct trace_row *row);

/* Calls fn on every event of every run in (run, seq) order; stops at fn's
 * first negative return and returns it.  Returns 0, or -errno with d
 * filled for a read error. */
int trace_read_events(struct trace_reader *r, trace_row_fn fn, void *ctx, struct diag *d);

/* Totals over the trace's runs: runs, events, and the largest peaks. */
struct trace_summary {
	uint64_t runs, events;
	struct trace_peaks peaks;
};
int trace_read_summary(struct trace_reader *r, struct trace_summary *s, struct diag *d);

/* ---- helpers shared by writer and reader (trace_json.c) ---- */

/* Appends argv as a JSON array of strings to buf (an owned, growing
 * buffer: *buf of *cap bytes, realloc'ed); bytes that are not valid UTF-8 are
 * written as \u00XX.  Returns the length, or -ENOMEM. */
ssize_t trace_json_argv(char **buf, size_t *cap, const char *const *argv, size_t argc);

/* The text of a 16-byte address: IPv4 dotted for an IPv4-mapped one. */
void trace_addr_text(const uint8_t addr[16], char *out, size_t len);

#endif
