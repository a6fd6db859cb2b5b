/* The policy model: what a sandbox may do, independent of how it is
 * enforced.  Built by policy_parse() from TOML and by the command line;
 * compiled by landlock.c and seccomp.c.
 *
 * Ownership: a struct policy owns every string and array it points to.
 * policy_release() frees them and leaves an empty, reusable policy. */
#ifndef SANDLOCK_POLICY_H
#define SANDLOCK_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

/* Access a path grant gives. */
#define POLICY_READ 1u  /* read files, list directories (and exec, unless [exec] allow) */
#define POLICY_WRITE 2u /* read + create, write, truncate, remove, rename */

/* Where a rule came from: a policy file position, or line 0 for a flag. */
struct policy_origin {
	const char *source; /* borrowed from struct policy.sources */
	unsigned line, col;
};

struct policy_path {
	char *path; /* absolute, as written (not canonicalized) */
	unsigned access;
	struct policy_origin origin;
};

/* An inclusive TCP port range. */
struct policy_ports {
	uint16_t lo, hi;
	struct policy_origin origin;
};

struct policy {
	char **sources; /* file names and "<command line>" rules point into */
	size_t n_sources;

	/* [filesystem] */
	struct policy_path *paths; /* read and write grants */
	size_t n_paths;
	bool system_set; /* add the read-only system set (sysset.c) */

	/* [exec]: when exec_restricted, only these files may be executed. */
	bool exec_restricted;
	struct policy_path *exec;
	size_t n_exec;

	/* [network]: with no rules, no network.  TCP is judged by Landlock;
	 * other inet sockets are refused by seccomp unless udp_any. */
	bool tcp_connect_any;
	bool tcp_bind_any;
	bool udp_any;
	struct policy_ports *connect;
	size_t n_connect;
	struct policy_ports *bind;
	size_t n_bind;

	/* [syscalls]: names, validated against libseccomp at compile time;
	 * sys_*_at[i] is where name i came from, for that validation's errors. */
	char **sys_deny;
	struct policy_origin *sys_deny_at;
	size_t n_sys_deny;
	char **sys_allow;
	struct policy_origin *sys_allow_at;
	size_t n_sys_allow;

	/* [limits]: 0 means unset. */
	uint64_t open_files;
	uint64_t timeout_sec;

	/* [program] */
	bool clean_env;
	char **env; /* "KEY=VALUE" */
	size_t n_env;
	char *cwd;
};

/* Empties p without freeing; a zeroed struct is also a valid empty policy. */
void policy_init(struct policy *p);
/* Frees everything p owns and re-initializes it. */
void policy_release(struct policy *p);

/* Registers a source name (copied); returns a borrowed pointer valid for the
 * life of p, or NULL on allocation failure. */
const char *policy_add_source(struct policy *p, const char *name);

/* Adds a path grant; path must be absolute (else -EINVAL with d filled).
 * Grants of the same path merge their access. */
int policy_add_path(struct policy *p, const char *path, unsigned access,
		    struct policy_origin o, struct diag *d);
int policy_add_exec(struct policy *p, const char *path, struct policy_origin o,
		    struct diag *d);

/* Parses one [network] allow entry ("[tcp://|udp://]TARGET[:PORTS]") or an
 * allow_bind port spec ("8080", "8000-8100", "*") into p.  Entries that need
 * the supervisor (a host other than '*') are rejected as not supported yet. */
int policy_add_net_allow(struct policy *p, const char *spec, struct policy_origin o,
			 struct diag *d);
int policy_add_bind(struct policy *p, const char *spec, struct policy_origin o,
		    struct diag *d);

/* Adds "KEY=VALUE" (validated: KEY non-empty, no '='). */
int policy_add_env(struct policy *p, const char *kv, struct policy_origin o, struct diag *d);
int policy_add_syscall(struct policy *p, bool allow, const char *name,
		       struct policy_origin o, struct diag *d);

/* Puts "file:line:col: " of o in front of d's message (nothing for a
 * command-line origin); returns err, for `return policy_at(d, o, r)`. */
int policy_at(struct diag *d, struct policy_origin o, int err);

/* Parses a TOML policy and merges it into p.  `file` names the source in
 * messages ("policy.toml:12:7: unknown key 'wirte' in [filesystem]").
 * Returns 0, -EINVAL with d filled, or -ENOMEM. */
int policy_parse(struct policy *p, const char *file, const char *src, size_t len,
		 struct diag *d);

/* Reads and parses a policy file; the file's errors are as above, and an
 * unreadable file is "cannot read policy 'F': reason". */
int policy_load(struct policy *p, const char *file, struct diag *d);

/* Writes p as normalized TOML (sorted, one rule a line) that policy_parse
 * reads back to an equal policy.  Returns 0 or -errno of the write. */
int policy_print(const struct policy *p, FILE *out);

#endif
