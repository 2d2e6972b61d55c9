/* ottica-target-size.c: render once, encode to memory until the size fits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jpeglib.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"
#include "ottica-jpeg-export.h"
#include "ottica-metadata.h"
#include "ottica-output-profile.h"
#include "ottica-target-size.h"

/* Table scale in percent (libjpeg's "scale_factor"): 0 makes every entry
 * 1 (quality 100), 5000 is quality 1. */
#define SCALE_MIN       0.0
#define SCALE_MAX       5000.0
#define CLOSE_ENOUGH    0.98    /* within 2 % under the target */
#define MAX_STEPS       24
/* Metadata can grow between the search and the written file; the search
 * is redone with the difference taken off, at most this many times. */
#define MAX_ROUNDS      3

/* ITU T.81 Annex K tables, natural order. */
static const unsigned int luminance_table[64] = {
  16, 11, 10, 16, 24, 40, 51, 61,    12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,    14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};
static const unsigned int chrominance_table[64] = {
  17, 18, 24, 47, 99, 99, 99, 99,  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,  47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,  99, 99, 99, 99, 99, 99, 99, 99,
};

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
} ErrorManager;

static void
on_jpeg_error (j_common_ptr cinfo)
{
  ErrorManager *manager = (ErrorManager *) cinfo->err;

  longjmp (manager->jump, 1);
}

static void
on_jpeg_message (j_common_ptr cinfo)
{
}

static void
scaled_table (const unsigned int *base, double scale, unsigned int *out)
{
  for (int i = 0; i < 64; i++)
    out[i] = (unsigned int) CLAMP (lround (base[i] * scale / 100.0), 1, 255);
}

/* One encode into memory (malloc'd, as jpeg_mem_dest gives it), or NULL. */
static guint8 *
encode (const guint8              *rgb,
        int                        width,
        int                        height,
        gsize                      stride,
        const OtticaExportOptions *options,
        GBytes                    *icc,
        double                     scale,
        gsize                     *length)
{
  struct jpeg_compress_struct cinfo;
  ErrorManager err;
  unsigned char *volatile buffer = NULL;
  unsigned long size = 0;
  unsigned int table[64];
  int h, v;

  memset (&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = on_jpeg_error;
  err.pub.output_message = on_jpeg_message;
  if (setjmp (err.jump))
    {
      jpeg_destroy_compress (&cinfo);
      free (buffer);
      return NULL;
    }

  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, (unsigned char **) &buffer, &size);
  cinfo.image_width = (JDIMENSION) width;
  cinfo.image_height = (JDIMENSION) height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_colorspace (&cinfo, JCS_YCbCr);
  scaled_table (luminance_table, scale, table);
  jpeg_add_quant_table (&cinfo, 0, table, 100, TRUE);
  scaled_table (chrominance_table, scale, table);
  jpeg_add_quant_table (&cinfo, 1, table, 100, TRUE);

  h = options->chroma == OTTICA_CHROMA_444 ? 1 : 2;
  v = options->chroma == OTTICA_CHROMA_420 ? 2 : 1;
  cinfo.comp_info[0].h_samp_factor = h;
  cinfo.comp_info[0].v_samp_factor = v;
  cinfo.comp_info[1].h_samp_factor = cinfo.comp_info[1].v_samp_factor = 1;
  cinfo.comp_info[2].h_samp_factor = cinfo.comp_info[2].v_samp_factor = 1;
  cinfo.optimize_coding = options->optimize_coding ? TRUE : FALSE;
  if (options->progressive)
    jpeg_simple_progression (&cinfo);

  jpeg_start_compress (&cinfo, TRUE);
  if (icc != NULL)
    {
      gsize icc_length;
      const guint8 *icc_data = g_bytes_get_data (icc, &icc_length);

      jpeg_write_icc_profile (&cinfo, icc_data, (unsigned int) icc_length);
    }
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) (rgb + stride * cinfo.next_scanline);

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  *length = size;
  return buffer;
}

guint8 *
ottica_target_size_encode (const guint8              *rgb,
                           int                        width,
                           int                        height,
                           gsize                      stride,
                           const OtticaExportOptions *options,
                           GBytes                    *icc,
                           guint64                    target_bytes,
                           gsize                     *length,
                           guint                     *n_encodes)
{
  guint8 *best = NULL;
  gsize best_length = 0, smallest = G_MAXSIZE;
  double lo = SCALE_MIN, hi = SCALE_MAX;
  guint encodes = 0;

  g_return_val_if_fail (rgb != NULL && width > 0 && height > 0, NULL);
  g_return_val_if_fail (options != NULL && length != NULL && target_bytes > 0, NULL);

  /* The strongest compression first: if that is over, nothing fits. */
  for (int step = 0; step < MAX_STEPS + 2; step++)
    {
      /* Bisection in log(1 + scale): file size follows the table scale
       * roughly logarithmically. */
      double scale = step == 0 ? SCALE_MAX
                   : step == 1 ? SCALE_MIN
                   : expm1 ((log1p (lo) + log1p (hi)) / 2);
      gsize size = 0;
      guint8 *data = encode (rgb, width, height, stride, options, icc, scale, &size);

      encodes++;
      if (data == NULL)
        break;
      smallest = MIN (smallest, size);
      if (size <= target_bytes)
        {
          if (size > best_length)
            {
              free (best);
              best = data;
              best_length = size;
            }
          else
            {
              free (data);
            }
          hi = scale;
        }
      else
        {
          free (data);
          lo = scale;
          if (step == 0)
            break;  /* even the strongest is over */
        }
      if (best != NULL && best_length >= CLOSE_ENOUGH * target_bytes)
        break;
      if (step >= 2 && hi - lo < 0.01)
        break;
    }

  if (n_encodes != NULL)
    *n_encodes = encodes;
  if (best == NULL)
    {
      *length = smallest == G_MAXSIZE ? 0 : smallest;
      return NULL;
    }
  /* Hand back GLib memory so callers free it with g_free. */
  {
    guint8 *copy = g_memdup2 (best, best_length);

    free (best);
    *length = best_length;
    return copy;
  }
}

/* libjpeg errors while reading the intermediate frame. */
typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} ReadError;

static void
on_read_error (j_common_ptr cinfo)
{
  ReadError *err = (ReadError *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->jump, 1);
}

/* The 8-bit RGB rows of the JPEG in @data. */
static guint8 *
decode_frame (const guint8 *data, gsize length, int *width, int *height, char **why)
{
  struct jpeg_decompress_struct cinfo;
  ReadError err;
  guint8 *volatile pixels = NULL;

  memset (&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = on_read_error;
  err.pub.output_message = on_jpeg_message;
  if (setjmp (err.jump))
    {
      jpeg_destroy_decompress (&cinfo);
      g_free (pixels);
      *why = g_strdup (err.message);
      return NULL;
    }
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, data, (unsigned long) length);
  jpeg_read_header (&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  /* The accurate inverse DCT and upsampling: the exporter's rows back as
   * they were, within a level. */
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.do_fancy_upsampling = TRUE;
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
  return pixels;
}

/* The frame at the output size in the output space's 8-bit RGB, made by
 * the exporter itself, so that its reducer (in linear light) and its
 * output sharpening are the only ones Ottica has: a target-size output
 * and a quality output of the same recipe differ by the JPEG encoding
 * alone. The exporter only writes files, so the frame goes through a
 * private temporary JPEG at quality 100, 4:4:4 (every quantiser 1: within
 * a level of the rows it encoded, far below the error of the encode the
 * search then makes), and is read back. */
static guint8 *
render_frame (GeglNode                  *node,
              const OtticaExportOptions *options,
              OtticaProgressFunc         progress,
              gpointer                   progress_data,
              GCancellable              *cancellable,
              int                       *width,
              int                       *height,
              GError                   **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *why = NULL;
  OtticaExportOptions frame_options = *options;
  gsize length = 0;
  guint8 *pixels = NULL;
  gboolean ok;

  dir = g_dir_make_tmp ("ottica-frame-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, "frame.jpg", NULL);

  frame_options.quality = 100;
  frame_options.chroma = OTTICA_CHROMA_444;
  frame_options.progressive = FALSE;
  frame_options.optimize_coding = FALSE;
  frame_options.metadata = OTTICA_METADATA_NONE;
  frame_options.overwrite = TRUE;
  ok = ottica_jpeg_export (node, NULL, path, &frame_options, progress, progress_data,
                           cancellable, error);
  if (ok && !g_file_get_contents (path, &data, &length, error))
    ok = FALSE;
  g_unlink (path);
  g_rmdir (dir);
  if (!ok)
    return NULL;

  pixels = decode_frame ((const guint8 *) data, length, width, height, &why);
  if (pixels == NULL)
    g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                 _("Could not read back the rendered frame: %s"), why);
  return pixels;
}

typedef struct
{
  OtticaProgressFunc progress;
  gpointer           progress_data;
} RenderProgress;

#define RENDER_SHARE 0.8

static void
on_render_progress (double fraction, gpointer user_data)
{
  RenderProgress *render = user_data;

  render->progress (RENDER_SHARE * fraction, render->progress_data);
}

static gboolean
write_all (int fd, const guint8 *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

gboolean
ottica_target_size_export (GeglNode                  *node,
                           const char                *metadata_source,
                           const char                *output_path,
                           const OtticaExportOptions *options,
                           guint64                    target_bytes,
                           OtticaProgressFunc         progress,
                           gpointer                   progress_data,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  g_autofree char *display = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autoptr(GBytes) icc = NULL;
  guint64 budget = target_bytes;
  int width = 0, height = 0;
  RenderProgress render = { NULL, NULL };

  g_return_val_if_fail (GEGL_IS_NODE (node), FALSE);
  g_return_val_if_fail (output_path != NULL && options != NULL, FALSE);
  g_return_val_if_fail (target_bytes > 0, FALSE);

  display = g_filename_display_basename (output_path);
  if (!ottica_export_options_validate (options, error))
    return FALSE;
  if (!options->overwrite && g_file_test (output_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS,
                   _("“%s” already exists; it was left as it is "
                     "(ask to overwrite to replace it)."),
                   display);
      return FALSE;
    }

  /* Rendering is most of the time; the search's encodes the rest. */
  render.progress = progress;
  render.progress_data = progress_data;
  pixels = render_frame (node, options, progress != NULL ? on_render_progress : NULL, &render,
                         cancellable, &width, &height, error);
  if (pixels == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  icc = ottica_output_profile_icc (options->color_space);

  for (int round = 0; round < MAX_ROUNDS; round++)
    {
      g_autofree guint8 *jpeg = NULL;
      g_autofree char *temp_path = NULL;
      gsize length = 0;
      guint n_encodes = 0;
      GStatBuf st;
      int fd;

      jpeg = ottica_target_size_encode (pixels, width, height, (gsize) width * 3, options, icc,
                                        budget, &length, &n_encodes);
      if (jpeg == NULL)
        {
          g_autofree char *target = g_format_size_full (target_bytes, G_FORMAT_SIZE_IEC_UNITS);
          g_autofree char *smallest = g_format_size_full (length, G_FORMAT_SIZE_IEC_UNITS);

          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                       _("“%s” cannot be made as small as %s at %d × %d pixels: even the "
                         "lowest quality gives %s; ask for a smaller size or a larger file."),
                       display, target, width, height, smallest);
          return FALSE;
        }
      g_debug ("target size: “%s” %" G_GSIZE_FORMAT " bytes for %" G_GUINT64_FORMAT
               " after %u encodes", output_path, length, budget, n_encodes);

      fd = ottica_atomic_file_open_temp (output_path, &temp_path, error);
      if (fd < 0)
        return FALSE;
      if (!write_all (fd, jpeg, length))
        {
          int saved = errno;

          ottica_atomic_file_abandon (fd, temp_path);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not write “%s”: %s"), display, g_strerror (saved));
          return FALSE;
        }
      if (metadata_source != NULL && options->metadata != OTTICA_METADATA_NONE)
        {
          close (fd);
          if (!ottica_metadata_copy (metadata_source, temp_path, width, height,
                                     options->color_space, options->metadata, error))
            {
              ottica_atomic_file_abandon (-1, temp_path);
              return FALSE;
            }
          fd = g_open (temp_path, O_RDONLY | O_CLOEXEC, 0);
          if (fd < 0)
            {
              int saved = errno;

              ottica_atomic_file_abandon (-1, temp_path);
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                           _("Could not write “%s”: %s"), display, g_strerror (saved));
              return FALSE;
            }
        }

      if (fstat (fd, &st) == 0 && (guint64) st.st_size > target_bytes)
        {
          guint64 overhead = (guint64) st.st_size - length;

          /* The metadata took room: search again with less. */
          ottica_atomic_file_abandon (fd, temp_path);
          if (overhead >= target_bytes)
            {
              g_autofree char *target = g_format_size_full (target_bytes, G_FORMAT_SIZE_IEC_UNITS);

              g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                           _("“%s” cannot be made as small as %s: its metadata alone takes "
                             "more; ask for a larger file or less metadata."),
                           display, target);
              return FALSE;
            }
          budget = target_bytes - overhead;
          continue;
        }

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ottica_atomic_file_abandon (fd, temp_path);
          return FALSE;
        }
      if (!ottica_atomic_file_commit (fd, temp_path, output_path, options->overwrite, error))
        return FALSE;
      if (progress != NULL)
        progress (1.0, progress_data);
      return TRUE;
    }

  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
               _("“%s” could not be fitted under the size asked for with its metadata."),
               display);
  return FALSE;
}
