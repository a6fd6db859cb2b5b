/* Deny holes against every vector of ATTACKS.md item 2, on the real
 * kernel: a confined child attacks the fixture of test_holes.h through the
 * real handlers, and the runner checks the host afterwards. */
#define _GNU_SOURCE
#include "test_holes.h"

#include <linux/openat2.h>
#include <sys/inotify.h>
#include <sys/time.h>
#include <sys/xattr.h>

static long o2(int dfd, const char *p, uint64_t flags, uint64_t resolve)
{
	struct open_how h = { .flags = flags, .resolve = resolve };

	return syscall(SYS_openat2, dfd, p, &h, sizeof(h));
}

/* Inside a child: fd must be open and read "public". */
#define EXPECT_PUBLIC(fd_expr)                                                \
	do {                                                                  \
		char b_[16] = { 0 };                                          \
		int f_ = (int)(fd_expr);                                      \
		KT_EXPECT_OK(f_);                                             \
		if (read(f_, b_, sizeof(b_) - 1) != 6 || strcmp(b_, PUBLIC)) { \
			fprintf(stderr, "%s:%d: wrong content '%s'\n",        \
				__FILE__, __LINE__, b_);                      \
			return 1;                                             \
		}                                                             \
		close(f_);                                                    \
	} while (0)

/* ---- plain open ---------------------------------------------------------- */

static int c_open_plain(void *arg)
{
	(void)arg;
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("hole.txt"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, fx("hole.txt"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("secret"), O_RDONLY | O_DIRECTORY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("secret/key"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("secret/sub/deep"), O_RDWR), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("secret//sub/./deep"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("pub/../hole.txt"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_creat, fx("secret/new"), 0600), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("secret/new"), O_CREAT | O_WRONLY, 0600), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("hole.txt"), O_CREAT | O_WRONLY, 0600), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("secret"), O_TMPFILE | O_RDWR, 0600), EACCES);
	/* Relative to the cwd and to a dirfd, chdir being unsupervised. */
	KT_EXPECT_OK(chdir(base));
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, "hole.txt", O_RDONLY), EACCES);
	KT_EXPECT_OK(chdir("secret"));
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, "key", O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY), EACCES);
	/* What must keep working. */
	EXPECT_PUBLIC(syscall(SYS_open, fx("pub/ok.txt"), O_RDONLY));
	EXPECT_PUBLIC(syscall(SYS_openat, AT_FDCWD, "../pub/ok.txt", O_RDONLY));
	KT_EXPECT_OK(syscall(SYS_open, fx("pub/new"), O_CREAT | O_EXCL | O_WRONLY, 0666));
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("pub/new"), O_CREAT | O_EXCL | O_WRONLY, 0666),
			EEXIST);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("pub/ok.txt/x"), O_RDONLY), ENOTDIR);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("pub/none"), O_RDONLY), ENOENT);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("pub"), O_WRONLY), EISDIR);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("pub"), O_CREAT | O_WRONLY, 0600), EISDIR);
	KT_EXPECT_ERRNO(syscall(SYS_open, "/etc/hostname", O_RDONLY), EACCES); /* Landlock */
	return 0;
}

static void test_open_plain(void **state)
{
	struct stat st;

	(void)state;
	umask(022);
	assert_int_equal(run_confined(c_open_plain, NULL), 0);
	assert_holes_intact();
	assert_false(exists("secret/new"));
	/* Created with the caller's mode and umask. */
	assert_int_equal(stat(fx("pub/new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

/* ---- openat2 ------------------------------------------------------------- */

static int c_openat2(void *arg)
{
	struct open_how h = { .flags = O_RDONLY };
	char big[64] = { 0 };
	int d;

	(void)arg;
	KT_EXPECT_ERRNO(o2(AT_FDCWD, fx("hole.txt"), O_RDONLY, 0), EACCES);
	d = (int)o2(AT_FDCWD, base, O_RDONLY | O_DIRECTORY, 0);
	KT_EXPECT_OK(d);
	/* O_PATH cannot be installed for the caller: judged, then ENOSYS. */
	KT_EXPECT_ERRNO(o2(d, "hole.txt", O_PATH, 0), EACCES);
	KT_EXPECT_ERRNO(o2(d, "pub/ok.txt", O_PATH, 0), ENOSYS);
	KT_EXPECT_ERRNO(o2(d, "hole.txt", O_RDONLY, RESOLVE_BENEATH), EACCES);
	KT_EXPECT_ERRNO(o2(d, "/hole.txt", O_RDONLY, RESOLVE_IN_ROOT), EACCES);
	KT_EXPECT_ERRNO(o2(d, "sym_pre", O_RDONLY, RESOLVE_BENEATH), EACCES);
	KT_EXPECT_ERRNO(o2(d, "secret/key", O_RDONLY, RESOLVE_NO_XDEV), EACCES);
	KT_EXPECT_ERRNO(o2(d, "sym_pre", O_RDONLY, RESOLVE_NO_SYMLINKS), ELOOP);
	KT_EXPECT_ERRNO(o2(d, fx("pub/ok.txt"), O_RDONLY, RESOLVE_BENEATH), EXDEV);
	/* The kernel's own checks of struct open_how. */
	KT_EXPECT_ERRNO(syscall(SYS_openat2, d, "pub/ok.txt", &h, 8), EINVAL);
	memcpy(big, &h, sizeof(h));
	big[40] = 1;
	KT_EXPECT_ERRNO(syscall(SYS_openat2, d, "pub/ok.txt", big, sizeof(big)), E2BIG);
	KT_EXPECT_ERRNO(o2(d, "pub/ok.txt", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
	/* Set-id modes, which the deny list cannot see in openat2's struct. */
	h = (struct open_how){ .flags = O_CREAT | O_WRONLY, .mode = 04755 };
	KT_EXPECT_ERRNO(syscall(SYS_openat2, d, "pub/suid", &h, sizeof(h)), EPERM);
	h.mode = 02755;
	KT_EXPECT_ERRNO(syscall(SYS_openat2, d, "pub/suid", &h, sizeof(h)), EPERM);
	h = (struct open_how){ .flags = O_RDONLY };
	EXPECT_PUBLIC(o2(d, "pub/ok.txt", O_RDONLY, RESOLVE_BENEATH));
	EXPECT_PUBLIC(syscall(SYS_openat2, d, "pub/ok.txt", big, 32));
	return 0;
}

static void test_openat2(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_openat2, NULL), 0);
	assert_holes_intact();
	assert_false(exists("pub/suid"));
}

/* ---- symlinks ------------------------------------------------------------ */

static int c_symlinks(void *arg)
{
	(void)arg;
	/* Pre-existing, chained, to a directory hole. */
	KT_EXPECT_ERRNO(open(fx("sym_pre"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(open(fx("chain1"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(open(fx("sym_dir/key"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(open(fx("sym_dir/sub/deep"), O_RDONLY), EACCES);
	/* New ones: making a symlink is allowed, following it is not. */
	KT_EXPECT_OK(symlink(fx("hole.txt"), fx("pub/l1")));
	KT_EXPECT_ERRNO(open(fx("pub/l1"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(open(fx("pub/l1"), O_RDONLY | O_NOFOLLOW), ELOOP);
	KT_EXPECT_OK(symlink("../secret", fx("pub/l2")));
	KT_EXPECT_ERRNO(open(fx("pub/l2/key"), O_RDONLY), EACCES);
	KT_EXPECT_OK(symlink("../chain1", fx("pub/l3")));
	KT_EXPECT_ERRNO(open(fx("pub/l3"), O_RDWR), EACCES);
	/* O_CREAT through a dangling symlink would create in the hole. */
	KT_EXPECT_OK(symlink("../secret/created", fx("pub/l4")));
	KT_EXPECT_ERRNO(open(fx("pub/l4"), O_CREAT | O_WRONLY, 0600), EACCES);
	KT_EXPECT_ERRNO(symlink("x", fx("secret/l5")), EACCES);
	/* A dangling symlink to an allowed place creates there. */
	KT_EXPECT_OK(symlink("made", fx("pub/l6")));
	KT_EXPECT_OK(open(fx("pub/l6"), O_CREAT | O_WRONLY, 0600));
	return 0;
}

static void test_symlinks(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_symlinks, NULL), 0);
	assert_holes_intact();
	assert_false(exists("secret/created"));
	assert_false(exists("secret/l5"));
	assert_true(exists("pub/made"));
}

/* ---- hardlinks ----------------------------------------------------------- */

static int c_hardlinks(void *arg)
{
	(void)arg;
	/* New ones. */
	KT_EXPECT_ERRNO(link(fx("hole.txt"), fx("pub/h1")), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_linkat, AT_FDCWD, fx("secret/key"), AT_FDCWD, fx("pub/h2"), 0),
			EACCES);
	KT_EXPECT_ERRNO(linkat(AT_FDCWD, fx("sym_pre"), AT_FDCWD, fx("pub/h3"), AT_SYMLINK_FOLLOW),
			EACCES);
	KT_EXPECT_ERRNO(link(fx("pub/ok.txt"), fx("secret/h4")), EACCES);
	/* The one made before the start: the same inode. */
	KT_EXPECT_ERRNO(open(fx("hard_pre"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(link(fx("hard_pre"), fx("pub/h5")), EACCES);
	KT_EXPECT_ERRNO(rename(fx("hard_pre"), fx("pub/h6")), EACCES);
	KT_EXPECT_ERRNO(unlink(fx("hard_pre")), EACCES);
	KT_EXPECT_ERRNO(truncate(fx("hard_pre"), 0), EACCES);
	/* Linking the symlink itself is harmless: following it is judged. */
	KT_EXPECT_OK(linkat(AT_FDCWD, fx("sym_pre"), AT_FDCWD, fx("h7"), 0));
	KT_EXPECT_ERRNO(open(fx("h7"), O_RDONLY), EACCES);
	KT_EXPECT_OK(link(fx("pub/ok.txt"), fx("pub/h8")));
	EXPECT_PUBLIC(open(fx("pub/h8"), O_RDONLY));
	return 0;
}

static void test_hardlinks(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_hardlinks, NULL), 0);
	assert_holes_intact();
	assert_false(exists("pub/h1") || exists("pub/h2") || exists("pub/h3") ||
		     exists("secret/h4") || exists("pub/h5") || exists("pub/h6"));
	assert_true(exists("hard_pre"));
}

/* ---- renames ------------------------------------------------------------- */

static int c_rename_onto(void *arg)
{
	(void)arg;
	KT_EXPECT_ERRNO(rename(fx("pub/ok.txt"), fx("hole.txt")), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_renameat, AT_FDCWD, fx("pub/ok.txt"), AT_FDCWD,
				fx("secret/key")), EACCES);
	KT_EXPECT_ERRNO(rename(fx("pub/ok.txt"), fx("secret/newname")), EACCES);
	KT_EXPECT_ERRNO(rename(fx("pub/ok.txt"), fx("hard_pre")), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_renameat2, AT_FDCWD, fx("pub/ok.txt"), AT_FDCWD,
				fx("hole.txt"), RENAME_EXCHANGE), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_renameat2, AT_FDCWD, fx("pub"), AT_FDCWD, fx("secret"),
				RENAME_EXCHANGE), EACCES);
	return 0;
}

static void test_rename_onto(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_rename_onto, NULL), 0);
	assert_holes_intact();
	assert_string_equal(get("pub/ok.txt"), PUBLIC);
	assert_false(exists("secret/newname"));
}

static int c_rename_away(void *arg)
{
	(void)arg;
	KT_EXPECT_ERRNO(rename(fx("hole.txt"), fx("pub/stolen")), EACCES);
	KT_EXPECT_ERRNO(rename(fx("secret/key"), fx("pub/stolen")), EACCES);
	KT_EXPECT_ERRNO(rename(fx("secret"), fx("pub/stolen")), EACCES);
	/* The directories above a hole would move it. */
	KT_EXPECT_ERRNO(rename(fx("nest"), fx("pub/stolen")), EACCES);
	KT_EXPECT_ERRNO(rename(fx("nest/inner"), fx("pub/stolen")), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_renameat2, AT_FDCWD, fx("hole.txt"), AT_FDCWD,
				fx("pub/stolen"), RENAME_NOREPLACE), EACCES);
	/* A symlink to a hole is no hole: it may move. */
	KT_EXPECT_OK(rename(fx("sym_dir"), fx("sd")));
	KT_EXPECT_ERRNO(open(fx("sd/key"), O_RDONLY), EACCES);
	KT_EXPECT_OK(rename(fx("pub/ok.txt"), fx("pub/ok2.txt")));
	return 0;
}

static void test_rename_away(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_rename_away, NULL), 0);
	assert_holes_intact();
	assert_false(exists("pub/stolen"));
	assert_string_equal(get("pub/ok2.txt"), PUBLIC);
}

/* ---- truncate and unlink ------------------------------------------------- */

static int c_truncate(void *arg)
{
	(void)arg;
	KT_EXPECT_ERRNO(truncate(fx("hole.txt"), 0), EACCES);
	KT_EXPECT_ERRNO(truncate(fx("sym_pre"), 0), EACCES);
	KT_EXPECT_ERRNO(truncate(fx("secret/key"), 0), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("hole.txt"), O_WRONLY | O_TRUNC), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("chain1"), O_RDWR | O_TRUNC), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_open, fx("hard_pre"), O_CREAT | O_TRUNC | O_WRONLY, 0600),
			EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_creat, fx("hole.txt"), 0600), EACCES);
	KT_EXPECT_OK(truncate(fx("pub/ok.txt"), 2));
	return 0;
}

static void test_truncate(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_truncate, NULL), 0);
	assert_holes_intact();
	assert_string_equal(get("pub/ok.txt"), "pu");
}

static int c_unlink(void *arg)
{
	int d;

	(void)arg;
	KT_EXPECT_ERRNO(unlink(fx("hole.txt")), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_unlinkat, AT_FDCWD, fx("secret/key"), 0), EACCES);
	KT_EXPECT_ERRNO(unlink(fx("nest/inner/hole2.txt")), EACCES);
	KT_EXPECT_ERRNO(rmdir(fx("secret/sub")), EACCES);
	KT_EXPECT_ERRNO(rmdir(fx("secret")), EACCES);
	d = open(base, O_PATH | O_DIRECTORY);
	KT_EXPECT_OK(d);
	KT_EXPECT_ERRNO(unlinkat(d, "secret", AT_REMOVEDIR), EACCES);
	KT_EXPECT_ERRNO(unlinkat(d, "hole.txt", 0), EACCES);
	KT_EXPECT_ERRNO(unlinkat(d, "pub/ok.txt", AT_REMOVEDIR), ENOTDIR);
	KT_EXPECT_OK(unlinkat(d, "sym_pre", 0)); /* the symlink, not the hole */
	return 0;
}

static void test_unlink(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_unlink, NULL), 0);
	assert_holes_intact();
	assert_false(exists("sym_pre"));
}

/* ---- /proc/self/fd and O_PATH ------------------------------------------- */

static int c_proc_reopen(void *arg)
{
	char p[PATH_MAX];
	int d, f;

	(void)arg;
	d = open(base, O_PATH | O_DIRECTORY);
	KT_EXPECT_OK(d);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/hole.txt", d);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	snprintf(p, sizeof(p), "/dev/fd/%d/secret/key", d);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	snprintf(p, sizeof(p), "/proc/thread-self/fd/%d/hole.txt", d);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	snprintf(p, sizeof(p), "/proc/%d/fd/%d/sym_pre", (int)getpid(), d);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	KT_EXPECT_OK(chdir(base));
	KT_EXPECT_ERRNO(open("/proc/self/cwd/hole.txt", O_RDONLY), EACCES);
	snprintf(p, sizeof(p), "/proc/self/root%s", fx("hole.txt"));
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	/* Through a symlink, /proc/self would be sandlock's: its fds are
	 * magic links, never followed; its other entries are refused. */
	KT_EXPECT_OK(symlink("/proc/self/fd", fx("pub/pfd")));
	KT_EXPECT_ERRNO(open(fx("pub/pfd/1"), O_RDONLY), ELOOP);
	KT_EXPECT_OK(symlink("/proc/self", fx("pub/ps")));
	KT_EXPECT_ERRNO(open(fx("pub/ps/status"), O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(open(fx("pub/ps/cwd/hole.txt"), O_RDONLY), ELOOP);
	/* The caller's own allowed files still reopen. */
	f = open(fx("pub/ok.txt"), O_RDONLY);
	KT_EXPECT_OK(f);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", f);
	EXPECT_PUBLIC(open(p, O_RDONLY));
	snprintf(p, sizeof(p), "/dev/fd/%d", f);
	EXPECT_PUBLIC(open(p, O_RDONLY));
	snprintf(p, sizeof(p), "/proc/self/fd/%d/pub/ok.txt", d);
	EXPECT_PUBLIC(open(p, O_RDONLY));
	return 0;
}

static void test_proc_reopen(void **state)
{
	(void)state;
	assert_int_equal(run_confined(c_proc_reopen, NULL), 0);
	assert_holes_intact();
}

struct inherited {
	int file, dir;
};

/* O_PATH fds of holes, handed in from outside or opened by the sandbox
 * (open and openat with O_PATH are let through): nothing reads them, and
 * they cannot be upgraded. */
static int opath_useless(int file, int dir)
{
	char p[PATH_MAX], c;

	KT_EXPECT_ERRNO(read(file, &c, 1), EBADF);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", file);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(open(p, O_WRONLY | O_TRUNC), EACCES);
	snprintf(p, sizeof(p), "/dev/fd/%d", file);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/key", dir);
	KT_EXPECT_ERRNO(open(p, O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(openat(dir, "key", O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(openat(dir, ".", O_RDONLY), EACCES);
	KT_EXPECT_ERRNO(openat(dir, "", O_RDONLY), ENOENT);
	KT_EXPECT_ERRNO(linkat(file, "", AT_FDCWD, fx("pub/x"), AT_EMPTY_PATH), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_fchownat, file, "", -1, -1, AT_EMPTY_PATH), EACCES);
	KT_EXPECT_OK(fchdir(dir));
	KT_EXPECT_ERRNO(open(".", O_RDONLY | O_DIRECTORY), EACCES);
	KT_EXPECT_ERRNO(open("key", O_RDONLY), EACCES);
	return 0;
}

static int c_opath_upgrade(void *arg)
{
	const struct inherited *in = arg;
	char p[PATH_MAX];
	int f, d;

	if (opath_useless(in->file, in->dir))
		return 1;
	f = open(fx("hole.txt"), O_PATH);
	d = open(fx("sym_dir"), O_PATH | O_DIRECTORY);
	KT_EXPECT_OK(f);
	KT_EXPECT_OK(d);
	if (opath_useless(f, d))
		return 1;

	/* The sandbox's own O_PATH fds of allowed files upgrade. */
	f = open(fx("pub/ok.txt"), O_PATH);
	KT_EXPECT_OK(f);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", f);
	EXPECT_PUBLIC(open(p, O_RDONLY));
	return 0;
}

static void test_opath_upgrade(void **state)
{
	struct inherited in;

	(void)state;
	in.file = open(fx("hole.txt"), O_PATH);
	in.dir = open(fx("secret"), O_PATH | O_DIRECTORY);
	assert_true(in.file >= 0 && in.dir >= 0);
	assert_int_equal(run_confined(c_opath_upgrade, &in), 0);
	close(in.file);
	close(in.dir);
	assert_holes_intact();
	assert_false(exists("pub/x"));
}

/* ---- everything else that names a path ---------------------------------- */

static int c_metadata(void *arg)
{
	struct stat st;
	struct statx stx;
	char buf[64];
	int in;

	(void)arg;
	KT_EXPECT_ERRNO(chmod(fx("hole.txt"), 0600), EACCES);
	KT_EXPECT_ERRNO(syscall(SYS_fchmodat, AT_FDCWD, fx("secret/key"), 0600), EACCES);
	KT_EXPECT_ERRNO(chown(fx("hole.txt"), (uid_t)-1, (gid_t)-1), EACCES);
	KT_EXPECT_ERRNO(lchown(fx("secret"), (uid_t)-1, (gid_t)-1), EACCES);
	KT_EXPECT_ERRNO(utimes(fx("hole.txt"), NULL), EACCES);
	KT_EXPECT_ERRNO(utimensat(AT_FDCWD, fx("sym_pre"), NULL, 0), EACCES);
	KT_EXPECT_ERRNO(setxattr(fx("hole.txt"), "user.x", "v", 1, 0), EACCES);
	KT_EXPECT_ERRNO(getxattr(fx("hole.txt"), "user.x", buf, sizeof(buf)), EACCES);
	KT_EXPECT_ERRNO(listxattr(fx("secret/key"), buf, sizeof(buf)), EACCES);
	KT_EXPECT_ERRNO(removexattr(fx("hole.txt"), "user.x"), EACCES);
	KT_EXPECT_ERRNO(readlink(fx("hole.txt"), buf, sizeof(buf)), EACCES);
	KT_EXPECT_ERRNO(stat(fx("hole.txt"), &st), EACCES);
	KT_EXPECT_ERRNO(lstat(fx("secret/key"), &st), EACCES);
	KT_EXPECT_ERRNO(stat(fx("sym_pre"), &st), EACCES);
	KT_EXPECT_ERRNO(statx(AT_FDCWD, fx("hole.txt"), 0, STATX_BASIC_STATS, &stx), EACCES);
	KT_EXPECT_ERRNO(access(fx("hole.txt"), F_OK), EACCES);
	KT_EXPECT_ERRNO(faccessat(AT_FDCWD, fx("secret"), R_OK, AT_EACCESS), EACCES);
	KT_EXPECT_ERRNO(mkdir(fx("secret/d"), 0755), EACCES);
	KT_EXPECT_ERRNO(mknod(fx("secret/fifo"), S_IFIFO | 0600, 0), EACCES);
	in = inotify_init1(IN_CLOEXEC);
	KT_EXPECT_OK(in);
	KT_EXPECT_ERRNO(inotify_add_watch(in, fx("hole.txt"), IN_ALL_EVENTS), EACCES);
	KT_EXPECT_ERRNO(inotify_add_watch(in, fx("secret"), IN_ALL_EVENTS), EACCES);
	/* What must keep working. */
	KT_EXPECT_OK(stat(fx("pub/ok.txt"), &st));
	KT_EXPECT_OK(st.st_size == 6 ? 0 : -1);
	KT_EXPECT_OK(statx(AT_FDCWD, fx("pub"), 0, STATX_BASIC_STATS, &stx));
	KT_EXPECT_OK(S_ISDIR(stx.stx_mode) ? 0 : -1);
	KT_EXPECT_OK(access(fx("pub/ok.txt"), R_OK));
	KT_EXPECT_ERRNO(access(fx("pub/none"), F_OK), ENOENT);
	KT_EXPECT_OK(readlink(fx("sym_pre"), buf, sizeof(buf)) == 8 ? 0 : -1);
	KT_EXPECT_OK(memcmp(buf, "hole.txt", 8) == 0 ? 0 : -1);
	KT_EXPECT_OK(readlink("/proc/self/exe", buf, sizeof(buf)));
	KT_EXPECT_OK(chmod(fx("pub/ok.txt"), 0640));
	KT_EXPECT_OK(inotify_add_watch(in, fx("pub"), IN_ALL_EVENTS));
	KT_EXPECT_OK(mkdir(fx("pub/d"), 0700));
	return 0;
}

static void test_metadata(void **state)
{
	struct stat before, after;

	(void)state;
	assert_int_equal(stat(fx("hole.txt"), &before), 0);
	assert_int_equal(run_confined(c_metadata, NULL), 0);
	assert_int_equal(stat(fx("hole.txt"), &after), 0);
	assert_int_equal(before.st_mode, after.st_mode);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_holes_intact();
	assert_false(exists("secret/d") || exists("secret/fifo"));
	assert_true(exists("pub/d"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		HOLES_TEST(test_open_plain),   HOLES_TEST(test_openat2),
		HOLES_TEST(test_symlinks),     HOLES_TEST(test_hardlinks),
		HOLES_TEST(test_rename_onto),  HOLES_TEST(test_rename_away),
		HOLES_TEST(test_truncate),     HOLES_TEST(test_unlink),
		HOLES_TEST(test_proc_reopen),  HOLES_TEST(test_opath_upgrade),
		HOLES_TEST(test_metadata),
	};
	return cmocka_run_group_tests_name("holes", tests, NULL, NULL);
}
