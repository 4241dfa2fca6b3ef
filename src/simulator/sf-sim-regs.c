/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sf-sim-regs"

#include "config.h"

#include <string.h>

#include "sf-sim-regs-private.h"

#define ESP32_RTC_CALI_REG 0x3FF5F06C

#define SPI_CMD_USR    (1u << 18)
#define SPI_USR_ADDR   (1u << 30)
#define SPI_USR_MISO   (1u << 28)
#define SPI_USR_MOSI   (1u << 27)

struct _SfSimRegs
{
  const SfSimChip *chip;
  SfSimFlash      *flash;    /* not owned */
  GHashTable      *registers;
  guint            xtal_mhz;
  SfSimEfuses      efuses;
  guint            line_baud;
  guint            uart_switch;  /* taken by the serving thread */
  gboolean         flash_wel;
};

SfSimRegs *
_sf_sim_regs_new (const SfSimChip *chip,
                  SfSimFlash      *flash)
{
  SfSimRegs *self = g_new0 (SfSimRegs, 1);

  self->chip = chip;
  self->flash = flash;
  self->registers = g_hash_table_new (NULL, NULL);
  self->xtal_mhz = chip->xtal_mhz;
  _sf_sim_chip_default_efuses (chip, &self->efuses);
  self->line_baud = 115200;
  return self;
}

void
_sf_sim_regs_free (SfSimRegs *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->registers);
  g_free (self);
}

void
_sf_sim_regs_set_xtal_mhz (SfSimRegs *self,
                           guint      mhz)
{
  self->xtal_mhz = mhz;
}

void
_sf_sim_regs_set_efuses (SfSimRegs         *self,
                         const SfSimEfuses *efuses)
{
  self->efuses = *efuses;
}

void
_sf_sim_regs_security_info (SfSimRegs *self,
                            guint8     out_info[20])
{
  _sf_sim_chip_security_info (self->chip, &self->efuses, out_info);
}

double
_sf_sim_regs_uart_clock (SfSimRegs *self)
{
  return (double) self->xtal_mhz * 1e6 * self->chip->uart_clock_factor;
}

void
_sf_sim_regs_set_line_baud (SfSimRegs *self,
                            guint      baud)
{
  if (baud > 0)
    self->line_baud = baud;
}

void
_sf_sim_regs_switch_uart (SfSimRegs *self,
                          guint      baud)
{
  self->uart_switch = baud;
}

guint
_sf_sim_regs_take_uart_switch (SfSimRegs *self)
{
  guint baud = self->uart_switch;

  self->uart_switch = 0;
  return baud;
}


typedef struct
{
  guint32  usr, usr1, usr2, mosi_dlen, miso_dlen, w0;
  gboolean addr_msb;
} SpiLayout;

static void
spi_layout (const SfSimChip *chip,
            SpiLayout       *l)
{
  switch (chip->spi_layout)
    {
    case SF_SIM_SPI_LAYOUT_ESP8266:
      *l = (SpiLayout) { 0x1C, 0x20, 0x24, 0, 0, 0x40, TRUE };
      break;
    case SF_SIM_SPI_LAYOUT_ESP32:
      *l = (SpiLayout) { 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x80, TRUE };
      break;
    case SF_SIM_SPI_LAYOUT_NEW:
    default:
      *l = (SpiLayout) { 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58, FALSE };
      break;
    }
}

guint32
_sf_sim_regs_read (SfSimRegs *self,
                   guint32    address)
{
  gpointer value;
  guint32 def;

  if (address == self->chip->uart_clkdiv_reg)
    {
      /* The ROM's auto-baud set the divider for the rate the host uses;
       * esptool derives the crystal from it (crystal = rate × divider). */
      guint64 uart_clock = (guint64) _sf_sim_regs_uart_clock (self);
      return (guint32) ((uart_clock + self->line_baud / 2) / self->line_baud) & 0xFFFFF;
    }

  /* The ESP32's RTC calibration (RTCCALICFG1, bits 7 up) measures the
   * crystal fitted, which its ROM then takes as 15625 × that × the CK8M
   * eFuse (80) / 40 Hz: 1280 is exactly 40 MHz, 832 exactly 26 MHz, so
   * the ROM calibrated right. Written by a host, it reads what was
   * written. */
  if (self->chip->rom_clock == SF_SIM_ROM_CLOCK_CALIBRATED && address == ESP32_RTC_CALI_REG &&
      !g_hash_table_contains (self->registers, GUINT_TO_POINTER (address)))
    return (1280u * self->xtal_mhz / 40) << 7;

  if (g_hash_table_lookup_extended (self->registers, GUINT_TO_POINTER (address), NULL, &value))
    return GPOINTER_TO_UINT (value);
  if (_sf_sim_chip_read_default (self->chip, &self->efuses, address, &def))
    return def;
  return 0;
}

static void
reg_store (SfSimRegs *self,
           guint32   address,
           guint32   value)
{
  g_hash_table_insert (self->registers, GUINT_TO_POINTER (address), GUINT_TO_POINTER (value));
}

static guint32
jedec_id (SfSimRegs *self)
{
  gsize size = _sf_sim_flash_get_size (self->flash);
  guint capacity = 0;

  while (((gsize) 1 << capacity) < size)
    capacity++;
  /* An ESP8285's flash is in its package: a GigaDevice-style id (0xC8,
   * type 0x40), an assumption, not a documented fact. Else Winbond
   * (0xEF), W25Q type 0x40; capacity = log2 (bytes). */
  if (self->efuses.esp8285_flash_mb != 0)
    return 0xC8 | (0x40 << 8) | (capacity << 16);
  return 0xEF | (0x40 << 8) | (capacity << 16);
}

static void
spi_execute (SfSimRegs *self)
{
  const guint32 base = self->chip->spi_base;
  SpiLayout l;
  guint32 usr, usr1, usr2, opcode, address, w[16] = { 0 };
  guint miso_bits = 0, addr_bits = 0, mosi_bits = 0;

  spi_layout (self->chip, &l);
  usr = _sf_sim_regs_read (self, base + l.usr);
  usr1 = _sf_sim_regs_read (self, base + l.usr1);
  usr2 = _sf_sim_regs_read (self, base + l.usr2);
  opcode = usr2 & 0xFF;
  address = _sf_sim_regs_read (self, base + 0x04);

  if (self->chip->spi_layout == SF_SIM_SPI_LAYOUT_ESP8266)
    {
      /* The ESP8266 keeps the data lengths in USR1. */
      if (usr & SPI_USR_MISO)
        miso_bits = ((usr1 >> 8) & 0x1FF) + 1;
      if (usr & SPI_USR_MOSI)
        mosi_bits = ((usr1 >> 17) & 0x1FF) + 1;
    }
  else
    {
      if (usr & SPI_USR_MISO)
        miso_bits = (_sf_sim_regs_read (self, base + l.miso_dlen) & 0x3FFFF) + 1;
      if (usr & SPI_USR_MOSI)
        mosi_bits = (_sf_sim_regs_read (self, base + l.mosi_dlen) & 0x3FFFF) + 1;
    }

  if (usr & SPI_USR_ADDR)
    {
      addr_bits = ((usr1 >> 26) & 0x3F) + 1;
      if (self->chip->spi_layout == SF_SIM_SPI_LAYOUT_ESP8266 && ((usr1 >> 26) & 0x3F) == 0)
        addr_bits = 24;
      if (l.addr_msb && addr_bits < 32)
        address >>= 32 - addr_bits;
    }

  for (guint i = 0; i < 16; i++)
    w[i] = _sf_sim_regs_read (self, base + l.w0 + 4 * i);

  switch (opcode)
    {
    case 0x9F: /* RDID */
      w[0] = jedec_id (self);
      break;

    case 0x05: /* RDSR */
      w[0] = self->flash_wel ? 0x02 : 0x00;
      break;

    case 0x35: /* RDSR2 */
    case 0x15: /* RDSR3 */
      w[0] = 0;
      break;

    case 0x03: /* READ */
    case 0x0B: /* FAST_READ (dummy cycles don't matter here) */
      {
        guint8 bytes[64];
        gsize n = MIN ((miso_bits + 7) / 8, sizeof bytes);

        memset (bytes, 0xFF, sizeof bytes);
        if (n > 0 && _sf_sim_flash_read (self->flash, address, bytes, n))
          {
            memset (w, 0, sizeof w);
            /* The controller puts the first byte received in W0's low byte. */
            for (gsize i = 0; i < n; i++)
              w[i / 4] |= (guint32) bytes[i] << (8 * (i % 4));
          }
      }
      break;

    case 0x06: /* WREN */
      self->flash_wel = TRUE;
      break;

    case 0x04: /* WRDI */
      self->flash_wel = FALSE;
      break;

    case 0x20: /* sector erase */
    case 0x52: /* 32 KiB block erase */
    case 0xD8: /* 64 KiB block erase */
      if (self->flash_wel)
        {
          guint32 span = opcode == 0x20 ? 0x1000 : opcode == 0x52 ? 0x8000 : 0x10000;

          _sf_sim_flash_erase (self->flash, address & ~(span - 1), span);
        }
      self->flash_wel = FALSE;
      break;

    case 0x60: /* chip erase */
    case 0xC7:
      if (self->flash_wel)
        _sf_sim_flash_erase (self->flash, 0, _sf_sim_flash_get_size (self->flash));
      self->flash_wel = FALSE;
      break;

    case 0x02: /* page program, data from W0… */
      if (self->flash_wel && mosi_bits >= 8)
        {
          guint8 bytes[64];
          gsize n = MIN (mosi_bits / 8, sizeof bytes);

          for (gsize i = 0; i < n; i++)
            bytes[i] = (w[i / 4] >> (8 * (i % 4))) & 0xFF;
          _sf_sim_flash_program (self->flash, address, bytes, n);
        }
      self->flash_wel = FALSE;
      break;

    default:
      /* 0x66/0x99 reset, 0x01 WRSR, 0x5A SFDP, …: nothing to model. */
      break;
    }

  for (guint i = 0; i < 16; i++)
    reg_store (self, base + l.w0 + 4 * i, w[i]);
}

void
_sf_sim_regs_write (SfSimRegs *self,
                    guint32    address,
                    guint32    value,
                    guint32    mask)
{
  guint32 next;

  /* esptool uses a masked write to the UART date register as a pure
   * delay; the register is read-only. */
  if (address == self->chip->uart_date_reg)
    return;

  next = (value & mask) | (_sf_sim_regs_read (self, address) & ~mask);
  if (address == self->chip->spi_base && (next & SPI_CMD_USR))
    {
      spi_execute (self);
      /* The command is done before anyone can read the register again. */
      next &= ~SPI_CMD_USR;
    }
  reg_store (self, address, next);
}

