/* Decision events: one per supervised verdict, and the sink interface that
 * receives them.  Learn mode, --audit-log and --log-decisions are sinks; the
 * supervisor only builds an event when a sink is attached, so a run without
 * one pays a single pointer test per decision.
 *
 * An event borrows every string it points to for the duration of the emit
 * call only: a sink that keeps one must copy it. */
#ifndef SANDLOCK_EVENT_H
#define SANDLOCK_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

enum event_kind {
	EVENT_NET,   /* connect, sendto, sendmsg, sendmmsg (one per destination) */
	EVENT_EXEC,  /* execve, execveat */
	EVENT_PATH,  /* a path operation judged by the supervisor */
	EVENT_PROC,  /* fork, vfork, clone against [limits] processes */
	EVENT_MEM,   /* a process killed for the sandbox's [limits] memory */
	EVENT_ERROR, /* the supervisor could not judge: denied, detail says why */
	EVENT_TASK,  /* process tree (learn mode): a task started or exited */
};

enum event_verdict {
	EVENT_ALLOW,
	EVENT_DENY,
};

struct event_net {
	unsigned proto;     /* POLICY_NET_TCP or POLICY_NET_UDP */
	uint8_t addr[16];   /* IPv6; IPv4 as ::ffff:a.b.c.d */
	uint16_t port;
	const char *host;   /* the allow rule's host the address was pinned from, or NULL */
};

struct event_exec {
	const char *path;          /* as passed to execve (resolved when relative) */
	const char *const *argv;   /* argc strings */
	size_t argc;
};

/* What a path event did.  READ and WRITE have the values of POLICY_READ
 * and POLICY_WRITE; the finer bits let learn mode record what happened
 * and sl-learn decide which right covers it. */
#define EVENT_ACC_READ   0x01u
#define EVENT_ACC_WRITE  0x02u
#define EVENT_ACC_CREATE 0x04u  /* a new name: O_CREAT, mkdir, mknod, symlink, link/rename target */
#define EVENT_ACC_TRUNC  0x08u
#define EVENT_ACC_EXEC   0x10u
#define EVENT_ACC_REMOVE 0x20u  /* unlink, rmdir, rename source */
#define EVENT_ACC_DIR    0x40u  /* the path is (or becomes) a directory */
#define EVENT_ACC_META   0x80u  /* chmod, chown, utimes */

struct event_path {
	const char *path;   /* absolute, resolved */
	const char *path2;  /* rename/link target, symlink contents, or NULL */
	unsigned access;    /* EVENT_ACC_* */
};

struct event_proc {
	unsigned count;     /* tasks in the sandbox when it was judged */
	unsigned limit;
};

struct event_task {
	pid_t child;        /* a fork/clone: the new task; 0 for an exit */
	int status;         /* an exit: the wait status */
};

struct event_mem {
	uint64_t bytes;     /* the sandbox's memory when it was judged */
	uint64_t limit;
};

struct event {
	uint64_t time_ns;     /* CLOCK_REALTIME */
	pid_t pid;            /* thread id of the caller */
	pid_t ppid;
	const char *exe;      /* the caller's executable, or NULL if unknown */
	const char *syscall;  /* name */
	int nr;               /* native syscall number */
	enum event_kind kind;
	union {
		struct event_net net;
		struct event_exec exec;
		struct event_path path;
		struct event_proc proc;
		struct event_mem mem;
		struct event_task task;
	};
	enum event_verdict verdict;
	/* The rule that decided: a stable id ("network.allow[2]",
	 * "exec.deny_argv[0]", "limits.processes", "default") and where it was
	 * written (line 0: a command-line flag or a default). */
	const char *rule;
	struct policy_origin origin;
	int err;              /* errno the caller got; 0 when allowed */
	const char *detail;   /* why, for EVENT_ERROR and denials; may be NULL */
};

/* A consumer of events.  emit is called from supervisor threads, possibly
 * concurrently: sinks lock for themselves.  close flushes and frees the sink
 * (the struct is embedded first in the sink's own state). */
struct event_sink {
	void (*emit)(struct event_sink *s, const struct event *e);
	int (*close)(struct event_sink *s);
};

/* Opens a JSON-lines sink writing to path ("-" for stderr), created with
 * mode 0600, appending.  Returns 0 and an owned sink, or -errno with d
 * filled.  The line format is documented in schemas/decisions.md. */
int event_sink_jsonl_open(const char *path, struct event_sink **out, struct diag *d);

/* Writes e as one JSON object followed by '\n' into buf (NUL-terminated,
 * truncating strings rather than the object so it stays valid JSON).
 * Returns the length written.  Pure: exported for tests and for the trace
 * writer. */
size_t event_to_json(const struct event *e, char *buf, size_t size);

/* Length of the valid UTF-8 sequence at s (at most n bytes, s[0] >= 0x80),
 * or 0: overlong forms, surrogates and code points past U+10FFFF are not
 * valid.  For the JSON writers here and in learn/, which write the other
 * bytes as \u00XX. */
size_t event_utf8_len(const unsigned char *s, size_t n);

/* The names used in JSON and traces. */
const char *event_kind_name(enum event_kind k);
const char *event_verdict_name(enum event_verdict v);

#endif
