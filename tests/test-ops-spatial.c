/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the ops-spatial suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("ops-spatial");

  return ottica_test_run ("ops-spatial", suite);
}
