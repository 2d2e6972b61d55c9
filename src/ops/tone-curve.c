/* tone-curve.c: ottica:tone-curve, a parametric filmic curve.
 *
 * The curve lives in log2 space around 18 % grey (x = log2 (v / 0.18)):
 * an exposure bias, a contrast slope pivoting on grey, a toe that lifts or
 * crushes the deep shadows, and a shoulder that rolls the highlights off.
 * Then, in linear light, a soft black point, a white point and a fade
 * (lifted blacks). Every piece is monotone by construction, so the whole
 * curve is.
 *
 * It is applied to max (R, G, B) and the pixel is scaled by the ratio, so
 * hue and saturation are kept and no channel passes the curve's ceiling.
 * The curve is sampled once per change of parameters into a table indexed
 * by the bits of the float (64 samples per EV over 30 EV); the pixel loop
 * is a lookup, a division and four multiplies, on four pixels at once
 * (a planar kernel, see ottica-op-common.h), or eight where the processor
 * has AVX2 (the same bits).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (bias, _("Exposure bias"), 0.0)
  description (_("Exposure shift applied before the curve, in EV"))
  value_range (-4.0, 4.0)
  ui_range    (-2.0, 2.0)
  ui_meta     ("unit", "ev")

property_double (slope, _("Contrast"), 1.0)
  description (_("Midtone contrast: the slope of the curve at mid grey in log space "
                 "(1 keeps it, above 1 adds contrast)"))
  value_range (0.25, 4.0)
  ui_range    (0.5, 2.0)

property_double (toe, _("Toe"), 0.0)
  description (_("Shadow depth in EV: positive lifts the deep shadows, negative crushes them; "
                 "mid grey and brighter are left alone"))
  value_range (-3.0, 3.0)
  ui_range    (-1.5, 1.5)
  ui_meta     ("unit", "ev")

property_double (shoulder, _("Shoulder start"), 2.0)
  description (_("Where the highlight roll-off begins, in EV above mid grey"))
  value_range (0.0, 8.0)
  ui_range    (0.0, 5.0)
  ui_meta     ("unit", "ev")

property_double (shoulder_softness, _("Shoulder softness"), 1.5)
  description (_("Headroom in EV above the shoulder start into which brighter values are "
                 "compressed: small values give a hard roll-off, large ones a soft one"))
  value_range (0.1, 6.0)
  ui_range    (0.25, 4.0)
  ui_meta     ("unit", "ev")

property_double (shoulder_strength, _("Shoulder strength"), 0.0)
  description (_("How strongly highlights roll off: 0 leaves them alone, 1 compresses them "
                 "fully into the shoulder's headroom"))
  value_range (0.0, 1.0)

property_double (black, _("Black point"), 0.0)
  description (_("Scene-linear level that becomes black, reached smoothly; raise it for "
                 "deeper blacks"))
  value_range (0.0, 0.1)
  ui_range    (0.0, 0.05)

property_double (white, _("White point"), 1.0)
  description (_("Level after the curve that becomes white (1.0); below 1 brightens, "
                 "above 1 darkens"))
  value_range (0.25, 4.0)
  ui_range    (0.5, 2.0)

property_double (fade, _("Fade"), 0.0)
  description (_("Lifts black to this linear level, for washed, faded blacks"))
  value_range (0.0, 0.2)
  ui_range    (0.0, 0.1)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     tone_curve
#define GEGL_OP_C_SOURCE tone-curve.c

#include "gegl-op.h"
#include "ottica-op-common.h"

#ifdef OTTICA_HAVE_AVX2
#include <immintrin.h>
#endif

#define MID_GREY       0.18
#define TOE_START_EV  (-0.5)
#define TOE_MIN_WIDTH  3.0
/* The table covers 2^-20 … 2^10 (far below any sensor's noise floor to
 * far above any highlight), 64 samples per EV. */
#define TABLE_MIN_EXP (-20)
#define TABLE_MAX_EXP   10
#define TABLE_STEPS_LOG2 6

typedef struct
{
  double bias, slope, toe, shoulder, shoulder_softness, shoulder_strength, black, white, fade;
} CurveParams;

typedef struct
{
  CurveParams    key;
  gboolean       valid;
  OtticaLogIndex index;
  float         *table;   /* pairs (value, difference to the next value) */
} CurveState;

static void
params_from_properties (GeglProperties *o,
                        CurveParams    *p)
{
  memset (p, 0, sizeof *p);
  p->bias = o->bias;
  p->slope = o->slope;
  p->toe = o->toe;
  p->shoulder = o->shoulder;
  p->shoulder_softness = o->shoulder_softness;
  p->shoulder_strength = o->shoulder_strength;
  p->black = o->black;
  p->white = o->white;
  p->fade = o->fade;
}

static gboolean
is_neutral (GeglProperties *o)
{
  return o->bias == 0.0 && o->slope == 1.0 && o->toe == 0.0 && o->shoulder_strength == 0.0 &&
         o->black == 0.0 && o->white == 1.0 && o->fade == 0.0;
}

/* Soft black point: v - b + b·e^(-v/b) is 0 at 0, has slope 0 there and
 * tends to v - b, so it crushes the darkest values smoothly. */
static double
soft_black (double v,
            double black)
{
  if (black <= 0.0)
    return v;
  return v - black + black * exp (-v / black);
}

/* The curve before the fade, for a scene-linear value v > 0. */
static double
curve (const CurveParams *p,
       double             v)
{
  double x = log2 (v / MID_GREY) + p->bias;
  double slope = CLAMP (p->slope, 0.25, 4.0);
  /* The toe eases in over at least TOE_MIN_WIDTH EV, and wider when a
   * strong lift would otherwise flatten the curve: the smoothstep's
   * steepest slope is 1.5 / width, kept below 3/4 of the contrast slope. */
  double width = MAX (TOE_MIN_WIDTH, 2.0 * fabs (p->toe) / slope);
  double y = slope * x + p->toe * ottica_smoothstep (0.0, 1.0, (TOE_START_EV - x) / width);
  double c = CLAMP (p->shoulder_strength, 0.0, 1.0);
  double w = MAX (p->shoulder_softness, 0.01);
  double lin, white;

  if (c > 0.0 && y > p->shoulder)
    {
      double d = y - p->shoulder;

      /* Slope 1 at the start, easing towards 1 - c: a ceiling at
       * shoulder + softness when c is 1. */
      y = p->shoulder + d * (1.0 - c) + c * w * (1.0 - exp (-d / w));
    }
  lin = MID_GREY * exp2 (y);
  white = soft_black (MAX (p->white, 1e-3), p->black);
  return soft_black (lin, p->black) / white;
}

static void
state_update (CurveState        *state,
              const CurveParams *p)
{
  guint n;

  if (state->valid && memcmp (&state->key, p, sizeof *p) == 0)
    return;

  ottica_log_index_init (&state->index, TABLE_MIN_EXP, TABLE_MAX_EXP, TABLE_STEPS_LOG2);
  n = ottica_log_index_size (&state->index);
  if (state->table == NULL)
    state->table = g_new (float, 2 * n);

  for (guint i = 0; i < state->index.n_samples; i++)
    state->table[2 * i] = (float) curve (p, ottica_log_index_value (&state->index, i));
  state->table[2 * (n - 1)] = state->table[2 * (n - 2)];
  for (guint i = 0; i + 1 < n; i++)
    state->table[2 * i + 1] = state->table[2 * (i + 1)] - state->table[2 * i];
  state->table[2 * (n - 1) + 1] = 0.0f;

  state->key = *p;
  state->valid = TRUE;
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  CurveParams p;

  ottica_op_set_working_format (operation);

  if (o->user_data == NULL)
    o->user_data = g_new0 (CurveState, 1);
  params_from_properties (o, &p);
  state_update (o->user_data, &p);
}

typedef struct
{
  const float    *table;
  OtticaLogIndex  index;
  float           fade;
} Kernel;

G_STATIC_ASSERT (sizeof (Kernel) <= sizeof (OtticaKernelContext));

static gboolean
kernel_begin (GeglOperation       *operation,
              const GeglRectangle *roi,
              gint                 level,
              OtticaKernelContext *context)
{
  GeglProperties   *o = GEGL_PROPERTIES (operation);
  const CurveState *state = o->user_data;
  Kernel           *k = (Kernel *) context;

  if (is_neutral (o) || state == NULL || state->table == NULL)
    return FALSE;
  k->table = state->table;
  k->index = state->index;
  k->fade = (float) state->key.fade;
  return TRUE;
}

/* Lanes @start … @n, four at a time. */
G_ALWAYS_INLINE static inline void
run_lanes (const Kernel *k,
           OtticaBlock  *block,
           gint          start,
           gint          n)
{
  const float    *table = k->table;
  OtticaLogIndex  ix = k->index;
  const OtticaV4f fade = ottica_v4f_splat (k->fade);
  const OtticaV4f gain = ottica_v4f_splat (1.0f - k->fade);

  for (gint i = start; i < n; i += 4)
    {
      OtticaV4f r = ottica_v4f_load (block->r + i);
      OtticaV4f g = ottica_v4f_load (block->g + i);
      OtticaV4f b = ottica_v4f_load (block->b + i);
      OtticaV4f norm = ottica_v4f_max (r, ottica_v4f_max (g, b));
      OtticaV4f clamped, t, value, diff, ratio;
      OtticaV4i j = ottica_log_index_lookup4 (&ix, norm, &clamped, &t);

      ottica_v4f_gather_pairs (table, j + j, &value, &diff);
      ratio = (value + diff * t) / clamped * gain;
      ottica_v4f_store (block->r + i, r * ratio + fade);
      ottica_v4f_store (block->g + i, g * ratio + fade);
      ottica_v4f_store (block->b + i, b * ratio + fade);
    }
}

#ifdef OTTICA_HAVE_AVX2
typedef OtticaV8f V8f;
typedef OtticaV8i V8i;

#define V8(v) OTTICA_V8 (v)

/* The same eight lanes at a time where the processor has AVX2: lane for
 * lane the operations of run_sse2() and ottica_log_index_lookup4() (maxps
 * and minps, the same lookup, the division), never FMA, so the same bits
 * (test-ops compares the paths); the division, the dearest part, is twice
 * as wide. The last four lanes of a block take run_lanes(). */
__attribute__ ((target ("avx2")))
static void
run_avx2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  const Kernel  *k = (const Kernel *) context;
  const float   *table = k->table;
  const V8f      fade = V8 (k->fade);
  const V8f      gain = V8 (1.0f - k->fade);
  const V8f      lo = V8 (k->index.lo), hi = V8 (k->index.hi);
  const V8i      lo_bits = V8 ((int32_t) k->index.lo_bits);
  const V8i      mask = V8 ((int32_t) k->index.mask);
  const float    frac_scale = k->index.frac_scale;
  const int      shift = (int) k->index.shift;
  gint           i;

  for (i = 0; i + 8 <= n; i += 8)
    {
      V8f    r, g, b, norm, clamped, t, a, c, value, diff, ratio;
      V8i    bits, j;

      memcpy (&r, block->r + i, sizeof r);
      memcpy (&g, block->g + i, sizeof g);
      memcpy (&b, block->b + i, sizeof b);
      norm = __builtin_ia32_maxps256 (r, __builtin_ia32_maxps256 (g, b));
      clamped = __builtin_ia32_minps256 (__builtin_ia32_maxps256 (norm, lo), hi);
      bits = (V8i) clamped - lo_bits;
      t = __builtin_convertvector (bits & mask, V8f) * frac_scale;
      j = bits >> shift;
      /* The (value, difference) pairs, 8 bytes each, in two gathers: lanes
       * 0, 1, 4, 5 in one register and 2, 3, 6, 7 in the other, so that
       * one in-lane shuffle splits them into the two planes. */
      j = __builtin_shuffle (j, (V8i) { 0, 1, 4, 5, 2, 3, 6, 7 });
      a = (V8f) _mm256_i32gather_pd ((const double *) table,
                                     _mm256_castsi256_si128 ((__m256i) j), 8);
      c = (V8f) _mm256_i32gather_pd ((const double *) table,
                                     _mm256_extracti128_si256 ((__m256i) j, 1), 8);
      value = __builtin_shuffle (a, c, (V8i) { 0, 2, 8, 10, 4, 6, 12, 14 });
      diff = __builtin_shuffle (a, c, (V8i) { 1, 3, 9, 11, 5, 7, 13, 15 });
      ratio = (value + diff * t) / clamped * gain;
      r = r * ratio + fade;
      g = g * ratio + fade;
      b = b * ratio + fade;
      memcpy (block->r + i, &r, sizeof r);
      memcpy (block->g + i, &g, sizeof g);
      memcpy (block->b + i, &b, sizeof b);
    }
  run_lanes (k, block, i, n);
}
#endif

static void
run_sse2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  run_lanes ((const Kernel *) context, block, 0, n);
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
  CurveState     *state = o->user_data;

  if (state != NULL)
    {
      g_free (state->table);
      g_free (state);
      o->user_data = NULL;
    }
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
    "name",        "ottica:tone-curve",
    "title",       _("Tone Curve"),
    "categories",  "color:tonemapping",
    "description", _("Filmic tone curve in log space around mid grey: exposure bias, "
                     "contrast, toe, shoulder, black and white points and fade; monotone "
                     "and hue-preserving"),
    "op-version",  "1:0",
    NULL);
}

#endif
