/* split-tone.c: ottica:split-tone, toning as in the darkroom: one hue and
 * chroma for the shadows, one for the highlights, and a balance that moves
 * the crossover. Sepia, selenium and blue toning are parameter values.
 *
 * Toning is a colour filter whose colour depends on the lightness: for a
 * grey of luminance Y the toned colour is the CIE LCh(ab) colour
 * (L*(Y), C, h) with C and h blended between shadows and highlights; babl
 * converts it to RGB when the parameters change, and the per-channel
 * gains toned / Y are tabulated over Y (32 samples per EV, indexed by the
 * float's bits). A pixel is multiplied by the gains at its luminance: a
 * grey comes out exactly the tabulated colour, a coloured pixel is tinted
 * the same way, black stays black.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (shadow_hue, _("Shadow hue"), 220.0)
  description (_("Hue of the shadows' toning, in degrees of LCh hue (about 55 sepia, "
                 "250 blue, 340 selenium)"))
  value_range (0.0, 360.0)
  ui_meta     ("unit", "degree")
  ui_meta     ("direction", "ccw")

property_double (shadow_chroma, _("Shadow chroma"), 0.0)
  description (_("Strength of the shadows' toning as LCh chroma (0 is none)"))
  value_range (0.0, 40.0)
  ui_range    (0.0, 20.0)

property_double (highlight_hue, _("Highlight hue"), 60.0)
  description (_("Hue of the highlights' toning, in degrees of LCh hue"))
  value_range (0.0, 360.0)
  ui_meta     ("unit", "degree")
  ui_meta     ("direction", "ccw")

property_double (highlight_chroma, _("Highlight chroma"), 0.0)
  description (_("Strength of the highlights' toning as LCh chroma (0 is none)"))
  value_range (0.0, 40.0)
  ui_range    (0.0, 20.0)

property_double (balance, _("Balance"), 0.0)
  description (_("Moves the crossover between shadow and highlight toning: positive gives "
                 "the highlight toning more of the tonal range, negative the shadow toning"))
  value_range (-1.0, 1.0)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     split_tone
#define GEGL_OP_C_SOURCE split-tone.c

#include "gegl-op.h"
#include "ottica-op-common.h"

/* Luminance 2^-16 … 2^4, 32 samples per EV. */
#define TABLE_MIN_EXP   (-16)
#define TABLE_MAX_EXP     4
#define TABLE_STEPS_LOG2  5

/* Crossover at L* 50 - 30 · balance, blended over ±35 L*; no toning at
 * black (fading in up to L* 12) nor at and above white (from L* 90). */
#define CROSSOVER_L      50.0
#define BALANCE_L        30.0
#define CROSSOVER_WIDTH  35.0
#define BLACK_FADE_L     12.0
#define WHITE_FADE_L     90.0

typedef struct
{
  double shadow_hue, shadow_chroma, highlight_hue, highlight_chroma, balance;
} Params;

/* Sample i's gains and their steps to sample i + 1, 32 bytes: one
 * aligned 16-byte load gives R and G, another B, for the lerp. */
typedef struct
{
  float r, dr, g, dg;
  float b, db, unused[2];
} GainEntry;

typedef struct
{
  Params         key;
  gboolean       valid;
  OtticaLogIndex index;
  GainEntry     *gains;   /* one entry per sample (16-byte aligned) */
} State;

static gboolean
is_neutral (GeglProperties *o)
{
  return o->shadow_chroma == 0.0 && o->highlight_chroma == 0.0;
}

static double
lightness_of (double y)
{
  return y > 216.0 / 24389.0 ? 116.0 * cbrt (y) - 16.0 : y * 24389.0 / 27.0;
}

static void
state_update (State        *state,
              const Params *p)
{
  guint  n, samples;
  float *lab, *rgb, *gains;
  const Babl *fish;

  if (state->valid && memcmp (&state->key, p, sizeof *p) == 0)
    return;

  ottica_log_index_init (&state->index, TABLE_MIN_EXP, TABLE_MAX_EXP, TABLE_STEPS_LOG2);
  n = ottica_log_index_size (&state->index);
  samples = state->index.n_samples;
  if (state->gains == NULL)
    state->gains = g_aligned_alloc0 (n, sizeof (GainEntry), 32);
  gains = g_new (float, 3 * n);

  lab = g_new (float, 3 * samples);
  rgb = g_new (float, 3 * samples);
  for (guint i = 0; i < samples; i++)
    {
      double y = ottica_log_index_value (&state->index, i);
      double l = lightness_of (y);
      double crossover = CROSSOVER_L - BALANCE_L * CLAMP (p->balance, -1.0, 1.0);
      double w_high = ottica_smoothstep (crossover - CROSSOVER_WIDTH, crossover + CROSSOVER_WIDTH, l);
      double fade = ottica_smoothstep (0.0, BLACK_FADE_L, l) *
                    (1.0 - ottica_smoothstep (WHITE_FADE_L, 100.0, l));
      double hs = p->shadow_hue * G_PI / 180.0, hh = p->highlight_hue * G_PI / 180.0;
      double a = (1.0 - w_high) * p->shadow_chroma * cos (hs) + w_high * p->highlight_chroma * cos (hh);
      double b = (1.0 - w_high) * p->shadow_chroma * sin (hs) + w_high * p->highlight_chroma * sin (hh);

      lab[3 * i] = (float) l;
      lab[3 * i + 1] = (float) (a * fade);
      lab[3 * i + 2] = (float) (b * fade);
    }
  fish = babl_fish (babl_format ("CIE Lab float"),
                    babl_format_with_space ("RGB float", babl_space ("Rec2020")));
  babl_process (fish, lab, rgb, samples);

  for (guint i = 0; i < samples; i++)
    {
      double y = ottica_log_index_value (&state->index, i);

      /* A toning too strong for a dark tone's gamut would need a
       * negative channel; clip it rather than hand on negative light. */
      for (int c = 0; c < 3; c++)
        gains[c * n + i] = (float) MAX (rgb[3 * i + c] / y, 0.0);
    }
  for (int c = 0; c < 3; c++)
    gains[c * n + n - 1] = gains[c * n + n - 2];
  /* The steps are the differences the lerp would take at each pixel. */
  for (guint i = 0; i < n; i++)
    {
      GainEntry *e = &state->gains[i];
      guint      next = MIN (i + 1, n - 1);

      e->r = gains[i];
      e->dr = gains[next] - gains[i];
      e->g = gains[n + i];
      e->dg = gains[n + next] - gains[n + i];
      e->b = gains[2 * n + i];
      e->db = gains[2 * n + next] - gains[2 * n + i];
    }
  g_free (gains);
  g_free (lab);
  g_free (rgb);

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
  p.shadow_hue = o->shadow_hue;
  p.shadow_chroma = o->shadow_chroma;
  p.highlight_hue = o->highlight_hue;
  p.highlight_chroma = o->highlight_chroma;
  p.balance = o->balance;
  state_update (o->user_data, &p);
}

typedef struct
{
  const GainEntry *gains;
  OtticaLogIndex   index;
} Kernel;

G_STATIC_ASSERT (sizeof (Kernel) <= sizeof (OtticaKernelContext));

static gboolean
kernel_begin (GeglOperation       *operation,
              const GeglRectangle *roi,
              gint                 level,
              OtticaKernelContext *context)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const State    *state = o->user_data;
  Kernel         *k = (Kernel *) context;

  if (is_neutral (o) || state == NULL || state->gains == NULL)
    return FALSE;
  k->gains = state->gains;
  k->index = state->index;
  return TRUE;
}

/* Lanes @start … @n, four at a time. */
G_ALWAYS_INLINE static inline void
run_lanes (const Kernel *k,
           OtticaBlock  *block,
           gint          start,
           gint          n)
{
  const GainEntry *gains = k->gains;
  OtticaLogIndex   ix = k->index;

  for (gint i = start; i < n; i += 4)
    {
      OtticaV4f        r = ottica_v4f_load (block->r + i);
      OtticaV4f        g = ottica_v4f_load (block->g + i);
      OtticaV4f        b = ottica_v4f_load (block->b + i);
      OtticaV4f        lum = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
      OtticaV4f        clamped, t;
      /* Never negative: the lookup clamps. */
      OtticaV4i        j = ottica_log_index_lookup4 (&ix, lum, &clamped, &t);
      const GainEntry *e0 = gains + (guint32) j[0], *e1 = gains + (guint32) j[1];
      const GainEntry *e2 = gains + (guint32) j[2], *e3 = gains + (guint32) j[3];
      /* (R, dR, G, dG) of the four entries, transposed to planes. */
      OtticaV4f        gr = ottica_v4f_load (&e0->r), dr = ottica_v4f_load (&e1->r);
      OtticaV4f        gg = ottica_v4f_load (&e2->r), dg = ottica_v4f_load (&e3->r);
      OtticaV4f        b01 = OTTICA_SHUFFLE (ottica_v4f_load (&e0->b), ottica_v4f_load (&e1->b), 0, 4, 1, 5);
      OtticaV4f        b23 = OTTICA_SHUFFLE (ottica_v4f_load (&e2->b), ottica_v4f_load (&e3->b), 0, 4, 1, 5);

      ottica_v4f_transpose (&gr, &dr, &gg, &dg);
      ottica_v4f_store (block->r + i, r * (gr + dr * t));
      ottica_v4f_store (block->g + i, g * (gg + dg * t));
      ottica_v4f_store (block->b + i, b * (OTTICA_SHUFFLE (b01, b23, 0, 1, 4, 5) +
                                           OTTICA_SHUFFLE (b01, b23, 2, 3, 6, 7) * t));
    }
}

#ifdef OTTICA_HAVE_AVX2
typedef OtticaV8f V8f;
typedef OtticaV8i V8i;

#define V8(v) OTTICA_V8 (v)

/* Entries @e and @f's 16 bytes at @member as one register's two halves. */
#define PAIR(e, f, member) \
  __builtin_shufflevector (ottica_v4f_load (&(e)->member), ottica_v4f_load (&(f)->member), \
                           0, 1, 2, 3, 4, 5, 6, 7)

/* The same eight lanes at a time where the processor has AVX2: lane for
 * lane the operations of run_sse2() and ottica_log_index_lookup4(), never
 * FMA, so the same bits (test-ops compares the paths). Entries j and
 * j + 4 share a register, so the transposes stay within 128-bit halves.
 * The last four lanes of a block take run_lanes(). */
__attribute__ ((target ("avx2")))
static void
run_avx2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  const Kernel    *k = (const Kernel *) context;
  const GainEntry *gains = k->gains;
  const V8f        lo = V8 (k->index.lo), hi = V8 (k->index.hi);
  const V8i        lo_bits = V8 ((int32_t) k->index.lo_bits);
  const V8i        mask = V8 ((int32_t) k->index.mask);
  const float      frac_scale = k->index.frac_scale;
  const int        shift = (int) k->index.shift;
  gint             i;

  for (i = 0; i + 8 <= n; i += 8)
    {
      V8f              r, g, b, lum, clamped, t, e04, e15, e26, e37, t0, t1, t2, t3, gr, dr, gg, dg;
      V8f              b01, b23;
      V8i              bits, j;
      const GainEntry *e[8];

      memcpy (&r, block->r + i, sizeof r);
      memcpy (&g, block->g + i, sizeof g);
      memcpy (&b, block->b + i, sizeof b);
      lum = OTTICA_REC2020_Y_R * r + OTTICA_REC2020_Y_G * g + OTTICA_REC2020_Y_B * b;
      clamped = __builtin_ia32_minps256 (__builtin_ia32_maxps256 (lum, lo), hi);
      bits = (V8i) clamped - lo_bits;
      t = __builtin_convertvector (bits & mask, V8f) * frac_scale;
      j = bits >> shift;
      for (int l = 0; l < 8; l++)
        e[l] = gains + (guint32) j[l];

      /* ottica_v4f_transpose() in each half. */
      e04 = PAIR (e[0], e[4], r);
      e15 = PAIR (e[1], e[5], r);
      e26 = PAIR (e[2], e[6], r);
      e37 = PAIR (e[3], e[7], r);
      t0 = __builtin_shuffle (e04, e15, (V8i) { 0, 8, 1, 9, 4, 12, 5, 13 });
      t1 = __builtin_shuffle (e26, e37, (V8i) { 0, 8, 1, 9, 4, 12, 5, 13 });
      t2 = __builtin_shuffle (e04, e15, (V8i) { 2, 10, 3, 11, 6, 14, 7, 15 });
      t3 = __builtin_shuffle (e26, e37, (V8i) { 2, 10, 3, 11, 6, 14, 7, 15 });
      gr = __builtin_shuffle (t0, t1, (V8i) { 0, 1, 8, 9, 4, 5, 12, 13 });
      dr = __builtin_shuffle (t0, t1, (V8i) { 2, 3, 10, 11, 6, 7, 14, 15 });
      gg = __builtin_shuffle (t2, t3, (V8i) { 0, 1, 8, 9, 4, 5, 12, 13 });
      dg = __builtin_shuffle (t2, t3, (V8i) { 2, 3, 10, 11, 6, 7, 14, 15 });
      b01 = __builtin_shuffle (PAIR (e[0], e[4], b), PAIR (e[1], e[5], b),
                               (V8i) { 0, 8, 1, 9, 4, 12, 5, 13 });
      b23 = __builtin_shuffle (PAIR (e[2], e[6], b), PAIR (e[3], e[7], b),
                               (V8i) { 0, 8, 1, 9, 4, 12, 5, 13 });

      r = r * (gr + dr * t);
      g = g * (gg + dg * t);
      b = b * (__builtin_shuffle (b01, b23, (V8i) { 0, 1, 8, 9, 4, 5, 12, 13 }) +
               __builtin_shuffle (b01, b23, (V8i) { 2, 3, 10, 11, 6, 7, 14, 15 }) * t);
      memcpy (block->r + i, &r, sizeof r);
      memcpy (block->g + i, &g, sizeof g);
      memcpy (block->b + i, &b, sizeof b);
    }
  run_lanes (k, block, i, n);
}

#undef PAIR
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
  State          *state = o->user_data;

  if (state != NULL)
    {
      g_aligned_free (state->gains);
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
    "name",        "ottica:split-tone",
    "title",       _("Split Toning"),
    "categories",  "color",
    "description", _("Toning with one hue for the shadows and one for the highlights, "
                     "as sepia, selenium or blue toning"),
    "op-version",  "1:0",
    NULL);
}

#endif
