/* Running the command: fork, confine the child, exec, and wait.
 *
 * Everything that can allocate or fail verbosely (the Landlock ruleset, the
 * BPF program, the resolved executable, the environment) is prepared by the
 * caller; the child between fork and exec only makes syscalls and reports a
 * failure as {step, -errno} over a close-on-exec pipe (STYLE.md 3). */
#ifndef SANDLOCK_SPAWN_H
#define SANDLOCK_SPAWN_H

#include <stdint.h>

#include "diag.h"
#include "seccomp_filter.h"

/* Exit statuses of our own failures (the child's otherwise). */
#define EXIT_SANDLOCK_FAILED 125
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127

struct spawn_opts {
	const char *path;   /* resolved executable (borrowed) */
	char *const *argv;  /* borrowed */
	char *const *envp;  /* borrowed */
	const char *cwd;    /* NULL: inherit */
	uint64_t open_files; /* RLIMIT_NOFILE, 0: inherit */
	uint64_t timeout_sec; /* 0: none */
	int ruleset_fd;     /* Landlock ruleset, -1: none (borrowed) */
	const struct seccomp_filter *filter; /* borrowed */
};

/* Runs the command and waits for it and every process it started.  Returns
 * the exit status sandlock should exit with: the child's own, 128+N when it
 * died of signal N, or 125/126/127 with d filled for a failure before exec. */
int spawn_run(const struct spawn_opts *o, struct diag *d);

/* Finds `cmd` like execvp would, in the PATH of envp (a name with '/' is
 * taken as is).  Returns an owned path, or NULL with *status set to 127 (not
 * found) or 126 (found but not executable) and d filled. */
char *spawn_resolve(const char *cmd, char *const *envp, int *status, struct diag *d);

#endif
