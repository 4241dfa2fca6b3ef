/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-chip.h"
#include "sf-image.h"
#include "sf-partition-table.h"

G_BEGIN_DECLS

typedef enum
{
  SF_FIRMWARE_ROW_OK,
  SF_FIRMWARE_ROW_WARNING,   /* unusual, but it can be written */
  SF_FIRMWARE_ROW_ERROR,     /* cannot be written as it is */
} SfFirmwareRowStatus;

/* One file of the firmware list: which file, where it goes, whether it is
 * written. Emits "changed" when any of those changes and "remove" when the
 * person asks to take it off the list. */
#define SF_TYPE_FIRMWARE_ROW (sf_firmware_row_get_type ())
G_DECLARE_FINAL_TYPE (SfFirmwareRow, sf_firmware_row, SF, FIRMWARE_ROW, GtkListBoxRow)

GtkWidget          *sf_firmware_row_new              (void);

/* Reads the whole file into memory (a snapshot: a file a build rewrites
 * later does not change it) and its image header. A file that cannot be
 * read, or is no regular file (a FIFO, a device), is kept, with an error
 * shown. When the address was not typed by hand, the usual address for
 * such a file is filled in. */
void                sf_firmware_row_set_file         (SfFirmwareRow       *self,
                                                      GFile               *file);
GFile              *sf_firmware_row_get_file         (SfFirmwareRow       *self);
typedef enum
{
  SF_FIRMWARE_ROW_UNCHANGED,  /* the same bytes as before (or none before) */
  SF_FIRMWARE_ROW_CHANGED,    /* other bytes now: the row shows the new file */
  SF_FIRMWARE_ROW_GONE,       /* readable before, not now: the row says why */
} SfFirmwareRowReload;

/* Reads the file again, to pick up a rebuilt firmware, and says whether
 * its contents changed since the last read. */
SfFirmwareRowReload sf_firmware_row_reload           (SfFirmwareRow       *self);
/* The file's bytes, or NULL when none could be read. */
GBytes             *sf_firmware_row_get_data         (SfFirmwareRow       *self);
/* The parsed header, or NULL (no file, or a header cut short). */
const SfImageInfo  *sf_firmware_row_get_image_info   (SfFirmwareRow       *self);

const char         *sf_firmware_row_get_address_text (SfFirmwareRow       *self);
/* As if typed: the row no longer suggests an address. */
void                sf_firmware_row_set_address_text (SfFirmwareRow       *self,
                                                      const char          *text);
gboolean            sf_firmware_row_get_address      (SfFirmwareRow       *self,
                                                      guint32             *out_address);
gboolean            sf_firmware_row_get_enabled      (SfFirmwareRow       *self);
void                sf_firmware_row_set_enabled      (SfFirmwareRow       *self,
                                                      gboolean             enabled);
/* The detected or chosen chip, for address suggestions. */
void                sf_firmware_row_set_chip         (SfFirmwareRow       *self,
                                                      SfChip               chip);

/* The size of the board's flash, once known (0: not known): a file whose
 * name places it back from the end (the ESP8266's RF init data) gets its
 * address from it. */
void                sf_firmware_row_set_flash_size   (SfFirmwareRow       *self,
                                                      guint32              flash_size);
/* The board's partition table once read (NULL: none known) and the index
 * of the app in it that starts (-1: not known): an app, OTA data, a file
 * system or NVS image goes to its partition, and the menu beside the
 * address lists them all. */
void                sf_firmware_row_set_partition_table (SfFirmwareRow    *self,
                                                         SfPartitionTable *table,
                                                         int               boot_index);
/* Where the board's partition table is (0: 0x8000): a table file goes
 * there. */
void                sf_firmware_row_set_partition_table_offset (SfFirmwareRow *self,
                                                                guint32        offset);
/* Why the address is where it is when the board decided it ("the app
 * partition the board starts"), or NULL. */
const char         *sf_firmware_row_get_place_reason (SfFirmwareRow       *self);
/* What the file's name was taken for when it gave the address
 * ("NodeMCU file system image"), or NULL when the name says nothing. */
const char         *sf_firmware_row_get_hint_reason  (SfFirmwareRow       *self);

/* A problem of the row alone (no file, unreadable, empty, address not a
 * number), or NULL when it could be written as far as it knows. */
const char         *sf_firmware_row_get_own_problem  (SfFirmwareRow       *self);
/* A problem found by comparing with other rows or the flash size; shown
 * when the row has none of its own. */
void                sf_firmware_row_set_problem      (SfFirmwareRow       *self,
                                                      SfFirmwareRowStatus  status,
                                                      const char          *message);
/* What is shown under the address. */
SfFirmwareRowStatus sf_firmware_row_get_status       (SfFirmwareRow       *self);
const char         *sf_firmware_row_get_message      (SfFirmwareRow       *self);
/* An extra remark under the description, e.g. about a header rewrite. */
void                sf_firmware_row_set_note         (SfFirmwareRow       *self,
                                                      const char          *note);
/* The file's name, for messages ("app.bin"), or a placeholder. */
char               *sf_firmware_row_dup_display_name (SfFirmwareRow       *self);
void                sf_firmware_row_focus_address    (SfFirmwareRow       *self);

G_END_DECLS
