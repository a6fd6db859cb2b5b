/* Learn mode's observers (`sandlock learn`): every path operation, exec,
 * connect, send and bind of the sandbox becomes an allowed event for the
 * trace, with canonical absolute paths and the access it used; then the
 * syscall is continued.
 *
 * Continuing here decides nothing: learn mode allows what the static layer
 * allows, whatever the arguments say, and the kernel still checks every
 * call against it (Landlock, the deny list).  What we read is only
 * recorded, so a program that rewrites its arguments after our read makes
 * its own trace wrong, never the sandbox weaker; learn mode is for
 * watching programs you are willing to run, not a boundary (README).
 * Syscalls a judging module serves under the base policy (holes, network
 * rules, deny_argv) are left to it: its events are recorded as well. */
#define _GNU_SOURCE
#include "sup.h"
#include "sup_fs_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "proctree.h"
#include "resolve.h"
#include "sys.h"
#include "banned.h"

#define DNS_PORT 53
#define DNS_PEEK 512 /* the query's first bytes hold its question */

/* ---- paths ---------------------------------------------------------------- */

/* The directory a relative path of tid starts from: its cwd or dirfd. */
static int base_dir(pid_t tid, int dirfd, char *buf, size_t size)
{
	char what[32];
	ssize_t n;

	if (dirfd == AT_FDCWD)
		snprintf(what, sizeof(what), "cwd");
	else
		snprintf(what, sizeof(what), "fd/%d", dirfd);
	n = proctree_readlink(tid, what, buf, size);
	return n < 0 ? (int)n : 0;
}

/* The kernel's name for what path names now, following the last symlink
 * if follow; a name that does not exist keeps its last component after its
 * parent's canonical name.  Falls back to the lexical path. */
static void canonical(const char *path, bool follow, char *out, size_t size)
{
	char parent[PATH_MAX], what[32];
	const char *slash = strrchr(path, '/');
	int fd = open(path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	ssize_t n;

	if (fd < 0 && slash && slash != path) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
		fd = open(parent, O_PATH | O_CLOEXEC);
	} else if (fd >= 0) {
		slash = NULL;
	}
	snprintf(what, sizeof(what), "fd/%d", fd);
	n = fd >= 0 ? proctree_readlink(0, what, out, size) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		snprintf(out, size, "%s", path);
		return;
	}
	/* The parent "/" already ends in the slash the name starts with. */
	if (slash)
		snprintf(out + n, size - (size_t)n, "%s", strcmp(out, "/") ? slash : slash + 1);
}

/* Reads the path argument at addr of c, relative to dirfd, into an
 * absolute canonical name.  Returns 0 or -errno. */
static int read_path(struct sup_call *c, int dirfd, uint64_t addr, bool follow, char *out,
		     size_t size)
{
	pid_t tid = (pid_t)c->req.pid;
	char raw[PATH_MAX], full[PATH_MAX + PATH_MAX];
	ssize_t n = notif_read_str(tid, addr, raw, sizeof(raw));

	if (n < 0)
		return (int)n;
	if (raw[0] == '/') {
		snprintf(full, sizeof(full), "%s", raw);
	} else {
		int r = base_dir(tid, dirfd, full, PATH_MAX);

		if (r < 0)
			return r;
		snprintf(full + strlen(full), sizeof(full) - strlen(full), "/%s", raw);
	}
	/* "dir/" names dir. */
	for (size_t len = strlen(full); len > 1 && full[len - 1] == '/'; len--)
		full[len - 1] = '\0';
	canonical(full, follow, out, size);
	return 0;
}

static unsigned open_access(int flags, const char *path)
{
	unsigned acc = (flags & O_ACCMODE) == O_RDONLY ? EVENT_ACC_READ
		       : (flags & O_ACCMODE) == O_WRONLY ? EVENT_ACC_WRITE
							  : EVENT_ACC_READ | EVENT_ACC_WRITE;
	struct stat st;

	if ((flags & O_CREAT) && lstat(path, &st) < 0)
		acc |= EVENT_ACC_CREATE;
	if (flags & O_TRUNC)
		acc |= EVENT_ACC_TRUNC;
	if ((flags & O_DIRECTORY) || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		acc |= EVENT_ACC_DIR;
	return acc;
}

/* The open flags of c: a register, or openat2's struct open_how. */
static int open_flags(struct sup_call *c, const struct fs_sys *s, int *flags)
{
	struct open_how how;

	if (s->flags >= 0) {
		*flags = (int)c->req.data.args[s->flags];
		return 0;
	}
	if (s->fixed) {
		*flags = s->fixed;
		return 0;
	}
	if (notif_read((pid_t)c->req.pid, c->req.data.args[2], &how, sizeof(how)) < 0)
		return -EFAULT;
	*flags = (int)how.flags;
	return 0;
}

/* The access bits of a non-open path operation on its first path. */
static unsigned op_access(const struct sup_call *c, const struct fs_sys *s)
{
	int flags = s->flags >= 0 ? (int)c->req.data.args[s->flags] : s->fixed;

	switch (s->op) {
	case FS_MKDIR: return EVENT_ACC_CREATE | EVENT_ACC_DIR;
	case FS_MKNOD:
	case FS_SYMLINK: return EVENT_ACC_CREATE;
	case FS_LINK: return EVENT_ACC_CREATE; /* the new name; path2 is the file */
	case FS_RENAME: return EVENT_ACC_REMOVE;
	case FS_UNLINK: return EVENT_ACC_REMOVE | ((flags & AT_REMOVEDIR) ? EVENT_ACC_DIR : 0);
	case FS_TRUNCATE: return EVENT_ACC_WRITE | EVENT_ACC_TRUNC;
	default: return EVENT_ACC_META;
	}
}

/* Which argument is the name the event is about (link: the new name). */
static void main_path(const struct fs_sys *s, int *dfd, int *path, int *dfd2, int *path2)
{
	*dfd = s->dfd;
	*path = s->path;
	*dfd2 = s->dfd2;
	*path2 = s->path2;
	if (s->op == FS_LINK || s->op == FS_SYMLINK) {
		*dfd = s->dfd2;
		*path = s->path2;
		*dfd2 = s->dfd;
		*path2 = s->path;
	}
}

static int dirfd_arg(const struct sup_call *c, int idx)
{
	return idx >= 0 ? (int)c->req.data.args[idx] : AT_FDCWD;
}

static void emit_path(struct sup_call *c, const char *path, const char *path2, unsigned acc)
{
	struct event e = { .kind = EVENT_PATH, .verdict = EVENT_ALLOW, .rule = "learn",
			   .path = { .path = path, .path2 = path2, .access = acc } };

	sup_emit(c, &e);
}

/* Only a symlink's target is kept as written; other second names are
 * canonical, and a rename records its destination as created. */
static void on_path(struct sup_call *c)
{
	static char p1[PATH_MAX], p2[PATH_MAX]; /* dispatcher only */
	const struct fs_sys *s = sup_fs_sys_of(c->req.data.nr);
	int dfd, path, dfd2, path2, flags = 0, r;
	bool follow;
	unsigned acc;

	if (!s || (s->op == FS_OPEN && open_flags(c, s, &flags) < 0) || (flags & O_PATH)) {
		sup_continue(c); /* nothing to record (an O_PATH open reads nothing) */
		return;
	}
	main_path(s, &dfd, &path, &dfd2, &path2);
	follow = s->op == FS_OPEN ? !(flags & O_NOFOLLOW) : s->op == FS_TRUNCATE || s->op == FS_CHMOD;
	r = read_path(c, dirfd_arg(c, dfd), c->req.data.args[path], follow, p1, sizeof(p1));
	p2[0] = '\0';
	if (r == 0 && path2 >= 0 && s->op == FS_SYMLINK)
		r = notif_read_str((pid_t)c->req.pid, c->req.data.args[path2], p2, sizeof(p2)) < 0
			    ? -EFAULT : 0;
	else if (r == 0 && path2 >= 0)
		r = read_path(c, dirfd_arg(c, dfd2), c->req.data.args[path2], false, p2,
			      sizeof(p2));
	acc = s->op == FS_OPEN ? open_access(flags, p1) : op_access(c, s);
	if (notif_id_valid(c->sup->listener, c->req.id) < 0) {
		sup_deny(c, EPERM); /* the caller is gone */
		return;
	}
	sup_continue(c);
	if (r < 0)
		return; /* unreadable: the kernel answers the caller */
	emit_path(c, p1, p2[0] ? p2 : NULL, acc);
	if (s->op == FS_RENAME)
		emit_path(c, p2, p1, EVENT_ACC_CREATE);
}

/* ---- network ------------------------------------------------------------- */

/* The caller's socket: family, type and peer (family 0 if none), read
 * from a duplicate. */
static int sock_kind(const struct sup_call *c, int fd, int *family, int *type,
		     struct sockaddr_storage *peer)
{
	int pidfd = sys_pidfd_open((pid_t)c->req.pid, 0), dup, r = 0;
	socklen_t l = sizeof(int), pl = sizeof(*peer);

	if (pidfd == -EINVAL) /* a thread: its process's table is the same */
		pidfd = sys_pidfd_open((pid_t)c->req.pid, O_EXCL /* PIDFD_THREAD */);
	if (pidfd < 0)
		return pidfd;
	dup = sys_pidfd_getfd(pidfd, fd, 0);
	close(pidfd);
	if (dup < 0)
		return dup;
	if (getsockopt(dup, SOL_SOCKET, SO_DOMAIN, family, &l) < 0)
		r = -errno;
	l = sizeof(int);
	if (r == 0 && getsockopt(dup, SOL_SOCKET, SO_TYPE, type, &l) < 0)
		r = -errno;
	memset(peer, 0, sizeof(*peer));
	if (r == 0 && getpeername(dup, (struct sockaddr *)peer, &pl) < 0)
		peer->ss_family = 0;
	close(dup);
	return r;
}

/* The name of the DNS query in the caller's buffer, if it is one. */
static void dns_name(const struct sup_call *c, uint64_t buf, uint64_t len, char *name,
		     size_t size)
{
	uint8_t q[DNS_PEEK];
	size_t n = len < sizeof(q) ? (size_t)len : sizeof(q);

	name[0] = '\0';
	if (!buf || notif_read((pid_t)c->req.pid, buf, q, n) < 0 ||
	    resolve_dns_qname(q, n, name, size) < 0)
		name[0] = '\0';
}

/* The first message's name and first buffer of a sendmsg/sendmmsg. */
static void msg_parts(const struct sup_call *c, uint64_t msg, uint64_t *name, uint64_t *nlen,
		      uint64_t *buf, uint64_t *blen)
{
	struct msghdr h;
	struct iovec iov;

	*name = *nlen = *buf = *blen = 0;
	if (notif_read((pid_t)c->req.pid, msg, &h, sizeof(h)) < 0)
		return;
	*name = (uintptr_t)h.msg_name;
	*nlen = h.msg_namelen;
	if (h.msg_iovlen && notif_read((pid_t)c->req.pid, (uintptr_t)h.msg_iov, &iov,
				       sizeof(iov)) == 0) {
		*buf = (uintptr_t)iov.iov_base;
		*blen = iov.iov_len;
	}
}

static void emit_inet(struct sup_call *c, const struct sockaddr_storage *ss, int type,
		      const char *host)
{
	struct event e = { .kind = EVENT_NET, .verdict = EVENT_ALLOW, .rule = "learn" };

	e.net.proto = type == SOCK_DGRAM ? POLICY_NET_UDP : POLICY_NET_TCP;
	e.net.host = host && host[0] ? host : NULL;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		e.net.addr[10] = e.net.addr[11] = 0xff;
		memcpy(e.net.addr + 12, &in->sin_addr, 4);
		e.net.port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		memcpy(e.net.addr, &in6->sin6_addr, 16);
		e.net.port = ntohs(in6->sin6_port);
	}
	sup_emit(c, &e);
}

/* What a network call is about, read before it is continued (after, the
 * caller's memory may hold something else). */
struct net_obs {
	int type;                    /* SOCK_STREAM, SOCK_DGRAM... */
	struct sockaddr_storage ss;  /* family 0: nothing to record */
	char dns[256];               /* the name a DNS query asks, or "" */
	char path[PATH_MAX];         /* a named unix socket's, canonical */
};

/* The destination (or bind address) at addr: an inet address, with the
 * name of a DNS query sent to port 53, or a named unix socket's path. */
static void read_addr(struct sup_call *c, uint64_t addr, uint64_t len, uint64_t buf,
		      uint64_t blen, struct net_obs *o)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&o->ss;
	char full[PATH_MAX + 110];

	if (!addr || len < sizeof(sa_family_t) || len > sizeof(o->ss) ||
	    notif_read((pid_t)c->req.pid, addr, &o->ss, (size_t)len) < 0) {
		o->ss.ss_family = 0;
		return;
	}
	if (o->ss.ss_family == AF_INET || o->ss.ss_family == AF_INET6) {
		if (o->type == SOCK_DGRAM &&
		    ntohs(((struct sockaddr_in *)&o->ss)->sin_port) == DNS_PORT)
			dns_name(c, buf, blen, o->dns, sizeof(o->dns));
		return;
	}
	if (o->ss.ss_family != AF_UNIX || len <= sizeof(sa_family_t) || !un->sun_path[0]) {
		o->ss.ss_family = 0; /* abstract or unnamed: no path to grant */
		return;
	}
	un->sun_path[sizeof(un->sun_path) - 1] = '\0';
	if (un->sun_path[0] == '/' || base_dir((pid_t)c->req.pid, AT_FDCWD, full, PATH_MAX) < 0)
		snprintf(full, sizeof(full), "%s", un->sun_path);
	else
		snprintf(full + strlen(full), sizeof(full) - strlen(full), "/%s", un->sun_path);
	canonical(full, true, o->path, sizeof(o->path));
}

/* A datagram without an address, on a socket connected to port 53: the
 * query's name, with the server's address. */
static void read_peer_dns(struct sup_call *c, const struct sockaddr_storage *peer, uint64_t buf,
			  uint64_t blen, struct net_obs *o)
{
	if ((peer->ss_family != AF_INET && peer->ss_family != AF_INET6) ||
	    ntohs(((const struct sockaddr_in *)peer)->sin_port) != DNS_PORT)
		return;
	dns_name(c, buf, blen, o->dns, sizeof(o->dns));
	if (o->dns[0])
		o->ss = *peer;
}

static void emit_obs(struct sup_call *c, const struct net_obs *o)
{
	if (o->ss.ss_family == AF_INET || o->ss.ss_family == AF_INET6)
		emit_inet(c, &o->ss, o->type, o->dns);
	else if (o->ss.ss_family == AF_UNIX)
		emit_path(c, o->path, NULL, EVENT_ACC_WRITE);
}

static void on_net(struct sup_call *c)
{
	static struct net_obs o; /* dispatcher only */
	const __u64 *a = c->req.data.args;
	int nr = c->req.data.nr, family = 0;
	uint64_t name = 0, nlen = 0, buf = 0, blen = 0;
	struct sockaddr_storage peer;
	bool known;

	memset(&o, 0, sizeof(o));
	known = sock_kind(c, (int)a[0], &family, &o.type, &peer) == 0 &&
		(family == AF_INET || family == AF_INET6 || family == AF_UNIX);
	if (nr == SYS_connect || nr == SYS_bind) {
		name = a[1];
		nlen = a[2];
	} else if (nr == SYS_sendto) {
		name = a[4];
		nlen = a[5];
		buf = a[1];
		blen = a[2];
	} else {
		/* sendmsg, or the first message of sendmmsg (glibc asks A and
		 * AAAA in one sendmmsg on a connected socket: the name is in
		 * the payload, the address was recorded at connect). */
		msg_parts(c, a[1], &name, &nlen, &buf, &blen);
	}
	if (known && name)
		read_addr(c, name, nlen, buf, blen, &o);
	else if (known && buf && o.type == SOCK_DGRAM)
		read_peer_dns(c, &peer, buf, blen, &o);
	if (notif_id_valid(c->sup->listener, c->req.id) < 0) {
		sup_deny(c, EPERM);
		return;
	}
	sup_continue(c);
	emit_obs(c, &o);
}

/* ---- routing ------------------------------------------------------------- */

static void on_learn(struct sup_call *c)
{
	int nr = c->req.data.nr;

	if (nr == SYS_connect || nr == SYS_bind || nr == SYS_sendto || nr == SYS_sendmsg ||
	    nr == SYS_sendmmsg)
		on_net(c);
	else
		on_path(c);
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; glibc 2.36 does not name it */
#endif
#define L(n) { SYS_##n, #n, on_learn, false },

/* Observed: opens and every name-changing operation, chmod and chown,
 * connect, bind and sends.  Not stat, readlink or xattrs, which need no
 * right a policy grants.  Exec is the exec module's (it records every exec
 * when events are wanted); processes come from the events' pids and the
 * run's status. */
const struct sup_handler sup_learn_handlers[] = {
#ifdef SYS_open
	L(open) L(creat) L(mkdir) L(mknod) L(symlink) L(link) L(rename) L(unlink) L(rmdir)
	L(chmod) L(chown) L(lchown)
#endif
	L(openat) L(openat2) L(mkdirat) L(mknodat) L(symlinkat) L(linkat) L(renameat)
	L(renameat2) L(unlinkat) L(truncate) L(fchmodat) L(fchmodat2) L(fchownat)
	L(connect) L(bind) L(sendto) L(sendmsg) L(sendmmsg)
};
const size_t sup_learn_handlers_len = sizeof(sup_learn_handlers) / sizeof(sup_learn_handlers[0]);

size_t sup_learn_syscalls(int *nrs)
{
	for (size_t i = 0; i < sup_learn_handlers_len; i++)
		nrs[i] = sup_learn_handlers[i].nr;
	return sup_learn_handlers_len;
}
