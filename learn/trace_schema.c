/* The trace schema: the text of schemas/trace.sql, its forward migrations,
 * and the check that a database is a sandlock trace of a version we read.
 *
 * The text is kept here byte for byte as in schemas/trace.sql (the Makefile
 * has no generation step for it); tests/unit/test_trace_schema.c fails when
 * the two differ, and when TRACE_SCHEMA_VERSION differs from the file's
 * PRAGMA user_version. */
#define _GNU_SOURCE
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

const char trace_schema_sql[] =
	"-- The sandlock trace: one SQLite file holding runs of a command under\n"
	"-- sandlock (`sandlock learn`, or enforce with --audit-log) and every\n"
	"-- supervised decision each run made.  This file is the contract:\n"
	"-- learn/trace_schema.c embeds it verbatim (tests/unit/test_trace_schema.c\n"
	"-- checks the two are identical), sl-learn and sl-audit read it.  A change\n"
	"-- bumps user_version and adds a forward migration step to\n"
	"-- learn/trace_schema.c; readers refuse a newer version and upgrade an older\n"
	"-- one in place.\n"
	"--\n"
	"-- Conventions: times are CLOCK_REALTIME nanoseconds; a wait status is the\n"
	"-- raw int waitpid() gives (WIFEXITED etc. decode it); argv columns are JSON\n"
	"-- arrays of strings, a byte that is not valid UTF-8 written as \\u00XX;\n"
	"-- paths are absolute and resolved.  Tables are STRICT, so a forged row of\n"
	"-- the wrong type is refused by SQLite itself.\n"
	"PRAGMA user_version = 1;\n"
	"\n"
	"-- One execution of a command under sandlock.  end_ns and exit_status stay\n"
	"-- NULL when sandlock itself died (kill -9): the events written until then\n"
	"-- are kept.\n"
	"CREATE TABLE runs (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tcommand TEXT NOT NULL,             -- argv, JSON array\n"
	"\tcwd TEXT,\n"
	"\tstart_ns INTEGER NOT NULL,\n"
	"\tend_ns INTEGER,\n"
	"\texit_status INTEGER,               -- wait status of the command\n"
	"\tsandlock_version TEXT NOT NULL,\n"
	"\tkernel TEXT NOT NULL,              -- uname -r\n"
	"\tlandlock_abi INTEGER NOT NULL,\n"
	"\tmode TEXT NOT NULL CHECK (mode IN ('learn', 'enforce')),\n"
	"\tpolicy TEXT,                       -- the policy text in force, if any\n"
	"\tpeak_processes INTEGER,            -- tasks in the sandbox at once\n"
	"\tpeak_memory INTEGER,               -- bytes ([limits] memory's measure)\n"
	"\tpeak_open_files INTEGER            -- descriptors of one process\n"
	") STRICT;\n"
	"\n"
	"-- The task tree of a run, from EVENT_TASK (fork, exit) and exec events; a\n"
	"-- task first seen in some other event is added then.  A pid reused within\n"
	"-- a run gets a second row.\n"
	"CREATE TABLE processes (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\trun INTEGER NOT NULL REFERENCES runs (id),\n"
	"\tpid INTEGER NOT NULL,\n"
	"\tppid INTEGER,\n"
	"\texe TEXT,                          -- the last program it executed\n"
	"\targv TEXT,                         -- and its argv, JSON array\n"
	"\tstart_ns INTEGER NOT NULL,\n"
	"\tend_ns INTEGER,\n"
	"\texit_status INTEGER                -- wait status\n"
	") STRICT;\n"
	"\n"
	"CREATE INDEX processes_by_run ON processes (run, pid);\n"
	"\n"
	"-- Every string an event refers to (paths, programs, syscall names, host\n"
	"-- names, rule ids, origins, details) is stored once and events hold its\n"
	"-- id: a run opens the same few thousand paths over and over, and an\n"
	"-- integer is far cheaper to write, index and compare than the text (this\n"
	"-- is what lets the recorder keep up with a busy workload).\n"
	"CREATE TABLE strings (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\ttext TEXT NOT NULL UNIQUE\n"
	") STRICT;\n"
	"\n"
	"-- One row per struct event (core/event.h), in the order they were emitted:\n"
	"-- id across the file, seq 1, 2, ... within a run.  Columns marked\n"
	"-- \"-> strings\" hold a strings.id; the view `events` below gives them as\n"
	"-- text, and is what readers query.  Columns that do not apply to a kind\n"
	"-- are NULL.  kind 'path': path, path2 (rename, link: the other name, in\n"
	"-- either order; symlink: the link's contents), access (EVENT_ACC_* bits:\n"
	"-- 1 read, 2 write, 4 create, 8 truncate, 16 exec, 32 remove, 64 dir,\n"
	"-- 128 meta).\n"
	"-- 'net': proto, addr (IPv4 dotted, IPv6 compressed), port, host (the name\n"
	"-- the address was resolved from, when known); a bind is syscall 'bind'.\n"
	"-- 'exec': path, argv.  'proc': amount = tasks at that moment,\n"
	"-- amount_limit.  'mem': amount = bytes, amount_limit.  'task': child = the\n"
	"-- new task (0 for an exit), status = the exit's wait status.\n"
	"-- No CHECK constraints here: evaluated per row they halve the recorder's\n"
	"-- throughput.  Readers validate instead (learn/trace_read.c skips a row of\n"
	"-- unknown kind, and anything but verdict 'allow' counts as a denial).\n"
	"CREATE TABLE event_rows (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\trun INTEGER NOT NULL REFERENCES runs (id),\n"
	"\tseq INTEGER NOT NULL,\n"
	"\ttime_ns INTEGER NOT NULL,\n"
	"\tpid INTEGER NOT NULL,              -- thread id of the caller\n"
	"\tppid INTEGER NOT NULL,\n"
	"\texe INTEGER,                       -- -> strings: the caller's executable\n"
	"\tkind TEXT NOT NULL,                -- net exec path proc mem error task\n"
	"\tsyscall INTEGER,                   -- -> strings\n"
	"\tnr INTEGER NOT NULL,               -- native syscall number\n"
	"\tpath INTEGER,                      -- -> strings\n"
	"\tpath2 INTEGER,                     -- -> strings\n"
	"\taccess INTEGER,\n"
	"\taddr TEXT,\n"
	"\tport INTEGER,\n"
	"\tproto TEXT,                        -- tcp udp\n"
	"\thost INTEGER,                      -- -> strings\n"
	"\targv TEXT,\n"
	"\tamount INTEGER,\n"
	"\tamount_limit INTEGER,\n"
	"\tchild INTEGER,\n"
	"\tstatus INTEGER,\n"
	"\tverdict TEXT NOT NULL,             -- allow deny\n"
	"\trule INTEGER,                      -- -> strings: \"network.allow[2]\", \"default\"\n"
	"\torigin INTEGER,                    -- -> strings: \"policy.toml:3:9\", or a source\n"
	"\terrno INTEGER NOT NULL,            -- what the caller got; 0 when allowed\n"
	"\tdetail INTEGER                     -- -> strings\n"
	") STRICT;\n"
	"\n"
	"-- sl-audit: a run's events of one kind; sl-learn and sl-audit: who touched\n"
	"-- a path (through strings.text's own index to the path's id).\n"
	"CREATE INDEX event_rows_by_kind ON event_rows (run, kind);\n"
	"CREATE INDEX event_rows_by_path ON event_rows (path) WHERE path IS NOT NULL;\n"
	"\n"
	"-- The events with their strings as text: query this.\n"
	"CREATE VIEW events AS\n"
	"SELECT e.id, e.run, e.seq, e.time_ns, e.pid, e.ppid, s_exe.text AS exe, e.kind,\n"
	"\ts_sys.text AS syscall, e.nr, s_path.text AS path, s_path2.text AS path2, e.access,\n"
	"\te.addr, e.port, e.proto, s_host.text AS host, e.argv, e.amount, e.amount_limit,\n"
	"\te.child, e.status, e.verdict, s_rule.text AS rule, s_origin.text AS origin,\n"
	"\te.errno, s_detail.text AS detail\n"
	"FROM event_rows AS e\n"
	"\tLEFT JOIN strings AS s_exe ON s_exe.id = e.exe\n"
	"\tLEFT JOIN strings AS s_sys ON s_sys.id = e.syscall\n"
	"\tLEFT JOIN strings AS s_path ON s_path.id = e.path\n"
	"\tLEFT JOIN strings AS s_path2 ON s_path2.id = e.path2\n"
	"\tLEFT JOIN strings AS s_host ON s_host.id = e.host\n"
	"\tLEFT JOIN strings AS s_rule ON s_rule.id = e.rule\n"
	"\tLEFT JOIN strings AS s_origin ON s_origin.id = e.origin\n"
	"\tLEFT JOIN strings AS s_detail ON s_detail.id = e.detail;\n";

/* Forward steps, from[i] == i + 1.  Version 1 is the first schema; a
 * change to schemas/trace.sql appends { N, "ALTER TABLE ..." } here and
 * bumps TRACE_SCHEMA_VERSION. */
static const struct trace_migration migrations[] = {
	{ 0, NULL }, /* placeholder: an array may not be empty */
};
#define N_MIGRATIONS 0

_Static_assert(TRACE_SCHEMA_VERSION == N_MIGRATIONS + 1,
	       "one migration step per schema version after the first");

/* The tables and views a trace must have, in the order a foreign file is
 * probed: 'runs' first, so any SQLite file without it gets the same
 * message. */
static const char *const tables[] = { "runs", "processes", "strings", "event_rows", "events" };

static int sql_fail(sqlite3 *db, struct diag *d, const char *what)
{
	int rc = sqlite3_errcode(db);

	return diag_err(d, rc == SQLITE_NOMEM ? -ENOMEM : rc == SQLITE_FULL ? -ENOSPC : -EIO,
			"%s: %s", what, sqlite3_errmsg(db));
}

/* user_version of db, or -1 on error. */
static long user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	long v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* 1 if the query with one text parameter (and an optional second) yields
 * a row, 0 if not, -1 on error. */
static int has_row(sqlite3 *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int has_table(sqlite3 *db, const char *name)
{
	return has_row(db, "SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND "
		       "name = ?1", name, NULL);
}

static int exec_in_tx(sqlite3 *db, const char *sql, struct diag *d, const char *what)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(db, d, what);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int r = sql_fail(db, d, what);

		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	return 0;
}

int trace_schema_create(sqlite3 *db, struct diag *d)
{
	return exec_in_tx(db, trace_schema_sql, d, "cannot create the trace schema");
}

/* Runs the steps from version *v on, inside the caller's transaction. */
static int run_steps(sqlite3 *db, const struct trace_migration *steps, size_t n, long *v,
		     struct diag *d)
{
	char set[64];

	for (size_t i = 0; i < n; i++) {
		if ((long)steps[i].from < *v)
			continue;
		if ((long)steps[i].from != *v)
			return diag_set(d, "schema migration from version %ld failed: no step "
					"from it", *v);
		if (sqlite3_exec(db, steps[i].sql, NULL, NULL, NULL) != SQLITE_OK)
			return diag_err(d, -EIO, "schema migration from version %ld failed: %s",
					*v, sqlite3_errmsg(db));
		(*v)++;
	}
	/* PRAGMA takes no bound parameters; v is our own integer. */
	snprintf(set, sizeof(set), "PRAGMA user_version = %ld", *v);
	if (sqlite3_exec(db, set, NULL, NULL, NULL) != SQLITE_OK)
		return diag_err(d, -EIO, "schema migration to version %ld failed: %s", *v,
				sqlite3_errmsg(db));
	return 0;
}

int trace_schema_migrate(sqlite3 *db, const struct trace_migration *steps, size_t n,
			 struct diag *d)
{
	long v = user_version(db);
	int r;

	if (v < 0)
		return sql_fail(db, d, "cannot read the schema version");
	if (n == 0 || v > (long)steps[n - 1].from)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(db, d, "cannot start the schema migration");
	r = run_steps(db, steps, n, &v, d);
	if (r == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = sql_fail(db, d, "cannot commit the schema migration");
	if (r < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Every column the schema gives `table` must exist in db's table. */
static int check_columns(sqlite3 *db, sqlite3 *ref, const char *table, struct diag *d)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(ref, "SELECT name FROM pragma_table_info(?1)", -1, &st,
			       NULL) != SQLITE_OK)
		return sql_fail(ref, d, "cannot read the reference schema");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		int has = has_row(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
				  table, col);

		if (has < 0)
			r = sql_fail(db, d, "cannot read the schema");
		else if (!has)
			r = diag_set(d, "not a sandlock trace (table '%s' has no column '%s')",
				     table, col);
	}
	sqlite3_finalize(st);
	return r;
}

/* Whether sql, the stored text of table or view `name`, is the very
 * statement trace_schema_sql creates it with (SQLite keeps a CREATE's text
 * byte for byte, without the ';').  The name is checked too: the text is
 * what SQLite builds the object from. */
static bool verbatim(const char *name, const char *sql)
{
	const char *at = strstr(trace_schema_sql, sql), *rest;
	size_t n = strlen(name);

	if (!at || at[strlen(sql)] != ';' || (at != trace_schema_sql && at[-1] != '\n'))
		return false;
	if (strncmp(sql, "CREATE TABLE ", 13) == 0)
		rest = sql + 13;
	else if (strncmp(sql, "CREATE VIEW ", 12) == 0)
		rest = sql + 12;
	else
		return false;
	return strncmp(rest, name, n) == 0 && rest[n] == ' ';
}

/* 1 when every table and view a trace needs is stored as the statement of
 * this version's schema (any file this version created): its columns are
 * the schema's, known in one query instead of building the reference
 * (about 1 ms, paid at every `sandlock learn` that replaces a trace and
 * every read).  0 when some differ: check_shape's full comparison then
 * says which column is missing.  -1 on error. */
static int is_verbatim(sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t found = 0;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_schema WHERE type IN "
			       "('table', 'view') AND name IN ('runs', 'processes', "
			       "'strings', 'event_rows', 'events')", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sql = (const char *)sqlite3_column_text(st, 1);

		if (name && sql && verbatim(name, sql))
			found++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return found == sizeof(tables) / sizeof(tables[0]);
}

/* The tables and columns of db against the schema text, built in memory. */
static int check_shape(sqlite3 *db, struct diag *d)
{
	sqlite3 *ref = NULL;
	int r = is_verbatim(db);

	if (r < 0)
		return sql_fail(db, d, "cannot read the schema");
	if (r == 1)
		return 0;
	if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY,
			    NULL) != SQLITE_OK) {
		sqlite3_close(ref);
		return diag_err(d, -ENOMEM, "cannot build the reference schema: out of memory");
	}
	if (sqlite3_exec(ref, trace_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		r = sql_fail(ref, d, "cannot build the reference schema");
	/* One read transaction: each query alone would take and drop the
	 * file's lock and reread its header. */
	if (r == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		r = sql_fail(db, d, "cannot read the schema");
	for (size_t i = 0; r == 0 && i < sizeof(tables) / sizeof(tables[0]); i++) {
		int has = has_table(db, tables[i]);

		if (has < 0)
			r = sql_fail(db, d, "cannot read the schema");
		else if (!has)
			r = diag_set(d, "not a sandlock trace (no table '%s')", tables[i]);
		else
			r = check_columns(db, ref, tables[i], d);
	}
	if (sqlite3_get_autocommit(db) == 0)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(ref);
	return r;
}

int trace_schema_check(sqlite3 *db, bool writable, struct diag *d)
{
	int has = has_table(db, "runs");
	long v;
	int r;

	if (has < 0)
		return sql_fail(db, d, "cannot read the schema");
	if (!has)
		return diag_set(d, "not a sandlock trace (no table 'runs')");
	v = user_version(db);
	if (v < 0)
		return sql_fail(db, d, "cannot read the schema version");
	if (v == 0)
		return diag_set(d, "not a sandlock trace (schema version 0)");
	if (v > TRACE_SCHEMA_VERSION)
		return diag_set(d, "schema version %ld is newer than this program reads (%d)",
				v, TRACE_SCHEMA_VERSION);
	if (v < TRACE_SCHEMA_VERSION) {
		if (!writable)
			return diag_err(d, -EROFS, "schema version %ld needs upgrading to %d",
					v, TRACE_SCHEMA_VERSION);
		r = trace_schema_migrate(db, migrations, N_MIGRATIONS, d);
		if (r < 0)
			return r;
	}
	return check_shape(db, d);
}
