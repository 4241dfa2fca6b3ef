/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sf-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SfApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* Tests point this at the build tree's compiled catalogues. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("SPARKFLASH_LOCALEDIR") != NULL
                                     ? g_getenv ("SPARKFLASH_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Sparkflash"));
  app = sf_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
