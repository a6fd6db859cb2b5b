/* Placeholder until the exec handlers land: the syscalls are routed to the
 * supervisor, which has no handler for them and so denies them (EPERM):
 * a policy that needs them fails closed, never runs unchecked. */
#include <sys/syscall.h>

#include "sup.h"

const struct sup_handler sup_exec_handlers[] = { { -1, NULL, NULL, false } };
const size_t sup_exec_handlers_len = 0;

size_t sup_exec_syscalls(const struct policy *p, int *nrs)
{
	static const int list[] = { SYS_execve, SYS_execveat };

	if (!(p->n_deny_argv))
		return 0;
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		nrs[i] = list[i];
	return sizeof(list) / sizeof(list[0]);
}
