/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the export suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("export");

  return ottica_test_run ("export", suite);
}
