#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli as people use it: esptool command lines from tutorials with
# the name swapped, the default reset on a port without reset lines, a
# bootloader header rewritten by -fm/-fs, a board that never answers, a
# busy port, a port without permission, and Ctrl+C in the middle of a read.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"
srcdir=$(dirname "$0")

MIB=1048576
compressible_file firmware.bin 65536
random_file rand64k.bin 65536
ff_file ff-64k.bin 65536

# slice FILE OFFSET SIZE OUT
slice () {
  dd if="$1" of="$4" bs=1 skip=$(($2)) count=$(($3)) iflag=skip_bytes,count_bytes status=none
}

start_sim esp32 "$tmp/flash.bin" || bail_out "the esp32 simulator did not start"
P=$port
N=(--before no_reset --after no_reset)

# ---- tutorial command lines ---------------------------------------------------

begin "esptool.py erase_flash --port P (default reset on a pty only warns)"
cli erase_flash --port "$P"
expect_rc 0
grep -qi "warning" "$tmp/stdout" "$tmp/stderr" || problem "no warning about the missing reset lines"
expect_stdout "Chip is ESP32"
end

# firmware.bin is random text, not an image: at 0x0 on an ESP32 that is one
# of the checks before writing (test-cli-board.sh), which --force passes.
begin "esptool.py --port P --baud 460800 write_flash --force --flash_size=detect 0 firmware.bin"
cli --port "$P" --baud 460800 write_flash --force --flash_size=detect 0 firmware.bin
expect_rc 0
expect_stdout "Changing baud rate to 460800"
expect_stdout "Changed."
expect_stdout "Wrote 65536 bytes"
expect_stdout "Hash of data verified."
end

begin "esptool.py -p P read_flash 0 ALL out.bin reads the whole 4 MiB"
cli -p "$P" read_flash 0 ALL out.bin
expect_rc 0
[ "$(stat -c %s out.bin 2>/dev/null)" = $((4 * MIB)) ] || problem "out.bin is not 4 MiB"
slice out.bin 0 65536 head.bin
slice out.bin 65536 65536 after.bin
expect_same head.bin firmware.bin
expect_same after.bin ff-64k.bin
end

begin "esptool.py -p P -b 460800 read_flash 0x3FF000 ALL reads to the end"
cli -p "$P" -b 460800 "${N[@]}" read_flash 0x3FF000 ALL tail.bin
expect_rc 0
[ "$(stat -c %s tail.bin 2>/dev/null)" = 4096 ] || problem "tail.bin is not 4096 bytes"
end

begin "read_flash past this board's flash is refused after connecting, no file made"
cli -p "$P" "${N[@]}" read_flash 0x3FF000 0x2000 past.bin
expect_rc 1
expect_stderr "past the end"
[ ! -e past.bin ] || problem "past.bin was created"
end

begin "erase_region ADDR ALL erases to the end of the flash"
cli -p "$P" "${N[@]}" write_flash -u 0x3F0000 rand64k.bin
expect_rc 0
cli -p "$P" "${N[@]}" erase_region 0x3F0000 ALL
expect_rc 0
cli -p "$P" "${N[@]}" read_flash 0x3F0000 ALL back.bin
expect_rc 0
expect_same back.bin ff-64k.bin
end

if ! command -v python3 >/dev/null; then
  skip "write_flash -fs 4MB -fm dio -ff 40m rewrites the bootloader header" "needs python3"
  skip "verify_flash with the same -fs/-fm/-ff passes, without them fails" "needs python3"
else
begin "write_flash -fs 4MB -fm dio -ff 40m rewrites the bootloader header"
python3 "$srcdir/make-image.py" boot.bin || problem "cannot make boot.bin"
cli -p "$P" "${N[@]}" write_flash -fs 4MB -fm dio -ff 40m 0x1000 boot.bin
expect_rc 0
size=$(stat -c %s boot.bin)
cli -p "$P" "${N[@]}" read_flash 0x1000 "$size" boot-back.bin
expect_rc 0
# cmp -l: 1-based offsets, octal values. Byte 2 (mode) dio = 2, byte 3
# (size << 4 | freq) 4MB, 40m = 0x20; nothing else may change.
[ "$(cmp -l boot.bin boot-back.bin | awk '{ printf "%s:%s:%s ", $1, $2, $3 }')" = "3:0:2 4:0:40 " ] ||
  problem "header bytes not rewritten as expected: $(cmp -l boot.bin boot-back.bin | head -n 5 | tr '\n' ';')"
end

begin "verify_flash with the same -fs/-fm/-ff passes, without them fails"
cli -p "$P" "${N[@]}" verify_flash --flash_size 4MB --flash_mode dio --flash_freq 40m 0x1000 boot.bin
expect_rc 0
cli -p "$P" "${N[@]}" verify_flash 0x1000 boot.bin
expect_rc 1
end

begin "image_info describes the bootloader"
cli image_info boot.bin
expect_rc 0
expect_stdout "ESP32"
expect_stdout "bootloader"
head -c 40 boot.bin >cut.bin
cli image_info cut.bin
expect_rc 1
expect_stderr "sparkflash-cli: error: image_info: cut.bin: "
end
fi

if command -v script >/dev/null; then
  begin "on a terminal the progress bar is redrawn in place"
  last_command="script -qc 'sparkflash-cli -p $P write_flash 0x100000 firmware.bin' /dev/null"
  script -qc "'$SPARKFLASH_CLI' -p '$P' ${N[*]} write_flash 0x100000 firmware.bin" /dev/null \
    >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
  expect_rc 0
  grep -q $'\r\033\\[KWriting at 0x00100000 \\[' "$tmp/stdout" || problem "no bar redrawn with \\r"
  grep -q $'\r\033\\[KWriting at 0x0010[0-9a-f]\\{4\\} \\[=\\{30\\}\\] 100.0%' "$tmp/stdout" ||
    problem "the bar does not reach 100 %"
  n=$(grep -c '^Writing' "$tmp/stdout")
  [ "$n" -eq 0 ] || problem "$n progress lines printed as plain lines"
  end
else
  skip "on a terminal the progress bar is redrawn in place" "needs script(1)"
fi

begin "ESPTOOL_PORT stands in for --port"
last_command="ESPTOOL_PORT=$P sparkflash-cli --before no_reset --after no_reset read_mac"
ESPTOOL_PORT=$P "$SPARKFLASH_CLI" "${N[@]}" read_mac >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
expect_rc 0
grep -qE '^MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$tmp/stdout" || problem "no MAC line"
end

begin "options after the command, with = and dashed values"
cli read-mac --port="$P" --before=no-reset --after=no-reset --chip=ESP32
expect_rc 0
expect_stdout "MAC: "
end

begin "--after soft_reset"
cli -p "$P" --before no_reset --after soft_reset flash_id
expect_rc 0
expect_stdout "Soft resetting..."
end

stop_sim

# ---- a board that never answers -----------------------------------------------

start_silent || bail_out "silent-pty did not start"

begin "a chip that never answers: hold-BOOT hint within seconds, exit code 1"
start=$(date +%s)
cli -p "$silent_port" read_mac
elapsed=$(( $(date +%s) - start ))
expect_rc 1
expect_stderr "sparkflash-cli: error: "
expect_stderr "BOOT"
within "$elapsed" 12 || problem "took $elapsed s to give up"
end

begin "a chip that never answers with --before no_reset"
start=$(date +%s)
cli -p "$silent_port" --before no_reset write_flash 0 firmware.bin
elapsed=$(( $(date +%s) - start ))
expect_rc 1
expect_stderr "BOOT"
expect_no_stdout "Wrote"
within "$elapsed" 12 || problem "took $elapsed s to give up"
end

if ! command -v flock >/dev/null; then
  skip "a port another program holds is reported busy" "needs flock(1)"
else
begin "a port another program holds is reported busy"
flock "$silent_port" sleep 30 &
flock_pid=$!
bg_pids+=("$flock_pid")
sleep 0.3
cli -p "$silent_port" read_mac
kill "$flock_pid" 2>/dev/null
wait "$flock_pid" 2>/dev/null
expect_rc 1
expect_stderr "in use"
end
fi

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  begin "a port without permission names the dialout group"
  last_command="(as nobody) sparkflash-cli -p $silent_port read_mac"
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$SPARKFLASH_CLI" -p "$silent_port" read_mac >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
  if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
    skip "a port without permission names the dialout group" "nobody cannot run $SPARKFLASH_CLI"
  else
    expect_rc 1
    expect_stderr "Permission denied"
    expect_stderr "dialout"
    end
  fi
else
  skip "a port without permission names the dialout group" "needs root and setpriv"
fi

# ---- Ctrl+C -------------------------------------------------------------------

begin "Ctrl+C during read_flash leaves the old file and no temporary files"
# A flash full of data: erased flash is known by its checksum and read at once.
head -c 4194304 /dev/urandom >"$tmp/full8266.bin"
start_sim esp8266 "$tmp/full8266.bin" --emulate-baud || problem "the esp8266 simulator did not start"
mkdir -p keep
printf 'the backup from yesterday\n' >keep/backup.bin
cp keep/backup.bin before.bin
last_command="sparkflash-cli -p $port read_flash 0 0x400000 keep/backup.bin, then SIGINT"
"$SPARKFLASH_CLI" -p "$port" "${N[@]}" read_flash 0 0x400000 keep/backup.bin \
  >"$tmp/stdout" 2>"$tmp/stderr" </dev/null &
cli_pid=$!
for i in $(seq 150); do
  grep -q '^Reading at' "$tmp/stdout" && break
  kill -0 "$cli_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^Reading at' "$tmp/stdout" || problem "the read did not start within 15 s"
sleep 0.5
kill -INT "$cli_pid" 2>/dev/null
for i in $(seq 100); do
  kill -0 "$cli_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$cli_pid" 2>/dev/null; then
  problem "still running 10 s after SIGINT"
  kill -KILL "$cli_pid"
fi
wait "$cli_pid"
rc=$?
expect_rc 130
expect_stderr "Interrupted."
expect_no_stdout "Read 4194304 bytes"
expect_same keep/backup.bin before.bin
[ "$(ls -A keep)" = "backup.bin" ] || problem "left behind in keep/: $(ls -A keep | tr '\n' ' ')"
stop_sim
end

finish_tap
