/* Private to the TOML parser: the scanner state and the lexer functions
 * (core/toml_scan.c) that the grammar in core/toml.c drives.  Nothing else
 * includes this header; the public contract is toml.h.
 *
 * Every function here reads sc->s from sc->i and advances sc->i past what
 * it consumed.  On an error it fills *sc->err through toml_scan_fail*()
 * and returns -EINVAL, or returns -ENOMEM. */
#ifndef SANDLOCK_TOML_INT_H
#define SANDLOCK_TOML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "toml.h"

/* Far beyond any policy; small enough that the recursion bound is a few
 * kilobytes of stack per level even under ASan.  Also the most parts a
 * dotted key may have. */
#define TOML_MAX_DEPTH 64

/* The input (len bytes, checked by toml_scan_text()) and the cursor i. */
struct toml_scan {
	const unsigned char *s;
	size_t len, i;
	struct toml_error *err; /* borrowed */
	size_t pc_off, pc_bol; /* toml_scan_pos() cache */
	unsigned pc_line;
};

/* One part of a key as written, and the key a.b."c": a table can be no
 * deeper than its key has parts, so the depth bound sizes the array. */
struct toml_seg {
	char *name; /* owned */
	struct toml_pos pos;
};

struct toml_key {
	struct toml_seg seg[TOML_MAX_DEPTH];
	size_t n;
};

/* The byte k ahead of the cursor, or -1 past the end. */
static inline int scan_peek(const struct toml_scan *sc, size_t k)
{
	return sc->i + k < sc->len ? sc->s[sc->i + k] : -1;
}

/* 1 for LF at i, 2 for CRLF, else 0: a lone CR is not a newline in TOML. */
static inline size_t scan_newline(const struct toml_scan *sc, size_t i)
{
	if (i < sc->len && sc->s[i] == '\n')
		return 1;
	if (i + 1 < sc->len && sc->s[i] == '\r' && sc->s[i + 1] == '\n')
		return 2;
	return 0;
}

static inline bool scan_is_ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static inline bool scan_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool scan_starts(const struct toml_scan *sc, const char *word)
{
	size_t n = strlen(word);

	return sc->len - sc->i >= n && memcmp(sc->s + sc->i, word, n) == 0;
}

/* Skips blanks (space, tab). */
static inline void scan_ws(struct toml_scan *sc)
{
	while (sc->i < sc->len && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t'))
		sc->i++;
}

/* The 1-based line and byte column of offset off. */
struct toml_pos toml_scan_pos(struct toml_scan *sc, size_t off);

/* Record the first error, at pos or at offset off; return -EINVAL. */
int toml_scan_fail_pos(struct toml_scan *sc, struct toml_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int toml_scan_fail(struct toml_scan *sc, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks the whole input once: valid UTF-8 and no NUL byte. */
int toml_scan_text(struct toml_scan *sc);

/* Skips blanks, comments and newlines (between array elements). */
int toml_scan_array_ws(struct toml_scan *sc);

/* Ends a line: blanks, a comment, then a newline or the end of input;
 * what names the thing before it for the message. */
int toml_scan_eol(struct toml_scan *sc, const char *what);

/* Any of the four string forms at the opening quote; *out is returned owned
 * (NUL-terminated).  Multi-line forms are refused when is_key. */
int toml_scan_string(struct toml_scan *sc, bool is_key, char **out);

/* A dotted key, appended part by part to k (the caller frees k's names,
 * also on failure); also consumes the blanks after it. */
int toml_scan_key(struct toml_scan *sc, struct toml_key *k);

/* An integer (decimal, 0x, 0o, 0b, with '_'); floats and dates are refused
 * with their own message. */
int toml_scan_number(struct toml_scan *sc, int64_t *out);

#endif
