/* [limits] processes: at most N tasks (processes and threads, zombies
 * included, as the pids cgroup counts) in the sandbox at once; a fork,
 * vfork or clone beyond that fails with EAGAIN, like RLIMIT_NPROC.
 *
 * The count is kernel truth, not bookkeeping: every decision walks /proc
 * for sandlock's descendants (a subreaper keeps orphans among them), so a
 * child cannot lower it with a wait that fails or a double fork
 * (ATTACKS.md 14).  The syscall is continued, which is safe: its arguments
 * are registers, nothing we judged can change after we look.
 *
 * A fork we let through shows up in /proc only once the kernel has run
 * it, so two requests judged back to back could both see room for one.
 * Each continued caller stays "in flight", counted as one more task, until
 * its new child or thread is visible (or it has gone, or moved on to
 * another syscall). */
#define _GNU_SOURCE
#include "sup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proctree.h"
#include "banned.h"

struct task_info {
	pid_t pid, ppid;
	unsigned threads;
};

/* Reads ppid and num_threads of /proc/PID/stat into t. */
static int read_task(int procfd, pid_t pid, struct task_info *t)
{
	struct proctree_stat st;
	int r = proctree_read_stat(procfd, pid, &st);

	if (r == 0)
		*t = (struct task_info){ pid, st.ppid, st.threads };
	return r;
}

/* Tasks in the sandbox: threads of every descendant of root.  Returns the
 * count, or -errno when /proc cannot be read (the caller then denies). */
static long count_tasks(pid_t root)
{
	struct task_info *all = NULL, *grown;
	size_t n = 0, cap = 0;
	long total = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct task_info t;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (read_task(dirfd(dir), (pid_t)strtol(de->d_name, NULL, 10), &t) < 0)
			continue; /* exited meanwhile */
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			grown = reallocarray(all, cap, sizeof(*all));
			if (!grown) {
				total = -ENOMEM;
				goto out;
			}
			all = grown;
		}
		all[n++] = t;
	}
	/* Mark descendants: repeat until no new process joins the set (the
	 * table is in /proc order, not tree order). */
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (all[i].ppid < 0)
				continue;
			bool in = all[i].ppid == root;

			for (size_t j = 0; !in && j < n; j++)
				in = all[j].ppid < 0 && all[j].pid == all[i].ppid;
			if (in) {
				total += all[i].threads ? all[i].threads : 1;
				all[i].ppid = -1; /* counted; also marks membership */
				grew = true;
			}
		}
	}
out:
	free(all);
	closedir(dir);
	return total;
}

/* What a caller looked like when we let its fork through: once it has a
 * new child or thread, the fork is visible to count_tasks(). */
static unsigned offspring(pid_t tid)
{
	struct task_info t;
	char path[64], buf[4096];
	unsigned n = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)tid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (ssize_t i = 0; i < len; i++)
			n += buf[i] == ' ';
	}
	fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (read_task(fd, tid, &t) == 0)
			n += t.threads;
		close(fd);
	}
	return n;
}

/* Whether a fork we let through may still be invisible to count_tasks().
 * "running" in /proc/TID/syscall is ambiguous (in the clone, or back in
 * user space after it failed): keep counting it, the stricter reading. */
static bool still_in_flight(const struct sup_inflight *f)
{
	char path[64], buf[64];
	ssize_t n;
	long nr;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)f->tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* gone: its fork, if any, is visible now */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	if (offspring(f->tid) != f->offspring)
		return false;
	if (strncmp(buf, "running", 7) == 0)
		return true;
	nr = strtol(buf, NULL, 10);
	return nr == SYS_clone || nr == SYS_fork || nr == SYS_vfork;
}

/* Drops in-flight callers whose fork is now visible, and `caller`: a task
 * asking again has finished its previous clone.  Lock held. */
static void retire_inflight(struct sup_proc_state *st, pid_t caller)
{
	unsigned k = 0;

	for (unsigned i = 0; i < st->n_inflight; i++)
		if (st->inflight[i].tid != caller && still_in_flight(&st->inflight[i]))
			st->inflight[k++] = st->inflight[i];
	st->n_inflight = k;
}

static void on_fork(struct sup_call *c)
{
	struct supervisor *s = c->sup;
	struct sup_proc_state *st = &s->proc;
	uint64_t limit = s->o.policy->max_processes;
	struct event e = { .kind = EVENT_PROC, .rule = "limits.processes",
			   .origin = s->o.policy->max_processes_at };

	/* A limit from -P has no file position: say so, as decisions.md does. */
	if (!e.origin.source)
		e.origin.source = "<command line>";
	long count;

	pthread_mutex_lock(&st->lock);
	retire_inflight(st, (pid_t)c->req.pid);
	count = count_tasks(s->self);
	if (count >= 0)
		count += st->n_inflight;
	e.proc.count = count < 0 ? 0 : (unsigned)count;
	e.proc.limit = (unsigned)limit;
	if (count < 0) {
		pthread_mutex_unlock(&st->lock);
		sup_fail(c, EAGAIN, "cannot count the sandbox's processes");
		return;
	}
	if ((uint64_t)count >= limit || st->n_inflight == SUP_MAX_INFLIGHT) {
		pthread_mutex_unlock(&st->lock);
		e.verdict = EVENT_DENY;
		e.err = EAGAIN;
		sup_deny(c, EAGAIN);
		sup_emit(c, &e);
		return;
	}
	st->inflight[st->n_inflight++] = (struct sup_inflight){
		(pid_t)c->req.pid, offspring((pid_t)c->req.pid) };
	/* Answer under the lock: the next request must see this one in
	 * flight, and this one must not be retired before it runs. */
	sup_continue(c);
	pthread_mutex_unlock(&st->lock);
	e.verdict = EVENT_ALLOW;
	sup_emit(c, &e);
}

const struct sup_handler sup_proc_handlers[] = {
	{ SYS_clone, "clone", on_fork, false },
	{ SYS_fork, "fork", on_fork, false },
	{ SYS_vfork, "vfork", on_fork, false },
};
const size_t sup_proc_handlers_len = sizeof(sup_proc_handlers) / sizeof(sup_proc_handlers[0]);

size_t sup_proc_syscalls(const struct policy *p, int *nrs)
{
	if (!p->max_processes)
		return 0;
	nrs[0] = SYS_clone;
	nrs[1] = SYS_fork;
	nrs[2] = SYS_vfork;
	return 3;
}
