/* Shared by the Landlock kernel tests (test_landlock_fs.c,
 * test_landlock_net.c, test_landlock_exec.c), which test the layer against
 * the attack corpus (ATTACKS.md items 1, 4, 5, 8 and 10): each case compiles
 * a policy with landlock_compile(), builds and enforces it in a forked child
 * as spawn.c's child does (no_new_privs, then the ruleset; no seccomp
 * filter, so every refusal is Landlock's), then attempts the attack with raw
 * syscalls and asserts the exact errno.  Where the attack only means
 * something if it works unconfined, the child first runs it before
 * enforcing (the "control"), so a test cannot pass because the machine
 * refused the attack for another reason (DAC as uid 65534).
 *
 * Fixtures live in a fresh mkdtemp() directory (mode 755) so the same
 * binary runs as root and as uid 65534.  Cases marked KNOWN GAP assert what
 * the kernel does today where Landlock alone cannot close an attack; they
 * fail the day that changes, so the gap is re-examined rather than
 * forgotten. */
#ifndef SANDLOCK_TEST_LANDLOCK_H
#define SANDLOCK_TEST_LANDLOCK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kt.h"
#include "compat.h"
#include "landlock.h"
#include "policy.h"

/* The x86-64 ELF interpreter named in PT_INTERP of Debian's binaries. */
#define LDSO "/lib64/ld-linux-x86-64.so.2"

static char base[64]; /* the fixture directory */
static const struct policy_origin flag __attribute__((unused)) = { 0 };

/* base/rel in one of a few rotating buffers, so a call may take several. */
static inline const char *fx(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", base, rel);
	return b;
}

static inline int write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

/* Reads up to len-1 bytes of path into buf; returns the byte count or -1. */
static inline ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* In the child: compiles p for this kernel without best effort, builds
 * the ruleset and enforces it the way spawn.c's child does.  Consumes p.
 * With !interp, [exec] entries lose the automatic grant of their ELF
 * interpreter (to observe what the kernel does without it).  Returns 0, or
 * -1 after printing why. */
static inline int enforce_opt(struct policy *p, bool interp)
{
	struct landlock_plan plan;
	struct diag d = { { 0 } };
	int fd = -1, r;

	r = landlock_compile(p, landlock_abi(), false, &plan, &d);
	if (r == 0) {
		for (size_t i = 0; i < plan.n_paths && !interp; i++)
			plan.paths[i].exec = false;
		r = landlock_build(&plan, false, &fd, &d);
		landlock_plan_release(&plan);
	}
	policy_release(p);
	if (r < 0) {
		fprintf(stderr, "cannot build the sandbox: %s\n", d.msg);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || (r = landlock_apply(fd)) < 0) {
		fprintf(stderr, "cannot enforce the sandbox: %s\n", strerror(r < 0 ? -r : errno));
		return -1;
	}
	close(fd);
	return 0;
}

#define ENFORCE(p)                                                                       \
	do {                                                                             \
		if (enforce_opt((p), true) < 0)                                          \
			return 1;                                                        \
	} while (0)

/* Policy constructors for the children; any failure ends the child. */
#define GRANT(p, path, acc) KT_EXPECT_OK(policy_add_path((p), (path), (acc), flag, NULL))
#define READ POLICY_READ
#define WRITE (POLICY_READ | POLICY_WRITE)

/* In the parent: the case needs Landlock ABI `want`; a loud skip otherwise
 * (a failure under SANDLOCK_MUST_WORK=1). */
static inline void require_abi(int want)
{
	char why[96];
	int abi = landlock_abi();

	if (abi >= want)
		return;
	snprintf(why, sizeof(why), "needs Landlock ABI %d, this kernel has %d", want, abi);
	if (kt_skip_or_fail(why))
		skip();
	fail_msg("%s", why);
}

/* ---- the fixture, made once per test binary ---- */

static inline int rm_one(const char *path, const struct stat *st, int flag_, struct FTW *ftw)
{
	(void)st;
	(void)flag_;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static inline int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/sl-kt-landlock.XXXXXX");
	if (!mkdtemp(base) || chmod(base, 0755) < 0)
		return -1;
	if (mkdir(fx("ro"), 0755) || mkdir(fx("ro/sub"), 0755) || mkdir(fx("rw"), 0755) ||
	    mkdir(fx("out"), 0755) || mkdir(fx("home"), 0755) || mkdir(fx("home/.ssh"), 0700) ||
	    mkdir(fx("fonly"), 0755) || mkdir(fx("fw"), 0755))
		return -1;
	if (write_file(fx("ro/f"), "ro-data", 0644) || write_file(fx("out/secret"), "host", 0644) ||
	    write_file(fx("home/.ssh/id_rsa"), "-----BEGIN FAKE KEY-----\n", 0600) ||
	    write_file(fx("fonly/granted"), "g", 0644) || write_file(fx("fonly/other"), "o", 0644) ||
	    write_file(fx("fw/wfile"), "w", 0644))
		return -1;
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	return nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
