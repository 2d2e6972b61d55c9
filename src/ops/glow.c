/* glow.c: ottica:glow, highlight glow and film halation.
 *
 * Light above the threshold (the excess luminance, in the highlight's own
 * colour) is spread by a Gaussian and laid over the image with a screen in
 * linear light, so it lifts the darker surroundings and leaves what is
 * already white alone. Warmth turns the spread light from the highlight's
 * colour to the red-orange of halation, the light that film's base
 * reflects back into the red-sensitive layer.
 *
 * The Gaussian runs on a grid of cell averages (a sixth to a third of σ)
 * and is interpolated back to pixels, so the cost per pixel does not grow
 * with the radius. Far from any highlight nothing is added: the spread
 * light is exactly zero there. Cells well below σ keep the input the op
 * reads around its result close to the Gaussian's 3σ: an export renders
 * everything upstream over those rows once more for every strip.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (amount, _("Amount"), 0.0)
  description (_("Strength of the glow; 0 leaves the image as it is"))
  value_range (0.0, 4.0)
  ui_range    (0.0, 1.0)

property_double (threshold, _("Threshold"), 0.75)
  description (_("Relative luminance (linear, 1 is diffuse white) above which light glows"))
  value_range (0.0, 16.0)
  ui_range    (0.1, 2.0)
  ui_gamma    (2.0)

property_double (radius, _("Radius"), 0.5)
  description (_("Spread of the glow (standard deviation), in percent of the image’s long edge"))
  value_range (0.05, 20.0)
  ui_range    (0.1, 5.0)
  ui_gamma    (2.0)

property_double (warmth, _("Warmth"), 0.0)
  description (_("Colour of the glow: 0 keeps the highlight’s colour (bloom), "
                 "1 gives the red-orange fringe of film halation"))
  value_range (0.0, 1.0)
  ui_range    (0.0, 1.0)

property_pointer (then, _("Then"), NULL)
  description (_("Point operations to run on the result in the same pass, in order: a "
                 "GPtrArray of GeglOperation that the caller keeps alive (ottica:look sets it)"))

#else

#define GEGL_OP_AREA_FILTER
#define GEGL_OP_NAME     glow
#define GEGL_OP_C_SOURCE glow.c

#include "gegl-op.h"
#include "ottica-spatial.h"

#ifdef OTTICA_HAVE_AVX2
#include <immintrin.h>
#endif

/* Halation colour in linear Rec. 2020, scaled to unit luminance. */
static const gfloat halation_tint[3] = { 2.124f, 0.637f, 0.170f };

typedef struct
{
  gint    cell;    /* pixels per cell at the render level */
  gint    reach;   /* cells */
  gdouble sigma;   /* Gaussian σ in cells */
} Geometry;

/* @sigma_pixels: the glow's σ in full-resolution pixels. */
static Geometry
geometry_at_level (gdouble sigma_pixels,
                   gint    level)
{
  Geometry geometry;
  gdouble  sigma = sigma_pixels / (1 << level);
  gdouble  cell, var;

  geometry.cell = MAX (ottica_spatial_cell_size (sigma_pixels / 3.0) >> level, 1);
  cell = geometry.cell;
  /* Cell averaging and bilinear reconstruction blur by about cell² / 4
   * between them; take that off the grid's own Gaussian. */
  var = MAX (sigma * sigma - cell * cell / 4.0, cell * cell / 4.0);
  geometry.sigma = sqrt (var) / cell;
  geometry.reach = (gint) ceil (3.0 * geometry.sigma);
  return geometry;
}

static gdouble
sigma_pixels (GeglOperation *operation)
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

  if (o->amount > 0.0)
    for (gint level = 0; level <= OTTICA_SPATIAL_EXACT_LEVELS; level++)
      {
        Geometry geometry = geometry_at_level (sigma_pixels (operation), level);

        margin = MAX (margin, ottica_grid_margin (geometry.cell, geometry.reach) << level);
      }

  area->left = area->right = area->top = area->bottom = margin;
}

static GeglRectangle
get_bounding_box (GeglOperation *operation)
{
  return ottica_spatial_input_extent (operation);
}

/* The Gaussian's reach in cells at @level: whole up to the exactly served
 * levels, above them what the margin holds. */
static gint
reach_at_level (GeglOperation  *operation,
                const Geometry *geometry,
                gint            level)
{
  GeglOperationAreaFilter *area = GEGL_OPERATION_AREA_FILTER (operation);

  return MIN (geometry->reach, ottica_grid_reach_within (area->left >> level, geometry->cell));
}

/* Exactly the cells the grid reads, at whichever level GEGL renders (it
 * does not say which here): a strip of an export that starts on a cell
 * needs a cell less on each side than the margin. */
static GeglRectangle
get_required_for_output (GeglOperation       *operation,
                         const gchar         *input_pad,
                         const GeglRectangle *roi)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  GeglRectangle   need = *roi;
  gdouble         sigma = sigma_pixels (operation);

  if (o->amount <= 0.0 || sigma <= 0.0 || roi->width <= 0 || roi->height <= 0)
    return *roi;
  for (gint level = 0; level <= OTTICA_SPATIAL_EXACT_LEVELS; level++)
    {
      Geometry      geometry = geometry_at_level (sigma, level);
      GeglRectangle rect = ottica_grid_need (roi, level, geometry.cell,
                                             reach_at_level (operation, &geometry, level));

      if (rect.width > 0 && rect.height > 0)
        gegl_rectangle_bounding_box (&need, &need, &rect);
    }
  return need;
}

/* Floor and ceiling of @a / @b for @b > 0, for cell indices left of or
 * above the origin too. */
static inline gint
div_floor (gint a,
           gint b)
{
  return a >= 0 ? a / b : -((b - 1 - a) / b);
}

static inline gint
div_ceil (gint a,
          gint b)
{
  return -div_floor (-a, b);
}

/* A channel value at or below which no pixel can be above @threshold:
 * the luminance of (s, s, s), computed as the sums compute it, is not
 * above it, and rounding is monotonic, so neither is that of any pixel
 * whose channels are all at most s. -1 when no such margin holds (then
 * nothing is skipped on account of it). */
static gfloat
skip_level (gfloat threshold)
{
  gfloat s = threshold * 0.9999f;
  gfloat luma = OTTICA_REC2020_Y_R * s + OTTICA_REC2020_Y_G * s + OTTICA_REC2020_Y_B * s;

  return luma <= threshold ? s : -1.0f;
}

/* Whether any of @n pixels has a colour channel above @skip (alpha
 * aside): only then can one of them be above the threshold. */
static inline gboolean
any_bright (const gfloat *pixels,
            gint          n,
            gfloat        skip)
{
  const OtticaV4f low = { skip, skip, skip, INFINITY };
  OtticaV4i       bright = { 0, 0, 0, 0 };

  for (gint i = 0; i < n; i++)
    bright |= ottica_v4f_load (pixels + 4 * i) > low;
  return (bright[0] | bright[1] | bright[2]) != 0;
}

/* One row of pixels into the sums of its @n_cells cells: the light above
 * @threshold, in the pixel's own colour. A row with no channel above
 * @skip adds nothing to any cell. */
static void
accumulate_row (const gfloat *pixels,
                gint          n_cells,
                gint          cell,
                gfloat        threshold,
                gfloat        skip,
                gfloat       *excess,
                gfloat       *cells)
{
  const gint    width = n_cells * cell;
  const gfloat *e = excess;

  if (!any_bright (pixels, width, skip))
    return;

  for (gint i = 0; i < width; i++)
    {
      const gfloat *pixel = pixels + 4 * i;
      gfloat r = ottica_maxf (pixel[0], 0.0f);
      gfloat g = ottica_maxf (pixel[1], 0.0f);
      gfloat b = ottica_maxf (pixel[2], 0.0f);
      gfloat luma = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
      gfloat share = ottica_maxf (luma - threshold, 0.0f) / ottica_maxf (luma, 1e-9f);

      excess[3 * i] = r * share;
      excess[3 * i + 1] = g * share;
      excess[3 * i + 2] = b * share;
    }

  for (gint cx = 0; cx < n_cells; cx++, e += 3 * cell)
    {
      gfloat r = 0.0f, g = 0.0f, b = 0.0f;

      for (gint i = 0; i < cell; i++)
        {
          r += e[3 * i];
          g += e[3 * i + 1];
          b += e[3 * i + 2];
        }
      cells[3 * cx] += r;
      cells[3 * cx + 1] += g;
      cells[3 * cx + 2] += b;
    }
}

/* The same, four pixels at a time, for cells of four pixels or more.
 * Most of a photo is below the threshold: a cell's row whose channels are
 * all at or below @skip (one compare a pixel, no luminance) adds nothing,
 * and so do four pixels whose luminance is not above the threshold. Each
 * cell's lanes are summed in a fixed order, so the sums do not depend on
 * where a tile starts. */
static void
accumulate_row4 (const gfloat *pixels,
                 gint          n_cells,
                 gint          cell,
                 gfloat        threshold,
                 gfloat        skip,
                 gfloat       *cells)
{
  const OtticaV4f zero = ottica_v4f_splat (0.0f);
  const OtticaV4f thr = ottica_v4f_splat (threshold);
  const OtticaV4f tiny = ottica_v4f_splat (1e-9f);

  for (gint cx = 0; cx < n_cells; cx++, pixels += 4 * cell)
    {
      OtticaV4f sr = zero, sg = zero, sb = zero;

      if (any_bright (pixels, cell, skip))
        for (gint i = 0; i < 4 * cell; i += 16)
          {
            OtticaV4f r = ottica_v4f_load (pixels + i);
            OtticaV4f g = ottica_v4f_load (pixels + i + 4);
            OtticaV4f b = ottica_v4f_load (pixels + i + 8);
            OtticaV4f a = ottica_v4f_load (pixels + i + 12);
            OtticaV4f luma, share;
            OtticaV4i above;

            ottica_v4f_transpose (&r, &g, &b, &a);
            r = ottica_v4f_max (r, zero);
            g = ottica_v4f_max (g, zero);
            b = ottica_v4f_max (b, zero);
            luma = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
            above = luma > thr;
            if (!(above[0] | above[1] | above[2] | above[3]))
              continue;
            share = ottica_v4f_max (luma - thr, zero) / ottica_v4f_max (luma, tiny);
            sr += r * share;
            sg += g * share;
            sb += b * share;
          }
      cells[3 * cx] += (sr[0] + sr[1]) + (sr[2] + sr[3]);
      cells[3 * cx + 1] += (sg[0] + sg[1]) + (sg[2] + sg[3]);
      cells[3 * cx + 2] += (sb[0] + sb[1]) + (sb[2] + sb[3]);
    }
}

#ifdef OTTICA_HAVE_AVX2
/* any_bright () two pixels a compare. */
__attribute__ ((target ("avx2")))
static inline gboolean
any_bright_avx2 (const gfloat *pixels,
                 gint          n,
                 gfloat        skip)
{
  const __m256 low = _mm256_setr_ps (skip, skip, skip, INFINITY, skip, skip, skip, INFINITY);
  __m256       bright = _mm256_setzero_ps ();
  gint         i = 0;

  for (; i + 2 <= n; i += 2)
    bright = _mm256_or_ps (bright, _mm256_cmp_ps (_mm256_loadu_ps (pixels + 4 * i), low,
                                                   _CMP_GT_OQ));
  if (i < n)
    bright = _mm256_or_ps (bright, _mm256_cmp_ps (_mm256_castps128_ps256 (_mm_loadu_ps (pixels + 4 * i)),
                                                   low, _CMP_GT_OQ));
  return (_mm256_movemask_ps (bright) & 0x77) != 0;
}

/* accumulate_row4 () for cells of eight pixels or more, eight pixels at a
 * time: lanes 0-3 hold the four pixels the four-lane loop takes first,
 * lanes 4-7 the next four, and each half is added to the sums on its own,
 * first then second, only if one of its pixels is above the threshold,
 * as there. Same operations lane for lane, so the same bits. */
__attribute__ ((target ("avx2")))
static void
accumulate_row8 (const gfloat *pixels,
                 gint          n_cells,
                 gint          cell,
                 gfloat        threshold,
                 gfloat        skip,
                 gfloat       *cells)
{
  const __m256 zero = _mm256_setzero_ps ();
  const __m256 thr = _mm256_set1_ps (threshold);
  const __m256 tiny = _mm256_set1_ps (1e-9f);
  const __m256 yr = _mm256_set1_ps (OTTICA_REC2020_Y_R);
  const __m256 yg = _mm256_set1_ps (OTTICA_REC2020_Y_G);
  const __m256 yb = _mm256_set1_ps (OTTICA_REC2020_Y_B);

  for (gint cx = 0; cx < n_cells; cx++, pixels += 4 * cell)
    {
      __m128 sr = _mm_setzero_ps (), sg = _mm_setzero_ps (), sb = _mm_setzero_ps ();
      OtticaV4f vr, vg, vb;

      if (any_bright_avx2 (pixels, cell, skip))
        for (gint i = 0; i < 4 * cell; i += 32)
          {
            const gfloat *p = pixels + i;
            /* Pixels (0, 4), (1, 5), (2, 6), (3, 7): one 4 × 4 transpose
             * in each half. */
            __m256 r = _mm256_loadu2_m128 (p + 16, p);
            __m256 g = _mm256_loadu2_m128 (p + 20, p + 4);
            __m256 b = _mm256_loadu2_m128 (p + 24, p + 8);
            __m256 a = _mm256_loadu2_m128 (p + 28, p + 12);
            __m256 t0 = _mm256_unpacklo_ps (r, g);
            __m256 t1 = _mm256_unpacklo_ps (b, a);
            __m256 t2 = _mm256_unpackhi_ps (r, g);
            __m256 t3 = _mm256_unpackhi_ps (b, a);
            __m256 luma, share, cr, cg, cb;
            int    above;

            r = _mm256_castpd_ps (_mm256_unpacklo_pd (_mm256_castps_pd (t0), _mm256_castps_pd (t1)));
            g = _mm256_castpd_ps (_mm256_unpackhi_pd (_mm256_castps_pd (t0), _mm256_castps_pd (t1)));
            b = _mm256_castpd_ps (_mm256_unpacklo_pd (_mm256_castps_pd (t2), _mm256_castps_pd (t3)));
            r = _mm256_max_ps (r, zero);
            g = _mm256_max_ps (g, zero);
            b = _mm256_max_ps (b, zero);
            luma = _mm256_add_ps (_mm256_add_ps (_mm256_mul_ps (yr, r), _mm256_mul_ps (yg, g)),
                                  _mm256_mul_ps (yb, b));
            above = _mm256_movemask_ps (_mm256_cmp_ps (luma, thr, _CMP_GT_OQ));
            if (above == 0)
              continue;
            share = _mm256_div_ps (_mm256_max_ps (_mm256_sub_ps (luma, thr), zero),
                                   _mm256_max_ps (luma, tiny));
            cr = _mm256_mul_ps (r, share);
            cg = _mm256_mul_ps (g, share);
            cb = _mm256_mul_ps (b, share);
            if (above & 0x0f)
              {
                sr = _mm_add_ps (sr, _mm256_castps256_ps128 (cr));
                sg = _mm_add_ps (sg, _mm256_castps256_ps128 (cg));
                sb = _mm_add_ps (sb, _mm256_castps256_ps128 (cb));
              }
            if (above & 0xf0)
              {
                sr = _mm_add_ps (sr, _mm256_extractf128_ps (cr, 1));
                sg = _mm_add_ps (sg, _mm256_extractf128_ps (cg, 1));
                sb = _mm_add_ps (sb, _mm256_extractf128_ps (cb, 1));
              }
          }
      vr = (OtticaV4f) sr;
      vg = (OtticaV4f) sg;
      vb = (OtticaV4f) sb;
      cells[3 * cx] += (vr[0] + vr[1]) + (vr[2] + vr[3]);
      cells[3 * cx + 1] += (vg[0] + vg[1]) + (vg[2] + vg[3]);
      cells[3 * cx + 2] += (vb[0] + vb[1]) + (vb[2] + vb[3]);
    }
}
#endif

typedef struct
{
  gint      cell;
  gfloat    threshold;
  gfloat    skip;
  gfloat   *excess;   /* room for a row of the grid, for cells under 4 pixels */
  gboolean  avx2;     /* accumulate_row8 () for cells of 8 pixels or more */
} Accumulator;

/* @rows rows of @n_cells whole cells from @pixels (@stride floats apart),
 * the first of them pixel row @y, into @light from its cell column @cx. */
static void
accumulate_rows (const Accumulator *acc,
                 const gfloat      *pixels,
                 gsize              stride,
                 gint               rows,
                 gint               y,
                 gint               cx,
                 gint               n_cells,
                 OtticaGrid        *light)
{
  for (gint row = 0; row < rows; row++, pixels += stride)
    {
      gfloat *cells = ottica_grid_row (light, div_floor (y + row, acc->cell) - light->y0) + 3 * cx;

#ifdef OTTICA_HAVE_AVX2
      if (acc->avx2 && acc->cell >= 8)
        accumulate_row8 (pixels, n_cells, acc->cell, acc->threshold, acc->skip, cells);
      else
#endif
      if (acc->cell >= 4)
        accumulate_row4 (pixels, n_cells, acc->cell, acc->threshold, acc->skip, cells);
      else
        accumulate_row (pixels, n_cells, acc->cell, acc->threshold, acc->skip, acc->excess, cells);
    }
}

/* Cell means of the light above @threshold, in its own colour.
 *
 * The input is read in place, tile by tile, with no copy: every cell that
 * lies whole within a tile's columns sums its rows, in order, as the tiles
 * come down. The few cells that tiles cut across (tiles not aligned on
 * cells, cells wider than a tile, the right edge of a source that is one
 * tile) are summed afterwards from copies, a few cells at a time. Either
 * way each cell adds up its rows in the same order, four lanes a row, so
 * the sums are the same to the bit wherever a tile or a strip starts. */
static void
accumulate_highlights (GeglBuffer *input,
                       gint        level,
                       gfloat      threshold,
                       OtticaGrid *light)
{
  const gint cell = light->cell;
  const gfloat norm = 1.0f / (cell * cell);
  const GeglRectangle rect = { light->x0 * cell, light->y0 * cell,
                               light->width * cell, light->height * cell };
  g_autofree gfloat *excess = cell < 4 ? g_new (gfloat, (gsize) rect.width * 3) : NULL;
  g_autofree gboolean *summed = g_new0 (gboolean, light->width);
  Accumulator acc = { cell, threshold, skip_level (threshold), excess, ottica_use_avx2 () };
  GeglBufferIterator *iter;

  iter = gegl_buffer_iterator_new (input, &rect, level, ottica_op_working_format (),
                                   GEGL_ACCESS_READ, GEGL_ABYSS_CLAMP, 1);
  while (gegl_buffer_iterator_next (iter))
    {
      const GeglRectangle *chunk = &iter->items[0].roi;
      const gfloat        *pixels = iter->items[0].data;
      const gint           first = div_ceil (chunk->x, cell);
      const gint           end = div_floor (chunk->x + chunk->width, cell);

      if (end <= first)
        continue;
      /* Tiles have the same columns on every row of tiles, so a cell
       * column is summed here either for all its rows or for none. */
      accumulate_rows (&acc, pixels + (gsize) (first * cell - chunk->x) * 4,
                       (gsize) chunk->width * 4, chunk->height, chunk->y,
                       first - light->x0, end - first, light);
      for (gint cx = first; cx < end; cx++)
        summed[cx - light->x0] = TRUE;
    }

  for (gint bx = 0; bx < light->width;)
    {
      const gint block_cells = ottica_spatial_block_cells (cell);
      g_autofree gfloat *block = NULL;
      gint n_cells = 0;

      if (summed[bx])
        {
          bx++;
          continue;
        }
      while (bx + n_cells < light->width && !summed[bx + n_cells] && n_cells < block_cells)
        n_cells++;
      block = g_new (gfloat, (gsize) n_cells * cell * cell * 4);
      for (gint cy = 0; cy < light->height; cy++)
        {
          GeglRectangle part = { (light->x0 + bx) * cell, (light->y0 + cy) * cell,
                                 n_cells * cell, cell };

          ottica_spatial_read (input, &part, level, block);
          accumulate_rows (&acc, block, (gsize) part.width * 4, cell, part.y, bx, n_cells, light);
        }
      bx += n_cells;
    }

  for (gint cy = 0; cy < light->height; cy++)
    {
      gfloat *cells_row = ottica_grid_row (light, cy);

      for (gint i = 0; i < 3 * light->width; i++)
        cells_row[i] *= norm;
    }
}

/* Scales the spread light by the amount and mixes in the halation colour. */
static void
tint (OtticaGrid *glow,
      gfloat      amount,
      gfloat      warmth)
{
  gsize n = (gsize) glow->width * glow->height;
  gfloat keep = amount * (1.0f - warmth);
  gfloat red[3];

  for (gint c = 0; c < 3; c++)
    red[c] = amount * warmth * halation_tint[c];

  for (gsize i = 0; i < n; i++)
    {
      gfloat *v = glow->data + 3 * i;
      gfloat luma = OTTICA_REC2020_Y_R * v[0] + OTTICA_REC2020_Y_G * v[1] + OTTICA_REC2020_Y_B * v[2];

      v[0] = keep * v[0] + red[0] * luma;
      v[1] = keep * v[1] + red[1] * luma;
      v[2] = keep * v[2] + red[2] * luma;
    }
}

/* The pixel pass over one row of a chunk: @spread_row holds the glow at
 * this row for cells from the chunk's first; pixel x lies between cells
 * @col_offset[x] and the next, at @col_frac[x] from the first. */
static void
screen_row (const gfloat *spread_row,
            const gint   *col_offset,
            const gfloat *col_frac,
            gint          width,
            const gfloat *in,
            gfloat       *out)
{
  const OtticaV4f zero = ottica_v4f_splat (0.0f);
  const OtticaV4f one = ottica_v4f_splat (1.0f);

  /* A pixel's channels in one vector; the two cells it lies between, and
   * so their difference, are the same for a run of pixels. */
  for (gint x = 0, end; x < width; x = end)
    {
      const gfloat   *g = spread_row + 3 * col_offset[x];
      const OtticaV4f first = { g[0], g[1], g[2], 0.0f };
      const OtticaV4f step = { g[3] - g[0], g[4] - g[1], g[5] - g[2], 0.0f };

      for (end = x + 1; end < width && col_offset[end] == col_offset[x]; end++)
        ;
      for (; x < end; x++, in += 4, out += 4)
        {
          OtticaV4f spread = first + col_frac[x] * step;
          OtticaV4f pixel = ottica_v4f_load (in);
          OtticaV4f below = ottica_v4f_min (ottica_v4f_max (pixel, zero), one);

          /* Screen in linear light: lift by the glow what is below white. */
          ottica_v4f_store (out, pixel + spread * (one - below));
          out[3] = in[3];
        }
    }
}

#ifdef OTTICA_HAVE_AVX2
/* screen_row () two pixels a vector: @frac4 holds each pixel's col_frac
 * four times over. Lane for lane the same operations, and alpha copied
 * as it is, so the same bits. */
__attribute__ ((target ("avx2")))
static void
screen_row_avx2 (const gfloat *spread_row,
                 const gint   *col_offset,
                 const gfloat *frac4,
                 gint          width,
                 const gfloat *in,
                 gfloat       *out)
{
  const __m256 zero = _mm256_setzero_ps ();
  const __m256 one = _mm256_set1_ps (1.0f);
  const __m256 alpha = _mm256_castsi256_ps (_mm256_setr_epi32 (0, 0, 0, -1, 0, 0, 0, -1));

  for (gint x = 0, end; x < width; x = end)
    {
      const gfloat *g = spread_row + 3 * col_offset[x];
      const __m256  first = _mm256_setr_ps (g[0], g[1], g[2], 0.0f, g[0], g[1], g[2], 0.0f);
      const __m256  step = _mm256_setr_ps (g[3] - g[0], g[4] - g[1], g[5] - g[2], 0.0f,
                                           g[3] - g[0], g[4] - g[1], g[5] - g[2], 0.0f);

      for (end = x + 1; end < width && col_offset[end] == col_offset[x]; end++)
        ;
      for (; x + 2 <= end; x += 2, in += 8, out += 8)
        {
          __m256 spread = _mm256_add_ps (first, _mm256_mul_ps (_mm256_loadu_ps (frac4 + 4 * x), step));
          __m256 pixel = _mm256_loadu_ps (in);
          __m256 below = _mm256_min_ps (_mm256_max_ps (pixel, zero), one);
          __m256 lifted = _mm256_add_ps (pixel, _mm256_mul_ps (spread, _mm256_sub_ps (one, below)));

          _mm256_storeu_ps (out, _mm256_blendv_ps (lifted, pixel, alpha));
        }
      if (x < end)
        {
          /* A run's odd pixel: the same in the low half alone. */
          __m128 spread = _mm_add_ps (_mm256_castps256_ps128 (first),
                                      _mm_mul_ps (_mm_loadu_ps (frac4 + 4 * x),
                                                  _mm256_castps256_ps128 (step)));
          __m128 pixel = _mm_loadu_ps (in);
          __m128 below = _mm_min_ps (_mm_max_ps (pixel, _mm_setzero_ps ()), _mm_set1_ps (1.0f));
          __m128 lifted = _mm_add_ps (pixel, _mm_mul_ps (spread, _mm_sub_ps (_mm_set1_ps (1.0f),
                                                                             below)));

          _mm_storeu_ps (out, _mm_blendv_ps (lifted, pixel, _mm256_castps256_ps128 (alpha)));
          x++, in += 4, out += 4;
        }
    }
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
  Geometry        geometry = geometry_at_level (sigma_pixels (operation), level);
  gint            first_x, last_x, first_y, last_y, reach;
  OtticaGrid      light, glow;
  g_autofree gfloat *kernel = NULL;
  g_autofree gint   *col_offset = NULL;
  g_autofree gfloat *col_frac = NULL;
  g_autofree gfloat *row_glow = NULL;
  const Babl     *format = ottica_op_working_format ();
  const gboolean avx2 = ottica_use_avx2 ();
  g_autofree gfloat *col_frac4 = NULL;
  GeglBufferIterator *iter;
  gboolean        ok = TRUE;

  if (roi.width <= 0 || roi.height <= 0)
    return TRUE;

  reach = reach_at_level (operation, &geometry, level);
  kernel = ottica_gaussian_kernel (geometry.sigma, reach);

  ottica_grid_span (roi.x, roi.width, geometry.cell, &first_x, &last_x);
  ottica_grid_span (roi.y, roi.height, geometry.cell, &first_y, &last_y);
  ottica_grid_init (&light, geometry.cell, first_x - reach, first_y - reach,
                    last_x - first_x + 1 + 2 * reach, last_y - first_y + 1 + 2 * reach, 3);

  accumulate_highlights (input, level, (gfloat) o->threshold, &light);
  ottica_grid_blur (&light, &glow, kernel, reach);
  ottica_grid_clear (&light);
  tint (&glow, (gfloat) o->amount, (gfloat) o->warmth);

  col_offset = g_new (gint, roi.width);
  col_frac = g_new (gfloat, roi.width);
  if (avx2)
    col_frac4 = g_new (gfloat, (gsize) roi.width * 4);
  row_glow = g_new (gfloat, (gsize) glow.width * 3);

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
      gint          first_cell = ottica_grid_first_cell (chunk->x, glow.cell);
      gint          n_cells = ottica_grid_axis (chunk->x, chunk->width, glow.cell, first_cell,
                                                col_offset, col_frac);

#ifdef OTTICA_HAVE_AVX2
      if (avx2)
        for (gint x = 0; x < chunk->width; x++)
          for (gint c = 0; c < 4; c++)
            col_frac4[4 * x + c] = col_frac[x];
#endif
      for (gint y = chunk->y; y < chunk->y + chunk->height; y++)
        {
          ottica_grid_interpolate_row (&glow, y, first_cell, n_cells, row_glow);
#ifdef OTTICA_HAVE_AVX2
          if (avx2)
            screen_row_avx2 (row_glow, col_offset, col_frac4, chunk->width, in, out);
          else
#endif
          screen_row (row_glow, col_offset, col_frac, chunk->width, in, out);
          in += (gsize) chunk->width * 4;
          out += (gsize) chunk->width * 4;
        }
      /* The steps that follow, on the tile while it is in the cache. */
      if (o->then != NULL)
        ok = ottica_point_steps_run (o->user_data, o->then, result_pixels, result_pixels,
                                     iter->length, chunk, level) && ok;
    }

  ottica_grid_clear (&glow);
  return ok;
}

/* No glow: only the steps that follow, if any; else hand the input on
 * untouched and compute nothing. */
static gboolean
operation_process (GeglOperation        *operation,
                   GeglOperationContext *context,
                   const gchar          *output_prop,
                   const GeglRectangle  *result,
                   gint                  level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  if (o->amount <= 0.0 || ottica_spatial_long_edge (operation) <= 0.0)
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
    "name",        "ottica:glow",
    "title",       _("Glow"),
    "categories",  "light",
    "op-version",  "1:0",
    "description", _("Highlight glow in linear light, from neutral bloom to the "
                     "red-orange halation of film; the radius is relative to the image"),
    NULL);
}

#endif
