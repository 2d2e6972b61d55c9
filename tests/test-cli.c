/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the cli suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("cli");

  return ottica_test_run ("cli", suite);
}
