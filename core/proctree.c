#define _GNU_SOURCE
#include "proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"
#include "banned.h"

int proctree_parse_stat(const char *buf, pid_t *ppid)
{
	/* "pid (comm) state ppid ...": comm can hold ") ", so use the last ')'. */
	const char *rp = strrchr(buf, ')');
	char *end;
	long v;

	if (!rp || rp[1] != ' ' || !rp[2] || rp[3] != ' ')
		return -EINVAL;
	errno = 0;
	v = strtol(rp + 4, &end, 10);
	if (errno || end == rp + 4 || *end != ' ' || v < 0 || v > INT_MAX)
		return -EINVAL;
	*ppid = (pid_t)v;
	return 0;
}

/* One process of the snapshot. */
struct pp {
	pid_t pid, ppid;
	int depth; /* hops to the root in the snapshot, 0: not a descendant */
	int fd;    /* pidfd once verified and signalled, else -1 */
};

int proctree_read_stat(int procfd, pid_t pid, struct proctree_stat *st)
{
	char path[32], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH || errno == EACCES ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 || errno == ESRCH ? -ESRCH : -errno;
	buf[n] = '\0';
	if (proctree_parse_stat(buf, &st->ppid) < 0)
		return -EINVAL;
	p = strrchr(buf, ')') + 2;
	st->state = *p;
	/* From field 3 (state), skip to field 20 (num_threads). */
	for (int field = 3; field < 20 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -EINVAL;
	st->threads = (unsigned)strtoul(p, NULL, 10);
	return 0;
}

static int read_stat(int procfd, pid_t pid, pid_t *ppid, char *state)
{
	struct proctree_stat st = { 0 };
	int r = proctree_read_stat(procfd, pid, &st);

	*ppid = st.ppid;
	*state = st.state;
	return r;
}

static int grow(struct pp **v, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 256;
	struct pp *q = reallocarray(*v, ncap, sizeof(**v));

	if (!q)
		return -ENOMEM;
	*v = q;
	*cap = ncap;
	return 0;
}

/* Reads every live (pid, ppid) pair: a zombie cannot be killed again.  An
 * entry that cannot be read for another reason than its exit is skipped
 * and its error kept in *skipped, so the rest can still be killed; a
 * directory that cannot be listed is an error.  Neither ever reads as
 * "nothing left".  Returns the count (with *out owned) or -errno. */
static ssize_t scan(int procfd, struct pp **out, int *skipped)
{
	int dirfd = fcntl(procfd, F_DUPFD_CLOEXEC, 0);
	DIR *dir = dirfd < 0 ? NULL : fdopendir(dirfd);
	struct pp *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err = 0;

	if (!dir) {
		err = -errno;
		if (dirfd >= 0)
			close(dirfd);
		return err;
	}
	while (errno = 0, (de = readdir(dir))) {
		pid_t pid, ppid;
		char state;
		int r;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		r = read_stat(procfd, pid, &ppid, &state);
		if (r < 0 && r != -ESRCH)
			*skipped = r;
		if (r < 0 || state == 'Z')
			continue;
		if (n == cap && (err = grow(&v, &cap)) < 0)
			break;
		v[n++] = (struct pp){ pid, ppid, 0, -1 };
	}
	if (!de && errno)
		err = -errno;
	closedir(dir);
	if (err < 0) {
		free(v);
		return err;
	}
	*out = v;
	return (ssize_t)n;
}

static struct pp *find(struct pp *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

/* Hops from pid up to root in the snapshot, 0 if root is not an ancestor.
 * Bounded by n: a consistent snapshot has no cycle, a racy one might. */
static int depth_of(struct pp *v, size_t n, pid_t pid, pid_t root)
{
	int depth = 0;

	for (size_t hop = 0; hop <= n && pid > 1 && pid != root; hop++) {
		struct pp *p = find(v, n, pid);

		if (!p)
			return 0;
		pid = p->ppid;
		depth++;
	}
	return pid == root ? depth : 0;
}

/* Whether ppid is the root or a descendant we verified, as it is now.
 * Race argument: the caller read its child's ppid before this check; the
 * verified parent's pidfd answering signal 0 means that process was not yet
 * reaped, so at the read its pid was still its own and not a reused one. */
static bool parent_verified(struct pp *v, size_t n, pid_t ppid, pid_t root)
{
	struct pp *p;

	if (ppid == root)
		return true;
	p = find(v, n, ppid);
	return p && p->fd >= 0 && sys_pidfd_send_signal(p->fd, 0, 0) == 0;
}

/* Kills e if it is still our descendant.  The snapshot is only a list of
 * candidates: between the scan and the kill its pid may have been reaped and
 * reused by an unrelated process.  So: pin the process with a pidfd, read its
 * ppid again, check the pidfd still answers (then the read was of the pinned
 * process), check that ppid is the root or a parent verified the same way
 * (parents are handled first), and signal through the pidfd.  Returns 1 if
 * signalled, 0 if gone or not provably ours (a later pass retries), or
 * -errno. */
static int kill_one(int procfd, struct pp *v, size_t n, struct pp *e, pid_t root)
{
	pid_t ppid;
	char state;
	int fd = sys_pidfd_open(e->pid, 0), r;

	if (fd < 0)
		return fd == -ESRCH ? 0 : fd;
	r = read_stat(procfd, e->pid, &ppid, &state);
	if (r == 0 && state != 'Z' && sys_pidfd_send_signal(fd, 0, 0) == 0 &&
	    parent_verified(v, n, ppid, root)) {
		r = sys_pidfd_send_signal(fd, SIGKILL, 0);
		if (r == 0) {
			e->fd = fd;
			return 1;
		}
	}
	close(fd);
	return r == 0 || r == -ESRCH ? 0 : r;
}

/* Kills the snapshot's descendants of root, parents before children. */
static int kill_snapshot(int procfd, struct pp *v, size_t n, pid_t root)
{
	int max = 0, killed = 0;

	for (size_t i = 0; i < n; i++) {
		v[i].depth = v[i].pid == root ? 0 : depth_of(v, n, v[i].pid, root);
		if (v[i].depth > max)
			max = v[i].depth;
	}
	for (int depth = 1; depth <= max; depth++) {
		for (size_t i = 0; i < n; i++) {
			int r;

			if (v[i].depth != depth)
				continue;
			r = kill_one(procfd, v, n, &v[i], root);
			if (r < 0)
				return r;
			killed += r;
		}
	}
	return killed;
}

int proctree_kill(pid_t root)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct pp *v = NULL;
	ssize_t n;
	int r, skipped = 0;

	if (procfd < 0)
		return -errno;
	n = scan(procfd, &v, &skipped);
	if (n < 0) {
		close(procfd);
		return (int)n;
	}
	r = kill_snapshot(procfd, v, (size_t)n, root);
	for (ssize_t i = 0; i < n; i++)
		if (v[i].fd >= 0)
			close(v[i].fd);
	free(v);
	close(procfd);
	return r < 0 ? r : skipped < 0 ? skipped : r;
}

ssize_t proctree_list(pid_t root, pid_t **out)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), skipped = 0;
	struct pp *v = NULL;
	pid_t *pids;
	ssize_t n, k = 0;

	if (procfd < 0)
		return -errno;
	n = scan(procfd, &v, &skipped);
	close(procfd);
	if (n < 0)
		return n;
	pids = calloc((size_t)n + 1, sizeof(*pids));
	if (!pids) {
		free(v);
		return -ENOMEM;
	}
	for (ssize_t i = 0; i < n; i++)
		if (v[i].pid != root && depth_of(v, (size_t)n, v[i].pid, root) > 0)
			pids[k++] = v[i].pid;
	free(v);
	*out = pids;
	return k;
}

ssize_t proctree_readlink(pid_t pid, const char *what, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	if (pid)
		snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, what);
	else
		snprintf(link, sizeof(link), "/proc/self/%s", what);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}
