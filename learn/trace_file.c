/* The trace file itself: created 0600 before SQLite touches it, replaced
 * only when it is a trace, appended to only when it is one, and set up
 * for crash safety (WAL: a killed writer loses at most the transaction in
 * flight, never the file). */
#define _GNU_SOURCE
#include "trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

int trace_sql_errno(sqlite3 *db)
{
	switch (sqlite3_errcode(db)) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* Creates path exclusively, mode 0600 whatever the umask: a trace names
 * every file and host the workload touched.  SQLite creates the -wal and
 * -shm files with the main file's mode. */
static int create_file(const char *path, struct diag *d)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		      0600);
	int err = 0;

	if (fd < 0)
		return diag_err(d, -errno, "cannot create trace '%s': %s", path, strerror(errno));
	if (fchmod(fd, 0600) < 0)
		err = diag_err(d, -errno, "cannot create trace '%s': %s", path, strerror(errno));
	close(fd);
	return err;
}

/* Removes a trace and its WAL companions so a new one starts empty. */
static int remove_trace(const char *path, struct diag *d)
{
	static const char *const suffixes[] = { "-wal", "-shm", "-journal" };
	char side[4096];

	if (unlink(path) < 0 && errno != ENOENT)
		return diag_err(d, -errno, "cannot replace trace '%s': %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if ((size_t)snprintf(side, sizeof(side), "%s%s", path, suffixes[i]) >= sizeof(side))
			return diag_err(d, -ENAMETOOLONG, "cannot replace trace '%s': %s", path,
					strerror(ENAMETOOLONG));
		if (unlink(side) < 0 && errno != ENOENT)
			return diag_err(d, -errno, "cannot replace trace '%s': %s", side,
					strerror(errno));
	}
	return 0;
}

/* 1 when path is an empty regular file, 0 when it is a valid trace, else
 * -errno with d saying why it must not be touched. */
static int check_existing(const char *path, bool append, struct diag *d)
{
	struct trace_reader *r;
	struct diag why = { { 0 } };
	struct stat st;
	int err;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return 1;
	/* Appending trusts the file: the full check (integrity included).
	 * Replacing only needs to know it is a trace. */
	if (append)
		err = trace_read_open(path, &r, &why);
	else
		err = trace_read_probe(path, &why);
	if (err == 0 && append)
		trace_read_close(r);
	if (err == 0)
		return 0;
	/* why reads "cannot read trace 'F': reason"; keep the reason. */
	return diag_err(d, err, "refusing to %s '%s': %s", append ? "append to" : "overwrite", path,
			strstr(why.msg, "': ") ? strstr(why.msg, "': ") + 3 : why.msg);
}

/* Decides what to do with path; *fresh says whether it needs a schema. */
static int prepare_path(const char *path, bool append, bool *fresh, struct diag *d)
{
	struct stat st;
	int r;

	*fresh = true;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return diag_err(d, -errno, "cannot open trace '%s': %s", path,
					strerror(errno));
		return create_file(path, d);
	}
	r = check_existing(path, append, d);
	if (r < 0)
		return r;
	if (append) {
		*fresh = r == 1;
		return 0;
	}
	r = remove_trace(path, d);
	return r < 0 ? r : create_file(path, d);
}

static int pragma(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	ok = sqlite3_step(st);
	ok = ok == SQLITE_DONE ||
	     (ok == SQLITE_ROW &&
	      (!want || strcmp((const char *)sqlite3_column_text(st, 0), want) == 0));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* What the trace must survive is a crash or kill -9 of sandlock (issue 5;
 * an OS crash or power loss is not asked for).  Every write(2) SQLite
 * makes is in the page cache once it returns, so a dead process loses
 * nothing it wrote: no fsync is needed for that.  WAL is what keeps the
 * file consistent: a batch cut short by the kill is in the WAL without its
 * commit frame, and the next opener ignores it (tests/unit/
 * test_trace_crash.c kills writers at each stage).  fsync is kept where it
 * is cheap and makes the finished trace survive a power loss too:
 *
 *   - a new file gets its schema, the switch to WAL and the first run's
 *     row with synchronous=OFF: no sync of the rollback journal, of the
 *     directory, of the new WAL's header (0.5 to 1.5 ms of every `sandlock
 *     learn` here).  Until the run records anything there is nothing to
 *     lose, and trace_run_begin turns NORMAL on right after that row.  A
 *     power loss before the first checkpoint may leave a new trace
 *     unreadable; it is then removed by hand;
 *   - during the run synchronous=NORMAL: a commit is a write(2) to the
 *     WAL, never an fsync; only a checkpoint syncs, the WAL before copying
 *     it into the file and the file before the WAL is reused;
 *   - at close (trace_write.c, settle) the last checkpoint under NORMAL
 *     puts the whole trace on disk before the WAL goes, and the header's
 *     switch back to a rollback journal goes unsynced (see there).
 *
 * With append, the existing file is synchronous=NORMAL from the start. */
static int configure(sqlite3 *db, const struct trace_opts *o, bool fresh)
{
	char sql[96];

	sqlite3_busy_timeout(db, 5000);
	if (pragma(db, "PRAGMA journal_mode = WAL", "wal") < 0 ||
	    (!fresh && pragma(db, "PRAGMA synchronous = NORMAL", NULL) < 0) ||
	    pragma(db, "PRAGMA temp_store = MEMORY", NULL) < 0 ||
	    pragma(db, "PRAGMA cache_size = -65536", NULL) < 0 ||
	    pragma(db, "PRAGMA wal_autocheckpoint = 16384", NULL) < 0)
		return -1;
	if (o->max_bytes) {
		sqlite3_stmt *st;
		long long psize = 0, pages;

		if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) != SQLITE_OK)
			return -1;
		if (sqlite3_step(st) == SQLITE_ROW)
			psize = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (psize <= 0)
			return -1;
		pages = (long long)(o->max_bytes / (uint64_t)psize);

		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", pages ? pages : 1);
		if (pragma(db, sql, NULL) < 0)
			return -1;
	}
	return 0;
}

/* SQLite counts every allocation under a global mutex unless told not to
 * before it initializes; the writer allocates for every page it touches.
 * Too late (another part of the process initialized SQLite first) is
 * harmless: the call fails and the counts stay on. */
static void no_memstatus(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int trace_file_open(const char *path, const struct trace_opts *o, sqlite3 **out,
		    struct diag *d)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sqlite3 *db = NULL;
	bool fresh;
	int r;

	pthread_once(&once, no_memstatus);
	r = prepare_path(path, o->append, &fresh, d);
	if (r < 0)
		return r;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		r = diag_err(d, trace_sql_errno(db), "cannot open trace '%s': %s", path,
			     sqlite3_errmsg(db));
		sqlite3_close(db);
		return r;
	}
	/* A new file gets its schema before WAL, in one transaction and
	 * without syncs (configure says why): a crash before the first run
	 * leaves an empty trace, or an unreadable file to remove. */
	if (fresh && sqlite3_exec(db, "PRAGMA page_size = 4096; PRAGMA synchronous = OFF", NULL,
				  NULL, NULL) != SQLITE_OK)
		r = -1;
	if (r == 0 && fresh)
		r = trace_schema_create(db, d);
	if (r == 0 && configure(db, o, fresh) < 0)
		r = diag_err(d, trace_sql_errno(db), "cannot open trace '%s': %s", path,
			     sqlite3_errmsg(db));
	if (r == 0 && !fresh)
		r = trace_schema_check(db, true, d);
	if (r < 0 && !strstr(d->msg, path)) {
		char why[sizeof(d->msg)];

		snprintf(why, sizeof(why), "%s", d->msg[0] ? d->msg : sqlite3_errmsg(db));
		diag_set(d, "cannot open trace '%s': %s", path, why);
	}
	if (r < 0) {
		sqlite3_close(db);
		return r < -1 ? r : -EIO;
	}
	*out = db;
	return 0;
}
