/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the ops suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("ops");

  return ottica_test_run ("ops", suite);
}
