/* The seccomp socket rules against real calls (ATTACKS.md 6, 7): address
 * families, raw and packet sockets, netlink protocols, UDP and non-TCP
 * stream protocols, TCP Fast Open; and the socket rules in the simulator for
 * every policy combination they depend on.  Calls are also made with
 * garbage in the upper half of 32-bit arguments, which the kernel truncates
 * and a naive 64-bit comparison would miss. */
#define _GNU_SOURCE
#include "seccomp_kt.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* ---- sockets ----------------------------------------------------------- */

/* An unconnected TCP socket and a loopback address with nobody listening. */
static int tcp_socket(struct sockaddr_in *sa)
{
	*sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(9),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static int c_socket_families(void *arg)
{
	int sv[2];

	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_PACKET, SOCK_RAW, htons(3 /* ETH_P_ALL */)),
			EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
			EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_UNSPEC, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_KEY, SOCK_RAW, 2), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_TIPC, SOCK_RDM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, 200, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, -1, SOCK_STREAM, 0), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socketpair, AF_TIPC, SOCK_SEQPACKET, 0, sv), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socketpair, AF_NETLINK, SOCK_RAW, 0, sv), EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socketpair, HIGH | AF_UNIX, SOCK_STREAM, 0, sv),
			EAFNOSUPPORT);
	return 0;
}

static int c_socket_raw(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
				IPPROTO_TCP),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_PACKET, htons(3)), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, HIGH | SOCK_RAW, IPPROTO_ICMP), EPERM);
	/* Upper-half garbage matches two deny rules; the first one answers. */
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
	return 0;
}

static int c_netlink(void *arg)
{
	struct if_nameindex *ifs;

	ENTER(arg);
	KT_EXPECT_OK(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	KT_EXPECT_OK(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE));
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT), EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_NETLINK, SOCK_RAW, NETLINK_AUDIT),
			EPROTONOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, HIGH | AF_NETLINK, SOCK_RAW, NETLINK_ROUTE),
			EAFNOSUPPORT);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, HIGH | NETLINK_ROUTE),
			EPROTONOSUPPORT);
	/* glibc's interface enumeration goes through NETLINK_ROUTE. */
	ifs = if_nameindex();
	if (!ifs)
		return 1;
	if_freenameindex(ifs);
	return 0;
}

static int c_udp_denied(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EPERM);
	return 0;
}

static int c_udp_allowed(void *arg)
{
	ENTER(arg);
	KT_EXPECT_OK(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	KT_EXPECT_OK(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
	KT_EXPECT_OK(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	/* Allowing UDP allows neither ping sockets nor UDP-Lite. */
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_DGRAM, HIGH | IPPROTO_UDP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_UDP), EPERM);
	return 0;
}

static int c_non_tcp_stream(void *arg)
{
	ENTER(arg);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_SCTP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_MPTCP), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, 1), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_socket, AF_INET, SOCK_STREAM, HIGH | IPPROTO_TCP), EPERM);
	KT_EXPECT_OK(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
	return 0;
}

/* With TCP open both ways Landlock has nothing to enforce, so SCTP no longer
 * escapes anything: the filter lets the kernel answer. */
static int c_non_tcp_stream_open(void *arg)
{
	long r;

	ENTER(arg);
	errno = 0;
	r = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (r < 0 && errno == EPERM)
		return 1;
	r = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (r < 0 && errno == EPERM)
		return 1;
	return 0;
}

static int c_fastopen(void *arg)
{
	struct sockaddr_in sa;
	struct iovec iov = { (void *)"x", 1 };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };
	int fd;

	ENTER(arg);
	fd = tcp_socket(&sa);
	KT_EXPECT_OK(fd);
	KT_EXPECT_ERRNO(syscall(SYS_sendto, fd, "x", 1, MSG_FASTOPEN, &sa, sizeof(sa)), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sendto, fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, &sa,
				sizeof(sa)),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sendmsg, fd, &mh, MSG_FASTOPEN), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sendmmsg, fd, &mm, 1, MSG_FASTOPEN), EPERM);
	/* Without the flag, an unconnected TCP socket just fails to send. */
	KT_EXPECT_ERRNO(syscall(SYS_sendto, fd, "x", 1, MSG_NOSIGNAL, &sa, sizeof(sa)), EPIPE);
	return 0;
}

static int c_fastopen_allowed(void *arg)
{
	struct sockaddr_in sa;
	long r;
	int fd;

	ENTER(arg);
	fd = tcp_socket(&sa);
	KT_EXPECT_OK(fd);
	errno = 0;
	r = syscall(SYS_sendto, fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, &sa, sizeof(sa));
	if (r < 0 && errno == EPERM)
		return 1; /* nobody listens on port 9: ECONNREFUSED is the kernel's */
	return 0;
}

/* What socket(family, type, protocol) should get, written independently of
 * the rule tables. */
static uint32_t socket_model(const struct policy *p, uint32_t fam, uint32_t type, uint32_t proto)
{
	bool tcp_open = p->tcp_connect_any && p->tcp_bind_any;
	uint32_t t = type & 0xf;

	if (fam == AF_UNIX)
		return ALLOW;
	if (fam == AF_NETLINK)
		return proto == NETLINK_ROUTE ? ALLOW : ERR(EPROTONOSUPPORT);
	if (fam != AF_INET && fam != AF_INET6)
		return ERR(EAFNOSUPPORT);
	if (t == SOCK_STREAM)
		return tcp_open || proto == 0 || proto == IPPROTO_TCP ? ALLOW : ERR(EPERM);
	if (t == SOCK_DGRAM)
		return p->udp_any && (proto == 0 || proto == IPPROTO_UDP) ? ALLOW : ERR(EPERM);
	if (t == SOCK_SEQPACKET)
		return tcp_open ? ALLOW : ERR(EPERM);
	return ERR(EPERM);
}

static void sim_sockets(const struct policy *p)
{
	static const uint32_t protos[] = { 0, 1, 2, 3, 5, 6, 7, 16, 17, 18, 58, 132, 136, 255, 262,
					   0xffffffffu };
	static const uint32_t flags[] = { 0, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC };
	struct seccomp_filter f;

	compile_or_fail(p, &f);
	for (uint32_t fam = 0; fam < 70; fam++)
		for (uint32_t t = 0; t < 16; t++)
			for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
				for (size_t j = 0; j < sizeof(flags) / sizeof(flags[0]); j++) {
					uint32_t want = socket_model(p, fam, t, protos[i]);
					uint32_t got = sim_call(&f, AUDIT_ARCH_X86_64, SYS_socket,
								fam, t | flags[j], protos[i]);

					if (got != want)
						fail_msg("socket(%u, %#x, %u): got %#x, want %#x",
							 fam, t | flags[j], protos[i], got, want);
					/* Upper-half garbage may never turn a denial
					 * into an allowance. */
					got = sim_call(&f, AUDIT_ARCH_X86_64, SYS_socket,
						       (1ull << 32) | fam, t, protos[i]);
					assert_int_not_equal(got, ALLOW);
				}
	seccomp_filter_release(&f);
}

static void test_sim_sockets(void **state)
{
	const struct policy policies[] = {
		{ 0 },
		{ .udp_any = true },
		{ .tcp_connect_any = true },
		{ .tcp_connect_any = true, .tcp_bind_any = true },
		{ .tcp_connect_any = true, .tcp_bind_any = true, .udp_any = true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		sim_sockets(&policies[i]);
}

static struct policy empty;
static struct policy udp_any = { .udp_any = true };
static struct policy tcp_open = { .tcp_connect_any = true, .tcp_bind_any = true };
static struct policy tcp_connect = { .tcp_connect_any = true };

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_sockets),
		KCASE(c_socket_families, &empty, 0),
		KCASE(c_socket_families, &tcp_open, 0),
		KCASE(c_socket_raw, &empty, 0),
		KCASE(c_socket_raw, &udp_any, 0),
		KCASE(c_socket_raw, &tcp_open, 0),
		KCASE(c_netlink, &empty, 0),
		KCASE(c_udp_denied, &empty, 0),
		KCASE(c_udp_denied, &tcp_open, 0),
		KCASE(c_udp_allowed, &udp_any, 0),
		KCASE(c_non_tcp_stream, &empty, 0),
		KCASE(c_non_tcp_stream, &tcp_connect, 0),
		KCASE(c_non_tcp_stream_open, &tcp_open, 0),
		KCASE(c_fastopen, &empty, 0),
		KCASE(c_fastopen_allowed, &tcp_connect, 0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
