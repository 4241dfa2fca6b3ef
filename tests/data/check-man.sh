#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The manual pages render without a warning and carry the project's version,
# and sparkflash-cli(1) describes every command and long option
# "sparkflash-cli --help" lists.
#   check-man.sh VERSION SPARKFLASH_CLI PAGE...
set -uo pipefail
version=${1:?usage: check-man.sh VERSION SPARKFLASH_CLI PAGE...}
cli=${2:?usage: check-man.sh VERSION SPARKFLASH_CLI PAGE...}
shift 2

n=0
fail=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $*"; echo "FAILED: $*" >&2; fail=1; }

if ! command -v groff >/dev/null; then
  echo "1..0 # SKIP groff is not installed"
  exit 0
fi

for page in "$@"; do
  name=$(basename "$page")
  # -ww: every warning; a clean page prints nothing on stderr.
  if warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1) && [ -z "$warnings" ]; then
    ok "$name renders without warnings"
  else
    sed 's/^/# /' <<<"$warnings"
    not_ok "$name renders without warnings"
  fi
  if grep -q "^\.TH .* \"Sparkflash $version\"" "$page"; then
    ok "$name is the manual of Sparkflash $version"
  else
    not_ok "$name is the manual of Sparkflash $version (its .TH line)"
  fi
  if [ "$name" = sparkflash-cli.1 ]; then
    text=$(LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -Tutf8 "$page" 2>/dev/null | sed 's/.\x08//g')
    commands=$("$cli" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z_]*\) .*/\1/p')
    [ -n "$commands" ] || not_ok "sparkflash-cli --help lists commands"
    # Every long option of the program's help and of each command's.
    options=$(for command in "" $commands; do "$cli" $command --help; done |
                grep -o -- '--[a-z][a-z_-]*' | tr _ - | sort -u)
    for word in $commands $options; do
      if grep -qwF -- "$word" <<<"$text"; then
        ok "$name describes $word"
      else
        not_ok "$name describes $word"
      fi
    done
  fi
done

echo "1..$n"
exit $fail
