/* The help texts, kept apart from the parser so both stay readable. */
#include "cli.h"

static const char usage_main[] =
	"usage: sandlock COMMAND [OPTIONS] [-- CMD [ARGS...]]\n"
	"\n"
	"Run a program confined by Landlock and seccomp, without root.\n"
	"\n"
	"Commands:\n"
	"  run      run CMD under a policy made of flags (and optional profiles)\n"
	"  enforce  run CMD under a policy file, which is the whole policy\n"
	"  check    validate a policy and print it normalized, or show what\n"
	"           this kernel can enforce\n"
	"  help     show this text, or 'sandlock help COMMAND'\n"
	"\n"
	"Exit status: the command's own; 128+N if it died of signal N; 125 if\n"
	"sandlock failed before the command started (one line on stderr says\n"
	"why); 126 if the command could not be executed; 127 if it was not found.\n"
	"\n"
	"Run 'sandlock COMMAND --help' for a command's options.\n";

static const char usage_run[] =
	"usage: sandlock run [OPTIONS] [--] CMD [ARGS...]\n"
	"\n"
	"Run CMD with only the access the options grant.  With no options CMD may\n"
	"read, write and execute nothing and use no network: add -S for the usual\n"
	"read-only system set.\n"
	"\n"
	"Filesystem (PATH must be absolute; a directory grants its whole tree):\n"
	"  -S, --system          read-only system set: /usr /bin /sbin /lib*,\n"
	"                        loader and name-service files under /etc, and\n"
	"                        /dev/null, /dev/zero, /dev/full, /dev/tty (rw),\n"
	"                        /dev/random, /dev/urandom (see schemas/policy.md)\n"
	"  -r, --read PATH       allow reading PATH (and executing, unless --exec\n"
	"                        is given)\n"
	"  -w, --write PATH      allow reading and writing PATH: create, write,\n"
	"                        truncate, rename, remove (never device nodes)\n"
	"      --exec PATH       allow executing exactly this file; once given,\n"
	"                        nothing else may be executed\n"
	"Network (outgoing TCP and UDP; without a rule, none):\n"
	"      --net-allow SPEC  allow connections and datagrams to SPEC:\n"
	"                        [tcp://|udp://]TARGET[:PORTS], no scheme meaning\n"
	"                        both; TARGET is a host name, an IPv4 address,\n"
	"                        [IPv6], a CIDR (10.0.0.0/8, [fd00::]/8) or *;\n"
	"                        PORTS is p, p1,p2, lo-hi or * (the default).\n"
	"                        'tcp://*:443' is enforced by Landlock alone;\n"
	"                        names, addresses and per-port UDP by a supervisor\n"
	"      --net-deny SPEC   refuse SPEC even where an allow rule matches; with\n"
	"                        deny rules only, everything else is allowed\n"
	"      --net-allow-bind PORTS\n"
	"                        allow binding (listening on) TCP PORTS\n"
	"Program:\n"
	"  -p, --profile FILE    load a TOML policy; the flags add to it\n"
	"      --clean-env       start from an environment holding only PATH HOME\n"
	"                        USER LOGNAME TERM LANG LC_ALL TZ\n"
	"      --env KEY=VALUE   set a variable in CMD's environment\n"
	"      --cwd DIR         run CMD in DIR (absolute)\n"
	"      --max-open-files N\n"
	"                        limit open file descriptors per process\n"
	"  -t, --timeout SECS    kill the whole sandbox (including processes that\n"
	"                        called setsid) after SECS seconds; exit 137\n"
	"  -P, --max-processes N at most N processes and threads in the sandbox at\n"
	"                        once; fork, vfork and clone beyond fail (EAGAIN)\n"
	"  -m, --max-memory SIZE at most SIZE (512M, 2G) of anonymous and shared\n"
	"                        memory in the whole sandbox, sampled every 20 ms;\n"
	"                        over it, the largest process is killed (SIGKILL)\n"
	"      --deny-argv PATTERN\n"
	"                        refuse (EACCES) any exec whose argv, joined with\n"
	"                        spaces, matches the glob PATTERN ('curl *'); see\n"
	"                        schemas/exec.md\n"
	"Enforcement:\n"
	"      --best-effort     run even if the kernel cannot enforce part of the\n"
	"                        policy (older Landlock ABI); each gap is a warning\n"
	"      --log-decisions FILE\n"
	"                        write every supervised decision as a JSON line to\n"
	"                        FILE ('-': stderr); see schemas/decisions.md\n"
	"  -h, --help            show this text\n"
	"\n"
	"The sandbox: no_new_privs; a Landlock ruleset (filesystem, TCP, abstract\n"
	"unix sockets and signals scoped to the sandbox); a seccomp filter that\n"
	"refuses mount, namespaces, ptrace, bpf, io_uring, keyrings, module and\n"
	"kexec calls, raw sockets, terminal injection, SysV IPC, changing\n"
	"processes outside the sandbox, set-user-ID/set-group-ID file modes and\n"
	"foreign syscall ABIs.  What static rules cannot express (host and UDP\n"
	"rules, --deny-argv, --max-processes) is judged by a supervisor in the\n"
	"sandlock process, started only when such a rule exists.\n"
	"CMD runs in its own process group, gets SIGINT, SIGTERM, SIGHUP and\n"
	"SIGQUIT forwarded, dies if sandlock dies, and every process it started\n"
	"is killed when it exits.  CMD holds no capabilities, even when sandlock\n"
	"runs as root; Ctrl-Z stops CMD and sandlock together.\n"
	"\n"
	"Example:\n"
	"  sandlock run -S -w /tmp/work --net-allow \"tcp://*:443\" -- python3 script.py\n";

static const char usage_enforce[] =
	"usage: sandlock enforce -p POLICY.toml [--log-decisions FILE] [--best-effort]\n"
	"                        [--] CMD [ARGS...]\n"
	"\n"
	"Run CMD under POLICY.toml, which is the whole policy: no other grant is\n"
	"added.  The format is documented in schemas/policy.md; 'sandlock check\n"
	"-p POLICY.toml' validates a file and prints it normalized.\n"
	"\n"
	"  -p, --policy FILE  the policy (required)\n"
	"      --log-decisions FILE\n"
	"                     write every supervised decision as a JSON line to\n"
	"                     FILE ('-': stderr); see schemas/decisions.md\n"
	"      --best-effort  run even if the kernel cannot enforce part of the\n"
	"                     policy; each gap is a warning\n"
	"  -h, --help         show this text\n";

static const char usage_check[] =
	"usage: sandlock check [-p POLICY.toml] [--best-effort]\n"
	"\n"
	"With -p: parse and compile the policy for this kernel, print it as\n"
	"normalized TOML on stdout and exit 0, or print the first error as\n"
	"FILE:LINE:COL: message and exit 125.\n"
	"Without -p: print the Landlock ABI and each right this kernel enforces,\n"
	"and whether seccomp user notification, notification ADDFD and\n"
	"pidfd_getfd are available.\n"
	"\n"
	"  -p, --policy FILE  the policy to check\n"
	"      --best-effort  report downgrades as warnings instead of errors\n"
	"  -h, --help         show this text\n";

const char *cli_usage(enum cli_cmd cmd)
{
	switch (cmd) {
	case CLI_RUN:
		return usage_run;
	case CLI_ENFORCE:
		return usage_enforce;
	case CLI_CHECK:
		return usage_check;
	default:
		return usage_main;
	}
}
