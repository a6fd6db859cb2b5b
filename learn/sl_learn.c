/* sl-learn: traces in, the smallest working policy out.  A thin shell over
 * trace_read (checks each file) and synth (the rules): options, messages
 * and exit statuses live here, nothing else. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"
#include "trace.h"
#include "banned.h"

#define EXIT_BAD_INPUT 2
#define EXIT_OTHER 1

static const char usage_text[] =
	"usage: sl-learn [-o POLICY.toml] [--collapse N] [--collapse-prefix PATH]...\n"
	"                [--force-sensitive] TRACE.db [TRACE.db ...]\n"
	"       sl-learn --print-schema\n"
	"\n"
	"Read sandlock traces (recorded by 'sandlock learn') and write the smallest\n"
	"policy under which every recorded run would have been allowed, as the TOML\n"
	"that 'sandlock enforce -p' reads (schemas/policy.md).  Several traces, and\n"
	"traces of several runs, merge into one policy.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE     write the policy to FILE instead of stdout, atomically\n"
	"                        (a temporary file in the same directory, renamed over\n"
	"                        FILE only once complete)\n"
	"      --collapse N      grant a whole directory once N of its entries were\n"
	"                        used (an entry is used when it or anything below it\n"
	"                        was); written entries collapse into a writable\n"
	"                        directory only when N of them were written\n"
	"      --collapse-prefix PATH\n"
	"                        collapse only directories at or under PATH\n"
	"                        (repeatable; needs --collapse)\n"
	"      --force-sensitive grant protected paths the runs used, with a warning\n"
	"      --print-schema    print the trace schema (schemas/trace.sql) and exit\n"
	"  -h, --help            show this text\n"
	"      --version         show the version\n"
	"\n"
	"What is granted:\n"
	"  read     files read and directories listed (a directory grants its tree)\n"
	"  write    files written, truncated or whose metadata changed; for names\n"
	"           created, removed, renamed or linked, the nearest parent directory\n"
	"           that existed before the run\n"
	"  [exec]   allow: exactly the programs executed, and #! interpreters\n"
	"  [network] allow: each protocol and destination used, by host name when\n"
	"           the trace knows it, with exactly the ports used; allow_bind: the\n"
	"           TCP ports bound\n"
	"  [limits] processes 2 x peak + 4; memory 1.5 x peak (at least 16M);\n"
	"           open_files 2 x peak (at least 256); from the largest peaks\n"
	"Denied events never become grants.  Each rule carries a comment saying how\n"
	"many events needed it and which process needed it first; the output is\n"
	"sorted, and identical for the same traces.\n"
	"\n"
	"Never granted without --force-sensitive, even if a run used them: /, /root,\n"
	"~/.ssh, ~/.aws, ~/.gnupg, ~/.kube (in any home), /etc/shadow, /etc/gshadow,\n"
	"and any directory containing one.  A collapse never covers them even then.\n"
	"A collapse or directory grant inside /etc, /proc, /sys, /dev or $HOME is\n"
	"made, but stderr lists the entries it adds that no run used.  Paths a\n"
	"policy cannot name (/proc/PID, descriptors, vanished files) are skipped.\n"
	"Every skipped or forced grant is reported on stderr.\n"
	"\n"
	"Exit status: 0 on success; 2 for bad input (a bad option, or a trace that\n"
	"cannot be read, is corrupted, or is not a sandlock trace of a version this\n"
	"sl-learn reads); 1 for any other failure (writing the output, out of\n"
	"memory).\n"
	"\n"
	"Example:\n"
	"  sandlock learn -o run.db -- make test\n"
	"  sl-learn --collapse 8 --collapse-prefix /usr -o policy.toml run.db\n"
	"  sandlock enforce -p policy.toml -- make test\n";

struct opts {
	const char *output;
	struct synth_opts synth;
	const char **prefixes; /* owned array, strings borrowed from argv */
	size_t n_prefixes;
	bool print_schema;
};

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs("sl-learn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(run 'sl-learn --help' for usage)\n", stderr);
	return EXIT_BAD_INPUT;
}

static int parse_collapse(const char *s, unsigned *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 1000000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int add_prefix(struct opts *o, const char *path)
{
	const char **v;

	if (path[0] != '/')
		return bad("invalid --collapse-prefix '%s': the path must be absolute", path);
	v = reallocarray(o->prefixes, o->n_prefixes + 1, sizeof(*v));
	if (!v) {
		fputs("sl-learn: out of memory\n", stderr);
		return EXIT_OTHER;
	}
	v[o->n_prefixes++] = path;
	o->prefixes = v;
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_COLLAPSE = 256, OPT_PREFIX, OPT_FORCE, OPT_SCHEMA, OPT_VERSION };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "collapse", required_argument, NULL, OPT_COLLAPSE },
		{ "collapse-prefix", required_argument, NULL, OPT_PREFIX },
		{ "force-sensitive", no_argument, NULL, OPT_FORCE },
		{ "print-schema", no_argument, NULL, OPT_SCHEMA },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case OPT_COLLAPSE:
			if (parse_collapse(optarg, &o->synth.collapse) < 0)
				return bad("invalid --collapse '%s': want an integer from 1 to "
					   "1000000", optarg);
			break;
		case OPT_PREFIX:
			r = add_prefix(o, optarg);
			if (r)
				return r;
			break;
		case OPT_FORCE:
			o->synth.force_sensitive = true;
			break;
		case OPT_SCHEMA:
			o->print_schema = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			puts("sl-learn " SANDLOCK_VERSION);
			return 0;
		case ':':
			return bad("option '%s' needs an argument", argv[optind - 1]);
		default:
			return bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->n_prefixes && !o->synth.collapse)
		return bad("%s needs --collapse N", "--collapse-prefix");
	if (!o->print_schema && optind == argc)
		return bad("no trace given");
	o->synth.collapse_prefix = o->prefixes;
	o->synth.n_collapse_prefix = o->n_prefixes;
	o->synth.home = getenv("HOME");
	return -1;
}

/* Reads every trace into s; exit status 2 for any bad one. */
static int read_traces(struct synth *s, char **paths, int n)
{
	for (int i = 0; i < n; i++) {
		struct diag d = { { 0 } };
		struct trace_reader *r;
		int err = trace_read_open(paths[i], &r, &d);

		if (err == 0) {
			err = synth_add_trace(s, r, &d);
			trace_read_close(r);
		}
		if (err < 0) {
			fprintf(stderr, "sl-learn: %s\n", d.msg[0] ? d.msg : strerror(-err));
			return err == -ENOMEM ? EXIT_OTHER : EXIT_BAD_INPUT;
		}
	}
	return 0;
}

static int emit(const struct opts *o, const char *text)
{
	struct diag d = { { 0 } };

	if (o->output) {
		if (synth_write_file(o->output, text, &d) < 0) {
			fprintf(stderr, "sl-learn: %s\n", d.msg);
			return EXIT_OTHER;
		}
		return 0;
	}
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "sl-learn: cannot write the policy: %s\n", strerror(errno));
		return EXIT_OTHER;
	}
	return 0;
}

static int learn(const struct opts *o, char **paths, int n)
{
	struct synth_notes notes = { NULL, 0 };
	struct diag d = { { 0 } };
	struct synth *s = NULL;
	char *text = NULL;
	int status;

	if (synth_new(&s) < 0) {
		fputs("sl-learn: out of memory\n", stderr);
		return EXIT_OTHER;
	}
	status = read_traces(s, paths, n);
	if (status == 0 && synth_render(s, &o->synth, &synth_fs_host, &text, &notes, &d) < 0) {
		fprintf(stderr, "sl-learn: %s\n", d.msg);
		status = EXIT_OTHER;
	}
	for (size_t i = 0; i < notes.n; i++)
		fprintf(stderr, "sl-learn: %s\n", notes.v[i]);
	if (status == 0)
		status = emit(o, text);
	free(text);
	synth_notes_release(&notes);
	synth_free(s);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int status = parse_args(argc, argv, &o);

	if (status < 0 && o.print_schema)
		status = fputs(trace_schema_sql, stdout) == EOF || fflush(stdout) ? EXIT_OTHER : 0;
	else if (status < 0)
		status = learn(&o, argv + optind, argc - optind);
	free(o.prefixes);
	return status;
}
