/* develop.c: ottica:develop, a photo's basic adjustments in one fused
 * point pass over linear Rec.2020 light: exposure and white balance (one
 * gain per channel), a lens-like vignette, a monotone tone curve on
 * luminance (contrast, highlights, shadows, whites, blacks) that keeps hue
 * and saturation, then saturation and skin-safe vibrance around luminance.
 *
 * Everything that depends only on the parameters (gains, the tone curve as
 * a table indexed by the float's own exponent and mantissa, the vignette as
 * a table over the squared radius) is computed once in prepare(); the
 * per-pixel loops have no allocation and no parameter branches: process()
 * picks one of a few specialised loops instead.
 *
 * It is also where an 8- or 16-bit source becomes linear light: it takes
 * the source's own format (R'G'B' u8 from a JPEG, RGB u16 from a RAW…) and
 * linearises it through an exact table per code and the space's matrix to
 * Rec.2020. babl would do the same, but it picks its conversion anew in
 * every process by timing the candidates (its cache cannot hold formats in
 * a named space), and its 8-bit candidates disagree by up to 5 levels on a
 * few codes: the same export could differ from one run to the next. The
 * search itself cost 0.2-0.3 s of CPU time per process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (exposure, _("Exposure"), 0.0)
  description (_("Brightness change in stops (EV): +1 doubles the light"))
  value_range (-5.0, 5.0)
  ui_range    (-5.0, 5.0)
  ui_digits   (2)

property_double (temperature, _("Temperature"), 0.0)
  description (_("Warmer (positive) or cooler (negative) than the photo’s own white balance"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (tint, _("Tint"), 0.0)
  description (_("More magenta (positive) or more green (negative) than the photo’s own white balance"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (contrast, _("Contrast"), 0.0)
  description (_("Midtone contrast around middle grey; black and white stay in place"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (highlights, _("Highlights"), 0.0)
  description (_("Darkens (negative) or brightens (positive) the bright parts of the photo"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (shadows, _("Shadows"), 0.0)
  description (_("Brightens (positive) or darkens (negative) the dark parts of the photo"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (whites, _("Whites"), 0.0)
  description (_("Moves the white end of the tonal range"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (blacks, _("Blacks"), 0.0)
  description (_("Moves the black end of the tonal range"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (saturation, _("Saturation"), 0.0)
  description (_("Colourfulness of every colour: chroma × (1 + saturation / 100)"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (vibrance, _("Vibrance"), 0.0)
  description (_("Colourfulness of muted colours, gentle on skin tones"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

property_double (vignette, _("Vignette"), 0.0)
  description (_("Darker (negative) or lighter (positive) corners; -100 is 2 stops darker at the corners"))
  value_range (-100.0, 100.0)
  ui_range    (-100.0, 100.0)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     develop
#define GEGL_OP_C_SOURCE develop.c

#include "gegl-op.h"
#include "ottica-op-common.h"
#include "ottica-develop-sources.h"
#include "ottica-space-matrix.h"
#include <math.h>
#include <string.h>

/* The tone table covers luminance 2^-20 .. 2^8 (a 16-bit RAW's deepest
 * shadow to highlights far above white) with 64 entries per stop, indexed
 * straight from the float's bits: exponent and top mantissa bits. Inside
 * one entry the mantissa, so the luminance, is linear, so interpolating
 * the table is interpolating the curve linearly in luminance. */
#define TONE_SUB_BITS     6
#define TONE_MIN_EXP      (-20)
#define TONE_MAX_EXP      8
#define TONE_N            (((TONE_MAX_EXP - TONE_MIN_EXP) << TONE_SUB_BITS) + 1)
#define TONE_SHIFT        (23 - TONE_SUB_BITS)

#define VIGNETTE_N        256

#define MID_GREY          0.18
/* The tonal range the curve shapes, in stops around middle grey: white is
 * linear 1.0, black 8 stops below middle grey (about where an 8-bit
 * file's darkest steps above black are). */
#define WHITE_EV          2.4739311883324122  /* log2 (1 / 0.18) */
#define BLACK_EV          (-8.0)

/* ---- integer sources to linear Rec.2020 ----------------------------- */

/* An 8- or 16-bit RGB or grey source, with or without alpha, to linear
 * Rec.2020 RGBA float: a table per channel from code to linear value in
 * the source's space, then that space's matrix to Rec.2020. */
typedef struct
{
  int      bytes;           /* per component: 1 or 2; 4 when premultiplied */
  int      components;      /* 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA */
  gboolean premultiplied;   /* Rec.2020 RaGaBaA float: no tables, divided by alpha */
  gboolean matrix;          /* FALSE: the source is in Rec.2020 (or grey) */
  float    m[3][3];         /* source RGB → Rec.2020 RGB, linear */
  float   *table[3];        /* code → linear, per colour channel */
  float   *alpha;           /* code → alpha; NULL without alpha */
  float   *tables;          /* the memory of all of them */
} Linearise;

typedef enum
{
  TRC_LINEAR,
  TRC_SRGB,
  TRC_GAMMA,
  TRC_OTHER,
} TrcKind;

static void
linearise_clear (Linearise *lin)
{
  g_clear_pointer (&lin->tables, g_free);
  memset (lin, 0, sizeof *lin);
}

/* IEC 61966-2-1, in double: exact to float precision. */
static double
srgb_to_linear (double v)
{
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static TrcKind
trc_kind (const Babl *trc, const Babl *space, double *gamma)
{
  *gamma = 1.0;
  if (trc == babl_trc ("linear"))
    return TRC_LINEAR;
  if (trc == babl_trc ("sRGB"))
    return TRC_SRGB;
  *gamma = babl_space_get_gamma (space);
  if (*gamma > 0.0)
    return *gamma == 1.0 ? TRC_LINEAR : TRC_GAMMA;
  return TRC_OTHER;
}

/* Linear values of codes 0..@n-1 of a channel whose curve is @kind, or,
 * for curves babl keeps as tables or formulas of its own, of channel @c
 * through babl's double-precision conversion of @space (exact, and the
 * same in every process). */
static void
fill_table (float *table, guint n, TrcKind kind, double gamma, const Babl *space, int c)
{
  double max = (double) (n - 1);

  if (kind == TRC_OTHER)
    {
      g_autofree double *in = g_new0 (double, 3 * (gsize) n);
      g_autofree double *out = g_new (double, 3 * (gsize) n);

      for (guint i = 0; i < n; i++)
        in[3 * i + c] = i / max;
      babl_process (babl_fish (babl_format_with_space ("R'G'B' double", space),
                               babl_format_with_space ("RGB double", space)),
                    in, out, n);
      for (guint i = 0; i < n; i++)
        table[i] = (float) out[3 * i + c];
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      double v = i / max;

      table[i] = (float) (kind == TRC_LINEAR ? v
                          : kind == TRC_SRGB ? srgb_to_linear (v)
                          : pow (v, gamma));
    }
}

/* Sets up @lin for @format and returns TRUE, or FALSE for a format left
 * to babl (other floats, other component orders, CMYK…). The one float
 * taken is the premultiplied working format gegl:transform gives when it
 * resamples: babl's candidates for dividing alpha out round differently,
 * and it picks one by timing. */
static gboolean
linearise_init (Linearise *lin, const Babl *format)
{
  const Babl *space = babl_format_get_space (format);
  const Babl *trcs[3] = { NULL, NULL, NULL };
  const Babl *rec2020 = babl_space ("Rec2020");
  gboolean encoded = FALSE;
  int components = 0, bytes, colours;
  guint n;
  TrcKind kinds[3];
  double gammas[3];
  float *next;

  linearise_clear (lin);
  if (format == babl_format_with_space (OTTICA_DEVELOP_PREMULTIPLIED_SOURCE, rec2020))
    {
      lin->premultiplied = TRUE;
      lin->bytes = sizeof (float);
      lin->components = 4;
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (ottica_develop_sources) && components == 0; i++)
    if (format == babl_format_with_space (ottica_develop_sources[i].name, space))
      {
        components = ottica_develop_sources[i].components;
        encoded = ottica_develop_sources[i].encoded;
      }
  if (components == 0)
    return FALSE;

  bytes = babl_format_get_bytes_per_pixel (format) / components;
  colours = components >= 3 ? 3 : 1;
  n = bytes == 1 ? 256 : 65536;
  babl_space_get (space, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  &trcs[0], &trcs[1], &trcs[2]);
  for (int c = 0; c < 3; c++)
    {
      if (trcs[c] == NULL)
        trcs[c] = trcs[0];
      kinds[c] = encoded ? trc_kind (trcs[c], space, &gammas[c]) : TRC_LINEAR;
      if (!encoded)
        gammas[c] = 1.0;
    }
  /* Grey is Y' in the space's grey curve, which babl keeps apart from the
   * colour curves: only the plain cases here. */
  if (colours == 1 && encoded
      && (kinds[0] == TRC_OTHER || trcs[1] != trcs[0] || trcs[2] != trcs[0]))
    return FALSE;

  lin->bytes = bytes;
  lin->components = components;
  lin->tables = g_new (float, (gsize) n * (colours + (components % 2 == 0 ? 1 : 0)));
  next = lin->tables;
  for (int c = 0; c < colours; c++)
    {
      /* Channels with the same curve share a table. */
      int same = -1;

      for (int d = 0; d < c; d++)
        if (trcs[d] == trcs[c] && kinds[d] == kinds[c])
          same = d;
      if (same >= 0)
        {
          lin->table[c] = lin->table[same];
          continue;
        }
      lin->table[c] = next;
      fill_table (next, n, kinds[c], gammas[c], space, c);
      next += n;
    }
  for (int c = colours; c < 3; c++)
    lin->table[c] = lin->table[0];
  if (components % 2 == 0)
    {
      lin->alpha = next;
      fill_table (next, n, TRC_LINEAR, 1.0, space, 0);
    }

  lin->matrix = colours == 3 && space != rec2020;
  if (lin->matrix)
    ottica_space_matrix (space, babl_space ("Rec2020"), lin->m);
  return TRUE;
}

/* One row of @lin's source to linear Rec.2020 RGBA float; the flags are
 * constants at every call site, so each variant is its own loop. */
static G_ALWAYS_INLINE inline void
linearise_pixels (const Linearise *lin,
                  const void      *in,
                  float           *out,
                  int              width,
                  const gboolean   wide,
                  const gboolean   colour,
                  const gboolean   matrix,
                  const gboolean   alpha)
{
  const float *t0 = lin->table[0], *t1 = lin->table[1], *t2 = lin->table[2], *ta = lin->alpha;
  const guint8 *p8 = in;
  const guint16 *p16 = in;
  const int step = (colour ? 3 : 1) + (alpha ? 1 : 0);
  const float m00 = lin->m[0][0], m01 = lin->m[0][1], m02 = lin->m[0][2];
  const float m10 = lin->m[1][0], m11 = lin->m[1][1], m12 = lin->m[1][2];
  const float m20 = lin->m[2][0], m21 = lin->m[2][1], m22 = lin->m[2][2];

  for (int x = 0; x < width; x++, out += 4)
    {
      gsize i = (gsize) x * step;
      float r, g, b;

#define CODE(k) (wide ? (guint) p16[i + (k)] : (guint) p8[i + (k)])
      r = t0[CODE (0)];
      g = colour ? t1[CODE (1)] : r;
      b = colour ? t2[CODE (2)] : r;
      if (matrix)
        {
          out[0] = m00 * r + m01 * g + m02 * b;
          out[1] = m10 * r + m11 * g + m12 * b;
          out[2] = m20 * r + m21 * g + m22 * b;
        }
      else
        {
          out[0] = r;
          out[1] = g;
          out[2] = b;
        }
      out[3] = alpha ? ta[CODE (step - 1)] : 1.0f;
#undef CODE
    }
}

/* Premultiplied RGBA float to straight, alpha as it is; an alpha about
 * zero counts as babl's floor, so that colour stays finite. */
static void
unpremultiply_row (const float *in,
                   float       *out,
                   int          width)
{
  const float floor = 1.0f / 65536.0f;

  for (int x = 0; x < width; x++, in += 4, out += 4)
    {
      float alpha = in[3];
      float divisor = fabsf (alpha) < floor ? floor : alpha;

      out[0] = in[0] / divisor;
      out[1] = in[1] / divisor;
      out[2] = in[2] / divisor;
      out[3] = alpha;
    }
}

#define LINEARISE_VARIANT(wide, colour, matrix, alpha) \
  linearise_pixels (lin, in, out, width, wide, colour, matrix, alpha)

static void
linearise_row (const Linearise *lin,
               const void      *in,
               float           *out,
               int              width)
{
  gboolean alpha = lin->alpha != NULL;

  if (lin->premultiplied)
    unpremultiply_row (in, out, width);
  else if (lin->bytes == 1)
    {
      if (lin->components < 3)
        alpha ? LINEARISE_VARIANT (FALSE, FALSE, FALSE, TRUE) : LINEARISE_VARIANT (FALSE, FALSE, FALSE, FALSE);
      else if (lin->matrix)
        alpha ? LINEARISE_VARIANT (FALSE, TRUE, TRUE, TRUE) : LINEARISE_VARIANT (FALSE, TRUE, TRUE, FALSE);
      else
        alpha ? LINEARISE_VARIANT (FALSE, TRUE, FALSE, TRUE) : LINEARISE_VARIANT (FALSE, TRUE, FALSE, FALSE);
    }
  else
    {
      if (lin->components < 3)
        alpha ? LINEARISE_VARIANT (TRUE, FALSE, FALSE, TRUE) : LINEARISE_VARIANT (TRUE, FALSE, FALSE, FALSE);
      else if (lin->matrix)
        alpha ? LINEARISE_VARIANT (TRUE, TRUE, TRUE, TRUE) : LINEARISE_VARIANT (TRUE, TRUE, TRUE, FALSE);
      else
        alpha ? LINEARISE_VARIANT (TRUE, TRUE, FALSE, TRUE) : LINEARISE_VARIANT (TRUE, TRUE, FALSE, FALSE);
    }
}

typedef struct
{
  /* The parameters these tables were made for. */
  double params[11];
  gboolean valid;

  float  luminance[3];    /* Rec.2020 Y weights */
  float  gain[3];         /* exposure × white balance */

  gboolean tone;
  float  tone_lut[TONE_N + 1];

  gboolean chroma;        /* saturation or vibrance */
  gboolean vibrance;
  float  saturation;      /* chroma factor */
  float  vibrance_amount;

  gboolean vignette;
  float  vignette_lut[VIGNETTE_N + 2];

  /* The input as it comes (see choose_input ()): NULL when it is the
   * working format or one this op leaves to babl. */
  const Babl *input_format;
  Linearise   linearise;
} DevelopState;

static void
collect_params (GeglProperties *o, double params[11])
{
  params[0] = o->exposure;
  params[1] = o->temperature;
  params[2] = o->tint;
  params[3] = o->contrast;
  params[4] = o->highlights;
  params[5] = o->shadows;
  params[6] = o->whites;
  params[7] = o->blacks;
  params[8] = o->saturation;
  params[9] = o->vibrance;
  params[10] = o->vignette;
}

static gboolean
is_neutral (GeglProperties *o)
{
  double params[11];

  collect_params (o, params);
  for (int i = 0; i < 11; i++)
    if (params[i] != 0.0)
      return FALSE;
  return TRUE;
}

/* ---- white balance ---------------------------------------------------- */

/* CIE xy of a Planckian radiator (Kim et al., 1667..25000 K). */
static void
planckian_xy (double t, double *x, double *y)
{
  double t2, t3, xc;

  t = CLAMP (t, 1667.0, 25000.0);
  t2 = t * t;
  t3 = t2 * t;
  if (t <= 4000.0)
    xc = -0.2661239e9 / t3 - 0.2343589e6 / t2 + 0.8776956e3 / t + 0.179910;
  else
    xc = -3.0258469e9 / t3 + 2.1070379e6 / t2 + 0.2226347e3 / t + 0.240390;

  if (t <= 2222.0)
    *y = -1.1063814 * xc * xc * xc - 1.34811020 * xc * xc + 2.18555832 * xc - 0.20219683;
  else if (t <= 4000.0)
    *y = -0.9549476 * xc * xc * xc - 1.37418593 * xc * xc + 2.09137015 * xc - 0.16748867;
  else
    *y = 3.0817580 * xc * xc * xc - 5.87338670 * xc * xc + 3.75112997 * xc - 0.37001483;
  *x = xc;
}

static void
xy_to_uv (double x, double y, double *u, double *v)
{
  double d = -2.0 * x + 12.0 * y + 3.0;

  *u = 4.0 * x / d;
  *v = 6.0 * y / d;
}

/* Linear Rec.2020 RGB of the light at @mired with @duv off the Planckian
 * locus (positive: greener), at luminance 1. */
static void
white_rgb (double mired, double duv, double rgb[3])
{
  static const double xyz_to_rec2020[3][3] = {
    {  1.7166511880, -0.3556707838, -0.2533662814 },
    { -0.6666843518,  1.6164812366,  0.0157685458 },
    {  0.0176398574, -0.0427706133,  0.9421031212 },
  };
  double x, y, u, v, x1, y1, u1, v1, tu, tv, len, d, xyz[3];

  planckian_xy (1e6 / mired, &x, &y);
  xy_to_uv (x, y, &u, &v);
  /* The locus's normal, from its tangent a few mired on. */
  planckian_xy (1e6 / (mired + 1.0), &x1, &y1);
  xy_to_uv (x1, y1, &u1, &v1);
  tu = u1 - u;
  tv = v1 - v;
  len = hypot (tu, tv);
  /* Rotating the tangent (towards lower temperature, i.e. +u) by 90°
   * counter-clockwise points to +v: green. */
  u += -tv / len * duv;
  v += tu / len * duv;

  d = 2.0 * u - 8.0 * v + 4.0;
  x = 3.0 * u / d;
  y = 2.0 * v / d;
  xyz[0] = x / y;
  xyz[1] = 1.0;
  xyz[2] = (1.0 - x - y) / y;
  for (int c = 0; c < 3; c++)
    rgb[c] = xyz_to_rec2020[c][0] * xyz[0] + xyz_to_rec2020[c][1] * xyz[1]
             + xyz_to_rec2020[c][2] * xyz[2];
}

/* Temperature and tint relative to the photo's own balance, as channel
 * gains: the ratio of the whites of two illuminants, +100 being about
 * 6500 K → 3900 K (100 mired warmer), tint ±100 a Δuv of ∓0.02. The gains
 * are normalised so that a grey keeps its luminance. */
static void
white_balance_gains (double temperature, double tint, const float luminance[3], double gain[3])
{
  const double reference = 1e6 / 6504.0;
  double from[3], to[3], norm = 0.0;

  if (temperature == 0.0 && tint == 0.0)
    {
      gain[0] = gain[1] = gain[2] = 1.0;
      return;
    }
  white_rgb (reference, 0.0, from);
  white_rgb (reference + temperature, -tint / 100.0 * 0.02, to);
  for (int c = 0; c < 3; c++)
    {
      gain[c] = to[c] / from[c];
      norm += luminance[c] * gain[c];
    }
  for (int c = 0; c < 3; c++)
    gain[c] /= norm;
}

/* ---- tone ------------------------------------------------------------- */

static double
smoothstep (double edge0, double edge1, double x)
{
  double t = CLAMP ((x - edge0) / (edge1 - edge0), 0.0, 1.0);

  return t * t * (3.0 - 2.0 * t);
}

/* Contrast's S-shape in stops: slope 1 at middle grey, zero (and flat) at
 * the black and white ends, so those stay where they are. */
static double
contrast_shape (double x)
{
  double u;

  if (x >= 0.0 && x < WHITE_EV)
    {
      u = x / WHITE_EV;
      return x * (1.0 - u) * (1.0 - u);
    }
  if (x < 0.0 && x > BLACK_EV)
    {
      u = x / BLACK_EV;
      return x * (1.0 - u) * (1.0 - u);
    }
  return 0.0;
}

/* The tone curve in stops around middle grey. Each step is strictly
 * increasing on its own (|amount| × its weight's steepest slope < 1), so
 * their composition is too: the curve never reverses tones. */
static double
tone_curve_ev (GeglProperties *o, double x)
{
  /* Contrast: midtone slope 1 ± 0.75 at ±100. */
  x += o->contrast / 100.0 * 0.75 * contrast_shape (x);
  /* Highlights: up to ±1 stop, fading in from a stop below middle grey,
   * full at white and above (so a RAW's highlights can be recovered). */
  x += o->highlights / 100.0 * 1.0 * smoothstep (-1.0, WHITE_EV, x);
  /* Shadows: up to ±1.5 stops, fading out towards middle grey. */
  x += o->shadows / 100.0 * 1.5 * (1.0 - smoothstep (-6.0, 0.5, x));
  /* Whites and blacks: the ends of the range, ±1 and ±1.5 stops. */
  x += o->whites / 100.0 * 1.0 * smoothstep (WHITE_EV - 2.5, WHITE_EV, x);
  x += o->blacks / 100.0 * 1.5 * (1.0 - smoothstep (-7.5, -3.0, x));
  return x;
}

static inline guint32
float_bits (float f)
{
  guint32 u;

  memcpy (&u, &f, sizeof u);
  return u;
}

static inline float
bits_float (guint32 u)
{
  float f;

  memcpy (&f, &u, sizeof f);
  return f;
}

/* The table holds the gain f(Y) / Y, so the pixel loop multiplies and never
 * divides. Steps are 1/64 stop and the curve's slope in stops stays above
 * 0.25, so the interpolated gain keeps Y × gain increasing. */
static void
build_tone_lut (GeglProperties *o, float *lut)
{
  const guint32 base = float_bits (ldexpf (1.0f, TONE_MIN_EXP));

  for (int i = 0; i < TONE_N; i++)
    {
      double y = bits_float (base + ((guint32) i << TONE_SHIFT));
      double x = log2 (y / MID_GREY);

      lut[i] = (float) exp2 (tone_curve_ev (o, x) - x);
    }
  lut[TONE_N] = lut[TONE_N - 1];
}

/* ---- vignette --------------------------------------------------------- */

/* 2^(EV(q)) over q = r², r = 1 at the corners: EV = amount × (q + q²) / 2,
 * flat in the centre and falling off smoothly, like a lens. */
static void
build_vignette_lut (double vignette, float *lut)
{
  double ev = vignette / 100.0 * 2.0;

  for (int i = 0; i <= VIGNETTE_N; i++)
    {
      double q = (double) i / VIGNETTE_N;

      lut[i] = (float) exp2 (ev * 0.5 * (q + q * q));
    }
  lut[VIGNETTE_N + 1] = lut[VIGNETTE_N];
}

/* ---- GEGL ------------------------------------------------------------- */

static const Babl *
working_format (void)
{
  return babl_format_with_space ("RGBA float", babl_space ("Rec2020"));
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const Babl *format = working_format ();
  const Babl *source = gegl_operation_get_source_format (operation, "input");
  DevelopState *state = o->user_data;
  double params[11], luminance[3], gain[3];

  if (state == NULL)
    state = o->user_data = g_new0 (DevelopState, 1);

  /* An integer source comes in as it is and is linearised here. */
  if (source != state->input_format)
    {
      state->input_format = source;
      if (source == NULL || source == format || !linearise_init (&state->linearise, source))
        {
          linearise_clear (&state->linearise);
          state->input_format = NULL;
        }
    }
  gegl_operation_set_format (operation, "input",
                             state->input_format != NULL ? state->input_format : format);
  gegl_operation_set_format (operation, "output", format);

  collect_params (o, params);
  if (state->valid && memcmp (params, state->params, sizeof params) == 0)
    return;

  babl_space_get_rgb_luminance (babl_space ("Rec2020"), &luminance[0], &luminance[1], &luminance[2]);
  for (int c = 0; c < 3; c++)
    state->luminance[c] = (float) luminance[c];

  white_balance_gains (o->temperature, o->tint, state->luminance, gain);
  for (int c = 0; c < 3; c++)
    state->gain[c] = (float) (gain[c] * exp2 (o->exposure));

  state->tone = o->contrast != 0.0 || o->highlights != 0.0 || o->shadows != 0.0
                || o->whites != 0.0 || o->blacks != 0.0;
  if (state->tone)
    build_tone_lut (o, state->tone_lut);

  state->saturation = (float) (1.0 + o->saturation / 100.0);
  state->vibrance_amount = (float) (o->vibrance / 100.0);
  state->vibrance = o->vibrance != 0.0;
  state->chroma = o->saturation != 0.0 || state->vibrance;

  state->vignette = o->vignette != 0.0;
  if (state->vignette)
    build_vignette_lut (o->vignette, state->vignette_lut);

  memcpy (state->params, params, sizeof params);
  state->valid = TRUE;
}

/* The vignette's geometry at this level: nx = x * sx + ox for pixel
 * column x (in this level's pixels), -1 at the left edge of the photo's
 * box and 1 at the right; likewise ny. It depends on the pixel's own
 * coordinates only, never on how the image is split into pieces, so that
 * pieces join exactly. */
typedef struct
{
  float sx, ox;
  float sy, oy;
} VignetteGeometry;

#if defined (__SSE2__) && !defined (OTTICA_DEVELOP_SCALAR)
#include <emmintrin.h>

/* Four pixels at a time in SSE2 (every x86-64 has it). The tables are
 * read one lane at a time, the rest is arithmetic on channel vectors;
 * min/max are maxps/minps, so there is no branch on pixel values, and a
 * NaN becomes the lower bound before it can index a table. */

static inline __m128
lerp_lookup (const float *lut, __m128i index, __m128 frac)
{
  gint32 i[4];
  __m128 lo, hi;

  _mm_storeu_si128 ((__m128i *) i, index);
  lo = _mm_setr_ps (lut[i[0]], lut[i[1]], lut[i[2]], lut[i[3]]);
  hi = _mm_setr_ps (lut[i[0] + 1], lut[i[1] + 1], lut[i[2] + 1], lut[i[3] + 1]);
  return _mm_add_ps (lo, _mm_mul_ps (frac, _mm_sub_ps (hi, lo)));
}

static inline __m128
abs_ps (__m128 v)
{
  return _mm_andnot_ps (_mm_set1_ps (-0.0f), v);
}

static G_ALWAYS_INLINE inline void
develop_quad (const DevelopState     *state,
              const float            *in,
              float                  *out,
              float                   column,
              float                   qy,
              const VignetteGeometry *geometry,
              const gboolean          tone,
              const gboolean          chroma,
              const gboolean          vibrance,
              const gboolean          vignette)
{
  const __m128 wr = _mm_set1_ps (state->luminance[0]);
  const __m128 wg = _mm_set1_ps (state->luminance[1]);
  const __m128 wb = _mm_set1_ps (state->luminance[2]);
  const __m128 zero = _mm_setzero_ps ();
  const __m128 one = _mm_set1_ps (1.0f);
  __m128 r = _mm_loadu_ps (in);
  __m128 g = _mm_loadu_ps (in + 4);
  __m128 b = _mm_loadu_ps (in + 8);
  __m128 a = _mm_loadu_ps (in + 12);

  _MM_TRANSPOSE4_PS (r, g, b, a);
  r = _mm_mul_ps (r, _mm_set1_ps (state->gain[0]));
  g = _mm_mul_ps (g, _mm_set1_ps (state->gain[1]));
  b = _mm_mul_ps (b, _mm_set1_ps (state->gain[2]));

  if (vignette)
    {
      __m128 x = _mm_add_ps (_mm_set1_ps (column), _mm_setr_ps (0.0f, 1.0f, 2.0f, 3.0f));
      __m128 nx = _mm_add_ps (_mm_mul_ps (x, _mm_set1_ps (geometry->sx)), _mm_set1_ps (geometry->ox));
      __m128 q = _mm_add_ps (_mm_mul_ps (_mm_mul_ps (_mm_set1_ps (0.5f), nx), nx), _mm_set1_ps (qy));
      __m128i qi;
      __m128 f;

      q = _mm_mul_ps (_mm_min_ps (_mm_max_ps (q, zero), one), _mm_set1_ps ((float) VIGNETTE_N));
      qi = _mm_cvttps_epi32 (q);
      f = lerp_lookup (state->vignette_lut, qi, _mm_sub_ps (q, _mm_cvtepi32_ps (qi)));
      r = _mm_mul_ps (r, f);
      g = _mm_mul_ps (g, f);
      b = _mm_mul_ps (b, f);
    }

  if (tone)
    {
      const __m128i base = _mm_set1_epi32 ((gint32) float_bits (ldexpf (1.0f, TONE_MIN_EXP)));
      const __m128 lo = _mm_set1_ps (ldexpf (1.0f, TONE_MIN_EXP));
      const __m128 hi = _mm_set1_ps (bits_float (float_bits (ldexpf (1.0f, TONE_MAX_EXP)) - 1));
      __m128 y = _mm_add_ps (_mm_add_ps (_mm_mul_ps (wr, r), _mm_mul_ps (wg, g)), _mm_mul_ps (wb, b));
      __m128 yc = _mm_min_ps (_mm_max_ps (y, lo), hi);
      __m128i offset = _mm_sub_epi32 (_mm_castps_si128 (yc), base);
      __m128i index = _mm_srli_epi32 (offset, TONE_SHIFT);
      __m128 frac = _mm_mul_ps (_mm_cvtepi32_ps (_mm_and_si128 (offset, _mm_set1_epi32 ((1 << TONE_SHIFT) - 1))),
                                _mm_set1_ps (1.0f / (float) (1u << TONE_SHIFT)));
      __m128 ratio = lerp_lookup (state->tone_lut, index, frac);

      r = _mm_mul_ps (r, ratio);
      g = _mm_mul_ps (g, ratio);
      b = _mm_mul_ps (b, ratio);
    }

  if (chroma)
    {
      __m128 y = _mm_add_ps (_mm_add_ps (_mm_mul_ps (wr, r), _mm_mul_ps (wg, g)), _mm_mul_ps (wb, b));
      __m128 k = _mm_set1_ps (state->saturation);

      if (vibrance)
        {
          const __m128 tiny = _mm_set1_ps (1e-9f);
          __m128 max = _mm_max_ps (r, _mm_max_ps (g, b));
          __m128 min = _mm_min_ps (r, _mm_min_ps (g, b));
          __m128 top = _mm_max_ps (max, tiny);
          __m128 spread = _mm_max_ps (_mm_sub_ps (max, min), tiny);
          /* One division gives both 1 / max and 1 / (max - min). */
          __m128 inverse = _mm_div_ps (one, _mm_mul_ps (top, spread));
          /* How muted: 1 for greys, 0 for pure colours. */
          __m128 muted = _mm_min_ps (_mm_max_ps (_mm_mul_ps (_mm_mul_ps (min, spread), inverse), zero), one);
          /* Skin lies between red and yellow (R ≥ G ≥ B), around
           * (G - B) / (R - B) ≈ 0.45 in linear Rec.2020. Without tests:
           * u is that ratio when max - min = R - B, and "sector" is 0
           * exactly when R ≥ G ≥ B; elsewhere the terms push skin to 0. */
          __m128 u = _mm_mul_ps (_mm_mul_ps (_mm_sub_ps (g, b), top), inverse);
          __m128 sector = abs_ps (_mm_sub_ps (_mm_mul_ps (_mm_mul_ps (_mm_sub_ps (r, b), top), inverse), one));
          __m128 skin = _mm_sub_ps (_mm_sub_ps (one, _mm_mul_ps (abs_ps (_mm_sub_ps (u, _mm_set1_ps (0.45f))),
                                                                 _mm_set1_ps (1.0f / 0.3f))),
                                    _mm_mul_ps (_mm_set1_ps (2.0f), sector));
          __m128 weight;

          skin = _mm_max_ps (skin, zero);
          weight = _mm_mul_ps (muted, _mm_sub_ps (one, _mm_mul_ps (_mm_set1_ps (0.75f), skin)));
          k = _mm_mul_ps (k, _mm_add_ps (one, _mm_mul_ps (_mm_set1_ps (state->vibrance_amount), weight)));
        }
      r = _mm_add_ps (y, _mm_mul_ps (_mm_sub_ps (r, y), k));
      g = _mm_add_ps (y, _mm_mul_ps (_mm_sub_ps (g, y), k));
      b = _mm_add_ps (y, _mm_mul_ps (_mm_sub_ps (b, y), k));
    }

  _MM_TRANSPOSE4_PS (r, g, b, a);
  _mm_storeu_ps (out, r);
  _mm_storeu_ps (out + 4, g);
  _mm_storeu_ps (out + 8, b);
  _mm_storeu_ps (out + 12, a);
}

/* One row; its last few pixels go through the same four-pixel code via a
 * small buffer, so every pixel is computed the same way wherever a piece
 * of the image starts or ends. */
static G_ALWAYS_INLINE inline void
develop_row (const DevelopState     *state,
             const float            *in,
             float                  *out,
             int                     width,
             int                     x,
             float                   qy,
             const VignetteGeometry *geometry,
             const gboolean          tone,
             const gboolean          chroma,
             const gboolean          vibrance,
             const gboolean          vignette)
{
  int i = 0;

  for (; i + 4 <= width; i += 4)
    develop_quad (state, in + 4 * i, out + 4 * i, (float) (x + i), qy, geometry,
                  tone, chroma, vibrance, vignette);
  if (i < width)
    {
      float tail_in[16] = { 0.0f };
      float tail_out[16];

      memcpy (tail_in, in + 4 * i, sizeof (float) * 4 * (width - i));
      develop_quad (state, tail_in, tail_out, (float) (x + i), qy, geometry,
                    tone, chroma, vibrance, vignette);
      memcpy (out + 4 * i, tail_out, sizeof (float) * 4 * (width - i));
    }
}

#else /* no SSE2: the same arithmetic, one pixel at a time */

static inline float
max_or_lo (float v, float lo)
{
  return v > lo ? v : lo;
}

static inline float
min_f (float a, float b)
{
  return a < b ? a : b;
}

static inline float
lerp_lookup1 (const float *lut, gint32 index, float frac)
{
  return lut[index] + frac * (lut[index + 1] - lut[index]);
}

static G_ALWAYS_INLINE inline void
develop_row (const DevelopState     *state,
             const float            *in,
             float                  *out,
             int                     width,
             int                     x,
             float                   qy,
             const VignetteGeometry *geometry,
             const gboolean          tone,
             const gboolean          chroma,
             const gboolean          vibrance,
             const gboolean          vignette)
{
  const float wr = state->luminance[0], wg = state->luminance[1], wb = state->luminance[2];
  const guint32 tone_base = float_bits (ldexpf (1.0f, TONE_MIN_EXP));
  const float tone_lo = ldexpf (1.0f, TONE_MIN_EXP);
  const float tone_hi = bits_float (float_bits (ldexpf (1.0f, TONE_MAX_EXP)) - 1);

  for (int i = 0; i < width; i++, in += 4, out += 4)
    {
      float r = in[0] * state->gain[0];
      float g = in[1] * state->gain[1];
      float b = in[2] * state->gain[2];

      if (vignette)
        {
          float nx = (float) (x + i) * geometry->sx + geometry->ox;
          float q = min_f (max_or_lo (0.5f * nx * nx + qy, 0.0f), 1.0f) * (float) VIGNETTE_N;
          gint32 qi = (gint32) q;
          float f = lerp_lookup1 (state->vignette_lut, qi, q - (float) qi);

          r *= f;
          g *= f;
          b *= f;
        }

      if (tone)
        {
          float y = wr * r + wg * g + wb * b;
          float yc = min_f (max_or_lo (y, tone_lo), tone_hi);
          guint32 offset = float_bits (yc) - tone_base;
          float frac = (float) (offset & ((1u << TONE_SHIFT) - 1)) * (1.0f / (float) (1u << TONE_SHIFT));
          float ratio = lerp_lookup1 (state->tone_lut, (gint32) (offset >> TONE_SHIFT), frac);

          r *= ratio;
          g *= ratio;
          b *= ratio;
        }

      if (chroma)
        {
          float y = wr * r + wg * g + wb * b;
          float k = state->saturation;

          if (vibrance)
            {
              float max = max_or_lo (r, max_or_lo (g, b));
              float min = min_f (r, min_f (g, b));
              float top = max_or_lo (max, 1e-9f);
              float spread = max_or_lo (max - min, 1e-9f);
              float inverse = 1.0f / (top * spread);
              float muted = min_f (max_or_lo (min * spread * inverse, 0.0f), 1.0f);
              float u = (g - b) * top * inverse;
              float sector = fabsf ((r - b) * top * inverse - 1.0f);
              float skin = max_or_lo (1.0f - fabsf (u - 0.45f) * (1.0f / 0.3f) - 2.0f * sector, 0.0f);

              k *= 1.0f + state->vibrance_amount * (muted * (1.0f - 0.75f * skin));
            }
          r = y + (r - y) * k;
          g = y + (g - y) * k;
          b = y + (b - y) * k;
        }

      out[0] = r;
      out[1] = g;
      out[2] = b;
      out[3] = in[3];
    }
}

#endif

/* The shared loop over rows; the flags are constants at every call site,
 * so each call compiles to its own loop with no parameter branches. */
static G_ALWAYS_INLINE inline void
develop_pixels (const DevelopState     *state,
                const void             *in_buf,
                float                  *out,
                const GeglRectangle    *roi,
                const VignetteGeometry *geometry,
                const gboolean          tone,
                const gboolean          chroma,
                const gboolean          vibrance,
                const gboolean          vignette)
{
  gsize stride = (gsize) roi->width * 4;
  const Linearise *lin = state->input_format != NULL ? &state->linearise : NULL;
  gsize in_stride = lin != NULL ? (gsize) roi->width * lin->components * lin->bytes
                                : stride * sizeof (float);

  for (int row = 0; row < roi->height; row++)
    {
      const float *in = (const float *) ((const guint8 *) in_buf + row * in_stride);
      float qy = 0.0f;

      /* An integer row becomes linear floats in the output row, which is
       * then developed in place while it is still in the cache. */
      if (lin != NULL)
        {
          linearise_row (lin, in, out + row * stride, roi->width);
          in = out + row * stride;
        }

      if (vignette)
        {
          float ny = (float) (roi->y + row) * geometry->sy + geometry->oy;

          qy = 0.5f * ny * ny;
        }
      develop_row (state, in, out + row * stride, roi->width, roi->x, qy,
                   geometry, tone, chroma, vibrance, vignette);
    }
}

#define DEVELOP_VARIANT(tone, chroma, vibrance, vignette) \
  develop_pixels (state, in, out, roi, &geometry, tone, chroma, vibrance, vignette)

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const DevelopState *state = o->user_data;
  const void *in = in_buf;
  float *out = out_buf;
  VignetteGeometry geometry = { 0 };

  if (state == NULL || is_neutral (o) || n_pixels != (glong) roi->width * roi->height)
    {
      if (state != NULL && state->input_format != NULL)
        linearise_row (&state->linearise, in_buf, out_buf, (int) n_pixels);
      else
        ottica_op_copy_pixels (in_buf, out_buf, n_pixels);
      return TRUE;
    }

  if (state->vignette)
    {
      const GeglRectangle *box = gegl_operation_source_get_bounding_box (operation, "input");
      double factor = (double) (1 << level);
      double half_w, half_h, cx, cy;

      if (box == NULL || box->width <= 0 || box->height <= 0)
        box = roi;
      /* Normalised to the whole photo's box at full resolution, so that a
       * render at level 1 and one at level 0 agree, and tiles join. */
      half_w = box->width / 2.0;
      half_h = box->height / 2.0;
      cx = box->x + half_w;
      cy = box->y + half_h;
      geometry.sx = (float) (factor / half_w);
      geometry.ox = (float) ((0.5 * factor - cx) / half_w);
      geometry.sy = (float) (factor / half_h);
      geometry.oy = (float) ((0.5 * factor - cy) / half_h);
    }

  /* Pick the loop once per call, never per pixel. */
  if (state->vignette)
    {
      if (state->tone)
        {
          if (state->vibrance)
            DEVELOP_VARIANT (TRUE, TRUE, TRUE, TRUE);
          else if (state->chroma)
            DEVELOP_VARIANT (TRUE, TRUE, FALSE, TRUE);
          else
            DEVELOP_VARIANT (TRUE, FALSE, FALSE, TRUE);
        }
      else
        {
          if (state->vibrance)
            DEVELOP_VARIANT (FALSE, TRUE, TRUE, TRUE);
          else if (state->chroma)
            DEVELOP_VARIANT (FALSE, TRUE, FALSE, TRUE);
          else
            DEVELOP_VARIANT (FALSE, FALSE, FALSE, TRUE);
        }
    }
  else
    {
      if (state->tone)
        {
          if (state->vibrance)
            DEVELOP_VARIANT (TRUE, TRUE, TRUE, FALSE);
          else if (state->chroma)
            DEVELOP_VARIANT (TRUE, TRUE, FALSE, FALSE);
          else
            DEVELOP_VARIANT (TRUE, FALSE, FALSE, FALSE);
        }
      else
        {
          if (state->vibrance)
            DEVELOP_VARIANT (FALSE, TRUE, TRUE, FALSE);
          else if (state->chroma)
            DEVELOP_VARIANT (FALSE, TRUE, FALSE, FALSE);
          else
            DEVELOP_VARIANT (FALSE, FALSE, FALSE, FALSE);
        }
    }
  return TRUE;
}

/* At neutral settings, a float input is handed on untouched, as GEGL's own
 * ops do: no conversion, no copy. An integer one is still linearised here,
 * so that nothing after this op leaves it to babl. */
static gboolean
passes_through (GeglProperties *o)
{
  const DevelopState *state = o->user_data;

  return is_neutral (o) && (state == NULL || state->input_format == NULL);
}

OTTICA_OP_DEFINE_PROCESS (passes_through)

static void
finalize (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);
  DevelopState *state = o->user_data;

  if (state != NULL)
    linearise_clear (&state->linearise);
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

  gegl_operation_class_set_keys (operation_class,
    "name",                "ottica:develop",
    "title",               _("Develop"),
    "categories",          "color:photo",
    "op-version",          "1:0",
    "position-dependent",  "true",
    "description",         _("A photo’s basic adjustments in one pass over linear light: "
                             "exposure, white balance, tone, colour and vignette"),
    NULL);
}

#endif
