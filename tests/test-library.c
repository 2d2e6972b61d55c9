/* test-library.c: folder scans, output file names and batch exports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>
#include <unistd.h>

#include "ottica-batch.h"
#include "ottica-edit.h"
#include "ottica-error.h"
#include "ottica-image.h"
#include "ottica-output-template.h"
#include "ottica-scan.h"
#include "ottica-sidecar.h"
#include "ottica-test.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Scans and templates need no GEGL: their cases skip the engine's
 * set-up (over a second per test) and only clean the scratch folder. */
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

static TCase *
plain_case (const char *name)
{
  TCase *tc = tcase_create (name);

  tcase_add_checked_fixture (tc, NULL, plain_teardown);
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

int
main (void)
{
  Suite *suite = suite_create ("library");
  TCase *scan = plain_case ("scan");
  TCase *tmpl = plain_case ("template");
  TCase *batch = ottica_test_case ("batch");

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
  tcase_add_test (batch, test_batch_broken_files_reported_others_exported);
  tcase_add_test (batch, test_batch_name_collision_fails_the_later_photo);
  tcase_add_test (batch, test_batch_never_overwrites_unless_asked);
  tcase_add_test (batch, test_batch_never_writes_over_an_original);
  tcase_add_test (batch, test_batch_default_folder_beside_photo);
  tcase_add_test (batch, test_batch_cancel_leaves_no_partial_files);
  tcase_add_test (batch, test_batch_sidecar_used_or_ignored_and_preset);
  tcase_add_test (batch, test_batch_bad_recipe_refused);
  suite_add_tcase (suite, batch);

  return ottica_test_run ("library", suite);
}
