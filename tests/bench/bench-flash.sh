#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Times sparkflash-cli against the simulator with its UART pacing on (bytes
# leave at the baud rate, as on a real adapter), and esptool too when
# ESPTOOL_DIR points at an unpacked esptool source tree. Prints one line per
# measurement and the ratios. Run with `meson test -C _build --benchmark`,
# or directly: tests/bench/bench-flash.sh [CHIP] [BAUD].
set -euo pipefail

cli=${SPARKFLASH_CLI:?set SPARKFLASH_CLI}
sim=${SPARKFLASH_SIM:?set SPARKFLASH_SIM}
chip=${1:-esp32}
baud=${2:-460800}
size=$((1024 * 1024))

work=$(mktemp -d)
sim_pid=""
trap 'kill $sim_pid 2>/dev/null || true; rm -rf "$work"' EXIT

# A firmware-like file: half random bytes, half runs that compress well.
head -c $((size / 2)) /dev/urandom > "$work/firmware.bin"
# (yes ends on SIGPIPE once head has enough: not a failure.)
{ yes "sparkflash benchmark text that repeats like strings and tables do" || true; } |
  head -c $((size / 2)) >> "$work/firmware.bin"

"$sim" --chip "$chip" --flash-file "$work/flash.bin" --emulate-baud > "$work/sim.out" &
sim_pid=$!
for _ in $(seq 50); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
port=$(awk '/^PORT /{print $2; exit}' "$work/sim.out")

seconds () {
  local start end
  start=$(date +%s%N)
  "$@" > "$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.2f\n", ns / 1e9 }'
}

common=(--port "$port" --baud "$baud" --before no_reset --after no_reset)
t_write=$(seconds "$cli" "${common[@]}" write_flash 0x10000 "$work/firmware.bin")
t_read=$(seconds "$cli" "${common[@]}" read_flash 0x10000 0x10000 "$work/back.bin")
echo "sparkflash-write-1MiB-s ($chip, $baud baud): $t_write"
echo "sparkflash-read-64KiB-s ($chip, $baud baud): $t_read"

if [ -n "${ESPTOOL_DIR:-}" ]; then
  esptool=(env PYTHONPATH="$ESPTOOL_DIR" /usr/bin/python3 -m esptool --chip "$chip" --port "$port"
           --baud "$baud" --before no-reset --after no-reset --no-stub)
  e_write=$(seconds "${esptool[@]}" write-flash -z 0x10000 "$work/firmware.bin")
  e_read=$(seconds "${esptool[@]}" read-flash 0x10000 0x10000 "$work/back-esptool.bin")
  echo "esptool-write-1MiB-s ($chip, $baud baud, -z): $e_write"
  echo "esptool-read-64KiB-s ($chip, $baud baud): $e_read"
  echo "write speed-up (esptool time / sparkflash time): $(awk -v a="$e_write" -v b="$t_write" 'BEGIN { printf "%.2f", a / b }')"
  echo "read speed-up (esptool time / sparkflash time): $(awk -v a="$e_read" -v b="$t_read" 'BEGIN { printf "%.2f", a / b }')"
fi
