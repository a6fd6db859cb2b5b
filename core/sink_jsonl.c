/* --log-decisions FILE: one JSON object per line (schemas/decisions.md).
 * Each line is one write(2) on an O_APPEND fd, under a lock, so lines from
 * concurrent supervisor threads never interleave. */
#define _GNU_SOURCE
#include "event.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

/* A line never exceeds this; event_to_json shortens what would. */
#define LINE_MAX_BYTES 65536

struct sink_jsonl {
	struct event_sink base; /* first: the public handle points here */
	pthread_mutex_t lock;
	int fd;
	bool own_fd;
	int err; /* first write error, reported at close */
	char line[LINE_MAX_BYTES];
};

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void jsonl_emit(struct event_sink *base, const struct event *e)
{
	struct sink_jsonl *s = (struct sink_jsonl *)base;
	size_t len;
	int r;

	pthread_mutex_lock(&s->lock);
	len = event_to_json(e, s->line, sizeof(s->line));
	r = write_all(s->fd, s->line, len);
	if (r < 0 && !s->err)
		s->err = r;
	pthread_mutex_unlock(&s->lock);
}

static int jsonl_close(struct event_sink *base)
{
	struct sink_jsonl *s = (struct sink_jsonl *)base;
	int r = s->err;

	if (s->own_fd && close(s->fd) < 0 && !r)
		r = -errno;
	pthread_mutex_destroy(&s->lock);
	free(s);
	return r;
}

int event_sink_jsonl_open(const char *path, struct event_sink **out, struct diag *d)
{
	struct sink_jsonl *s = calloc(1, sizeof(*s));

	if (!s)
		return diag_err(d, -ENOMEM, "cannot open the decision log: out of memory");
	if (strcmp(path, "-") == 0) {
		s->fd = STDERR_FILENO;
	} else {
		/* 0600: decisions name files and hosts the sandbox touched. */
		s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
		if (s->fd < 0) {
			int err = -errno;

			free(s);
			return diag_err(d, err, "cannot open decision log '%s': %s", path,
					strerror(-err));
		}
		s->own_fd = true;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->base.emit = jsonl_emit;
	s->base.close = jsonl_close;
	*out = &s->base;
	return 0;
}
