/* seccomp user notification plumbing (see notif.h). */
#define _GNU_SOURCE
#include "notif.h"

#include "compat.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys.h"
#include "banned.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "sandlock: unsupported architecture"
#endif

int notif_filter_build(const int *nrs, size_t n, struct seccomp_filter *out)
{
	struct sock_filter *f;
	size_t len = n + 5;

	*out = (struct seccomp_filter){ 0 };
	if (n == 0 || n > NOTIF_MAX_SYSCALLS)
		return -EINVAL;
	f = calloc(len, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					    offsetof(struct seccomp_data, arch));
	/* Not native: allow here; the deny-list filter kills foreign ABIs. */
	f[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0,
					    (unsigned char)(n + 1));
	f[2] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					    offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++)
		f[3 + i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							(unsigned)nrs[i],
							(unsigned char)(n - i), 0);
	f[3 + n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[4 + n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	out->insns = f;
	out->len = (unsigned short)len;
	return 0;
}

int notif_filter_apply(const struct seccomp_filter *f)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->insns };

	if (!f->insns || f->len == 0)
		return -EINVAL;
	/* WAIT_KILLABLE_RECV (5.19): once we hold a request, a non-fatal
	 * signal no longer aborts and restarts the syscall, so the request we
	 * judge is the one that completes (and exec inspection can stop the
	 * other tasks without losing the request it is judging). */
	return sys_seccomp(SECCOMP_SET_MODE_FILTER,
			   SECCOMP_FILTER_FLAG_NEW_LISTENER |
				   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			   &prog);
}

int notif_buf_alloc(struct notif_buf *b)
{
	struct seccomp_notif_sizes sz;

	*b = (struct notif_buf){ 0 };
	if (sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -errno;
	b->req_size = sz.seccomp_notif > sizeof(*b->req) ? sz.seccomp_notif : sizeof(*b->req);
	b->resp_size = sz.seccomp_notif_resp > sizeof(*b->resp) ? sz.seccomp_notif_resp
								 : sizeof(*b->resp);
	b->req = calloc(1, b->req_size);
	b->resp = calloc(1, b->resp_size);
	if (!b->req || !b->resp) {
		notif_buf_free(b);
		return -ENOMEM;
	}
	return 0;
}

void notif_buf_free(struct notif_buf *b)
{
	free(b->req);
	free(b->resp);
	*b = (struct notif_buf){ 0 };
}

int notif_recv(int listener, struct notif_buf *b)
{
	/* The kernel requires a zeroed request buffer. */
	memset(b->req, 0, b->req_size);
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, b->req) < 0 ? -errno : 0;
}

int notif_sync_wakeups(int listener)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
		     (__u64)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 ? -errno : 0;
}

int notif_id_valid(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 ? -errno : 0;
}

int notif_respond(int listener, struct notif_buf *b, uint64_t id, int64_t val, int err,
		  bool cont)
{
	memset(b->resp, 0, b->resp_size);
	b->resp->id = id;
	if (cont) {
		b->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else if (err) {
		b->resp->error = -err;
	} else {
		b->resp->val = val;
	}
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, b->resp) < 0 ? -errno : 0;
}

int notif_addfd_send(int listener, uint64_t id, int fd, unsigned newfd_flags)
{
	struct seccomp_notif_addfd a = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = newfd_flags,
	};
	int r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);

	return r < 0 ? -errno : r;
}

int notif_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (len == 0)
		return 0;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

ssize_t notif_read_str(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	const size_t page = 4096;
	size_t got = 0;

	if (addr == 0)
		return -EFAULT;
	while (got < size) {
		/* Never read across a page boundary in one call: the next page
		 * may be unmapped while the string ends before it. */
		size_t chunk = page - ((addr + got) & (page - 1));
		char *nul;
		int r;

		if (chunk > size - got)
			chunk = size - got;
		r = notif_read(tid, addr + got, buf + got, chunk);
		if (r < 0)
			return r;
		nul = memchr(buf + got, '\0', chunk);
		if (nul)
			return nul - buf;
		got += chunk;
	}
	return -ENAMETOOLONG;
}
