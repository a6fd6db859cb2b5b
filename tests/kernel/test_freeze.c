/* Freezing a process tree with ptrace (core/freeze.c) against the real
 * kernel.  Each case runs in its own forked process, which is the tree's
 * root and the tracer; the tasks it freezes spin on counters in shared
 * memory, so "frozen" means "no counter moves" and "thawed" means "every
 * counter moves again". */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <cmocka.h>

#include "freeze.h"
#include "kt.h"
#include "notif.h"
#include "proctree.h"
#include "sys.h"

#define SLOTS 16
#define FAIL(...)                                  \
	do {                                       \
		fprintf(stderr, __VA_ARGS__);      \
		fputc('\n', stderr);               \
		return 1;                          \
	} while (0)

/* Counters shared by every task of a case (MAP_SHARED survives fork). */
static volatile uint64_t *ctr;

static void ms_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void spin(unsigned slot)
{
	for (;;) {
		__atomic_fetch_add(&ctr[slot], 1, __ATOMIC_RELAXED);
		sched_yield();
	}
}

static void *spin_thread(void *arg)
{
	spin((unsigned)(uintptr_t)arg);
	return NULL;
}

static void snap(uint64_t *out)
{
	for (unsigned i = 0; i < SLOTS; i++)
		out[i] = __atomic_load_n(&ctr[i], __ATOMIC_RELAXED);
}

/* Whether counters [0, n) all stay still (frozen) or all move (running)
 * over 40 ms. */
static bool counters(unsigned n, bool moving)
{
	uint64_t a[SLOTS], b[SLOTS];

	snap(a);
	ms_sleep(40);
	snap(b);
	for (unsigned i = 0; i < n; i++)
		if ((a[i] != b[i]) != moving) {
			fprintf(stderr, "counter %u %s\n", i, moving ? "stuck" : "moved");
			return false;
		}
	return true;
}

/* Waits until counters [0, n) have all started. */
static void wait_started(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		while (__atomic_load_n(&ctr[i], __ATOMIC_RELAXED) == 0)
			ms_sleep(1);
}

/* Tasks of process pid that something traces. */
static int traced_tasks(pid_t pid)
{
	char path[320], buf[4096];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(buf, sizeof(buf), f))
			if (strncmp(buf, "TracerPid:", 10) == 0 && strtol(buf + 10, NULL, 10) != 0)
				n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void map_counters(void)
{
	ctr = mmap(NULL, SLOTS * sizeof(*ctr), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

/* A child spinning on slots [first, first + threads), and the pid. */
static pid_t spinner(unsigned first, unsigned threads)
{
	pid_t pid = fork();

	if (pid == 0) {
		die_with_parent();
		for (unsigned i = 1; i < threads; i++) {
			pthread_t t;

			pthread_create(&t, NULL, spin_thread, (void *)(uintptr_t)(first + i));
		}
		spin(first);
	}
	return pid;
}

/* ---- cases ---------------------------------------------------------- */

/* A child with four threads and its forked child: five tasks stop, then
 * all run again and nobody stays traced. */
static int threads_and_grandchild(void *arg)
{
	struct freeze *f;
	pid_t c;
	int r;

	(void)arg;
	map_counters();
	c = fork();
	if (c == 0) {
		die_with_parent();
		if (spinner(4, 1) < 0)
			_exit(1);
		for (unsigned i = 1; i < 4; i++) {
			pthread_t t;

			pthread_create(&t, NULL, spin_thread, (void *)(uintptr_t)i);
		}
		spin(0);
	}
	wait_started(5);
	r = freeze_begin(getpid(), 0, 2000, NULL, &f);
	if (r < 0)
		FAIL("freeze_begin: %s", strerror(-r));
	if (freeze_count(f) != 5)
		FAIL("froze %zu tasks, expected 5", freeze_count(f));
	if (!counters(5, false))
		return 1;
	freeze_end(f);
	if (!counters(5, true))
		return 1;
	if (traced_tasks(c) != 0)
		FAIL("tasks still traced after the thaw");
	kill(c, SIGKILL);
	return 0;
}

/* A child forking as fast as it can: every child it had when the freeze
 * returned is frozen, none is born while frozen, and births resume. */
static int forks_during_freeze(void *arg)
{
	uint64_t before, after;
	struct freeze *f;
	pid_t c;
	int r;

	(void)arg;
	map_counters();
	c = fork();
	if (c == 0) {
		die_with_parent();
		for (unsigned i = 0; i < 3000; i++) {
			pid_t k = fork();

			if (k == 0) {
				die_with_parent();
				__atomic_fetch_add(&ctr[0], 1, __ATOMIC_RELAXED);
				pause();
				_exit(0);
			}
			__atomic_fetch_add(&ctr[1], 1, __ATOMIC_RELAXED);
		}
		pause();
		_exit(0);
	}
	while (__atomic_load_n(&ctr[0], __ATOMIC_RELAXED) < 20)
		ms_sleep(1);
	r = freeze_begin(getpid(), 0, 2000, NULL, &f);
	if (r < 0)
		FAIL("freeze_begin: %s", strerror(-r));
	before = ctr[1];
	ms_sleep(40);
	after = ctr[1];
	if (before != after || ctr[0] > 2990)
		FAIL("forks went on while frozen (%llu -> %llu)", (unsigned long long)before,
		     (unsigned long long)after);
	/* The forker and each child it made: a fork in flight when it was
	 * caught is in both counts only once its child ran, so allow one. */
	if (freeze_count(f) != ctr[1] + 1 && freeze_count(f) != ctr[1] + 2)
		FAIL("froze %zu tasks, %llu forks were made", freeze_count(f),
		     (unsigned long long)ctr[1]);
	freeze_end(f);
	ms_sleep(20);
	if (ctr[1] == after && after < 3000)
		FAIL("forks did not resume");
	kill(c, SIGKILL);
	return 0;
}

/* With a cache of the last walk, the next freeze still finds a process
 * started since and an orphan reparented to the root (a subreaper here,
 * as sandlock is). */
static int cached_walk_finds_everyone(void *arg)
{
	struct freeze_cache *cache = freeze_cache_new();
	struct freeze *f;
	int go[2], r;
	pid_t b, d;
	char c = 'x';

	(void)arg;
	map_counters();
	if (!cache || pipe(go) < 0)
		FAIL("setup: %s", strerror(errno));
	b = fork();
	if (b == 0) {
		die_with_parent();
		if (fork() == 0)
			spin(1); /* outlives b: orphaned to us, the subreaper */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	while (__atomic_load_n(&ctr[1], __ATOMIC_RELAXED) == 0)
		ms_sleep(1);
	r = freeze_begin(getpid(), 0, 2000, cache, &f);
	if (r < 0 || freeze_count(f) != 2)
		FAIL("first freeze: %s, %zu tasks", strerror(-r), r < 0 ? 0 : freeze_count(f));
	freeze_end(f);
	if (write(go[1], &c, 1) != 1 || waitpid(b, NULL, 0) != b)
		FAIL("cannot end the middle process");
	d = spinner(2, 1);
	while (__atomic_load_n(&ctr[2], __ATOMIC_RELAXED) == 0)
		ms_sleep(1);
	r = freeze_begin(getpid(), 0, 2000, cache, &f);
	if (r < 0 || freeze_count(f) != 2)
		FAIL("second freeze: %s, %zu tasks", strerror(-r), r < 0 ? 0 : freeze_count(f));
	if (!counters(3, false)) /* slot 0 is unused */
		return 1;
	freeze_end(f);
	freeze_cache_free(cache);
	kill(d, SIGKILL);
	return 0;
}

/* A process stopped by SIGSTOP is frozen too, and stays stopped after the
 * thaw: the freeze does not end a job-control stop. */
static int stopped_task_stays_stopped(void *arg)
{
	struct freeze *f;
	siginfo_t si = { 0 };
	pid_t c;
	int r;

	(void)arg;
	map_counters();
	c = spinner(0, 1);
	wait_started(1);
	kill(c, SIGSTOP);
	if (waitid(P_PID, (id_t)c, &si, WSTOPPED) < 0)
		FAIL("waitid: %s", strerror(errno));
	r = freeze_begin(getpid(), 0, 2000, NULL, &f);
	if (r < 0 || freeze_count(f) != 1)
		FAIL("freeze_begin: %s", strerror(-r));
	freeze_end(f);
	if (!counters(1, false))
		FAIL("a stopped task ran after the thaw");
	kill(c, SIGCONT);
	if (!counters(1, true))
		return 1;
	kill(c, SIGKILL);
	return 0;
}

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_fetch_add(&ctr[1], 1, __ATOMIC_RELAXED);
}

/* A signal sent to a frozen task is delivered after the thaw. */
static int signal_waits_for_thaw(void *arg)
{
	struct freeze *f;
	pid_t c;
	int r;

	(void)arg;
	map_counters();
	c = fork();
	if (c == 0) {
		die_with_parent();
		signal(SIGUSR1, on_usr1);
		spin(0);
	}
	wait_started(1);
	r = freeze_begin(getpid(), 0, 2000, NULL, &f);
	if (r < 0)
		FAIL("freeze_begin: %s", strerror(-r));
	kill(c, SIGUSR1);
	ms_sleep(20);
	if (ctr[1] != 0)
		FAIL("a frozen task handled a signal");
	freeze_end(f);
	for (int i = 0; i < 200 && ctr[1] == 0; i++)
		ms_sleep(1);
	if (ctr[1] != 1)
		FAIL("the signal was lost or doubled: %llu", (unsigned long long)ctr[1]);
	kill(c, SIGKILL);
	return 0;
}

/* A parent blocked in vfork() cannot stop until its child execs or exits:
 * it counts as frozen instead of making the freeze time out. */
static int vfork_parent(void *arg)
{
	struct timespec t0, t1;
	struct freeze *f;
	pid_t c;
	int r;

	(void)arg;
	map_counters();
	c = fork();
	if (c == 0) {
		die_with_parent();
		/* The child runs on our stack until it execs: it only spins. */
		if (vfork() == 0)
			for (;;)
				__atomic_fetch_add(&ctr[0], 1, __ATOMIC_RELAXED);
		_exit(0);
	}
	wait_started(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = freeze_begin(getpid(), 0, 2000, NULL, &f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0)
		FAIL("freeze_begin: %s", strerror(-r));
	if (t1.tv_sec - t0.tv_sec >= 1)
		FAIL("the freeze waited for the vfork parent");
	if (freeze_count(f) != 2)
		FAIL("froze %zu tasks, expected 2", freeze_count(f));
	if (!counters(1, false))
		FAIL("the vfork child ran while frozen");
	freeze_end(f);
	if (!counters(1, true))
		return 1;
	kill(c, SIGKILL);
	return 0;
}

static int drop_ptrace_cap(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (sys_capget(&h, d) < 0)
		return -1;
	d[CAP_SYS_PTRACE / 32].effective &= ~(1u << (CAP_SYS_PTRACE % 32));
	d[CAP_SYS_PTRACE / 32].permitted &= ~(1u << (CAP_SYS_PTRACE % 32));
	return sys_capset(&h, d) < 0 ? -1 : 0;
}

struct in_thread {
	int r;
};

static void *freeze_and_exit(void *arg)
{
	struct in_thread *t = arg;
	struct freeze *f;

	t->r = freeze_begin(getpid(), 0, 2000, NULL, &f);
	if (t->r == 0)
		freeze_end(f);
	return NULL;
}

/* A task made non-dumpable cannot be attached: the freeze fails with
 * EPERM, and every task it had already stopped runs again, untraced, once
 * the freezing thread is gone (as the supervisor uses it). */
static int nondumpable_fails_cleanly(void *arg)
{
	struct in_thread t = { 0 };
	pthread_t th;
	pid_t a, b;

	(void)arg;
	/* As root, CAP_SYS_PTRACE would attach anyway. */
	if (drop_ptrace_cap() < 0)
		FAIL("cannot drop CAP_SYS_PTRACE: %s", strerror(errno));
	map_counters();
	a = spinner(0, 3);
	b = fork();
	if (b == 0) {
		die_with_parent();
		prctl(PR_SET_DUMPABLE, 0);
		spin(3);
	}
	wait_started(4);
	pthread_create(&th, NULL, freeze_and_exit, &t);
	pthread_join(th, NULL);
	if (t.r != -EPERM)
		FAIL("freeze_begin: expected EPERM, got %s", strerror(-t.r));
	ms_sleep(20); /* the kernel releases a dead tracer's tracees */
	if (!counters(4, true))
		return 1;
	if (traced_tasks(a) != 0 || traced_tasks(b) != 0)
		FAIL("tasks still traced after a failed freeze");
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	return 0;
}

/* Runs a case as a child subreaper, then kills and reaps everything it
 * left, orphans included: a spinning leftover would outlive the suite. */
static int contained(void *fn)
{
	int r;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = ((int (*)(void *))fn)(NULL);
	for (int round = 0; round < 200; round++) {
		proctree_kill(getpid());
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		if (waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD)
			return r;
		ms_sleep(5);
	}
	fprintf(stderr, "cannot kill what the case left\n");
	return 1;
}

#define CASE(fn)                                                      \
	static void test_##fn(void **state)                           \
	{                                                             \
		(void)state;                                          \
		assert_int_equal(kt_fork(contained, (void *)fn), 0);  \
	}
CASE(threads_and_grandchild)
CASE(forks_during_freeze)
CASE(cached_walk_finds_everyone)
CASE(stopped_task_stays_stopped)
CASE(signal_waits_for_thaw)
CASE(vfork_parent)
CASE(nondumpable_fails_cleanly)

/* ---- the exec's caller ---------------------------------------------- */

struct nchild {
	pid_t pid;
	int listener;
};

/* Forks a child that loads a notification filter for execve and runs
 * body(); we take its listener with pidfd_getfd. */
static int notif_child(int (*body)(void), struct nchild *nc)
{
	int nr = SYS_execve, up[2], down[2], l = -1, pidfd;
	struct seccomp_filter flt;
	char ack = 0;

	if (notif_filter_build(&nr, 1, &flt) < 0 || pipe2(up, O_CLOEXEC) < 0 ||
	    pipe2(down, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	nc->pid = fork();
	if (nc->pid == 0) {
		die_with_parent();
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		l = notif_filter_apply(&flt);
		if (write(up[1], &l, sizeof(l)) != sizeof(l) || read(down[0], &ack, 1) != 1)
			_exit(91);
		_exit(body());
	}
	seccomp_filter_release(&flt);
	if (read(up[0], &l, sizeof(l)) != sizeof(l) || l < 0)
		return -1;
	pidfd = sys_pidfd_open(nc->pid, 0);
	nc->listener = pidfd < 0 ? pidfd : sys_pidfd_getfd(pidfd, l, 0);
	if (pidfd >= 0)
		close(pidfd);
	if (write(down[1], &ack, 1) != 1)
		return -1;
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return nc->listener < 0 ? -1 : 0;
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *exec_true(void *arg)
{
	char *const argv[] = { (char *)"true", NULL };

	(void)arg;
	execve("/bin/true", argv, environ);
	_exit(errno == EACCES ? 3 : 4);
}

/* A thread that is not the leader execs: the kernel kills the other
 * threads (we reap them, or the exec would wait forever) and the exec is
 * reported under the leader's tid. */
static int non_leader_body(void)
{
	pthread_t t;

	pthread_create(&t, NULL, exec_true, NULL);
	spin(0);
	return 5;
}

static int exec_from_non_leader(void *arg)
{
	struct notif_buf b;
	struct nchild nc;
	struct freeze *f;
	pid_t pid = 0;
	int r;

	(void)arg;
	map_counters();
	if (notif_child(non_leader_body, &nc) < 0 || notif_buf_alloc(&b) < 0)
		FAIL("cannot start the child");
	if (notif_recv(nc.listener, &b) < 0)
		FAIL("notif_recv: %s", strerror(errno));
	if ((pid_t)b.req->pid == nc.pid)
		FAIL("the exec came from the leader");
	wait_started(1);
	r = freeze_begin(getpid(), (pid_t)b.req->pid, 2000, NULL, &f);
	if (r < 0 || freeze_count(f) != 2)
		FAIL("freeze_begin: %s, %zu tasks", strerror(-r), r < 0 ? 0 : freeze_count(f));
	if (!counters(1, false))
		return 1;
	notif_respond(nc.listener, &b, b.req->id, 0, 0, true);
	r = freeze_wait_exec(f, 5000, &pid);
	if (r != FREEZE_EXEC_DONE || pid != nc.pid)
		FAIL("freeze_wait_exec: %d, pid %d (child %d)", r, (int)pid, (int)nc.pid);
	freeze_end(f);
	r = reap(nc.pid);
	if (r != 0)
		FAIL("the exec'd /bin/true exited %d", r);
	return 0;
}

static int exec_missing(void)
{
	char *const argv[] = { (char *)"x", NULL };

	execve("/nonexistent/sandlock-freeze", argv, environ);
	return errno == ENOENT ? 0 : 1;
}

static int exec_denied(void)
{
	exec_true(NULL);
	return 9;
}

/* An exec that fails (or that we deny) returns to the caller, which stops
 * on its way out: that is how we know nothing was executed. */
static int one_failed_exec(int (*body)(void), bool cont, int expect)
{
	struct notif_buf b;
	struct nchild nc;
	struct freeze *f;
	pid_t pid;
	int r;

	if (notif_child(body, &nc) < 0 || notif_buf_alloc(&b) < 0)
		FAIL("cannot start the child");
	if (notif_recv(nc.listener, &b) < 0)
		FAIL("notif_recv: %s", strerror(errno));
	r = freeze_begin(getpid(), (pid_t)b.req->pid, 2000, NULL, &f);
	if (r < 0)
		FAIL("freeze_begin: %s", strerror(-r));
	notif_respond(nc.listener, &b, b.req->id, 0, cont ? 0 : EACCES, cont);
	r = freeze_wait_exec(f, 5000, &pid);
	if (r != FREEZE_EXEC_FAILED)
		FAIL("freeze_wait_exec: %d, expected FAILED", r);
	freeze_end(f);
	r = reap(nc.pid);
	if (r != expect)
		FAIL("the child exited %d, expected %d", r, expect);
	return 0;
}

static int failed_exec(void *arg)
{
	(void)arg;
	return one_failed_exec(exec_missing, true, 0);
}

static int denied_exec(void *arg)
{
	(void)arg;
	return one_failed_exec(exec_denied, false, 3);
}

/* posix_spawn and the like: the exec comes from a vfork child, whose
 * parent waits in vfork and cannot stop; the freeze must not wait for it
 * (the exec would fail after the timeout), and it wakes after the exec. */
static int vfork_exec_body(void)
{
	char *const argv[] = { (char *)"true", NULL };
	pid_t v = vfork();
	int st;

	if (v == 0) {
		execve("/bin/true", argv, environ);
		_exit(7);
	}
	if (v < 0 || waitpid(v, &st, 0) != v)
		return 8;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 9;
}

static int exec_from_vfork_child(void *arg)
{
	struct timespec t0, t1;
	struct notif_buf b;
	struct nchild nc;
	struct freeze *f;
	pid_t pid = 0;
	int r;

	(void)arg;
	if (notif_child(vfork_exec_body, &nc) < 0 || notif_buf_alloc(&b) < 0)
		FAIL("cannot start the child");
	if (notif_recv(nc.listener, &b) < 0)
		FAIL("notif_recv: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = freeze_begin(getpid(), (pid_t)b.req->pid, 2000, NULL, &f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0 || freeze_count(f) != 2)
		FAIL("freeze_begin: %s, %zu tasks", strerror(-r), r < 0 ? 0 : freeze_count(f));
	if (t1.tv_sec - t0.tv_sec >= 1)
		FAIL("the freeze waited for the vfork parent");
	notif_respond(nc.listener, &b, b.req->id, 0, 0, true);
	r = freeze_wait_exec(f, 5000, &pid);
	if (r != FREEZE_EXEC_DONE || pid != (pid_t)b.req->pid)
		FAIL("freeze_wait_exec: %d, pid %d", r, (int)pid);
	freeze_end(f);
	r = reap(nc.pid);
	if (r != 0)
		FAIL("the vfork parent exited %d", r);
	return 0;
}

CASE(exec_from_non_leader)
CASE(exec_from_vfork_child)
CASE(failed_exec)
CASE(denied_exec)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_and_grandchild),
		cmocka_unit_test(test_forks_during_freeze),
		cmocka_unit_test(test_cached_walk_finds_everyone),
		cmocka_unit_test(test_stopped_task_stays_stopped),
		cmocka_unit_test(test_signal_waits_for_thaw),
		cmocka_unit_test(test_vfork_parent),
		cmocka_unit_test(test_nondumpable_fails_cleanly),
		cmocka_unit_test(test_exec_from_non_leader),
		cmocka_unit_test(test_exec_from_vfork_child),
		cmocka_unit_test(test_failed_exec),
		cmocka_unit_test(test_denied_exec),
	};
	return cmocka_run_group_tests_name("freeze", tests, NULL, NULL);
}
