/* Raw system-call wrappers: the one place where -1/errno becomes -errno.
 * Every function returns >= 0 on success or a negative errno. */
#ifndef SANDLOCK_SYS_H
#define SANDLOCK_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Returns a ruleset fd (owned), the ABI version with
 * LANDLOCK_CREATE_RULESET_VERSION, or -errno. */
int sys_landlock_create_ruleset(const void *attr, size_t size, uint32_t flags);
int sys_landlock_add_rule(int ruleset_fd, int type, const void *attr, uint32_t flags);
int sys_landlock_restrict_self(int ruleset_fd, uint32_t flags);
/* Returns a pidfd (owned, close-on-exec) or -errno. */
int sys_pidfd_open(pid_t pid, unsigned int flags);
int sys_pidfd_send_signal(int pidfd, int sig, unsigned int flags);
int sys_pidfd_getfd(int pidfd, int targetfd, unsigned int flags);
/* seccomp(2); returns the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER. */
int sys_seccomp(unsigned int op, unsigned int flags, void *args);
int sys_close_range(unsigned int first, unsigned int last, unsigned int flags);
/* prctl(2) with -errno on failure. */
int sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
	      unsigned long a5);
/* capget(2)/capset(2) with _LINUX_CAPABILITY_VERSION_3 headers (two data
 * structs); glibc has no wrappers. */
struct __user_cap_header_struct;
struct __user_cap_data_struct;
int sys_capget(struct __user_cap_header_struct *hdr, struct __user_cap_data_struct *data);
int sys_capset(struct __user_cap_header_struct *hdr, const struct __user_cap_data_struct *data);
/* Opens with O_CLOEXEC added; returns an owned fd or -errno. */
int sys_open(const char *path, int flags);

#endif
