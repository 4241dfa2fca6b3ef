/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sf-chip.h"
#include "sf-transport.h"

G_BEGIN_DECLS

/* The rate every ROM loader syncs at after a reset, and the rate to fall
 * back to when a faster one fails. */
#define SF_SYNC_BAUD          115200
/* Flash is erased in sectors of this size: what an erase must be aligned to. */
#define SF_FLASH_SECTOR_SIZE  0x1000
/* The most flash the loaders can address: their SPI commands carry 3-byte
 * addresses, and beyond 16 MiB the chip needs 4-byte addressing. */
#define SF_FLASH_MAX_SIZE     (16u * 1024 * 1024)
/* What esptool assumes when the flash size cannot be told. */
#define SF_FLASH_DEFAULT_SIZE (4u * 1024 * 1024)

/* What to do to the chip before talking to it (esptool's --before). */
typedef enum
{
  SF_BEFORE_DEFAULT_RESET,   /* DTR/RTS into the bootloader, then SYNC */
  SF_BEFORE_USB_RESET,       /* the USB-Serial/JTAG sequence, then SYNC */
  SF_BEFORE_NO_RESET,        /* leave the lines alone, just SYNC */
  SF_BEFORE_NO_RESET_NO_SYNC,/* assume a loader is already listening */
} SfBefore;

/* What to do after the operation (esptool's --after). */
typedef enum
{
  SF_AFTER_HARD_RESET,       /* pulse RTS: the board runs its new firmware */
  SF_AFTER_SOFT_RESET,       /* ask the loader to run the user code */
  SF_AFTER_NO_RESET,         /* stay in the loader */
  SF_AFTER_NO_RESET_STUB,    /* stay in the loader, stub left running */
} SfAfter;

/* Accept both esptool spellings: "default_reset" and "default-reset". */
gboolean sf_before_from_name (const char *name,
                              SfBefore   *out_before);
gboolean sf_after_from_name  (const char *name,
                              SfAfter    *out_after);

typedef enum
{
  SF_PHASE_CONNECT,
  SF_PHASE_ERASE,
  SF_PHASE_WRITE,
  SF_PHASE_VERIFY,
  SF_PHASE_READ,
} SfPhase;

/* Called from the thread running the operation. @done/@total are bytes of
 * the phase (uncompressed bytes for writes); CONNECT reports 0/0. */
typedef void (*SfProgressFunc) (SfPhase   phase,
                                guint64   done,
                                guint64   total,
                                gpointer  user_data);

/* One line of human-readable output, as the CLI prints it and the GUI's log
 * pane shows it ("Chip is ESP32-D0WD-V3 (revision v3.0)", "Hash of data
 * verified."). Called from the thread running the operation. */
typedef void (*SfLogFunc)      (const char *line,
                                gpointer    user_data);

/* Formats a line and hands it to @func, and to the debug log. */
void sf_log_line (SfLogFunc   func,
                  gpointer    user_data,
                  const char *format,
                  ...) G_GNUC_PRINTF (3, 4);
void sf_log_line_va (SfLogFunc   func,
                     gpointer    user_data,
                     const char *format,
                     va_list     args) G_GNUC_PRINTF (3, 0);

/* One file to put into flash. */
typedef struct
{
  guint32     address;
  GBytes     *data;
  const char *name;          /* shown in messages; may be NULL */
} SfFlashRegion;

typedef enum
{
  SF_COMPRESS_AUTO,          /* wherever the loader supports it */
  SF_COMPRESS_ON,            /* fail when the loader cannot */
  SF_COMPRESS_OFF,
} SfCompress;

typedef struct
{
  SfCompress  compress;
  gboolean    erase_all;     /* erase the whole flash first */
  gboolean    no_verify;     /* skip the check after writing */
  gboolean    no_skip;       /* write sectors that already hold the data too */
  /* Bootloader header rewrite (esptool's --flash_mode etc.); NULL = "keep". */
  const char *flash_mode;
  const char *flash_size;    /* also accepts "detect" */
  const char *flash_freq;
} SfWriteOptions;

typedef struct
{
  SfChip      chip;
  char       *description;   /* "ESP32-D0WD-V3 (revision v3.0)" */
  char       *features;      /* "Wi-Fi, BT, Dual Core" */
  guint       crystal_mhz;
  guint8      mac[6];
  guint32     flash_id;      /* JEDEC: manufacturer | type << 8 | capacity << 16 */
  guint32     flash_size;    /* bytes; 0 when the JEDEC id is not recognised */
} SfChipDetails;

void     sf_chip_details_clear (SfChipDetails *details);
/* The lines that describe a chip once connected, as esptool prints them:
 * "Chip is ESP32-D0WD-V3 (revision v3.0)", "Features: ..." and
 * "Crystal is 40MHz" where known, "MAC: 24:0a:c4:...". Translated.
 * A NULL-terminated array; free with g_strfreev(). */
char   **sf_chip_details_describe (const SfChipDetails *details);

/* How a read into a file treats a file that is already there. */
typedef enum
{
  SF_OUTPUT_FILE_DEFAULT = 0,
  SF_OUTPUT_FILE_FORCE   = 1 << 0,  /* replace it even when it is write-protected */
} SfOutputFileFlags;

#define SF_TYPE_FLASHER (sf_flasher_get_type ())
G_DECLARE_FINAL_TYPE (SfFlasher, sf_flasher, SF, FLASHER, GObject)

/* Every call that talks to the chip blocks (run it in a worker thread) and
 * takes a cancellable, checked between reads and used for that call alone:
 * a cancelled call leaves nothing behind to fail the next one. */
SfFlasher   *sf_flasher_new                (SfTransport          *transport) G_GNUC_WARN_UNUSED_RESULT;
SfTransport *sf_flasher_get_transport      (SfFlasher            *self);
void         sf_flasher_set_progress_func  (SfFlasher            *self,
                                            SfProgressFunc        func,
                                            gpointer              user_data);
void         sf_flasher_set_log_func       (SfFlasher            *self,
                                            SfLogFunc             func,
                                            gpointer              user_data);

/* Resets the chip into its ROM loader (per @before), syncs, and detects the
 * chip. @expected = SF_CHIP_AUTO accepts any; otherwise a different chip is
 * SF_PROTOCOL_ERROR_WRONG_CHIP. */
gboolean     sf_flasher_connect            (SfFlasher            *self,
                                            SfChip                expected,
                                            SfBefore              before,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* Uploads the flasher stub and talks to it from then on. Fails, leaving
 * the chip to be reconnected, when this build has no stub for the chip
 * (SF_PROTOCOL_ERROR_UNSUPPORTED) or the stub never greets. */
gboolean     sf_flasher_start_stub         (SfFlasher            *self,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* TRUE once the flasher stub answers rather than the ROM loader. */
gboolean     sf_flasher_is_stub            (SfFlasher            *self);
/* FALSE for a loader that cannot change its rate (the ESP8266's ROM). */
gboolean     sf_flasher_can_change_baud    (SfFlasher            *self);
/* Moves both ends of the link to @baud. Whether the link still carries
 * frames at that rate is for sf_flasher_check_link() to tell. */
gboolean     sf_flasher_change_baud        (SfFlasher            *self,
                                            guint                 baud,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* Sets the host side of the link alone: for a chip that is already at
 * @baud (a stub left running) or will be after a reset (115200). */
gboolean     sf_flasher_set_link_baud      (SfFlasher            *self,
                                            guint                 baud,
                                            GError              **error);
/* A short exchange that fails when the link garbles or loses frames. */
gboolean     sf_flasher_check_link         (SfFlasher            *self,
                                            GCancellable         *cancellable,
                                            GError              **error);
SfChip       sf_flasher_get_chip           (SfFlasher            *self);
/* The rate the link runs at now. */
guint        sf_flasher_get_baud           (SfFlasher            *self);
gboolean     sf_flasher_read_chip_details  (SfFlasher            *self,
                                            SfChipDetails        *out_details,
                                            GCancellable         *cancellable,
                                            GError              **error);
gboolean     sf_flasher_read_mac           (SfFlasher            *self,
                                            guint8                out_mac[6],
                                            GCancellable         *cancellable,
                                            GError              **error);
gboolean     sf_flasher_read_flash_id      (SfFlasher            *self,
                                            guint32              *out_flash_id,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* The flash size in bytes: the one set with set_flash_size, else detected
 * from the JEDEC id (cached), else 4 MiB as esptool assumes. */
gboolean     sf_flasher_get_flash_size     (SfFlasher            *self,
                                            guint32              *out_size,
                                            GCancellable         *cancellable,
                                            GError              **error);
void         sf_flasher_set_flash_size     (SfFlasher            *self,
                                            guint32               size);

/* Checks that regions are non-empty, inside @flash_size (0 = unknown) and do
 * not overlap; used before the port is opened and again once the real flash
 * size is known. */
gboolean     sf_flasher_check_regions      (const SfFlashRegion  *regions,
                                            guint                 n_regions,
                                            guint32               flash_size,
                                            GError              **error);
/* The same for a span to read or erase: [address, address + size) is
 * non-empty and inside @flash_size (0 = unknown), and with @whole_sectors
 * (erasing) both ends are multiples of SF_FLASH_SECTOR_SIZE. The flasher
 * checks again before it asks the chip for anything. */
gboolean     sf_flasher_check_span         (guint32               address,
                                            guint32               size,
                                            guint32               flash_size,
                                            gboolean              whole_sectors,
                                            GError              **error);

gboolean     sf_flasher_write_flash        (SfFlasher            *self,
                                            const SfFlashRegion  *regions,
                                            guint                 n_regions,
                                            const SfWriteOptions *options,
                                            GCancellable         *cancellable,
                                            GError              **error);
gboolean     sf_flasher_verify_flash       (SfFlasher            *self,
                                            const SfFlashRegion  *regions,
                                            guint                 n_regions,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* Streams flash bytes into @output; nothing is buffered beyond one block. */
gboolean     sf_flasher_read_flash         (SfFlasher            *self,
                                            guint32               address,
                                            guint32               size,
                                            GOutputStream        *output,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* Reads into a temporary file beside @path and renames it over @path only
 * once the read is complete: an interrupted read leaves @path untouched.
 * A symbolic link is written through: its target is replaced. The file is
 * checked as sf_flasher_check_output_file() does, with @size, before the
 * chip is asked for anything. */
gboolean     sf_flasher_read_flash_to_file (SfFlasher            *self,
                                            guint32               address,
                                            guint32               size,
                                            const char           *path,
                                            GCancellable         *cancellable,
                                            GError              **error);
gboolean     sf_flasher_read_flash_to_file_full (SfFlasher       *self,
                                            guint32               address,
                                            guint32               size,
                                            const char           *path,
                                            SfOutputFileFlags     flags,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* What can be checked before reading: @path is not a folder or a device,
 * its folder exists and may be written to, the file is not write-protected
 * (unless SF_OUTPUT_FILE_FORCE) and @size bytes fit beside it (@size 0:
 * not known yet). SF_PROTOCOL_ERROR_WRITE_PROTECTED for a write-protected
 * file, SF_PROTOCOL_ERROR_IO for the rest; the message names the file or
 * folder and says what to do. */
gboolean     sf_flasher_check_output_file  (const char           *path,
                                            guint64               size,
                                            SfOutputFileFlags     flags,
                                            GError              **error);
gboolean     sf_flasher_erase_region       (SfFlasher            *self,
                                            guint32               address,
                                            guint32               size,
                                            GCancellable         *cancellable,
                                            GError              **error);
gboolean     sf_flasher_erase_flash        (SfFlasher            *self,
                                            GCancellable         *cancellable,
                                            GError              **error);
/* Leaves the chip as @after says. */
gboolean     sf_flasher_leave              (SfFlasher            *self,
                                            SfAfter               after,
                                            GCancellable         *cancellable,
                                            GError              **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SfChipDetails, sf_chip_details_clear)

G_END_DECLS
