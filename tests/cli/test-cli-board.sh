#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What sparkflash-cli knows of a board before writing to it: its partition
# table (partition_table, --partition for read_flash, erase_region and
# write_flash), backups before a write (write_flash --backup) and restoring
# them, and every check before writing, each refused without a terminal
# and let through by --force.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
srcdir=$(cd "$(dirname "$0")" && pwd)
cd "$tmp" || bail_out "cannot enter $tmp"
N=(--before no_reset --after no_reset)

python3 "$srcdir/make-board-files.py" "$tmp" || bail_out "cannot make the board files"
random_file nvs-data.bin 24576
random_file old.bin 1048576

# put FLASH OFFSET FILE: writes FILE into a (stopped) simulator's flash file.
put () {
  dd if="$3" of="$1" bs=4096 seek=$(($2 / 4096)) conv=notrunc status=none
}

# slice FILE OFFSET SIZE OUT
slice () {
  dd if="$1" of="$4" bs=1 skip=$(($2)) count=$(($3)) iflag=skip_bytes,count_bytes status=none
}

# A board that holds a table at 0x8000, otadata saying app1 boots, and
# settings in nvs.
ff_file flash.bin $((4 * 1048576))
put flash.bin 0x8000 table.bin
put flash.bin 0x9000 nvs-data.bin
put flash.bin 0xF000 otadata-ota1.bin
put flash.bin 0x120000 old.bin

# ---- partition_table FILE: no board --------------------------------------

begin "partition_table table.bin prints every partition"
cli partition_table table.bin
expect_rc 0
for name in nvs otadata phy_init app0 app1; do expect_stdout "$name"; done
expect_stdout "0x00120000"
end

begin "partition_table table.csv gives the same partitions, app1 placed after app0"
cli partition_table table.csv
expect_rc 0
expect_stdout "0x00120000"
cli partition_table table.bin
sed 's/[[:space:]]\+/ /g' "$tmp/stdout" >bin.txt
cli partition_table table.csv
sed 's/[[:space:]]\+/ /g' "$tmp/stdout" >csv.txt
expect_same bin.txt csv.txt
end

begin "partition_table of a file that is no table says so"
cli partition_table raw.bin
expect_rc 1
expect_stderr "raw.bin"
end

# ---- the board's table and partitions by name ---------------------------

start_sim esp32 "$tmp/flash.bin" || bail_out "the esp32 simulator did not start"
P=$port

begin "partition_table reads the board's table and marks the app otadata boots"
cli -p "$P" "${N[@]}" partition_table
expect_rc 0
for name in nvs otadata phy_init app0 app1; do expect_stdout "$name"; done
grep -E "app1.*active|active.*app1" "$tmp/stdout" >/dev/null || problem "app1 is not marked active"
end

begin "read_flash --partition nvs reads exactly that partition"
cli -p "$P" "${N[@]}" read_flash --partition nvs nvs-out.bin
expect_rc 0
expect_same nvs-out.bin nvs-data.bin
end

begin "read_flash --partition of a name the table lacks lists the names there are"
cli -p "$P" "${N[@]}" read_flash --partition wifi x.bin
expect_rc 1
expect_stderr "wifi"
expect_stderr "nvs, otadata, phy_init, app0, app1"
[ ! -e x.bin ] || problem "x.bin was created"
end

begin "erase_region --partition nvs erases it and nothing else"
cli -p "$P" "${N[@]}" erase_region --partition nvs
expect_rc 0
cli -p "$P" "${N[@]}" read_flash 0x8000 0x9000 after.bin
slice after.bin 0 3072 table-after.bin
slice table.bin 0 3072 table-before.bin
expect_same table-after.bin table-before.bin
ff_file ff-nvs.bin 24576
slice after.bin 0x1000 24576 nvs-after.bin
expect_same nvs-after.bin ff-nvs.bin
end

begin "write_flash --partition app0 puts the app at the partition's offset"
cli -p "$P" "${N[@]}" write_flash --partition app0 esp32-app.bin
expect_rc 0
cli -p "$P" "${N[@]}" read_flash 0x20000 "$(stat -c %s esp32-app.bin)" app-back.bin
expect_same app-back.bin esp32-app.bin
end

# ---- backup before writing, and restore ---------------------------------

begin "write_flash --backup saves what is overwritten first, verified"
mkdir -p backups
cli -p "$P" "${N[@]}" write_flash --backup backups 0x120000 esp32-app.bin
expect_rc 0
expect_stdout "verified by MD5"
# The checks' read of the partition table is no bar of the write's.
expect_no_stdout "3072/3072 bytes"
backup=$(ls backups/sparkflash-backup-esp32-240ac4123456-*-0x120000.bin 2>/dev/null | head -n 1)
[ -n "$backup" ] || problem "no backup named sparkflash-backup-esp32-<mac>-<time>-0x120000.bin in backups/"
if [ -n "$backup" ]; then
  slice old.bin 0 "$(stat -c %s "$backup")" old-head.bin
  expect_same "$backup" old-head.bin
fi
end

begin "writing the backup back at its address restores the old bytes"
cli -p "$P" "${N[@]}" write_flash 0x120000 "$backup"
expect_rc 0
cli -p "$P" "${N[@]}" read_flash 0x120000 "$(stat -c %s "$backup")" restored.bin
expect_same restored.bin "$backup"
end

begin "write_flash --backup into a missing folder is refused before the port is opened"
cli -p "$P" "${N[@]}" write_flash --backup no-such-dir 0x120000 esp32-app.bin
expect_usage_error "no-such-dir"
end

# ---- every check before writing: refused, then --force -------------------

# check NAME EXPECTED-TEXT ARGS...: refused without --force (nothing
# written), written with it.
check () {
  local name=$1 text=$2
  shift 2
  begin "$name: refused with the reason, nothing written"
  cli -p "$P" "${N[@]}" write_flash "$@"
  expect_rc 1
  expect_stderr "Nothing was written"
  expect_stderr "$text"
  expect_stderr "--force"
  expect_no_stdout "Wrote "
  end
  begin "$name: written with --force"
  cli -p "$P" "${N[@]}" write_flash --force "$@"
  expect_rc 0
  expect_stdout "Hash of data verified."
  end
}

check "an ESP32-C3 image on an ESP32" "for an ESP32-C3" 0x20000 esp32c3-app.bin
check "an image needing chip revision v4.0" "revision v4.0" 0x20000 esp32-app-rev4.bin
check "an app larger than its partition" "larger than the partition" 0x20000 esp32-app-big.bin
check "raw data over the bootloader" "bootloader" 0x1000 raw.bin
check "raw data over the partition table" "partition table" 0x8000 raw.bin
check "data of unknown content at 0x0" "0x0" 0x0 raw.bin

begin "a bootloader, table and app where they belong raise no concern"
cli -p "$P" "${N[@]}" write_flash 0x1000 esp32-boot.bin 0x8000 table.bin 0x20000 esp32-app.bin
expect_rc 0
expect_no_stdout "Nothing was written"
end
stop_sim

start_sim esp32 "$tmp/secure.bin" --secure-boot --flash-encryption || bail_out "no secure esp32 simulator"
P=$port
check "secure boot and flash encryption" "Secure boot is on" 0x20000 esp32-app.bin
stop_sim

start_sim esp32c6 "$tmp/secure-c6.bin" --flash-encryption || bail_out "no esp32c6 simulator"
P=$port
check "flash encryption told by GET_SECURITY_INFO" "Flash encryption is on" 0x20000 raw.bin
stop_sim

start_sim esp8285 "$tmp/esp8285.bin" --flash-size 1MB || bail_out "no esp8285 simulator"
P=$port
begin "an ESP8285 is told apart, with its embedded flash"
cli -p "$P" "${N[@]}" chip_id
expect_rc 0
expect_stdout "ESP8285N08"
end
check "a QIO image on an ESP8285" "DOUT" 0x0 esp8266-app-qio.bin
begin "the same image with --flash_mode dout raises no concern"
cli -p "$P" "${N[@]}" write_flash --flash_mode dout 0x0 esp8266-app-qio.bin
expect_rc 0
end
stop_sim

finish_tap
