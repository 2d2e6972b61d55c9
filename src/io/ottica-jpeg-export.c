/* ottica-jpeg-export.c: a GEGL node's output, in strips, into libjpeg-turbo.
 *
 * Only a strip of the image is ever in memory: a render thread fills the
 * next strip (GEGL spreads each blit over its own worker threads) while
 * this thread encodes the previous one, which is serial. The strips are
 * rendered top to bottom through an OtticaStripRenderer, so that what the
 * graph's area filters read around each strip is rendered once, not
 * again for the next strip (ottica-strip-renderer.c). Three ways to a
 * strip of 8-bit rows in the output space:
 *
 *  - full size, no sharpening: gegl_node_blit() into linear RGBA float of
 *    the output space (babl converts from whatever the node gives), then
 *    a table to the output's 8-bit encoding;
 *  - smaller: the node is rendered at full size in linear light (RGBA float
 *    in the output primaries) and reduced by a separable filter here,
 *    row by row (see "Reducer");
 *  - sharpened: the output rows, in the output space's perceptual encoding,
 *    go through an unsharp mask a window of rows at a time (see
 *    "Sharpener").
 *
 * The file is written to a temporary beside the target, the metadata
 * copied into it, then renamed into place (ottica-atomic-file.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>

#include <gegl-plugin.h>

#include "ottica-atomic-file.h"
#include "ottica-babl-guard.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-jpeg-export.h"
#include "ottica-limits.h"
#include "ottica-metadata.h"
#include "ottica-output-profile.h"
#include "ottica-space-matrix.h"
#include "ottica-strip-renderer.h"

/* Rows per blit. GEGL has a fixed cost per blit, but tall strips fall
 * out of the caches and cost memory (each float buffer of a 256-row strip
 * 6000 pixels wide is 24 MB), and here memory costs time as well: the
 * first touch of each page costs about 1 ms of CPU per MB. Area filters
 * (local contrast, glow) read rows of context around a strip; the strip
 * renderer renders what is upstream of them once, but each filter still
 * reads its context again for every strip it makes. So 256 rows, or where
 * the context is wide, strips about as tall as it (see
 * choose_strip_rows()), within a memory budget. Measured on 2 cores, 24 MP
 * with analog-warm (416 rows of context), median of 4: 256/384/512/768
 * rows took 1.24/1.18/1.17/1.22 s with 282/327/379/468 MB peaks. */
#define STRIP_ROWS_MIN    256
#define STRIP_ROWS_MAX    1024
/* Context rows (above and below, together) from which taller strips pay. */
#define STRIP_CONTEXT_TALL 128
/* What one strip row of a 1 pixel wide image may cost: the strip's own
 * float rows and the intermediate buffers of the nodes, each RGBA float.
 * analog-warm (glow, a point chain, local contrast, grain) peaked at
 * 315/365 MB with 256/384 rows at 6000 px through the strip renderer
 * (which renders the next band's rows while a band is made), about 66
 * bytes per pixel of strip more for each row; 200 MB of strip keeps a
 * 24 MP export under 400 MB. */
#define STRIP_BYTES_PER_PIXEL 66
#define STRIP_BUDGET_BYTES    ((gsize) 200 << 20)
/* Sharpening keeps up to two strips of perceptual float rows besides. */
#define SHARPEN_BYTES_PER_PIXEL (2 * 4 * sizeof (float))
/* Strips in flight between the render thread and the encoder. Rendering
 * the next strip while encoding this one (serial, 0.1-0.2 s at 24 MP)
 * took the 24 MP export from 0.76 to 0.74 s with GEGL on both cores and
 * from 0.81 to 0.76 s with GEGL on one (45 MP: 1.23 to 1.16 s): GEGL's
 * threads leave a core idle much of the time on point operations. */
#define N_SLOTS 3
/* libjpeg's output buffer. */
#define DEST_BUFFER_BYTES (256 * 1024)

/* ------------------------------------------------------------------ */
/* Reducer: a separable resampling filter, in linear light, streaming.  */

/* Robidoux Sharp, a Mitchell-Netravali cubic (B = 0.262, C = 0.369) made
 * for downsampling, its support widened by the reduction factor. On a zone
 * plate reduced from 6000 to 2048 px, the energy left above the new
 * Nyquist limit (aliasing) was 0.038 RMS against 0.093 for
 * gegl:scale-size with the cubic sampler and 0.042 with lohalo, with a
 * 2 % overshoot at edges (Lanczos3: 8 %, which in linear light becomes
 * dark rims); and through this exporter a 24 MP frame reduced to 2048 px
 * in 0.26 s, against 2.4 s (cubic) and 4.6 s (lohalo) for GEGL's
 * samplers, whose abyss also left the last row and column part
 * transparent. */
static double
reduce_kernel (double x)
{
  const double B = 0.2620145123990142, C = 0.3689927438004929;

  x = fabs (x);
  if (x < 1.0)
    return ((12 - 9 * B - 6 * C) * x * x * x + (-18 + 12 * B + 6 * C) * x * x + (6 - 2 * B)) / 6;
  if (x < 2.0)
    return ((-B - 6 * C) * x * x * x + (6 * B + 30 * C) * x * x + (-12 * B - 48 * C) * x
            + (8 * B + 24 * C)) / 6;
  return 0.0;
}

#define KERNEL_SUPPORT 2.0

typedef struct
{
  int    max_taps;
  int   *start;     /* first input pixel of each output pixel */
  int   *count;
  float *weights;   /* out_size × max_taps, normalised */
} Taps;

static void
taps_init (Taps *t, int in_size, int out_size)
{
  double scale = (double) in_size / out_size;
  double support = KERNEL_SUPPORT * MAX (scale, 1.0);
  double *w;

  t->max_taps = (int) ceil (2.0 * support) + 2;
  t->start = g_new (int, out_size);
  t->count = g_new (int, out_size);
  t->weights = g_new0 (float, (gsize) out_size * t->max_taps);
  w = g_new (double, t->max_taps);

  for (int o = 0; o < out_size; o++)
    {
      double centre = (o + 0.5) * scale;
      int first = (int) floor (centre - support + 0.5);
      int last = (int) floor (centre + support - 0.5);
      int lo = MAX (first, 0), hi = MIN (last, in_size - 1);
      double sum = 0.0;

      if (hi - lo + 1 > t->max_taps)
        hi = lo + t->max_taps - 1;
      memset (w, 0, sizeof (double) * t->max_taps);
      /* Taps beyond the edge fold onto the edge pixel (clamp): borders keep
       * their brightness instead of fading into GEGL's transparent abyss. */
      for (int i = first; i <= last; i++)
        {
          double k = reduce_kernel ((i + 0.5 - centre) / MAX (scale, 1.0));
          int j = CLAMP (i, lo, hi);

          w[j - lo] += k;
          sum += k;
        }
      t->start[o] = lo;
      t->count[o] = hi - lo + 1;
      for (int i = 0; i < t->count[o]; i++)
        t->weights[(gsize) o * t->max_taps + i] = (float) (w[i] / sum);
    }
  g_free (w);
}

static void
taps_clear (Taps *t)
{
  g_clear_pointer (&t->start, g_free);
  g_clear_pointer (&t->count, g_free);
  g_clear_pointer (&t->weights, g_free);
}

typedef float v4f __attribute__ ((vector_size (16)));

/* Rows of @node into @dest, through @renderer when there is one. */
static void
render_rows (GeglNode *node, OtticaStripRenderer *renderer, const GeglRectangle *rect,
             const Babl *format, gpointer dest)
{
  if (renderer != NULL)
    ottica_strip_renderer_blit (renderer, rect, format, dest);
  else
    {
      ottica_babl_guard_read_begin ();
      gegl_node_blit (node, 1.0, rect, format, dest, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      ottica_babl_guard_read_end ();
    }
}

/* Rows of @node into @buffer, through @renderer when there is one. */
static void
render_rows_to_buffer (GeglNode *node, OtticaStripRenderer *renderer, const GeglRectangle *rect,
                       GeglBuffer *buffer)
{
  if (renderer != NULL)
    ottica_strip_renderer_blit_buffer (renderer, rect, buffer);
  else
    {
      ottica_babl_guard_read_begin ();
      gegl_node_blit_buffer (node, buffer, rect, 0, GEGL_ABYSS_NONE);
      ottica_babl_guard_read_end ();
    }
}

typedef struct
{
  GeglNode      *node;
  OtticaStripRenderer *renderer; /* the export's, or NULL */
  GeglRectangle  in_rect;     /* the node's bounding box */
  const Babl    *in_format;   /* RGBA float, linear, output primaries */
  int            out_w, out_h;
  Taps           h, v;
  int            strip_rows;  /* rows per blit */
  float         *in_strip;    /* strip_rows full-width input rows */
  float         *ring;        /* horizontally reduced rows */
  int            ring_rows;
  int            next_in;     /* next input row to render */
  int            next_out;    /* next output row to produce */
  /* for the parallel horizontal pass */
  int            strip_first;
} Reducer;

static void
reducer_init (Reducer *r, GeglNode *node, const GeglRectangle *in_rect,
              const Babl *space, int out_w, int out_h, int strip_rows)
{
  memset (r, 0, sizeof *r);
  r->node = node;
  r->in_rect = *in_rect;
  r->in_format = babl_format_with_space ("RGBA float", space);
  r->out_w = out_w;
  r->out_h = out_h;
  taps_init (&r->h, in_rect->width, out_w);
  taps_init (&r->v, in_rect->height, out_h);
  r->strip_rows = strip_rows;
  r->in_strip = g_malloc ((gsize) in_rect->width * strip_rows * 4 * sizeof (float));
  r->ring_rows = r->v.max_taps + strip_rows;
  r->ring = g_malloc ((gsize) out_w * r->ring_rows * 4 * sizeof (float));
}

static void
reducer_clear (Reducer *r)
{
  taps_clear (&r->h);
  taps_clear (&r->v);
  g_clear_pointer (&r->in_strip, g_free);
  g_clear_pointer (&r->ring, g_free);
}

static void
reduce_rows_horizontally (gsize offset, gsize size, gpointer user_data)
{
  Reducer *r = user_data;
  const int in_w = r->in_rect.width;

  for (gsize row = offset; row < offset + size; row++)
    {
      const v4f *src = (const v4f *) (r->in_strip + row * in_w * 4);
      int image_row = r->strip_first + (int) row;
      v4f *dst = (v4f *) (r->ring + (gsize) (image_row % r->ring_rows) * r->out_w * 4);

      for (int o = 0; o < r->out_w; o++)
        {
          const float *w = r->h.weights + (gsize) o * r->h.max_taps;
          const v4f *s = src + r->h.start[o];
          v4f acc = { 0, 0, 0, 0 };

          for (int i = 0; i < r->h.count[o]; i++)
            acc += s[i] * w[i];
          dst[o] = acc;
        }
    }
}

/* Renders input rows until output row @o can be made. */
static void
reducer_feed (Reducer *r, int o)
{
  int need_end = r->v.start[o] + r->v.count[o];

  while (r->next_in < need_end)
    {
      int n = MIN (r->strip_rows, r->in_rect.height - r->next_in);
      GeglRectangle rect = { r->in_rect.x, r->in_rect.y + r->next_in, r->in_rect.width, n };

      render_rows (r->node, r->renderer, &rect, r->in_format, r->in_strip);
      r->strip_first = r->next_in;
      gegl_parallel_distribute_range (n, 0.01, reduce_rows_horizontally, r);
      r->next_in += n;
    }
}

/* The next output row, RGBA float, linear light. */
static void
reducer_next_row (Reducer *r, float *dst)
{
  const int o = r->next_out++;
  const float *w = r->v.weights + (gsize) o * r->v.max_taps;
  v4f *out = (v4f *) dst;

  reducer_feed (r, o);
  for (int x = 0; x < r->out_w; x++)
    out[x] = (v4f) { 0, 0, 0, 0 };
  for (int i = 0; i < r->v.count[o]; i++)
    {
      const v4f *src = (const v4f *) (r->ring + (gsize) ((r->v.start[o] + i) % r->ring_rows)
                                      * r->out_w * 4);
      const float wi = w[i];

      for (int x = 0; x < r->out_w; x++)
        out[x] += src[x] * wi;
    }
}

/* ------------------------------------------------------------------ */
/* The export.                                                         */

typedef enum
{
  PATH_DIRECT,    /* blit to linear float, table to 8-bit (or 8-bit as it is) */
  PATH_REDUCE,    /* reducer, then table to 8-bit */
  PATH_SHARPEN,   /* (reducer or blit) → perceptual float → unsharp → 8-bit */
} RenderPath;

typedef struct
{
  guint8  *pixels;
  gboolean full;
} Slot;

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegError;

typedef struct
{
  struct jpeg_destination_mgr pub;
  int                         fd;
  int                         write_errno;
  JOCTET                     *buffer;
} FdDestination;

typedef struct
{
  /* what */
  GeglNode                  *node;
  GeglRectangle              bbox;
  const OtticaExportOptions *options;
  int                        width, height;   /* output */
  const Babl                *space;
  const Babl                *u8_format;
  GBytes                    *icc;
  RenderPath                 path;
  gboolean                   resize;

  /* rendering (render thread only once started) */
  OtticaStripRenderer       *renderer;        /* NULL: blits straight from node */
  Reducer                    reducer;
  float                     *row_linear;      /* one output row, linear float */
  const Babl                *linear_format;   /* what the node is read in: RGBA float */
  gboolean                   to_output;       /* linear_format is not in the output space */
  float                      to_output_matrix[3][3];
  guint8                    *encode_lut;      /* linear 0..1 in 65536 steps → 8-bit */
  float                     *encode_lut_float; /* the same, to perceptual float */
  float                     *encode_float;    /* where encode_rows_float() works */
  gboolean                   blit_8bit;       /* the node gives 8-bit in the output space */
  GeglBuffer                *strip_buffer;    /* a strip rendered, in linear_format */
  int                        encode_y0;       /* its first row, for encode_rows() */
  guint8                    *encode_out;      /* where encode_rows() writes */
  int                        produced_rows;   /* rows made by next_perceptual_rows() */
  /* sharpening */
  float                     *sharpen_kernel;
  int                        sharpen_radius;
  double                     sharpen_amount;
  int                        sharpen_y0;      /* the strip sharpen_rows() works on */
  guint8                    *sharpen_out;
  float                     *window;          /* perceptual output rows */
  int                        window_capacity;
  int                        window_first;    /* image row of window[0] */
  int                        window_count;

  /* strips between the threads */
  int                        strip_rows;      /* output rows per strip */
  int                        n_strips;
  Slot                       slots[N_SLOTS];
  GMutex                     mutex;
  GCond                      cond;
  gboolean                   stop;
  GThread                   *thread;

  /* encoding */
  struct jpeg_compress_struct cinfo;
  JpegError                  jerr;
  FdDestination              dest;
  const char                *display_name;
  OtticaProgressFunc         progress;
  gpointer                   progress_data;
  GCancellable              *cancellable;
} Export;

/* ------------------------------------------------------------------ */
/* Encoding: linear light to the output space's curve, by table.        */

/* babl's float → u8 path with the sRGB curve costs 17-30 ns a pixel (0.4 to
 * 0.7 s of CPU at 24 MP, more than the whole edit), the table 2-3 ns.
 * 65536 steps are fine enough: the steepest part of the curve (sRGB's
 * linear toe, 12.92 × 255 levels per unit) moves 0.05 of a level per
 * step, so a value lands off by one only within 0.03 of a rounding edge
 * (0.1 % of random values, as often as babl's own path differs from the
 * formula). The curve comes from babl's space, which came from the
 * embedded profile's bytes. */
#define LUT_STEPS 65536

static const Babl *
curve_fish (const Babl *space)
{
  return ottica_engine_babl_fish (babl_format_with_space ("RGB float", space),
                                  babl_format_with_space ("R'G'B' float", space));
}

void
ottica_jpeg_export_prepare_space (const Babl *space)
{
  const Babl *working = babl_format_get_space (ottica_engine_working_format ());
  float matrix[3][3];

  if (working != space)
    {
      /* the fish ottica_space_matrix() takes, then its kept matrix */
      ottica_engine_babl_fish (babl_format_with_space ("RGBA double", working),
                               babl_format_with_space ("RGBA double", space));
      ottica_space_matrix (working, space, matrix);
    }
  curve_fish (space);
}

static void
make_encode_luts (const Babl *space, guint8 **lut8, float **lutf)
{
  g_autofree float *linear = g_new (float, (gsize) (LUT_STEPS + 1) * 3);
  g_autofree float *encoded = g_new (float, (gsize) (LUT_STEPS + 1) * 3);

  for (int i = 0; i <= LUT_STEPS; i++)
    linear[3 * i] = linear[3 * i + 1] = linear[3 * i + 2] = (float) MIN (i, LUT_STEPS - 1) / (LUT_STEPS - 1);
  babl_process (curve_fish (space), linear, encoded, LUT_STEPS + 1);
  *lut8 = g_malloc (LUT_STEPS);
  *lutf = g_new (float, LUT_STEPS + 1);
  for (int i = 0; i <= LUT_STEPS; i++)
    {
      (*lutf)[i] = encoded[3 * i];
      if (i < LUT_STEPS)
        (*lut8)[i] = (guint8) CLAMP ((int) lrintf (encoded[3 * i] * 255.0f), 0, 255);
    }
}

static inline guint8
encode_value (const guint8 *lut, float v)
{
  /* Negative (out of gamut), NaN and over-range values clip. */
  if (!(v > 0.0f))
    return lut[0];
  if (v >= 1.0f)
    return lut[LUT_STEPS - 1];
  return lut[(int) (v * (LUT_STEPS - 1) + 0.5f)];
}

/* The same curve to float, interpolated between the table's steps. */
static inline float
encode_value_float (const float *lut, float v)
{
  float position, fraction;
  int i;

  if (!(v > 0.0f))
    return lut[0];
  if (v >= 1.0f)
    return lut[LUT_STEPS - 1];
  position = v * (LUT_STEPS - 1);
  i = (int) position;
  fraction = position - i;
  return lut[i] + (lut[i + 1] - lut[i]) * fraction;
}

static void
encode_pixels (const guint8 *lut, const float *src, guint8 *dst, gsize n_pixels)
{
  for (gsize i = 0; i < n_pixels; i++, src += 4, dst += 3)
    {
      dst[0] = encode_value (lut, src[0]);
      dst[1] = encode_value (lut, src[1]);
      dst[2] = encode_value (lut, src[2]);
    }
}

static void
encode_pixels_float (const float *lut, float *pixels, gsize n_pixels)
{
  for (gsize i = 0; i < n_pixels; i++, pixels += 4)
    {
      pixels[0] = encode_value_float (lut, pixels[0]);
      pixels[1] = encode_value_float (lut, pixels[1]);
      pixels[2] = encode_value_float (lut, pixels[2]);
    }
}

/* Linear RGB as read from the node to the output space's, in place. */
static void
to_output_space (const Export *ex, float *pixels, gsize n_pixels)
{
  const float (*m)[3] = (const float (*)[3]) ex->to_output_matrix;

  if (!ex->to_output)
    return;
  for (gsize i = 0; i < n_pixels; i++, pixels += 4)
    {
      float r = pixels[0], g = pixels[1], b = pixels[2];

      pixels[0] = m[0][0] * r + m[0][1] * g + m[0][2] * b;
      pixels[1] = m[1][0] * r + m[1][1] * g + m[1][2] * b;
      pixels[2] = m[2][0] * r + m[2][1] * g + m[2][2] * b;
    }
}

/* Rows an encoding thread reads at a time out of the strip's tiles: few
 * enough that they are still in the cache when they are encoded. */
#define ENCODE_CHUNK_ROWS 4

/* Rows of the strip, read from its tiles a few at a time on each of
 * GEGL's threads (rather than all copied out on one), to the output
 * space and 8 bits. */
static void
encode_rows (gsize offset, gsize size, gpointer user_data)
{
  Export *ex = user_data;
  g_autofree float *pixels = g_new (float, (gsize) ENCODE_CHUNK_ROWS * ex->width * 4);

  for (gsize row = offset; row < offset + size; row += ENCODE_CHUNK_ROWS)
    {
      int n = (int) MIN ((gsize) ENCODE_CHUNK_ROWS, offset + size - row);
      GeglRectangle rect = { ex->bbox.x, ex->encode_y0 + (int) row, ex->width, n };

      gegl_buffer_get (ex->strip_buffer, &rect, 1.0, ex->linear_format, pixels,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      to_output_space (ex, pixels, (gsize) n * ex->width);
      encode_pixels (ex->encode_lut, pixels, ex->encode_out + row * ex->width * 3,
                     (gsize) n * ex->width);
    }
}

static void
encode_rows_float (gsize offset, gsize size, gpointer user_data)
{
  Export *ex = user_data;

  for (gsize row = offset; row < offset + size; row++)
    {
      float *pixels = ex->encode_float + row * ex->width * 4;

      to_output_space (ex, pixels, ex->width);
      encode_pixels_float (ex->encode_lut_float, pixels, ex->width);
    }
}

/* ------------------------------------------------------------------ */
/* Sharpener: an unsharp mask over a window of output rows.            */

/* Output sharpening for the output's pixel size. Screens show small
 * exports at 1:1, where detail is a pixel wide; large ones are seen
 * reduced or printed, where a pixel-wide halo vanishes: the radius grows
 * gently with the long edge (×0.85 up to 1450 px, ×1 at 2000, ×1.2 from
 * 2900). Done on perceptual values, as screen sharpening is: in linear
 * light the dark side of every halo would be much stronger. */
static void
sharpen_parameters (OtticaSharpen level, int width, int height,
                    double *std_dev, double *amount)
{
  static const double radius[] = { 0.0, 0.6, 0.7, 0.8 };
  static const double strength[] = { 0.0, 0.5, 0.8, 1.2 };
  double size_factor = CLAMP (sqrt (MAX (width, height) / 2000.0), 0.85, 1.2);

  *std_dev = radius[level] * size_factor;
  *amount = strength[level];
}

/* The next @n output rows as perceptual RGBA float, at @dst. */
static void
next_perceptual_rows (Export *ex, int n, float *dst)
{
  if (ex->resize)
    {
      for (int i = 0; i < n; i++)
        reducer_next_row (&ex->reducer, dst + (gsize) i * ex->width * 4);
    }
  else
    {
      GeglRectangle rect = { ex->bbox.x, ex->bbox.y + ex->produced_rows, ex->width, n };

      render_rows (ex->node, ex->renderer, &rect, ex->linear_format, dst);
    }
  ex->encode_float = dst;
  gegl_parallel_distribute_range (n, 0.01, encode_rows_float, ex);
  ex->produced_rows += n;
}

/* The same unsharp mask as gegl:unsharp-mask (out = in + amount × (in −
 * gauss (in)), its FIR gaussian: sampled, normalised, 6.5 σ long; edges
 * clamped), fused into one pass over rows already in memory. The stock
 * meta-operation runs five operations with a float buffer each: on these
 * windows it added 2.9 s of CPU and 120 MB at 24 MP, this adds 0.67 s
 * (curve included) and 24 MB; test-export checks both give the same
 * pixels. */
static void
sharpen_init (Export *ex)
{
  double std_dev, sum = 0.0;
  int length;

  sharpen_parameters (ex->options->sharpen, ex->width, ex->height, &std_dev, &ex->sharpen_amount);
  length = (int) ceil (std_dev * 6.5);
  length += (length + 1) % 2;
  ex->sharpen_radius = length / 2;
  ex->sharpen_kernel = g_new (float, length);
  for (int i = 0; i < length; i++)
    {
      double x = i - ex->sharpen_radius;

      ex->sharpen_kernel[i] = (float) exp (-(x * x) / (2.0 * std_dev * std_dev));
      sum += ex->sharpen_kernel[i];
    }
  for (int i = 0; i < length; i++)
    ex->sharpen_kernel[i] /= (float) sum;

  ex->window_capacity = 2 * ex->strip_rows + 2 * ex->sharpen_radius;
  ex->window = g_malloc ((gsize) ex->window_capacity * ex->width * 4 * sizeof (float));
  ex->window_first = 0;
  ex->window_count = 0;
}

static inline const v4f *
window_row (Export *ex, int y)
{
  y = CLAMP (y, 0, ex->height - 1);
  return (const v4f *) (ex->window + (gsize) (y - ex->window_first) * ex->width * 4);
}

static void
sharpen_rows (gsize offset, gsize size, gpointer user_data)
{
  Export *ex = user_data;
  const int width = ex->width, r = ex->sharpen_radius;
  const float *k = ex->sharpen_kernel;
  const float amount = (float) ex->sharpen_amount;
  g_autofree v4f *column = g_new (v4f, width);

  for (gsize i = offset; i < offset + size; i++)
    {
      int y = ex->sharpen_y0 + (int) i;
      const v4f *in = window_row (ex, y);
      guint8 *out = ex->sharpen_out + i * width * 3;

      /* Vertical pass over whole rows (vectorises), then horizontal. */
      for (int x = 0; x < width; x++)
        column[x] = (v4f) { 0, 0, 0, 0 };
      for (int j = -r; j <= r; j++)
        {
          const v4f *row = window_row (ex, y + j);
          const float w = k[j + r];

          for (int x = 0; x < width; x++)
            column[x] += row[x] * w;
        }
      for (int x = 0; x < width; x++)
        {
          v4f blur = { 0, 0, 0, 0 }, v;

          if (x >= r && x < width - r)
            for (int j = -r; j <= r; j++)
              blur += column[x + j] * k[j + r];
          else
            for (int j = -r; j <= r; j++)
              blur += column[CLAMP (x + j, 0, width - 1)] * k[j + r];
          v = in[x] + (in[x] - blur) * amount;
          for (int c = 0; c < 3; c++)
            out[3 * x + c] = (guint8) CLAMP ((int) (v[c] * 255.0f + 0.5f), 0, 255);
        }
    }
}

static void
sharpen_strip (Export *ex, int y0, int rows, guint8 *out)
{
  const gsize row_floats = (gsize) ex->width * 4;
  int need = MIN (ex->height, y0 + rows + ex->sharpen_radius);
  int keep_from = MAX (0, y0 - ex->sharpen_radius);

  /* Drop rows no longer needed as context, keep the rest at the start. */
  if (keep_from > ex->window_first)
    {
      int drop = MIN (keep_from - ex->window_first, ex->window_count);

      memmove (ex->window, ex->window + drop * row_floats,
               (gsize) (ex->window_count - drop) * row_floats * sizeof (float));
      ex->window_first += drop;
      ex->window_count -= drop;
    }
  /* Render a strip at a time, not just the rows needed: blits are cheaper
   * tall. */
  while (ex->window_first + ex->window_count < need)
    {
      int n = MIN (ex->strip_rows, ex->height - (ex->window_first + ex->window_count));

      g_assert (ex->window_count + n <= ex->window_capacity);
      next_perceptual_rows (ex, n, ex->window + ex->window_count * row_floats);
      ex->window_count += n;
    }

  ex->sharpen_y0 = y0;
  ex->sharpen_out = out;
  gegl_parallel_distribute_range (rows, 0.01, sharpen_rows, ex);
}

/* Fills @out with output rows [@y0, @y0 + @rows) as 8-bit RGB. */
static void
produce_strip (Export *ex, int y0, int rows, guint8 *out)
{
  switch (ex->path)
    {
    case PATH_DIRECT:
      {
        GeglRectangle rect = { ex->bbox.x, ex->bbox.y + y0, ex->width, rows };

        if (ex->blit_8bit)
          {
            render_rows (ex->node, ex->renderer, &rect, ex->u8_format, out);
            break;
          }
        /* The primaries are to_output_space()'s, the curve the table's.
         * The strip's tiles are the rendered ones, not a copy; they go
         * once encoded. */
        render_rows_to_buffer (ex->node, ex->renderer, &rect, ex->strip_buffer);
        ex->encode_y0 = rect.y;
        ex->encode_out = out;
        gegl_parallel_distribute_range (rows, 0.01, encode_rows, ex);
        gegl_buffer_clear (ex->strip_buffer, &rect);
      }
      break;

    case PATH_REDUCE:
      for (int i = 0; i < rows; i++)
        {
          reducer_next_row (&ex->reducer, ex->row_linear);
          to_output_space (ex, ex->row_linear, ex->width);
          encode_pixels (ex->encode_lut, ex->row_linear,
                         out + (gsize) i * ex->width * 3, ex->width);
        }
      break;

    case PATH_SHARPEN:
      sharpen_strip (ex, y0, rows, out);
      break;
    }
}

static gpointer
render_thread (gpointer data)
{
  Export *ex = data;

  for (int s = 0; s < ex->n_strips; s++)
    {
      Slot *slot = &ex->slots[s % N_SLOTS];
      int y0 = s * ex->strip_rows;
      gboolean stop;

      g_mutex_lock (&ex->mutex);
      while (slot->full && !ex->stop)
        g_cond_wait (&ex->cond, &ex->mutex);
      stop = ex->stop;
      g_mutex_unlock (&ex->mutex);
      if (stop)
        break;

      produce_strip (ex, y0, MIN (ex->strip_rows, ex->height - y0), slot->pixels);

      g_mutex_lock (&ex->mutex);
      slot->full = TRUE;
      g_cond_broadcast (&ex->cond);
      g_mutex_unlock (&ex->mutex);
    }
  return NULL;
}

static void
stop_render_thread (Export *ex)
{
  if (ex->thread == NULL)
    return;
  g_mutex_lock (&ex->mutex);
  ex->stop = TRUE;
  g_cond_broadcast (&ex->cond);
  g_mutex_unlock (&ex->mutex);
  g_thread_join (ex->thread);
  ex->thread = NULL;
}

/* libjpeg plumbing ---------------------------------------------------- */

static void
jpeg_error_exit (j_common_ptr cinfo)
{
  JpegError *err = (JpegError *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
jpeg_output_message (j_common_ptr cinfo)
{
  char message[JMSG_LENGTH_MAX];

  (*cinfo->err->format_message) (cinfo, message);
  g_debug ("libjpeg: %s", message);
}

static gboolean
write_all (int fd, const guint8 *data, gsize length, int *errsv)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          *errsv = errno;
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

static void
dest_init (j_compress_ptr cinfo)
{
  FdDestination *dest = (FdDestination *) cinfo->dest;

  dest->pub.next_output_byte = dest->buffer;
  dest->pub.free_in_buffer = DEST_BUFFER_BYTES;
}

static boolean
dest_empty (j_compress_ptr cinfo)
{
  FdDestination *dest = (FdDestination *) cinfo->dest;

  if (!write_all (dest->fd, dest->buffer, DEST_BUFFER_BYTES, &dest->write_errno))
    ERREXIT (cinfo, JERR_FILE_WRITE);
  dest->pub.next_output_byte = dest->buffer;
  dest->pub.free_in_buffer = DEST_BUFFER_BYTES;
  return TRUE;
}

static void
dest_term (j_compress_ptr cinfo)
{
  FdDestination *dest = (FdDestination *) cinfo->dest;
  gsize used = DEST_BUFFER_BYTES - dest->pub.free_in_buffer;

  if (used > 0 && !write_all (dest->fd, dest->buffer, used, &dest->write_errno))
    ERREXIT (cinfo, JERR_FILE_WRITE);
}

static void
set_up_compressor (Export *ex)
{
  struct jpeg_compress_struct *cinfo = &ex->cinfo;
  const OtticaExportOptions *o = ex->options;
  int h_luma = 1, v_luma = 1;

  cinfo->image_width = (JDIMENSION) ex->width;
  cinfo->image_height = (JDIMENSION) ex->height;
  cinfo->input_components = 3;
  cinfo->in_color_space = JCS_RGB;
  jpeg_set_defaults (cinfo);
  jpeg_set_quality (cinfo, o->quality, TRUE);

  switch (o->chroma)
    {
    case OTTICA_CHROMA_444: h_luma = 1; v_luma = 1; break;
    case OTTICA_CHROMA_422: h_luma = 2; v_luma = 1; break;
    case OTTICA_CHROMA_420: h_luma = 2; v_luma = 2; break;
    }
  cinfo->comp_info[0].h_samp_factor = h_luma;
  cinfo->comp_info[0].v_samp_factor = v_luma;
  for (int c = 1; c < 3; c++)
    {
      cinfo->comp_info[c].h_samp_factor = 1;
      cinfo->comp_info[c].v_samp_factor = 1;
    }

  /* Both keep the whole image's coefficients in memory (libjpeg's two
   * passes): off by default, as a baseline encode streams. */
  cinfo->optimize_coding = o->optimize_coding ? TRUE : FALSE;
  if (o->progressive)
    jpeg_simple_progression (cinfo);
}

static gboolean
encode_strips (Export *ex, GError **error)
{
  JSAMPROW *rows = g_newa (JSAMPROW, ex->strip_rows);
  const gsize stride = (gsize) ex->width * 3;

  for (int s = 0; s < ex->n_strips; s++)
    {
      Slot *slot = &ex->slots[s % N_SLOTS];
      int y0 = s * ex->strip_rows;
      int n = MIN (ex->strip_rows, ex->height - y0);

      if (g_cancellable_set_error_if_cancelled (ex->cancellable, error))
        return FALSE;

      if (ex->thread != NULL)
        {
          g_mutex_lock (&ex->mutex);
          while (!slot->full)
            g_cond_wait (&ex->cond, &ex->mutex);
          g_mutex_unlock (&ex->mutex);
        }
      else
        {
          produce_strip (ex, y0, n, slot->pixels);
        }

      for (int i = 0; i < n; i++)
        rows[i] = slot->pixels + (gsize) i * stride;
      for (int done = 0; done < n;)
        done += (int) jpeg_write_scanlines (&ex->cinfo, rows + done, (JDIMENSION) (n - done));

      if (ex->thread != NULL)
        {
          g_mutex_lock (&ex->mutex);
          slot->full = FALSE;
          g_cond_broadcast (&ex->cond);
          g_mutex_unlock (&ex->mutex);
        }

      if (ex->progress != NULL)
        ex->progress (0.98 * (y0 + n) / ex->height, ex->progress_data);
    }
  return TRUE;
}

/* Everything libjpeg touches, under one setjmp. Nothing here changes a
 * local after the setjmp: state lives in @ex. */
static gboolean
encode (Export *ex, int fd, gboolean threaded, GError **error)
{
  gsize icc_length;
  const guint8 *icc_data;

  ex->cinfo.err = jpeg_std_error (&ex->jerr.pub);
  ex->jerr.pub.error_exit = jpeg_error_exit;
  ex->jerr.pub.output_message = jpeg_output_message;

  if (setjmp (ex->jerr.jump))
    {
      stop_render_thread (ex);
      jpeg_destroy_compress (&ex->cinfo);
      if (ex->dest.write_errno != 0)
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (ex->dest.write_errno),
                     _("Could not write “%s”: %s"),
                     ex->display_name, g_strerror (ex->dest.write_errno));
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                     _("Could not encode “%s” as a JPEG: %s"),
                     ex->display_name, ex->jerr.message);
      return FALSE;
    }

  jpeg_create_compress (&ex->cinfo);
  ex->dest.fd = fd;
  ex->dest.write_errno = 0;
  ex->dest.pub.init_destination = dest_init;
  ex->dest.pub.empty_output_buffer = dest_empty;
  ex->dest.pub.term_destination = dest_term;
  ex->cinfo.dest = &ex->dest.pub;

  set_up_compressor (ex);
  jpeg_start_compress (&ex->cinfo, TRUE);
  icc_data = g_bytes_get_data (ex->icc, &icc_length);
  jpeg_write_icc_profile (&ex->cinfo, icc_data, (unsigned int) icc_length);

  if (threaded)
    ex->thread = g_thread_new ("ottica-export", render_thread, ex);

  if (!encode_strips (ex, error))
    {
      stop_render_thread (ex);
      jpeg_destroy_compress (&ex->cinfo);
      return FALSE;
    }
  stop_render_thread (ex);
  jpeg_finish_compress (&ex->cinfo);
  jpeg_destroy_compress (&ex->cinfo);
  return TRUE;
}

static void
export_clear (Export *ex)
{
  stop_render_thread (ex);
  if (ex->resize)
    reducer_clear (&ex->reducer);
  g_clear_pointer (&ex->renderer, ottica_strip_renderer_free);
  g_clear_pointer (&ex->row_linear, g_free);
  g_clear_object (&ex->strip_buffer);
  g_clear_pointer (&ex->encode_lut, g_free);
  g_clear_pointer (&ex->window, g_free);
  g_clear_pointer (&ex->sharpen_kernel, g_free);
  g_clear_pointer (&ex->encode_lut_float, g_free);
  g_clear_pointer (&ex->icc, g_bytes_unref);
  g_clear_pointer (&ex->dest.buffer, g_free);
  for (int i = 0; i < N_SLOTS; i++)
    g_clear_pointer (&ex->slots[i].pixels, g_free);
  g_mutex_clear (&ex->mutex);
  g_cond_clear (&ex->cond);
}

/* Rows per strip for rendering @node @width pixels wide, when each pixel
 * of a strip costs @extra_bytes besides: STRIP_ROWS_MIN, or when its area
 * filters read many rows around each strip, about as tall as that context
 * (so that they read at most twice the rows they make), in whole rows of
 * tiles, within the memory budget. */
static int
choose_strip_rows (GeglNode *node, const GeglRectangle *bbox, int width, gsize extra_bytes)
{
  GeglRectangle strip = { bbox->x, bbox->y + bbox->height / 2 - STRIP_ROWS_MIN / 2,
                          bbox->width, STRIP_ROWS_MIN };
  int context, rows, budget_rows;

  gegl_rectangle_intersect (&strip, &strip, bbox);
  context = ottica_strip_renderer_context_rows (node, &strip);
  if (context < STRIP_CONTEXT_TALL)
    return STRIP_ROWS_MIN;
  budget_rows = (int) MIN ((gsize) STRIP_ROWS_MAX,
                           STRIP_BUDGET_BYTES / ((gsize) MAX (width, 1)
                                                 * (STRIP_BYTES_PER_PIXEL + extra_bytes)));
  rows = (context + 64) / 128 * 128;
  rows = MIN (rows, budget_rows / 128 * 128);
  return CLAMP (rows, STRIP_ROWS_MIN, STRIP_ROWS_MAX);
}

int
ottica_jpeg_export_strip_rows (GeglNode *node)
{
  GeglRectangle bbox;

  g_return_val_if_fail (GEGL_IS_NODE (node), STRIP_ROWS_MIN);

  bbox = gegl_node_get_bounding_box (node);
  return choose_strip_rows (node, &bbox, bbox.width, 0);
}

/* A node that already gives 8-bit pixels in the output space (a decoded
 * sRGB JPEG with no edit) is copied as it is: through float it would only
 * cost time. Not across spaces: babl's 8-bit → 8-bit conversions between
 * spaces first spend 3 s and 340 MB measuring whether a 16-million-entry
 * table would pay. */
static gboolean
node_gives_8bit (GeglNode *node, const Babl *space)
{
  GeglOperation *operation = gegl_node_get_gegl_operation (node);
  const Babl *format = operation != NULL ? gegl_operation_get_format (operation, "output") : NULL;

  return format != NULL && babl_format_get_type (format, 0) == babl_type ("u8")
         && babl_format_get_space (format) == space;
}

static gboolean
is_same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;

  return a != NULL && b != NULL
         && g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean
check_target (const char *output_path, const char *display_name,
              const char *metadata_source, gboolean overwrite, GError **error)
{
  GStatBuf st;

  /* Checked again, race-free, at the rename; this only saves the render. */
  if (g_lstat (output_path, &st) != 0)
    return TRUE;
  if (!overwrite)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS,
                   _("“%s” already exists; it was left as it is "
                     "(ask to overwrite to replace it)."),
                   display_name);
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                   _("Could not write “%s”: it is a folder."), display_name);
      return FALSE;
    }
  if (is_same_file (output_path, metadata_source))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” is the original photo; Ottica never writes over originals."),
                   display_name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
export_jpeg (GeglNode                  *node,
             const char                *metadata_source,
             const char                *output_path,
             const OtticaExportOptions *options,
             OtticaProgressFunc         progress,
             gpointer                   progress_data,
             GCancellable              *cancellable,
             GError                   **error)
{
  g_autofree char *display_name = NULL;
  g_autofree char *temp_path = NULL;
  Export ex = { 0 };
  gboolean ok = FALSE;
  gsize slot_bytes;
  gint gegl_threads = 1;
  gboolean encoded;
  guint paused = 0;
  int fd;

  g_return_val_if_fail (GEGL_IS_NODE (node), FALSE);
  g_return_val_if_fail (output_path != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display_name = g_filename_display_basename (output_path);

  if (!ottica_export_options_validate (options, error))
    return FALSE;
  if (!check_target (output_path, display_name, metadata_source, options->overwrite, error))
    return FALSE;

  ex.node = node;
  ex.bbox = gegl_node_get_bounding_box (node);
  if (ex.bbox.width <= 0 || ex.bbox.height <= 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("Could not export “%s”: the image is empty."), display_name);
      return FALSE;
    }
  if (ex.bbox.width > OTTICA_MAX_IMAGE_SIDE || ex.bbox.height > OTTICA_MAX_IMAGE_SIDE
      || (double) ex.bbox.width * ex.bbox.height > OTTICA_MAX_IMAGE_PIXELS)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("Could not export “%s”: %d × %d pixels is larger than Ottica writes."),
                   display_name, ex.bbox.width, ex.bbox.height);
      return FALSE;
    }

  ex.options = options;
  ex.display_name = display_name;
  ex.progress = progress;
  ex.progress_data = progress_data;
  ex.cancellable = cancellable;
  ex.space = ottica_output_profile_babl_space (options->color_space);
  ex.u8_format = ottica_output_profile_u8_format (options->color_space);
  ex.icc = ottica_output_profile_icc (options->color_space);
  if (ex.space == NULL || ex.icc == NULL)
    {
      g_clear_pointer (&ex.icc, g_bytes_unref);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                   _("Could not export “%s”: the output colour profile is unavailable."),
                   display_name);
      return FALSE;
    }
  g_mutex_init (&ex.mutex);
  g_cond_init (&ex.cond);

  ottica_export_options_output_size (options, ex.bbox.width, ex.bbox.height,
                                     &ex.width, &ex.height);
  ex.resize = ex.width != ex.bbox.width || ex.height != ex.bbox.height;
  /* Read in the working format our ops compute in (babl has nothing to
   * do when the graph ends in one of them) and taken to the output space
   * by our own exact matrix: babl's float matrix paths are picked by
   * timing, and which one a run gets changed the last bits of the JPEG. */
  ex.linear_format = ottica_engine_working_format ();
  ex.to_output = babl_format_get_space (ex.linear_format) != ex.space;
  ottica_jpeg_export_prepare_space (ex.space);
  if (ex.to_output)
    ottica_space_matrix (babl_format_get_space (ex.linear_format), ex.space, ex.to_output_matrix);
  make_encode_luts (ex.space, &ex.encode_lut, &ex.encode_lut_float);

  if (options->sharpen != OTTICA_SHARPEN_OFF)
    ex.path = PATH_SHARPEN;
  else if (ex.resize)
    ex.path = PATH_REDUCE;
  else
    ex.path = PATH_DIRECT;
  /* Output rows map to input rows one to one unless reduced, where the
   * reducer blits input strips of its own. */
  ex.strip_rows = ex.resize ? STRIP_ROWS_MIN
                            : choose_strip_rows (node, &ex.bbox, ex.width,
                                                 ex.path == PATH_SHARPEN ? SHARPEN_BYTES_PER_PIXEL : 0);
  if (ex.path == PATH_DIRECT)
    {
      ex.blit_8bit = node_gives_8bit (node, ex.space);
      if (!ex.blit_8bit)
        ex.strip_buffer = gegl_buffer_new (&ex.bbox, ex.linear_format);
    }
  if (ex.resize)
    {
      reducer_init (&ex.reducer, node, &ex.bbox, babl_format_get_space (ex.linear_format),
                    ex.width, ex.height,
                    choose_strip_rows (node, &ex.bbox, ex.bbox.width, 0));
      ex.row_linear = g_malloc ((gsize) ex.width * 4 * sizeof (float));
    }
  if (ex.path == PATH_SHARPEN)
    sharpen_init (&ex);

  ex.n_strips = (ex.height + ex.strip_rows - 1) / ex.strip_rows;
  slot_bytes = (gsize) ex.width * 3 * ex.strip_rows;
  for (int i = 0; i < N_SLOTS; i++)
    ex.slots[i].pixels = g_malloc (slot_bytes);
  ex.dest.buffer = g_malloc (DEST_BUFFER_BYTES);

  fd = ottica_atomic_file_open_temp (output_path, &temp_path, error);
  if (fd < 0)
    goto out;

  /* One strip has nothing to overlap with; and a render on one thread
   * (a batch job given one core) encodes on that thread too, so that it
   * takes no more than the core it was given. */
  g_object_get (gegl_config (), "threads", &gegl_threads, NULL);
  ottica_engine_prime_render (node, 1.0, ex.blit_8bit ? ex.u8_format : ex.linear_format);
  /* Several bands: what area filters read around each is rendered once. */
  if (ex.n_strips > 1 || ex.resize)
    {
      ex.renderer = ottica_strip_renderer_new (node, ex.resize ? ex.reducer.strip_rows
                                                               : ex.strip_rows);
      ex.reducer.renderer = ex.renderer;
    }
  /* The bands take reads of their own, in the threads that render them
   * (render_rows(), ottica-strip-renderer.c): this one, waiting for them,
   * gives its read up, and a change beside waits one band at most. */
  paused = ottica_babl_guard_read_pause ();
  encoded = encode (&ex, fd, ex.n_strips > 1 && gegl_threads > 1, error);
  /* taken back only at the end: the metadata and the fsync use no babl,
   * and a change need not wait for them */
  if (!encoded)
    {
      ottica_atomic_file_abandon (fd, temp_path);
      goto out;
    }

  if (metadata_source != NULL && options->metadata != OTTICA_METADATA_NONE)
    {
      /* exiv2 rewrites the file by name; the descriptor is reopened so the
       * commit's fsync covers what it wrote. */
      close (fd);
      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || !ottica_metadata_copy (metadata_source, temp_path, ex.width, ex.height,
                                    options->color_space, options->metadata, error))
        {
          ottica_atomic_file_abandon (-1, temp_path);
          goto out;
        }
      fd = g_open (temp_path, O_RDONLY | O_CLOEXEC, 0);
      if (fd < 0)
        {
          int errsv = errno;

          ottica_atomic_file_abandon (-1, temp_path);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("Could not write “%s”: %s"), display_name, g_strerror (errsv));
          goto out;
        }
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      ottica_atomic_file_abandon (fd, temp_path);
      goto out;
    }
  if (!ottica_atomic_file_commit (fd, temp_path, output_path, options->overwrite, error))
    goto out;

  if (progress != NULL)
    progress (1.0, progress_data);
  ok = TRUE;

out:
  export_clear (&ex);
  ottica_babl_guard_read_resume (paused);
  return ok;
}

gboolean
ottica_jpeg_export (GeglNode                  *node,
                    const char                *metadata_source,
                    const char                *output_path,
                    const OtticaExportOptions *options,
                    OtticaProgressFunc         progress,
                    gpointer                   progress_data,
                    GCancellable              *cancellable,
                    GError                   **error)
{
  gboolean ok;

  /* a read for setting up (ottica-babl-guard.h) */
  ottica_babl_guard_read_begin ();
  ok = export_jpeg (node, metadata_source, output_path, options, progress, progress_data,
                    cancellable, error);
  ottica_babl_guard_read_end ();
  return ok;
}
