#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every screenshot the metainfo names on the main branch must be in the tree,
# as a PNG, so the software centre's links work once the branch is pushed.
#   check-screenshots.sh SOURCE_ROOT METAINFO
set -uo pipefail
root=${1:?usage: check-screenshots.sh SOURCE_ROOT METAINFO}
metainfo=${2:?usage: check-screenshots.sh SOURCE_ROOT METAINFO}
base=https://raw.githubusercontent.com/sparkflash/sparkflash/main/

urls=$(sed -n 's|.*<image[^>]*>\([^<]*\)</image>.*|\1|p' "$metainfo")
if [ -z "$urls" ]; then
  echo "$metainfo names no screenshot" >&2
  exit 1
fi
fail=0
for url in $urls; do
  case $url in
    "$base"*) path=${url#"$base"} ;;
    *) echo "$url is not under $base" >&2; fail=1; continue ;;
  esac
  if [ "$(head -c 8 "$root/$path" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    echo "ok: $path"
  else
    echo "$url: $path is missing or not a PNG" >&2
    fail=1
  fi
done
exit $fail
