/* The opener's path side (opener.h): naming the caller's own objects, and
 * resolving and judging paths in an opener thread. */
#define _GNU_SOURCE
#include "opener.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys.h"
#include "banned.h"

/* ---- naming the caller's own objects ------------------------------------ */

/* The next component of *p (skipping '/' and "."), as [start, *len). */
static const char *next_comp(const char **p, size_t *len)
{
	const char *s = *p;

	for (;;) {
		while (*s == '/')
			s++;
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0')) {
			s++;
			continue;
		}
		break;
	}
	*len = strcspn(s, "/");
	*p = s + *len;
	return s;
}

static bool comp_is(const char *c, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(c, word, len) == 0;
}

/* A decimal number as the kernel's /proc lookups take it: no sign, no
 * leading zero, fits an int.  Returns it or -1. */
static long comp_num(const char *c, size_t len)
{
	long v = 0;

	if (len == 0 || len > 9 || (c[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (c[i] < '0' || c[i] > '9')
			return -1;
		v = v * 10 + (c[i] - '0');
	}
	return v;
}

/* What follows a magic component at p: "" (nothing), "." (only slashes),
 * or the rest without its leading slashes. */
static const char *rest_of(const char *p)
{
	if (*p == '\0')
		return "";
	while (*p == '/')
		p++;
	return *p ? p : ".";
}

/* The entry below a /proc/PID directory, at p. */
static void parse_entry(const char *p, struct opener_magic *m)
{
	const char *start = p, *c;
	size_t len;
	long n;

	c = next_comp(&p, &len);
	if (comp_is(c, len, "fd")) {
		c = next_comp(&p, &len);
		n = comp_num(c, len);
		if (n >= 0) {
			m->kind = OPENER_FD;
			m->fd = (int)n;
			m->rest = rest_of(p);
			return;
		}
	} else if (comp_is(c, len, "cwd") || comp_is(c, len, "root") ||
		   comp_is(c, len, "exe")) {
		m->kind = c[0] == 'c' ? OPENER_CWD : c[0] == 'r' ? OPENER_ROOT : OPENER_EXE;
		m->rest = rest_of(p);
		return;
	}
	m->kind = OPENER_PROC;
	m->rest = rest_of(start);
}

/* After "/proc": self, thread-self, PID[/task/TID], net, mounts. */
static void parse_proc(const char *p, struct opener_magic *m)
{
	size_t len;
	const char *c = next_comp(&p, &len);
	const char *after = p;
	long n = comp_num(c, len);

	if (comp_is(c, len, "self") || comp_is(c, len, "thread-self")) {
		m->scope = c[0] == 's' ? OPENER_SELF : OPENER_THREAD_SELF;
		parse_entry(p, m);
	} else if (comp_is(c, len, "net") || comp_is(c, len, "mounts")) {
		/* Symlinks to self/net and self/mounts. */
		m->kind = OPENER_PROC;
		m->rest = c;
	} else if (n > 0) {
		long t;

		m->scope = OPENER_PID;
		m->pid = (pid_t)n;
		c = next_comp(&p, &len);
		if (comp_is(c, len, "task")) {
			c = next_comp(&p, &len);
			t = comp_num(c, len);
			if (t > 0) {
				m->scope = OPENER_PID_TASK;
				m->task = (pid_t)t;
				after = p;
			}
		}
		parse_entry(after, m);
	}
}

void opener_parse_magic(const char *path, struct opener_magic *m)
{
	const char *p = path, *c;
	size_t len;

	*m = (struct opener_magic){ .kind = OPENER_PLAIN, .scope = OPENER_SELF, .rest = path };
	if (path[0] != '/')
		return;
	c = next_comp(&p, &len);
	if (comp_is(c, len, "proc")) {
		parse_proc(p, m);
		return;
	}
	if (!comp_is(c, len, "dev"))
		return;
	c = next_comp(&p, &len);
	if (comp_is(c, len, "fd")) {
		/* /dev/fd is a symlink to /proc/self/fd. */
		parse_entry(c, m);
	} else if (comp_is(c, len, "stdin") || comp_is(c, len, "stdout") ||
		   comp_is(c, len, "stderr")) {
		m->kind = OPENER_FD;
		m->fd = c[3] == 'i' ? 0 : c[3] == 'o' ? 1 : 2;
		m->dev_link = true;
		m->rest = rest_of(p);
	}
}

/* ---- the caller's paths ------------------------------------------------- */

/* One "Key:\tvalue" line of /proc/TID/status, parsed in base. */
static int status_field(pid_t tid, const char *key, int base, long *out)
{
	char path[64], buf[4096], *at;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = sys_open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	at = strstr(buf, key);
	if (!at)
		return -ENOENT;
	*out = strtol(at + strlen(key), NULL, base);
	return 0;
}

int opener_umask(pid_t tid, mode_t *out)
{
	long v;
	int r = status_field(tid, "\nUmask:", 8, &v);

	if (r == 0)
		*out = (mode_t)v & 0777;
	return r;
}

/* The caller's thread group: a thread-group leader is the only task
 * pidfd_open() accepts without PIDFD_THREAD, which saves reading status. */
static pid_t tgid_of(pid_t tid)
{
	int fd = sys_pidfd_open(tid, 0);
	long v;

	if (fd >= 0) {
		close(fd);
		return tid;
	}
	return status_field(tid, "\nTgid:", 10, &v) < 0 ? -1 : (pid_t)v;
}

/* /proc/PID or /proc/TID of the caller for m's scope, into dir; false when
 * m names another process (then left to resolve as a plain path). */
static bool caller_dir(const struct opener_magic *m, pid_t tid, char *dir, size_t size)
{
	pid_t tgid = tgid_of(tid);
	pid_t who = -1;

	if (tgid < 0)
		return false;
	switch (m->scope) {
	case OPENER_SELF: who = tgid; break;
	case OPENER_THREAD_SELF: who = tid; break;
	case OPENER_PID: who = m->pid == tgid || m->pid == tid ? m->pid : -1; break;
	case OPENER_PID_TASK: who = m->pid == tgid && m->task == tid ? tid : -1; break;
	}
	if (who < 0)
		return false;
	snprintf(dir, size, "/proc/%d", (int)who);
	return true;
}

/* The entry of a magic kind below /proc/PID ("fd/3", "cwd"...). */
static void entry_of(const struct opener_magic *m, char *buf, size_t size)
{
	static const char *const names[] = { [OPENER_CWD] = "cwd", [OPENER_ROOT] = "root",
					     [OPENER_EXE] = "exe" };

	if (m->kind == OPENER_FD)
		snprintf(buf, size, "fd/%d", m->fd);
	else
		snprintf(buf, size, "%s", names[m->kind]);
}

static int open_dirfd(pid_t tid, int dirfd)
{
	char path[64];
	int fd;

	if (dirfd == AT_FDCWD) {
		snprintf(path, sizeof(path), "/proc/%d/cwd", (int)tid);
		return sys_open(path, O_PATH);
	}
	if (dirfd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, dirfd);
	fd = sys_open(path, O_PATH);
	return fd == -ENOENT ? -EBADF : fd;
}

/* An absolute path that may be a /proc/self form. */
static int setup_magic(struct opener_path *p, pid_t tid, unsigned flags)
{
	char dir[32], entry[32], path[PATH_MAX + 64], rest[PATH_MAX];
	struct opener_magic m;

	p->base = AT_FDCWD;
	p->rest = p->path;
	opener_parse_magic(p->path, &m);
	if (m.kind == OPENER_PLAIN || !caller_dir(&m, tid, dir, sizeof(dir)))
		return 0;
	if (m.kind != OPENER_PROC && (flags & OPENER_NOFOLLOW) && m.rest[0] == '\0') {
		/* The link itself, not its target: a path below /proc/PID. */
		entry_of(&m, entry, sizeof(entry));
		m.kind = OPENER_PROC;
		m.rest = entry;
	}
	if (m.kind == OPENER_PROC) {
		size_t len;

		snprintf(rest, sizeof(rest), "%s", m.rest);
		len = (size_t)snprintf(path, sizeof(path), "%s%s%s", dir, rest[0] ? "/" : "", rest);
		if (len >= sizeof(p->path))
			return -ENAMETOOLONG;
		memcpy(p->path, path, len + 1);
		return 0;
	}
	entry_of(&m, entry, sizeof(entry));
	snprintf(path, sizeof(path), "%s/%s", dir, entry);
	p->base = sys_open(path, O_PATH);
	p->rest = m.rest; /* points into p->path */
	return p->base < 0 ? p->base : 0;
}

int opener_path_setup(struct opener_path *p, pid_t tid, int dirfd, unsigned flags)
{
	p->base = AT_FDCWD;
	p->rest = p->path;
	if (p->path[0] == '\0' && !(flags & OPENER_EMPTY_OK))
		return -ENOENT;
	if (p->path[0] == '/' && !(flags & OPENER_NO_MAGIC))
		return setup_magic(p, tid, flags);
	p->base = open_dirfd(tid, dirfd);
	return p->base < 0 ? p->base : 0;
}

void opener_path_release(struct opener_path *p)
{
	if (p->base >= 0)
		close(p->base);
	p->base = AT_FDCWD;
}

int opener_readlink_magic(pid_t tid, const char *path, char *buf, size_t size, ssize_t *len)
{
	char dir[32], entry[32], link[64], tmp[PATH_MAX];
	struct opener_magic m;
	ssize_t n;

	opener_parse_magic(path, &m);
	/* /dev/stdin is a real symlink: its own text is the answer. */
	if (m.kind == OPENER_PLAIN || m.dev_link || m.rest[0] != '\0' ||
	    (m.kind == OPENER_PROC && m.scope != OPENER_SELF && m.scope != OPENER_THREAD_SELF) ||
	    !caller_dir(&m, tid, dir, sizeof(dir)))
		return 0;
	if (m.kind == OPENER_PROC) {
		/* /proc/self and /proc/thread-self themselves. */
		pid_t tgid = tgid_of(tid);

		n = m.scope == OPENER_SELF ? snprintf(tmp, sizeof(tmp), "%d", (int)tgid)
					   : snprintf(tmp, sizeof(tmp), "%d/task/%d", (int)tgid,
						      (int)tid);
	} else {
		entry_of(&m, entry, sizeof(entry));
		snprintf(link, sizeof(link), "%s/%s", dir, entry);
		n = readlink(link, tmp, sizeof(tmp));
		if (n < 0) {
			*len = -errno;
			return 1;
		}
	}
	if ((size_t)n > size)
		n = (ssize_t)size;
	memcpy(buf, tmp, (size_t)n);
	*len = n;
	return 1;
}

/* ---- resolving and judging ---------------------------------------------- */

int opener_resolve(int base, const char *rest, int oflags, uint64_t res)
{
	struct open_how how = { .flags = (uint64_t)(O_PATH | O_CLOEXEC | oflags),
				.resolve = res | RESOLVE_NO_MAGICLINKS };
	struct stat st;
	int fd;

	if (rest[0] != '\0') {
		fd = (int)syscall(SYS_openat2, base, rest, &how, sizeof(how));
		return fd < 0 ? -errno : fd;
	}
	if ((oflags & O_DIRECTORY) && (fstat(base, &st) < 0 || !S_ISDIR(st.st_mode)))
		return -ENOTDIR;
	fd = fcntl(base, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

/* Whether path, on procfs, is below one of sandlock's own /proc/PID
 * entries, which only a symlink to /proc/self can have led to: a component
 * that is the id of one of our threads.  Looked up in /proc/self/task, as
 * the confined thread may not signal the others (Landlock's signal scope). */
static bool own_proc(const char *path)
{
	for (const char *p = path; *p; p += strcspn(p, "/")) {
		char *end, task[64];
		long n;

		p += strspn(p, "/");
		n = strtol(p, &end, 10);
		if (end == p || (*end != '/' && *end != '\0') || n <= 0)
			continue;
		snprintf(task, sizeof(task), "/proc/self/task/%ld", n);
		if (faccessat(AT_FDCWD, task, F_OK, AT_EACCESS) == 0 || errno != ENOENT)
			return true; /* ours, or cannot tell: deny */
	}
	return false;
}

/* The inode and kernel path (into v->path) of the object at fd. */
static int facts(int fd, struct holes_obj *o, struct opener_verdict *v)
{
	char link[64];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, v->path, sizeof(v->path) - 1);
	if (n < 0 || fstat(fd, &st) < 0)
		return -errno;
	v->path[n] = '\0';
	v->mode = st.st_mode;
	v->rdev = st.st_rdev;
	*o = (struct holes_obj){ st.st_dev, st.st_ino, v->path[0] == '/' ? v->path : NULL };
	return 0;
}

int opener_judge(const struct holes *h, int fd, enum holes_op op, struct opener_verdict *v)
{
	struct holes_obj o;
	struct statfs sf;
	int r = facts(fd, &o, v);

	if (r < 0)
		return r;
	v->hole = holes_decide(h, &o, op);
	if (v->hole >= 0)
		return -EACCES;
	if (own_proc(v->path) && (fstatfs(fd, &sf) < 0 || sf.f_type == PROC_SUPER_MAGIC)) {
		v->why = "the path leads to sandlock's own /proc entries";
		return -EACCES;
	}
	return 0;
}

int opener_judge_name(const struct holes *h, int dfd, const char *name,
		      struct opener_verdict *v)
{
	struct holes_obj o;
	int r = facts(dfd, &o, v);

	if (r < 0)
		return r;
	v->hole = holes_decide_name(h, &o, name);
	return v->hole >= 0 ? -EACCES : 0;
}

int opener_judge_entry(const struct holes *h, int dfd, const char *name, enum holes_op op,
		       struct opener_verdict *v)
{
	int fd = opener_resolve(dfd, name, O_NOFOLLOW, 0), r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = opener_judge(h, fd, op, v);
	close(fd);
	return r;
}

int opener_parent(const struct holes *h, int base, const char *rest, int *dfd, char *name,
		  char *bare, struct opener_verdict *v)
{
	char dir[PATH_MAX];
	size_t len;
	bool slash = false;
	char *s, *last;
	int r;

	*dfd = -1;
	len = (size_t)snprintf(dir, sizeof(dir), "%s", rest);
	while (len > 0 && dir[len - 1] == '/') {
		dir[--len] = '\0';
		slash = true;
	}
	if (len == 0)
		return 1;
	s = strrchr(dir, '/');
	last = s ? s + 1 : dir;
	if (strlen(last) > NAME_MAX)
		return -ENAMETOOLONG;
	snprintf(bare, NAME_MAX + 2, "%s", last);
	snprintf(name, NAME_MAX + 2, "%s%s", last, slash ? "/" : "");
	if (s == dir)
		s[1] = '\0'; /* "/name": the parent is "/" */
	else if (s)
		*s = '\0';
	*dfd = opener_resolve(base, s ? dir : ".", O_DIRECTORY, 0);
	if (*dfd < 0)
		return *dfd;
	r = opener_judge_name(h, *dfd, bare, v);
	if (r < 0) {
		close(*dfd);
		*dfd = -1;
	}
	return r;
}
