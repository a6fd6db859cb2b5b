/* Set-user-ID and set-group-ID files (a part of ATTACKS.md 11): a file the
 * sandbox marks set-id runs with the sandbox user's rights for anyone who
 * executes it later, outside the sandbox (a set-uid-root shell, when the
 * sandbox runs as root).  chmod and its variants may not set the bits, and
 * open, creat and mknod may not create a file with them.
 *
 * The runner makes a private directory and a file outside the filter; a
 * forked child enters the filter and attacks them; back in the runner the
 * test proves the mode is unchanged and that nothing was created.  openat2
 * is not covered (its mode is in memory BPF cannot read): see
 * tests/e2e/test_attacks_proc.sh. */
#define _GNU_SOURCE
#include "seccomp_kt.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Linux 6.6; glibc 2.36's headers do not name it.  The same number on
 * x86_64 and the asm-generic arches (core/seccomp_filter.c). */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define TMPFILE_BIT 020000000 /* the kernel's bare __O_TMPFILE */

static struct policy empty;

/* ---- attacks in a private directory ------------------------------------- */

static int c_setid(void *arg)
{
	int fd;

	ENTER(&empty);
	KT_EXPECT_OK(chdir(arg));
	KT_EXPECT_ERRNO(syscall(SYS_chmod, "f", 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_chmod, "f", 02755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_chmod, "f", 06777), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_chmod, "f", 04000), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_chmod, "f", HIGH | 04755), EPERM);
	KT_EXPECT_ERRNO(chmod("f", S_ISUID | 0755), EPERM); /* the libc wrapper */
	fd = open("f", O_RDONLY | O_CLOEXEC);
	KT_EXPECT_OK(fd);
	KT_EXPECT_ERRNO(syscall(SYS_fchmod, fd, 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fchmod, fd, 02711), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fchmodat, AT_FDCWD, "f", 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fchmodat, fd, "", 02755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fchmodat2, AT_FDCWD, "f", 04755, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_fchmodat2, fd, "", 06755, AT_EMPTY_PATH), EPERM);
	/* BPF cannot tell a directory from a file. */
	KT_EXPECT_ERRNO(syscall(SYS_chmod, "d", 02775), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_open, "g", O_CREAT | O_WRONLY, 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_open, "g", O_CREAT | O_EXCL | O_RDWR, 02755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, "g", O_CREAT | O_WRONLY | O_CLOEXEC, 04755),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, "g", HIGH | O_CREAT | O_WRONLY, HIGH | 04700),
			EPERM);
	KT_EXPECT_ERRNO(open("g", O_CREAT | O_WRONLY | O_CLOEXEC, 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, ".", O_TMPFILE | O_RDWR, 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_open, ".", TMPFILE_BIT | O_RDWR, 02755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_creat, "g", 04755), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_creat, "g", 02700), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_mknod, "g", S_IFREG | 04755, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_mknodat, AT_FDCWD, "g", S_IFREG | 02755, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_mknodat, AT_FDCWD, "g", S_IFIFO | 04600, 0), EPERM);
	return 0;
}

/* What must keep working, in the same directory. */
static int c_plain_modes(void *arg)
{
	int fd;

	ENTER(&empty);
	KT_EXPECT_OK(chdir(arg));
	KT_EXPECT_OK(chmod("f", 0700));
	KT_EXPECT_OK(syscall(SYS_chmod, "f", 01755)); /* sticky is harmless */
	KT_EXPECT_OK(syscall(SYS_chmod, "f", 0x10000 | 0755)); /* above umode_t */
	fd = open("f", O_RDONLY | O_CLOEXEC);
	KT_EXPECT_OK(fd);
	KT_EXPECT_OK(fchmod(fd, 0750));
	KT_EXPECT_OK(syscall(SYS_fchmodat2, AT_FDCWD, "f", 0755, 0));
	/* Without a creating flag the kernel ignores the mode. */
	KT_EXPECT_OK(syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY | O_CLOEXEC, 04755));
	KT_EXPECT_OK(open("plain", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	KT_EXPECT_OK(syscall(SYS_creat, "plain", 0600));
	KT_EXPECT_OK(mknod("fifo", S_IFIFO | 0600, 0));
	KT_EXPECT_OK(mkdir("sub", 0755));
	return 0;
}

/* ---- the runner's side -------------------------------------------------- */

/* The names in dir, sorted and joined with spaces, into buf. */
static void list_dir(const char *dir, char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t len = 0;

	buf[0] = '\0';
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "",
						names[i]->d_name);
		free(names[i]);
	}
	free(names);
	assert_true(len < size);
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static void remove_all(const char *dir)
{
	static const char *const names[] = { "f", "g", "plain", "fifo" };
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/d", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* A private directory holding f (0755) and d (0755). */
static void make_dir(char *dir)
{
	char path[256];
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0755), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static void test_setid_denied(void **state)
{
	char dir[] = "/tmp/sl-kt-setid.XXXXXX";
	char names[256];
	mode_t f, d;
	int rc;

	(void)state;
	make_dir(dir);
	rc = kt_fork(c_setid, dir);
	f = mode_of(dir, "f");
	d = mode_of(dir, "d");
	list_dir(dir, names, sizeof(names));
	remove_all(dir);
	assert_int_equal(rc, 0);
	assert_int_equal(f, S_IFREG | 0755);
	assert_int_equal(d, S_IFDIR | 0755);
	assert_string_equal(names, "d f"); /* no g, no O_TMPFILE file linked in */
}

static void test_plain_modes(void **state)
{
	char dir[] = "/tmp/sl-kt-setid.XXXXXX";
	char names[256];
	mode_t f, plain, fifo;
	int rc;

	(void)state;
	make_dir(dir);
	rc = kt_fork(c_plain_modes, dir);
	f = mode_of(dir, "f");
	plain = mode_of(dir, "plain");
	fifo = mode_of(dir, "fifo");
	list_dir(dir, names, sizeof(names));
	remove_all(dir);
	assert_int_equal(rc, 0);
	assert_int_equal(f, S_IFREG | 0755);
	assert_true(S_ISREG(plain) && !(plain & (S_ISUID | S_ISGID)));
	assert_true(S_ISFIFO(fifo));
	assert_string_equal(names, "d f fifo plain sub");
}

/* ---- every mode, in the simulator --------------------------------------- */

/* What a call with mode m should get: denied iff a set-id bit is set. */
static uint32_t want(uint64_t m)
{
	return m & (S_ISUID | S_ISGID) ? ERR(EPERM) : ALLOW;
}

static void test_sim_modes(void **state)
{
	static const uint64_t high[] = { 0, HIGH, 0xffff0000u, ~0xffffull };
	struct seccomp_filter f;

	(void)state;
	compile_or_fail(&empty, &f);
	for (size_t h = 0; h < sizeof(high) / sizeof(high[0]); h++)
		for (uint64_t m = 0; m <= 07777; m++) {
			uint64_t mode = high[h] | m | (h ? S_IFREG : 0);
			uint64_t a1[6] = { 0, mode }, a2[6] = { 0, 0, mode };
			uint64_t a3[6] = { 0, 0, 0, mode };
			uint64_t open_create[6] = { 0, O_CREAT | O_WRONLY, mode };
			uint64_t open_tmp[6] = { 0, O_TMPFILE | O_RDWR, mode };
			uint64_t open_plain[6] = { 0, O_RDONLY, mode };
			uint64_t at_create[6] = { 0, 0, high[h] | O_CREAT | O_EXCL, mode };
			uint64_t at_tmp[6] = { 0, 0, TMPFILE_BIT | O_RDWR, mode };
			uint64_t at_plain[6] = { 0, 0, O_RDWR | O_DIRECTORY, mode };

			assert_int_equal(sim_call6(&f, SYS_chmod, a1), want(m));
			assert_int_equal(sim_call6(&f, SYS_fchmod, a1), want(m));
			assert_int_equal(sim_call6(&f, SYS_creat, a1), want(m));
			assert_int_equal(sim_call6(&f, SYS_mknod, a1), want(m));
			assert_int_equal(sim_call6(&f, SYS_fchmodat, a2), want(m));
			assert_int_equal(sim_call6(&f, SYS_fchmodat2, a2), want(m));
			assert_int_equal(sim_call6(&f, SYS_mknodat, a2), want(m));
			assert_int_equal(sim_call6(&f, SYS_open, open_create), want(m));
			assert_int_equal(sim_call6(&f, SYS_open, open_tmp), want(m));
			assert_int_equal(sim_call6(&f, SYS_open, open_plain), ALLOW);
			assert_int_equal(sim_call6(&f, SYS_openat, at_create), want(m));
			assert_int_equal(sim_call6(&f, SYS_openat, at_tmp), want(m));
			assert_int_equal(sim_call6(&f, SYS_openat, at_plain), ALLOW);
			/* The mode of these is in memory: out of reach. */
			assert_int_equal(sim_call6(&f, SYS_openat2, a3), ALLOW);
			assert_int_equal(sim_call6(&f, SYS_mkdir, a1), ALLOW);
		}
	seccomp_filter_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_modes),
		cmocka_unit_test(test_setid_denied),
		cmocka_unit_test(test_plain_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
