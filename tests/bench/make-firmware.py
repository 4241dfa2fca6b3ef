# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes SIZE bytes that compress about as real ESP firmware does (zlib
level 9 to 55-65 %): machine code drawn from a skewed vocabulary of
instructions with varying operands, strings, pointer tables and a little
incompressible data. Deterministic for a given SEED.

usage: make-firmware.py PATH SIZE [SEED]"""
import random
import struct
import sys

WORDS = ("wifi connect failed retry timeout error station scan event handler "
         "task queue semaphore mutex heap free alloc partition ota update boot "
         "flash read write erase sector block config nvs key value init deinit "
         "gpio uart spi i2c pwm adc timer interrupt watchdog panic abort reset").split()


def code(rng, n):
    # A few hundred opcodes used far more than the rest, each with operands
    # that are often small and sometimes anything.
    opcodes = [rng.getrandbits(16) for _ in range(200)]
    weights = [1.0 / (i + 1) ** 1.3 for i in range(len(opcodes))]
    out = bytearray()
    while len(out) < n:
        op = rng.choices(opcodes, weights)[0]
        if rng.random() < 0.75:
            operand = rng.getrandbits(2) << 4 | rng.getrandbits(2)
        else:
            operand = rng.getrandbits(8)
        out += struct.pack('<HB', op, operand)
    return bytes(out[:n])


def strings(rng, n):
    out = bytearray()
    while len(out) < n:
        words = rng.choices(WORDS, k=rng.randint(2, 7))
        line = " ".join(words)
        if rng.random() < 0.4:
            line += ": %d (0x%x)" % (rng.getrandbits(12), rng.getrandbits(24))
        out += line.encode() + b"\0"
    return bytes(out[:n])


def pointers(rng, n):
    out = bytearray()
    address = 0x3F400000 + rng.getrandbits(16) * 4
    while len(out) < n:
        address += rng.choice((4, 8, 12, 16, 24, 32, 64, rng.getrandbits(10) * 4))
        out += struct.pack('<I', address)
    return bytes(out[:n])


def main():
    path, size = sys.argv[1], int(sys.argv[2], 0)
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    kinds = ((code, 0.60), (strings, 0.24), (pointers, 0.12),
             (lambda r, k: r.randbytes(k), 0.04))
    image = bytearray()
    while len(image) < size:
        make, share = rng.choices(kinds, [k[1] for k in kinds])[0]
        image += make(rng, rng.randint(256, 8192))
    with open(path, 'wb') as f:
        f.write(bytes(image[:size]))


main()
