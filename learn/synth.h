/* Policy synthesis: from the events of one or more traces, the smallest
 * policy (schemas/policy.md) under which the recorded runs would have been
 * allowed, as TOML for `sandlock enforce -p`.
 *
 * Two steps.  synth_add_row() aggregates events (any number of traces, in
 * any order: the result does not depend on it).  synth_render() turns the
 * aggregate into grants; it is pure except for what it asks the injected
 * struct synth_fs (does this path exist now, what is in this directory,
 * what is this script's interpreter), so tests run it against a fake
 * file system and sl-learn against the real one.
 *
 * The rules, each documented in learn/README.md:
 *   - reads grant read on the file (a directory listed: the directory);
 *     writes, truncation and metadata changes grant write on the file;
 *     creating, removing, renaming or linking a name grants write on the
 *     nearest parent directory that existed before the run;
 *   - [exec] allow is exactly the programs executed (and #! interpreters);
 *     when one of them was created by the run, which an allow list cannot
 *     name, there is no [exec] allow and programs get read grants;
 *   - [network] allow: one rule per protocol and destination, by host name
 *     when the event knew it, with exactly the ports used; allow_bind: the
 *     TCP ports bound;
 *   - [limits] from the largest peaks, with a margin;
 *   - denied events never become grants;
 *   - protected paths (/, /root, ~/.ssh, ~/.aws, ~/.gnupg, ~/.kube,
 *     /etc/shadow, /etc/gshadow, and any grant containing one) are skipped
 *     unless force_sensitive, and a note says so either way;
 *   - with collapse N, a directory of which N entries were used becomes one
 *     grant; never one containing a protected path, and inside the guarded
 *     trees (/etc, /proc, /sys, /dev, $HOME) a note lists what it adds;
 *   - every grant must load: invalid or vanished paths are skipped with a
 *     note, and the whole text is parsed back before it is returned.
 * Every rule carries its provenance as a comment; the output is sorted
 * and byte-identical for the same events. */
#ifndef SANDLOCK_SYNTH_H
#define SANDLOCK_SYNTH_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

struct synth;

enum synth_ftype { SYNTH_MISSING, SYNTH_FILE, SYNTH_DIR, SYNTH_OTHER };

/* What synthesis may ask about the machine the policy is for. */
struct synth_fs {
	void *ctx;
	/* The type of path, following symlinks as a grant does. */
	enum synth_ftype (*type)(void *ctx, const char *path);
	/* The names in dir (no "." or ".."), sorted, as an owned
	 * NULL-terminated array of owned strings; NULL if unreadable. */
	char **(*list)(void *ctx, const char *dir);
	/* Writes the interpreter the kernel runs for the program at path
	 * into buf: returns 1 for a #! line, 2 for an ELF PT_INTERP, 0 when
	 * there is none. */
	int (*interp)(void *ctx, const char *path, char *buf, size_t len);
};

/* The real file system. */
extern const struct synth_fs synth_fs_host;

struct synth_opts {
	unsigned collapse;                  /* 0: never collapse */
	const char *const *collapse_prefix; /* collapse only at or under these */
	size_t n_collapse_prefix;
	bool force_sensitive;               /* grant protected paths, with a note */
	const char *home;                   /* $HOME, or NULL */
};

/* Lines for the user (stderr), in a deterministic order; owned. */
struct synth_notes {
	char **v;
	size_t n;
};

/* Returns 0 and an owned, empty aggregate, or -ENOMEM. */
int synth_new(struct synth **out);
/* Frees s (takes it); NULL is fine. */
void synth_free(struct synth *s);

/* Adds one event (row borrowed for the call).  Returns 0 or -ENOMEM. */
int synth_add_row(struct synth *s, const struct trace_row *row);

/* Adds peaks (the largest of all added win) and run/event counts. */
void synth_add_summary(struct synth *s, const struct trace_summary *sum);

/* Adds every event and the summary of a trace.  Returns 0 or -errno with
 * d filled. */
int synth_add_trace(struct synth *s, struct trace_reader *r, struct diag *d);

/* Renders the policy: *toml gets the owned text, notes the lines to show
 * the user (skipped, forced and collapsed grants).  s is not changed, so
 * it can be rendered again with other options.  Returns 0, -ENOMEM, or
 * -EINVAL with d filled if the result would not load (a bug). */
int synth_render(const struct synth *s, const struct synth_opts *o, const struct synth_fs *fs,
		 char **toml, struct synth_notes *notes, struct diag *d);

void synth_notes_release(struct synth_notes *n);

/* Writes text to path atomically: a temporary file in the same directory
 * (mode 0644 less the umask), fsync, rename over path.  On failure path is
 * untouched and no temporary file is left.  Returns 0 or -errno with d. */
int synth_write_file(const char *path, const char *text, struct diag *d);

#endif
