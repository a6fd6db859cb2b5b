/* Landlock compile (pure) and build/apply (syscalls). */
#define _GNU_SOURCE
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

/* Records a warning in the plan; 0 or -ENOMEM. */
__attribute__((format(printf, 2, 3))) static int warn(struct landlock_plan *plan,
						      const char *fmt, ...)
{
	char **w = reallocarray(plan->warnings, plan->n_warnings + 1, sizeof(*w));
	va_list ap;
	int n;

	if (!w)
		return -ENOMEM;
	plan->warnings = w;
	va_start(ap, fmt);
	n = vasprintf(&w[plan->n_warnings], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	plan->n_warnings++;
	return 0;
}

/* What a policy asks of Landlock beyond what every ABI has, one entry per
 * right or scope (the ABI 1 filesystem rights count as one), with the ABI
 * that brought it.  When the kernel's ABI lacks one the policy needs, the
 * compile fails, or under best effort warns once with `effect`: what the
 * sandbox then does differently. */
enum need { NEED_ALWAYS, NEED_WRITE_GRANT, NEED_CONNECT, NEED_BIND };

static const struct feature {
	int abi;
	enum need need;
	const char *effect;
	const char *what;
} features[] = {
	{ 1, NEED_ALWAYS, "not enforced", "filesystem confinement" },
	/* Before ABI 2 the kernel refuses every rename and link that changes
	 * directory: nothing is weakened, but write grants work differently. */
	{ 2, NEED_WRITE_GRANT, "always refused",
	  "renaming and linking across directories in write grants" },
	{ 3, NEED_ALWAYS, "not enforced", "denying truncate outside write grants" },
	{ 4, NEED_CONNECT, "not enforced", "restricting TCP connect" },
	{ 4, NEED_BIND, "not enforced", "restricting TCP bind" },
	{ 5, NEED_ALWAYS, "not enforced", "denying device ioctls outside write grants" },
	{ 6, NEED_ALWAYS, "not enforced", "scoping abstract unix sockets" },
	{ 6, NEED_ALWAYS, "not enforced", "scoping signals" },
};

static bool feature_needed(const struct feature *f, const struct policy *p, int abi)
{
	switch (f->need) {
	case NEED_WRITE_GRANT:
		/* Without Landlock (ABI 0) nothing is refused, so nothing to say. */
		for (size_t i = 0; i < p->n_paths && abi >= 1; i++)
			if (p->paths[i].access & POLICY_WRITE)
				return true;
		return false;
	case NEED_CONNECT:
		return !p->tcp_connect_any;
	case NEED_BIND:
		return !p->tcp_bind_any;
	case NEED_ALWAYS:
		break;
	}
	return true;
}

/* Every needed feature the ABI lacks: the first is an error, or each is a
 * recorded warning under best effort. */
static int check_features(const struct policy *p, struct landlock_plan *plan, bool best_effort,
			  struct diag *d)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];
		char msg[300];

		if (plan->abi >= f->abi || !feature_needed(f, p, plan->abi))
			continue;
		snprintf(msg, sizeof(msg), "%s needs Landlock ABI %d, this kernel has %d", f->what,
			 f->abi, plan->abi);
		if (!best_effort)
			return diag_err(d, -EOPNOTSUPP, "cannot enforce policy: %s (pass "
					"--best-effort to run without it)", msg);
		if (warn(plan, "%s: %s", f->effect, msg) < 0)
			return -ENOMEM;
	}
	return 0;
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

/* TCP rules for ABI 4 and later (check_features() dealt with older ones). */
static int compile_net(const struct policy *p, struct landlock_plan *plan)
{
	int r = 0;

	if (!p->tcp_connect_any) {
		plan->handled_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
		r = push_ports(plan, p->connect, p->n_connect, LANDLOCK_ACCESS_NET_CONNECT_TCP);
	}
	if (!p->tcp_bind_any && r == 0) {
		plan->handled_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
		r = push_ports(plan, p->bind, p->n_bind, LANDLOCK_ACCESS_NET_BIND_TCP);
	}
	return r;
}

int landlock_compile(const struct policy *p, int abi, bool best_effort,
		     struct landlock_plan *out, struct diag *d)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->abi = abi;
	r = check_features(p, out, best_effort, d);
	if (r == 0 && abi >= 1)
		r = compile_paths(p, out);
	if (r == 0 && abi >= 4)
		r = compile_net(p, out);
	if (r < 0) {
		landlock_plan_release(out);
		if (r == -ENOMEM)
			diag_err(d, r, "cannot compile the landlock rules: %s", strerror(ENOMEM));
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

/* Reads the PT_INTERP of the regular file open (O_PATH) at fd, named path.
 * It is read through /proc/self/fd, which reopens that very inode (a
 * regular file: never a device or FIFO, whose open has side effects):
 * opening path again could reach another file renamed there meanwhile, and
 * we would grant the interpreter of a binary other than the one granted.  A file
 * sandlock may not read (mode 0711 of another user), or whose headers make
 * no sense, gets no interpreter and a warning: if it is dynamically linked
 * its execve then fails with EACCES, because the kernel opens the
 * interpreter with the same EXECUTE check, unless a grant covers it.
 * Returns 1 with out filled, 0 for none (static, script, or warned), or
 * -ENOMEM. */
static int read_interp(struct landlock_plan *plan, int fd, const char *path, char *out,
		       size_t len)
{
	const char *fails = "; executing it fails unless it is statically linked or its "
			    "interpreter is granted too";
	char self[64];
	int r, rd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	rd = sys_open(self, O_RDONLY);
	if (rd < 0)
		return warn(plan, "cannot read '%s' to find its ELF interpreter: %s%s", path,
			    strerror(-rd), fails);
	r = elf_interp(rd, out, len);
	close(rd);
	if (r == -EINVAL)
		return warn(plan, "cannot find the ELF interpreter of '%s': malformed or not a "
			    "64-bit ELF file%s", path, fails);
	if (r < 0)
		return warn(plan, "cannot read '%s' to find its ELF interpreter: %s%s", path,
			    strerror(-r), fails);
	return r;
}

/* The kernel opens a dynamic binary's ELF interpreter with the same EXECUTE
 * check as the binary (open_exec), so an allowed dynamic program cannot start
 * unless its loader is executable too.  Granting the loader means it can be
 * run directly on any readable file (ATTACKS.md 5): closing that needs exec
 * inspection by the supervisor; schemas/policy.md says so.  fd is the [exec]
 * entry's O_PATH fd, already granted. */
static int add_interp_rule(int rfd, struct landlock_plan *plan, int fd, const char *path,
			   uint64_t access, struct diag *d)
{
	char interp[256];
	struct stat st;
	int ifd, r = read_interp(plan, fd, path, interp, sizeof(interp));

	if (r <= 0)
		return r < 0 ? diag_err(d, r, "cannot grant '%s': %s", path, strerror(-r)) : 0;
	/* PT_INTERP is file content the sandbox may have written: only ever
	 * grant one regular file through it, named absolutely (a relative
	 * name would resolve against sandlock's working directory). */
	if (interp[0] != '/')
		return diag_err(d, -EINVAL, "cannot grant '%s', the ELF interpreter of '%s': "
				"not an absolute path", interp, path);
	ifd = sys_open(interp, O_PATH);
	if (ifd < 0)
		return diag_err(d, ifd, "cannot grant '%s', the ELF interpreter of '%s': %s",
				interp, path, strerror(-ifd));
	if (fstat(ifd, &st) < 0 || !S_ISREG(st.st_mode))
		r = diag_err(d, -EINVAL, "cannot grant '%s', the ELF interpreter of '%s': "
			     "not a regular file", interp, path);
	else
		r = add_fd_rule(rfd, ifd, access, interp, d);
	close(ifd);
	return r;
}

/* A grant whose path cannot be opened: skipped if optional (system set),
 * a warning under best effort, else an error.  Returns 1 or -errno. */
static int missing_path(struct landlock_plan *plan, const struct landlock_path_rule *rule,
			int err, bool best_effort, struct diag *d)
{
	if (rule->optional)
		return 1;
	if (!best_effort)
		return diag_err(d, err, "cannot grant '%s': %s", rule->path, strerror(-err));
	if (warn(plan, "cannot grant '%s': %s", rule->path, strerror(-err)) < 0)
		return diag_err(d, -ENOMEM, "cannot grant '%s': %s", rule->path,
				strerror(ENOMEM));
	return 1;
}

/* Adds one path rule.  The path is looked up once, with O_PATH (no open
 * side effects, even on a device or FIFO planted there; symlinks followed
 * as execve and open would), and everything else, the file type, the rule
 * and an [exec] entry's interpreter, comes from that one inode.  Returns 0,
 * 1 if skipped (missing and optional or best effort), or -errno with d
 * filled. */
static int add_path_rule(int rfd, struct landlock_plan *plan,
			 const struct landlock_path_rule *rule, bool best_effort, struct diag *d)
{
	uint64_t access = rule->access;
	struct stat st;
	int r, fd = sys_open(rule->path, O_PATH);

	if (fd < 0)
		return missing_path(plan, rule, fd, best_effort, d);
	if (fstat(fd, &st) < 0) {
		r = -errno;
		diag_err(d, r, "cannot grant '%s': %s", rule->path, strerror(-r));
	} else if (rule->exec && !S_ISREG(st.st_mode)) {
		/* An [exec] allow entry names one program: a directory (or a
		 * symlink a previous run planted to one) would grant read and
		 * execute on a tree. */
		r = diag_err(d, -EINVAL, "cannot allow executing '%s': not a regular file",
			     rule->path);
	} else {
		if (!S_ISDIR(st.st_mode))
			access &= FS_FILE_RIGHTS;
		r = add_fd_rule(rfd, fd, access, rule->path, d);
		if (r == 0 && rule->exec)
			r = add_interp_rule(rfd, plan, fd, rule->path, access, d);
	}
	close(fd);
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
