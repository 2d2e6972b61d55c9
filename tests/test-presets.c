/* test-presets.c: the user's preset store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "ottica-edit.h"
#include "ottica-error.h"
#include "ottica-preset-store.h"
#include "ottica-test.h"

static char *data_home;

#define ck_assert_error(err, dom, c)                                          \
  ck_assert_msg ((err) != NULL && (err)->domain == (dom) && (err)->code == (c), \
                 "expected error %d, got %s", (c), (err) ? (err)->message : "none")

static OtticaEdit *
sample_preset (void)
{
  OtticaEdit *edit = ottica_edit_new ();

  ottica_edit_set_look (edit, "documentary");
  edit->look_amount = 0.5;
  edit->exposure = 0.7;
  edit->crop_x = 0.1;
  edit->crop_width = 0.5;
  edit->rotation = 90;
  return edit;
}

static char *
presets_dir (void)
{
  return g_build_filename (data_home, "ottica", "presets", NULL);
}

/* Every test starts from an empty store. */
static void
clear_store (void)
{
  g_autofree char *dir = presets_dir ();

  ottica_test_remove_tree (dir);
}

START_TEST (test_save_load_list_delete)
{
  g_autoptr(OtticaEdit) edit = sample_preset ();
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = presets_dir ();
  g_autofree char *file = g_build_filename (dir, "Beach.preset", NULL);

  clear_store ();
  names = ottica_preset_store_list (&error);
  ck_assert_ptr_nonnull (names);
  ck_assert_int_eq (names->len, 0);
  g_clear_pointer (&names, g_ptr_array_unref);

  ck_assert (ottica_preset_store_save ("  Beach ", edit, FALSE, &error));
  ck_assert (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  ck_assert (ottica_preset_store_save ("beach 10", edit, FALSE, &error));
  ck_assert (ottica_preset_store_save ("Beach 9", edit, FALSE, &error));
  ck_assert (ottica_preset_store_save ("autumn", edit, FALSE, &error));

  names = ottica_preset_store_list (&error);
  ck_assert_ptr_nonnull (names);
  ck_assert_int_eq (names->len, 4);
  ck_assert_str_eq (g_ptr_array_index (names, 0), "autumn");
  ck_assert_str_eq (g_ptr_array_index (names, 1), "Beach");
  ck_assert_str_eq (g_ptr_array_index (names, 2), "Beach 9");
  ck_assert_str_eq (g_ptr_array_index (names, 3), "beach 10");

  loaded = ottica_preset_store_load ("Beach", &error);
  ck_assert_ptr_nonnull (loaded);
  ck_assert_str_eq (loaded->look_id, "documentary");
  ck_assert_double_eq_tol (loaded->look_amount, 0.5, 1e-9);
  ck_assert_double_eq_tol (loaded->exposure, 0.7, 1e-9);
  /* a preset never carries the photo's geometry */
  ck_assert_int_eq (loaded->rotation, 0);
  ck_assert_double_eq (loaded->crop_x, 0.0);
  ck_assert_double_eq (loaded->crop_width, 1.0);

  ck_assert (ottica_preset_store_delete ("Beach", &error));
  ck_assert (!g_file_test (file, G_FILE_TEST_EXISTS));
  ck_assert (!ottica_preset_store_delete ("Beach", &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND);
  ck_assert_ptr_nonnull (strstr (error->message, "“Beach”"));
}
END_TEST

START_TEST (test_overwrite)
{
  g_autoptr(OtticaEdit) edit = sample_preset ();
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GError) error = NULL;

  clear_store ();
  ck_assert (ottica_preset_store_save ("Mine", edit, FALSE, &error));
  edit->exposure = -1.0;
  ck_assert (!ottica_preset_store_save ("Mine", edit, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS);
  ck_assert_str_eq (error->message, "A preset named “Mine” already exists.");
  g_clear_error (&error);

  loaded = ottica_preset_store_load ("Mine", &error);
  ck_assert_double_eq_tol (loaded->exposure, 0.7, 1e-9);
  g_clear_pointer (&loaded, ottica_edit_free);

  ck_assert (ottica_preset_store_save ("Mine", edit, TRUE, &error));
  loaded = ottica_preset_store_load ("Mine", &error);
  ck_assert_double_eq_tol (loaded->exposure, -1.0, 1e-9);
}
END_TEST

/* Names with path separators, dots and percent signs stay inside the
 * folder and come back unchanged. */
START_TEST (test_unsafe_names)
{
  static const char *const names[] = {
    "../../etc/passwd", "a/b\\c", ".hidden", "..", "100% warm", "tab\there", "Café ☀", NULL
  };
  g_autoptr(OtticaEdit) edit = sample_preset ();
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = presets_dir ();
  g_autoptr(GDir) folder = NULL;
  const char *entry;
  guint files = 0;

  clear_store ();
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *file_name = ottica_preset_store_file_name_for (names[i], &error);
      g_autofree char *back = NULL;

      ck_assert_ptr_nonnull (file_name);
      ck_assert_ptr_null (strchr (file_name, '/'));
      ck_assert_int_ne (file_name[0], '.');
      back = ottica_preset_store_name_for_file (file_name);
      ck_assert_str_eq (back, names[i]);
      ck_assert_msg (ottica_preset_store_save (names[i], edit, FALSE, &error),
                     "%s: %s", names[i], error ? error->message : "");
    }

  folder = g_dir_open (dir, 0, NULL);
  while ((entry = g_dir_read_name (folder)) != NULL)
    files++;
  ck_assert_int_eq (files, g_strv_length ((char **) names));

  listed = ottica_preset_store_list (&error);
  ck_assert_int_eq (listed->len, files);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(OtticaEdit) loaded = ottica_preset_store_load (names[i], &error);

      ck_assert_msg (loaded != NULL, "%s", names[i]);
      ck_assert (g_ptr_array_find_with_equal_func (listed, names[i], g_str_equal, NULL));
    }

  /* nothing escaped the folder */
  ck_assert (!g_file_test (g_build_filename (data_home, "etc", NULL), G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_bad_names)
{
  g_autoptr(OtticaEdit) edit = sample_preset ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (OTTICA_PRESET_NAME_MAX + 1, 'x');

  clear_store ();
  ck_assert (!ottica_preset_store_save ("   ", edit, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID);
  g_clear_error (&error);
  ck_assert (!ottica_preset_store_save (long_name, edit, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID);
  g_clear_error (&error);
  ck_assert (!ottica_preset_store_save ("bad \xff utf8", edit, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID);
  g_clear_error (&error);
  ck_assert_ptr_null (ottica_preset_store_load ("Nothing here", &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_import_export)
{
  g_autoptr(OtticaEdit) edit = sample_preset ();
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shared = ottica_test_scratch_file ("Golden hour.preset");
  g_autofree char *again = ottica_test_scratch_file ("again.preset");
  g_autofree char *name = NULL;
  g_autofree char *contents = NULL;

  clear_store ();
  ck_assert (ottica_preset_store_save ("Golden hour", edit, FALSE, &error));
  ck_assert (ottica_preset_store_export ("Golden hour", shared, FALSE, &error));
  ck_assert (g_file_get_contents (shared, &contents, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (contents, "kind=preset"));
  ck_assert_ptr_nonnull (strstr (contents, "documentary"));
  ck_assert_ptr_null (strstr (contents, "[Geometry]"));

  /* not over an existing file unless asked */
  ck_assert (!ottica_preset_store_export ("Golden hour", shared, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS);
  g_clear_error (&error);

  /* importing under an existing name */
  ck_assert_ptr_null (ottica_preset_store_import (shared, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS);
  g_clear_error (&error);
  ck_assert (ottica_preset_store_delete ("Golden hour", &error));

  name = ottica_preset_store_import (shared, FALSE, &error);
  ck_assert_ptr_nonnull (name);
  ck_assert_str_eq (name, "Golden hour");
  loaded = ottica_preset_store_load (name, &error);
  ck_assert_ptr_nonnull (loaded);
  ck_assert_str_eq (loaded->look_id, "documentary");
  ck_assert_double_eq_tol (loaded->exposure, 0.7, 1e-9);

  /* a file named otherwise keeps its stem */
  ck_assert (g_file_set_contents (again, contents, -1, NULL));
  g_clear_pointer (&name, g_free);
  name = ottica_preset_store_import (again, FALSE, &error);
  ck_assert_str_eq (name, "again");
}
END_TEST

START_TEST (test_import_refuses_bad_files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autofree char *garbage = ottica_test_scratch_file ("garbage.preset");
  g_autofree char *sidecar = ottica_test_scratch_file ("IMG_1.JPG.ottica");
  g_autofree char *missing = ottica_test_scratch_file ("missing.preset");

  clear_store ();
  ck_assert (g_file_set_contents (garbage, "[Ottica\nthis is not a key file\n", -1, NULL));
  ck_assert_ptr_null (ottica_preset_store_import (garbage, FALSE, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_ptr_nonnull (strstr (error->message, "garbage.preset"));
  g_clear_error (&error);

  /* a photo's edit is not a preset */
  ck_assert (ottica_edit_save (edit, sidecar, FALSE, &error));
  ck_assert_ptr_null (ottica_preset_store_import (sidecar, FALSE, &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID);
  ck_assert_ptr_nonnull (strstr (error->message, "IMG_1.JPG.ottica"));
  g_clear_error (&error);

  ck_assert_ptr_null (ottica_preset_store_import (missing, FALSE, &error));
  ck_assert_ptr_nonnull (error);
  g_clear_error (&error);

  names = ottica_preset_store_list (&error);
  ck_assert_int_eq (names->len, 0);
}
END_TEST

/* A broken file in the store is listed (by name) but refused on load
 * with its file name. */
START_TEST (test_broken_file_in_store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = presets_dir ();
  g_autofree char *path = g_build_filename (dir, "Broken.preset", NULL);
  g_autofree char *temp = g_build_filename (dir, ".Other.preset.Ab12Cd.part", NULL);
  g_autoptr(GPtrArray) names = NULL;

  clear_store ();
  ck_assert_int_eq (g_mkdir_with_parents (dir, 0755), 0);
  ck_assert (g_file_set_contents (path, "[Ottica]\nversion=1\nkind=preset\n[Light]\nexposure=bright\n", -1, NULL));
  ck_assert (g_file_set_contents (temp, "x", -1, NULL));
  names = ottica_preset_store_list (&error);
  ck_assert_int_eq (names->len, 1);
  ck_assert_str_eq (g_ptr_array_index (names, 0), "Broken");
  ck_assert_ptr_null (ottica_preset_store_load ("Broken", &error));
  ck_assert_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID);
  ck_assert_ptr_nonnull (strstr (error->message, "Broken.preset"));
}
END_TEST

static Suite *
presets_suite (void)
{
  Suite *s = suite_create ("presets");
  TCase *tc = ottica_test_plain_case ("store");

  tcase_add_test (tc, test_save_load_list_delete);
  tcase_add_test (tc, test_overwrite);
  tcase_add_test (tc, test_unsafe_names);
  tcase_add_test (tc, test_bad_names);
  tcase_add_test (tc, test_import_export);
  tcase_add_test (tc, test_import_refuses_bad_files);
  tcase_add_test (tc, test_broken_file_in_store);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* GLib reads $XDG_DATA_HOME once per process: set it before anything */
  data_home = g_dir_make_tmp ("ottica-presets-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  status = ottica_test_run ("presets", presets_suite ());
  ottica_test_remove_tree (data_home);
  g_free (data_home);
  return status;
}
