/* bench-ops.c: single-core throughput of every ottica: operation and of
 * whole looks, with GEGL's nearest stock operation as the peer.
 *
 *   bench-ops PHOTO [--runs N] [--scale S] [--only NAME,NAME…]
 *
 * PHOTO (data/samples/friends.jpg) is upscaled by S (default 2: 2828 ×
 * 4248, 12 MP) into a linear Rec. 2020 RGBA float buffer once; each case
 * then renders that buffer through one node into a buffer of the same
 * format, with GEGL on one thread and no node caches, N times after an
 * untimed warm-up (tables, babl conversions). The figure is megapixels
 * per second of process CPU time (user + system), median of the runs:
 * CPU time is what a busy machine disturbs least, and with one thread it
 * is the single-core rate. Operation parameters come from the built-in
 * look that uses the operation most heavily, so they are a real look's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gegl.h>
#include <gegl-plugin.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ottica-engine.h"
#include "ottica-look.h"
#include "ottica-look-library.h"

typedef struct
{
  GeglBuffer *input;
  GeglBuffer *output;
  int         runs;
  char      **only;
  char       *cube_path;
} Bench;

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static gboolean
wanted (const Bench *bench,
        const char  *name)
{
  if (bench->only == NULL)
    return TRUE;
  for (int i = 0; bench->only[i] != NULL; i++)
    if (strstr (name, bench->only[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* No node (nor a meta op's inner one) keeps a cache that would make the
 * second run free. */
static void
no_caches (GeglNode *graph)
{
  GSList *children = gegl_node_get_children (graph);

  for (GSList *it = children; it != NULL; it = it->next)
    {
      g_object_set (it->data, "cache-policy", GEGL_CACHE_POLICY_NEVER, NULL);
      if (gegl_node_is_graph (it->data))
        no_caches (it->data);
    }
  g_slist_free (children);
}

/* Median MP/s of rendering @node (fed from bench->input) into
 * bench->output. */
static double
measure (const Bench *bench,
         GeglNode    *graph,
         GeglNode    *node)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (bench->input);
  double megapixels = extent->width * (double) extent->height / 1e6;
  double rates[64];
  int runs = CLAMP (bench->runs, 1, 64);

  no_caches (graph);

  /* Warm-up: tables, babl's conversions, the tile allocator. */
  gegl_node_blit_buffer (node, bench->output, extent, 0, GEGL_ABYSS_NONE);
  for (int i = 0; i < runs; i++)
    {
      double start = cpu_seconds ();

      gegl_node_blit_buffer (node, bench->output, extent, 0, GEGL_ABYSS_NONE);
      rates[i] = megapixels / MAX (cpu_seconds () - start, 1e-9);
    }
  qsort (rates, runs, sizeof rates[0], compare_doubles);
  return runs % 2 ? rates[runs / 2] : 0.5 * (rates[runs / 2 - 1] + rates[runs / 2]);
}

/* A graph buffer-source → @operation; the caller sets the node up. */
static GeglNode *
new_case (const Bench *bench,
          const char  *operation,
          GeglNode   **graph)
{
  GeglNode *source, *node;

  *graph = gegl_node_new ();
  source = gegl_node_new_child (*graph, "operation", "gegl:buffer-source",
                                "buffer", bench->input, NULL);
  node = gegl_node_new_child (*graph, "operation", operation, NULL);
  gegl_node_link (source, node);
  return node;
}

/* Sets @node's parameters to those @look_id gives its operation. */
static void
apply_look_params (GeglNode   *node,
                   const char *look_id)
{
  const OtticaLook *look = ottica_look_library_find (look_id);
  const char *operation = gegl_node_get_operation (node);

  g_assert (look != NULL);
  for (guint i = 0; i < ottica_look_get_n_steps (look); i++)
    if (g_str_equal (ottica_look_get_step_operation (look, i), operation))
      ottica_look_apply_step (look, i, node, 1.0);
}

typedef void (*SetUp) (const Bench *bench, GeglNode *node);

static void
set_up_peer_unsharp (const Bench *bench, GeglNode *node)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (bench->input);

  /* local contrast's window at radius 0.5 % reaches 3σ. */
  gegl_node_set (node, "std-dev", 0.005 * MAX (extent->width, extent->height) / 3.0,
                 "scale", 0.25, NULL);
}

static void
set_up_peer_bloom (const Bench *bench, GeglNode *node)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (bench->input);

  /* analog-warm's glow: σ 0.8 % of the long edge. */
  gegl_node_set (node, "radius", 0.008 * MAX (extent->width, extent->height),
                 "strength", 15.0, NULL);
}

static void
set_up_peer_noise (const Bench *bench, GeglNode *node)
{
  gegl_node_set (node, "independent", FALSE, "gaussian", TRUE, "red", 0.05, NULL);
}

static void
set_up_peer_vignette (const Bench *bench, GeglNode *node)
{
  gegl_node_set (node, "radius", 1.2, "softness", 0.8, NULL);
}

static void
set_up_peer_mono (const Bench *bench, GeglNode *node)
{
  gegl_node_set (node, "red", 0.85, "green", 0.15, "blue", 0.0, NULL);
}

static void
set_up_peer_levels (const Bench *bench, GeglNode *node)
{
  gegl_node_set (node, "in-low", 0.02, "in-high", 0.95, NULL);
}

static void
set_up_peer_saturation (const Bench *bench, GeglNode *node)
{
  gegl_node_set (node, "scale", 0.95, NULL);
}

static void
set_up_lut (const Bench *bench, GeglNode *node)
{
  gegl_node_set (node, "path", bench->cube_path, "strength", 1.0, NULL);
}

static void
set_up_develop (const Bench *bench, GeglNode *node)
{
  /* The edit of tests/bench/run case (a), and some tone work. */
  gegl_node_set (node, "exposure", 0.3, "saturation", 20.0, "vignette", -50.0,
                 "contrast", 15.0, "shadows", 20.0, "highlights", -20.0, NULL);
}

typedef struct
{
  const char *name;       /* op-<name>-throughput */
  const char *operation;
  const char *look_id;    /* parameters from this look, or NULL */
  SetUp       set_up;
  const char *peer;       /* GEGL's nearest operation, or NULL */
  SetUp       peer_set_up;
} Case;

static const Case cases[] = {
  { "tone-curve", "ottica:tone-curve", "hard-mono", NULL, "gegl:levels", set_up_peer_levels },
  { "color-character", "ottica:color-character", "documentary", NULL,
    "gegl:saturation", set_up_peer_saturation },
  { "mono", "ottica:mono", "hard-mono", NULL, "gegl:mono-mixer", set_up_peer_mono },
  { "split-tone", "ottica:split-tone", "faded-cinema", NULL, "gegl:sepia", NULL },
  { "lens-falloff", "ottica:lens-falloff", "documentary", NULL,
    "gegl:vignette", set_up_peer_vignette },
  { "lut3d", "ottica:lut3d", NULL, set_up_lut, NULL, NULL },
  { "develop", "ottica:develop", NULL, set_up_develop, NULL, NULL },
  { "grain", "ottica:grain", "hard-mono", NULL, "gegl:noise-rgb", set_up_peer_noise },
  { "local-contrast", "ottica:local-contrast", "hard-mono", NULL,
    "gegl:unsharp-mask", set_up_peer_unsharp },
  { "glow", "ottica:glow", "analog-warm", NULL, "gegl:bloom", set_up_peer_bloom },
};

static double
run_op (const Bench *bench,
        const char  *operation,
        const char  *look_id,
        SetUp        set_up)
{
  g_autoptr(GeglNode) graph = NULL;
  GeglNode *node = new_case (bench, operation, &graph);

  if (look_id != NULL)
    apply_look_params (node, look_id);
  if (set_up != NULL)
    set_up (bench, node);
  return measure (bench, graph, node);
}

/* The point steps of @look_id (at amount 1) as one node per step, or
 * through one ottica:point-chain as ottica:look runs them; 0 when the
 * look has fewer than two. */
static double
run_points (const Bench *bench,
            const char  *look_id,
            gboolean     fused)
{
  const OtticaLook *look = ottica_look_library_find (look_id);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func (g_object_unref);
  GeglNode *previous = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                            "buffer", bench->input, NULL);
  GeglNode *source = previous;

  for (guint i = 0; i < ottica_look_get_n_steps (look); i++)
    {
      GeglNode *node = gegl_node_new_child (graph, "operation",
                                            ottica_look_get_step_operation (look, i), NULL);

      if (!GEGL_IS_OPERATION_POINT_FILTER (gegl_node_get_gegl_operation (node)) ||
          g_str_equal (ottica_look_get_step_operation (look, i), "ottica:grain"))
        {
          gegl_node_remove_child (graph, node);
          continue;
        }
      ottica_look_apply_step (look, i, node, 1.0);
      if (fused)
        {
          gegl_node_link (source, node);
          g_ptr_array_add (steps, g_object_ref (gegl_node_get_gegl_operation (node)));
        }
      else
        {
          gegl_node_link (previous, node);
          previous = node;
        }
    }
  if (fused)
    {
      if (steps->len < 2)
        return 0.0;
      previous = gegl_node_new_child (graph, "operation", "ottica:point-chain",
                                      "operations", steps, NULL);
      gegl_node_link (source, previous);
    }
  return measure (bench, graph, previous);
}

/* A 17³ .cube with a gentle S-curve and a warm shift, as a film LUT. */
static char *
write_cube (void)
{
  g_autoptr(GString) text = g_string_new ("TITLE \"bench\"\nLUT_3D_SIZE 17\n");
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), "ottica-bench-ops.cube", NULL);

  for (int b = 0; b < 17; b++)
    for (int g = 0; g < 17; g++)
      for (int r = 0; r < 17; r++)
        {
          double v[3] = { r / 16.0, g / 16.0, b / 16.0 };

          for (int c = 0; c < 3; c++)
            v[c] = v[c] + 0.08 * sin (2.0 * G_PI * v[c]) * (c == 2 ? 0.5 : 1.0);
          g_string_append_printf (text, "%.6f %.6f %.6f\n",
                                  CLAMP (v[0] * 1.02, 0.0, 1.0), v[1],
                                  CLAMP (v[2] * 0.97, 0.0, 1.0));
        }
  if (!g_file_set_contents (path, text->str, text->len, &error))
    g_error ("%s", error->message);
  return path;
}

static GeglBuffer *
load_input (const char *photo,
            double      scale)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", "gegl:load", "path", photo, NULL);
  GeglNode *resize = gegl_node_new_child (graph, "operation", "gegl:scale-ratio",
                                          "x", scale, "y", scale,
                                          "sampler", GEGL_SAMPLER_CUBIC, NULL);
  GeglRectangle extent;
  GeglBuffer *buffer;

  gegl_node_link (load, resize);
  extent = gegl_node_get_bounding_box (resize);
  extent.x = extent.y = 0;
  extent.width = (int) floor (extent.width);
  buffer = gegl_buffer_new (&extent, ottica_engine_working_format ());
  gegl_node_blit_buffer (resize, buffer, &extent, 0, GEGL_ABYSS_NONE);
  return buffer;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *only = NULL;
  double scale = 2.0;
  int runs = 5;
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Timed runs per case (default 5)", "N" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "Upscale the photo by S (default 2)", "S" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only cases whose name contains one of these", "A,B" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PHOTO");
  Bench bench = { 0 };
  const GeglRectangle *extent;
  static const char *looks[] = { "documentary", "hard-mono", "analog-warm", "faded-cinema",
                                 "sepia-tone-strong", "vivid", NULL };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("usage: bench-ops PHOTO [--runs N] [--scale S] [--only A,B]\n");
      return 2;
    }
  g_setenv ("GEGL_USE_OPENCL", "no", TRUE);
  if (!ottica_engine_init (1, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_object_set (gegl_config (), "threads", 1, NULL);
  ottica_look_op_ensure_registered ();

  bench.runs = runs;
  bench.only = only != NULL ? g_strsplit (only, ",", -1) : NULL;
  bench.cube_path = write_cube ();
  bench.input = load_input (argv[1], scale);
  extent = gegl_buffer_get_extent (bench.input);
  bench.output = gegl_buffer_new (extent, ottica_engine_working_format ());
  g_printerr ("bench-ops: %dx%d (%.1f MP), RGBA float Rec2020 linear, 1 thread, "
              "median of %d, MP/s of CPU time\n",
              extent->width, extent->height, extent->width * (double) extent->height / 1e6, runs);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      double ours, peer;

      if (!wanted (&bench, c->name))
        continue;
      ours = run_op (&bench, c->operation, c->look_id, c->set_up);
      if (c->peer != NULL && gegl_has_operation (c->peer))
        {
          peer = run_op (&bench, c->peer, NULL, c->peer_set_up);
          printf ("BENCH name=op-%s-throughput value=%.1f unit=MP/s peer=%s peer_value=%.1f "
                  "ratio=%.2f\n", c->name, ours, c->peer, peer, ours / peer);
        }
      else
        printf ("BENCH name=op-%s-throughput value=%.1f unit=MP/s\n", c->name, ours);
      fflush (stdout);
    }

  for (int i = 0; looks[i] != NULL; i++)
    if (wanted (&bench, "fused"))
      {
        double separate = run_points (&bench, looks[i], FALSE);
        double fused = run_points (&bench, looks[i], TRUE);

        if (separate > 0.0)
          printf ("BENCH name=look-%s-point-ops-fused-throughput value=%.1f unit=MP/s "
                  "peer=separate-nodes peer_value=%.1f ratio=%.2f\n",
                  looks[i], fused, separate, fused / separate);
        fflush (stdout);
      }

  for (int i = 0; looks[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup_printf ("look-%s", looks[i]);
      g_autoptr(GeglNode) graph = NULL;
      GeglNode *node;

      if (!wanted (&bench, name))
        continue;
      node = new_case (&bench, "ottica:look", &graph);
      gegl_node_set (node, "look-id", looks[i], "amount", 1.0, NULL);
      printf ("BENCH name=%s-throughput value=%.1f unit=MP/s\n", name,
              measure (&bench, graph, node));
      fflush (stdout);
    }

  g_unlink (bench.cube_path);
  g_free (bench.cube_path);
  g_strfreev (bench.only);
  g_object_unref (bench.input);
  g_object_unref (bench.output);
  ottica_engine_shutdown ();
  return 0;
}
