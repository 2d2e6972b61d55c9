/* test-io.c: the io suite: loading every format, colour, orientation,
 * previews and bad input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>
#include <jpeglib.h>
#include <lcms2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ottica-babl-guard.h"
#include "ottica-error.h"
#include "ottica-icc.h"
#include "ottica-image.h"
#include "ottica-orientation.h"
#include "ottica-test.h"

/* ---- helpers ------------------------------------------------------------ */

static OtticaImage *
load_ok (const char *path,
         guint       max_size)
{
  OtticaLoadOptions options = { max_size };
  g_autoptr(GError) error = NULL;
  OtticaImage *image = ottica_image_load (path, &options, NULL, &error);

  ck_assert_msg (image != NULL, "loading %s failed: %s", path, error ? error->message : "?");
  ck_assert_ptr_nonnull (image->buffer);
  return image;
}

/* Loads @path expecting @domain/@code, with the file's name in curly
 * quotes in the message. */
static void
assert_load_error (const char   *path,
                   GQuark        domain,
                   int           code,
                   GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaImage) image = ottica_image_load (path, NULL, cancellable, &error);
  g_autofree char *base = g_filename_display_basename (path);
  g_autofree char *quoted = g_strdup_printf ("“%s”", base);

  ck_assert_msg (image == NULL, "%s loaded but should have failed", path);
  ck_assert_ptr_nonnull (error);
  ck_assert_msg (error->domain == domain && error->code == code,
                 "%s: expected %s/%d, got %s/%d: %s", path, g_quark_to_string (domain), code,
                 g_quark_to_string (error->domain), error->code, error->message);
  if (domain == OTTICA_ERROR)
    ck_assert_msg (strstr (error->message, quoted) != NULL,
                   "message does not name the file: %s", error->message);
}

static const GeglRectangle *
extent_of (OtticaImage *image)
{
  return gegl_buffer_get_extent (image->buffer);
}

/* One pixel as 8-bit sRGB (babl converts from the buffer's space). */
static void
pixel_srgb8 (GeglBuffer *buffer,
             int         x,
             int         y,
             guint8      out[3])
{
  GeglRectangle rect = { x, y, 1, 1 };

  gegl_buffer_get (buffer, &rect, 1.0, babl_format_with_space ("R'G'B' u8", babl_space ("sRGB")),
                   out, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
}

static void
pixel_lab (GeglBuffer *buffer,
           int         x,
           int         y,
           float       lab[3])
{
  GeglRectangle rect = { x, y, 1, 1 };
  g_autofree float *values = ottica_test_buffer_lab (buffer, &rect);

  memcpy (lab, values, 3 * sizeof (float));
}

static gboolean
near_color (const guint8 *got,
            guint8        r,
            guint8        g,
            guint8        b,
            int           tolerance)
{
  return abs (got[0] - r) <= tolerance && abs (got[1] - g) <= tolerance && abs (got[2] - b) <= tolerance;
}

/* Mean sRGB colour and the spread of its luminance over 24 rows. */
static void
buffer_stats (GeglBuffer *buffer,
              double      mean[3],
              double     *spread)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (buffer);
  const Babl *format = babl_format_with_space ("R'G'B' float", babl_space ("sRGB"));
  g_autofree float *row = g_new (float, (gsize) extent->width * 3);
  double sum[3] = { 0 }, luma_sum = 0, luma_sq = 0;
  gsize n = 0;

  for (int i = 0; i < 24; i++)
    {
      GeglRectangle rect = { extent->x, extent->y + (int) ((i + 0.5) * extent->height / 24), extent->width, 1 };

      gegl_buffer_get (buffer, &rect, 1.0, format, row, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (int x = 0; x < extent->width; x++, n++)
        {
          const float *p = row + x * 3;
          double luma = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];

          for (int c = 0; c < 3; c++)
            sum[c] += p[c];
          luma_sum += luma;
          luma_sq += luma * luma;
        }
    }
  for (int c = 0; c < 3; c++)
    mean[c] = sum[c] / n;
  *spread = sqrt (MAX (0.0, luma_sq / n - (luma_sum / n) * (luma_sum / n)));
}

static void
ensure_gexiv2 (void)
{
  gexiv2_initialize ();
}

static void
set_orientation (const char *path,
                 int         orientation)
{
  g_autoptr(GExiv2Metadata) metadata = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;

  ensure_gexiv2 ();
  ck_assert_msg (gexiv2_metadata_open_path (metadata, path, &error), "gexiv2: %s",
                 error ? error->message : "?");
  gexiv2_metadata_try_set_orientation (metadata, (GExiv2Orientation) orientation, &error);
  ck_assert_msg (error == NULL, "gexiv2: %s", error ? error->message : "?");
  ck_assert_msg (gexiv2_metadata_save_file (metadata, path, &error), "gexiv2: %s",
                 error ? error->message : "?");
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  ck_assert (g_file_get_contents (from, &contents, &length, NULL));
  ck_assert (g_file_set_contents (to, contents, (gssize) length, NULL));
}

static void
write_head (const char *from,
            const char *to,
            gsize       length)
{
  g_autofree char *contents = NULL;
  gsize full = 0;

  ck_assert (g_file_get_contents (from, &contents, &full, NULL));
  ck_assert (g_file_set_contents (to, contents, (gssize) MIN (length, full), NULL));
}

/* Writes a JPEG with libjpeg: @components 1 (gray), 3 (RGB) or 4 (CMYK,
 * stored as Adobe's inverted CMYK: 255 means no ink). 4:4:4, so colours
 * survive at high quality. @ycck stores CMYK as YCCK; @progressive makes
 * a multi-scan file. */
static void
write_jpeg_full (const char   *path,
                 int           width,
                 int           height,
                 int           components,
                 const guint8 *pixels,
                 int           quality,
                 GBytes       *icc,
                 gboolean      ycck,
                 gboolean      progressive)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  FILE *file = g_fopen (path, "wb");

  ck_assert_ptr_nonnull (file);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, file);
  cinfo.image_width = (JDIMENSION) width;
  cinfo.image_height = (JDIMENSION) height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults (&cinfo);
  if (ycck)
    jpeg_set_colorspace (&cinfo, JCS_YCCK);
  jpeg_set_quality (&cinfo, quality, TRUE);
  if (progressive)
    jpeg_simple_progression (&cinfo);
  for (int i = 0; i < cinfo.num_components; i++)
    cinfo.comp_info[i].h_samp_factor = cinfo.comp_info[i].v_samp_factor = 1;
  jpeg_start_compress (&cinfo, TRUE);
  if (icc != NULL)
    {
      gsize size = 0;
      const JOCTET *data = g_bytes_get_data (icc, &size);

      jpeg_write_icc_profile (&cinfo, data, (unsigned int) size);
    }
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) pixels + (gsize) cinfo.next_scanline * width * components;

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  fclose (file);
}

static void
write_jpeg (const char   *path,
            int           width,
            int           height,
            int           components,
            const guint8 *pixels,
            int           quality,
            GBytes       *icc)
{
  write_jpeg_full (path, width, height, components, pixels, quality, icc, FALSE, FALSE);
}

/* Saves @buffer with a GEGL saver (png-save at @bitdepth, or tiff-save). */
static void
save_with_gegl (GeglBuffer *buffer,
                const char *path,
                int         png_bitdepth)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglNode *source, *save;

  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  if (g_str_has_suffix (path, ".png"))
    save = gegl_node_new_child (graph, "operation", "gegl:png-save", "path", path,
                                "bitdepth", png_bitdepth, NULL);
  else
    save = gegl_node_new_child (graph, "operation", "gegl:tiff-save", "path", path, NULL);
  gegl_node_link (source, save);
  gegl_node_process (save);
  ck_assert (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* A stored image with four flat quadrants: top left red, top right green,
 * bottom left blue, bottom right white. */
static guint8 *
quadrants (int width,
           int height)
{
  guint8 *pixels = g_new (guint8, (gsize) width * height * 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 3;
        gboolean right = x >= width / 2, bottom = y >= height / 2;

        p[0] = (!right && !bottom) || (right && bottom) ? 255 : 0;
        p[1] = (right && !bottom) || (right && bottom) ? 255 : 0;
        p[2] = (!right && bottom) || (right && bottom) ? 255 : 0;
      }
  return pixels;
}

enum { RED, GREEN, BLUE, WHITE };
static const guint8 quadrant_rgb[4][3] = {
  { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 255 },
};

/* What the upright photo shows at its top left, top right, bottom left
 * and bottom right for each EXIF orientation, given the stored
 * quadrants: straight from the EXIF 2.3 table (row 0 / column 0 sides). */
static const int expected_corners[9][4] = {
  { 0 },
  [1] = { RED,   GREEN, BLUE,  WHITE },  /* top-left */
  [2] = { GREEN, RED,   WHITE, BLUE  },  /* top-right: mirrored */
  [3] = { WHITE, BLUE,  GREEN, RED   },  /* bottom-right: 180° */
  [4] = { BLUE,  WHITE, RED,   GREEN },  /* bottom-left: flipped */
  [5] = { RED,   BLUE,  GREEN, WHITE },  /* left-top: transposed */
  [6] = { BLUE,  RED,   WHITE, GREEN },  /* right-top: 90° clockwise */
  [7] = { WHITE, GREEN, BLUE,  RED   },  /* right-bottom: transversed */
  [8] = { GREEN, WHITE, RED,   BLUE  },  /* left-bottom: 90° anticlockwise */
};

static void
assert_corners (GeglBuffer *buffer,
                int         orientation,
                int         inset,
                int         tolerance)
{
  const GeglRectangle *e = gegl_buffer_get_extent (buffer);
  const int xs[4] = { inset, e->width - 1 - inset, inset, e->width - 1 - inset };
  const int ys[4] = { inset, inset, e->height - 1 - inset, e->height - 1 - inset };

  for (int corner = 0; corner < 4; corner++)
    {
      const guint8 *want = quadrant_rgb[expected_corners[orientation][corner]];
      guint8 got[3];

      pixel_srgb8 (buffer, xs[corner], ys[corner], got);
      ck_assert_msg (near_color (got, want[0], want[1], want[2], tolerance),
                     "orientation %d corner %d: got %d,%d,%d want %d,%d,%d", orientation, corner,
                     got[0], got[1], got[2], want[0], want[1], want[2]);
    }
}

/* A 16-bit profile built by lcms2 with only an AToB0 LUT (no matrix, so
 * babl cannot take it) that maps device values the way sRGB would, or for
 * CMYK like the naive ink formula followed by sRGB. */
typedef struct
{
  cmsHTRANSFORM to_lab;
  gboolean      cmyk;
} LutCargo;

static cmsInt32Number
sample_lut (const cmsUInt16Number in[],
            cmsUInt16Number       out[],
            void                 *data)
{
  LutCargo *cargo = data;
  cmsUInt16Number rgb[3];

  if (cargo->cmyk)
    for (int c = 0; c < 3; c++)
      rgb[c] = (cmsUInt16Number) ((65535.0 - in[c]) * (65535.0 - in[3]) / 65535.0 + 0.5);
  else
    memcpy (rgb, in, sizeof rgb);
  cmsDoTransform (cargo->to_lab, rgb, out, 1);
  return TRUE;
}

static GBytes *
make_lut_profile (gboolean cmyk)
{
  cmsHPROFILE srgb = cmsCreate_sRGBProfile ();
  cmsHPROFILE lab = cmsCreateLab4Profile (NULL);
  LutCargo cargo = { cmsCreateTransform (srgb, TYPE_RGB_16, lab, TYPE_Lab_16,
                                         INTENT_RELATIVE_COLORIMETRIC, 0), cmyk };
  cmsHPROFILE profile = cmsCreateProfilePlaceholder (NULL);
  int inputs = cmyk ? 4 : 3;
  cmsPipeline *pipeline = cmsPipelineAlloc (NULL, inputs, 3);
  cmsStage *clut = cmsStageAllocCLut16bit (NULL, cmyk ? 9 : 17, inputs, 3, NULL);
  cmsMLU *description = cmsMLUalloc (NULL, 1);
  cmsUInt32Number size = 0;
  void *data;

  cmsSetProfileVersion (profile, 4.3);
  cmsSetDeviceClass (profile, cmyk ? cmsSigOutputClass : cmsSigDisplayClass);
  cmsSetColorSpace (profile, cmyk ? cmsSigCmykData : cmsSigRgbData);
  cmsSetPCS (profile, cmsSigLabData);
  cmsStageSampleCLut16bit (clut, sample_lut, &cargo, 0);
  /* lutAtoB wants A curves, the CLUT and B curves (identities here). */
  cmsPipelineInsertStage (pipeline, cmsAT_END, cmsStageAllocToneCurves (NULL, inputs, NULL));
  cmsPipelineInsertStage (pipeline, cmsAT_END, clut);
  cmsPipelineInsertStage (pipeline, cmsAT_END, cmsStageAllocToneCurves (NULL, 3, NULL));
  cmsWriteTag (profile, cmsSigAToB0Tag, pipeline);
  cmsWriteTag (profile, cmsSigMediaWhitePointTag, cmsD50_XYZ ());
  cmsMLUsetASCII (description, "en", "US", cmyk ? "Test LUT CMYK" : "Test LUT RGB");
  cmsWriteTag (profile, cmsSigProfileDescriptionTag, description);

  ck_assert (cmsSaveProfileToMem (profile, NULL, &size));
  data = g_malloc (size);
  ck_assert (cmsSaveProfileToMem (profile, data, &size));

  cmsMLUfree (description);
  cmsPipelineFree (pipeline);
  cmsCloseProfile (profile);
  cmsDeleteTransform (cargo.to_lab);
  cmsCloseProfile (srgb);
  cmsCloseProfile (lab);
  return g_bytes_new_take (data, size);
}

/* Adobe RGB (1998) as lcms2 builds it: a matrix-shaper profile. */
static GBytes *
make_adobe_rgb_profile (void)
{
  cmsCIExyY white = { 0.3127, 0.3290, 1.0 };
  cmsCIExyYTRIPLE primaries = { { 0.64, 0.33, 1.0 }, { 0.21, 0.71, 1.0 }, { 0.15, 0.06, 1.0 } };
  cmsToneCurve *gamma = cmsBuildGamma (NULL, 563.0 / 256.0);
  cmsToneCurve *curves[3] = { gamma, gamma, gamma };
  cmsHPROFILE profile = cmsCreateRGBProfile (&white, &primaries, curves);
  cmsUInt32Number size = 0;
  void *data;

  ck_assert (cmsSaveProfileToMem (profile, NULL, &size));
  data = g_malloc (size);
  ck_assert (cmsSaveProfileToMem (profile, data, &size));
  cmsCloseProfile (profile);
  cmsFreeToneCurve (gamma);
  return g_bytes_new_take (data, size);
}

/* lcms2's own Lab (D50) for 8-bit @rgb in @icc. */
static void
lcms_lab (GBytes       *icc,
          const guint8  rgb[3],
          float         lab[3])
{
  gsize size = 0;
  const void *data = g_bytes_get_data (icc, &size);
  cmsHPROFILE input = cmsOpenProfileFromMem (data, (cmsUInt32Number) size);
  cmsHPROFILE output = cmsCreateLab4Profile (NULL);
  cmsHTRANSFORM transform;
  double out[3];

  ck_assert_ptr_nonnull (input);
  transform = cmsCreateTransform (input, TYPE_RGB_8, output, TYPE_Lab_DBL,
                                  INTENT_RELATIVE_COLORIMETRIC, 0);
  ck_assert_ptr_nonnull (transform);
  cmsDoTransform (transform, rgb, out, 1);
  for (int c = 0; c < 3; c++)
    lab[c] = (float) out[c];
  cmsDeleteTransform (transform);
  cmsCloseProfile (input);
  cmsCloseProfile (output);
}

static GBytes *
srgb_lab_profile (void)
{
  cmsHPROFILE profile = cmsCreate_sRGBProfile ();
  cmsUInt32Number size = 0;
  void *data;

  cmsSaveProfileToMem (profile, NULL, &size);
  data = g_malloc (size);
  cmsSaveProfileToMem (profile, data, &size);
  cmsCloseProfile (profile);
  return g_bytes_new_take (data, size);
}

/* A ramp that uses every 8-bit value on both axes. */
static guint8 *
ramp_rgb8 (int width,
           int height)
{
  guint8 *pixels = g_new (guint8, (gsize) width * height * 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 3;

        p[0] = (guint8) (x * 255 / MAX (1, width - 1));
        p[1] = (guint8) (y * 255 / MAX (1, height - 1));
        p[2] = (guint8) ((x + y) * 255 / MAX (1, width + height - 2));
      }
  return pixels;
}

/* ---- JPEG --------------------------------------------------------------- */

START_TEST (test_jpeg_rgb)
{
  g_autofree char *path = ottica_test_scratch_file ("ramp.jpg");
  g_autofree guint8 *pixels = ramp_rgb8 (96, 64);
  g_autoptr(OtticaImage) image = NULL;
  g_autofree guint8 *got = g_new (guint8, 96 * 64 * 3);
  GeglRectangle all = { 0, 0, 96, 64 };
  int worst = 0;

  write_jpeg (path, 96, 64, 3, pixels, 100, NULL);
  image = load_ok (path, 0);

  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_JPEG);
  ck_assert_str_eq (image->format_name, "JPEG");
  ck_assert_int_eq (extent_of (image)->width, 96);
  ck_assert_int_eq (extent_of (image)->height, 64);
  ck_assert_int_eq (image->full_width, 96);
  ck_assert_int_eq (image->full_height, 64);
  ck_assert_double_eq (image->scale, 1.0);
  ck_assert_int_eq (image->orientation, 1);
  /* Untagged is sRGB, kept as decoded: 8-bit R'G'B'. */
  ck_assert_ptr_null (image->icc_profile);
  ck_assert_str_eq (image->color_space, "sRGB");
  ck_assert_ptr_eq (gegl_buffer_get_format (image->buffer),
                    babl_format_with_space ("R'G'B' u8", babl_space ("sRGB")));
  ck_assert_ptr_null (image->warning);

  gegl_buffer_get (image->buffer, &all, 1.0, babl_format ("R'G'B' u8"), got,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (gsize i = 0; i < 96 * 64 * 3; i++)
    worst = MAX (worst, abs (got[i] - pixels[i]));
  ck_assert_msg (worst <= 4, "JPEG q100 4:4:4 differs by %d", worst);
}
END_TEST

START_TEST (test_jpeg_gray)
{
  g_autofree char *path = ottica_test_scratch_file ("gray.jpg");
  guint8 pixels[64 * 32];
  g_autoptr(OtticaImage) image = NULL;
  guint8 got[3];

  for (int i = 0; i < 64 * 32; i++)
    pixels[i] = (guint8) ((i % 64) * 4);
  write_jpeg (path, 64, 32, 1, pixels, 100, NULL);
  image = load_ok (path, 0);

  /* Gray becomes RGB with three equal channels. */
  ck_assert_ptr_eq (gegl_buffer_get_format (image->buffer), babl_format ("R'G'B' u8"));
  for (int x = 0; x < 64; x += 9)
    {
      GeglRectangle rect = { x, 10, 1, 1 };

      gegl_buffer_get (image->buffer, &rect, 1.0, babl_format ("R'G'B' u8"), got,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      ck_assert_int_eq (got[0], got[1]);
      ck_assert_int_eq (got[1], got[2]);
      ck_assert_msg (abs (got[0] - x * 4) <= 3, "gray %d at x=%d", got[0], x);
    }
}
END_TEST

/* Patches of pure inks, stored inverted as Adobe's CMYK JPEGs are. */
static const guint8 ink_patches[4][4] = {
  { 255, 0, 0, 0 },     /* cyan */
  { 0, 255, 0, 0 },     /* magenta */
  { 0, 0, 255, 0 },     /* yellow */
  { 0, 0, 0, 255 },     /* black */
};
static const guint8 ink_rgb[4][3] = { { 0, 255, 255 }, { 255, 0, 255 }, { 255, 255, 0 }, { 0, 0, 0 } };

static char *
write_cmyk_patches (const char *name,
                    GBytes     *icc,
                    gboolean    ycck)
{
  char *path = ottica_test_scratch_file (name);
  g_autofree guint8 *pixels = g_new (guint8, 64 * 16 * 4);

  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 64; x++)
      for (int c = 0; c < 4; c++)
        pixels[(y * 64 + x) * 4 + c] = (guint8) (255 - ink_patches[x / 16][c]);
  write_jpeg_full (path, 64, 16, 4, pixels, 100, icc, ycck, FALSE);
  return path;
}

START_TEST (test_jpeg_cmyk_naive)
{
  /* Plain CMYK and YCCK (libjpeg turns YCCK back into CMYK). */
  for (int ycck = 0; ycck <= 1; ycck++)
    {
      g_autofree char *path = write_cmyk_patches (ycck ? "ycck.jpg" : "cmyk.jpg", NULL, ycck);
      g_autoptr(OtticaImage) image = load_ok (path, 0);

      ck_assert_ptr_null (image->icc_profile);
      for (int patch = 0; patch < 4; patch++)
        {
          guint8 got[3];

          pixel_srgb8 (image->buffer, patch * 16 + 8, 8, got);
          ck_assert_msg (near_color (got, ink_rgb[patch][0], ink_rgb[patch][1], ink_rgb[patch][2], 4),
                         "%s ink %d: %d,%d,%d", ycck ? "YCCK" : "CMYK", patch, got[0], got[1], got[2]);
        }
    }
}
END_TEST

START_TEST (test_jpeg_cmyk_profile)
{
  g_autoptr(GBytes) icc = make_lut_profile (TRUE);
  g_autofree char *path = write_cmyk_patches ("cmyk-icc.jpg", icc, FALSE);
  g_autoptr(OtticaImage) image = load_ok (path, 0);

  /* lcms2 converted the inks through the profile into linear Rec.2020. */
  ck_assert_ptr_nonnull (image->icc_profile);
  ck_assert_str_eq (image->color_space, "Test LUT CMYK");
  ck_assert_ptr_eq (gegl_buffer_get_format (image->buffer),
                    babl_format_with_space ("RGB u16", babl_space ("Rec2020")));
  for (int patch = 0; patch < 4; patch++)
    {
      guint8 rgb[3];
      float want[3], got[3];
      g_autoptr(GBytes) srgb = srgb_lab_profile ();

      memcpy (rgb, ink_rgb[patch], 3);
      lcms_lab (srgb, rgb, want);
      pixel_lab (image->buffer, patch * 16 + 8, 8, got);
      ck_assert_msg (ottica_test_delta_e (got, want) < 2.0, "ink %d: ΔE %.2f", patch,
                     ottica_test_delta_e (got, want));
    }
}
END_TEST

START_TEST (test_jpeg_lut_rgb_profile)
{
  g_autoptr(GBytes) icc = make_lut_profile (FALSE);
  g_autoptr(GBytes) srgb = srgb_lab_profile ();
  g_autofree char *path = ottica_test_scratch_file ("lut.jpg");
  static const guint8 colors[4][3] = { { 255, 0, 0 }, { 0, 128, 255 }, { 32, 224, 96 }, { 240, 240, 240 } };
  g_autofree guint8 *pixels = g_new (guint8, 64 * 16 * 3);
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(GError) error = NULL;

  /* babl has no matrix to take from this profile. */
  ck_assert_ptr_null (ottica_icc_babl_space (icc, "lut.jpg", NULL, &error));
  ck_assert_ptr_null (error);

  for (int i = 0; i < 64 * 16; i++)
    memcpy (pixels + i * 3, colors[(i % 64) / 16], 3);
  write_jpeg (path, 64, 16, 3, pixels, 100, icc);
  image = load_ok (path, 0);

  ck_assert_ptr_nonnull (image->icc_profile);
  ck_assert_str_eq (image->color_space, "Test LUT RGB");
  ck_assert_ptr_eq (gegl_buffer_get_format (image->buffer),
                    babl_format_with_space ("RGB u16", babl_space ("Rec2020")));
  for (int patch = 0; patch < 4; patch++)
    {
      float want[3], got[3];

      lcms_lab (srgb, colors[patch], want);
      pixel_lab (image->buffer, patch * 16 + 8, 8, got);
      ck_assert_msg (ottica_test_delta_e (got, want) < 2.0, "patch %d: ΔE %.2f", patch,
                     ottica_test_delta_e (got, want));
    }
}
END_TEST

START_TEST (test_jpeg_adobe_rgb)
{
  g_autoptr(GBytes) icc = make_adobe_rgb_profile ();
  g_autofree char *path = ottica_test_scratch_file ("adobe.jpg");
  static const guint8 green[3] = { 20, 230, 40 };
  g_autofree guint8 *pixels = g_new (guint8, 32 * 32 * 3);
  g_autoptr(OtticaImage) image = NULL;
  float want[3], got[3], as_srgb[3];
  g_autoptr(GBytes) srgb = srgb_lab_profile ();

  for (int i = 0; i < 32 * 32; i++)
    memcpy (pixels + i * 3, green, 3);
  write_jpeg (path, 32, 32, 3, pixels, 100, icc);
  image = load_ok (path, 0);

  ck_assert_ptr_nonnull (image->icc_profile);
  ck_assert_ptr_ne (babl_format_get_space (gegl_buffer_get_format (image->buffer)), babl_space ("sRGB"));
  /* 8-bit kept; babl's space does the colour. */
  ck_assert_int_eq (babl_format_get_bytes_per_pixel (gegl_buffer_get_format (image->buffer)), 3);

  lcms_lab (icc, green, want);
  lcms_lab (srgb, green, as_srgb);
  pixel_lab (image->buffer, 16, 16, got);
  ck_assert_msg (ottica_test_delta_e (got, want) < 2.0, "ΔE %.2f", ottica_test_delta_e (got, want));
  /* The test can tell: read as sRGB this green is far off. */
  ck_assert_msg (ottica_test_delta_e (as_srgb, want) > 10.0, "sRGB reading too close");
}
END_TEST

START_TEST (test_jpeg_damaged_profile)
{
  g_autofree char *path = ottica_test_scratch_file ("badicc.jpg");
  g_autofree guint8 *pixels = ramp_rgb8 (32, 32);
  guint8 junk[600];
  g_autoptr(GBytes) icc = NULL;
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 7 + 3);
  icc = g_bytes_new (junk, sizeof junk);
  ck_assert (!ottica_icc_validate (icc, "x.jpg", NULL, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT));
  ck_assert (strstr (error->message, "“x.jpg”") != NULL);

  /* The photo still opens, as sRGB, and says why. */
  write_jpeg (path, 32, 32, 3, pixels, 95, icc);
  image = load_ok (path, 0);
  ck_assert_ptr_null (image->icc_profile);
  ck_assert_str_eq (image->color_space, "sRGB");
  ck_assert_ptr_eq (babl_format_get_space (gegl_buffer_get_format (image->buffer)), babl_space ("sRGB"));
  ck_assert_ptr_nonnull (image->warning);
  ck_assert (strstr (image->warning, "“badicc.jpg”") != NULL);
}
END_TEST

START_TEST (test_jpeg_orientations)
{
  const int width = 96, height = 64;
  g_autofree guint8 *pixels = quadrants (width, height);
  g_autofree char *plain = ottica_test_scratch_file ("quadrants.jpg");

  write_jpeg (plain, width, height, 3, pixels, 95, NULL);

  for (int orientation = 1; orientation <= 8; orientation++)
    {
      g_autofree char *name = g_strdup_printf ("orient-%d.jpg", orientation);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(OtticaImage) image = NULL;
      gboolean swapped = orientation >= 5;

      copy_file (plain, path);
      set_orientation (path, orientation);
      image = load_ok (path, 0);

      ck_assert_int_eq (image->orientation, orientation);
      ck_assert_int_eq (extent_of (image)->width, swapped ? height : width);
      ck_assert_int_eq (extent_of (image)->height, swapped ? width : height);
      ck_assert_int_eq (image->full_width, swapped ? height : width);
      assert_corners (image->buffer, orientation, 2, 6);

      /* Previews turn the same way. */
      {
        g_autoptr(OtticaImage) preview = load_ok (path, 48);

        ck_assert_int_eq (extent_of (preview)->width, (swapped ? height : width) / 2);
        assert_corners (preview->buffer, orientation, 1, 10);
      }
    }
}
END_TEST

START_TEST (test_jpeg_preview_scaling)
{
  g_autofree char *path = ottica_test_scratch_file ("big.jpg");
  g_autofree guint8 *pixels = ramp_rgb8 (1600, 1200);
  g_autoptr(OtticaImage) full = NULL;
  g_autoptr(OtticaImage) quarter = NULL;
  g_autoptr(OtticaImage) eighth = NULL;
  g_autoptr(OtticaImage) large = NULL;
  double mean_full[3], mean_small[3], spread;

  write_jpeg (path, 1600, 1200, 3, pixels, 90, NULL);
  full = load_ok (path, 0);
  quarter = load_ok (path, 400);
  eighth = load_ok (path, 150);
  large = load_ok (path, 5000);

  ck_assert_int_eq (extent_of (full)->width, 1600);
  /* The smallest DCT scale that still reaches max_size on the long side. */
  ck_assert_int_eq (extent_of (quarter)->width, 400);
  ck_assert_int_eq (extent_of (quarter)->height, 300);
  ck_assert_double_eq_tol (quarter->scale, 0.25, 1e-9);
  ck_assert_int_eq (quarter->full_width, 1600);
  ck_assert_int_eq (quarter->full_height, 1200);
  ck_assert_int_eq (extent_of (eighth)->width, 200);
  ck_assert_int_eq (extent_of (large)->width, 1600);

  buffer_stats (full->buffer, mean_full, &spread);
  buffer_stats (quarter->buffer, mean_small, &spread);
  for (int c = 0; c < 3; c++)
    ck_assert_msg (fabs (mean_full[c] - mean_small[c]) < 0.01, "channel %d: %.4f vs %.4f", c,
                   mean_full[c], mean_small[c]);
}
END_TEST

START_TEST (test_jpeg_progressive)
{
  g_autofree char *path = ottica_test_scratch_file ("progressive.jpg");
  g_autofree char *half = ottica_test_scratch_file ("progressive-half.jpg");
  g_autofree guint8 *pixels = ramp_rgb8 (320, 240);
  g_autoptr(OtticaImage) image = NULL;
  GStatBuf st;
  guint8 got[3];

  write_jpeg_full (path, 320, 240, 3, pixels, 95, NULL, FALSE, TRUE);
  image = load_ok (path, 0);
  pixel_srgb8 (image->buffer, 160, 120, got);
  ck_assert_msg (near_color (got, pixels[(120 * 320 + 160) * 3], pixels[(120 * 320 + 160) * 3 + 1],
                             pixels[(120 * 320 + 160) * 3 + 2], 6), "progressive pixel differs");

  /* Multi-scan files are read whole in jpeg_start_decompress: a cut one
   * must still be an error, not a blurry half picture. */
  ck_assert (g_stat (path, &st) == 0);
  write_head (path, half, (gsize) st.st_size / 2);
  assert_load_error (half, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
}
END_TEST

/* ---- PNG and TIFF ------------------------------------------------------- */

static GeglBuffer *
ramp_buffer (int         width,
             int         height,
             const char *format_name,
             const Babl *space)
{
  const Babl *format = babl_format_with_space (format_name, space);
  GeglRectangle extent = { 0, 0, width, height };
  GeglBuffer *buffer = gegl_buffer_new (&extent, format);
  gboolean wide = babl_format_get_bytes_per_pixel (format) == 6;
  g_autofree guint8 *data = g_malloc ((gsize) width * height * babl_format_get_bytes_per_pixel (format));

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = ((gsize) y * width + x) * 3;

        if (wide)
          {
            guint16 *p = (guint16 *) data + i;

            /* Values an 8-bit file could not hold. */
            p[0] = (guint16) (x * 65535 / (width - 1));
            p[1] = (guint16) (y * 65535 / (height - 1));
            p[2] = (guint16) (1000 + x * 7 + y * 3);
          }
        else
          {
            data[i] = (guint8) (x * 255 / (width - 1));
            data[i + 1] = (guint8) (y * 255 / (height - 1));
            data[i + 2] = 128;
          }
      }
  gegl_buffer_set (buffer, &extent, 0, format, data, GEGL_AUTO_ROWSTRIDE);
  return buffer;
}

static void
assert_same_pixels (GeglBuffer *expected,
                    OtticaImage *image)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (expected);
  const Babl *format = gegl_buffer_get_format (expected);
  gsize size = (gsize) extent->width * extent->height * babl_format_get_bytes_per_pixel (format);
  g_autofree guint8 *want = g_malloc (size);
  g_autofree guint8 *got = g_malloc (size);

  ck_assert_int_eq (extent_of (image)->width, extent->width);
  ck_assert_int_eq (extent_of (image)->height, extent->height);
  /* Same encoding kept: no conversion, so the numbers must match. */
  ck_assert_str_eq (babl_format_get_encoding (gegl_buffer_get_format (image->buffer)),
                    babl_format_get_encoding (format));
  gegl_buffer_get (expected, extent, 1.0, format, want, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  gegl_buffer_get (image->buffer, extent, 1.0, gegl_buffer_get_format (image->buffer), got,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  ck_assert_msg (memcmp (want, got, size) == 0, "pixels differ");
}

static void
check_lossless (const char *name,
                const char *format_name,
                int         png_bitdepth,
                OtticaImageKind kind)
{
  g_autofree char *path = ottica_test_scratch_file (name);
  g_autoptr(GeglBuffer) buffer = ramp_buffer (80, 60, format_name, babl_space ("sRGB"));
  g_autoptr(OtticaImage) image = NULL;

  save_with_gegl (buffer, path, png_bitdepth);
  image = load_ok (path, 0);
  ck_assert_int_eq (image->kind, kind);
  assert_same_pixels (buffer, image);
  /* GEGL's TIFF saver embeds babl's sRGB profile; the PNG saver does not. */
  ck_assert_ptr_eq (babl_format_get_space (gegl_buffer_get_format (image->buffer)), babl_space ("sRGB"));
  ck_assert_int_eq (image->orientation, 1);
}

START_TEST (test_png_8_and_16_bit)
{
  check_lossless ("ramp8.png", "R'G'B' u8", 8, OTTICA_IMAGE_KIND_PNG);
  check_lossless ("ramp16.png", "R'G'B' u16", 16, OTTICA_IMAGE_KIND_PNG);
}
END_TEST

START_TEST (test_tiff_8_and_16_bit)
{
  check_lossless ("ramp8.tif", "R'G'B' u8", 0, OTTICA_IMAGE_KIND_TIFF);
  check_lossless ("ramp16.tif", "R'G'B' u16", 0, OTTICA_IMAGE_KIND_TIFF);
}
END_TEST

START_TEST (test_png_tiff_profiles)
{
  const char *names[] = { "adobe.png", "adobe.tif" };
  const Babl *adobe = babl_space ("Adobish");

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = ottica_test_scratch_file (names[i]);
      g_autoptr(GeglBuffer) buffer = ramp_buffer (64, 64, "R'G'B' u16", adobe);
      g_autoptr(OtticaImage) image = NULL;

      save_with_gegl (buffer, path, 16);
      image = load_ok (path, 0);
      ck_assert_ptr_nonnull (image->icc_profile);
      ck_assert_str_ne (image->color_space, "sRGB");
      /* The colours of the original, not of the same numbers in sRGB. */
      for (int y = 0; y < 64; y += 21)
        for (int x = 0; x < 64; x += 21)
          {
            float want[3], got[3];

            pixel_lab (buffer, x, y, want);
            pixel_lab (image->buffer, x, y, got);
            ck_assert_msg (ottica_test_delta_e (got, want) < 1.0, "%s (%d,%d): ΔE %.2f", names[i],
                           x, y, ottica_test_delta_e (got, want));
          }
    }
}
END_TEST

static guint32
crc32_png (const guint8 *data,
           gsize         length)
{
  guint32 crc = 0xFFFFFFFFu;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  return crc ^ 0xFFFFFFFFu;
}

START_TEST (test_png_damaged_profile)
{
  g_autofree char *path = ottica_test_scratch_file ("badicc.png");
  g_autoptr(GeglBuffer) buffer = ramp_buffer (32, 32, "R'G'B' u8", babl_space ("sRGB"));
  g_autoptr(GConverter) zlib = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6));
  g_autofree char *contents = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 junk[400], packed[1024], chunk[1100];
  gsize size = 0, read = 0, written = 0, chunk_length;
  g_autoptr(OtticaImage) image = NULL;
  guint32 crc;

  save_with_gegl (buffer, path, 8);
  ck_assert (g_file_get_contents (path, &contents, &size, NULL));

  /* An iCCP chunk (name, method 0, zlib data) whose profile is junk. */
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 13 + 5);
  ck_assert_int_eq (g_converter_convert (zlib, junk, sizeof junk, packed, sizeof packed,
                                         G_CONVERTER_INPUT_AT_END, &read, &written, NULL),
                    G_CONVERTER_FINISHED);
  chunk_length = 5 + 1 + written;
  memcpy (chunk, "iCCPjunk\0\0", 10);
  memcpy (chunk + 10, packed, written);
  crc = crc32_png (chunk, 4 + chunk_length);

  /* Signature and IHDR (8 + 25 bytes), then the new chunk, then the rest. */
  g_byte_array_append (out, (guint8 *) contents, 33);
  {
    guint8 length_be[4] = { (guint8) (chunk_length >> 24), (guint8) (chunk_length >> 16),
                            (guint8) (chunk_length >> 8), (guint8) chunk_length };
    guint8 crc_be[4] = { (guint8) (crc >> 24), (guint8) (crc >> 16), (guint8) (crc >> 8), (guint8) crc };

    g_byte_array_append (out, length_be, 4);
    g_byte_array_append (out, chunk, (guint) (4 + chunk_length));
    g_byte_array_append (out, crc_be, 4);
  }
  g_byte_array_append (out, (guint8 *) contents + 33, (guint) (size - 33));
  ck_assert (g_file_set_contents (path, (char *) out->data, out->len, NULL));

  image = load_ok (path, 0);
  ck_assert_ptr_null (image->icc_profile);
  ck_assert_str_eq (image->color_space, "sRGB");
  ck_assert_ptr_nonnull (image->warning);
  ck_assert (strstr (image->warning, "“badicc.png”") != NULL);
  assert_same_pixels (buffer, image);
}
END_TEST

START_TEST (test_png_tiff_orientation)
{
  const char *names[] = { "quad.png", "quad.tif" };
  g_autofree guint8 *pixels = quadrants (60, 40);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = ottica_test_scratch_file (names[i]);
      GeglRectangle extent = { 0, 0, 60, 40 };
      g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, babl_format ("R'G'B' u8"));
      g_autoptr(OtticaImage) image = NULL;

      gegl_buffer_set (buffer, &extent, 0, babl_format ("R'G'B' u8"), pixels, GEGL_AUTO_ROWSTRIDE);
      save_with_gegl (buffer, path, 8);
      set_orientation (path, 6);
      image = load_ok (path, 0);
      ck_assert_int_eq (image->orientation, 6);
      ck_assert_int_eq (extent_of (image)->width, 40);
      ck_assert_int_eq (extent_of (image)->height, 60);
      assert_corners (image->buffer, 6, 0, 0);
    }
}
END_TEST

/* ---- orientation and ICC units ----------------------------------------- */

START_TEST (test_orientation_from_exif)
{
  /* II: IFD0 at 8 with one entry, Orientation (0x112) SHORT 1 = 6. */
  static const guint8 little[] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0,
                                   1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 big[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3,
                                0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0 };
  guint8 bad[sizeof little];

  ck_assert_int_eq (ottica_orientation_from_exif (little, sizeof little), 6);
  ck_assert_int_eq (ottica_orientation_from_exif (big, sizeof big), 8);
  ck_assert_int_eq (ottica_orientation_from_exif (little, 12), 1);   /* cut short */
  ck_assert_int_eq (ottica_orientation_from_exif (NULL, 0), 1);
  memcpy (bad, little, sizeof bad);
  bad[18] = 9;                                                          /* out of range */
  ck_assert_int_eq (ottica_orientation_from_exif (bad, sizeof bad), 1);
  memcpy (bad, little, sizeof bad);
  bad[4] = 200;                                                         /* IFD past the end */
  ck_assert_int_eq (ottica_orientation_from_exif (bad, sizeof bad), 1);
}
END_TEST

START_TEST (test_orientation_apply)
{
  /* A 3 × 2 image of numbered pixels:  0 1 2 / 3 4 5. The upright
   * images below are worked out by hand from the EXIF table. */
  static const guint8 expected[9][6] = {
    { 0 },
    [1] = { 0, 1, 2, 3, 4, 5 },
    [2] = { 2, 1, 0, 5, 4, 3 },
    [3] = { 5, 4, 3, 2, 1, 0 },
    [4] = { 3, 4, 5, 0, 1, 2 },
    [5] = { 0, 3, 1, 4, 2, 5 },
    [6] = { 3, 0, 4, 1, 5, 2 },
    [7] = { 5, 2, 4, 1, 3, 0 },
    [8] = { 2, 5, 1, 4, 0, 3 },
  };
  GeglRectangle extent = { 0, 0, 3, 2 };
  const Babl *format = babl_format ("Y u8");
  g_autoptr(GeglBuffer) buffer = gegl_buffer_new (&extent, format);
  const guint8 stored[6] = { 0, 1, 2, 3, 4, 5 };

  gegl_buffer_set (buffer, &extent, 0, format, stored, GEGL_AUTO_ROWSTRIDE);
  for (int orientation = 1; orientation <= 8; orientation++)
    {
      g_autoptr(GeglBuffer) upright = ottica_orientation_apply (buffer, orientation);
      const GeglRectangle *e = gegl_buffer_get_extent (upright);
      guint8 got[6];

      ck_assert_int_eq (e->width, orientation >= 5 ? 2 : 3);
      ck_assert_int_eq (e->height, orientation >= 5 ? 3 : 2);
      ck_assert_ptr_eq (gegl_buffer_get_format (upright), format);
      gegl_buffer_get (upright, e, 1.0, format, got, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      ck_assert_msg (memcmp (got, expected[orientation], 6) == 0,
                     "orientation %d: %d %d %d %d %d %d", orientation,
                     got[0], got[1], got[2], got[3], got[4], got[5]);
    }
}
END_TEST

START_TEST (test_icc_validation)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GBytes) adobe = make_adobe_rgb_profile ();
  cmsHPROFILE lab = cmsCreateLab4Profile (NULL);
  cmsUInt32Number size = 0;
  g_autofree void *lab_data = NULL;
  g_autoptr(GBytes) lab_icc = NULL;
  OtticaIccModel model;

  ck_assert_ptr_eq (ottica_icc_babl_space (NULL, "x.jpg", &description, &error), babl_space ("sRGB"));
  ck_assert_str_eq (description, "sRGB");
  g_clear_pointer (&description, g_free);

  ck_assert_ptr_nonnull (ottica_icc_babl_space (adobe, "x.jpg", &description, &error));
  ck_assert_ptr_null (error);
  ck_assert_ptr_nonnull (description);
  ck_assert (ottica_icc_validate (adobe, "x.jpg", &model, NULL, &error));
  ck_assert_int_eq (model, OTTICA_ICC_MODEL_RGB);

  /* A Lab abstract profile describes no pixels of a photo. */
  cmsSaveProfileToMem (lab, NULL, &size);
  lab_data = g_malloc (size);
  cmsSaveProfileToMem (lab, lab_data, &size);
  cmsCloseProfile (lab);
  lab_icc = g_bytes_new (lab_data, size);
  ck_assert (!ottica_icc_validate (lab_icc, "lab.tif", NULL, NULL, &error));
  ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED));
  ck_assert (strstr (error->message, "“lab.tif”") != NULL);
  g_clear_error (&error);

  /* A profile cut in half is damaged. */
  {
    g_autoptr(GBytes) half = g_bytes_new_from_bytes (adobe, 0, g_bytes_get_size (adobe) / 2);

    ck_assert_ptr_null (ottica_icc_babl_space (half, "half.png", NULL, &error));
    ck_assert (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT));
  }
}
END_TEST

/* babl 0.1.98 exports these without declaring them: what its tables hold. */
extern int  babl_formats_count (void);
extern void babl_conversion_class_for_each (int (*each) (Babl *, void *), void *data);

static int
count_one (Babl *item, void *data)
{
  (*(int *) data)++;
  return 0;
}

static int
babl_entries (void)
{
  int conversions = 0;

  babl_conversion_class_for_each (count_one, &conversions);
  return babl_formats_count () + conversions;
}

/* A photo's new ICC space is made as a babl change, with what Ottica's
 * operations need of it: preparing a graph on it afterwards, in a read
 * beside other renders, adds nothing to babl's tables (adding there could
 * free a table under another thread's lookup). */
START_TEST (test_icc_space_prepared_before_reads)
{
  g_autoptr(GBytes) adobe = make_adobe_rgb_profile ();
  const GeglRectangle extent = { 0, 0, 16, 16 };
  g_autoptr(GeglNode) graph = gegl_node_new ();
  g_autoptr(GeglBuffer) buffer = NULL;
  const Babl *space;
  GeglNode *source, *develop;
  int before;

  space = ottica_icc_babl_space (adobe, "adobe.jpg", NULL, NULL);
  ck_assert_ptr_nonnull (space);
  before = babl_entries ();

  ottica_babl_guard_read_begin ();
  buffer = gegl_buffer_new (&extent, babl_format_with_space ("R'G'B' u8", space));
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer, NULL);
  develop = gegl_node_new_child (graph, "operation", "ottica:develop", NULL);
  gegl_node_link (source, develop);
  gegl_node_get_bounding_box (develop);
  ottica_babl_guard_read_end ();

  ck_assert_int_eq (babl_entries (), before);
}
END_TEST

/* ---- camera RAW --------------------------------------------------------- */

START_TEST (test_cr2_full_and_half)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autoptr(OtticaImage) full = NULL;
  g_autoptr(OtticaImage) half = NULL;
  double mean_full[3], mean_half[3], spread;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }

  full = load_ok (cr2, 0);
  ck_assert_int_eq (full->kind, OTTICA_IMAGE_KIND_RAW);
  ck_assert_str_eq (full->camera, "Canon EOS 30D");
  ck_assert_str_eq (full->format_name, "Canon CR2 RAW");
  ck_assert_int_eq (extent_of (full)->width, 3522);
  ck_assert_int_eq (extent_of (full)->height, 2348);
  ck_assert_double_eq (full->scale, 1.0);
  /* 16-bit linear in a wide space babl knows. */
  ck_assert_ptr_eq (gegl_buffer_get_format (full->buffer),
                    babl_format_with_space ("RGB u16", babl_space ("ProPhoto")));
  buffer_stats (full->buffer, mean_full, &spread);
  ck_assert_msg (spread > 0.03, "flat image: spread %.4f", spread);

  half = load_ok (cr2, 1000);
  ck_assert_int_eq (extent_of (half)->width, 1761);
  ck_assert_int_eq (extent_of (half)->height, 1174);
  ck_assert_int_eq (half->full_width, 3522);
  ck_assert_int_eq (half->full_height, 2348);
  ck_assert_double_eq_tol (half->scale, 0.5, 1e-9);
  buffer_stats (half->buffer, mean_half, &spread);
  for (int c = 0; c < 3; c++)
    ck_assert_msg (fabs (mean_full[c] - mean_half[c]) < 0.01, "channel %d: %.4f vs %.4f", c,
                   mean_full[c], mean_half[c]);
}
END_TEST

/* Where a sensor clipped, libraw's highlight mode 0 clips every channel at
 * the same level after white balance, so blown skies come out white; the
 * "unclip" mode leaves them pink (measured on these samples: 60-82 % of
 * the brightest pixels neutral in mode 0, none in mode 1). The CR2 has no
 * clipped highlights, so two old Canons with blown skies are used. */
START_TEST (test_raw_highlights_white)
{
  const char *files[] = { "raw/canon_eos_d30.crw", "raw/canon_powershot_g2.crw" };
  const Babl *lab_format = babl_format ("CIE Lab float");

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = ottica_test_sample (files[i]);
      g_autoptr(OtticaImage) image = NULL;
      const GeglRectangle *extent;
      gsize n;
      g_autofree guint16 *rgb = NULL;
      g_autofree float *lab = NULL;
      glong bright = 0, neutral = 0;

      if (path == NULL)
        {
          ottica_test_skip ("sample %s absent", files[i]);
          return;
        }
      image = load_ok (path, 1000);
      extent = extent_of (image);
      n = (gsize) extent->width * extent->height;
      rgb = g_new (guint16, n * 3);
      lab = g_new (float, n * 3);
      gegl_buffer_get (image->buffer, extent, 1.0, gegl_buffer_get_format (image->buffer), rgb,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      gegl_buffer_get (image->buffer, extent, 1.0, lab_format, lab, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      for (gsize p = 0; p < n; p++)
        {
          if (MAX (rgb[p * 3], MAX (rgb[p * 3 + 1], rgb[p * 3 + 2])) < 64000)
            continue;
          bright++;
          if (hypot (lab[p * 3 + 1], lab[p * 3 + 2]) < 6.0)
            neutral++;
        }
      ck_assert_msg (bright > 1000, "%s: only %ld clipped pixels", files[i], bright);
      ck_assert_msg (neutral * 100 >= bright * 40, "%s: %ld of %ld clipped pixels neutral",
                     files[i], neutral, bright);
    }
}
END_TEST

/* The loader applies the camera-to-ProPhoto matrix itself, beside
 * libraw's last pass (ottica-raw-load.c): the pixels must be exactly those
 * libraw makes when it converts them itself (OTTICA_RAW_LIBRAW_COLOUR),
 * full size and half size, on every RAW at hand. */
START_TEST (test_raw_own_colour_matches_libraw)
{
  const char *samples[] = { "raw/canon_eos_d30.crw", "raw/canon_powershot_g2.crw",
                            "raw/canon_eos_550d_magiclantern_colorchecker.dng",
                            "raw/blackmagic_pocket_cinema_4k.dng", "raw/kodak_c330.raw",
                            "raw/kodak_dc50.kdc" };
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint compared = 0;

  if (ottica_test_canon_cr2 () != NULL)
    g_ptr_array_add (paths, g_strdup (ottica_test_canon_cr2 ()));
  for (gsize i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      char *path = ottica_test_sample (samples[i]);

      if (path != NULL)
        g_ptr_array_add (paths, path);
    }
  if (paths->len == 0)
    {
      ottica_test_skip ("no camera RAW at hand (rawtran-doc, ../shared/samples)");
      return;
    }

  for (guint i = 0; i < paths->len; i++)
    for (int half = 0; half < 2; half++)
      {
        const char *path = g_ptr_array_index (paths, i);
        OtticaLoadOptions options = { .max_size = half ? 256 : 0 };
        g_autoptr(GError) error = NULL;
        g_autoptr(OtticaImage) ours = NULL;
        g_autoptr(OtticaImage) theirs = NULL;
        const GeglRectangle *extent;
        const Babl *format;
        g_autofree guint8 *a = NULL;
        g_autofree guint8 *b = NULL;
        gsize size;

        ours = ottica_image_load (path, &options, NULL, &error);
        ck_assert_msg (ours != NULL, "%s: %s", path, error != NULL ? error->message : "");
        g_setenv ("OTTICA_RAW_LIBRAW_COLOUR", "1", TRUE);
        theirs = ottica_image_load (path, &options, NULL, &error);
        g_unsetenv ("OTTICA_RAW_LIBRAW_COLOUR");
        ck_assert_msg (theirs != NULL, "%s: %s", path, error != NULL ? error->message : "");

        extent = gegl_buffer_get_extent (ours->buffer);
        format = gegl_buffer_get_format (ours->buffer);
        ck_assert (gegl_rectangle_equal (extent, gegl_buffer_get_extent (theirs->buffer)));
        ck_assert (format == gegl_buffer_get_format (theirs->buffer));
        size = (gsize) extent->width * extent->height * babl_format_get_bytes_per_pixel (format);
        a = g_malloc (size);
        b = g_malloc (size);
        gegl_buffer_get (ours->buffer, extent, 1.0, format, a, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        gegl_buffer_get (theirs->buffer, extent, 1.0, format, b, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        ck_assert_msg (memcmp (a, b, size) == 0, "%s (%s): the pixels differ from libraw's",
                       path, half ? "half size" : "full size");
        compared++;
      }
  ck_assert_uint_ge (compared, 2);
}
END_TEST

START_TEST (test_raw_flip)
{
  g_autofree char *dng = ottica_test_sample ("raw/canon_eos_550d_magiclantern_colorchecker.dng");
  g_autoptr(OtticaImage) plain = NULL;

  if (dng == NULL)
    {
      ottica_test_skip ("shared samples absent");
      return;
    }
  plain = load_ok (dng, 400);

  /* libraw takes the DNG's orientation tag as sizes.flip. */
  for (int orientation = 2; orientation <= 8; orientation++)
    {
      g_autofree char *name = g_strdup_printf ("flip-%d.dng", orientation);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(OtticaImage) turned = NULL;
      g_autoptr(GeglBuffer) expected = NULL;
      const GeglRectangle *e;
      gsize size;
      g_autofree guint16 *want = NULL;
      g_autofree guint16 *got = NULL;

      copy_file (dng, path);
      set_orientation (path, orientation);
      turned = load_ok (path, 400);
      ck_assert_int_eq (turned->orientation, orientation);

      expected = ottica_orientation_apply (plain->buffer, orientation);
      e = gegl_buffer_get_extent (expected);
      ck_assert_int_eq (extent_of (turned)->width, e->width);
      ck_assert_int_eq (extent_of (turned)->height, e->height);
      size = (gsize) e->width * e->height * 3;
      want = g_new (guint16, size);
      got = g_new (guint16, size);
      gegl_buffer_get (expected, e, 1.0, babl_format ("RGB u16"), want, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      gegl_buffer_get (turned->buffer, e, 1.0, babl_format ("RGB u16"), got, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      ck_assert_msg (memcmp (want, got, size * 2) == 0, "orientation %d differs", orientation);
    }
}
END_TEST

/* ---- embedded RAW previews ---------------------------------------------- */

static double
thread_cpu_seconds (void)
{
  struct timespec t;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static OtticaImage *
load_preview (const char *path,
              guint       max_size)
{
  OtticaLoadOptions options = { .max_size = max_size, .allow_embedded_preview = TRUE };
  g_autoptr(GError) error = NULL;
  OtticaImage *image = ottica_image_load (path, &options, NULL, &error);

  ck_assert_msg (image != NULL, "loading %s failed: %s", path, error ? error->message : "?");
  return image;
}

#define GRID_X 24
#define GRID_Y 16

/* Mean linear-light colour (sRGB primaries) of each cell of a
 * GRID_X × GRID_Y grid over the buffer, as CIE Lab after scaling the
 * whole grid so its mean luminance is 0.18. */
static void
grid_lab (GeglBuffer *buffer,
          float       lab[GRID_Y][GRID_X][3])
{
  const GeglRectangle *e = gegl_buffer_get_extent (buffer);
  g_autofree float *rgb = g_new (float, (gsize) e->width * e->height * 3);
  double cells[GRID_Y][GRID_X][3] = { { { 0 } } };
  float linear[GRID_Y][GRID_X][3];
  double luminance = 0;

  gegl_buffer_get (buffer, e, 1.0, babl_format_with_space ("RGB float", babl_space ("sRGB")), rgb,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (int y = 0; y < e->height; y++)
    for (int x = 0; x < e->width; x++)
      for (int c = 0; c < 3; c++)
        cells[y * GRID_Y / e->height][x * GRID_X / e->width][c] += rgb[((gsize) y * e->width + x) * 3 + c];
  for (int y = 0; y < GRID_Y; y++)
    for (int x = 0; x < GRID_X; x++)
      luminance += 0.2126 * cells[y][x][0] + 0.7152 * cells[y][x][1] + 0.0722 * cells[y][x][2];
  for (int y = 0; y < GRID_Y; y++)
    for (int x = 0; x < GRID_X; x++)
      for (int c = 0; c < 3; c++)
        linear[y][x][c] = (float) (cells[y][x][c] * 0.18 * GRID_X * GRID_Y / luminance);
  babl_process (babl_fish (babl_format_with_space ("RGB float", babl_space ("sRGB")),
                           babl_format ("CIE Lab float")),
                linear, lab, GRID_X * GRID_Y);
}

/* How a preview compares with the half-size decode of the same RAW: mean
 * CIE76 ΔE over the grid (exposure matched) and the correlation of L*. */
static void
compare_with_decode (GeglBuffer *preview,
                     GeglBuffer *decode,
                     double     *mean_delta_e,
                     double     *correlation)
{
  float a[GRID_Y][GRID_X][3], b[GRID_Y][GRID_X][3];
  double sum = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  int n = GRID_X * GRID_Y;

  grid_lab (preview, a);
  grid_lab (decode, b);
  for (int y = 0; y < GRID_Y; y++)
    for (int x = 0; x < GRID_X; x++)
      {
        double la = a[y][x][0], lb = b[y][x][0];

        sum += ottica_test_delta_e (a[y][x], b[y][x]);
        sa += la;
        sb += lb;
        saa += la * la;
        sbb += lb * lb;
        sab += la * lb;
      }
  *mean_delta_e = sum / n;
  *correlation = (sab - sa * sb / n) / sqrt ((saa - sa * sa / n) * (sbb - sb * sb / n));
}

/* Bounds for compare_with_decode. The preview is the camera's own
 * rendering (its white balance, tone curve and saturation), the decode is
 * linear with the white balance libraw reads: even with exposure matched
 * they differ by a camera's S-curve and more. Measured: the CR2 6.5, the
 * G2 7.4, the D30 17.4 (a tungsten-lit scene the camera rendered warmer
 * and harder); the same previews turned 180° give 34-39 and an L*
 * correlation below 0; the right frame correlates above 0.99. */
#define PREVIEW_MAX_MEAN_DELTA_E 25.0
#define PREVIEW_MIN_CORRELATION  0.9

START_TEST (test_raw_embedded_preview)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autoptr(OtticaImage) small = NULL;
  g_autoptr(OtticaImage) large = NULL;
  g_autoptr(OtticaImage) too_large = NULL;
  g_autoptr(OtticaImage) half = NULL;
  g_autoptr(OtticaImage) zero = NULL;
  OtticaLoadOptions no_size = { .allow_embedded_preview = TRUE };
  double delta_e, correlation;
  double start, preview_time, decode_time;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }

  /* The CR2 holds a 1728 × 1152 JPEG: a quarter of it in the DCT reaches
   * 400 pixels, an eighth would not. */
  start = thread_cpu_seconds ();
  small = load_preview (cr2, 400);
  preview_time = thread_cpu_seconds () - start;
  ck_assert (small->embedded_preview);
  ck_assert (!ottica_image_is_scene_linear (small));
  ck_assert_int_eq (small->kind, OTTICA_IMAGE_KIND_RAW);
  ck_assert_str_eq (small->format_name, "Canon CR2 RAW");
  ck_assert_str_eq (small->camera, "Canon EOS 30D");
  ck_assert_int_eq (extent_of (small)->width, 432);
  ck_assert_int_eq (extent_of (small)->height, 288);
  ck_assert_int_eq (small->full_width, 3522);
  ck_assert_int_eq (small->full_height, 2348);
  ck_assert_int_eq (small->orientation, 1);
  ck_assert_double_eq_tol (small->scale, 432.0 / 3522.0, 1e-9);
  ck_assert_ptr_eq (gegl_buffer_get_format (small->buffer),
                    babl_format_with_space ("R'G'B' u8", babl_space ("sRGB")));

  large = load_preview (cr2, 1000);
  ck_assert (large->embedded_preview);
  ck_assert_int_eq (extent_of (large)->width, 1728);
  ck_assert_int_eq (extent_of (large)->height, 1152);
  ck_assert_double_eq_tol (large->scale, 1728.0 / 3522.0, 1e-9);

  /* Beyond the preview's size: the half-size decode, as without the flag. */
  start = thread_cpu_seconds ();
  too_large = load_preview (cr2, 1729);
  decode_time = thread_cpu_seconds () - start;
  ck_assert (!too_large->embedded_preview);
  ck_assert (ottica_image_is_scene_linear (too_large));
  ck_assert_int_eq (extent_of (too_large)->width, 1761);
  ck_assert_ptr_eq (gegl_buffer_get_format (too_large->buffer),
                    babl_format_with_space ("RGB u16", babl_space ("ProPhoto")));
  /* Decoding the preview skips unpacking the sensor data at all (CPU
   * time of this thread: libraw unpacks here, 0.2 s on this CR2). */
  ck_assert_msg (preview_time * 4 < decode_time, "preview %.3f s, decode %.3f s of CPU time",
                 preview_time, decode_time);

  /* Without a size the flag means nothing: a full-resolution decode is
   * what exports need. (Checked on the header only: no decode.) */
  zero = ottica_image_load (ottica_test_canon_cr2 (), &no_size, NULL, NULL);
  ck_assert_ptr_nonnull (zero);
  ck_assert (!zero->embedded_preview);
  ck_assert_int_eq (extent_of (zero)->width, 3522);

  half = load_ok (cr2, 1000);
  ck_assert (!half->embedded_preview);
  compare_with_decode (large->buffer, half->buffer, &delta_e, &correlation);
  ck_assert_msg (delta_e < PREVIEW_MAX_MEAN_DELTA_E && correlation > PREVIEW_MIN_CORRELATION,
                 "preview vs decode: mean ΔE %.2f, L* correlation %.3f", delta_e, correlation);
  g_print ("CR2 preview vs half-size decode: mean delta E %.2f, L* correlation %.3f; "
           "preview %.1f ms, decode %.1f ms of CPU time\n", delta_e, correlation,
           preview_time * 1000.0, decode_time * 1000.0);
}
END_TEST

/* The preview is turned as the RAW is, whatever the JPEG says. */
START_TEST (test_raw_embedded_preview_turned)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  const int orientations[] = { 2, 3, 6, 8 };
  g_autoptr(OtticaImage) plain = NULL;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }
  plain = load_preview (cr2, 400);
  ck_assert (plain->embedded_preview);

  for (gsize i = 0; i < G_N_ELEMENTS (orientations); i++)
    {
      int orientation = orientations[i];
      g_autofree char *name = g_strdup_printf ("turned-%d.cr2", orientation);
      g_autofree char *path = ottica_test_scratch_file (name);
      g_autoptr(OtticaImage) turned = NULL;
      g_autoptr(GeglBuffer) expected = NULL;
      const GeglRectangle *e;
      gsize size;
      g_autofree guint8 *want = NULL;
      g_autofree guint8 *got = NULL;

      copy_file (cr2, path);
      set_orientation (path, orientation);
      turned = load_preview (path, 400);
      ck_assert (turned->embedded_preview);
      ck_assert_int_eq (turned->orientation, orientation);
      ck_assert_int_eq (turned->full_width, orientation >= 5 ? 2348 : 3522);
      ck_assert_int_eq (turned->full_height, orientation >= 5 ? 3522 : 2348);
      ck_assert_double_eq_tol (turned->scale, 432.0 / 3522.0, 1e-9);

      expected = ottica_orientation_apply (plain->buffer, orientation);
      e = gegl_buffer_get_extent (expected);
      ck_assert_int_eq (extent_of (turned)->width, e->width);
      ck_assert_int_eq (extent_of (turned)->height, e->height);
      size = (gsize) e->width * e->height * 3;
      want = g_new (guint8, size);
      got = g_new (guint8, size);
      gegl_buffer_get (expected, e, 1.0, babl_format ("R'G'B' u8"), want, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      gegl_buffer_get (turned->buffer, e, 1.0, babl_format ("R'G'B' u8"), got, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      ck_assert_msg (memcmp (want, got, size) == 0, "orientation %d differs", orientation);
    }
}
END_TEST

/* Which shared samples hold a JPEG preview of the whole frame, and how
 * big (raw-identify's "Thumb size"). */
static const struct
{
  const char *file;
  int         preview_long_side;   /* 0: none usable */
} preview_samples[] = {
  { "raw/canon_eos_d30.crw", 1440 },
  { "raw/canon_powershot_g2.crw", 640 },
  { "raw/kodak_dc50.kdc", 0 },
  { "raw/canon_eos_550d_magiclantern_colorchecker.dng", 0 },
  { "raw/kodak_c330.raw", 0 },
};

START_TEST (test_raw_embedded_preview_samples)
{
  g_autofree char *path = ottica_test_sample (preview_samples[_i].file);
  g_autoptr(OtticaImage) preview = NULL;
  g_autoptr(OtticaImage) half = NULL;
  int expected = preview_samples[_i].preview_long_side;
  double delta_e, correlation;

  if (path == NULL)
    {
      ottica_test_skip ("sample %s absent", preview_samples[_i].file);
      return;
    }
  preview = load_preview (path, 320);
  half = load_ok (path, 320);
  ck_assert_int_eq (preview->full_width, half->full_width);
  ck_assert_int_eq (preview->full_height, half->full_height);
  ck_assert_int_eq (preview->orientation, half->orientation);
  ck_assert_str_eq (preview->camera, half->camera);
  if (expected == 0)
    {
      ck_assert (!preview->embedded_preview);
      ck_assert_int_eq (extent_of (preview)->width, extent_of (half)->width);
      return;
    }
  ck_assert (preview->embedded_preview);
  ck_assert_int_ge (MAX (extent_of (preview)->width, extent_of (preview)->height), 320);
  ck_assert_int_lt (MAX (extent_of (preview)->width, extent_of (preview)->height), 640);
  ck_assert_double_eq_tol (preview->scale, (double) extent_of (preview)->width / preview->full_width, 1e-9);
  compare_with_decode (preview->buffer, half->buffer, &delta_e, &correlation);
  g_print ("%s preview vs half-size decode: mean delta E %.2f, L* correlation %.3f\n",
           preview_samples[_i].file, delta_e, correlation);
  ck_assert_msg (delta_e < PREVIEW_MAX_MEAN_DELTA_E && correlation > PREVIEW_MIN_CORRELATION,
                 "%s: mean ΔE %.2f, L* correlation %.3f", preview_samples[_i].file, delta_e, correlation);
}
END_TEST

/* Output sizes as raw-identify reports them. */
static const struct
{
  const char *file;
  int width, height;
  const char *camera;
} raw_samples[] = {
  { "raw/blackmagic_pocket_cinema_4k.dng", 4128, 2176, "Blackmagic Pocket Cinema Camera 4K" },
  { "raw/canon_eos_550d_magiclantern_colorchecker.dng", 1734, 1156, "Canon EOS Kiss X4" },
  { "raw/canon_eos_d30.crw", 2176, 1448, "Canon EOS D30" },
  { "raw/canon_powershot_g2.crw", 2312, 1720, "Canon PowerShot G2" },
  { "raw/kodak_c330.raw", 1216, 912, "Kodak C330" },
  { "raw/kodak_dc50.kdc", 768, 512, "Kodak DC50" },
};

START_TEST (test_raw_samples)
{
  g_autofree char *path = ottica_test_sample (raw_samples[_i].file);
  g_autoptr(OtticaImage) image = NULL;
  double mean[3], spread;

  if (path == NULL)
    {
      ottica_test_skip ("sample %s absent", raw_samples[_i].file);
      return;
    }
  image = load_ok (path, 0);
  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_RAW);
  ck_assert_int_eq (extent_of (image)->width, raw_samples[_i].width);
  ck_assert_int_eq (extent_of (image)->height, raw_samples[_i].height);
  ck_assert_str_eq (image->camera, raw_samples[_i].camera);
  ck_assert_ptr_null (image->warning);
  buffer_stats (image->buffer, mean, &spread);
  ck_assert_msg (spread > 0.02, "%s looks flat (spread %.4f)", raw_samples[_i].file, spread);
  for (int c = 0; c < 3; c++)
    ck_assert_msg (mean[c] > 0.02 && mean[c] < 0.98, "%s mean %.3f", raw_samples[_i].file, mean[c]);
}
END_TEST

START_TEST (test_jpeg_samples)
{
  const char *files[] = { "jpeg/iphone13mini_displayp3_gainmap.jpg", "jpeg/olympus_e-p3.jpg",
                          "jpeg/pixel_hdrplus_12mp_srgb_v4icc.jpg" };
  const int sizes[][2] = { { 384, 512 }, { 4032, 3024 }, { 3024, 4032 } };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = ottica_test_sample (files[i]);
      g_autoptr(OtticaImage) image = NULL;
      double mean[3], spread;

      if (path == NULL)
        {
          ottica_test_skip ("sample %s absent", files[i]);
          return;
        }
      image = load_ok (path, 0);
      ck_assert_int_eq (extent_of (image)->width, sizes[i][0]);
      ck_assert_int_eq (extent_of (image)->height, sizes[i][1]);
      buffer_stats (image->buffer, mean, &spread);
      ck_assert_msg (spread > 0.03, "%s looks flat", files[i]);
    }
}
END_TEST

START_TEST (test_pixel_sample_rotated)
{
  g_autofree char *path = ottica_test_sample ("jpeg/pixel_hdrplus_12mp_srgb_v4icc.jpg");
  g_autoptr(OtticaImage) image = NULL;
  g_autofree guint8 *stored = NULL;
  int width, height;

  if (path == NULL)
    {
      ottica_test_skip ("shared samples absent");
      return;
    }
  image = load_ok (path, 0);
  ck_assert_int_eq (image->orientation, 6);
  ck_assert_int_eq (extent_of (image)->width, 3024);
  ck_assert_int_eq (extent_of (image)->height, 4032);
  ck_assert_int_eq (image->full_width, 3024);
  ck_assert_int_eq (image->full_height, 4032);

  /* Rotate 90 CW: upright (x, y) is stored (y, H - 1 - x). */
  stored = ottica_test_decode_jpeg (path, &width, &height);
  ck_assert_int_eq (width, 4032);
  ck_assert_int_eq (height, 3024);
  for (int i = 0; i < 50; i++)
    {
      int x = (i * 997) % 3024, y = (i * 1499) % 4032;
      GeglRectangle rect = { x, y, 1, 1 };
      guint8 got[3];
      const guint8 *want = stored + ((gsize) (height - 1 - x) * width + y) * 3;

      gegl_buffer_get (image->buffer, &rect, 1.0, gegl_buffer_get_format (image->buffer), got,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      ck_assert_msg (memcmp (got, want, 3) == 0, "(%d,%d) differs", x, y);
    }
}
END_TEST

START_TEST (test_display_p3_sample)
{
  g_autofree char *path = ottica_test_sample ("jpeg/iphone13mini_displayp3_gainmap.jpg");
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(GBytes) srgb = srgb_lab_profile ();
  const GeglRectangle *extent;
  g_autofree guint8 *pixels = NULL;
  int best = 0;
  double best_chroma = -1;
  float want[3], got[3], as_srgb[3];

  if (path == NULL)
    {
      ottica_test_skip ("shared samples absent");
      return;
    }
  image = load_ok (path, 0);
  ck_assert_ptr_nonnull (image->icc_profile);
  ck_assert_str_eq (image->color_space, "Display P3");
  ck_assert_ptr_ne (babl_format_get_space (gegl_buffer_get_format (image->buffer)), babl_space ("sRGB"));

  /* The most saturated pixel, in the file's own numbers. */
  extent = extent_of (image);
  pixels = g_malloc ((gsize) extent->width * extent->height * 3);
  gegl_buffer_get (image->buffer, extent, 1.0, gegl_buffer_get_format (image->buffer), pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (int i = 0; i < extent->width * extent->height; i++)
    {
      const guint8 *p = pixels + i * 3;
      double chroma = MAX (p[0], MAX (p[1], p[2])) - MIN (p[0], MIN (p[1], p[2]));

      if (chroma > best_chroma)
        {
          best_chroma = chroma;
          best = i;
        }
    }
  ck_assert_msg (best_chroma > 100, "no saturated pixel (%.0f)", best_chroma);

  lcms_lab (image->icc_profile, pixels + best * 3, want);
  lcms_lab (srgb, pixels + best * 3, as_srgb);
  pixel_lab (image->buffer, best % extent->width, best / extent->width, got);
  ck_assert_msg (ottica_test_delta_e (got, want) < 2.0, "ΔE %.2f", ottica_test_delta_e (got, want));
  ck_assert_msg (ottica_test_delta_e (as_srgb, want) > 4.0, "the pixel cannot tell P3 from sRGB");
}
END_TEST

typedef struct
{
  const char *path;
  guint64     checksum;
} ParallelLoad;

static guint64
buffer_checksum (GeglBuffer *buffer)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (buffer);
  const Babl *format = gegl_buffer_get_format (buffer);
  gsize size = (gsize) extent->width * extent->height * babl_format_get_bytes_per_pixel (format);
  g_autofree guint8 *data = g_malloc (size);
  guint64 hash = 1469598103934665603ull;

  gegl_buffer_get (buffer, extent, 1.0, format, data, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  for (gsize i = 0; i < size; i++)
    hash = (hash ^ data[i]) * 1099511628211ull;
  return hash;
}

static gpointer
load_in_thread (gpointer data)
{
  ParallelLoad *job = data;
  OtticaLoadOptions options = { 1000 };
  OtticaImage *image = ottica_image_load (job->path, &options, NULL, NULL);

  job->checksum = image != NULL ? buffer_checksum (image->buffer) : 0;
  ottica_image_free (image);
  return NULL;
}

/* Batches load one photo per worker: two RAW decodes at once must give
 * what one alone gives (libraw.so keeps decoder state in statics; the
 * loader serialises it unless libraw_r is linked). */
START_TEST (test_parallel_loads)
{
  g_autofree char *crw = ottica_test_sample ("raw/canon_eos_d30.crw");
  g_autofree char *photo = ottica_test_bundled_photo ();
  const char *paths[3] = { ottica_test_canon_cr2 (), crw, photo };
  guint64 serial[3];

  if (paths[0] == NULL || paths[1] == NULL)
    {
      ottica_test_skip ("the CR2 or the shared samples are absent");
      return;
    }
  for (int i = 0; i < 3; i++)
    {
      ParallelLoad job = { paths[i], 0 };

      load_in_thread (&job);
      ck_assert (job.checksum != 0);
      serial[i] = job.checksum;
    }
  for (int round = 0; round < 2; round++)
    {
      ParallelLoad jobs[3];
      GThread *threads[3];

      for (int i = 0; i < 3; i++)
        {
          jobs[i] = (ParallelLoad) { paths[(i + round) % 3], 0 };
          threads[i] = g_thread_new ("load", load_in_thread, &jobs[i]);
        }
      for (int i = 0; i < 3; i++)
        {
          g_thread_join (threads[i]);
          ck_assert_msg (jobs[i].checksum == serial[(i + round) % 3], "%s differs when loaded in parallel",
                         jobs[i].path);
        }
    }
}
END_TEST

/* ---- prefetch ------------------------------------------------------------ */

/* A prefetched RAW is decoded in the prefetch's thread: the load that
 * takes it spends almost no CPU time of its own (libraw's unpacking alone
 * is 0.2 s on this CR2), and gives the same pixels. */
START_TEST (test_prefetch_is_taken)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  OtticaLoadOptions options = { .max_size = 1000 };
  g_autoptr(OtticaImage) plain = NULL;
  g_autoptr(OtticaImage) fetched = NULL;
  double start, plain_cpu, fetched_cpu;

  if (cr2 == NULL)
    {
      ottica_test_skip ("Debian's rawtran-doc Canon CR2 is not installed");
      return;
    }
  start = thread_cpu_seconds ();
  plain = load_ok (cr2, 1000);
  plain_cpu = thread_cpu_seconds () - start;

  ottica_image_prefetch (cr2, &options);
  start = thread_cpu_seconds ();
  fetched = load_ok (cr2, 1000);
  fetched_cpu = thread_cpu_seconds () - start;

  ck_assert_msg (fetched_cpu * 4 < plain_cpu, "the load decoded again: %.3f s CPU, %.3f s without "
                 "a prefetch", fetched_cpu, plain_cpu);
  ck_assert_int_eq (fetched->kind, OTTICA_IMAGE_KIND_RAW);
  ck_assert_str_eq (fetched->camera, plain->camera);
  ck_assert_str_eq (fetched->format_name, plain->format_name);
  ck_assert_int_eq (fetched->full_width, plain->full_width);
  ck_assert_double_eq (fetched->scale, plain->scale);
  ck_assert (buffer_checksum (fetched->buffer) == buffer_checksum (plain->buffer));

  /* Taken once: the next load decodes. */
  start = thread_cpu_seconds ();
  g_clear_pointer (&fetched, ottica_image_free);
  fetched = load_ok (cr2, 1000);
  ck_assert (thread_cpu_seconds () - start > fetched_cpu * 4);
}
END_TEST

/* Other options, another file in the same place, or a cleared prefetch:
 * the load decodes what it is asked for, as without a prefetch. */
START_TEST (test_prefetch_not_taken)
{
  const char *cr2 = ottica_test_canon_cr2 ();
  g_autofree char *crw = ottica_test_sample ("raw/canon_eos_d30.crw");
  g_autofree char *path = ottica_test_scratch_file ("photo.raw");
  g_autofree char *photo = ottica_test_bundled_photo ();
  OtticaLoadOptions small = { .max_size = 1000 };
  g_autoptr(OtticaImage) image = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (cr2 == NULL || crw == NULL)
    {
      ottica_test_skip ("the CR2 or the shared samples are absent");
      return;
    }

  /* Asked at half size, loaded at a size where libraw decodes at full. */
  ottica_image_prefetch (cr2, &small);
  image = load_ok (cr2, 2000);
  ck_assert_int_eq (extent_of (image)->width, 3522);
  g_clear_pointer (&image, ottica_image_free);
  ottica_image_prefetch_clear ();

  /* The file replaced while it was being decoded. */
  copy_file (cr2, path);
  ottica_image_prefetch (path, &small);
  ck_assert (g_file_get_contents (crw, &contents, &length, NULL));
  ck_assert (g_file_set_contents (path, contents, (gssize) length, NULL));
  image = load_ok (path, 1000);
  ck_assert_str_eq (image->camera, "Canon EOS D30");
  ck_assert_int_eq (image->full_width, 2176);
  g_clear_pointer (&image, ottica_image_free);

  /* Not a RAW: nothing decoded ahead, the JPEG loads as ever. */
  ottica_image_prefetch (photo, NULL);
  image = load_ok (photo, 0);
  ck_assert_int_eq (image->kind, OTTICA_IMAGE_KIND_JPEG);
  g_clear_pointer (&image, ottica_image_free);

  /* Cleared before anyone took it. */
  ottica_image_prefetch (cr2, &small);
  ottica_image_prefetch_clear ();
  image = load_ok (cr2, 1000);
  ck_assert_int_eq (extent_of (image)->width, 1761);
}
END_TEST

/* ---- dispatch and bad input -------------------------------------------- */

START_TEST (test_content_decides)
{
  g_autofree char *png_as_jpg = ottica_test_scratch_file ("really-a-png.jpg");
  g_autofree char *jpg_as_png = ottica_test_scratch_file ("really-a-jpeg.png");
  g_autofree char *plain_tiff = ottica_test_scratch_file ("plain.tif");
  g_autoptr(GeglBuffer) buffer = ramp_buffer (40, 30, "R'G'B' u8", babl_space ("sRGB"));
  g_autoptr(OtticaImage) a = NULL;
  g_autoptr(OtticaImage) b = NULL;
  g_autoptr(OtticaImage) c = NULL;
  g_autofree guint8 *pixels = ramp_rgb8 (40, 30);
  g_autofree char *png = ottica_test_scratch_file ("src.png");

  save_with_gegl (buffer, png, 8);
  g_rename (png, png_as_jpg);
  write_jpeg (jpg_as_png, 40, 30, 3, pixels, 90, NULL);
  save_with_gegl (buffer, plain_tiff, 8);

  a = load_ok (png_as_jpg, 0);
  ck_assert_int_eq (a->kind, OTTICA_IMAGE_KIND_PNG);
  b = load_ok (jpg_as_png, 0);
  ck_assert_int_eq (b->kind, OTTICA_IMAGE_KIND_JPEG);
  /* A plain TIFF goes to GEGL, not to libraw. */
  c = load_ok (plain_tiff, 0);
  ck_assert_int_eq (c->kind, OTTICA_IMAGE_KIND_TIFF);

  /* A TIFF-based RAW goes to libraw whatever its name. */
  if (ottica_test_canon_cr2 () != NULL)
    {
      g_autofree char *cr2_as_tif = ottica_test_scratch_file ("camera.tif");
      g_autoptr(OtticaImage) raw = NULL;

      ck_assert (symlink (ottica_test_canon_cr2 (), cr2_as_tif) == 0);
      raw = load_ok (cr2_as_tif, 1000);
      ck_assert_int_eq (raw->kind, OTTICA_IMAGE_KIND_RAW);
    }
}
END_TEST

START_TEST (test_supported_names)
{
  const char *yes[] = { "a.jpg", "B.JPEG", "c.png", "d.tif", "e.TIFF", "f.CR2", "g.nef", "h.dng",
                        "i.ARW", "j.raf", "k.orf", "l.rw2", "m.pef", "n.crw", "o.kdc", "p.cr3",
                        "dir.with.dots/q.srw" };
  const char *no[] = { "a.txt", "b", "c.jpg.ottica", "d.gif", "e.", ".hidden", "f.xmp",
                       "dir.jpg/readme" };

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    ck_assert_msg (ottica_image_is_supported_name (yes[i]), "%s", yes[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    ck_assert_msg (!ottica_image_is_supported_name (no[i]), "%s", no[i]);
}
END_TEST

START_TEST (test_bad_files)
{
  g_autofree char *empty = ottica_test_scratch_file ("empty.jpg");
  g_autofree char *text = ottica_test_scratch_file ("notes.txt");
  g_autofree char *text_jpg = ottica_test_scratch_file ("notes.jpg");
  g_autofree char *random_jpg = ottica_test_scratch_file ("noise.jpg");
  g_autofree char *random_cr2 = ottica_test_scratch_file ("noise.CR2");
  g_autofree char *random_bin = ottica_test_scratch_file ("noise.bin");
  g_autofree char *gif = ottica_test_scratch_file ("anim.gif");
  g_autofree char *folder = ottica_test_scratch_file ("folder.jpg");
  g_autofree char *missing = ottica_test_scratch_file ("missing.jpg");
  g_autofree guint8 *noise = g_new (guint8, 100000);
  GRand *rand = g_rand_new_with_seed (42);

  for (int i = 0; i < 100000; i++)
    noise[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  /* Not JPEG, PNG or TIFF magic, whatever the seed made. */
  noise[0] = 0x42;

  ck_assert (g_file_set_contents (empty, "", 0, NULL));
  ck_assert (g_file_set_contents (text, "Shopping list\nmilk\n", -1, NULL));
  ck_assert (g_file_set_contents (text_jpg, "Shopping list\nmilk\n", -1, NULL));
  ck_assert (g_file_set_contents (random_jpg, (char *) noise, 100000, NULL));
  ck_assert (g_file_set_contents (random_cr2, (char *) noise, 100000, NULL));
  ck_assert (g_file_set_contents (random_bin, (char *) noise, 100000, NULL));
  ck_assert (g_file_set_contents (gif, "GIF89a\x01\0\x01\0\0\0\0;", 14, NULL));
  ck_assert (g_mkdir (folder, 0755) == 0);

  assert_load_error (empty, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
  assert_load_error (text, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED, NULL);
  assert_load_error (text_jpg, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED, NULL);
  /* Named like a photo, holding nothing that is one: damaged. */
  assert_load_error (random_jpg, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
  assert_load_error (random_cr2, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
  assert_load_error (random_bin, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED, NULL);
  assert_load_error (gif, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED, NULL);
  assert_load_error (folder, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED, NULL);
  assert_load_error (missing, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND, NULL);
}
END_TEST

START_TEST (test_truncated_files)
{
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *jpg = ottica_test_scratch_file ("half.jpg");
  g_autofree char *jpg_header = ottica_test_scratch_file ("header-only.jpg");
  g_autofree char *png_full = ottica_test_scratch_file ("whole.png");
  g_autofree char *png = ottica_test_scratch_file ("half.png");
  g_autofree char *tif_full = ottica_test_scratch_file ("whole.tif");
  g_autofree char *tif = ottica_test_scratch_file ("half.tif");
  g_autoptr(GeglBuffer) buffer = ramp_buffer (300, 200, "R'G'B' u16", babl_space ("sRGB"));
  GStatBuf st;

  ck_assert (g_stat (photo, &st) == 0);
  write_head (photo, jpg, (gsize) st.st_size / 2);
  write_head (photo, jpg_header, 300);
  assert_load_error (jpg, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
  assert_load_error (jpg_header, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OtticaImage) image = ottica_image_load (jpg, NULL, NULL, &error);

    ck_assert (strstr (error->message, "truncated") != NULL);
  }

  save_with_gegl (buffer, png_full, 16);
  ck_assert (g_stat (png_full, &st) == 0);
  write_head (png_full, png, (gsize) st.st_size / 2);
  assert_load_error (png, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);

  save_with_gegl (buffer, tif_full, 0);
  ck_assert (g_stat (tif_full, &st) == 0);
  write_head (tif_full, tif, (gsize) st.st_size / 2);
  assert_load_error (tif, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);

  if (ottica_test_canon_cr2 () != NULL)
    {
      g_autofree char *cr2 = ottica_test_scratch_file ("half.CR2");
      g_autofree char *cr2_start = ottica_test_scratch_file ("start.CR2");

      ck_assert (g_stat (ottica_test_canon_cr2 (), &st) == 0);
      write_head (ottica_test_canon_cr2 (), cr2, (gsize) st.st_size / 2);
      assert_load_error (cr2, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
      write_head (ottica_test_canon_cr2 (), cr2_start, 2000);
      assert_load_error (cr2_start, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, NULL);
    }
}
END_TEST

static void
patch_bytes (const char   *path,
             gsize         offset,
             const guint8 *bytes,
             gsize         length)
{
  g_autofree char *contents = NULL;
  gsize size = 0;

  ck_assert (g_file_get_contents (path, &contents, &size, NULL));
  ck_assert (offset + length <= size);
  memcpy (contents + offset, bytes, length);
  ck_assert (g_file_set_contents (path, contents, (gssize) size, NULL));
}

static glong
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

START_TEST (test_absurd_sizes)
{
  g_autofree char *jpg = ottica_test_scratch_file ("huge.jpg");
  g_autofree char *png = ottica_test_scratch_file ("huge.png");
  g_autofree char *tif = ottica_test_scratch_file ("huge.tif");
  g_autofree guint8 *pixels = ramp_rgb8 (16, 16);
  g_autoptr(GeglBuffer) buffer = ramp_buffer (16, 16, "R'G'B' u8", babl_space ("sRGB"));
  g_autofree char *contents = NULL;
  gsize size = 0;
  glong before;

  /* JPEG: SOF0 says 65000 × 65000 (4.2 gigapixels). */
  write_jpeg (jpg, 16, 16, 3, pixels, 90, NULL);
  ck_assert (g_file_get_contents (jpg, &contents, &size, NULL));
  for (gsize i = 2; i + 9 < size; i++)
    if ((guint8) contents[i] == 0xFF && (guint8) contents[i + 1] == 0xC0)
      {
        const guint8 dims[4] = { 0xFD, 0xE8, 0xFD, 0xE8 };

        patch_bytes (jpg, i + 5, dims, 4);
        break;
      }

  /* PNG: IHDR says 100000 × 100000. */
  save_with_gegl (buffer, png, 8);
  {
    const guint8 dims[8] = { 0, 0x01, 0x86, 0xA0, 0, 0x01, 0x86, 0xA0 };

    patch_bytes (png, 16, dims, 8);
  }

  /* TIFF: ImageWidth made a LONG of 100000. */
  save_with_gegl (buffer, tif, 0);
  g_clear_pointer (&contents, g_free);
  ck_assert (g_file_get_contents (tif, &contents, &size, NULL));
  ck_assert (contents[0] == 'I');
  {
    guint32 ifd = GUINT32_FROM_LE (*(guint32 *) (contents + 4));
    guint16 n = GUINT16_FROM_LE (*(guint16 *) (contents + ifd));

    for (guint16 i = 0; i < n; i++)
      {
        gsize entry = ifd + 2 + i * 12;

        if (GUINT16_FROM_LE (*(guint16 *) (contents + entry)) == 256)
          {
            const guint8 value[10] = { 4, 0, 1, 0, 0, 0, 0xA0, 0x86, 0x01, 0 };

            patch_bytes (tif, entry + 2, value, sizeof value);
          }
      }
  }

  before = peak_rss_mb ();
  assert_load_error (jpg, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE, NULL);
  assert_load_error (png, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE, NULL);
  assert_load_error (tif, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE, NULL);
  /* Refused from the header: nothing the size of the image was allocated. */
  ck_assert_msg (peak_rss_mb () - before < 64, "peak memory grew by %ld MB", peak_rss_mb () - before);
}
END_TEST

static gpointer
cancel_later (gpointer data)
{
  g_usleep (30 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

START_TEST (test_cancellation)
{
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autofree char *photo = ottica_test_bundled_photo ();
  g_autofree char *png = ottica_test_scratch_file ("c.png");
  g_autoptr(GeglBuffer) buffer = ramp_buffer (16, 16, "R'G'B' u8", babl_space ("sRGB"));

  save_with_gegl (buffer, png, 8);
  g_cancellable_cancel (cancelled);
  assert_load_error (photo, G_IO_ERROR, G_IO_ERROR_CANCELLED, cancelled);
  assert_load_error (png, G_IO_ERROR, G_IO_ERROR_CANCELLED, cancelled);

  if (ottica_test_canon_cr2 () != NULL)
    {
      g_autoptr(GCancellable) later = g_cancellable_new ();
      GThread *thread;

      assert_load_error (ottica_test_canon_cr2 (), G_IO_ERROR, G_IO_ERROR_CANCELLED, cancelled);
      /* Cancelled in the middle of a full decode (which takes far longer
       * than 30 ms): libraw stops at its next progress callback. */
      thread = g_thread_new ("cancel", cancel_later, later);
      assert_load_error (ottica_test_canon_cr2 (), G_IO_ERROR, G_IO_ERROR_CANCELLED, later);
      g_thread_join (thread);
    }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("io");
  TCase *jpeg = ottica_test_case ("jpeg");
  TCase *gegl = ottica_test_case ("png-tiff");
  TCase *units = ottica_test_case ("units");
  TCase *raw = ottica_test_case ("raw");
  TCase *samples = ottica_test_case ("samples");
  TCase *bad = ottica_test_case ("bad-input");

  tcase_add_test (jpeg, test_jpeg_rgb);
  tcase_add_test (jpeg, test_jpeg_gray);
  tcase_add_test (jpeg, test_jpeg_cmyk_naive);
  tcase_add_test (jpeg, test_jpeg_cmyk_profile);
  tcase_add_test (jpeg, test_jpeg_lut_rgb_profile);
  tcase_add_test (jpeg, test_jpeg_adobe_rgb);
  tcase_add_test (jpeg, test_jpeg_damaged_profile);
  tcase_add_test (jpeg, test_jpeg_orientations);
  tcase_add_test (jpeg, test_jpeg_preview_scaling);
  tcase_add_test (jpeg, test_jpeg_progressive);
  suite_add_tcase (suite, jpeg);

  tcase_add_test (gegl, test_png_8_and_16_bit);
  tcase_add_test (gegl, test_tiff_8_and_16_bit);
  tcase_add_test (gegl, test_png_tiff_profiles);
  tcase_add_test (gegl, test_png_tiff_orientation);
  tcase_add_test (gegl, test_png_damaged_profile);
  suite_add_tcase (suite, gegl);

  tcase_add_test (units, test_orientation_from_exif);
  tcase_add_test (units, test_orientation_apply);
  tcase_add_test (units, test_icc_validation);
  tcase_add_test (units, test_icc_space_prepared_before_reads);
  tcase_add_test (units, test_supported_names);
  suite_add_tcase (suite, units);

  tcase_add_test (raw, test_cr2_full_and_half);
  tcase_add_test (raw, test_raw_highlights_white);
  tcase_add_test (raw, test_raw_flip);
  tcase_add_test (raw, test_raw_own_colour_matches_libraw);
  tcase_add_test (raw, test_parallel_loads);
  tcase_add_test (raw, test_raw_embedded_preview);
  tcase_add_test (raw, test_raw_embedded_preview_turned);
  tcase_add_test (raw, test_prefetch_is_taken);
  tcase_add_test (raw, test_prefetch_not_taken);
  suite_add_tcase (suite, raw);

  tcase_add_loop_test (samples, test_raw_samples, 0, G_N_ELEMENTS (raw_samples));
  tcase_add_loop_test (samples, test_raw_embedded_preview_samples, 0, G_N_ELEMENTS (preview_samples));
  tcase_add_test (samples, test_jpeg_samples);
  tcase_add_test (samples, test_pixel_sample_rotated);
  tcase_add_test (samples, test_display_p3_sample);
  suite_add_tcase (suite, samples);

  tcase_add_test (bad, test_content_decides);
  tcase_add_test (bad, test_bad_files);
  tcase_add_test (bad, test_truncated_files);
  tcase_add_test (bad, test_absurd_sizes);
  tcase_add_test (bad, test_cancellation);
  suite_add_tcase (suite, bad);

  return ottica_test_run ("io", suite);
}
