/* ottica-preview-renderer.c: the editor's renders, off the main thread.
 *
 * Pipelines per photo, each used by one worker at a time: the proxy (fits
 * the view), drafts (the proxy scaled once more, to 1/2, 1/3 and 1/4 of
 * its size, each fed to its own graph at level 0, for slow edits while a
 * slider moves) and, once 100 % is asked for, the full resolution.
 *
 * Renders of the edit run one at a time, as jobs of two kinds: a draft
 * (shown at once) and the proxy (in strips, so a stale render stops
 * between two). A change while one runs marks the edit pending, and the
 * newest edit is rendered when it finishes. While changes keep coming
 * faster than the proxy renders (a slider being dragged), only drafts are
 * rendered; the proxy follows once the changes pause. The draft's size is
 * chosen per change, the largest whose measured (or estimated) render
 * time fits DRAFT_BUDGET_MS: the looks' spatial ops work on a grid whose
 * cells shrink with the image, so their cost per pixel does not fall with
 * the size, and only fewer pixels make a heavy look fast.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>

#include "ottica-babl-guard.h"
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
/* The time a draft should take (wall clock), so that with the hand-over
 * to the main loop a change is on screen well within 50 ms. */
#define DRAFT_BUDGET_MS    22.0
/* A smaller draft is kept until the next larger one is expected to take
 * this share of the budget, so the draft does not flip between sizes. */
#define DRAFT_RAISE_SHARE  0.7
/* How long the changes of a drag must pause before the proxy is rendered. */
#define DRAG_SETTLE_MS     90
#define STRIP_ROWS         256
/* Longest side of the copy the look thumbnails are rendered from (twice
 * the thumbnails' size, for HiDPI screens). */
#define THUMB_SOURCE_SIZE  240

/* No draft's longer side is smaller than this: upscaled further, it
 * would show blocks rather than the photo. */
#define DRAFT_MIN_SIZE     320
/* The drafts, by the proxy's size divided by: */
static const int draft_divisors[] = { 2, 3, 4 };
#define N_DRAFTS G_N_ELEMENTS (draft_divisors)

/* The proxy's smaller copies, made by the render worker when first used
 * (a few ms each), shared by reference with the jobs using them. */
typedef struct
{
  GeglBuffer     *proxy;
  double          proxy_scale;
  gboolean        raw_baseline;
  double          baseline_exposure;
  OtticaPipeline *pipelines[N_DRAFTS];
} Drafts;

static void
drafts_clear (gpointer data)
{
  Drafts *drafts = data;

  g_clear_object (&drafts->proxy);
  for (guint i = 0; i < N_DRAFTS; i++)
    g_clear_object (&drafts->pipelines[i]);
}

static Drafts *
drafts_new (GeglBuffer *proxy, double proxy_scale, gboolean raw_baseline, double baseline_exposure)
{
  Drafts *drafts = g_atomic_rc_box_new0 (Drafts);

  drafts->proxy = g_object_ref (proxy);
  drafts->proxy_scale = proxy_scale;
  drafts->raw_baseline = raw_baseline;
  drafts->baseline_exposure = baseline_exposure;
  return drafts;
}

static void
drafts_unref (Drafts *drafts)
{
  g_atomic_rc_box_release_full (drafts, drafts_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Drafts, drafts_unref)

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
  Drafts         *drafts;             /* NULL: the proxy is small enough */
  double          proxy_scale;
  int             proxy_width;
  int             proxy_height;
  int             full_width;
  int             full_height;
  OtticaEdit     *saved_edit;
  GeglBuffer     *thumb_source;
  double          thumb_scale;
  gboolean        raw_baseline;
  double          baseline_exposure;
  char           *warning;
  double          last_render_ms;
  char           *last_render_look;   /* the look that proxy render had */
  gboolean        upgrading;          /* a RAW shown by its embedded preview, being decoded */

  /* the edit's render */
  OtticaEdit     *edit;
  OtticaEdit     *original_geometry; /* what "original" was rendered with */
  gint            edit_serial;        /* read by workers: a newer edit makes theirs stale */
  guint           shown_serial;       /* the edit serial the texture shows */
  OtticaEdit     *shown_edit;         /* and that edit */
  guint           draft_serial;       /* the last edit serial a draft was rendered for */
  gboolean        loading;
  gboolean        in_flight;
  gboolean        pending;
  gboolean        dragging;           /* changes come faster than the proxy renders */
  GSource        *settle_source;      /* the proxy's render, waiting for a drag to pause */
  GdkTexture     *texture;
  GdkTexture     *original;
  gboolean        texture_is_draft;
  OtticaHistogramData histogram;

  /* how long each draft took (ms, wall clock; < 0: not measured) with
   * the look it was measured with, and which draft was measured last */
  double          draft_ms[N_DRAFTS];
  char           *draft_look;
  int             last_draft;

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
static void stop_settling (OtticaPreviewRenderer *self);

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

/* Renders @rect of @output at @scale; with @stale, in strips, and NULL
 * when @stale says the render is no longer wanted. Without, in one piece:
 * each strip renders the spatial ops' margins again. */
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
  int rows = stale != NULL ? STRIP_ROWS : rect->height;

  ottica_engine_prime_render (output, scale, format);
  for (int y = 0; y < rect->height; y += rows)
    {
      GeglRectangle strip = { rect->x, rect->y + y, rect->width, MIN (rows, rect->height - y) };

      if (stale != NULL && stale (data))
        {
          g_free (pixels);
          return NULL;
        }
      /* a read a strip, so that a change waits one strip at most
       * (ottica-babl-guard.h) */
      ottica_babl_guard_read_begin ();
      gegl_node_blit (output, scale, &strip, format, pixels + (gsize) y * stride,
                      (int) stride, GEGL_BLIT_DEFAULT);
      ottica_babl_guard_read_end ();
    }
  if (histogram != NULL)
    ottica_histogram_data_compute (histogram, pixels, rect->width, rect->height, stride, 3);
  return texture_from_pixels (pixels, rect->width, rect->height, stride);
}

/* Setting an edit prepares operations, which look babl up: a read
 * (ottica-babl-guard.h); render_rect() takes its own. */
static void
set_edit_reading (OtticaPipeline *pipeline, const OtticaEdit *edit)
{
  ottica_babl_guard_read_begin ();
  ottica_pipeline_set_edit (pipeline, edit);
  ottica_babl_guard_read_end ();
}

static GdkTexture *
render_whole (OtticaPipeline      *pipeline,
              const Babl          *space,
              OtticaHistogramData *histogram,
              StaleFunc            stale,
              gpointer             data)
{
  GeglNode *output = ottica_pipeline_get_output (pipeline);
  GeglRectangle extent;

  ottica_babl_guard_read_begin ();
  extent = gegl_node_get_bounding_box (output);
  ottica_babl_guard_read_end ();
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

/* Draft @index, made on its first use by the render worker (the only
 * thread using @drafts at a time). */
static OtticaPipeline *
drafts_get (Drafts *drafts, guint index)
{
  if (drafts->pipelines[index] == NULL)
    {
      const GeglRectangle *extent = gegl_buffer_get_extent (drafts->proxy);
      guint size = MAX (extent->width, extent->height) / draft_divisors[index];
      double factor = 1.0;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GeglBuffer) small = make_small_copy (drafts->proxy, size, &factor);

      drafts->pipelines[index] = ottica_pipeline_new (small, drafts->proxy_scale * factor);
      ottica_pipeline_set_raw_baseline (drafts->pipelines[index], drafts->raw_baseline,
                                        drafts->baseline_exposure);
      g_debug ("draft at 1/%d of the proxy made in %.1f ms", draft_divisors[index],
               (g_get_monotonic_time () - start) / 1000.0);
    }
  return drafts->pipelines[index];
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

/* The warm-up's lookups add about a thousand babl fishes, crossing the
 * table's 1024-entry step: a babl change (ottica-babl-guard.h), which
 * renders and loads wait for. */

static void
warm_up_run (void)
{
  static const char *const pregrow_encodings[] = {
    "RGBA float", "RGB float", "RaGaBaA float", "R'G'B'A float", "R'G'B' float", "R'aG'aB'aA float",
    "RGBA u16", "RGB u16", "R'G'B'A u16", "R'G'B' u16", "RGBA u8", "RGB u8", "R'G'B'A u8", "R'G'B' u8",
    "RGBA half", "RGB half", "RGBA double", "RGB double", "R'G'B' double", "Y float", "YA float",
    "Y' float", "Y'A float", "Y u16", "Y' u16", "Y u8", "Y' u8", "YaA float", "Y'aA float", "RGBA u32",
  };
  static const char *const pregrow_spaces[] = { "Rec2020", "ProPhoto", "Adobish", "Apple", "ACEScg", "ACES2065-1" };
  static const char *const formats[] = { "R'G'B' u8", "RGB u16" };
  static const char *const spaces[] = { "sRGB", "ProPhoto", "Rec2020" };
  const Babl *working = ottica_engine_working_format ();
  GeglRectangle rect = { 0, 0, 64, 48 };
  g_autoptr(GeglBuffer) buffer = NULL;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  GPtrArray *looks;

  ottica_babl_guard_change_begin ();
  ottica_engine_warm_up ();
  /* the decoders' formats (a RAW is "RGB u16" in ProPhoto) to the working
   * space, and the working space to the display */
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (spaces); j++)
      babl_fish (babl_format_with_space (formats[i], babl_space (spaces[j])), working);
  babl_fish (working, display_format (babl_space ("sRGB")));
  /* babl's table of formats grows (and is freed under its readers) at
   * 512 entries; opening a photo puts it just under that (496). Making
   * the formats of the common spaces now takes it past that step while
   * nothing renders (a few ms: no conversion is looked up). */
  for (gsize i = 0; i < G_N_ELEMENTS (pregrow_encodings); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (pregrow_spaces); j++)
      babl_format_with_space (pregrow_encodings[i], babl_space (pregrow_spaces[j]));
  /* the new fishes and formats are made: renders may start beside the rest */
  ottica_babl_guard_change_end ();

  /* GEGL sets each operation class up on its first use. Reads, as
   * renders are (ottica-babl-guard.h). */
  ottica_babl_guard_read_begin ();
  buffer = gegl_buffer_new (&rect, babl_format_with_space ("R'G'B' u8", babl_space ("sRGB")));
  pipeline = ottica_pipeline_new (buffer, 1.0);
  ottica_babl_guard_read_end ();
  looks = ottica_look_library_list (NULL);
  edit->exposure = 0.5;
  edit->sharpening = 10;
  edit->straighten = 1;
  for (guint i = 0; looks != NULL && i < looks->len; i++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      ottica_edit_set_look (edit, ottica_look_get_id (g_ptr_array_index (looks, i)));
      set_edit_reading (pipeline, edit);
      texture = render_whole (pipeline, babl_space ("sRGB"), NULL, NULL, NULL);
    }
}

/* Whether this call is the process's first. */
static gboolean
warm_up_claim (void)
{
  static gsize claimed = 0;

  if (!g_once_init_enter (&claimed))
    return FALSE;
  g_once_init_leave (&claimed, 1);
  return TRUE;
}

static gpointer
warm_up_thread (gpointer data)
{
  warm_up_run ();
  return NULL;
}

/* Runs the warm-up here, once per process. */
void
ottica_preview_renderer_warm_up (void)
{
  if (warm_up_claim ())
    warm_up_thread (NULL);
}

/* Starts the warm-up in a thread. */
void
ottica_preview_renderer_start_warm_up (void)
{
  if (warm_up_claim ())
    g_thread_unref (g_thread_new ("ottica-warm-up", warm_up_thread, NULL));
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
  Drafts         *drafts;
  double          proxy_scale;
  int             proxy_width;
  int             proxy_height;
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
  g_clear_pointer (&job->drafts, drafts_unref);
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
    space = ottica_engine_babl_space_from_icc (icc, (int) length, &babl_error);
  if (space == NULL)
    {
      g_autofree char *name = g_filename_display_basename (profile);

      *warning = g_strdup_printf (_("The display profile “%s” cannot be used, so the preview is shown in sRGB."), name);
      return babl_space ("sRGB");
    }
  return space;
}

/* The rest of load_thread() once the photo is decoded: one read
 * (ottica-babl-guard.h), as the pipeline is built and rendered. */
static void
load_prepare (GTask *task, LoadJob *job, OtticaImage *image)
{
  g_autoptr(OtticaEdit) neutral = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GeglBuffer) proxy = NULL;
  const GeglRectangle *extent;
  double factor = 1.0;
  gint64 start;

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
  job->proxy_width = extent->width;
  job->proxy_height = extent->height;
  if (MAX (extent->width, extent->height) > DRAFT_MIN_PROXY)
    job->drafts = drafts_new (proxy, job->proxy_scale, job->raw_baseline, job->baseline_exposure);
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

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  OtticaLoadOptions options = { .max_size = job->proxy_size };
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(GError) error = NULL;

  options.allow_embedded_preview = job->quick;
  image = ottica_image_load (job->path, &options, cancellable, &error);
  if (image == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ottica_babl_guard_read_begin ();
  load_prepare (task, job, image);
  ottica_babl_guard_read_end ();
}

/* The proxy and its drafts from @job; the drafts' timings start again. */
static void
take_proxy (OtticaPreviewRenderer *self, LoadJob *job)
{
  g_set_object (&self->pipeline, job->pipeline);
  g_clear_pointer (&self->drafts, drafts_unref);
  if (job->drafts != NULL)
    self->drafts = g_atomic_rc_box_acquire (job->drafts);
  self->proxy_scale = job->proxy_scale;
  self->proxy_width = job->proxy_width;
  self->proxy_height = job->proxy_height;
  for (guint i = 0; i < N_DRAFTS; i++)
    self->draft_ms[i] = -1;
  self->last_draft = -1;
  self->draft_serial = 0;
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
  take_proxy (self, job);
  g_set_object (&self->thumb_source, job->thumb_source);
  self->thumb_scale = job->thumb_scale;
  self->raw_baseline = job->raw_baseline;
  self->baseline_exposure = job->baseline_exposure;
  g_signal_emit (self, signals[SOURCE_CHANGED], 0);
  /* the edit as it is now, on the RAW's own pixels, and its "before" */
  g_clear_pointer (&self->original_geometry, ottica_edit_free);
  g_atomic_int_inc (&self->edit_serial);
  request_render (self);
  /* 100 % was asked for while the RAW was being decoded */
  if (self->region_zoom > 0)
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
  ottica_babl_guard_read_begin ();
  job->pipeline = ottica_pipeline_new_for_image (image);
  ottica_babl_guard_read_end ();
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
  take_proxy (self, job);
  g_clear_object (&self->full);
  self->full_loading = FALSE;
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
  g_free (self->last_render_look);
  self->last_render_look = g_strdup (job->edit->look_id != NULL ? job->edit->look_id : "");
  g_atomic_int_inc (&self->edit_serial);
  self->shown_serial = (guint) g_atomic_int_get (&self->edit_serial);
  g_clear_pointer (&self->shown_edit, ottica_edit_free);
  self->shown_edit = ottica_edit_copy (job->edit);
  self->pending = FALSE;
  self->dragging = FALSE;
  stop_settling (self);
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
  /* the full resolution is loaded when 100 % is first asked for */
  if (job->embedded_preview)
    upgrade (self);
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

typedef enum { JOB_DRAFT, JOB_PROXY } JobKind;

typedef struct
{
  OtticaPreviewRenderer *self;   /* the task's source object holds it */
  JobKind         kind;
  OtticaPipeline *pipeline;      /* JOB_PROXY */
  Drafts         *drafts;        /* JOB_DRAFT */
  int             draft_index;
  OtticaEdit     *edit;
  OtticaEdit     *before;        /* set when the "before" must be rendered again */
  const Babl     *space;
  guint           photo_serial;
  guint           edit_serial;
  gboolean        before_only;    /* the edit's texture is up to date */
  GdkTexture     *texture;
  GdkTexture     *original;
  OtticaHistogramData histogram;
  double          render_ms;
} RenderJob;

static void
render_job_free (RenderJob *job)
{
  g_clear_object (&job->pipeline);
  g_clear_pointer (&job->drafts, drafts_unref);
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

static void
render_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  RenderJob *job = task_data;
  gint64 start;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (job->kind == JOB_DRAFT)
    {
      /* a draft is shown even when a newer edit came meanwhile: it is
       * still newer than what is on screen */
      OtticaPipeline *draft;

      ottica_babl_guard_read_begin ();
      draft = drafts_get (job->drafts, job->draft_index);
      ottica_babl_guard_read_end ();
      start = g_get_monotonic_time ();
      set_edit_reading (draft, job->edit);
      job->texture = render_whole (draft, job->space, &job->histogram, NULL, NULL);
      job->render_ms = (g_get_monotonic_time () - start) / 1000.0;
      g_task_return_boolean (task, TRUE);
      return;
    }

  start = g_get_monotonic_time ();
  if (job->before != NULL && !job_is_stale (job))
    {
      set_edit_reading (job->pipeline, job->before);
      job->original = render_whole (job->pipeline, job->space, NULL, job_is_stale, job);
    }
  if (!job_is_stale (job) && !job->before_only)
    {
      set_edit_reading (job->pipeline, job->edit);
      job->texture = render_whole (job->pipeline, job->space, &job->histogram, job_is_stale, job);
    }
  job->render_ms = (g_get_monotonic_time () - start) / 1000.0;
  g_task_return_boolean (task, TRUE);
}

static void
show_texture (OtticaPreviewRenderer *self, RenderJob *job, gboolean draft)
{
  self->shown_serial = job->edit_serial;
  g_clear_pointer (&self->shown_edit, ottica_edit_free);
  self->shown_edit = ottica_edit_copy (job->edit);
  g_set_object (&self->texture, job->texture);
  self->texture_is_draft = draft;
  self->histogram = job->histogram;
}

static void
stop_settling (OtticaPreviewRenderer *self)
{
  if (self->settle_source == NULL)
    return;
  g_source_destroy (self->settle_source);
  g_clear_pointer (&self->settle_source, g_source_unref);
}

static gboolean
settle_timeout (gpointer data)
{
  OtticaPreviewRenderer *self = data;

  g_clear_pointer (&self->settle_source, g_source_unref);
  self->dragging = FALSE;
  request_render (self);
  return G_SOURCE_REMOVE;
}

static void
render_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaPreviewRenderer *self = OTTICA_PREVIEW_RENDERER (source);
  RenderJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean changed = FALSE;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;   /* cancelled: the renderer is going */

  self->in_flight = FALSE;
  if (job->photo_serial == self->photo_serial && job->kind == JOB_DRAFT)
    {
      g_debug ("draft at 1/%d of the proxy: %.1f ms", draft_divisors[job->draft_index], job->render_ms);
      self->draft_ms[job->draft_index] = job->render_ms;
      self->last_draft = job->draft_index;
      self->draft_serial = job->edit_serial;
      /* not when the proxy came first */
      if ((gint) (job->edit_serial - self->shown_serial) > 0)
        {
          show_texture (self, job, TRUE);
          changed = TRUE;
        }
    }
  else if (job->photo_serial == self->photo_serial)
    {
      if (job->original != NULL)
        {
          g_set_object (&self->original, job->original);
          g_clear_pointer (&self->original_geometry, ottica_edit_free);
          self->original_geometry = ottica_edit_copy (job->before);
          changed = TRUE;
        }
      if (job->texture != NULL)
        {
          self->last_render_ms = job->render_ms;
          g_free (self->last_render_look);
          self->last_render_look = g_strdup (job->edit->look_id != NULL ? job->edit->look_id : "");
          show_texture (self, job, FALSE);
          changed = TRUE;
        }
    }

  if (self->pending)
    {
      self->pending = FALSE;
      request_render (self);
    }
  else if (job->kind == JOB_DRAFT && job->photo_serial == self->photo_serial)
    {
      /* the proxy once no other change follows soon: during a drag
       * another one comes within a few frames, and a proxy render already
       * under way would hold its draft back until a strip is done */
      stop_settling (self);
      self->settle_source = g_timeout_source_new (self->dragging ? DRAG_SETTLE_MS : DRAG_SETTLE_MS / 3);
      g_source_set_callback (self->settle_source, settle_timeout, self, NULL);
      g_source_attach (self->settle_source, self->context);
    }
  else
    self->dragging = FALSE;
  if (changed)
    g_signal_emit (self, signals[RENDERED], 0);
  request_region (self);
}

/* The largest draft expected to render within the budget, from the time
 * the last draft took (or the proxy, before any draft) and the number of
 * pixels, which the render time follows closely. */
static int
choose_draft (OtticaPreviewRenderer *self)
{
  const char *look = self->edit->look_id != NULL ? self->edit->look_id : "";
  double proxy_area = (double) self->proxy_width * self->proxy_height;
  int smallest = 0;
  double base_ms, base_area;

  while (smallest + 1 < (int) N_DRAFTS &&
         MAX (self->proxy_width, self->proxy_height) / draft_divisors[smallest + 1] >= DRAFT_MIN_SIZE)
    smallest++;

  /* timings of another look say little about this one */
  if (g_strcmp0 (look, self->draft_look) != 0)
    {
      g_free (self->draft_look);
      self->draft_look = g_strdup (look);
      for (guint i = 0; i < N_DRAFTS; i++)
        self->draft_ms[i] = -1;
      self->last_draft = -1;
    }
  if (self->last_draft >= 0)
    {
      int divisor = draft_divisors[self->last_draft];

      base_ms = self->draft_ms[self->last_draft];
      base_area = proxy_area / (divisor * divisor);
    }
  else if (g_strcmp0 (look, self->last_render_look) == 0)
    {
      base_ms = self->last_render_ms;
      base_area = proxy_area;
    }
  else
    return MIN (1, smallest);   /* a look not rendered yet: 1/3 */
  for (int i = 0; i < smallest; i++)
    {
      double expected = base_ms * proxy_area / (draft_divisors[i] * draft_divisors[i]) / base_area;
      double budget = DRAFT_BUDGET_MS;

      if (self->last_draft >= 0 && i < self->last_draft)
        budget *= DRAFT_RAISE_SHARE;
      if (expected <= budget)
        return i;
    }
  return smallest;
}

static void
request_render (OtticaPreviewRenderer *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(OtticaEdit) before = NULL;
  RenderJob *job;
  guint serial;
  gboolean current;

  if (self->pipeline == NULL || self->edit == NULL)
    return;
  if (self->in_flight)
    {
      self->pending = TRUE;
      return;
    }

  serial = (guint) g_atomic_int_get (&self->edit_serial);
  before = geometry_of (self->edit);
  if (self->original_geometry != NULL && ottica_edit_equal (before, self->original_geometry))
    g_clear_pointer (&before, ottica_edit_free);
  current = self->texture != NULL && !self->texture_is_draft && self->shown_serial == serial;
  if (current && before == NULL)
    return;

  job = g_new0 (RenderJob, 1);
  job->self = self;
  job->edit = ottica_edit_copy (self->edit);
  job->space = self->space;
  job->photo_serial = self->photo_serial;
  job->edit_serial = serial;
  if (self->drafts != NULL && !current && self->draft_serial != serial &&
      (self->last_render_ms > DRAFT_THRESHOLD_MS || before != NULL))
    {
      job->kind = JOB_DRAFT;
      job->drafts = g_atomic_rc_box_acquire (self->drafts);
      job->draft_index = choose_draft (self);
    }
  else
    {
      job->kind = JOB_PROXY;
      job->pipeline = g_object_ref (self->pipeline);
      job->before = g_steal_pointer (&before);
      job->before_only = current;
    }
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
  /* the previous change is still on its way: a drag */
  if (self->in_flight || self->settle_source != NULL)
    self->dragging = TRUE;
  stop_settling (self);
  request_render (self);
}

const OtticaEdit *
ottica_preview_renderer_get_texture_edit (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), NULL);
  return self->shown_edit;
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
  set_edit_reading (job->pipeline, job->edit);
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
  if (self->in_flight || self->pending || self->settle_source != NULL)
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
  stop_settling (self);
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
  g_clear_pointer (&self->drafts, drafts_unref);
  g_clear_object (&self->full);
  g_clear_pointer (&self->shown_edit, ottica_edit_free);
  g_free (self->draft_look);
  g_free (self->last_render_look);
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
  self->last_draft = -1;
  for (guint i = 0; i < N_DRAFTS; i++)
    self->draft_ms[i] = -1;
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
  return self->loading || self->upgrading || self->in_flight || self->pending ||
         self->settle_source != NULL;
}

gboolean
ottica_preview_renderer_has_full_resolution (OtticaPreviewRenderer *self)
{
  g_return_val_if_fail (OTTICA_IS_PREVIEW_RENDERER (self), FALSE);
  return self->full != NULL;
}
