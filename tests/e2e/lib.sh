# Helpers for e2e tests: TAP-style "ok N - name" / "not ok N - name" lines
# that tests/run.sh counts.  Source this; $SANDLOCK is the binary under test.
SL=${SANDLOCK:?set SANDLOCK to the sandlock binary}
T_N=0
T_FAILED=0
WORK=$(mktemp -d /tmp/sl-e2e.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=1; echo "not ok $T_N - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
skip() { # name why: a loud skip, a failure under SANDLOCK_MUST_WORK=1
	if [ "${SANDLOCK_MUST_WORK:-0}" = 1 ]; then not_ok "$1" "required but unavailable: $2"; else echo "skip - $1: $2"; fi
}

# expect NAME STATUS STDERR_REGEX -- CMD...: runs CMD, checks its exit
# status and that stderr matches the extended regex ('' for "anything").
expect() {
	local name=$1 want=$2 re=$3; shift 4
	local out err rc
	out=$("$@" 2>"$WORK/.err"); rc=$?
	err=$(cat "$WORK/.err")
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit $rc, want $want" "stderr: $err" "stdout: ${out:0:300}"
	elif [ -n "$re" ] && ! grep -qE -- "$re" <<<"$err"; then
		not_ok "$name" "stderr does not match /$re/" "stderr: $err"
	else
		ok "$name"
	fi
	LAST_OUT=$out
	LAST_ERR=$err
}

# expect_out NAME WANT_STDOUT: compares the previous command's stdout.
expect_out() {
	if [ "$LAST_OUT" = "$2" ]; then ok "$1"; else not_ok "$1" "stdout: '$LAST_OUT'" "want: '$2'"; fi
}

# alive PID: the process exists and is not a zombie (PID 1 here may reap late).
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

done_testing() { echo "1..$T_N"; exit "$T_FAILED"; }
