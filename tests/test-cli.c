/* test-cli.c: the real ottica-cli binary, run with argv (no shell).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/wait.h>

#include "ottica-atomic-file.h"
#include "ottica-edit.h"
#include "ottica-image.h"
#include "ottica-manifest.h"
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
static Run run_cli_env (const char *cwd, char **envp, const char * const *args);

static Run
run_cli_in (const char *cwd, const char * const *args)
{
  return run_cli_env (cwd, NULL, args);
}

/* The same with the environment @envp (NULL: this process's). */
static Run
run_cli_env (const char *cwd, char **envp, const char * const *args)
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
                               (char **) argv->pdata, envp, G_SPAWN_DEFAULT,
                               NULL, NULL, &run.out, &run.err, &wait_status, &error),
                 "could not run %s: %s", cli_path (), error ? error->message : "");
  if (WIFEXITED (wait_status))
    run.status = WEXITSTATUS (wait_status);
  return run;
}

#define run_cli(...) run_cli_in (NULL, (const char * const[]) { __VA_ARGS__, NULL })

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
  g_auto(Run) apply_help = run_cli ("apply", "--help");
  g_auto(Run) help_export = run_cli ("help", "export");

  ck_assert_int_eq (version.status, 0);
  ck_assert_str_eq (version.out, "ottica-cli " PACKAGE_VERSION "\n");
  ck_assert_int_eq (help.status, 0);
  ck_assert (strstr (help.out, "export") != NULL && strstr (help.out, "looks") != NULL);
  ck_assert_int_eq (export_help.status, 0);
  for (const char *const *option = (const char *const[]) {
         "--look", "--amount", "--preset", "--sidecar", "--output", "--template", "--quality",
         "--long-edge", "--width", "--height", "--megapixels", "--sharpen", "--color-space",
         "--metadata", "--chroma", "--progressive", "--optimize", "--jobs", "--threads",
         "--overwrite", "--recursive", "--quiet", "--recipe", "--max-size", "--shard", NULL };
       *option != NULL; option++)
    ck_assert_msg (strstr (export_help.out, *option) != NULL, "%s missing from export --help", *option);
  ck_assert (strstr (export_help.out, "ottica-cli export") != NULL);
  ck_assert_int_eq (info_help.status, 0);
  ck_assert_int_eq (looks_help.status, 0);
  /* The summary (above the option list) says what --export and --import do. */
  {
    const char *options = strstr (looks_help.out, "Help Options");
    g_autofree char *summary = NULL;

    ck_assert_msg (options != NULL, "%s", looks_help.out);
    summary = g_strndup (looks_help.out, options - looks_help.out);
    ck_assert_msg (strstr (summary, "--export") != NULL && strstr (summary, "--import") != NULL,
                   "the looks summary omits --export or --import: %s", summary);
  }
  ck_assert_int_eq (apply_help.status, 0);
  for (const char *const *option = (const char *const[]) {
         "--look", "--amount", "--preset", "--reset", "--recursive", "--quiet", NULL };
       *option != NULL; option++)
    ck_assert_msg (strstr (apply_help.out, *option) != NULL, "%s missing from apply --help", *option);
  ck_assert (strstr (help.out, "apply") != NULL);
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
    { { "export", "-o", out, "--threads", "0", photo }, "--threads" },
    { { "export", "-o", out, "--threads", "65", photo }, "--threads" },
    { { "export", "-o", out, "--template", "../{name}", photo }, ".." },
    { { "export", "-o", out, "--template", "/etc/{name}", photo }, "/etc/{name}" },
    { { "export", "-o", out, "--template", "{nope}", photo }, "{nope}" },
    { { "export", "-o", out, "--preset", "/no/such/preset.ottica", photo }, "preset.ottica" },
    { { "export", "-o", out, "no-such-photo.cr2" }, "no-such-photo.cr2" },
    { { "export", "-o", out, "--shard", "0/3", photo }, "--shard" },
    { { "export", "-o", out, "--shard", "4/3", photo }, "4/3" },
    { { "export", "-o", out, "--shard", "1/x", photo }, "1/x" },
    { { "export", "-o", out, "--max-size", "big", photo }, "big" },
    { { "export", "-o", out, "--max-size", "1M", "--quality", "80", photo }, "--max-size" },
    { { "export", "-o", out, "--recipe", "/no/such.recipe", photo }, "such.recipe" },
    { { "apply", photo }, "--look" },
    { { "apply", "--look", "no-such-look", photo }, "no-such-look" },
    { { "apply", "--amount", "2", photo }, "--amount" },
    { { "apply", "--look", "none" }, "No photo" },
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
    /* Our own earlier output, with other settings: redone without asking. */
    g_auto(Run) run = run_cli ("export", "--long-edge", "150", "-o", out, photo);
    int width, height;

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    source_size (photo, &width, &height);
    assert_jpeg_long_edge (expected, 150, width, height);
  }
  /* A file we did not write is left alone without --overwrite. */
  ck_assert (g_file_set_contents (expected, first, (gssize) first_length - 1, NULL));
  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "100", "-o", out, photo);

    ck_assert_int_eq (run.status, 1);
    ck_assert_msg (strstr (run.err, "already exists") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "--overwrite") != NULL, "%s", run.err);
    ck_assert (g_file_get_contents (expected, &second, &second_length, NULL));
    ck_assert_int_eq (first_length - 1, second_length);
    ck_assert (memcmp (first, second, second_length) == 0);
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
    /* Two workers sharing GEGL's two render threads. */
    g_auto(Run) run = run_cli ("export", "--recursive", "--jobs", "2", "--threads", "2",
                               "-o", out, in);
    g_autofree char *line = g_strdup_printf ("ottica-cli: %s: ", broken);

    ck_assert_msg (run.status == 1, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, line) != NULL, "no “%s” in: %s", line, run.err);
    /* The plural follows the count, not the total. */
    ck_assert_msg (strstr (run.err, "1 photo out of 3 failed.") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "Exported 2 photos in ") != NULL, "%s", run.err);
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
    /* A second run over the folder does not export the export (nor the
     * photo again: it is up to date). */
    g_auto(Run) run = run_cli ("export", "--recursive", "--overwrite", in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 0 photos") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "1 photo was up to date") != NULL, "%s", run.err);
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

/* The first look "ottica-cli looks" lists, or NULL. */
static char *
first_look (void)
{
  g_auto(Run) looks = run_cli ("looks");
  g_auto(GStrv) lines = NULL;

  ck_assert_msg (looks.status == 0, "exit %d: %s", looks.status, looks.err);
  lines = g_strsplit (looks.out, "\n", -1);
  if (lines[0] == NULL || lines[0][0] == '\0')
    return NULL;
  return g_strndup (lines[0], strcspn (lines[0], " "));
}

typedef struct
{
  char   *bytes;
  gsize   length;
  gint64  mtime_ns;
} Snapshot;

static void
snapshot (const char *path, Snapshot *shot)
{
  GStatBuf st;

  ck_assert (g_file_get_contents (path, &shot->bytes, &shot->length, NULL));
  ck_assert_int_eq (g_stat (path, &st), 0);
  shot->mtime_ns = (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

static void
assert_unchanged (const char *path, const Snapshot *shot)
{
  Snapshot now = { NULL };

  snapshot (path, &now);
  ck_assert_msg (now.length == shot->length && memcmp (now.bytes, shot->bytes, now.length) == 0,
                 "%s changed", path);
  ck_assert_msg (now.mtime_ns == shot->mtime_ns, "%s touched", path);
  g_free (now.bytes);
}

static gint64
mtime_ns_of (const char *path)
{
  GStatBuf st;

  ck_assert_msg (g_stat (path, &st) == 0, "no %s", path);
  return (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* Temporary files anywhere under @dir. */
static int
count_temporaries_in (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  int n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      if (ottica_atomic_file_is_temporary (name))
        n++;
      else if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_temporaries_in (path);
    }
  g_dir_close (dir);
  return n;
}

static guint
count_lines_with (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

START_TEST (test_apply_writes_only_given_sidecars)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *look = first_look ();
  const char *names[] = { "a.jpg", "b.png", "c.jpg" };
  char *photos[3];
  char *sidecars[3];
  Snapshot shots[3];

  if (look == NULL)
    {
      ottica_test_skip ("no looks installed yet");
      return;
    }
  for (guint i = 0; i < 3; i++)
    {
      photos[i] = g_build_filename (in, names[i], NULL);
      sidecars[i] = g_strconcat (photos[i], ".ottica", NULL);
      ottica_test_write_ramp (photos[i], 30, 20);
      snapshot (photos[i], &shots[i]);
    }
  g_usleep (20000);

  {
    g_auto(Run) run = run_cli ("apply", "--look", look, "--amount", "0.5", photos[0], photos[2]);
    g_autoptr(OtticaEdit) edit = NULL;
    g_autoptr(GError) error = NULL;

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert (g_file_test (sidecars[0], G_FILE_TEST_IS_REGULAR));
    ck_assert (!g_file_test (sidecars[1], G_FILE_TEST_EXISTS));
    ck_assert (g_file_test (sidecars[2], G_FILE_TEST_IS_REGULAR));
    edit = ottica_edit_load_as (sidecars[2], OTTICA_EDIT_KIND_EDIT, &error);
    ck_assert_msg (edit != NULL, "%s", error ? error->message : "");
    ck_assert_str_eq (edit->look_id, look);
    ck_assert (fabs (edit->look_amount - 0.5) < 1e-9);
  }
  {
    /* --amount alone changes the strength, keeping the look. */
    g_auto(Run) run = run_cli ("apply", "--amount", "0.25", photos[0]);
    g_autoptr(OtticaEdit) edit = NULL;

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    edit = ottica_edit_load (sidecars[0], NULL);
    ck_assert (edit != NULL);
    ck_assert_str_eq (edit->look_id, look);
    ck_assert (fabs (edit->look_amount - 0.25) < 1e-9);
  }
  {
    /* --reset alone deletes the edit. */
    g_auto(Run) run = run_cli ("apply", "--reset", photos[2]);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert (!g_file_test (sidecars[2], G_FILE_TEST_EXISTS));
    ck_assert (g_file_test (sidecars[0], G_FILE_TEST_IS_REGULAR));
  }
  {
    /* A missing photo fails, the others are done. */
    g_autofree char *missing = g_build_filename (in, "gone.jpg", NULL);
    g_auto(Run) run = run_cli ("apply", "--look", "none", missing, photos[1]);

    ck_assert_int_eq (run.status, 2);
    ck_assert_msg (strstr (run.err, "gone.jpg") != NULL, "%s", run.err);
  }
  {
    g_auto(Run) run = run_cli ("apply", photos[0]);

    ck_assert_int_eq (run.status, 2);
    ck_assert_msg (strstr (run.err, "--look") != NULL, "%s", run.err);
  }
  /* The photos themselves: same bytes, same time. */
  for (guint i = 0; i < 3; i++)
    {
      assert_unchanged (photos[i], &shots[i]);
      g_free (shots[i].bytes);
      g_free (photos[i]);
      g_free (sidecars[i]);
    }
}
END_TEST

START_TEST (test_rerun_skips_up_to_date_redoes_changed)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *look = first_look ();
  const char *names[] = { "a", "b", "c" };
  char *photos[3];
  char *outputs[3];
  gint64 mtimes[3];

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.png", names[i]);
      g_autofree char *jpeg = g_strdup_printf ("%s.jpg", names[i]);

      photos[i] = g_build_filename (in, file, NULL);
      outputs[i] = g_build_filename (out, jpeg, NULL);
      ottica_test_write_ramp (photos[i], 60, 40);
    }

  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "30", "-o", out, in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 3 photos") != NULL, "%s", run.err);
  }
  for (guint i = 0; i < 3; i++)
    mtimes[i] = mtime_ns_of (outputs[i]);
  g_usleep (20000);
  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "30", "-o", out, in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 0 photos") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "3 photos were up to date") != NULL, "%s", run.err);
    ck_assert_uint_eq (count_lines_with (run.out, "(up to date)"), 3);
  }
  for (guint i = 0; i < 3; i++)
    ck_assert_msg (mtime_ns_of (outputs[i]) == mtimes[i], "%s rewritten", outputs[i]);

  /* b's sidecar changes: only b is exported again. */
  {
    g_autofree char *sidecar = g_strconcat (photos[1], ".ottica", NULL);
    g_autoptr(OtticaEdit) edit = ottica_edit_new ();

    edit->exposure = 1.0;
    ck_assert (ottica_edit_save (edit, sidecar, FALSE, NULL));
  }
  {
    g_auto(Run) run = run_cli ("export", "--long-edge", "30", "-o", out, in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 1 photo") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "2 photos were up to date") != NULL, "%s", run.err);
  }
  ck_assert (mtime_ns_of (outputs[0]) == mtimes[0]);
  ck_assert (mtime_ns_of (outputs[1]) != mtimes[1]);
  ck_assert (mtime_ns_of (outputs[2]) == mtimes[2]);
  assert_jpeg_long_edge (outputs[1], 30, 60, 40);

  /* A look given on the command line is part of the edit. */
  if (look != NULL)
    {
      g_auto(Run) run = run_cli ("export", "--long-edge", "30", "--look", look, "-o", out, in);

      ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
      ck_assert_msg (strstr (run.err, "Exported 3 photos") != NULL, "%s", run.err);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_free (photos[i]);
      g_free (outputs[i]);
    }
}
END_TEST

/* Output JPEGs (not hidden) directly in @dir. */
static guint
count_jpegs (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    n += name[0] != '.' && g_str_has_suffix (name, ".jpg");
  g_dir_close (dir);
  return n;
}

START_TEST (test_kill_9_then_resume)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *argv[] = { cli_path (), "export", "--jobs", "1", "-o", out, in, NULL };
  const guint n_photos = 6;
  GPid pid;
  int wait_status = 0;
  guint n_done;

  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.png", i);
      g_autofree char *path = g_build_filename (in, name, NULL);

      ottica_test_write_ramp (path, 1000, 750);
    }

  ck_assert_msg (g_spawn_async (root, (char **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &pid, &error),
                 "%s", error ? error->message : "");
  for (int tries = 0; tries < 30000 && count_jpegs (out) == 0; tries++)
    g_usleep (1000);
  ck_assert_int_eq (kill (pid, SIGKILL), 0);
  ck_assert_int_eq (waitpid (pid, &wait_status, 0), pid);
  g_spawn_close_pid (pid);
  ck_assert (WIFSIGNALED (wait_status));

  /* What is there is whole: the exporter renames only complete files. */
  n_done = count_jpegs (out);
  ck_assert_uint_ge (n_done, 1);
  ck_assert_uint_lt (n_done, n_photos);
  {
    GDir *dir = g_dir_open (out, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      if (name[0] != '.' && g_str_has_suffix (name, ".jpg"))
        {
          g_autofree char *path = g_build_filename (out, name, NULL);

          assert_jpeg_long_edge (path, 1000, 1000, 750);
          g_hash_table_insert (finished, g_strdup (path), GINT_TO_POINTER (1));
        }
    g_dir_close (dir);
  }
  {
    GHashTableIter iter;
    gpointer key;
    g_autoptr(GHashTable) before = g_hash_table_new (g_str_hash, g_str_equal);
    g_auto(Run) run = { -1, NULL, NULL };

    g_hash_table_iter_init (&iter, finished);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_insert (before, key, g_memdup2 (&(gint64) { mtime_ns_of (key) }, sizeof (gint64)));

    run = run_cli ("export", "--jobs", "1", "-o", out, in);
    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    {
      g_autofree char *exported = g_strdup_printf ("Exported %u photo", n_photos - n_done);
      g_autofree char *skipped = g_strdup_printf ("%u photo", n_done);

      ck_assert_msg (strstr (run.err, exported) != NULL, "want “%s”: %s", exported, run.err);
      ck_assert_msg (strstr (run.err, skipped) != NULL && strstr (run.err, "up to date") != NULL,
                     "want %u up to date: %s", n_done, run.err);
    }
    g_hash_table_iter_init (&iter, before);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        gint64 *then = g_hash_table_lookup (before, key);

        ck_assert_msg (mtime_ns_of (key) == *then, "%s was exported again", (char *) key);
        g_free (then);
      }
  }
  ck_assert_int_eq (count_temporaries_in (out), 0);
  ck_assert_uint_eq (count_jpegs (out), n_photos);
  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.jpg", i);
      g_autofree char *path = g_build_filename (out, name, NULL);

      assert_jpeg_long_edge (path, 1000, 1000, 750);
    }
}
END_TEST

START_TEST (test_recipes_from_one_decode_and_target_size)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *photo = g_build_filename (in, "friends.jpg", NULL);
  g_autofree char *ramp = g_build_filename (in, "ramp.png", NULL);
  g_autofree char *small = g_build_filename (root, "small.recipe", NULL);
  g_autofree char *web = g_build_filename (root, "web.recipe", NULL);
  g_autofree char *tiny = g_build_filename (root, "tiny.recipe", NULL);
  g_autofree char *data = NULL;
  gsize length;
  const guint64 target = 24 * 1024;
  g_auto(GStrv) debug_env = NULL;
  int width, height;

  ck_assert (g_file_get_contents (bundled, &data, &length, NULL));
  ck_assert (g_file_set_contents (photo, data, (gssize) length, NULL));
  ottica_test_write_ramp (ramp, 90, 60);
  ck_assert (g_file_set_contents (small, "[Recipe]\nname=Small\nlong-edge=64\nquality=80\n"
                                  "subfolder=small\n", -1, NULL));
  ck_assert (g_file_set_contents (web, "[Recipe]\nname=Web\nmax-size=24K\nlong-edge=400\n"
                                  "template={name}-web\nsubfolder=web\nmetadata=none\n", -1, NULL));
  source_size (photo, &width, &height);

  debug_env = g_environ_setenv (g_get_environ (), "G_MESSAGES_DEBUG", "all", TRUE);
  {
    g_auto(Run) run = run_cli_env (NULL, debug_env, (const char * const[]) {
                                     "export", "--recipe", small, "--recipe", web, "--jobs", "1",
                                     "-o", out, photo, NULL });
    g_autofree char *small_out = g_build_filename (out, "small", "friends.jpg", NULL);
    g_autofree char *web_out = g_build_filename (out, "web", "friends-web.jpg", NULL);
    GStatBuf st;

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    /* Both outputs, from a single decode (GLib writes debug lines to
     * stdout). */
    ck_assert_msg (count_lines_with (run.out, "batch: decoded") == 1, "%s", run.out);
    ck_assert_msg (strstr (run.out, "once for 2 output(s)") != NULL, "%s", run.out);
    assert_jpeg_long_edge (small_out, 64, width, height);
    assert_jpeg_long_edge (web_out, 400, width, height);
    ck_assert_int_eq (g_stat (web_out, &st), 0);
    ck_assert_msg ((guint64) st.st_size <= target, "%ld over %" G_GUINT64_FORMAT,
                   (long) st.st_size, target);
    ck_assert_msg ((guint64) st.st_size >= 0.98 * target, "%ld more than 2 %% under",
                   (long) st.st_size);
  }
  {
    /* Again: all up to date, no decode at all. */
    g_auto(Run) run = run_cli_env (NULL, debug_env, (const char * const[]) {
                                     "export", "--recipe", small, "--recipe", web, "-o", out,
                                     photo, NULL });

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_uint_eq (count_lines_with (run.out, "batch: decoded"), 0);
    ck_assert_msg (strstr (run.err, "2 files were up to date") != NULL, "%s", run.err);
  }
  {
    /* A size no quality reaches: a clear failure, no file. */
    g_autofree char *tiny_out = g_build_filename (out, "friends.jpg", NULL);
    g_auto(Run) run = { -1, NULL, NULL };

    ck_assert (g_file_set_contents (tiny, "[Recipe]\nmax-size=2K\nlong-edge=800\n", -1, NULL));
    run = run_cli ("export", "--recipe", tiny, "-o", out, photo);
    ck_assert_int_eq (run.status, 1);
    ck_assert_msg (strstr (run.err, "cannot be made as small as") != NULL, "%s", run.err);
    ck_assert (!g_file_test (tiny_out, G_FILE_TEST_EXISTS));
    ck_assert_int_eq (count_temporaries_in (out), 0);
  }
}
END_TEST

START_TEST (test_shards_at_once_cover_inputs_once)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *sub = make_dir (in, "sub");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *manifest = g_build_filename (out, OTTICA_MANIFEST_DIR_NAME, NULL);
  const guint n_photos = 9;
  GPid pids[3];
  guint total = 0;

  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.png", i);
      g_autofree char *path = g_build_filename (i % 2 ? sub : in, name, NULL);

      ottica_test_write_ramp (path, 40, 30);
    }

  /* Three shards at once into one folder, as three machines would. */
  for (guint k = 0; k < 3; k++)
    {
      g_autofree char *shard = g_strdup_printf ("%u/3", k + 1);
      const char *argv[] = { cli_path (), "export", "--recursive", "--jobs", "1", "--shard", shard,
                             "-o", out, in, NULL };
      g_autoptr(GError) error = NULL;

      ck_assert_msg (g_spawn_async (root, (char **) argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                    | G_SPAWN_STDERR_TO_DEV_NULL,
                                    NULL, NULL, &pids[k], &error),
                     "%s", error ? error->message : "");
    }
  for (guint k = 0; k < 3; k++)
    {
      int wait_status = 0;

      ck_assert_int_eq (waitpid (pids[k], &wait_status, 0), pids[k]);
      g_spawn_close_pid (pids[k]);
      ck_assert_msg (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0,
                     "shard %u/3 failed: %d", k + 1, wait_status);
    }
  total = count_jpegs (out);
  ck_assert_uint_eq (total, n_photos);
  {
    GDir *dir = g_dir_open (manifest, 0, NULL);
    const char *name;
    guint entries = 0;

    ck_assert (dir != NULL);
    while ((name = g_dir_read_name (dir)) != NULL)
      entries += g_str_has_suffix (name, ".entry");
    g_dir_close (dir);
    ck_assert_uint_eq (entries, n_photos);
  }
  ck_assert_int_eq (count_temporaries_in (out), 0);
  {
    /* The whole library again, unsharded: every output is up to date. */
    g_auto(Run) run = run_cli ("export", "--recursive", "-o", out, in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 0 photos") != NULL, "%s", run.err);
    ck_assert_uint_eq (count_lines_with (run.out, "(up to date)"), n_photos);
  }
}
END_TEST

/* A small user look with its tone curve's slope at @slope. */
static void
write_user_look (const char *path, const char *slope)
{
  g_autofree char *text = g_strdup_printf ("[Look]\n"
                                           "version=1\n"
                                           "id=my-look\n"
                                           "name=My look\n"
                                           "kind=color\n"
                                           "\n"
                                           "[ottica:tone-curve]\n"
                                           "slope=%s\n",
                                           slope);

  ck_assert (g_file_set_contents (path, text, -1, NULL));
}

START_TEST (test_changed_user_look_exports_again)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *data_home = make_dir (root, "data");
  g_autofree char *looks = g_build_filename (data_home, "ottica", "looks", NULL);
  g_autofree char *look = g_build_filename (looks, "my-look.look", NULL);
  g_autofree char *photo = g_build_filename (in, "a.png", NULL);
  g_autofree char *output = g_build_filename (out, "a.jpg", NULL);
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "XDG_DATA_HOME", data_home, TRUE);
  const char *args[] = { "export", "--look", "my-look", "-o", out, photo, NULL };
  g_autofree char *first = NULL, *second = NULL;
  gsize first_length = 0, second_length = 0;
  gint64 mtime;

  ck_assert_int_eq (g_mkdir_with_parents (looks, 0755), 0);
  ottica_test_write_ramp (photo, 60, 40);
  write_user_look (look, "1.2");

  {
    g_auto(Run) run = run_cli_env (NULL, env, args);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 1 photo in") != NULL, "%s", run.err);
  }
  ck_assert (g_file_get_contents (output, &first, &first_length, NULL));
  mtime = mtime_ns_of (output);
  g_usleep (20000);

  /* The look file as it was: nothing to do. */
  {
    g_auto(Run) run = run_cli_env (NULL, env, args);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "1 photo was up to date") != NULL, "%s", run.err);
  }
  ck_assert (mtime_ns_of (output) == mtime);

  /* The same id, other contents: the output is out of date. */
  write_user_look (look, "1.6");
  {
    g_auto(Run) run = run_cli_env (NULL, env, args);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "Exported 1 photo in") != NULL, "%s", run.err);
    ck_assert_msg (strstr (run.err, "up to date") == NULL, "%s", run.err);
  }
  ck_assert (mtime_ns_of (output) != mtime);
  ck_assert (g_file_get_contents (output, &second, &second_length, NULL));
  ck_assert_msg (first_length != second_length || memcmp (first, second, first_length) != 0,
                 "the changed look gave the same file");
  {
    g_auto(Run) run = run_cli_env (NULL, env, args);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
    ck_assert_msg (strstr (run.err, "1 photo was up to date") != NULL, "%s", run.err);
  }
}
END_TEST

START_TEST (test_shards_number_photos_as_one_run)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *whole = g_build_filename (root, "whole", NULL);
  g_autofree char *sharded = g_build_filename (root, "sharded", NULL);
  const guint n_photos = 6;

  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.png", i);
      g_autofree char *path = g_build_filename (in, name, NULL);

      ottica_test_write_ramp (path, 30, 20);
    }
  {
    g_auto(Run) run = run_cli ("export", "--template", "{seq:2}-{name}", "-o", whole, in);

    ck_assert_msg (run.status == 0, "exit %d: %s", run.status, run.err);
  }
  for (guint k = 1; k <= 3; k++)
    {
      g_autofree char *shard = g_strdup_printf ("%u/3", k);
      g_auto(Run) run = run_cli ("export", "--template", "{seq:2}-{name}", "--shard", shard,
                                 "-o", sharded, in);

      ck_assert_msg (run.status == 0, "shard %s: exit %d: %s", shard, run.status, run.err);
    }
  /* {seq} is the position in the whole list: the same names either way. */
  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *name = g_strdup_printf ("%02u-p%u.jpg", i + 1, i);
      g_autofree char *a = g_build_filename (whole, name, NULL);
      g_autofree char *b = g_build_filename (sharded, name, NULL);

      ck_assert_msg (g_file_test (a, G_FILE_TEST_IS_REGULAR), "%s missing", a);
      ck_assert_msg (g_file_test (b, G_FILE_TEST_IS_REGULAR),
                     "%s missing: the shards numbered their photos on their own", b);
    }
  ck_assert_uint_eq (count_jpegs (sharded), n_photos);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("cli");
  TCase *basics = ottica_test_plain_case ("basics");
  TCase *export = ottica_test_case ("export");
  TCase *other = ottica_test_case ("info-looks");

  tcase_set_timeout (basics, 120);
  tcase_add_test (basics, test_version_and_help);
  tcase_add_test (basics, test_usage_errors_exit_2);
  suite_add_tcase (suite, basics);

  tcase_add_test (export, test_export_bundled_photo);
  tcase_add_test (export, test_export_canon_cr2_keeps_camera);
  tcase_add_test (export, test_export_needs_overwrite_to_replace);
  tcase_add_test (export, test_batch_with_broken_file_exits_1);
  tcase_add_test (export, test_default_output_folder_beside_photo);
  tcase_add_test (export, test_apply_writes_only_given_sidecars);
  tcase_add_test (export, test_rerun_skips_up_to_date_redoes_changed);
  tcase_add_test (export, test_kill_9_then_resume);
  tcase_add_test (export, test_recipes_from_one_decode_and_target_size);
  tcase_add_test (export, test_shards_at_once_cover_inputs_once);
  tcase_add_test (export, test_shards_number_photos_as_one_run);
  tcase_add_test (export, test_changed_user_look_exports_again);
  suite_add_tcase (suite, export);

  tcase_add_test (other, test_info_prints_camera);
  tcase_add_test (other, test_looks_and_look_export);
  suite_add_tcase (suite, other);

  return ottica_test_run ("cli", suite);
}
