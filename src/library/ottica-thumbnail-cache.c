/* ottica-thumbnail-cache.c: render thumbnails with the pipeline; keep them
 * as small baseline JPEGs on disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gegl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <math.h>

#include <jpeglib.h>

#include "ottica-atomic-file.h"
#include "ottica-babl-guard.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-image.h"
#include "ottica-look-library.h"
#include "ottica-look.h"
#include "ottica-pipeline.h"
#include "ottica-sidecar.h"
#include "ottica-thumbnail-cache.h"

/* Bump when the rendering changes, so old thumbnails are not reused. */
#define CACHE_FORMAT     "ottica-thumbnail-1"
#define CACHE_QUALITY    88
#define MIN_SIZE         16
#define MAX_SIZE         1024

char *
ottica_thumbnail_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "ottica", "thumbnails", NULL);
}

void
ottica_thumbnail_free (OtticaThumbnail *thumbnail)
{
  if (thumbnail == NULL)
    return;
  g_clear_pointer (&thumbnail->pixels, g_bytes_unref);
  g_free (thumbnail->warning);
  g_free (thumbnail);
}

static char *
absolute_path (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return g_file_get_path (file);
}

char *
ottica_thumbnail_cache_file (const char        *path,
                             guint              size,
                             const OtticaEdit  *edit,
                             GError           **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *absolute = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *header = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_basename (path);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("Could not open “%s”: %s"), display, g_strerror (errsv));
      return NULL;
    }

  absolute = absolute_path (path);
  header = g_strdup_printf (CACHE_FORMAT "\n%s\n%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT ".%09ld\n%u\n",
                            absolute, (gint64) st.st_size, (gint64) st.st_mtim.tv_sec,
                            (long) st.st_mtim.tv_nsec, size);
  g_checksum_update (checksum, (const guchar *) header, -1);
  if (edit != NULL)
    {
      gsize length = 0;
      g_autofree char *data = ottica_edit_to_data (edit, FALSE, &length);

      g_checksum_update (checksum, (const guchar *) data, length);
      /* a user look changed under the same id shows at once */
      if (edit->look_id != NULL)
        {
          const OtticaLook *look = ottica_look_library_find (edit->look_id);
          g_autofree char *digest = look != NULL ? ottica_look_dup_digest (look) : NULL;

          if (digest != NULL)
            g_checksum_update (checksum, (const guchar *) digest, -1);
        }
    }
  else
    {
      g_checksum_update (checksum, (const guchar *) "no edit", -1);
    }

  dir = ottica_thumbnail_cache_dir ();
  name = g_strconcat (g_checksum_get_string (checksum), ".jpg", NULL);
  return g_build_filename (dir, name, NULL);
}

/* ---- JPEG in memory ---------------------------------------------------- */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
} ErrorManager;

static void
error_exit (j_common_ptr cinfo)
{
  ErrorManager *manager = (ErrorManager *) cinfo->err;

  longjmp (manager->jump, 1);
}

static void
silent_message (j_common_ptr cinfo)
{
}

typedef struct
{
  guint8 *pixels;           /* RGB, rows of width × 3 */
  guint   width;
  guint   height;
} Rgb;

/* Decodes a JPEG in memory no larger than @max_side on either side; with
 * @size > 0 at the cheapest DCT scale that still fills @size. */
static gboolean
decode_jpeg (const guint8 *data, gsize length, guint max_side, guint size, Rgb *out)
{
  struct jpeg_decompress_struct cinfo;
  ErrorManager jerr;
  guint8 *volatile pixels = NULL;

  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = error_exit;
  jerr.pub.output_message = silent_message;
  if (setjmp (jerr.jump))
    {
      jpeg_destroy_decompress (&cinfo);
      g_free (pixels);
      return FALSE;
    }
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, data, length);
  jpeg_read_header (&cinfo, TRUE);
  if (cinfo.image_width == 0 || cinfo.image_height == 0
      || cinfo.image_width > max_side || cinfo.image_height > max_side)
    longjmp (jerr.jump, 1);
  cinfo.out_color_space = JCS_RGB;
  cinfo.scale_num = 1;
  cinfo.scale_denom = 1;
  while (size > 0 && cinfo.scale_denom < 8
         && MAX (cinfo.image_width, cinfo.image_height) / (cinfo.scale_denom * 2) >= size)
    cinfo.scale_denom *= 2;
  jpeg_start_decompress (&cinfo);
  pixels = g_malloc ((gsize) cinfo.output_width * 3 * cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW row = pixels + (gsize) cinfo.output_width * 3 * cinfo.output_scanline;

      jpeg_read_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_decompress (&cinfo);
  out->pixels = pixels;
  out->width = cinfo.output_width;
  out->height = cinfo.output_height;
  jpeg_destroy_decompress (&cinfo);
  return TRUE;
}

/* A cached thumbnail, or NULL when the file is missing or unreadable
 * (then it is simply rendered again). */
static OtticaThumbnail *
read_cached (const char *cache_file)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  OtticaThumbnail *thumbnail;
  Rgb rgb;

  if (!g_file_get_contents (cache_file, &data, &length, NULL) || length == 0
      || !decode_jpeg ((const guint8 *) data, length, MAX_SIZE, 0, &rgb))
    return NULL;

  thumbnail = g_new0 (OtticaThumbnail, 1);
  thumbnail->width = (int) rgb.width;
  thumbnail->height = (int) rgb.height;
  thumbnail->stride = (gsize) rgb.width * 3;
  thumbnail->pixels = g_bytes_new_take (rgb.pixels, thumbnail->stride * rgb.height);
  thumbnail->from_cache = TRUE;
  return thumbnail;
}

static gboolean
write_cached (const char            *cache_file,
              const OtticaThumbnail *thumbnail,
              GError               **error)
{
  struct jpeg_compress_struct cinfo;
  ErrorManager jerr;
  unsigned char *volatile out = NULL;
  unsigned long out_length = 0;
  const guint8 *pixels = g_bytes_get_data (thumbnail->pixels, NULL);
  g_autofree char *dir = g_path_get_dirname (cache_file);
  gboolean ok;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the thumbnail cache: %s"), g_strerror (errsv));
      return FALSE;
    }

  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = error_exit;
  jerr.pub.output_message = silent_message;
  if (setjmp (jerr.jump))
    {
      jpeg_destroy_compress (&cinfo);
      free (out);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                   _("Could not encode a thumbnail."));
      return FALSE;
    }
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, (unsigned char **) &out, &out_length);
  cinfo.image_width = (JDIMENSION) thumbnail->width;
  cinfo.image_height = (JDIMENSION) thumbnail->height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, CACHE_QUALITY, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) (pixels + thumbnail->stride * cinfo.next_scanline);

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  ok = ottica_atomic_file_write (cache_file, out, out_length, TRUE, error);
  free (out);
  return ok;
}

/* ---- stage 1: the camera's EXIF thumbnail --------------------------------
 *
 * A JPEG's EXIF block (APP1) sits at the start of the file and holds the
 * thumbnail in full; a TIFF-based RAW keeps IFD1 near its start too. So
 * one read of the first HEAD_BYTES and a 160×120 decode is all it takes,
 * about a millisecond against ~150 ms of entropy decoding for a 24 MP
 * photo's DCT-scaled render. */

#define HEAD_BYTES      (192 * 1024)
#define MAX_EMBEDDED    (512 * 1024)

typedef struct
{
  const guint8 *data;       /* the TIFF header's first byte */
  gsize         length;
  gboolean      big_endian;
} Tiff;

typedef struct
{
  guint   orientation;      /* IFD0's, 1 when absent */
  guint32 thumb_offset;     /* IFD1's JPEG, from the TIFF header */
  guint32 thumb_length;
  guint32 width;            /* IFD0's image size: a TIFF-based RAW's */
  guint32 height;           /* frame (or its preview, same shape) */
} ExifInfo;

static guint16
tiff_u16 (const Tiff *tiff, gsize at)
{
  const guint8 *p = tiff->data + at;

  return tiff->big_endian ? (guint16) (p[0] << 8 | p[1]) : (guint16) (p[1] << 8 | p[0]);
}

static guint32
tiff_u32 (const Tiff *tiff, gsize at)
{
  const guint8 *p = tiff->data + at;

  if (tiff->big_endian)
    return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
  return (guint32) p[3] << 24 | (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0];
}

static gboolean
tiff_open (Tiff *tiff, const guint8 *data, gsize length)
{
  if (length < 8)
    return FALSE;
  tiff->data = data;
  tiff->length = length;
  if (data[0] == 'I' && data[1] == 'I')
    tiff->big_endian = FALSE;
  else if (data[0] == 'M' && data[1] == 'M')
    tiff->big_endian = TRUE;
  else
    return FALSE;
  return tiff_u16 (tiff, 2) == 42;
}

/* One IFD's SHORT or LONG tags we want; the next IFD's offset, 0 when
 * there is none or it cannot be read. */
static guint32
tiff_read_ifd (const Tiff *tiff, guint32 offset, gboolean first, ExifInfo *info)
{
  guint n;
  gsize end;

  if (offset < 8 || (gsize) offset + 2 > tiff->length)
    return 0;
  n = tiff_u16 (tiff, offset);
  end = (gsize) offset + 2 + (gsize) n * 12;
  if (end > tiff->length)
    return 0;
  for (guint i = 0; i < n; i++)
    {
      gsize entry = (gsize) offset + 2 + (gsize) i * 12;
      guint16 tag = tiff_u16 (tiff, entry);
      guint16 type = tiff_u16 (tiff, entry + 2);
      guint32 value;

      if (tiff_u32 (tiff, entry + 4) != 1)
        continue;
      /* SHORT or LONG as the standard says; their signed twins as some
       * writers (exiv2 through gexiv2's set_tag_long) put them */
      if (type == 3 || type == 8)
        value = tiff_u16 (tiff, entry + 8);
      else if (type == 4 || type == 9)
        value = tiff_u32 (tiff, entry + 8);
      else
        continue;
      if (first && tag == 0x0112 && value >= 1 && value <= 8)
        info->orientation = value;
      else if (first && tag == 0x0100)
        info->width = value;
      else if (first && tag == 0x0101)
        info->height = value;
      else if (!first && tag == 0x0201)
        info->thumb_offset = value;
      else if (!first && tag == 0x0202)
        info->thumb_length = value;
    }
  return end + 4 <= tiff->length ? tiff_u32 (tiff, end) : 0;
}

static gboolean
tiff_read_exif (const Tiff *tiff, ExifInfo *info)
{
  guint32 ifd1;

  info->orientation = 1;
  ifd1 = tiff_read_ifd (tiff, tiff_u32 (tiff, 4), TRUE, info);
  if (ifd1 == 0)
    return FALSE;
  tiff_read_ifd (tiff, ifd1, FALSE, info);
  return info->thumb_offset != 0 && info->thumb_length > 4 && info->thumb_length <= MAX_EMBEDDED;
}

/* A JPEG's EXIF block (as a TIFF) and the frame's size from its SOF
 * marker, as far as @head reaches. */
static gboolean
jpeg_find_exif (const guint8 *head, gsize length, Tiff *tiff, guint *width, guint *height)
{
  gsize at = 2;
  gboolean found = FALSE;

  *width = *height = 0;
  while (at + 4 <= length)
    {
      guint8 marker;
      gsize segment;

      if (head[at] != 0xFF)
        break;
      marker = head[at + 1];
      if (marker == 0xFF)
        {
          at++;
          continue;
        }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
        {
          at += 2;
          continue;
        }
      if (marker == 0xD9 || marker == 0xDA)
        break;
      segment = (gsize) head[at + 2] << 8 | head[at + 3];
      if (segment < 2)
        break;
      if (marker == 0xE1 && !found && segment >= 8 && at + 2 + segment <= length
          && memcmp (head + at + 4, "Exif\0\0", 6) == 0)
        found = tiff_open (tiff, head + at + 10, segment - 8);
      else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
               && marker != 0xCC && at + 9 <= length)
        {
          *height = (guint) head[at + 5] << 8 | head[at + 6];
          *width = (guint) head[at + 7] << 8 | head[at + 8];
          break;
        }
      at += 2 + segment;
    }
  return found;
}

static double
mean_of_rows (const Rgb *rgb, guint x0, guint y0, guint x1, guint y1)
{
  double sum = 0;

  if (x1 <= x0 || y1 <= y0)
    return 0;
  for (guint y = y0; y < y1; y++)
    for (guint x = x0 * 3; x < x1 * 3; x++)
      sum += rgb->pixels[(gsize) y * rgb->width * 3 + x];
  return sum / ((double) (x1 - x0) * (y1 - y0) * 3);
}

/* Cameras fit a 3:2 frame into 160×120 with black bars: cut them away
 * when the frame's aspect (@frame_width × @frame_height, as stored) says
 * so and the bars are indeed dark. */
static void
crop_letterbox (Rgb *rgb, guint frame_width, guint frame_height)
{
  double frame, thumb;
  guint x0 = 0, y0 = 0, width = rgb->width, height = rgb->height;
  guint8 *cropped;

  if (frame_width == 0 || frame_height == 0)
    return;
  frame = (double) frame_width / frame_height;
  thumb = (double) rgb->width / rgb->height;
  if (thumb > frame * 1.03)
    {
      width = (guint) round (rgb->height * frame);
      x0 = (rgb->width - width) / 2;
      /* the bars, less the row the DCT blurs into the picture */
      if (x0 < 2 || mean_of_rows (rgb, 0, 0, x0 - 1, rgb->height) > 24
          || mean_of_rows (rgb, x0 + width + 1, 0, rgb->width, rgb->height) > 24)
        return;
    }
  else if (thumb < frame / 1.03)
    {
      height = (guint) round (rgb->width / frame);
      y0 = (rgb->height - height) / 2;
      if (y0 < 2 || mean_of_rows (rgb, 0, 0, rgb->width, y0 - 1) > 24
          || mean_of_rows (rgb, 0, y0 + height + 1, rgb->width, rgb->height) > 24)
        return;
    }
  else
    return;

  cropped = g_malloc ((gsize) width * 3 * height);
  for (guint y = 0; y < height; y++)
    memcpy (cropped + (gsize) y * width * 3,
            rgb->pixels + ((gsize) (y + y0) * rgb->width + x0) * 3, (gsize) width * 3);
  g_free (rgb->pixels);
  rgb->pixels = cropped;
  rgb->width = width;
  rgb->height = height;
}

/* Turns the pixels upright by the EXIF orientation (1..8). */
static void
orient (Rgb *rgb, guint orientation)
{
  guint w = rgb->width, h = rgb->height;
  gboolean swap = orientation >= 5;
  guint ow = swap ? h : w, oh = swap ? w : h;
  guint8 *out;

  if (orientation <= 1 || orientation > 8)
    return;
  out = g_malloc ((gsize) ow * oh * 3);
  for (guint y = 0; y < oh; y++)
    for (guint x = 0; x < ow; x++)
      {
        guint sx, sy;

        switch (orientation)
          {
          case 2: sx = w - 1 - x; sy = y; break;
          case 3: sx = w - 1 - x; sy = h - 1 - y; break;
          case 4: sx = x; sy = h - 1 - y; break;
          case 5: sx = y; sy = x; break;
          case 6: sx = y; sy = h - 1 - x; break;
          case 7: sx = w - 1 - y; sy = h - 1 - x; break;
          default: sx = w - 1 - y; sy = x; break;   /* 8 */
          }
        memcpy (out + ((gsize) y * ow + x) * 3, rgb->pixels + ((gsize) sy * w + sx) * 3, 3);
      }
  g_free (rgb->pixels);
  rgb->pixels = out;
  rgb->width = ow;
  rgb->height = oh;
}

/* Box-filters @rgb down so its longer side is at most @size. */
static void
shrink (Rgb *rgb, guint size)
{
  double factor = (double) MAX (rgb->width, rgb->height) / size;
  guint ow, oh;
  guint8 *out;

  if (factor <= 1.0)
    return;
  ow = MAX (1, (guint) round (rgb->width / factor));
  oh = MAX (1, (guint) round (rgb->height / factor));
  out = g_malloc ((gsize) ow * oh * 3);
  for (guint y = 0; y < oh; y++)
    {
      guint y0 = (guint) ((gsize) y * rgb->height / oh);
      guint y1 = MAX (y0 + 1, (guint) ((gsize) (y + 1) * rgb->height / oh));

      for (guint x = 0; x < ow; x++)
        {
          guint x0 = (guint) ((gsize) x * rgb->width / ow);
          guint x1 = MAX (x0 + 1, (guint) ((gsize) (x + 1) * rgb->width / ow));

          for (guint c = 0; c < 3; c++)
            {
              guint sum = 0;

              for (guint sy = y0; sy < y1; sy++)
                for (guint sx = x0; sx < x1; sx++)
                  sum += rgb->pixels[((gsize) sy * rgb->width + sx) * 3 + c];
              out[((gsize) y * ow + x) * 3 + c] = (guint8) ((sum + (x1 - x0) * (y1 - y0) / 2)
                                                           / ((x1 - x0) * (y1 - y0)));
            }
        }
    }
  g_free (rgb->pixels);
  rgb->pixels = out;
  rgb->width = ow;
  rgb->height = oh;
}

static gssize
read_at (int fd, guint8 *buffer, gsize length, goffset offset)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = pread (fd, buffer + done, length - done, offset + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

OtticaThumbnail *
ottica_thumbnail_get_embedded (const char    *path,
                               guint          size,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autofree guint8 *head = NULL;
  g_autofree guint8 *separate = NULL;
  g_autofree char *sidecar = NULL;
  const guint8 *jpeg;
  Tiff tiff;
  ExifInfo info = { 0 };
  Rgb rgb = { 0 };
  guint frame_width = 0, frame_height = 0;
  OtticaThumbnail *thumbnail;
  gssize length;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (size >= MIN_SIZE && size <= MAX_SIZE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_basename (path);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("Could not open “%s”: %s"), display, g_strerror (errsv));
      return NULL;
    }
  head = g_malloc (HEAD_BYTES);
  length = read_at (fd, head, HEAD_BYTES, 0);
  if (length < 16)
    {
      close (fd);
      return NULL;
    }

  if (head[0] == 0xFF && head[1] == 0xD8)
    {
      if (!jpeg_find_exif (head, length, &tiff, &frame_width, &frame_height))
        {
          close (fd);
          return NULL;
        }
    }
  else if (!tiff_open (&tiff, head, length))
    {
      close (fd);
      return NULL;
    }
  if (!tiff_read_exif (&tiff, &info))
    {
      close (fd);
      return NULL;
    }
  if (tiff.data == head)
    {
      frame_width = info.width;
      frame_height = info.height;
    }

  if ((gsize) info.thumb_offset + info.thumb_length <= tiff.length)
    jpeg = tiff.data + info.thumb_offset;
  else if (tiff.data == head)
    {
      /* a RAW's thumbnail beyond the first read */
      separate = g_malloc (info.thumb_length);
      if (read_at (fd, separate, info.thumb_length, info.thumb_offset) != (gssize) info.thumb_length)
        {
          close (fd);
          return NULL;
        }
      jpeg = separate;
    }
  else
    {
      close (fd);
      return NULL;
    }
  close (fd);

  if (jpeg[0] != 0xFF || jpeg[1] != 0xD8
      || !decode_jpeg (jpeg, info.thumb_length, 4096, size, &rgb))
    return NULL;
  crop_letterbox (&rgb, frame_width, frame_height);
  orient (&rgb, info.orientation);
  shrink (&rgb, size);

  sidecar = ottica_sidecar_find (path);
  thumbnail = g_new0 (OtticaThumbnail, 1);
  thumbnail->width = (int) rgb.width;
  thumbnail->height = (int) rgb.height;
  thumbnail->stride = (gsize) rgb.width * 3;
  thumbnail->pixels = g_bytes_new_take (rgb.pixels, (gsize) rgb.width * 3 * rgb.height);
  thumbnail->preview = TRUE;
  thumbnail->has_edit = sidecar != NULL;
  return thumbnail;
}

/* ---- rendering ---------------------------------------------------------- */

/* The loaded @image through its pipeline into @size pixels. */
static OtticaThumbnail *
render_image (OtticaImage       *image,
              const char        *path,
              guint              size,
              const OtticaEdit  *edit,
              GError           **error)
{
  g_autoptr(OtticaPipeline) pipeline = NULL;
  OtticaThumbnail *thumbnail;
  GeglNode *output;
  GeglRectangle box, roi;
  const Babl *format;
  double scale;
  gsize stride;
  guint8 *pixels;

  pipeline = ottica_pipeline_new_for_image (image);
  /* the camera's embedded JPEG is display-referred already */
  if (!ottica_image_is_scene_linear (image))
    ottica_pipeline_set_raw_baseline (pipeline, FALSE, 0.0);
  if (edit != NULL)
    ottica_pipeline_set_edit (pipeline, edit);

  output = ottica_pipeline_get_output (pipeline);
  box = gegl_node_get_bounding_box (output);
  if (box.width <= 0 || box.height <= 0)
    {
      g_autofree char *display = g_filename_display_basename (path);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” has no pixels to show."), display);
      return NULL;
    }

  scale = MIN (1.0, (double) size / MAX (box.width, box.height));
  roi.x = (int) floor (box.x * scale);
  roi.y = (int) floor (box.y * scale);
  roi.width = MAX (1, (int) round (box.width * scale));
  roi.height = MAX (1, (int) round (box.height * scale));

  stride = (gsize) roi.width * 3;
  pixels = g_malloc (stride * roi.height);
  format = babl_format_with_space ("R'G'B' u8", babl_space ("sRGB"));
  ottica_engine_prime_render (output, scale, format);
  gegl_node_blit (output, scale, &roi, format, pixels, (int) stride, GEGL_BLIT_DEFAULT);

  thumbnail = g_new0 (OtticaThumbnail, 1);
  thumbnail->width = roi.width;
  thumbnail->height = roi.height;
  thumbnail->stride = stride;
  thumbnail->pixels = g_bytes_new_take (pixels, stride * roi.height);
  return thumbnail;
}

static OtticaThumbnail *
render (const char        *path,
        guint              size,
        const OtticaEdit  *edit,
        GCancellable      *cancellable,
        GError           **error)
{
  OtticaLoadOptions options = { .max_size = size, .allow_embedded_preview = TRUE };
  g_autoptr(OtticaImage) image = NULL;
  OtticaThumbnail *thumbnail;

  image = ottica_image_load (path, &options, cancellable, error);
  if (image == NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* the load takes reads of its own; the render is one (ottica-babl-guard.h) */
  ottica_babl_guard_read_begin ();
  thumbnail = render_image (image, path, size, edit, error);
  ottica_babl_guard_read_end ();
  return thumbnail;
}

OtticaThumbnail *
ottica_thumbnail_get (const char            *path,
                      guint                  size,
                      OtticaThumbnailFlags   flags,
                      GCancellable          *cancellable,
                      GError               **error)
{
  g_autoptr(OtticaEdit) edit = NULL;
  g_autoptr(GError) sidecar_error = NULL;
  g_autofree char *cache_file = NULL;
  g_autofree char *sidecar = NULL;
  OtticaThumbnail *thumbnail = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (size >= MIN_SIZE && size <= MAX_SIZE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  sidecar = ottica_sidecar_find (path);
  if (sidecar != NULL)
    edit = ottica_sidecar_load (path, &sidecar_error);

  if (!(flags & OTTICA_THUMBNAIL_NO_CACHE))
    {
      cache_file = ottica_thumbnail_cache_file (path, size, edit, error);
      if (cache_file == NULL)
        return NULL;
      if (!(flags & OTTICA_THUMBNAIL_REFRESH))
        thumbnail = read_cached (cache_file);
    }

  if (thumbnail == NULL)
    {
      if (flags & OTTICA_THUMBNAIL_CACHE_ONLY)
        return NULL;
      thumbnail = render (path, size, edit, cancellable, error);
      if (thumbnail == NULL)
        return NULL;
      if (cache_file != NULL)
        {
          g_autoptr(GError) write_error = NULL;

          /* a full disk or read-only cache costs speed, not the thumbnail */
          if (!write_cached (cache_file, thumbnail, &write_error))
            g_debug ("thumbnail cache: %s", write_error->message);
        }
    }

  thumbnail->has_edit = sidecar != NULL;
  if (sidecar_error != NULL)
    thumbnail->warning = g_strdup (sidecar_error->message);
  return thumbnail;
}

guint
ottica_thumbnail_cache_prune (guint max_age_days)
{
  g_autofree char *dir_path = ottica_thumbnail_cache_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;
  guint removed = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      GStatBuf st;
      gint64 used;

      if (!g_str_has_suffix (name, ".jpg") && !ottica_atomic_file_is_temporary (name))
        continue;
      if (g_stat (path, &st) != 0)
        continue;
      used = MAX ((gint64) st.st_atime, (gint64) st.st_mtime);
      if (now - used > (gint64) max_age_days * 24 * 3600 && g_unlink (path) == 0)
        removed++;
    }
  return removed;
}
