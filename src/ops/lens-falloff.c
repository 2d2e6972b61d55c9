/* lens-falloff.c: ottica:lens-falloff, natural vignetting as exposure in
 * linear light: the gain is 2^(ev · r^falloff), r being 0 at the centre
 * and 1 at the farthest corner, so highlights darken as they would
 * through a lens rather than being painted over.
 *
 * r is measured on the input's bounding box in full-resolution
 * coordinates (a pixel at render level L covers 2^L of them), so a
 * preview at any zoom, each tile of a render and the export all agree.
 * The gain is tabulated over r² once per change of parameters; the pixel
 * loop reads it for four pixels at once (a planar kernel, see
 * ottica-op-common.h), or eight where the processor has AVX2 (the same
 * bits).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (ev, _("Corner exposure"), 0.0)
  description (_("Exposure change at the corners in EV: negative darkens them"))
  value_range (-3.0, 1.0)
  ui_meta     ("unit", "ev")

property_double (falloff, _("Falloff"), 2.0)
  description (_("Exponent of the falloff with distance from the centre: 2 is a lens's "
                 "natural falloff, larger values keep the middle clear for longer"))
  value_range (0.5, 8.0)
  ui_range    (1.0, 5.0)

property_double (roundness, _("Roundness"), 1.0)
  description (_("1 is a circle; 0 follows the frame's aspect ratio (an ellipse)"))
  value_range (0.0, 1.0)

property_double (center_x, _("Centre X"), 0.5)
  description (_("Horizontal position of the centre, as a fraction of the width"))
  value_range (0.0, 1.0)
  ui_meta     ("unit", "relative-coordinate")
  ui_meta     ("axis", "x")

property_double (center_y, _("Centre Y"), 0.5)
  description (_("Vertical position of the centre, as a fraction of the height"))
  value_range (0.0, 1.0)
  ui_meta     ("unit", "relative-coordinate")
  ui_meta     ("axis", "y")

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     lens_falloff
#define GEGL_OP_C_SOURCE lens-falloff.c

#include "gegl-op.h"
#include "ottica-op-common.h"

#ifdef OTTICA_HAVE_AVX2
#include <immintrin.h>
#endif

/* Samples of the gain over r² in [0, 1]; linear in between. */
#define TABLE_N 1024

typedef struct
{
  double ev, falloff;
} Params;

/* Pairs (gain at i, gain at i + 1 minus it): one 8-byte load per pixel
 * gives the lerp both, and the difference is the one it would take. */
typedef struct
{
  Params   key;
  gboolean valid;
  float    table[2 * (TABLE_N + 1)] __attribute__ ((aligned (16)));
} State;

static gboolean
is_neutral (GeglProperties *o)
{
  return o->ev == 0.0;
}

static void
state_update (State        *state,
              const Params *p)
{
  if (state->valid && memcmp (&state->key, p, sizeof *p) == 0)
    return;

  for (int i = 0; i <= TABLE_N; i++)
    {
      double r2 = (double) i / TABLE_N;

      state->table[2 * i] = (float) exp2 (p->ev * pow (r2, 0.5 * p->falloff));
    }
  for (int i = 0; i < TABLE_N; i++)
    state->table[2 * i + 1] = state->table[2 * i + 2] - state->table[2 * i];
  state->table[2 * TABLE_N + 1] = 0.0f;
  state->key = *p;
  state->valid = TRUE;
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  Params          p;

  ottica_op_set_working_format (operation);

  if (o->user_data == NULL)
    o->user_data = g_new0 (State, 1);
  memset (&p, 0, sizeof p);
  p.ev = o->ev;
  p.falloff = o->falloff;
  state_update (o->user_data, &p);
}

typedef struct
{
  const float *table;
  float        step;     /* kx per full-resolution column */
  float        offset;
  float        ky;
  double       scale;    /* full-resolution pixels per pixel */
  double       cy;
} Kernel;

G_STATIC_ASSERT (sizeof (Kernel) <= sizeof (OtticaKernelContext));

static gboolean
kernel_begin (GeglOperation       *operation,
              const GeglRectangle *roi,
              gint                 level,
              OtticaKernelContext *context)
{
  GeglProperties      *o = GEGL_PROPERTIES (operation);
  const State         *state = o->user_data;
  const GeglRectangle *bbox = gegl_operation_source_get_bounding_box (operation, "input");
  Kernel              *k = (Kernel *) context;
  double               scale, cx, cy, half_w, half_h, half_d, round, ax, ay, corner;
  float                kx, ky;

  if (is_neutral (o) || state == NULL || bbox == NULL || bbox->width <= 0 ||
      bbox->height <= 0 || gegl_rectangle_is_infinite_plane (bbox))
    return FALSE;

  /* Everything in full-resolution pixels. */
  scale = (double) (1 << level);
  cx = bbox->x + o->center_x * bbox->width;
  cy = bbox->y + o->center_y * bbox->height;
  half_w = 0.5 * bbox->width;
  half_h = 0.5 * bbox->height;
  half_d = sqrt (half_w * half_w + half_h * half_h);

  /* Axis scales blend a circle (1 / half diagonal on both axes) with the
   * frame's ellipse (1 / (√2 · half side)); then r² is normalised so the
   * farthest corner is at 1. */
  round = CLAMP (o->roundness, 0.0, 1.0);
  ax = round / half_d + (1.0 - round) / (G_SQRT2 * half_w);
  ay = round / half_d + (1.0 - round) / (G_SQRT2 * half_h);
  corner = 0.0;
  for (int i = 0; i < 4; i++)
    {
      double dx = (i & 1 ? bbox->x + bbox->width : bbox->x) - cx;
      double dy = (i & 2 ? bbox->y + bbox->height : bbox->y) - cy;

      corner = MAX (corner, ax * ax * dx * dx + ay * ay * dy * dy);
    }
  /* r² · TABLE_N = (kx dx)² + (ky dy)². */
  kx = (float) (ax * sqrt (TABLE_N / corner));
  ky = (float) (ay * sqrt (TABLE_N / corner));
  /* dx from the pixel's own column, never accumulated along the row, so
   * that any split into tiles gives the same bits. */
  k->table = state->table;
  k->step = (float) (kx * scale);
  k->offset = (float) (kx * (0.5 * scale - cx));
  k->ky = ky;
  k->scale = scale;
  k->cy = cy;
  return TRUE;
}

/* (ky dy)² of row @y's pixel centres. */
static inline float
row_dy2 (const Kernel *k,
         gint          y)
{
  float dy = (float) (k->ky * ((y + 0.5) * k->scale - k->cy));

  return dy * dy;
}

/* Lanes @start … @n of row @y's block from column @x, four at a time.
 * The columns as floats, exact (|x| < 2^24), so counting them on by four
 * gives what converting each would. */
G_ALWAYS_INLINE static inline void
run_lanes (const Kernel *k,
           OtticaBlock  *block,
           gint          start,
           gint          n,
           gint          x,
           float         dy2_scalar)
{
  const OtticaV4f dy2 = ottica_v4f_splat (dy2_scalar);
  const OtticaV4f top = ottica_v4f_splat ((float) TABLE_N);
  OtticaV4f       column = __builtin_convertvector (ottica_v4i_splat (x + start) +
                                                    (OtticaV4i) { 0, 1, 2, 3 }, OtticaV4f);

  for (gint i = start; i < n; i += 4, column += 4.0f)
    {
      OtticaV4f dx = k->step * column + k->offset;
      OtticaV4f pos = ottica_v4f_min (dx * dx + dy2, top);
      OtticaV4i j = __builtin_convertvector (pos, OtticaV4i);
      OtticaV4f t = pos - __builtin_convertvector (j, OtticaV4f);
      OtticaV4f g0, dg, gain;

      ottica_v4f_gather_pairs (k->table, j + j, &g0, &dg);
      gain = g0 + dg * t;
      ottica_v4f_store (block->r + i, ottica_v4f_load (block->r + i) * gain);
      ottica_v4f_store (block->g + i, ottica_v4f_load (block->g + i) * gain);
      ottica_v4f_store (block->b + i, ottica_v4f_load (block->b + i) * gain);
    }
}

#ifdef OTTICA_HAVE_AVX2
typedef OtticaV8f V8f;
typedef OtticaV8i V8i;

#define V8(v) OTTICA_V8 (v)

/* The same eight lanes at a time where the processor has AVX2: lane for
 * lane the operations of run_sse2() (the columns counted on by eight,
 * still exact), never FMA, so the same bits (test-ops compares the
 * paths). The last four lanes of a block take run_lanes(). */
__attribute__ ((target ("avx2")))
static void
run_avx2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  const Kernel *k = (const Kernel *) context;
  const float   dy2_scalar = row_dy2 (k, y);
  const V8f     dy2 = V8 (dy2_scalar);
  const V8f     top = V8 ((float) TABLE_N);
  V8f           column = __builtin_convertvector ((V8i) V8 (x) + (V8i) { 0, 1, 2, 3, 4, 5, 6, 7 },
                                                  V8f);
  gint          i;

  for (i = 0; i + 8 <= n; i += 8, column += 8.0f)
    {
      V8f    dx = k->step * column + k->offset;
      V8f    pos = __builtin_ia32_minps256 (dx * dx + dy2, top);
      V8i    j = __builtin_convertvector (pos, V8i);
      V8f    t = pos - __builtin_convertvector (j, V8f);
      V8f    a, c, g0, dg, gain, v;

      /* The (gain, difference) pairs, 8 bytes each, in two gathers: lanes
       * 0, 1, 4, 5 in one register and 2, 3, 6, 7 in the other, so that
       * one in-lane shuffle splits them into the two planes. */
      j = __builtin_shuffle (j, (V8i) { 0, 1, 4, 5, 2, 3, 6, 7 });
      a = (V8f) _mm256_i32gather_pd ((const double *) k->table,
                                     _mm256_castsi256_si128 ((__m256i) j), 8);
      c = (V8f) _mm256_i32gather_pd ((const double *) k->table,
                                     _mm256_extracti128_si256 ((__m256i) j, 1), 8);
      g0 = __builtin_shuffle (a, c, (V8i) { 0, 2, 8, 10, 4, 6, 12, 14 });
      dg = __builtin_shuffle (a, c, (V8i) { 1, 3, 9, 11, 5, 7, 13, 15 });
      gain = g0 + dg * t;
      memcpy (&v, block->r + i, sizeof v);
      v *= gain;
      memcpy (block->r + i, &v, sizeof v);
      memcpy (&v, block->g + i, sizeof v);
      v *= gain;
      memcpy (block->g + i, &v, sizeof v);
      memcpy (&v, block->b + i, sizeof v);
      v *= gain;
      memcpy (block->b + i, &v, sizeof v);
    }
  run_lanes (k, block, i, n, x, dy2_scalar);
}
#endif

static void
run_sse2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  const Kernel *k = (const Kernel *) context;

  run_lanes (k, block, 0, n, x, row_dy2 (k, y));
}

static const OtticaPointKernel kernel = { kernel_begin, run_sse2, OTTICA_AVX2_RUN (run_avx2) };

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  return ottica_point_kernel_process (&kernel, operation, in_buf, out_buf, n_pixels, roi, level);
}


OTTICA_OP_DEFINE_PROCESS (is_neutral)

static void
finalize (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);

  g_clear_pointer (&o->user_data, g_free);
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GObjectClass                  *object_class = G_OBJECT_CLASS (klass);
  GeglOperationClass            *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationPointFilterClass *point_filter_class = GEGL_OPERATION_POINT_FILTER_CLASS (klass);

  object_class->finalize = finalize;
  operation_class->prepare = prepare;
  operation_class->process = operation_process;
  point_filter_class->process = process;
  ottica_point_kernel_register (G_TYPE_FROM_CLASS (klass), &kernel);

  gegl_operation_class_set_keys (operation_class,
    "name",               "ottica:lens-falloff",
    "title",              _("Lens Falloff"),
    "categories",         "light",
    "position-dependent", "true",
    "description",        _("Natural lens vignetting as an exposure change in linear light, "
                            "in EV at the corners"),
    "op-version",         "1:0",
    NULL);
}

#endif
