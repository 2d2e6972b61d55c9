/* test-looks.c: the looks suite: the .look format and its validation,
 * the library (built-in and user looks), the ottica:look meta operation
 * and the character of each built-in look, pinned on synthetic images
 * and on the bundled photo (reference renders, ΔE2000 ≤ 1.5).
 *
 * OTTICA_BLESS=1 rewrites the reference renders in tests/data/looks/
 * instead of comparing against them (meson: ninja -C BUILD bless), for a
 * person to review before committing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <gmodule.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-image.h"
#include "ottica-look-library.h"
#include "ottica-test.h"

/* Every built-in look and whether it is black and white. */
static const struct
{
  const char *id;
  gboolean    mono;
} builtin_looks[] = {
  { "analog-warm",          FALSE },
  { "blue-tone",            TRUE },
  { "blue-tone-strong",     TRUE },
  { "bright-street",        FALSE },
  { "documentary",          FALSE },
  { "faded-cinema",         FALSE },
  { "hard-mono",            TRUE },
  { "modern-portrait",      FALSE },
  { "neutral",              FALSE },
  { "selenium-tone",        TRUE },
  { "selenium-tone-strong", TRUE },
  { "sepia-tone",           TRUE },
  { "sepia-tone-strong",    TRUE },
  { "silver-mono",          TRUE },
  { "slide-film",           FALSE },
  { "soft-natural",         FALSE },
  { "vivid",                FALSE },
};

/* Operations that depend on where a pixel is (or on its neighbours). */
static const char * const spatial_operations[] = {
  "ottica:lens-falloff", "ottica:local-contrast", "ottica:glow", "ottica:grain", NULL
};

#define REFERENCE_LONG_EDGE 256
#define REFERENCE_MAX_DE2000 1.5

/* ---- helpers -------------------------------------------------------------- */

static char *user_data_home;

static char *
user_looks_dir (void)
{
  return g_build_filename (user_data_home, "ottica", "looks", NULL);
}

/* Empties the user looks folder (the library has not been loaded in this
 * forked test yet, so what is there now is what it will see). */
static void
reset_user_looks (void)
{
  g_autofree char *dir = user_looks_dir ();
  GDir *listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing != NULL)
    {
      while ((name = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);

          g_unlink (path);
        }
      g_dir_close (listing);
    }
  g_mkdir_with_parents (dir, 0755);
}

static void
write_user_file (const char *name, const char *contents, gssize length)
{
  g_autofree char *dir = user_looks_dir ();
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (g_file_set_contents (path, contents, length, &error), "%s",
                 error ? error->message : "");
}

static const OtticaLook *
find_look (const char *id)
{
  const OtticaLook *look = ottica_look_library_find (id);

  ck_assert_msg (look != NULL, "no look “%s”", id);
  return look;
}

/* The name of ottica:look's look property: "look" (as in
 * "gegl … -- ottica:look look=documentary"), or "look-id" in builds
 * from before it was renamed. */
static const char *
look_property (void)
{
  ottica_look_op_ensure_registered ();
  return gegl_operation_find_property ("ottica:look", "look") != NULL ? "look" : "look-id";
}

static gboolean
is_spatial (const char *operation)
{
  return g_strv_contains (spatial_operations, operation);
}

static GeglBuffer *
buffer_from_floats (const char *format_name, int width, int height, const float *pixels)
{
  GeglRectangle extent = { 0, 0, width, height };
  const Babl *format = babl_format (format_name);
  GeglBuffer *buffer = gegl_buffer_new (&extent, format);

  gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

/* A flat frame of one linear Rec.2020 colour. */
static GeglBuffer *
flat_buffer (int width, int height, double r, double g, double b)
{
  GeglRectangle extent = { 0, 0, width, height };
  GeglBuffer *buffer = gegl_buffer_new (&extent, ottica_engine_working_format ());
  float pixel[4] = { r, g, b, 1.0f };

  gegl_buffer_set_color_from_pixel (buffer, &extent, pixel, ottica_engine_working_format ());
  return buffer;
}

/* Neutral greys from L* 0 to 100 (and a little above white), one a pixel. */
static GeglBuffer *
grey_ramp_buffer (int n)
{
  g_autofree float *lab = g_new (float, n * 4);

  for (int i = 0; i < n; i++)
    {
      lab[i * 4 + 0] = 105.0f * i / (n - 1);
      lab[i * 4 + 1] = 0.0f;
      lab[i * 4 + 2] = 0.0f;
      lab[i * 4 + 3] = 1.0f;
    }
  return buffer_from_floats ("CIE Lab alpha float", n, 1, lab);
}

/* An 8 × 8 × 8 sRGB colour cube, one colour a pixel (64 × 8). */
static GeglBuffer *
color_cube_buffer (void)
{
  float rgba[8 * 8 * 8 * 4];
  int i = 0;

  for (int b = 0; b < 8; b++)
    for (int g = 0; g < 8; g++)
      for (int r = 0; r < 8; r++, i++)
        {
          rgba[i * 4 + 0] = r / 7.0f;
          rgba[i * 4 + 1] = g / 7.0f;
          rgba[i * 4 + 2] = b / 7.0f;
          rgba[i * 4 + 3] = 1.0f;
        }
  return buffer_from_floats ("R'G'B'A float", 64, 8, rgba);
}

/* The bundled photo, scaled to @long_edge, in the working format. */
static GeglBuffer *
photo_buffer (int long_edge)
{
  g_autofree char *path = ottica_test_bundled_photo ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaImage) image = NULL;
  GeglBuffer *scaled = NULL;
  GeglBuffer *working;
  GeglNode *load, *scale, *sink;
  GeglRectangle extent;

  /* Ottica's own decoder, as the editor and exports load it (the engine
   * does not load GEGL's JPEG loader). */
  image = ottica_image_load (path, NULL, NULL, &error);
  ck_assert_msg (image != NULL, "%s", error ? error->message : "");
  load = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", image->buffer, NULL);
  scale = gegl_node_new_child (graph, "operation", "gegl:scale-size-keepaspect",
                               "x", -1.0, "y", (double) long_edge,
                               "sampler", GEGL_SAMPLER_CUBIC, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &scaled, NULL);
  gegl_node_link_many (load, scale, sink, NULL);
  gegl_node_process (sink);
  ck_assert (scaled != NULL);

  extent = *gegl_buffer_get_extent (scaled);
  ck_assert_int_eq (extent.height, long_edge);
  working = gegl_buffer_new (&extent, ottica_engine_working_format ());
  gegl_buffer_copy (scaled, &extent, GEGL_ABYSS_NONE, working, &extent);
  g_object_unref (scaled);
  return working;
}

/* Renders @source through ottica:look; returns pixels in @format. */
static float *
render_look (GeglBuffer *source, const char *look_id, double amount, const Babl *format)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  float *pixels = g_new0 (float, (gsize) extent->width * extent->height * 4);
  GeglNode *input, *look;

  ottica_look_op_ensure_registered ();
  input = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", source, NULL);
  look = gegl_node_new_child (graph, "operation", "ottica:look",
                              look_property (), look_id, "amount", amount, NULL);
  gegl_node_link (input, look);
  gegl_node_blit (look, 1.0, extent, format, pixels, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return pixels;
}

static float *
render_look_lab (GeglBuffer *source, const char *look_id, double amount)
{
  return render_look (source, look_id, amount, babl_format ("CIE Lab alpha float"));
}

/* Only the look's point operations (no lens falloff, grain …), so that
 * a ramp shows the look's pure tone and colour mapping. */
static float *
render_point_steps_lab (GeglBuffer *source, const OtticaLook *look)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (source);
  float *pixels = g_new0 (float, (gsize) extent->width * extent->height * 4);
  GeglNode *previous;

  previous = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", source, NULL);
  for (guint i = 0; i < ottica_look_get_n_steps (look); i++)
    {
      const char *operation = ottica_look_get_step_operation (look, i);
      GeglNode *node;

      if (is_spatial (operation))
        continue;
      node = gegl_node_new_child (graph, "operation", operation, NULL);
      ottica_look_apply_step (look, i, node, 1.0);
      gegl_node_link (previous, node);
      previous = node;
    }
  gegl_node_blit (previous, 1.0, extent, babl_format ("CIE Lab alpha float"), pixels,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return pixels;
}

static double
chroma (const float *lab)
{
  return hypot (lab[1], lab[2]);
}

static double
hue_degrees (const float *lab)
{
  double h = atan2 (lab[2], lab[1]) * 180.0 / G_PI;

  return h < 0.0 ? h + 360.0 : h;
}

static double
hue_distance (double a, double b)
{
  double d = fabs (fmod (a - b, 360.0));

  return d > 180.0 ? 360.0 - d : d;
}

/* CIEDE2000 (Sharma, Wu and Dalal 2005), kL = kC = kH = 1. */
static double
delta_e_2000 (const float *lab1, const float *lab2)
{
  const double deg = G_PI / 180.0;
  double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
  double L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
  double C1 = hypot (a1, b1), C2 = hypot (a2, b2);
  double C_mean = (C1 + C2) / 2.0;
  double C7 = pow (C_mean, 7.0);
  double G = 0.5 * (1.0 - sqrt (C7 / (C7 + pow (25.0, 7.0))));
  double a1p = (1.0 + G) * a1, a2p = (1.0 + G) * a2;
  double C1p = hypot (a1p, b1), C2p = hypot (a2p, b2);
  double h1p = (a1p == 0.0 && b1 == 0.0) ? 0.0 : atan2 (b1, a1p) / deg;
  double h2p = (a2p == 0.0 && b2 == 0.0) ? 0.0 : atan2 (b2, a2p) / deg;
  double dLp, dCp, dhp, dHp, Lp_mean, Cp_mean, hp_mean, T, dtheta, RC, SL, SC, SH, RT;

  if (h1p < 0.0)
    h1p += 360.0;
  if (h2p < 0.0)
    h2p += 360.0;

  dLp = L2 - L1;
  dCp = C2p - C1p;
  if (C1p * C2p == 0.0)
    dhp = 0.0;
  else if (fabs (h2p - h1p) <= 180.0)
    dhp = h2p - h1p;
  else if (h2p - h1p > 180.0)
    dhp = h2p - h1p - 360.0;
  else
    dhp = h2p - h1p + 360.0;
  dHp = 2.0 * sqrt (C1p * C2p) * sin (dhp / 2.0 * deg);

  Lp_mean = (L1 + L2) / 2.0;
  Cp_mean = (C1p + C2p) / 2.0;
  if (C1p * C2p == 0.0)
    hp_mean = h1p + h2p;
  else if (fabs (h1p - h2p) <= 180.0)
    hp_mean = (h1p + h2p) / 2.0;
  else if (h1p + h2p < 360.0)
    hp_mean = (h1p + h2p + 360.0) / 2.0;
  else
    hp_mean = (h1p + h2p - 360.0) / 2.0;

  T = 1.0 - 0.17 * cos ((hp_mean - 30.0) * deg) + 0.24 * cos (2.0 * hp_mean * deg)
      + 0.32 * cos ((3.0 * hp_mean + 6.0) * deg) - 0.20 * cos ((4.0 * hp_mean - 63.0) * deg);
  dtheta = 30.0 * exp (-pow ((hp_mean - 275.0) / 25.0, 2.0));
  RC = 2.0 * sqrt (pow (Cp_mean, 7.0) / (pow (Cp_mean, 7.0) + pow (25.0, 7.0)));
  SL = 1.0 + 0.015 * pow (Lp_mean - 50.0, 2.0) / sqrt (20.0 + pow (Lp_mean - 50.0, 2.0));
  SC = 1.0 + 0.045 * Cp_mean;
  SH = 1.0 + 0.015 * Cp_mean * T;
  RT = -sin (2.0 * dtheta * deg) * RC;

  return sqrt (pow (dLp / SL, 2.0) + pow (dCp / SC, 2.0) + pow (dHp / SH, 2.0)
               + RT * (dCp / SC) * (dHp / SH));
}

/* Warnings are expected from some tests (clamped values, unknown ids);
 * count them instead of printing. */
static int warnings_seen;
static GString *warnings_text;

static void
count_warning (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  warnings_seen++;
  if (warnings_text == NULL)
    warnings_text = g_string_new (NULL);
  g_string_append_printf (warnings_text, "%s\n", message);
}

static void
capture_warnings (void)
{
  warnings_seen = 0;
  g_log_set_handler (NULL, G_LOG_LEVEL_WARNING, count_warning, NULL);
}

/* ---- the library ------------------------------------------------------------ */

START_TEST (test_builtin_looks_load)
{
  g_autoptr(GPtrArray) errors = NULL;
  GPtrArray *looks;
  guint n_builtin = 0;

  reset_user_looks ();
  looks = ottica_look_library_list (&errors);
  ck_assert_ptr_nonnull (errors);
  for (guint i = 0; i < errors->len; i++)
    ck_abort_msg ("load error: %s", ((GError *) g_ptr_array_index (errors, i))->message);

  for (guint i = 0; i < looks->len; i++)
    n_builtin += ottica_look_is_builtin (g_ptr_array_index (looks, i));
  ck_assert_uint_eq (n_builtin, G_N_ELEMENTS (builtin_looks));

  for (gsize i = 0; i < G_N_ELEMENTS (builtin_looks); i++)
    {
      const OtticaLook *look = find_look (builtin_looks[i].id);
      const char * const *order = ottica_look_operations ();
      int last = -1;

      ck_assert (ottica_look_is_builtin (look));
      ck_assert_str_eq (ottica_look_get_id (look), builtin_looks[i].id);
      ck_assert (strlen (ottica_look_get_name (look)) > 0);
      ck_assert_msg (strlen (ottica_look_get_description (look)) > 20,
                     "%s has no description", builtin_looks[i].id);
      ck_assert_int_eq (ottica_look_get_kind (look),
                        builtin_looks[i].mono ? OTTICA_LOOK_KIND_MONO : OTTICA_LOOK_KIND_COLOR);
      ck_assert_str_eq (ottica_look_kind_to_string (ottica_look_get_kind (look)),
                        builtin_looks[i].mono ? "mono" : "color");
      ck_assert_msg (ottica_look_get_n_steps (look) > 0, "%s does nothing", builtin_looks[i].id);
      /* Steps come in the fixed chain order. */
      for (guint s = 0; s < ottica_look_get_n_steps (look); s++)
        {
          const char *operation = ottica_look_get_step_operation (look, s);
          int index = 0;

          while (order[index] != NULL && !g_str_equal (order[index], operation))
            index++;
          ck_assert_ptr_nonnull (order[index]);
          ck_assert_int_gt (index, last);
          last = index;
        }
    }

  /* Sorted: built-in first, each part by name. */
  for (guint i = 1; i < looks->len; i++)
    {
      const OtticaLook *a = g_ptr_array_index (looks, i - 1);
      const OtticaLook *b = g_ptr_array_index (looks, i);

      if (ottica_look_is_builtin (a) == ottica_look_is_builtin (b))
        ck_assert_int_le (g_utf8_collate (ottica_look_get_name (a), ottica_look_get_name (b)), 0);
      else
        ck_assert (ottica_look_is_builtin (a));
    }
  ck_assert_ptr_null (ottica_look_library_find ("no-such-look"));
}
END_TEST

/* The format: interpolation of every parameter by amount. */
START_TEST (test_amount_interpolates_parameters)
{
  static const char text[] =
    "[Look]\nversion=1\nid=steep\nname=Steep\nkind=color\n"
    "[ottica:tone-curve]\nslope=2.0\ntoe=-1\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaLook) look = ottica_look_new_from_bytes (bytes, "steep.look", FALSE, &error);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node;
  double slope, toe;

  ck_assert_msg (look != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (ottica_look_get_n_steps (look), 1);
  ck_assert_str_eq (ottica_look_get_step_operation (look, 0), "ottica:tone-curve");
  ck_assert (!ottica_look_get_tints (look));

  node = gegl_node_new_child (graph, "operation", "ottica:tone-curve", NULL);
  ottica_look_apply_step (look, 0, node, 0.25);
  gegl_node_get (node, "slope", &slope, "toe", &toe, NULL);
  ck_assert_double_eq_tol (slope, 1.25, 1e-12);
  ck_assert_double_eq_tol (toe, -0.25, 1e-12);

  ottica_look_apply_step (look, 0, node, 1.0);
  gegl_node_get (node, "slope", &slope, "toe", &toe, NULL);
  ck_assert_double_eq (slope, 2.0);
  ck_assert_double_eq (toe, -1.0);

  ottica_look_apply_step (look, 0, node, 0.0);
  gegl_node_get (node, "slope", &slope, "toe", &toe, NULL);
  ck_assert_double_eq (slope, 1.0);
  ck_assert_double_eq (toe, 0.0);
}
END_TEST

/* ---- amount 0 and 1 ---------------------------------------------------------- */

START_TEST (test_amount_zero_is_original)
{
  g_autoptr(GeglBuffer) photo = photo_buffer (128);
  const GeglRectangle *extent = gegl_buffer_get_extent (photo);
  const Babl *srgb = babl_format_with_space ("R'G'B'A float", babl_space ("sRGB"));
  gsize n = (gsize) extent->width * extent->height;
  g_autofree float *original = g_new (float, n * 4);

  gegl_buffer_get (photo, extent, 1.0, srgb, original, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  reset_user_looks ();

  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      /* 0 is a passthrough; a tiny amount goes through every step at
       * (almost) neutral values, which must be (almost) the identity. */
      const double amounts[] = { 0.0, 1e-4 };

      for (gsize a = 0; a < G_N_ELEMENTS (amounts); a++)
        {
          g_autofree float *out = render_look (photo, builtin_looks[l].id, amounts[a], srgb);
          double worst = 0.0;

          for (gsize i = 0; i < n * 4; i++)
            worst = MAX (worst, fabs (out[i] - original[i]));
          ck_assert_msg (worst <= 1.0 / 255.0, "%s at amount %g differs from the original by %g",
                         builtin_looks[l].id, amounts[a], worst);
        }
    }
}
END_TEST

START_TEST (test_amount_one_differs)
{
  g_autoptr(GeglBuffer) photo = photo_buffer (128);
  const GeglRectangle *extent = gegl_buffer_get_extent (photo);
  gsize n = (gsize) extent->width * extent->height;
  g_autofree float *original = ottica_test_buffer_lab (photo, extent);

  reset_user_looks ();
  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      g_autofree float *half = render_look_lab (photo, builtin_looks[l].id, 0.5);
      g_autofree float *full = render_look_lab (photo, builtin_looks[l].id, 1.0);
      double sum_half = 0.0, sum_full = 0.0;

      for (gsize i = 0; i < n; i++)
        {
          sum_half += delta_e_2000 (original + i * 4, half + i * 4);
          sum_full += delta_e_2000 (original + i * 4, full + i * 4);
        }
      /* Visibly different (above one just-noticeable difference on
       * average, even for Neutral on this soft photo), and half the
       * amount is part of the way there. */
      ck_assert_msg (sum_full / n > 1.0, "%s changes the photo by a mean ΔE2000 of only %.2f",
                     builtin_looks[l].id, sum_full / n);
      ck_assert_msg (sum_half < sum_full * 0.85 && sum_half > sum_full * 0.15,
                     "%s at amount 0.5: mean ΔE2000 %.2f against %.2f at 1",
                     builtin_looks[l].id, sum_half / n, sum_full / n);
    }
}
END_TEST

/* ---- character ------------------------------------------------------------- */

START_TEST (test_tone_curves_monotone)
{
  const int n = 512;
  g_autoptr(GeglBuffer) ramp = grey_ramp_buffer (n);

  reset_user_looks ();
  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      g_autofree float *out = render_point_steps_lab (ramp, find_look (builtin_looks[l].id));

      for (int i = 1; i < n; i++)
        ck_assert_msg (out[i * 4] >= out[(i - 1) * 4] - 1e-3,
                       "%s is not monotone: L* %.3f after %.3f at ramp step %d",
                       builtin_looks[l].id, out[i * 4], out[(i - 1) * 4], i);
      /* The ends still span most of the range. */
      ck_assert_msg (out[(n - 1) * 4] - out[0] > 60.0, "%s squeezes the tones to %.1f L*",
                     builtin_looks[l].id, out[(n - 1) * 4] - out[0]);
    }
}
END_TEST

START_TEST (test_color_looks_keep_greys_neutral)
{
  const int n = 256;
  g_autoptr(GeglBuffer) ramp = grey_ramp_buffer (n);

  reset_user_looks ();
  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      const OtticaLook *look = find_look (builtin_looks[l].id);
      g_autofree float *out = NULL;
      double worst = 0.0;

      if (ottica_look_get_kind (look) != OTTICA_LOOK_KIND_COLOR)
        continue;
      out = render_point_steps_lab (ramp, look);
      for (int i = 0; i < n; i++)
        worst = MAX (worst, MAX (fabs (out[i * 4 + 1]), fabs (out[i * 4 + 2])));
      if (ottica_look_get_tints (look))
        ck_assert_msg (worst >= 1.0, "%s says it tints, but greys stay within %.2f of neutral",
                       builtin_looks[l].id, worst);
      else
        ck_assert_msg (worst < 1.0, "%s tints greys by |a*| or |b*| = %.2f without saying so",
                       builtin_looks[l].id, worst);
    }
}
END_TEST

START_TEST (test_mono_looks_have_no_colour)
{
  g_autoptr(GeglBuffer) photo = photo_buffer (128);
  g_autoptr(GeglBuffer) cube = color_cube_buffer ();
  GeglBuffer *sources[] = { photo, cube };

  reset_user_looks ();
  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      const OtticaLook *look = find_look (builtin_looks[l].id);

      if (ottica_look_get_kind (look) != OTTICA_LOOK_KIND_MONO || ottica_look_get_tints (look))
        continue;
      for (gsize s = 0; s < G_N_ELEMENTS (sources); s++)
        {
          const GeglRectangle *extent = gegl_buffer_get_extent (sources[s]);
          gsize n = (gsize) extent->width * extent->height;
          g_autofree float *out = render_look_lab (sources[s], builtin_looks[l].id, 1.0);

          for (gsize i = 0; i < n; i++)
            ck_assert_msg (chroma (out + i * 4) < 1.0, "%s leaves chroma %.2f at pixel %zu",
                           builtin_looks[l].id, chroma (out + i * 4), i);
        }
    }
}
END_TEST

START_TEST (test_toned_looks_hue)
{
  g_autoptr(GeglBuffer) ramp = grey_ramp_buffer (256);
  g_autoptr(GeglBuffer) cube = color_cube_buffer ();
  GeglBuffer *sources[] = { ramp, cube };
  int n_toned = 0;

  reset_user_looks ();
  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      const OtticaLook *look = find_look (builtin_looks[l].id);
      double hue;

      if (!ottica_look_get_tone_hue (look, &hue))
        continue;
      n_toned++;
      ck_assert_int_eq (ottica_look_get_kind (look), OTTICA_LOOK_KIND_MONO);
      for (gsize s = 0; s < G_N_ELEMENTS (sources); s++)
        {
          const GeglRectangle *extent = gegl_buffer_get_extent (sources[s]);
          gsize n = (gsize) extent->width * extent->height;
          g_autofree float *out = render_point_steps_lab (sources[s], look);
          int n_tinted = 0;

          for (gsize i = 0; i < n; i++)
            {
              if (chroma (out + i * 4) < 2.0)
                continue;
              n_tinted++;
              ck_assert_msg (hue_distance (hue_degrees (out + i * 4), hue) <= 10.0,
                             "%s tones L* %.1f to hue %.1f°, not %.1f°", builtin_looks[l].id,
                             out[i * 4], hue_degrees (out + i * 4), hue);
            }
          ck_assert_msg (n_tinted >= (int) n / 8, "%s hardly tones (%d of %zu pixels)",
                         builtin_looks[l].id, n_tinted, n);
        }
    }
  ck_assert_int_eq (n_toned, 6);
}
END_TEST

static double
luminance (const float *rgba)
{
  /* Rec.2020 Y */
  return 0.2627 * rgba[0] + 0.6780 * rgba[1] + 0.0593 * rgba[2];
}

static double
mean_luminance (const float *rgba, int width, int x0, int y0, int size)
{
  double sum = 0.0;

  for (int y = y0; y < y0 + size; y++)
    for (int x = x0; x < x0 + size; x++)
      sum += luminance (rgba + ((gsize) y * width + x) * 4);
  return sum / (size * size);
}

START_TEST (test_documentary_lens_falloff)
{
  const int width = 360, height = 240;
  const double grey = 0.18;
  const Babl *working = ottica_engine_working_format ();
  g_auto(GValue) ev_value = G_VALUE_INIT;
  g_autoptr(GeglBuffer) flat = flat_buffer (width, height, grey, grey, grey);
  g_autoptr(GeglBuffer) darker = NULL;
  g_autofree float *out = NULL;
  g_autofree float *reference = NULL;
  double ev, centre, corner, expected;

  reset_user_looks ();
  ck_assert (ottica_look_get_param (find_look ("documentary"), "ottica:lens-falloff", "ev", &ev_value));
  ev = g_value_get_double (&ev_value);
  ck_assert (ev <= -0.5);

  /* The corner of a flat frame must look like the centre of a frame that
   * is |ev| darker: the falloff is an exposure before the tone curve. */
  out = render_look (flat, "documentary", 1.0, working);
  darker = flat_buffer (width, height, grey * exp2 (ev), grey * exp2 (ev), grey * exp2 (ev));
  reference = render_look (darker, "documentary", 1.0, working);

  centre = mean_luminance (out, width, width / 2 - 1, height / 2 - 1, 2);
  corner = mean_luminance (out, width, 0, 0, 1);
  expected = mean_luminance (reference, width, width / 2 - 1, height / 2 - 1, 2);
  ck_assert_msg (corner < centre, "corner %.4f is not darker than the centre %.4f", corner, centre);
  ck_assert_msg (fabs (log2 (corner / expected)) <= 0.1,
                 "corner is %.3f EV from a %.2f EV darker exposure", log2 (corner / expected), ev);
}
END_TEST

/* Mean L* of the middle of a flat frame after @look_id. */
static double
flat_lightness (const char *look_id, const float srgb[3])
{
  const int size = 64;
  float pixels[4] = { srgb[0], srgb[1], srgb[2], 1.0f };
  g_autofree float *tile = g_new (float, size * size * 4);
  g_autoptr(GeglBuffer) frame = NULL;
  g_autofree float *out = NULL;
  double sum = 0.0;

  for (int i = 0; i < size * size; i++)
    memcpy (tile + i * 4, pixels, sizeof pixels);
  frame = buffer_from_floats ("R'G'B'A float", size, size, tile);
  out = render_look_lab (frame, look_id, 1.0);
  for (int y = size / 4; y < size * 3 / 4; y++)
    for (int x = size / 4; x < size * 3 / 4; x++)
      sum += out[(y * size + x) * 4];
  return sum / (size * size / 4);
}

START_TEST (test_hard_mono_darkens_blue_sky)
{
  /* A clear blue sky and a grey of the same luminance (sRGB). */
  const float sky[3] = { 0.33f, 0.55f, 0.86f };
  float grey[3];
  double sky_silver, grey_silver, sky_hard, grey_hard;
  double y = 0.2126 * pow ((sky[0] + 0.055) / 1.055, 2.4) + 0.7152 * pow ((sky[1] + 0.055) / 1.055, 2.4)
             + 0.0722 * pow ((sky[2] + 0.055) / 1.055, 2.4);

  grey[0] = grey[1] = grey[2] = (float) (1.055 * pow (y, 1.0 / 2.4) - 0.055);
  reset_user_looks ();

  sky_silver = flat_lightness ("silver-mono", sky);
  grey_silver = flat_lightness ("silver-mono", grey);
  sky_hard = flat_lightness ("hard-mono", sky);
  grey_hard = flat_lightness ("hard-mono", grey);

  /* Silver Mono renders the sky about as light as its grey; Hard Mono's
   * red filter pulls it well below. */
  ck_assert_msg (fabs (sky_silver - grey_silver) < 4.0, "silver: sky %.1f, grey %.1f", sky_silver, grey_silver);
  ck_assert_msg (sky_hard < grey_hard - 8.0, "hard: sky %.1f, grey %.1f", sky_hard, grey_hard);
  ck_assert_msg (sky_hard - grey_hard < sky_silver - grey_silver - 8.0,
                 "hard darkens the sky by %.1f, silver by %.1f",
                 grey_hard - sky_hard, grey_silver - sky_silver);
  ck_assert (sky_hard < sky_silver);
}
END_TEST

/* ---- the meta operation ----------------------------------------------------- */

START_TEST (test_look_op_passthrough_and_updates)
{
  g_autoptr(GeglBuffer) photo = photo_buffer (64);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  const GeglRectangle *extent = gegl_buffer_get_extent (photo);
  const Babl *format = ottica_engine_working_format ();
  gsize n = (gsize) extent->width * extent->height * 4;
  g_autofree float *original = g_new (float, n);
  g_autofree float *out = g_new (float, n);
  GeglNode *input, *look;
  GSList *before, *after;
  char *id = NULL;
  double amount;

  reset_user_looks ();
  gegl_buffer_get (photo, extent, 1.0, format, original, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  ottica_look_op_ensure_registered ();
  ck_assert (gegl_has_operation ("ottica:look"));
  ck_assert_ptr_nonnull (gegl_operation_get_key ("ottica:look", "title"));
  ck_assert_ptr_nonnull (gegl_operation_get_key ("ottica:look", "description"));

  input = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", photo, NULL);
  look = gegl_node_new_child (graph, "operation", "ottica:look", NULL);
  gegl_node_link (input, look);
  gegl_node_get (look, look_property (), &id, "amount", &amount, NULL);
  ck_assert_str_eq (id, "");
  ck_assert_double_eq (amount, 1.0);
  g_free (id);

  /* No look: the input, bit for bit. */
  gegl_node_blit (look, 1.0, extent, format, out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert (memcmp (out, original, n * sizeof (float)) == 0);

  /* An unknown id: a warning, and the input. */
  capture_warnings ();
  gegl_node_set (look, look_property (), "no-such-look", NULL);
  ck_assert_int_eq (warnings_seen, 1);
  gegl_node_blit (look, 1.0, extent, format, out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert (memcmp (out, original, n * sizeof (float)) == 0);

  /* A look: one child per step; the amount only sets properties. */
  gegl_node_set (look, look_property (), "documentary", NULL);
  gegl_node_blit (look, 1.0, extent, format, out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert (memcmp (out, original, n * sizeof (float)) != 0);
  before = gegl_node_get_children (look);
  ck_assert_uint_ge (g_slist_length (before), ottica_look_get_n_steps (find_look ("documentary")));
  gegl_node_set (look, "amount", 0.3, NULL);
  after = gegl_node_get_children (look);
  ck_assert_uint_eq (g_slist_length (before), g_slist_length (after));
  for (GSList *a = before, *b = after; a != NULL; a = a->next, b = b->next)
    ck_assert_ptr_eq (a->data, b->data);
  g_slist_free (before);
  g_slist_free (after);

  /* Amount 0: the input again. */
  gegl_node_set (look, "amount", 0.0, NULL);
  gegl_node_blit (look, 1.0, extent, format, out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert (memcmp (out, original, n * sizeof (float)) == 0);

  /* Another look rebuilds; back to none passes through. */
  gegl_node_set (look, "amount", 1.0, look_property (), "silver-mono", NULL);
  gegl_node_blit (look, 1.0, extent, format, out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert (memcmp (out, original, n * sizeof (float)) != 0);
  gegl_node_set (look, look_property (), "", NULL);
  gegl_node_blit (look, 1.0, extent, format, out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ck_assert (memcmp (out, original, n * sizeof (float)) == 0);
}
END_TEST


/* ottica:look runs a look's point steps together (in an ottica:point-chain,
 * or inside the glow or local contrast before them): every built-in look
 * gives the bits of its steps as one node each, in order. And it does
 * run them inside those filters: analog-warm's path (glow, four point
 * steps, local contrast, grain) has no point-chain node, and glow and
 * local contrast each carry their steps. */
START_TEST (test_look_op_equals_its_steps)
{
  g_autoptr(GeglBuffer) photo = photo_buffer (160);
  const GeglRectangle *extent = gegl_buffer_get_extent (photo);
  const Babl *format = ottica_engine_working_format ();
  gsize n = (gsize) extent->width * extent->height * 4;

  reset_user_looks ();
  ottica_look_op_ensure_registered ();
  for (gsize i = 0; i < G_N_ELEMENTS (builtin_looks); i++)
    {
      const OtticaLook *look = find_look (builtin_looks[i].id);
      g_autoptr(GeglNode) graph = gegl_node_new ();
      g_autofree float *fused = render_look (photo, builtin_looks[i].id, 0.7, format);
      g_autofree float *separate = g_new0 (float, n);
      GeglNode *previous = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                                "buffer", photo, NULL);

      for (guint s = 0; s < ottica_look_get_n_steps (look); s++)
        {
          GeglNode *node = gegl_node_new_child (graph, "operation",
                                                ottica_look_get_step_operation (look, s), NULL);

          ottica_look_apply_step (look, s, node, 0.7);
          gegl_node_link (previous, node);
          previous = node;
        }
      gegl_node_blit (previous, 1.0, extent, format, separate, GEGL_AUTO_ROWSTRIDE,
                      GEGL_BLIT_DEFAULT);
      ck_assert_msg (memcmp (fused, separate, n * sizeof (float)) == 0,
                     "%s: ottica:look differs from its steps as separate nodes",
                     builtin_looks[i].id);
    }

  {
    g_autoptr(GeglNode) graph = gegl_node_new ();
    GeglNode *input = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                           "buffer", photo, NULL);
    GeglNode *node = gegl_node_new_child (graph, "operation", "ottica:look",
                                          look_property (), "analog-warm", NULL);
    GeglNode *at = gegl_node_get_output_proxy (node, "output");
    int carriers = 0, path = 0;

    gegl_node_link (input, node);
    /* From the look's output back to its input, along the pixels' path. */
    while ((at = gegl_node_get_producer (at, "input", NULL)) != NULL
           && at != gegl_node_get_input_proxy (node, "input"))
      {
        const char *operation = gegl_node_get_operation (at);
        gpointer then = NULL;

        path++;
        ck_assert_str_ne (operation, "ottica:point-chain");
        if (gegl_operation_find_property (operation, "then") != NULL)
          {
            gegl_node_get (at, "then", &then, NULL);
            carriers += then != NULL;
          }
      }
    ck_assert_int_eq (path, 2);
    ck_assert_int_eq (carriers, 2);
  }
}
END_TEST

/* ---- bad files ---------------------------------------------------------------- */

static const char good_look[] =
  "# A user look.\n"
  "[Look]\nversion=1\nid=my-warm\nname=My Warm\nname[it]=Il mio caldo\n"
  "description=Warm.\nkind=color\ntints=true\n"
  "[ottica:tone-curve]\nslope=1.1\n";

static gboolean
errors_mention (GPtrArray *errors, const char *file_name, const char *reason)
{
  g_autofree char *quoted = g_strdup_printf ("“%s”", file_name);

  for (guint i = 0; i < errors->len; i++)
    {
      const GError *error = g_ptr_array_index (errors, i);

      if (strstr (error->message, quoted) != NULL
          && (reason == NULL || strstr (error->message, reason) != NULL))
        return TRUE;
    }
  return FALSE;
}

static void
assert_error_mentions (GPtrArray *errors, const char *file_name, const char *reason)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; i < errors->len; i++)
    g_string_append_printf (all, "\n  %s", ((GError *) g_ptr_array_index (errors, i))->message);
  ck_assert_msg (errors_mention (errors, file_name, reason),
                 "no error names “%s” with “%s”; errors:%s", file_name, reason ? reason : "", all->str);
  g_string_free (all, TRUE);
}

START_TEST (test_bad_look_files_refused)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *truncated = NULL;
  guint8 junk[4096];
  GRand *rand = g_rand_new_with_seed (7);
  GPtrArray *looks;
  guint n_user = 0;

  reset_user_looks ();
  write_user_file ("good.look", good_look, -1);
  write_user_file ("unknown-op.look",
                   "[Look]\nversion=1\nid=a\nname=A\nkind=color\n[ottica:teleport]\nx=1\n", -1);
  write_user_file ("unknown-key.look",
                   "[Look]\nversion=1\nid=b\nname=B\nkind=color\n[ottica:tone-curve]\nsloop=1.2\n", -1);
  write_user_file ("nan.look",
                   "[Look]\nversion=1\nid=c\nname=C\nkind=color\n[ottica:tone-curve]\nslope=nan\n", -1);
  write_user_file ("wrong-type.look",
                   "[Look]\nversion=1\nid=d\nname=D\nkind=color\n[ottica:tone-curve]\nslope=steep\n", -1);
  /* Cut in the middle of a group line. */
  truncated = g_strndup (good_look, strstr (good_look, "[ottica:tone") - good_look + 12);
  write_user_file ("truncated.look", truncated, -1);
  huge = g_strnfill (2 * 1024 * 1024, '#');
  write_user_file ("huge.look", huge, -1);
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  write_user_file ("junk.look", (const char *) junk, sizeof junk);
  write_user_file ("newer.look", "[Look]\nversion=99\nid=e\nname=E\nkind=color\n", -1);
  write_user_file ("bad-id.look", "[Look]\nversion=1\nid=Bad Id!\nname=F\nkind=color\n", -1);
  write_user_file ("shadow.look",
                   "[Look]\nversion=1\nid=documentary\nname=Mine\nkind=color\n[ottica:tone-curve]\nslope=1.1\n", -1);
  write_user_file ("not-mono.look",
                   "[Look]\nversion=1\nid=g\nname=G\nkind=mono\n[ottica:tone-curve]\nslope=1.1\n", -1);
  write_user_file ("empty.look", "", 0);
  write_user_file ("notes.txt", "not a look, ignored", -1);

  looks = ottica_look_library_list (&errors);
  assert_error_mentions (errors, "unknown-op.look", "ottica:teleport");
  assert_error_mentions (errors, "unknown-key.look", "sloop");
  assert_error_mentions (errors, "nan.look", "slope");
  assert_error_mentions (errors, "wrong-type.look", "steep");
  assert_error_mentions (errors, "truncated.look", NULL);
  assert_error_mentions (errors, "huge.look", "too large");
  assert_error_mentions (errors, "junk.look", "not a text file");
  assert_error_mentions (errors, "newer.look", "newer");
  assert_error_mentions (errors, "bad-id.look", "id");
  assert_error_mentions (errors, "shadow.look", "built-in");
  assert_error_mentions (errors, "not-mono.look", "mono");
  assert_error_mentions (errors, "empty.look", "empty");
  ck_assert (!errors_mention (errors, "notes.txt", NULL));
  ck_assert_uint_eq (errors->len, 12);

  /* The good one and every built-in still load. */
  for (guint i = 0; i < looks->len; i++)
    n_user += !ottica_look_is_builtin (g_ptr_array_index (looks, i));
  ck_assert_uint_eq (n_user, 1);
  ck_assert_str_eq (ottica_look_get_name (find_look ("my-warm")), "My Warm");
  ck_assert (ottica_look_get_tints (find_look ("my-warm")));
  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    ck_assert (ottica_look_is_builtin (find_look (builtin_looks[l].id)));
  ck_assert_uint_eq (looks->len, G_N_ELEMENTS (builtin_looks) + 1);
}
END_TEST

static gpointer
list_in_thread (gpointer data)
{
  GPtrArray *looks = ottica_look_library_list (NULL);

  /* Every thread sees the whole library, and the same look objects. */
  g_assert (ottica_look_library_find ("documentary") != NULL);
  return looks;
}

START_TEST (test_library_loads_once_across_threads)
{
  GThread *threads[6];
  GPtrArray *first = NULL;

  reset_user_looks ();
  write_user_file ("good.look", good_look, -1);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("looks", list_in_thread, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      GPtrArray *looks = g_thread_join (threads[i]);

      if (first == NULL)
        first = looks;
      ck_assert_ptr_eq (looks, first);
    }
  ck_assert_uint_eq (first->len, G_N_ELEMENTS (builtin_looks) + 1);
  ck_assert_ptr_eq (ottica_look_library_list (NULL), first);
}
END_TEST

START_TEST (test_out_of_range_clamped)
{
  static const char text[] =
    "[Look]\nversion=1\nid=wild\nname=Wild\nkind=color\nfuture-key=1\n"
    "[ottica:tone-curve]\nslope=1000\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaLook) look = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GParamSpec *pspec = gegl_operation_find_property ("ottica:tone-curve", "slope");

  capture_warnings ();
  look = ottica_look_new_from_bytes (bytes, "wild.look", FALSE, &error);
  ck_assert_msg (look != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (warnings_seen, 2);  /* the clamp and the unknown header key */
  ck_assert_ptr_nonnull (strstr (warnings_text->str, "“wild.look”"));
  ck_assert (ottica_look_get_param (look, "ottica:tone-curve", "slope", &value));
  ck_assert_double_eq (g_value_get_double (&value), G_PARAM_SPEC_DOUBLE (pspec)->maximum);
}
END_TEST

START_TEST (test_export_import_round_trip)
{
  g_autofree char *exported = ottica_test_scratch_file ("documentary.look");
  g_autofree char *wrong_name = ottica_test_scratch_file ("documentary.cube");
  g_autofree char *mine = ottica_test_scratch_file ("mine.look");
  g_autofree char *mine_changed = ottica_test_scratch_file ("mine-changed.look");
  g_autofree char *installed = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaLook) reloaded = NULL;
  const OtticaLook *documentary, *imported, *again;
  gsize length;

  reset_user_looks ();
  documentary = find_look ("documentary");

  /* Export writes the look as one file that reads back the same. */
  ck_assert_msg (ottica_look_export (documentary, exported, FALSE, &error), "%s",
                 error ? error->message : "");
  ck_assert (!ottica_look_export (documentary, exported, FALSE, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS));
  g_clear_error (&error);
  ck_assert (!ottica_look_export (documentary, wrong_name, FALSE, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  g_clear_error (&error);
  reloaded = ottica_look_load (exported, &error);
  ck_assert_msg (reloaded != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (ottica_look_get_id (reloaded), "documentary");
  ck_assert (g_bytes_equal (ottica_look_get_bytes (reloaded), ottica_look_get_bytes (documentary)));
  ck_assert_uint_eq (ottica_look_get_n_steps (reloaded), ottica_look_get_n_steps (documentary));

  /* A built-in id cannot be imported. */
  ck_assert_ptr_null (ottica_look_library_import (exported, TRUE, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert_ptr_nonnull (strstr (error->message, "“documentary.look”"));
  g_clear_error (&error);

  /* A user look: copied into the folder, found by id, exported again. */
  ck_assert (g_file_set_contents (mine, good_look, -1, NULL));
  imported = ottica_look_library_import (mine, FALSE, &error);
  ck_assert_msg (imported != NULL, "%s", error ? error->message : "");
  ck_assert_ptr_eq (ottica_look_library_find ("my-warm"), imported);
  ck_assert (!ottica_look_is_builtin (imported));
  installed = g_build_filename (ottica_look_library_user_dir (), "my-warm.look", NULL);
  ck_assert_str_eq (ottica_look_get_path (imported), installed);
  ck_assert (g_file_get_contents (installed, &contents, &length, NULL));
  ck_assert_str_eq (contents, good_look);

  /* The same file again is fine; a different look with its id is not,
   * unless asked. */
  again = ottica_look_library_import (mine, FALSE, &error);
  ck_assert_ptr_eq (again, imported);
  {
    g_autofree char *changed = g_strdup (good_look);

    *strstr (changed, "slope=1.1") = '\0';
    ck_assert (g_file_set_contents (mine_changed, changed, -1, NULL));
  }
  ck_assert_ptr_null (ottica_look_library_import (mine_changed, FALSE, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS));
  g_clear_error (&error);
  again = ottica_look_library_import (mine_changed, TRUE, &error);
  ck_assert_msg (again != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (ottica_look_get_n_steps (again), 0);
  ck_assert_ptr_eq (ottica_look_library_find ("my-warm"), again);
  /* The old one stays valid for whoever still holds it. */
  ck_assert_str_eq (ottica_look_get_id (imported), "my-warm");
  ck_assert_uint_eq (ottica_look_library_list (NULL)->len, G_N_ELEMENTS (builtin_looks) + 1);

  /* A broken file is refused with its name. */
  ck_assert (g_file_set_contents (mine, "[Look]\nversion=1\n", -1, NULL));
  ck_assert_ptr_null (ottica_look_library_import (mine, TRUE, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "“mine.look”"));
}
END_TEST

/* A 2-point .cube: @scale multiplies each output channel. */
static char *
cube_text (const char *title, float r, float g, float b)
{
  GString *text = g_string_new ("# made by test-looks\n");

  if (title != NULL)
    g_string_append_printf (text, "TITLE \"%s\"\n", title);
  g_string_append (text, "LUT_3D_SIZE 2\n");
  for (int i = 0; i < 8; i++)
    g_string_append_printf (text, "%.6f %.6f %.6f\n", (i & 1) * r, ((i >> 1) & 1) * g, ((i >> 2) & 1) * b);
  return g_string_free (text, FALSE);
}

START_TEST (test_cube_looks)
{
  g_autofree char *identity = cube_text ("Identity Test", 1.0f, 1.0f, 1.0f);
  g_autofree char *warm = cube_text (NULL, 1.0f, 0.9f, 0.7f);
  g_autofree char *nan_cube = NULL;
  g_autofree char *truncated = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GeglBuffer) photo = photo_buffer (64);
  const GeglRectangle *extent = gegl_buffer_get_extent (photo);
  const Babl *srgb = babl_format_with_space ("R'G'B'A float", babl_space ("sRGB"));
  gsize n = (gsize) extent->width * extent->height * 4;
  g_autofree float *original = g_new (float, n);
  g_autofree float *out = NULL;
  g_autofree char *scratch_cube = ottica_test_scratch_file ("Film Print (v2).cube");
  g_autofree char *exported = ottica_test_scratch_file ("exported.cube");
  g_autofree char *exported_look = ottica_test_scratch_file ("exported.look");
  g_autoptr(GError) error = NULL;
  const OtticaLook *look;
  guint8 junk[2048];
  double worst = 0.0, mean_half = 0.0, mean_full = 0.0;

  reset_user_looks ();
  gegl_buffer_get (photo, extent, 1.0, srgb, original, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  write_user_file ("identity.cube", identity, -1);
  write_user_file ("Warm Print.cube", warm, -1);
  nan_cube = g_strdup (identity);
  memcpy (strstr (nan_cube, "1.000000 1.000000 1.000000"), "1.000000 nan      1.000000", 26);
  write_user_file ("nan.cube", nan_cube, -1);
  truncated = g_strndup (identity, strlen (identity) - 30);
  write_user_file ("truncated.cube", truncated, -1);
  write_user_file ("wrong-size.cube", "LUT_3D_SIZE 1\n0 0 0\n", -1);
  write_user_file ("too-large.cube", "LUT_3D_SIZE 4096\n0 0 0\n", -1);
  write_user_file ("one-d.cube", "LUT_1D_SIZE 2\n0 0 0\n1 1 1\n", -1);
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 7919 % 251);
  write_user_file ("junk.cube", (const char *) junk, sizeof junk);

  ottica_look_library_list (&errors);
  assert_error_mentions (errors, "nan.cube", "finite");
  assert_error_mentions (errors, "truncated.cube", "truncated");
  assert_error_mentions (errors, "wrong-size.cube", "size");
  assert_error_mentions (errors, "too-large.cube", "size");
  assert_error_mentions (errors, "one-d.cube", "1D");
  assert_error_mentions (errors, "junk.cube", NULL);
  ck_assert_uint_eq (errors->len, 6);

  /* Good LUTs are looks: id from the file name, name from TITLE. */
  look = find_look ("identity");
  ck_assert_str_eq (ottica_look_get_name (look), "Identity Test");
  ck_assert (ottica_look_is_lut (look));
  ck_assert (ottica_look_get_tints (look));
  ck_assert_uint_eq (ottica_look_get_n_steps (look), 1);
  ck_assert_str_eq (ottica_look_get_step_operation (look, 0), "ottica:lut3d");
  look = find_look ("warm-print");
  ck_assert_str_eq (ottica_look_get_name (look), "Warm Print");

  /* The identity LUT is the identity. */
  out = render_look (photo, "identity", 1.0, srgb);
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs (out[i] - original[i]));
  ck_assert_msg (worst <= 1.0 / 255.0, "the identity LUT changes pixels by %g", worst);
  g_clear_pointer (&out, g_free);

  /* A warming LUT follows the amount: nothing at 0, part way at 0.5. */
  out = render_look (photo, "warm-print", 0.0, srgb);
  ck_assert (memcmp (out, original, n * sizeof (float)) == 0);
  g_clear_pointer (&out, g_free);
  {
    g_autofree float *half = render_look (photo, "warm-print", 0.5, srgb);
    g_autofree float *full = render_look (photo, "warm-print", 1.0, srgb);

    for (gsize i = 0; i < n; i += 4)
      {
        mean_half += original[i + 2] - half[i + 2];
        mean_full += original[i + 2] - full[i + 2];
      }
  }
  ck_assert_msg (mean_full / (n / 4) > 0.05, "blue falls by only %g", mean_full / (n / 4));
  ck_assert (mean_half > 0.3 * mean_full && mean_half < 0.7 * mean_full);

  /* Export keeps it a .cube; import names it by its id. */
  ck_assert (!ottica_look_export (look, exported_look, FALSE, &error));
  g_clear_error (&error);
  ck_assert_msg (ottica_look_export (look, exported, FALSE, &error), "%s", error ? error->message : "");
  ck_assert (g_file_set_contents (scratch_cube, warm, -1, NULL));
  look = ottica_look_library_import (scratch_cube, FALSE, &error);
  ck_assert_msg (look != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (ottica_look_get_id (look), "film-print-v2");
  ck_assert_ptr_eq (ottica_look_library_find ("film-print-v2"), look);
  {
    g_autofree char *dir = user_looks_dir ();
    g_autofree char *installed = g_build_filename (dir, "film-print-v2.cube", NULL);

    ck_assert (g_file_test (installed, G_FILE_TEST_IS_REGULAR));
  }
}
END_TEST

/* ---- reference renders -------------------------------------------------------- */

static void
save_png (GeglBuffer *buffer, const char *path)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source, *save;

  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  save = gegl_node_new_child (graph, "operation", "gegl:png-save",
                              "path", path, "bitdepth", 8, "compression", 9, NULL);
  gegl_node_link (source, save);
  gegl_node_process (save);
}

static GeglBuffer *
load_png (const char *path)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglBuffer *buffer = NULL;
  GeglNode *load, *sink;

  load = gegl_node_new_child (graph, "operation", "gegl:png-load", "path", path, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  return buffer;
}

START_TEST (test_reference_renders)
{
  gboolean bless = g_strcmp0 (g_getenv ("OTTICA_BLESS"), "1") == 0;
  g_autoptr(GeglBuffer) photo = photo_buffer (REFERENCE_LONG_EDGE);
  const GeglRectangle *extent = gegl_buffer_get_extent (photo);
  gsize n = (gsize) extent->width * extent->height;
  const Babl *srgb8 = babl_format_with_space ("R'G'B' u8", babl_space ("sRGB"));
  g_autofree char *dir = ottica_test_data_file ("looks");
  GString *failures = g_string_new (NULL);

  reset_user_looks ();
  if (bless)
    g_mkdir_with_parents (dir, 0755);

  for (gsize l = 0; l < G_N_ELEMENTS (builtin_looks); l++)
    {
      g_autofree char *name = g_strconcat (builtin_looks[l].id, ".png", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree float *lab = render_look_lab (photo, builtin_looks[l].id, 1.0);
      g_autoptr(GeglBuffer) reference = NULL;
      g_autofree float *reference_lab = NULL;
      double worst = 0.0, sum = 0.0;

      if (bless)
        {
          g_autoptr(GeglBuffer) rendered = gegl_buffer_new (extent, srgb8);
          g_autofree float *pixels = render_look (photo, builtin_looks[l].id, 1.0,
                                                  ottica_engine_working_format ());

          /* Working float → sRGB 8-bit, rounded by babl. */
          gegl_buffer_set (rendered, extent, 0, ottica_engine_working_format (), pixels,
                           GEGL_AUTO_ROWSTRIDE);
          save_png (rendered, path);
          printf ("blessed %s\n", path);
          continue;
        }

      ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR),
                     "no reference render %s: run `ninja bless` and review the images", path);
      reference = load_png (path);
      ck_assert_int_eq (gegl_buffer_get_extent (reference)->width, extent->width);
      ck_assert_int_eq (gegl_buffer_get_extent (reference)->height, extent->height);
      reference_lab = ottica_test_buffer_lab (reference, extent);
      for (gsize i = 0; i < n; i++)
        {
          double de = delta_e_2000 (lab + i * 4, reference_lab + i * 4);

          worst = MAX (worst, de);
          sum += de;
        }
      /* For whoever reviews a change that moves the renders. */
      printf ("reference %s: max ΔE2000 %.3f, mean %.4f\n", builtin_looks[l].id, worst, sum / n);
      if (worst > REFERENCE_MAX_DE2000)
        g_string_append_printf (failures, "\n  %s: max ΔE2000 %.2f (mean %.3f)",
                                builtin_looks[l].id, worst, sum / n);
    }
  ck_assert_msg (failures->len == 0, "renders differ from their references:%s", failures->str);
  g_string_free (failures, TRUE);
}
END_TEST

/* ---- digests (batch manifests) ------------------------------------------------ */

START_TEST (test_look_digest)
{
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaLook) first = NULL;
  g_autoptr(OtticaLook) changed = NULL;
  g_autoptr(OtticaLook) same = NULL;
  g_autofree char *first_digest = NULL;
  g_autofree char *changed_digest = NULL;
  g_autofree char *same_digest = NULL;
  g_autofree char *changed_text = NULL;

  reset_user_looks ();

  /* Built-in looks: the SHA-256 of their file, lower-case hex, one each. */
  for (guint i = 0; i < G_N_ELEMENTS (builtin_looks); i++)
    {
      const OtticaLook *look = find_look (builtin_looks[i].id);
      g_autofree char *digest = ottica_look_dup_digest (look);
      g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256,
                                                                ottica_look_get_bytes (look));

      ck_assert_uint_eq (strlen (digest), 64);
      ck_assert_msg (strspn (digest, "0123456789abcdef") == 64, "%s", digest);
      ck_assert_str_eq (digest, expected);
      ck_assert_msg (!g_hash_table_contains (seen, digest), "%s shares a digest", builtin_looks[i].id);
      g_hash_table_add (seen, g_steal_pointer (&digest));
    }

  /* A user look: the digest of exactly its bytes (sha256sum of the file)… */
  path = ottica_test_scratch_file ("my-warm.look");
  ck_assert (g_file_set_contents (path, good_look, -1, NULL));
  first = ottica_look_load (path, &error);
  ck_assert_msg (first != NULL, "%s", error ? error->message : "");
  first_digest = ottica_look_dup_digest (first);
  ck_assert_str_eq (first_digest, "132cecbae1b713d5a833a04a0aa296ba62371aea5443898a5d2a9f540056c562");

  /* …so editing the file under the same id changes it, and reading the
   * same bytes again gives the same one. */
  changed_text = g_strdup (good_look);
  memcpy (strstr (changed_text, "slope=1.1"), "slope=1.3", strlen ("slope=1.3"));
  ck_assert (g_file_set_contents (path, changed_text, -1, NULL));
  changed = ottica_look_load (path, &error);
  ck_assert_msg (changed != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (ottica_look_get_id (changed), ottica_look_get_id (first));
  changed_digest = ottica_look_dup_digest (changed);
  ck_assert_str_ne (changed_digest, first_digest);

  ck_assert (g_file_set_contents (path, good_look, -1, NULL));
  same = ottica_look_load (path, &error);
  ck_assert_msg (same != NULL, "%s", error ? error->message : "");
  same_digest = ottica_look_dup_digest (same);
  ck_assert_str_eq (same_digest, first_digest);
}
END_TEST

/* ---- ottica-cli looks --export / --import ------------------------------------- */

typedef struct
{
  int   status;   /* exit status, or -1 when killed by a signal */
  char *out;
  char *err;
} CliRun;

static void
cli_run_clear (CliRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliRun, cli_run_clear)

static const char *
cli_path (void)
{
  const char *path = g_getenv ("OTTICA_CLI");

  return path != NULL ? path : OTTICA_BUILD_DIR "/src/cli/ottica-cli";
}

/* Runs ottica-cli with @args (NULL-terminated) in the scratch folder, with
 * $XDG_DATA_HOME set to @data_home and messages in English. */
static CliRun
run_cli_looks (const char *data_home, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  CliRun run = { -1, NULL, NULL };
  int wait_status = 0;

  envp = g_environ_setenv (envp, "XDG_DATA_HOME", data_home, TRUE);
  envp = g_environ_setenv (envp, "LC_ALL", "C.UTF-8", TRUE);
  g_ptr_array_add (argv, (char *) cli_path ());
  for (const char * const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);

  ck_assert_msg (g_spawn_sync (ottica_test_scratch_dir (), (char **) argv->pdata, envp,
                               G_SPAWN_DEFAULT, NULL, NULL, &run.out, &run.err, &wait_status, &error),
                 "could not run %s: %s", cli_path (), error ? error->message : "");
  if (WIFEXITED (wait_status))
    run.status = WEXITSTATUS (wait_status);
  return run;
}

#define looks_cli(home, ...) run_cli_looks (home, (const char * const[]) { __VA_ARGS__, NULL })

static char *
read_text (const char *path)
{
  char *contents = NULL;

  ck_assert_msg (g_file_get_contents (path, &contents, NULL, NULL), "cannot read %s", path);
  return contents;
}

/* TRUE when a line of `ottica-cli looks` starts with @id and names @name. */
static gboolean
listing_has (const char *listing, const char *id, const char *name)
{
  g_auto(GStrv) lines = g_strsplit (listing, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit_set (lines[i], " ", 2);

      if (g_strcmp0 (words[0], id) == 0 && strstr (lines[i], name) != NULL)
        return TRUE;
    }
  return FALSE;
}

START_TEST (test_cli_export_import)
{
  const char *scratch = ottica_test_scratch_dir ();
  g_autofree char *home = g_build_filename (scratch, "data-home", NULL);
  g_autofree char *installed_dir = g_build_filename (home, "ottica", "looks", NULL);
  g_autofree char *exported = g_build_filename (scratch, "documentary.look", NULL);
  g_autofree char *folder = g_build_filename (scratch, "shared", NULL);
  g_autofree char *in_folder = g_build_filename (folder, "silver-mono.look", NULL);
  g_autofree char *source = g_build_filename (OTTICA_SOURCE_DIR, "data", "looks", "documentary.look", NULL);
  g_autofree char *mine = g_build_filename (scratch, "my-documentary.look", NULL);
  g_autofree char *installed = g_build_filename (installed_dir, "my-doc.look", NULL);
  g_autofree char *original = read_text (source);
  g_autofree char *text = NULL;
  g_autoptr(GString) edited = NULL;

  /* A built-in look, written as its file is, atomically. */
  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--export", "documentary", exported);

    ck_assert_msg (run.status == 0, "%d: %s", run.status, run.err);
    text = read_text (exported);
    ck_assert_str_eq (text, original);
    g_clear_pointer (&text, g_free);
  }
  /* Never over an existing file unless asked. */
  ck_assert (g_file_set_contents (exported, "mine", -1, NULL));
  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--export", "documentary", exported);

    ck_assert_int_eq (run.status, 1);
    ck_assert_msg (strstr (run.err, "“documentary.look”") != NULL, "%s", run.err);
    text = read_text (exported);
    ck_assert_str_eq (text, "mine");
    g_clear_pointer (&text, g_free);
  }
  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--export", "documentary", exported, "--overwrite");

    ck_assert_msg (run.status == 0, "%d: %s", run.status, run.err);
    text = read_text (exported);
    ck_assert_str_eq (text, original);
    g_clear_pointer (&text, g_free);
  }
  /* Into a folder: ID.look there. Unknown ids and wrong endings are
   * usage errors. */
  ck_assert_int_eq (g_mkdir_with_parents (folder, 0755), 0);
  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--export", "silver-mono", folder);

    ck_assert_msg (run.status == 0, "%d: %s", run.status, run.err);
    ck_assert (g_file_test (in_folder, G_FILE_TEST_IS_REGULAR));
  }
  {
    g_auto(CliRun) unknown = looks_cli (home, "looks", "--export", "no-such-look", "x.look");
    g_auto(CliRun) ending = looks_cli (home, "looks", "--export", "documentary", "x.cube");
    g_auto(CliRun) both = looks_cli (home, "looks", "--export", "documentary", "--import", "x.look");
    g_auto(CliRun) nothing = looks_cli (home, "looks", "--import");

    ck_assert_int_eq (unknown.status, 2);
    ck_assert_msg (strstr (unknown.err, "“no-such-look”") != NULL, "%s", unknown.err);
    ck_assert_int_eq (ending.status, 2);
    ck_assert_msg (strstr (ending.err, "“x.cube”") != NULL, "%s", ending.err);
    {
      g_autofree char *cube = g_build_filename (scratch, "x.cube", NULL);

      ck_assert (!g_file_test (cube, G_FILE_TEST_EXISTS));
    }
    ck_assert_int_eq (both.status, 2);
    ck_assert_int_eq (nothing.status, 2);
  }

  /* A built-in's id cannot be imported as is… */
  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--import", exported);
    g_autofree char *copy = g_build_filename (installed_dir, "documentary.look", NULL);

    ck_assert_int_eq (run.status, 1);
    ck_assert_msg (strstr (run.err, "“documentary.look”") != NULL, "%s", run.err);
    ck_assert (!g_file_test (copy, G_FILE_TEST_EXISTS));
  }
  /* …but with its id edited it is a look of one's own, listed by ottica-cli. */
  edited = g_string_new (original);
  ck_assert_uint_eq (g_string_replace (edited, "\nid=documentary\n", "\nid=my-doc\n", 1), 1);
  ck_assert_uint_eq (g_string_replace (edited, "\nname=Documentary\n", "\nname=My Documentary\n", 1), 1);
  ck_assert (g_file_set_contents (mine, edited->str, -1, NULL));
  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--import", mine);
    g_auto(CliRun) list = looks_cli (home, "looks");

    ck_assert_msg (run.status == 0, "%d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.out, "my-doc") != NULL, "%s", run.out);
    text = read_text (installed);
    ck_assert_str_eq (text, edited->str);
    g_clear_pointer (&text, g_free);
    ck_assert_int_eq (list.status, 0);
    ck_assert_msg (listing_has (list.out, "my-doc", "My Documentary"), "%s", list.out);
    ck_assert_msg (listing_has (list.out, "documentary", "Documentary"), "%s", list.out);
  }

  /* A different look under that id: refused unless --overwrite. */
  ck_assert_uint_eq (g_string_replace (edited, "\nname=My Documentary\n", "\nname=My Documentary 2\n", 1), 1);
  ck_assert (g_file_set_contents (mine, edited->str, -1, NULL));
  {
    g_auto(CliRun) refused = looks_cli (home, "looks", "--import", mine);

    ck_assert_int_eq (refused.status, 1);
    ck_assert_msg (strstr (refused.err, "“my-documentary.look”") != NULL, "%s", refused.err);
    text = read_text (installed);
    ck_assert_str_ne (text, edited->str);
    g_clear_pointer (&text, g_free);
  }
  {
    g_auto(CliRun) replaced = looks_cli (home, "looks", "--import", "--overwrite", mine);

    ck_assert_msg (replaced.status == 0, "%d: %s", replaced.status, replaced.err);
    text = read_text (installed);
    ck_assert_str_eq (text, edited->str);
    g_clear_pointer (&text, g_free);
  }
}
END_TEST

START_TEST (test_cli_import_refuses_bad_files)
{
  const char *scratch = ottica_test_scratch_dir ();
  g_autofree char *home = g_build_filename (scratch, "data-home", NULL);
  g_autofree char *garbage = g_build_filename (scratch, "garbage.look", NULL);
  g_autofree char *nan = g_build_filename (scratch, "not-a-number.look", NULL);
  g_autofree char *truncated = g_build_filename (scratch, "truncated.look", NULL);
  g_autofree char *bad_cube = g_build_filename (scratch, "short.cube", NULL);
  g_autofree char *good = g_build_filename (scratch, "good.look", NULL);
  g_autofree char *installed = g_build_filename (home, "ottica", "looks", "my-warm.look", NULL);
  g_autofree char *nan_look = g_strdup (good_look);
  g_autofree char *cut = g_strndup (good_look, strstr (good_look, "[ottica:tone-curve]") - good_look + 10);
  guint8 bytes[512];
  const char *bad[] = { "“garbage.look”", "“not-a-number.look”", "“truncated.look”", "“short.cube”",
                        "“missing.look”" };

  /* Binary noise, NaN, a file cut in the middle of a group name, a LUT
   * with too few entries, a file that is not there. */
  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 73 + 11);
  bytes[7] = 0;
  ck_assert (g_file_set_contents (garbage, (const char *) bytes, sizeof bytes, NULL));
  memcpy (strstr (nan_look, "slope=1.1"), "slope=nan", strlen ("slope=nan"));
  ck_assert (g_file_set_contents (nan, nan_look, -1, NULL));
  ck_assert (g_file_set_contents (truncated, cut, -1, NULL));
  ck_assert (g_file_set_contents (bad_cube, "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n", -1, NULL));
  ck_assert (g_file_set_contents (good, good_look, -1, NULL));

  {
    g_auto(CliRun) run = looks_cli (home, "looks", "--import", garbage, nan, truncated, good,
                                    bad_cube, "missing.look");
    g_auto(CliRun) list = looks_cli (home, "looks");
    g_autofree char *text = NULL;

    ck_assert_int_eq (run.status, 1);
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      ck_assert_msg (strstr (run.err, bad[i]) != NULL, "no %s in: %s", bad[i], run.err);
    /* One line per bad file, each from ottica-cli, and a count. */
    ck_assert_msg (strstr (run.err, "ottica-cli: “not-a-number.look”") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "5 look files could not be imported") != NULL, "%s", run.err);
    /* The good one among them is imported all the same. */
    ck_assert_msg (strstr (run.out, "“good.look”") != NULL, "%s", run.out);
    text = read_text (installed);
    ck_assert_str_eq (text, good_look);
    ck_assert_msg (listing_has (list.out, "my-warm", "My Warm"), "%s", list.out);
    /* Nothing of the bad ones lands in the looks folder. */
    ck_assert_msg (strstr (list.err, "warning") == NULL, "%s", list.err);
  }
}
END_TEST

/* ---- the GEGL module, through the gegl command ------------------------------------ */

/* GEGL_PATH for the gegl command: this build's module, then GEGL's own
 * operations (GEGL_PATH replaces GEGL's folder, it does not add to it). */
static char *
module_gegl_path (void)
{
  const char *plugins = g_getenv ("OTTICA_GEGL_PLUGINS_DIR");
  g_autofree char *from_pkg_config = NULL;
  const char *pkg_config_argv[] = { "pkg-config", "--variable=pluginsdir", "gegl-0.4", NULL };

  if (plugins == NULL
      && g_spawn_sync (NULL, (char **) pkg_config_argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &from_pkg_config, NULL, NULL, NULL))
    plugins = g_strstrip (from_pkg_config);
  if (plugins == NULL || plugins[0] == '\0')
    return NULL;
  return g_strconcat (OTTICA_BUILD_DIR "/src/module", G_SEARCHPATH_SEPARATOR_S, plugins, NULL);
}

/* Runs the gegl command with @args; its exit status, output in @out. */
static int
run_gegl (const char *gegl_path, char **out, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *err = NULL;
  int wait_status = 0;

  envp = g_environ_setenv (envp, "GEGL_PATH", gegl_path, TRUE);
  /* GEGL 0.4.42 takes GEGL_SWAP=RAM for a folder name. */
  envp = g_environ_unsetenv (envp, "GEGL_SWAP");
  g_ptr_array_add (argv, (char *) "gegl");
  for (const char * const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  ck_assert_msg (g_spawn_sync (ottica_test_scratch_dir (), (char **) argv->pdata, envp,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err, &wait_status, &error),
                 "could not run gegl: %s", error ? error->message : "");
  /* gegl says "Error: …" on stderr but exits 0 for a bad property. */
  ck_assert_msg (strstr (err, "Error") == NULL && strstr (err, "CRITICAL") == NULL
                 && strstr (err, "WARNING") == NULL, "gegl said: %s", err);
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

#define gegl_cli(path, out, ...) run_gegl (path, out, (const char * const[]) { __VA_ARGS__, NULL })

#define MODULE_W 96
#define MODULE_H 64

/* The test image: the top half a flat mid grey (for lens falloff), the
 * bottom half a grey ramp from black to white across (for tone curves),
 * as 8-bit sRGB. Written as a binary PPM by hand, so that this process
 * needs no GEGL saver (the engine loads only the modules Ottica uses);
 * returns its Y' (0..1) per pixel. */
static float *
write_module_input (const char *path)
{
  g_autoptr(GString) ppm = g_string_new (NULL);
  float *grey = g_new (float, MODULE_W * MODULE_H);

  g_string_append_printf (ppm, "P6\n%d %d\n255\n", MODULE_W, MODULE_H);
  for (int y = 0; y < MODULE_H; y++)
    for (int x = 0; x < MODULE_W; x++)
      {
        guint8 v = y < MODULE_H / 2 ? 128 : (guint8) lround (255.0 * x / (MODULE_W - 1));

        for (int c = 0; c < 3; c++)
          g_string_append_c (ppm, (char) v);
        grey[y * MODULE_W + x] = v / 255.0f;
      }
  ck_assert (g_file_set_contents (path, ppm->str, (gssize) ppm->len, NULL));
  return grey;
}

/* Y' (sRGB-encoded grey, 0..1) of every pixel of a PNG. */
static float *
read_grey (const char *path)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglRectangle extent = { 0, 0, MODULE_W, MODULE_H };
  float *grey = g_new0 (float, MODULE_W * MODULE_H);
  GeglNode *load;
  GeglRectangle bounds;

  ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "gegl wrote no %s", path);
  load = gegl_node_new_child (graph, "operation", "gegl:png-load", "path", path, NULL);
  bounds = gegl_node_get_bounding_box (load);
  ck_assert_int_eq (bounds.width, MODULE_W);
  ck_assert_int_eq (bounds.height, MODULE_H);
  gegl_node_blit (load, 1.0, &extent, babl_format ("Y' float"), grey, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  return grey;
}

static double
mean_grey (const float *grey, int x0, int y0, int width, int height)
{
  double sum = 0.0;

  for (int y = y0; y < y0 + height; y++)
    for (int x = x0; x < x0 + width; x++)
      sum += grey[y * MODULE_W + x];
  return sum / (width * height);
}

static double
max_difference (const float *a, const float *b)
{
  double worst = 0.0;

  for (int i = 0; i < MODULE_W * MODULE_H; i++)
    worst = MAX (worst, fabs (a[i] - b[i]));
  return worst;
}

START_TEST (test_gegl_module)
{
  g_autofree char *module = g_build_filename (OTTICA_BUILD_DIR, "src", "module", "ottica-gegl-ops.so", NULL);
  g_autofree char *gegl_path = NULL;
  g_autofree char *input = ottica_test_scratch_file ("input.ppm");
  g_autofree char *toe_out = ottica_test_scratch_file ("toe.png");
  g_autofree char *look_out = ottica_test_scratch_file ("look.png");
  g_autofree char *part_out = ottica_test_scratch_file ("look-0.5.png");
  g_autofree char *zero_out = ottica_test_scratch_file ("look-0.png");
  g_autofree char *list = NULL;
  g_autofree char *look_arg = NULL;
  g_autofree float *in = NULL;
  g_autofree float *toe = NULL;
  g_autofree float *full = NULL;
  g_autofree float *part = NULL;
  g_autofree float *zero = NULL;
  const int ramp_y = MODULE_H / 2 + 4, ramp_h = MODULE_H / 2 - 8;
  double falloff_full, falloff_part, falloff_in;

  if (g_find_program_in_path ("gegl") == NULL)
    {
      ottica_test_skip ("the gegl command is not installed (Debian package gegl)");
      return;
    }
  if (!g_file_test (module, G_FILE_TEST_IS_REGULAR))
    {
      ottica_test_skip ("the GEGL module is not built (-Dgegl_module=false)");
      return;
    }
  gegl_path = module_gegl_path ();
  if (gegl_path == NULL)
    {
      ottica_test_skip ("GEGL's module folder is unknown: set OTTICA_GEGL_PLUGINS_DIR");
      return;
    }

  /* gegl lists every operation of the module, ottica:look among them. */
  ck_assert_int_eq (gegl_cli (gegl_path, &list, "--list-all"), 0);
  for (const char * const *op = ottica_look_operations (); *op != NULL; op++)
    ck_assert_msg (strstr (list, *op) != NULL, "gegl does not list %s", *op);
  ck_assert_msg (strstr (list, "ottica:look\n") != NULL, "gegl does not list ottica:look");

  in = write_module_input (input);

  /* A tone curve: a negative toe darkens the shadows of the ramp and
   * leaves mid grey and above alone. */
  ck_assert_int_eq (gegl_cli (gegl_path, NULL, input, "-o", toe_out, "--",
                              "ottica:tone-curve", "toe=-1.0"), 0);
  toe = read_grey (toe_out);
  ck_assert_msg (mean_grey (toe, 8, ramp_y, 16, ramp_h) < mean_grey (in, 8, ramp_y, 16, ramp_h) - 0.02,
                 "shadows %g → %g", mean_grey (in, 8, ramp_y, 16, ramp_h),
                 mean_grey (toe, 8, ramp_y, 16, ramp_h));
  ck_assert_double_le (fabs (mean_grey (toe, 72, ramp_y, 16, ramp_h) - mean_grey (in, 72, ramp_y, 16, ramp_h)),
                       1.0 / 255);
  for (int x = 1; x < MODULE_W; x++)
    ck_assert_msg (toe[ramp_y * MODULE_W + x] >= toe[ramp_y * MODULE_W + x - 1] - 1e-4,
                   "not monotone at %d", x);

  /* A whole look: Documentary's lens falloff darkens the corners of the
   * flat grey, more at amount 1 than at 0.5; amount 0 is the original. */
  look_arg = g_strdup_printf ("%s=documentary", look_property ());
  ck_assert_int_eq (gegl_cli (gegl_path, NULL, input, "-o", look_out, "--",
                              "ottica:look", look_arg, "amount=1"), 0);
  ck_assert_int_eq (gegl_cli (gegl_path, NULL, input, "-o", part_out, "--",
                              "ottica:look", look_arg, "amount=0.5"), 0);
  ck_assert_int_eq (gegl_cli (gegl_path, NULL, input, "-o", zero_out, "--",
                              "ottica:look", look_arg, "amount=0"), 0);
  full = read_grey (look_out);
  part = read_grey (part_out);
  zero = read_grey (zero_out);

  falloff_in = mean_grey (in, 0, 0, 6, 6) - mean_grey (in, MODULE_W / 2 - 3, 10, 6, 6);
  falloff_full = mean_grey (full, 0, 0, 6, 6) - mean_grey (full, MODULE_W / 2 - 3, 10, 6, 6);
  falloff_part = mean_grey (part, 0, 0, 6, 6) - mean_grey (part, MODULE_W / 2 - 3, 10, 6, 6);
  ck_assert_double_eq_tol (falloff_in, 0.0, 1e-6);
  ck_assert_msg (falloff_full < -0.03, "corner − centre at amount 1: %g", falloff_full);
  ck_assert_msg (falloff_part < -0.01 && falloff_part > falloff_full,
                 "corner − centre at 0.5: %g, at 1: %g", falloff_part, falloff_full);
  /* Deep blacks: the ramp's shadows go down. */
  ck_assert_msg (mean_grey (full, 4, ramp_y, 12, ramp_h) < mean_grey (in, 4, ramp_y, 12, ramp_h),
                 "shadows %g → %g", mean_grey (in, 4, ramp_y, 12, ramp_h),
                 mean_grey (full, 4, ramp_y, 12, ramp_h));
  ck_assert_double_le (max_difference (zero, in), 1.0 / 255);
  ck_assert_double_gt (max_difference (full, in), 10.0 / 255);
}
END_TEST

/* A GTypeModule for loading the GEGL module by hand, as GEGL would. */
#define TEST_TYPE_HOST_MODULE (test_host_module_get_type ())
G_DECLARE_FINAL_TYPE (TestHostModule, test_host_module, TEST, HOST_MODULE, GTypeModule)

struct _TestHostModule
{
  GTypeModule parent_instance;
};

G_DEFINE_FINAL_TYPE (TestHostModule, test_host_module, G_TYPE_TYPE_MODULE)

static gboolean
test_host_module_load (GTypeModule *module)
{
  return TRUE;
}

static void
test_host_module_unload (GTypeModule *module)
{
}

static void
test_host_module_class_init (TestHostModuleClass *klass)
{
  G_TYPE_MODULE_CLASS (klass)->load = test_host_module_load;
  G_TYPE_MODULE_CLASS (klass)->unload = test_host_module_unload;
}

static void
test_host_module_init (TestHostModule *self)
{
}

/* In a process that has Ottica's own operations (this one: the engine
 * registered them), the GEGL module registers nothing: no clashing
 * types, and ottica:look stays the one that sees this process's looks. */
START_TEST (test_gegl_module_defers_to_ottica)
{
  g_autofree char *path = g_build_filename (OTTICA_BUILD_DIR, "src", "module", "ottica-gegl-ops.so", NULL);
  gboolean (*module_register) (GTypeModule *) = NULL;
  GTypePlugin *before, *after;
  GTypeModule *host;
  GModule *module;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      ottica_test_skip ("the GEGL module is not built (-Dgegl_module=false)");
      return;
    }
  ottica_look_op_ensure_registered ();
  ck_assert (gegl_has_operation ("ottica:tone-curve"));
  before = g_type_get_plugin (g_type_from_name ("GeglOptone-curve_c"));
  ck_assert_ptr_nonnull (before);

  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  ck_assert_msg (module != NULL, "%s", g_module_error ());
  ck_assert (g_module_symbol (module, "gegl_module_register", (gpointer *) &module_register));
  host = g_object_new (TEST_TYPE_HOST_MODULE, NULL);
  g_type_module_use (host);

  capture_warnings ();
  ck_assert (module_register (host));
  ck_assert_msg (warnings_seen == 0, "%s", warnings_text != NULL ? warnings_text->str : "");
  after = g_type_get_plugin (g_type_from_name ("GeglOptone-curve_c"));
  ck_assert_ptr_eq (after, before);
  ck_assert_ptr_ne (after, (GTypePlugin *) host);
  /* Nothing else is visible in it: only GEGL's two entry points. */
  {
    gpointer symbol = NULL;

    ck_assert (!g_module_symbol (module, "ottica_look_library_find", &symbol));
    ck_assert (!g_module_symbol (module, "gegl_op_tone_curve_register_type", &symbol));
  }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("looks");
  TCase *tc;
  g_autoptr(GError) error = NULL;
  int status;

  /* User looks go to a scratch folder: set before anything asks GLib for
   * the user data dir (it caches it); each test empties it. */
  user_data_home = g_dir_make_tmp ("ottica-looks-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", user_data_home, TRUE);

  if (g_strcmp0 (g_getenv ("OTTICA_BLESS"), "1") == 0)
    {
      tc = ottica_test_case ("bless");
      tcase_add_test (tc, test_reference_renders);
      suite_add_tcase (suite, tc);
    }
  else
    {
      tc = ottica_test_case ("library");
      tcase_add_test (tc, test_builtin_looks_load);
      tcase_add_test (tc, test_amount_interpolates_parameters);
      tcase_add_test (tc, test_bad_look_files_refused);
      tcase_add_test (tc, test_library_loads_once_across_threads);
      tcase_add_test (tc, test_out_of_range_clamped);
      tcase_add_test (tc, test_export_import_round_trip);
      tcase_add_test (tc, test_cube_looks);
      tcase_add_test (tc, test_look_digest);
      suite_add_tcase (suite, tc);

      tc = ottica_test_plain_case ("cli");
      tcase_set_timeout (tc, 120);  /* fourteen runs of ottica-cli */
      tcase_add_test (tc, test_cli_export_import);
      tcase_add_test (tc, test_cli_import_refuses_bad_files);
      suite_add_tcase (suite, tc);

      tc = ottica_test_case ("gegl-module");
      tcase_add_test (tc, test_gegl_module);
      tcase_add_test (tc, test_gegl_module_defers_to_ottica);
      suite_add_tcase (suite, tc);

      tc = ottica_test_case ("look-op");
      tcase_add_test (tc, test_look_op_passthrough_and_updates);
      tcase_add_test (tc, test_look_op_equals_its_steps);
      tcase_add_test (tc, test_amount_zero_is_original);
      tcase_add_test (tc, test_amount_one_differs);
      suite_add_tcase (suite, tc);

      tc = ottica_test_case ("character");
      tcase_add_test (tc, test_tone_curves_monotone);
      tcase_add_test (tc, test_color_looks_keep_greys_neutral);
      tcase_add_test (tc, test_mono_looks_have_no_colour);
      tcase_add_test (tc, test_toned_looks_hue);
      tcase_add_test (tc, test_documentary_lens_falloff);
      tcase_add_test (tc, test_hard_mono_darkens_blue_sky);
      suite_add_tcase (suite, tc);

      tc = ottica_test_case ("references");
      tcase_add_test (tc, test_reference_renders);
      suite_add_tcase (suite, tc);
    }

  status = ottica_test_run ("looks", suite);
  ottica_test_remove_tree (user_data_home);
  return status;
}
