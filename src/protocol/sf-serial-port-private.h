/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libserialport.h>

G_BEGIN_DECLS

/* libserialport's structs get GLib names so they work with g_autoptr.
 * sp_free_port() does not close an open port: call sp_close() first. */
typedef struct sp_port        SfSpPort;
typedef struct sp_port_config SfSpPortConfig;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSpPort, sp_free_port)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfSpPortConfig, sp_free_config)

G_END_DECLS
