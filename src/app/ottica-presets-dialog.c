/* ottica-presets-dialog.c: manage the preset store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#include "ottica-preset-store.h"
#include "ottica-presets-dialog.h"

struct _OtticaPresetsDialog
{
  AdwWindow        parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GtkListBox      *list;
  GtkFileChooserNative *chooser;
  char            *exporting;     /* the preset being exported */
};

enum { APPLY_PRESET, PRESETS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OtticaPresetsDialog, ottica_presets_dialog, ADW_TYPE_WINDOW)

static void
toast (OtticaPresetsDialog *self, const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static const char *
row_name (GtkWidget *button)
{
  return g_object_get_data (G_OBJECT (button), "ottica-preset");
}

static void
apply_clicked (GtkButton *button, OtticaPresetsDialog *self)
{
  g_signal_emit (self, signals[APPLY_PRESET], 0, row_name (GTK_WIDGET (button)));
}

static void
delete_clicked (GtkButton *button, OtticaPresetsDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup (row_name (GTK_WIDGET (button)));
  g_autofree char *message = NULL;

  if (!ottica_preset_store_delete (name, &error))
    {
      toast (self, error->message);
      return;
    }
  message = g_strdup_printf (_("Deleted the preset “%s”."), name);
  toast (self, message);
  ottica_presets_dialog_reload (self);
  g_signal_emit (self, signals[PRESETS_CHANGED], 0);
}

static void
export_response (GtkNativeDialog *chooser, int response, OtticaPresetsDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      /* the chooser has asked about replacing an existing file */
      if (path != NULL && !ottica_preset_store_export (self->exporting, path, TRUE, &error))
        toast (self, error->message);
      else if (path != NULL)
        {
          g_autofree char *display = g_filename_display_basename (path);
          g_autofree char *message = g_strdup_printf (_("Exported the preset as “%s”."), display);

          toast (self, message);
        }
    }
  g_clear_pointer (&self->exporting, g_free);
  g_clear_object (&self->chooser);
}

static void
export_clicked (GtkButton *button, OtticaPresetsDialog *self)
{
  const char *name = row_name (GTK_WIDGET (button));
  g_autofree char *file_name = ottica_preset_store_file_name_for (name, NULL);

  if (self->chooser != NULL || file_name == NULL)
    return;
  self->exporting = g_strdup (name);
  self->chooser = gtk_file_chooser_native_new (_("Export Preset"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), file_name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
import_response (GtkNativeDialog *chooser, int response, OtticaPresetsDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      guint n = g_list_model_get_n_items (files), imported = 0;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          g_autofree char *path = g_file_get_path (file);
          g_autoptr(GError) error = NULL;
          g_autofree char *name = path != NULL ? ottica_preset_store_import (path, FALSE, &error) : NULL;

          if (name == NULL && error != NULL)
            toast (self, error->message);
          else if (name != NULL)
            imported++;
        }
      if (imported > 0)
        {
          g_autofree char *message =
            g_strdup_printf (g_dngettext (NULL, "%u preset imported.", "%u presets imported.", imported),
                             imported);

          toast (self, message);
          ottica_presets_dialog_reload (self);
          g_signal_emit (self, signals[PRESETS_CHANGED], 0);
        }
    }
  g_clear_object (&self->chooser);
}

static void
import_clicked (OtticaPresetsDialog *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Import Presets"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Import"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Ottica presets"));
  gtk_file_filter_add_suffix (filter, "preset");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static GtkWidget *
row_button (const char *icon, const char *tooltip, const char *name, GCallback callback, gpointer self)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  g_object_set_data_full (G_OBJECT (button), "ottica-preset", g_strdup (name), g_free);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

void
ottica_presets_dialog_reload (OtticaPresetsDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = ottica_preset_store_list (&error);
  GtkWidget *child;
  gboolean can_apply = g_signal_has_handler_pending (self, signals[APPLY_PRESET], 0, FALSE);

  g_return_if_fail (OTTICA_IS_PRESETS_DIALOG (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  if (names == NULL)
    {
      toast (self, error->message);
      return;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (can_apply)
        {
          GtkWidget *apply = gtk_button_new_with_mnemonic (_("_Apply"));

          gtk_widget_set_valign (apply, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (apply, _("Apply to the selected photos"));
          g_object_set_data_full (G_OBJECT (apply), "ottica-preset", g_strdup (name), g_free);
          g_signal_connect (apply, "clicked", G_CALLBACK (apply_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), apply);
        }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button ("document-save-as-symbolic", _("Export to a file"), name,
                                             G_CALLBACK (export_clicked), self));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button ("user-trash-symbolic", C_("preset", "Delete"), name,
                                             G_CALLBACK (delete_clicked), self));
      gtk_list_box_append (self->list, row);
    }
  gtk_stack_set_visible_child_name (self->stack, names->len > 0 ? "list" : "empty");
}

GStrv
ottica_presets_dialog_dup_names (OtticaPresetsDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (OTTICA_IS_PRESETS_DIALOG (self), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_PREFERENCES_ROW (row))
      g_strv_builder_add (builder, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  return g_strv_builder_end (builder);
}

static void
ottica_presets_dialog_dispose (GObject *object)
{
  OtticaPresetsDialog *self = OTTICA_PRESETS_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_pointer (&self->exporting, g_free);
  G_OBJECT_CLASS (ottica_presets_dialog_parent_class)->dispose (object);
}

static void
ottica_presets_dialog_class_init (OtticaPresetsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ottica_presets_dialog_dispose;
  signals[APPLY_PRESET] =
    g_signal_new ("apply-preset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[PRESETS_CHANGED] =
    g_signal_new ("presets-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ottica_presets_dialog_init (OtticaPresetsDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *import = gtk_button_new_with_mnemonic (_("_Import…"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *empty = adw_status_page_new ();

  gtk_window_set_title (GTK_WINDOW (self), _("Presets"));
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 520);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  gtk_widget_set_tooltip_text (import, _("Add preset files to your presets"));
  g_signal_connect_swapped (import, "clicked", G_CALLBACK (import_clicked), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), import);
  gtk_box_append (GTK_BOX (box), header);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_margin_top (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->list), 12);
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Presets"), -1);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->list));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "document-properties-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Presets"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("Save an edit as a preset in the editor, or import preset files."));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_stack_add_named (self->stack, scrolled, "list");
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));

  self->toast_overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toast_overlay, box);
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (self->toast_overlay));
}

static void
presets_dialog_map (GtkWidget *widget, gpointer data)
{
  ottica_presets_dialog_reload (OTTICA_PRESETS_DIALOG (widget));
}

OtticaPresetsDialog *
ottica_presets_dialog_new (GtkWindow *parent)
{
  OtticaPresetsDialog *self = g_object_new (OTTICA_TYPE_PRESETS_DIALOG, "transient-for", parent, NULL);

  /* filled when shown, once the caller has connected "apply-preset" */
  g_signal_connect (self, "map", G_CALLBACK (presets_dialog_map), NULL);
  ottica_presets_dialog_reload (self);
  return self;
}
