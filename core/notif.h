/* seccomp user notification: the filter that routes chosen syscalls to the
 * supervisor, and thin wrappers over the listener's ioctls and over reading
 * the caller's memory.  Policy-free; supervise.c decides.
 *
 * Every wrapper returns 0 (or a value) on success, -errno on failure. */
#ifndef SANDLOCK_NOTIF_H
#define SANDLOCK_NOTIF_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "seccomp_filter.h"

#define NOTIF_MAX_SYSCALLS 96

/* Builds the notification filter: the listed native syscalls return
 * SECCOMP_RET_USER_NOTIF, everything else SECCOMP_RET_ALLOW (the deny-list
 * filter, loaded first, still applies: its ERRNO and KILL take precedence
 * over USER_NOTIF).  Foreign architectures are allowed here because the
 * deny list already kills them.  Hand-written BPF: no libseccomp cost on
 * start-up.  Returns 0 or -ENOMEM/-EINVAL (n > NOTIF_MAX_SYSCALLS). */
int notif_filter_build(const int *nrs, size_t n, struct seccomp_filter *out);

/* Loads f with a new listener on the calling thread.  Async-signal-safe
 * (for the child between fork and exec).  Returns the listener fd, owned
 * and close-on-exec, or -errno. */
int notif_filter_apply(const struct seccomp_filter *f);

/* Buffers for one request/response, sized from SECCOMP_GET_NOTIF_SIZES at
 * run time (the kernel may have grown the structs since our headers). */
struct notif_buf {
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
};
int notif_buf_alloc(struct notif_buf *b);
void notif_buf_free(struct notif_buf *b);

/* Blocks until a request arrives.  -ENOENT: the caller died before we got
 * it (not an error); -EINTR: interrupted. */
int notif_recv(int listener, struct notif_buf *b);

/* Whether the request is still pending: call after reading the caller's
 * memory and before acting on it, so a recycled pid cannot have supplied
 * what we read (STYLE.md 8).  Returns 0 or -ENOENT. */
int notif_id_valid(int listener, uint64_t id);

/* Asks the kernel to wake the supervisor, and the caller on our answer, on
 * the CPU that wakes it (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, Linux 6.6): a
 * round trip becomes two direct switches instead of two cross-CPU wake-ups.
 * Returns 0 or -errno (-EINVAL before 6.6: only slower). */
int notif_sync_wakeups(int listener);

/* Answers id: a positive err fails the syscall with that errno; err 0
 * makes it return val.  cont lets the kernel run the
 * syscall itself: only for syscalls whose decision read nothing the caller
 * could still change (DEVELOPERS.md). */
int notif_respond(int listener, struct notif_buf *b, uint64_t id, int64_t val, int err,
		  bool cont);

/* Installs our fd into the caller's table and, atomically, answers the
 * syscall with the new fd number (SECCOMP_ADDFD_FLAG_SEND, 5.14).
 * newfd_flags: O_CLOEXEC or 0.  Returns the caller's fd or -errno. */
int notif_addfd_send(int listener, uint64_t id, int fd, unsigned newfd_flags);

/* Reads len bytes at addr of task tid.  Returns 0, or -EFAULT when any byte
 * is unreadable, or the errno of process_vm_readv (-ESRCH, -EPERM). */
int notif_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Reads a NUL-terminated string at addr into buf (size bytes, page by page
 * so a string near an unmapped page is still readable).  Returns its
 * length, -ENAMETOOLONG when it does not fit, or notif_read's errors. */
ssize_t notif_read_str(pid_t tid, uint64_t addr, char *buf, size_t size);

#endif
