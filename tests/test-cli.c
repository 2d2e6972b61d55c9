/* test-cli.c: the real ottica-cli binary, run with argv (no shell).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/wait.h>

#include "ottica-image.h"
#include "ottica-test.h"

typedef struct
{
  int   status;   /* exit status, or -1 when killed by a signal */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static const char *
cli_path (void)
{
  const char *path = g_getenv ("OTTICA_CLI");

  return path != NULL ? path : OTTICA_BUILD_DIR "/src/cli/ottica-cli";
}

/* Runs ottica-cli with the NULL-terminated @args, in @cwd (NULL: the
 * scratch folder). */
static Run
run_cli_in (const char *cwd, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run run = { -1, NULL, NULL };
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) cli_path ());
  for (const char * const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);

  ck_assert_msg (g_spawn_sync (cwd != NULL ? cwd : ottica_test_scratch_dir (),
                               (char **) argv->pdata, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, &run.out, &run.err, &wait_status, &error),
                 "could not run %s: %s", cli_path (), error ? error->message : "");
  if (WIFEXITED (wait_status))
    run.status = WEXITSTATUS (wait_status);
  return run;
}

#define run_cli(...) run_cli_in (NULL, (const char * const[]) { __VA_ARGS__, NULL })

/* The basics only spawn the binary: no GEGL in this process, so no
 * engine set-up (over a second per test); just the scratch clean-up. */
static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
plain_teardown (void)
{
  remove_tree (ottica_test_scratch_dir ());
}

static char *
make_dir (const char *parent, const char *name)
{
  char *path = g_build_filename (parent, name, NULL);

  ck_assert_int_eq (g_mkdir_with_parents (path, 0755), 0);
  return path;
}

static void
assert_jpeg_long_edge (const char *path, int long_edge, int source_width, int source_height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaImage) image = ottica_image_load (path, NULL, NULL, &error);
  double source_ratio = (double) source_width / source_height;

  ck_assert_msg (image != NULL, "%s: %s", path, error ? error->message : "");
  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_JPEG);
  ck_assert_int_eq (MAX (image->full_width, image->full_height), long_edge);
  ck_assert_msg (fabs ((double) image->full_width / image->full_height - source_ratio) < 0.02,
                 "aspect ratio %dx%d vs %dx%d", image->full_width, image->full_height,
                 source_width, source_height);
}

static char *
exif_tag (const char *path, const char *tag)
{
  g_autoptr(GExiv2Metadata) metadata = gexiv2_metadata_new ();
  char *value;

  if (!gexiv2_metadata_open_path (metadata, path, NULL))
    return NULL;
  value = gexiv2_metadata_try_get_tag_string (metadata, tag, NULL);
  return value != NULL ? g_strstrip (value) : NULL;
}

static void
source_size (const char *path, int *width, int *height)
{
  OtticaLoadOptions options = { 64 };
  g_autoptr(OtticaImage) image = ottica_image_load (path, &options, NULL, NULL);

  ck_assert (image != NULL);
  *width = image->full_width;
  *height = image->full_height;
}

/* ------------------------------------------------------------------ */

START_TEST (test_version_and_help)
{
  g_auto(Run) version = run_cli ("--version");
  g_auto(Run) help = run_cli ("--help");
  g_auto(Run) export_help = run_cli ("export", "--help");
  g_auto(Run) info_help = run_cli ("info", "--help");
  g_auto(Run) looks_help = run_cli ("looks", "--help");
  g_auto(Run) help_export = run_cli ("help", "export");

  ck_assert_int_eq (version.status, 0);
  ck_assert_str_eq (version.out, "ottica-cli " PACKAGE_VERSION "\n");
  ck_assert_int_eq (help.status, 0);
  ck_assert (strstr (help.out, "export") != NULL && strstr (help.out, "looks") != NULL);
  ck_assert_int_eq (export_help.status, 0);
  for (const char *const *option = (const char *const[]) {
         "--look", "--amount", "--preset", "--sidecar", "--output", "--template", "--quality",
         "--long-edge", "--width", "--height", "--megapixels", "--sharpen", "--color-space",
         "--metadata", "--chroma", "--progressive", "--optimize", "--jobs", "--overwrite",
         "--recursive", "--quiet", NULL };
       *option != NULL; option++)
    ck_assert_msg (strstr (export_help.out, *option) != NULL, "%s missing from export --help", *option);
  ck_assert (strstr (export_help.out, "ottica-cli export") != NULL);
  ck_assert_int_eq (info_help.status, 0);
  ck_assert_int_eq (looks_help.status, 0);
  ck_assert_int_eq (help_export.status, 0);
  ck_assert (strstr (help_export.out, "--long-edge") != NULL);
}
END_TEST

START_TEST (test_usage_errors_exit_2)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  const struct
  {
    const char *args[12];
    const char *says;
  } cases[] = {
    { { NULL }, "Usage" },
    { { "frobnicate" }, "frobnicate" },
    { { "--bogus" }, "--bogus" },
    { { "export" }, "No photo" },
    { { "export", "-o", out, "--bogus", photo }, "--bogus" },
    { { "export", "-o", out, "--quality", "0", photo }, "--quality" },
    { { "export", "-o", out, "--quality", "abc", photo }, "quality" },
    { { "export", "-o", out, "--long-edge", "100", "--width", "100", photo }, "only one" },
    { { "export", "-o", out, "--megapixels", "-3", photo }, "--megapixels" },
    { { "export", "-o", out, "--look", "no-such-look", photo }, "no-such-look" },
    { { "export", "-o", out, "--amount", "1.5", photo }, "--amount" },
    { { "export", "-o", out, "--sidecar", "maybe", photo }, "maybe" },
    { { "export", "-o", out, "--chroma", "4:1:1", photo }, "4:1:1" },
    { { "export", "-o", out, "--color-space", "prophoto", photo }, "prophoto" },
    { { "export", "-o", out, "--metadata", "some", photo }, "some" },
    { { "export", "-o", out, "--sharpen", "extreme", photo }, "extreme" },
    { { "export", "-o", out, "--jobs", "0", photo }, "--jobs" },
    { { "export", "-o", out, "--template", "../{name}", photo }, ".." },
    { { "export", "-o", out, "--template", "/etc/{name}", photo }, "/etc/{name}" },
    { { "export", "-o", out, "--template", "{nope}", photo }, "{nope}" },
    { { "export", "-o", out, "--preset", "/no/such/preset.ottica", photo }, "preset.ottica" },
    { { "export", "-o", out, "no-such-photo.cr2" }, "no-such-photo.cr2" },
    { { "info" }, "No photo" },
    { { "looks", "extra" }, "extra" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = run_cli_in (NULL, cases[i].args);
      g_autofree char *joined = g_strjoinv (" ", (char **) cases[i].args);

      ck_assert_msg (run.status == 2, "“%s” exited %d: %s", joined, run.status, run.err);
      ck_assert_msg (strstr (run.err, cases[i].says) != NULL,
                     "“%s” did not say “%s”: %s", joined, cases[i].says, run.err);
    }
  /* Nothing was written by any of them. */
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_export_bundled_photo)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_autofree char *expected = g_build_filename (out, "friends.jpg", NULL);
  g_auto(Run) run = run_cli ("export", "--long-edge", "320", "--quality", "85", "-o", out, photo);
  int width, height;

  ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
  source_size (photo, &width, &height);
  assert_jpeg_long_edge (expected, 320, width, height);
  /* Not a terminal: one plain line per photo. */
  ck_assert_msg (strstr (run.out, "friends.jpg") != NULL && strstr (run.out, "→") != NULL, "%s", run.out);
  ck_assert_msg (strstr (run.err, "Exported 1 photo") != NULL, "%s", run.err);
}
END_TEST

START_TEST (test_export_canon_cr2_keeps_camera)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_autofree char *expected = g_build_filename (out, "2009", "Canon EOS 30D-IMG_5952.jpg", NULL);
  g_autofree char *make = NULL;
  g_autofree char *model = NULL;
  g_autofree char *orientation = NULL;
  int width, height;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }

  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "400", "--template", "{year}/{camera}-{name}",
                               "-o", out, cr2);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
  }
  source_size (cr2, &width, &height);
  assert_jpeg_long_edge (expected, 400, width, height);
  make = exif_tag (expected, "Exif.Image.Make");
  model = exif_tag (expected, "Exif.Image.Model");
  orientation = exif_tag (expected, "Exif.Image.Orientation");
  ck_assert_msg (make != NULL && strcmp (make, "Canon") == 0, "Make %s", make);
  ck_assert_msg (model != NULL && strcmp (model, "Canon EOS 30D") == 0, "Model %s", model);
  ck_assert (orientation == NULL || strcmp (orientation, "1") == 0);
}
END_TEST

START_TEST (test_export_needs_overwrite_to_replace)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_autofree char *expected = g_build_filename (out, "friends.jpg", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  gsize first_length, second_length, third_length;

  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "200", "-o", out, photo);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert (g_file_get_contents (expected, &first, &first_length, NULL));
  }
  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "100", "-o", out, photo);

    ck_assert_int_eq (run.status, 1);
    ck_assert_msg (strstr (run.err, "already exists") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "--overwrite") != NULL, "%s", run.err);
    ck_assert (g_file_get_contents (expected, &second, &second_length, NULL));
    ck_assert_int_eq (first_length, second_length);
    ck_assert (memcmp (first, second, first_length) == 0);
  }
  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "100", "--overwrite", "-o", out, photo);
    int width, height;

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert (g_file_get_contents (expected, &third, &third_length, NULL));
    ck_assert_int_ne (third_length, first_length);
    source_size (photo, &width, &height);
    assert_jpeg_long_edge (expected, 100, width, height);
  }
}
END_TEST

START_TEST (test_batch_with_broken_file_exits_1)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *sub = make_dir (in, "sub");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a = g_build_filename (in, "a.jpg", NULL);
  g_autofree char *broken = g_build_filename (in, "b-broken.jpg", NULL);
  g_autofree char *c = g_build_filename (sub, "c.png", NULL);
  g_autofree char *out_a = g_build_filename (out, "a.jpg", NULL);
  g_autofree char *out_broken = g_build_filename (out, "b-broken.jpg", NULL);
  g_autofree char *out_c = g_build_filename (out, "c.jpg", NULL);

  ottica_test_write_ramp (a, 90, 60);
  ottica_test_write_ramp (c, 60, 90);
  ck_assert (g_file_set_contents (broken, "", 0, NULL));

  {
    g_auto(Run) run = run_cli ("export", "--recursive", "--jobs", "2", "-o", out, in);
    g_autofree char *line = g_strdup_printf ("ottica-cli: %s: ", broken);

    ck_assert_msg (run.status == 1, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, line) != NULL, "no “%s” in: %s", line, run.err);
    ck_assert_msg (strstr (run.err, "1 of 3 photos failed") != NULL, "%s", run.err);
    ck_assert (g_file_test (out_a, G_FILE_TEST_IS_REGULAR));
    ck_assert (g_file_test (out_c, G_FILE_TEST_IS_REGULAR));
    ck_assert (!g_file_test (out_broken, G_FILE_TEST_EXISTS));
    assert_jpeg_long_edge (out_a, 90, 90, 60);
    assert_jpeg_long_edge (out_c, 90, 60, 90);
  }
}
END_TEST

START_TEST (test_default_output_folder_beside_photo)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *photo = g_build_filename (in, "x.png", NULL);
  g_autofree char *expected = g_build_filename (in, "exported", "x.jpg", NULL);

  ottica_test_write_ramp (photo, 50, 40);
  {
    g_auto(Run) run = run_cli ("export", "--quiet", photo);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_str_eq (run.out, "");
    ck_assert_str_eq (run.err, "");
    assert_jpeg_long_edge (expected, 50, 50, 40);
  }
  {
    /* A second run over the folder does not export the export. */
    g_auto(Run) run = run_cli ("export", "--recursive", "--overwrite", in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 1 photo") != NULL, "%s", run.err);
  }
}
END_TEST

START_TEST (test_info_prints_camera)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autofree char *photo = ottica_test_bundled_photo ();

  {
    g_auto(Run) run = run_cli ("info", photo);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.out, "JPEG") != NULL, "%s", run.out);
    ck_assert_msg (strstr (run.out, "Sidecar") != NULL, "%s", run.out);
    ck_assert_msg (strstr (run.out, "pixels") != NULL, "%s", run.out);
  }
  {
    g_auto(Run) run = run_cli ("info", "no-such-photo.jpg");

    ck_assert_int_eq (run.status, 1);
    ck_assert_msg (strstr (run.err, "ottica-cli: no-such-photo.jpg: ") != NULL, "%s", run.err);
  }
  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }
  {
    g_auto(Run) run = run_cli ("info", cr2);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.out, "Canon EOS 30D") != NULL, "%s", run.out);
    ck_assert_msg (strstr (run.out, "2009-07-21") != NULL, "%s", run.out);
  }
}
END_TEST

START_TEST (test_looks_and_look_export)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *out = ottica_test_scratch_file ("out");
  g_auto(Run) looks = run_cli ("looks");
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) fields = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *original = g_build_filename (out, "friends-original.jpg", NULL);

  ck_assert_msg (looks.status == 0, "exit %d: %s", looks.status, looks.err);
  lines = g_strsplit (looks.out, "\n", -1);
  if (lines[0] == NULL || lines[0][0] == '\0')
    {
      ottica_test_skip ("no looks installed yet");
      return;
    }
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    ck_assert_msg (g_str_has_suffix (lines[i], "colour") || g_str_has_suffix (lines[i], "mono"),
                   "line without kind: %s", lines[i]);

  fields = g_strsplit_set (lines[0], " ", 2);
  expected = g_strdup_printf ("%s/friends-%s.jpg", out, fields[0]);
  {
    g_auto(Run) run = run_cli ("export", "--look", fields[0], "--amount", "0.5",
                               "--long-edge", "120", "--template", "{name}-{look}", "-o", out, photo);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (g_file_test (expected, G_FILE_TEST_IS_REGULAR), "no %s", expected);
  }
  {
    g_auto(Run) run = run_cli ("export", "--look", "none", "--long-edge", "120",
                               "--template", "{name}-{look}", "-o", out, photo);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert (g_file_test (original, G_FILE_TEST_IS_REGULAR));
  }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("cli");
  TCase *basics = tcase_create ("basics");
  TCase *export = ottica_test_case ("export");
  TCase *other = ottica_test_case ("info-looks");

  tcase_add_checked_fixture (basics, NULL, plain_teardown);
  tcase_set_timeout (basics, 120);
  tcase_add_test (basics, test_version_and_help);
  tcase_add_test (basics, test_usage_errors_exit_2);
  suite_add_tcase (suite, basics);

  tcase_add_test (export, test_export_bundled_photo);
  tcase_add_test (export, test_export_canon_cr2_keeps_camera);
  tcase_add_test (export, test_export_needs_overwrite_to_replace);
  tcase_add_test (export, test_batch_with_broken_file_exits_1);
  tcase_add_test (export, test_default_output_folder_beside_photo);
  suite_add_tcase (suite, export);

  tcase_add_test (other, test_info_prints_camera);
  tcase_add_test (other, test_looks_and_look_export);
  suite_add_tcase (suite, other);

  return ottica_test_run ("cli", suite);
}
