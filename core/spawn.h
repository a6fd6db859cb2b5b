/* Running the command: fork, confine the child, exec, and wait.
 *
 * Everything that can allocate or fail verbosely (the Landlock ruleset, the
 * BPF program, the resolved executable, the environment) is prepared by the
 * caller; the child between fork and exec only makes syscalls and reports a
 * failure as {step, -errno} over a close-on-exec pipe (STYLE.md 3). */
#ifndef SANDLOCK_SPAWN_H
#define SANDLOCK_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "memwatch.h"
#include "seccomp_filter.h"
#include "supervise.h"

/* Exit statuses of our own failures (the child's otherwise). */
#define EXIT_SANDLOCK_FAILED 125
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127

struct spawn_opts {
	const char *path;   /* resolved executable (borrowed) */
	char *const *argv;  /* borrowed */
	char *const *envp;  /* borrowed */
	const char *cwd;    /* absolute, NULL: inherit */
	uint64_t open_files; /* RLIMIT_NOFILE, 0: inherit */
	uint64_t timeout_sec; /* 0: none */
	int ruleset_fd;     /* Landlock ruleset, -1: none (borrowed) */
	const struct seccomp_filter *filter; /* borrowed */
	/* The supervised syscalls (notif.h) and the supervisor serving them;
	 * NULL: no supervisor.  Both borrowed. */
	const struct seccomp_filter *notif;
	const struct sup_opts *sup;
	/* The supervisor judges execve, the child's own included: the child
	 * must not suspend us until it has exec'd (vfork would deadlock), so
	 * it is forked and its listener taken with pidfd_getfd. */
	bool notif_fork;
	uint64_t max_memory; /* bytes, 0: none (memwatch.h) */
	/* When *stop_fd becomes readable the sandbox is killed and spawn_run
	 * fails with stop_why (learn: the trace cannot be written).  NULL:
	 * none.  Borrowed. */
	const int *stop_fd;
	const char *stop_why;
	/* Not NULL: the run's resource peaks are measured into it (learn). */
	struct memwatch_peaks *peaks;
};

/* Runs the command and waits for it and every process it started.  Returns
 * the exit status sandlock should exit with: the child's own, 128+N when it
 * died of signal N, or 125/126/127 with d filled for a failure before exec. */
int spawn_run(const struct spawn_opts *o, struct diag *d);

/* Finds `cmd` like execvp would, in the PATH of envp (a name with '/' is
 * taken as is), as the child will see it: a relative name or PATH entry is
 * looked up in cwd when cwd (absolute) is given.  Returns an owned path, or
 * NULL with *status set to 127 (not found), 126 (found but not executable)
 * or 125 (out of memory) and d filled. */
char *spawn_resolve(const char *cmd, char *const *envp, const char *cwd, int *status,
		    struct diag *d);

/* Internal to spawn.c and spawn_wait.c. */

/* The signals the parent blocks and collects with sigtimedwait(): those it
 * forwards to the sandbox, SIGCHLD, and SIGCONT (job control). */
void spawn_signal_set(sigset_t *s);

/* Makes pgrp the foreground group of the terminal on stdin, ignoring
 * SIGTTOU for the call (we may call from the background).  Async-signal-safe:
 * the child calls it between fork and exec. */
void spawn_terminal_to(pid_t pgrp);

/* Waits for the started child `pid` (leader of its own process group;
 * `handed`: it holds the terminal), forwarding signals, following it through
 * job-control stops and enforcing the timeout; then kills every process the
 * sandbox left and reaps them all.  stop_fd (-1: none) readable kills the
 * sandbox too, with stop_why.  Returns the exit status as spawn_run(), or
 * 125 with d filled when some process could not be killed or it was
 * stopped. */
int spawn_wait(pid_t pid, bool handed, uint64_t timeout_sec, int stop_fd, const char *stop_why,
	       struct diag *d);

#endif
