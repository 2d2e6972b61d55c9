/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the library suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("library");

  return ottica_test_run ("library", suite);
}
