# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the files the checks-before-writing and partition tests use into
the folder given: small but valid firmware images for the ESP32 and the
ESP8266, a partition table (binary and CSV), otadata saying which app
boots, and raw data. Formats as the ESP-IDF and ESP8266 tools write them."""
import binascii
import hashlib
import os
import struct
import sys

out = sys.argv[1]


def write(name, data):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)


def image(segments, chip_id=None, mode=2, size_freq=0x20, min_rev_full=0, entry=0x40080000):
    """A 0xE9 image: common header, the ESP32 family's extended header when
    chip_id is given, the segments, padding and the XOR checksum."""
    header = struct.pack('<BBBBI', 0xE9, len(segments), mode, size_freq, entry)
    if chip_id is not None:
        # wp pin, drive settings (3), chip id, legacy min rev, min/max full
        # rev, reserved (4), hash appended (none here)
        header += struct.pack('<BBBBHBHH4sB', 0xEE, 0, 0, 0, chip_id, 0, min_rev_full, 0xFFFF,
                              bytes(4), 0)
    body = b''
    checksum = 0xEF
    for load, data in segments:
        body += struct.pack('<II', load, len(data)) + data
        for byte in data:
            checksum ^= byte
    result = header + body
    result += bytes((15 - len(result) % 16) % 16)
    return result + bytes([checksum])


def pattern(n, seed):
    return bytes((i * 7 + seed + (i >> 8)) & 0xFF for i in range(n))


# ESP32 bootloader: runs from IRAM only. App: a DROM segment (flash-mapped).
write('esp32-boot.bin', image([(0x40080000, pattern(0x1000, 1))], chip_id=0))
write('esp32-app.bin', image([(0x3F400020, pattern(0x3000, 2))], chip_id=0))
write('esp32-app-rev4.bin', image([(0x3F400020, pattern(0x3000, 3))], chip_id=0, min_rev_full=400))
write('esp32c3-app.bin', image([(0x3C000020, pattern(0x3000, 4))], chip_id=5))
write('esp32-app-big.bin', image([(0x3F400020, pattern(0x110000, 5))], chip_id=0))
# ESP8266: no extended header; one IRAM segment; QIO (mode 0) or DOUT (3).
write('esp8266-app-qio.bin', image([(0x40100000, pattern(0x2000, 6))], mode=0, entry=0x40100000))
write('esp8266-app-dout.bin', image([(0x40100000, pattern(0x2000, 6))], mode=3, entry=0x40100000))
write('raw.bin', pattern(0x2000, 7))

# The partition table: 32-byte entries, the MD5 entry, then erased bytes.
partitions = [
    ('nvs', 1, 0x02, 0x9000, 0x6000),
    ('otadata', 1, 0x00, 0xF000, 0x2000),
    ('phy_init', 1, 0x01, 0x11000, 0x1000),
    ('app0', 0, 0x10, 0x20000, 0x100000),
    ('app1', 0, 0x11, 0x120000, 0x100000),
]
entries = b''
for name, ptype, subtype, offset, size in partitions:
    entries += struct.pack('<BBBBII16sI', 0xAA, 0x50, ptype, subtype, offset, size,
                           name.encode(), 0)
entries += b'\xEB\xEB' + b'\xFF' * 14 + hashlib.md5(entries).digest()
write('table.bin', entries + b'\xFF' * (0xC00 - len(entries)))
with open(os.path.join(out, 'table.csv'), 'w') as f:
    f.write('# Name, Type, SubType, Offset, Size, Flags\n')
    f.write('nvs,      data, nvs,     0x9000,  0x6000,\n')
    f.write('otadata,  data, ota,     0xf000,  0x2000,\n')
    f.write('phy_init, data, phy,     0x11000, 0x1000,\n')
    f.write('app0,     app,  ota_0,   0x20000, 1M,\n')
    f.write('app1,     app,  ota_1,   ,        1M,\n')

# otadata: sequence 2 in the first sector selects ota_1 ((2 - 1) % 2 slots);
# the CRC is the CRC-32 of the sequence number as ESP-IDF's otatool makes it.
seq = 2
entry = struct.pack('<I', seq) + b'\xFF' * 20 + struct.pack('<I', 2)
entry += struct.pack('<I', binascii.crc32(struct.pack('<I', seq), 0xFFFFFFFF) & 0xFFFFFFFF)
write('otadata-ota1.bin', entry + b'\xFF' * (0x2000 - len(entry)))
