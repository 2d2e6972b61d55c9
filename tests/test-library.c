/* test-library.c: folder scans, output file names and batch exports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>
#include <unistd.h>

#include "ottica-batch.h"
#include "ottica-edit.h"
#include "ottica-error.h"
#include "ottica-image.h"
#include "ottica-export-recipe.h"
#include "ottica-manifest.h"
#include "ottica-output-profile.h"
#include "ottica-target-size.h"
#include "ottica-output-template.h"
#include "ottica-scan.h"
#include "ottica-sidecar.h"
#include "ottica-test.h"

#include <jpeglib.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Scans and templates need no GEGL: their cases skip the engine's
 * set-up (over a second per test) and only clean the scratch folder. */
static TCase *
plain_case (const char *name)
{
  TCase *tc = ottica_test_plain_case (name);

  tcase_set_timeout (tc, 60);
  return tc;
}

static char *
make_dir (const char *parent, const char *name)
{
  char *path = g_build_filename (parent, name, NULL);

  ck_assert_int_eq (g_mkdir_with_parents (path, 0755), 0);
  return path;
}

static char *
touch (const char *dir, const char *name)
{
  char *path = g_build_filename (dir, name, NULL);

  ck_assert (g_file_set_contents (path, "x", 1, NULL));
  return path;
}

static char *
basename_at (GPtrArray *paths, guint i)
{
  return g_path_get_basename (g_ptr_array_index (paths, i));
}

static void
assert_names (GPtrArray *paths, const char * const *expected)
{
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *base = basename_at (paths, i);

      if (i < n)
        ck_assert_msg (strcmp (base, expected[i]) == 0,
                       "entry %u is %s, expected %s", i, base, expected[i]);
    }
  ck_assert_int_eq (paths->len, n);
}

/* Builds root/ with photos, look-alikes and things a scan must skip. */
static char *
make_tree (void)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *sub = make_dir (root, "sub");
  g_autofree char *deep = make_dir (root, "sub/deeper");
  g_autofree char *hidden_dir = make_dir (root, ".cache");
  g_autofree char *exported = make_dir (root, "exported");
  const char *files[] = {
    "img_10.jpg", "img_2.jpg", "img_1.cr2", "notes.txt", "img_1.cr2.ottica",
    ".hidden.jpg", ".img_3.jpg.Ab12Cd.part", "img_4.jpg.xmp", "img_5.JPG",
    "sub/b.png", "sub/c.tif", "sub/deeper/d.nef", "sub/readme.md",
    ".cache/e.jpg", "exported/img_10.jpg",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    g_free (touch (root, files[i]));
  return g_strdup (root);
}

/* ------------------------------------------------------------------ */
/* Scan                                                                */

START_TEST (test_scan_folder_takes_photos_only)
{
  g_autofree char *root = make_tree ();
  const char *inputs[] = { root, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) photos = ottica_scan (inputs, NULL, NULL, &error);
  /* Natural order: 2 before 10; hidden, temporary, sidecar, .xmp, .txt
   * and subfolders (not recursive) left out. */
  const char *expected[] = { "img_1.cr2", "img_2.jpg", "img_5.JPG", "img_10.jpg", NULL };

  ck_assert_msg (photos != NULL, "%s", error ? error->message : "");
  assert_names (photos, expected);
}
END_TEST

START_TEST (test_scan_recursive_skips_hidden_and_named_folders)
{
  g_autofree char *root = make_tree ();
  const char *inputs[] = { root, NULL };
  const char *skip_names[] = { "exported", NULL };
  OtticaScanOptions options = { .recursive = TRUE, .skip_folder_names = skip_names };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) photos = ottica_scan (inputs, &options, NULL, &error);
  g_autoptr(GPtrArray) all = NULL;
  gboolean saw_exported = FALSE;

  ck_assert_msg (photos != NULL, "%s", error ? error->message : "");
  {
    const char *expected[] = { "img_1.cr2", "img_2.jpg", "img_5.JPG", "img_10.jpg",
                               "b.png", "c.tif", "d.nef", NULL };

    assert_names (photos, expected);
  }
  for (guint i = 0; i < photos->len; i++)
    {
      const char *path = g_ptr_array_index (photos, i);

      ck_assert_msg (strstr (path, ".cache") == NULL, "hidden folder scanned: %s", path);
      ck_assert_msg (strstr (path, "exported") == NULL, "exported folder scanned: %s", path);
      ck_assert (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  ck_assert (g_str_has_suffix (g_ptr_array_index (photos, 6), "sub/deeper/d.nef"));

  /* Without the skip list the exported folder counts again. */
  options.skip_folder_names = NULL;
  all = ottica_scan (inputs, &options, NULL, &error);
  ck_assert_int_eq (all->len, 8);
  for (guint i = 0; i < all->len; i++)
    saw_exported |= strstr (g_ptr_array_index (all, i), "exported") != NULL;
  ck_assert (saw_exported);
}
END_TEST

START_TEST (test_scan_skips_output_folder_by_identity)
{
  g_autofree char *root = make_tree ();
  g_autofree char *sub = g_build_filename (root, "sub", NULL);
  g_autofree char *sub_other_spelling = g_build_filename (root, "sub", "..", "sub", NULL);
  const char *inputs[] = { root, NULL };
  const char *skip[] = { sub_other_spelling, NULL };
  const char *skip_names[] = { "exported", NULL };
  OtticaScanOptions options = { .recursive = TRUE, .skip_folder_names = skip_names, .skip_folders = skip };
  g_autoptr(GPtrArray) photos = ottica_scan (inputs, &options, NULL, NULL);
  const char *named_inputs[] = { sub, NULL };
  g_autoptr(GPtrArray) named = NULL;

  ck_assert_int_eq (photos->len, 4);
  /* Named explicitly, the skipped folder is scanned after all. */
  named = ottica_scan (named_inputs, &options, NULL, NULL);
  ck_assert_int_eq (named->len, 3);
}
END_TEST

START_TEST (test_scan_deduplicates_and_keeps_named_files)
{
  g_autofree char *root = make_tree ();
  g_autofree char *direct = g_build_filename (root, "img_2.jpg", NULL);
  g_autofree char *dotted = g_build_filename (root, ".", "img_2.jpg", NULL);
  g_autofree char *link = g_build_filename (root, "sub", "link.jpg", NULL);
  g_autofree char *odd = g_build_filename (root, "notes.txt", NULL);
  const char *inputs[] = { direct, root, dotted, link, odd, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) photos = NULL;
  int n_img2 = 0;
  gboolean has_notes = FALSE;

  ck_assert_int_eq (symlink (direct, link), 0);
  photos = ottica_scan (inputs, NULL, NULL, &error);
  ck_assert_msg (photos != NULL, "%s", error ? error->message : "");
  for (guint i = 0; i < photos->len; i++)
    {
      g_autofree char *base = basename_at (photos, i);

      n_img2 += strcmp (base, "img_2.jpg") == 0 || strcmp (base, "link.jpg") == 0;
      has_notes |= strcmp (base, "notes.txt") == 0;
    }
  /* Four spellings of one file, once; a file named explicitly is taken
   * whatever its extension (the loader says what is wrong with it). */
  ck_assert_int_eq (n_img2, 1);
  ck_assert (has_notes);
  ck_assert_int_eq (photos->len, 5);
}
END_TEST

START_TEST (test_scan_missing_input_names_it)
{
  g_autofree char *root = make_tree ();
  g_autofree char *missing = g_build_filename (root, "no-such-photo.cr2", NULL);
  const char *inputs[] = { root, missing, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) photos = ottica_scan (inputs, NULL, NULL, &error);

  ck_assert (photos == NULL);
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND));
  ck_assert_msg (strstr (error->message, "no-such-photo.cr2") != NULL, "%s", error->message);
}
END_TEST

START_TEST (test_scan_symlink_loop_terminates)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *a = make_dir (root, "a");
  g_autofree char *loop = g_build_filename (a, "loop", NULL);
  const char *inputs[] = { root, NULL };
  OtticaScanOptions options = { .recursive = TRUE };
  g_autoptr(GPtrArray) photos = NULL;

  g_free (touch (a, "x.jpg"));
  ck_assert_int_eq (symlink (root, loop), 0);
  photos = ottica_scan (inputs, &options, NULL, NULL);
  ck_assert (photos != NULL);
  ck_assert_int_eq (photos->len, 1);
}
END_TEST

START_TEST (test_scan_ignored_names)
{
  ck_assert (ottica_scan_is_ignored_name (".x.jpg"));
  ck_assert (ottica_scan_is_ignored_name ("IMG_1.CR2.ottica"));
  ck_assert (ottica_scan_is_ignored_name (".IMG_1.jpg.a1B2c3.part"));
  ck_assert (!ottica_scan_is_ignored_name ("IMG_1.CR2"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Output templates                                                    */

static char *
expand (const char *text, const OtticaOutputValues *values, GError **error)
{
  g_autoptr(OtticaOutputTemplate) tmpl = ottica_output_template_new (text, error);

  if (tmpl == NULL)
    return NULL;
  return ottica_output_template_expand (tmpl, values, error);
}

START_TEST (test_template_every_token)
{
  OtticaOutputValues values = {
    .photo_path = "/photos/2009/IMG_5952.CR2",
    .look_id = "documentary",
    .seq = 7,
    .capture_date = "2009-07-21",
    .camera = "Canon EOS 30D",
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = expand ("{name}_{ext}_{look}_{seq}_{seq:2}_{date}_{year}{month}{day}_{camera}",
                                  &values, &error);

  ck_assert_msg (name != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (name, "IMG_5952_CR2_documentary_0007_07_2009-07-21_20090721_Canon EOS 30D.jpg");
}
END_TEST

START_TEST (test_template_defaults_padding_and_braces)
{
  OtticaOutputValues values = { .photo_path = "a/b/photo.jpeg", .seq = 12345 };
  g_autofree char *a = expand ("{name}-{look}-{seq}-{seq:1}", &values, NULL);
  g_autofree char *b = expand ("{{{name}}}", &values, NULL);
  g_autofree char *c = expand ("{name}.jpg", &values, NULL);
  g_autofree char *d = expand ("{name}.JPEG", &values, NULL);
  g_autofree char *e = expand (OTTICA_OUTPUT_TEMPLATE_DEFAULT, &values, NULL);

  ck_assert_str_eq (a, "photo-original-12345-12345.jpg");
  ck_assert_str_eq (b, "{photo}.jpg");
  ck_assert_str_eq (c, "photo.jpg");        /* .jpg not doubled */
  ck_assert_str_eq (d, "photo.JPEG");
  ck_assert_str_eq (e, "photo.jpg");
}
END_TEST

START_TEST (test_template_subfolders)
{
  OtticaOutputValues values = {
    .photo_path = "IMG_1.CR2", .seq = 1, .capture_date = "2020-01-31", .camera = "X100",
  };
  g_autofree char *name = expand ("{camera}/{year}/{date}/{name}", &values, NULL);

  ck_assert_str_eq (name, "X100/2020/2020-01-31/IMG_1.jpg");
}
END_TEST

START_TEST (test_template_hostile_templates_refused)
{
  const char *unsafe[] = {
    "../x", "/etc/x", "a/../../b", "{name}/../../{name}", "..", "a//b", "x/", "",
    ".hidden", "{name}/.{name}", "./{name}", "/", "..{name}",
  };
  const char *invalid[] = { "{nope}", "{name", "{seq:0}", "{seq:x}", "{seq:10}", "{name:3}", "a\nb" };

  for (gsize i = 0; i < G_N_ELEMENTS (unsafe); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaOutputTemplate) tmpl = ottica_output_template_new (unsafe[i], &error);

      ck_assert_msg (tmpl == NULL, "“%s” accepted", unsafe[i]);
      ck_assert_msg (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH),
                     "“%s”: %s", unsafe[i], error->message);
      ck_assert_msg (strstr (error->message, "template") != NULL, "%s", error->message);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaOutputTemplate) tmpl = ottica_output_template_new (invalid[i], &error);

      ck_assert_msg (tmpl == NULL, "“%s” accepted", invalid[i]);
      ck_assert_msg (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID),
                     "“%s”: %s", invalid[i], error->message);
    }

  {
    g_autoptr(GError) error = NULL;

    ck_assert (ottica_output_template_new ("{name}-{nope}", &error) == NULL);
    ck_assert_msg (strstr (error->message, "{nope}") != NULL, "%s", error->message);
  }
}
END_TEST

START_TEST (test_template_sanitises_values)
{
  struct { const char *photo; const char *camera; const char *expected; } cases[] = {
    { "/p/...secret.jpg", "C", "secret.jpg" },                     /* leading dots dropped */
    { "/p/we\\ird\001na\nme.jpg", "C", "we_ird_na_me.jpg" },        /* controls, backslash */
    { "/p/\xe2\x80\xae" "gpj.exe.png", "C", "_gpj.exe.jpg" },       /* right-to-left override */
    { "/p/caf\xc3\xa9.jpg", "C", "caf\xc3\xa9.jpg" },               /* ordinary UTF-8 kept */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      OtticaOutputValues values = { .photo_path = cases[i].photo, .seq = 1, .camera = cases[i].camera };
      g_autoptr(GError) error = NULL;
      g_autofree char *name = expand ("{name}", &values, &error);

      ck_assert_msg (name != NULL, "%s: %s", cases[i].photo, error ? error->message : "");
      ck_assert_str_eq (name, cases[i].expected);
    }

  /* A slash in a value never makes a folder; dots never lead. */
  {
    OtticaOutputValues values = { .photo_path = "x.jpg", .seq = 1,
                                  .camera = "../AC/DC", .look_id = "../../etc" };
    g_autofree char *name = expand ("{camera}-{look}", &values, NULL);

    ck_assert_str_eq (name, "_AC_DC-_.._etc.jpg");
    ck_assert (strchr (name, '/') == NULL);
  }
}
END_TEST

START_TEST (test_template_empty_or_hidden_name_for_a_photo)
{
  g_autoptr(OtticaOutputTemplate) tmpl = ottica_output_template_new ("{name}", NULL);
  g_autoptr(OtticaOutputTemplate) with_seq = ottica_output_template_new ("{name}-{seq}", NULL);
  g_autoptr(OtticaOutputTemplate) dotted = ottica_output_template_new ("{name}.{ext}", NULL);
  OtticaOutputValues dots = { .photo_path = "/p/..jpg", .seq = 3 };
  OtticaOutputValues no_ext = { .photo_path = "/p/..", .seq = 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *refused = ottica_output_template_expand (tmpl, &dots, &error);
  g_autofree char *numbered = ottica_output_template_expand (with_seq, &dots, NULL);
  g_autofree char *hidden = ottica_output_template_expand (dotted, &dots, &error2);
  g_autofree char *nothing = ottica_output_template_expand (tmpl, &no_ext, NULL);

  ck_assert (refused == NULL);
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH));
  ck_assert_msg (strstr (error->message, "..jpg") != NULL, "%s", error->message);
  ck_assert_str_eq (numbered, "-0003.jpg");
  ck_assert (hidden == NULL);                          /* ".jpg" would be hidden */
  ck_assert (g_error_matches (error2, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH));
  ck_assert (nothing == NULL);
}
END_TEST

START_TEST (test_template_date_falls_back_to_mtime)
{
  g_autofree char *path = ottica_test_scratch_file ("no-exif.png");
  g_autoptr(OtticaOutputTemplate) tmpl = ottica_output_template_new ("{date}_{year}_{month}_{day}", NULL);
  OtticaOutputValues values = { .photo_path = path, .seq = 1 };
  struct tm tm = { .tm_year = 2011 - 1900, .tm_mon = 4, .tm_mday = 6, .tm_hour = 12 };
  struct utimbuf times;
  g_autofree char *name = NULL;

  /* Not even an image: no metadata at all, so the file's date counts. */
  ck_assert (g_file_set_contents (path, "not a photo", -1, NULL));
  times.actime = times.modtime = mktime (&tm);
  ck_assert_int_eq (g_utime (path, &times), 0);
  name = ottica_output_template_expand (tmpl, &values, NULL);
  ck_assert_str_eq (name, "2011-05-06_2011_05_06.jpg");
  ck_assert (ottica_output_template_uses_date (tmpl));
  ck_assert (!ottica_output_template_uses_camera (tmpl));
}
END_TEST

START_TEST (test_template_reads_camera_and_date_from_raw)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autoptr(OtticaOutputTemplate) tmpl = ottica_output_template_new ("{camera} {date}", NULL);
  OtticaOutputValues values = { .photo_path = cr2, .seq = 1 };
  g_autofree char *name = NULL;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }
  name = ottica_output_template_expand (tmpl, &values, NULL);
  /* Make "Canon" + Model "Canon EOS 30D": the make is not repeated. */
  ck_assert_str_eq (name, "Canon EOS 30D 2009-07-21.jpg");
}
END_TEST

START_TEST (test_output_path_stays_inside)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *outside = make_dir (root, "elsewhere");
  g_autofree char *link = NULL;
  g_autofree char *path = NULL;
  g_autofree char *real_out = NULL;
  g_autoptr(GError) error = NULL;
  const char *bad[] = { "../x.jpg", "/etc/x.jpg", "a/../../x.jpg", ".x.jpg", "a//x.jpg", "" };

  /* Subfolders are created inside the output folder. */
  path = ottica_output_path_prepare (out, "2020-01-31/IMG_1.jpg", &error);
  ck_assert_msg (path != NULL, "%s", error ? error->message : "");
  real_out = realpath (out, NULL);
  ck_assert (g_str_has_prefix (path, real_out));
  ck_assert (g_str_has_suffix (path, "/2020-01-31/IMG_1.jpg"));
  ck_assert (g_file_test (real_out, G_FILE_TEST_IS_DIR));
  g_autofree char *sub = g_build_filename (out, "2020-01-31", NULL);
  ck_assert (g_file_test (sub, G_FILE_TEST_IS_DIR));

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;
      g_autofree char *bad_path = ottica_output_path_prepare (out, bad[i], &bad_error);

      ck_assert_msg (bad_path == NULL, "“%s” accepted as %s", bad[i], bad_path);
      ck_assert (g_error_matches (bad_error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH));
    }

  /* A subfolder that is a link out of the output folder is refused. */
  link = g_build_filename (out, "escape", NULL);
  ck_assert_int_eq (symlink (outside, link), 0);
  g_clear_error (&error);
  g_clear_pointer (&path, g_free);
  path = ottica_output_path_prepare (out, "escape/x.jpg", &error);
  ck_assert (path == NULL);
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Batch                                                               */

typedef struct
{
  GThread *thread;
  int      started;
  int      finished;
  int      failed;
  int      progress;
  gboolean wrong_thread;
  gboolean fraction_out_of_range;
  gboolean finished_before_started;
  GHashTable *started_set;
  GCancellable *cancel_on_first_start;
} Events;

static void
on_started (OtticaBatch *batch, guint index, const char *input, gpointer data)
{
  Events *events = data;

  events->wrong_thread |= g_thread_self () != events->thread;
  events->started++;
  g_hash_table_add (events->started_set, GUINT_TO_POINTER (index));
  if (events->cancel_on_first_start != NULL)
    g_cancellable_cancel (events->cancel_on_first_start);
}

static void
on_progress (OtticaBatch *batch, guint index, double fraction, gpointer data)
{
  Events *events = data;

  events->wrong_thread |= g_thread_self () != events->thread;
  events->fraction_out_of_range |= fraction < 0 || fraction > 1;
  events->progress++;
}

static void
on_finished (OtticaBatch  *batch,
             guint         index,
             const char   *input,
             const char   *output,
             const GError *error,
             gpointer      data)
{
  Events *events = data;

  events->wrong_thread |= g_thread_self () != events->thread;
  events->finished++;
  if (error != NULL)
    events->failed++;
  else if (!g_hash_table_contains (events->started_set, GUINT_TO_POINTER (index)))
    events->finished_before_started = TRUE;
}

static void
events_connect (Events *events, OtticaBatch *batch)
{
  events->thread = g_thread_self ();
  events->started_set = g_hash_table_new (NULL, NULL);
  g_signal_connect (batch, "file-started", G_CALLBACK (on_started), events);
  g_signal_connect (batch, "file-progress", G_CALLBACK (on_progress), events);
  g_signal_connect (batch, "file-finished", G_CALLBACK (on_finished), events);
}

static void
assert_jpeg (const char *path, int width, int height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaImage) image = ottica_image_load (path, NULL, NULL, &error);
  g_autofree char *data = NULL;
  gsize length;

  ck_assert (g_file_get_contents (path, &data, &length, NULL));
  ck_assert_int_ge (length, 4);
  ck_assert ((guchar) data[0] == 0xff && (guchar) data[1] == 0xd8);
  ck_assert ((guchar) data[length - 2] == 0xff && (guchar) data[length - 1] == 0xd9);
  ck_assert_msg (image != NULL, "%s: %s", path, error ? error->message : "");
  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_JPEG);
  ck_assert_int_eq (image->full_width, width);
  ck_assert_int_eq (image->full_height, height);
}

static int
count_temporaries (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  int n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    n += ottica_scan_is_ignored_name (name) && g_str_has_suffix (name, ".part");
  g_dir_close (dir);
  return n;
}

static char *
make_photo (const char *dir, const char *name, int width, int height)
{
  char *path = g_build_filename (dir, name, NULL);

  ottica_test_write_ramp (path, width, height);
  return path;
}

static OtticaBatch *
new_batch (const char *output, const char *name_template, guint jobs, gboolean overwrite)
{
  OtticaBatchRecipe recipe;
  g_autoptr(GError) error = NULL;
  OtticaBatch *batch;

  ottica_batch_recipe_init (&recipe);
  recipe.output_folder = output;
  recipe.name_template = name_template;
  recipe.jobs = jobs;
  recipe.export_options.overwrite = overwrite;
  batch = ottica_batch_new (&recipe, &error);
  ck_assert_msg (batch != NULL, "%s", error ? error->message : "");
  return batch;
}

START_TEST (test_batch_two_files_two_jobs)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a = make_photo (in, "a.jpg", 120, 80);
  g_autofree char *b = make_photo (in, "b.png", 60, 90);
  const char *inputs[] = { a, b, NULL };
  g_autoptr(OtticaBatch) batch = new_batch (out, "{seq:2}-{name}", 2, FALSE);
  g_autoptr(OtticaBatchResult) result = NULL;
  g_autofree char *out_a = g_build_filename (out, "01-a.jpg", NULL);
  g_autofree char *out_b = g_build_filename (out, "02-b.jpg", NULL);
  Events events = { 0 };
  int threads = 0;

  events_connect (&events, batch);
  ck_assert_int_eq (ottica_batch_get_n_workers (batch, 2), 2);
  result = ottica_batch_run (batch, inputs, NULL);

  ck_assert_int_eq (result->n_exported, 2);
  ck_assert_int_eq (result->n_failed, 0);
  ck_assert (!result->cancelled);
  ck_assert_int_eq (result->items->len, 2);
  for (guint i = 0; i < 2; i++)
    {
      OtticaBatchItem *item = g_ptr_array_index (result->items, i);

      ck_assert_msg (item->error == NULL, "%s", item->error ? item->error->message : "");
    }
  assert_jpeg (out_a, 120, 80);
  assert_jpeg (out_b, 60, 90);
  ck_assert_int_eq (count_temporaries (out), 0);

  ck_assert_int_eq (events.started, 2);
  ck_assert_int_eq (events.finished, 2);
  ck_assert_int_eq (events.failed, 0);
  ck_assert_int_ge (events.progress, 2);
  ck_assert (!events.wrong_thread);
  ck_assert (!events.fraction_out_of_range);
  ck_assert (!events.finished_before_started);

  /* GEGL's threads are given back after the run. */
  g_object_get (gegl_config (), "threads", &threads, NULL);
  ck_assert_int_eq (threads, (int) MAX (1u, g_get_num_processors ()));
  g_hash_table_unref (events.started_set);
}
END_TEST

static void
on_started_note_threads (OtticaBatch *batch, guint index, const char *input, gpointer data)
{
  int *threads = data;

  g_object_get (gegl_config (), "threads", threads, NULL);
}

/* "threads" sets GEGL's render threads for the run (seen from inside it)
 * and they are given back after; 0 means the cores shared among the
 * workers; more than 64 is refused. */
START_TEST (test_batch_render_threads)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a = make_photo (in, "a.jpg", 64, 48);
  const char *inputs[] = { a, NULL };
  guint cores = MAX (1u, g_get_num_processors ());
  OtticaBatchRecipe recipe;
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaBatch) batch = NULL;
  g_autoptr(OtticaBatch) shared = NULL;
  g_autoptr(OtticaBatchResult) result = NULL;
  int before = 0, during = 0, after = 0;

  g_object_get (gegl_config (), "threads", &before, NULL);

  ottica_batch_recipe_init (&recipe);
  recipe.output_folder = out;
  recipe.jobs = 1;
  recipe.threads = (guint) before + 2;
  batch = ottica_batch_new (&recipe, &error);
  ck_assert_msg (batch != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (ottica_batch_get_n_threads (batch, 1), before + 2);
  g_signal_connect (batch, "file-started", G_CALLBACK (on_started_note_threads), &during);
  result = ottica_batch_run (batch, inputs, NULL);
  ck_assert_int_eq (result->n_exported, 1);
  ck_assert_int_eq (during, before + 2);
  g_object_get (gegl_config (), "threads", &after, NULL);
  ck_assert_int_eq (after, before);

  /* The default: the cores over the workers, at least 1. */
  recipe.jobs = 2;
  recipe.threads = 0;
  shared = ottica_batch_new (&recipe, &error);
  ck_assert_msg (shared != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (ottica_batch_get_n_threads (shared, 10), MAX (1u, cores / 2));
  /* One photo: one worker, which gets every core. */
  ck_assert_int_eq (ottica_batch_get_n_threads (shared, 1), cores);

  recipe.threads = 65;
  ck_assert (ottica_batch_new (&recipe, &error) == NULL);
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert_msg (strstr (error->message, "65") != NULL, "%s", error->message);
  g_clear_error (&error);

  /* A shard that does not exist is called a shard, as --shard says. */
  recipe.threads = 0;
  recipe.shard_index = 4;
  recipe.shard_count = 3;
  ck_assert (ottica_batch_new (&recipe, &error) == NULL);
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert_msg (strstr (error->message, "Shard 4 of 3") != NULL, "%s", error->message);
}
END_TEST

typedef struct
{
  gboolean small_done;
  int      most_threads;   /* on the big photo's progress, after the small one */
} TailThreads;

static void
on_tail_progress (OtticaBatch *batch, guint index, double fraction, TailThreads *tail)
{
  int threads = 0;

  if (index != 0 || !tail->small_done || fraction > 0.95)
    return;
  g_object_get (gegl_config (), "threads", &threads, NULL);
  tail->most_threads = MAX (tail->most_threads, threads);
}

static void
on_tail_finished (OtticaBatch *batch, guint index, const char *input, const char *output,
                  const GError *error, TailThreads *tail)
{
  if (index == 1)
    tail->small_done = TRUE;
}

/* Two workers, a big photo and a small one: once the small one's worker
 * has no photo left, the big one renders on every core; not when the
 * recipe set the threads. */
START_TEST (test_batch_last_photo_gets_the_free_cores)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *big = make_photo (in, "big.jpg", 3000, 2000);
  g_autofree char *small = make_photo (in, "small.jpg", 32, 24);
  const char *inputs[] = { big, small, NULL };
  guint cores = g_get_num_processors ();

  if (cores < 2)
    {
      ottica_test_skip ("one core: no core is ever left free");
      return;
    }
  for (guint explicit = 0; explicit < 2; explicit++)
    {
      OtticaBatchRecipe recipe;
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaBatch) batch = NULL;
      g_autoptr(OtticaBatchResult) result = NULL;
      TailThreads tail = { FALSE, 0 };
      /* a folder each: the second run would find the first's outputs current */
      g_autofree char *folder = g_strdup_printf ("%s-%u", out, explicit);

      ottica_batch_recipe_init (&recipe);
      recipe.output_folder = folder;
      recipe.jobs = 2;
      recipe.threads = explicit ? 1 : 0;
      batch = ottica_batch_new (&recipe, &error);
      ck_assert_msg (batch != NULL, "%s", error ? error->message : "");
      g_signal_connect (batch, "file-progress", G_CALLBACK (on_tail_progress), &tail);
      g_signal_connect (batch, "file-finished", G_CALLBACK (on_tail_finished), &tail);
      result = ottica_batch_run (batch, inputs, NULL);
      ck_assert_int_eq (result->n_exported, 2);
      ck_assert (tail.small_done);
      if (explicit)
        ck_assert_int_eq (tail.most_threads, 1);
      else
        ck_assert_int_eq (tail.most_threads, (int) cores);
    }
}
END_TEST

START_TEST (test_batch_broken_files_reported_others_exported)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a = make_photo (in, "a.jpg", 64, 48);
  g_autofree char *empty = g_build_filename (in, "b-empty.jpg", NULL);
  g_autofree char *source = make_photo (in, "source.jpg", 256, 256);
  g_autofree char *truncated = g_build_filename (in, "c-truncated.jpg", NULL);
  g_autofree char *d = make_photo (in, "d.png", 48, 64);
  g_autofree char *data = NULL;
  gsize length;
  const char *inputs[] = { a, empty, truncated, d, NULL };
  g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 2, FALSE);
  g_autoptr(OtticaBatchResult) result = NULL;
  g_autofree char *out_a = g_build_filename (out, "a.jpg", NULL);
  g_autofree char *out_d = g_build_filename (out, "d.jpg", NULL);
  g_autofree char *out_empty = g_build_filename (out, "b-empty.jpg", NULL);
  g_autofree char *out_truncated = g_build_filename (out, "c-truncated.jpg", NULL);
  Events events = { 0 };

  ck_assert (g_file_set_contents (empty, "", 0, NULL));
  ck_assert (g_file_get_contents (source, &data, &length, NULL));
  ck_assert (g_file_set_contents (truncated, data, length / 2, NULL));

  events_connect (&events, batch);
  result = ottica_batch_run (batch, inputs, NULL);

  ck_assert_int_eq (result->n_exported, 2);
  ck_assert_int_eq (result->n_failed, 2);
  ck_assert_int_eq (events.failed, 2);
  for (guint i = 1; i <= 2; i++)
    {
      OtticaBatchItem *item = g_ptr_array_index (result->items, i);
      g_autofree char *base = g_path_get_basename (item->input);

      ck_assert (item->error != NULL);
      ck_assert_msg (item->error->domain == OTTICA_ERROR, "%s", item->error->message);
      ck_assert_msg (strstr (item->error->message, base) != NULL,
                     "“%s” not named in: %s", base, item->error->message);
    }
  assert_jpeg (out_a, 64, 48);
  assert_jpeg (out_d, 48, 64);
  ck_assert (!g_file_test (out_empty, G_FILE_TEST_EXISTS));
  ck_assert (!g_file_test (out_truncated, G_FILE_TEST_EXISTS));
  ck_assert_int_eq (count_temporaries (out), 0);
  g_hash_table_unref (events.started_set);
}
END_TEST

START_TEST (test_batch_name_collision_fails_the_later_photo)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a_jpg = make_photo (in, "IMG_1.jpg", 40, 30);
  g_autofree char *a_png = make_photo (in, "img_1.png", 30, 40);
  const char *inputs[] = { a_jpg, a_png, NULL };
  g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 2, TRUE);
  g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);
  OtticaBatchItem *first = g_ptr_array_index (result->items, 0);
  OtticaBatchItem *second = g_ptr_array_index (result->items, 1);
  g_autofree char *out_first = g_build_filename (out, "IMG_1.jpg", NULL);

  /* Even with overwrite, and on a case-insensitive comparison. */
  ck_assert (first->error == NULL);
  ck_assert (second->error != NULL);
  ck_assert (g_error_matches (second->error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert_msg (strstr (second->error->message, "img_1.png") != NULL
                 && strstr (second->error->message, "IMG_1.jpg") != NULL,
                 "%s", second->error->message);
  assert_jpeg (out_first, 40, 30);
  ck_assert_int_eq (result->n_failed, 1);
}
END_TEST

START_TEST (test_batch_never_overwrites_unless_asked)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = make_dir (root, "out");
  g_autofree char *a = make_photo (in, "a.jpg", 40, 30);
  g_autofree char *existing = g_build_filename (out, "a.jpg", NULL);
  const char *inputs[] = { a, NULL };
  g_autoptr(OtticaBatch) keep = new_batch (out, NULL, 1, FALSE);
  g_autoptr(OtticaBatch) replace = new_batch (out, NULL, 1, TRUE);
  g_autoptr(OtticaBatchResult) kept = NULL;
  g_autoptr(OtticaBatchResult) replaced = NULL;
  g_autofree char *contents = NULL;
  OtticaBatchItem *item;

  ck_assert (g_file_set_contents (existing, "precious", -1, NULL));
  kept = ottica_batch_run (keep, inputs, NULL);
  item = g_ptr_array_index (kept->items, 0);
  ck_assert (g_error_matches (item->error, OTTICA_ERROR, OTTICA_ERROR_EXISTS));
  ck_assert (g_file_get_contents (existing, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "precious");

  replaced = ottica_batch_run (replace, inputs, NULL);
  ck_assert_int_eq (replaced->n_exported, 1);
  assert_jpeg (existing, 40, 30);
}
END_TEST

START_TEST (test_batch_never_writes_over_an_original)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *a = make_photo (in, "a.jpg", 40, 30);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length, after_length;
  const char *inputs[] = { a, NULL };
  /* Output folder = the photo's folder, template = its name, overwrite. */
  g_autoptr(OtticaBatch) batch = new_batch (in, "{name}", 1, TRUE);
  g_autoptr(OtticaBatchResult) result = NULL;
  OtticaBatchItem *item;

  ck_assert (g_file_get_contents (a, &before, &before_length, NULL));
  result = ottica_batch_run (batch, inputs, NULL);
  item = g_ptr_array_index (result->items, 0);
  ck_assert (item->error != NULL);
  ck_assert (g_error_matches (item->error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH));
  ck_assert (g_file_get_contents (a, &after, &after_length, NULL));
  ck_assert_int_eq (before_length, after_length);
  ck_assert (memcmp (before, after, before_length) == 0);
}
END_TEST

START_TEST (test_batch_default_folder_beside_photo)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *a = make_photo (in, "a.png", 40, 30);
  g_autofree char *expected = g_build_filename (in, OTTICA_BATCH_DEFAULT_FOLDER_NAME, "a.jpg", NULL);
  const char *inputs[] = { a, NULL };
  g_autoptr(OtticaBatch) batch = new_batch (NULL, NULL, 0, FALSE);
  g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);
  OtticaBatchItem *item = g_ptr_array_index (result->items, 0);

  ck_assert_msg (item->error == NULL, "%s", item->error ? item->error->message : "");
  assert_jpeg (expected, 40, 30);
}
END_TEST

START_TEST (test_batch_cancel_leaves_no_partial_files)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 1, FALSE);
  g_autoptr(OtticaBatchResult) result = NULL;
  Events events = { 0 };
  GDir *dir;
  const char *name;
  int n_outputs = 0;

  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name_i = g_strdup_printf ("p%d.png", i);

      g_ptr_array_add (inputs, make_photo (in, name_i, 400, 300));
    }
  g_ptr_array_add (inputs, NULL);

  events.cancel_on_first_start = cancellable;
  events_connect (&events, batch);
  result = ottica_batch_run (batch, (const char * const *) inputs->pdata, cancellable);

  ck_assert (result->cancelled);
  ck_assert_int_eq (result->n_failed, 0);
  ck_assert_int_le (result->n_exported, 1);
  ck_assert_int_le (events.started, 1);
  /* Whatever was written is whole; nothing half-written. */
  dir = g_dir_open (out, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (out, name, NULL);

      if (strcmp (name, OTTICA_MANIFEST_DIR_NAME) == 0)
        {
          ck_assert_int_eq (count_temporaries (path), 0);
          continue;
        }
      ck_assert_msg (!ottica_scan_is_ignored_name (name), "left behind: %s", name);
      assert_jpeg (path, 400, 300);
      n_outputs++;
    }
  if (dir != NULL)
    g_dir_close (dir);
  ck_assert_int_eq (n_outputs, (int) result->n_exported);
  g_hash_table_unref (events.started_set);
}
END_TEST

static double
mean_green (const char *path)
{
  g_autoptr(OtticaImage) image = ottica_image_load (path, NULL, NULL, NULL);
  GeglRectangle rect;
  g_autofree float *pixels = NULL;
  double sum = 0;

  ck_assert (image != NULL);
  rect = *gegl_buffer_get_extent (image->buffer);
  pixels = g_new (float, (gsize) rect.width * rect.height * 4);
  gegl_buffer_get (image->buffer, &rect, 1.0, babl_format ("RGBA float"), pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (int i = 0; i < rect.width * rect.height; i++)
    sum += pixels[i * 4 + 1];
  return sum / (rect.width * rect.height);
}

START_TEST (test_batch_sidecar_used_or_ignored_and_preset)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *a = make_photo (in, "a.png", 64, 64);
  g_autofree char *out_use = g_build_filename (root, "use", NULL);
  g_autofree char *out_ignore = g_build_filename (root, "ignore", NULL);
  g_autofree char *out_preset = g_build_filename (root, "preset", NULL);
  g_autofree char *file_use = g_build_filename (out_use, "a.jpg", NULL);
  g_autofree char *file_ignore = g_build_filename (out_ignore, "a.jpg", NULL);
  g_autofree char *file_preset = g_build_filename (out_preset, "a.jpg", NULL);
  const char *inputs[] = { a, NULL };
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaEdit) preset = ottica_edit_new ();
  g_autoptr(GError) error = NULL;
  OtticaBatchRecipe recipe;
  double use, ignore, with_preset;

  edit->exposure = 1.0;
  ck_assert_msg (ottica_sidecar_save (a, edit, NULL, &error), "%s", error ? error->message : "");

  ottica_batch_recipe_init (&recipe);
  recipe.jobs = 1;
  recipe.output_folder = out_use;
  {
    g_autoptr(OtticaBatch) batch = ottica_batch_new (&recipe, NULL);
    g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);

    ck_assert_int_eq (result->n_exported, 1);
  }
  recipe.output_folder = out_ignore;
  recipe.use_sidecars = FALSE;
  {
    g_autoptr(OtticaBatch) batch = ottica_batch_new (&recipe, NULL);
    g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);

    ck_assert_int_eq (result->n_exported, 1);
  }
  /* A preset over the sidecar: exposure -1 replaces +1. */
  preset->exposure = -1.0;
  recipe.output_folder = out_preset;
  recipe.use_sidecars = TRUE;
  recipe.preset = preset;
  {
    g_autoptr(OtticaBatch) batch = ottica_batch_new (&recipe, NULL);
    g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);

    ck_assert_int_eq (result->n_exported, 1);
  }

  use = mean_green (file_use);
  ignore = mean_green (file_ignore);
  with_preset = mean_green (file_preset);
  /* +1 EV doubles linear light (less where it clips). */
  ck_assert_msg (use > ignore * 1.4, "sidecar not applied: %f vs %f", use, ignore);
  ck_assert_msg (with_preset < ignore * 0.7, "preset not applied: %f vs %f", with_preset, ignore);
}
END_TEST

START_TEST (test_batch_bad_recipe_refused)
{
  OtticaBatchRecipe recipe;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GError) error3 = NULL;

  ottica_batch_recipe_init (&recipe);
  recipe.name_template = "../{name}";
  ck_assert (ottica_batch_new (&recipe, &error) == NULL);
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH));

  ottica_batch_recipe_init (&recipe);
  recipe.export_options.quality = 0;
  ck_assert (ottica_batch_new (&recipe, &error2) == NULL);
  ck_assert (g_error_matches (error2, OTTICA_ERROR, OTTICA_ERROR_INVALID));

  ottica_batch_recipe_init (&recipe);
  recipe.look_mode = OTTICA_BATCH_LOOK_SET;
  ck_assert (ottica_batch_new (&recipe, &error3) == NULL);
  ck_assert (g_error_matches (error3, OTTICA_ERROR, OTTICA_ERROR_INVALID));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Manifest                                                            */

static OtticaManifestKey
manifest_key (const char *photo, const char *look, int quality)
{
  OtticaManifestKey key = { NULL };
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(GError) error = NULL;
  OtticaExportOptions options;

  ottica_export_options_init (&options);
  options.quality = quality;
  ottica_edit_set_look (edit, look);
  key.input = ottica_manifest_hash_input (photo, &error);
  ck_assert_msg (key.input != NULL, "%s", error ? error->message : "");
  key.edit = ottica_manifest_hash_edit (edit, NULL);
  key.recipe = ottica_manifest_hash_recipe (&options, 0);
  return key;
}

START_TEST (test_manifest_states)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *out = make_dir (root, "out");
  g_autofree char *photo = g_build_filename (root, "p.jpg", NULL);
  g_autofree char *output = g_build_filename (out, "sub", "p.jpg", NULL);
  g_autofree char *sub = g_build_filename (out, "sub", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(OtticaManifestKey) key = { NULL };
  g_auto(OtticaManifestKey) other_edit = { NULL };
  g_auto(OtticaManifestKey) other_recipe = { NULL };
  g_auto(OtticaManifestKey) other_input = { NULL };

  ck_assert (g_file_set_contents (photo, "photo bytes", -1, NULL));
  key = manifest_key (photo, NULL, 90);
  other_edit = manifest_key (photo, "documentary", 90);
  other_recipe = manifest_key (photo, NULL, 80);
  ck_assert_str_ne (key.edit, other_edit.edit);
  ck_assert_str_ne (key.recipe, other_recipe.recipe);
  ck_assert_str_eq (key.input, other_edit.input);

  /* Nothing yet. */
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &key), OTTICA_MANIFEST_ABSENT);
  /* A file nobody recorded is someone else's. */
  ck_assert_int_eq (g_mkdir_with_parents (sub, 0755), 0);
  ck_assert (g_file_set_contents (output, "theirs", -1, NULL));
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &key), OTTICA_MANIFEST_FOREIGN);

  /* Written by us. */
  ck_assert (ottica_manifest_begin (out, "sub/p.jpg", &key, &error));
  g_usleep (20000);
  ck_assert (g_file_set_contents (output, "ours", -1, NULL));
  ck_assert (ottica_manifest_commit (out, "sub/p.jpg", &key, &error));
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &key), OTTICA_MANIFEST_UP_TO_DATE);
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &other_edit), OTTICA_MANIFEST_STALE);
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &other_recipe), OTTICA_MANIFEST_STALE);
  /* Another name in the same folder has its own entry. */
  ck_assert_int_eq (ottica_manifest_check (out, "p.jpg", &key), OTTICA_MANIFEST_ABSENT);

  /* The photo changed (same size, new time): out of date. */
  g_usleep (20000);
  ck_assert (g_file_set_contents (photo, "PHOTO BYTES", -1, NULL));
  other_input = manifest_key (photo, NULL, 90);
  ck_assert_str_ne (key.input, other_input.input);
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &other_input), OTTICA_MANIFEST_STALE);

  /* Someone replaced our output: no longer ours. */
  g_usleep (20000);
  ck_assert (g_file_set_contents (output, "replaced", -1, NULL));
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &key), OTTICA_MANIFEST_FOREIGN);

  /* Output gone: ours to write again. */
  ck_assert_int_eq (g_unlink (output), 0);
  ck_assert_int_eq (ottica_manifest_check (out, "sub/p.jpg", &key), OTTICA_MANIFEST_STALE);
}
END_TEST

START_TEST (test_manifest_pending_then_killed)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *out = make_dir (root, "out");
  g_autofree char *photo = g_build_filename (root, "p.jpg", NULL);
  g_autofree char *output = g_build_filename (out, "p.jpg", NULL);
  g_autofree char *entry = ottica_manifest_entry_path (out, "p.jpg");
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OtticaManifestKey) key = { NULL };
  g_auto(OtticaManifestKey) other = { NULL };

  ck_assert (g_file_set_contents (photo, "photo bytes", -1, NULL));
  key = manifest_key (photo, NULL, 90);
  other = manifest_key (photo, NULL, 70);

  /* An old output of ours, then a run that meant to replace it was
   * killed before renaming: redo it. */
  ck_assert (g_file_set_contents (output, "old", -1, NULL));
  g_usleep (20000);
  ck_assert (ottica_manifest_begin (out, "p.jpg", &key, &error));
  ck_assert_int_eq (ottica_manifest_check (out, "p.jpg", &key), OTTICA_MANIFEST_STALE);

  /* Killed after the rename, before "done": the output is the finished
   * export; it counts (and the entry is completed) with the same key. */
  g_usleep (20000);
  ck_assert (g_file_set_contents (output, "new", -1, NULL));
  ck_assert_int_eq (ottica_manifest_check (out, "p.jpg", &other), OTTICA_MANIFEST_STALE);
  ck_assert_int_eq (ottica_manifest_check (out, "p.jpg", &key), OTTICA_MANIFEST_UP_TO_DATE);
  ck_assert (g_file_get_contents (entry, &data, NULL, NULL));
  ck_assert_msg (strstr (data, "state=done") != NULL, "%s", data);
}
END_TEST

START_TEST (test_manifest_removes_only_its_temporaries)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *out = make_dir (root, "out");
  g_autofree char *entry = ottica_manifest_entry_path (out, "a.jpg");
  g_autofree char *entry_dir = g_path_get_dirname (entry);
  g_autofree char *entry_name = g_path_get_basename (entry);
  g_autofree char *entry_temp_name = g_strdup_printf (".%s.Ab12Cd.part", entry_name);
  g_autofree char *entry_temp = g_build_filename (entry_dir, entry_temp_name, NULL);
  const char *mine[] = { ".a.jpg.x1Y2z3.part", ".a.jpg.QQQQQQ.part", NULL };
  const char *theirs[] = { ".b.jpg.x1Y2z3.part", ".aa.jpg.x1Y2z3.part", "a.jpg", ".a.jpg.x1Y2z3.partial", NULL };

  ck_assert_int_eq (g_mkdir_with_parents (entry_dir, 0755), 0);
  ck_assert (g_file_set_contents (entry_temp, "x", -1, NULL));
  for (guint i = 0; mine[i] != NULL; i++)
    g_free (touch (out, mine[i]));
  for (guint i = 0; theirs[i] != NULL; i++)
    g_free (touch (out, theirs[i]));

  ck_assert_int_eq (ottica_manifest_remove_temporaries (out, "a.jpg"), 3);
  ck_assert (!g_file_test (entry_temp, G_FILE_TEST_EXISTS));
  for (guint i = 0; theirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (out, theirs[i], NULL);

      ck_assert_msg (g_file_test (path, G_FILE_TEST_EXISTS), "%s removed", theirs[i]);
    }
}
END_TEST

START_TEST (test_batch_resumes_from_manifest)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a = make_photo (in, "a.png", 40, 30);
  g_autofree char *b = make_photo (in, "b.png", 40, 30);
  g_autofree char *out_a = g_build_filename (out, "a.jpg", NULL);
  g_autofree char *out_b = g_build_filename (out, "b.jpg", NULL);
  const char *inputs[] = { a, b, NULL };
  GStatBuf st_a, st_b, st_a2, st_b2;

  {
    g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 2, FALSE);
    g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);

    ck_assert_int_eq (result->n_exported, 2);
    ck_assert_int_eq (result->n_up_to_date, 0);
  }
  ck_assert_int_eq (g_stat (out_a, &st_a), 0);
  ck_assert_int_eq (g_stat (out_b, &st_b), 0);
  g_usleep (20000);
  {
    /* Up to date: nothing written. */
    g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 2, FALSE);
    g_autoptr(OtticaBatchResult) result = ottica_batch_run (batch, inputs, NULL);
    OtticaBatchItem *item = g_ptr_array_index (result->items, 0);

    ck_assert_int_eq (result->n_exported, 0);
    ck_assert_int_eq (result->n_up_to_date, 2);
    ck_assert_int_eq (result->n_failed, 0);
    ck_assert (item->up_to_date && item->error == NULL);
  }
  {
    /* b's edit changed: only b is redone, without overwrite. */
    g_autoptr(OtticaEdit) edit = ottica_edit_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 2, FALSE);
    g_autoptr(OtticaBatchResult) result = NULL;

    edit->exposure = 1.0;
    ck_assert (ottica_sidecar_save (b, edit, NULL, &error));
    result = ottica_batch_run (batch, inputs, NULL);
    ck_assert_int_eq (result->n_exported, 1);
    ck_assert_int_eq (result->n_up_to_date, 1);
    ck_assert_int_eq (result->n_failed, 0);
  }
  ck_assert_int_eq (g_stat (out_a, &st_a2), 0);
  ck_assert_int_eq (g_stat (out_b, &st_b2), 0);
  ck_assert (st_a2.st_mtim.tv_sec == st_a.st_mtim.tv_sec && st_a2.st_mtim.tv_nsec == st_a.st_mtim.tv_nsec);
  ck_assert (st_b2.st_mtim.tv_sec != st_b.st_mtim.tv_sec || st_b2.st_mtim.tv_nsec != st_b.st_mtim.tv_nsec);
  assert_jpeg (out_b, 40, 30);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Recipes, target size, shards                                        */

static char *
write_recipe (const char *name, const char *text)
{
  char *path = ottica_test_scratch_file (name);

  ck_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

START_TEST (test_recipe_file_load)
{
  g_autofree char *good = write_recipe ("web.recipe",
                                        "[Recipe]\nname=Web\nmax-size=500K\nlong-edge=2048\n"
                                        "sharpen=standard\ncolor-space=display-p3\nmetadata=no-gps\n"
                                        "template={name}-web\nsubfolder=web/small\n");
  g_autofree char *inherit = write_recipe ("plain.recipe", "[Recipe]\nquality=70\n");
  const struct
  {
    const char *text;
    const char *says;
  } bad[] = {
    { "[Recipe]\nqualty=80\n", "qualty" },
    { "[Recipe]\nquality=0\n", "quality" },
    { "[Recipe]\nquality=80\nmax-size=1M\n", "max-size" },
    { "[Recipe]\nlong-edge=100\nwidth=100\n", "more than one" },
    { "[Recipe]\nmax-size=lots\n", "lots" },
    { "[Recipe]\nsubfolder=../out\n", "subfolder" },
    { "[Recipe]\nsubfolder=/etc\n", "subfolder" },
    { "[Recipe]\nsharpen=extreme\n", "extreme" },
    { "[Export]\nquality=80\n", "[Recipe]" },
    { "not a key file", "bad.recipe" },
  };
  OtticaExportOptions defaults;
  guint64 bytes = 0;

  ottica_export_options_init (&defaults);
  defaults.quality = 77;
  defaults.metadata = OTTICA_METADATA_NONE;
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OtticaExportRecipe) recipe = ottica_export_recipe_load (good, &defaults, &error);

    ck_assert_msg (recipe != NULL, "%s", error ? error->message : "");
    ck_assert_str_eq (recipe->name, "Web");
    ck_assert_uint_eq (recipe->target_bytes, 500 * 1024);
    ck_assert_int_eq (recipe->export_options.size_mode, OTTICA_SIZE_LONG_EDGE);
    ck_assert (recipe->export_options.size_value == 2048);
    ck_assert_int_eq (recipe->export_options.sharpen, OTTICA_SHARPEN_STANDARD);
    ck_assert_int_eq (recipe->export_options.color_space, OTTICA_COLOR_SPACE_DISPLAY_P3);
    ck_assert_int_eq (recipe->export_options.metadata, OTTICA_METADATA_NO_GPS);
    ck_assert_str_eq (recipe->name_template, "{name}-web");
    ck_assert_str_eq (recipe->subfolder, "web/small");
  }
  {
    g_autoptr(OtticaExportRecipe) recipe = ottica_export_recipe_load (inherit, &defaults, NULL);

    ck_assert (recipe != NULL);
    ck_assert_int_eq (recipe->export_options.quality, 70);
    ck_assert_int_eq (recipe->export_options.metadata, OTTICA_METADATA_NONE);
    ck_assert_str_eq (recipe->name, "plain.recipe");
    ck_assert_uint_eq (recipe->target_bytes, 0);
    ck_assert (recipe->name_template == NULL && recipe->subfolder == NULL);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = write_recipe ("bad.recipe", bad[i].text);
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaExportRecipe) recipe = ottica_export_recipe_load (path, &defaults, &error);

      ck_assert_msg (recipe == NULL, "accepted: %s", bad[i].text);
      ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
      ck_assert_msg (strstr (error->message, bad[i].says) != NULL, "%s: %s", bad[i].text, error->message);
    }

  ck_assert (ottica_parse_byte_size ("500K", &bytes) && bytes == 512000);
  ck_assert (ottica_parse_byte_size ("2M", &bytes) && bytes == 2 * 1024 * 1024);
  ck_assert (ottica_parse_byte_size ("1.5mb", &bytes) && bytes == 1572864);
  ck_assert (ottica_parse_byte_size ("300000", &bytes) && bytes == 300000);
  ck_assert (!ottica_parse_byte_size ("0", &bytes));
  ck_assert (!ottica_parse_byte_size ("-5K", &bytes));
  ck_assert (!ottica_parse_byte_size ("5G", &bytes));
  ck_assert (!ottica_parse_byte_size ("K", &bytes));
}
END_TEST

START_TEST (test_target_size_within_two_percent)
{
  const int width = 480, height = 320;
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
  g_autoptr(GBytes) icc = ottica_output_profile_icc (OTTICA_COLOR_SPACE_SRGB);
  OtticaExportOptions options;
  guint32 state = 12345;
  const guint64 targets[] = { 12000, 30000, 61440, 100000 };

  /* Detail at every scale, so size follows the compression smoothly. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = rgb + ((gsize) y * width + x) * 3;

        state = state * 1664525u + 1013904223u;
        p[0] = (guint8) (x * 255 / width / 2 + (state >> 26));
        p[1] = (guint8) (y * 255 / height / 2 + ((state >> 18) & 63));
        p[2] = (guint8) (((x / 8 + y / 8) & 1) * 100 + ((state >> 10) & 31));
      }
  ottica_export_options_init (&options);

  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      gsize length = 0;
      guint encodes = 0;
      g_autofree guint8 *jpeg = ottica_target_size_encode (rgb, width, height, (gsize) width * 3,
                                                           &options, icc, targets[i], &length,
                                                           &encodes);

      ck_assert_msg (jpeg != NULL, "no JPEG under %" G_GUINT64_FORMAT, targets[i]);
      ck_assert_msg (length <= targets[i], "%zu over %" G_GUINT64_FORMAT, length, targets[i]);
      ck_assert_msg (length >= 0.98 * targets[i], "%zu more than 2 %% under %" G_GUINT64_FORMAT,
                     length, targets[i]);
      ck_assert (jpeg[0] == 0xff && jpeg[1] == 0xd8 && jpeg[length - 2] == 0xff && jpeg[length - 1] == 0xd9);
      ck_assert_uint_le (encodes, 26);
    }
  {
    /* Not even the strongest compression fits: no JPEG, and why. */
    gsize length = 0;
    guint8 *jpeg = ottica_target_size_encode (rgb, width, height, (gsize) width * 3, &options, icc,
                                              1000, &length, NULL);

    ck_assert (jpeg == NULL);
    ck_assert_uint_gt (length, 1000);
  }
}
END_TEST

START_TEST (test_batch_two_recipes_one_decode)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *a = make_photo (in, "a.png", 80, 60);
  g_autofree char *b = make_photo (in, "b.png", 60, 80);
  const char *inputs[] = { a, b, NULL };
  g_autoptr(OtticaExportRecipe) small = ottica_export_recipe_new ();
  g_autoptr(OtticaExportRecipe) full = ottica_export_recipe_new ();
  const OtticaExportRecipe *outputs[] = { small, full, NULL };
  OtticaBatchRecipe recipe;

  small->export_options.size_mode = OTTICA_SIZE_LONG_EDGE;
  small->export_options.size_value = 40;
  small->name_template = g_strdup ("{name}-small");
  small->subfolder = g_strdup ("small");
  full->subfolder = g_strdup ("full");

  ottica_batch_recipe_init (&recipe);
  recipe.output_folder = out;
  recipe.jobs = 1;
  recipe.outputs = outputs;
  for (int pass = 0; pass < 2; pass++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaBatch) batch = ottica_batch_new (&recipe, &error);
      g_autoptr(OtticaBatchResult) result = NULL;
      Events events = { 0 };

      ck_assert_msg (batch != NULL, "%s", error ? error->message : "");
      ck_assert_uint_eq (ottica_batch_get_n_outputs (batch), 2);
      events_connect (&events, batch);
      result = ottica_batch_run (batch, inputs, NULL);
      ck_assert_uint_eq (result->items->len, 4);
      ck_assert_uint_eq (result->n_failed, 0);
      ck_assert_int_eq (events.finished, 4);
      ck_assert_int_eq (events.started, 2);
      if (pass == 0)
        {
          /* One decode per photo for both outputs. */
          ck_assert_uint_eq (result->n_exported, 4);
          ck_assert_uint_eq (result->n_decoded, 2);
        }
      else
        {
          /* Nothing to do: not even a decode. */
          ck_assert_uint_eq (result->n_up_to_date, 4);
          ck_assert_uint_eq (result->n_decoded, 0);
        }
      for (guint i = 0; i < 4; i++)
        {
          OtticaBatchItem *item = g_ptr_array_index (result->items, i);

          ck_assert_uint_eq (item->recipe, i % 2);
        }
      g_hash_table_unref (events.started_set);
    }
  {
    g_autofree char *a_small = g_build_filename (out, "small", "a-small.jpg", NULL);
    g_autofree char *b_small = g_build_filename (out, "small", "b-small.jpg", NULL);
    g_autofree char *a_full = g_build_filename (out, "full", "a.jpg", NULL);
    g_autofree char *b_full = g_build_filename (out, "full", "b.jpg", NULL);

    assert_jpeg (a_small, 40, 30);
    assert_jpeg (b_small, 30, 40);
    assert_jpeg (a_full, 80, 60);
    assert_jpeg (b_full, 60, 80);
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Target size, shards, progress                                       */

/* A photo with detail at every scale (fine stripes, a checker, colour
 * edges), where scalers and sharpeners differ visibly. */
static char *
make_detailed_photo (const char *dir, const char *name, int width, int height)
{
  char *path = g_build_filename (dir, name, NULL);
  GeglRectangle extent = { 0, 0, width, height };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, babl_format ("R'G'B' u8"));
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 3);
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source, *save;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 3;
        int period = 2 + (x * 9) / width;        /* stripes from 2 to 10 px */
        gboolean stripe = (y / (period / 2 + 1)) & 1;
        gboolean check = ((x / 3) + (y / 3)) & 1;

        p[0] = (guint8) (x < width / 2 ? (stripe ? 220 : 30) : 128 + (check ? 60 : -60));
        p[1] = (guint8) (y * 255 / height);
        p[2] = (guint8) (((x / 17) & 1) ? 200 : 40);
      }
  gegl_buffer_set (buffer, &extent, 0, babl_format ("R'G'B' u8"), pixels, GEGL_AUTO_ROWSTRIDE);
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  save = gegl_node_new_child (graph, "operation", "gegl:png-save", "path", path, NULL);
  gegl_node_link (source, save);
  gegl_node_process (save);
  return path;
}

/* Mean absolute difference in 8-bit levels; the largest in *@max. */
static double
mean_abs_difference (const guint8 *a, const guint8 *b, gsize n, int *max)
{
  double sum = 0;

  *max = 0;
  for (gsize i = 0; i < n; i++)
    {
      int d = abs ((int) a[i] - (int) b[i]);

      sum += d;
      *max = MAX (*max, d);
    }
  return sum / n;
}

static OtticaBatchResult *
run_one_recipe (const char *out, const char *photo, const OtticaExportRecipe *output)
{
  const OtticaExportRecipe *outputs[] = { output, NULL };
  const char *inputs[] = { photo, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaBatch) batch = NULL;
  OtticaBatchRecipe recipe;
  OtticaBatchResult *result;

  ottica_batch_recipe_init (&recipe);
  recipe.output_folder = out;
  recipe.jobs = 1;
  recipe.outputs = outputs;
  batch = ottica_batch_new (&recipe, &error);
  ck_assert_msg (batch != NULL, "%s", error ? error->message : "");
  result = ottica_batch_run (batch, inputs, NULL);
  for (guint i = 0; i < result->items->len; i++)
    {
      OtticaBatchItem *item = g_ptr_array_index (result->items, i);

      ck_assert_msg (item->error == NULL, "%s", item->error->message);
    }
  return result;
}

START_TEST (test_target_size_shares_the_exporters_pixels)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autofree char *photo = make_detailed_photo (in, "detail.png", 900, 600);
  g_autofree char *by_quality = g_build_filename (out, "q", "detail.jpg", NULL);
  g_autofree char *by_size = g_build_filename (out, "size", "detail.jpg", NULL);
  g_autofree char *by_quality_soft = g_build_filename (out, "q-soft", "detail.jpg", NULL);
  g_autofree guint8 *a = NULL, *b = NULL, *c = NULL;
  g_autoptr(OtticaExportRecipe) quality = ottica_export_recipe_new ();
  g_autoptr(OtticaExportRecipe) size = NULL;
  g_autoptr(OtticaExportRecipe) soft = NULL;
  GStatBuf st;
  int wa, ha, wb, hb, wc, hc, max_same, max_other;
  double same, other;

  /* Reduced 900 → 300 and sharpened: both depend on the scaler and the
   * sharpener. */
  quality->export_options.quality = 95;
  quality->export_options.chroma = OTTICA_CHROMA_444;
  quality->export_options.size_mode = OTTICA_SIZE_LONG_EDGE;
  quality->export_options.size_value = 300;
  quality->export_options.sharpen = OTTICA_SHARPEN_HIGH;
  quality->export_options.metadata = OTTICA_METADATA_NONE;
  size = ottica_export_recipe_copy (quality);
  soft = ottica_export_recipe_copy (quality);
  quality->subfolder = g_strdup ("q");
  size->subfolder = g_strdup ("size");
  soft->subfolder = g_strdup ("q-soft");
  soft->export_options.sharpen = OTTICA_SHARPEN_LOW;

  ottica_batch_result_free (run_one_recipe (out, photo, quality));
  ck_assert_int_eq (g_stat (by_quality, &st), 0);
  /* The same file size asked for: the search lands near quality 95. */
  size->target_bytes = (guint64) st.st_size;
  ottica_batch_result_free (run_one_recipe (out, photo, size));
  ottica_batch_result_free (run_one_recipe (out, photo, soft));
  ck_assert_int_eq (g_stat (by_size, &st), 0);
  ck_assert_uint_le ((guint64) st.st_size, size->target_bytes);

  a = ottica_test_decode_jpeg (by_quality, &wa, &ha);
  b = ottica_test_decode_jpeg (by_size, &wb, &hb);
  c = ottica_test_decode_jpeg (by_quality_soft, &wc, &hc);
  ck_assert_int_eq (wa, 300);
  ck_assert_int_eq (ha, 200);
  ck_assert_int_eq (wb, wa);
  ck_assert_int_eq (hb, ha);
  ck_assert_int_eq (wc, wa);
  same = mean_abs_difference (a, b, (gsize) wa * ha * 3, &max_same);
  other = mean_abs_difference (a, c, (gsize) wa * ha * 3, &max_other);
  g_debug ("target size vs quality: %.2f levels (max %d); other sharpening: %.2f (max %d)",
           same, max_same, other, max_other);
  /* Within the JPEG error of two encodes near quality 95 (about a level
   * on average); another sharpening alone is already well beyond it. */
  ck_assert_msg (same < 1.2, "target-size output differs by %.2f levels on average (max %d)",
                 same, max_same);
  ck_assert_msg (other > 2 * same && other > 1.5,
                 "the check cannot tell sharpenings apart: %.2f vs %.2f", other, same);
}
END_TEST

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Names of the JPEGs in @dir, sorted. */
static GPtrArray *
list_outputs (const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".jpg"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static void
on_run_progress (OtticaBatch *batch, const OtticaBatchProgress *progress, gpointer data)
{
  GArray *seen = data;

  g_array_append_val (seen, *progress);
}

START_TEST (test_batch_shards_number_over_the_whole_list)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *whole = g_build_filename (root, "whole", NULL);
  g_autofree char *sharded = g_build_filename (root, "sharded", NULL);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const guint n_photos = 7, n_shards = 3;
  guint total = 0;

  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.png", i);

      g_ptr_array_add (inputs, make_photo (in, name, 24, 16));
    }
  g_ptr_array_add (inputs, NULL);

  for (guint k = 0; k <= n_shards; k++)
    {
      OtticaBatchRecipe recipe;
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaBatch) batch = NULL;
      g_autoptr(OtticaBatchResult) result = NULL;
      g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (OtticaBatchProgress));
      const OtticaBatchProgress *last;
      guint n_selected;

      ottica_batch_recipe_init (&recipe);
      recipe.output_folder = k == 0 ? whole : sharded;
      recipe.name_template = "{seq:2}-{name}";
      recipe.jobs = 2;
      recipe.shard_index = k;
      recipe.shard_count = k == 0 ? 0 : n_shards;
      batch = ottica_batch_new (&recipe, &error);
      ck_assert_msg (batch != NULL, "%s", error ? error->message : "");
      n_selected = ottica_batch_count_photos (batch, (const char * const *) inputs->pdata);
      g_signal_connect (batch, "run-progress", G_CALLBACK (on_run_progress), progress);
      result = ottica_batch_run (batch, (const char * const *) inputs->pdata, NULL);

      ck_assert_uint_eq (result->items->len, n_selected);
      ck_assert_uint_eq (result->n_exported, n_selected);
      if (k == 0)
        ck_assert_uint_eq (n_selected, n_photos);
      else
        total += n_selected;
      /* The run's figures: counts, a fraction that ends at 1, no time
       * left at the end. */
      ck_assert_uint_ge (progress->len, 2);
      last = &g_array_index (progress, OtticaBatchProgress, progress->len - 1);
      ck_assert_uint_eq (last->n_photos, n_selected);
      ck_assert_uint_eq (last->n_photos_done, n_selected);
      ck_assert_uint_eq (last->n_exported, result->n_exported);
      ck_assert_uint_eq (last->n_failed, result->n_failed);
      ck_assert_double_eq_tol (last->fraction, 1.0, 1e-9);
      ck_assert_double_eq_tol (last->seconds_left, 0.0, 1e-9);
      for (guint i = 1; i < progress->len; i++)
        ck_assert_double_ge (g_array_index (progress, OtticaBatchProgress, i).fraction,
                             g_array_index (progress, OtticaBatchProgress, i - 1).fraction - 1e-9);
      {
        OtticaBatchProgress after;

        ck_assert (!ottica_batch_get_progress (batch, &after));
      }
    }
  ck_assert_uint_eq (total, n_photos);

  /* Three shards run apart wrote exactly the files of one whole run. */
  expected = list_outputs (whole);
  found = list_outputs (sharded);
  ck_assert_uint_eq (expected->len, n_photos);
  ck_assert_uint_eq (found->len, expected->len);
  for (guint i = 0; i < expected->len; i++)
    ck_assert_str_eq (g_ptr_array_index (found, i), g_ptr_array_index (expected, i));
  ck_assert_str_eq (g_ptr_array_index (expected, 0), "01-p0.jpg");
  ck_assert_str_eq (g_ptr_array_index (expected, n_photos - 1), "07-p6.jpg");
}
END_TEST

START_TEST (test_batch_progress_time_left)
{
  const char *root = ottica_test_scratch_dir ();
  g_autofree char *in = make_dir (root, "in");
  g_autofree char *out = g_build_filename (root, "out", NULL);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (OtticaBatchProgress));
  g_autoptr(OtticaBatch) batch = new_batch (out, NULL, 1, FALSE);
  g_autoptr(OtticaBatchResult) result = NULL;
  gboolean estimated = FALSE;

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.png", i);

      g_ptr_array_add (inputs, make_detailed_photo (in, name, 1200, 800));
    }
  g_ptr_array_add (inputs, NULL);
  g_signal_connect (batch, "run-progress", G_CALLBACK (on_run_progress), progress);
  result = ottica_batch_run (batch, (const char * const *) inputs->pdata, NULL);
  ck_assert_uint_eq (result->n_exported, 6);

  /* Once there was something to go on, the estimate plus the time spent
   * comes near the run's real length (the photos are alike). */
  for (guint i = 0; i < progress->len; i++)
    {
      const OtticaBatchProgress *p = &g_array_index (progress, OtticaBatchProgress, i);

      ck_assert_double_ge (p->fraction, 0.0);
      ck_assert_double_le (p->fraction, 1.0);
      if (p->seconds_left > 0 && p->fraction >= 0.3 && p->fraction <= 0.8)
        {
          double predicted = p->elapsed + p->seconds_left;

          estimated = TRUE;
          ck_assert_msg (predicted > 0.4 * result->seconds && predicted < 2.5 * result->seconds,
                         "at %.0f %%: %.2f s predicted, %.2f s taken", p->fraction * 100,
                         predicted, result->seconds);
        }
    }
  ck_assert_msg (estimated, "no time-left estimate in %u updates", progress->len);
}
END_TEST

START_TEST (test_scan_shards_cover_once)
{
  const guint n_photos = 40, n = 3;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint sizes[3] = { 0 };

  for (guint k = 1; k <= n; k++)
    {
      g_autoptr(GPtrArray) here = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) there = g_ptr_array_new_with_free_func (g_free);

      /* The same library mounted in two places. */
      for (guint i = 0; i < n_photos; i++)
        {
          g_ptr_array_add (here, g_strdup_printf ("/mnt/a/lib/%s/IMG_%04u.CR2", i < n_photos / 2 ? "day1" : "day2", i));
          g_ptr_array_add (there, g_strdup_printf ("/home/x/photos/lib/%s/IMG_%04u.CR2",
                                                   i < n_photos / 2 ? "day1" : "day2", i));
        }
      ottica_scan_shard (here, k, n);
      ottica_scan_shard (there, k, n);
      ck_assert_uint_eq (here->len, there->len);
      sizes[k - 1] = here->len;
      for (guint i = 0; i < here->len; i++)
        {
          const char *path = g_ptr_array_index (here, i);
          const char *tail = strstr (path, "/lib/");

          ck_assert (g_str_has_suffix (g_ptr_array_index (there, i), tail));
          ck_assert_msg (!g_hash_table_contains (seen, tail), "%s in two shards", tail);
          g_hash_table_add (seen, (gpointer) g_intern_string (tail));
          /* Order kept. */
          if (i > 0)
            ck_assert_int_lt (strcmp (g_ptr_array_index (here, i - 1), path), 0);
        }
    }
  ck_assert_uint_eq (g_hash_table_size (seen), n_photos);
  /* Roughly even. */
  for (guint k = 0; k < n; k++)
    ck_assert_uint_ge (sizes[k], 5);
  /* 1/1 keeps everything. */
  {
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

    g_ptr_array_add (all, g_strdup ("one.jpg"));
    ottica_scan_shard (all, 1, 1);
    ck_assert_uint_eq (all->len, 1);
  }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("library");
  TCase *scan = plain_case ("scan");
  TCase *tmpl = plain_case ("template");
  TCase *batch = ottica_test_case ("batch");
  TCase *manifest = plain_case ("manifest");

  tcase_add_test (scan, test_scan_folder_takes_photos_only);
  tcase_add_test (scan, test_scan_recursive_skips_hidden_and_named_folders);
  tcase_add_test (scan, test_scan_skips_output_folder_by_identity);
  tcase_add_test (scan, test_scan_deduplicates_and_keeps_named_files);
  tcase_add_test (scan, test_scan_missing_input_names_it);
  tcase_add_test (scan, test_scan_symlink_loop_terminates);
  tcase_add_test (scan, test_scan_ignored_names);
  suite_add_tcase (suite, scan);

  tcase_add_test (tmpl, test_template_every_token);
  tcase_add_test (tmpl, test_template_defaults_padding_and_braces);
  tcase_add_test (tmpl, test_template_subfolders);
  tcase_add_test (tmpl, test_template_hostile_templates_refused);
  tcase_add_test (tmpl, test_template_sanitises_values);
  tcase_add_test (tmpl, test_template_empty_or_hidden_name_for_a_photo);
  tcase_add_test (tmpl, test_template_date_falls_back_to_mtime);
  tcase_add_test (tmpl, test_template_reads_camera_and_date_from_raw);
  tcase_add_test (tmpl, test_output_path_stays_inside);
  suite_add_tcase (suite, tmpl);

  tcase_add_test (batch, test_batch_two_files_two_jobs);
  tcase_add_test (batch, test_batch_render_threads);
  tcase_add_test (batch, test_batch_last_photo_gets_the_free_cores);
  tcase_add_test (batch, test_batch_broken_files_reported_others_exported);
  tcase_add_test (batch, test_batch_name_collision_fails_the_later_photo);
  tcase_add_test (batch, test_batch_never_overwrites_unless_asked);
  tcase_add_test (batch, test_batch_never_writes_over_an_original);
  tcase_add_test (batch, test_batch_default_folder_beside_photo);
  tcase_add_test (batch, test_batch_cancel_leaves_no_partial_files);
  tcase_add_test (batch, test_batch_sidecar_used_or_ignored_and_preset);
  tcase_add_test (batch, test_batch_bad_recipe_refused);
  tcase_add_test (batch, test_batch_resumes_from_manifest);
  tcase_add_test (batch, test_batch_two_recipes_one_decode);
  tcase_add_test (batch, test_target_size_within_two_percent);
  tcase_add_test (batch, test_target_size_shares_the_exporters_pixels);
  tcase_add_test (batch, test_batch_shards_number_over_the_whole_list);
  tcase_add_test (batch, test_batch_progress_time_left);
  suite_add_tcase (suite, batch);

  tcase_add_test (manifest, test_manifest_states);
  tcase_add_test (manifest, test_manifest_pending_then_killed);
  tcase_add_test (manifest, test_manifest_removes_only_its_temporaries);
  tcase_add_test (manifest, test_recipe_file_load);
  tcase_add_test (manifest, test_scan_shards_cover_once);
  suite_add_tcase (suite, manifest);

  return ottica_test_run ("library", suite);
}
