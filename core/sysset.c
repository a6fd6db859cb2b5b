#include "sysset.h"

#include "policy.h"

/* Missing entries are skipped (not every distribution has /lib32 or
 * /etc/localtime).  Deliberately absent: /proc (other processes' environ and
 * cmdline, /proc/kcore), /sys, /tmp, /home, /etc as a whole (/etc/shadow is
 * root-only but /etc holds other secrets), /run (daemon sockets). */
const struct sysset_entry sysset[] = {
	{ "/usr", POLICY_READ },
	{ "/bin", POLICY_READ },
	{ "/sbin", POLICY_READ },
	{ "/lib", POLICY_READ },
	{ "/lib32", POLICY_READ },
	{ "/lib64", POLICY_READ },
	{ "/libx32", POLICY_READ },
	{ "/etc/ld.so.cache", POLICY_READ },
	{ "/etc/ld.so.conf", POLICY_READ },
	{ "/etc/ld.so.conf.d", POLICY_READ },
	{ "/etc/ld.so.preload", POLICY_READ },
	{ "/etc/localtime", POLICY_READ },
	{ "/etc/nsswitch.conf", POLICY_READ },
	{ "/etc/passwd", POLICY_READ },
	{ "/etc/group", POLICY_READ },
	{ "/etc/hosts", POLICY_READ },
	{ "/etc/resolv.conf", POLICY_READ },
	{ "/etc/alternatives", POLICY_READ },
	{ "/etc/locale.alias", POLICY_READ },
	{ "/etc/ssl/certs", POLICY_READ },
	{ "/etc/ca-certificates", POLICY_READ },
	{ "/usr/share/zoneinfo", POLICY_READ },
	{ "/dev/null", POLICY_READ | POLICY_WRITE },
	{ "/dev/zero", POLICY_READ | POLICY_WRITE },
	{ "/dev/full", POLICY_READ | POLICY_WRITE },
	{ "/dev/random", POLICY_READ },
	{ "/dev/urandom", POLICY_READ },
	{ "/dev/tty", POLICY_READ | POLICY_WRITE },
};
const size_t sysset_len = sizeof(sysset) / sizeof(sysset[0]);
