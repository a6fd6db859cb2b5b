/* Helpers shared by the trace tests: a scratch directory, events of each
 * kind, and one-value SQL queries. */
#ifndef TEST_TRACE_UTIL_H
#define TEST_TRACE_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "trace.h"

/* A fresh directory under /tmp; the path is static storage per call site
 * (copied by the caller). */
static inline char *tt_tmpdir(void)
{
	char tmpl[] = "/tmp/sl-trace-test.XXXXXX";
	char *dir = mkdtemp(tmpl);

	return dir ? strdup(dir) : NULL;
}

static inline char *tt_path(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* Removes dir and the files directly in it. */
static inline void tt_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *p;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		p = tt_path(dir, e->d_name);
		if (p)
			unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

/* The first column of the first row of sql on the file at path, or
 * -1 on any error. */
static inline long long tt_query(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The text of the first column of the first row, owned, or NULL. */
static inline char *tt_query_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static inline struct event tt_path_event(pid_t pid, const char *path, unsigned access)
{
	struct event e = {
		.time_ns = 1000 + (uint64_t)pid, .pid = pid, .ppid = 1, .exe = "/usr/bin/app",
		.syscall = "openat", .nr = 257, .kind = EVENT_PATH, .verdict = EVENT_ALLOW,
		.rule = "default",
	};

	e.path.path = path;
	e.path.access = access;
	return e;
}

static inline const struct trace_run_meta *tt_meta(void)
{
	static const char *const argv[] = { "app", "--flag" };
	static const struct trace_run_meta m = {
		.argv = argv, .argc = 2, .cwd = "/work", .landlock_abi = 7, .mode = "learn",
	};

	return &m;
}

#endif
