/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the ROM loader and the flasher stub machines both need: the
 * opcodes, the little-endian words of every payload and the data
 * checksum. */

enum
{
  SF_SIM_OP_FLASH_BEGIN       = 0x02,
  SF_SIM_OP_FLASH_DATA        = 0x03,
  SF_SIM_OP_FLASH_END         = 0x04,
  SF_SIM_OP_MEM_BEGIN         = 0x05,
  SF_SIM_OP_MEM_END           = 0x06,
  SF_SIM_OP_MEM_DATA          = 0x07,
  SF_SIM_OP_SYNC              = 0x08,
  SF_SIM_OP_WRITE_REG         = 0x09,
  SF_SIM_OP_READ_REG          = 0x0A,
  SF_SIM_OP_SPI_SET_PARAMS    = 0x0B,
  SF_SIM_OP_SPI_ATTACH        = 0x0D,
  SF_SIM_OP_READ_FLASH_SLOW   = 0x0E,
  SF_SIM_OP_CHANGE_BAUDRATE   = 0x0F,
  SF_SIM_OP_FLASH_DEFL_BEGIN  = 0x10,
  SF_SIM_OP_FLASH_DEFL_DATA   = 0x11,
  SF_SIM_OP_FLASH_DEFL_END    = 0x12,
  SF_SIM_OP_SPI_FLASH_MD5     = 0x13,
  SF_SIM_OP_GET_SECURITY_INFO = 0x14,
  /* Only the stub knows these. */
  SF_SIM_OP_ERASE_FLASH       = 0xD0,
  SF_SIM_OP_ERASE_REGION      = 0xD1,
  SF_SIM_OP_READ_FLASH        = 0xD2,
  SF_SIM_OP_RUN_USER_CODE     = 0xD3,
};

#define SF_SIM_SECTOR_SIZE 0x1000u
#define SF_SIM_BLOCK_SIZE  0x10000u

/* A RAM image loaded with MEM_BEGIN / MEM_DATA: where it starts and how
 * many of its bytes have arrived. A jump to an address no segment covers
 * runs nothing we could simulate. */
typedef struct
{
  guint32 start;
  guint32 loaded;
} SfSimSegment;

static inline guint32
_sf_sim_get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline void
_sf_sim_put_le32 (guint8  *p,
                  guint32  v)
{
  p[0] = v & 0xFF;
  p[1] = (v >> 8) & 0xFF;
  p[2] = (v >> 16) & 0xFF;
  p[3] = (v >> 24) & 0xFF;
}

/* The data checksum of FLASH_DATA, FLASH_DEFL_DATA and MEM_DATA: 0xEF
 * XOR-ed with every byte. */
static inline guint8
_sf_sim_checksum (const guint8 *data,
                  gsize         length)
{
  guint8 sum = 0xEF;

  for (gsize i = 0; i < length; i++)
    sum ^= data[i];
  return sum;
}

/* TRUE when @address lies in a segment (an array of SfSimSegment) that
 * received bytes there. */
static inline gboolean
_sf_sim_segments_cover (GArray  *segments,
                        guint32  address)
{
  for (guint i = 0; i < segments->len; i++)
    {
      const SfSimSegment *s = &g_array_index (segments, SfSimSegment, i);

      if (address >= s->start && address - s->start < s->loaded)
        return TRUE;
    }
  return FALSE;
}

G_END_DECLS
