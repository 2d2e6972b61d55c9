/* color-character.c: ottica:color-character, a look's colour: global
 * chroma, skin-safe vibrance, warmth and tint, and six hue bands (red,
 * orange/skin, yellow, green, cyan/blue, magenta), each with a hue shift,
 * a chroma scale and a lightness change, blended with smooth windows.
 *
 * Hues and chroma are those of CIE LCh(ab), but converting every pixel to
 * Lab and back costs three cube roots and an arctangent. Instead each
 * pixel goes through one matrix into a linear opponent space (A ~ a*,
 * B ~ b*, Y luminance; neutral greys have A = B = 0 exactly), where a hue
 * shift is a rotation, a chroma change a scale and a lightness change a
 * gain. How much to rotate and scale depends only on the chromaticity, so
 * it is tabulated once per change of parameters over a polar grid (512
 * directions × 27 saturations) whose points know their true LCh hue and
 * chroma (Lab from babl's own RGB → XYZ matrix and white). The rotations
 * and scales are solved there so that hue shifts and chroma scales hold in
 * LCh, not just in the linear space. Per pixel, four at a time (a planar
 * kernel, see ottica-op-common.h; the first pass eight at a time where the
 * processor has AVX2, with the same bits): two 3×3 matrices, a
 * pseudo-angle, one table read (an entry holds its grid point and the step
 * to the next row, so a blend reads one cache line) and a blend. Measured
 * against LCh itself on colours up to C* 50 (L* 40–90): chroma ×1.3 lands
 * within 2 % and keeps hue within 0.5°; a band's 10° hue shift lands
 * within 0.2° and keeps chroma within 1 %.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (chroma, _("Chroma"), 1.0)
  description (_("Scales the chroma of every colour (1 keeps it, 0 is black and white)"))
  value_range (0.0, 2.0)
  ui_range    (0.0, 2.0)

property_double (vibrance, _("Vibrance"), 0.0)
  description (_("Raises (positive) or lowers (negative) the chroma of muted colours more than "
                 "of vivid ones, and only a quarter as much on skin tones"))
  value_range (-1.0, 1.0)

property_double (warmth, _("Warmth"), 0.0)
  description (_("White balance shift in kelvin around daylight (6504 K): positive is warmer, "
                 "as if the white balance had been set that much higher"))
  value_range (-3000.0, 3000.0)
  ui_range    (-1500.0, 1500.0)
  ui_meta     ("unit", "kelvin")

property_double (tint, _("Tint"), 0.0)
  description (_("White balance shift across the daylight locus: positive is more magenta, "
                 "negative more green (1 is a shift of 0.05 in CIE 1960 uv)"))
  value_range (-1.0, 1.0)
  ui_range    (-0.5, 0.5)

#define OTTICA_BAND(band, Band, hue_label, chroma_label, lightness_label)          \
property_double (band##_hue, hue_label, 0.0)                                       \
  description (_("Hue shift of this band's colours in degrees of LCh hue"))        \
  value_range (-30.0, 30.0)                                                        \
  ui_range    (-20.0, 20.0)                                                        \
  ui_meta     ("unit", "degree")                                                   \
property_double (band##_chroma, chroma_label, 1.0)                                 \
  description (_("Chroma scale of this band's colours (1 keeps it)"))              \
  value_range (0.0, 2.0)                                                           \
  ui_range    (0.5, 1.5)                                                           \
property_double (band##_lightness, lightness_label, 0.0)                           \
  description (_("Lightness change of this band's colours in EV (greys are left alone)")) \
  value_range (-2.0, 2.0)                                                          \
  ui_range    (-1.0, 1.0)                                                          \
  ui_meta     ("unit", "ev")

OTTICA_BAND (red, Red, _("Red hue"), _("Red chroma"), _("Red lightness"))
OTTICA_BAND (orange, Orange, _("Orange hue"), _("Orange chroma"), _("Orange lightness"))
OTTICA_BAND (yellow, Yellow, _("Yellow hue"), _("Yellow chroma"), _("Yellow lightness"))
OTTICA_BAND (green, Green, _("Green hue"), _("Green chroma"), _("Green lightness"))
OTTICA_BAND (blue, Blue, _("Blue hue"), _("Blue chroma"), _("Blue lightness"))
OTTICA_BAND (magenta, Magenta, _("Magenta hue"), _("Magenta chroma"), _("Magenta lightness"))

#undef OTTICA_BAND

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     color_character
#define GEGL_OP_C_SOURCE color-character.c

#include "gegl-op.h"
#include "ottica-op-common.h"

/* Band centres in LCh(ab) hue, degrees: red, orange/skin, yellow, green,
 * cyan/blue, magenta. Between two centres a band hands over to the next
 * with a raised-cosine window, so the weights always sum to one. */
#define N_BANDS 6
static const double band_centre[N_BANDS] = { 20.0, 60.0, 100.0, 150.0, 250.0, 320.0 };

/* Skin tones: LCh hues 20–60°, with 10° ramps; vibrance acts there at a
 * quarter of its strength. */
#define SKIN_LO           20.0
#define SKIN_HI           60.0
#define SKIN_RAMP         10.0
#define SKIN_VIBRANCE     0.25

/* Saturation as C* / L*: vibrance fades out towards VIVID_SATURATION; hue
 * band lightness fades in from GREY_SATURATION to COLOUR_SATURATION. */
#define VIVID_SATURATION  1.2
#define GREY_SATURATION   0.02
#define COLOUR_SATURATION 0.2

/* The grid: HUE_N directions (pseudo-angle), ROWS saturations with
 * s² = 2^(row + ROW_MIN_EXP), s = |(A, B)| / Y. */
#define HUE_N         512
#define ROWS          27
#define ROW_MIN_EXP   (-16)

#define TINT_UV       0.05
#define DAYLIGHT_REF  6504.0

typedef struct
{
  float p, q, f, pad;
} Entry;

typedef struct
{
  double chroma, vibrance, warmth, tint;
  double hue[N_BANDS], band_chroma[N_BANDS], lightness[N_BANDS];
} Params;

typedef struct
{
  Params   key;
  gboolean valid;
  float    fwd[9];          /* RGB → (A, B, Y), white balance included */
  float    inv[9];          /* (A, B, Y) → RGB */
  /* What the pixel loop reads, ROWS × HUE_N entries: without lightness
   * changes (p, q, Δp, Δq), else (p, q, f, 0, Δp, Δq, Δf, 0), Δ being the
   * step to the next row's entry, as the float difference the blend
   * would otherwise take per pixel (so the result is the same bits). */
  float   *packed;
  gboolean no_lightness;    /* f is 1 everywhere: (p, q) is enough */
} State;

/* What the grid looks like in LCh: independent of the parameters, so
 * worked out once per process. */
typedef struct
{
  double opp[9];            /* RGB → (A, B, Y) */
  double opp_inv[9];
  double theta[HUE_N];      /* direction of each column, radians */
  double hue[ROWS][HUE_N];  /* LCh hue, degrees */
  double sat[ROWS][HUE_N];  /* C* / L* at L* = 100 */
} Geometry;

static void
params_from_properties (GeglProperties *o,
                        Params         *p)
{
  memset (p, 0, sizeof *p);
  p->chroma = o->chroma;
  p->vibrance = o->vibrance;
  p->warmth = o->warmth;
  p->tint = o->tint;
#define BAND(i, band)                         \
  p->hue[i] = o->band##_hue;                  \
  p->band_chroma[i] = o->band##_chroma;       \
  p->lightness[i] = o->band##_lightness;
  BAND (0, red)
  BAND (1, orange)
  BAND (2, yellow)
  BAND (3, green)
  BAND (4, blue)
  BAND (5, magenta)
#undef BAND
}

static gboolean
is_neutral (GeglProperties *o)
{
  Params p;

  params_from_properties (o, &p);
  if (p.chroma != 1.0 || p.vibrance != 0.0 || p.warmth != 0.0 || p.tint != 0.0)
    return FALSE;
  for (int i = 0; i < N_BANDS; i++)
    if (p.hue[i] != 0.0 || p.band_chroma[i] != 1.0 || p.lightness[i] != 0.0)
      return FALSE;
  return TRUE;
}

/* The unit direction of column @i: the inverse of the pseudo-angle the
 * pixel loop computes. */
static double
column_theta (int i)
{
  double p = (i + 0.5) * 4.0 / HUE_N;
  int    quadrant = (int) p;
  double a, b, d;

  switch (quadrant)
    {
    case 0: d = p;       a = 1.0 - d;    b = d;  break;
    case 1: d = 2.0 - p; a = -(1.0 - d); b = d;  break;
    case 2: d = p - 2.0; a = -(1.0 - d); b = -d; break;
    default: d = 4.0 - p; a = 1.0 - d;   b = -d; break;
    }
  return atan2 (b, a);
}

static double
row_saturation (int row)
{
  return exp2 ((row + ROW_MIN_EXP) * 0.5);
}

/* CIE Lab's f(), continued below its linear segment for the impossible
 * colours far outside any gamut that the grid also covers. */
static double
lab_f (double t)
{
  return t > 216.0 / 24389.0 ? cbrt (t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
}

/* a*, b* of the colour at direction @theta and saturation @s, at Y = 1
 * (where L* = 100): X/Xw = 1 + A / 2.5, Z/Zw = 1 - B. Hue and the ratio
 * of two chromas along one direction do not depend on Y. */
static void
grid_ab (double  cos_theta,
         double  sin_theta,
         double  s,
         double *a,
         double *b)
{
  *a = 500.0 * (lab_f (1.0 + s * cos_theta / 2.5) - 1.0);
  *b = 200.0 * (1.0 - lab_f (1.0 - s * sin_theta));
}

static double
grid_chroma (double cos_theta,
             double sin_theta,
             double s)
{
  double a, b;

  grid_ab (cos_theta, sin_theta, s, &a, &b);
  return hypot (a, b);
}

static const Geometry *
geometry_get (void)
{
  static Geometry *geometry;

  if (g_once_init_enter (&geometry))
    {
      Geometry *g = g_new0 (Geometry, 1);
      double    xyz[9], white[3], opp_xyz[9];

      /* A = 2.5 (X/Xw - Y), B = Y - Z/Zw: the tangent of Lab's a*, b* at
       * the neutral axis (a* : b* = 500 : 200), with babl's own matrix
       * and white, so hues match babl's "CIE Lab". */
      ottica_working_rgb_to_xyz (xyz);
      for (int r = 0; r < 3; r++)
        white[r] = xyz[r * 3] + xyz[r * 3 + 1] + xyz[r * 3 + 2];
      opp_xyz[0] = 2.5 / white[0]; opp_xyz[1] = -2.5; opp_xyz[2] = 0.0;
      opp_xyz[3] = 0.0;            opp_xyz[4] = 1.0;  opp_xyz[5] = -1.0 / white[2];
      opp_xyz[6] = 0.0;            opp_xyz[7] = 1.0;  opp_xyz[8] = 0.0;
      ottica_mat3_mul (opp_xyz, xyz, g->opp);
      ottica_mat3_invert (g->opp, g->opp_inv);

      for (int i = 0; i < HUE_N; i++)
        g->theta[i] = column_theta (i);

      for (int j = 0; j < ROWS; j++)
        for (int i = 0; i < HUE_N; i++)
          {
            double a, b, h;

            grid_ab (cos (g->theta[i]), sin (g->theta[i]), row_saturation (j), &a, &b);
            h = atan2 (b, a) * 180.0 / G_PI;
            g->hue[j][i] = h < 0.0 ? h + 360.0 : h;
            g->sat[j][i] = hypot (a, b) / 100.0;
          }
      g_once_init_leave (&geometry, g);
    }
  return geometry;
}

/* Smallest signed difference a - b of two angles in degrees. */
static double
angle_diff (double a,
            double b)
{
  double d = a - b;

  while (d > 180.0)
    d -= 360.0;
  while (d < -180.0)
    d += 360.0;
  return d;
}

/* A band parameter at LCh hue @h: neighbouring bands blend with a
 * raised-cosine window between their centres. */
static double
band_value (const double values[N_BANDS],
            double       h)
{
  for (int k = 0; k < N_BANDS; k++)
    {
      int    next = (k + 1) % N_BANDS;
      double span = angle_diff (band_centre[next], band_centre[k]);
      double span_pos = span <= 0.0 ? span + 360.0 : span;
      double t = angle_diff (h, band_centre[k]);

      if (t < 0.0)
        t += 360.0;
      if (t < span_pos)
        {
          double w = 0.5 - 0.5 * cos (G_PI * t / span_pos);

          return values[k] * (1.0 - w) + values[next] * w;
        }
    }
  return values[0];
}

/* 1 on the skin hues, easing to 0 over SKIN_RAMP degrees either side. */
static double
skin_weight (double h)
{
  double below = angle_diff (SKIN_LO, h);
  double above = angle_diff (h, SKIN_HI);
  double outside = MAX (below, above);

  if (outside <= 0.0)
    return 1.0;
  return 1.0 - ottica_smoothstep (0.0, SKIN_RAMP, outside);
}

/* The column whose LCh hue (in row @j) is @target, searched from column
 * @i in the direction of @shift; returns the rotation in radians, or the
 * shift itself where the row's hues do not allow a clean answer (far
 * outside any gamut). */
static double
rotation_for_shift (const Geometry *g,
                    int             j,
                    int             i,
                    double          shift)
{
  double start = g->hue[j][i];
  double prev_d = 0.0;
  int    step = shift > 0.0 ? 1 : -1;

  if (shift == 0.0)
    return 0.0;
  for (int n = 1; n < HUE_N / 2; n++)
    {
      int    c = ((i + step * n) % HUE_N + HUE_N) % HUE_N;
      int    cp = ((i + step * (n - 1)) % HUE_N + HUE_N) % HUE_N;
      double d = angle_diff (g->hue[j][c], start);

      if (d * step < prev_d * step - 1e-9)
        break; /* hue went backwards: not monotone here */
      if (fabs (d) >= fabs (shift))
        {
          double t = (fabs (shift) - fabs (prev_d)) / MAX (fabs (d) - fabs (prev_d), 1e-12);
          double dtheta = angle_diff (g->theta[c] * 180.0 / G_PI, g->theta[cp] * 180.0 / G_PI);
          double theta = g->theta[cp] * 180.0 / G_PI + t * dtheta;

          return angle_diff (theta, g->theta[i] * 180.0 / G_PI) * G_PI / 180.0;
        }
      prev_d = d;
    }
  return shift * G_PI / 180.0;
}

/* The linear scale of (A, B) along direction @theta from saturation @s
 * that gives @k times the LCh chroma the colour had at direction @from
 * (the same when there is no hue shift): C* grows monotonically along a
 * direction, so a few secant steps find it. */
static double
scale_for_chroma (double from,
                  double theta,
                  double s,
                  double k)
{
  double c = cos (theta), si = sin (theta);
  double target, u0, u1, g0, g1;

  if (k <= 0.0)
    return 0.0;
  if (k == 1.0 && from == theta)
    return 1.0;
  target = k * grid_chroma (cos (from), sin (from), s);
  u0 = k;
  g0 = grid_chroma (c, si, s * u0) - target;
  u1 = k * 1.05;
  g1 = grid_chroma (c, si, s * u1) - target;
  for (int n = 0; n < 12 && fabs (g1) > 1e-6 * target; n++)
    {
      double u2 = g1 != g0 ? u1 - g1 * (u1 - u0) / (g1 - g0) : u1;

      u2 = CLAMP (u2, 0.25 * u1, 4.0 * u1);
      u0 = u1;
      g0 = g1;
      u1 = u2;
      g1 = grid_chroma (c, si, s * u1) - target;
    }
  return u1;
}

static void
daylight_uv (double  kelvin,
             double *u,
             double *v)
{
  double t = CLAMP (kelvin, 2500.0, 25000.0);
  double x, y, den;

  if (t <= 7000.0)
    x = -4.6070e9 / (t * t * t) + 2.9678e6 / (t * t) + 0.09911e3 / t + 0.244063;
  else
    x = -2.0064e9 / (t * t * t) + 1.9018e6 / (t * t) + 0.24748e3 / t + 0.237040;
  y = -3.0 * x * x + 2.870 * x - 0.275;
  den = -2.0 * x + 12.0 * y + 3.0;
  *u = 4.0 * x / den;
  *v = 6.0 * y / den;
}

static void
uv_to_xyz (double u,
           double v,
           double xyz[3])
{
  double den = 2.0 * u - 8.0 * v + 4.0;
  double x = 3.0 * u / den, y = 2.0 * v / den;

  xyz[0] = x / y;
  xyz[1] = 1.0;
  xyz[2] = (1.0 - x - y) / y;
}

/* Rec. 2020 RGB → XYZ for its own D65 white, from the primaries. */
static void
rec2020_to_xyz_d65 (double m[9])
{
  static const double xy[4][2] = { { 0.708, 0.292 }, { 0.170, 0.797 }, { 0.131, 0.046 },
                                   { 0.3127, 0.3290 } };
  double p[9], p_inv[9], w[3], s[3];

  for (int c = 0; c < 3; c++)
    {
      p[0 * 3 + c] = xy[c][0] / xy[c][1];
      p[1 * 3 + c] = 1.0;
      p[2 * 3 + c] = (1.0 - xy[c][0] - xy[c][1]) / xy[c][1];
    }
  w[0] = xy[3][0] / xy[3][1];
  w[1] = 1.0;
  w[2] = (1.0 - xy[3][0] - xy[3][1]) / xy[3][1];
  ottica_mat3_invert (p, p_inv);
  for (int r = 0; r < 3; r++)
    s[r] = p_inv[r * 3] * w[0] + p_inv[r * 3 + 1] * w[1] + p_inv[r * 3 + 2] * w[2];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      m[r * 3 + c] = p[r * 3 + c] * s[c];
}

/* The white balance as an RGB → RGB matrix: a Bradford adaptation that
 * takes the daylight white at 6504 K + @warmth (moved across the locus by
 * @tint) to the reference daylight white, keeping a grey's luminance. */
static void
white_balance_matrix (double warmth,
                      double tint,
                      double out[9])
{
  static const double bradford[9] = { 0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367,
                                      0.0389, -0.0685, 1.0296 };
  double m[9], m_inv[9], b_inv[9], u0, v0, u, v, u1, v1, tu, tv, len, nu, nv;
  double w0[3], w1[3], l0[3], l1[3], d[9] = { 0 }, t[9];
  double grey;

  if (warmth == 0.0 && tint == 0.0)
    {
      memset (out, 0, 9 * sizeof (double));
      out[0] = out[4] = out[8] = 1.0;
      return;
    }

  rec2020_to_xyz_d65 (m);
  ottica_mat3_invert (m, m_inv);
  ottica_mat3_invert (bradford, b_inv);

  daylight_uv (DAYLIGHT_REF, &u0, &v0);
  daylight_uv (DAYLIGHT_REF + warmth, &u, &v);
  /* The locus' normal on its green side (larger v). */
  daylight_uv (DAYLIGHT_REF + warmth + 10.0, &u1, &v1);
  tu = u1 - u;
  tv = v1 - v;
  len = hypot (tu, tv);
  nu = -tv / len;
  nv = tu / len;
  if (nv < 0.0)
    {
      nu = -nu;
      nv = -nv;
    }
  /* A magenta tint corrects for a greener light. */
  u += tint * TINT_UV * nu;
  v += tint * TINT_UV * nv;

  uv_to_xyz (u0, v0, w0);
  uv_to_xyz (u, v, w1);
  for (int r = 0; r < 3; r++)
    {
      l0[r] = bradford[r * 3] * w0[0] + bradford[r * 3 + 1] * w0[1] + bradford[r * 3 + 2] * w0[2];
      l1[r] = bradford[r * 3] * w1[0] + bradford[r * 3 + 1] * w1[1] + bradford[r * 3 + 2] * w1[2];
      d[r * 4] = l0[r] / l1[r];
    }
  ottica_mat3_mul (d, bradford, t);
  ottica_mat3_mul (b_inv, t, t);
  ottica_mat3_mul (t, m, t);
  ottica_mat3_mul (m_inv, t, out);

  /* Keep a grey's luminance: Y of the balanced white is 1. */
  grey = 0.0;
  for (int c = 0; c < 3; c++)
    grey += m[3 + c] * (out[c * 3] + out[c * 3 + 1] + out[c * 3 + 2]);
  for (int i = 0; i < 9; i++)
    out[i] /= grey;
}

/* The tables of the last few parameter sets, shared by every instance:
 * an export builds a photo's graph afresh, the looks panel one for each
 * round of thumbnails, and each instance would spend about 20 ms on the
 * same tables (and a one-photo export would spend them between its decode
 * and its first strip). */
#define STATE_CACHE_SIZE 4

typedef struct
{
  State   state;     /* packed: 8 × ROWS × HUE_N floats, its own */
  guint64 used;
} CachedState;

static GMutex      state_cache_lock;
static CachedState state_cache[STATE_CACHE_SIZE];  /* guarded by state_cache_lock */
static guint64     state_cache_clock;

static void
state_copy (State       *to,
            const State *from)
{
  float *packed = to->packed;

  if (packed == NULL)
    packed = g_new (float, 8 * ROWS * HUE_N);
  *to = *from;
  to->packed = packed;
  memcpy (packed, from->packed, sizeof (float) * (from->no_lightness ? 4 : 8) * ROWS * HUE_N);
}

/* Fills @state from the cache if it holds @p's tables. */
static gboolean
state_from_cache (State        *state,
                  const Params *p)
{
  gboolean found = FALSE;

  g_mutex_lock (&state_cache_lock);
  for (int i = 0; i < STATE_CACHE_SIZE && !found; i++)
    if (state_cache[i].state.valid && memcmp (&state_cache[i].state.key, p, sizeof *p) == 0)
      {
        state_copy (state, &state_cache[i].state);
        state_cache[i].used = ++state_cache_clock;
        found = TRUE;
      }
  g_mutex_unlock (&state_cache_lock);
  return found;
}

/* Keeps @state's tables in place of the least recently used. */
static void
state_to_cache (const State *state)
{
  int oldest = 0;

  g_mutex_lock (&state_cache_lock);
  for (int i = 1; i < STATE_CACHE_SIZE; i++)
    if (state_cache[i].used < state_cache[oldest].used)
      oldest = i;
  state_copy (&state_cache[oldest].state, state);
  state_cache[oldest].used = ++state_cache_clock;
  g_mutex_unlock (&state_cache_lock);
}

static void
state_update (State        *state,
              const Params *p)
{
  const Geometry   *g;
  g_autofree Entry *table = NULL;
  double            wb[9], fwd[9];

  if (state->valid && memcmp (&state->key, p, sizeof *p) == 0)
    return;
  if (state_from_cache (state, p))
    return;

  g = geometry_get ();
  /* (ROWS + 1) × HUE_N grid points, the last row repeating the one
   * below; only needed to fill packed. */
  table = g_new (Entry, (ROWS + 1) * HUE_N);

  white_balance_matrix (p->warmth, p->tint, wb);
  ottica_mat3_mul (g->opp, wb, fwd);
  for (int k = 0; k < 9; k++)
    {
      state->fwd[k] = (float) fwd[k];
      state->inv[k] = (float) g->opp_inv[k];
    }

  for (int j = 0; j < ROWS; j++)
    for (int i = 0; i < HUE_N; i++)
      {
        double h = g->hue[j][i];
        double sat = g->sat[j][i];
        double shift = band_value (p->hue, h);
        double vivid = 1.0 - MIN (sat / VIVID_SATURATION, 1.0);
        double vibrance = 1.0 + p->vibrance * (1.0 - (1.0 - SKIN_VIBRANCE) * skin_weight (h)) *
                                vivid * vivid;
        double k = MAX (0.0, p->chroma * band_value (p->band_chroma, h) * vibrance);
        double lightness = band_value (p->lightness, h) *
                           ottica_smoothstep (GREY_SATURATION, COLOUR_SATURATION, sat);
        double phi = rotation_for_shift (g, j, i, shift);
        double theta = g->theta[i] + phi;
        double scale, gain;
        Entry *e = &table[j * HUE_N + i];

        scale = scale_for_chroma (g->theta[i], theta, row_saturation (j), k);
        if (k > 0.0 && scale != 1.0)
          {
            /* Scaling along a direction drifts LCh hue a little (up to
             * 3° for ×1.3): turn back by the drift, measured where the
             * colour lands, and solve the scale again there. */
            double s = row_saturation (j) * scale;
            double h_target = h + shift, a, b, a2, b2, drift, rate;

            grid_ab (cos (theta), sin (theta), s, &a, &b);
            grid_ab (cos (theta + 1e-3), sin (theta + 1e-3), s, &a2, &b2);
            drift = angle_diff (h_target, atan2 (b, a) * 180.0 / G_PI);
            rate = angle_diff (atan2 (b2, a2) * 180.0 / G_PI, atan2 (b, a) * 180.0 / G_PI) / 1e-3;
            if (fabs (rate) > 1.0 && fabs (drift) > 1e-3)
              {
                theta += drift / rate;
                phi = theta - g->theta[i];
                scale = scale_for_chroma (g->theta[i], theta, row_saturation (j), k);
              }
          }
        gain = exp2 (lightness);
        e->p = (float) (gain * scale * cos (phi));
        e->q = (float) (gain * scale * sin (phi));
        e->f = (float) gain;
        e->pad = 0.0f;
      }
  memcpy (&table[ROWS * HUE_N], &table[(ROWS - 1) * HUE_N], HUE_N * sizeof (Entry));

  /* Without lightness changes f is exp2 (0) = 1 exactly, and Y passes
   * unchanged: half the entry to read. */
  state->no_lightness = TRUE;
  for (int b = 0; b < N_BANDS; b++)
    state->no_lightness &= p->lightness[b] == 0.0;
  if (state->packed == NULL)
    state->packed = g_new (float, 8 * ROWS * HUE_N);
  for (int i = 0; i < ROWS * HUE_N; i++)
    {
      const Entry *e = &table[i], *next = &table[i + HUE_N];
      float       *out = state->packed + (state->no_lightness ? 4 : 8) * i;

      if (state->no_lightness)
        {
          out[0] = e->p;
          out[1] = e->q;
          out[2] = next->p - e->p;
          out[3] = next->q - e->q;
        }
      else
        {
          out[0] = e->p;
          out[1] = e->q;
          out[2] = e->f;
          out[3] = 0.0f;
          out[4] = next->p - e->p;
          out[5] = next->q - e->q;
          out[6] = next->f - e->f;
          out[7] = 0.0f;
        }
    }

  state->key = *p;
  state->valid = TRUE;
  state_to_cache (state);
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  Params          p;

  ottica_op_set_working_format (operation);

  if (o->user_data == NULL)
    o->user_data = g_new0 (State, 1);
  params_from_properties (o, &p);
  state_update (o->user_data, &p);
}

typedef struct
{
  const float *packed;
  gboolean     lightness;   /* packed holds 8 floats an entry, not 4 */
  float        fwd[9];
  float        inv[9];
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

  if (is_neutral (o) || state == NULL || state->packed == NULL)
    return FALSE;
  k->packed = state->packed;
  k->lightness = !state->no_lightness;
  memcpy (k->fwd, state->fwd, sizeof k->fwd);
  memcpy (k->inv, state->inv, sizeof k->inv);
  return TRUE;
}

/* Unsigned lanes: an index read out of one is zero-extended for free. */
typedef uint32_t V4u __attribute__ ((vector_size (16)));

/* Four pixels into the opponent space, and where they read the table:
 * the entry index and the fraction towards the next row. */
G_ALWAYS_INLINE static inline V4u
locate4 (const OtticaV4f *fwd,
         OtticaV4f        r,
         OtticaV4f        g,
         OtticaV4f        b,
         OtticaV4f       *A,
         OtticaV4f       *B,
         OtticaV4f       *Y,
         OtticaV4f       *t)
{
  const OtticaV4i row_max = ottica_v4i_splat ((ROWS - 1) * 8388608);
  OtticaV4f abs_a, abs_b, d, pa;
  OtticaV4i neg_a, neg_b, column, rel, over;

  *A = fwd[0] * r + fwd[1] * g + fwd[2] * b;
  *B = fwd[3] * r + fwd[4] * g + fwd[5] * b;
  *Y = fwd[6] * r + fwd[7] * g + fwd[8] * b;

  /* Pseudo-angle in [0, 4): a quadrant plus |B| / (|A| + |B|). */
  abs_a = ottica_v4f_abs (*A);
  abs_b = ottica_v4f_abs (*B);
  d = ottica_v4f_min (abs_b / (abs_a + abs_b + 1e-30f), ottica_v4f_splat (1.0f));
  neg_a = *A < 0.0f;
  neg_b = *B < 0.0f;
  pa = ottica_v4f_select (neg_a, ottica_v4f_splat (2.0f),
                          ottica_v4f_select (neg_b, ottica_v4f_splat (4.0f), ottica_v4f_splat (0.0f)));
  /* ±d: the sign bit flipped where the quadrant runs backwards. */
  pa += (OtticaV4f) ((OtticaV4i) d ^ ((neg_a ^ neg_b) & (int32_t) 0x80000000));
  column = __builtin_convertvector (pa * (float) (HUE_N / 4), OtticaV4i) & (HUE_N - 1);

  /* Row: log2 (s²) = log2 (A² + B²) - log2 (Y²) read off the float bits,
   * one row per octave of s² from 2^ROW_MIN_EXP, the rest of the bits the
   * fraction. The difference wraps rather than overflows (only a NaN gets
   * that far); clamped to the rows with shifts and masks, which SSE2 has
   * (it has no 32-bit min and max). */
  rel = (OtticaV4i) ((V4u) (*A * *A + *B * *B) - (V4u) (*Y * *Y + 1e-30f) -
                     (V4u) ottica_v4i_splat (ROW_MIN_EXP * 8388608));
  rel &= ~(rel >> 31);
  over = row_max - rel;
  rel += over & (over >> 31);
  *t = __builtin_convertvector (rel & 0x7fffff, OtticaV4f) * (1.0f / 8388608.0f);
  return (V4u) ((rel >> 23) * HUE_N + column);
}

#ifdef OTTICA_HAVE_AVX2
/* The same for eight lanes at a time, in one AVX register, on processors
 * that have AVX2: lane for lane the operations of locate4(), so the same
 * bits (test-ops checks both paths against each other). With SSE2 alone
 * eight lanes take twice the registers and are slower, not faster. */
typedef OtticaV8f V8f; /* short names for the kernels below */
typedef OtticaV8i V8i;
typedef OtticaV8u V8u;

#define V8(v) OTTICA_V8 (v)

/* @lanes (8, or 4 at the end of a block) pixels at @i into the opponent
 * space, in place, and where they read the table: the offset of the
 * entry and the fraction towards the next row. */
G_ALWAYS_INLINE static inline void
locate8 (const V8f   *fwd,
         OtticaBlock *block,
         gint         i,
         gsize        lanes,
         int          entry_log2,
         uint32_t    *offset,
         float       *frac)
{
  const V8i row_max = V8 ((ROWS - 1) * 8388608);
  const V8f one = V8 (1.0f);
  V8f       r = { 0 }, g = { 0 }, b = { 0 }, A, B, Y, abs_a, abs_b, d, pa, t;
  V8i       neg_a, neg_b, column, rel, over, less;
  V8u       index;

  memcpy (&r, block->r + i, lanes * sizeof (float));
  memcpy (&g, block->g + i, lanes * sizeof (float));
  memcpy (&b, block->b + i, lanes * sizeof (float));
  A = fwd[0] * r + fwd[1] * g + fwd[2] * b;
  B = fwd[3] * r + fwd[4] * g + fwd[5] * b;
  Y = fwd[6] * r + fwd[7] * g + fwd[8] * b;

  /* Pseudo-angle in [0, 4): a quadrant plus |B| / (|A| + |B|) (at most
   * 1: a NaN's lane takes 1, as SSE's minps would give it). */
  abs_a = (V8f) ((V8i) A & 0x7fffffff);
  abs_b = (V8f) ((V8i) B & 0x7fffffff);
  d = abs_b / (abs_a + abs_b + 1e-30f);
  less = d < one;
  d = (V8f) (((V8i) d & less) | ((V8i) one & ~less));
  neg_a = A < 0.0f;
  neg_b = B < 0.0f;
  pa = (V8f) (((V8i) (V8f) V8 (2.0f) & neg_a) | ((V8i) (V8f) V8 (4.0f) & neg_b & ~neg_a));
  /* ±d: the sign bit flipped where the quadrant runs backwards. */
  pa += (V8f) ((V8i) d ^ ((neg_a ^ neg_b) & (int32_t) 0x80000000));
  column = __builtin_convertvector (pa * (float) (HUE_N / 4), V8i) & (HUE_N - 1);

  /* Row and fraction as in locate4(). */
  rel = (V8i) ((V8u) (A * A + B * B) - (V8u) (Y * Y + 1e-30f) -
               (V8u) (V8i) V8 (ROW_MIN_EXP * 8388608));
  rel &= ~(rel >> 31);
  over = row_max - rel;
  rel += over & (over >> 31);
  t = __builtin_convertvector (rel & 0x7fffff, V8f) * (1.0f / 8388608.0f);
  index = (V8u) ((rel >> 23) * HUE_N + column) << entry_log2;

  memcpy (block->r + i, &A, lanes * sizeof (float));
  memcpy (block->g + i, &B, lanes * sizeof (float));
  memcpy (block->b + i, &Y, lanes * sizeof (float));
  memcpy (frac + i, &t, lanes * sizeof (float));
  memcpy (offset + i, &index, lanes * sizeof (uint32_t));
}

#endif

/* The rest, four pixels at a time: the table reads, the blend between
 * rows, the rotation and scale, and back to RGB. */
G_ALWAYS_INLINE static inline void
blend (const Kernel   *k,
       OtticaBlock    *block,
       gint            n,
       const uint32_t *offset,
       const float    *frac)
{
  const float *packed = k->packed;
  OtticaV4f    inv[9];
  gint         i;

  for (int c = 0; c < 9; c++)
    inv[c] = ottica_v4f_splat (k->inv[c]);

  if (!k->lightness)
    {
      /* No lightness changes: f is 1 and Y passes as 1 · Y would. */
      for (i = 0; i < n; i += 4)
        {
          OtticaV4f A = ottica_v4f_load (block->r + i);
          OtticaV4f B = ottica_v4f_load (block->g + i);
          OtticaV4f Y = ottica_v4f_load (block->b + i);
          OtticaV4f t = ottica_v4f_load (frac + i);
          OtticaV4f p = ottica_v4f_load (packed + offset[i]);
          OtticaV4f q = ottica_v4f_load (packed + offset[i + 1]);
          OtticaV4f dp = ottica_v4f_load (packed + offset[i + 2]);
          OtticaV4f dq = ottica_v4f_load (packed + offset[i + 3]);
          OtticaV4f A2, B2;

          ottica_v4f_transpose (&p, &q, &dp, &dq);
          p += dp * t;
          q += dq * t;
          A2 = p * A - q * B;
          B2 = q * A + p * B;
          ottica_v4f_store (block->r + i, inv[0] * A2 + inv[1] * B2 + inv[2] * Y);
          ottica_v4f_store (block->g + i, inv[3] * A2 + inv[4] * B2 + inv[5] * Y);
          ottica_v4f_store (block->b + i, inv[6] * A2 + inv[7] * B2 + inv[8] * Y);
        }
      return;
    }

  for (i = 0; i < n; i += 4)
    {
      OtticaV4f A = ottica_v4f_load (block->r + i);
      OtticaV4f B = ottica_v4f_load (block->g + i);
      OtticaV4f Y = ottica_v4f_load (block->b + i);
      OtticaV4f t = ottica_v4f_load (frac + i);
      OtticaV4f e[4], de[4], A2, B2, Y2;

      /* Spelt out: GCC at -O2 leaves a loop over the lanes rolled, and
       * the entries then go through the stack. */
      e[0] = ottica_v4f_load (packed + offset[i]);
      de[0] = ottica_v4f_load (packed + offset[i] + 4);
      e[1] = ottica_v4f_load (packed + offset[i + 1]);
      de[1] = ottica_v4f_load (packed + offset[i + 1] + 4);
      e[2] = ottica_v4f_load (packed + offset[i + 2]);
      de[2] = ottica_v4f_load (packed + offset[i + 2] + 4);
      e[3] = ottica_v4f_load (packed + offset[i + 3]);
      de[3] = ottica_v4f_load (packed + offset[i + 3] + 4);
      ottica_v4f_transpose (&e[0], &e[1], &e[2], &e[3]);
      ottica_v4f_transpose (&de[0], &de[1], &de[2], &de[3]);
      e[0] += de[0] * t;
      e[1] += de[1] * t;
      e[2] += de[2] * t;

      A2 = e[0] * A - e[1] * B;
      B2 = e[1] * A + e[0] * B;
      Y2 = e[2] * Y;

      ottica_v4f_store (block->r + i, inv[0] * A2 + inv[1] * B2 + inv[2] * Y2);
      ottica_v4f_store (block->g + i, inv[3] * A2 + inv[4] * B2 + inv[5] * Y2);
      ottica_v4f_store (block->b + i, inv[6] * A2 + inv[7] * B2 + inv[8] * Y2);
    }
}

/* Lane by lane the computation the header describes, in two passes over
 * the block: where each pixel reads the table, then the reads and the
 * rest. One pass would make one long chain of dependent steps per pixel
 * (matrix, division, index, load, blend, matrix) of which the processor
 * can only overlap about one and a half pixel groups; two shorter loops
 * keep more of them in flight. */
static void
run_sse2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  const Kernel *k = (const Kernel *) context;
  const int     entry_log2 = k->lightness ? 3 : 2;  /* floats an entry: 8 or 4 */
  uint32_t      offset[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (16)));
  float         frac[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (16)));
  OtticaV4f     fwd[9];

  for (int c = 0; c < 9; c++)
    fwd[c] = ottica_v4f_splat (k->fwd[c]);

  /* (A, B, Y) replace (R, G, B) in the block. */
  for (gint i = 0; i < n; i += 4)
    {
      OtticaV4f A, B, Y, t;
      V4u       index = locate4 (fwd, ottica_v4f_load (block->r + i),
                                 ottica_v4f_load (block->g + i),
                                 ottica_v4f_load (block->b + i), &A, &B, &Y, &t);

      ottica_v4f_store (block->r + i, A);
      ottica_v4f_store (block->g + i, B);
      ottica_v4f_store (block->b + i, Y);
      ottica_v4f_store (frac + i, t);
      index <<= entry_log2;
      memcpy (offset + i, &index, sizeof index);
    }
  blend (k, block, n, offset, frac);
}

#ifdef OTTICA_HAVE_AVX2
/* The same with the first pass eight lanes wide (and all of it in AVX's
 * three-operand encoding). */
__attribute__ ((target ("avx2")))
static void
run_avx2 (const OtticaKernelContext *context,
          OtticaBlock               *block,
          gint                       n,
          gint                       x,
          gint                       y)
{
  const Kernel *k = (const Kernel *) context;
  const int     entry_log2 = k->lightness ? 3 : 2;
  uint32_t      offset[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (32)));
  float         frac[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (32)));
  V8f           fwd[9];
  gint          i;

  for (int c = 0; c < 9; c++)
    fwd[c] = (V8f) V8 (k->fwd[c]);

  for (i = 0; i + 8 <= n; i += 8)
    locate8 (fwd, block, i, 8, entry_log2, offset, frac);
  if (i < n)
    locate8 (fwd, block, i, 4, entry_log2, offset, frac);
  blend (k, block, n, offset, frac);
}
#endif

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
      g_free (state->packed);
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
    "name",        "ottica:color-character",
    "title",       _("Colour Character"),
    "categories",  "color",
    "description", _("Chroma, skin-safe vibrance, warmth and tint, and six hue bands with "
                     "hue, chroma and lightness changes in LCh"),
    "op-version",  "1:0",
    NULL);
}

#endif
