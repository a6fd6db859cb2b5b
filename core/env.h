/* The child's environment: inherited or cleaned, then [program] env applied. */
#ifndef SANDLOCK_ENV_H
#define SANDLOCK_ENV_H

#include <stdbool.h>

/* Builds a NULL-terminated environment (returns owned; free with env_free):
 * `base` (NULL-terminated, borrowed), reduced to the variables a program
 * needs to behave (PATH HOME USER LOGNAME TERM LANG LC_ALL TZ) when clean,
 * then each "KEY=VALUE" of set[] added or replacing.  NULL on ENOMEM. */
char **env_build(char *const *base, bool clean, char *const *set, size_t n_set);
void env_free(char **env);

/* The value of key in a NULL-terminated environment (borrowed), or NULL. */
const char *env_lookup(char *const *envp, const char *key);

#endif
