/* What every benchmark in bench/ needs: fatal errors, a monotonic clock,
 * option counts, and the median/p10/p90 of a sample set.  Header-only: each
 * benchmark is one program built from one .c file (Makefile). */
#ifndef SANDLOCK_BENCH_H
#define SANDLOCK_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* Prints "PROG: message" and exits 2 (a benchmark that cannot run). */
static __attribute__((noreturn, format(printf, 1, 2), unused)) void die(const char *fmt, ...)
{
	extern const char *bench_name;
	va_list ap;

	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static __attribute__((unused)) int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The integer option s in [min, max], or dies naming it. */
static __attribute__((unused)) long parse_count(const char *s, const char *what, long min,
						long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("invalid %s '%s': want an integer from %ld to %ld", what, s, min, max);
	return v;
}

/* How a run ended, for a failure message. */
static __attribute__((unused)) void describe_status(int st, char *buf, size_t len)
{
	if (st < 0)
		snprintf(buf, len, "cannot start: %s", strerror(-st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
}

static int bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Quantile q of sorted v by linear interpolation between closest ranks,
 * divided by unit (1e3: ns to µs; 1e6: ns to ms). */
static double bench_quantile(const int64_t *v, size_t n, double q, double unit)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double x = (double)v[i];

	if (i + 1 < n)
		x += (pos - (double)i) * (double)(v[i + 1] - v[i]);
	return x / unit;
}

struct summary {
	double p10, median, p90;
};

/* Sorts v (n > 0 nanosecond samples) and returns its quantiles in unit. */
static __attribute__((unused)) struct summary summarize(int64_t *v, size_t n, double unit)
{
	qsort(v, n, sizeof(*v), bench_cmp_i64);
	return (struct summary){ bench_quantile(v, n, 0.10, unit), bench_quantile(v, n, 0.50, unit),
				 bench_quantile(v, n, 0.90, unit) };
}

#endif
