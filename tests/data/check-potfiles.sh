#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks po/POTFILES.in against the tree: every file with strings marked for
# translation must be listed (or exempted in po/POTFILES.skip), every listed
# file must exist and still have such strings, and the list must be sorted.
#
#   check-potfiles.sh SOURCE_ROOT           check, exit 1 on any mismatch
#   check-potfiles.sh SOURCE_ROOT --print   print the list POTFILES.in should hold
set -euo pipefail
export LC_ALL=C

root=${1:?usage: check-potfiles.sh SOURCE_ROOT [--print]}
cd "$root"

# gettext's glib preset: _() N_() C_() NC_() Q_() and the g_d*gettext family;
# the leading class keeps identifiers such as foo_( from matching.
c_marks='(^|[^[:alnum:]_])(_|N_|C_|NC_|Q_|ngettext|g_dgettext|g_dngettext|g_dpgettext2?)[[:space:]]*\('
ui_marks='translatable="(yes|true|1)"'
schema_marks='<(summary|description)[ >]'

expected_files () {
  {
    find src -type f \( -name '*.c' -o -name '*.h' \) -print0 | xargs -0r grep -lE -- "$c_marks" || true
    find src data -type f -name '*.ui' -print0 | xargs -0r grep -lE -- "$ui_marks" || true
    find data -maxdepth 1 -type f \( -name '*.desktop.in' -o -name '*.metainfo.xml.in' \) -print
    find data -maxdepth 1 -type f -name '*.gschema.xml' -print0 | xargs -0r grep -lE -- "$schema_marks" || true
  } | sed 's|^\./||' | sort -u | while read -r f; do
    [ -f po/POTFILES.skip ] && grep -qxF -- "$f" <(strip_list po/POTFILES.skip) && continue
    printf '%s\n' "$f"
  done
}

# POTFILES.in syntax: one path per line; blank lines and "#" comments ignored.
strip_list () {
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

if [ "${2:-}" = "--print" ]; then
  expected_files
  exit 0
fi

fail=0
listed=$(strip_list po/POTFILES.in)
expected=$(expected_files)

while read -r f; do
  [ -n "$f" ] || continue
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist"
    fail=1
  elif ! grep -qxF -- "$f" <<<"$expected"; then
    echo "po/POTFILES.in lists $f, which has no strings marked for translation"
    fail=1
  fi
done <<<"$listed"

while read -r f; do
  [ -n "$f" ] || continue
  if ! grep -qxF -- "$f" <<<"$listed"; then
    echo "$f has strings marked for translation but is missing from po/POTFILES.in"
    fail=1
  fi
done <<<"$expected"

if [ "$listed" != "$(sort -u <<<"$listed")" ]; then
  echo "po/POTFILES.in is not sorted (or has duplicates); expected order:"
  sort -u <<<"$listed" | sed 's/^/  /'
  fail=1
fi

if [ "$fail" -ne 0 ]; then
  echo
  echo "Regenerate with: tests/data/check-potfiles.sh . --print > po/POTFILES.in"
  exit 1
fi
echo "po/POTFILES.in lists all $(wc -l <<<"$listed") files with translatable strings"
