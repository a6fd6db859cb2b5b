/* The parent's side once the sandbox runs: forward signals, follow the
 * sandbox through job-control stops (Ctrl-Z), enforce the timeout, and when
 * the main process exits kill and reap everything the sandbox left. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "proctree.h"
#include "banned.h"

/* How long the end of the sandbox may take: rounds of /proc scan + SIGKILL,
 * each followed by up to KILL_WAIT_MS for a child to die.  Only a process
 * stuck in the kernel (uninterruptible sleep) outlives SIGKILL that long. */
#define KILL_ROUNDS 100
#define KILL_WAIT_MS 50
#define STOP_POLL_MS 100

/* The sandbox's main process, which leads its process group. */
struct job {
	pid_t pid;
	bool tty;    /* stdin is a terminal */
	bool handed; /* we gave the sandbox's group the terminal */
};

void spawn_signal_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGQUIT);
	sigaddset(s, SIGCHLD);
	/* Blocking SIGCONT does not stop it from continuing us; it only lets
	 * sigtimedwait() tell us we were continued (fg/bg, job control). */
	sigaddset(s, SIGCONT);
}

void spawn_terminal_to(pid_t pgrp)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	sigaction(SIGTTOU, &ign, &old);
	tcsetpgrp(STDIN_FILENO, pgrp);
	sigaction(SIGTTOU, &old, NULL);
}

static int status_of(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Whether the main process has exited.  It is left unreaped: while its
 * zombie exists neither its pid nor its process group id can be reused, so
 * kill(-pid) still names the sandbox.  Other exited children (orphans we
 * adopted as subreaper) are reaped on the way.  __WNOTHREAD: the tasks an
 * exec check traces (freeze.h) report to the supervisor's thread, not here;
 * our children and adopted orphans are this thread's (the kernel reparents
 * to a subreaper's first live thread). */
static bool is_exit(int code)
{
	return code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED;
}

/* A real parent in the tracer's thread group is answered like the tracer:
 * waits report the ptrace stops of an exec check (CLD_TRAPPED) even
 * without WSTOPPED.  They belong to the tracing thread, which consumes
 * them, so this only peeks at reports and takes none but exits. */
static bool main_exited(pid_t pid)
{
	for (;;) {
		siginfo_t si;

		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL | __WNOTHREAD) < 0 ||
		    si.si_pid == 0 || !is_exit(si.si_code))
			return false;
		if (si.si_pid == pid)
			return true;
		waitpid(si.si_pid, NULL, WNOHANG | __WALL | __WNOTHREAD);
	}
}

/* The signal that stopped the main process since the last call, or 0.
 * Without WEXITED this cannot reap it.  Only a job-control stop counts: a
 * real parent in the tracer's process also sees the ptrace stops of an exec
 * check (CLD_TRAPPED), which belong to the tracing thread, so we peek
 * first and consume only a CLD_STOPPED. */
static int main_stopped(pid_t pid)
{
	siginfo_t si;

	si.si_pid = 0;
	if (waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG | WNOWAIT | __WNOTHREAD) < 0 ||
	    si.si_pid != pid || si.si_code != CLD_STOPPED)
		return 0;
	/* An exec check may have attached in between: what we took may be its
	 * stop (it then fails closed, EAGAIN), never one to mirror. */
	si.si_pid = 0;
	if (waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG | __WNOTHREAD) < 0 ||
	    si.si_pid != pid || si.si_code != CLD_STOPPED)
		return 0;
	return si.si_status;
}

/* We were continued (fg or bg), or never stopped: if the shell made us the
 * foreground, give the terminal back to the sandbox, then continue it.  A
 * sandbox job holding the terminal itself (bash -i inside) keeps it. */
static void resume(struct job *j)
{
	if (j->tty && tcgetpgrp(STDIN_FILENO) == getpgrp()) {
		spawn_terminal_to(j->pid);
		j->handed = true;
	}
	kill(-j->pid, SIGCONT);
}

/* The main process stopped (Ctrl-Z, a background read of the terminal...).
 * The shell waits for us, not for it, so stop ourselves with the same signal
 * after taking the terminal back; a stop that is not a job-control one is
 * mirrored with SIGSTOP.  The SIGCONT of fg/bg stays pending (blocked), so
 * wait_main() resumes the sandbox.  In an orphaned process group the kernel
 * discards a job-control stop and nobody sends SIGCONT: the sandbox stays
 * stopped until someone continues us, rather than being continued into
 * another stop in a busy loop (a background read gets SIGTTIN each time). */
static void suspend(struct job *j, int sig)
{
	if (j->handed) {
		spawn_terminal_to(getpgrp());
		j->handed = false;
	}
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		sig = SIGSTOP;
	raise(sig);
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Whether fd (-1: none) is readable now. */
static bool readable(int fd)
{
	struct pollfd pf = { fd, POLLIN, 0 };

	return fd >= 0 && poll(&pf, 1, 0) > 0;
}

/* Waits until the main process exits (0), the timeout passes (-ETIMEDOUT)
 * or stop_fd becomes readable (-ECANCELED), forwarding signals to its
 * group. */
static int wait_main(struct job *j, uint64_t timeout_sec, int stop_fd)
{
	struct timespec deadline;
	sigset_t set;

	spawn_signal_set(&set);
	/* Beyond ~34,000 years a timeout means "never": clamp before the
	 * arithmetic below can overflow. */
	if (timeout_sec > (1ULL << 40))
		timeout_sec = 1ULL << 40;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)timeout_sec;
	for (;;) {
		long ms = timeout_sec ? remaining_ms(&deadline) : 1000;
		struct timespec ts;
		int sig;

		/* The stop fd is polled between signals, every STOP_POLL_MS. */
		if (stop_fd >= 0 && ms > STOP_POLL_MS)
			ms = STOP_POLL_MS;
		ts = (struct timespec){ ms / 1000, (ms % 1000) * 1000000 };
		if (main_exited(j->pid))
			return 0;
		if (readable(stop_fd))
			return -ECANCELED;
		sig = main_stopped(j->pid);
		if (sig) {
			suspend(j, sig);
			continue;
		}
		if (timeout_sec && ms <= 0)
			return -ETIMEDOUT;
		/* A stop or exit after the checks above leaves SIGCHLD pending,
		 * so this returns at once rather than missing it. */
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGCONT)
			resume(j);
		else if (sig > 0 && sig != SIGCHLD)
			kill(-j->pid, sig);
	}
}

/* Reaps every exited child, recording the main one's status.  Returns true
 * once we have no child left at all. */
static bool reap_all(pid_t pid, int *status)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG | __WALL | __WNOTHREAD)) > 0) {
		if (p == pid && (WIFEXITED(st) || WIFSIGNALED(st)))
			*status = status_of(st);
	}
	return p < 0 && errno == ECHILD;
}

/* Kills and reaps what is left of the sandbox.  As a subreaper we adopt
 * every orphan, so "no child left" (ECHILD) means no descendant left; the
 * /proc scan only finds whom to kill and never decides that.  Returns 0, or
 * the scan's -errno (or -EAGAIN) when processes remain after the last round. */
static int kill_rest(pid_t pid, int *status)
{
	struct timespec ts = { 0, KILL_WAIT_MS * 1000000L };
	sigset_t chld;
	int err = -EAGAIN;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		int r;

		/* The common case, a main process that left nothing behind,
		 * ends here in the first round without a scan (~1.5 ms). */
		if (reap_all(pid, status))
			return 0;
		r = proctree_kill(getpid());
		if (r < 0)
			err = r;
		sigtimedwait(&chld, NULL, &ts);
	}
	return err;
}

int spawn_wait(pid_t pid, bool handed, uint64_t timeout_sec, int stop_fd, const char *stop_why,
	       struct diag *d)
{
	struct job j = { pid, isatty(STDIN_FILENO), handed };
	int status = EXIT_SANDLOCK_FAILED;
	int r = wait_main(&j, timeout_sec, stop_fd);
	bool stopped = r == -ECANCELED;

	if (j.handed)
		spawn_terminal_to(getpgrp());
	/* The sandbox ends with its main process.  Its group and itself first,
	 * directly (it is unreaped, so both ids are still its own); then the
	 * scan finds those that left the group (setsid, double fork). */
	kill(-pid, SIGKILL);
	if (r == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		diag_set(d, "timeout after %llu s: killed the sandbox",
			 (unsigned long long)timeout_sec);
	} else if (r == -ECANCELED) {
		kill(pid, SIGKILL);
		diag_set(d, "%s: killed the sandbox", stop_why ? stop_why : "stopped");
	}
	r = kill_rest(pid, &status);
	if (r == 0 && stopped)
		return EXIT_SANDLOCK_FAILED; /* sandlock failed, not the command */
	if (r == -EAGAIN)
		return diag_set(d, "cannot kill the sandbox: processes survive SIGKILL"),
		       EXIT_SANDLOCK_FAILED;
	if (r < 0)
		return diag_set(d, "cannot kill the sandbox: cannot scan '/proc': %s",
				strerror(-r)),
		       EXIT_SANDLOCK_FAILED;
	return status;
}
