#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli's command line: every bad input is refused with one clear
# message before any port is touched. No simulator needed: the port given is
# one that does not exist, so a message about it means the check came too late.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"
P=(--port /dev/ttyNOPE)

random_file app.bin 4096
random_file a.bin 8192
random_file b.bin 4096
: >empty.bin

# ---- files ----------------------------------------------------------------

begin "write_flash with a missing file"
cli "${P[@]}" write_flash 0x10000 nope.bin
expect_usage_error "nope.bin"
expect_stderr "does not exist"
expect_stderr "0x00010000"
end

begin "write_flash with a missing second file names that file"
cli "${P[@]}" write_flash 0x1000 app.bin 0x10000 missing/app.bin
expect_usage_error "missing/app.bin"
expect_stderr "does not exist"
end

begin "write_flash with an empty file"
cli "${P[@]}" write_flash 0x10000 empty.bin
expect_usage_error "empty.bin"
expect_stderr "is empty"
end

begin "write_flash with a folder instead of a file"
mkdir -p somedir
cli "${P[@]}" write_flash 0x10000 somedir
expect_usage_error "somedir"
expect_stderr "folder"
end

begin "verify_flash with a missing file"
cli "${P[@]}" verify_flash 0x10000 nope.bin
expect_usage_error "nope.bin"
end

begin "image_info with a missing file"
cli image_info nope.bin
expect_usage_error "nope.bin"
end

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  begin "write_flash with an unreadable file"
  random_file secret.bin 4096
  chmod 600 secret.bin
  chmod 755 "$tmp"
  last_command="(as nobody) sparkflash-cli write_flash 0x10000 secret.bin"
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$SPARKFLASH_CLI" "${P[@]}" write_flash 0x10000 secret.bin >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
    skip "write_flash with an unreadable file" "nobody cannot run $SPARKFLASH_CLI"
  else
    expect_usage_error "secret.bin"
    expect_stderr "cannot read"
    expect_stderr "Permission denied"
    end
  fi
else
  skip "write_flash with an unreadable file" "needs root and setpriv"
fi

# ---- numbers --------------------------------------------------------------

begin "write_flash with an address that is not a number"
cli "${P[@]}" write_flash 0x10zz app.bin
expect_usage_error "0x10zz"
end

begin "write_flash with ADDRESS and FILE swapped"
cli "${P[@]}" write_flash app.bin 0x10000
expect_usage_error "app.bin"
expect_stderr "comes before its file"
end

begin "write_flash with an address and no file"
cli "${P[@]}" write_flash 0x1000
expect_usage_error "0x1000"
expect_stderr "has no file after it"
end

begin "write_flash with no arguments"
cli "${P[@]}" write_flash
expect_usage_error "write_flash"
expect_stderr "ADDRESS FILE"
end

begin "read_flash with a size that is not a number"
cli "${P[@]}" read_flash 0 banana out.bin
expect_usage_error "banana"
end

begin "read_flash with a size of 0"
cli "${P[@]}" read_flash 0 0 out.bin
expect_usage_error "size is 0"
end

begin "read_flash with too few arguments"
cli "${P[@]}" read_flash 0 0x1000
expect_usage_error "read_flash needs 3 arguments"
end

begin "erase_region with an unaligned address"
cli "${P[@]}" erase_region 0x10001 0x1000
expect_usage_error "0x00010001"
expect_stderr "4096"
end

begin "erase_region with an unaligned size"
cli "${P[@]}" erase_region 0x10000 100
expect_usage_error "0x64"
end

begin "a baud rate that is not a number"
cli "${P[@]}" --baud fast read_mac
expect_usage_error "fast"
end

begin "a baud rate of 0"
cli "${P[@]}" -b 0 read_mac
expect_usage_error "“0”"
end

begin "a negative baud rate"
cli "${P[@]}" --baud=-115200 read_mac
expect_usage_error "-115200"
end

# ---- flash bounds and overlaps --------------------------------------------

begin "read_flash past the end of a 16MB flash"
cli "${P[@]}" --flash_size 16MB read_flash 0xFFF000 0x2000 out.bin
expect_usage_error "past the end"
expect_stderr "0x00fff000"
end

begin "read_flash past the end of the largest flash without --flash_size"
cli "${P[@]}" read_flash 0xFFF000 0x2000 out.bin
expect_usage_error "past the end"
expect_stderr "--flash_size"
end

begin "read_flash starting past a given --flash_size"
cli "${P[@]}" read_flash --flash-size 4MB 0x400000 ALL out.bin
expect_usage_error "past the end"
end

begin "write_flash of a file running past the end of the flash"
cli "${P[@]}" write_flash 0xFFFF00 app.bin
expect_usage_error "write_flash: "
expect_stderr "app.bin"
end

begin "write_flash past a --flash_size given with -fs"
cli "${P[@]}" write_flash -fs 1MB 0xFF000 a.bin
expect_usage_error "write_flash: "
expect_stderr "a.bin"
end

begin "write_flash with overlapping files"
cli "${P[@]}" write_flash 0x10000 a.bin 0x11000 b.bin
expect_usage_error "write_flash: "
expect_stderr "a.bin"
expect_stderr "b.bin"
end

# ---- names ------------------------------------------------------------------

begin "an unknown chip lists the known ones"
cli "${P[@]}" --chip esp99 read_mac
expect_usage_error "esp99"
expect_stderr "esp8266"
expect_stderr "esp32c3"
end

begin "an unknown command suggests the closest"
cli "${P[@]}" wirte_flash 0x10000 app.bin
expect_usage_error "wirte_flash"
expect_stderr "write_flash"
end

begin "an unknown --before method"
cli "${P[@]}" --before reset_please read_mac
expect_usage_error "reset_please"
expect_stderr "no_reset"
end

begin "an unknown --after method"
cli "${P[@]}" --after explode read_mac
expect_usage_error "explode"
expect_stderr "hard_reset"
end

begin "an unknown option suggests the closest"
cli "${P[@]}" write_flash --flash_mdoe dio 0 app.bin
expect_usage_error "--flash_mdoe"
expect_stderr "--flash-mode"
end

begin "an unknown flash mode"
cli "${P[@]}" write_flash -fm fast 0 app.bin
expect_usage_error "fast"
expect_stderr "dio"
end

begin "an option that does not apply to the command"
cli "${P[@]}" read_mac -z
expect_usage_error "does not apply to read_mac"
end

begin "an option without its value"
cli read_mac --port
expect_usage_error "--port"
end

begin "-z and -u together"
cli "${P[@]}" write_flash -z -u 0x10000 app.bin
expect_usage_error "cannot be used together"
end

begin "-z with --no-stub on the ESP8266, whose ROM cannot decompress"
cli "${P[@]}" --chip esp8266 --no-stub write_flash -z 0x10000 app.bin
expect_usage_error "ESP8266"
expect_stderr "-z"
expect_stderr "--no-stub"
end

begin "no command"
cli "${P[@]}"
expect_usage_error "No command"
end

begin "a command that takes no arguments given one"
cli "${P[@]}" erase_flash now
expect_usage_error "“now”"
end

# ---- read_flash's destination ---------------------------------------------

begin "read_flash into a folder that does not exist"
cli "${P[@]}" read_flash 0 0x1000 no/such/dir/out.bin
expect_usage_error "no/such/dir"
expect_stderr "does not exist"
end

begin "read_flash onto a folder"
cli "${P[@]}" read_flash 0 0x1000 somedir
expect_usage_error "somedir"
end

# ---- the port ---------------------------------------------------------------

begin "no port and no ESPTOOL_PORT"
cli read_mac
expect_usage_error "No port given"
expect_stderr "--port"
end

begin "a port that does not exist is reported from opening it"
cli --port /dev/ttyNOPE read_mac
expect_rc 1
expect_stderr "sparkflash-cli: error: "
expect_stderr "/dev/ttyNOPE"
expect_stdout "Serial port /dev/ttyNOPE"
expect_no_stdout "Connecting"
end

begin "--port after the command"
cli erase_flash --port /dev/ttyNOPE
expect_rc 1
expect_stderr "/dev/ttyNOPE"
end

begin "--port=PORT and -pPORT spellings"
cli erase-flash --port=/dev/ttyNOPE
expect_rc 1
expect_stderr "/dev/ttyNOPE"
cli -p/dev/ttyNOPE2 erase_flash
expect_rc 1
expect_stderr "/dev/ttyNOPE2"
end

begin "ESPTOOL_PORT is used when --port is missing"
last_command="ESPTOOL_PORT=/dev/ttyNOPE3 sparkflash-cli read_mac"
ESPTOOL_PORT=/dev/ttyNOPE3 "$SPARKFLASH_CLI" read_mac >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
expect_rc 1
expect_stderr "/dev/ttyNOPE3"
end

# ---- help and version ---------------------------------------------------------

begin "--help lists the commands"
cli --help
expect_rc 0
for c in chip_id read_mac flash_id write_flash read_flash verify_flash erase_flash erase_region image_info version; do
  expect_stdout "$c"
done
expect_stdout "--port"
end

begin "write_flash --help shows its options"
cli write_flash --help
expect_rc 0
expect_stdout "ADDRESS FILE"
expect_stdout "--compress"
expect_stdout "-fm, --flash-mode"
end

begin "-h after a dashed command name"
cli read-flash -h
expect_rc 0
expect_stdout "ADDRESS SIZE FILE"
expect_stdout "ALL"
end

begin "version"
cli version
expect_rc 0
expect_stdout "sparkflash-cli "
cli --version
expect_rc 0
expect_stdout "sparkflash-cli "
end

# ---- image_info ---------------------------------------------------------------

begin "image_info on raw data needs no port"
cli image_info app.bin
expect_rc 0
[ -s "$tmp/stdout" ] || problem "no output"
expect_no_stdout "Serial port"
end

finish_tap
