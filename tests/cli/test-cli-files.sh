#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sparkflash-cli and the user's files: firmware that is not a regular file
# (a FIFO, a device, a folder) is refused at once instead of hanging; a read
# into a write-protected file, a symbolic link, a read-only folder or a full
# disk does what the user would expect; a read killed outright leaves no
# temporary file; and SIGTERM or Ctrl+C ends a run promptly, saying what
# state the board was left in.

. "$(dirname "$0")/cli-tap.sh"

unset ESPTOOL_PORT
cd "$tmp" || bail_out "cannot enter $tmp"
P=(--port /dev/ttyNOPE)
N=(--before no_reset --after no_reset)

MIB=1048576
random_file app.bin 4096

# elapsed_ms START_NS: milliseconds since START_NS (from date +%s%N).
elapsed_ms () {
  echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# ---- firmware that is not a file ------------------------------------------------

mkfifo fw.fifo || bail_out "cannot make a FIFO"
mkdir -p build

# expect_refused_fast NAME WORDS: the CLI said it at once (the cli helper's
# 200 s cap would be a hang).
expect_refused_fast () {
  local ms
  ms=$(elapsed_ms "$start")
  expect_usage_error "$1"
  expect_stderr "$2"
  within "$ms" 2999 || problem "took $ms ms to refuse"
}

begin "write_flash of a FIFO is refused at once, naming it"
start=$(date +%s%N)
cli "${P[@]}" write_flash 0x10000 fw.fifo
expect_refused_fast fw.fifo "named pipe"
end

begin "verify_flash of a FIFO is refused at once"
start=$(date +%s%N)
cli "${P[@]}" verify_flash 0x1000 app.bin 0x10000 fw.fifo
expect_refused_fast fw.fifo "named pipe"
end

begin "image_info of a FIFO is refused at once"
start=$(date +%s%N)
cli image_info fw.fifo
expect_refused_fast fw.fifo "named pipe"
end

begin "write_flash of /dev/null (a device) is refused at once"
start=$(date +%s%N)
cli "${P[@]}" write_flash 0x10000 /dev/null
expect_refused_fast /dev/null "is a device"
end

begin "write_flash of /dev/zero, which never ends, is refused at once"
start=$(date +%s%N)
cli "${P[@]}" write_flash 0x10000 /dev/zero
expect_refused_fast /dev/zero "is a device"
end

begin "verify_flash of a folder is refused, naming it"
start=$(date +%s%N)
cli "${P[@]}" verify_flash 0x10000 build
expect_refused_fast build "folder"
end

begin "write_flash through a symbolic link to a FIFO is refused at once"
ln -s fw.fifo latest.bin
start=$(date +%s%N)
cli "${P[@]}" write_flash 0x10000 latest.bin
expect_refused_fast latest.bin "named pipe"
end

# ---- read_flash's output file, before the port -----------------------------------

begin "read_flash into a write-protected file is refused and leaves it alone"
printf 'the backup from yesterday\n' >protected.bin
chmod 0444 protected.bin
cp protected.bin protected-before.bin
cli "${P[@]}" read_flash 0 0x1000 protected.bin
expect_usage_error "protected.bin"
expect_stderr "write-protected"
expect_stderr "--force"
expect_same protected.bin protected-before.bin
[ "$(stat -c %a protected.bin)" = 444 ] || problem "mode changed to $(stat -c %a protected.bin)"
end

begin "read_flash into a folder's file when the folder is read-only"
mkdir -p locked
chmod 0555 locked
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null; then
    chmod 0755 "$tmp"
    last_command="(as nobody) sparkflash-cli read_flash 0 0x1000 locked/dump.bin"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
      "$SPARKFLASH_CLI" "${P[@]}" read_flash 0 0x1000 locked/dump.bin \
      >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
    rc=$?
    chmod 0700 "$tmp"
  else
    rc=127
  fi
else
  cli "${P[@]}" read_flash 0 0x1000 locked/dump.bin
fi
if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
  skip "read_flash into a folder's file when the folder is read-only" "cannot drop root to test"
else
  expect_usage_error "locked"
  expect_stderr "may not create files"
  [ ! -e locked/dump.bin ] || problem "locked/dump.bin was created"
  end
fi
chmod 0755 locked

# A file system too small for the read, without root: a tmpfs of 1 MiB in a
# mount namespace of our own.
small_fs () {
  unshare -rm sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"' sh "$@"
}
mkdir -p small
if small_fs small true 2>/dev/null; then
  begin "read_flash of 2 MiB into a 1 MiB file system is refused before the port is opened"
  last_command="(1 MiB tmpfs on small/) sparkflash-cli read_flash 0 0x200000 small/dump.bin"
  small_fs small "$SPARKFLASH_CLI" "${P[@]}" read_flash 0 0x200000 small/dump.bin \
    >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
  expect_usage_error "small"
  expect_stderr "not enough space"
  expect_stderr "need 2 MiB"
  expect_stderr "is free"
  end
else
  skip "read_flash of 2 MiB into a 1 MiB file system is refused before the port is opened" \
    "cannot mount a tmpfs in a user namespace here"
fi

# ---- read_flash's output file, against the simulator ------------------------------

start_sim esp32 "$tmp/flash.bin" || bail_out "the esp32 simulator did not start"
S=(--port "$port" "${N[@]}")
random_file rand64k.bin 65536
cli "${S[@]}" write_flash 0x10000 rand64k.bin
[ "$rc" -eq 0 ] || bail_out "could not write the test data: $(cat "$tmp/stderr")"

begin "read_flash --force replaces a write-protected file, which stays write-protected"
cli "${S[@]}" read_flash --force 0x10000 0x10000 protected.bin
expect_rc 0
expect_same protected.bin rand64k.bin
[ "$(stat -c %a protected.bin)" = 444 ] || problem "mode is $(stat -c %a protected.bin), not 444"
end

begin "read_flash into a symbolic link writes its target and keeps the link"
mkdir -p dumps
printf 'old\n' >dumps/today.bin
ln -s dumps/today.bin current.bin
cli "${S[@]}" read_flash 0x10000 0x10000 current.bin
expect_rc 0
[ -L current.bin ] || problem "current.bin is no longer a symbolic link"
[ "$(readlink current.bin)" = dumps/today.bin ] ||
  problem "current.bin now points at $(readlink current.bin)"
expect_same dumps/today.bin rand64k.bin
[ "$(ls -A dumps)" = today.bin ] || problem "left in dumps/: $(ls -A dumps | tr '\n' ' ')"
end

begin "read_flash into a dangling symbolic link creates its target"
ln -s dumps/new.bin pending.bin
cli "${S[@]}" read_flash 0x10000 0x10000 pending.bin
expect_rc 0
[ -L pending.bin ] || problem "pending.bin is no longer a symbolic link"
expect_same dumps/new.bin rand64k.bin
end

if small_fs small true 2>/dev/null; then
  begin "read_flash ALL into a 1 MiB file system stops before reading, naming the folder"
  last_command="(1 MiB tmpfs on small/) sparkflash-cli read_flash 0 ALL small/dump.bin"
  small_fs small "$SPARKFLASH_CLI" "${S[@]}" read_flash 0 ALL small/dump.bin \
    >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
  expect_rc 1
  expect_stderr "not enough space in folder “small”"
  expect_stderr "need 4 MiB"
  expect_no_stdout "Reading at"
  expect_no_stdout "Read 4194304 bytes"
  end
else
  skip "read_flash ALL into a 1 MiB file system stops before reading, naming the folder" \
    "cannot mount a tmpfs in a user namespace here"
fi

begin "a temporary file a killed run left behind is removed by the next run"
mkdir -p leftovers
printf 'left\n' >leftovers/.dump.bin.sparkflash-AbC123
touch -d '10 minutes ago' leftovers/.dump.bin.sparkflash-AbC123
printf 'young\n' >leftovers/.dump.bin.sparkflash-Young1
printf 'mine\n' >leftovers/notes.sparkflash-AbC123
touch -d '10 minutes ago' leftovers/notes.sparkflash-AbC123
cli "${S[@]}" read_flash 0x10000 0x1000 leftovers/dump.bin
expect_rc 0
expected_left=".dump.bin.sparkflash-Young1 dump.bin notes.sparkflash-AbC123 "
[ "$(ls -A leftovers | tr '\n' ' ')" = "$expected_left" ] ||
  problem "left in leftovers/: $(ls -A leftovers | tr '\n' ' ')"
end
stop_sim

# ---- killed and interrupted runs (a board paced at its baud rate) -------------------

# A flash full of data, so reads take the time the paced line needs:
# erased flash is known by its checksum and not sent.
head -c 4194304 /dev/urandom >"$tmp/slow.bin"
start_sim esp32 "$tmp/slow.bin" --emulate-baud || bail_out "the paced simulator did not start"
S=(--port "$port" "${N[@]}" --baud 115200)

# run_bg ARGS...: sparkflash-cli in the background; sets $cli_pid.
run_bg () {
  last_command="sparkflash-cli $*"
  "$SPARKFLASH_CLI" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null &
  cli_pid=$!
}

# wait_for_stdout TEXT: until the running CLI prints TEXT (15 s at most).
wait_for_stdout () {
  local i
  for i in $(seq 150); do
    grep -q -- "$1" "$tmp/stdout" && return 0
    kill -0 "$cli_pid" 2>/dev/null || break
    sleep 0.1
  done
  problem "no '$1' within 15 s"
  return 1
}

# stop_cli SIGNAL: sends it, waits at most 10 s; sets $rc and $stop_ms.
# The shell's own stderr is muted meanwhile: bash reports a job killed by
# a signal there, whenever it notices.
stop_cli () {
  local start i
  exec 3>&2 2>/dev/null
  start=$(date +%s%N)
  kill -"$1" "$cli_pid"
  for i in $(seq 100); do
    kill -0 "$cli_pid" || break
    sleep 0.1
  done
  stop_ms=$(elapsed_ms "$start")
  if kill -0 "$cli_pid"; then
    problem "still running 10 s after SIG$1"
    kill -KILL "$cli_pid"
  fi
  wait "$cli_pid"
  rc=$?
  exec 2>&3 3>&-
}

begin "SIGKILL during read_flash leaves no temporary file and the old file as it was"
mkdir -p keep
printf 'the backup from yesterday\n' >keep/backup.bin
cp keep/backup.bin backup-before.bin
run_bg "${S[@]}" read_flash 0 0x100000 keep/backup.bin
if wait_for_stdout '^Reading at'; then
  sleep 0.3
  stop_cli KILL
  expect_same keep/backup.bin backup-before.bin
  [ "$(ls -A keep)" = backup.bin ] || problem "left in keep/: $(ls -A keep | tr '\n' ' ')"
else
  kill -KILL "$cli_pid" 2>/dev/null
  wait "$cli_pid" 2>/dev/null
fi
end

# A new run on the same board: the killed one left its stub mid-read.
stop_sim
start_sim esp32 "$tmp/slow.bin" --emulate-baud || bail_out "the paced simulator did not restart"
S=(--port "$port" "${N[@]}" --baud 115200)

begin "SIGTERM during write_flash ends within 2 s, naming the region partly written"
random_file big.bin $MIB
run_bg "${S[@]}" --no-stub write_flash -u 0x10000 big.bin
if wait_for_stdout '^Writing at'; then
  stop_cli TERM
  expect_rc 143
  within "$stop_ms" 2500 || problem "took $stop_ms ms to end after SIGTERM"
  expect_stderr "Interrupted."
  expect_stderr "0x00010000 (big.bin) is now partly written"
  expect_stderr "write_flash again"
  expect_no_stdout "Hash of data verified"
else
  kill -KILL "$cli_pid" 2>/dev/null
  wait "$cli_pid" 2>/dev/null
fi
end

begin "SIGTERM during read_flash ends within 2 s: the file was left as it was"
run_bg "${S[@]}" --no-stub read_flash 0 0x100000 keep/backup.bin
if wait_for_stdout '^Reading at'; then
  stop_cli TERM
  expect_rc 143
  within "$stop_ms" 2500 || problem "took $stop_ms ms to end after SIGTERM"
  expect_stderr "flash was not changed, and “keep/backup.bin” was left as it was"
  expect_same keep/backup.bin backup-before.bin
  [ "$(ls -A keep)" = backup.bin ] || problem "left in keep/: $(ls -A keep | tr '\n' ' ')"
else
  kill -KILL "$cli_pid" 2>/dev/null
  wait "$cli_pid" 2>/dev/null
fi
end
stop_sim

start_silent || bail_out "silent-pty did not start"

begin "Ctrl+C while waiting for a board that never answers: out within 2 s, board not changed"
run_bg --port "$silent_port" write_flash 0x10000 app.bin
if wait_for_stdout 'Connecting'; then
  sleep 0.5
  stop_cli INT
  expect_rc 130
  within "$stop_ms" 2500 || problem "took $stop_ms ms to end after SIGINT"
  expect_stderr "Interrupted."
  expect_stderr "The board's flash was not changed."
else
  kill -KILL "$cli_pid" 2>/dev/null
  wait "$cli_pid" 2>/dev/null
fi
end

finish_tap
