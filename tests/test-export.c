/* test-export.c: the JPEG export suite (options, output profiles, the
 * strip renderer and encoder, metadata).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE /* dladdr() */
#include <dlfcn.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <lcms2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gegl-plugin.h>
#include <jpeglib.h>

#include "ottica-error.h"
#include "ottica-export-options.h"
#include "ottica-image.h"
#include "ottica-jpeg-export.h"
#include "ottica-metadata.h"
#include "ottica-output-profile.h"
#include "ottica-strip-renderer.h"
#include "ottica-test.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

typedef void (*FillFunc) (int x, int y, float *rgba, gpointer data);

/* A buffer-source over a synthetic RGBA float buffer in @space_name
 * ("Rec2020" linear, like the pipeline's output), filled by @fill. */
static GeglNode *
make_source (GeglNode *graph, int width, int height, const char *space_name,
             FillFunc fill, gpointer data)
{
  const Babl *format = babl_format_with_space ("RGBA float", babl_space (space_name));
  GeglRectangle extent = { 0, 0, width, height };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, format);
  g_autofree float *pixels = g_new (float, (gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float *p = pixels + ((gsize) y * width + x) * 4;

        p[3] = 1.0f;
        fill (x, y, p, data);
      }
  gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  return gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
}

/* Linear RGB gradient: R by x, G by y, B constant. */
static void
fill_gradient (int x, int y, float *p, gpointer data)
{
  const int *size = data;

  p[0] = (float) x / MAX (1, size[0] - 1);
  p[1] = (float) y / MAX (1, size[1] - 1);
  p[2] = 0.25f;
}

static void
fill_constant (int x, int y, float *p, gpointer data)
{
  const float *c = data;

  p[0] = c[0];
  p[1] = c[1];
  p[2] = c[2];
}

/* One-pixel black/white checkerboard, linear light. */
static void
fill_checker (int x, int y, float *p, gpointer data)
{
  p[0] = p[1] = p[2] = ((x + y) & 1) ? 1.0f : 0.0f;
}

/* A vertical edge: dark left, light right. */
static void
fill_edge (int x, int y, float *p, gpointer data)
{
  const int *width = data;

  p[0] = p[1] = p[2] = x < *width / 2 ? 0.05f : 0.6f;
}

static GeglNode *
gradient_source (GeglNode *graph, int width, int height)
{
  static int size[2];

  size[0] = width;
  size[1] = height;
  return make_source (graph, width, height, "Rec2020", fill_gradient, size);
}

typedef struct
{
  int        width;
  int        height;
  int        components;
  gboolean   progressive;
  int        h_samp[3];
  int        v_samp[3];
  int        luma_quant0;
  guint8    *pixels;        /* RGB, width × height × 3 */
  guint8    *icc;
  guint      icc_length;
} Decoded;

static void
decoded_free (Decoded *d)
{
  if (d == NULL)
    return;
  g_free (d->pixels);
  free (d->icc);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Decoded, decoded_free)

/* Decodes @path with libjpeg (default error handler: a broken file fails
 * the test by exiting, which check reports). */
static Decoded *
decode_jpeg (const char *path)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  Decoded *d = g_new0 (Decoded, 1);
  FILE *f = fopen (path, "rb");

  ck_assert_msg (f != NULL, "cannot open %s", path);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_decompress (&cinfo);
  jpeg_stdio_src (&cinfo, f);
  jpeg_save_markers (&cinfo, JPEG_APP0 + 2, 0xFFFF);
  ck_assert_int_eq (jpeg_read_header (&cinfo, TRUE), JPEG_HEADER_OK);

  d->width = (int) cinfo.image_width;
  d->height = (int) cinfo.image_height;
  d->components = cinfo.num_components;
  d->progressive = cinfo.progressive_mode;
  for (int c = 0; c < MIN (3, cinfo.num_components); c++)
    {
      d->h_samp[c] = cinfo.comp_info[c].h_samp_factor;
      d->v_samp[c] = cinfo.comp_info[c].v_samp_factor;
    }
  ck_assert_ptr_nonnull (cinfo.quant_tbl_ptrs[0]);
  d->luma_quant0 = cinfo.quant_tbl_ptrs[0]->quantval[0];
  if (!jpeg_read_icc_profile (&cinfo, &d->icc, &d->icc_length))
    d->icc = NULL;

  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress (&cinfo);
  d->pixels = g_malloc ((gsize) d->width * d->height * 3);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW row = d->pixels + (gsize) cinfo.output_scanline * d->width * 3;

      jpeg_read_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  fclose (f);
  return d;
}

static void
export_ok (GeglNode *node, const char *source, const char *path,
           const OtticaExportOptions *options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = ottica_jpeg_export (node, source, path, options, NULL, NULL, NULL, &error);

  ck_assert_msg (ok, "export failed: %s", error ? error->message : "?");
  ck_assert_msg (g_file_test (path, G_FILE_TEST_IS_REGULAR), "no file at %s", path);
}

/* The folder has nothing but the entries named (NULL-terminated). */
static int
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;

  ck_assert_ptr_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* Length of the largest APP1 segment whose payload starts with @prefix,
 * and the number of APPn segments of @marker (0 when @prefix is NULL). */
static gsize
app_segment_length (const char *path, int marker, const char *prefix, int *count)
{
  g_autofree guint8 *data = NULL;
  gsize length = 0, largest = 0;
  gsize i = 2;

  ck_assert (g_file_get_contents (path, (char **) &data, &length, NULL));
  ck_assert (length > 4 && data[0] == 0xFF && data[1] == 0xD8);
  if (count != NULL)
    *count = 0;
  while (i + 4 <= length && data[i] == 0xFF)
    {
      int m = data[i + 1];
      gsize seg = ((gsize) data[i + 2] << 8) | data[i + 3];

      if (m == 0xDA)   /* start of scan: headers are over */
        break;
      if (m == marker && (prefix == NULL || (seg > strlen (prefix) + 2
                                             && memcmp (data + i + 4, prefix, strlen (prefix)) == 0)))
        {
          largest = MAX (largest, seg);
          if (count != NULL)
            (*count)++;
        }
      i += 2 + seg;
    }
  return largest;
}

static GExiv2Metadata *
read_metadata (const char *path)
{
  GExiv2Metadata *meta = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;

  ck_assert_msg (gexiv2_metadata_open_path (meta, path, &error),
                 "gexiv2 cannot read %s: %s", path, error ? error->message : "?");
  return meta;
}

static char *
tag (GExiv2Metadata *meta, const char *key)
{
  if (!gexiv2_metadata_try_has_tag (meta, key, NULL))
    return NULL;
  return gexiv2_metadata_try_get_tag_string (meta, key, NULL);
}

static gboolean
has_key_with_prefix (GExiv2Metadata *meta, const char *prefix)
{
  g_auto(GStrv) exif = gexiv2_metadata_get_exif_tags (meta);
  g_auto(GStrv) xmp = gexiv2_metadata_get_xmp_tags (meta);

  for (gsize i = 0; exif != NULL && exif[i] != NULL; i++)
    if (g_str_has_prefix (exif[i], prefix))
      return TRUE;
  for (gsize i = 0; xmp != NULL && xmp[i] != NULL; i++)
    if (g_str_has_prefix (xmp[i], prefix))
      return TRUE;
  return FALSE;
}

/* Mean of channel @c over a rectangle of a decoded image. */
static double
mean_channel (const Decoded *d, int x0, int y0, int w, int h, int c)
{
  double sum = 0;

  for (int y = y0; y < y0 + h; y++)
    for (int x = x0; x < x0 + w; x++)
      sum += d->pixels[((gsize) y * d->width + x) * 3 + c];
  return sum / (w * h);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

START_TEST (test_options_defaults)
{
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  ck_assert_int_eq (o.quality, 90);
  ck_assert_int_eq (o.chroma, OTTICA_CHROMA_420);
  ck_assert (!o.progressive);
  ck_assert (!o.optimize_coding);
  ck_assert_int_eq (o.size_mode, OTTICA_SIZE_ORIGINAL);
  ck_assert_int_eq (o.sharpen, OTTICA_SHARPEN_OFF);
  ck_assert_int_eq (o.color_space, OTTICA_COLOR_SPACE_SRGB);
  ck_assert_int_eq (o.metadata, OTTICA_METADATA_ALL);
  ck_assert (!o.overwrite);
  ck_assert (ottica_export_options_validate (&o, NULL));
}
END_TEST

START_TEST (test_options_validate)
{
  OtticaExportOptions o;
  g_autoptr(GError) error = NULL;

  ottica_export_options_init (&o);
  o.quality = 0;
  ck_assert (!ottica_export_options_validate (&o, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert_ptr_nonnull (strstr (error->message, "quality"));
  g_clear_error (&error);
  o.quality = 101;
  ck_assert (!ottica_export_options_validate (&o, NULL));
  o.quality = 100;
  ck_assert (ottica_export_options_validate (&o, NULL));
  o.quality = 1;
  ck_assert (ottica_export_options_validate (&o, NULL));

  o.size_mode = OTTICA_SIZE_LONG_EDGE;
  o.size_value = 0;
  ck_assert (!ottica_export_options_validate (&o, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "size"));
  g_clear_error (&error);
  o.size_value = 2048;
  ck_assert (ottica_export_options_validate (&o, NULL));
  o.size_mode = OTTICA_SIZE_MEGAPIXELS;
  o.size_value = 1000;
  ck_assert (!ottica_export_options_validate (&o, NULL));
  o.size_value = NAN;
  ck_assert (!ottica_export_options_validate (&o, NULL));
  o.size_value = 12;
  ck_assert (ottica_export_options_validate (&o, NULL));

  o.chroma = 7;
  ck_assert (!ottica_export_options_validate (&o, NULL));
  o.chroma = OTTICA_CHROMA_444;
  o.color_space = 9;
  ck_assert (!ottica_export_options_validate (&o, NULL));
}
END_TEST

START_TEST (test_options_names)
{
  OtticaChroma chroma;
  OtticaSharpen sharpen;
  OtticaColorSpace space;
  OtticaMetadataPolicy policy;
  OtticaSizeMode mode;

  for (int i = OTTICA_CHROMA_444; i <= OTTICA_CHROMA_420; i++)
    {
      ck_assert (ottica_chroma_from_string (ottica_chroma_to_string (i), &chroma));
      ck_assert_int_eq (chroma, i);
    }
  for (int i = OTTICA_SHARPEN_OFF; i <= OTTICA_SHARPEN_HIGH; i++)
    {
      ck_assert (ottica_sharpen_from_string (ottica_sharpen_to_string (i), &sharpen));
      ck_assert_int_eq (sharpen, i);
    }
  for (int i = OTTICA_COLOR_SPACE_SRGB; i <= OTTICA_COLOR_SPACE_ADOBE_RGB; i++)
    {
      ck_assert (ottica_color_space_from_string (ottica_color_space_to_string (i), &space));
      ck_assert_int_eq (space, i);
    }
  for (int i = OTTICA_METADATA_ALL; i <= OTTICA_METADATA_NONE; i++)
    {
      ck_assert (ottica_metadata_policy_from_string (ottica_metadata_policy_to_string (i), &policy));
      ck_assert_int_eq (policy, i);
    }
  for (int i = OTTICA_SIZE_ORIGINAL; i <= OTTICA_SIZE_MEGAPIXELS; i++)
    {
      ck_assert (ottica_size_mode_from_string (ottica_size_mode_to_string (i), &mode));
      ck_assert_int_eq (mode, i);
    }

  ck_assert_str_eq (ottica_chroma_to_string (OTTICA_CHROMA_420), "4:2:0");
  ck_assert_str_eq (ottica_color_space_to_string (OTTICA_COLOR_SPACE_DISPLAY_P3), "display-p3");
  ck_assert_str_eq (ottica_metadata_policy_to_string (OTTICA_METADATA_NO_GPS), "no-gps");
  ck_assert_str_eq (ottica_sharpen_to_string (OTTICA_SHARPEN_STANDARD), "standard");
  ck_assert (ottica_chroma_from_string ("420", &chroma) && chroma == OTTICA_CHROMA_420);
  ck_assert (ottica_color_space_from_string ("sRGB", &space) && space == OTTICA_COLOR_SPACE_SRGB);
  ck_assert (ottica_color_space_from_string ("Adobe-RGB", &space) && space == OTTICA_COLOR_SPACE_ADOBE_RGB);
  ck_assert (!ottica_chroma_from_string ("4:1:1", &chroma));
  ck_assert (!ottica_sharpen_from_string ("extreme", &sharpen));
  ck_assert (!ottica_color_space_from_string ("prophoto", &space));
  ck_assert (!ottica_metadata_policy_from_string ("", &policy));
  ck_assert (!ottica_metadata_policy_from_string (NULL, &policy));
}
END_TEST

static void
check_size (OtticaSizeMode mode, double value, int w, int h, int ew, int eh)
{
  OtticaExportOptions o;
  int ow = -1, oh = -1;

  ottica_export_options_init (&o);
  o.size_mode = mode;
  o.size_value = value;
  ottica_export_options_output_size (&o, w, h, &ow, &oh);
  ck_assert_msg (ow == ew && oh == eh, "mode %d %g on %d×%d: got %d×%d, expected %d×%d",
                 mode, value, w, h, ow, oh, ew, eh);
}

START_TEST (test_output_size)
{
  check_size (OTTICA_SIZE_ORIGINAL, 0, 6000, 4000, 6000, 4000);
  check_size (OTTICA_SIZE_LONG_EDGE, 2048, 6000, 4000, 2048, 1365);
  check_size (OTTICA_SIZE_LONG_EDGE, 2048, 4000, 6000, 1365, 2048);
  check_size (OTTICA_SIZE_WIDTH, 1000, 6000, 4000, 1000, 667);
  check_size (OTTICA_SIZE_HEIGHT, 1000, 6000, 4000, 1500, 1000);
  check_size (OTTICA_SIZE_MEGAPIXELS, 6, 6000, 4000, 3000, 2000);
  check_size (OTTICA_SIZE_MEGAPIXELS, 2, 6000, 4000, 1732, 1154);
  /* Never upscaled. */
  check_size (OTTICA_SIZE_LONG_EDGE, 8000, 6000, 4000, 6000, 4000);
  check_size (OTTICA_SIZE_LONG_EDGE, 6000, 6000, 4000, 6000, 4000);
  check_size (OTTICA_SIZE_WIDTH, 7000, 6000, 4000, 6000, 4000);
  check_size (OTTICA_SIZE_HEIGHT, 5000, 6000, 4000, 6000, 4000);
  check_size (OTTICA_SIZE_MEGAPIXELS, 30, 6000, 4000, 6000, 4000);
  /* Extreme aspect: never below one pixel. */
  check_size (OTTICA_SIZE_LONG_EDGE, 100, 10000, 10, 100, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Output profiles                                                     */

START_TEST (test_output_profiles)
{
  static const struct
  {
    OtticaColorSpace space;
    const char      *description;
    double           rx, ry, gx, gy, bx, by;
    double           trc_half;   /* the TRC at 0.5 */
  } expected[] = {
    { OTTICA_COLOR_SPACE_SRGB, "sRGB IEC61966-2.1", 0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.2140 },
    { OTTICA_COLOR_SPACE_DISPLAY_P3, "Display P3", 0.68, 0.32, 0.265, 0.69, 0.15, 0.06, 0.2140 },
    { OTTICA_COLOR_SPACE_ADOBE_RGB, "Compatible with Adobe RGB (1998)", 0.64, 0.33, 0.21, 0.71, 0.15, 0.06, 0.2176 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GBytes) icc = ottica_output_profile_icc (expected[i].space);
      gsize length;
      const void *data = g_bytes_get_data (icc, &length);
      cmsHPROFILE profile = cmsOpenProfileFromMem (data, (cmsUInt32Number) length);
      char description[128];
      cmsCIExyYTRIPLE *chrm;
      cmsToneCurve *trc;
      const Babl *space;
      double xyz[3];

      ck_assert_ptr_nonnull (profile);
      ck_assert_msg (cmsGetProfileVersion (profile) < 3.0, "profile is v%g", cmsGetProfileVersion (profile));
      ck_assert_int_eq (cmsGetDeviceClass (profile), cmsSigDisplayClass);
      cmsGetProfileInfoASCII (profile, cmsInfoDescription, "en", "US", description, sizeof description);
      ck_assert_str_eq (description, expected[i].description);
      ck_assert_str_eq (ottica_output_profile_description (expected[i].space), expected[i].description);
      {
        /* a fixed creation date, so that two exports are the same bytes */
        struct tm created = { 0 };

        ck_assert (cmsGetHeaderCreationDateTime (profile, &created));
        ck_assert_int_eq (created.tm_year + 1900, 2026);
        ck_assert_int_eq (created.tm_mon, 0);
        ck_assert_int_eq (created.tm_mday, 1);
        ck_assert_int_eq (created.tm_hour * 3600 + created.tm_min * 60 + created.tm_sec, 0);
      }

      chrm = cmsReadTag (profile, cmsSigChromaticityTag);
      ck_assert_ptr_nonnull (chrm);
      ck_assert (fabs (chrm->Red.x - expected[i].rx) < 1e-3 && fabs (chrm->Red.y - expected[i].ry) < 1e-3);
      ck_assert (fabs (chrm->Green.x - expected[i].gx) < 1e-3 && fabs (chrm->Green.y - expected[i].gy) < 1e-3);
      ck_assert (fabs (chrm->Blue.x - expected[i].bx) < 1e-3 && fabs (chrm->Blue.y - expected[i].by) < 1e-3);
      trc = cmsReadTag (profile, cmsSigRedTRCTag);
      ck_assert_ptr_nonnull (trc);
      ck_assert_msg (fabs (cmsEvalToneCurveFloat (trc, 0.5f) - expected[i].trc_half) < 2e-4,
                     "TRC(0.5) = %f", cmsEvalToneCurveFloat (trc, 0.5f));

      /* The babl space agrees with the profile: its white is D65 and its
       * red primary adapts to the profile's D50 red colorant. */
      space = ottica_output_profile_babl_space (expected[i].space);
      ck_assert_ptr_nonnull (space);
      {
        cmsCIEXYZ *red = cmsReadTag (profile, cmsSigRedColorantTag);
        const Babl *fish = babl_fish (babl_format_with_space ("RGB double", space),
                                      babl_format ("CIE XYZ double"));
        double rgb[3] = { 1.0, 0.0, 0.0 };

        babl_process (fish, rgb, xyz, 1);
        ck_assert_msg (fabs (xyz[0] - red->X) < 2e-3 && fabs (xyz[1] - red->Y) < 2e-3
                       && fabs (xyz[2] - red->Z) < 2e-3,
                       "babl red %f %f %f vs profile %f %f %f",
                       xyz[0], xyz[1], xyz[2], red->X, red->Y, red->Z);
      }
      ck_assert_ptr_eq (ottica_output_profile_u8_format (expected[i].space),
                        babl_format_with_space ("R'G'B' u8", space));
      cmsCloseProfile (profile);
    }
  /* sRGB is babl's own sRGB, so its fast paths apply. */
  ck_assert_ptr_eq (ottica_output_profile_babl_space (OTTICA_COLOR_SPACE_SRGB), babl_space ("sRGB"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

START_TEST (test_export_valid_jpeg)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 300, 200);
  g_autofree char *path = ottica_test_scratch_file ("out.jpg");
  g_autoptr(Decoded) d = NULL;
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  export_ok (source, NULL, path, &o);
  d = decode_jpeg (path);
  ck_assert_int_eq (d->width, 300);
  ck_assert_int_eq (d->height, 200);
  ck_assert_int_eq (d->components, 3);
  ck_assert (!d->progressive);
  /* Default 4:2:0. */
  ck_assert_int_eq (d->h_samp[0], 2);
  ck_assert_int_eq (d->v_samp[0], 2);
  /* The gradient is there: red grows left to right, green top to bottom. */
  ck_assert (mean_channel (d, 0, 0, 10, 200, 0) < 20);
  ck_assert (mean_channel (d, 290, 0, 10, 200, 0) > 235);
  ck_assert (mean_channel (d, 0, 0, 300, 10, 1) < 60);
  ck_assert (mean_channel (d, 0, 190, 300, 10, 1) > 200);
  /* Only the export: no temporary file left beside it. */
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 1);
}
END_TEST

START_TEST (test_export_encoder_options)
{
  static const struct { OtticaChroma chroma; int h, v; } chroma[] = {
    { OTTICA_CHROMA_444, 1, 1 }, { OTTICA_CHROMA_422, 2, 1 }, { OTTICA_CHROMA_420, 2, 2 },
  };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 320, 240);
  OtticaExportOptions o;
  goffset size_plain = 0, size_optimised = 0, size_q50 = 0, size_q95 = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (chroma); i++)
    {
      g_autofree char *name = g_strdup_printf ("chroma%zu.jpg", i);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(Decoded) d = NULL;

      ottica_export_options_init (&o);
      o.chroma = chroma[i].chroma;
      export_ok (source, NULL, path, &o);
      d = decode_jpeg (path);
      ck_assert_int_eq (d->h_samp[0], chroma[i].h);
      ck_assert_int_eq (d->v_samp[0], chroma[i].v);
      ck_assert_int_eq (d->h_samp[1], 1);
      ck_assert_int_eq (d->v_samp[1], 1);
      ck_assert_int_eq (d->h_samp[2], 1);
    }

  /* Quality scales libjpeg's standard tables: the luma DC step is 16 at
   * 50, 16 × (200 − 2q) / 100 above. */
  for (int q = 0; q < 4; q++)
    {
      static const int quality[] = { 50, 90, 95, 100 };
      static const int dc_step[] = { 16, 3, 2, 1 };
      g_autofree char *name = g_strdup_printf ("q%d.jpg", quality[q]);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(Decoded) d = NULL;
      GStatBuf st;

      ottica_export_options_init (&o);
      o.quality = quality[q];
      export_ok (source, NULL, path, &o);
      d = decode_jpeg (path);
      ck_assert_int_eq (d->luma_quant0, dc_step[q]);
      g_stat (path, &st);
      if (quality[q] == 50)
        size_q50 = st.st_size;
      if (quality[q] == 95)
        size_q95 = st.st_size;
    }
  ck_assert (size_q95 > size_q50);

  /* Progressive, and optimised Huffman tables make the file smaller. */
  {
    g_autofree char *plain = ottica_test_scratch_file ("plain.jpg");
    g_autofree char *optimised = ottica_test_scratch_file ("optimised.jpg");
    g_autofree char *progressive = ottica_test_scratch_file ("progressive.jpg");
    g_autoptr(Decoded) d = NULL;
    g_autoptr(Decoded) p = NULL;
    GStatBuf st;

    ottica_export_options_init (&o);
    export_ok (source, NULL, plain, &o);
    g_stat (plain, &st);
    size_plain = st.st_size;
    o.optimize_coding = TRUE;
    export_ok (source, NULL, optimised, &o);
    g_stat (optimised, &st);
    size_optimised = st.st_size;
    ck_assert_msg (size_optimised < size_plain, "optimised %ld, plain %ld",
                   (long) size_optimised, (long) size_plain);

    ottica_export_options_init (&o);
    o.progressive = TRUE;
    export_ok (source, NULL, progressive, &o);
    p = decode_jpeg (progressive);
    ck_assert (p->progressive);
    d = decode_jpeg (plain);
    ck_assert (!d->progressive);
    /* Same pixels either way (same quantisation). */
    for (gsize i = 0; i < (gsize) d->width * d->height * 3; i++)
      ck_assert_int_le (abs (d->pixels[i] - p->pixels[i]), 1);
  }
}
END_TEST

START_TEST (test_export_size_modes)
{
  static const struct { OtticaSizeMode mode; double value; int w, h; } cases[] = {
    { OTTICA_SIZE_ORIGINAL, 0, 300, 200 },
    { OTTICA_SIZE_LONG_EDGE, 100, 100, 67 },
    { OTTICA_SIZE_WIDTH, 150, 150, 100 },
    { OTTICA_SIZE_HEIGHT, 50, 75, 50 },
    { OTTICA_SIZE_MEGAPIXELS, 0.015, 150, 100 },
    { OTTICA_SIZE_LONG_EDGE, 1000, 300, 200 },   /* never upscaled */
    { OTTICA_SIZE_MEGAPIXELS, 5, 300, 200 },
  };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 300, 200);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("size%zu.jpg", i);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(Decoded) d = NULL;
      OtticaExportOptions o;

      ottica_export_options_init (&o);
      o.size_mode = cases[i].mode;
      o.size_value = cases[i].value;
      export_ok (source, NULL, path, &o);
      d = decode_jpeg (path);
      ck_assert_msg (d->width == cases[i].w && d->height == cases[i].h,
                     "case %zu: %d×%d, expected %d×%d", i, d->width, d->height,
                     cases[i].w, cases[i].h);
      /* Still the gradient, reduced. */
      ck_assert (mean_channel (d, 0, 0, 3, d->height, 0) < 25);
      ck_assert (mean_channel (d, d->width - 3, 0, 3, d->height, 0) > 230);
    }
}
END_TEST

/* A node whose bounding box does not start at the origin exports its own
 * box, at full size and reduced. */
START_TEST (test_export_offset_box)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 200, 100);
  GeglNode *moved = gegl_node_new_child (graph, "operation", "gegl:translate",
                                         "x", 37.0, "y", -11.0, NULL);
  g_autofree char *full = ottica_test_scratch_file ("full.jpg");
  g_autofree char *half = ottica_test_scratch_file ("half.jpg");
  g_autoptr(Decoded) a = NULL;
  g_autoptr(Decoded) b = NULL;
  OtticaExportOptions o;

  gegl_node_link (source, moved);
  ottica_export_options_init (&o);
  export_ok (moved, NULL, full, &o);
  o.size_mode = OTTICA_SIZE_WIDTH;
  o.size_value = 100;
  export_ok (moved, NULL, half, &o);
  a = decode_jpeg (full);
  b = decode_jpeg (half);
  ck_assert_int_eq (a->width, 200);
  ck_assert_int_eq (a->height, 100);
  ck_assert_int_eq (b->width, 100);
  ck_assert_int_eq (b->height, 50);
  ck_assert (mean_channel (a, 0, 0, 4, 100, 0) < 20 && mean_channel (a, 196, 0, 4, 100, 0) > 235);
  ck_assert (mean_channel (b, 0, 0, 2, 50, 0) < 25 && mean_channel (b, 98, 0, 2, 50, 0) > 230);
}
END_TEST

/* Downscaling works in linear light with an anti-aliasing filter and
 * clamps at the edges: a flat field stays flat to its last pixel, and a
 * one-pixel checkerboard becomes its linear mean (0.5 → sRGB 188), with
 * no moiré. */
START_TEST (test_export_downscale_quality)
{
  static float grey[3] = { 0.18f, 0.18f, 0.18f };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *flat = make_source (graph, 601, 403, "Rec2020", fill_constant, grey);
  GeglNode *checker = make_source (graph, 600, 400, "sRGB", fill_checker, NULL);
  g_autofree char *flat_path = ottica_test_scratch_file ("flat.jpg");
  g_autofree char *checker_path = ottica_test_scratch_file ("checker.jpg");
  g_autoptr(Decoded) f = NULL;
  g_autoptr(Decoded) c = NULL;
  OtticaExportOptions o;
  int lo = 255, hi = 0;

  ottica_export_options_init (&o);
  o.chroma = OTTICA_CHROMA_444;
  o.quality = 98;
  o.size_mode = OTTICA_SIZE_LONG_EDGE;
  o.size_value = 97;
  export_ok (flat, NULL, flat_path, &o);
  f = decode_jpeg (flat_path);
  ck_assert_int_eq (f->width, 97);
  /* Linear 0.18 is sRGB 118 on every pixel, corners and edges included. */
  for (gsize i = 0; i < (gsize) f->width * f->height * 3; i++)
    {
      lo = MIN (lo, f->pixels[i]);
      hi = MAX (hi, f->pixels[i]);
    }
  ck_assert_msg (lo >= 117 && hi <= 119, "flat field reduced to %d..%d", lo, hi);

  o.size_value = 181;   /* a factor of 3.3: no integer alignment to hide behind */
  export_ok (checker, NULL, checker_path, &o);
  c = decode_jpeg (checker_path);
  lo = 255;
  hi = 0;
  for (gsize i = 0; i < (gsize) c->width * c->height * 3; i++)
    {
      lo = MIN (lo, c->pixels[i]);
      hi = MAX (hi, c->pixels[i]);
    }
  ck_assert_msg (lo >= 184 && hi <= 192, "checkerboard reduced to %d..%d", lo, hi);
}
END_TEST

/* Output sharpening changes pixels near edges only when asked for, and
 * more for "high" than "low"; flat areas stay as they are. */
START_TEST (test_export_sharpening)
{
  static int width = 240;
  static const OtticaSharpen levels[] = {
    OTTICA_SHARPEN_OFF, OTTICA_SHARPEN_LOW, OTTICA_SHARPEN_STANDARD, OTTICA_SHARPEN_HIGH
  };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = make_source (graph, width, 600, "Rec2020", fill_edge, &width);
  Decoded *d[4] = { NULL };
  double overshoot[4], contrast[4], bright, dark;

  for (int reduce = 0; reduce < 2; reduce++)
    {
      for (int i = 0; i < 4; i++)
        {
          g_autofree char *name = g_strdup_printf ("sharp%d-%d.jpg", reduce, i);
          g_autofree char *path = ottica_test_scratch_file (name);
          OtticaExportOptions o;
          int edge_x;

          ottica_export_options_init (&o);
          o.chroma = OTTICA_CHROMA_444;
          o.quality = 100;
          o.sharpen = levels[i];
          if (reduce)
            {
              o.size_mode = OTTICA_SIZE_WIDTH;
              o.size_value = 120;
            }
          export_ok (source, NULL, path, &o);
          d[i] = decode_jpeg (path);
          edge_x = d[i]->width / 2;
          /* The edge's local contrast: brightest column just right of it
           * against the darkest just left; and how far the bright side
           * overshoots its level far from the edge. */
          bright = -255;
          dark = 255;
          for (int x = edge_x; x < edge_x + 4; x++)
            bright = MAX (bright, mean_channel (d[i], x, 10, 1, d[i]->height - 20, 1));
          for (int x = edge_x - 4; x < edge_x; x++)
            dark = MIN (dark, mean_channel (d[i], x, 10, 1, d[i]->height - 20, 1));
          contrast[i] = bright - dark;
          overshoot[i] = bright - mean_channel (d[i], d[i]->width - 20, 10, 10, d[i]->height - 20, 1);
        }
      ck_assert_msg (overshoot[0] <= 1.5, "unsharpened edge overshoots by %f", overshoot[0]);
      ck_assert_msg (overshoot[3] >= 10.0, "high sharpening overshoots by only %f", overshoot[3]);
      for (int i = 1; i < 4; i++)
        ck_assert_msg (contrast[i] >= contrast[i - 1] + 3.0,
                       "sharpening level %d: edge contrast %f after %f", i, contrast[i], contrast[i - 1]);
      /* Flat areas away from the edge, rows at strip joins included: equal. */
      for (int i = 1; i < 4; i++)
        {
          Decoded *a = d[0], *b = d[i];

          ck_assert_int_eq (a->width, b->width);
          ck_assert_int_eq (a->height, b->height);
          for (int y = 0; y < a->height; y++)
            for (int x = 0; x < a->width; x++)
              {
                gsize k = ((gsize) y * a->width + x) * 3;

                if (abs (x - a->width / 2) < 8)
                  continue;
                ck_assert_msg (abs (a->pixels[k] - b->pixels[k]) <= 1,
                               "level %d changed a flat pixel at %d,%d: %d vs %d",
                               i, x, y, a->pixels[k], b->pixels[k]);
              }
        }
      /* Rows at strip joins are sharpened like the others (no seams). */
      for (int y = 1; y < d[3]->height; y++)
        {
          int x = d[3]->width / 2;

          ck_assert_int_le (abs (d[3]->pixels[((gsize) y * d[3]->width + x) * 3]
                                 - d[3]->pixels[((gsize) (y - 1) * d[3]->width + x) * 3]), 1);
        }
      for (int i = 0; i < 4; i++)
        g_clear_pointer (&d[i], decoded_free);
    }
}
END_TEST

/* Texture with edges: a ramp, a checker of 5-pixel squares and noise. */
static void
fill_texture (int x, int y, float *p, gpointer data)
{
  guint32 h = (guint32) (x * 73856093u) ^ (guint32) (y * 19349663u);
  float noise = (float) ((h >> 8) % 1000) / 1000.0f - 0.5f;
  float base = ((x / 5 + y / 5) & 1) ? 0.6f : 0.08f;

  p[0] = CLAMP (base + 0.03f * noise, 0.0f, 1.0f);
  p[1] = CLAMP (base * (float) x / 300.0f + 0.02f * noise, 0.0f, 1.0f);
  p[2] = CLAMP (0.3f - 0.2f * (float) y / 200.0f, 0.0f, 1.0f);
}

/* The exporter's fused sharpening is GEGL's unsharp mask: the same pixels
 * as gegl:unsharp-mask run on the perceptual values (σ 0.7 × 0.85 and
 * amount 0.8: "standard" at a 300-pixel long edge). */
START_TEST (test_export_sharpening_matches_gegl)
{
  const Babl *srgb = babl_space ("sRGB");
  g_autoptr(GeglNode) graph = gegl_node_new ();
  /* Linear, and inside sRGB's gamut: out-of-gamut values are clipped
   * before sharpening (GEGL would sharpen invisible negative values into
   * coloured fringes). */
  GeglNode *source = make_source (graph, 300, 200, "sRGB", fill_texture, NULL);
  GeglNode *perceptual = gegl_node_new_child (graph, "operation", "gegl:convert-format",
                                              "format", babl_format_with_space ("R'G'B'A float", srgb),
                                              NULL);
  GeglNode *cast = gegl_node_new_child (graph, "operation", "gegl:cast-format",
                                        "input-format", babl_format_with_space ("R'G'B'A float", srgb),
                                        "output-format", babl_format_with_space ("RGBA float", srgb),
                                        NULL);
  GeglNode *usm = gegl_node_new_child (graph, "operation", "gegl:unsharp-mask",
                                       "std-dev", 0.7 * 0.85, "scale", 0.8, "threshold", 0.0, NULL);
  GeglRectangle all = { 0, 0, 300, 200 };
  g_autofree guint8 *expected = g_malloc (300 * 200 * 3);
  g_autofree guint8 *plain = g_malloc (300 * 200 * 3);
  g_autofree char *path = ottica_test_scratch_file ("usm.jpg");
  g_autofree char *off_path = ottica_test_scratch_file ("plain.jpg");
  g_autoptr(Decoded) d = NULL;
  g_autoptr(Decoded) off = NULL;
  OtticaExportOptions o;
  double total = 0, total_jpeg = 0, total_plain = 0;
  int worst = 0, worst_jpeg = 0;

  gegl_node_link_many (source, perceptual, cast, usm, NULL);
  gegl_node_blit (usm, 1.0, &all, babl_format_with_space ("RGB u8", srgb), expected,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  gegl_node_blit (source, 1.0, &all, babl_format_with_space ("R'G'B' u8", srgb), plain,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);

  ottica_export_options_init (&o);
  o.quality = 100;
  o.chroma = OTTICA_CHROMA_444;
  export_ok (source, NULL, off_path, &o);
  o.sharpen = OTTICA_SHARPEN_STANDARD;
  export_ok (source, NULL, path, &o);
  off = decode_jpeg (off_path);
  d = decode_jpeg (path);
  for (gsize i = 0; i < 300 * 200 * 3; i++)
    {
      worst = MAX (worst, abs (d->pixels[i] - expected[i]));
      total += abs (d->pixels[i] - expected[i]);
      worst_jpeg = MAX (worst_jpeg, abs (off->pixels[i] - plain[i]));
      total_jpeg += abs (off->pixels[i] - plain[i]);
      total_plain += abs (d->pixels[i] - plain[i]);
    }
  total /= 300 * 200 * 3;
  total_jpeg /= 300 * 200 * 3;
  total_plain /= 300 * 200 * 3;
  /* The JPEG's own error (measured on the unsharpened export) is all that
   * separates them; the sharpening both apply moves pixels by several
   * levels. */
  ck_assert_msg (worst <= worst_jpeg + 2 && total <= 1.3 * total_jpeg + 0.05,
                 "differs from gegl:unsharp-mask by up to %d levels, %.3f on average "
                 "(the JPEG alone: %d, %.3f)", worst, total, worst_jpeg, total_jpeg);
  ck_assert_msg (total_plain > 3.0, "sharpening moved pixels by only %.2f on average", total_plain);
}
END_TEST

/* gegl:gaussian-blur with a FIR kernel (its IIR filter, the default for
 * a σ over 1, reads whole columns), which reads about 3 σ around what it
 * makes. */
static GeglNode *
fir_blur (GeglNode *graph, double std_dev_x, double std_dev_y)
{
  GeglNode *blur = gegl_node_new_child (graph, "operation", "gegl:gaussian-blur",
                                        "std-dev-x", std_dev_x, "std-dev-y", std_dev_y, NULL);
  GParamSpec *pspec = gegl_node_find_property (blur, "filter");
  GEnumValue *fir;

  ck_assert_ptr_nonnull (pspec);
  fir = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, "fir");
  ck_assert_ptr_nonnull (fir);
  gegl_node_set (blur, "filter", fir->value, NULL);
  return blur;
}

/* A flat colour over @width × @height pixels, blurred by @std_dev, with
 * no pixels in memory until rendered. */
static GeglNode *
blurred_colour (GeglNode *graph, int width, int height, double std_dev)
{
  GeglNode *colour = gegl_node_new_child (graph, "operation", "gegl:color", NULL);
  GeglNode *crop = gegl_node_new_child (graph, "operation", "gegl:crop",
                                        "width", (double) width, "height", (double) height,
                                        NULL);
  GeglNode *blur = fir_blur (graph, std_dev, std_dev);

  gegl_node_link_many (colour, crop, blur, NULL);
  return blur;
}

/* Strips grow with the rows of context the graph's area filters read
 * (to about as many, so a filter reads at most twice the rows it makes),
 * and shrink back within the memory budget on wide images. */
START_TEST (test_export_strip_rows)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *point = gegl_node_new_child (graph, "operation", "gegl:gamma", "value", 1.2, NULL);
  GeglNode *small = blurred_colour (graph, 3000, 4000, 2.0);
  GeglNode *large = blurred_colour (graph, 3000, 4000, 60.0);
  GeglNode *wide = blurred_colour (graph, 20000, 4000, 60.0);
  GeglRectangle band = { 0, 2000 - 128, 3000, 256 };
  int rows, context;

  gegl_node_link (gradient_source (graph, 300, 2000), point);
  ck_assert_int_eq (ottica_jpeg_export_strip_rows (point), 256);
  ck_assert_int_eq (ottica_jpeg_export_strip_rows (small), 256);

  /* σ 60 reads at least 2 × 150 rows around a strip: strips about as
   * tall as that, in whole rows of 128-row tiles. */
  rows = ottica_jpeg_export_strip_rows (large);
  context = ottica_strip_renderer_context_rows (large, &band);
  ck_assert_msg (context >= 300, "a σ 60 blur reads %d rows around a strip", context);
  ck_assert_msg (rows >= context - 64 && rows <= context + 64 && rows % 128 == 0,
                 "strips of %d rows for a σ 60 blur that reads %d rows around them, "
                 "3000 px wide", rows, context);
  /* 20000 px wide, tall strips would take too much memory. */
  rows = ottica_jpeg_export_strip_rows (wide);
  ck_assert_msg (rows >= 256 && rows < 300, "strips of %d rows 20000 px wide", rows);
}
END_TEST

/* Tall strips (several, the last one short) give the same pixels as
 * rendering the whole image at once. */
START_TEST (test_export_tall_strips_seamless)
{
  const Babl *srgb = babl_space ("sRGB");
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = make_source (graph, 160, 1500, "sRGB", fill_texture, NULL);
  GeglNode *blur = fir_blur (graph, 2.0, 60.0);
  GeglRectangle all = { 0, 0, 160, 1500 };
  g_autofree guint8 *expected = g_malloc (160 * 1500 * 3);
  g_autofree char *path = ottica_test_scratch_file ("tall.jpg");
  g_autoptr(Decoded) d = NULL;
  OtticaExportOptions o;
  double total = 0;
  int worst = 0, rows;

  gegl_node_link (source, blur);
  rows = ottica_jpeg_export_strip_rows (blur);
  ck_assert_msg (rows > 256 && rows < 1500, "strips of %d rows for a σ 60 blur", rows);
  gegl_node_blit (blur, 1.0, &all, babl_format_with_space ("R'G'B' u8", srgb), expected,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);

  ottica_export_options_init (&o);
  o.quality = 100;
  o.chroma = OTTICA_CHROMA_444;
  export_ok (blur, NULL, path, &o);
  d = decode_jpeg (path);
  ck_assert_int_eq (d->width, 160);
  ck_assert_int_eq (d->height, 1500);
  for (gsize i = 0; i < 160 * 1500 * 3; i++)
    {
      worst = MAX (worst, abs (d->pixels[i] - expected[i]));
      total += abs (d->pixels[i] - expected[i]);
    }
  total /= 160 * 1500 * 3;
  /* Only the JPEG's rounding separates them (on this texture, up to 4
   * levels at q100 4:4:4); strips misplaced or cut short would not. */
  ck_assert_msg (worst <= 5 && total < 0.6,
                 "differs from the whole-image render by up to %d levels, %.3f on average",
                 worst, total);
}
END_TEST

/* @node rendered in bands of @band_rows rows through an
 * OtticaStripRenderer, top to bottom or bottom to top, as RGBA float;
 * how many filter inputs the renderer cut, and whether it rendered the
 * next band's rows ahead (where @ahead allows). */
static float *
render_bands (GeglNode *node, int band_rows, gboolean upwards, gboolean ahead,
              guint *n_windows, gboolean *rendered_ahead)
{
  const Babl *format = babl_format ("RGBA float");
  GeglRectangle bbox = gegl_node_get_bounding_box (node);
  float *pixels = g_new0 (float, (gsize) bbox.width * bbox.height * 4);
  OtticaStripRenderer *renderer = ottica_strip_renderer_new (node, band_rows);
  int n_bands = (bbox.height + band_rows - 1) / band_rows;

  if (!ahead)
    ottica_strip_renderer_set_lookahead (renderer, FALSE);
  *n_windows = ottica_strip_renderer_get_n_windows (renderer);
  if (rendered_ahead != NULL)
    *rendered_ahead = ottica_strip_renderer_get_lookahead (renderer);
  for (int i = 0; i < n_bands; i++)
    {
      int band = upwards ? n_bands - 1 - i : i;
      GeglRectangle rect = { bbox.x, bbox.y + band * band_rows, bbox.width,
                             MIN (band_rows, bbox.height - band * band_rows) };

      ottica_strip_renderer_blit (renderer, &rect, format,
                                  pixels + (gsize) band * band_rows * bbox.width * 4);
    }
  ottica_strip_renderer_free (renderer);
  return pixels;
}

static float *
render_in_bands (GeglNode *node, int band_rows, gboolean upwards, guint *n_windows)
{
  return render_bands (node, band_rows, upwards, TRUE, n_windows, NULL);
}

static float *
render_whole (GeglNode *node)
{
  GeglRectangle bbox = gegl_node_get_bounding_box (node);
  float *pixels = g_new0 (float, (gsize) bbox.width * bbox.height * 4);

  gegl_node_blit (node, 1.0, &bbox, babl_format ("RGBA float"), pixels,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return pixels;
}

static void
assert_same_pixels (const float *a, const float *b, const GeglRectangle *bbox, const char *what)
{
  gsize n = (gsize) bbox->width * bbox->height * 4;

  for (gsize i = 0; i < n; i++)
    if (memcmp (&a[i], &b[i], sizeof (float)) != 0)
      ck_abort_msg ("%s: pixel (%d, %d) channel %d is %.9g, the whole render's %.9g", what,
                    (int) (i / 4 % bbox->width), (int) (i / 4 / bbox->width), (int) (i % 4),
                    a[i], b[i]);
}

/* Two area filters in a row, a point op between them: rendered in bands
 * through the renderer, the same bits as a whole render, in either
 * order of bands; and the graph is connected as before afterwards. */
START_TEST (test_strip_renderer_same_pixels)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = make_source (graph, 96, 900, "sRGB", fill_texture, NULL);
  GeglNode *first = fir_blur (graph, 1.5, 20.0);
  GeglNode *gamma = gegl_node_new_child (graph, "operation", "gegl:gamma", "value", 0.8, NULL);
  GeglNode *second = fir_blur (graph, 3.0, 9.0);
  GeglRectangle bbox = { 0, 0, 96, 900 };
  g_autofree float *whole = NULL;
  g_autofree float *down = NULL;
  g_autofree float *up = NULL;
  g_autofree float *alone = NULL;
  g_autofree float *again = NULL;
  guint n_windows = 0;
  gboolean ahead = FALSE;

  gegl_node_link_many (source, first, gamma, second, NULL);
  whole = render_whole (second);

  down = render_bands (second, 128, FALSE, TRUE, &n_windows, &ahead);
  /* gaussian-blur is a meta operation: its vertical pass is the filter
   * whose input is cut, in each of the two. */
  ck_assert_uint_eq (n_windows, 2);
  /* the producers and the filters below the cuts share no node: the next
   * band's rows are rendered while a band is made */
  ck_assert (ahead);
  assert_same_pixels (down, whole, &bbox, "bands top to bottom, rendered ahead");
  alone = render_bands (second, 128, FALSE, FALSE, &n_windows, &ahead);
  ck_assert (!ahead);
  assert_same_pixels (alone, whole, &bbox, "bands top to bottom, one at a time");
  up = render_in_bands (second, 128, TRUE, &n_windows);
  assert_same_pixels (up, whole, &bbox, "bands bottom to top");

  ck_assert_ptr_eq (gegl_node_get_producer (second, "input", NULL), gamma);
  ck_assert_ptr_eq (gegl_node_get_producer (gamma, "input", NULL), first);
  again = render_whole (second);
  assert_same_pixels (again, whole, &bbox, "the graph after the renderer");
}
END_TEST

/* An area filter whose output is read both directly and by a second
 * filter: the second one's buffer must be filled first, since what it
 * renders is read from the first one's. Wired both ways round (to the
 * input and the aux of gegl:add), so that whichever pad the renderer
 * finds first, one of the two needs the windows put in order. */
START_TEST (test_strip_renderer_shared_input)
{
  for (int wiring = 0; wiring < 2; wiring++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *source = make_source (graph, 80, 700, "sRGB", fill_texture, NULL);
      GeglNode *first = fir_blur (graph, 1.0, 12.0);
      GeglNode *second = fir_blur (graph, 1.0, 30.0);
      GeglNode *mix = gegl_node_new_child (graph, "operation", "gegl:add", NULL);
      GeglRectangle bbox = { 0, 0, 80, 700 };
      g_autofree float *whole = NULL;
      g_autofree float *bands = NULL;
      guint n_windows = 0;
      gboolean ahead = TRUE;

      gegl_node_link_many (source, first, second, NULL);
      gegl_node_connect_to (wiring == 0 ? first : second, "output", mix, "input");
      gegl_node_connect_to (wiring == 0 ? second : first, "output", mix, "aux");
      whole = render_whole (mix);
      bands = render_bands (mix, 100, FALSE, TRUE, &n_windows, &ahead);
      ck_assert_uint_eq (n_windows, 2);
      /* the first filter is below a cut (mix reads it) and above one (the
       * second filter's producer reads it): one band at a time */
      ck_assert (!ahead);
      assert_same_pixels (bands, whole, &bbox, wiring == 0 ? "a filter read twice (input first)"
                                                           : "a filter read twice (aux first)");
    }
}
END_TEST

/* A blur after a straightening (gegl:transform): its input is cut, the
 * transform's is not (its sampler reads beyond the rows it asks for, where
 * the thread ahead writes), and with a resampling sampler nothing is
 * rendered ahead (its pixels depend on how GEGL splits its work, which
 * two renders at once change); a quarter turn (nearest) may be. The same
 * bits as a whole render either way. */
START_TEST (test_strip_renderer_resampler)
{
  for (int turn = 0; turn < 2; turn++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *source = make_source (graph, 640, 600, "sRGB", fill_texture, NULL);
      /* 3 degrees, or a quarter turn exactly */
      const double c = turn ? 0.0 : cos (3.0 * G_PI / 180.0);
      const double s = turn ? 1.0 : sin (3.0 * G_PI / 180.0);
      GeglMatrix3 turning = { { { c, -s, turn ? 600.0 : 40.0 }, { s, c, 0.0 }, { 0.0, 0.0, 1.0 } } };
      g_autofree char *matrix = NULL;
      GeglNode *transform = gegl_node_new_child (graph, "operation", "gegl:transform",
                                                 "transform",
                                                 (matrix = gegl_matrix3_to_string (&turning)),
                                                 "sampler", turn ? GEGL_SAMPLER_NEAREST
                                                                 : GEGL_SAMPLER_CUBIC,
                                                 NULL);
      GeglNode *crop = gegl_node_new_child (graph, "operation", "gegl:crop",
                                            "x", 60.0, "y", 40.0, "width", 480.0, "height", 500.0,
                                            NULL);
      GeglNode *blur = fir_blur (graph, 1.0, 20.0);
      GeglRectangle bbox;
      g_autofree float *whole = NULL;
      g_autofree float *bands = NULL;
      guint n_windows = 0;
      gboolean ahead = !turn;

      gegl_node_link_many (source, transform, crop, blur, NULL);
      bbox = gegl_node_get_bounding_box (blur);
      whole = render_whole (blur);
      bands = render_bands (blur, 64, FALSE, TRUE, &n_windows, &ahead);
      ck_assert_uint_eq (n_windows, 1);
      ck_assert_ptr_eq (gegl_node_get_producer (transform, "input", NULL), source);
      if (turn)
        ck_assert_msg (ahead, "a quarter turn keeps the next band's rows rendered ahead");
      else
        ck_assert_msg (!ahead, "rows rendered ahead while a resampler's work is split by chance");
      assert_same_pixels (bands, whole, &bbox, turn ? "a quarter turn, then a blur"
                                                    : "a straightening, then a blur");
    }
}
END_TEST

/* A graph of point operations only: nothing is cut. */
START_TEST (test_strip_renderer_point_ops_untouched)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *gamma = gegl_node_new_child (graph, "operation", "gegl:gamma", "value", 1.2, NULL);
  GeglRectangle bbox = { 0, 0, 300, 600 };
  g_autofree float *whole = NULL;
  g_autofree float *bands = NULL;
  guint n_windows = 99;

  gegl_node_link (gradient_source (graph, 300, 600), gamma);
  whole = render_whole (gamma);
  bands = render_in_bands (gamma, 256, FALSE, &n_windows);
  ck_assert_uint_eq (n_windows, 0);
  assert_same_pixels (bands, whole, &bbox, "point ops");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Colour                                                              */

static void
fill_ramp (int x, int y, float *p, gpointer data)
{
  const Babl *fish = data;
  guint8 v[3] = { (guint8) x, (guint8) x, (guint8) x };

  babl_process (fish, v, p, 1);
  p[3] = 1.0f;
}

/* A grey ramp through the linear Rec.2020 float working space comes out of
 * an sRGB export as the same 8-bit values. */
START_TEST (test_export_grey_ramp)
{
  const Babl *to_working = babl_fish (babl_format_with_space ("R'G'B' u8", babl_space ("sRGB")),
                                      babl_format_with_space ("RGBA float", babl_space ("Rec2020")));
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = make_source (graph, 256, 16, "Rec2020", fill_ramp, (gpointer) to_working);
  g_autofree char *path = ottica_test_scratch_file ("ramp.jpg");
  g_autoptr(Decoded) d = NULL;
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  o.quality = 100;
  o.chroma = OTTICA_CHROMA_444;
  export_ok (source, NULL, path, &o);
  d = decode_jpeg (path);
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 256; x++)
      for (int c = 0; c < 3; c++)
        ck_assert_msg (abs (d->pixels[((gsize) y * 256 + x) * 3 + c] - x) <= 1,
                       "ramp %d,%d came back as %d", x, y, d->pixels[((gsize) y * 256 + x) * 3 + c]);
}
END_TEST

/* A saturated colour in linear Rec.2020 decodes, through the profile
 * embedded in each export, to the same Lab: the pixels are in the space
 * the profile says. */
START_TEST (test_export_wide_colour)
{
  static const OtticaColorSpace spaces[] = {
    OTTICA_COLOR_SPACE_SRGB, OTTICA_COLOR_SPACE_DISPLAY_P3, OTTICA_COLOR_SPACE_ADOBE_RGB
  };
  /* Linear Rec.2020 values: a saturated orange and a green inside all
   * three gamuts, and a green inside Display P3 and Adobe RGB but outside
   * sRGB (its sRGB red is −0.05), which only the wide spaces keep. */
  static float colours[][3] = {
    { 0.42f, 0.09f, 0.02f }, { 0.2062f, 0.4317f, 0.0864f }, { 0.1408f, 0.4742f, 0.0874f }
  };
  static const gboolean in_srgb[] = { TRUE, TRUE, FALSE };

  for (gsize k = 0; k < G_N_ELEMENTS (colours); k++)
    {
      g_autoptr(GeglNode) graph = gegl_node_new ();
      GeglNode *source = make_source (graph, 64, 64, "Rec2020", fill_constant, colours[k]);
      GeglRectangle one = { 32, 32, 1, 1 };
      g_autofree float *expected = ottica_test_render_lab (source, &one);

      for (gsize i = 0; i < G_N_ELEMENTS (spaces); i++)
        {
          g_autofree char *name = g_strdup_printf ("colour%zu-%zu.jpg", k, i);
          g_autofree char *path = ottica_test_scratch_file (name);
          g_autoptr(Decoded) d = NULL;
          cmsHPROFILE in, lab;
          cmsHTRANSFORM transform;
          guint8 rgb[3];
          double lab_d[3];
          float got[3];
          double de;
          OtticaExportOptions o;

          ottica_export_options_init (&o);
          o.quality = 100;
          o.chroma = OTTICA_CHROMA_444;
          o.color_space = spaces[i];
          export_ok (source, NULL, path, &o);
          d = decode_jpeg (path);
          ck_assert_ptr_nonnull (d->icc);

          in = cmsOpenProfileFromMem (d->icc, d->icc_length);
          ck_assert_ptr_nonnull (in);
          lab = cmsCreateLab4Profile (NULL);
          transform = cmsCreateTransform (in, TYPE_RGB_8, lab, TYPE_Lab_DBL,
                                          INTENT_RELATIVE_COLORIMETRIC, 0);
          ck_assert_ptr_nonnull (transform);
          memcpy (rgb, d->pixels + ((gsize) 32 * d->width + 32) * 3, 3);
          cmsDoTransform (transform, rgb, lab_d, 1);
          cmsDeleteTransform (transform);
          cmsCloseProfile (lab);
          cmsCloseProfile (in);

          got[0] = (float) lab_d[0];
          got[1] = (float) lab_d[1];
          got[2] = (float) lab_d[2];
          de = ottica_test_delta_e (expected, got);
          if (!in_srgb[k] && spaces[i] == OTTICA_COLOR_SPACE_SRGB)
            {
              ck_assert_msg (de > 2.5, "a colour outside sRGB survived an sRGB export (ΔE %.2f)", de);
              continue;
            }
          ck_assert_msg (de < 2.0,
                         "colour %zu in %s: Lab %.2f %.2f %.2f expected %.2f %.2f %.2f (ΔE %.2f)",
                         k, ottica_color_space_to_string (spaces[i]), got[0], got[1], got[2],
                         expected[0], expected[1], expected[2], de);
        }
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Metadata                                                            */

static char *
export_with_metadata (const char *source_file, OtticaMetadataPolicy policy, const char *name,
                      int width, int height)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, width, height);
  char *path = ottica_test_scratch_file (name);
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  o.metadata = policy;
  export_ok (source, source_file, path, &o);
  return path;
}

static void
check_common_metadata (const char *original, const char *path, int width, int height)
{
  g_autoptr(GExiv2Metadata) src = read_metadata (original);
  g_autoptr(GExiv2Metadata) out = read_metadata (path);
  static const char * const kept[] = {
    "Exif.Image.Make", "Exif.Image.Model", "Exif.Photo.DateTimeOriginal", NULL
  };
  g_autofree char *software = tag (out, "Exif.Image.Software");
  g_autofree char *expected_software = g_strdup_printf ("Ottica %s", PACKAGE_VERSION);
  g_autofree char *orientation = tag (out, "Exif.Image.Orientation");
  g_autoptr(Decoded) d = decode_jpeg (path);
  int n_app1 = 0;

  for (gsize i = 0; kept[i] != NULL; i++)
    {
      g_autofree char *a = tag (src, kept[i]);
      g_autofree char *b = tag (out, kept[i]);

      ck_assert_msg (a != NULL, "the sample has no %s", kept[i]);
      ck_assert_msg (b != NULL && strcmp (a, b) == 0, "%s: “%s” became “%s”", kept[i], a, b);
    }
  ck_assert_str_eq (orientation, "1");
  ck_assert_int_eq (gexiv2_metadata_try_get_tag_long (out, "Exif.Photo.PixelXDimension", NULL), width);
  ck_assert_int_eq (gexiv2_metadata_try_get_tag_long (out, "Exif.Photo.PixelYDimension", NULL), height);
  ck_assert_str_eq (software, expected_software);
  ck_assert (!has_key_with_prefix (out, "Exif.Thumbnail."));
  /* Metadata went in without disturbing the pixels or the profile. */
  ck_assert_int_eq (d->width, width);
  ck_assert_ptr_nonnull (d->icc);
  ck_assert_uint_le (app_segment_length (path, 0xE1, "Exif", &n_app1), 65535);
  ck_assert_int_eq (n_app1, 1);
}

START_TEST (test_metadata_olympus)
{
  g_autofree char *sample = ottica_test_sample ("jpeg/olympus_e-p3.jpg");
  g_autofree char *path = NULL;
  g_autoptr(GExiv2Metadata) out = NULL;
  g_autofree char *exposure = NULL;

  if (sample == NULL)
    {
      ottica_test_skip ("samples/jpeg/olympus_e-p3.jpg not present");
      return;
    }
  path = export_with_metadata (sample, OTTICA_METADATA_ALL, "olympus.jpg", 160, 120);
  check_common_metadata (sample, path, 160, 120);
  out = read_metadata (path);
  exposure = tag (out, "Exif.Photo.ExposureTime");
  ck_assert_str_eq (exposure, "1/30");
  /* The maker note travels (exiv2 0.27 re-encodes it with the newer "OM
   * SYSTEM" header, which exiftool reads and exiv2 0.27 itself does not). */
  ck_assert (gexiv2_metadata_try_has_tag (out, "Exif.Photo.MakerNote", NULL));
  ck_assert_int_eq (gexiv2_metadata_try_get_tag_long (out, "Exif.Photo.ColorSpace", NULL), 1);
}
END_TEST

START_TEST (test_metadata_canon_cr2)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autofree char *path = NULL;
  g_autoptr(GExiv2Metadata) out = NULL;
  static const char * const raw_only[] = {
    "Exif.Image.StripOffsets", "Exif.Image.StripByteCounts", "Exif.Image.Compression",
    "Exif.Image.BitsPerSample", "Exif.Image.NewSubfileType", "Exif.Image.SubIFDs",
    "Exif.Image.RowsPerStrip", NULL
  };

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }
  path = export_with_metadata (cr2, OTTICA_METADATA_ALL, "canon.jpg", 180, 120);
  check_common_metadata (cr2, path, 180, 120);
  out = read_metadata (path);
  for (gsize i = 0; raw_only[i] != NULL; i++)
    ck_assert_msg (!gexiv2_metadata_try_has_tag (out, raw_only[i], NULL), "%s was copied", raw_only[i]);
  ck_assert (!has_key_with_prefix (out, "Exif.Image2."));
  ck_assert (!has_key_with_prefix (out, "Exif.Image3."));
  /* The CR2's IFD0 size (its preview's) now says the export's. */
  ck_assert_int_eq (gexiv2_metadata_try_get_tag_long (out, "Exif.Image.ImageWidth", NULL), 180);
  ck_assert_int_eq (gexiv2_metadata_try_get_tag_long (out, "Exif.Image.ImageLength", NULL), 120);
  /* Canon's maker note is readable in the export. */
  ck_assert (has_key_with_prefix (out, "Exif.CanonCs."));
}
END_TEST

START_TEST (test_metadata_dng)
{
  g_autofree char *dng = ottica_test_sample ("raw/canon_eos_550d_magiclantern_colorchecker.dng");
  g_autofree char *path = NULL;
  g_autoptr(GExiv2Metadata) out = NULL;
  g_autofree char *model = NULL;

  if (dng == NULL)
    {
      ottica_test_skip ("samples/raw/canon_eos_550d_magiclantern_colorchecker.dng not present");
      return;
    }
  path = export_with_metadata (dng, OTTICA_METADATA_ALL, "dng.jpg", 120, 80);
  out = read_metadata (path);
  model = tag (out, "Exif.Image.Model");
  ck_assert_str_eq (model, "Canon EOS Kiss X4");
  for (const char * const *t = (const char * const[]) {
         "Exif.Image.DNGVersion", "Exif.Image.ColorMatrix1", "Exif.Image.AsShotNeutral",
         "Exif.Image.CFAPattern", "Exif.Image.BlackLevel", "Exif.Image.ActiveArea",
         "Exif.Image.PhotometricInterpretation", "Exif.Image.NewSubfileType", NULL };
       *t != NULL; t++)
    ck_assert_msg (!gexiv2_metadata_try_has_tag (out, *t, NULL), "%s was copied", *t);
}
END_TEST

START_TEST (test_metadata_no_gps)
{
  g_autofree char *sample = ottica_test_sample ("jpeg/iphone13mini_displayp3_gainmap.jpg");
  g_autofree char *all = NULL, *no_gps = NULL;
  g_autoptr(GExiv2Metadata) src = NULL;
  g_autoptr(GExiv2Metadata) a = NULL;
  g_autoptr(GExiv2Metadata) b = NULL;
  g_autofree char *make = NULL;

  if (sample == NULL)
    {
      ottica_test_skip ("samples/jpeg/iphone13mini_displayp3_gainmap.jpg not present");
      return;
    }
  src = read_metadata (sample);
  ck_assert_msg (has_key_with_prefix (src, "Exif.GPSInfo."), "the sample has no GPS");

  all = export_with_metadata (sample, OTTICA_METADATA_ALL, "all.jpg", 96, 128);
  no_gps = export_with_metadata (sample, OTTICA_METADATA_NO_GPS, "nogps.jpg", 96, 128);
  a = read_metadata (all);
  b = read_metadata (no_gps);
  ck_assert (has_key_with_prefix (a, "Exif.GPSInfo."));
  ck_assert (!has_key_with_prefix (b, "Exif.GPSInfo."));
  ck_assert (!has_key_with_prefix (b, "Xmp.exif.GPS"));
  ck_assert (!gexiv2_metadata_try_has_tag (b, "Exif.Image.GPSTag", NULL));
  make = tag (b, "Exif.Image.Make");
  ck_assert_str_eq (make, "Apple");
  /* The source's Display P3 profile is not what the export is in. */
  {
    g_autoptr(Decoded) d = decode_jpeg (no_gps);
    cmsHPROFILE p = cmsOpenProfileFromMem (d->icc, d->icc_length);
    char description[128];

    cmsGetProfileInfoASCII (p, cmsInfoDescription, "en", "US", description, sizeof description);
    ck_assert_str_eq (description, "sRGB IEC61966-2.1");
    cmsCloseProfile (p);
  }
}
END_TEST

START_TEST (test_metadata_none)
{
  g_autofree char *sample = ottica_test_sample ("jpeg/olympus_e-p3.jpg");
  const char *source = sample != NULL ? sample : ottica_test_canon_cr2 ();
  g_autofree char *path = NULL;
  g_autoptr(GExiv2Metadata) out = NULL;
  g_autoptr(Decoded) d = NULL;
  int n = 0;

  if (source == NULL)
    {
      ottica_test_skip ("neither the Olympus sample nor the Canon CR2 is present");
      return;
    }
  path = export_with_metadata (source, OTTICA_METADATA_NONE, "none.jpg", 64, 48);
  app_segment_length (path, 0xE1, NULL, &n);
  ck_assert_int_eq (n, 0);
  app_segment_length (path, 0xED, NULL, &n);
  ck_assert_int_eq (n, 0);
  out = read_metadata (path);
  ck_assert (!gexiv2_metadata_has_exif (out));
  ck_assert (!gexiv2_metadata_has_xmp (out));
  ck_assert (!gexiv2_metadata_has_iptc (out));
  d = decode_jpeg (path);
  ck_assert_ptr_nonnull (d->icc);
}
END_TEST

/* Pixel's Extended XMP is not carried and its pointer goes with it; the
 * written XMP and EXIF segments are well-formed. */
START_TEST (test_metadata_extended_xmp)
{
  g_autofree char *sample = ottica_test_sample ("jpeg/pixel_hdrplus_12mp_srgb_v4icc.jpg");
  g_autofree char *path = NULL;
  g_autoptr(GExiv2Metadata) out = NULL;
  g_autoptr(GExiv2Metadata) src = NULL;
  g_autofree char *a = NULL, *b = NULL;

  if (sample == NULL)
    {
      ottica_test_skip ("samples/jpeg/pixel_hdrplus_12mp_srgb_v4icc.jpg not present");
      return;
    }
  path = export_with_metadata (sample, OTTICA_METADATA_ALL, "pixel.jpg", 120, 160);
  src = read_metadata (sample);
  out = read_metadata (path);
  ck_assert (!gexiv2_metadata_try_has_tag (out, "Xmp.xmpNote.HasExtendedXMP", NULL));
  ck_assert_int_eq (app_segment_length (path, 0xE1, "http://ns.adobe.com/xmp/extension/", NULL), 0);
  a = tag (src, "Exif.Photo.DateTimeOriginal");
  b = tag (out, "Exif.Photo.DateTimeOriginal");
  ck_assert_str_eq (a, b);
  /* The source said "rotate 90°"; the export is upright. */
  g_clear_pointer (&a, g_free);
  a = tag (out, "Exif.Image.Orientation");
  ck_assert_str_eq (a, "1");
}
END_TEST

/* A source whose EXIF cannot fit in a JPEG's 64 KB APP1 (a TIFF may carry
 * any amount): the maker note goes first, the rest is kept. */
START_TEST (test_metadata_app1_limit)
{
  g_autofree char *tiff = ottica_test_scratch_file ("big-exif.tif");
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GExiv2Metadata) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *comment = NULL;
  GString *maker = g_string_new (NULL);
  GString *text = g_string_new ("charset=Ascii ");

  ottica_test_write_ramp (tiff, 32, 32);
  ck_assert (gexiv2_metadata_open_path (meta, tiff, &error));
  /* 40 KB of maker note (an unknown vendor's: kept as raw bytes) and a
   * 30 KB comment: 70 KB together. */
  for (int i = 0; i < 40000; i++)
    g_string_append_printf (maker, "%s%d", i ? " " : "", i % 251);
  for (int i = 0; i < 30000; i++)
    g_string_append_c (text, 'a' + i % 26);
  ck_assert (gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Make", "Nobody", NULL));
  ck_assert (gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Model", "Test 1", NULL));
  ck_assert (gexiv2_metadata_try_set_tag_string (meta, "Exif.Photo.DateTimeOriginal",
                                                 "2021:03:04 05:06:07", NULL));
  ck_assert (gexiv2_metadata_try_set_tag_string (meta, "Exif.Photo.MakerNote", maker->str, NULL));
  ck_assert (gexiv2_metadata_try_set_tag_string (meta, "Exif.Photo.UserComment", text->str, NULL));
  ck_assert_msg (gexiv2_metadata_save_file (meta, tiff, &error), "%s", error ? error->message : "");
  g_string_free (maker, TRUE);
  g_string_free (text, TRUE);

  path = export_with_metadata (tiff, OTTICA_METADATA_ALL, "big.jpg", 32, 32);
  ck_assert_uint_le (app_segment_length (path, 0xE1, "Exif", NULL), 65535);
  out = read_metadata (path);
  ck_assert (!gexiv2_metadata_try_has_tag (out, "Exif.Photo.MakerNote", NULL));
  comment = tag (out, "Exif.Photo.UserComment");
  ck_assert_ptr_nonnull (comment);
  ck_assert_uint_ge (strlen (comment), 30000);
  g_clear_pointer (&comment, g_free);
  comment = tag (out, "Exif.Image.Model");
  ck_assert_str_eq (comment, "Test 1");
}
END_TEST

/* A source exiv2 cannot read (or one without metadata) still exports, with
 * Ottica's own tags. */
START_TEST (test_metadata_unreadable_source)
{
  g_autofree char *junk = ottica_test_scratch_file ("junk.bin");
  g_autofree char *path = NULL;
  g_autoptr(GExiv2Metadata) out = NULL;
  g_autofree char *software = NULL;

  ck_assert (g_file_set_contents (junk, "not an image at all", -1, NULL));
  path = export_with_metadata (junk, OTTICA_METADATA_ALL, "plain.jpg", 40, 30);
  out = read_metadata (path);
  software = tag (out, "Exif.Image.Software");
  ck_assert_ptr_nonnull (software);
  ck_assert (g_str_has_prefix (software, "Ottica "));
  ck_assert_int_eq (gexiv2_metadata_try_get_tag_long (out, "Exif.Photo.PixelXDimension", NULL), 40);
}
END_TEST

START_TEST (test_metadata_date_and_describe)
{
  g_autofree char *olympus = ottica_test_sample ("jpeg/olympus_e-p3.jpg");
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autofree char *plain = ottica_test_scratch_file ("plain.png");
  g_autofree char *none = NULL;

  ottica_test_write_ramp (plain, 16, 16);
  none = ottica_metadata_describe (plain);
  ck_assert_ptr_null (none);
  g_clear_pointer (&none, g_free);
  none = ottica_metadata_capture_date (plain);
  ck_assert_ptr_null (none);

  if (olympus == NULL && cr2 == NULL)
    {
      ottica_test_skip ("neither the Olympus sample nor the Canon CR2 is present");
      return;
    }
  if (olympus != NULL)
    {
      g_autofree char *date = ottica_metadata_capture_date (olympus);
      g_autofree char *text = ottica_metadata_describe (olympus);

      ck_assert_str_eq (date, "2014-08-23");
      ck_assert_ptr_nonnull (strstr (text, "Camera: OLYMPUS IMAGING CORP. E-P3\n"));
      ck_assert_ptr_nonnull (strstr (text, "Exposure: 1/30 s, f/3.6, ISO 1600\n"));
      ck_assert_ptr_nonnull (strstr (text, "Taken: 2014-08-23 13:05:43\n"));
      ck_assert_ptr_nonnull (strstr (text, "Lens: "));
    }
  if (cr2 != NULL)
    {
      g_autofree char *date = ottica_metadata_capture_date (cr2);
      g_autofree char *text = ottica_metadata_describe (cr2);

      ck_assert_str_eq (date, "2009-07-21");
      ck_assert_ptr_nonnull (strstr (text, "Camera: Canon EOS 30D\n"));
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Files                                                               */

START_TEST (test_never_overwrite)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 64, 64);
  g_autofree char *path = ottica_test_scratch_file ("taken.jpg");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  OtticaExportOptions o;

  ck_assert (g_file_set_contents (path, "precious", -1, NULL));
  ottica_export_options_init (&o);
  ck_assert (!ottica_jpeg_export (source, NULL, path, &o, NULL, NULL, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS));
  ck_assert_ptr_nonnull (strstr (error->message, "“taken.jpg”"));
  ck_assert (g_file_get_contents (path, &contents, NULL, NULL));
  ck_assert_str_eq (contents, "precious");
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 1);

  o.overwrite = TRUE;
  export_ok (source, NULL, path, &o);
  {
    g_autoptr(Decoded) d = decode_jpeg (path);

    ck_assert_int_eq (d->width, 64);
  }
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 1);
}
END_TEST

/* Exporting over the photo the metadata comes from is refused even with
 * overwrite: originals are never written. */
START_TEST (test_never_write_original)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 32, 32);
  g_autofree char *original = ottica_test_scratch_file ("original.jpg");
  g_autofree char *before = NULL, *after = NULL;
  gsize before_len, after_len;
  g_autoptr(GError) error = NULL;
  OtticaExportOptions o;

  ottica_test_write_ramp (original, 32, 32);
  ck_assert (g_file_get_contents (original, &before, &before_len, NULL));
  ottica_export_options_init (&o);
  o.overwrite = TRUE;
  ck_assert (!ottica_jpeg_export (source, original, original, &o, NULL, NULL, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert (g_file_get_contents (original, &after, &after_len, NULL));
  ck_assert (before_len == after_len && memcmp (before, after, before_len) == 0);
}
END_TEST

typedef struct
{
  GCancellable *cancellable;
  int           calls;
  double        last;
  gboolean      monotonic;
} ProgressState;

static void
on_progress (double fraction, gpointer data)
{
  ProgressState *s = data;

  if (fraction < s->last)
    s->monotonic = FALSE;
  s->last = fraction;
  s->calls++;
  if (s->cancellable != NULL && s->calls == 2)
    g_cancellable_cancel (s->cancellable);
}

START_TEST (test_progress)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 64, 1300);
  g_autofree char *path = ottica_test_scratch_file ("progress.jpg");
  ProgressState state = { NULL, 0, 0.0, TRUE };
  g_autoptr(GError) error = NULL;
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  ck_assert (ottica_jpeg_export (source, NULL, path, &o, on_progress, &state, NULL, &error));
  ck_assert_int_ge (state.calls, 3);
  ck_assert (state.monotonic);
  ck_assert (state.last == 1.0);
}
END_TEST

START_TEST (test_cancel)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 64, 1300);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *path = ottica_test_scratch_file ("cancelled.jpg");
  ProgressState state = { cancellable, 0, 0.0, TRUE };
  g_autoptr(GError) error = NULL;
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  /* Cancelled between strips, with the metadata step ahead. */
  ck_assert (!ottica_jpeg_export (source, ottica_test_canon_cr2 (), path, &o,
                                  on_progress, &state, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert (state.last < 1.0);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 0);

  /* Cancelled before it starts. */
  g_clear_error (&error);
  ck_assert (!ottica_jpeg_export (source, NULL, path, &o, NULL, NULL, cancellable, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_int_eq (count_entries (ottica_test_scratch_dir ()), 0);
}
END_TEST

START_TEST (test_unwritable_folder)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gradient_source (graph, 32, 32);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  OtticaExportOptions o;

  /* root writes anywhere it can chmod; sysfs refuses new files even to it. */
  if (geteuid () == 0)
    dir = g_strdup ("/sys");
  else
    {
      dir = ottica_test_scratch_file ("locked");
      ck_assert (g_mkdir (dir, 0555) == 0);
    }
  path = g_build_filename (dir, "photo.jpg", NULL);
  ottica_export_options_init (&o);
  ck_assert (!ottica_jpeg_export (source, NULL, path, &o, NULL, NULL, NULL, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (strstr (error->message, "“photo.jpg”") != NULL, "message: %s", error->message);
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));

  g_clear_error (&error);
  g_clear_pointer (&path, g_free);
  path = ottica_test_scratch_file ("no/such/folder/photo.jpg");
  ck_assert (!ottica_jpeg_export (source, NULL, path, &o, NULL, NULL, NULL, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  ck_assert_ptr_nonnull (strstr (error->message, "“photo.jpg”"));
}
END_TEST

START_TEST (test_empty_node)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *empty = gegl_node_new_child (graph, "operation", "gegl:buffer-source", NULL);
  g_autofree char *path = ottica_test_scratch_file ("empty.jpg");
  g_autoptr(GError) error = NULL;
  OtticaExportOptions o;

  ottica_export_options_init (&o);
  ck_assert (!ottica_jpeg_export (empty, NULL, path, &o, NULL, NULL, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));

  g_clear_error (&error);
  o.quality = 0;
  ck_assert (!ottica_jpeg_export (empty, NULL, path, &o, NULL, NULL, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID));
}
END_TEST

/* A real photo through GEGL's own loader, tall enough for many strips
 * and the render thread, reduced and sharpened: it comes out the size
 * asked for and looks like the photo (mean colour within a few levels). */
START_TEST (test_export_real_photo)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *load;
  g_autofree char *full = ottica_test_scratch_file ("full.jpg");
  g_autofree char *small = ottica_test_scratch_file ("small.jpg");
  g_autoptr(Decoded) a = NULL;
  g_autoptr(Decoded) b = NULL;
  GeglRectangle box;
  OtticaExportOptions o;

  if (!g_file_test (photo, G_FILE_TEST_IS_REGULAR))
    {
      ottica_test_skip ("data/samples/friends.jpg is not there yet");
      return;
    }
  load = gegl_node_new_child (graph, "operation", "gegl:jpg-load", "path", photo, NULL);
  box = gegl_node_get_bounding_box (load);
  ottica_export_options_init (&o);
  export_ok (load, photo, full, &o);
  o.size_mode = OTTICA_SIZE_LONG_EDGE;
  o.size_value = 800;
  o.sharpen = OTTICA_SHARPEN_STANDARD;
  export_ok (load, photo, small, &o);
  a = decode_jpeg (full);
  b = decode_jpeg (small);
  ck_assert_int_eq (a->width, box.width);
  ck_assert_int_eq (a->height, box.height);
  ck_assert_int_eq (MAX (b->width, b->height), 800);
  for (int c = 0; c < 3; c++)
    {
      double ma = mean_channel (a, 0, 0, a->width, a->height, c);
      double mb = mean_channel (b, 0, 0, b->width, b->height, c);

      ck_assert_msg (fabs (ma - mb) < 3.0, "channel %d mean %f full, %f reduced", c, ma, mb);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Integer sources into linear light, and the same bytes every run     */

/* babl's own double-precision matrix from @space's linear RGB to
 * Rec. 2020 (its reference path, through XYZ). */
static void
reference_matrix (const Babl *space, double m[3][3])
{
  const double primaries[12] = { 1, 0, 0, 1,  0, 1, 0, 1,  0, 0, 1, 1 };
  double out[12];

  babl_process (babl_fish (babl_format_with_space ("RGBA double", space),
                           babl_format_with_space ("RGBA double", babl_space ("Rec2020"))),
                primaries, out, 3);
  for (int row = 0; row < 3; row++)
    for (int column = 0; column < 3; column++)
      m[row][column] = out[4 * column + row];
}

static double
srgb_formula (double v)
{
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

/* ottica:develop over @buffer at neutral settings: what every op after it
 * gets. Checks that develop itself took the buffer's own format. */
static float *
develop_neutral (GeglBuffer *buffer)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                          "buffer", buffer, NULL);
  GeglNode *develop = gegl_node_new_child (graph, "operation", "ottica:develop", NULL);
  float *out;

  gegl_node_link (source, develop);
  out = ottica_test_render_rgba (develop, gegl_buffer_get_extent (buffer), "Rec2020");
  ck_assert_msg (gegl_operation_get_format (gegl_node_get_gegl_operation (develop), "input")
                 == gegl_buffer_get_format (buffer),
                 "ottica:develop left the conversion of %s to babl",
                 babl_get_name (gegl_buffer_get_format (buffer)));
  return out;
}

/* Every 8-bit sRGB code, grey and in each primary: linear light by the
 * sRGB curve (IEC 61966-2-1) within 1e-6, then sRGB's matrix to
 * Rec. 2020. */
START_TEST (test_develop_linearises_8bit)
{
  const Babl *format = babl_format_with_space ("R'G'B' u8", babl_space ("sRGB"));
  GeglRectangle extent = { 0, 0, 256, 4 };
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, format);
  guint8 pixels[4][256][3] = { { { 0 } } };
  g_autofree float *out = NULL;
  double m[3][3];

  for (int i = 0; i < 256; i++)
    {
      pixels[0][i][0] = pixels[0][i][1] = pixels[0][i][2] = (guint8) i;
      for (int c = 0; c < 3; c++)
        pixels[1 + c][i][c] = (guint8) i;
    }
  gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
  out = develop_neutral (buffer);
  reference_matrix (babl_space ("sRGB"), m);

  for (int i = 0; i < 256; i++)
    {
      double linear = srgb_formula (i / 255.0);

      /* Grey stays grey: sRGB and Rec. 2020 share their white. */
      for (int c = 0; c < 3; c++)
        ck_assert_msg (fabs (out[4 * i + c] - linear) <= 1e-6,
                       "code %d channel %d: %.9f, the sRGB curve gives %.9f",
                       i, c, out[4 * i + c], linear);
      ck_assert_float_eq (out[4 * i + 3], 1.0f);
      for (int p = 0; p < 3; p++)
        for (int c = 0; c < 3; c++)
          {
            double want = m[c][p] * linear;
            float got = out[4 * (256 * (1 + p) + i) + c];

            ck_assert_msg (fabs (got - want) <= 1e-6,
                           "code %d in primary %d, channel %d: %.9f, want %.9f", i, p, c, got, want);
          }
    }
}
END_TEST

/* A RAW's buffer (RGB u16, linear ProPhoto) and a 16-bit PNG's (R'G'B'
 * u16, sRGB): code / 65535 through the curve and the matrix. */
START_TEST (test_develop_linearises_16bit)
{
  static const char *const encodings[] = { "RGB u16", "R'G'B' u16" };
  static const char *const spaces[] = { "ProPhoto", "sRGB" };

  for (int k = 0; k < 2; k++)
    {
      const Babl *space = babl_space (spaces[k]);
      const Babl *format = babl_format_with_space (encodings[k], space);
      GeglRectangle extent = { 0, 0, 1024, 3 };
      g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, format);
      g_autofree guint16 *pixels = g_new0 (guint16, 1024 * 3 * 3);
      g_autofree float *out = NULL;
      double m[3][3];

      /* Codes spread over the whole range, the ends included. */
      for (int i = 0; i < 1024; i++)
        for (int p = 0; p < 3; p++)
          pixels[3 * (1024 * p + i) + p] = (guint16) (i == 1023 ? 65535 : i * 64 + i % 64);
      gegl_buffer_set (buffer, &extent, 0, format, pixels, GEGL_AUTO_ROWSTRIDE);
      out = develop_neutral (buffer);
      reference_matrix (space, m);
      for (int i = 0; i < 1024; i++)
        for (int p = 0; p < 3; p++)
          {
            double v = pixels[3 * (1024 * p + i) + p] / 65535.0;
            double linear = k == 0 ? v : srgb_formula (v);

            for (int c = 0; c < 3; c++)
              {
                double want = m[c][p] * linear;
                float got = out[4 * (1024 * p + i) + c];

                ck_assert_msg (fabs (got - want) <= 2e-6 * MAX (1.0, fabs (want)),
                               "%s code %d in primary %d, channel %d: %.9f, want %.9f",
                               encodings[k], pixels[3 * (1024 * p + i) + p], p, c, got, want);
              }
          }
    }
}
END_TEST

/* A folder of links to babl's extensions without those whose names end
 * in @without. */
static char *
babl_extensions_without (const char *babl_dir, const char *without, const char *name)
{
  g_autoptr(GDir) dir = g_dir_open (babl_dir, 0, NULL);
  char *folder = ottica_test_scratch_file (name);
  const char *entry;

  ck_assert (dir != NULL);
  ck_assert_int_eq (g_mkdir (folder, 0700), 0);
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".so") && !g_str_has_suffix (entry, without))
      {
        g_autofree char *target = g_build_filename (babl_dir, entry, NULL);
        g_autofree char *link = g_build_filename (folder, entry, NULL);

        ck_assert_int_eq (symlink (target, link), 0);
      }
  return folder;
}

static GBytes *
cli_export (const char *photo, const char *preset, const char *babl_path, const char *name)
{
  g_autofree char *out_dir = ottica_test_scratch_file (name);
  g_autofree char *cache = g_strconcat (out_dir, "-cache", NULL);
  g_autofree char *base = g_path_get_basename (photo);
  g_autofree char *stem = g_strndup (base, strrchr (base, '.') - base);
  g_autofree char *jpeg_name = g_strconcat (stem, ".jpg", NULL);
  g_autofree char *jpeg = g_build_filename (out_dir, jpeg_name, NULL);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  const char *argv[] = { g_getenv ("OTTICA_CLI"), "export", "--preset", preset,
                         "--sidecar", "ignore", "-q", "-o", out_dir, photo, NULL };
  char *contents = NULL;
  gsize length = 0;
  int status = -1;

  /* babl as a user has it: its default tolerance, a cache of its own. */
  env = g_environ_unsetenv (env, "BABL_TOLERANCE");
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  env = g_environ_setenv (env, "BABL_PATH", babl_path, TRUE);
  ck_assert_msg (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               &err, &status, &error),
                 "%s", error != NULL ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "ottica-cli failed: %s", err);
  ck_assert (g_file_get_contents (jpeg, &contents, &length, NULL));
  return g_bytes_new_take (contents, length);
}

/* babl picks its conversions by timing the candidates, anew in each
 * process; two 8-bit to float ones (gegl-fixups and gimp-8bit) differ by
 * up to 5 levels on a few codes, and its float matrices to the output
 * space in the last bits. Each export here has a fresh babl cache and
 * only one of the two extensions, as two runs could pick: the JPEGs, of
 * the bundled JPEG and of the Canon CR2 where it is installed, must be
 * the same bytes. */
START_TEST (test_export_same_bytes_whichever_babl_conversion)
{
  Dl_info info = { 0 };
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *preset = ottica_test_scratch_file ("edit.ottica");
  g_autofree char *lib_dir = NULL;
  g_autofree char *babl_dir = NULL;
  g_autofree char *fixups = NULL;
  g_autofree char *gimp = NULL;
  g_autofree char *probe = NULL;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  const char *cli = g_getenv ("OTTICA_CLI");

  if (cli == NULL || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    {
      ottica_test_skip ("ottica-cli is not built (OTTICA_CLI)");
      return;
    }
  ck_assert (dladdr ((void *) babl_init, &info) != 0 && info.dli_fname != NULL);
  lib_dir = g_path_get_dirname (info.dli_fname);
  babl_dir = g_build_filename (lib_dir, "babl-0.1", NULL);
  probe = g_build_filename (babl_dir, "gimp-8bit.so", NULL);
  if (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      ottica_test_skip ("babl's extensions are not in %s", babl_dir);
      return;
    }

  ck_assert (g_file_set_contents (preset,
                                  "[Ottica]\nversion=1\nkind=preset\n\n"
                                  "[Light]\nexposure=0.3\n\n[Color]\nsaturation=20\n\n"
                                  "[Effects]\nvignette=-50\n", -1, NULL));
  fixups = babl_extensions_without (babl_dir, "gimp-8bit.so", "babl-fixups");
  gimp = babl_extensions_without (babl_dir, "gegl-fixups.so", "babl-gimp");
  a = cli_export (photo, preset, fixups, "out-fixups");
  b = cli_export (photo, preset, gimp, "out-gimp");
  ck_assert_int_eq (g_bytes_get_size (a), g_bytes_get_size (b));
  ck_assert_msg (g_bytes_equal (a, b), "the exports differ with babl's other 8-bit conversion");

  if (ottica_test_canon_cr2 () != NULL)
    {
      g_autoptr(GBytes) raw_a = cli_export (ottica_test_canon_cr2 (), preset, fixups, "raw-fixups");
      g_autoptr(GBytes) raw_b = cli_export (ottica_test_canon_cr2 (), preset, gimp, "raw-gimp");

      ck_assert_msg (g_bytes_equal (raw_a, raw_b), "the CR2's exports differ with babl's other extensions");
    }
}
END_TEST

/* A camera RAW through Ottica's own loader (half-size decode, orientation
 * applied) exports with the camera's metadata and the new size. */
START_TEST (test_export_loaded_raw)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ottica_test_scratch_file ("raw.jpg");
  g_autoptr(Decoded) d = NULL;
  OtticaLoadOptions load = { .max_size = 1000 };
  GeglNode *source;
  OtticaExportOptions o;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }
  image = ottica_image_load (cr2, &load, NULL, &error);
  ck_assert_msg (image != NULL, "loading the CR2 failed: %s", error ? error->message : "?");
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", image->buffer, NULL);
  ottica_export_options_init (&o);
  o.size_mode = OTTICA_SIZE_LONG_EDGE;
  o.size_value = 600;
  o.sharpen = OTTICA_SHARPEN_LOW;
  export_ok (source, cr2, path, &o);
  d = decode_jpeg (path);
  ck_assert_int_eq (MAX (d->width, d->height), 600);
  check_common_metadata (cr2, path, d->width, d->height);
  /* A real photo, not black: the CR2 is a daylight scene. */
  ck_assert (mean_channel (d, 0, 0, d->width, d->height, 1) > 40);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("export");
  TCase *tc;

  tc = ottica_test_case ("options");
  tcase_add_test (tc, test_options_defaults);
  tcase_add_test (tc, test_options_validate);
  tcase_add_test (tc, test_options_names);
  tcase_add_test (tc, test_output_size);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("profiles");
  tcase_add_test (tc, test_output_profiles);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("linear-input");
  tcase_add_test (tc, test_develop_linearises_8bit);
  tcase_add_test (tc, test_develop_linearises_16bit);
  tcase_add_test (tc, test_export_same_bytes_whichever_babl_conversion);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("encoding");
  tcase_add_test (tc, test_export_valid_jpeg);
  tcase_add_test (tc, test_export_encoder_options);
  tcase_add_test (tc, test_export_size_modes);
  tcase_add_test (tc, test_export_offset_box);
  tcase_add_test (tc, test_export_downscale_quality);
  tcase_add_test (tc, test_export_sharpening);
  tcase_add_test (tc, test_export_sharpening_matches_gegl);
  tcase_add_test (tc, test_export_strip_rows);
  tcase_add_test (tc, test_export_tall_strips_seamless);
  tcase_add_test (tc, test_export_real_photo);
  tcase_add_test (tc, test_export_loaded_raw);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("strip-renderer");
  tcase_add_test (tc, test_strip_renderer_same_pixels);
  tcase_add_test (tc, test_strip_renderer_shared_input);
  tcase_add_test (tc, test_strip_renderer_point_ops_untouched);
  tcase_add_test (tc, test_strip_renderer_resampler);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("colour");
  tcase_add_test (tc, test_export_grey_ramp);
  tcase_add_test (tc, test_export_wide_colour);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("metadata");
  tcase_add_test (tc, test_metadata_olympus);
  tcase_add_test (tc, test_metadata_canon_cr2);
  tcase_add_test (tc, test_metadata_dng);
  tcase_add_test (tc, test_metadata_no_gps);
  tcase_add_test (tc, test_metadata_none);
  tcase_add_test (tc, test_metadata_extended_xmp);
  tcase_add_test (tc, test_metadata_app1_limit);
  tcase_add_test (tc, test_metadata_unreadable_source);
  tcase_add_test (tc, test_metadata_date_and_describe);
  suite_add_tcase (suite, tc);

  tc = ottica_test_case ("files");
  tcase_add_test (tc, test_never_overwrite);
  tcase_add_test (tc, test_never_write_original);
  tcase_add_test (tc, test_progress);
  tcase_add_test (tc, test_cancel);
  tcase_add_test (tc, test_unwritable_folder);
  tcase_add_test (tc, test_empty_node);
  suite_add_tcase (suite, tc);

  return ottica_test_run ("export", suite);
}
