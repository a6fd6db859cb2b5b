/* Host-name resolution without NSS: resolv.conf and hosts-file text, the
 * child's generated /etc/hosts, and resolve_host(), the one function here
 * that talks to the network (the wire format is resolve_dns.c).
 *
 * Truncated UDP answers are asked again over TCP from the same server: a
 * name with many addresses or a long CNAME chain must still resolve, and a
 * truncated answer is never used, since it may lack records. */
#define _GNU_SOURCE
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#include "banned.h"

#define DEFAULT_PORT 53
#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_ATTEMPTS 2 /* glibc's RES_DFLRETRY */
#define MAX_TIMEOUT_S 30   /* glibc's RES_MAXRETRANS */
#define MAX_ATTEMPTS 5	   /* glibc's RES_MAXRETRY */
#define HOSTS_MAX_BYTES (4u << 20)
#define RESOLV_MAX_BYTES (1u << 20)
#define QUERY_MAX 300	/* header, a 255-byte name, type and class */
#define UDP_RECV_MAX 4096 /* replies without EDNS fit in 512 */
#define WHY_LEN 192

int resolve_addrs_add(struct resolve_addrs *out, const struct in6_addr *a)
{
	for (size_t i = 0; i < out->n; i++)
		if (memcmp(&out->a[i], a, sizeof(*a)) == 0)
			return 0;
	if (out->n == RESOLVE_MAX_ADDRS)
		return 0;
	out->a[out->n++] = *a;
	return 1;
}

/* ---- text formats (pure) ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Moves *p past blanks to the next field of [*p, end); false if none. */
static bool next_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	*f = s;
	while (s < end && !is_blank(*s))
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return *n > 0;
}

/* Parses an IPv4 (as ::ffff:a.b.c.d) or IPv6 address from f[0..n). */
static bool parse_addr(const char *f, size_t n, struct in6_addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, f, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(out, 0, sizeof(*out));
		out->s6_addr[10] = out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

/* Parses the decimal in f[0..n), clamped to [1, max]; false if not a number. */
static bool parse_option(const char *f, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return false;
		if (v < max)
			v = v * 10 + (unsigned)(f[i] - '0');
	}
	*out = v < 1 ? 1 : v > max ? max : v;
	return true;
}

static bool field_is(const char *f, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(f, word, n) == 0;
}

static void conf_line(struct resolve_conf *c, const char *p, const char *end)
{
	const char *f;
	size_t n;
	unsigned v;

	if (!next_field(&p, end, &f, &n) || f[0] == '#' || f[0] == ';')
		return;
	if (field_is(f, n, "nameserver")) {
		if (c->n_ns < RESOLVE_MAX_NS && next_field(&p, end, &f, &n) &&
		    parse_addr(f, n, &c->ns[c->n_ns]))
			c->n_ns++;
		return;
	}
	if (!field_is(f, n, "options"))
		return;
	while (next_field(&p, end, &f, &n)) {
		if (n > 8 && memcmp(f, "timeout:", 8) == 0 &&
		    parse_option(f + 8, n - 8, MAX_TIMEOUT_S, &v))
			c->timeout_ms = v * 1000;
		else if (n > 9 && memcmp(f, "attempts:", 9) == 0 &&
			 parse_option(f + 9, n - 9, MAX_ATTEMPTS, &v))
			c->attempts = v;
	}
}

void resolve_conf_init(struct resolve_conf *c)
{
	*c = (struct resolve_conf){
		.port = DEFAULT_PORT,
		.timeout_ms = DEFAULT_TIMEOUT_MS,
		.attempts = DEFAULT_ATTEMPTS,
		.hosts_path = "/etc/hosts",
	};
}

void resolve_conf_parse(struct resolve_conf *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		conf_line(c, p, eol);
		p = eol < end ? eol + 1 : end;
	}
	/* glibc's res_init asks the local host when none is named. */
	if (c->n_ns == 0) {
		memset(&c->ns[0], 0, sizeof(c->ns[0]));
		c->ns[0].s6_addr[10] = c->ns[0].s6_addr[11] = 0xff;
		c->ns[0].s6_addr[12] = 127;
		c->ns[0].s6_addr[15] = 1;
		c->n_ns = 1;
	}
}

static bool name_eq(const char *f, size_t n, const char *name, size_t len)
{
	if (n != len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = f[i], b = name[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* Whether the hosts line [p, end) lists name; fills *a from its address. */
static bool hosts_line(const char *p, const char *end, const char *name, size_t len,
		       struct in6_addr *a)
{
	const char *hash = memchr(p, '#', (size_t)(end - p)), *f;
	size_t n;

	if (hash)
		end = hash;
	if (!next_field(&p, end, &f, &n) || !parse_addr(f, n, a))
		return false;
	while (next_field(&p, end, &f, &n))
		if (name_eq(f, n, name, len))
			return true;
	return false;
}

int resolve_hosts_lookup(const char *text, size_t len, const char *name,
			 struct resolve_addrs *out)
{
	const char *p = text, *end = text + len;
	size_t nlen = strlen(name);
	int matched = 0;

	if (resolve_name_check(name) < 0)
		return -EINVAL;
	if (name[nlen - 1] == '.')
		nlen--;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct in6_addr a;

		if (!eol)
			eol = end;
		if (hosts_line(p, eol, name, nlen, &a)) {
			resolve_addrs_add(out, &a);
			matched++;
		}
		p = eol < end ? eol + 1 : end;
	}
	return matched;
}

/* Formats a (IPv4-mapped shown as IPv4) into buf[INET6_ADDRSTRLEN]. */
static const char *addr_str(const struct in6_addr *a, char *buf)
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		return inet_ntop(AF_INET, &a->s6_addr[12], buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

int resolve_hosts_render(const struct resolve_pin *pins, size_t n, char **out)
{
	char *buf = NULL, ip[INET6_ADDRSTRLEN];
	size_t size = 0;
	FILE *f;
	int bad;

	*out = NULL;
	/* The names land in a file the child's libc parses: only names that
	 * cannot carry blanks, comments or line breaks. */
	for (size_t i = 0; i < n; i++)
		if (resolve_name_check(pins[i].name) < 0)
			return -EINVAL;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fputs("# generated by sandlock: the allowed host names, resolved once at start\n"
	      "127.0.0.1\tlocalhost\n"
	      "::1\tlocalhost ip6-localhost ip6-loopback\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		const char *name = pins[i].name;
		int len = (int)strlen(name);

		if (name[len - 1] == '.')
			len--;
		for (size_t j = 0; j < pins[i].addrs->n; j++)
			fprintf(f, "%s\t%.*s\n", addr_str(&pins[i].addrs->a[j], ip), len, name);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

/* ---- files ---- */

/* Reads the file at path whole (at most max bytes) into *out (returns
 * owned, NUL-terminated).  Returns 0, -EFBIG or -errno. */
static int read_text(const char *path, size_t max, char **out, size_t *len)
{
	size_t got = 0, cap = 4096;
	char *buf = malloc(cap), *q;
	int fd = sys_open(path, O_RDONLY | O_NONBLOCK), r = 0; /* a FIFO must not block */
	ssize_t n;

	if (fd < 0 || !buf) {
		r = fd < 0 ? fd : -ENOMEM;
		goto out;
	}
	for (;;) {
		if (got + 1 == cap) {
			if (cap > max) {
				r = -EFBIG;
				goto out;
			}
			q = realloc(buf, cap * 2);
			if (!q) {
				r = -ENOMEM;
				goto out;
			}
			buf = q;
			cap *= 2;
		}
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		got += (size_t)n;
	}
	if (r == 0 && got > max)
		r = -EFBIG;
out:
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int resolve_conf_load(struct resolve_conf *c, const char *path, struct diag *d)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!path)
		path = "/etc/resolv.conf";
	resolve_conf_init(c);
	r = read_text(path, RESOLV_MAX_BYTES, &text, &len);
	if (r < 0 && r != -ENOENT)
		return diag_err(d, r, "cannot read '%s': %s", path,
				r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
	resolve_conf_parse(c, text ? text : "", len);
	free(text);
	return 0;
}

/* Looks name up in the hosts file at path (none if NULL or missing).
 * Returns the number of lines that matched or -errno with d filled. */
static int hosts_file(const char *path, const char *name, struct resolve_addrs *out,
		      struct diag *d)
{
	char *text;
	size_t len;
	int r;

	if (!path)
		return 0;
	r = read_text(path, HOSTS_MAX_BYTES, &text, &len);
	if (r == -ENOENT)
		return 0;
	/* Fail closed: an unreadable file may hold the answer that counts. */
	if (r < 0)
		return diag_err(d, r, "cannot read hosts file '%s': %s", path,
				r == -EFBIG ? "larger than 4 MiB" : strerror(-r));
	r = resolve_hosts_lookup(text, len, name, out);
	free(text);
	return r;
}

/* ---- DNS over the network ---- */

/* One question to one server: A or AAAA. */
struct query {
	uint16_t qtype, id;
	bool done; /* rc holds the outcome */
	int rc;	   /* resolve_dns_parse()'s result, or -errno of the TCP retry */
	struct resolve_addrs addrs;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Query ids are the only secret an off-path spoofer must guess besides the
 * source port: they come from the kernel's CSPRNG, and failing to get one
 * fails the lookup. */
static int random_id(uint16_t *id)
{
	ssize_t n;

	do
		n = getrandom(id, sizeof(*id), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*id) ? 0 : -EIO;
}

/* An IPv4-mapped server is asked over an AF_INET socket: a dual-stack
 * socket would fail where net.ipv6.bindv6only is set or IPv6 is off. */
static socklen_t ns_sockaddr(const struct in6_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, &a->s6_addr[12], 4);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	s6->sin6_addr = *a;
	return sizeof(*s6);
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		uint64_t now = now_ms();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(deadline - now));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Reads or writes exactly n bytes of a stream socket before the deadline. */
static int io_full(int fd, void *buf, size_t n, bool wr, uint64_t deadline)
{
	size_t done = 0;

	while (done < n) {
		int r = wait_fd(fd, wr ? POLLOUT : POLLIN, deadline);
		ssize_t k;

		if (r < 0)
			return r;
		k = wr ? send(fd, (char *)buf + done, n - done, MSG_NOSIGNAL)
		       : recv(fd, (char *)buf + done, n - done, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ECONNRESET; /* the server closed before the whole answer */
		done += (size_t)k;
	}
	return 0;
}

/* Asks q again over TCP (RFC 7766), with a fresh id; sets q->rc. */
static void tcp_exchange(const struct sockaddr *sa, socklen_t salen, const char *name,
			 unsigned timeout_ms, struct query *q)
{
	uint64_t deadline = now_ms() + timeout_ms;
	uint8_t pkt[2 + QUERY_MAX], hdr[2] = { 0 }, *buf = NULL;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r, n;
	int err = 0;
	socklen_t errlen = sizeof(err);
	size_t len;

	q->done = true;
	if (fd < 0) {
		q->rc = -errno;
		return;
	}
	r = random_id(&q->id);
	n = r < 0 ? r : resolve_dns_query(pkt + 2, QUERY_MAX, name, q->id, q->qtype);
	if (n < 0 || (connect(fd, sa, salen) < 0 && errno != EINPROGRESS)) {
		r = n < 0 ? n : -errno;
		goto out;
	}
	pkt[0] = (uint8_t)(n >> 8);
	pkt[1] = (uint8_t)n;
	r = wait_fd(fd, POLLOUT, deadline);
	if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == 0 && err)
		r = -err;
	if (r == 0)
		r = io_full(fd, pkt, (size_t)n + 2, true, deadline);
	if (r == 0)
		r = io_full(fd, hdr, 2, false, deadline);
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (r == 0 && !(buf = malloc(len ? len : 1)))
		r = -ENOMEM;
	if (r == 0)
		r = io_full(fd, buf, len, false, deadline);
	if (r == 0)
		r = resolve_dns_parse(buf, len, name, q->id, q->qtype, &q->addrs);
	/* On a connection of its own, any other reply means a broken server. */
	if (r == -ESRCH || r == -EMSGSIZE)
		r = -EBADMSG;
out:
	q->rc = r;
	free(buf);
	close(fd);
}

/* Files a UDP datagram under the query it answers; others are dropped. */
static void match_reply(const uint8_t *m, size_t n, const char *name, struct query *q,
			size_t nq)
{
	for (size_t i = 0; i < nq; i++) {
		int r;

		if (q[i].done)
			continue;
		r = resolve_dns_parse(m, n, name, q[i].id, q[i].qtype, &q[i].addrs);
		if (r == -ESRCH)
			continue;
		q[i].done = true;
		q[i].rc = r;
		return;
	}
}

/* Sends every query on the connected UDP socket fd and collects replies
 * until all are done or timeout_ms pass.  Returns 0 or the -errno of a
 * send or receive (ECONNREFUSED: nothing listens there). */
static int udp_exchange(int fd, const char *name, struct query *q, size_t nq,
			unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	uint8_t buf[UDP_RECV_MAX];
	size_t pending = nq;

	for (size_t i = 0; i < nq; i++) {
		int n = resolve_dns_query(buf, sizeof(buf), name, q[i].id, q[i].qtype);

		if (n < 0)
			return n;
		if (send(fd, buf, (size_t)n, 0) < 0)
			return -errno;
	}
	while (pending > 0) {
		int r = wait_fd(fd, POLLIN, deadline);
		ssize_t n;

		if (r == -ETIMEDOUT)
			return 0;
		if (r < 0)
			return r;
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n > sizeof(buf))
			continue; /* cut by MSG_TRUNC: not an answer to our queries */
		match_reply(buf, (size_t)n, name, q, nq);
		pending = 0;
		for (size_t i = 0; i < nq; i++)
			pending += !q[i].done;
	}
	return 0;
}

static const char *rcode_name(int rc)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED" };

	return rc >= 0 && rc < 6 ? names[rc] : NULL;
}

/* Words the failure of a done query into why. */
static void describe(const struct query *q, const char *who, char *why)
{
	if (q->rc > 0 && rcode_name(q->rc))
		snprintf(why, WHY_LEN, "%s from %s", rcode_name(q->rc), who);
	else if (q->rc > 0)
		snprintf(why, WHY_LEN, "response code %d from %s", q->rc, who);
	else if (q->rc == -EBADMSG)
		snprintf(why, WHY_LEN, "malformed answer from %s", who);
	else
		snprintf(why, WHY_LEN, "truncated answer from %s and no answer over TCP: %s",
			 who, strerror(-q->rc));
}

/* Turns one server's answers into the outcome: 0 with addresses in out,
 * -ENOENT (the name has none), -ETIMEDOUT (silence) or -EPROTO. */
static int judge(struct query *q, size_t nq, const char *who, struct resolve_addrs *out,
		 char *why)
{
	size_t empty = 0;

	for (size_t i = 0; i < nq; i++) {
		if (q[i].done && q[i].rc == 3) {
			snprintf(why, WHY_LEN, "no address (NXDOMAIN from %s)", who);
			return -ENOENT;
		}
	}
	for (size_t i = 0; i < nq; i++) {
		if (q[i].done && q[i].rc == 0) {
			for (size_t j = 0; j < q[i].addrs.n; j++)
				resolve_addrs_add(out, &q[i].addrs.a[j]);
			empty += q[i].addrs.n == 0;
		}
	}
	if (out->n > 0)
		return 0;
	if (empty == nq) {
		snprintf(why, WHY_LEN, "no address (no A or AAAA record from %s)", who);
		return -ENOENT;
	}
	for (size_t i = 0; i < nq; i++) {
		if (q[i].done && q[i].rc != 0) {
			describe(&q[i], who, why);
			return -EPROTO;
		}
	}
	return -ETIMEDOUT;
}

/* Asks the nameserver ns for name's A and AAAA records. */
static int ask_server(const struct in6_addr *ns, const struct resolve_conf *c, const char *name,
		      struct resolve_addrs *out, char *why)
{
	struct query q[2] = { { .qtype = RESOLVE_QTYPE_A }, { .qtype = RESOLVE_QTYPE_AAAA } };
	struct sockaddr_storage ss;
	socklen_t sslen = ns_sockaddr(ns, c->port ? c->port : DEFAULT_PORT, &ss);
	char who[INET6_ADDRSTRLEN];
	int fd, r;

	addr_str(ns, who);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, WHY_LEN, "cannot reach %s: %s", who, strerror(errno));
		return -EPROTO;
	}
	/* Connected: the kernel picks a random source port and drops
	 * datagrams from any other address or port. */
	r = connect(fd, (struct sockaddr *)&ss, sslen) < 0 ? -errno : 0;
	for (size_t i = 0; r == 0 && i < 2; i++)
		r = random_id(&q[i].id);
	if (r == 0)
		r = udp_exchange(fd, name, q, 2, c->timeout_ms);
	close(fd);
	if (r < 0 && !q[0].done && !q[1].done) {
		snprintf(why, WHY_LEN, "cannot reach %s: %s", who, strerror(-r));
		return r == -ENOMEM ? r : -EPROTO;
	}
	for (size_t i = 0; i < 2; i++)
		if (q[i].done && q[i].rc == -EMSGSIZE)
			tcp_exchange((struct sockaddr *)&ss, sslen, name, c->timeout_ms, &q[i]);
	return judge(q, 2, who, out, why);
}

static void fmt_ms(unsigned ms, char *buf, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(buf, n, "%u s", ms / 1000);
	else
		snprintf(buf, n, "%u ms", ms);
}

/* Asks each nameserver in turn, conf->attempts rounds, until one gives a
 * definite answer: addresses, NXDOMAIN or a name without addresses. */
static int dns_lookup(const char *name, const struct resolve_conf *c, struct resolve_addrs *out,
		      struct diag *d)
{
	char why[WHY_LEN], failure[WHY_LEN] = "", tmo[32];
	struct resolve_conf conf = *c;

	/* A zeroed field means the default, never "no time" or "no try";
	 * the cap keeps poll()'s int timeout finite. */
	if (!conf.timeout_ms)
		conf.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (conf.timeout_ms > MAX_TIMEOUT_S * 1000)
		conf.timeout_ms = MAX_TIMEOUT_S * 1000;
	if (conf.attempts > MAX_ATTEMPTS)
		conf.attempts = MAX_ATTEMPTS;
	if (!conf.attempts)
		conf.attempts = 1;
	c = &conf;
	if (c->n_ns == 0)
		return diag_err(d, -ENOENT, "cannot resolve '%s': no nameserver configured", name);
	for (unsigned a = 0; a < c->attempts; a++) {
		for (size_t i = 0; i < c->n_ns && i < RESOLVE_MAX_NS; i++) {
			int r = ask_server(&c->ns[i], c, name, out, why);

			if (r == 0)
				return 0;
			if (r == -ENOENT || r == -ENOMEM)
				return diag_err(d, r, "cannot resolve '%s': %s", name, why);
			if (r != -ETIMEDOUT)
				memcpy(failure, why, sizeof(failure));
		}
	}
	if (failure[0])
		return diag_err(d, -EPROTO, "cannot resolve '%s': %s", name, failure);
	fmt_ms(c->timeout_ms, tmo, sizeof(tmo));
	return diag_err(d, -ETIMEDOUT, "cannot resolve '%s': no nameserver answered within %s",
			name, tmo);
}

int resolve_host(const char *name, const struct resolve_conf *conf, struct resolve_addrs *out,
		 struct diag *d)
{
	struct in6_addr a;
	int r;

	memset(out, 0, sizeof(*out));
	if (parse_addr(name, strlen(name), &a)) {
		resolve_addrs_add(out, &a);
		return 0;
	}
	if (resolve_name_check(name) < 0)
		return diag_set(d, "cannot resolve '%s': invalid host name", name);
	r = hosts_file(conf->hosts_path, name, out, d);
	if (r < 0)
		return r;
	if (out->n > 0)
		return 0;
	return dns_lookup(name, conf, out, d);
}
