#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The flash job's threads under ThreadSanitizer, run by hand (not in CI:
# it builds GLib first, some minutes on two cores).
#
# GLib's mutexes and conditions are futexes that TSan sees only when GLib
# itself is built with -fsanitize=thread; against Debian's GLib every lock
# handed between the job's worker and the main loop is reported as a race.
# So this builds Debian's own GLib source with TSan once, under
# $TSAN_WORK (default /var/tmp/sparkflash-tsan), builds Sparkflash with
# TSan beside it and runs the job tests (tests/flasher/test-flash-job.c)
# against that GLib. GSlice's magazines keep counters that TSan reports
# inside GLib; G_SLICE=always-malloc turns GSlice off, as GLib 2.76 did
# for good.
#
# Needs a deb-src line for Debian 12 in /etc/apt/sources.list.d/ (for
# "apt-get source glib2.0"), or TSAN_GLIB_SOURCE pointing at an unpacked
# GLib 2.74 source tree. Prints the TSan reports and ends with one line:
# "N tests passed, N failed, N ThreadSanitizer reports".
set -euo pipefail
cd "$(dirname "$0")/../.."

work=${TSAN_WORK:-/var/tmp/sparkflash-tsan}
mkdir -p "$work"

source_dir=${TSAN_GLIB_SOURCE:-}
if [ -z "$source_dir" ]; then
  source_dir=$(find "$work/src" -maxdepth 1 -type d -name 'glib-2.*' 2>/dev/null | head -n 1)
fi
if [ -z "$source_dir" ]; then
  mkdir -p "$work/src"
  if ! (cd "$work/src" && apt-get source --download-only glib2.0 >/dev/null); then
    echo "Cannot fetch GLib's source: add a deb-src line for bookworm, or set TSAN_GLIB_SOURCE." >&2
    exit 1
  fi
  tar -xf "$work"/src/glib2.0_*.orig.tar.xz -C "$work/src"
  source_dir=$(find "$work/src" -maxdepth 1 -type d -name 'glib-2.*' | head -n 1)
fi

if [ ! -f "$work/glib/build.ninja" ]; then
  meson setup "$work/glib" "$source_dir" -Db_sanitize=thread -Dbuildtype=debugoptimized \
    -Dtests=false -Dman=false -Dgtk_doc=false -Dselinux=disabled -Dlibmount=disabled \
    -Dnls=disabled >/dev/null
fi
ninja -C "$work/glib" >/dev/null

if [ ! -f "$work/sparkflash/build.ninja" ]; then
  meson setup "$work/sparkflash" -Db_sanitize=thread -Db_lundef=false -Dgui=false >/dev/null
fi
meson compile -C "$work/sparkflash" tests/flasher/test-flash-job >/dev/null

export LD_LIBRARY_PATH="$work/glib/glib:$work/glib/gobject:$work/glib/gio:$work/glib/gmodule"
export G_SLICE=always-malloc GSETTINGS_BACKEND=memory TSAN_OPTIONS=halt_on_error=0
log="$work/test-flash-job.log"
"$work/sparkflash/tests/flasher/test-flash-job" >"$log" 2>&1 || true

grep -A 40 'WARNING: ThreadSanitizer' "$log" || true
passed=$(grep -c '^ok ' "$log" || true)
failed=$(grep -c '^not ok ' "$log" || true)
reports=$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)
echo "$passed tests passed, $failed failed, $reports ThreadSanitizer reports"
[ "$failed" -eq 0 ] && [ "$reports" -eq 0 ] && [ "$passed" -gt 0 ]
