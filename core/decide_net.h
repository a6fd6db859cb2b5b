/* The network decision: may this process send to or connect to this
 * destination under this policy?  Pure: no system call, no global, no
 * allocation, so the supervisor, replay and tests call the same code with
 * the same inputs and get the same verdict.
 *
 * Every pointer argument is borrowed for the duration of the call;
 * nothing is kept. */
#ifndef SANDLOCK_DECIDE_NET_H
#define SANDLOCK_DECIDE_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* One destination, in canonical form: IPv4 is always ::ffff:a.b.c.d, so an
 * IPv4-mapped IPv6 sockaddr and the IPv4 one are the same destination. */
struct net_dest {
	unsigned proto;   /* exactly one of POLICY_NET_TCP, POLICY_NET_UDP */
	uint8_t addr[16]; /* network byte order */
	uint16_t port;    /* host byte order */
	/* The caller wrote the unspecified address (0.0.0.0, ::, or
	 * ::ffff:0.0.0.0), which the kernel sends to loopback: addr then holds
	 * the loopback of the same family, and decide_net() allows only if both
	 * 127.0.0.1 and ::1 are allowed, because which one the kernel picks
	 * depends on the socket (an IPv6 socket bound to a mapped address uses
	 * 127.0.0.1). */
	bool unspecified;
};

/* Converts a sockaddr copied from the child (len bytes, as the syscall's
 * addrlen) into *out for protocol proto (POLICY_NET_TCP or POLICY_NET_UDP).
 * Lengths follow the kernel: AF_INET needs 16 bytes, AF_INET6 24 (the
 * scope id is optional and ignored, as is the flow label).  Returns 0,
 * -EINVAL when len exceeds sizeof(struct sockaddr_storage), is too short
 * for the family, or proto is not one protocol, or -EAFNOSUPPORT for any
 * other family, AF_UNSPEC included.
 *
 * -EAFNOSUPPORT is not "not ours, let it through": the kernel's UDP send
 * on an IPv4 socket reads an AF_UNSPEC address as AF_INET (udp_sendmsg),
 * and connect(AF_UNSPEC) dissolves an association.  A caller must deny, or
 * act on AF_UNSPEC knowing the socket, never continue the syscall unjudged. */
int net_dest_from_sockaddr(const void *sa, size_t len, unsigned proto, struct net_dest *out);

/* The addresses a POLICY_NET_HOST rule's name was resolved to at start.
 * They are pinned: the rule matches exactly these for the life of the
 * sandbox, so a later DNS answer cannot widen (or, for a deny rule,
 * narrow) it.  Addresses are in net_dest's canonical form (IPv4 mapped),
 * as struct resolve_addrs holds them. */
struct net_pin {
	const struct in6_addr *addrs; /* borrowed, n entries */
	size_t n;
};

/* Pins of a policy's rules, indexed like p->net: by_rule[i] belongs to
 * p->net[i] (ignored unless it is a POLICY_NET_HOST rule).  A host rule at
 * or past n, or with no address, matches nothing: an unresolved allow rule
 * allows nothing, an unresolved deny rule denies nothing (deny by CIDR what
 * must stay unreachable).  pins may be NULL for a policy without host rules. */
struct net_pins {
	const struct net_pin *by_rule; /* borrowed */
	size_t n;
};

/* Decides d under p's [network] rules (p->net only: the static fields and
 * allow_bind play no part).  The semantics, as in policy_net.c: a matching
 * deny rule denies; else a matching allow rule allows; else the default,
 * allow if p has deny rules only, deny otherwise (no rules: deny).
 * A rule matches when it covers d->proto, its target holds d->addr (any;
 * addr/prefix; a pinned address of its host) and d->port is one of its
 * ports ('*' also matches port 0).
 *
 * Returns true to allow, false to deny, and sets *rule to the index in
 * p->net of the deciding rule (the first matching deny rule, else the
 * first matching allow rule), or -1 when the default decided.  A malformed
 * d (proto not exactly one protocol) is denied with *rule = -1.
 * Cost: O(rules + pinned addresses). */
bool decide_net(const struct policy *p, const struct net_pins *pins, const struct net_dest *d,
		int *rule);

#endif
