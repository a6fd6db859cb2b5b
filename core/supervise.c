/* The supervisor's dispatcher, worker pool and replies (supervise.h).
 *
 * Order for every request (STYLE.md 8): receive, read the caller's memory,
 * check the request is still valid (the pid was not recycled while we
 * read), decide, respond.  Any failure along the way denies. */
#define _GNU_SOURCE
#include "sup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "freeze.h"
#include "holes.h"
#include "opener.h"
#include "proctree.h"
#include "banned.h"

/* Bounded: a flood of blocking requests queues this many, then is denied
 * with EAGAIN rather than growing memory (ATTACKS.md 15). */
#define POOL_QUEUE 256
#define POOL_THREADS 16

/* A request for a worker: its handler from the start, or the rest of a
 * handler that began on the dispatcher (fn, arg: sup_offload). */
struct sup_job {
	struct seccomp_notif req;
	const struct sup_handler *h;
	void (*fn)(struct sup_call *c, void *arg);
	void *arg;
};

struct sup_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sup_job q[POOL_QUEUE];
	unsigned head, len, threads, idle;
	bool stop;
};

static const struct sup_handler *find_in(const struct sup_handler *v, size_t n, int nr)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].nr == nr)
			return &v[i];
	return NULL;
}

static size_t proc_nrs(const struct policy *p, bool learn, int *nrs)
{
	(void)learn;
	return sup_proc_syscalls(p, nrs);
}

static size_t net_nrs(const struct policy *p, bool learn, int *nrs)
{
	(void)learn;
	return sup_net_syscalls(p, nrs);
}

/* Learn mode records every exec (the exec module emits an event for each,
 * judged or not). */
static size_t exec_nrs(const struct policy *p, bool learn, int *nrs)
{
	size_t n = sup_exec_syscalls(p, nrs);

	if (n || !learn)
		return n;
	nrs[0] = SYS_execve;
	nrs[1] = SYS_execveat;
	return 2;
}

static size_t fs_nrs(const struct policy *p, bool learn, int *nrs)
{
	(void)learn;
	return sup_fs_policy_syscalls(p, nrs, NOTIF_MAX_SYSCALLS);
}

static size_t hosts_nrs(const struct policy *p, bool learn, int *nrs)
{
	(void)learn;
	return sup_hosts_syscalls(p, nrs);
}

static size_t learn_nrs(const struct policy *p, bool learn, int *nrs)
{
	(void)p;
	return learn ? sup_learn_syscalls(nrs) : 0;
}

/* The modules in priority order: a syscall is served by the first one
 * that asks for it under the policy.  Judging modules come first; the
 * path handlers (deny holes) before the /etc/hosts view, which they ask
 * first; learn mode's observers take only what nobody judges. */
static const struct sup_module {
	size_t (*syscalls)(const struct policy *p, bool learn, int *nrs);
	const struct sup_handler *handlers;
	const size_t *n_handlers;
} modules[] = {
	{ proc_nrs, sup_proc_handlers, &sup_proc_handlers_len },
	{ net_nrs, sup_net_handlers, &sup_net_handlers_len },
	{ exec_nrs, sup_exec_handlers, &sup_exec_handlers_len },
	{ fs_nrs, sup_fs_handlers, &sup_fs_handlers_len },
	{ hosts_nrs, sup_hosts_handlers, &sup_hosts_handlers_len },
	{ learn_nrs, sup_learn_handlers, &sup_learn_handlers_len },
};

static bool listed(const int *nrs, size_t n, int nr)
{
	for (size_t i = 0; i < n; i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

/* Calls fn(ctx, nr, handler) once per supervised syscall, with the module
 * that serves it; returns how many. */
static size_t each_route(const struct policy *p, bool learn,
			 void (*fn)(void *ctx, size_t i, int nr, const struct sup_handler *h),
			 void *ctx)
{
	int seen[NOTIF_MAX_SYSCALLS], mine[NOTIF_MAX_SYSCALLS];
	size_t n = 0;

	for (size_t m = 0; m < sizeof(modules) / sizeof(modules[0]); m++) {
		size_t k = modules[m].syscalls(p, learn, mine);

		for (size_t i = 0; i < k && n < NOTIF_MAX_SYSCALLS; i++) {
			if (listed(seen, n, mine[i]))
				continue;
			fn(ctx, n, mine[i], find_in(modules[m].handlers, *modules[m].n_handlers,
						    mine[i]));
			seen[n++] = mine[i];
		}
	}
	return n;
}

static void put_nr(void *ctx, size_t i, int nr, const struct sup_handler *h)
{
	(void)h;
	((int *)ctx)[i] = nr;
}

static void put_route(void *ctx, size_t i, int nr, const struct sup_handler *h)
{
	struct supervisor *s = ctx;

	s->routes[i] = (struct sup_route){ nr, h };
	s->n_routes = i + 1;
}

/* The handler of nr under s's policy; s NULL: the first handler of that
 * syscall in any module, for its name. */
static const struct sup_handler *find_handler(const struct supervisor *s, int nr)
{
	if (s) {
		for (size_t i = 0; i < s->n_routes; i++)
			if (s->routes[i].nr == nr)
				return s->routes[i].h;
		return NULL;
	}
	for (size_t m = 0; m < sizeof(modules) / sizeof(modules[0]); m++) {
		const struct sup_handler *h = find_in(modules[m].handlers,
						      *modules[m].n_handlers, nr);

		if (h)
			return h;
	}
	return NULL;
}

const char *sup_syscall_name(int nr)
{
	const struct sup_handler *h = find_handler(NULL, nr);

	return h ? h->name : "unknown";
}

static void identify(struct sup_call *c);

static void run_handler(struct supervisor *s, const struct sup_job *job, struct notif_buf *buf,
			bool worker)
{
	const struct sup_handler *h = job->h;
	struct sup_call c = { .sup = s, .req = job->req, .buf = buf, .worker = worker };

	if (s->o.sink)
		identify(&c);
	if (job->fn)
		job->fn(&c, job->arg);
	else if (h)
		h->fn(&c);
	if (!c.replied)
		sup_fail(&c, EPERM, h ? "handler gave no verdict" : "syscall not handled");
}

static void *worker_main(void *arg)
{
	struct supervisor *s = arg;
	struct sup_pool *p = s->pool;
	struct notif_buf buf;
	bool have_buf = notif_buf_alloc(&buf) == 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct sup_job job;

		while (!p->len && !p->stop) {
			p->idle++;
			pthread_cond_wait(&p->cond, &p->lock);
			p->idle--;
		}
		if (!p->len)
			break;
		job = p->q[p->head];
		p->head = (p->head + 1) % POOL_QUEUE;
		p->len--;
		pthread_mutex_unlock(&p->lock);
		/* Without a response buffer we cannot even deny; dropping the
		 * listener would fail everything with ENOSYS.  Retry the
		 * allocation once per job. */
		if (!have_buf)
			have_buf = notif_buf_alloc(&buf) == 0;
		if (have_buf)
			run_handler(s, &job, &buf, true);
		pthread_mutex_lock(&p->lock);
	}
	p->threads--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (have_buf)
		notif_buf_free(&buf);
	return NULL;
}

/* Queues a request that may block; false when the queue is full. */
static bool pool_submit(struct supervisor *s, const struct sup_job *job)
{
	struct sup_pool *p = s->pool;
	bool ok = false;

	pthread_mutex_lock(&p->lock);
	if (p->len < POOL_QUEUE) {
		p->q[(p->head + p->len) % POOL_QUEUE] = *job;
		p->len++;
		ok = true;
		if (p->idle < p->len && p->threads < POOL_THREADS) {
			pthread_attr_t a;
			pthread_t t;

			pthread_attr_init(&a);
			pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
			pthread_attr_setstacksize(&a, 256 * 1024);
			if (pthread_create(&t, &a, worker_main, s) == 0)
				p->threads++;
			pthread_attr_destroy(&a);
		}
		pthread_cond_signal(&p->cond);
	}
	/* With no thread at all the job would wait forever: refuse it. */
	if (ok && p->threads == 0) {
		p->len--;
		ok = false;
	}
	pthread_mutex_unlock(&p->lock);
	return ok;
}

int sup_offload(struct sup_call *c, void (*fn)(struct sup_call *c, void *arg), void *arg)
{
	struct sup_job job = { .req = c->req, .fn = fn, .arg = arg };

	if (!pool_submit(c->sup, &job))
		return -EAGAIN;
	sup_defer(c);
	return 0;
}

static void dispatch(struct supervisor *s, struct notif_buf *buf)
{
	struct sup_job job = { .req = *buf->req, .h = find_handler(s, buf->req->data.nr) };
	const struct sup_handler *h = job.h;

	if (h && h->may_block) {
		if (!pool_submit(s, &job)) {
			struct sup_call c = { .sup = s, .req = *buf->req, .buf = buf };

			if (s->o.sink)
				identify(&c);
			sup_fail(&c, EAGAIN, "supervisor busy: request queue full");
		}
		return;
	}
	run_handler(s, &job, buf, false);
}

static void on_wakeup(int sig)
{
	(void)sig; /* only interrupts a blocking receive */
}

static void *dispatcher_main(void *arg)
{
	struct supervisor *s = arg;
	struct notif_buf buf;
	sigset_t wake;

	sigemptyset(&wake);
	sigaddset(&wake, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	if (notif_buf_alloc(&buf) < 0)
		return NULL; /* sup_start checked: cannot happen but fail closed */
	while (!s->stopping) {
		struct pollfd pf[2] = { { s->listener, POLLIN, 0 }, { s->stopfd, POLLIN, 0 } };
		int r = poll(pf, 2, -1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || pf[1].revents)
			break;
		/* POLLHUP: no task uses the filter any more. */
		if (!(pf[0].revents & POLLIN))
			break;
		r = notif_recv(s->listener, &buf);
		if (r == -EINTR || r == -ENOENT)
			continue;
		if (r < 0)
			break;
		dispatch(s, &buf);
	}
	notif_buf_free(&buf);
	return NULL;
}

/* The opener threads that perform path syscalls for the sandbox, confined
 * by its ruleset (opener.h), when the policy has deny holes. */
static int start_fs(struct supervisor *s, struct diag *d)
{
	if (!s->o.holes || s->o.holes->n == 0)
		return 0;
	s->fs.holes = s->o.holes;
	return opener_start(s->o.ruleset_fd, &s->fs.opener, d);
}

int sup_start(int listener, const struct sup_opts *o, struct supervisor **out,
	      struct diag *d)
{
	struct sigaction sa = { .sa_handler = on_wakeup };
	struct supervisor *s = calloc(1, sizeof(*s));
	struct notif_buf probe;
	int r = -ENOMEM;

	if (!s || !(s->pool = calloc(1, sizeof(*s->pool))))
		goto fail;
	s->listener = listener;
	s->o = *o;
	if (o->policy)
		each_route(o->policy, o->learn, put_route, s);
	s->self = getpid();
	pthread_mutex_init(&s->pool->lock, NULL);
	pthread_cond_init(&s->pool->cond, NULL);
	pthread_mutex_init(&s->proc.lock, NULL);
	r = notif_buf_alloc(&probe);
	if (r < 0)
		goto fail;
	notif_buf_free(&probe);
	notif_sync_wakeups(listener); /* best effort: before 6.6 only slower */
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (s->stopfd < 0) {
		r = -errno;
		goto fail;
	}
	/* No SA_RESTART: SIGUSR1 must break a receive that blocks after
	 * its request was withdrawn (the caller was killed). */
	sigaction(SIGUSR1, &sa, NULL);
	r = start_fs(s, d);
	if (r < 0) {
		close(s->stopfd);
		free(s->pool);
		free(s);
		close(listener);
		return r;
	}
	r = -pthread_create(&s->dispatcher, NULL, dispatcher_main, s);
	if (r == 0) {
		*out = s;
		return 0;
	}
	if (s->fs.opener)
		opener_stop(s->fs.opener);
	close(s->stopfd);
fail:
	if (s)
		free(s->pool);
	free(s);
	close(listener);
	return diag_err(d, r, "cannot start the supervisor: %s", strerror(-r));
}

void sup_stop(struct supervisor *s)
{
	uint64_t one = 1;
	struct timespec ms = { 0, 1000000 };
	ssize_t w;

	s->stopping = 1;
	w = write(s->stopfd, &one, sizeof(one));
	(void)w;
	/* The dispatcher may be blocked in a receive: interrupt until it
	 * has returned (a signal sent just before it blocks would be lost). */
	while (pthread_tryjoin_np(s->dispatcher, NULL) == EBUSY) {
		pthread_kill(s->dispatcher, SIGUSR1);
		nanosleep(&ms, NULL);
	}
	pthread_mutex_lock(&s->pool->lock);
	s->pool->stop = true;
	pthread_cond_broadcast(&s->pool->cond);
	pthread_mutex_unlock(&s->pool->lock);
	/* Opener jobs answer requests: they end before the listener closes
	 * (each is bounded: a blocked one is interrupted once its caller is
	 * gone, and the sandbox is gone). */
	if (s->fs.opener)
		opener_drain(s->fs.opener);
	/* Workers may still be inside an operation for a dead sandbox (a
	 * connect timing out); they are detached and end with the process.
	 * Closing the listener fails whatever they answer with ENOENT. */
	close(s->listener);
	if (s->fs.opener)
		opener_stop(s->fs.opener);
	close(s->stopfd);
	/* Free only once no worker can touch the pool any more; a worker
	 * stuck in an operation for a dead sandbox keeps it (and s) alive
	 * until the process exits, right after this. */
	for (int i = 0; i < 100; i++) {
		bool idle;

		pthread_mutex_lock(&s->pool->lock);
		idle = s->pool->threads == 0;
		pthread_mutex_unlock(&s->pool->lock);
		if (idle) {
			freeze_cache_free(s->freeze_cache);
			free(s->pool);
			free(s);
			return;
		}
		nanosleep(&ms, NULL);
	}
}

/* ---- replies ---- */

static int reply(struct sup_call *c, int64_t val, int err, bool cont)
{
	int r = notif_respond(c->sup->listener, c->buf, c->req.id, val, err, cont);

	c->replied = true;
	return r;
}

int sup_deny(struct sup_call *c, int err)
{
	return reply(c, 0, err ? err : EPERM, false);
}

int sup_return(struct sup_call *c, int64_t val)
{
	return reply(c, val, 0, false);
}

int sup_continue(struct sup_call *c)
{
	return reply(c, 0, 0, true);
}

int sup_return_fd(struct sup_call *c, int fd, unsigned newfd_flags)
{
	int r = notif_addfd_send(c->sup->listener, c->req.id, fd, newfd_flags);

	c->replied = true;
	/* A failed injection (the caller's fd table is full: EMFILE) must
	 * still answer the syscall, or it would hang. */
	if (r < 0 && r != -ENOENT)
		return reply(c, 0, -r, false);
	return r;
}

/* ---- events ---- */

static pid_t ppid_of(pid_t tid)
{
	struct proctree_stat st = { 0 };
	int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (procfd >= 0) {
		if (proctree_read_stat(procfd, tid, &st) < 0)
			st.ppid = 0;
		close(procfd);
	}
	return st.ppid;
}

/* Reads the caller's parent and executable while it is still blocked in
 * the request (it cannot exit or exec before we answer). */
static void identify(struct sup_call *c)
{
	char path[64];
	ssize_t n;

	c->ppid = ppid_of((pid_t)c->req.pid);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c->req.pid);
	n = readlink(path, c->exe, sizeof(c->exe) - 1);
	c->have_exe = n >= 0;
	if (c->have_exe)
		c->exe[n] = '\0';
}

void sup_emit(struct sup_call *c, struct event *e)
{
	struct timespec now;

	if (!c->sup->o.sink)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	e->time_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	e->pid = (pid_t)c->req.pid;
	e->ppid = c->ppid;
	e->exe = c->have_exe ? c->exe : NULL;
	e->nr = c->req.data.nr;
	e->syscall = sup_syscall_name(e->nr);
	if (!e->rule)
		e->rule = "default";
	c->sup->o.sink->emit(c->sup->o.sink, e);
}

void sup_fail(struct sup_call *c, int err, const char *detail)
{
	struct event e = { .kind = EVENT_ERROR, .verdict = EVENT_DENY, .err = err,
			   .rule = "supervisor", .detail = detail };

	sup_deny(c, err);
	sup_emit(c, &e);
}

size_t sup_syscalls(const struct policy *p, bool learn, int *nrs)
{
	return each_route(p, learn, put_nr, nrs);
}
