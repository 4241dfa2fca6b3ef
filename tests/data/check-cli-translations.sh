#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs sparkflash-cli in each language of po/LINGUAS, with the catalogues
# compiled in the build tree (SPARKFLASH_LOCALEDIR), and checks that its
# help and its error messages come out translated. The expected texts are
# looked up in the same catalogue with gettext(1), so nothing here is
# written in any one language.
#   check-cli-translations.sh SOURCE_ROOT LOCALEDIR SPARKFLASH_CLI GETTEXT_PACKAGE
set -uo pipefail

if [ $# -ne 4 ]; then
  echo "usage: check-cli-translations.sh SOURCE_ROOT LOCALEDIR SPARKFLASH_CLI GETTEXT_PACKAGE" >&2
  exit 2
fi
root=$1 localedir=$2 cli=$3 package=$4

n=0
fail=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $*"; echo "FAILED: $*" >&2; fail=1; }

# The messages of one run: English (no catalogue), or in $1.
run_cli () {
  local lang=$1
  shift
  if [ -z "$lang" ]; then
    env -u LANGUAGE LC_ALL=C.UTF-8 SPARKFLASH_LOCALEDIR=/nonexistent "$cli" "$@" 2>&1
  else
    LC_ALL=C.UTF-8 LANGUAGE="$lang" SPARKFLASH_LOCALEDIR="$localedir" "$cli" "$@" 2>&1
  fi
}

# The translation of msgid $2 into $1 (gettext -e: "\n" in the msgid).
translation () {
  LC_ALL=C.UTF-8 LANGUAGE="$1" TEXTDOMAINDIR="$localedir" gettext -e -d "$package" "$2"
}

# Checks that the output $3 holds the translation of msgid $2 into $1,
# formatted with the argument $4, and not the English text.
expect_translated () {
  local lang=$1 msgid=$2 output=$3 arg=${4-} what=$5
  local english translated

  translated=$(translation "$lang" "$msgid")
  # shellcheck disable=SC2059 # the msgid is the format
  english=$(printf "$msgid" "$arg")
  # shellcheck disable=SC2059
  translated=$(printf "$translated" "$arg")
  translated=${translated%$'\n'}
  english=${english%$'\n'}
  if [ "$translated" = "$english" ]; then
    not_ok "$lang: $what: the catalogue has no translation of “$msgid”"
  elif ! grep -qF -- "$translated" <<<"$output"; then
    sed 's/^/# /' <<<"$output" >&2
    not_ok "$lang: $what says “$translated”"
  elif grep -qF -- "$english" <<<"$output"; then
    sed 's/^/# /' <<<"$output" >&2
    not_ok "$lang: $what does not say the English “$english”"
  else
    ok "$lang: $what says “$translated”"
  fi
}

langs=$(sed -e 's/#.*//' "$root/po/LINGUAS" | tr -s '[:space:]' '\n' | sed '/^$/d')
if [ -z "$langs" ]; then
  echo "1..0 # SKIP po/LINGUAS lists no language"
  exit 0
fi

# The English run is the reference: it must hold the msgids as they are.
help_en=$(run_cli "" --help)
if grep -qF "Commands:" <<<"$help_en"; then
  ok "English --help says “Commands:”"
else
  sed 's/^/# /' <<<"$help_en" >&2
  not_ok "English --help says “Commands:”"
fi

for lang in $langs; do
  if [ ! -f "$localedir/$lang/LC_MESSAGES/$package.mo" ]; then
    not_ok "$lang: $localedir/$lang/LC_MESSAGES/$package.mo was built"
    continue
  fi

  help=$(run_cli "$lang" --help)
  expect_translated "$lang" "Commands:\n" "$help" "" "--help"
  expect_translated "$lang" "Write files to flash" "$help" "" "--help"

  help=$(run_cli "$lang" write_flash --help)
  expect_translated "$lang" "Skip the check after writing" "$help" "" "write_flash --help"

  out=$(run_cli "$lang" frobnicate)
  expect_translated "$lang" "Unknown command “%s”." "$out" "frobnicate" "an unknown command"

  out=$(run_cli "$lang" --port /dev/ttyNOPE erase_region 0x1001 0x1000)
  expect_translated "$lang" "Address 0x%08x is not a multiple of 4096 (0x1000)." \
    "$out" 0x1001 "a misaligned erase_region"
done

echo "1..$n"
exit $fail
