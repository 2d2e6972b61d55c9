/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: the editor, to be written. */
int
main (int argc, char **argv)
{
  return 0;
}
