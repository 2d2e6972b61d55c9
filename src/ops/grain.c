/* grain.c: ottica:grain, film grain.
 *
 * The grain is a smooth random field fixed to the image's coordinates:
 * white noise on a lattice, hashed from the lattice point and the seed,
 * filtered by a Gaussian as wide as a grain. A pixel's value therefore
 * depends only on where it is, never on which tile or call computes it.
 *
 * Grain belongs to the picture, not to its pixels: its size and strength
 * are set for the picture rendered at 24 megapixels. A pixel shows the
 * grain averaged over its footprint, so the field is rendered with the
 * footprint's width added to the grain's (σ² + w² / 12) and its variance
 * lowered to match. A smaller image of the same picture (a preview
 * proxy), or render level L of this one (a pixel covers 2^L × 2^L), thus
 * shows what scaling the 24-megapixel grain down would give.
 *
 * The grain modulates luminance only (all three channels by one factor, so
 * chromaticity is kept), with zero mean in linear light; its strength is
 * set in CIE L* units at mid grey and fades towards black and white.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (amount, _("Amount"), 0.0)
  description (_("Grain strength: the RMS lightness variation at mid grey, in percent of "
                 "the lightness range (CIE L*), as rendered at 24 megapixels (smaller images "
                 "average it a little); 0 leaves the image as it is"))
  value_range (0.0, 10.0)
  ui_range    (0.0, 4.0)

property_double (size, _("Size"), 1.2)
  description (_("Grain size: the standard deviation of one grain in pixels of a "
                 "24-megapixel image, scaled with the image’s pixel count"))
  value_range (0.0, 10.0)
  ui_range    (0.0, 4.0)

property_int (seed, _("Random seed"), 0)
  description (_("Seed of the grain pattern; the same seed gives the same grain"))
  value_range (0, G_MAXINT)
  ui_range    (0, 9999)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     grain
#define GEGL_OP_C_SOURCE grain.c

#include "gegl-op.h"
#include "ottica-spatial.h"

/* Pixels of the reference image the size is given for. */
#define REFERENCE_PIXELS 24.0e6

/* Lattice spacing in units of the grain's σ, and how far (in σ) the
 * Gaussian reaches; 5 lattice points per axis then cover every pixel. */
#define LATTICE_SPACING 1.5
#define KERNEL_REACH    3.5
#define TAPS            5

/* Luminance weighting: relative gain per L* unit of grain, by linear Y. */
#define GAIN_TABLE_SIZE 1024
#define GAIN_TABLE_MAX  1.0f

static float gain_table[GAIN_TABLE_SIZE + 2];

/* dY/Y for one L* unit, times a midtone weight 4l(1-l) that fades the
 * grain towards black and white. */
static void
init_gain_table (void)
{
  for (gint i = 0; i <= GAIN_TABLE_SIZE + 1; i++)
    {
      gdouble y = MIN (i, GAIN_TABLE_SIZE) * (GAIN_TABLE_MAX / GAIN_TABLE_SIZE);
      gdouble lstar, rel, l;

      if (y > 216.0 / 24389.0)
        {
          lstar = 116.0 * cbrt (y) - 16.0;
          rel = 3.0 / (lstar + 16.0);
        }
      else
        {
          lstar = y * 24389.0 / 27.0;
          rel = lstar > 0.0 ? 1.0 / lstar : 0.0;
        }
      l = CLAMP (lstar / 100.0, 0.0, 1.0);
      /* At y = 0, rel · 4l(1-l) tends to 4/100. */
      gain_table[i] = (gfloat) (lstar > 0.0 ? rel * 4.0 * l * (1.0 - l) : 0.04);
    }
  gain_table[GAIN_TABLE_SIZE] = 0.0f;
  gain_table[GAIN_TABLE_SIZE + 1] = 0.0f;
}

/* A well-mixed 32-bit hash of a lattice point and the seed. */
static inline guint32
lattice_hash (gint32 i, gint32 j, guint32 seed)
{
  guint32 h = (guint32) i * 0x8da6b343u + (guint32) j * 0xd8163841u + seed * 0xcb1ab31fu;

  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}

/* Uniform with zero mean and unit variance. */
static inline gfloat
lattice_value (gint32 i, gint32 j, guint32 seed)
{
  return ((gfloat) (lattice_hash (i, j, seed) >> 8) * (1.0f / 16777216.0f) - 0.5f) * 3.4641016f;
}

typedef struct
{
  gdouble sigma;      /* Gaussian σ in level pixels */
  gdouble spacing;    /* lattice spacing in level pixels */
  gfloat  scale;      /* field scale: unit variance as rendered at 24 MP */
} GrainGeometry;

static GrainGeometry
grain_geometry (GeglOperation *operation,
                gint           level)
{
  GeglProperties      *o = GEGL_PROPERTIES (operation);
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation, "input");
  GrainGeometry        geometry;
  gdouble              pixels = REFERENCE_PIXELS;
  gdouble              reference, footprint, sigma_full, sigma_reference, sigma_level;

  if (bbox != NULL && !gegl_rectangle_is_infinite_plane (bbox) &&
      bbox->width > 0 && bbox->height > 0)
    pixels = (gdouble) bbox->width * bbox->height;

  /* Pixel widths in this image's full-resolution pixels: the reference
   * image's, and a pixel's at this level. */
  reference = sqrt (pixels / REFERENCE_PIXELS);
  footprint = (gdouble) (1 << level);
  sigma_full = o->size * reference;
  /* A pixel integrates the grain over its footprint: a box, which adds
   * the box's variance (width² / 12) to the grain's. */
  sigma_reference = sqrt (sigma_full * sigma_full + reference * reference / 12.0);
  sigma_level = sqrt (sigma_full * sigma_full + footprint * footprint / 12.0);

  geometry.sigma = sigma_level / footprint;
  geometry.spacing = LATTICE_SPACING * geometry.sigma;
  /* Σ over the lattice of the squared weights is √π σ / spacing per
   * axis; the variance falls with the footprint as σ_ref² / σ_level². */
  geometry.scale = (gfloat) ((LATTICE_SPACING / sqrt (G_PI)) * sigma_reference / sigma_level);
  return geometry;
}

/* For each pixel along one axis, the first lattice point it reads and
 * the Gaussian weights of the TAPS points from there. */
static void
axis_weights (gint                 start,
              gint                 n,
              const GrainGeometry *geometry,
              gint                *first,
              gfloat              *weights)
{
  const gdouble inv_spacing = 1.0 / geometry->spacing;
  const gdouble reach = KERNEL_REACH / LATTICE_SPACING;
  const gdouble inv_two_var = 1.0 / (2.0 * geometry->sigma * geometry->sigma);

  for (gint p = 0; p < n; p++)
    {
      gdouble centre = start + p + 0.5;
      gint    i0 = (gint) floor (centre * inv_spacing - reach) + 1;

      first[p] = i0;
      for (gint k = 0; k < TAPS; k++)
        {
          gdouble d = centre - (i0 + k) * geometry->spacing;

          weights[p * TAPS + k] = (gfloat) exp (-d * d * inv_two_var);
        }
    }
}

static void
prepare (GeglOperation *operation)
{
  const Babl *format = ottica_op_working_format ();

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
}

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const gfloat   *in = in_buf;
  gfloat         *out = out_buf;
  const GrainGeometry geometry = grain_geometry (operation, level);
  const guint32   seed = (guint32) o->seed;
  const gfloat    strength = (gfloat) o->amount * geometry.scale;
  const gint      width = roi->width;
  const gint      height = roi->height;
  g_autofree gint   *col_first = g_new (gint, width);
  g_autofree gint   *row_first = g_new (gint, height);
  g_autofree gfloat *col_weights = g_new (gfloat, (gsize) width * TAPS);
  g_autofree gfloat *row_weights = g_new (gfloat, (gsize) height * TAPS);
  g_autofree gfloat *lattice = NULL;
  g_autofree gfloat *column_sums = NULL;
  gint lattice_x0, lattice_y0, lattice_w, lattice_h;

  if (width <= 0 || height <= 0)
    return TRUE;

  axis_weights (roi->x, width, &geometry, col_first, col_weights);
  axis_weights (roi->y, height, &geometry, row_first, row_weights);

  /* The lattice points this chunk reads, hashed once. */
  lattice_x0 = col_first[0];
  lattice_y0 = row_first[0];
  lattice_w = col_first[width - 1] + TAPS - lattice_x0;
  lattice_h = row_first[height - 1] + TAPS - lattice_y0;
  lattice = g_new (gfloat, (gsize) lattice_w * lattice_h);
  column_sums = g_new (gfloat, lattice_w);

  for (gint j = 0; j < lattice_h; j++)
    for (gint i = 0; i < lattice_w; i++)
      lattice[(gsize) j * lattice_w + i] = lattice_value (lattice_x0 + i, lattice_y0 + j, seed);

  for (gint y = 0; y < height; y++)
    {
      const gfloat *wy = row_weights + (gsize) y * TAPS;
      const gfloat *rows = lattice + (gsize) (row_first[y] - lattice_y0) * lattice_w;

      /* Vertical pass: the field's row y at every lattice column. */
      for (gint i = 0; i < lattice_w; i++)
        column_sums[i] = wy[0] * rows[i];
      for (gint k = 1; k < TAPS; k++)
        {
          const gfloat *row = rows + (gsize) k * lattice_w;

          for (gint i = 0; i < lattice_w; i++)
            column_sums[i] += wy[k] * row[i];
        }

      for (gint x = 0; x < width; x++)
        {
          const gfloat *wx = col_weights + (gsize) x * TAPS;
          const gfloat *sums = column_sums + (col_first[x] - lattice_x0);
          gfloat field = wx[0] * sums[0] + wx[1] * sums[1] + wx[2] * sums[2] +
                         wx[3] * sums[3] + wx[4] * sums[4];
          gfloat luma = OTTICA_REC2020_Y_R * in[0] + OTTICA_REC2020_Y_G * in[1] + OTTICA_REC2020_Y_B * in[2];
          gfloat t = ottica_clampf (luma, 0.0f, GAIN_TABLE_MAX) * (GAIN_TABLE_SIZE / GAIN_TABLE_MAX);
          gint   slot = (gint) t;
          gfloat frac = t - slot;
          gfloat gain = gain_table[slot] + frac * (gain_table[slot + 1] - gain_table[slot]);
          gfloat factor = ottica_maxf (1.0f + strength * gain * field, 0.0f);

          out[0] = in[0] * factor;
          out[1] = in[1] * factor;
          out[2] = in[2] * factor;
          out[3] = in[3];
          in += 4;
          out += 4;
        }
    }

  return TRUE;
}

/* No grain: hand the input on untouched, without converting it. */
static gboolean
operation_process (GeglOperation        *operation,
                   GeglOperationContext *context,
                   const gchar          *output_prop,
                   const GeglRectangle  *result,
                   gint                  level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  if (o->amount <= 0.0)
    return ottica_op_pass_through (context);

  return GEGL_OPERATION_CLASS (gegl_op_parent_class)->process (operation, context, output_prop, result,
                                                                gegl_operation_context_get_level (context));
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass            *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationPointFilterClass *point_filter_class = GEGL_OPERATION_POINT_FILTER_CLASS (klass);
  static gsize                   table_ready = 0;

  if (g_once_init_enter (&table_ready))
    {
      init_gain_table ();
      g_once_init_leave (&table_ready, 1);
    }

  operation_class->prepare = prepare;
  operation_class->process = operation_process;
  point_filter_class->process = process;

  gegl_operation_class_set_keys (operation_class,
    "name",               "ottica:grain",
    "title",              _("Film Grain"),
    "categories",         "noise",
    "op-version",         "1:0",
    "position-dependent", "true",
    "description",        _("Film grain fixed to the image: luminance only, strongest "
                            "in the midtones, sized relative to the image"),
    NULL);
}

#endif
