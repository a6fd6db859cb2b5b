# The attack corpus (ATTACKS.md items 1, 4, 5, 7, 8, 10, 11, 12) against the
# real `sandlock run` and `sandlock enforce` on real programs.  Where an
# attack would fail unconfined anyway for the user running the test (DAC as
# uid 65534, CAP_NET_RAW), a "control" runs it without the sandbox first,
# or the case uses a variant whose unconfined and sandboxed outcomes differ.
# Cases named "KNOWN GAP" pin what happens today where the static layer
# cannot close an attack; they fail the day that changes.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
S="$SL run -S"
LDSO=/lib64/ld-linux-x86-64.so.2
# The system python: a python3 found first on PATH may live in a home the
# sandbox (rightly) cannot read.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=
SHADOW=/etc/shadow

mkdir -p "$WORK/home/.ssh" "$WORK/out" "$WORK/ro" "$WORK/rw" "$WORK/x"
echo "-----BEGIN FAKE KEY-----" > "$WORK/home/.ssh/id_rsa"; chmod 600 "$WORK/home/.ssh/id_rsa"
echo "host-secret" > "$WORK/out/secret"; chmod 644 "$WORK/out/secret"
echo "ro-data" > "$WORK/ro/f"
chmod 755 "$WORK/home" "$WORK/out" "$WORK/ro" "$WORK/x"; chmod 777 "$WORK/rw"

# ---- item 1: reads outside the grants, writes under a read-only grant ----
expect "control: the planted key is readable unconfined" 0 '' -- cat "$WORK/home/.ssh/id_rsa"
expect "item 1: ~/.ssh/id_rsa outside the grants is denied" 1 'id_rsa: Permission denied' -- \
	env HOME="$WORK/home" $S -w "$WORK/rw" -- sh -c 'cat "$HOME/.ssh/id_rsa"'
[ -z "$LAST_OUT" ] && ok "item 1: the key did not leak" || not_ok "item 1: the key did not leak" "stdout: $LAST_OUT"
expect "item 1: a world-readable file outside the grants is denied" 1 'secret: Permission denied' -- \
	$S -r "$WORK/ro" -- cat "$WORK/out/secret"
# Host secrets only mean something to a user who could read them unconfined
# (root); for others the planted files above are the test.
if [ -r "$SHADOW" ]; then
	expect "item 1: /etc/shadow is denied (run)" 1 "$SHADOW: Permission denied" -- $S -- cat "$SHADOW"
	expect "item 1: /etc/shadow is denied (enforce)" 1 "$SHADOW: Permission denied" -- \
		$SL enforce -p "$FIX/attack_system_only.toml" -- cat "$SHADOW"
else
	echo "# note: $SHADOW is unreadable unconfined for uid $(id -u)"
fi
if ls /root >/dev/null 2>&1; then
	expect "item 1: another user's home (/root) is not listable" 2 'Permission denied' -- $S -- ls /root
fi
expect "item 1: truncate under a read grant" 1 'Permission denied' -- $S -r "$WORK/ro" -- truncate -s 0 "$WORK/ro/f"
expect "item 1: append under a read grant" 2 'Permission denied' -- $S -r "$WORK/ro" -- sh -c "echo x >> $WORK/ro/f"
expect "item 1: unlink under a read grant" 1 'Permission denied' -- $S -r "$WORK/ro" -- rm -f "$WORK/ro/f"
expect "item 1: rename out of a read grant" 1 'Permission denied' -- \
	$S -r "$WORK/ro" -w "$WORK/rw" -- mv "$WORK/ro/f" "$WORK/rw/f"
expect "item 1: hard link out of a read grant" 1 'Invalid cross-device link' -- \
	$S -r "$WORK/ro" -w "$WORK/rw" -- ln "$WORK/ro/f" "$WORK/rw/f"
expect "item 1: mkdir under a read grant" 1 'Permission denied' -- $S -r "$WORK/ro" -- mkdir "$WORK/ro/d"
expect "item 1: symlink under a read grant" 1 'Permission denied' -- $S -r "$WORK/ro" -- ln -s f "$WORK/ro/l"
if [ "$(cat "$WORK/ro/f")" = ro-data ] && [ "$(ls -A "$WORK/ro")" = f ] && [ -z "$(ls -A "$WORK/rw")" ]; then
	ok "item 1: nothing was written"
else
	not_ok "item 1: nothing was written" "ro: $(ls -A "$WORK/ro")" "rw: $(ls -A "$WORK/rw")"
fi
if [ "$(id -u)" -eq 0 ]; then
	expect "control: root can mknod a block device unconfined" 0 '' -- mknod "$WORK/rw/ctl" b 7 0
	rm -f "$WORK/rw/ctl"
	expect "item 1: root cannot mknod a block device under a write grant" 1 'Permission denied' -- \
		$S -w "$WORK/rw" -- mknod "$WORK/rw/blk" b 8 0
	[ ! -e "$WORK/rw/blk" ] && ok "item 1: no device node was made" || not_ok "item 1: no device node was made"
fi

# ---- item 4: /proc of processes outside the sandbox ----
expect "control: this script's environ is readable unconfined" 0 '' -- wc -c /proc/$$/environ
expect "item 4: /proc/<outside pid>/environ" 1 'environ: Permission denied' -- $S -- wc -c /proc/$$/environ
if wc -c /proc/1/environ >/dev/null 2>&1; then
	expect "item 4: /proc/1/environ" 1 'environ: Permission denied' -- \
		$SL enforce -p "$FIX/attack_system_only.toml" -- wc -c /proc/1/environ
else
	echo "# note: /proc/1/environ is unreadable unconfined here; /proc/$$ stands in for it"
fi
expect "control: /proc/<outside pid>/root is followable unconfined" 0 '' -- cat /proc/$$/root/etc/passwd
expect "item 4: /proc/<outside pid>/root/etc/passwd" 1 'Permission denied' -- \
	$S -- cat /proc/$$/root/etc/passwd
expect "item 4: /proc/<outside pid>/cwd" 2 'Permission denied' -- $S -- ls /proc/$$/cwd/
expect "control: /proc/kallsyms is readable unconfined" 0 '' -- head -c 1 /proc/kallsyms
expect "item 4: /proc/kallsyms" 1 'Permission denied' -- $S -- head -c 1 /proc/kallsyms
for f in /proc/kcore /proc/sysrq-trigger; do
	if [ -e "$f" ]; then
		expect "item 4: $f" 1 'Permission denied' -- $S -- head -c 1 "$f"
	else
		echo "# note: $f does not exist on this kernel"
	fi
done

# ---- item 5: an exec allow-list against files the sandbox wrote ----
X=$WORK/x
cat > "$WORK/exec.toml" <<EOF
[filesystem]
system = true
write = ["$X"]

[exec]
allow = ["/bin/sh", "/bin/chmod", "/bin/cp"]
EOF
expect "item 5: a script written into a -w dir cannot run" 126 "s.sh: Permission denied" -- \
	$SL run -S -w "$X" --exec /bin/sh --exec /bin/chmod -- /bin/sh -c \
	"printf '#!/bin/sh\necho pwned\n' > $X/s.sh && chmod 755 $X/s.sh && $X/s.sh"
[ -x "$X/s.sh" ] && [ -z "$LAST_OUT" ] && ok "item 5: the script was written, not run" ||
	not_ok "item 5: the script was written, not run" "stdout: $LAST_OUT"
expect "item 5: a binary copied into the policy's write dir cannot run (enforce)" 126 \
	"t2: Permission denied" -- $SL enforce -p "$WORK/exec.toml" -- /bin/sh -c "cp /bin/true $X/t2 && $X/t2"
cp /bin/true "$X/copied-true"
expect "item 5: a copied binary as the command is 126" 126 \
	"^sandlock: cannot execute '$X/copied-true': Permission denied$" -- \
	$SL run -S -w "$X" --exec /bin/true -- "$X/copied-true"
expect "item 5: an allowed binary runs" 0 '' -- $SL enforce -p "$FIX/attack_exec_true.toml" -- /bin/true
expect "item 5: an unlisted system binary cannot run" 126 "cannot execute '/bin/sh': Permission denied" -- \
	$SL enforce -p "$FIX/attack_exec_true.toml" -- /bin/sh -c 'echo pwned'
# KNOWN GAP: the loader of every allowed dynamic binary is executable, and
# it loads any readable file as a program (mmap is not an exec to Landlock).
# Closing it needs exec inspection by the supervisor.
cp /bin/echo "$X/copied-echo"
expect "item 5: KNOWN GAP: ld.so runs a copied binary" 0 '' -- \
	$SL run -S -w "$X" --exec /bin/true -- "$LDSO" "$X/copied-echo" pwned
expect_out "item 5: KNOWN GAP: ld.so runs a copied binary (output)" "pwned"
expect "item 5: KNOWN GAP: ld.so runs an unlisted system binary" 0 '' -- \
	$SL enforce -p "$FIX/attack_exec_true.toml" -- "$LDSO" /bin/sh -c 'echo pwned'
expect_out "item 5: KNOWN GAP: ld.so runs an unlisted system binary (output)" "pwned"

# ---- item 7: raw and packet sockets ----
if [ -n "$PY" ]; then
	raw='import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); print("raw")'
	packet='import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0); print("packet")'
	# Without CAP_NET_RAW the kernel itself answers EPERM to both, so the
	# raw case is only a test as root; the packet case differs for every
	# uid (the filter says EAFNOSUPPORT, the kernel EPERM).
	if [ "$(id -u)" -eq 0 ]; then
		expect "control: root opens a raw socket unconfined" 0 '' -- "$PY" -c "$raw"
		expect "control: root opens a packet socket unconfined" 0 '' -- "$PY" -c "$packet"
		expect "item 7: raw socket" 1 'PermissionError: \[Errno 1\] Operation not permitted' -- \
			$S -- "$PY" -c "$raw"
	else
		expect "control: a packet socket is EPERM unconfined" 1 'PermissionError' -- "$PY" -c "$packet"
	fi
	expect "item 7: packet socket (a family that does not exist here)" 1 \
		'OSError: \[Errno 97\] Address family not supported by protocol' -- $S -- "$PY" -c "$packet"
else
	skip "item 7: raw sockets" "no /usr/bin/python3"
fi

# ---- item 8: ports and unix sockets ----
if [ -n "$PY" ]; then
	read -r P1 P2 < <("$PY" -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
	bind="import socket; s = socket.socket(); s.bind(('127.0.0.1', %s)); s.listen(); print('bound')"
	expect "control: the port is free unconfined" 0 '' -- "$PY" -c "${bind//%s/$P2}"
	expect "item 8: bind to a port not allowed" 1 'PermissionError: \[Errno 13\] Permission denied' -- \
		$S --net-allow-bind "$P1" -- "$PY" -c "${bind//%s/$P2}"
	expect "item 8: bind to a port not allowed (no bind rule)" 1 'PermissionError' -- \
		$SL enforce -p "$FIX/attack_system_only.toml" -- "$PY" -c "${bind//%s/$P2}"
	expect "item 8: bind to the allowed port" 0 '' -- \
		$S --net-allow-bind "$P1" -- "$PY" -c "${bind//%s/$P1}"
	expect_out "item 8: bind to the allowed port (output)" "bound"

	# A listener outside the sandbox on P2; the sandbox may connect to P1 only.
	"$PY" -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $P2)); s.listen(16); open('$WORK/listening', 'w').close(); time.sleep(30)" &
	lpid=$!
	for _ in $(seq 50); do [ -e "$WORK/listening" ] && break; sleep 0.1; done
	conn="import socket; socket.create_connection(('127.0.0.1', $P2)); print('connected')"
	expect "control: the listener accepts unconfined" 0 '' -- "$PY" -c "$conn"
	expect "item 8: connect to a port not allowed" 1 'PermissionError: \[Errno 13\]' -- \
		$S --net-allow "tcp://*:$P1" -- "$PY" -c "$conn"
	expect "item 8: connect to the allowed port" 0 '' -- $S --net-allow "tcp://*:$P2" -- "$PY" -c "$conn"
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null

	unix="import socket; socket.socket(socket.AF_UNIX).bind('%s'); print('bound')"
	expect "item 8: a named unix socket outside the write grants" 1 'PermissionError' -- \
		$S -w "$WORK/rw" -- "$PY" -c "${unix//%s/$WORK/out/daemon.sock}"
	[ ! -e "$WORK/out/daemon.sock" ] && ok "item 8: no socket file was made" || not_ok "item 8: no socket file was made"
	expect "item 8: a named unix socket inside a write grant" 0 '' -- \
		$S -w "$WORK/rw" -- "$PY" -c "${unix//%s/$WORK/rw/mine.sock}"
	rm -f "$WORK/rw/mine.sock"

	# KNOWN GAP: Landlock (ABI <= 7) has no right for connecting to a named
	# unix socket, so a host daemon's socket outside every grant answers
	# (only its file mode protects it).  Closing it needs the supervisor.
	"$PY" -c "
import os, socket, time
s = socket.socket(socket.AF_UNIX); s.bind('$WORK/out/daemon.sock'); s.listen(4)
os.chmod('$WORK/out/daemon.sock', 0o666); time.sleep(30)" &
	dpid=$!
	for _ in $(seq 50); do [ -S "$WORK/out/daemon.sock" ] && break; sleep 0.1; done
	expect "item 8: KNOWN GAP: a host daemon's named socket is reachable" 0 '' -- \
		$S -- "$PY" -c "import socket; socket.socket(socket.AF_UNIX).connect('$WORK/out/daemon.sock'); print('connected')"
	expect_out "item 8: KNOWN GAP: a host daemon's named socket is reachable (output)" "connected"
	kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
	rm -f "$WORK/out/daemon.sock"

	# An abstract socket bound outside the sandbox.
	name="sandlock-e2e-$$"
	"$PY" -c "
import socket, time
s = socket.socket(socket.AF_UNIX); s.bind('\0$name'); s.listen(4)
open('$WORK/abstract', 'w').close(); time.sleep(30)" &
	apid=$!
	for _ in $(seq 50); do [ -e "$WORK/abstract" ] && break; sleep 0.1; done
	abs="import socket; socket.socket(socket.AF_UNIX).connect('\0$name'); print('connected')"
	expect "control: the abstract socket accepts unconfined" 0 '' -- "$PY" -c "$abs"
	expect "item 8: an abstract socket outside the sandbox" 1 'PermissionError: \[Errno 1\]' -- \
		$S -- "$PY" -c "$abs"
	kill "$apid" 2>/dev/null; wait "$apid" 2>/dev/null
else
	skip "item 8: sockets" "no /usr/bin/python3"
fi

# ---- item 10: signals to processes outside the sandbox ----
expect "item 10: kill -0 sandlock (the sandbox's parent)" 1 'kill: Operation not permitted' -- \
	$S -- sh -c 'kill -0 $PPID'
sleep 60 & victim=$!
expect "control: the victim can be signalled unconfined" 0 '' -- sh -c "kill -0 $victim"
expect "item 10: kill an unrelated process" 1 'kill: Operation not permitted' -- $S -- sh -c "kill $victim"
expect "item 10: kill -9 an unrelated process (enforce)" 1 'kill: Operation not permitted' -- \
	$SL enforce -p "$FIX/attack_system_only.toml" -- sh -c "kill -9 $victim"
kill -0 "$victim" 2>/dev/null && ok "item 10: the victim survived" || not_ok "item 10: the victim survived"
kill "$victim" 2>/dev/null; wait "$victim" 2>/dev/null
expect "item 10: the sandbox signals its own child" 0 '' -- $S -- sh -c 'sleep 30 & kill $!; wait $!; echo $?'
expect_out "item 10: its own child died of SIGTERM" "143"

# ---- item 11: namespaces ----
if unshare -U true 2>/dev/null; then
	expect "item 11: unshare -U" 1 'unshare failed: Operation not permitted' -- $S -- unshare -U true
	expect "item 11: unshare -U (enforce)" 1 'unshare failed: Operation not permitted' -- \
		$SL enforce -p "$FIX/attack_system_only.toml" -- unshare -U true
else
	expect "item 11: unshare -U" 1 'unshare failed: Operation not permitted' -- $S -- unshare -U true
	echo "# note: unshare -U fails unconfined too on this machine"
fi

# ---- item 12: TIOCSTI keystroke injection ----
# The sandbox has no /dev/pts, so the pty is opened outside and its slave
# handed in as an inherited fd.  The attacker makes it its controlling
# terminal first (fork, setsid, TIOCSCTTY): unconfined, TIOCSTI on one's
# own terminal then works for any uid, so the control proves the attack.
if [ -n "$PY" ]; then
	cat > "$WORK/pty.py" <<'EOF'
import os, subprocess, sys, termios
m, s = os.openpty()
r = subprocess.run([a.replace("@FD@", str(s)) for a in sys.argv[1:]], pass_fds=(s,))
attr = termios.tcgetattr(s)
attr[3] &= ~termios.ICANON
termios.tcsetattr(s, termios.TCSANOW, attr)
os.set_blocking(s, False)
try:
    got = os.read(s, 100)
except BlockingIOError:
    got = b""
print("queued=%r" % got)
sys.exit(r.returncode)
EOF
	cat > "$WORK/tiocsti.py" <<'EOF'
import fcntl, os, sys, termios
fd = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        fcntl.ioctl(fd, termios.TIOCSTI, b"X")
        print("injected")
        os._exit(0)
    except OSError as e:
        print("TIOCSTI: %s" % e, file=sys.stderr)
        os._exit(1)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
EOF
	chmod 644 "$WORK/pty.py" "$WORK/tiocsti.py"
	expect "control: TIOCSTI injects unconfined" 0 '' -- "$PY" "$WORK/pty.py" "$PY" "$WORK/tiocsti.py" @FD@
	expect_out "control: the keystroke was queued" "injected
queued=b'X'"
	expect "item 12: TIOCSTI" 1 'TIOCSTI: \[Errno 1\] Operation not permitted' -- \
		"$PY" "$WORK/pty.py" $S -r "$WORK" -- "$PY" "$WORK/tiocsti.py" @FD@
	expect_out "item 12: nothing was queued" "queued=b''"
else
	skip "item 12: TIOCSTI" "no /usr/bin/python3"
fi
done_testing
