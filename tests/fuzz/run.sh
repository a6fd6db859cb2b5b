#!/usr/bin/env bash
# Builds every libFuzzer harness (tests/fuzz/fuzz_*.c) with clang and runs
# each for FUZZ_SECONDS (default 60) from a copy of its committed seed corpus
# (tests/fuzz/corpus/NAME/).  Any crash fails.  usage: run.sh OUT_DIR
set -eu
out=${1:-build/fuzz}
secs=${FUZZ_SECONDS:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
# seccomp_precompiled.c needs a generated header and no harness calls it.
core_src=$(ls "$top"/core/*.c | grep -vE '/(main|cmd_[a-z_]+|seccomp_precompiled)\.c$')
status=0
for h in "$top"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c); name=${name#fuzz_}
	bin="$out/fuzz_$name"
	clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$top/core" -o "$bin" "$h" $core_src -lseccomp
	corpus="$out/corpus_$name"
	rm -rf "$corpus"; mkdir -p "$corpus"
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp "$top/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/crash_${name}_" "$corpus" >"$out/$name.log" 2>&1; then
		echo "ok - fuzz $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$name.log" || tail -n 1 "$out/$name.log"))"
	else
		echo "not ok - fuzz $name: see $out/$name.log"; tail -n 30 "$out/$name.log"; status=1
	fi
done
exit $status
