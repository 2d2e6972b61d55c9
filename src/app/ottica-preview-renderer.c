/* ottica-preview-renderer.c: the editor's renders, off the main thread.
 *
 * Three pipelines per photo, each used by one worker at a time: the proxy
 * (fits the view), a draft (half the proxy's size, for slow edits while a
 * slider moves) and, once loaded, the full resolution (for 100 % views).
 * Renders of the edit run one at a time; a change while one runs marks the
 * edit pending, and the newest edit is rendered when it finishes. The
 * proxy is rendered in strips so a stale render stops between two.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "ottica-engine.h"
#include "ottica-image.h"
#include "ottica-look-library.h"
#include "ottica-pipeline.h"
#include "ottica-preview-renderer.h"
#include "ottica-sidecar.h"

#define DEFAULT_PROXY_SIZE 1600
/* Proxies whose longer side is at most this render fast enough whole. */
#define DRAFT_MIN_PROXY    900
/* A draft is worth rendering first when the last proxy render took longer
 * than this. */
#define DRAFT_THRESHOLD_MS 40.0
#define STRIP_ROWS         256
/* Longest side of the copy the look thumbnails are rendered from (twice
 * the thumbnails' size, for HiDPI screens). */
#define THUMB_SOURCE_SIZE  240

struct _OtticaPreviewRenderer
{
  GObject         parent_instance;

  guint           proxy_size;
  char           *display_profile;
  GCancellable   *load_cancellable;
  GCancellable   *cancellable;        /* the renderer's life */
  GMainContext   *context;

  /* the open photo */
  guint           photo_serial;
  char           *path;
  const Babl     *space;
  OtticaPipeline *pipeline;
  OtticaPipeline *draft;
  double          proxy_scale;
  int             full_width;
  int             full_height;
  OtticaEdit     *saved_edit;
  GeglBuffer     *thumb_source;
  double          thumb_scale;
  gboolean        raw_baseline;
  double          baseline_exposure;
  char           *warning;
  double          last_render_ms;
  gboolean        upgrading;          /* a RAW shown by its embedded preview, being decoded */

  /* the edit's render */
  OtticaEdit     *edit;
  OtticaEdit     *original_geometry; /* what "original" was rendered with */
  gint            edit_serial;        /* read by workers: a newer edit makes theirs stale */
  guint           shown_serial;       /* the edit serial the texture shows */
  gboolean        loading;
  gboolean        in_flight;
  gboolean        pending;
  GdkTexture     *texture;
  GdkTexture     *original;
  gboolean        texture_is_draft;
  OtticaHistogramData histogram;

  /* the full resolution */
  OtticaPipeline *full;
  gboolean        full_loading;
  double          region_zoom;
  GeglRectangle   region_wanted;
  gboolean        region_in_flight;
  gboolean        region_pending;
  GdkTexture     *region;
  GeglRectangle   region_area;
  double          region_texture_zoom;
  guint           region_edit_serial;
};

G_DEFINE_FINAL_TYPE (OtticaPreviewRenderer, ottica_preview_renderer, G_TYPE_OBJECT)

enum { OPENED, OPEN_FAILED, RENDERED, REGION_RENDERED, SOURCE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void request_render (OtticaPreviewRenderer *self);
static void request_region (OtticaPreviewRenderer *self);

/* Pixels */

static const Babl *
display_format (const Babl *space)
{
  /* three bytes, as GDK_MEMORY_R8G8B8: an untouched 8-bit photo then needs
   * no conversion at all, where "R'G'B'A u8" would make babl build a
   * 64 MB lookup table (0.3-0.5 s) on the first render */
  return babl_format_with_space ("R'G'B' u8", space);
}

static GdkTexture *
texture_from_pixels (guint8 *pixels, int width, int height, gsize stride)
{
  g_autoptr(GBytes) bytes = g_bytes_new_take (pixels, stride * height);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, stride);
}

typedef gboolean (*StaleFunc) (gpointer data);

/* Renders @rect of @output at @scale in strips; NULL when @stale says the
 * render is no longer wanted. */
static GdkTexture *
render_rect (GeglNode            *output,
             double               scale,
             const GeglRectangle *rect,
             const Babl          *space,
             OtticaHistogramData *histogram,
             StaleFunc            stale,
             gpointer             data)
{
  gsize stride = (gsize) rect->width * 3;
  guint8 *pixels = g_malloc (stride * rect->height);
  const Babl *format = display_format (space);

  for (int y = 0; y < rect->height; y += STRIP_ROWS)
    {
      GeglRectangle strip = { rect->x, rect->y + y, rect->width, MIN (STRIP_ROWS, rect->height - y) };

      if (stale != NULL && stale (data))
        {
          g_free (pixels);
          return NULL;
        }
      gegl_node_blit (output, scale, &strip, format, pixels + (gsize) y * stride,
                      (int) stride, GEGL_BLIT_DEFAULT);
    }
  if (histogram != NULL)
    ottica_histogram_data_compute (histogram, pixels, rect->width, rect->height, stride, 3);
  return texture_from_pixels (pixels, rect->width, rect->height, stride);
}

static GdkTexture *
render_whole (OtticaPipeline      *pipeline,
              const Babl          *space,
              OtticaHistogramData *histogram,
              StaleFunc            stale,
              gpointer             data)
{
  GeglNode *output = ottica_pipeline_get_output (pipeline);
  GeglRectangle extent = gegl_node_get_bounding_box (output);

  return render_rect (output, 1.0, &extent, space, histogram, stale, data);
}

/* A copy of @source whose longer side is at most @size, in its own format
 * (GEGL's box-filtered read: cheap and without aliasing). */
static GeglBuffer *
make_small_copy (GeglBuffer *source, guint size, double *factor)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  const Babl *format = gegl_buffer_get_format (source);
  double f = MIN (1.0, (double) size / MAX (extent->width, extent->height));
  GeglRectangle rect = { 0, 0, MAX (1, (int) (extent->width * f)), MAX (1, (int) (extent->height * f)) };
  int bpp = babl_format_get_bytes_per_pixel (format);
  g_autofree guint8 *pixels = g_malloc ((gsize) rect.width * rect.height * bpp);
  GeglBuffer *small = gegl_buffer_new (&rect, format);

  gegl_buffer_get (source, &rect, f, format, pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  gegl_buffer_set (small, &rect, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  *factor = (double) rect.width / extent->width;
  return small;
}

/* The "before" of @edit: nothing changed but its geometry, so before and
 * after show the same framing. */
static OtticaEdit *
geometry_of (const OtticaEdit *edit)
{
  OtticaEdit *before = ottica_edit_new ();

  before->rotation = edit->rotation;
  before->flip_horizontal = edit->flip_horizontal;
  before->flip_vertical = edit->flip_vertical;
  before->straighten = edit->straighten;
  before->crop_x = edit->crop_x;
  before->crop_y = edit->crop_y;
  before->crop_width = edit->crop_width;
  before->crop_height = edit->crop_height;
  return before;
}

void
ottica_preview_renderer_warm_up (void)
{
  static const char *const formats[] = { "R'G'B' u8", "RGB u16" };
  static const char *const spaces[] = { "sRGB", "ProPhoto", "Rec2020" };
  const Babl *working = ottica_engine_working_format ();
  GeglRectangle rect = { 0, 0, 64, 48 };
  g_autoptr(GeglBuffer) buffer = NULL;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  GPtrArray *looks;

  ottica_engine_warm_up ();
  /* the decoders' formats (a RAW is "RGB u16" in ProPhoto) to the working
   * space, and the working space to the display */
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (spaces); j++)
      babl_fish (babl_format_with_space (formats[i], babl_space (spaces[j])), working);
  babl_fish (working, display_format (babl_space ("sRGB")));

  /* GEGL sets each operation class up on its first use */
  buffer = gegl_buffer_new (&rect, babl_format_with_space ("R'G'B' u8", babl_space ("sRGB")));
  pipeline = ottica_pipeline_new (buffer, 1.0);
  looks = ottica_look_library_list (NULL);
  edit->exposure = 0.5;
  edit->sharpening = 10;
  edit->straighten = 1;
  for (guint i = 0; looks != NULL && i < looks->len; i++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      ottica_edit_set_look (edit, ottica_look_get_id (g_ptr_array_index (looks, i)));
      ottica_pipeline_set_edit (pipeline, edit);
      texture = render_whole (pipeline, babl_space ("sRGB"), NULL, NULL, NULL);
    }
}

/* Opening */

typedef struct
{
  char           *path;
  guint           proxy_size;
  gboolean        quick;              /* a RAW's embedded preview will do at first */
  gboolean        proxy_only;         /* no render: the pipelines are all that is wanted */
  gboolean        embedded_preview;
  char           *display_profile;
  const Babl     *space;
  OtticaPipeline *pipeline;
  OtticaPipeline *draft;
  double          proxy_scale;
  OtticaEdit     *edit;
  GdkTexture     *texture;
  GdkTexture     *original;
  OtticaHistogramData histogram;
  int             full_width;
  int             full_height;
  GeglBuffer     *thumb_source;
  double          thumb_scale;
  gboolean        raw_baseline;
  double          baseline_exposure;
  char           *warning;
  double          render_ms;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_free (job->display_profile);
  g_clear_object (&job->pipeline);
  g_clear_object (&job->draft);
  g_clear_pointer (&job->edit, ottica_edit_free);
  g_clear_object (&job->texture);
  g_clear_object (&job->original);
  g_clear_object (&job->thumb_source);
  g_free (job->warning);
  g_free (job);
}

static const Babl *
load_display_space (const char *profile, char **warning)
{
  g_autofree char *icc = NULL;
  gsize length = 0;
  const char *babl_error = NULL;
  const Babl *space = NULL;

  if (profile == NULL || profile[0] == '\0')
    return babl_space ("sRGB");
  if (g_file_get_contents (profile, &icc, &length, NULL))
    space = babl_space_from_icc (icc, (int) length, BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, &babl_error);
  if (space == NULL)
    {
      g_autofree char *name = g_filename_display_basename (profile);

      *warning = g_strdup_printf (_("The display profile “%s” cannot be used, so the preview is shown in sRGB."), name);
      return babl_space ("sRGB");
    }
  return space;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  OtticaLoadOptions options = { .max_size = job->proxy_size };
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(OtticaEdit) neutral = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GeglBuffer) proxy = NULL;
  const GeglRectangle *extent;
  double factor = 1.0;
  gint64 start;

  options.allow_embedded_preview = job->quick;
  image = ottica_image_load (job->path, &options, cancellable, &error);
  if (image == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->embedded_preview = image->embedded_preview;

  job->space = load_display_space (job->display_profile, &job->warning);
  job->edit = ottica_sidecar_load (job->path, &error);
  if (error != NULL)
    {
      g_free (job->warning);
      job->warning = g_strdup (error->message);
    }
  if (job->edit == NULL)
    job->edit = ottica_edit_new ();
  /* a damaged embedded profile and the like: the photo opened anyway */
  if (job->warning == NULL && image->warning != NULL)
    job->warning = g_strdup (image->warning);

  /* every change renders the proxy: no larger than asked */
  extent = gegl_buffer_get_extent (image->buffer);
  if ((guint) MAX (extent->width, extent->height) > job->proxy_size)
    proxy = make_small_copy (image->buffer, job->proxy_size, &factor);
  else
    proxy = g_object_ref (image->buffer);
  job->proxy_scale = image->scale * factor;
  job->raw_baseline = ottica_image_is_scene_linear (image);
  job->baseline_exposure = job->raw_baseline ? ottica_pipeline_raw_baseline_exposure (image->path) : 0.0;
  job->pipeline = ottica_pipeline_new (proxy, job->proxy_scale);
  ottica_pipeline_set_raw_baseline (job->pipeline, job->raw_baseline, job->baseline_exposure);

  extent = gegl_buffer_get_extent (proxy);
  if (MAX (extent->width, extent->height) > DRAFT_MIN_PROXY)
    {
      double draft_factor = 1.0;
      g_autoptr(GeglBuffer) small = make_small_copy (proxy, MAX (extent->width, extent->height) / 2, &draft_factor);

      job->draft = ottica_pipeline_new (small, job->proxy_scale * draft_factor);
      ottica_pipeline_set_raw_baseline (job->draft, job->raw_baseline, job->baseline_exposure);
    }
  job->thumb_source = make_small_copy (proxy, THUMB_SOURCE_SIZE, &job->thumb_scale);
  job->thumb_scale *= job->proxy_scale;
  job->full_width = image->full_width;
  job->full_height = image->full_height;
  if (g_task_return_error_if_cancelled (task))
    return;
  if (job->proxy_only)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  start = g_get_monotonic_time ();
  ottica_pipeline_set_edit (job->pipeline, job->edit);
  job->texture = render_whole (job->pipeline, job->space, &job->histogram, NULL, NULL);
  job->render_ms = (g_get_monotonic_time () - start) / 1000.0;
  /* "before" is the same proxy with every edit node passthrough; for an
   * edited photo it is rendered after the first preview is shown */
  neutral = geometry_of (job->edit);
  if (ottica_edit_equal (neutral, job->edit))
    job->original = g_object_ref (job->texture);
  g_task_return_boolean (task, TRUE);
}

/* A RAW opened by its embedded preview: the proxy from the RAW itself
 * (half-size decode), which the edit is then rendered on. */

static void load_full (OtticaPreviewRenderer *self);

static void
upgrade_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  LoadJob *job = task_data;

  job->quick = FALSE;
  job->proxy_only = TRUE;
  load_thread (task, source_object, task_data, cancellable);
}

static void
upgrade_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  guint photo_serial = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* the embedded preview stays what is shown */
      self->upgrading = FALSE;
      g_signal_emit (self, signals[OPEN_FAILED], 0, error);
      return;
    }
  if (photo_serial != self->photo_serial)
    return;
  self->upgrading = FALSE;
  g_set_object (&self->pipeline, job->pipeline);
  g_set_object (&self->draft, job->draft);
  self->proxy_scale = job->proxy_scale;
  g_set_object (&self->thumb_source, job->thumb_source);
  self->thumb_scale = job->thumb_scale;
  self->raw_baseline = job->raw_baseline;
  self->baseline_exposure = job->baseline_exposure;
  g_signal_emit (self, signals[SOURCE_CHANGED], 0);
  /* the edit as it is now, on the RAW's own pixels, and its "before" */
  g_clear_pointer (&self->original_geometry, ottica_edit_free);
  g_atomic_int_inc (&self->edit_serial);
  request_render (self);
  load_full (self);
}

static void
upgrade (OtticaPreviewRenderer *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job = g_new0 (LoadJob, 1);

  job->path = g_strdup (self->path);
  job->proxy_size = self->proxy_size;
  self->upgrading = TRUE;
  task = g_task_new (self, self->load_cancellable, upgrade_done, GUINT_TO_POINTER (self->photo_serial));
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, upgrade_thread);
}

/* The full resolution, for 100 % */

typedef struct
{
  char           *path;
  guint           photo_serial;
  OtticaPipeline *pipeline;
} FullJob;

static void
full_job_free (FullJob *job)
{
  g_free (job->path);
  g_clear_object (&job->pipeline);
  g_free (job);
}

static void
full_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  FullJob *job = task_data;
  g_autoptr(OtticaImage) image = NULL;
  GError *error = NULL;

  image = ottica_image_load (job->path, NULL, cancellable, &error);
  if (image == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->pipeline = ottica_pipeline_new_for_image (image);
  g_task_return_boolean (task, TRUE);
}

static void
full_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (source);
  FullJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* the proxy stays what 100 % shows; the photo opened, so this is rare */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->full_loading = FALSE;
          g_warning ("%s", error->message);
        }
      return;
    }
  if (job->photo_serial != self->photo_serial)
    return;
  self->full_loading = FALSE;
  g_set_object (&self->full, job->pipeline);
  request_region (self);
}

static void
load_full (OtticaPreviewRenderer *self)
{
  g_autoptr(GTask) task = NULL;
  FullJob *job;

  if (self->full != NULL || self->full_loading || self->upgrading || self->path == NULL || self->proxy_scale >= 1.0)
    return;
  job = g_new0 (FullJob, 1);
  job->path = g_strdup (self->path);
  job->photo_serial = self->photo_serial;
  self->full_loading = TRUE;
  task = g_task_new (self, self->load_cancellable, full_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) full_job_free);
  g_task_run_in_thread (task, full_thread);
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->loading = FALSE;
      g_signal_emit (self, signals[OPEN_FAILED], 0, error);
      return;
    }

  self->loading = FALSE;
  self->photo_serial++;
  g_free (self->path);
  self->path = g_strdup (job->path);
  self->space = job->space;
  g_set_object (&self->pipeline, job->pipeline);
  g_set_object (&self->draft, job->draft);
  g_clear_object (&self->full);
  self->full_loading = FALSE;
  self->proxy_scale = job->proxy_scale;
  self->full_width = job->full_width;
  self->full_height = job->full_height;
  g_clear_pointer (&self->saved_edit, ottica_edit_free);
  self->saved_edit = ottica_edit_copy (job->edit);
  g_clear_pointer (&self->edit, ottica_edit_free);
  self->edit = ottica_edit_copy (job->edit);
  g_clear_pointer (&self->original_geometry, ottica_edit_free);
  self->original_geometry = geometry_of (job->edit);
  g_set_object (&self->thumb_source, job->thumb_source);
  self->thumb_scale = job->thumb_scale;
  self->raw_baseline = job->raw_baseline;
  self->baseline_exposure = job->baseline_exposure;
  g_free (self->warning);
  self->warning = g_strdup (job->warning);
  self->last_render_ms = job->render_ms;
  g_atomic_int_inc (&self->edit_serial);
  self->shown_serial = (guint) g_atomic_int_get (&self->edit_serial);
  self->pending = FALSE;
  g_set_object (&self->texture, job->texture);
  g_set_object (&self->original, job->original);
  self->texture_is_draft = FALSE;
  self->histogram = job->histogram;
  g_clear_object (&self->region);
  self->region_zoom = 0;
  if (self->original == NULL)
    {
      /* the "before" comes next */
      g_clear_pointer (&self->original_geometry, ottica_edit_free);
      request_render (self);
    }

  self->upgrading = FALSE;
  g_signal_emit (self, signals[OPENED], 0);
  if (job->embedded_preview)
    upgrade (self);
  else
    load_full (self);
}

void
ottica_preview_renderer_open (OtticaPreviewRenderer *self,
                              const char            *path)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (OTTICA_IS_PREVIEW_RENDERER (self));
  g_return_if_fail (path != NULL);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (path);
  job->proxy_size = self->proxy_size;
  job->quick = TRUE;
  job->display_profile = g_strdup (self->display_profile);
  self->loading = TRUE;
  task = g_task_new (self, self->load_cancellable, load_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);
}

/* Rendering the edit */

typedef struct
{
  OtticaPreviewRenderer *self;   /* the task's source object holds it */
  OtticaPipeline *pipeline;
  OtticaPipeline *draft;
  OtticaEdit     *edit;
  OtticaEdit     *before;        /* set when the "before" must be rendered again */
  const Babl     *space;
  guint           photo_serial;
  guint           edit_serial;
  gboolean        want_draft;
  gboolean        before_only;    /* the edit's texture is up to date */
  GdkTexture     *texture;
  GdkTexture     *original;
  OtticaHistogramData histogram;
  double          render_ms;
} RenderJob;

typedef struct
{
  OtticaPreviewRenderer *self;
  guint       photo_serial;
  guint       edit_serial;
  GdkTexture *texture;
  OtticaHistogramData histogram;
} DraftDone;

static void
render_job_free (RenderJob *job)
{
  g_clear_object (&job->pipeline);
  g_clear_object (&job->draft);
  g_clear_pointer (&job->edit, ottica_edit_free);
  g_clear_pointer (&job->before, ottica_edit_free);
  g_clear_object (&job->texture);
  g_clear_object (&job->original);
  g_free (job);
}

static gboolean
job_is_stale (gpointer data)
{
  RenderJob *job = data;

  return (guint) g_atomic_int_get (&job->self->edit_serial) != job->edit_serial;
}

static gboolean
draft_done (gpointer data)
{
  DraftDone *done = data;
  OtticaPreviewRenderer *self = done->self;

  /* not when the proxy came first, or the photo changed */
  if (done->photo_serial == self->photo_serial && (gint) (done->edit_serial - self->shown_serial) > 0)
    {
      self->shown_serial = done->edit_serial;
      g_set_object (&self->texture, done->texture);
      self->texture_is_draft = TRUE;
      self->histogram = done->histogram;
      g_signal_emit (self, signals[RENDERED], 0);
    }
  g_object_unref (done->texture);
  g_object_unref (done->self);
  g_free (done);
  return G_SOURCE_REMOVE;
}

static void
render_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  RenderJob *job = task_data;
  gint64 start;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (job->want_draft && job->draft != NULL && !job->before_only)
    {
      DraftDone *done = g_new0 (DraftDone, 1);

      ottica_pipeline_set_edit (job->draft, job->edit);
      done->texture = render_whole (job->draft, job->space, &done->histogram, NULL, NULL);
      done->self = g_object_ref (job->self);
      done->photo_serial = job->photo_serial;
      done->edit_serial = job->edit_serial;
      g_main_context_invoke (g_task_get_context (task), draft_done, done);
    }
  start = g_get_monotonic_time ();
  if (job->before != NULL && !job_is_stale (job))
    {
      ottica_pipeline_set_edit (job->pipeline, job->before);
      job->original = render_whole (job->pipeline, job->space, NULL, job_is_stale, job);
    }
  if (!job_is_stale (job) && !job->before_only)
    {
      ottica_pipeline_set_edit (job->pipeline, job->edit);
      job->texture = render_whole (job->pipeline, job->space, &job->histogram, job_is_stale, job);
    }
  job->render_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_task_return_boolean (task, TRUE);
}

static void
render_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (source);
  RenderJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;   /* cancelled: the renderer is going */

  self->in_flight = FALSE;
  if (job->photo_serial == self->photo_serial)
    {
      if (job->original != NULL)
        {
          g_set_object (&self->original, job->original);
          g_clear_pointer (&self->original_geometry, ottica_edit_free);
          self->original_geometry = ottica_edit_copy (job->before);
        }
      if (job->texture != NULL)
        {
          self->last_render_ms = job->render_ms;
          self->shown_serial = job->edit_serial;
          g_set_object (&self->texture, job->texture);
          self->texture_is_draft = FALSE;
          self->histogram = job->histogram;
        }
    }
  if (self->pending)
    {
      self->pending = FALSE;
      request_render (self);
    }
  if (job->photo_serial == self->photo_serial && (job->texture != NULL || job->original != NULL))
    g_signal_emit (self, signals[RENDERED], 0);
  request_region (self);
}

static void
request_render (OtticaPreviewRenderer *self)
{
  g_autoptr(GTask) task = NULL;
  RenderJob *job;

  if (self->pipeline == NULL || self->edit == NULL)
    return;
  if (self->in_flight)
    {
      self->pending = TRUE;
      return;
    }

  job = g_new0 (RenderJob, 1);
  job->self = self;
  job->pipeline = g_object_ref (self->pipeline);
  job->draft = self->draft != NULL ? g_object_ref (self->draft) : NULL;
  job->edit = ottica_edit_copy (self->edit);
  job->before = geometry_of (self->edit);
  if (self->original_geometry != NULL && ottica_edit_equal (job->before, self->original_geometry))
    g_clear_pointer (&job->before, ottica_edit_free);
  job->space = self->space;
  job->photo_serial = self->photo_serial;
  job->edit_serial = (guint) g_atomic_int_get (&self->edit_serial);
  job->before_only = job->before != NULL && self->texture != NULL && !self->texture_is_draft &&
                     self->shown_serial == job->edit_serial;
  job->want_draft = self->last_render_ms > DRAFT_THRESHOLD_MS || job->before != NULL;
  self->in_flight = TRUE;
  task = g_task_new (self, self->cancellable, render_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) render_job_free);
  g_task_run_in_thread (task, render_thread);
}

void
ottica_preview_renderer_set_edit (OtticaPreviewRenderer *self,
                                  const OtticaEdit      *edit)
{
  g_return_if_fail (OTTICA_IS_PREVIEW_RENDERER (self));
  g_return_if_fail (edit != NULL);

  if (self->pipeline == NULL)
    return;
  g_clear_pointer (&self->edit, ottica_edit_free);
  self->edit = ottica_edit_copy (edit);
  g_atomic_int_inc (&self->edit_serial);
  /* the sharp region showed the previous edit */
  g_clear_object (&self->region);
  request_render (self);
}

/* The sharp region */

typedef struct
{
  OtticaPipeline *pipeline;
  OtticaEdit     *edit;
  const Babl     *space;
  double          zoom;
  GeglRectangle   rect;
  guint           photo_serial;
  guint           edit_serial;
  GdkTexture     *texture;
} RegionJob;

static void
region_job_free (RegionJob *job)
{
  g_clear_object (&job->pipeline);
  g_clear_pointer (&job->edit, ottica_edit_free);
  g_clear_object (&job->texture);
  g_free (job);
}

static void
region_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  RegionJob *job = task_data;

  if (g_task_return_error_if_cancelled (task))
    return;
  ottica_pipeline_set_edit (job->pipeline, job->edit);
  job->texture = render_rect (ottica_pipeline_get_output (job->pipeline), job->zoom, &job->rect,
                              job->space, NULL, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
region_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (source);
  RegionJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;
  self->region_in_flight = FALSE;
  if (job->photo_serial == self->photo_serial &&
      job->edit_serial == (guint) g_atomic_int_get (&self->edit_serial) &&
      job->zoom == self->region_zoom)
    {
      g_set_object (&self->region, job->texture);
      self->region_area = job->rect;
      self->region_texture_zoom = job->zoom;
      self->region_edit_serial = job->edit_serial;
      g_signal_emit (self, signals[REGION_RENDERED], 0);
    }
  if (self->region_pending)
    {
      self->region_pending = FALSE;
      request_region (self);
    }
}

static gboolean
region_is_current (OtticaPreviewRenderer *self)
{
  return self->region != NULL &&
         self->region_texture_zoom == self->region_zoom &&
         self->region_edit_serial == (guint) g_atomic_int_get (&self->edit_serial) &&
         gegl_rectangle_contains (&self->region_area, &self->region_wanted);
}

static void
request_region (OtticaPreviewRenderer *self)
{
  g_autoptr(GTask) task = NULL;
  RegionJob *job;

  if (self->region_zoom <= 0 || self->full == NULL || self->edit == NULL ||
      gegl_rectangle_is_empty (&self->region_wanted) || region_is_current (self))
    return;
  /* the edit's own render first: it is what a slider shows */
  if (self->in_flight || self->pending)
    return;
  if (self->region_in_flight)
    {
      self->region_pending = TRUE;
      return;
    }
  job = g_new0 (RegionJob, 1);
  job->pipeline = g_object_ref (self->full);
  job->edit = ottica_edit_copy (self->edit);
  job->space = self->space;
  job->zoom = self->region_zoom;
  job->rect = self->region_wanted;
  job->photo_serial = self->photo_serial;
  job->edit_serial = (guint) g_atomic_int_get (&self->edit_serial);
  self->region_in_flight = TRUE;
  task = g_task_new (self, self->cancellable, region_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) region_job_free);
  g_task_run_in_thread (task, region_thread);
}

void
ottica_preview_renderer_set_region (OtticaPreviewRenderer *self,
                                    double                 zoom,
                                    const GeglRectangle   *visible)
{
  g_return_if_fail (OTTICA_IS_PREVIEW_RENDERER (self));

  if (visible == NULL || zoom <= self->proxy_scale * 1.01 || self->pipeline == NULL)
    {
      self->region_zoom = 0;
      g_clear_object (&self->region);
      return;
    }
  if (zoom != self->region_zoom)
    g_clear_object (&self->region);
  self->region_zoom = zoom;
  self->region_wanted = *visible;
  load_full (self);
  request_region (self);
}

GdkTexture *
ottica_preview_renderer_get_region (OtticaPreviewRenderer *self,
                                    GeglRectangle         *area)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);

  if (self->region == NULL || self->region_zoom <= 0 ||
      self->region_texture_zoom != self->region_zoom ||
      self->region_edit_serial != (guint) g_atomic_int_get (&self->edit_serial))
    return NULL;
  if (area != NULL)
    *area = self->region_area;
  return self->region;
}

/* The object */

static void
ottica_preview_renderer_dispose (GObject *object)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (object);

  g_cancellable_cancel (self->load_cancellable);
  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (ottica_preview_renderer_parent_class)->dispose (object);
}

static void
ottica_preview_renderer_finalize (GObject *object)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (object);

  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->cancellable);
  g_main_context_unref (self->context);
  g_free (self->display_profile);
  g_free (self->path);
  g_clear_object (&self->pipeline);
  g_clear_object (&self->draft);
  g_clear_object (&self->full);
  g_clear_pointer (&self->saved_edit, ottica_edit_free);
  g_clear_pointer (&self->edit, ottica_edit_free);
  g_clear_pointer (&self->original_geometry, ottica_edit_free);
  g_clear_object (&self->thumb_source);
  g_free (self->warning);
  g_clear_object (&self->texture);
  g_clear_object (&self->original);
  g_clear_object (&self->region);
  G_OBJECT_CLASS (ottica_preview_renderer_parent_class)->finalize (object);
}

static void
ottica_preview_renderer_class_init (OtticaPreviewRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ottica_preview_renderer_dispose;
  object_class->finalize = ottica_preview_renderer_finalize;

  signals[OPENED] = g_signal_new ("opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[OPEN_FAILED] = g_signal_new ("open-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[RENDERED] = g_signal_new ("rendered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SOURCE_CHANGED] = g_signal_new ("source-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[REGION_RENDERED] = g_signal_new ("region-rendered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ottica_preview_renderer_init (OtticaPreviewRenderer *self)
{
  self->proxy_size = DEFAULT_PROXY_SIZE;
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
  self->space = babl_space ("sRGB");
}

OtticaPreviewRenderer *
ottica_preview_renderer_new (void)
{
  return g_object_new (OTTICA_TYPE_PREVIEW_RENDERER, NULL);
}

void
ottica_preview_renderer_set_proxy_size (OtticaPreviewRenderer *self,
                                        guint                  size)
{
  g_return_if_fail (OTTICA_IS_PREVIEW_RENDERER (self));
  self->proxy_size = MAX (size, 64u);
}

void
ottica_preview_renderer_set_display_profile (OtticaPreviewRenderer *self,
                                             const char            *path)
{
  g_return_if_fail (OTTICA_IS_PREVIEW_RENDERER (self));
  g_free (self->display_profile);
  self->display_profile = g_strdup (path);
}

const char *
ottica_preview_renderer_get_path (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return self->path;
}

const OtticaEdit *
ottica_preview_renderer_get_saved_edit (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return self->saved_edit;
}

void
ottica_preview_renderer_get_full_size (OtticaPreviewRenderer *self,
                                       int                   *width,
                                       int                   *height)
{
  g_return_if_fail (OTTICA_IS_PREVIEW_RENDERER (self));
  *width = self->full_width;
  *height = self->full_height;
}

double
ottica_preview_renderer_get_proxy_scale (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), 1.0);
  return self->proxy_scale;
}

GeglBuffer *
ottica_preview_renderer_get_thumb_source (OtticaPreviewRenderer *self,
                                          double                *scale,
                                          gboolean              *raw_baseline,
                                          double                *baseline_exposure)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  *scale = self->thumb_scale;
  *raw_baseline = self->raw_baseline;
  *baseline_exposure = self->baseline_exposure;
  return self->thumb_source;
}

const char *
ottica_preview_renderer_get_warning (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return self->warning;
}

GdkTexture *
ottica_preview_renderer_get_texture (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return self->texture;
}

GdkTexture *
ottica_preview_renderer_get_original (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return self->original;
}

const OtticaHistogramData *
ottica_preview_renderer_get_histogram (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return &self->histogram;
}

gboolean
ottica_preview_renderer_is_draft (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), FALSE);
  return self->texture_is_draft;
}

gboolean
ottica_preview_renderer_is_busy (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), FALSE);
  return self->loading || self->upgrading || self->in_flight || self->pending;
}

gboolean
ottica_preview_renderer_has_full_resolution (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), FALSE);
  return self->full != NULL;
}
