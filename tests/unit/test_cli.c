/* Unit tests of the `sandlock` command line (cli_parse): good command lines
 * and the struct they produce, and bad ones with their exact message.  The
 * policy files -p names are written to a temporary directory by the group
 * setup, so their paths appear in messages as "<dir>/name.toml". */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 64

static char dir[64];
static char pol_a[128], pol_b[128], pol_bad[128], pol_dir[128], pol_missing[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sl-unit-cli.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(pol_a, sizeof(pol_a), "%s/a.toml", dir);
	snprintf(pol_b, sizeof(pol_b), "%s/b.toml", dir);
	snprintf(pol_bad, sizeof(pol_bad), "%s/bad.toml", dir);
	snprintf(pol_dir, sizeof(pol_dir), "%s/sub.toml", dir);
	snprintf(pol_missing, sizeof(pol_missing), "%s/missing.toml", dir);
	write_file(pol_a, "[filesystem]\nread = [\"/srv\"]\n[limits]\ntimeout = 10\n");
	write_file(pol_b, "[filesystem]\nwrite = [\"/srv\", \"/out\"]\n[network]\nallow = [\":80\"]\n");
	write_file(pol_bad, "[filesystem]\nwirte = []\n");
	return mkdir(pol_dir, 0755);
}

static int teardown(void **state)
{
	(void)state;
	unlink(pol_a);
	unlink(pol_b);
	unlink(pol_bad);
	rmdir(pol_dir);
	return rmdir(dir);
}

/* Builds a mutable argv from a NULL-terminated list (getopt permutes and
 * cli.argv points into it, so it must outlive the parse). */
struct args {
	int argc;
	char *argv[MAX_ARGS];
};

static void make_args(struct args *a, const char *const *words)
{
	a->argc = 0;
	for (; *words; words++) {
		assert_true(a->argc < MAX_ARGS - 1);
		a->argv[a->argc++] = (char *)*words;
	}
	a->argv[a->argc] = NULL;
}

#define ARGV(...) ((const char *const[]){ "sandlock", __VA_ARGS__, NULL })

static void parse_good(struct cli *c, struct args *a, const char *const *words)
{
	struct diag d = { { 0 } };
	int r;

	make_args(a, words);
	r = cli_parse(c, a->argc, a->argv, &d);
	if (r != 0)
		fail_msg("cli_parse(%s ...) = %d: %s", words[1] ? words[1] : "", r, d.msg);
}

/* Parses words expecting failure with exactly the message want.  Prints a
 * mismatch and returns 1 (so a table reports every bad case), else 0; *err
 * gets cli_parse's return value. */
static int check_bad(const char *const *words, const char *want, int *err)
{
	struct args a;
	struct cli c;
	struct diag d = { { 0 } };
	int r;

	make_args(&a, words);
	r = cli_parse(&c, a.argc, a.argv, &d);
	cli_release(&c);
	if (err)
		*err = r;
	if (r >= 0 || strcmp(d.msg, want) != 0) {
		char line[512] = "";
		size_t used = 0;

		for (int i = 0; i < a.argc && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "'%s' ", a.argv[i]);
		print_error("%s\n   got r=%d '%s'\n  want '%s'\n", line, r, d.msg, want);
		return 1;
	}
	return 0;
}

/* Expects failure with exactly the message want; returns the error. */
static int parse_bad(const char *const *words, const char *want)
{
	int r;

	assert_int_equal(check_bad(words, want, &r), 0);
	return r;
}

static void assert_argv(char **argv, const char *const *want)
{
	size_t i;

	assert_non_null(argv);
	for (i = 0; want[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
}

static const struct policy_path *grant(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->n_paths; i++)
		if (strcmp(p->paths[i].path, path) == 0)
			return &p->paths[i];
	fail_msg("no grant for '%s'", path);
	return NULL;
}

/* ---- good command lines ---- */

static void run_every_flag(void **state)
{
	struct args a;
	struct cli c;

	(void)state;
	parse_good(&c, &a,
		   ARGV("run", "-S", "-r", "/usr", "--read", "/etc", "-w", "/tmp/a", "--write=/tmp/b",
			"--exec", "/bin/sh", "--net-allow", ":443", "--net-allow", "udp://*:*",
			"--net-allow-bind", "8080-8081", "-p", pol_a, "--profile", pol_b,
			"--clean-env", "--env", "A=1", "--env=B=x=y", "--cwd", "/tmp",
			"--max-open-files", "64", "-t", "30", "--best-effort", "--", "cmd", "-x",
			"--", "arg"));
	assert_int_equal(c.cmd, CLI_RUN);
	assert_true(c.best_effort);
	assert_true(c.have_policy);
	assert_true(c.policy.system_set);
	assert_int_equal(c.policy.n_paths, 6);
	assert_int_equal(grant(&c.policy, "/usr")->access, POLICY_READ);
	assert_int_equal(grant(&c.policy, "/etc")->access, POLICY_READ);
	assert_int_equal(grant(&c.policy, "/tmp/a")->access, POLICY_READ | POLICY_WRITE);
	assert_int_equal(grant(&c.policy, "/tmp/b")->access, POLICY_READ | POLICY_WRITE);
	/* From the profiles: a reads /srv, b writes it. */
	assert_int_equal(grant(&c.policy, "/srv")->access, POLICY_READ | POLICY_WRITE);
	assert_int_equal(grant(&c.policy, "/out")->access, POLICY_READ | POLICY_WRITE);
	/* A flag's rule has no file position. */
	assert_int_equal(grant(&c.policy, "/usr")->origin.line, 0);
	assert_int_equal(grant(&c.policy, "/srv")->origin.line, 2);
	assert_true(c.policy.exec_restricted);
	assert_int_equal(c.policy.n_exec, 1);
	assert_string_equal(c.policy.exec[0].path, "/bin/sh");
	/* ":443" and ":80" cover UDP per port: supervised, so the supervisor
	 * performs every TCP connect and the child's Landlock allows none. */
	assert_true(policy_net_supervised(&c.policy));
	assert_int_equal(c.policy.n_connect, 0);
	assert_true(c.policy.udp_any);
	assert_false(c.policy.tcp_connect_any);
	assert_int_equal(c.policy.n_bind, 1);
	assert_int_equal(c.policy.bind[0].lo, 8080);
	assert_int_equal(c.policy.bind[0].hi, 8081);
	assert_true(c.policy.clean_env);
	assert_int_equal(c.policy.n_env, 2);
	assert_string_equal(c.policy.env[0], "A=1");
	assert_string_equal(c.policy.env[1], "B=x=y");
	assert_string_equal(c.policy.cwd, "/tmp");
	assert_int_equal(c.policy.open_files, 64);
	assert_int_equal(c.policy.timeout_sec, 30); /* the flag after the profile wins */
	assert_argv(c.argv, (const char *const[]){ "cmd", "-x", "--", "arg", NULL });
	cli_release(&c);
}

/* --net-allow and --net-deny add rules after the profiles' own, in
 * command-line order; a flag's rule has no file position. */
static void run_network_flags(void **state)
{
	struct args a;
	struct cli c;

	(void)state;
	parse_good(&c, &a,
		   ARGV("run", "--net-deny", "10.0.0.0/8", "-p", pol_b, "--net-allow",
			"example.com:443", "--net-deny=udp://*:53", "--net-allow=[::1]:8080", "x"));
	assert_int_equal(c.policy.n_net, 5);
	assert_int_equal(c.policy.n_net_allow, 3);
	assert_true(c.policy.net[0].deny);
	assert_int_equal(c.policy.net[0].kind, POLICY_NET_ADDR);
	assert_int_equal(c.policy.net[0].origin.line, 0);
	assert_false(c.policy.net[1].deny); /* ":80" from b */
	assert_int_equal(c.policy.net[1].origin.line, 4);
	assert_string_equal(c.policy.net[2].host, "example.com");
	assert_true(c.policy.net[3].deny);
	assert_int_equal(c.policy.net[3].proto, POLICY_NET_UDP);
	assert_int_equal(c.policy.net[4].kind, POLICY_NET_ADDR);
	assert_int_equal(c.policy.net[4].prefix, 128);
	assert_true(policy_net_supervised(&c.policy));
	/* Supervised: no TCP connect of the child's own, UDP sockets on. */
	assert_false(c.policy.tcp_connect_any);
	assert_true(c.policy.udp_any);
	assert_int_equal(c.policy.n_connect, 0);
	cli_release(&c);

	/* Deny rules only: default allow, every connect by the supervisor. */
	parse_good(&c, &a, ARGV("run", "--net-deny", "tcp://*:25", "x"));
	assert_int_equal(c.policy.n_net, 1);
	assert_false(c.policy.tcp_connect_any);
	assert_true(c.policy.udp_any);
	cli_release(&c);
}

static void run_flags_after_profile_and_short_forms(void **state)
{
	struct args a;
	struct cli c;

	(void)state;
	parse_good(&c, &a, ARGV("run", "-t5", "-p", pol_a, "-Sr/x", "--timeout=7", "ls"));
	assert_true(c.policy.system_set);
	assert_int_equal(grant(&c.policy, "/x")->access, POLICY_READ);
	assert_int_equal(c.policy.timeout_sec, 7);
	assert_false(c.best_effort);
	assert_argv(c.argv, (const char *const[]){ "ls", NULL });
	cli_release(&c);

	/* A looser profile does not undo an earlier, stricter flag (limits
	 * merge to the smallest). */
	parse_good(&c, &a, ARGV("run", "-t", "5", "--profile", pol_a, "ls"));
	assert_int_equal(c.policy.timeout_sec, 5);
	cli_release(&c);
}

static void run_options_after_command_are_its_own(void **state)
{
	struct args a;
	struct cli c;

	(void)state;
	parse_good(&c, &a, ARGV("run", "-S", "ls", "-l", "--read", "/etc", "-p", "x", "--help"));
	assert_int_equal(c.cmd, CLI_RUN);
	assert_int_equal(c.policy.n_paths, 0);
	assert_false(c.have_policy);
	assert_argv(c.argv, (const char *const[]){ "ls", "-l", "--read", "/etc", "-p", "x",
						   "--help", NULL });
	cli_release(&c);

	/* After "--" even our own options and "--" itself belong to CMD. */
	parse_good(&c, &a, ARGV("run", "--", "-S", "--", "--help"));
	assert_false(c.policy.system_set);
	assert_int_equal(c.cmd, CLI_RUN);
	assert_argv(c.argv, (const char *const[]){ "-S", "--", "--help", NULL });
	cli_release(&c);

	parse_good(&c, &a, ARGV("run", "/bin/true"));
	assert_argv(c.argv, (const char *const[]){ "/bin/true", NULL });
	cli_release(&c);

	/* A lone "-" is a command name, not an option. */
	parse_good(&c, &a, ARGV("run", "-", "x"));
	assert_argv(c.argv, (const char *const[]){ "-", "x", NULL });
	cli_release(&c);
}

static void enforce_with_policy(void **state)
{
	struct args a;
	struct cli c;
	char opt[160];

	(void)state;
	parse_good(&c, &a, ARGV("enforce", "-p", pol_a, "--", "/bin/true", "-p"));
	assert_int_equal(c.cmd, CLI_ENFORCE);
	assert_true(c.have_policy);
	assert_false(c.best_effort);
	assert_int_equal(c.policy.n_paths, 1);
	assert_int_equal(c.policy.timeout_sec, 10);
	assert_int_equal(c.policy.n_sources, 1);
	assert_string_equal(c.policy.sources[0], pol_a);
	assert_argv(c.argv, (const char *const[]){ "/bin/true", "-p", NULL });
	cli_release(&c);

	parse_good(&c, &a, ARGV("enforce", "--best-effort", "--policy", pol_b, "make", "-j4"));
	assert_true(c.best_effort);
	assert_int_equal(c.policy.n_net_allow, 1);
	assert_argv(c.argv, (const char *const[]){ "make", "-j4", NULL });
	cli_release(&c);

	snprintf(opt, sizeof(opt), "--policy=%s", pol_b);
	parse_good(&c, &a, ARGV("enforce", opt, "x"));
	assert_int_equal(c.policy.n_net_allow, 1);
	assert_argv(c.argv, (const char *const[]){ "x", NULL });
	cli_release(&c);
}

static void check_with_and_without_policy(void **state)
{
	struct args a;
	struct cli c;

	(void)state;
	parse_good(&c, &a, ARGV("check"));
	assert_int_equal(c.cmd, CLI_CHECK);
	assert_false(c.have_policy);
	assert_argv(c.argv, (const char *const[]){ NULL });
	cli_release(&c);

	parse_good(&c, &a, ARGV("check", "-p", pol_a));
	assert_int_equal(c.cmd, CLI_CHECK);
	assert_true(c.have_policy);
	assert_int_equal(c.policy.timeout_sec, 10);
	cli_release(&c);

	parse_good(&c, &a, ARGV("check", "--best-effort", "--policy", pol_b, "--"));
	assert_true(c.best_effort);
	assert_true(c.have_policy);
	cli_release(&c);
}

static void help_topics(void **state)
{
	const struct {
		const char *const *argv;
		enum cli_cmd cmd, help_for;
	} cases[] = {
		{ ARGV("help"), CLI_HELP, CLI_HELP },
		{ ARGV("--help"), CLI_HELP, CLI_HELP },
		{ ARGV("-h"), CLI_HELP, CLI_HELP },
		{ ARGV("help", "run"), CLI_HELP, CLI_RUN },
		{ ARGV("help", "enforce"), CLI_HELP, CLI_ENFORCE },
		{ ARGV("help", "check"), CLI_HELP, CLI_CHECK },
		{ ARGV("run", "--help"), CLI_HELP, CLI_RUN },
		{ ARGV("run", "-S", "-h", "ls"), CLI_HELP, CLI_RUN },
		{ ARGV("enforce", "-h"), CLI_HELP, CLI_ENFORCE },
		{ ARGV("enforce", "--help", "-p"), CLI_HELP, CLI_ENFORCE },
		{ ARGV("check", "--help"), CLI_HELP, CLI_CHECK },
		{ ARGV("--version"), CLI_VERSION, CLI_RUN },
		{ ARGV("version"), CLI_VERSION, CLI_RUN },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct args a;
		struct cli c;

		parse_good(&c, &a, cases[i].argv);
		assert_int_equal(c.cmd, cases[i].cmd);
		if (c.cmd == CLI_HELP)
			assert_int_equal(c.help_for, cases[i].help_for);
		cli_release(&c);
	}
	assert_non_null(strstr(cli_usage(CLI_HELP), "usage: sandlock COMMAND"));
	assert_non_null(strstr(cli_usage(CLI_RUN), "usage: sandlock run "));
	assert_non_null(strstr(cli_usage(CLI_ENFORCE), "usage: sandlock enforce "));
	assert_non_null(strstr(cli_usage(CLI_CHECK), "usage: sandlock check "));
}

static void repeated_parses_reset_getopt(void **state)
{
	(void)state;
	/* getopt keeps state between calls (optind, and the position inside a
	 * cluster such as "-Sr"); every parse must start afresh. */
	for (int i = 0; i < 5; i++) {
		struct args a;
		struct cli c;

		parse_good(&c, &a, ARGV("run", "-Sr/a", "--", "x"));
		assert_int_equal(c.policy.n_paths, 1);
		assert_argv(c.argv, (const char *const[]){ "x", NULL });
		cli_release(&c);
		parse_bad(ARGV("run", "-Sq"),
			  "unknown option '-q' for 'sandlock run' (see 'sandlock run --help')");
		parse_good(&c, &a, ARGV("check", "-p", pol_a));
		assert_true(c.have_policy);
		cli_release(&c);
	}
}

/* ---- bad command lines ---- */

struct bad {
	const char *const *argv;
	const char *want;
};

static void bad_table(const struct bad *cases, size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++)
		failed += check_bad(cases[i].argv, cases[i].want, NULL);
	assert_int_equal(failed, 0);
}

#define SEE(cmd) " (see 'sandlock " cmd " --help')"

static void bad_commands(void **state)
{
	static const char *const no_args[] = { "sandlock", NULL };
	const struct bad cases[] = {
		{ no_args, "missing command (see 'sandlock --help')" },
		{ ARGV("frobnicate"), "unknown command 'frobnicate' (expected run, enforce, learn, check or help)" },
		{ ARGV("RUN"), "unknown command 'RUN' (expected run, enforce, learn, check or help)" },
		{ ARGV("-S", "run"), "unknown command '-S' (expected run, enforce, learn, check or help)" },
		{ ARGV(""), "unknown command '' (expected run, enforce, learn, check or help)" },
		{ ARGV("help", "frob"), "no help for 'frob' (expected run, enforce, learn or check)" },
		{ ARGV("help", "help"), "no help for 'help' (expected run, enforce, learn or check)" },
		{ ARGV("help", "version"), "no help for 'version' (expected run, enforce, learn or check)" },
		{ ARGV("run"), "missing command to run: 'sandlock run [OPTIONS] -- CMD [ARGS...]'" },
		{ ARGV("run", "-S", "--"), "missing command to run: 'sandlock run [OPTIONS] -- CMD [ARGS...]'" },
		{ ARGV("enforce", "-p", pol_a),
		  "missing command to run: 'sandlock enforce [OPTIONS] -- CMD [ARGS...]'" },
		{ ARGV("enforce", "--", "/bin/true"), "'sandlock enforce' needs a policy: -p POLICY.toml" },
		{ ARGV("enforce", "/bin/true"), "'sandlock enforce' needs a policy: -p POLICY.toml" },
		{ ARGV("enforce", "--best-effort", "x"), "'sandlock enforce' needs a policy: -p POLICY.toml" },
		{ ARGV("check", "-p", pol_a, "/bin/true"),
		  "unexpected argument '/bin/true': 'sandlock check' runs no command" },
		{ ARGV("check", "--", "ls"), "unexpected argument 'ls': 'sandlock check' runs no command" },
		{ ARGV("check", "-p", pol_a, "-p", pol_b),
		  "option '-p' given twice: 'sandlock check' takes one policy" },
		{ ARGV("enforce", "-p", pol_a, "--policy", pol_b, "x"),
		  "option '-p' given twice: 'sandlock enforce' takes one policy" },
	};

	(void)state;
	bad_table(cases, ARRAY_SIZE(cases));
}

static void bad_options(void **state)
{
	const struct bad cases[] = {
		{ ARGV("run", "-x", "ls"), "unknown option '-x' for 'sandlock run'" SEE("run") },
		{ ARGV("run", "-Sx", "ls"), "unknown option '-x' for 'sandlock run'" SEE("run") },
		{ ARGV("run", "--bogus", "ls"), "unknown option '--bogus' for 'sandlock run'" SEE("run") },
		{ ARGV("run", "--policy", pol_a, "ls"),
		  "unknown option '--policy' for 'sandlock run'" SEE("run") },
		{ ARGV("enforce", "-S", "-p", pol_a, "ls"),
		  "unknown option '-S' for 'sandlock enforce'" SEE("enforce") },
		{ ARGV("enforce", "--profile", pol_a, "ls"),
		  "unknown option '--profile' for 'sandlock enforce'" SEE("enforce") },
		{ ARGV("check", "--read", "/x"), "unknown option '--read' for 'sandlock check'" SEE("check") },
		{ ARGV("check", "-t", "5"), "unknown option '-t' for 'sandlock check'" SEE("check") },
		{ ARGV("run", "-r"), "option '-r' needs an argument" SEE("run") },
		{ ARGV("run", "--timeout"), "option '--timeout' needs an argument" SEE("run") },
		{ ARGV("run", "-S", "--env"), "option '--env' needs an argument" SEE("run") },
		{ ARGV("enforce", "-p"), "option '-p' needs an argument" SEE("enforce") },
		{ ARGV("check", "--policy"), "option '--policy' needs an argument" SEE("check") },
	};

	(void)state;
	bad_table(cases, ARRAY_SIZE(cases));
}

/* getopt's own state leaks into these messages: the word in the message
 * must be the option the user got wrong, not its neighbour or its cluster. */
static void bad_options_named_exactly(void **state)
{
	const struct bad cases[] = {
		{ ARGV("run", "--system", "-xS", "ls"), "unknown option '-x' for 'sandlock run'" SEE("run") },
		{ ARGV("run", "-Sr"), "option '-r' needs an argument" SEE("run") },
		{ ARGV("run", "--system=1", "ls"), "option '--system' takes no argument" SEE("run") },
		{ ARGV("run", "--clean-env=yes", "ls"), "option '--clean-env' takes no argument" SEE("run") },
		{ ARGV("check", "--best-effort=1"), "option '--best-effort' takes no argument" SEE("check") },
	};

	(void)state;
	bad_table(cases, ARRAY_SIZE(cases));
}

static void bad_values(void **state)
{
	const struct bad cases[] = {
		{ ARGV("run", "-t", "0", "x"), "invalid --timeout '0': expected whole seconds > 0" },
		{ ARGV("run", "--timeout", "-1", "x"), "invalid --timeout '-1': expected whole seconds > 0" },
		{ ARGV("run", "-t", "1s", "x"), "invalid --timeout '1s': expected whole seconds > 0" },
		{ ARGV("run", "-t", "", "x"), "invalid --timeout '': expected whole seconds > 0" },
		{ ARGV("run", "-t", "1.5", "x"), "invalid --timeout '1.5': expected whole seconds > 0" },
		{ ARGV("run", "-t", "+5", "x"), "invalid --timeout '+5': expected whole seconds > 0" },
		{ ARGV("run", "-t", "0x10", "x"), "invalid --timeout '0x10': expected whole seconds > 0" },
		{ ARGV("run", "--timeout=99999999999999999999", "x"),
		  "invalid --timeout '99999999999999999999': expected whole seconds > 0" },
		{ ARGV("run", "--max-open-files", "0", "x"),
		  "invalid --max-open-files '0': expected a positive integer" },
		{ ARGV("run", "--max-open-files", "many", "x"),
		  "invalid --max-open-files 'many': expected a positive integer" },
		{ ARGV("run", "--cwd", "tmp", "x"), "relative path 'tmp': --cwd must be absolute" },
		{ ARGV("run", "--cwd=", "x"), "relative path '': --cwd must be absolute" },
		{ ARGV("run", "-r", "rel", "x"), "relative path 'rel': paths must be absolute" },
		{ ARGV("run", "--write", "./out", "x"), "relative path './out': paths must be absolute" },
		{ ARGV("run", "-w", "/a/../b", "x"), "path '/a/../b' contains '.' or '..'" },
		{ ARGV("run", "--exec", "sh", "x"), "relative path 'sh': paths must be absolute" },
		{ ARGV("run", "--net-allow", "example..com:443", "x"),
		  "invalid network rule 'example..com:443': empty label in host name" },
		{ ARGV("run", "--net-allow", "fd00::1", "x"),
		  "invalid network rule 'fd00::1': more than one ':' (IPv6 addresses go in brackets, "
		  "as '[::1]:443')" },
		{ ARGV("run", "--net-allow", ":0", "x"),
		  "invalid network rule ':0': port 0 is not allowed (ports are 1-65535)" },
		{ ARGV("run", "--net-deny", "10.0.0.0/33", "x"),
		  "invalid network rule '10.0.0.0/33': invalid prefix length '/33' (0-32 for IPv4)" },
		{ ARGV("run", "--net-deny=quic://*:443", "x"),
		  "invalid network rule 'quic://*:443': unknown scheme 'quic' (expected tcp:// or "
		  "udp://)" },
		{ ARGV("run", "--net-allow-bind", "70000", "x"),
		  "invalid bind ports '70000': expected ports as p, p1,p2, lo-hi or * (0-65535)" },
		{ ARGV("run", "--env", "FOO", "x"), "invalid environment entry 'FOO': expected KEY=VALUE" },
		{ ARGV("run", "--env", "=v", "x"), "invalid environment entry '=v': expected KEY=VALUE" },
	};

	(void)state;
	bad_table(cases, ARRAY_SIZE(cases));
}

/* strtoull skips leading blanks and negates after them: " -5" must not
 * become 2^64-5 seconds. */
static void bad_values_with_blanks(void **state)
{
	const struct bad cases[] = {
		{ ARGV("run", "-t", " -5", "x"), "invalid --timeout ' -5': expected whole seconds > 0" },
		{ ARGV("run", "-t", " 5", "x"), "invalid --timeout ' 5': expected whole seconds > 0" },
		{ ARGV("run", "--max-open-files", " -1", "x"),
		  "invalid --max-open-files ' -1': expected a positive integer" },
	};

	(void)state;
	bad_table(cases, ARRAY_SIZE(cases));
}

static void bad_policy_files(void **state)
{
	char want_bad[256], want_missing[256], want_dir[256];

	(void)state;
	snprintf(want_bad, sizeof(want_bad), "%s:2:1: unknown key 'wirte' in [filesystem]", pol_bad);
	snprintf(want_missing, sizeof(want_missing),
		 "cannot read policy '%s': No such file or directory", pol_missing);
	snprintf(want_dir, sizeof(want_dir),
		 "cannot read policy '%s': not a regular file under 4 MiB", pol_dir);
	assert_int_equal(parse_bad(ARGV("enforce", "-p", pol_bad, "x"), want_bad), -EINVAL);
	parse_bad(ARGV("check", "-p", pol_bad), want_bad);
	parse_bad(ARGV("run", "-p", pol_a, "--profile", pol_bad, "x"), want_bad);
	assert_int_equal(parse_bad(ARGV("enforce", "-p", pol_missing, "x"), want_missing), -ENOENT);
	parse_bad(ARGV("check", "--policy", pol_missing), want_missing);
	parse_bad(ARGV("enforce", "-p", pol_dir, "x"), want_dir);
	parse_bad(ARGV("check", "-p", ""), "cannot read policy '': No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_every_flag),
		cmocka_unit_test(run_network_flags),
		cmocka_unit_test(run_flags_after_profile_and_short_forms),
		cmocka_unit_test(run_options_after_command_are_its_own),
		cmocka_unit_test(enforce_with_policy),
		cmocka_unit_test(check_with_and_without_policy),
		cmocka_unit_test(help_topics),
		cmocka_unit_test(repeated_parses_reset_getopt),
		cmocka_unit_test(bad_commands),
		cmocka_unit_test(bad_options),
		cmocka_unit_test(bad_options_named_exactly),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(bad_values_with_blanks),
		cmocka_unit_test(bad_policy_files),
	};

	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
