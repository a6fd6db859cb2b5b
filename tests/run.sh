#!/usr/bin/env bash
# Runs the test tiers: unit (cmocka, pure code), kernel (real Landlock and
# seccomp, a forked child per case) and e2e (the built binaries on real
# programs).  Kernel and e2e run twice: as the current user (root here) and
# as uid 65534, because "no root needed" is the product's promise.  The
# unprivileged user may not be able to enter the checkout, so binaries and
# fixtures are staged in a world-readable temporary directory.
#
# The fuzz tier builds the libFuzzer harnesses and runs each for
# FUZZ_SECONDS (10 here; `make fuzz` defaults to 60) from the seed corpus.
#
# usage: tests/run.sh BUILD_DIR [unit|kernel|e2e|fuzz]...
set -u
build=$(cd "$1" && pwd); shift
tiers=("$@"); [ ${#tiers[@]} -eq 0 ] && tiers=(unit kernel e2e fuzz)
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0 skipped=0 failures=()

# Counts one runner's output: cmocka's summary lines and e2e's TAP lines.
count() { # label logfile rc
	local p f s
	p=$(grep -hoE '^\[  PASSED  \] [0-9]+' "$2" | awk '{s+=$4} END {print s+0}')
	f=$(grep -hoE '^\[  FAILED  \] [0-9]+ test' "$2" | awk '{s+=$4} END {print s+0}')
	s=$(grep -hoE '^\[  SKIPPED \] [0-9]+' "$2" | awk '{s+=$4} END {print s+0}')
	p=$((p + $(grep -cE '^ok ' "$2"))); f=$((f + $(grep -cE '^not ok ' "$2")))
	s=$((s + $(grep -cE '^skip ' "$2")))
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures+=("$1")
	printf '%-40s %3d passed %3d failed %3d skipped\n' "$1" "$p" "$f" "$s"
}

run_one() { # label cmd...
	local label=$1 log rc; shift
	log=$(mktemp)
	"$@" >"$log" 2>&1; rc=$?
	count "$label" "$log" "$rc"
	if [ "$rc" -ne 0 ] || grep -qE '^(not ok|\[  FAILED  \])' "$log"; then
		sed 's/^/    | /' "$log" | tail -n 60
	fi
	rm -f "$log"
}

stage=""
make_stage() {
	[ -n "$stage" ] && return
	stage=$(mktemp -d /tmp/sandlock-test.XXXXXX)
	chmod 755 "$stage"
	mkdir -p "$stage/bin" "$stage/kernel"
	cp "$build/sandlock" "$stage/bin/"
	cp "$build"/sl-* "$stage/bin/" 2>/dev/null || true
	cp "$build"/tests/kernel/test_* "$stage/kernel/" 2>/dev/null || true
	cp -r "$top/tests/e2e" "$top/tests/fixtures" "$stage/"
	chmod -R a+rX "$stage"
}
trap '[ -n "$stage" ] && rm -rf "$stage"' EXIT

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME=/nonexistent TMPDIR=/tmp "$@"
}

for tier in "${tiers[@]}"; do
	case $tier in
	unit)
		for t in "$build"/tests/unit/test_*; do
			[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
		done ;;
	kernel)
		make_stage
		for t in "$stage"/kernel/test_*; do
			[ -x "$t" ] || continue
			run_one "kernel/$(basename "$t") (uid $(id -u))" "$t"
			[ "$(id -u)" -eq 0 ] && run_one "kernel/$(basename "$t") (uid 65534)" as_nobody "$t"
		done ;;
	e2e)
		make_stage
		for t in "$stage"/e2e/test_*.sh; do
			run_one "e2e/$(basename "$t") (uid $(id -u))" env SANDLOCK="$stage/bin/sandlock" bash "$t"
			[ "$(id -u)" -eq 0 ] && run_one "e2e/$(basename "$t") (uid 65534)" \
				as_nobody env SANDLOCK="$stage/bin/sandlock" bash "$t"
		done ;;
	fuzz)
		run_one "fuzz (${FUZZ_SECONDS:-10}s per harness)" \
			env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" "$top/tests/fuzz/run.sh" "$build/fuzz" ;;
	*) echo "run.sh: unknown tier '$tier'" >&2; exit 2 ;;
	esac
done

[ ${#failures[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
