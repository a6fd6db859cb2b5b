/* The `sandlock` command: parse, compile the policy for this kernel, run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "env.h"
#include "landlock.h"
#include "seccomp_filter.h"
#include "spawn.h"
#include "sup_setup.h"
#include "main.h"
#include "banned.h"

extern char **environ;

/* The compiled sandbox, ready for spawn; owns everything. */
struct prepared {
	struct landlock_plan plan;
	struct seccomp_filter filter;
	int ruleset_fd;
	char **env;
	char *path;
	struct sup_setup sup;
	size_t warned; /* warnings already printed */
};

/* Returns the decision log's write error, if any. */
static int prepared_release(struct prepared *s)
{
	int r = sup_setup_release(&s->sup);

	landlock_plan_release(&s->plan);
	seccomp_filter_release(&s->filter);
	if (s->ruleset_fd >= 0)
		close(s->ruleset_fd);
	env_free(s->env);
	free(s->path);
	return r;
}

/* Prints the warnings added since the last call (compile, then build). */
static void print_warnings(const struct landlock_plan *plan, size_t *shown)
{
	for (; *shown < plan->n_warnings; (*shown)++)
		fprintf(stderr, "sandlock: warning: %s\n", plan->warnings[*shown]);
}

/* Compiles the policy for this kernel (both layers); 0 or -errno with d. */
static int compile(const struct cli *c, struct prepared *s, struct diag *d)
{
	struct caps caps;
	int r;

	caps_probe_landlock(&caps);
	r = landlock_compile(&c->policy, caps.landlock_abi, c->best_effort, &s->plan, d);
	if (r < 0)
		return r;
	print_warnings(&s->plan, &s->warned);
	return seccomp_filter_compile(&c->policy, &s->filter, d);
}

static int prepare(const struct cli *c, struct event_sink *learn, struct prepared *s,
		   int *status, struct diag *d)
{
	const struct policy *p = &c->policy;
	int r = compile(c, s, d);

	*status = EXIT_SANDLOCK_FAILED;
	if (r == 0)
		r = landlock_build(&s->plan, c->best_effort, &s->ruleset_fd, d);
	if (r < 0)
		return r;
	print_warnings(&s->plan, &s->warned); /* build may add missing-path warnings */
	r = sup_setup_prepare(&s->sup, p, s->ruleset_fd, c->log_decisions, learn, d);
	if (r < 0)
		return r;
	s->env = env_build(environ, p->clean_env, p->env, p->n_env);
	if (!s->env)
		return diag_set(d, "cannot build the environment: %s", strerror(ENOMEM));
	s->path = spawn_resolve(c->argv[0], s->env, p->cwd, status, d);
	return s->path ? 0 : -ENOENT;
}

int main_run(const struct cli *c, struct event_sink *learn, const int *stop_fd,
	     const char *stop_why, struct memwatch_peaks *peaks)
{
	struct prepared s = { .ruleset_fd = -1 };
	struct diag d = { { 0 } };
	int status;
	int r = prepare(c, learn, &s, &status, &d);

	/* Every exit 125 says why: some failures deep in compile (ENOMEM)
	 * return an errno without words. */
	if (r < 0 && !d.msg[0])
		diag_set(&d, "cannot prepare the sandbox: %s", strerror(-r));
	if (r == 0) {
		struct spawn_opts o = {
			.path = s.path,
			.argv = c->argv,
			.envp = s.env,
			.cwd = c->policy.cwd,
			.open_files = c->policy.open_files,
			.timeout_sec = c->policy.timeout_sec,
			.ruleset_fd = s.ruleset_fd,
			.filter = &s.filter,
			.notif = s.sup.notif.len ? &s.sup.notif : NULL,
			.sup = &s.sup.opts,
			.notif_fork = s.sup.traps_exec,
			.max_memory = c->policy.max_memory,
			.stop_fd = stop_fd,
			.stop_why = stop_why,
			.peaks = peaks,
		};
		status = spawn_run(&o, &d);
	}
	if (d.msg[0])
		fprintf(stderr, "sandlock: %s\n", d.msg);
	r = prepared_release(&s);
	/* The command's status stands, but a decision log that lost lines
	 * must not look complete. */
	if (r < 0)
		fprintf(stderr, "sandlock: warning: decision log '%s' is incomplete: %s\n",
			c->log_decisions, strerror(-r));
	return status;
}

/* The default seccomp deny list, with what [syscalls] extra_allow may
 * relax, so a user can see what a policy starts from. */
static void print_denied(FILE *out)
{
	fputs("\nseccomp denies by default (EPERM unless noted; * = relaxable with "
	      "[syscalls] extra_allow):\n", out);
	for (size_t i = 0; i < seccomp_default_denied_len; i++) {
		const struct seccomp_denied *e = &seccomp_default_denied[i];

		fprintf(out, "  %c %-28s %s\n", e->relaxable ? '*' : ' ', e->name, e->why);
	}
}

static int cmd_check(const struct cli *c)
{
	struct prepared s = { .ruleset_fd = -1 };
	struct diag d = { { 0 } };
	struct caps caps;
	int r;

	if (!c->have_policy) {
		caps_probe_all(&caps);
		caps_print(&caps, stdout);
		print_denied(stdout);
		return 0;
	}
	r = compile(c, &s, &d);
	if (r == 0)
		r = policy_print(&c->policy, stdout);
	if (r == 0 && c->policy.exec_restricted)
		fputs("sandlock: note: the ELF interpreter of each [exec] allow binary is "
		      "executable too, and can load any readable file as a program until "
		      "exec inspection lands\n", stderr);
	prepared_release(&s);
	if (r < 0) {
		fprintf(stderr, "sandlock: %s\n", d.msg[0] ? d.msg : strerror(-r));
		return EXIT_SANDLOCK_FAILED;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sandlock: cannot write the policy: %s\n", strerror(errno));
		return EXIT_SANDLOCK_FAILED;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct diag d = { { 0 } };
	struct cli c;
	int status;

	if (cli_parse(&c, argc, argv, &d) < 0) {
		fprintf(stderr, "sandlock: %s\n", d.msg[0] ? d.msg : "out of memory");
		cli_release(&c);
		return EXIT_SANDLOCK_FAILED;
	}
	switch (c.cmd) {
	case CLI_HELP:
		fputs(cli_usage(c.help_for), stdout);
		status = 0;
		break;
	case CLI_VERSION:
		puts("sandlock " SANDLOCK_VERSION);
		status = 0;
		break;
	case CLI_CHECK:
		status = cmd_check(&c);
		break;
	case CLI_LEARN:
		status = cmd_learn(&c);
		break;
	default:
		status = main_run(&c, NULL, NULL, NULL, NULL);
		break;
	}
	cli_release(&c);
	return status;
}
