/* `sandlock learn`: runs the command with learn mode's observers
 * (sup_learn.c) sending every event into a SQLite trace (learn/trace.h),
 * then optionally synthesizes the policy (learn/synth.h) as sl-learn does. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "main.h"
#include "spawn.h"
#include "synth.h"
#include "trace.h"
#include "banned.h"

/* The trace's files are deny holes (holes.h) when the policy lets the
 * sandbox write where they are, as the permissive default does: the
 * workload cannot write, replace or remove its own record (ATTACKS.md 19).
 * Holes make the supervisor perform every path syscall. */
static int protect_trace(struct policy *p, const char *trace, struct diag *d)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	static const struct policy_origin o = { NULL, 0, 0 };
	char cwd[PATH_MAX], path[PATH_MAX * 2];

	if (trace[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return diag_err(d, -errno, "cannot find the current directory: %s",
				strerror(errno));
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		int r;

		if (trace[0] == '/')
			snprintf(path, sizeof(path), "%s%s", trace, suffix[i]);
		else
			snprintf(path, sizeof(path), "%s/%s%s", strcmp(cwd, "/") ? cwd : "", trace,
				 suffix[i]);
		r = policy_add_deny(p, path, o, d);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Without -p: everything the static layer can allow (the default seccomp
 * deny list stays). */
static int permissive(struct policy *p, struct diag *d)
{
	static const struct policy_origin o = { NULL, 0, 0 };
	int r = policy_add_path(p, "/", POLICY_READ | POLICY_WRITE, o, d);

	if (r == 0)
		r = policy_add_net_allow(p, "*", o, d);
	if (r == 0)
		r = policy_add_bind(p, "*", o, d);
	return r;
}

/* The policy in force, as text for the run's record (NULL on failure). */
static char *policy_text(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (policy_print(p, f) < 0) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

/* spawn's exit status back into a wait status for the trace. */
static int wait_status_of(int status)
{
	if (status > 128 && status < 128 + 65)
		return status - 128; /* W_EXITCODE(0, sig) */
	return (status & 0xff) << 8;
}

static int begin(const struct cli *c, struct trace *t, struct diag *d)
{
	char cwd[PATH_MAX], *text = policy_text(&c->policy);
	struct caps caps;
	size_t argc = 0;
	int r;

	while (c->argv[argc])
		argc++;
	caps_probe_landlock(&caps);
	r = trace_run_begin(t, &(struct trace_run_meta){
				       .argv = (const char *const *)c->argv,
				       .argc = argc,
				       .cwd = getcwd(cwd, sizeof(cwd)),
				       .landlock_abi = caps.landlock_abi,
				       .mode = "learn",
				       .policy = text,
			       }, d);
	free(text);
	return r;
}

/* --policy-out: what sl-learn would write for the whole trace. */
static int synthesize(const char *trace_path, const char *out, struct diag *d)
{
	struct synth_opts o = { .home = getenv("HOME") };
	struct synth_notes notes = { 0 };
	struct trace_reader *rd = NULL;
	struct synth *s = NULL;
	char *toml = NULL;
	int r = trace_read_open(trace_path, &rd, d);

	if (r == 0)
		r = synth_new(&s);
	if (r == 0)
		r = synth_add_trace(s, rd, d);
	if (r == 0)
		r = synth_render(s, &o, &synth_fs_host, &toml, &notes, d);
	for (size_t i = 0; r == 0 && i < notes.n; i++)
		fprintf(stderr, "sandlock: %s\n", notes.v[i]);
	if (r == 0)
		r = synth_write_file(out, toml, d);
	if (r < 0 && !d->msg[0])
		diag_set(d, "cannot synthesize a policy from '%s': %s", trace_path, strerror(-r));
	free(toml);
	synth_notes_release(&notes);
	synth_free(s);
	if (rd)
		trace_read_close(rd);
	return r;
}

/* Ends the run and closes the trace; a trace that lost events or could not
 * be completed turns any status into 125. */
static int finish(struct trace *t, int status, const struct memwatch_peaks *pk,
		  struct diag *d)
{
	struct trace_peaks peaks = { pk->processes, pk->memory, pk->open_files };
	int r = trace_run_end(t, wait_status_of(status), &peaks, d);
	struct diag d2 = { { 0 } };
	int r2 = trace_close(t, &d2);

	if (r == 0 && r2 < 0) {
		r = r2;
		*d = d2;
	}
	return r;
}

int cmd_learn(struct cli *c)
{
	struct diag d = { { 0 } };
	struct trace *t = NULL;
	struct memwatch_peaks peaks = { 0 };
	sigset_t late;
	int status = EXIT_SANDLOCK_FAILED, stop_fd, r = 0;

	/* A trace over RLIMIT_FSIZE fails with EFBIG, like a full disk,
	 * rather than killing sandlock and the run record with it (the child
	 * gets the default back: spawn.c). */
	signal(SIGXFSZ, SIG_IGN);
	if (!c->have_policy)
		r = permissive(&c->policy, &d);
	if (r == 0)
		r = protect_trace(&c->policy, c->trace_out, &d);
	if (r == 0)
		r = trace_open(c->trace_out, &(struct trace_opts){ .append = c->append }, &t, &d);
	if (r == 0)
		r = begin(c, t, &d);
	if (r < 0) {
		fprintf(stderr, "sandlock: %s\n", d.msg[0] ? d.msg : strerror(-r));
		if (t)
			trace_close(t, &d);
		return EXIT_SANDLOCK_FAILED;
	}
	stop_fd = trace_fail_fd(t);
	status = main_run(c, trace_sink(t), &stop_fd, "cannot write the trace", &peaks);
	/* The sandbox is over: a SIGTERM or ^C now would only cut the
	 * trace's last batch and its run record short. */
	sigemptyset(&late);
	sigaddset(&late, SIGINT);
	sigaddset(&late, SIGTERM);
	sigaddset(&late, SIGHUP);
	sigprocmask(SIG_BLOCK, &late, NULL);
	/* finish() also when the trace failed: the run's row gets its end,
	 * and trace_close reports the failure. */
	if (finish(t, status, &peaks, &d) < 0 || trace_failed(t, &d)) {
		fprintf(stderr, "sandlock: trace '%s' is incomplete: %s\n", c->trace_out, d.msg);
		return EXIT_SANDLOCK_FAILED;
	}
	if (c->policy_out && synthesize(c->trace_out, c->policy_out, &d) < 0) {
		fprintf(stderr, "sandlock: %s\n", d.msg);
		return EXIT_SANDLOCK_FAILED;
	}
	return status;
}
