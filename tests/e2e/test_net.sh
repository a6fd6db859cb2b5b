# Network destinations judged by the supervisor, through the real binary
# (ATTACKS.md 6, 8, 9): every connect, sendto, sendmsg and sendmmsg of a
# policy with host, address, UDP-port or deny rules is performed by sandlock
# on the sandbox's behalf.  A host process outside the sandbox listens on
# the allowed and the denied destinations and counts what reached it: the
# denied side must count 0.
. "$(dirname "$0")/lib.sh"
S="$SL run -S"
PY=/usr/bin/python3
[ -x "$PY" ] || { skip "network tests" "python3 missing"; done_testing; }

read -r P1 P2 P3 < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$WORK/rw" "$WORK/out"
chmod 777 "$WORK/rw" "$WORK/out"
ABS="sandlock-e2e-net-$$"

# The host: TCP and UDP on P1 (allowed) and P2 (denied), TCP on 127.0.0.2:P1
# (a denied host), named unix sockets inside and outside the write grant, an
# abstract one.  Counts are written on SIGTERM.
cat >"$WORK/host.py" <<EOF
import json, os, signal, socket, sys, threading
counts = {}
def serve(name, s, stream):
    counts[name] = 0
    def loop():
        while True:
            try:
                if stream:
                    c, _ = s.accept(); c.close()
                else:
                    s.recv(65536)
            except OSError:
                return
            counts[name] += 1
    threading.Thread(target=loop, daemon=True).start()
def tcp(addr, port, fam=socket.AF_INET):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(64); return s
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", port)); return s
def unix(path, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, kind); s.bind(path)
    if kind == socket.SOCK_STREAM: s.listen(64)
    if path[0] != "\0": os.chmod(path, 0o666)
    return s
serve("tcp1", tcp("127.0.0.1", $P1), True)
serve("tcp2", tcp("127.0.0.1", $P2), True)
serve("host2", tcp("127.0.0.2", $P1), True)
serve("udp1", udp($P1), False)
serve("udp2", udp($P2), False)
serve("unix_in", unix("$WORK/rw/mine.sock"), True)
serve("unix_out", unix("$WORK/out/daemon.sock"), True)
serve("dgram_out", unix("$WORK/out/dgram.sock", socket.SOCK_DGRAM), False)
serve("abstract", unix("\0$ABS"), True)
def done(*_):
    json.dump(counts, open("$WORK/counts.json", "w")); os._exit(0)
signal.signal(signal.SIGTERM, done)
open("$WORK/ready", "w").close()
signal.pause()
EOF
"$PY" "$WORK/host.py" &
hpid=$!
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.05; done
[ -e "$WORK/ready" ] || { not_ok "host listeners" "host.py did not start"; done_testing; }

# In the sandbox: connect or send, print the outcome, exit 1 on OSError.
cat >"$WORK/net.py" <<'EOF'
import ctypes, errno, socket, sys
op, args = sys.argv[1], sys.argv[2:]
def inet(a):
    return (socket.AF_INET6 if ":" in a else socket.AF_INET), (a, int(args[1]))
try:
    if op == "tcp":
        fam, dst = inet(args[0])
        socket.socket(fam).connect(dst); print("connected")
    elif op == "udp":
        fam, dst = inet(args[0])
        print(socket.socket(fam, socket.SOCK_DGRAM).sendto(b"d", dst))
    elif op == "udpmsg":
        fam, dst = inet(args[0])
        print(socket.socket(fam, socket.SOCK_DGRAM).sendmsg([b"m", b"sg"], [], 0, dst))
    elif op == "unix":
        socket.socket(socket.AF_UNIX).connect(args[0].replace("@", "\0")); print("connected")
    elif op == "unixdgram":
        print(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"d", args[0]))
    elif op == "bind":
        socket.socket().bind(("127.0.0.1", int(args[0]))); print("bound")
    elif op == "fastopen":
        socket.socket().sendto(b"x", socket.MSG_FASTOPEN, ("127.0.0.1", int(args[0])))
        print("sent")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno)); sys.exit(1)
EOF
net() { "$PY" "$WORK/net.py" "$@"; }
N="-r $WORK"

# ---- ATTACKS.md 6: wrong port, wrong host, wrong protocol ----
expect "tcp: the allowed host and port connect" 0 '' -- \
	$S $N --net-allow "tcp://127.0.0.1:$P1" -- $PY "$WORK/net.py" tcp 127.0.0.1 "$P1"
expect_out "tcp: the allowed host and port connect (output)" "connected"
expect "tcp: a port not allowed is EACCES" 1 '' -- \
	$S $N --net-allow "tcp://127.0.0.1:$P1" -- $PY "$WORK/net.py" tcp 127.0.0.1 "$P2"
expect_out "tcp: a port not allowed is EACCES (output)" "EACCES"
expect "tcp: a host not allowed is EACCES" 1 '' -- \
	$S $N --net-allow "tcp://127.0.0.1:$P1" -- $PY "$WORK/net.py" tcp 127.0.0.2 "$P1"
expect_out "tcp: a host not allowed is EACCES (output)" "EACCES"
expect "tcp: the protocol a udp:// rule does not cover is EACCES" 1 '' -- \
	$S $N --net-allow "udp://127.0.0.1:$P1" -- $PY "$WORK/net.py" tcp 127.0.0.1 "$P1"
expect_out "tcp: the protocol a udp:// rule does not cover (output)" "EACCES"
expect "udp: no UDP socket under a tcp:// rule" 1 '' -- \
	$S $N --net-allow "tcp://127.0.0.1:$P1" -- $PY "$WORK/net.py" udp 127.0.0.1 "$P1"
expect_out "udp: no UDP socket under a tcp:// rule (output)" "EPERM"
expect "tcp: an IPv4-mapped address of a denied host is EACCES" 1 '' -- \
	$S $N --net-allow "127.0.0.1:$P1" -- $PY "$WORK/net.py" tcp "::ffff:127.0.0.2" "$P1"
expect_out "tcp: IPv4-mapped denied host (output)" "EACCES"
expect "tcp: a deny rule wins over an allow rule" 1 '' -- \
	$S $N --net-allow "tcp://*:$P1" --net-deny 127.0.0.2 -- $PY "$WORK/net.py" tcp 127.0.0.2 "$P1"

expect "udp: sendto the allowed destination" 0 '' -- \
	$S $N --net-allow "udp://127.0.0.1:$P1" -- $PY "$WORK/net.py" udp 127.0.0.1 "$P1"
expect "udp: sendmsg the allowed destination" 0 '' -- \
	$S $N --net-allow "udp://127.0.0.1:$P1" -- $PY "$WORK/net.py" udpmsg 127.0.0.1 "$P1"
expect_out "udp: sendmsg gathers its buffers (output)" "3"
expect "udp: sendto a port not allowed is EACCES" 1 '' -- \
	$S $N --net-allow "udp://127.0.0.1:$P1" -- $PY "$WORK/net.py" udp 127.0.0.1 "$P2"
expect "udp: sendmsg a port not allowed is EACCES" 1 '' -- \
	$S $N --net-allow "udp://127.0.0.1:$P1" -- $PY "$WORK/net.py" udpmsg 127.0.0.1 "$P2"

# sendmmsg: a batch mixing allowed and denied destinations sends its allowed
# prefix and returns its count, as the kernel does when a later message fails.
cat >"$WORK/mmsg.py" <<EOF
import ctypes, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]
class mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]
def sa(port):  # sockaddr_in: the family in host order, the port in network order
    return ctypes.create_string_buffer(struct.pack("=H", socket.AF_INET) +
                                       struct.pack("!H", port) +
                                       socket.inet_aton("127.0.0.1") + bytes(8), 16)
data = ctypes.create_string_buffer(b"b")
iov = iovec(ctypes.cast(data, ctypes.c_void_p), 1)
names = [sa($P1), sa($P1), sa($P2), sa($P1)]
msgs = (mmsghdr * 4)()
for i, n in enumerate(names):
    msgs[i].hdr = msghdr(ctypes.cast(n, ctypes.c_void_p), 16, ctypes.pointer(iov), 1, None, 0, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r = libc.sendmmsg(s.fileno(), msgs, 4, 0)
print(r, [msgs[i].len for i in range(4)])
r = libc.sendmmsg(s.fileno(), ctypes.byref(msgs, 2 * ctypes.sizeof(mmsghdr)), 2, 0)
print(r, ctypes.get_errno())
# A 4 GiB address length: EINVAL without reading; the supervisor serves on.
t = socket.socket()
r = libc.syscall(42, t.fileno(), names[2], ctypes.c_uint64(1 << 32))
print(r, ctypes.get_errno())
EOF
expect "sendmmsg: a mixed batch sends its allowed prefix" 0 '' -- \
	$S $N --net-allow "127.0.0.1:$P1" -- $PY "$WORK/mmsg.py"
expect_out "sendmmsg: 2 of 4 sent, a denied first message is EACCES, 4 GiB is EINVAL" \
	"2 [1, 1, 0, 0]
-1 13
-1 22"

# ---- ATTACKS.md 9: host names are pinned at start ----
expect "hostname: the pinned address connects" 0 '' -- \
	$S $N --net-allow "tcp://localhost:$P1" --log-decisions "$WORK/pin.jsonl" -- \
	$PY "$WORK/net.py" tcp 127.0.0.1 "$P1"
expect "hostname: another address is not the name's" 1 '' -- \
	$S $N --net-allow "tcp://localhost:$P1" -- $PY "$WORK/net.py" tcp 127.0.0.2 "$P1"
expect "decision events name the rule and the host" 0 '' -- "$PY" -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 1, e
e = e[0]
assert (e["kind"], e["syscall"], e["proto"], e["addr"], e["port"]) == \
       ("net", "connect", "tcp", "127.0.0.1", int(sys.argv[2])), e
assert (e["verdict"], e["rule"], e["host"], e["errno"]) == \
       ("allow", "network.allow[0]", "localhost", 0), e
assert e["origin"] == "<command line>", e' "$WORK/pin.jsonl" "$P1"

# The child's own lookups agree with the pins: /etc/hosts is a sealed
# memfd holding localhost and the pinned names, nothing else of the host's.
expect "hostname: the child's /etc/hosts is the pinned view" 0 '' -- \
	$S $N --net-allow "tcp://localhost:$P1" -- $PY -c '
import socket
t = open("/etc/hosts").read()
print("generated by sandlock" in t, socket.gethostbyname("localhost"), t == open("/etc/hosts").read())'
expect_out "hostname: /etc/hosts lists the pinned name, each open reads it whole" "True 127.0.0.1 True"
expect "hostname: the pinned view cannot be written, even through /proc/self/fd" 0 '' -- \
	$S $N --net-allow "tcp://localhost:$P1" -- $PY -c '
import errno, os
fd = os.open("/etc/hosts", os.O_RDONLY)
try:
    w = os.open("/proc/self/fd/%d" % fd, os.O_RDWR); os.write(w, b"6.6.6.6 localhost\n"); print("written")
except OSError as e:
    print(errno.errorcode[e.errno])
print("6.6.6.6" in open("/etc/hosts").read())'
expect_out "hostname: the view is sealed" "EPERM
False"
expect "hostname: without host rules /etc/hosts is the host's" 0 '' -- \
	$S $N --net-allow "tcp://127.0.0.1:$P1" -- /bin/sh -c 'grep -c "generated by sandlock" /etc/hosts; true'
expect_out "hostname: the host's /etc/hosts" "0"

# ---- ATTACKS.md 8: unix sockets, bind ----
# Any supervised rule turns on the unix checks.
U="--net-allow udp://127.0.0.1:9"
expect "unix: a host daemon's socket outside the write grants is EACCES" 1 '' -- \
	$S $N -w "$WORK/rw" $U -- $PY "$WORK/net.py" unix "$WORK/out/daemon.sock"
expect_out "unix: daemon socket outside the write grants (output)" "EACCES"
expect "unix: a datagram to a socket outside the write grants is EACCES" 1 '' -- \
	$S $N -w "$WORK/rw" $U -- $PY "$WORK/net.py" unixdgram "$WORK/out/dgram.sock"
expect "unix: a socket inside a write grant connects" 0 '' -- \
	$S $N -w "$WORK/rw" $U -- $PY "$WORK/net.py" unix "$WORK/rw/mine.sock"
ln -s "$WORK/out/daemon.sock" "$WORK/rw/link.sock"
expect "unix: a symlink in the grant to a socket outside is EACCES" 1 '' -- \
	$S $N -w "$WORK/rw" $U -- $PY "$WORK/net.py" unix "$WORK/rw/link.sock"
expect "unix: an abstract socket outside the sandbox is EACCES" 1 '' -- \
	$S $N $U -- $PY "$WORK/net.py" unix "@$ABS"
expect_out "unix: abstract socket outside the sandbox (output)" "EACCES"
expect "bind: a port not allowed is EACCES" 1 '' -- \
	$S $N $U --net-allow-bind "$P3" -- $PY "$WORK/net.py" bind "$P2"
expect_out "bind: a port not allowed (output)" "EACCES"
expect "bind: the allowed port" 0 '' -- \
	$S $N $U --net-allow-bind "$P3" -- $PY "$WORK/net.py" bind "$P3"

# ---- what the static layer refuses under a supervisor ----
expect "TCP Fast Open is refused by seccomp (it connects inside sendto)" 1 '' -- \
	$S $N --net-allow "tcp://127.0.0.1:$P1" -- $PY "$WORK/net.py" fastopen "$P1"
expect_out "TCP Fast Open refused (output)" "EPERM"
# An IPv6 routing header (type 4) needs no privilege and makes its first
# segment the packet's destination; a connected socket could get one after
# its connect was judged and write(): seccomp refuses setting it.
expect "IPV6_RTHDR cannot be set" 1 'PermissionError' -- \
	$S $N --net-allow "udp://[::1]:$P1" -- $PY -c '
import errno, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
h = bytes([0, 4, 4, 1, 1, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "::1") * 2
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, h)
try:
    s.sendto(b"x", ("::1", int(sys.argv[1]))); print("sent")
except OSError as e:
    print(errno.errorcode[e.errno])' "$P1"
expect_out "IPV6_RTHDR: nothing sent" ""

# ---- a real client: HTTP through an allowed rule ----
mkdir -p "$WORK/www" && echo hello >"$WORK/www/index.txt"
(cd "$WORK/www" && exec "$PY" -m http.server --bind 127.0.0.1 "$P3" >/dev/null 2>&1) &
wpid=$!
for _ in $(seq 100); do "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $P3))" \
	2>/dev/null && break; sleep 0.05; done
expect "http: urllib fetches through an allowed rule" 0 '' -- \
	$S $N --net-allow "127.0.0.1:$P3" -- $PY -c "
import urllib.request
print(urllib.request.urlopen('http://127.0.0.1:$P3/index.txt').read().decode().strip())"
expect_out "http: urllib fetches through an allowed rule (output)" "hello"
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null

# ---- no head-of-line blocking ----
# A TCP connect that hangs (the listener's accept queue is full, so its
# SYNs are dropped) waits on a worker; meanwhile the same process's UDP
# connects and a TCP connect elsewhere are answered at once.
"$PY" - "$WORK/full.port" <<'EOF2' &
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", l.getsockname()[1]))
    except BlockingIOError: pass
    held.append(c)
time.sleep(0.3)
open(sys.argv[1], "w").write(str(l.getsockname()[1]))
time.sleep(60)
EOF2
fpid=$!
for _ in $(seq 100); do [ -s "$WORK/full.port" ] && break; sleep 0.05; done
PF=$(cat "$WORK/full.port" 2>/dev/null)
expect "a hanging TCP connect does not hold up other calls" 0 '' -- \
	timeout 30 $S $N --net-allow 127.0.0.1 -- $PY -c "
import socket, threading, time
def hang():
    s = socket.socket(); s.settimeout(None)
    try: s.connect(('127.0.0.1', $PF))
    except OSError: pass
threading.Thread(target=hang, daemon=True).start()
time.sleep(0.3)
t = time.monotonic()
for _ in range(200):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(('127.0.0.1', $P1)); u.close()
c = socket.create_connection(('127.0.0.1', $P1), timeout=5); c.close()
print('fast' if time.monotonic() - t < 3 else 'slow %.1f' % (time.monotonic() - t))"
expect_out "200 UDP connects and a TCP connect while one connect hangs" "fast"
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null

# ---- what reached the host ----
kill -TERM "$hpid"; wait "$hpid" 2>/dev/null
expect "host: the denied destinations saw nothing" 0 '' -- "$PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
for k in ("tcp2", "host2", "udp2", "unix_out", "dgram_out", "abstract"):
    assert c[k] == 0, (k, c)
assert c["tcp1"] == 3 and c["udp1"] == 4 and c["unix_in"] == 1, c' "$WORK/counts.json"
done_testing
