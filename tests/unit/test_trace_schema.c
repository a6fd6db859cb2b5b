/* The trace schema (learn/trace_schema.c): the embedded text is
 * schemas/trace.sql byte for byte, forward migrations run as one
 * transaction, and files that are not traces of our version are named
 * precisely. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "trace.h"

/* schemas/trace.sql: from the current directory (tests/run.sh and make run
 * from the top of the tree), else from the build directory this binary is
 * in (BUILD/tests/unit/test_x, BUILD inside the tree). */
static char *read_schema_file(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	const char *tries[2] = { "schemas/trace.sql", cand };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cand[0] = '\0';
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 4; up++) { /* test_x, unit, tests, BUILD */
			char *slash = strrchr(exe, '/');

			if (slash)
				*slash = '\0';
		}
		snprintf(cand, sizeof(cand), "%s/schemas/trace.sql", exe);
	}
	for (size_t i = 0; i < 2; i++) {
		FILE *f = tries[i][0] ? fopen(tries[i], "re") : NULL;
		char *buf = NULL;
		size_t cap = 0;
		ssize_t len;

		if (!f)
			continue;
		len = getdelim(&buf, &cap, '\0', f);
		fclose(f);
		if (len < 0) {
			free(buf);
			return NULL;
		}
		return buf;
	}
	return NULL;
}

static void test_embedded_schema_is_the_file(void **state)
{
	char *file = read_schema_file();

	(void)state;
	assert_non_null(file); /* the contract must be found, never skipped */
	assert_string_equal(trace_schema_sql, file);
	free(file);
}

static void test_version_constant_matches_text(void **state)
{
	const char *p = strstr(trace_schema_sql, "PRAGMA user_version = ");

	(void)state;
	assert_non_null(p);
	assert_int_equal(strtol(p + strlen("PRAGMA user_version = "), NULL, 10),
			 TRACE_SCHEMA_VERSION);
	/* Exactly one place sets the version. */
	assert_null(strstr(p + 1, "PRAGMA user_version"));
}

static sqlite3 *mem_db(const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sql)
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_fresh_schema_checks(void **state)
{
	sqlite3 *db = mem_db(NULL);
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(trace_schema_create(db, &d), 0);
	assert_int_equal(one(db, "PRAGMA user_version"), TRACE_SCHEMA_VERSION);
	assert_int_equal(trace_schema_check(db, false, &d), 0);
	sqlite3_close(db);
}

/* A made-up history: version 1 had t(a); 2 added t.b; 3 added u. */
static const struct trace_migration steps[] = {
	{ 1, "ALTER TABLE t ADD COLUMN b TEXT" },
	{ 2, "CREATE TABLE u (x INTEGER)" },
};

static void test_migrate_old_version(void **state)
{
	sqlite3 *db = mem_db("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (7);"
			     "PRAGMA user_version = 1;");
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(trace_schema_migrate(db, steps, 2, &d), 0);
	assert_int_equal(one(db, "PRAGMA user_version"), 3);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_table_info('t') WHERE name = 'b'"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM u"), 0);
	assert_int_equal(one(db, "SELECT a FROM t"), 7); /* data kept */
	/* Again: nothing left to do. */
	assert_int_equal(trace_schema_migrate(db, steps, 2, &d), 0);
	assert_int_equal(one(db, "PRAGMA user_version"), 3);
	sqlite3_close(db);
}

static void test_migrate_from_middle(void **state)
{
	sqlite3 *db = mem_db("CREATE TABLE t (a INTEGER, b TEXT); PRAGMA user_version = 2;");
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(trace_schema_migrate(db, steps, 2, &d), 0);
	assert_int_equal(one(db, "PRAGMA user_version"), 3);
	sqlite3_close(db);
}

static void test_failed_migration_changes_nothing(void **state)
{
	static const struct trace_migration bad[] = {
		{ 1, "ALTER TABLE t ADD COLUMN b TEXT" },
		{ 2, "CREATE TABLE t (duplicate)" },
	};
	sqlite3 *db = mem_db("CREATE TABLE t (a INTEGER); PRAGMA user_version = 1;");
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(trace_schema_migrate(db, bad, 2, &d), -EIO);
	assert_non_null(strstr(d.msg, "schema migration from version 2 failed: "));
	assert_int_equal(one(db, "PRAGMA user_version"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_table_info('t') WHERE name = 'b'"), 0);
	sqlite3_close(db);
}

static void test_migration_gap_refused(void **state)
{
	static const struct trace_migration gap[] = {
		{ 1, "ALTER TABLE t ADD COLUMN b TEXT" },
		{ 3, "CREATE TABLE u (x INTEGER)" },
	};
	sqlite3 *db = mem_db("CREATE TABLE t (a INTEGER); PRAGMA user_version = 1;");
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(trace_schema_migrate(db, gap, 2, &d), -EINVAL);
	assert_string_equal(d.msg, "schema migration from version 2 failed: no step from it");
	assert_int_equal(one(db, "PRAGMA user_version"), 1);
	sqlite3_close(db);
}

static void check_says(sqlite3 *db, int want, const char *msg)
{
	struct diag d = { { 0 } };

	assert_int_equal(trace_schema_check(db, true, &d), want);
	assert_string_equal(d.msg, msg);
}

static void test_newer_version_refused(void **state)
{
	sqlite3 *db = mem_db(trace_schema_sql);

	(void)state;
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	check_says(db, -EINVAL, "schema version 99 is newer than this program reads (1)");
	sqlite3_close(db);
}

static void test_foreign_database_refused(void **state)
{
	sqlite3 *db = mem_db("CREATE TABLE accounts (id INTEGER, name TEXT);"
			     "PRAGMA user_version = 1;");

	(void)state;
	check_says(db, -EINVAL, "not a sandlock trace (no table 'runs')");
	sqlite3_close(db);
}

static void test_version_zero_refused(void **state)
{
	sqlite3 *db = mem_db(trace_schema_sql);

	(void)state;
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 0", NULL, NULL, NULL), SQLITE_OK);
	check_says(db, -EINVAL, "not a sandlock trace (schema version 0)");
	sqlite3_close(db);
}

/* A file this version wrote is recognized by its statements alone
 * (trace_schema.c, is_verbatim); any other spelling of the tables, here
 * one with a column more, is judged column by column and accepted when it
 * has every column. */
static void test_other_spelling_checked_by_columns(void **state)
{
	sqlite3 *db = mem_db(trace_schema_sql);
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(trace_schema_check(db, false, &d), 0);
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE runs ADD COLUMN note TEXT", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(trace_schema_check(db, false, &d), 0);
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE runs DROP COLUMN note; "
				      "ALTER TABLE runs DROP COLUMN policy", NULL, NULL, NULL),
			 SQLITE_OK);
	check_says(db, -EINVAL, "not a sandlock trace (table 'runs' has no column 'policy')");
	sqlite3_close(db);
}

/* An object of the schema's name with another body is not taken for the
 * schema's own: the column check names what it lacks. */
static void test_other_body_checked_by_columns(void **state)
{
	sqlite3 *db = mem_db(trace_schema_sql);

	(void)state;
	assert_int_equal(sqlite3_exec(db, "DROP VIEW events; CREATE VIEW events AS SELECT id "
				      "FROM runs", NULL, NULL, NULL), SQLITE_OK);
	check_says(db, -EINVAL, "not a sandlock trace (table 'events' has no column 'run')");
	sqlite3_close(db);
}

static void test_missing_table_and_column_named(void **state)
{
	sqlite3 *db = mem_db(trace_schema_sql);

	(void)state;
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE processes DROP COLUMN argv", NULL, NULL,
				      NULL), SQLITE_OK);
	check_says(db, -EINVAL, "not a sandlock trace (table 'processes' has no column 'argv')");
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE processes ADD COLUMN argv TEXT", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP VIEW events", NULL, NULL, NULL), SQLITE_OK);
	check_says(db, -EINVAL, "not a sandlock trace (no table 'events')");
	assert_int_equal(sqlite3_exec(db, "DROP TABLE strings", NULL, NULL, NULL), SQLITE_OK);
	check_says(db, -EINVAL, "not a sandlock trace (no table 'strings')");
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_schema_is_the_file),
		cmocka_unit_test(test_version_constant_matches_text),
		cmocka_unit_test(test_fresh_schema_checks),
		cmocka_unit_test(test_migrate_old_version),
		cmocka_unit_test(test_migrate_from_middle),
		cmocka_unit_test(test_failed_migration_changes_nothing),
		cmocka_unit_test(test_migration_gap_refused),
		cmocka_unit_test(test_newer_version_refused),
		cmocka_unit_test(test_foreign_database_refused),
		cmocka_unit_test(test_version_zero_refused),
		cmocka_unit_test(test_other_spelling_checked_by_columns),
		cmocka_unit_test(test_other_body_checked_by_columns),
		cmocka_unit_test(test_missing_table_and_column_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
