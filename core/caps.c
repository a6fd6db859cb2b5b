#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <linux/filter.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "landlock.h"
#include "sys.h"
#include "banned.h"

void caps_probe_landlock(struct caps *c)
{
	memset(c, 0, sizeof(*c));
	c->landlock_abi = landlock_abi();
}

/* In a throw-away child: install a filter that notifies on one syscall the
 * child never makes, then ask the listener for ADDFD with a bogus id.  A
 * kernel that knows the ioctl says ENOENT (no such notification). */
static int probe_addfd_child(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_vhangup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = f };
	struct seccomp_notif_addfd add = { .id = 1, .srcfd = 0 };
	int lfd;

	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 2;
	lfd = sys_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (lfd < 0)
		return 2;
	return ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno == ENOENT ? 0 : 1;
}

static bool probe_addfd(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(probe_addfd_child());
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void caps_probe_all(struct caps *c)
{
	unsigned action = SECCOMP_RET_USER_NOTIF;

	caps_probe_landlock(c);
	c->user_notif = sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
	c->pidfd_getfd = sys_pidfd_getfd(-1, 0, 0) == -EBADF;
	c->notif_addfd = c->user_notif && probe_addfd();
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

void caps_print(const struct caps *c, FILE *out)
{
	int a = c->landlock_abi;

	fprintf(out, "landlock abi: %d%s\n", a, a ? "" : " (unavailable)");
	fprintf(out, "  filesystem rights (abi 1): %s\n", yes(a >= 1));
	fprintf(out, "  refer, cross-directory rename and link (abi 2): %s\n", yes(a >= 2));
	fprintf(out, "  truncate (abi 3): %s\n", yes(a >= 3));
	fprintf(out, "  tcp bind and connect (abi 4): %s\n", yes(a >= 4));
	fprintf(out, "  device ioctl (abi 5): %s\n", yes(a >= 5));
	fprintf(out, "  scoping abstract unix sockets and signals (abi 6): %s\n", yes(a >= 6));
	fprintf(out, "  audit logging flags (abi 7): %s\n", yes(a >= 7));
	fprintf(out, "seccomp user notification: %s\n", yes(c->user_notif));
	fprintf(out, "seccomp notification addfd: %s\n", yes(c->notif_addfd));
	fprintf(out, "pidfd_getfd: %s\n", yes(c->pidfd_getfd));
}
