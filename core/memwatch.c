/* [limits] memory without cgroups: a thread of sandlock samples the
 * sandbox's memory every MEMWATCH_PERIOD_MS and, while the sum is over the
 * limit, kills the largest process (SIGKILL).
 *
 * What counts: each process's proportional share of anonymous and shared
 * memory (Pss_Anon + Pss_Shmem of /proc/PID/smaps_rollup, Linux 5.9).  Pss
 * splits a page shared by n processes n ways, so pages a fork shares
 * copy-on-write count once in the sum, not once per process; file-backed
 * pages are reclaimable cache and do not count.  A balloon can overshoot by
 * what it allocates within one period before it is killed: that is the
 * documented precision (schemas/policy.md). */
#define _GNU_SOURCE
#include "memwatch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proctree.h"
#include "sys.h"
#include "banned.h"

#define MEMWATCH_PERIOD_MS 20
#define PEAKS_PERIOD_MS 100 /* without a limit: peaks only, cheaper */

struct memwatch {
	pid_t root;
	uint64_t limit;
	struct event_sink *sink;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* stop: ends the wait between samples at once */
	bool stop;
	unsigned kills;
	struct memwatch_peaks peaks;
};

/* Open descriptors of pid (entries of /proc/PID/fd), 0 if unreadable. */
static uint64_t fds_of(pid_t pid)
{
	char path[64];
	uint64_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 2 ? n - 2 : 0; /* . and .. */
}

/* Pss_Anon + Pss_Shmem of pid in bytes, or -errno (the process exited). */
static int64_t pss_of(pid_t pid)
{
	char path[64], buf[4096];
	uint64_t anon = 0, shmem = 0;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH; /* empty: a zombie or kernel thread */
	buf[n] = '\0';
	if ((p = strstr(buf, "\nPss_Anon:")))
		anon = strtoull(p + 10, NULL, 10);
	if ((p = strstr(buf, "\nPss_Shmem:")))
		shmem = strtoull(p + 11, NULL, 10);
	return (int64_t)((anon + shmem) * 1024);
}

static void emit_kill(struct memwatch *w, pid_t victim, uint64_t total)
{
	struct event e = { .kind = EVENT_MEM, .verdict = EVENT_DENY, .err = 0,
			   .rule = "limits.memory", .syscall = "none", .nr = -1,
			   .pid = victim, .detail = "over the sandbox's memory limit: killed" };
	struct timespec now;

	if (!w->sink)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	e.time_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	e.mem.bytes = total;
	e.mem.limit = w->limit;
	w->sink->emit(w->sink, &e);
}

/* One sample: kills the largest process while the sum is over the limit.
 * A scan of /proc that fails kills nothing and is retried next period. */
static void sample(struct memwatch *w)
{
	pid_t *pids = NULL, victim = 0;
	uint64_t total = 0, largest = 0;
	ssize_t n = proctree_list(w->root, &pids);

	for (ssize_t i = 0; i < n; i++) {
		int64_t b = pss_of(pids[i]);
		uint64_t fds = w->limit ? 0 : fds_of(pids[i]);

		if (fds > w->peaks.open_files)
			w->peaks.open_files = fds;
		if (b < 0)
			continue;
		total += (uint64_t)b;
		if ((uint64_t)b >= largest) {
			largest = (uint64_t)b;
			victim = pids[i];
		}
	}
	if (n > 0 && (uint64_t)n > w->peaks.processes)
		w->peaks.processes = (uint64_t)n;
	if (total > w->peaks.memory)
		w->peaks.memory = total;
	if (w->limit && total > w->limit && victim > 0) {
		/* Pin before signalling: the pid must still be the one we
		 * measured (a pidfd refers to one process, never a reused pid). */
		int fd = sys_pidfd_open(victim, 0);

		if (fd >= 0) {
			if (sys_pidfd_send_signal(fd, SIGKILL, 0) == 0) {
				w->kills++;
				emit_kill(w, victim, total);
			}
			close(fd);
		}
	}
	free(pids);
}

static void *watch_main(void *arg)
{
	struct memwatch *w = arg;
	long period_ns = (w->limit ? MEMWATCH_PERIOD_MS : PEAKS_PERIOD_MS) * 1000000L;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec until;

		pthread_mutex_unlock(&w->lock);
		sample(w);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += period_ns;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&w->lock);
		while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Pss_Anon appeared in smaps_rollup in Linux 5.9: without it the sum would
 * read as zero and the limit would never fire. */
static bool kernel_has_pss_anon(void)
{
	return pss_of(getpid()) > 0;
}

int memwatch_start(pid_t root, uint64_t limit, struct event_sink *sink, struct memwatch **out,
		   struct diag *d)
{
	struct memwatch *w = calloc(1, sizeof(*w));
	int r;

	if (!kernel_has_pss_anon()) {
		free(w);
		return diag_err(d, -EOPNOTSUPP, "cannot enforce [limits] memory: this kernel's "
				"/proc/PID/smaps_rollup lacks Pss_Anon (Linux 5.9)");
	}
	if (!w)
		return diag_err(d, -ENOMEM, "cannot start the memory limit: out of memory");
	*w = (struct memwatch){ .root = root, .limit = limit, .sink = sink };
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	r = -pthread_create(&w->thread, NULL, watch_main, w);
	if (r < 0) {
		free(w);
		return diag_err(d, r, "cannot start the memory limit: %s", strerror(-r));
	}
	*out = w;
	return 0;
}

unsigned memwatch_stop(struct memwatch *w, struct memwatch_peaks *peaks)
{
	unsigned kills;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	kills = w->kills;
	if (peaks)
		*peaks = w->peaks;
	free(w);
	return kills;
}
