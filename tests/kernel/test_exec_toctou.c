/* ATTACKS.md 13 for real: a filtered child execs a command whose argv
 * another task rewrites in a tight loop, between "echo SAFE" and "curl
 * evil", under the deny pattern "curl *".  The decision must hold for the
 * argv that actually runs: every exec that ran must have run with an argv
 * that was judged allowed, and no denied argv may ever run.
 *
 * Harness: each case forks a child that loads the notification filter for
 * execve and execve at (the listener comes to us by pidfd_getfd); we serve
 * it with the real handler, sup_exec_judge(), on a struct supervisor built
 * here (no policy parsing involved), with a sink that records each
 * decision.  The child forks one attacker per exec; the exec target is this
 * test binary in a helper mode that prints its whole argv (echo would not
 * show argv[0]) on a pipe we read.  Per exec, exactly one decision and at
 * most one printed line: the printed lines must be, in order, exactly the
 * argvs judged allowed.
 *
 * Attackers: (a) another thread, (b) the exec'ing thread is not the leader
 * and the leader rewrites, (c) a CLONE_VM sibling process, (d) a process
 * sharing the strings through MAP_SHARED.  All four are frozen during the
 * check, so the post-exec comparison never has to kill.  (e) A writer the
 * freeze cannot stop (a thread of the supervisor itself, with
 * process_vm_writev: what an asynchronous I/O completing into the argv
 * would do) shows the post-exec comparison holding on its own. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
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
#include <sys/uio.h>
#include <time.h>
#include <cmocka.h>

#include "decide_exec.h"
#include "kt.h"
#include "notif.h"
#include "proctree.h"
#include "sup.h"
#include "sys.h"

/* The handler's entry point (core/sup_exec.c). */
void sup_exec_judge(struct sup_call *c, const struct exec_rules *r);

#define HELPER_ENV "SANDLOCK_TOCTOU_HELPER=1"
#define ITERATIONS 400
#define MAX_EVENTS (ITERATIONS + 16)
#define FIXED_ADDR ((void *)0x7e5a00000000UL) /* (e): the same in every attacker */
#define FAIL(...)                             \
	do {                                  \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr);          \
		return 1;                     \
	} while (0)

enum attacker { A_THREAD, A_NON_LEADER, A_CLONE_VM, A_SHARED, A_OUTSIDE };

/* Counts kept by the filtered child, read by us at the end. */
struct shared {
	unsigned ran, denied, killed, other;
	volatile pid_t target; /* (e): the attacker exec'ing now */
	volatile int stop;
};

static struct shared *sh;
static uint64_t word_echo, word_curl, word_safe, word_evil;

static void words_init(void)
{
	memcpy(&word_echo, "echo\0\0\0", 8);
	memcpy(&word_curl, "curl\0\0\0", 8);
	memcpy(&word_safe, "SAFE\0\0\0", 8);
	memcpy(&word_evil, "evil\0\0\0", 8);
}

/* ---- the attacker (in the filtered child) ----------------------------- */

/* Each string flips whole (an aligned 8-byte store), the pair does not:
 * "curl SAFE" and "echo evil" are seen too.  Every 256 rounds it yields,
 * in one of the four states in turn, so that it neither starves the
 * supervisor on a small machine nor is always caught in the same state. */
static void flip(volatile uint64_t *w)
{
	for (unsigned n = 1;; n++) {
		w[0] = word_curl;
		w[1] = word_evil;
		w[0] = word_echo;
		w[1] = word_safe;
		if (n % 256 == 0) {
			unsigned k = n / 256;

			w[0] = k & 1 ? word_curl : word_echo;
			w[1] = k & 2 ? word_evil : word_safe;
			sched_yield();
		}
	}
}

static void *flip_thread(void *w)
{
	flip(w);
	return NULL;
}

static pid_t attacker_pid;

/* A rewriter process dies with its attacker, even one that exited (a
 * denied exec) before the rewriter ran at all. */
static void die_with_attacker(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != attacker_pid)
		_exit(0);
}

static int flip_clone(void *w)
{
	die_with_attacker();
	flip(w);
	return 0;
}

static volatile uint64_t *exec_words;

static void do_exec(void)
{
	char *argv[] = { (char *)&exec_words[0], (char *)&exec_words[1], NULL };
	char *envp[] = { (char *)HELPER_ENV, NULL };

	execve("/proc/self/exe", argv, envp);
	_exit(errno == EACCES ? 13 : 14);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	do_exec();
	return NULL;
}

/* One attacker: sets up the strings and the rewriter, then execs. */
static void attack(enum attacker how)
{
	static uint64_t private_words[2] __attribute__((aligned(16)));
	pthread_t t;

	attacker_pid = getpid();
	exec_words = private_words;
	if (how == A_SHARED)
		exec_words = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	else if (how == A_OUTSIDE)
		exec_words = mmap(FIXED_ADDR, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (exec_words == MAP_FAILED)
		_exit(15);
	exec_words[0] = word_echo;
	exec_words[1] = word_safe;
	switch (how) {
	case A_THREAD:
		pthread_create(&t, NULL, flip_thread, (void *)exec_words);
		break;
	case A_NON_LEADER:
		pthread_create(&t, NULL, exec_thread, NULL);
		flip(exec_words);
		break;
	case A_CLONE_VM: {
		char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (stack == MAP_FAILED ||
		    clone(flip_clone, stack + 65536, CLONE_VM | SIGCHLD, (void *)exec_words) < 0)
			_exit(15);
		break;
	}
	case A_SHARED:
		if (fork() == 0) {
			die_with_attacker();
			flip(exec_words);
		}
		break;
	case A_OUTSIDE:
		sh->target = getpid();
		break;
	}
	do_exec();
}

/* The filtered child: one attacker per exec, their fates counted. */
static int attacker_loop(enum attacker how)
{
	for (int i = 0; i < ITERATIONS; i++) {
		pid_t g = fork();
		int st;

		if (g < 0)
			return 1;
		if (g == 0)
			attack(how);
		if (waitpid(g, &st, 0) < 0)
			return 1;
		sh->target = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			sh->ran++;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 13)
			sh->denied++;
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			sh->killed++;
		else
			sh->other++;
	}
	return 0;
}

/* ---- the supervisor's side ------------------------------------------ */

/* A sink keeping, for each decision, its verdict, rule and argv. */
struct rec {
	enum event_verdict verdict;
	char rule[32];
	char argv[64];
};

struct capture {
	struct event_sink sink; /* first: the handler sees this */
	struct rec r[MAX_EVENTS];
	size_t n, errors;
};

static void capture_emit(struct event_sink *s, const struct event *e)
{
	struct capture *c = (struct capture *)s;
	struct rec *r;
	size_t len = 0;

	if (e->kind != EVENT_EXEC || c->n == MAX_EVENTS) {
		c->errors++;
		fprintf(stderr, "unexpected event: %s\n", e->detail ? e->detail : "?");
		return;
	}
	r = &c->r[c->n++];
	r->verdict = e->verdict;
	snprintf(r->rule, sizeof(r->rule), "%s", e->rule ? e->rule : "");
	r->argv[0] = '\0';
	for (size_t i = 0; i < e->exec.argc && len < sizeof(r->argv); i++)
		len += (size_t)snprintf(r->argv + len, sizeof(r->argv) - len, "%s%s", i ? " " : "",
					e->exec.argv[i]);
}

static int capture_close(struct event_sink *s)
{
	(void)s;
	return 0;
}

/* Forks the filtered child running attacker_loop(how) with stdout on out;
 * we take its listener with pidfd_getfd. */
static int start_child(enum attacker how, int out, pid_t *pid)
{
	int nrs[] = { SYS_execve, SYS_execveat }, up[2], down[2], l = -1, pidfd, listener;
	struct seccomp_filter flt;
	char ack = 0;

	if (notif_filter_build(nrs, 2, &flt) < 0 || pipe2(up, O_CLOEXEC) < 0 ||
	    pipe2(down, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	*pid = fork();
	if (*pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(out, STDOUT_FILENO);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		l = notif_filter_apply(&flt);
		if (write(up[1], &l, sizeof(l)) != sizeof(l) || read(down[0], &ack, 1) != 1)
			_exit(91);
		close(l);
		_exit(attacker_loop(how));
	}
	seccomp_filter_release(&flt);
	if (read(up[0], &l, sizeof(l)) != sizeof(l) || l < 0)
		return -1;
	pidfd = sys_pidfd_open(*pid, 0);
	listener = pidfd < 0 ? pidfd : sys_pidfd_getfd(pidfd, l, 0);
	if (pidfd >= 0)
		close(pidfd);
	if (listener < 0 || write(down[1], &ack, 1) != 1)
		return -1;
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	return listener;
}

/* (e): rewrites the attacker's strings from outside the sandbox, where no
 * freeze reaches.  The mapping sits at FIXED_ADDR in every attacker and
 * nowhere in the exec'd helper, so a late write fails harmlessly. */
static void *outside_writer(void *arg)
{
	(void)arg;
	while (!sh->stop) {
		pid_t t = sh->target;
		uint64_t bad[2] = { word_curl, word_evil }, good[2] = { word_echo, word_safe };
		struct iovec remote = { FIXED_ADDR, sizeof(bad) }, lb = { bad, sizeof(bad) },
			     lg = { good, sizeof(good) };

		if (t <= 0) {
			sched_yield();
			continue;
		}
		process_vm_writev(t, &lb, 1, &remote, 1, 0);
		process_vm_writev(t, &lg, 1, &remote, 1, 0);
	}
	return NULL;
}

/* Appends complete lines read from fd to lines[]. */
static void read_lines(int fd, char (*lines)[64], size_t *n, char *part, size_t *plen)
{
	char buf[4096];
	ssize_t got = read(fd, buf, sizeof(buf));

	for (ssize_t i = 0; i < got; i++) {
		if (buf[i] != '\n') {
			if (*plen < 63)
				part[(*plen)++] = buf[i];
			continue;
		}
		part[*plen] = '\0';
		if (*n < MAX_EVENTS)
			snprintf(lines[(*n)++], 64, "%s", part);
		*plen = 0;
	}
}

/* Reaps the attackers' rewriters, orphaned to us (a subreaper) when their
 * attacker exits, as sandlock's main thread does: a pile of zombies would
 * make every /proc walk longer.  Only between two execs, when no thread of
 * ours traces anything (a wait here could take a tracee's report).  Keeps
 * the filtered child's status in *status. */
static void reap_orphans(pid_t child, int *status)
{
	siginfo_t si;

	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
			return;
		if (si.si_pid == child)
			*status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	}
}

/* Serves the listener with the real handler until the child's tree is
 * gone, collecting what the helpers printed. */
static double judge_us; /* time spent judging, for the summary */

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int serve(int listener, int out, struct supervisor *s, const struct exec_rules *rules,
		 char (*lines)[64], size_t *nlines, pid_t child, int *status)
{
	struct notif_buf b;
	char part[64];
	size_t plen = 0;

	if (notif_buf_alloc(&b) < 0)
		return -1;
	for (;;) {
		struct pollfd pf[2] = { { listener, POLLIN, 0 }, { out, POLLIN, 0 } };

		if (poll(pf, 2, 10000) <= 0) {
			fprintf(stderr, "nothing from the child for 10 s after %zu execs\n",
				*nlines);
			return -1;
		}
		if (pf[1].revents & POLLIN)
			read_lines(out, lines, nlines, part, &plen);
		if (pf[0].revents & POLLIN) {
			struct sup_call c = { .sup = s, .buf = &b };

			if (notif_recv(listener, &b) < 0)
				continue;
			c.req = *b.req;
			judge_us -= now_us();
			sup_exec_judge(&c, rules);
			judge_us += now_us();
			if (!c.replied)
				return -1;
			reap_orphans(child, status);
		} else if (pf[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
	}
	while (poll(&(struct pollfd){ out, POLLIN, 0 }, 1, 100) > 0) {
		size_t before = *nlines;

		read_lines(out, lines, nlines, part, &plen);
		if (*nlines == before)
			break;
	}
	notif_buf_free(&b);
	return 0;
}

struct outcome {
	size_t allowed, denied, killed;
};

/* The argv that ran must be exactly the ones judged allowed, in order, and
 * none of them a curl. */
static int check(const struct capture *cap, char (*lines)[64], size_t nlines, struct outcome *o)
{
	size_t k = 0;

	*o = (struct outcome){ 0 };
	for (size_t i = 0; i < cap->n; i++) {
		const struct rec *r = &cap->r[i];

		if (r->verdict == EVENT_ALLOW) {
			if (k >= nlines || strcmp(lines[k], r->argv) != 0)
				FAIL("exec %zu judged '%s' allowed, but ran '%s'", i, r->argv,
				     k < nlines ? lines[k] : "(nothing)");
			k++;
			o->allowed++;
		} else if (strcmp(r->rule, "exec.deny_argv[0]") == 0) {
			if (strncmp(r->argv, "curl ", 5) != 0)
				FAIL("'%s' denied by 'curl *'", r->argv);
			o->denied++;
		} else if (strcmp(r->rule, "exec.verify") == 0) {
			o->killed++;
		} else {
			FAIL("unexpected rule '%s' for '%s'", r->rule, r->argv);
		}
	}
	if (k != nlines)
		FAIL("%zu execs ran, %zu were allowed", nlines, k);
	for (size_t i = 0; i < nlines; i++)
		if (strncmp(lines[i], "curl", 4) == 0)
			FAIL("'%s' ran", lines[i]);
	return 0;
}

static int run(enum attacker how)
{
	static const char *const deny[] = { "curl *" };
	const struct exec_rules rules = { deny, NULL, 1 };
	static char lines[MAX_EVENTS][64];
	static struct capture cap;
	struct supervisor s = { 0 };
	struct outcome o;
	size_t nlines = 0;
	pthread_t writer;
	int pfd[2], listener, st;
	pid_t child;

	words_init();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cap = (struct capture){ .sink = { capture_emit, capture_close } };
	if (sh == MAP_FAILED || pipe2(pfd, O_CLOEXEC) < 0)
		FAIL("setup: %s", strerror(errno));
	listener = start_child(how, pfd[1], &child);
	close(pfd[1]);
	if (listener < 0)
		FAIL("cannot start the filtered child");
	s.listener = listener;
	s.self = getpid();
	s.o.sink = &cap.sink;
	if (how == A_OUTSIDE)
		pthread_create(&writer, NULL, outside_writer, NULL);
	st = -1;
	if (serve(listener, pfd[0], &s, &rules, lines, &nlines, child, &st) < 0)
		FAIL("serving the listener failed");
	sh->stop = 1;
	if (how == A_OUTSIDE)
		pthread_join(writer, NULL);
	while (st == -1 && waitpid(child, &st, 0) == child)
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (st != 0)
		FAIL("the filtered child failed: %d", st);
	if (cap.errors || check(&cap, lines, nlines, &o))
		return 1;
	fprintf(stderr,
		"%zu execs: %zu ran as judged, %zu denied, %zu killed after the exec; "
		"%.0f us per exec judged\n",
		cap.n, o.allowed, o.denied, o.killed, judge_us / (double)(cap.n ? cap.n : 1));
	if (cap.n != ITERATIONS || sh->other)
		FAIL("%zu decisions, %u attackers failed otherwise", cap.n, sh->other);
	if (sh->ran != o.allowed || sh->denied != o.denied || sh->killed != o.killed)
		FAIL("the child saw %u ran, %u denied, %u killed", sh->ran, sh->denied, sh->killed);
	/* Both outcomes, or the rewriting never raced the check. */
	if (o.allowed == 0 || o.denied == 0)
		FAIL("no race: %zu allowed, %zu denied", o.allowed, o.denied);
	/* A frozen rewriter can never make the copy differ. */
	if (how != A_OUTSIDE && o.killed != 0)
		FAIL("%zu execs differed from their check: the freeze let a writer through",
		     o.killed);
	return 0;
}

/* Runs a case as a child subreaper and kills whatever it left. */
static int contained(void *arg)
{
	int r;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = run((enum attacker)(intptr_t)arg);
	for (int round = 0; round < 200; round++) {
		struct timespec ms5 = { 0, 5000000 };

		proctree_kill(getpid());
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		if (waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD)
			return r;
		nanosleep(&ms5, NULL);
	}
	return 1;
}

#define CASE(name, how)                                                           \
	static void test_##name(void **state)                                     \
	{                                                                         \
		(void)state;                                                      \
		assert_int_equal(kt_fork(contained, (void *)(intptr_t)(how)), 0); \
	}
CASE(rewriting_thread, A_THREAD)
CASE(rewriting_leader_non_leader_execs, A_NON_LEADER)
CASE(rewriting_clone_vm_sibling, A_CLONE_VM)
CASE(rewriting_map_shared_peer, A_SHARED)
CASE(rewriting_from_outside_the_freeze, A_OUTSIDE)

/* The exec target: prints its argv on one line, like echo would print
 * everything but argv[0]. */
static int helper(int argc, char **argv)
{
	char line[256];
	size_t len = 0;

	for (int i = 0; i < argc && len < sizeof(line) - 2; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - 1 - len, "%s%s", i ? " " : "",
					argv[i]);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	return write(STDOUT_FILENO, line, len) == (ssize_t)len ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewriting_thread),
		cmocka_unit_test(test_rewriting_leader_non_leader_execs),
		cmocka_unit_test(test_rewriting_clone_vm_sibling),
		cmocka_unit_test(test_rewriting_map_shared_peer),
		cmocka_unit_test(test_rewriting_from_outside_the_freeze),
	};

	if (getenv("SANDLOCK_TOCTOU_HELPER"))
		return helper(argc, argv);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests_name("exec_toctou", tests, NULL, NULL);
}
