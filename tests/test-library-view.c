/* test-library-view.c: the library view, driven for real under Xvfb: a
 * folder opened, photos selected, looks and edits applied to exactly
 * those, undo, paste onto many, reset, and a batch export of two recipes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "ottica-edit.h"
#include "ottica-export-dialog.h"
#include "ottica-library-item.h"
#include "ottica-library-view.h"
#include "ottica-preset-store.h"
#include "ottica-presets-dialog.h"
#include "ottica-sidecar.h"
#include "ottica-test.h"
#include "ottica-test-gui.h"
#include "ottica-thumbnail-loader.h"

typedef struct
{
  GtkWidget         *window;
  OtticaLibraryView *view;
  guint              n_loaded;
  gboolean           loaded;
  guint              n_changed;
  guint              n_failed;
  gboolean           changed;
} Fixture;

static gboolean
is_loaded (gpointer data)
{
  return ((Fixture *) data)->loaded;
}

static gboolean
is_changed (gpointer data)
{
  return ((Fixture *) data)->changed;
}

static gboolean
thumbnails_idle (gpointer data)
{
  return ottica_library_view_get_n_pending_thumbnails (((Fixture *) data)->view) == 0;
}

static void
folder_loaded (OtticaLibraryView *view, guint n, Fixture *fixture)
{
  fixture->n_loaded = n;
  fixture->loaded = TRUE;
}

static void
edits_changed (OtticaLibraryView *view, guint n_changed, guint n_failed, Fixture *fixture)
{
  fixture->n_changed = n_changed;
  fixture->n_failed = n_failed;
  fixture->changed = TRUE;
}

/* A folder of copies of the bundled photo, a broken file and a
 * subfolder; b.jpg already has an edit. */
static char *
make_folder (void)
{
  static const char *const names[] = { "a.jpg", "b.jpg", "c.jpg", "d.jpg", "sub/e.jpg", NULL };
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *contents = NULL;
  g_autofree char *folder = ottica_test_scratch_file ("photos");
  g_autofree char *sub = g_build_filename (folder, "sub", NULL);
  g_autofree char *broken = g_build_filename (folder, "broken.jpg", NULL);
  g_autofree char *b = g_build_filename (folder, "b.jpg", NULL);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  gsize length;

  ck_assert_int_eq (g_mkdir_with_parents (sub, 0755), 0);
  ck_assert (g_file_get_contents (bundled, &contents, &length, NULL));
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (folder, names[i], NULL);

      ck_assert (g_file_set_contents (path, contents, length, NULL));
    }
  ck_assert (g_file_set_contents (broken, "not a photo at all", -1, NULL));
  edit->exposure = 1.0;
  ck_assert (ottica_sidecar_save (b, edit, NULL, NULL));
  return g_steal_pointer (&folder);
}

static void
open_view (Fixture *fixture, const char *folder, gboolean recursive)
{
  GtkWidget *overlay;
  g_autoptr(GFile) file = g_file_new_for_path (folder);

  adw_init ();
  fixture->window = adw_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1600, 1000);
  overlay = adw_toast_overlay_new ();
  fixture->view = OTTICA_LIBRARY_VIEW (ottica_library_view_new ());
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), GTK_WIDGET (fixture->view));
  adw_window_set_content (ADW_WINDOW (fixture->window), overlay);
  g_signal_connect (fixture->view, "folder-loaded", G_CALLBACK (folder_loaded), fixture);
  g_signal_connect (fixture->view, "edits-changed", G_CALLBACK (edits_changed), fixture);
  gtk_window_present (GTK_WINDOW (fixture->window));

  fixture->loaded = FALSE;
  ottica_library_view_set_folder (fixture->view, file, recursive);
  ck_assert_msg (ottica_test_wait_for (is_loaded, fixture, 30), "the folder never loaded");
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closes the window and waits until the view is gone: its dispose stops
 * the thumbnail threads, so none still renders while the test process
 * exits. */
static void
close_view (Fixture *fixture)
{
  gpointer view = fixture->view;

  g_object_add_weak_pointer (G_OBJECT (view), &view);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ck_assert_msg (ottica_test_wait_for (is_null, &view, 30), "the library view outlived its window");
  fixture->view = NULL;
}

static OtticaLibraryItem *
item_at (Fixture *fixture, guint position)
{
  GListModel *model = G_LIST_MODEL (ottica_library_view_get_selection (fixture->view));
  OtticaLibraryItem *item = g_list_model_get_item (model, position);

  g_object_unref (item);   /* the model keeps it */
  return item;
}

static guint
position_of (Fixture *fixture, const char *name)
{
  GListModel *model = G_LIST_MODEL (ottica_library_view_get_selection (fixture->view));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (strcmp (ottica_library_item_get_name (item_at (fixture, i)), name) == 0)
      return i;
  ck_abort_msg ("%s is not in the grid", name);
  return 0;
}

static void
select_names (Fixture *fixture, const char *const *names)
{
  GtkSelectionModel *selection = ottica_library_view_get_selection (fixture->view);

  gtk_selection_model_unselect_all (selection);
  for (guint i = 0; names[i] != NULL; i++)
    gtk_selection_model_select_item (selection, position_of (fixture, names[i]), FALSE);
}

static void
run_action (Fixture *fixture, const char *action, const char *format, ...)
{
  GVariant *parameter = NULL;
  va_list args;

  if (format != NULL)
    {
      va_start (args, format);
      parameter = g_variant_new_va (format, NULL, &args);
      va_end (args);
    }
  fixture->changed = FALSE;
  ck_assert (gtk_widget_activate_action_variant (GTK_WIDGET (fixture->view), action, parameter));
  ck_assert_msg (ottica_test_wait_for (is_changed, fixture, 30), "%s never finished", action);
}

static OtticaEdit *
sidecar_of (const char *folder, const char *name)
{
  g_autofree char *photo = g_build_filename (folder, name, NULL);
  g_autofree char *sidecar = ottica_sidecar_find (photo);

  if (sidecar == NULL)
    return NULL;
  return ottica_sidecar_load (photo, NULL);
}

/* Mean channel level of an item's thumbnail. */
static double
texture_mean (OtticaLibraryItem *item)
{
  GdkTexture *texture = GDK_TEXTURE (ottica_library_item_get_thumbnail (item));
  int width, height;
  g_autofree guint8 *pixels = NULL;
  double sum = 0;

  ck_assert_ptr_nonnull (texture);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    sum += pixels[i * 4] + pixels[i * 4 + 1] + pixels[i * 4 + 2];
  return sum / (3.0 * width * height);
}

START_TEST (test_apply_look_to_selection_and_undo)
{
  static const char *const chosen[] = { "a.jpg", "b.jpg", "d.jpg", NULL };
  g_autofree char *folder = make_folder ();
  Fixture fixture = { 0 };
  OtticaLibraryItem *broken;

  open_view (&fixture, folder, FALSE);
  ck_assert_int_eq (fixture.n_loaded, 5);   /* not sub/e.jpg */
  ck_assert (ottica_library_item_get_has_edit (item_at (&fixture, position_of (&fixture, "b.jpg"))));
  ck_assert (!ottica_library_item_get_has_edit (item_at (&fixture, position_of (&fixture, "a.jpg"))));

  /* the thumbnails come, and the broken file gets a placeholder and its error */
  ck_assert_msg (ottica_test_wait_for (thumbnails_idle, &fixture, 60), "thumbnails never finished");
  ck_assert_ptr_nonnull (ottica_library_item_get_thumbnail (item_at (&fixture, position_of (&fixture, "a.jpg"))));
  broken = item_at (&fixture, position_of (&fixture, "broken.jpg"));
  ck_assert (ottica_library_item_get_broken (broken));
  ck_assert_ptr_null (ottica_library_item_get_thumbnail (broken));
  ck_assert_ptr_nonnull (strstr (ottica_library_item_get_error (broken), "broken.jpg"));

  select_names (&fixture, chosen);
  run_action (&fixture, "library.apply-look", "(sd)", "documentary", 0.8);
  ck_assert_int_eq (fixture.n_changed, 3);
  ck_assert_int_eq (fixture.n_failed, 0);

  /* exactly those three have sidecars with the look; b kept its exposure */
  {
    g_autoptr(OtticaEdit) a = sidecar_of (folder, "a.jpg");
    g_autoptr(OtticaEdit) b = sidecar_of (folder, "b.jpg");
    g_autoptr(OtticaEdit) c = sidecar_of (folder, "c.jpg");
    g_autoptr(OtticaEdit) d = sidecar_of (folder, "d.jpg");
    g_autoptr(OtticaEdit) broken_edit = sidecar_of (folder, "broken.jpg");

    ck_assert_ptr_nonnull (a);
    ck_assert_str_eq (a->look_id, "documentary");
    ck_assert_double_eq_tol (a->look_amount, 0.8, 1e-9);
    ck_assert_str_eq (b->look_id, "documentary");
    ck_assert_double_eq_tol (b->exposure, 1.0, 1e-9);
    ck_assert_str_eq (d->look_id, "documentary");
    ck_assert_ptr_null (c);
    ck_assert_ptr_null (broken_edit);
  }
  ck_assert (ottica_library_item_get_has_edit (item_at (&fixture, position_of (&fixture, "a.jpg"))));
  ck_assert (!ottica_library_item_get_has_edit (item_at (&fixture, position_of (&fixture, "c.jpg"))));

  /* the edited thumbnails render again, with the look */
  ck_assert_msg (ottica_test_wait_for (thumbnails_idle, &fixture, 60), "thumbnails never finished");
  {
    double with_look = texture_mean (item_at (&fixture, position_of (&fixture, "a.jpg")));
    double without = texture_mean (item_at (&fixture, position_of (&fixture, "c.jpg")));

    ck_assert_msg (fabs (with_look - without) > 1.0, "a.jpg %.2f, c.jpg %.2f", with_look, without);
  }
  ottica_test_gui_spin (50);
  ottica_test_gui_save_screenshot (fixture.window, "screenshot-library.png");

  /* undo: a and d have no sidecar again, b its old edit */
  run_action (&fixture, "library.undo", NULL);
  ck_assert_int_eq (fixture.n_changed, 3);
  {
    g_autoptr(OtticaEdit) a = sidecar_of (folder, "a.jpg");
    g_autoptr(OtticaEdit) b = sidecar_of (folder, "b.jpg");
    g_autoptr(OtticaEdit) d = sidecar_of (folder, "d.jpg");

    ck_assert_ptr_null (a);
    ck_assert_ptr_null (d);
    ck_assert_ptr_nonnull (b);
    ck_assert_ptr_null (b->look_id);
    ck_assert_double_eq_tol (b->exposure, 1.0, 1e-9);
  }
  ck_assert (!ottica_library_item_get_has_edit (item_at (&fixture, position_of (&fixture, "a.jpg"))));
  ck_assert (ottica_library_item_get_has_edit (item_at (&fixture, position_of (&fixture, "b.jpg"))));
  close_view (&fixture);
}
END_TEST

START_TEST (test_paste_onto_many_and_reset)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(OtticaEdit) copied = ottica_edit_new ();
  g_autofree char *text = NULL;
  Fixture fixture = { 0 };
  GListModel *model;

  open_view (&fixture, folder, TRUE);
  ck_assert_int_eq (fixture.n_loaded, 6);   /* with sub/e.jpg */
  model = G_LIST_MODEL (ottica_library_view_get_selection (fixture.view));

  /* what the editor's Copy Edit puts on the clipboard */
  ottica_edit_set_look (copied, "silver-mono");
  copied->saturation = -20;
  copied->crop_width = 0.5;   /* a photo's crop is not copied */
  text = ottica_edit_to_data (copied, TRUE, NULL);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (fixture.view)), text);

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "library.select-all", NULL));
  ck_assert_int_eq (gtk_bitset_get_size (gtk_selection_model_get_selection (GTK_SELECTION_MODEL (model))), 6);
  run_action (&fixture, "library.paste-edit", NULL);
  ck_assert_int_eq (fixture.n_changed, 6);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      const char *path = ottica_library_item_get_path (item_at (&fixture, i));
      g_autoptr(OtticaEdit) edit = ottica_sidecar_load (path, NULL);

      ck_assert_msg (edit != NULL, "%s has no sidecar", path);
      ck_assert_str_eq (edit->look_id, "silver-mono");
      ck_assert_double_eq_tol (edit->saturation, -20, 1e-9);
      ck_assert_double_eq (edit->crop_width, 1.0);
    }
  {
    /* a copied edit carries every adjustment: b's exposure is the copy's */
    g_autoptr(OtticaEdit) b = sidecar_of (folder, "b.jpg");

    ck_assert_double_eq_tol (b->exposure, 0.0, 1e-9);
  }

  /* reset removes every sidecar; undo brings them back */
  run_action (&fixture, "library.reset-edits", NULL);
  ck_assert_int_eq (fixture.n_changed, 6);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autofree char *sidecar = ottica_sidecar_find (ottica_library_item_get_path (item_at (&fixture, i)));

      ck_assert_ptr_null (sidecar);
      ck_assert (!ottica_library_item_get_has_edit (item_at (&fixture, i)));
    }
  run_action (&fixture, "library.undo", NULL);
  {
    g_autoptr(OtticaEdit) e = sidecar_of (folder, "sub/e.jpg");

    ck_assert_ptr_nonnull (e);
    ck_assert_str_eq (e->look_id, "silver-mono");
  }

  close_view (&fixture);
}
END_TEST

static void
remember_file (OtticaLibraryView *view, GFile *file, GFile **out)
{
  g_set_object (out, file);
}

START_TEST (test_filter_and_sort)
{
  g_autofree char *folder = make_folder ();
  Fixture fixture = { 0 };
  GListModel *model;

  open_view (&fixture, folder, FALSE);
  model = G_LIST_MODEL (ottica_library_view_get_selection (fixture.view));
  ck_assert_str_eq (ottica_library_item_get_name (item_at (&fixture, 0)), "a.jpg");
  ck_assert_str_eq (ottica_library_item_get_name (item_at (&fixture, 2)), "broken.jpg");

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "library.filter", "s", "raw"));
  ck_assert_int_eq (g_list_model_get_n_items (model), 0);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "library.filter", "s", "jpeg"));
  ck_assert_int_eq (g_list_model_get_n_items (model), 5);

  /* by date: the file dates decide for photos without EXIF dates */
  {
    g_autofree char *d = g_build_filename (folder, "d.jpg", NULL);
    struct utimbuf old = { 1000000000, 1000000000 };

    ck_assert_int_eq (g_utime (d, (struct utimbuf *) &old), 0);
  }
  fixture.loaded = FALSE;
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "library.reload", NULL));
  ck_assert (ottica_test_wait_for (is_loaded, &fixture, 30));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (fixture.view), "library.sort", "s", "date"));
  ottica_test_gui_spin (20);
  ck_assert_str_eq (ottica_library_item_get_name (item_at (&fixture, 0)), "d.jpg");

  /* the editor saved c.jpg's edit: its badge follows */
  {
    g_autofree char *c = g_build_filename (folder, "c.jpg", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (c);
    g_autoptr(OtticaEdit) edit = ottica_edit_new ();
    OtticaLibraryItem *item = item_at (&fixture, position_of (&fixture, "c.jpg"));

    ck_assert (!ottica_library_item_get_has_edit (item));
    edit->contrast = 30;
    ck_assert (ottica_sidecar_save (c, edit, NULL, NULL));
    ottica_library_view_refresh_file (fixture.view, file);
    ck_assert (ottica_library_item_get_has_edit (item));
  }

  /* double-click or Enter on a photo asks to open it */
  {
    GtkWidget *grid = ottica_test_find_descendant (GTK_WIDGET (fixture.view), GTK_TYPE_GRID_VIEW);
    GFile *activated = NULL;
    g_autofree char *path = NULL;

    ck_assert_ptr_nonnull (grid);
    g_signal_connect (fixture.view, "photo-activated", G_CALLBACK (remember_file), &activated);
    g_signal_emit_by_name (grid, "activate", position_of (&fixture, "b.jpg"));
    ck_assert_ptr_nonnull (activated);
    path = g_file_get_path (activated);
    ck_assert (g_str_has_suffix (path, "/b.jpg"));
    g_object_unref (activated);
  }

  close_view (&fixture);
}
END_TEST

typedef struct
{
  char     *failures;
  gboolean  finished;
  guint     n_exported;
  guint     n_failed;
} ExportOutcome;

static void
batch_finished (OtticaExportDialog *dialog, const OtticaBatchResult *result, ExportOutcome *outcome)
{
  outcome->failures = ottica_export_dialog_describe_failures (result);
  outcome->n_exported = result->n_exported;
  outcome->n_failed = result->n_failed;
}

static void
export_finished (OtticaExportDialog *dialog, const char *output, const GError *error, ExportOutcome *outcome)
{
  outcome->finished = TRUE;
}

static gboolean
export_done (gpointer data)
{
  return ((ExportOutcome *) data)->finished;
}

static void
assert_jpeg_long_edge (const char *path, int expected_max, gboolean exact)
{
  int width = 0, height = 0;

  ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "%s is missing", path);
  ck_assert (gdk_pixbuf_get_file_info (path, &width, &height) != NULL);
  if (exact)
    ck_assert_int_eq (MAX (width, height), expected_max);
  else
    ck_assert_int_gt (MAX (width, height), expected_max);
}

START_TEST (test_batch_export_two_recipes)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_autoptr(GFile) out_file = g_file_new_for_path (out);
  g_autofree char *a = g_build_filename (folder, "a.jpg", NULL);
  g_autofree char *broken = g_build_filename (folder, "broken.jpg", NULL);
  g_autofree char *c = g_build_filename (folder, "c.jpg", NULL);
  const char *photos[] = { a, broken, c, NULL };
  ExportOutcome outcome = { 0 };
  OtticaExportDialog *dialog;
  GtkWidget *parent;

  adw_init ();
  parent = adw_window_new ();
  gtk_window_present (GTK_WINDOW (parent));
  dialog = ottica_export_dialog_new_for_photos (GTK_WINDOW (parent), photos);
  /* it destroys itself when done, which may be before the screenshot */
  g_object_ref (dialog);
  ottica_export_dialog_set_folder (dialog, out_file);
  ottica_export_dialog_set_web_copy (dialog, TRUE, 512);
  g_signal_connect (dialog, "batch-finished", G_CALLBACK (batch_finished), &outcome);
  g_signal_connect (dialog, "finished", G_CALLBACK (export_finished), &outcome);
  gtk_window_present (GTK_WINDOW (dialog));
  ottica_test_gui_spin (20);
  ottica_export_dialog_start (dialog);
  ottica_test_gui_spin (30);
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    ottica_test_gui_save_screenshot (GTK_WIDGET (dialog), "screenshot-library-export.png");
  ck_assert_msg (ottica_test_wait_for (export_done, &outcome, 120), "the export never finished");

  /* two photos × two recipes: four files; the broken one in the summary */
  ck_assert_int_eq (outcome.n_exported, 4);
  ck_assert_int_ge (outcome.n_failed, 1);
  {
    g_autofree char *full_a = g_build_filename (out, "a.jpg", NULL);
    g_autofree char *full_c = g_build_filename (out, "c.jpg", NULL);
    g_autofree char *web_a = g_build_filename (out, "web", "a.jpg", NULL);
    g_autofree char *web_c = g_build_filename (out, "web", "c.jpg", NULL);
    g_autofree char *none = g_build_filename (out, "broken.jpg", NULL);

    assert_jpeg_long_edge (full_a, 512, FALSE);
    assert_jpeg_long_edge (full_c, 512, FALSE);
    assert_jpeg_long_edge (web_a, 512, TRUE);
    assert_jpeg_long_edge (web_c, 512, TRUE);
    ck_assert (!g_file_test (none, G_FILE_TEST_EXISTS));
  }
  ck_assert_ptr_nonnull (outcome.failures);
  ck_assert_msg (strstr (outcome.failures, "broken.jpg") != NULL, "%s", outcome.failures);
  ck_assert_ptr_null (strstr (outcome.failures, "a.jpg"));
  /* once, though both of its outputs failed */
  ck_assert_ptr_null (strchr (outcome.failures, '\n'));
  g_free (outcome.failures);
  g_object_unref (dialog);
  gtk_window_destroy (GTK_WINDOW (parent));
}
END_TEST

/* Every sample photo in the grid gets a thumbnail (a picture to look at:
 * screenshot-library-samples.png in the build folder). */
START_TEST (test_samples_in_the_grid)
{
  static const char *const folders[] = { "raw", "jpeg", NULL };
  const char *samples = ottica_test_samples_dir ();
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *folder = ottica_test_scratch_file ("samples");
  Fixture fixture = { 0 };
  GListModel *model;
  guint n = 0;

  ck_assert_int_eq (g_mkdir_with_parents (folder, 0755), 0);
  {
    const char *singles[] = { bundled, cr2, NULL };

    for (guint i = 0; i < G_N_ELEMENTS (singles); i++)
      if (singles[i] != NULL)
        {
          g_autofree char *base = g_path_get_basename (singles[i]);
          g_autofree char *link = g_build_filename (folder, base, NULL);

          ck_assert_int_eq (symlink (singles[i], link), 0);
          n++;
        }
  }
  for (guint f = 0; samples != NULL && folders[f] != NULL; f++)
    {
      g_autofree char *dir_path = g_build_filename (samples, folders[f], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *target = g_build_filename (dir_path, name, NULL);
          g_autofree char *link = g_build_filename (folder, name, NULL);

          ck_assert_int_eq (symlink (target, link), 0);
          n++;
        }
    }

  open_view (&fixture, folder, FALSE);
  ck_assert_int_eq (fixture.n_loaded, n);
  ck_assert_msg (ottica_test_wait_for (thumbnails_idle, &fixture, 120), "thumbnails never finished");
  ottica_test_gui_spin (50);
  model = G_LIST_MODEL (ottica_library_view_get_selection (fixture.view));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      OtticaLibraryItem *item = item_at (&fixture, i);

      ck_assert_msg (!ottica_library_item_get_broken (item), "%s: %s", ottica_library_item_get_name (item),
                     ottica_library_item_get_error (item));
      ck_assert_msg (ottica_library_item_get_thumbnail (item) != NULL, "%s has no thumbnail",
                     ottica_library_item_get_name (item));
    }
  ottica_test_gui_save_screenshot (fixture.window, "screenshot-library-samples.png");
  close_view (&fixture);
  if (samples == NULL)
    ottica_test_skip ("../shared/samples is absent: only the bundled photo and the CR2 were shown");
}
END_TEST

static void
remember_preset (OtticaPresetsDialog *dialog, const char *name, char **applied)
{
  g_free (*applied);
  *applied = g_strdup (name);
}

START_TEST (test_presets_dialog_and_apply_preset)
{
  g_autofree char *folder = make_folder ();
  g_autoptr(OtticaEdit) preset = ottica_edit_new ();
  static const char *const chosen[] = { "c.jpg", NULL };
  Fixture fixture = { 0 };
  OtticaPresetsDialog *dialog;
  g_auto(GStrv) names = NULL;
  g_autofree char *applied = NULL;

  preset->vignette = -40;
  preset->mask = ottica_edit_param_mask (ottica_edit_param_lookup ("vignette"));
  ck_assert (ottica_preset_store_save ("Dark corners", preset, TRUE, NULL));
  ck_assert (ottica_preset_store_save ("Another", preset, TRUE, NULL));

  open_view (&fixture, folder, FALSE);
  dialog = ottica_presets_dialog_new (GTK_WINDOW (fixture.window));
  g_signal_connect (dialog, "apply-preset", G_CALLBACK (remember_preset), &applied);
  gtk_window_present (GTK_WINDOW (dialog));
  ottica_test_gui_spin (20);
  ottica_test_gui_save_screenshot (GTK_WIDGET (dialog), "screenshot-library-presets.png");
  names = ottica_presets_dialog_dup_names (dialog);
  ck_assert_int_eq (g_strv_length (names), 2);
  ck_assert_str_eq (names[0], "Another");
  ck_assert_str_eq (names[1], "Dark corners");
  gtk_window_destroy (GTK_WINDOW (dialog));

  select_names (&fixture, chosen);
  run_action (&fixture, "library.apply-preset", "s", "Dark corners");
  ck_assert_int_eq (fixture.n_changed, 1);
  {
    g_autoptr(OtticaEdit) c = sidecar_of (folder, "c.jpg");
    g_autoptr(OtticaEdit) a = sidecar_of (folder, "a.jpg");

    ck_assert_ptr_nonnull (c);
    ck_assert_double_eq_tol (c->vignette, -40, 1e-9);
    ck_assert_ptr_null (a);
  }
  close_view (&fixture);
}
END_TEST


/* ---- two-stage thumbnails -------------------------------------------------- */

typedef struct
{
  OtticaThumbnailLoader *loader;
  GPtrArray             *events;      /* "preview NAME W×H" / "done NAME W×H" */
  double                 preview_green;
} LoaderLog;

static void
log_event (LoaderLog *log, const char *what, OtticaLibraryItem *item)
{
  GdkPaintable *paintable = ottica_library_item_get_thumbnail (item);
  int width = paintable != NULL ? gdk_paintable_get_intrinsic_width (paintable) : 0;
  int height = paintable != NULL ? gdk_paintable_get_intrinsic_height (paintable) : 0;

  g_ptr_array_add (log->events, g_strdup_printf ("%s %s %d×%d", what, ottica_library_item_get_name (item),
                                                 width, height));
}

static void
preview_shown (OtticaThumbnailLoader *loader, OtticaLibraryItem *item, LoaderLog *log)
{
  g_autofree guint8 *pixels = NULL;
  GdkTexture *texture = GDK_TEXTURE (ottica_library_item_get_thumbnail (item));
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  double green = 0;

  ck_assert (ottica_thumbnail_loader_shows_preview (loader, item));
  ck_assert (!ottica_thumbnail_loader_is_current (loader, item));
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    green += pixels[i * 4 + 1] - (pixels[i * 4] + pixels[i * 4 + 2]) / 2.0;
  log->preview_green = green / (width * height);
  log_event (log, "preview", item);
}

static void
thumbnail_done (OtticaThumbnailLoader *loader, OtticaLibraryItem *item, LoaderLog *log)
{
  ck_assert (!ottica_thumbnail_loader_shows_preview (loader, item));
  log_event (log, "done", item);
}

static gboolean
loader_idle (gpointer data)
{
  return ottica_thumbnail_loader_get_n_pending (((LoaderLog *) data)->loader) == 0;
}

/* A copy of the bundled photo with a plain green 160×120 EXIF thumbnail:
 * nothing like the photo, so the two stages tell apart. */
static void
write_with_green_thumbnail (const char *path)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *contents = NULL;
  g_autofree char *thumbnail = NULL;
  g_autoptr(GdkPixbuf) green = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 160, 120);
  g_autoptr(GExiv2Metadata) metadata = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  gsize length;

  ck_assert (g_file_get_contents (bundled, &contents, &length, NULL));
  ck_assert (g_file_set_contents (path, contents, length, NULL));
  gdk_pixbuf_fill (green, 0x20d020ff);
  ck_assert (gdk_pixbuf_save_to_buffer (green, &thumbnail, &length, "jpeg", &error, NULL));
  ck_assert (gexiv2_metadata_open_path (metadata, path, &error));
  gexiv2_metadata_try_set_exif_thumbnail_from_buffer (metadata, (const guint8 *) thumbnail,
                                                      (int) length, &error);
  ck_assert_ptr_null (error);
  ck_assert (gexiv2_metadata_save_file (metadata, path, &error));
}

/* A photo with an EXIF thumbnail shows it first (stage 1), then its real
 * render; one without goes straight to the render; once cached, the real
 * thumbnail comes at once with no stage 1. */
START_TEST (test_two_stage_thumbnails)
{
  g_autofree char *camera = ottica_test_scratch_file ("camera.jpg");
  g_autofree char *plain = ottica_test_bundled_photo ();
  g_autoptr(OtticaLibraryItem) camera_item = NULL;
  g_autoptr(OtticaLibraryItem) plain_item = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  LoaderLog log = { NULL, events, 0 };

  write_with_green_thumbnail (camera);
  camera_item = ottica_library_item_new (camera, 0);
  plain_item = ottica_library_item_new (plain, 0);

  for (int round = 0; round < 2; round++)
    {
      g_autoptr(OtticaThumbnailLoader) loader = ottica_thumbnail_loader_new (256, 2);
      g_autofree char *joined = NULL;

      log.loader = loader;
      g_ptr_array_set_size (events, 0);
      g_signal_connect (loader, "preview-shown", G_CALLBACK (preview_shown), &log);
      g_signal_connect (loader, "thumbnail-done", G_CALLBACK (thumbnail_done), &log);
      ottica_thumbnail_loader_request (loader, camera_item);
      ottica_thumbnail_loader_request (loader, plain_item);
      ck_assert_msg (ottica_test_wait_for (loader_idle, &log, 60), "the thumbnails never finished");
      g_ptr_array_add (events, NULL);
      joined = g_strjoinv (", ", (char **) events->pdata);
      g_ptr_array_remove_index (events, events->len - 1);

      if (round == 0)
        {
          /* the green thumbnail, then the (portrait) photo at 256; the plain JPEG
           * has no stage 1 */
          ck_assert_msg (events->len == 3, "%s", joined);
          ck_assert_msg (strcmp (g_ptr_array_index (events, 0), "preview camera.jpg 160×120") == 0,
                         "%s", joined);
          ck_assert_msg (log.preview_green > 100, "%s: green %.0f", joined, log.preview_green);
          ck_assert_msg (strstr (joined, "done camera.jpg 170×256") != NULL, "%s", joined);
          ck_assert_msg (strstr (joined, "done friends.jpg 170×256") != NULL, "%s", joined);
          ck_assert_msg (strstr (joined, "preview friends.jpg") == NULL, "%s", joined);
          /* the real render is the photo, not the green square */
          ck_assert_double_lt (texture_mean (camera_item), 200);
        }
      else
        {
          /* from the disk cache: no stage 1 at all */
          ck_assert_msg (events->len == 2 && strstr (joined, "preview") == NULL, "%s", joined);
        }
      ck_assert (ottica_thumbnail_loader_is_current (loader, camera_item));
      ck_assert (!ottica_thumbnail_loader_shows_preview (loader, camera_item));
      ottica_thumbnail_loader_release (loader, camera_item);
      ottica_thumbnail_loader_release (loader, plain_item);
    }

  /* HiDPI: a new size renders again at that size, the old picture shown
   * meanwhile */
  {
    g_autoptr(OtticaThumbnailLoader) loader = ottica_thumbnail_loader_new (256, 2);

    log.loader = loader;
    ottica_thumbnail_loader_request (loader, plain_item);
    ck_assert (ottica_test_wait_for (loader_idle, &log, 60));
    ck_assert_int_eq (gdk_paintable_get_intrinsic_height (ottica_library_item_get_thumbnail (plain_item)), 256);
    ottica_thumbnail_loader_set_size (loader, 512);
    ck_assert (!ottica_thumbnail_loader_is_current (loader, plain_item));
    ck_assert_ptr_nonnull (ottica_library_item_get_thumbnail (plain_item));
    ottica_thumbnail_loader_request (loader, plain_item);
    ck_assert (ottica_test_wait_for (loader_idle, &log, 60));
    ck_assert (ottica_thumbnail_loader_is_current (loader, plain_item));
    ck_assert_int_eq (gdk_paintable_get_intrinsic_height (ottica_library_item_get_thumbnail (plain_item)), 512);
    ottica_thumbnail_loader_release (loader, plain_item);
  }
}
END_TEST

int
main (void)
{
  g_autofree char *home = ottica_test_gui_private_home ("library-view");
  Suite *suite = suite_create ("library-view");
  TCase *tc = ottica_test_case ("library-view");
  int status;

  tcase_add_test (tc, test_apply_look_to_selection_and_undo);
  tcase_add_test (tc, test_paste_onto_many_and_reset);
  tcase_add_test (tc, test_filter_and_sort);
  tcase_add_test (tc, test_batch_export_two_recipes);
  tcase_add_test (tc, test_presets_dialog_and_apply_preset);
  tcase_add_test (tc, test_samples_in_the_grid);
  tcase_add_test (tc, test_two_stage_thumbnails);
  suite_add_tcase (suite, tc);
  status = ottica_test_run ("library-view", suite);
  ottica_test_remove_tree (home);
  return status;
}
