#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in _build-fuzz, then runs each for SECONDS
# (default 600), one after the other, and prints what each run did.
#
#   bash tests/fuzz/run-fuzzers.sh [SECONDS [TARGET...]]
#
# TARGET is slip, reply, image, units, stub-image, partition-table, otadata
# or flasher-args (default: all). Each fuzzer starts from a copy of its
# committed corpus in _build-fuzz/fuzz-runs/TARGET/ (the committed corpus
# is never written), which also keeps the grown corpus, the log and any
# crashing input.
# Exits 1 if any fuzzer found a crash, a leak or a hang.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(slip reply image units stub-image partition-table otadata flasher-args)
build=_build-fuzz

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "SECONDS must be a whole number above 0, not '$seconds'" >&2
  exit 2
fi
for target in "${targets[@]}"; do
  if [ ! -d "tests/fuzz/corpus/$target" ]; then
    echo "No fuzz target '$target' (tests/fuzz/corpus/$target is missing)" >&2
    exit 2
  fi
done

# No stubs: the stub-image fuzzer hands the loader its own JSON, and the
# build then needs no npm.
options=(-Dfuzzing=true -Dstubs=disabled "-Db_sanitize=address,undefined" -Db_lundef=false --werror)
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" "${options[@]}" >/dev/null
else
  CC=clang meson setup "$build" "${options[@]}" >/dev/null
fi
# Only what the fuzzers need: the rest of the project has no business
# being held to clang's warnings here.
if ! log=$(meson compile -C "$build" "${targets[@]/#/fuzz-}" 2>&1); then
  echo "$log" >&2
  exit 2
fi

# A sanitizer report ends the run as a crash; leaks in libraries that keep
# caches for the process's life are not ours.
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
export G_DEBUG=gc-friendly
export LC_ALL=C.UTF-8
export LANGUAGE=

failed=0
for target in "${targets[@]}"; do
  run=$build/fuzz-runs/$target
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  cp tests/fuzz/corpus/"$target"/* "$run/corpus/"

  echo "== $target: fuzzing for $seconds s (log: $run/log)"
  status=0
  "$build/tests/fuzz/fuzz-$target" \
    -max_total_time="$seconds" \
    -timeout=25 \
    -print_final_stats=1 \
    -artifact_prefix="$run/artifacts/" \
    "$run/corpus" >"$run/log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log" | tail -n 1)
  coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$run/log" | tail -n 1 || true)
  inputs=$(find "$run/corpus" -type f | wc -l)
  crashes=$(find "$run/artifacts" -type f | wc -l)

  printf '%s: %s runs, %s exec/s, %s, corpus %s inputs, ' \
    "$target" "${runs:-?}" "${speed:-?}" "${coverage:-cov: ?}" "$inputs"
  if [ "$status" -eq 0 ] && [ "$crashes" -eq 0 ]; then
    echo "no crash"
  else
    failed=1
    echo "CRASH (exit $status)"
    find "$run/artifacts" -type f -printf '  input: %p\n'
    # The first report: a failed assertion, a sanitizer's, a timeout.
    grep -m 1 -E '^ERROR:|==[0-9]+== ?ERROR|runtime error' "$run/log" | sed 's/^/  /' || true
    echo "  replay: $build/tests/fuzz/fuzz-replay-$target $run/artifacts/*"
  fi
done
exit $failed
