#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "landlock.h"
#include "memwatch.h"
#include "notif.h"
#include "sys.h"
#include "banned.h"

enum step {
	STEP_PGID = 1,
	STEP_PDEATHSIG,
	STEP_PARENT_GONE,
	STEP_RLIMIT,
	STEP_CHDIR,
	STEP_CAPS_READ,
	STEP_SECUREBITS,
	STEP_CAPBSET,
	STEP_AMBIENT,
	STEP_CAPSET,
	STEP_NO_NEW_PRIVS,
	STEP_LANDLOCK,
	STEP_SECCOMP,
	STEP_NOTIFY,
	STEP_EXEC,
	/* Not a failure: err holds the listener's fd number, which the
	 * parent shares (CLONE_FILES). */
	STEP_LISTENER,
};

struct report {
	int step;
	int err; /* negative errno */
};

static const char *step_name(int step)
{
	static const char *const names[] = {
		[STEP_PGID] = "create the sandbox's process group",
		[STEP_PDEATHSIG] = "set the parent-death signal",
		[STEP_PARENT_GONE] = "start: sandlock exited during setup",
		[STEP_RLIMIT] = "set the open-files limit",
		[STEP_CHDIR] = "change to the working directory",
		[STEP_CAPS_READ] = "read the capabilities",
		[STEP_SECUREBITS] = "lock the securebits",
		[STEP_CAPBSET] = "drop the capability bounding set",
		[STEP_AMBIENT] = "clear the ambient capabilities",
		[STEP_CAPSET] = "drop the capabilities",
		[STEP_NO_NEW_PRIVS] = "set no_new_privs",
		[STEP_LANDLOCK] = "enforce the landlock ruleset",
		[STEP_SECCOMP] = "load the seccomp filter",
		[STEP_NOTIFY] = "load the supervisor's seccomp filter",
		[STEP_EXEC] = "execute",
	};
	return step > 0 && step <= STEP_EXEC ? names[step] : "start the sandbox";
}

/* Root keeps no special treatment: no capabilities from an exec as uid 0,
 * none kept across a uid change, no ambient ones raised, each bit locked. */
#define SL_SECUREBITS                                                     \
	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |  \
	 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |        \
	 SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static __attribute__((noreturn)) void child_fail(int fd, int step, int err)
{
	struct report rep = { step, err };
	ssize_t w = write(fd, &rep, sizeof(rep));

	(void)w;
	_exit(step == STEP_EXEC ? (err == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE)
				: EXIT_SANDLOCK_FAILED);
}

/* The child's steps below return 0 or -errno and set *step to the one that
 * failed; the errno comes from the return value of a wrapper, or from errno
 * read right after the libc call that set it, never later. */

static int child_prepare(const struct spawn_opts *o, pid_t parent, int *step)
{
	int r;

	*step = STEP_PDEATHSIG;
	r = sys_prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (r < 0)
		return r;
	/* The parent may have died before PDEATHSIG was armed. */
	*step = STEP_PARENT_GONE;
	if (getppid() != parent)
		return -ESRCH;
	*step = STEP_RLIMIT;
	if (o->open_files) {
		struct rlimit rl = { o->open_files, o->open_files };

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
	}
	*step = STEP_CHDIR;
	if (o->cwd && chdir(o->cwd) < 0)
		return -errno;
	return 0;
}

static int lock_securebits(void)
{
	int cur = sys_prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);

	/* Bits already set (and maybe locked) by our caller are kept. */
	return cur < 0 ? cur : sys_prctl(PR_SET_SECUREBITS, (unsigned)cur | SL_SECUREBITS, 0, 0, 0);
}

/* Past the kernel's last capability PR_CAPBSET_DROP answers EINVAL, which
 * saves reading /proc/sys/kernel/cap_last_cap on every start. */
static int drop_bounding(void)
{
	for (unsigned long cap = 0; cap < 64; cap++) {
		int r = sys_prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);

		if (r == -EINVAL && cap > 0)
			return 0;
		if (r < 0)
			return r;
	}
	return 0;
}

/* As root the sandbox would keep every capability: Landlock confines paths,
 * not chown, CAP_NET_BIND_SERVICE or DAC overrides on what the grants
 * reach.  Lock root's special cases out, empty the bounding set so that no
 * exec can give one back, clear ambient, then drop the rest.  Without
 * CAP_SETPCAP (an unprivileged user) the first two are impossible and
 * pointless: the bounding set only caps what an exec could gain, which
 * no_new_privs forbids; clearing and dropping always succeed. */
static int child_drop_caps(int *step)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };
	static const struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
	int r;

	*step = STEP_CAPS_READ;
	r = sys_capget(&hdr, data);
	if (r < 0)
		return r;
	if (data[CAP_TO_INDEX(CAP_SETPCAP)].effective & CAP_TO_MASK(CAP_SETPCAP)) {
		*step = STEP_SECUREBITS;
		r = lock_securebits();
		if (r < 0)
			return r;
		*step = STEP_CAPBSET;
		r = drop_bounding();
		if (r < 0)
			return r;
	}
	*step = STEP_AMBIENT;
	r = sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (r < 0)
		return r;
	*step = STEP_CAPSET;
	return sys_capset(&hdr, none);
}

/* no_new_privs before Landlock and seccomp, seccomp last so that it does
 * not filter our own setup. */
static int child_confine(const struct spawn_opts *o, int fd, int *step)
{
	int r;

	*step = STEP_NO_NEW_PRIVS;
	r = sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (r < 0)
		return r;
	*step = STEP_LANDLOCK;
	r = landlock_apply(o->ruleset_fd);
	if (r < 0)
		return r;
	/* With a supervisor our fd table is the parent's (CLONE_FILES):
	 * closing would close its copy; exec drops ours (close-on-exec). */
	if (o->ruleset_fd >= 0 && !o->notif)
		close(o->ruleset_fd);
	/* The filter is the second layer: none at all is a bug, not a choice. */
	*step = STEP_SECCOMP;
	r = o->filter ? seccomp_filter_apply(o->filter) : -EINVAL;
	if (r < 0 || !o->notif)
		return r;
	/* Loaded last: the deny list's ERRNO and KILL verdicts take
	 * precedence over USER_NOTIF, and our own setup is not supervised. */
	*step = STEP_NOTIFY;
	r = notif_filter_apply(o->notif);
	if (r >= 0) {
		struct report rep = { STEP_LISTENER, r };

		r = write(fd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep) ? 0 : -EPIPE;
	}
	return r;
}

/* Between fork and exec: syscalls only, each restriction in the order that
 * makes it cover the next step. */
static __attribute__((noreturn)) void child_run(const struct spawn_opts *o, int fd,
						pid_t parent, bool fg)
{
	sigset_t none;
	int step = STEP_PGID, r = setpgid(0, 0) < 0 ? -errno : 0;

	if (r == 0 && fg)
		spawn_terminal_to(getpid());
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* sandlock learn ignores SIGXFSZ (a trace over RLIMIT_FSIZE must fail
	 * cleanly); an ignored signal would stay ignored across exec. */
	sigaction(SIGXFSZ, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
	if (r == 0)
		r = child_prepare(o, parent, &step);
	if (r == 0)
		r = child_drop_caps(&step);
	if (r == 0)
		r = child_confine(o, fd, &step);
	if (r < 0)
		child_fail(fd, step, r);
	execve(o->path, o->argv, o->envp);
	child_fail(fd, STEP_EXEC, -errno);
}

/* read_report() stopped at the listener's announcement (notif_fork). */
#define REPORT_LISTENER (-1)

/* Reads the child's report: 0 if exec happened (EOF), else the exit status
 * for the failure with d filled.  *listener gets the number of the
 * supervisor's listener if the child announced one (-1 otherwise); with
 * notif_fork, reading stops there with REPORT_LISTENER, since the child's
 * exec waits for the supervisor. */
static int read_report(int fd, const struct spawn_opts *o, int *listener, struct diag *d)
{
	struct report rep;
	ssize_t n;

	for (;;) {
		do
			n = read(fd, &rep, sizeof(rep));
		while (n < 0 && errno == EINTR);
		if (n == 0)
			return 0;
		if (n != (ssize_t)sizeof(rep))
			return diag_set(d, "cannot read the sandbox's start report: %s",
					n < 0 ? strerror(errno) : "short read"),
			       EXIT_SANDLOCK_FAILED;
		if (rep.step != STEP_LISTENER)
			break;
		*listener = rep.err;
		if (o->notif_fork)
			return REPORT_LISTENER;
	}
	if (rep.step == STEP_EXEC) {
		diag_set(d, "cannot execute '%s': %s", o->path, strerror(-rep.err));
		return rep.err == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
	}
	diag_set(d, "cannot %s: %s", step_name(rep.step), strerror(-rep.err));
	return EXIT_SANDLOCK_FAILED;
}

struct child_args {
	const struct spawn_opts *o;
	int fd;
	pid_t parent;
	bool fg;
};

static int child_entry(void *arg)
{
	struct child_args *a = arg;

	child_run(a->o, a->fd, a->parent, a->fg);
}

/* Starts the child: vfork, or with a supervisor clone(CLONE_VM|CLONE_VFORK|
 * CLONE_FILES) on a stack of its own, so the listener the child creates
 * appears in our fd table too; its exec then unshares the table and drops
 * its own copy (close-on-exec).  Both suspend us until the child has
 * exec'd or exited.  When the supervisor judges the child's own execve
 * (notif_fork) we must run meanwhile: fork(), while we are still single
 * threaded.  Returns the pid or -errno. */
static pid_t start_child(const struct spawn_opts *o, int pipefd[2], pid_t parent, bool fg)
{
	enum { STACK = 256 * 1024 };
	struct child_args a = { o, pipefd[1], parent, fg };
	void *stack;
	pid_t pid;

	if (o->notif_fork) {
		pid = fork();
		if (pid == 0) {
			close(pipefd[0]);
			child_run(o, pipefd[1], parent, fg);
		}
		return pid < 0 ? -errno : pid;
	}
	if (!o->notif) {
		/* vfork: the child only makes syscalls on its own stack frame
		 * until execve or _exit (child_run never returns), and every
		 * setting it makes (mask, credentials, no_new_privs, Landlock,
		 * seccomp, pgid, rlimit) is per task.  Copying our page tables
		 * for fork() cost ~2 ms of start-up. */
		pid = vfork();
		if (pid == 0) {
			close(pipefd[0]);
			child_run(o, pipefd[1], parent, fg);
		}
		return pid < 0 ? -errno : pid;
	}
	stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		     -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	pid = clone(child_entry, (char *)stack + STACK,
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &a);
	if (pid < 0)
		pid = -errno;
	munmap(stack, STACK);
	return pid;
}

/* Serves the child's supervised syscalls, or fails closed: a child whose
 * listener we cannot serve must not run (its syscalls would block). */
static int start_supervisor(const struct spawn_opts *o, int listener, struct supervisor **sup,
			    struct diag *d)
{
	if (!o->notif)
		return 0;
	if (listener < 0)
		return diag_set(d, "cannot start the supervisor: no listener from the sandbox"),
		       EXIT_SANDLOCK_FAILED;
	return sup_start(listener, o->sup, sup, d) < 0 ? EXIT_SANDLOCK_FAILED : 0;
}

/* With notif_fork the listener number is the child's: copy it into our
 * table.  The child is blocked in its execve (supervised) or in its report
 * write, so the number still names the listener. */
static int take_listener(pid_t pid, int *listener, struct diag *d)
{
	int pidfd = sys_pidfd_open(pid, 0), fd;

	fd = pidfd < 0 ? pidfd : sys_pidfd_getfd(pidfd, *listener, 0);
	if (pidfd >= 0)
		close(pidfd);
	*listener = fd;
	if (fd < 0)
		return diag_set(d, "cannot take the sandbox's listener: %s", strerror(-fd)),
		       EXIT_SANDLOCK_FAILED;
	return 0;
}

/* Reads the child's report up to its exec, starting the supervisor when it
 * announces its listener.  Returns 0 or an exit status with d filled. */
static int start_watched(const struct spawn_opts *o, pid_t pid, int fd,
			 struct supervisor **sup, struct diag *d)
{
	int listener = -1, status = read_report(fd, o, &listener, d);

	if (status == REPORT_LISTENER) {
		status = take_listener(pid, &listener, d);
		if (status == 0)
			status = start_supervisor(o, listener, sup, d);
		listener = -1; /* sup_start takes it, even when it fails */
		if (status == 0)
			status = read_report(fd, o, &listener, d);
	} else if (status == 0) {
		status = start_supervisor(o, listener, sup, d);
		listener = -1;
	}
	if (listener >= 0 && !o->notif_fork)
		close(listener);
	return status;
}

int spawn_run(const struct spawn_opts *o, struct diag *d)
{
	pid_t parent = getpid(), pid;
	sigset_t set, old;
	int pipefd[2], status, r;
	bool fg = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct supervisor *sup = NULL;
	struct memwatch *mw = NULL;

	/* An inherited SIG_IGN for SIGCHLD would auto-reap and hide statuses. */
	sigaction(SIGCHLD, &dfl, NULL);

	/* Descendants that setsid() or double-fork are reparented to us, so a
	 * timeout or our exit can still find and kill them (proctree.h). */
	r = sys_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (r == 0 && pipe2(pipefd, O_CLOEXEC) < 0)
		r = -errno;
	if (r < 0)
		return diag_set(d, "cannot prepare the sandbox: %s", strerror(-r)),
		       EXIT_SANDLOCK_FAILED;
	spawn_signal_set(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = start_child(o, pipefd, parent, fg);
	if (pid < 0) {
		diag_set(d, "cannot fork: %s", strerror(-pid));
		close(pipefd[0]);
		close(pipefd[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_SANDLOCK_FAILED;
	}
	close(pipefd[1]);
	status = start_watched(o, pid, pipefd[0], &sup, d);
	close(pipefd[0]);
	if (status == 0 && (o->max_memory || o->peaks) &&
	    memwatch_start(parent, o->max_memory, o->sup ? o->sup->sink : NULL, &mw, d) < 0)
		status = EXIT_SANDLOCK_FAILED;
	if (status) {
		/* Failed before exec (or the report is unreadable: then it may
		 * run, and it is still unreaped, so its pid is its own). */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, __WNOTHREAD);
		if (fg)
			spawn_terminal_to(getpgrp());
	} else {
		status = spawn_wait(pid, fg, o->timeout_sec, o->stop_fd ? *o->stop_fd : -1,
				    o->stop_why, d);
	}
	memwatch_stop(mw, o->peaks);
	if (sup)
		sup_stop(sup);
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

/* Checks dir/cmd (dir of dlen bytes, none if 0) as the child will see it:
 * the kernel resolves a relative path against the child's working
 * directory, which is cwd when one is given.  Returns 0 with *out owned, or
 * check_exec()'s -errno, or -ENOMEM. */
static int try_path(const char *cwd, const char *dir, size_t dlen, const char *cmd, char **out)
{
	bool rel = cwd && (dlen ? dir[0] != '/' : cmd[0] != '/');
	char *cand;
	int r;

	if (asprintf(&cand, "%s%s%.*s%s%s", rel ? cwd : "", rel ? "/" : "", (int)dlen, dir,
		     dlen ? "/" : "", cmd) < 0)
		return -ENOMEM;
	r = check_exec(cand);
	if (r == 0)
		*out = cand;
	else
		free(cand);
	return r;
}

/* Searches PATH like execvp: the first executable candidate wins; an error
 * other than "not there" is remembered for the message.  Returns 0 with
 * *out owned, or the -errno to report. */
static int search_path(const char *path, const char *cwd, const char *cmd, char **out)
{
	int seen = -ENOENT;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		int r = try_path(cwd, path, len, cmd, out);

		if (r == 0 || r == -ENOMEM)
			return r;
		if (r != -ENOENT && r != -ENOTDIR)
			seen = r;
		path += len + (path[len] == ':');
	}
	return seen;
}

char *spawn_resolve(const char *cmd, char *const *envp, const char *cwd, int *status,
		    struct diag *d)
{
	char *found = NULL;
	int r;

	if (!*cmd) {
		*status = EXIT_NOT_FOUND;
		diag_set(d, "command not found: ''");
		return NULL;
	}
	if (strchr(cmd, '/'))
		r = try_path(cwd, "", 0, cmd, &found);
	else
		r = search_path(env_lookup(envp, "PATH"), cwd, cmd, &found);
	if (r == 0)
		return found;
	if (r == -ENOMEM) {
		*status = EXIT_SANDLOCK_FAILED;
		diag_set(d, "cannot look up '%s': %s", cmd, strerror(ENOMEM));
	} else if (r == -ENOENT || r == -ENOTDIR) {
		*status = EXIT_NOT_FOUND;
		diag_set(d, "command not found: '%s'", cmd);
	} else {
		*status = EXIT_NOT_EXECUTABLE;
		diag_set(d, "cannot execute '%s': %s", cmd, strerror(-r));
	}
	return NULL;
}
