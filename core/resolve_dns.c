/* The DNS wire format (RFC 1035): host-name rules, queries, and a strict
 * reply parser.  Replies come from the network, so every length and
 * pointer is checked against the message before it is followed, and a
 * reply must match the query's id and question before anything in it is
 * believed.  Pure code: no system calls, no globals. */
#include "resolve.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "banned.h"

#define HDR_LEN 12
#define WIRE_NAME_MAX 255 /* RFC 1035 3.1, length bytes and final 0 included */
#define LABEL_MAX 63
#define MAX_CNAME_HOPS 8 /* as BIND's resolver; a longer chain is refused */

#define FLAG_QR 0x8000
#define FLAG_TC 0x0200
#define FLAG_RD 0x0100
#define OPCODE(f) (((f) >> 11) & 0xf)
#define RCODE(f) ((f) & 0xf)

#define TYPE_CNAME 5
#define CLASS_IN 1

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Whether s[0..n) is a number in C syntax, as inet_aton reads each part:
 * decimal, octal (leading 0) or hex (0x, digits optional). */
static bool numeric_label(const char *s, size_t n)
{
	size_t i = 0;
	bool hex = n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	for (i = hex ? 2 : 0; i < n; i++) {
		char c = s[i];

		if (!(c >= '0' && c <= '9') &&
		    !(hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))
			return false;
	}
	return true;
}

/* Checks name and encodes it into wire form (lowercased, so encoded names
 * compare with memcmp) in out[WIRE_NAME_MAX].  Returns the encoded length
 * or -EINVAL. */
static int encode_name(const char *name, uint8_t *out)
{
	size_t len = strlen(name), pos = 0, labels = 0, numeric = 0;
	bool last_numeric = false;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > RESOLVE_NAME_MAX || name[len - 1] == '.')
		return -EINVAL;
	while (pos < len) {
		size_t n = 0;

		while (pos + n < len && name[pos + n] != '.')
			n++;
		if (n == 0 || n > LABEL_MAX || name[pos] == '-' || name[pos + n - 1] == '-')
			return -EINVAL;
		out[pos] = (uint8_t)n;
		for (size_t i = 0; i < n; i++) {
			char c = name[pos + i];

			if (!label_char(c))
				return -EINVAL;
			out[pos + 1 + i] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		last_numeric = numeric_label(name + pos, n);
		numeric += last_numeric;
		labels++;
		pos += n + 1;
	}
	/* The child's libc reads "1.2.3" or "0x7f000001" as an address
	 * (inet_aton), never as the name we pinned, and a numeric top-level
	 * label is no name anyone can register (RFC 3696 2). */
	if (last_numeric || (labels <= 4 && numeric == labels))
		return -EINVAL;
	out[len + 1] = 0;
	return (int)len + 2;
}

int resolve_name_check(const char *name)
{
	uint8_t wire[WIRE_NAME_MAX];
	int r = encode_name(name, wire);

	return r < 0 ? r : 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int resolve_dns_query(uint8_t *buf, size_t cap, const char *name, uint16_t id,
		      uint16_t qtype)
{
	uint8_t wire[WIRE_NAME_MAX];
	int n = encode_name(name, wire);

	if (n < 0 || (qtype != RESOLVE_QTYPE_A && qtype != RESOLVE_QTYPE_AAAA))
		return -EINVAL;
	if (cap < HDR_LEN + (size_t)n + 4)
		return -ENOSPC;
	memset(buf, 0, HDR_LEN);
	put16(buf, id);
	put16(buf + 2, FLAG_RD);
	put16(buf + 4, 1); /* QDCOUNT */
	memcpy(buf + HDR_LEN, wire, (size_t)n);
	put16(buf + HDR_LEN + n, qtype);
	put16(buf + HDR_LEN + n + 2, CLASS_IN);
	return HDR_LEN + n + 4;
}

/* Decodes the possibly compressed name at *pos into out[WIRE_NAME_MAX]
 * (wire form, lowercased) and moves *pos past it.  A pointer must point
 * before the segment it ends, past the header: each jump then goes
 * strictly backwards, so a hostile message cannot loop, and the
 * 255-byte limit bounds the work. */
static int read_name(const uint8_t *m, size_t len, size_t *pos, uint8_t *out, size_t *out_len)
{
	size_t p = *pos, seg = *pos, n = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (p >= len)
			return -EBADMSG;
		c = m[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return -EBADMSG;
			target = (size_t)(c & 0x3f) << 8 | m[p + 1];
			if (target < HDR_LEN || target >= seg)
				return -EBADMSG;
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			p = seg = target;
			continue;
		}
		if (c & 0xc0) /* 0x40 and 0x80: extended label types, never used */
			return -EBADMSG;
		if (n + 1 + c > WIRE_NAME_MAX || p + 1 + c > len)
			return -EBADMSG;
		out[n++] = c;
		if (c == 0)
			break;
		for (size_t i = 0; i < c; i++) {
			uint8_t b = m[p + 1 + i];

			out[n++] = b >= 'A' && b <= 'Z' ? (uint8_t)(b - 'A' + 'a') : b;
		}
		p += 1 + (size_t)c;
	}
	if (!jumped)
		*pos = p + 1;
	*out_len = n;
	return 0;
}

struct rr {
	uint8_t owner[WIRE_NAME_MAX];
	size_t owner_len;
	uint16_t type, class;
	size_t rdata, rdlen; /* rdata is an offset into the message */
};

/* Reads the resource record at *pos and moves past it; checks the
 * rdata of the types the chain walk reads. */
static int read_rr(const uint8_t *m, size_t len, size_t *pos, struct rr *rr)
{
	int r = read_name(m, len, pos, rr->owner, &rr->owner_len);

	if (r < 0)
		return r;
	if (len - *pos < 10)
		return -EBADMSG;
	rr->type = get16(m + *pos);
	rr->class = get16(m + *pos + 2);
	rr->rdlen = get16(m + *pos + 8); /* after the 32-bit TTL */
	rr->rdata = *pos + 10;
	if (len - rr->rdata < rr->rdlen)
		return -EBADMSG;
	*pos = rr->rdata + rr->rdlen;
	if (rr->class != CLASS_IN)
		return 0;
	if ((rr->type == RESOLVE_QTYPE_A && rr->rdlen != 4) ||
	    (rr->type == RESOLVE_QTYPE_AAAA && rr->rdlen != 16))
		return -EBADMSG;
	if (rr->type == TYPE_CNAME) {
		uint8_t target[WIRE_NAME_MAX];
		size_t p = rr->rdata, n;

		r = read_name(m, len, &p, target, &n);
		if (r < 0 || p != *pos) /* the name must fill the rdata exactly */
			return -EBADMSG;
	}
	return 0;
}

/* Matches the header and question against the query; returns the header
 * flags, -ESRCH if this is not the reply to it, or -EBADMSG. */
static int check_question(const uint8_t *m, size_t len, const uint8_t *want, size_t want_len,
			  uint16_t id, uint16_t qtype, size_t *pos)
{
	uint16_t flags;
	uint8_t qname[WIRE_NAME_MAX];
	size_t qlen;

	if (len < HDR_LEN)
		return -EBADMSG;
	flags = get16(m + 2);
	if (get16(m) != id || !(flags & FLAG_QR) || OPCODE(flags) != 0 || get16(m + 4) != 1)
		return -ESRCH;
	*pos = HDR_LEN;
	if (read_name(m, len, pos, qname, &qlen) < 0 || len - *pos < 4)
		return -EBADMSG;
	if (qlen != want_len || memcmp(qname, want, qlen) != 0 || get16(m + *pos) != qtype ||
	    get16(m + *pos + 2) != CLASS_IN)
		return -ESRCH;
	*pos += 4;
	return flags;
}

/* Checks that the ANCOUNT+NSCOUNT+ARCOUNT records after the question all
 * lie within the message. */
static int check_records(const uint8_t *m, size_t len, size_t pos)
{
	unsigned long count = (unsigned long)get16(m + 6) + get16(m + 8) + get16(m + 10);
	struct rr rr;

	for (unsigned long i = 0; i < count; i++) {
		int r = read_rr(m, len, &pos, &rr);

		if (r < 0)
			return r;
	}
	return 0;
}

static void add_addr(struct resolve_addrs *out, const uint8_t *rdata, uint16_t qtype)
{
	struct in6_addr a = { 0 };

	if (qtype == RESOLVE_QTYPE_A) {
		a.s6_addr[10] = a.s6_addr[11] = 0xff;
		memcpy(&a.s6_addr[12], rdata, 4);
	} else {
		memcpy(&a, rdata, 16);
	}
	resolve_addrs_add(out, &a);
}

/* Walks the answer section (starting at pos, already checked) from the
 * question name along CNAMEs to the name that has qtype records, which
 * go into out.  Records may come in any order, so each hop rescans. */
static int follow_chain(const uint8_t *m, size_t len, size_t pos, const uint8_t *qname,
			size_t qlen, uint16_t qtype, struct resolve_addrs *out)
{
	uint8_t cur[WIRE_NAME_MAX];
	size_t cur_len = qlen;
	unsigned ancount = get16(m + 6);

	memcpy(cur, qname, qlen);
	for (unsigned hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
		uint8_t next[WIRE_NAME_MAX];
		size_t next_len = 0, p = pos;
		bool found = false;
		struct rr rr;

		for (unsigned i = 0; i < ancount; i++) {
			if (read_rr(m, len, &p, &rr) < 0)
				return -EBADMSG;
			if (rr.class != CLASS_IN || rr.owner_len != cur_len ||
			    memcmp(rr.owner, cur, cur_len) != 0)
				continue;
			if (rr.type == qtype) {
				add_addr(out, m + rr.rdata, qtype);
				found = true;
			} else if (rr.type == TYPE_CNAME && next_len == 0) {
				size_t q = rr.rdata;

				if (read_name(m, len, &q, next, &next_len) < 0)
					return -EBADMSG;
			}
		}
		if (found || next_len == 0)
			return 0;
		memcpy(cur, next, next_len);
		cur_len = next_len;
	}
	return -EBADMSG; /* a chain longer than MAX_CNAME_HOPS, or a loop */
}

int resolve_dns_qname(const uint8_t *msg, size_t len, char *name, size_t size)
{
	uint8_t wire[WIRE_NAME_MAX];
	size_t pos = HDR_LEN, n = 0, wlen;

	/* A query (QR clear) with one question. */
	if (len < HDR_LEN || (msg[2] & 0x80) || get16(msg + 4) != 1)
		return -EBADMSG;
	if (read_name(msg, len, &pos, wire, &wlen) < 0 || wlen < 2)
		return -EBADMSG;
	for (size_t i = 0; wire[i]; i += 1 + wire[i]) {
		for (size_t k = 0; k < wire[i]; k++)
			if (!label_char((char)wire[i + 1 + k]))
				return -EBADMSG;
		if (n + wire[i] + 2 > size)
			return -ENAMETOOLONG;
		if (n)
			name[n++] = '.';
		memcpy(name + n, wire + i + 1, wire[i]);
		n += wire[i];
	}
	name[n] = '\0';
	return 0;
}

int resolve_dns_parse(const uint8_t *msg, size_t len, const char *name, uint16_t id,
		      uint16_t qtype, struct resolve_addrs *out)
{
	uint8_t want[WIRE_NAME_MAX];
	struct resolve_addrs found = { 0 };
	int want_len = encode_name(name, want), flags, r;
	size_t pos;

	if (want_len < 0 || (qtype != RESOLVE_QTYPE_A && qtype != RESOLVE_QTYPE_AAAA))
		return -EINVAL;
	flags = check_question(msg, len, want, (size_t)want_len, id, qtype, &pos);
	if (flags < 0)
		return flags;
	/* A truncated answer may have lost records: never use it. */
	if (flags & FLAG_TC)
		return -EMSGSIZE;
	r = check_records(msg, len, pos);
	if (r < 0)
		return r;
	if (RCODE(flags) != 0)
		return RCODE(flags);
	r = follow_chain(msg, len, pos, want, (size_t)want_len, qtype, &found);
	if (r < 0)
		return r;
	for (size_t i = 0; i < found.n; i++)
		resolve_addrs_add(out, &found.a[i]);
	return 0;
}
