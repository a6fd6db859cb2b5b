/* Freezing the sandbox while the supervisor reads memory that any of its
 * tasks could change, and until the kernel has consumed it: the argv of an
 * execve lives in memory another thread, a CLONE_VM sibling or a MAP_SHARED
 * peer can rewrite between our check and the kernel's copy (ATTACKS.md 13).
 *
 * The sandbox is every descendant of a root process (sandlock is a child
 * subreaper, so orphans stay descendants).  Each of their threads is
 * attached with PTRACE_SEIZE and stopped with PTRACE_INTERRUPT; fork, vfork
 * and clone events are traced, so a task created meanwhile starts attached
 * and stopped.  ptrace, unlike SIGSTOP, is invisible to the tasks' parents:
 * an interactive shell in the sandbox sees no job-control stop.  The /proc
 * walk repeats until a walk made while everything was stopped finds no new
 * task.
 *
 * One exception: a task blocked in vfork() waiting for its child
 * (/proc/TID/wchan "kernel_clone") cannot stop until that child execs or
 * exits, so it counts as frozen.  It runs no user code before then, its
 * child is frozen or is the exec's caller, and the kernel wakes it only
 * after the caller's argv is copied (exec_mmap).
 *
 * A task that cannot be attached (non-dumpable, traced by someone else) or
 * does not stop in time fails the whole freeze: callers must then not act
 * on what they read.
 *
 * Threads: ptrace ties every tracee to the attaching thread, and its stops
 * are reported there.  All calls for one freeze must come from one thread.
 * When that thread exits, the kernel detaches whatever it still holds
 * (stopped or not, a pending interrupt included), which freeze_end() relies
 * on for tasks that never reached a stop; the supervisor therefore freezes
 * from a short-lived thread.  Every thread of the tracer's process sees the
 * tracees' stops in waitid() without __WNOTHREAD, and a real parent in the
 * tracer's process sees them even with it: such waits must not consume
 * CLD_TRAPPED reports (spawn_wait.c).  Conversely the freeze consumes the
 * exit of a thread but never that of a process, whose real parent may be a
 * thread of ours (sandlock's main thread): it is handed over at detach. */
#ifndef SANDLOCK_FREEZE_H
#define SANDLOCK_FREEZE_H

#include <stddef.h>
#include <sys/types.h>

struct freeze;

/* What the last /proc walk learnt about every process (which ones descend
 * from the root, which do not), so that the next freeze of the same root
 * reads only processes started since: reading /proc/PID/stat of every
 * process on the host costs ~10 us each.  A process's class is stable when
 * the root is a child subreaper (freeze.c); without one, an orphan that
 * left the tree may still be frozen.  Not thread-safe: one freeze at a
 * time. */
struct freeze_cache;
struct freeze_cache *freeze_cache_new(void); /* returns owned, or NULL */
void freeze_cache_free(struct freeze_cache *c);

/* Freezes every descendant of root (root itself is not touched).  caller,
 * if not 0, is a thread blocked in a seccomp notification we hold (it
 * cannot reach a stop until we answer): it is attached with exec events
 * traced and interrupted, but not waited for.  cache (borrowed, may be
 * NULL) is read and updated.  Gives up after timeout_ms.  Returns 0 and an
 * owned freeze (release with freeze_end), or -errno with everything
 * already released: -EPERM a task cannot be attached, -ETIMEDOUT a task
 * did not stop, -ESRCH the caller is gone, or /proc errors. */
int freeze_begin(pid_t root, pid_t caller, unsigned timeout_ms, struct freeze_cache *cache,
		 struct freeze **out);

/* How the caller's syscall ended, after the notification was answered. */
enum freeze_exec {
	FREEZE_EXEC_DONE,   /* the exec happened: *pid is the process, stopped
			       at its first instruction (its tid is now the
			       thread group id if a non-leader thread execed) */
	FREEZE_EXEC_FAILED, /* the syscall returned: nothing was executed */
	FREEZE_EXEC_GONE,   /* the caller died */
};

/* Waits until the caller's exec completes or fails.  Threads that the exec
 * kills (de_thread) are reaped on the way, which the exec waits for.
 * Returns an enum freeze_exec, or -ETIMEDOUT after timeout_ms (the caller
 * may still be inside execve: kill it before freeze_end). */
int freeze_wait_exec(struct freeze *f, unsigned timeout_ms, pid_t *pid);

/* Kills the caller (or the process it became by exec) with SIGKILL and
 * waits, bounded, until it is dead.  For an exec that must not run. */
void freeze_kill_caller(struct freeze *f);

/* Number of tasks held, the caller included. */
size_t freeze_count(const struct freeze *f);

/* Lets every stopped task run again (a signal that stopped one is
 * delivered as if we had never looked) and frees f.  A task not in a stop
 * now (the caller before its syscall returned, a vfork waiter, stragglers
 * of a failed freeze) is released by the kernel when the calling thread
 * exits.  To release the caller here, answer its syscall and call
 * freeze_wait_exec() first. */
void freeze_end(struct freeze *f);

#endif
