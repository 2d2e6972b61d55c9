/* ottica-test-gui.c: what the GUI suites share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-test-gui.h"

GtkWidget *
ottica_test_find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ottica_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

char *
ottica_test_gui_private_home (const char *name)
{
  g_autofree char *template = g_strdup_printf ("ottica-%s-XXXXXX", name);
  char *home = g_dir_make_tmp (template, NULL);
  g_autofree char *schemas = g_build_filename (OTTICA_BUILD_DIR, "data", NULL);
  const char *folders[][2] = {
    { "XDG_DATA_HOME", "data" }, { "XDG_CACHE_HOME", "cache" }, { "XDG_CONFIG_HOME", "config" },
  };

  g_assert (home != NULL);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *folder = g_build_filename (home, folders[i][1], NULL);

      g_setenv (folders[i][0], folder, TRUE);
    }
  return home;
}

void
ottica_test_gui_spin (int n)
{
  for (int i = 0; i < n; i++)
    g_main_context_iteration (NULL, FALSE);
}

void
ottica_test_gui_save_screenshot (GtkWidget *window, const char *name)
{
  g_autofree char *path = g_build_filename (OTTICA_BUILD_DIR, name, NULL);

  for (int attempt = 0; attempt < 20; attempt++)
    {
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;

      gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                              gtk_widget_get_height (window));
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        {
          texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
          gdk_texture_save_to_png (texture, path);
          return;
        }
      ottica_test_gui_spin (20);
      g_usleep (20000);
    }
}
