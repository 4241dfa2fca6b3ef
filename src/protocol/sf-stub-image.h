/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether this build carries flasher stubs; without them every chip is
 * flashed through its ROM loader. */
gboolean     sf_stub_images_available (void);
/* Where the stubs come from, "esp-flasher-stub from esptool-js 0.7.0";
 * NULL when none were built in. */
const char  *sf_stub_images_origin    (void);
/* The line --version prints about them, translated, without a newline. */
char        *sf_stub_images_describe  (void);

G_END_DECLS
