/* A strict TOML subset parser: tables, dotted keys, basic and literal strings
 * (with escapes, and the multi-line forms), integers (decimal, hex, octal,
 * binary, with underscores), booleans, arrays (multi-line, trailing comma),
 * inline tables and comments.  Floats, dates and arrays of tables are
 * rejected with a precise error rather than half-supported.
 *
 * Pure code: no syscalls, no globals.  Positions are 1-based; columns count
 * bytes. */

/* Implementation notes (core/toml.c, the grammar, and core/toml_scan.c, the
 * scanner; core/toml_int.h is their private interface):
 *
 * - Input must be valid UTF-8 without NUL bytes and without a byte-order
 *   mark; a violation is an error at the offending byte.  Newlines are LF
 *   or CRLF; a CRLF inside a multi-line string reaches the value as LF.
 * - Nesting (tables, arrays and inline tables together, counted from the
 *   root) is limited to 64 levels, and so is the number of parts of a
 *   dotted key: "nesting too deep".  This bounds the parser's recursion and
 *   toml_free()'s; memory use is linear in the input.
 * - Table rules follow TOML 1.0: [a] twice is an error; [a.b] then [a] is
 *   fine (a was only implied); a table created by dotted keys cannot get a
 *   header, a dotted key cannot reach into a table that has (or is implied
 *   by) a header, and an inline table is closed once written.
 * - Positions: toml_kv.key_pos is the first byte of the key part naming the
 *   entry (its opening quote if quoted).  toml_value.pos is the first byte
 *   of a value; for a table with a header, the '[' of that header (also
 *   when an implied table gets its header later, which moves its key_pos to
 *   that header too); for a table only implied by a header, the '[' of the
 *   first header implying it; for a table created by a dotted key, that key
 *   part.  The root is at 1:1.
 * - Errors report the first problem only.  Messages name keys as written,
 *   dotted parts joined with '.', control characters shown as '?'.  Besides
 *   syntax messages ("expected '=' after key 'read'", "unterminated
 *   string") the semantic ones are "duplicate key 'k'", "table 't' defined
 *   twice", "key 'k' is not a table", "inline table 't' cannot be
 *   extended", "table 't' cannot be extended by a dotted key", "floats are
 *   not supported", "dates and times are not supported", "arrays of tables
 *   are not supported" and "integer out of range".
 * - Values are allocated by the parser with bookkeeping around them: only
 *   toml_free() may free them, and only trees from toml_parse(). */
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
