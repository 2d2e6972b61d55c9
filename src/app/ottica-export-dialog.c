/* ottica-export-dialog.c: the same export as `ottica-cli export`, through
 * OtticaBatch (which runs it in a worker and reports progress in this
 * thread's main context).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <string.h>

#include "ottica-batch.h"
#include "ottica-error.h"
#include "ottica-export-dialog.h"
#include "ottica-export-recipe.h"
#include "ottica-output-template.h"
#include "ottica-settings.h"

/* A batch takes 16 outputs: the full size, the web copy and these. */
#define MAX_RECIPE_FILES 14

struct _OtticaExportDialog
{
  AdwWindow        parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkWidget       *page;
  GtkWidget       *cancel_button;
  GtkWidget       *export_button;
  GtkProgressBar  *progress_bar;
  GtkSpinButton   *quality_spin;
  AdwComboRow     *size_row;
  GtkWidget       *size_value_row;
  GtkSpinButton   *size_spin;
  AdwComboRow     *sharpen_row;
  AdwComboRow     *color_row;
  AdwComboRow     *metadata_row;
  AdwComboRow     *chroma_row;
  GtkSwitch       *progressive_switch;
  AdwActionRow    *folder_row;
  GtkSwitch       *overwrite_switch;
  GtkWidget       *file_label;
  GtkWidget       *time_label;
  GtkProgressBar  *file_bar;
  GtkWidget       *copies_group;
  GtkSwitch       *web_switch;
  GtkSpinButton   *web_spin;
  GtkWidget       *recipes_row;
  GPtrArray       *recipe_files;  /* GFile*: more outputs, in the order added */
  GPtrArray       *recipe_rows;   /* AdwActionRow*, one per recipe file */

  char            *photo_path;
  GStrv            photo_paths;   /* several photos: the library's batch */
  GFile           *folder;
  GSettings       *settings;
  OtticaBatch     *batch;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (OtticaExportDialog, ottica_export_dialog, ADW_TYPE_WINDOW)

enum { FINISHED, BATCH_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The schema's spellings, in the enums' order. */
static const char *const color_space_keys[] = { "srgb", "display-p3", "adobe-rgb" };
static const char *const metadata_keys[] = { "all", "no-gps", "none" };

static void
update_folder_row (OtticaExportDialog *self)
{
  g_autofree char *text = NULL;

  if (self->folder != NULL)
    text = g_file_get_parse_name (self->folder);
  else
    /* TRANSLATORS: %s is the folder's name, "exported" */
    text = g_strdup_printf (_("“%s” beside the photo"), OTTICA_BATCH_DEFAULT_FOLDER_NAME);
  adw_action_row_set_subtitle (self->folder_row, text);
}

void
ottica_export_dialog_set_folder (OtticaExportDialog *self,
                                 GFile              *folder)
{
  g_return_if_fail (OTTICA_IS_EXPORT_DIALOG (self));

  g_set_object (&self->folder, folder);
  update_folder_row (self);
}

GFile *
ottica_export_dialog_get_folder (OtticaExportDialog *self)
{
  g_return_val_if_fail (OTTICA_IS_EXPORT_DIALOG (self), NULL);
  return self->folder;
}

static void
size_mode_changed (OtticaExportDialog *self)
{
  OtticaSizeMode mode = adw_combo_row_get_selected (self->size_row);

  gtk_widget_set_sensitive (self->size_value_row, mode != OTTICA_SIZE_ORIGINAL);
  if (mode == OTTICA_SIZE_MEGAPIXELS)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->size_value_row), _("Mega_pixels"));
      gtk_spin_button_set_digits (self->size_spin, 1);
      gtk_spin_button_set_increments (self->size_spin, 0.5, 5);
      gtk_spin_button_set_range (self->size_spin, 0.1, 1000);
      if (gtk_spin_button_get_value (self->size_spin) > 100)
        gtk_spin_button_set_value (self->size_spin, 12);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->size_value_row), _("Pi_xels"));
      gtk_spin_button_set_digits (self->size_spin, 0);
      gtk_spin_button_set_increments (self->size_spin, 1, 100);
      gtk_spin_button_set_range (self->size_spin, 1, 100000);
      if (gtk_spin_button_get_value (self->size_spin) < 16)
        gtk_spin_button_set_value (self->size_spin, 2048);
    }
}

void
ottica_export_dialog_get_options (OtticaExportDialog  *self,
                                  OtticaExportOptions *options)
{
  g_return_if_fail (OTTICA_IS_EXPORT_DIALOG (self));

  ottica_export_options_init (options);
  options->quality = gtk_spin_button_get_value_as_int (self->quality_spin);
  options->size_mode = adw_combo_row_get_selected (self->size_row);
  options->size_value = gtk_spin_button_get_value (self->size_spin);
  options->sharpen = adw_combo_row_get_selected (self->sharpen_row);
  options->color_space = adw_combo_row_get_selected (self->color_row);
  options->metadata = adw_combo_row_get_selected (self->metadata_row);
  options->chroma = adw_combo_row_get_selected (self->chroma_row);
  options->progressive = gtk_switch_get_active (self->progressive_switch);
  options->overwrite = gtk_switch_get_active (self->overwrite_switch);
}

void
ottica_export_dialog_set_options (OtticaExportDialog        *self,
                                  const OtticaExportOptions *options)
{
  g_return_if_fail (OTTICA_IS_EXPORT_DIALOG (self));

  gtk_spin_button_set_value (self->quality_spin, options->quality);
  adw_combo_row_set_selected (self->size_row, options->size_mode);
  size_mode_changed (self);
  if (options->size_mode != OTTICA_SIZE_ORIGINAL)
    gtk_spin_button_set_value (self->size_spin, options->size_value);
  adw_combo_row_set_selected (self->sharpen_row, options->sharpen);
  adw_combo_row_set_selected (self->color_row, options->color_space);
  adw_combo_row_set_selected (self->metadata_row, options->metadata);
  adw_combo_row_set_selected (self->chroma_row, options->chroma);
  gtk_switch_set_active (self->progressive_switch, options->progressive);
  gtk_switch_set_active (self->overwrite_switch, options->overwrite);
}

static void
load_settings (OtticaExportDialog *self)
{
  OtticaExportOptions options;

  ottica_export_options_init (&options);
  if (self->settings != NULL)
    {
      g_autofree char *color = g_settings_get_string (self->settings, "export-color-space");
      g_autofree char *metadata = g_settings_get_string (self->settings, "export-metadata");

      options.quality = g_settings_get_int (self->settings, "export-quality");
      for (guint i = 0; i < G_N_ELEMENTS (color_space_keys); i++)
        if (g_str_equal (color, color_space_keys[i]))
          options.color_space = i;
      for (guint i = 0; i < G_N_ELEMENTS (metadata_keys); i++)
        if (g_str_equal (metadata, metadata_keys[i]))
          options.metadata = i;
    }
  ottica_export_dialog_set_options (self, &options);
}

static void
save_settings (OtticaExportDialog *self, const OtticaExportOptions *options)
{
  if (self->settings == NULL)
    return;
  g_settings_set_int (self->settings, "export-quality", options->quality);
  g_settings_set_string (self->settings, "export-color-space", color_space_keys[options->color_space]);
  g_settings_set_string (self->settings, "export-metadata", metadata_keys[options->metadata]);
}

/* Running */

static void
set_running (OtticaExportDialog *self, gboolean running)
{
  gtk_widget_set_sensitive (self->page, !running);
  gtk_widget_set_sensitive (self->export_button, !running);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_widget_set_visible (self->file_label, running && self->photo_paths != NULL);
  gtk_widget_set_visible (self->time_label, running && self->photo_paths != NULL);
  gtk_label_set_text (GTK_LABEL (self->time_label), "");
  gtk_widget_set_visible (GTK_WIDGET (self->file_bar), running && self->photo_paths != NULL);
}

static void
batch_file_started (OtticaBatch *batch, guint index, const char *input, OtticaExportDialog *self)
{
  g_autofree char *display = g_filename_display_basename (input);
  /* TRANSLATORS: %s is a photo's file name */
  g_autofree char *text = g_strdup_printf (_("Exporting “%s”"), display);

  gtk_label_set_text (GTK_LABEL (self->file_label), text);
  gtk_progress_bar_set_fraction (self->file_bar, 0);
}

static void
batch_file_progress (OtticaBatch *batch, guint index, double fraction, OtticaExportDialog *self)
{
  gtk_progress_bar_set_fraction (self->file_bar, fraction);
}

static void
batch_run_progress (OtticaBatch *batch, const OtticaBatchProgress *progress, OtticaExportDialog *self)
{
  g_autofree char *done = NULL;
  g_autofree char *left = NULL;
  guint n_done = MIN (progress->n_photos_done, progress->n_photos);

  done = g_strdup_printf (g_dngettext (NULL, "%u of %u photo done", "%u of %u photos done",
                                       progress->n_photos),
                          n_done, progress->n_photos);
  if (progress->seconds_left >= 0)
    {
      guint seconds = (guint) (progress->seconds_left + 0.5);

      if (seconds >= 120)
        left = g_strdup_printf (g_dngettext (NULL, "About %u minute left", "About %u minutes left",
                                             (seconds + 30) / 60),
                                (seconds + 30) / 60);
      else
        left = g_strdup_printf (g_dngettext (NULL, "About %u second left", "About %u seconds left",
                                             seconds),
                                seconds);
    }
  gtk_progress_bar_set_fraction (self->progress_bar, progress->fraction);
  gtk_progress_bar_set_text (self->progress_bar, done);
  gtk_label_set_text (GTK_LABEL (self->time_label), left != NULL ? left : "");
}

/* The photos that failed, each once (a photo fails all its outputs alike). */
static guint
count_failed_photos (const OtticaBatchResult *result, GString *text)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < result->items->len; i++)
    {
      const OtticaBatchItem *item = g_ptr_array_index (result->items, i);
      g_autofree char *display = NULL;

      if (item->error == NULL || g_error_matches (item->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || !g_hash_table_add (seen, item->input))
        continue;
      if (text == NULL)
        continue;
      display = g_filename_display_basename (item->input);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* the loaders' messages name the file already */
      if (strstr (item->error->message, display) != NULL)
        g_string_append (text, item->error->message);
      else
        /* TRANSLATORS: a failed photo in the export summary: "IMG_1.CR2: reason" */
        g_string_append_printf (text, _("%s: %s"), display, item->error->message);
    }
  return g_hash_table_size (seen);
}

char *
ottica_export_dialog_describe_failures (const OtticaBatchResult *result)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (result != NULL, NULL);

  count_failed_photos (result, text);
  return g_string_free (text, text->len == 0);
}

static void
show_summary (GtkWindow *parent, const OtticaBatchResult *result)
{
  g_autofree char *failures = ottica_export_dialog_describe_failures (result);
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;
  guint n_failed;

  if (failures == NULL)
    return;
  n_failed = count_failed_photos (result, NULL);
  heading = g_strdup_printf (g_dngettext (NULL, "%u Photo Could Not Be Exported",
                                          "%u Photos Could Not Be Exported", n_failed),
                             n_failed);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, heading, failures));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
batch_run_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OtticaExportDialog) self = user_data;
  g_autoptr(OtticaBatchResult) outcome = ottica_batch_run_finish (OTTICA_BATCH (source), result);
  g_autoptr(GError) error = NULL;
  const char *first_output = NULL;

  g_clear_object (&self->cancellable);
  for (guint i = 0; i < outcome->items->len && first_output == NULL; i++)
    {
      OtticaBatchItem *item = g_ptr_array_index (outcome->items, i);

      if (item->error == NULL && item->output != NULL)
        first_output = item->output;
    }
  if (outcome->cancelled)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The export was cancelled."));
  else if (first_output == NULL)
    error = g_error_new_literal (OTTICA_ERROR, OTTICA_ERROR_FAILED, _("Nothing was exported."));

  g_signal_emit (self, signals[BATCH_FINISHED], 0, outcome);
  show_summary (gtk_window_get_transient_for (GTK_WINDOW (self)), outcome);
  g_signal_emit (self, signals[FINISHED], 0, error == NULL ? first_output : NULL, error);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Two outputs writing the same files: the same subfolder and template
 * (compared as the batch compares names, ignoring case). */
static char *
output_key (const OtticaExportRecipe *output)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", output->subfolder != NULL ? output->subfolder : "",
                                          output->name_template != NULL
                                          ? output->name_template : OTTICA_OUTPUT_TEMPLATE_DEFAULT);

  return g_utf8_casefold (key, -1);
}

/* The outputs the dialog asks for (NULL-terminated) into @outputs: the
 * full size, the web copy if on, and each recipe file read over the
 * dialog's options. FALSE with @error when a recipe file cannot be read
 * or two outputs would write the same files. */
static gboolean
collect_outputs (OtticaExportDialog         *self,
                 const OtticaExportOptions  *options,
                 GPtrArray                  *outputs,
                 GError                    **error)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  OtticaExportRecipe *full = ottica_export_recipe_new ();

  full->name = g_strdup (_("Full size"));
  full->export_options = *options;
  g_ptr_array_add (outputs, full);
  if (gtk_switch_get_active (self->web_switch))
    {
      OtticaExportRecipe *web = ottica_export_recipe_new ();

      web->name = g_strdup (_("Web copy"));
      web->export_options = *options;
      web->export_options.size_mode = OTTICA_SIZE_LONG_EDGE;
      web->export_options.size_value = gtk_spin_button_get_value (self->web_spin);
      web->subfolder = g_strdup ("web");
      g_ptr_array_add (outputs, web);
    }
  for (guint i = 0; i < self->recipe_files->len; i++)
    {
      g_autofree char *path = g_file_get_path (g_ptr_array_index (self->recipe_files, i));
      OtticaExportRecipe *recipe = ottica_export_recipe_load (path, options, error);

      if (recipe == NULL)
        return FALSE;
      g_ptr_array_add (outputs, recipe);
    }

  for (guint i = 0; i < outputs->len; i++)
    {
      const OtticaExportRecipe *output = g_ptr_array_index (outputs, i);
      char *key = output_key (output);
      gpointer other;

      if (g_hash_table_lookup_extended (keys, key, NULL, &other))
        {
          const OtticaExportRecipe *first = g_ptr_array_index (outputs, GPOINTER_TO_UINT (other));

          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("The recipe “%s” would write the same files as “%s”; give one of them "
                         "its own subfolder= or template= line."),
                       output->name, first->name);
          g_free (key);
          return FALSE;
        }
      g_hash_table_insert (keys, key, GUINT_TO_POINTER (i));
    }
  return TRUE;
}

static void
start_batch (OtticaExportDialog *self)
{
  OtticaBatchRecipe recipe;
  g_autofree char *folder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) ottica_export_recipe_free);

  ottica_batch_recipe_init (&recipe);
  ottica_export_dialog_get_options (self, &recipe.export_options);
  if (self->folder != NULL)
    folder = g_file_get_path (self->folder);
  recipe.output_folder = folder;
  recipe.jobs = 0;   /* one photo per core */

  if (!collect_outputs (self, &recipe.export_options, outputs, &error))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  /* More than one output: all from one decode of each photo. */
  if (outputs->len > 1)
    {
      g_ptr_array_add (outputs, NULL);
      recipe.outputs = (const OtticaExportRecipe * const *) outputs->pdata;
    }

  g_clear_object (&self->batch);
  self->batch = ottica_batch_new (&recipe, &error);
  if (self->batch == NULL)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  save_settings (self, &recipe.export_options);
  g_signal_connect (self->batch, "file-started", G_CALLBACK (batch_file_started), self);
  g_signal_connect (self->batch, "file-progress", G_CALLBACK (batch_file_progress), self);
  g_signal_connect (self->batch, "run-progress", G_CALLBACK (batch_run_progress), self);
  self->cancellable = g_cancellable_new ();
  set_running (self, TRUE);
  ottica_batch_run_async (self->batch, (const char * const *) self->photo_paths,
                          self->cancellable, batch_run_done, g_object_ref (self));
}

static void
file_progress (OtticaBatch *batch, guint index, double fraction, OtticaExportDialog *self)
{
  g_autofree char *text = g_strdup_printf (_("%.0f %%"), fraction * 100);

  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OtticaExportDialog) self = user_data;
  g_autoptr(OtticaBatchResult) outcome = ottica_batch_run_finish (OTTICA_BATCH (source), result);
  OtticaBatchItem *item = outcome->items->len > 0 ? g_ptr_array_index (outcome->items, 0) : NULL;
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->cancellable);
  if (item != NULL && item->error != NULL)
    error = g_error_copy (item->error);
  else if (outcome->cancelled)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The export was cancelled."));
  else if (item == NULL || item->output == NULL)
    error = g_error_new_literal (OTTICA_ERROR, OTTICA_ERROR_FAILED, _("Nothing was exported."));

  g_signal_emit (self, signals[FINISHED], 0, error == NULL ? item->output : NULL, error);
  gtk_window_destroy (GTK_WINDOW (self));
}

void
ottica_export_dialog_start (OtticaExportDialog *self)
{
  OtticaBatchRecipe recipe;
  g_autofree char *folder = NULL;
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { self->photo_path, NULL };

  g_return_if_fail (OTTICA_IS_EXPORT_DIALOG (self));
  if (self->cancellable != NULL)
    return;   /* running */
  if (self->photo_paths != NULL)
    {
      start_batch (self);
      return;
    }

  ottica_batch_recipe_init (&recipe);
  ottica_export_dialog_get_options (self, &recipe.export_options);
  if (self->folder != NULL)
    folder = g_file_get_path (self->folder);
  recipe.output_folder = folder;
  recipe.jobs = 1;

  g_clear_object (&self->batch);
  self->batch = ottica_batch_new (&recipe, &error);
  if (self->batch == NULL)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return;
    }
  save_settings (self, &recipe.export_options);
  g_signal_connect (self->batch, "file-progress", G_CALLBACK (file_progress), self);
  self->cancellable = g_cancellable_new ();
  set_running (self, TRUE);
  ottica_batch_run_async (self->batch, inputs, self->cancellable, run_done, g_object_ref (self));
}

static void
export_clicked (OtticaExportDialog *self)
{
  ottica_export_dialog_start (self);
}

static void
cancel_clicked (OtticaExportDialog *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);   /* run_done closes */
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
folder_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  OtticaExportDialog *self = OTTICA_EXPORT_DIALOG (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (folder != NULL)
        ottica_export_dialog_set_folder (self, folder);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
choose_folder_clicked (OtticaExportDialog *self)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export Folder"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Select"), _("_Cancel"));
  if (self->folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), self->folder, NULL);
  g_signal_connect (chooser, "response", G_CALLBACK (folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Recipe files */

static void
remove_recipe_clicked (GtkButton *button, OtticaExportDialog *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "ottica-row");
  guint index;

  if (!g_ptr_array_find (self->recipe_rows, row, &index))
    return;
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self->copies_group), row);
  g_ptr_array_remove_index (self->recipe_rows, index);
  g_ptr_array_remove_index (self->recipe_files, index);
  gtk_widget_set_sensitive (self->recipes_row, self->recipe_files->len < MAX_RECIPE_FILES);
}

gboolean
ottica_export_dialog_add_recipe_file (OtticaExportDialog  *self,
                                      GFile               *file,
                                      GError             **error)
{
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autoptr(OtticaExportRecipe) recipe = NULL;
  GtkWidget *row, *button;

  g_return_val_if_fail (OTTICA_IS_EXPORT_DIALOG (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < self->recipe_files->len; i++)
    if (g_file_equal (file, g_ptr_array_index (self->recipe_files, i)))
      return TRUE;   /* already there */

  path = g_file_get_path (file);
  display = g_file_get_parse_name (file);
  if (path == NULL)
    {
      g_autofree char *name = g_file_get_basename (file);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” is not a file on this computer; copy it here to use it as a recipe."),
                   name);
      return FALSE;
    }
  if (self->recipe_files->len >= MAX_RECIPE_FILES)
    {
      g_autofree char *name = g_filename_display_basename (path);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   g_dngettext (NULL,
                                "“%s” was not added: an export takes at most %u recipe file.",
                                "“%s” was not added: an export takes at most %u recipe files.",
                                MAX_RECIPE_FILES),
                   name, MAX_RECIPE_FILES);
      return FALSE;
    }
  /* Read now so that a broken file is told at once; read again, over the
   * dialog's options, when the export starts. */
  recipe = ottica_export_recipe_load (path, NULL, error);
  if (recipe == NULL)
    return FALSE;

  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), recipe->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), display);
  button = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Do not export with this recipe"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove the recipe"), -1);
  g_object_set_data (G_OBJECT (button), "ottica-row", row);
  g_signal_connect (button, "clicked", G_CALLBACK (remove_recipe_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->copies_group), row);

  g_ptr_array_add (self->recipe_files, g_object_ref (file));
  g_ptr_array_add (self->recipe_rows, row);
  gtk_widget_set_sensitive (self->recipes_row, self->recipe_files->len < MAX_RECIPE_FILES);
  return TRUE;
}

guint
ottica_export_dialog_get_n_recipe_files (OtticaExportDialog *self)
{
  g_return_val_if_fail (OTTICA_IS_EXPORT_DIALOG (self), 0);
  return self->recipe_files->len;
}

static void
recipes_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  OtticaExportDialog *self = OTTICA_EXPORT_DIALOG (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          g_autoptr(GError) error = NULL;

          if (!ottica_export_dialog_add_recipe_file (self, file, &error))
            adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
        }
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
add_recipe_clicked (OtticaExportDialog *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) recipes = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Add Recipe Files"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Add"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_filter_set_name (recipes, _("Recipe files"));
  gtk_file_filter_add_suffix (recipes, "recipe");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), recipes);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_signal_connect (chooser, "response", G_CALLBACK (recipes_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
ottica_export_dialog_close_request (GtkWindow *window)
{
  OtticaExportDialog *self = OTTICA_EXPORT_DIALOG (window);

  /* closing while running cancels; the run's end closes the dialog */
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (ottica_export_dialog_parent_class)->close_request (window);
}

static void
ottica_export_dialog_dispose (GObject *object)
{
  OtticaExportDialog *self = OTTICA_EXPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OTTICA_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (ottica_export_dialog_parent_class)->dispose (object);
}

static void
ottica_export_dialog_finalize (GObject *object)
{
  OtticaExportDialog *self = OTTICA_EXPORT_DIALOG (object);

  g_free (self->photo_path);
  g_strfreev (self->photo_paths);
  g_clear_object (&self->folder);
  g_clear_object (&self->settings);
  g_clear_object (&self->batch);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->recipe_files, g_ptr_array_unref);
  g_clear_pointer (&self->recipe_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (ottica_export_dialog_parent_class)->finalize (object);
}

static void
ottica_export_dialog_class_init (OtticaExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ottica_export_dialog_dispose;
  object_class->finalize = ottica_export_dialog_finalize;
  window_class->close_request = ottica_export_dialog_close_request;

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_POINTER);
  signals[BATCH_FINISHED] = g_signal_new ("batch-finished", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/ottica/Ottica/ottica-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, page);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, quality_spin);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, size_value_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, size_spin);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, sharpen_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, color_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, metadata_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, chroma_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, progressive_switch);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, overwrite_switch);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, file_label);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, time_label);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, file_bar);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, copies_group);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, web_switch);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, web_spin);
  gtk_widget_class_bind_template_child (widget_class, OtticaExportDialog, recipes_row);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_clicked);
  gtk_widget_class_bind_template_callback (widget_class, add_recipe_clicked);
  gtk_widget_class_bind_template_callback (widget_class, size_mode_changed);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ottica_export_dialog_init (OtticaExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->recipe_files = g_ptr_array_new_with_free_func (g_object_unref);
  self->recipe_rows = g_ptr_array_new ();
  self->settings = ottica_settings_get ();
  load_settings (self);
  update_folder_row (self);
}

OtticaExportDialog *
ottica_export_dialog_new (GtkWindow  *parent,
                          const char *photo_path)
{
  OtticaExportDialog *self;

  g_return_val_if_fail (photo_path != NULL, NULL);

  self = g_object_new (OTTICA_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  self->photo_path = g_strdup (photo_path);
  return self;
}

OtticaExportDialog *
ottica_export_dialog_new_for_photos (GtkWindow          *parent,
                                     const char * const *photo_paths)
{
  OtticaExportDialog *self;
  g_autofree char *title = NULL;
  guint n;

  g_return_val_if_fail (photo_paths != NULL && photo_paths[0] != NULL, NULL);

  self = g_object_new (OTTICA_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  self->photo_paths = g_strdupv ((char **) photo_paths);
  n = g_strv_length (self->photo_paths);
  title = g_strdup_printf (g_dngettext (NULL, "Export %u Photo", "Export %u Photos", n), n);
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_widget_set_tooltip_text (self->export_button, _("Write the JPEGs"));
  gtk_widget_set_visible (self->copies_group, TRUE);
  return self;
}

void
ottica_export_dialog_set_web_copy (OtticaExportDialog *self,
                                   gboolean            enabled,
                                   guint               long_edge)
{
  g_return_if_fail (OTTICA_IS_EXPORT_DIALOG (self));

  gtk_switch_set_active (self->web_switch, enabled);
  if (long_edge > 0)
    gtk_spin_button_set_value (self->web_spin, long_edge);
}
