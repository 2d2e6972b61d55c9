/* test-ops.c: the point-wise look operations (tone-curve,
 * color-character, lens-falloff, mono, split-tone, lut3d), the chain
 * that runs them in one pass, and the .cube reader, on synthetic images.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <gegl-paramspecs.h>

#include "ottica-cube.h"
#include "ottica-op-common.h"
#include "ottica-error.h"
#include "ottica-test.h"

static const char * const point_ops[] = {
  "ottica:tone-curve",
  "ottica:color-character",
  "ottica:lens-falloff",
  "ottica:mono",
  "ottica:split-tone",
  "ottica:lut3d",
  NULL
};

#define MID_GREY 0.18

/* ------------------------------------------------------------------ */
/* Images and graphs                                                   */

static const Babl *
working_format (void)
{
  return babl_format_with_space ("RGBA float", babl_space ("Rec2020"));
}

/* A graph buffer-source → @op over @pixels; returns the op's node. */
static GeglNode *
op_on_pixels (GeglNode    *graph,
              const char  *op,
              const float *pixels,
              int          width,
              int          height)
{
  GeglRectangle rect = { 0, 0, width, height };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&rect, working_format ());
  GeglNode *source, *node;

  gegl_buffer_set (buffer, &rect, 0, working_format (), pixels, GEGL_AUTO_ROWSTRIDE);
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  node = gegl_node_new_child (graph, "operation", op, NULL);
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

static float *
render_lab (GeglNode *node,
            int       width,
            int       height)
{
  GeglRectangle rect = { 0, 0, width, height };

  return ottica_test_render_lab (node, &rect);
}

#define TEST_W 64
#define TEST_H 32

/* The synthetic test image: a colour cube over levels from 0 to 2.5, a
 * grey ramp 0 … 4 with varying alpha, channel ramps, and pseudo-random
 * colours including values above 1 and slightly below 0. */
static float *
make_test_image (void)
{
  static const float levels[8] = { 0.0f, 0.004f, 0.02f, 0.08f, 0.18f, 0.45f, 1.0f, 2.5f };
  float *px = g_new0 (float, TEST_W * TEST_H * 4);
  g_autoptr(GRand) rand = g_rand_new_with_seed (2024);
  int i = 0;

  for (int b = 0; b < 8; b++)
    for (int g = 0; g < 8; g++)
      for (int r = 0; r < 8; r++, i++)
        {
          px[i * 4] = levels[r];
          px[i * 4 + 1] = levels[g];
          px[i * 4 + 2] = levels[b];
          px[i * 4 + 3] = 1.0f;
        }
  for (int k = 0; k < 512; k++, i++)
    {
      float v = 4.0f * powf (k / 511.0f, 3.0f);

      px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = v;
      px[i * 4 + 3] = 0.25f + 0.25f * (k % 4);
    }
  for (int k = 0; k < 512; k++, i++)
    {
      float v = 1.5f * k / 511.0f;

      px[i * 4] = k % 3 == 0 ? v : 0.05f;
      px[i * 4 + 1] = k % 3 == 1 ? v : 0.05f;
      px[i * 4 + 2] = k % 3 == 2 ? v : 0.05f;
      px[i * 4 + 3] = 1.0f;
    }
  for (; i < TEST_W * TEST_H; i++)
    {
      for (int c = 0; c < 3; c++)
        px[i * 4 + c] = (float) g_rand_double_range (rand, -0.01, 1.6);
      px[i * 4 + 3] = (float) g_rand_double_range (rand, 0.0, 1.0);
    }
  return px;
}

/* sRGB-encoded colours → linear Rec. 2020 RGBA. */
static void
srgb_to_working (const float *srgb,
                 float       *rgba,
                 int          n)
{
  const Babl *fish = babl_fish (babl_format_with_space ("R'G'B' float", babl_space ("sRGB")),
                                babl_format_with_space ("RGB float", babl_space ("Rec2020")));
  g_autofree float *rgb = g_new (float, n * 3);

  babl_process (fish, srgb, rgb, n);
  for (int i = 0; i < n; i++)
    {
      memcpy (rgba + i * 4, rgb + i * 3, 3 * sizeof (float));
      rgba[i * 4 + 3] = 1.0f;
    }
}

/* LCh(ab) colours (L, C, h in degrees) → linear Rec. 2020 RGBA. */
static void
lch_to_working (const double *lch,
                float        *rgba,
                int           n)
{
  const Babl *fish = babl_fish (babl_format ("CIE Lab float"),
                                babl_format_with_space ("RGB float", babl_space ("Rec2020")));
  g_autofree float *lab = g_new (float, n * 3);
  g_autofree float *rgb = g_new (float, n * 3);

  for (int i = 0; i < n; i++)
    {
      lab[i * 3] = (float) lch[i * 3];
      lab[i * 3 + 1] = (float) (lch[i * 3 + 1] * cos (lch[i * 3 + 2] * G_PI / 180.0));
      lab[i * 3 + 2] = (float) (lch[i * 3 + 1] * sin (lch[i * 3 + 2] * G_PI / 180.0));
    }
  babl_process (fish, lab, rgb, n);
  for (int i = 0; i < n; i++)
    {
      memcpy (rgba + i * 4, rgb + i * 3, 3 * sizeof (float));
      rgba[i * 4 + 3] = 1.0f;
    }
}

static double
lab_chroma (const float *lab)
{
  return hypot (lab[1], lab[2]);
}

static double
lab_hue (const float *lab)
{
  double h = atan2 (lab[2], lab[1]) * 180.0 / G_PI;

  return h < 0.0 ? h + 360.0 : h;
}

static double
hue_distance (double a,
              double b)
{
  double d = fmod (fabs (a - b), 360.0);

  return d > 180.0 ? 360.0 - d : d;
}

static double
luminance (const float *rgba)
{
  return 0.2627 * rgba[0] + 0.6780 * rgba[1] + 0.0593 * rgba[2];
}

/* Writes a .cube of @size points per axis, the entries from @f on
 * coordinates in [0, 1]. */
static void
write_cube (const char  *path,
            int          size,
            void       (*f) (const double in[3], double out[3]))
{
  GString *s = g_string_new ("# written by test-ops\nTITLE \"test\"\n");

  g_string_append_printf (s, "LUT_3D_SIZE %d\n", size);
  for (int b = 0; b < size; b++)
    for (int g = 0; g < size; g++)
      for (int r = 0; r < size; r++)
        {
          double in[3] = { (double) r / (size - 1), (double) g / (size - 1), (double) b / (size - 1) };
          double out[3];

          f (in, out);
          g_string_append_printf (s, "%.7f %.7f %.7f\n", out[0], out[1], out[2]);
        }
  ck_assert (g_file_set_contents (path, s->str, s->len, NULL));
  g_string_free (s, TRUE);
}

static void
cube_identity (const double in[3],
               double       out[3])
{
  memcpy (out, in, 3 * sizeof (double));
}

static void
cube_swap (const double in[3],
           double       out[3])
{
  out[0] = in[2];
  out[1] = in[0];
  out[2] = in[1];
}

static void
cube_invert (const double in[3],
             double       out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = 1.0 - in[c];
}

static void
cube_mix (const double in[3],
          double       out[3])
{
  out[0] = pow (in[0], 1.1);
  out[1] = 0.9 * in[1] + 0.1 * in[0];
  out[2] = pow (in[2], 0.9);
}

/* Parameters away from neutral, for each op. */
static void
set_look_params (GeglNode   *node,
                 const char *op)
{
  if (g_str_equal (op, "ottica:tone-curve"))
    gegl_node_set (node, "bias", -0.15, "slope", 1.2, "toe", -0.3, "shoulder", 1.5,
                   "shoulder-strength", 0.8, "black", 0.005, "fade", 0.01, NULL);
  else if (g_str_equal (op, "ottica:color-character"))
    gegl_node_set (node, "chroma", 1.15, "vibrance", 0.2, "warmth", 150.0, "green-lightness", -0.2,
                   "blue-hue", 5.0, "orange-chroma", 1.05, NULL);
  else if (g_str_equal (op, "ottica:lens-falloff"))
    gegl_node_set (node, "ev", -0.8, NULL);
  else if (g_str_equal (op, "ottica:mono"))
    gegl_node_set (node, "amount", 1.0, "filter", 1, NULL);
  else if (g_str_equal (op, "ottica:split-tone"))
    gegl_node_set (node, "shadow-hue", 55.0, "shadow-chroma", 5.0, "highlight-hue", 55.0,
                   "highlight-chroma", 10.0, NULL);
  else if (g_str_equal (op, "ottica:lut3d"))
    {
      g_autofree char *path = ottica_test_scratch_file ("mix.cube");

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        write_cube (path, 17, cube_mix);
      gegl_node_set (node, "path", path, "strength", 0.8, NULL);
    }
  else
    ck_abort_msg ("no parameters for %s", op);
}

/* ------------------------------------------------------------------ */
/* ottica:point-chain: several point ops in one pass                   */

#define CHAIN_W 320
#define CHAIN_H 96

/* The test image repeated over a frame wide enough that the chain works
 * in several bands of rows per chunk. */
static float *
make_chain_image (void)
{
  g_autofree float *tile = make_test_image ();
  float *px = g_new (float, CHAIN_W * CHAIN_H * 4);

  for (int y = 0; y < CHAIN_H; y++)
    for (int x = 0; x < CHAIN_W; x++)
      memcpy (px + (y * CHAIN_W + x) * 4, tile + ((y % TEST_H) * TEST_W + x % TEST_W) * 4,
              4 * sizeof (float));
  return px;
}

/* The six point ops in ottica:look's order, away from neutral: as one
 * node each (@separate) and as one ottica:point-chain (@fused) that
 * reads from the same source. */
/* A look's order; without the LUT (every step then has a planar kernel);
 * and a LUT (RGBA pixels only) amid kernel steps. */
static const char * const chain_order[] = { "ottica:lens-falloff", "ottica:color-character",
                                            "ottica:mono", "ottica:tone-curve",
                                            "ottica:split-tone", "ottica:lut3d", NULL };
static const char * const chain_order_planar[] = { "ottica:lens-falloff",
                                                   "ottica:color-character", "ottica:mono",
                                                   "ottica:tone-curve", "ottica:split-tone",
                                                   NULL };
static const char * const chain_order_mixed[] = { "ottica:lens-falloff", "ottica:color-character",
                                                  "ottica:lut3d", "ottica:tone-curve",
                                                  "ottica:split-tone", NULL };

static GPtrArray *
build_chains (GeglNode           *graph,
              const float        *pixels,
              const char * const *order,
              GeglNode          **separate,
              GeglNode          **fused)
{
  GPtrArray *steps = g_ptr_array_new_with_free_func (g_object_unref);
  GeglNode *source, *previous;

  previous = op_on_pixels (graph, "gegl:nop", pixels, CHAIN_W, CHAIN_H);
  source = previous;
  for (int i = 0; order[i] != NULL; i++)
    {
      GeglNode *node, *step;

      node = gegl_node_new_child (graph, "operation", order[i], NULL);
      step = gegl_node_new_child (graph, "operation", order[i], NULL);

      set_look_params (node, order[i]);
      set_look_params (step, order[i]);
      /* Half the mix, so that mono leaves colour for the later ops. */
      if (g_str_equal (order[i], "ottica:mono"))
        {
          gegl_node_set (node, "amount", 0.5, NULL);
          gegl_node_set (step, "amount", 0.5, NULL);
        }
      gegl_node_link (previous, node);
      previous = node;
      gegl_node_link (source, step);
      g_ptr_array_add (steps, g_object_ref (gegl_node_get_gegl_operation (step)));
    }
  *separate = previous;
  *fused = gegl_node_new_child (graph, "operation", "ottica:point-chain",
                                "operations", steps, NULL);
  gegl_node_link (source, *fused);
  return steps;
}

START_TEST (test_point_chain_equals_separate_ops)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *pixels = make_chain_image ();
  g_autoptr(GPtrArray) steps = NULL;
  GeglNode *separate, *fused;
  g_autofree float *a = NULL, *b = NULL, *tiled = NULL;
  gsize n = (gsize) CHAIN_W * CHAIN_H * 4;
  double max_diff = 0.0;

  ck_assert (gegl_has_operation ("ottica:point-chain"));
  steps = build_chains (graph, pixels, chain_order, &separate, &fused);
  a = render (separate, CHAIN_W, CHAIN_H);
  b = render (fused, CHAIN_W, CHAIN_H);
  for (gsize i = 0; i < n; i++)
    max_diff = MAX (max_diff, fabs ((double) a[i] - b[i]));
  /* The same code on the same values: equal, let alone within 1/255. */
  ck_assert_msg (memcmp (a, b, n * sizeof (float)) == 0,
                 "fused differs from separate by up to %g", max_diff);
  /* And it did something. */
  ck_assert (memcmp (a, pixels, n * sizeof (float)) != 0);

  /* Rendered in small pieces (each its own bands), the same again. */
  tiled = g_new (float, n);
  for (int y = 0; y < CHAIN_H; y += 17)
    for (int x = 0; x < CHAIN_W; x += 45)
      {
        GeglRectangle piece = { x, y, MIN (45, CHAIN_W - x), MIN (17, CHAIN_H - y) };

        gegl_node_blit (fused, 1.0, &piece, working_format (),
                        tiled + ((gsize) y * CHAIN_W + x) * 4, CHAIN_W * 4 * sizeof (float),
                        GEGL_BLIT_DEFAULT);
      }
  ck_assert (memcmp (tiled, b, n * sizeof (float)) == 0);
}
END_TEST

START_TEST (test_point_chain_follows_its_steps)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *pixels = make_chain_image ();
  g_autoptr(GPtrArray) steps = NULL;
  GeglNode *separate, *fused, *empty;
  g_autofree float *before = NULL, *after = NULL, *expected = NULL, *plain = NULL;
  gsize n = (gsize) CHAIN_W * CHAIN_H * 4;
  GSList *children;

  steps = build_chains (graph, pixels, chain_order, &separate, &fused);
  before = render (fused, CHAIN_W, CHAIN_H);

  /* A step's parameter changes (here and in the separate chain), then the
   * list is set again, as ottica:look does: the chain renders the new
   * result, not a stale one. */
  children = gegl_node_get_children (graph);
  for (GSList *l = children; l != NULL; l = l->next)
    if (g_strcmp0 (gegl_node_get_operation (l->data), "ottica:tone-curve") == 0)
      gegl_node_set (l->data, "slope", 0.7, NULL);
  g_slist_free (children);
  gegl_node_set (fused, "operations", steps, NULL);
  after = render (fused, CHAIN_W, CHAIN_H);
  ck_assert (memcmp (before, after, n * sizeof (float)) != 0);
  expected = render (separate, CHAIN_W, CHAIN_H);
  ck_assert (memcmp (after, expected, n * sizeof (float)) == 0);

  /* No steps: the input, bit for bit. */
  empty = gegl_node_new_child (graph, "operation", "ottica:point-chain", NULL);
  gegl_node_link (gegl_node_get_producer (fused, "input", NULL), empty);
  plain = render (empty, CHAIN_W, CHAIN_H);
  ck_assert (memcmp (plain, pixels, n * sizeof (float)) == 0);
}
END_TEST

/* The chain keeps its steps' kernels from prepare(), by place and type:
 * set again with other operations in those places (a LUT, which has no
 * kernel, where a kernel step was), and back, it renders each list as
 * its separate nodes do. */
START_TEST (test_point_chain_takes_a_new_list)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *pixels = make_chain_image ();
  g_autoptr(GPtrArray) planar = NULL, mixed = NULL;
  GeglNode *separate_planar, *fused, *separate_mixed, *fused_mixed;
  g_autofree float *first = NULL, *second = NULL, *third = NULL;
  g_autofree float *expected_first = NULL, *expected_second = NULL;
  gsize n = (gsize) CHAIN_W * CHAIN_H * 4;

  planar = build_chains (graph, pixels, chain_order_planar, &separate_planar, &fused);
  mixed = build_chains (graph, pixels, chain_order_mixed, &separate_mixed, &fused_mixed);
  expected_first = render (separate_planar, CHAIN_W, CHAIN_H);
  expected_second = render (separate_mixed, CHAIN_W, CHAIN_H);
  ck_assert (memcmp (expected_first, expected_second, n * sizeof (float)) != 0);

  first = render (fused, CHAIN_W, CHAIN_H);
  ck_assert (memcmp (first, expected_first, n * sizeof (float)) == 0);
  gegl_node_set (fused, "operations", mixed, NULL);
  second = render (fused, CHAIN_W, CHAIN_H);
  ck_assert_msg (memcmp (second, expected_second, n * sizeof (float)) == 0,
                 "the chain did not follow its new list");
  gegl_node_set (fused, "operations", planar, NULL);
  third = render (fused, CHAIN_W, CHAIN_H);
  ck_assert_msg (memcmp (third, expected_first, n * sizeof (float)) == 0,
                 "the chain did not follow its list set back");
}
END_TEST

/* Without the LUT (which works on RGBA pixels) every step has a planar
 * kernel and the chain runs them all on each transposed block; with the
 * LUT amid them, the kernel steps either side of it run as two such
 * passes. Either way the separate nodes' bits, in one piece or in
 * odd-sized ones (rows that end mid-block, blocks padded to four). */
START_TEST (test_point_chain_planar_equals_separate_ops)
{
  const char * const *orders[] = { chain_order_planar, chain_order_mixed };
  g_autofree float *pixels = make_chain_image ();
  gsize n = (gsize) CHAIN_W * CHAIN_H * 4;

  for (gsize o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      g_autoptr(GPtrArray) steps = NULL;
      GeglNode *separate, *fused;
      g_autofree float *a = NULL, *b = NULL, *tiled = NULL;
      guint with_kernel = 0;

      steps = build_chains (graph, pixels, orders[o], &separate, &fused);
      ck_assert_uint_eq (steps->len, 5);
      for (guint i = 0; i < steps->len; i++)
        with_kernel += ottica_point_kernel_get (g_ptr_array_index (steps, i)) != NULL;
      ck_assert_uint_eq (with_kernel, o == 0 ? 5 : 4);

      a = render (separate, CHAIN_W, CHAIN_H);
      b = render (fused, CHAIN_W, CHAIN_H);
      ck_assert_msg (memcmp (a, b, n * sizeof (float)) == 0, "order %d: fused differs", (int) o);
      ck_assert (memcmp (a, pixels, n * sizeof (float)) != 0);

      tiled = g_new (float, n);
      for (int y = 0; y < CHAIN_H; y += 13)
        for (int x = 0; x < CHAIN_W; x += 39)
          {
            GeglRectangle piece = { x, y, MIN (39, CHAIN_W - x), MIN (13, CHAIN_H - y) };

            gegl_node_blit (fused, 1.0, &piece, working_format (),
                            tiled + ((gsize) y * CHAIN_W + x) * 4, CHAIN_W * 4 * sizeof (float),
                            GEGL_BLIT_DEFAULT);
          }
      ck_assert_msg (memcmp (tiled, b, n * sizeof (float)) == 0, "order %d: pieces differ",
                     (int) o);
    }
}
END_TEST

/* The point chain's kernels with an AVX2 path (lens falloff, tone curve,
 * split toning) give the bits of their SSE2 path, forced with
 * OTTICA_NO_AVX2: on values over 2^-30 … 2^12, negative ones and a few
 * impossible ones (NaN, infinities), in blocks whose last lanes take the
 * four-lane loop (300 columns: 256 + 44 a row). */
#define AVX2_W 300
#define AVX2_H 5

START_TEST (test_point_kernels_avx2_equals_sse2)
{
  static const char * const ops[] = { "ottica:lens-falloff", "ottica:tone-curve",
                                      "ottica:split-tone" };
  static const float wild[] = { NAN, INFINITY, -INFINITY, -1.0f, 0.0f, 1e-38f, 1e30f, -0.0f };
  g_autoptr(GRand) rand = g_rand_new_with_seed (808);
  g_autofree float *px = g_new (float, AVX2_W * AVX2_H * 4);
  gsize n = (gsize) AVX2_W * AVX2_H * 4;

  for (gsize i = 0; i < n; i++)
    px[i] = (float) (g_rand_double_range (rand, -0.05, 1.0) *
                     exp2 (g_rand_double_range (rand, -30.0, 12.0)));
  for (gsize i = 0; i < G_N_ELEMENTS (wild); i++)
    px[(AVX2_W + 37 + 2 * i) * 4 + i % 3] = wild[i];

  for (gsize o = 0; o < G_N_ELEMENTS (ops); o++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node[2];
      g_autofree float *avx2 = NULL, *sse2 = NULL;
      gsize differ = 0;

      for (int k = 0; k < 2; k++)
        {
          node[k] = op_on_pixels (graph, ops[o], px, AVX2_W, AVX2_H);
          if (o == 0)
            gegl_node_set (node[k], "ev", -1.7, "falloff", 2.6, "roundness", 0.4,
                           "center-x", 0.43, "center-y", 0.6, NULL);
          else if (o == 1)
            gegl_node_set (node[k], "bias", 0.3, "slope", 1.3, "toe", 0.6, "shoulder", 1.5,
                           "shoulder-strength", 0.7, "black", 0.01, "white", 0.9, "fade", 0.03,
                           NULL);
          else
            gegl_node_set (node[k], "shadow-chroma", 18.0, "shadow-hue", 250.0,
                           "highlight-chroma", 12.0, "highlight-hue", 60.0, "balance", 0.3,
                           NULL);
        }
      avx2 = render (node[0], AVX2_W, AVX2_H);
      g_setenv ("OTTICA_NO_AVX2", "1", TRUE);
      sse2 = render (node[1], AVX2_W, AVX2_H);
      g_unsetenv ("OTTICA_NO_AVX2");

      for (gsize i = 0; i < n; i++)
        differ += memcmp (&avx2[i], &sse2[i], sizeof (float)) != 0;
      ck_assert_msg (differ == 0, "%s: %" G_GSIZE_FORMAT " channels differ between the paths",
                     ops[o], differ);
      /* The op did act. */
      ck_assert (memcmp (avx2, px, n * sizeof (float)) != 0);
    }
}
END_TEST

/* GEGL hands a point filter the parts of a region that do not fill whole
 * tiles one row at a time; grain keeps its lattice rows and column
 * weights between such calls. Rendered row by row, two grain nodes with
 * different seeds taking turns (so that what one kept must not leak into
 * the other), each gives the bits of its whole render. */
#define GRAIN_W 203
#define GRAIN_H 41

START_TEST (test_grain_rows_equal_whole)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *tile = make_test_image ();
  g_autofree float *pixels = g_new (float, GRAIN_W * GRAIN_H * 4);
  GeglNode *grain[2];
  float *whole[2], *rows[2];
  gsize n = (gsize) GRAIN_W * GRAIN_H * 4;

  for (int y = 0; y < GRAIN_H; y++)
    for (int x = 0; x < GRAIN_W; x++)
      memcpy (pixels + (y * GRAIN_W + x) * 4, tile + ((y % TEST_H) * TEST_W + x % TEST_W) * 4,
              4 * sizeof (float));
  for (int i = 0; i < 2; i++)
    {
      grain[i] = op_on_pixels (graph, "ottica:grain", pixels, GRAIN_W, GRAIN_H);
      gegl_node_set (grain[i], "amount", 4.0, "size", 1.0, "seed", 7 + i, NULL);
      whole[i] = render (grain[i], GRAIN_W, GRAIN_H);
      rows[i] = g_new (float, n);
    }
  ck_assert (memcmp (whole[0], whole[1], n * sizeof (float)) != 0);
  ck_assert (memcmp (whole[0], pixels, n * sizeof (float)) != 0);

  for (int y = 0; y < GRAIN_H; y++)
    for (int i = 0; i < 2; i++)
      {
        GeglRectangle row = { 0, y, GRAIN_W, 1 };

        gegl_node_blit (grain[i], 1.0, &row, working_format (),
                        rows[i] + (gsize) y * GRAIN_W * 4, GRAIN_W * 4 * sizeof (float),
                        GEGL_BLIT_DEFAULT);
      }
  for (int i = 0; i < 2; i++)
    {
      ck_assert_msg (memcmp (rows[i], whole[i], n * sizeof (float)) == 0,
                     "seed %d: rendered row by row, the grain differs", 7 + i);
      g_free (whole[i]);
      g_free (rows[i]);
    }
}
END_TEST

/* Grain keeps its scratch memory and lattice rows between calls and
 * reuses them when the next piece is smaller: pieces that grow and shrink
 * in width and height (wide, one pixel, odd sizes; rows of lattice that
 * were longer before) each give the bits of the whole render, also at a
 * grain size whose lattice is coarser than a pixel. */
START_TEST (test_grain_pieces_equal_whole)
{
  static const int widths[] = { 203, 1, 77, 5, 128, 3, 41 };
  static const int heights[] = { 7, 1, 13, 2 };
  static const double sizes[] = { 1.0, 3.5 };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *tile = make_test_image ();
  g_autofree float *pixels = g_new (float, GRAIN_W * GRAIN_H * 4);
  gsize n = (gsize) GRAIN_W * GRAIN_H * 4;

  for (int y = 0; y < GRAIN_H; y++)
    for (int x = 0; x < GRAIN_W; x++)
      memcpy (pixels + (y * GRAIN_W + x) * 4, tile + ((y % TEST_H) * TEST_W + x % TEST_W) * 4,
              4 * sizeof (float));
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      GeglNode *grain = op_on_pixels (graph, "ottica:grain", pixels, GRAIN_W, GRAIN_H);
      g_autofree float *whole = NULL;
      g_autofree float *pieces = g_new (float, n);
      int k = 0, h = 0;

      gegl_node_set (grain, "amount", 4.0, "size", sizes[s], "seed", 11, NULL);
      whole = render (grain, GRAIN_W, GRAIN_H);
      ck_assert (memcmp (whole, pixels, n * sizeof (float)) != 0);
      for (int y = 0; y < GRAIN_H; y += heights[h++ % G_N_ELEMENTS (heights)])
        for (int x = 0; x < GRAIN_W; x += widths[k++ % G_N_ELEMENTS (widths)])
          {
            GeglRectangle piece = { x, y, MIN (widths[k % G_N_ELEMENTS (widths)], GRAIN_W - x),
                                    MIN (heights[h % G_N_ELEMENTS (heights)], GRAIN_H - y) };

            gegl_node_blit (grain, 1.0, &piece, working_format (),
                            pieces + ((gsize) y * GRAIN_W + x) * 4, GRAIN_W * 4 * sizeof (float),
                            GEGL_BLIT_DEFAULT);
          }
      ck_assert_msg (memcmp (pieces, whole, n * sizeof (float)) == 0,
                     "size %.1f: rendered in pieces, the grain differs", sizes[s]);
    }
}
END_TEST

/* Grain's AVX2 path (taken where the processor has it) gives the bits of
 * its SSE2 path, forced with OTTICA_NO_AVX2: over whole rows with an odd
 * number of four-pixel groups, over narrow pieces (one pixel, a short last
 * group), at two grain sizes, with pixels out of range (negative, far
 * above white, NaN, infinite) among them. */
START_TEST (test_grain_avx2_equals_sse2)
{
  static const GeglRectangle rects[] = {
    { 0, 0, GRAIN_W, GRAIN_H }, { 3, 5, 13, 9 }, { 17, 0, 1, GRAIN_H }, { 40, 2, 6, 3 },
  };
  static const double sizes[] = { 1.0, 3.5 };
  g_autofree float *tile = make_test_image ();
  g_autofree float *pixels = g_new (float, GRAIN_W * GRAIN_H * 4);

  for (int y = 0; y < GRAIN_H; y++)
    for (int x = 0; x < GRAIN_W; x++)
      memcpy (pixels + (y * GRAIN_W + x) * 4, tile + ((y % TEST_H) * TEST_W + x % TEST_W) * 4,
              4 * sizeof (float));
  pixels[(5 * GRAIN_W + 7) * 4] = NAN;
  pixels[(9 * GRAIN_W + 30) * 4 + 1] = INFINITY;
  pixels[(9 * GRAIN_W + 31) * 4 + 2] = -3.0f;
  pixels[(20 * GRAIN_W + 100) * 4] = 1e30f;
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize r = 0; r < G_N_ELEMENTS (rects); r++)
      {
        const GeglRectangle *rect = &rects[r];
        gsize n = (gsize) rect->width * rect->height * 4;
        g_autofree float *avx2 = g_new (float, n);
        g_autofree float *sse2 = g_new (float, n);
        float *out[2] = { avx2, sse2 };

        for (int path = 0; path < 2; path++)
          {
            g_autoptr(GeglNode) graph = gegl_node_new ();
            GeglNode *grain = op_on_pixels (graph, "ottica:grain", pixels, GRAIN_W, GRAIN_H);

            gegl_node_set (grain, "amount", 6.0, "size", sizes[s], "seed", 5, NULL);
            if (path == 1)
              g_setenv ("OTTICA_NO_AVX2", "1", TRUE);
            gegl_node_blit (grain, 1.0, rect, working_format (), out[path],
                            rect->width * 4 * sizeof (float), GEGL_BLIT_DEFAULT);
            g_unsetenv ("OTTICA_NO_AVX2");
          }
        /* The whole render has grain. */
        ck_assert (r > 0 || memcmp (avx2, pixels, n * sizeof (float)) != 0);
        ck_assert_msg (memcmp (avx2, sse2, n * sizeof (float)) == 0,
                       "size %.1f, %dx%d at (%d, %d): the SSE2 path differs", sizes[s],
                       rect->width, rect->height, rect->x, rect->y);
      }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every op: keys, properties, identity, determinism, alpha            */

START_TEST (test_keys_and_properties)
{
  for (const char * const *op = point_ops; *op; op++)
    {
      const char *version = gegl_operation_get_key (*op, "op-version");
      const char *position = gegl_operation_get_key (*op, "position-dependent");
      g_autofree GParamSpec **props = NULL;
      guint n = 0;

      ck_assert_msg (gegl_has_operation (*op), "%s is not registered", *op);
      ck_assert_str_eq (gegl_operation_get_key (*op, "name"), *op);
      ck_assert_msg (gegl_operation_get_key (*op, "title") != NULL &&
                     *gegl_operation_get_key (*op, "title") != '\0', "%s: no title", *op);
      ck_assert_msg (gegl_operation_get_key (*op, "description") != NULL &&
                     strlen (gegl_operation_get_key (*op, "description")) > 10,
                     "%s: no description", *op);
      ck_assert_msg (gegl_operation_get_key (*op, "categories") != NULL &&
                     *gegl_operation_get_key (*op, "categories") != '\0', "%s: no categories", *op);
      ck_assert_msg (version != NULL && g_str_equal (version, "1:0"), "%s: op-version", *op);
      if (g_str_equal (*op, "ottica:lens-falloff"))
        ck_assert_msg (position != NULL && g_str_equal (position, "true"),
                       "lens-falloff must be position-dependent");
      else
        ck_assert_msg (position == NULL || !g_str_equal (position, "true"),
                       "%s is a point op, not position-dependent", *op);

      props = gegl_operation_list_properties (*op, &n);
      ck_assert_msg (n > 0, "%s has no properties", *op);
      for (guint i = 0; i < n; i++)
        {
          GParamSpec *pspec = props[i];
          const char *blurb = g_param_spec_get_blurb (pspec);

          ck_assert_msg (blurb != NULL && strlen (blurb) > 5, "%s.%s has no description", *op,
                         pspec->name);
          if (G_IS_PARAM_SPEC_DOUBLE (pspec))
            {
              GParamSpecDouble    *d = G_PARAM_SPEC_DOUBLE (pspec);
              GeglParamSpecDouble *u = GEGL_PARAM_SPEC_DOUBLE (pspec);

              ck_assert_msg (d->minimum > -1e6 && d->maximum < 1e6 && d->minimum < d->maximum,
                             "%s.%s has no value range", *op, pspec->name);
              ck_assert_msg (d->default_value >= d->minimum && d->default_value <= d->maximum,
                             "%s.%s default outside its range", *op, pspec->name);
              ck_assert_msg (GEGL_IS_PARAM_SPEC_DOUBLE (pspec), "%s.%s is not a GEGL double",
                             *op, pspec->name);
              ck_assert_msg (u->ui_minimum >= d->minimum && u->ui_maximum <= d->maximum &&
                             u->ui_minimum < u->ui_maximum,
                             "%s.%s has no UI range inside its value range", *op, pspec->name);
            }
        }
    }
}
END_TEST

START_TEST (test_identity_at_neutral)
{
  g_autofree float *in = make_test_image ();

  for (const char * const *op = point_ops; *op; op++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = op_on_pixels (graph, *op, in, TEST_W, TEST_H);
      g_autofree float *out = render (node, TEST_W, TEST_H);
      double worst = 0.0;

      for (int i = 0; i < TEST_W * TEST_H * 4; i++)
        worst = MAX (worst, fabs (out[i] - in[i]));
      ck_assert_msg (worst <= 1e-6, "%s at its defaults changes pixels by %g", *op, worst);
    }
}
END_TEST

START_TEST (test_deterministic_and_alpha_kept)
{
  g_autofree float *in = make_test_image ();

  for (const char * const *op = point_ops; *op; op++)
    {
      g_autoptr(GeglNode) graph_a = gegl_node_new ();
      g_autoptr(GeglNode) graph_b = gegl_node_new ();
      GeglNode *a = op_on_pixels (graph_a, *op, in, TEST_W, TEST_H);
      GeglNode *b = op_on_pixels (graph_b, *op, in, TEST_W, TEST_H);
      g_autofree float *out_a = NULL;
      g_autofree float *out_b = NULL;
      double changed = 0.0;

      set_look_params (a, *op);
      set_look_params (b, *op);
      out_a = render (a, TEST_W, TEST_H);
      out_b = render (b, TEST_W, TEST_H);
      ck_assert_msg (memcmp (out_a, out_b, TEST_W * TEST_H * 4 * sizeof (float)) == 0,
                     "%s is not deterministic", *op);
      for (int i = 0; i < TEST_W * TEST_H; i++)
        {
          ck_assert_msg (out_a[i * 4 + 3] == in[i * 4 + 3], "%s changed alpha at %d", *op, i);
          for (int c = 0; c < 3; c++)
            {
              ck_assert_msg (isfinite (out_a[i * 4 + c]), "%s made a non-finite value", *op);
              changed = MAX (changed, fabs (out_a[i * 4 + c] - in[i * 4 + c]));
            }
        }
      ck_assert_msg (changed > 1e-3, "%s away from neutral changes nothing", *op);
    }
}
END_TEST

START_TEST (test_survives_non_finite_input)
{
  const float bad[] = { NAN, INFINITY, -INFINITY, 1e30f, -1e30f, -1.0f, 0.0f, 0.5f };
  int n = G_N_ELEMENTS (bad);
  g_autofree float *px = g_new (float, n * n * 4);

  for (int i = 0; i < n * n; i++)
    {
      px[i * 4] = bad[i % n];
      px[i * 4 + 1] = bad[i / n];
      px[i * 4 + 2] = 0.2f;
      px[i * 4 + 3] = 1.0f;
    }
  for (const char * const *op = point_ops; *op; op++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = op_on_pixels (graph, *op, px, n * n, 1);
      g_autofree float *out = NULL;

      set_look_params (node, *op);
      out = render (node, n * n, 1);
      /* The last pixel is an ordinary colour and must stay finite. */
      for (int c = 0; c < 4; c++)
        ck_assert_msg (isfinite (out[(n * n - 1) * 4 + c]), "%s: bad neighbours spoil a pixel", *op);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* tone-curve                                                          */

#define RAMP_N 2048

/* Grey values 0, then log-spaced 1e-6 … 64. */
static float *
make_grey_ramp (void)
{
  float *px = g_new (float, RAMP_N * 4);

  for (int i = 0; i < RAMP_N; i++)
    {
      float v = i == 0 ? 0.0f : (float) (1e-6 * pow (64.0 / 1e-6, (i - 1.0) / (RAMP_N - 2.0)));

      px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = v;
      px[i * 4 + 3] = 1.0f;
    }
  return px;
}

START_TEST (test_tone_curve_monotone)
{
  g_autofree float *ramp = make_grey_ramp ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:tone-curve", ramp, RAMP_N, 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (int set = 0; set < 40; set++)
    {
      double slope = exp (g_rand_double_range (rand, log (0.25), log (4.0)));
      double white = exp (g_rand_double_range (rand, log (0.25), log (4.0)));
      double toe = g_rand_double_range (rand, -3.0, 3.0);
      double strength = g_rand_double_range (rand, 0.0, 1.0);
      g_autofree float *out = NULL;

      gegl_node_set (node,
                     "bias", g_rand_double_range (rand, -4.0, 4.0),
                     "slope", slope,
                     "toe", toe,
                     "shoulder", g_rand_double_range (rand, 0.0, 8.0),
                     "shoulder-softness", g_rand_double_range (rand, 0.1, 6.0),
                     "shoulder-strength", strength,
                     "black", g_rand_double_range (rand, 0.0, 0.1),
                     "white", white,
                     "fade", g_rand_double_range (rand, 0.0, 0.2),
                     NULL);
      out = render (node, RAMP_N, 1);
      for (int i = 0; i < RAMP_N; i++)
        {
          ck_assert_msg (isfinite (out[i * 4]), "set %d: non-finite output", set);
          ck_assert_msg (out[i * 4] == out[i * 4 + 1] && out[i * 4] == out[i * 4 + 2],
                         "set %d: a grey did not stay grey", set);
          if (i > 0)
            ck_assert_msg (out[i * 4] >= out[(i - 1) * 4] - 1e-6 * fabs (out[(i - 1) * 4]) - 1e-9,
                           "set %d (slope %g, toe %g): not monotone at %g: %g < %g", set, slope, toe,
                           ramp[i * 4], out[i * 4], out[(i - 1) * 4]);
        }
    }
}
END_TEST

/* Output of the curve for the grey @v under the current settings. */
static double
curve_at (GeglNode *node,
          double    v)
{
  GeglNode *source = gegl_node_get_producer (node, "input", NULL);
  GeglRectangle rect = { 0, 0, 1, 1 };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&rect, working_format ());
  float px[4] = { (float) v, (float) v, (float) v, 1.0f };
  g_autofree float *out = NULL;

  gegl_buffer_set (buffer, &rect, 0, working_format (), px, GEGL_AUTO_ROWSTRIDE);
  gegl_node_set (source, "buffer", buffer, NULL);
  out = render (node, 1, 1);
  return out[0];
}

START_TEST (test_tone_curve_acts_where_it_should)
{
  float px[4] = { 0.18f, 0.18f, 0.18f, 1.0f };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:tone-curve", px, 1, 1);
  double deep = MID_GREY * exp2 (-6.0);

  /* Toe: deep shadows move by its EV, grey and highlights do not. */
  gegl_node_set (node, "toe", 1.0, NULL);
  ck_assert_double_eq_tol (log2 (curve_at (node, deep) / deep), 1.0, 0.05);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY), MID_GREY, 1e-4);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY * 8), MID_GREY * 8, 1e-3);
  gegl_node_set (node, "toe", -1.0, NULL);
  ck_assert_double_eq_tol (log2 (curve_at (node, deep) / deep), -1.0, 0.05);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY * 8), MID_GREY * 8, 1e-3);

  /* Shoulder: nothing below its start, a ceiling at start + softness. */
  gegl_node_set (node, "toe", 0.0, "shoulder", 1.0, "shoulder-softness", 1.0,
                 "shoulder-strength", 1.0, NULL);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY), MID_GREY, 1e-4);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY * G_SQRT2), MID_GREY * G_SQRT2, 1e-4);
  ck_assert_double_eq_tol (curve_at (node, deep), deep, 1e-6);
  ck_assert (curve_at (node, MID_GREY * 16) < MID_GREY * 4.0);
  ck_assert (curve_at (node, MID_GREY * 256) <= MID_GREY * 4.0 * 1.0001);
  ck_assert (curve_at (node, MID_GREY * 16) > curve_at (node, MID_GREY * 4));

  /* Slope pivots on grey. */
  gegl_node_set (node, "shoulder-strength", 0.0, "slope", 1.5, NULL);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY), MID_GREY, 1e-4);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY * 2), MID_GREY * pow (2.0, 1.5), 1e-3);

  /* Fade lifts black; bias is exposure; white scales. */
  gegl_node_set (node, "slope", 1.0, "fade", 0.05, NULL);
  ck_assert_double_eq_tol (curve_at (node, 0.0), 0.05, 1e-6);
  gegl_node_set (node, "fade", 0.0, "bias", 1.0, NULL);
  ck_assert_double_eq_tol (curve_at (node, MID_GREY), 2 * MID_GREY, 1e-4);
  gegl_node_set (node, "bias", 0.0, "white", 0.5, NULL);
  ck_assert_double_eq_tol (curve_at (node, 0.5), 1.0, 1e-4);

  /* Black point: crushes smoothly to 0. */
  gegl_node_set (node, "white", 1.0, "black", 0.01, NULL);
  ck_assert (curve_at (node, 0.002) < 0.0003);
  ck_assert (curve_at (node, 0.002) >= 0.0);
  /* (The white point still maps 1 to 1.) */
  ck_assert_double_eq_tol (curve_at (node, 0.5), 0.49 / 0.99, 1e-3);
}
END_TEST

START_TEST (test_tone_curve_keeps_hue_and_saturation)
{
  float px[8] = { 0.4f, 0.2f, 0.1f, 1.0f, 3.0f, 1.0f, 0.5f, 1.0f };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:tone-curve", px, 2, 1);
  g_autofree float *out = NULL;

  gegl_node_set (node, "slope", 1.3, "toe", -0.4, "shoulder", 1.0, "shoulder-strength", 1.0, NULL);
  out = render (node, 2, 1);
  for (int i = 0; i < 2; i++)
    {
      ck_assert_double_eq_tol (out[i * 4] / out[i * 4 + 1], px[i * 4] / px[i * 4 + 1], 1e-5);
      ck_assert_double_eq_tol (out[i * 4 + 1] / out[i * 4 + 2], px[i * 4 + 1] / px[i * 4 + 2], 1e-5);
    }
  /* The highlight was rolled off. */
  ck_assert (out[4] < 3.0f);
}
END_TEST

/* ------------------------------------------------------------------ */
/* color-character                                                     */

/* Instances share the tables of the last few parameter sets: a new
 * graph with parameters seen before (still kept, or pushed out since by
 * others) renders the same bits as the first one did, and other
 * parameters something else. Odd sets change lightness (the wider
 * tables). */
static float *
render_color_character_set (int set)
{
  g_autofree float *pixels = make_test_image ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:color-character", pixels, TEST_W, TEST_H);

  gegl_node_set (node, "chroma", 0.6 + 0.15 * set, "warmth", 200.0 * set,
                 "red-lightness", set % 2 ? 0.4 : 0.0, NULL);
  return render (node, TEST_W, TEST_H);
}

START_TEST (test_color_character_shares_tables)
{
  const gsize n = (gsize) TEST_W * TEST_H * 4;
  float *first[6];

  for (int set = 0; set < 6; set++)
    first[set] = render_color_character_set (set);
  for (int set = 1; set < 6; set++)
    ck_assert_msg (memcmp (first[set], first[0], n * sizeof (float)) != 0,
                   "parameter sets 0 and %d rendered alike", set);
  /* kept (5, 4), pushed out (0, 1), then kept again (0) */
  for (int k = 0; k < 5; k++)
    {
      const int set = (int[]) { 5, 4, 0, 1, 0 }[k];
      g_autofree float *again = render_color_character_set (set);

      ck_assert_msg (memcmp (again, first[set], n * sizeof (float)) == 0,
                     "parameter set %d rendered differently the %s time", set, k == 4 ? "third" : "second");
    }
  for (int set = 0; set < 6; set++)
    g_free (first[set]);
}
END_TEST

START_TEST (test_color_character_keeps_greys_neutral)
{
  g_autofree float *ramp = make_grey_ramp ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:color-character", ramp, RAMP_N, 1);
  g_autoptr(GeglNode) plain_graph = gegl_node_new ();
  GeglNode *plain = op_on_pixels (plain_graph, "gegl:nop", ramp, RAMP_N, 1);
  g_autofree float *lab = NULL;
  g_autofree float *lab_in = render_lab (plain, RAMP_N, 1);

  gegl_node_set (node, "chroma", 1.6, "vibrance", 1.0,
                 "red-hue", 20.0, "red-chroma", 1.5, "red-lightness", 0.7,
                 "orange-hue", -15.0, "orange-chroma", 0.6, "orange-lightness", -0.5,
                 "yellow-chroma", 1.4, "yellow-lightness", 0.5,
                 "green-hue", 25.0, "green-lightness", -1.0,
                 "blue-hue", -20.0, "blue-chroma", 1.8, "blue-lightness", -0.8,
                 "magenta-chroma", 0.3, "magenta-lightness", 1.0, NULL);
  lab = render_lab (node, RAMP_N, 1);
  for (int i = 0; i < RAMP_N; i++)
    {
      ck_assert_msg (fabs (lab[i * 4 + 1]) < 1.0 && fabs (lab[i * 4 + 2]) < 1.0,
                     "grey %g became a* %g b* %g", ramp[i * 4], lab[i * 4 + 1], lab[i * 4 + 2]);
      ck_assert_msg (fabs (lab[i * 4] - lab_in[i * 4]) < 0.1, "grey %g changed lightness",
                     ramp[i * 4]);
    }
}
END_TEST

/* Renders the LCh colours through @node's op with @node's settings and
 * returns Lab of input and output. */
static void
lch_through (GeglNode     *graph,
             const char   *op,
             const double *lch,
             int           n,
             void        (*setup) (GeglNode *),
             float       **lab_in,
             float       **lab_out,
             float       **rgb_in,
             float       **rgb_out)
{
  g_autofree float *px = g_new (float, n * 4);
  GeglNode *node, *plain;

  lch_to_working (lch, px, n);
  node = op_on_pixels (graph, op, px, n, 1);
  plain = op_on_pixels (graph, "gegl:nop", px, n, 1);
  setup (node);
  *lab_in = render_lab (plain, n, 1);
  *lab_out = render_lab (node, n, 1);
  if (rgb_in != NULL)
    *rgb_in = render (plain, n, 1);
  if (rgb_out != NULL)
    *rgb_out = render (node, n, 1);
}

/* Moderate colours all around the hue circle. */
static const double hue_circle[] = {
  60, 30, 20,   60, 30, 60,   70, 40, 100,  55, 35, 150,
  55, 25, 200,  50, 35, 250,  45, 35, 300,  50, 30, 330,
};

static void
setup_chroma_up (GeglNode *node)
{
  gegl_node_set (node, "chroma", 1.3, NULL);
}

static void
setup_chroma_zero (GeglNode *node)
{
  gegl_node_set (node, "chroma", 0.0, NULL);
}

START_TEST (test_color_character_chroma_scale)
{
  int n = G_N_ELEMENTS (hue_circle) / 3;
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *in = NULL, *out = NULL, *in0 = NULL, *out0 = NULL;

  lch_through (graph, "ottica:color-character", hue_circle, n, setup_chroma_up, &in, &out, NULL, NULL);
  for (int i = 0; i < n; i++)
    {
      double ratio = lab_chroma (out + i * 4) / lab_chroma (in + i * 4);

      ck_assert_msg (fabs (ratio - 1.3) < 0.03, "h %g: chroma × %g, not 1.3", hue_circle[i * 3 + 2],
                     ratio);
      ck_assert_msg (hue_distance (lab_hue (out + i * 4), lab_hue (in + i * 4)) < 1.0,
                     "h %g: hue moved to %g", hue_circle[i * 3 + 2], lab_hue (out + i * 4));
      ck_assert_msg (fabs (out[i * 4] - in[i * 4]) < 1.0, "h %g: lightness moved",
                     hue_circle[i * 3 + 2]);
    }
  lch_through (graph, "ottica:color-character", hue_circle, n, setup_chroma_zero, &in0, &out0, NULL, NULL);
  for (int i = 0; i < n; i++)
    ck_assert_msg (lab_chroma (out0 + i * 4) < 1.0, "chroma 0 left C %g", lab_chroma (out0 + i * 4));
}
END_TEST

static const double band_probe[] = {
  60, 30, 150,   /* green band centre */
  50, 40, 250,   /* blue band centre */
  55, 30, 320,   /* magenta band centre */
};

static void
setup_green_band (GeglNode *node)
{
  gegl_node_set (node, "green-hue", 15.0, "green-chroma", 1.3, NULL);
}

static void
setup_blue_lightness (GeglNode *node)
{
  gegl_node_set (node, "blue-lightness", -0.5, NULL);
}

START_TEST (test_color_character_hue_bands)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *in = NULL, *out = NULL, *in2 = NULL, *out2 = NULL, *rgb_in = NULL, *rgb_out = NULL;

  lch_through (graph, "ottica:color-character", band_probe, 3, setup_green_band, &in, &out, NULL, NULL);
  /* The green band's colour turns by 15° and gains 30 % chroma… */
  ck_assert_msg (hue_distance (lab_hue (out), 165.0) < 1.0, "green went to %g, not 165",
                 lab_hue (out));
  ck_assert_double_eq_tol (lab_chroma (out) / lab_chroma (in), 1.3, 0.03);
  /* …the magenta one, two bands away, does not move. */
  ck_assert_msg (ottica_test_delta_e (in + 8, out + 8) < 0.5, "magenta moved by ΔE %g",
                 ottica_test_delta_e (in + 8, out + 8));

  lch_through (graph, "ottica:color-character", band_probe, 3, setup_blue_lightness, &in2, &out2,
               &rgb_in, &rgb_out);
  ck_assert_double_eq_tol (luminance (rgb_out + 4) / luminance (rgb_in + 4), pow (2.0, -0.5), 0.01);
  ck_assert_msg (hue_distance (lab_hue (out2 + 4), lab_hue (in2 + 4)) < 2.0, "blue hue moved");
  ck_assert_msg (ottica_test_delta_e (in2, out2) < 0.5, "green moved with the blue band");
}
END_TEST

static const double vibrance_probe[] = {
  65, 18, 45,    /* muted skin */
  65, 18, 200,   /* muted cyan-blue */
  55, 70, 40,    /* vivid red-orange */
};

static void
setup_vibrance (GeglNode *node)
{
  gegl_node_set (node, "vibrance", 1.0, NULL);
}

START_TEST (test_color_character_vibrance_is_skin_safe)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autofree float *in = NULL, *out = NULL;
  double skin, cyan, vivid;

  lch_through (graph, "ottica:color-character", vibrance_probe, 3, setup_vibrance, &in, &out, NULL, NULL);
  skin = lab_chroma (out) / lab_chroma (in);
  cyan = lab_chroma (out + 4) / lab_chroma (in + 4);
  vivid = lab_chroma (out + 8) / lab_chroma (in + 8);
  ck_assert_msg (cyan > 1.3, "vibrance raised a muted cyan only × %g", cyan);
  ck_assert_msg (skin > 1.0 && skin - 1.0 < 0.4 * (cyan - 1.0), "vibrance raised skin × %g (cyan × %g)",
                 skin, cyan);
  ck_assert_msg (vivid < 1.1, "vibrance raised a vivid colour × %g", vivid);
}
END_TEST

START_TEST (test_color_character_warmth_and_tint)
{
  float grey[4] = { 0.18f, 0.18f, 0.18f, 1.0f };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:color-character", grey, 1, 1);
  g_autofree float *warm = NULL, *cool = NULL, *magenta = NULL, *rgb = NULL;

  gegl_node_set (node, "warmth", 1000.0, NULL);
  warm = render_lab (node, 1, 1);
  rgb = render (node, 1, 1);
  gegl_node_set (node, "warmth", -1000.0, NULL);
  cool = render_lab (node, 1, 1);
  gegl_node_set (node, "warmth", 0.0, "tint", 0.3, NULL);
  magenta = render_lab (node, 1, 1);

  ck_assert_msg (warm[2] > 3.0, "warmth +1000 K gave b* %g", warm[2]);
  ck_assert_msg (cool[2] < -3.0, "warmth -1000 K gave b* %g", cool[2]);
  ck_assert_msg (magenta[1] > 2.0, "tint +0.3 gave a* %g", magenta[1]);
  /* White balance keeps a grey's luminance. */
  ck_assert_double_eq_tol (luminance (rgb), 0.18, 1e-4);
}
END_TEST

/* Colour character depends on chromaticity only: the same colour 64 times
 * darker or 8 times brighter (exact powers of two) comes out scaled by the
 * same factor, bit for bit, whether or not the table carries lightness
 * changes; pixels far outside any gamut, at zero or impossible values
 * (negative luminance, NaN, infinity) neither crash the op nor disturb
 * their neighbours; and the SSE2 path, forced with OTTICA_NO_AVX2, gives
 * the same bits as the one the processor takes (AVX2 where it has it). */
START_TEST (test_color_character_exposure_invariant_and_robust)
{
  static const float colours[] = {
    0.30f, 0.20f, 0.10f,   0.05f, 0.20f, 0.08f,   0.10f, 0.12f, 0.40f,   0.18f, 0.18f, 0.18f,
    0.45f, 0.30f, 0.28f,   0.20f, 0.05f, 0.30f,   0.80f, 0.01f, 0.02f,   0.02f, 0.30f, 0.30f,
    0.90f, 0.85f, 0.80f,   0.02f, 0.02f, 0.03f,   0.60f, 0.50f, 0.05f,   0.15f, 0.16f, 0.15f,
  };
  static const float wild[] = {
    1.0f, -0.5f, 0.0f,   -0.2f, 0.05f, 0.3f,   0.0f, 0.0f, 0.0f,   1e-7f, 0.0f, 0.0f,
    3e5f, 1.0f, 0.0f,    NAN, 0.2f, 0.2f,      INFINITY, 0.1f, 0.1f,   -INFINITY, 0.0f, 1.0f,
  };
  static const float scales[] = { 1.0f, 1.0f / 64.0f, 8.0f };
  enum { N_COLOURS = G_N_ELEMENTS (colours) / 3, N_WILD = G_N_ELEMENTS (wild) / 3 };
  int width = N_COLOURS * (G_N_ELEMENTS (scales) + 1) + N_WILD;
  g_autofree float *px = g_new0 (float, width * 4);
  g_autofree float *tame = g_new0 (float, width * 4);

  /* Each colour at every scale, then the same colours again beside the
   * wild pixels: a planar block mixes them. */
  for (int s = 0; s <= (int) G_N_ELEMENTS (scales); s++)
    for (int i = 0; i < N_COLOURS; i++)
      for (int c = 0; c < 4; c++)
        px[(s * N_COLOURS + i) * 4 + c] =
          c == 3 ? 1.0f : colours[i * 3 + c] * (s < (int) G_N_ELEMENTS (scales) ? scales[s] : 1.0f);
  for (int i = 0; i < N_WILD; i++)
    for (int c = 0; c < 4; c++)
      px[((G_N_ELEMENTS (scales) + 1) * N_COLOURS + i) * 4 + c] = c == 3 ? 1.0f : wild[i * 3 + c];
  memcpy (tame, px, sizeof (float) * 4 * N_COLOURS);

  for (int setting = 0; setting < 2; setting++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = op_on_pixels (graph, "ottica:color-character", px, width, 1);
      GeglNode *alone = op_on_pixels (graph, "ottica:color-character", tame, N_COLOURS, 1);
      GeglNode *baseline = op_on_pixels (graph, "ottica:color-character", px, width, 1);
      g_autofree float *out = NULL, *out_alone = NULL, *out_baseline = NULL;
      const float *wild_out;

      for (int k = 0; k < 3; k++)
        {
          GeglNode *n = k == 0 ? node : k == 1 ? alone : baseline;

          /* Analog Warm's setting (chroma and white balance only), then
           * one with hue turns and lightness changes. */
          if (setting == 0)
            gegl_node_set (n, "chroma", 0.85, "warmth", 250.0, NULL);
          else
            gegl_node_set (n, "chroma", 1.2, "vibrance", 0.5, "warmth", -400.0, "tint", 0.1,
                           "red-hue", 10.0, "yellow-lightness", 0.4, "green-hue", -15.0,
                           "blue-chroma", 1.4, "magenta-lightness", -0.5, NULL);
        }
      out = render (node, width, 1);
      out_alone = render (alone, N_COLOURS, 1);
      g_setenv ("OTTICA_NO_AVX2", "1", TRUE);
      out_baseline = render (baseline, width, 1);
      g_unsetenv ("OTTICA_NO_AVX2");
      ck_assert_msg (memcmp (out, out_baseline, sizeof (float) * 4 * width) == 0,
                     "setting %d: the SSE2 path differs", setting);

      for (int i = 0; i < N_COLOURS; i++)
        for (int c = 0; c < 3; c++)
          {
            float v = out[i * 4 + c];

            ck_assert_msg (isfinite (v), "colour %d came out %g", i, v);
            for (int s = 1; s < (int) G_N_ELEMENTS (scales); s++)
              ck_assert_msg (out[(s * N_COLOURS + i) * 4 + c] == v * scales[s],
                             "setting %d, colour %d × %g: channel %d %.9g, not %.9g", setting, i,
                             scales[s], c, out[(s * N_COLOURS + i) * 4 + c], v * scales[s]);
            /* Beside the wild pixels, and alone, the same bits. */
            ck_assert_msg (out[(G_N_ELEMENTS (scales) * N_COLOURS + i) * 4 + c] == v &&
                           out_alone[i * 4 + c] == v,
                           "setting %d, colour %d depends on its neighbours", setting, i);
          }

      wild_out = out + (G_N_ELEMENTS (scales) + 1) * N_COLOURS * 4;
      /* Black stays black; finite colours, however impossible, stay finite. */
      for (int c = 0; c < 3; c++)
        ck_assert_msg (wild_out[2 * 4 + c] == 0.0f, "black became %g", wild_out[2 * 4 + c]);
      for (int i = 0; i < 5; i++)
        for (int c = 0; c < 3; c++)
          ck_assert_msg (isfinite (wild_out[i * 4 + c]), "setting %d, wild pixel %d came out %g",
                         setting, i, wild_out[i * 4 + c]);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* lens-falloff                                                        */

#define FRAME_W 300
#define FRAME_H 200

static float *
make_flat (float v,
           int   width,
           int   height)
{
  float *px = g_new (float, width * height * 4);

  for (int i = 0; i < width * height; i++)
    {
      px[i * 4] = px[i * 4 + 1] = px[i * 4 + 2] = v;
      px[i * 4 + 3] = 1.0f;
    }
  return px;
}

START_TEST (test_lens_falloff_corner_ev)
{
  g_autofree float *flat = make_flat (0.18f, FRAME_W, FRAME_H);
  static const double evs[] = { -0.8, -2.0, 0.5 };
  static const double rounds[] = { 1.0, 0.0, 0.5 };

  for (gsize k = 0; k < G_N_ELEMENTS (evs); k++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = op_on_pixels (graph, "ottica:lens-falloff", flat, FRAME_W, FRAME_H);
      g_autofree float *out = NULL;
      double centre;
      const int corners[4][2] = { { 0, 0 }, { FRAME_W - 1, 0 }, { 0, FRAME_H - 1 },
                                  { FRAME_W - 1, FRAME_H - 1 } };

      gegl_node_set (node, "ev", evs[k], "falloff", 2.0, "roundness", rounds[k], NULL);
      out = render (node, FRAME_W, FRAME_H);
      centre = out[((FRAME_H / 2) * FRAME_W + FRAME_W / 2) * 4];
      ck_assert_double_eq_tol (centre, 0.18, 0.18 * 0.01);
      for (int c = 0; c < 4; c++)
        {
          double corner = out[(corners[c][1] * FRAME_W + corners[c][0]) * 4];

          ck_assert_msg (fabs (log2 (corner / centre) - evs[k]) <= 0.1,
                         "ev %g roundness %g: corner at %g EV", evs[k], rounds[k],
                         log2 (corner / centre));
        }
    }
}
END_TEST

START_TEST (test_lens_falloff_is_exposure)
{
  float px[2 * 4] = { 0.18f, 0.18f, 0.18f, 1.0f, 4.0f, 2.0f, 1.0f, 1.0f };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:lens-falloff", px, 2, 1);
  g_autofree float *out = NULL;

  /* Both pixels sit at the same distance: the same gain, highlights too. */
  gegl_node_set (node, "ev", -1.0, NULL);
  out = render (node, 2, 1);
  ck_assert_double_eq_tol (out[4] / 4.0, out[0] / 0.18, 1e-5);
  ck_assert_double_eq_tol (out[5] / 2.0, out[0] / 0.18, 1e-5);
  ck_assert (out[4] < 4.0f);
}
END_TEST

START_TEST (test_lens_falloff_tiles_and_levels_agree)
{
  g_autofree float *px = g_new (float, FRAME_W * FRAME_H * 4);
  g_autoptr(GeglNode) graph = NULL;
  GeglNode *node;
  g_autofree float *whole = NULL;
  g_autofree float *tiled = g_new0 (float, FRAME_W * FRAME_H * 4);
  g_autofree float *half = g_new0 (float, (FRAME_W / 2) * (FRAME_H / 2) * 4);
  static const GeglRectangle pieces[] = {
    { 0, 0, 137, 91 }, { 137, 0, 163, 91 }, { 0, 91, 211, 109 }, { 211, 91, 89, 109 },
  };
  GeglRectangle half_rect = { 0, 0, FRAME_W / 2, FRAME_H / 2 };
  double worst = 0.0;

  /* Mipmap rendering must be on before GEGL first looks (a fresh fork). */
  g_setenv ("GEGL_MIPMAP_RENDERING", "1", TRUE);

  /* Smooth content, so a 2×2 average is the level-1 pixel. */
  for (int y = 0; y < FRAME_H; y++)
    for (int x = 0; x < FRAME_W; x++)
      {
        float *p = px + (y * FRAME_W + x) * 4;

        p[0] = 0.1f + 0.5f * x / FRAME_W;
        p[1] = 0.2f + 0.3f * y / FRAME_H;
        p[2] = 0.3f;
        p[3] = 1.0f;
      }
  graph = gegl_node_new ();
  node = op_on_pixels (graph, "ottica:lens-falloff", px, FRAME_W, FRAME_H);
  gegl_node_set (node, "ev", -1.5, "falloff", 2.5, "roundness", 0.3, "center-x", 0.4,
                 "center-y", 0.6, NULL);

  whole = render (node, FRAME_W, FRAME_H);
  for (gsize k = 0; k < G_N_ELEMENTS (pieces); k++)
    {
      g_autofree float *piece = ottica_test_render_rgba (node, &pieces[k], "Rec2020");

      for (int y = 0; y < pieces[k].height; y++)
        memcpy (tiled + ((pieces[k].y + y) * FRAME_W + pieces[k].x) * 4,
                piece + y * pieces[k].width * 4, pieces[k].width * 4 * sizeof (float));
    }
  ck_assert_msg (memcmp (whole, tiled, FRAME_W * FRAME_H * 4 * sizeof (float)) == 0,
                 "a render in tiles differs from the whole render");

  /* Level 1 (a half-size preview) against the full render scaled down. */
  gegl_node_blit (node, 0.5, &half_rect, working_format (), half, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  for (int y = 0; y < FRAME_H / 2; y++)
    for (int x = 0; x < FRAME_W / 2; x++)
      for (int c = 0; c < 3; c++)
        {
          double avg = 0.25 * (whole[((2 * y) * FRAME_W + 2 * x) * 4 + c] +
                               whole[((2 * y) * FRAME_W + 2 * x + 1) * 4 + c] +
                               whole[((2 * y + 1) * FRAME_W + 2 * x) * 4 + c] +
                               whole[((2 * y + 1) * FRAME_W + 2 * x + 1) * 4 + c]);
          double v = half[(y * (FRAME_W / 2) + x) * 4 + c];

          worst = MAX (worst, fabs (v - avg) / avg);
        }
  ck_assert_msg (worst < 2e-3, "level 1 differs from the scaled full render by %g", worst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* mono                                                                */

START_TEST (test_mono_is_neutral_and_filters_act)
{
  g_autofree float *in = make_test_image ();
  static const char *filters[] = { "neutral", "red", "orange", "yellow", "green" };
  float sky_srgb[3] = { 0.30f, 0.50f, 0.85f };
  float sky[4];
  double sky_grey[5];
  srgb_to_working (sky_srgb, sky, 1);
  for (int f = 0; f < 5; f++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *node = op_on_pixels (graph, "ottica:mono", in, TEST_W, TEST_H);
      GeglNode *sky_node = op_on_pixels (graph, "ottica:mono", sky, 1, 1);
      g_autofree float *lab = NULL;
      g_autofree float *rgb = NULL;
      g_autofree float *sky_out = NULL;

      gegl_node_set (node, "amount", 1.0, "filter", f, NULL);
      gegl_node_set (sky_node, "amount", 1.0, "filter", f, NULL);
      lab = render_lab (node, TEST_W, TEST_H);
      rgb = render (node, TEST_W, TEST_H);
      for (int i = 0; i < TEST_W * TEST_H; i++)
        {
          ck_assert_msg (lab_chroma (lab + i * 4) < 1.0, "%s filter left chroma %g", filters[f],
                         lab_chroma (lab + i * 4));
          if (f == 0)
            ck_assert_msg (fabs (luminance (rgb + i * 4) - luminance (in + i * 4)) <=
                           1e-5 * (1.0 + fabs (luminance (in + i * 4))),
                           "the neutral filter changed luminance");
        }
      sky_out = render (sky_node, 1, 1);
      sky_grey[f] = sky_out[0];
    }
  /* A blue sky darkens from neutral through yellow and orange to red. */
  ck_assert_msg (sky_grey[1] < 0.85 * sky_grey[0], "red filter sky %g, neutral %g", sky_grey[1],
                 sky_grey[0]);
  ck_assert (sky_grey[3] < sky_grey[0]);
  ck_assert (sky_grey[2] < sky_grey[3]);
  ck_assert (sky_grey[1] < sky_grey[2]);
  ck_assert (sky_grey[4] > sky_grey[1]);
}
END_TEST

START_TEST (test_mono_custom_and_amount)
{
  float px[4] = { 0.6f, 0.3f, 0.1f, 0.5f };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:mono", px, 1, 1);
  g_autofree float *full = NULL, *halfway = NULL;

  /* Custom weights are normalised: 2, 1, 1 → ½, ¼, ¼. */
  gegl_node_set (node, "amount", 1.0, "filter", 5, "red", 2.0, "green", 1.0, "blue", 1.0, NULL);
  full = render (node, 1, 1);
  ck_assert_double_eq_tol (full[0], 0.5 * 0.6 + 0.25 * 0.3 + 0.25 * 0.1, 1e-6);
  ck_assert (full[0] == full[1] && full[1] == full[2]);
  ck_assert (full[3] == 0.5f);
  gegl_node_set (node, "amount", 0.5, NULL);
  halfway = render (node, 1, 1);
  ck_assert_double_eq_tol (halfway[0], 0.5 * (0.6 + full[0]), 1e-6);
  ck_assert_double_eq_tol (halfway[2], 0.5 * (0.1 + full[2]), 1e-6);
}
END_TEST

/* ------------------------------------------------------------------ */
/* split-tone                                                          */

/* Checks the toning hue of greys from L* @l_lo to @l_hi. */
static void
check_toning (double shadow_hue,
              double shadow_chroma,
              double highlight_hue,
              double highlight_chroma,
              double expect_hue,
              double l_lo,
              double l_hi)
{
  g_autofree float *ramp = make_grey_ramp ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:split-tone", ramp, RAMP_N, 1);
  GeglNode *plain = op_on_pixels (graph, "gegl:nop", ramp, RAMP_N, 1);
  g_autofree float *lab = NULL;
  g_autofree float *lab_in = render_lab (plain, RAMP_N, 1);
  int checked = 0;

  gegl_node_set (node, "shadow-hue", shadow_hue, "shadow-chroma", shadow_chroma,
                 "highlight-hue", highlight_hue, "highlight-chroma", highlight_chroma, NULL);
  lab = render_lab (node, RAMP_N, 1);
  for (int i = 0; i < RAMP_N; i++)
    {
      if (lab_in[i * 4] < l_lo || lab_in[i * 4] > l_hi)
        continue;
      ck_assert_msg (lab_chroma (lab + i * 4) > 2.0, "L* %g barely toned (C %g)", lab_in[i * 4],
                     lab_chroma (lab + i * 4));
      ck_assert_msg (hue_distance (lab_hue (lab + i * 4), expect_hue) <= 10.0,
                     "L* %g toned at %g°, not %g°", lab_in[i * 4], lab_hue (lab + i * 4), expect_hue);
      ck_assert_msg (fabs (lab[i * 4] - lab_in[i * 4]) < 1.0, "toning changed L* at %g",
                     lab_in[i * 4]);
      checked++;
    }
  ck_assert (checked > 50);
}

START_TEST (test_split_tone_hues)
{
  /* Sepia, blue tone, and split (cool shadows, warm highlights). */
  check_toning (55.0, 5.0, 55.0, 10.0, 55.0, 15.0, 88.0);
  check_toning (250.0, 10.0, 250.0, 10.0, 250.0, 15.0, 88.0);
  check_toning (200.0, 8.0, 60.0, 8.0, 200.0, 15.0, 30.0);
  check_toning (200.0, 8.0, 60.0, 8.0, 60.0, 70.0, 88.0);
  /* Selenium: the shadows only. */
  check_toning (340.0, 6.0, 340.0, 0.0, 340.0, 15.0, 40.0);
}
END_TEST

START_TEST (test_split_tone_strength_and_ends)
{
  g_autofree float *ramp = make_grey_ramp ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:split-tone", ramp, RAMP_N, 1);
  g_autofree float *weak = NULL, *strong = NULL, *rgb = NULL;

  gegl_node_set (node, "shadow-hue", 55.0, "highlight-hue", 55.0, "shadow-chroma", 4.0,
                 "highlight-chroma", 4.0, NULL);
  weak = render_lab (node, RAMP_N, 1);
  gegl_node_set (node, "shadow-chroma", 10.0, "highlight-chroma", 10.0, NULL);
  strong = render_lab (node, RAMP_N, 1);
  rgb = render (node, RAMP_N, 1);
  for (int i = 0; i < RAMP_N; i++)
    if (weak[i * 4] > 30.0 && weak[i * 4] < 80.0)
      {
        ck_assert_double_eq_tol (lab_chroma (weak + i * 4), 4.0, 0.6);
        ck_assert_double_eq_tol (lab_chroma (strong + i * 4), 10.0, 1.0);
      }
  /* Black stays black; paper white stays white. */
  ck_assert (rgb[0] == 0.0f && rgb[1] == 0.0f && rgb[2] == 0.0f);
  for (int i = 0; i < RAMP_N; i++)
    if (strong[i * 4] > 100.5)
      ck_assert_msg (lab_chroma (strong + i * 4) < 0.5, "white toned at L* %g", strong[i * 4]);
}
END_TEST

/* ------------------------------------------------------------------ */
/* lut3d and the .cube reader                                          */

/* Known sRGB-encoded colours. */
static const float probe_srgb[] = {
  0.9f, 0.5f, 0.1f,   0.2f, 0.4f, 0.6f,   0.05f, 0.95f, 0.3f,   0.5f, 0.5f, 0.5f,
  0.0f, 0.0f, 0.0f,   1.0f, 1.0f, 1.0f,   0.8f, 0.1f, 0.7f,     0.33f, 0.66f, 0.99f,
};
#define N_PROBES ((int) G_N_ELEMENTS (probe_srgb) / 3)

/* Renders the probes through a LUT and returns sRGB-encoded output. */
static float *
probes_through_lut (const char *path,
                    const char *space,
                    double      strength)
{
  float px[N_PROBES * 4];
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node;
  GeglRectangle rect = { 0, 0, N_PROBES, 1 };
  float *out = g_new (float, N_PROBES * 4);
  GEnumClass *space_class;
  GEnumValue *value;
  GParamSpec *pspec;

  srgb_to_working (probe_srgb, px, N_PROBES);
  node = op_on_pixels (graph, "ottica:lut3d", px, N_PROBES, 1);
  pspec = gegl_node_find_property (node, "input-space");
  space_class = g_type_class_ref (G_PARAM_SPEC_VALUE_TYPE (pspec));
  value = g_enum_get_value_by_nick (space_class, space);
  ck_assert_msg (value != NULL, "no input space %s", space);
  gegl_node_set (node, "path", path, "input-space", value->value, "strength", strength, NULL);
  g_type_class_unref (space_class);
  gegl_node_blit (node, 1.0, &rect, babl_format_with_space ("R'G'B'A float", babl_space ("sRGB")),
                  out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return out;
}

START_TEST (test_lut3d_identity)
{
  static const int sizes[] = { 2, 17, 33 };

  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autofree char *path = ottica_test_scratch_file ("identity.cube");
      g_autofree float *srgb = NULL;
      g_autofree float *linear = NULL;

      write_cube (path, sizes[k], cube_identity);
      srgb = probes_through_lut (path, "srgb", 1.0);
      linear = probes_through_lut (path, "linear-srgb", 1.0);
      for (int i = 0; i < N_PROBES; i++)
        for (int c = 0; c < 3; c++)
          {
            ck_assert_msg (fabs (srgb[i * 4 + c] - probe_srgb[i * 3 + c]) <= 1.0 / 255,
                           "size %d sRGB identity: %g → %g", sizes[k], probe_srgb[i * 3 + c],
                           srgb[i * 4 + c]);
            ck_assert_msg (fabs (linear[i * 4 + c] - probe_srgb[i * 3 + c]) <= 1.0 / 255,
                           "size %d linear identity: %g → %g", sizes[k], probe_srgb[i * 3 + c],
                           linear[i * 4 + c]);
          }
    }
}
END_TEST

START_TEST (test_lut3d_known_luts)
{
  g_autofree char *swap = ottica_test_scratch_file ("swap.cube");
  g_autofree char *invert = ottica_test_scratch_file ("invert.cube");
  g_autofree float *swapped = NULL, *inverted = NULL, *half = NULL;

  write_cube (swap, 33, cube_swap);
  write_cube (invert, 33, cube_invert);
  swapped = probes_through_lut (swap, "srgb", 1.0);
  inverted = probes_through_lut (invert, "srgb", 1.0);
  for (int i = 0; i < N_PROBES; i++)
    {
      const float *in = probe_srgb + i * 3;

      ck_assert_msg (fabs (swapped[i * 4] - in[2]) <= 1.0 / 255 &&
                     fabs (swapped[i * 4 + 1] - in[0]) <= 1.0 / 255 &&
                     fabs (swapped[i * 4 + 2] - in[1]) <= 1.0 / 255,
                     "swap: (%g %g %g) → (%g %g %g)", in[0], in[1], in[2], swapped[i * 4],
                     swapped[i * 4 + 1], swapped[i * 4 + 2]);
      for (int c = 0; c < 3; c++)
        ck_assert_msg (fabs (inverted[i * 4 + c] - (1.0 - in[c])) <= 1.0 / 255,
                       "invert: %g → %g", in[c], inverted[i * 4 + c]);
    }

  /* Strength blends in linear light. */
  half = probes_through_lut (invert, "srgb", 0.5);
  for (int i = 0; i < N_PROBES; i++)
    for (int c = 0; c < 3; c++)
      {
        double a = probe_srgb[i * 3 + c], b = 1.0 - a;
        double lin_a = a <= 0.04045 ? a / 12.92 : pow ((a + 0.055) / 1.055, 2.4);
        double lin_b = b <= 0.04045 ? b / 12.92 : pow ((b + 0.055) / 1.055, 2.4);
        double mid = 0.5 * (lin_a + lin_b);
        double expect = mid <= 0.0031308 ? 12.92 * mid : 1.055 * pow (mid, 1 / 2.4) - 0.055;

        ck_assert_msg (fabs (half[i * 4 + c] - expect) <= 1.0 / 255, "strength ½: %g → %g, not %g",
                       a, half[i * 4 + c], expect);
      }
}
END_TEST

/* The file's own tetrahedral interpolation, in double, for encoded input
 * in [0, 1]. */
static void
reference_tetrahedral (const OtticaCube *cube,
                       const double      in[3],
                       double            out[3])
{
  int    n = cube->size;
  double g[3], f[3];
  int    i[3], order[3] = { 0, 1, 2 };
  gsize  stride[3] = { 1, (gsize) n, (gsize) n * n }, corner = 0;

  for (int c = 0; c < 3; c++)
    {
      g[c] = CLAMP (in[c], 0.0, 1.0) * (n - 1);
      i[c] = MIN ((int) g[c], n - 2);
      f[c] = g[c] - i[c];
      corner += i[c] * stride[c];
    }
  for (int a = 0; a < 3; a++)
    for (int b = a + 1; b < 3; b++)
      if (f[order[b]] > f[order[a]])
        {
          int t = order[a];

          order[a] = order[b];
          order[b] = t;
        }
  for (int c = 0; c < 3; c++)
    out[c] = cube->data[3 * corner + c] * (1.0 - f[order[0]]);
  for (int k = 0; k < 3; k++)
    {
      double w = f[order[k]] - (k < 2 ? f[order[k + 1]] : 0.0);

      corner += stride[order[k]];
      for (int c = 0; c < 3; c++)
        out[c] += cube->data[3 * corner + c] * w;
    }
}

START_TEST (test_lut3d_follows_the_file)
{
  g_autofree char *path = ottica_test_scratch_file ("mix.cube");
  g_autoptr(OtticaCube) cube = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  enum { N = 4096 };
  g_autofree float *srgb = g_new (float, N * 3);
  g_autofree float *px = g_new (float, N * 4);
  g_autofree float *out = g_new (float, N * 4);
  GeglRectangle rect = { 0, 0, N, 1 };
  GeglNode *node;
  double worst = 0.0;

  for (int i = 0; i < N * 3; i++)
    srgb[i] = (float) g_rand_double (rand);
  srgb_to_working (srgb, px, N);
  node = op_on_pixels (graph, "ottica:lut3d", px, N, 1);

  for (int size = 5; size <= 33; size = size * 2 - 1)
    {
      write_cube (path, size, cube_mix);
      g_clear_pointer (&cube, ottica_cube_free);
      cube = ottica_cube_load (path, NULL);
      ck_assert (cube != NULL);
      gegl_node_set (node, "path", path, NULL);
      gegl_node_blit (node, 1.0, &rect, babl_format_with_space ("R'G'B'A float", babl_space ("sRGB")),
                      out, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
      worst = 0.0;
      for (int i = 0; i < N; i++)
        {
          double in[3] = { srgb[i * 3], srgb[i * 3 + 1], srgb[i * 3 + 2] }, expect[3];

          reference_tetrahedral (cube, in, expect);
          for (int c = 0; c < 3; c++)
            worst = MAX (worst, fabs (out[i * 4 + c] - expect[c]));
        }
      ck_assert_msg (worst <= 0.5 / 255, "size %d: the op strays %g (%g code values) from the file",
                     size, worst, worst * 255);
    }
}
END_TEST

typedef struct
{
  const char *file;
  const char *text;
  int         code;
  const char *phrase;
} BadCube;

static void
check_refused (const char *path,
               int         code,
               const char *phrase)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaCube) cube = ottica_cube_load (path, &error);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *quoted = g_strdup_printf ("“%s”", base);

  ck_assert_msg (cube == NULL, "%s was accepted", base);
  ck_assert_msg (error != NULL, "%s: no error", base);
  ck_assert_msg (g_error_matches (error, OTTICA_ERROR, code), "%s: error code %d (%s), not %d", base,
                 error->code, error->message, code);
  ck_assert_msg (strstr (error->message, quoted) != NULL, "%s: message does not name the file: %s",
                 base, error->message);
  ck_assert_msg (strstr (error->message, phrase) != NULL, "%s: message “%s” does not say “%s”",
                 base, error->message, phrase);
}

static char *
cube_text (int size,
           int entries,
           const char *insert_at_3)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "LUT_3D_SIZE %d\n", size);
  for (int i = 0; i < entries; i++)
    {
      if (i == 3 && insert_at_3 != NULL)
        g_string_append (s, insert_at_3);
      else
        g_string_append_printf (s, "%g %g %g\n", (i & 1) * 1.0, (i >> 1 & 1) * 1.0, (i >> 2 & 1) * 1.0);
    }
  return g_string_free (s, FALSE);
}

START_TEST (test_cube_refuses_bad_files)
{
  g_autofree char *nan = cube_text (2, 8, "0.5 nan 0.5\n");
  g_autofree char *inf = cube_text (2, 8, "0.5 0.5 -inf\n");
  g_autofree char *truncated = cube_text (2, 7, NULL);
  g_autofree char *extra = cube_text (2, 9, NULL);
  g_autofree char *word = cube_text (2, 8, "0.5 zero 0.5\n");
  g_autofree char *two = cube_text (2, 8, "0.5 0.5\n");
  g_autofree char *four = cube_text (2, 8, "0.5 0.5 0.5 0.5\n");
  g_autofree char *keyword = cube_text (2, 8, "DOMAIN_MIN 0 0 0\n");
  const BadCube cases[] = {
    { "big.cube", "LUT_3D_SIZE 129\n", OTTICA_ERROR_TOO_LARGE, "size of 129" },
    { "huge.cube", "LUT_3D_SIZE 99999999999999999999\n", OTTICA_ERROR_TOO_LARGE, "LUT size" },
    { "one.cube", "LUT_3D_SIZE 1\n0 0 0\n", OTTICA_ERROR_INVALID, "size of 1" },
    { "nan.cube", nan, OTTICA_ERROR_INVALID, "not a finite number" },
    { "inf.cube", inf, OTTICA_ERROR_INVALID, "not a finite number" },
    { "truncated.cube", truncated, OTTICA_ERROR_CORRUPT, "truncated: it has 7 of the 8" },
    { "extra.cube", extra, OTTICA_ERROR_CORRUPT, "more entries" },
    { "word.cube", word, OTTICA_ERROR_INVALID, "not a number on line 5" },
    { "two.cube", two, OTTICA_ERROR_INVALID, "2 values on line 5" },
    { "four.cube", four, OTTICA_ERROR_INVALID, "4 values on line 5" },
    { "keyword.cube", keyword, OTTICA_ERROR_INVALID, "keyword on line 5" },
    { "oned.cube", "LUT_1D_SIZE 4\n0 0 0\n0.3 0.3 0.3\n0.6 0.6 0.6\n1 1 1\n", OTTICA_ERROR_UNSUPPORTED, "1D LUT" },
    { "nosize.cube", "TITLE \"x\"\n", OTTICA_ERROR_INVALID, "no LUT_3D_SIZE" },
    { "early.cube", "0 0 0\nLUT_3D_SIZE 2\n", OTTICA_ERROR_INVALID, "before its LUT_3D_SIZE" },
    { "badsize.cube", "LUT_3D_SIZE two\n", OTTICA_ERROR_INVALID, "not a whole number" },
    { "twice.cube", "LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n", OTTICA_ERROR_INVALID, "twice" },
    { "domain.cube", "LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\nDOMAIN_MAX 0 1 1\n"
                     "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n",
      OTTICA_ERROR_INVALID, "DOMAIN_MIN" },
    { "empty.cube", "# nothing\n\n", OTTICA_ERROR_CORRUPT, "empty" },
  };

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *path = ottica_test_scratch_file (cases[k].file);

      ck_assert (g_file_set_contents (path, cases[k].text, -1, NULL));
      check_refused (path, cases[k].code, cases[k].phrase);
    }

  /* Binary data. */
  {
    g_autofree char *path = ottica_test_scratch_file ("binary.cube");

    ck_assert (g_file_set_contents (path, "LUT_3D_SIZE 2\n\0\1\2\3", 18, NULL));
    check_refused (path, OTTICA_ERROR_UNSUPPORTED, "not a text");
  }
  /* Too large a file (sparse: no disk is used). */
  {
    g_autofree char *path = ottica_test_scratch_file ("enormous.cube");

    ck_assert (g_file_set_contents (path, "LUT_3D_SIZE 2\n", -1, NULL));
    ck_assert_int_eq (truncate (path, (off_t) OTTICA_CUBE_MAX_BYTES + 1), 0);
    check_refused (path, OTTICA_ERROR_TOO_LARGE, "too large");
  }
  /* Missing. */
  {
    g_autofree char *path = ottica_test_scratch_file ("missing.cube");

    check_refused (path, OTTICA_ERROR_NOT_FOUND, "cannot be opened");
  }
}
END_TEST

START_TEST (test_cube_reads_variants)
{
  const char *text =
    "\xef\xbb\xbf# A comment\r\n"
    "TITLE \"Warm # 1\"\r\n"
    "LUT_3D_SIZE 2\r\n"
    "DOMAIN_MIN 0 0 -0.5\r\n"
    "DOMAIN_MAX 1 2 1.5\r\n"
    "\r\n"
    "0 0 0\r\n"
    "1 0 0 # red\r\n"
    "  0 1 0\r\n"
    "1 1 0\r\n"
    "0 0 1\r\n"
    "1 0 1\r\n"
    "0 1 1\r\n"
    "1.0e0 1 1";
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaCube) cube = ottica_cube_parse (text, strlen (text), "variants.cube", &error);
  g_autofree char *range_path = ottica_test_scratch_file ("range.cube");
  g_autoptr(OtticaCube) range = NULL;

  ck_assert_msg (cube != NULL, "refused: %s", error ? error->message : "?");
  ck_assert_str_eq (cube->title, "Warm # 1");
  ck_assert_uint_eq (cube->size, 2);
  ck_assert (cube->domain_min[2] == -0.5f && cube->domain_max[1] == 2.0f);
  ck_assert (cube->data[3] == 1.0f && cube->data[4] == 0.0f);
  ck_assert (cube->data[7 * 3 + 2] == 1.0f);

  ck_assert (g_file_set_contents (range_path, "LUT_3D_INPUT_RANGE 0 4\nLUT_3D_SIZE 2\n"
                                  "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", -1, NULL));
  range = ottica_cube_load (range_path, &error);
  ck_assert_msg (range != NULL, "refused: %s", error ? error->message : "?");
  ck_assert (range->title == NULL);
  ck_assert (range->domain_min[0] == 0.0f && range->domain_max[2] == 4.0f);
}
END_TEST

static guint warnings_seen;
static char *last_warning;

static void
count_warnings (const gchar   *domain,
                GLogLevelFlags level,
                const gchar   *message,
                gpointer       data)
{
  if (level & G_LOG_LEVEL_WARNING)
    {
      warnings_seen++;
      g_free (last_warning);
      last_warning = g_strdup (message);
    }
}

START_TEST (test_lut3d_bad_file_passes_through)
{
  g_autofree float *in = make_test_image ();
  g_autofree char *path = ottica_test_scratch_file ("broken.cube");
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *node = op_on_pixels (graph, "ottica:lut3d", in, TEST_W, TEST_H);
  g_autofree float *out = NULL;
  g_autofree float *again = NULL;

  ck_assert (g_file_set_contents (path, "LUT_3D_SIZE 2\n0 0 0\n", -1, NULL));
  g_log_set_default_handler (count_warnings, NULL);
  gegl_node_set (node, "path", path, NULL);
  out = render (node, TEST_W, TEST_H);
  ck_assert (memcmp (out, in, TEST_W * TEST_H * 4 * sizeof (float)) == 0);
  ck_assert_uint_eq (warnings_seen, 1);
  ck_assert_msg (strstr (last_warning, "“broken.cube” is truncated") != NULL, "warning: %s",
                 last_warning);
  /* Warned once, not on every render. */
  gegl_node_set (node, "strength", 0.7, NULL);
  again = render (node, TEST_W, TEST_H);
  ck_assert (memcmp (again, in, TEST_W * TEST_H * 4 * sizeof (float)) == 0);
  ck_assert_uint_eq (warnings_seen, 1);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("ops");
  TCase *tc;

  tc = ottica_test_case ("contract");
  tcase_add_test (tc, test_keys_and_properties);
  tcase_add_test (tc, test_identity_at_neutral);
  tcase_add_test (tc, test_deterministic_and_alpha_kept);
  tcase_add_test (tc, test_survives_non_finite_input);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("tone-curve");
  tcase_add_test (tc, test_tone_curve_monotone);
  tcase_add_test (tc, test_tone_curve_acts_where_it_should);
  tcase_add_test (tc, test_tone_curve_keeps_hue_and_saturation);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("color-character");
  tcase_add_test (tc, test_color_character_keeps_greys_neutral);
  tcase_add_test (tc, test_color_character_shares_tables);
  tcase_add_test (tc, test_color_character_chroma_scale);
  tcase_add_test (tc, test_color_character_hue_bands);
  tcase_add_test (tc, test_color_character_vibrance_is_skin_safe);
  tcase_add_test (tc, test_color_character_warmth_and_tint);
  tcase_add_test (tc, test_color_character_exposure_invariant_and_robust);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("lens-falloff");
  tcase_add_test (tc, test_lens_falloff_corner_ev);
  tcase_add_test (tc, test_lens_falloff_is_exposure);
  tcase_add_test (tc, test_lens_falloff_tiles_and_levels_agree);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("mono");
  tcase_add_test (tc, test_mono_is_neutral_and_filters_act);
  tcase_add_test (tc, test_mono_custom_and_amount);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("split-tone");
  tcase_add_test (tc, test_split_tone_hues);
  tcase_add_test (tc, test_split_tone_strength_and_ends);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("point-chain");
  tcase_add_test (tc, test_point_chain_equals_separate_ops);
  tcase_add_test (tc, test_point_chain_follows_its_steps);
  tcase_add_test (tc, test_point_chain_planar_equals_separate_ops);
  tcase_add_test (tc, test_point_kernels_avx2_equals_sse2);
  tcase_add_test (tc, test_point_chain_takes_a_new_list);
  tcase_add_test (tc, test_grain_rows_equal_whole);
  tcase_add_test (tc, test_grain_pieces_equal_whole);
  tcase_add_test (tc, test_grain_avx2_equals_sse2);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("lut3d");
  tcase_add_test (tc, test_lut3d_identity);
  tcase_add_test (tc, test_lut3d_known_luts);
  tcase_add_test (tc, test_lut3d_follows_the_file);
  tcase_add_test (tc, test_cube_refuses_bad_files);
  tcase_add_test (tc, test_cube_reads_variants);
  tcase_add_test (tc, test_lut3d_bad_file_passes_through);
  suite_add_tcase (suite, tc);

  return ottica_test_run ("ops", suite);
}
