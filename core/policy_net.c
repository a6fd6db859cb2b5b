/* [network] allow and deny rules, and allow_bind ports.
 *
 * Grammar of a rule: [tcp://|udp://]TARGET[:PORTS]
 *   no scheme   TCP and UDP (before per-destination rules it meant TCP only)
 *   TARGET      '*' or empty: any address; a host name (RFC 1123 labels,
 *               stored lowercased, at most 253 characters, one final dot
 *               allowed); an IPv4 address; an IPv6 address in brackets;
 *               a CIDR block, "10.0.0.0/8" or "[fd00::]/8", with no bit
 *               set past the prefix
 *   PORTS       p | p1,p2 | lo-hi (items mix) | '*', ports 1-65535;
 *               omitted: '*'
 *
 * Meaning (decide_net.c implements it): a destination matches a rule when
 * the rule covers its protocol, its address is the target (any; inside
 * addr/prefix; one of the host's addresses pinned at start) and its port is
 * one of the rule's.  A matching deny rule denies, whatever allows it; else
 * a matching allow rule allows; else the default: allow when the policy has
 * deny rules only, deny otherwise (no rules at all: no network).
 *
 * The static layer (Landlock TCP ports, seccomp UDP on/off) cannot see
 * addresses.  For a policy that needs no supervisor it is exactly the
 * policy, filled as before rules existed.  For a supervised one it holds
 * what the child may do by itself: no TCP connect (the supervisor performs
 * every one), UDP sockets when some allow rule covers UDP or the policy is
 * deny-only (the supervisor judges every datagram); see refresh_static(). */
#define _GNU_SOURCE
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define HOST_MAX 253
#define LABEL_MAX 63

/* Why a spec is malformed, worded by the parser that found out. */
struct why {
	char msg[320];
};

static int why(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int why(struct why *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int err_at(struct diag *d, struct policy_origin o, const char *what,
		  const char *spec, const char *reason)
{
	if (o.line && o.source)
		return diag_set(d, "%s:%u:%u: invalid %s '%s': %s", o.source, o.line, o.col,
				what, spec, reason);
	return diag_set(d, "invalid %s '%s': %s", what, spec, reason);
}

/* ---- ports ---- */

/* Parses the decimal port s[0..len) in [min, 65535]. */
static int parse_port(const char *s, size_t len, unsigned min, uint16_t *out, struct why *w)
{
	unsigned v = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return why(w, "port '%.*s' is not a number", (int)len, s);
		if (v <= 65535)
			v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (len == 0)
		return why(w, "empty port");
	if (v == 0 && min > 0)
		return why(w, "port 0 is not allowed (ports are %u-65535)", min);
	if (v > 65535)
		return why(w, "port '%.*s' is out of range (ports are %u-65535)", (int)len, s, min);
	*out = (uint16_t)v;
	return 0;
}

static int parse_item(const char *s, size_t len, unsigned min, struct policy_ports *out,
		      struct why *w)
{
	const char *dash = memchr(s, '-', len);
	int r;

	if (len == 0)
		return why(w, "empty item in port list");
	if (!dash) {
		r = parse_port(s, len, min, &out->lo, w);
		out->hi = out->lo;
		return r;
	}
	if (dash == s || dash == s + len - 1)
		return why(w, "port range '%.*s' needs a port on each side of '-'", (int)len, s);
	r = parse_port(s, (size_t)(dash - s), min, &out->lo, w);
	if (r == 0)
		r = parse_port(dash + 1, len - (size_t)(dash - s) - 1, min, &out->hi, w);
	if (r == 0 && out->lo > out->hi)
		return why(w, "port range '%.*s' is reversed (low port first)", (int)len, s);
	return r;
}

/* Parses "p", "p1,p2", "lo-hi" (items may mix) into ranges appended to
 * *arr in the order written, or "*" into *any.  Returns 0, -EINVAL with w
 * filled, or -ENOMEM. */
static int parse_ports(const char *s, unsigned min, struct policy_ports **arr, size_t *n,
		       bool *any, struct policy_origin o, struct why *w)
{
	if (!*s)
		return why(w, "missing ports after ':'");
	if (strcmp(s, "*") == 0) {
		*any = true;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(s, ",");
		struct policy_ports range = { .origin = o }, *q;
		int r;

		if (len == 1 && *s == '*')
			return why(w, "'*' cannot be combined with other ports");
		r = parse_item(s, len, min, &range, w);
		if (r < 0)
			return r;
		q = reallocarray(*arr, *n + 1, sizeof(**arr));
		if (!q)
			return -ENOMEM;
		*arr = q;
		q[(*n)++] = range;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

static int cmp_range(const void *a, const void *b)
{
	const struct policy_ports *x = a, *y = b;

	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi > y->hi) - (x->hi < y->hi);
}

/* A rule's ports: raw[0..n) sorted, overlapping and adjacent ranges merged,
 * so equal port sets have one form.  Returns owned, or NULL. */
static struct policy_ports *normalize_ports(const struct policy_ports *raw, size_t n,
					    size_t *n_out)
{
	struct policy_ports *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return NULL;
	if (n)
		memcpy(v, raw, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_range);
	for (size_t i = 0; i < n; i++) {
		if (k && (unsigned)v[k - 1].hi + 1 >= v[i].lo) {
			if (v[i].hi > v[k - 1].hi)
				v[k - 1].hi = v[i].hi;
			continue;
		}
		v[k++] = v[i];
	}
	*n_out = k;
	return v;
}

/* ---- targets ---- */

/* Digits and dots, at least one digit: meant as an IPv4 address. */
static bool all_digits_dots(const char *s, size_t len)
{
	bool digit = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '.' && (s[i] < '0' || s[i] > '9'))
			return false;
		digit |= s[i] != '.';
	}
	return digit;
}

/* Dotted decimal, four parts 0-255 without leading zeros, into the
 * IPv4-mapped form: "010.1.1.1" would be octal to inet_aton, and "1.2.3"
 * is 1.2.0.3 to it; neither is what a reader of the policy sees. */
static int parse_ipv4(const char *s, size_t len, uint8_t addr[16], struct why *w)
{
	size_t i = 0;

	memset(addr, 0, 16);
	addr[10] = addr[11] = 0xff;
	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1) ||
		    (part < 3 && (i >= len || s[i++] != '.')))
			return why(w, "invalid IPv4 address '%.*s' (four numbers 0-255 without "
				   "leading zeros, separated by dots)", (int)len, s);
		addr[12 + part] = (uint8_t)v;
	}
	if (i != len)
		return why(w, "invalid IPv4 address '%.*s' (four numbers 0-255 without leading "
			   "zeros, separated by dots)", (int)len, s);
	return 0;
}

/* The text between brackets. */
static int parse_ipv6(const char *s, size_t len, uint8_t addr[16], struct why *w)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0)
		return why(w, "empty IPv6 address '[]'");
	if (memchr(s, '%', len))
		return why(w, "zone index in IPv6 address '%.*s' is not supported", (int)len, s);
	if (all_digits_dots(s, len))
		return why(w, "'%.*s' is not an IPv6 address (write IPv4 addresses without "
			   "brackets)", (int)len, s);
	if (len >= sizeof(buf))
		return why(w, "invalid IPv6 address '%.*s'", (int)len, s);
	memcpy(buf, s, len);
	buf[len] = 0;
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return why(w, "invalid IPv6 address '%s'", buf);
	return 0;
}

static bool is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* addr/prefix as written in a rule: IPv4 when mapped and the prefix
 * covers the mapping. */
static void format_addr(FILE *out, const uint8_t a[16], unsigned prefix)
{
	char buf[INET6_ADDRSTRLEN];

	if (is_v4_mapped(a) && prefix >= 96) {
		fprintf(out, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		if (prefix < 128)
			fprintf(out, "/%u", prefix - 96);
		return;
	}
	inet_ntop(AF_INET6, a, buf, sizeof(buf));
	fprintf(out, "[%s]", buf);
	if (prefix < 128)
		fprintf(out, "/%u", prefix);
}

static bool bits_past_prefix(const uint8_t a[16], unsigned prefix)
{
	for (unsigned bit = prefix; bit < 128; bit++)
		if (a[bit / 8] & (0x80u >> (bit % 8)))
			return true;
	return false;
}

/* "10.0.0.1/8": a typo or a misunderstanding, never silently widened. */
static int check_network(const struct policy_net_rule *r, const char *t, size_t len,
			 struct why *w)
{
	uint8_t net[16];
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	if (!bits_past_prefix(r->addr, r->prefix))
		return 0;
	memcpy(net, r->addr, 16);
	for (unsigned bit = r->prefix; bit < 128; bit++)
		net[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	f = open_memstream(&text, &n);
	if (!f)
		return -ENOMEM;
	format_addr(f, net, r->prefix);
	if (fclose(f) != 0)
		return -ENOMEM;
	why(w, "'%.*s' has bits set past the prefix length (the network is '%s')", (int)len, t,
	    text);
	free(text);
	return -EINVAL;
}

static int parse_prefix(const char *s, size_t len, bool v6, unsigned *out, struct why *w)
{
	unsigned max = v6 ? 128 : 32, v = 0;
	bool ok = len > 0 && len <= 3;

	for (size_t i = 0; ok && i < len; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (!ok || v > max)
		return why(w, "invalid prefix length '/%.*s' (0-%u for %s)", (int)len, s, max,
			   v6 ? "IPv6" : "IPv4");
	*out = v;
	return 0;
}

/* "A.B.C.D/N" or "[ADDR6]/N"; t[0..len) is all of it, slash inside. */
static int parse_cidr(const char *t, size_t len, const char *slash, struct policy_net_rule *r,
		      struct why *w)
{
	size_t alen = (size_t)(slash - t);
	bool v6 = t[0] == '[';
	unsigned prefix = 0;
	int rc;

	if (!v6 && !all_digits_dots(t, alen))
		return why(w, "a prefix length needs an IP address, not '%.*s'", (int)alen, t);
	rc = parse_prefix(slash + 1, len - alen - 1, v6, &prefix, w);
	if (rc == 0)
		rc = v6 ? parse_ipv6(t + 1, alen - 2, r->addr, w) : parse_ipv4(t, alen, r->addr, w);
	if (rc < 0)
		return rc;
	r->kind = POLICY_NET_ADDR;
	r->prefix = v6 ? prefix : 96 + prefix;
	return check_network(r, t, len, w);
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* Whether s[0..n) is a number as inet_aton reads each part: decimal,
 * octal (leading 0) or hex (0x, digits optional). */
static bool numeric_label(const char *s, size_t n)
{
	bool hex = n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	for (size_t i = hex ? 2 : 0; i < n; i++) {
		char c = s[i];

		if (!(c >= '0' && c <= '9') &&
		    !(hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))
			return false;
	}
	return true;
}

static int bad_host_char(char c, struct why *w)
{
	const char *hint = c == '*' ? "wildcard host names are not supported"
				    : "host names hold letters, digits, '-' and '.'";

	if (c >= 0x20 && c < 0x7f)
		return why(w, "invalid character '%c' in host name (%s)", c, hint);
	return why(w, "invalid byte 0x%02x in host name (%s)", (unsigned char)c, hint);
}

/* Checks labels t[0..len) (no final dot) and counts the numeric ones. */
static int check_labels(const char *t, size_t len, size_t *labels, size_t *numeric,
			bool *last_numeric, struct why *w)
{
	for (size_t pos = 0; pos <= len;) {
		size_t n = 0;

		while (pos + n < len && t[pos + n] != '.')
			n++;
		if (n == 0)
			return why(w, "empty label in host name");
		if (n > LABEL_MAX)
			return why(w, "label %zu of the host name is longer than %d characters",
				   *labels + 1, LABEL_MAX);
		if (t[pos] == '-' || t[pos + n - 1] == '-')
			return why(w, "host name label '%.*s' begins or ends with '-'", (int)n,
				   t + pos);
		*last_numeric = numeric_label(t + pos, n);
		*numeric += *last_numeric;
		(*labels)++;
		pos += n + 1;
	}
	return 0;
}

/* A host name as the resolver at start accepts it (resolve_name_check):
 * RFC 1123 labels, and nothing the C library would read as an address
 * ("0x7f000001", "1.2.3.4.5" are not names anyone can register). */
static int parse_host(const char *t, size_t len, struct policy_net_rule *r, struct why *w)
{
	size_t labels = 0, numeric = 0;
	bool last_numeric = false;
	int rc;

	if (t[len - 1] == '.')
		len--; /* the final dot of a fully qualified name */
	if (len > HOST_MAX)
		return why(w, "host name is longer than %d characters", HOST_MAX);
	for (size_t i = 0; i < len; i++)
		if (!host_char(t[i]) && t[i] != '.')
			return bad_host_char(t[i], w);
	rc = check_labels(t, len, &labels, &numeric, &last_numeric, w);
	if (rc < 0)
		return rc;
	if (last_numeric || (labels <= 4 && numeric == labels))
		return why(w, "host name '%.*s' reads as a number to the C library (write IPv4 "
			   "addresses as four decimal numbers)", (int)len, t);
	r->host = strndup(t, len);
	if (!r->host)
		return -ENOMEM;
	for (char *c = r->host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	r->kind = POLICY_NET_HOST;
	return 0;
}

static int parse_target(const char *t, size_t len, struct policy_net_rule *r, struct why *w)
{
	const char *slash = memchr(t, '/', len);

	if (len == 0 || (len == 1 && t[0] == '*')) {
		r->kind = POLICY_NET_ANY;
		return 0;
	}
	if (slash)
		return parse_cidr(t, len, slash, r, w);
	r->kind = POLICY_NET_ADDR;
	r->prefix = 128;
	if (t[0] == '[')
		return parse_ipv6(t + 1, len - 2, r->addr, w);
	if (all_digits_dots(t, len))
		return parse_ipv4(t, len, r->addr, w);
	return parse_host(t, len, r, w);
}

/* ---- rules ---- */

/* Splits s (the spec past its scheme) into TARGET and PORTS (NULL when
 * omitted).  An IPv6 address is bracketed, so any other ':' ends TARGET. */
static int split_spec(const char *s, const char **t, size_t *tlen, const char **ports,
		      struct why *w)
{
	const char *end, *colon;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return why(w, "missing ']' after IPv6 address");
		end++;
		if (*end == '/')
			end += 1 + strcspn(end + 1, ":");
		if (*end && *end != ':')
			return why(w, "expected ':PORTS' after the IPv6 address");
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return why(w, "more than one ':' (IPv6 addresses go in brackets, as "
				   "'[::1]:443')");
		end = colon ? colon : s + strlen(s);
	}
	*t = s;
	*tlen = (size_t)(end - s);
	*ports = *end == ':' ? end + 1 : NULL;
	return 0;
}

/* Parses spec into r and the port ranges as written (raw). */
static int parse_rule(const char *spec, struct policy_net_rule *r, struct policy_ports **raw,
		      size_t *n_raw, struct why *w)
{
	const char *s = spec, *sep = strstr(spec, "://"), *t = NULL, *ports = NULL;
	size_t tlen = 0;
	int rc;

	r->proto = POLICY_NET_TCP | POLICY_NET_UDP;
	if (sep) {
		size_t n = (size_t)(sep - s);

		if (n == 3 && memcmp(s, "tcp", 3) == 0)
			r->proto = POLICY_NET_TCP;
		else if (n == 3 && memcmp(s, "udp", 3) == 0)
			r->proto = POLICY_NET_UDP;
		else
			return why(w, "unknown scheme '%.*s' (expected tcp:// or udp://)", (int)n, s);
		s = sep + 3;
	}
	if (!*s)
		return why(w, "expected [tcp://|udp://]TARGET[:PORTS]");
	rc = split_spec(s, &t, &tlen, &ports, w);
	if (rc == 0)
		rc = parse_target(t, tlen, r, w);
	if (rc < 0)
		return rc;
	if (!ports) {
		r->ports_any = true;
		return 0;
	}
	return parse_ports(ports, 1, raw, n_raw, &r->ports_any, r->origin, w);
}

/* The static fields from the counts kept as rules are added.
 *
 * A policy the static layer enforces alone (no supervisor) gets exactly its
 * rules: TCP ports for Landlock (connect[]), TCP as a whole when an allow
 * rule's ports are '*', UDP as a whole when an allow rule covers it.
 *
 * A supervised policy's TCP connects are all performed by the supervisor,
 * on its own duplicate of the socket and outside the child's Landlock
 * domain (core/sup_net.c never continues a connect, sendto, sendmsg or
 * sendmmsg).  So the child's own Landlock must allow no TCP connect at all:
 * connect handled, no port rule.  A port bound instead (the union of the
 * allow rules' ports) would let any connect the supervisor did not perform
 * reach every address on those ports; that is the fd-swap argument: were
 * a connect ever continued after we looked at fd N, another thread could
 * dup2 a different socket onto N, or rewrite the address, and the kernel
 * would then judge only the port.  With no rule, such a connect, or one
 * the supervisor does not see (a future syscall, a filter bug), fails with
 * EACCES.  tcp_connect_any false also keeps the seccomp filter refusing
 * TCP Fast Open (it connects inside sendmsg, past Landlock's hook) and
 * stream protocols Landlock does not see (SCTP connects through
 * setsockopt, not connect).  UDP has no static per-address control: socket
 * creation is allowed when an allow rule covers UDP, or for a deny-only
 * policy, and the supervisor judges every destination. */
static void refresh_static(struct policy *p)
{
	bool deny_only = p->n_net_allow == 0 && p->n_net > 0;

	p->udp_any = deny_only || p->net_udp_allowed;
	if (policy_net_supervised(p)) {
		p->tcp_connect_any = false;
		p->n_connect = 0; /* commit_rule appends; the array is reused */
		return;
	}
	p->tcp_connect_any = p->net_tcp_any_allowed;
}

/* Appends r (taken) and, for a TCP allow rule, its raw ranges to connect[];
 * nothing changes on failure. */
static int commit_rule(struct policy *p, struct policy_net_rule *r,
		       const struct policy_ports *raw, size_t n_raw)
{
	bool tcp_ports = !r->deny && (r->proto & POLICY_NET_TCP) && !r->ports_any;
	struct policy_net_rule *q;

	if (tcp_ports && n_raw) {
		struct policy_ports *c = reallocarray(p->connect, p->n_connect + n_raw, sizeof(*c));

		if (!c)
			return -ENOMEM;
		p->connect = c;
	}
	q = reallocarray(p->net, p->n_net + 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	p->net = q;
	/* Nothing fails past this point. */
	if (tcp_ports && n_raw) {
		memcpy(p->connect + p->n_connect, raw, n_raw * sizeof(*raw));
		p->n_connect += n_raw;
	}
	if (!r->deny) {
		p->n_net_allow++;
		p->net_tcp_any_allowed |= (r->proto & POLICY_NET_TCP) && r->ports_any;
		p->net_udp_allowed |= (r->proto & POLICY_NET_UDP) != 0;
	}
	p->net[p->n_net++] = *r;
	refresh_static(p);
	return 0;
}

static int add_rule(struct policy *p, const char *spec, bool deny, struct policy_origin o,
		    struct diag *d)
{
	struct policy_net_rule r = { .deny = deny, .origin = o };
	struct policy_ports *raw = NULL;
	size_t n_raw = 0;
	struct why w = { "" };
	int rc = parse_rule(spec, &r, &raw, &n_raw, &w);

	if (rc == 0 && !r.ports_any) {
		r.ports = normalize_ports(raw, n_raw, &r.n_ports);
		rc = r.ports ? 0 : -ENOMEM;
	}
	if (rc == 0)
		rc = commit_rule(p, &r, raw, n_raw);
	free(raw);
	if (rc < 0) {
		free(r.host);
		free(r.ports);
	}
	if (rc == -EINVAL)
		return err_at(d, o, "network rule", spec, w.msg);
	return rc;
}

int policy_add_net_allow(struct policy *p, const char *spec, struct policy_origin o,
			 struct diag *d)
{
	return add_rule(p, spec, false, o, d);
}

int policy_add_net_deny(struct policy *p, const char *spec, struct policy_origin o,
			struct diag *d)
{
	return add_rule(p, spec, true, o, d);
}

bool policy_net_supervised(const struct policy *p)
{
	for (size_t i = 0; i < p->n_net; i++) {
		const struct policy_net_rule *r = &p->net[i];

		if (r->deny || r->kind != POLICY_NET_ANY ||
		    ((r->proto & POLICY_NET_UDP) && !r->ports_any))
			return true;
	}
	return false;
}

static void format_rule(FILE *out, const struct policy_net_rule *r)
{
	if (r->proto == POLICY_NET_TCP)
		fputs("tcp://", out);
	else if (r->proto == POLICY_NET_UDP)
		fputs("udp://", out);
	if (r->kind == POLICY_NET_HOST)
		fputs(r->host, out);
	else if (r->kind == POLICY_NET_ADDR)
		format_addr(out, r->addr, r->prefix);
	else
		fputc('*', out);
	fputc(':', out);
	if (r->ports_any)
		fputc('*', out);
	for (size_t i = 0; i < r->n_ports; i++) {
		fprintf(out, "%s%u", i ? "," : "", r->ports[i].lo);
		if (r->ports[i].hi != r->ports[i].lo)
			fprintf(out, "-%u", r->ports[i].hi);
	}
}

char *policy_net_rule_str(const struct policy_net_rule *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	format_rule(f, r);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

const char *policy_net_rule_id(const struct policy *p, size_t i, char *buf, size_t len)
{
	size_t k = 0;

	for (size_t j = 0; j < i && j < p->n_net; j++)
		k += p->net[j].deny == p->net[i].deny;
	snprintf(buf, len, "network.%s[%zu]", i < p->n_net && p->net[i].deny ? "deny" : "allow",
		 k);
	return buf;
}

int policy_add_bind(struct policy *p, const char *spec, struct policy_origin o,
		    struct diag *d)
{
	size_t before = p->n_bind;
	bool any = false;
	struct why w;
	int r = parse_ports(spec, 0, &p->bind, &p->n_bind, &any, o, &w);

	if (r < 0) {
		p->n_bind = before;
		if (r == -EINVAL)
			return err_at(d, o, "bind ports", spec,
				      "expected ports as p, p1,p2, lo-hi or * (0-65535)");
		return r;
	}
	p->tcp_bind_any |= any;
	return 0;
}
