/* Kernel-test helpers: every case runs the real kernel feature in a forked
 * child, so a sandbox applied by one case never leaks into the next, and the
 * parent asserts on the child's exit status (STYLE.md 14). */
#ifndef SANDLOCK_KT_H
#define SANDLOCK_KT_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(arg) in a child; returns the child's exit code, or 128+signal if
 * it died of a signal. */
static inline int kt_fork(int (*fn)(void *), void *arg)
{
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* cmocka's crash handlers would longjmp a crashing child back
		 * into the runner and run the rest of the suite twice. */
		static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS };

		for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
			signal(crash[i], SIG_DFL);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Inside a child: expr must fail with exactly err, else report and exit 1.
 * A call that succeeds is a sandbox escape, reported as such. */
#define KT_EXPECT_ERRNO(expr, err)                                                       \
	do {                                                                             \
		errno = 0;                                                               \
		long kt_r_ = (long)(expr);                                               \
		if (kt_r_ >= 0 || errno != (err)) {                                      \
			fprintf(stderr, "%s:%d: %s: expected errno %s, got r=%ld errno=%s\n", \
				__FILE__, __LINE__, #expr, strerrorname_np(err), kt_r_,   \
				errno ? strerrorname_np(errno) : "0");                   \
			return 1;                                                        \
		}                                                                        \
	} while (0)

/* Inside a child: expr must succeed (>= 0). */
#define KT_EXPECT_OK(expr)                                                               \
	do {                                                                             \
		errno = 0;                                                               \
		long kt_r_ = (long)(expr);                                               \
		if (kt_r_ < 0) {                                                         \
			fprintf(stderr, "%s:%d: %s: expected success, got errno %s\n",    \
				__FILE__, __LINE__, #expr, strerrorname_np(errno));       \
			return 1;                                                        \
		}                                                                        \
	} while (0)

/* Loud skip: returns 1 (skip) unless SANDLOCK_MUST_WORK=1, where a missing
 * kernel feature fails the test instead. */
static inline int kt_skip_or_fail(const char *why)
{
	const char *m = getenv("SANDLOCK_MUST_WORK");

	fprintf(stderr, "SKIP: %s\n", why);
	return !(m && strcmp(m, "1") == 0);
}

#endif
