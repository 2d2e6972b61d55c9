/* ottica-looks-panel.c: a grid of looks, each a thumbnail of the photo
 * rendered with it. One worker renders them in turn on a small copy of
 * the preview (its own pipeline: nothing is shared with the preview's
 * render thread) and hands each finished thumbnail to the main context.
 * When the edit's adjustments change, they are rendered again, a moment
 * after the last change (a slider drag renders them once), cancelling the
 * renders that are out of date; the old thumbnails stay until then.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <adwaita.h>

#include "ottica-babl-guard.h"
#include "ottica-engine.h"
#include "ottica-look-library.h"
#include "ottica-looks-panel.h"
#include "ottica-main-context.h"
#include "ottica-pipeline.h"

#define THUMB_SIZE 96
/* The thumbnails follow the edit this long after its last change. */
#define RERENDER_DELAY_MS 600

struct _OtticaLooksPanel
{
  GtkWidget      parent_instance;

  GtkWidget     *box;
  GtkWidget     *flow;
  GtkAdjustment *amount;
  GtkWidget     *amount_label;
  GtkWidget     *export_button;
  GPtrArray     *pictures;     /* GtkPicture per look, in list order ("None" first) */
  GPtrArray     *ids;          /* char* per child, NULL for "None" */
  GCancellable  *cancellable;
  guint          n_rendered;
  guint          serial;
  gboolean       updating;

  /* what the thumbnails are rendered from */
  GeglBuffer    *source;
  double         scale;
  gboolean       raw_baseline;
  double         baseline_exposure;
  OtticaEdit    *thumb_edit;   /* the adjustments they show (no look) */
  OtticaEdit    *wanted_edit;  /* the adjustments they should show */
  guint          rerender_source;

  /* user look files that were refused, told once the panel is shown */
  GPtrArray     *look_errors;  /* char* */
};

G_DEFINE_FINAL_TYPE (OtticaLooksPanel, ottica_looks_panel, GTK_TYPE_WIDGET)

enum { LOOK_CHOSEN, PARAM_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Thumbnails */

typedef struct
{
  GWeakRef    panel;
  guint       serial;
  guint       index;
  GdkTexture *texture;
} ThumbDone;

typedef struct
{
  GWeakRef    panel;
  guint       serial;
  GeglBuffer *source;
  double      scale;
  gboolean    raw_baseline;
  double      baseline_exposure;
  OtticaEdit *edit;
  GPtrArray  *ids;
} ThumbJob;

static void
thumb_job_free (ThumbJob *job)
{
  g_weak_ref_clear (&job->panel);
  g_object_unref (job->source);
  ottica_edit_free (job->edit);
  g_ptr_array_unref (job->ids);
  g_free (job);
}

static gboolean
thumb_done (gpointer data)
{
  ThumbDone *done = data;
  g_autoptr(OtticaLooksPanel) self = g_weak_ref_get (&done->panel);

  if (self != NULL && done->serial == self->serial && done->index < self->pictures->len)
    {
      gtk_picture_set_paintable (g_ptr_array_index (self->pictures, done->index),
                                 GDK_PAINTABLE (done->texture));
      self->n_rendered++;
    }
  g_weak_ref_clear (&done->panel);
  g_object_unref (done->texture);
  g_free (done);
  return G_SOURCE_REMOVE;
}

static GdkTexture *
render_thumb (OtticaPipeline *pipeline)
{
  GeglNode *output = ottica_pipeline_get_output (pipeline);
  GeglRectangle extent = gegl_node_get_bounding_box (output);
  const Babl *format = babl_format_with_space ("R'G'B'A u8", babl_space ("sRGB"));
  gsize stride = (gsize) extent.width * 4;
  guint8 *pixels = g_malloc (stride * extent.height);
  g_autoptr(GBytes) bytes = NULL;

  /* a look's first render makes new babl conversions: one pixel alone
   * first, as every other render does (ottica-engine.h) */
  ottica_engine_prime_render (output, 1.0, format);
  gegl_node_blit (output, 1.0, &extent, format, pixels, (int) stride, GEGL_BLIT_DEFAULT);
  bytes = g_bytes_new_take (pixels, stride * extent.height);
  return gdk_memory_texture_new (extent.width, extent.height, GDK_MEMORY_R8G8B8A8, bytes, stride);
}

static void
thumb_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  ThumbJob *job = task_data;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  GMainContext *context = g_task_get_context (task);

  /* a read for each look, so that a change waits one render at most
   * (ottica-babl-guard.h) */
  ottica_babl_guard_read_begin ();
  pipeline = ottica_pipeline_new (job->source, job->scale);
  /* the thumbnails show a RAW as the editor does */
  ottica_pipeline_set_raw_baseline (pipeline, job->raw_baseline, job->baseline_exposure);
  ottica_babl_guard_read_end ();

  for (guint i = 0; i < job->ids->len; i++)
    {
      ThumbDone *done;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      ottica_babl_guard_read_begin ();
      ottica_edit_set_look (job->edit, g_ptr_array_index (job->ids, i));
      job->edit->look_amount = 1.0;
      ottica_pipeline_set_edit (pipeline, job->edit);
      done = g_new0 (ThumbDone, 1);
      g_weak_ref_init (&done->panel, NULL);
      {
        g_autoptr(GObject) panel = g_weak_ref_get (&job->panel);

        g_weak_ref_set (&done->panel, panel);
      }
      done->serial = job->serial;
      done->index = i;
      done->texture = render_thumb (pipeline);
      ottica_babl_guard_read_end ();
      ottica_main_context_post (context, G_PRIORITY_DEFAULT, thumb_done, done, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

/* The adjustments of @edit, without its look: what a thumbnail shows
 * besides its own look. */
static OtticaEdit *
adjustments_of (const OtticaEdit *edit)
{
  OtticaEdit *copy = edit != NULL ? ottica_edit_copy (edit) : ottica_edit_new ();

  ottica_edit_set_look (copy, NULL);
  copy->look_amount = 1.0;
  return copy;
}

/* Renders every thumbnail again, cancelling the renders under way. */
static void
start_thumbnails (OtticaLooksPanel *self)
{
  g_autoptr(GTask) task = NULL;
  ThumbJob *job;

  g_clear_handle_id (&self->rerender_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->serial++;
  self->n_rendered = 0;
  if (self->source == NULL)
    return;

  g_clear_pointer (&self->thumb_edit, ottica_edit_free);
  self->thumb_edit = ottica_edit_copy (self->wanted_edit);
  self->cancellable = g_cancellable_new ();
  job = g_new0 (ThumbJob, 1);
  g_weak_ref_init (&job->panel, self);
  job->serial = self->serial;
  job->source = g_object_ref (self->source);
  job->scale = self->scale;
  job->raw_baseline = self->raw_baseline;
  job->baseline_exposure = self->baseline_exposure;
  job->edit = ottica_edit_copy (self->thumb_edit);
  job->ids = g_ptr_array_ref (self->ids);
  /* no source object: a closing window does not wait for thumbnails */
  task = g_task_new (NULL, self->cancellable, NULL, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) thumb_job_free);
  g_task_run_in_thread (task, thumb_thread);
}

static gboolean
rerender_timeout (gpointer data)
{
  OtticaLooksPanel *self = data;

  self->rerender_source = 0;
  start_thumbnails (self);
  return G_SOURCE_REMOVE;
}

void
ottica_looks_panel_set_source (OtticaLooksPanel *self,
                               GeglBuffer       *source,
                               double            scale,
                               gboolean          raw_baseline,
                               double            baseline_exposure,
                               const OtticaEdit *edit)
{
  g_return_if_fail (OTTICA_IS_LOOKS_PANEL (self));

  /* another photo: its thumbnails replace the last one's at once */
  for (guint i = 0; i < self->pictures->len; i++)
    gtk_picture_set_paintable (g_ptr_array_index (self->pictures, i), NULL);
  g_set_object (&self->source, source);
  self->scale = scale;
  self->raw_baseline = raw_baseline;
  self->baseline_exposure = baseline_exposure;
  g_clear_pointer (&self->wanted_edit, ottica_edit_free);
  self->wanted_edit = adjustments_of (edit);
  start_thumbnails (self);
}

gboolean
ottica_looks_panel_is_rendering (OtticaLooksPanel *self)
{
  g_return_val_if_fail (OTTICA_IS_LOOKS_PANEL (self), FALSE);
  return self->rerender_source != 0 ||
         (self->source != NULL && self->n_rendered < self->ids->len);
}

/* Choosing */

static void
child_activated (GtkFlowBox *flow, GtkFlowBoxChild *child, OtticaLooksPanel *self)
{
  const char *id = g_ptr_array_index (self->ids, gtk_flow_box_child_get_index (child));

  if (!self->updating)
    g_signal_emit (self, signals[LOOK_CHOSEN], 0, id);
}

void
ottica_looks_panel_choose (OtticaLooksPanel *self,
                           const char       *id)
{
  g_return_if_fail (OTTICA_IS_LOOKS_PANEL (self));

  for (guint i = 0; i < self->ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->ids, i), id) == 0)
      {
        GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flow), (int) i);

        gtk_flow_box_select_child (GTK_FLOW_BOX (self->flow), child);
        g_signal_emit_by_name (self->flow, "child-activated", child);
        return;
      }
}

static void
amount_changed (GtkAdjustment *adjustment, OtticaLooksPanel *self)
{
  double value = gtk_adjustment_get_value (adjustment);
  g_autofree char *text = g_strdup_printf (_("%.0f %%"), value * 100);

  gtk_label_set_label (GTK_LABEL (self->amount_label), text);
  if (!self->updating)
    g_signal_emit (self, signals[PARAM_CHANGED], 0, "amount", value);
}

void
ottica_looks_panel_set_edit (OtticaLooksPanel *self,
                             const OtticaEdit *edit)
{
  g_return_if_fail (OTTICA_IS_LOOKS_PANEL (self));
  g_return_if_fail (edit != NULL);

  /* new adjustments: the thumbnails follow, once the change settles */
  if (self->source != NULL && self->wanted_edit != NULL)
    {
      g_autoptr(OtticaEdit) wanted = adjustments_of (edit);

      if (!ottica_edit_equal (wanted, self->wanted_edit))
        {
          g_clear_pointer (&self->wanted_edit, ottica_edit_free);
          self->wanted_edit = g_steal_pointer (&wanted);
          g_clear_handle_id (&self->rerender_source, g_source_remove);
          if (self->thumb_edit == NULL || !ottica_edit_equal (self->wanted_edit, self->thumb_edit))
            self->rerender_source = g_timeout_add (RERENDER_DELAY_MS, rerender_timeout, self);
        }
    }
  gtk_widget_set_sensitive (self->export_button, edit->look_id != NULL);

  self->updating = TRUE;
  gtk_adjustment_set_value (self->amount, edit->look_amount);
  gtk_flow_box_unselect_all (GTK_FLOW_BOX (self->flow));
  for (guint i = 0; i < self->ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->ids, i), edit->look_id) == 0)
      gtk_flow_box_select_child (GTK_FLOW_BOX (self->flow),
                                 gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flow), (int) i));
  self->updating = FALSE;
}

static GtkWidget *
make_tile (OtticaLooksPanel *self, const char *name, const char *description)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *label = gtk_label_new (name);

  gtk_widget_set_size_request (frame, THUMB_SIZE, THUMB_SIZE);
  gtk_widget_set_halign (frame, GTK_ALIGN_CENTER);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_frame_set_child (GTK_FRAME (frame), picture);
  gtk_widget_add_css_class (frame, "look-thumbnail");
  gtk_widget_set_overflow (frame, GTK_OVERFLOW_HIDDEN);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 14);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), frame);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_tooltip_text (box, description != NULL && *description ? description : name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  g_ptr_array_add (self->pictures, picture);
  return box;
}

/* Fills the grid with "None" and every look in the library. */
static void
populate (OtticaLooksPanel *self)
{
  g_autoptr(GPtrArray) errors = NULL;
  GPtrArray *looks = ottica_look_library_list (&errors);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->flow)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->flow), child);
  g_ptr_array_set_size (self->pictures, 0);
  /* a new array: a thumbnail worker may still hold the old one */
  g_ptr_array_unref (self->ids);
  self->ids = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (self->ids, NULL);
  gtk_flow_box_append (GTK_FLOW_BOX (self->flow), make_tile (self, _("None"), _("The photo without a look")));
  for (guint i = 0; looks != NULL && i < looks->len; i++)
    {
      const OtticaLook *look = g_ptr_array_index (looks, i);

      g_ptr_array_add (self->ids, g_strdup (ottica_look_get_id (look)));
      gtk_flow_box_append (GTK_FLOW_BOX (self->flow),
                           make_tile (self, ottica_look_get_name (look), ottica_look_get_description (look)));
    }
  g_ptr_array_set_size (self->look_errors, 0);
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    g_ptr_array_add (self->look_errors, g_strdup (((GError *) g_ptr_array_index (errors, i))->message));
}

/* A refused look file is the person's to fix: say which and why, in the
 * window's toasts, the first time the panel is on screen. */
static void
tell_look_errors (OtticaLooksPanel *self)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay == NULL)
    return;
  for (guint i = 0; i < self->look_errors->len; i++)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay),
                                 adw_toast_new (g_ptr_array_index (self->look_errors, i)));
  g_ptr_array_set_size (self->look_errors, 0);
}

/* Importing and exporting looks */

/* Errors come first: they push any other toast back into the queue. */
static void
show_toast (OtticaLooksPanel *self, const char *message, gboolean error)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  if (overlay == NULL)
    {
      g_message ("%s", message);
      return;
    }
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 8);
  if (error)
    adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

gboolean
ottica_looks_panel_import (OtticaLooksPanel *self,
                           const char       *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const OtticaLook *look;
  const char *selected = NULL;
  GList *children;

  g_return_val_if_fail (OTTICA_IS_LOOKS_PANEL (self), FALSE);

  look = ottica_look_library_import (path, FALSE, &error);
  if (look == NULL)
    {
      show_toast (self, error->message, TRUE);
      return FALSE;
    }
  /* the grid lists it now, in its place, keeping the selection */
  children = gtk_flow_box_get_selected_children (GTK_FLOW_BOX (self->flow));
  if (children != NULL)
    selected = g_ptr_array_index (self->ids, gtk_flow_box_child_get_index (children->data));
  {
    g_autofree char *keep = g_strdup (selected);

    g_list_free (children);
    populate (self);
    self->updating = TRUE;
    for (guint i = 0; i < self->ids->len; i++)
      if (g_strcmp0 (g_ptr_array_index (self->ids, i), keep) == 0)
        gtk_flow_box_select_child (GTK_FLOW_BOX (self->flow),
                                   gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (self->flow), (int) i));
    self->updating = FALSE;
  }
  start_thumbnails (self);
  message = g_strdup_printf (_("Imported the look “%s”."), ottica_look_get_name (look));
  show_toast (self, message, FALSE);
  return TRUE;
}

gboolean
ottica_looks_panel_export (OtticaLooksPanel *self,
                           const char       *id,
                           const char       *path)
{
  g_autoptr(GError) error = NULL;
  const OtticaLook *look;

  g_return_val_if_fail (OTTICA_IS_LOOKS_PANEL (self), FALSE);

  look = id != NULL ? ottica_look_library_find (id) : NULL;
  if (look == NULL)
    return FALSE;
  /* the file chooser asked before replacing a file */
  if (!ottica_look_export (look, path, TRUE, &error))
    {
      show_toast (self, error->message, TRUE);
      return FALSE;
    }
  {
    g_autofree char *name = g_filename_display_basename (path);
    g_autofree char *message = g_strdup_printf (_("Exported the look to “%s”."), name);

    show_toast (self, message, FALSE);
  }
  return TRUE;
}

static void
import_response (GtkNativeDialog *dialog, int response, OtticaLooksPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        ottica_looks_panel_import (self, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
import_clicked (GtkButton *button, OtticaLooksPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Looks and 3D LUTs"));
  gtk_file_filter_add_pattern (filter, "*.look");
  gtk_file_filter_add_pattern (filter, "*.cube");
  gtk_file_filter_add_pattern (filter, "*.CUBE");
  dialog = gtk_file_chooser_native_new (_("Import Look"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (import_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_response (GtkNativeDialog *dialog, int response, OtticaLooksPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      const char *id = g_object_get_data (G_OBJECT (dialog), "ottica-look-id");

      if (path != NULL)
        ottica_looks_panel_export (self, id, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_clicked (GtkButton *button, OtticaLooksPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GList *children = gtk_flow_box_get_selected_children (GTK_FLOW_BOX (self->flow));
  const char *id = children != NULL ? g_ptr_array_index (self->ids, gtk_flow_box_child_get_index (children->data)) : NULL;
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;

  g_list_free (children);
  if (id == NULL)
    return;
  name = g_strdup_printf ("%s.look", id);
  dialog = gtk_file_chooser_native_new (_("Export Look"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data_full (G_OBJECT (dialog), "ottica-look-id", g_strdup (id), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
ottica_looks_panel_dispose (GObject *object)
{
  OtticaLooksPanel *self = OTTICA_LOOKS_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->rerender_source, g_source_remove);
  g_clear_object (&self->source);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (ottica_looks_panel_parent_class)->dispose (object);
}

static void
ottica_looks_panel_finalize (GObject *object)
{
  OtticaLooksPanel *self = OTTICA_LOOKS_PANEL (object);

  g_ptr_array_unref (self->pictures);
  g_ptr_array_unref (self->ids);
  g_ptr_array_unref (self->look_errors);
  g_clear_pointer (&self->thumb_edit, ottica_edit_free);
  g_clear_pointer (&self->wanted_edit, ottica_edit_free);
  G_OBJECT_CLASS (ottica_looks_panel_parent_class)->finalize (object);
}

static void
ottica_looks_panel_class_init (OtticaLooksPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ottica_looks_panel_dispose;
  object_class->finalize = ottica_looks_panel_finalize;

  signals[LOOK_CHOSEN] = g_signal_new ("look-chosen", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[PARAM_CHANGED] = g_signal_new ("param-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_DOUBLE);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ottica-looks-panel");
}

static void
ottica_looks_panel_init (OtticaLooksPanel *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *amount_name = gtk_label_new (_("Amount"));
  GtkWidget *scale;

  self->pictures = g_ptr_array_new ();
  self->ids = g_ptr_array_new_with_free_func (g_free);
  self->look_errors = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (self, "map", G_CALLBACK (tell_look_errors), NULL);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  /* the amount: 0 is the original, 1 the whole look */
  self->amount = gtk_adjustment_new (1, 0, 1, 0.01, 0.1, 0);
  self->amount_label = gtk_label_new ("100 %");
  gtk_widget_add_css_class (self->amount_label, "numeric");
  gtk_widget_add_css_class (self->amount_label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (amount_name), 0);
  gtk_widget_set_hexpand (amount_name, TRUE);
  gtk_box_append (GTK_BOX (header), amount_name);
  gtk_box_append (GTK_BOX (header), self->amount_label);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 12);
  gtk_box_append (GTK_BOX (self->box), header);
  scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->amount);
  gtk_scale_set_draw_value (GTK_SCALE (scale), FALSE);
  gtk_widget_set_margin_start (scale, 12);
  gtk_widget_set_margin_end (scale, 12);
  gtk_widget_set_tooltip_text (scale, _("How much of the look to apply"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Look amount"), -1);
  gtk_box_append (GTK_BOX (self->box), scale);
  g_signal_connect (self->amount, "value-changed", G_CALLBACK (amount_changed), self);

  self->flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->flow), GTK_SELECTION_SINGLE);
  gtk_flow_box_set_activate_on_single_click (GTK_FLOW_BOX (self->flow), TRUE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->flow), TRUE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (self->flow), 2);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->flow), 3);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->flow), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->flow), 6);
  gtk_widget_set_margin_start (self->flow, 6);
  gtk_widget_set_margin_end (self->flow, 6);
  gtk_widget_set_margin_top (self->flow, 6);
  gtk_widget_set_valign (self->flow, GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->flow), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Looks"), -1);
  g_signal_connect (self->flow, "child-activated", G_CALLBACK (child_activated), self);
  populate (self);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->flow);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self->box), scroller);

  /* sharing looks */
  {
    GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *import = gtk_button_new_with_mnemonic (_("_Import Look…"));

    self->export_button = gtk_button_new_with_mnemonic (_("E_xport Look…"));
    gtk_widget_set_tooltip_text (import, _("Add a .look file or a .cube 3D LUT to your looks"));
    gtk_widget_set_tooltip_text (self->export_button, _("Save the chosen look as a file to share"));
    gtk_widget_set_sensitive (self->export_button, FALSE);
    gtk_widget_set_hexpand (import, TRUE);
    gtk_widget_set_hexpand (self->export_button, TRUE);
    g_signal_connect (import, "clicked", G_CALLBACK (import_clicked), self);
    g_signal_connect (self->export_button, "clicked", G_CALLBACK (export_clicked), self);
    gtk_box_append (GTK_BOX (buttons), import);
    gtk_box_append (GTK_BOX (buttons), self->export_button);
    gtk_widget_set_margin_start (buttons, 12);
    gtk_widget_set_margin_end (buttons, 12);
    gtk_widget_set_margin_top (buttons, 6);
    gtk_widget_set_margin_bottom (buttons, 12);
    gtk_box_append (GTK_BOX (self->box), buttons);
  }
}

GtkWidget *
ottica_looks_panel_new (void)
{
  return g_object_new (OTTICA_TYPE_LOOKS_PANEL, NULL);
}

guint
ottica_looks_panel_get_n_looks (OtticaLooksPanel *self)
{
  g_return_val_if_fail (OTTICA_IS_LOOKS_PANEL (self), 0);
  return self->ids->len - 1;
}

guint
ottica_looks_panel_get_n_rendered (OtticaLooksPanel *self)
{
  g_return_val_if_fail (OTTICA_IS_LOOKS_PANEL (self), 0);
  return self->n_rendered;
}

GtkAdjustment *
ottica_looks_panel_get_amount (OtticaLooksPanel *self)
{
  g_return_val_if_fail (OTTICA_IS_LOOKS_PANEL (self), NULL);
  return self->amount;
}
