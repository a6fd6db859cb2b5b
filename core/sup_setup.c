/* Preparing the supervisor before fork (sup_setup.h). */
#define _GNU_SOURCE
#include "sup_setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "notif.h"
#include "banned.h"

/* Refuses a policy this kernel cannot supervise: never run without the
 * checks the policy asked for. */
static int check_kernel(struct diag *d)
{
	struct caps caps;

	caps_probe_all(&caps);
	if (!caps.user_notif)
		return diag_err(d, -EOPNOTSUPP, "cannot supervise the sandbox: this kernel lacks "
				"seccomp user notification (Linux 5.0), needed by [network] host, "
				"address and UDP rules, [exec] deny_argv and [limits] processes");
	if (!caps.pidfd_getfd || !caps.notif_addfd)
		return diag_err(d, -EOPNOTSUPP, "cannot supervise the sandbox: this kernel lacks "
				"%s (Linux %s)", caps.pidfd_getfd ? "SECCOMP_IOCTL_NOTIF_ADDFD" :
				"pidfd_getfd", caps.pidfd_getfd ? "5.9" : "5.6");
	return 0;
}

/* The child's /etc/hosts: the pinned names (sup_hosts.c). */
static int hosts_view(struct sup_setup *s, const struct policy *p, struct diag *d)
{
	struct resolve_pin *pins = calloc(p->n_net, sizeof(*pins));
	size_t n = 0;
	int r;

	if (!pins)
		return diag_err(d, -ENOMEM, "cannot write the pinned /etc/hosts: out of memory");
	for (size_t i = 0; i < p->n_net; i++)
		if (p->net[i].kind == POLICY_NET_HOST && s->addrs[i].n)
			pins[n++] = (struct resolve_pin){ p->net[i].host, &s->addrs[i] };
	r = sup_hosts_memfd(pins, n, &s->hosts_fd);
	free(pins);
	if (r < 0)
		return diag_err(d, r, "cannot write the pinned /etc/hosts: %s", strerror(-r));
	s->opts.have_hosts = true;
	s->opts.hosts_fd = s->hosts_fd;
	return 0;
}

/* Resolves every host rule once; the pins are what decide_net() uses for
 * the life of the sandbox (ATTACKS.md 9). */
static int pin_hosts(struct sup_setup *s, const struct policy *p, struct diag *d)
{
	struct resolve_conf conf;
	bool loaded = false;
	int r;

	s->addrs = calloc(p->n_net ? p->n_net : 1, sizeof(*s->addrs));
	s->pins = calloc(p->n_net ? p->n_net : 1, sizeof(*s->pins));
	if (!s->addrs || !s->pins)
		return diag_err(d, -ENOMEM, "cannot resolve host rules: out of memory");
	for (size_t i = 0; i < p->n_net; i++) {
		const struct policy_net_rule *rule = &p->net[i];

		if (rule->kind != POLICY_NET_HOST)
			continue;
		if (!loaded) {
			r = resolve_conf_load(&conf, NULL, d);
			if (r < 0)
				return r;
			loaded = true;
		}
		r = resolve_host(rule->host, &conf, &s->addrs[i], d);
		if (r < 0)
			return policy_at(d, rule->origin, r);
		s->pins[i] = (struct net_pin){ s->addrs[i].a, s->addrs[i].n };
	}
	s->opts.pins = (struct net_pins){ s->pins, p->n_net };
	return loaded ? hosts_view(s, p, d) : 0;
}

/* Records every hole: inodes beneath directories too, so this reads
 * whole trees once at start (holes.h). */
static int build_holes(struct sup_setup *s, const struct policy *p, struct diag *d)
{
	holes_init(&s->holes);
	s->holes.hide_stat = p->hide_stat;
	for (size_t i = 0; i < p->n_deny; i++) {
		int r = holes_add(&s->holes, p->deny[i].path, p->deny[i].origin, i, d);

		if (r < 0)
			return policy_at(d, p->deny[i].origin, r);
	}
	if (p->n_deny)
		s->opts.holes = &s->holes;
	return 0;
}

int sup_setup_prepare(struct sup_setup *s, const struct policy *p, int ruleset_fd,
		      const char *log_path, struct event_sink *sink, struct diag *d)
{
	int nrs[NOTIF_MAX_SYSCALLS];
	size_t n = sup_syscalls(p, sink != NULL, nrs);
	int r;

	*s = (struct sup_setup){ .opts = { .policy = p, .ruleset_fd = ruleset_fd,
					   .learn = sink != NULL, .sink = sink } };
	if (log_path) {
		r = event_sink_jsonl_open(log_path, &s->sink, d);
		if (r < 0)
			return r;
		s->opts.sink = s->sink;
	}
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		s->traps_exec |= nrs[i] == SYS_execve;
	r = check_kernel(d);
	if (r == 0)
		r = pin_hosts(s, p, d);
	if (r == 0)
		r = build_holes(s, p, d);
	if (r == 0) {
		r = notif_filter_build(nrs, n, &s->notif);
		if (r < 0)
			diag_err(d, r, "cannot build the supervisor's filter: %s", strerror(-r));
	}
	return r;
}

int sup_setup_release(struct sup_setup *s)
{
	int r = s->sink ? s->sink->close(s->sink) : 0;

	seccomp_filter_release(&s->notif);
	holes_release(&s->holes);
	if (s->opts.have_hosts)
		close(s->hosts_fd);
	free(s->addrs);
	free(s->pins);
	*s = (struct sup_setup){ 0 };
	return r;
}
