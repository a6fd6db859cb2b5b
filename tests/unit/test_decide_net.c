/* Unit tests of the network decision (decide_net.c): sockaddr conversion
 * and canonical forms, and decide_net() over rules built by the real
 * grammar.  Pure code: no socket is opened. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "decide_net.h"
#include "policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TCP POLICY_NET_TCP
#define UDP POLICY_NET_UDP

static const struct policy_origin flag = { 0 };

/* Builds a policy from "+spec" (allow) and "-spec" (deny) entries. */
static void build(struct policy *p, const char *const *rules, size_t n)
{
	policy_init(p);
	for (size_t i = 0; i < n; i++) {
		struct diag d = { { 0 } };
		int r = rules[i][0] == '-' ? policy_add_net_deny(p, rules[i] + 1, flag, &d)
					   : policy_add_net_allow(p, rules[i] + 1, flag, &d);

		if (r != 0)
			fail_msg("rule '%s': %s", rules[i], d.msg);
	}
}

#define BUILD(p, ...) build(p, (const char *const[]){ __VA_ARGS__ }, \
			    ARRAY_SIZE(((const char *const[]){ __VA_ARGS__ })))

/* A destination from text: "1.2.3.4" or an IPv6 address. */
static struct net_dest dest(unsigned proto, const char *addr, uint16_t port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct net_dest d;
	int r;

	if (inet_pton(AF_INET, addr, &in.sin_addr) == 1) {
		r = net_dest_from_sockaddr(&in, sizeof(in), proto, &d);
	} else {
		if (inet_pton(AF_INET6, addr, &in6.sin6_addr) != 1)
			fail_msg("bad test address '%s'", addr);
		r = net_dest_from_sockaddr(&in6, sizeof(in6), proto, &d);
	}
	assert_int_equal(r, 0);
	return d;
}

struct want {
	unsigned proto;
	const char *addr;
	uint16_t port;
	bool allow;
	int rule;
};

/* Decides every case, reporting each mismatch before failing. */
static void expect(const struct policy *p, const struct net_pins *pins, const struct want *w,
		   size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		struct net_dest d = dest(w[i].proto, w[i].addr, w[i].port);
		int rule = 99;
		bool got = decide_net(p, pins, &d, &rule);

		if (got != w[i].allow || rule != w[i].rule) {
			print_error("%s %s port %u: %s by rule %d, want %s by rule %d\n",
				    w[i].proto == TCP ? "tcp" : "udp", w[i].addr, w[i].port,
				    got ? "allowed" : "denied", rule, w[i].allow ? "allowed" : "denied",
				    w[i].rule);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

#define EXPECT(p, pins, ...) expect(p, pins, (const struct want[]){ __VA_ARGS__ }, \
				    ARRAY_SIZE(((const struct want[]){ __VA_ARGS__ })))

/* ---- net_dest_from_sockaddr ---- */

static void sockaddr_ipv4_and_mapped_are_one_form(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(443) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443),
				    .sin6_flowinfo = 7, .sin6_scope_id = 3 };
	static const uint8_t want[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1 };
	struct net_dest a, b;

	(void)state;
	inet_pton(AF_INET, "10.0.0.1", &in.sin_addr);
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
	assert_int_equal(net_dest_from_sockaddr(&in, sizeof(in), TCP, &a), 0);
	assert_int_equal(net_dest_from_sockaddr(&in6, sizeof(in6), TCP, &b), 0);
	assert_memory_equal(a.addr, want, 16);
	assert_memory_equal(b.addr, want, 16);
	assert_int_equal(a.port, 443);
	assert_int_equal(b.port, 443);
	assert_int_equal(a.proto, TCP);
	assert_false(a.unspecified || b.unspecified);
	/* Flow label and scope id play no part. */
	assert_memory_equal(&a, &b, sizeof(a));

	/* The kernel takes a sockaddr_in6 without its scope id (RFC 2133). */
	assert_int_equal(net_dest_from_sockaddr(&in6, 24, UDP, &b), 0);
	assert_int_equal(b.proto, UDP);
	assert_int_equal(b.port, 443);
	/* A longer buffer than the family needs is fine, up to sockaddr_storage. */
	{
		struct sockaddr_storage ss;

		memset(&ss, 0xee, sizeof(ss));
		memcpy(&ss, &in, sizeof(in));
		assert_int_equal(net_dest_from_sockaddr(&ss, sizeof(ss), TCP, &b), 0);
		assert_memory_equal(b.addr, want, 16);
	}
}

static void sockaddr_bad_lengths(void **state)
{
	struct sockaddr_storage ss[2];
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	struct net_dest d;
	static const size_t oversized[] = { sizeof(struct sockaddr_storage) + 1, 4096,
					    (size_t)4 << 30, SIZE_MAX };

	(void)state;
	memset(ss, 0, sizeof(ss));
	memcpy(ss, &in, sizeof(in));
	for (size_t i = 0; i < ARRAY_SIZE(oversized); i++)
		assert_int_equal(net_dest_from_sockaddr(ss, oversized[i], TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, 0, TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, 1, TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, 2, TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, sizeof(in) - 1, TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, sizeof(in), TCP, &d), 0);
	assert_int_equal(net_dest_from_sockaddr(&in6, 23, TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in6, sizeof(in), TCP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in6, 24, TCP, &d), 0);
	/* One protocol, never none or both. */
	assert_int_equal(net_dest_from_sockaddr(&in, sizeof(in), 0, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, sizeof(in), TCP | UDP, &d), -EINVAL);
	assert_int_equal(net_dest_from_sockaddr(&in, sizeof(in), 4, &d), -EINVAL);
}

static void sockaddr_other_families(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/run/docker.sock" };
	struct sockaddr_in unspec = { .sin_family = AF_UNSPEC, .sin_port = htons(53) };
	struct sockaddr_storage ss = { .ss_family = AF_NETLINK };
	struct net_dest d;

	(void)state;
	assert_int_equal(net_dest_from_sockaddr(&un, sizeof(un), TCP, &d), -EAFNOSUPPORT);
	assert_int_equal(net_dest_from_sockaddr(&un, sizeof(sa_family_t), UDP, &d), -EAFNOSUPPORT);
	assert_int_equal(net_dest_from_sockaddr(&unspec, sizeof(unspec), UDP, &d), -EAFNOSUPPORT);
	assert_int_equal(net_dest_from_sockaddr(&ss, sizeof(ss), UDP, &d), -EAFNOSUPPORT);
}

/* 0.0.0.0 and :: reach loopback: they are loopback, marked. */
static void sockaddr_unspecified_is_loopback(void **state)
{
	static const uint8_t v4_lo[16] = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };
	static const uint8_t v6_lo[16] = { [15] = 1 };
	struct net_dest d;

	(void)state;
	d = dest(TCP, "0.0.0.0", 80);
	assert_true(d.unspecified);
	assert_memory_equal(d.addr, v4_lo, 16);
	d = dest(TCP, "::ffff:0.0.0.0", 80);
	assert_true(d.unspecified);
	assert_memory_equal(d.addr, v4_lo, 16);
	d = dest(UDP, "::", 53);
	assert_true(d.unspecified);
	assert_memory_equal(d.addr, v6_lo, 16);
	d = dest(UDP, "::1", 53);
	assert_false(d.unspecified);
	d = dest(UDP, "127.0.0.1", 53);
	assert_false(d.unspecified);
	assert_memory_equal(d.addr, v4_lo, 16);
}

/* ---- decide_net ---- */

static void decide_host_pins_exact(void **state)
{
	struct policy p;
	struct in6_addr a[3];
	struct net_pin by_rule[2] = { { NULL, 0 }, { a, 2 } };
	struct net_pins pins = { by_rule, 2 }, short_pins = { by_rule, 1 };
	struct net_pin none[2] = { { NULL, 0 }, { a, 0 } };
	struct net_pins empty = { none, 2 };

	(void)state;
	inet_pton(AF_INET6, "::ffff:93.184.216.34", &a[0]);
	inet_pton(AF_INET6, "2606:2800:220:1:248:1893:25c8:1946", &a[1]);
	inet_pton(AF_INET6, "::ffff:1.1.1.1", &a[2]); /* past n: not pinned */
	BUILD(&p, "+udp://*:53", "+tcp://Example.com:443");
	EXPECT(&p, &pins,
	       { TCP, "93.184.216.34", 443, true, 1 },
	       { TCP, "::ffff:93.184.216.34", 443, true, 1 },
	       { TCP, "2606:2800:220:1:248:1893:25c8:1946", 443, true, 1 },
	       { TCP, "93.184.216.35", 443, false, -1 },
	       { TCP, "2606:2800:220:1:248:1893:25c8:1947", 443, false, -1 },
	       { TCP, "1.1.1.1", 443, false, -1 },
	       { TCP, "93.184.216.34", 80, false, -1 },
	       { UDP, "93.184.216.34", 443, false, -1 },
	       { UDP, "93.184.216.34", 53, true, 0 });
	/* No pins, too few, or none for the rule: the host rule matches
	 * nothing. */
	EXPECT(&p, NULL, { TCP, "93.184.216.34", 443, false, -1 });
	EXPECT(&p, &short_pins, { TCP, "93.184.216.34", 443, false, -1 });
	EXPECT(&p, &empty, { TCP, "93.184.216.34", 443, false, -1 });
	policy_release(&p);

	/* A pinned deny rule: the host's addresses only. */
	BUILD(&p, "-tcp://example.com", "+*");
	by_rule[0] = (struct net_pin){ a, 1 };
	EXPECT(&p, &pins,
	       { TCP, "93.184.216.34", 22, false, 0 },
	       { UDP, "93.184.216.34", 22, true, 1 },
	       { TCP, "2606:2800:220:1:248:1893:25c8:1946", 22, true, 1 });
	policy_release(&p);
}

static void decide_cidr_v4_boundaries(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "+10.0.0.0/8", "+192.168.1.2/31:22", "+172.16.0.1", "+100.64.0.0/10");
	EXPECT(&p, NULL,
	       { TCP, "10.0.0.0", 1, true, 0 },
	       { UDP, "10.255.255.255", 65535, true, 0 },
	       { TCP, "9.255.255.255", 80, false, -1 },
	       { TCP, "11.0.0.0", 80, false, -1 },
	       { TCP, "192.168.1.1", 22, false, -1 },
	       { TCP, "192.168.1.2", 22, true, 1 },
	       { TCP, "192.168.1.3", 22, true, 1 },
	       { TCP, "192.168.1.4", 22, false, -1 },
	       { TCP, "192.168.1.3", 23, false, -1 },
	       { TCP, "172.16.0.1", 9, true, 2 },
	       { TCP, "172.16.0.0", 9, false, -1 },
	       { TCP, "172.16.0.2", 9, false, -1 },
	       { TCP, "100.63.255.255", 1, false, -1 },
	       { TCP, "100.64.0.0", 1, true, 3 },
	       { TCP, "100.127.255.255", 1, true, 3 },
	       { TCP, "100.128.0.0", 1, false, -1 },
	       /* IPv4 rules do not cover IPv6 addresses. */
	       { TCP, "::a00:1", 80, false, -1 },
	       { TCP, "a00::1", 80, false, -1 });
	policy_release(&p);

	/* 0.0.0.0/0 is all of IPv4 and nothing else. */
	BUILD(&p, "+0.0.0.0/0");
	EXPECT(&p, NULL,
	       { TCP, "0.0.0.1", 1, true, 0 },
	       { TCP, "255.255.255.255", 1, true, 0 },
	       { TCP, "::1", 1, false, -1 },
	       { TCP, "2001:db8::1", 1, false, -1 });
	policy_release(&p);
}

static void decide_cidr_v6_boundaries(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "+[fd00::]/8", "+[2001:db8::]/33:443", "+[::1]", "+[2001:db8:ffff::]/127");
	EXPECT(&p, NULL,
	       { TCP, "fd00::", 1, true, 0 },
	       { TCP, "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, true, 0 },
	       { TCP, "fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, false, -1 },
	       { TCP, "fe00::", 1, false, -1 },
	       { TCP, "2001:db8::", 443, true, 1 },
	       { TCP, "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", 443, true, 1 },
	       { TCP, "2001:db8:8000::", 443, false, -1 },
	       { TCP, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 443, false, -1 },
	       { TCP, "::1", 5, true, 2 },
	       { TCP, "::2", 5, false, -1 },
	       { TCP, "::", 5, false, -1 }, /* loopback, but 127.0.0.1 is not allowed */
	       { TCP, "2001:db8:ffff::", 1, true, 3 },
	       { TCP, "2001:db8:ffff::1", 1, true, 3 },
	       { TCP, "2001:db8:ffff::2", 1, false, -1 },
	       { TCP, "253.0.0.1", 1, false, -1 });
	policy_release(&p);

	/* [::]/0 holds the IPv4-mapped block too: IPv4 is ::ffff:a.b.c.d. */
	BUILD(&p, "+[::]/0:80");
	EXPECT(&p, NULL, { TCP, "1.2.3.4", 80, true, 0 }, { TCP, "2001:db8::1", 80, true, 0 });
	policy_release(&p);
}

/* Attack corpus 6: a denied IPv4 host must stay denied when written as
 * an IPv4-mapped IPv6 address. */
static void decide_mapped_v4_denied_like_v4(void **state)
{
	struct policy p;
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	struct net_dest d;
	int rule;

	(void)state;
	BUILD(&p, "+*", "-10.0.0.1", "-udp://192.168.0.0/16:53");
	EXPECT(&p, NULL,
	       { TCP, "10.0.0.1", 80, false, 1 },
	       { TCP, "::ffff:10.0.0.1", 80, false, 1 },
	       { UDP, "::ffff:10.0.0.1", 9, false, 1 },
	       { TCP, "10.0.0.2", 80, true, 0 },
	       { TCP, "::ffff:10.0.0.2", 80, true, 0 },
	       { UDP, "::ffff:192.168.7.7", 53, false, 2 },
	       { TCP, "::ffff:192.168.7.7", 53, true, 0 },
	       /* Not the same address: IPv4-compatible (deprecated) ::a.b.c.d. */
	       { TCP, "::10.0.0.1", 80, true, 0 });
	/* Through the sockaddr, as the supervisor sees it. */
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
	assert_int_equal(net_dest_from_sockaddr(&in6, sizeof(in6), TCP, &d), 0);
	assert_false(decide_net(&p, NULL, &d, &rule));
	assert_int_equal(rule, 1);
	policy_release(&p);
}

static void decide_proto_mismatch(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "+udp://*:53", "+tcp://*:443", "+1.1.1.1:853");
	EXPECT(&p, NULL,
	       { UDP, "8.8.8.8", 53, true, 0 },
	       { TCP, "8.8.8.8", 53, false, -1 },
	       { TCP, "8.8.8.8", 443, true, 1 },
	       { UDP, "8.8.8.8", 443, false, -1 },
	       /* No scheme: both. */
	       { TCP, "1.1.1.1", 853, true, 2 },
	       { UDP, "1.1.1.1", 853, true, 2 });
	policy_release(&p);
}

static void decide_port_ranges(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "+tcp://*:8000-8100,80,443", "+udp://*:1,65535");
	EXPECT(&p, NULL,
	       { TCP, "1.2.3.4", 79, false, -1 },
	       { TCP, "1.2.3.4", 80, true, 0 },
	       { TCP, "1.2.3.4", 81, false, -1 },
	       { TCP, "1.2.3.4", 442, false, -1 },
	       { TCP, "1.2.3.4", 443, true, 0 },
	       { TCP, "1.2.3.4", 7999, false, -1 },
	       { TCP, "1.2.3.4", 8000, true, 0 },
	       { TCP, "1.2.3.4", 8050, true, 0 },
	       { TCP, "1.2.3.4", 8100, true, 0 },
	       { TCP, "1.2.3.4", 8101, false, -1 },
	       { TCP, "1.2.3.4", 0, false, -1 },
	       { TCP, "1.2.3.4", 65535, false, -1 },
	       { UDP, "1.2.3.4", 0, false, -1 },
	       { UDP, "1.2.3.4", 1, true, 1 },
	       { UDP, "1.2.3.4", 2, false, -1 },
	       { UDP, "1.2.3.4", 65535, true, 1 });
	policy_release(&p);

	/* Port 0 matches '*' only. */
	BUILD(&p, "+tcp://*:*");
	EXPECT(&p, NULL, { TCP, "1.2.3.4", 0, true, 0 });
	policy_release(&p);
}

/* A matching deny rule wins wherever it stands; the first matching one is
 * named. */
static void decide_deny_over_allow(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "+10.0.0.0/8", "+*:22", "-10.1.0.0/16", "-tcp://*:22", "-10.1.2.3:22");
	EXPECT(&p, NULL,
	       { TCP, "10.1.2.3", 80, false, 2 },
	       { TCP, "10.1.2.3", 22, false, 2 },
	       { TCP, "10.2.3.4", 22, false, 3 },
	       { UDP, "10.2.3.4", 22, true, 0 }, /* the first matching allow rule */
	       { TCP, "10.2.3.4", 80, true, 0 },
	       { UDP, "8.8.8.8", 22, true, 1 },
	       { TCP, "8.8.8.8", 80, false, -1 });
	policy_release(&p);

	/* Denied before allowed in the file changes nothing. */
	BUILD(&p, "-1.2.3.4", "+*");
	EXPECT(&p, NULL, { TCP, "1.2.3.4", 1, false, 0 }, { TCP, "1.2.3.5", 1, true, 1 });
	policy_release(&p);
}

static void decide_default_allow_with_only_deny_rules(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "-tcp://*:25", "-169.254.169.254", "-[fd00::]/8");
	EXPECT(&p, NULL,
	       { TCP, "1.2.3.4", 25, false, 0 },
	       { UDP, "1.2.3.4", 25, true, -1 },
	       { TCP, "1.2.3.4", 443, true, -1 },
	       { TCP, "169.254.169.254", 80, false, 1 },
	       { UDP, "fd12::1", 53, false, 2 },
	       { UDP, "fe80::1", 53, true, -1 });
	policy_release(&p);

	/* No rules at all: no network. */
	policy_init(&p);
	EXPECT(&p, NULL, { TCP, "1.2.3.4", 443, false, -1 }, { UDP, "::1", 53, false, -1 });
	policy_release(&p);

	/* An allow rule for one protocol makes the default deny for both. */
	BUILD(&p, "-tcp://*:25", "+tcp://*:443");
	EXPECT(&p, NULL, { UDP, "1.2.3.4", 53, false, -1 }, { TCP, "1.2.3.4", 443, true, 1 });
	policy_release(&p);
}

/* The kernel sends 0.0.0.0 and :: to loopback, whichever family the socket
 * picks: both loopbacks must be allowed. */
static void decide_unspecified_needs_both_loopbacks(void **state)
{
	struct policy p;

	(void)state;
	BUILD(&p, "+*", "-127.0.0.0/8");
	EXPECT(&p, NULL,
	       { TCP, "0.0.0.0", 80, false, 1 },
	       { TCP, "::", 80, false, 1 },
	       { TCP, "::ffff:0.0.0.0", 80, false, 1 },
	       { TCP, "::1", 80, true, 0 });
	policy_release(&p);

	BUILD(&p, "+127.0.0.1:8080");
	EXPECT(&p, NULL, { TCP, "0.0.0.0", 8080, false, -1 }, { TCP, "127.0.0.1", 8080, true, 0 });
	policy_release(&p);

	BUILD(&p, "+127.0.0.1:8080", "+[::1]:8080");
	EXPECT(&p, NULL,
	       { TCP, "0.0.0.0", 8080, true, 0 },
	       { TCP, "::", 8080, true, 1 },
	       { TCP, "::", 8081, false, -1 });
	policy_release(&p);
}

static void decide_malformed_dest_denied(void **state)
{
	struct policy p;
	struct net_dest d = { .proto = TCP | UDP, .port = 80 };
	int rule = 5;

	(void)state;
	BUILD(&p, "+*");
	assert_false(decide_net(&p, NULL, &d, &rule));
	assert_int_equal(rule, -1);
	d.proto = 0;
	rule = 5;
	assert_false(decide_net(&p, NULL, &d, &rule));
	assert_int_equal(rule, -1);
	d.proto = TCP;
	assert_true(decide_net(&p, NULL, &d, &rule));
	assert_int_equal(rule, 0);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sockaddr_ipv4_and_mapped_are_one_form),
		cmocka_unit_test(sockaddr_bad_lengths),
		cmocka_unit_test(sockaddr_other_families),
		cmocka_unit_test(sockaddr_unspecified_is_loopback),
		cmocka_unit_test(decide_host_pins_exact),
		cmocka_unit_test(decide_cidr_v4_boundaries),
		cmocka_unit_test(decide_cidr_v6_boundaries),
		cmocka_unit_test(decide_mapped_v4_denied_like_v4),
		cmocka_unit_test(decide_proto_mismatch),
		cmocka_unit_test(decide_port_ranges),
		cmocka_unit_test(decide_deny_over_allow),
		cmocka_unit_test(decide_default_allow_with_only_deny_rules),
		cmocka_unit_test(decide_unspecified_needs_both_loopbacks),
		cmocka_unit_test(decide_malformed_dest_denied),
	};

	return cmocka_run_group_tests_name("decide_net", tests, NULL, NULL);
}
