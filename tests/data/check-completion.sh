#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Loads the bash completion for sparkflash-cli into a fresh bash, the way
# bash-completion does (with its helpers when installed, else on its own),
# and checks what it offers for a few command lines, and that it knows every
# command "sparkflash-cli --help" lists.
#   check-completion.sh COMPLETION_SCRIPT SPARKFLASH_CLI
set -uo pipefail
script=${1:?usage: check-completion.sh COMPLETION_SCRIPT SPARKFLASH_CLI}
cli=${2:?usage: check-completion.sh COMPLETION_SCRIPT SPARKFLASH_CLI}

n=0
fail=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $*"; echo "FAILED: $*" >&2; fail=1; }

# Prints the candidates, one a line, for the command line "$@" (the last
# word is the one being completed), using bash-completion's helpers if
# $1 is "full", or the script alone if it is "alone".
complete_line () {
  local mode=$1; shift
  bash --norc --noprofile -c '
    mode=$1 script=$2; shift 2
    if [ "$mode" = full ]; then
      . /usr/share/bash-completion/bash_completion || exit 3
    fi
    . "$script" || exit 3
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    # As typed: bash splits "--chip=e" into "--chip", "=", "e".
    COMP_LINE=$(printf "%s\n" "$*" | sed -e "s/ = /=/g" -e "s/ =\$/=/")
    COMP_POINT=${#COMP_LINE}
    _sparkflash_cli sparkflash-cli "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 4
    printf "%s\n" "${COMPREPLY[@]}"
  ' check-completion "$mode" "$script" "$@" 2>&1
}

# expect MODE "DESCRIPTION" "CANDIDATES (space-separated, sorted)" WORD...
expect () {
  local mode=$1 what=$2 want=$3; shift 3
  local got
  got=$(complete_line "$mode" "$@" | sort | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$want" ]; then
    ok "$mode: $what"
  else
    not_ok "$mode: $what: wanted '$want', got '$got'"
  fi
}

modes=alone
if [ -f /usr/share/bash-completion/bash_completion ]; then
  modes="alone full"
else
  echo "# bash-completion is not installed: the script is checked on its own only"
fi

if bash --norc --noprofile -n "$script"; then
  ok "the script parses"
else
  not_ok "the script parses"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/app.bin" "$tmp/boot.bin"

for mode in $modes; do
  expect "$mode" "sparkflash-cli wri" "write-flash write_flash" sparkflash-cli wri
  expect "$mode" "--chip e" "esp32 esp32c2 esp32c3 esp32c6 esp32h2 esp32s2 esp32s3 esp8266" \
    sparkflash-cli --chip e
  expect "$mode" "-c esp32s after the command" "esp32s2 esp32s3" sparkflash-cli chip_id -c esp32s
  expect "$mode" "--before no" "no_reset no_reset_no_sync" sparkflash-cli --before no
  expect "$mode" "write_flash --no-" "--no-compress --no-progress --no-reset --no-skip --no-stub --no-verify" \
    sparkflash-cli -p /dev/null write_flash --no-
  expect "$mode" "read-flash --f" "--flash-size --force" sparkflash-cli read-flash --f
  expect "$mode" "monitor --" "--after --baud --before --chip --help --monitor-baud --no-reset --no-stub --port --version" \
    sparkflash-cli -p /dev/null monitor --
  expect "$mode" "--monitor-baud 74" "74880" sparkflash-cli monitor --monitor-baud 74
  expect "$mode" "a file after write_flash's address" "$tmp/app.bin" \
    sparkflash-cli write_flash 0x10000 "$tmp/a"
  expect "$mode" "no file for write_flash's address" "" \
    sparkflash-cli write_flash 0x10000 "$tmp/app.bin" "$tmp/a"
  expect "$mode" "--flash_mode d" "dio dout" sparkflash-cli write_flash --flash_mode d
  expect "$mode" "--chip=e" "esp32 esp32c2 esp32c3 esp32c6 esp32h2 esp32s2 esp32s3 esp8266" \
    sparkflash-cli --chip = e
  expect "$mode" "--after=" "hard_reset no_reset no_reset_stub soft_reset" sparkflash-cli --after =
  expect "$mode" "a file after --port=PORT write_flash ADDRESS" "$tmp/app.bin" \
    sparkflash-cli --port = /dev/null write_flash 0x10000 "$tmp/a"
done

# Every command the program lists is completed, in both spellings.
commands=$("$cli" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z_]*\) .*/\1/p')
if [ -z "$commands" ]; then
  not_ok "sparkflash-cli --help lists commands"
fi
offered=" $(complete_line alone sparkflash-cli '' | tr '\n' ' ') "
for command in $commands; do
  dashed=${command//_/-}
  if [[ $offered == *" $command "* && $offered == *" $dashed "* ]]; then
    ok "completes $command and $dashed"
  else
    not_ok "completes $command and $dashed"
  fi
done

# ... and every long option each command's help lists, after that command.
for command in $commands; do
  offered=" $(complete_line alone sparkflash-cli "$command" -- | tr '\n' ' ') "
  missing=""
  for option in $("$cli" "$command" --help | grep -o -- '--[a-z][a-z_-]*' | tr _ - | sort -u); do
    [[ $offered == *" $option "* ]] || missing+=" $option"
  done
  if [ -z "$missing" ]; then
    ok "completes the options of $command"
  else
    not_ok "completes the options of $command: missing$missing"
  fi
done

echo "1..$n"
exit $fail
