/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* Upper bounds on wall-clock time hold on an idle machine, not under the
 * sanitizers or on a loaded one. They are checked only where the "timing"
 * suite runs a test (it sets SF_TEST_TIMING and picks the tests with -p),
 * so a sanitizer run can leave that suite out and still run everything
 * else. Lower bounds stay everywhere: slowness cannot break them. */
static inline gboolean
sf_test_timing (void)
{
  return g_getenv ("SF_TEST_TIMING") != NULL;
}

/* At most @limit_us since @start_us, when timing counts. */
#define sf_assert_took_less(start_us, limit_us)                              \
  G_STMT_START {                                                             \
    if (sf_test_timing ())                                                   \
      g_assert_cmpint (g_get_monotonic_time () - (start_us), <, (limit_us)); \
  } G_STMT_END
