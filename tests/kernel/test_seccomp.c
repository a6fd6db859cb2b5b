/* The seccomp deny list against real attacks (ATTACKS.md 10, 11, 12):
 * mounts and namespaces, kernel interfaces, other processes' memory,
 * personality, terminal injection, prctl, foreign syscall ABIs; what must
 * keep working; [syscalls] and the deny table.  Sockets are in
 * test_seccomp_net.c, acting on processes outside the sandbox and SysV IPC
 * in test_seccomp_procs.c, set-id files in test_seccomp_setid.c.
 *
 * Calls are also made with garbage in the upper half of 32-bit arguments,
 * which the kernel truncates and a naive 64-bit comparison would miss.  The
 * suite passes as root (where most of these calls would succeed without the
 * filter) and as an unprivileged user. */
#define _GNU_SOURCE
#include "seccomp_kt.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000UL
#endif

/* ---- helpers ---------------------------------------------------------- */

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

/* ---- the program in the simulator (seccomp_kt.h) ------------------------ */

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

/* ---- running the cases -------------------------------------------------- */

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
	expect_compile_error(true, "prlimit64",
			     "syscall 'prlimit64' cannot be relaxed: 'prlimit64(pid other than 0)' "
			     "sets or reads the limits of the user's processes outside the sandbox "
			     "(the supervisor's RLIMIT_NOFILE); getrlimit and setrlimit use pid 0");
	expect_compile_error(true, "fchmodat2",
			     "syscall 'fchmodat2' cannot be relaxed: 'fchmodat2(S_ISUID or "
			     "S_ISGID)' makes set-user-ID or set-group-ID files, which run with "
			     "the sandbox user's rights outside the sandbox (setgid directories "
			     "too)");
}

/* extra_deny takes fchmodat2 by name even where libseccomp cannot name it
 * (core/seccomp_filter.c falls back to its number), and denies it whole. */
static void test_deny_fchmodat2(void **state)
{
	struct policy p;
	struct seccomp_filter f;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_syscall(&p, false, "fchmodat2", (struct policy_origin){ 0 }, &d),
			 0);
	compile_or_fail(&p, &f);
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, 452, 0, 0, 0755), ERR(EPERM));
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_fchmodat, 0, 0, 0755), ALLOW);
	seccomp_filter_release(&f);
	policy_release(&p);
}

/* The relaxable set is exactly the one the policy reference promises. */
static void test_denied_table(void **state)
{
	static const char *const relaxable[] = {
		"perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
		"io_uring_register", "personality", "keyctl", "add_key", "request_key",
		"shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
		"semget", "semop", "semtimedop", "semctl", "ipc",
	};
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_denied_table),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_deny_fchmodat2),
		cmocka_unit_test(test_compile_release),
		cmocka_unit_test(test_sim_foreign_abis),
		cmocka_unit_test(test_sim_personality),
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