/* Reading traces for sl-learn and sl-audit.  A trace is input from
 * elsewhere (another machine, an old version, a damaged disk, a workload
 * that tried to forge it: ATTACKS.md 19), so it is checked before use, in
 * the order that gives the most precise one-line reason: the file, the
 * SQLite header, SQLite's own consistency check, then the schema. */
#define _GNU_SOURCE
#include "trace_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

struct trace_reader {
	sqlite3 *db;
	char *path;
};

#define PREFIX "cannot read trace '%s': "

/* The file must be a regular, non-empty file that starts with SQLite's
 * 16-byte magic; anything else never reaches SQLite. */
static int check_file(const char *path, struct diag *d)
{
	static const char magic[16] = "SQLite format 3";
	char head[100];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int err = 0;

	if (fd < 0)
		return diag_err(d, -errno, PREFIX "%s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		err = diag_err(d, -errno, PREFIX "%s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = diag_err(d, -EINVAL, PREFIX "not a regular file", path);
	else if (st.st_size == 0)
		err = diag_err(d, -EINVAL, PREFIX "empty file, not a sandlock trace", path);
	if (err) {
		close(fd);
		return err;
	}
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		err = diag_err(d, -errno, PREFIX "%s", path, strerror(errno));
	else if ((size_t)n < sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0)
		err = diag_err(d, -EINVAL, PREFIX "not a SQLite database", path);
	close(fd);
	return err;
}

static int open_db(const char *path, int flags, sqlite3 **db, struct diag *d)
{
	if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(*db, 5000);
		return 0;
	}
	diag_set(d, PREFIX "%s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
	sqlite3_close(*db);
	*db = NULL;
	return -EIO;
}

/* SQLite's report on one line: "*** in database main ***\nPage 5: ...". */
static const char *one_line(const char *s, char *buf, size_t len)
{
	size_t k = 0;

	for (; *s && k + 1 < len; s++) {
		if (*s == '\n' && k && buf[k - 1] == ' ')
			continue;
		buf[k++] = *s == '\n' || *s == '\t' ? ' ' : *s;
	}
	buf[k] = '\0';
	return buf;
}

/* SQLite's quick_check: every page and index entry well formed.  A file
 * cut short or overwritten in the middle fails here or while reading the
 * schema, both reported as "corrupted". */
static int check_integrity(sqlite3 *db, const char *path, struct diag *d)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
	const char *res;
	char line[300];
	int err = 0;

	if (rc != SQLITE_OK)
		return diag_err(d, -EINVAL, PREFIX "corrupted (%s)", path, sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (rc != SQLITE_ROW)
		err = diag_err(d, -EINVAL, PREFIX "corrupted (%s)", path, sqlite3_errmsg(db));
	else if (!res || strcmp(res, "ok") != 0)
		err = diag_err(d, -EINVAL, PREFIX "corrupted (%s)", path,
			       one_line(res ? res : "no result", line, sizeof(line)));
	sqlite3_finalize(st);
	return err;
}

/* The schema check, prefixed; an older schema is upgraded read-write. */
static int check_schema(sqlite3 **db, const char *path, struct diag *d)
{
	struct diag why = { { 0 } };
	int r = trace_schema_check(*db, false, &why);

	if (r == -EROFS) {
		sqlite3_close(*db);
		*db = NULL;
		r = open_db(path, SQLITE_OPEN_READWRITE, db, d);
		if (r < 0)
			return r;
		r = trace_schema_check(*db, true, &why);
	}
	if (r < 0)
		diag_err(d, r, PREFIX "%s", path, why.msg);
	return r;
}

int trace_read_open(const char *path, struct trace_reader **out, struct diag *d)
{
	struct trace_reader *r;
	sqlite3 *db = NULL;
	int err = check_file(path, d);

	if (err == 0)
		err = open_db(path, SQLITE_OPEN_READONLY, &db, d);
	if (err == 0)
		err = check_integrity(db, path, d);
	if (err == 0)
		err = check_schema(&db, path, d);
	r = err == 0 ? calloc(1, sizeof(*r)) : NULL;
	if (err == 0 && (!r || !(r->path = strdup(path)))) {
		free(r);
		err = diag_err(d, -ENOMEM, PREFIX "out of memory", path);
	}
	if (err < 0) {
		sqlite3_close(db);
		return err;
	}
	r->db = db;
	*out = r;
	return 0;
}

int trace_read_probe(const char *path, struct diag *d)
{
	struct diag why = { { 0 } };
	sqlite3 *db = NULL;
	int err = check_file(path, d);

	if (err == 0)
		err = open_db(path, SQLITE_OPEN_READONLY, &db, d);
	if (err == 0) {
		err = trace_schema_check(db, false, &why);
		if (err == -EROFS)
			err = 0; /* an older trace is a trace */
		else if (err < 0)
			diag_err(d, err, PREFIX "%s", path, why.msg);
	}
	sqlite3_close(db);
	return err;
}

void trace_read_close(struct trace_reader *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	free(r->path);
	free(r);
}

sqlite3 *trace_read_db(struct trace_reader *r)
{
	return r->db;
}

static int kind_of(const char *s, enum event_kind *k)
{
	static const enum event_kind all[] = { EVENT_NET, EVENT_EXEC, EVENT_PATH, EVENT_PROC,
					       EVENT_MEM, EVENT_ERROR, EVENT_TASK };

	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, event_kind_name(all[i])) == 0)
			return *k = all[i], 0;
	return -1;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The strings table in memory, sorted by id: events name their strings
 * by id, and a lookup here is far cheaper than a join per row. */
struct strtab {
	int64_t *ids;
	char **texts;
	size_t n;
};

static void strtab_release(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->texts[i]);
	free(t->ids);
	free(t->texts);
}

static int strtab_push(struct strtab *t, size_t *cap, int64_t id, const char *text)
{
	if (t->n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		int64_t *ids = reallocarray(t->ids, c, sizeof(*ids));
		char **texts = ids ? reallocarray(t->texts, c, sizeof(*texts)) : NULL;

		if (ids)
			t->ids = ids;
		if (!texts)
			return -ENOMEM;
		t->texts = texts;
		*cap = c;
	}
	t->texts[t->n] = strdup(text ? text : "");
	if (!t->texts[t->n])
		return -ENOMEM;
	t->ids[t->n++] = id;
	return 0;
}

static int strtab_load(struct trace_reader *r, struct strtab *t, struct diag *d)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, err = 0;

	if (sqlite3_prepare_v2(r->db, "SELECT id, text FROM strings ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return diag_err(d, -EIO, PREFIX "%s", r->path, sqlite3_errmsg(r->db));
	while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = strtab_push(t, &cap, sqlite3_column_int64(st, 0), col_text(st, 1));
	if (err == 0 && rc != SQLITE_DONE)
		err = diag_err(d, -EIO, PREFIX "%s", r->path, sqlite3_errmsg(r->db));
	else if (err < 0)
		diag_err(d, err, PREFIX "out of memory", r->path);
	sqlite3_finalize(st);
	return err;
}

/* The text of string id (column i of st), or NULL: an id the table lacks
 * (a forged row) reads as no string. */
static const char *str_of(const struct strtab *t, sqlite3_stmt *st, int i)
{
	int64_t id;
	size_t lo = 0, hi = t->n;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	id = sqlite3_column_int64(st, i);
	/* Ids are 1, 2, 3... unless rows were deleted: try the direct slot. */
	if (id >= 1 && (uint64_t)id <= t->n && t->ids[id - 1] == id)
		return t->texts[id - 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ids[mid] == id)
			return t->texts[mid];
		if (t->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One row into *row; -1 if the row is not an event we understand. */
static int row_of(const struct strtab *t, sqlite3_stmt *st, struct trace_row *row)
{
	const char *proto = col_text(st, 13);
	const char *verdict = col_text(st, 6);

	if (kind_of(col_text(st, 5), &row->kind) < 0 || !verdict)
		return -1;
	row->run = sqlite3_column_int64(st, 0);
	row->seq = sqlite3_column_int64(st, 1);
	row->time_ns = (uint64_t)sqlite3_column_int64(st, 2);
	row->pid = (pid_t)sqlite3_column_int64(st, 3);
	row->exe = str_of(t, st, 4);
	row->verdict = strcmp(verdict, "allow") == 0 ? EVENT_ALLOW : EVENT_DENY;
	row->syscall = str_of(t, st, 7);
	row->path = str_of(t, st, 8);
	row->path2 = str_of(t, st, 9);
	row->access = (unsigned)sqlite3_column_int64(st, 10);
	row->addr = col_text(st, 11);
	row->port = (unsigned)sqlite3_column_int64(st, 12);
	row->proto = !proto ? 0 : strcmp(proto, "udp") == 0 ? POLICY_NET_UDP : POLICY_NET_TCP;
	row->host = str_of(t, st, 14);
	return 0;
}

int trace_read_events(struct trace_reader *r, trace_row_fn fn, void *ctx, struct diag *d)
{
	static const char sql[] =
		"SELECT run, seq, time_ns, pid, exe, kind, verdict, syscall, path, path2, "
		"access, addr, port, proto, host FROM event_rows ORDER BY id";
	struct strtab t = { NULL, NULL, 0 };
	sqlite3_stmt *st;
	int rc, err = strtab_load(r, &t, d);

	if (err == 0 && sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		err = diag_err(d, -EIO, PREFIX "%s", r->path, sqlite3_errmsg(r->db));
	if (err < 0) {
		strtab_release(&t);
		return err;
	}
	while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct trace_row row;

		if (row_of(&t, st, &row) == 0)
			err = fn(ctx, &row);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = diag_err(d, -EIO, PREFIX "%s", r->path, sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	strtab_release(&t);
	return err;
}

static int one_row(struct trace_reader *r, const char *sql, sqlite3_int64 *v, int n,
		   struct diag *d)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return diag_err(d, -EIO, PREFIX "%s", r->path, sqlite3_errmsg(r->db));
	rc = sqlite3_step(st);
	for (int i = 0; rc == SQLITE_ROW && i < n; i++)
		v[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return diag_err(d, -EIO, PREFIX "%s", r->path, sqlite3_errmsg(r->db));
	return 0;
}

static uint64_t nonneg(sqlite3_int64 v)
{
	return v > 0 ? (uint64_t)v : 0;
}

int trace_read_summary(struct trace_reader *r, struct trace_summary *s, struct diag *d)
{
	sqlite3_int64 v[4] = { 0, 0, 0, 0 }, ev = 0;
	int err = one_row(r, "SELECT count(*), max(peak_processes), max(peak_memory), "
			     "max(peak_open_files) FROM runs", v, 4, d);

	if (err == 0)
		err = one_row(r, "SELECT count(*) FROM event_rows", &ev, 1, d);
	if (err < 0)
		return err;
	*s = (struct trace_summary){
		.runs = nonneg(v[0]),
		.events = nonneg(ev),
		.peaks = { nonneg(v[1]), nonneg(v[2]), nonneg(v[3]) },
	};
	return 0;
}
