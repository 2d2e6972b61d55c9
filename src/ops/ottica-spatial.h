/* ottica-spatial.h: what the spatial ops share (grain: the helpers at the
 * top; local contrast and glow: all of it): a coarse grid of cell averages
 * fixed to the image's coordinates, Gaussian filtering on it, and bilinear
 * reconstruction at pixel rate.
 *
 * Cells are anchored at the origin of the render level's pixel grid and a
 * cell's average is always summed in the same order, so every tile (and
 * every thread's share of one) computes bit-identical cells: tiled renders
 * join without seams. The cell size is a power of two in full-resolution
 * pixels, so at render level L (a pixel covers 2^L × 2^L) the cells cover
 * the same image areas as at full resolution, as long as they are at
 * least one pixel.
 *
 * GEGL hands a filter its result rectangle in full-resolution coordinates
 * and the level separately (see gegl:gblur-1d); the ops shift it to the
 * level's grid with ottica_spatial_level_rect ().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-op-common.h"
#include "ottica-point-steps.h"

G_BEGIN_DECLS

/* Levels up to this one get exactly the input they need; above it the
 * filter's reach is trimmed to what the margin holds, and bilinear
 * reconstruction at the edge of a tile may read a cell beyond it (edge
 * pixels repeated; at such levels a 24 MP photo is a thumbnail). */
#define OTTICA_SPATIAL_EXACT_LEVELS 3

static inline gfloat
ottica_clampf (gfloat v,
               gfloat low,
               gfloat high)
{
  return ottica_minf (ottica_maxf (v, low), high);
}

/* log2 and 2^x by exponent bits and a short polynomial, exact at both
 * ends of each octave (so continuous): log2 within 1e-5 for positive,
 * finite x; 2^x within 1e-5 relative for |x| < 100. They work four values
 * at a time with GCC's generic vectors (SIMD where the machine has it,
 * scalar code elsewhere) and on every value the same way, so a pixel's
 * result does not depend on where a row starts: arrays need room for
 * OTTICA_ROUND4 (n) values. */
typedef uint32_t OtticaV4u __attribute__ ((vector_size (16)));

#define OTTICA_ROUND4(n) (((n) + 3) & ~3)

static inline OtticaV4f
ottica_log2_v4 (OtticaV4f x)
{
  OtticaV4f u, p, exponent;
  OtticaV4u bits;

  bits = (OtticaV4u) x;
  exponent = __builtin_convertvector ((OtticaV4i) (bits >> 23) - 127, OtticaV4f);
  bits = (bits & 0x007fffffu) | 0x3f800000u;
  u = (OtticaV4f) bits - 1.0f;
  p = 0.442659437f + u * (-0.276728317f + u * (0.184862183f + u * (-0.0983875676f + u * 0.0262730364f)));
  return exponent + (u + u * (1.0f - u) * p);
}

static inline OtticaV4f
ottica_exp2_v4 (OtticaV4f x)
{
  OtticaV4f f, p;
  OtticaV4i whole;
  OtticaV4u bits;

  whole = __builtin_convertvector (x + 128.0f, OtticaV4i) - 128;
  f = x - __builtin_convertvector (whole, OtticaV4f);
  p = 1.0f + f + f * (f - 1.0f) * (0.306910457f + f * (0.0656114906f + f * 0.0137113515f));
  bits = (OtticaV4u) p + ((OtticaV4u) whole << 23);
  return (OtticaV4f) bits;
}

static inline void
ottica_log2_array (gfloat *values,
                   gint    n)
{
  for (gint i = 0; i < n; i += 4)
    ottica_v4f_store (values + i, ottica_log2_v4 (ottica_v4f_load (values + i)));
}

static inline void
ottica_exp2_array (gfloat *values,
                   gint    n)
{
  for (gint i = 0; i < n; i += 4)
    ottica_v4f_store (values + i, ottica_exp2_v4 (ottica_v4f_load (values + i)));
}

/* Rec. 2020 luminance of four RGBA float pixels, in the same operations
 * (and so to the same bits) as the scalar sum. */
static inline OtticaV4f
ottica_spatial_luma4 (const gfloat *pixels)
{
  OtticaV4f r = ottica_v4f_load (pixels);
  OtticaV4f g = ottica_v4f_load (pixels + 4);
  OtticaV4f b = ottica_v4f_load (pixels + 8);
  OtticaV4f a = ottica_v4f_load (pixels + 12);

  ottica_v4f_transpose (&r, &g, &b, &a);
  return OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
}

typedef struct
{
  gint    cell;           /* pixels per cell side, at the render level */
  gint    x0, y0;         /* index of the first cell */
  gint    width, height;  /* size in cells */
  gint    channels;
  gfloat *data;           /* row-major, channels interleaved */
} OtticaGrid;

/* The long edge of the input image in full-resolution pixels, or 0 when
 * it has no finite extent. */
static inline gdouble
ottica_spatial_long_edge (GeglOperation *operation)
{
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation, "input");

  if (bbox == NULL || gegl_rectangle_is_infinite_plane (bbox) ||
      bbox->width <= 0 || bbox->height <= 0)
    return 0.0;
  return MAX (bbox->width, bbox->height);
}

/* The input's extent, for bounding boxes that do not grow by the margin. */
static inline GeglRectangle
ottica_spatial_input_extent (GeglOperation *operation)
{
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation, "input");
  GeglRectangle        empty = { 0, 0, 0, 0 };

  return bbox != NULL ? *bbox : empty;
}

static inline GeglRectangle
ottica_spatial_level_rect (const GeglRectangle *roi,
                           gint                 level)
{
  GeglRectangle rect = *roi;

  if (level > 0)
    {
      rect.x = roi->x >> level;
      rect.y = roi->y >> level;
      rect.width = ((roi->x + roi->width) >> level) - rect.x;
      rect.height = ((roi->y + roi->height) >> level) - rect.y;
    }
  return rect;
}

/* The largest power of two not above @pixels (at least 1). */
static inline gint
ottica_spatial_cell_size (gdouble pixels)
{
  gint cell = 1;

  while (cell * 2 <= pixels && cell < (1 << 20))
    cell *= 2;
  return cell;
}

/* Cells [*first, *last] that bilinear reconstruction reads for the
 * pixels [start, start + n) along one axis. */
static inline void
ottica_grid_span (gint  start,
                  gint  n,
                  gint  cell,
                  gint *first,
                  gint *last)
{
  *first = (gint) floor ((start + 0.5) / cell - 0.5);
  *last = (gint) floor ((start + n - 0.5) / cell - 0.5) + 1;
}

/* Margin, in pixels of the render level, that a grid filtered over
 * @reach cells needs around the output: the bilinear span plus the reach. */
static inline gint
ottica_grid_margin (gint cell,
                    gint reach)
{
  return (reach + 2) * cell;
}

/* The input that a grid of @cell pixels filtered over @reach cells reads
 * for @roi (full-resolution coordinates) at render level @level, in
 * full-resolution coordinates: whole cells, @reach of them beyond the
 * ones bilinear reconstruction reads. Tighter than a uniform margin of
 * ottica_grid_margin () when @roi starts on a cell (an export's strips),
 * by a cell on each side. */
static inline GeglRectangle
ottica_grid_need (const GeglRectangle *roi,
                  gint                 level,
                  gint                 cell,
                  gint                 reach)
{
  GeglRectangle rect = ottica_spatial_level_rect (roi, level);
  GeglRectangle need = { 0, 0, 0, 0 };
  gint          first_x, last_x, first_y, last_y;

  if (rect.width <= 0 || rect.height <= 0)
    return need;
  ottica_grid_span (rect.x, rect.width, cell, &first_x, &last_x);
  ottica_grid_span (rect.y, rect.height, cell, &first_y, &last_y);
  need.x = (first_x - reach) * cell * (1 << level);
  need.y = (first_y - reach) * cell * (1 << level);
  need.width = (last_x + reach + 1) * cell * (1 << level) - need.x;
  need.height = (last_y + reach + 1) * cell * (1 << level) - need.y;
  return need;
}

/* The largest reach that fits in @margin pixels, given the cell size. */
static inline gint
ottica_grid_reach_within (gint margin,
                          gint cell)
{
  return MAX (margin / cell - 2, 0);
}

static inline void
ottica_grid_init (OtticaGrid *grid,
                  gint        cell,
                  gint        x0,
                  gint        y0,
                  gint        width,
                  gint        height,
                  gint        channels)
{
  grid->cell = cell;
  grid->x0 = x0;
  grid->y0 = y0;
  grid->width = width;
  grid->height = height;
  grid->channels = channels;
  grid->data = g_new0 (gfloat, (gsize) width * height * channels);
}

static inline void
ottica_grid_clear (OtticaGrid *grid)
{
  g_clear_pointer (&grid->data, g_free);
}

static inline gfloat *
ottica_grid_row (const OtticaGrid *grid,
                 gint              row)
{
  return grid->data + (gsize) row * grid->width * grid->channels;
}

/* Normalised Gaussian weights for offsets -reach..reach. */
static inline gfloat *
ottica_gaussian_kernel (gdouble sigma,
                        gint    reach)
{
  gfloat  *kernel = g_new (gfloat, 2 * reach + 1);
  gdouble  sum = 0.0;

  sigma = MAX (sigma, 1e-3);
  for (gint k = -reach; k <= reach; k++)
    {
      kernel[k + reach] = (gfloat) exp (-(gdouble) k * k / (2.0 * sigma * sigma));
      sum += kernel[k + reach];
    }
  for (gint k = 0; k <= 2 * reach; k++)
    kernel[k] = (gfloat) (kernel[k] / sum);
  return kernel;
}

/* kernel[0] · in[0] + kernel[1] · in[@step] + … over @taps values, for
 * @n outputs, each summed in tap order (the plain loop's operations, and
 * so its bits), sixteen outputs at a time with the sums in registers:
 * four independent sums keep the adds from waiting on each other. */
static inline void
ottica_grid_blur_line (const gfloat *in,
                       gsize         step,
                       const gfloat *kernel,
                       gint          taps,
                       gint          n,
                       gfloat       *out)
{
  gint i = 0;

  for (; i + 16 <= n; i += 16)
    {
      const gfloat *p = in + i;
      OtticaV4f     s0 = kernel[0] * ottica_v4f_load (p);
      OtticaV4f     s1 = kernel[0] * ottica_v4f_load (p + 4);
      OtticaV4f     s2 = kernel[0] * ottica_v4f_load (p + 8);
      OtticaV4f     s3 = kernel[0] * ottica_v4f_load (p + 12);

      for (gint k = 1; k < taps; k++)
        {
          p += step;
          s0 += kernel[k] * ottica_v4f_load (p);
          s1 += kernel[k] * ottica_v4f_load (p + 4);
          s2 += kernel[k] * ottica_v4f_load (p + 8);
          s3 += kernel[k] * ottica_v4f_load (p + 12);
        }
      ottica_v4f_store (out + i, s0);
      ottica_v4f_store (out + i + 4, s1);
      ottica_v4f_store (out + i + 8, s2);
      ottica_v4f_store (out + i + 12, s3);
    }
  for (; i + 8 <= n; i += 8)
    {
      const gfloat *p = in + i;
      OtticaV4f     s0 = kernel[0] * ottica_v4f_load (p);
      OtticaV4f     s1 = kernel[0] * ottica_v4f_load (p + 4);

      for (gint k = 1; k < taps; k++)
        {
          p += step;
          s0 += kernel[k] * ottica_v4f_load (p);
          s1 += kernel[k] * ottica_v4f_load (p + 4);
        }
      ottica_v4f_store (out + i, s0);
      ottica_v4f_store (out + i + 4, s1);
    }
  for (; i < n; i++)
    {
      const gfloat *p = in + i;
      gfloat        s = kernel[0] * *p;

      for (gint k = 1; k < taps; k++)
        {
          p += step;
          s += kernel[k] * *p;
        }
      out[i] = s;
    }
}

/* Separable Gaussian over the cells that have their whole neighbourhood in
 * @src: @dst is @reach cells smaller on each side. Each output cell is the
 * same sum in the same order wherever the grid starts. */
static inline void
ottica_grid_blur (const OtticaGrid *src,
                  OtticaGrid       *dst,
                  const gfloat     *kernel,
                  gint              reach)
{
  const gint ch = src->channels;
  const gint width = src->width - 2 * reach;
  const gint height = src->height - 2 * reach;
  const gint taps = 2 * reach + 1;
  const gsize line = (gsize) MAX (width, 0) * ch;
  g_autofree gfloat *horizontal = NULL;

  ottica_grid_init (dst, src->cell, src->x0 + reach, src->y0 + reach,
                    MAX (width, 0), MAX (height, 0), ch);
  if (width <= 0 || height <= 0)
    return;

  horizontal = g_new (gfloat, line * src->height);
  for (gint y = 0; y < src->height; y++)
    ottica_grid_blur_line (ottica_grid_row (src, y), ch, kernel, taps, (gint) line,
                           horizontal + y * line);
  for (gint y = 0; y < height; y++)
    ottica_grid_blur_line (horizontal + y * line, line, kernel, taps, (gint) line,
                           ottica_grid_row (dst, y));
}

/* Bilinear reconstruction along one axis: for each of the @n pixels from
 * @start, the offset of its first cell from @first_cell and the weight
 * of the second. Returns how many cells the pixels read. */
static inline gint
ottica_grid_axis (gint    start,
                  gint    n,
                  gint    cell,
                  gint    first_cell,
                  gint   *offset,
                  gfloat *frac)
{
  for (gint p = 0; p < n; p++)
    {
      gdouble t = (start + p + 0.5) / cell - 0.5;
      gdouble f = floor (t);

      offset[p] = (gint) f - first_cell;
      frac[p] = (gfloat) (t - f);
    }
  return n > 0 ? offset[n - 1] + 2 : 0;
}

/* The grid interpolated at pixel row @y, for @n_cells cells from
 * @first_cell (an absolute cell index), into @out. */
static inline void
ottica_grid_interpolate_row (const OtticaGrid *grid,
                             gint              y,
                             gint              first_cell,
                             gint              n_cells,
                             gfloat           *out)
{
  const gint    ch = grid->channels;
  gdouble       t = (y + 0.5) / grid->cell - 0.5;
  gdouble       f = floor (t);
  gfloat        fy = (gfloat) (t - f);
  gint          row = (gint) f - grid->y0;
  const gfloat *upper = ottica_grid_row (grid, row) + (gsize) (first_cell - grid->x0) * ch;
  const gfloat *lower = ottica_grid_row (grid, row + 1) + (gsize) (first_cell - grid->x0) * ch;

  const gint    n = n_cells * ch;
  gint          i = 0;

  for (; i + 4 <= n; i += 4)
    {
      OtticaV4f u = ottica_v4f_load (upper + i);

      ottica_v4f_store (out + i, u + fy * (ottica_v4f_load (lower + i) - u));
    }
  for (; i < n; i++)
    out[i] = upper[i] + fy * (lower[i] - upper[i]);
}

/* The first cell (absolute index) that pixel @x reads. */
static inline gint
ottica_grid_first_cell (gint x,
                        gint cell)
{
  return (gint) floor ((x + 0.5) / cell - 0.5);
}

/* Cells per block when a grid is accumulated from the input: blocks
 * about OTTICA_SPATIAL_BLOCK_PIXELS wide, so that a block of one cell row
 * (at most 32 rows of RGBA float) stays in the cache and is never a large
 * fresh allocation, as a band of the whole width was. */
#define OTTICA_SPATIAL_BLOCK_PIXELS 256

/* Each read of a block has a fixed cost (a gegl_buffer_get()); blocks of
 * the small cells of preview levels are made wider, to about 32 KB of
 * pixels. (Wider blocks did not pay at full resolution.) */
#define OTTICA_SPATIAL_BLOCK_BYTES (32 << 10)

static inline gint
ottica_spatial_block_cells (gint cell)
{
  gint pixels = MAX (OTTICA_SPATIAL_BLOCK_PIXELS,
                     OTTICA_SPATIAL_BLOCK_BYTES / (gint) (4 * sizeof (gfloat)) / cell);

  return MAX (pixels / cell, 1);
}

/* Reads @rect (render-level coordinates) of @input, edges repeated. */
static inline void
ottica_spatial_read (GeglBuffer          *input,
                     const GeglRectangle *rect,
                     gint                 level,
                     gfloat              *pixels)
{
  gegl_buffer_get (input, rect, 1.0 / (1 << level), ottica_op_working_format (), pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
}

/* What a spatial op's filter process does for an area of its result. */
typedef gboolean (*OtticaSpatialProcess) (GeglOperation       *operation,
                                          GeglBuffer          *input,
                                          GeglBuffer          *output,
                                          const GeglRectangle *result,
                                          gint                 level);

typedef struct
{
  GeglOperation          *operation;
  OtticaSpatialProcess    process;
  const OtticaPointSteps *steps;  /* or, without process, these steps alone */
  GPtrArray              *then;
  GeglBuffer             *input;
  GeglBuffer             *output;
  gint                    level;
  gint                    failed;
} OtticaSpatialJob;

static inline void
ottica_spatial_job_run (const GeglRectangle *area,
                        gpointer             user_data)
{
  OtticaSpatialJob *job = user_data;
  gboolean          ok;

  if (job->process != NULL)
    ok = job->process (job->operation, job->input, job->output, area, job->level);
  else
    {
      GeglRectangle roi = ottica_spatial_level_rect (area, job->level);

      ok = ottica_point_steps_run_buffers (job->steps, job->then, job->input, job->output, &roi,
                                           job->level);
    }
  if (!ok)
    g_atomic_int_set (&job->failed, 1);
}

/* @job over @result, split over GEGL's threads as GEGL would, but every
 * thread reads the one input buffer. GEGL hands each thread its own view
 * of the input instead (gegl_operation_context_dup_input_maybe_copy()),
 * backed by the input's tiles; a source buffer that wraps decoded pixels
 * (one tile the size of the image, as gegl_buffer_linear_new_from_data()
 * makes) is then copied whole for every thread and every strip of an
 * export: 72 MB each time at 24 MP, half the CPU time of a glow look.
 * These ops only read their input, so sharing it is safe. */
static inline gboolean
ottica_spatial_distribute (OtticaSpatialJob     *job,
                           GeglOperationContext *context,
                           const GeglRectangle  *result)
{
  g_autoptr(GeglBuffer) input = (GeglBuffer *) gegl_operation_context_dup_object (context, "input");

  if (input == NULL)
    return FALSE;
  job->input = input;
  job->output = gegl_operation_context_get_target (context, "output");
  if (gegl_operation_use_threading (job->operation, result))
    gegl_parallel_distribute_area (result, gegl_operation_get_pixels_per_thread (job->operation),
                                   GEGL_SPLIT_STRATEGY_AUTO, ottica_spatial_job_run, job);
  else
    ottica_spatial_job_run (result, job);
  return !g_atomic_int_get (&job->failed);
}

/* GEGL's filter process for the spatial ops: @process over @result. */
static inline gboolean
ottica_spatial_filter_process (GeglOperation        *operation,
                               GeglOperationContext *context,
                               const GeglRectangle  *result,
                               gint                  level,
                               OtticaSpatialProcess  process)
{
  OtticaSpatialJob job = { operation, process, NULL, NULL, NULL, NULL, level, 0 };

  return ottica_spatial_distribute (&job, context, result);
}

/* The process of an area filter whose own parameters change nothing: the
 * point steps it runs on its result (@then, see ottica-point-steps.h), on
 * its input as it is; with none, the input handed on untouched. */
static inline gboolean
ottica_spatial_neutral_process (GeglOperation          *operation,
                                GeglOperationContext   *context,
                                const GeglRectangle    *result,
                                gint                    level,
                                const OtticaPointSteps *steps,
                                GPtrArray              *then)
{
  OtticaSpatialJob job = { operation, NULL, steps, then, NULL, NULL, level, 0 };

  if (!ottica_point_steps_usable (then))
    return ottica_op_pass_through (context);
  return ottica_spatial_distribute (&job, context, result);
}

G_END_DECLS
