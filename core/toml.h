/* A strict TOML subset parser: tables, dotted keys, basic and literal strings
 * (with escapes, and the multi-line forms), integers (decimal, hex, octal,
 * binary, with underscores), booleans, arrays (multi-line, trailing comma),
 * inline tables and comments.  Floats, dates and arrays of tables are
 * rejected with a precise error rather than half-supported.
 *
 * Pure code: no syscalls, no globals.  Positions are 1-based; columns count
 * bytes. */
#ifndef SANDLOCK_TOML_H
#define SANDLOCK_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum toml_type { TOML_STRING, TOML_INTEGER, TOML_BOOL, TOML_ARRAY, TOML_TABLE };

struct toml_pos {
	unsigned line, col;
};

struct toml_kv;

struct toml_value {
	enum toml_type type;
	struct toml_pos pos; /* first byte of the value, or of a table header */
	union {
		char *str; /* NUL-terminated; a string with an embedded NUL is an error */
		int64_t i;
		bool b;
		struct {
			struct toml_value **items;
			size_t n;
		} arr;
		struct {
			struct toml_kv *kv; /* in document order */
			size_t n;
		} tab;
	} u;
};

struct toml_kv {
	char *key;
	struct toml_pos key_pos;
	struct toml_value *val;
};

struct toml_error {
	unsigned line, col;
	char msg[200]; /* lowercase, says what was expected, no position prefix */
};

/* Parses len bytes of src (need not be NUL-terminated).  On success *out is
 * the root table (returns owned; free with toml_free) and 0 is returned.  On
 * a syntax error returns -EINVAL and fills *err; -ENOMEM on allocation
 * failure.  Duplicate keys and redefined tables are errors. */
int toml_parse(const char *src, size_t len, struct toml_value **out, struct toml_error *err);

/* Frees a tree from toml_parse; NULL is fine. */
void toml_free(struct toml_value *v);

/* Looks key up in a table; returns a borrowed pointer or NULL. */
const struct toml_value *toml_get(const struct toml_value *table, const char *key);

/* "string", "integer", "boolean", "array", "table". */
const char *toml_type_name(enum toml_type t);

#endif
