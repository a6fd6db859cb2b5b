/* bench/notify_ref: the smallest seccomp user-notification supervisor, the
 * floor that bench/notify measures sandlock's supervisor against.
 *
 * It runs CMD with a filter that sends every connect() to us and answers
 * each one SECCOMP_USER_NOTIF_FLAG_CONTINUE: one RECV and one SEND ioctl per
 * call, no policy, no reading of the caller's memory.  With --on-behalf it
 * does instead, in the same thread, the least that sandlock's design
 * (connect on the caller's behalf) needs: pidfd_open, pidfd_getfd, read the
 * sockaddr, ID_VALID, connect on our copy, SEND its result; no policy, no
 * thread hand-off, no capability juggling.  The child installs
 * the filter (NEW_LISTENER) and hands the listener over a socketpair before
 * it execs CMD; a thread serves the listener, the main thread waits for CMD
 * and exits with its status, which also ends the thread blocked in RECV
 * (a RECV never returns once the last filtered task is gone).
 *
 * With --sync it sets SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP on the listener
 * first (Linux 6.6: the kernel wakes each side on the waker's CPU), as
 * sandlock does.
 *
 * With --open it traps openat() instead of connect() (and --on-behalf does
 * not apply).
 *
 * usage: notify_ref [--on-behalf] [--sync] [--open] CMD [ARGS...]
 * (benchmarks only)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "notify_ref: add this architecture's AUDIT_ARCH"
#endif

/* The syscall that notifies: connect(), or openat() with --open. */
static int trap_nr = __NR_connect;

/* In the child: trap_nr of the native ABI notifies, all else runs. */
static int install_filter(void)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { sizeof(prog) / sizeof(prog[0]), prog };

	prog[3].k = (unsigned)trap_nr;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
}

static int send_fd(int sock, int fd)
{
	char data = 0, ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static bool on_behalf, sync_wake;

/* connect(args[0], args[1], args[2]) done by us on a copy of the socket;
 * fills resp with its result. */
static void connect_for(int listener, const struct seccomp_notif *req,
			struct seccomp_notif_resp *resp)
{
	struct sockaddr_storage ss;
	socklen_t len = (socklen_t)req->data.args[2];
	struct iovec local = { &ss, len }, remote = { (void *)req->data.args[1], len };
	int pidfd = (int)syscall(SYS_pidfd_open, req->pid, 0), fd = -1;

	resp->flags = 0;
	resp->error = -EPERM;
	if (pidfd >= 0)
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)req->data.args[0], 0);
	if (fd >= 0 && len <= sizeof(ss) &&
	    process_vm_readv(req->pid, &local, 1, &remote, 1, 0) == (ssize_t)len &&
	    ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0)
		resp->error = connect(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (pidfd >= 0)
		close(pidfd);
}

/* RECV -> SEND, forever.  The structs are used at their header sizes: this
 * kernel's are no larger (checked in main). */
static void *serve(void *arg)
{
	int listener = *(int *)arg;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			perror("notify_ref: SECCOMP_IOCTL_NOTIF_RECV");
			exit(125);
		}
		resp = (struct seccomp_notif_resp){ .id = req.id,
						    .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
		if (on_behalf)
			connect_for(listener, &req, &resp);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT) {
			perror("notify_ref: SECCOMP_IOCTL_NOTIF_SEND");
			exit(125);
		}
	}
	return NULL;
}

static int sizes_fit(void)
{
	struct seccomp_notif_sizes s;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) < 0)
		return 0;
	return s.seccomp_notif <= sizeof(struct seccomp_notif) &&
	       s.seccomp_notif_resp <= sizeof(struct seccomp_notif_resp);
}

int main(int argc, char **argv)
{
	static int listener;
	int sp[2], st;
	pthread_t t;
	pid_t pid;

	for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argv++, argc--) {
		if (strcmp(argv[1], "--on-behalf") == 0)
			on_behalf = 1;
		else if (strcmp(argv[1], "--sync") == 0)
			sync_wake = 1;
		else if (strcmp(argv[1], "--open") == 0)
			trap_nr = __NR_openat;
		else
			argc = 0;
	}
	if (argc < 2) {
		fputs("usage: notify_ref [--on-behalf] [--sync] [--open] CMD [ARGS...]\n", stderr);
		return 2;
	}
	if (!sizes_fit() || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		fputs("notify_ref: failure: no usable seccomp user notification here\n", stderr);
		return 125;
	}
	pid = fork();
	if (pid == 0) {
		listener = install_filter();
		if (listener < 0 || send_fd(sp[1], listener) < 0)
			_exit(125);
		close(listener);
		execvp(argv[1], argv + 1);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(sp[1]);
	listener = pid < 0 ? -1 : recv_fd(sp[0]);
	/* --sync: the flag sandlock sets (notif_sync_wakeups), so its effect
	 * can be told apart from sandlock's own work. */
	if (listener >= 0 && sync_wake &&
	    ioctl(listener, _IOW('!', 4, __u64), (__u64)1) < 0) {
		perror("notify_ref: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP");
		return 125;
	}
	if (listener < 0 || (errno = pthread_create(&t, NULL, serve, &listener)) != 0) {
		perror("notify_ref: failure to start serving the child's listener");
		return 125;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
