/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: to be written. */
int
main (int argc, char **argv)
{
  return 0;
}
