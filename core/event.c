/* Decision events as JSON: the one encoder shared by the JSON-lines sink,
 * the trace writer and the tests. */
#define _GNU_SOURCE
#include "event.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

const char *event_kind_name(enum event_kind k)
{
	static const char *const names[] = {
		[EVENT_NET] = "net", [EVENT_EXEC] = "exec", [EVENT_PATH] = "path",
		[EVENT_PROC] = "proc", [EVENT_MEM] = "mem", [EVENT_ERROR] = "error",
		[EVENT_TASK] = "task",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

const char *event_verdict_name(enum event_verdict v)
{
	return v == EVENT_ALLOW ? "allow" : "deny";
}

/* An output cursor that never overruns: once full it only counts, and
 * out_end() backs off to a valid object (see event_to_json). */
struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void out_raw(struct out *o, const char *s, size_t n)
{
	/* Keep room for "}\n" and the NUL so the object can always be closed. */
	if (o->full || o->len + n + 3 > o->size) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_raw(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

size_t event_utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong 3/4-byte forms, surrogates and > U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* A JSON string.  Paths and argv are bytes, not text: a byte that is not
 * part of valid UTF-8 is written as \u00XX (its Latin-1 reading), so the
 * line stays valid JSON and no byte is silently lost. */
static void out_str(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		out_raw(o, "null", 4);
		return;
	}
	n = strlen(s);
	out_raw(o, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t u = p[i] >= 0x80 ? event_utf8_len(p + i, n - i) : 0;

		if (u) {
			out_raw(o, s + i, u);
			i += u;
			continue;
		}
		if (p[i] == '"' || p[i] == '\\')
			out_fmt(o, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			out_fmt(o, "\\u%04x", p[i]);
		else
			out_raw(o, s + i, 1);
		i++;
	}
	out_raw(o, "\"", 1);
}

static void out_key(struct out *o, const char *k)
{
	out_fmt(o, ",\"%s\":", k);
}

static void out_addr(struct out *o, const uint8_t a[16])
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char txt[INET6_ADDRSTRLEN];

	if (memcmp(a, v4mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, txt, sizeof(txt));
	else
		inet_ntop(AF_INET6, a, txt, sizeof(txt));
	out_str(o, txt);
}

/* The access bits as a JSON array of words, e.g. ["read","write"]. */
static void out_access(struct out *o, unsigned acc)
{
	static const char *const names[] = { "read", "write", "create", "truncate",
					     "exec", "remove", "dir", "meta" };
	bool first = true;

	out_raw(o, "[", 1);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(acc & (1u << i)))
			continue;
		if (!first)
			out_raw(o, ",", 1);
		out_str(o, names[i]);
		first = false;
	}
	out_raw(o, "]", 1);
}

static void out_kind(struct out *o, const struct event *e)
{
	switch (e->kind) {
	case EVENT_NET:
		out_key(o, "proto");
		out_str(o, e->net.proto == 2 ? "udp" : "tcp");
		out_key(o, "addr");
		out_addr(o, e->net.addr);
		out_key(o, "port");
		out_fmt(o, "%u", e->net.port);
		out_key(o, "host");
		out_str(o, e->net.host);
		break;
	case EVENT_EXEC:
		out_key(o, "path");
		out_str(o, e->exec.path);
		out_key(o, "argv");
		out_raw(o, "[", 1);
		for (size_t i = 0; i < e->exec.argc; i++) {
			if (i)
				out_raw(o, ",", 1);
			out_str(o, e->exec.argv[i]);
		}
		out_raw(o, "]", 1);
		break;
	case EVENT_PATH:
		out_key(o, "path");
		out_str(o, e->path.path);
		if (e->path.path2) {
			out_key(o, "path2");
			out_str(o, e->path.path2);
		}
		out_key(o, "access");
		out_access(o, e->path.access);
		break;
	case EVENT_TASK:
		out_key(o, "child");
		out_fmt(o, "%d", (int)e->task.child);
		out_key(o, "status");
		out_fmt(o, "%d", e->task.status);
		break;
	case EVENT_PROC:
		out_key(o, "count");
		out_fmt(o, "%u", e->proc.count);
		out_key(o, "limit");
		out_fmt(o, "%u", e->proc.limit);
		break;
	case EVENT_MEM:
		out_key(o, "bytes");
		out_fmt(o, "%llu", (unsigned long long)e->mem.bytes);
		out_key(o, "limit");
		out_fmt(o, "%llu", (unsigned long long)e->mem.limit);
		break;
	case EVENT_ERROR:
		break;
	}
}

size_t event_to_json(const struct event *e, char *buf, size_t size)
{
	struct out o = { buf, size, 0, false };

	if (size < 64)
		return buf && size ? (buf[0] = '\0', 0) : 0;
	out_fmt(&o, "{\"v\":1,\"time_ns\":%llu,\"pid\":%d,\"ppid\":%d",
		(unsigned long long)e->time_ns, (int)e->pid, (int)e->ppid);
	out_key(&o, "exe");
	out_str(&o, e->exe);
	out_key(&o, "syscall");
	out_str(&o, e->syscall);
	out_key(&o, "nr");
	out_fmt(&o, "%d", e->nr);
	out_key(&o, "kind");
	out_str(&o, event_kind_name(e->kind));
	out_kind(&o, e);
	out_key(&o, "verdict");
	out_str(&o, event_verdict_name(e->verdict));
	out_key(&o, "rule");
	out_str(&o, e->rule);
	out_key(&o, "origin");
	if (e->origin.source && e->origin.line) {
		char where[512];

		snprintf(where, sizeof(where), "%s:%u:%u", e->origin.source, e->origin.line,
			 e->origin.col);
		out_str(&o, where);
	} else {
		out_str(&o, e->origin.source);
	}
	out_key(&o, "errno");
	out_fmt(&o, "%d", e->err);
	out_key(&o, "detail");
	out_str(&o, e->detail);
	if (o.full) {
		/* Too long for the buffer (a huge argv): say so in a valid
		 * object rather than emit broken JSON. */
		o.len = 0;
		o.full = false;
		out_fmt(&o, "{\"v\":1,\"time_ns\":%llu,\"pid\":%d,\"kind\":\"%s\","
			"\"verdict\":\"%s\",\"errno\":%d,\"truncated\":true",
			(unsigned long long)e->time_ns, (int)e->pid, event_kind_name(e->kind),
			event_verdict_name(e->verdict), e->err);
	}
	memcpy(buf + o.len, "}\n", 3);
	return o.len + 2;
}
