/* The recording sink: a bounded queue between the supervisor threads that
 * emit events and one writer thread that owns the SQLite connection during
 * a run.
 *
 * Why a queue: an INSERT is a few microseconds and a COMMIT is a write(2)
 * (and sometimes a checkpoint); a supervisor thread doing either would
 * hold the sandboxed syscall waiting on the disk.  emit only copies the
 * event into a slot (trace_rec.c) under a mutex and returns.  The writer
 * takes every waiting slot as one transaction, as soon as batch_events
 * wait or flush_ms after the last commit, so a kill -9 of sandlock loses
 * at most that much and WAL keeps the file consistent.
 *
 * The queue is two buffers: emitters fill one from slot 0 while the writer
 * inserts the other without the lock, and each batch swaps them.  A run
 * thus only ever touches as many slots as one batch holds, and emit finds
 * its slot warm.  A ring walked over all queue_events slots instead: every
 * event of a run's first lap (most runs never finish one) took a slot no
 * CPU had touched, which cost emit, on the supervised syscall's path,
 * about 3 µs in a VM (cache and TLB misses) where a warm slot costs 1.
 *
 * Nothing is dropped unnoticed: when the queue stays full for full_wait_ms
 * (the disk stalls) or a write fails (disk full, I/O error), the trace
 * enters a failed state that the owner sees through trace_failed() and
 * trace_fail_fd(), and every event after it is counted as lost. */
#define _GNU_SOURCE
#include "trace_int.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

struct trace {
	struct event_sink sink; /* first: trace_sink() hands out its address */
	char *path;
	sqlite3 *db;
	struct trace_ins ins;
	struct trace_opts o;
	int fail_fd;

	pthread_mutex_t lock;
	pthread_cond_t not_empty; /* writer: work waits (CLOCK_MONOTONIC) */
	pthread_cond_t not_full;  /* emitters: a slot was freed (CLOCK_MONOTONIC) */
	pthread_cond_t progress;  /* flushers: done_seq moved */
	pthread_t thread;
	bool thread_running, in_run, stop;
	unsigned flush_waiters;
	/* slots[fill][0..count) wait for the writer; the other buffer is the
	 * batch being written, or free. */
	struct trace_rec *slots[2];
	unsigned fill;
	size_t cap, count; /* cap slots per buffer, half of queue_events */
	size_t touched[2]; /* slots ever filled: the rest were never faulted in */
	uint64_t next_seq; /* seq of the last event queued in this run */
	uint64_t done_seq; /* seq of the last event written or lost */
	uint64_t committed, lost;
	int fail_err;
	char fail_msg[400];
};

static const struct trace_opts defaults = {
	.queue_events = 16384, .batch_events = 4096, .flush_ms = 100, .full_wait_ms = 10000,
};

static struct timespec deadline_in(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static uint64_t now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Enters the failed state (the first failure wins); called with the lock
 * held.  The eventfd write cannot block: one increment on a fresh counter. */
static void fail_locked(struct trace *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_locked(struct trace *t, int err, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	if (t->fail_err)
		return;
	t->fail_err = err < 0 ? err : -EIO;
	va_start(ap, fmt);
	vsnprintf(t->fail_msg, sizeof(t->fail_msg), fmt, ap);
	va_end(ap);
	if (write(t->fail_fd, &one, sizeof(one)) < 0) {
		/* Cannot happen on an eventfd below its maximum; trace_failed()
		 * still reports the failure to a polling owner. */
	}
	pthread_cond_broadcast(&t->progress);
}

/* Waits for a free slot, up to full_wait_ms in all; false if none came. */
static bool wait_room(struct trace *t)
{
	struct timespec dl = deadline_in(t->o.full_wait_ms);

	while (t->count == t->cap && !t->fail_err && t->thread_running)
		if (pthread_cond_timedwait(&t->not_full, &t->lock, &dl) == ETIMEDOUT)
			break;
	return t->count < t->cap;
}

static void trace_emit(struct event_sink *s, const struct event *e)
{
	struct trace *t = (struct trace *)s;
	struct trace_rec *slot;

	pthread_mutex_lock(&t->lock);
	if (!t->fail_err && !t->in_run)
		fail_locked(t, -EINVAL, "event emitted to trace '%s' outside a run", t->path);
	if (!t->fail_err && t->count == t->cap && !wait_room(t))
		fail_locked(t, -ETIMEDOUT, "cannot write trace '%s': the writer fell behind "
			    "(queue of %zu events full for %u ms)", t->path, t->o.queue_events,
			    t->o.full_wait_ms);
	if (t->fail_err) {
		t->lost++;
		pthread_mutex_unlock(&t->lock);
		return;
	}
	slot = &t->slots[t->fill][t->count];
	if (trace_rec_fill(slot, e, t->next_seq + 1) < 0) {
		fail_locked(t, -ENOMEM, "cannot write trace '%s': out of memory", t->path);
		t->lost++;
	} else {
		t->next_seq++;
		if (++t->count > t->touched[t->fill])
			t->touched[t->fill] = t->count;
		if (t->count >= t->o.batch_events)
			pthread_cond_signal(&t->not_empty);
	}
	pthread_mutex_unlock(&t->lock);
}

/* Sleeps until a batch is due: batch_events waiting, a flusher waiting, a
 * stop, or flush_ms gone by. */
static void wait_work(struct trace *t)
{
	struct timespec dl = deadline_in(t->o.flush_ms);

	while (!t->stop && t->count < t->o.batch_events && !(t->flush_waiters && t->count))
		if (pthread_cond_timedwait(&t->not_empty, &t->lock, &dl) == ETIMEDOUT)
			break;
}

/* Takes the waiting events as a batch and writes them without the lock:
 * emitters go on in the other buffer, free since the last batch was
 * written (only this thread swaps, between batches). */
static void write_batch(struct trace *t)
{
	struct trace_rec *recs = t->slots[t->fill];
	struct diag d = { { 0 } };
	bool failed = t->fail_err != 0;
	size_t n = t->count;
	int err = 0;

	t->fill ^= 1;
	t->count = 0;
	pthread_cond_broadcast(&t->not_full);
	pthread_mutex_unlock(&t->lock);
	if (!failed)
		err = trace_ins_batch(&t->ins, recs, n, &d);
	for (size_t i = 0; i < n; i++)
		trace_rec_trim(&recs[i]);
	pthread_mutex_lock(&t->lock);
	if (err < 0)
		fail_locked(t, err, "cannot write trace '%s': %s", t->path, d.msg);
	if (failed || err < 0)
		t->lost += n;
	else
		t->committed += n;
	t->done_seq = recs[n - 1].seq;
	pthread_cond_broadcast(&t->progress);
}

static void *writer_main(void *arg)
{
	struct trace *t = arg;

	/* Named from inside: pthread_setname_np on another thread opens and
	 * writes its /proc comm file, on the path of every run's start. */
	prctl(PR_SET_NAME, "sl-trace", 0, 0, 0);
	pthread_mutex_lock(&t->lock);
	for (;;) {
		wait_work(t);
		if (t->count)
			write_batch(t);
		else if (t->stop)
			break;
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* Starts the writer with every signal blocked: sandlock's handlers (child
 * exit, forwarded signals) must run on its own threads, not on this one. */
static int start_writer(struct trace *t)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t->thread, NULL, writer_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		t->thread_running = true;
	return -r;
}

static void stop_writer(struct trace *t)
{
	pthread_mutex_lock(&t->lock);
	t->in_run = false;
	t->stop = true;
	pthread_cond_signal(&t->not_empty);
	pthread_mutex_unlock(&t->lock);
	if (t->thread_running)
		pthread_join(t->thread, NULL);
	pthread_mutex_lock(&t->lock);
	t->thread_running = false;
	pthread_cond_broadcast(&t->not_full); /* emitters waiting for room give up */
	pthread_mutex_unlock(&t->lock);
}

int trace_flush(struct trace *t, struct diag *d)
{
	int err;

	pthread_mutex_lock(&t->lock);
	for (uint64_t target = t->next_seq; t->done_seq < target && t->thread_running;) {
		t->flush_waiters++;
		pthread_cond_signal(&t->not_empty);
		pthread_cond_wait(&t->progress, &t->lock);
		t->flush_waiters--;
	}
	err = t->fail_err;
	if (err)
		diag_err(d, err, "%s (%llu events not recorded)", t->fail_msg,
			 (unsigned long long)t->lost);
	pthread_mutex_unlock(&t->lock);
	return err;
}

bool trace_failed(struct trace *t, struct diag *d)
{
	bool failed;

	pthread_mutex_lock(&t->lock);
	failed = t->fail_err != 0;
	if (failed)
		diag_set(d, "%s (%llu events not recorded)", t->fail_msg,
			 (unsigned long long)t->lost);
	pthread_mutex_unlock(&t->lock);
	return failed;
}

int trace_fail_fd(const struct trace *t)
{
	return t->fail_fd;
}

void trace_counts(struct trace *t, uint64_t *committed, uint64_t *lost)
{
	pthread_mutex_lock(&t->lock);
	if (committed)
		*committed = t->committed;
	if (lost)
		*lost = t->lost;
	pthread_mutex_unlock(&t->lock);
}

static int sink_close(struct event_sink *s)
{
	return trace_flush((struct trace *)s, NULL);
}

struct event_sink *trace_sink(struct trace *t)
{
	return &t->sink;
}

/* ---- runs ---- */

static const char sql_run_begin[] =
	"INSERT INTO runs (command, cwd, start_ns, sandlock_version, kernel, landlock_abi, "
	"mode, policy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_run_end[] =
	"UPDATE runs SET end_ns = ?2, exit_status = ?3, peak_processes = ?4, "
	"peak_memory = ?5, peak_open_files = ?6 WHERE id = ?1";

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Runs one statement with its bindings done by the caller. */
static int run_stmt(struct trace *t, sqlite3_stmt *st, const char *what, struct diag *d)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	return diag_err(d, trace_sql_errno(t->db), "cannot %s in trace '%s': %s", what,
			t->path, sqlite3_errmsg(t->db));
}

static int insert_run(struct trace *t, const struct trace_run_meta *m, const char *argv,
		      struct diag *d)
{
	struct utsname u;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(t->db, sql_run_begin, -1, &st, NULL) != SQLITE_OK)
		return diag_err(d, trace_sql_errno(t->db), "cannot start a run in trace '%s': %s",
				t->path, sqlite3_errmsg(t->db));
	if (!m->kernel && uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	sqlite3_bind_text(st, 1, argv, -1, SQLITE_TRANSIENT);
	bind_opt_text(st, 2, m->cwd);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(m->start_ns ? m->start_ns : now_realtime()));
	sqlite3_bind_text(st, 4, SANDLOCK_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->kernel ? m->kernel : u.release, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, m->landlock_abi);
	bind_opt_text(st, 7, m->mode);
	bind_opt_text(st, 8, m->policy);
	return run_stmt(t, st, "start a run", d);
}

int trace_run_begin(struct trace *t, const struct trace_run_meta *m, struct diag *d)
{
	char *json = NULL;
	size_t cap = 0;
	int r;

	if (t->in_run || t->fail_err)
		return diag_err(d, -EINVAL, "cannot start a run in trace '%s': %s", t->path,
				t->in_run ? "a run is already open" : "the trace has failed");
	if (!m->mode || (strcmp(m->mode, "learn") != 0 && strcmp(m->mode, "enforce") != 0))
		return diag_set(d, "cannot start a run in trace '%s': mode must be 'learn' or "
				"'enforce'", t->path);
	if (trace_json_argv(&json, &cap, m->argv, m->argc) < 0)
		return diag_err(d, -ENOMEM, "cannot start a run: out of memory");
	r = insert_run(t, m, json, d);
	free(json);
	/* A new trace starts the WAL with this row unsynced; from here on
	 * checkpoints sync (trace_file.c, configure). */
	if (r == 0 && sqlite3_exec(t->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) !=
			      SQLITE_OK)
		r = diag_err(d, trace_sql_errno(t->db), "cannot start a run in trace '%s': %s",
			     t->path, sqlite3_errmsg(t->db));
	if (r < 0)
		return r;
	trace_ins_run(&t->ins, sqlite3_last_insert_rowid(t->db));
	t->next_seq = t->done_seq = 0;
	t->stop = false;
	t->in_run = true;
	r = start_writer(t);
	if (r < 0) {
		t->in_run = false;
		return diag_err(d, r, "cannot start the trace writer: %s", strerror(-r));
	}
	return 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Completes the run's row; status_known false leaves exit_status NULL. */
static int finish_run(struct trace *t, bool status_known, int status,
		      const struct trace_peaks *p, struct diag *d)
{
	const struct trace_peaks none = { 0, 0, 0 };
	uint64_t procs, mem, files;
	sqlite3_stmt *st;

	p = p ? p : &none;
	procs = max_u64(p->processes, max_u64(t->ins.peak_live, t->ins.peak_count));
	mem = max_u64(p->memory, t->ins.peak_mem);
	files = p->open_files;
	if (sqlite3_prepare_v2(t->db, sql_run_end, -1, &st, NULL) != SQLITE_OK)
		return diag_err(d, trace_sql_errno(t->db), "cannot end the run in trace '%s': %s",
				t->path, sqlite3_errmsg(t->db));
	sqlite3_bind_int64(st, 1, t->ins.run);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now_realtime());
	if (status_known)
		sqlite3_bind_int(st, 3, status);
	if (procs)
		sqlite3_bind_int64(st, 4, (sqlite3_int64)procs);
	if (mem)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)mem);
	if (files)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)files);
	return run_stmt(t, st, "end the run", d);
}

static int end_run(struct trace *t, bool status_known, int status,
		   const struct trace_peaks *peaks, struct diag *d)
{
	int r;

	if (!t->in_run)
		return diag_err(d, -EINVAL, "cannot end a run in trace '%s': none is open",
				t->path);
	stop_writer(t);
	r = finish_run(t, status_known, status, peaks, d);
	if (t->fail_err)
		return trace_failed(t, d), t->fail_err;
	return r;
}

int trace_run_end(struct trace *t, int wait_status, const struct trace_peaks *peaks,
		  struct diag *d)
{
	return end_run(t, true, wait_status, peaks, d);
}

/* ---- open and close ---- */

static int init_sync(struct trace *t)
{
	pthread_condattr_t mono;
	int r = pthread_condattr_init(&mono);

	if (r == 0)
		r = pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	if (r == 0)
		r = pthread_cond_init(&t->not_empty, &mono);
	if (r == 0)
		r = pthread_cond_init(&t->not_full, &mono);
	if (r == 0)
		r = pthread_cond_init(&t->progress, NULL);
	if (r == 0)
		r = pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_destroy(&mono);
	return -r;
}

static void options(struct trace_opts *o, const struct trace_opts *in)
{
	*o = in ? *in : defaults;
	o->queue_events = o->queue_events ? o->queue_events : defaults.queue_events;
	o->batch_events = o->batch_events ? o->batch_events : defaults.batch_events;
	o->flush_ms = o->flush_ms ? o->flush_ms : defaults.flush_ms;
	o->full_wait_ms = o->full_wait_ms ? o->full_wait_ms : defaults.full_wait_ms;
	/* Half the queue waits while the other half is written. */
	if (o->batch_events > (o->queue_events + 1) / 2)
		o->batch_events = (o->queue_events + 1) / 2;
}

static void trace_free(struct trace *t)
{
	/* Only the slots ever used: reading the others would fault in pages
	 * of zeros just to free nothing (milliseconds on a VM, at exit). */
	for (unsigned b = 0; b < 2; b++) {
		for (size_t i = 0; t->slots[b] && i < t->touched[b]; i++)
			free(t->slots[b][i].buf);
		free(t->slots[b]);
	}
	trace_ins_release(&t->ins);
	if (t->db)
		sqlite3_close(t->db);
	if (t->fail_fd >= 0)
		close(t->fail_fd);
	free(t->path);
	free(t);
}

int trace_open(const char *path, const struct trace_opts *o, struct trace **out,
	       struct diag *d)
{
	struct trace *t = calloc(1, sizeof(*t));
	struct diag local;
	int r;

	d = d ? d : &local;
	if (!t)
		return diag_err(d, -ENOMEM, "cannot open trace '%s': out of memory", path);
	options(&t->o, o);
	t->fail_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->path = strdup(path);
	t->cap = (t->o.queue_events + 1) / 2;
	t->slots[0] = calloc(t->cap, sizeof(*t->slots[0]));
	t->slots[1] = calloc(t->cap, sizeof(*t->slots[1]));
	if (t->fail_fd < 0 || !t->path || !t->slots[0] || !t->slots[1] || init_sync(t) < 0) {
		r = t->fail_fd < 0 ? -errno : -ENOMEM;
		trace_free(t);
		return diag_err(d, r, "cannot open trace '%s': %s", path, strerror(-r));
	}
	r = trace_file_open(path, &t->o, &t->db, d);
	if (r == 0 && trace_ins_prepare(&t->ins, t->db, d) < 0)
		r = diag_err(d, trace_sql_errno(t->db), "cannot open trace '%s': %s", path,
			     sqlite3_errmsg(t->db));
	if (r < 0) {
		trace_free(t);
		return r;
	}
	t->sink.emit = trace_emit;
	t->sink.close = sink_close;
	*out = t;
	return 0;
}

/* Folds the WAL into the file and leaves it in rollback-journal mode, so
 * the finished trace is one self-contained file that a reader can open
 * read-only, even where it cannot create a -shm file.
 *
 * The checkpoint runs under synchronous=NORMAL: it syncs the WAL, copies
 * it into the file and syncs the file before truncating the WAL, so the
 * finished trace is on disk.  The switch of journal mode then only
 * rewrites the header's version bytes through a rollback journal, and
 * goes unsynced (three fsyncs, 0.5 to 2 ms here): a kill -9 in its middle
 * leaves a hot journal that the next opener rolls back (a WAL-mode trace
 * with an empty WAL, as valid), and even a power loss leaves one header
 * or the other, the first sector being written whole.
 *
 * Best effort: a reader holding the file keeps it in WAL, just as valid,
 * and then the header stays as it is, with the syncs of NORMAL. */
static void settle(sqlite3 *db)
{
	if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
	    SQLITE_OK)
		return;
	sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA journal_mode = DELETE", NULL, NULL,
		     NULL);
}

int trace_close(struct trace *t, struct diag *d)
{
	struct diag local;
	int r = 0;

	d = d ? d : &local;
	if (t->in_run)
		r = end_run(t, false, 0, NULL, d);
	if (r == 0 && t->fail_err)
		r = (trace_failed(t, d), t->fail_err);
	trace_ins_release(&t->ins);
	if (!t->fail_err)
		settle(t->db);
	if (sqlite3_close(t->db) != SQLITE_OK && r == 0)
		r = diag_err(d, -EIO, "cannot close trace '%s': %s", t->path,
			     sqlite3_errmsg(t->db));
	t->db = NULL;
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->not_empty);
	pthread_cond_destroy(&t->not_full);
	pthread_cond_destroy(&t->progress);
	trace_free(t);
	return r;
}
