#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli monitor and write_flash --monitor against the simulator:
# the command line, what is printed, lines sent, leaving with Ctrl+C, and
# the port free again afterwards.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"

# monitor_until TEXT SECONDS INPUT ARGS...: runs sparkflash-cli ARGS with
# stdin from the command INPUT (a shell snippet), waits until its stdout
# holds TEXT (at most SECONDS; "" waits them all), then sends it one SIGINT
# as Ctrl+C does. $rc is the program's exit code, $stop_ms how long it took
# to end after the signal. (timeout(1) would signal it twice: once itself,
# once through the process group.)
monitor_until () {
  local text=$1 seconds=$2 input=$3 pid i start
  shift 3
  last_command="sparkflash-cli $*"
  "$SPARKFLASH_CLI" "$@" < <(bash -c "$input") >"$tmp/stdout" 2>"$tmp/stderr" &
  pid=$!
  for i in $(seq $((seconds * 10))); do
    [ -n "$text" ] && grep -qF -- "$text" "$tmp/stdout" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  start=$(date +%s%N)
  kill -INT "$pid" 2>/dev/null
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    problem "still running 10 s after SIGINT"
  fi
  wait "$pid"
  rc=$?
  stop_ms=$((($(date +%s%N) - start) / 1000000))
  [ -z "$text" ] || expect_stdout "$text"
}

# ---- the command line --------------------------------------------------------

begin "monitor takes no arguments"
cli --port /dev/ttyNOPE monitor extra
expect_usage_error "extra"
end

begin "--monitor-baud must be a rate"
cli --port /dev/ttyNOPE monitor --monitor-baud fast
expect_usage_error "fast"
end

begin "--monitor belongs to write_flash, not read_flash"
cli --port /dev/ttyNOPE read_flash 0 16 out.bin --monitor
expect_usage_error "--monitor"
end

begin "monitor --help describes the keys and the options"
cli monitor --help
expect_rc 0
expect_stdout "Ctrl+]"
expect_stdout "--monitor-baud"
expect_stdout "--no-reset"
end

begin "monitor on a port that does not exist"
cli --port /dev/ttyNOPE monitor
expect_rc 1
expect_stderr "ttyNOPE"
expect_stderr "Check --port"
end

# ---- on a board ------------------------------------------------------------------

start_sim esp32 "$tmp/flash-esp32.bin" || bail_out "the simulator did not start"

begin "monitor on a port without modem lines asks for RESET, and Ctrl+C leaves with 0"
monitor_until "press RESET" 20 ": " --port "$port" monitor
expect_rc 0
within "$stop_ms" 1000 || problem "took $stop_ms ms to end after Ctrl+C"
expect_stdout "--- Resetting the board"
expect_stdout "--- This port has no RTS line: press RESET on the board to restart it"
expect_stderr "Monitoring $port at 115200 baud"
end

begin "monitor --no-reset leaves the board alone"
monitor_until "" 1 ": " --port "$port" monitor --no-reset --monitor-baud 74880
expect_rc 0
expect_no_stdout "Resetting the board"
expect_stderr "at 74880 baud"
end

# On a terminal: keys one at a time, echoed by the monitor, Ctrl+] to
# leave, and the terminal's settings as they were before.
if command -v script >/dev/null; then
  begin "on a terminal, Ctrl+] leaves and the terminal is restored"
  last_command="script: sparkflash-cli --port $port --no-reset monitor, typing ab Enter Ctrl+]"
  { sleep 1; printf 'ab\r'; sleep 0.5; printf '\035'; sleep 2; } |
    script -qec "stty -g; \"$SPARKFLASH_CLI\" --port $port --no-reset monitor; echo rc=\$?; stty -g" \
      /dev/null >"$tmp/stdout" 2>"$tmp/stderr"
  tr -d '\r' <"$tmp/stdout" >"$tmp/screen"
  grep -qx 'rc=0' "$tmp/screen" || problem "did not leave with 0 on Ctrl+]"
  grep -qx 'ab' "$tmp/screen" || problem "the typed line was not echoed"
  grep -E '^[0-9a-f]+(:[0-9a-f]+){10,}$' "$tmp/screen" >"$tmp/settings"
  [ "$(wc -l <"$tmp/settings")" -eq 2 ] && [ "$(sort -u "$tmp/settings" | wc -l)" -eq 1 ] ||
    problem "the terminal's settings before and after differ"
  end
else
  skip "on a terminal, Ctrl+] leaves and the terminal is restored" "script(1) is not installed"
fi

begin "the port is free again right after the monitor"
cli --port "$port" --before no_reset --after no_reset chip_id
expect_rc 0
grep -qiE "^Chip is esp32" "$tmp/stdout" || problem "no 'Chip is ESP32' line"
end

stop_sim

# ---- write_flash --monitor ---------------------------------------------------------

start_sim esp8266 "$tmp/flash-esp8266.bin" || bail_out "the ESP8266 simulator did not start"
random_file app.bin 8192

begin "write_flash --monitor watches the board it wrote, as the chip it found"
monitor_until "No boot text came" 60 ": " --port "$port" --before no_reset write_flash --monitor \
  0x0 app.bin
expect_rc 0
expect_stdout "Hash of data verified."
expect_stdout "--- Resetting the board"
# The chip was found to be an ESP8266: the monitor listened at the ROM's
# rate first. This board prints nothing.
expect_stdout "--- No boot text came at 74880 baud; now at 115200 baud"
expect_flash_file "$tmp/flash-esp8266.bin" 0 app.bin
end

begin "write_flash --monitor after a failed write does not start the monitor"
cli --port "$port" --before no_reset write_flash --monitor 0x0 app.bin 0x3ff000 app.bin
expect_rc 1
expect_no_stdout "Resetting the board"
end

stop_sim

# ---- with a firmware on the board ------------------------------------------------------
# The simulated board boots its app whenever the port is opened, as after
# the monitor's reset; the ESP8266's ROM prints at 74880 baud first.

start_sim esp8266 "$tmp/flash-logger.bin" --firmware logger || bail_out "the simulator did not start"

begin "the ESP8266's boot text is read at 74880 baud and explained, then the app at 115200"
monitor_until "echoing each line it receives" 20 ": " --port "$port" --chip esp8266 monitor
expect_rc 0
expect_stdout " ets Jan  8 2013,rst cause:2, boot mode:(3,6)"
expect_stdout "--- Reset by the reset pin (cause 2); boot mode (3,6): the board booted normally from flash"
expect_stdout "--- Boot text read at 74880 baud; now at 115200 baud"
expect_stdout "W (318) sim_sensor: no sensor at I2C address 0x76"
# Not a terminal: no colours, and nothing read at the wrong rate.
! grep -q $'\033' "$tmp/stdout" || problem "escape sequences on a stdout that is not a terminal"
! grep -q $'\xef\xbf\xbd' "$tmp/stdout" || problem "garbage: text read at the wrong rate"
end

begin "lines of a piped stdin go to the board, which echoes them"
monitor_until "echo: hello board" 20 "sleep 1; echo 'hello board'; sleep 20" \
  --port "$port" --chip esp8266 monitor
expect_rc 0
expect_stdout "> hello board"
end

if command -v script >/dev/null; then
  begin "on a terminal, the board's colours are shown"
  last_command="script: sparkflash-cli --port $port --chip esp8266 monitor"
  { sleep 2; printf '\035'; sleep 1; } |
    script -qec "\"$SPARKFLASH_CLI\" --port $port --chip esp8266 monitor" /dev/null \
      >"$tmp/stdout" 2>"$tmp/stderr"
  expect_stdout $'\033[0;32mI (27) boot: ESP-IDF'
  expect_stdout $'\033[0;33mW (318) sim_sensor'
  expect_stdout $'\033[0;31mE (324) sim_net'
  end
else
  skip "on a terminal, the board's colours are shown" "script(1) is not installed"
fi

stop_sim

start_sim esp32 "$tmp/flash-esp32-logger.bin" --firmware logger || bail_out "the simulator did not start"

begin "write_flash --monitor shows the new firmware starting"
monitor_until "echoing each line it receives" 60 ": " --port "$port" write_flash --monitor 0x10000 app.bin
expect_rc 0
expect_stdout "Hash of data verified."
expect_stdout "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"
expect_stdout "--- Powered on; boot mode 0x13: the board booted normally from flash"
expect_flash_file "$tmp/flash-esp32-logger.bin" 0x10000 app.bin
end

finish_tap
