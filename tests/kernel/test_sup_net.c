/* The supervisor's network handlers (core/sup_net.c) against real sockets
 * on loopback: ATTACKS.md 6 (wrong host, port, protocol; mixed batches;
 * IPv4-mapped IPv6; a 4 GiB address length; an address rewritten while it
 * is judged), 8 (named unix sockets outside the write grants, abstract
 * ones) and 9 (a host rule matches its pinned addresses only).
 *
 * Each case runs in a forked test process (kt_fork) that owns the "host":
 * listeners and receivers outside any filter, and a supervisor (sup_start)
 * serving a grandchild that loads the notification filter for the syscalls
 * sup_net_syscalls() asks for, then attacks.  The grandchild asserts the
 * errnos it sees; the test process asserts what reached the host (accepts
 * and datagrams counted on the denied side must stay 0) and the decision
 * events. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <cmocka.h>

#include "fdpass_kt.h"
#include "kt.h"
#include "notif.h"
#include "sup.h"
#include "supervise.h"

/* ---- the host side ------------------------------------------------------- */

#define MAX_EVENTS 64

struct rec {
	enum event_kind kind;
	enum event_verdict verdict;
	int err;
	unsigned proto;
	uint16_t port;
	uint8_t addr[16];
	char rule[48], host[64], path[256], syscall[16];
	unsigned line;
};

/* A sink keeping events in memory for the test process to check. */
struct mem_sink {
	struct event_sink base;
	pthread_mutex_t lock;
	struct rec ev[MAX_EVENTS];
	size_t n;
};

static void mem_emit(struct event_sink *s, const struct event *e)
{
	struct mem_sink *m = (struct mem_sink *)s;
	struct rec *r;

	pthread_mutex_lock(&m->lock);
	if (m->n < MAX_EVENTS) {
		r = &m->ev[m->n++];
		*r = (struct rec){ .kind = e->kind, .verdict = e->verdict, .err = e->err,
				   .line = e->origin.line };
		snprintf(r->rule, sizeof(r->rule), "%s", e->rule ? e->rule : "");
		snprintf(r->syscall, sizeof(r->syscall), "%s", e->syscall ? e->syscall : "");
		if (e->kind == EVENT_NET) {
			r->proto = e->net.proto;
			r->port = e->net.port;
			memcpy(r->addr, e->net.addr, 16);
			snprintf(r->host, sizeof(r->host), "%s", e->net.host ? e->net.host : "");
		} else if (e->kind == EVENT_PATH) {
			snprintf(r->path, sizeof(r->path), "%s", e->path.path);
		}
	}
	pthread_mutex_unlock(&m->lock);
}

static int mem_close(struct event_sink *s)
{
	(void)s;
	return 0;
}

static struct mem_sink sink = { .base = { mem_emit, mem_close },
				 .lock = PTHREAD_MUTEX_INITIALIZER };
static bool no_sink; /* measure without building events */

/* A policy from TOML, and the pinned addresses of its host rules. */
static struct policy pol;
static struct in6_addr pin_addr[4];
static struct net_pin pins[4];

static int load_policy(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int load_policy(const char *fmt, ...)
{
	char src[2048];
	struct diag d = { { 0 } };
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(src, sizeof(src), fmt, ap);
	va_end(ap);
	policy_init(&pol);
	r = policy_parse(&pol, "net.toml", src, strlen(src), &d);
	if (r < 0)
		fprintf(stderr, "policy: %s\n", d.msg);
	return r;
}

/* Pins rule i of pol to one IPv4 address, as resolve would at start. */
static void pin_v4(size_t i, const char *a)
{
	struct in_addr v4;

	inet_pton(AF_INET, a, &v4);
	memset(&pin_addr[i], 0, sizeof(pin_addr[i]));
	pin_addr[i].s6_addr[10] = pin_addr[i].s6_addr[11] = 0xff;
	memcpy(&pin_addr[i].s6_addr[12], &v4, 4);
	pins[i] = (struct net_pin){ &pin_addr[i], 1 };
}

/* Runs body in a grandchild whose connect/sendto/sendmsg/sendmmsg go to a
 * supervisor serving pol with pins and the memory sink.  The grandchild
 * cannot send us its listener (sendmsg is supervised by then): it writes
 * the fd number down a pipe and we take it with pidfd_getfd.  Returns
 * body's exit code, or 128+signal. */
static int supervised(int (*body)(void))
{
	struct sup_opts o = { .policy = &pol, .sink = no_sink ? NULL : &sink.base,
			      .pins = { pins, sizeof(pins) / sizeof(pins[0]) } };
	int nrs[NOTIF_MAX_SYSCALLS], pfd[2], st, listener = -1, num = -1, pidfd;
	struct seccomp_filter f;
	struct supervisor *sup;
	struct diag d = { { 0 } };
	size_t n = sup_net_syscalls(&pol, nrs);
	pid_t pid;

	if (n == 0 || notif_filter_build(nrs, n, &f) < 0 || pipe2(pfd, O_CLOEXEC) < 0)
		return 200;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int l;

		close(pfd[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(201);
		l = notif_filter_apply(&f);
		if (l < 0 || write(pfd[1], &l, sizeof(l)) != sizeof(l))
			_exit(202);
		close(pfd[1]);
		_exit(body());
	}
	close(pfd[1]);
	seccomp_filter_release(&f);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (read(pfd[0], &num, sizeof(num)) == sizeof(num) && pidfd >= 0)
		listener = (int)syscall(SYS_pidfd_getfd, pidfd, num, 0);
	close(pfd[0]);
	if (pidfd >= 0)
		close(pidfd);
	if (listener < 0 || sup_start(listener, &o, &sup, &d) < 0) {
		fprintf(stderr, "sup_start: %s\n", d.msg);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 203;
	}
	waitpid(pid, &st, 0);
	sup_stop(sup);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* A TCP listener on addr:port (0: any free port); returns the fd. */
static int tcp_listen(int family, const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(*port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(*port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		len = sizeof(*in6);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int udp_bind(const char *addr, uint16_t *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(*port) };
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	inet_pton(AF_INET, addr, &in.sin_addr);
	if (bind(fd, (struct sockaddr *)&in, len) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&in, &len);
	*port = ntohs(in.sin_port);
	return fd;
}

/* Connections waiting on a listener nobody accepted from. */
static int pending(int fd)
{
	int n = 0, c;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((c = accept(fd, NULL, NULL)) >= 0) {
		close(c);
		n++;
	}
	return n;
}

static int datagrams(int fd)
{
	char buf[2048];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/* Accepts and closes connections on fd until stopped. */
struct acceptor {
	int fd, count;
	volatile int stop;
	pthread_t t;
};

static void *accept_loop(void *arg)
{
	struct acceptor *a = arg;

	while (!a->stop) {
		struct pollfd p = { a->fd, POLLIN, 0 };
		int c;

		if (poll(&p, 1, 20) <= 0)
			continue;
		c = accept(a->fd, NULL, NULL);
		if (c >= 0) {
			close(c);
			a->count++;
		}
	}
	return NULL;
}

static void acceptor_start(struct acceptor *a, int fd)
{
	*a = (struct acceptor){ .fd = fd };
	pthread_create(&a->t, NULL, accept_loop, a);
}

static int acceptor_stop(struct acceptor *a)
{
	a->stop = 1;
	pthread_join(a->t, NULL);
	return a->count + pending(a->fd);
}

/* ---- the sandboxed side -------------------------------------------------- */

static uint16_t P1, P2; /* allowed, denied */
static char W[64], O[64]; /* a write-granted directory, one outside */

static struct sockaddr_in v4(const char *a, uint16_t port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, a, &in.sin_addr);
	return in;
}

static struct sockaddr_in6 v6(const char *a, uint16_t port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	inet_pton(AF_INET6, a, &in6.sin6_addr);
	return in6;
}

static int tcp_connect(const void *sa, socklen_t len)
{
	int fd = socket(((const struct sockaddr *)sa)->sa_family, SOCK_STREAM, 0);
	int r = connect(fd, sa, len), e = errno;

	close(fd);
	errno = e;
	return r;
}

#define SA(x) ((const struct sockaddr *)&(x))

/* Runs a case in a fresh test process; 0 means it passed. */
#define RUN(fn) assert_int_equal(kt_fork(fn, NULL), 0)
#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                 \
			return 1;                                                       \
		}                                                                       \
	} while (0)

static const struct rec *find_event(enum event_verdict v, uint16_t port)
{
	for (size_t i = 0; i < sink.n; i++)
		if (sink.ev[i].verdict == v && (port == 0 || sink.ev[i].port == port))
			return &sink.ev[i];
	return NULL;
}

/* ---- ATTACKS.md 6: wrong port, wrong host, wrong protocol ---------------- */

static int body_tcp_ports_hosts(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1), port = v4("127.0.0.1", P2),
			   host = v4("127.0.0.2", P1);

	KT_EXPECT_OK(tcp_connect(&ok, sizeof(ok)));
	KT_EXPECT_ERRNO(tcp_connect(&port, sizeof(port)), EACCES);
	KT_EXPECT_ERRNO(tcp_connect(&host, sizeof(host)), EACCES);
	return 0;
}

static int case_tcp_ports_hosts(void *arg)
{
	int l1, l2, l3;
	const struct rec *e;

	(void)arg;
	P1 = P2 = 0;
	l1 = tcp_listen(AF_INET, "127.0.0.1", &P1);
	l2 = tcp_listen(AF_INET, "127.0.0.1", &P2);
	l3 = tcp_listen(AF_INET, "127.0.0.2", &P1); /* same port, another host */
	CHECK(l1 >= 0 && l2 >= 0 && l3 >= 0);
	CHECK(load_policy("[network]\nallow = [\"tcp://127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_tcp_ports_hosts) == 0);
	CHECK(pending(l1) == 1);
	CHECK(pending(l2) == 0); /* nothing reached the denied port */
	CHECK(pending(l3) == 0); /* nor the denied host */
	e = find_event(EVENT_ALLOW, P1);
	CHECK(e && e->kind == EVENT_NET && e->proto == POLICY_NET_TCP);
	CHECK(strcmp(e->rule, "network.allow[0]") == 0 && e->line == 2);
	CHECK(strcmp(e->syscall, "connect") == 0);
	e = find_event(EVENT_DENY, P2);
	CHECK(e && e->err == EACCES && strcmp(e->rule, "default") == 0);
	return 0;
}

static void test_tcp_wrong_port_and_host(void **state)
{
	(void)state;
	RUN(case_tcp_ports_hosts);
}

static int body_wrong_protocol(void)
{
	struct sockaddr_in tcp_only = v4("127.0.0.1", P1), udp_only = v4("127.0.0.1", P2);
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	KT_EXPECT_ERRNO(sendto(u, "x", 1, 0, SA(tcp_only), sizeof(tcp_only)), EACCES);
	KT_EXPECT_ERRNO(tcp_connect(&udp_only, sizeof(udp_only)), EACCES);
	KT_EXPECT_OK(sendto(u, "x", 1, 0, SA(udp_only), sizeof(udp_only)));
	return 0;
}

static int case_wrong_protocol(void *arg)
{
	uint16_t tp = 0;
	int tl, ur1, ur2, tl2;

	(void)arg;
	/* A port the kernel picks for one protocol may be taken for the other
	 * by another process on this shared machine: pick again. */
	for (int tries = 0;; tries++) {
		P1 = P2 = 0;
		tl = tcp_listen(AF_INET, "127.0.0.1", &P1);
		ur1 = udp_bind("127.0.0.1", &P1);  /* UDP on the TCP-only port */
		ur2 = udp_bind("127.0.0.1", &P2);
		tp = P2;
		tl2 = tcp_listen(AF_INET, "127.0.0.1", &tp); /* TCP on the UDP-only port */
		if ((tl >= 0 && ur1 >= 0 && ur2 >= 0 && tl2 >= 0) || tries == 50)
			break;
		int fds[] = { tl, ur1, ur2, tl2 };

		for (int k = 0; k < 4; k++)
			if (fds[k] >= 0)
				close(fds[k]);
	}
	CHECK(tl >= 0 && ur1 >= 0 && ur2 >= 0 && tl2 >= 0);
	CHECK(load_policy("[network]\nallow = [\"tcp://127.0.0.1:%u\", \"udp://127.0.0.1:%u\"]\n",
			  P1, P2) == 0);
	CHECK(supervised(body_wrong_protocol) == 0);
	CHECK(datagrams(ur1) == 0);
	CHECK(pending(tl2) == 0);
	CHECK(datagrams(ur2) == 1);
	return 0;
}

static void test_wrong_protocol(void **state)
{
	(void)state;
	RUN(case_wrong_protocol);
}

/* ---- UDP: sendto, sendmsg, connected sends, sendmmsg batches ----------- */

static int body_udp_sends(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1), bad = v4("127.0.0.1", P2);
	struct iovec iov = { (void *)"abc", 3 };
	struct msghdr m = { .msg_name = &bad, .msg_namelen = sizeof(bad), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	int u = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);

	KT_EXPECT_ERRNO(sendto(u, "x", 1, 0, SA(bad), sizeof(bad)), EACCES);
	KT_EXPECT_ERRNO(sendmsg(u, &m, 0), EACCES);
	m.msg_name = &ok;
	if (sendmsg(u, &m, 0) != 3)
		return 10;
	if (sendto(u, "y", 1, 0, SA(ok), sizeof(ok)) != 1)
		return 11;
	/* Connected: connect judged, then each send judged on the peer. */
	KT_EXPECT_ERRNO(connect(c, SA(bad), sizeof(bad)), EACCES);
	KT_EXPECT_OK(connect(c, SA(ok), sizeof(ok)));
	if (send(c, "z", 1, 0) != 1)
		return 12;
	/* An unconnected send without an address fails as the kernel says. */
	KT_EXPECT_ERRNO(send(u, "x", 1, 0), EDESTADDRREQ);
	/* A connected socket still judges an explicit address. */
	KT_EXPECT_ERRNO(sendto(c, "x", 1, 0, SA(bad), sizeof(bad)), EACCES);
	return 0;
}

static int case_udp_sends(void *arg)
{
	int r1, r2;
	const struct rec *e;

	(void)arg;
	P1 = P2 = 0;
	r1 = udp_bind("127.0.0.1", &P1);
	r2 = udp_bind("127.0.0.1", &P2);
	CHECK(r1 >= 0 && r2 >= 0);
	CHECK(load_policy("[network]\nallow = [\"udp://127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_udp_sends) == 0);
	CHECK(datagrams(r1) == 3);
	CHECK(datagrams(r2) == 0);
	e = find_event(EVENT_ALLOW, P1);
	CHECK(e && e->proto == POLICY_NET_UDP);
	return 0;
}

static void test_udp_sendto_sendmsg_connected(void **state)
{
	(void)state;
	RUN(case_udp_sends);
}

static int body_mmsg(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1), bad = v4("127.0.0.1", P2);
	struct iovec iov = { (void *)"m", 1 };
	struct mmsghdr mm[4];
	const struct sockaddr_in *dst[4] = { &ok, &ok, &bad, &ok };
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 4; i++) {
		mm[i].msg_hdr = (struct msghdr){ .msg_name = (void *)dst[i],
						 .msg_namelen = sizeof(ok), .msg_iov = &iov,
						 .msg_iovlen = 1 };
		mm[i].msg_len = 77;
	}
	/* The allowed prefix goes; the batch stops at the denied one. */
	if (sendmmsg(u, mm, 4, 0) != 2)
		return 10;
	if (mm[0].msg_len != 1 || mm[1].msg_len != 1 || mm[2].msg_len != 77)
		return 11;
	/* A batch starting with a denied destination fails whole. */
	KT_EXPECT_ERRNO(sendmmsg(u, mm + 2, 2, 0), EACCES);
	if (sendmmsg(u, mm + 3, 1, 0) != 1)
		return 12;
	return 0;
}

static int case_mmsg(void *arg)
{
	int r1, r2, denies = 0;

	(void)arg;
	P1 = P2 = 0;
	r1 = udp_bind("127.0.0.1", &P1);
	r2 = udp_bind("127.0.0.1", &P2);
	CHECK(load_policy("[network]\nallow = [\"udp://127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_mmsg) == 0);
	CHECK(datagrams(r1) == 3);
	CHECK(datagrams(r2) == 0);
	/* One event per destination judged: 2 + 1 denied, 1 denied, 1. */
	CHECK(sink.n == 5);
	for (size_t i = 0; i < sink.n; i++)
		denies += sink.ev[i].verdict == EVENT_DENY;
	CHECK(denies == 2);
	CHECK(strcmp(sink.ev[0].syscall, "sendmmsg") == 0);
	return 0;
}

static void test_sendmmsg_mixed_batch(void **state)
{
	(void)state;
	RUN(case_mmsg);
}

/* ---- IPv4-mapped IPv6, AF_UNSPEC, the unspecified address -------------- */

static int body_mapped(void)
{
	struct sockaddr_in6 denied = v6("::ffff:127.0.0.2", P1), ok = v6("::ffff:127.0.0.1", P1);
	struct sockaddr_in unspec = v4("127.0.0.2", P1);
	int u = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = v4("0.0.0.0", P1);

	KT_EXPECT_ERRNO(tcp_connect(&denied, sizeof(denied)), EACCES);
	KT_EXPECT_OK(tcp_connect(&ok, sizeof(ok)));
	/* udp_sendmsg reads AF_UNSPEC as AF_INET: judged as 127.0.0.2. */
	unspec.sin_family = AF_UNSPEC;
	KT_EXPECT_ERRNO(sendto(u, "x", 1, 0, SA(unspec), sizeof(unspec)), EACCES);
	/* connect(AF_UNSPEC) only dissolves an association. */
	KT_EXPECT_OK(connect(c, SA(unspec), sizeof(unspec)));
	/* 0.0.0.0 goes to loopback: both loopbacks must be allowed. */
	KT_EXPECT_ERRNO(tcp_connect(&any, sizeof(any)), EACCES);
	return 0;
}

static int case_mapped(void *arg)
{
	uint16_t p;
	int l1, l2, ur;

	(void)arg;
	P1 = 0;
	l1 = tcp_listen(AF_INET, "127.0.0.1", &P1);
	p = P1;
	l2 = tcp_listen(AF_INET, "127.0.0.2", &p);
	p = P1;
	ur = udp_bind("127.0.0.2", &p);
	CHECK(l1 >= 0 && l2 >= 0 && ur >= 0);
	CHECK(load_policy("[network]\nallow = [\"*:%u\"]\ndeny = [\"127.0.0.2\", \"[::1]\"]\n",
			  P1) == 0);
	CHECK(supervised(body_mapped) == 0);
	CHECK(pending(l2) == 0);
	CHECK(pending(l1) == 1);
	CHECK(datagrams(ur) == 0);
	CHECK(strcmp(find_event(EVENT_DENY, P1)->rule, "network.deny[0]") == 0);
	return 0;
}

static void test_ipv4_mapped_and_unspec(void **state)
{
	(void)state;
	RUN(case_mapped);
}

/* ---- a 4 GiB address length; the supervisor keeps serving -------------- */

static int body_huge_len(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1);
	char big[sizeof(struct sockaddr_storage)] = { 0 };
	struct iovec iov = { (void *)"x", 1 };
	struct msghdr m = { .msg_name = big, .msg_iov = &iov, .msg_iovlen = 1 };
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);

	KT_EXPECT_ERRNO(syscall(SYS_connect, t, &ok, 1UL << 32), EINVAL);
	KT_EXPECT_ERRNO(syscall(SYS_connect, t, &ok, 0xffffffffUL), EINVAL);
	KT_EXPECT_ERRNO(syscall(SYS_connect, t, &ok, 129UL), EINVAL);
	KT_EXPECT_ERRNO(syscall(SYS_sendto, u, "x", 1, 0, &ok, 1UL << 32), EINVAL);
	KT_EXPECT_ERRNO(syscall(SYS_sendto, u, "x", 1, 0, &ok, 0x80000000UL), EINVAL);
	m.msg_namelen = (socklen_t)-1;
	KT_EXPECT_ERRNO(sendmsg(u, &m, 0), EINVAL);
	/* A long msg_namelen is clamped, as the kernel clamps it. */
	memcpy(big, &ok, sizeof(ok));
	m.msg_namelen = 0x7fffffff;
	if (sendmsg(u, &m, 0) != 1)
		return 10;
	/* An unreadable address is EFAULT; the supervisor still serves. */
	KT_EXPECT_ERRNO(connect(t, (struct sockaddr *)8, 16), EFAULT);
	KT_EXPECT_OK(connect(t, SA(ok), sizeof(ok)));
	return 0;
}

static int case_huge_len(void *arg)
{
	int l, r;
	uint16_t p;

	(void)arg;
	P1 = 0;
	l = tcp_listen(AF_INET, "127.0.0.1", &P1);
	p = P1;
	r = udp_bind("127.0.0.1", &p);
	CHECK(l >= 0 && r >= 0);
	CHECK(load_policy("[network]\nallow = [\"127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_huge_len) == 0);
	CHECK(pending(l) == 1);
	CHECK(datagrams(r) == 1);
	return 0;
}

static void test_4gib_sockaddr_length(void **state)
{
	(void)state;
	RUN(case_huge_len);
}

/* ---- the address rewritten while it is judged -------------------------- */

#define RACE_CONNECTS 3000
#define RACE_SENDS 20000

static volatile struct sockaddr_in race_sa;
static volatile int race_stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!race_stop) {
		race_sa.sin_port = htons(P2);
		race_sa.sin_port = htons(P1);
	}
	return NULL;
}

static int body_race(void)
{
	pthread_t t;
	int ok = 0, denied = 0, u = socket(AF_INET, SOCK_DGRAM, 0);

	race_sa = v4("127.0.0.1", P1);
	pthread_create(&t, NULL, flipper, NULL);
	for (int i = 0; i < RACE_CONNECTS; i++) {
		int r = tcp_connect((const void *)&race_sa, sizeof(race_sa));

		if (r == 0)
			ok++;
		else if (errno == EACCES)
			denied++;
		else
			return 10;
	}
	for (int i = 0; i < RACE_SENDS; i++)
		if (sendto(u, "r", 1, 0, (const void *)&race_sa, sizeof(race_sa)) < 0 &&
		    errno != EACCES)
			return 11;
	race_stop = 1;
	pthread_join(t, NULL);
	/* Both outcomes happened: the race was real. */
	fprintf(stderr, "race: %d connects allowed, %d denied\n", ok, denied);
	return ok > 0 && denied > 0 ? 0 : 12;
}

static int case_race(void *arg)
{
	struct acceptor a;
	int l1, l2, r2;
	uint16_t p;

	(void)arg;
	P1 = P2 = 0;
	l1 = tcp_listen(AF_INET, "127.0.0.1", &P1);
	l2 = tcp_listen(AF_INET, "127.0.0.1", &P2);
	p = P2;
	r2 = udp_bind("127.0.0.1", &p);
	CHECK(l1 >= 0 && l2 >= 0 && r2 >= 0);
	CHECK(load_policy("[network]\nallow = [\"127.0.0.1:%u\"]\n", P1) == 0);
	acceptor_start(&a, l1);
	CHECK(supervised(body_race) == 0);
	CHECK(acceptor_stop(&a) > 0);
	CHECK(pending(l2) == 0);   /* never an accept on the denied port */
	CHECK(datagrams(r2) == 0); /* never a datagram */
	return 0;
}

static void test_address_rewritten_during_judgement(void **state)
{
	(void)state;
	RUN(case_race);
}

/* ---- ATTACKS.md 9: the pins are what counts ---------------------------- */

static int body_pinned(void)
{
	struct sockaddr_in pinned = v4("127.0.0.1", P1), later = v4("127.0.0.3", P1);

	KT_EXPECT_OK(tcp_connect(&pinned, sizeof(pinned)));
	/* The same name resolving to 127.0.0.3 now changes nothing. */
	KT_EXPECT_ERRNO(tcp_connect(&later, sizeof(later)), EACCES);
	return 0;
}

static int case_pinned(void *arg)
{
	int l1, l3;
	uint16_t p;
	const struct rec *e;

	(void)arg;
	P1 = 0;
	l1 = tcp_listen(AF_INET, "127.0.0.1", &P1);
	p = P1;
	l3 = tcp_listen(AF_INET, "127.0.0.3", &p);
	CHECK(l1 >= 0 && l3 >= 0);
	CHECK(load_policy("[network]\nallow = [\"tcp://pinned.example:%u\"]\n", P1) == 0);
	pin_v4(0, "127.0.0.1");
	CHECK(supervised(body_pinned) == 0);
	CHECK(pending(l1) == 1);
	CHECK(pending(l3) == 0);
	e = find_event(EVENT_ALLOW, P1);
	CHECK(e && strcmp(e->host, "pinned.example") == 0);
	CHECK(strcmp(e->rule, "network.allow[0]") == 0);
	return 0;
}

static void test_hostname_pins(void **state)
{
	(void)state;
	RUN(case_pinned);
}

/* ---- ATTACKS.md 8: unix sockets ---------------------------------------- */

static int unix_listen(const char *path, int type)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(un);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (path[0] == '@') { /* abstract */
		memcpy(un.sun_path + 1, path + 1, strlen(path) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	} else {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	}
	if (bind(fd, (struct sockaddr *)&un, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0))
		return -1;
	return fd;
}

static int unix_connect(const char *path, int type)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(un);
	int fd = socket(AF_UNIX, type, 0), r, e;

	if (path[0] == '@') {
		memcpy(un.sun_path + 1, path + 1, strlen(path) - 1);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	} else {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	}
	r = type == SOCK_DGRAM ? (int)sendto(fd, "d", 1, 0, (struct sockaddr *)&un, len)
			       : connect(fd, (struct sockaddr *)&un, len);
	e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}

static char abstract_name[64];

static int body_unix(void)
{
	char in[128], out[128], link[128], dgin[128], dgout[128], magic[64];
	int o;

	snprintf(in, sizeof(in), "%s/in.sock", W);
	snprintf(out, sizeof(out), "%s/out.sock", O);
	snprintf(link, sizeof(link), "%s/link.sock", W);
	snprintf(dgin, sizeof(dgin), "%s/dg.sock", W);
	snprintf(dgout, sizeof(dgout), "%s/dg.sock", O);
	KT_EXPECT_OK(unix_connect(in, SOCK_STREAM));
	KT_EXPECT_ERRNO(unix_connect(out, SOCK_STREAM), EACCES);
	/* A symlink inside the grant to a socket outside: the target counts. */
	KT_EXPECT_ERRNO(unix_connect(link, SOCK_STREAM), EACCES);
	/* Relative paths resolve from the caller's cwd. */
	KT_EXPECT_OK(chdir(O));
	KT_EXPECT_ERRNO(unix_connect("out.sock", SOCK_STREAM), EACCES);
	KT_EXPECT_OK(chdir(W));
	KT_EXPECT_OK(unix_connect("in.sock", SOCK_STREAM));
	/* Our /proc/self is not the caller's: magic links are refused. */
	o = open(out, O_PATH);
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d", o);
	KT_EXPECT_ERRNO(unix_connect(magic, SOCK_STREAM), ELOOP);
	KT_EXPECT_ERRNO(unix_connect("/nonexistent/x.sock", SOCK_STREAM), ENOENT);
	/* Datagrams to a named socket need the grant too. */
	KT_EXPECT_OK(unix_connect(dgin, SOCK_DGRAM));
	KT_EXPECT_ERRNO(unix_connect(dgout, SOCK_DGRAM), EACCES);
	/* Abstract sockets are refused, whoever bound them. */
	KT_EXPECT_ERRNO(unix_connect(abstract_name, SOCK_STREAM), EACCES);
	return 0;
}

static int case_unix(void *arg)
{
	char p[128], q[128];
	int lin, lout, dgin, dgout, labs;
	const struct rec *e = NULL;

	(void)arg;
	snprintf(W, sizeof(W), "/tmp/sl-supnet-w.XXXXXX");
	snprintf(O, sizeof(O), "/tmp/sl-supnet-o.XXXXXX");
	CHECK(mkdtemp(W) && mkdtemp(O));
	chmod(W, 0777);
	chmod(O, 0777);
	snprintf(p, sizeof(p), "%s/in.sock", W);
	lin = unix_listen(p, SOCK_STREAM);
	snprintf(p, sizeof(p), "%s/out.sock", O);
	lout = unix_listen(p, SOCK_STREAM);
	snprintf(q, sizeof(q), "%s/link.sock", W);
	CHECK(symlink(p, q) == 0);
	snprintf(p, sizeof(p), "%s/dg.sock", W);
	dgin = unix_listen(p, SOCK_DGRAM);
	snprintf(p, sizeof(p), "%s/dg.sock", O);
	dgout = unix_listen(p, SOCK_DGRAM);
	snprintf(abstract_name, sizeof(abstract_name), "@sandlock-supnet-%d", (int)getpid());
	labs = unix_listen(abstract_name, SOCK_STREAM);
	CHECK(lin >= 0 && lout >= 0 && dgin >= 0 && dgout >= 0 && labs >= 0);
	fcntl(dgin, F_SETFL, O_NONBLOCK);
	fcntl(dgout, F_SETFL, O_NONBLOCK);
	CHECK(load_policy("[filesystem]\nwrite = [\"%s\"]\n[network]\ndeny = [\"10.0.0.0/8\"]\n",
			  W) == 0);
	CHECK(supervised(body_unix) == 0);
	CHECK(pending(lin) == 2);
	CHECK(pending(lout) == 0);
	CHECK(pending(labs) == 0);
	CHECK(datagrams(dgin) == 1 && datagrams(dgout) == 0);
	for (size_t i = 0; i < sink.n && !e; i++)
		if (sink.ev[i].kind == EVENT_PATH && sink.ev[i].verdict == EVENT_ALLOW)
			e = &sink.ev[i];
	CHECK(e && strcmp(e->rule, "filesystem.write") == 0 && e->line == 2);
	CHECK(strncmp(e->path, W, strlen(W)) == 0);
	return 0;
}

static void test_unix_named_and_abstract(void **state)
{
	(void)state;
	RUN(case_unix);
}

/* As root, sandlock could connect to a socket whose mode the sandbox's
 * credentials do not pass; the supervisor acts without capabilities. */
static int body_unix_mode(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	char path[128];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0) /* the sandbox has none */
		return 10;
	snprintf(path, sizeof(path), "%s/closed.sock", W);
	KT_EXPECT_ERRNO(unix_connect(path, SOCK_STREAM), EACCES);
	return 0;
}

static int case_unix_mode(void *arg)
{
	char p[128];
	int l;

	(void)arg;
	snprintf(W, sizeof(W), "/tmp/sl-supnet-m.XXXXXX");
	CHECK(mkdtemp(W));
	chmod(W, 0777);
	snprintf(p, sizeof(p), "%s/closed.sock", W);
	l = unix_listen(p, SOCK_STREAM);
	CHECK(l >= 0 && chmod(p, 0) == 0);
	CHECK(load_policy("[filesystem]\nwrite = [\"%s\"]\n[network]\ndeny = [\"10.0.0.0/8\"]\n",
			  W) == 0);
	CHECK(supervised(body_unix_mode) == 0);
	CHECK(pending(l) == 0);
	return 0;
}

static void test_unix_socket_mode_without_capabilities(void **state)
{
	(void)state;
	RUN(case_unix_mode);
}

/* ---- control messages, SIGPIPE, partial stream sends ------------------- */

static int body_cmsg(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} u;
	struct iovec iov = { (void *)"f", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = CMSG_SPACE(sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	struct ucred cred = { getpid(), getuid(), getgid() };
	int sv[2], pfd[2], got;
	char buf[8];

	KT_EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	KT_EXPECT_OK(pipe(pfd));
	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pfd[0], sizeof(int));
	if (sendmsg(sv[0], &m, 0) != 1)
		return 10;
	/* The fd that arrives is the caller's pipe, not a supervisor fd. */
	got = kt_recv_fd(sv[1]);
	if (got < 0 || write(pfd[1], "pipe", 4) != 4 || read(got, buf, 4) != 4 ||
	    memcmp(buf, "pipe", 4) != 0)
		return 11;
	/* Credentials would be checked against sandlock's: refused. */
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(cred));
	memcpy(CMSG_DATA(cm), &cred, sizeof(cred));
	m.msg_controllen = CMSG_SPACE(sizeof(cred));
	KT_EXPECT_ERRNO(sendmsg(sv[0], &m, 0), EPERM);
	/* A bad fd is EBADF, as the kernel says. */
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	got = 999;
	memcpy(CMSG_DATA(cm), &got, sizeof(int));
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	KT_EXPECT_ERRNO(sendmsg(sv[0], &m, 0), EBADF);
	return 0;
}

static int body_sigpipe(void)
{
	int sv[2];

	KT_EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close(sv[1]);
	KT_EXPECT_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	send(sv[0], "x", 1, 0); /* dies of SIGPIPE, as unsupervised */
	return 0;
}

static char bigbuf[300 * 1024];

static void *drain(void *arg)
{
	char buf[65536];
	size_t *total = arg;
	ssize_t n;

	while ((n = read(*(int *)(total + 1), buf, sizeof(buf))) > 0)
		*total += (size_t)n;
	return NULL;
}

static int body_stream_partial(void)
{
	struct iovec iov[1100];
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 1025 };
	size_t st[2] = { 0 };
	int sv[2], u = socket(AF_INET, SOCK_DGRAM, 0);
	pthread_t t;
	ssize_t n;

	for (int i = 0; i < 1100; i++)
		iov[i] = (struct iovec){ bigbuf, 1 };
	KT_EXPECT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	KT_EXPECT_ERRNO(sendmsg(sv[0], &m, 0), EMSGSIZE); /* > UIO_MAXIOV */
	st[1] = (size_t)sv[1];
	pthread_create(&t, NULL, drain, st);
	/* A stream send of 300 KiB sends the first 256 KiB: partial, as a
	 * stream send may be. */
	n = send(sv[0], bigbuf, sizeof(bigbuf), 0);
	close(sv[0]);
	pthread_join(t, NULL);
	if (n != 256 * 1024 || st[0] != (size_t)n)
		return 10;
	/* A datagram that big fails whole. */
	KT_EXPECT_ERRNO(sendto(u, bigbuf, sizeof(bigbuf), 0, NULL, 0), EMSGSIZE);
	return 0;
}

static int case_cmsg(void *arg)
{
	(void)arg;
	CHECK(load_policy("[network]\ndeny = [\"10.0.0.0/8\"]\n") == 0);
	CHECK(supervised(body_cmsg) == 0);
	CHECK(supervised(body_sigpipe) == 128 + SIGPIPE);
	CHECK(supervised(body_stream_partial) == 0);
	return 0;
}

static void test_cmsg_sigpipe_partial(void **state)
{
	(void)state;
	RUN(case_cmsg);
}

/* ---- what the socket itself could reroute ------------------------------ */

static int body_rthdr(void)
{
	/* A type 4 (segment routing) header: the packet's destination becomes
	 * its first segment, ::1 here, whatever address was judged. */
	unsigned char srh[40] = { 0, 4, 4, 1, 1 };
	struct sockaddr_in6 dst = v6("::1", P1);
	struct sockaddr_in6 seg = v6("::1", 0);
	int u = socket(AF_INET6, SOCK_DGRAM, 0), t = socket(AF_INET6, SOCK_STREAM, 0);

	memcpy(srh + 8, &seg.sin6_addr, 16);
	memcpy(srh + 24, &seg.sin6_addr, 16);
	if (setsockopt(u, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof(srh)) < 0 ||
	    setsockopt(t, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof(srh)) < 0)
		return 77; /* the kernel refuses them itself */
	KT_EXPECT_ERRNO(sendto(u, "x", 1, 0, SA(dst), sizeof(dst)), EACCES);
	KT_EXPECT_ERRNO(connect(t, SA(dst), sizeof(dst)), EACCES);
	return 0;
}

static int case_rthdr(void *arg)
{
	int r;

	(void)arg;
	P1 = 4242;
	CHECK(load_policy("[network]\nallow = [\"[::1]:%u\"]\n", P1) == 0);
	r = supervised(body_rthdr);
	return r == 77 ? 0 : r;
}

static void test_ipv6_routing_header_refused(void **state)
{
	(void)state;
	RUN(case_rthdr);
}

/* ---- arguments the kernel would refuse ---------------------------------- */

static int body_bad_fds(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1);
	int pfd[2];

	KT_EXPECT_OK(pipe(pfd));
	KT_EXPECT_ERRNO(connect(pfd[0], SA(ok), sizeof(ok)), ENOTSOCK);
	KT_EXPECT_ERRNO(connect(555, SA(ok), sizeof(ok)), EBADF);
	KT_EXPECT_ERRNO(sendto(pfd[1], "x", 1, 0, SA(ok), sizeof(ok)), ENOTSOCK);
	return 0;
}

static int case_bad_fds(void *arg)
{
	(void)arg;
	P1 = 4243;
	CHECK(load_policy("[network]\nallow = [\"127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_bad_fds) == 0);
	return 0;
}

static void test_not_a_socket(void **state)
{
	(void)state;
	RUN(case_bad_fds);
}

/* ---- TCP Fast Open: a connect inside sendto ---------------------------- */

static int body_fastopen(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1), bad = v4("127.0.0.1", P2);
	int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);

	KT_EXPECT_ERRNO(sendto(b, "x", 1, MSG_FASTOPEN, SA(bad), sizeof(bad)), EACCES);
	KT_EXPECT_OK(sendto(a, "x", 1, MSG_FASTOPEN, SA(ok), sizeof(ok)));
	/* On a connected stream the address is ignored, as the kernel does. */
	KT_EXPECT_OK(sendto(a, "y", 1, 0, SA(bad), sizeof(bad)));
	return 0;
}

static int case_fastopen(void *arg)
{
	int l1, l2;

	(void)arg;
	P1 = P2 = 0;
	l1 = tcp_listen(AF_INET, "127.0.0.1", &P1);
	l2 = tcp_listen(AF_INET, "127.0.0.1", &P2);
	CHECK(l1 >= 0 && l2 >= 0);
	CHECK(load_policy("[network]\nallow = [\"tcp://127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_fastopen) == 0);
	CHECK(pending(l1) == 1);
	CHECK(pending(l2) == 0);
	return 0;
}

static void test_fastopen_judged_as_connect(void **state)
{
	(void)state;
	RUN(case_fastopen);
}

/* ---- cost ---------------------------------------------------------------- */

#define COST_N 2000

static double connects_us(void)
{
	struct sockaddr_in ok = v4("127.0.0.1", P1);
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < COST_N; i++)
		if (tcp_connect(&ok, sizeof(ok)) < 0)
			return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 /
	       COST_N;
}

static int body_cost(void)
{
	double us = connects_us();

	fprintf(stderr, "cost: supervised socket+connect+close %.1f us\n", us);
	return us > 0 ? 0 : 1;
}

static int case_cost(void *arg)
{
	struct acceptor a;
	int l;

	(void)arg;
	P1 = 0;
	l = tcp_listen(AF_INET, "127.0.0.1", &P1);
	CHECK(l >= 0);
	acceptor_start(&a, l);
	fprintf(stderr, "cost: unsupervised socket+connect+close %.1f us\n", connects_us());
	CHECK(load_policy("[network]\nallow = [\"tcp://127.0.0.1:%u\"]\n", P1) == 0);
	CHECK(supervised(body_cost) == 0);
	no_sink = true;
	fprintf(stderr, "cost: without a decision sink:\n");
	CHECK(supervised(body_cost) == 0);
	acceptor_stop(&a);
	return 0;
}

static void test_cost_per_connect(void **state)
{
	(void)state;
	RUN(case_cost);
}

/* ---- which syscalls ------------------------------------------------------ */

static void test_syscalls_only_when_supervised(void **state)
{
	int nrs[NOTIF_MAX_SYSCALLS];

	(void)state;
	assert_int_equal(load_policy("[network]\nallow = [\"tcp://*:443\"]\n"), 0);
	assert_int_equal(sup_net_syscalls(&pol, nrs), 0);
	policy_release(&pol);
	assert_int_equal(load_policy("[network]\nallow = [\"udp://*:53\"]\n"), 0);
	assert_int_equal(sup_net_syscalls(&pol, nrs), 4);
	assert_int_equal(nrs[0], SYS_connect);
	assert_int_equal(nrs[3], SYS_sendmmsg);
	policy_release(&pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscalls_only_when_supervised),
		cmocka_unit_test(test_tcp_wrong_port_and_host),
		cmocka_unit_test(test_wrong_protocol),
		cmocka_unit_test(test_udp_sendto_sendmsg_connected),
		cmocka_unit_test(test_sendmmsg_mixed_batch),
		cmocka_unit_test(test_ipv4_mapped_and_unspec),
		cmocka_unit_test(test_4gib_sockaddr_length),
		cmocka_unit_test(test_address_rewritten_during_judgement),
		cmocka_unit_test(test_hostname_pins),
		cmocka_unit_test(test_unix_named_and_abstract),
		cmocka_unit_test(test_unix_socket_mode_without_capabilities),
		cmocka_unit_test(test_cmsg_sigpipe_partial),
		cmocka_unit_test(test_ipv6_routing_header_refused),
		cmocka_unit_test(test_not_a_socket),
		cmocka_unit_test(test_fastopen_judged_as_connect),
		cmocka_unit_test(test_cost_per_connect),
	};
	return cmocka_run_group_tests_name("sup_net", tests, NULL, NULL);
}
