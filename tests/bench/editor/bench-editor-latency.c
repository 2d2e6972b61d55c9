/* bench-editor-latency.c: how fast the editor's preview answers, driving
 * the renderer the window uses (OtticaPreviewRenderer) headless, with a
 * proxy for a 1600 × 1000 view.
 *
 *   bench-editor-latency [--edits-only] JPEG [CR2]
 *
 * Prints BENCH lines (tests/bench/README.md):
 *   editor-first-preview-24mp, editor-first-preview-cr2: open → first
 *     texture (median of the opens after the first one, which is printed
 *     as -cold); for the CR2, whose embedded JPEG is shown first,
 *     editor-first-preview-cr2-decoded: open → the RAW's own render;
 *   editor-slider-latency-median, -p95: a slider change → the first
 *     texture showing it (a draft when the proxy is slow), over 60 changes
 *     of 8 sliders with the Documentary look on;
 *   editor-slider-sharp-latency-median, -p95: the same → the proxy's
 *     texture; both also with no look (-no-look) and with Analog Warm
 *     (-analog-warm);
 *   editor-slider-drag-latency-median, -p95 (and -analog-warm): a slider
 *     dragged, a change every 16 ms whether or not the last one is on
 *     screen → a texture showing it or a later change;
 *   editor-look-switch, editor-look-switch-sharp: choosing another look
 *     → first texture, → the proxy's (medians over the looks);
 *   editor-region-100-first: the first 100 % view → its sharp region
 *     (the full resolution is loaded then); editor-region-100: at 100 %,
 *     panning → the sharp 1600 × 1000 region.
 *
 * Each time also comes as -cpu: the process's CPU time (every thread) over
 * the same interval, which a busy machine disturbs much less than the
 * wall time; on a quiet 2-core machine the wall time is at most the CPU
 * time (GEGL renders on both cores).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ottica-engine.h"
#include "ottica-look-library.h"
#include "ottica-preview-renderer.h"

#define VIEW_WIDTH  1600
#define VIEW_HEIGHT 1000
#define N_CHANGES   60
#define TIMEOUT_S   60

typedef struct
{
  gboolean opened;
  gboolean failed;
  guint    rendered;
  guint    sharp;
  guint    regions;
  gint64   first_texture;
  gint64   sharp_texture;
  double   first_cpu;
  double   sharp_cpu;
} State;

/* Process CPU time, every thread, in ms. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
on_opened (OtticaPreviewRenderer *renderer, State *state)
{
  state->opened = TRUE;
  state->first_cpu = cpu_ms ();
}

static void
on_failed (OtticaPreviewRenderer *renderer, GError *error, State *state)
{
  g_printerr ("%s\n", error->message);
  state->failed = TRUE;
}

static void
on_rendered (OtticaPreviewRenderer *renderer, State *state)
{
  gint64 now = g_get_monotonic_time ();

  if (state->rendered++ == 0)
    {
      state->first_texture = now;
      state->first_cpu = cpu_ms ();
    }
  if (!ottica_preview_renderer_is_draft (renderer))
    {
      state->sharp++;
      state->sharp_texture = now;
      state->sharp_cpu = cpu_ms ();
    }
}

static void
on_region (OtticaPreviewRenderer *renderer, State *state)
{
  state->regions++;
}

static gboolean
spin_until (gboolean *flag, guint *counter, guint target)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while ((flag != NULL && !*flag) || (counter != NULL && *counter < target))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

/* Lets everything in the background finish. */
static void
settle (OtticaPreviewRenderer *renderer)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (ottica_preview_renderer_is_busy (renderer) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* and the few ms the last worker needs to go */
  for (int i = 0; i < 20; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values, double p)
{
  g_array_sort (values, compare_doubles);
  if (values->len == 0)
    return NAN;
  return g_array_index (values, double, MIN (values->len - 1, (guint) floor (p * (values->len - 1) + 0.5)));
}

static void
bench_line (const char *name, double value, const char *unit)
{
  printf ("BENCH name=%s value=%.1f unit=%s\n", name, value, unit);
  fflush (stdout);
}

/* The line for the @p-th percentile of @values (ms), named
 * editor-@figure@suffix-@statistic (median, p95, cpu-median). */
static void
bench_percentile (const char *figure, const char *suffix, const char *statistic,
                  GArray *values, double p)
{
  g_autofree char *name = g_strdup_printf ("editor-%s%s-%s", figure, suffix, statistic);

  bench_line (name, percentile (values, p), "ms");
}

static OtticaPreviewRenderer *
new_renderer (State *state)
{
  OtticaPreviewRenderer *renderer = ottica_preview_renderer_new ();

  /* the window's "balanced" preview quality fits a 1600 × 1000 view */
  ottica_preview_renderer_set_proxy_size (renderer, MAX (VIEW_WIDTH, VIEW_HEIGHT));
  g_signal_connect (renderer, "opened", G_CALLBACK (on_opened), state);
  g_signal_connect (renderer, "open-failed", G_CALLBACK (on_failed), state);
  g_signal_connect (renderer, "rendered", G_CALLBACK (on_rendered), state);
  g_signal_connect (renderer, "region-rendered", G_CALLBACK (on_region), state);
  return renderer;
}

/* Open → "opened" (the first preview is in it), in ms; < 0 on failure. */
static double
time_open (const char *path, OtticaPreviewRenderer **out, State *state, GArray **decoded, double *cpu)
{
  OtticaPreviewRenderer *renderer;
  gint64 start;
  double ms, cpu_start;

  memset (state, 0, sizeof *state);
  renderer = new_renderer (state);
  start = g_get_monotonic_time ();
  cpu_start = cpu_ms ();
  ottica_preview_renderer_open (renderer, path);
  if (!spin_until (&state->opened, NULL, 0) || state->failed)
    {
      g_object_unref (renderer);
      return -1;
    }
  ms = (g_get_monotonic_time () - start) / 1000.0;
  if (cpu != NULL)
    *cpu = state->first_cpu - cpu_start;
  if (decoded != NULL)
    {
      /* the embedded preview first, then the RAW's own render */
      double decoded_ms = ms;

      while (ottica_preview_renderer_is_busy (renderer))
        g_main_context_iteration (NULL, TRUE);
      if (state->sharp > 0)
        decoded_ms = (state->sharp_texture - start) / 1000.0;
      g_array_append_val (*decoded, decoded_ms);
    }
  if (out != NULL)
    *out = renderer;
  else
    {
      settle (renderer);
      g_object_unref (renderer);
    }
  return ms;
}

static gboolean
bench_first_preview (const char *path, const char *name, gboolean decoded)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decoded_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *cpu_name = g_strdup_printf ("%s-cpu", name);
  g_autofree char *cold_name = g_strdup_printf ("%s-cold", name);
  g_autofree char *decoded_name = g_strdup_printf ("%s-decoded", name);
  State state;

  for (int i = 0; i < 6; i++)
    {
      double cpu = 0;
      double ms = time_open (path, NULL, &state, decoded ? &decoded_times : NULL, &cpu);

      if (ms < 0)
        return FALSE;
      if (i == 0)
        {
          bench_line (cold_name, ms, "ms");
          g_array_set_size (decoded_times, 0);
        }
      else
        {
          g_array_append_val (times, ms);
          g_array_append_val (cpu_times, cpu);
        }
    }
  bench_line (name, percentile (times, 0.5), "ms");
  bench_line (cpu_name, percentile (cpu_times, 0.5), "ms");
  if (decoded)
    bench_line (decoded_name, percentile (decoded_times, 0.5), "ms");
  return TRUE;
}

/* Sets @edit and waits for the first texture and the sharp one. */
static gboolean
change (OtticaPreviewRenderer *renderer, State *state, const OtticaEdit *edit,
        double *first_ms, double *sharp_ms, double *cpu)
{
  guint sharp = state->sharp;
  gint64 start;
  double cpu_start;

  state->rendered = 0;
  start = g_get_monotonic_time ();
  cpu_start = cpu_ms ();
  ottica_preview_renderer_set_edit (renderer, edit);
  if (!spin_until (NULL, &state->sharp, sharp + 1))
    return FALSE;
  *first_ms = (state->first_texture - start) / 1000.0;
  *sharp_ms = (state->sharp_texture - start) / 1000.0;
  cpu[0] = state->first_cpu - cpu_start;
  cpu[1] = state->sharp_cpu - cpu_start;
  /* the next change comes once this one is on screen and the worker is free */
  while (ottica_preview_renderer_is_busy (renderer))
    g_main_context_iteration (NULL, TRUE);
  return TRUE;
}

static gboolean
bench_sliders (OtticaPreviewRenderer *renderer, State *state, const char *look, const char *suffix)
{
  static const char *const keys[] = { "exposure", "contrast", "highlights", "shadows",
                                      "temperature", "saturation", "vibrance", "vignette" };
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sharp = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(GArray) first_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sharp_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  double a, b, c[2];

  ottica_edit_set_look (edit, look);
  if (!change (renderer, state, edit, &a, &b, c))
    return FALSE;
  for (int i = 0; i < N_CHANGES; i++)
    {
      const OtticaEditParam *param = ottica_edit_param_lookup (keys[i % G_N_ELEMENTS (keys)]);
      /* a slider's steps during a drag: a few per cent of its range */
      double step = (param->max - param->min) * 0.01 * (1 + i / (int) G_N_ELEMENTS (keys));

      ottica_edit_set (edit, param, param->neutral + ((i / 2) % 2 ? step : -step));
      if (!change (renderer, state, edit, &a, &b, c))
        return FALSE;
      g_array_append_val (first, a);
      g_array_append_val (sharp, b);
      g_array_append_val (first_cpu, c[0]);
      g_array_append_val (sharp_cpu, c[1]);
    }
  bench_percentile ("slider-latency", suffix, "cpu-median", first_cpu, 0.5);
  bench_percentile ("slider-sharp-latency", suffix, "cpu-median", sharp_cpu, 0.5);
  bench_percentile ("slider-latency", suffix, "median", first, 0.5);
  bench_percentile ("slider-latency", suffix, "p95", first, 0.95);
  bench_percentile ("slider-sharp-latency", suffix, "median", sharp, 0.5);
  bench_percentile ("slider-sharp-latency", suffix, "p95", sharp, 0.95);
  return TRUE;
}

/* A drag: a change every frame (DRAG_FRAME_MS) whatever is on screen, as
 * a slider sends them; each change's latency is the time until a texture
 * shows it or a later change (the renderer skips the ones in between). */
#define DRAG_FRAME_MS 16
#define DRAG_CHANGES  90

typedef struct
{
  OtticaPreviewRenderer *renderer;
  GPtrArray *edits;       /* sent, in order */
  GArray    *sent;        /* gint64, when */
  GArray    *latencies;   /* double, ms */
  guint      shown;       /* edits before this one are on screen */
  guint      source;      /* the timer sending the changes */
  gboolean   done;
} Drag;

static gboolean
drag_step (gpointer data)
{
  Drag *drag = data;
  const OtticaEditParam *param = ottica_edit_param_lookup ("exposure");
  guint i = drag->edits->len;
  OtticaEdit *edit;
  gint64 now;

  /* out and back over a fifth of the range, as a hand would; each value
   * a little apart, so a texture names the change it shows */
  edit = ottica_edit_copy (g_ptr_array_index (drag->edits, 0));
  ottica_edit_set (edit, param, (param->max - param->min) * 0.1 * sin (i * G_PI / 45.0) + i * 1e-6);
  now = g_get_monotonic_time ();
  g_ptr_array_add (drag->edits, edit);
  g_array_append_val (drag->sent, now);
  ottica_preview_renderer_set_edit (drag->renderer, edit);
  if (drag->edits->len < DRAG_CHANGES)
    return G_SOURCE_CONTINUE;
  drag->source = 0;
  return G_SOURCE_REMOVE;
}

static void
drag_rendered (OtticaPreviewRenderer *renderer, Drag *drag)
{
  const OtticaEdit *shown = ottica_preview_renderer_get_texture_edit (renderer);
  gint64 now = g_get_monotonic_time ();

  for (guint j = drag->edits->len; j-- > MAX (drag->shown, 1);)
    if (ottica_edit_equal (g_ptr_array_index (drag->edits, j), shown))
      {
        for (guint i = MAX (drag->shown, 1); i <= j; i++)
          {
            double ms = (now - g_array_index (drag->sent, gint64, i)) / 1000.0;

            g_array_append_val (drag->latencies, ms);
          }
        drag->shown = j + 1;
        break;
      }
  if (drag->shown == DRAG_CHANGES)
    drag->done = TRUE;
}

static gboolean
bench_drag (OtticaPreviewRenderer *renderer, State *state, const char *look, const char *suffix)
{
  Drag drag = { renderer };
  OtticaEdit *start = ottica_edit_new ();
  double a, b, c[2];
  gulong handler;
  gint64 deadline;

  ottica_edit_set_look (start, look);
  if (!change (renderer, state, start, &a, &b, c))
    return FALSE;
  drag.edits = g_ptr_array_new_with_free_func ((GDestroyNotify) ottica_edit_free);
  drag.sent = g_array_new (FALSE, FALSE, sizeof (gint64));
  drag.latencies = g_array_new (FALSE, FALSE, sizeof (double));
  /* the first entry is where the drag starts, not a change */
  g_ptr_array_add (drag.edits, start);
  g_array_append_val (drag.sent, (gint64) { 0 });
  handler = g_signal_connect (renderer, "rendered", G_CALLBACK (drag_rendered), &drag);
  drag.source = g_timeout_add (DRAG_FRAME_MS, drag_step, &drag);
  deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  while (!drag.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_clear_handle_id (&drag.source, g_source_remove);
  g_signal_handler_disconnect (renderer, handler);
  settle (renderer);
  if (!drag.done)
    return FALSE;
  bench_percentile ("slider-drag-latency", suffix, "median", drag.latencies, 0.5);
  bench_percentile ("slider-drag-latency", suffix, "p95", drag.latencies, 0.95);
  g_ptr_array_unref (drag.edits);
  g_array_unref (drag.sent);
  g_array_unref (drag.latencies);
  return TRUE;
}

static gboolean
bench_looks (OtticaPreviewRenderer *renderer, State *state)
{
  GPtrArray *looks = ottica_look_library_list (NULL);
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sharp = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) first_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sharp_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  double a, b, c[2];

  edit->exposure = 0.3;
  for (guint i = 0; looks != NULL && i < looks->len; i++)
    {
      ottica_edit_set_look (edit, ottica_look_get_id (g_ptr_array_index (looks, i)));
      if (!change (renderer, state, edit, &a, &b, c))
        return FALSE;
      g_array_append_val (first, a);
      g_array_append_val (sharp, b);
      g_array_append_val (first_cpu, c[0]);
      g_array_append_val (sharp_cpu, c[1]);
    }
  bench_line ("editor-look-switch", percentile (first, 0.5), "ms");
  bench_line ("editor-look-switch-sharp", percentile (sharp, 0.5), "ms");
  bench_line ("editor-look-switch-cpu", percentile (first_cpu, 0.5), "ms");
  bench_line ("editor-look-switch-sharp-cpu", percentile (sharp_cpu, 0.5), "ms");
  return TRUE;
}

static gboolean
bench_region (OtticaPreviewRenderer *renderer, State *state)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  int width, height;

  ottica_preview_renderer_get_full_size (renderer, &width, &height);
  /* the first asks for the full resolution, which is loaded then */
  for (int i = 0; i <= 8; i++)
    {
      /* panning across the photo at 100 % */
      GeglRectangle visible = { (width - VIEW_WIDTH) * i / 8, (height - VIEW_HEIGHT) * i / 8,
                                VIEW_WIDTH, VIEW_HEIGHT };
      guint regions = state->regions;
      gint64 start = g_get_monotonic_time ();
      double ms;

      ottica_preview_renderer_set_region (renderer, 1.0, &visible);
      if (!spin_until (NULL, &state->regions, regions + 1))
        return FALSE;
      ms = (g_get_monotonic_time () - start) / 1000.0;
      if (i == 0)
        bench_line ("editor-region-100-first", ms, "ms");
      else
        g_array_append_val (times, ms);
    }
  bench_line ("editor-region-100", percentile (times, 0.5), "ms");
  ottica_preview_renderer_set_region (renderer, 0, NULL);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  OtticaPreviewRenderer *renderer = NULL;
  State state;
  /* --edits-only: the changes, not the opens (quicker, while tuning) */
  gboolean opens = argc < 2 || !g_str_equal (argv[1], "--edits-only");

  if (!opens)
    {
      argv++;
      argc--;
    }
  if (argc < 2)
    {
      g_printerr ("usage: %s [--edits-only] JPEG [CR2]\n", argv[0]);
      return 2;
    }
  if (!ottica_engine_init (0, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  /* as the editor does at start-up, before a photo is chosen */
  ottica_preview_renderer_warm_up ();

  if (opens && !bench_first_preview (argv[1], "editor-first-preview-24mp", FALSE))
    return 1;
  if (opens && argc > 2 && !bench_first_preview (argv[2], "editor-first-preview-cr2", TRUE))
    return 1;

  if (time_open (argv[1], &renderer, &state, NULL, NULL) < 0)
    return 1;
  settle (renderer);
  if (!bench_sliders (renderer, &state, "documentary", "") ||
      !bench_drag (renderer, &state, "documentary", "") ||
      !bench_sliders (renderer, &state, NULL, "-no-look") ||
      !bench_sliders (renderer, &state, "analog-warm", "-analog-warm") ||
      !bench_drag (renderer, &state, "analog-warm", "-analog-warm") ||
      !bench_looks (renderer, &state) ||
      !bench_region (renderer, &state))
    {
      g_printerr ("a render never came\n");
      return 1;
    }
  g_object_unref (renderer);
  return 0;
}
