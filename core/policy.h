/* The policy model: what a sandbox may do, independent of how it is
 * enforced.  Built by policy_parse() from TOML and by the command line;
 * compiled by landlock.c and seccomp_filter.c; its network rules are judged
 * by decide_net.c.
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

/* An inclusive port range. */
struct policy_ports {
	uint16_t lo, hi;
	struct policy_origin origin;
};

/* A hash index of a path array by path, and the array's capacity, so adding
 * a grant to a policy of n paths costs O(1) amortized, not O(n).  Private to
 * policy.c. */
struct policy_path_index {
	struct policy_path_slot {
		uint32_t idx;  /* 0: empty, else array index + 1 */
		uint32_t hash; /* of the path, to skip most string compares */
	} *slots;
	size_t cap;     /* a power of two, or 0 */
	size_t n;       /* array elements indexed: a mismatch rebuilds */
	size_t arr_cap; /* elements allocated in the array, trusted while n matches */
};

/* [network] allow and deny rules (policy_net.c): what the supervisor's
 * decide_net() judges.  Protocols a rule covers: */
#define POLICY_NET_TCP 1u
#define POLICY_NET_UDP 2u

enum policy_net_kind {
	POLICY_NET_ANY,  /* '*' or empty: every address */
	POLICY_NET_ADDR, /* an address or a CIDR block: addr/prefix */
	POLICY_NET_HOST, /* a host name, resolved and pinned at start */
};

struct policy_net_rule {
	unsigned proto; /* POLICY_NET_TCP | POLICY_NET_UDP, at least one */
	enum policy_net_kind kind;
	char *host;       /* POLICY_NET_HOST: lowercased, no final dot; else NULL */
	uint8_t addr[16]; /* POLICY_NET_ADDR: IPv6, IPv4 as ::ffff:a.b.c.d; bits
			   * past prefix are zero */
	unsigned prefix;  /* POLICY_NET_ADDR: 0..128; an IPv4 /n is 96+n */
	struct policy_ports *ports; /* sorted, disjoint, not adjacent; 1-65535 */
	size_t n_ports;
	bool ports_any; /* '*': every port, 0 included; ports is then empty */
	bool deny;
	struct policy_origin origin;
};

struct policy {
	char **sources; /* file names and "<command line>" rules point into */
	size_t n_sources;

	/* [filesystem] */
	struct policy_path *paths; /* read and write grants */
	size_t n_paths;
	struct policy_path_index paths_index;
	bool system_set; /* add the read-only system set (sysset.c) */

	/* [exec]: when exec_restricted, only these files may be executed. */
	bool exec_restricted;
	struct policy_path *exec;
	size_t n_exec;
	struct policy_path_index exec_index;

	/* [network] allow and deny rules, in the order added (the command
	 * line's order, a profile's rules where its -p stands); a rule's index
	 * in net[] is its stable id.  The
	 * fields below are derived from them for the static layer (see
	 * policy_net.c): when policy_net_supervised() is false they are the
	 * whole of the policy's network rules; for a supervised policy, what
	 * the child may do itself: no TCP connect (the supervisor makes every
	 * one) and UDP sockets when an allow rule covers UDP or the policy is
	 * deny-only. */
	struct policy_net_rule *net;
	size_t n_net;
	size_t n_net_allow;	/* allow rules in net[] */
	bool net_tcp_any_allowed; /* some TCP allow rule has ports '*' */
	bool net_udp_allowed;	/* some allow rule covers UDP */

	/* Static network layer: with none of these, no network.  TCP is judged
	 * by Landlock; other inet sockets are refused by seccomp unless
	 * udp_any. */
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
	uint64_t max_memory;    /* bytes, sandbox-wide (memwatch.c) */
	uint64_t max_processes; /* tasks at once, judged by the supervisor */
	struct policy_origin max_processes_at;

	/* [filesystem] deny: holes inside the grants that the sandbox must not
	 * reach at all (holes.h), judged by the supervisor; a hole's index is
	 * its rule id (filesystem.deny[i]).  hide_stat: stat and access fail
	 * on holes too. */
	struct policy_path *deny;
	size_t n_deny;
	struct policy_path_index deny_index;
	bool hide_stat;

	/* [exec] deny_argv: glob patterns over the joined argv
	 * (decide_exec.h), judged by the supervisor at every exec. */
	char **deny_argv;
	struct policy_origin *deny_argv_at;
	size_t n_deny_argv;

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
 * Grants of the same path merge their access (found by a hash index:
 * O(1) per grant, so a policy of n paths loads in O(n)). */
int policy_add_path(struct policy *p, const char *path, unsigned access,
		    struct policy_origin o, struct diag *d);
int policy_add_exec(struct policy *p, const char *path, struct policy_origin o,
		    struct diag *d);
/* Adds a deny hole ([filesystem] deny, --deny); path must be absolute. */
int policy_add_deny(struct policy *p, const char *path, struct policy_origin o,
		    struct diag *d);

/* Parses one [network] allow or deny entry, "[tcp://|udp://]TARGET[:PORTS]"
 * (grammar in policy_net.c), appends it to p->net and updates the static
 * fields.  Returns 0, -EINVAL with d filled ("invalid network rule 'SPEC':
 * why", after "file:line:col: " for a file rule) and p unchanged, or
 * -ENOMEM. */
int policy_add_net_allow(struct policy *p, const char *spec, struct policy_origin o,
			 struct diag *d);
int policy_add_net_deny(struct policy *p, const char *spec, struct policy_origin o,
			struct diag *d);
/* Parses an allow_bind port spec ("8080", "8000-8100", "80,443", "*"). */
int policy_add_bind(struct policy *p, const char *spec, struct policy_origin o,
		    struct diag *d);

/* Whether p's network rules need the supervisor: some rule names a host,
 * an address or a CIDR, covers UDP with ports other than '*', or denies.
 * When false the static layer (Landlock TCP ports, seccomp UDP on/off)
 * enforces p exactly and no supervisor is needed. */
bool policy_net_supervised(const struct policy *p);

/* The rule as normalized text, "[tcp://|udp://]TARGET:PORTS", which
 * policy_add_net_allow/deny parse back to an equal rule.  Returns owned
 * (free()), or NULL when out of memory. */
char *policy_net_rule_str(const struct policy_net_rule *r);

/* The stable id of p->net[i] in events: "network.allow[K]" or
 * "network.deny[K]", K counting rules of the same list before it.
 * Writes at most len bytes of buf (truncating) and returns buf. */
const char *policy_net_rule_id(const struct policy *p, size_t i, char *buf, size_t len);

/* Adds "KEY=VALUE" (validated: KEY non-empty, no '='). */
int policy_add_env(struct policy *p, const char *kv, struct policy_origin o, struct diag *d);
int policy_add_syscall(struct policy *p, bool allow, const char *name,
		       struct policy_origin o, struct diag *d);

/* Parses a memory size: a positive integer of bytes, optionally followed by
 * K, M, G or T (powers of 1024, case-insensitive, an optional "B" or "iB"
 * after it): "512M", "2GiB", "1048576".  Returns 0 or -EINVAL (also on
 * overflow or zero). */
int policy_parse_size(const char *s, uint64_t *out);

/* Adds an [exec] deny_argv pattern (validated by
 * decide_exec_pattern_valid: -EINVAL with d filled). */
int policy_add_deny_argv(struct policy *p, const char *pattern, struct policy_origin o,
			 struct diag *d);

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
 * reads back to an equal policy.  Returns 0, -ENOMEM, or -EIO when a write
 * failed. */
int policy_print(const struct policy *p, FILE *out);

#endif
