/* Internal interface between the supervisor's dispatcher (supervise.c) and
 * its handlers (sup_*.c).  Not installed.
 *
 * A handler judges one request and answers it through exactly one of the
 * sup_* replies below.  A handler that returns without answering has its
 * request denied with EPERM and an error event (fail closed). */
#ifndef SANDLOCK_SUP_H
#define SANDLOCK_SUP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "supervise.h"

struct holes;
struct opener;

struct sup_call {
	struct supervisor *sup;
	struct seccomp_notif req; /* copied out of the receive buffer */
	struct notif_buf *buf;    /* the answering thread's, for responses */
	bool replied;
	bool worker;              /* on a worker thread: the handler may block */
	/* The caller's identity for events, read before the handler runs
	 * (after the answer it may have exited); only with a sink. */
	pid_t ppid;
	char exe[4096];
	bool have_exe;
};

typedef void (*sup_handler_fn)(struct sup_call *c);

struct sup_handler {
	int nr;
	const char *name;
	sup_handler_fn fn;
	bool may_block; /* run on a worker, not the dispatcher */
};

/* Handlers of each module, looked up by the dispatcher, and the syscalls
 * each module needs supervised under p (appended to nrs, returns how many
 * it added; room for NOTIF_MAX_SYSCALLS in all). */
size_t sup_net_syscalls(const struct policy *p, int *nrs);
size_t sup_proc_syscalls(const struct policy *p, int *nrs);
size_t sup_exec_syscalls(const struct policy *p, int *nrs);
extern const struct sup_handler sup_proc_handlers[];
extern const size_t sup_proc_handlers_len;
extern const struct sup_handler sup_net_handlers[];
extern const size_t sup_net_handlers_len;
extern const struct sup_handler sup_exec_handlers[];
extern const size_t sup_exec_handlers_len;
extern const struct sup_handler sup_fs_handlers[];
extern const size_t sup_fs_handlers_len;
size_t sup_hosts_syscalls(const struct policy *p, int *nrs);
size_t sup_learn_syscalls(int *nrs);
extern const struct sup_handler sup_learn_handlers[];
extern const size_t sup_learn_handlers_len;
extern const struct sup_handler sup_hosts_handlers[];
extern const size_t sup_hosts_handlers_len;

/* If c opens /etc/hosts read-only and the policy pins host names, answers
 * it with the pinned view (sup_hosts.c) and returns true; else false,
 * with c unanswered. */
bool sup_hosts_try(struct sup_call *c);

/* What the path handlers need (sup_fs.c), when the policy has deny holes:
 * the hole set (borrowed from sup_opts) and the opener (owned). */
struct sup_fs {
	const struct holes *holes;
	struct opener *opener;
};

/* The path syscalls to supervise for p's holes (sup_fs_syscalls below),
 * into nrs with room entries; 0 without holes. */
size_t sup_fs_policy_syscalls(const struct policy *p, int *nrs, size_t room);

/* Judges and performs c's path syscall (one of sup_fs_handlers) for the
 * caller, and answers it (possibly later, from an opener thread). */
void sup_fs_judge(struct sup_call *c, const struct sup_fs *fs);

/* The native syscall numbers to supervise for h, into nrs (room entries).
 * Returns how many (0 when h has no hole: nothing is supervised), or
 * -ENOSPC when room is too small. */
int sup_fs_syscalls(const struct holes *h, int *nrs, size_t room);

/* Before an execve or execveat runs: resolves its file as the caller would
 * and, if it is in a hole, answers c with EACCES (and an event) and returns
 * -EACCES.  Returns 0, leaving c unanswered, for anything else (an error
 * resolving it is the kernel's to report when it runs the exec).  A check
 * before the exec is not proof: the caller can swap the path afterwards,
 * so the exec handler also checks the new image with holes_check_image()
 * before it runs (schemas/holes.md). */
int sup_fs_exec_check(struct sup_call *c, const struct sup_fs *fs);

/* Judges the execve or execveat request c against r (borrowed) and
 * answers it, as the exec handlers do with the policy's patterns; exported
 * for tests, which serve a listener with their own rules.  Call it from the
 * thread that receives requests: it blocks until the exec is over. */
struct exec_rules;
void sup_exec_judge(struct sup_call *c, const struct exec_rules *r);

/* Process counting state (sup_proc.c), guarded by its own lock. */
#define SUP_MAX_INFLIGHT 64
struct sup_inflight {
	pid_t tid;          /* a caller whose fork we let through */
	unsigned offspring; /* its children + threads then */
};
struct sup_proc_state {
	pthread_mutex_t lock;
	struct sup_inflight inflight[SUP_MAX_INFLIGHT];
	unsigned n_inflight;
};

struct supervisor {
	int listener;
	struct sup_opts o;
	pid_t self; /* sandlock's pid: the sandbox is its descendants */
	int stopfd;
	volatile int stopping;
	pthread_t dispatcher;
	struct sup_pool *pool;
	struct sup_proc_state proc;
	struct freeze_cache *freeze_cache; /* exec checks' (sup_exec.c), owned */
	struct sup_fs fs; /* opener NULL: no holes */
	struct sup_route {
		int nr;
		const struct sup_handler *h; /* NULL: nobody serves it (denied) */
	} routes[NOTIF_MAX_SYSCALLS];    /* which module serves each syscall */
	size_t n_routes;
};

/* Replies.  Each returns 0, or -errno of the response ioctl (-ENOENT when
 * the caller died meanwhile, which handlers ignore). */
int sup_deny(struct sup_call *c, int err);
int sup_return(struct sup_call *c, int64_t val);
/* Lets the kernel run the syscall.  Only for decisions that read nothing
 * the caller can change afterwards: never because of pointer arguments. */
int sup_continue(struct sup_call *c);
/* Installs fd (ours, borrowed) in the caller and returns its number there. */
int sup_return_fd(struct sup_call *c, int fd, unsigned newfd_flags);
/* The handler handed c (a copy) to another thread, which answers it
 * exactly once: the dispatcher must not answer it. */
static inline void sup_defer(struct sup_call *c)
{
	c->replied = true;
}

/* Hands the rest of c to a worker thread, for a handler on the dispatcher
 * that finds it must block: fn(a copy of c, arg) runs there and answers
 * it; fn owns arg.  Returns 0 (c is deferred: return without answering),
 * or -EAGAIN when the queue is full (fn will not run: answer c). */
int sup_offload(struct sup_call *c, void (*fn)(struct sup_call *c, void *arg), void *arg);

/* Whether events are wanted (a sink is attached); handlers skip building
 * them otherwise. */
static inline bool sup_wants_events(const struct sup_call *c)
{
	return c->sup->o.sink != NULL;
}

/* Completes e with time, pid, ppid, exe and syscall name, and emits it. */
void sup_emit(struct sup_call *c, struct event *e);

/* Denies c with err and records an EVENT_ERROR saying why: for requests the
 * supervisor could not judge (unreadable memory, a failed operation). */
void sup_fail(struct sup_call *c, int err, const char *detail);

/* The name of the handled syscall, for events and messages. */
const char *sup_syscall_name(int nr);

#endif
