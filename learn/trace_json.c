/* Text forms shared by the trace writer and its tests: argv as a JSON
 * array (the same escaping as core/event.c's JSON lines, so a trace and a
 * decision log spell an argv alike) and addresses. */
#define _GNU_SOURCE
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct jbuf {
	char **buf;
	size_t *cap;
	size_t len;
	bool oom;
};

static void put(struct jbuf *j, const char *s, size_t n)
{
	if (j->oom)
		return;
	if (j->len + n + 1 > *j->cap) {
		size_t cap = *j->cap ? *j->cap : 256;
		char *q;

		while (j->len + n + 1 > cap)
			cap *= 2;
		q = realloc(*j->buf, cap);
		if (!q) {
			j->oom = true;
			return;
		}
		*j->buf = q;
		*j->cap = cap;
	}
	memcpy(*j->buf + j->len, s, n);
	j->len += n;
	(*j->buf)[j->len] = '\0';
}

static void put_str(struct jbuf *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), run = 0;

	put(j, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t u = p[i] >= 0x80 ? event_utf8_len(p + i, n - i) : 0;
		char esc[8];

		if (u || (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')) {
			run += u ? u : 1;
			i += u ? u : 1;
			continue;
		}
		put(j, s + i - run, run);
		run = 0;
		if (p[i] == '"' || p[i] == '\\')
			snprintf(esc, sizeof(esc), "\\%c", p[i]);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
		put(j, esc, strlen(esc));
		i++;
	}
	put(j, s + n - run, run);
	put(j, "\"", 1);
}

ssize_t trace_json_argv(char **buf, size_t *cap, const char *const *argv, size_t argc)
{
	struct jbuf j = { buf, cap, 0, false };

	put(&j, "[", 1);
	for (size_t i = 0; i < argc; i++) {
		if (i)
			put(&j, ",", 1);
		put_str(&j, argv[i] ? argv[i] : "");
	}
	put(&j, "]", 1);
	return j.oom ? -ENOMEM : (ssize_t)j.len;
}

void trace_addr_text(const uint8_t addr[16], char *out, size_t len)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char txt[INET6_ADDRSTRLEN];

	if (memcmp(addr, v4mapped, 12) == 0)
		inet_ntop(AF_INET, addr + 12, txt, sizeof(txt));
	else
		inet_ntop(AF_INET6, addr, txt, sizeof(txt));
	snprintf(out, len, "%s", txt);
}
