#define _GNU_SOURCE
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif

static int ret_errno(long r)
{
	return r < 0 ? -errno : (int)r;
}

int sys_landlock_create_ruleset(const void *attr, size_t size, uint32_t flags)
{
	return ret_errno(syscall(__NR_landlock_create_ruleset, attr, size, flags));
}

int sys_landlock_add_rule(int ruleset_fd, int type, const void *attr, uint32_t flags)
{
	return ret_errno(syscall(__NR_landlock_add_rule, ruleset_fd, type, attr, flags));
}

int sys_landlock_restrict_self(int ruleset_fd, uint32_t flags)
{
	return ret_errno(syscall(__NR_landlock_restrict_self, ruleset_fd, flags));
}

int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return ret_errno(syscall(__NR_pidfd_open, pid, flags));
}

int sys_pidfd_send_signal(int pidfd, int sig, unsigned int flags)
{
	return ret_errno(syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, flags));
}

int sys_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
	return ret_errno(syscall(__NR_pidfd_getfd, pidfd, targetfd, flags));
}

int sys_seccomp(unsigned int op, unsigned int flags, void *args)
{
	return ret_errno(syscall(__NR_seccomp, op, flags, args));
}

int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	return ret_errno(syscall(__NR_close_range, first, last, flags));
}

int sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
	      unsigned long a5)
{
	return ret_errno(prctl(option, a2, a3, a4, a5));
}

int sys_capget(struct __user_cap_header_struct *hdr, struct __user_cap_data_struct *data)
{
	return ret_errno(syscall(__NR_capget, hdr, data));
}

int sys_capset(struct __user_cap_header_struct *hdr, const struct __user_cap_data_struct *data)
{
	return ret_errno(syscall(__NR_capset, hdr, data));
}

int sys_open(const char *path, int flags)
{
	return ret_errno(open(path, flags | O_CLOEXEC));
}
