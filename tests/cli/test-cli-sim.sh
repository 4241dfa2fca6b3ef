#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli against the simulator for one chip (the first argument):
# write compressed and uncompressed, verify, read back, erase a region and
# the whole chip, several files at once. Every check looks at what is really
# in flash: read back with read_flash and, at the end, the simulator's own
# flash file.

. "$(dirname "$0")/cli-tap.sh"

chip=${1:?usage: test-cli-sim.sh CHIP}
unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"

start_sim "$chip" "$tmp/flash.bin" || bail_out "the $chip simulator did not start"
F=(--port "$port" --before no_reset --after no_reset)

# "esp32c3" -> /esp32-?c3/i, to find the chip's name in messages.
chip_re=$(sed -E 's/^esp(8266|32)/esp\1-?/' <<<"$chip")

MIB=1048576
compressible_file rand1.bin $MIB
random_file rand2.bin $MIB
ff_file ff-16k.bin 16384
ff_file ff-64k.bin 65536
ff_file ff-4k.bin 4096

# slice FILE OFFSET SIZE OUT
slice () {
  dd if="$1" of="$4" bs=1 skip=$(($2)) count=$(($3)) iflag=skip_bytes,count_bytes status=none
}

# ---- identity ---------------------------------------------------------------

begin "$chip: chip_id names the chip"
cli "${F[@]}" chip_id
expect_rc 0
expect_stdout "Connecting..."
grep -qiE "^Chip is $chip_re" "$tmp/stdout" || problem "no 'Chip is ${chip^^}' line"
grep -qE '^MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$tmp/stdout" || problem "no MAC line"
if [ "$chip" = esp8266 ]; then
  grep -qE '^Chip ID: 0x[0-9a-f]{8}$' "$tmp/stdout" || problem "no 'Chip ID: 0x...' line"
else
  expect_stdout "has no chip ID"
fi
end

begin "$chip: read_mac prints the MAC the connect showed"
cli "${F[@]}" read_mac
expect_rc 0
macs=$(grep -E '^MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$tmp/stdout" | sort -u | wc -l)
n_macs=$(grep -cE '^MAC: ' "$tmp/stdout")
[ "$n_macs" -eq 2 ] && [ "$macs" -eq 1 ] || problem "expected the same MAC twice, got $n_macs lines, $macs distinct"
end

begin "$chip: flash_id reads the JEDEC id and size"
cli "${F[@]}" flash_id
expect_rc 0
grep -qE '^Manufacturer: [0-9a-f]{2}$' "$tmp/stdout" || problem "no Manufacturer line"
grep -qE '^Device: [0-9a-f]{4}$' "$tmp/stdout" || problem "no Device line"
expect_stdout "Detected flash size: 4MB"
end

begin "$chip: --chip $chip is accepted, another chip is refused"
cli "${F[@]}" --chip "$chip" read_mac
expect_rc 0
other=esp32c3
[ "$chip" = esp32c3 ] && other=esp32
cli "${F[@]}" --chip "$other" read_mac
expect_rc 1
expect_stderr "sparkflash-cli: error: "
grep -qiE "$chip_re" "$tmp/stderr" || problem "the error does not name the connected chip"
end

# ---- write, verify, read ------------------------------------------------------

# Through the flasher stub, the default on every chip, the ESP8266 included.
begin "$chip: write_flash -z 1 MiB at 0x10000, read it back"
cli "${F[@]}" write_flash -z 0x10000 rand1.bin
expect_rc 0
grep -qE "^(Stub running|A flasher stub is already running)" "$tmp/stdout" || problem "not through the stub"
expect_stdout "Compressed 1048576 bytes to"
expect_stdout "Wrote 1048576 bytes ("
expect_stdout "Hash of data verified."
grep -qE '^Writing at 0x000[0-9a-f]{5} \[' "$tmp/stdout" || problem "no 'Writing at 0x...' progress line"
n=$(grep -c '^Writing at' "$tmp/stdout")
[ "$n" -ge 5 ] && [ "$n" -le 12 ] || problem "expected about one progress line per 10 %, got $n"
cli "${F[@]}" read_flash 0x10000 $MIB back.bin
expect_rc 0
expect_same back.bin rand1.bin
end

begin "$chip: writing the same file again skips what is already there"
cli "${F[@]}" write_flash 0x10000 rand1.bin
expect_rc 0
expect_stdout "Skipped 1048576 bytes at 0x00010000 that were already in flash."
expect_no_stdout "Wrote"
expect_stdout "Hash of data verified."
cli "${F[@]}" write_flash --no-skip 0x10000 rand1.bin
expect_rc 0
expect_no_stdout "Skipped"
expect_stdout "Wrote 1048576 bytes ("
end

# Through the ROM loader alone, as esptool --no-stub. The stub the commands
# above left running goes with a reset: a fresh simulator on the same flash.
stop_sim
start_sim "$chip" "$tmp/flash.bin" || bail_out "the $chip simulator did not restart"
F=(--port "$port" --before no_reset --after no_reset)
if [ "$chip" = esp8266 ]; then
  begin "$chip: write_flash -z --no-stub is refused clearly, nothing written"
  cli "${F[@]}" --no-stub write_flash -z 0x200000 rand1.bin
  expect_rc 1
  expect_stderr_i "compress"
  expect_no_stdout "Wrote"
  cli "${F[@]}" --no-stub read_flash 0x200000 0x10000 back.bin
  expect_rc 0
  expect_same back.bin ff-64k.bin
  end

  begin "$chip: write_flash --no-stub sends uncompressed"
  slice rand1.bin 0 65536 rand64k.bin
  cli "${F[@]}" --no-stub write_flash 0x200000 rand64k.bin
  expect_rc 0
  expect_no_stdout "Stub running"
  expect_stdout "Wrote 65536 bytes at 0x00200000"
  expect_no_stdout "Compressed"
  cli "${F[@]}" --no-stub read_flash 0x200000 65536 back.bin
  expect_rc 0
  expect_same back.bin rand64k.bin
  end
else
  begin "$chip: write_flash -z --no-stub through the ROM loader"
  slice rand1.bin 0 262144 rand256k.bin
  cli "${F[@]}" --no-stub write_flash -z 0x200000 rand256k.bin
  expect_rc 0
  expect_no_stdout "Stub running"
  expect_stdout "Wrote 262144 bytes ("
  expect_stdout "Hash of data verified."
  cli "${F[@]}" --no-stub read_flash 0x200000 262144 back.bin
  expect_rc 0
  expect_same back.bin rand256k.bin
  end
fi

begin "$chip: write_flash -u 1 MiB at 0x10000, read it back"
cli "${F[@]}" write_flash -u 0x10000 rand2.bin
expect_rc 0
expect_stdout "Wrote 1048576 bytes at 0x00010000"
expect_no_stdout "Compressed"
cli "${F[@]}" read_flash 0x10000 $MIB back.bin
expect_rc 0
expect_stdout "Read 1048576 bytes at 0x00010000"
expect_same back.bin rand2.bin
end

begin "$chip: verify_flash passes for what is there"
cli "${F[@]}" verify_flash 0x10000 rand2.bin
expect_rc 0
end

begin "$chip: verify_flash fails for what is not"
cli "${F[@]}" verify_flash 0x10000 rand1.bin
expect_rc 1
expect_stderr "sparkflash-cli: error: "
expect_stderr_i "verif|differ|match"
end

# ---- erase ------------------------------------------------------------------------

begin "$chip: erase_region erases exactly the region"
cli "${F[@]}" erase_region 0x10000 0x4000
expect_rc 0
cli "${F[@]}" read_flash 0x10000 0x5000 back.bin
expect_rc 0
slice back.bin 0 0x4000 erased.bin
slice back.bin 0x4000 0x1000 kept.bin
slice rand2.bin 0x4000 0x1000 expected-kept.bin
expect_same erased.bin ff-16k.bin
expect_same kept.bin expected-kept.bin
end

begin "$chip: erase_flash erases everything"
cli "${F[@]}" erase_flash
expect_rc 0
cli "${F[@]}" read_flash 0x20000 0x10000 back.bin
expect_rc 0
expect_same back.bin ff-64k.bin
cli "${F[@]}" read_flash 0 0x1000 back.bin
expect_rc 0
expect_same back.bin ff-4k.bin
end

# ---- several files at once -------------------------------------------------------

random_file f1.bin 8192
random_file f2.bin 3000
random_file f3.bin 102400

begin "$chip: write_flash of three files, then verify_flash"
# Random bytes where the bootloader and partition table go: --force gets
# past the checks before writing, which test-cli-board.sh covers.
cli "${F[@]}" write-flash --force 0x1000 f1.bin 0x8000 f2.bin 0x20000 f3.bin
expect_rc 0
[ "$(grep -c '^Wrote ' "$tmp/stdout")" -eq 3 ] || problem "expected three 'Wrote' lines"
cli "${F[@]}" verify-flash 0x1000 f1.bin 0x8000 f2.bin 0x20000 f3.bin
expect_rc 0
cli "${F[@]}" read-flash 0 0x40000 back.bin
expect_rc 0
slice back.bin 0x1000 8192 got1.bin
slice back.bin 0x8000 3000 got2.bin
slice back.bin 0x20000 102400 got3.bin
slice back.bin 0 0x1000 gap.bin
expect_same got1.bin f1.bin
expect_same got2.bin f2.bin
expect_same got3.bin f3.bin
expect_same gap.bin ff-4k.bin
end

begin "$chip: a file past this board's 4 MiB flash is refused after connecting"
cli "${F[@]}" write_flash 0x3FF000 f1.bin
expect_rc 1
expect_stderr "sparkflash-cli: error: "
expect_stderr "f1.bin"
expect_no_stdout "Wrote"
end

begin "$chip: the simulator's flash holds the files"
stop_sim
expect_flash_file "$tmp/flash.bin" 0x1000 f1.bin
expect_flash_file "$tmp/flash.bin" 0x8000 f2.bin
expect_flash_file "$tmp/flash.bin" 0x20000 f3.bin
[ "$(stat -c %s "$tmp/flash.bin")" -eq $((4 * MIB)) ] || problem "flash file is not 4 MiB"
end

finish_tap
