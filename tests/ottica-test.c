/* ottica-test.c: shared check fixture and helpers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ottica-engine.h"
#include "ottica-test.h"

static char *scratch_dir;

static char *
skip_marker_path (void)
{
  return g_strdup_printf ("%s/ottica-test-skips-%d", g_get_tmp_dir (), (int) getppid ());
}

void
ottica_test_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            ottica_test_remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_chmod (path, 0755);
  g_rmdir (path);
}

static void
fixture_setup (void)
{
  g_autoptr(GError) error = NULL;

  if (!ottica_engine_init (0, &error))
    ck_abort_msg ("engine init failed: %s", error->message);
}

static void
fixture_teardown (void)
{
  if (scratch_dir != NULL)
    {
      ottica_test_remove_tree (scratch_dir);
      g_clear_pointer (&scratch_dir, g_free);
    }
}

TCase *
ottica_test_case (const char *name)
{
  TCase *tc = tcase_create (name);

  tcase_add_checked_fixture (tc, fixture_setup, fixture_teardown);
  tcase_set_timeout (tc, 300);
  return tc;
}

TCase *
ottica_test_plain_case (const char *name)
{
  TCase *tc = tcase_create (name);

  tcase_add_checked_fixture (tc, NULL, fixture_teardown);
  return tc;
}

void
ottica_test_skip (const char *format, ...)
{
  va_list args;
  g_autofree char *reason = NULL;
  g_autofree char *marker = skip_marker_path ();
  FILE *f;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  printf ("SKIP: %s\n", reason);
  fflush (stdout);
  /* check runs each test in a child; tell the parent through a file. */
  f = fopen (marker, "a");
  if (f != NULL)
    {
      fputs ("s\n", f);
      fclose (f);
    }
}

static int
count_skips (void)
{
  g_autofree char *marker = g_strdup_printf ("%s/ottica-test-skips-%d", g_get_tmp_dir (), (int) getpid ());
  g_autofree char *contents = NULL;
  int n = 0;

  if (g_file_get_contents (marker, &contents, NULL, NULL))
    for (const char *p = contents; *p; p++)
      n += *p == '\n';
  g_unlink (marker);
  return n;
}

/* Crash reports: a test that crashes (often in a worker thread, and only
 * now and then) prints every thread's stack from gdb before it dies, so
 * that one CI log is enough to find the cause. */

static char crash_gdb[256];

/* @value in decimal at @out (room for 21 bytes); async-signal-safe. */
static void
format_decimal (char *out, long value)
{
  char digits[21];
  int n = 0;

  do
    digits[n++] = (char) ('0' + value % 10);
  while ((value /= 10) > 0);
  while (n > 0)
    *out++ = digits[--n];
  *out = '\0';
}

static void
write_text (const char *text)
{
  ssize_t ignored = write (STDERR_FILENO, text, strlen (text));

  (void) ignored;
}

static void
crash_handler (int signal_number)
{
  char pid[24], tid[24], number[24];
  pid_t child;

  format_decimal (pid, (long) getpid ());
  format_decimal (tid, (long) syscall (SYS_gettid));
  format_decimal (number, signal_number);
  write_text ("\nottica-test: signal ");
  write_text (number);
  write_text (" in thread LWP ");
  write_text (tid);
  write_text ("; the stacks of all threads follow, the crashing thread's last\n");
  child = fork ();
  if (child == 0)
    {
      /* CI logs keep only their tail, so the crashing thread comes again
       * at the end: python selects it by its LWP. */
      char select[128] = "python [t.switch () for t in gdb.selected_inferior ().threads () if t.ptid[1] == ";
      char *argv[] = { crash_gdb, "-batch", "-nx", "-p", pid,
                       "-ex", "set print frame-arguments none",
                       "-ex", "thread apply all bt 30",
                       "-ex", "echo \\n=== the crashing thread ===\\n",
                       "-ex", select,
                       "-ex", "bt 60", NULL };

      strcat (select, tid);
      strcat (select, "]");

      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execv (crash_gdb, argv);
      _exit (127);
    }
  if (child > 0)
    waitpid (child, NULL, 0);
  signal (signal_number, SIG_DFL);
  raise (signal_number);
}

static void
install_crash_reports (void)
{
  static const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
  g_autofree char *gdb = g_find_program_in_path ("gdb");
  struct sigaction action = { 0 };

  if (gdb == NULL || strlen (gdb) >= sizeof crash_gdb)
    return;
  g_strlcpy (crash_gdb, gdb, sizeof crash_gdb);
  /* where the kernel lets only ancestors trace, let gdb attach */
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  action.sa_handler = crash_handler;
  sigemptyset (&action.sa_mask);
  action.sa_flags = SA_NODEFER;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &action, NULL);
}

int
ottica_test_run (const char *name, Suite *suite)
{
  SRunner *runner = srunner_create (suite);
  int run, failed, skipped;

  g_setenv ("GEGL_SWAP", "RAM", FALSE);
  g_setenv ("GEGL_USE_OPENCL", "no", FALSE);
  g_setenv ("BABL_TOLERANCE", "0.0", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  if (g_getenv ("OTTICA_TEST_NO_CRASH_REPORTS") == NULL)
    install_crash_reports ();

  srunner_run_all (runner, CK_NORMAL);
  run = srunner_ntests_run (runner);
  failed = srunner_ntests_failed (runner);
  skipped = count_skips ();
  printf ("OTTICA-SUITE %s passed=%d failed=%d skipped=%d\n",
          name, run - failed - skipped, failed, skipped);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}

const char *
ottica_test_samples_dir (void)
{
  static char *dir;
  static gboolean looked;

  if (!looked)
    {
      const char *env = g_getenv ("OTTICA_SAMPLES_DIR");
      g_autofree char *beside = g_build_filename (OTTICA_SOURCE_DIR, "..", "shared", "samples", NULL);

      looked = TRUE;
      if (env != NULL && g_file_test (env, G_FILE_TEST_IS_DIR))
        dir = g_strdup (env);
      else if (g_file_test (beside, G_FILE_TEST_IS_DIR))
        dir = g_canonicalize_filename (beside, NULL);
    }
  return dir;
}

char *
ottica_test_sample (const char *relative)
{
  const char *dir = ottica_test_samples_dir ();
  char *path;

  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_clear_pointer (&path, g_free);
  return path;
}

const char *
ottica_test_canon_cr2 (void)
{
  static const char path[] = "/usr/share/doc/rawtran/IMG_5952.CR2";

  return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? path : NULL;
}

char *
ottica_test_bundled_photo (void)
{
  return g_build_filename (OTTICA_SOURCE_DIR, "data", "samples", "friends.jpg", NULL);
}

char *
ottica_test_data_file (const char *name)
{
  return g_build_filename (OTTICA_SOURCE_DIR, "tests", "data", name, NULL);
}

const char *
ottica_test_scratch_dir (void)
{
  if (scratch_dir == NULL)
    {
      g_autoptr(GError) error = NULL;

      scratch_dir = g_dir_make_tmp ("ottica-test-XXXXXX", &error);
      ck_assert_msg (scratch_dir != NULL, "no scratch dir: %s", error ? error->message : "?");
    }
  return scratch_dir;
}

char *
ottica_test_scratch_file (const char *name)
{
  return g_build_filename (ottica_test_scratch_dir (), name, NULL);
}

static float *
render_as (GeglNode *node, const GeglRectangle *rect, const Babl *format)
{
  float *pixels = g_new0 (float, (gsize) rect->width * rect->height * 4);

  gegl_node_blit (node, 1.0, rect, format, pixels, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return pixels;
}

float *
ottica_test_render_rgba (GeglNode *node, const GeglRectangle *rect, const char *space_name)
{
  return render_as (node, rect, babl_format_with_space ("RGBA float", babl_space (space_name)));
}

float *
ottica_test_render_lab (GeglNode *node, const GeglRectangle *rect)
{
  /* "CIE Lab alpha float" keeps 4 floats per pixel like the RGBA helpers. */
  return render_as (node, rect, babl_format ("CIE Lab alpha float"));
}

float *
ottica_test_buffer_lab (GeglBuffer *buffer, const GeglRectangle *rect)
{
  float *pixels = g_new0 (float, (gsize) rect->width * rect->height * 4);

  gegl_buffer_get (buffer, rect, 1.0, babl_format ("CIE Lab alpha float"), pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return pixels;
}

double
ottica_test_delta_e (const float *lab_a, const float *lab_b)
{
  double dl = lab_a[0] - lab_b[0];
  double da = lab_a[1] - lab_b[1];
  double db = lab_a[2] - lab_b[2];

  return sqrt (dl * dl + da * da + db * db);
}

void
ottica_test_write_ramp (const char *path, int width, int height)
{
  const Babl *format = babl_format ("R'G'B' u8");
  GeglRectangle extent = { 0, 0, width, height };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, format);
  g_autofree guint8 *pixels = g_new (guint8, (gsize) width * height * 3);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source, *save;
  const char *saver;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 3;

        p[0] = (guint8) (x * 255 / MAX (1, width - 1));
        p[1] = (guint8) (y * 255 / MAX (1, height - 1));
        p[2] = 128;
      }
  gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);

  saver = g_str_has_suffix (path, ".png") ? "gegl:png-save"
        : g_str_has_suffix (path, ".tif") || g_str_has_suffix (path, ".tiff") ? "gegl:tiff-save"
        : "gegl:jpg-save";
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  save = gegl_node_new_child (graph, "operation", saver, "path", path, NULL);
  gegl_node_link (source, save);
  gegl_node_process (save);
}

guint8 *
ottica_test_decode_jpeg (const char *path, int *width, int *height)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  FILE *file = g_fopen (path, "rb");
  guint8 *pixels;

  ck_assert_msg (file != NULL, "%s", path);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_decompress (&cinfo);
  jpeg_stdio_src (&cinfo, file);
  jpeg_read_header (&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress (&cinfo);
  *width = (int) cinfo.output_width;
  *height = (int) cinfo.output_height;
  pixels = g_malloc ((gsize) *width * *height * 3);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW row = pixels + (gsize) cinfo.output_scanline * *width * 3;

      jpeg_read_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  fclose (file);
  return pixels;
}

gboolean
ottica_test_wait_for (gboolean (*done) (gpointer), gpointer data, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}
