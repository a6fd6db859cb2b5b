#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "landlock.h"
#include "proctree.h"
#include "sys.h"
#include "banned.h"

enum step {
	STEP_PDEATHSIG = 1,
	STEP_PARENT_GONE,
	STEP_RLIMIT,
	STEP_CHDIR,
	STEP_NO_NEW_PRIVS,
	STEP_LANDLOCK,
	STEP_SECCOMP,
	STEP_EXEC,
};

struct report {
	int step;
	int err; /* negative errno */
};

static const char *step_name(int step)
{
	static const char *const names[] = {
		[STEP_PDEATHSIG] = "set the parent-death signal",
		[STEP_PARENT_GONE] = "start: sandlock exited during setup",
		[STEP_RLIMIT] = "set the open-files limit",
		[STEP_CHDIR] = "change to the working directory",
		[STEP_NO_NEW_PRIVS] = "set no_new_privs",
		[STEP_LANDLOCK] = "enforce the landlock ruleset",
		[STEP_SECCOMP] = "load the seccomp filter",
		[STEP_EXEC] = "execute",
	};
	return step > 0 && step <= STEP_EXEC ? names[step] : "start the sandbox";
}

/* Signals the parent forwards to the sandbox; blocked in the parent so that
 * sigtimedwait() collects them, unblocked in the child before exec. */
static void forward_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGQUIT);
	sigaddset(s, SIGCHLD);
}

static __attribute__((noreturn)) void child_fail(int fd, int step, int err)
{
	struct report rep = { step, err };
	ssize_t w = write(fd, &rep, sizeof(rep));

	(void)w;
	_exit(step == STEP_EXEC ? (err == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE)
				: EXIT_SANDLOCK_FAILED);
}

/* Hands the terminal to the child's process group so interactive programs
 * can read it; SIGTTOU is ignored because we call from the background. */
static void take_terminal(pid_t pgrp)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	sigaction(SIGTTOU, &ign, &old);
	tcsetpgrp(STDIN_FILENO, pgrp);
	sigaction(SIGTTOU, &old, NULL);
}

/* Between fork and exec: syscalls only, in the order that makes each
 * restriction cover the next step (no_new_privs before Landlock and seccomp,
 * seccomp last so it does not filter our own setup). */
static __attribute__((noreturn)) void child_run(const struct spawn_opts *o, int fd,
						pid_t parent, bool fg)
{
	sigset_t none;

	setpgid(0, 0);
	if (fg)
		take_terminal(getpid());
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (sys_prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(fd, STEP_PDEATHSIG, -errno);
	/* The parent may have died before PDEATHSIG was armed. */
	if (getppid() != parent)
		child_fail(fd, STEP_PARENT_GONE, -ESRCH);
	if (o->open_files) {
		struct rlimit rl = { o->open_files, o->open_files };

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			child_fail(fd, STEP_RLIMIT, -errno);
	}
	if (o->cwd && chdir(o->cwd) < 0)
		child_fail(fd, STEP_CHDIR, -errno);
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(fd, STEP_NO_NEW_PRIVS, -errno);
	if (landlock_apply(o->ruleset_fd) < 0)
		child_fail(fd, STEP_LANDLOCK, -errno);
	if (o->ruleset_fd >= 0)
		close(o->ruleset_fd);
	if (o->filter && seccomp_filter_apply(o->filter) < 0)
		child_fail(fd, STEP_SECCOMP, -errno);
	execve(o->path, o->argv, o->envp);
	child_fail(fd, STEP_EXEC, -errno);
}

static int status_of(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Reads the child's report: 0 if exec happened (EOF), else the exit status
 * for the failure with d filled. */
static int read_report(int fd, const struct spawn_opts *o, struct diag *d)
{
	struct report rep;
	ssize_t n;

	do
		n = read(fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rep))
		return 0;
	if (rep.step == STEP_EXEC) {
		diag_set(d, "cannot execute '%s': %s", o->path, strerror(-rep.err));
		return rep.err == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
	}
	diag_set(d, "cannot %s: %s", step_name(rep.step), strerror(-rep.err));
	return EXIT_SANDLOCK_FAILED;
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Reaps every exited child; returns true once `main` has been reaped. */
static bool reap(pid_t main_pid, int *main_status)
{
	bool done = false;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == main_pid) {
			*main_status = status_of(st);
			done = true;
		}
	}
	return done;
}

/* Waits for the main child, forwarding signals and enforcing the timeout. */
static int wait_main(pid_t pid, uint64_t timeout_sec, struct diag *d)
{
	struct timespec deadline;
	sigset_t set;
	int status = EXIT_SANDLOCK_FAILED;

	forward_set(&set);
	/* Beyond ~34,000 years a timeout means "never": clamp before the
	 * arithmetic below can overflow. */
	if (timeout_sec > (1ULL << 40))
		timeout_sec = 1ULL << 40;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)timeout_sec;
	while (!reap(pid, &status)) {
		long ms = timeout_sec ? remaining_ms(&deadline) : 1000;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
		int sig;

		if (timeout_sec && ms <= 0) {
			proctree_kill(getpid());
			diag_set(d, "timeout after %llu s: killed the sandbox",
				 (unsigned long long)timeout_sec);
			timeout_sec = 0; /* keep waiting for the reap */
			continue;
		}
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0 && sig != SIGCHLD)
			kill(-pid, sig);
	}
	return status;
}

int spawn_run(const struct spawn_opts *o, struct diag *d)
{
	pid_t parent = getpid(), pid;
	sigset_t set, old;
	int pipefd[2], status;
	bool fg = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/* An inherited SIG_IGN for SIGCHLD would auto-reap and hide statuses. */
	sigaction(SIGCHLD, &dfl, NULL);

	/* Descendants that setsid() or double-fork are reparented to us, so a
	 * timeout or our exit can still find and kill them (proctree.h). */
	if (sys_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ||
	    pipe2(pipefd, O_CLOEXEC) < 0)
		return diag_set(d, "cannot prepare the sandbox: %s", strerror(errno)),
		       EXIT_SANDLOCK_FAILED;
	forward_set(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* vfork: the child only makes syscalls on its own stack frame until
	 * execve or _exit (child_run never returns), and every setting it makes
	 * (mask, no_new_privs, Landlock, seccomp, pgid, rlimit) is per task.
	 * Copying our page tables for fork() cost ~2 ms of start-up. */
	pid = vfork();
	if (pid < 0) {
		diag_set(d, "cannot fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return EXIT_SANDLOCK_FAILED;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_run(o, pipefd[1], parent, fg);
	}
	close(pipefd[1]);
	status = read_report(pipefd[0], o, d);
	close(pipefd[0]);
	if (status) {
		waitpid(pid, NULL, 0);
	} else {
		status = wait_main(pid, o->timeout_sec, d);
		/* The sandbox ends with its main process: no stragglers.  As a
		 * subreaper we adopt orphans before the main child's exit is
		 * reported, so no child left means no descendant left, and the
		 * /proc scan (~1.5 ms) is only needed when some remain. */
		if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
			proctree_kill(getpid());
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
	}
	if (fg)
		take_terminal(getpgrp());
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

/* Whether path is a regular file we could execute (the sandbox may still
 * refuse it; that is reported from the child as 126). */
static int check_exec(const char *path)
{
	struct stat st;

	/* An unsearchable PATH directory hides nothing we could run: like the
	 * shell, treat it as "not here" rather than "not executable". */
	if (stat(path, &st) < 0)
		return errno == EACCES ? -ENOENT : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return access(path, X_OK) < 0 ? -errno : 0;
}

char *spawn_resolve(const char *cmd, char *const *envp, int *status, struct diag *d)
{
	const char *path = env_lookup(envp, "PATH");
	int seen = -ENOENT;

	if (!*cmd) {
		*status = EXIT_NOT_FOUND;
		diag_set(d, "command not found: ''");
		return NULL;
	}
	if (strchr(cmd, '/')) {
		seen = check_exec(cmd);
		if (seen == 0)
			return strdup(cmd);
	} else {
		if (!path)
			path = "/usr/local/bin:/usr/bin:/bin";
		while (*path) {
			size_t len = strcspn(path, ":");
			char *cand;
			int r;

			if (asprintf(&cand, "%.*s%s%s", (int)len, path, len ? "/" : "", cmd) < 0)
				break;
			r = check_exec(cand);
			if (r == 0)
				return cand;
			free(cand);
			if (r != -ENOENT && r != -ENOTDIR)
				seen = r;
			path += len + (path[len] == ':');
		}
	}
	*status = seen == -ENOENT || seen == -ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
	if (*status == EXIT_NOT_FOUND)
		diag_set(d, "command not found: '%s'", cmd);
	else
		diag_set(d, "cannot execute '%s': %s", cmd, strerror(-seen));
	return NULL;
}
