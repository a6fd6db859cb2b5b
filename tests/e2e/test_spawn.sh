# The launcher's review findings, on real programs: root's capabilities do
# not pass into the sandbox; a relative command is found where the child
# runs (--cwd); the whole tree dies at the timeout and at exit, whatever
# shape it has.
. "$(dirname "$0")/lib.sh"
S="$SL run -S"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=
ROOT=0; [ "$(id -u)" -eq 0 ] && ROOT=1
# A case that only means something as root is noted, not skipped: run.sh
# runs every e2e test as uid 65534 too, where SANDLOCK_MUST_WORK=1 (CI) would
# turn a skip into a failure.
root_only() { echo "# note: not root (uid $(id -u)): $1: $2"; }
mkdir -p "$WORK/rw" "$WORK/ro"; chmod -R a+rwX "$WORK"

# ---- capabilities: none inside, whoever runs sandlock ----
expect "capability sets are read inside" 0 '' -- $S -r /proc -- \
	grep -E '^Cap(Eff|Prm|Amb|Bnd):' /proc/self/status
caps=$LAST_OUT
for set in Eff Prm Amb; do
	if grep -qE "^Cap$set:[[:space:]]+0+$" <<<"$caps"; then ok "Cap$set is empty inside"
	else not_ok "Cap$set is empty inside" "$caps"; fi
done
if [ $ROOT = 1 ]; then
	if grep -qE '^CapBnd:[[:space:]]+0+$' <<<"$caps"; then ok "CapBnd is empty inside (root)"
	else not_ok "CapBnd is empty inside (root)" "$caps"; fi
	if [ -n "$PY" ]; then
		# PR_GET_SECUREBITS (27): NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE
		# and each lock, KEEP_CAPS locked off: 0xef.
		expect "securebits are read inside" 0 '' -- $S -- "$PY" -c \
			'import ctypes; print(ctypes.CDLL(None).prctl(27, 0, 0, 0, 0))'
		expect_out "securebits are locked inside (root)" "239"
	else skip "securebits are locked inside (root)" "no /usr/bin/python3"; fi
else
	root_only "CapBnd is empty inside" "an unprivileged bounding set cannot be emptied, and no_new_privs makes it moot"
	root_only "securebits are locked inside" "locking needs CAP_SETPCAP"
fi

echo data > "$WORK/rw/f"; chmod 666 "$WORK/rw/f"
if [ $ROOT = 1 ]; then
	cp "$WORK/rw/f" "$WORK/ctl"
	expect "control: root chowns a file unconfined" 0 '' -- chown 1:1 "$WORK/ctl"
	expect "root loses CAP_CHOWN: chown on a write grant fails" 1 'Operation not permitted' -- \
		$S -w "$WORK/rw" -- chown 1:1 "$WORK/rw/f"
	owner=$(stat -c %u:%g "$WORK/rw/f")
	[ "$owner" = 0:0 ] && ok "chown left the owner alone" || not_ok "chown left the owner alone" "owner $owner"
	# A file of another user, mode 600: only CAP_DAC_OVERRIDE reads it.
	echo private > "$WORK/ro/other"; chown 1:1 "$WORK/ro/other"; chmod 600 "$WORK/ro/other"
	expect "control: root reads another user's 600 file unconfined" 0 '' -- cat "$WORK/ro/other"
	expect "root loses CAP_DAC_OVERRIDE under a read grant" 1 'Permission denied' -- \
		$S -r "$WORK/ro" -- cat "$WORK/ro/other"
else
	root_only "chown on a write grant fails" "chown to another uid is EPERM anyway"
	root_only "DAC override under a read grant" "there is none to lose"
fi

# Binding a port below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE.
# The policy grants the port, so Landlock allows it: only the capability is
# missing.  A granted high port shows the grant works.
bind='import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(p))); print("bound", p); s.close()'
unpriv=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
high=$((20000 + $$ % 20000))
if [ $ROOT = 0 ]; then
	root_only "port 80 is refused inside" "port 80 is refused anyway"
elif [ -z "$PY" ]; then
	skip "root loses CAP_NET_BIND_SERVICE: port 80" "no /usr/bin/python3"
elif [ "$unpriv" -le 80 ]; then
	skip "root loses CAP_NET_BIND_SERVICE: port 80" "ip_unprivileged_port_start is $unpriv"
elif ! "$PY" -c "$bind" 80 >/dev/null 2>&1; then
	skip "root loses CAP_NET_BIND_SERVICE: port 80" "port 80 cannot be bound here even unconfined (in use?)"
else
	ok "control: root binds port 80 unconfined"
	expect "a granted high port binds inside" 0 '' -- $S --net-allow-bind "$high,80" -- "$PY" -c "$bind" "$high"
	expect "root loses CAP_NET_BIND_SERVICE: port 80" 1 'PermissionError: \[Errno 13\]' -- \
		$S --net-allow-bind "$high,80" -- "$PY" -c "$bind" 80
fi

# An unprivileged caller with an ambient capability (what a service manager
# can hand out) loses it too: the steps that need CAP_SETPCAP are skipped,
# clearing ambient and dropping the rest still happen.
if [ $ROOT = 1 ] && [ -n "$PY" ] && [ "$unpriv" -gt 80 ] && command -v setpriv >/dev/null; then
	amb="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps +net_bind_service --ambient-caps +net_bind_service"
	expect "control: an ambient CAP_NET_BIND_SERVICE binds port 80" 0 '' -- $amb "$PY" -c "$bind" 80
	expect "ambient capabilities are cleared inside" 0 '' -- $amb $S -r /proc -- \
		grep -E '^Cap(Eff|Prm|Amb|Inh):' /proc/self/status
	if [ "$(grep -cE ':[[:space:]]+0+$' <<<"$LAST_OUT")" -eq 4 ]; then ok "no capability left after ambient"
	else not_ok "no capability left after ambient" "$LAST_OUT"; fi
	expect "ambient CAP_NET_BIND_SERVICE is gone inside" 1 'PermissionError: \[Errno 13\]' -- \
		$amb $S --net-allow-bind 80 -- "$PY" -c "$bind" 80
elif [ $ROOT = 0 ]; then
	root_only "ambient capabilities are cleared inside" "handing one in needs root"
else
	skip "ambient capabilities are cleared inside" "needs python3, setpriv and port 80 privileged"
fi

# ---- a relative command is found in --cwd, where the child runs ----
mkdir -p "$WORK/tool/bin" "$WORK/here"
printf '#!/bin/sh\necho tool-in-cwd\n' > "$WORK/tool/tool"
printf '#!/bin/sh\necho tool-in-bin\n' > "$WORK/tool/bin/tool2"
printf '#!/bin/sh\necho tool-in-sandlock-cwd\n' > "$WORK/here/tool"
cp "$WORK/here/tool" "$WORK/here/only-here"
cp "$WORK/tool/tool" "$WORK/tool/only-there"
chmod -R a+rx "$WORK/tool" "$WORK/here"
cd "$WORK/here" || exit 1
expect "./tool runs from --cwd" 0 '' -- $S -r "$WORK/tool" --cwd "$WORK/tool" -- ./tool
expect_out "./tool is --cwd's" "tool-in-cwd"
expect "./name only in --cwd is found" 0 '' -- $S -r "$WORK/tool" --cwd "$WORK/tool" -- ./only-there
expect_out "./only-there output" "tool-in-cwd"
expect "a relative PATH entry is looked up in --cwd" 0 '' -- \
	$S -r "$WORK/tool" --cwd "$WORK/tool" --env PATH=bin:/usr/bin:/bin -- tool2
expect_out "tool2 is --cwd's bin" "tool-in-bin"
expect "./name only in sandlock's cwd is not found" 127 "^sandlock: command not found: './only-here'$" -- \
	$S -r "$WORK" --cwd "$WORK/tool" -- ./only-here
expect "./tool without --cwd runs from sandlock's cwd" 0 '' -- $S -r "$WORK/here" -- ./tool
expect_out "./tool is sandlock's cwd's" "tool-in-sandlock-cwd"
cd / || exit 1

# ---- the whole tree dies, whatever its shape ----
# Every node records its pid, starts a child in a new session and a
# double-forked one (reparented to sandlock, the subreaper), then sleeps;
# one leaf is stopped (SIGKILL must still reach it).
cat > "$WORK/tree.sh" <<'EOF'
#!/bin/sh
echo $$ >> "$1/pids"
if [ "$2" -gt 0 ]; then
	setsid sh "$0" "$1" $(($2 - 1)) &
	(sh "$0" "$1" $(($2 - 1)) &) &
else
	sleep 60 & echo $! >> "$1/pids"; kill -STOP $!
fi
exec sleep 60
EOF
chmod a+rx "$WORK/tree.sh"
# depth 3: 15 nodes and 8 stopped leaves' sleeps.
tree_dead() { # name
	local n alive_n=0 p
	n=$(wc -l < "$WORK/rw/pids" 2>/dev/null || echo 0)
	for p in $(cat "$WORK/rw/pids" 2>/dev/null); do
		if alive "$p"; then alive_n=$((alive_n + 1)); kill -9 "$p" 2>/dev/null; fi
	done
	if [ "$n" -ne 23 ]; then not_ok "$1" "the tree had $n processes, want 23"
	elif [ $alive_n -ne 0 ]; then not_ok "$1" "$alive_n of $n processes survived"
	else ok "$1"; fi
}
# The main process waits until the whole tree is up, then times out or exits.
grown="while [ \$(cat '$WORK/rw/pids' 2>/dev/null | wc -l) -lt 23 ]; do sleep 0.1; done"
rm -f "$WORK/rw/pids"
expect "timeout with a wide tree is 137" 137 'timeout after 3 s' -- $S -r "$WORK" -w "$WORK/rw" -t 3 -- \
	sh -c "sh '$WORK/tree.sh' '$WORK/rw' 3 & $grown; sleep 60"
tree_dead "timeout kills every process of the tree"
rm -f "$WORK/rw/pids"
expect "exit with a wide tree keeps the status" 7 '' -- $S -r "$WORK" -w "$WORK/rw" -t 30 -- \
	sh -c "sh '$WORK/tree.sh' '$WORK/rw' 3 & $grown; exit 7"
tree_dead "exit kills every process of the tree"
done_testing
