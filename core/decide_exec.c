/* The exec decision (decide_exec.h): glob patterns over a command line
 * joined with spaces, and the check of the argv the kernel copied. */
#include "decide_exec.h"

#include <string.h>

#include "banned.h"

/* A pattern token: a literal byte (0..255), or one of these. */
enum { TOK_STAR = 256, TOK_ANY = 257 };

/* Reads the token at pat[p] into *t; returns its width in bytes. */
static size_t tok(const char *pat, size_t p, int *t)
{
	unsigned char ch = (unsigned char)pat[p];

	if (ch == '*') {
		*t = TOK_STAR;
		return 1;
	}
	if (ch == '?') {
		*t = TOK_ANY;
		return 1;
	}
	if (ch == '\\' && (pat[p + 1] == '*' || pat[p + 1] == '?' || pat[p + 1] == '\\')) {
		*t = (unsigned char)pat[p + 1];
		return 2;
	}
	*t = ch;
	return 1;
}

/* The subject: words joined with single spaces, never built in memory (the
 * argv can be a megabyte, and four candidates share all words but the
 * first).  A cursor is at byte off of word i; off == len is the space after
 * the word, or the end of the subject after the last word. */
struct subj {
	const char *head;          /* word 0 */
	const char *const *rest;   /* words 1..nrest */
	size_t nrest;
};

struct cur {
	const struct subj *s;
	size_t i, off, len;
	const char *w;
};

static void cur_word(struct cur *c)
{
	c->w = c->i == 0 ? c->s->head : c->s->rest[c->i - 1];
	c->len = strlen(c->w);
	c->off = 0;
}

static bool cur_end(const struct cur *c)
{
	return c->i == c->s->nrest && c->off == c->len;
}

/* The byte under the cursor; not valid at the end. */
static unsigned char cur_byte(const struct cur *c)
{
	return c->off < c->len ? (unsigned char)c->w[c->off] : ' ';
}

static void cur_next(struct cur *c)
{
	if (c->off < c->len) {
		c->off++;
	} else {
		c->i++;
		cur_word(c);
	}
}

/* The classic two-pointer wildcard match: on a mismatch, only the most
 * recent `*` is retried one byte further, which is enough (an earlier star
 * can only cover less of what a later one could) and bounds the work by
 * subject length times pattern length. */
static bool glob_subj(const char *pat, const struct subj *s)
{
	struct cur c = { .s = s }, star_c = { 0 };
	size_t p = 0, star_p = 0;
	bool starred = false;
	int t;

	cur_word(&c);
	while (!cur_end(&c)) {
		size_t w = pat[p] ? tok(pat, p, &t) : 0;

		if (w && t == TOK_STAR) {
			starred = true;
			star_p = p + w;
			star_c = c;
			p = star_p;
		} else if (w && (t == TOK_ANY || t == cur_byte(&c))) {
			p += w;
			cur_next(&c);
		} else if (starred) {
			/* Let the star swallow one more byte and retry. */
			cur_next(&star_c);
			c = star_c;
			p = star_p;
		} else {
			return false;
		}
	}
	while (pat[p] && tok(pat, p, &t) == 1 && t == TOK_STAR)
		p++;
	return pat[p] == '\0';
}

bool decide_exec_glob(const char *pattern, const char *subject)
{
	/* One word: a space in it matches like a separator would. */
	struct subj s = { .head = subject, .nrest = 0 };

	return glob_subj(pattern, &s);
}

bool decide_exec_pattern_valid(const char *pattern, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!pattern || !pattern[0]) {
		*why = "empty pattern";
		return false;
	}
	for (size_t p = 0; pattern[p]; p++) {
		if (pattern[p] != '\\')
			continue;
		if (pattern[p + 1] != '*' && pattern[p + 1] != '?' && pattern[p + 1] != '\\') {
			*why = "'\\' must be followed by '*', '?' or '\\'";
			return false;
		}
		p++;
	}
	return true;
}

static const char *base_of(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

/* The distinct spellings of the first word (at most 4). */
static size_t heads(const char *path, const char *argv0, const char *out[4])
{
	const char *cand[4] = { argv0, base_of(argv0), path, path ? base_of(path) : NULL };
	size_t n = 0;

	for (size_t i = 0; i < 4; i++) {
		bool dup = !cand[i];

		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(out[j], cand[i]) == 0;
		if (!dup)
			out[n++] = cand[i];
	}
	return n;
}

int decide_exec_path(const char *const *patterns, size_t n, const char *path,
		     const char *const *argv, size_t argc)
{
	const char *h[4];
	size_t nh = heads(path, argc ? argv[0] : "", h);

	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < nh; k++) {
			struct subj s = { h[k], argc ? argv + 1 : NULL, argc ? argc - 1 : 0 };

			if (glob_subj(patterns[i], &s))
				return (int)i;
		}
	}
	return -1;
}

int decide_exec(const char *const *patterns, size_t n, const char *const *argv, size_t argc)
{
	return decide_exec_path(patterns, n, NULL, argv, argc);
}

/* Whether a[0..n) equals b[0..n). */
static bool same_words(const char *const *a, const char *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

enum exec_verdict decide_exec_verify(const char *const *argv, size_t argc, const char *fname,
				     const char *const *copied, size_t m)
{
	/* Since 5.18 the kernel runs an empty argv as [""]. */
	static const char *const empty[1] = { "" };
	size_t tail;

	if (argc == 0) {
		argv = empty;
		argc = 1;
	}
	if (m == argc && same_words(argv, copied, m))
		return EXEC_SAME;
	/* An interpreter: the kernel dropped argv[0] (kept with binfmt_misc's
	 * P flag), pushed the file name, then the interpreter's words, so the
	 * copy ends with fname and the judged words.  Any other shape, or a
	 * different fname (the path raced too), is a changed exec. */
	for (size_t keep0 = 0; keep0 < 2; keep0++) {
		tail = argc - 1 + keep0;
		if (m < tail + 2)
			continue;
		if (strcmp(copied[m - tail - 1], fname) == 0 &&
		    same_words(argv + 1 - keep0, copied + m - tail, tail))
			return EXEC_INTERPRETED;
	}
	return EXEC_CHANGED;
}
