#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders data/screenshots/{idle,flashing,error,monitor,partitions,production}.png from the real window in
# demo mode, under a virtual X server. Usage: tests/ui/render-screenshots.sh [BUILDDIR]
# GNOME's look needs fonts-cantarell (apt); without it the fallback font is used.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${1:-_build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
meson compile -C "$build" >/dev/null

GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1 \
GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$PWD/$build/data" \
  xvfb-run -a -s "-screen 0 1280x1024x24" \
  "$build/tests/ui/render-screenshots" data/screenshots
