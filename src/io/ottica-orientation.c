/* ottica-orientation.c: EXIF orientation, read and applied.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gexiv2/gexiv2.h>
#include <string.h>

#include "ottica-image.h"
#include "ottica-orientation.h"

#define EXIF_TAG_MAKE        0x010F
#define EXIF_TAG_MODEL       0x0110
#define EXIF_TAG_ORIENTATION 0x0112
#define TIFF_TYPE_ASCII      2
#define TIFF_TYPE_SHORT      3

/* Rows handled per pass when turning a whole buffer: enough for the
 * transposing orientations to write runs of pixels, small enough to stay
 * in cache. */
#define STRIP_ROWS 32

static gboolean
valid_orientation (int orientation)
{
  return orientation >= 1 && orientation <= 8;
}

static void
ensure_gexiv2 (void)
{
  static gsize initialised = 0;

  /* gexiv2_initialize() sets Exiv2's XMP parser up for threads. */
  if (g_once_init_enter (&initialised))
    {
      gexiv2_initialize ();
      g_once_init_leave (&initialised, 1);
    }
}

char *
ottica_camera_name (const char *make,
                    const char *model)
{
  g_autofree char *m = g_strstrip (g_strdup (make != NULL ? make : ""));
  g_autofree char *n = g_strstrip (g_strdup (model != NULL ? model : ""));

  if (*m == '\0' && *n == '\0')
    return NULL;
  if (*m == '\0')
    return g_utf8_make_valid (n, -1);
  if (*n == '\0')
    return g_utf8_make_valid (m, -1);
  /* Most cameras repeat the make in the model: "Canon" + "Canon EOS 30D". */
  if (g_ascii_strncasecmp (n, m, strlen (m)) == 0)
    return g_utf8_make_valid (n, -1);
  {
    g_autofree char *both = g_strdup_printf ("%s %s", m, n);

    return g_utf8_make_valid (both, -1);
  }
}

int
ottica_orientation_read_with_camera (const char  *path,
                                     char       **camera)
{
  g_autoptr(GExiv2Metadata) metadata = NULL;
  GExiv2Orientation orientation;

  g_return_val_if_fail (path != NULL, 1);

  if (camera != NULL)
    *camera = NULL;

  ensure_gexiv2 ();
  metadata = gexiv2_metadata_new ();
  if (!gexiv2_metadata_open_path (metadata, path, NULL))
    return 1;

  if (camera != NULL)
    {
      g_autofree char *make = gexiv2_metadata_try_get_tag_string (metadata, "Exif.Image.Make", NULL);
      g_autofree char *model = gexiv2_metadata_try_get_tag_string (metadata, "Exif.Image.Model", NULL);

      *camera = ottica_camera_name (make, model);
    }

  orientation = gexiv2_metadata_try_get_orientation (metadata, NULL);
  return valid_orientation ((int) orientation) ? (int) orientation : 1;
}

int
ottica_orientation_read (const char *path)
{
  return ottica_orientation_read_with_camera (path, NULL);
}

static guint
read_u16 (const guint8 *p, gboolean big_endian)
{
  return big_endian ? (guint) (p[0] << 8 | p[1]) : (guint) (p[1] << 8 | p[0]);
}

static guint32
read_u32 (const guint8 *p, gboolean big_endian)
{
  return big_endian
    ? (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3]
    : (guint32) p[3] << 24 | (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0];
}

/* The offset of IFD0's first entry and its entry count, or FALSE. */
static gboolean
open_ifd0 (const guint8 *tiff,
           gsize         length,
           gboolean     *big_endian,
           gsize        *entries_start,
           guint        *n_entries)
{
  guint32 ifd;

  if (tiff == NULL || length < 8)
    return FALSE;
  if (memcmp (tiff, "II", 2) == 0)
    *big_endian = FALSE;
  else if (memcmp (tiff, "MM", 2) == 0)
    *big_endian = TRUE;
  else
    return FALSE;
  if (read_u16 (tiff + 2, *big_endian) != 42)
    return FALSE;

  ifd = read_u32 (tiff + 4, *big_endian);
  if (ifd < 8 || ifd > length - 2)
    return FALSE;
  *n_entries = read_u16 (tiff + ifd, *big_endian);
  *entries_start = ifd + 2;
  return TRUE;
}

/* The 12-byte IFD0 entry for @tag, or NULL. */
static const guint8 *
find_ifd0_entry (const guint8 *tiff,
                 gsize         length,
                 guint         tag,
                 gboolean     *big_endian)
{
  gsize start;
  guint n_entries;

  if (!open_ifd0 (tiff, length, big_endian, &start, &n_entries))
    return NULL;
  for (guint i = 0; i < n_entries; i++)
    {
      gsize entry = start + (gsize) i * 12;

      if (entry + 12 > length)
        break;
      if (read_u16 (tiff + entry, *big_endian) == tag)
        return tiff + entry;
    }
  return NULL;
}

int
ottica_orientation_from_exif (const guint8 *tiff,
                              gsize         length)
{
  gboolean big_endian;
  const guint8 *entry = find_ifd0_entry (tiff, length, EXIF_TAG_ORIENTATION, &big_endian);
  guint value;

  if (entry == NULL
      || read_u16 (entry + 2, big_endian) != TIFF_TYPE_SHORT
      || read_u32 (entry + 4, big_endian) < 1)
    return 1;
  value = read_u16 (entry + 8, big_endian);
  return valid_orientation ((int) value) ? (int) value : 1;
}

/* An ASCII IFD0 tag's text, or NULL. */
static char *
read_ifd0_ascii (const guint8 *tiff,
                 gsize         length,
                 guint         tag)
{
  gboolean big_endian;
  const guint8 *entry = find_ifd0_entry (tiff, length, tag, &big_endian);
  guint32 count;
  const guint8 *text;

  if (entry == NULL || read_u16 (entry + 2, big_endian) != TIFF_TYPE_ASCII)
    return NULL;
  count = read_u32 (entry + 4, big_endian);
  if (count == 0 || count > 256)
    return NULL;
  if (count <= 4)
    text = entry + 8;
  else
    {
      guint32 offset = read_u32 (entry + 8, big_endian);

      if (offset > length || count > length - offset)
        return NULL;
      text = tiff + offset;
    }
  return g_strndup ((const char *) text, count);
}

char *
ottica_exif_camera (const guint8 *tiff,
                    gsize         length)
{
  g_autofree char *make = read_ifd0_ascii (tiff, length, EXIF_TAG_MAKE);
  g_autofree char *model = read_ifd0_ascii (tiff, length, EXIF_TAG_MODEL);

  return ottica_camera_name (make, model);
}

void
ottica_orientation_size (int  orientation,
                         int  width,
                         int  height,
                         int *out_width,
                         int *out_height)
{
  gboolean swap = orientation >= 5 && orientation <= 8;

  if (out_width != NULL)
    *out_width = swap ? height : width;
  if (out_height != NULL)
    *out_height = swap ? width : height;
}

/* Fixed-size copies let the compiler turn each pixel into one or two
 * moves instead of a memcpy call. */
#define COPY_PIXEL(dst, src, bpp)                    \
  G_STMT_START {                                     \
    switch (bpp)                                     \
      {                                              \
      case 1: *(dst) = *(src); break;                \
      case 2: memcpy ((dst), (src), 2); break;       \
      case 3: memcpy ((dst), (src), 3); break;       \
      case 4: memcpy ((dst), (src), 4); break;       \
      case 6: memcpy ((dst), (src), 6); break;       \
      case 8: memcpy ((dst), (src), 8); break;       \
      default: memcpy ((dst), (src), (bpp)); break;  \
      }                                              \
  } G_STMT_END

/* Copies @width pixels from @src to @dest, @dest_step bytes apart. */
static inline void
scatter_row (const guint8 *src,
             guint8       *dest,
             gssize        dest_step,
             int           width,
             int           bpp)
{
  for (int x = 0; x < width; x++, src += bpp, dest += dest_step)
    COPY_PIXEL (dest, src, bpp);
}

void
ottica_orientation_place_rows (int           orientation,
                               const guint8 *rows,
                               gsize         row_stride,
                               int           bpp,
                               int           width,
                               int           height,
                               int           first_row,
                               int           n_rows,
                               guint8       *dest,
                               gsize         dest_stride)
{
  gsize row_bytes = (gsize) width * bpp;

  g_return_if_fail (rows != NULL && dest != NULL);
  g_return_if_fail (first_row >= 0 && n_rows >= 0 && first_row + n_rows <= height);

  if (!valid_orientation (orientation))
    orientation = 1;

  switch (orientation)
    {
    case 1:
    case 4:
      for (int i = 0; i < n_rows; i++)
        {
          int sy = first_row + i;
          int dy = orientation == 1 ? sy : height - 1 - sy;

          memcpy (dest + (gsize) dy * dest_stride, rows + (gsize) i * row_stride, row_bytes);
        }
      break;

    case 2:
    case 3:
      for (int i = 0; i < n_rows; i++)
        {
          int sy = first_row + i;
          int dy = orientation == 2 ? sy : height - 1 - sy;

          scatter_row (rows + (gsize) i * row_stride,
                       dest + (gsize) dy * dest_stride + (gsize) (width - 1) * bpp,
                       -(gssize) bpp, width, bpp);
        }
      break;

    default:
      {
        /* Transposing orientations: stored row sy becomes upright column
         * dx, stored column sx becomes upright row dy. Walking the stored
         * columns in the outer loop writes each upright row's run of
         * n_rows pixels together. */
        gboolean mirror_x = orientation == 6 || orientation == 7; /* dx = H-1-sy */
        gboolean mirror_y = orientation == 7 || orientation == 8; /* dy = W-1-sx */

        for (int sx = 0; sx < width; sx++)
          {
            int dy = mirror_y ? width - 1 - sx : sx;
            guint8 *dest_row = dest + (gsize) dy * dest_stride;
            const guint8 *src = rows + (gsize) sx * bpp;

            for (int i = 0; i < n_rows; i++, src += row_stride)
              {
                int sy = first_row + i;
                int dx = mirror_x ? height - 1 - sy : sy;

                COPY_PIXEL (dest_row + (gsize) dx * bpp, src, bpp);
              }
          }
      }
      break;
    }
}

GeglBuffer *
ottica_orientation_apply (GeglBuffer *buffer,
                          int         orientation)
{
  const GeglRectangle *extent;
  const Babl *format;
  int bpp, width, height, out_width, out_height;
  gsize row_stride, dest_stride;
  g_autofree guint8 *strip = NULL;
  guint8 *dest;
  GeglRectangle dest_extent;

  g_return_val_if_fail (GEGL_IS_BUFFER (buffer), NULL);

  if (!valid_orientation (orientation) || orientation == 1)
    return g_object_ref (buffer);

  extent = gegl_buffer_get_extent (buffer);
  format = gegl_buffer_get_format (buffer);
  bpp = babl_format_get_bytes_per_pixel (format);
  width = extent->width;
  height = extent->height;
  ottica_orientation_size (orientation, width, height, &out_width, &out_height);

  row_stride = (gsize) width * bpp;
  dest_stride = (gsize) out_width * bpp;
  dest = ottica_image_alloc_pixels (dest_stride * out_height);
  if (dest == NULL)
    g_error ("out of memory turning a %d × %d image", width, height);
  strip = g_malloc (row_stride * MIN (STRIP_ROWS, height));

  for (int y = 0; y < height; y += STRIP_ROWS)
    {
      int n = MIN (STRIP_ROWS, height - y);
      GeglRectangle rect = { extent->x, extent->y + y, width, n };

      gegl_buffer_get (buffer, &rect, 1.0, format, strip, row_stride, GEGL_ABYSS_NONE);
      ottica_orientation_place_rows (orientation, strip, row_stride, bpp, width, height,
                                     y, n, dest, dest_stride);
    }

  dest_extent = (GeglRectangle) { 0, 0, out_width, out_height };
  return gegl_buffer_linear_new_from_data (dest, format, &dest_extent, (int) dest_stride,
                                           g_free, dest);
}
