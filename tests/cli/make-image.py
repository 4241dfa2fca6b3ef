# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a minimal ESP32 bootloader image (0xE9, one IRAM segment, QIO,
1MB, 40m, no appended hash) to the path given, for header-rewrite tests."""
import struct
import sys

data = bytes(range(256)) * 16
header = struct.pack('<BBBBI', 0xE9, 1, 0x00, 0x00, 0x40080000)
# wp pin, drive settings, chip id (ESP32 = 0), min rev, min/max full rev,
# reserved, hash appended
extended = struct.pack('<BBBBHBHH4sB', 0xEE, 0, 0, 0, 0, 0, 0, 0xFFFF, bytes(4), 0)
segment = struct.pack('<II', 0x40080000, len(data)) + data
image = header + extended + segment
checksum = 0xEF
for byte in data:
    checksum ^= byte
image += bytes((15 - len(image) % 16) % 16)
image += bytes([checksum])
with open(sys.argv[1], 'wb') as f:
    f.write(image)
