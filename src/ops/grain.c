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

/* Pairs (gain at i, gain at i + 1 minus it): one 8-byte load per pixel
 * gives both, and the difference is the one the lerp would take. */
static float gain_pairs[2 * (GAIN_TABLE_SIZE + 1)];

/* dY/Y for one L* unit, times a midtone weight 4l(1-l) that fades the
 * grain towards black and white. */
static void
init_gain_table (void)
{
  float gain_table[GAIN_TABLE_SIZE + 2];

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
  for (gint i = 0; i <= GAIN_TABLE_SIZE; i++)
    {
      gain_pairs[2 * i] = gain_table[i];
      gain_pairs[2 * i + 1] = gain_table[i + 1] - gain_table[i];
    }
}

/* The lattice's white noise: a well-mixed 32-bit hash of the point
 * (i, j) and the seed, h = i·A + j·B + seed·C (mod 2³²) mixed, made
 * uniform with zero mean and unit variance. lattice_value4() takes the
 * unmixed h of four points. */
#define HASH_I    0x8da6b343u
#define HASH_J    0xd8163841u
#define HASH_SEED 0xcb1ab31fu

static inline OtticaV4f
lattice_value4 (OtticaV4u h)
{
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return (__builtin_convertvector ((OtticaV4i) (h >> 8), OtticaV4f) * (1.0f / 16777216.0f) - 0.5f) *
         3.4641016f;
}

#ifdef OTTICA_HAVE_AVX2
/* lattice_value4() on eight points, the same operations lane for lane. */
__attribute__ ((target ("avx2"), always_inline)) static inline OtticaV8f
lattice_value8 (OtticaV8u h)
{
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return (__builtin_convertvector ((OtticaV8i) (h >> 8), OtticaV8f) * (1.0f / 16777216.0f) - 0.5f) *
         3.4641016f;
}

/* The @w4 values of a lattice row (a multiple of four) from @h, the
 * unmixed hashes of its first four points, eight at a time. */
__attribute__ ((target ("avx2")))
static void
hash_row_avx2 (gfloat   *row,
               gint      w4,
               OtticaV4u h)
{
  OtticaV8u h8 = __builtin_shufflevector (h, h + 4 * HASH_I, 0, 1, 2, 3, 4, 5, 6, 7);
  gint      i;

  for (i = 0; i + 8 <= w4; i += 8, h8 += 8 * HASH_I)
    {
      OtticaV8f v = lattice_value8 (h8);

      memcpy (row + i, &v, sizeof v);
    }
  if (i < w4)
    {
      memcpy (&h, &h8, sizeof h);
      ottica_v4f_store (row + i, lattice_value4 (h));
    }
}
#endif

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

/* A pixel at c reads lattice points i0 … i0 + TAPS - 1, i0 = ⌊c / s - R⌋ + 1
 * (s the spacing, R the reach in spacings); with u = c / s - R - ⌊c / s -
 * R⌋ in [0, 1), point i0 + k lies s (u + R - 1 - k) away, and its weight
 * exp (-d² / 2σ²) = exp (-(s / σ)² (u + R - 1 - k)² / 2) depends on u alone
 * (s / σ is LATTICE_SPACING). So the weights are read from a table over u,
 * linear in between (2048 steps: within 1e-7 of the exponential). */
#define WEIGHT_STEPS 2048

/* By step, then tap: the five weights of a step share a cache line or
 * two, as axis_weights() reads them. */
static float weight_table[WEIGHT_STEPS + 2][TAPS];

static void
init_weight_table (void)
{
  const gdouble reach = KERNEL_REACH / LATTICE_SPACING;

  for (gint k = 0; k < TAPS; k++)
    {
      for (gint i = 0; i <= WEIGHT_STEPS; i++)
        {
          gdouble d = (gdouble) i / WEIGHT_STEPS + reach - 1.0 - k;

          weight_table[i][k] = (gfloat) exp (-0.5 * LATTICE_SPACING * LATTICE_SPACING * d * d);
        }
      weight_table[WEIGHT_STEPS + 1][k] = weight_table[WEIGHT_STEPS][k];
    }
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

  for (gint p = 0; p < n; p++)
    {
      gdouble centre = start + p + 0.5;
      gdouble x = centre * inv_spacing - reach;
      gdouble fl = floor (x);
      gdouble u = (x - fl) * WEIGHT_STEPS;
      gint    slot = CLAMP ((gint) u, 0, WEIGHT_STEPS);
      gfloat  frac = (gfloat) (u - slot);

      first[p] = (gint) fl + 1;
      for (gint k = 0; k < TAPS; k++)
        weights[p * TAPS + k] = weight_table[slot][k] +
                                frac * (weight_table[slot + 1][k] - weight_table[slot][k]);
    }
}

static void
prepare (GeglOperation *operation)
{
  const Babl *format = ottica_op_working_format ();

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
}

/* The luminance weighting of four pixels times the strength, planar.
 * The grain's factor is 1 + strength · gain · field: this is its first
 * product, the same bits whichever loop takes it. */
G_ALWAYS_INLINE static inline OtticaV4f
weight4 (const float *in,
         OtticaV4f    strength)
{
  OtticaV4f p0 = ottica_v4f_load (in);
  OtticaV4f p1 = ottica_v4f_load (in + 4);
  OtticaV4f p2 = ottica_v4f_load (in + 8);
  OtticaV4f p3 = ottica_v4f_load (in + 12);
  OtticaV4f rg01 = OTTICA_SHUFFLE (p0, p1, 0, 4, 1, 5);
  OtticaV4f rg23 = OTTICA_SHUFFLE (p2, p3, 0, 4, 1, 5);
  OtticaV4f ba01 = OTTICA_SHUFFLE (p0, p1, 2, 6, 3, 7);
  OtticaV4f ba23 = OTTICA_SHUFFLE (p2, p3, 2, 6, 3, 7);
  OtticaV4f r = OTTICA_SHUFFLE (rg01, rg23, 0, 1, 4, 5);
  OtticaV4f g = OTTICA_SHUFFLE (rg01, rg23, 2, 3, 6, 7);
  OtticaV4f b = OTTICA_SHUFFLE (ba01, ba23, 0, 1, 4, 5);
  OtticaV4f luma, t, frac, g0, dg;
  OtticaV4i slot;

  luma = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
  t = ottica_v4f_min (ottica_v4f_max (luma, ottica_v4f_splat (0.0f)),
                      ottica_v4f_splat (GAIN_TABLE_MAX)) * (GAIN_TABLE_SIZE / GAIN_TABLE_MAX);
  slot = __builtin_convertvector (t, OtticaV4i);
  frac = t - __builtin_convertvector (slot, OtticaV4f);
  ottica_v4f_gather_pairs (gain_pairs, slot + slot, &g0, &dg);
  return strength * (g0 + frac * dg);
}

/* Four pixels, each multiplied by its factor where it stands, alpha
 * kept: the products of a planar multiply, so the same bits. */
G_ALWAYS_INLINE static inline void
scale4 (const float *in,
        float       *out,
        OtticaV4f    factor)
{
  const OtticaV4i rgb = { -1, -1, -1, 0 };
  OtticaV4f       p0 = ottica_v4f_load (in);
  OtticaV4f       p1 = ottica_v4f_load (in + 4);
  OtticaV4f       p2 = ottica_v4f_load (in + 8);
  OtticaV4f       p3 = ottica_v4f_load (in + 12);

  ottica_v4f_store (out, ottica_v4f_select (rgb, p0 * OTTICA_SHUFFLE (factor, factor, 0, 0, 0, 0), p0));
  ottica_v4f_store (out + 4, ottica_v4f_select (rgb, p1 * OTTICA_SHUFFLE (factor, factor, 1, 1, 1, 1), p1));
  ottica_v4f_store (out + 8, ottica_v4f_select (rgb, p2 * OTTICA_SHUFFLE (factor, factor, 2, 2, 2, 2), p2));
  ottica_v4f_store (out + 12, ottica_v4f_select (rgb, p3 * OTTICA_SHUFFLE (factor, factor, 3, 3, 3, 3), p3));
}

/* A run of columns' weights, valid for (x, width, spacing). */
typedef struct
{
  gint       x, width;
  gdouble    spacing;
  gint       groups, span, lattice_x0, lattice_w;
  gint      *col_first;
  gfloat    *col_weights;
  gint      *group_base;
  OtticaV4f *group_weights;
  gsize      columns_size;   /* pixels the column arrays hold */
  gsize      groups_size;    /* OtticaV4f group_weights holds */
  /* The same for groups of eight pixels (the AVX2 path's). */
  gint       groups8, span8;
  gint      *group8_base;
  gfloat    *group8_weights;  /* eight per column of a group */
  gsize      groups8_size;   /* columns group8_weights holds */
} GrainColumns;

/* Column runs a thread keeps, one per run of COLUMN_RUN_WIDTH pixels in
 * which a call starts. A look runs grain on each tile of local contrast's
 * result in turn (ottica-point-steps.h), so consecutive calls start at
 * every tile column of the band: with one run kept, every tile made its
 * weights again (1.7 % of a 24 MP export with analog-warm). 64 runs of
 * 128 pixels cover an 8192-pixel-wide image, at about 13 KB a run. */
#define COLUMN_RUNS      64
#define COLUMN_RUN_WIDTH 128

/* What a thread keeps between calls. GEGL hands a point filter the
 * parts of a region that do not fill whole tiles one row at a time, and
 * then the next call has the same columns and shares all but one or two
 * lattice rows with this one: the columns' weights and the hashed lattice
 * rows are kept, keyed by what they depend on, and used again. They are
 * the same values either way, so nothing depends on what was kept. */
typedef struct
{
  GrainColumns columns[COLUMN_RUNS];

  /* Lattice rows of lattice_x0 … lattice_x0 + lattice_w - 1 for seed:
   * row j in slot j mod n_slots, row_j[slot] saying which row is there. */
  gboolean   rows_valid;
  gboolean   rows_avx2;      /* hashed by the AVX2 path (the same values: */
  guint32    seed;           /* kept apart so that tests compare the paths) */
  gint       rows_x0, rows_w, stride, n_slots;
  gint      *row_j;
  gfloat    *rows;

  /* The rows' first lattice rows and weights, kept while the next call
   * has the same rows (the tiles of a tile row); then scratch of one
   * call: the vertical pass's sums and the pixels' luminance weights. */
  gint      *row_first;
  gfloat    *row_weights;
  gsize      row_size;
  gint       row_y, row_height;  /* what row_first and row_weights are for, */
  gdouble    row_spacing;        /* if row_valid */
  gboolean   row_valid;
  OtticaV4f *column_sums;    /* each sum in all four lanes */
  gsize      sums_size;
  gfloat    *weights;        /* weight4() of a row's groups */
  gsize      weights_size;
} GrainCache;

static void
grain_cache_free (gpointer data)
{
  GrainCache *cache = data;

  for (gint i = 0; i < COLUMN_RUNS; i++)
    {
      GrainColumns *columns = &cache->columns[i];

      g_free (columns->col_first);
      g_free (columns->col_weights);
      g_free (columns->group_base);
      g_free (columns->group_weights);
      g_free (columns->group8_base);
      g_free (columns->group8_weights);
    }
  g_free (cache->row_j);
  g_free (cache->rows);
  g_free (cache->row_first);
  g_free (cache->row_weights);
  g_free (cache->column_sums);
  g_free (cache->weights);
  g_free (cache);
}

/* Lattice values a thread keeps between calls, at most (4 MiB). */
#define CACHE_MAX_FLOATS (1 << 20)

static GPrivate grain_cache_key = G_PRIVATE_INIT (grain_cache_free);

static GrainCache *
grain_cache_get (void)
{
  GrainCache *cache = g_private_get (&grain_cache_key);

  if (cache == NULL)
    {
      cache = g_new0 (GrainCache, 1);
      g_private_set (&grain_cache_key, cache);
    }
  return cache;
}

#define ROUND2(n) (((n) + 1) & ~1)

/* Each group of four pixels' weights, over the widest group's span of
 * lattice columns (see process()). */
static const GrainColumns *
columns_prepare (GrainCache          *cache,
                 gint                 x,
                 gint                 width,
                 const GrainGeometry *geometry)
{
  GrainColumns *columns = &cache->columns[((guint) x / COLUMN_RUN_WIDTH) % COLUMN_RUNS];
  gint groups = (width + 3) / 4;
  gint span = TAPS;

  if (columns->group_weights != NULL && columns->x == x && columns->width == width &&
      columns->spacing == geometry->spacing)
    return columns;

  if ((gsize) width > columns->columns_size)
    {
      g_free (columns->col_first);
      g_free (columns->col_weights);
      g_free (columns->group_base);
      g_free (columns->group8_base);
      columns->col_first = g_new (gint, width);
      columns->col_weights = g_new (gfloat, (gsize) width * TAPS);
      columns->group_base = g_new (gint, groups);
      columns->group8_base = g_new (gint, (width + 7) / 8);
      columns->columns_size = width;
    }
  axis_weights (x, width, geometry, columns->col_first, columns->col_weights);

  for (gint gi = 0; gi < groups; gi++)
    span = MAX (span, columns->col_first[MIN (4 * gi + 3, width - 1)] -
                      columns->col_first[4 * gi] + TAPS);
  if ((gsize) groups * span > columns->groups_size)
    {
      g_free (columns->group_weights);
      columns->groups_size = (gsize) groups * span;
      columns->group_weights = g_new (OtticaV4f, columns->groups_size);
    }
  memset (columns->group_weights, 0, (gsize) groups * span * sizeof (OtticaV4f));

  columns->lattice_x0 = columns->col_first[0];
  columns->lattice_w = columns->col_first[width - 1] + TAPS - columns->lattice_x0;
  for (gint p = 0; p < width; p++)
    {
      gint       gi = p / 4;
      OtticaV4f *w = columns->group_weights + (gsize) gi * span;

      if (p % 4 == 0)
        columns->group_base[gi] = columns->col_first[p] - columns->lattice_x0;
      for (gint k = 0; k < TAPS; k++)
        w[columns->col_first[p] - columns->lattice_x0 - columns->group_base[gi] + k][p % 4] =
          columns->col_weights[p * TAPS + k];
    }

  /* Groups of eight: each reads span8 columns from its first pixel's. */
  columns->groups8 = (width + 7) / 8;
  columns->span8 = TAPS;
  for (gint gi = 0; gi < columns->groups8; gi++)
    columns->span8 = MAX (columns->span8, columns->col_first[MIN (8 * gi + 7, width - 1)] -
                                          columns->col_first[8 * gi] + TAPS);
  if ((gsize) columns->groups8 * columns->span8 > columns->groups8_size)
    {
      g_free (columns->group8_weights);
      columns->groups8_size = (gsize) columns->groups8 * columns->span8;
      columns->group8_weights = g_new (gfloat, columns->groups8_size * 8);
    }
  memset (columns->group8_weights, 0,
          (gsize) columns->groups8 * columns->span8 * 8 * sizeof (gfloat));
  for (gint p = 0; p < width; p++)
    {
      gint       gi = p / 8;
      gfloat *w = columns->group8_weights + (gsize) gi * columns->span8 * 8;

      if (p % 8 == 0)
        columns->group8_base[gi] = columns->col_first[p] - columns->lattice_x0;
      for (gint k = 0; k < TAPS; k++)
        w[(columns->col_first[p] - columns->lattice_x0 - columns->group8_base[gi] + k) * 8 +
          p % 8] = columns->col_weights[p * TAPS + k];
    }

  columns->x = x;
  columns->width = width;
  columns->spacing = geometry->spacing;
  columns->groups = groups;
  columns->span = span;
  return columns;
}

/* Makes room for @n_rows lattice rows of the columns' lattice, padded
 * with zeros so that every group may read its whole span; keeps the rows
 * already hashed when nothing they depend on changed, and the memory
 * when it is large enough. */
static void
rows_prepare (GrainCache         *cache,
              const GrainColumns *columns,
              guint32             seed,
              gint                n_rows,
              gboolean            avx2)
{
  gint stride = OTTICA_ROUND4 (columns->lattice_w + columns->span);

  if (cache->rows_valid && cache->rows_avx2 == avx2 && cache->seed == seed &&
      cache->rows_x0 == columns->lattice_x0 &&
      cache->rows_w == columns->lattice_w && cache->stride >= stride && cache->n_slots >= n_rows)
    return;

  if (cache->rows == NULL || cache->stride < stride || cache->n_slots < n_rows)
    {
      gint n_slots = 8;

      /* A power of two: a row's slot is j & (n_slots - 1). */
      while (n_slots < n_rows)
        n_slots *= 2;
      g_free (cache->rows);
      g_free (cache->row_j);
      cache->n_slots = n_slots;
      cache->stride = stride;
      cache->rows = g_new0 (gfloat, (gsize) cache->n_slots * stride);
      cache->row_j = g_new (gint, cache->n_slots);
    }
  for (gint i = 0; i < cache->n_slots; i++)
    cache->row_j[i] = G_MININT;
  cache->rows_avx2 = avx2;
  cache->seed = seed;
  cache->rows_x0 = columns->lattice_x0;
  cache->rows_w = columns->lattice_w;
  cache->rows_valid = TRUE;
}

/* Lattice row @j, hashed unless it is still there; zeros follow its
 * values up to a multiple of four (the vertical pass reads them). */
static const gfloat *
lattice_row (GrainCache *cache,
             gint        j,
             gboolean    avx2)
{
  gint      slot = j & (cache->n_slots - 1);
  gfloat   *row = cache->rows + (gsize) slot * cache->stride;
  gint      w4 = OTTICA_ROUND4 (cache->rows_w);
  /* h of the row's first four points; each step moves four points on. */
  OtticaV4u h = (OtticaV4u) { 0, HASH_I, 2 * HASH_I, 3 * HASH_I } +
                ((guint32) cache->rows_x0 * HASH_I + (guint32) j * HASH_J + cache->seed * HASH_SEED);

  if (cache->row_j[slot] == j)
    return row;
#ifdef OTTICA_HAVE_AVX2
  if (avx2)
    hash_row_avx2 (row, w4, h);
  else
#endif
    for (gint i = 0; i < w4; i += 4, h += 4 * HASH_I)
      ottica_v4f_store (row + i, lattice_value4 (h));
  for (gint i = cache->rows_w; i < w4; i++)
    row[i] = 0.0f;
  cache->row_j[slot] = j;
  return row;
}

/* weight4() of group @gi of a row (pixels 4 gi … 4 gi + 3, fewer at
 * its end). */
G_ALWAYS_INLINE static inline OtticaV4f
weight_group (const gfloat *in,
              gint          gi,
              gint          width,
              OtticaV4f     strength)
{
  gfloat tail[16] = { 0 };

  if (4 * gi + 4 <= width)
    return weight4 (in + 16 * gi, strength);
  memcpy (tail, in + 16 * gi, (gsize) (width - 4 * gi) * 4 * sizeof (gfloat));
  return weight4 (tail, strength);
}

/* Group @gi of a row (pixels 4 gi … 4 gi + 3, fewer at its end)
 * multiplied by @factor. */
G_ALWAYS_INLINE static inline void
grain_group_factor (const gfloat *in,
                    gfloat       *out,
                    gint          gi,
                    gint          width,
                    OtticaV4f     factor)
{
  if (4 * gi + 4 <= width)
    scale4 (in + 16 * gi, out + 16 * gi, factor);
  else
    {
      gfloat tail_in[16] = { 0 }, tail_out[16];
      gsize  bytes = (gsize) (width - 4 * gi) * 4 * sizeof (gfloat);

      memcpy (tail_in, in + 16 * gi, bytes);
      scale4 (tail_in, tail_out, factor);
      memcpy (out + 16 * gi, tail_out, bytes);
    }
}

/* The grain on group @gi of a row: its factor from the weight and the
 * field (never below 0, as light is not), applied. */
G_ALWAYS_INLINE static inline void
grain_group (const gfloat *in,
             gfloat       *out,
             gint          gi,
             gint          width,
             OtticaV4f     weight,
             OtticaV4f     field)
{
  grain_group_factor (in, out, gi, width,
                      ottica_v4f_max (1.0f + weight * field, ottica_v4f_splat (0.0f)));
}

/* What one row of the grain needs: its five lattice rows and their
 * weights, and the scratch and columns of the call. */
typedef struct
{
  const gfloat    *rows[TAPS];
  const gfloat    *wy;            /* the row's TAPS vertical weights */
  gint             lattice_w4;
  OtticaV4f       *column_sums;
  gfloat          *weights;
  const OtticaV4f *group_weights;
  const gint      *group_base;
  const gfloat    *group8_weights;
  const gint      *group8_base;
  gint             groups8, span8;
  gint             groups, span, width;
  gfloat           strength;
} GrainRow;

static void
grain_row_sse2 (const GrainRow *r,
                const gfloat   *row_in,
                gfloat         *row_out)
{
  const OtticaV4f  wy0 = ottica_v4f_splat (r->wy[0]), wy1 = ottica_v4f_splat (r->wy[1]);
  const OtticaV4f  wy2 = ottica_v4f_splat (r->wy[2]), wy3 = ottica_v4f_splat (r->wy[3]);
  const OtticaV4f  wy4 = ottica_v4f_splat (r->wy[4]);
  const OtticaV4f  strength = ottica_v4f_splat (r->strength);
  OtticaV4f       *column_sums = r->column_sums;
  gfloat          *weights = r->weights;
  const gint       groups = r->groups, span = r->span, width = r->width;
  gint             gi;

  G_STATIC_ASSERT (TAPS == 5);
  /* Vertical pass: the field's row y at every lattice column (the
   * rows' padding is zero), taps summed in order. */
  for (gint i = 0; i < r->lattice_w4; i += 4)
    {
      OtticaV4f sum = wy0 * ottica_v4f_load (r->rows[0] + i);

      sum += wy1 * ottica_v4f_load (r->rows[1] + i);
      sum += wy2 * ottica_v4f_load (r->rows[2] + i);
      sum += wy3 * ottica_v4f_load (r->rows[3] + i);
      sum += wy4 * ottica_v4f_load (r->rows[4] + i);
      /* Spread for the horizontal pass, which multiplies each sum
       * by four pixels' weights. */
      column_sums[i] = OTTICA_SHUFFLE (sum, sum, 0, 0, 0, 0);
      column_sums[i + 1] = OTTICA_SHUFFLE (sum, sum, 1, 1, 1, 1);
      column_sums[i + 2] = OTTICA_SHUFFLE (sum, sum, 2, 2, 2, 2);
      column_sums[i + 3] = OTTICA_SHUFFLE (sum, sum, 3, 3, 3, 3);
    }

  /* The pixels' weights first, in a loop of their own: each is a
   * long chain of dependent steps (luminance, table, lerp), and
   * short independent iterations, two groups each, let the
   * processor overlap many. Only the last group may be short. */
  for (gi = 0; gi + 2 < groups; gi += 2)
    {
      OtticaV4f w0 = weight4 (row_in + 16 * gi, strength);
      OtticaV4f w1 = weight4 (row_in + 16 * gi + 16, strength);

      ottica_v4f_store (weights + 4 * gi, w0);
      ottica_v4f_store (weights + 4 * gi + 4, w1);
    }
  for (; gi < groups; gi++)
    ottica_v4f_store (weights + 4 * gi, weight_group (row_in, gi, width, strength));

  /* Horizontal pass and the grain itself, two groups of four pixels
   * at a time. */
  for (gi = 0; gi + 2 <= groups; gi += 2)
    {
      const OtticaV4f *w0 = r->group_weights + (gsize) gi * span;
      const OtticaV4f *w1 = w0 + span;
      const OtticaV4f *s0 = column_sums + r->group_base[gi];
      const OtticaV4f *s1 = column_sums + r->group_base[gi + 1];
      OtticaV4f        f0 = w0[0] * s0[0];
      OtticaV4f        f1 = w1[0] * s1[0];

      for (gint j = 1; j < span; j++)
        {
          f0 += w0[j] * s0[j];
          f1 += w1[j] * s1[j];
        }
      grain_group (row_in, row_out, gi, width, ottica_v4f_load (weights + 4 * gi), f0);
      grain_group (row_in, row_out, gi + 1, width, ottica_v4f_load (weights + 4 * gi + 4), f1);
    }
  if (gi < groups)
    {
      const OtticaV4f *w = r->group_weights + (gsize) gi * span;
      const OtticaV4f *sums = column_sums + r->group_base[gi];
      OtticaV4f        field = w[0] * sums[0];

      for (gint j = 1; j < span; j++)
        field += w[j] * sums[j];
      grain_group (row_in, row_out, gi, width, ottica_v4f_load (weights + 4 * gi), field);
    }
}

#ifdef OTTICA_HAVE_AVX2
/* The same eight lanes at a time on processors that have AVX2: lane for
 * lane the operations of the four-lane path (no FMA), so the same bits
 * (test-ops compares the two). */
typedef OtticaV8f V8f;
typedef OtticaV8i V8i;

#define AVX2_INLINE __attribute__ ((target ("avx2"), always_inline)) static inline

AVX2_INLINE V8f
v8f_load (const float *p)
{
  V8f v;

  memcpy (&v, p, sizeof v);
  return v;
}

AVX2_INLINE void
v8f_store (float *p,
           V8f    v)
{
  memcpy (p, &v, sizeof v);
}

/* weight4() of eight pixels. */
AVX2_INLINE V8f
weight8 (const float *in,
         V8f          strength)
{
  /* Pixels (0 1), (2 3), (4 5), (6 7) in four loads; the shuffles, in
   * each half, give the channels of pixels 0 2 4 6 | 1 3 5 7, and every
   * step below is lane-wise until the result goes back to pixel order. */
  V8f q0 = v8f_load (in);
  V8f q1 = v8f_load (in + 8);
  V8f q2 = v8f_load (in + 16);
  V8f q3 = v8f_load (in + 24);
  V8f rg01 = __builtin_shuffle (q0, q1, (V8i) { 0, 8, 1, 9, 4, 12, 5, 13 });
  V8f rg23 = __builtin_shuffle (q2, q3, (V8i) { 0, 8, 1, 9, 4, 12, 5, 13 });
  V8f ba01 = __builtin_shuffle (q0, q1, (V8i) { 2, 10, 3, 11, 6, 14, 7, 15 });
  V8f ba23 = __builtin_shuffle (q2, q3, (V8i) { 2, 10, 3, 11, 6, 14, 7, 15 });
  V8f r = __builtin_shuffle (rg01, rg23, (V8i) { 0, 1, 8, 9, 4, 5, 12, 13 });
  V8f g = __builtin_shuffle (rg01, rg23, (V8i) { 2, 3, 10, 11, 6, 7, 14, 15 });
  V8f b = __builtin_shuffle (ba01, ba23, (V8i) { 0, 1, 8, 9, 4, 5, 12, 13 });
  V8f luma, t, frac, g0, dg, a, c;
  V8i slot;

  luma = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
  t = __builtin_ia32_minps256 (__builtin_ia32_maxps256 (luma, (V8f) OTTICA_V8 (0.0f)),
                               (V8f) OTTICA_V8 (GAIN_TABLE_MAX)) *
      (GAIN_TABLE_SIZE / GAIN_TABLE_MAX);
  slot = __builtin_convertvector (t, V8i);
  frac = t - __builtin_convertvector (slot, V8f);
  {
    /* Pairs of lanes 0 1 4 5 and 2 3 6 7, each pair one double: the even
     * and odd floats of each half, interleaved, give the pairs' firsts
     * and seconds in lane order. (AVX2's gather is slower here.) */
    typedef double V4d __attribute__ ((vector_size (32)));
    double p[8];

    for (int k = 0; k < 8; k++)
      memcpy (&p[k], gain_pairs + 2 * slot[k], sizeof p[k]);
    a = (V8f) (V4d) { p[0], p[1], p[4], p[5] };
    c = (V8f) (V4d) { p[2], p[3], p[6], p[7] };
  }
  g0 = __builtin_shuffle (a, c, (V8i) { 0, 2, 8, 10, 4, 6, 12, 14 });
  dg = __builtin_shuffle (a, c, (V8i) { 1, 3, 9, 11, 5, 7, 13, 15 });
  return __builtin_shuffle (strength * (g0 + frac * dg), (V8i) { 0, 4, 1, 5, 2, 6, 3, 7 });
}

/* scale4() of eight pixels. */
AVX2_INLINE void
scale8 (const float *in,
        float       *out,
        V8f          factor)
{
  const V8i rgb = { -1, -1, -1, 0, -1, -1, -1, 0 };
  V8f       p0 = v8f_load (in), p1 = v8f_load (in + 8);
  V8f       p2 = v8f_load (in + 16), p3 = v8f_load (in + 24);
  V8f       q0 = p0 * __builtin_shuffle (factor, (V8i) { 0, 0, 0, 0, 1, 1, 1, 1 });
  V8f       q1 = p1 * __builtin_shuffle (factor, (V8i) { 2, 2, 2, 2, 3, 3, 3, 3 });
  V8f       q2 = p2 * __builtin_shuffle (factor, (V8i) { 4, 4, 4, 4, 5, 5, 5, 5 });
  V8f       q3 = p3 * __builtin_shuffle (factor, (V8i) { 6, 6, 6, 6, 7, 7, 7, 7 });

  v8f_store (out, (V8f) (((V8i) q0 & rgb) | ((V8i) p0 & ~rgb)));
  v8f_store (out + 8, (V8f) (((V8i) q1 & rgb) | ((V8i) p1 & ~rgb)));
  v8f_store (out + 16, (V8f) (((V8i) q2 & rgb) | ((V8i) p2 & ~rgb)));
  v8f_store (out + 24, (V8f) (((V8i) q3 & rgb) | ((V8i) p3 & ~rgb)));
}

/* The grain on groups @gi and @gi + 1 (if there is one) of a row, from
 * their field: grain_group() on each. */
AVX2_INLINE void
grain_pair (const gfloat *in,
            gfloat       *out,
            gint          gi,
            gint          groups,
            gint          width,
            const gfloat *weights,
            V8f           field)
{
  V8f factor = __builtin_ia32_maxps256 (1.0f + v8f_load (weights + 4 * gi) * field,
                                        (V8f) OTTICA_V8 (0.0f));

  if (4 * gi + 8 <= width)
    scale8 (in + 16 * gi, out + 16 * gi, factor);
  else
    {
      OtticaV4f f0, f1;

      memcpy (&f0, &factor, sizeof f0);
      memcpy (&f1, (const float *) &factor + 4, sizeof f1);
      grain_group_factor (in, out, gi, width, f0);
      if (gi + 1 < groups)
        grain_group_factor (in, out, gi + 1, width, f1);
    }
}

__attribute__ ((target ("avx2")))
static void
grain_row_avx2 (const GrainRow *r,
                const gfloat   *row_in,
                gfloat         *row_out)
{
  const V8f        wy0 = OTTICA_V8 (r->wy[0]), wy1 = OTTICA_V8 (r->wy[1]);
  const V8f        wy2 = OTTICA_V8 (r->wy[2]), wy3 = OTTICA_V8 (r->wy[3]);
  const V8f        wy4 = OTTICA_V8 (r->wy[4]);
  const V8f        strength = OTTICA_V8 (r->strength);
  gfloat          *weights = r->weights;
  const gint       groups = r->groups, width = r->width;
  const gint       span8 = r->span8, groups8 = r->groups8;
  float           *sums = (float *) r->column_sums;
  gint             i, gi;

  /* Vertical pass, eight columns at a time, then four; the sums as
   * plain floats (the horizontal pass broadcasts each). */
  for (i = 0; i + 8 <= r->lattice_w4; i += 8)
    {
      V8f sum = wy0 * v8f_load (r->rows[0] + i);

      sum += wy1 * v8f_load (r->rows[1] + i);
      sum += wy2 * v8f_load (r->rows[2] + i);
      sum += wy3 * v8f_load (r->rows[3] + i);
      sum += wy4 * v8f_load (r->rows[4] + i);
      v8f_store (sums + i, sum);
    }
  if (i < r->lattice_w4)
    {
      OtticaV4f sum = ottica_v4f_splat (r->wy[0]) * ottica_v4f_load (r->rows[0] + i);

      sum += ottica_v4f_splat (r->wy[1]) * ottica_v4f_load (r->rows[1] + i);
      sum += ottica_v4f_splat (r->wy[2]) * ottica_v4f_load (r->rows[2] + i);
      sum += ottica_v4f_splat (r->wy[3]) * ottica_v4f_load (r->rows[3] + i);
      sum += ottica_v4f_splat (r->wy[4]) * ottica_v4f_load (r->rows[4] + i);
      ottica_v4f_store (sums + i, sum);
    }

  /* The pixels' weights, two whole groups at a time, then the rest as
   * the four-lane path takes them (the same operations either way). */
  for (gi = 0; 4 * gi + 8 <= width; gi += 2)
    v8f_store (weights + 4 * gi, weight8 (row_in + 16 * gi, strength));
  for (; gi < groups; gi++)
    ottica_v4f_store (weights + 4 * gi,
                      weight_group (row_in, gi, width, ottica_v4f_splat (r->strength)));

  /* Horizontal pass and the grain, eight pixels at a time: each
   * column's sum broadcast, times the eight pixels' weights (0 outside a
   * pixel's taps: exact zeros, so each pixel's field is the four-lane
   * path's). Two groups side by side keep the adder busy. */
  for (gi = 0; gi + 2 <= groups8; gi += 2)
    {
      const float *w0 = r->group8_weights + (gsize) gi * span8 * 8;
      const float *w1 = w0 + span8 * 8;
      const float *s0 = sums + r->group8_base[gi];
      const float *s1 = sums + r->group8_base[gi + 1];
      V8f          f0 = v8f_load (w0) * s0[0];
      V8f          f1 = v8f_load (w1) * s1[0];

      for (gint j = 1; j < span8; j++)
        {
          f0 += v8f_load (w0 + 8 * j) * s0[j];
          f1 += v8f_load (w1 + 8 * j) * s1[j];
        }
      grain_pair (row_in, row_out, 2 * gi, groups, width, weights, f0);
      grain_pair (row_in, row_out, 2 * gi + 2, groups, width, weights, f1);
    }
  if (gi < groups8)
    {
      const float *w = r->group8_weights + (gsize) gi * span8 * 8;
      const float *s = sums + r->group8_base[gi];
      V8f          f = v8f_load (w) * s[0];

      for (gint j = 1; j < span8; j++)
        f += v8f_load (w + 8 * j) * s[j];
      grain_pair (row_in, row_out, 2 * gi, groups, width, weights, f);
    }
}
#endif

/* The field at each pixel of a row is Σ_k w_k sums[first + k]. Four
 * pixels at a time: a group of four reads the lattice columns from its
 * first pixel's first one, span of them, and holds for each column a
 * vector of the four pixels' weights (0 outside a pixel's taps). Adding
 * exact zeros changes no sum, so each pixel's field is its own taps
 * summed in order, whichever group (that is, whichever tile) it is in.
 * Two groups go side by side: each sum is a chain of dependent adds, and
 * two chains keep the adder busy. */
static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  GeglProperties     *o = GEGL_PROPERTIES (operation);
  const gfloat       *in = in_buf;
  gfloat             *out = out_buf;
  const GrainGeometry geometry = grain_geometry (operation, level);
  const guint32       seed = (guint32) o->seed;
  const gfloat        strength = (gfloat) o->amount * geometry.scale;
  const gint          width = roi->width;
  const gint          height = roi->height;
  GrainCache         *cache;
  const GrainColumns *columns;
  gint               *row_first;
  gfloat             *row_weights, *weights;
  OtticaV4f          *column_sums;
  gint                lattice_y0, lattice_h, lattice_w4;
  GrainRow            row;
#ifdef OTTICA_HAVE_AVX2
  const gboolean      avx2 = ottica_use_avx2 ();
  const gboolean      use_avx2 = avx2;
#else
  const gboolean      use_avx2 = FALSE;
#endif

  if (width <= 0 || height <= 0 || n_pixels != (glong) width * height)
    {
      ottica_op_copy_pixels (in_buf, out_buf, n_pixels);
      return TRUE;
    }

  cache = grain_cache_get ();
  columns = columns_prepare (cache, roi->x, width, &geometry);
  if ((gsize) height > cache->row_size)
    {
      g_free (cache->row_first);
      g_free (cache->row_weights);
      cache->row_size = height;
      cache->row_first = g_new (gint, height);
      cache->row_weights = g_new (gfloat, (gsize) height * TAPS);
      cache->row_valid = FALSE;
    }
  row_first = cache->row_first;
  row_weights = cache->row_weights;
  /* The tiles of a tile row share their rows' weights. */
  if (!cache->row_valid || cache->row_y != roi->y || cache->row_height != height ||
      cache->row_spacing != geometry.spacing)
    {
      axis_weights (roi->y, height, &geometry, row_first, row_weights);
      cache->row_y = roi->y;
      cache->row_height = height;
      cache->row_spacing = geometry.spacing;
      cache->row_valid = TRUE;
    }
  lattice_y0 = row_first[0];
  lattice_h = row_first[height - 1] + TAPS - lattice_y0;
  rows_prepare (cache, columns, seed, lattice_h, use_avx2);
  if ((gsize) cache->stride > cache->sums_size)
    {
      g_free (cache->column_sums);
      cache->sums_size = cache->stride;
      cache->column_sums = g_new (OtticaV4f, cache->sums_size);
    }
  column_sums = cache->column_sums;
  /* A pair of groups reads its weights in one load: up to a multiple
   * of eight. */
  if ((gsize) ROUND2 (columns->groups) * 4 > cache->weights_size)
    {
      g_free (cache->weights);
      cache->weights_size = (gsize) ROUND2 (columns->groups) * 4;
      cache->weights = g_new (gfloat, cache->weights_size);
    }
  weights = cache->weights;
  /* The vertical pass writes the lattice columns (and the zeros after
   * them up to a multiple of four); the groups may read on to the
   * stride, which must hold zeros. */
  lattice_w4 = OTTICA_ROUND4 (columns->lattice_w);
  memset (column_sums + lattice_w4, 0, (gsize) (cache->stride - lattice_w4) * sizeof (OtticaV4f));
#ifdef OTTICA_HAVE_AVX2
  /* The AVX2 path keeps the sums as plain floats: zeros after them. */
  if (avx2)
    memset ((float *) column_sums + lattice_w4, 0,
            (gsize) (4 * cache->stride - lattice_w4) * sizeof (gfloat));
#endif

  row.lattice_w4 = lattice_w4;
  row.column_sums = column_sums;
  row.weights = weights;
  row.group_weights = columns->group_weights;
  row.group_base = columns->group_base;
  row.group8_weights = columns->group8_weights;
  row.group8_base = columns->group8_base;
  row.groups8 = columns->groups8;
  row.span8 = columns->span8;
  row.groups = columns->groups;
  row.span = columns->span;
  row.width = width;
  row.strength = strength;
  for (gint y = 0; y < height; y++)
    {
      const gsize offset = (gsize) y * width * 4;

      row.wy = row_weights + (gsize) y * TAPS;
      for (gint k = 0; k < TAPS; k++)
        row.rows[k] = lattice_row (cache, row_first[y] + k, use_avx2);
#ifdef OTTICA_HAVE_AVX2
      if (avx2)
        grain_row_avx2 (&row, in + offset, out + offset);
      else
#endif
        grain_row_sse2 (&row, in + offset, out + offset);
    }

  /* A thread keeps a few megabytes at most. */
  if ((gsize) cache->n_slots * cache->stride > CACHE_MAX_FLOATS)
    {
      g_clear_pointer (&cache->rows, g_free);
      g_clear_pointer (&cache->row_j, g_free);
      cache->n_slots = 0;
      cache->rows_valid = FALSE;
    }
  if (cache->row_size > CACHE_MAX_FLOATS / TAPS)
    {
      g_clear_pointer (&cache->row_first, g_free);
      g_clear_pointer (&cache->row_weights, g_free);
      cache->row_size = 0;
      cache->row_valid = FALSE;
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
      init_weight_table ();
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
