/* The `sandlock` command line: parsed into a struct (no option globals
 * escape this file), so the table-driven bad-input tests can call it. */
#ifndef SANDLOCK_CLI_H
#define SANDLOCK_CLI_H

#include <stdbool.h>

#include "diag.h"
#include "policy.h"

enum cli_cmd { CLI_RUN, CLI_ENFORCE, CLI_CHECK, CLI_LEARN, CLI_HELP, CLI_VERSION };

/* `sandlock learn` writes here without -o. */
#define CLI_TRACE_DEFAULT "sandlock-trace.db"

struct cli {
	enum cli_cmd cmd;
	enum cli_cmd help_for; /* with CLI_HELP: which command's help */
	struct policy policy;  /* owned */
	bool best_effort;
	bool have_policy;      /* -p given */
	const char *log_decisions; /* --log-decisions FILE, borrowed; NULL: none */
	/* learn: the trace (-o, default CLI_TRACE_DEFAULT), --append, and
	 * --policy-out (NULL: none); borrowed from argv. */
	const char *trace_out;
	bool append;
	const char *policy_out;
	char **argv;           /* the command; borrowed from main's argv */
};

/* Parses argv (argv[0] is the program).  Policy files named with -p are
 * loaded here.  Returns 0, or -EINVAL/-ENOENT/... with d filled; every such
 * failure means exit status 125. */
int cli_parse(struct cli *c, int argc, char **argv, struct diag *d);
void cli_release(struct cli *c);

/* The --help text of a command (man-page style). */
const char *cli_usage(enum cli_cmd cmd);

#endif
