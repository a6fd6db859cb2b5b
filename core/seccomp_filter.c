/* The seccomp-bpf deny list (ATTACKS.md 7, 10-12), compiled with libseccomp.
 *
 * The filter's default action is ALLOW: Landlock confines files and TCP
 * ports, and this layer only removes kernel interfaces that would step around
 * Landlock or attack the kernel or other processes.  libseccomp refuses rules
 * whose action equals the default, so every exception ("clone is fine unless a
 * namespace flag is set") is written as the complement set of deny rules.
 *
 * Two libseccomp 2.5.4 facts shape the rules below (both checked by
 * tests/kernel/test_seccomp.c):
 *  - a rule may compare each argument once; a second comparison of the same
 *    argument is silently dropped, so ranges are built from several rules;
 *  - a comparison sees the full 64-bit register, while the kernel truncates
 *    int arguments.  Where the kernel reads 32 bits we compare with
 *    MASKED_EQ 0xffffffff, or deny every value above the largest allowed one,
 *    which also denies garbage in the upper half (fail closed).
 *
 * Foreign ABIs: SCMP_FLTATR_ACT_BADARCH kills the process for any audit arch
 * other than the native one (i386 via int $0x80).  For x86_64, libseccomp
 * 2.5.4 also emits "nr >= __X32_SYSCALL_BIT (except -1) -> bad arch action",
 * so x32 syscalls are killed too; check_x32_guard() refuses a program that
 * lacks that test rather than trusting a future libseccomp. */
#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/ioprio.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"
#include "banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* No IPC namespace: segments, queues and semaphore sets are the host's. */
#define SYSV_WHY                                                                     \
	"SysV IPC is shared with the host and other sandboxes; relax it for programs " \
	"that need it (PostgreSQL: shmget, shmat, shmdt, shmctl)"
/* BPF cannot tell a directory from a file, so setgid directories are refused
 * too. */
#define SETID_WHY                                                                  \
	"makes set-user-ID or set-group-ID files, which run with the sandbox user's " \
	"rights outside the sandbox (setgid directories too)"

/* Entry names with parentheses are argument patterns of a syscall that is
 * otherwise allowed; extra_allow names a whole entry. */
const struct seccomp_denied seccomp_default_denied[] = {
	{ "mount", false, "changes the mount tree that path rules rely on" },
	{ "umount2", false, "changes the mount tree that path rules rely on" },
	{ "pivot_root", false, "changes the root that path rules rely on" },
	{ "chroot", false, "changes the root that path rules rely on" },
	{ "move_mount", false, "changes the mount tree that path rules rely on" },
	{ "open_tree", false, "clones mounts out of the mount tree" },
	{ "fsopen", false, "creates filesystem mounts" },
	{ "fsconfig", false, "configures filesystem mounts" },
	{ "fsmount", false, "creates filesystem mounts" },
	{ "fspick", false, "reconfigures existing mounts" },
	{ "mount_setattr", false, "changes mount flags such as read-only" },
	{ "unshare", false, "creates namespaces, exposing root-only kernel code" },
	{ "setns", false, "joins another process's namespaces" },
	{ "clone(CLONE_NEW*)", false, "creates namespaces, exposing root-only kernel code" },
	{ "clone3", false,
	  "fails with ENOSYS so that libc falls back to clone, whose flags the filter can read" },
	{ "bpf", false, "loads programs into the kernel" },
	{ "perf_event_open", true, "exposes kernel addresses and much exploited kernel code" },
	{ "userfaultfd", true, "stalls kernel page faults, a building block of race exploits" },
	{ "io_uring_setup", true,
	  "runs socket, sendmsg and other calls that this filter never sees" },
	{ "io_uring_enter", true,
	  "runs socket, sendmsg and other calls that this filter never sees" },
	{ "io_uring_register", true,
	  "runs socket, sendmsg and other calls that this filter never sees" },
	{ "keyctl", true, "reaches the user's kernel keyrings, shared outside the sandbox" },
	{ "add_key", true, "reaches the user's kernel keyrings, shared outside the sandbox" },
	{ "request_key", true, "reaches the user's kernel keyrings, shared outside the sandbox" },
	{ "ptrace", false, "reads and writes other processes' memory" },
	{ "process_vm_readv", false, "reads other processes' memory" },
	{ "process_vm_writev", false, "writes other processes' memory" },
	{ "process_madvise", false, "acts on other processes' memory" },
	{ "pidfd_getfd", false, "copies file descriptors out of other processes" },
	{ "kcmp", false, "inspects other processes' kernel objects" },
	{ "open_by_handle_at", false, "opens files by handle, bypassing path checks" },
	{ "name_to_handle_at", false, "makes handles for open_by_handle_at" },
	{ "kexec_load", false, "replaces the running kernel" },
	{ "kexec_file_load", false, "replaces the running kernel" },
	{ "init_module", false, "loads kernel code" },
	{ "finit_module", false, "loads kernel code" },
	{ "delete_module", false, "unloads kernel code" },
	{ "iopl", false, "gives direct access to hardware I/O ports" },
	{ "ioperm", false, "gives direct access to hardware I/O ports" },
	{ "swapon", false, "changes the system's swap" },
	{ "swapoff", false, "changes the system's swap" },
	{ "reboot", false, "reboots the machine" },
	{ "acct", false, "changes system-wide process accounting" },
	{ "syslog", false, "reads the kernel log, which holds kernel addresses" },
	{ "quotactl", false, "changes filesystem quotas" },
	{ "vhangup", false, "hangs up the terminal of other processes" },
	{ "uselib", false, "obsolete library loader" },
	{ "settimeofday", false, "changes the system clock" },
	{ "clock_settime", false, "changes the system clock" },
	{ "clock_adjtime", false, "changes the system clock" },
	{ "adjtimex", false, "changes the system clock" },
	{ "sethostname", false, "changes the host name" },
	{ "setdomainname", false, "changes the domain name" },
	{ "lookup_dcookie", false, "obsolete profiling interface" },
	{ "fanotify_init", false, "watches file activity beyond the sandbox" },
	{ "personality", true,
	  "only PER_LINUX and the query 0xffffffff are allowed; ADDR_NO_RANDOMIZE turns ASLR off" },
	{ "ioctl(TIOCSTI)", false, "injects keystrokes into the terminal" },
	{ "ioctl(TIOCLINUX)", false, "injects keystrokes into the console" },
	{ "setsockopt(IPV6_RTHDR)", false,
	  "an IPv6 routing header sends packets to a first segment no [network] rule judged" },
	{ "setsockopt(IPV6_2292RTHDR)", false, "the older form of IPV6_RTHDR" },
	{ "setsockopt(IPV6_2292PKTOPTIONS)", false, "sets a routing header among other options" },
	{ "prctl(PR_SET_PTRACER)", false, "lets another process ptrace this one" },
	{ "prctl(PR_SET_SECUREBITS)", false, "changes how capabilities survive exec" },
	{ "prctl(PR_SET_DUMPABLE, non-zero)", false,
	  "makes a process the kernel protected traceable again" },
	{ "socket(other families)", false,
	  "fails with EAFNOSUPPORT: only AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK exist in "
	  "the sandbox (no AF_PACKET, AF_ALG, AF_VSOCK...)" },
	{ "socketpair(other families)", false,
	  "fails with EAFNOSUPPORT: only AF_UNIX, AF_INET and AF_INET6 exist in the sandbox" },
	{ "socket(AF_NETLINK, protocol other than NETLINK_ROUTE)", false,
	  "fails with EPROTONOSUPPORT: audit, netfilter and other netlink interfaces reach "
	  "the host" },
	{ "socket(AF_INET*, SOCK_RAW, SOCK_PACKET or another type)", false,
	  "crafts packets that no port rule sees" },
	{ "socket(AF_INET*, SOCK_DGRAM)", false,
	  "UDP is allowed only by [network] udp://* (per-destination UDP needs the supervisor)" },
	{ "socket(AF_INET*, SOCK_DGRAM, protocol other than UDP)", false,
	  "ICMP and other datagram protocols are not covered by udp://*" },
	{ "socket(AF_INET*, non-TCP stream protocol)", false,
	  "SCTP and MPTCP escape Landlock's TCP rules; allowed when TCP connect and bind are "
	  "both unrestricted" },
	{ "sendto(MSG_FASTOPEN)", false,
	  "TCP Fast Open connects without Landlock's connect check; allowed with any TCP connect" },
	{ "sendmsg(MSG_FASTOPEN)", false,
	  "TCP Fast Open connects without Landlock's connect check; allowed with any TCP connect" },
	{ "sendmmsg(MSG_FASTOPEN)", false,
	  "TCP Fast Open connects without Landlock's connect check; allowed with any TCP connect" },
	{ "prlimit64(pid other than 0)", false,
	  "sets or reads the limits of the user's processes outside the sandbox (the "
	  "supervisor's RLIMIT_NOFILE); getrlimit and setrlimit use pid 0" },
	{ "setpriority(other than PRIO_PROCESS, 0)", false,
	  "renices the user's processes outside the sandbox (PRIO_USER, 0 is all of them); "
	  "nice() uses PRIO_PROCESS, 0" },
	{ "ioprio_set(other than IOPRIO_WHO_PROCESS, 0)", false,
	  "changes the I/O priority of the user's processes outside the sandbox" },
	{ "sched_setaffinity(pid other than 0)", false,
	  "moves the user's processes outside the sandbox between CPUs; pthread_setaffinity_np "
	  "is refused too, on any thread, because glibc passes the thread's id (tid != 0)" },
	{ "sched_setscheduler(pid other than 0)", false,
	  "changes the scheduling of the user's processes outside the sandbox; "
	  "pthread_setschedparam is refused too (glibc passes the thread's id)" },
	{ "sched_setparam(pid other than 0)", false,
	  "changes the scheduling of the user's processes outside the sandbox; "
	  "pthread_setschedprio is refused too (glibc passes the thread's id)" },
	{ "sched_setattr(pid other than 0)", false,
	  "changes the scheduling of the user's processes outside the sandbox" },
	{ "migrate_pages(pid other than 0)", false,
	  "moves the memory of the user's processes outside the sandbox between NUMA nodes" },
	{ "move_pages(pid other than 0)", false,
	  "moves or inspects the memory of the user's processes outside the sandbox" },
	{ "shmget", true, SYSV_WHY },
	{ "shmat", true, SYSV_WHY },
	{ "shmdt", true, SYSV_WHY },
	{ "shmctl", true, SYSV_WHY },
	{ "msgget", true, SYSV_WHY },
	{ "msgsnd", true, SYSV_WHY },
	{ "msgrcv", true, SYSV_WHY },
	{ "msgctl", true, SYSV_WHY },
	{ "semget", true, SYSV_WHY },
	{ "semop", true, SYSV_WHY },
	{ "semtimedop", true, SYSV_WHY },
	{ "semctl", true, SYSV_WHY },
	{ "ipc", true, "multiplexes SysV IPC on 32-bit ABIs; " SYSV_WHY },
	{ "chmod(S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "fchmod(S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "fchmodat(S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "fchmodat2(S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "open(O_CREAT or O_TMPFILE, S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "openat(O_CREAT or O_TMPFILE, S_ISUID or S_ISGID)", false,
	  SETID_WHY "; openat2 is not covered: its mode is in memory, out of BPF's reach "
	  "(a known gap until the supervisor checks it)" },
	{ "creat(S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "mknod(S_ISUID or S_ISGID)", false, SETID_WHY },
	{ "mknodat(S_ISUID or S_ISGID)", false, SETID_WHY },
};
const size_t seccomp_default_denied_len = ARRAY_SIZE(seccomp_default_denied);

#define N_DENIED ARRAY_SIZE(seccomp_default_denied)
#define MAX_CMP 3

/* A deny rule: when every comparison holds, fail with err.  entry names the
 * seccomp_default_denied row that extra_allow would relax. */
struct rule {
	const char *entry;
	const char *sys;
	int err;
	unsigned n;
	struct scmp_arg_cmp cmp[MAX_CMP];
};

#define CMP(a, o, x) { .arg = (a), .op = (o), .datum_a = (x) }
#define MASKED(a, mask, val) \
	{ .arg = (a), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask), .datum_b = (val) }
/* The kernel reads this argument as a 32-bit int: ignore the upper half. */
#define LO32(a, val) MASKED(a, 0xffffffffu, val)
#define FLAG(a, f) MASKED(a, f, f)

#define WHOLE(name) { name, name, EPERM, 0, { { 0 } } }
#define CLONE_NS(f) { "clone(CLONE_NEW*)", "clone", EPERM, 1, { FLAG(0, f) } }

/* Argument 0 is a pid_t the kernel reads as 32 bits; NE over all 64 also
 * denies pid 0 with upper-half garbage (fail closed). */
#define OTHER_PID(sys) { sys "(pid other than 0)", sys, EPERM, 1, { CMP(0, SCMP_CMP_NE, 0) } }

/* The kernel's bare __O_TMPFILE bit: glibc's __O_TMPFILE adds O_DIRECTORY,
 * and the kernel applies the mode whenever flags & (O_CREAT | this bit). */
#define TMPFILE_BIT 020000000
/* mode is a umode_t: the kernel reads its low 16 bits, which hold both set-id
 * bits, so upper-half garbage cannot hide them.  One comparison per argument
 * and rule: a rule per bit, and per creating flag. */
#define SETID(sys, m)                                                         \
	{ sys "(S_ISUID or S_ISGID)", sys, EPERM, 1, { FLAG(m, S_ISUID) } }, \
	{ sys "(S_ISUID or S_ISGID)", sys, EPERM, 1, { FLAG(m, S_ISGID) } }
#define CREATE_BIT(sys, f, flag, m) \
	{ sys "(O_CREAT or O_TMPFILE, S_ISUID or S_ISGID)", sys, EPERM, 2, \
	  { FLAG(f, flag), FLAG(m, S_ISUID) } }, \
	{ sys "(O_CREAT or O_TMPFILE, S_ISUID or S_ISGID)", sys, EPERM, 2, \
	  { FLAG(f, flag), FLAG(m, S_ISGID) } }
#define SETID_CREATE(sys, f, m) CREATE_BIT(sys, f, O_CREAT, m), CREATE_BIT(sys, f, TMPFILE_BIT, m)

/* CLONE_NEWTIME is 0x80, inside clone()'s exit-signal byte: the kernel
 * cannot receive it through clone() (only clone3/unshare), and a signal
 * number >= 128 is invalid anyway, so the rule costs nothing. */
static const struct rule fixed_rules[] = {
	WHOLE("mount"), WHOLE("umount2"), WHOLE("pivot_root"), WHOLE("chroot"),
	WHOLE("move_mount"), WHOLE("open_tree"), WHOLE("fsopen"), WHOLE("fsconfig"),
	WHOLE("fsmount"), WHOLE("fspick"), WHOLE("mount_setattr"),
	WHOLE("unshare"), WHOLE("setns"),
	CLONE_NS(CLONE_NEWNS), CLONE_NS(CLONE_NEWCGROUP), CLONE_NS(CLONE_NEWUTS),
	CLONE_NS(CLONE_NEWIPC), CLONE_NS(CLONE_NEWUSER), CLONE_NS(CLONE_NEWPID),
	CLONE_NS(CLONE_NEWNET), CLONE_NS(CLONE_NEWTIME),
	/* clone3 passes its flags in memory, out of BPF's reach. */
	{ "clone3", "clone3", ENOSYS, 0, { { 0 } } },
	WHOLE("bpf"), WHOLE("perf_event_open"), WHOLE("userfaultfd"),
	WHOLE("io_uring_setup"), WHOLE("io_uring_enter"), WHOLE("io_uring_register"),
	WHOLE("keyctl"), WHOLE("add_key"), WHOLE("request_key"),
	WHOLE("ptrace"), WHOLE("process_vm_readv"), WHOLE("process_vm_writev"),
	WHOLE("process_madvise"), WHOLE("pidfd_getfd"), WHOLE("kcmp"),
	WHOLE("open_by_handle_at"), WHOLE("name_to_handle_at"),
	WHOLE("kexec_load"), WHOLE("kexec_file_load"),
	WHOLE("init_module"), WHOLE("finit_module"), WHOLE("delete_module"),
	WHOLE("iopl"), WHOLE("ioperm"), WHOLE("swapon"), WHOLE("swapoff"),
	WHOLE("reboot"), WHOLE("acct"), WHOLE("syslog"), WHOLE("quotactl"),
	WHOLE("vhangup"), WHOLE("uselib"),
	WHOLE("settimeofday"), WHOLE("clock_settime"), WHOLE("clock_adjtime"),
	WHOLE("adjtimex"), WHOLE("sethostname"), WHOLE("setdomainname"),
	WHOLE("lookup_dcookie"), WHOLE("fanotify_init"),
	/* ioctl's cmd is an unsigned int in the kernel. */
	{ "ioctl(TIOCSTI)", "ioctl", EPERM, 1, { LO32(1, TIOCSTI) } },
	{ "ioctl(TIOCLINUX)", "ioctl", EPERM, 1, { LO32(1, TIOCLINUX) } },
	/* An IPv6 routing header (type 4 needs no privilege) sends a socket's
	 * packets to its first segment, an address no [network] rule judged:
	 * the supervisor cannot see a write() on a socket that got one after
	 * its connect was judged. */
	{ "setsockopt(IPV6_RTHDR)", "setsockopt", EPERM, 2,
	  { LO32(1, IPPROTO_IPV6), LO32(2, IPV6_RTHDR) } },
	{ "setsockopt(IPV6_2292RTHDR)", "setsockopt", EPERM, 2,
	  { LO32(1, IPPROTO_IPV6), LO32(2, IPV6_2292RTHDR) } },
	{ "setsockopt(IPV6_2292PKTOPTIONS)", "setsockopt", EPERM, 2,
	  { LO32(1, IPPROTO_IPV6), LO32(2, IPV6_2292PKTOPTIONS) } },
	{ "prctl(PR_SET_PTRACER)", "prctl", EPERM, 1, { LO32(0, PR_SET_PTRACER) } },
	{ "prctl(PR_SET_SECUREBITS)", "prctl", EPERM, 1, { LO32(0, PR_SET_SECUREBITS) } },
	/* The kernel compares arg2 as an unsigned long: any non-zero value. */
	{ "prctl(PR_SET_DUMPABLE, non-zero)", "prctl", EPERM, 2,
	  { LO32(0, PR_SET_DUMPABLE), CMP(1, SCMP_CMP_NE, 0) } },
	/* Processes outside the sandbox: without a PID namespace, the kernel
	 * lets a process act on any other of the same user.  Only "myself" (0)
	 * can be told apart from them without knowing the sandbox's pids. */
	OTHER_PID("prlimit64"), OTHER_PID("sched_setaffinity"), OTHER_PID("sched_setscheduler"),
	OTHER_PID("sched_setparam"), OTHER_PID("sched_setattr"), OTHER_PID("migrate_pages"),
	OTHER_PID("move_pages"),
	/* which and who are ints too: NE over 64 bits, fail closed. */
	{ "setpriority(other than PRIO_PROCESS, 0)", "setpriority", EPERM, 1,
	  { CMP(0, SCMP_CMP_NE, PRIO_PROCESS) } },
	{ "setpriority(other than PRIO_PROCESS, 0)", "setpriority", EPERM, 1,
	  { CMP(1, SCMP_CMP_NE, 0) } },
	{ "ioprio_set(other than IOPRIO_WHO_PROCESS, 0)", "ioprio_set", EPERM, 1,
	  { CMP(0, SCMP_CMP_NE, IOPRIO_WHO_PROCESS) } },
	{ "ioprio_set(other than IOPRIO_WHO_PROCESS, 0)", "ioprio_set", EPERM, 1,
	  { CMP(1, SCMP_CMP_NE, 0) } },
	WHOLE("shmget"), WHOLE("shmat"), WHOLE("shmdt"), WHOLE("shmctl"),
	WHOLE("msgget"), WHOLE("msgsnd"), WHOLE("msgrcv"), WHOLE("msgctl"),
	WHOLE("semget"), WHOLE("semop"), WHOLE("semtimedop"), WHOLE("semctl"), WHOLE("ipc"),
	SETID("chmod", 1), SETID("fchmod", 1), SETID("fchmodat", 2), SETID("fchmodat2", 2),
	SETID("creat", 1), SETID("mknod", 1), SETID("mknodat", 2),
	SETID_CREATE("open", 1, 2), SETID_CREATE("openat", 2, 3),
};

/* What one compile needs; lives on seccomp_filter_compile()'s stack. */
struct build {
	scmp_filter_ctx ctx;
	const struct policy *p;
	struct diag *d;
	bool relaxed[N_DENIED];
};

/* fchmodat2 (Linux 6.6) postdates libseccomp 2.5.4's syscall table: Debian
 * 12's build resolves it, upstream 2.5.4 does not.  Where the name is
 * unknown, use its number for the native arch (the filter kills every other
 * arch); 452 in the unified table of x86_64, i386 and the asm-generic
 * arches.  libseccomp accepts rules on numbers it cannot name. */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__riscv)
#define NR_FCHMODAT2 452
#endif

static int sys_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

#ifdef NR_FCHMODAT2
	if (nr == __NR_SCMP_ERROR && strcmp(name, "fchmodat2") == 0)
		return NR_FCHMODAT2;
#endif
	return nr;
}

static int entry_index(const char *name)
{
	for (size_t i = 0; i < N_DENIED; i++)
		if (strcmp(seccomp_default_denied[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Whether [syscalls] extra_deny names nr; such a syscall gets one
 * unconditional EPERM rule instead of its default argument rules. */
static bool user_denied(const struct build *b, int nr)
{
	for (size_t i = 0; i < b->p->n_sys_deny; i++)
		if (sys_nr(b->p->sys_deny[i]) == nr)
			return true;
	return false;
}

static int add_rule(struct build *b, const char *entry, const char *sys, int err, unsigned n,
		    const struct scmp_arg_cmp *cmp)
{
	int idx = entry_index(entry);
	int nr = sys_nr(sys);
	int r;

	if (idx < 0)
		return diag_set(b->d, "internal error: seccomp rule '%s' has no table entry", entry);
	if (b->relaxed[idx])
		return 0;
	if (nr < 0)
		return 0; /* not a syscall on this architecture: nothing to deny */
	if (user_denied(b, nr))
		return 0;
	r = seccomp_rule_add_exact_array(b->ctx, SCMP_ACT_ERRNO((uint32_t)err), nr, n, cmp);
	if (r < 0)
		return diag_err(b->d, r, "cannot add seccomp rule '%s': %s", entry, strerror(-r));
	return 0;
}

static int add_fixed_rules(struct build *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed_rules); i++) {
		const struct rule *ru = &fixed_rules[i];
		int r = add_rule(b, ru->entry, ru->sys, ru->err, ru->n, ru->cmp);

		if (r < 0)
			return r;
	}
	return 0;
}

/* personality(2) takes an unsigned int; allow only 0 (PER_LINUX) and the
 * query 0xffffffff.  With one comparison per argument and rule, "x not in
 * {0, ~0}" is "some bit of x differs from bit 0": for each bit i >= 1, deny
 * (bit0, bit_i) = (0, 1) and (1, 0).  Upper-half garbage is denied whole. */
static int add_personality_rules(struct build *b)
{
	struct scmp_arg_cmp high = CMP(0, SCMP_CMP_GT, 0xffffffffu);
	int r = add_rule(b, "personality", "personality", EPERM, 1, &high);

	for (unsigned i = 1; i < 32 && r == 0; i++) {
		scmp_datum_t bit = (scmp_datum_t)1 << i;
		struct scmp_arg_cmp lo_set = MASKED(0, bit | 1, bit);
		struct scmp_arg_cmp lo_clear = MASKED(0, bit | 1, 1);

		r = add_rule(b, "personality", "personality", EPERM, 1, &lo_set);
		if (r == 0)
			r = add_rule(b, "personality", "personality", EPERM, 1, &lo_clear);
	}
	return r;
}

/* Denies argument `arg` outside the sorted set ok[] of small values, given
 * the n_pre comparisons in pre[] on other arguments: one EQ rule per value
 * missing below the largest allowed one, and GT for everything above, which
 * includes any value with upper-half bits the kernel would truncate. */
static int deny_not_in(struct build *b, const char *entry, const char *sys, int err,
		       const struct scmp_arg_cmp *pre, unsigned n_pre, unsigned arg,
		       const unsigned *ok, size_t n_ok)
{
	struct scmp_arg_cmp cmp[MAX_CMP];
	unsigned max = ok[n_ok - 1];
	size_t k = 0;
	int r;

	if (n_pre)
		memcpy(cmp, pre, n_pre * sizeof(*cmp));
	for (unsigned v = 0; v < max; v++) {
		if (v == ok[k]) {
			k++;
			continue;
		}
		cmp[n_pre] = (struct scmp_arg_cmp)CMP(arg, SCMP_CMP_EQ, v);
		r = add_rule(b, entry, sys, err, n_pre + 1, cmp);
		if (r < 0)
			return r;
	}
	cmp[n_pre] = (struct scmp_arg_cmp)CMP(arg, SCMP_CMP_GT, max);
	return add_rule(b, entry, sys, err, n_pre + 1, cmp);
}

static const char *inet_type_entry(unsigned type)
{
	if (type == SOCK_DGRAM)
		return "socket(AF_INET*, SOCK_DGRAM)";
	if (type == SOCK_SEQPACKET) /* SCTP one-to-many */
		return "socket(AF_INET*, non-TCP stream protocol)";
	return "socket(AF_INET*, SOCK_RAW, SOCK_PACKET or another type)";
}

/* Types of an AF_INET/AF_INET6 socket the policy allows.  The kernel turns
 * (AF_INET, SOCK_PACKET) into an AF_PACKET socket, hence a list of what is
 * allowed rather than of what is not. */
static bool inet_type_allowed(const struct policy *p, unsigned type)
{
	if (type == SOCK_STREAM)
		return true;
	if (type == SOCK_DGRAM)
		return p->udp_any;
	if (type == SOCK_SEQPACKET)
		return p->tcp_connect_any && p->tcp_bind_any;
	return false;
}

/* socket(AF_INET or AF_INET6, type, protocol).  type carries SOCK_CLOEXEC
 * and SOCK_NONBLOCK above the low nibble the kernel uses as the type. */
static int add_inet_rules(struct build *b, unsigned family)
{
	static const unsigned tcp_protos[] = { 0, IPPROTO_TCP };
	static const unsigned udp_protos[] = { 0, IPPROTO_UDP };
	struct scmp_arg_cmp pre[2] = { LO32(0, family), { 0 } };
	int r = 0;

	for (unsigned type = 0; type < 16 && r == 0; type++) {
		pre[1] = (struct scmp_arg_cmp)MASKED(1, 0xf, type);
		if (!inet_type_allowed(b->p, type))
			r = add_rule(b, inet_type_entry(type), "socket", EPERM, 2, pre);
	}
	if (r == 0 && !(b->p->tcp_connect_any && b->p->tcp_bind_any)) {
		pre[1] = (struct scmp_arg_cmp)MASKED(1, 0xf, SOCK_STREAM);
		r = deny_not_in(b, "socket(AF_INET*, non-TCP stream protocol)", "socket", EPERM,
				pre, 2, 2, tcp_protos, ARRAY_SIZE(tcp_protos));
	}
	if (r == 0 && b->p->udp_any) {
		pre[1] = (struct scmp_arg_cmp)MASKED(1, 0xf, SOCK_DGRAM);
		r = deny_not_in(b, "socket(AF_INET*, SOCK_DGRAM, protocol other than UDP)",
				"socket", EPERM, pre, 2, 2, udp_protos, ARRAY_SIZE(udp_protos));
	}
	return r;
}

/* Errnos: an unlisted family is EAFNOSUPPORT, what a kernel without that
 * family says, which programs treat as "feature absent" and move on.  A
 * netlink protocol other than NETLINK_ROUTE (which getaddrinfo and
 * if_nameindex need) is EPROTONOSUPPORT for the same reason: libaudit and its
 * PAM/sudo callers read it as "no audit in this kernel" and continue, where
 * EPERM would abort them.  Inet types and protocols are EPERM, as the kernel
 * answers an unprivileged SOCK_RAW.  socketpair() exists only for AF_UNIX in
 * the kernel (AF_INET* give EOPNOTSUPP), so only its family is checked. */
static int add_socket_rules(struct build *b)
{
	static const unsigned socket_families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	static const unsigned pair_families[] = { AF_UNIX, AF_INET, AF_INET6 };
	struct scmp_arg_cmp netlink[2] = { LO32(0, AF_NETLINK),
					   CMP(2, SCMP_CMP_NE, NETLINK_ROUTE) };
	int r;

	r = deny_not_in(b, "socket(other families)", "socket", EAFNOSUPPORT, NULL, 0, 0,
			socket_families, ARRAY_SIZE(socket_families));
	if (r == 0)
		r = deny_not_in(b, "socketpair(other families)", "socketpair", EAFNOSUPPORT,
				NULL, 0, 0, pair_families, ARRAY_SIZE(pair_families));
	if (r == 0)
		r = add_rule(b, "socket(AF_NETLINK, protocol other than NETLINK_ROUTE)", "socket",
			     EPROTONOSUPPORT, 2, netlink);
	if (r == 0)
		r = add_inet_rules(b, AF_INET);
	if (r == 0)
		r = add_inet_rules(b, AF_INET6);
	return r;
}

/* TCP Fast Open (sendto/sendmsg/sendmmsg with MSG_FASTOPEN) connects from
 * inside tcp_sendmsg, never calling the socket_connect LSM hook that
 * Landlock's connect rules live in.  sendmmsg applies its flags argument to
 * every message (msghdr.msg_flags is ignored on send). */
static int add_fastopen_rules(struct build *b)
{
	struct scmp_arg_cmp a3 = FLAG(3, MSG_FASTOPEN);
	struct scmp_arg_cmp a2 = FLAG(2, MSG_FASTOPEN);
	int r;

	if (b->p->tcp_connect_any)
		return 0;
	r = add_rule(b, "sendto(MSG_FASTOPEN)", "sendto", EPERM, 1, &a3);
	if (r == 0)
		r = add_rule(b, "sendmsg(MSG_FASTOPEN)", "sendmsg", EPERM, 1, &a2);
	if (r == 0)
		r = add_rule(b, "sendmmsg(MSG_FASTOPEN)", "sendmmsg", EPERM, 1, &a3);
	return r;
}

/* An entry "name(...)" is an argument pattern of syscall name. */
static bool is_pattern_of(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return strncmp(entry, name, len) == 0 && entry[len] == '(';
}

static int relax(struct build *b, const char *name)
{
	const struct seccomp_denied *part = NULL;

	for (size_t i = 0; i < N_DENIED; i++) {
		const struct seccomp_denied *e = &seccomp_default_denied[i];

		if (strcmp(e->name, name) == 0) {
			if (!e->relaxable)
				return diag_set(b->d, "syscall '%s' cannot be relaxed: %s", name,
						e->why);
			b->relaxed[i] = true;
			return 0;
		}
		if (!part && is_pattern_of(e->name, name))
			part = e;
	}
	if (part)
		return diag_set(b->d, "syscall '%s' cannot be relaxed: '%s' %s", name, part->name,
				part->why);
	if (sys_nr(name) < 0)
		return diag_set(b->d, "unknown syscall '%s' in [syscalls] extra_allow", name);
	return diag_set(b->d, "'%s' is not denied by default, nothing to allow", name);
}

/* Validates [syscalls] and fills b->relaxed.  A name in both lists stays
 * denied: the stricter reading wins. */
static int check_user_lists(struct build *b)
{
	for (size_t i = 0; i < b->p->n_sys_deny; i++)
		if (sys_nr(b->p->sys_deny[i]) < 0)
			return policy_at(b->d, b->p->sys_deny_at[i],
					 diag_set(b->d, "unknown syscall '%s' in [syscalls] extra_deny",
						  b->p->sys_deny[i]));
	for (size_t i = 0; i < b->p->n_sys_allow; i++) {
		int r = relax(b, b->p->sys_allow[i]);

		if (r < 0)
			return policy_at(b->d, b->p->sys_allow_at[i], r);
	}
	return 0;
}

static int add_user_denies(struct build *b)
{
	for (size_t i = 0; i < b->p->n_sys_deny; i++) {
		const char *name = b->p->sys_deny[i];
		int r = seccomp_rule_add(b->ctx, SCMP_ACT_ERRNO(EPERM),
					 sys_nr(name), 0);

		if (r < 0)
			return diag_err(b->d, r, "cannot deny syscall '%s': %s", name,
					strerror(-r));
	}
	return 0;
}

/* With deny holes the supervisor performs path syscalls for the sandbox
 * with the sandbox's outer Landlock ruleset (opener.h): a domain the
 * sandbox stacked on top of it would not bind those operations, so the
 * sandbox may not create one.  EOPNOTSUPP is what a kernel with Landlock
 * disabled answers, which programs treat as "no Landlock".  Not in the
 * default table: extra_allow cannot relax it. */
static int add_holes_rules(struct build *b)
{
	static const struct { const char *sys; int err; } rules[] = {
		{ "landlock_create_ruleset", EOPNOTSUPP },
		{ "landlock_restrict_self", EPERM },
	};

	if (!b->p->n_deny)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		int nr = sys_nr(rules[i].sys), r;

		if (nr < 0 || user_denied(b, nr))
			continue;
		r = seccomp_rule_add(b->ctx, SCMP_ACT_ERRNO((uint32_t)rules[i].err), nr, 0);
		if (r < 0)
			return diag_err(b->d, r, "cannot deny syscall '%s': %s", rules[i].sys,
					strerror(-r));
	}
	return 0;
}

static int new_ctx(struct build *b)
{
	b->ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!b->ctx)
		return diag_err(b->d, -ENOMEM, "cannot create seccomp filter: out of memory");
	/* We export the program and load it ourselves after fork; the caller
	 * owns no_new_privs. */
	if (seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(b->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0)
		return diag_set(b->d, "cannot set seccomp filter attributes");
	return 0;
}

/* libseccomp 2.5.4 exports only to an fd: write into a memfd, read back. */
static int export_bpf(struct build *b, struct seccomp_filter *out)
{
	int fd = memfd_create("sandlock-bpf", MFD_CLOEXEC);
	struct stat st;
	ssize_t got;
	int r;

	if (fd < 0)
		return diag_err(b->d, -errno, "cannot create memfd for seccomp filter: %s",
				strerror(errno));
	r = seccomp_export_bpf(b->ctx, fd);
	if (r < 0) {
		diag_err(b->d, r, "cannot export seccomp filter: %s", strerror(-r));
		goto out;
	}
	r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
		       st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS))
		r = -E2BIG;
	if (r < 0) {
		diag_err(b->d, r, "cannot export seccomp filter: bad program size");
		goto out;
	}
	out->insns = malloc((size_t)st.st_size);
	if (!out->insns) {
		r = diag_err(b->d, -ENOMEM, "cannot read back seccomp filter: out of memory");
		goto out;
	}
	got = pread(fd, out->insns, (size_t)st.st_size, 0);
	r = got == st.st_size ? 0 : got < 0 ? -errno : -EIO;
	if (r < 0) {
		diag_err(b->d, r, "cannot read back seccomp filter: %s", strerror(-r));
		goto out;
	}
	out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
out:
	close(fd);
	return r;
}

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* The x32 ABI shares AUDIT_ARCH_X86_64, so the arch check alone does not
 * stop it; libseccomp adds "nr >= __X32_SYSCALL_BIT -> bad arch".  Refuse a
 * program without that jump rather than load a filter x32 could bypass. */
static int check_x32_guard(const struct seccomp_filter *f, struct diag *d)
{
#ifdef __x86_64__
	for (unsigned i = 0; i < f->len; i++)
		if (f->insns[i].code == (BPF_JMP | BPF_JGE | BPF_K) &&
		    f->insns[i].k == __X32_SYSCALL_BIT)
			return 0;
	return diag_set(d, "libseccomp emitted no x32 syscall check; refusing the filter");
#else
	(void)f;
	(void)d;
	return 0;
#endif
}

int seccomp_filter_build(const struct policy *p, struct seccomp_filter *out, struct diag *d)
{
	struct build b = { .p = p, .d = d };
	int r;

	*out = (struct seccomp_filter){ 0 };
	r = check_user_lists(&b);
	if (r == 0)
		r = new_ctx(&b);
	if (r == 0)
		r = add_fixed_rules(&b);
	if (r == 0)
		r = add_personality_rules(&b);
	if (r == 0)
		r = add_socket_rules(&b);
	if (r == 0)
		r = add_fastopen_rules(&b);
	if (r == 0)
		r = add_user_denies(&b);
	if (r == 0)
		r = add_holes_rules(&b);
	if (r == 0)
		r = export_bpf(&b, out);
	if (r == 0)
		r = check_x32_guard(out, d);
	if (b.ctx)
		seccomp_release(b.ctx);
	if (r < 0)
		seccomp_filter_release(out);
	return r;
}

void seccomp_filter_release(struct seccomp_filter *f)
{
	free(f->insns);
	*f = (struct seccomp_filter){ 0 };
}

int seccomp_filter_apply(const struct seccomp_filter *f)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->insns };

	if (!f->insns || f->len == 0)
		return -EINVAL;
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog);
}
