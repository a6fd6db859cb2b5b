/* The Landlock layer: compile a policy into the rights a ruleset handles and
 * the rules that grant them (pure, for any ABI, so tests can ask "what would
 * ABI 3 enforce?"), then build the ruleset fd in the parent and restrict the
 * child with one syscall between fork and exec. */
#ifndef SANDLOCK_LANDLOCK_H
#define SANDLOCK_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"

struct landlock_path_rule {
	const char *path; /* borrowed from the policy or the system set */
	uint64_t access;  /* before masking to file rights for non-directories */
	bool optional;    /* system-set entry: skipped if the path is missing */
	bool exec;        /* [exec] allow entry: its ELF interpreter is granted too */
};

struct landlock_port_rule {
	uint64_t access;
	uint16_t port;
};

/* The compiled form.  Owns the arrays, borrows the path strings. */
struct landlock_plan {
	int abi;
	uint64_t handled_fs, handled_net, scoped;
	struct landlock_path_rule *paths;
	size_t n_paths;
	struct landlock_port_rule *ports;
	size_t n_ports;
	char **warnings; /* best-effort downgrades and exec entries whose interpreter
			  * is unknown, to print and record */
	size_t n_warnings;
};

/* Compiles p for a kernel offering Landlock ABI `abi` (0: none).  Each right
 * or scope the policy needs that the ABI lacks (filesystem rights 1, refer 2,
 * truncate 3, TCP connect and bind 4, device ioctl 5, the two scopes 6) is
 * an error (-EOPNOTSUPP for the first, d says which and suggests
 * --best-effort) unless best_effort, where each becomes one warning in the
 * plan.  Pure: no syscalls.  Returns 0, -EOPNOTSUPP or -ENOMEM (d filled). */
int landlock_compile(const struct policy *p, int abi, bool best_effort,
		     struct landlock_plan *out, struct diag *d);
void landlock_plan_release(struct landlock_plan *plan);

/* Creates the ruleset and adds every rule, looking each path up once with
 * O_PATH.  A missing non-optional path is an error (a warning with
 * best_effort).  An [exec] entry must be a regular file; its ELF
 * interpreter, read from the same inode, is granted too, and when it cannot
 * be read (an unreadable or malformed file) a warning says the exec will
 * fail.  On success *fd_out is an owned ruleset fd, or -1 when the plan
 * handles nothing (ABI 0 under best effort).  Returns 0 or -errno with d
 * filled; on failure nothing stays open. */
int landlock_build(struct landlock_plan *plan, bool best_effort, int *fd_out, struct diag *d);

/* In the child, after no_new_privs: enforces the ruleset on the calling
 * thread (nothing for -1).  Async-signal-safe.  Returns 0 or -errno. */
int landlock_apply(int ruleset_fd);

/* Probes the Landlock ABI version: >0, or 0 when Landlock is unavailable. */
int landlock_abi(void);

/* The rights a POLICY_READ / POLICY_WRITE grant and an [exec] allow entry
 * give under abi, and all filesystem rights the abi handles. */
uint64_t landlock_rights(unsigned policy_access, bool exec_restricted, int abi);
uint64_t landlock_exec_rights(void);
uint64_t landlock_handled_fs(int abi);

#endif
