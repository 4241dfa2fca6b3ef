#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The CLI half of the fault matrix (the protocol half is
# tests/faults/test-fault-matrix.c): sparkflash-cli on a simulated line
# that loses and garbles the board's replies and sends noise before SYNC.
# A cell is a chip (ESP8266, ESP32), a loader (the flasher stub, the ROM
# with --no-stub), a fault and a seed; it runs chip_id, read_mac, flash_id,
# write_flash raw and compressed, a write inside one sector, verify_flash,
# read_flash, erase_region and, through the stub, erase_flash, all with
# --before no_reset --after no_reset against one simulator.
#
# Every command must end within a bounded time either in success with
# exactly the right result (the simulator's flash file holds what was
# written and nothing else changed, a read is byte-exact, the MAC and the
# flash id are those of a clean line) or in a non-zero exit with an error
# that says what happened. A success with wrong data, a hang, a crash or
# an "unknown error" fails the cell; so does a cell in which, the
# simulator says, no fault fired.
#
# FAULT_SEEDS: the seeds of each cell; a single number N means 1 to N,
#   like the protocol half's FAULT_SEEDS; otherwise a list of seeds and
#   ranges ("3 7 10-12"). Default 2 (seeds 1 and 2).
# FAULT_FULL=1: the ESP8266 ROM cells that lose replies run every command
#   too. Without the flasher stub the ESP8266 has no MD5 and no READ_FLASH:
#   everything it reads, the check after each write included, goes through
#   the SPI registers, read twice, some twenty commands per 64 bytes, and
#   each lost reply costs a timeout: its writes and erases take minutes
#   under drop:1/50 (some five minutes a cell). By default those cells run
#   the chip information and a 2 KiB read; its cells that only garble
#   replies run everything (a minute or so each). Its commands may take
#   four times FAULT_OP_LIMIT.
# FAULT_JOBS: cells run at once (default 3). Most of a cell's time is
#   waiting for lost replies, not CPU, so cells overlap well even on two
#   cores.
# FAULT_MATCH: an extended regular expression; only the cells whose name
#   matches run (e.g. "esp32, rom, corrupt", "seed 7$"), to reproduce one.
# FAULT_OP_LIMIT: seconds one command may take before it counts as a hang
#   (default 150, generous for sanitizer builds).

set -uo pipefail

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"

op_limit=${FAULT_OP_LIMIT:-150}
jobs=${FAULT_JOBS:-3}
full=${FAULT_FULL:-}

# ---- the matrix ---------------------------------------------------------------

seeds=()
read -r -a seed_words <<<"$(tr ',' ' ' <<<"${FAULT_SEEDS:-2}")"
if [ ${#seed_words[@]} -eq 1 ] && [[ ${seed_words[0]} =~ ^[0-9]+$ ]]; then
  mapfile -t seeds < <(seq 1 "${seed_words[0]}")
else
  for word in "${seed_words[@]}"; do
    if [[ $word =~ ^([0-9]+)-([0-9]+)$ ]]; then
      mapfile -t -O "${#seeds[@]}" seeds < <(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
    elif [[ $word =~ ^[0-9]+$ ]]; then
      seeds+=("$word")
    else
      bail_out "FAULT_SEEDS: not a seed or a range: $word"
    fi
  done
fi
[ ${#seeds[@]} -gt 0 ] || bail_out "FAULT_SEEDS names no seed"

# Name, then the simulator's arguments.
fault_names=("drop:1/50" "corrupt:1/40" "drop:1/50+corrupt:1/40+garbage")
fault_args=("--fault drop:1/50" "--fault corrupt:1/40"
            "--fault drop:1/50 --fault corrupt:1/40 --fault garbage")

# The slowest first (the ESP8266 ROM's), so that the rest fill in beside
# them.
cells=()
for chip in esp8266 esp32; do
  for loader in rom stub; do
    for f in "${!fault_names[@]}"; do
      for seed in "${seeds[@]}"; do
        [[ "$chip, $loader, ${fault_names[$f]}, seed $seed" =~ ${FAULT_MATCH:-.} ]] &&
          cells+=("$chip $loader $f $seed")
      done
    done
  done
done

# Cells that once found a bug stay in the matrix whatever FAULT_SEEDS says.
# 21 on the ESP32's stub under garbled replies: a status byte flipped into
# a ROM's "flash write failed", which was believed as the chip's refusal.
regressions=("esp32 stub 1 21")
for cell in "${regressions[@]}"; do
  read -r chip loader f seed <<<"$cell"
  [[ " ${cells[*]/%/,} " == *" $cell,"* ]] && continue
  [[ "$chip, $loader, ${fault_names[$f]}, seed $seed" =~ ${FAULT_MATCH:-.} ]] &&
    cells+=("$cell")
done

[ ${#cells[@]} -gt 0 ] || bail_out "FAULT_MATCH matches no cell"

# ---- shared files ----------------------------------------------------------------

# The flash every cell starts from: a known random pattern everywhere, so
# that any byte a command should not have touched is checked too. A 1 MB
# flash keeps the simulator's file small.
FLASH_SIZE=1048576
random_file pattern.bin $FLASH_SIZE
ff_file ff-flash.bin $FLASH_SIZE
random_file raw.bin 6144           # write_flash -u at RAW_AT
compressible_file deflated.bin 6144 # write_flash -z at DEFLATED_AT, deflates like firmware
random_file small.bin 100          # written inside one sector, at SMALL_AT
ff_file ff-4k.bin 4096
# Far apart, so that a command that failed (and may have left its sectors
# half done, one sector more on the ESP8266 ROM, which erases too much)
# cannot touch what another one wrote.
RAW_AT=0x10000
DEFLATED_AT=0x18000
SMALL_AT=0x20010
READ_AT=0x10000
ERASE_AT=0x30000

# The lines of a command's output that must not depend on the line's noise.
identity_lines () {
  grep -E '^(Chip is|Features:|Crystal is|MAC:|Chip ID:|.*has no chip ID|Manufacturer:|Device:|Detected flash size:)' "$1"
}

# Clean runs give what chip_id, read_mac and flash_id must say under faults.
for chip in esp8266 esp32; do
  for loader in stub rom; do
    L=()
    [ "$loader" = rom ] && L=(--no-stub)
    cp pattern.bin "clean-$chip-$loader.bin"
    start_sim "$chip" "$tmp/clean-$chip-$loader.bin" --flash-size 1MB ||
      bail_out "the $chip simulator did not start"
    for command in chip_id read_mac flash_id; do
      cli --port "$port" --before no_reset --after no_reset "${L[@]}" "$command"
      [ "$rc" -eq 0 ] || bail_out "$command on a clean line to the $chip ($loader) failed: $(tail -n 1 "$tmp/stderr")"
      identity_lines "$tmp/stdout" >"clean-$chip-$loader-$command.txt"
      [ -s "clean-$chip-$loader-$command.txt" ] || bail_out "$command printed nothing to compare with"
    done
    stop_sim
  done
done

# ---- one cell ----------------------------------------------------------------------

# fcli ARGS...: one command of the cell, bounded by FAULT_OP_LIMIT; then
# checks that it succeeded (returns 0) or failed as a user can act on
# (returns 1, the outcome recorded; problems noted otherwise).
fcli () {
  local message start
  last_command="sparkflash-cli ${F[*]} ${L[*]} $*"
  start=$(date +%s%N)
  timeout -k 10 "$op_limit" "$SPARKFLASH_CLI" "${F[@]}" "${L[@]}" "$@" \
    >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
  verify_failed=""
  echo "$(( ($(date +%s%N) - start) / 1000000 )) ms $rc $*" >>"$tmp/times"
  if grep -qE 'runtime error:|Sanitizer|Segmentation fault|CRITICAL \*\*|\*\* ERROR|assertion failed' "$tmp/stderr"; then
    problem "a crash or a sanitizer report"
  fi
  if grep -qi 'unknown error' "$tmp/stdout" "$tmp/stderr"; then
    problem "says \"unknown error\""
  fi
  case $rc in
    0)
      echo ok >>"$tmp/outcomes"
      return 0 ;;
    124|137)
      problem "no end within $op_limit s: a hang"
      return 1 ;;
    1) ;;
    *)
      problem "exit code $rc: neither success nor a reported failure"
      return 1 ;;
  esac
  message=$(grep '^sparkflash-cli: error: ' "$tmp/stderr" | tail -n 1)
  message=${message#sparkflash-cli: error: }
  if [ -z "$message" ]; then
    problem "failed without an error line"
  elif [ ${#message} -lt 20 ] ||
       grep -qiE '^[^a-z]*((status|code|error|failed|0x[0-9a-f]+)[^a-z]*)*$' <<<"$message"; then
    problem "the error is a bare status, not what happened: $message"
  elif [[ $message == "The chip refused "* || $message == "The chip could not write its flash"* ]]; then
    # The simulated chip refuses nothing here: a garbled status was
    # believed, and the user is sent after a fault the board does not have.
    problem "a refusal the line made up: $message"
  else
    echo "failed: $1: $message" >>"$tmp/outcomes"
    [[ $message == "Verification failed"* ]] && verify_failed=$message
  fi
  return 1
}

# expect_identity COMMAND: what the command printed about the chip is what
# a clean line printed.
expect_identity () {
  identity_lines "$tmp/stdout" >"$tmp/identity.txt"
  cmp -s "$tmp/identity.txt" "$tmp/../clean-$chip-$loader-$1.txt" ||
    problem "$1 succeeded but says otherwise than on a clean line: $(diff "$tmp/../clean-$chip-$loader-$1.txt" "$tmp/identity.txt" | grep '^[<>]' | tr '\n' ' ')"
}

# put IMAGE OFFSET FILE: FILE into IMAGE at OFFSET.
put () {
  dd if="$3" of="$1" bs=4096 seek=$(($2)) oflag=seek_bytes conv=notrunc status=none
}

# dont_care OFFSET SIZE: a failed command may have left these bytes
# anything; whole sectors, one more on the ESP8266 ROM (see above).
dont_care () {
  local start=$(( $1 / 4096 * 4096 )) end=$(( ($1 + $2 + 4095) / 4096 * 4096 ))
  [ "$chip$loader" = esp8266rom ] && end=$((end + 4096))
  dont_care_ranges+=("$start $((end - start))")
}

# claim OFFSET FILE: a success said FILE is in flash at OFFSET.
claim () {
  claims+=("$1 $2")
}

# claim_differs COMMAND OFFSET FILE [OFFSET FILE...]: after a failed
# command, if it said "Verification failed", its files cannot all be in
# flash; a wrong diagnosis would send the user after a sound cable or flash.
claim_differs () {
  local command=$1
  shift
  [ -n "$verify_failed" ] && differs_claims+=("$command|$*|$verify_failed")
}

# first_difference A B: where A and B first differ, as a flash address.
first_difference () {
  local byte
  byte=$(cmp "$1" "$2" 2>/dev/null | sed -n 's/.* differ: byte \([0-9]*\).*/\1/p')
  if [ -n "$byte" ]; then
    printf '0x%x' $((byte - 1))
  else
    echo "the end of the shorter ($(cmp "$1" "$2" 2>&1 | head -n 1))"
  fi
}

# expect_flash: the simulator's flash file (flushed when it stopped) is the
# expected image, but for what failed commands may have changed; and holds
# what successful commands said it does.
expect_flash () {
  local range c off size file command pairs message
  # These problems are about no single command.
  last_command="" problem_command=""
  cp expected.bin expected-masked.bin
  for range in "${dont_care_ranges[@]}"; do
    read -r off size <<<"$range"
    dd if=flash.bin of=expected-masked.bin bs=4096 skip="$off" seek="$off" count="$size" \
       iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc status=none
  done
  cmp -s expected-masked.bin flash.bin ||
    problem "the flash is not what the commands that succeeded made it, from $(first_difference expected-masked.bin flash.bin)"
  for c in "${claims[@]}"; do
    read -r off file <<<"$c"
    holds "$off" "$file" ||
      problem "a command succeeded, but the flash at $off does not hold $file"
  done
  for c in "${differs_claims[@]}"; do
    IFS='|' read -r command pairs message <<<"$c"
    # shellcheck disable=SC2086
    all_held $pairs &&
      problem "$command said \"$message\", but the flash holds every file it named"
  done
}

# holds OFFSET FILE: the simulator's flash holds FILE at OFFSET.
holds () {
  cmp -s -n "$(stat -c %s "$2")" -i "0:$(($1))" "$2" flash.bin
}

all_held () {
  while [ $# -ge 2 ]; do
    holds "$1" "$2" || return 1
    shift 2
  done
}

# expect_faults_fired SESSION: parses the simulator's FAULTS line.
expect_faults_fired () {
  local line
  last_command="" problem_command=""
  line=$(grep '^FAULTS ' "$tmp/sim-$chip.out" | tail -n 1)
  if [ -z "$line" ]; then
    problem "the simulator ($1) printed no FAULTS line"
    return
  fi
  echo "$1: ${line#FAULTS }" >>"$tmp/faults"
  [[ $line == *" seed=$seed" ]] || problem "the simulator ($1) ran another seed: $line"
}

# run_cell CHIP LOADER FAULT SEED DIR: in a subshell of its own, with its
# own simulator; leaves its TAP name in DIR/name, its problems in
# DIR/problems and DIR/done last.
run_cell () {
  chip=$1 loader=$2 f=$3 seed=$4 tmp=$5
  local name sim_args read_size esp8266_rom="" all_ops=1 sum reproduce=""
  bg_pids=()
  trap 'cleanup_cell' EXIT
  trap 'exit 1' TERM
  cd "$tmp" || exit 1
  if [ "$chip$loader" = esp8266rom ]; then
    esp8266_rom=1
    # Garbled replies cost it little, lost ones a timeout each: its cells
    # that lose replies write and erase only with FAULT_FULL=1.
    [ -z "$full" ] && [[ ${fault_names[$f]} == *drop* ]] && all_ops=""
    # Everything it reads goes through the registers, twice.
    op_limit=$((op_limit * 4))
  fi
  read -r -a sim_args <<<"--flash-size 1MB ${fault_args[$f]} --seed $seed"
  name="$chip, $loader, ${fault_names[$f]}, seed $seed"
  [ -z "$all_ops" ] && name+=" (chip information and a read; FAULT_FULL=1 for the rest)"
  begin "$name"
  case_problems=()
  dont_care_ranges=()
  claims=()
  differs_claims=()
  L=()
  [ "$loader" = rom ] && L=(--no-stub)

  cp "$tmp/../pattern.bin" flash.bin
  cp "$tmp/../pattern.bin" expected.bin
  : >"$tmp/outcomes"
  if ! start_sim "$chip" "$tmp/flash.bin" "${sim_args[@]}"; then
    problem "the simulator did not start"
    finish_cell
    return
  fi
  F=(--port "$port" --before no_reset --after no_reset)
  reproduce="reproduce: sparkflash-sim --chip $chip --flash-file FLASH ${sim_args[*]} (FLASH a random pattern), then the commands with --port PTY"

  for command in chip_id read_mac flash_id; do
    fcli "$command" && expect_identity "$command"
  done

  if [ -n "$all_ops" ]; then
    cp "$tmp/../raw.bin" "$tmp/../deflated.bin" "$tmp/../small.bin" "$tmp/../ff-4k.bin" .
    if fcli write_flash -u $RAW_AT raw.bin; then
      put expected.bin $RAW_AT raw.bin
    else
      dont_care $RAW_AT 6144
      claim_differs write_flash $RAW_AT raw.bin
    fi
    # The ESP8266 ROM cannot inflate.
    if [ -z "$esp8266_rom" ]; then
      if fcli write_flash -z $DEFLATED_AT deflated.bin; then
        put expected.bin $DEFLATED_AT deflated.bin
      else
        dont_care $DEFLATED_AT 6144
        claim_differs write_flash $DEFLATED_AT deflated.bin
      fi
    fi
    # Its sector's other 3996 bytes must survive.
    if fcli write_flash $SMALL_AT small.bin; then
      put expected.bin $SMALL_AT small.bin
    else
      dont_care $SMALL_AT 100
      claim_differs write_flash $SMALL_AT small.bin
    fi

    verify=("$RAW_AT" raw.bin "$SMALL_AT" small.bin)
    [ -z "$esp8266_rom" ] && verify+=("$DEFLATED_AT" deflated.bin)
    if fcli verify_flash "${verify[@]}"; then
      claim $RAW_AT raw.bin
      claim $SMALL_AT small.bin
      [ -z "$esp8266_rom" ] && claim $DEFLATED_AT deflated.bin
    else
      claim_differs verify_flash "${verify[@]}"
    fi
  fi

  read_size=8192
  [ -n "$esp8266_rom" ] && read_size=2048
  rm -f read.bin
  if fcli read_flash $READ_AT $read_size read.bin; then
    [ "$(stat -c %s read.bin 2>/dev/null)" = "$read_size" ] ||
      problem "read_flash succeeded but read.bin is not $read_size bytes"
    # Nothing writes there later: the flash file at the end is the truth.
    claim $READ_AT read.bin
  fi

  if [ -n "$all_ops" ]; then
    if fcli erase_region $ERASE_AT 0x1000; then
      put expected.bin $ERASE_AT ff-4k.bin
    else
      dont_care $ERASE_AT 4096
    fi
  fi

  stop_sim
  expect_faults_fired "session 1"
  expect_flash

  # The whole chip last, with a simulator of its own: it wipes what the
  # checks above look at. The ROM's chip erase is FLASH_BEGIN over all of
  # it, which erase_region covers.
  if [ "$loader" = stub ]; then
    if ! start_sim "$chip" "$tmp/flash.bin" "${sim_args[@]}"; then
      problem "the simulator did not start again"
    else
      F=(--port "$port" --before no_reset --after no_reset)
      if fcli erase_flash; then
        stop_sim
        cmp -s flash.bin "$tmp/../ff-flash.bin" ||
          problem "erase_flash succeeded but the flash is not all 0xFF from $(first_difference flash.bin "$tmp/../ff-flash.bin")"
      else
        stop_sim
      fi
      expect_faults_fired "session 2"
    fi
  fi

  sum=$(grep -oE '(dropped|corrupted|dropped_requests|garbage)=[0-9]+' "$tmp/faults" 2>/dev/null |
        awk -F= '{ s += $2 } END { print s + 0 }')
  [ "${sum:-0}" -gt 0 ] || problem "no fault fired, so the cell shows nothing"
  finish_cell
}

cleanup_cell () {
  local pid
  for pid in "${bg_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
}

finish_cell () {
  printf '%s\n' "$case_name" >"$tmp/name"
  if [ ${#case_problems[@]} -gt 0 ]; then
    {
      printf '%s\n' "${reproduce:-}"
      sed 's/^\([0-9]*\) ms \([0-9]*\) /ran (\1 ms, exit code \2): /' "$tmp/times" 2>/dev/null
      printf '%s\n' "${case_problems[@]}"
    } >"$tmp/problems"
  else
    : >"$tmp/problems"
  fi
  : >"$tmp/done"
}

# ---- running the cells ---------------------------------------------------------------

n_ops=0
n_ok=0
n_failed=0
printed=0

# Prints, in order, the cells that are done.
print_done () {
  local dir line
  while [ "$printed" -lt ${#cells[@]} ] && [ -e "cell-$printed/done" ]; do
    dir=cell-$printed
    begin "$(cat "$dir/name")"
    while IFS= read -r line; do
      case_problems+=("$line")
    done <"$dir/problems"
    end
    [ -s "$dir/faults" ] && sed 's/^/#   faults, /' "$dir/faults"
    if [ -s "$dir/outcomes" ]; then
      n_ops=$((n_ops + $(wc -l <"$dir/outcomes")))
      n_ok=$((n_ok + $(grep -c '^ok$' "$dir/outcomes")))
      n_failed=$((n_failed + $(grep -c '^failed: ' "$dir/outcomes")))
      grep '^failed: ' "$dir/outcomes" | sort | uniq -c | sed 's/^ */#   /'
    fi
    echo "#   $(awk '{ s += $1 } END { printf "%.1f", s / 1000 }' "$dir/times" 2>/dev/null) s of commands"
    printed=$((printed + 1))
  done
}

start_time=$(date +%s)
running=0
for i in "${!cells[@]}"; do
  while [ "$running" -ge "$jobs" ]; do
    wait -n
    running=$((running - 1))
    print_done
  done
  mkdir "cell-$i"
  # shellcheck disable=SC2086
  run_cell ${cells[$i]} "$tmp/cell-$i" >"cell-$i/log" 2>&1 &
  bg_pids+=($!)
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n
  running=$((running - 1))
  print_done
done
print_done
[ "$printed" -eq ${#cells[@]} ] || bail_out "only $printed of ${#cells[@]} cells reported"

echo "# ${#cells[@]} cells (2 chips x 2 loaders x ${#fault_names[@]} faults x ${#seeds[@]} seeds: ${seeds[*]}${FAULT_MATCH:+; those matching $FAULT_MATCH}), $n_ops commands under faults: $n_ok succeeded, $n_failed failed with a clear error; $tap_failed cells not ok; in $(( $(date +%s) - start_time )) s"
finish_tap
