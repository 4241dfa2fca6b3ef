#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest: the app id and command, a sandbox no wider
than a serial flasher needs, and a checksum on every downloaded source.

    check-manifest.py MANIFEST [APP_ID]

When flatpak-builder is installed, it parses the manifest too
(--show-manifest; no runtime is needed for that)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import sys

# Serial ports (there is no portal for them yet), the display, and the
# shared memory X11 needs. Files come through the portal, so no --filesystem;
# a flasher never talks to the network.
ALLOWED_FINISH_ARGS = {
    "--device=all",
    "--share=ipc",
    "--socket=fallback-x11",
    "--socket=wayland",
}
DOWNLOADED_TYPES = {"archive", "file"}

errors = []


def fail(message):
    errors.append(message)


def check_sources(module, where):
    for i, source in enumerate(module.get("sources", [])):
        if isinstance(source, str):
            continue  # a path to a JSON file of sources, checked where it lives
        place = f"{where}, source {i}"
        kind = source.get("type")
        if kind in DOWNLOADED_TYPES and "url" in source:
            sha256 = source.get("sha256", "")
            if not re.fullmatch(r"[0-9a-f]{64}", sha256):
                fail(f"{place} ({source['url']}): sha256 must be 64 lower-case hex digits, "
                     f"got {sha256!r}")
            if not source["url"].startswith("https://"):
                fail(f"{place}: download over https, not {source['url']}")
    for j, sub in enumerate(module.get("modules", [])):
        if isinstance(sub, dict):
            check_sources(sub, f"{where} > {sub.get('name', j)}")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path = sys.argv[1]
    app_id = sys.argv[2] if len(sys.argv) == 3 else "io.github.sparkflash.Sparkflash"

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: not valid JSON: {e}")

    ids = [manifest[k] for k in ("id", "app-id") if k in manifest]
    if ids != [app_id]:
        fail(f"the manifest must name the app exactly once, as {app_id!r} "
             f"(in 'id' or 'app-id'); it has {ids}")
    if os.path.basename(path) != app_id + ".json":
        fail(f"the manifest file should be called {app_id}.json")
    if manifest.get("command") != "sparkflash":
        fail(f"command must be 'sparkflash', not {manifest.get('command')!r}")
    for key in ("runtime", "sdk", "runtime-version"):
        if not manifest.get(key):
            fail(f"{key} is missing")

    finish_args = manifest.get("finish-args", [])
    if len(finish_args) != len(set(finish_args)):
        fail(f"finish-args has duplicates: {finish_args}")
    for arg in finish_args:
        if arg not in ALLOWED_FINISH_ARGS:
            fail(f"finish-args: {arg} is not allowed (allowed: {sorted(ALLOWED_FINISH_ARGS)})")
    for arg in sorted(ALLOWED_FINISH_ARGS - set(finish_args)):
        fail(f"finish-args: {arg} is missing")

    modules = manifest.get("modules", [])
    if not modules:
        fail("no modules")
    for i, module in enumerate(modules):
        if isinstance(module, dict):
            check_sources(module, f"module {module.get('name', i)}")
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    if not names or names[-1] != "sparkflash":
        fail(f"the last module must build sparkflash itself; modules are {names}")

    builder = shutil.which("flatpak-builder")
    if builder is None:
        print("# flatpak-builder is not installed: skipped its own parse of the manifest")
    else:
        env = dict(os.environ, G_DEBUG="fatal-warnings")
        # flatpak-builder leaves a .flatpak-builder folder in its working
        # directory: give it a scratch one, not the source tree.
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run([builder, "--show-manifest", os.path.abspath(path)],
                                    env=env, cwd=scratch, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            fail(f"flatpak-builder --show-manifest failed ({result.returncode}): "
                 f"{result.stderr.strip()}")

    for e in errors:
        print(f"{path}: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"{path}: ok")


if __name__ == "__main__":
    main()
