/* bench-library-thumbnails.c: the library view on a folder, in a 1600×1000
 * window: time from opening the folder to the first screen of thumbnails
 * (every cell on screen showing at least the camera's embedded preview,
 * stage 1; then every cell showing its real render), and to every
 * photo's thumbnail rendered (into the disk cache).
 *
 *   bench-library-thumbnails FOLDER LABEL
 *
 * prints BENCH lines named library-first-screen-preview-LABEL,
 * library-first-screen-full-LABEL, library-all-LABEL (seconds) and
 * library-cpu-LABEL. Run under a display (Xvfb); the cache is
 * $XDG_CACHE_HOME's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <stdio.h>
#include <sys/resource.h>

#include "ottica-engine.h"
#include "ottica-library-view.h"

static gboolean loaded;
static guint n_photos;
static gint64 loaded_time;

static void
folder_loaded (OtticaLibraryView *view, guint n, gpointer data)
{
  loaded = TRUE;
  loaded_time = g_get_monotonic_time ();
  n_photos = n;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;
  GtkWidget *window, *overlay;
  OtticaLibraryView *view;
  gint64 start, preview = 0, first = 0, all = 0, deadline;
  guint n_visible = 0;

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s FOLDER LABEL\n", argv[0]);
      return 2;
    }
  /* as the application starts: GEGL threads per core, babl warmed up
   * (the app does it in a thread at start-up, before any folder opens) */
  if (!ottica_engine_init (0, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  ottica_engine_warm_up ();
  adw_init ();

  window = adw_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1600, 1000);
  overlay = adw_toast_overlay_new ();
  view = OTTICA_LIBRARY_VIEW (ottica_library_view_new ());
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), GTK_WIDGET (view));
  adw_window_set_content (ADW_WINDOW (window), overlay);
  g_signal_connect (view, "folder-loaded", G_CALLBACK (folder_loaded), NULL);
  gtk_window_present (GTK_WINDOW (window));
  /* the window is mapped and laid out before the clock starts */
  for (int i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);

  folder = g_file_new_for_commandline_arg (argv[1]);
  start = g_get_monotonic_time ();
  deadline = start + 600 * G_USEC_PER_SEC;
  ottica_library_view_set_folder (view, folder, FALSE);

  while (g_get_monotonic_time () < deadline)
    {
      guint visible_pending;

      g_main_context_iteration (NULL, FALSE);
      if (!loaded)
        {
          g_usleep (500);
          continue;
        }
      visible_pending = ottica_library_view_get_n_visible_pending_thumbnails (view, &n_visible);
      if (preview == 0 && n_visible > 0 && ottica_library_view_get_n_visible_blank_thumbnails (view) == 0)
        preview = g_get_monotonic_time ();
      if (first == 0 && n_visible > 0 && visible_pending == 0)
        first = g_get_monotonic_time ();
      if (first != 0 && ottica_library_view_get_n_pending_thumbnails (view) == 0)
        {
          all = g_get_monotonic_time ();
          break;
        }
      g_usleep (500);
    }
  if (all == 0)
    {
      fprintf (stderr, "timed out after 600 s\n");
      return 1;
    }

  printf ("# %u photos, %u on the first screen; folder scanned in %.3f s\n", n_photos, n_visible,
          (loaded_time - start) / 1e6);
  printf ("BENCH name=library-first-screen-preview-%s value=%.3f unit=s\n", argv[2], (preview - start) / 1e6);
  printf ("BENCH name=library-first-screen-full-%s value=%.3f unit=s\n", argv[2], (first - start) / 1e6);
  printf ("BENCH name=library-all-%s value=%.3f unit=s\n", argv[2], (all - start) / 1e6);
  {
    /* CPU time of the whole process (start-up included), which a busy
     * machine disturbs less than wall time */
    struct rusage usage;

    getrusage (RUSAGE_SELF, &usage);
    printf ("BENCH name=library-cpu-%s value=%.3f unit=s\n", argv[2],
            usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
            + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
