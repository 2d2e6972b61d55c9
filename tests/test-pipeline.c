/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the pipeline suite, to be written. */
#include "ottica-test.h"

int
main (void)
{
  Suite *suite = suite_create ("pipeline");

  return ottica_test_run ("pipeline", suite);
}
