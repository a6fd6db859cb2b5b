/* ATTACKS.md item 3: a symlink swapped back and forth between an allowed
 * and a denied target while another thread opens it never yields denied
 * content.  The swap is an atomic RENAME_EXCHANGE of two symlinks, made
 * either by a thread of the runner (unsupervised, so it races the opener
 * thread's resolution at full speed) or by a second thread of the sandbox
 * itself.  Each run must see both outcomes (allowed content and EACCES),
 * which proves the race was live. */
#define _GNU_SOURCE
#include "test_holes.h"

#include <linux/openat2.h>
#include <pthread.h>

#define OPENS 3000

struct swap {
	char a[PATH_MAX], b[PATH_MAX];
	volatile int stop;
	unsigned long swaps;
};

static void *swapper(void *arg)
{
	struct swap *s = arg;

	while (!s->stop)
		if (syscall(SYS_renameat2, AT_FDCWD, s->a, AT_FDCWD, s->b, RENAME_EXCHANGE) == 0)
			s->swaps++;
	return NULL;
}

/* What the sandbox opens, and how. */
struct attempt {
	const char *rel; /* the swapped path, or a path through it */
	int how;         /* 0 open, 1 openat2, 2 O_CREAT through a dangling link */
	struct swap *own; /* swap from inside the sandbox when set */
};

static int open_once(const struct attempt *at, const char *path)
{
	struct open_how h = { .flags = O_RDONLY };

	switch (at->how) {
	case 1: return (int)syscall(SYS_openat2, AT_FDCWD, path, &h, sizeof(h));
	case 2: return open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	default: return open(path, O_RDONLY | O_CLOEXEC);
	}
}

static int c_race(void *arg)
{
	const struct attempt *at = arg;
	unsigned ok = 0, denied = 0;
	char path[PATH_MAX];
	pthread_t t;

	snprintf(path, sizeof(path), "%s", fx(at->rel));
	if (at->own && pthread_create(&t, NULL, swapper, at->own))
		return 4;
	for (int i = 0; i < OPENS; i++) {
		int fd = open_once(at, path);

		if (fd >= 0) {
			if (at->how != 2 && leaked(fd)) {
				fprintf(stderr, "secret read through '%s'\n", path);
				return 1;
			}
			ok++;
			close(fd);
		} else if (errno == EACCES) {
			denied++;
		} else {
			fprintf(stderr, "open '%s': %s\n", path, strerror(errno));
			return 2;
		}
	}
	if (at->own) {
		at->own->stop = 1;
		pthread_join(t, NULL);
	}
	fprintf(stderr, "%s via %d: %u opened, %u denied\n", at->rel, at->how, ok, denied);
	return ok && denied ? 0 : 3;
}

/* Runs attempt at against a swap of base/a and base/b, made by the runner
 * or, with own, by the sandbox. */
static int race(const char *a, const char *b, struct attempt *at, bool own)
{
	struct swap s;
	pthread_t t;
	int r;

	memset(&s, 0, sizeof(s));
	snprintf(s.a, sizeof(s.a), "%s", fx(a));
	snprintf(s.b, sizeof(s.b), "%s", fx(b));
	at->own = own ? &s : NULL;
	if (!own && pthread_create(&t, NULL, swapper, &s))
		return -1;
	r = run_confined(c_race, at);
	if (!own) {
		s.stop = 1;
		pthread_join(t, NULL);
	}
	return r;
}

static void links(const char *a, const char *ta, const char *b, const char *tb)
{
	assert_int_equal(symlink(ta, fx(a)), 0);
	assert_int_equal(symlink(tb, fx(b)), 0);
}

static void test_swap_file_link(void **state)
{
	struct attempt at = { "pub/lnk", 0, NULL };

	(void)state;
	links("pub/lnk", "ok.txt", "pub/alt", "../hole.txt");
	assert_int_equal(race("pub/lnk", "pub/alt", &at, false), 0);
	at.how = 1;
	assert_int_equal(race("pub/lnk", "pub/alt", &at, false), 0);
	assert_holes_intact();
}

/* The swapped link is a directory on the way: pub/dir/key is pub/key or
 * secret/key. */
static void test_swap_dir_link(void **state)
{
	struct attempt at = { "pub/dir/key", 0, NULL };

	(void)state;
	assert_int_equal(put("pub/key", PUBLIC), 0);
	links("pub/dir", ".", "pub/alt", "../secret");
	assert_int_equal(race("pub/dir", "pub/alt", &at, false), 0);
	assert_holes_intact();
}

/* The sandbox swaps for itself, from a second thread. */
static void test_swap_from_inside(void **state)
{
	struct attempt at = { "pub/lnk", 0, NULL };

	(void)state;
	links("pub/lnk", "ok.txt", "pub/alt", "../chain1");
	assert_int_equal(race("pub/lnk", "pub/alt", &at, true), 0);
	assert_holes_intact();
}

/* O_CREAT through a dangling link swapped between a new file in pub and
 * one in the directory hole: nothing is ever created in the hole. */
static void test_swap_creat(void **state)
{
	struct attempt at = { "pub/lnk", 2, NULL };

	(void)state;
	links("pub/lnk", "made", "pub/alt", "../secret/made");
	assert_int_equal(race("pub/lnk", "pub/alt", &at, false), 0);
	assert_false(exists("secret/made"));
	assert_true(exists("pub/made"));
	assert_holes_intact();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		HOLES_TEST(test_swap_file_link),
		HOLES_TEST(test_swap_dir_link),
		HOLES_TEST(test_swap_from_inside),
		HOLES_TEST(test_swap_creat),
	};
	return cmocka_run_group_tests_name("holes_race", tests, NULL, NULL);
}
