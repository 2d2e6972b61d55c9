/* ottica-window.c: the editor window. Loading and rendering run in a
 * worker thread (GTask); the UI thread never waits on GEGL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "ottica-image.h"
#include "ottica-pipeline.h"
#include "ottica-sidecar.h"
#include "ottica-window.h"

/* Longest side of the preview proxy: enough for a 4K screen. */
#define PREVIEW_MAX_SIZE 2560

struct _OtticaWindow
{
  AdwApplicationWindow  parent_instance;

  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkPicture           *picture;
  GtkSpinner           *spinner;

  GCancellable         *load_cancellable;
};

G_DEFINE_FINAL_TYPE (OtticaWindow, ottica_window, ADW_TYPE_APPLICATION_WINDOW)

typedef struct
{
  char       *path;
  GdkTexture *texture;
  char       *warning;   /* a broken sidecar: the photo still opens */
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_clear_object (&job->texture);
  g_free (job->warning);
  g_free (job);
}

static GdkTexture *
render_texture (GeglNode *output)
{
  GeglRectangle extent = gegl_node_get_bounding_box (output);
  gsize stride = (gsize) extent.width * 4;
  g_autofree guint8 *pixels = g_malloc (stride * extent.height);
  g_autoptr(GBytes) bytes = NULL;

  gegl_node_blit (output, 1.0, &extent,
                  babl_format_with_space ("R'G'B'A u8", babl_space ("sRGB")),
                  pixels, (int) stride, GEGL_BLIT_DEFAULT);
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), stride * extent.height);
  return gdk_memory_texture_new (extent.width, extent.height,
                                 GDK_MEMORY_R8G8B8A8, bytes, stride);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  OtticaLoadOptions options = { .max_size = PREVIEW_MAX_SIZE };
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(OtticaEdit) edit = NULL;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;

  image = ottica_image_load (job->path, &options, cancellable, &error);
  if (image == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  edit = ottica_sidecar_load (job->path, &error);
  if (error != NULL)
    job->warning = g_strdup (error->message);
  if (edit == NULL)
    edit = ottica_edit_new ();

  pipeline = ottica_pipeline_new (image->buffer, image->scale);
  ottica_pipeline_set_edit (pipeline, edit);
  if (g_task_return_error_if_cancelled (task))
    return;

  job->texture = render_texture (ottica_pipeline_get_output (pipeline));
  g_task_return_boolean (task, TRUE);
}

static void
ottica_window_show_toast (OtticaWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OtticaWindow *self = OTTICA_WINDOW (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_spinner_stop (self->spinner);
      ottica_window_show_toast (self, error->message);
      return;
    }

  gtk_spinner_stop (self->spinner);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (job->texture));
  gtk_stack_set_visible_child_name (self->stack, "photo");
  if (job->warning != NULL)
    ottica_window_show_toast (self, job->warning);
}

void
ottica_window_open_file (OtticaWindow *self,
                         GFile        *file)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  LoadJob *job;

  g_return_if_fail (OTTICA_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  display = g_file_get_parse_name (file);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a local file; Ottica opens files on this computer."), display);

      ottica_window_show_toast (self, message);
      return;
    }

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  {
    g_autofree char *basename = g_path_get_basename (path);
    g_autofree char *dirname = g_path_get_dirname (path);

    adw_window_title_set_title (self->window_title, basename);
    adw_window_title_set_subtitle (self->window_title, dirname);
  }

  job = g_new0 (LoadJob, 1);
  job->path = g_steal_pointer (&path);
  task = g_task_new (self, self->load_cancellable, load_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  gtk_spinner_start (self->spinner);
  g_task_run_in_thread (task, load_thread);
}

static void
open_response (GtkNativeDialog *dialog,
               int              response,
               gpointer         user_data)
{
  OtticaWindow *self = OTTICA_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        ottica_window_open_file (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/tiff");
  gtk_file_filter_add_mime_type (filter, "image/x-dcraw");
  for (const char *const *ext = (const char *const[]) { "*.cr2", "*.cr3", "*.crw", "*.nef", "*.nrw", "*.arw", "*.raf", "*.dng", "*.orf", "*.rw2", "*.pef", "*.kdc", "*.srw", "*.raw", NULL }; *ext; ext++)
    {
      g_autofree char *upper = g_ascii_strup (*ext, -1);

      gtk_file_filter_add_pattern (filter, *ext);
      gtk_file_filter_add_pattern (filter, upper);
    }

  dialog = gtk_file_chooser_native_new (_("Open Photo"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
ottica_window_dispose (GObject *object)
{
  OtticaWindow *self = OTTICA_WINDOW (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OTTICA_TYPE_WINDOW);

  G_OBJECT_CLASS (ottica_window_parent_class)->dispose (object);
}

static void
ottica_window_class_init (OtticaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ottica_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/ottica/Ottica/ottica-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, picture);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, spinner);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_activated);
}

static void
ottica_window_init (OtticaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

OtticaWindow *
ottica_window_new (OtticaApplication *application)
{
  return g_object_new (OTTICA_TYPE_WINDOW, "application", application, NULL);
}
