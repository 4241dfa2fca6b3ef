#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages Sparkflash builds and tests with, if any
# are missing. Safe to run again; does nothing when all are there.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libserialport-dev zlib1g-dev libjson-glib-dev
  gettext xvfb xauth dbus desktop-file-utils appstream flatpak-builder
  bash-completion groff-base man-db
  util-linux diffutils
)
# The flasher stubs come from the esptool-js npm package (src/stubs/README.md),
# fetched with "npm pack"; Debian's npm only when none is on PATH already.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
