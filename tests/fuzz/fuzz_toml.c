/* libFuzzer harness: arbitrary bytes through the TOML parser.  A crash, a
 * leak, a sanitizer report or an error without a position is a bug. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks the tree so every node and string is read back (ASan then checks
 * that each is in bounds and NUL-terminated). */
static size_t walk(const struct toml_value *v)
{
	size_t n = 1;

	if (v->pos.line == 0 || v->pos.col == 0)
		abort();
	if (v->type == TOML_STRING)
		n += strlen(v->u.str);
	else if (v->type == TOML_ARRAY)
		for (size_t i = 0; i < v->u.arr.n; i++)
			n += walk(v->u.arr.items[i]);
	else if (v->type == TOML_TABLE)
		for (size_t i = 0; i < v->u.tab.n; i++) {
			const struct toml_kv *kv = &v->u.tab.kv[i];

			if (toml_get(v, kv->key) != kv->val)
				abort(); /* duplicate keys must have been refused */
			n += strlen(kv->key) + walk(kv->val);
		}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_value *root = NULL;
	struct toml_error err;
	int r = toml_parse((const char *)data, size, &root, &err);

	if (r == 0) {
		walk(root);
	} else if (r == -EINVAL) {
		if (root || err.line == 0 || err.col == 0 || err.msg[0] == '\0' ||
		    !memchr(err.msg, '\0', sizeof(err.msg)))
			abort();
	} else if (r != -ENOMEM) {
		abort();
	}
	toml_free(root);
	return 0;
}
