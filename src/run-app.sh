#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and starts Sparkflash. With no board
# plugged in, a simulated ESP32 stands in so every operation can be tried.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/deps.sh
[ -f _build/build.ninja ] || meson setup _build >/dev/null
meson compile -C _build >/dev/null

# meson devenv puts the build's programs first on PATH and points the app at
# the settings schema and translations built in _build: nothing is installed.
run () { exec meson devenv -C _build "$@"; }

if [ -x _build/src/ui/sparkflash ]; then
  if ls /dev/ttyUSB* /dev/ttyACM* >/dev/null 2>&1; then
    run sparkflash "$@"
  fi
  run sparkflash --demo "$@"
fi

# A build without the window (-Dgui=false): the command-line flasher is the app.
if [ $# -gt 0 ]; then
  run sparkflash-cli "$@"
fi
echo "No board given: showing a simulated ESP32 (sparkflash-cli --port PORT ... for a real one)."
# Started directly: under meson devenv, killing it would leave the simulator.
coproc SIM { exec _build/src/simulator/sparkflash-sim --chip esp32; }
read -r _ port <&"${SIM[0]}"
trap 'kill $SIM_PID 2>/dev/null' EXIT
meson devenv -C _build sparkflash-cli --port "$port" --before no_reset --after no_reset chip_id
