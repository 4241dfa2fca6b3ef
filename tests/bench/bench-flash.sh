#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Times sparkflash-cli, and esptool beside it when ESPTOOL_DIR points at an
# unpacked esptool source tree, against the simulator with its UART pacing
# and flash timing on (bytes leave at the baud rate, flash takes as long as
# a real chip's). Every run gets a fresh simulator; the simulator's wire
# statistics (SIGUSR1) give the bytes on the wire and the length of the
# data phase. Every result is checked (exit code, flash contents, cmp of
# what was read). Ends with a markdown table. See tests/bench/README.md.
#
# usage: bench-flash.sh [-c CHIPS] [-b BAUDS] [-s SCENARIOS] [-l LOGDIR] [CHIPS [BAUDS]]
#   CHIPS      comma-separated, default esp8266,esp32
#   BAUDS      comma-separated, default 115200,921600
#   SCENARIOS  comma-separated from write, default, reflash, read, backup (default all)
#              write    1 MiB firmware-like image at 0x10000 onto blank flash, -b BAUD
#              default  the same without -b (each tool's own default); once per chip
#              reflash  4 MiB image at 0x0 that the flash already holds, -b BAUD
#              read     read_flash 0 0x400000, -b BAUD
#              backup   the same, of a flash holding the 1 MiB image at 0x10000 and
#                       nothing else (a board as it comes back from a first write)
#   LOGDIR     keep every run's output there (default: thrown away)
# Environment: SPARKFLASH_CLI, SPARKFLASH_SIM (default: _build's), ESPTOOL_DIR
# (unset: no esptool columns), PYTHON (default /usr/bin/python3, for
# esptool), BENCH_TIMEOUT (seconds per command, default 1200).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cli=${SPARKFLASH_CLI:-$top/_build/src/cli/sparkflash-cli}
sim=${SPARKFLASH_SIM:-$top/_build/src/simulator/sparkflash-sim}
python=${PYTHON:-/usr/bin/python3}
esptool_dir=${ESPTOOL_DIR:-}
limit=${BENCH_TIMEOUT:-1200}

chips=esp8266,esp32
bauds=115200,921600
scenarios=write,default,reflash,read,backup
logdir=""
positional=()

usage () {
  sed -n '/^# usage:/,/^set -e/{/^set -e/d; s/^# \{0,1\}//; p}' "$0"
  exit "${1:-0}"
}

while [ $# -gt 0 ]; do
  case $1 in
    -c|--chips) chips=${2:?}; shift 2 ;;
    -b|--bauds) bauds=${2:?}; shift 2 ;;
    -s|--scenarios) scenarios=${2:?}; shift 2 ;;
    -l|--logs) logdir=${2:?}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "bench-flash: unknown option $1" >&2; usage 2 >&2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -ge 1 ] && chips=${positional[0]}
[ ${#positional[@]} -ge 2 ] && bauds=${positional[1]}
IFS=, read -r -a chip_list <<< "$chips"
IFS=, read -r -a baud_list <<< "$bauds"
IFS=, read -r -a scenario_list <<< "$scenarios"
for s in "${scenario_list[@]}"; do
  case $s in write|default|reflash|read|backup) ;; *) echo "bench-flash: unknown scenario $s" >&2; exit 2 ;; esac
done
for b in "${baud_list[@]}"; do
  [[ $b =~ ^[0-9]+$ ]] || { echo "bench-flash: bad baud rate $b" >&2; exit 2; }
done
wanted () { [[ ,$scenarios, == *,$1,* ]]; }

for exe in "$cli" "$sim"; do
  [ -x "$exe" ] || { echo "bench-flash: $exe not found (build first, or set SPARKFLASH_CLI/SPARKFLASH_SIM)" >&2; exit 2; }
done
tools=(sparkflash)
if [ -n "$esptool_dir" ]; then
  tools+=(esptool)
  PYTHONPATH="$esptool_dir" "$python" -m esptool version > /dev/null 2>&1 ||
    { echo "bench-flash: cannot run esptool from $esptool_dir with $python" >&2; exit 2; }
fi
[ -n "$logdir" ] && mkdir -p "$logdir"

work=$(mktemp -d)
sim_pid=""
stop_sim () {
  if [ -n "$sim_pid" ]; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
  fi
}
trap 'stop_sim; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

fail () {
  echo "bench-flash: FAILED: $*" >&2
  exit 1
}

# The images: 1 MiB (seed 1) and 4 MiB (seed 2) that compress as firmware does.
flash_size=$((4 * 1024 * 1024))
python3 "$here/make-firmware.py" "$work/fw1m.bin" $((1024 * 1024)) 1
python3 "$here/make-firmware.py" "$work/fw4m.bin" $flash_size 2
ff () { head -c "$1" /dev/zero | tr '\0' '\377'; }
{ ff $((0x10000)); cat "$work/fw1m.bin"; ff $((flash_size - 0x10000 - 1024 * 1024)); } > "$work/expect-write.bin"

# Starts a simulator for chip $1 whose flash holds file $2 (blank if empty).
start_sim () {
  rm -f "$work/flash.bin"
  [ -n "$2" ] && cp "$2" "$work/flash.bin"
  "$sim" --chip "$1" --flash-file "$work/flash.bin" --flash-size 4MB --emulate-baud --flash-timing \
    > "$work/sim.out" 2> "$work/sim.err" &
  sim_pid=$!
  for _ in $(seq 100); do
    grep -q '^PORT ' "$work/sim.out" 2>/dev/null && break
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.05
  done
  port=$(awk '/^PORT /{print $2; exit}' "$work/sim.out")
  [ -n "$port" ] || fail "the simulator did not start: $(cat "$work/sim.err")"
}

# Asks the simulator for its counts (since it started): sets st_rx, st_tx,
# st_data_bytes, st_data_us, st_read_bytes, st_read_us.
take_stats () {
  local before line kv
  before=$(grep -c '^STATS ' "$work/sim.out" || true)
  kill -USR1 "$sim_pid"
  for _ in $(seq 100); do
    [ "$(grep -c '^STATS ' "$work/sim.out" || true)" -gt "$before" ] && break
    sleep 0.05
  done
  line=$(grep '^STATS ' "$work/sim.out" | tail -n 1)
  [ -n "$line" ] || fail "the simulator printed no STATS line"
  for kv in ${line#STATS }; do
    printf -v "st_${kv%%=*}" '%s' "${kv#*=}"
  done
}

declare -A R_wall R_wire R_pbytes R_pus R_baud
rows=()

# run TOOL CHIP BAUD SCENARIO (BAUD empty: no -b)
run () {
  local tool=$1 chip=$2 baud=$3 scen=$4 label=$3 key rc start end log cmd=() args=() line_baud
  [ -n "$baud" ] || label=default
  key="$scen|$chip|$label|$tool"
  log="$work/run.log"

  case $scen in
    write|default) start_sim "$chip" "" ;;
    reflash|read) start_sim "$chip" "$work/fw4m.bin" ;;
    backup) start_sim "$chip" "$work/expect-write.bin" ;;
  esac
  rm -f "$work/read.bin"

  if [ "$tool" = sparkflash ]; then
    cmd=("$cli" -p "$port" ${baud:+-b "$baud"} --before no_reset --after no_reset)
    case $scen in
      write|default) args=(write_flash 0x10000 "$work/fw1m.bin") ;;
      reflash) args=(write_flash 0x0 "$work/fw4m.bin") ;;
      read|backup) args=(read_flash 0 0x400000 "$work/read.bin") ;;
    esac
  else
    cmd=(env PYTHONPATH="$esptool_dir" "$python" -m esptool --chip "$chip" -p "$port"
         ${baud:+-b "$baud"} --before no-reset --after no-reset)
    case $scen in
      write|default) args=(write-flash 0x10000 "$work/fw1m.bin") ;;
      reflash) args=(write-flash 0x0 "$work/fw4m.bin") ;;
      read|backup) args=(read-flash 0 0x400000 "$work/read.bin") ;;
    esac
  fi

  echo "== $scen $chip $label $tool: ${cmd[*]} ${args[*]}" > "$log"
  start=$(date +%s%N)
  rc=0
  timeout "$limit" "${cmd[@]}" "${args[@]}" >> "$log" 2>&1 || rc=$?
  end=$(date +%s%N)
  take_stats
  stop_sim
  echo "STATS rx=$st_rx tx=$st_tx data_bytes=$st_data_bytes data_us=$st_data_us read_bytes=$st_read_bytes read_us=$st_read_us" >> "$log"
  [ -n "$logdir" ] && cp "$log" "$logdir/$scen-$chip-$label-$tool.log"

  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$log" >&2
    [ "$rc" -eq 124 ] && fail "$tool $scen on $chip at $label baud took longer than ${limit} s"
    fail "$tool $scen on $chip at $label baud exited with status $rc"
  fi
  case $scen in
    write|default)
      cmp -s "$work/flash.bin" "$work/expect-write.bin" ||
        fail "$tool $scen on $chip at $label baud: the flash does not hold the image (at 0x10000, 0xFF elsewhere)" ;;
    reflash)
      cmp -s "$work/flash.bin" "$work/fw4m.bin" ||
        fail "$tool $scen on $chip at $label baud: the flash does not hold the 4 MiB image" ;;
    read)
      cmp "$work/read.bin" "$work/fw4m.bin" >&2 ||
        fail "$tool $scen on $chip at $label baud: what was read differs from the flash"
      cmp -s "$work/flash.bin" "$work/fw4m.bin" ||
        fail "$tool $scen on $chip at $label baud: reading changed the flash" ;;
    backup)
      cmp "$work/read.bin" "$work/expect-write.bin" >&2 ||
        fail "$tool $scen on $chip at $label baud: what was read differs from the flash"
      cmp -s "$work/flash.bin" "$work/expect-write.bin" ||
        fail "$tool $scen on $chip at $label baud: reading changed the flash" ;;
  esac

  # The rate the transfer ran at: the first change of rate, else the 115200
  # every link starts at.
  line_baud=$(grep -o 'Changing baud rate to [0-9]*' "$log" | head -n 1 | grep -o '[0-9]*$' || true)
  line_baud=${line_baud:-115200}
  [ -z "$baud" ] || [ "$line_baud" = "$baud" ] ||
    fail "$tool $scen on $chip: asked for $baud baud, the log says it ran at $line_baud"

  R_wall[$key]=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
  R_wire[$key]=$((st_rx + st_tx))
  if [ "$scen" = read ] || [ "$scen" = backup ]; then
    R_pbytes[$key]=$st_read_bytes; R_pus[$key]=$st_read_us
  else
    R_pbytes[$key]=$st_data_bytes; R_pus[$key]=$st_data_us
  fi
  R_baud[$key]=$line_baud
  printf '%-8s %-8s %-8s %-11s %8s s  %9s B on the wire  link %s  command %s  (data phase %s B in %s s at %s baud)\n' \
    "$scen" "$chip" "$label" "$tool" "${R_wall[$key]}" "${R_wire[$key]}" \
    "$(link_eff "$key")" "$(command_eff "$key")" "${R_pbytes[$key]}" \
    "$(awk -v us="${R_pus[$key]}" 'BEGIN { printf "%.2f", us / 1e6 }')" "$line_baud"
}

# Data-phase wire bytes × 10 / baud ÷ data-phase time.
link_eff () {
  awk -v b="${R_pbytes[$1]}" -v us="${R_pus[$1]}" -v baud="${R_baud[$1]}" \
    'BEGIN { if (us > 0) printf "%.1f %%", 100 * b * 10 / baud / (us / 1e6); else printf "–" }'
}

# All wire bytes × 10 / baud ÷ wall time.
command_eff () {
  awk -v b="${R_wire[$1]}" -v s="${R_wall[$1]}" -v baud="${R_baud[$1]}" \
    'BEGIN { printf "%.1f %%", 100 * b * 10 / baud / s }'
}

add_row () {
  rows+=("$1|$2|$3")
}

echo "# sparkflash-cli $("$cli" --version | head -n 1 | awk '{print $2}')${esptool_dir:+, esptool $(PYTHONPATH="$esptool_dir" "$python" -m esptool version 2>/dev/null | tail -n 1)}"
echo "# chips: ${chip_list[*]}; bauds: ${baud_list[*]}; scenarios: ${scenario_list[*]}"
for chip in "${chip_list[@]}"; do
  for baud in "${baud_list[@]}"; do
    for scen in write reflash read backup; do
      wanted "$scen" || continue
      for tool in "${tools[@]}"; do
        run "$tool" "$chip" "$baud" "$scen"
      done
      add_row "$scen" "$chip" "$baud"
    done
  done
  if wanted default; then
    for tool in "${tools[@]}"; do
      run "$tool" "$chip" "" default
    done
    add_row default "$chip" default
  fi
done

# The table, scenario by scenario.
echo
if [ -n "$esptool_dir" ]; then
  echo "| scenario | chip | baud | Sparkflash s | wire bytes | data phase s | link eff. | command eff. | esptool s | wire bytes | data phase s | link eff. | command eff. | Sparkflash ÷ esptool time |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
else
  echo "| scenario | chip | baud | Sparkflash s | wire bytes | data phase s | link eff. | command eff. |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
fi
cells () {
  printf ' %s | %s | %s | %s | %s |' "${R_wall[$1]}" "${R_wire[$1]}" \
    "$(awk -v us="${R_pus[$1]}" 'BEGIN { if (us > 0) printf "%.2f", us / 1e6; else printf "–" }')" \
    "$(link_eff "$1")" "$(command_eff "$1")"
}
for scen in write default reflash read backup; do
  for row in "${rows[@]}"; do
    IFS='|' read -r s chip label <<< "$row"
    [ "$s" = "$scen" ] || continue
    k="$s|$chip|$label"
    shown=$label
    [ "$label" = default ] && shown="none (${R_baud[$k|sparkflash]}${esptool_dir:+ / ${R_baud[$k|esptool]:-}})"
    line="| $scen | $chip | $shown |$(cells "$k|sparkflash")"
    if [ -n "$esptool_dir" ]; then
      line+="$(cells "$k|esptool") $(awk -v a="${R_wall[$k|sparkflash]}" -v b="${R_wall[$k|esptool]}" 'BEGIN { printf "%.2f", a / b }') |"
    fi
    echo "$line"
  done
done
