/* Freezing the sandbox with ptrace (freeze.h). */
#define _GNU_SOURCE
#include "freeze.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proctree.h"
#include "banned.h"

#define SEIZE_OPTS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)
/* How long freeze_end() waits for a task that is about to stop. */
#define END_WAIT_MS 200

enum ft_state {
	FT_WAIT,    /* attached and interrupted, no stop seen yet */
	FT_STOPPED, /* in a ptrace stop */
	FT_VFORK,   /* attached, blocked in vfork() for its child: frozen */
	FT_CALLER,  /* the caller, inside the syscall we hold */
	FT_GONE,    /* exited, or no longer ours */
};

struct ftask {
	pid_t tid, tgid;
	enum ft_state st;
	int sig; /* the signal of a signal-delivery stop, re-sent at detach */
};

/* How a process relates to the root.  Stable for the process's life when
 * the root is a child subreaper: a descendant is only ever reparented to a
 * subreaper above it (the root at worst), an outsider to one of its own
 * ancestors.  So a walk reads only processes it has not classified yet. */
enum pcls {
	P_UNKNOWN,
	P_DESC,   /* a descendant of the root */
	P_OUT,    /* not one */
	P_BROKEN, /* a parent vanished during the walk: read it again */
};

struct pent {
	pid_t pid, ppid;
	ino_t ino; /* of /proc/PID: a new process gets a new inode */
	enum pcls cls;
};

struct freeze_cache {
	pid_t root;
	struct pent *v; /* the last walk, sorted by pid */
	size_t n, cap;
};

struct freeze {
	pid_t root, caller, tracer;
	pid_t exec_pid; /* after FREEZE_EXEC_DONE */
	int procfd;
	struct timespec deadline;
	struct ftask *v; /* v[0..nsorted) sorted by tid, then unsorted */
	size_t n, nsorted, cap;
	struct pent *snap, *prev; /* the last two /proc walks, sorted by pid */
	size_t nsnap, snapcap, nprev, prevcap;
};

static long ns_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000000000L + (deadline->tv_nsec - now.tv_nsec);
}

static void deadline_in(struct timespec *d, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

/* Yields, then sleeps a little longer each time up to 200 us: stops
 * arrive within microseconds and an exec within a millisecond or so, and a
 * stuck task must not make us spin for the whole timeout. */
static void backoff(unsigned *round)
{
	if (*round < 8) {
		sched_yield();
	} else {
		unsigned k = *round - 8 < 3 ? *round - 8 : 3;
		struct timespec ts = { 0, 25000L << k }; /* 25 .. 200 us */

		nanosleep(&ts, NULL);
	}
	(*round)++;
}

static int ptrace_err(long r)
{
	return r < 0 ? -errno : 0;
}

/* ---- the task set ---- */

static int cmp_ftask(const void *a, const void *b)
{
	pid_t x = ((const struct ftask *)a)->tid, y = ((const struct ftask *)b)->tid;

	return (x > y) - (x < y);
}

static struct ftask *find(struct freeze *f, pid_t tid)
{
	struct ftask key = { .tid = tid }, *t;

	t = bsearch(&key, f->v, f->nsorted, sizeof(*f->v), cmp_ftask);
	if (t)
		return t;
	for (size_t i = f->nsorted; i < f->n; i++)
		if (f->v[i].tid == tid)
			return &f->v[i];
	return NULL;
}

static int add(struct freeze *f, pid_t tid, pid_t tgid, enum ft_state st)
{
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		struct ftask *nv = reallocarray(f->v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		f->v = nv;
		f->cap = ncap;
	}
	f->v[f->n++] = (struct ftask){ tid, tgid, st, 0 };
	return 0;
}

/* Keeps lookups logarithmic once a pass has added its tasks. */
static void resort(struct freeze *f)
{
	qsort(f->v, f->n, sizeof(*f->v), cmp_ftask);
	f->nsorted = f->n;
}

/* ---- reading /proc ---- */

/* Reads /proc/<rel> into buf (NUL-terminated).  Returns the length or
 * -errno; -ESRCH when the task is gone. */
static ssize_t read_proc(int procfd, const char *rel, char *buf, size_t size)
{
	int fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = errno == ESRCH ? -ESRCH : -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

/* The "State:" letter and "TracerPid:" of a task, from its status file.
 * Returns 0, or -ESRCH when it is gone. */
static int task_status(int procfd, pid_t tid, char *state, pid_t *tracer)
{
	char rel[32], buf[2048];
	const char *s, *t;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/status", (int)tid);
	n = read_proc(procfd, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	s = strstr(buf, "\nState:\t");
	t = strstr(buf, "\nTracerPid:\t");
	if (!s || !t)
		return -EINVAL;
	*state = s[8];
	*tracer = (pid_t)strtol(t + 12, NULL, 10);
	return 0;
}

/* Whether tid is blocked in vfork() waiting for its child.  The kernel
 * shows the first function outside the scheduler that the task sleeps in:
 * the wait is inlined into kernel_clone() (6.x) or not, and nothing else
 * in kernel_clone() itself sleeps.  A running task shows "0". */
static bool in_vfork_wait(int procfd, pid_t tid)
{
	char rel[32], buf[128];

	snprintf(rel, sizeof(rel), "%d/wchan", (int)tid);
	if (read_proc(procfd, rel, buf, sizeof(buf)) < 0)
		return false;
	return strcmp(buf, "kernel_clone") == 0 || strcmp(buf, "wait_for_vfork_done") == 0;
}

static int cmp_pent(const void *a, const void *b)
{
	pid_t x = ((const struct pent *)a)->pid, y = ((const struct pent *)b)->pid;

	return (x > y) - (x < y);
}

static int snap_add(struct freeze *f, struct pent e)
{
	if (f->nsnap == f->snapcap) {
		size_t ncap = f->snapcap ? f->snapcap * 2 : 256;
		struct pent *ns = reallocarray(f->snap, ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		f->snap = ns;
		f->snapcap = ncap;
	}
	f->snap[f->nsnap++] = e;
	return 0;
}

/* The classified entry of the previous walk for the same process, if any.
 * A pid's /proc inode is made when its directory is first looked up and
 * dropped when the process is reaped (a new one gets a fresh number), so an
 * unchanged (pid, inode) is the same process, and its class still holds.
 * An inode reclaimed under memory pressure just costs a read. */
static const struct pent *known(const struct freeze *f, pid_t pid, ino_t ino)
{
	struct pent key = { .pid = pid };
	const struct pent *e = bsearch(&key, f->prev, f->nprev, sizeof(*f->prev), cmp_pent);

	return e && e->ino == ino && (e->cls == P_DESC || e->cls == P_OUT) ? e : NULL;
}

/* Reads one process's ppid into e.  Returns 0, -ESRCH (gone) or -errno. */
static int read_pent(const struct freeze *f, struct pent *e)
{
	char rel[32], buf[1024];
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/stat", (int)e->pid);
	n = read_proc(f->procfd, rel, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (proctree_parse_stat(buf, &e->ppid) < 0)
		return -EINVAL;
	e->cls = P_UNKNOWN;
	return 0;
}

/* Reads every process's (pid, ppid), reusing the previous walk (or the
 * cache of the previous freeze) for processes it already classified.  A /proc that cannot be listed is an error,
 * never "nobody to freeze". */
static int snapshot(struct freeze *f)
{
	int dfd = openat(f->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);
	struct pent *swap = f->prev;
	struct dirent *de;
	size_t swapcap = f->prevcap;
	int err = 0;

	if (!dir) {
		err = -errno;
		if (dfd >= 0)
			close(dfd);
		return err;
	}
	/* The last walk becomes the reference and its buffer is reused;
	 * before the first walk, the reference is the cache's. */
	if (f->snap) {
		f->prev = f->snap;
		f->nprev = f->nsnap;
		f->prevcap = f->snapcap;
		f->snap = swap;
		f->snapcap = swapcap;
	}
	f->nsnap = 0;
	while (err == 0 && (errno = 0, de = readdir(dir))) {
		struct pent e = { .ino = de->d_ino };
		const struct pent *old;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		e.pid = (pid_t)strtol(de->d_name, NULL, 10);
		old = known(f, e.pid, e.ino);
		if (old) {
			e = *old;
		} else if ((err = read_pent(f, &e)) < 0) {
			if (err != -ESRCH)
				break;
			err = 0;
			continue; /* gone */
		}
		err = snap_add(f, e);
	}
	if (err == 0 && !de && errno)
		err = -errno;
	closedir(dir);
	qsort(f->snap, f->nsnap, sizeof(*f->snap), cmp_pent);
	return err;
}

static struct pent *snap_find(struct freeze *f, pid_t pid)
{
	struct pent key = { .pid = pid };

	return bsearch(&key, f->snap, f->nsnap, sizeof(*f->snap), cmp_pent);
}

/* Classifies e by walking up its parents in this walk's snapshot, and
 * every unclassified process on the way with it. */
static enum pcls classify(struct freeze *f, struct pent *e)
{
	enum pcls c = P_BROKEN;
	struct pent *p = e;

	for (size_t hop = 0; hop <= f->nsnap; hop++) {
		if (p->cls != P_UNKNOWN) {
			c = p->cls;
			break;
		}
		if (p->ppid == f->root || p->ppid <= 1) {
			c = p->ppid == f->root ? P_DESC : P_OUT;
			break;
		}
		if (!(p = snap_find(f, p->ppid)))
			break;
	}
	for (p = e; p && p->cls == P_UNKNOWN; p = snap_find(f, p->ppid)) {
		p->cls = c;
		if (p->ppid == f->root || p->ppid <= 1)
			break; /* never the root itself */
	}
	return c;
}

/* ---- attaching ---- */

/* Whether tid belongs to our own process: a freeze thread of ours that is
 * exiting still holds its tracees for a moment after pthread_join(). */
static bool our_thread(int procfd, pid_t tid)
{
	char rel[48];

	snprintf(rel, sizeof(rel), "self/task/%d", (int)tid);
	return faccessat(procfd, rel, F_OK, 0) == 0;
}

/* After PTRACE_SEIZE failed with EPERM: 1 if tid is already our tracee
 * (a child auto-attached before we saw its parent's fork event), 0 if it
 * no longer needs freezing (exiting), -EAGAIN if the attach may work in a
 * moment, or -EPERM: it cannot be attached (non-dumpable, or traced by
 * another process). */
static int why_eperm(struct freeze *f, pid_t tid, bool retried)
{
	pid_t tracer;
	char state;
	int r = task_status(f->procfd, tid, &state, &tracer);

	if (r == -ESRCH || (r == 0 && (state == 'Z' || state == 'X')))
		return 0;
	if (r < 0)
		return r;
	if (tracer == f->tracer)
		return 1;
	if (tracer != 0 && our_thread(f->procfd, tracer))
		return -EAGAIN;
	/* Released between the attach and the read: try once more. */
	if (tracer == 0 && !retried)
		return -EAGAIN;
	return -EPERM;
}

/* Attaches tid with opts, asks it to stop, and holds it in state st.
 * Returns 1 if added, 0 if it needs no freezing (gone or exiting), or
 * -errno. */
static int seize(struct freeze *f, pid_t tid, pid_t tgid, unsigned long opts, enum ft_state st)
{
	unsigned round = 0;
	int r;

	while ((r = ptrace_err(ptrace(PTRACE_SEIZE, tid, 0L, opts))) == -EPERM) {
		r = why_eperm(f, tid, round > 0);
		if (r == 0)
			return 0;
		if (r == 1)
			break; /* ours already: its first stop is on its way */
		if (r != -EAGAIN)
			return r;
		if (ns_left(&f->deadline) <= 0)
			return -EPERM;
		backoff(&round);
	}
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	/* ESRCH here: it died meanwhile, and its exit is reported to us. */
	ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
	return add(f, tid, tgid, st) < 0 ? -ENOMEM : 1;
}

/* The thread group of tid, or tid itself if unknown (gone). */
static pid_t tgid_of(int procfd, pid_t tid)
{
	char rel[32], buf[2048];
	const char *s;

	snprintf(rel, sizeof(rel), "%d/status", (int)tid);
	if (read_proc(procfd, rel, buf, sizeof(buf)) < 0 || !(s = strstr(buf, "\nTgid:\t")))
		return tid;
	return (pid_t)strtol(s + 7, NULL, 10);
}

/* Attaches every thread of process tgid not attached yet. */
static int seize_threads(struct freeze *f, pid_t tgid, size_t *added)
{
	char rel[32];
	int dfd, r = 0;
	DIR *dir;
	struct dirent *de;

	snprintf(rel, sizeof(rel), "%d/task", (int)tgid);
	dfd = openat(f->procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	dir = fdopendir(dfd);
	if (!dir) {
		r = -errno;
		close(dfd);
		return r;
	}
	while (r >= 0 && (de = readdir(dir))) {
		pid_t tid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		tid = (pid_t)strtol(de->d_name, NULL, 10);
		if (find(f, tid))
			continue;
		r = seize(f, tid, tgid, SEIZE_OPTS, FT_WAIT);
		if (r > 0)
			(*added)++;
	}
	closedir(dir);
	return r < 0 ? r : 0;
}

/* One walk: attaches every thread of every descendant of root not held
 * yet (a zombie leader can still have live threads: walk those too), and
 * counts the processes it could not classify. */
static int pass(struct freeze *f, size_t *added, size_t *broken)
{
	int r = snapshot(f);

	*added = *broken = 0;
	for (size_t i = 0; r == 0 && i < f->nsnap; i++) {
		enum pcls c = classify(f, &f->snap[i]);

		*broken += c == P_BROKEN;
		if (c == P_DESC)
			r = seize_threads(f, f->snap[i].pid, added);
	}
	resort(f);
	return r;
}

/* Records a wait status of v[i] (not the caller's). */
static void on_status(struct freeze *f, size_t i, int st)
{
	unsigned event = (unsigned)st >> 16;
	unsigned long msg;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		f->v[i].st = FT_GONE;
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	f->v[i].st = FT_STOPPED;
	/* A signal-delivery stop: the signal is ours to re-send.  Group
	 * stops and our interrupt are PTRACE_EVENT_STOP under SEIZE. */
	f->v[i].sig = event == 0 ? WSTOPSIG(st) : 0;
	if (event != PTRACE_EVENT_FORK && event != PTRACE_EVENT_VFORK &&
	    event != PTRACE_EVENT_CLONE)
		return;
	/* Interrupted inside fork: the child starts attached and stopped. */
	if (ptrace(PTRACE_GETEVENTMSG, f->v[i].tid, 0L, &msg) == 0 && !find(f, (pid_t)msg))
		add(f, (pid_t)msg, tgid_of(f->procfd, (pid_t)msg), FT_WAIT);
}

/* Polls task t for a report, as a waitpid() status in *st.  Returns 1 if
 * there was one, 0 if none yet, -ECHILD if it is not (or no longer) ours.
 *
 * Stops are consumed (they are ours).  Exits of threads are consumed too
 * (an exec's de_thread waits until we do).  The exit of a process, though,
 * is only looked at: when its real parent is a thread of our own process
 * (sandlock's main thread and the sandbox's first process), consuming it
 * would reap it for good and the parent would never see it.  The kernel
 * hands it over when this thread exits. */
static int poll_one(const struct ftask *t, int *st)
{
	const int any = WNOHANG | __WALL | __WNOTHREAD;
	siginfo_t si;

	/* Look first: a wait that may consume must know what it takes. */
	si.si_pid = 0;
	if (waitid(P_PID, (id_t)t->tid, &si, WEXITED | WSTOPPED | WNOWAIT | any) < 0)
		return -errno;
	if (si.si_pid != t->tid)
		return 0;
	if (si.si_code == CLD_TRAPPED || si.si_code == CLD_STOPPED) {
		/* Stops only: if it died since, its exit waits for the next
		 * poll. */
		si.si_pid = 0;
		if (waitid(P_PID, (id_t)t->tid, &si, WSTOPPED | any) < 0 || si.si_pid != t->tid)
			return 0;
		*st = (si.si_status << 8) | 0x7f;
		return 1;
	}
	if (t->tid != t->tgid && waitid(P_PID, (id_t)t->tid, &si, WEXITED | any) < 0)
		return -errno;
	*st = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
	return 1;
}

/* Waits until every attached task is stopped (or counts as frozen). */
static int collect(struct freeze *f)
{
	unsigned round = 0;

	for (;;) {
		size_t n = f->n;
		bool pending = false;

		for (size_t i = 0; i < n; i++) {
			int st, r;

			if (f->v[i].st != FT_WAIT && f->v[i].st != FT_VFORK)
				continue;
			r = poll_one(&f->v[i], &st);
			if (r == 1)
				on_status(f, i, st);
			else if (r == -ECHILD)
				f->v[i].st = FT_GONE; /* reaped by another thread */
			else if (r < 0)
				return r;
			/* Not on the first round: nearly every task stops
			 * by itself within microseconds. */
			if (f->v[i].st == FT_WAIT && round >= 2 && in_vfork_wait(f->procfd, f->v[i].tid))
				f->v[i].st = FT_VFORK;
			pending |= f->v[i].st == FT_WAIT;
		}
		if (f->n != n) {
			pending = true;
			resort(f);
		}
		if (!pending)
			return 0;
		if (ns_left(&f->deadline) <= 0)
			return -ETIMEDOUT;
		backoff(&round);
	}
}

/* After a settled walk: a task counted as frozen because it waited in
 * vfork must still be waiting (or stopped by now).  Returns true if all
 * are; the others go back to FT_WAIT. */
static bool vfork_waits_hold(struct freeze *f)
{
	bool ok = true;

	for (size_t i = 0; i < f->n; i++) {
		int st;

		if (f->v[i].st != FT_VFORK)
			continue;
		if (poll_one(&f->v[i], &st) == 1)
			on_status(f, i, st);
		else if (!in_vfork_wait(f->procfd, f->v[i].tid)) {
			f->v[i].st = FT_WAIT;
			ok = false;
		}
	}
	if (f->nsorted != f->n)
		resort(f);
	return ok;
}

/* The caller waits killably in the seccomp notification (the filter has
 * WAIT_KILLABLE_RECV), so our interrupt only takes effect when its syscall
 * returns: a failed exec then stops where we can see it. */
static int seize_caller(struct freeze *f)
{
	int r = seize(f, f->caller, tgid_of(f->procfd, f->caller),
		      SEIZE_OPTS | PTRACE_O_TRACEEXEC, FT_CALLER);

	resort(f);
	return r == 0 ? -ESRCH : r < 0 ? r : 0;
}

/* Lends the cache's last walk to f (same root only) and takes f's back. */
static void cache_lend(struct freeze_cache *c, struct freeze *f)
{
	if (!c || c->root != f->root)
		return;
	f->prev = c->v;
	f->nprev = c->n;
	f->prevcap = c->cap;
	c->v = NULL;
	c->n = c->cap = 0;
}

static void cache_keep(struct freeze_cache *c, struct freeze *f)
{
	bool snap = f->snap != NULL;

	if (!c)
		return;
	free(c->v);
	c->root = f->root;
	c->v = snap ? f->snap : f->prev;
	c->n = snap ? f->nsnap : f->nprev;
	c->cap = snap ? f->snapcap : f->prevcap;
	if (snap)
		f->snap = NULL;
	else
		f->prev = NULL;
}

struct freeze_cache *freeze_cache_new(void)
{
	return calloc(1, sizeof(struct freeze_cache));
}

void freeze_cache_free(struct freeze_cache *c)
{
	if (c)
		free(c->v);
	free(c);
}

int freeze_begin(pid_t root, pid_t caller, unsigned timeout_ms, struct freeze_cache *cache,
		 struct freeze **out)
{
	struct freeze *f = calloc(1, sizeof(*f));
	bool settled = false;
	int r = -ENOMEM;

	if (!f)
		return -ENOMEM;
	f->root = root;
	f->caller = caller;
	f->tracer = (pid_t)syscall(SYS_gettid);
	deadline_in(&f->deadline, timeout_ms);
	cache_lend(cache, f);
	f->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->procfd < 0) {
		r = -errno;
		goto fail;
	}
	if (caller && (r = seize_caller(f)) < 0)
		goto fail;
	for (;;) {
		size_t added, broken;

		r = pass(f, &added, &broken);
		if (r < 0)
			goto fail;
		/* Nothing new in a walk made while everything was stopped:
		 * nobody is left who could have created a task. */
		if (added == 0 && broken == 0 && settled && vfork_waits_hold(f))
			break;
		r = collect(f);
		if (r < 0)
			goto fail;
		settled = true;
	}
	cache_keep(cache, f);
	*out = f;
	return 0;
fail:
	cache_keep(cache, f);
	freeze_end(f);
	return r;
}

/* One status of a task of the caller's thread group while the exec runs.
 * Returns an enum freeze_exec once the exec is over, else -1. */
static int exec_status(struct freeze *f, size_t i, int st, pid_t *pid)
{
	struct ftask *t = &f->v[i];
	unsigned event = (unsigned)st >> 16;
	unsigned long old;

	if (WIFSTOPPED(st) && event == PTRACE_EVENT_EXEC) {
		/* Reported under the thread group id: a non-leader that
		 * execs takes the leader's tid (de_thread). */
		t->st = FT_STOPPED;
		t->sig = 0;
		if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &old) == 0 && (pid_t)old != t->tid) {
			struct ftask *c = find(f, (pid_t)old);

			if (c)
				c->st = FT_GONE;
		}
		f->exec_pid = *pid = t->tid;
		return FREEZE_EXEC_DONE;
	}
	if (t->tid != f->caller) {
		on_status(f, i, st); /* a thread the exec killed */
		return -1;
	}
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		t->st = FT_GONE;
		return FREEZE_EXEC_GONE;
	}
	if (!WIFSTOPPED(st))
		return -1;
	/* Any stop of the caller but the exec event is after the syscall
	 * returned: signals and our interrupt act only on the way out. */
	t->st = FT_STOPPED;
	t->sig = event == 0 ? WSTOPSIG(st) : 0;
	return FREEZE_EXEC_FAILED;
}

int freeze_wait_exec(struct freeze *f, unsigned timeout_ms, pid_t *pid)
{
	struct ftask *c = find(f, f->caller);
	pid_t tgid = c ? c->tgid : f->caller;
	unsigned round = 0;

	/* A non-leader's exec is reported under the thread group id, also
	 * when the leader was never ours (a zombie leader is not seized):
	 * watch that id, or the exec would pass unseen (and unchecked) once
	 * the caller's own tid vanishes. */
	if (tgid != f->caller && !find(f, tgid) && add(f, tgid, tgid, FT_WAIT) < 0)
		return -ENOMEM;
	deadline_in(&f->deadline, timeout_ms);
	for (;;) {
		bool alive = false;

		for (size_t i = 0; i < f->n; i++) {
			int st, r;

			if (f->v[i].tgid != tgid || f->v[i].st == FT_GONE)
				continue;
			r = poll_one(&f->v[i], &st);
			if (r == 1 && (r = exec_status(f, i, st, pid)) >= 0)
				return r;
			/* The caller's old tid vanishes silently in de_thread;
			 * the exec is then reported under the leader's, which
			 * stays "not ours yet" (ECHILD) until the caller has
			 * taken it over: only the deadline ends that wait. */
			if (r == -ECHILD && f->v[i].tid != tgid)
				f->v[i].st = FT_GONE;
			alive |= f->v[i].st != FT_GONE;
		}
		if (!alive)
			return FREEZE_EXEC_GONE;
		if (ns_left(&f->deadline) <= 0)
			return -ETIMEDOUT;
		backoff(&round);
	}
}

void freeze_kill_caller(struct freeze *f)
{
	pid_t pid = f->exec_pid ? f->exec_pid : f->caller;
	struct ftask *t = find(f, pid);
	pid_t tgid = t ? t->tgid : pid;
	unsigned round = 0;

	syscall(SYS_tgkill, tgid, pid, SIGKILL);
	deadline_in(&f->deadline, 1000);
	while (t && t->st != FT_GONE && ns_left(&f->deadline) > 0) {
		int st, r = poll_one(t, &st);

		if (r < 0 || (r == 1 && (WIFEXITED(st) || WIFSIGNALED(st))))
			t->st = FT_GONE;
		else
			backoff(&round);
	}
}

size_t freeze_count(const struct freeze *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].st != FT_GONE;
	return n;
}

/* Polls v[i] and detaches it if it is stopped.  Returns true when there
 * is nothing more to do for it here. */
static bool release(struct freeze *f, size_t i)
{
	struct ftask *t = &f->v[i];
	int st, r;

	if (t->st != FT_STOPPED) {
		r = poll_one(t, &st);
		if (r == 1)
			on_status(f, i, st);
		else if (r < 0)
			t->st = FT_GONE;
	}
	if (t->st == FT_STOPPED) {
		if (ptrace(PTRACE_DETACH, t->tid, 0L, (long)t->sig) == 0) {
			t->st = FT_GONE;
			return true;
		}
		/* Killed while stopped: collect its exit, or its real parent
		 * could never reap it. */
		t->st = FT_WAIT;
		return false;
	}
	/* A vfork waiter that left the wait (its child exec'd) is about to
	 * stop on our interrupt: worth a short wait.  The rest (still in
	 * vfork, a caller not answered, stragglers of a failed freeze) is
	 * released by the kernel when this thread exits. */
	return t->st != FT_VFORK || in_vfork_wait(f->procfd, t->tid);
}

void freeze_end(struct freeze *f)
{
	struct timespec deadline;
	unsigned round = 0;
	bool pending = true;

	if (!f)
		return;
	deadline_in(&deadline, END_WAIT_MS);
	while (pending) {
		pending = false;
		for (size_t i = 0; i < f->n; i++)
			if (f->v[i].st != FT_GONE && !release(f, i) && f->v[i].st != FT_GONE)
				pending = true;
		if (!pending || ns_left(&deadline) <= 0)
			break;
		backoff(&round);
	}
	if (f->procfd >= 0)
		close(f->procfd);
	free(f->v);
	free(f->snap);
	free(f->prev);
	free(f);
}
