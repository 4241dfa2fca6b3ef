#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli wifi_setup against the simulator's Improv firmware: the
# networks listed, a wrong password said, the right one giving the board's
# address, the password never printed, and a firmware without Improv.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"

# cli_with_input FILE ARGS...: cli(), with stdin from FILE.
cli_with_input () {
  local input=$1
  shift
  last_command="sparkflash-cli $*"
  timeout -s KILL 200 "$SPARKFLASH_CLI" "$@" >"$tmp/stdout" 2>"$tmp/stderr" <"$input"
  rc=$?
}

begin "wifi_setup takes at most one network name"
cli --port /dev/ttyNOPE wifi_setup one two
expect_usage_error "two"
end

begin "wifi_setup on a port that does not exist"
cli --port /dev/ttyNOPE wifi_setup
expect_rc 1
expect_stderr "Check --port"
end

begin "wifi_setup on several ports is refused"
cli --port /dev/ttyNOPE --port /dev/ttyNOPE2 wifi_setup
expect_rc 2
expect_stderr "one --port"
end

start_sim esp32 "$tmp/flash-esp32.bin" --firmware improv || bail_out "the simulator did not start"

begin "without a name: the firmware and the networks the board sees"
cli --port "$port" wifi_setup
expect_rc 0
expect_stdout "ESPHome 2024.6.0 on ESP32"
expect_stdout "Sparkflash Lab"
expect_stdout "Guest"
expect_stdout "secured"
end

begin "a wrong password: the board cannot join, and says so"
printf 'wrong horse\n' > password
cli_with_input password --port "$port" wifi_setup "Sparkflash Lab"
expect_rc 1
expect_stderr "could not join “Sparkflash Lab”"
expect_stderr "Check the password"
grep -q "wrong horse" "$tmp/stdout" "$tmp/stderr" && problem "the password was printed"
end

begin "the right password: the board's address"
printf 'correct horse\n' > password
cli_with_input password --port "$port" wifi-setup "Sparkflash Lab"
expect_rc 0
expect_stdout "http://192.168.4.23"
grep -q "correct horse" "$tmp/stdout" "$tmp/stderr" && problem "the password was printed"
end

begin "stdin ends before a password"
cli_with_input /dev/null --port "$port" wifi_setup "Workshop"
expect_rc 1
expect_stderr "No password given"
end

stop_sim

start_sim esp32 "$tmp/flash-esp32.bin" --firmware logger || bail_out "the simulator did not start"

begin "a firmware without Improv"
cli --port "$port" wifi_setup
expect_rc 1
expect_stderr "does not answer Improv"
expect_stderr "--monitor-baud"
end

stop_sim

finish_tap
