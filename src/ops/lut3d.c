/* lut3d.c: ottica:lut3d, a .cube 3D LUT with tetrahedral interpolation.
 *
 * A LUT expects its input in some encoding, most often sRGB as displayed;
 * `input-space` says which: the LUT's input is the pixel converted from
 * linear Rec. 2020 to that space's primaries and transfer curve, clamped
 * to the LUT's domain, and its output is converted back the same way. The
 * result is blended with the original by `strength` in linear light.
 *
 * Running the transfer curves per pixel (two per channel) costs more than
 * the interpolation, so when the LUT is loaded it is resampled, with
 * exact tetrahedral interpolation in the file's own grid, onto a grid
 * whose axes are the square root of linear light in the LUT's primaries
 * (close to how sRGB spaces its codes) and whose nodes hold the result
 * already decoded to linear Rec. 2020. A pixel then needs one matrix, one
 * square root per channel and one tetrahedral lookup. The resampled grid
 * has about twice the file's resolution (65 to 129 points per axis), so
 * it follows the file's own interpolation within half a code value of
 * 8-bit sRGB (the ops suite checks this for sizes 5 to 33).
 *
 * The file is read with ottica_cube_load(), which the looks layer also
 * uses to validate a user's LUT with a proper error; here a file that
 * cannot be used is reported with g_warning() once and the op passes its
 * input through.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (ottica_lut3d_space)
  enum_value (OTTICA_LUT3D_SPACE_SRGB,           "srgb",           N_("sRGB (encoded)"))
  enum_value (OTTICA_LUT3D_SPACE_REC709,         "rec709",         N_("Rec. 709 (gamma 2.4)"))
  enum_value (OTTICA_LUT3D_SPACE_LINEAR_SRGB,    "linear-srgb",    N_("Linear sRGB / Rec. 709"))
  enum_value (OTTICA_LUT3D_SPACE_LINEAR_REC2020, "linear-rec2020", N_("Linear Rec. 2020"))
enum_end (OtticaLut3dSpace)

property_file_path (path, _("LUT file"), "")
  description (_("A .cube file with a 3D LUT (empty: no LUT)"))

property_enum (input_space, _("Input space"), OtticaLut3dSpace, ottica_lut3d_space,
               OTTICA_LUT3D_SPACE_SRGB)
  description (_("The colour encoding the LUT expects and produces; most LUTs made for "
                 "photos expect sRGB"))

property_double (strength, _("Strength"), 1.0)
  description (_("Blend between the original (0) and the LUT's result (1)"))
  value_range (0.0, 1.0)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     lut3d
#define GEGL_OP_C_SOURCE lut3d.c

#include "gegl-op.h"
#include "ottica-op-common.h"
#include "ottica-cube.h"

#include <glib/gstdio.h>

#define GRID_MIN 65
#define GRID_MAX 129

typedef struct
{
  /* The file the grid came from, and what it looked like then. */
  char     *path;
  gint64    mtime;
  goffset   file_size;
  int       space;
  gboolean  failed;

  guint     size;       /* points per axis of the resampled grid */
  float    *grid;       /* size³ × (R, G, B, 0) in linear Rec. 2020, red fastest */
  float     to_lut[9];  /* linear Rec. 2020 → the LUT's primaries */
  float     u_lo[3];    /* grid axis: √(linear) from u_lo … */
  float     u_scale[3]; /* … in steps of 1 / u_scale */
} State;

static gboolean
is_neutral (GeglProperties *o)
{
  return o->strength == 0.0 || o->path == NULL || o->path[0] == '\0';
}

static double
srgb_encode (double v)
{
  if (v < 0.0)
    return -srgb_encode (-v);
  return v <= 0.0031308 ? 12.92 * v : 1.055 * pow (v, 1.0 / 2.4) - 0.055;
}

static double
srgb_decode (double v)
{
  if (v < 0.0)
    return -srgb_decode (-v);
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static double
gamma24_encode (double v)
{
  return v < 0.0 ? -pow (-v, 1.0 / 2.4) : pow (v, 1.0 / 2.4);
}

static double
gamma24_decode (double v)
{
  return v < 0.0 ? -pow (-v, 2.4) : pow (v, 2.4);
}

static double
identity (double v)
{
  return v;
}

/* Linear Rec. 2020 → linear sRGB primaries, as babl converts. */
static void
rec2020_to_srgb (double m[9])
{
  static const float basis[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  float out[9];
  const Babl *fish = babl_fish (babl_format_with_space ("RGB float", babl_space ("Rec2020")),
                                babl_format_with_space ("RGB float", babl_space ("sRGB")));

  babl_process (fish, basis, out, 3);
  for (int c = 0; c < 3; c++)
    for (int r = 0; r < 3; r++)
      m[r * 3 + c] = out[c * 3 + r];
}

/* Tetrahedral interpolation in the file's own grid, in double, at grid
 * coordinates @g (each in [0, size - 1]). */
static void
cube_sample (const OtticaCube *cube,
             const double      g[3],
             double            out[3])
{
  guint  n = cube->size;
  gsize  stride[3] = { 1, n, (gsize) n * n };
  gsize  base = 0;
  double f[3];
  int    order[3] = { 0, 1, 2 };
  gsize  corner;

  for (int c = 0; c < 3; c++)
    {
      guint i = (guint) MIN (floor (g[c]), (double) (n - 2));

      f[c] = g[c] - i;
      base += i * stride[c];
    }
  /* Axes in order of decreasing fraction. */
  for (int a = 0; a < 2; a++)
    for (int b = a + 1; b < 3; b++)
      if (f[order[b]] > f[order[a]])
        {
          int t = order[a];

          order[a] = order[b];
          order[b] = t;
        }
  for (int c = 0; c < 3; c++)
    out[c] = cube->data[3 * base + c] * (1.0 - f[order[0]]);
  corner = base;
  for (int k = 0; k < 3; k++)
    {
      double w = f[order[k]] - (k < 2 ? f[order[k + 1]] : 0.0);

      corner += stride[order[k]];
      for (int c = 0; c < 3; c++)
        out[c] += cube->data[3 * corner + c] * w;
    }
}

/* The resampled grid, as the header describes. */
static void
state_build_grid (State            *state,
                  const OtticaCube *cube,
                  const double      m[9],
                  double          (*encode) (double),
                  double          (*decode) (double))
{
  double m_inv[9], u_step[3];
  guint  n = CLAMP (2 * cube->size - 1, GRID_MIN, GRID_MAX);
  double *axis_g[3];

  ottica_mat3_invert (m, m_inv);
  for (int c = 0; c < 9; c++)
    state->to_lut[c] = (float) m[c];

  /* Each axis covers the LUT's domain, as √ of linear light, and keeps
   * the file's grid coordinate of each of its points. */
  for (int c = 0; c < 3; c++)
    {
      double lo = sqrt (MAX (0.0, decode (cube->domain_min[c])));
      double hi = sqrt (MAX (0.0, decode (cube->domain_max[c])));

      if (!(hi > lo))
        hi = lo + 1e-6;
      u_step[c] = (hi - lo) / (n - 1);
      state->u_lo[c] = (float) lo;
      state->u_scale[c] = (float) (1.0 / u_step[c]);
      axis_g[c] = g_new (double, n);
      for (guint k = 0; k < n; k++)
        {
          double u = lo + k * u_step[c];
          double e = encode (u * u);
          double gc = (e - cube->domain_min[c]) * (cube->size - 1) /
                      ((double) cube->domain_max[c] - cube->domain_min[c]);

          axis_g[c][k] = CLAMP (gc, 0.0, (double) (cube->size - 1));
        }
    }

  state->size = n;
  state->grid = g_new (float, (gsize) n * n * n * 4);
  for (guint b = 0; b < n; b++)
    for (guint g = 0; g < n; g++)
      for (guint r = 0; r < n; r++)
        {
          double coords[3] = { axis_g[0][r], axis_g[1][g], axis_g[2][b] };
          double e[3], lin[3];
          float *node = state->grid + 4 * (((gsize) b * n + g) * n + r);

          cube_sample (cube, coords, e);
          for (int c = 0; c < 3; c++)
            lin[c] = decode (e[c]);
          for (int c = 0; c < 3; c++)
            node[c] = (float) (m_inv[c * 3] * lin[0] + m_inv[c * 3 + 1] * lin[1] +
                               m_inv[c * 3 + 2] * lin[2]);
          node[3] = 0.0f;
        }
  for (int c = 0; c < 3; c++)
    g_free (axis_g[c]);
}

/* (Re)loads the LUT when the path, the file or the space changed. */
static void
state_update (State          *state,
              GeglProperties *o)
{
  g_autoptr(OtticaCube) cube = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  gint64   mtime = 0;
  goffset  file_size = -1;
  double   m[9];
  double (*encode) (double) = identity;
  double (*decode) (double) = identity;

  if (o->path == NULL || o->path[0] == '\0')
    return;
  if (g_stat (o->path, &st) == 0)
    {
      mtime = (gint64) st.st_mtime;
      file_size = st.st_size;
    }
  if (state->path != NULL && strcmp (state->path, o->path) == 0 && state->mtime == mtime &&
      state->file_size == file_size && state->space == (int) o->input_space)
    return;

  g_free (state->path);
  state->path = g_strdup (o->path);
  state->mtime = mtime;
  state->file_size = file_size;
  state->space = (int) o->input_space;
  state->failed = FALSE;
  g_clear_pointer (&state->grid, g_free);

  cube = ottica_cube_load (o->path, &error);
  if (cube == NULL)
    {
      g_warning ("ottica:lut3d: %s", error->message);
      state->failed = TRUE;
      return;
    }

  memset (m, 0, sizeof m);
  m[0] = m[4] = m[8] = 1.0;
  switch (state->space)
    {
    case OTTICA_LUT3D_SPACE_SRGB:
      encode = srgb_encode;
      decode = srgb_decode;
      rec2020_to_srgb (m);
      break;
    case OTTICA_LUT3D_SPACE_REC709:
      encode = gamma24_encode;
      decode = gamma24_decode;
      rec2020_to_srgb (m);
      break;
    case OTTICA_LUT3D_SPACE_LINEAR_SRGB:
      rec2020_to_srgb (m);
      break;
    default:
      break;
    }
  state_build_grid (state, cube, m, encode, decode);
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  ottica_op_set_working_format (operation);

  if (o->user_data == NULL)
    o->user_data = g_new0 (State, 1);
  state_update (o->user_data, o);
}

static gboolean
state_usable (const State    *state,
              GeglProperties *o)
{
  return state != NULL && !state->failed && state->grid != NULL && state->path != NULL &&
         o->path != NULL && strcmp (state->path, o->path) == 0;
}

typedef struct
{
  OtticaV4f to_lut[9];
  OtticaV4f u_lo[3], u_scale[3];
  OtticaV4f strength;
  OtticaV4f top;        /* size - 1 */
  OtticaV4i top_cell;   /* size - 2 */
  OtticaV4i stride_g, stride_b;
} Splats;

/* Tetrahedral interpolation: the cell's tetrahedron holding the point is
 * the walk from corner 000 to 111 along the axes in order of decreasing
 * fraction. Which axis comes first and last is worked out for four pixels
 * at once with masks, no branches (the order changes from pixel to pixel
 * and would defeat branch prediction). Ties may go either way: their
 * weight is zero. */
static inline void
tetrahedral4 (const float *grid,
              OtticaV4i    base,
              OtticaV4i    stride_g,
              OtticaV4i    stride_b,
              OtticaV4f    fr,
              OtticaV4f    fg,
              OtticaV4f    fb,
              OtticaV4f    out[4])
{
  OtticaV4i s_r = ottica_v4i_splat (1);
  OtticaV4i r_ge_g = fr >= fg, g_ge_b = fg >= fb, r_ge_b = fr >= fb;
  OtticaV4i r_max = r_ge_g & r_ge_b;
  OtticaV4i g_max = ~r_ge_g & g_ge_b;
  OtticaV4i b_max = ~(r_max | g_max);
  OtticaV4i b_min = r_ge_b & g_ge_b;
  OtticaV4i g_min = r_ge_g & ~g_ge_b;
  OtticaV4i r_min = ~(b_min | g_min);
  OtticaV4i all = s_r + stride_g + stride_b;
  OtticaV4i first = (r_max & s_r) | (g_max & stride_g) | (b_max & stride_b);
  OtticaV4i second = all - ((r_min & s_r) | (g_min & stride_g) | (b_min & stride_b));
  OtticaV4f f_max = ottica_v4f_max (fr, ottica_v4f_max (fg, fb));
  OtticaV4f f_min = ottica_v4f_min (fr, ottica_v4f_min (fg, fb));
  OtticaV4f f_mid = fr + fg + fb - f_max - f_min;
  OtticaV4f w0 = 1.0f - f_max, w1 = f_max - f_mid, w2 = f_mid - f_min, w3 = f_min;

  /* Lane i's weights broadcast by shuffles, which stay in registers. */
#define CORNERS(i)                                                                        \
  do                                                                                      \
    {                                                                                     \
      const float *c0 = grid + 4 * base[i];                                               \
                                                                                          \
      out[i] = ottica_v4f_load (c0) * OTTICA_SHUFFLE (w0, w0, i, i, i, i) +               \
               ottica_v4f_load (c0 + 4 * first[i]) * OTTICA_SHUFFLE (w1, w1, i, i, i, i) + \
               ottica_v4f_load (c0 + 4 * second[i]) * OTTICA_SHUFFLE (w2, w2, i, i, i, i) + \
               ottica_v4f_load (c0 + 4 * all[i]) * OTTICA_SHUFFLE (w3, w3, i, i, i, i);    \
    }                                                                                     \
  while (0)
  CORNERS (0);
  CORNERS (1);
  CORNERS (2);
  CORNERS (3);
#undef CORNERS
}

static inline OtticaV4f
grid_coordinate (OtticaV4f v,
                 OtticaV4f u_lo,
                 OtticaV4f u_scale,
                 OtticaV4f top)
{
  OtticaV4f zero = ottica_v4f_splat (0.0f);

  return ottica_v4f_min (ottica_v4f_max ((ottica_v4f_sqrt (ottica_v4f_max (v, zero)) - u_lo) * u_scale,
                                         zero),
                         top);
}

static inline void
process4 (const State  *state,
          const Splats *k,
          const float  *in,
          float        *out)
{
  OtticaV4f r = ottica_v4f_load (in);
  OtticaV4f g = ottica_v4f_load (in + 4);
  OtticaV4f b = ottica_v4f_load (in + 8);
  OtticaV4f alpha = ottica_v4f_load (in + 12);
  OtticaV4f ur, ug, ub, fr, fg, fb;
  OtticaV4i ir, ig, ib;
  OtticaV4f c[4];

  ottica_v4f_transpose (&r, &g, &b, &alpha);

  ur = grid_coordinate (k->to_lut[0] * r + k->to_lut[1] * g + k->to_lut[2] * b,
                        k->u_lo[0], k->u_scale[0], k->top);
  ug = grid_coordinate (k->to_lut[3] * r + k->to_lut[4] * g + k->to_lut[5] * b,
                        k->u_lo[1], k->u_scale[1], k->top);
  ub = grid_coordinate (k->to_lut[6] * r + k->to_lut[7] * g + k->to_lut[8] * b,
                        k->u_lo[2], k->u_scale[2], k->top);
  ir = __builtin_convertvector (ur, OtticaV4i);
  ig = __builtin_convertvector (ug, OtticaV4i);
  ib = __builtin_convertvector (ub, OtticaV4i);
  ir = ottica_v4i_select (ir > k->top_cell, k->top_cell, ir);
  ig = ottica_v4i_select (ig > k->top_cell, k->top_cell, ig);
  ib = ottica_v4i_select (ib > k->top_cell, k->top_cell, ib);
  fr = ur - __builtin_convertvector (ir, OtticaV4f);
  fg = ug - __builtin_convertvector (ig, OtticaV4f);
  fb = ub - __builtin_convertvector (ib, OtticaV4f);

  tetrahedral4 (state->grid, ir + ig * k->stride_g + ib * k->stride_b, k->stride_g, k->stride_b,
                fr, fg, fb, c);
  ottica_v4f_transpose (&c[0], &c[1], &c[2], &c[3]);

  r += (c[0] - r) * k->strength;
  g += (c[1] - g) * k->strength;
  b += (c[2] - b) * k->strength;
  ottica_v4f_transpose (&r, &g, &b, &alpha);
  ottica_v4f_store (out, r);
  ottica_v4f_store (out + 4, g);
  ottica_v4f_store (out + 8, b);
  ottica_v4f_store (out + 12, alpha);
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
  const State    *state = o->user_data;
  const float    *in = in_buf;
  float          *out = out_buf;
  Splats          k;
  glong           i;

  if (is_neutral (o) || !state_usable (state, o))
    {
      ottica_op_copy_pixels (in_buf, out_buf, n_pixels);
      return TRUE;
    }

  for (int c = 0; c < 9; c++)
    k.to_lut[c] = ottica_v4f_splat (state->to_lut[c]);
  for (int c = 0; c < 3; c++)
    {
      k.u_lo[c] = ottica_v4f_splat (state->u_lo[c]);
      k.u_scale[c] = ottica_v4f_splat (state->u_scale[c]);
    }
  k.strength = ottica_v4f_splat ((float) CLAMP (o->strength, 0.0, 1.0));
  k.top = ottica_v4f_splat ((float) (state->size - 1));
  k.top_cell = ottica_v4i_splat ((int32_t) state->size - 2);
  k.stride_g = ottica_v4i_splat ((int32_t) state->size);
  k.stride_b = ottica_v4i_splat ((int32_t) (state->size * state->size));

  for (i = 0; i + 4 <= n_pixels; i += 4)
    process4 (state, &k, in + i * 4, out + i * 4);

  if (i < n_pixels)
    {
      float tail_in[16] = { 0 }, tail_out[16];
      gsize bytes = (gsize) (n_pixels - i) * 4 * sizeof (float);

      memcpy (tail_in, in + i * 4, bytes);
      process4 (state, &k, tail_in, tail_out);
      memcpy (out + i * 4, tail_out, bytes);
    }
  return TRUE;
}

/* Neutral, or no usable LUT (a bad file was warned about): the input. */
static gboolean
passes_through (GeglProperties *o)
{
  return is_neutral (o) || !state_usable (o->user_data, o);
}

OTTICA_OP_DEFINE_PROCESS (passes_through)

static void
finalize (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);
  State          *state = o->user_data;

  if (state != NULL)
    {
      g_free (state->grid);
      g_free (state->path);
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

  gegl_operation_class_set_keys (operation_class,
    "name",        "ottica:lut3d",
    "title",       _("3D LUT"),
    "categories",  "color",
    "description", _("Applies a .cube 3D colour lookup table with tetrahedral interpolation, "
                     "in the colour encoding the LUT expects"),
    "op-version",  "1:0",
    NULL);
}

#endif
