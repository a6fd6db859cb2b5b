/* Kernel ABI the distribution headers lack.
 *
 * Debian 12 ships linux-libc-dev 6.1, whose <linux/landlock.h> stops at ABI 2.
 * The machines run newer kernels (ABI 7), so every newer struct and constant
 * lives here, under our own names where the header already has an older,
 * smaller struct.  The sizes are the kernel's; the asserts catch a typo. */
#ifndef SANDLOCK_COMPAT_H
#define SANDLOCK_COMPAT_H

#include <stdint.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

/* ABI 1 ruleset attr grew to three fields by ABI 6. */
struct sl_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};
_Static_assert(sizeof(struct sl_landlock_ruleset_attr) == 24, "ruleset attr");

struct sl_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
_Static_assert(sizeof(struct sl_landlock_path_beneath_attr) == 12, "path beneath attr");

/* ABI 4 */
struct sl_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};
_Static_assert(sizeof(struct sl_landlock_net_port_attr) == 16, "net port attr");

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#define SL_LANDLOCK_RULE_PATH_BENEATH 1
#define SL_LANDLOCK_RULE_NET_PORT 2

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0) /* ABI 7 */
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* Size of the ruleset attr each ABI understands: an older kernel rejects
 * (E2BIG) a larger struct whose extra fields are non-zero. */
/* seccomp user notification: wake-ups on the current CPU (Linux 6.6). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS _IOW('!', 4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define SL_RULESET_ATTR_SIZE(abi) ((abi) >= 6 ? 24 : (abi) >= 4 ? 16 : 8)

#endif
