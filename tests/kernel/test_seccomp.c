/* The seccomp deny list against real attacks (ATTACKS.md 7, 10, 11, 12).
 *
 * Every case forks: the child sets no_new_privs, compiles the filter from a
 * policy, loads it, then makes the real call with syscall(2) so that libc
 * cannot substitute another syscall, and asserts the filter's exact errno.
 * Calls are also made with garbage in the upper half of 32-bit arguments,
 * which the kernel truncates and a naive 64-bit comparison would miss.  The
 * suite passes as root (where most of these calls would succeed without the
 * filter) and as an unprivileged user. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include "kt.h"
#include "policy.h"
#include "seccomp_filter.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000UL
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#define HIGH (1UL << 32) /* garbage the kernel drops from an int argument */

/* ---- helpers ---------------------------------------------------------- */

/* The child inherits cmocka's handlers for crash signals, which longjmp
 * back into the test runner: a crashing child would go on to run the rest
 * of the suite.  Crashes must kill the child instead. */
static void default_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* In the child: no_new_privs, compile p, load.  Killed children (SIGSYS)
 * must not leave core files behind. */
static int enter(const struct policy *p)
{
	struct rlimit no_core = { 0, 0 };
	struct seccomp_filter f;
	struct diag d = { { 0 } };
	int r;

	setrlimit(RLIMIT_CORE, &no_core);
	default_signals();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	r = seccomp_filter_compile(p, &f, &d);
	if (r < 0) {
		fprintf(stderr, "seccomp_filter_compile: %s\n", d.msg);
		return 1;
	}
	r = seccomp_filter_apply(&f);
	seccomp_filter_release(&f);
	if (r < 0) {
		fprintf(stderr, "seccomp_filter_apply: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

#define ENTER(p)                  \
	do {                      \
		if (enter(p))     \
			return 1; \
	} while (0)

/* A syscall that must be denied with err, but which, if it succeeded, would
 * have forked: the copy must not go on running the test. */
static int expect_clone_denied(unsigned long flags, int err)
{
	long r = syscall(SYS_clone, flags, NULL, NULL, NULL, 0UL);

	if (r == 0)
		_exit(99);
	if (r > 0 || errno != err) {
		fprintf(stderr, "clone(%#lx): expected %s, got r=%ld errno=%s\n", flags,
			strerrorname_np(err), r, strerrorname_np(errno));
		return 1;
	}
	return 0;
}

/* An unconnected TCP socket and a loopback address with nobody listening. */
static int tcp_socket(struct sockaddr_in *sa)
{
	*sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(9),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* ---- mounts, namespaces ------------------------------------------------ */

static int c_mount(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0UL, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_umount2, "/proc", 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_pivot_root, ".", "."), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_chroot, "/"), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_move_mount, -1, "", -1, "/", 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fsopen, "tmpfs", 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fsmount, -1, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fspick, AT_FDCWD, "/", 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0), EPERM);
	return 0;
}

static int c_unshare_setns(void *arg)
{
	int fd;

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_unshare, CLONE_NEWUSER), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_unshare, CLONE_NEWNS | CLONE_NEWNET), EPERM);
	fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	KT_EXPECT_OK(fd);
	KT_EXPECT_ERRNO(syscall(SYS_setns, fd, CLONE_NEWUTS), EPERM);
	return 0;
}

static int c_clone_ns(void *arg)
{
	static const unsigned long ns[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
					    CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
					    CLONE_NEWNET };

	ENTER(arg);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (expect_clone_denied(ns[i] | SIGCHLD, EPERM))
			return 1;
		if (expect_clone_denied(HIGH | ns[i] | CLONE_FILES | SIGCHLD, EPERM))
			return 1;
	}
	return 0;
}

/* clone3(flags) must fail with err; a copy that got created exits at once. */
static int expect_clone3_denied(uint64_t flags, int err)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca = { .flags = flags, .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &ca, sizeof(ca));

	if (r == 0)
		_exit(99);
	if (r > 0 || errno != err) {
		fprintf(stderr, "clone3(%#llx): expected %s, got r=%ld errno=%s\n",
			(unsigned long long)flags, strerrorname_np(err), r,
			strerrorname_np(errno));
		return 1;
	}
	return 0;
}

/* clone3 flags live in memory the filter cannot read: ENOSYS sends glibc
 * back to clone, whose flags it can. */
static int c_clone3(void *arg)
{
	ENTER(arg);
	if (expect_clone3_denied(CLONE_NEWUSER, ENOSYS) || expect_clone3_denied(0, ENOSYS))
		return 1;
	return 0;
}

/* ---- kernel attack surface --------------------------------------------- */

static int c_kernel_apis(void *arg)
{
	char attr[128] = { 0 };
	char params[120] = { 0 };

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr)), EPERM);
	*(uint32_t *)(attr + 4) = 128; /* perf_event_attr.size */
	KT_EXPECT_ERRNO(syscall(SYS_perf_event_open, attr, 0, -1, -1, 0UL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_userfaultfd, O_CLOEXEC), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_io_uring_setup, 8, params), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_io_uring_register, 0, 0, NULL, 0), EPERM);
	return 0;
}

static int c_keys(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_add_key, "user", "sandlock", "x", 1, -2 /* process */),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 1), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_request_key, "user", "sandlock", NULL, 0), EPERM);
	return 0;
}

static int c_kexec_modules(void *arg)
{
	static const char image[64];
	int fd;

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_init_module, image, sizeof(image), ""), EPERM);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	KT_EXPECT_OK(fd);
	KT_EXPECT_ERRNO(syscall(SYS_finit_module, fd, "", 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_delete_module, "sandlock_none", O_NONBLOCK), EPERM);
	return 0;
}

static int c_io_ports(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_iopl, 3), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioperm, 0x80UL, 1UL, 1), EPERM);
	return 0;
}

static int c_system_state(void *arg)
{
	struct timespec ts = { 0 };
	char buf[64];

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_settimeofday, NULL, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sethostname, "x", 1), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_syslog, 3 /* READ_ALL */, buf, sizeof(buf)), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_reboot, 0, 0, 0, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_swapoff, "/nonexistent"), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_acct, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fanotify_init, 0, 0), EPERM);
	return 0;
}

/* ---- other processes ---------------------------------------------------- */

static int c_ptrace(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, getppid(), NULL, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ptrace, 0 /* TRACEME */, 0, NULL, NULL), EPERM);
	return 0;
}

static int c_process_vm(void *arg)
{
	static char secret[16] = "parent's secret";
	char buf[16];
	struct iovec local = { buf, sizeof(buf) }, remote = { secret, sizeof(secret) };

	ENTER(arg);
	/* fork keeps the layout: secret is at the same address in the parent. */
	KT_EXPECT_ERRNO(syscall(SYS_process_vm_readv, getppid(), &local, 1, &remote, 1, 0),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_process_vm_writev, getppid(), &local, 1, &remote, 1, 0),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_process_madvise, -1, &local, 1, 8 /* MADV_COLD */, 0),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_kcmp, getpid(), getppid(), 0 /* KCMP_FILE */, 0, 0), EPERM);
	return 0;
}

static int c_pidfd_getfd(void *arg)
{
	int pidfd;

	ENTER(arg);
	pidfd = (int)syscall(SYS_pidfd_open, getppid(), 0);
	KT_EXPECT_OK(pidfd);
	KT_EXPECT_ERRNO(syscall(SYS_pidfd_getfd, pidfd, 0, 0), EPERM);
	return 0;
}

static int c_handles(void *arg)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char f[128];
	} h = { .bytes = 128 };
	int mount_id;

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_name_to_handle_at, AT_FDCWD, "/etc/passwd", &h, &mount_id, 0),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_open_by_handle_at, AT_FDCWD, &h, O_RDONLY), EPERM);
	return 0;
}

/* ---- personality, terminal, prctl ------------------------------------- */

static int c_personality(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_personality, ADDR_NO_RANDOMIZE), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_personality, READ_IMPLIES_EXEC), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_personality, PER_LINUX32), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_personality, 0x7fffffffUL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_personality, 0xfffffffeUL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_personality, 0x80000000UL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_personality, HIGH | ADDR_NO_RANDOMIZE), EPERM);
	KT_EXPECT_OK(syscall(SYS_personality, 0xffffffffUL));
	KT_EXPECT_OK(syscall(SYS_personality, PER_LINUX));
	if (syscall(SYS_personality, 0xffffffffUL) & ADDR_NO_RANDOMIZE)
		return 1;
	return 0;
}

static int c_terminal(void *arg)
{
	int ptm, pts;
	char c = 'x';
	int sub = 2; /* TIOCL_SETSEL */
	struct winsize ws;

	ENTER(arg);
	ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	KT_EXPECT_OK(ptm);
	KT_EXPECT_OK(unlockpt(ptm));
	pts = open(ptsname(ptm), O_RDWR | O_NOCTTY | O_CLOEXEC);
	KT_EXPECT_OK(pts);
	KT_EXPECT_ERRNO(syscall(SYS_ioctl, pts, TIOCSTI, &c), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioctl, pts, HIGH | TIOCSTI, &c), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioctl, ptm, TIOCSTI, &c), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioctl, pts, TIOCLINUX, &sub), EPERM);
	KT_EXPECT_OK(syscall(SYS_ioctl, pts, TIOCGWINSZ, &ws));
	return 0;
}

static int c_prctl(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, PR_SET_PTRACER, getppid(), 0, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, PR_SET_SECUREBITS, 0, 0, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, HIGH | PR_SET_SECUREBITS, 0, 0, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, PR_SET_DUMPABLE, 2, 0, 0, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prctl, PR_SET_DUMPABLE, HIGH, 0, 0, 0), EPERM);
	KT_EXPECT_OK(syscall(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0));
	KT_EXPECT_OK(syscall(SYS_prctl, PR_SET_NAME, "sandlock-test", 0, 0, 0));
	return 0;
}

/* ---- sockets ----------------------------------------------------------- */

static int c_socket_families(void *arg)
{
	int sv[2];

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_PACKET, SOCK_RAW, htons(3 /* ETH_P_ALL */)),
			EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
			EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_UNSPEC, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_KEY, SOCK_RAW, 2), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_TIPC, SOCK_RDM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, 200, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, -1, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socketpair, AF_TIPC, SOCK_SEQPACKET, 0, sv), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socketpair, AF_NETLINK, SOCK_RAW, 0, sv), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socketpair, HIGH | AF_UNIX, SOCK_STREAM, 0, sv),
			EAFNOSUPPORT);
	return 0;
}

static int c_socket_raw(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
				IPPROTO_TCP),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_PACKET, htons(3)), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, HIGH | SOCK_RAW, IPPROTO_ICMP), EPERM);
	/* Upper-half garbage matches two deny rules; the first one answers. */
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
	return 0;
}

static int c_netlink(void *arg)
{
	struct if_nameindex *ifs;

	ENTER(arg);
	KT_EXPECT_OK(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	KT_EXPECT_OK(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE));
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT), EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_NETLINK, SOCK_RAW, NETLINK_AUDIT),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_NETLINK, SOCK_RAW, NETLINK_ROUTE),
			EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, HIGH | NETLINK_ROUTE),
			EPROTONOSUPPORT);
	/* glibc's interface enumeration goes through NETLINK_ROUTE. */
	ifs = if_nameindex();
	if (!ifs)
		return 1;
	if_freenameindex(ifs);
	return 0;
}

static int c_udp_denied(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EPERM);
	return 0;
}

static int c_udp_allowed(void *arg)
{
	ENTER(arg);
	KT_EXPECT_OK(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	KT_EXPECT_OK(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
	KT_EXPECT_OK(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	/* Allowing UDP allows neither ping sockets nor UDP-Lite. */
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, HIGH | IPPROTO_UDP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_UDP), EPERM);
	return 0;
}

static int c_non_tcp_stream(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_SCTP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_MPTCP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, 1), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, HIGH | IPPROTO_TCP), EPERM);
	KT_EXPECT_OK(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
	return 0;
}

/* With TCP open both ways Landlock has nothing to enforce, so SCTP no longer
 * escapes anything: the filter lets the kernel answer. */
static int c_non_tcp_stream_open(void *arg)
{
	long r;

	ENTER(arg);
	errno = 0;
	r = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (r < 0 && errno == EPERM)
		return 1;
	r = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (r < 0 && errno == EPERM)
		return 1;
	return 0;
}

static int c_fastopen(void *arg)
{
	struct sockaddr_in sa;
	struct iovec iov = { (void *)"x", 1 };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };
	int fd;

	ENTER(arg);
	fd = tcp_socket(&sa);
	KT_EXPECT_OK(fd);
	KT_EXPECT_ERRNO(syscall(SYS_sendto, fd, "x", 1, MSG_FASTOPEN, &sa, sizeof(sa)), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sendto, fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, &sa,
				sizeof(sa)),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sendmsg, fd, &mh, MSG_FASTOPEN), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sendmmsg, fd, &mm, 1, MSG_FASTOPEN), EPERM);
	/* Without the flag, an unconnected TCP socket just fails to send. */
	KT_EXPECT_ERRNO(syscall(SYS_sendto, fd, "x", 1, MSG_NOSIGNAL, &sa, sizeof(sa)), EPIPE);
	return 0;
}

static int c_fastopen_allowed(void *arg)
{
	struct sockaddr_in sa;
	long r;
	int fd;

	ENTER(arg);
	fd = tcp_socket(&sa);
	KT_EXPECT_OK(fd);
	errno = 0;
	r = syscall(SYS_sendto, fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, &sa, sizeof(sa));
	if (r < 0 && errno == EPERM)
		return 1; /* nobody listens on port 9: ECONNREFUSED is the kernel's */
	return 0;
}

/* ---- foreign ABIs: the process is killed, not answered -------------- */

static long int80_getpid(void)
{
	long r = 20; /* __NR_getpid on i386 */

	/* The kernel zeroes r8-r11 on the way back from int $0x80. */
	__asm__ volatile("int $0x80" : "+a"(r) : : "r8", "r9", "r10", "r11", "memory");
	return r;
}

static int c_int80_plain(void *arg)
{
	(void)arg;
	default_signals();
	return int80_getpid() == getpid() ? 0 : 1;
}

static int c_int80(void *arg)
{
	ENTER(arg);
	int80_getpid();
	return 0; /* survived: an escape */
}

static int c_x32(void *arg)
{
	ENTER(arg);
	syscall(__X32_SYSCALL_BIT | SYS_getpid);
	return 0;
}

static int c_x32_mount(void *arg)
{
	ENTER(arg);
	syscall(__X32_SYSCALL_BIT | SYS_mount, "none", "/tmp", "tmpfs", 0UL, NULL);
	return 0;
}

/* ---- what must keep working --------------------------------------------- */

static void *thread_fn(void *arg)
{
	return arg;
}

static int c_ordinary(void *arg)
{
	struct utsname u;
	int sv[2], st;
	pthread_t t;
	void *ret;
	pid_t pid;

	ENTER(arg);
	KT_EXPECT_OK(getpid());
	KT_EXPECT_OK(uname(&u));
	KT_EXPECT_OK(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	KT_EXPECT_OK(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	KT_EXPECT_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	KT_EXPECT_OK(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	KT_EXPECT_OK(socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
	KT_EXPECT_OK(syscall(SYS_personality, 0xffffffffUL));
	/* glibc's fork uses clone; pthread_create tries clone3 first and must
	 * fall back on ENOSYS. */
	pid = fork();
	KT_EXPECT_OK(pid);
	if (pid == 0)
		_exit(7);
	KT_EXPECT_OK(waitpid(pid, &st, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 1;
	if (pthread_create(&t, NULL, thread_fn, &u) != 0 || pthread_join(t, &ret) != 0 ||
	    ret != &u)
		return 1;
	return 0;
}

static int c_exec_true(void *arg)
{
	char *const argv[] = { (char *)"true", NULL };

	ENTER(arg);
	execv("/bin/true", argv);
	return 1;
}

/* ---- [syscalls] --------------------------------------------------------- */

static int c_extra_deny(void *arg)
{
	struct utsname u;
	char c;

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_uname, &u), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioctl, 0, FIONREAD, &c), EPERM); /* all ioctls now */
	if (expect_clone3_denied(0, EPERM)) /* as asked, no longer ENOSYS */
		return 1;
	KT_EXPECT_ERRNO(syscall(SYS_ptrace, 0, 0, NULL, NULL), EPERM);
	KT_EXPECT_OK(getpid());
	return 0;
}

static int c_extra_allow(void *arg)
{
	ENTER(arg);
	KT_EXPECT_OK(syscall(SYS_personality, ADDR_NO_RANDOMIZE));
	if (!(syscall(SYS_personality, 0xffffffffUL) & ADDR_NO_RANDOMIZE))
		return 1;
	errno = 0;
	if (syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -2 /* process */, 0) < 0 &&
	    errno == EPERM)
		return 1;
	/* Relaxing keyctl relaxes nothing else. */
	KT_EXPECT_ERRNO(syscall(SYS_add_key, "user", "sandlock", "x", 1, -2), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ptrace, 0, 0, NULL, NULL), EPERM);
	return 0;
}

/* ---- the program itself, in a user-space interpreter ------------------ */

/* Runs the filter on sd the way the kernel would, for the instructions
 * libseccomp emits; an unknown instruction is reported as SIM_BAD so the
 * test fails rather than guesses.  This reaches cases the machine cannot
 * produce (the i386 ABI may be disabled) and checks argument patterns over
 * far more values than forking per call allows. */
#define SIM_BAD 0xdeadbeefu

static uint32_t sim_run(const struct seccomp_filter *f, const struct seccomp_data *sd)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (unsigned pc = 0; pc < f->len; pc++) {
		const struct sock_filter *in = &f->insns[pc];

		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k % 4 || in->k > sizeof(*sd) - 4)
				return SIM_BAD;
			memcpy(&a, (const char *)sd + in->k, 4);
			break;
		case BPF_LD | BPF_MEM:
			a = mem[in->k % BPF_MEMWORDS];
			break;
		case BPF_ST:
			mem[in->k % BPF_MEMWORDS] = a;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= in->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += in->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= in->k ? in->jt : in->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & in->k) ? in->jt : in->jf;
			break;
		case BPF_RET | BPF_K:
			return in->k;
		default:
			return SIM_BAD;
		}
	}
	return SIM_BAD;
}

static uint32_t sim_call(const struct seccomp_filter *f, uint32_t arch, int nr, uint64_t a0,
			 uint64_t a1, uint64_t a2)
{
	struct seccomp_data sd = { .nr = nr, .arch = arch, .args = { a0, a1, a2 } };

	return sim_run(f, &sd);
}

#define ALLOW SECCOMP_RET_ALLOW
#define ERR(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))

static void compile_or_fail(const struct policy *p, struct seccomp_filter *f)
{
	struct diag d = { { 0 } };

	if (seccomp_filter_compile(p, f, &d) < 0)
		fail_msg("seccomp_filter_compile: %s", d.msg);
}

static void test_sim_foreign_abis(void **state)
{
	struct policy p = { 0 };
	struct seccomp_filter f;
	const uint32_t kill = SECCOMP_RET_KILL_PROCESS;

	(void)state;
	compile_or_fail(&p, &f);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_getpid, 0, 0, 0), ALLOW);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_mount, 0, 0, 0), ERR(EPERM));
	assert_int_equal(sim_call(&f, AUDIT_ARCH_I386, 20 /* getpid */, 0, 0, 0), kill);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_I386, 21 /* mount */, 0, 0, 0), kill);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_AARCH64, SYS_getpid, 0, 0, 0), kill);
	for (int nr = 0; nr < 512; nr++)
		assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, (int)__X32_SYSCALL_BIT | nr, 0, 0, 0),
				 kill);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, INT32_MIN, 0, 0, 0), kill);
	seccomp_filter_release(&f);
}

/* personality: only the 32-bit values 0 and 0xffffffff pass. */
static void test_sim_personality(void **state)
{
	struct policy p = { 0 };
	struct seccomp_filter f;
	uint64_t v = 0x9e3779b97f4a7c15u;

	(void)state;
	compile_or_fail(&p, &f);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_personality, 0, 0, 0), ALLOW);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_personality, 0xffffffffu, 0, 0),
			 ALLOW);
	for (unsigned i = 0; i < 64; i++) {
		uint64_t bit = (uint64_t)1 << i;

		assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_personality, bit, 0, 0),
				 ERR(EPERM));
		assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_personality,
					  0xffffffffu ^ bit, 0, 0),
				 ERR(EPERM));
	}
	for (int i = 0; i < 100000; i++) {
		v ^= v << 13, v ^= v >> 7, v ^= v << 17; /* xorshift */
		assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_personality, v, 0, 0),
				 ERR(EPERM));
	}
	seccomp_filter_release(&f);
}

/* What socket(family, type, protocol) should get, written independently of
 * the rule tables. */
static uint32_t socket_model(const struct policy *p, uint32_t fam, uint32_t type, uint32_t proto)
{
	bool tcp_open = p->tcp_connect_any && p->tcp_bind_any;
	uint32_t t = type & 0xf;

	if (fam == AF_UNIX)
		return ALLOW;
	if (fam == AF_NETLINK)
		return proto == NETLINK_ROUTE ? ALLOW : ERR(EPROTONOSUPPORT);
	if (fam != AF_INET && fam != AF_INET6)
		return ERR(EAFNOSUPPORT);
	if (t == SOCK_STREAM)
		return tcp_open || proto == 0 || proto == IPPROTO_TCP ? ALLOW : ERR(EPERM);
	if (t == SOCK_DGRAM)
		return p->udp_any && (proto == 0 || proto == IPPROTO_UDP) ? ALLOW : ERR(EPERM);
	if (t == SOCK_SEQPACKET)
		return tcp_open ? ALLOW : ERR(EPERM);
	return ERR(EPERM);
}

static void sim_sockets(const struct policy *p)
{
	static const uint32_t protos[] = { 0, 1, 2, 3, 5, 6, 7, 16, 17, 18, 58, 132, 136, 255, 262,
					   0xffffffffu };
	static const uint32_t flags[] = { 0, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC };
	struct seccomp_filter f;

	compile_or_fail(p, &f);
	for (uint32_t fam = 0; fam < 70; fam++)
		for (uint32_t t = 0; t < 16; t++)
			for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
				for (size_t j = 0; j < sizeof(flags) / sizeof(flags[0]); j++) {
					uint32_t want = socket_model(p, fam, t, protos[i]);
					uint32_t got = sim_call(&f, AUDIT_ARCH_X86_64, SYS_socket,
								fam, t | flags[j], protos[i]);

					if (got != want)
						fail_msg("socket(%u, %#x, %u): got %#x, want %#x",
							 fam, t | flags[j], protos[i], got, want);
					/* Upper-half garbage may never turn a denial
					 * into an allowance. */
					got = sim_call(&f, AUDIT_ARCH_X86_64, SYS_socket,
						       (1ull << 32) | fam, t, protos[i]);
					assert_int_not_equal(got, ALLOW);
				}
	seccomp_filter_release(&f);
}

static void test_sim_sockets(void **state)
{
	const struct policy policies[] = {
		{ 0 },
		{ .udp_any = true },
		{ .tcp_connect_any = true },
		{ .tcp_connect_any = true, .tcp_bind_any = true },
		{ .tcp_connect_any = true, .tcp_bind_any = true, .udp_any = true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		sim_sockets(&policies[i]);
}

/* ---- running the cases -------------------------------------------------- */

struct kcase {
	int (*fn)(void *);
	const struct policy *p;
	int expect; /* the child's exit code, or 128 + signal */
};

static void run_case(void **state)
{
	const struct kcase *c = *state;

	assert_int_equal(kt_fork(c->fn, (void *)c->p), c->expect);
}

/* Without the i386 ABI (CONFIG_IA32_EMULATION off, or ia32_emulation=off:
 * int $0x80 raises #GP) there is nothing to attack, so this is a skip even
 * under SANDLOCK_MUST_WORK; test_sim_foreign_abis still checks the program's
 * arch test. */
static void run_int80(void **state)
{
	if (kt_fork(c_int80_plain, NULL) != 0) {
		fprintf(stderr, "SKIP: the i386 syscall ABI (int $0x80) is disabled in this "
				"kernel; the filter's arch check is covered by the simulator\n");
		skip();
	}
	run_case(state);
}

static struct policy empty;
static struct policy udp_any = { .udp_any = true };
static struct policy tcp_open = { .tcp_connect_any = true, .tcp_bind_any = true };
static struct policy tcp_connect = { .tcp_connect_any = true };
static struct policy deny_p, allow_p;

static int setup_syscall_policies(void **state)
{
	static const char *const deny[] = { "uname", "ioctl", "clone3", "ptrace" };
	static const char *const allow[] = { "personality", "keyctl" };
	struct policy_origin o = { 0 };

	(void)state;
	policy_init(&deny_p);
	policy_init(&allow_p);
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (policy_add_syscall(&deny_p, false, deny[i], o, NULL) < 0)
			return -1;
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		if (policy_add_syscall(&allow_p, true, allow[i], o, NULL) < 0)
			return -1;
	return 0;
}

static int teardown_syscall_policies(void **state)
{
	(void)state;
	policy_release(&deny_p);
	policy_release(&allow_p);
	return 0;
}

/* Compiles a policy with one [syscalls] name and expects message msg. */
static void expect_compile_error(bool allow, const char *name, const char *msg)
{
	struct policy p;
	struct seccomp_filter f;
	struct diag d = { { 0 } };

	policy_init(&p);
	assert_int_equal(policy_add_syscall(&p, allow, name, (struct policy_origin){ 0 }, &d), 0);
	assert_int_equal(seccomp_filter_compile(&p, &f, &d), -EINVAL);
	assert_string_equal(d.msg, msg);
	assert_null(f.insns);
	policy_release(&p);
}

static void test_compile_errors(void **state)
{
	(void)state;
	expect_compile_error(false, "nosuchcall", "unknown syscall 'nosuchcall' in [syscalls] extra_deny");
	expect_compile_error(false, "socketcall", "unknown syscall 'socketcall' in [syscalls] extra_deny");
	expect_compile_error(true, "nosuchcall", "unknown syscall 'nosuchcall' in [syscalls] extra_allow");
	expect_compile_error(true, "ptrace",
			     "syscall 'ptrace' cannot be relaxed: reads and writes other "
			     "processes' memory");
	expect_compile_error(true, "read", "'read' is not denied by default, nothing to allow");
	expect_compile_error(true, "ioctl",
			     "syscall 'ioctl' cannot be relaxed: 'ioctl(TIOCSTI)' injects "
			     "keystrokes into the terminal");
}

/* The relaxable set is exactly the one the policy reference promises. */
static void test_denied_table(void **state)
{
	static const char *const relaxable[] = { "perf_event_open", "userfaultfd",
						  "io_uring_setup", "io_uring_enter",
						  "io_uring_register", "personality",
						  "keyctl", "add_key", "request_key" };
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < seccomp_default_denied_len; i++) {
		const struct seccomp_denied *e = &seccomp_default_denied[i];

		assert_non_null(e->why);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(e->name, seccomp_default_denied[j].name);
		if (!e->relaxable)
			continue;
		n++;
		for (size_t j = 0; j < sizeof(relaxable) / sizeof(relaxable[0]); j++)
			if (strcmp(relaxable[j], e->name) == 0)
				goto found;
		fail_msg("'%s' should not be relaxable", e->name);
found:;
	}
	assert_int_equal(n, sizeof(relaxable) / sizeof(relaxable[0]));
}

/* The largest filter (every optional rule on) fits the kernel's limit, and
 * release leaves a reusable, zeroed struct. */
static void test_compile_release(void **state)
{
	struct policy p = { .udp_any = true };
	struct seccomp_filter f;
	struct diag d = { { 0 } };

	(void)state;
	assert_int_equal(seccomp_filter_compile(&p, &f, &d), 0);
	assert_non_null(f.insns);
	assert_in_range(f.len, 1, 4096);
	seccomp_filter_release(&f);
	assert_null(f.insns);
	assert_int_equal(f.len, 0);
	seccomp_filter_release(&f);
	assert_int_equal(seccomp_filter_apply(&f), -EINVAL);
}

#define KCASE(fn, pol, expect) \
	{ #fn, run_case, NULL, NULL, &(struct kcase){ fn, pol, expect } }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_denied_table),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_compile_release),
		cmocka_unit_test(test_sim_foreign_abis),
		cmocka_unit_test(test_sim_personality),
		cmocka_unit_test(test_sim_sockets),
		KCASE(c_mount, &empty, 0),
		KCASE(c_unshare_setns, &empty, 0),
		KCASE(c_clone_ns, &empty, 0),
		KCASE(c_clone3, &empty, 0),
		KCASE(c_kernel_apis, &empty, 0),
		KCASE(c_keys, &empty, 0),
		KCASE(c_kexec_modules, &empty, 0),
		KCASE(c_io_ports, &empty, 0),
		KCASE(c_system_state, &empty, 0),
		KCASE(c_ptrace, &empty, 0),
		KCASE(c_process_vm, &empty, 0),
		KCASE(c_pidfd_getfd, &empty, 0),
		KCASE(c_handles, &empty, 0),
		KCASE(c_personality, &empty, 0),
		KCASE(c_terminal, &empty, 0),
		KCASE(c_prctl, &empty, 0),
		KCASE(c_socket_families, &empty, 0),
		KCASE(c_socket_families, &tcp_open, 0),
		KCASE(c_socket_raw, &empty, 0),
		KCASE(c_socket_raw, &udp_any, 0),
		KCASE(c_socket_raw, &tcp_open, 0),
		KCASE(c_netlink, &empty, 0),
		KCASE(c_udp_denied, &empty, 0),
		KCASE(c_udp_denied, &tcp_open, 0),
		KCASE(c_udp_allowed, &udp_any, 0),
		KCASE(c_non_tcp_stream, &empty, 0),
		KCASE(c_non_tcp_stream, &tcp_connect, 0),
		KCASE(c_non_tcp_stream_open, &tcp_open, 0),
		KCASE(c_fastopen, &empty, 0),
		KCASE(c_fastopen_allowed, &tcp_connect, 0),
		{ "c_int80", run_int80, NULL, NULL, &(struct kcase){ c_int80, &empty, 128 + SIGSYS } },
		KCASE(c_x32, &empty, 128 + SIGSYS),
		KCASE(c_x32_mount, &empty, 128 + SIGSYS),
		KCASE(c_ordinary, &empty, 0),
		KCASE(c_ordinary, &udp_any, 0),
		KCASE(c_exec_true, &empty, 0),
		KCASE(c_extra_deny, &deny_p, 0),
		KCASE(c_extra_allow, &allow_p, 0),
	};

	return cmocka_run_group_tests(tests, setup_syscall_policies, teardown_syscall_policies);
}
