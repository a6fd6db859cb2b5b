/* The opener: supervisor threads confined like the sandbox, which perform
 * path operations on the sandbox's behalf (core/sup_fs.c).
 *
 * An operation done for the sandbox must be done with the sandbox's rights,
 * or the supervisor becomes a confused deputy.  Each opener thread, before
 * its first job:
 *   - unshares its fs_struct (CLONE_FS), so it can take the caller's umask
 *     without changing sandlock's;
 *   - sets no_new_privs, then enforces the sandbox's Landlock ruleset: both
 *     are per thread (the kernel keeps no_new_privs in task->atomic_flags
 *     and the Landlock domain in the thread's credentials;
 *     landlock_restrict_self() without a TSYNC flag changes the calling
 *     thread only);
 *   - drops every capability (capset(2) changes the calling thread's
 *     credentials only), so a sandlock run as root performs nothing the
 *     sandbox's grants and the file modes do not allow.
 * tests/kernel/test_holes_opener.c proves each claim on the real kernel.
 *
 * What the threads resolve is confined too, but their /proc/self is
 * sandlock's: the handlers hand them the caller's own objects (its cwd, its
 * fds) as file descriptors instead, recognising /proc/self and /dev/fd
 * forms lexically (opener_parse_magic), and every other route through a
 * magic link is refused by resolving with RESOLVE_NO_MAGICLINKS. */
#ifndef SANDLOCK_OPENER_H
#define SANDLOCK_OPENER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "holes.h"

/* Threads at most.  A job can block (an open of a FIFO waits for a
 * writer, whose own open is another job), so there are more than the
 * supervisor's workers. */
#define OPENER_THREADS 64
/* Async jobs waiting for a thread at most; more fail with EAGAIN. */
#define OPENER_QUEUE 256
/* How often a waiting caller checks that its request is still alive. */
#define OPENER_POLL_MS 50

struct opener;

/* Starts the opener.  ruleset_fd is the sandbox's Landlock ruleset
 * (borrowed; the opener keeps a dup for threads started later), or -1 when
 * the sandbox has none.  The first thread is confined before this returns,
 * so a failure to confine is reported here.  Installs a handler for SIGUSR1
 * (no SA_RESTART) if SIGUSR1 has none: opener_call() interrupts blocked
 * jobs with it.  Returns 0 and an owned opener, or -errno with d filled. */
int opener_start(int ruleset_fd, struct opener **out, struct diag *d);

/* Runs fn(arg) on a confined thread and returns its result.  While fn
 * runs, alive(ctx) (if not NULL) is called every OPENER_POLL_MS; once it
 * returns false the thread is sent SIGUSR1 until fn returns, so a job
 * blocked in an interruptible wait (opening a FIFO) fails with EINTR.
 * Returns -EAGAIN when no confined thread can be started. */
int opener_call(struct opener *o, int (*fn)(void *), void *arg, bool (*alive)(void *),
		void *ctx);

/* Queues fn(arg) for a confined thread and returns at once.  While fn
 * runs, an unconfined helper thread calls alive(arg) every OPENER_POLL_MS
 * and sends SIGUSR1 to fn's thread once it returns false.  After fn, the
 * helper runs finish(arg) (for what a confined thread cannot do: write
 * another process's memory, read its /proc entries); finish owns arg.
 * Returns 0, or -EAGAIN when OPENER_QUEUE jobs already wait or no thread
 * can run it (then neither fn nor finish runs). */
int opener_submit(struct opener *o, void (*fn)(void *), bool (*alive)(void *),
		  void (*finish)(void *), void *arg);

/* Waits until every submitted job is finished.  Call before closing what
 * the jobs use (the supervisor's listener). */
void opener_drain(struct opener *o);

/* Stops the threads and frees o.  No opener_call() may run or follow.
 * A thread still blocked in a job after a second is left running (and o
 * leaked): sandlock is about to exit. */
void opener_stop(struct opener *o);

/* ---- naming the caller's own objects (pure) ---------------------------- */

enum opener_magic_kind {
	OPENER_PLAIN, /* an ordinary path: resolve it as written */
	OPENER_FD,    /* /proc/self/fd/N, /dev/fd/N, /dev/stdin...: fd N */
	OPENER_CWD,   /* /proc/self/cwd */
	OPENER_ROOT,  /* /proc/self/root */
	OPENER_EXE,   /* /proc/self/exe */
	OPENER_PROC,  /* another entry of /proc/self: rest is below it */
};

/* Which process a magic form names. */
enum opener_scope {
	OPENER_SELF,        /* /proc/self, /dev/fd, /proc/net, /proc/mounts */
	OPENER_THREAD_SELF, /* /proc/thread-self */
	OPENER_PID,         /* /proc/PID (pid) */
	OPENER_PID_TASK,    /* /proc/PID/task/TID (pid, task) */
};

struct opener_magic {
	enum opener_magic_kind kind;
	enum opener_scope scope;
	pid_t pid, task;
	int fd;
	/* What follows the magic part, relative to it: "" for the object
	 * itself, "." when only a '/' follows (it must be a directory); for
	 * OPENER_PROC the path below /proc/PID.  Points into the parsed path
	 * or to a static string. */
	const char *rest;
	bool dev_link; /* /dev/stdin, /dev/stdout or /dev/stderr: a real symlink */
};

/* Recognises the forms above in path, lexically: repeated '/' and "."
 * components are skipped in the part examined; anything else ("..", a
 * leading zero in a number) makes the path OPENER_PLAIN, which the opener
 * then resolves without magic links (failing with ELOOP if it needs one). */
void opener_parse_magic(const char *path, struct opener_magic *m);

/* ---- the caller's paths (on the supervisor's dispatcher, unconfined) ---- */

/* One path argument of a caller, and the object it is resolved from. */
struct opener_path {
	char path[PATH_MAX]; /* as read from the caller, or rewritten below /proc/PID */
	const char *rest;    /* what to resolve from base; "" is base itself */
	int base;            /* an O_PATH fd we own, or AT_FDCWD (rest is absolute) */
};

#define OPENER_EMPTY_OK 1u /* AT_EMPTY_PATH: "" names dirfd's object */
#define OPENER_NOFOLLOW 2u /* the last component is not followed */
#define OPENER_NO_MAGIC 4u /* no /proc/self forms, and dirfd is the base even for
			    * an absolute path (openat2 RESOLVE_BENEATH, IN_ROOT) */

/* Sets p->base and p->rest for p->path, read from task tid, relative to
 * its dirfd (AT_FDCWD: its cwd): the caller's cwd, dirfd and the fds,
 * cwd, root and exe its /proc/self forms name are opened O_PATH through
 * /proc/TID; another /proc/self entry is rewritten below /proc/PID.  A
 * magic link that is the last, unfollowed component is left to resolve
 * (and fail) as a path.  Returns 0 or -errno (EBADF: dirfd is not open,
 * ENOENT: empty path without OPENER_EMPTY_OK).  The caller must check its
 * request is still valid afterwards: tid could have been reused. */
int opener_path_setup(struct opener_path *p, pid_t tid, int dirfd, unsigned flags);
void opener_path_release(struct opener_path *p);

/* readlink(2) of the caller's own magic links, which an opener thread
 * cannot read (its /proc/self is sandlock's): /proc/self/{exe,cwd,root},
 * /proc/self/fd/N, /dev/fd/N, /proc/self itself.  Returns 0 when path is
 * no such form; else 1 with *len the length copied into buf (not
 * NUL-terminated, as readlink) or -errno. */
int opener_readlink_magic(pid_t tid, const char *path, char *buf, size_t size, ssize_t *len);

/* The caller's umask, from /proc/TID/status.  Returns 0 or -errno. */
int opener_umask(pid_t tid, mode_t *out);

/* ---- resolving and judging (in an opener thread) ------------------------ */

/* Why something was denied, and the judged object's kernel path. */
struct opener_verdict {
	int hole;          /* the hole, or -1 */
	const char *why;   /* a denial that is no hole's (static), or NULL */
	mode_t mode;       /* the judged object's type and mode */
	dev_t rdev;        /* and device number, for a device */
	char path[PATH_MAX];
};

/* The object rest names from base, as an O_PATH fd; oflags may add
 * O_NOFOLLOW and O_DIRECTORY, res the caller's openat2 RESOLVE_* flags.
 * Never through a magic link (RESOLVE_NO_MAGICLINKS): the thread's
 * /proc/self is sandlock's.  Returns an owned fd or -errno. */
int opener_resolve(int base, const char *rest, int oflags, uint64_t res);

/* Judges the object open at fd for op: 0, -EACCES (v says why: a hole, or
 * one of sandlock's own /proc entries), or -errno if it cannot be judged. */
int opener_judge(const struct holes *h, int fd, enum holes_op op, struct opener_verdict *v);

/* For a name to create, remove or rename in the directory at dfd. */
int opener_judge_name(const struct holes *h, int dfd, const char *name,
		      struct opener_verdict *v);

/* The existing entry name of dfd, not followed, judged for op (absent:
 * 0, the kernel will say ENOENT). */
int opener_judge_entry(const struct holes *h, int dfd, const char *name, enum holes_op op,
		       struct opener_verdict *v);

/* Splits rest (from base) into its parent directory, opened into *dfd and
 * judged with the name, and the last component: bare, and name (bare with
 * the caller's trailing '/', which means "a directory").  Both buffers
 * hold NAME_MAX + 2 bytes.  Returns 1 when there is no last component (the
 * path is "/" or the base itself): the op then goes to the kernel as is,
 * and fails.  Else 0 or -errno. */
int opener_parent(const struct holes *h, int base, const char *rest, int *dfd, char *name,
		  char *bare, struct opener_verdict *v);

#endif
