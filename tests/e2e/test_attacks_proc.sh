# Processes, SysV IPC and set-id files outside the sandbox (ATTACKS.md
# items 10-12) against the real `sandlock run`: without PID and IPC
# namespaces the kernel lets the sandbox act on every process of the same
# user and share SysV IPC with the host.  Every attack targets something this
# script made outside the sandbox, and the script checks it did not change.
# Controls run non-mutating variants unconfined (a read, or setting the
# current value) to show the kernel alone would have allowed the call.
# Cases named "KNOWN GAP" pin what the static layer cannot close yet.
. "$(dirname "$0")/lib.sh"
S="$SL run -S"
# The system python: a python3 found first on PATH may live in a home the
# sandbox (rightly) cannot read.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=
victim= shmid=
cleanup() {
	[ -n "$victim" ] && kill "$victim" 2>/dev/null && wait "$victim" 2>/dev/null
	[ -n "$shmid" ] && ipcrm -m "$shmid" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# same NAME A B: a check that two snapshots are equal.
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "before: $2" "after:  $3"; fi; }

# ---- item 10: other processes of the same user ----
# The victim has a process group of its own, so that -g names only it.
setsid sleep 60 & victim=$!
for _ in $(seq 50); do [ "$(awk '{print $5}' /proc/$victim/stat 2>/dev/null)" = "$victim" ] && break; sleep 0.1; done
state() { # what the attacks below could change
	awk '/^Max open files/ {print "nofile", $4, $5}' "/proc/$1/limits"
	awk '{print "nice", $19}' "/proc/$1/stat"
	awk '/^Cpus_allowed_list/ {print "cpus", $2}' "/proc/$1/status"
	ionice -p "$1"
	chrt -p "$1"
}
before=$(state "$victim")
cpus=$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$victim/status")
nice=$(awk '{print $19}' "/proc/$victim/stat")

expect "control: renice to the current value works unconfined" 0 '' -- renice -n "$nice" -p "$victim"
expect "control: taskset to the current CPUs works unconfined" 0 '' -- taskset -p -c "$cpus" "$victim"
expect "item 10: prlimit --nofile=0 on a process outside" 1 \
	'prlimit: failed to set the NOFILE resource limit: Operation not permitted' -- \
	$S -- prlimit --pid "$victim" --nofile=0
expect "item 10: renice a process outside" 1 \
	"renice: failed to set priority for $victim \(process ID\): Operation not permitted" -- \
	$S -- renice -n 19 -p "$victim"
expect "item 10: renice a process group outside" 1 \
	"renice: failed to set priority for $victim \(process group ID\): Operation not permitted" -- \
	$S -- renice -n 19 -g "$victim"
# renice -u (PRIO_USER) would reach every process of the user on this
# machine if the filter failed: tests/kernel/test_seccomp_procs.c attempts
# it as a uid that owns nothing else.
expect "item 10: taskset a process outside" 1 \
	"taskset: failed to set pid $victim's affinity: Operation not permitted" -- \
	$S -- taskset -p -c 0 "$victim"
expect "item 10: ionice a process outside" 1 'ionice: ioprio_set failed: Operation not permitted' -- \
	$S -- ionice -c 3 -p "$victim"
expect "item 10: chrt a process outside" 1 \
	"chrt: failed to set pid $victim's policy: Operation not permitted" -- \
	$S -- chrt -b -p 0 "$victim"
if [ -n "$PY" ]; then
	lim="import resource; print(resource.prlimit($victim, resource.RLIMIT_NOFILE))"
	expect "control: the victim's limits are readable unconfined" 0 '' -- "$PY" -c "$lim"
	expect "item 10: prlimit (python) on a process outside" 1 \
		'PermissionError: \[Errno 1\] Operation not permitted' -- \
		$S -- "$PY" -c "import resource; resource.prlimit($victim, resource.RLIMIT_NOFILE, (0, 0))"
	expect "item 10: RLIMIT_NOFILE 0 for the sandbox's parent" 1 \
		'PermissionError: \[Errno 1\] Operation not permitted' -- \
		$S -- "$PY" -c "import os, resource; resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE, (0, 0))"
	expect "item 10: sched_setaffinity (python) on a process outside" 1 \
		'PermissionError: \[Errno 1\] Operation not permitted' -- \
		$S -- "$PY" -c "import os; os.sched_setaffinity($victim, {0})"
else
	skip "item 10: prlimit from python" "no /usr/bin/python3"
fi
same "item 10: the process outside did not change" "$before" "$(state "$victim")"
kill "$victim" 2>/dev/null; wait "$victim" 2>/dev/null; victim=

# The sandbox's own processes: pid 0, what libc and these tools use.
expect "item 10: ulimit -n in the sandbox" 0 '' -- $S -- sh -c 'ulimit -n 64; ulimit -n'
expect_out "item 10: ulimit -n in the sandbox (output)" "64"
want=$(( $(nice) + 5 > 19 ? 19 : $(nice) + 5 ))
expect "item 10: nice in the sandbox" 0 '' -- $S -- nice -n 5 nice
expect_out "item 10: nice in the sandbox (output)" "$want"
expect "item 10: ionice and chrt of a command in the sandbox" 0 '' -- \
	$S -- ionice -c 3 chrt -b 0 true
if [ -n "$PY" ]; then
	expect "item 10: taskset and sched_setaffinity(0) in the sandbox" 0 '' -- \
		$S -- taskset -c 0 "$PY" -c 'import os; os.sched_setaffinity(0, {0}); print(sorted(os.sched_getaffinity(0)))'
	expect_out "item 10: taskset and sched_setaffinity(0) in the sandbox (output)" "[0]"
fi

# ---- item 12: SysV IPC shared with the host ----
shmid=$(ipcmk -M 4096 -p 0600 | awk '/id:/ {print $NF}')
if [ -n "$shmid" ] && [ -n "$PY" ]; then
	cat > "$WORK/shm.py" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
FAILED = ctypes.c_void_p(-1).value

def check(ok, what):
    if not ok:
        print("%s: %s" % (what, os.strerror(ctypes.get_errno())), file=sys.stderr)
        sys.exit(1)

if sys.argv[1] == "attach":      # attach ID: attach and detach
    p = libc.shmat(int(sys.argv[2]), None, 0)
    check(p != FAILED, "shmat")
    check(libc.shmdt(ctypes.c_void_p(p)) == 0, "shmdt")
    print("attached")
elif sys.argv[1] == "create":    # create KEY
    check(libc.shmget(int(sys.argv[2], 0), 4096, 0o1000 | 0o600) >= 0, "shmget")
    print("created")
else:                            # private: what PostgreSQL does
    i = libc.shmget(0, 4096, 0o1000 | 0o600)
    check(i >= 0, "shmget")
    p = libc.shmat(i, None, 0)
    check(p != FAILED, "shmat")
    check(libc.shmctl(i, 0, None) == 0, "shmctl")   # IPC_RMID: gone at detach
    ctypes.memmove(p, b"sandbox", 7)
    check(libc.shmdt(ctypes.c_void_p(p)) == 0, "shmdt")
    print("private segment used")
EOF
	chmod 644 "$WORK/shm.py"
	expect "control: the host segment attaches unconfined" 0 '' -- "$PY" "$WORK/shm.py" attach "$shmid"
	expect "control: ipcs lists the host segment unconfined" 0 '' -- ipcs -m
	listed() { awk -v id="$shmid" '$2 == id {found = 1} END {exit !found}' <<<"$LAST_OUT"; }
	listed && ok "control: ipcs output" || not_ok "control: ipcs output" "$LAST_OUT"
	seg=$(ipcs -m -i "$shmid")
	expect "item 12: shmat of a host segment" 1 '^shmat: Operation not permitted$' -- \
		$S -r "$WORK" -- "$PY" "$WORK/shm.py" attach "$shmid"
	same "item 12: the host segment was not attached (times, pids, nattch)" "$seg" "$(ipcs -m -i "$shmid")"
	expect "item 12: ipcs in the sandbox" 0 '' -- $S -- ipcs -m
	listed && not_ok "item 12: ipcs does not list the host segment" "$LAST_OUT" ||
		ok "item 12: ipcs does not list the host segment"
	key=$(printf '0x5a5e%04x' $(($$ & 0xffff)))
	expect "item 12: create a segment for others to find" 1 '^shmget: Operation not permitted$' -- \
		$S -r "$WORK" -- "$PY" "$WORK/shm.py" create "$key"
	if ipcrm -M "$key" 2>/dev/null; then
		not_ok "item 12: no segment was created" "a segment with key $key existed"
	else
		ok "item 12: no segment was created"
	fi
	# reap OPTION: removes what the last ipcmk made, had it succeeded.
	reap() { local id; id=$(awk '/id:/ {print $NF}' <<<"$LAST_OUT"); [ -z "$id" ] || ipcrm "$1" "$id"; }
	expect "item 12: ipcmk -Q (message queue)" 1 'ipcmk: create message queue failed: Operation not permitted' -- \
		$S -- ipcmk -Q
	reap -q
	expect "item 12: ipcmk -S (semaphores)" 1 'ipcmk: create semaphore failed: Operation not permitted' -- \
		$S -- ipcmk -S 1
	reap -s
	cat > "$WORK/shm.toml" <<EOF
[filesystem]
system = true
read = ["$WORK"]

[syscalls]
extra_allow = ["shmget", "shmat", "shmdt", "shmctl"]
EOF
	expect "item 12: extra_allow relaxes shared memory" 0 '' -- \
		$SL enforce -p "$WORK/shm.toml" -- "$PY" "$WORK/shm.py" private
	expect_out "item 12: extra_allow relaxes shared memory (output)" "private segment used"
	expect "item 12: extra_allow relaxes nothing else" 1 'ipcmk: create message queue failed: Operation not permitted' -- \
		$SL enforce -p "$WORK/shm.toml" -- ipcmk -Q
	reap -q
else
	skip "item 12: SysV IPC" "no ipcmk segment or no /usr/bin/python3"
fi
[ -n "$shmid" ] && ipcrm -m "$shmid"; shmid=

# ---- item 11: set-user-ID and set-group-ID files ----
RW=$WORK/rw
mkdir -p "$RW/d"; chmod 777 "$RW"; chmod 755 "$RW/d"
cp /bin/true "$RW/f"; chmod 755 "$RW/f"
# Quotes around file names depend on the locale: matched with '.'.
expect "item 11: chmod 4755" 1 "chmod: changing permissions of .$RW/f.: Operation not permitted" -- \
	$S -w "$RW" -- chmod 4755 "$RW/f"
expect "item 11: chmod u+s" 1 'Operation not permitted' -- $S -w "$RW" -- chmod u+s "$RW/f"
expect "item 11: chmod g+s" 1 'Operation not permitted' -- $S -w "$RW" -- chmod g+s "$RW/f"
expect "item 11: chmod g+s on a directory (refused too)" 1 'Operation not permitted' -- \
	$S -w "$RW" -- chmod g+s "$RW/d"
expect "item 11: install -m 4755" 1 "install: cannot change permissions of .$RW/inst.: Operation not permitted" -- \
	$S -w "$RW" -- install -m 4755 /bin/true "$RW/inst"
if [ -n "$PY" ]; then
	expect "item 11: open(O_CREAT, 04755)" 1 'PermissionError: \[Errno 1\] Operation not permitted' -- \
		$S -w "$RW" -- "$PY" -c "import os; os.open('$RW/g', os.O_CREAT | os.O_WRONLY, 0o4755)"
	[ ! -e "$RW/g" ] && ok "item 11: nothing was created" || not_ok "item 11: nothing was created"
	expect "item 11: os.chmod 0o2755" 1 'PermissionError: \[Errno 1\] Operation not permitted' -- \
		$S -w "$RW" -- "$PY" -c "import os; os.chmod('$RW/f', 0o2755)"
fi
# As root, cp -p keeps the set-uid bit of a root-owned program: a
# set-uid-root copy the sandbox could write into.
suid=$(find /usr/bin -maxdepth 1 -type f -user 0 -perm -4000 2>/dev/null | head -n 1)
if [ "$(id -u)" -eq 0 ] && [ -n "$suid" ]; then
	expect "item 11: cp -p of a set-uid-root program" 1 "cp: preserving permissions for .*: Operation not permitted" -- \
		$S -w "$RW" -- cp -p "$suid" "$RW/copy"
fi
[ "$(stat -c %a "$RW/f")" = 755 ] && ok "item 11: the file's mode is unchanged" ||
	not_ok "item 11: the file's mode is unchanged" "$(stat -c %a "$RW/f")"
found=$(find "$RW" -perm /6000)
[ -z "$found" ] && ok "item 11: no set-id file exists" || not_ok "item 11: no set-id file exists" "$found"
expect "item 11: plain chmod still works" 0 '' -- $S -w "$RW" -- sh -c "chmod 644 '$RW/f' && chmod 755 '$RW/f'"
expect "item 11: creating files still works" 0 '' -- $S -w "$RW" -- sh -c "echo x > '$RW/new' && mkdir '$RW/sub'"
# KNOWN GAP: openat2 passes the mode inside a struct, out of BPF's reach;
# the supervisor is to check it.
if [ -n "$PY" ]; then
	cat > "$WORK/openat2.py" <<'EOF'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
how = struct.pack("QQQ", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o4755, 0)  # flags, mode, resolve
fd = libc.syscall(437, -100, sys.argv[1].encode(), how, len(how))            # AT_FDCWD
if fd < 0:
    print("openat2: " + os.strerror(ctypes.get_errno()), file=sys.stderr)
    sys.exit(1)
print("%o" % (os.fstat(fd).st_mode & 0o6000))
EOF
	chmod 644 "$WORK/openat2.py"
	expect "item 11: KNOWN GAP: openat2 creates a set-uid file" 0 '' -- \
		$S -r "$WORK" -w "$RW" -- "$PY" "$WORK/openat2.py" "$RW/gap"
	expect_out "item 11: KNOWN GAP: openat2 creates a set-uid file (mode)" "4000"
	rm -f "$RW/gap"
fi
done_testing
