/* The network decision (decide_net.h).  Pure code: the supervisor calls
 * it on live requests and replay on recorded ones. */
#define _GNU_SOURCE
#include "decide_net.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "banned.h"

/* The length of sockaddr_in6 before sin6_scope_id (RFC 2133), the least
 * the kernel accepts for AF_INET6 (tcp_v6_connect, udpv6_sendmsg). */
#define SIN6_LEN_RFC2133 24

static const uint8_t v4_mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };
static const uint8_t v4_loopback[16] = { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 };
static const uint8_t v6_loopback[16] = { [15] = 1 };

static bool is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static void set_v4(struct net_dest *out, const uint8_t v4[4])
{
	memcpy(out->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(out->addr + 12, v4, 4);
}

/* The kernel routes a connect or send to the unspecified address to
 * loopback (ip_route_output_key_hash_rcu for IPv4, "BSD'ism" in
 * udpv6_sendmsg and tcp_v6_connect for IPv6). */
static void canonicalize_unspecified(struct net_dest *out)
{
	bool v4 = memcmp(out->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;

	if (v4 ? !is_zero(out->addr + 12, 4) : !is_zero(out->addr, 16))
		return;
	memcpy(out->addr, v4 ? v4_loopback : v6_loopback, 16);
	out->unspecified = true;
}

int net_dest_from_sockaddr(const void *sa, size_t len, unsigned proto, struct net_dest *out)
{
	struct sockaddr_storage ss;
	sa_family_t family;

	if (len > sizeof(ss) || len < sizeof(family))
		return -EINVAL;
	if (proto != POLICY_NET_TCP && proto != POLICY_NET_UDP)
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len); /* aligned, and never read past len */
	family = ss.ss_family;
	memset(out, 0, sizeof(*out));
	out->proto = proto;
	if (family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		if (len < sizeof(*in))
			return -EINVAL;
		set_v4(out, (const uint8_t *)&in->sin_addr);
		out->port = ntohs(in->sin_port);
	} else if (family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		if (len < SIN6_LEN_RFC2133)
			return -EINVAL;
		memcpy(out->addr, &in6->sin6_addr, 16);
		out->port = ntohs(in6->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	canonicalize_unspecified(out);
	return 0;
}

static bool in_prefix(const uint8_t a[16], const uint8_t net[16], unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (prefix > 128 || memcmp(a, net, whole) != 0)
		return false;
	if (!rest)
		return true;
	return ((a[whole] ^ net[whole]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static bool pinned(const struct net_pins *pins, size_t i, const uint8_t a[16])
{
	const struct net_pin *pin;

	if (!pins || !pins->by_rule || i >= pins->n)
		return false;
	pin = &pins->by_rule[i];
	for (size_t k = 0; k < pin->n; k++)
		if (memcmp(pin->addrs[k].s6_addr, a, 16) == 0)
			return true;
	return false;
}

static bool port_in(const struct policy_net_rule *r, uint16_t port)
{
	if (r->ports_any)
		return true;
	for (size_t i = 0; i < r->n_ports; i++)
		if (port >= r->ports[i].lo && port <= r->ports[i].hi)
			return true;
	return false;
}

static bool matches(const struct policy_net_rule *r, size_t i, const struct net_pins *pins,
		    unsigned proto, const uint8_t a[16], uint16_t port)
{
	if (!(r->proto & proto) || !port_in(r, port))
		return false;
	switch (r->kind) {
	case POLICY_NET_ANY:
		return true;
	case POLICY_NET_ADDR:
		return in_prefix(a, r->addr, r->prefix);
	case POLICY_NET_HOST:
		return pinned(pins, i, a);
	}
	return false; /* an unknown kind matches nothing: fail closed */
}

/* The verdict for one address; see decide_net(). */
static bool decide_addr(const struct policy *p, const struct net_pins *pins, unsigned proto,
			const uint8_t a[16], uint16_t port, int *rule)
{
	bool has_allow = false;
	int allow = -1;

	for (size_t i = 0; i < p->n_net; i++) {
		has_allow |= !p->net[i].deny;
		if (!matches(&p->net[i], i, pins, proto, a, port))
			continue;
		if (p->net[i].deny) {
			*rule = (int)i;
			return false;
		}
		if (allow < 0)
			allow = (int)i;
	}
	*rule = allow;
	if (allow >= 0)
		return true;
	return p->n_net > 0 && !has_allow;
}

bool decide_net(const struct policy *p, const struct net_pins *pins, const struct net_dest *d,
		int *rule)
{
	const uint8_t *other;
	int first;

	*rule = -1;
	if (d->proto != POLICY_NET_TCP && d->proto != POLICY_NET_UDP)
		return false;
	if (!decide_addr(p, pins, d->proto, d->addr, d->port, rule))
		return false;
	if (!d->unspecified)
		return true;
	first = *rule;
	other = memcmp(d->addr, v6_loopback, 16) == 0 ? v4_loopback : v6_loopback;
	if (!decide_addr(p, pins, d->proto, other, d->port, rule))
		return false;
	*rule = first;
	return true;
}
