/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the looks suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("looks");

  return ottica_test_run ("looks", suite);
}
