/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "sf-partition-table.h"

G_BEGIN_DECLS

/* The columns of the Partitions window, each with a size group so that
 * the rows and the headings line up. */
typedef enum
{
  SF_PARTITION_COLUMN_NAME,
  SF_PARTITION_COLUMN_TYPE,
  SF_PARTITION_COLUMN_SUBTYPE,
  SF_PARTITION_COLUMN_OFFSET,
  SF_PARTITION_COLUMN_SIZE,
  SF_PARTITION_COLUMN_FLAGS,
  SF_PARTITION_N_COLUMNS
} SfPartitionColumn;

/* One partition of the Partitions window: name (with a "Boots" mark on
 * the app that boots), type, subtype, offset, size, flags, and its Back
 * Up… and Erase… buttons, which activate "partitions.backup" and
 * "partitions.erase" with the partition's index in its table ("u"). */
#define SF_TYPE_PARTITION_ROW (sf_partition_row_get_type ())
G_DECLARE_FINAL_TYPE (SfPartitionRow, sf_partition_row, SF, PARTITION_ROW, GtkListBoxRow)

/* @columns: SF_PARTITION_N_COLUMNS size groups the cells join. */
GtkWidget *sf_partition_row_new        (const SfPartition *partition,
                                        guint              index,
                                        gboolean           boots,
                                        GtkSizeGroup     **columns);
/* A heading over @column, in its size group. */
GtkWidget *sf_partition_row_new_heading (SfPartitionColumn  column,
                                         GtkSizeGroup     **columns);

/* For the tests: the cells joined with " | ", then " | boots" on the app
 * that boots. */
char      *sf_partition_row_dup_text   (SfPartitionRow    *self);

G_END_DECLS
