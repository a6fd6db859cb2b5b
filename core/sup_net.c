/* Network destinations judged by the supervisor: connect, sendto, sendmsg
 * and sendmmsg, under a policy whose [network] rules the static layer
 * cannot express (policy_net_supervised(): host names, addresses, UDP
 * ports, deny rules).  ATTACKS.md 6, 8, 9.
 *
 * Race argument.  The destination lives in the caller's memory and the
 * socket is found through the caller's fd table; other threads, and other
 * processes sharing either, can change both before, while and after we
 * look.  So no call is ever continued: we duplicate the caller's socket
 * (pidfd_getfd), copy the address, the data and the control messages once,
 * judge the copies, and perform the call on our duplicate with the copies,
 * returning its result.  What we judged is what runs; the caller's memory
 * is read once; a socket dup2'ed onto the fd number after we duplicated it
 * is not the one we act on (the call behaves as if made before the swap).
 *
 * What a call reaches is worked out as the kernel works it out
 * (classify()): the address for connect and for a UDP send; for a UDP send
 * without one, the socket's peer (getpeername(), kernel truth: a peer can
 * only be set by a connect, which comes here); for a TCP send nothing (the
 * kernel ignores the address of a stream send) unless MSG_FASTOPEN makes it
 * a connect.  Anything we cannot name a destination for is refused, or
 * performed only when the kernel provably reaches no address with it (a
 * disconnect, a malformed address the protocol rejects).
 *
 * Unix sockets.  Landlock ABI 7 has no right for connecting to a named
 * socket, so connecting or sending to one needs a write grant on its path
 * (ATTACKS.md 8): we resolve the path as the caller would (from its cwd,
 * no magic links: our /proc/self is not the caller's), judge the file the
 * kernel reports for what we opened, and connect through
 * /proc/self/fd/N, so the file judged is the file reached.  Abstract
 * sockets are refused.  Continuing the call would keep the caller's
 * Landlock scope, but not the address: another thread can turn "\0name"
 * into "/run/docker.sock" between our look and the kernel's, and nothing
 * else would check that path.  Performing it ourselves would leave the
 * scope (SCOPE_ABSTRACT_UNIX_SOCKET is per Landlock domain; sandlock is in
 * none) and reach every abstract socket on the host.
 *
 * Confused deputy.  The call runs in sandlock, with sandlock's privileges.
 * As root those include DAC override (a socket file's mode), CAP_NET_RAW
 * (IPv6 extension headers), CAP_NET_ADMIN (netlink destinations) and
 * CAP_SYS_ADMIN (forged SCM_CREDENTIALS); the sandbox has no capability.
 * So the worker lowers its effective capabilities (capset(2) changes the
 * calling thread only) while it resolves the caller's path and performs
 * the call.  What stays sandlock's: a unix server sees sandlock's pid
 * (same uid) in SO_PEERCRED and in credentials the kernel attaches, and
 * explicit SCM_CREDENTIALS are refused (EPERM) rather than misattributed.
 *
 * Every handler may block (a connect or a send on a blocking socket), so
 * all run on the worker pool; a blocking call holds its worker until the
 * kernel completes or times it out. */
#define _GNU_SOURCE
#include "sup_net.h"
#include "sup.h"

#include <errno.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys.h"
#include "holes.h"
#include "proctree.h"
#include "banned.h"

/* ---- the caller's socket ------------------------------------------------ */

/* A pidfd for the caller.  Before 6.9 only a process has one: use its
 * thread group leader, whose fd table the caller shares (a CLONE_THREAD
 * without CLONE_FILES would make us act on the leader's socket: judged,
 * just not the caller's). */
static int caller_pidfd(pid_t tid)
{
	char path[64], line[128];
	int pidfd = sys_pidfd_open(tid, PIDFD_THREAD);
	pid_t tgid = 0;
	FILE *f;

	if (pidfd != -EINVAL)
		return pidfd;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f) && sscanf(line, "Tgid: %d", &tgid) != 1)
		;
	fclose(f);
	return tgid > 0 ? sys_pidfd_open(tgid, 0) : -ESRCH;
}

/* Recent callers' pidfds.  Opening and closing one costs more than the
 * rest of a call (a pidfs inode each time), and a thread makes many calls.
 * An entry names the task it was opened for, not its tid: if that task is
 * gone and the tid reused, pidfd_getfd fails ESRCH and sock_open retires
 * the entry and opens a fresh one, so a cached pidfd never reaches another
 * task.  Entries in use are never closed.  Process-wide: sandlock runs one
 * supervisor, and an entry is valid for any. */
#define PIDFD_SLOTS 32
static struct {
	pthread_mutex_t lock;
	struct pidfd_slot {
		pid_t tid; /* 0: free or retired */
		int fd;    /* valid when used != 0 */
		unsigned refs;
		uint64_t used; /* 0: never filled */
	} s[PIDFD_SLOTS];
	uint64_t clock;
} pidfds = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Returns a pidfd for tid and the slot holding it (-1: not cached, the
 * caller closes it), or -errno. */
static int pidfd_acquire(pid_t tid, bool fresh, int *slot)
{
	int fd, victim = -1, old = -1;

	pthread_mutex_lock(&pidfds.lock);
	for (int i = 0; i < PIDFD_SLOTS && !fresh; i++) {
		if (pidfds.s[i].tid == tid && pidfds.s[i].used) {
			pidfds.s[i].refs++;
			pidfds.s[i].used = ++pidfds.clock;
			*slot = i;
			fd = pidfds.s[i].fd;
			pthread_mutex_unlock(&pidfds.lock);
			return fd;
		}
	}
	pthread_mutex_unlock(&pidfds.lock);
	*slot = -1;
	fd = caller_pidfd(tid);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&pidfds.lock);
	for (int i = 0; i < PIDFD_SLOTS; i++)
		if (!pidfds.s[i].refs && (victim < 0 || pidfds.s[i].used < pidfds.s[victim].used))
			victim = i;
	if (victim >= 0) {
		old = pidfds.s[victim].used ? pidfds.s[victim].fd : -1;
		pidfds.s[victim] = (struct pidfd_slot){ tid, fd, 1, ++pidfds.clock };
		*slot = victim;
	}
	pthread_mutex_unlock(&pidfds.lock);
	if (old >= 0)
		close(old);
	return fd;
}

/* Gives back what pidfd_acquire returned; stale: its task is gone. */
static void pidfd_release(int fd, int slot, bool stale)
{
	if (slot < 0) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&pidfds.lock);
	pidfds.s[slot].refs--;
	if (stale)
		pidfds.s[slot].tid = 0;
	pthread_mutex_unlock(&pidfds.lock);
}

static unsigned inet_proto(int type, int protocol)
{
	if (type == SOCK_STREAM && (protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP))
		return POLICY_NET_TCP;
	if (type == SOCK_DGRAM && (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE))
		return POLICY_NET_UDP;
	return 0;
}

/* Duplicates the caller's fd into s.  Returns 0 or -errno. */
static int sock_open(const struct sup_call *c, int fd, struct net_sock *s)
{
	pid_t tid = (pid_t)c->req.pid;
	socklen_t l = sizeof(int);
	int protocol = 0, slot, r;

	*s = (struct net_sock){ .fd = -1 };
	s->pidfd = pidfd_acquire(tid, false, &slot);
	s->slot = slot;
	if (s->pidfd >= 0)
		s->fd = sys_pidfd_getfd(s->pidfd, fd, 0);
	if (s->pidfd >= 0 && s->fd == -ESRCH && s->slot >= 0) {
		/* A cached pidfd of a task that is gone: retry afresh. */
		pidfd_release(s->pidfd, s->slot, true);
		s->pidfd = pidfd_acquire(tid, true, &slot);
		s->slot = slot;
		if (s->pidfd >= 0)
			s->fd = sys_pidfd_getfd(s->pidfd, fd, 0);
	}
	if (s->pidfd < 0)
		return s->pidfd == -ESRCH ? -ESRCH : -E_DUP;
	if (s->fd < 0)
		return s->fd == -EBADF || s->fd == -ESRCH ? s->fd : -E_DUP;
	r = getsockopt(s->fd, SOL_SOCKET, SO_DOMAIN, &s->family, &l);
	l = sizeof(int);
	if (r == 0)
		r = getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &s->type, &l);
	if (r < 0)
		return -errno; /* ENOTSOCK, as the kernel says */
	if (s->family != AF_INET && s->family != AF_INET6)
		return 0;
	l = sizeof(int);
	if (getsockopt(s->fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &l) < 0)
		return -errno;
	s->proto = inet_proto(s->type, protocol);
	return 0;
}

static void sock_close(struct net_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->pidfd >= 0)
		pidfd_release(s->pidfd, s->slot, false);
}

/* ---- one call, copied ---------------------------------------------------- */

static void msg_init(struct net_msg *m)
{
	m->has_name = false;
	m->namelen = 0;
	memset(&m->name, 0, sizeof(m->name));
	m->data = NULL;
	m->len = m->ctllen = m->n_fds = 0;
	m->target = T_NONE;
	m->cwd = m->file = -1;
}

static void msg_release(struct net_msg *m)
{
	free(m->data);
	for (size_t i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	if (m->cwd >= 0)
		close(m->cwd);
	if (m->file >= 0)
		close(m->file);
	msg_init(m);
}

/* notif_read, with failures that are not the caller's (we may not read
 * it) told apart from its bad pointers and its death. */
static int copy_in(const struct sup_call *c, uint64_t addr, void *buf, size_t len)
{
	int r = notif_read((pid_t)c->req.pid, addr, buf, len);

	return r == 0 || r == -EFAULT || r == -ESRCH ? r : -E_COPY;
}

/* connect and sendto take addrlen as an int: the kernel ignores the upper
 * half of the register, so 4 GiB is 0 to it, and so to us. */
static int reg_len(uint64_t reg)
{
	return (int)(uint32_t)reg;
}

/* Copies the address (move_addr_to_kernel's bounds: a negative or too long
 * length is EINVAL without reading anything).  Race: read once; only the
 * copy is judged and passed to the kernel. */
static int read_name(const struct sup_call *c, uint64_t addr, int len, struct net_msg *m)
{
	if (len < 0 || (size_t)len > sizeof(m->name.ss))
		return -EINVAL;
	m->has_name = true;
	m->namelen = len;
	return copy_in(c, addr, m->name.raw, (size_t)len);
}

/* Copies the data of n iovecs into m->data: at most SEND_MAX bytes; a
 * datagram or record must fit whole.  Race: read once; the copy is what is
 * sent. */
static int read_data(const struct sup_call *c, const struct net_sock *s, struct iovec *iov,
		     size_t n, struct net_msg *m)
{
	size_t total = 0, left;
	struct iovec local;
	ssize_t got;

	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > SSIZE_MAX || total + iov[i].iov_len > SSIZE_MAX)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	if (total > SEND_MAX) {
		if (s->type != SOCK_STREAM)
			return -EMSGSIZE;
		total = SEND_MAX;
	}
	m->data = malloc(total ? total : 1);
	if (!m->data)
		return -ENOMEM;
	m->len = total;
	left = total;
	for (size_t i = 0; i < n; i++) { /* trim to what we copy */
		iov[i].iov_len = iov[i].iov_len < left ? iov[i].iov_len : left;
		left -= iov[i].iov_len;
	}
	if (total == 0)
		return 0;
	local = (struct iovec){ m->data, total };
	got = process_vm_readv((pid_t)c->req.pid, &local, 1, iov, n, 0);
	if (got < 0)
		return errno == EFAULT || errno == ESRCH ? -errno : -E_COPY;
	return (size_t)got == total ? 0 : -EFAULT;
}

static int read_buf(const struct sup_call *c, const struct net_sock *s, uint64_t addr,
		    uint64_t len, struct net_msg *m)
{
	struct iovec iov = { (void *)(uintptr_t)addr, len > INT_MAX ? INT_MAX : len };

	return read_data(c, s, &iov, 1, m);
}

static int read_iov(const struct sup_call *c, const struct net_sock *s, uint64_t addr,
		    uint64_t n, struct net_msg *m)
{
	struct iovec *iov;
	int r;

	if (n > IOV_SEGS_MAX)
		return -EMSGSIZE;
	iov = calloc(n ? n : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	r = copy_in(c, addr, iov, n * sizeof(*iov));
	if (r == 0)
		r = read_data(c, s, iov, n, m);
	free(iov);
	return r;
}

/* One control message: the caller's fds become ours (the kernel passes
 * whatever our table holds under those numbers); options that reroute a
 * datagram (IPv4 source routes, IPv6 routing headers) would send it to an
 * address nobody judged. */
static int translate_cmsg(const struct net_sock *s, struct cmsghdr *cm, struct net_msg *m)
{
	bool inet = s->family == AF_INET || s->family == AF_INET6;
	size_t n;

	if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
		return -EPERM; /* the kernel would check them against sandlock */
	if (inet && ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RETOPTS) ||
		     (cm->cmsg_level == SOL_IPV6 &&
		      (cm->cmsg_type == IPV6_RTHDR || cm->cmsg_type == IPV6_2292RTHDR))))
		return -EACCES;
	if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return 0;
	n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (m->n_fds + n > SCM_MAX_FD)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int theirs, ours;

		memcpy(&theirs, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
		ours = sys_pidfd_getfd(s->pidfd, theirs, 0);
		if (ours < 0)
			return ours == -ESRCH ? -ESRCH : -EBADF;
		m->fds[m->n_fds++] = ours;
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &ours, sizeof(int));
	}
	return 0;
}

/* Copies and translates the control messages, walking them as the
 * kernel's for_each_cmsghdr/CMSG_OK does.  Race: read once. */
static int read_ctl(const struct sup_call *c, const struct net_sock *s, uint64_t addr,
		    uint64_t len, struct net_msg *m)
{
	int r;

	if (len == 0)
		return 0; /* never read, even from a bad pointer */
	if (len > CTL_MAX)
		return -ENOBUFS;
	r = copy_in(c, addr, m->ctl.buf, len);
	m->ctllen = len;
	for (size_t off = 0; r == 0 && off + sizeof(struct cmsghdr) <= len;) {
		struct cmsghdr *cm = (struct cmsghdr *)(m->ctl.buf + off);

		if (cm->cmsg_len < sizeof(*cm) || cm->cmsg_len > len - off)
			return -EINVAL;
		r = translate_cmsg(s, cm, m);
		off += CMSG_ALIGN(cm->cmsg_len);
	}
	return r;
}

/* A struct msghdr at addr (sendmsg, or the head of an mmsghdr), with
 * ____sys_sendmsg's rules: a name length past sockaddr_storage is clamped,
 * not refused; a zero length or NULL name is no name. */
static int read_msghdr(const struct sup_call *c, const struct net_sock *s, uint64_t addr,
		       struct net_msg *m)
{
	struct msghdr h;
	int namelen, r;

	r = copy_in(c, addr, &h, sizeof(h));
	if (r < 0)
		return r;
	namelen = h.msg_name ? (int)h.msg_namelen : 0;
	if (namelen < 0)
		return -EINVAL;
	if (h.msg_iovlen > IOV_SEGS_MAX)
		return -EMSGSIZE;
	if ((size_t)namelen > sizeof(m->name.ss))
		namelen = sizeof(m->name.ss);
	if (namelen)
		r = read_name(c, (uint64_t)(uintptr_t)h.msg_name, namelen, m);
	if (r == 0)
		r = read_iov(c, s, (uint64_t)(uintptr_t)h.msg_iov, h.msg_iovlen, m);
	if (r == 0)
		r = read_ctl(c, s, (uint64_t)(uintptr_t)h.msg_control, h.msg_controllen, m);
	return r;
}

/* ---- where it goes ------------------------------------------------------- */

/* An inet address: the destination is the address, whatever the socket
 * holds.  AF_UNSPEC follows the kernel (decide_net.h): a connect
 * dissolves the association; a UDP send reads it as AF_INET on an IPv4
 * socket (udp_sendmsg) and as no address on an IPv6 one (udpv6_sendmsg). */
static int classify_inet(const struct net_sock *s, struct net_msg *m, bool is_connect)
{
	if (m->namelen < (int)sizeof(sa_family_t))
		return -EINVAL;
	switch (m->name.sa.sa_family) {
	case AF_UNSPEC:
		if (is_connect) {
			m->target = T_NONE;
		} else if (s->family == AF_INET) {
			m->name.sa.sa_family = AF_INET; /* what the kernel reads it as */
			m->target = T_INET;
		} else {
			m->has_name = false;
			m->namelen = 0;
			m->target = T_PEER;
		}
		return 0;
	case AF_INET:
	case AF_INET6:
		m->target = T_INET;
		return 0;
	}
	return s->family == AF_INET6 && !is_connect ? -EINVAL : -EAFNOSUPPORT;
}

/* A unix address names a socket only as AF_UNIX with a path; anything
 * else the kernel refuses (unix_validate_addr) or reads as a disconnect. */
static int classify_unix(struct net_msg *m)
{
	if (m->name.sa.sa_family != AF_UNIX || m->namelen <= (int)sizeof(sa_family_t))
		return 0;
	if ((size_t)m->namelen > sizeof(struct sockaddr_un))
		return -EINVAL;
	m->name.raw[m->namelen] = '\0'; /* as unix_mkname_bsd terminates it */
	m->target = m->name.un.sun_path[0] ? T_UNIX : T_ABSTRACT;
	return 0;
}

/* Sets m->target for a connect (flags 0) or a send.  Pure: no syscall. */
static int classify(const struct net_sock *s, struct net_msg *m, int flags, bool is_connect)
{
	m->target = T_NONE;
	if (s->family == AF_UNIX) {
		if (m->has_name && (is_connect || s->type == SOCK_DGRAM))
			return classify_unix(m);
		return 0; /* a stream ignores or refuses the address */
	}
	if (s->family != AF_INET && s->family != AF_INET6)
		return 0; /* netlink and inherited oddities: done without capabilities */
	if (s->proto == 0)
		return -E_PROTO; /* SCTP, raw: not creatable inside; inherited */
	if (is_connect)
		return classify_inet(s, m, true);
	if (s->proto == POLICY_NET_TCP) {
		/* The address of a stream send is ignored unless MSG_FASTOPEN
		 * connects to it (tcp_sendmsg_fastopen). */
		if ((flags & MSG_FASTOPEN) && m->has_name && m->namelen >= 2 &&
		    m->name.sa.sa_family != AF_UNSPEC)
			return classify_inet(s, m, true);
		return 0;
	}
	if (!m->has_name) {
		m->target = T_PEER;
		return 0;
	}
	return classify_inet(s, m, false);
}

/* The caller's cwd, for resolving a relative unix path as it would.
 * Opened before the request is checked valid: it reads the caller. */
static int open_cwd(const struct sup_call *c, struct net_msg *m)
{
	char path[64];

	if (m->target != T_UNIX || m->name.un.sun_path[0] == '/')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)c->req.pid);
	m->cwd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return m->cwd < 0 ? -errno : 0;
}

/* ---- judging ------------------------------------------------------------- */

/* Whether the socket's own options send its packets to an address other
 * than the destination: an IPv6 routing header (type 4, segment routing,
 * needs no privilege) makes its first segment the packet's destination
 * (fl6_update_dst).  An IPv4 source route would too, but setting one needs
 * CAP_NET_RAW, which the sandbox never has.  The caller could set a header
 * after this check: the seccomp filter must refuse setting them. */
static bool rerouted(const struct net_sock *s)
{
	unsigned char o[256];
	socklen_t l = sizeof(o);

	return s->family == AF_INET6 &&
	       getsockopt(s->fd, IPPROTO_IPV6, IPV6_RTHDR, o, &l) == 0 && l > 0;
}

static void judge_inet(const struct supervisor *sup, const struct net_sock *s,
		       const void *sa, socklen_t len, struct verdict *v)
{
	int r = net_dest_from_sockaddr(sa, len, s->proto, &v->dest);

	if (r < 0) {
		v->err = -r;
		v->target = T_NONE; /* malformed: no destination, no event */
		return;
	}
	if (!decide_net(sup->o.policy, &sup->o.pins, &v->dest, &v->rule)) {
		v->err = EACCES;
	} else if (rerouted(s)) {
		v->err = EACCES;
		v->detail = "the socket has a source route or routing header";
	}
}

/* The canonical path of one of our fds. */
static int fd_path(int fd, char *buf, size_t size)
{
	char what[32];
	ssize_t n;

	snprintf(what, sizeof(what), "fd/%d", fd);
	n = proctree_readlink(0, what, buf, size);
	return n < 0 ? (int)n : 0;
}

/* The write grant path lies under, or -1.  Grants are resolved here as
 * Landlock resolved them at start (following symlinks); a grant whose path
 * runs through a symlink the sandbox can rewrite (one inside another write
 * grant) is followed where it points now. */
static ssize_t write_grant(const struct policy *p, const char *path)
{
	char g[PATH_MAX];

	for (size_t i = 0; i < p->n_paths; i++) {
		int fd;
		size_t n;

		if (!(p->paths[i].access & POLICY_WRITE))
			continue;
		fd = open(p->paths[i].path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = fd_path(fd, g, sizeof(g)) == 0 ? strlen(g) : 0;
		close(fd);
		if (n && strncmp(path, g, n) == 0 &&
		    (path[n] == '/' || path[n] == '\0' || (n == 1 && g[0] == '/')))
			return (ssize_t)i;
	}
	return -1;
}

/* A named unix socket: open it as the caller would reach it, judge the
 * file we hold, and rewrite the address to that file (/proc/self/fd/N),
 * so a path swapped afterwards cannot change what is reached. */
static void judge_unix(const struct supervisor *sup, struct net_msg *m, struct verdict *v)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS };
	int dir = m->cwd >= 0 ? m->cwd : AT_FDCWD;
	struct stat st;

	m->file = (int)syscall(SYS_openat2, dir, m->name.un.sun_path, &how, sizeof(how));
	if (m->file < 0) {
		v->err = errno;
		snprintf(v->path, sizeof(v->path), "%s", m->name.un.sun_path);
		v->detail = errno == ELOOP ? "magic links and symlink loops are refused" : NULL;
		return;
	}
	if (fd_path(m->file, v->path, sizeof(v->path)) < 0 ||
	    (v->grant = write_grant(sup->o.policy, v->path)) < 0) {
		v->err = EACCES;
		v->detail = "named unix socket outside the write grants";
		return;
	}
	/* Any answer but "no hole" (-1), an error included, refuses. */
	if (sup->fs.opener && holes_check_fd(sup->fs.holes, m->file, HOLES_REACH) != -1) {
		v->err = EACCES;
		v->detail = "named unix socket in a deny hole";
		return;
	}
	if (fstat(m->file, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		v->err = ECONNREFUSED; /* unix_find_bsd's answer */
		return;
	}
	snprintf(m->name.un.sun_path, sizeof(m->name.un.sun_path), "/proc/self/fd/%d", m->file);
	m->namelen = (int)(offsetof(struct sockaddr_un, sun_path) + strlen(m->name.un.sun_path) + 1);
}

/* Fills v for m's target; v->err is the errno to refuse with (0: go). */
static void judge(const struct supervisor *sup, const struct net_sock *s, struct net_msg *m,
		  struct verdict *v)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);

	v->target = m->target;
	v->rule = -1;
	v->grant = -1;
	v->err = 0;
	v->detail = NULL;
	switch (m->target) {
	case T_NONE:
		return;
	case T_INET:
		judge_inet(sup, s, &m->name, (socklen_t)m->namelen, v);
		return;
	case T_PEER:
		if (getpeername(s->fd, (struct sockaddr *)&peer, &plen) < 0) {
			v->target = T_NONE; /* not connected: the send fails alone */
			return;
		}
		judge_inet(sup, s, &peer, plen, v);
		return;
	case T_ABSTRACT:
		snprintf(v->path, sizeof(v->path), "@%.*s", m->namelen - 3, m->name.un.sun_path + 1);
		v->err = EACCES;
		v->detail = "abstract unix sockets are refused under a supervised network policy";
		return;
	case T_UNIX:
		judge_unix(sup, m, v);
		return;
	}
}

/* ---- acting without capabilities ----------------------------------------- */

/* Clears this thread's effective capabilities (permitted ones stay, so
 * caps_restore can raise them again).  Returns 0 or -errno. */
static int caps_lower(struct caps_saved *sv)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct low[2];
	int r = sys_capget(&hdr, sv->data);

	sv->lowered = false;
	if (r < 0)
		return r;
	if (!sv->data[0].effective && !sv->data[1].effective)
		return 0;
	memcpy(low, sv->data, sizeof(low));
	low[0].effective = low[1].effective = 0;
	r = sys_capset(&hdr, low);
	sv->lowered = r == 0;
	return r;
}

static void caps_restore(struct caps_saved *sv)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	if (sv->lowered)
		sys_capset(&hdr, sv->data);
}

/* Judges m and, if allowed, performs it on s without capabilities.
 * Returns the call's result (bytes sent, 0) or -errno. */
static ssize_t act(struct sup_call *c, struct net_sock *s, struct net_msg *m, int flags,
		   int nr, struct verdict *v)
{
	struct iovec iov = { m->data, m->len };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };
	const void *name = m->has_name ? &m->name : NULL;
	/* An inet connect or send checks no capability of the sender unless
	 * it carries control messages (SO_MARK, SO_PRIORITY, IPv6 extension
	 * headers); paths, other families and those do. */
	bool lower = (s->family != AF_INET && s->family != AF_INET6) || m->ctllen > 0;
	struct caps_saved sv = { .lowered = false };
	ssize_t r;

	if (lower && caps_lower(&sv) < 0) {
		v->target = T_NONE;
		return -E_CAPS;
	}
	judge(c->sup, s, m, v);
	/* Our copy of the caller's flags: the kernel raises SIGPIPE on the
	 * sender, sandlock; send_sigpipe() raises it on the caller.  A
	 * zero-copy send would pin our buffer, which is freed on return. */
	flags = (flags | MSG_NOSIGNAL) & ~MSG_ZEROCOPY;
	if (v->err)
		r = -v->err;
	else if (nr == SYS_connect)
		r = connect(s->fd, name, (socklen_t)m->namelen);
	else if (nr == SYS_sendto)
		r = sendto(s->fd, m->data, m->len, flags, name, (socklen_t)m->namelen);
	else {
		h.msg_name = (void *)name;
		h.msg_namelen = name ? (socklen_t)m->namelen : 0;
		h.msg_control = m->ctllen ? m->ctl.buf : NULL;
		h.msg_controllen = m->ctllen;
		r = sendmsg(s->fd, &h, flags);
	}
	if (r < 0 && !v->err)
		r = -errno;
	caps_restore(&sv);
	return r;
}

static void send_sigpipe(const struct net_sock *s, ssize_t r, uint64_t flags)
{
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		sys_pidfd_send_signal(s->pidfd, SIGPIPE, 0);
}

/* ---- events and answers -------------------------------------------------- */

/* A flag's rule has no source; decisions.md names it "<command line>". */
static struct policy_origin origin_of(struct policy_origin o)
{
	if (!o.source)
		o.source = "<command line>";
	return o;
}

static void emit(struct sup_call *c, const struct verdict *v, ssize_t result)
{
	const struct policy *p = c->sup->o.policy;
	struct event e = { .verdict = v->err ? EVENT_DENY : EVENT_ALLOW,
			   .err = result < 0 ? (int)-result : 0, .detail = v->detail };
	char rule[48];

	if (!sup_wants_events(c) || v->target == T_NONE)
		return;
	if (v->target == T_INET || v->target == T_PEER) {
		e.kind = EVENT_NET;
		e.net.proto = v->dest.proto;
		memcpy(e.net.addr, v->dest.addr, sizeof(e.net.addr));
		e.net.port = v->dest.port;
		if (v->rule >= 0) {
			e.rule = policy_net_rule_id(p, (size_t)v->rule, rule, sizeof(rule));
			e.origin = origin_of(p->net[v->rule].origin);
			e.net.host = p->net[v->rule].host;
		}
	} else {
		e.kind = EVENT_PATH;
		e.path.path = v->path;
		e.path.access = POLICY_WRITE;
		if (v->grant >= 0) {
			e.rule = "filesystem.write";
			e.origin = origin_of(p->paths[v->grant].origin);
		}
	}
	sup_emit(c, &e);
}

/* Refuses with r: the caller's errno (what the kernel would answer its
 * arguments, or our verdict), or an error event when we could not judge. */
static void refuse(struct sup_call *c, ssize_t r)
{
	static const struct {
		int code;
		const char *why;
	} ours[] = {
		{ E_DUP, "cannot duplicate the caller's socket" },
		{ E_COPY, "cannot read the caller's memory" },
		{ E_PROTO, "inet socket of a protocol the supervisor cannot judge" },
		{ E_CAPS, "cannot lower the supervisor's capabilities" },
		{ ENOMEM, "out of memory" },
	};

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (-r == ours[i].code) {
			sup_fail(c, ours[i].code == ENOMEM ? ENOMEM : EPERM, ours[i].why);
			return;
		}
	}
	sup_deny(c, (int)-r); /* ESRCH: the caller is gone, nobody reads it */
}

/* Checks the request is still the caller's before acting on what we read
 * (STYLE.md 8). */
static int still_valid(struct sup_call *c)
{
	return notif_id_valid(c->sup->listener, c->req.id) == 0 ? 0 : -ESRCH;
}

static void answer(struct sup_call *c, ssize_t r)
{
	if (r < 0)
		refuse(c, r);
	else
		sup_return(c, r);
}

/* ---- handlers ------------------------------------------------------------ */

static int offload(struct sup_call *c, struct net_sock *s);

/* Copies, judges and performs one connect (msghdr 0) or one message: a
 * sendto (its buffer and name in args) or the struct msghdr at msghdr.
 * *v is filled once the call was judged (v->target stays T_NONE before). */
static ssize_t one_call(struct sup_call *c, struct net_sock *s, uint64_t msghdr, int flags,
			struct verdict *v)
{
	const __u64 *a = c->req.data.args;
	int nr = c->req.data.nr;
	struct net_msg m;
	ssize_t r = 0;

	v->target = T_NONE;
	msg_init(&m);
	if (nr == SYS_connect)
		r = read_name(c, a[1], reg_len(a[2]), &m);
	else if (nr == SYS_sendto && a[4])
		r = read_name(c, a[4], reg_len(a[5]), &m);
	if (r == 0 && nr == SYS_sendto)
		r = read_buf(c, s, a[1], a[2], &m);
	else if (r == 0 && nr != SYS_connect)
		r = read_msghdr(c, s, msghdr, &m);
	if (r == 0)
		r = classify(s, &m, flags, nr == SYS_connect);
	if (r == 0)
		r = open_cwd(c, &m);
	if (r == 0)
		r = still_valid(c);
	if (r == 0) {
		r = act(c, s, &m, flags, nr == SYS_sendmmsg ? SYS_sendmsg : nr, v);
		send_sigpipe(s, r, (unsigned)flags);
	}
	msg_release(&m);
	return r;
}

static int call_flags(const struct sup_call *c)
{
	const __u64 *a = c->req.data.args;
	int nr = c->req.data.nr;

	return nr == SYS_sendto ? (int)a[3] : nr == SYS_sendmsg ? (int)a[2] : 0;
}

/* Whether the call may wait, so that the dispatcher must not make it: a
 * connect of a blocking stream socket waits for the handshake.  A datagram
 * connect never waits; a datagram send on a blocking socket is tried
 * without waiting (try_flags) and handed to a worker only if it would. */
static bool call_blocks(const struct net_sock *s, int nr, int flags, int *try_flags)
{
	int fl = fcntl(s->fd, F_GETFL); /* our dup shares the caller's file */

	*try_flags = 0;
	if ((fl >= 0 && (fl & O_NONBLOCK)) || (nr != SYS_connect && (flags & MSG_DONTWAIT)))
		return false;
	if (s->type != SOCK_DGRAM)
		return true;
	if (nr != SYS_connect)
		*try_flags = MSG_DONTWAIT;
	return false;
}

/* The call made, answered and logged; then s is closed. */
static void call_finish(struct sup_call *c, struct net_sock *s, int try_flags)
{
	const __u64 *a = c->req.data.args;
	struct verdict v = { .target = T_NONE };
	ssize_t r = one_call(c, s, a[1], call_flags(c) | try_flags, &v);

	/* A datagram the socket could not take now: send it again where
	 * waiting is allowed, judged afresh. */
	if (r == -EAGAIN && try_flags && !c->worker && offload(c, s) == 0)
		return;
	answer(c, r);
	emit(c, &v, r);
	sock_close(s);
}

static void call_on_worker(struct sup_call *c, void *arg)
{
	struct net_sock *s = arg;

	call_finish(c, s, 0);
	free(s);
}

/* Hands c and s (taken on success) to a worker.  Returns 0, or -EAGAIN
 * with nothing answered. */
static int offload(struct sup_call *c, struct net_sock *s)
{
	struct net_sock *held = malloc(sizeof(*held));

	if (!held)
		return -EAGAIN;
	*held = *s;
	if (sup_offload(c, call_on_worker, held) == 0)
		return 0;
	free(held);
	return -EAGAIN;
}

/* connect, sendto and sendmsg: one call, one answer, one event.  On the
 * dispatcher, unless the call may wait: a thread hand-off costs more than
 * the whole of a call that does not (bench/notify). */
static void on_call(struct sup_call *c)
{
	struct net_sock s;
	ssize_t r = sock_open(c, (int)c->req.data.args[0], &s);
	int try_flags = 0;

	if (r == 0 && !c->worker && call_blocks(&s, c->req.data.nr, call_flags(c), &try_flags) &&
	    (r = offload(c, &s)) == 0)
		return;
	if (r == -EAGAIN) {
		sup_fail(c, EAGAIN, "supervisor busy: request queue full");
		sock_close(&s);
		return;
	}
	if (r < 0) {
		answer(c, r);
		sock_close(&s);
		return;
	}
	call_finish(c, &s, try_flags);
}

/* Tells the caller how many bytes message i carried (__sys_sendmmsg's
 * put_user of msg_len). */
static int put_msg_len(const struct sup_call *c, uint64_t addr, unsigned len)
{
	struct iovec local = { &len, sizeof(len) };
	struct iovec remote = { (void *)(uintptr_t)(addr + offsetof(struct mmsghdr, msg_len)),
				sizeof(len) };

	return process_vm_writev((pid_t)c->req.pid, &local, 1, &remote, 1, 0) ==
			       (ssize_t)sizeof(len) ? 0 : -EFAULT;
}

/* Each message is judged on its own, in order.  As the kernel does when a
 * message fails after the first, a batch stops at the first denied or
 * failed message and returns how many went; only a first message's error
 * reaches the caller.  So a batch mixing allowed and denied destinations
 * sends its allowed prefix. */
static void on_sendmmsg(struct sup_call *c)
{
	const __u64 *a = c->req.data.args;
	unsigned vlen = (unsigned)a[2] > IOV_SEGS_MAX ? IOV_SEGS_MAX : (unsigned)a[2];
	struct net_sock s;
	ssize_t r = sock_open(c, (int)a[0], &s), sent = 0;

	for (unsigned i = 0; r == 0 && i < vlen; i++) {
		uint64_t addr = a[1] + (uint64_t)i * sizeof(struct mmsghdr);
		struct verdict v;

		r = one_call(c, &s, addr, (int)a[3], &v);
		emit(c, &v, r);
		if (r >= 0)
			r = put_msg_len(c, addr, (unsigned)r);
		if (r == 0)
			sent++;
	}
	answer(c, sent > 0 ? sent : r);
	sock_close(&s);
}

const struct sup_handler sup_net_handlers[] = {
	{ SYS_connect, "connect", on_call, false },
	{ SYS_sendto, "sendto", on_call, false },
	{ SYS_sendmsg, "sendmsg", on_call, false },
	{ SYS_sendmmsg, "sendmmsg", on_sendmmsg, true },
};
const size_t sup_net_handlers_len = sizeof(sup_net_handlers) / sizeof(sup_net_handlers[0]);

size_t sup_net_syscalls(const struct policy *p, int *nrs)
{
	if (!policy_net_supervised(p))
		return 0;
	for (size_t i = 0; i < sup_net_handlers_len; i++)
		nrs[i] = sup_net_handlers[i].nr;
	return sup_net_handlers_len;
}
