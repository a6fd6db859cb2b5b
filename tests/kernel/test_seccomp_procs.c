/* Processes and IPC outside the sandbox (ATTACKS.md 10, 12): without PID or
 * IPC namespaces the kernel lets a process act on every other process of
 * the same user and share SysV IPC objects with them.
 *
 * The victims are made by the test runner, outside the filter (the runner
 * stands for the supervisor): a paused child, IPC objects.  A forked child
 * enters the filter and attacks them; back in the runner the test proves
 * that nothing changed.  Calls that would reach every process of the user
 * if the filter let them through (PRIO_USER, 0) are made as a fresh uid
 * that owns nothing else, or with a value the kernel would refuse. */
#define _GNU_SOURCE
#include "seccomp_kt.h"

#include <linux/ioprio.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#define IDLE_PRIO IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)
#define BAD_CLASS_PRIO IOPRIO_PRIO_VALUE(7, 0) /* no such class: EINVAL */

static struct policy empty;

/* struct sched_attr, first version (glibc 2.36 has none, and the kernel
 * header clashes with glibc's struct sched_param). */
struct kt_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

/* ---- a process outside the filter --------------------------------------- */

/* What an attack on a process could change.  The resource limits of a
 * process of another uid need CAP_SYS_RESOURCE to read, which root may lack
 * (containers), so they are compared only when limits is set. */
struct proc_state {
	bool limits;
	struct rlimit nofile;
	int nice, ioprio, policy;
	cpu_set_t cpus;
};

/* Returns 0, or -1 with errno set. */
static int proc_state_read(pid_t pid, bool limits, struct proc_state *s)
{
	memset(s, 0, sizeof(*s));
	s->limits = limits;
	if (limits && prlimit(pid, RLIMIT_NOFILE, NULL, &s->nofile) < 0)
		return -1;
	errno = 0;
	s->nice = getpriority(PRIO_PROCESS, (id_t)pid);
	if (errno)
		return -1;
	s->ioprio = (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, pid);
	s->policy = sched_getscheduler(pid);
	if (s->ioprio < 0 || s->policy < 0)
		return -1;
	return sched_getaffinity(pid, sizeof(s->cpus), &s->cpus);
}

static void proc_state_same(const struct proc_state *a, const struct proc_state *b)
{
	if (a->limits) {
		assert_int_equal(a->nofile.rlim_cur, b->nofile.rlim_cur);
		assert_int_equal(a->nofile.rlim_max, b->nofile.rlim_max);
	}
	assert_int_equal(a->nice, b->nice);
	assert_int_equal(a->ioprio, b->ioprio);
	assert_int_equal(a->policy, b->policy);
	assert_true(CPU_EQUAL(&a->cpus, &b->cpus));
}

/* Switches to uid (if not -1) and makes a process group of its own, so
 * that PRIO_PGRP, 0 names only this process. */
static int become(uid_t uid)
{
	if (setpgid(0, 0) < 0)
		return -1;
	if (uid != (uid_t)-1 && (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
		return -1;
	return 0;
}

/* A paused child of the runner, in its own process group, as uid. */
static pid_t victim_start(uid_t uid)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* After the uid change, which clears the death signal: a failed
		 * assertion in the runner must not leave the victim behind. */
		if (become(uid) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	setpgid(pid, pid); /* whichever of the two runs first */
	return pid;
}

static void victim_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

struct attack {
	pid_t victim;
	uid_t uid;
};

/* ---- acting on another process ------------------------------------------ */

static int c_other_process(void *arg)
{
	const struct attack *a = arg;
	pid_t v = a->victim;
	struct rlimit zero = { 0, 0 }, old;
	struct sched_param sp = { 0 };
	struct kt_sched_attr sa = { .size = sizeof(sa), .sched_policy = SCHED_BATCH };
	unsigned long nodes = 1;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (become(-1) < 0)
		return 1;
	ENTER(&empty);
	KT_EXPECT_ERRNO(syscall(SYS_prlimit64, v, RLIMIT_NOFILE, &zero, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prlimit64, getppid(), RLIMIT_NOFILE, &zero, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_prlimit64, v, RLIMIT_NOFILE, NULL, &old), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_setpriority, PRIO_PROCESS, v, 19), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_setpriority, PRIO_PGRP, v, 19), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_setpriority, PRIO_PGRP, 0, 19), EPERM); /* only us */
	/* Calls that would reach past the victim if the filter failed name
	 * nothing: a uid without processes (ESRCH), an invalid which or class
	 * (EINVAL).  The filter answers before the kernel looks. */
	KT_EXPECT_ERRNO(syscall(SYS_setpriority, PRIO_USER, 0x7ffffffe, 19), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_setpriority, 5, 0, 19), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, v, IDLE_PRIO), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioprio_set, IOPRIO_WHO_PGRP, v, IDLE_PRIO), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioprio_set, IOPRIO_WHO_PGRP, 0, IDLE_PRIO), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioprio_set, IOPRIO_WHO_USER, 0, BAD_CLASS_PRIO), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sched_setaffinity, v, sizeof(one), &one), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sched_setscheduler, v, SCHED_BATCH, &sp), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sched_setparam, v, &sp), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sched_setattr, v, &sa, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_migrate_pages, v, 8UL, &nodes, &nodes), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_move_pages, v, 0UL, NULL, NULL, NULL, 0), EPERM);
	/* The kernel would read these as pid 0 (this process); the filter
	 * compares all 64 bits and fails closed. */
	KT_EXPECT_ERRNO(syscall(SYS_prlimit64, HIGH, RLIMIT_NOFILE, NULL, &old), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_sched_setaffinity, HIGH, sizeof(one), &one), EPERM);
	/* glibc passes the thread's id even for the calling thread. */
	if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one) != EPERM)
		return 1;
	if (pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp) != EPERM)
		return 1;
	return 0;
}

static void test_other_process(void **state)
{
	struct attack a = { .victim = victim_start(-1) };
	struct proc_state before, after, self_before, self_after;
	int r, rc;

	(void)state;
	r = proc_state_read(a.victim, true, &before);
	r |= proc_state_read(getpid(), true, &self_before);
	rc = kt_fork(c_other_process, &a);
	r |= proc_state_read(a.victim, true, &after);
	r |= proc_state_read(getpid(), true, &self_after);
	victim_stop(a.victim);
	assert_int_equal(r, 0);
	assert_int_equal(rc, 0);
	proc_state_same(&before, &after);
	proc_state_same(&self_before, &self_after); /* the runner: the "supervisor" */
}

/* PRIO_USER, 0 and IOPRIO_WHO_USER, 0: every process of the caller's uid.
 * Run as a uid that owns only the attacker and the victim. */
static int c_every_process_of_user(void *arg)
{
	const struct attack *a = arg;

	if (become(a->uid) < 0)
		return 1;
	ENTER(&empty);
	KT_EXPECT_ERRNO(syscall(SYS_setpriority, PRIO_USER, 0, 19), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_ioprio_set, IOPRIO_WHO_USER, 0, IDLE_PRIO), EPERM);
	return 0;
}

static void test_every_process_of_user(void **state)
{
	struct attack a = { .uid = 0x7fff0000u + (uid_t)(getpid() & 0xffff) };
	struct proc_state before, after;
	int r, rc;

	(void)state;
	if (geteuid() != 0) {
		/* The uid 0 run covers it; the simulator covers the rule. */
		fprintf(stderr, "SKIP: needs root to switch to a uid that owns no process\n");
		skip();
	}
	a.victim = victim_start(a.uid);
	r = proc_state_read(a.victim, false, &before);
	rc = kt_fork(c_every_process_of_user, &a);
	r |= proc_state_read(a.victim, false, &after);
	victim_stop(a.victim);
	assert_int_equal(r, 0);
	assert_int_equal(rc, 0);
	proc_state_same(&before, &after);
}

/* pid 0 is the caller: what glibc's setrlimit, nice and friends use. */
static int c_own_process(void *arg)
{
	struct rlimit rl;
	struct sched_param sp = { 0 };
	struct kt_sched_attr sa = { .size = sizeof(sa), .sched_policy = SCHED_BATCH };
	static char page[4096] __attribute__((aligned(4096)));
	void *pages[1] = { page };
	unsigned long nodes = 1;
	int status[1];
	cpu_set_t cpus;

	ENTER(arg);
	KT_EXPECT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = rl.rlim_cur > 64 ? 64 : rl.rlim_cur;
	KT_EXPECT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	KT_EXPECT_OK(prlimit(0, RLIMIT_NOFILE, NULL, &rl));
	if (rl.rlim_cur > 64)
		return 1;
	KT_EXPECT_OK(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IDLE_PRIO));
	KT_EXPECT_OK(sched_getaffinity(0, sizeof(cpus), &cpus));
	KT_EXPECT_OK(sched_setaffinity(0, sizeof(cpus), &cpus));
	KT_EXPECT_OK(syscall(SYS_sched_setattr, 0, &sa, 0)); /* also sets nice 0 */
	KT_EXPECT_OK(sched_setscheduler(0, SCHED_BATCH, &sp));
	KT_EXPECT_OK(sched_setparam(0, &sp));
	KT_EXPECT_OK(nice(1));
	KT_EXPECT_OK(setpriority(PRIO_PROCESS, 0, 5));
	page[0] = 1;
	KT_EXPECT_OK(syscall(SYS_move_pages, 0, 1UL, pages, NULL, status, 0));
	KT_EXPECT_OK(syscall(SYS_migrate_pages, 0, 8UL, &nodes, &nodes));
	return sched_getscheduler(0) == SCHED_BATCH && getpriority(PRIO_PROCESS, 0) == 5 ? 0 : 1;
}

/* ---- SysV IPC ------------------------------------------------------------ */

struct ipc_ids {
	int shm, msq, sem;
	key_t key; /* for objects the attacker tries to create */
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int c_sysv_ipc(void *arg)
{
	const struct ipc_ids *ids = arg;
	struct sembuf down = { 0, -1, IPC_NOWAIT };
	struct timespec ts = { 0, 0 };
	struct { long type; char text[8]; } msg = { 1, "x" };
	struct shmid_ds ds;

	ENTER(&empty);
	KT_EXPECT_ERRNO(syscall(SYS_shmget, ids->key, 4096, IPC_CREAT | 0600), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_shmat, ids->shm, NULL, 0), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_shmctl, ids->shm, IPC_STAT, &ds), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_shmctl, ids->shm, IPC_RMID, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_shmdt, (void *)4096), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_msgget, ids->key, IPC_CREAT | 0600), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_msgsnd, ids->msq, &msg, sizeof(msg.text), IPC_NOWAIT), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_msgrcv, ids->msq, &msg, sizeof(msg.text), 0, IPC_NOWAIT),
			EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_msgctl, ids->msq, IPC_RMID, NULL), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_semget, ids->key, 1, IPC_CREAT | 0600), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_semop, ids->sem, &down, 1), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_semtimedop, ids->sem, &down, 1, &ts), EPERM);
	KT_EXPECT_ERRNO(syscall(SYS_semctl, ids->sem, 0, SETVAL, 0), EPERM);
	/* glibc's wrappers, which is what programs call. */
	KT_EXPECT_ERRNO(shmat(ids->shm, NULL, SHM_RDONLY), EPERM);
	KT_EXPECT_ERRNO(semget(ids->key, 1, IPC_CREAT | 0600), EPERM);
	return 0;
}

/* Whether an object with key exists; removes it if so. */
static bool ipc_created(key_t key)
{
	int shm = shmget(key, 0, 0), msq = msgget(key, 0), sem = semget(key, 0, 0);

	if (shm >= 0)
		shmctl(shm, IPC_RMID, NULL);
	if (msq >= 0)
		msgctl(msq, IPC_RMID, NULL);
	if (sem >= 0)
		semctl(sem, 0, IPC_RMID);
	return shm >= 0 || msq >= 0 || sem >= 0;
}

/* Objects made outside the filter stay untouched: nobody attached, the
 * message still queued, the semaphore still up, none removed; and the
 * attacker created nothing. */
static void test_sysv_ipc(void **state)
{
	struct ipc_ids ids;
	struct { long type; char text[8]; } msg = { 1, "host" };
	struct shmid_ds shm;
	struct msqid_ds msq;
	int rc, shm_ok, msq_ok, semval;
	bool created;

	(void)state;
	ids.key = (key_t)(0x5a5e0000 | (getpid() & 0xffff));
	assert_false(ipc_created(ids.key));
	ids.shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ids.msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ids.sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	assert_true(ids.shm >= 0 && ids.msq >= 0 && ids.sem >= 0);
	assert_int_equal(semctl(ids.sem, 0, SETVAL, (union semun){ .val = 1 }), 0);
	assert_int_equal(msgsnd(ids.msq, &msg, sizeof(msg.text), IPC_NOWAIT), 0);
	rc = kt_fork(c_sysv_ipc, &ids);
	shm_ok = shmctl(ids.shm, IPC_STAT, &shm) == 0 && shm.shm_nattch == 0;
	msq_ok = msgctl(ids.msq, IPC_STAT, &msq) == 0 && msq.msg_qnum == 1;
	semval = semctl(ids.sem, 0, GETVAL);
	created = ipc_created(ids.key);
	shmctl(ids.shm, IPC_RMID, NULL);
	msgctl(ids.msq, IPC_RMID, NULL);
	semctl(ids.sem, 0, IPC_RMID);
	assert_int_equal(rc, 0);
	assert_true(shm_ok);
	assert_true(msq_ok);
	assert_int_equal(semval, 1);
	assert_false(created);
}

/* [syscalls] extra_allow relaxes shared memory (PostgreSQL) and nothing
 * else. */
static int c_sysv_shm_allowed(void *arg)
{
	int id;
	char *p;

	ENTER(arg);
	id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	KT_EXPECT_OK(id);
	p = shmat(id, NULL, 0);
	KT_EXPECT_OK(p);
	KT_EXPECT_OK(shmctl(id, IPC_RMID, NULL)); /* gone when detached */
	memcpy(p, "sandbox", 8);
	KT_EXPECT_OK(shmdt(p));
	KT_EXPECT_ERRNO(msgget(IPC_PRIVATE, IPC_CREAT | 0600), EPERM);
	KT_EXPECT_ERRNO(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), EPERM);
	return 0;
}

/* ---- the rules in the simulator, over values the kernel tests avoid ----- */

static void test_sim_other_processes(void **state)
{
	static const int by_pid[] = { SYS_prlimit64,	  SYS_sched_setaffinity,
				      SYS_sched_setscheduler, SYS_sched_setparam,
				      SYS_sched_setattr,	  SYS_migrate_pages,
				      SYS_move_pages };
	static const uint64_t pids[] = { 1, 2, 4242, 0x7fffffff, 0xffffffff, HIGH,
					 HIGH | 1, ~0ull };
	struct seccomp_filter f;

	(void)state;
	compile_or_fail(&empty, &f);
	for (size_t i = 0; i < sizeof(by_pid) / sizeof(by_pid[0]); i++) {
		int nr = by_pid[i];

		assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, nr, 0, 7, 0), ALLOW);
		for (size_t j = 0; j < sizeof(pids) / sizeof(pids[0]); j++)
			assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, nr, pids[j], 7, 0),
					 ERR(EPERM));
	}
	for (uint64_t which = 0; which < 5; which++)
		for (size_t j = 0; j < sizeof(pids) / sizeof(pids[0]); j++) {
			uint64_t who = pids[j];

			assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_setpriority, which,
						  0, 19),
					 which == PRIO_PROCESS ? ALLOW : ERR(EPERM));
			assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_ioprio_set, which, 0,
						  IDLE_PRIO),
					 which == IOPRIO_WHO_PROCESS ? ALLOW : ERR(EPERM));
			assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_setpriority, which,
						  who, 19),
					 ERR(EPERM));
			assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_ioprio_set, which,
						  who, IDLE_PRIO),
					 ERR(EPERM));
		}
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_setpriority, HIGH, 0, 19),
			 ERR(EPERM));
	assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, SYS_ioprio_set, HIGH | 1, 0, 0),
			 ERR(EPERM));
	seccomp_filter_release(&f);
}

static void test_sim_sysv(void **state)
{
	static const char *const sysv[] = { "shmget", "shmat",  "shmdt",      "shmctl",
					    "msgget", "msgsnd", "msgrcv",     "msgctl",
					    "semget", "semop",  "semtimedop", "semctl" };
	static const int sysv_nr[] = { SYS_shmget, SYS_shmat,  SYS_shmdt,	  SYS_shmctl,
				       SYS_msgget, SYS_msgsnd, SYS_msgrcv,	  SYS_msgctl,
				       SYS_semget, SYS_semop,  SYS_semtimedop, SYS_semctl };
	struct policy p;
	struct seccomp_filter f, relaxed;
	struct diag d = { { 0 } };

	(void)state;
	policy_init(&p);
	for (size_t i = 0; i < sizeof(sysv) / sizeof(sysv[0]); i++)
		assert_int_equal(policy_add_syscall(&p, true, sysv[i], (struct policy_origin){ 0 },
						    &d),
				 0);
	compile_or_fail(&empty, &f);
	compile_or_fail(&p, &relaxed);
	for (size_t i = 0; i < sizeof(sysv) / sizeof(sysv[0]); i++) {
		int nr = sysv_nr[i];

		assert_int_equal(sim_call(&f, AUDIT_ARCH_X86_64, nr, 0, 0, 0), ERR(EPERM));
		assert_int_equal(sim_call(&relaxed, AUDIT_ARCH_X86_64, nr, 0, 0, 0), ALLOW);
	}
	/* Relaxing IPC relaxes nothing else. */
	assert_int_equal(sim_call(&relaxed, AUDIT_ARCH_X86_64, SYS_ptrace, 0, 0, 0), ERR(EPERM));
	assert_int_equal(sim_call(&relaxed, AUDIT_ARCH_X86_64, SYS_prlimit64, 1, 0, 0),
			 ERR(EPERM));
	seccomp_filter_release(&f);
	seccomp_filter_release(&relaxed);
	policy_release(&p);
}

/* ---- running the cases -------------------------------------------------- */

static struct policy shm_p;

static int setup_policies(void **state)
{
	static const char *const shm[] = { "shmget", "shmat", "shmdt", "shmctl" };

	(void)state;
	policy_init(&shm_p);
	for (size_t i = 0; i < sizeof(shm) / sizeof(shm[0]); i++)
		if (policy_add_syscall(&shm_p, true, shm[i], (struct policy_origin){ 0 }, NULL) < 0)
			return -1;
	return 0;
}

static int teardown_policies(void **state)
{
	(void)state;
	policy_release(&shm_p);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_other_processes),
		cmocka_unit_test(test_sim_sysv),
		cmocka_unit_test(test_other_process),
		cmocka_unit_test(test_every_process_of_user),
		KCASE(c_own_process, &empty, 0),
		cmocka_unit_test(test_sysv_ipc),
		KCASE(c_sysv_shm_allowed, &shm_p, 0),
	};

	return cmocka_run_group_tests(tests, setup_policies, teardown_policies);
}
