# The `sandlock run` basics on real programs: exit statuses, grants,
# environment, working directory, timeouts and process-tree cleanup.
. "$(dirname "$0")/lib.sh"
S="$SL run -S"

expect "true exits 0" 0 '' -- $S -- /bin/true
expect "false exits 1" 1 '' -- $S -- /bin/false
expect "exit status passes through" 42 '' -- $S -- /bin/sh -c 'exit 42'
expect "death by signal is 128+N" 143 '' -- $S -- /bin/sh -c 'kill -TERM $$'
expect "not found is 127" 127 "^sandlock: command not found: 'no-such-cmd-xyz'$" -- $S -- no-such-cmd-xyz
expect "not executable is 126" 126 "^sandlock: cannot execute '/etc/hostname'" -- $S -- /etc/hostname
expect "PATH search" 0 '' -- $S -- sh -c 'echo hi'
expect_out "PATH search output" "hi"
expect "no system set: nothing executes" 126 "cannot execute '/bin/true': Permission denied" -- $SL run -- /bin/true

mkdir -p "$WORK/rw" "$WORK/ro"; echo secret > "$WORK/ro/f"; chmod -R a+rwX "$WORK"
expect "read grant reads" 0 '' -- $S -r "$WORK/ro" -- cat "$WORK/ro/f"
expect_out "read grant content" "secret"
expect "read grant does not write" 2 'Permission denied' -- $S -r "$WORK/ro" -- sh -c "echo x > $WORK/ro/f"
expect "read grant does not create" 1 'Permission denied' -- $S -r "$WORK/ro" -- touch "$WORK/ro/new"
expect "write grant writes" 0 '' -- $S -w "$WORK/rw" -- sh -c "echo data > $WORK/rw/out && cat $WORK/rw/out"
expect_out "write grant content" "data"
expect "outside grants is denied" 1 'Permission denied' -- $S -w "$WORK/rw" -- cat "$WORK/ro/f"

expect "env is set" 0 '' -- $S --env FOO=bar -- sh -c 'echo $FOO'
expect_out "env value" "bar"
expect "clean env drops variables" 0 '' -- env SECRET_TOKEN=xyz $S --clean-env -- sh -c 'echo "[$SECRET_TOKEN]"'
expect_out "clean env value" "[]"
expect "cwd is applied" 0 '' -- $S -r "$WORK" --cwd "$WORK/ro" -- pwd
expect_out "cwd value" "$WORK/ro"

start=$(date +%s)
expect "timeout kills with 137" 137 'timeout after 1 s' -- $S -t 1 -- sleep 30
[ $(( $(date +%s) - start )) -lt 10 ] && ok "timeout is prompt" || not_ok "timeout is prompt"

# A child that setsid()s and double-forks must not outlive the sandbox.
rm -f "$WORK/rw/pid"
expect "setsid grandchild started" 0 '' -- $S -w "$WORK/rw" -- sh -c \
	"setsid sh -c 'echo \$\$ > $WORK/rw/pid; exec sleep 60' & sleep 0.5; exit 0"
pid=$(cat "$WORK/rw/pid" 2>/dev/null)
sleep 0.2
if [ -n "$pid" ] && ! alive "$pid"; then ok "setsid grandchild killed at exit"
else not_ok "setsid grandchild killed at exit" "pid '$pid' still alive"; kill -9 "$pid" 2>/dev/null; fi

rm -f "$WORK/rw/pid"
expect "timeout kills setsid tree" 137 '' -- $S -w "$WORK/rw" -t 1 -- sh -c \
	"setsid sh -c 'echo \$\$ > $WORK/rw/pid; exec sleep 60' & sleep 60"
pid=$(cat "$WORK/rw/pid" 2>/dev/null)
if [ -n "$pid" ] && ! alive "$pid"; then ok "timeout killed setsid grandchild"
else not_ok "timeout killed setsid grandchild" "pid '$pid' still alive"; kill -9 "$pid" 2>/dev/null; fi

# SIGTERM to sandlock reaches the sandbox.
$S -- sleep 30 & slpid=$!
sleep 0.5; kill -TERM $slpid; wait $slpid; rc=$?
[ $rc -eq 143 ] && ok "SIGTERM is forwarded" || not_ok "SIGTERM is forwarded" "exit $rc"

# If sandlock dies (SIGKILL), the sandboxed child dies with it.
$S -w "$WORK/rw" -- sh -c "echo \$\$ > $WORK/rw/main; exec sleep 60" & slpid=$!
sleep 0.5; mpid=$(cat "$WORK/rw/main"); kill -KILL $slpid; wait $slpid 2>/dev/null; sleep 0.3
if [ -n "$mpid" ] && ! alive "$mpid"; then ok "child dies with sandlock"; else not_ok "child dies with sandlock"; kill -9 "$mpid"; fi

expect "max-open-files applies" 0 '' -- $S --max-open-files 64 -- sh -c 'ulimit -n'
expect_out "open files limit" "64"
# Review findings: an exec grant names one regular file; per-process paths
# would resolve in sandlock, not in the sandbox; limits and clean_env merge
# restrictively whichever comes first, flag or file.
expect "exec grant on a directory is refused" 125 "^sandlock: cannot allow executing '/usr/bin': not a regular file$" -- \
	$S --exec /usr/bin -- /usr/bin/true
expect "per-process path is refused" 125 "^sandlock: path '/proc/self/environ' names sandlock's own process" -- \
	$S -r /proc/self/environ -- /bin/true
printf '[limits]\ntimeout = 100000\n[program]\nclean_env = false\n' > "$WORK/loose.toml"
chmod 644 "$WORK/loose.toml"
expect "flag timeout before a looser profile holds" 137 'timeout after 1 s' -- $S -t 1 -p "$WORK/loose.toml" -- sleep 30
expect "flag clean-env before a profile holds" 0 '' -- env LEAK_ME=x $S --clean-env -p "$WORK/loose.toml" -- sh -c 'echo "[$LEAK_ME]"'
expect_out "clean env survives the profile" "[]"
expect "--help exits 0" 0 '' -- $SL run --help
expect "version" 0 '' -- $SL --version
done_testing
