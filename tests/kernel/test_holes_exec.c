/* Exec of a file in a deny hole (ATTACKS.md item 2, last vector).  The
 * exec handler (core/sup_exec.c) lets the kernel run an exec it allows, so
 * holes give it two checks, both tested here on the real kernel:
 *   - sup_fs_exec_check() before: resolves the file as the caller would
 *     and denies a hole with EACCES (the common, non-racing case);
 *   - holes_check_image() after, on the new image stopped before its first
 *     instruction: its executable and every file it maps (the ELF
 *     interpreter included) against the holes.  This one holds whatever
 *     was swapped in between. */
#define _GNU_SOURCE
#include "test_holes.h"

#include <elf.h>
#include <sys/ptrace.h>

/* Copies from into base/rel, mode 0755. */
static void copy(const char *from, const char *rel)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(fx(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t n;

	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* Rewrites the PT_INTERP of base/rel to interp (which must fit). */
static void set_interp(const char *rel, const char *interp)
{
	int fd = open(fx(rel), O_RDWR | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	char pad[256] = { 0 };
	bool done = false;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum && !done; i++) {
		assert_int_equal(pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * eh.e_phentsize)),
				 sizeof(ph));
		if (ph.p_type != PT_INTERP)
			continue;
		assert_true(strlen(interp) < ph.p_filesz && ph.p_filesz <= sizeof(pad));
		memcpy(pad, interp, strlen(interp));
		assert_int_equal(pwrite(fd, pad, ph.p_filesz, (off_t)ph.p_offset), ph.p_filesz);
		done = true;
	}
	close(fd);
	assert_true(done);
}

/* ---- before: sup_fs_exec_check() ---------------------------------------- */

/* A lenient exec handler: the hole check, then the kernel runs it. */
static void serve_exec(struct sup_call *c)
{
	if (c->req.data.nr != SYS_execve) {
		sup_fs_judge(c, &hf.fs);
		return;
	}
	if (sup_fs_exec_check(c, &hf.fs) == 0)
		sup_continue(c);
}

static int run_prog(const char *path)
{
	char *const argv[] = { (char *)"prog", NULL };
	int st;
	pid_t p = fork();

	if (p == 0) {
		execve(path, argv, environ);
		_exit(errno);
	}
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int c_exec(void *arg)
{
	char *const argv[] = { (char *)"prog", NULL };

	(void)arg;
	KT_EXPECT_ERRNO(execve(fx("secret/prog"), argv, environ), EACCES);
	KT_EXPECT_ERRNO(execve(fx("sym_dir/prog"), argv, environ), EACCES);
	KT_EXPECT_ERRNO(execve(fx("hole.txt"), argv, environ), EACCES);
	/* An allowed copy runs, its loader's opens served on its behalf. */
	if (run_prog(fx("pub/prog")) != 0) {
		fprintf(stderr, "the allowed program did not run\n");
		return 1;
	}
	return 0;
}

static void test_exec_precheck(void **state)
{
	(void)state;
	copy("/bin/true", "secret/prog");
	copy("/bin/true", "pub/prog");
	assert_int_equal(run_confined_with(c_exec, NULL, serve_exec), 0);
	assert_holes_intact();
}

/* ---- after: holes_check_image() ----------------------------------------- */

/* Starts path in a confined, traced child stopped at its exec. */
static pid_t exec_stopped(const char *path)
{
	char *const argv[] = { (char *)"prog", NULL };
	int st;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || landlock_apply(hf.ruleset) < 0 ||
		    ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(90);
		execve(path, argv, environ);
		_exit(91);
	}
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) {
		fprintf(stderr, "'%s' did not stop at its exec\n", path);
		return -1;
	}
	return p;
}

static int image_verdict(const char *rel)
{
	pid_t p = exec_stopped(fx(rel));
	int r;

	if (p < 0)
		return -1000;
	r = holes_check_image(&hf.holes, p);
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return r;
}

static void test_exec_image(void **state)
{
	(void)state;
	copy("/bin/true", "secret/prog");
	copy("/bin/true", "pub/prog");
	/* Hole 0 is the directory secret; the copy made after the start is
	 * matched by its path. */
	assert_int_equal(image_verdict("secret/prog"), 0);
	assert_int_equal(image_verdict("pub/prog"), -1);
}

/* An allowed program whose ELF interpreter is a file in a hole: the
 * kernel maps the hole as code.  base/l must fit in the 28 bytes of
 * Debian's PT_INTERP, so base is short. */
static void test_exec_interp(void **state)
{
	struct diag d = { { 0 } };
	char ldso[PATH_MAX];
	int idx;

	(void)state;
	assert_true(realpath("/lib64/ld-linux-x86-64.so.2", ldso) != NULL);
	copy(ldso, "l");
	idx = holes_add(&hf.holes, fx("l"), (struct policy_origin){ 0 }, 9, &d);
	assert_int_equal(idx, 0);
	copy("/bin/true", "pub/prog");
	set_interp("pub/prog", fx("l"));
	assert_int_equal(image_verdict("pub/prog"), (int)hf.holes.n - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		HOLES_TEST(test_exec_precheck),
		HOLES_TEST(test_exec_image),
		HOLES_TEST(test_exec_interp),
	};
	return cmocka_run_group_tests_name("holes_exec", tests, NULL, NULL);
}
