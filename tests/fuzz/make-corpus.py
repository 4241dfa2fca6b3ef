#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora in tests/fuzz/corpus/: real-looking inputs for
each fuzz target, built here from the formats' rules, so that libFuzzer
starts from valid frames, replies, images, numbers and stub descriptions
instead of finding each shape by chance. The output is
committed; run this again only after changing it:

    python3 tests/fuzz/make-corpus.py
"""

import base64
import hashlib
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# --- SLIP -----------------------------------------------------------------

def slip(body):
    return b"\xc0" + body.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def command(op, payload, checksum=0):
    return struct.pack("<BBHI", 0x00, op, len(payload), checksum) + payload


def reply(op, value=0, data=b"\x00\x00\x00\x00"):
    return struct.pack("<BBHI", 0x01, op, len(data), value) + data


SYNC = 0x08
READ_REG = 0x0A
SPI_FLASH_MD5 = 0x13

SYNC_REQUEST = command(SYNC, b"\x07\x07\x12\x20" + b"\x55" * 32)
SYNC_REPLY_ESP32 = reply(SYNC, 0x20120707)
SYNC_REPLY_ESP8266 = reply(SYNC, 0x20120707, b"\x00\x00")
BOOT_LOG = (b"ets Jun  8 2016 00:22:57\r\n\r\n"
            b"rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n"
            b"waiting for download\r\n")


def slip_input(slices, stream):
    """The fuzz-slip input: the slice lengths, then the stream."""
    return bytes([len(slices)]) + bytes(slices) + stream


def write_slip():
    awkward = bytes([0x01, 0xC0, 0xDB, 0xC0, 0xDB, 0xDC, 0xDD, 0x00, 0xC0])
    md5_rom = reply(SPI_FLASH_MD5, 0, b"9e107d9d372bb6826bd81d3542a419d6" + b"\x00" * 4)
    md5_stub = reply(SPI_FLASH_MD5, 0, bytes.fromhex("9e107d9d372bb6826bd81d3542a419d6") + b"\x00\x00")
    # Firmware-like data with every byte value, escapes included.
    block = bytes((i * 37 + 11) & 0xFF for i in range(300))

    write("slip", "sync-reply-one-read", slip_input([], slip(SYNC_REPLY_ESP32)))
    write("slip", "sync-reply-byte-by-byte", slip_input([1], slip(SYNC_REPLY_ESP32)))
    write("slip", "sync-request", slip_input([], slip(SYNC_REQUEST)))
    write("slip", "boot-log-then-eight-sync-replies",
          slip_input([64, 5, 0x80 | 17], BOOT_LOG + slip(SYNC_REPLY_ESP32) * 8))
    write("slip", "esp8266-sync-replies", slip_input([3, 0x82], slip(SYNC_REPLY_ESP8266) * 4))
    write("slip", "read-reg-reply",
          slip_input([7], slip(reply(READ_REG, 0x00F01D83))))
    write("slip", "escapes-in-body", slip_input([1, 2], slip(awkward)))
    write("slip", "escapes-split-across-reads", slip_input([0x81, 0x81, 3], slip(awkward) + slip(awkward)))
    write("slip", "bad-escape-then-good-frame",
          slip_input([4], b"\xc0\x01\x02\xdb\x41\x03\xc0" + slip(SYNC_REPLY_ESP32)))
    write("slip", "escape-at-frame-end", slip_input([], b"\xc0\x01\x02\xdb\xc0" + slip(b"\x05")))
    write("slip", "back-to-back-and-stray-c0",
          slip_input([2, 0], b"\xc0\xc0\xc0" + slip(b"A") + slip(b"B") + b"\xc0" + b"noise" + slip(b"C")))
    write("slip", "frame-cut-short", slip_input([9], slip(SYNC_REPLY_ESP32)[:9]))
    write("slip", "long-noise-then-frame",
          slip_input([0x7F, 0x7F, 0xFF], BOOT_LOG * 6 + slip(SYNC_REPLY_ESP32)))
    write("slip", "md5-replies", slip_input([16], slip(md5_rom) + slip(md5_stub)))
    write("slip", "stub-ohai-and-data-block",
          slip_input([0, 5, 0x80 | 100], slip(b"OHAI") + slip(block)))
    write("slip", "empty", b"")
    write("slip", "only-slice-lengths", bytes([3, 0, 0, 0]))


# --- Replies --------------------------------------------------------------

# Who answers: any loader (not known yet), the ESP8266 ROM, another ROM,
# the stub; the fuzz target takes this byte modulo 4.
SOURCE_SELECT = {"any": 0, "rom2": 1, "rom4": 2, "stub": 3}
ANY_LENGTH = 0xFF


def reply_input(op, result_len, source, frame):
    """The fuzz-reply input: what the host expects, then the frame."""
    return bytes([op, result_len, SOURCE_SELECT[source]]) + frame


def write_reply():
    ok4 = b"\x00\x00\x00\x00"
    ok2 = b"\x00\x00"
    md5_hex = b"d41d8cd98f00b204e9800998ecf8427e"
    md5_raw = bytes.fromhex(md5_hex.decode())
    # GET_SECURITY_INFO: flags, flash_crypt_cnt, 7 key purposes, then (newer
    # ROMs) chip id and API version.
    security_long = struct.pack("<IB7BII", 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0)
    security_short = struct.pack("<IB7B", 0, 0, 0, 0, 0, 0, 0, 0, 0)

    write("reply", "sync-esp32-rom", reply_input(SYNC, 0, "rom4", SYNC_REPLY_ESP32))
    write("reply", "sync-status-unknown", reply_input(SYNC, 0, "any", SYNC_REPLY_ESP32))
    write("reply", "sync-esp8266-rom", reply_input(SYNC, 0, "rom2", SYNC_REPLY_ESP8266))
    write("reply", "sync-esp8266-status-unknown", reply_input(SYNC, 0, "any", SYNC_REPLY_ESP8266))
    write("reply", "sync-stub-value-0", reply_input(SYNC, 0, "stub", reply(SYNC, 0, ok2)))
    write("reply", "surplus-sync-while-reading-reg",
          reply_input(READ_REG, 0, "rom4", SYNC_REPLY_ESP32))
    write("reply", "read-reg-esp32", reply_input(READ_REG, 0, "rom4", reply(READ_REG, 0x00F01D83, ok4)))
    write("reply", "read-reg-stub", reply_input(READ_REG, 0, "stub", reply(READ_REG, 0xFFF0C101, ok2)))
    write("reply", "md5-rom-hex", reply_input(SPI_FLASH_MD5, 32, "rom4", reply(SPI_FLASH_MD5, 0, md5_hex + ok4)))
    write("reply", "md5-stub-raw", reply_input(SPI_FLASH_MD5, 16, "stub", reply(SPI_FLASH_MD5, 0, md5_raw + ok2)))
    write("reply", "md5-refused-without-result",
          reply_input(SPI_FLASH_MD5, 32, "any", reply(SPI_FLASH_MD5, 0, b"\x01\x05")))
    write("reply", "md5-refused-with-result",
          reply_input(SPI_FLASH_MD5, 32, "rom4", reply(SPI_FLASH_MD5, 0, md5_hex + b"\x01\x06\x00\x00")))
    write("reply", "flash-begin-refused-rom",
          reply_input(0x02, 0, "rom4", reply(0x02, 0, b"\x01\x05\x00\x00")))
    write("reply", "flash-data-checksum-rom",
          reply_input(0x03, 0, "rom4", reply(0x03, 0, b"\x01\x07\x00\x00")))
    write("reply", "flash-data-checksum-stub",
          reply_input(0x03, 0, "stub", reply(0x03, 0, b"\xc1\x00")))
    write("reply", "erase-flash-not-implemented-stub",
          reply_input(0xD0, 0, "stub", reply(0xD0, 0, b"\xff\x00")))
    write("reply", "erase-region-ok-stub", reply_input(0xD1, 0, "stub", reply(0xD1, 0, ok2)))
    write("reply", "security-info-long", reply_input(0x14, ANY_LENGTH, "rom4", reply(0x14, 0, security_long + ok4)))
    write("reply", "security-info-short", reply_input(0x14, ANY_LENGTH, "any", reply(0x14, 0, security_short + ok4)))
    write("reply", "security-info-refused-esp8266",
          reply_input(0x14, ANY_LENGTH, "any", reply(0x14, 0, b"\x01\x05")))
    write("reply", "spi-attach-ok", reply_input(0x0D, 0, "rom4", reply(0x0D, 0, ok4)))
    write("reply", "change-baudrate-ok", reply_input(0x0F, 0, "rom2", reply(0x0F, 0, ok2)))
    write("reply", "mem-end-ok", reply_input(0x06, 0, "rom4", reply(0x06, 0, ok4)))
    write("reply", "defl-data-ok-stub", reply_input(0x11, 0, "stub", reply(0x11, 0, ok2)))
    write("reply", "garbled-direction", reply_input(SYNC, 0, "rom4", b"\x00" + SYNC_REPLY_ESP32[1:]))
    write("reply", "garbled-length", reply_input(SYNC, 0, "rom4", SYNC_REPLY_ESP32[:-1]))
    write("reply", "garbled-opcode", reply_input(0x0C, 0, "rom4", reply(0x0C, 0, ok4)))
    write("reply", "garbled-reason", reply_input(0x02, 0, "rom4", reply(0x02, 0, b"\x01\x99\x00\x00")))
    write("reply", "too-short", reply_input(SYNC, 0, "any", b"\x01\x08\x00\x00"))
    write("reply", "stub-status-garbled-into-rom-refusal",
          reply_input(READ_REG, 0, "stub", reply(READ_REG, 0, b"\x01\x08")))
    write("reply", "empty", b"")


# --- Images ---------------------------------------------------------------

CHIP = {"auto": 0, "esp8266": 1, "esp32": 2, "esp32s2": 3, "esp32s3": 4,
        "esp32c2": 5, "esp32c3": 6, "esp32c6": 7, "esp32h2": 8}
# Indexes into fuzz-image.c's lists.
MODE = {None: 0, "keep": 1, "qio": 2, "dio": 4, "dout": 5}
SIZE = {None: 0, "keep": 1, "detect": 2, "1MB": 5, "2MB-c1": 7, "4MB": 8, "16MB": 11, "3MB": 16}
FREQ = {None: 0, "keep": 1, "80m": 2, "40m": 3, "26m": 4, "48m": 6}
DETECTED = {0: 0, 4: 5, 16: 6}


def image_input(chip="auto", mode=None, size=None, freq=None, detected_mb=0, data=b""):
    return bytes([CHIP[chip], MODE[mode], SIZE[size], FREQ[freq], DETECTED[detected_mb]]) + data


def filler(n, seed):
    return bytes((i * 29 + seed * 7 + 3) & 0xFF for i in range(n))


def segments_and_checksum(segments, origin, start):
    """Segment headers and data, the zero padding and the checksum byte,
    for segments that start at file offset @start."""
    out = b""
    checksum = 0xEF
    for addr, data in segments:
        out += struct.pack("<II", addr, len(data)) + data
        for b in data:
            checksum ^= b
    pos = start + len(out)
    out += b"\x00" * (15 - ((pos - origin) % 16))
    return out + bytes([checksum])


def e9_image(segments, entry, mode=2, size_freq=0x20, chip_id=None, hash_appended=False,
             min_rev=0, max_rev=0xFFFF, legacy_rev=0):
    header = struct.pack("<BBBBI", 0xE9, len(segments), mode, size_freq, entry)
    if chip_id is not None:
        header += struct.pack("<B3sHBHH4sB", 0xEE, b"\x00\x00\x00", chip_id, legacy_rev,
                              min_rev, max_rev, b"\x00" * 4, 1 if hash_appended else 0)
    image = header + segments_and_checksum(segments, 0, len(header))
    if hash_appended:
        image += hashlib.sha256(image).digest()
    return image


def esp8266_v2_image(irom, segments, entry, mode=0):
    head = struct.pack("<BBBBI", 0xEA, 4, mode, 0x40, 0) + struct.pack("<II", 0, len(irom)) + irom
    second = struct.pack("<BBBBI", 0xE9, len(segments), 0, 0x40, entry)
    image = head + second + segments_and_checksum(segments, 0, len(head) + len(second))
    crc = zlib.crc32(image) & 0xFFFFFFFF
    crc = crc ^ 0xFFFFFFFF if crc & 0x80000000 else crc + 1
    return image + struct.pack("<I", crc)


def partition_entry(type_, subtype, offset, size, label, flags=0):
    return struct.pack("<2sBBII16sI", b"\xaa\x50", type_, subtype, offset, size,
                       label.encode().ljust(16, b"\x00"), flags)


def partition_table(entries, md5=True):
    table = b"".join(entries)
    if md5:
        table += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(table).digest()
    return table + b"\xff" * 32


def write_image():
    esp32_app = e9_image([(0x3F400020, filler(32, 1)), (0x3FFB0000, filler(16, 2)),
                          (0x40080000, filler(32, 3)), (0x400D0020, filler(64, 4))],
                         0x40081000, chip_id=0, hash_appended=True)
    esp32_bootloader = e9_image([(0x3FFF0000, filler(16, 5)), (0x40078000, filler(48, 6)),
                                 (0x40080400, filler(32, 7))],
                                0x40080400, chip_id=0, hash_appended=True)
    esp32c3_app = e9_image([(0x3C000020, filler(32, 8)), (0x3FC80000, filler(16, 9)),
                            (0x42000020, filler(64, 10))],
                           0x42000100, size_freq=0x2F, chip_id=5, hash_appended=True,
                           min_rev=3, max_rev=199)
    esp32s3_bootloader = e9_image([(0x3FCD0000, filler(16, 11)), (0x403CC000, filler(32, 12))],
                                  0x403CC710, chip_id=9, hash_appended=False)
    esp32c6_app = e9_image([(0x42800020, filler(16, 13)), (0x42000020, filler(32, 14))],
                           0x42000000, size_freq=0x20, chip_id=13, hash_appended=True)
    esp8266_ram = e9_image([(0x40100000, filler(48, 15)), (0x3FFE8000, filler(16, 16))],
                           0x40100004, mode=0, size_freq=0x40)
    esp8266_app = e9_image([(0x40100000, filler(32, 17)), (0x40201010, filler(64, 18))],
                           0x40100004, mode=2, size_freq=0x20)
    esp8266_v2 = esp8266_v2_image(filler(64, 19), [(0x40100000, filler(32, 20)),
                                                   (0x3FFE8000, filler(16, 21))], 0x40100004)
    table = partition_table([
        partition_entry(0x01, 0x02, 0x9000, 0x6000, "nvs"),
        partition_entry(0x01, 0x01, 0xF000, 0x1000, "phy_init"),
        partition_entry(0x00, 0x00, 0x10000, 0x100000, "factory"),
        partition_entry(0x01, 0x82, 0x110000, 0xF0000, "spiffs", flags=1),
    ])

    write("image", "esp32-app", image_input("esp32", data=esp32_app))
    write("image", "esp32-app-dio-detect-80m",
          image_input("esp32", "dio", "detect", "80m", 16, esp32_app))
    write("image", "esp32-app-auto-chip-qio-4mb", image_input("auto", "qio", "4MB", "keep", 0, esp32_app))
    write("image", "esp32-app-on-esp32c3", image_input("esp32c3", "dio", None, None, 0, esp32_app))
    write("image", "esp32-app-size-3mb", image_input("esp32", None, "3MB", None, 0, esp32_app))
    write("image", "esp32-app-trailing-data", image_input("esp32", data=esp32_app + b"\xff" * 40))
    write("image", "esp32-bootloader", image_input("esp32", "dio", "keep", "40m", 4, esp32_bootloader))
    write("image", "esp32c3-app", image_input("esp32c3", "dout", "16MB", "80m", 0, esp32c3_app))
    write("image", "esp32s3-bootloader", image_input("esp32s3", "qio", "detect", None, 4, esp32s3_bootloader))
    write("image", "esp32c6-app-80m", image_input("esp32c6", None, "1MB", "80m", 0, esp32c6_app))
    write("image", "esp8266-ram-image", image_input("esp8266", "dio", "2MB-c1", "26m", 0, esp8266_ram))
    write("image", "esp8266-app", image_input("esp8266", data=esp8266_app))
    write("image", "esp8266-v2", image_input("esp8266", "dio", "4MB", None, 0, esp8266_v2))
    # The 0xEA header's mode is taken as it is, unlike a 0xE9 header's.
    write("image", "esp8266-v2-unknown-mode",
          image_input("esp8266", data=esp8266_v2_image(filler(16, 22), [(0x40100000, filler(16, 23))],
                                                       0x40100004, mode=0x10)))
    write("image", "partition-table", image_input(data=table))
    write("image", "partition-table-cut-short", image_input(data=table[:50]))

    # bootloader at 0x1000, table at 0x8000, app at the factory partition.
    merged_table = partition_table([
        partition_entry(0x01, 0x02, 0x9000, 0x1000, "nvs"),
        partition_entry(0x00, 0x00, 0xA000, 0x1000, "factory"),
    ])
    merged = bytearray(b"\xff" * 0xA000)
    merged[0x1000:0x1000 + len(esp32_bootloader)] = esp32_bootloader
    merged[0x8000:0x8000 + len(merged_table)] = merged_table
    merged = bytes(merged) + esp32_app
    write("image", "esp32-merged", image_input("esp32", "dio", "detect", "40m", 4, merged))

    write("image", "cut-in-segment", image_input("esp32", data=esp32_app[:60]))
    write("image", "checksum-missing", image_input("esp32", data=esp32_bootloader[:-33]))
    write("image", "hash-cut-short", image_input("esp32", "dio", data=esp32_app[:-10]))
    write("image", "header-only", image_input(data=esp32_app[:8]))
    write("image", "zero-segments", image_input(data=b"\xe9\x00\x02\x20" + b"\x00" * 20))
    write("image", "raw-text", image_input("esp32", "dio", data=b"not an image at all\n"))
    write("image", "empty", image_input())


# --- Units ----------------------------------------------------------------

def write_units():
    texts = ["0x1000", "0x10000", "65536", "4MB", "1M", "64K", "64k", "0x400K", "512KB", "256kb",
             " 0x8000 ", "\t1MB\n", "2MB-c1", "4mb-C1", "16m", "0XfFfF", "0xFFFFFFFF",
             "4294967295", "0x100000000", "4294967296", "4096M", "4095M", "0004194304",
             "-1", "", "0x", "K", "1 M", "0x10000junk", "4GB", "128MB", "detect", "keep"]
    for i, text in enumerate(texts):
        # The first byte picks the subject; cycle through them.
        write("units", "%02d" % i, bytes([i % 5]) + text.encode())


# --- Stub images ----------------------------------------------------------

def write_stub_image():
    # A made-up stub: a few instructions' worth of bytes, not a real one.
    text = bytes((i * 13 + 5) & 0xFF for i in range(96))
    data = b"sparkflash fuzz seed data\x00\x00\x00"
    text_b64 = base64.b64encode(text).decode()
    data_b64 = base64.b64encode(data).decode()
    stub = {"entry": 0x40380004, "text": text_b64, "text_start": 0x40380000,
            "data": data_b64, "data_start": 0x3FC8B000, "bss_start": 0x3FC84000}

    def seed(name, chip, body):
        write("stub-image", name, str(chip) + body)

    seed("full", 6, json.dumps(stub))
    seed("full-indented", 2, json.dumps(stub, indent=2) + "\n")
    seed("no-data", 1, json.dumps({k: v for k, v in stub.items() if k != "data"}))
    seed("empty-data", 3, json.dumps(dict(stub, data="")))
    seed("entry-as-string", 4, json.dumps(dict(stub, entry="0x40380004")))
    seed("entry-negative", 5, json.dumps(dict(stub, entry=-4)))
    seed("entry-past-32-bits", 7, json.dumps(dict(stub, entry=0x100000000)))
    seed("entry-float", 8, json.dumps(dict(stub, entry=1.5)))
    seed("text-not-base64", 0, json.dumps(dict(stub, text="!!!!")))
    seed("text-one-char", 0, json.dumps(dict(stub, text="Q")))
    seed("text-as-number", 1, json.dumps(dict(stub, text=12)))
    seed("text-missing", 2, json.dumps({k: v for k, v in stub.items() if k != "text"}))
    seed("data-null", 3, json.dumps(dict(stub, data=None)))
    seed("text-escaped", 4, json.dumps(stub).replace(text_b64[:4], "\\u00" + "%02x" % ord(text_b64[0]) + text_b64[1:4]))
    seed("nested", 5, json.dumps(dict(stub, extra={"a": [1, 2, {"b": None}]})))
    seed("root-array", 6, json.dumps([stub]))
    seed("root-string", 7, json.dumps("stub"))
    seed("cut-short", 8, json.dumps(stub)[:70])
    seed("empty", 0, "")


# --- Partition tables -----------------------------------------------------

TWO_OTA_CSV = """# Name,   Type, SubType, Offset,   Size, Flags
nvs,      data, nvs,     ,        0x4000,
otadata,  data, ota,     ,        0x2000,
phy_init, data, phy,     ,        0x1000,
factory,  app,  factory, ,        1M,
ota_0,    app,  ota_0,   ,        1M,
ota_1,    app,  ota_1,   ,        1M,
"""


def two_ota_entries():
    return [
        partition_entry(0x01, 0x02, 0x9000, 0x4000, "nvs"),
        partition_entry(0x01, 0x00, 0xD000, 0x2000, "otadata"),
        partition_entry(0x01, 0x01, 0xF000, 0x1000, "phy_init"),
        partition_entry(0x00, 0x00, 0x10000, 0x100000, "factory"),
        partition_entry(0x00, 0x10, 0x110000, 0x100000, "ota_0"),
        partition_entry(0x00, 0x11, 0x210000, 0x100000, "ota_1"),
    ]


def write_partition_table():
    # The option byte: bit 0 CSV, bit 1 sniff, bits 2-3 table offset,
    # bits 4-7 the active partition + 1.
    binary, csv, sniff = 0x00, 0x01, 0x02
    table = partition_table(two_ota_entries())

    def seed(name, options, body):
        write("partition-table", name, bytes([options]) + (body.encode() if isinstance(body, str) else body))

    seed("binary-two-ota", binary | 0x50, table.ljust(0xC00, b"\xff"))
    seed("binary-sector", binary, table.ljust(0x1000, b"\xff"))
    seed("binary-no-md5", binary, partition_table(two_ota_entries(), md5=False))
    seed("binary-bad-md5", binary, table[:6 * 32 + 20] + b"\x00" + table[6 * 32 + 21:])
    seed("binary-md5-only", binary, partition_table([]))
    seed("binary-erased", binary, b"\xff" * 64)
    seed("binary-cut-short", binary, table[:50])
    seed("binary-garbage-second", binary, table[:32] + b"\xe9\x03\x02\x20" + b"\x00" * 28)
    seed("binary-label-junk", binary, partition_table([
        struct.pack("<2sBBII16sI", b"\xaa\x50", 0, 0x10, 0x10000, 0x1000, b"app\x00junk\xff\x01" + b"\x00" * 6, 3),
        partition_entry(0x40, 0x99, 0xFFFFF000, 0x1000, "custom-sixteen-c"),
        partition_entry(0x00, 0x20, 0x20000, 0, "empty"),
    ]))
    seed("binary-96-entries", binary,
         b"".join(partition_entry(1, 2, 0x10000 + i * 0x1000, 0x1000, "p%d" % i) for i in range(96)))
    seed("sniff-binary", sniff | 0x10, table)
    seed("csv-two-ota", csv | 0x40, TWO_OTA_CSV)
    seed("sniff-csv-two-ota", sniff | 0x20, TWO_OTA_CSV)
    seed("csv-offset-0x10000", csv | 0x08, TWO_OTA_CSV)
    seed("csv-offset-top", csv | 0x0C, "nvs,data,nvs,,0x1000\n")
    seed("csv-everything", csv | 0x30,
         "  # comment\r\n\r\n"
         "nvs,data,nvs,36864,24K\r\n"
         "phy_init,data,1,,0x1000\n"
         "factory,0,0,,0x100000\n"
         "custom,0x40,0x05,0x120000,4K,\n"
         "blob,data,,,4096\n"
         "keys,data,nvs_keys,,4K,encrypted\n"
         "fs,data,littlefs,,1M,readonly:encrypted\n"
         "big,app,ota_15,0x400000,2M\n"
         "next,app,test,,64K\n"
         "esphttpd,data,esphttpd,,4K\n"
         "fat,data,fat,,4K\n"
         "spiffs,data,spiffs,,4K\n"
         "core,data,coredump,,64K\n"
         "efuse,data,efuse,,8K\n"
         "undef,data,undefined,,4K\n")
    errors = {
        "overlap": "nvs,data,nvs,0x9000,0x6000\nphy,data,phy,0xE000,0x1000\n",
        "unaligned-app": "factory,app,factory,0x18000,1M\n",
        "unaligned-data": "nvs,data,nvs,0x9800,0x6000\n",
        "long-name": "seventeen_chars_x,data,nvs,,0x6000\n",
        "duplicate-name": "nvs,data,nvs,,0x6000\nnvs,data,phy,,0x1000\n",
        "unknown-subtype": "fs,data,spifs,,0x1000\n",
        "unknown-app-subtype": "a,app,ota_16,,1M\n",
        "empty-app-subtype": "a,app,,,1M\n",
        "unknown-type": "x,bin,nvs,,1M\n",
        "unknown-flag": "nvs,data,nvs,,0x6000,secret\n",
        "no-size": "nvs,data,nvs\n",
        "size-zero": "nvs,data,nvs,,0\n",
        "past-4g": "nvs,data,nvs,0xFFFFF000,0x2000\n",
        "bad-number": "nvs,data,nvs,,lots\n",
        "only-comments": "# nothing\n\n",
        "latin1-name": "caf\xe9,data,nvs,,0x1000\nx,bin\xff,nvs,,1\n",
    }
    for name, text in errors.items():
        seed("csv-" + name, csv, text.encode("latin-1"))
    seed("csv-96-partitions", csv, "".join("p%d,data,nvs,,0x1000\n" % i for i in range(96)))
    seed("csv-nul", csv, b"nvs,data,nvs,,0x1000\n\x00")
    seed("empty", csv, b"")


# --- otadata --------------------------------------------------------------

def ota_entry(seq, state=0xFFFFFFFF, crc=None):
    if crc is None:
        # binascii.crc32 (seq, 0xFFFFFFFF), which is what otatool.py writes.
        crc = zlib.crc32(struct.pack("<I", seq), 0xFFFFFFFF) & 0xFFFFFFFF
    return struct.pack("<I20sII", seq, b"\xff" * 20, state, crc)


def otadata(first, second=None):
    data = first.ljust(0x1000, b"\xff")
    if second is not None:
        data += second.ljust(0x1000, b"\xff")
    return data


def write_otadata():
    # Partitions: count - 1, then (type, subtype) pairs: factory, ota_0,
    # ota_1, otadata; the option byte; the otadata partition.
    two_ota = bytes([3, 0, 0x00, 0, 0x10, 0, 0x11, 1, 0x00])
    no_factory = bytes([2, 0, 0x10, 0, 0x11, 1, 0x00])
    gaps = bytes([2, 0, 0x10, 0, 0x12, 0, 0x00])
    only_factory = bytes([1, 0, 0x00, 1, 0x02])
    checked, fixed = b"\x00", b"\x01"

    def seed(name, table, options, data):
        write("otadata", name, table + options + data)

    seed("erased", two_ota, checked, b"\xff" * 0x2000)
    seed("seq-1", two_ota, checked, otadata(ota_entry(1)))
    seed("seq-2-second", two_ota, checked, otadata(b"\xff" * 32, ota_entry(2, 2)))
    seed("seq-3-both", two_ota, checked, otadata(ota_entry(3, 2), ota_entry(2, 2)))
    seed("bad-crc", two_ota, checked, otadata(ota_entry(3, 2, crc=0x12345678), ota_entry(2, 2)))
    seed("invalid-state", two_ota, checked, otadata(ota_entry(3, 3), ota_entry(2, 2)))
    seed("aborted-state", two_ota, checked, otadata(ota_entry(3, 4), ota_entry(2, 2)))
    seed("seq-0", two_ota, checked, otadata(ota_entry(0)))
    seed("seq-max", two_ota, checked, otadata(ota_entry(0xFFFFFFFF)))
    seed("first-sector-only", two_ota, checked, ota_entry(5, 2))
    seed("one-entry", two_ota, checked, ota_entry(2))
    seed("too-short", two_ota, checked, ota_entry(2)[:31])
    seed("no-factory-erased", no_factory, checked, b"\xff" * 0x2000)
    seed("no-factory-seq-2", no_factory, checked, otadata(ota_entry(2)))
    seed("gaps-seq-2", gaps, checked, otadata(ota_entry(2)))
    seed("only-factory", only_factory, checked, otadata(ota_entry(1)))
    seed("fixed-crc", two_ota, fixed, otadata(struct.pack("<I", 7) + b"\x00" * 28, struct.pack("<I", 9) + b"\x00" * 28))
    seed("empty", b"", b"", b"")


# --- flasher_args.json ----------------------------------------------------

IDF_FLASHER_ARGS = {
    "write_flash_args": ["--flash_mode", "dio", "--flash_size", "2MB", "--flash_freq", "40m"],
    "flash_settings": {"flash_mode": "dio", "flash_size": "2MB", "flash_freq": "40m"},
    "flash_files": {
        "0x1000": "bootloader/bootloader.bin",
        "0x10000": "hello_world.bin",
        "0x8000": "partition_table/partition-table.bin",
    },
    "bootloader": {"offset": "0x1000", "file": "bootloader/bootloader.bin", "encrypted": "false"},
    "app": {"offset": "0x10000", "file": "hello_world.bin", "encrypted": "false"},
    "partition-table": {"offset": "0x8000", "file": "partition_table/partition-table.bin", "encrypted": "false"},
    "extra_esptool_args": {"after": "hard_reset", "before": "default_reset", "stub": True, "chip": "esp32"},
}


def write_flasher_args():
    def seed(name, dir_index, body):
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body, indent=4)
        write("flasher-args", name, bytes([dir_index]) + (body.encode() if isinstance(body, str) else body))

    files = IDF_FLASHER_ARGS["flash_files"]
    seed("esp-idf", 0, IDF_FLASHER_ARGS)
    seed("esp-idf-relative-dir", 2, IDF_FLASHER_ARGS)
    seed("esp-idf-root-dir", 3, IDF_FLASHER_ARGS)
    seed("esp-idf-dotted-dir", 4, IDF_FLASHER_ARGS)
    seed("files-only", 1, {"flash_files": {"65536": "./sub/../app.bin", "0x0": "boot//b.bin"}})
    seed("esp32c3", 0, {"flash_files": {"0x0": "b.bin"}, "extra_esptool_args": {"chip": "esp32c3"}})
    seed("leaves-folder", 0, {"flash_files": {"0x1000": "../x.bin"}})
    seed("leaves-deeper", 0, {"flash_files": {"0x1000": "a/../../x.bin"}})
    seed("absolute-path", 0, {"flash_files": {"0x1000": "/etc/passwd"}})
    seed("folder-itself", 0, {"flash_files": {"0x1000": "sub/.."}})
    seed("empty-path", 0, {"flash_files": {"0x1000": ""}})
    seed("same-address", 0, {"flash_files": {"0x1000": "a.bin", "4096": "b.bin"}})
    seed("bad-address", 0, {"flash_files": {"boot": "a.bin"}})
    seed("address-too-big", 0, {"flash_files": {"0x100000000": "a.bin"}})
    seed("path-not-text", 0, {"flash_files": {"0x1000": 12}})
    seed("files-array", 0, {"flash_files": ["a.bin"]})
    seed("files-empty", 0, {"flash_files": {}})
    seed("no-files", 0, {"flash_settings": IDF_FLASHER_ARGS["flash_settings"]})
    seed("settings-not-object", 0, {"flash_files": files, "flash_settings": 3})
    seed("mode-not-text", 0, {"flash_files": files, "flash_settings": {"flash_mode": 2}})
    seed("unknown-chip", 0, {"flash_files": files, "extra_esptool_args": {"chip": "esp99"}})
    seed("chip-null", 0, {"flash_files": files, "extra_esptool_args": {"chip": None}})
    seed("escaped-path", 0, '{"flash_files": {"0x1000": "a\\u002f..\\u002f..\\u002fx.bin"}}')
    # Found by the fuzzer: json-glib turns "\\277" into a raw byte, which
    # the message about the key then quoted as it was, not UTF-8.
    seed("key-not-utf8", 0, '{"flash_files": {"=0\\277x": "sub/.."}}')
    seed("path-not-utf8", 0, '{"flash_files": {"0x0": "../\\277.bin"}}')
    seed("nul-inside", 0, b'{"flash_files": {"0x0": "a.bin"}}\x00junk')
    seed("root-array", 0, "[1, 2]")
    seed("cut-short", 0, json.dumps(IDF_FLASHER_ARGS)[:90])
    seed("empty", 0, b"")


def main():
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    write_slip()
    write_reply()
    write_image()
    write_units()
    write_stub_image()
    write_partition_table()
    write_otadata()
    write_flasher_args()


if __name__ == "__main__":
    main()
