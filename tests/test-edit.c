/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the edit suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("edit");

  return ottica_test_run ("edit", suite);
}
