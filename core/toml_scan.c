/* The TOML scanner: positions and errors, blanks and comments, UTF-8
 * checking, strings with their escapes, keys and integers.  The grammar
 * (tables, arrays, the tree) is toml.c's; the contract is in toml.h. */
#include "toml_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Positions are asked for in increasing order, so counting lines from the
 * last answer keeps the whole parse O(n). */
struct toml_pos toml_scan_pos(struct toml_scan *sc, size_t off)
{
	if (off < sc->pc_off) {
		sc->pc_off = 0;
		sc->pc_bol = 0;
		sc->pc_line = 1;
	}
	for (size_t i = sc->pc_off; i < off; i++) {
		if (sc->s[i] == '\n') {
			sc->pc_line++;
			sc->pc_bol = i + 1;
		}
	}
	sc->pc_off = off;
	return (struct toml_pos){ .line = sc->pc_line, .col = (unsigned)(off - sc->pc_bol + 1) };
}

static int vfail(struct toml_scan *sc, struct toml_pos pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int vfail(struct toml_scan *sc, struct toml_pos pos, const char *fmt, va_list ap)
{
	sc->err->line = pos.line;
	sc->err->col = pos.col;
	vsnprintf(sc->err->msg, sizeof(sc->err->msg), fmt, ap);
	return -EINVAL;
}

int toml_scan_fail_pos(struct toml_scan *sc, struct toml_pos pos, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(sc, pos, fmt, ap);
	va_end(ap);
	return r;
}

int toml_scan_fail(struct toml_scan *sc, size_t off, const char *fmt, ...)
{
	struct toml_pos pos = toml_scan_pos(sc, off);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(sc, pos, fmt, ap);
	va_end(ap);
	return r;
}

static bool is_bare(int c)
{
	return scan_is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c == '-';
}

static int skip_comment(struct toml_scan *sc)
{
	if (scan_peek(sc, 0) != '#')
		return 0;
	for (sc->i++; sc->i < sc->len && !scan_newline(sc, sc->i); sc->i++)
		if (scan_is_ctrl(sc->s[sc->i]))
			return toml_scan_fail(sc, sc->i, "control character in comment");
	return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
int toml_scan_array_ws(struct toml_scan *sc)
{
	for (;;) {
		size_t nl;
		int r;

		scan_ws(sc);
		r = skip_comment(sc);
		if (r)
			return r;
		nl = scan_newline(sc, sc->i);
		if (!nl)
			return 0;
		sc->i += nl;
	}
}

/* Ends a line: optional blanks and comment, then a newline or the end. */
int toml_scan_eol(struct toml_scan *sc, const char *what)
{
	size_t nl;
	int r;

	scan_ws(sc);
	r = skip_comment(sc);
	if (r)
		return r;
	if (sc->i == sc->len)
		return 0;
	nl = scan_newline(sc, sc->i);
	if (!nl)
		return toml_scan_fail(sc, sc->i, "expected newline after %s", what);
	sc->i += nl;
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
int toml_scan_text(struct toml_scan *sc)
{
	for (size_t i = 0; i < sc->len;) {
		size_t n = 1;

		if (sc->s[i] == 0)
			return toml_scan_fail(sc, i, "NUL byte in input");
		if (sc->s[i] >= 0x80 && !(n = utf8_len(sc->s + i, sc->len - i)))
			return toml_scan_fail(sc, i, "invalid UTF-8");
		i += n;
	}
	return 0;
}

struct buf {
	char *p;
	size_t n, cap;
};

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
	if (scan_is_digit(c))
		return c - '0';
	c |= 0x20; /* ASCII lower case */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* \uXXXX or \UXXXXXXXX at sc->i (the backslash, with the letter after it). */
static int parse_unicode(struct toml_scan *sc, struct buf *b)
{
	size_t at = sc->i, n = sc->s[at + 1] == 'u' ? 4 : 8;
	const char *digits = (const char *)sc->s + at + 2;
	uint32_t cp = 0;

	for (size_t k = 0; k < n; k++) {
		int d = at + 2 + k < sc->len ? hex_val(sc->s[at + 2 + k]) : -1;

		if (d < 0)
			return toml_scan_fail(sc, at, "expected %zu hex digits after '\\%c'", n,
					      sc->s[at + 1]);
		cp = cp << 4 | (uint32_t)d;
	}
	/* The public strings are NUL-terminated: an escaped NUL would cut a
	 * path short without anyone noticing. */
	if (cp == 0)
		return toml_scan_fail(sc, at, "escaped NUL is not allowed in strings");
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return toml_scan_fail(sc, at, "invalid unicode escape '\\%c%.*s'", sc->s[at + 1],
				      (int)n, digits);
	sc->i = at + 2 + n;
	return put_utf8(b, cp);
}

/* An escape at sc->i; the caller made sure a byte follows the backslash. */
static int parse_escape(struct toml_scan *sc, struct buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	size_t at = sc->i;
	int c = sc->s[at + 1];
	const char *hit = strchr(from, c);
	int n = c < 0xe0 ? (c < 0x80 ? 1 : 2) : (c < 0xf0 ? 3 : 4);

	if (c == 'u' || c == 'U')
		return parse_unicode(sc, b);
	if (hit) {
		sc->i += 2;
		return buf_add(b, &to[hit - from], 1);
	}
	if (scan_is_ctrl(c))
		return toml_scan_fail(sc, at, "invalid escape: '\\' before a control character");
	/* Input is valid UTF-8, so the n bytes of the character are there. */
	return toml_scan_fail(sc, at, "invalid escape '\\%.*s'", n,
			      (const char *)sc->s + at + 1);
}

/* In a multi-line basic string a backslash ending a line swallows every
 * blank and newline up to the next other character.  Returns whether the
 * backslash at sc->i was one. */
static bool skip_line_escape(struct toml_scan *sc)
{
	size_t j = sc->i + 1, nl;

	while (j < sc->len && (sc->s[j] == ' ' || sc->s[j] == '\t'))
		j++;
	if (!scan_newline(sc, j))
		return false;
	for (sc->i = j;; sc->i += nl) {
		scan_ws(sc);
		nl = scan_newline(sc, sc->i);
		if (!nl)
			return true;
	}
}

/* A run of closing quotes in a multi-line string: up to two of them may be
 * content just before the closing three.  Returns 1 when the string ends. */
static int string_quotes(struct toml_scan *sc, struct buf *b)
{
	unsigned char q = sc->s[sc->i];
	size_t k = 1;
	int r;

	while (k < 5 && scan_peek(sc, k) == q)
		k++;
	r = buf_add(b, sc->s + sc->i, k >= 3 ? k - 3 : k);
	sc->i += k;
	return r ? r : k >= 3;
}

static int string_body(struct toml_scan *sc, struct buf *b, unsigned char q, bool ml,
		       size_t open)
{
	for (int r = 0; r == 0;) {
		size_t nl;
		unsigned char c;

		if (sc->i == sc->len)
			return toml_scan_fail(sc, open, "unterminated string");
		c = sc->s[sc->i];
		nl = scan_newline(sc, sc->i);
		if (c == q && !ml) {
			sc->i++;
			return 0;
		} else if (c == q) {
			r = string_quotes(sc, b);
		} else if (nl && !ml) {
			return toml_scan_fail(sc, open, "unterminated string");
		} else if (nl) { /* CRLF becomes LF: the values are for Linux */
			r = buf_add(b, "\n", 1);
			sc->i += nl;
		} else if (c == '\\' && q == '"') {
			if (sc->i + 1 == sc->len)
				return toml_scan_fail(sc, open, "unterminated string");
			if (!ml || !skip_line_escape(sc))
				r = parse_escape(sc, b);
		} else if (scan_is_ctrl(c)) {
			return toml_scan_fail(sc, sc->i, "control character in string");
		} else {
			r = buf_add(b, &c, 1);
			sc->i++;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Any of the four string forms at sc->i (the opening quote); *out is
 * returned owned. */
int toml_scan_string(struct toml_scan *sc, bool is_key, char **out)
{
	size_t open = sc->i;
	unsigned char q = sc->s[open];
	bool ml = scan_peek(sc, 1) == q && scan_peek(sc, 2) == q;
	struct buf b = { 0 };
	int r;

	if (ml && is_key)
		return toml_scan_fail(sc, open, "multi-line strings cannot be keys");
	sc->i += ml ? 3 : 1;
	if (ml) /* a newline right after the opening quotes is not content */
		sc->i += scan_newline(sc, sc->i);
	r = string_body(sc, &b, q, ml, open);
	if (!r)
		r = buf_add(&b, "", 1);
	if (r)
		free(b.p);
	else
		*out = b.p;
	return r;
}

static int parse_simple_key(struct toml_scan *sc, struct toml_seg *sg)
{
	size_t start = sc->i;
	int c = scan_peek(sc, 0);

	sg->pos = toml_scan_pos(sc, start);
	if (c == '"' || c == '\'')
		return toml_scan_string(sc, true, &sg->name);
	while (sc->i < sc->len && is_bare(sc->s[sc->i]))
		sc->i++;
	if (sc->i == start)
		return toml_scan_fail(sc, start, "expected a key");
	sg->name = strndup((const char *)sc->s + start, sc->i - start);
	return sg->name ? 0 : -ENOMEM;
}

/* A dotted key; also consumes the blanks after it. */
int toml_scan_key(struct toml_scan *sc, struct toml_key *k)
{
	for (;;) {
		int r;

		if (k->n == TOML_MAX_DEPTH)
			return toml_scan_fail(sc, sc->i, "nesting too deep");
		r = parse_simple_key(sc, &k->seg[k->n]);
		if (r)
			return r;
		k->n++;
		scan_ws(sc);
		if (scan_peek(sc, 0) != '.')
			return 0;
		sc->i++;
		scan_ws(sc);
	}
}

static bool is_num_char(int c)
{
	return is_bare(c) || c == '.' || c == '+' || c == ':';
}

/* Digits of base from i to end, '_' only between digits, at most limit. */
static int parse_digits(struct toml_scan *sc, size_t i, size_t end, unsigned base,
			uint64_t limit, size_t start, uint64_t *out)
{
	uint64_t v = 0;

	if (i == end)
		return toml_scan_fail(sc, i, "expected digits");
	for (size_t j = i; j < end; j++) {
		int c = sc->s[j], d = hex_val(c);

		if (c == '_' && (j == i || j + 1 == end || sc->s[j - 1] == '_'))
			return toml_scan_fail(sc, j, "'_' must be between digits");
		if (c == '_')
			continue;
		if (d < 0 || (unsigned)d >= base)
			return toml_scan_fail(sc, j, "invalid character '%c' in integer", c);
		if (v > (limit - (unsigned)d) / base)
			return toml_scan_fail(sc, start, "integer out of range");
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}

static bool is_date(const unsigned char *t, size_t n)
{
	if (n >= 5 && scan_is_digit(t[0]) && scan_is_digit(t[1]) && scan_is_digit(t[2]) &&
	    scan_is_digit(t[3]) && t[4] == '-')
		return true;
	return n >= 3 && scan_is_digit(t[0]) && scan_is_digit(t[1]) && t[2] == ':';
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
int toml_scan_number(struct toml_scan *sc, int64_t *out)
{
	size_t start = sc->i, end = start, n, k;
	const unsigned char *t = sc->s + start;
	uint64_t mag;
	bool neg;
	int r;

	while (end < sc->len && is_num_char(sc->s[end]))
		end++;
	sc->i = end;
	n = end - start;
	k = t[0] == '+' || t[0] == '-';
	neg = t[0] == '-';
	if (is_date(t, n))
		return toml_scan_fail(sc, start, "dates and times are not supported");
	if (n >= k + 2 && t[k] == '0' && (t[k + 1] == 'x' || t[k + 1] == 'o' || t[k + 1] == 'b')) {
		unsigned base = t[k + 1] == 'x' ? 16 : t[k + 1] == 'o' ? 8 : 2;

		if (k)
			return toml_scan_fail(sc, start, "a sign is not allowed before '0%c'",
					      t[k + 1]);
		r = parse_digits(sc, start + 2, end, base, INT64_MAX, start, &mag);
		if (!r)
			*out = (int64_t)mag;
		return r;
	}
	if (is_float(t, n, k))
		return toml_scan_fail(sc, start, "floats are not supported");
	r = parse_digits(sc, start + k, end, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, start,
			 &mag);
	if (r)
		return r;
	if (t[k] == '0' && n > k + 1)
		return toml_scan_fail(sc, start + k, "leading zeros are not allowed");
	if (!neg)
		*out = (int64_t)mag;
	else
		*out = mag > INT64_MAX ? INT64_MIN : -(int64_t)mag;
	return 0;
}
