/* TOML subset parser; the contract, limits and error wording are in toml.h.
 * This file is the grammar and the tree; the scanner it drives (strings,
 * numbers, keys, positions, errors) is toml_scan.c.
 *
 * One pass over the bytes with a recursive-descent value parser.  Every node
 * records its depth and node_new() refuses anything deeper than
 * TOML_MAX_DEPTH, which bounds the recursion here and in toml_free(), so no
 * input can exhaust the stack.  Each node costs at least one input byte and
 * every buffer grows geometrically, so memory stays O(input). */
#include "toml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "toml_int.h"

#include "banned.h"

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

struct parser {
	struct toml_scan sc;
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
		return toml_scan_fail_pos(&p->sc, pos, "nesting too deep");
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
static int table_add_sub(struct parser *p, struct node *t, const struct toml_seg *sg,
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

static void key_release(struct toml_key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->seg[i].name);
	k->n = 0;
}

/* The first n parts of k joined by dots, for a message: control bytes
 * become '?' so a quoted key cannot break the line, and a long key is cut
 * at a character boundary and marked with "...". */
static const char *key_text(const struct toml_key *k, size_t n, char *buf, size_t size)
{
	size_t o = 0, room = size - 4;

	for (size_t i = 0; i < n && o < room; i++) {
		if (i)
			buf[o++] = '.';
		for (const char *c = k->seg[i].name; *c && o < room; c++)
			buf[o++] = scan_is_ctrl((unsigned char)*c) ? '?' : *c;
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

/* Parses one element and the separator after it; 1 at the closing ']'. */
static int array_next(struct parser *p, struct node *a, size_t open, bool first)
{
	struct toml_scan *sc = &p->sc;
	struct node *item;
	int r = toml_scan_array_ws(sc);

	(void)first; /* a trailing comma is fine in an array */
	if (r)
		return r;
	if (sc->i == sc->len)
		return toml_scan_fail(sc, open, "unterminated array");
	if (sc->s[sc->i] == ']') {
		sc->i++;
		return 1;
	}
	r = parse_value(p, a->depth + 1, &item);
	if (!r)
		r = array_push(a, item);
	if (!r)
		r = toml_scan_array_ws(sc);
	if (r)
		return r;
	if (sc->i == sc->len)
		return toml_scan_fail(sc, open, "unterminated array");
	if (sc->s[sc->i] != ',' && sc->s[sc->i] != ']')
		return toml_scan_fail(sc, sc->i, "expected ',' or ']' in array");
	return sc->s[sc->i++] == ']';
}

/* TOML 1.0 keeps inline tables on one line (values such as arrays may
 * still span lines), so a newline or comment here is an error. */
static int inline_check(struct parser *p, size_t open)
{
	struct toml_scan *sc = &p->sc;

	if (sc->i == sc->len)
		return toml_scan_fail(sc, open, "unterminated inline table");
	if (scan_newline(sc, sc->i) || sc->s[sc->i] == '#' || sc->s[sc->i] == '\r')
		return toml_scan_fail(sc, sc->i, "inline table must be on a single line");
	return 0;
}

static int parse_keyval(struct parser *p, struct node *t);

/* Parses one key = value and the separator after it; 1 at the '}'. */
static int inline_next(struct parser *p, struct node *t, size_t open, bool first)
{
	struct toml_scan *sc = &p->sc;
	int r;

	scan_ws(sc);
	r = inline_check(p, open);
	if (r)
		return r;
	if (first && sc->s[sc->i] == '}') {
		sc->i++;
		return 1;
	}
	r = parse_keyval(p, t);
	if (!r) {
		scan_ws(sc);
		r = inline_check(p, open);
	}
	if (r)
		return r;
	if (sc->s[sc->i] != ',' && sc->s[sc->i] != '}')
		return toml_scan_fail(sc, sc->i, "expected ',' or '}' in inline table");
	if (sc->s[sc->i++] == '}')
		return 1;
	scan_ws(sc);
	if (scan_peek(sc, 0) == '}')
		return toml_scan_fail(sc, sc->i, "trailing comma is not allowed in inline table");
	return 0;
}

/* An array or inline table at the cursor: next() parses one element or pair. */
static int parse_container(struct parser *p, unsigned depth, struct node **out,
			   int (*next)(struct parser *, struct node *, size_t, bool))
{
	struct toml_scan *sc = &p->sc;
	size_t open = sc->i;
	bool arr = sc->s[open] == '[';
	struct node *c = NULL;
	int r = node_new(p, arr ? TOML_ARRAY : TOML_TABLE, toml_scan_pos(sc, open), depth, &c);

	if (r)
		return r;
	c->flags = arr ? 0 : TAB_INLINE;
	sc->i++;
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
	struct toml_scan *sc = &p->sc;
	int c = scan_peek(sc, 0);

	if (c == '"' || c == '\'') {
		n->v.type = TOML_STRING;
		return toml_scan_string(sc, false, &n->v.u.str);
	}
	n->v.type = TOML_BOOL;
	if (scan_starts(sc, "true") || scan_starts(sc, "false")) {
		n->v.u.b = c == 't';
		sc->i += n->v.u.b ? 4 : 5;
		return 0;
	}
	if (scan_starts(sc, "inf") || scan_starts(sc, "nan"))
		return toml_scan_fail(sc, sc->i, "floats are not supported");
	n->v.type = TOML_INTEGER;
	if (scan_is_digit(c) || c == '+' || c == '-')
		return toml_scan_number(sc, &n->v.u.i);
	return toml_scan_fail(sc, sc->i, "expected a value");
}

static int parse_value(struct parser *p, unsigned depth, struct node **out)
{
	struct toml_scan *sc = &p->sc;
	struct node *n = NULL;
	int r;

	if (scan_peek(sc, 0) == '[')
		return parse_container(p, depth, out, array_next);
	if (scan_peek(sc, 0) == '{')
		return parse_container(p, depth, out, inline_next);
	r = node_new(p, TOML_INTEGER, toml_scan_pos(sc, sc->i), depth, &n);
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
static int key_walk(struct parser *p, struct node **t, const struct toml_key *k, size_t n,
		    unsigned flags, struct toml_pos at)
{
	struct toml_scan *sc = &p->sc;
	char text[128];

	for (size_t i = 0; i < n; i++) {
		const struct toml_seg *sg = &k->seg[i];
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
			return toml_scan_fail_pos(sc, sg->pos, "key '%s' is not a table", text);
		if (c->flags & TAB_INLINE)
			return toml_scan_fail_pos(sc, sg->pos,
						  "inline table '%s' cannot be extended", text);
		if (flags == TAB_DOTTED && !(c->flags & TAB_DOTTED))
			return toml_scan_fail_pos(sc, sg->pos, "table '%s' cannot be extended "
						  "by a dotted key", text);
		*t = c;
	}
	return 0;
}

static int parse_keyval(struct parser *p, struct node *t)
{
	struct toml_scan *sc = &p->sc;
	char text[128];
	struct toml_key k;
	struct node *dst = NULL, *val = NULL;
	int r;

	k.n = 0;
	r = toml_scan_key(sc, &k);
	if (!r && scan_peek(sc, 0) != '=')
		r = toml_scan_fail(sc, sc->i, "expected '=' after key '%s'",
				   key_text(&k, k.n, text, sizeof(text)));
	if (r)
		goto out;
	sc->i++;
	scan_ws(sc);
	dst = t;
	r = key_walk(p, &dst, &k, k.n - 1, TAB_DOTTED, (struct toml_pos){ 0 });
	if (!r && table_find(p, dst, k.seg[k.n - 1].name))
		r = toml_scan_fail_pos(sc, k.seg[k.n - 1].pos, "duplicate key '%s'",
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
static int resolve_header(struct parser *p, const struct toml_key *k, struct toml_pos at)
{
	struct toml_scan *sc = &p->sc;
	char text[128];
	const struct toml_seg *last = &k->seg[k->n - 1];
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
		return toml_scan_fail_pos(sc, last->pos, "duplicate key '%s'", text);
	if (t->flags & TAB_INLINE)
		return toml_scan_fail_pos(sc, last->pos, "inline table '%s' cannot be extended",
					  text);
	if (t->flags & (TAB_HEADER | TAB_DOTTED))
		return toml_scan_fail_pos(sc, last->pos, "table '%s' defined twice", text);
	/* an implied table now gets its own header: errors point there */
	t->flags |= TAB_HEADER;
	t->v.pos = at;
	kv->key_pos = last->pos;
	p->cur = t;
	return 0;
}

static int parse_header(struct parser *p)
{
	struct toml_scan *sc = &p->sc;
	char text[128];
	struct toml_pos at = toml_scan_pos(sc, sc->i);
	struct toml_key k;
	int r;

	k.n = 0;
	if (scan_peek(sc, 1) == '[')
		return toml_scan_fail_pos(sc, at, "arrays of tables are not supported");
	sc->i++;
	scan_ws(sc);
	r = toml_scan_key(sc, &k);
	if (!r && scan_peek(sc, 0) != ']')
		r = toml_scan_fail(sc, sc->i, "expected ']' after table name '%s'",
				   key_text(&k, k.n, text, sizeof(text)));
	if (!r) {
		sc->i++;
		r = resolve_header(p, &k, at);
	}
	key_release(&k);
	return r ? r : toml_scan_eol(sc, "table header");
}

static int parse_doc(struct parser *p)
{
	struct toml_scan *sc = &p->sc;
	int r = 0;

	/* TOML 1.0 has no byte-order mark; say so rather than "expected a key". */
	if (scan_starts(sc, "\xef\xbb\xbf"))
		return toml_scan_fail(sc, 0, "byte-order mark is not allowed");
	while (r == 0) {
		scan_ws(sc);
		if (sc->i == sc->len)
			return 0;
		if (sc->s[sc->i] == '[')
			r = parse_header(p);
		else if (sc->s[sc->i] == '#' || scan_newline(sc, sc->i))
			r = toml_scan_eol(sc, "comment");
		else if ((r = parse_keyval(p, p->cur)) == 0)
			r = toml_scan_eol(sc, "value");
	}
	return r;
}

int toml_parse(const char *src, size_t len, struct toml_value **out, struct toml_error *err)
{
	struct toml_error scratch;
	struct parser p = {
		.sc = { .s = (const unsigned char *)src, .len = len, .err = err ? err : &scratch,
			.pc_line = 1 },
	};
	int r;

	*out = NULL;
	memset(p.sc.err, 0, sizeof(*p.sc.err));
	r = toml_scan_text(&p.sc);
	if (!r)
		r = node_new(&p, TOML_TABLE, (struct toml_pos){ .line = 1, .col = 1 }, 0, &p.root);
	if (!r) {
		p.cur = p.root;
		r = parse_doc(&p);
	}
	if (r == -ENOMEM) {
		struct toml_pos pos = toml_scan_pos(&p.sc, p.sc.i);

		toml_scan_fail_pos(&p.sc, pos, "out of memory");
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
