/* ottica-gegl-load.c: PNG and TIFF through GEGL's loaders.
 *
 * GEGL's loaders keep the bit depth and build a babl space from an
 * embedded profile, but they only print a warning when a file is
 * truncated, damaged or absurdly large, and hand back a blank or partial
 * buffer. So the file's structure is checked here first, from its headers
 * (PNG chunks, TIFF directories), before GEGL allocates anything; the
 * profile is read here too, validated with lcms2 and converted with it
 * where babl cannot take it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-gegl-load.h"
#include "ottica-icc.h"
#include "ottica-limits.h"
#include "ottica-orientation.h"

/* Profiles are a few KB; a larger one than this is an attack. */
#define MAX_ICC_BYTES (16 * 1024 * 1024)
/* Strip and tile tables: a 65500-row image in one-row strips has 65500. */
#define MAX_TIFF_ARRAY (4 * 1024 * 1024)
#define MAX_TIFF_ENTRIES 4096

#define TIFF_TAG_WIDTH             256
#define TIFF_TAG_HEIGHT            257
#define TIFF_TAG_PHOTOMETRIC       262
#define TIFF_TAG_MAKE              271
#define TIFF_TAG_MODEL             272
#define TIFF_TAG_STRIP_OFFSETS     273
#define TIFF_TAG_ORIENTATION       274
#define TIFF_TAG_STRIP_BYTE_COUNTS 279
#define TIFF_TAG_TILE_OFFSETS      324
#define TIFF_TAG_TILE_BYTE_COUNTS  325
#define TIFF_TAG_ICC_PROFILE       34675

#define TIFF_PHOTOMETRIC_CFA        32803
#define TIFF_PHOTOMETRIC_LINEAR_RAW 34892

typedef struct
{
  char     *name;
  FILE     *file;
  guint64   size;

  guint64   width;
  guint64   height;
  GBytes   *icc;
  int       orientation;
  char     *camera;
  char     *color_space;   /* PNG gamma chunks, when no profile */
} Header;

static void
header_clear (Header *header)
{
  g_free (header->name);
  if (header->file != NULL)
    fclose (header->file);
  g_clear_pointer (&header->icc, g_bytes_unref);
  g_free (header->camera);
  g_free (header->color_space);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Header, header_clear)

static gboolean
read_at (Header  *header,
         guint64  offset,
         void    *data,
         gsize    length)
{
  if (offset > header->size || length > header->size - offset)
    return FALSE;
  if (fseeko (header->file, (off_t) offset, SEEK_SET) != 0)
    return FALSE;
  return fread (data, 1, length, header->file) == length;
}

static gboolean
set_truncated (Header  *header,
               GError **error)
{
  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
               _("“%s” is truncated: the file ends before the image data does."), header->name);
  return FALSE;
}

static gboolean
check_size (Header  *header,
            GError **error)
{
  if (header->width == 0 || header->height == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its header gives the image no size."), header->name);
      return FALSE;
    }
  if (header->width > OTTICA_MAX_IMAGE_SIDE || header->height > OTTICA_MAX_IMAGE_SIDE
      || (double) header->width * header->height > OTTICA_MAX_IMAGE_PIXELS)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large: %llu × %llu pixels is more than Ottica opens."),
                   header->name, (unsigned long long) header->width,
                   (unsigned long long) header->height);
      return FALSE;
    }
  return TRUE;
}

/* ---- PNG ---------------------------------------------------------------- */

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* An iCCP chunk: a name, a NUL, a compression method (0) and zlib data. */
static GBytes *
inflate_iccp (const guint8 *chunk,
              gsize         length)
{
  const guint8 *nul = memchr (chunk, '\0', MIN (length, 80));
  g_autoptr(GConverter) zlib = NULL;
  g_autoptr(GByteArray) out = NULL;
  const guint8 *in;
  gsize in_left;

  if (nul == NULL || (gsize) (nul - chunk) + 2 > length || nul[1] != 0)
    return NULL;
  in = nul + 2;
  in_left = length - (gsize) (in - chunk);

  zlib = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
  out = g_byte_array_new ();
  for (;;)
    {
      guint8 buffer[16384];
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (zlib, in, in_left, buffer, sizeof buffer,
                                    G_CONVERTER_INPUT_AT_END, &read, &written, NULL);
      if (result == G_CONVERTER_ERROR)
        return NULL;
      g_byte_array_append (out, buffer, (guint) written);
      in += read;
      in_left -= read;
      if (out->len > MAX_ICC_BYTES)
        return NULL;
      if (result == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0)
        return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Walks the chunks: IHDR first, every chunk whole, IEND at the end. Reads
 * the size, the profile and the gamma chunks on the way. */
static gboolean
read_png_header (Header  *header,
                 GError **error)
{
  guint64 offset = 8;
  gboolean seen_ihdr = FALSE, seen_idat = FALSE, seen_srgb = FALSE;
  double gamma = 0.0;

  for (;;)
    {
      guint8 chunk[8];
      guint32 length;
      char type[5] = { 0 };

      if (!read_at (header, offset, chunk, sizeof chunk))
        return set_truncated (header, error);
      length = be32 (chunk);
      memcpy (type, chunk + 4, 4);

      if (length > G_MAXINT32 || !g_ascii_isalpha (type[0]) || !g_ascii_isalpha (type[1])
          || !g_ascii_isalpha (type[2]) || !g_ascii_isalpha (type[3]))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                       _("“%s” is damaged: its PNG structure is broken."), header->name);
          return FALSE;
        }
      if (offset + 12 + length > header->size)
        return set_truncated (header, error);

      if (!seen_ihdr)
        {
          guint8 ihdr[13];

          if (strcmp (type, "IHDR") != 0 || length != 13 || !read_at (header, offset + 8, ihdr, 13))
            {
              g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                           _("“%s” is damaged: its PNG header is missing."), header->name);
              return FALSE;
            }
          seen_ihdr = TRUE;
          header->width = be32 (ihdr);
          header->height = be32 (ihdr + 4);
          /* Refuse absurd sizes now, before walking a huge file. */
          if (!check_size (header, error))
            return FALSE;
        }
      else if (strcmp (type, "IDAT") == 0)
        seen_idat = TRUE;
      else if (strcmp (type, "iCCP") == 0 && header->icc == NULL && length <= MAX_ICC_BYTES)
        {
          g_autofree guint8 *data = g_malloc (length);

          if (!read_at (header, offset + 8, data, length))
            return set_truncated (header, error);
          header->icc = inflate_iccp (data, length);
          if (header->icc == NULL)
            {
              /* An unreadable iCCP is a damaged profile: the same as a
               * profile lcms2 refuses, keep a marker of it. */
              header->icc = g_bytes_new_static ("", 0);
            }
        }
      else if (strcmp (type, "sRGB") == 0)
        seen_srgb = TRUE;
      else if (strcmp (type, "gAMA") == 0 && length == 4)
        {
          guint8 value[4];

          if (read_at (header, offset + 8, value, 4) && be32 (value) > 0)
            gamma = 100000.0 / be32 (value);
        }
      else if (strcmp (type, "IEND") == 0)
        break;

      offset += 12 + (guint64) length;
    }

  if (!seen_idat)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: it holds no image data."), header->name);
      return FALSE;
    }
  /* GEGL builds a space from gAMA (and cHRM) when there is no profile. */
  if (header->icc == NULL && !seen_srgb && gamma > 0.0)
    header->color_space = g_strdup_printf (_("Gamma %.2f (from the PNG file)"), gamma);
  return TRUE;
}

/* ---- TIFF --------------------------------------------------------------- */

typedef struct
{
  gboolean big_endian;
  gboolean big_tiff;
} TiffLayout;

static guint64
tiff_uint (const TiffLayout *layout,
           const guint8     *p,
           int               bytes)
{
  guint64 value = 0;

  for (int i = 0; i < bytes; i++)
    {
      int index = layout->big_endian ? i : bytes - 1 - i;

      value = value << 8 | p[index];
    }
  return value;
}

static int
tiff_type_size (guint type)
{
  switch (type)
    {
    case 1: case 2: case 6: case 7: return 1;   /* BYTE ASCII SBYTE UNDEFINED */
    case 3: case 8: return 2;                   /* SHORT SSHORT */
    case 4: case 9: case 11: case 13: return 4; /* LONG SLONG FLOAT IFD */
    case 5: case 10: case 12: case 16: case 17: case 18: return 8;
    default: return 0;
    }
}

typedef struct
{
  guint    tag;
  guint    type;
  guint64  count;
  guint8   value[8];   /* the inline value field */
} TiffEntry;

/* The bytes of @entry's value: inline or at its offset. */
static guint8 *
tiff_entry_data (Header           *header,
                 const TiffLayout *layout,
                 const TiffEntry  *entry,
                 gsize             max_bytes,
                 gsize            *length)
{
  int size = tiff_type_size (entry->type);
  int field = layout->big_tiff ? 8 : 4;
  guint64 bytes;
  guint8 *data;

  if (size == 0 || entry->count == 0 || entry->count > max_bytes / (guint64) size)
    return NULL;
  bytes = entry->count * (guint64) size;
  data = g_malloc (bytes);
  if (bytes <= (guint64) field)
    memcpy (data, entry->value, bytes);
  else if (!read_at (header, tiff_uint (layout, entry->value, field), data, bytes))
    {
      g_free (data);
      return NULL;
    }
  *length = bytes;
  return data;
}

/* The integers of a SHORT, LONG or LONG8 entry. */
static guint64 *
tiff_entry_uints (Header           *header,
                  const TiffLayout *layout,
                  const TiffEntry  *entry,
                  gsize            *n)
{
  int size = tiff_type_size (entry->type);
  g_autofree guint8 *data = NULL;
  gsize length = 0;
  guint64 *values;

  if (entry->type != 3 && entry->type != 4 && entry->type != 16)
    return NULL;
  data = tiff_entry_data (header, layout, entry, (gsize) MAX_TIFF_ARRAY * size, &length);
  if (data == NULL)
    return NULL;
  *n = length / size;
  values = g_new (guint64, *n);
  for (gsize i = 0; i < *n; i++)
    values[i] = tiff_uint (layout, data + i * size, size);
  return values;
}

static char *
tiff_entry_ascii (Header           *header,
                  const TiffLayout *layout,
                  const TiffEntry  *entry)
{
  gsize length = 0;
  g_autofree guint8 *data = NULL;

  if (entry == NULL || entry->type != 2)
    return NULL;
  data = tiff_entry_data (header, layout, entry, 256, &length);
  return data != NULL ? g_strndup ((const char *) data, length) : NULL;
}

static const TiffEntry *
find_entry (const TiffEntry *entries,
            gsize            n,
            guint            tag)
{
  for (gsize i = 0; i < n; i++)
    if (entries[i].tag == tag)
      return &entries[i];
  return NULL;
}

/* Every strip or tile must lie inside the file. */
static gboolean
check_tiff_data (Header           *header,
                 const TiffLayout *layout,
                 const TiffEntry  *offsets_entry,
                 const TiffEntry  *counts_entry,
                 GError          **error)
{
  g_autofree guint64 *offsets = NULL;
  g_autofree guint64 *counts = NULL;
  gsize n_offsets = 0, n_counts = 0;

  offsets = tiff_entry_uints (header, layout, offsets_entry, &n_offsets);
  if (offsets == NULL)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its TIFF directory does not say where the image data is."),
                   header->name);
      return FALSE;
    }
  if (counts_entry == NULL)
    return TRUE;   /* old uncompressed files may leave the counts out */
  counts = tiff_entry_uints (header, layout, counts_entry, &n_counts);
  if (counts == NULL || n_counts < n_offsets)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its TIFF directory is inconsistent."), header->name);
      return FALSE;
    }
  for (gsize i = 0; i < n_offsets; i++)
    if (offsets[i] > header->size || counts[i] > header->size - offsets[i])
      return set_truncated (header, error);
  return TRUE;
}

/* Reads the first directory (the image GEGL loads): size, data extent,
 * profile, orientation and camera. */
static gboolean
read_tiff_header (Header  *header,
                  GError **error)
{
  guint8 head[16];
  TiffLayout layout = { 0 };
  guint64 ifd, n_entries;
  int entry_size, count_size;
  g_autofree TiffEntry *entries = NULL;
  const TiffEntry *entry;

  if (!read_at (header, 0, head, MIN (sizeof head, header->size)) || header->size < 8)
    return set_truncated (header, error);

  layout.big_endian = head[0] == 'M';
  switch (tiff_uint (&layout, head + 2, 2))
    {
    case 42:
      ifd = tiff_uint (&layout, head + 4, 4);
      break;
    case 43:
      if (header->size < 16)
        return set_truncated (header, error);
      layout.big_tiff = TRUE;
      ifd = tiff_uint (&layout, head + 8, 8);
      break;
    default:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its TIFF header is broken."), header->name);
      return FALSE;
    }

  count_size = layout.big_tiff ? 8 : 2;
  entry_size = layout.big_tiff ? 20 : 12;
  {
    guint8 count[8];

    if (ifd < 8 || !read_at (header, ifd, count, count_size))
      return set_truncated (header, error);
    n_entries = tiff_uint (&layout, count, count_size);
  }
  if (n_entries == 0 || n_entries > MAX_TIFF_ENTRIES)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its TIFF directory is broken."), header->name);
      return FALSE;
    }

  entries = g_new0 (TiffEntry, n_entries);
  {
    g_autofree guint8 *raw = g_malloc (n_entries * entry_size);

    if (!read_at (header, ifd + count_size, raw, n_entries * entry_size))
      return set_truncated (header, error);
    for (guint64 i = 0; i < n_entries; i++)
      {
        const guint8 *e = raw + i * entry_size;

        entries[i].tag = (guint) tiff_uint (&layout, e, 2);
        entries[i].type = (guint) tiff_uint (&layout, e + 2, 2);
        entries[i].count = tiff_uint (&layout, e + 4, layout.big_tiff ? 8 : 4);
        memcpy (entries[i].value, e + (layout.big_tiff ? 12 : 8), layout.big_tiff ? 8 : 4);
      }
  }

  for (int i = 0; i < 2; i++)
    {
      gsize n = 0;
      g_autofree guint64 *value = NULL;

      entry = find_entry (entries, n_entries, i == 0 ? TIFF_TAG_WIDTH : TIFF_TAG_HEIGHT);
      if (entry != NULL)
        value = tiff_entry_uints (header, &layout, entry, &n);
      if (value == NULL || n < 1)
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                       _("“%s” is damaged: its TIFF directory gives no image size."), header->name);
          return FALSE;
        }
      if (i == 0)
        header->width = value[0];
      else
        header->height = value[0];
    }
  if (!check_size (header, error))
    return FALSE;

  entry = find_entry (entries, n_entries, TIFF_TAG_PHOTOMETRIC);
  if (entry != NULL)
    {
      gsize n = 0;
      g_autofree guint64 *photometric = tiff_entry_uints (header, &layout, entry, &n);

      if (photometric != NULL && n >= 1
          && (photometric[0] == TIFF_PHOTOMETRIC_CFA || photometric[0] == TIFF_PHOTOMETRIC_LINEAR_RAW))
        {
          /* libraw was asked first and did not know it. */
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                       _("“%s” holds camera sensor data in a RAW variant Ottica cannot read."),
                       header->name);
          return FALSE;
        }
    }

  if ((entry = find_entry (entries, n_entries, TIFF_TAG_STRIP_OFFSETS)) != NULL)
    {
      if (!check_tiff_data (header, &layout, entry,
                            find_entry (entries, n_entries, TIFF_TAG_STRIP_BYTE_COUNTS), error))
        return FALSE;
    }
  else if ((entry = find_entry (entries, n_entries, TIFF_TAG_TILE_OFFSETS)) != NULL)
    {
      if (!check_tiff_data (header, &layout, entry,
                            find_entry (entries, n_entries, TIFF_TAG_TILE_BYTE_COUNTS), error))
        return FALSE;
    }
  else
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: it holds no image data."), header->name);
      return FALSE;
    }

  if ((entry = find_entry (entries, n_entries, TIFF_TAG_ICC_PROFILE)) != NULL)
    {
      gsize length = 0;
      guint8 *data = NULL;

      if (entry->type == 7 || entry->type == 1)
        data = tiff_entry_data (header, &layout, entry, MAX_ICC_BYTES, &length);
      /* An unreadable profile tag is a damaged profile. */
      header->icc = data != NULL ? g_bytes_new_take (data, length) : g_bytes_new_static ("", 0);
    }

  if ((entry = find_entry (entries, n_entries, TIFF_TAG_ORIENTATION)) != NULL)
    {
      gsize n = 0;
      g_autofree guint64 *value = tiff_entry_uints (header, &layout, entry, &n);

      if (value != NULL && n >= 1 && value[0] >= 1 && value[0] <= 8)
        header->orientation = (int) value[0];
    }

  {
    g_autofree char *make = tiff_entry_ascii (header, &layout,
                                              find_entry (entries, n_entries, TIFF_TAG_MAKE));
    g_autofree char *model = tiff_entry_ascii (header, &layout,
                                               find_entry (entries, n_entries, TIFF_TAG_MODEL));

    header->camera = ottica_camera_name (make, model);
  }
  return TRUE;
}

/* ---- loading ------------------------------------------------------------ */

static GeglBuffer *
run_gegl_loader (const char *operation,
                 const char *path)
{
  g_autoptr(GeglNode) graph = gegl_node_new ();
  GeglBuffer *buffer = NULL;
  GeglNode *load, *sink;

  load = gegl_node_new_child (graph, "operation", operation, "path", path, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  return buffer;
}

static void
set_warning (OtticaImage *image,
             char        *warning)
{
  g_free (image->warning);
  image->warning = warning;
}

/* Gives @image->buffer the colours of @header->icc: tags it with the babl
 * space, or converts it with lcms2 where babl cannot take the profile. A
 * bad profile is a warning and the photo is read as sRGB. */
static void
apply_profile (OtticaImage *image,
               Header      *header)
{
  g_autoptr(GError) icc_error = NULL;
  g_autofree char *description = NULL;
  const Babl *format = gegl_buffer_get_format (image->buffer);
  const Babl *space;

  if (header->icc == NULL)
    {
      image->color_space = header->color_space != NULL ? g_steal_pointer (&header->color_space)
                                                       : g_strdup ("sRGB");
      return;
    }

  space = ottica_icc_babl_space (header->icc, header->name, &description, &icc_error);
  if (space == NULL && icc_error == NULL)
    {
      GeglBuffer *converted = ottica_icc_convert_with_lcms (image->buffer, header->icc,
                                                            header->name, &icc_error);

      if (converted != NULL)
        {
          g_object_unref (image->buffer);
          image->buffer = converted;
          image->icc_profile = g_bytes_ref (header->icc);
          image->color_space = g_steal_pointer (&description);
          if (image->color_space == NULL)
            image->color_space = g_strdup (_("Embedded profile"));
          return;
        }
    }

  if (icc_error != NULL)
    {
      /* Like Lightroom and darktable: open the photo as sRGB and say so. */
      /* Translators: %s is a whole sentence saying what is wrong with the
       * photo's colour profile. */
      set_warning (image, g_strdup_printf (_("%s The photo is shown as sRGB."), icc_error->message));
      space = babl_space ("sRGB");
      image->color_space = g_strdup ("sRGB");
    }
  else
    {
      image->icc_profile = g_bytes_ref (header->icc);
      image->color_space = g_steal_pointer (&description);
      if (image->color_space == NULL)
        image->color_space = g_strdup (_("Embedded profile"));
    }

  /* GEGL built its own space from the same bytes; it differs only where
   * lcms2 refused the profile and babl did not. Same layout, new space. */
  if (babl_format_get_space (format) != space)
    gegl_buffer_set_format (image->buffer,
                            ottica_engine_babl_format (babl_format_get_encoding (format), space));
}

gboolean
ottica_gegl_load (OtticaImage              *image,
                  const OtticaLoadOptions  *options,
                  GCancellable             *cancellable,
                  GError                  **error)
{
  g_auto(Header) header = { 0 };
  GStatBuf st;
  guint8 magic[8] = { 0 };
  gboolean png;
  const GeglRectangle *extent;
  GeglBuffer *upright;

  g_return_val_if_fail (image != NULL && image->path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  header.name = g_filename_display_basename (image->path);
  header.orientation = 1;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  header.file = g_fopen (image->path, "rb");
  if (header.file == NULL || fstat (fileno (header.file), &st) != 0)
    {
      int saved = errno;

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” cannot be read: %s."), header.name, g_strerror (saved));
      return FALSE;
    }
  header.size = (guint64) st.st_size;
  if (header.size == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, _("“%s” is empty."), header.name);
      return FALSE;
    }

  if (!read_at (&header, 0, magic, MIN (sizeof magic, header.size)))
    return set_truncated (&header, error);
  png = memcmp (magic, "\x89PNG\r\n\x1a\n", 8) == 0;
  if (!png && memcmp (magic, "II", 2) != 0 && memcmp (magic, "MM", 2) != 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is neither a PNG nor a TIFF file."), header.name);
      return FALSE;
    }

  if (!(png ? read_png_header (&header, error) : read_tiff_header (&header, error)))
    return FALSE;
  fclose (header.file);
  header.file = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  image->kind = png ? OTTICA_IMAGE_KIND_PNG : OTTICA_IMAGE_KIND_TIFF;
  g_free (image->format_name);
  image->format_name = g_strdup (png ? "PNG" : "TIFF");

  /* babl adds spaces to a global list without a lock, and GEGL's loader
   * asks for this one unlocked: make it here, under our lock, first. */
  if (header.icc != NULL)
    ottica_icc_babl_space (header.icc, header.name, NULL, NULL);

  image->buffer = run_gegl_loader (png ? "gegl:png-load" : "gegl:tiff-load", image->path);
  extent = image->buffer != NULL ? gegl_buffer_get_extent (image->buffer) : NULL;
  if (extent == NULL || (guint64) extent->width != header.width
      || (guint64) extent->height != header.height)
    {
      g_clear_object (&image->buffer);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its image data cannot be decoded."), header.name);
      return FALSE;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  apply_profile (image, &header);

  /* TIFF keeps orientation in its own directory; PNG only in EXIF. */
  if (png)
    image->orientation = ottica_orientation_read_with_camera (image->path, &image->camera);
  else
    {
      image->orientation = header.orientation;
      image->camera = g_steal_pointer (&header.camera);
    }

  upright = ottica_orientation_apply (image->buffer, image->orientation);
  g_object_unref (image->buffer);
  image->buffer = upright;

  extent = gegl_buffer_get_extent (image->buffer);
  image->full_width = extent->width;
  image->full_height = extent->height;
  image->scale = 1.0;
  return TRUE;
}
