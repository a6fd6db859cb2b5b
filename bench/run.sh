#!/usr/bin/env bash
# Runs every benchmark and rewrites bench/RESULTS.md with the machine, the
# exact command lines and each benchmark's own Markdown output.  Each
# benchmark measures its baseline in the same run and reports ratios, so the
# file says how sandlock compares on this machine, not how fast the machine is.
#
# usage: bench/run.sh BUILD_DIR
#   BENCH_RUNS=N    startup: measured runs per command (default 300)
#   BENCH_ROUNDS=N  notify, redis: measured rounds per mode (default theirs)
#
# The benchmarks: startup (sandbox start-up wall time), notify and
# notify_open (one connect performed on the caller's behalf, and one open
# read and continued, by the supervisor, against bench/notify_ref), redis (redis-server
# throughput with the supervisor active; needs redis-server and redis-tools,
# which bench/redis.sh installs when missing and run as root), learn_record
# (trace recording throughput and synthesis time on a synthetic trace) and
# learn_wall (`sandlock learn` wall time against bare and strace).
#
# To add a benchmark: write bench/NAME.c (make builds it as BUILD_DIR/bench/NAME)
# or an executable bench/NAME.sh, add a bench_NAME function below that calls
# run_bench, and list NAME in BENCHMARKS.  If any benchmark fails, RESULTS.md
# is left as it was.
set -u
[ $# -eq 1 ] || { echo "usage: bench/run.sh BUILD_DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd) || exit 2
cd "$top" || exit 2
# Paths inside the checkout are shown relative to it, so that the recorded
# command lines can be pasted back into a shell at the top of the tree.
rel=${build#"$top"/}
results=bench/RESULTS.md
BENCHMARKS=(startup notify notify_open redis learn_record learn_wall)

body=$(mktemp) || exit 2
trap 'rm -f "$body" "$body.out"' EXIT
failed=()

# Runs one benchmark command, shows its output live and appends a section
# with the command line and the output to the results body.
run_bench() { # name cmd...
	local name=$1 cmdline rc; shift
	if [ ! -x "$1" ]; then
		echo "bench: '$1' is missing: build it with 'make bench'" >&2
		failed+=("$name")
		return
	fi
	cmdline=$(printf '%q ' "$@"); cmdline=${cmdline% }
	printf '\n== %s: %s\n' "$name" "$cmdline"
	"$@" | tee "$body.out"; rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "bench: $name failed (exit $rc)" >&2
		failed+=("$name")
		return
	fi
	{
		# shellcheck disable=SC2016 # Markdown backquotes, not expansions
		printf '## %s\n\n```\n%s\n```\n\n' "$name" "$cmdline"
		cat "$body.out"
		printf '\n'
	} >>"$body"
}

bench_learn_record() {
	run_bench learn_record "$rel/bench/learn_record" ${BENCH_ROUNDS:+-r "$BENCH_ROUNDS"}
}

bench_learn_wall() {
	run_bench learn_wall bench/learn_wall.sh "$rel/sandlock" ${BENCH_ROUNDS:+-r "$BENCH_ROUNDS"}
}

bench_startup() {
	run_bench startup "$rel/bench/startup" "$rel/sandlock" ${BENCH_RUNS:+-n "$BENCH_RUNS"}
}

bench_notify() {
	run_bench notify "$rel/bench/notify" "$rel/sandlock" ${BENCH_ROUNDS:+-r "$BENCH_ROUNDS"}
}

# The same cost for an open the supervisor reads and continues, unpinned and
# on one CPU (where wake-ups cost least and sandlock's own work shows most).
bench_notify_open() {
	run_bench notify_open "$rel/bench/notify" "$rel/sandlock" --syscall open \
		${BENCH_ROUNDS:+-r "$BENCH_ROUNDS"}
	run_bench notify_open_cpu1 "$rel/bench/notify" "$rel/sandlock" --syscall open --cpu 1 \
		${BENCH_ROUNDS:+-r "$BENCH_ROUNDS"}
}

bench_redis() {
	run_bench redis bench/redis.sh "$rel/sandlock" ${BENCH_ROUNDS:+-r "$BENCH_ROUNDS"}
}

cpu_model() {
	local m
	m=$(awk -F': *' '/^(model name|Model|Hardware|cpu model)[[:space:]]*:/ {print $2; exit}' \
		/proc/cpuinfo 2>/dev/null)
	echo "${m:-unknown}"
}

for b in "${BENCHMARKS[@]}"; do
	"bench_$b"
done

if [ ${#failed[@]} -ne 0 ]; then
	echo "bench: FAILED: ${failed[*]}; $results left unchanged" >&2
	exit 1
fi

rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo "no commit")
bwrap_v=$(bwrap --version 2>/dev/null || echo "not installed")
{
	printf '# Benchmark results\n\n'
	# shellcheck disable=SC2016
	printf 'Written by `bench/run.sh %s` (`make bench`); do not edit by hand.\n' "$rel"
	printf 'Ratios are of medians measured in the same run; absolute times are this\n'
	printf 'machine'"'"'s and only the ratios carry over.\n\n'
	printf -- '- date: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	printf -- '- kernel: %s\n' "$(uname -r)"
	printf -- '- cpus: %s (nproc)\n' "$(nproc)"
	printf -- '- cpu model: %s\n' "$(cpu_model)"
	printf -- '- sandlock: %s (tree %s)\n' "$("$build/sandlock" --version 2>/dev/null)" "$rev"
	printf -- '- comparison: %s\n\n' "$bwrap_v"
	cat "$body"
} >"$results.tmp" && mv "$results.tmp" "$results"
echo
echo "bench: wrote $results"
