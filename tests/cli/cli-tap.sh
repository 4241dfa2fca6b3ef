# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the sparkflash-cli tests: TAP output, running the CLI, the
# simulator and the silent port. Sourced, not run.

set -u

: "${SPARKFLASH_CLI:?SPARKFLASH_CLI must point at sparkflash-cli}"
: "${SPARKFLASH_SIM:?SPARKFLASH_SIM must point at sparkflash-sim}"

tap_count=0
tap_failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sparkflash-cli-test.XXXXXX")
bg_pids=()

cleanup () {
  local pid
  for pid in "${bg_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- TAP ------------------------------------------------------------------

# One test case collects reasons to fail, then reports one TAP line.
case_name=""
case_problems=()

begin () {
  case_name=$1
  case_problems=()
  problem_command=""
}

# Records what went wrong, with the output of the command that showed it
# (once per command).
problem () {
  local line
  if [ "${last_command:-}" != "${problem_command:-}" ]; then
    problem_command=${last_command:-}
    case_problems+=("command: ${last_command:-} (exit code ${rc:-})")
    while IFS= read -r line; do
      case_problems+=("  stdout: $line")
    done < <(tail -n 20 "$tmp/stdout" 2>/dev/null)
    while IFS= read -r line; do
      case_problems+=("  stderr: $line")
    done < <(tail -n 10 "$tmp/stderr" 2>/dev/null)
  fi
  case_problems+=("$1")
}

# within VALUE LIMIT: VALUE (a time taken) is at most LIMIT, or timing does
# not count here. Upper bounds on wall-clock time hold on an idle machine,
# not under the sanitizers: only the "timing" suite sets SF_TEST_TIMING
# (tests/test-timing.h).
within () {
  [ -z "${SF_TEST_TIMING:-}" ] || [ "$1" -le "$2" ]
}

end () {
  local line
  tap_count=$((tap_count + 1))
  if [ ${#case_problems[@]} -eq 0 ]; then
    echo "ok $tap_count - $case_name"
  else
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_count - $case_name"
    for line in "${case_problems[@]}"; do
      echo "#   $line"
    done
  fi
}

skip () {
  tap_count=$((tap_count + 1))
  echo "ok $tap_count - $1 # SKIP $2"
}

bail_out () {
  echo "Bail out! $1"
  exit 1
}

finish_tap () {
  echo "1..$tap_count"
  [ "$tap_failed" -eq 0 ]
}

# ---- Running the CLI ------------------------------------------------------

# cli ARGS...: runs sparkflash-cli, stdout/stderr into $tmp/stdout and
# $tmp/stderr, exit code into $rc. A 200 s cap keeps a hang from eating the
# whole suite's timeout.
cli () {
  last_command="sparkflash-cli $*"
  timeout -s KILL 200 "$SPARKFLASH_CLI" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
}

expect_rc () {
  [ "$rc" -eq "$1" ] || problem "expected exit code $1, got $rc"
}

# Fixed-string, case-sensitive searches.
expect_stdout () {
  grep -qF -- "$1" "$tmp/stdout" || problem "stdout lacks: $1"
}

expect_stderr () {
  grep -qF -- "$1" "$tmp/stderr" || problem "stderr lacks: $1"
}

expect_stderr_i () {
  grep -qiE -- "$1" "$tmp/stderr" || problem "stderr does not match /$1/i"
}

expect_no_stdout () {
  ! grep -qF -- "$1" "$tmp/stdout" || problem "stdout should not contain: $1"
}

# A usage error: exit code 2, the first stderr line is the error and names
# $1, at most one hint line follows, and the port was never opened.
expect_usage_error () {
  local first
  expect_rc 2
  first=$(head -n 1 "$tmp/stderr")
  case "$first" in
    "sparkflash-cli: error: "*) ;;
    *) problem "first stderr line is not 'sparkflash-cli: error: ...': $first" ;;
  esac
  grep -qF -- "$1" <<<"$first" || problem "error line does not name: $1"
  [ "$(wc -l <"$tmp/stderr")" -le 2 ] || problem "more than an error and a hint line on stderr"
  if [ "$(wc -l <"$tmp/stderr")" -eq 2 ]; then
    sed -n 2p "$tmp/stderr" | grep -q '^sparkflash-cli: hint: ' ||
      problem "second stderr line is not a hint"
  fi
  expect_no_stdout "Serial port"
  expect_no_stdout "Connecting"
  ! grep -q "ttyNOPE" "$tmp/stderr" || problem "the port was opened before the input was checked"
}

# same_bytes FILE_A FILE_B: byte-identical.
expect_same () {
  cmp -s -- "$1" "$2" || problem "$1 and $2 differ ($(cmp -- "$1" "$2" 2>&1 | head -n 1))"
}

# expect_flash_file FLASH OFFSET FILE: the simulator's flash holds FILE at OFFSET.
expect_flash_file () {
  local size
  size=$(stat -c %s "$3")
  dd if="$1" of="$tmp/flash-slice" bs=1 skip=$(($2)) count="$size" iflag=skip_bytes,count_bytes \
     status=none 2>/dev/null
  cmp -s "$tmp/flash-slice" "$3" || problem "simulator flash at $2 does not hold $3"
}

# ff_file PATH SIZE: SIZE bytes of 0xFF.
ff_file () {
  head -c "$2" /dev/zero | tr '\0' '\377' >"$1"
}

random_file () {
  head -c "$2" /dev/urandom >"$1"
}

# Random but compressible, like firmware: base64 text.
compressible_file () {
  base64 -w 0 /dev/urandom | head -c "$2" >"$1"
}

# ---- Simulator and silent port ---------------------------------------------

# start_sim CHIP FLASH_FILE [ARGS...]: sets $port and $sim_pid.
start_sim () {
  local chip=$1 flash=$2 i
  shift 2
  "$SPARKFLASH_SIM" --chip "$chip" --flash-file "$flash" "$@" \
    >"$tmp/sim-$chip.out" 2>"$tmp/sim-$chip.err" &
  sim_pid=$!
  bg_pids+=("$sim_pid")
  port=""
  for i in $(seq 100); do
    port=$(sed -n 's/^PORT //p' "$tmp/sim-$chip.out" | head -n 1)
    [ -n "$port" ] && return 0
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "# simulator stderr: $(cat "$tmp/sim-$chip.err")"
  return 1
}

# Stopping flushes the flash file.
stop_sim () {
  kill -TERM "$sim_pid" 2>/dev/null
  wait "$sim_pid" 2>/dev/null
}

# start_silent [ARGS...]: a port nobody answers on; sets $silent_port, $silent_pid.
start_silent () {
  local i
  : "${SILENT_PTY:?SILENT_PTY must point at silent-pty}"
  "$SILENT_PTY" "$@" >"$tmp/silent.out" 2>"$tmp/silent.err" &
  silent_pid=$!
  bg_pids+=("$silent_pid")
  silent_port=""
  for i in $(seq 50); do
    silent_port=$(sed -n 's/^PORT //p' "$tmp/silent.out" | head -n 1)
    [ -n "$silent_port" ] && return 0
    sleep 0.1
  done
  return 1
}
