/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sf-flasher.h"
#include "sf-partition-table.h"

G_BEGIN_DECLS

/* The checks before a write: what could make the board not boot, or lose
 * what it holds, although every byte would be written right. None of
 * them stops a write by itself: the user sees them all as one list and
 * either confirms or goes back (esptool's --force skips them). */
typedef enum
{
  SF_WRITE_CONCERN_WRONG_CHIP,              /* an image built for another chip */
  SF_WRITE_CONCERN_CHIP_REVISION,           /* needs a newer (or older) chip revision */
  SF_WRITE_CONCERN_FLASH_MODE,              /* a flash mode this board cannot run (ESP8285: DOUT) */
  SF_WRITE_CONCERN_LARGER_THAN_FLASH,       /* runs past the end of a flash whose size is a guess */
  SF_WRITE_CONCERN_LARGER_THAN_PARTITION,   /* runs past the end of its partition */
  SF_WRITE_CONCERN_OVERWRITES_BOOTLOADER,   /* covers the bootloader with something else */
  SF_WRITE_CONCERN_OVERWRITES_PARTITION_TABLE,
  SF_WRITE_CONCERN_UNKNOWN_AT_ZERO,         /* data of unknown content at 0x0 on an ESP32-family board */
  SF_WRITE_CONCERN_SECURE_BOOT,             /* the board has secure boot on */
  SF_WRITE_CONCERN_FLASH_ENCRYPTION,        /* the board has flash encryption on */
} SfWriteConcernKind;

typedef struct
{
  SfWriteConcernKind  kind;
  int                 region;   /* index of the file it is about; -1: the board */
  char               *message;  /* translated: what is wrong and what to do */
} SfWriteConcern;

void          sf_write_concern_free     (SfWriteConcern        *concern);

/* What the checks know of the board. */
typedef struct
{
  const SfChipDetails *details;
  guint32              flash_size;           /* what the write will take as the flash size */
  gboolean             flash_size_assumed;   /* not told by the flash chip: a guess */
  SfPartitionTable    *partitions;           /* the board's table; NULL when it has none */
  guint32              partition_table_offset;
  const char          *flash_mode;           /* the --flash_mode the write applies, or NULL / "keep" */
} SfWriteCheckBoard;

/* Every concern about writing @regions to @board, in region order, the
 * board's own first. An empty array when there is nothing to say. */
GPtrArray    *sf_write_check            (const SfWriteCheckBoard *board,
                                         const SfFlashRegion     *regions,
                                         guint                    n_regions);
/* The concerns as lines, each starting "• ", for a log or a terminal. */
char         *sf_write_concerns_format  (GPtrArray             *concerns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfWriteConcern, sf_write_concern_free)

G_END_DECLS
