/* test-core.c: the engine and atomic file writes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "ottica-atomic-file.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-test.h"

START_TEST (test_engine_registers_ottica_ops)
{
  ck_assert (gegl_has_operation ("ottica:develop"));
  for (const char * const *op = ottica_engine_required_operations (); *op; op++)
    ck_assert_msg (gegl_has_operation (*op), "%s missing", *op);
}
END_TEST

START_TEST (test_engine_init_is_idempotent)
{
  g_autoptr(GError) error = NULL;
  int threads = 0;

  ck_assert (ottica_engine_init (1, &error));
  g_object_get (gegl_config (), "threads", &threads, NULL);
  ck_assert_int_eq (threads, 1);
  ck_assert (ottica_engine_init (2, &error));
  g_object_get (gegl_config (), "threads", &threads, NULL);
  ck_assert_int_eq (threads, 2);
}
END_TEST

START_TEST (test_engine_working_format_is_linear_rec2020)
{
  const Babl *format = ottica_engine_working_format ();
  float white[4] = { 1, 1, 1, 1 };
  float out[4];

  ck_assert_ptr_eq (babl_format_get_space (format), babl_space ("Rec2020"));
  ck_assert_int_eq (babl_format_get_bytes_per_pixel (format), 16);
  /* linear: 0.5 in linear Rec.2020 grey is 0.5 in linear sRGB grey */
  white[0] = white[1] = white[2] = 0.5f;
  babl_process (babl_fish (format, babl_format ("RGBA float")), white, out, 1);
  ck_assert_float_eq_tol (out[0], 0.5f, 1e-4f);
}
END_TEST

START_TEST (test_atomic_write_creates_file)
{
  g_autofree char *path = ottica_test_scratch_file ("a.txt");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  ck_assert (ottica_atomic_file_write (path, "hello", 5, FALSE, &error));
  ck_assert (g_file_get_contents (path, &contents, &length, NULL));
  ck_assert_int_eq (length, 5);
  ck_assert_str_eq (contents, "hello");
}
END_TEST

static int
count_entries (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  int n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

START_TEST (test_atomic_write_refuses_to_overwrite)
{
  g_autofree char *path = ottica_test_scratch_file ("b.txt");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (ottica_atomic_file_write (path, "first", 5, FALSE, NULL));
  ck_assert (!ottica_atomic_file_write (path, "second", 6, FALSE, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS));
  ck_assert (strstr (error->message, "b.txt") != NULL);
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "first");
  /* no temporary file left behind */
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 1);

  ck_assert (ottica_atomic_file_write (path, "second", 6, TRUE, NULL));
  g_clear_pointer (&contents, g_free);
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "second");
}
END_TEST

START_TEST (test_atomic_abandon_leaves_nothing)
{
  g_autofree char *path = ottica_test_scratch_file ("c.jpg");
  g_autofree char *temp = NULL;
  g_autofree char *temp_base = NULL;
  int fd = ottica_atomic_file_open_temp (path, &temp, NULL);

  ck_assert_int_ge (fd, 0);
  temp_base = g_path_get_basename (temp);
  ck_assert (ottica_atomic_file_is_temporary (temp_base));
  ck_assert (!ottica_atomic_file_is_temporary ("c.jpg"));
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ottica_atomic_file_abandon (fd, temp);
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 0);
}
END_TEST

START_TEST (test_atomic_write_into_missing_folder_fails_with_name)
{
  g_autoptr(GError) error = NULL;

  ck_assert (!ottica_atomic_file_write ("/nonexistent-ottica/dir/photo.ottica", "x", 1, FALSE, &error));
  ck_assert (strstr (error->message, "photo.ottica") != NULL);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("core");
  TCase *engine = ottica_test_case ("engine");
  TCase *atomic = ottica_test_case ("atomic-file");

  tcase_add_test (engine, test_engine_registers_ottica_ops);
  tcase_add_test (engine, test_engine_init_is_idempotent);
  tcase_add_test (engine, test_engine_working_format_is_linear_rec2020);
  suite_add_tcase (suite, engine);

  tcase_add_test (atomic, test_atomic_write_creates_file);
  tcase_add_test (atomic, test_atomic_write_refuses_to_overwrite);
  tcase_add_test (atomic, test_atomic_abandon_leaves_nothing);
  tcase_add_test (atomic, test_atomic_write_into_missing_folder_fails_with_name);
  suite_add_tcase (suite, atomic);

  return ottica_test_run ("core", suite);
}
