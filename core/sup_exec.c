/* execve and execveat against `[exec] deny_argv` (ATTACKS.md 13).
 *
 * The argv and the file name live in memory that other tasks can rewrite
 * between our read and the kernel's copy (another thread, a CLONE_VM
 * sibling, a MAP_SHARED peer).  So, for each exec:
 *   1. freeze every task of the sandbox but the caller (freeze.h), so that
 *      nothing in the sandbox can write that memory any more;
 *   2. read the file name and argv, check the request is still valid,
 *      decide; deny with EACCES, or let the kernel run the exec;
 *   3. wait, still frozen, until the exec is done (the new image is
 *      stopped before its first instruction) or has failed, and compare
 *      the argv and file name the kernel copied into the new image with
 *      what was judged: a difference (memory changed by something the
 *      freeze cannot stop, e.g. an asynchronous I/O completing into it) or
 *      an interpreter's argv that a pattern denies kills the process
 *      before it runs;
 *   4. thaw, then emit one decision event.
 * Any failure along the way (a task that cannot be frozen, unreadable
 * memory, a timeout) denies.
 *
 * ptrace ties tracees to a thread, and the kernel releases a thread's
 * tracees when it exits, whatever their state: each exec is judged on a
 * short-lived thread (the dispatcher waits for it), so nothing stays
 * attached if a step fails.  Execs are judged one at a time, like
 * everything the dispatcher handles. */
#define _GNU_SOURCE
#include "sup.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decide_exec.h"
#include "freeze.h"
#include "holes.h"
#include "proctree.h"
#include "banned.h"

/* The freeze and the exec itself are each bounded: a task that does not
 * stop in time denies the exec (EAGAIN); an exec that does not finish in
 * time is killed. */
#define FREEZE_MS 2000
#define EXEC_MS 10000
/* After a denial the caller returns at once; it only has to stop. */
#define DENIED_MS 1000
/* The interpreter's words an exec through #! or binfmt_misc adds. */
#define INTERP_BYTES (2 * PATH_MAX + 4096)

/* What the caller asked for, copied out of its memory. */
struct exec_req {
	char path[PATH_MAX];         /* as written */
	char fname[PATH_MAX + 32];   /* the kernel's name for the file */
	char decide_path[PATH_MAX];  /* path, or the fd's target for AT_EMPTY_PATH */
	const char **argv;           /* argc strings in pool, owned */
	size_t argc;
	char *pool;                  /* owned */
};

static void exec_req_free(struct exec_req *q)
{
	free(q->argv);
	free(q->pool);
}

static size_t page_left(uint64_t addr)
{
	return 4096 - (addr & 4095);
}

/* Reads the NULL-terminated pointer array at uargv (NULL: empty argv, as
 * the kernel takes it) into ptrs.  Returns the count, -E2BIG beyond
 * EXEC_MAX_ARGC, or notif_read's errors. */
static ssize_t read_ptrs(pid_t tid, uint64_t uargv, uint64_t *ptrs)
{
	size_t n = 0;

	if (!uargv)
		return 0;
	for (;;) {
		uint64_t addr = uargv + n * 8;
		size_t chunk = page_left(addr) / 8;
		int r;

		/* Page by page: the array may end right before an unmapped
		 * page.  A pointer straddling two pages needs both anyway. */
		if (chunk == 0)
			chunk = 1;
		if (chunk > EXEC_MAX_ARGC + 1 - n)
			chunk = EXEC_MAX_ARGC + 1 - n;
		r = notif_read(tid, addr, ptrs + n, chunk * 8);
		if (r < 0)
			return r;
		for (size_t i = 0; i < chunk; i++, n++) {
			if (ptrs[n] == 0)
				return (ssize_t)n;
			if (n == EXEC_MAX_ARGC)
				return -E2BIG;
		}
	}
}

/* Reads argv.  The sandbox is frozen: nothing can change it until the
 * kernel copies it (freeze.h), and what it copies is checked again. */
static int read_argv(pid_t tid, uint64_t uargv, struct exec_req *q)
{
	uint64_t *ptrs = malloc((EXEC_MAX_ARGC + 1) * sizeof(*ptrs));
	size_t used = 0;
	ssize_t n;
	int r = -ENOMEM;

	q->argv = calloc(EXEC_MAX_ARGC + 1, sizeof(*q->argv));
	q->pool = malloc(EXEC_MAX_ARGV_BYTES);
	if (!ptrs || !q->argv || !q->pool)
		goto out;
	n = read_ptrs(tid, uargv, ptrs);
	r = n < 0 ? (int)n : 0;
	for (ssize_t i = 0; r == 0 && i < n; i++) {
		ssize_t len = notif_read_str(tid, ptrs[i], q->pool + used,
					     EXEC_MAX_ARGV_BYTES - used);

		if (len < 0) {
			r = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		q->argv[i] = q->pool + used;
		used += (size_t)len + 1;
	}
	q->argc = r == 0 ? (size_t)n : 0;
out:
	free(ptrs);
	return r;
}

/* Reads the file name and argv of execve (dirfd AT_FDCWD, flags 0) or
 * execveat, and names the file as the kernel will (fs/exec.c
 * alloc_bprm): "/dev/fd/N[/path]" when relative to a directory fd.
 * Race: every task of the sandbox but the caller is frozen, and the caller
 * is inside this syscall, so nothing in the sandbox can change what we read
 * before the kernel copies it; what the kernel copied is compared with it
 * afterwards (check_copied) for writers the freeze cannot stop, and the
 * request is checked to be still pending before we act (pid reuse). */
static int read_req(struct sup_call *c, struct exec_req *q)
{
	pid_t tid = (pid_t)c->req.pid;
	const __u64 *a = c->req.data.args;
	bool at = c->req.data.nr == SYS_execveat;
	int dirfd = at ? (int)a[0] : AT_FDCWD;
	ssize_t n = notif_read_str(tid, at ? a[1] : a[0], q->path, sizeof(q->path));

	if (n < 0)
		return (int)n;
	if (dirfd == AT_FDCWD || q->path[0] == '/')
		snprintf(q->fname, sizeof(q->fname), "%s", q->path);
	else if (q->path[0] == '\0')
		snprintf(q->fname, sizeof(q->fname), "/dev/fd/%d", dirfd);
	else
		snprintf(q->fname, sizeof(q->fname), "/dev/fd/%d/%s", dirfd, q->path);
	snprintf(q->decide_path, sizeof(q->decide_path), "%s", q->path);
	/* fexecve: judge the file the descriptor names.  Its fd table is
	 * frozen with the sandbox, so this is the file the kernel runs. */
	if (q->path[0] == '\0' && at) {
		char what[32];

		snprintf(what, sizeof(what), "fd/%d", dirfd);
		if (proctree_readlink(tid, what, q->decide_path, sizeof(q->decide_path)) < 0)
			q->decide_path[0] = '\0';
	}
	return read_argv(tid, at ? a[2] : a[1], q);
}

/* Reads /proc/PID/<what> whole into an owned buffer of at most max bytes.
 * Returns the length (-E2BIG beyond max) with *out owned, or -errno. */
static ssize_t read_whole(pid_t pid, const char *what, size_t max, char **out)
{
	char path[64];
	char *buf = malloc(max + 1);
	size_t len = 0;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0) {
		n = !buf ? -ENOMEM : -errno;
		goto fail;
	}
	while (len <= max && (n = read(fd, buf + len, max + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len > max) {
		n = n < 0 ? -errno : -E2BIG;
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return (ssize_t)len;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return n;
}

/* The file name the kernel copied for the new image (AT_EXECFN points at
 * its copy of fs/exec.c's bprm->filename), into buf.  Readable for a
 * dumpable image only.  Returns 0 or -errno. */
static int read_execfn(pid_t pid, char *buf, size_t size)
{
	char *aux;
	ssize_t n = read_whole(pid, "auxv", 4096, &aux);
	int r = -ENOENT;

	if (n < 0)
		return (int)n;
	for (size_t i = 0; i + 2 * sizeof(uint64_t) <= (size_t)n; i += 2 * sizeof(uint64_t)) {
		uint64_t kv[2];

		memcpy(kv, aux + i, sizeof(kv));
		if (kv[0] == AT_EXECFN) {
			ssize_t len = notif_read_str(pid, kv[1], buf, size);

			r = len < 0 ? (int)len : 0;
			break;
		}
	}
	free(aux);
	return r;
}

/* Splits the NUL-terminated strings of buf (len bytes) in place. */
static const char **split(char *buf, size_t len, size_t *m)
{
	const char **v;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	*m = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		v[(*m)++] = buf + i;
	return v;
}

/* The exec was allowed and has happened: pid is stopped before its first
 * instruction, in a fresh address space nobody else shares (only a tracer
 * could write it, and we are its tracer), so what we read here is what it
 * will run with.  Compares what the kernel copied with what was judged.
 * Returns NULL when it may run, else why not (static), with *idx the
 * denying pattern or -1. */
static const char *check_copied(pid_t pid, const struct exec_req *q,
				const struct exec_rules *r, int *idx)
{
	char execfn[sizeof(q->fname)], *buf = NULL;
	const char **k = NULL;
	const char *why = NULL;
	size_t m = 0;
	ssize_t n = read_whole(pid, "cmdline", EXEC_MAX_ARGV_BYTES + INTERP_BYTES, &buf);

	*idx = -1;
	if (n < 0 || !(k = split(buf, (size_t)n, &m))) {
		why = "cannot read the argv of the new image";
		goto out;
	}
	switch (decide_exec_verify(q->argv, q->argc, q->fname, k, m)) {
	case EXEC_SAME:
		break;
	case EXEC_INTERPRETED:
		/* The interpreter's words were never judged. */
		*idx = decide_exec(r->deny_argv, r->n, k, m);
		if (*idx >= 0)
			why = "the interpreter's command line is denied";
		break;
	default:
		why = "the argv changed between the check and the exec";
		goto out;
	}
	/* The path is judged too (its basename), and was just as writable. */
	if (!why && (read_execfn(pid, execfn, sizeof(execfn)) < 0 ||
		     strcmp(execfn, q->fname) != 0))
		why = "the file name changed between the check and the exec, or cannot be read";
out:
	free(k);
	free(buf);
	return why;
}

/* The path for the event: resolved when relative, as far as /proc tells. */
static void event_path(pid_t tid, const struct sup_call *c, const struct exec_req *q,
		       char *buf, size_t size)
{
	int dirfd = c->req.data.nr == SYS_execveat ? (int)c->req.data.args[0] : AT_FDCWD;
	char what[32], dir[PATH_MAX];

	if (q->path[0] == '/' || (q->path[0] == '\0' && dirfd == AT_FDCWD)) {
		snprintf(buf, size, "%s", q->path);
		return;
	}
	if (dirfd == AT_FDCWD)
		snprintf(what, sizeof(what), "cwd");
	else
		snprintf(what, sizeof(what), "fd/%d", dirfd);
	if (proctree_readlink(tid, what, dir, sizeof(dir)) < 0)
		snprintf(buf, size, "%s", q->path);
	else if (q->path[0] == '\0')
		snprintf(buf, size, "%s", dir);
	else
		snprintf(buf, size, "%s/%s", strcmp(dir, "/") ? dir : "", q->path);
}

/* One exec being judged, shared with its thread. */
struct judge {
	struct sup_call *c;
	const struct exec_rules *r;
	const struct holes *holes;  /* deny holes the image may not be in, or NULL */
	struct freeze_cache *cache; /* may be NULL */
	struct exec_req q;
	char evpath[PATH_MAX + 4096];
	struct event e;
	char rule[48];
	char detail[160];
};

static void set_rule(struct judge *j, int idx)
{
	if (idx < 0)
		return;
	snprintf(j->rule, sizeof(j->rule), "exec.deny_argv[%d]", idx);
	j->e.rule = j->rule;
	if (j->r->at)
		j->e.origin = j->r->at[idx];
}

/* Answers with err after the request could not be judged, and lets the
 * caller go (it stops once its syscall returns). */
static void fail_frozen(struct judge *j, struct freeze *f, int err, const char *why)
{
	pid_t pid;

	sup_fail(j->c, err, why);
	freeze_wait_exec(f, DENIED_MS, &pid);
	freeze_end(f);
}

/* The new image (stopped before its first instruction) against the deny
 * holes: its file may have been swapped after the check before the exec
 * (sup_fs_exec_check), and the interpreter the kernel loaded was never
 * judged.  Returns why it must not run, or NULL. */
static const char *check_image(struct judge *j, pid_t pid)
{
	int h;

	if (!j->holes)
		return NULL;
	h = holes_check_image(j->holes, pid);
	if (h == -1)
		return NULL;
	if (h < 0)
		return "cannot check the program image against the deny holes";
	snprintf(j->rule, sizeof(j->rule), "filesystem.deny[%zu]", j->holes->v[h].index);
	j->e.origin = j->holes->v[h].origin;
	return "the program image is in a deny hole";
}

/* Lets the exec run and checks what it ran; fills the event. */
static void allow(struct judge *j, struct freeze *f)
{
	const char *why = NULL;
	pid_t pid;
	int idx = -1, w;

	sup_continue(j->c);
	w = freeze_wait_exec(f, EXEC_MS, &pid);
	if (w == FREEZE_EXEC_DONE)
		why = check_copied(pid, &j->q, j->r, &idx);
	else if (w < 0)
		why = "the exec did not finish in time";
	if (w == FREEZE_EXEC_DONE && !why)
		why = check_image(j, pid);
	if (why) {
		/* It must not run a single instruction: it is stopped at the
		 * exec event (or still inside execve). */
		freeze_kill_caller(f);
		j->e.verdict = EVENT_DENY;
		j->e.rule = j->rule[0] ? j->rule : "exec.verify";
		set_rule(j, idx);
		snprintf(j->detail, sizeof(j->detail), "killed: %s", why);
		j->e.detail = j->detail;
	}
	freeze_end(f);
}

static void judge_frozen(struct judge *j, struct freeze *f)
{
	struct sup_call *c = j->c;
	int r = read_req(c, &j->q), idx;
	pid_t pid;

	if (r < 0) {
		snprintf(j->detail, sizeof(j->detail), "cannot read the exec's %s: %s",
			 r == -E2BIG ? "argv (over 4096 strings or 1 MiB)" : "arguments",
			 strerror(-r));
		fail_frozen(j, f, -r, j->detail);
		return;
	}
	if (notif_id_valid(c->sup->listener, c->req.id) < 0) {
		sup_deny(c, EPERM); /* the caller is gone: nobody gets this */
		freeze_end(f);
		return;
	}
	if (sup_wants_events(c))
		event_path((pid_t)c->req.pid, c, &j->q, j->evpath, sizeof(j->evpath));
	idx = decide_exec_path(j->r->deny_argv, j->r->n, j->q.decide_path, j->q.argv,
			       j->q.argc);
	j->e = (struct event){ .kind = EVENT_EXEC, .verdict = EVENT_ALLOW,
			       .exec = { j->evpath, j->q.argv, j->q.argc } };
	if (idx < 0) {
		allow(j, f);
	} else {
		sup_deny(c, EACCES);
		j->e.verdict = EVENT_DENY;
		j->e.err = EACCES;
		set_rule(j, idx);
		freeze_wait_exec(f, DENIED_MS, &pid);
		freeze_end(f);
	}
	if (sup_wants_events(c))
		sup_emit(c, &j->e);
}

static void *judge_main(void *arg)
{
	struct judge *j = arg;
	struct freeze *f;
	int r = freeze_begin(j->c->sup->self, (pid_t)j->c->req.pid, FREEZE_MS, j->cache, &f);

	if (r == -ESRCH) {
		sup_deny(j->c, EPERM); /* the caller is gone */
	} else if (r < 0) {
		snprintf(j->detail, sizeof(j->detail), "cannot freeze the sandbox to read the exec: %s",
			 strerror(-r));
		sup_fail(j->c, r == -ETIMEDOUT ? EAGAIN : EPERM, j->detail);
	} else {
		judge_frozen(j, f);
	}
	exec_req_free(&j->q);
	return NULL;
}

/* No pattern: nothing depends on the argv, so nothing is frozen; it is read
 * (as it is now) only for the event. */
static void allow_unjudged(struct sup_call *c, const struct exec_rules *r)
{
	struct judge *j = calloc(1, sizeof(*j));

	if (!j || read_req(c, &j->q) < 0 || notif_id_valid(c->sup->listener, c->req.id) < 0) {
		sup_continue(c);
	} else {
		j->c = c;
		j->r = r;
		event_path((pid_t)c->req.pid, c, &j->q, j->evpath, sizeof(j->evpath));
		j->e = (struct event){ .kind = EVENT_EXEC, .verdict = EVENT_ALLOW,
				       .exec = { j->evpath, j->q.argv, j->q.argc } };
		sup_continue(c);
		sup_emit(c, &j->e);
	}
	if (j)
		exec_req_free(&j->q);
	free(j);
}

/* The supervisor's freeze cache (freeze.h): exec checks run one at a time
 * on the dispatcher, so it needs no lock.  Allocated on first use; NULL
 * (no memory) only costs a full /proc walk. */
static struct freeze_cache *exec_cache(struct supervisor *s)
{
	if (!s->freeze_cache)
		s->freeze_cache = freeze_cache_new();
	return s->freeze_cache;
}

/* Judges c against the patterns r and, with holes, the new image. */
static void judge(struct sup_call *c, const struct exec_rules *r, const struct holes *holes)
{
	struct judge *j;
	pthread_attr_t a;
	pthread_t t;
	int err;

	if (r->n == 0 && !holes) {
		if (sup_wants_events(c))
			allow_unjudged(c, r);
		else
			sup_continue(c);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		sup_fail(c, ENOMEM, "cannot judge the exec: out of memory");
		return;
	}
	j->c = c;
	j->r = r;
	j->holes = holes;
	j->cache = exec_cache(c->sup);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 * 1024);
	err = pthread_create(&t, &a, judge_main, j);
	pthread_attr_destroy(&a);
	if (err)
		sup_fail(c, EAGAIN, "cannot start the exec check");
	else
		pthread_join(t, NULL);
	free(j);
}

/* The policy's patterns.  The supervisor's policy outlives it. */
static struct exec_rules rules_of(const struct supervisor *s)
{
	const struct policy *p = s->o.policy;

	if (!p)
		return (struct exec_rules){ NULL, NULL, 0 };
	return (struct exec_rules){ (const char *const *)p->deny_argv, p->deny_argv_at,
				    p->n_deny_argv };
}

void sup_exec_judge(struct sup_call *c, const struct exec_rules *r)
{
	judge(c, r, NULL);
}

static void on_exec(struct sup_call *c)
{
	struct exec_rules r = rules_of(c->sup);
	const struct sup_fs *fs = c->sup->fs.opener ? &c->sup->fs : NULL;

	/* A file in a hole is refused before anything is frozen. */
	if (fs && sup_fs_exec_check(c, fs) < 0)
		return;
	judge(c, &r, fs ? fs->holes : NULL);
}

/* Deny patterns and deny holes need every exec judged; without either,
 * execs are not supervised at all (no freeze, no cost). */
size_t sup_exec_syscalls(const struct policy *p, int *nrs)
{
	if (p->n_deny_argv == 0 && p->n_deny == 0)
		return 0;
	nrs[0] = SYS_execve;
	nrs[1] = SYS_execveat;
	return 2;
}

/* On the dispatcher: the judge thread needs no worker, and one exec at a
 * time keeps freezes from overlapping. */
const struct sup_handler sup_exec_handlers[] = {
	{ SYS_execve, "execve", on_exec, false },
	{ SYS_execveat, "execveat", on_exec, false },
};
const size_t sup_exec_handlers_len = sizeof(sup_exec_handlers) / sizeof(sup_exec_handlers[0]);
