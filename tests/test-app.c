/* test-app.c: the editor window, driven for real under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <math.h>

#include "ottica-application.h"
#include "ottica-crop-overlay.h"
#include "ottica-histogram.h"
#include "ottica-look-library.h"
#include "ottica-preset-store.h"
#include "ottica-preview-renderer.h"
#include "ottica-preferences-window.h"
#include "ottica-settings.h"
#include "ottica-sidecar.h"
#include "ottica-split-paintable.h"
#include "ottica-test.h"
#include "ottica-test-gui.h"
#include "ottica-library-view.h"
#include "ottica-window.h"

static gboolean
never (gpointer data)
{
  return FALSE;
}

static gboolean
picture_has_paintable (gpointer data)
{
  return gtk_picture_get_paintable (GTK_PICTURE (data)) != NULL;
}

/* The editor's page of the window (the other one is the library), where
 * the photo's GtkPicture is. */
static GtkWidget *
editor_page (OtticaWindow *window)
{
  GtkStack *stack = GTK_STACK (ottica_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_STACK));

  return gtk_stack_get_child_by_name (stack, "editor");
}

static gboolean
picture_shows_texture (gpointer data)
{
  return GDK_IS_TEXTURE (gtk_picture_get_paintable (GTK_PICTURE (data)));
}

static OtticaWindow *
new_window (void)
{
  static OtticaApplication *app;
  g_autoptr(GError) error = NULL;

  if (app == NULL)
    {
      app = ottica_application_new ();
      ck_assert (g_application_register (G_APPLICATION (app), NULL, &error));
    }
  return ottica_window_new (app);
}

static void
save_window_screenshot (GtkWidget *window, const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  /* A window whose layout changed draws nothing until GTK has laid it
   * out again: give the frame clock a few turns. */
  for (int attempt = 0; node == NULL && attempt < 200; attempt++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                              gtk_widget_get_height (window));
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (10000);
        }
    }
  ck_assert_ptr_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  ck_assert (gdk_texture_save_to_png (texture, path));
}

START_TEST (test_window_opens_the_sample_photo)
{
  OtticaWindow *window;
  GtkPicture *picture;
  GdkPaintable *paintable;
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autoptr(GFile) file = g_file_new_for_path (photo);
  g_autofree guint8 *pixels = NULL;
  g_autofree char *shot = NULL;
  int width, height;
  double mean = 0;

  adw_init ();
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  ottica_window_open_file (window, file);

  picture = GTK_PICTURE (ottica_test_find_descendant (editor_page (window), GTK_TYPE_PICTURE));
  ck_assert_ptr_nonnull (picture);
  ck_assert_msg (ottica_test_wait_for (picture_has_paintable, picture, 60), "the photo was never shown");

  paintable = gtk_picture_get_paintable (picture);
  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  /* the sample is 1414 × 2124 (portrait); the preview keeps its shape */
  ck_assert_int_gt (width, 0);
  ck_assert_int_lt (abs (width * 2124 - height * 1414), 2124 * 2);

  /* real content, not a blank frame */
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (GDK_TEXTURE (paintable), pixels, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    mean += pixels[i * 4 + 1];
  mean /= width * height;
  ck_assert_msg (mean > 20 && mean < 235, "mean green %.1f looks blank", mean);

  /* let the window lay out, then keep a screenshot for people to look at */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  shot = g_build_filename (OTTICA_BUILD_DIR, "screenshot-window.png", NULL);
  save_window_screenshot (GTK_WIDGET (window), shot);
  ck_assert (g_file_test (shot, G_FILE_TEST_IS_REGULAR));

  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* AdwToastOverlay shows a toast as an AdwToastWidget child (a private
 * type) holding a GtkLabel with the message. */
static GtkWidget *
find_toast (GtkWidget *window)
{
  GtkWidget *overlay = ottica_test_find_descendant (window, ADW_TYPE_TOAST_OVERLAY);

  for (GtkWidget *child = gtk_widget_get_first_child (overlay); child; child = gtk_widget_get_next_sibling (child))
    if (g_str_equal (G_OBJECT_TYPE_NAME (child), "AdwToastWidget"))
      return child;
  return NULL;
}

static gboolean
toast_shown (gpointer data)
{
  return find_toast (GTK_WIDGET (data)) != NULL;
}

START_TEST (test_window_reports_a_broken_file)
{
  OtticaWindow *window;
  GtkLabel *label;
  g_autofree char *path = ottica_test_scratch_file ("broken.jpg");
  g_autoptr(GFile) file = NULL;

  ck_assert (g_file_set_contents (path, "not a photo", -1, NULL));
  file = g_file_new_for_path (path);

  adw_init ();
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  ottica_window_open_file (window, file);
  ck_assert_msg (ottica_test_wait_for (toast_shown, window, 30), "no toast for a broken file");
  label = GTK_LABEL (ottica_test_find_descendant (find_toast (GTK_WIDGET (window)), GTK_TYPE_LABEL));
  ck_assert_ptr_nonnull (label);
  ck_assert_msg (strstr (gtk_label_get_label (label), "broken.jpg") != NULL,
                 "the toast does not name the file: %s", gtk_label_get_label (label));
  /* the window stays usable */
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (window)));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST


static double
paintable_mean (GdkPaintable *paintable)
{
  int width = gdk_paintable_get_intrinsic_width (paintable);
  int height = gdk_paintable_get_intrinsic_height (paintable);
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 4);
  double sum = 0;

  gdk_texture_download (GDK_TEXTURE (paintable), pixels, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    sum += pixels[i * 4] + pixels[i * 4 + 1] + pixels[i * 4 + 2];
  return sum / (3.0 * width * height);
}

static gboolean
window_idle (gpointer data)
{
  return !ottica_window_is_busy (OTTICA_WINDOW (data)) &&
         ottica_window_get_edit (OTTICA_WINDOW (data)) != NULL;
}

static double
shown_mean (OtticaWindow *window)
{
  GtkPicture *picture = GTK_PICTURE (ottica_test_find_descendant (editor_page (window), GTK_TYPE_PICTURE));

  ck_assert_msg (ottica_test_wait_for (window_idle, window, 60), "the render never finished");
  return paintable_mean (gtk_picture_get_paintable (picture));
}

/* A copy of the bundled photo in the scratch folder, so sidecars are
 * written there and not into the source tree. */
static char *
scratch_photo (const char *name)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *contents = NULL;
  char *path = ottica_test_scratch_file (name);
  gsize length;

  ck_assert (g_file_get_contents (photo, &contents, &length, NULL));
  ck_assert (g_file_set_contents (path, contents, (gssize) length, NULL));
  return path;
}

static OtticaWindow *
open_window_on (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  OtticaWindow *window;

  adw_init ();
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  ottica_window_open_file (window, file);
  ck_assert_msg (ottica_test_wait_for (window_idle, window, 60), "the photo never opened");
  return window;
}

static gboolean
sidecar_exists (gpointer data)
{
  g_autofree char *sidecar = ottica_sidecar_find (data);

  return sidecar != NULL;
}

START_TEST (test_slider_undo_before_after_and_sidecar)
{
  g_autofree char *path = scratch_photo ("slider.jpg");
  OtticaWindow *window = open_window_on (path);
  GtkAdjustment *exposure = ottica_window_get_adjustment (window, "exposure");
  g_autoptr(OtticaEdit) saved = NULL;
  g_autoptr(GError) error = NULL;
  double original, brighter;

  ck_assert_ptr_nonnull (exposure);
  ck_assert_ptr_null (ottica_sidecar_find (path));
  original = shown_mean (window);

  /* a drag: several values in quick succession, one undo step */
  for (int i = 1; i <= 4; i++)
    gtk_adjustment_set_value (exposure, 0.25 * i);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->exposure, 1.0, 1e-9);
  brighter = shown_mean (window);
  ck_assert_msg (brighter > original + 15, "exposure +1: mean %.1f → %.1f", original, brighter);

  /* before/after shows the original pixels, then the edit again */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-original", NULL));
  ck_assert_double_eq_tol (shown_mean (window), original, 0.01);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-original", NULL));
  ck_assert_double_eq_tol (shown_mean (window), brighter, 0.01);

  /* the sidecar appears after the debounce, with the new value */
  ck_assert_msg (ottica_test_wait_for (sidecar_exists, path, 10), "no sidecar was written");
  saved = ottica_sidecar_load (path, &error);
  ck_assert_ptr_nonnull (saved);
  ck_assert_double_eq_tol (saved->exposure, 1.0, 1e-9);

  /* undo restores the original in one step; redo brings the edit back */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert_double_eq_tol (gtk_adjustment_get_value (exposure), 0.0, 1e-9);
  ck_assert_double_eq_tol (shown_mean (window), original, 0.5);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  ck_assert_double_eq_tol (gtk_adjustment_get_value (exposure), 1.0, 1e-9);
  ck_assert_double_eq_tol (shown_mean (window), brighter, 0.5);

  /* Reset to original */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset-edit", NULL));
  ck_assert (ottica_edit_is_neutral (ottica_window_get_edit (window)));
  ck_assert_double_eq_tol (shown_mean (window), original, 0.5);

  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

START_TEST (test_edit_is_restored_and_saved_on_close)
{
  g_autofree char *path = scratch_photo ("restore.jpg");
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaEdit) saved = NULL;
  OtticaWindow *window;

  edit->saturation = -100;
  ck_assert (ottica_sidecar_save (path, edit, NULL, NULL));
  window = open_window_on (path);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->saturation, -100, 1e-9);
  ck_assert_double_eq_tol (gtk_adjustment_get_value (ottica_window_get_adjustment (window, "saturation")), -100, 1e-9);

  /* closing before the debounce still saves */
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "contrast"), 30);
  gtk_window_close (GTK_WINDOW (window));
  saved = ottica_sidecar_load (path, NULL);
  ck_assert_ptr_nonnull (saved);
  ck_assert_double_eq_tol (saved->contrast, 30, 1e-9);
  ck_assert_double_eq_tol (saved->saturation, -100, 1e-9);
}
END_TEST

static gboolean
exposure_is (gpointer data)
{
  const OtticaEdit *edit = ottica_window_get_edit (OTTICA_WINDOW (data));

  return edit != NULL && edit->exposure > 0.49 && edit->exposure < 0.51;
}

START_TEST (test_copy_and_paste_an_edit)
{
  g_autofree char *path = scratch_photo ("copy.jpg");
  OtticaWindow *window = open_window_on (path);

  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 0.5);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-edit", NULL));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset-edit", NULL));
  ck_assert (!exposure_is (window));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.paste-edit", NULL));
  ck_assert_msg (ottica_test_wait_for (exposure_is, window, 10), "the pasted edit did not arrive");
  ck_assert_double_eq_tol (gtk_adjustment_get_value (ottica_window_get_adjustment (window, "exposure")), 0.5, 1e-9);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static gboolean
thumbnails_done (gpointer data)
{
  OtticaLooksPanel *panel = data;

  return ottica_looks_panel_get_n_rendered (panel) == ottica_looks_panel_get_n_looks (panel) + 1;
}

START_TEST (test_looks_panel_sets_the_look)
{
  g_autofree char *path = scratch_photo ("looks.jpg");
  OtticaWindow *window = open_window_on (path);
  OtticaLooksPanel *panel = ottica_window_get_looks_panel (window);
  GPtrArray *looks = ottica_look_library_list (NULL);
  const char *id;

  ck_assert_uint_gt (looks->len, 0);
  ck_assert_uint_eq (ottica_looks_panel_get_n_looks (panel), looks->len);
  ck_assert_msg (ottica_test_wait_for (thumbnails_done, panel, 60), "thumbnails: %u of %u",
                 ottica_looks_panel_get_n_rendered (panel), looks->len + 1);

  /* a screenshot of the looks page, for people to look at */
  {
    g_autofree char *shot = g_build_filename (OTTICA_BUILD_DIR, "screenshot-looks.png", NULL);

    adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (panel), ADW_TYPE_VIEW_STACK)), "looks");
    for (int i = 0; i < 50; i++)
      g_main_context_iteration (NULL, FALSE);
    save_window_screenshot (GTK_WIDGET (window), shot);
  }

  id = ottica_look_get_id (g_ptr_array_index (looks, 0));
  ottica_looks_panel_choose (panel, id);
  ck_assert_str_eq (ottica_window_get_edit (window)->look_id, id);
  gtk_adjustment_set_value (ottica_looks_panel_get_amount (panel), 0.4);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->look_amount, 0.4, 1e-9);

  /* undo the amount, then the look */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->look_amount, 1.0, 1e-9);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert_ptr_null (ottica_window_get_edit (window)->look_id);
  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

START_TEST (test_zoom_actions)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  OtticaWindow *window = open_window_on (photo);
  GtkWidget *picture = ottica_test_find_descendant (editor_page (window), GTK_TYPE_PICTURE);
  int width, height;

  ck_assert_double_eq (ottica_window_get_zoom (window), 0);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-100", NULL));
  ck_assert_double_eq (ottica_window_get_zoom (window), 1.0);
  /* 100 % is the full-resolution photo's size (1414 × 2124) */
  gtk_widget_get_size_request (picture, &width, &height);
  ck_assert_int_eq (width, 1414);
  ck_assert_int_eq (height, 2124);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL));
  ck_assert_double_eq_tol (ottica_window_get_zoom (window), 1.25, 1e-9);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-out", NULL));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-out", NULL));
  ck_assert_double_eq_tol (ottica_window_get_zoom (window), 0.8, 1e-9);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  ck_assert_double_eq (ottica_window_get_zoom (window), 0);
  gtk_widget_get_size_request (picture, &width, &height);
  ck_assert_int_eq (width, -1);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static gboolean
export_dialog_gone (gpointer data)
{
  return ottica_window_get_export_dialog (OTTICA_WINDOW (data)) == NULL;
}

/* The only *.jpg in @folder, or NULL. */
static char *
find_jpeg (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  char *found = NULL;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".jpg"))
      {
        ck_assert_msg (found == NULL, "more than one JPEG in %s", folder);
        found = g_build_filename (folder, name, NULL);
      }
  return found;
}

START_TEST (test_export_writes_a_jpeg)
{
  g_autofree char *path = scratch_photo ("export.jpg");
  g_autofree char *folder_path = ottica_test_scratch_file ("exports");
  g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
  g_autofree char *output = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  OtticaWindow *window = open_window_on (path);
  OtticaExportDialog *dialog;
  OtticaExportOptions options;
  GtkLabel *label;
  gsize length;

  double original = shown_mean (window);

  ck_assert_int_eq (g_mkdir_with_parents (folder_path, 0755), 0);
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 1.0);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  dialog = ottica_window_get_export_dialog (window);
  ck_assert_ptr_nonnull (dialog);

  /* the screenshot people look at, before anything changes */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  {
    g_autofree char *shot = g_build_filename (OTTICA_BUILD_DIR, "screenshot-export.png", NULL);

    save_window_screenshot (GTK_WIDGET (dialog), shot);
  }

  ottica_export_dialog_get_options (dialog, &options);
  options.size_mode = OTTICA_SIZE_LONG_EDGE;
  options.size_value = 800;
  ottica_export_dialog_set_options (dialog, &options);
  ottica_export_dialog_set_folder (dialog, folder);
  ottica_export_dialog_start (dialog);
  ck_assert_msg (ottica_test_wait_for (export_dialog_gone, window, 60), "the export never finished");
  ck_assert_msg (ottica_test_wait_for (toast_shown, window, 5), "no toast after the export");
  label = GTK_LABEL (ottica_test_find_descendant (find_toast (GTK_WIDGET (window)), GTK_TYPE_LABEL));
  ck_assert_msg (g_str_has_prefix (gtk_label_get_label (label), "Exported"), "toast: %s", gtk_label_get_label (label));

  output = find_jpeg (folder_path);
  ck_assert_ptr_nonnull (output);
  ck_assert (g_file_get_contents (output, &contents, &length, NULL));
  ck_assert_uint_gt (length, 1000);
  ck_assert_int_eq ((guint8) contents[0], 0xff);
  ck_assert_int_eq ((guint8) contents[1], 0xd8);
  texture = gdk_texture_new_from_filename (output, &error);
  ck_assert_msg (texture != NULL, "%s", error ? error->message : "");
  /* long edge 800 of a 1414 × 2124 photo */
  ck_assert_int_eq (gdk_texture_get_height (texture), 800);
  ck_assert_int_le (abs (gdk_texture_get_width (texture) - 533), 1);
  /* the edit (exposure +1) is in it: brighter than the photo */
  ck_assert_double_gt (paintable_mean (GDK_PAINTABLE (texture)), original + 10);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static gboolean
recent_has (gpointer uri)
{
  return gtk_recent_manager_has_item (gtk_recent_manager_get_default (), uri);
}

START_TEST (test_preferences_recent_and_shortcuts)
{
  g_autoptr(GSettings) settings = ottica_settings_get ();
  g_autofree char *path = scratch_photo ("prefs.jpg");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  OtticaPreferencesWindow *preferences;
  GtkWidget *combo;
  OtticaWindow *window;
  GdkPaintable *paintable;

  if (settings == NULL)
    {
      ottica_test_skip ("the GSettings schema is not compiled in %s/data", OTTICA_BUILD_DIR);
      return;
    }

  /* Preferences write through to GSettings */
  adw_init ();
  window = new_window ();
  preferences = ottica_preferences_window_new (GTK_WINDOW (window), settings);
  combo = ottica_test_find_descendant (GTK_WIDGET (preferences), ADW_TYPE_COMBO_ROW);
  ck_assert_ptr_nonnull (combo);
  /* the first combo row is the preview quality */
  adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 0);
  {
    g_autofree char *quality = g_settings_get_string (settings, "preview-quality");

    ck_assert_str_eq (quality, "fast");
  }
  gtk_window_destroy (GTK_WINDOW (preferences));
  gtk_window_destroy (GTK_WINDOW (window));

  /* a fast preview is a smaller proxy: 1024 pixels on the long side */
  window = open_window_on (path);
  paintable = gtk_picture_get_paintable (GTK_PICTURE (ottica_test_find_descendant (editor_page (window), GTK_TYPE_PICTURE)));
  ck_assert_int_le (gdk_paintable_get_intrinsic_height (paintable), 1024);
  ck_assert_int_ge (gdk_paintable_get_intrinsic_height (paintable), 1000);

  /* the photo is a recent file, its folder remembered */
  ck_assert_msg (ottica_test_wait_for (recent_has, uri, 10), "the photo is not in the recent files");
  {
    g_autofree char *folder = g_settings_get_string (settings, "recent-folder");
    g_autofree char *expected = g_path_get_dirname (path);

    ck_assert_str_eq (folder, expected);
  }

  /* the shortcuts window is there for win.show-help-overlay */
  ck_assert_ptr_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* The GtkGestureClick the adjust panel put on @scale (GTK's own range
 * gestures are drag and long-press ones). */
static GtkGesture *
find_click_gesture (GtkWidget *scale)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (scale);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller))
        return GTK_GESTURE (controller);
    }
  return NULL;
}

static GtkWidget *
find_scale_for (GtkWidget *widget, GtkAdjustment *adjustment)
{
  if (GTK_IS_SCALE (widget) && gtk_range_get_adjustment (GTK_RANGE (widget)) == adjustment)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_scale_for (child, adjustment);

      if (found != NULL)
        return found;
    }
  return NULL;
}

START_TEST (test_double_click_resets_a_slider)
{
  g_autofree char *path = scratch_photo ("reset.jpg");
  OtticaWindow *window = open_window_on (path);
  GtkAdjustment *contrast = ottica_window_get_adjustment (window, "contrast");
  GtkWidget *scale = find_scale_for (GTK_WIDGET (window), contrast);
  GtkGesture *click;

  ck_assert_ptr_nonnull (scale);
  click = find_click_gesture (scale);
  ck_assert_ptr_nonnull (click);
  gtk_adjustment_set_value (contrast, 40);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->contrast, 40, 1e-9);
  /* a single click leaves it; a double click puts it back to neutral */
  g_signal_emit_by_name (click, "pressed", 1, 10.0, 5.0);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->contrast, 40, 1e-9);
  g_signal_emit_by_name (click, "pressed", 2, 10.0, 5.0);
  ck_assert_double_eq_tol (gtk_adjustment_get_value (contrast), 0, 1e-9);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->contrast, 0, 1e-9);
  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* Mean of the red, green and blue of columns [x0, x1) of @texture. */
static double
columns_mean (GdkTexture *texture, int x0, int x1)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 4);
  double sum = 0;

  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (int y = 0; y < height; y++)
    for (int x = x0; x < x1; x++)
      for (int c = 0; c < 3; c++)
        sum += pixels[((gsize) y * width + x) * 4 + c];
  return sum / (3.0 * height * (x1 - x0));
}

START_TEST (test_split_view_shows_both)
{
  g_autofree char *path = scratch_photo ("split.jpg");
  OtticaWindow *window = open_window_on (path);
  GtkPicture *picture = GTK_PICTURE (ottica_test_find_descendant (editor_page (window), GTK_TYPE_PICTURE));
  g_autoptr(GdkTexture) original = NULL;
  g_autoptr(GdkTexture) edited = NULL;
  g_autoptr(GdkTexture) split = NULL;
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  int width, height;

  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  ck_assert (ottica_test_wait_for (picture_shows_texture, picture, 60));
  original = g_object_ref (GDK_TEXTURE (gtk_picture_get_paintable (picture)));
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 1.0);
  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  ck_assert (ottica_test_wait_for (picture_shows_texture, picture, 60));
  edited = g_object_ref (GDK_TEXTURE (gtk_picture_get_paintable (picture)));

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare-split", NULL));
  paintable = gtk_picture_get_paintable (picture);
  ck_assert (OTTICA_IS_SPLIT_PAINTABLE (paintable));
  width = gdk_paintable_get_intrinsic_width (paintable);
  height = gdk_paintable_get_intrinsic_height (paintable);
  ck_assert_int_eq (width, gdk_texture_get_width (edited));

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  split = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                       &GRAPHENE_RECT_INIT (0, 0, width, height));
  /* left of the line the original, right of it the edit */
  ck_assert_double_eq_tol (columns_mean (split, 0, width / 2 - 2), columns_mean (original, 0, width / 2 - 2), 1.0);
  ck_assert_double_eq_tol (columns_mean (split, width / 2 + 2, width), columns_mean (edited, width / 2 + 2, width), 1.0);
  ck_assert_double_gt (columns_mean (edited, width / 2 + 2, width), columns_mean (original, width / 2 + 2, width) + 10);

  /* off again: the edit alone */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare-split", NULL));
  ck_assert_ptr_eq (gtk_picture_get_paintable (picture), edited);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static void
shown_size (OtticaWindow *window, int *width, int *height)
{
  GtkPicture *picture = GTK_PICTURE (ottica_test_find_descendant (editor_page (window), GTK_TYPE_PICTURE));
  GdkPaintable *paintable;

  ck_assert_msg (ottica_test_wait_for (window_idle, window, 60), "the render never finished");
  paintable = gtk_picture_get_paintable (picture);
  *width = gdk_paintable_get_intrinsic_width (paintable);
  *height = gdk_paintable_get_intrinsic_height (paintable);
}

START_TEST (test_rotate_and_crop)
{
  g_autofree char *path = scratch_photo ("rotate.jpg");
  OtticaWindow *window = open_window_on (path);
  int w0, h0, w, h;

  shown_size (window, &w0, &h0);
  ck_assert_int_lt (w0, h0);   /* portrait */

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.rotate-right", NULL));
  ck_assert_int_eq (ottica_window_get_edit (window)->rotation, 90);
  shown_size (window, &w, &h);
  ck_assert_int_eq (w, h0);
  ck_assert_int_eq (h, w0);

  /* a square crop of the turned photo */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-aspect", "s", "1:1"));
  ck_assert (ottica_edit_has_crop (ottica_window_get_edit (window)));
  /* the crop row shows the preset (after "Free" and "Original") */
  ck_assert_uint_eq (adw_combo_row_get_selected (ADW_COMBO_ROW (ottica_test_find_descendant (GTK_WIDGET (window), ADW_TYPE_COMBO_ROW))), 2);
  shown_size (window, &w, &h);
  ck_assert_int_le (abs (w - h), 1);
  ck_assert_int_le (abs (h - w0), 1);

  /* the before view keeps the framing */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-original", NULL));
  shown_size (window, &w, &h);
  ck_assert_int_le (abs (w - h), 1);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-original", NULL));

  /* a screenshot of the end of the adjust panel, for people to look at */
  {
    g_autofree char *shot = g_build_filename (OTTICA_BUILD_DIR, "screenshot-geometry.png", NULL);
    GtkWidget *page = ottica_test_find_descendant (GTK_WIDGET (window), ADW_TYPE_PREFERENCES_PAGE);
    GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (ottica_test_find_descendant (page, GTK_TYPE_SCROLLED_WINDOW));
    GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroller);

    ottica_test_wait_for (never, NULL, 0.3);
    gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
    ottica_test_wait_for (never, NULL, 0.3);
    save_window_screenshot (GTK_WIDGET (window), shot);
  }

  /* two undos: upright and whole again */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  shown_size (window, &w, &h);
  ck_assert_int_eq (w, w0);
  ck_assert_int_eq (h, h0);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST


static gboolean
widget_is_wide (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) > 100;
}

/* Crop mode: the whole frame with handles; dragging the bottom-right
 * corner through the gesture's functions crops, as one undo step; Enter
 * applies (the render takes the crop's size), Escape puts it back. */
START_TEST (test_crop_handles)
{
  g_autofree char *path = scratch_photo ("crop.jpg");
  OtticaWindow *window = open_window_on (path);
  OtticaCropOverlay *overlay = OTTICA_CROP_OVERLAY (ottica_test_find_descendant (GTK_WIDGET (window), OTTICA_TYPE_CROP_OVERLAY));
  const OtticaEdit *edit;
  double x, y, cx, cy, cw, ch;
  int w0, h0, w, h;

  ck_assert_ptr_nonnull (overlay);
  shown_size (window, &w0, &h0);
  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (overlay)));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-mode", NULL));
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  /* laid out at the next frame, which a busy machine may delay */
  ck_assert_msg (ottica_test_wait_for (widget_is_wide, overlay, 10), "the crop overlay was never laid out");

  /* the bottom-right corner, dragged up and left by a quarter of the
   * drawn frame's size: about three quarters of each side are left */
  ottica_crop_overlay_get_handle_position (overlay, OTTICA_CROP_HANDLE_BOTTOM_RIGHT, &x, &y);
  {
    double left, top;

    ottica_crop_overlay_get_handle_position (overlay, OTTICA_CROP_HANDLE_TOP_LEFT, &left, &top);
    ck_assert_int_eq (ottica_crop_overlay_begin_drag (overlay, x - 2, y - 2), OTTICA_CROP_HANDLE_BOTTOM_RIGHT);
    ottica_crop_overlay_update_drag (overlay, -(x - left) / 8, -(y - top) / 8);
    ottica_crop_overlay_update_drag (overlay, -(x - left) / 4, -(y - top) / 4);
    ottica_crop_overlay_end_drag (overlay);
  }
  edit = ottica_window_get_edit (window);
  ck_assert_double_eq_tol (edit->crop_x, 0, 1e-9);
  ck_assert_double_eq_tol (edit->crop_y, 0, 1e-9);
  ck_assert_double_eq_tol (edit->crop_width, 0.75, 0.01);
  ck_assert_double_eq_tol (edit->crop_height, 0.75, 0.01);
  /* crop mode still shows the whole frame */
  shown_size (window, &w, &h);
  ck_assert_int_eq (w, w0);
  ck_assert_int_eq (h, h0);

  /* a drag inside moves the crop, keeping its size */
  ottica_crop_overlay_get_handle_position (overlay, OTTICA_CROP_HANDLE_MOVE, &x, &y);
  ck_assert_int_eq (ottica_crop_overlay_begin_drag (overlay, x, y), OTTICA_CROP_HANDLE_MOVE);
  ottica_crop_overlay_update_drag (overlay, 1000, 1000);
  ottica_crop_overlay_end_drag (overlay);
  ottica_crop_overlay_get_crop (overlay, &cx, &cy, &cw, &ch);
  ck_assert_double_eq_tol (cx + cw, 1, 1e-6);
  ck_assert_double_eq_tol (cy + ch, 1, 1e-6);
  ck_assert_double_eq_tol (cw, 0.75, 0.01);

  {
    g_autofree char *shot = g_build_filename (OTTICA_BUILD_DIR, "screenshot-crop.png", NULL);

    ottica_test_wait_for (never, NULL, 0.3);
    save_window_screenshot (GTK_WIDGET (window), shot);
  }

  /* Enter applies: the render is the crop */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-apply", NULL));
  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (overlay)));
  shown_size (window, &w, &h);
  ck_assert_int_le (abs (w - (int) round (w0 * 0.75)), 2);
  ck_assert_int_le (abs (h - (int) round (h0 * 0.75)), 2);

  /* one undo step per drag: undoing the move, then the corner */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->crop_x, 0, 1e-9);
  ck_assert_double_eq_tol (ottica_window_get_edit (window)->crop_width, 0.75, 0.01);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert (!ottica_edit_has_crop (ottica_window_get_edit (window)));

  /* a locked shape: a square preset, then a corner drag keeps it square */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-aspect", "s", "1:1"));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-mode", NULL));
  ottica_test_wait_for (never, NULL, 0.3);
  ottica_crop_overlay_get_handle_position (overlay, OTTICA_CROP_HANDLE_TOP_LEFT, &x, &y);
  ck_assert_int_eq (ottica_crop_overlay_begin_drag (overlay, x, y), OTTICA_CROP_HANDLE_TOP_LEFT);
  ottica_crop_overlay_update_drag (overlay, 40, 10);
  ottica_crop_overlay_end_drag (overlay);
  edit = ottica_window_get_edit (window);
  /* square in pixels: the fractions differ by the photo's shape */
  ck_assert_double_eq_tol (edit->crop_width * 1414, edit->crop_height * 2124, 2.0);
  ck_assert_double_lt (edit->crop_width, 1.0);
  /* Escape puts the square back as it was on entering */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-cancel", NULL));
  edit = ottica_window_get_edit (window);
  ck_assert_double_eq_tol (edit->crop_width, 1.0, 1e-6);
  ck_assert_double_eq_tol (edit->crop_height, 1414.0 / 2124.0, 1e-3);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static gboolean
thumbnails_settled (gpointer data)
{
  return !ottica_looks_panel_is_rendering (OTTICA_LOOKS_PANEL (data));
}

/* The thumbnails show this photo with this edit: four stops brighter,
 * they are rendered again (once the change settles), brighter. */
START_TEST (test_look_thumbnails_follow_the_edit)
{
  g_autofree char *path = scratch_photo ("thumbs.jpg");
  OtticaWindow *window = open_window_on (path);
  OtticaLooksPanel *panel = ottica_window_get_looks_panel (window);
  GtkPicture *none = GTK_PICTURE (ottica_test_find_descendant (GTK_WIDGET (panel), GTK_TYPE_PICTURE));
  g_autoptr(GdkPaintable) before = NULL;
  double mean_before, mean_after;

  ck_assert_msg (ottica_test_wait_for (thumbnails_settled, panel, 60), "the thumbnails never finished");
  before = g_object_ref (gtk_picture_get_paintable (none));
  mean_before = paintable_mean (before);
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 1.0);
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 2.0);
  ck_assert (ottica_looks_panel_is_rendering (panel));
  ck_assert_msg (ottica_test_wait_for (thumbnails_settled, panel, 60), "the thumbnails never followed");
  ck_assert_ptr_ne (gtk_picture_get_paintable (none), before);
  mean_after = paintable_mean (gtk_picture_get_paintable (none));
  ck_assert_msg (mean_after > mean_before + 20, "thumbnail mean %.1f → %.1f", mean_before, mean_after);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* Whether a toast shown (or leaving) says @text. */
static gboolean
toast_says (OtticaWindow *window, const char *text)
{
  GtkWidget *overlay = ottica_test_find_descendant (GTK_WIDGET (window), ADW_TYPE_TOAST_OVERLAY);

  for (GtkWidget *child = gtk_widget_get_first_child (overlay); child; child = gtk_widget_get_next_sibling (child))
    if (g_str_equal (G_OBJECT_TYPE_NAME (child), "AdwToastWidget"))
      {
        GtkWidget *label = ottica_test_find_descendant (child, GTK_TYPE_LABEL);

        if (label != NULL && strstr (gtk_label_get_label (GTK_LABEL (label)), text) != NULL)
          return TRUE;
      }
  return FALSE;
}

/* Export writes the look as a file; the same file under another id
 * imports as a new look; a broken file is a toast naming it. */
START_TEST (test_import_and_export_a_look)
{
  g_autofree char *path = scratch_photo ("share.jpg");
  g_autofree char *exported = ottica_test_scratch_file ("shared.look");
  g_autofree char *renamed = ottica_test_scratch_file ("my-documentary.look");
  g_autofree char *broken = ottica_test_scratch_file ("broken.look");
  g_autofree char *contents = NULL;
  g_autofree char *changed = NULL;
  OtticaWindow *window = open_window_on (path);
  OtticaLooksPanel *panel = ottica_window_get_looks_panel (window);
  guint n = ottica_looks_panel_get_n_looks (panel);

  ck_assert (ottica_looks_panel_export (panel, "documentary", exported));
  ck_assert (g_file_get_contents (exported, &contents, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (contents, "id=documentary"));
  ck_assert (ottica_test_wait_for (toast_shown, window, 10));
  ck_assert (toast_says (window, "shared.look"));

  {
    g_auto(GStrv) parts = g_strsplit (contents, "id=documentary", 2);

    changed = g_strjoinv ("id=my-documentary", parts);
  }
  ck_assert (g_file_set_contents (renamed, changed, -1, NULL));
  ck_assert (ottica_looks_panel_import (panel, renamed));
  ck_assert_uint_eq (ottica_looks_panel_get_n_looks (panel), n + 1);
  ck_assert_ptr_nonnull (ottica_look_library_find ("my-documentary"));
  ck_assert_msg (ottica_test_wait_for (thumbnails_settled, panel, 60), "the thumbnails never finished");

  ck_assert (g_file_set_contents (broken, "[Look]\nversion=1\nid=broken\nkind=nonsense\n", -1, NULL));
  ck_assert (!ottica_looks_panel_import (panel, broken));
  ck_assert_uint_eq (ottica_looks_panel_get_n_looks (panel), n + 1);
  ottica_test_wait_for (never, NULL, 0.3);
  ck_assert_msg (toast_says (window, "broken.look"), "no toast names broken.look");
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* The looks panel's thumbnails reach its widgets from the thread that
 * iterates the main context, never from the worker that rendered them:
 * g_main_context_invoke () ran its function at once in the calling thread
 * whenever no thread owned the context, as while the main thread is busy
 * outside its loop (ottica_looks_panel_export () syncing its file), and
 * the worker then touched GTK beside the main thread (CI's SIGSEGV). */
START_TEST (test_thumbnails_reach_the_panel_from_its_loop)
{
  g_autofree char *path = scratch_photo ("busy.jpg");
  OtticaWindow *window = open_window_on (path);
  OtticaLooksPanel *panel = ottica_window_get_looks_panel (window);
  GeglRectangle rect = { 0, 0, 160, 240 };
  g_autoptr(GeglBuffer) source = gegl_buffer_new (&rect, babl_format ("R'G'B' u8"));
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();

  /* a fresh round of thumbnails, started now */
  ottica_looks_panel_set_source (panel, source, 0.1, FALSE, 0.0, edit);
  ck_assert_uint_eq (ottica_looks_panel_get_n_rendered (panel), 0);
  /* the main thread busy, out of its loop, for longer than they take */
  g_usleep (3 * G_USEC_PER_SEC);
  ck_assert_msg (ottica_looks_panel_get_n_rendered (panel) == 0,
                 "%u thumbnails reached the panel while its thread was busy",
                 ottica_looks_panel_get_n_rendered (panel));
  /* and every one of them once it iterates */
  ck_assert_msg (ottica_test_wait_for (thumbnails_settled, panel, 60), "the thumbnails never finished");
  ck_assert_uint_eq (ottica_looks_panel_get_n_rendered (panel), ottica_looks_panel_get_n_looks (panel) + 1);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* The open message dialog whose heading has @heading in it. */
static GtkWidget *
find_message_dialog (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (window) &&
          strstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)), heading) != NULL)
        return window;
    }
  return NULL;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_message_dialog (data) != NULL;
}

/* "Save Edit as Preset…" asks for a name and stores the adjustments, not
 * the crop; the same name again asks before replacing. */
START_TEST (test_save_edit_as_preset)
{
  g_autofree char *path = scratch_photo ("preset.jpg");
  OtticaWindow *window = open_window_on (path);
  AdwMessageDialog *dialog;
  g_autoptr(OtticaEdit) preset = NULL;
  g_autoptr(GError) error = NULL;

  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 0.7);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-aspect", "s", "1:1"));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.save-preset", NULL));
  ck_assert (ottica_test_wait_for (message_dialog_shown, "Save Edit as Preset", 10));
  dialog = ADW_MESSAGE_DIALOG (find_message_dialog ("Save Edit as Preset"));
  ck_assert (!adw_message_dialog_get_response_enabled (dialog, "save"));
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)), "  Late light ");
  ck_assert (adw_message_dialog_get_response_enabled (dialog, "save"));
  adw_message_dialog_response (dialog, "save");
  ottica_test_wait_for (never, NULL, 0.3);

  preset = ottica_preset_store_load ("Late light", &error);
  ck_assert_msg (preset != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_double_eq_tol (preset->exposure, 0.7, 1e-6);
  ck_assert (!ottica_edit_has_crop (preset));
  ck_assert (toast_says (window, "Late light"));

  /* again: a question before replacing */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.save-preset", NULL));
  ck_assert (ottica_test_wait_for (message_dialog_shown, "Save Edit as Preset", 10));
  dialog = ADW_MESSAGE_DIALOG (find_message_dialog ("Save Edit as Preset"));
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)), "Late light");
  adw_message_dialog_response (dialog, "save");
  ck_assert_msg (ottica_test_wait_for (message_dialog_shown, "Replace the preset “Late light”", 10), "no question before replacing");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (find_message_dialog ("Replace the preset")), "cancel");
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static GtkPicture *
region_picture (OtticaWindow *window)
{
  GtkOverlay *overlay = GTK_OVERLAY (ottica_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_OVERLAY));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (overlay)); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_PICTURE (child) && child != gtk_overlay_get_child (overlay))
      return GTK_PICTURE (child);
  return NULL;
}

static gboolean
region_shown (gpointer data)
{
  GtkPicture *picture = region_picture (data);

  return gtk_widget_get_visible (GTK_WIDGET (picture)) && gtk_picture_get_paintable (picture) != NULL;
}

/* How far the region's pixels are from the photo's own at the place the
 * region says it shows (mean absolute difference, 0..255). */
static double
region_difference (OtticaWindow *window, GdkTexture *photo)
{
  GtkPicture *picture = region_picture (window);
  GdkTexture *region = GDK_TEXTURE (gtk_picture_get_paintable (picture));
  int x0 = gtk_widget_get_margin_start (GTK_WIDGET (picture));
  int y0 = gtk_widget_get_margin_top (GTK_WIDGET (picture));
  int w = gdk_texture_get_width (region), h = gdk_texture_get_height (region);
  int pw = gdk_texture_get_width (photo), ph = gdk_texture_get_height (photo);
  g_autofree guint8 *a = g_malloc ((gsize) w * h * 4);
  g_autofree guint8 *b = g_malloc ((gsize) pw * ph * 4);
  double sum = 0;

  ck_assert_int_le (x0 + w, pw);
  ck_assert_int_le (y0 + h, ph);
  gdk_texture_download (region, a, (gsize) w * 4);
  gdk_texture_download (photo, b, (gsize) pw * 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        sum += abs (a[((gsize) y * w + x) * 4 + c] - b[((gsize) (y + y0) * pw + x + x0) * 4 + c]);
  return sum / (3.0 * w * h);
}

static int region_top;

static gboolean
region_moved (gpointer data)
{
  return region_shown (data) &&
         gtk_widget_get_margin_top (GTK_WIDGET (region_picture (data))) != region_top;
}

/* At 100 % the visible part is rendered from the full resolution: its
 * pixels are the photo's own (the proxy is 3/4 of its size), and panning
 * renders the part that comes into view. */
START_TEST (test_100_percent_is_sharp)
{
  g_autofree char *path = scratch_photo ("sharp.jpg");
  OtticaWindow *window = open_window_on (path);
  g_autoptr(GdkTexture) photo = gdk_texture_new_from_filename (path, NULL);
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (region_picture (window)), GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroller);
  GdkPaintable *first;
  int top;

  ck_assert_ptr_nonnull (photo);
  ck_assert (!region_shown (window));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-100", NULL));
  ck_assert_msg (ottica_test_wait_for (region_shown, window, 60), "no sharp region at 100 %%");
  first = gtk_picture_get_paintable (region_picture (window));
  /* JPEG decoders differ by a level or so; the upscaled proxy by far more */
  ck_assert_double_lt (region_difference (window, photo), 2.0);

  /* pan down: the region follows */
  top = gtk_widget_get_margin_top (GTK_WIDGET (region_picture (window)));
  region_top = top;
  gtk_adjustment_set_value (v, gtk_adjustment_get_upper (v));
  ck_assert_msg (ottica_test_wait_for (region_moved, window, 60), "the sharp region did not follow");
  ck_assert_int_gt (gtk_widget_get_margin_top (GTK_WIDGET (region_picture (window))), top);
  ck_assert_ptr_ne (gtk_picture_get_paintable (region_picture (window)), first);
  ck_assert_double_lt (region_difference (window, photo), 2.0);

  /* back to fit: no region */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  ck_assert (!region_shown (window));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* Panning at 100 %: until the newly visible part is rendered, what is
 * drawn sharp is still the photo's own pixels at its place. */
START_TEST (test_panning_keeps_the_sharp_region_in_place)
{
  g_autofree char *path = scratch_photo ("pan.jpg");
  OtticaWindow *window = open_window_on (path);
  g_autoptr(GdkTexture) photo = gdk_texture_new_from_filename (path, NULL);
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (region_picture (window)), GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (scroller);
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (scroller);
  int checked = 0;

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-100", NULL));
  ck_assert_msg (ottica_test_wait_for (region_shown, window, 60), "no sharp region at 100 %%");
  for (int step = 1; step <= 4; step++)
    {
      GdkPaintable *before = gtk_picture_get_paintable (region_picture (window));
      gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

      /* a drag's worth: a third of the view down and right */
      gtk_adjustment_set_value (h, gtk_adjustment_get_value (h) + gtk_adjustment_get_page_size (h) / 3);
      gtk_adjustment_set_value (v, gtk_adjustment_get_value (v) + gtk_adjustment_get_page_size (v) / 3);
      while (g_get_monotonic_time () < deadline &&
             !(region_shown (window) && gtk_picture_get_paintable (region_picture (window)) != before))
        {
          if (region_shown (window))
            {
              ck_assert_double_lt (region_difference (window, photo), 2.0);
              checked++;
            }
          g_main_context_iteration (NULL, TRUE);
        }
      ck_assert_msg (region_shown (window), "no sharp region after panning");
      ck_assert_double_lt (region_difference (window, photo), 2.0);
    }
  g_print ("pan: %d frames checked while the region was on its way\n", checked);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Not a timed test (the machine is shared): it prints how long a 12 MP
 * photo takes to show and a slider change to reach the view, and checks
 * that every change was rendered. */
START_TEST (test_slider_latency_on_a_12mp_photo)
{
  g_autofree char *sample = ottica_test_sample ("jpeg/olympus_e-p3.jpg");
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GFile) file = NULL;
  OtticaWindow *window;
  GtkAdjustment *exposure;
  double times[10];
  gint64 start;
  double open_ms, previous;

  if (sample == NULL)
    {
      ottica_test_skip ("the 12 MP sample is not there");
      return;
    }
  /* a copy, so its sidecar is written in the scratch folder */
  path = ottica_test_scratch_file ("latency.jpg");
  ck_assert (g_file_get_contents (sample, &contents, &length, NULL));
  ck_assert (g_file_set_contents (path, contents, (gssize) length, NULL));
  file = g_file_new_for_path (path);
  adw_init ();
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  start = g_get_monotonic_time ();
  ottica_window_open_file (window, file);
  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  open_ms = (g_get_monotonic_time () - start) / 1000.0;

  exposure = ottica_window_get_adjustment (window, "exposure");
  previous = shown_mean (window);
  for (int i = 0; i < 10; i++)
    {
      double mean;

      start = g_get_monotonic_time ();
      gtk_adjustment_set_value (exposure, 0.1 * (i + 1));
      ck_assert (ottica_test_wait_for (window_idle, window, 60));
      times[i] = (g_get_monotonic_time () - start) / 1000.0;
      mean = shown_mean (window);
      ck_assert_msg (mean > previous, "step %d did not brighten: %.2f → %.2f", i, previous, mean);
      previous = mean;
    }
  qsort (times, 10, sizeof times[0], compare_doubles);
  /* the Canon CR2 (opened, never edited: no sidecar is written) */
  if (ottica_test_canon_cr2 () != NULL)
    {
      g_autoptr(GFile) raw = g_file_new_for_path (ottica_test_canon_cr2 ());

      start = g_get_monotonic_time ();
      ottica_window_open_file (window, raw);
      ck_assert (ottica_test_wait_for (window_idle, window, 60));
      ck_assert (ottica_test_wait_for (window_idle, window, 60));
      g_print ("app timing: Canon CR2 (8 MP) first preview %.0f ms\n",
               (g_get_monotonic_time () - start) / 1000.0);
    }
  g_print ("app timing (12 MP JPEG, 1600-pixel preview): open %.0f ms; slider to view median %.0f ms, max %.0f ms\n",
           open_ms, (times[4] + times[5]) / 2, times[9]);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

START_TEST (test_histogram_shows_clipping)
{
  g_autofree char *path = scratch_photo ("histogram.jpg");
  OtticaWindow *window = open_window_on (path);
  OtticaHistogram *histogram = OTTICA_HISTOGRAM (ottica_test_find_descendant (GTK_WIDGET (window), OTTICA_TYPE_HISTOGRAM));
  double before;

  ck_assert_ptr_nonnull (histogram);
  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  before = ottica_histogram_get_clipped_highlights (histogram);
  ck_assert_double_lt (before, 0.05);
  /* four stops brighter: much of the photo is white */
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 4.0);
  ck_assert (ottica_test_wait_for (window_idle, window, 60));
  ck_assert_double_gt (ottica_histogram_get_clipped_highlights (histogram), before + 0.2);
  ck_assert_double_lt (ottica_histogram_get_clipped_shadows (histogram), 0.01);
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* The crop's shape lock holds from the start: a photo opened with a
 * square crop keeps it square when an edge is dragged; "free" lets the
 * edge go alone; "original" crops to the photo's own shape and keeps it. */
static double
crop_shape (OtticaWindow *window)
{
  const OtticaEdit *edit = ottica_window_get_edit (window);

  /* the bundled photo is 1414 × 2124 */
  return edit->crop_width * 1414 / (edit->crop_height * 2124);
}

static void
drag_right_edge (OtticaCropOverlay *overlay, double fraction)
{
  double x, y, left, top;

  ottica_crop_overlay_get_handle_position (overlay, OTTICA_CROP_HANDLE_RIGHT, &x, &y);
  ottica_crop_overlay_get_handle_position (overlay, OTTICA_CROP_HANDLE_TOP_LEFT, &left, &top);
  ck_assert_int_eq (ottica_crop_overlay_begin_drag (overlay, x - 2, y), OTTICA_CROP_HANDLE_RIGHT);
  ottica_crop_overlay_update_drag (overlay, -(x - left) * fraction, 0);
  ottica_crop_overlay_end_drag (overlay);
}

START_TEST (test_crop_shape_is_kept_from_the_start)
{
  g_autofree char *path = scratch_photo ("lock.jpg");
  g_autoptr(OtticaEdit) square = ottica_edit_new ();
  g_autoptr(GError) error = NULL;
  OtticaWindow *window;
  OtticaCropOverlay *overlay;
  const OtticaEdit *edit;
  double height;

  /* a square crop, saved before the photo is opened */
  square->crop_y = 0.1;
  square->crop_height = 1414.0 / 2124.0;
  ck_assert_msg (ottica_sidecar_save (path, square, NULL, &error), "%s", error ? error->message : "");
  window = open_window_on (path);
  overlay = OTTICA_CROP_OVERLAY (ottica_test_find_descendant (GTK_WIDGET (window), OTTICA_TYPE_CROP_OVERLAY));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-mode", NULL));
  ck_assert_msg (ottica_test_wait_for (widget_is_wide, overlay, 10), "the crop overlay was never laid out");

  /* the crop row shows the square's lock */
  ck_assert_uint_eq (adw_combo_row_get_selected (ADW_COMBO_ROW (ottica_test_find_descendant (GTK_WIDGET (window), ADW_TYPE_COMBO_ROW))), 2);
  drag_right_edge (overlay, 0.3);
  edit = ottica_window_get_edit (window);
  ck_assert_double_lt (edit->crop_width, 0.8);
  ck_assert_double_eq_tol (crop_shape (window), 1.0, 0.01);

  /* free: the edge moves alone */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-aspect", "s", "free"));
  height = ottica_window_get_edit (window)->crop_height;
  drag_right_edge (overlay, 0.3);
  edit = ottica_window_get_edit (window);
  ck_assert_double_eq_tol (edit->crop_height, height, 1e-9);
  ck_assert_double_lt (crop_shape (window), 0.9);

  /* original: the whole photo, then its shape */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-aspect", "s", "original"));
  edit = ottica_window_get_edit (window);
  ck_assert_double_eq_tol (edit->crop_width, 1, 1e-9);
  ck_assert_double_eq_tol (edit->crop_height, 1, 1e-9);
  drag_right_edge (overlay, 0.2);
  edit = ottica_window_get_edit (window);
  ck_assert_double_lt (edit->crop_height, 0.95);
  ck_assert_double_eq_tol (crop_shape (window), 1414.0 / 2124.0, 0.01);

  /* undo back to the square: its lock comes back with it */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  ck_assert_double_eq_tol (crop_shape (window), 1.0, 0.01);
  drag_right_edge (overlay, 0.1);
  ck_assert_double_eq_tol (crop_shape (window), 1.0, 0.01);

  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.crop-cancel", NULL));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

/* The preview renderer on its own, as the window and the latency
 * benchmark use it. */

typedef struct
{
  guint drafts;
  guint sharp;
  GdkTexture *draft;       /* the last draft */
} Renders;

static void
count_render (OtticaPreviewRenderer *renderer, Renders *renders)
{
  if (ottica_preview_renderer_is_draft (renderer))
    {
      renders->drafts++;
      g_set_object (&renders->draft, ottica_preview_renderer_get_texture (renderer));
    }
  else
    renders->sharp++;
}

static gboolean
renderer_idle (gpointer data)
{
  return !ottica_preview_renderer_is_busy (data) && ottica_preview_renderer_get_texture (data) != NULL;
}

static OtticaPreviewRenderer *
open_renderer (const char *path, guint proxy_size, Renders *renders)
{
  OtticaPreviewRenderer *renderer = ottica_preview_renderer_new ();

  ottica_preview_renderer_set_proxy_size (renderer, proxy_size);
  g_signal_connect (renderer, "rendered", G_CALLBACK (count_render), renders);
  ottica_preview_renderer_open (renderer, path);
  ck_assert_msg (ottica_test_wait_for (renderer_idle, renderer, 60), "the photo never opened");
  return renderer;
}

/* Mean of each channel over an 8 × 8 grid of blocks. */
static void
block_means (GdkTexture *texture, double means[8][8][3])
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guint8 *pixels = g_malloc ((gsize) w * h * 4);
  int counts[8][8] = { { 0 } };

  memset (means, 0, sizeof (double) * 8 * 8 * 3);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int by = y * 8 / h, bx = x * 8 / w;

        for (int c = 0; c < 3; c++)
          means[by][bx][c] += pixels[((gsize) y * w + x) * 4 + c];
        counts[by][bx]++;
      }
  for (int by = 0; by < 8; by++)
    for (int bx = 0; bx < 8; bx++)
      for (int c = 0; c < 3; c++)
        means[by][bx][c] /= MAX (counts[by][bx], 1);
}

/* A slider change with a slow look shows a small draft first: the same
 * picture, look included, at a fraction of the proxy's size. */
START_TEST (test_renderer_draft_shows_the_look)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  Renders renders = { 0 };
  OtticaPreviewRenderer *renderer = open_renderer (photo, 2560, &renders);
  GdkTexture *sharp;
  double a[8][8][3], b[8][8][3], worst = 0;
  int dw, dh, sw, sh;

  /* the look renders slowly on the whole photo (3 MP) */
  ottica_edit_set_look (edit, "documentary");
  ottica_preview_renderer_set_edit (renderer, edit);
  ck_assert (ottica_test_wait_for (renderer_idle, renderer, 60));
  renders.drafts = 0;
  edit->exposure = 0.4;
  ottica_preview_renderer_set_edit (renderer, edit);
  ck_assert (ottica_test_wait_for (renderer_idle, renderer, 60));
  ck_assert_uint_ge (renders.drafts, 1);
  sharp = ottica_preview_renderer_get_texture (renderer);
  ck_assert (!ottica_preview_renderer_is_draft (renderer));
  ck_assert (ottica_edit_equal (ottica_preview_renderer_get_texture_edit (renderer), edit));

  /* 1/2, 1/3 or 1/4 of the proxy, the same shape */
  dw = gdk_texture_get_width (renders.draft), dh = gdk_texture_get_height (renders.draft);
  sw = gdk_texture_get_width (sharp), sh = gdk_texture_get_height (sharp);
  ck_assert_int_le (dw, sw / 2 + 1);
  ck_assert_int_ge (dw, sw / 4 - 1);
  ck_assert_double_eq_tol ((double) dw / dh, (double) sw / sh, 0.01);

  /* the same tones, place by place (the look's falloff darkens the
   * corners, its curve the shadows) */
  block_means (renders.draft, a);
  block_means (sharp, b);
  for (int by = 0; by < 8; by++)
    for (int bx = 0; bx < 8; bx++)
      for (int c = 0; c < 3; c++)
        worst = MAX (worst, fabs (a[by][bx][c] - b[by][bx][c]));
  ck_assert_double_lt (worst, 3.0);
  g_clear_object (&renders.draft);
  g_object_unref (renderer);
}
END_TEST

typedef struct
{
  OtticaPreviewRenderer *renderer;
  OtticaEdit *edit;
  int left;
} Drag;

static gboolean
drag_step (gpointer data)
{
  Drag *drag = data;

  drag->edit->exposure += 0.05;
  ottica_preview_renderer_set_edit (drag->renderer, drag->edit);
  return --drag->left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
drag_over (gpointer data)
{
  return ((Drag *) data)->left == 0;
}

/* A slider dragged (a change every frame): drafts follow it, and the
 * proxy is rendered once, for the last change, when the drag stops. */
START_TEST (test_renderer_follows_a_drag_with_drafts)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  Renders renders = { 0 };
  OtticaPreviewRenderer *renderer = open_renderer (photo, 2560, &renders);
  Drag drag = { renderer, edit, 40 };

  ottica_edit_set_look (edit, "documentary");
  ottica_preview_renderer_set_edit (renderer, edit);
  ck_assert (ottica_test_wait_for (renderer_idle, renderer, 60));
  renders.drafts = renders.sharp = 0;
  g_timeout_add (16, drag_step, &drag);
  ck_assert (ottica_test_wait_for (drag_over, &drag, 60));
  /* the first change may start the proxy before the drag is seen as one */
  ck_assert_uint_le (renders.sharp, 2);
  ck_assert_uint_ge (renders.drafts, 3);
  ck_assert (ottica_test_wait_for (renderer_idle, renderer, 60));
  ck_assert (!ottica_preview_renderer_is_draft (renderer));
  ck_assert (ottica_edit_equal (ottica_preview_renderer_get_texture_edit (renderer), edit));
  ck_assert_uint_le (renders.sharp, 3);
  g_clear_object (&renders.draft);
  g_object_unref (renderer);
}
END_TEST

static gboolean
region_ready (gpointer data)
{
  return ottica_preview_renderer_get_region (data, NULL) != NULL;
}

/* The full resolution is loaded when 100 % first asks for it, not on
 * opening. */
START_TEST (test_renderer_loads_full_resolution_on_demand)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  Renders renders = { 0 };
  OtticaPreviewRenderer *renderer = open_renderer (photo, 800, &renders);
  GeglRectangle visible = { 300, 500, 640, 400 }, area;
  GdkTexture *region;

  ck_assert_double_lt (ottica_preview_renderer_get_proxy_scale (renderer), 0.6);
  ottica_test_wait_for (never, NULL, 0.5);
  ck_assert (!ottica_preview_renderer_has_full_resolution (renderer));
  /* up to the proxy's own scale, it is what is shown */
  ottica_preview_renderer_set_region (renderer, ottica_preview_renderer_get_proxy_scale (renderer), &visible);
  ottica_test_wait_for (never, NULL, 0.3);
  ck_assert (!ottica_preview_renderer_has_full_resolution (renderer));

  ottica_preview_renderer_set_region (renderer, 1.0, &visible);
  ck_assert_msg (ottica_test_wait_for (region_ready, renderer, 60), "no sharp region");
  ck_assert (ottica_preview_renderer_has_full_resolution (renderer));
  region = ottica_preview_renderer_get_region (renderer, &area);
  ck_assert (gegl_rectangle_equal (&area, &visible));
  ck_assert_int_eq (gdk_texture_get_width (region), visible.width);
  ck_assert_int_eq (gdk_texture_get_height (region), visible.height);
  g_object_unref (renderer);
}
END_TEST

static gboolean
library_has_two (gpointer data)
{
  GtkSelectionModel *model = ottica_library_view_get_selection (OTTICA_LIBRARY_VIEW (data));

  return g_list_model_get_n_items (G_LIST_MODEL (model)) == 2;
}

static const char *
shown_page (OtticaWindow *window)
{
  /* the outermost stack: the library and the editor */
  GtkStack *stack = GTK_STACK (ottica_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_STACK));

  return gtk_stack_get_visible_child_name (stack);
}

START_TEST (test_library_and_editor_share_the_window)
{
  g_autofree char *first = scratch_photo ("library-a.jpg");
  g_autofree char *second = scratch_photo ("library-b.jpg");
  g_autoptr(GFile) folder = g_file_new_for_path (ottica_test_scratch_dir ());
  g_autoptr(GFile) photo = g_file_new_for_path (first);
  g_autoptr(OtticaEdit) saved = NULL;
  OtticaWindow *window;
  OtticaLibraryView *library;

  adw_init ();
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  ottica_window_show_folder (window, folder);
  ck_assert_str_eq (shown_page (window), "library");
  library = OTTICA_LIBRARY_VIEW (ottica_test_find_descendant (GTK_WIDGET (window), OTTICA_TYPE_LIBRARY_VIEW));
  ck_assert_ptr_nonnull (library);
  ck_assert_msg (ottica_test_wait_for (library_has_two, library, 30), "the library never showed the two photos");

  /* a double-click in the grid opens the photo in the editor page */
  g_signal_emit_by_name (library, "photo-activated", photo);
  ck_assert_str_eq (shown_page (window), "editor");
  ck_assert_msg (ottica_test_wait_for (window_idle, window, 60), "the photo never opened");
  gtk_adjustment_set_value (ottica_window_get_adjustment (window, "exposure"), 0.5);

  /* back: the edit is in the sidecar at once, for the library to show */
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-library", NULL));
  ck_assert_str_eq (shown_page (window), "library");
  saved = ottica_sidecar_load (first, NULL);
  ck_assert_ptr_nonnull (saved);
  ck_assert_double_eq_tol (saved->exposure, 0.5, 1e-9);
  ck_assert_ptr_null (ottica_sidecar_find (second));

  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

int
main (void)
{
  g_autofree char *home = ottica_test_gui_private_home ("app");
  int status;
  Suite *suite = suite_create ("app");
  TCase *window = ottica_test_case ("window");
  TCase *renderer = ottica_test_case ("renderer");

  tcase_add_test (window, test_window_opens_the_sample_photo);
  tcase_add_test (window, test_window_reports_a_broken_file);
  tcase_add_test (window, test_slider_undo_before_after_and_sidecar);
  tcase_add_test (window, test_edit_is_restored_and_saved_on_close);
  tcase_add_test (window, test_copy_and_paste_an_edit);
  tcase_add_test (window, test_looks_panel_sets_the_look);
  tcase_add_test (window, test_zoom_actions);
  tcase_add_test (window, test_export_writes_a_jpeg);
  tcase_add_test (window, test_preferences_recent_and_shortcuts);
  tcase_add_test (window, test_double_click_resets_a_slider);
  tcase_add_test (window, test_split_view_shows_both);
  tcase_add_test (window, test_rotate_and_crop);
  tcase_add_test (window, test_crop_handles);
  tcase_add_test (window, test_look_thumbnails_follow_the_edit);
  tcase_add_test (window, test_import_and_export_a_look);
  tcase_add_test (window, test_thumbnails_reach_the_panel_from_its_loop);
  tcase_add_test (window, test_save_edit_as_preset);
  tcase_add_test (window, test_100_percent_is_sharp);
  tcase_add_test (window, test_panning_keeps_the_sharp_region_in_place);
  tcase_add_test (window, test_slider_latency_on_a_12mp_photo);
  tcase_add_test (window, test_histogram_shows_clipping);
  tcase_add_test (window, test_library_and_editor_share_the_window);
  tcase_add_test (window, test_crop_shape_is_kept_from_the_start);
  suite_add_tcase (suite, window);
  tcase_add_test (renderer, test_renderer_draft_shows_the_look);
  tcase_add_test (renderer, test_renderer_follows_a_drag_with_drafts);
  tcase_add_test (renderer, test_renderer_loads_full_resolution_on_demand);
  suite_add_tcase (suite, renderer);

  status = ottica_test_run ("app", suite);
  ottica_test_remove_tree (home);
  return status;
}
