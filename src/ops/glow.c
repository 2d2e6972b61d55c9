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

#else

#define GEGL_OP_AREA_FILTER
#define GEGL_OP_NAME     glow
#define GEGL_OP_C_SOURCE glow.c

#include "gegl-op.h"
#include "ottica-spatial.h"

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

typedef struct
{
  gint    cell;
  gfloat  threshold;
  gfloat  skip;
  gfloat *excess;   /* room for a row of the grid, for cells under 4 pixels */
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
  Accumulator acc = { cell, threshold, skip_level (threshold), excess };
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
  const OtticaV4f zero = ottica_v4f_splat (0.0f);
  const OtticaV4f one = ottica_v4f_splat (1.0f);
  GeglBufferIterator *iter;

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
  row_glow = g_new (gfloat, (gsize) glow.width * 3);

  iter = gegl_buffer_iterator_new (output, &roi, level, format,
                                   GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 2);
  gegl_buffer_iterator_add (iter, input, &roi, level, format,
                            GEGL_ACCESS_READ, GEGL_ABYSS_NONE);
  while (gegl_buffer_iterator_next (iter))
    {
      const GeglRectangle *chunk = &iter->items[0].roi;
      gfloat       *out = iter->items[0].data;
      const gfloat *in = iter->items[1].data;
      gint          first_cell = ottica_grid_first_cell (chunk->x, glow.cell);
      gint          n_cells = ottica_grid_axis (chunk->x, chunk->width, glow.cell, first_cell,
                                                col_offset, col_frac);

      for (gint y = chunk->y; y < chunk->y + chunk->height; y++)
        {
          ottica_grid_interpolate_row (&glow, y, first_cell, n_cells, row_glow);

          /* A pixel's channels in one vector; the two cells it lies
           * between, and so their difference, are the same for a run of
           * pixels. */
          for (gint x = 0, end; x < chunk->width; x = end)
            {
              const gfloat   *g = row_glow + 3 * col_offset[x];
              const OtticaV4f first = { g[0], g[1], g[2], 0.0f };
              const OtticaV4f step = { g[3] - g[0], g[4] - g[1], g[5] - g[2], 0.0f };

              for (end = x + 1; end < chunk->width && col_offset[end] == col_offset[x]; end++)
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
    }

  ottica_grid_clear (&glow);
  return TRUE;
}

/* No glow: hand the input on untouched and compute nothing. */
static gboolean
operation_process (GeglOperation        *operation,
                   GeglOperationContext *context,
                   const gchar          *output_prop,
                   const GeglRectangle  *result,
                   gint                  level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  if (o->amount <= 0.0 || ottica_spatial_long_edge (operation) <= 0.0)
    return ottica_op_pass_through (context);

  return ottica_spatial_filter_process (operation, context, result,
                                        gegl_operation_context_get_level (context), process);
}

static GeglAbyssPolicy
get_abyss_policy (GeglOperation *operation,
                  const gchar   *input_pad)
{
  return GEGL_ABYSS_CLAMP;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass           *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationFilterClass     *filter_class = GEGL_OPERATION_FILTER_CLASS (klass);
  GeglOperationAreaFilterClass *area_class = GEGL_OPERATION_AREA_FILTER_CLASS (klass);

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
