/* The exec decision: does this command line match one of the policy's
 * `[exec] deny_argv` patterns?  And, once the kernel has run the exec, is
 * the command line it copied the one that was judged?  Pure: no system
 * call, no global, no allocation, so the supervisor, replay and tests call
 * the same code with the same inputs and get the same verdict.
 *
 * The pattern language and what a command line is matched as are the
 * contract in schemas/exec.md.  Every pointer argument is borrowed for the
 * duration of the call; nothing is kept. */
#ifndef SANDLOCK_DECIDE_EXEC_H
#define SANDLOCK_DECIDE_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* The supervisor's exec rules, filled from the policy: n patterns and, when
 * at is not NULL, where each was written (for events).  Borrowed from the
 * policy, which outlives the supervisor. */
struct exec_rules {
	const char *const *deny_argv;
	const struct policy_origin *at;
	size_t n;
};

/* Beyond these an exec is denied with E2BIG before any pattern is tried:
 * the supervisor copies the whole command line, and the kernel's own limit
 * (a quarter of the stack limit) can be far larger. */
#define EXEC_MAX_ARGC 4096
#define EXEC_MAX_ARGV_BYTES (1u << 20) /* the strings with their NULs */

/* Whether pattern matches the whole of the string subject: `*` matches
 * any run of bytes (spaces and the empty run included), `?` one byte, `\*`
 * `\?` `\\` the character itself; a `\` before anything else is a literal
 * backslash.  Bytes compare exactly (case-sensitive).  Time
 * O(strlen(subject) * strlen(pattern)) at worst, never exponential. */
bool decide_exec_glob(const char *pattern, const char *subject);

/* Whether pattern is well formed for the policy parser: not empty, and
 * every `\` escapes `*`, `?` or `\`.  On false, *why (if not NULL) says
 * what is wrong, as a static string. */
bool decide_exec_pattern_valid(const char *pattern, const char **why);

/* Decides an exec of path with argv (argc strings; path may be NULL).  The
 * candidates are the arguments joined with single spaces, with argv[0]
 * written four ways: as given, its basename, path, and path's basename (the
 * last two only with a path).  An empty argv is judged as [""], the argv the
 * kernel runs the program with.  Returns the index of the first pattern
 * (in pattern order) matching any candidate, or -1 when none does. */
int decide_exec_path(const char *const *patterns, size_t n, const char *path,
		     const char *const *argv, size_t argc);

/* decide_exec_path() without a path: argv[0] as given and its basename. */
int decide_exec(const char *const *patterns, size_t n, const char *const *argv, size_t argc);

/* After an exec was allowed: compares the argv the kernel copied into the
 * new image (copied: m strings, in order) with the argv that was judged
 * (argv, argc strings) and fname, the file name as the kernel names it for
 * this exec (execve's path; "/dev/fd/N" or "/dev/fd/N/PATH" for execveat
 * relative to a directory fd).
 *   EXEC_SAME: identical (an empty judged argv counts as [""]).
 *   EXEC_INTERPRETED: the kernel ran an interpreter (#! script or
 *     binfmt_misc): copied ends with fname followed by the judged argv
 *     from argv[1] (or from argv[0], binfmt_misc's preserve-argv[0] flag),
 *     after the interpreter's own words.  That prefix was never judged: the
 *     caller must decide the copied argv itself before letting it run.
 *   EXEC_CHANGED: anything else; the exec must not run. */
enum exec_verdict { EXEC_SAME, EXEC_INTERPRETED, EXEC_CHANGED };
enum exec_verdict decide_exec_verify(const char *const *argv, size_t argc, const char *fname,
				     const char *const *copied, size_t m);

#endif
