#define _GNU_SOURCE
#include <stddef.h>
#include "env.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const kept[] = { "PATH", "HOME", "USER", "LOGNAME", "TERM",
				    "LANG", "LC_ALL", "TZ", NULL };

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static bool is_kept(const char *kv)
{
	for (size_t i = 0; kept[i]; i++)
		if (key_len(kv) == strlen(kept[i]) && strncmp(kv, kept[i], key_len(kv)) == 0)
			return true;
	return false;
}

/* Index of the entry with kv's key in env[0..n), or n. */
static size_t find(char **env, size_t n, const char *kv)
{
	size_t len = key_len(kv);

	for (size_t i = 0; i < n; i++)
		if (key_len(env[i]) == len && strncmp(env[i], kv, len) == 0)
			return i;
	return n;
}

char **env_build(char *const *base, bool clean, char *const *set, size_t n_set)
{
	size_t n = 0, cap = n_set + 1;
	char **env;

	for (char *const *e = base; e && *e; e++)
		cap++;
	env = calloc(cap, sizeof(*env));
	if (!env)
		return NULL;
	for (char *const *e = base; e && *e; e++) {
		if (clean && !is_kept(*e))
			continue;
		if (!(env[n] = strdup(*e)))
			goto fail;
		n++;
	}
	for (size_t i = 0; i < n_set; i++) {
		size_t at = find(env, n, set[i]);
		char *dup = strdup(set[i]);

		if (!dup)
			goto fail;
		if (at < n)
			free(env[at]);
		else
			n++;
		env[at] = dup;
	}
	return env;
fail:
	env_free(env);
	return NULL;
}

const char *env_lookup(char *const *envp, const char *key)
{
	size_t len = strlen(key);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, key, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

void env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}
