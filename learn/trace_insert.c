/* Rows of the trace: one events row per event, and the processes table
 * kept from task and exec events, every value bound to a statement
 * prepared once (STYLE.md 13).  Runs on the writer thread during a run. */
#define _GNU_SOURCE
#include "trace_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char sql_event[] =
	"INSERT INTO event_rows (run, seq, time_ns, pid, ppid, exe, kind, syscall, nr, path, "
	"path2, access, addr, port, proto, host, argv, amount, amount_limit, child, status, "
	"verdict, rule, origin, errno, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	"?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)";
static const char sql_proc[] =
	"INSERT INTO processes (run, pid, ppid, exe, argv, start_ns) "
	"VALUES (?1, ?2, ?3, ?4, NULL, ?5)";
/* A forked task starts as a copy of its parent's program. */
static const char sql_proc_from[] =
	"INSERT INTO processes (run, pid, ppid, exe, argv, start_ns) "
	"SELECT ?1, ?2, ?3, coalesce(exe, ?4), argv, ?5 FROM processes WHERE id = ?6";
static const char sql_proc_exec[] = "UPDATE processes SET exe = ?2, argv = ?3 WHERE id = ?1";
static const char sql_proc_exit[] =
	"UPDATE processes SET end_ns = ?2, exit_status = ?3 WHERE id = ?1";

static int fail(struct trace_ins *x, struct diag *d)
{
	int rc = sqlite3_errcode(x->db);

	return diag_err(d, rc == SQLITE_FULL ? -ENOSPC : rc == SQLITE_NOMEM ? -ENOMEM : -EIO,
			"%s", sqlite3_errmsg(x->db));
}

int trace_ins_prepare(struct trace_ins *x, sqlite3 *db, struct diag *d)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} all[] = {
		{ &x->event, sql_event },	  { &x->proc, sql_proc },
		{ &x->proc_from, sql_proc_from }, { &x->proc_exec, sql_proc_exec },
		{ &x->proc_exit, sql_proc_exit }, { &x->begin, "BEGIN" },
		{ &x->commit, "COMMIT" },	  { &x->rollback, "ROLLBACK" },
	};

	x->db = db;
	if (trace_intern_prepare(&x->strings, db, d) < 0)
		return -EIO;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (sqlite3_prepare_v3(db, all[i].sql, -1, SQLITE_PREPARE_PERSISTENT, all[i].st,
				       NULL) != SQLITE_OK)
			return fail(x, d);
	return 0;
}

void trace_ins_release(struct trace_ins *x)
{
	sqlite3_stmt *all[] = { x->event,     x->proc,	 x->proc_from, x->proc_exec,
				x->proc_exit, x->begin,	 x->commit,    x->rollback };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	trace_intern_release(&x->strings);
	free(x->pids.slots);
	free(x->json);
	free(x->argv);
	memset(x, 0, sizeof(*x));
}

/* ---- pid map: open addressing, linear probing, tombstones ---- */

static struct trace_pid_slot *pid_find(struct trace_pids *m, pid_t pid, bool for_insert)
{
	struct trace_pid_slot *grave = NULL;
	size_t mask = m->cap - 1;

	for (size_t i = ((uint32_t)pid * 2654435761u) & mask;; i = (i + 1) & mask) {
		struct trace_pid_slot *s = &m->slots[i];

		if (s->pid == pid)
			return s;
		if (s->pid == -1 && !grave)
			grave = s;
		if (s->pid == 0)
			return for_insert ? (grave ? grave : s) : NULL;
	}
}

static int pid_grow(struct trace_pids *m)
{
	struct trace_pids n = { .cap = m->cap ? m->cap * 2 : 256 };

	if (m->used + 1 <= m->cap / 2)
		return 0;
	if (m->live + 1 <= m->cap / 4)
		n.cap = m->cap; /* mostly tombstones: rebuild at the same size */
	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].pid <= 0)
			continue;
		*pid_find(&n, m->slots[i].pid, true) = m->slots[i];
		n.used++;
		n.live++;
	}
	free(m->slots);
	*m = n;
	return 0;
}

static int64_t pid_row(struct trace_pids *m, pid_t pid)
{
	struct trace_pid_slot *s = m->cap ? pid_find(m, pid, false) : NULL;

	return s ? s->row : 0;
}

static int pid_set(struct trace_pids *m, pid_t pid, int64_t row)
{
	struct trace_pid_slot *s;

	if (pid_grow(m) < 0)
		return -ENOMEM;
	s = pid_find(m, pid, true);
	if (s->pid != pid) {
		m->used += s->pid == 0;
		m->live++;
	}
	*s = (struct trace_pid_slot){ pid, row };
	return 0;
}

static void pid_del(struct trace_pids *m, pid_t pid)
{
	struct trace_pid_slot *s = m->cap ? pid_find(m, pid, false) : NULL;

	if (s) {
		s->pid = -1;
		m->live--;
	}
}

void trace_ins_run(struct trace_ins *x, int64_t run)
{
	free(x->pids.slots);
	memset(&x->pids, 0, sizeof(x->pids));
	x->run = run;
	x->peak_live = x->peak_count = x->peak_mem = 0;
}

/* ---- rows ---- */

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int step(struct trace_ins *x, sqlite3_stmt *st, struct diag *d)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(x, d);
}

/* The argv of r as JSON in x->json, or NULL if r has none. */
static const char *argv_json(struct trace_ins *x, const struct trace_rec *r, int *err)
{
	const char *s = trace_rec_str(r, TS_ARGV);

	if (!s)
		return NULL;
	if (r->argc > x->argv_cap) {
		const char **q = reallocarray(x->argv, r->argc, sizeof(*q));

		if (!q)
			return *err = -ENOMEM, NULL;
		x->argv = q;
		x->argv_cap = r->argc;
	}
	for (size_t i = 0; i < r->argc; i++, s += strlen(s) + 1)
		x->argv[i] = s;
	if (trace_json_argv(&x->json, &x->json_cap, x->argv, r->argc) < 0)
		return *err = -ENOMEM, NULL;
	return x->json;
}

/* The processes row of pid, added (first seen now) when unknown. */
static int proc_row(struct trace_ins *x, const struct trace_rec *r, int64_t *row,
		    struct diag *d)
{
	sqlite3_stmt *st = x->proc;
	int err;

	*row = pid_row(&x->pids, r->pid);
	if (*row)
		return 0;
	sqlite3_bind_int64(st, 1, x->run);
	sqlite3_bind_int64(st, 2, r->pid);
	sqlite3_bind_int64(st, 3, r->ppid);
	bind_str(st, 4, trace_rec_str(r, TS_EXE));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->time_ns);
	err = step(x, st, d);
	if (err < 0)
		return err;
	*row = sqlite3_last_insert_rowid(x->db);
	if (pid_set(&x->pids, r->pid, *row) < 0)
		return diag_err(d, -ENOMEM, "out of memory");
	return 0;
}

static int task_fork(struct trace_ins *x, const struct trace_rec *r, int64_t parent,
		     struct diag *d)
{
	sqlite3_stmt *st = x->proc_from;
	int err;

	sqlite3_bind_int64(st, 1, x->run);
	sqlite3_bind_int64(st, 2, r->child);
	sqlite3_bind_int64(st, 3, r->pid);
	bind_str(st, 4, trace_rec_str(r, TS_EXE));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->time_ns);
	sqlite3_bind_int64(st, 6, parent);
	err = step(x, st, d);
	if (err == 0 && pid_set(&x->pids, r->child, sqlite3_last_insert_rowid(x->db)) < 0)
		err = diag_err(d, -ENOMEM, "out of memory");
	return err;
}

static int task_exit(struct trace_ins *x, const struct trace_rec *r, int64_t row,
		     struct diag *d)
{
	sqlite3_stmt *st = x->proc_exit;

	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->time_ns);
	sqlite3_bind_int64(st, 3, r->status);
	pid_del(&x->pids, r->pid);
	return step(x, st, d);
}

static int proc_exec(struct trace_ins *x, const struct trace_rec *r, int64_t row,
		     const char *argv, struct diag *d)
{
	sqlite3_stmt *st = x->proc_exec;

	sqlite3_bind_int64(st, 1, row);
	bind_str(st, 2, trace_rec_str(r, TS_PATH));
	bind_str(st, 3, argv);
	return step(x, st, d);
}

/* The processes table and the peaks the events show. */
static int track(struct trace_ins *x, const struct trace_rec *r, const char *argv,
		 struct diag *d)
{
	int64_t row;
	int err = proc_row(x, r, &row, d);

	if (err < 0)
		return err;
	if (r->kind == EVENT_TASK && r->child > 0)
		err = task_fork(x, r, row, d);
	else if (r->kind == EVENT_TASK)
		err = task_exit(x, r, row, d);
	else if (r->kind == EVENT_EXEC && r->verdict == EVENT_ALLOW)
		err = proc_exec(x, r, row, argv, d);
	else if (r->kind == EVENT_PROC && r->amount > x->peak_count)
		x->peak_count = r->amount;
	else if (r->kind == EVENT_MEM && r->amount > x->peak_mem)
		x->peak_mem = r->amount;
	if (x->pids.live > x->peak_live)
		x->peak_live = x->pids.live;
	return err;
}

static void bind_net(sqlite3_stmt *st, const struct trace_rec *r)
{
	char addr[64];

	if (r->kind != EVENT_NET)
		return;
	trace_addr_text(r->addr, addr, sizeof(addr));
	sqlite3_bind_text(st, 13, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 14, r->port);
	sqlite3_bind_text(st, 15, r->proto == POLICY_NET_UDP ? "udp" : "tcp", -1, SQLITE_STATIC);
}

static void bind_amounts(sqlite3_stmt *st, const struct trace_rec *r)
{
	if (r->kind == EVENT_PROC || r->kind == EVENT_MEM) {
		sqlite3_bind_int64(st, 18, (sqlite3_int64)r->amount);
		sqlite3_bind_int64(st, 19, (sqlite3_int64)r->amount_limit);
	}
	if (r->kind == EVENT_TASK) {
		sqlite3_bind_int64(st, 20, r->child);
		if (r->child <= 0)
			sqlite3_bind_int64(st, 21, r->status);
	}
}

/* Binds string i of r as its strings.id (NULL when r has none). */
static int bind_id(struct trace_ins *x, int col, const struct trace_rec *r, enum trace_str i,
		   struct diag *d)
{
	int64_t id = trace_intern_id(&x->strings, x->db, trace_rec_str(r, i), d);

	if (id < 0)
		return (int)id;
	if (id)
		sqlite3_bind_int64(x->event, col, id);
	return 0;
}

static int bind_ids(struct trace_ins *x, const struct trace_rec *r, struct diag *d)
{
	static const struct {
		int col;
		enum trace_str str;
	} ids[] = {
		{ 6, TS_EXE }, { 8, TS_SYSCALL }, { 10, TS_PATH }, { 11, TS_PATH2 },
		{ 16, TS_HOST }, { 23, TS_RULE }, { 24, TS_ORIGIN }, { 26, TS_DETAIL },
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int err = bind_id(x, ids[i].col, r, ids[i].str, d);

		if (err < 0)
			return err;
	}
	return 0;
}

static int insert_event(struct trace_ins *x, const struct trace_rec *r, const char *argv,
			struct diag *d)
{
	sqlite3_stmt *st = x->event;
	int err = bind_ids(x, r, d);

	if (err < 0) {
		sqlite3_clear_bindings(st);
		return err;
	}
	sqlite3_bind_int64(st, 1, x->run);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->seq);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->time_ns);
	sqlite3_bind_int64(st, 4, r->pid);
	sqlite3_bind_int64(st, 5, r->ppid);
	sqlite3_bind_text(st, 7, event_kind_name(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, r->nr);
	if (r->kind == EVENT_PATH)
		sqlite3_bind_int64(st, 12, r->access);
	bind_net(st, r);
	bind_str(st, 17, argv);
	bind_amounts(st, r);
	sqlite3_bind_text(st, 22, event_verdict_name(r->verdict), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 25, r->err);
	return step(x, st, d);
}

static int insert_all(struct trace_ins *x, const struct trace_rec *recs, size_t n,
		      struct diag *d)
{
	for (size_t i = 0; i < n; i++) {
		const struct trace_rec *r = &recs[i];
		int err = 0;
		const char *argv = argv_json(x, r, &err);

		if (err < 0)
			return diag_err(d, err, "out of memory");
		err = track(x, r, argv, d);
		if (err == 0)
			err = insert_event(x, r, argv, d);
		if (err < 0)
			return err;
	}
	return 0;
}

int trace_ins_batch(struct trace_ins *x, const struct trace_rec *recs, size_t n,
		    struct diag *d)
{
	int err = step(x, x->begin, d);

	if (err == 0)
		err = insert_all(x, recs, n, d);
	if (err == 0)
		err = step(x, x->commit, d);
	if (err < 0) {
		/* SQLite may have rolled back already (SQLITE_FULL); either way
		 * nothing of the batch is kept.  The pid map may now name rows
		 * that do not exist, which does not matter: a failed trace
		 * writes no more events. */
		struct diag ignored;

		step(x, x->rollback, &ignored);
	}
	return err;
}
