/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fresh folder under the system's temporary directory, for tests that
 * make files; removed with everything in it (even read-only folders). */
typedef struct
{
  char *dir;
} TmpDirFixture;

void tmp_dir_fixture_set_up    (TmpDirFixture *fixture,
                                gconstpointer  data);
void tmp_dir_fixture_tear_down (TmpDirFixture *fixture,
                                gconstpointer  data);

G_END_DECLS
