/* ottica-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "ottica-application.h"
#include "ottica-engine.h"
#include "ottica-preview-renderer.h"
#include "ottica-preferences-window.h"
#include "ottica-settings.h"
#include "ottica-window.h"

struct _OtticaApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (OtticaApplication, ottica_application, ADW_TYPE_APPLICATION)

static OtticaWindow *
ottica_application_new_window (OtticaApplication *self)
{
  OtticaWindow *window = ottica_window_new (self);

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
ottica_application_startup (GApplication *app)
{
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (ottica_application_parent_class)->startup (app);

  if (!ottica_engine_init (0, &error))
    {
      g_critical ("%s", error->message);
      g_application_quit (app);
      return;
    }
  /* babl's conversions are looked up, and GEGL's operations set up, while
   * the window is being built */
  ottica_preview_renderer_start_warm_up ();
}

static void
ottica_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL)
    gtk_window_present (window);
  else
    ottica_application_new_window (OTTICA_APPLICATION (app));
}

static void
ottica_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  /* One window per photo, as GNOME's image viewers do; a folder opens
   * in the library. */
  for (int i = 0; i < n_files; i++)
    {
      OtticaWindow *window = ottica_application_new_window (OTTICA_APPLICATION (app));

      if (g_file_query_file_type (files[i], G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
        ottica_window_show_folder (window, files[i]);
      else
        ottica_window_open_file (window, files[i]);
    }
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *developers[] = { _("The Ottica developers"), NULL };

  adw_show_about_window (window,
                         "application-name", _("Ottica"),
                         "application-icon", OTTICA_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Photo editor with rangefinder-style looks"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  g_autoptr(GSettings) settings = ottica_settings_get ();

  if (settings == NULL)
    {
      g_warning ("The settings schema %s is not installed; preferences cannot be stored.", OTTICA_APP_ID);
      return;
    }
  gtk_window_present (GTK_WINDOW (ottica_preferences_window_new (window, settings)));
}

static const GActionEntry app_actions[] = {
  { "preferences", preferences_activated, NULL, NULL, NULL },
  { "quit", quit_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
};

static void
ottica_application_class_init (OtticaApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = ottica_application_startup;
  app_class->activate = ottica_application_activate;
  app_class->open = ottica_application_open;
}

static void
ottica_application_init (OtticaApplication *self)
{
  static const struct
  {
    const char *action;
    const char *accels[4];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.show-library", { "<Alt>Left", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "win.copy-edit", { "<Control>c", NULL } },
    { "win.paste-edit", { "<Control>v", NULL } },
    { "win.show-original", { "backslash", NULL } },
    { "win.compare-split", { "<Shift>backslash", "bar", NULL } },
    { "win.crop-mode", { "c", NULL } },
    { "win.zoom-fit", { "0", "KP_0", NULL } },
    { "win.zoom-100", { "1", "KP_1", NULL } },
    { "win.zoom-in", { "plus", "equal", "KP_Add", NULL } },
    { "win.zoom-out", { "minus", "KP_Subtract", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
}

OtticaApplication *
ottica_application_new (void)
{
  return g_object_new (OTTICA_TYPE_APPLICATION,
                       "application-id", OTTICA_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/ottica/Ottica",
                       NULL);
}
