# Interactive programs keep a working terminal: the sandbox's process group
# is given the terminal (job control works, no "no job control" warning),
# Ctrl-C from the terminal reaches the sandboxed foreground job, and the
# exit status comes back.  script(1) provides the pty.
. "$(dirname "$0")/lib.sh"
if ! command -v script >/dev/null; then skip "interactive terminal" "script(1) missing"; done_testing; fi

# Feeds the lines of $1 (with pauses) to `sandlock run -S -- bash -i`.
interact() {
	{ sleep 1; printf '%b' "$1"; } | timeout 30 script -qec "$SL run -S -- /bin/bash --norc -i" /dev/null \
		>"$WORK/tty.out" 2>&1
}

interact 'echo INSIDE-$((6*7))\nexit 3\n'
rc=$?
[ $rc -eq 3 ] && ok "interactive bash exit status" || not_ok "interactive bash exit status" "rc=$rc"
grep -q 'INSIDE-42' "$WORK/tty.out" && ok "interactive bash runs commands" ||
	not_ok "interactive bash runs commands" "$(cat "$WORK/tty.out")"
if grep -qiE 'no job control|cannot set terminal process group' "$WORK/tty.out"; then
	not_ok "bash has job control" "$(cat "$WORK/tty.out")"
else ok "bash has job control"; fi

# Ctrl-C (sent as the terminal's INTR character) interrupts the sandboxed
# foreground job; bash itself survives and reports 130.
# (bash drops the rest of an interrupted command line, so $? is read on the
# next one.)
{ sleep 1; echo 'sleep 20'; sleep 1; printf '\003'; sleep 0.5; echo 'echo AFTER-$?'; echo 'exit 0'; } |
	timeout 30 script -qec "$SL run -S -- /bin/bash --norc -i" /dev/null >"$WORK/tty.out" 2>&1
rc=$?
grep -q 'AFTER-130' "$WORK/tty.out" && ok "ctrl-c reaches the sandboxed job" ||
	not_ok "ctrl-c reaches the sandboxed job" "rc=$rc" "$(cat "$WORK/tty.out")"
[ $rc -eq 0 ] && ok "bash survives ctrl-c" || not_ok "bash survives ctrl-c" "rc=$rc"
done_testing
