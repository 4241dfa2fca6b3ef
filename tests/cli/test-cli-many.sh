#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli on several boards at once: --port given several times or
# as a pattern, eight simulated boards written in parallel with one of
# them never answering, one summary line per board, and the exit status.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"

N=8
FAILING=5           # this board never answers
sims=()
ports=()
for i in $(seq 0 $((N - 1))); do
  fault=()
  [ "$i" -eq "$FAILING" ] && fault=(--fault silent)
  "$SPARKFLASH_SIM" --chip esp32 --flash-file "$tmp/flash$i.bin" "${fault[@]}" \
    >"$tmp/sim$i.out" 2>"$tmp/sim$i.err" &
  sims+=($!)
  bg_pids+=($!)
done
for i in $(seq 0 $((N - 1))); do
  p=""
  for _ in $(seq 100); do
    p=$(sed -n 's/^PORT //p' "$tmp/sim$i.out" | head -n 1)
    [ -n "$p" ] && break
    sleep 0.1
  done
  [ -n "$p" ] || bail_out "simulator $i did not start: $(cat "$tmp/sim$i.err")"
  ports+=("$p")
done
failing_port=${ports[$FAILING]}
F=(--before no_reset --after no_reset)
MAC_RE='([0-9a-f]{2}:){5}[0-9a-f]{2}'

# summary_line PORT: the board's summary line on stdout.
summary_line () {
  grep -E "^$1 +(ESP32|-) " "$tmp/stdout" | tail -n 1
}

# ---- which ports --------------------------------------------------------------

# The good boards behind links with a pattern of their own: /dev/pts/*
# would match every terminal on the machine.
mkdir -p "$tmp/by-name"
for i in 0 1 2 3; do
  ln -s "${ports[$i]}" "$tmp/by-name/ttySIM$i"
done

begin "a pattern names every port it matches, and each works at once"
cli "${F[@]}" --port "$tmp/by-name/ttySIM*" read_mac
expect_rc 0
expect_stdout "Working on 4 boards at once."
for i in 0 1 2 3; do
  line=$(summary_line "$tmp/by-name/ttySIM$i")
  grep -qE " ESP32 +$MAC_RE +ok " <<<"$line" || problem "ttySIM$i: summary line: '$line'"
  grep -qE "^$tmp/by-name/ttySIM$i: MAC: $MAC_RE\$" "$tmp/stdout" ||
    problem "ttySIM$i: no MAC line prefixed with its port"
done
end

begin "a pattern that matches nothing is a usage error"
cli "${F[@]}" --port "$tmp/by-name/ttyNONE*" read_mac
expect_usage_error "No port matches"
end

begin "--port given twice: both boards; the same port twice: once"
cli "${F[@]}" --port "${ports[0]}" --port "${ports[1]}" chip_id
expect_rc 0
expect_stdout "Working on 2 boards at once."
for i in 0 1; do
  grep -qE " ok " <<<"$(summary_line "${ports[$i]}")" || problem "${ports[$i]}: no ok summary line"
done
cli "${F[@]}" --port "${ports[0]}" -p "${ports[0]}" chip_id
expect_rc 0
expect_no_stdout "at once"
expect_stdout "Chip is ESP32"
end

begin "read_flash on several boards is refused before any port is opened"
cli "${F[@]}" --port "${ports[0]}" --port "${ports[1]}" read_flash 0 4096 out.bin
expect_rc 2
expect_stderr "read_flash reads one board at a time"
expect_no_stdout "Connecting"
[ ! -e out.bin ] || problem "out.bin was created"
end

# ---- eight boards, one failing -------------------------------------------------

compressible_file app.bin 300000
args=()
for p in "${ports[@]}"; do
  args+=(--port "$p")
done

begin "write_flash on 8 boards at once: 7 written, the silent one failed"
start=$(date +%s)
cli "${F[@]}" "${args[@]}" write_flash 0x10000 app.bin
took=$(( $(date +%s) - start ))
expect_rc 1
expect_stdout "Working on 8 boards at once."
expect_stdout "Summary (port, chip, MAC, result, time, bytes):"
for i in $(seq 0 $((N - 1))); do
  p=${ports[$i]}
  line=$(summary_line "$p")
  if [ "$i" -eq "$FAILING" ]; then
    grep -qE "^$p +- +- +failed +[0-9.]+ s +0 bytes\$" <<<"$line" ||
      problem "failing board: summary line: '$line'"
  else
    grep -qE "^$p +ESP32 +$MAC_RE +ok +[0-9.]+ s +300000 bytes\$" <<<"$line" ||
      problem "$p: summary line: '$line'"
    grep -qF "$p: Hash of data verified." "$tmp/stdout" || problem "$p: no verified hash"
  fi
done
[ "$(grep -cE " (ok|failed) +[0-9.]+ s +[0-9]+ bytes\$" "$tmp/stdout")" -eq $N ] ||
  problem "not $N summary lines"
# Every other line says which board it is about.
bad=$(grep -vE "^(/dev/|Working on|Summary)" "$tmp/stdout" | head -n 1)
[ -z "$bad" ] || problem "a line without its port: $bad"
expect_stderr "sparkflash-cli: error: $failing_port: "
expect_stderr "1 of 8 boards failed"
# No progress bars, and in parallel: the silent board's timeout, not
# eight writes one after the other.
expect_no_stdout "Writing at"
within "$took" 30 || problem "took $took s"
end

begin "the seven good boards' flash holds the file, the silent one's does not"
for i in $(seq 0 $((N - 1))); do
  kill -TERM "${sims[$i]}" 2>/dev/null
  wait "${sims[$i]}" 2>/dev/null
done
for i in $(seq 0 $((N - 1))); do
  if [ "$i" -eq "$FAILING" ]; then
    if [ -e "$tmp/flash$i.bin" ]; then
      dd if="$tmp/flash$i.bin" of="$tmp/slice" bs=1 skip=$((0x10000)) count=300000 \
         iflag=skip_bytes,count_bytes status=none
      ! cmp -s "$tmp/slice" app.bin || problem "the silent board was written"
    fi
  else
    expect_flash_file "$tmp/flash$i.bin" 0x10000 app.bin
  fi
done
end

finish_tap
