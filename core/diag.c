#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static void diag_vset(struct diag *d, const char *fmt, va_list ap)
{
	if (d)
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
}

int diag_set(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vset(d, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int diag_err(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vset(d, fmt, ap);
	va_end(ap);
	return err;
}
