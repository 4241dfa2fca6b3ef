/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses an address or size the way esptool's tutorial writes them:
 * "0x10000", "65536", "64K", "64k", "1M", "0x400K". Rejects empty text,
 * trailing junk, negative numbers and values above 4 GiB - 1, with a
 * message naming @what ("address", "size") and the text. */
gboolean  sf_parse_number      (const char  *text,
                                const char  *what,
                                guint32     *out_value,
                                GError     **error);
/* "4MB", "4M", "512KB", "16MB" (esptool's --flash_size names) to bytes. */
gboolean  sf_parse_flash_size  (const char  *text,
                                guint32     *out_bytes,
                                GError     **error);
/* 0x10000 -> "64 KiB", 0x180000 -> "1.5 MiB", 100 -> "100 bytes". */
char     *sf_format_size       (guint64      bytes);
/* "24:0a:c4:12:34:56", as esptool prints a MAC address. */
char     *sf_format_mac        (const guint8  mac[6]);

G_END_DECLS
