/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-build-files.h"
#include "sf-chip.h"
#include "sf-image.h"
#include "sf-partition-table.h"

G_BEGIN_DECLS

/* Where a file goes on one board: its name (sf-build-files.h) and its
 * content (sf-image.h) weighed against what the board has told, its chip,
 * its flash size and its partition table, and, on an ESP8266, the flash
 * layouts of the Arduino core. */

/* What is known of the board; any part may not be known yet. */
typedef struct
{
  SfChip             chip;         /* SF_CHIP_AUTO: not known */
  guint32            flash_size;   /* 0: not known */
  guint32            table_offset; /* where its table is; 0: SF_PARTITION_TABLE_DEFAULT_OFFSET */
  SfPartitionTable  *table;        /* NULL: none read, or none there */
  int                boot_index;   /* the app in @table that starts; -1: not known */
} SfBoardLayout;

/* A place to offer in a list. */
typedef struct
{
  guint32  address;
  char    *label;                  /* translated: "app0 (app, ota_0), the app that starts" */
} SfFilePlace;

void         sf_file_place_free          (SfFilePlace         *place);

/* What the name @basename says of its place on @chip (as
 * sf_build_files_address_from_name()), unless its content (@info, NULL
 * when it has none) outweighs the name: a bootloader or a partition table
 * says so in its bytes ("bootloader.bin" renamed "app.bin"). */
gboolean     sf_file_places_name_hint    (const char            *basename,
                                          const SfImageInfo     *info,
                                          SfChip                 chip,
                                          SfAddressHint         *out_hint);

/* Where a suggestion came from. */
typedef enum
{
  SF_FILE_PLACE_FROM_NAME,     /* the file's name (sf_build_files_address_from_name()) */
  SF_FILE_PLACE_FROM_CONTENT,  /* its image header, or the start of an ESP8266's flash */
  SF_FILE_PLACE_FROM_BOARD,    /* the board's partition table or flash layout */
} SfFilePlaceSource;

typedef struct
{
  guint32            address;
  SfFilePlaceSource  source;
  const char        *reason;   /* translated, static: "the app partition the board starts" */
} SfFilePlaceSuggestion;

/* The one address for the file called @basename (@info: its parsed
 * content, NULL when it has none); FALSE when nothing says where it goes
 * and the user has to choose. A partition table (by name or content) goes
 * to the board's table offset. Otherwise, in order:
 * - a place the name gives outright (an address in it, bootloader.bin,
 *   the ESP8266 SDK's files; RF init data once the flash size is known),
 *   unless the content says bootloader or partition table;
 * - with the board's partition table: an app (by name or content) goes to
 *   the app partition the board starts (else its factory or first app),
 *   initial OTA data to its otadata partition, a file-system or NVS image
 *   (spiffs, littlefs, fatfs, nvs in the name) to the partition of that
 *   kind;
 * - on an ESP8266 of known flash size, a SPIFFS or LittleFS image to
 *   where the Arduino core's default layout for that size puts it;
 * - the usual place of the name or the content (0x10000 for an app);
 * - data of unknown content: 0x0 on an ESP8266 (or a board not known
 *   yet), where its firmware goes; on the ESP32 family, nothing, as the
 *   bootloader lives there. */
gboolean     sf_file_places_suggest      (const char            *basename,
                                          const SfImageInfo     *info,
                                          const SfBoardLayout   *board,
                                          SfFilePlaceSuggestion *out);

/* Every place worth offering on this board, in address order, as
 * SfFilePlace: the bootloader, the partition table and every partition of
 * the board's table (or the usual app place without one) on the ESP32
 * family; on an ESP8266 the firmware at 0x0, the RF init data and the
 * file system of each Arduino layout for its flash size (every size when
 * not known). Empty while the chip is not known. */
GPtrArray   *sf_file_places_list         (const SfBoardLayout *board);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfFilePlace, sf_file_place_free)

G_END_DECLS
