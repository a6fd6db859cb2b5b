/* Private declarations of core/sup_net.c, the supervisor's network
 * handlers (connect, sendto, sendmsg, sendmmsg): its limits, the copy of
 * one call it judges, and the verdict.  Not installed; nothing else
 * includes it. */
#ifndef SANDLOCK_SUP_NET_H
#define SANDLOCK_SUP_NET_H

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "decide_net.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* 6.9: a pidfd for one thread */
#endif
#ifndef SCM_MAX_FD
#define SCM_MAX_FD 253 /* the kernel's limit of fds in one message */
#endif

/* Data copied per message.  A stream send may be partial by contract, so a
 * bigger one sends this much; a bigger datagram fails EMSGSIZE (UDP's limit
 * is 64 KiB anyway). */
#define SEND_MAX (256 * 1024)
/* Control bytes per message (the kernel's optmem_max is larger; this is
 * 2 KiB of fds beyond what SCM_MAX_FD allows).  More: ENOBUFS, as the
 * kernel answers an allocation it refuses. */
#define CTL_MAX 4096
#define IOV_SEGS_MAX 1024 /* UIO_MAXIOV */

/* Internal failures, beyond any errno: the supervisor could not judge the
 * call (refuse() turns them into an error event and EPERM). */
#define E_DUP 10001   /* cannot duplicate the caller's socket */
#define E_COPY 10002  /* cannot read the caller's memory */
#define E_PROTO 10003 /* an inet socket of a protocol we cannot judge */
#define E_CAPS 10004  /* cannot lower our capabilities */

/* The caller's socket, duplicated into sandlock. */
struct net_sock {
	int pidfd; /* the calling thread (pidfd_acquire) */
	int slot;
	int fd;    /* our duplicate of its socket */
	int family, type;
	unsigned proto; /* POLICY_NET_TCP or _UDP on an inet socket, else 0 */
};

/* Where a call goes, as the kernel will see it. */
enum target {
	T_NONE,     /* no destination: a disconnect, or one the kernel refuses */
	T_INET,     /* the address given */
	T_PEER,     /* the socket's peer */
	T_UNIX,     /* a named unix socket */
	T_ABSTRACT, /* an abstract unix socket */
};

struct net_msg {
	bool has_name;
	int namelen;
	union {
		struct sockaddr_storage ss;
		struct sockaddr sa;
		struct sockaddr_un un;
		char raw[sizeof(struct sockaddr_storage) + 1]; /* + a NUL after sun_path */
	} name;
	char *data; /* owned */
	size_t len;
	union {
		struct cmsghdr align;
		char buf[CTL_MAX];
	} ctl;
	size_t ctllen;
	int fds[SCM_MAX_FD]; /* ours, for the caller's SCM_RIGHTS; closed after */
	size_t n_fds;
	enum target target;
	int cwd;  /* the caller's cwd, for a relative unix path; or -1 */
	int file; /* O_PATH fd of the judged socket file, or -1 */
};

/* What judge() found; emit() turns it into a decision event. */
struct verdict {
	enum target target;
	struct net_dest dest;   /* T_INET, T_PEER */
	int rule;               /* index in p->net, or -1 */
	char path[PATH_MAX];    /* T_UNIX (canonical), T_ABSTRACT ("@name") */
	ssize_t grant;          /* T_UNIX: index in p->paths, or -1 */
	int err;                /* 0: allowed */
	const char *detail;
};

/* This thread's capabilities while it acts for the sandbox. */
struct caps_saved {
	struct __user_cap_data_struct data[2];
	bool lowered;
};

#endif
