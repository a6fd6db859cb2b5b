/* Shared by the deny-hole kernel tests (test_holes*.c, ATTACKS.md items 2
 * and 3).  Each case builds a fixture tree, a Landlock ruleset granting it
 * write access, a hole set and an opener confined by that ruleset, then
 * forks a child that enforces the same ruleset, loads a notification
 * filter for the path syscalls and attacks; the runner serves the child's
 * requests with the real handlers (sup_fs_judge), as the supervisor does,
 * and afterwards checks the host: denied content never read, nothing
 * created, renamed or truncated.
 *
 * The fixture lives in a fresh mkdtemp() directory (mode 755) so the same
 * binary runs as root and as uid 65534. */
#ifndef SANDLOCK_TEST_HOLES_H
#define SANDLOCK_TEST_HOLES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass_kt.h"
#include "kt.h"
#include "holes.h"
#include "landlock.h"
#include "notif.h"
#include "opener.h"
#include "policy.h"
#include "sup.h"
#include "sys.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

#define SECRET "TOPSECRET"
#define PUBLIC "public"

static char base[64]; /* the fixture directory */

/* base/rel in one of a few rotating buffers, so a call may take several. */
static inline const char *fx(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", base, rel);
	return b;
}

static inline int put(const char *rel, const char *data)
{
	int fd = open(fx(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

/* The content of base/rel, "" if unreadable. */
static inline const char *get(const char *rel)
{
	static char buf[256];
	int fd = open(fx(rel), O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static inline bool exists(const char *rel)
{
	struct stat st;

	return lstat(fx(rel), &st) == 0;
}

/* Inside a child: reads fd whole; 1 (and the test fails) if the secret
 * came out, which is the escape this suite exists to catch. */
static inline int leaked(int fd)
{
	char buf[64] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	return n > 0 && strstr(buf, SECRET) != NULL;
}

/* ---- the fixture -------------------------------------------------------- */

/*  base/
 *    pub/ok.txt           "public"            allowed
 *    hole.txt             "TOPSECRET"         file hole
 *    secret/key           "TOPSECRET"         directory hole
 *    secret/sub/deep      "TOPSECRET"
 *    nest/inner/hole2.txt "TOPSECRET"         a hole two levels down
 *    hard_pre             hardlink of hole.txt, made before the start
 *    sym_pre -> hole.txt, sym_dir -> secret, chain1 -> chain2 -> sym_pre
 */
struct hfix {
	struct holes holes;
	struct opener *opener;
	struct sup_fs fs;
	int ruleset;
};

static struct hfix hf;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static inline int make_tree(void)
{
	snprintf(base, sizeof(base), "/tmp/sl-holes.XXXXXX");
	if (!mkdtemp(base) || chmod(base, 0755) < 0)
		return -1;
	if (mkdir(fx("pub"), 0755) || mkdir(fx("secret"), 0755) ||
	    mkdir(fx("secret/sub"), 0755) || mkdir(fx("nest"), 0755) ||
	    mkdir(fx("nest/inner"), 0755))
		return -1;
	if (put("pub/ok.txt", PUBLIC) || put("hole.txt", SECRET) || put("secret/key", SECRET) ||
	    put("secret/sub/deep", SECRET) || put("nest/inner/hole2.txt", SECRET))
		return -1;
	if (link(fx("hole.txt"), fx("hard_pre")) || symlink("hole.txt", fx("sym_pre")) ||
	    symlink("secret", fx("sym_dir")) || symlink("chain2", fx("chain1")) ||
	    symlink("sym_pre", fx("chain2")))
		return -1;
	return 0;
}

/* A write grant on base (and the system set, for exec), as spawn.c would
 * build it. */
static inline int make_ruleset(int *out)
{
	struct policy p;
	struct landlock_plan plan;
	struct diag d = { { 0 } };
	int r;

	policy_init(&p);
	p.system_set = true;
	r = policy_add_path(&p, base, POLICY_WRITE, (struct policy_origin){ 0 }, &d);
	if (r == 0)
		r = landlock_compile(&p, landlock_abi(), true, &plan, &d);
	if (r == 0) {
		r = landlock_build(&plan, true, out, &d);
		landlock_plan_release(&plan);
	}
	policy_release(&p);
	if (r < 0)
		fprintf(stderr, "ruleset: %s\n", d.msg);
	return r;
}

static inline int hfix_setup(void **state)
{
	struct diag d = { { 0 } };
	static const char *const denied[] = { "secret", "hole.txt", "nest/inner/hole2.txt" };

	(void)state;
	memset(&hf, 0, sizeof(hf));
	holes_init(&hf.holes);
	hf.holes.hide_stat = true;
	if (make_tree() < 0 || make_ruleset(&hf.ruleset) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (holes_add(&hf.holes, fx(denied[i]), (struct policy_origin){ 0 }, i, &d) < 0) {
			fprintf(stderr, "holes_add: %s\n", d.msg);
			return -1;
		}
	if (opener_start(hf.ruleset, &hf.opener, &d) < 0) {
		fprintf(stderr, "opener_start: %s\n", d.msg);
		return -1;
	}
	hf.fs = (struct sup_fs){ &hf.holes, hf.opener };
	return 0;
}

static inline int hfix_teardown(void **state)
{
	(void)state;
	if (hf.opener)
		opener_stop(hf.opener);
	holes_release(&hf.holes);
	if (hf.ruleset >= 0)
		close(hf.ruleset);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- the child and its supervisor --------------------------------------- */

/* The notification filter for nrs, as the supervisor builds it; returns
 * the listener or -errno. */
static inline int filter_apply(const int *nrs, size_t n)
{
	struct seccomp_filter f;
	int r = notif_filter_build(nrs, n, &f);

	if (r == 0) {
		r = notif_filter_apply(&f);
		seccomp_filter_release(&f);
	}
	return r;
}

/* What a served request does: the real handler by default. */
typedef void (*serve_fn)(struct sup_call *c);

static inline void serve_path(struct sup_call *c)
{
	sup_fs_judge(c, &hf.fs);
}

/* Answers the child's requests with fn until it has exited; returns its
 * exit code (128+signal if killed). */
static inline int serve_child(pid_t pid, int listener, serve_fn fn)
{
	struct supervisor sup;
	struct notif_buf b;
	int st;

	memset(&sup, 0, sizeof(sup));
	sup.listener = listener;
	sup.self = getpid();
	if (notif_buf_alloc(&b) < 0)
		return -1;
	for (;;) {
		struct pollfd pf = { listener, POLLIN, 0 };
		struct sup_call c;

		if (poll(&pf, 1, 20000) <= 0 || !(pf.revents & POLLIN))
			break; /* POLLHUP: the child is gone */
		if (notif_recv(listener, &b) < 0)
			continue;
		c = (struct sup_call){ .sup = &sup, .req = *b.req, .buf = &b };
		fn(&c);
		if (!c.replied)
			sup_fail(&c, EPERM, "test: no verdict");
	}
	/* Answers still on their way use sup, on this stack. */
	opener_drain(hf.opener);
	notif_buf_free(&b);
	close(listener);
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs body(arg) in a child confined by the fixture's ruleset, with every
 * path syscall supervised, served by fn.  Returns its exit code. */
static inline int run_confined_with(int (*body)(void *), void *arg, serve_fn fn)
{
	int nrs[96], sv[2], n = sup_fs_syscalls(&hf.holes, nrs, 96);
	pid_t pid;

	if (n <= 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (fn != serve_path) /* the exec tests supervise execve too */
		nrs[n++] = SYS_execve;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS };
		int l;

		for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
			signal(crash[i], SIG_DFL);
		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || landlock_apply(hf.ruleset) < 0)
			_exit(90);
		l = filter_apply(nrs, (size_t)n);
		if (l < 0 || kt_send_fd(sv[1], l) < 0)
			_exit(91);
		close(l);
		close(sv[1]);
		_exit(body(arg));
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	n = kt_recv_fd(sv[0]);
	close(sv[0]);
	if (n < 0) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return serve_child(pid, n, fn);
}

static inline int run_confined(int (*body)(void *), void *arg)
{
	return run_confined_with(body, arg, serve_path);
}

/* The host side after an attack: every hole still holds the secret. */
static inline void assert_holes_intact(void)
{
	assert_string_equal(get("hole.txt"), SECRET);
	assert_string_equal(get("secret/key"), SECRET);
	assert_string_equal(get("secret/sub/deep"), SECRET);
	assert_string_equal(get("nest/inner/hole2.txt"), SECRET);
	assert_string_equal(get("hard_pre"), SECRET);
}

#define HOLES_TEST(fn) cmocka_unit_test_setup_teardown(fn, hfix_setup, hfix_teardown)

#endif
