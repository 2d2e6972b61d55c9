/* test-export-dialog.c: the export dialog for several photos, driven under
 * Xvfb: recipe files added as more outputs from one decode, their
 * defaults taken from the dialog, broken and colliding recipes refused,
 * and a recipe removed with its row's button.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>

#include "ottica-error.h"
#include "ottica-export-dialog.h"
#include "ottica-test.h"
#include "ottica-test-gui.h"

typedef struct
{
  gboolean  finished;
  guint     n_exported;
  guint     n_failed;
} Outcome;

static void
batch_finished (OtticaExportDialog *dialog, const OtticaBatchResult *result, Outcome *outcome)
{
  outcome->n_exported = result->n_exported;
  outcome->n_failed = result->n_failed;
}

static void
finished (OtticaExportDialog *dialog, const char *output, const GError *error, Outcome *outcome)
{
  outcome->finished = TRUE;
}

static gboolean
is_finished (gpointer data)
{
  return ((Outcome *) data)->finished;
}

/* Two copies of the bundled photo in a scratch folder. */
static char *
make_photos (void)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *contents = NULL;
  char *folder = ottica_test_scratch_file ("photos");
  gsize length;

  ck_assert_int_eq (g_mkdir_with_parents (folder, 0755), 0);
  ck_assert (g_file_get_contents (bundled, &contents, &length, NULL));
  for (const char *const *name = (const char *const[]) { "a.jpg", "b.jpg", NULL }; *name; name++)
    {
      g_autofree char *path = g_build_filename (folder, *name, NULL);

      ck_assert (g_file_set_contents (path, contents, length, NULL));
    }
  return folder;
}

static GFile *
write_recipe (const char *name, const char *text)
{
  g_autofree char *path = ottica_test_scratch_file (name);

  ck_assert (g_file_set_contents (path, text, -1, NULL));
  return g_file_new_for_path (path);
}

static int
long_edge (const char *path)
{
  int width = 0, height = 0;

  ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "%s is missing", path);
  ck_assert (gdk_pixbuf_get_file_info (path, &width, &height) != NULL);
  return MAX (width, height);
}

static OtticaExportDialog *
new_dialog (const char *folder, const char *out, GtkWidget **parent)
{
  g_autofree char *a = g_build_filename (folder, "a.jpg", NULL);
  g_autofree char *b = g_build_filename (folder, "b.jpg", NULL);
  const char *photos[] = { a, b, NULL };
  g_autoptr(GFile) out_file = g_file_new_for_path (out);
  OtticaExportDialog *dialog;
  OtticaExportOptions options;

  adw_init ();
  *parent = adw_window_new ();
  gtk_window_present (GTK_WINDOW (*parent));
  dialog = ottica_export_dialog_new_for_photos (GTK_WINDOW (*parent), photos);
  /* it destroys itself after a run */
  g_object_ref (dialog);
  ottica_export_dialog_set_folder (dialog, out_file);
  /* the full size at 400 pixels: what recipes that say no size get too */
  ottica_export_dialog_get_options (dialog, &options);
  options.size_mode = OTTICA_SIZE_LONG_EDGE;
  options.size_value = 400;
  ottica_export_dialog_set_options (dialog, &options);
  /* tall enough for the screenshot to reach the recipe rows */
  gtk_window_set_default_size (GTK_WINDOW (dialog), 520, 1180);
  gtk_window_present (GTK_WINDOW (dialog));
  ottica_test_gui_spin (20);
  return dialog;
}

/* Two recipe files give two more outputs of each photo; a recipe that
 * says no size takes the dialog's; the same file twice counts once; a
 * broken file is refused, naming it. */
START_TEST (test_recipe_files_are_more_outputs)
{
  g_autofree char *folder = make_photos ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_autoptr(GFile) small = write_recipe ("small.recipe",
                                         "[Recipe]\nname=Small\nlong-edge=200\nsubfolder=small\n");
  g_autoptr(GFile) plain = write_recipe ("plain.recipe",
                                         "[Recipe]\nname=Plain\ntemplate={name}-plain\n");
  g_autoptr(GFile) broken = write_recipe ("broken.recipe", "[Recipe]\nlong-edge=huge\n");
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };
  GtkWidget *parent;
  OtticaExportDialog *dialog = new_dialog (folder, out, &parent);

  ck_assert (ottica_export_dialog_add_recipe_file (dialog, small, &error));
  ck_assert (ottica_export_dialog_add_recipe_file (dialog, plain, &error));
  ck_assert (ottica_export_dialog_add_recipe_file (dialog, small, &error));
  ck_assert_int_eq (ottica_export_dialog_get_n_recipe_files (dialog), 2);
  ck_assert (!ottica_export_dialog_add_recipe_file (dialog, broken, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert_msg (strstr (error->message, "broken.recipe") != NULL, "%s", error->message);
  ck_assert_int_eq (ottica_export_dialog_get_n_recipe_files (dialog), 2);
  ottica_test_gui_spin (20);
  ottica_test_gui_save_screenshot (GTK_WIDGET (dialog), "screenshot-export-recipes.png");

  g_signal_connect (dialog, "batch-finished", G_CALLBACK (batch_finished), &outcome);
  g_signal_connect (dialog, "finished", G_CALLBACK (finished), &outcome);
  ottica_export_dialog_start (dialog);
  ck_assert_msg (ottica_test_wait_for (is_finished, &outcome, 120), "the export never finished");

  ck_assert_int_eq (outcome.n_failed, 0);
  ck_assert_int_eq (outcome.n_exported, 6);
  for (const char *const *name = (const char *const[]) { "a", "b", NULL }; *name; name++)
    {
      g_autofree char *jpeg = g_strconcat (*name, ".jpg", NULL);
      g_autofree char *plain_jpeg = g_strconcat (*name, "-plain.jpg", NULL);
      g_autofree char *full_path = g_build_filename (out, jpeg, NULL);
      g_autofree char *small_path = g_build_filename (out, "small", jpeg, NULL);
      g_autofree char *plain_path = g_build_filename (out, plain_jpeg, NULL);

      ck_assert_int_eq (long_edge (full_path), 400);
      ck_assert_int_eq (long_edge (small_path), 200);
      ck_assert_int_eq (long_edge (plain_path), 400);
    }
  g_object_unref (dialog);
  gtk_window_destroy (GTK_WINDOW (parent));
}
END_TEST

static void
collect_remove_buttons (GtkWidget *widget, GPtrArray *buttons)
{
  if (GTK_IS_BUTTON (widget)
      && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "list-remove-symbolic") == 0)
    g_ptr_array_add (buttons, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_remove_buttons (child, buttons);
}

/* A recipe writing the same files as the full size stops the export
 * before anything is written; removing it with its row's button lets the
 * export run. */
START_TEST (test_colliding_recipe_refused_then_removed)
{
  g_autofree char *folder = make_photos ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_autoptr(GFile) same = write_recipe ("same.recipe", "[Recipe]\nname=Same\nquality=50\n");
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };
  GtkWidget *parent;
  OtticaExportDialog *dialog = new_dialog (folder, out, &parent);

  g_signal_connect (dialog, "batch-finished", G_CALLBACK (batch_finished), &outcome);
  g_signal_connect (dialog, "finished", G_CALLBACK (finished), &outcome);
  ck_assert (ottica_export_dialog_add_recipe_file (dialog, same, &error));
  ottica_export_dialog_start (dialog);
  ottica_test_gui_spin (50);
  ck_assert (!outcome.finished);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (dialog)));

  collect_remove_buttons (GTK_WIDGET (dialog), buttons);
  ck_assert_int_eq (buttons->len, 1);
  g_signal_emit_by_name (g_ptr_array_index (buttons, 0), "clicked");
  ck_assert_int_eq (ottica_export_dialog_get_n_recipe_files (dialog), 0);

  ottica_export_dialog_start (dialog);
  ck_assert_msg (ottica_test_wait_for (is_finished, &outcome, 120), "the export never finished");
  ck_assert_int_eq (outcome.n_exported, 2);
  g_object_unref (dialog);
  gtk_window_destroy (GTK_WINDOW (parent));
}
END_TEST

int
main (void)
{
  g_autofree char *home = ottica_test_gui_private_home ("export-dialog");
  Suite *suite = suite_create ("export-dialog");
  TCase *tc = ottica_test_case ("export-dialog");
  int status;

  tcase_add_test (tc, test_recipe_files_are_more_outputs);
  tcase_add_test (tc, test_colliding_recipe_refused_then_removed);
  suite_add_tcase (suite, tc);
  status = ottica_test_run ("export-dialog", suite);
  ottica_test_remove_tree (home);
  return status;
}
