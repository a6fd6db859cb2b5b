/* libFuzzer harness for the resolver's parsers (core/resolve_dns.c,
 * core/resolve.c).  The first byte picks the question (name and type), the
 * rest is a DNS reply whose own first two bytes are taken as the query id,
 * so the fuzzer gets past the id check.  The same bytes also go through the
 * hosts-file and resolv.conf readers and, as a name, through the query
 * builder and the hosts renderer, and as a query through the name reader
 * of learn mode.  A crash, a sanitizer report, an
 * undocumented return value or a broken invariant is a bug. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "example.com", "www.example.com", "a.b" };

/* Addresses are distinct, capped, and of the asked family. */
static void check_addrs(const struct resolve_addrs *a, uint16_t qtype)
{
	if (a->n > RESOLVE_MAX_ADDRS)
		abort();
	for (size_t i = 0; i < a->n; i++) {
		if (qtype == RESOLVE_QTYPE_A && !IN6_IS_ADDR_V4MAPPED(&a->a[i]))
			abort();
		for (size_t j = 0; j < i; j++)
			if (memcmp(&a->a[i], &a->a[j], sizeof(a->a[i])) == 0)
				abort();
	}
}

/* What is rendered for a name reads back as exactly its addresses. */
static void check_render(const char *name, const struct resolve_addrs *a)
{
	struct resolve_pin pin = { name, a };
	struct resolve_addrs back = { 0 };
	char *text = NULL;
	int r = resolve_hosts_render(&pin, 1, &text);

	if (r == -ENOMEM)
		return;
	if (r != 0 || resolve_hosts_lookup(text, strlen(text), name, &back) != (int)a->n ||
	    back.n != a->n || memcmp(back.a, a->a, a->n * sizeof(a->a[0])) != 0)
		abort();
	free(text);
}

/* A query's name (learn mode) is a valid host name, or refused. */
static void fuzz_qname(const uint8_t *msg, size_t len)
{
	char name[256];
	int r = resolve_dns_qname(msg, len, name, sizeof(name));

	if (r != 0 && r != -EBADMSG && r != -ENAMETOOLONG)
		abort();
	if (r == 0 && (strlen(name) >= sizeof(name) || strchr(name, '/') || name[0] == '.'))
		abort();
}

static void fuzz_reply(uint8_t sel, const uint8_t *msg, size_t len)
{
	const char *name = names[sel % 3];
	uint16_t qtype = sel & 4 ? RESOLVE_QTYPE_AAAA : RESOLVE_QTYPE_A;
	uint16_t id = len >= 2 ? (uint16_t)(msg[0] << 8 | msg[1]) : 0;
	struct resolve_addrs out = { 0 };
	int r = resolve_dns_parse(msg, len, name, id, qtype, &out);

	fuzz_qname(msg, len);

	if (r > 15 || (r < 0 && r != -ESRCH && r != -EMSGSIZE && r != -EBADMSG))
		abort();
	if (r != 0 && out.n != 0)
		abort(); /* out changes only on success */
	check_addrs(&out, qtype);
	if (out.n > 0)
		check_render(name, &out);
}

static void fuzz_text(const char *text, size_t len)
{
	struct resolve_addrs out = { 0 };
	struct resolve_conf c;
	int r = resolve_hosts_lookup(text, len, "example.com", &out);

	if (r < 0 || out.n > (size_t)r || out.n > RESOLVE_MAX_ADDRS)
		abort();
	check_addrs(&out, 0);
	resolve_conf_init(&c);
	resolve_conf_parse(&c, text, len);
	if (c.n_ns < 1 || c.n_ns > RESOLVE_MAX_NS || c.timeout_ms < 1000 ||
	    c.timeout_ms > 30000 || c.attempts < 1 || c.attempts > 5)
		abort();
}

static const char *const local[] = { "0::1 localhost ip6-localhost ip6-loopback" };

/* A name the checker accepts encodes, and the query read back as a reply
 * is one with no address. */
static void fuzz_name(const uint8_t *data, size_t size)
{
	char name[300];
	uint8_t q[512];
	struct resolve_addrs out = { 0 };
	int n;

	if (size >= sizeof(name))
		return;
	memcpy(name, data, size);
	name[size] = '\0';
	if (resolve_name_check(name) != 0)
		return;
	n = resolve_dns_query(q, sizeof(q), name, 0x5a5a, RESOLVE_QTYPE_AAAA);
	if (n < 0)
		abort();
	q[2] |= 0x80;
	if (resolve_dns_parse(q, (size_t)n, name, 0x5a5a, RESOLVE_QTYPE_AAAA, &out) != 0 ||
	    out.n != 0)
		abort();
	out.a[0].s6_addr[15] = 1;
	out.n = 1;
	/* The rendered file's own localhost lines would read back too. */
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		struct resolve_addrs back = { 0 };

		if (resolve_hosts_lookup(local[i], strlen(local[i]), name, &back) > 0)
			return;
	}
	check_render(name, &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_reply(data[0], data + 1, size - 1);
	fuzz_text((const char *)data + 1, size - 1);
	fuzz_name(data + 1, size - 1);
	return 0;
}
