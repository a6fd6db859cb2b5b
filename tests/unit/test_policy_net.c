/* Unit tests of the [network] allow, deny and allow_bind grammar (policy_net.c)
 * and of the rule constructors the command line shares with the parser.
 * Pure code: no file, no syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "landlock.h"
#include "policy.h"
#include "sysset.h"

#include "policy_helpers.h"

/* ---- [network] rule grammar ---- */

static const struct policy_origin flag = { 0 };

/* What a single allow rule leaves in the static fields. */
struct net_ok {
	const char *spec;
	bool tcp_any, udp_any, supervised;
	size_t n;
	struct {
		uint16_t lo, hi;
	} r[3];
};

static void check_static(const struct net_ok *c, bool deny)
{
	struct policy p;
	struct diag d = { { 0 } };
	int r;

	policy_init(&p);
	r = deny ? policy_add_net_deny(&p, c->spec, flag, &d)
		 : policy_add_net_allow(&p, c->spec, flag, &d);
	if (r != 0)
		fail_msg("'%s' rejected: %s", c->spec, d.msg);
	if (p.tcp_connect_any != c->tcp_any || p.udp_any != c->udp_any || p.n_connect != c->n ||
	    policy_net_supervised(&p) != c->supervised)
		fail_msg("'%s': tcp_any %d udp_any %d n %zu supervised %d, want %d %d %zu %d",
			 c->spec, p.tcp_connect_any, p.udp_any, p.n_connect,
			 policy_net_supervised(&p), c->tcp_any, c->udp_any, c->n, c->supervised);
	for (size_t k = 0; k < c->n; k++)
		assert_range(&p.connect[k], c->r[k].lo, c->r[k].hi);
	assert_int_equal(p.n_net, 1);
	assert_int_equal(p.n_net_allow, deny ? 0 : 1);
	assert_false(p.tcp_bind_any);
	assert_int_equal(p.n_bind, 0);
	policy_release(&p);
}

/* Rules the static layer enforces alone keep filling the static fields
 * exactly as before rules existed. */
static void net_static_rules_unchanged(void **state)
{
	static const struct net_ok cases[] = {
		{ "tcp://*:443", false, false, false, 1, { { 443, 443 } } },
		{ "tcp://:443", false, false, false, 1, { { 443, 443 } } },
		{ "tcp://*:80,443", false, false, false, 2, { { 80, 80 }, { 443, 443 } } },
		{ "tcp://*:8000-8100", false, false, false, 1, { { 8000, 8100 } } },
		{ "tcp://*:443,80-81,22", false, false, false, 3, { { 443, 443 }, { 80, 81 }, { 22, 22 } } },
		{ "tcp://*:1", false, false, false, 1, { { 1, 1 } } },
		{ "tcp://*:65535", false, false, false, 1, { { 65535, 65535 } } },
		{ "tcp://*:1-65535", false, false, false, 1, { { 1, 65535 } } },
		{ "*", true, true, false, 0, { { 0, 0 } } },
		{ "*:*", true, true, false, 0, { { 0, 0 } } },
		{ ":*", true, true, false, 0, { { 0, 0 } } },
		{ "tcp://*:*", true, false, false, 0, { { 0, 0 } } },
		{ "tcp://*", true, false, false, 0, { { 0, 0 } } },
		{ "udp://*:*", false, true, false, 0, { { 0, 0 } } },
		{ "udp://*", false, true, false, 0, { { 0, 0 } } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_static(&cases[i], false);
}

/* Rules that need the supervisor: the supervisor performs every TCP
 * connect, so the child's own Landlock allows none (connect handled, no
 * port rule, tcp_connect_any false: TCP Fast Open and SCTP stay refused);
 * UDP sockets exist when an allow rule covers UDP. */
static void net_supervised_rules_leave_no_tcp_connect_to_the_child(void **state)
{
	static const struct net_ok cases[] = {
		/* No scheme is TCP and UDP now: UDP to port 443 is per-port. */
		{ ":443", false, true, true, 0, { { 0, 0 } } },
		{ "*:443", false, true, true, 0, { { 0, 0 } } },
		{ ":22,8000-8100,443", false, true, true, 0, { { 0, 0 } } },
		{ "udp://*:53", false, true, true, 0, { { 0, 0 } } },
		{ "udp://:1-100", false, true, true, 0, { { 0, 0 } } },
		{ "example.com:443", false, true, true, 0, { { 0, 0 } } },
		{ "tcp://example.com:443", false, false, true, 0, { { 0, 0 } } },
		{ "tcp://example.com", false, false, true, 0, { { 0, 0 } } },
		{ "udp://example.com:53", false, true, true, 0, { { 0, 0 } } },
		{ "tcp://10.0.0.0/8:22", false, false, true, 0, { { 0, 0 } } },
		{ "tcp://1.2.3.4:80", false, false, true, 0, { { 0, 0 } } },
		{ "tcp://[::1]:443", false, false, true, 0, { { 0, 0 } } },
		{ "[fd00::]/8", false, true, true, 0, { { 0, 0 } } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_static(&cases[i], false);
}

/* A deny-only policy allows everything else: UDP sockets exist and the
 * supervisor judges every destination; TCP connects are its too. */
static void net_deny_rules(void **state)
{
	static const struct net_ok cases[] = {
		{ "10.0.0.0/8", false, true, true, 0, { { 0, 0 } } },
		{ "tcp://*:25", false, true, true, 0, { { 0, 0 } } },
		{ "udp://*:*", false, true, true, 0, { { 0, 0 } } },
		{ "*", false, true, true, 0, { { 0, 0 } } },
	};
	struct policy p;
	struct diag d = { { 0 } };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_static(&cases[i], true);

	/* An allow rule added after a deny rule (a flag after a profile)
	 * restores the default deny: no UDP without a UDP allow rule. */
	policy_init(&p);
	assert_int_equal(policy_add_net_deny(&p, "tcp://*:25", flag, &d), 0);
	assert_true(!p.tcp_connect_any && p.udp_any);
	assert_int_equal(policy_add_net_allow(&p, "tcp://*:443", flag, &d), 0);
	assert_false(p.tcp_connect_any);
	assert_false(p.udp_any);
	assert_int_equal(p.n_connect, 0);
	assert_true(policy_net_supervised(&p));
	assert_int_equal(p.n_net, 2);
	assert_true(p.net[0].deny);
	assert_false(p.net[1].deny);
	policy_release(&p);

	/* A static policy that becomes supervised drops its port rules: the
	 * ports of the rules before are no grant to the child any more. */
	policy_init(&p);
	assert_int_equal(policy_add_net_allow(&p, "tcp://*:443", flag, &d), 0);
	assert_int_equal(p.n_connect, 1);
	assert_int_equal(policy_add_net_allow(&p, "tcp://10.0.0.1:22", flag, &d), 0);
	assert_int_equal(p.n_connect, 0);
	assert_false(p.tcp_connect_any);
	assert_int_equal(policy_add_net_allow(&p, "tcp://*:80", flag, &d), 0);
	assert_int_equal(p.n_connect, 0);
	policy_release(&p);
}

static const uint8_t v4_10[16] = { [10] = 0xff, [11] = 0xff, [12] = 10 };

static void net_rule_fields(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };
	const struct policy_origin o = { "f.toml", 4, 9 };
	const struct policy_net_rule *r;
	uint8_t fd00[16] = { 0xfd };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_net_allow(&p, "Example.COM.:443,80-90,85,91,1", o, &d), 0);
	r = &p.net[0];
	assert_int_equal(r->proto, POLICY_NET_TCP | POLICY_NET_UDP);
	assert_int_equal(r->kind, POLICY_NET_HOST);
	assert_string_equal(r->host, "example.com");
	assert_false(r->ports_any);
	/* Sorted, overlapping and adjacent ranges merged. */
	assert_int_equal(r->n_ports, 3);
	assert_range(&r->ports[0], 1, 1);
	assert_range(&r->ports[1], 80, 91);
	assert_range(&r->ports[2], 443, 443);
	assert_int_equal(r->origin.line, 4);
	assert_int_equal(r->origin.col, 9);
	assert_string_equal(r->origin.source, "f.toml");

	assert_int_equal(policy_add_net_deny(&p, "udp://10.0.0.0/8", o, &d), 0);
	r = &p.net[1];
	assert_true(r->deny);
	assert_int_equal(r->proto, POLICY_NET_UDP);
	assert_int_equal(r->kind, POLICY_NET_ADDR);
	assert_memory_equal(r->addr, v4_10, 16);
	assert_int_equal(r->prefix, 104);
	assert_true(r->ports_any);
	assert_int_equal(r->n_ports, 0);
	assert_null(r->host);

	assert_int_equal(policy_add_net_allow(&p, "tcp://[FD00::]/8:*", o, &d), 0);
	r = &p.net[2];
	assert_int_equal(r->kind, POLICY_NET_ADDR);
	assert_memory_equal(r->addr, fd00, 16);
	assert_int_equal(r->prefix, 8);

	/* An IPv4-mapped IPv6 address is the IPv4 address. */
	assert_int_equal(policy_add_net_allow(&p, "[::ffff:10.0.0.0]/104", o, &d), 0);
	assert_int_equal(policy_add_net_allow(&p, "10.0.0.0:1", o, &d), 0);
	assert_memory_equal(p.net[3].addr, v4_10, 16);
	assert_int_equal(p.net[3].prefix, 104);
	assert_memory_equal(p.net[4].addr, v4_10, 16);
	assert_int_equal(p.net[4].prefix, 128);
	policy_release(&p);
}

/* Input -> normalized text, which parses back to the same rule. */
static void net_rule_normalized_text(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "*", "*:*" },
		{ ":443", "*:443" },
		{ "tcp://:443", "tcp://*:443" },
		{ "udp://*", "udp://*:*" },
		{ "EXAMPLE.com", "example.com:*" },
		{ "example.com.:443", "example.com:443" },
		{ "tcp://a-b.c0.example:443,22,23,1000-2000,1500-2500",
		  "tcp://a-b.c0.example:22-23,443,1000-2500" },
		{ "1.2.3.4:80", "1.2.3.4:80" },
		{ "10.0.0.0/8", "10.0.0.0/8:*" },
		{ "0.0.0.0/0:53", "0.0.0.0/0:53" },
		{ "255.255.255.255/32", "255.255.255.255:*" },
		{ "[::1]:443", "[::1]:443" },
		{ "[2001:DB8:0:0::1]", "[2001:db8::1]:*" },
		{ "[fd00::]/8:1-65535", "[fd00::]/8:1-65535" },
		{ "[::]/0", "[::]/0:*" },
		{ "[::ffff:1.2.3.4]:1", "1.2.3.4:1" },
		{ "[::ffff:0:0]/96", "0.0.0.0/0:*" },
		{ "[::fffe:0:0]/95", "[::fffe:0:0]/95:*" },
		{ "udp://localhost:53", "udp://localhost:53" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct policy p;
		struct diag d = { { 0 } };
		char *once, *twice;

		policy_init(&p);
		if (policy_add_net_allow(&p, cases[i].in, flag, &d) != 0)
			fail_msg("'%s' rejected: %s", cases[i].in, d.msg);
		once = policy_net_rule_str(&p.net[0]);
		assert_non_null(once);
		if (strcmp(once, cases[i].out) != 0)
			fail_msg("'%s' printed '%s', want '%s'", cases[i].in, once, cases[i].out);
		assert_int_equal(policy_add_net_allow(&p, once, flag, &d), 0);
		twice = policy_net_rule_str(&p.net[1]);
		assert_string_equal(once, twice);
		assert_int_equal(p.net[0].kind, p.net[1].kind);
		assert_int_equal(p.net[0].prefix, p.net[1].prefix);
		assert_memory_equal(p.net[0].addr, p.net[1].addr, 16);
		free(once);
		free(twice);
		policy_release(&p);
	}
}

static void net_rule_ids(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };
	char buf[40];

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_net_allow(&p, ":1", flag, &d), 0);
	assert_int_equal(policy_add_net_deny(&p, ":2", flag, &d), 0);
	assert_int_equal(policy_add_net_allow(&p, ":3", flag, &d), 0);
	assert_int_equal(policy_add_net_deny(&p, ":4", flag, &d), 0);
	assert_string_equal(policy_net_rule_id(&p, 0, buf, sizeof(buf)), "network.allow[0]");
	assert_string_equal(policy_net_rule_id(&p, 1, buf, sizeof(buf)), "network.deny[0]");
	assert_string_equal(policy_net_rule_id(&p, 2, buf, sizeof(buf)), "network.allow[1]");
	assert_string_equal(policy_net_rule_id(&p, 3, buf, sizeof(buf)), "network.deny[1]");
	policy_release(&p);
}

struct net_bad {
	const char *spec, *why;
};

/* Checks every case and reports each mismatch before failing. */
static void net_rejects(const struct net_bad *cases, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		for (int deny = 0; deny < 2; deny++) {
			struct policy p;
			struct diag d = { { 0 } };
			char want[600];
			int r;

			policy_init(&p);
			snprintf(want, sizeof(want), "invalid network rule '%s': %s", cases[i].spec,
				 cases[i].why);
			r = deny ? policy_add_net_deny(&p, cases[i].spec, flag, &d)
				 : policy_add_net_allow(&p, cases[i].spec, flag, &d);
			if (r != -EINVAL || strcmp(d.msg, want) != 0) {
				print_error("'%s': r=%d msg '%s'\n  want -EINVAL '%s'\n",
					    cases[i].spec, r, d.msg, want);
				bad++;
			}
			if (p.tcp_connect_any || p.udp_any || p.n_net || p.n_connect) {
				print_error("'%s': rejected but left a rule\n", cases[i].spec);
				bad++;
			}
			policy_release(&p);
		}
	}
	assert_int_equal(bad, 0);
}

#define SHAPE_WHY "expected [tcp://|udp://]TARGET[:PORTS]"
#define V4_WHY "(four numbers 0-255 without leading zeros, separated by dots)"
#define HOSTCH_WHY "(host names hold letters, digits, '-' and '.')"

static void net_grammar_rejects_ports(void **state)
{
	static const struct net_bad cases[] = {
		{ ":0", "port 0 is not allowed (ports are 1-65535)" },
		{ ":0-10", "port 0 is not allowed (ports are 1-65535)" },
		{ "udp://*:0", "port 0 is not allowed (ports are 1-65535)" },
		{ ":65536", "port '65536' is out of range (ports are 1-65535)" },
		{ ":100000", "port '100000' is out of range (ports are 1-65535)" },
		{ ":99999999999999999999", "port '99999999999999999999' is out of range (ports are 1-65535)" },
		{ ":80-70", "port range '80-70' is reversed (low port first)" },
		{ ":", "missing ports after ':'" },
		{ "*:", "missing ports after ':'" },
		{ "tcp://*:", "missing ports after ':'" },
		{ ":1,", "empty item in port list" },
		{ ":,1", "empty item in port list" },
		{ ":1,,2", "empty item in port list" },
		{ ":1-", "port range '1-' needs a port on each side of '-'" },
		{ ":-1", "port range '-1' needs a port on each side of '-'" },
		{ ":1-2-3", "port '2-3' is not a number" },
		{ ":http", "port 'http' is not a number" },
		{ ":*,80", "'*' cannot be combined with other ports" },
		{ ":80,*", "'*' cannot be combined with other ports" },
		{ ": 80", "port ' 80' is not a number" },
		{ ":+80", "port '+80' is not a number" },
		{ "example.com:0x50", "port '0x50' is not a number" },
	};

	(void)state;
	net_rejects(cases, ARRAY_SIZE(cases));
}

static void net_grammar_rejects_targets(void **state)
{
	static const struct net_bad cases[] = {
		{ "tcp://", SHAPE_WHY },
		{ "udp://", SHAPE_WHY },
		{ "", SHAPE_WHY },
		{ "ftp://*:1", "unknown scheme 'ftp' (expected tcp:// or udp://)" },
		{ "TCP://*:1", "unknown scheme 'TCP' (expected tcp:// or udp://)" },
		{ "sctp://*:*", "unknown scheme 'sctp' (expected tcp:// or udp://)" },
		{ "://x", "unknown scheme '' (expected tcp:// or udp://)" },
		{ "::1", "more than one ':' (IPv6 addresses go in brackets, as '[::1]:443')" },
		{ "fd00::1:443", "more than one ':' (IPv6 addresses go in brackets, as '[::1]:443')" },
		{ "a.com:80:90", "more than one ':' (IPv6 addresses go in brackets, as '[::1]:443')" },
		{ "[::1", "missing ']' after IPv6 address" },
		{ "[::1]443", "expected ':PORTS' after the IPv6 address" },
		{ "[]:80", "empty IPv6 address '[]'" },
		{ "[fe80::1%eth0]:80", "zone index in IPv6 address 'fe80::1%eth0' is not supported" },
		{ "[1.2.3.4]:80", "'1.2.3.4' is not an IPv6 address (write IPv4 addresses without brackets)" },
		{ "[::g]:80", "invalid IPv6 address '::g'" },
		{ "[1:2:3:4:5:6:7:8:9]", "invalid IPv6 address '1:2:3:4:5:6:7:8:9'" },
		{ "1.2.3:80", "invalid IPv4 address '1.2.3' " V4_WHY },
		{ "1.2.3.256", "invalid IPv4 address '1.2.3.256' " V4_WHY },
		{ "01.2.3.4", "invalid IPv4 address '01.2.3.4' " V4_WHY },
		{ "1.2.3.4.", "invalid IPv4 address '1.2.3.4.' " V4_WHY },
		{ "1..2.3", "invalid IPv4 address '1..2.3' " V4_WHY },
		{ "1.2.3.4.5", "invalid IPv4 address '1.2.3.4.5' " V4_WHY },
		{ "12345", "invalid IPv4 address '12345' " V4_WHY },
		{ "10.0.0.0/33", "invalid prefix length '/33' (0-32 for IPv4)" },
		{ "10.0.0.0/", "invalid prefix length '/' (0-32 for IPv4)" },
		{ "10.0.0.0/x", "invalid prefix length '/x' (0-32 for IPv4)" },
		{ "10.0.0.0/-1", "invalid prefix length '/-1' (0-32 for IPv4)" },
		{ "[fd00::]/129:80", "invalid prefix length '/129' (0-128 for IPv6)" },
		{ "[fd00::]/1000", "invalid prefix length '/1000' (0-128 for IPv6)" },
		{ "10.0.0.1/8", "'10.0.0.1/8' has bits set past the prefix length (the network is "
				"'10.0.0.0/8')" },
		{ "[fd00::1]/8:80", "'[fd00::1]/8' has bits set past the prefix length (the network is "
				    "'[fd00::]/8')" },
		{ "[::ffff:0:0]/95", "'[::ffff:0:0]/95' has bits set past the prefix length (the "
				     "network is '[::fffe:0:0]/95')" },
		{ "example.com/8", "a prefix length needs an IP address, not 'example.com'" },
		{ "*/0", "a prefix length needs an IP address, not '*'" },
		{ "**:80", "invalid character '*' in host name (wildcard host names are not supported)" },
		{ "*.example.com", "invalid character '*' in host name (wildcard host names are not "
				   "supported)" },
		{ "a_b.example", "invalid character '_' in host name " HOSTCH_WHY },
		{ "exa mple.com", "invalid character ' ' in host name " HOSTCH_WHY },
		{ "caf\xc3\xa9.fr", "invalid byte 0xc3 in host name " HOSTCH_WHY },
		{ "a..b", "empty label in host name" },
		{ ".example.com", "empty label in host name" },
		{ ".", "empty label in host name" },
		{ "example.com..", "empty label in host name" },
		{ "-a.com", "host name label '-a' begins or ends with '-'" },
		{ "a.b-.com", "host name label 'b-' begins or ends with '-'" },
		{ "0x7f000001", "host name '0x7f000001' reads as a number to the C library (write IPv4 "
				"addresses as four decimal numbers)" },
		{ "host.123:80", "host name 'host.123' reads as a number to the C library (write IPv4 "
				 "addresses as four decimal numbers)" },
	};

	(void)state;
	net_rejects(cases, ARRAY_SIZE(cases));
}

/* Names at the length limits: 63-character labels, 253 characters. */
static void net_grammar_host_limits(void **state)
{
	char label[70], host[300], spec[320];
	struct policy p;
	struct diag d = { { 0 } };
	struct net_bad bad[2];

	(void)state;
	memset(label, 'a', 63);
	label[63] = 0;
	/* 3 labels of 63 + one of 61 and 3 dots: 253 characters. */
	snprintf(host, sizeof(host), "%s.%s.%s.%.61s", label, label, label, label);
	assert_int_equal(strlen(host), 253);
	policy_init(&p);
	snprintf(spec, sizeof(spec), "%s:443", host);
	assert_int_equal(policy_add_net_allow(&p, spec, flag, &d), 0);
	assert_string_equal(p.net[0].host, host);
	snprintf(spec, sizeof(spec), "%s.", host); /* the final dot does not count */
	assert_int_equal(policy_add_net_allow(&p, spec, flag, &d), 0);
	assert_string_equal(p.net[1].host, host);
	policy_release(&p);

	snprintf(host, sizeof(host), "%s.%s.%s.%.62s", label, label, label, label);
	bad[0] = (struct net_bad){ host, "host name is longer than 253 characters" };
	snprintf(spec, sizeof(spec), "x.%sa.com", label);
	bad[1] = (struct net_bad){ spec, "label 2 of the host name is longer than 63 characters" };
	net_rejects(bad, ARRAY_SIZE(bad));
}

static void net_grammar_positions_and_rollback(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };
	const struct policy_origin o = { "f.toml", 3, 7 };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_net_allow(&p, "tcp://:80", o, &d), 0);
	assert_int_equal(policy_add_net_allow(&p, "tcp://*:81,82,0", o, &d), -EINVAL);
	assert_string_equal(d.msg, "f.toml:3:7: invalid network rule 'tcp://*:81,82,0': port 0 "
				   "is not allowed (ports are 1-65535)");
	/* The rejected rule leaves nothing behind. */
	assert_int_equal(p.n_connect, 1);
	assert_int_equal(p.n_net, 1);
	assert_int_equal(p.connect[0].origin.line, 3);
	assert_int_equal(policy_add_net_deny(&p, "x..y", o, &d), -EINVAL);
	assert_string_equal(d.msg, "f.toml:3:7: invalid network rule 'x..y': empty label in host "
				   "name");
	assert_int_equal(p.n_net, 1);
	assert_int_equal(p.n_net_allow, 1);
	policy_release(&p);
}

static void bind_grammar(void **state)
{
	static const char *const bad[] = { "70000", "65536", "-1", "", "1,", "9-8", "x", "*,80",
					   "80-", "-80", " 80" };
	struct policy p;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_bind(&p, "0", flag, &d), 0);
	assert_int_equal(policy_add_bind(&p, "65535", flag, &d), 0);
	assert_int_equal(policy_add_bind(&p, "80,443,8000-8001", flag, &d), 0);
	assert_int_equal(p.n_bind, 5);
	assert_range(&p.bind[0], 0, 0);
	assert_range(&p.bind[4], 8000, 8001);
	assert_false(p.tcp_bind_any);
	assert_int_equal(policy_add_bind(&p, "*", flag, &d), 0);
	assert_true(p.tcp_bind_any);
	assert_false(p.tcp_connect_any);
	policy_release(&p);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[200];

		policy_init(&p);
		snprintf(want, sizeof(want),
			 "invalid bind ports '%s': expected ports as p, p1,p2, lo-hi or * (0-65535)",
			 bad[i]);
		assert_int_equal(policy_add_bind(&p, bad[i], flag, &d), -EINVAL);
		assert_string_equal(d.msg, want);
		policy_release(&p);
	}
}

static void flag_rules_have_no_position(void **state)
{
	struct policy p;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_path(&p, "rel", POLICY_READ, flag, &d), -EINVAL);
	assert_string_equal(d.msg, "relative path 'rel': paths must be absolute");
	assert_int_equal(policy_add_exec(&p, "/a/./b", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "path '/a/./b' contains '.' or '..'");
	assert_int_equal(policy_add_env(&p, "NOEQ", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "invalid environment entry 'NOEQ': expected KEY=VALUE");
	assert_int_equal(policy_add_env(&p, "=v", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "invalid environment entry '=v': expected KEY=VALUE");
	assert_int_equal(policy_add_syscall(&p, true, "", flag, &d), -EINVAL);
	assert_string_equal(d.msg, "empty syscall name");
	assert_int_equal(policy_add_env(&p, "A=", flag, &d), 0);
	assert_int_equal(policy_add_syscall(&p, false, "acct", flag, &d), 0);
	assert_int_equal(p.n_env, 1);
	assert_int_equal(p.n_sys_deny, 1);
	assert_int_equal(p.n_paths + p.n_exec, 0);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_static_rules_unchanged),
		cmocka_unit_test(net_supervised_rules_leave_no_tcp_connect_to_the_child),
		cmocka_unit_test(net_deny_rules),
		cmocka_unit_test(net_rule_fields),
		cmocka_unit_test(net_rule_normalized_text),
		cmocka_unit_test(net_rule_ids),
		cmocka_unit_test(net_grammar_rejects_ports),
		cmocka_unit_test(net_grammar_rejects_targets),
		cmocka_unit_test(net_grammar_host_limits),
		cmocka_unit_test(net_grammar_positions_and_rollback),
		cmocka_unit_test(bind_grammar),
		cmocka_unit_test(flag_rules_have_no_position),
	};

	return cmocka_run_group_tests_name("policy_net", tests, NULL, NULL);
}
