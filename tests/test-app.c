/* test-app.c: the editor window, driven for real under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "ottica-application.h"
#include "ottica-test.h"
#include "ottica-window.h"

static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Spins the main loop until @done returns TRUE or @seconds pass. */
static gboolean
wait_for (gboolean (*done) (gpointer), gpointer data, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
picture_has_paintable (gpointer data)
{
  return gtk_picture_get_paintable (GTK_PICTURE (data)) != NULL;
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
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
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

  picture = GTK_PICTURE (find_descendant (GTK_WIDGET (window), GTK_TYPE_PICTURE));
  ck_assert_ptr_nonnull (picture);
  ck_assert_msg (wait_for (picture_has_paintable, picture, 60), "the photo was never shown");

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
  GtkWidget *overlay = find_descendant (window, ADW_TYPE_TOAST_OVERLAY);

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
  ck_assert_msg (wait_for (toast_shown, window, 30), "no toast for a broken file");
  label = GTK_LABEL (find_descendant (find_toast (GTK_WIDGET (window)), GTK_TYPE_LABEL));
  ck_assert_ptr_nonnull (label);
  ck_assert_msg (strstr (gtk_label_get_label (label), "broken.jpg") != NULL,
                 "the toast does not name the file: %s", gtk_label_get_label (label));
  /* the window stays usable */
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (window)));
  gtk_window_destroy (GTK_WINDOW (window));
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("app");
  TCase *window = ottica_test_case ("window");

  tcase_add_test (window, test_window_opens_the_sample_photo);
  tcase_add_test (window, test_window_reports_a_broken_file);
  suite_add_tcase (suite, window);

  return ottica_test_run ("app", suite);
}
