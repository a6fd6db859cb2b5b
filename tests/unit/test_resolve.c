/* Unit tests of core/resolve.c and core/resolve_dns.c: the host-name rules,
 * the DNS query bytes, the reply parser on good and hostile messages
 * (built byte by byte here, independently of the code under test), the
 * hosts-file and resolv.conf readers, the child's generated /etc/hosts,
 * and resolve_host() against a fake DNS server: a thread of this process
 * answering on kernel-chosen loopback ports. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolve.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define A RESOLVE_QTYPE_A
#define AAAA RESOLVE_QTYPE_AAAA

/* ---- a DNS message builder ---- */

struct msg {
	uint8_t b[8192];
	size_t n;
};

static void put8(struct msg *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put_bytes(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* Writes "a.b.c" uncompressed; returns its offset. */
static size_t put_name(struct msg *m, const char *dotted)
{
	size_t at = m->n;

	while (*dotted) {
		size_t len = strcspn(dotted, ".");

		put8(m, (unsigned)len);
		put_bytes(m, dotted, len);
		dotted += len + (dotted[len] == '.');
	}
	put8(m, 0);
	return at;
}

static void put_ptr(struct msg *m, size_t off)
{
	put16(m, 0xc000 | (unsigned)off);
}

#define QR 0x8000
#define TC 0x0200
#define RD_RA 0x0180

static void header(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
		   unsigned ns, unsigned ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* A reply header and question; the question name is at offset 12. */
static void reply(struct msg *m, unsigned id, unsigned flags, unsigned an, const char *qname,
		  unsigned qtype)
{
	header(m, id, QR | RD_RA | flags, 1, an, 0, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

/* The fixed part of a record after its owner name. */
static void rr_fixed(struct msg *m, unsigned type, unsigned rdlen)
{
	put16(m, type);
	put16(m, 1); /* IN */
	put16(m, 0);
	put16(m, 300); /* TTL */
	put16(m, rdlen);
}

static void rr_a(struct msg *m, const char *ip)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	rr_fixed(m, A, 4);
	put_bytes(m, a, 4);
}

static void rr_aaaa(struct msg *m, const char *ip)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	rr_fixed(m, AAAA, 16);
	put_bytes(m, a, 16);
}

/* A CNAME record owned by the name at owner_off, pointing to target;
 * returns the offset of the target name. */
static size_t rr_cname(struct msg *m, size_t owner_off, const char *target)
{
	size_t len_at, at;

	put_ptr(m, owner_off);
	rr_fixed(m, 5, 0);
	len_at = m->n - 2;
	at = put_name(m, target);
	m->b[len_at] = (uint8_t)((m->n - at) >> 8);
	m->b[len_at + 1] = (uint8_t)(m->n - at);
	return at;
}

/* Starts an answer record of an unknown type owned by the question name;
 * its rdata holds names that later records point into.  Returns where to
 * patch the rdlength (blob_end). */
static size_t blob_begin(struct msg *m)
{
	put_ptr(m, 12);
	rr_fixed(m, 99, 0);
	return m->n - 2;
}

static void blob_end(struct msg *m, size_t len_at)
{
	size_t len = m->n - len_at - 2;

	m->b[len_at] = (uint8_t)(len >> 8);
	m->b[len_at + 1] = (uint8_t)len;
}

static struct in6_addr ip(const char *s)
{
	struct in6_addr a = { 0 };
	struct in_addr v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		a.s6_addr[10] = a.s6_addr[11] = 0xff;
		memcpy(&a.s6_addr[12], &v4, 4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	}
	return a;
}

static void assert_addrs(const struct resolve_addrs *got, const char *const *want, size_t n)
{
	assert_int_equal(got->n, n);
	for (size_t i = 0; i < n; i++) {
		struct in6_addr a = ip(want[i]);

		assert_memory_equal(&got->a[i], &a, sizeof(a));
	}
}

static int parse(const struct msg *m, const char *name, unsigned id, unsigned qtype,
		 struct resolve_addrs *out)
{
	memset(out, 0, sizeof(*out));
	return resolve_dns_parse(m->b, m->n, name, (uint16_t)id, (uint16_t)qtype, out);
}

/* ---- names and queries ---- */

static void names_accepted_and_refused(void **state)
{
	char l63[64], l64[65], n253[254], n254[255];
	static const char *const good[] = {
		"localhost", "api.example.com", "API.Example.COM.", "_dmarc.example.com",
		"a-b.example", "123.example.com", "0x1f.example", "xn--bcher-kva.example",
	};
	static const char *const bad[] = {
		"",	 ".",	     "a..b",	"..",	   ".a",	    "-a.example",
		"a-.example", "a b.example", "a\n.example", "a\t", "a/b",	   "a:443",
		"a#b",	 "caf\xc3\xa9", "1.2.3",  "1.2.3.4", "0x7f000001",   "127.1",
		"0x7f.1", "example.123", "a.b.c.d.e.9", "a..",    "a@b",	  "*.example",
	};

	(void)state;
	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l64, 'a', 64);
	l64[64] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(n253, sizeof(n253), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	snprintf(n254, sizeof(n254), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	assert_int_equal(strlen(n253), 253);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(resolve_name_check(good[i]), 0);
	assert_int_equal(resolve_name_check(l63), 0);
	assert_int_equal(resolve_name_check(n253), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (resolve_name_check(bad[i]) != -EINVAL)
			fail_msg("name '%s' was accepted", bad[i]);
	}
	assert_int_equal(resolve_name_check(l64), -EINVAL);
	assert_int_equal(resolve_name_check(n254), -EINVAL);
}

static void query_bytes_exact(void **state)
{
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p',
		'l',  'e',  3,	  'c',	'o', 'm', 0, 0, 1, 0, 1,
	};
	uint8_t buf[512];
	int n;

	(void)state;
	n = resolve_dns_query(buf, sizeof(buf), "example.com", 0x1234, A);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* A final dot and capitals change nothing on the wire. */
	n = resolve_dns_query(buf, sizeof(buf), "EXAMPLE.com.", 0x1234, A);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	n = resolve_dns_query(buf, sizeof(buf), "example.com", 0xbeef, AAAA);
	assert_int_equal(n, sizeof(want));
	assert_int_equal(buf[0], 0xbe);
	assert_int_equal(buf[1], 0xef);
	assert_int_equal(buf[n - 3], 28);
}

static void query_refuses_bad_input(void **state)
{
	uint8_t buf[512];

	(void)state;
	assert_int_equal(resolve_dns_query(buf, sizeof(buf), "a..b", 1, A), -EINVAL);
	assert_int_equal(resolve_dns_query(buf, sizeof(buf), "1.2.3", 1, A), -EINVAL);
	assert_int_equal(resolve_dns_query(buf, sizeof(buf), "example.com", 1, 5), -EINVAL);
	assert_int_equal(resolve_dns_query(buf, 28, "example.com", 1, A), -ENOSPC);
	assert_int_equal(resolve_dns_query(buf, 29, "example.com", 1, A), 29);
}

/* ---- reply parser ---- */

static void parse_a_and_aaaa(void **state)
{
	static const char *const v4[] = { "192.0.2.1", "192.0.2.2" };
	static const char *const v6[] = { "2001:db8::1" };
	struct resolve_addrs out;
	struct msg m;

	(void)state;
	reply(&m, 0x4242, 0, 3, "api.example.com", A);
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.2");
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1"); /* duplicates are kept once */
	assert_int_equal(parse(&m, "api.example.com", 0x4242, A, &out), 0);
	assert_addrs(&out, v4, 2);

	reply(&m, 7, 0, 1, "api.example.com", AAAA);
	put_ptr(&m, 12);
	rr_aaaa(&m, "2001:db8::1");
	assert_int_equal(parse(&m, "api.example.com", 7, AAAA, &out), 0);
	assert_addrs(&out, v6, 1);

	/* A server may echo the name in other case (0x20 randomization). */
	reply(&m, 7, 0, 1, "API.example.COM", A);
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "api.EXAMPLE.com.", 7, A, &out), 0);
	assert_addrs(&out, v4, 1);
}

static void parse_appends_to_out(void **state)
{
	struct resolve_addrs out = { 0 };
	struct msg m;

	(void)state;
	out.a[0] = ip("2001:db8::9");
	out.n = 1;
	reply(&m, 1, 0, 1, "example.com", A);
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(resolve_dns_parse(m.b, m.n, "example.com", 1, A, &out), 0);
	assert_int_equal(out.n, 2);
}

static void parse_ignores_replies_to_other_queries(void **state)
{
	struct resolve_addrs out;
	struct msg m;

	(void)state;
	/* wrong id */
	reply(&m, 0x1111, 0, 1, "example.com", A);
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 0x1112, A, &out), -ESRCH);
	/* a query (QR clear) carrying an answer */
	m.b[2] &= 0x7f;
	assert_int_equal(parse(&m, "example.com", 0x1111, A, &out), -ESRCH);
	/* opcode 2 (STATUS) */
	m.b[2] = 0x80 | (2 << 3);
	assert_int_equal(parse(&m, "example.com", 0x1111, A, &out), -ESRCH);
	/* another name, another type, another class */
	reply(&m, 1, 0, 0, "example.org", A);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -ESRCH);
	reply(&m, 1, 0, 0, "example.com.evil", A);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -ESRCH);
	reply(&m, 1, 0, 0, "example.com", AAAA);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -ESRCH);
	reply(&m, 1, 0, 0, "example.com", A);
	m.b[m.n - 1] = 3; /* CH */
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -ESRCH);
	/* no question, two questions */
	header(&m, 1, QR, 0, 0, 0, 0);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -ESRCH);
	header(&m, 1, QR, 2, 0, 0, 0);
	put_name(&m, "example.com");
	put16(&m, A);
	put16(&m, 1);
	put_ptr(&m, 12);
	put16(&m, A);
	put16(&m, 1);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -ESRCH);
	assert_int_equal(out.n, 0);
}

static void parse_rcodes_and_truncation(void **state)
{
	struct resolve_addrs out;
	struct msg m;

	(void)state;
	for (unsigned rc = 1; rc < 16; rc++) {
		reply(&m, 9, rc, 1, "example.com", A);
		put_ptr(&m, 12);
		rr_a(&m, "192.0.2.1");
		assert_int_equal(parse(&m, "example.com", 9, A, &out), (int)rc);
		assert_int_equal(out.n, 0);
	}
	/* NXDOMAIN with an SOA in the authority section */
	header(&m, 9, QR | 3, 1, 0, 1, 0);
	put_name(&m, "example.com");
	put16(&m, A);
	put16(&m, 1);
	put_ptr(&m, 12 + 8);
	rr_fixed(&m, 6, 4);
	put_bytes(&m, "soa!", 4);
	assert_int_equal(parse(&m, "example.com", 9, A, &out), 3);
	/* TC: the records present are never used */
	reply(&m, 9, TC, 1, "example.com", A);
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 9, A, &out), -EMSGSIZE);
	assert_int_equal(out.n, 0);
	/* NOERROR without records: the name has no address of that type */
	reply(&m, 9, 0, 0, "example.com", A);
	assert_int_equal(parse(&m, "example.com", 9, A, &out), 0);
	assert_int_equal(out.n, 0);
}

static void parse_every_truncation_is_refused(void **state)
{
	struct resolve_addrs out;
	struct msg m;
	size_t full, edge;

	(void)state;
	reply(&m, 5, 0, 2, "www.example.com", A);
	edge = rr_cname(&m, 12, "edge.example.net");
	put_ptr(&m, edge);
	rr_a(&m, "192.0.2.1");
	full = m.n;
	assert_int_equal(parse(&m, "www.example.com", 5, A, &out), 0);
	assert_int_equal(out.n, 1);
	for (m.n = 0; m.n < full; m.n++) {
		int r = parse(&m, "www.example.com", 5, A, &out);

		if (r != -EBADMSG)
			fail_msg("prefix of %zu bytes: %d", m.n, r);
		assert_int_equal(out.n, 0);
	}
}

static void parse_refuses_bad_compression(void **state)
{
	struct resolve_addrs out;
	struct msg m;
	size_t at, len_at;

	(void)state;
	/* an answer whose owner points at itself */
	reply(&m, 1, 0, 1, "example.com", A);
	at = m.n;
	put_ptr(&m, at);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* two names pointing at each other: a -> b -> a */
	reply(&m, 1, 0, 2, "example.com", A);
	len_at = blob_begin(&m);
	at = m.n;
	put8(&m, 1);
	put8(&m, 'x');
	put_ptr(&m, at + 4); /* forward */
	put8(&m, 1);
	put8(&m, 'y');
	put_ptr(&m, at);
	blob_end(&m, len_at);
	put_ptr(&m, at + 4);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* with the forward pointer replaced by the root, "y.x" is legal */
	m.b[at + 2] = 0;
	m.b[at + 3] = 0;
	assert_int_equal(parse(&m, "example.com", 1, A, &out), 0);
	assert_int_equal(out.n, 0);
	/* a pointer into the header */
	reply(&m, 1, 0, 1, "example.com", A);
	put_ptr(&m, 4);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* a pointer beyond the message */
	reply(&m, 1, 0, 1, "example.com", A);
	put_ptr(&m, 0x3fff);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* a compressed question name pointing forward */
	header(&m, 1, QR, 1, 0, 0, 0);
	put_ptr(&m, 18);
	put16(&m, A);
	put16(&m, 1);
	put_name(&m, "example.com");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* extended label types 0x40 and 0x80 */
	for (unsigned t = 0x40; t <= 0x80; t += 0x40) {
		reply(&m, 1, 0, 1, "example.com", A);
		put8(&m, t | 1);
		put8(&m, 'x');
		put8(&m, 0);
		rr_a(&m, "192.0.2.1");
		assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	}
}

/* Backward pointers, each legal alone, that together spell a name longer
 * than 255 bytes. */
static void parse_refuses_overlong_names(void **state)
{
	struct resolve_addrs out;
	char label[63];
	struct msg m;
	size_t prev = 12, len_at;

	(void)state;
	memset(label, 'a', sizeof(label));
	reply(&m, 1, 0, 2, "example.com", A);
	len_at = blob_begin(&m);
	for (int i = 0; i < 4; i++) {
		size_t at = m.n;

		put8(&m, 63);
		put_bytes(&m, label, 63);
		put_ptr(&m, prev);
		prev = at;
	}
	blob_end(&m, len_at);
	put_ptr(&m, prev);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* Three such labels (3 * 64 + 13 bytes) are a legal name. */
	m.b[6] = 0;
	m.b[7] = 2;
	reply(&m, 1, 0, 2, "example.com", A);
	len_at = blob_begin(&m);
	prev = 12;
	for (int i = 0; i < 3; i++) {
		size_t at = m.n;

		put8(&m, 63);
		put_bytes(&m, label, 63);
		put_ptr(&m, prev);
		prev = at;
	}
	blob_end(&m, len_at);
	put_ptr(&m, prev);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), 0);
	assert_int_equal(out.n, 0); /* owned by another name */
}

static void parse_follows_cname_chain_only(void **state)
{
	static const char *const want[] = { "192.0.2.7", "192.0.2.8" };
	struct resolve_addrs out;
	struct msg m;
	size_t b, c;

	(void)state;
	/* Out of order: the A records first, then the CNAMEs, plus an A
	 * for the question name's sibling that must not be taken. */
	header(&m, 3, QR | RD_RA, 1, 6, 0, 0);
	put_name(&m, "www.example.com");
	put16(&m, A);
	put16(&m, 1);
	c = put_name(&m, "c.cdn.example");
	rr_a(&m, "192.0.2.7");
	put_ptr(&m, c);
	rr_a(&m, "192.0.2.8");
	put_name(&m, "evil.example");
	rr_a(&m, "203.0.113.66");
	b = rr_cname(&m, 12, "b.example.net");
	rr_cname(&m, b, "c.cdn.example");
	/* an A for an intermediate name is not the chain's end */
	put_ptr(&m, b);
	rr_a(&m, "203.0.113.67");
	assert_int_equal(parse(&m, "www.example.com", 3, A, &out), 0);
	/* b.example.net has both a CNAME and an A (invalid); its A records
	 * win the hop and the chain stops there. */
	assert_int_equal(out.n, 1);

	/* The same without the stray A: the chain's end. */
	header(&m, 3, QR | RD_RA, 1, 5, 0, 0);
	put_name(&m, "www.example.com");
	put16(&m, A);
	put16(&m, 1);
	c = put_name(&m, "c.cdn.example");
	rr_a(&m, "192.0.2.7");
	put_ptr(&m, c);
	rr_a(&m, "192.0.2.8");
	put_name(&m, "evil.example");
	rr_a(&m, "203.0.113.66");
	b = rr_cname(&m, 12, "b.example.net");
	rr_cname(&m, b, "C.CDN.example");
	assert_int_equal(parse(&m, "www.example.com", 3, A, &out), 0);
	assert_addrs(&out, want, 2);

	/* A chain without an end: no address, no error. */
	reply(&m, 3, 0, 1, "www.example.com", A);
	rr_cname(&m, 12, "nowhere.example");
	assert_int_equal(parse(&m, "www.example.com", 3, A, &out), 0);
	assert_int_equal(out.n, 0);
}

/* A chain of n CNAMEs q -> h1 -> ... -> hn, then hn's A record. */
static void chain(struct msg *m, int n)
{
	size_t owner = 12;
	char name[32];

	reply(m, 3, 0, (unsigned)n + 1, "q.example", A);
	for (int i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		owner = rr_cname(m, owner, name);
	}
	put_ptr(m, owner);
	rr_a(m, "192.0.2.1");
}

static void parse_refuses_cname_loops_and_long_chains(void **state)
{
	struct resolve_addrs out;
	struct msg m;
	size_t b;

	(void)state;
	reply(&m, 3, 0, 2, "a.example", A);
	b = rr_cname(&m, 12, "b.example");
	rr_cname(&m, b, "a.example");
	assert_int_equal(parse(&m, "a.example", 3, A, &out), -EBADMSG);
	/* self loop */
	reply(&m, 3, 0, 1, "a.example", A);
	rr_cname(&m, 12, "A.example");
	assert_int_equal(parse(&m, "a.example", 3, A, &out), -EBADMSG);
	chain(&m, 8);
	assert_int_equal(parse(&m, "q.example", 3, A, &out), 0);
	assert_int_equal(out.n, 1);
	chain(&m, 9);
	assert_int_equal(parse(&m, "q.example", 3, A, &out), -EBADMSG);
}

static void parse_refuses_bad_rdata(void **state)
{
	struct resolve_addrs out;
	struct msg m;
	size_t len_at;

	(void)state;
	/* A with 5 bytes, AAAA with 4 */
	reply(&m, 1, 0, 1, "example.com", A);
	put_ptr(&m, 12);
	rr_fixed(&m, A, 5);
	put_bytes(&m, "\1\2\3\4\5", 5);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	reply(&m, 1, 0, 1, "example.com", AAAA);
	put_ptr(&m, 12);
	rr_fixed(&m, AAAA, 4);
	put_bytes(&m, "\1\2\3\4", 4);
	assert_int_equal(parse(&m, "example.com", 1, AAAA, &out), -EBADMSG);
	/* rdlength past the end */
	reply(&m, 1, 0, 1, "example.com", A);
	put_ptr(&m, 12);
	rr_fixed(&m, A, 4);
	put_bytes(&m, "\1\2\3", 3);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* a CNAME whose name is shorter than its rdlength */
	reply(&m, 1, 0, 1, "example.com", A);
	rr_cname(&m, 12, "x.example");
	len_at = m.n - 11 - 2;
	m.b[len_at + 1]++;
	put8(&m, 0);
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* a record counted in ARCOUNT but missing */
	reply(&m, 1, 0, 1, "example.com", A);
	m.b[11] = 1;
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	assert_int_equal(parse(&m, "example.com", 1, A, &out), -EBADMSG);
	/* an A of another class is skipped, not taken */
	reply(&m, 1, 0, 1, "example.com", A);
	put_ptr(&m, 12);
	rr_a(&m, "192.0.2.1");
	m.b[m.n - 4 - 10 + 3] = 3; /* class CH */
	assert_int_equal(parse(&m, "example.com", 1, A, &out), 0);
	assert_int_equal(out.n, 0);
}

static void parse_caps_addresses(void **state)
{
	struct resolve_addrs out;
	struct msg m;
	char addr[32];

	(void)state;
	reply(&m, 2, 0, 100, "big.example", A);
	for (int i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 250, i % 250 + 1);
		put_ptr(&m, 12);
		rr_a(&m, addr);
	}
	assert_int_equal(parse(&m, "big.example", 2, A, &out), 0);
	assert_int_equal(out.n, RESOLVE_MAX_ADDRS);
	for (int i = 0; i < RESOLVE_MAX_ADDRS; i++) {
		struct in6_addr want;

		snprintf(addr, sizeof(addr), "10.0.0.%d", i + 1);
		want = ip(addr);
		assert_memory_equal(&out.a[i], &want, sizeof(want));
	}
}

static void parse_accepts_query_turned_reply(void **state)
{
	struct resolve_addrs out;
	struct msg m;
	int n;

	(void)state;
	n = resolve_dns_query(m.b, sizeof(m.b), "host.example", 0xabcd, AAAA);
	assert_true(n > 0);
	m.n = (size_t)n;
	m.b[2] |= 0x80;
	assert_int_equal(parse(&m, "host.example", 0xabcd, AAAA, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(parse(&m, "bad..name", 0xabcd, AAAA, &out), -EINVAL);
	assert_int_equal(parse(&m, "host.example", 0xabcd, 16, &out), -EINVAL);
}

/* ---- hosts file ---- */

static const char hosts_text[] =
	"# static table\n"
	"127.0.0.1\tlocalhost\n"
	"::1 localhost ip6-localhost\n"
	"192.0.2.10  API.example.com   api   # the API\n"
	"192.0.2.11 other.example api.example.com.evil\n"
	"not-an-ip api.example.com\n"
	"fe80::1%eth0 api.example.com\n"
	"# 192.0.2.99 api.example.com\n"
	"192.0.2.12 x # api.example.com\n"
	"2001:db8::10\tapi.example.com\r\n"
	"192.0.2.10 api.example.com\n"
	"api.example.com 192.0.2.13\n"
	"\n"
	"   \t\n"
	"192.0.2.14 alias1 api.example.com";

static void hosts_lookup_finds_all_lines(void **state)
{
	static const char *const want[] = { "192.0.2.10", "2001:db8::10", "192.0.2.14" };
	static const char *const lo[] = { "127.0.0.1", "::1" };
	struct resolve_addrs out = { 0 };

	(void)state;
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text), "api.example.com",
					      &out),
			 4);
	assert_addrs(&out, want, 3);
	memset(&out, 0, sizeof(out));
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text), "Localhost.", &out),
			 2);
	assert_addrs(&out, lo, 2);
	memset(&out, 0, sizeof(out));
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text), "api", &out), 1);
	assert_int_equal(out.n, 1);
	memset(&out, 0, sizeof(out));
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text), "example.com", &out),
			 0);
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text), "x", &out), 1);
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text), "a b", &out),
			 -EINVAL);
	/* The length bounds the text: the last line cut in its name. */
	memset(&out, 0, sizeof(out));
	assert_int_equal(resolve_hosts_lookup(hosts_text, strlen(hosts_text) - 1,
					      "api.example.com", &out),
			 3);
	assert_int_equal(resolve_hosts_lookup("", 0, "api.example.com", &out), 0);
}

/* ---- resolv.conf ---- */

static void conf_parse_nameservers_and_options(void **state)
{
	static const char text[] = "# generated\n"
				   "; also a comment\n"
				   "search corp.example\n"
				   "nameserver\n"
				   "nameserver bogus\n"
				   "nameserver fe80::1%eth0\n"
				   "nameserver 10.0.0.2\n"
				   "  nameserver\t2001:db8::53  # v6\r\n"
				   "#nameserver 10.0.0.9\n"
				   "nameserver 10.0.0.3\n"
				   "nameserver 10.0.0.4\n"
				   "options ndots:2 timeout:5 rotate attempts:3";
	static const char *const want[] = { "10.0.0.2", "2001:db8::53", "10.0.0.3" };
	struct resolve_conf c;

	(void)state;
	resolve_conf_init(&c);
	assert_int_equal(c.port, 53);
	assert_int_equal(c.timeout_ms, 2000);
	assert_int_equal(c.attempts, 2);
	assert_string_equal(c.hosts_path, "/etc/hosts");
	resolve_conf_parse(&c, text, strlen(text));
	assert_int_equal(c.n_ns, 3);
	for (size_t i = 0; i < 3; i++) {
		struct in6_addr a = ip(want[i]);

		assert_memory_equal(&c.ns[i], &a, sizeof(a));
	}
	assert_int_equal(c.timeout_ms, 5000);
	assert_int_equal(c.attempts, 3);
}

static void conf_parse_clamps_and_defaults(void **state)
{
	static const char text[] = "options timeout:99999999999 attempts:0 timeout:x\n"
				   "options attempts:\n";
	struct resolve_conf c;
	struct in6_addr lo = ip("127.0.0.1");

	(void)state;
	resolve_conf_init(&c);
	resolve_conf_parse(&c, text, strlen(text));
	assert_int_equal(c.timeout_ms, 30000);
	assert_int_equal(c.attempts, 1);
	/* no nameserver line: the local host, as glibc */
	assert_int_equal(c.n_ns, 1);
	assert_memory_equal(&c.ns[0], &lo, sizeof(lo));
	resolve_conf_init(&c);
	resolve_conf_parse(&c, "options attempts:9", 18);
	assert_int_equal(c.attempts, 5);
}

static void conf_load_missing_file(void **state)
{
	struct resolve_conf c;
	struct diag d = { "" };
	struct in6_addr lo = ip("127.0.0.1");

	(void)state;
	assert_int_equal(resolve_conf_load(&c, "/nonexistent/resolv.conf", &d), 0);
	assert_int_equal(c.n_ns, 1);
	assert_memory_equal(&c.ns[0], &lo, sizeof(lo));
	assert_int_equal(resolve_conf_load(&c, "/", &d), -EISDIR);
	assert_string_equal(d.msg, "cannot read '/': Is a directory");
}

/* ---- the child's /etc/hosts ---- */

static void render_hosts_exact(void **state)
{
	struct resolve_addrs a = { 0 }, b = { 0 }, back = { 0 };
	struct resolve_pin pins[2] = { { "api.example.com.", &a }, { "Cdn.Example", &b } };
	char *text = NULL;

	(void)state;
	a.a[a.n++] = ip("192.0.2.1");
	a.a[a.n++] = ip("2001:db8::1");
	b.a[b.n++] = ip("::ffff:198.51.100.7");
	assert_int_equal(resolve_hosts_render(pins, 2, &text), 0);
	assert_string_equal(text,
			    "# generated by sandlock: the allowed host names, resolved once at start\n"
			    "127.0.0.1\tlocalhost\n"
			    "::1\tlocalhost ip6-localhost ip6-loopback\n"
			    "192.0.2.1\tapi.example.com\n"
			    "2001:db8::1\tapi.example.com\n"
			    "198.51.100.7\tCdn.Example\n");
	/* What was rendered reads back as exactly the pins. */
	assert_int_equal(resolve_hosts_lookup(text, strlen(text), "api.example.com", &back), 2);
	assert_memory_equal(&back, &a, sizeof(a));
	free(text);
}

static void render_refuses_injection(void **state)
{
	struct resolve_addrs a = { 0 };
	struct resolve_pin pin = { "ok.example\n6.6.6.6 bank.example", &a };
	char *text = (char *)"untouched";

	(void)state;
	a.a[a.n++] = ip("192.0.2.1");
	assert_int_equal(resolve_hosts_render(&pin, 1, &text), -EINVAL);
	assert_null(text);
	pin.name = "ok.example #";
	assert_int_equal(resolve_hosts_render(&pin, 1, &text), -EINVAL);
	assert_int_equal(resolve_hosts_render(NULL, 0, &text), 0);
	assert_non_null(strstr(text, "127.0.0.1\tlocalhost\n"));
	free(text);
}

static void addrs_add_dedups_and_caps(void **state)
{
	struct resolve_addrs out = { 0 };
	struct in6_addr a = ip("192.0.2.1");

	(void)state;
	assert_int_equal(resolve_addrs_add(&out, &a), 1);
	assert_int_equal(resolve_addrs_add(&out, &a), 0);
	for (unsigned i = 1; i < 100; i++) {
		a.s6_addr[15] = (uint8_t)(i + 1);
		resolve_addrs_add(&out, &a);
	}
	assert_int_equal(out.n, RESOLVE_MAX_ADDRS);
}

/* ---- resolve_host() against a fake DNS server ---- */

enum fake_mode {
	FAKE_ANSWER,	     /* A 192.0.2.1, AAAA 2001:db8::1 */
	FAKE_NXDOMAIN,
	FAKE_NODATA,	     /* NOERROR, no records */
	FAKE_SERVFAIL,
	FAKE_SILENT,
	FAKE_WRONG_ID,	     /* only replies with another id (203.0.113.66) */
	FAKE_WRONG_ID_FIRST, /* that, then the right answer */
	FAKE_TRUNCATED,	     /* TC over UDP; over TCP 40 A records */
};

struct fake {
	int udp, tcp;
	uint16_t port;
	_Atomic(enum fake_mode) mode; /* changed by a test while running */
	atomic_int udp_queries, tcp_queries;
	atomic_bool stop;
	pthread_t thread;
};

/* Builds the fake's reply to query q[0..n) (one question, as ours). */
static void fake_reply(const struct fake *f, const uint8_t *q, size_t n, bool tcp,
		       bool wrong_id, struct msg *m)
{
	unsigned id = (unsigned)(q[0] << 8 | q[1]), qtype = (unsigned)(q[n - 4] << 8 | q[n - 3]);
	unsigned flags = 0, an = 0;

	if (f->mode == FAKE_NXDOMAIN)
		flags = 3;
	else if (f->mode == FAKE_SERVFAIL)
		flags = 2;
	else if (f->mode == FAKE_TRUNCATED && !tcp)
		flags = TC;
	if (f->mode != FAKE_NODATA && flags != 3 && flags != 2)
		an = f->mode == FAKE_TRUNCATED && tcp && qtype == A ? 40 : 1;
	header(m, wrong_id ? id ^ 0x5555 : id, QR | RD_RA | flags, 1, an, 0, 0);
	put_bytes(m, q + 12, n - 12);
	for (unsigned i = 0; i < an; i++) {
		char addr[32];

		put_ptr(m, 12);
		if (qtype == AAAA) {
			rr_aaaa(m, wrong_id ? "2001:db8::666" : "2001:db8::1");
			continue;
		}
		snprintf(addr, sizeof(addr), "192.0.2.%u", i + 1);
		rr_a(m, wrong_id ? "203.0.113.66" : addr);
	}
}

static void fake_udp(struct fake *f)
{
	uint8_t q[512];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n = recvfrom(f->udp, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	struct msg m;

	if (n < 16)
		return;
	f->udp_queries++;
	if (f->mode == FAKE_SILENT)
		return;
	if (f->mode == FAKE_WRONG_ID || f->mode == FAKE_WRONG_ID_FIRST) {
		fake_reply(f, q, (size_t)n, false, true, &m);
		sendto(f->udp, m.b, m.n, 0, (struct sockaddr *)&from, fromlen);
		if (f->mode == FAKE_WRONG_ID)
			return;
	}
	fake_reply(f, q, (size_t)n, false, false, &m);
	sendto(f->udp, m.b, m.n, 0, (struct sockaddr *)&from, fromlen);
}

static void fake_tcp(struct fake *f)
{
	struct timeval tv = { .tv_sec = 1 };
	uint8_t q[514], len[2];
	int c = accept4(f->tcp, NULL, NULL, SOCK_CLOEXEC);
	struct msg m;
	size_t n;

	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (recv(c, len, 2, MSG_WAITALL) == 2) {
		n = (size_t)(len[0] << 8 | len[1]);
		if (n >= 16 && n <= sizeof(q) && recv(c, q, n, MSG_WAITALL) == (ssize_t)n) {
			f->tcp_queries++;
			fake_reply(f, q, n, true, false, &m);
			len[0] = (uint8_t)(m.n >> 8);
			len[1] = (uint8_t)m.n;
			send(c, len, 2, MSG_NOSIGNAL);
			send(c, m.b, m.n, MSG_NOSIGNAL);
		}
	}
	close(c);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	while (!f->stop) {
		struct pollfd p[2] = { { .fd = f->udp, .events = POLLIN },
				       { .fd = f->tcp, .events = POLLIN } };

		if (poll(p, 2, 20) <= 0)
			continue;
		if (p[0].revents & POLLIN)
			fake_udp(f);
		if (p[1].revents & POLLIN)
			fake_tcp(f);
	}
	return NULL;
}

/* Starts a fake server on addr:port (port 0: the kernel picks). */
static void fake_start(struct fake *f, const char *addr, uint16_t port, enum fake_mode mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	/* The port the kernel picks for UDP may be taken for TCP by another
	 * process on this shared machine: pick again until both bind. */
	for (int tries = 0;; tries++) {
		sa.sin_port = htons(port);
		len = sizeof(sa);
		f->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		f->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(f->udp >= 0 && f->tcp >= 0);
		assert_int_equal(bind(f->udp, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(getsockname(f->udp, (struct sockaddr *)&sa, &len), 0);
		f->port = ntohs(sa.sin_port);
		setsockopt(f->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(f->tcp, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		assert_true(port == 0 && tries < 50);
		close(f->udp);
		close(f->tcp);
	}
	assert_int_equal(listen(f->tcp, 4), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	f->stop = true;
	pthread_join(f->thread, NULL);
	close(f->udp);
	close(f->tcp);
}

static void conf_for(struct resolve_conf *c, const struct fake *f, unsigned timeout_ms)
{
	resolve_conf_init(c);
	c->hosts_path = NULL;
	c->ns[0] = ip("127.0.0.1");
	c->n_ns = 1;
	c->port = f->port;
	c->timeout_ms = timeout_ms;
	c->attempts = 1;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs resolve_host("api.example.com") against a fake in mode. */
static int ask_fake(enum fake_mode mode, unsigned timeout_ms, struct fake *f,
		    struct resolve_addrs *out, struct diag *d)
{
	struct resolve_conf c;
	int r;

	fake_start(f, "127.0.0.1", 0, mode);
	conf_for(&c, f, timeout_ms);
	d->msg[0] = '\0';
	r = resolve_host("api.example.com", &c, out, d);
	fake_stop(f);
	return r;
}

static void io_answer(void **state)
{
	static const char *const want[] = { "192.0.2.1", "2001:db8::1" };
	struct resolve_addrs out;
	struct diag d;
	struct fake f;

	(void)state;
	assert_int_equal(ask_fake(FAKE_ANSWER, 2000, &f, &out, &d), 0);
	assert_addrs(&out, want, 2); /* A first, whichever reply came first */
	assert_int_equal(f.udp_queries, 2);
	assert_int_equal(f.tcp_queries, 0);
}

static void io_nxdomain_and_nodata(void **state)
{
	struct resolve_addrs out;
	struct diag d;
	struct fake f;

	(void)state;
	assert_int_equal(ask_fake(FAKE_NXDOMAIN, 2000, &f, &out, &d), -ENOENT);
	assert_string_equal(d.msg,
			    "cannot resolve 'api.example.com': no address (NXDOMAIN from 127.0.0.1)");
	assert_int_equal(out.n, 0);
	assert_int_equal(ask_fake(FAKE_NODATA, 2000, &f, &out, &d), -ENOENT);
	assert_string_equal(
		d.msg,
		"cannot resolve 'api.example.com': no address (no A or AAAA record from 127.0.0.1)");
	assert_int_equal(ask_fake(FAKE_SERVFAIL, 2000, &f, &out, &d), -EPROTO);
	assert_string_equal(d.msg, "cannot resolve 'api.example.com': SERVFAIL from 127.0.0.1");
}

static void io_silence_times_out(void **state)
{
	struct resolve_conf c;
	struct resolve_addrs out;
	struct diag d;
	struct fake f;
	uint64_t t0;
	int r;

	(void)state;
	fake_start(&f, "127.0.0.1", 0, FAKE_SILENT);
	conf_for(&c, &f, 150);
	c.attempts = 2;
	t0 = ms_now();
	r = resolve_host("api.example.com", &c, &out, &d);
	t0 = ms_now() - t0;
	fake_stop(&f);
	assert_int_equal(r, -ETIMEDOUT);
	assert_string_equal(d.msg,
			    "cannot resolve 'api.example.com': no nameserver answered within 150 ms");
	assert_int_equal(f.udp_queries, 4); /* A and AAAA, two rounds */
	assert_true(t0 >= 300 && t0 < 1500);
	assert_int_equal(out.n, 0);
}

static void io_wrong_id_ignored(void **state)
{
	static const char *const want[] = { "192.0.2.1", "2001:db8::1" };
	struct resolve_addrs out;
	struct diag d;
	struct fake f;

	(void)state;
	/* Only spoofed-looking replies: as good as silence. */
	assert_int_equal(ask_fake(FAKE_WRONG_ID, 200, &f, &out, &d), -ETIMEDOUT);
	assert_string_equal(d.msg,
			    "cannot resolve 'api.example.com': no nameserver answered within 200 ms");
	assert_int_equal(out.n, 0);
	/* A wrong-id reply first does not displace the real answer. */
	assert_int_equal(ask_fake(FAKE_WRONG_ID_FIRST, 2000, &f, &out, &d), 0);
	assert_addrs(&out, want, 2);
}

static void io_truncated_retries_over_tcp(void **state)
{
	struct resolve_addrs out;
	struct diag d;
	struct fake f;

	(void)state;
	assert_int_equal(ask_fake(FAKE_TRUNCATED, 2000, &f, &out, &d), 0);
	assert_int_equal(f.udp_queries, 2);
	assert_int_equal(f.tcp_queries, 2);
	/* 40 A records over TCP, capped; the AAAA does not fit after them. */
	assert_int_equal(out.n, RESOLVE_MAX_ADDRS);
	for (size_t i = 0; i < out.n; i++) {
		char want[32];
		struct in6_addr a;

		snprintf(want, sizeof(want), "192.0.2.%zu", i + 1);
		a = ip(want);
		assert_memory_equal(&out.a[i], &a, sizeof(a));
	}
}

static void io_next_server_after_failure(void **state)
{
	static const char *const want[] = { "192.0.2.1", "2001:db8::1" };
	struct fake bad, good;
	struct resolve_conf c;
	struct resolve_addrs out;
	struct diag d;

	(void)state;
	fake_start(&bad, "127.0.0.1", 0, FAKE_SERVFAIL);
	fake_start(&good, "127.0.0.2", bad.port, FAKE_ANSWER);
	conf_for(&c, &bad, 2000);
	c.ns[1] = ip("127.0.0.2");
	c.n_ns = 2;
	assert_int_equal(resolve_host("api.example.com", &c, &out, &d), 0);
	assert_addrs(&out, want, 2);
	good.mode = FAKE_SERVFAIL;
	assert_int_equal(resolve_host("api.example.com", &c, &out, &d), -EPROTO);
	assert_string_equal(d.msg, "cannot resolve 'api.example.com': SERVFAIL from 127.0.0.2");
	fake_stop(&bad);
	fake_stop(&good);
}

static void io_connection_refused(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct resolve_conf c;
	struct resolve_addrs out;
	struct diag d;
	struct fake f = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)state;
	/* A port that was just free: nothing listens there now. */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	f.port = ntohs(sa.sin_port);
	conf_for(&c, &f, 2000);
	assert_int_equal(resolve_host("api.example.com", &c, &out, &d), -EPROTO);
	assert_string_equal(d.msg,
			    "cannot resolve 'api.example.com': cannot reach 127.0.0.1: "
			    "Connection refused");
}

static void io_literals_and_hosts_file(void **state)
{
	static const char *const v4[] = { "192.0.2.7" };
	static const char *const v6[] = { "2001:db8::7" };
	static const char *const pinned[] = { "192.0.2.9", "2001:db8::9" };
	char path[] = "/tmp/sandlock-hosts-XXXXXX";
	struct resolve_conf c;
	struct resolve_addrs out;
	struct diag d;
	int fd = mkstemp(path);
	static const char text[] = "192.0.2.9 pinned.example\n2001:db8::9 pinned.example\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	resolve_conf_init(&c); /* no nameserver: DNS would fail */
	c.hosts_path = path;
	assert_int_equal(resolve_host("192.0.2.7", &c, &out, &d), 0);
	assert_addrs(&out, v4, 1);
	assert_int_equal(resolve_host("2001:db8::7", &c, &out, &d), 0);
	assert_addrs(&out, v6, 1);
	assert_int_equal(resolve_host("PINNED.example.", &c, &out, &d), 0);
	assert_addrs(&out, pinned, 2);
	assert_int_equal(resolve_host("other.example", &c, &out, &d), -ENOENT);
	assert_string_equal(d.msg, "cannot resolve 'other.example': no nameserver configured");
	assert_int_equal(resolve_host("bad name", &c, &out, &d), -EINVAL);
	assert_string_equal(d.msg, "cannot resolve 'bad name': invalid host name");
	assert_int_equal(resolve_host("1.2.3", &c, &out, &d), -EINVAL);
	c.hosts_path = "/";
	assert_int_equal(resolve_host("pinned.example", &c, &out, &d), -EISDIR);
	assert_string_equal(d.msg, "cannot read hosts file '/': Is a directory");
	c.hosts_path = "/nonexistent/hosts"; /* missing: on to DNS */
	assert_int_equal(resolve_host("pinned.example", &c, &out, &d), -ENOENT);
	assert_string_equal(d.msg, "cannot resolve 'pinned.example': no nameserver configured");
	unlink(path);
}

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* Every path above, and none leaks a descriptor. */
static void io_no_fd_leak(void **state)
{
	struct resolve_addrs out;
	struct diag d;
	struct fake f;
	int before = count_fds();

	(void)state;
	ask_fake(FAKE_ANSWER, 2000, &f, &out, &d);
	ask_fake(FAKE_TRUNCATED, 2000, &f, &out, &d);
	ask_fake(FAKE_SILENT, 50, &f, &out, &d);
	assert_int_equal(count_fds(), before);
}

/* The name of a query, for learn mode's records: our own queries read
 * back, case folded; replies, two questions, bad labels and truncation are
 * refused. */
static void qname_of_queries(void **state)
{
	uint8_t q[512];
	char name[256];
	int n;

	(void)state;
	n = resolve_dns_query(q, sizeof(q), "Api.Example.COM.", 0x1234, 1);
	assert_true(n > 0);
	assert_int_equal(resolve_dns_qname(q, (size_t)n, name, sizeof(name)), 0);
	assert_string_equal(name, "api.example.com");
	assert_int_equal(resolve_dns_qname(q, (size_t)n - 6, name, sizeof(name)), -EBADMSG);
	assert_int_equal(resolve_dns_qname(q, (size_t)n, name, 8), -ENAMETOOLONG);
	q[2] |= 0x80; /* a reply */
	assert_int_equal(resolve_dns_qname(q, (size_t)n, name, sizeof(name)), -EBADMSG);
	q[2] &= 0x7f;
	q[5] = 2; /* two questions */
	assert_int_equal(resolve_dns_qname(q, (size_t)n, name, sizeof(name)), -EBADMSG);
	q[5] = 1;
	q[13] = '/'; /* "a/i.example.com": not a host name */
	assert_int_equal(resolve_dns_qname(q, (size_t)n, name, sizeof(name)), -EBADMSG);
	assert_int_equal(resolve_dns_qname(q, 5, name, sizeof(name)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_accepted_and_refused),
		cmocka_unit_test(query_bytes_exact),
		cmocka_unit_test(qname_of_queries),
		cmocka_unit_test(query_refuses_bad_input),
		cmocka_unit_test(parse_a_and_aaaa),
		cmocka_unit_test(parse_appends_to_out),
		cmocka_unit_test(parse_ignores_replies_to_other_queries),
		cmocka_unit_test(parse_rcodes_and_truncation),
		cmocka_unit_test(parse_every_truncation_is_refused),
		cmocka_unit_test(parse_refuses_bad_compression),
		cmocka_unit_test(parse_refuses_overlong_names),
		cmocka_unit_test(parse_follows_cname_chain_only),
		cmocka_unit_test(parse_refuses_cname_loops_and_long_chains),
		cmocka_unit_test(parse_refuses_bad_rdata),
		cmocka_unit_test(parse_caps_addresses),
		cmocka_unit_test(parse_accepts_query_turned_reply),
		cmocka_unit_test(hosts_lookup_finds_all_lines),
		cmocka_unit_test(conf_parse_nameservers_and_options),
		cmocka_unit_test(conf_parse_clamps_and_defaults),
		cmocka_unit_test(conf_load_missing_file),
		cmocka_unit_test(render_hosts_exact),
		cmocka_unit_test(render_refuses_injection),
		cmocka_unit_test(addrs_add_dedups_and_caps),
		cmocka_unit_test(io_answer),
		cmocka_unit_test(io_nxdomain_and_nodata),
		cmocka_unit_test(io_silence_times_out),
		cmocka_unit_test(io_wrong_id_ignored),
		cmocka_unit_test(io_truncated_retries_over_tcp),
		cmocka_unit_test(io_next_server_after_failure),
		cmocka_unit_test(io_connection_refused),
		cmocka_unit_test(io_literals_and_hosts_file),
		cmocka_unit_test(io_no_fd_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
