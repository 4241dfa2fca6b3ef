/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-chip.h"

G_BEGIN_DECLS

/* Where a file goes, told from its name or from the build that made it:
 * ESP-IDF's flasher_args.json, ESP-IDF / PlatformIO / Arduino output names,
 * NodeMCU's file-system images, the ESP8266 SDK's RF init data, and
 * Sparkflash's own backups. Nothing here reads the file's content: that is
 * sf_image_parse()'s job, and callers weigh both. */

/* What kind of place a name gives: one that is the same on every board,
 * or a usual place that the board's partition table may put elsewhere. */
typedef enum
{
  SF_ADDRESS_HINT_FIXED,      /* the place itself ("0x7c000-4mb.bin", bootloader.bin) */
  SF_ADDRESS_HINT_APP,        /* an app, at the usual 0x10000 (0x0 on an ESP8266) */
  SF_ADDRESS_HINT_OTADATA,    /* initial OTA data, at ESP-IDF's or Arduino's usual place */
  SF_ADDRESS_HINT_PARTITION_TABLE, /* at 0x8000, unless the board's project moved it */
} SfAddressHintKind;

/* An address, from the start of the flash or back from its end (the
 * ESP8266's RF init data sits 16 KiB before the end, whatever the size). */
typedef struct
{
  guint32            value;
  gboolean           from_end;   /* the address is flash size - value */
  const char        *reason;     /* translated, static: "NodeMCU file system image" */
  SfAddressHintKind  kind;
} SfAddressHint;

/* The address the name says, or FALSE when it says none. @chip may be
 * SF_CHIP_AUTO when no board is known yet; names whose place depends on
 * the chip ("bootloader.bin", "firmware.bin") then give FALSE. Recognised:
 *   sparkflash-backup-*-0x<address>.bin         a backup (the address in it)
 *   0x<offset>-<size>.bin / .img                NodeMCU SPIFFS image
 *   LFS.<offset>.img, lfs-0x<offset>.img         NodeMCU Lua flash store
 *   <anything>0x<hex>.bin / @0x<hex>             an address in the name
 *   esp_init_data_default*.bin                  ESP8266 RF init data: end - 16 KiB
 *   boot_v1.*.bin                               ESP8266 boot loader: 0x0
 *   eagle.flash.bin, eagle.irom0text.bin        NONOS SDK: 0x0, 0x10000
 *   bootloader.bin, *.ino.bootloader.bin        the chip's bootloader offset
 *   partition-table.bin, partitions.bin,
 *   *.ino.partitions.bin                        0x8000
 *   ota_data_initial.bin                        0xD000 (ESP-IDF's default table)
 *   boot_app0.bin                               0xE000
 *   firmware.bin, *.ino.bin, <project>.bin      app: 0x10000, 0x0 on an ESP8266
 *   *.factory.bin, *.merged.bin, *-factory.bin  a merged image: 0x0 */
gboolean     sf_build_files_address_from_name  (const char     *basename,
                                                SfChip          chip,
                                                SfAddressHint  *out_hint);

typedef struct
{
  guint32  address;
  char    *path;              /* absolute */
} SfBuildFile;

/* What ESP-IDF's flasher_args.json says: the files and where they go, and
 * the flash settings and chip it was built for. */
typedef struct
{
  SfChip      chip;           /* SF_CHIP_AUTO when the file names none */
  char       *flash_mode;     /* NULL when not given */
  char       *flash_size;
  char       *flash_freq;
  GPtrArray  *files;          /* of SfBuildFile, in address order */
} SfFlasherArgs;

void         sf_flasher_args_free              (SfFlasherArgs  *args);

/* Parses @json, the content of a flasher_args.json in @build_dir: file
 * paths in it are relative to @build_dir. Errors
 * (SF_PROTOCOL_ERROR_INVALID_ARGUMENT) say what is wrong, in lower case:
 * not JSON, no "flash_files", an address that is not a number, a path
 * that leaves @build_dir ("../x") or is absolute, two files at one
 * address. Safe on any input. */
SfFlasherArgs *sf_flasher_args_parse           (GBytes         *json,
                                                const char     *build_dir,
                                                GError        **error);

/* Every file a build folder asks to flash, with its address: from
 * flasher_args.json when the folder (or its "build" subfolder) has one,
 * else from the names above, looked for in @dir and in the places the
 * tools put them (ESP-IDF's bootloader/ and partition_table/, PlatformIO's
 * .pio/build/<env>/ when there is exactly one env). A merged image found
 * alongside separate files is not listed with them. Fails
 * (SF_PROTOCOL_ERROR_INVALID_ARGUMENT) when nothing is recognised, saying
 * what was looked for. @out_args, when not NULL, gets the flash settings of
 * a flasher_args.json (NULL without one). */
GPtrArray   *sf_build_files_scan_folder        (const char     *dir,
                                                SfChip          chip,
                                                SfFlasherArgs **out_args,
                                                GError        **error);

void         sf_build_file_free                (SfBuildFile    *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfFlasherArgs, sf_flasher_args_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfBuildFile, sf_build_file_free)

G_END_DECLS
