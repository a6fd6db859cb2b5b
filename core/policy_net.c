/* [network] allow and allow_bind entries.
 *
 * Grammar: [tcp://|udp://]TARGET[:PORTS], TARGET = '*' | host | IPv4 |
 * [IPv6] | CIDR, PORTS = p | p1,p2 | lo-hi | '*'.  The static layer (this
 * issue's scope) enforces TCP by port with Landlock, so only TARGET '*' (or
 * empty, ":443") is accepted; a named target needs the supervisor and is
 * refused as not supported yet rather than widened to "any host".  A rule
 * without a scheme covers TCP only until per-port UDP rules exist; UDP as a
 * whole is granted by the udp scheme with host and ports '*', or a lone '*'. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define PROTO_TCP 1u
#define PROTO_UDP 2u

static int err_at(struct diag *d, struct policy_origin o, const char *what,
		  const char *spec, const char *why)
{
	if (o.line && o.source)
		return diag_set(d, "%s:%u:%u: invalid %s '%s': %s", o.source, o.line, o.col,
				what, spec, why);
	return diag_set(d, "invalid %s '%s': %s", what, spec, why);
}

/* Parses a decimal port in [min, 65535] from s[0..len). */
static int parse_port(const char *s, size_t len, unsigned min, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < min || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int push_range(struct policy_ports **arr, size_t *n, uint16_t lo, uint16_t hi,
		      struct policy_origin o)
{
	struct policy_ports *q = reallocarray(*arr, *n + 1, sizeof(**arr));

	if (!q)
		return -ENOMEM;
	*arr = q;
	q[*n] = (struct policy_ports){ .lo = lo, .hi = hi, .origin = o };
	(*n)++;
	return 0;
}

/* Parses "p", "p1,p2", "lo-hi" (items may mix) into ranges appended to *arr.
 * "*" sets *any instead.  Returns 0 or -EINVAL. */
static int parse_ports(const char *s, unsigned min, struct policy_ports **arr, size_t *n,
		       bool *any, struct policy_origin o)
{
	if (!*s)
		return -EINVAL;
	if (strcmp(s, "*") == 0) {
		*any = true;
		return 0;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		const char *dash = memchr(s, '-', len);
		uint16_t lo, hi;
		int r;

		if (dash) {
			if (parse_port(s, (size_t)(dash - s), min, &lo) < 0 ||
			    parse_port(dash + 1, len - (size_t)(dash - s) - 1, min, &hi) < 0 ||
			    lo > hi)
				return -EINVAL;
		} else {
			if (parse_port(s, len, min, &lo) < 0)
				return -EINVAL;
			hi = lo;
		}
		r = push_range(arr, n, lo, hi, o);
		if (r < 0)
			return r;
		s += len;
		if (*s == ',' && !*++s)
			return -EINVAL; /* trailing comma */
	}
	return 0;
}

static unsigned strip_scheme(const char **spec)
{
	if (strncmp(*spec, "tcp://", 6) == 0) {
		*spec += 6;
		return PROTO_TCP;
	}
	if (strncmp(*spec, "udp://", 6) == 0) {
		*spec += 6;
		return PROTO_UDP;
	}
	return PROTO_TCP | PROTO_UDP;
}

/* Splits "TARGET[:PORTS]" at the last ':' outside brackets. */
static const char *find_ports(const char *s)
{
	const char *close = strrchr(s, ']');
	const char *colon = strrchr(close ? close : s, ':');

	return colon;
}

int policy_add_net_allow(struct policy *p, const char *spec, struct policy_origin o,
			 struct diag *d)
{
	const char *s = spec;
	unsigned proto = strip_scheme(&s);
	const char *colon = find_ports(s);
	size_t tlen = colon ? (size_t)(colon - s) : strlen(s);
	const char *ports = colon ? colon + 1 : "*";
	bool any = false;
	size_t before = p->n_connect;
	int r;

	if (!*s)
		return err_at(d, o, "network rule", spec, "expected [tcp://|udp://]TARGET[:PORTS]");
	if (proto == (PROTO_TCP | PROTO_UDP) && strstr(s, "://")) {
		char why[96];

		snprintf(why, sizeof(why), "unknown scheme '%.*s' (expected tcp:// or udp://)",
			 (int)(strstr(s, "://") - s), s);
		return err_at(d, o, "network rule", spec, why);
	}
	if (!(tlen == 0 || (tlen == 1 && s[0] == '*')))
		return err_at(d, o, "network rule", spec,
			      "host and address rules need the supervisor, not supported yet "
			      "(use ':PORT' or '*:PORT' for any host)");
	r = parse_ports(ports, 1, &p->connect, &p->n_connect, &any, o);
	if (r == -EINVAL)
		return err_at(d, o, "network rule", spec,
			      "expected ports as p, p1,p2, lo-hi or * (1-65535)");
	if (r < 0)
		return r;
	if (proto == PROTO_UDP) {
		/* Per-port UDP needs the supervisor: drop what parse_ports added. */
		p->n_connect = before;
		if (!any)
			return err_at(d, o, "network rule", spec,
				      "per-port UDP rules need the supervisor, not supported yet "
				      "(only 'udp://*:*')");
		p->udp_any = true;
		return 0;
	}
	if (any) {
		p->tcp_connect_any = true;
		/* "*" and "*:*" without a scheme open all of TCP and UDP. */
		if (proto == (PROTO_TCP | PROTO_UDP))
			p->udp_any = true;
	}
	return 0;
}

int policy_add_bind(struct policy *p, const char *spec, struct policy_origin o,
		    struct diag *d)
{
	int r = parse_ports(spec, 0, &p->bind, &p->n_bind, &p->tcp_bind_any, o);

	if (r == -EINVAL)
		return err_at(d, o, "bind ports", spec,
			      "expected ports as p, p1,p2, lo-hi or * (0-65535)");
	return r;
}
