#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Gets the flasher-stub images out of the pinned esptool-js tarball, into the
build directory, for the protocol library to compile in as a GResource.

    fetch-stubs.py --package NAME --version VERSION --sha256 DIGEST
                   --output DIR [--tarball FILE] [--npm NPM] [--timeout SECONDS]

The tarball is FILE when given, else one fetched earlier into DIR, else what
"npm pack" downloads. Whatever its source, its SHA-256 must be DIGEST. Writes
DIR/stub_flasher/<chip>.json, DIR/LICENSE and DIR/sf-stubs.gresource.xml.
Exits 1 with the reason on stderr (one line) when it cannot: meson turns that
into "no stubs" or, with -Dstubs=enabled, into an error."""

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from xml.sax.saxutils import quoteattr

STUB_DIR = "package/lib/targets/stub_flasher/"
STUB_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.json")
LICENSE = "package/LICENSE"
RESOURCE_XML = "sf-stubs.gresource.xml"
RESOURCE_PREFIX = "/io/github/sparkflash/Sparkflash/stubs"
ADDRESSES = ("entry", "text_start", "data_start", "bss_start")
# The stubs are a few KiB each; a segment near the size of a chip's RAM is
# not a stub.
MAX_SEGMENT = 128 * 1024
MAX_MEMBER = 1024 * 1024


class StubError(Exception):
    pass


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def check_digest(path, expected):
    actual = sha256_of(path)
    if actual != expected:
        raise StubError(f"{path} has SHA-256 {actual}, but {expected} is pinned: "
                        "not the expected tarball")


def npm_pack(npm, spec, scratch, timeout):
    """Downloads SPEC's tarball with npm into the empty folder SCRATCH and
    returns its path; nothing is installed."""
    # --ignore-scripts: packing must not run anything from the package.
    command = [npm, "pack", spec, "--pack-destination", scratch,
               "--ignore-scripts", "--prefer-offline",
               # One quick retry: offline, npm would otherwise back off for
               # over a minute before the configure step can go on.
               "--fetch-retries=1", "--fetch-retry-maxtimeout=10000"]
    try:
        result = subprocess.run(command, cwd=scratch, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StubError(f"'npm pack {spec}' took more than {timeout} s (no network?)")
    except OSError as e:
        raise StubError(f"could not run {npm}: {e.strerror}")
    packed = [f for f in os.listdir(scratch) if f.endswith(".tgz")]
    if result.returncode != 0 or len(packed) != 1:
        lines = [re.sub(r"^npm (error|ERR!)", "", line).strip()
                 for line in result.stderr.splitlines()]
        lines = [line for line in lines if line]
        # npm prints a stack trace; the line naming the error says the most.
        detail = next((line for line in lines if "Error" in line),
                      lines[0] if lines else f"exit status {result.returncode}")
        raise StubError(f"'npm pack {spec}' failed (no network?): {detail}")
    return os.path.join(scratch, packed[0])


def obtain_tarball(args):
    """The verified tarball: --tarball, else the cached copy, else npm."""
    if args.tarball:
        if not os.path.isfile(args.tarball):
            raise StubError(f"-Dstub_tarball: {args.tarball} does not exist")
        check_digest(args.tarball, args.sha256)
        return args.tarball

    cached = os.path.join(args.output, f"{args.package}-{args.version}.tgz")
    if os.path.isfile(cached):
        check_digest(cached, args.sha256)
        return cached
    if not args.npm:
        raise StubError("npm was not found and -Dstub_tarball is not set")

    scratch = tempfile.mkdtemp(prefix="npm-pack-", dir=args.output)
    try:
        downloaded = npm_pack(args.npm, f"{args.package}@{args.version}", scratch,
                              args.timeout)
        check_digest(downloaded, args.sha256)
        # Cached only once verified, so a bad download is fetched again.
        os.replace(downloaded, cached)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return cached


def write_if_changed(path, content):
    """Leaves an identical file alone, so that reconfiguring does not make
    ninja rebuild the resource."""
    try:
        with open(path, "rb") as f:
            if f.read() == content:
                return
    except FileNotFoundError:
        pass
    with open(path, "wb") as f:
        f.write(content)


def decode_segment(stub, name, key, required):
    text = stub.get(key)
    if text is None and not required:
        return b""
    if not isinstance(text, str):
        raise StubError(f"{name}: '{key}' is not a base64 string")
    try:
        segment = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise StubError(f"{name}: '{key}' is not valid base64: {e}")
    if (required and not segment) or len(segment) > MAX_SEGMENT:
        raise StubError(f"{name}: '{key}' is {len(segment)} bytes, not a stub's size")
    return segment


def validate_stub(name, raw):
    """Checks what the loader relies on: the four addresses, two segments
    that decode, and an entry point inside one of them."""
    try:
        stub = json.loads(raw)
    except ValueError as e:
        raise StubError(f"{name}: not valid JSON: {e}")
    if not isinstance(stub, dict):
        raise StubError(f"{name}: not a JSON object")
    for key in ADDRESSES:
        value = stub.get(key)
        # bool is an int in Python; JSON true is not an address.
        if type(value) is not int or not 0 <= value <= 0xFFFFFFFF:
            raise StubError(f"{name}: '{key}' is missing or not a 32-bit address")
    text = decode_segment(stub, name, "text", required=True)
    data = decode_segment(stub, name, "data", required=False)
    entry = stub["entry"]
    in_text = stub["text_start"] <= entry < stub["text_start"] + len(text)
    in_data = stub["data_start"] <= entry < stub["data_start"] + len(data)
    if not (in_text or in_data):
        raise StubError(f"{name}: entry 0x{entry:08x} is outside the text and data")


def extract(tarball, out_dir):
    """Writes the stub JSON files and the licence into OUT_DIR; returns the
    JSON file names. Reads the members itself instead of tar.extract(), so
    nothing but these files can land anywhere."""
    stubs = {}
    license_text = None
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar:
                name = member.name
                is_stub = (name.startswith(STUB_DIR)
                           and STUB_NAME.fullmatch(name[len(STUB_DIR):]))
                if not (is_stub or name == LICENSE):
                    continue
                if not member.isfile() or member.size > MAX_MEMBER:
                    raise StubError(f"{tarball}: {name} is not a small regular file")
                content = tar.extractfile(member).read()
                if is_stub:
                    stubs[name[len(STUB_DIR):]] = content
                else:
                    license_text = content
    except (OSError, tarfile.TarError) as e:
        raise StubError(f"{tarball}: cannot read it: {e}")
    if not stubs:
        raise StubError(f"{tarball}: no {STUB_DIR}*.json in it")
    if license_text is None:
        raise StubError(f"{tarball}: no {LICENSE} in it")

    for name, raw in sorted(stubs.items()):
        validate_stub(name, raw)

    stub_dir = os.path.join(out_dir, "stub_flasher")
    os.makedirs(stub_dir, exist_ok=True)
    # A different tarball must not leave stale images behind.
    for name in os.listdir(stub_dir):
        if name not in stubs:
            os.remove(os.path.join(stub_dir, name))
    for name, raw in stubs.items():
        write_if_changed(os.path.join(stub_dir, name), raw)
    write_if_changed(os.path.join(out_dir, "LICENSE"), license_text)
    return sorted(stubs)


def write_resource_xml(out_dir, names):
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Generated by src/stubs/fetch-stubs.py; not part of the source tree. -->",
        "<gresources>",
        f"  <gresource prefix={quoteattr(RESOURCE_PREFIX)}>",
    ]
    for name in names:
        lines.append(f"    <file compressed=\"true\" alias={quoteattr(name)}>"
                     f"stub_flasher/{name}</file>")
    lines += ["  </gresource>", "</gresources>", ""]
    write_if_changed(os.path.join(out_dir, RESOURCE_XML), "\n".join(lines).encode("utf-8"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--sha256", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--tarball")
    parser.add_argument("--npm")
    parser.add_argument("--timeout", type=int, default=120)
    args = parser.parse_args()
    args.sha256 = args.sha256.lower()

    try:
        os.makedirs(args.output, exist_ok=True)
        tarball = obtain_tarball(args)
        names = extract(tarball, args.output)
        write_resource_xml(args.output, names)
    except (StubError, OSError) as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    print(f"{len(names)} images from {os.path.basename(tarball)}: "
          + ", ".join(n[:-len(".json")] for n in names))


if __name__ == "__main__":
    main()
