/* The opener's thread pool (opener.h): confined threads that run jobs, and
 * one unconfined helper that watches them and finishes their work. */
#define _GNU_SOURCE
#include "opener.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "landlock.h"
#include "sys.h"
#include "banned.h"

/* A job: sync ones live on their caller's stack (opener_call), async ones
 * on the heap (opener_submit), freed by the helper once finished. */
struct opener_job {
	int (*fn)(void *);     /* sync */
	void (*afn)(void *);   /* async */
	bool (*alive)(void *); /* async: polled by the helper while afn runs */
	void (*finish)(void *);
	void *arg;
	int result;
	enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE } state;
	bool async;
	pthread_t runner;
	struct timespec started;
	struct opener_job *next;      /* queue, or the helper's list to finish */
	struct opener_job *next_run;  /* async jobs running */
};

struct opener {
	int ruleset_fd; /* owned dup, or -1 */
	pthread_mutex_t lock;
	pthread_cond_t work;   /* a job was queued, or stop */
	pthread_cond_t done;   /* a job finished, a thread went idle or exited */
	pthread_cond_t helper; /* something for the helper */
	struct opener_job *head, *tail; /* queued */
	struct opener_job *running;     /* async jobs running */
	struct opener_job *fin_head, *fin_tail; /* async jobs to finish */
	unsigned threads, idle, callers, queued, pending;
	int err; /* why the last thread failed to confine itself */
	bool stop, helper_alive;
};

/* ---- confinement -------------------------------------------------------- */

static void on_interrupt(int sig)
{
	(void)sig; /* only makes a blocking syscall return EINTR */
}

/* Drops every capability of the calling thread: effective, permitted and
 * inheritable sets of both 32-bit halves. */
static int drop_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return sys_capset(&hdr, data);
}

/* Makes the calling thread as weak as the sandbox (see opener.h).  Order:
 * no_new_privs before Landlock (which requires it without CAP_SYS_ADMIN);
 * capabilities last, once nothing needs them. */
static int confine_self(int ruleset_fd)
{
	sigset_t only_usr1;
	int r;

	/* Process-directed signals go to sandlock's main thread, never here. */
	sigfillset(&only_usr1);
	sigdelset(&only_usr1, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &only_usr1, NULL);
	if (unshare(CLONE_FS) < 0)
		return -errno;
	r = sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (r == 0)
		r = landlock_apply(ruleset_fd);
	if (r == 0)
		r = drop_caps();
	return r;
}

/* ---- the pool ----------------------------------------------------------- */

static void run_one(struct opener *o, struct opener_job *j)
{
	int r = 0;

	j->state = JOB_RUNNING;
	j->runner = pthread_self();
	if (j->async) {
		clock_gettime(CLOCK_MONOTONIC, &j->started);
		j->next_run = o->running;
		o->running = j;
		pthread_cond_signal(&o->helper);
	}
	pthread_mutex_unlock(&o->lock);
	if (j->async)
		j->afn(j->arg);
	else
		r = j->fn(j->arg);
	pthread_mutex_lock(&o->lock);
	j->result = r;
	j->state = JOB_DONE;
	if (j->async) {
		struct opener_job **pp = &o->running;

		while (*pp != j)
			pp = &(*pp)->next_run;
		*pp = j->next_run;
		j->next = NULL;
		if (o->fin_tail)
			o->fin_tail->next = j;
		else
			o->fin_head = j;
		o->fin_tail = j;
		pthread_cond_signal(&o->helper);
	}
	pthread_cond_broadcast(&o->done);
}

static void *thread_main(void *arg)
{
	struct opener *o = arg;
	int r = confine_self(o->ruleset_fd);

	pthread_mutex_lock(&o->lock);
	if (r < 0) {
		/* Never run a job unconfined: leave, and say why. */
		o->err = r;
		o->threads--;
		pthread_cond_broadcast(&o->done);
		pthread_mutex_unlock(&o->lock);
		return NULL;
	}
	for (;;) {
		struct opener_job *j;

		while (!o->head && !o->stop) {
			o->idle++;
			/* opener_start() waits for the first thread to get here. */
			pthread_cond_broadcast(&o->done);
			pthread_cond_wait(&o->work, &o->lock);
			o->idle--;
		}
		if (!o->head)
			break;
		j = o->head;
		o->head = j->next;
		if (!o->head)
			o->tail = NULL;
		o->queued--;
		run_one(o, j);
	}
	o->threads--;
	pthread_cond_broadcast(&o->done);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* Starts a thread running fn; call with the lock held.  0 or -errno. */
static int spawn(void *(*fn)(void *), struct opener *o)
{
	pthread_attr_t a;
	pthread_t t;
	int r;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	r = -pthread_create(&t, &a, fn, o);
	pthread_attr_destroy(&a);
	return r;
}

static void add_thread(struct opener *o)
{
	if (spawn(thread_main, o) == 0)
		o->threads++;
}

static void deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

static bool older_than(const struct timespec *t, unsigned ms)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000 >= ms;
}

/* Queues j and makes sure a thread will take it; call with the lock held. */
static void enqueue(struct opener *o, struct opener_job *j)
{
	j->next = NULL;
	if (o->tail)
		o->tail->next = j;
	else
		o->head = j;
	o->tail = j;
	o->queued++;
	if (o->idle < o->queued && o->threads < OPENER_THREADS)
		add_thread(o);
	pthread_cond_signal(&o->work);
}

/* Removes a job no thread took; call with the lock held. */
static void unqueue(struct opener *o, struct opener_job *j)
{
	struct opener_job **pp = &o->head, *prev = NULL;

	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			if (o->tail == j)
				o->tail = prev;
			o->queued--;
			return;
		}
	}
}

int opener_call(struct opener *o, int (*fn)(void *), void *arg, bool (*alive)(void *),
		void *ctx)
{
	struct opener_job j = { .fn = fn, .arg = arg, .state = JOB_QUEUED };
	int r;

	pthread_mutex_lock(&o->lock);
	o->callers++;
	enqueue(o, &j);
	while (j.state != JOB_DONE) {
		struct timespec ts;

		if (j.state == JOB_QUEUED && o->threads == 0) {
			/* Every thread failed to confine itself. */
			unqueue(o, &j);
			j.result = o->err ? o->err : -EAGAIN;
			break;
		}
		deadline_in(&ts, OPENER_POLL_MS);
		if (pthread_cond_timedwait(&o->done, &o->lock, &ts) == ETIMEDOUT &&
		    j.state == JOB_RUNNING && alive && !alive(ctx))
			pthread_kill(j.runner, SIGUSR1);
	}
	r = j.result;
	o->callers--;
	pthread_cond_broadcast(&o->done);
	pthread_mutex_unlock(&o->lock);
	return r;
}

int opener_submit(struct opener *o, void (*fn)(void *), bool (*alive)(void *),
		  void (*finish)(void *), void *arg)
{
	struct opener_job *j;

	pthread_mutex_lock(&o->lock);
	/* Bounded, like the supervisor's queue (ATTACKS.md 15); and with no
	 * confined thread left, nothing would ever run it. */
	if (o->queued >= OPENER_QUEUE || o->threads == 0 || !o->helper_alive ||
	    !(j = calloc(1, sizeof(*j)))) {
		pthread_mutex_unlock(&o->lock);
		return -EAGAIN;
	}
	*j = (struct opener_job){ .afn = fn, .alive = alive, .finish = finish, .arg = arg,
				  .async = true };
	o->pending++;
	enqueue(o, j);
	pthread_mutex_unlock(&o->lock);
	return 0;
}

/* Interrupts async jobs whose request is gone; call with the lock held. */
static void watch(struct opener *o)
{
	for (struct opener_job *j = o->running; j; j = j->next_run)
		if (older_than(&j->started, OPENER_POLL_MS) && j->alive && !j->alive(j->arg))
			pthread_kill(j->runner, SIGUSR1);
}

/* The helper: unconfined, it finishes async jobs (what a confined thread
 * cannot do: write the caller's memory, read /proc for events) and
 * interrupts those whose request is gone. */
static void *helper_main(void *arg)
{
	struct opener *o = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	pthread_mutex_lock(&o->lock);
	for (;;) {
		struct opener_job *j = o->fin_head;
		struct timespec ts;

		if (j) {
			o->fin_head = j->next;
			if (!o->fin_head)
				o->fin_tail = NULL;
			pthread_mutex_unlock(&o->lock);
			if (j->finish)
				j->finish(j->arg);
			free(j);
			pthread_mutex_lock(&o->lock);
			o->pending--;
			pthread_cond_broadcast(&o->done);
			continue;
		}
		if (o->stop && o->pending == 0)
			break;
		if (!o->running) {
			pthread_cond_wait(&o->helper, &o->lock);
			continue;
		}
		deadline_in(&ts, OPENER_POLL_MS);
		if (pthread_cond_timedwait(&o->helper, &o->lock, &ts) == ETIMEDOUT)
			watch(o);
	}
	o->helper_alive = false;
	pthread_cond_broadcast(&o->done);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

void opener_drain(struct opener *o)
{
	pthread_mutex_lock(&o->lock);
	while (o->pending > 0)
		pthread_cond_wait(&o->done, &o->lock);
	pthread_mutex_unlock(&o->lock);
}

static int install_interrupt(void)
{
	struct sigaction old, sa = { .sa_handler = on_interrupt };

	if (sigaction(SIGUSR1, NULL, &old) < 0)
		return -errno;
	/* A handler already there (the supervisor's) interrupts just as well;
	 * the default would kill sandlock and SIG_IGN would not interrupt. */
	if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
		return 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) < 0 ? -errno : 0;
}

static void opener_free(struct opener *o)
{
	if (o->ruleset_fd >= 0)
		close(o->ruleset_fd);
	pthread_cond_destroy(&o->work);
	pthread_cond_destroy(&o->done);
	pthread_cond_destroy(&o->helper);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

/* Starts the helper and the first thread, and waits until that one is
 * confined (idle) or gone.  Returns 0 or -errno. */
static int start_threads(struct opener *o)
{
	int r;

	pthread_mutex_lock(&o->lock);
	r = spawn(helper_main, o);
	o->helper_alive = r == 0;
	if (r == 0 && (r = spawn(thread_main, o)) == 0)
		o->threads++;
	while (r == 0 && o->threads > 0 && o->idle == 0)
		pthread_cond_wait(&o->done, &o->lock);
	if (r == 0 && o->threads == 0)
		r = o->err ? o->err : -EAGAIN;
	pthread_mutex_unlock(&o->lock);
	return r;
}

int opener_start(int ruleset_fd, struct opener **out, struct diag *d)
{
	struct opener *o = calloc(1, sizeof(*o));
	pthread_condattr_t ca;
	int r;

	if (!o)
		return diag_err(d, -ENOMEM, "cannot start the path supervisor: %s",
				strerror(ENOMEM));
	o->ruleset_fd = -1;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->work, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->done, &ca);
	pthread_cond_init(&o->helper, &ca);
	pthread_condattr_destroy(&ca);
	r = install_interrupt();
	if (r == 0 && ruleset_fd >= 0 && (o->ruleset_fd = fcntl(ruleset_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		r = -errno;
	if (r == 0)
		r = start_threads(o);
	if (r < 0) {
		/* The helper, if started, leaves once it sees stop. */
		pthread_mutex_lock(&o->lock);
		o->stop = true;
		pthread_cond_broadcast(&o->helper);
		while (o->helper_alive)
			pthread_cond_wait(&o->done, &o->lock);
		pthread_mutex_unlock(&o->lock);
		opener_free(o);
		return diag_err(d, r, "cannot confine the path supervisor like the sandbox: %s",
				strerror(-r));
	}
	*out = o;
	return 0;
}

void opener_stop(struct opener *o)
{
	struct timespec ts;
	bool gone;

	deadline_in(&ts, 1000);
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	pthread_cond_broadcast(&o->work);
	pthread_cond_broadcast(&o->helper);
	while ((o->threads > 0 || o->callers > 0 || o->helper_alive) &&
	       pthread_cond_timedwait(&o->done, &o->lock, &ts) != ETIMEDOUT)
		;
	gone = o->threads == 0 && o->callers == 0 && !o->helper_alive;
	pthread_mutex_unlock(&o->lock);
	if (gone)
		opener_free(o);
}
