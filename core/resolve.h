/* Resolving the host names of a network allowlist once, at start, without
 * glibc's NSS (which dlopens in a static binary): a literal address is
 * itself, else /etc/hosts, else DNS over UDP (TCP when truncated) to the
 * nameservers of /etc/resolv.conf -- glibc's default "files dns" order.
 * The addresses are pinned: the child sees a generated /etc/hosts holding
 * exactly them (resolve_hosts_render).
 *
 * Names are taken as fully qualified: no search list, no ndots.  Only
 * resolve_host() and resolve_conf_load() make system calls; the rest is
 * pure (resolve.c: text formats, resolve_dns.c: the wire format).
 * Every pointer argument is borrowed unless said otherwise. */
#ifndef SANDLOCK_RESOLVE_H
#define SANDLOCK_RESOLVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Addresses kept per name; more are dropped (the child can then reach
 * fewer hosts, never more). */
#define RESOLVE_MAX_ADDRS 32
#define RESOLVE_MAX_NS 3	/* nameservers used, as glibc's MAXNS */
#define RESOLVE_NAME_MAX 253	/* characters of a name without the final dot */

#define RESOLVE_QTYPE_A 1
#define RESOLVE_QTYPE_AAAA 28

/* Distinct addresses in the order found; IPv4 as ::ffff:a.b.c.d. */
struct resolve_addrs {
	size_t n;
	struct in6_addr a[RESOLVE_MAX_ADDRS];
};

/* Appends *a unless already there or out is full; returns 1 if added. */
int resolve_addrs_add(struct resolve_addrs *out, const struct in6_addr *a);

struct resolve_conf {
	struct in6_addr ns[RESOLVE_MAX_NS]; /* IPv4 as ::ffff:a.b.c.d */
	size_t n_ns;
	uint16_t port;		/* 53; tests point it at a fake server */
	unsigned timeout_ms;	/* per server and try (A and AAAA together) */
	unsigned attempts;	/* rounds over all nameservers */
	const char *hosts_path; /* borrowed; NULL skips the hosts file */
};

/* Defaults: no nameserver, port 53, 2 s, 2 attempts, "/etc/hosts". */
void resolve_conf_init(struct resolve_conf *c);

/* Adds resolv.conf text to c: up to RESOLVE_MAX_NS "nameserver ADDR"
 * lines (IPv4, IPv6 without scope) and "options timeout:N attempts:N"
 * (capped at 30 s and 5, as glibc).  Unknown or malformed lines are
 * ignored, as glibc does; if no nameserver is named, 127.0.0.1 is used. */
void resolve_conf_parse(struct resolve_conf *c, const char *text, size_t len);

/* resolve_conf_init() then resolve_conf_parse() of the file at path
 * ("/etc/resolv.conf" if NULL); a missing file counts as empty.  Returns
 * 0 or -errno with d filled ("cannot read 'PATH': reason"). */
int resolve_conf_load(struct resolve_conf *c, const char *path, struct diag *d);

/* 0 if name (one final dot allowed) is a host name this module resolves
 * and may write into a hosts file: 1-63 character labels of letters,
 * digits, '-' and '_', at most RESOLVE_NAME_MAX characters, not starting
 * or ending in '-', and nothing a libc would read as a numeric address
 * ("1.2.3", "0x7f000001").  -EINVAL otherwise. */
int resolve_name_check(const char *name);

/* Appends to out the address of each hosts-file line in text that lists
 * name (case-insensitive, canonical name or alias; '#' starts a comment;
 * lines whose address inet_pton() rejects, such as "127.1" or a scoped
 * IPv6 address, are skipped).  Returns the number of
 * lines that matched (0: not listed), or -EINVAL for an invalid name. */
int resolve_hosts_lookup(const char *text, size_t len, const char *name,
			 struct resolve_addrs *out);

/* One pinned name and its addresses, both borrowed. */
struct resolve_pin {
	const char *name;
	const struct resolve_addrs *addrs;
};

/* Renders the child's /etc/hosts: the localhost lines, then one line per
 * address of each pin (the name without a final dot).  *out returns owned
 * (free()), NUL-terminated.  Returns 0, -EINVAL for a name that fails
 * resolve_name_check(), or -ENOMEM. */
int resolve_hosts_render(const struct resolve_pin *pins, size_t n, char **out);

/* Writes a recursive (RD) query for name's qtype record with the given id
 * into buf[0..cap).  Returns its length, -EINVAL for an invalid name or
 * qtype, or -ENOSPC. */
int resolve_dns_query(uint8_t *buf, size_t cap, const char *name, uint16_t id,
		      uint16_t qtype);

/* Parses msg as the reply to the query (name, id, qtype) and appends the
 * qtype addresses at the end of the answer's CNAME chain to out.  Returns
 * the reply's RCODE (0 NOERROR: may append nothing, no such record; 3
 * NXDOMAIN; ...), -ESRCH if msg is not a reply to that query (another id,
 * question or opcode: ignore it), -EMSGSIZE if truncated (TC: ask over
 * TCP), -EBADMSG if malformed (a length or pointer out of bounds, a
 * pointer that does not point backwards, a name over 255 bytes, a CNAME
 * chain over 8 hops or looping), or -EINVAL for an invalid name or qtype.
 * out is changed only when 0 is returned. */
int resolve_dns_parse(const uint8_t *msg, size_t len, const char *name, uint16_t id,
		      uint16_t qtype, struct resolve_addrs *out);

/* The name asked by the DNS query msg (the first question), lowercased,
 * into name[size] without a final dot.  For recording which names a
 * program looked up (learn mode).  Returns 0, -EBADMSG (not a query with
 * one question, malformed, or a label with characters host names do not
 * use) or -ENAMETOOLONG. */
int resolve_dns_qname(const uint8_t *msg, size_t len, char *name, size_t size);

/* Resolves name into *out (reset first): a literal address, else the
 * hosts file of conf, else A and AAAA from conf's nameservers, each asked
 * in turn for conf->attempts rounds.  A truncated UDP answer is asked
 * again over TCP from the same server.  Replies with another id or
 * question are ignored.  Returns 0 with out->n >= 1, or -errno with d
 * filled ("cannot resolve 'NAME': no address (NXDOMAIN from 10.0.0.2)"):
 * -EINVAL invalid name, -ENOENT no such name, no address or no
 * nameserver, -ETIMEDOUT no server answered, -EPROTO a server failed,
 * answered badly or could not be reached, another -errno when the hosts
 * file cannot be read.  A zero timeout_ms means 2 s, zero attempts one. */
int resolve_host(const char *name, const struct resolve_conf *conf, struct resolve_addrs *out,
		 struct diag *d);

#endif
