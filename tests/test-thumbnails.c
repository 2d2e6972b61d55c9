/* test-thumbnails.c: the library's thumbnails and their disk cache.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <jpeglib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include "ottica-edit.h"
#include "ottica-error.h"
#include "ottica-sidecar.h"
#include "ottica-test.h"
#include "ottica-thumbnail-cache.h"

#define SIZE 256

static char *home;

static double
mean_level (const OtticaThumbnail *thumbnail)
{
  const guint8 *pixels = g_bytes_get_data (thumbnail->pixels, NULL);
  double sum = 0;

  for (int y = 0; y < thumbnail->height; y++)
    for (int x = 0; x < thumbnail->width * 3; x++)
      sum += pixels[y * thumbnail->stride + x];
  return sum / ((double) thumbnail->width * thumbnail->height * 3);
}

static guint
count_cache_files (void)
{
  g_autofree char *dir_path = ottica_thumbnail_cache_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
clear_cache (void)
{
  g_autofree char *dir = ottica_thumbnail_cache_dir ();

  ottica_test_remove_tree (dir);
}

/* Asserts a thumbnail of @path is @size on its longer side (the photos
 * are all larger), then that the second call comes from the cache with
 * the same pixels. */
static void
check_thumbnail (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaThumbnail) first = NULL;
  g_autoptr(OtticaThumbnail) second = NULL;
  double mean;

  first = ottica_thumbnail_get (path, SIZE, OTTICA_THUMBNAIL_DEFAULT, NULL, &error);
  ck_assert_msg (first != NULL, "%s: %s", path, error ? error->message : "");
  ck_assert_msg (MAX (first->width, first->height) == SIZE, "%s: %d×%d",
                 path, first->width, first->height);
  ck_assert_int_gt (MIN (first->width, first->height), SIZE / 4);
  ck_assert (!first->from_cache);
  ck_assert (!first->has_edit);
  mean = mean_level (first);
  /* a photo, not a black or white frame */
  ck_assert_msg (mean > 10 && mean < 245, "%s: mean level %.1f", path, mean);

  second = ottica_thumbnail_get (path, SIZE, OTTICA_THUMBNAIL_DEFAULT, NULL, &error);
  ck_assert_ptr_nonnull (second);
  ck_assert (second->from_cache);
  ck_assert_int_eq (second->width, first->width);
  ck_assert_int_eq (second->height, first->height);
  /* JPEG-compressed in the cache: close, not identical */
  ck_assert_double_eq_tol (mean_level (second), mean, 2.0);
}

START_TEST (test_samples)
{
  static const char *const folders[] = { "raw", "jpeg", NULL };
  const char *samples = ottica_test_samples_dir ();
  g_autofree char *bundled = ottica_test_bundled_photo ();
  const char *cr2 = ottica_test_canon_cr2 ();
  guint checked = 0;

  clear_cache ();
  check_thumbnail (bundled);
  checked++;
  if (cr2 != NULL)
    {
      check_thumbnail (cr2);
      checked++;
    }
  for (guint f = 0; samples != NULL && folders[f] != NULL; f++)
    {
      g_autofree char *dir_path = g_build_filename (samples, folders[f], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);

          check_thumbnail (path);
          checked++;
        }
    }
  ck_assert_int_eq (count_cache_files (), checked);
  if (samples == NULL)
    ottica_test_skip ("../shared/samples is absent: only the bundled photo and the CR2 were checked");
}
END_TEST

/* The edit is part of the key: writing a sidecar shows it at once, and
 * the photo's own change (mtime) is noticed. */
START_TEST (test_edit_and_mtime_invalidate)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *photo = ottica_test_scratch_file ("photo.jpg");
  g_autofree char *contents = NULL;
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaThumbnail) plain = NULL;
  g_autoptr(OtticaThumbnail) edited = NULL;
  g_autoptr(OtticaThumbnail) again = NULL;
  g_autoptr(OtticaThumbnail) touched = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  struct utimbuf times = { 1000000000, 1000000000 };

  clear_cache ();
  ck_assert (g_file_get_contents (bundled, &contents, &length, NULL));
  ck_assert (g_file_set_contents (photo, contents, length, NULL));

  plain = ottica_thumbnail_get (photo, 128, 0, NULL, &error);
  ck_assert_ptr_nonnull (plain);
  ck_assert (!plain->has_edit);

  edit->exposure = 1.5;
  ck_assert (ottica_sidecar_save (photo, edit, NULL, &error));
  edited = ottica_thumbnail_get (photo, 128, 0, NULL, &error);
  ck_assert_ptr_nonnull (edited);
  ck_assert (!edited->from_cache);
  ck_assert (edited->has_edit);
  ck_assert_msg (mean_level (edited) > mean_level (plain) + 20, "%.1f vs %.1f",
                 mean_level (edited), mean_level (plain));

  again = ottica_thumbnail_get (photo, 128, 0, NULL, &error);
  ck_assert (again->from_cache);
  ck_assert (again->has_edit);

  ck_assert_int_eq (utime (photo, &times), 0);
  touched = ottica_thumbnail_get (photo, 128, 0, NULL, &error);
  ck_assert (!touched->from_cache);
  ck_assert_int_eq (count_cache_files (), 3);
}
END_TEST

START_TEST (test_cache_only_and_no_cache)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autoptr(OtticaThumbnail) none = NULL;
  g_autoptr(OtticaThumbnail) uncached = NULL;
  g_autoptr(OtticaThumbnail) rendered = NULL;
  g_autoptr(OtticaThumbnail) cached = NULL;
  g_autoptr(GError) error = NULL;

  clear_cache ();
  none = ottica_thumbnail_get (bundled, 200, OTTICA_THUMBNAIL_CACHE_ONLY, NULL, &error);
  ck_assert_ptr_null (none);
  ck_assert_ptr_null (error);

  uncached = ottica_thumbnail_get (bundled, 200, OTTICA_THUMBNAIL_NO_CACHE, NULL, &error);
  ck_assert_ptr_nonnull (uncached);
  ck_assert_int_eq (count_cache_files (), 0);

  rendered = ottica_thumbnail_get (bundled, 200, 0, NULL, &error);
  ck_assert_int_eq (count_cache_files (), 1);
  cached = ottica_thumbnail_get (bundled, 200, OTTICA_THUMBNAIL_CACHE_ONLY, NULL, &error);
  ck_assert_ptr_nonnull (cached);
  ck_assert (cached->from_cache);
  ck_assert_int_eq (MAX (cached->width, cached->height), 200);
}
END_TEST

/* Broken files are errors naming the file, never a crash, and leave
 * nothing in the cache; a broken sidecar only loses the edit. */
START_TEST (test_broken_files)
{
  static const struct { const char *name; const char *data; gssize length; } cases[] = {
    { "empty.jpg", "", 0 },
    { "text.jpg", "this is not a photo", -1 },
    { "truncated.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01", 13 },
    { "fake.cr2", "II*\x00\x08\x00\x00\x00garbage", 17 },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *photo = ottica_test_scratch_file ("good.jpg");
  g_autofree char *sidecar = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *missing = ottica_test_scratch_file ("missing.jpg");
  g_autoptr(OtticaThumbnail) with_bad_sidecar = NULL;
  gsize length;

  clear_cache ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = ottica_test_scratch_file (cases[i].name);
      g_autoptr(OtticaThumbnail) thumbnail = NULL;

      ck_assert (g_file_set_contents (path, cases[i].data, cases[i].length, NULL));
      thumbnail = ottica_thumbnail_get (path, SIZE, 0, NULL, &error);
      ck_assert_msg (thumbnail == NULL, "%s", cases[i].name);
      ck_assert_ptr_nonnull (error);
      ck_assert_msg (strstr (error->message, cases[i].name) != NULL, "%s", error->message);
      g_clear_error (&error);
    }
  ck_assert_ptr_null (ottica_thumbnail_get (missing, SIZE, 0, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND));
  ck_assert_ptr_nonnull (strstr (error->message, "missing.jpg"));
  g_clear_error (&error);
  ck_assert_int_eq (count_cache_files (), 0);

  ck_assert (g_file_get_contents (bundled, &contents, &length, NULL));
  ck_assert (g_file_set_contents (photo, contents, length, NULL));
  sidecar = ottica_sidecar_path_beside (photo);
  ck_assert (g_file_set_contents (sidecar, "[Ottica\nbroken", -1, NULL));
  with_bad_sidecar = ottica_thumbnail_get (photo, SIZE, 0, NULL, &error);
  ck_assert_ptr_nonnull (with_bad_sidecar);
  ck_assert (with_bad_sidecar->has_edit);
  ck_assert_ptr_nonnull (with_bad_sidecar->warning);
  ck_assert_ptr_nonnull (strstr (with_bad_sidecar->warning, "good.jpg.ottica"));
}
END_TEST

START_TEST (test_cancelled)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  clear_cache ();
  g_cancellable_cancel (cancellable);
  ck_assert_ptr_null (ottica_thumbnail_get (bundled, SIZE, 0, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_int_eq (count_cache_files (), 0);
}
END_TEST

START_TEST (test_prune)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autoptr(OtticaThumbnail) a = NULL;
  g_autoptr(OtticaThumbnail) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old = NULL;
  struct utimbuf times = { 1000000000, 1000000000 };

  clear_cache ();
  a = ottica_thumbnail_get (bundled, 100, 0, NULL, &error);
  b = ottica_thumbnail_get (bundled, 120, 0, NULL, &error);
  ck_assert_int_eq (count_cache_files (), 2);
  old = ottica_thumbnail_cache_file (bundled, 100, NULL, &error);
  ck_assert_int_eq (utime (old, &times), 0);
  ck_assert_int_eq (ottica_thumbnail_cache_prune (30), 1);
  ck_assert (!g_file_test (old, G_FILE_TEST_EXISTS));
  ck_assert_int_eq (count_cache_files (), 1);
}
END_TEST


/* ---- camera-like JPEGs ------------------------------------------------- */

/* Quadrants as stored: red, green / blue, white. */
static const guint8 quadrant_colours[4][3] = {
  { 220, 30, 30 }, { 30, 200, 30 }, { 30, 30, 220 }, { 230, 230, 230 },
};

static guint8 *
quadrants (int width, int height)
{
  guint8 *rgb = g_malloc ((gsize) width * height * 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      memcpy (rgb + ((gsize) y * width + x) * 3,
              quadrant_colours[(y >= height / 2) * 2 + (x >= width / 2)], 3);
  return rgb;
}

static guint8 *
encode_jpeg (const guint8 *rgb, int width, int height, unsigned long *length)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *out = NULL;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &out, length);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 92, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) (rgb + (gsize) cinfo.next_scanline * width * 3);

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  return out;
}

/* A @width × @height landscape JPEG of quadrants with EXIF @orientation
 * and, when @thumbnail, a 160×120 EXIF thumbnail as cameras write it:
 * the frame fitted in with black bars above and below. Written the way
 * cameras' files are read, by exiv2 (gexiv2). */
static void
write_camera_jpeg (const char *path, int width, int height, int orientation, gboolean thumbnail)
{
  g_autofree guint8 *rgb = quadrants (width, height);
  g_autoptr(GExiv2Metadata) metadata = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  unsigned long length = 0;
  guint8 *jpeg = encode_jpeg (rgb, width, height, &length);

  ck_assert (g_file_set_contents (path, (const char *) jpeg, length, NULL));
  free (jpeg);
  ck_assert (gexiv2_metadata_open_path (metadata, path, &error));
  /* a SHORT, as cameras write it */
  gexiv2_metadata_try_set_orientation (metadata, (GExiv2Orientation) orientation, &error);
  ck_assert_ptr_null (error);
  if (thumbnail)
    {
      int inner = (int) lround (160.0 * height / width);
      g_autofree guint8 *frame = quadrants (160, inner);
      g_autofree guint8 *boxed = g_malloc0 (160 * 120 * 3);
      guint8 *small;

      memcpy (boxed + (gsize) ((120 - inner) / 2) * 160 * 3, frame, (gsize) 160 * inner * 3);
      small = encode_jpeg (boxed, 160, 120, &length);
      gexiv2_metadata_try_set_exif_thumbnail_from_buffer (metadata, small, (int) length, &error);
      ck_assert_ptr_null (error);
      free (small);
    }
  ck_assert_msg (gexiv2_metadata_save_file (metadata, path, &error), "%s", error ? error->message : "");
}

/* Which quadrant colour is at (@fx, @fy) of the thumbnail (fractions). */
static int
colour_at (const OtticaThumbnail *thumbnail, double fx, double fy)
{
  const guint8 *pixels = g_bytes_get_data (thumbnail->pixels, NULL);
  const guint8 *p = pixels + (gsize) (fy * thumbnail->height) * thumbnail->stride
                    + (gsize) (fx * thumbnail->width) * 3;
  int best = -1;
  int best_distance = G_MAXINT;

  for (int i = 0; i < 4; i++)
    {
      int distance = 0;

      for (int c = 0; c < 3; c++)
        distance += ABS (p[c] - quadrant_colours[i][c]);
      if (distance < best_distance)
        {
          best = i;
          best_distance = distance;
        }
    }
  ck_assert_msg (best_distance < 90, "no quadrant colour at %.2f,%.2f: %d %d %d",
                 fx, fy, p[0], p[1], p[2]);
  return best;
}

/* The quadrants' colours on screen, top left, top right, bottom left,
 * bottom right, as the indexes of quadrant_colours. */
static void
check_quadrants (const OtticaThumbnail *thumbnail, const int expected[4], const char *what)
{
  int seen[4] = {
    colour_at (thumbnail, 0.25, 0.25), colour_at (thumbnail, 0.75, 0.25),
    colour_at (thumbnail, 0.25, 0.75), colour_at (thumbnail, 0.75, 0.75),
  };

  for (int i = 0; i < 4; i++)
    ck_assert_msg (seen[i] == expected[i], "%s: quadrant %d shows colour %d, not %d",
                   what, i, seen[i], expected[i]);
}

/* Stage 1: the camera's EXIF thumbnail, bars cut, upright, flagged as a
 * preview, never cached; the real render agrees with it on orientation. */
START_TEST (test_embedded_preview)
{
  static const struct { int orientation; int width, height; int quadrants[4]; } cases[] = {
    { 1, 160, 107, { 0, 1, 2, 3 } },
    { 3, 160, 107, { 3, 2, 1, 0 } },
    { 6, 107, 160, { 2, 0, 3, 1 } },
    { 8, 107, 160, { 1, 3, 0, 2 } },
  };
  g_autoptr(GError) error = NULL;

  clear_cache ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("camera-%d.jpg", cases[i].orientation);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(OtticaThumbnail) preview = NULL;
      g_autoptr(OtticaThumbnail) full = NULL;

      write_camera_jpeg (path, 600, 400, cases[i].orientation, TRUE);
      preview = ottica_thumbnail_get_embedded (path, SIZE, NULL, &error);
      ck_assert_msg (preview != NULL, "%s: %s", name, error ? error->message : "no preview");
      ck_assert (preview->preview);
      ck_assert (!preview->from_cache);
      ck_assert (!preview->has_edit);
      /* 160×120 with bars: the 3:2 frame inside, 160×107 */
      ck_assert_msg (preview->width == cases[i].width && preview->height == cases[i].height,
                     "%s: %d×%d", name, preview->width, preview->height);
      check_quadrants (preview, cases[i].quadrants, "preview");
      /* the bars are gone: the top row is picture, not black */
      ck_assert_int_gt (mean_level (preview), 60);

      full = ottica_thumbnail_get (path, SIZE, OTTICA_THUMBNAIL_NO_CACHE, NULL, &error);
      ck_assert_ptr_nonnull (full);
      ck_assert (!full->preview);
      ck_assert_int_eq (full->width > full->height, preview->width > preview->height);
      check_quadrants (full, cases[i].quadrants, "render");
    }
  /* stage 1 is never a cached thumbnail */
  ck_assert_int_eq (count_cache_files (), 0);
}
END_TEST

/* A 4:3 frame keeps its whole thumbnail; a sidecar shows as has_edit;
 * the size asked for is a maximum. */
START_TEST (test_embedded_preview_shapes)
{
  g_autofree char *path = ottica_test_scratch_file ("four-three.jpg");
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(OtticaThumbnail) preview = NULL;
  g_autoptr(OtticaThumbnail) small = NULL;
  g_autoptr(GError) error = NULL;
  static const int upright[4] = { 0, 1, 2, 3 };

  write_camera_jpeg (path, 800, 600, 1, TRUE);
  edit->exposure = 1.0;
  ck_assert (ottica_sidecar_save (path, edit, NULL, &error));
  preview = ottica_thumbnail_get_embedded (path, SIZE, NULL, &error);
  ck_assert_ptr_nonnull (preview);
  ck_assert_int_eq (preview->width, 160);
  ck_assert_int_eq (preview->height, 120);
  ck_assert (preview->has_edit);
  check_quadrants (preview, upright, "4:3");

  small = ottica_thumbnail_get_embedded (path, 64, NULL, &error);
  ck_assert_ptr_nonnull (small);
  ck_assert_int_eq (small->width, 64);
  ck_assert_int_eq (small->height, 48);
  check_quadrants (small, upright, "4:3 at 64");
}
END_TEST

/* No EXIF thumbnail: no stage 1 (NULL, no error); a missing file is an
 * error naming it; broken data is no preview, never a crash. */
START_TEST (test_embedded_preview_absent)
{
  g_autofree char *bundled = ottica_test_bundled_photo ();
  g_autofree char *plain = ottica_test_scratch_file ("plain.jpg");
  g_autofree char *missing = ottica_test_scratch_file ("missing.jpg");
  g_autofree char *damaged = ottica_test_scratch_file ("damaged.jpg");
  g_autofree char *contents = NULL;
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autoptr(GError) error = NULL;
  gsize length;

  ck_assert_ptr_null (ottica_thumbnail_get_embedded (bundled, SIZE, NULL, &error));
  ck_assert_ptr_null (error);
  write_camera_jpeg (plain, 600, 400, 6, FALSE);
  ck_assert_ptr_null (ottica_thumbnail_get_embedded (plain, SIZE, NULL, &error));
  ck_assert_ptr_null (error);

  ck_assert_ptr_null (ottica_thumbnail_get_embedded (missing, SIZE, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND));
  ck_assert_ptr_nonnull (strstr (error->message, "missing.jpg"));
  g_clear_error (&error);

  /* a camera JPEG cut short inside its thumbnail, and one with its
   * thumbnail's bytes overwritten */
  write_camera_jpeg (damaged, 600, 400, 1, TRUE);
  ck_assert (g_file_get_contents (damaged, &contents, &length, NULL));
  for (gsize cut = 2; cut < MIN (length, (gsize) 4000); cut += 97)
    {
      ck_assert (g_file_set_contents (damaged, contents, cut, NULL));
      ottica_thumbnail_free (ottica_thumbnail_get_embedded (damaged, SIZE, NULL, &error));
      ck_assert_ptr_null (error);
    }
  for (gsize at = 30; at < MIN (length, (gsize) 4000); at += 37)
    {
      g_autofree char *copy = g_memdup2 (contents, length);

      memset (copy + at, 0xa5, MIN ((gsize) 40, length - at));
      ck_assert (g_file_set_contents (damaged, copy, length, NULL));
      ottica_thumbnail_free (ottica_thumbnail_get_embedded (damaged, SIZE, NULL, &error));
      ck_assert_ptr_null (error);
    }

  /* the CR2's IFD1 thumbnail, 160×120 with Canon's bars */
  if (cr2 != NULL)
    {
      g_autoptr(OtticaThumbnail) preview = ottica_thumbnail_get_embedded (cr2, SIZE, NULL, &error);

      ck_assert_ptr_nonnull (preview);
      ck_assert_int_eq (preview->width, 160);
      ck_assert_int_eq (preview->height, 107);
      ck_assert_int_gt (mean_level (preview), 40);
    }
  else
    ottica_test_skip ("the Canon CR2 is absent: its thumbnail was not checked");
}
END_TEST

static Suite *
thumbnails_suite (void)
{
  Suite *s = suite_create ("thumbnails");
  TCase *tc = ottica_test_case ("thumbnails");

  tcase_add_test (tc, test_samples);
  tcase_add_test (tc, test_edit_and_mtime_invalidate);
  tcase_add_test (tc, test_cache_only_and_no_cache);
  tcase_add_test (tc, test_broken_files);
  tcase_add_test (tc, test_cancelled);
  tcase_add_test (tc, test_prune);
  tcase_add_test (tc, test_embedded_preview);
  tcase_add_test (tc, test_embedded_preview_shapes);
  tcase_add_test (tc, test_embedded_preview_absent);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *data = NULL;
  int status;

  /* GLib reads the XDG folders once per process: set them first */
  home = g_dir_make_tmp ("ottica-thumbnails-XXXXXX", &error);
  g_assert_no_error (error);
  cache = g_build_filename (home, "cache", NULL);
  data = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  status = ottica_test_run ("thumbnails", thumbnails_suite ());
  ottica_test_remove_tree (home);
  g_free (home);
  return status;
}
