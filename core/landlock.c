/* Landlock compile (pure) and build/apply (syscalls). */
#define _GNU_SOURCE
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "elf_interp.h"
#include "sys.h"
#include "sysset.h"
#include "banned.h"

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* MAKE_CHAR and MAKE_BLOCK are never granted: a sandbox running as root
 * could otherwise mknod the disk's block device in a writable directory. */
#define FS_WRITE_V1                                                                       \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                  \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                   \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                     \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* Rights that apply to a non-directory inode; add_rule rejects others. */
#define FS_FILE_RIGHTS                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                     \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                     \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

uint64_t landlock_handled_fs(int abi)
{
	uint64_t h = 0;

	if (abi >= 1)
		h = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* bits 0-12 */
	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		h |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return h;
}

uint64_t landlock_rights(unsigned policy_access, bool exec_restricted, int abi)
{
	uint64_t r = 0;

	if (policy_access & (POLICY_READ | POLICY_WRITE)) {
		r |= FS_READ;
		if (!exec_restricted)
			r |= LANDLOCK_ACCESS_FS_EXECUTE;
	}
	if (policy_access & POLICY_WRITE)
		r |= FS_WRITE_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE |
		     LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r & landlock_handled_fs(abi);
}

uint64_t landlock_exec_rights(void)
{
	return LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE;
}

static int warn(struct landlock_plan *plan, const char *msg)
{
	char **w = reallocarray(plan->warnings, plan->n_warnings + 1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	plan->warnings = w;
	w[plan->n_warnings] = strdup(msg);
	if (!w[plan->n_warnings])
		return -ENOMEM;
	plan->n_warnings++;
	return 0;
}

/* A feature the ABI lacks: an error, or a recorded warning under best effort. */
static int need(struct landlock_plan *plan, bool best_effort, int want_abi,
		const char *what, struct diag *d)
{
	char msg[300];

	if (plan->abi >= want_abi)
		return 0;
	snprintf(msg, sizeof(msg), "%s needs Landlock ABI %d, this kernel has %d", what,
		 want_abi, plan->abi);
	if (best_effort) {
		char w[340];

		snprintf(w, sizeof(w), "not enforced: %s", msg);
		return warn(plan, w);
	}
	return diag_err(d, -EOPNOTSUPP, "cannot enforce policy: %s (pass --best-effort to run "
			"without it)", msg);
}

static int push_path(struct landlock_plan *plan, const char *path, uint64_t access,
		     bool optional, bool exec)
{
	struct landlock_path_rule *q =
		reallocarray(plan->paths, plan->n_paths + 1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	plan->paths = q;
	q[plan->n_paths++] = (struct landlock_path_rule){ path, access, optional, exec };
	return 0;
}

static int push_ports(struct landlock_plan *plan, const struct policy_ports *r, size_t n,
		      uint64_t access)
{
	for (size_t i = 0; i < n; i++) {
		for (unsigned port = r[i].lo; port <= r[i].hi; port++) {
			struct landlock_port_rule *q =
				reallocarray(plan->ports, plan->n_ports + 1, sizeof(*q));

			if (!q)
				return -ENOMEM;
			plan->ports = q;
			q[plan->n_ports++] = (struct landlock_port_rule){ access, (uint16_t)port };
		}
	}
	return 0;
}

static int compile_paths(const struct policy *p, struct landlock_plan *plan)
{
	int r = 0;
	int abi = plan->abi;

	for (size_t i = 0; p->system_set && i < sysset_len && r == 0; i++)
		r = push_path(plan, sysset[i].path,
			      landlock_rights(sysset[i].access, p->exec_restricted, abi), true,
			      false);
	for (size_t i = 0; i < p->n_paths && r == 0; i++)
		r = push_path(plan, p->paths[i].path,
			      landlock_rights(p->paths[i].access, p->exec_restricted, abi), false,
			      false);
	for (size_t i = 0; i < p->n_exec && r == 0; i++)
		r = push_path(plan, p->exec[i].path,
			      landlock_exec_rights() & landlock_handled_fs(abi), false, true);
	return r;
}

static int compile_net(const struct policy *p, struct landlock_plan *plan, bool best_effort,
		       struct diag *d)
{
	uint64_t net = (p->tcp_connect_any ? 0 : LANDLOCK_ACCESS_NET_CONNECT_TCP) |
		       (p->tcp_bind_any ? 0 : LANDLOCK_ACCESS_NET_BIND_TCP);
	int r;

	if (!net)
		return 0;
	r = need(plan, best_effort, 4, "restricting TCP connect and bind", d);
	if (r < 0 || plan->abi < 4)
		return r;
	plan->handled_net = net;
	if (!p->tcp_connect_any) {
		r = push_ports(plan, p->connect, p->n_connect, LANDLOCK_ACCESS_NET_CONNECT_TCP);
		if (r < 0)
			return r;
	}
	if (!p->tcp_bind_any)
		return push_ports(plan, p->bind, p->n_bind, LANDLOCK_ACCESS_NET_BIND_TCP);
	return 0;
}

int landlock_compile(const struct policy *p, int abi, bool best_effort,
		     struct landlock_plan *out, struct diag *d)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->abi = abi;
	r = need(out, best_effort, 1, "filesystem confinement", d);
	if (r == 0)
		r = need(out, best_effort, 3, "denying truncate outside write grants", d);
	if (r == 0)
		r = need(out, best_effort, 6, "scoping signals and abstract unix sockets", d);
	if (r == 0 && abi >= 1)
		r = compile_paths(p, out);
	if (r == 0)
		r = compile_net(p, out, best_effort, d);
	if (r < 0) {
		landlock_plan_release(out);
		return r;
	}
	out->handled_fs = landlock_handled_fs(abi);
	if (abi >= 6)
		out->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	return 0;
}

void landlock_plan_release(struct landlock_plan *plan)
{
	for (size_t i = 0; i < plan->n_warnings; i++)
		free(plan->warnings[i]);
	free(plan->warnings);
	free(plan->paths);
	free(plan->ports);
	memset(plan, 0, sizeof(*plan));
}

/* Grants access beneath the inode open at fd (borrowed); name is for the
 * message.  Returns 0 or -errno with d filled. */
static int add_fd_rule(int rfd, int fd, uint64_t access, const char *name, struct diag *d)
{
	struct sl_landlock_path_beneath_attr attr = { .allowed_access = access, .parent_fd = fd };
	int r = access ? sys_landlock_add_rule(rfd, SL_LANDLOCK_RULE_PATH_BENEATH, &attr, 0) : 0;

	if (r < 0)
		return diag_err(d, r, "cannot add landlock rule for '%s': %s", name, strerror(-r));
	return 0;
}

/* The kernel opens a dynamic binary's ELF interpreter with the same EXECUTE
 * check as the binary (open_exec), so an allowed dynamic program cannot start
 * unless its loader is executable too.  Granting the loader means it can be
 * run directly on any readable file (ATTACKS.md 5): closing that needs exec
 * inspection by the supervisor; schemas/policy.md says so. */
static int add_interp_rule(int rfd, const char *path, uint64_t access, struct diag *d)
{
	char interp[256];
	struct stat st;
	int r, fd = sys_open(path, O_RDONLY);

	if (fd < 0)
		return 0; /* unreadable: exec will fail and say so */
	r = elf_interp(fd, interp, sizeof(interp));
	close(fd);
	if (r <= 0)
		return 0;
	fd = sys_open(interp, O_PATH);
	if (fd < 0)
		return diag_err(d, fd, "cannot grant '%s', the ELF interpreter of '%s': %s",
				interp, path, strerror(-fd));
	/* PT_INTERP is file content the sandbox may have written: only ever
	 * grant one regular file through it. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || interp[0] != '/') {
		close(fd);
		return diag_err(d, -EINVAL, "cannot grant '%s', the ELF interpreter of '%s': "
				"not an absolute path to a regular file", interp, path);
	}
	r = add_fd_rule(rfd, fd, access, interp, d);
	close(fd);
	return r;
}

/* Adds one path rule.  Returns 0, 1 if skipped (missing and optional or best
 * effort), or -errno with d filled. */
static int add_path_rule(int rfd, struct landlock_plan *plan,
			 const struct landlock_path_rule *rule, bool best_effort, struct diag *d)
{
	uint64_t access = rule->access;
	struct stat st;
	int r, fd = sys_open(rule->path, O_PATH);

	if (fd < 0) {
		char msg[400];

		if (rule->optional)
			return 1;
		snprintf(msg, sizeof(msg), "cannot grant '%s': %s", rule->path, strerror(-fd));
		if (best_effort)
			return warn(plan, msg) < 0 ? -ENOMEM : 1;
		return diag_err(d, fd, "%s", msg);
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return diag_err(d, r, "cannot grant '%s': %s", rule->path, strerror(-r));
	}
	/* An [exec] allow entry names one program: a directory (or a symlink a
	 * previous run planted to one) would grant read and execute on a tree. */
	if (rule->exec && !S_ISREG(st.st_mode)) {
		close(fd);
		return diag_err(d, -EINVAL, "cannot allow executing '%s': not a regular file",
				rule->path);
	}
	if (!S_ISDIR(st.st_mode))
		access &= FS_FILE_RIGHTS;
	r = add_fd_rule(rfd, fd, access, rule->path, d);
	close(fd);
	if (r == 0 && rule->exec) /* a regular file, checked above */
		r = add_interp_rule(rfd, rule->path, access, d);
	return r;
}

int landlock_build(struct landlock_plan *plan, bool best_effort, int *fd_out, struct diag *d)
{
	struct sl_landlock_ruleset_attr attr = {
		.handled_access_fs = plan->handled_fs,
		.handled_access_net = plan->handled_net,
		.scoped = plan->scoped,
	};
	int rfd, r = 0;

	*fd_out = -1;
	if (plan->abi < 1)
		return 0;
	rfd = sys_landlock_create_ruleset(&attr, SL_RULESET_ATTR_SIZE(plan->abi), 0);
	if (rfd < 0)
		return diag_err(d, rfd, "cannot create landlock ruleset: %s", strerror(-rfd));
	for (size_t i = 0; i < plan->n_paths && r >= 0; i++)
		r = add_path_rule(rfd, plan, &plan->paths[i], best_effort, d);
	for (size_t i = 0; i < plan->n_ports && r >= 0; i++) {
		struct sl_landlock_net_port_attr na = { plan->ports[i].access, plan->ports[i].port };

		r = sys_landlock_add_rule(rfd, SL_LANDLOCK_RULE_NET_PORT, &na, 0);
		if (r < 0)
			diag_set(d, "cannot add landlock rule for port %u: %s",
				 plan->ports[i].port, strerror(-r));
	}
	if (r < 0) {
		close(rfd);
		return r;
	}
	*fd_out = rfd;
	return 0;
}

int landlock_apply(int ruleset_fd)
{
	if (ruleset_fd < 0)
		return 0;
	return sys_landlock_restrict_self(ruleset_fd, 0);
}

int landlock_abi(void)
{
	int v = sys_landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : v;
}
