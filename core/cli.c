#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

enum {
	OPT_EXEC = 256,
	OPT_NET_ALLOW,
	OPT_NET_DENY,
	OPT_NET_BIND,
	OPT_CLEAN_ENV,
	OPT_ENV,
	OPT_CWD,
	OPT_MAX_OPEN,
	OPT_BEST_EFFORT,
	OPT_DENY_ARGV,
	OPT_DENY,
	OPT_HIDE_STAT,
	OPT_APPEND,
	OPT_POLICY_OUT,
	OPT_LOG_DECISIONS,
};

static const struct option run_opts[] = {
	{ "system", no_argument, NULL, 'S' },
	{ "read", required_argument, NULL, 'r' },
	{ "write", required_argument, NULL, 'w' },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "hide-stat", no_argument, NULL, OPT_HIDE_STAT },
	{ "net-allow", required_argument, NULL, OPT_NET_ALLOW },
	{ "net-deny", required_argument, NULL, OPT_NET_DENY },
	{ "net-allow-bind", required_argument, NULL, OPT_NET_BIND },
	{ "profile", required_argument, NULL, 'p' },
	{ "clean-env", no_argument, NULL, OPT_CLEAN_ENV },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "cwd", required_argument, NULL, OPT_CWD },
	{ "max-open-files", required_argument, NULL, OPT_MAX_OPEN },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-processes", required_argument, NULL, 'P' },
	{ "max-memory", required_argument, NULL, 'm' },
	{ "deny-argv", required_argument, NULL, OPT_DENY_ARGV },
	{ "log-decisions", required_argument, NULL, OPT_LOG_DECISIONS },
	{ "best-effort", no_argument, NULL, OPT_BEST_EFFORT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char run_short[] = "+:Sr:w:p:t:P:m:h";

static const struct option policy_opts[] = {
	{ "policy", required_argument, NULL, 'p' },
	{ "log-decisions", required_argument, NULL, OPT_LOG_DECISIONS },
	{ "best-effort", no_argument, NULL, OPT_BEST_EFFORT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char policy_short[] = "+:p:h";

static const struct option learn_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "policy", required_argument, NULL, 'p' },
	{ "policy-out", required_argument, NULL, OPT_POLICY_OUT },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char learn_short[] = "+:o:p:t:h";

static const char *cmd_name(enum cli_cmd c)
{
	return c == CLI_RUN ? "run" : c == CLI_ENFORCE ? "enforce" : c == CLI_LEARN ? "learn" : "check";
}

/* A positive decimal number that fits; "30", not "30s" or "-1". */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9') /* strtoull would skip blanks and take a sign */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static const struct policy_origin flag_origin = { 0 };

/* Applies one option of `run` (policy flags); returns 0 or -errno. */
static int run_option(struct cli *c, int opt, const char *arg, const char *flag,
		      struct diag *d)
{
	struct policy *p = &c->policy;

	switch (opt) {
	case 'S':
		p->system_set = true;
		return 0;
	case 'r':
	case 'w':
		return policy_add_path(p, arg, opt == 'r' ? POLICY_READ : POLICY_READ | POLICY_WRITE,
				       flag_origin, d);
	case OPT_EXEC:
		return policy_add_exec(p, arg, flag_origin, d);
	case OPT_DENY:
		return policy_add_deny(p, arg, flag_origin, d);
	case OPT_HIDE_STAT:
		p->hide_stat = true;
		return 0;
	case OPT_NET_ALLOW:
		return policy_add_net_allow(p, arg, flag_origin, d);
	case OPT_NET_DENY:
		return policy_add_net_deny(p, arg, flag_origin, d);
	case OPT_NET_BIND:
		return policy_add_bind(p, arg, flag_origin, d);
	case OPT_CLEAN_ENV:
		p->clean_env = true;
		return 0;
	case OPT_ENV:
		return policy_add_env(p, arg, flag_origin, d);
	case OPT_CWD:
		if (arg[0] != '/')
			return diag_set(d, "relative path '%s': --%s must be absolute", arg, flag);
		free(p->cwd);
		p->cwd = strdup(arg);
		return p->cwd ? 0 : -ENOMEM;
	case OPT_MAX_OPEN:
		if (parse_count(arg, &p->open_files) < 0)
			return diag_set(d, "invalid --%s '%s': expected a positive integer", flag, arg);
		return 0;
	case 't':
		if (parse_count(arg, &p->timeout_sec) < 0)
			return diag_set(d, "invalid --%s '%s': expected whole seconds > 0", flag, arg);
		return 0;
	case 'P': {
		uint64_t v;

		if (parse_count(arg, &v) < 0)
			return diag_set(d, "invalid --%s '%s': expected a positive integer", flag, arg);
		/* Limits merge restrictively with the profile's. */
		if (!p->max_processes || v < p->max_processes) {
			p->max_processes = v;
			p->max_processes_at = flag_origin;
		}
		return 0;
	}
	case 'm': {
		uint64_t v;

		if (policy_parse_size(arg, &v) < 0)
			return diag_set(d, "invalid --%s '%s': expected a size such as 512M or 2G",
					flag, arg);
		if (!p->max_memory || v < p->max_memory)
			p->max_memory = v;
		return 0;
	}
	case OPT_DENY_ARGV:
		return policy_add_deny_argv(p, arg, flag_origin, d);
	}
	return diag_set(d, "internal error: unhandled option %d", opt);
}

/* argv[at] is the word getopt was looking at; optopt names a short option
 * (or, for "--long=value" on a flag, the flag's value). */
static int bad_option(const struct cli *c, int opt, char **argv, int at, struct diag *d)
{
	const char *arg = argv[at], *name = cmd_name(c->cmd);
	bool is_long = strncmp(arg, "--", 2) == 0;
	char opt_name[64];

	if (is_long)
		snprintf(opt_name, sizeof(opt_name), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(opt_name, sizeof(opt_name), "-%c", optopt);
	if (opt == ':')
		return diag_set(d, "option '%s' needs an argument (see 'sandlock %s --help')",
				opt_name, name);
	if (is_long && optopt && strchr(arg, '='))
		return diag_set(d, "option '%s' takes no argument (see 'sandlock %s --help')",
				opt_name, name);
	return diag_set(d, "unknown option '%s' for 'sandlock %s' (see 'sandlock %s --help')",
			opt_name, name, name);
}

/* The option's long name, for messages that do not depend on spelling. */
static const char *flag_text(int opt)
{
	for (const struct option *o = run_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "option";
}

/* learn's own options; 1 when opt is none of them. */
static int learn_option(struct cli *c, int opt, const char *arg, struct diag *d)
{
	switch (opt) {
	case 'o':
	case OPT_POLICY_OUT:
		if (!*arg)
			return diag_set(d, "invalid --%s '': expected a file name",
					opt == 'o' ? "output" : "policy-out");
		*(opt == 'o' ? &c->trace_out : &c->policy_out) = arg;
		return 0;
	case OPT_APPEND:
		c->append = true;
		return 0;
	}
	return 1;
}

static int parse_options(struct cli *c, int argc, char **argv, struct diag *d)
{
	bool run = c->cmd == CLI_RUN, learn = c->cmd == CLI_LEARN;
	int opt, r;

	optind = 0; /* full GNU reset: the tests parse many command lines */
	opterr = 0;
	for (;;) {
		int at = optind ? optind : 1;

		opt = getopt_long(argc, argv, run ? run_short : learn ? learn_short : policy_short,
				  run ? run_opts : learn ? learn_opts : policy_opts, NULL);
		if (opt == -1)
			break;
		if (opt == '?' || opt == ':')
			return bad_option(c, opt, argv, at, d);
		if (opt == 'h') {
			c->help_for = c->cmd;
			c->cmd = CLI_HELP;
			return 0;
		}
		if (learn && (r = learn_option(c, opt, optarg, d)) <= 0) {
			if (r < 0)
				return r;
		} else if (opt == OPT_BEST_EFFORT) {
			c->best_effort = true;
		} else if (opt == OPT_LOG_DECISIONS) {
			if (c->cmd == CLI_CHECK)
				return diag_set(d, "option '--log-decisions' is for 'sandlock run' and "
						"'sandlock enforce', not 'check'");
			if (!*optarg)
				return diag_set(d, "invalid --log-decisions '': expected a file "
						"name or '-'");
			c->log_decisions = optarg;
		} else if (opt == 'p') {
			if (!run && c->have_policy)
				return diag_set(d, "option '-p' given twice: 'sandlock %s' takes "
						"one policy", cmd_name(c->cmd));
			c->have_policy = true;
			r = policy_load(&c->policy, optarg, d);
			if (r < 0)
				return r;
		} else {
			r = run_option(c, opt, optarg, flag_text(opt), d);
			if (r < 0)
				return r;
		}
	}
	c->argv = argv + optind;
	return 0;
}

static int parse_command(struct cli *c, const char *name, struct diag *d)
{
	if (strcmp(name, "run") == 0)
		c->cmd = CLI_RUN;
	else if (strcmp(name, "enforce") == 0)
		c->cmd = CLI_ENFORCE;
	else if (strcmp(name, "check") == 0)
		c->cmd = CLI_CHECK;
	else if (strcmp(name, "learn") == 0)
		c->cmd = CLI_LEARN;
	else if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 ||
		 strcmp(name, "-h") == 0)
		c->cmd = CLI_HELP;
	else if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0)
		c->cmd = CLI_VERSION;
	else
		return diag_set(d, "unknown command '%s' (expected run, enforce, learn, check or "
				"help)", name);
	return 0;
}

static int help_topic(struct cli *c, int argc, char **argv, struct diag *d)
{
	c->help_for = CLI_HELP;
	if (argc < 3)
		return 0;
	if (parse_command(c, argv[2], d) < 0 || c->cmd == CLI_HELP || c->cmd == CLI_VERSION)
		return diag_set(d, "no help for '%s' (expected run, enforce, learn or check)",
				argv[2]);
	c->help_for = c->cmd;
	c->cmd = CLI_HELP;
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv, struct diag *d)
{
	int r;

	memset(c, 0, sizeof(*c));
	policy_init(&c->policy);
	if (argc < 2)
		return diag_set(d, "missing command (see 'sandlock --help')");
	r = parse_command(c, argv[1], d);
	if (r < 0 || c->cmd == CLI_VERSION)
		return r;
	if (c->cmd == CLI_HELP)
		return help_topic(c, argc, argv, d);
	r = parse_options(c, argc - 1, argv + 1, d);
	if (r < 0 || c->cmd == CLI_HELP)
		return r;
	if (c->cmd == CLI_ENFORCE && !c->have_policy)
		return diag_set(d, "'sandlock enforce' needs a policy: -p POLICY.toml");
	if (c->cmd == CLI_LEARN && !c->trace_out)
		c->trace_out = CLI_TRACE_DEFAULT;
	if (c->cmd == CLI_CHECK && c->argv[0])
		return diag_set(d, "unexpected argument '%s': 'sandlock check' runs no command",
				c->argv[0]);
	if (c->cmd != CLI_CHECK && !c->argv[0])
		return diag_set(d, "missing command to run: 'sandlock %s [OPTIONS] -- CMD "
				"[ARGS...]'", cmd_name(c->cmd));
	return 0;
}

void cli_release(struct cli *c)
{
	policy_release(&c->policy);
}
