/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the io suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("io");

  return ottica_test_run ("io", suite);
}
