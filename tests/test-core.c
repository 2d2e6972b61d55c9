/* test-core.c: the engine and atomic file writes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "ottica-atomic-file.h"
#include "ottica-babl-guard.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-main-context.h"
#include "ottica-test.h"

START_TEST (test_engine_registers_ottica_ops)
{
  ck_assert (gegl_has_operation ("ottica:develop"));
  for (const char * const *op = ottica_engine_required_operations (); *op; op++)
    ck_assert_msg (gegl_has_operation (*op), "%s missing", *op);
}
END_TEST

START_TEST (test_engine_init_is_idempotent)
{
  g_autoptr(GError) error = NULL;
  int threads = 0;

  ck_assert (ottica_engine_init (1, &error));
  g_object_get (gegl_config (), "threads", &threads, NULL);
  ck_assert_int_eq (threads, 1);
  ck_assert (ottica_engine_init (2, &error));
  g_object_get (gegl_config (), "threads", &threads, NULL);
  ck_assert_int_eq (threads, 2);
}
END_TEST

START_TEST (test_engine_working_format_is_linear_rec2020)
{
  const Babl *format = ottica_engine_working_format ();
  float white[4] = { 1, 1, 1, 1 };
  float out[4];

  ck_assert_ptr_eq (babl_format_get_space (format), babl_space ("Rec2020"));
  ck_assert_int_eq (babl_format_get_bytes_per_pixel (format), 16);
  /* linear: 0.5 in linear Rec.2020 grey is 0.5 in linear sRGB grey */
  white[0] = white[1] = white[2] = 0.5f;
  babl_process (babl_fish (format, babl_format ("RGBA float")), white, out, 1);
  ck_assert_float_eq_tol (out[0], 0.5f, 1e-4f);
}
END_TEST

/* GEGL's folder of modules, as the engine finds it, or NULL. */
static char *
gegl_module_dir (void)
{
  const char *candidates[] = { "/usr/lib/x86_64-linux-gnu/gegl-0.4", "/usr/lib/aarch64-linux-gnu/gegl-0.4",
                               "/usr/lib64/gegl-0.4", "/usr/lib/gegl-0.4" };

  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_DIR))
      return g_strdup (candidates[i]);
  return NULL;
}

/* The engine loads GEGL's operation collections and the PNG, TIFF and
 * JPEG modules, not the loaders whose libraries cost a start 0.15 s
 * (FFmpeg, Poppler…); through a folder of links in the user's cache,
 * without leaving GEGL_PATH set for programs it starts. */
START_TEST (test_engine_loads_only_its_modules)
{
  g_autofree char *gegl_dir = gegl_module_dir ();
  g_autofree char *cache = g_build_filename (ottica_test_scratch_dir (), "cache", NULL);
  g_autofree char *links = g_build_filename (cache, "ottica", "gegl-modules", NULL);
  g_autofree char *ff_load = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  int n_folders = 0;

  if (gegl_dir == NULL)
    {
      ottica_test_skip ("GEGL's module folder is not where Debian puts it");
      return;
    }
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_unsetenv ("GEGL_PATH");
  g_unsetenv ("OTTICA_GEGL_ALL_MODULES");
  ck_assert_msg (ottica_engine_init (1, &error), "%s", error ? error->message : "?");

  for (const char * const *op = ottica_engine_required_operations (); *op; op++)
    ck_assert_msg (gegl_has_operation (*op), "%s missing", *op);
  /* What the tests and looks use besides. */
  ck_assert (gegl_has_operation ("gegl:gaussian-blur"));
  ck_assert (gegl_has_operation ("gegl:png-save"));
  ck_assert (gegl_has_operation ("gegl:jpg-save"));
  ck_assert (gegl_has_operation ("gegl:tiff-save"));
  ck_assert (gegl_has_operation ("gegl:exposure"));
  ck_assert (gegl_has_operation ("gegl:bloom"));
  ff_load = g_build_filename (gegl_dir, "ff-load.so", NULL);
  if (g_file_test (ff_load, G_FILE_TEST_EXISTS))
    ck_assert (!gegl_has_operation ("gegl:ff-load"));
  ck_assert_ptr_null (g_getenv ("GEGL_PATH"));

  dir = g_dir_open (links, 0, NULL);
  ck_assert_ptr_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *folder = g_build_filename (links, name, NULL);
      g_autofree char *core = g_build_filename (folder, "gegl-core.so", NULL);

      ck_assert_msg (name[0] != '.', "temporary folder %s left behind", name);
      ck_assert (g_file_test (core, G_FILE_TEST_IS_SYMLINK));
      n_folders++;
    }
  ck_assert_int_eq (n_folders, 1);
}
END_TEST

/* OTTICA_GEGL_ALL_MODULES=1 (or a GEGL_PATH of one's own) gives GEGL's
 * usual loading back. */
START_TEST (test_engine_all_modules_on_request)
{
  g_autofree char *gegl_dir = gegl_module_dir ();
  g_autofree char *ff_load = NULL;
  g_autofree char *cache = g_build_filename (ottica_test_scratch_dir (), "cache", NULL);
  g_autofree char *links = g_build_filename (cache, "ottica", NULL);
  g_autoptr(GError) error = NULL;

  ff_load = gegl_dir != NULL ? g_build_filename (gegl_dir, "ff-load.so", NULL) : NULL;
  if (ff_load == NULL || !g_file_test (ff_load, G_FILE_TEST_EXISTS))
    {
      ottica_test_skip ("GEGL's FFmpeg loader is not installed");
      return;
    }
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_unsetenv ("GEGL_PATH");
  g_setenv ("OTTICA_GEGL_ALL_MODULES", "1", TRUE);
  ck_assert_msg (ottica_engine_init (1, &error), "%s", error ? error->message : "?");
  ck_assert (gegl_has_operation ("gegl:ff-load"));
  ck_assert (!g_file_test (links, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_atomic_write_creates_file)
{
  g_autofree char *path = ottica_test_scratch_file ("a.txt");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  ck_assert (ottica_atomic_file_write (path, "hello", 5, FALSE, &error));
  ck_assert (g_file_get_contents (path, &contents, &length, NULL));
  ck_assert_int_eq (length, 5);
  ck_assert_str_eq (contents, "hello");
}
END_TEST

static int
count_entries (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  int n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

START_TEST (test_atomic_write_refuses_to_overwrite)
{
  g_autofree char *path = ottica_test_scratch_file ("b.txt");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (ottica_atomic_file_write (path, "first", 5, FALSE, NULL));
  ck_assert (!ottica_atomic_file_write (path, "second", 6, FALSE, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS));
  ck_assert (strstr (error->message, "b.txt") != NULL);
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "first");
  /* no temporary file left behind */
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 1);

  ck_assert (ottica_atomic_file_write (path, "second", 6, TRUE, NULL));
  g_clear_pointer (&contents, g_free);
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "second");
}
END_TEST

START_TEST (test_atomic_abandon_leaves_nothing)
{
  g_autofree char *path = ottica_test_scratch_file ("c.jpg");
  g_autofree char *temp = NULL;
  g_autofree char *temp_base = NULL;
  int fd = ottica_atomic_file_open_temp (path, &temp, NULL);

  ck_assert_int_ge (fd, 0);
  temp_base = g_path_get_basename (temp);
  ck_assert (ottica_atomic_file_is_temporary (temp_base));
  ck_assert (!ottica_atomic_file_is_temporary ("c.jpg"));
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ottica_atomic_file_abandon (fd, temp);
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 0);
}
END_TEST

START_TEST (test_atomic_write_into_missing_folder_fails_with_name)
{
  g_autoptr(GError) error = NULL;

  ck_assert (!ottica_atomic_file_write ("/nonexistent-ottica/dir/photo.ottica", "x", 1, FALSE, &error));
  ck_assert (strstr (error->message, "photo.ottica") != NULL);
}
END_TEST

/* The babl guard */

typedef struct
{
  gint changed;      /* the change began */
  gint release;      /* the change may end */
  gint read;         /* a second read began */
  guint reads_seen;  /* reads open while the change ran */
} Guarded;

static gboolean
flag_is_set (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

/* Whether @flag was set within @seconds; polls without a main context,
 * so that any thread may call it. */
static gboolean
wait_for_flag (gint *flag, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!flag_is_set (flag))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (1000);
    }
  return TRUE;
}

static gpointer
change_until_released (gpointer data)
{
  Guarded *g = data;

  ottica_babl_guard_change_begin ();
  g->reads_seen = ottica_babl_guard_count_reads ();
  g_atomic_int_set (&g->changed, 1);
  wait_for_flag (&g->release, 30);
  ottica_babl_guard_change_end ();
  return NULL;
}

static gpointer
read_once (gpointer data)
{
  ottica_babl_guard_read_begin ();
  g_atomic_int_set (&((Guarded *) data)->read, 1);
  ottica_babl_guard_read_end ();
  return NULL;
}

/* A change waits for the reads that run, holds new reads back while it
 * waits and while it runs, and runs with no read open. */
START_TEST (test_babl_changes_run_alone)
{
  Guarded g = { 0 };
  GThread *change, *reader;

  ottica_babl_guard_read_begin ();
  change = g_thread_new ("change", change_until_released, &g);
  g_usleep (100 * 1000);
  ck_assert_int_eq (g_atomic_int_get (&g.changed), 0);
  reader = g_thread_new ("reader", read_once, &g);
  g_usleep (100 * 1000);
  ck_assert_int_eq (g_atomic_int_get (&g.read), 0);
  ottica_babl_guard_read_end ();

  ck_assert (wait_for_flag (&g.changed, 30));
  ck_assert_uint_eq (g.reads_seen, 0);
  g_usleep (100 * 1000);
  ck_assert_int_eq (g_atomic_int_get (&g.read), 0);
  g_atomic_int_set (&g.release, 1);
  g_thread_join (change);
  g_thread_join (reader);
  ck_assert_int_eq (g_atomic_int_get (&g.read), 1);
  ck_assert_uint_eq (ottica_babl_guard_count_reads (), 0);
}
END_TEST

typedef struct
{
  gint  in_read;    /* threads in their read */
  gint  changes;    /* changes done */
  guint most_reads; /* reads open during any change */
} Upgrades;

static gpointer
read_then_change (gpointer data)
{
  Upgrades *u = data;

  ottica_babl_guard_read_begin ();
  ottica_babl_guard_read_begin ();  /* nested */
  g_atomic_int_inc (&u->in_read);
  while (g_atomic_int_get (&u->in_read) < 2)
    g_usleep (1000);
  ottica_babl_guard_change_begin ();
  u->most_reads = MAX (u->most_reads, ottica_babl_guard_count_reads ());
  g_atomic_int_inc (&u->changes);
  ottica_babl_guard_change_end ();
  ottica_babl_guard_read_end ();
  ottica_babl_guard_read_end ();
  return NULL;
}

/* Two threads in reads that both begin a change each give their read up
 * meanwhile: both changes run, one after the other, and the reads end. */
START_TEST (test_babl_changes_inside_reads)
{
  Upgrades u = { 0 };
  GThread *a = g_thread_new ("a", read_then_change, &u);
  GThread *b = g_thread_new ("b", read_then_change, &u);

  g_thread_join (a);
  g_thread_join (b);
  ck_assert_int_eq (u.changes, 2);
  ck_assert_uint_eq (u.most_reads, 0);
  ck_assert_uint_eq (ottica_babl_guard_count_reads (), 0);
}
END_TEST

typedef struct
{
  gint primed;     /* the main thread's second prime returned */
  gint released;   /* the reader saw that before giving up */
  gint reading;
} Reprime;

static gpointer
read_until_primed (gpointer data)
{
  Reprime *r = data;

  ottica_babl_guard_read_begin ();
  g_atomic_int_set (&r->reading, 1);
  g_atomic_int_set (&r->released, wait_for_flag (&r->primed, 10));
  ottica_babl_guard_read_end ();
  return NULL;
}

/* A graph primed once is not primed again: the second prime is no change,
 * so it does not wait for a read that runs. */
START_TEST (test_prime_render_once_per_kind_of_graph)
{
  const GeglRectangle extent = { 0, 0, 16, 16 };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, babl_format ("R'G'B' u8"));
  g_autoptr(GeglNode) graph = gegl_node_new ();
  const Babl *format = babl_format ("R'G'B'A float");
  GeglNode *source, *tone;
  Reprime r = { 0 };
  GThread *reader;

  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  tone = gegl_node_new_child (graph, "operation", "ottica:tone-curve", NULL);
  gegl_node_link (source, tone);
  ottica_engine_prime_render (tone, 1.0, format);

  reader = g_thread_new ("reader", read_until_primed, &r);
  ck_assert (wait_for_flag (&r.reading, 30));
  ottica_engine_prime_render (tone, 1.0, format);
  g_atomic_int_set (&r.primed, 1);
  g_thread_join (reader);
  ck_assert_msg (r.released, "priming the same graph again waited for a read");
}
END_TEST

/* Posting to a main context */

typedef struct
{
  GThread  *ran_in;
  gboolean  notified;
} Posted;

static gboolean
record_thread (gpointer data)
{
  ((Posted *) data)->ran_in = g_thread_self ();
  return G_SOURCE_REMOVE;
}

static void
record_notify (gpointer data)
{
  ((Posted *) data)->notified = TRUE;
}

static gpointer
post_from_worker (gpointer data)
{
  ottica_main_context_post (NULL, G_PRIORITY_DEFAULT, record_thread, data, record_notify);
  return NULL;
}

/* A worker posts while no thread owns the default context (as when a test
 * polls between iterations): the function waits for the thread that
 * iterates, where g_main_context_invoke() would have run it at once in
 * the worker. */
START_TEST (test_posted_work_runs_in_the_iterating_thread)
{
  Posted posted = { NULL, FALSE };

  ck_assert (!g_main_context_is_owner (g_main_context_default ()));
  g_thread_join (g_thread_new ("poster", post_from_worker, &posted));
  ck_assert_ptr_null (posted.ran_in);
  ck_assert (!posted.notified);
  for (int i = 0; i < 100 && posted.ran_in == NULL; i++)
    g_main_context_iteration (NULL, FALSE);
  ck_assert_ptr_eq (posted.ran_in, g_thread_self ());
  ck_assert (posted.notified);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("core");
  TCase *engine = ottica_test_case ("engine");
  TCase *atomic = ottica_test_case ("atomic-file");
  TCase *context = ottica_test_case ("main-context");
  /* These set the environment up before initialising the engine. */
  TCase *modules = ottica_test_plain_case ("engine-modules");

  tcase_add_test (engine, test_engine_registers_ottica_ops);
  tcase_add_test (engine, test_engine_init_is_idempotent);
  tcase_add_test (engine, test_engine_working_format_is_linear_rec2020);
  tcase_add_test (engine, test_babl_changes_run_alone);
  tcase_add_test (engine, test_babl_changes_inside_reads);
  tcase_add_test (engine, test_prime_render_once_per_kind_of_graph);
  suite_add_tcase (suite, engine);

  tcase_add_test (modules, test_engine_loads_only_its_modules);
  tcase_add_test (modules, test_engine_all_modules_on_request);
  suite_add_tcase (suite, modules);

  tcase_add_test (atomic, test_atomic_write_creates_file);
  tcase_add_test (atomic, test_atomic_write_refuses_to_overwrite);
  tcase_add_test (atomic, test_atomic_abandon_leaves_nothing);
  tcase_add_test (atomic, test_atomic_write_into_missing_folder_fails_with_name);
  suite_add_tcase (suite, atomic);

  tcase_add_test (context, test_posted_work_runs_in_the_iterating_thread);
  suite_add_tcase (suite, context);

  return ottica_test_run ("core", suite);
}
