/* test-pipeline.c: an edit as a GEGL graph, and the ottica:develop op.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "ottica-edit.h"
#include "ottica-image.h"
#include "ottica-look-library.h"
#include "ottica-pipeline.h"
#include "ottica-test.h"

/* ---- helpers ---------------------------------------------------------- */

static const Babl *
working_format (void)
{
  return babl_format_with_space ("RGBA float", babl_space ("Rec2020"));
}

static const Babl *
srgb_u8 (void)
{
  return babl_format_with_space ("R'G'B'A u8", babl_space ("sRGB"));
}

/* Rec.2020 luminance, as the op computes it. */
static double
luminance (const float *p)
{
  double r, g, b;

  babl_space_get_rgb_luminance (babl_space ("Rec2020"), &r, &g, &b);
  return r * p[0] + g * p[1] + b * p[2];
}

typedef void (*FillFunc) (int x, int y, int width, int height, float *rgba);

/* A linear Rec.2020 float source, so that values are exact. */
static GeglBuffer *
make_float_buffer (int width, int height, FillFunc fill)
{
  GeglRectangle extent = { 0, 0, width, height };
  GeglBuffer *buffer = gegl_buffer_new (&extent, working_format ());
  g_autofree float *pixels = g_new (float, (gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      fill (x, y, width, height, pixels + ((gsize) y * width + x) * 4);
  gegl_buffer_set (buffer, &extent, 0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

/* An 8-bit sRGB ramp: R by x, G by y, B constant. */
static GeglBuffer *
make_ramp_u8 (int width, int height)
{
  const Babl *format = babl_format_with_space ("R'G'B' u8", babl_space ("sRGB"));
  GeglRectangle extent = { 0, 0, width, height };
  GeglBuffer *buffer = gegl_buffer_new (&extent, format);
  g_autofree guint8 *pixels = g_new (guint8, (gsize) width * height * 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 3;

        p[0] = (guint8) (x * 255 / MAX (1, width - 1));
        p[1] = (guint8) (y * 255 / MAX (1, height - 1));
        p[2] = (guint8) ((x * 7 + y * 13) & 255);
      }
  gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

/* Pixels whose value is their own index (x + y * width, in R and G), to
 * follow them through turns and flips. */
static GeglBuffer *
make_index_buffer (int width, int height)
{
  const Babl *format = babl_format ("RGBA u16");
  GeglRectangle extent = { 0, 0, width, height };
  GeglBuffer *buffer = gegl_buffer_new (&extent, format);
  g_autofree guint16 *pixels = g_new (guint16, (gsize) width * height * 4);

  for (int i = 0; i < width * height; i++)
    {
      pixels[i * 4 + 0] = (guint16) (i & 0xff) * 256;
      pixels[i * 4 + 1] = (guint16) (i >> 8) * 256;
      pixels[i * 4 + 2] = 1000;
      pixels[i * 4 + 3] = 65535;
    }
  gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

static GeglBuffer *
load_photo (void)
{
  g_autofree char *path = ottica_test_bundled_photo ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglBuffer *buffer = NULL;
  GeglNode *load, *sink;

  ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "missing %s", path);
  load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  ck_assert (buffer != NULL);
  return buffer;
}

/* @buffer box-filtered to half size, as a preview proxy. */
static GeglBuffer *
half_size (GeglBuffer *buffer)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (buffer);
  GeglRectangle half = { 0, 0, extent->width / 2, extent->height / 2 };
  const Babl *format = gegl_buffer_get_format (buffer);
  GeglBuffer *out = gegl_buffer_new (&half, format);
  g_autofree guint8 *pixels = g_malloc ((gsize) half.width * half.height
                                        * babl_format_get_bytes_per_pixel (format));

  gegl_buffer_get (buffer, &half, 0.5, format, pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  gegl_buffer_set (out, &half, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  return out;
}

static guint8 *
render_u8 (GeglNode *node, const GeglRectangle *rect)
{
  guint8 *pixels = g_new0 (guint8, (gsize) rect->width * rect->height * 4);

  gegl_node_blit (node, 1.0, rect, srgb_u8 (), pixels, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return pixels;
}

static guint8 *
buffer_u8 (GeglBuffer *buffer)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (buffer);
  guint8 *pixels = g_new0 (guint8, (gsize) extent->width * extent->height * 4);

  gegl_buffer_get (buffer, extent, 1.0, srgb_u8 (), pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return pixels;
}

static int
max_difference_u8 (const guint8 *a, const guint8 *b, gsize n)
{
  int worst = 0;

  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, abs ((int) a[i] - (int) b[i]));
  return worst;
}

static OtticaPipeline *
pipeline_with (GeglBuffer *source, const OtticaEdit *edit)
{
  OtticaPipeline *pipeline = ottica_pipeline_new (source, 1.0);

  if (edit != NULL)
    ottica_pipeline_set_edit (pipeline, edit);
  return pipeline;
}

static float *
render_working (OtticaPipeline *pipeline, GeglRectangle *extent)
{
  *extent = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
  return ottica_test_render_rgba (ottica_pipeline_get_output (pipeline), extent, "Rec2020");
}

/* ---- neutral ---------------------------------------------------------- */

static void
assert_neutral_is_identity (GeglBuffer *source)
{
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  GeglRectangle box = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
  g_autofree guint8 *expected = buffer_u8 (source);
  g_autofree guint8 *got = render_u8 (ottica_pipeline_get_output (pipeline), extent);
  gsize n = (gsize) extent->width * extent->height * 4;

  ck_assert (gegl_rectangle_equal (&box, extent));
  ck_assert_int_le (max_difference_u8 (expected, got, n), 1);

  /* After a real edit, going back to neutral gives the source again. */
  edit->exposure = 1.0;
  edit->contrast = 30.0;
  edit->sharpening = 50.0;
  edit->rotation = 90;
  edit->straighten = 5.0;
  edit->crop_width = 0.5;
  ottica_pipeline_set_edit (pipeline, edit);
  g_free (got);
  got = render_u8 (ottica_pipeline_get_output (pipeline), extent);
  ottica_edit_reset (edit);
  ottica_pipeline_set_edit (pipeline, edit);
  box = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
  ck_assert (gegl_rectangle_equal (&box, extent));
  g_free (got);
  got = render_u8 (ottica_pipeline_get_output (pipeline), extent);
  ck_assert_int_le (max_difference_u8 (expected, got, n), 1);
}

START_TEST (test_neutral_photo)
{
  g_autoptr(GeglBuffer) source = load_photo ();

  assert_neutral_is_identity (source);
}
END_TEST

START_TEST (test_neutral_ramp)
{
  g_autoptr(GeglBuffer) source = make_ramp_u8 (301, 203);

  assert_neutral_is_identity (source);
}
END_TEST

/* ---- develop: light and colour ---------------------------------------- */

static void
fill_colours (int x, int y, int width, int height, float *p)
{
  /* Greys and colours over the range, some out of the sRGB gamut. */
  double t = (x + 0.5) / width;

  p[0] = (float) (0.02 + 0.6 * t);
  p[1] = (float) (0.02 + 0.6 * t * (y % 3 == 0 ? 1.0 : y % 3 == 1 ? 0.5 : 0.2));
  p[2] = (float) (0.02 + 0.6 * t * (y % 2 ? 1.0 : 0.1));
  p[3] = 1.0f;
}

START_TEST (test_exposure_doubles)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (64, 12, fill_colours);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autofree float *in = NULL;
  g_autofree float *out = NULL;
  GeglRectangle extent;

  edit->exposure = 1.0;
  pipeline = pipeline_with (source, edit);
  out = render_working (pipeline, &extent);
  in = g_new (float, (gsize) extent.width * extent.height * 4);
  gegl_buffer_get (source, &extent, 1.0, working_format (), in, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (int i = 0; i < extent.width * extent.height; i++)
    for (int c = 0; c < 3; c++)
      ck_assert_msg (fabsf (out[i * 4 + c] - 2.0f * in[i * 4 + c]) <= 1e-6f * (1.0f + in[i * 4 + c]),
                     "pixel %d: %g → %g", i, in[i * 4 + c], out[i * 4 + c]);
}
END_TEST

#define RAMP_N 2048

/* A grey ramp from 2^-12 to 2^1, evenly spaced in stops. */
static void
fill_log_ramp (int x, int y, int width, int height, float *p)
{
  float v = exp2f (-12.0f + 13.0f * x / (width - 1));

  p[0] = p[1] = p[2] = v;
  p[3] = 1.0f;
}

static float *
render_ramp (const OtticaEdit *edit, GeglBuffer *source)
{
  g_autoptr(OtticaPipeline) pipeline = pipeline_with (source, edit);
  GeglRectangle extent;

  return render_working (pipeline, &extent);
}

static double
ramp_value_ev (int i)
{
  return -12.0 + 13.0 * i / (RAMP_N - 1);
}

static int
ramp_index (double ev)
{
  return (int) round ((ev + 12.0) / 13.0 * (RAMP_N - 1));
}

static void
assert_monotone (const float *out, const char *what)
{
  for (int i = 1; i < RAMP_N; i++)
    ck_assert_msg (out[i * 4] >= out[(i - 1) * 4],
                   "%s: tones reverse at %g EV (%g after %g)", what,
                   ramp_value_ev (i), out[i * 4], out[(i - 1) * 4]);
}

/* Slope of the curve in stops per stop around @ev. */
static double
log_slope (const float *out, double ev)
{
  int a = ramp_index (ev - 0.25), b = ramp_index (ev + 0.25);

  return (log2 (out[b * 4]) - log2 (out[a * 4])) / (ramp_value_ev (b) - ramp_value_ev (a));
}

START_TEST (test_contrast)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (RAMP_N, 1, fill_log_ramp);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  double grey_ev = log2 (0.18);
  g_autofree float *plus = NULL;
  g_autofree float *minus = NULL;
  g_autofree float *extreme = NULL;

  edit->contrast = 60.0;
  plus = render_ramp (edit, source);
  edit->contrast = -60.0;
  minus = render_ramp (edit, source);

  assert_monotone (plus, "contrast +60");
  assert_monotone (minus, "contrast -60");
  ck_assert_msg (log_slope (plus, grey_ev) > 1.3, "slope %g", log_slope (plus, grey_ev));
  ck_assert_msg (log_slope (minus, grey_ev) < 0.7, "slope %g", log_slope (minus, grey_ev));
  /* Mid grey stays, and so does white. */
  ck_assert_msg (fabs (plus[ramp_index (grey_ev) * 4] / 0.18 - 1.0) < 0.02, "%g", plus[ramp_index (grey_ev) * 4]);
  ck_assert_msg (fabs (plus[ramp_index (0.0) * 4] - 1.0) < 0.01, "white → %g", plus[ramp_index (0.0) * 4]);
  ck_assert_msg (fabs (minus[ramp_index (0.0) * 4] - 1.0) < 0.01, "white → %g", minus[ramp_index (0.0) * 4]);

  /* Every tone slider at its end at once still never reverses tones. */
  for (int sign = -1; sign <= 1; sign += 2)
    {
      edit->contrast = 100.0 * sign;
      edit->highlights = -100.0 * sign;
      edit->shadows = 100.0 * sign;
      edit->whites = 100.0 * sign;
      edit->blacks = -100.0 * sign;
      g_free (extreme);
      extreme = render_ramp (edit, source);
      assert_monotone (extreme, "all tone sliders at their ends");
      edit->highlights = edit->shadows = 100.0 * sign;
      edit->whites = edit->blacks = -100.0 * sign;
      g_free (extreme);
      extreme = render_ramp (edit, source);
      assert_monotone (extreme, "all tone sliders at their other ends");
    }
}
END_TEST

START_TEST (test_tone_sliders_act_where_they_say)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (RAMP_N, 1, fill_log_ramp);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autofree float *out = NULL;
  int deep = ramp_index (-6.0), bright = ramp_index (-0.3), white = ramp_index (0.0);

  /* Shadows lift the dark tones, barely the bright ones. */
  edit->shadows = 100.0;
  out = render_ramp (edit, source);
  ck_assert (log2 (out[deep * 4]) - ramp_value_ev (deep) > 0.8);
  ck_assert (fabs (log2 (out[bright * 4]) - ramp_value_ev (bright)) < 0.1);

  /* Highlights pull the bright tones down, not the dark ones. */
  edit->shadows = 0.0;
  edit->highlights = -100.0;
  g_free (out);
  out = render_ramp (edit, source);
  ck_assert (log2 (out[bright * 4]) - ramp_value_ev (bright) < -0.5);
  ck_assert (fabs (log2 (out[deep * 4]) - ramp_value_ev (deep)) < 0.01);

  /* Whites move the white end; blacks the black end. */
  edit->highlights = 0.0;
  edit->whites = 50.0;
  g_free (out);
  out = render_ramp (edit, source);
  ck_assert (log2 (out[white * 4]) > 0.4);
  ck_assert (fabs (log2 (out[deep * 4]) - ramp_value_ev (deep)) < 0.01);

  edit->whites = 0.0;
  edit->blacks = -100.0;
  g_free (out);
  out = render_ramp (edit, source);
  ck_assert (log2 (out[ramp_index (-9.0) * 4]) - (-9.0) < -1.0);
  ck_assert (fabs (log2 (out[white * 4])) < 0.01);
}
END_TEST

START_TEST (test_saturation)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (64, 12, fill_colours);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) plain = NULL;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autofree float *in = NULL;
  g_autofree float *out = NULL;
  GeglRectangle extent;

  plain = pipeline_with (source, NULL);
  in = render_working (plain, &extent);
  edit->saturation = 20.0;
  pipeline = pipeline_with (source, edit);
  out = render_working (pipeline, &extent);

  for (int i = 0; i < extent.width * extent.height; i++)
    {
      const float *a = in + i * 4, *b = out + i * 4;
      double ya = luminance (a), yb = luminance (b);

      ck_assert (fabs (yb - ya) <= 1e-5);
      for (int c = 0; c < 3; c++)
        ck_assert_msg (fabs ((b[c] - yb) - 1.2 * (a[c] - ya)) <= 1e-5,
                       "pixel %d channel %d: chroma %g → %g", i, c, a[c] - ya, b[c] - yb);
      /* Greys stay grey. */
      if (a[0] == a[1] && a[1] == a[2])
        ck_assert (fabsf (b[0] - b[1]) < 1e-6f && fabsf (b[1] - b[2]) < 1e-6f);
    }
}
END_TEST

static void
fill_vibrance_patches (int x, int y, int width, int height, float *p)
{
  /* 0: muted blue, 1: vivid blue, 2: skin, 3: muted teal (like skin's
   * chroma, far from its hue). Linear Rec.2020. */
  static const float patches[4][3] = {
    { 0.20f, 0.24f, 0.32f },
    { 0.05f, 0.10f, 0.60f },
    { 0.614f, 0.434f, 0.276f },
    { 0.276f, 0.50f, 0.614f },
  };
  const float *c = patches[MIN (x * 4 / width, 3)];

  p[0] = c[0];
  p[1] = c[1];
  p[2] = c[2];
  p[3] = 1.0f;
}

static double
chroma (const float *p)
{
  double y = luminance (p), sum = 0.0;

  for (int c = 0; c < 3; c++)
    sum += (p[c] - y) * (p[c] - y);
  return sqrt (sum);
}

START_TEST (test_vibrance)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (4, 1, fill_vibrance_patches);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) plain = pipeline_with (source, NULL);
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autofree float *in = NULL;
  g_autofree float *out = NULL;
  GeglRectangle extent;
  double gain[4];

  in = render_working (plain, &extent);
  edit->vibrance = 60.0;
  pipeline = pipeline_with (source, edit);
  out = render_working (pipeline, &extent);
  for (int i = 0; i < 4; i++)
    {
      gain[i] = chroma (out + i * 4) / chroma (in + i * 4);
      ck_assert (fabs (luminance (out + i * 4) - luminance (in + i * 4)) < 1e-5);
    }

  ck_assert_msg (gain[0] > 1.2, "muted colour %g", gain[0]);
  ck_assert_msg (gain[0] > gain[1] + 0.1, "muted %g, vivid %g", gain[0], gain[1]);
  ck_assert_msg (gain[2] < gain[3] - 0.05, "skin %g, teal %g", gain[2], gain[3]);
  ck_assert (gain[2] >= 1.0);
}
END_TEST

static void
fill_grey (int x, int y, int width, int height, float *p)
{
  p[0] = p[1] = p[2] = 0.18f;
  p[3] = 1.0f;
}

START_TEST (test_temperature_tint)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (8, 8, fill_grey);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();

  for (int t = -100; t <= 100; t += 50)
    {
      g_autoptr(OtticaPipeline) pipeline = NULL;
      g_autofree float *out = NULL;
      GeglRectangle extent;

      edit->temperature = t;
      pipeline = pipeline_with (source, edit);
      out = render_working (pipeline, &extent);
      /* Luminance kept, warmth as the R/B ratio. */
      ck_assert_msg (fabs (luminance (out) - 0.18) < 1e-4, "Y %g at %d", luminance (out), t);
      if (t > 0)
        ck_assert_msg (out[0] / out[2] > 1.0 + t / 1000.0, "R/B %g at %d", out[0] / out[2], t);
      else if (t < 0)
        ck_assert_msg (out[0] / out[2] < 1.0 + t / 1000.0, "R/B %g at %d", out[0] / out[2], t);
    }

  {
    g_autoptr(OtticaPipeline) pipeline = NULL;
    g_autofree float *out = NULL;
    GeglRectangle extent;

    /* Tint towards magenta: less green than red and blue. */
    edit->temperature = 0.0;
    edit->tint = 60.0;
    pipeline = pipeline_with (source, edit);
    out = render_working (pipeline, &extent);
    ck_assert (fabs (luminance (out) - 0.18) < 1e-4);
    ck_assert (out[1] < out[0] - 0.005 && out[1] < out[2] - 0.005);
  }
}
END_TEST

/* ---- vignette --------------------------------------------------------- */

START_TEST (test_vignette)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (400, 300, fill_grey);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  GeglRectangle extent;

  for (int sign = -1; sign <= 1; sign += 2)
    {
      g_autoptr(OtticaPipeline) pipeline = NULL;
      g_autofree float *out = NULL;
      int corners[4][2] = { { 0, 0 }, { 399, 0 }, { 0, 299 }, { 399, 299 } };
      const float *centre;

      edit->vignette = 100.0 * sign;
      pipeline = pipeline_with (source, edit);
      out = render_working (pipeline, &extent);

      centre = out + (150 * 400 + 200) * 4;
      ck_assert_msg (fabs (log2 (centre[1] / 0.18)) < 0.01, "centre %g EV", log2 (centre[1] / 0.18));
      for (int i = 0; i < 4; i++)
        {
          const float *p = out + (corners[i][1] * 400 + corners[i][0]) * 4;
          double ev = log2 (p[1] / 0.18);

          ck_assert_msg (fabs (ev - 2.0 * sign) < 0.1, "corner %d: %g EV", i, ev);
          ck_assert (fabsf (p[0] - p[2]) < 1e-6f);
        }
      /* Smooth: brightness changes steadily from the centre out. */
      for (int x = 201; x < 400; x++)
        {
          float a = out[(150 * 400 + x - 1) * 4], b = out[(150 * 400 + x) * 4];

          ck_assert (sign < 0 ? b <= a + 1e-7f : b >= a - 1e-7f);
        }
    }
}
END_TEST

/* The op renders at a lower level the same vignette, seen smaller. */
START_TEST (test_vignette_level)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (512, 256, fill_grey);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) pipeline = NULL;
  GeglRectangle half = { 0, 0, 256, 128 };
  g_autofree float *level1 = g_new0 (float, 256 * 128 * 4);
  g_autofree float *full = NULL;
  GeglRectangle extent;
  double worst = 0.0;

  edit->vignette = -80.0;
  pipeline = pipeline_with (source, edit);
  full = render_working (pipeline, &extent);

  g_object_set (gegl_config (), "mipmap-rendering", TRUE, NULL);
  gegl_node_blit (ottica_pipeline_get_output (pipeline), 0.5, &half, working_format (), level1,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  for (int y = 0; y < 128; y++)
    for (int x = 0; x < 256; x++)
      {
        double mean = 0.0;

        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++)
            mean += full[((2 * y + dy) * 512 + 2 * x + dx) * 4 + 1] / 4.0;
        worst = MAX (worst, fabs (log2 (level1[(y * 256 + x) * 4 + 1] / mean)));
      }
  ck_assert_msg (worst < 0.02, "level 1 differs by %g EV", worst);
}
END_TEST

/* ---- preview against export ------------------------------------------ */

START_TEST (test_preview_matches_export)
{
  g_autoptr(GeglBuffer) full = load_photo ();
  g_autoptr(GeglBuffer) proxy = half_size (full);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) big = NULL;
  g_autoptr(OtticaPipeline) small = NULL;
  g_autoptr(GeglBuffer) rendered = NULL;
  g_autoptr(GeglBuffer) rendered_half = NULL;
  g_autofree float *lab_export = NULL;
  g_autofree float *lab_preview = NULL;
  GeglRectangle big_box, small_box, common;
  double total = 0.0;

  edit->exposure = 0.3;
  edit->contrast = 25.0;
  edit->highlights = -30.0;
  edit->shadows = 20.0;
  edit->temperature = 15.0;
  edit->saturation = 20.0;
  edit->vibrance = 15.0;
  edit->vignette = -50.0;
  edit->sharpening = 40.0;
  edit->straighten = 3.0;
  edit->crop_x = 0.1;
  edit->crop_y = 0.05;
  edit->crop_width = 0.8;
  edit->crop_height = 0.85;

  big = ottica_pipeline_new (full, 1.0);
  ottica_pipeline_set_edit (big, edit);
  small = ottica_pipeline_new (proxy, 0.5);
  ottica_pipeline_set_edit (small, edit);

  big_box = gegl_node_get_bounding_box (ottica_pipeline_get_output (big));
  small_box = gegl_node_get_bounding_box (ottica_pipeline_get_output (small));
  ck_assert_int_le (abs (big_box.width / 2 - small_box.width), 2);
  ck_assert_int_le (abs (big_box.height / 2 - small_box.height), 2);

  /* The export, scaled down by the same box filter as the proxy. */
  rendered = gegl_buffer_new (&big_box, working_format ());
  gegl_node_blit_buffer (ottica_pipeline_get_output (big), rendered, &big_box, 0, GEGL_ABYSS_NONE);
  rendered_half = half_size (rendered);

  common.x = common.y = 0;
  common.width = MIN (small_box.width, big_box.width / 2);
  common.height = MIN (small_box.height, big_box.height / 2);
  lab_export = ottica_test_buffer_lab (rendered_half, &common);
  lab_preview = ottica_test_render_lab (ottica_pipeline_get_output (small), &common);
  for (int i = 0; i < common.width * common.height; i++)
    total += ottica_test_delta_e (lab_export + i * 4, lab_preview + i * 4);
  ck_assert_msg (total / (common.width * common.height) < 2.0, "mean ΔE %g",
                 total / (common.width * common.height));
}
END_TEST

/* ---- geometry --------------------------------------------------------- */

#define GW 37
#define GH 23

static int
index_at (const guint16 *pixels, int width, int x, int y)
{
  const guint16 *p = pixels + ((gsize) y * width + x) * 4;

  return (p[0] / 256) + (p[1] / 256) * 256;
}

/* Where source pixel (x, y) of a GW × GH photo lands. */
typedef void (*MapFunc) (int x, int y, int *dx, int *dy);

static void map_r90 (int x, int y, int *dx, int *dy) { *dx = GH - 1 - y; *dy = x; }
static void map_r180 (int x, int y, int *dx, int *dy) { *dx = GW - 1 - x; *dy = GH - 1 - y; }
static void map_r270 (int x, int y, int *dx, int *dy) { *dx = y; *dy = GW - 1 - x; }
static void map_fh (int x, int y, int *dx, int *dy) { *dx = GW - 1 - x; *dy = y; }
static void map_fv (int x, int y, int *dx, int *dy) { *dx = x; *dy = GH - 1 - y; }
/* Turned, then mirrored as seen: a transpose. */
static void map_r90_fh (int x, int y, int *dx, int *dy) { *dx = y; *dy = x; }

START_TEST (test_turns_and_flips)
{
  static const struct
  {
    int rotation;
    gboolean flip_h, flip_v;
    MapFunc map;
  } cases[] = {
    { 90, FALSE, FALSE, map_r90 },
    { 180, FALSE, FALSE, map_r180 },
    { 270, FALSE, FALSE, map_r270 },
    { 0, TRUE, FALSE, map_fh },
    { 0, FALSE, TRUE, map_fv },
    { 90, TRUE, FALSE, map_r90_fh },
  };
  g_autoptr(GeglBuffer) source = make_index_buffer (GW, GH);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OtticaEdit) edit = ottica_edit_new ();
      g_autoptr(OtticaPipeline) pipeline = NULL;
      g_autofree guint16 *out = NULL;
      GeglRectangle box;
      gboolean turned = cases[i].rotation % 180 != 0;

      edit->rotation = cases[i].rotation;
      edit->flip_horizontal = cases[i].flip_h;
      edit->flip_vertical = cases[i].flip_v;
      pipeline = pipeline_with (source, edit);
      box = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
      ck_assert_int_eq (box.x, 0);
      ck_assert_int_eq (box.y, 0);
      ck_assert_int_eq (box.width, turned ? GH : GW);
      ck_assert_int_eq (box.height, turned ? GW : GH);

      out = g_new0 (guint16, (gsize) box.width * box.height * 4);
      gegl_node_blit (ottica_pipeline_get_output (pipeline), 1.0, &box, babl_format ("RGBA u16"),
                      out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
          {
            int dx, dy;

            cases[i].map (x, y, &dx, &dy);
            ck_assert_msg (index_at (out, box.width, dx, dy) == x + y * GW,
                           "case %zu: (%d,%d) should be at (%d,%d)", i, x, y, dx, dy);
          }
    }
}
END_TEST

START_TEST (test_crop)
{
  g_autoptr(GeglBuffer) source = make_index_buffer (200, 100);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autofree guint16 *out = NULL;
  GeglRectangle box;

  edit->crop_x = 0.25;
  edit->crop_y = 0.1;
  edit->crop_width = 0.5;
  edit->crop_height = 0.6;
  pipeline = pipeline_with (source, edit);
  box = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
  ck_assert_int_eq (box.x, 0);
  ck_assert_int_eq (box.y, 0);
  ck_assert_int_eq (box.width, 100);
  ck_assert_int_eq (box.height, 60);
  out = g_new0 (guint16, 100 * 60 * 4);
  gegl_node_blit (ottica_pipeline_get_output (pipeline), 1.0, &box, babl_format ("RGBA u16"),
                  out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert_int_eq (index_at (out, 100, 0, 0), 50 + 10 * 200);
  ck_assert_int_eq (index_at (out, 100, 99, 59), 149 + 69 * 200);

  /* The crop is of the turned photo (100 × 200 after a quarter turn). */
  edit->rotation = 90;
  ottica_pipeline_set_edit (pipeline, edit);
  box = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
  ck_assert_int_eq (box.width, 50);
  ck_assert_int_eq (box.height, 120);
  gegl_node_blit (ottica_pipeline_get_output (pipeline), 1.0, &box, babl_format ("RGBA u16"),
                  out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  /* Output (0,0) is turned-photo (25, 20), which was source (20, 99 - 25). */
  ck_assert_int_eq (index_at (out, 50, 0, 0), 20 + (99 - 25) * 200);
}
END_TEST

START_TEST (test_straighten)
{
  g_autoptr(GeglBuffer) source = make_ramp_u8 (300, 200);

  for (int sign = -1; sign <= 1; sign += 2)
    {
      g_autoptr(OtticaEdit) edit = ottica_edit_new ();
      g_autoptr(OtticaPipeline) pipeline = NULL;
      g_autofree float *out = NULL;
      GeglRectangle box;
      double theta = 10.0 * G_PI / 180.0;
      double k = MIN (300.0 / (300.0 * cos (theta) + 200.0 * sin (theta)),
                      200.0 / (300.0 * sin (theta) + 200.0 * cos (theta)));

      edit->straighten = 10.0 * sign;
      pipeline = pipeline_with (source, edit);
      box = gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
      /* The largest rectangle of the photo's shape inside the turned photo. */
      ck_assert_int_eq (box.x, 0);
      ck_assert_int_eq (box.y, 0);
      ck_assert_msg (abs (box.width - (int) round (300 * k)) <= 5, "width %d, k %g", box.width, k);
      ck_assert_msg (abs (box.height - (int) round (200 * k)) <= 5, "height %d", box.height);
      ck_assert (box.width < 300 && box.height < 200);

      out = ottica_test_render_rgba (ottica_pipeline_get_output (pipeline), &box, "sRGB");
      for (int i = 0; i < box.width * box.height; i++)
        ck_assert_msg (out[i * 4 + 3] > 0.999f, "transparent pixel (%d,%d): alpha %g",
                       i % box.width, i / box.width, out[i * 4 + 3]);
    }
}
END_TEST

/* ---- the graph -------------------------------------------------------- */

START_TEST (test_never_rebuilds)
{
  g_autoptr(GeglBuffer) source = make_ramp_u8 (120, 80);
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  GeglNode *output = ottica_pipeline_get_output (pipeline);
  GeglNode *graph = ottica_pipeline_get_graph (pipeline);
  GSList *children = gegl_node_get_children (graph);
  GeglNode *producer = gegl_node_get_producer (output, "input", NULL);
  GeglRectangle box = { 0, 0, 40, 40 };
  g_autofree guint8 *pixels = NULL;

  for (int step = 0; step < 8; step++)
    {
      GSList *now;

      switch (step)
        {
        case 0: edit->exposure = 1.0; break;
        case 1: edit->sharpening = 50.0; break;
        case 2: edit->rotation = 90; break;
        case 3: edit->straighten = -4.0; break;
        case 4: edit->crop_width = 0.5; break;
        case 5: edit->vignette = -30.0; edit->saturation = 10.0; break;
        case 6: ottica_edit_set_look (edit, "documentary"); break;
        default: ottica_edit_reset (edit); break;
        }
      ottica_pipeline_set_edit (pipeline, edit);
      g_free (pixels);
      pixels = render_u8 (ottica_pipeline_get_output (pipeline), &box);

      ck_assert_ptr_eq (ottica_pipeline_get_output (pipeline), output);
      ck_assert_ptr_eq (ottica_pipeline_get_graph (pipeline), graph);
      ck_assert_ptr_eq (gegl_node_get_producer (output, "input", NULL), producer);
      now = gegl_node_get_children (graph);
      ck_assert_uint_eq (g_slist_length (now), g_slist_length (children));
      for (GSList *a = now, *b = children; a && b; a = a->next, b = b->next)
        ck_assert_ptr_eq (a->data, b->data);
      g_slist_free (now);
      ck_assert (ottica_edit_equal (ottica_pipeline_get_edit (pipeline), edit));
    }
  g_slist_free (children);
}
END_TEST

START_TEST (test_sharpening)
{
  g_autoptr(GeglBuffer) source = load_photo ();
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  GeglRectangle rect = { 600, 400, 256, 256 };
  g_autofree guint8 *before = render_u8 (ottica_pipeline_get_output (pipeline), &rect);
  g_autofree guint8 *after = NULL;
  double spread_before = 0.0, spread_after = 0.0;

  edit->sharpening = 60.0;
  ottica_pipeline_set_edit (pipeline, edit);
  after = render_u8 (ottica_pipeline_get_output (pipeline), &rect);
  /* Sharper: neighbouring pixels differ more. */
  for (int y = 0; y < rect.height; y++)
    for (int x = 1; x < rect.width; x++)
      {
        gsize i = ((gsize) y * rect.width + x) * 4 + 1;

        spread_before += abs (before[i] - before[i - 4]);
        spread_after += abs (after[i] - after[i - 4]);
      }
  ck_assert_msg (spread_after > spread_before * 1.1, "%g → %g", spread_before, spread_after);
}
END_TEST

/* ---- the develop op on its own ---------------------------------------- */

static void
fill_noise (int x, int y, int width, int height, float *p)
{
  guint32 h = (guint32) (x * 73856093) ^ (guint32) (y * 19349663);

  for (int c = 0; c < 3; c++)
    {
      h = h * 1103515245u + 12345u;
      p[c] = (float) ((h >> 8) & 0xffff) / 65535.0f * 1.2f;
    }
  p[3] = 0.5f + (x % 2) * 0.5f;
}

static GeglNode *
develop_graph (GeglNode *graph, GeglBuffer *source)
{
  GeglNode *in = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", source, NULL);
  GeglNode *develop = gegl_node_new_child (graph, "operation", "ottica:develop", NULL);

  gegl_node_link (in, develop);
  return develop;
}

START_TEST (test_develop_identity)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (150, 90, fill_noise);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *develop = develop_graph (graph, source);
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  g_autofree float *in = g_new (float, 150 * 90 * 4);
  g_autofree float *out = ottica_test_render_rgba (develop, extent, "Rec2020");

  gegl_buffer_get (source, extent, 1.0, working_format (), in, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  ck_assert (memcmp (in, out, sizeof (float) * 150 * 90 * 4) == 0);

  /* Its properties mirror the edit's, with the same ranges. */
  for (const OtticaEditParam *p = ottica_edit_params (); p->key; p++)
    {
      GParamSpec *spec = gegl_operation_find_property ("ottica:develop", p->key);
      gboolean expected = g_str_equal (p->group, "Light") || g_str_equal (p->group, "Color")
                          || g_str_equal (p->group, "Effects");

      ck_assert_msg ((spec != NULL) == expected, "%s", p->key);
      if (spec != NULL)
        {
          GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (spec);

          ck_assert (d->minimum == p->min && d->maximum == p->max && d->default_value == p->neutral);
        }
    }
  ck_assert_str_eq (gegl_operation_get_key ("ottica:develop", "position-dependent"), "true");
}
END_TEST

START_TEST (test_develop_deterministic)
{
  g_autoptr(GeglBuffer) source = make_float_buffer (300, 170, fill_noise);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *develop = develop_graph (graph, source);
  GeglRectangle whole = { 0, 0, 300, 170 };
  GeglRectangle parts[3] = { { 0, 0, 300, 61 }, { 0, 61, 123, 109 }, { 123, 61, 177, 109 } };
  g_autofree float *a = NULL;
  g_autofree float *b = NULL;
  g_autofree float *tiled = g_new0 (float, 300 * 170 * 4);
  g_autoptr(GeglNode) graph2 = gegl_node_new ();
  GeglNode *develop2 = develop_graph (graph2, source);

  gegl_node_set (develop, "exposure", 0.7, "temperature", 30.0, "tint", -20.0, "contrast", 40.0,
                 "highlights", -50.0, "shadows", 40.0, "whites", 10.0, "blacks", -10.0,
                 "saturation", 25.0, "vibrance", 30.0, "vignette", -60.0, NULL);
  gegl_node_set (develop2, "exposure", 0.7, "temperature", 30.0, "tint", -20.0, "contrast", 40.0,
                 "highlights", -50.0, "shadows", 40.0, "whites", 10.0, "blacks", -10.0,
                 "saturation", 25.0, "vibrance", 30.0, "vignette", -60.0, NULL);
  a = ottica_test_render_rgba (develop, &whole, "Rec2020");
  b = ottica_test_render_rgba (develop2, &whole, "Rec2020");
  ck_assert (memcmp (a, b, sizeof (float) * 300 * 170 * 4) == 0);

  /* Rendered in pieces, by a fresh node: the same pixels (the vignette
   * follows the photo, not the piece). */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GeglNode) g = gegl_node_new ();
      GeglNode *d = develop_graph (g, source);
      g_autofree float *part = NULL;

      gegl_node_set (d, "exposure", 0.7, "temperature", 30.0, "tint", -20.0, "contrast", 40.0,
                     "highlights", -50.0, "shadows", 40.0, "whites", 10.0, "blacks", -10.0,
                     "saturation", 25.0, "vibrance", 30.0, "vignette", -60.0, NULL);
      part = ottica_test_render_rgba (d, &parts[i], "Rec2020");
      for (int y = 0; y < parts[i].height; y++)
        memcpy (tiled + ((gsize) (parts[i].y + y) * 300 + parts[i].x) * 4,
                part + (gsize) y * parts[i].width * 4, sizeof (float) * parts[i].width * 4);
    }
  ck_assert (memcmp (a, tiled, sizeof (float) * 300 * 170 * 4) == 0);

  /* Alpha is left alone; nothing became NaN. */
  for (int i = 0; i < 300 * 170; i++)
    {
      ck_assert (a[i * 4 + 3] == 0.5f + (i % 300 % 2) * 0.5f);
      ck_assert (isfinite (a[i * 4]) && isfinite (a[i * 4 + 1]) && isfinite (a[i * 4 + 2]));
    }
}
END_TEST


/* ---- looks ------------------------------------------------------------ */

/* "documentary" where it exists, else the first built-in colour look. */
static const char *
some_look_id (void)
{
  GPtrArray *looks = ottica_look_library_list (NULL);

  ck_assert_uint_gt (looks->len, 0);
  if (ottica_look_library_find ("documentary") != NULL)
    return "documentary";
  for (guint i = 0; i < looks->len; i++)
    if (ottica_look_is_builtin (looks->pdata[i])
        && ottica_look_get_kind (looks->pdata[i]) == OTTICA_LOOK_KIND_COLOR)
      return ottica_look_get_id (looks->pdata[i]);
  return ottica_look_get_id (looks->pdata[0]);
}

static double
mean_delta_e (GeglNode *a, GeglNode *b, const GeglRectangle *rect)
{
  g_autofree float *lab_a = ottica_test_render_lab (a, rect);
  g_autofree float *lab_b = ottica_test_render_lab (b, rect);
  gsize n = (gsize) rect->width * rect->height;
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += ottica_test_delta_e (lab_a + i * 4, lab_b + i * 4);
  return sum / n;
}

START_TEST (test_look_applies)
{
  g_autoptr(GeglBuffer) photo = load_photo ();
  g_autoptr(GeglBuffer) source = half_size (photo);
  g_autoptr(OtticaPipeline) plain = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaPipeline) looked = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  g_autofree guint8 *expected = render_u8 (ottica_pipeline_get_output (plain), extent);
  g_autofree guint8 *got = NULL;
  gsize n = (gsize) extent->width * extent->height * 4;
  double delta;

  ottica_edit_set_look (edit, some_look_id ());
  edit->look_amount = 1.0;
  ottica_pipeline_set_edit (looked, edit);
  delta = mean_delta_e (ottica_pipeline_get_output (plain), ottica_pipeline_get_output (looked),
                        extent);
  ck_assert_msg (delta > 3.0, "look %s: mean ΔE %.2f from no look", edit->look_id, delta);

  /* Amount 0 is the photo, as is going back to no look. */
  edit->look_amount = 0.0;
  ottica_pipeline_set_edit (looked, edit);
  got = render_u8 (ottica_pipeline_get_output (looked), extent);
  ck_assert_int_le (max_difference_u8 (expected, got, n), 1);

  edit->look_amount = 0.5;
  ottica_pipeline_set_edit (looked, edit);
  delta = mean_delta_e (ottica_pipeline_get_output (plain), ottica_pipeline_get_output (looked),
                        extent);
  ck_assert_msg (delta > 1.0, "half a look: mean ΔE %.2f", delta);

  ottica_edit_set_look (edit, NULL);
  ottica_pipeline_set_edit (looked, edit);
  g_free (got);
  got = render_u8 (ottica_pipeline_get_output (looked), extent);
  ck_assert_int_le (max_difference_u8 (expected, got, n), 1);
}
END_TEST

/* A look on an 8-bit photo reads its pixels from develop's own exact
 * linearisation, the same as develop then the look by hand: not from a
 * conversion babl makes on its own, whose path it picks by timing (an
 * export with a look then differed from run to run). */
START_TEST (test_look_reads_develop_linearisation)
{
  g_autoptr(GeglBuffer) source = make_ramp_u8 (257, 64);
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  g_autofree float *got = NULL;
  g_autofree float *expected = NULL;
  GeglNode *input, *develop, *look;

  ottica_edit_set_look (edit, "documentary");
  edit->look_amount = 1.0;
  ottica_pipeline_set_edit (pipeline, edit);
  got = ottica_test_render_rgba (ottica_pipeline_get_output (pipeline), extent, "Rec2020");

  input = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", source, NULL);
  develop = gegl_node_new_child (graph, "operation", "ottica:develop", NULL);
  look = gegl_node_new_child (graph, "operation", "ottica:look",
                              "look-id", "documentary", "amount", 1.0, NULL);
  gegl_node_link_many (input, develop, look, NULL);
  expected = ottica_test_render_rgba (look, extent, "Rec2020");

  ck_assert_mem_eq (got, expected, sizeof (float) * 4 * extent->width * extent->height);
}
END_TEST

/* A straightened 8-bit photo is linearised by ottica:develop's exact
 * tables before gegl:transform resamples it, and develop divides alpha
 * out after, so babl converts nothing by a path it picks by timing (such
 * an export differed from run to run): with a look or none, its render
 * is the same, bit for bit, as that of the photo given already linear. */
START_TEST (test_straighten_reads_develop_linearisation)
{
  g_autoptr(GeglBuffer) source = make_ramp_u8 (257, 96);
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  g_autoptr(GeglBuffer) linear = gegl_buffer_new (extent, working_format ());
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *input = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                         "buffer", source, NULL);
  GeglNode *develop = gegl_node_new_child (graph, "operation", "ottica:develop", NULL);
  GeglNode *write = gegl_node_new_child (graph, "operation", "gegl:write-buffer",
                                         "buffer", linear, NULL);
  const char *const looks[] = { "", "documentary" };

  gegl_node_link_many (input, develop, write, NULL);
  gegl_node_process (write);

  for (gsize i = 0; i < G_N_ELEMENTS (looks); i++)
    {
      g_autoptr(OtticaPipeline) from_u8 = ottica_pipeline_new (source, 1.0);
      g_autoptr(OtticaPipeline) from_linear = ottica_pipeline_new (linear, 1.0);
      g_autoptr(OtticaEdit) edit = ottica_edit_new ();
      GeglRectangle box, other;
      g_autofree float *got = NULL;
      g_autofree float *expected = NULL;

      edit->straighten = 3.0;
      ottica_edit_set_look (edit, looks[i]);
      edit->look_amount = 1.0;
      ottica_pipeline_set_edit (from_u8, edit);
      ottica_pipeline_set_edit (from_linear, edit);
      box = gegl_node_get_bounding_box (ottica_pipeline_get_output (from_u8));
      other = gegl_node_get_bounding_box (ottica_pipeline_get_output (from_linear));
      ck_assert (gegl_rectangle_equal (&box, &other));
      got = ottica_test_render_rgba (ottica_pipeline_get_output (from_u8), &box, "Rec2020");
      expected = ottica_test_render_rgba (ottica_pipeline_get_output (from_linear), &box, "Rec2020");
      ck_assert_msg (memcmp (got, expected, sizeof (float) * 4 * box.width * box.height) == 0,
                     "look \"%s\": a straightened 8-bit photo is linearised otherwise", looks[i]);

      /* What the exporter reads is straight, never left to babl to divide. */
      {
        GeglBuffer *result = NULL;
        GeglNode *sink = gegl_node_new_child (ottica_pipeline_get_graph (from_u8),
                                              "operation", "gegl:buffer-sink",
                                              "buffer", &result, NULL);

        gegl_node_link (ottica_pipeline_get_output (from_u8), sink);
        gegl_node_process (sink);
        ck_assert_ptr_nonnull (result);
        ck_assert_msg (!(babl_get_model_flags (gegl_buffer_get_format (result))
                         & BABL_MODEL_FLAG_ASSOCIATED),
                       "look \"%s\": a straightened photo comes out premultiplied (%s)", looks[i],
                       babl_get_name (gegl_buffer_get_format (result)));
        g_object_unref (result);
        gegl_node_remove_child (ottica_pipeline_get_graph (from_u8), sink);
      }
    }
}
END_TEST

static GeglNode *
find_child (GeglNode *graph, const char *operation)
{
  GSList *children = gegl_node_get_children (graph);
  GeglNode *found = NULL;

  for (GSList *l = children; l && !found; l = l->next)
    if (g_strcmp0 (gegl_node_get_operation (l->data), operation) == 0)
      found = l->data;
  g_slist_free (children);
  return found;
}

START_TEST (test_look_never_rebuilds)
{
  g_autoptr(GeglBuffer) source = make_ramp_u8 (96, 64);
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  GeglNode *graph = ottica_pipeline_get_graph (pipeline);
  GeglNode *look = find_child (graph, "ottica:look");
  GSList *children = gegl_node_get_children (graph);
  GPtrArray *looks = ottica_look_library_list (NULL);
  GeglRectangle box = { 0, 0, 96, 64 };
  g_autofree guint8 *before = render_u8 (ottica_pipeline_get_output (pipeline), &box);
  g_autofree guint8 *last = NULL;
  gboolean changed = FALSE;

  ck_assert_ptr_nonnull (look);
  for (guint i = 0; i < MIN (looks->len, 4u); i++)
    for (int k = 1; k <= 2; k++)
      {
        GSList *now;
        char *id = NULL;
        double amount = 0.0;

        ottica_edit_set_look (edit, ottica_look_get_id (looks->pdata[i]));
        edit->look_amount = k / 2.0;
        ottica_pipeline_set_edit (pipeline, edit);
        g_free (last);
        last = render_u8 (ottica_pipeline_get_output (pipeline), &box);
        if (max_difference_u8 (before, last, (gsize) box.width * box.height * 4) > 2)
          changed = TRUE;

        ck_assert_ptr_eq (find_child (graph, "ottica:look"), look);
        gegl_node_get (look, "look-id", &id, "amount", &amount, NULL);
        ck_assert_str_eq (id, ottica_look_get_id (looks->pdata[i]));
        ck_assert_double_eq_tol (amount, k / 2.0, 1e-9);
        g_free (id);
        now = gegl_node_get_children (graph);
        ck_assert_uint_eq (g_slist_length (now), g_slist_length (children));
        for (GSList *a = now, *b = children; a && b; a = a->next, b = b->next)
          ck_assert_ptr_eq (a->data, b->data);
        g_slist_free (now);
      }
  ck_assert (changed);
  g_slist_free (children);
}
END_TEST

START_TEST (test_look_unknown)
{
  g_autoptr(GeglBuffer) photo = load_photo ();
  g_autoptr(GeglBuffer) source = half_size (photo);
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  g_autofree guint8 *expected = buffer_u8 (source);
  g_autofree guint8 *got = NULL;

  ottica_edit_set_look (edit, "no-such-look-anywhere");
  edit->look_amount = 1.0;
  ottica_pipeline_set_edit (pipeline, edit);
  got = render_u8 (ottica_pipeline_get_output (pipeline), extent);
  ck_assert_int_le (max_difference_u8 (expected, got, (gsize) extent->width * extent->height * 4), 1);

  /* A real look after it still works. */
  ottica_edit_set_look (edit, some_look_id ());
  ottica_pipeline_set_edit (pipeline, edit);
  g_free (got);
  got = render_u8 (ottica_pipeline_get_output (pipeline), extent);
  ck_assert_int_gt (max_difference_u8 (expected, got, (gsize) extent->width * extent->height * 4), 8);
}
END_TEST

/* ---- RAW baseline ----------------------------------------------------- */

static double
mean_lightness (GeglNode *node)
{
  GeglRectangle box = gegl_node_get_bounding_box (node);
  g_autofree float *lab = ottica_test_render_lab (node, &box);
  gsize n = (gsize) box.width * box.height;
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    sum += lab[i * 4];
  return sum / n;
}

static OtticaImage *
load_cr2_preview (void)
{
  const char *path = ottica_test_canon_cr2 ();
  OtticaLoadOptions options = { .max_size = 640 };
  g_autoptr(GError) error = NULL;
  OtticaImage *image;

  if (path == NULL)
    return NULL;
  image = ottica_image_load (path, &options, NULL, &error);
  ck_assert_msg (image != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_RAW);
  return image;
}

START_TEST (test_raw_baseline_cr2)
{
  g_autoptr(OtticaImage) image = load_cr2_preview ();
  g_autoptr(OtticaPipeline) plain = NULL;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  double linear, baseline, brighter, exposure = 0.0;

  if (image == NULL)
    {
      ottica_test_skip ("the Canon CR2 (rawtran-doc) is not installed");
      return;
    }
  plain = ottica_pipeline_new (image->buffer, image->scale);
  pipeline = ottica_pipeline_new_for_image (image);
  ck_assert (!ottica_pipeline_get_raw_baseline (plain, NULL));
  ck_assert (ottica_pipeline_get_raw_baseline (pipeline, &exposure));
  /* No BaselineExposure tag in a CR2: the default. */
  ck_assert_double_eq_tol (exposure, ottica_pipeline_raw_baseline_exposure (NULL), 1e-9);
  ck_assert_double_gt (exposure, 0.5);

  /* Linear as decoded it is dark (mean L* about 26); with the baseline it
   * lands where darktable's default (L* 35) and dcraw -w (L* 50) do. */
  linear = mean_lightness (ottica_pipeline_get_output (plain));
  baseline = mean_lightness (ottica_pipeline_get_output (pipeline));
  ck_assert_msg (baseline > 33.0 && baseline < 60.0, "mean L* %.1f", baseline);
  ck_assert_msg (baseline > linear + 6.0, "baseline L* %.1f, linear %.1f", baseline, linear);

  /* "Before" (a neutral edit) keeps the baseline; the user's exposure
   * still brightens. */
  ottica_pipeline_set_edit (pipeline, edit);
  ck_assert_double_eq_tol (mean_lightness (ottica_pipeline_get_output (pipeline)), baseline, 0.01);
  edit->exposure = 1.0;
  ottica_pipeline_set_edit (pipeline, edit);
  brighter = mean_lightness (ottica_pipeline_get_output (pipeline));
  ck_assert_msg (brighter > baseline + 5.0, "exposure +1: L* %.1f from %.1f", brighter, baseline);
}
END_TEST

START_TEST (test_raw_baseline_not_for_jpeg)
{
  g_autofree char *path = ottica_test_bundled_photo ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaImage) image = ottica_image_load (path, NULL, NULL, &error);
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  const GeglRectangle *extent;
  g_autofree guint8 *expected = NULL;
  g_autofree guint8 *got = NULL;

  ck_assert_msg (image != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_JPEG);
  pipeline = ottica_pipeline_new_for_image (image);
  ck_assert (!ottica_pipeline_get_raw_baseline (pipeline, NULL));
  ottica_pipeline_set_edit (pipeline, edit);
  extent = gegl_buffer_get_extent (image->buffer);
  expected = buffer_u8 (image->buffer);
  got = render_u8 (ottica_pipeline_get_output (pipeline), extent);
  ck_assert_int_le (max_difference_u8 (expected, got, (gsize) extent->width * extent->height * 4), 1);
}
END_TEST

#define RAMP_MAX 4.0

static void
fill_grey_ramp (int x, int y, int width, int height, float *p)
{
  p[0] = p[1] = p[2] = (float) (RAMP_MAX * x / (width - 1));
  p[3] = 1.0f;
}

/* The output of the ramp at scene value @v. */
static double
ramp_at (const float *pixels, int width, double v)
{
  return pixels[(int) round (v / RAMP_MAX * (width - 1)) * 4 + 1];
}

START_TEST (test_raw_baseline_rolls_off)
{
  const int width = 4097;
  g_autoptr(GeglBuffer) source = make_float_buffer (width, 1, fill_grey_ramp);
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (source, 1.0);
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  double exposure = ottica_pipeline_raw_baseline_exposure (NULL);
  g_autofree float *out = NULL;
  GeglRectangle box;
  double at_white, at_2, at_4;

  ottica_pipeline_set_raw_baseline (pipeline, TRUE, exposure);
  out = render_working (pipeline, &box);
  ck_assert_int_eq (box.width, width);
  for (int x = 1; x < width; x++)
    {
      ck_assert_msg (out[x * 4 + 1] >= out[(x - 1) * 4 + 1], "not monotone at %d", x);
      ck_assert_msg (out[x * 4 + 1] <= 1.0f, "above white at %d: %g", x, out[x * 4 + 1]);
      ck_assert (out[x * 4] == out[x * 4 + 1] && out[x * 4 + 2] == out[x * 4 + 1]);
    }
  /* Mid tones are lifted by about the base exposure. */
  ck_assert_double_gt (ramp_at (out, width, 0.05), 0.05 * exp2 (exposure - 0.5));
  /* Sensor white is light but not white, and the 2 EV above it are kept
   * apart (a linear exposure would clip them all at 1.0). */
  at_white = ramp_at (out, width, 1.0);
  at_2 = ramp_at (out, width, 2.0);
  at_4 = ramp_at (out, width, 4.0);
  ck_assert_msg (at_white > 0.75 && at_white < 0.97, "sensor white at %g", at_white);
  ck_assert_msg (at_2 > at_white + 0.02, "1 EV above white: %g, white %g", at_2, at_white);
  ck_assert_msg (at_4 > at_2 + 0.004 && at_4 < 1.0, "2 EV above white: %g, 1 EV %g", at_4, at_2);

  /* Off again, the ramp passes unchanged. */
  ottica_pipeline_set_raw_baseline (pipeline, FALSE, 0.0);
  g_free (out);
  out = render_working (pipeline, &box);
  ck_assert_double_eq_tol (ramp_at (out, width, 3.0), 3.0, 1e-5);
}
END_TEST

START_TEST (test_raw_baseline_exposure_tag)
{
  g_autofree char *dng = ottica_test_sample ("raw/blackmagic_pocket_cinema_4k.dng");
  g_autofree char *no_tag = ottica_test_sample ("raw/canon_eos_550d_magiclantern_colorchecker.dng");
  double fallback = ottica_pipeline_raw_baseline_exposure (NULL);

  ck_assert_double_eq_tol (ottica_pipeline_raw_baseline_exposure ("/nonexistent/x.dng"), fallback,
                           1e-9);
  if (dng == NULL)
    {
      ottica_test_skip ("samples/raw/blackmagic_pocket_cinema_4k.dng is absent");
      return;
    }
  /* Its BaselineExposure is 265412/100000 EV, meant for cinema grading:
   * kept within a still camera's span (1.5 EV), above the default. */
  ck_assert_double_eq_tol (ottica_pipeline_raw_baseline_exposure (dng), 1.5, 1e-6);
  ck_assert_double_gt (ottica_pipeline_raw_baseline_exposure (dng), fallback);
  /* This one has the tag as 0/0: unusable, so the default. */
  if (no_tag != NULL)
    ck_assert_double_eq_tol (ottica_pipeline_raw_baseline_exposure (no_tag), fallback, 1e-9);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("pipeline");
  TCase *neutral = ottica_test_case ("neutral");
  TCase *develop = ottica_test_case ("develop");
  TCase *geometry = ottica_test_case ("geometry");
  TCase *graph = ottica_test_case ("graph");
  TCase *looks = ottica_test_case ("looks");
  TCase *raw = ottica_test_case ("raw");

  tcase_add_test (neutral, test_neutral_photo);
  tcase_add_test (neutral, test_neutral_ramp);
  suite_add_tcase (suite, neutral);

  tcase_add_test (develop, test_exposure_doubles);
  tcase_add_test (develop, test_contrast);
  tcase_add_test (develop, test_tone_sliders_act_where_they_say);
  tcase_add_test (develop, test_saturation);
  tcase_add_test (develop, test_vibrance);
  tcase_add_test (develop, test_temperature_tint);
  tcase_add_test (develop, test_vignette);
  tcase_add_test (develop, test_vignette_level);
  tcase_add_test (develop, test_develop_identity);
  tcase_add_test (develop, test_develop_deterministic);
  suite_add_tcase (suite, develop);

  tcase_add_test (geometry, test_turns_and_flips);
  tcase_add_test (geometry, test_crop);
  tcase_add_test (geometry, test_straighten);
  suite_add_tcase (suite, geometry);

  tcase_add_test (graph, test_never_rebuilds);
  tcase_add_test (graph, test_sharpening);
  tcase_add_test (graph, test_preview_matches_export);
  suite_add_tcase (suite, graph);

  tcase_add_test (looks, test_look_applies);
  tcase_add_test (looks, test_look_reads_develop_linearisation);
  tcase_add_test (looks, test_straighten_reads_develop_linearisation);
  tcase_add_test (looks, test_look_never_rebuilds);
  tcase_add_test (looks, test_look_unknown);
  suite_add_tcase (suite, looks);

  tcase_add_test (raw, test_raw_baseline_cr2);
  tcase_add_test (raw, test_raw_baseline_not_for_jpeg);
  tcase_add_test (raw, test_raw_baseline_rolls_off);
  tcase_add_test (raw, test_raw_baseline_exposure_tag);
  suite_add_tcase (suite, raw);

  return ottica_test_run ("pipeline", suite);
}
