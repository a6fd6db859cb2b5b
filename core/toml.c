/* TOML subset parser; the contract, limits and error wording are in toml.h.
 *
 * One pass over the bytes with a recursive-descent value parser.  Every node
 * records its depth and node_new() refuses anything deeper than
 * TOML_MAX_DEPTH, which bounds the recursion here and in toml_free(), so no
 * input can exhaust the stack.  Each node costs at least one input byte and
 * every buffer grows geometrically, so memory stays O(input). */
#include "toml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Far beyond any policy; small enough that the recursion bound is a few
 * kilobytes of stack per level even under ASan. */
#define TOML_MAX_DEPTH 64

/* How a table came to exist decides what may add to it later (TOML 1.0,
 * "Table"); a table with none of these was only implied by a header. */
enum {
	TAB_HEADER = 1 << 0, /* named by its own [header] */
	TAB_DOTTED = 1 << 1, /* created by a dotted key */
	TAB_INLINE = 1 << 2, /* { ... }: closed for good once parsed */
};

/* The public value plus bookkeeping; v comes first so the struct
 * toml_value * handed out converts back to the allocation. */
struct node {
	struct toml_value v;
	size_t cap; /* of u.arr.items or u.tab.kv */
	unsigned depth;
	unsigned flags;
};

struct seg {
	char *name; /* owned */
	struct toml_pos pos;
};

/* A key as written, a.b."c": a table can be no deeper than its key has
 * parts, so the depth bound sizes the array. */
struct key {
	struct seg seg[TOML_MAX_DEPTH];
	size_t n;
};

struct buf {
	char *p;
	size_t n, cap;
};

struct parser {
	const unsigned char *s;
	size_t len, i;
	struct toml_error *err;
	/* pos_at() cache: positions are asked for in increasing order, so
	 * counting lines from the last answer keeps the whole parse O(n). */
	size_t pc_off, pc_bol;
	unsigned pc_line;
	struct node *root, *cur;
	/* Every table's keys in one open-addressing index, so that checking
	 * for duplicates stays O(1) even for a table with 100k keys. */
	struct slot {
		struct node *t; /* NULL: free */
		size_t idx;	/* into t->v.u.tab.kv */
	} *slots;
	size_t nslots, nused; /* nslots is 0 or a power of two */
};

static int parse_value(struct parser *p, unsigned depth, struct node **out);

static struct toml_pos pos_at(struct parser *p, size_t off)
{
	if (off < p->pc_off) {
		p->pc_off = 0;
		p->pc_bol = 0;
		p->pc_line = 1;
	}
	for (size_t i = p->pc_off; i < off; i++) {
		if (p->s[i] == '\n') {
			p->pc_line++;
			p->pc_bol = i + 1;
		}
	}
	p->pc_off = off;
	return (struct toml_pos){ .line = p->pc_line, .col = (unsigned)(off - p->pc_bol + 1) };
}

/* Records a syntax error at pos; returns -EINVAL for the caller to pass up. */
__attribute__((format(printf, 3, 4))) static int fail_pos(struct parser *p, struct toml_pos pos,
							  const char *fmt, ...)
{
	va_list ap;

	p->err->line = pos.line;
	p->err->col = pos.col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Same, at byte offset off. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, size_t off,
						      const char *fmt, ...)
{
	struct toml_pos pos = pos_at(p, off);
	va_list ap;

	p->err->line = pos.line;
	p->err->col = pos.col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int peek(const struct parser *p, size_t k)
{
	return p->i + k < p->len ? p->s[p->i + k] : -1;
}

/* 1 for LF, 2 for CRLF; a lone CR is not a newline in TOML. */
static size_t newline_at(const struct parser *p, size_t i)
{
	if (i < p->len && p->s[i] == '\n')
		return 1;
	if (i + 1 < p->len && p->s[i] == '\r' && p->s[i + 1] == '\n')
		return 2;
	return 0;
}

static bool is_ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_bare(int c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c == '-';
}

static bool starts(const struct parser *p, const char *word)
{
	size_t n = strlen(word);

	return p->len - p->i >= n && memcmp(p->s + p->i, word, n) == 0;
}

static void skip_ws(struct parser *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
		p->i++;
}

static int skip_comment(struct parser *p)
{
	if (peek(p, 0) != '#')
		return 0;
	for (p->i++; p->i < p->len && !newline_at(p, p->i); p->i++)
		if (is_ctrl(p->s[p->i]))
			return fail(p, p->i, "control character in comment");
	return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
static int skip_array_ws(struct parser *p)
{
	for (;;) {
		size_t nl;
		int r;

		skip_ws(p);
		r = skip_comment(p);
		if (r)
			return r;
		nl = newline_at(p, p->i);
		if (!nl)
			return 0;
		p->i += nl;
	}
}

/* Ends a line: optional blanks and comment, then a newline or the end. */
static int expect_eol(struct parser *p, const char *what)
{
	size_t nl;
	int r;

	skip_ws(p);
	r = skip_comment(p);
	if (r)
		return r;
	if (p->i == p->len)
		return 0;
	nl = newline_at(p, p->i);
	if (!nl)
		return fail(p, p->i, "expected newline after %s", what);
	p->i += nl;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at s, or 0: no overlong forms,
 * no surrogates, nothing above U+10FFFF (RFC 3629, table 3-7). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	size_t n = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;

	if (n == 0 || avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Checked up front so every later stage may assume whole characters and
 * NUL-free text (a NUL would silently truncate keys and strings). */
static int check_text(struct parser *p)
{
	for (size_t i = 0; i < p->len;) {
		size_t n = 1;

		if (p->s[i] == 0)
			return fail(p, i, "NUL byte in input");
		if (p->s[i] >= 0x80 && !(n = utf8_len(p->s + i, p->len - i)))
			return fail(p, i, "invalid UTF-8");
		i += n;
	}
	return 0;
}

static int buf_add(struct buf *b, const void *src, size_t n)
{
	size_t cap = b->cap ? b->cap : 16;
	char *np;

	while (cap - b->n < n)
		cap *= 2;
	if (cap != b->cap) {
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	if (n) /* b->p may still be NULL, and memcpy(NULL, ..., 0) is undefined */
		memcpy(b->p + b->n, src, n);
	b->n += n;
	return 0;
}

/* Returns arr with room for element n, or NULL (arr still valid). */
static void *array_reserve(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 4;
	void *np;

	if (n < *cap)
		return arr;
	np = realloc(arr, ncap * size);
	if (np)
		*cap = ncap;
	return np;
}

static int node_new(struct parser *p, enum toml_type type, struct toml_pos pos, unsigned depth,
		    struct node **out)
{
	struct node *n = NULL;

	if (depth > TOML_MAX_DEPTH)
		return fail_pos(p, pos, "nesting too deep");
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->v.type = type;
	n->v.pos = pos;
	n->depth = depth;
	*out = n;
	return 0;
}

/* Takes val, also on failure. */
static int array_push(struct node *a, struct node *val)
{
	void *np = array_reserve(a->v.u.arr.items, &a->cap, a->v.u.arr.n, sizeof(val));

	if (!np) {
		toml_free(&val->v);
		return -ENOMEM;
	}
	a->v.u.arr.items = np;
	a->v.u.arr.items[a->v.u.arr.n++] = &val->v;
	return 0;
}

/* FNV-1a over the table's address and the key. */
static size_t slot_hash(const struct node *t, const char *name)
{
	uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)(uintptr_t)t;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3u;
	return (size_t)(h ^ h >> 29);
}

/* The slot holding name in t, or the free slot where it would go. */
static struct slot *slot_find(const struct parser *p, const struct node *t, const char *name)
{
	size_t mask = p->nslots - 1;

	for (size_t i = slot_hash(t, name) & mask;; i = (i + 1) & mask) {
		struct slot *sl = &p->slots[i];

		if (!sl->t || (sl->t == t && strcmp(t->v.u.tab.kv[sl->idx].key, name) == 0))
			return sl;
	}
}

static struct toml_kv *table_find(const struct parser *p, const struct node *t, const char *name)
{
	struct slot *sl = p->nslots ? slot_find(p, t, name) : NULL;

	return sl && sl->t ? &sl->t->v.u.tab.kv[sl->idx] : NULL;
}

/* Indexes entry idx of t, keeping the load factor at most one half. */
static int slot_add(struct parser *p, struct node *t, size_t idx)
{
	if (2 * (p->nused + 1) > p->nslots) {
		struct slot *old = p->slots;
		size_t n = p->nslots;

		p->slots = calloc(n ? 2 * n : 64, sizeof(*p->slots));
		if (!p->slots) {
			p->slots = old;
			return -ENOMEM;
		}
		p->nslots = n ? 2 * n : 64;
		for (size_t i = 0; i < n; i++)
			if (old[i].t)
				*slot_find(p, old[i].t, old[i].t->v.u.tab.kv[old[i].idx].key) = old[i];
		free(old);
	}
	*slot_find(p, t, t->v.u.tab.kv[idx].key) = (struct slot){ .t = t, .idx = idx };
	p->nused++;
	return 0;
}

/* Appends name = val to t; borrows name, takes val (also on failure). */
static int table_put(struct parser *p, struct node *t, const char *name, struct toml_pos kpos,
		     struct node *val)
{
	void *np = array_reserve(t->v.u.tab.kv, &t->cap, t->v.u.tab.n, sizeof(struct toml_kv));
	char *key = strdup(name);

	if (np)
		t->v.u.tab.kv = np;
	if (!np || !key) {
		free(key);
		toml_free(&val->v);
		return -ENOMEM;
	}
	t->v.u.tab.kv[t->v.u.tab.n++] =
		(struct toml_kv){ .key = key, .key_pos = kpos, .val = &val->v };
	return slot_add(p, t, t->v.u.tab.n - 1);
}

/* Creates the table sg names inside t, positioned at pos. */
static int table_add_sub(struct parser *p, struct node *t, const struct seg *sg,
			 struct toml_pos pos, unsigned flags, struct node **out)
{
	struct node *n = NULL;
	int r = node_new(p, TOML_TABLE, pos, t->depth + 1, &n);

	if (r)
		return r;
	n->flags = flags;
	r = table_put(p, t, sg->name, sg->pos, n);
	if (r)
		return r;
	*out = n;
	return 0;
}

static int put_utf8(struct buf *b, uint32_t cp)
{
	static const unsigned char lead[] = { 0, 0xc0, 0xe0, 0xf0 };
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	unsigned char u[4];

	u[0] = (unsigned char)(lead[n - 1] | cp >> (6 * (n - 1)));
	for (size_t k = 1; k < n; k++)
		u[k] = (unsigned char)(0x80 | (cp >> (6 * (n - 1 - k)) & 0x3f));
	return buf_add(b, u, n);
}

static int hex_val(int c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20; /* ASCII lower case */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* \uXXXX or \UXXXXXXXX at p->i (the backslash, with the letter after it). */
static int parse_unicode(struct parser *p, struct buf *b)
{
	size_t at = p->i, n = p->s[at + 1] == 'u' ? 4 : 8;
	const char *digits = (const char *)p->s + at + 2;
	uint32_t cp = 0;

	for (size_t k = 0; k < n; k++) {
		int d = at + 2 + k < p->len ? hex_val(p->s[at + 2 + k]) : -1;

		if (d < 0)
			return fail(p, at, "expected %zu hex digits after '\\%c'", n, p->s[at + 1]);
		cp = cp << 4 | (uint32_t)d;
	}
	/* The public strings are NUL-terminated: an escaped NUL would cut a
	 * path short without anyone noticing. */
	if (cp == 0)
		return fail(p, at, "escaped NUL is not allowed in strings");
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return fail(p, at, "invalid unicode escape '\\%c%.*s'", p->s[at + 1], (int)n, digits);
	p->i = at + 2 + n;
	return put_utf8(b, cp);
}

/* An escape at p->i; the caller made sure a byte follows the backslash. */
static int parse_escape(struct parser *p, struct buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	size_t at = p->i;
	int c = p->s[at + 1];
	const char *hit = strchr(from, c);
	int n = c < 0xe0 ? (c < 0x80 ? 1 : 2) : (c < 0xf0 ? 3 : 4);

	if (c == 'u' || c == 'U')
		return parse_unicode(p, b);
	if (hit) {
		p->i += 2;
		return buf_add(b, &to[hit - from], 1);
	}
	if (is_ctrl(c))
		return fail(p, at, "invalid escape: '\\' before a control character");
	/* Input is valid UTF-8, so the n bytes of the character are there. */
	return fail(p, at, "invalid escape '\\%.*s'", n, (const char *)p->s + at + 1);
}

/* In a multi-line basic string a backslash ending a line swallows every
 * blank and newline up to the next other character.  Returns whether the
 * backslash at p->i was one. */
static bool skip_line_escape(struct parser *p)
{
	size_t j = p->i + 1, nl;

	while (j < p->len && (p->s[j] == ' ' || p->s[j] == '\t'))
		j++;
	if (!newline_at(p, j))
		return false;
	for (p->i = j;; p->i += nl) {
		skip_ws(p);
		nl = newline_at(p, p->i);
		if (!nl)
			return true;
	}
}

/* A run of closing quotes in a multi-line string: up to two of them may be
 * content just before the closing three.  Returns 1 when the string ends. */
static int string_quotes(struct parser *p, struct buf *b)
{
	unsigned char q = p->s[p->i];
	size_t k = 1;
	int r;

	while (k < 5 && peek(p, k) == q)
		k++;
	r = buf_add(b, p->s + p->i, k >= 3 ? k - 3 : k);
	p->i += k;
	return r ? r : k >= 3;
}

static int string_body(struct parser *p, struct buf *b, unsigned char q, bool ml, size_t open)
{
	for (int r = 0; r == 0;) {
		size_t nl;
		unsigned char c;

		if (p->i == p->len)
			return fail(p, open, "unterminated string");
		c = p->s[p->i];
		nl = newline_at(p, p->i);
		if (c == q && !ml) {
			p->i++;
			return 0;
		} else if (c == q) {
			r = string_quotes(p, b);
		} else if (nl && !ml) {
			return fail(p, open, "unterminated string");
		} else if (nl) { /* CRLF becomes LF: the values are for Linux */
			r = buf_add(b, "\n", 1);
			p->i += nl;
		} else if (c == '\\' && q == '"') {
			if (p->i + 1 == p->len)
				return fail(p, open, "unterminated string");
			if (!ml || !skip_line_escape(p))
				r = parse_escape(p, b);
		} else if (is_ctrl(c)) {
			return fail(p, p->i, "control character in string");
		} else {
			r = buf_add(b, &c, 1);
			p->i++;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Any of the four string forms at p->i (the opening quote); *out is
 * returned owned. */
static int parse_string(struct parser *p, bool is_key, char **out)
{
	size_t open = p->i;
	unsigned char q = p->s[open];
	bool ml = peek(p, 1) == q && peek(p, 2) == q;
	struct buf b = { 0 };
	int r;

	if (ml && is_key)
		return fail(p, open, "multi-line strings cannot be keys");
	p->i += ml ? 3 : 1;
	if (ml) /* a newline right after the opening quotes is not content */
		p->i += newline_at(p, p->i);
	r = string_body(p, &b, q, ml, open);
	if (!r)
		r = buf_add(&b, "", 1);
	if (r)
		free(b.p);
	else
		*out = b.p;
	return r;
}

static int parse_simple_key(struct parser *p, struct seg *sg)
{
	size_t start = p->i;
	int c = peek(p, 0);

	sg->pos = pos_at(p, start);
	if (c == '"' || c == '\'')
		return parse_string(p, true, &sg->name);
	while (p->i < p->len && is_bare(p->s[p->i]))
		p->i++;
	if (p->i == start)
		return fail(p, start, "expected a key");
	sg->name = strndup((const char *)p->s + start, p->i - start);
	return sg->name ? 0 : -ENOMEM;
}

/* A dotted key; also consumes the blanks after it. */
static int parse_key(struct parser *p, struct key *k)
{
	for (;;) {
		int r;

		if (k->n == TOML_MAX_DEPTH)
			return fail(p, p->i, "nesting too deep");
		r = parse_simple_key(p, &k->seg[k->n]);
		if (r)
			return r;
		k->n++;
		skip_ws(p);
		if (peek(p, 0) != '.')
			return 0;
		p->i++;
		skip_ws(p);
	}
}

static void key_release(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->seg[i].name);
	k->n = 0;
}

/* The first n parts of k joined by dots, for a message: control bytes
 * become '?' so a quoted key cannot break the line, and a long key is cut
 * at a character boundary and marked with "...". */
static const char *key_text(const struct key *k, size_t n, char *buf, size_t size)
{
	size_t o = 0, room = size - 4;

	for (size_t i = 0; i < n && o < room; i++) {
		if (i)
			buf[o++] = '.';
		for (const char *c = k->seg[i].name; *c && o < room; c++)
			buf[o++] = is_ctrl((unsigned char)*c) ? '?' : *c;
	}
	if (o >= room) {
		while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && (unsigned char)buf[o - 1] >= 0xc0)
			o--;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static bool is_num_char(int c)
{
	return is_bare(c) || c == '.' || c == '+' || c == ':';
}

/* Digits of base from i to end, '_' only between digits, at most limit. */
static int parse_digits(struct parser *p, size_t i, size_t end, unsigned base, uint64_t limit,
			size_t start, uint64_t *out)
{
	uint64_t v = 0;

	if (i == end)
		return fail(p, i, "expected digits");
	for (size_t j = i; j < end; j++) {
		int c = p->s[j], d = hex_val(c);

		if (c == '_' && (j == i || j + 1 == end || p->s[j - 1] == '_'))
			return fail(p, j, "'_' must be between digits");
		if (c == '_')
			continue;
		if (d < 0 || (unsigned)d >= base)
			return fail(p, j, "invalid character '%c' in integer", c);
		if (v > (limit - (unsigned)d) / base)
			return fail(p, start, "integer out of range");
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}

static bool is_date(const unsigned char *t, size_t n)
{
	if (n >= 5 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) &&
	    t[4] == '-')
		return true;
	return n >= 3 && is_digit(t[0]) && is_digit(t[1]) && t[2] == ':';
}

static bool is_float(const unsigned char *t, size_t n, size_t k)
{
	if (n - k >= 3 && (memcmp(t + k, "inf", 3) == 0 || memcmp(t + k, "nan", 3) == 0))
		return true;
	for (size_t j = k; j < n; j++)
		if (t[j] == '.' || t[j] == 'e' || t[j] == 'E')
			return true;
	return false;
}

/* The whole token is classified first so that a float or a date gets its
 * own message instead of "invalid character '.'". */
static int parse_number(struct parser *p, int64_t *out)
{
	size_t start = p->i, end = start, n, k;
	const unsigned char *t = p->s + start;
	uint64_t mag;
	bool neg;
	int r;

	while (end < p->len && is_num_char(p->s[end]))
		end++;
	p->i = end;
	n = end - start;
	k = t[0] == '+' || t[0] == '-';
	neg = t[0] == '-';
	if (is_date(t, n))
		return fail(p, start, "dates and times are not supported");
	if (n >= k + 2 && t[k] == '0' && (t[k + 1] == 'x' || t[k + 1] == 'o' || t[k + 1] == 'b')) {
		unsigned base = t[k + 1] == 'x' ? 16 : t[k + 1] == 'o' ? 8 : 2;

		if (k)
			return fail(p, start, "a sign is not allowed before '0%c'", t[k + 1]);
		r = parse_digits(p, start + 2, end, base, INT64_MAX, start, &mag);
		if (!r)
			*out = (int64_t)mag;
		return r;
	}
	if (is_float(t, n, k))
		return fail(p, start, "floats are not supported");
	r = parse_digits(p, start + k, end, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, start,
			 &mag);
	if (r)
		return r;
	if (t[k] == '0' && n > k + 1)
		return fail(p, start + k, "leading zeros are not allowed");
	if (!neg)
		*out = (int64_t)mag;
	else
		*out = mag > INT64_MAX ? INT64_MIN : -(int64_t)mag;
	return 0;
}

/* Parses one element and the separator after it; 1 at the closing ']'. */
static int array_next(struct parser *p, struct node *a, size_t open, bool first)
{
	struct node *item;
	int r = skip_array_ws(p);

	(void)first; /* a trailing comma is fine in an array */
	if (r)
		return r;
	if (p->i == p->len)
		return fail(p, open, "unterminated array");
	if (p->s[p->i] == ']') {
		p->i++;
		return 1;
	}
	r = parse_value(p, a->depth + 1, &item);
	if (!r)
		r = array_push(a, item);
	if (!r)
		r = skip_array_ws(p);
	if (r)
		return r;
	if (p->i == p->len)
		return fail(p, open, "unterminated array");
	if (p->s[p->i] != ',' && p->s[p->i] != ']')
		return fail(p, p->i, "expected ',' or ']' in array");
	return p->s[p->i++] == ']';
}

/* TOML 1.0 keeps inline tables on one line (values such as arrays may
 * still span lines), so a newline or comment here is an error. */
static int inline_check(struct parser *p, size_t open)
{
	if (p->i == p->len)
		return fail(p, open, "unterminated inline table");
	if (newline_at(p, p->i) || p->s[p->i] == '#' || p->s[p->i] == '\r')
		return fail(p, p->i, "inline table must be on a single line");
	return 0;
}

static int parse_keyval(struct parser *p, struct node *t);

/* Parses one key = value and the separator after it; 1 at the '}'. */
static int inline_next(struct parser *p, struct node *t, size_t open, bool first)
{
	int r;

	skip_ws(p);
	r = inline_check(p, open);
	if (r)
		return r;
	if (first && p->s[p->i] == '}') {
		p->i++;
		return 1;
	}
	r = parse_keyval(p, t);
	if (!r) {
		skip_ws(p);
		r = inline_check(p, open);
	}
	if (r)
		return r;
	if (p->s[p->i] != ',' && p->s[p->i] != '}')
		return fail(p, p->i, "expected ',' or '}' in inline table");
	if (p->s[p->i++] == '}')
		return 1;
	skip_ws(p);
	if (peek(p, 0) == '}')
		return fail(p, p->i, "trailing comma is not allowed in inline table");
	return 0;
}

/* An array or inline table at p->i: next() parses one element or pair. */
static int parse_container(struct parser *p, unsigned depth, struct node **out,
			   int (*next)(struct parser *, struct node *, size_t, bool))
{
	size_t open = p->i;
	bool arr = p->s[open] == '[';
	struct node *c = NULL;
	int r = node_new(p, arr ? TOML_ARRAY : TOML_TABLE, pos_at(p, open), depth, &c);

	if (r)
		return r;
	c->flags = arr ? 0 : TAB_INLINE;
	p->i++;
	for (bool first = true; (r = next(p, c, open, first)) == 0; first = false)
		;
	if (r < 0) {
		toml_free(&c->v);
		return r;
	}
	*out = c;
	return 0;
}

static int parse_scalar(struct parser *p, struct node *n)
{
	int c = peek(p, 0);

	if (c == '"' || c == '\'') {
		n->v.type = TOML_STRING;
		return parse_string(p, false, &n->v.u.str);
	}
	n->v.type = TOML_BOOL;
	if (starts(p, "true") || starts(p, "false")) {
		n->v.u.b = c == 't';
		p->i += n->v.u.b ? 4 : 5;
		return 0;
	}
	if (starts(p, "inf") || starts(p, "nan"))
		return fail(p, p->i, "floats are not supported");
	n->v.type = TOML_INTEGER;
	if (is_digit(c) || c == '+' || c == '-')
		return parse_number(p, &n->v.u.i);
	return fail(p, p->i, "expected a value");
}

static int parse_value(struct parser *p, unsigned depth, struct node **out)
{
	struct node *n = NULL;
	int r;

	if (peek(p, 0) == '[')
		return parse_container(p, depth, out, array_next);
	if (peek(p, 0) == '{')
		return parse_container(p, depth, out, inline_next);
	r = node_new(p, TOML_INTEGER, pos_at(p, p->i), depth, &n);
	if (r)
		return r;
	r = parse_scalar(p, n);
	if (r) {
		free(n); /* parse_scalar leaves nothing owned behind on failure */
		return r;
	}
	*out = n;
	return 0;
}

/* Walks parts [0, n) of k down from *t, creating missing tables with flags
 * (placed at their key part when dotted, at the header otherwise).  No key
 * passes through a value or an inline table, and a dotted key only through
 * tables that dotted keys created (TOML 1.0): a table that has a header, or
 * is implied by one, is closed to them. */
static int key_walk(struct parser *p, struct node **t, const struct key *k, size_t n,
		    unsigned flags, struct toml_pos at)
{
	char text[128];

	for (size_t i = 0; i < n; i++) {
		const struct seg *sg = &k->seg[i];
		struct toml_kv *kv = table_find(p, *t, sg->name);
		struct node *c = kv ? (struct node *)kv->val : NULL;

		if (!c) {
			int r = table_add_sub(p, *t, sg, flags ? sg->pos : at, flags, t);

			if (r)
				return r;
			continue;
		}
		key_text(k, i + 1, text, sizeof(text));
		if (c->v.type != TOML_TABLE)
			return fail_pos(p, sg->pos, "key '%s' is not a table", text);
		if (c->flags & TAB_INLINE)
			return fail_pos(p, sg->pos, "inline table '%s' cannot be extended", text);
		if (flags == TAB_DOTTED && !(c->flags & TAB_DOTTED))
			return fail_pos(p, sg->pos, "table '%s' cannot be extended by a dotted key", text);
		*t = c;
	}
	return 0;
}

static int parse_keyval(struct parser *p, struct node *t)
{
	char text[128];
	struct key k;
	struct node *dst = NULL, *val = NULL;
	int r;

	k.n = 0;
	r = parse_key(p, &k);
	if (!r && peek(p, 0) != '=')
		r = fail(p, p->i, "expected '=' after key '%s'", key_text(&k, k.n, text, sizeof(text)));
	if (r)
		goto out;
	p->i++;
	skip_ws(p);
	dst = t;
	r = key_walk(p, &dst, &k, k.n - 1, TAB_DOTTED, (struct toml_pos){ 0 });
	if (!r && table_find(p, dst, k.seg[k.n - 1].name))
		r = fail_pos(p, k.seg[k.n - 1].pos, "duplicate key '%s'",
			     key_text(&k, k.n, text, sizeof(text)));
	if (!r)
		r = parse_value(p, dst->depth + 1, &val);
	if (!r)
		r = table_put(p, dst, k.seg[k.n - 1].name, k.seg[k.n - 1].pos, val);
out:
	key_release(&k);
	return r;
}

/* Opens the table that the header at `at` names: each table may be defined
 * once, so not again, and not after dotted keys or an inline table did. */
static int resolve_header(struct parser *p, const struct key *k, struct toml_pos at)
{
	char text[128];
	const struct seg *last = &k->seg[k->n - 1];
	struct node *t = p->root;
	struct toml_kv *kv;
	int r = key_walk(p, &t, k, k->n - 1, 0, at);

	if (r)
		return r;
	kv = table_find(p, t, last->name);
	if (!kv)
		return table_add_sub(p, t, last, at, TAB_HEADER, &p->cur);
	t = (struct node *)kv->val;
	key_text(k, k->n, text, sizeof(text));
	if (t->v.type != TOML_TABLE)
		return fail_pos(p, last->pos, "duplicate key '%s'", text);
	if (t->flags & TAB_INLINE)
		return fail_pos(p, last->pos, "inline table '%s' cannot be extended", text);
	if (t->flags & (TAB_HEADER | TAB_DOTTED))
		return fail_pos(p, last->pos, "table '%s' defined twice", text);
	/* an implied table now gets its own header: errors point there */
	t->flags |= TAB_HEADER;
	t->v.pos = at;
	kv->key_pos = last->pos;
	p->cur = t;
	return 0;
}

static int parse_header(struct parser *p)
{
	char text[128];
	struct toml_pos at = pos_at(p, p->i);
	struct key k;
	int r;

	k.n = 0;
	if (peek(p, 1) == '[')
		return fail_pos(p, at, "arrays of tables are not supported");
	p->i++;
	skip_ws(p);
	r = parse_key(p, &k);
	if (!r && peek(p, 0) != ']')
		r = fail(p, p->i, "expected ']' after table name '%s'",
			 key_text(&k, k.n, text, sizeof(text)));
	if (!r) {
		p->i++;
		r = resolve_header(p, &k, at);
	}
	key_release(&k);
	return r ? r : expect_eol(p, "table header");
}

static int parse_doc(struct parser *p)
{
	int r = 0;

	/* TOML 1.0 has no byte-order mark; say so rather than "expected a key". */
	if (starts(p, "\xef\xbb\xbf"))
		return fail(p, 0, "byte-order mark is not allowed");
	while (r == 0) {
		skip_ws(p);
		if (p->i == p->len)
			return 0;
		if (p->s[p->i] == '[')
			r = parse_header(p);
		else if (p->s[p->i] == '#' || newline_at(p, p->i))
			r = expect_eol(p, "comment");
		else if ((r = parse_keyval(p, p->cur)) == 0)
			r = expect_eol(p, "value");
	}
	return r;
}

int toml_parse(const char *src, size_t len, struct toml_value **out, struct toml_error *err)
{
	struct toml_error scratch;
	struct parser p = {
		.s = (const unsigned char *)src,
		.len = len,
		.err = err ? err : &scratch,
		.pc_line = 1,
	};
	int r;

	*out = NULL;
	memset(p.err, 0, sizeof(*p.err));
	r = check_text(&p);
	if (!r)
		r = node_new(&p, TOML_TABLE, (struct toml_pos){ .line = 1, .col = 1 }, 0, &p.root);
	if (!r) {
		p.cur = p.root;
		r = parse_doc(&p);
	}
	if (r == -ENOMEM) {
		struct toml_pos pos = pos_at(&p, p.i);

		fail_pos(&p, pos, "out of memory");
	}
	free(p.slots);
	if (r) {
		toml_free(p.root ? &p.root->v : NULL);
		return r;
	}
	*out = &p.root->v;
	return 0;
}

void toml_free(struct toml_value *v)
{
	if (!v)
		return;
	if (v->type == TOML_STRING) {
		free(v->u.str);
	} else if (v->type == TOML_ARRAY) {
		for (size_t i = 0; i < v->u.arr.n; i++)
			toml_free(v->u.arr.items[i]);
		free(v->u.arr.items);
	} else if (v->type == TOML_TABLE) {
		for (size_t i = 0; i < v->u.tab.n; i++) {
			free(v->u.tab.kv[i].key);
			toml_free(v->u.tab.kv[i].val);
		}
		free(v->u.tab.kv);
	}
	free((struct node *)v);
}

const struct toml_value *toml_get(const struct toml_value *table, const char *key)
{
	if (!table || table->type != TOML_TABLE || !key)
		return NULL;
	for (size_t i = 0; i < table->u.tab.n; i++)
		if (strcmp(table->u.tab.kv[i].key, key) == 0)
			return table->u.tab.kv[i].val;
	return NULL;
}

const char *toml_type_name(enum toml_type t)
{
	static const char *const names[] = {
		[TOML_STRING] = "string", [TOML_INTEGER] = "integer", [TOML_BOOL] = "boolean",
		[TOML_ARRAY] = "array",	  [TOML_TABLE] = "table",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}
