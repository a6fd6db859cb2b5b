/* seccomp user notification plumbing (core/notif.c) against the real
 * kernel: a forked child loads the notification filter and hands us the
 * listener over a socketpair; we answer its requests and check what the
 * child observed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "fdpass_kt.h"
#include "kt.h"
#include "notif.h"

struct peer {
	pid_t pid;
	int listener;
	int status; /* the child's exit status once reaped */
};

/* Forks a child that notifies `nr` and then runs body(); the child exits
 * with body's result.  Fills p with the listener. */
static int start(struct peer *p, int nr, int (*body)(void))
{
	struct seccomp_filter f;
	int sv[2];

	if (notif_filter_build(&nr, 1, &f) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
							     0, sv) < 0)
		return -1;
	fflush(NULL);
	p->pid = fork();
	if (p->pid == 0) {
		int l;

		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		l = notif_filter_apply(&f);
		if (l < 0 || kt_send_fd(sv[1], l) < 0)
			_exit(91);
		close(l);
		_exit(body());
	}
	close(sv[1]);
	seccomp_filter_release(&f);
	p->listener = kt_recv_fd(sv[0]);
	close(sv[0]);
	return p->listener < 0 ? -1 : 0;
}

static int finish(struct peer *p)
{
	int st;

	close(p->listener);
	if (waitpid(p->pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int call_getppid_expect_eperm(void)
{
	errno = 0;
	return syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 1;
}

static void test_deny_reaches_caller(void **state)
{
	struct peer p;
	struct notif_buf b;

	(void)state;
	assert_int_equal(start(&p, SYS_getppid, call_getppid_expect_eperm), 0);
	assert_int_equal(notif_buf_alloc(&b), 0);
	assert_int_equal(notif_recv(p.listener, &b), 0);
	assert_int_equal(b.req->data.nr, SYS_getppid);
	assert_int_equal((pid_t)b.req->pid, p.pid);
	assert_int_equal(notif_id_valid(p.listener, b.req->id), 0);
	assert_int_equal(notif_respond(p.listener, &b, b.req->id, 0, EPERM, false), 0);
	notif_buf_free(&b);
	assert_int_equal(finish(&p), 0);
}

static int call_getppid_expect_4242(void)
{
	return syscall(SYS_getppid) == 4242 ? 0 : 1;
}

static void test_value_reaches_caller(void **state)
{
	struct peer p;
	struct notif_buf b;

	(void)state;
	assert_int_equal(start(&p, SYS_getppid, call_getppid_expect_4242), 0);
	assert_int_equal(notif_buf_alloc(&b), 0);
	assert_int_equal(notif_recv(p.listener, &b), 0);
	assert_int_equal(notif_respond(p.listener, &b, b.req->id, 4242, 0, false), 0);
	notif_buf_free(&b);
	assert_int_equal(finish(&p), 0);
}

/* The string ends exactly at the end of a page followed by an unmapped
 * page: a reader that reads past the page would fail with EFAULT. */
static char *edge_string;

static int open_edge_string(void)
{
	int fd = openat(AT_FDCWD, edge_string, O_RDONLY);

	return fd == -1 && errno == ENOENT ? 0 : 1;
}

static void test_read_str_at_page_edge(void **state)
{
	char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *s = "/nonexistent/sandlock-edge";
	size_t len = strlen(s) + 1;
	struct peer p;
	struct notif_buf b;
	char got[4096];

	(void)state;
	assert_ptr_not_equal(map, MAP_FAILED);
	munmap(map + 4096, 4096);
	edge_string = map + 4096 - len;
	memcpy(edge_string, s, len);
	assert_int_equal(start(&p, SYS_openat, open_edge_string), 0);
	assert_int_equal(notif_buf_alloc(&b), 0);
	assert_int_equal(notif_recv(p.listener, &b), 0);
	assert_int_equal(notif_read_str((pid_t)b.req->pid, b.req->data.args[1], got, sizeof(got)),
			 (ssize_t)len - 1);
	assert_string_equal(got, s);
	/* One byte further is unmapped: EFAULT, never a partial success. */
	assert_int_equal(notif_read((pid_t)b.req->pid, b.req->data.args[1], got, len + 1),
			 -EFAULT);
	assert_int_equal(notif_id_valid(p.listener, b.req->id), 0);
	assert_int_equal(notif_respond(p.listener, &b, b.req->id, 0, ENOENT, false), 0);
	notif_buf_free(&b);
	assert_int_equal(finish(&p), 0);
	munmap(map, 4096);
}

static int open_devnull_expect_fd(void)
{
	char buf[64];
	ssize_t n;
	int fd = openat(AT_FDCWD, "/nonexistent/sandlock-addfd", O_RDONLY);

	/* We were handed a pipe's read end holding "addfd". */
	if (fd < 0)
		return 1;
	n = read(fd, buf, sizeof(buf));
	return n == 5 && memcmp(buf, "addfd", 5) == 0 ? 0 : 2;
}

static void test_addfd_send_injects(void **state)
{
	struct peer p;
	struct notif_buf b;
	int pfd[2];

	(void)state;
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	assert_int_equal(write(pfd[1], "addfd", 5), 5);
	close(pfd[1]);
	assert_int_equal(start(&p, SYS_openat, open_devnull_expect_fd), 0);
	assert_int_equal(notif_buf_alloc(&b), 0);
	assert_int_equal(notif_recv(p.listener, &b), 0);
	assert_true(notif_addfd_send(p.listener, b.req->id, pfd[0], O_CLOEXEC) >= 0);
	close(pfd[0]);
	notif_buf_free(&b);
	assert_int_equal(finish(&p), 0);
}

static int call_getppid_then_exit(void)
{
	syscall(SYS_getppid);
	return 0;
}

/* A request whose caller was killed is no longer valid: what we read from a
 * recycled pid must not be acted on. */
static void test_id_invalid_after_caller_dies(void **state)
{
	struct peer p;
	struct notif_buf b;

	(void)state;
	assert_int_equal(start(&p, SYS_getppid, call_getppid_then_exit), 0);
	assert_int_equal(notif_buf_alloc(&b), 0);
	assert_int_equal(notif_recv(p.listener, &b), 0);
	kill(p.pid, SIGKILL);
	waitpid(p.pid, NULL, 0);
	assert_int_equal(notif_id_valid(p.listener, b.req->id), -ENOENT);
	assert_int_equal(notif_respond(p.listener, &b, b.req->id, 0, EPERM, false), -ENOENT);
	notif_buf_free(&b);
	close(p.listener);
}

static int call_getppid_after_listener_closed(void)
{
	/* Give the parent time to close the listener first. */
	usleep(100 * 1000);
	errno = 0;
	return syscall(SYS_getppid) == -1 && errno == ENOSYS ? 0 : 1;
}

/* When the supervisor is gone, a supervised syscall fails: it never runs
 * unchecked (ATTACKS.md 15). */
static void test_closed_listener_fails_syscall(void **state)
{
	struct peer p;

	(void)state;
	assert_int_equal(start(&p, SYS_getppid, call_getppid_after_listener_closed), 0);
	assert_int_equal(finish(&p), 0);
}

static void test_filter_build_bounds(void **state)
{
	int nrs[NOTIF_MAX_SYSCALLS + 1] = { 0 };
	struct seccomp_filter f;

	(void)state;
	assert_int_equal(notif_filter_build(nrs, 0, &f), -EINVAL);
	assert_int_equal(notif_filter_build(nrs, NOTIF_MAX_SYSCALLS + 1, &f), -EINVAL);
	assert_int_equal(notif_filter_build(nrs, NOTIF_MAX_SYSCALLS, &f), 0);
	assert_int_equal(f.len, NOTIF_MAX_SYSCALLS + 5);
	seccomp_filter_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_reaches_caller),
		cmocka_unit_test(test_value_reaches_caller),
		cmocka_unit_test(test_read_str_at_page_edge),
		cmocka_unit_test(test_addfd_send_injects),
		cmocka_unit_test(test_id_invalid_after_caller_dies),
		cmocka_unit_test(test_closed_listener_fails_syscall),
		cmocka_unit_test(test_filter_build_bounds),
	};
	return cmocka_run_group_tests_name("notif", tests, NULL, NULL);
}
