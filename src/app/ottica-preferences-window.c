/* ottica-preferences-window.c: every row is bound to its key, so a change
 * is stored at once (GNOME preferences have no Apply button).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "ottica-preferences-window.h"

struct _OtticaPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwComboRow          *preview_quality_row;
  AdwActionRow         *display_profile_row;
  GtkAdjustment        *quality_adjustment;
  AdwComboRow          *color_row;
  AdwComboRow          *metadata_row;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (OtticaPreferencesWindow, ottica_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The schema's choices, in the combo rows' order. */
static const char *const preview_quality_keys[] = { "fast", "balanced", "best", NULL };
static const char *const color_space_keys[] = { "srgb", "display-p3", "adobe-rgb", NULL };
static const char *const metadata_keys[] = { "all", "no-gps", "none", NULL };

static gboolean
choice_to_index (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *const *keys = user_data;
  const char *text = g_variant_get_string (variant, NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    if (g_str_equal (keys[i], text))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_choice (const GValue *value, const GVariantType *type, gpointer user_data)
{
  const char *const *keys = user_data;
  guint index = g_value_get_uint (value);

  if (index >= g_strv_length ((char **) keys))
    return NULL;
  return g_variant_new_string (keys[index]);
}

static gboolean
int_to_double (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, g_variant_get_int32 (variant));
  return TRUE;
}

static GVariant *
double_to_int (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_int32 ((gint32) g_value_get_double (value));
}

static void
bind_choice (OtticaPreferencesWindow *self, const char *key, AdwComboRow *row, const char *const *keys)
{
  g_settings_bind_with_mapping (self->settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                choice_to_index, index_to_choice, (gpointer) keys, NULL);
}

static void
update_display_profile_row (OtticaPreferencesWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "display-profile");

  if (path[0] == '\0')
    adw_action_row_set_subtitle (self->display_profile_row, _("sRGB (the standard for most screens)"));
  else
    {
      g_autofree char *display = g_filename_display_name (path);

      adw_action_row_set_subtitle (self->display_profile_row, display);
    }
}

static void
display_profile_clear_clicked (OtticaPreferencesWindow *self)
{
  g_settings_set_string (self->settings, "display-profile", "");
}

static void
profile_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  OtticaPreferencesWindow *self = OTTICA_PREFERENCES_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        g_settings_set_string (self->settings, "display-profile", path);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
display_profile_choose_clicked (OtticaPreferencesWindow *self)
{
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("ICC colour profiles"));
  gtk_file_filter_add_pattern (filter, "*.icc");
  gtk_file_filter_add_pattern (filter, "*.icm");
  gtk_file_filter_add_pattern (filter, "*.ICC");
  gtk_file_filter_add_pattern (filter, "*.ICM");
  chooser = gtk_file_chooser_native_new (_("Display Colour Profile"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Select"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_signal_connect (chooser, "response", G_CALLBACK (profile_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
ottica_preferences_window_finalize (GObject *object)
{
  g_clear_object (&OTTICA_PREFERENCES_WINDOW (object)->settings);
  G_OBJECT_CLASS (ottica_preferences_window_parent_class)->finalize (object);
}

static void
ottica_preferences_window_class_init (OtticaPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ottica_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/ottica/Ottica/ottica-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OtticaPreferencesWindow, preview_quality_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaPreferencesWindow, display_profile_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaPreferencesWindow, quality_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OtticaPreferencesWindow, color_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaPreferencesWindow, metadata_row);
  gtk_widget_class_bind_template_callback (widget_class, display_profile_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, display_profile_choose_clicked);
}

static void
ottica_preferences_window_init (OtticaPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

OtticaPreferencesWindow *
ottica_preferences_window_new (GtkWindow *parent,
                               GSettings *settings)
{
  OtticaPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (OTTICA_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  bind_choice (self, "preview-quality", self->preview_quality_row, preview_quality_keys);
  bind_choice (self, "export-color-space", self->color_row, color_space_keys);
  bind_choice (self, "export-metadata", self->metadata_row, metadata_keys);
  g_settings_bind_with_mapping (settings, "export-quality", self->quality_adjustment, "value",
                                G_SETTINGS_BIND_DEFAULT, int_to_double, double_to_int, NULL, NULL);
  g_signal_connect_object (settings, "changed::display-profile",
                           G_CALLBACK (update_display_profile_row), self, G_CONNECT_SWAPPED);
  update_display_profile_row (self);
  return self;
}
