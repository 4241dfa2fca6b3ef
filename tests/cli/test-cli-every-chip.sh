#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every operation on every simulated chip, through the flasher stub (the
# default) and through the ROM loader alone (--no-stub): write, verify,
# read back, erase a region, erase the whole chip. Small files keep it
# quick; test-cli-sim.sh goes deeper on four of the chips.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"

compressible_file app.bin 70000
random_file data.bin 12000
ff_file ff-8k.bin 8192
ff_file ff-64k.bin 65536

# slice FILE OFFSET SIZE OUT
slice () {
  dd if="$1" of="$4" bs=1 skip=$(($2)) count=$(($3)) iflag=skip_bytes,count_bytes status=none
}

for chip in esp8266 esp32 esp32s2 esp32s3 esp32c2 esp32c3 esp32c6 esp32h2; do
  rm -f "flash-$chip.bin"
  start_sim "$chip" "$tmp/flash-$chip.bin" || bail_out "the $chip simulator did not start"
  F=(--port "$port" --before no_reset --after no_reset)

  for loader in stub rom; do
    L=()
    [ "$loader" = rom ] && L=(--no-stub)
    if [ "$loader" = rom ]; then
      # The stub the commands above left running goes with a reset.
      stop_sim
      start_sim "$chip" "$tmp/flash-$chip.bin" || bail_out "the $chip simulator did not restart"
      F=(--port "$port" --before no_reset --after no_reset)
    fi
    base=0x100000
    [ "$loader" = rom ] && base=0x200000

    begin "$chip, $loader: write_flash, verify_flash, read_flash"
    cli "${F[@]}" "${L[@]}" write_flash $base app.bin $((base + 0x20000)) data.bin
    expect_rc 0
    expect_stdout "Hash of data verified."
    if [ "$loader" = stub ]; then
      grep -qE "^(Stub running|A flasher stub is already running)" "$tmp/stdout" || problem "not through the stub"
    else
      expect_no_stdout "Stub running"
    fi
    cli "${F[@]}" "${L[@]}" verify_flash $base app.bin $((base + 0x20000)) data.bin
    expect_rc 0
    cli "${F[@]}" "${L[@]}" read_flash $base 70000 back.bin
    expect_rc 0
    expect_same back.bin app.bin
    end

    begin "$chip, $loader: erase_region erases exactly the region"
    cli "${F[@]}" "${L[@]}" erase_region $((base + 0x20000)) 0x2000
    expect_rc 0
    cli "${F[@]}" "${L[@]}" read_flash $((base + 0x20000)) 0x3000 back.bin
    expect_rc 0
    slice back.bin 0 0x2000 erased.bin
    slice back.bin 0x2000 $((12000 - 0x2000)) kept.bin
    slice data.bin 0x2000 $((12000 - 0x2000)) expected-kept.bin
    expect_same erased.bin ff-8k.bin
    expect_same kept.bin expected-kept.bin
    end
  done

  begin "$chip: erase_flash erases everything"
  cli "${F[@]}" erase_flash
  expect_rc 0
  cli "${F[@]}" read_flash $((0x100000)) 0x10000 back.bin
  expect_rc 0
  expect_same back.bin ff-64k.bin
  end
  stop_sim
done

finish_tap
