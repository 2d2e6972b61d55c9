/* test-ops-spatial.c: the neighbourhood look operations (grain, local
 * contrast, glow) on synthetic images: identity, keys and ranges,
 * determinism, seamless tiles, previews at a render level, and the
 * character each one is for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <gegl-paramspecs.h>
#include <gegl-plugin.h>

#include "ottica-test.h"

static const char * const spatial_ops[] = {
  "ottica:grain",
  "ottica:local-contrast",
  "ottica:glow",
  NULL
};

#define LUMA(p) (0.2627 * (p)[0] + 0.6780 * (p)[1] + 0.0593 * (p)[2])

/* ------------------------------------------------------------------ */
/* Images and graphs                                                   */

typedef void (*PixelFunc) (int x, int y, float *rgba);

static const Babl *
working_format (void)
{
  return babl_format_with_space ("RGBA float", babl_space ("Rec2020"));
}

static const Babl *
lab_format (void)
{
  return babl_format ("CIE Lab alpha float");
}

static GeglBuffer *
make_image (int       width,
            int       height,
            PixelFunc fill)
{
  GeglRectangle rect = { 0, 0, width, height };
  GeglBuffer *buffer = gegl_buffer_new (&rect, working_format ());
  g_autofree float *pixels = g_new (float, (gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      fill (x, y, pixels + ((gsize) y * width + x) * 4);
  gegl_buffer_set (buffer, &rect, 0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

/* buffer-source → @op with the given properties; returns the op's node. */
static GeglNode *
apply (GeglNode   *graph,
       GeglBuffer *image,
       const char *op,
       const char *first_property,
       ...)
{
  GeglNode *source, *node;
  va_list   args;

  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", image, NULL);
  node = gegl_node_new_child (graph, "operation", op, NULL);
  va_start (args, first_property);
  if (first_property != NULL)
    gegl_node_set_valist (node, first_property, args);
  va_end (args);
  gegl_node_link (source, node);
  return node;
}

static float *
render (GeglNode *node,
        int       width,
        int       height)
{
  GeglRectangle rect = { 0, 0, width, height };

  return ottica_test_render_rgba (node, &rect, "Rec2020");
}

/* The same area rendered as four quadrants split at an odd point, each
 * with its own gegl_node_blit. */
static float *
render_tiled (GeglNode *node,
              int       width,
              int       height)
{
  float *pixels = g_new0 (float, (gsize) width * height * 4);
  const int xs[] = { 0, width * 2 / 5 + 1, width };
  const int ys[] = { 0, height * 3 / 7 + 1, height };

  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        GeglRectangle quadrant = { xs[i], ys[j], xs[i + 1] - xs[i], ys[j + 1] - ys[j] };

        gegl_node_blit (node, 1.0, &quadrant, working_format (),
                        pixels + ((gsize) ys[j] * width + xs[i]) * 4,
                        width * 4 * sizeof (float), GEGL_BLIT_DEFAULT);
      }
  return pixels;
}

/* The full-resolution render of @node scaled down to 25 % as a viewer
 * would (GEGL's box mipmap), in Lab. */
static float *
render_scaled_down (GeglNode *node,
                    int       width,
                    int       height)
{
  GeglRectangle full = { 0, 0, width, height };
  GeglRectangle small = { 0, 0, width / 4, height / 4 };
  g_autoptr(GeglBuffer) rendered = gegl_buffer_new (&full, working_format ());
  g_autofree float *pixels = render (node, width, height);
  float *scaled = g_new0 (float, (gsize) small.width * small.height * 4);

  gegl_buffer_set (rendered, &full, 0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE);
  gegl_buffer_get (rendered, &small, 0.25, lab_format (), scaled, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  return scaled;
}

/* @node rendered at render level 2 (GEGL's mipmap path, as a preview at
 * 25 % is), and the full-resolution render scaled down to 25 %, both in
 * Lab. */
static void
render_preview_and_scaled (GeglNode *node,
                           int       width,
                           int       height,
                           float   **preview,
                           float   **scaled)
{
  GeglRectangle small = { 0, 0, width / 4, height / 4 };

  g_object_set (gegl_config (), "mipmap-rendering", TRUE, NULL);
  *preview = g_new0 (float, (gsize) small.width * small.height * 4);
  gegl_node_blit (node, 0.25, &small, lab_format (), *preview, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  g_object_set (gegl_config (), "mipmap-rendering", FALSE, NULL);

  *scaled = render_scaled_down (node, width, height);
}

/* Box blur of the L, a, b planes, radius @r, edges clamped. */
static float *
blur_lab (const float *lab,
          int          width,
          int          height,
          int          r)
{
  float *out = g_new0 (float, (gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double sum[3] = { 0, 0, 0 };
        int n = 0;

        for (int dy = -r; dy <= r; dy++)
          for (int dx = -r; dx <= r; dx++)
            {
              const float *p = lab + ((gsize) CLAMP (y + dy, 0, height - 1) * width +
                                      CLAMP (x + dx, 0, width - 1)) * 4;

              for (int c = 0; c < 3; c++)
                sum[c] += p[c];
              n++;
            }
        for (int c = 0; c < 3; c++)
          out[((gsize) y * width + x) * 4 + c] = (float) (sum[c] / n);
      }
  return out;
}

static double
mean_delta_e (const float *a,
              const float *b,
              int          n)
{
  double sum = 0.0;

  for (int i = 0; i < n; i++)
    sum += ottica_test_delta_e (a + 4 * i, b + 4 * i);
  return sum / n;
}

/* Mean and standard deviation of channel @c over a rectangle. */
static void
channel_stats (const float *pixels,
               int          width,
               int          x0,
               int          y0,
               int          x1,
               int          y1,
               int          c,
               double      *mean,
               double      *sd)
{
  double sum = 0.0, sum_sq = 0.0;
  int n = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        double v = pixels[((gsize) y * width + x) * 4 + c];

        sum += v;
        sum_sq += v * v;
        n++;
      }
  *mean = sum / n;
  *sd = sqrt (MAX (sum_sq / n - *mean * *mean, 0.0));
}

/* A scene with something for every op: a colour ramp, a hard edge, fine
 * texture, highlights above white and a dark corner. */
static void
fill_scene (int x, int y, float *p)
{
  float v = 0.03f + 0.4f * (float) x / 700.0f;
  float tint = 0.8f + 0.4f * (float) y / 500.0f;

  if (x > 420)
    v *= 2.5f;
  if (y > 300 && ((x / 3 + y / 2) & 1))
    v *= 1.15f;
  if ((x - 200) * (x - 200) + (y - 120) * (y - 120) < 60)
    v = 6.0f;
  p[0] = v * tint;
  p[1] = v;
  p[2] = v * (2.0f - tint);
  p[3] = 1.0f;
}

#define SCENE_W 700
#define SCENE_H 500

/* ------------------------------------------------------------------ */
/* All three                                                           */

START_TEST (test_neutral_is_identity)
{
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  g_autofree float *original = NULL;

  {
    g_autoptr(GeglNode) graph = gegl_node_new ();
    GeglNode *source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", image, NULL);

    original = render (source, SCENE_W, SCENE_H);
  }

  for (int i = 0; spatial_ops[i] != NULL; i++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      g_autoptr(GeglNode) tuned = gegl_node_new ();
      GeglNode *node = apply (graph, image, spatial_ops[i], NULL);
      GeglNode *other = apply (tuned, image, spatial_ops[i], NULL);
      g_autofree float *out = render (node, SCENE_W, SCENE_H);
      g_autofree float *tuned_out = NULL;

      ck_assert_msg (memcmp (out, original, sizeof (float) * SCENE_W * SCENE_H * 4) == 0,
                     "%s at its defaults changed the image", spatial_ops[i]);

      /* Amount 0 is neutral whatever the other settings. */
      if (g_str_equal (spatial_ops[i], "ottica:grain"))
        gegl_node_set (other, "size", 3.0, "seed", 17, NULL);
      else if (g_str_equal (spatial_ops[i], "ottica:glow"))
        gegl_node_set (other, "radius", 3.0, "threshold", 0.1, "warmth", 1.0, NULL);
      else
        gegl_node_set (other, "radius", 4.0, "edge-threshold", 0.05, NULL);
      tuned_out = render (other, SCENE_W, SCENE_H);
      ck_assert_msg (memcmp (tuned_out, original, sizeof (float) * SCENE_W * SCENE_H * 4) == 0,
                     "%s with amount 0 changed the image", spatial_ops[i]);
    }
}
END_TEST

START_TEST (test_keys_and_ranges)
{
  for (int i = 0; spatial_ops[i] != NULL; i++)
    {
      const char *op = spatial_ops[i];
      const char *keys[] = { "title", "description", "categories" };
      guint n_props = 0;
      g_autofree GParamSpec **props = NULL;
      gboolean has_amount = FALSE;

      ck_assert_msg (gegl_has_operation (op), "%s is not registered", op);
      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          const char *value = gegl_operation_get_key (op, keys[k]);

          ck_assert_msg (value != NULL && *value != '\0', "%s has no %s", op, keys[k]);
        }
      ck_assert_str_eq (gegl_operation_get_key (op, "op-version"), "1:0");
      ck_assert_str_eq (gegl_operation_get_key (op, "name"), op);

      props = gegl_operation_list_properties (op, &n_props);
      ck_assert_uint_ge (n_props, 3);
      for (guint p = 0; p < n_props; p++)
        {
          GParamSpec *pspec = props[p];
          const char *blurb = g_param_spec_get_blurb (pspec);

          ck_assert_msg (blurb != NULL && *blurb != '\0', "%s:%s has no description", op, pspec->name);
          if (GEGL_IS_PARAM_SPEC_DOUBLE (pspec))
            {
              GParamSpecDouble *value = G_PARAM_SPEC_DOUBLE (pspec);
              GeglParamSpecDouble *ui = GEGL_PARAM_SPEC_DOUBLE (pspec);

              ck_assert_msg (value->minimum > -1e6 && value->maximum < 1e6,
                             "%s:%s has no value range", op, pspec->name);
              ck_assert_msg (ui->ui_minimum >= value->minimum && ui->ui_maximum <= value->maximum &&
                             ui->ui_minimum < ui->ui_maximum,
                             "%s:%s has a bad UI range", op, pspec->name);
              ck_assert_msg (value->default_value >= value->minimum && value->default_value <= value->maximum,
                             "%s:%s default outside its range", op, pspec->name);
            }
          else if (GEGL_IS_PARAM_SPEC_INT (pspec))
            {
              GParamSpecInt *value = G_PARAM_SPEC_INT (pspec);
              GeglParamSpecInt *ui = GEGL_PARAM_SPEC_INT (pspec);

              ck_assert_int_ge (value->minimum, 0);
              ck_assert_msg (ui->ui_minimum >= value->minimum && ui->ui_maximum <= value->maximum &&
                             ui->ui_minimum < ui->ui_maximum,
                             "%s:%s has a bad UI range", op, pspec->name);
            }
          else if (G_IS_PARAM_SPEC_POINTER (pspec) && g_str_equal (pspec->name, "then"))
            /* The point steps ottica:look hands glow and local contrast
             * to run on their result: no slider. */
            ck_assert (!g_str_equal (op, "ottica:grain"));
          else
            ck_abort_msg ("%s:%s is neither a double nor an int", op, pspec->name);

          if (g_str_equal (pspec->name, "amount"))
            {
              has_amount = TRUE;
              ck_assert_double_eq (G_PARAM_SPEC_DOUBLE (pspec)->default_value, 0.0);
            }
        }
      ck_assert_msg (has_amount, "%s has no amount", op);
    }

  /* Grain depends on where a pixel is; the others only on what is around it. */
  ck_assert_str_eq (gegl_operation_get_key ("ottica:grain", "position-dependent"), "true");
}
END_TEST

START_TEST (test_tiled_equals_whole)
{
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);

  for (int i = 0; spatial_ops[i] != NULL; i++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = apply (graph, image, spatial_ops[i], "amount", 0.8, NULL);
      g_autofree float *whole = NULL;
      g_autofree float *tiled = NULL;
      g_autoptr(GeglNode) plain_graph = gegl_node_new ();
      GeglNode *plain = gegl_node_new_child (plain_graph, "operation", "gegl:buffer-source",
                                             "buffer", image, NULL);
      g_autofree float *original = render (plain, SCENE_W, SCENE_H);

      if (g_str_equal (spatial_ops[i], "ottica:grain"))
        gegl_node_set (node, "amount", 3.0, "size", 2.0, "seed", 5, NULL);
      else
        gegl_node_set (node, "radius", 2.0, NULL);

      whole = render (node, SCENE_W, SCENE_H);
      tiled = render_tiled (node, SCENE_W, SCENE_H);
      ck_assert_msg (memcmp (whole, original, sizeof (float) * SCENE_W * SCENE_H * 4) != 0,
                     "%s did nothing", spatial_ops[i]);
      ck_assert_msg (memcmp (whole, tiled, sizeof (float) * SCENE_W * SCENE_H * 4) == 0,
                     "%s: a render in four quadrants differs from the whole", spatial_ops[i]);
    }
}
END_TEST

/* Local contrast and glow split their work over GEGL's threads
 * themselves, every thread reading the one input: one thread or four, from
 * a tiled buffer or from a linear one wrapping plain pixels (as the JPEG
 * loader gives), the result is the same to the bit. */
START_TEST (test_threads_and_linear_source_agree)
{
  static const char * const ops[] = { "ottica:local-contrast", "ottica:glow", NULL };
  GeglRectangle rect = { 0, 0, SCENE_W, SCENE_H };
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  float *pixels = g_new (float, (gsize) SCENE_W * SCENE_H * 4);
  g_autoptr(GeglBuffer) linear = NULL;
  gsize bytes = sizeof (float) * SCENE_W * SCENE_H * 4;

  gegl_buffer_get (image, &rect, 1.0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  linear = gegl_buffer_linear_new_from_data (pixels, working_format (), &rect,
                                             GEGL_AUTO_ROWSTRIDE, (GDestroyNotify) g_free, pixels);

  for (int i = 0; ops[i] != NULL; i++)
    {
      /* A graph each, so that no render comes from another's cache. */
      g_autoptr(GeglNode) graph_one = gegl_node_new ();
      g_autoptr(GeglNode) graph_four = gegl_node_new ();
      g_autoptr(GeglNode) graph_linear = gegl_node_new ();
      GeglNode *node_one = apply (graph_one, image, ops[i], "amount", 0.8, "radius", 2.0, NULL);
      GeglNode *node_four = apply (graph_four, image, ops[i], "amount", 0.8, "radius", 2.0, NULL);
      GeglNode *from_linear = apply (graph_linear, linear, ops[i], "amount", 0.8, "radius", 2.0,
                                     NULL);
      g_autofree float *one = NULL, *four = NULL, *four_linear = NULL;

      g_object_set (gegl_config (), "threads", 1, NULL);
      one = render (node_one, SCENE_W, SCENE_H);
      g_object_set (gegl_config (), "threads", 4, NULL);
      four = render (node_four, SCENE_W, SCENE_H);
      four_linear = render (from_linear, SCENE_W, SCENE_H);
      ck_assert_msg (memcmp (one, four, bytes) == 0, "%s: four threads differ from one", ops[i]);
      ck_assert_msg (memcmp (four, four_linear, bytes) == 0,
                     "%s: a linear source gives another result", ops[i]);
    }
}
END_TEST

/* The preview at 25 % (render level 2) matches the full-resolution render
 * scaled down, for the neighbourhood ops whose size is relative. */
START_TEST (test_preview_matches_export)
{
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  const char *ops[] = { "ottica:local-contrast", "ottica:glow" };

  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = apply (graph, image, ops[i], "amount", 1.0, "radius", 2.0, NULL);
      g_autofree float *preview = NULL;
      g_autofree float *scaled = NULL;
      int n = (SCENE_W / 4) * (SCENE_H / 4);
      double de;

      render_preview_and_scaled (node, SCENE_W, SCENE_H, &preview, &scaled);
      de = mean_delta_e (preview, scaled, n);
      ck_assert_msg (de < 1.0, "%s: preview differs from the export by mean ΔE %.2f", ops[i], de);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Grain                                                               */

static void
fill_grey (int x, int y, float *p)
{
  p[0] = p[1] = p[2] = 0.18f;
  p[3] = 1.0f;
}

/* Colours at several lightnesses: bands of red, green, blue, skin and
 * grey from dark to light. */
static void
fill_colours (int x, int y, float *p)
{
  static const float hues[5][3] = {
    { 0.8f, 0.15f, 0.1f }, { 0.2f, 0.7f, 0.15f }, { 0.1f, 0.2f, 0.9f },
    { 0.7f, 0.45f, 0.3f }, { 0.5f, 0.5f, 0.5f },
  };
  const float *hue = hues[(y / 40) % 5];
  float level = 0.05f + 0.9f * (float) x / 600.0f;

  for (int c = 0; c < 3; c++)
    p[c] = hue[c] * level;
  p[3] = 1.0f;
}

START_TEST (test_grain_seeded)
{
  g_autoptr(GeglBuffer) image = make_image (320, 240, fill_scene);
  g_autoptr(GeglNode) graph_a = gegl_node_new ();
  g_autoptr(GeglNode) graph_b = gegl_node_new ();
  g_autoptr(GeglNode) graph_c = gegl_node_new ();
  GeglNode *a = apply (graph_a, image, "ottica:grain", "amount", 2.0, "seed", 42, NULL);
  GeglNode *b = apply (graph_b, image, "ottica:grain", "amount", 2.0, "seed", 42, NULL);
  GeglNode *c = apply (graph_c, image, "ottica:grain", "amount", 2.0, "seed", 43, NULL);
  g_autofree float *out_a = render (a, 320, 240);
  g_autofree float *out_b = NULL;
  g_autofree float *out_c = render (c, 320, 240);
  gsize differing = 0;

  /* A different order of work (tiles first, then the whole) changes nothing. */
  g_free (render_tiled (b, 320, 240));
  out_b = render (b, 320, 240);

  ck_assert_msg (memcmp (out_a, out_b, sizeof (float) * 320 * 240 * 4) == 0,
                 "the same seed gave different grain");
  for (gsize i = 0; i < 320 * 240; i++)
    differing += out_a[4 * i + 1] != out_c[4 * i + 1];
  ck_assert_msg (differing > 320 * 240 * 9 / 10, "another seed changed only %zu pixels", differing);
}
END_TEST

START_TEST (test_grain_strength_and_tones)
{
  /* Amount is the RMS L* change at mid grey (as rendered at 24 MP; grain
   * this coarse hardly averages at 1 MP). */
  g_autoptr(GeglBuffer) grey = make_image (1000, 1000, fill_grey);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = apply (graph, grey, "ottica:grain", "amount", 2.0, "size", 10.0, NULL);
  GeglRectangle rect = { 0, 0, 1000, 1000 };
  g_autofree float *lab = ottica_test_render_lab (node, &rect);
  g_autofree float *rgb = render (node, 1000, 1000);
  double mean, sd, y_mean = 0.0;

  channel_stats (lab, 1000, 0, 0, 1000, 1000, 0, &mean, &sd);
  ck_assert_msg (fabs (sd - 2.0) < 0.2, "RMS L* %.3f for amount 2", sd);
  for (int i = 0; i < 1000 * 1000; i++)
    y_mean += LUMA (rgb + 4 * i);
  y_mean /= 1000 * 1000;
  ck_assert_msg (fabs (y_mean / 0.18 - 1.0) < 0.005, "mean luminance moved to %.5f", y_mean);

  /* Strongest in the midtones: weaker in deep shadow and near white. */
  {
    const float levels[] = { 0.005f, 0.18f, 0.85f };
    double rms[3];

    for (int k = 0; k < 3; k++)
      {
        g_autoptr(GeglNode) g = gegl_node_new ();
        GeglRectangle small = { 0, 0, 200, 200 };
        g_autoptr(GeglBuffer) flat = gegl_buffer_new (&small, working_format ());
        float colour[4] = { levels[k], levels[k], levels[k], 1.0f };
        GeglNode *n;
        g_autofree float *out = NULL;

        gegl_buffer_set_color_from_pixel (flat, &small, colour, working_format ());
        n = apply (g, flat, "ottica:grain", "amount", 2.0, NULL);
        out = ottica_test_render_lab (n, &small);
        channel_stats (out, 200, 0, 0, 200, 200, 0, &mean, &rms[k]);
      }
    ck_assert_msg (rms[0] < 0.5 * rms[1] && rms[2] < 0.5 * rms[1],
                   "grain RMS L* shadow %.3f, mid %.3f, light %.3f", rms[0], rms[1], rms[2]);
  }
}
END_TEST

START_TEST (test_grain_luminance_only)
{
  g_autoptr(GeglBuffer) image = make_image (600, 400, fill_colours);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GeglNode) plain_graph = gegl_node_new ();
  GeglNode *node = apply (graph, image, "ottica:grain", "amount", 3.0, "size", 2.0, NULL);
  GeglNode *plain = gegl_node_new_child (plain_graph, "operation", "gegl:buffer-source", "buffer", image, NULL);
  GeglRectangle rect = { 0, 0, 600, 400 };
  g_autofree float *before = ottica_test_render_lab (plain, &rect);
  g_autofree float *after = ottica_test_render_lab (node, &rect);
  g_autofree float *rgb_before = render (plain, 600, 400);
  g_autofree float *rgb_after = render (node, 600, 400);
  double d[3] = { 0, 0, 0 };
  double worst_ratio = 0.0;
  int n = 600 * 400;

  for (int i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      d[c] += after[4 * i + c] - before[4 * i + c];
  ck_assert_msg (fabs (d[1] / n) < 0.5 && fabs (d[2] / n) < 0.5,
                 "mean a* moved %.3f, b* %.3f", d[1] / n, d[2] / n);
  ck_assert_msg (fabs (d[0] / n) < 0.5, "mean L* moved %.3f", d[0] / n);

  /* One factor for all channels: the chromaticity of every pixel is kept. */
  for (int i = 0; i < n; i++)
    {
      const float *p = rgb_before + 4 * i;
      const float *q = rgb_after + 4 * i;
      double r = (q[0] / q[1]) / (p[0] / p[1]);
      double b = (q[2] / q[1]) / (p[2] / p[1]);

      worst_ratio = MAX (worst_ratio, MAX (fabs (r - 1.0), fabs (b - 1.0)));
    }
  ck_assert_msg (worst_ratio < 1e-5, "a pixel's chromaticity changed by %.2g", worst_ratio);
}
END_TEST

/* The grain's correlation (its size) is set relative to the image. */
static double
neighbour_correlation (const float *lab, int width, int height)
{
  double mean, sd, cov = 0.0;
  int n = 0;

  channel_stats (lab, width, 0, 0, width, height, 0, &mean, &sd);
  for (int y = 0; y < height; y++)
    for (int x = 0; x + 1 < width; x++)
      {
        cov += (lab[((gsize) y * width + x) * 4] - mean) * (lab[((gsize) y * width + x + 1) * 4] - mean);
        n++;
      }
  return cov / n / (sd * sd);
}

START_TEST (test_grain_size_relative)
{
  double correlation[2];
  const int sizes[2] = { 300, 1200 };

  for (int k = 0; k < 2; k++)
    {
      GeglRectangle rect = { 0, 0, sizes[k], sizes[k] * 2 / 3 };
      g_autoptr(GeglBuffer) flat = gegl_buffer_new (&rect, working_format ());
      g_autoptr(GeglNode) graph = gegl_node_new ();
      float colour[4] = { 0.18f, 0.18f, 0.18f, 1.0f };
      GeglNode *node;
      g_autofree float *lab = NULL;

      gegl_buffer_set_color_from_pixel (flat, &rect, colour, working_format ());
      node = apply (graph, flat, "ottica:grain", "amount", 2.0, "size", 8.0, NULL);
      lab = ottica_test_render_lab (node, &rect);
      correlation[k] = neighbour_correlation (lab, rect.width, rect.height);
    }
  /* Four times the pixels across: the same grain is four times as many
   * pixels wide, so neighbours are far more alike. */
  ck_assert_msg (correlation[1] > correlation[0] + 0.2,
                 "neighbour correlation %.3f at 300 px, %.3f at 1200 px", correlation[0], correlation[1]);
}
END_TEST

/* A small image of the same picture (the preview's proxy) shows the
 * grain of the large one scaled down: as fine and as strong. */
START_TEST (test_grain_proxy_matches_downscaled)
{
  const int sizes[2][2] = { { 1600, 1200 }, { 400, 300 } };
  float *lab[2];
  double mean, sd[2], correlation[2];

  for (int k = 0; k < 2; k++)
    {
      GeglRectangle rect = { 0, 0, sizes[k][0], sizes[k][1] };
      g_autoptr(GeglBuffer) flat = gegl_buffer_new (&rect, working_format ());
      g_autoptr(GeglNode) graph = gegl_node_new ();
      float colour[4] = { 0.18f, 0.18f, 0.18f, 1.0f };
      GeglNode *node;

      gegl_buffer_set_color_from_pixel (flat, &rect, colour, working_format ());
      node = apply (graph, flat, "ottica:grain", "amount", 3.0, "size", 4.0, NULL);
      lab[k] = k == 0 ? render_scaled_down (node, rect.width, rect.height)
                      : ottica_test_render_lab (node, &rect);
      channel_stats (lab[k], 400, 0, 0, 400, 300, 0, &mean, &sd[k]);
      correlation[k] = neighbour_correlation (lab[k], 400, 300);
    }
  ck_assert_msg (fabs (sd[1] / sd[0] - 1.0) < 0.15,
                 "proxy grain RMS %.3f, scaled-down grain RMS %.3f", sd[1], sd[0]);
  ck_assert_msg (fabs (correlation[1] - correlation[0]) < 0.1,
                 "proxy grain correlation %.3f, scaled-down %.3f", correlation[1], correlation[0]);
  g_free (lab[0]);
  g_free (lab[1]);
}
END_TEST

START_TEST (test_grain_preview_level)
{
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = apply (graph, image, "ottica:grain", "amount", 4.0, "size", 4.0, "seed", 9, NULL);
  const int w = SCENE_W / 4, h = SCENE_H / 4;
  g_autofree float *preview = NULL;
  g_autofree float *scaled = NULL;
  g_autofree float *preview_blurred = NULL;
  g_autofree float *scaled_blurred = NULL;
  double de;

  render_preview_and_scaled (node, SCENE_W, SCENE_H, &preview, &scaled);
  preview_blurred = blur_lab (preview, w, h, 4);
  scaled_blurred = blur_lab (scaled, w, h, 4);
  de = mean_delta_e (preview_blurred, scaled_blurred, w * h);
  ck_assert_msg (de < 2.0, "blurred preview and export differ by mean ΔE %.2f", de);

  /* And the preview's grain is the downscaled grain: as strong as the
   * full-resolution grain averaged over 4 × 4 pixels, not the full
   * strength of pixel-sized noise. */
  {
    GeglRectangle rect = { 0, 0, 800, 800 };
    g_autoptr(GeglBuffer) flat = gegl_buffer_new (&rect, working_format ());
    g_autoptr(GeglNode) grey_graph = gegl_node_new ();
    float colour[4] = { 0.18f, 0.18f, 0.18f, 1.0f };
    GeglNode *grey;
    g_autofree float *grey_preview = NULL;
    g_autofree float *grey_scaled = NULL;
    double mean, sd_preview, sd_scaled, sd_full;
    g_autofree float *full = NULL;

    gegl_buffer_set_color_from_pixel (flat, &rect, colour, working_format ());
    grey = apply (grey_graph, flat, "ottica:grain", "amount", 3.0, "size", 6.0, NULL);
    render_preview_and_scaled (grey, 800, 800, &grey_preview, &grey_scaled);
    full = ottica_test_render_lab (grey, &rect);
    channel_stats (grey_preview, 200, 0, 0, 200, 200, 0, &mean, &sd_preview);
    channel_stats (grey_scaled, 200, 0, 0, 200, 200, 0, &mean, &sd_scaled);
    channel_stats (full, 800, 0, 0, 800, 800, 0, &mean, &sd_full);
    ck_assert_msg (sd_scaled < 0.8 * sd_full, "downscaling did not average the grain (%.3f, %.3f)",
                   sd_scaled, sd_full);
    ck_assert_msg (fabs (sd_preview / sd_scaled - 1.0) < 0.15,
                   "preview grain RMS %.3f, scaled-down grain RMS %.3f", sd_preview, sd_scaled);
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Local contrast                                                      */

static float step_low, step_high;

static void
fill_step (int x, int y, float *p)
{
  float v = x < 400 ? step_low : step_high;

  p[0] = p[1] = p[2] = v;
  p[3] = 1.0f;
}

START_TEST (test_local_contrast_no_halo)
{
  const float steps[][2] = { { 0.05f, 0.6f }, { 0.1f, 0.4f }, { 0.02f, 0.9f } };
  const double radii[] = { 0.5, 2.0, 5.0 };

  for (gsize s = 0; s < G_N_ELEMENTS (steps); s++)
    for (gsize r = 0; r < G_N_ELEMENTS (radii); r++)
      {
        g_autoptr(GeglBuffer) image = NULL;
        g_autoptr(GeglNode) graph = gegl_node_new ();
        GeglNode *node;
        g_autofree float *out = NULL;
        double low_min = G_MAXDOUBLE, high_max = 0.0;

        step_low = steps[s][0];
        step_high = steps[s][1];
        image = make_image (800, 200, fill_step);
        node = apply (graph, image, "ottica:local-contrast", "amount", 1.0, "radius", radii[r], NULL);
        out = render (node, 800, 200);
        for (int i = 0; i < 800 * 200; i++)
          {
            int x = i % 800;

            if (x < 400)
              low_min = MIN (low_min, out[4 * i + 1]);
            else
              high_max = MAX (high_max, out[4 * i + 1]);
          }
        ck_assert_msg (high_max / step_high - 1.0 <= 0.02,
                       "step %.2f→%.2f, radius %.1f %%: bright side overshoots by %.2f %%",
                       step_low, step_high, radii[r], 100.0 * (high_max / step_high - 1.0));
        ck_assert_msg (step_low / low_min - 1.0 <= 0.02,
                       "step %.2f→%.2f, radius %.1f %%: dark side undershoots by %.2f %%",
                       step_low, step_high, radii[r], 100.0 * (step_low / low_min - 1.0));
      }
}
END_TEST

static void
fill_texture (int x, int y, float *p)
{
  /* A fine two-pixel checker, ±10 % around mid grey, slightly warm. */
  float v = 0.18f * (((x / 2 + y / 2) & 1) ? 1.1f : 0.9f);

  p[0] = v * 1.1f;
  p[1] = v;
  p[2] = v * 0.85f;
  p[3] = 1.0f;
}

START_TEST (test_local_contrast_texture)
{
  g_autoptr(GeglBuffer) image = make_image (512, 512, fill_texture);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GeglNode) plain_graph = gegl_node_new ();
  GeglNode *node = apply (graph, image, "ottica:local-contrast", "amount", 0.5, NULL);
  GeglNode *plain = gegl_node_new_child (plain_graph, "operation", "gegl:buffer-source", "buffer", image, NULL);
  g_autofree float *before = render (plain, 512, 512);
  g_autofree float *more = render (node, 512, 512);
  g_autofree float *less = NULL;
  double mean, sd_before, sd_more, sd_less, mean_more;

  channel_stats (before, 512, 0, 0, 512, 512, 1, &mean, &sd_before);
  channel_stats (more, 512, 0, 0, 512, 512, 1, &mean_more, &sd_more);
  gegl_node_set (node, "amount", -0.5, NULL);
  less = render (node, 512, 512);
  channel_stats (less, 512, 0, 0, 512, 512, 1, &mean, &sd_less);

  ck_assert_msg (sd_more > 1.2 * sd_before, "texture std-dev %.4f → %.4f with amount 0.5", sd_before, sd_more);
  ck_assert_msg (sd_less < 0.8 * sd_before, "texture std-dev %.4f → %.4f with amount -0.5", sd_before, sd_less);
  ck_assert_msg (fabs (mean_more / 0.18 - 1.0) < 0.05, "mean level moved to %.4f", mean_more);

  /* Hue and saturation kept: one gain for all channels. */
  for (int i = 0; i < 512 * 512; i++)
    {
      double ratio = (more[4 * i] / more[4 * i + 1]) / (before[4 * i] / before[4 * i + 1]);

      ck_assert_msg (fabs (ratio - 1.0) < 1e-5, "pixel %d changed colour (R/G × %.6f)", i, ratio);
    }
}
END_TEST

/* The SCENE_W × SCENE_H @pixels (working format) in a buffer of
 * @tile_width × @tile_height tiles, its grid shifted by (@shift_x,
 * @shift_y): the same image as the ops see it from other layouts. */
static GeglBuffer *
scene_in_tiles (const float *pixels, int tile_width, int tile_height, int shift_x, int shift_y)
{
  GeglRectangle rect = { 0, 0, SCENE_W, SCENE_H };
  GeglBuffer *tiled = g_object_new (GEGL_TYPE_BUFFER,
                                    "x", 0, "y", 0, "width", SCENE_W, "height", SCENE_H,
                                    "tile-width", tile_width, "tile-height", tile_height,
                                    "shift-x", shift_x, "shift-y", shift_y,
                                    "format", working_format (),
                                    NULL);

  gegl_buffer_set (tiled, &rect, 0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE);
  return tiled;
}

typedef struct
{
  int tile_width, tile_height, shift_x, shift_y;
} TileLayout;

/* @operation (amount 0.8, @radius) rendered from the SCENE_W × SCENE_H
 * @pixels held in each of @layouts gives @expected to the bit. */
static void
assert_same_from_tiles (const char       *operation,
                        double            radius,
                        const float      *pixels,
                        const float      *expected,
                        const TileLayout *layouts,
                        guint             n_layouts)
{
  gsize bytes = sizeof (float) * SCENE_W * SCENE_H * 4;

  for (guint i = 0; i < n_layouts; i++)
    {
      g_autoptr(GeglBuffer) tiled = scene_in_tiles (pixels, layouts[i].tile_width,
                                                    layouts[i].tile_height,
                                                    layouts[i].shift_x, layouts[i].shift_y);
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = apply (graph, tiled, operation, "amount", 0.8, "radius", radius, NULL);
      g_autofree float *result = render (node, SCENE_W, SCENE_H);

      ck_assert_msg (memcmp (result, expected, bytes) == 0,
                     "%s radius %g: tiles of %d × %d shifted by (%d, %d) give another result",
                     operation, radius, layouts[i].tile_width, layouts[i].tile_height,
                     layouts[i].shift_x, layouts[i].shift_y);
    }
}

/* Local contrast reads its statistics in place from the input's tiles
 * where they do not cut its cells, and copies elsewhere: whatever the
 * input's tile size and tile grid, the result is the same to the bit. */
START_TEST (test_local_contrast_input_tiling)
{
  static const TileLayout layouts[] = {
    { 30, 10, 0, 0 },   /* tiles cut the 4-pixel cells */
    { 64, 6, 4, 0 },    /* whole cells, bands across tile rows */
    { 128, 64, 3, 5 },  /* a tile grid off the cells */
  };
  GeglRectangle rect = { 0, 0, SCENE_W, SCENE_H };
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  g_autofree float *pixels = g_new (float, (gsize) SCENE_W * SCENE_H * 4);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = apply (graph, image, "ottica:local-contrast", "amount", 0.8, "radius", 2.0,
                          NULL);
  g_autofree float *expected = render (node, SCENE_W, SCENE_H);
  gsize bytes = sizeof (float) * SCENE_W * SCENE_H * 4;

  gegl_buffer_get (image, &rect, 1.0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  ck_assert_msg (memcmp (expected, pixels, bytes) != 0, "local contrast did nothing");
  assert_same_from_tiles ("ottica:local-contrast", 2.0, pixels, expected,
                          layouts, G_N_ELEMENTS (layouts));
}
END_TEST

/* The scene with some out-of-gamut (negative) pixels, a few of negative
 * luminance, and fine noise, so that every lane sees other values. */
static void
fill_scene_noisy (int x, int y, float *p)
{
  guint32 hash = (guint32) (x * 73856093) ^ (guint32) (y * 19349663);

  fill_scene (x, y, p);
  hash = (hash ^ (hash >> 13)) * 0x5bd1e995u;
  p[1] *= 0.9f + 0.2f * (float) (hash & 0xffff) / 65535.0f;
  if (x > 600 && y < 40)
    p[0] = p[2] = -0.05f;
  if (x > 650 && y < 20)
    p[0] = p[1] = p[2] = -0.01f;
}

/* Local contrast with @amount and @radius over @rect of the noisy scene,
 * in @tile_width × @tile_height input tiles, at 1 / 2^@level. */
static float *
render_local_contrast (double               amount,
                       double               radius,
                       int                  tile_width,
                       int                  tile_height,
                       const GeglRectangle *rect,
                       int                  level)
{
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene_noisy);
  g_autofree float *pixels = g_new (float, (gsize) SCENE_W * SCENE_H * 4);
  g_autoptr(GeglBuffer) tiled = NULL;
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglRectangle whole = { 0, 0, SCENE_W, SCENE_H };
  float *out = g_new0 (float, (gsize) rect->width * rect->height * 4);
  GeglNode *node;

  gegl_buffer_get (image, &whole, 1.0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  tiled = scene_in_tiles (pixels, tile_width, tile_height, 0, 0);
  node = apply (graph, tiled, "ottica:local-contrast", "amount", amount, "radius", radius, NULL);
  gegl_node_blit (node, 1.0 / (1 << level), rect, working_format (), out,
                  rect->width * 4 * sizeof (float), GEGL_BLIT_DEFAULT);
  return out;
}

/* The eight-lane (AVX2) loops give the same bits as the four-lane ones,
 * through both ways of reading the statistics, with cells of 8 and 16
 * pixels (runs that fill eight lanes), odd numbers of cells per tile and
 * tails of every length, at full resolution and in a preview. */
START_TEST (test_local_contrast_avx2_same_bits)
{
  static const struct {
    double amount, radius;
    int tile_width, tile_height;
    GeglRectangle rect;
    int level;
  } cases[] = {
    { 0.8, 5.0, 120, 128, { 3, 2, 693, 497 }, 0 },   /* cells of 8, statistics in place */
    { 0.5, 2.0, 128, 64, { 0, 0, 700, 500 }, 0 },    /* cells of 4 */
    { -0.6, 10.0, 30, 10, { 0, 0, 701, 499 }, 0 },   /* cells of 16, tiles cut them: copied */
    { 1.0, 10.0, 128, 128, { 1, 1, 347, 249 }, 1 },  /* preview level, cells of 8 */
  };
  g_autofree char *saved = g_strdup (g_getenv ("OTTICA_NO_AVX2"));

  if (!__builtin_cpu_supports ("avx2"))
    {
      ottica_test_skip ("this processor has no AVX2");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const GeglRectangle *rect = &cases[i].rect;
      gsize bytes = sizeof (float) * rect->width * rect->height * 4;
      g_autofree float *sse2 = NULL;
      g_autofree float *avx2 = NULL;
      gsize differ = 0, first = 0;

      g_setenv ("OTTICA_NO_AVX2", "1", TRUE);
      sse2 = render_local_contrast (cases[i].amount, cases[i].radius, cases[i].tile_width,
                                    cases[i].tile_height, rect, cases[i].level);
      g_unsetenv ("OTTICA_NO_AVX2");
      avx2 = render_local_contrast (cases[i].amount, cases[i].radius, cases[i].tile_width,
                                    cases[i].tile_height, rect, cases[i].level);
      for (gsize j = bytes / sizeof (float); j-- > 0;)
        if (memcmp (sse2 + j, avx2 + j, sizeof (float)) != 0)
          {
            differ++;
            first = j;
          }
      ck_assert_msg (differ == 0, "case %u: %" G_GSIZE_FORMAT " values differ between the SSE2 and "
                     "AVX2 paths, the first at %" G_GSIZE_FORMAT " (%.9g, %.9g)",
                     i, differ, first, sse2[first], avx2[first]);
      ck_assert_msg (sse2[(gsize) 4 * (rect->width / 2)] != 0.0f, "case %u rendered nothing", i);
    }
  if (saved != NULL)
    g_setenv ("OTTICA_NO_AVX2", saved, TRUE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Glow                                                                */

static void
fill_spot (int x, int y, float *p)
{
  float v = 0.02f;

  if (abs (x - 150) <= 2 && abs (y - 150) <= 2)
    v = 8.0f;
  p[0] = p[1] = p[2] = v;
  p[3] = 1.0f;
}

START_TEST (test_glow_spreads_highlights)
{
  g_autoptr(GeglBuffer) image = make_image (800, 600, fill_spot);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  /* radius 1 % of 800 px: σ = 8 px. */
  GeglNode *node = apply (graph, image, "ottica:glow", "amount", 1.0, "radius", 1.0, NULL);
  g_autofree float *out = render (node, 800, 600);
  g_autofree float *warm = NULL;
  const float *near = out + ((gsize) 150 * 800 + 160) * 4;
  double neutral_ratio, warm_ratio;

  /* Light spreads to the neighbourhood. */
  ck_assert_msg (near[1] > 0.02f + 0.005f, "pixel 10 px from the spot is %.4f", near[1]);
  ck_assert_msg (out[((gsize) 150 * 800 + 145) * 4 + 1] > out[((gsize) 150 * 800 + 140) * 4 + 1],
                 "the glow does not fall off with distance");

  /* Far from the highlight, in the flat dark area, nothing changes. */
  for (int y = 0; y < 600; y++)
    for (int x = 0; x < 800; x++)
      if (x > 300 || y > 300)
        for (int c = 0; c < 4; c++)
          ck_assert_msg (out[((gsize) y * 800 + x) * 4 + c] == (c == 3 ? 1.0f : 0.02f),
                         "pixel (%d, %d) far from the highlight changed", x, y);

  /* Pixels at white or above are not pushed further. */
  ck_assert_float_eq (out[((gsize) 150 * 800 + 150) * 4 + 1], 8.0f);

  /* Warmth turns the halo red-orange; without it the glow keeps the
   * highlight's (neutral) colour. */
  neutral_ratio = (near[0] - 0.02) / (near[2] - 0.02);
  gegl_node_set (node, "warmth", 1.0, NULL);
  warm = render (node, 800, 600);
  near = warm + ((gsize) 150 * 800 + 160) * 4;
  warm_ratio = (near[0] - 0.02) / (near[2] - 0.02);
  ck_assert_msg (fabs (neutral_ratio - 1.0) < 0.01, "neutral glow has R/B %.3f", neutral_ratio);
  ck_assert_msg (warm_ratio > 3.0, "halation glow has R/B %.3f", warm_ratio);
  ck_assert_msg (near[0] > near[1] && near[1] > near[2], "halation is not red-orange");
}
END_TEST

START_TEST (test_glow_threshold)
{
  /* A texture whose brightest light (about 0.2) is below the threshold: no glow. */
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_texture);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GeglNode) plain_graph = gegl_node_new ();
  GeglNode *node = apply (graph, image, "ottica:glow", "amount", 2.0, "threshold", 0.5, NULL);
  GeglNode *plain = gegl_node_new_child (plain_graph, "operation", "gegl:buffer-source", "buffer", image, NULL);
  g_autofree float *out = render (node, SCENE_W, SCENE_H);
  g_autofree float *before = render (plain, SCENE_W, SCENE_H);

  ck_assert_msg (memcmp (out, before, sizeof (float) * SCENE_W * SCENE_H * 4) == 0,
                 "light below the threshold glowed");
}
END_TEST

static void
fill_just_above (int x, int y, float *p)
{
  /* Grey whose luminance is 0.07 % above the threshold of 0.5, in one
   * 8 × 8 patch; every channel of the rest is 0.1 % below it. */
  float v = (x / 8 == 20 && y / 8 == 15) ? 0.50035f : 0.4995f;

  p[0] = p[1] = p[2] = v;
  p[3] = 1.0f;
}

/* Glow passes over pixels whose channels are all clearly below the
 * threshold without working out their luminance; light only just above it
 * still glows, and light only just below it does not. */
START_TEST (test_glow_just_above_threshold)
{
  /* Radius 2 % of 320 px gives cells of 2 pixels, 5 % cells of 4: the
   * glow's two ways of summing them. */
  static const double radii[] = { 2.0, 5.0 };
  g_autoptr(GeglBuffer) image = make_image (320, 240, fill_just_above);

  for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = apply (graph, image, "ottica:glow", "amount", 4.0, "threshold", 0.5,
                              "radius", radii[r], NULL);
      g_autofree float *out = render (node, 320, 240);
      const float *centre = out + ((gsize) 124 * 320 + 164) * 4;
      const float *near = out + ((gsize) 124 * 320 + 172) * 4;
      const float *far = out + ((gsize) 10 * 320 + 10) * 4;

      ck_assert_msg (centre[1] > 0.50035f && near[1] > 0.4995f,
                     "radius %g: light just above the threshold did not glow (%.7f, %.7f)",
                     radii[r], centre[1], near[1]);
      ck_assert_msg (far[1] == 0.4995f, "radius %g: light just below the threshold glowed (%.7f)",
                     radii[r], far[1]);
    }
}
END_TEST

/* Glow sums its cells in place from the input's tiles where they hold
 * whole cells, and from copies elsewhere: tiles that cut its cells, tiles
 * narrower than a cell (radius 15: 32-pixel cells) or a tile grid off the
 * cells give the same pixels to the bit as one render of the whole. */
START_TEST (test_glow_input_tiling)
{
  static const TileLayout layouts[] = {
    { 30, 10, 0, 0 },   /* tiles cut the 4-pixel cells */
    { 16, 16, 0, 0 },   /* narrower than the 32-pixel cells */
    { 128, 64, 3, 5 },  /* a tile grid off the cells */
  };
  static const double radii[] = { 2.0, 15.0 };
  GeglRectangle rect = { 0, 0, SCENE_W, SCENE_H };
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  g_autofree float *pixels = g_new (float, (gsize) SCENE_W * SCENE_H * 4);
  gsize bytes = sizeof (float) * SCENE_W * SCENE_H * 4;

  gegl_buffer_get (image, &rect, 1.0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (guint r = 0; r < G_N_ELEMENTS (radii); r++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = apply (graph, image, "ottica:glow", "amount", 0.8, "radius", radii[r],
                              NULL);
      g_autofree float *expected = render (node, SCENE_W, SCENE_H);

      ck_assert_msg (memcmp (expected, pixels, bytes) != 0, "glow of radius %g did nothing",
                     radii[r]);
      assert_same_from_tiles ("ottica:glow", radii[r], pixels, expected,
                              layouts, G_N_ELEMENTS (layouts));
    }
}
END_TEST

/* Dim texture with bright specks in scattered pixels (so that some of
 * the four pixels a vector takes glow and others do not), a few negative
 * channels and alpha that varies, a few times -0. */
static void
fill_glow_specks (int    x,
                  int    y,
                  float *rgba)
{
  guint32 h = ((guint32) x * 73856093u) ^ ((guint32) y * 19349663u);

  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  for (int c = 0; c < 3; c++)
    rgba[c] = 0.05f + 0.3f * (float) ((h >> (5 * c)) & 31) / 31.0f;
  if ((h & 0xff) < 14)
    for (int c = 0; c < 3; c++)
      rgba[c] = 0.6f + (float) ((h >> (8 + 4 * c)) & 15) / 4.0f;
  if (((h >> 20) & 0xff) < 6)
    rgba[(h >> 28) % 3] = -0.05f;
  rgba[3] = 0.5f + (float) ((h >> 24) & 0xff) / 510.0f;
  if (((h >> 12) & 0xff) == 0)
    rgba[3] = -0.0f;   /* alpha is copied as it is, sign and all */
}

/* Glow's eight-lane (AVX2) loops give the same bits as the four-lane
 * ones: cells of 8, 16 and 32 pixels (summed eight lanes at a time) and
 * of 4 (four), summed in place and from copies, runs of pixels of odd
 * length at the edges of odd-sized chunks, and a preview level. */
START_TEST (test_glow_avx2_same_bits)
{
  static const struct {
    double radius, threshold, warmth;
    int tile_width, tile_height;
    GeglRectangle rect;
    int level;
  } cases[] = {
    { 5.0, 0.5, 0.0, 128, 64, { 3, 2, 693, 497 }, 0 },    /* cells of 8, in place */
    { 10.0, 0.75, 1.0, 30, 10, { 0, 0, 699, 499 }, 0 },   /* cells of 16, tiles cut them */
    { 20.0, 1.0, 0.5, 96, 96, { 5, 7, 601, 411 }, 0 },    /* cells of 32 */
    { 2.0, 0.5, 0.3, 64, 64, { 1, 1, 698, 497 }, 0 },     /* cells of 4 */
    { 10.0, 0.5, 0.0, 128, 128, { 1, 1, 347, 249 }, 1 },  /* preview, cells of 8 */
  };
  g_autofree char *saved = g_strdup (g_getenv ("OTTICA_NO_AVX2"));
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_glow_specks);
  g_autofree float *pixels = g_new (float, (gsize) SCENE_W * SCENE_H * 4);
  GeglRectangle whole = { 0, 0, SCENE_W, SCENE_H };

  if (!__builtin_cpu_supports ("avx2"))
    {
      ottica_test_skip ("this processor has no AVX2");
      return;
    }
  gegl_buffer_get (image, &whole, 1.0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const GeglRectangle *rect = &cases[i].rect;
      gsize n = (gsize) rect->width * rect->height * 4;
      g_autoptr(GeglBuffer) tiled = scene_in_tiles (pixels, cases[i].tile_width,
                                                    cases[i].tile_height, 0, 0);
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = apply (graph, tiled, "ottica:glow", "amount", 1.5, "radius", cases[i].radius,
                              "threshold", cases[i].threshold, "warmth", cases[i].warmth, NULL);
      g_autofree float *plain = g_new0 (float, n);
      g_autofree float *sse2 = g_new0 (float, n);
      g_autofree float *avx2 = g_new0 (float, n);
      gsize differ = 0, first = 0, changed = 0;

      g_object_set (node, "cache-policy", GEGL_CACHE_POLICY_NEVER, NULL);
      g_setenv ("OTTICA_NO_AVX2", "1", TRUE);
      gegl_node_blit (node, 1.0 / (1 << cases[i].level), rect, working_format (), sse2,
                      rect->width * 4 * sizeof (float), GEGL_BLIT_DEFAULT);
      g_unsetenv ("OTTICA_NO_AVX2");
      gegl_node_blit (node, 1.0 / (1 << cases[i].level), rect, working_format (), avx2,
                      rect->width * 4 * sizeof (float), GEGL_BLIT_DEFAULT);
      gegl_node_set (node, "amount", 0.0, NULL);
      gegl_node_blit (node, 1.0 / (1 << cases[i].level), rect, working_format (), plain,
                      rect->width * 4 * sizeof (float), GEGL_BLIT_DEFAULT);
      for (gsize j = n; j-- > 0;)
        {
          if (memcmp (sse2 + j, avx2 + j, sizeof (float)) != 0)
            {
              differ++;
              first = j;
            }
          changed += sse2[j] != plain[j];
        }
      ck_assert_msg (differ == 0, "case %u: %" G_GSIZE_FORMAT " values differ between the SSE2 and "
                     "AVX2 paths, the first at %" G_GSIZE_FORMAT " (%.9g, %.9g)",
                     i, differ, first, sse2[first], avx2[first]);
      ck_assert_msg (changed > n / 8, "case %u: the glow changed only %" G_GSIZE_FORMAT " values",
                     i, changed);
    }
  if (saved != NULL)
    g_setenv ("OTTICA_NO_AVX2", saved, TRUE);
}
END_TEST

/* A large textured scene with highlights, for the determinism tests:
 * every value comes from the pixel's coordinates alone. */
static void
fill_large (int x, int y, float *p)
{
  guint32 h = (guint32) x * 73856093u ^ (guint32) y * 19349663u;
  float noise, v;

  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  noise = (float) (h & 0xffff) / 65535.0f;
  v = 0.02f + 0.5f * (float) ((x / 97 + y / 61) % 7) / 7.0f;
  v *= 0.85f + 0.3f * noise;
  if (((x / 400) + (y / 300)) % 5 == 0 && (x % 400) < 40 && (y % 300) < 40)
    v = 4.0f;
  p[0] = v * 1.1f;
  p[1] = v;
  p[2] = v * 0.8f;
  p[3] = 1.0f;
}

/* @node rendered in full-width strips of @strip_rows rows, one blit each,
 * as the JPEG exporter renders. */
static float *
render_strips (GeglNode *node,
               int       width,
               int       height,
               int       strip_rows)
{
  float *pixels = g_new0 (float, (gsize) width * height * 4);

  for (int y = 0; y < height; y += strip_rows)
    {
      GeglRectangle strip = { 0, y, width, MIN (strip_rows, height - y) };

      gegl_node_blit (node, 1.0, &strip, working_format (), pixels + (gsize) y * width * 4,
                      GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
    }
  return pixels;
}

static int
differing_rows (const float *a,
                const float *b,
                int          width,
                int          height)
{
  int rows = 0;

  for (int y = 0; y < height; y++)
    if (memcmp (a + (gsize) y * width * 4, b + (gsize) y * width * 4, sizeof (float) * width * 4) != 0)
      rows++;
  return rows;
}

/* Local contrast and glow at a size where GEGL splits every strip over
 * its threads (and the split depends on timing: fewer threads when
 * GEGL's pool is busy or an op's measured cost is low): one thread on the
 * whole image, or two to four on strips of rows as the JPEG exporter
 * renders them, give the same pixels to the bit, and so do two renders
 * with the same split. */
START_TEST (test_large_renders_deterministic)
{
  static const char * const ops[] = { "ottica:local-contrast", "ottica:glow", NULL };
  const int width = 3000, height = 2000;
  g_autoptr(GeglBuffer) image = make_image (width, height, fill_large);

  for (int i = 0; ops[i] != NULL; i++)
    {
      g_autofree float *reference = NULL;

      {
        g_autoptr(GeglNode) graph = gegl_node_new ();
        GeglNode *node = apply (graph, image, ops[i], "amount", 0.5, "radius", 0.6, NULL);

        g_object_set (gegl_config (), "threads", 1, NULL);
        reference = render (node, width, height);
      }
      for (int run = 0; run < 4; run++)
        {
          /* A graph each, so that no render comes from another's cache. */
          g_autoptr(GeglNode) graph = gegl_node_new ();
          GeglNode *node = apply (graph, image, ops[i], "amount", 0.5, "radius", 0.6, NULL);
          const int threads = run < 2 ? 2 : 4;
          const int strip_rows = run % 2 == 0 ? 256 : 96;
          g_autofree float *out = NULL;
          int rows;

          g_object_set (gegl_config (), "threads", threads, NULL);
          out = render_strips (node, width, height, strip_rows);
          rows = differing_rows (reference, out, width, height);
          ck_assert_msg (rows == 0, "%s, %d threads, strips of %d rows: %d rows differ from "
                         "one thread on the whole image", ops[i], threads, strip_rows, rows);
        }
    }
}
END_TEST

/* buffer-source → gegl:invert-linear → @op (amount 0.8, radius 2): the
 * op's input is then rendered for what the op asks, and only that, as in
 * a pipeline; a buffer-source alone would hand it every pixel. */
static GeglNode *
apply_after_point_op (GeglNode   *graph,
                      GeglBuffer *image,
                      const char *op)
{
  GeglNode *point = apply (graph, image, "gegl:invert-linear", NULL);
  GeglNode *node = gegl_node_new_child (graph, "operation", op,
                                        "amount", 0.8, "radius", 2.0, NULL);

  gegl_node_link (point, node);
  return node;
}

/* Strips that start anywhere, not on a cell (the ops then ask for the
 * cells around them exactly, not for a uniform margin), and a preview at
 * level 2 rendered in two parts split at an odd row, join without a seam:
 * the same pixels as one render of the whole. */
START_TEST (test_unaligned_strips_join)
{
  static const char * const ops[] = { "ottica:local-contrast", "ottica:glow", NULL };
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  const int small_w = SCENE_W / 4, small_h = SCENE_H / 4;
  const gsize small_bytes = sizeof (float) * small_w * small_h * 4;

  for (int i = 0; ops[i] != NULL; i++)
    {
      g_autofree float *whole = NULL, *strips = NULL;
      g_autofree float *preview = g_new0 (float, (gsize) small_w * small_h * 4);
      g_autofree float *preview_parts = g_new0 (float, (gsize) small_w * small_h * 4);
      GeglRectangle small = { 0, 0, small_w, small_h };
      const int split = small_h / 2 + 3;
      GeglRectangle top = { 0, 0, small_w, split };
      GeglRectangle bottom = { 0, split, small_w, small_h - split };
      int rows;

      /* A graph each, so that no render comes from another's cache. */
      {
        g_autoptr(GeglNode) graph = gegl_node_new ();
        GeglNode *node = apply_after_point_op (graph, image, ops[i]);

        whole = render (node, SCENE_W, SCENE_H);
        gegl_node_blit (node, 0.25, &small, working_format (), preview,
                        GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      }
      {
        g_autoptr(GeglNode) graph = gegl_node_new ();
        GeglNode *node = apply_after_point_op (graph, image, ops[i]);

        strips = render_strips (node, SCENE_W, SCENE_H, 37);
      }
      {
        g_autoptr(GeglNode) graph = gegl_node_new ();
        GeglNode *node = apply_after_point_op (graph, image, ops[i]);

        gegl_node_blit (node, 0.25, &top, working_format (), preview_parts,
                        GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
        gegl_node_blit (node, 0.25, &bottom, working_format (),
                        preview_parts + (gsize) split * small_w * 4,
                        GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      }
      rows = differing_rows (whole, strips, SCENE_W, SCENE_H);
      ck_assert_msg (rows == 0, "%s: strips of 37 rows differ from the whole in %d rows",
                     ops[i], rows);
      ck_assert_msg (memcmp (preview, preview_parts, small_bytes) == 0,
                     "%s: a preview in two parts differs from the whole preview", ops[i]);
    }
}
END_TEST

/* How many rows above and below @strip @operation asks its input for. */
static void
required_margins (GeglNode            *node,
                  const GeglRectangle *strip,
                  int                 *above,
                  int                 *below)
{
  GeglOperation *operation = gegl_node_get_gegl_operation (node);
  GeglRectangle  need;

  gegl_operation_prepare (operation);
  need = gegl_operation_get_required_for_output (operation, "input", strip);
  ck_assert (gegl_rectangle_contains (&need, strip));
  *above = strip->y - need.y;
  *below = need.y + need.height - (strip->y + strip->height);
}

/* An export renders everything upstream of an area filter again over the
 * rows it reads around each strip: glow and local contrast ask for little
 * more than their filters reach. Analog Warm's parameters on a 6000 × 4000
 * photo, for a strip of 576 rows starting on a multiple of 64 (as the JPEG
 * exporter's): glow's σ is 48 px, so its Gaussian reaches 144 rows and its
 * cells are 16 rows (a uniform margin of the old 32-row cells was 224);
 * local contrast's window reaches 30 rows, its cells are 8 rows (the
 * uniform margin was 64). */
START_TEST (test_required_input_tight)
{
  GeglRectangle extent = { 0, 0, 6000, 4000 };
  GeglRectangle strip = { 0, 1984, 6000, 576 };
  g_autoptr(GeglBuffer) empty = gegl_buffer_new (&extent, working_format ());
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *glow = apply (graph, empty, "ottica:glow", "amount", 0.15, "threshold", 0.6,
                          "radius", 0.8, "warmth", 0.5, NULL);
  GeglNode *local = apply (graph, empty, "ottica:local-contrast", "amount", 0.2,
                           "radius", 0.5, NULL);
  GeglNode *off = apply (graph, empty, "ottica:glow", "amount", 0.0, NULL);
  int above, below;

  gegl_node_get_bounding_box (glow);
  required_margins (glow, &strip, &above, &below);
  ck_assert_msg (above >= 144 && above <= 176 && below >= 144 && below <= 176,
                 "glow reads %d rows above and %d below a strip", above, below);

  gegl_node_get_bounding_box (local);
  required_margins (local, &strip, &above, &below);
  ck_assert_msg (above >= 30 && above < 64 && below >= 30 && below < 64,
                 "local contrast reads %d rows above and %d below a strip", above, below);

  /* Nothing to spread: nothing read beyond the strip. */
  gegl_node_get_bounding_box (off);
  required_margins (off, &strip, &above, &below);
  ck_assert_int_eq (above, 0);
  ck_assert_int_eq (below, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Point steps run by an area filter ("then")                          */

/* What ottica:look hands glow or local contrast: point steps with planar
 * kernels (falloff, tone curve) and one without (grain, position-bound). */
static const char * const then_ops[] = { "ottica:lens-falloff", "ottica:tone-curve",
                                         "ottica:grain", NULL };

static void
set_then_params (GeglNode *node, const char *op, double slope)
{
  if (g_str_equal (op, "ottica:lens-falloff"))
    gegl_node_set (node, "ev", -0.6, NULL);
  else if (g_str_equal (op, "ottica:tone-curve"))
    gegl_node_set (node, "slope", slope, "fade", 0.03, NULL);
  else
    gegl_node_set (node, "amount", 2.0, "size", 1.5, "seed", 3, NULL);
}

/* @filter_op at @amount from @image, then the steps: as nodes after it
 * (@separate), and run by a second such filter (@fused), whose steps'
 * nodes read the image (for its extent), as ottica:look links them.
 * Returns the steps' operations. */
static GPtrArray *
build_then (GeglNode    *graph,
            GeglBuffer  *image,
            const char  *filter_op,
            double       amount,
            GeglNode   **separate,
            GeglNode   **fused)
{
  GPtrArray *steps = g_ptr_array_new_with_free_func (g_object_unref);
  GeglNode  *source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                           "buffer", image, NULL);
  GeglNode  *previous = gegl_node_new_child (graph, "operation", filter_op,
                                             "amount", amount, "radius", 2.0, NULL);

  *fused = gegl_node_new_child (graph, "operation", filter_op,
                                "amount", amount, "radius", 2.0, NULL);
  gegl_node_link (source, previous);
  gegl_node_link (source, *fused);
  for (int i = 0; then_ops[i] != NULL; i++)
    {
      GeglNode *node = gegl_node_new_child (graph, "operation", then_ops[i], NULL);
      GeglNode *step = gegl_node_new_child (graph, "operation", then_ops[i], NULL);

      set_then_params (node, then_ops[i], 1.3);
      set_then_params (step, then_ops[i], 1.3);
      gegl_node_link (previous, node);
      previous = node;
      gegl_node_link (source, step);
      g_ptr_array_add (steps, g_object_ref (gegl_node_get_gegl_operation (step)));
    }
  gegl_node_set (*fused, "then", steps, NULL);
  *separate = previous;
  return steps;
}

/* @node at render level 1, as a preview at 50 % renders it. */
static float *
render_level1 (GeglNode *node)
{
  GeglRectangle half = { 0, 0, SCENE_W / 2, SCENE_H / 2 };
  float *pixels = g_new0 (float, (gsize) half.width * half.height * 4);

  g_object_set (gegl_config (), "mipmap-rendering", TRUE, NULL);
  gegl_node_blit (node, 0.5, &half, working_format (), pixels, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_set (gegl_config (), "mipmap-rendering", FALSE, NULL);
  return pixels;
}

/* The steps run on each tile of the filter's result give the bits of the
 * same steps as nodes after it: whole, in quadrants, at render level 1;
 * with the filter neutral (amount 0), those of the steps alone. A step
 * changed, and the list set again as ottica:look does, shows in the next
 * render. */
START_TEST (test_then_equals_nodes_after)
{
  static const char * const filters[] = { "ottica:glow", "ottica:local-contrast", NULL };
  g_autoptr(GeglBuffer) image = make_image (SCENE_W, SCENE_H, fill_scene);
  const gsize bytes = sizeof (float) * SCENE_W * SCENE_H * 4;
  const gsize half_bytes = sizeof (float) * (SCENE_W / 2) * (SCENE_H / 2) * 4;

  for (int f = 0; filters[f] != NULL; f++)
    for (int neutral = 0; neutral <= 1; neutral++)
      {
        g_autoptr(GeglNode) graph = gegl_node_new ();
        g_autoptr(GeglNode) plain_graph = gegl_node_new ();
        g_autoptr(GPtrArray) steps = NULL;
        GeglNode *separate, *fused, *plain;
        g_autofree float *a = NULL, *b = NULL, *tiled = NULL, *original = NULL;
        g_autofree float *a1 = NULL, *b1 = NULL, *changed = NULL, *expected = NULL;
        GSList *children;

        steps = build_then (graph, image, filters[f], neutral ? 0.0 : 0.8, &separate, &fused);
        plain = gegl_node_new_child (plain_graph, "operation", "gegl:buffer-source",
                                     "buffer", image, NULL);
        original = render (plain, SCENE_W, SCENE_H);
        a = render (separate, SCENE_W, SCENE_H);
        b = render (fused, SCENE_W, SCENE_H);
        ck_assert_msg (memcmp (a, original, bytes) != 0, "%s: the steps did nothing", filters[f]);
        ck_assert_msg (memcmp (a, b, bytes) == 0, "%s%s: its steps differ from nodes after it",
                       filters[f], neutral ? " at amount 0" : "");
        tiled = render_tiled (fused, SCENE_W, SCENE_H);
        ck_assert_msg (memcmp (tiled, b, bytes) == 0, "%s: in quadrants, other bits", filters[f]);
        a1 = render_level1 (separate);
        b1 = render_level1 (fused);
        ck_assert_msg (memcmp (a1, b1, half_bytes) == 0, "%s: at level 1, other bits", filters[f]);

        children = gegl_node_get_children (graph);
        for (GSList *l = children; l != NULL; l = l->next)
          if (g_strcmp0 (gegl_node_get_operation (l->data), "ottica:tone-curve") == 0)
            set_then_params (l->data, "ottica:tone-curve", 0.8);
        g_slist_free (children);
        gegl_node_set (fused, "then", steps, NULL);
        changed = render (fused, SCENE_W, SCENE_H);
        expected = render (separate, SCENE_W, SCENE_H);
        ck_assert (memcmp (expected, a, bytes) != 0);
        ck_assert_msg (memcmp (changed, expected, bytes) == 0,
                       "%s: a changed step did not show", filters[f]);
      }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ops-spatial");
  TCase *common = ottica_test_case ("common");
  TCase *grain = ottica_test_case ("grain");
  TCase *local_contrast = ottica_test_case ("local-contrast");
  TCase *glow = ottica_test_case ("glow");

  tcase_add_test (common, test_neutral_is_identity);
  tcase_add_test (common, test_keys_and_ranges);
  tcase_add_test (common, test_tiled_equals_whole);
  tcase_add_test (common, test_preview_matches_export);
  tcase_add_test (common, test_threads_and_linear_source_agree);
  tcase_add_test (common, test_large_renders_deterministic);
  tcase_add_test (common, test_unaligned_strips_join);
  tcase_add_test (common, test_required_input_tight);
  tcase_add_test (common, test_then_equals_nodes_after);
  suite_add_tcase (suite, common);

  tcase_add_test (grain, test_grain_seeded);
  tcase_add_test (grain, test_grain_strength_and_tones);
  tcase_add_test (grain, test_grain_luminance_only);
  tcase_add_test (grain, test_grain_size_relative);
  tcase_add_test (grain, test_grain_proxy_matches_downscaled);
  tcase_add_test (grain, test_grain_preview_level);
  suite_add_tcase (suite, grain);

  tcase_add_test (local_contrast, test_local_contrast_no_halo);
  tcase_add_test (local_contrast, test_local_contrast_texture);
  tcase_add_test (local_contrast, test_local_contrast_input_tiling);
  tcase_add_test (local_contrast, test_local_contrast_avx2_same_bits);
  suite_add_tcase (suite, local_contrast);

  tcase_add_test (glow, test_glow_spreads_highlights);
  tcase_add_test (glow, test_glow_threshold);
  tcase_add_test (glow, test_glow_just_above_threshold);
  tcase_add_test (glow, test_glow_input_tiling);
  tcase_add_test (glow, test_glow_avx2_same_bits);
  suite_add_tcase (suite, glow);

  return ottica_test_run ("ops-spatial", suite);
}
