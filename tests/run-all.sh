#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds with warnings as errors and runs every
# test; with --sanitize, in a second build with AddressSanitizer and
# UndefinedBehaviorSanitizer. Ends with "N passed, N failed" counted from
# meson's test log.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=0
[ "${1:-}" = "--sanitize" ] && sanitize=1

bash tests/deps.sh

run_suite () {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
  meson compile -C "$dir"
  # GUI tests need a display; everything runs under one virtual X server.
  xvfb-run -a -s "-screen 0 1024x768x24" \
    meson test -C "$dir" --print-errorlogs --num-processes 2 "${test_args[@]}" || true
}

logs=(_build/meson-logs/testlog.json)
test_args=()
run_suite _build --werror -Dstubs=enabled
if [ $sanitize -eq 1 ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
  # Sanitized code runs several times slower: more time for each test,
  # and no upper bounds on wall-clock time (the timing suite) to trip over.
  test_args=(--timeout-multiplier 3 --no-suite timing)
  run_suite _build-asan --werror -Dstubs=enabled -Db_sanitize=address,undefined -Db_lundef=false
  logs+=(_build-asan/meson-logs/testlog.json)
fi

python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path) as log:
        for line in log:
            if not line.strip():
                continue
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print("FAILED:", path, json.loads(line)["name"])
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
