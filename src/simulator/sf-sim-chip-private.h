/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where a chip group keeps its SPI "user command" registers. */
typedef enum
{
  SF_SIM_SPI_LAYOUT_ESP8266,
  SF_SIM_SPI_LAYOUT_ESP32,
  SF_SIM_SPI_LAYOUT_NEW,
} SfSimSpiLayout;

typedef struct
{
  guint32 address;
  guint32 value;
} SfSimRegister;

/* The clock the ROM divides by when CHANGE_BAUDRATE sets its UART: a
 * ROM that gets it wrong ends up at another rate than it was sent, and
 * the host must send a value scaled to make up for it. */
typedef enum
{
  SF_SIM_ROM_CLOCK_REAL,        /* the real UART clock: exact */
  SF_SIM_ROM_CLOCK_CALIBRATED,  /* ESP32: RTC calibration × eFuse CK8M word */
  SF_SIM_ROM_CLOCK_ASSUMES_40,  /* ESP32-C2: a 40 MHz crystal, whatever is fitted */
} SfSimRomClock;

/* What one board's eFuses hold beyond the chip's defaults. */
typedef struct
{
  guint8   mac[6];            /* the factory MAC */
  gboolean secure_boot;       /* secure boot enabled (v2 on the ESP32 v3.0) */
  gboolean flash_encryption;  /* the crypt counter odd once: encrypted flash */
  guint    esp8285_flash_mb;  /* ESP8266 only: 0 = ESP8266EX, else an ESP8285 with 1 or 2 MB embedded */
} SfSimEfuses;

typedef struct
{
  const char          *name;            /* as esptool's --chip */
  gboolean             is_esp8266;      /* ESP8266 ROM: minimal command set */
  gboolean             is_esp32;        /* the original ESP32 ROM */
  guint                status_length;   /* 2 on the ESP8266 ROM, else 4 */
  guint32              magic;           /* READ_REG 0x40001000 */
  guint                security_info_length; /* 0 = GET_SECURITY_INFO unsupported */
  guint32              chip_id;
  guint32              eco_version;
  SfSimSpiLayout       spi_layout;
  guint32              spi_base;
  guint32              uart_date_reg;
  guint32              uart_date_value;
  guint32              uart_clkdiv_reg;
  guint                xtal_mhz;
  guint                uart_clock_factor; /* UART clock = xtal × factor (2 on ESP8266) */
  SfSimRomClock        rom_clock;
  guint32              mac_lo_reg;      /* 0 on the ESP8266 (OTP layout instead) */
  guint32              mac_hi_reg;
  guint32              mac_hi_extra;    /* bits OR-ed above the MAC in the hi word */
  guint8               mac[6];
  const SfSimRegister *registers;       /* eFuse words and friends */
  /* Where the eFuses say "secure boot" and "flash encryption" (0: the
   * chip has neither). The crypt counter's mask is contiguous. */
  guint32              secure_boot_reg;
  guint32              secure_boot_mask;
  guint32              crypt_cnt_reg;
  guint32              crypt_cnt_mask;
  /* The eFuse word with key purposes 0 and 1 in bits 24–27 and 28–31 (0:
   * none the security info reports). */
  guint32              key_purpose_reg;
  /* ESP32-S3: the ROM's pointer to its legacy flash read function, which
   * READ_FLASH_SLOW calls (0: not modelled); with secure boot on, this
   * ROM does not run code MEM_END names, so esptool points this at its
   * stub instead. */
  guint32              rom_read_func_ptr;
  const char          *banner_head;
  const char          *download_boot;   /* the "rst:…,boot:…" line in download mode */
  const char          *flash_boot;      /* …and when booting from flash */
  gboolean             prints_waiting;  /* "waiting for download" follows */
} SfSimChip;

const SfSimChip *_sf_sim_chip_lookup      (const char      *name);
/* NULL-terminated, static. */
const char     **_sf_sim_chip_list_names  (void);
/* Value of a register nobody has written yet (eFuse, ROM words, …), on a
 * board whose own eFuses hold @efuses. */
gboolean         _sf_sim_chip_read_default (const SfSimChip   *chip,
                                            const SfSimEfuses *efuses,
                                            guint32            address,
                                            guint32           *out_value);
/* The chip's defaults: its table's MAC, no security, an ESP8266EX. */
void             _sf_sim_chip_default_efuses (const SfSimChip *chip,
                                              SfSimEfuses     *out_efuses);
/* Does this ROM know @opcode at all? */
gboolean         _sf_sim_chip_supports     (const SfSimChip *chip,
                                            guint8           opcode);
/* GET_SECURITY_INFO's answer, ROM and stub alike, as the ROM builds it
 * from the eFuses: a 32-bit flags word (bit 0 secure boot), the crypt
 * counter's value, 7 key purposes, then chip_id and ECO version; the
 * chip's security_info_length bytes of it are sent. */
void             _sf_sim_chip_security_info (const SfSimChip   *chip,
                                             const SfSimEfuses *efuses,
                                             guint8             out_info[20]);
/* The text a board prints after reset. */
char            *_sf_sim_chip_boot_banner  (const SfSimChip *chip,
                                            gboolean         download_mode);

G_END_DECLS
