/* local-contrast.c: ottica:local-contrast, edge-aware clarity.
 *
 * Works on log2 luminance. The base layer is a guided filter of the log
 * luminance by itself: where a neighbourhood's variance is well above the
 * edge threshold (a real edge), the filter follows the image and the edge
 * is left alone, so there is no halo; where it is below (texture), the
 * filter averages and the difference, the detail, is scaled by 1 + amount.
 * All three channels are multiplied by the same factor, so hue and
 * saturation are kept.
 *
 * Two changes to the textbook filter keep hard edges clean (the plain one
 * overshoots a 3.6 EV step by 7-9 % at amount 1; this one by under 0.5 %):
 * the per-window coefficient goes from texture to edge more steeply, and
 * coefficients are averaged over half the window's width, so windows that
 * barely reach a pixel from across an edge do not count for it.
 *
 * It is the "fast" guided filter: window statistics are computed on a grid
 * of cell averages (about one window σ per cell), filtered there, and the
 * linear coefficients are interpolated back to every pixel, so the cost
 * per pixel (two log2, one exp2) does not grow with the radius.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (amount, _("Amount"), 0.0)
  description (_("Change of local contrast: positive adds clarity (1 doubles the detail), "
                 "negative softens it (-1 removes it); 0 leaves the image as it is"))
  value_range (-1.0, 1.0)
  ui_range    (-1.0, 1.0)

property_double (radius, _("Radius"), 0.5)
  description (_("Size of the neighbourhood whose contrast is changed, "
                 "in percent of the image’s long edge"))
  value_range (0.05, 10.0)
  ui_range    (0.1, 3.0)
  ui_gamma    (2.0)

property_double (edge_threshold, _("Edge threshold"), 0.4)
  description (_("Tonal step, in EV, from which an edge is kept rather than enhanced: "
                 "steps of this size get half the change, larger ones less; "
                 "lower values protect more edges from halos"))
  value_range (0.02, 4.0)
  ui_range    (0.05, 2.0)
  ui_gamma    (2.0)

property_pointer (then, _("Then"), NULL)
  description (_("Point operations to run on the result in the same pass, in order: a "
                 "GPtrArray of GeglOperation that the caller keeps alive (ottica:look sets it)"))

#else

#define GEGL_OP_AREA_FILTER
#define GEGL_OP_NAME     local_contrast
#define GEGL_OP_C_SOURCE local-contrast.c

#include "gegl-op.h"
#include "ottica-spatial.h"

/* log2 luminance floor (-12 EV), so that the noise of deep shadows is
 * not taken for detail. */
#define LOG_FLOOR (1.0f / 4096.0f)

/* Detail is compressed above about 1 EV (d / (1 + |d| / 2)), so an
 * isolated specular point is not multiplied several times over. */
#define DETAIL_KNEE 0.5f

/* The coefficients are averaged over a narrower Gaussian than the
 * windows they come from: windows that only just reach a pixel (and are
 * mostly on the other side of an edge) then hardly count for it. */
#define COEFFICIENT_SIGMA 0.5

typedef struct
{
  gint    cell;           /* pixels per cell at the render level */
  gdouble window_sigma;   /* cells */
  gint    window_reach;   /* cells */
  gdouble blend_sigma;    /* cells */
  gint    blend_reach;    /* cells */
} Geometry;

/* @radius_pixels: the window's reach (3σ) in full-resolution pixels. */
static Geometry
geometry_at_level (gdouble radius_pixels,
                   gint    level)
{
  Geometry geometry;
  gdouble  sigma = radius_pixels / 3.0 / (1 << level);

  geometry.cell = MAX (ottica_spatial_cell_size (radius_pixels / 3.0) >> level, 1);
  geometry.window_sigma = MAX (sigma / geometry.cell, 0.5);
  geometry.window_reach = (gint) ceil (3.0 * geometry.window_sigma);
  geometry.blend_sigma = COEFFICIENT_SIGMA * geometry.window_sigma;
  geometry.blend_reach = (gint) ceil (3.0 * geometry.blend_sigma);
  return geometry;
}

static gdouble
radius_pixels (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  return o->radius / 100.0 * ottica_spatial_long_edge (operation);
}

static void
prepare (GeglOperation *operation)
{
  GeglOperationAreaFilter *area = GEGL_OPERATION_AREA_FILTER (operation);
  GeglProperties          *o = GEGL_PROPERTIES (operation);
  const Babl              *format = ottica_op_working_format ();
  gint                     margin = 0;

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
  ottica_point_steps_prepare (&o->user_data, o->then);

  /* Two filtering stages (statistics, then coefficients); the margin is
   * what the most demanding of the exactly served levels needs. */
  if (o->amount != 0.0)
    for (gint level = 0; level <= OTTICA_SPATIAL_EXACT_LEVELS; level++)
      {
        Geometry geometry = geometry_at_level (radius_pixels (operation), level);

        gint reach = geometry.window_reach + geometry.blend_reach;

        margin = MAX (margin, ottica_grid_margin (geometry.cell, reach) << level);
      }

  area->left = area->right = area->top = area->bottom = margin;
}

static GeglRectangle
get_bounding_box (GeglOperation *operation)
{
  return ottica_spatial_input_extent (operation);
}

/* The reaches in cells of the two filtering stages at @level: whole up to
 * the exactly served levels, above them shared out of what the margin
 * holds. */
static void
reaches_at_level (GeglOperation  *operation,
                  const Geometry *geometry,
                  gint            level,
                  gint           *window_reach,
                  gint           *blend_reach)
{
  GeglOperationAreaFilter *area = GEGL_OPERATION_AREA_FILTER (operation);
  gint reach = ottica_grid_reach_within (area->left >> level, geometry->cell);

  *window_reach = geometry->window_reach;
  *blend_reach = geometry->blend_reach;
  if (*window_reach + *blend_reach > reach)
    {
      *window_reach = MAX (reach * 2 / 3, 0);
      *blend_reach = MAX (reach - *window_reach, 0);
    }
}

/* Exactly the cells the grid reads, at whichever level GEGL renders (see
 * glow.c). */
static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  GeglRectangle   need = *roi;
  gdouble         radius = radius_pixels (operation);

  if (o->amount == 0.0 || radius <= 0.0 || roi->width <= 0 || roi->height <= 0)
    return *roi;
  for (gint level = 0; level <= OTTICA_SPATIAL_EXACT_LEVELS; level++)
    {
      Geometry      geometry = geometry_at_level (radius, level);
      gint          window_reach, blend_reach;
      GeglRectangle rect;

      reaches_at_level (operation, &geometry, level, &window_reach, &blend_reach);
      rect = ottica_grid_need (roi, level, geometry.cell, window_reach + blend_reach);
      if (rect.width > 0 && rect.height > 0)
        gegl_rectangle_bounding_box (&need, &need, &rect);
    }
  return need;
}

/* log2 of the luminance of @n pixels, into @logs (room for
 * OTTICA_ROUND4 (n)). Every value is computed the same way wherever it
 * falls in a row, so the statistics and the pixels agree bit for bit. */
static inline void
log_luminance (const gfloat *pixels,
               gint          n,
               gfloat       *logs)
{
  const OtticaV4f zero = ottica_v4f_splat (0.0f);
  gint            i = 0;

  for (; i + 4 <= n; i += 4, pixels += 16)
    {
      OtticaV4f luma = ottica_v4f_max (ottica_spatial_luma4 (pixels), zero) + LOG_FLOOR;

      ottica_v4f_store (logs + i, ottica_log2_v4 (luma));
    }
  if (i < n)
    {
      gfloat tail[4] = { 1.0f, 1.0f, 1.0f, 1.0f };

      for (gint j = 0; i + j < n; j++, pixels += 4)
        {
          gfloat luma = OTTICA_REC2020_Y_R * pixels[0] + OTTICA_REC2020_Y_G * pixels[1] + OTTICA_REC2020_Y_B * pixels[2];

          tail[j] = ottica_maxf (luma, 0.0f) + LOG_FLOOR;
        }
      ottica_v4f_store (logs + i, ottica_log2_v4 (ottica_v4f_load (tail)));
    }
}

/* Sums of l and l² of one row into its @n_cells cells. Cells of four
 * pixels or more sum in four lanes, reduced in a fixed order: the same
 * sums wherever a block starts. */
static inline void
accumulate_row (const gfloat *l,
                gint          n_cells,
                gint          cell,
                gfloat       *cells)
{
  if (cell % 4 == 0)
    for (gint cx = 0; cx < n_cells; cx++, l += cell)
      {
        OtticaV4f sum = ottica_v4f_splat (0.0f), sum_sq = sum;

        for (gint i = 0; i < cell; i += 4)
          {
            OtticaV4f v = ottica_v4f_load (l + i);

            sum += v;
            sum_sq += v * v;
          }
        cells[2 * cx] += (sum[0] + sum[1]) + (sum[2] + sum[3]);
        cells[2 * cx + 1] += (sum_sq[0] + sum_sq[1]) + (sum_sq[2] + sum_sq[3]);
      }
  else
    for (gint cx = 0; cx < n_cells; cx++, l += cell)
      {
        gfloat sum = 0.0f, sum_sq = 0.0f;

        for (gint i = 0; i < cell; i++)
          {
            sum += l[i];
            sum_sq += l[i] * l[i];
          }
        cells[2 * cx] += sum;
        cells[2 * cx + 1] += sum_sq;
      }
}

#ifdef OTTICA_HAVE_AVX2
/* Eight-lane versions of the hot loops for processors with AVX2 (chosen
 * by ottica_use_avx2 ()): lane for lane the same float operations in the
 * same order as the four-lane ones (and no FMA: the target is "avx2"
 * alone), so they give the same bits; the tests compare the two paths.
 * Whatever does not fill eight lanes goes through the four-lane code. */
typedef OtticaV8f V8f;
typedef OtticaV8i V8i;
typedef OtticaV8u V8u;

#define V8(v) OTTICA_V8 (v)

__attribute__ ((target ("avx2")))
static inline V8f
v8f_load (const float *p)
{
  V8f v;

  memcpy (&v, p, sizeof v);
  return v;
}

__attribute__ ((target ("avx2")))
static inline void
v8f_store (float *p,
           V8f    v)
{
  memcpy (p, &v, sizeof v);
}

/* ottica_log2_v4 () eight lanes wide. */
__attribute__ ((target ("avx2")))
static inline V8f
log2_v8 (V8f x)
{
  V8f u, p, exponent;
  V8u bits;

  bits = (V8u) x;
  exponent = __builtin_convertvector ((V8i) (bits >> 23) - 127, V8f);
  bits = (bits & 0x007fffffu) | 0x3f800000u;
  u = (V8f) bits - 1.0f;
  p = 0.442659437f + u * (-0.276728317f + u * (0.184862183f + u * (-0.0983875676f + u * 0.0262730364f)));
  return exponent + (u + u * (1.0f - u) * p);
}

/* ottica_exp2_v4 () eight lanes wide. */
__attribute__ ((target ("avx2")))
static inline V8f
exp2_v8 (V8f x)
{
  V8f f, p;
  V8i whole;
  V8u bits;

  whole = __builtin_convertvector (x + 128.0f, V8i) - 128;
  f = x - __builtin_convertvector (whole, V8f);
  p = 1.0f + f + f * (f - 1.0f) * (0.306910457f + f * (0.0656114906f + f * 0.0137113515f));
  bits = (V8u) p + ((V8u) whole << 23);
  return (V8f) bits;
}

/* log_luminance () eight pixels at a time: pixels i … i + 3 and
 * i + 4 … i + 7 in the two halves, transposed within each half as
 * ottica_spatial_luma4 () transposes them. */
__attribute__ ((target ("avx2")))
static void
log_luminance_avx2 (const gfloat *pixels,
                    gint          n,
                    gfloat       *logs)
{
  const V8f zero = V8 (0.0f);
  gint      i = 0;

  for (; i + 8 <= n; i += 8, pixels += 32)
    {
      V8f p0 = __builtin_shufflevector (ottica_v4f_load (pixels), ottica_v4f_load (pixels + 16), 0, 1, 2, 3, 4, 5, 6, 7);
      V8f p1 = __builtin_shufflevector (ottica_v4f_load (pixels + 4), ottica_v4f_load (pixels + 20), 0, 1, 2, 3, 4, 5, 6, 7);
      V8f p2 = __builtin_shufflevector (ottica_v4f_load (pixels + 8), ottica_v4f_load (pixels + 24), 0, 1, 2, 3, 4, 5, 6, 7);
      V8f p3 = __builtin_shufflevector (ottica_v4f_load (pixels + 12), ottica_v4f_load (pixels + 28), 0, 1, 2, 3, 4, 5, 6, 7);
      V8f t0 = __builtin_shufflevector (p0, p1, 0, 8, 1, 9, 4, 12, 5, 13);
      V8f t1 = __builtin_shufflevector (p2, p3, 0, 8, 1, 9, 4, 12, 5, 13);
      V8f t2 = __builtin_shufflevector (p0, p1, 2, 10, 3, 11, 6, 14, 7, 15);
      V8f t3 = __builtin_shufflevector (p2, p3, 2, 10, 3, 11, 6, 14, 7, 15);
      V8f r = __builtin_shufflevector (t0, t1, 0, 1, 8, 9, 4, 5, 12, 13);
      V8f g = __builtin_shufflevector (t0, t1, 2, 3, 10, 11, 6, 7, 14, 15);
      V8f b = __builtin_shufflevector (t2, t3, 0, 1, 8, 9, 4, 5, 12, 13);
      V8f luma = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;

      /* max (luma, 0) as maxps takes it: a NaN gives 0. */
      luma = __builtin_ia32_maxps256 (luma, zero) + LOG_FLOOR;
      v8f_store (logs + i, log2_v8 (luma));
    }
  if (i < n)
    log_luminance (pixels, n - i, logs + i);
}

/* accumulate_row () two cells at a time, one in each half: each half sums
 * exactly what the four lanes sum for one cell. */
__attribute__ ((target ("avx2")))
static void
accumulate_row_avx2 (const gfloat *l,
                     gint          n_cells,
                     gint          cell,
                     gfloat       *cells)
{
  gint cx = 0;

  if (cell % 4 == 0)
    for (; cx + 2 <= n_cells; cx += 2, l += 2 * cell)
      {
        V8f sum = V8 (0.0f), sum_sq = sum;

        for (gint i = 0; i < cell; i += 4)
          {
            V8f v = __builtin_shufflevector (ottica_v4f_load (l + i), ottica_v4f_load (l + cell + i),
                                             0, 1, 2, 3, 4, 5, 6, 7);

            sum += v;
            sum_sq += v * v;
          }
        cells[2 * cx] += (sum[0] + sum[1]) + (sum[2] + sum[3]);
        cells[2 * cx + 1] += (sum_sq[0] + sum_sq[1]) + (sum_sq[2] + sum_sq[3]);
        cells[2 * cx + 2] += (sum[4] + sum[5]) + (sum[6] + sum[7]);
        cells[2 * cx + 3] += (sum_sq[4] + sum_sq[5]) + (sum_sq[6] + sum_sq[7]);
      }
  if (cx < n_cells)
    accumulate_row (l, n_cells - cx, cell, cells + 2 * cx);
}
#endif

/* Where the statistics go: the cell rows, and the log luminance of the
 * pixels of @roi (rows of @stride values), kept so that the pixel pass
 * does not compute it again. */
typedef struct
{
  GeglBuffer          *input;
  gint                 level;
  const OtticaGrid    *stats;
  const GeglRectangle *roi;
  gfloat              *logs;
  gint                 stride;
  gfloat              *block;     /* one block of pixels */
  gfloat              *row_logs;  /* one row of log luminance */
  gboolean             avx2;      /* the eight-lane loops */
} Statistics;

/* Sums one row of whole cells, @n pixels from @x on row @y, into @cells
 * (the sums of its first cell). */
static inline void
statistics_row (const Statistics *st,
                const gfloat     *pixels,
                gint              x,
                gint              y,
                gint              n,
                gfloat           *cells)
{
  const GeglRectangle *roi = st->roi;
  const gint           x0 = MAX (x, roi->x);
  const gint           x1 = MIN (x + n, roi->x + roi->width);

#ifdef OTTICA_HAVE_AVX2
  if (st->avx2)
    {
      log_luminance_avx2 (pixels, n, st->row_logs);
      accumulate_row_avx2 (st->row_logs, n / st->stats->cell, st->stats->cell, cells);
    }
  else
#endif
    {
      log_luminance (pixels, n, st->row_logs);
      accumulate_row (st->row_logs, n / st->stats->cell, st->stats->cell, cells);
    }
  if (y >= roi->y && y < roi->y + roi->height && x1 > x0)
    memcpy (st->logs + (gsize) (y - roi->y) * st->stride + (x0 - roi->x),
            st->row_logs + (x0 - x), (gsize) (x1 - x0) * sizeof (gfloat));
}

/* Cells [first, last) of cell row @cy, read a block at a time with
 * gegl_buffer_get () (edges repeated). */
static void
statistics_blocks (const Statistics *st,
                   gint              cy,
                   gint              first,
                   gint              last)
{
  const gint cell = st->stats->cell;
  const gint block_cells = ottica_spatial_block_cells (cell);
  gfloat    *cells_row = ottica_grid_row (st->stats, cy);

  for (gint bx = first; bx < last; bx += block_cells)
    {
      const gint n_cells = MIN (block_cells, last - bx);
      const gint width = n_cells * cell;
      GeglRectangle rect = { (st->stats->x0 + bx) * cell, (st->stats->y0 + cy) * cell, width, cell };

      ottica_spatial_read (st->input, &rect, st->level, st->block);
      for (gint row = 0; row < cell; row++)
        statistics_row (st, st->block + (gsize) row * width * 4, rect.x, rect.y + row, width,
                        cells_row + 2 * bx);
    }
}

/* Cells [first, last) of cell rows [top, bottom), which lie inside the
 * input, read in place through one iterator (no copy where the buffer's
 * tiles hold the working format). Each cell is summed exactly as
 * statistics_blocks () sums it, as long as no chunk of the iterator cuts
 * through a cell across: the iterator visits tiles row by row, so a
 * cell's rows still come in order. Returns FALSE, with nothing summed,
 * when a chunk does cut one. */
static gboolean
statistics_in_place (const Statistics *st,
                     gint              first,
                     gint              last,
                     gint              top,
                     gint              bottom)
{
  const OtticaGrid *stats = st->stats;
  const gint        cell = stats->cell;
  GeglRectangle     rect = { (stats->x0 + first) * cell, (stats->y0 + top) * cell,
                             (last - first) * cell, (bottom - top) * cell };
  GeglBufferIterator *iter;

  iter = gegl_buffer_iterator_new (st->input, &rect, st->level, ottica_op_working_format (),
                                   GEGL_ACCESS_READ, GEGL_ABYSS_NONE, 1);
  while (gegl_buffer_iterator_next (iter))
    {
      const GeglRectangle *chunk = &iter->items[0].roi;
      const gfloat        *pixels = iter->items[0].data;
      const gint           cx = first + (chunk->x - rect.x) / cell;

      if ((chunk->x - rect.x) % cell != 0 || chunk->width % cell != 0)
        {
          gegl_buffer_iterator_stop (iter);
          for (gint cy = top; cy < bottom; cy++)
            memset (ottica_grid_row (stats, cy) + 2 * first, 0, sizeof (gfloat) * 2 * (last - first));
          return FALSE;
        }
      for (gint row = 0; row < chunk->height; row++)
        {
          const gint y = chunk->y + row;
          gfloat    *cells = ottica_grid_row (stats, top + (y - rect.y) / cell) + 2 * cx;

          statistics_row (st, pixels + (gsize) row * chunk->width * 4, chunk->x, y, chunk->width,
                          cells);
        }
    }
  return TRUE;
}

/* Cell means of l and l² over @stats (see accumulate_highlights() in
 * glow.c: the same sums in the same order wherever a block starts), and
 * the log luminance of @roi's pixels into @logs. */
static void
accumulate_statistics (GeglBuffer          *input,
                       gint                 level,
                       OtticaGrid          *stats,
                       const GeglRectangle *roi,
                       gfloat              *logs,
                       gint                 stride)
{
  const gint           cell = stats->cell;
  const gint           block_width = ottica_spatial_block_cells (cell) * cell;
  const gfloat         norm = 1.0f / (cell * cell);
  const GeglRectangle *abyss = gegl_buffer_get_abyss (input);
  g_autofree gfloat   *block = g_new (gfloat, (gsize) block_width * cell * 4);
  g_autofree gfloat   *row_logs = g_new (gfloat, OTTICA_ROUND4 (MAX (block_width, stats->width * cell)));
  Statistics           st = { input, level, stats, roi, logs, stride, block, row_logs,
                                ottica_use_avx2 () };
  gint                 first = 0, last = 0, top = 0, bottom = 0;

  /* The cells wholly inside the input (at full resolution, cells of
   * whole fours) are read in place; the others need its edges repeated. */
  if (level == 0 && cell % 4 == 0)
    {
      first = CLAMP ((gint) ceil ((gdouble) abyss->x / cell) - stats->x0, 0, stats->width);
      last = CLAMP ((gint) floor ((gdouble) (abyss->x + abyss->width) / cell) - stats->x0,
                    first, stats->width);
      top = CLAMP ((gint) ceil ((gdouble) abyss->y / cell) - stats->y0, 0, stats->height);
      bottom = CLAMP ((gint) floor ((gdouble) (abyss->y + abyss->height) / cell) - stats->y0,
                      top, stats->height);
      if (last == first || bottom == top ||
          !statistics_in_place (&st, first, last, top, bottom))
        first = last = top = bottom = 0;
    }

  for (gint cy = 0; cy < stats->height; cy++)
    {
      gfloat *cells_row = ottica_grid_row (stats, cy);

      if (cy >= top && cy < bottom)
        {
          statistics_blocks (&st, cy, 0, first);
          statistics_blocks (&st, cy, last, stats->width);
        }
      else
        statistics_blocks (&st, cy, 0, stats->width);
      for (gint i = 0; i < 2 * stats->width; i++)
        cells_row[i] *= norm;
    }
}

/* Guided-filter coefficients per cell from the window means of l and l²:
 * a = var² / (var² + ε²), b = mean (1 - a). The plain guided filter's
 * a = var / (var + ε) leaves windows that just reach over an edge partly
 * smoothed, which shows as a halo of about ε / step; squaring makes the
 * change from texture to edge steeper, which shrinks that halo, while
 * texture well below the threshold is treated alike. */
static void
coefficients (OtticaGrid *moments,
              gfloat      epsilon)
{
  gsize n = (gsize) moments->width * moments->height;

  for (gsize i = 0; i < n; i++)
    {
      gfloat mean = moments->data[2 * i];
      gfloat var = ottica_maxf (moments->data[2 * i + 1] - mean * mean, 0.0f);
      gfloat a = var * var / (var * var + epsilon * epsilon);

      moments->data[2 * i] = a;
      moments->data[2 * i + 1] = mean * (1.0f - a);
    }
}

/* The detail l - (a l + b) of pixels [x0, x1) of a row, into @gains
 * (from its start), with a and b interpolated along each run of columns
 * between the same two cells; eight pixels at a time where @eight (only
 * inlined into a target ("avx2") function), with each lane's operations
 * those of the four-lane and scalar loops, so the same bits. */
G_ALWAYS_INLINE static inline void
detail_row_lanes (const gfloat *l,
                  const gfloat *row_coeffs,
                  const gint   *col_offset,
                  const gfloat *col_frac,
                  const gint   *run_end,
                  gint          cell0,
                  gint          x0,
                  gint          x1,
                  gfloat       *gains,
                  gboolean      eight)
{
  for (gint x = x0, end; x < x1; x = end)
    {
      const gfloat *c = row_coeffs + 2 * (col_offset[x] - cell0);
      const gfloat  a0 = c[0], da = c[2] - c[0];
      const gfloat  b0 = c[1], db = c[3] - c[1];

      end = MIN (run_end[x], x1);
      if (eight)
        for (; x + 8 <= end; x += 8)
          {
            OtticaV8f fx, lx, a, b, detail;

            memcpy (&fx, col_frac + x, sizeof fx);
            memcpy (&lx, l + x, sizeof lx);
            a = a0 + fx * da;
            b = b0 + fx * db;
            detail = lx - (a * lx + b);
            memcpy (gains + (x - x0), &detail, sizeof detail);
          }
      for (; x + 4 <= end; x += 4)
        {
          OtticaV4f fx = ottica_v4f_load (col_frac + x);
          OtticaV4f lx = ottica_v4f_load (l + x);
          OtticaV4f a = a0 + fx * da;
          OtticaV4f b = b0 + fx * db;

          ottica_v4f_store (gains + (x - x0), lx - (a * lx + b));
        }
      for (; x < end; x++)
        {
          gfloat a = a0 + col_frac[x] * da;
          gfloat b = b0 + col_frac[x] * db;

          gains[x - x0] = l[x] - (a * l[x] + b);
        }
    }
}

static void
detail_row (const gfloat *l,
            const gfloat *row_coeffs,
            const gint   *col_offset,
            const gfloat *col_frac,
            const gint   *run_end,
            gint          cell0,
            gint          x0,
            gint          x1,
            gfloat       *gains)
{
  detail_row_lanes (l, row_coeffs, col_offset, col_frac, run_end, cell0, x0, x1, gains, FALSE);
}

/* Gains from the detail of @n pixels, four at a time, each applied to its
 * pixel's colour (alpha is multiplied by 1: unchanged). */
static inline void
apply_gains (const gfloat *gains,
             gint          n,
             gfloat        amount,
             const gfloat *in,
             gfloat       *out)
{
  const OtticaV4f one = ottica_v4f_splat (1.0f);

  for (gint x = 0; x < n; x += 4)
    {
      const gint m = MIN (n - x, 4);
      OtticaV4f  detail = ottica_v4f_load (gains + x);
      OtticaV4f  gain;

      detail = amount * detail / (1.0f + DETAIL_KNEE * ottica_v4f_abs (detail));
      gain = ottica_exp2_v4 (detail);
      if (m == 4)
        {
          ottica_v4f_store (out, ottica_v4f_load (in) * OTTICA_SHUFFLE (gain, one, 0, 0, 0, 4));
          ottica_v4f_store (out + 4, ottica_v4f_load (in + 4) * OTTICA_SHUFFLE (gain, one, 1, 1, 1, 4));
          ottica_v4f_store (out + 8, ottica_v4f_load (in + 8) * OTTICA_SHUFFLE (gain, one, 2, 2, 2, 4));
          ottica_v4f_store (out + 12, ottica_v4f_load (in + 12) * OTTICA_SHUFFLE (gain, one, 3, 3, 3, 4));
          in += 16;
          out += 16;
        }
      else
        for (gint i = 0; i < m; i++, in += 4, out += 4)
          ottica_v4f_store (out, ottica_v4f_load (in) * (OtticaV4f) { gain[i], gain[i], gain[i], 1.0f });
    }
}

#ifdef OTTICA_HAVE_AVX2
__attribute__ ((target ("avx2")))
static void
detail_row_avx2 (const gfloat *l,
                 const gfloat *row_coeffs,
                 const gint   *col_offset,
                 const gfloat *col_frac,
                 const gint   *run_end,
                 gint          cell0,
                 gint          x0,
                 gint          x1,
                 gfloat       *gains)
{
  detail_row_lanes (l, row_coeffs, col_offset, col_frac, run_end, cell0, x0, x1, gains, TRUE);
}

__attribute__ ((target ("avx2")))
static void
apply_gains_avx2 (const gfloat *gains,
                  gint          n,
                  gfloat        amount,
                  const gfloat *in,
                  gfloat       *out)
{
  const V8f one = V8 (1.0f);
  gint      x = 0;

  for (; x + 8 <= n; x += 8, in += 32, out += 32)
    {
      V8f detail = v8f_load (gains + x);
      V8f gain;

      detail = amount * detail / (1.0f + DETAIL_KNEE * (V8f) ((V8i) detail & 0x7fffffff));
      gain = exp2_v8 (detail);
      v8f_store (out, v8f_load (in) * __builtin_shufflevector (gain, one, 0, 0, 0, 8, 1, 1, 1, 8));
      v8f_store (out + 8, v8f_load (in + 8) * __builtin_shufflevector (gain, one, 2, 2, 2, 8, 3, 3, 3, 8));
      v8f_store (out + 16, v8f_load (in + 16) * __builtin_shufflevector (gain, one, 4, 4, 4, 8, 5, 5, 5, 8));
      v8f_store (out + 24, v8f_load (in + 24) * __builtin_shufflevector (gain, one, 6, 6, 6, 8, 7, 7, 7, 8));
    }
  if (x < n)
    apply_gains (gains + x, n - x, amount, in, out);
}
#endif

static gboolean
process (GeglOperation       *operation,
         GeglBuffer          *input,
         GeglBuffer          *output,
         const GeglRectangle *result,
         gint                 level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const GeglRectangle roi = ottica_spatial_level_rect (result, level);
  const gfloat    amount = (gfloat) o->amount;
  /* A step of the threshold's size, centred in a window, has a variance of
   * (threshold / 2)². */
  const gfloat    epsilon = (gfloat) (o->edge_threshold * o->edge_threshold / 4.0);
  Geometry        geometry = geometry_at_level (radius_pixels (operation), level);
  gint            first_x, last_x, first_y, last_y;
  gint            window_reach, blend_reach, reach;
  OtticaGrid      stats, moments, coeffs;
  g_autofree gfloat *window_kernel = NULL;
  g_autofree gfloat *blend_kernel = NULL;
  g_autofree gint   *col_offset = NULL;
  g_autofree gfloat *col_frac = NULL;
  g_autofree gfloat *row_coeffs = NULL;
  g_autofree gfloat *gains = NULL;
  g_autofree gfloat *logs = NULL;
  g_autofree gint   *run_end = NULL;
  gint            first_cell;
#ifdef OTTICA_HAVE_AVX2
  const gboolean  avx2 = ottica_use_avx2 ();
#endif
  gint            stride;
  const Babl     *format = ottica_op_working_format ();
  GeglBufferIterator *iter;
  gboolean        ok = TRUE;

  if (roi.width <= 0 || roi.height <= 0)
    return TRUE;

  reaches_at_level (operation, &geometry, level, &window_reach, &blend_reach);
  window_kernel = ottica_gaussian_kernel (geometry.window_sigma, window_reach);
  blend_kernel = ottica_gaussian_kernel (geometry.blend_sigma, blend_reach);
  reach = window_reach + blend_reach;

  ottica_grid_span (roi.x, roi.width, geometry.cell, &first_x, &last_x);
  ottica_grid_span (roi.y, roi.height, geometry.cell, &first_y, &last_y);
  ottica_grid_init (&stats, geometry.cell,
                    first_x - reach, first_y - reach,
                    last_x - first_x + 1 + 2 * reach, last_y - first_y + 1 + 2 * reach, 2);

  stride = OTTICA_ROUND4 (roi.width);
  logs = g_new (gfloat, (gsize) stride * roi.height);
  accumulate_statistics (input, level, &stats, &roi, logs, stride);
  ottica_grid_blur (&stats, &moments, window_kernel, window_reach);
  ottica_grid_clear (&stats);
  coefficients (&moments, epsilon);
  ottica_grid_blur (&moments, &coeffs, blend_kernel, blend_reach);
  ottica_grid_clear (&moments);

  /* Where each column of @roi falls between cells, once for every
   * chunk and row; and where each run of columns between the same two
   * cells ends (a and b are lerps from two values along a run). */
  col_offset = g_new (gint, roi.width);
  col_frac = g_new (gfloat, roi.width);
  run_end = g_new (gint, roi.width);
  first_cell = ottica_grid_first_cell (roi.x, coeffs.cell);
  ottica_grid_axis (roi.x, roi.width, coeffs.cell, first_cell, col_offset, col_frac);
  for (gint x = roi.width - 1; x >= 0; x--)
    run_end[x] = x + 1 < roi.width && col_offset[x + 1] == col_offset[x] ? run_end[x + 1] : x + 1;
  gains = g_new0 (gfloat, OTTICA_ROUND4 (roi.width));
  row_coeffs = g_new (gfloat, (gsize) coeffs.width * 2);

  iter = gegl_buffer_iterator_new (output, &roi, level, format,
                                   GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 2);
  gegl_buffer_iterator_add (iter, input, &roi, level, format,
                            GEGL_ACCESS_READ, GEGL_ABYSS_NONE);
  while (gegl_buffer_iterator_next (iter))
    {
      const GeglRectangle *chunk = &iter->items[0].roi;
      gfloat       *result_pixels = iter->items[0].data;
      gfloat       *out = result_pixels;
      const gfloat *in = iter->items[1].data;
      const gint    x0 = chunk->x - roi.x;
      const gint    x1 = x0 + chunk->width;
      const gint    cell0 = col_offset[x0];
      const gint    n_cells = col_offset[x1 - 1] + 2 - cell0;

      for (gint y = chunk->y; y < chunk->y + chunk->height; y++)
        {
          const gfloat *l = logs + (gsize) (y - roi.y) * stride;

          ottica_grid_interpolate_row (&coeffs, y, first_cell + cell0, n_cells, row_coeffs);

#ifdef OTTICA_HAVE_AVX2
          if (avx2)
            {
              detail_row_avx2 (l, row_coeffs, col_offset, col_frac, run_end, cell0, x0, x1, gains);
              apply_gains_avx2 (gains, chunk->width, amount, in, out);
            }
          else
#endif
            {
              detail_row (l, row_coeffs, col_offset, col_frac, run_end, cell0, x0, x1, gains);
              apply_gains (gains, chunk->width, amount, in, out);
            }
          in += (gsize) chunk->width * 4;
          out += (gsize) chunk->width * 4;
        }
      /* The steps that follow, on the tile while it is in the cache. */
      if (o->then != NULL)
        ok = ottica_point_steps_run (o->user_data, o->then, result_pixels, result_pixels,
                                     iter->length, chunk, level) && ok;
    }

  ottica_grid_clear (&coeffs);
  return ok;
}

/* No change: only the steps that follow, if any; else hand the input on
 * untouched and compute nothing. */
static gboolean
operation_process (GeglOperation        *operation,
                   GeglOperationContext *context,
                   const gchar          *output_prop,
                   const GeglRectangle  *result,
                   gint                  level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  if (o->amount == 0.0 || ottica_spatial_long_edge (operation) <= 0.0)
    return ottica_spatial_neutral_process (operation, context, result,
                                           gegl_operation_context_get_level (context),
                                           o->user_data, o->then);

  return ottica_spatial_filter_process (operation, context, result,
                                        gegl_operation_context_get_level (context), process);
}

static GeglAbyssPolicy
get_abyss_policy (GeglOperation *operation,
                  const gchar   *input_pad)
{
  return GEGL_ABYSS_CLAMP;
}

OTTICA_POINT_STEPS_DEFINE_FINALIZE

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GObjectClass                 *object_class = G_OBJECT_CLASS (klass);
  GeglOperationClass           *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationFilterClass     *filter_class = GEGL_OPERATION_FILTER_CLASS (klass);
  GeglOperationAreaFilterClass *area_class = GEGL_OPERATION_AREA_FILTER_CLASS (klass);

  object_class->finalize = finalize;
  operation_class->prepare = prepare;
  operation_class->process = operation_process;
  operation_class->get_bounding_box = get_bounding_box;
  operation_class->get_required_for_output = get_required_for_output;
  filter_class->process = process;
  area_class->get_abyss_policy = get_abyss_policy;

  gegl_operation_class_set_keys (operation_class,
    "name",        "ottica:local-contrast",
    "title",       _("Local Contrast"),
    "categories",  "enhance",
    "op-version",  "1:0",
    "description", _("Edge-aware local contrast (clarity) without halos; "
                     "the radius is relative to the image"),
    NULL);
}

#endif
