/* The opener's confinement claims (core/opener.h), on the real kernel:
 * landlock_restrict_self(), PR_SET_NO_NEW_PRIVS, capset(2) and the umask
 * of an unshared fs_struct apply to the opener thread only, and a thread
 * that cannot confine itself never runs a job.  Also: a job blocked in an
 * open is interrupted once its request is gone. */
#define _GNU_SOURCE
#include "test_holes.h"

#include <linux/capability.h>
#include <pthread.h>
#include <time.h>

static char outside[64]; /* a directory the ruleset does not grant */
static pid_t stray;      /* a child a failed test may leave behind */

static int setup(void **state)
{
	(void)state;
	snprintf(outside, sizeof(outside), "/tmp/sl-outside.XXXXXX");
	if (!mkdtemp(outside) || chmod(outside, 0755) < 0)
		return -1;
	return hfix_setup(state);
}

static int teardown(void **state)
{
	if (stray > 0) {
		kill(stray, SIGKILL);
		waitpid(stray, NULL, 0);
		stray = 0;
	}
	nftw(outside, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return hfix_teardown(state);
}

static int read_first(void *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = read(fd, &c, 1) == 1 ? 0 : -EIO;
	close(fd);
	return r;
}

/* Landlock: the opener thread is confined, the thread that started it is
 * not. */
static void test_landlock_per_thread(void **state)
{
	char in[PATH_MAX], out[PATH_MAX];
	int fd;

	(void)state;
	snprintf(in, sizeof(in), "%s", fx("pub/ok.txt"));
	snprintf(out, sizeof(out), "%s/f", outside);
	fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	assert_int_equal(opener_call(hf.opener, read_first, out, NULL, NULL), -EACCES);
	assert_int_equal(opener_call(hf.opener, read_first, in, NULL, NULL), 0);
	assert_int_equal(read_first(out), 0);
}

static int get_nnp(void *arg)
{
	(void)arg;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

static void test_nnp_per_thread(void **state)
{
	(void)state;
	assert_int_equal(opener_call(hf.opener, get_nnp, NULL, NULL, NULL), 1);
	assert_int_equal(get_nnp(NULL), 0);
}

/* Effective and permitted capabilities, OR-ed (0 when none). */
static int get_caps(void *arg)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	(void)arg;
	if (sys_capget(&h, d) < 0)
		return -1;
	return (d[0].effective | d[1].effective | d[0].permitted | d[1].permitted) != 0;
}

static void test_caps_per_thread(void **state)
{
	(void)state;
	assert_int_equal(opener_call(hf.opener, get_caps, NULL, NULL, NULL), 0);
	/* As root the other threads keep theirs. */
	assert_int_equal(get_caps(NULL), geteuid() == 0);
}

static int set_umask(void *arg)
{
	(void)arg;
	umask(077);
	return (int)umask(077);
}

static void test_umask_per_thread(void **state)
{
	mode_t mine = umask(022);

	(void)state;
	assert_int_equal(opener_call(hf.opener, set_umask, NULL, NULL, NULL), 077);
	assert_int_equal(umask(mine), 022);
}

/* A ruleset fd that is no ruleset: the thread cannot confine itself, and
 * the opener refuses to start rather than run jobs unconfined. */
static void test_confine_failure(void **state)
{
	struct diag d = { { 0 } };
	struct opener *o = NULL;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_true(opener_start(p[0], &o, &d) < 0);
	assert_null(o);
	assert_non_null(strstr(d.msg, "cannot confine"));
	close(p[0]);
	close(p[1]);
}

static int open_fifo(void *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? -errno : 0;
}

static bool gone(void *ctx)
{
	(void)ctx;
	return false;
}

/* An open that blocks (a FIFO with no writer) for a request that is gone
 * fails with EINTR instead of holding the thread forever. */
static void test_interrupt_blocked(void **state)
{
	char fifo[PATH_MAX];
	struct timespec t0, t1;

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s", fx("pub/fifo"));
	assert_int_equal(mkfifo(fifo, 0644), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(opener_call(hf.opener, open_fifo, fifo, gone, NULL), -EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	/* The thread is free again. */
	assert_int_equal(opener_call(hf.opener, get_nnp, NULL, NULL, NULL), 1);
}

/* The same through the handler: the child blocks opening a FIFO and is
 * killed; the supervisor gets its thread back and the serve loop ends. */
static int c_blocked_then_killed(void *arg)
{
	(void)arg;
	alarm(1);
	open(fx("pub/fifo"), O_RDONLY);
	return 0; /* not reached: SIGALRM kills it */
}

static void test_killed_while_blocked(void **state)
{
	struct timespec t0, t1;

	(void)state;
	assert_int_equal(mkfifo(fx("pub/fifo"), 0644), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_confined(c_blocked_then_killed, NULL), 128 + SIGALRM);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 4);
	assert_int_equal(opener_call(hf.opener, get_nnp, NULL, NULL, NULL), 1);
}

/* ---- /dev/tty ------------------------------------------------------------ */

static int c_tty_session(void *arg)
{
	(void)arg;
	KT_EXPECT_OK(open("/dev/tty", O_RDWR | O_CLOEXEC));
	return 0;
}

static int c_tty_setsid(void *arg)
{
	(void)arg;
	KT_EXPECT_OK(setsid());
	KT_EXPECT_ERRNO(open("/dev/tty", O_RDWR | O_CLOEXEC), ENXIO);
	return 0;
}

/* /dev/tty names the opener's controlling terminal, not the caller's: a
 * sandboxed process that left the session (setsid) must not get the
 * terminal of sandlock's session through it.  The runner here is a
 * session leader with a pty as its terminal, like an interactive sandlock. */
static void test_dev_tty(void **state)
{
	int st;
	pid_t p;

	(void)state;
	fflush(NULL);
	p = fork();
	if (p == 0) {
		struct diag d = { { 0 } };
		int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

		if (m < 0 || grantpt(m) || unlockpt(m) || setsid() < 0)
			_exit(80);
		if (open(ptsname(m), O_RDWR | O_CLOEXEC) < 0) /* our controlling terminal */
			_exit(81);
		/* The fork has no opener threads: start ours here. */
		if (opener_start(hf.ruleset, &hf.opener, &d) < 0)
			_exit(82);
		hf.fs.opener = hf.opener;
		_exit(run_confined(c_tty_session, NULL) ? 83 : run_confined(c_tty_setsid, NULL) ? 84 : 0);
	}
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- sandlock's own /proc entries -------------------------------------- */

struct verdict_of {
	const char *path;
	int expect;
	int r;
	const char *why;
};

/* In an opener thread: resolves and judges x->path as a handler would. */
static int judge_path(void *arg)
{
	struct verdict_of *x = arg;
	struct opener_verdict v = { .hole = -1 };
	int m = opener_resolve(AT_FDCWD, x->path, 0, 0);

	if (m < 0)
		return m;
	x->r = opener_judge(&hf.holes, m, HOLES_REACH, &v);
	x->why = v.why;
	close(m);
	return 0;
}

static void *sleeper(void *arg)
{
	*(volatile pid_t *)arg = gettid();
	for (;;)
		pause();
	return NULL;
}

/* With /proc granted, Landlock no longer stops an opener thread from
 * reading sandlock's own /proc/self (reached through a symlink the sandbox
 * made): the judge must, for every thread of sandlock. */
static void test_own_proc_refused(void **state)
{
	struct policy p;
	struct landlock_plan plan;
	struct diag d = { { 0 } };
	volatile pid_t other = 0;
	char path[64], theirs[64];
	pthread_t t;
	pid_t child;
	int rs;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_path(&p, "/proc", POLICY_READ, (struct policy_origin){ 0 }, &d),
			 0);
	assert_int_equal(landlock_compile(&p, landlock_abi(), true, &plan, &d), 0);
	assert_int_equal(landlock_build(&plan, true, &rs, &d), 0);
	landlock_plan_release(&plan);
	policy_release(&p);
	opener_stop(hf.opener);
	assert_int_equal(opener_start(rs, &hf.opener, &d), 0);
	close(rs);
	assert_int_equal(pthread_create(&t, NULL, sleeper, (void *)&other), 0);
	while (!other)
		usleep(1000);
	child = stray = fork();
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(30);
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)other);
	snprintf(theirs, sizeof(theirs), "/proc/%d/status", (int)child);
	{
		struct verdict_of cases[] = {
			{ "/proc/self/status", -EACCES, 1, NULL },
			{ "/proc/thread-self/environ", -EACCES, 1, NULL },
			{ path, -EACCES, 1, NULL },
			{ "/proc/net/dev", -EACCES, 1, NULL },
			{ "/proc/cpuinfo", 0, 1, NULL },
			{ theirs, 0, 1, NULL },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct verdict_of *c = &cases[i];
			int r = opener_call(hf.opener, judge_path, c, NULL, NULL);

			if (r != 0 || c->r != c->expect || (c->expect != 0) != (c->why != NULL))
				fail_msg("'%s': call %d, verdict %d", c->path, r, c->r);
		}
	}
	pthread_cancel(t);
	pthread_join(t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_landlock_per_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nnp_per_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps_per_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_umask_per_thread, setup, teardown),
		cmocka_unit_test(test_confine_failure),
		cmocka_unit_test_setup_teardown(test_interrupt_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_while_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_proc_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_tty, setup, teardown),
	};
	return cmocka_run_group_tests_name("holes_opener", tests, NULL, NULL);
}
