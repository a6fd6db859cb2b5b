/* The path operations, performed in an opener thread (sup_fs_int.h): each
 * resolves to descriptors, judges them against the holes and acts on those
 * descriptors only.  The security argument is at the top of sup_fs.c. */
#define _GNU_SOURCE
#include "sup_fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "banned.h"

/* Linux 6.6; glibc 2.36 does not name it.  The same on x86_64 and the
 * asm-generic architectures. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static void magic_of(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

static int resolve(int base, const char *rest, int oflags, uint64_t res)
{
	return opener_resolve(base, rest, oflags, res);
}

static int judge(struct fs_job *j, int fd, enum holes_op op)
{
	return opener_judge(j->fs->holes, fd, op, &j->v);
}

static int parent(struct fs_job *j, int base, const char *rest, int *dfd, char *name, char *bare)
{
	return opener_parent(j->fs->holes, base, rest, dfd, name, bare, &j->v);
}

static int judge_entry(struct fs_job *j, int dfd, const char *name, enum holes_op op)
{
	return opener_judge_entry(j->fs->holes, dfd, name, op, &j->v);
}

/* Opens the judged object m (taken) with the caller's flags. */
static int open_judged(struct fs_job *j, int m)
{
	char link[64];
	int fl, r = judge(j, m, HOLES_REACH);

	/* openat2 with O_PATH (open and openat never get here): the kernel
	 * will not install an O_PATH file in another process (ADDFD takes
	 * files fget() accepts), and continuing would trust flags in memory
	 * the caller can rewrite.  ENOSYS: libraries fall back to openat. */
	if (r == 0 && (j->flags & O_PATH))
		r = -ENOSYS;
	else if (r == 0 && S_ISLNK(j->v.mode))
		r = -ELOOP; /* O_NOFOLLOW on a symlink */
	else if (r == 0 && S_ISDIR(j->v.mode) && (j->flags & O_CREAT))
		r = -EISDIR;
	else if (r == 0 && S_ISCHR(j->v.mode) && j->v.rdev == makedev(5, 0) &&
		 getsid(j->tid) != getsid(0))
		r = -ENXIO; /* /dev/tty is the opener's terminal: only for its session */
	if (r == 0) {
		/* The magic link reaches exactly the judged file; the kernel
		 * checks this open as it would the caller's.  O_NOCTTY: a
		 * terminal must not become sandlock's controlling one. */
		fl = (j->flags & ~(O_CREAT | O_NOFOLLOW | O_CLOEXEC)) | O_CLOEXEC | O_NOCTTY;
		if (j->flags & O_CREAT)
			fl &= ~O_EXCL;
		magic_of(m, link, sizeof(link));
		j->fd = open(link, fl);
		if (j->fd < 0)
			r = -errno;
	}
	close(m);
	return r;
}

/* One step of O_CREAT: name in the directory dfd.  Returns 0 (done), 1 to
 * go on with the symlink target now in next (base changed), or -errno. */
static int creat_step(struct fs_job *j, int dfd, const char *name, char *next, int *base)
{
	struct stat st;
	ssize_t n;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
		umask(j->umask);
		/* O_EXCL: if a symlink appears here meanwhile it is not
		 * followed; we look again instead. */
		j->fd = openat(dfd, name, j->flags | O_EXCL | O_CLOEXEC | O_NOCTTY, (mode_t)j->x[0]);
		if (j->fd >= 0)
			return judge(j, j->fd, HOLES_REACH);
		return errno == EEXIST && !(j->flags & O_EXCL) ? 2 : -errno;
	}
	if (j->flags & O_EXCL)
		return -EEXIST;
	if (!S_ISLNK(st.st_mode) || (j->flags & O_NOFOLLOW)) {
		int m = resolve(dfd, name, O_NOFOLLOW, 0);

		return m < 0 ? m : open_judged(j, m);
	}
	/* A symlink, followed by hand so that a missing target is created
	 * where the kernel would create it, in a directory judged first. */
	if (j->resolve & RESOLVE_NO_SYMLINKS)
		return -ELOOP;
	if (j->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
		return -EXDEV; /* not emulated */
	n = readlinkat(dfd, name, next, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	next[n] = '\0';
	*base = next[0] == '/' ? AT_FDCWD : dfd;
	return 1;
}

static int do_creat(struct fs_job *j)
{
	char cur[PATH_MAX], next[PATH_MAX], name[NAME_MAX + 2], bare[NAME_MAX + 2];
	int base = j->a[0].base, own = -1, r = -ELOOP;

	snprintf(cur, sizeof(cur), "%s", j->a[0].rest);
	/* The kernel follows at most 40 symlinks in one resolution. */
	for (int hops = 0; hops < 40; hops++) {
		int dfd = -1, nbase = base;

		r = parent(j, base, cur, &dfd, name, bare);
		if (r == 1 || (r == 0 && strcmp(name, bare) != 0))
			r = -EISDIR; /* "/", the base itself, or "name/" */
		if (r == 0)
			r = creat_step(j, dfd, bare, next, &nbase);
		if (r == 1) { /* follow the symlink from its directory */
			if (own >= 0)
				close(own);
			own = nbase == dfd ? dfd : -1;
			if (own < 0)
				close(dfd);
			base = nbase;
			snprintf(cur, sizeof(cur), "%s", next);
			r = -ELOOP;
			continue;
		}
		if (dfd >= 0)
			close(dfd);
		if (r != 2)
			break;
		r = -ELOOP; /* created by someone else meanwhile: look again */
	}
	if (own >= 0)
		close(own);
	return r;
}

static int do_open(struct fs_job *j)
{
	const struct opener_path *a = &j->a[0];
	int m;

	if ((j->flags & O_TMPFILE) == O_TMPFILE) {
		int r, d = resolve(a->base, a->rest, O_DIRECTORY, j->resolve);

		if (d < 0)
			return d;
		r = judge(j, d, HOLES_REACH);
		umask(j->umask);
		if (r == 0 && (j->fd = openat(d, ".", j->flags | O_CLOEXEC, (mode_t)j->x[0])) < 0)
			r = -errno;
		close(d);
		return r;
	}
	if (j->flags & O_CREAT)
		return do_creat(j);
	m = resolve(a->base, a->rest, j->flags & (O_NOFOLLOW | O_DIRECTORY), j->resolve);
	return m < 0 ? m : open_judged(j, m);
}

/* mkdir, mknod, symlink, unlink, rmdir: one name in one directory. */
static int do_name(struct fs_job *j)
{
	char name[NAME_MAX + 2], bare[NAME_MAX + 2];
	const struct opener_path *a = &j->a[0];
	int dfd = -1, r = parent(j, a->base, a->rest, &dfd, name, bare);
	int at = r == 1 ? a->base : dfd;
	const char *nm = r == 1 ? a->rest : name;

	if (r < 0)
		return r;
	if (r == 0 && j->sys->op == FS_UNLINK)
		r = judge_entry(j, dfd, bare, HOLES_MOVE);
	if (j->sys->op == FS_MKDIR || j->sys->op == FS_MKNOD)
		umask(j->umask);
	if (r == 0 || r == 1) {
		switch (j->sys->op) {
		case FS_MKDIR: r = mkdirat(at, nm, (mode_t)j->x[0]); break;
		case FS_MKNOD: r = mknodat(at, nm, (mode_t)j->x[0], (dev_t)j->x[1]); break;
		case FS_SYMLINK: r = symlinkat(j->a[1].path, at, nm); break;
		default: r = unlinkat(at, nm, j->flags & AT_REMOVEDIR); break;
		}
		r = r < 0 ? -errno : 0;
	}
	if (dfd >= 0)
		close(dfd);
	return r;
}

static int do_rename(struct fs_job *j)
{
	char n1[NAME_MAX + 2], b1[NAME_MAX + 2], n2[NAME_MAX + 2], b2[NAME_MAX + 2];
	int d1 = -1, d2 = -1;
	int r1 = parent(j, j->a[0].base, j->a[0].rest, &d1, n1, b1);
	int r2 = r1 < 0 ? r1 : parent(j, j->a[1].base, j->a[1].rest, &d2, n2, b2);
	int r = r1 < 0 ? r1 : r2 < 0 ? r2 : 0;

	/* Both names are judged whatever the flags: the source moves, the
	 * destination is replaced, or, with RENAME_EXCHANGE, moves too. */
	if (r == 0 && r1 == 0)
		r = judge_entry(j, d1, b1, HOLES_MOVE);
	if (r == 0 && r2 == 0)
		r = judge_entry(j, d2, b2, HOLES_MOVE);
	if (r == 0 && syscall(SYS_renameat2, r1 ? j->a[0].base : d1, r1 ? j->a[0].rest : n1,
			      r2 ? j->a[1].base : d2, r2 ? j->a[1].rest : n2,
			      (unsigned)j->flags) < 0)
		r = -errno;
	if (d1 >= 0)
		close(d1);
	if (d2 >= 0)
		close(d2);
	return r;
}

static int do_link(struct fs_job *j)
{
	char name[NAME_MAX + 2], bare[NAME_MAX + 2], link[64];
	const struct opener_path *a = &j->a[0];
	bool empty = (j->flags & AT_EMPTY_PATH) && a->rest[0] == '\0';
	int m = resolve(a->base, a->rest, (j->flags & AT_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW, 0);
	int dfd = -1, r = m < 0 ? m : judge(j, m, HOLES_REACH);

	if (r == 0)
		r = parent(j, j->a[1].base, j->a[1].rest, &dfd, name, bare);
	if (r == 0 || r == 1) {
		int at = r == 1 ? j->a[1].base : dfd;
		const char *nm = r == 1 ? j->a[1].rest : name;

		/* Through the magic link: exactly the judged inode, symlink
		 * or not (the jump is not followed further). */
		magic_of(m, link, sizeof(link));
		r = empty ? linkat(m, "", at, nm, AT_EMPTY_PATH)
			  : linkat(AT_FDCWD, link, at, nm, AT_SYMLINK_FOLLOW);
		r = r < 0 ? -errno : 0;
	}
	if (m >= 0)
		close(m);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* Acts on the judged object m (borrowed).  Returns the syscall's value. */
static long object_op(struct fs_job *j, int m)
{
	char link[64];
	long r = 0;

	magic_of(m, link, sizeof(link));
	switch (j->sys->op) {
	case FS_TRUNCATE: r = truncate(link, (off_t)j->x[0]); break;
	case FS_CHMOD:
		r = syscall(SYS_fchmodat2, m, "", (mode_t)j->x[0],
			    AT_EMPTY_PATH | (j->flags & AT_SYMLINK_NOFOLLOW));
		if (r < 0 && errno == ENOSYS) /* before 6.6: m is no symlink here */
			r = chmod(link, (mode_t)j->x[0]);
		break;
	case FS_CHOWN: r = fchownat(m, "", (uid_t)j->x[0], (gid_t)j->x[1], AT_EMPTY_PATH); break;
	case FS_UTIME:
	case FS_UTIMES:
	case FS_UTIMENS: r = utimensat(m, "", j->ts_null ? NULL : j->ts, AT_EMPTY_PATH); break;
	/* xattrs through the magic link: *xattrat refuses O_PATH fds, and
	 * the jump lands on m's inode even when it is a symlink. */
	case FS_SETXATTR: r = setxattr(link, j->name, j->buf, j->buf_len, (int)j->x[3]); break;
	case FS_GETXATTR: r = getxattr(link, j->name, j->buf, j->buf_len); break;
	case FS_LISTXATTR: r = listxattr(link, j->buf, j->buf_len); break;
	case FS_REMOVEXATTR: r = removexattr(link, j->name); break;
	case FS_READLINK: r = readlinkat(m, "", j->buf, j->buf_len); break;
	case FS_STAT: r = fstatat(m, "", (struct stat *)j->buf, AT_EMPTY_PATH); break;
	case FS_STATX:
		r = statx(m, "", AT_EMPTY_PATH | (j->flags & AT_STATX_SYNC_TYPE), (unsigned)j->x[0],
			  (struct statx *)j->buf);
		break;
	case FS_ACCESS:
		r = syscall(SYS_faccessat2, m, "", (int)j->x[0],
			    AT_EMPTY_PATH | (j->flags & AT_EACCESS));
		break;
	case FS_INOTIFY:
		r = inotify_add_watch(j->ifd, link, (uint32_t)j->x[1] & ~(uint32_t)IN_DONT_FOLLOW);
		break;
	default: break; /* FS_EXEC: judged only */
	}
	if (r < 0)
		return -errno;
	switch (j->sys->op) {
	case FS_STAT:
	case FS_STATX: j->out_len = j->buf_len; break;
	case FS_GETXATTR:
	case FS_LISTXATTR:
	case FS_READLINK: j->out_len = j->buf_len ? (size_t)r : 0; break; /* 0: the size asked */
	default: break;
	}
	return r;
}

/* Ops on one existing object. */
static long do_object(struct fs_job *j)
{
	int oflags = (j->flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0;
	long r;
	int m;

	if (j->sys->op == FS_INOTIFY)
		oflags = ((j->x[1] & IN_DONT_FOLLOW) ? O_NOFOLLOW : 0) |
			 ((j->x[1] & IN_ONLYDIR) ? O_DIRECTORY : 0);
	m = resolve(j->a[0].base, j->a[0].rest, oflags, 0);
	if (m < 0)
		return m;
	r = judge(j, m, HOLES_REACH);
	if (r == 0)
		r = object_op(j, m);
	close(m);
	return r;
}

void sup_fs_run(struct fs_job *j)
{
	switch (j->sys->op) {
	case FS_OPEN: j->ret = do_open(j); break;
	case FS_MKDIR:
	case FS_MKNOD:
	case FS_SYMLINK:
	case FS_UNLINK: j->ret = do_name(j); break;
	case FS_LINK: j->ret = do_link(j); break;
	case FS_RENAME: j->ret = do_rename(j); break;
	default: j->ret = do_object(j); break;
	}
}

