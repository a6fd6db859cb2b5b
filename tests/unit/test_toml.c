/* Unit tests for core/toml.c: every supported form, the positions the
 * policy layer reports errors at, and a table of malformed inputs each with
 * its exact line, column and message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

static struct toml_value *parse_len(const char *src, size_t len)
{
	struct toml_value *v = NULL;
	struct toml_error e;
	int r = toml_parse(src, len, &v, &e);

	if (r)
		print_message("unexpected error %u:%u: %s\n", e.line, e.col, e.msg);
	assert_int_equal(r, 0);
	assert_non_null(v);
	assert_int_equal(v->type, TOML_TABLE);
	return v;
}

static struct toml_value *parse_ok(const char *src)
{
	return parse_len(src, strlen(src));
}

/* Follows a dotted path of plain names from t. */
static const struct toml_value *get(const struct toml_value *t, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
		t = toml_get(t, part);
		if (!t)
			fail_msg("no key '%s' in path '%s'", part, path);
	}
	return t;
}

static const char *get_str(const struct toml_value *t, const char *path)
{
	const struct toml_value *v = get(t, path);

	assert_int_equal(v->type, TOML_STRING);
	return v->u.str;
}

static int64_t get_int(const struct toml_value *t, const char *path)
{
	const struct toml_value *v = get(t, path);

	assert_int_equal(v->type, TOML_INTEGER);
	return v->u.i;
}

static void assert_pos(struct toml_pos pos, unsigned line, unsigned col)
{
	if (pos.line != line || pos.col != col)
		fail_msg("position %u:%u, expected %u:%u", pos.line, pos.col, line, col);
}

static void test_empty(void **state)
{
	const char *docs[] = { "", "\n", "# only a comment", "  \t\n# c\n\n   # d\n", "\r\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct toml_value *v = parse_ok(docs[i]);

		assert_int_equal(v->u.tab.n, 0);
		assert_pos(v->pos, 1, 1);
		toml_free(v);
	}
}

static void test_keys(void **state)
{
	struct toml_value *v = parse_ok("bare_Key-1 = 1\n"
					"\"quoted key\" = 2\n"
					"'lit\\key' = 3\n"
					"\"\" = 4\n"
					"\"\\u00e9t\\u00e9\" = 5\n"
					"1234 = 6\n"
					"  true = 7\n");
	const char *keys[] = { "bare_Key-1", "quoted key", "lit\\key", "", "\xc3\xa9t\xc3\xa9",
			       "1234", "true" };

	(void)state;
	assert_int_equal(v->u.tab.n, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(v->u.tab.kv[i].key, keys[i]);
		assert_int_equal(v->u.tab.kv[i].val->u.i, (int64_t)i + 1);
		assert_pos(v->u.tab.kv[i].key_pos, (unsigned)i + 1, i == 6 ? 3 : 1);
	}
	toml_free(v);
}

static void test_dotted_keys(void **state)
{
	struct toml_value *v = parse_ok("a.b.c = 1\n"
					"a . b . d = 2\n"
					"a.\"x y\".'z' = 3\n"
					"site.\"google.com\" = true\n");
	const struct toml_value *a = get(v, "a"), *b = get(v, "a.b");

	(void)state;
	assert_int_equal(v->u.tab.n, 2);
	assert_int_equal(a->type, TOML_TABLE);
	assert_pos(a->pos, 1, 1);
	assert_pos(b->pos, 1, 3);
	assert_pos(b->u.tab.kv[1].key_pos, 2, 9);
	assert_int_equal(get_int(v, "a.b.c"), 1);
	assert_int_equal(get_int(v, "a.b.d"), 2);
	assert_int_equal(toml_get(toml_get(a, "x y"), "z")->u.i, 3);
	assert_true(toml_get(get(v, "site"), "google.com")->u.b);
	assert_pos(get(v, "a.b.c")->pos, 1, 9);
	toml_free(v);
}

static void test_headers(void **state)
{
	struct toml_value *v = parse_ok("top = 0\n"
					"[a.b]\n"
					"x = 1\n"
					"[a]\n"
					"y = 2\n"
					"[ c . \"d\" ]\n"
					"[e]\n"
					"f.g = 1\n"
					"[e.f.h]\n"
					"i = 3\n");
	const struct toml_value *a = get(v, "a");

	(void)state;
	assert_int_equal(get_int(v, "top"), 0);
	assert_int_equal(get_int(v, "a.b.x"), 1);
	assert_int_equal(get_int(v, "a.y"), 2);
	/* a was implied by [a.b], then defined by [a]: it takes that header */
	assert_pos(a->pos, 4, 1);
	assert_pos(v->u.tab.kv[1].key_pos, 4, 2);
	assert_pos(get(v, "a.b")->pos, 2, 1);
	assert_pos(get(v, "c")->pos, 6, 1);
	assert_pos(v->u.tab.kv[2].key_pos, 6, 3);
	assert_int_equal(get(v, "c.d")->u.tab.n, 0);
	assert_int_equal(get_int(v, "e.f.g"), 1);
	assert_int_equal(get_int(v, "e.f.h.i"), 3);
	assert_pos(get(v, "e.f.h")->pos, 9, 1);
	assert_string_equal(a->u.tab.kv[0].key, "b");
	assert_string_equal(a->u.tab.kv[1].key, "y");
	toml_free(v);
}

/* Duplicate detection is per table: equal keys in different tables are fine. */
static void test_same_key_in_tables(void **state)
{
	struct toml_value *v = parse_ok("x = 0\n"
					"t = { x = 1, u = { x = 2 } }\n"
					"a.x = 3\n"
					"[b]\n"
					"x = 4\n"
					"[c]\n"
					"x = 5\n");

	(void)state;
	assert_int_equal(get_int(v, "x"), 0);
	assert_int_equal(get_int(v, "t.x"), 1);
	assert_int_equal(get_int(v, "t.u.x"), 2);
	assert_int_equal(get_int(v, "a.x"), 3);
	assert_int_equal(get_int(v, "b.x"), 4);
	assert_int_equal(get_int(v, "c.x"), 5);
	toml_free(v);
}

static void test_basic_string_escapes(void **state)
{
	struct toml_value *v = parse_ok("s = \"a\\b\\t\\n\\f\\r\\\"\\\\z\"\n"
					"u = \"\\u00e9\\u20AC\\U0001F600\\u0041\"\n"
					"raw = \"caf\xc3\xa9 \xe2\x82\xac\ttab\"\n"
					"empty = \"\"\n");

	(void)state;
	assert_string_equal(get_str(v, "s"), "a\b\t\n\f\r\"\\z");
	assert_string_equal(get_str(v, "u"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
					     "A");
	assert_string_equal(get_str(v, "raw"), "caf\xc3\xa9 \xe2\x82\xac\ttab");
	assert_string_equal(get_str(v, "empty"), "");
	assert_pos(get(v, "s")->pos, 1, 5);
	toml_free(v);
}

static void test_literal_strings(void **state)
{
	struct toml_value *v = parse_ok("path = 'C:\\Users\\n'\n"
					"quoted = 'say \"hi\"'\n"
					"empty = ''\n");

	(void)state;
	assert_string_equal(get_str(v, "path"), "C:\\Users\\n");
	assert_string_equal(get_str(v, "quoted"), "say \"hi\"");
	assert_string_equal(get_str(v, "empty"), "");
	toml_free(v);
}

static void test_multiline_basic(void **state)
{
	struct toml_value *v = parse_ok("a = \"\"\"\n"
					"one\n"
					"two\"\"\"\n"
					"b = \"\"\"fox \\\n"
					"\n"
					"     jumps \\   \n"
					"  over\"\"\"\n"
					"c = \"\"\"x\"y\"\"z\\\"\"\"\"\n"
					"d = \"\"\"e\"\"\"\"\"\n"
					"e = \"\"\"\"\"\"\n"
					"f = \"\"\"\r\nwin\r\ndows\"\"\"\n"
					"g = \"\"\"tab\\tesc\\u00e9\"\"\"\n");

	(void)state;
	assert_string_equal(get_str(v, "a"), "one\ntwo");
	assert_string_equal(get_str(v, "b"), "fox jumps over");
	assert_string_equal(get_str(v, "c"), "x\"y\"\"z\"");
	assert_string_equal(get_str(v, "d"), "e\"\"");
	assert_string_equal(get_str(v, "e"), "");
	assert_string_equal(get_str(v, "f"), "win\ndows"); /* CRLF normalised */
	assert_string_equal(get_str(v, "g"), "tab\tesc\xc3\xa9");
	assert_pos(get(v, "b")->pos, 4, 5);
	assert_pos(v->u.tab.kv[2].key_pos, 8, 1);
	toml_free(v);
}

static void test_multiline_literal(void **state)
{
	struct toml_value *v = parse_ok("a = '''\n"
					"raw \\n \\\n"
					"'quoted' ''two'' '''\n"
					"b = '''x''''\n"
					"c = ''''''\n");

	(void)state;
	assert_string_equal(get_str(v, "a"), "raw \\n \\\n'quoted' ''two'' ");
	assert_string_equal(get_str(v, "b"), "x'");
	assert_string_equal(get_str(v, "c"), "");
	toml_free(v);
}

static void test_integers(void **state)
{
	struct toml_value *v = parse_ok("a = 0\nb = +0\nc = -0\nd = 42\ne = +17\nf = -17\n"
					"g = 1_000_000\nh = 9223372036854775807\n"
					"i = -9223372036854775808\nj = 0xDEAD_beef\nk = 0o755\n"
					"l = 0b1101\nm = 0x7fffffffffffffff\nn = 0x00ff\no = 0o0\n"
					"p = 5_3_1\n");

	(void)state;
	assert_int_equal(get_int(v, "a"), 0);
	assert_int_equal(get_int(v, "b"), 0);
	assert_int_equal(get_int(v, "c"), 0);
	assert_int_equal(get_int(v, "d"), 42);
	assert_int_equal(get_int(v, "e"), 17);
	assert_int_equal(get_int(v, "f"), -17);
	assert_int_equal(get_int(v, "g"), 1000000);
	assert_true(get_int(v, "h") == INT64_MAX);
	assert_true(get_int(v, "i") == INT64_MIN);
	assert_int_equal(get_int(v, "j"), 0xdeadbeef);
	assert_int_equal(get_int(v, "k"), 0755);
	assert_int_equal(get_int(v, "l"), 13);
	assert_true(get_int(v, "m") == INT64_MAX);
	assert_int_equal(get_int(v, "n"), 255);
	assert_int_equal(get_int(v, "o"), 0);
	assert_int_equal(get_int(v, "p"), 531);
	toml_free(v);
}

static void test_booleans(void **state)
{
	struct toml_value *v = parse_ok("t = true\nf = false # no\n");

	(void)state;
	assert_int_equal(get(v, "t")->type, TOML_BOOL);
	assert_true(get(v, "t")->u.b);
	assert_false(get(v, "f")->u.b);
	toml_free(v);
}

static void test_arrays(void **state)
{
	struct toml_value *v = parse_ok("mixed = [1, \"two\", true, [3, [4]], {x = 1}, []]\n"
					"multi = [ # opening comment\n"
					"  \"a\",  # first\n"
					"\n"
					"  'b', # trailing comma next\n"
					"]\n"
					"empty = [ ]\n"
					"crlf = [\r\n1,\r\n2\r\n]\n");
	const struct toml_value *m = get(v, "mixed"), *ml = get(v, "multi");

	(void)state;
	assert_int_equal(m->type, TOML_ARRAY);
	assert_int_equal(m->u.arr.n, 6);
	assert_int_equal(m->u.arr.items[0]->u.i, 1);
	assert_string_equal(m->u.arr.items[1]->u.str, "two");
	assert_true(m->u.arr.items[2]->u.b);
	assert_int_equal(m->u.arr.items[3]->u.arr.n, 2);
	assert_int_equal(m->u.arr.items[3]->u.arr.items[1]->u.arr.items[0]->u.i, 4);
	assert_int_equal(toml_get(m->u.arr.items[4], "x")->u.i, 1);
	assert_int_equal(m->u.arr.items[5]->u.arr.n, 0);
	assert_pos(m->pos, 1, 9);
	assert_pos(m->u.arr.items[1]->pos, 1, 13);
	assert_int_equal(ml->u.arr.n, 2);
	assert_string_equal(ml->u.arr.items[1]->u.str, "b");
	assert_pos(ml->u.arr.items[0]->pos, 3, 3);
	assert_pos(ml->u.arr.items[1]->pos, 5, 3);
	assert_int_equal(get(v, "empty")->u.arr.n, 0);
	assert_int_equal(get(v, "crlf")->u.arr.n, 2);
	toml_free(v);
}

static void test_inline_tables(void **state)
{
	struct toml_value *v = parse_ok("t = { a = 1, b = \"x\", c.d = true, c.e = 2, "
					"f = { g = [1,\n 2] } }\n"
					"e = {}\n"
					"s = {x=1}\n");
	const struct toml_value *t = get(v, "t");

	(void)state;
	assert_int_equal(t->type, TOML_TABLE);
	assert_pos(t->pos, 1, 5);
	assert_int_equal(t->u.tab.n, 4);
	assert_int_equal(get_int(v, "t.a"), 1);
	assert_string_equal(get_str(v, "t.b"), "x");
	assert_true(get(v, "t.c.d")->u.b);
	assert_int_equal(get_int(v, "t.c.e"), 2);
	assert_int_equal(get(v, "t.f.g")->u.arr.n, 2);
	assert_int_equal(get(v, "e")->u.tab.n, 0);
	assert_int_equal(get_int(v, "s.x"), 1);
	assert_pos(t->u.tab.kv[1].key_pos, 1, 14);
	toml_free(v);
}

static void test_policy_document(void **state)
{
	struct toml_value *v = parse_ok("# sandlock policy\n"
					"[filesystem]\n"
					"read = [\"/usr\", \"/lib\"]\n"
					"write = [\"/tmp\"]\n"
					"[network]\n"
					"allow = [\":443\"]\n"
					"[program]\n"
					"env = { LANG = \"C\" }\n"
					"timeout = 30\n");
	const struct toml_value *fs = get(v, "filesystem"), *read = get(fs, "read");

	(void)state;
	assert_int_equal(v->u.tab.n, 3);
	assert_string_equal(v->u.tab.kv[0].key, "filesystem");
	assert_string_equal(v->u.tab.kv[1].key, "network");
	assert_string_equal(v->u.tab.kv[2].key, "program");
	assert_pos(fs->pos, 2, 1);
	assert_pos(v->u.tab.kv[0].key_pos, 2, 2);
	assert_int_equal(read->u.arr.n, 2);
	assert_string_equal(read->u.arr.items[1]->u.str, "/lib");
	assert_pos(read->u.arr.items[1]->pos, 3, 17);
	assert_pos(fs->u.tab.kv[1].key_pos, 4, 1);
	assert_string_equal(get(v, "network.allow")->u.arr.items[0]->u.str, ":443");
	assert_string_equal(get_str(v, "program.env.LANG"), "C");
	assert_pos(get(v, "program.env.LANG")->pos, 8, 16);
	assert_int_equal(get_int(v, "program.timeout"), 30);
	toml_free(v);
}

static void test_not_nul_terminated(void **state)
{
	static const char doc[] = "a = 1\nb = 'x'";
	char *buf = malloc(sizeof(doc) - 1);
	struct toml_value *v;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, doc, sizeof(doc) - 1); /* no NUL: ASan catches a read past len */
	v = parse_len(buf, sizeof(doc) - 1);
	assert_string_equal(get_str(v, "b"), "x");
	toml_free(v);
	v = parse_len("a = 12345", 6); /* stops inside the digits */
	assert_int_equal(get_int(v, "a"), 12);
	toml_free(v);
	free(buf);
}

static void test_crlf(void **state)
{
	struct toml_value *v = parse_ok("a = 1\r\n"
					"# comment\r\n"
					"[t]\r\n"
					"b = 'x' # c\r\n");

	(void)state;
	assert_int_equal(get_int(v, "a"), 1);
	assert_string_equal(get_str(v, "t.b"), "x");
	assert_pos(get(v, "t.b")->pos, 4, 5);
	toml_free(v);
}

/* A document of depth nested arrays under key a. */
static char *nested_arrays(unsigned depth)
{
	char *s = malloc(2 * depth + 6);

	assert_non_null(s);
	memcpy(s, "a = ", 4);
	memset(s + 4, '[', depth);
	memset(s + 4 + depth, ']', depth);
	s[4 + 2 * depth] = '\n';
	s[5 + 2 * depth] = '\0';
	return s;
}

static void test_depth_limit(void **state)
{
	char *ok = nested_arrays(64), *deep = nested_arrays(65), *key = malloc(300);
	struct toml_value *v = parse_ok(ok);
	struct toml_error e;
	size_t n = 0;

	(void)state;
	toml_free(v);
	v = (struct toml_value *)1;
	assert_int_equal(toml_parse(deep, strlen(deep), &v, &e), -EINVAL);
	assert_null(v);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 4 + 65);
	assert_string_equal(e.msg, "nesting too deep");

	/* 65 dotted parts: the key itself is refused before any table exists */
	assert_non_null(key);
	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(key + n, 300 - n, "%sk", i ? "." : "");
	n += (size_t)snprintf(key + n, 300 - n, " = 1\n");
	assert_int_equal(toml_parse(key, n, &v, &e), -EINVAL);
	assert_int_equal(e.col, 64 * 2 + 1);
	assert_string_equal(e.msg, "nesting too deep");
	free(ok);
	free(deep);
	free(key);
}

static void test_get_and_type_names(void **state)
{
	struct toml_value *v = parse_ok("a = 1\n");

	(void)state;
	assert_non_null(toml_get(v, "a"));
	assert_null(toml_get(v, "b"));
	assert_null(toml_get(NULL, "a"));
	assert_null(toml_get(toml_get(v, "a"), "a"));
	assert_string_equal(toml_type_name(TOML_STRING), "string");
	assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
	assert_string_equal(toml_type_name(TOML_BOOL), "boolean");
	assert_string_equal(toml_type_name(TOML_ARRAY), "array");
	assert_string_equal(toml_type_name(TOML_TABLE), "table");
	toml_free(v);
	toml_free(NULL);
}

static void test_many_keys(void **state)
{
	size_t cap = 4000 * 24, n = 0;
	char *doc = malloc(cap);
	struct toml_value *v;

	(void)state;
	assert_non_null(doc);
	for (int i = 0; i < 4000; i++)
		n += (size_t)snprintf(doc + n, cap - n, "k%d = [%d, 'v']\n", i, i);
	v = parse_len(doc, n);
	assert_int_equal(v->u.tab.n, 4000);
	assert_int_equal(get(v, "k3999")->u.arr.items[0]->u.i, 3999);
	toml_free(v);
	free(doc);
}

struct bad {
	const char *src;
	size_t len; /* 0: strlen(src) */
	unsigned line, col;
	const char *msg;
};

/* clang-format off */
static const struct bad bad_docs[] = {
	{ "a = 1\na = 2\n", 0, 2, 1, "duplicate key 'a'" },
	{ "[filesystem]\nread = 1\nread = 2\n", 0, 3, 1, "duplicate key 'read'" },
	{ "a.b = 1\na.b = 2\n", 0, 2, 3, "duplicate key 'a.b'" },
	{ "a = 1\n[a]\n", 0, 2, 2, "duplicate key 'a'" },
	{ "a = 1\r\nb = 2\r\nb = 3\r\n", 0, 3, 1, "duplicate key 'b'" },
	{ "[filesystem]\nx = 1\n[filesystem]\n", 0, 3, 2, "table 'filesystem' defined twice" },
	{ "[a]\nb.c = 1\n[a.b]\n", 0, 3, 4, "table 'a.b' defined twice" },
	{ "[a.b]\n[a]\nb.c = 1\n", 0, 3, 1, "table 'b' cannot be extended by a dotted key" },
	{ "a = {b = 1}\na.c = 2\n", 0, 2, 1, "inline table 'a' cannot be extended" },
	{ "a = {b = 1}\n[a]\n", 0, 2, 2, "inline table 'a' cannot be extended" },
	{ "a = {b = 1}\n[a.c]\n", 0, 2, 2, "inline table 'a' cannot be extended" },
	{ "a = {b = {c = 1}, b.d = 2}\n", 0, 1, 19, "inline table 'b' cannot be extended" },
	{ "a = 1\na.b = 2\n", 0, 2, 1, "key 'a' is not a table" },
	{ "a = 1\n[a.b]\n", 0, 2, 2, "key 'a' is not a table" },
	{ "a.b = 1\n[a.b.c]\n", 0, 2, 4, "key 'a.b' is not a table" },
	{ "read [\"/usr\"]\n", 0, 1, 6, "expected '=' after key 'read'" },
	{ "a.\"b c\" 1\n", 0, 1, 9, "expected '=' after key 'a.b c'" },
	{ "= 1\n", 0, 1, 1, "expected a key" },
	{ "[]\n", 0, 1, 2, "expected a key" },
	{ "a. = 1\n", 0, 1, 4, "expected a key" },
	{ "[a\n", 0, 1, 3, "expected ']' after table name 'a'" },
	{ "[a] b = 1\n", 0, 1, 5, "expected newline after table header" },
	{ "[[a]]\n", 0, 1, 1, "arrays of tables are not supported" },
	{ "[a]\n[[a.b]]\n", 0, 2, 1, "arrays of tables are not supported" },
	{ "a = 1 2\n", 0, 1, 7, "expected newline after value" },
	{ "a = 1\rb = 2\n", 0, 1, 6, "expected newline after value" },
	{ "a = truex\n", 0, 1, 9, "expected newline after value" },
	{ "a = \"\"\"\"\"\"\"\"\"\n", 0, 1, 13, "expected newline after value" },
	{ "a = \n", 0, 1, 5, "expected a value" },
	{ "a = tru\n", 0, 1, 5, "expected a value" },
	{ "a =", 0, 1, 4, "expected a value" },
	{ "a = _1\n", 0, 1, 5, "expected a value" },
	{ "a = \"abc\n", 0, 1, 5, "unterminated string" },
	{ "a = \"abc\\", 0, 1, 5, "unterminated string" },
	{ "a = 'abc\nb = 1\n", 0, 1, 5, "unterminated string" },
	{ "x = 1\na = \"\"\"abc\nx = 1\n", 0, 2, 5, "unterminated string" },
	{ "a = '''abc''\n", 0, 1, 5, "unterminated string" },
	{ "\"\"\"k\"\"\" = 1\n", 0, 1, 1, "multi-line strings cannot be keys" },
	{ "a.'''b''' = 1\n", 0, 1, 3, "multi-line strings cannot be keys" },
	{ "a = \"\\q\"\n", 0, 1, 6, "invalid escape '\\q'" },
	{ "x = 1\n  y = \"\\x41\"\n", 0, 2, 8, "invalid escape '\\x'" },
	{ "a = \"\\ \"\n", 0, 1, 6, "invalid escape '\\ '" },
	{ "a = \"\\\xc3\xa9\"\n", 0, 1, 6, "invalid escape '\\\xc3\xa9'" },
	{ "a = \"\"\"x\\ y\"\"\"\n", 0, 1, 9, "invalid escape '\\ '" },
	{ "a = \"x\\\ny\"\n", 0, 1, 7, "invalid escape: '\\' before a control character" },
	{ "a = \"\\u12\"\n", 0, 1, 6, "expected 4 hex digits after '\\u'" },
	{ "a = \"\\U0001F60\"\n", 0, 1, 6, "expected 8 hex digits after '\\U'" },
	{ "a = \"\\u0000\"\n", 0, 1, 6, "escaped NUL is not allowed in strings" },
	{ "a = \"\\uD800\"\n", 0, 1, 6, "invalid unicode escape '\\uD800'" },
	{ "a = \"\\U00110000\"\n", 0, 1, 6, "invalid unicode escape '\\U00110000'" },
	{ "a = \"x\x01\"\n", 0, 1, 7, "control character in string" },
	{ "a = 'x\x7f'\n", 0, 1, 7, "control character in string" },
	{ "a = '''x\ry'''\n", 0, 1, 9, "control character in string" },
	{ "\"k\x1b\" = 1\n", 0, 1, 3, "control character in string" },
	{ "# x\x7f\n", 0, 1, 4, "control character in comment" },
	{ "a = 1 # x\ry\n", 0, 1, 10, "control character in comment" },
	{ "a = 1\n\0", 7, 2, 1, "NUL byte in input" },
	{ "a = \"\xff\"\n", 0, 1, 6, "invalid UTF-8" },
	{ "# \xc0\xaf\n", 0, 1, 3, "invalid UTF-8" },
	{ "a = '\xed\xa0\x80'\n", 0, 1, 6, "invalid UTF-8" },
	{ "a = 'ok'\n# \xf4\x90\x80\x80\n", 0, 2, 3, "invalid UTF-8" },
	{ "a = '\xe2\x82'", 0, 1, 6, "invalid UTF-8" },
	{ "a = 1.5\n", 0, 1, 5, "floats are not supported" },
	{ "a = 1e3\n", 0, 1, 5, "floats are not supported" },
	{ "a = [1, inf]\n", 0, 1, 9, "floats are not supported" },
	{ "a = -nan\n", 0, 1, 5, "floats are not supported" },
	{ "a = 1979-05-27\n", 0, 1, 5, "dates and times are not supported" },
	{ "a = 1979-05-27T07:32:00Z\n", 0, 1, 5, "dates and times are not supported" },
	{ "a = 07:32:00\n", 0, 1, 5, "dates and times are not supported" },
	{ "a = 9223372036854775808\n", 0, 1, 5, "integer out of range" },
	{ "a = -9223372036854775809\n", 0, 1, 5, "integer out of range" },
	{ "a = 0x8000000000000000\n", 0, 1, 5, "integer out of range" },
	{ "a = 99999999999999999999999\n", 0, 1, 5, "integer out of range" },
	{ "a = 01\n", 0, 1, 5, "leading zeros are not allowed" },
	{ "a = -0_0\n", 0, 1, 6, "leading zeros are not allowed" },
	{ "a = 1__0\n", 0, 1, 7, "'_' must be between digits" },
	{ "a = 1_\n", 0, 1, 6, "'_' must be between digits" },
	{ "a = 0x_1\n", 0, 1, 7, "'_' must be between digits" },
	{ "a = +0x1\n", 0, 1, 5, "a sign is not allowed before '0x'" },
	{ "a = 0xg\n", 0, 1, 7, "invalid character 'g' in integer" },
	{ "a = 0b102\n", 0, 1, 9, "invalid character '2' in integer" },
	{ "a = 0o8\n", 0, 1, 7, "invalid character '8' in integer" },
	{ "a = 0X1\n", 0, 1, 6, "invalid character 'X' in integer" },
	{ "a = 1-2\n", 0, 1, 6, "invalid character '-' in integer" },
	{ "a = 0x\n", 0, 1, 7, "expected digits" },
	{ "a = +\n", 0, 1, 6, "expected digits" },
	{ "a = [1, 2\n", 0, 1, 5, "unterminated array" },
	{ "a = [[1], 2", 0, 1, 5, "unterminated array" },
	{ "a = [1 2]\n", 0, 1, 8, "expected ',' or ']' in array" },
	{ "a = [1,,2]\n", 0, 1, 8, "expected a value" },
	{ "a = [,]\n", 0, 1, 6, "expected a value" },
	{ "a = [1 # c\x01\n]\n", 0, 1, 11, "control character in comment" },
	{ "a = {b = 1,}\n", 0, 1, 12, "trailing comma is not allowed in inline table" },
	{ "a = {b = 1\n}\n", 0, 1, 11, "inline table must be on a single line" },
	{ "a = {\nb = 1}\n", 0, 1, 6, "inline table must be on a single line" },
	{ "a = {b = 1, # c\n}\n", 0, 1, 13, "inline table must be on a single line" },
	{ "a = {b = 1", 0, 1, 5, "unterminated inline table" },
	{ "a = {b = 1 c = 2}\n", 0, 1, 12, "expected ',' or '}' in inline table" },
	{ "a = {b = 1, b = 2}\n", 0, 1, 13, "duplicate key 'b'" },
	{ "a = {,}\n", 0, 1, 6, "expected a key" },
	{ "\xef\xbb\xbf" "a = 1\n", 0, 1, 1, "byte-order mark is not allowed" },
};
/* clang-format on */

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		const struct bad *b = &bad_docs[i];
		struct toml_value *v = (struct toml_value *)1;
		struct toml_error e;
		size_t len = b->len ? b->len : strlen(b->src);
		int r = toml_parse(b->src, len, &v, &e);

		if (r != -EINVAL || e.line != b->line || e.col != b->col ||
		    strcmp(e.msg, b->msg) != 0)
			fail_msg("case %zu (%s): got %d %u:%u '%s', want %u:%u '%s'", i, b->src, r,
				 e.line, e.col, e.msg, b->line, b->col, b->msg);
		assert_null(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_dotted_keys),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_same_key_in_tables),
		cmocka_unit_test(test_basic_string_escapes),
		cmocka_unit_test(test_literal_strings),
		cmocka_unit_test(test_multiline_basic),
		cmocka_unit_test(test_multiline_literal),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_inline_tables),
		cmocka_unit_test(test_policy_document),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_get_and_type_names),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
