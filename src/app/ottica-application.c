/* ottica-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "ottica-application.h"
#include "ottica-engine.h"
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
    }
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
  /* One window per photo, as GNOME's image viewers do. */
  for (int i = 0; i < n_files; i++)
    ottica_window_open_file (ottica_application_new_window (OTTICA_APPLICATION (app)), files[i]);
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

static const GActionEntry app_actions[] = {
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
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open", open_accels);
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
