/* The seccomp-bpf layer: a deny list of dangerous syscalls and argument
 * patterns (ATTACKS.md items 7, 10-12), adjusted by [syscalls] and the
 * network section, compiled once in the parent with libseccomp and loaded by
 * the child with a single seccomp(2) call (no allocation after fork). */
#ifndef SANDLOCK_SECCOMP_FILTER_H
#define SANDLOCK_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "policy.h"

struct sock_filter;

/* A compiled BPF program; owns insns. */
struct seccomp_filter {
	struct sock_filter *insns;
	unsigned short len;
};

/* Compiles p into *out (which it zeroes first; the caller releases it).
 * Errors in [syscalls] return -EINVAL with d filled: "unknown syscall 'foo'
 * in [syscalls] extra_deny", "syscall 'ptrace' cannot be relaxed: <why>",
 * "'read' is not denied by default, nothing to allow".  The policy keeps no
 * per-name origin, so these carry no file position.  A libseccomp failure
 * returns its -errno (-ENOMEM...) with d filled.  Allocates and uses a
 * memfd to export the program, so call it in the parent, before fork. */
int seccomp_filter_compile(const struct policy *p, struct seccomp_filter *out, struct diag *d);

/* Same, always with libseccomp.  compile() uses it for policies with
 * [syscalls] lists and otherwise copies one of the programs build() produced
 * at build time (core/gen/seccomp_gen.c): libseccomp costs ~1.5 ms of every
 * start (bench/startup) and its output only depends on three booleans. */
int seccomp_filter_build(const struct policy *p, struct seccomp_filter *out, struct diag *d);

/* The precompiled program for p's network booleans, ignoring [syscalls]
 * (for the test that it equals a fresh build).  Borrowed: never release it. */
struct seccomp_filter seccomp_filter_precompiled(const struct policy *p);

/* Frees what compile allocated; safe on a zeroed struct. */
void seccomp_filter_release(struct seccomp_filter *f);

/* Installs f on the calling thread.  Requires no_new_privs (set by the
 * caller).  Async-signal-safe: meant for the child between fork and exec.
 * Returns 0 or -errno. */
int seccomp_filter_apply(const struct seccomp_filter *f);

/* The syscalls denied by default, and whether [syscalls] extra_allow may
 * relax each (for `sandlock check` and the policy reference).  name is a
 * syscall, or "syscall(pattern)" for arguments denied of an otherwise allowed
 * syscall ("ioctl(TIOCSTI)"); why is one phrase; the errno is EPERM unless
 * why names another. */
struct seccomp_denied {
	const char *name;
	bool relaxable;
	const char *why;
};
extern const struct seccomp_denied seccomp_default_denied[];
extern const size_t seccomp_default_denied_len;

#endif
