/* ottica-metadata.c: EXIF, IPTC and XMP from the original into an export.
 *
 * The source's metadata is read with gexiv2, cleaned of everything that
 * describes the original file rather than the photo, adjusted to the
 * export (orientation, size, colour space, software) and written into the
 * exported JPEG in place (exiv2 rewrites the file's header segments).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gexiv2/gexiv2.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "ottica-error.h"
#include "ottica-metadata.h"
#include "ottica-output-profile.h"

/* An EXIF APP1 segment is at most 65535 bytes including its 2-byte length
 * and the 6-byte "Exif\0\0" header; exiv2 refuses anything larger. */
#define MAX_EXIF_TIFF_BYTES (65535 - 2 - 6)
/* Likewise for the XMP APP1 segment with its 29-byte namespace header. */
#define MAX_XMP_PACKET_BYTES (65535 - 2 - 29)
/* The tags dropped, after the maker note, when EXIF is still too large. */
#define LARGE_TAG_BYTES 4096

/* exiv2's XMP toolkit and some of its caches are not thread-safe, and
 * batches export in parallel: every exiv2 call here holds this lock. */
static GMutex exiv2_lock;

static void
ensure_gexiv2 (void)
{
  static gsize ready = 0;

  if (g_once_init_enter (&ready))
    {
      gexiv2_initialize ();
      /* exiv2 warns on stderr about every odd maker note; errors still
       * reach us as GErrors. */
      gexiv2_log_set_level (GEXIV2_LOG_LEVEL_ERROR);
      g_once_init_leave (&ready, 1);
    }
}

static GExiv2Metadata *
open_metadata (const char *path)
{
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;

  if (path == NULL || !gexiv2_metadata_open_path (meta, path, &error))
    {
      if (error != NULL)
        g_debug ("No metadata read from %s: %s", path, error->message);
      return NULL;
    }
  return g_steal_pointer (&meta);
}

/* "Exif.Photo.FNumber" → group "Photo", name "FNumber". */
static gboolean
split_key (const char *key, char *group, gsize group_size, const char **name)
{
  const char *first = strchr (key, '.');
  const char *second = first != NULL ? strchr (first + 1, '.') : NULL;
  gsize len;

  if (second == NULL)
    return FALSE;
  len = (gsize) (second - first - 1);
  if (len + 1 > group_size)
    return FALSE;
  memcpy (group, first + 1, len);
  group[len] = '\0';
  *name = second + 1;
  return TRUE;
}

static gboolean
name_in (const char *name, const char * const *list)
{
  for (gsize i = 0; list[i] != NULL; i++)
    if (strcmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
group_has_prefix_and_digits (const char *group, const char *prefix)
{
  gsize n = strlen (prefix);

  if (strncmp (group, prefix, n) != 0 || group[n] == '\0')
    return FALSE;
  for (const char *p = group + n; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* IFD0 tags that still describe the photo once it is a JPEG. Everything
 * else there (strip and tile layout, compression, bit depth, sub-IFDs, CFA
 * and DNG calibration, an embedded TIFF ICC profile or XMP/IPTC copy)
 * describes the original file and would be wrong or misleading. */
static const char * const image_tags_kept[] = {
  "ImageWidth", "ImageLength", /* updated to the export's size */
  "ImageDescription", "Make", "Model", "Orientation", "XResolution",
  "YResolution", "ResolutionUnit", "Software", "DateTime", "Artist",
  "HostComputer", "Copyright", "YCbCrPositioning", "ExifTag", "GPSTag",
  "Rating", "RatingPercent", "XPTitle", "XPComment", "XPAuthor",
  "XPKeywords", "XPSubject", "ImageUniqueID", "CameraSerialNumber",
  "LensInfo", "PrintImageMatching", "DocumentName", "ImageNumber",
  NULL
};

/* TIFF/EP cameras (older Kodak and others) keep the shooting data in IFD0;
 * JPEG readers look for it in the Exif IFD, so it moves there. */
static const char * const tiff_ep_tags[] = {
  "ExposureTime", "FNumber", "ExposureProgram", "ISOSpeedRatings",
  "DateTimeOriginal", "ShutterSpeedValue", "ApertureValue",
  "BrightnessValue", "ExposureBiasValue", "MaxApertureValue",
  "SubjectDistance", "MeteringMode", "LightSource", "Flash", "FocalLength",
  "SensingMethod",
  NULL
};

/* Groups of sub-images and file structure (a RAW's preview IFDs, MPF,
 * Panasonic's raw IFD, the thumbnail): never copied. */
static gboolean
is_structure_group (const char *group)
{
  return strcmp (group, "Thumbnail") == 0
         || strcmp (group, "MpfInfo") == 0
         || strcmp (group, "PanaRaw") == 0
         || group_has_prefix_and_digits (group, "Image")
         || group_has_prefix_and_digits (group, "SubImage")
         || group_has_prefix_and_digits (group, "SubThumb");
}

static gboolean
is_standard_group (const char *group)
{
  return strcmp (group, "Image") == 0
         || strcmp (group, "Photo") == 0
         || strcmp (group, "Iop") == 0
         || strcmp (group, "GPSInfo") == 0
         || is_structure_group (group);
}

/* Maker notes are decoded by exiv2 into one group per directory (Canon,
 * CanonCs, OlympusEq, …), plus Exif.MakerNote.* and Exif.Photo.MakerNote. */
static gboolean
is_maker_note_key (const char *key)
{
  char group[64];
  const char *name;

  if (!split_key (key, group, sizeof group, &name))
    return FALSE;
  if (strcmp (group, "Photo") == 0)
    return strcmp (name, "MakerNote") == 0;
  return !is_standard_group (group);
}

static void
clear_tag (GExiv2Metadata *meta, const char *key)
{
  g_autoptr(GError) error = NULL;

  if (!gexiv2_metadata_try_clear_tag (meta, key, &error) && error != NULL)
    g_debug ("Could not remove %s: %s", key, error->message);
}

static gboolean
has_tag (GExiv2Metadata *meta, const char *key)
{
  return gexiv2_metadata_try_has_tag (meta, key, NULL);
}

static void
set_string (GExiv2Metadata *meta, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;

  if (!gexiv2_metadata_try_set_tag_string (meta, key, value, &error))
    g_debug ("Could not set %s: %s", key, error ? error->message : "?");
}

/* Through a string, so that exiv2 keeps the tag's own type (or the
 * standard one for a new tag): setting a number directly would store
 * Orientation or PixelXDimension as SLONG, which strict readers ignore. */
static void
set_number (GExiv2Metadata *meta, const char *key, glong value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%ld", value);
  set_string (meta, key, text);
}

static void
clear_exif_where (GExiv2Metadata *meta,
                  gboolean      (*predicate) (const char *key, gpointer data),
                  gpointer        data)
{
  g_auto(GStrv) tags = gexiv2_metadata_get_exif_tags (meta);

  for (gsize i = 0; tags != NULL && tags[i] != NULL; i++)
    if (predicate (tags[i], data))
      clear_tag (meta, tags[i]);
}

static void
clear_xmp_with_prefix (GExiv2Metadata *meta, const char *prefix)
{
  g_auto(GStrv) tags = gexiv2_metadata_get_xmp_tags (meta);

  for (gsize i = 0; tags != NULL && tags[i] != NULL; i++)
    if (g_str_has_prefix (tags[i], prefix))
      clear_tag (meta, tags[i]);
}

static gboolean
is_unwanted_exif (const char *key, gpointer data)
{
  OtticaMetadataPolicy policy = GPOINTER_TO_INT (data);
  char group[64];
  const char *name;

  if (!split_key (key, group, sizeof group, &name))
    return TRUE;
  if (strcmp (group, "Image") == 0)
    return !name_in (name, image_tags_kept);
  if (strcmp (group, "GPSInfo") == 0)
    return policy == OTTICA_METADATA_NO_GPS;
  return is_structure_group (group);
}

static gboolean
is_maker_note_exif (const char *key, gpointer data)
{
  return is_maker_note_key (key);
}

static gboolean
is_large_exif (const char *key, gpointer data)
{
  GExiv2Metadata *meta = data;
  g_autoptr(GBytes) raw = gexiv2_metadata_try_get_tag_raw (meta, key, NULL);

  return raw != NULL && g_bytes_get_size (raw) > LARGE_TAG_BYTES;
}

/* A decoded entry of a maker note (not the note as a whole) over 4 KB. */
static gboolean
is_large_maker_note_entry (const char *key, gpointer data)
{
  return is_maker_note_key (key) && strcmp (key, "Exif.Photo.MakerNote") != 0
         && is_large_exif (key, data);
}

/* Whether exiv2 decoded a maker note into its own groups. */
static gboolean
has_decoded_maker_note (GExiv2Metadata *meta)
{
  g_auto(GStrv) tags = gexiv2_metadata_get_exif_tags (meta);

  for (gsize i = 0; tags != NULL && tags[i] != NULL; i++)
    if (is_maker_note_key (tags[i]) && strcmp (tags[i], "Exif.Photo.MakerNote") != 0)
      return TRUE;
  return FALSE;
}

/* The size of the EXIF block exiv2 will write, from the tags' values: 12
 * bytes a tag, values over 4 bytes stored beside it (word-aligned), a
 * little per directory. exiv2's own encoder cannot tell us: it silently
 * drops whatever it likes (any tag over 20 KB first) to fit in 64 KB, so
 * we decide before it does. */
static gsize
estimate_exif_size (GExiv2Metadata *meta)
{
  g_auto(GStrv) tags = gexiv2_metadata_get_exif_tags (meta);
  gboolean decoded = has_decoded_maker_note (meta);
  gsize size = 8 + 16 * 20;   /* TIFF header, and directory overheads */

  for (gsize i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      g_autoptr(GBytes) raw = NULL;
      gsize n;

      /* A decoded maker note is written from its tags, not from the blob. */
      if (decoded && strcmp (tags[i], "Exif.Photo.MakerNote") == 0)
        continue;
      raw = gexiv2_metadata_try_get_tag_raw (meta, tags[i], NULL);
      n = raw != NULL ? g_bytes_get_size (raw) : 0;
      size += 12 + (n > 4 ? n + (n & 1) : 0);
    }
  return size;
}

/* exiv2 0.27 re-encodes an Olympus maker note with the newer "OM SYSTEM"
 * header, which it then cannot read back itself. Olympus notes address
 * their data relative to their own start, so the original bytes are valid
 * anywhere: keep them as they are and let exiv2 copy the blob. */
static void
keep_self_relative_maker_note (GExiv2Metadata *meta)
{
  g_autoptr(GBytes) raw = NULL;
  const char *data;
  gsize n;

  if (!has_tag (meta, "Exif.Photo.MakerNote"))
    return;
  raw = gexiv2_metadata_try_get_tag_raw (meta, "Exif.Photo.MakerNote", NULL);
  if (raw == NULL)
    return;
  data = g_bytes_get_data (raw, &n);
  if ((n > 12 && memcmp (data, "OLYMPUS\0", 8) == 0)
      || (n > 16 && memcmp (data, "OM SYSTEM\0", 10) == 0))
    {
      g_auto(GStrv) tags = gexiv2_metadata_get_exif_tags (meta);

      for (gsize i = 0; tags != NULL && tags[i] != NULL; i++)
        if (is_maker_note_key (tags[i]) && strcmp (tags[i], "Exif.Photo.MakerNote") != 0)
          clear_tag (meta, tags[i]);
    }
}

static void
move_tiff_ep_tags (GExiv2Metadata *meta)
{
  for (gsize i = 0; tiff_ep_tags[i] != NULL; i++)
    {
      g_autofree char *from = g_strconcat ("Exif.Image.", tiff_ep_tags[i], NULL);
      g_autofree char *to = g_strconcat ("Exif.Photo.", tiff_ep_tags[i], NULL);
      g_autofree char *value = NULL;

      if (!has_tag (meta, from) || has_tag (meta, to))
        continue;
      value = gexiv2_metadata_try_get_tag_string (meta, from, NULL);
      if (value != NULL)
        set_string (meta, to, value);
    }
}

static void
adjust_for_export (GExiv2Metadata       *meta,
                   int                   width,
                   int                   height,
                   OtticaColorSpace      color_space,
                   OtticaMetadataPolicy  policy)
{
  g_autofree char *software = g_strdup_printf ("Ottica %s", PACKAGE_VERSION);

  move_tiff_ep_tags (meta);
  clear_exif_where (meta, is_unwanted_exif, GINT_TO_POINTER (policy));
  /* The embedded thumbnail shows the original, unedited and unrotated:
   * an export never carries it. */
  gexiv2_metadata_try_erase_exif_thumbnail (meta, NULL);

  if (policy == OTTICA_METADATA_NO_GPS)
    {
      clear_xmp_with_prefix (meta, "Xmp.exif.GPS");
      /* Location by other names than GPS is kept: "no-gps" removes
       * coordinates, as its name says. */
    }

  /* What the original carried beside the main image and we do not copy:
   * Extended XMP (exiv2 reads only the main packet), Google's depth map
   * and container directories, HDR gain-map descriptions. */
  clear_tag (meta, "Xmp.xmpNote.HasExtendedXMP");
  clear_xmp_with_prefix (meta, "Xmp.GDepth.");
  clear_xmp_with_prefix (meta, "Xmp.GImage.");
  clear_xmp_with_prefix (meta, "Xmp.GContainer.");
  clear_xmp_with_prefix (meta, "Xmp.hdrgm.");
  clear_xmp_with_prefix (meta, "Xmp.HDRGainMap.");

  /* The pixels are upright and this size now. */
  set_number (meta, "Exif.Image.Orientation", 1);
  if (has_tag (meta, "Xmp.tiff.Orientation"))
    set_number (meta, "Xmp.tiff.Orientation", 1);
  set_number (meta, "Exif.Photo.PixelXDimension", width);
  set_number (meta, "Exif.Photo.PixelYDimension", height);
  if (has_tag (meta, "Exif.Image.ImageWidth"))
    set_number (meta, "Exif.Image.ImageWidth", width);
  if (has_tag (meta, "Exif.Image.ImageLength"))
    set_number (meta, "Exif.Image.ImageLength", height);
  if (has_tag (meta, "Xmp.exif.PixelXDimension"))
    set_number (meta, "Xmp.exif.PixelXDimension", width);
  if (has_tag (meta, "Xmp.exif.PixelYDimension"))
    set_number (meta, "Xmp.exif.PixelYDimension", height);
  if (has_tag (meta, "Xmp.tiff.ImageWidth"))
    set_number (meta, "Xmp.tiff.ImageWidth", width);
  if (has_tag (meta, "Xmp.tiff.ImageLength"))
    set_number (meta, "Xmp.tiff.ImageLength", height);
  for (const char *const *t = (const char *const[]) {
         "Xmp.tiff.Compression", "Xmp.tiff.BitsPerSample",
         "Xmp.tiff.PhotometricInterpretation", "Xmp.tiff.SamplesPerPixel",
         "Xmp.tiff.PlanarConfiguration", NULL };
       *t != NULL; t++)
    clear_tag (meta, *t);

  /* EXIF's own colour tag: 1 is sRGB, 0xFFFF "uncalibrated" tells readers
   * to use the ICC profile. The DCF interoperability index says the same
   * ("R98" sRGB, "R03" Adobe RGB). */
  set_number (meta, "Exif.Photo.ColorSpace", color_space == OTTICA_COLOR_SPACE_SRGB ? 1 : 0xFFFF);
  if (has_tag (meta, "Xmp.exif.ColorSpace"))
    set_number (meta, "Xmp.exif.ColorSpace", color_space == OTTICA_COLOR_SPACE_SRGB ? 1 : 0xFFFF);
  if (has_tag (meta, "Exif.Iop.InteroperabilityIndex"))
    {
      if (color_space == OTTICA_COLOR_SPACE_SRGB)
        set_string (meta, "Exif.Iop.InteroperabilityIndex", "R98");
      else if (color_space == OTTICA_COLOR_SPACE_ADOBE_RGB)
        set_string (meta, "Exif.Iop.InteroperabilityIndex", "R03");
      else
        clear_tag (meta, "Exif.Iop.InteroperabilityIndex");
    }
  if (has_tag (meta, "Xmp.photoshop.ICCProfile"))
    set_string (meta, "Xmp.photoshop.ICCProfile",
                ottica_output_profile_description (color_space));

  set_string (meta, "Exif.Image.Software", software);
}

/* Keeps the EXIF block writable in one APP1 segment. */
static void
fit_exif (GExiv2Metadata *meta, const char *dest_name)
{
  if (estimate_exif_size (meta) <= MAX_EXIF_TIFF_BYTES)
    return;

  /* Raw converters' blobs inside maker notes (Canon's Flavor and
   * CRWParam, 70 KB in a 30D's CR2) say nothing about a JPEG; without them
   * the lens and shooting details of the note still fit. */
  g_debug ("EXIF for %s is over 64 KB: dropping maker note entries over %d bytes",
           dest_name, LARGE_TAG_BYTES);
  clear_exif_where (meta, is_large_maker_note_entry, meta);
  if (estimate_exif_size (meta) <= MAX_EXIF_TIFF_BYTES)
    return;

  g_debug ("EXIF for %s is still over 64 KB: dropping the maker note", dest_name);
  clear_exif_where (meta, is_maker_note_exif, NULL);
  if (estimate_exif_size (meta) <= MAX_EXIF_TIFF_BYTES)
    return;

  g_debug ("EXIF for %s is still over 64 KB: dropping tags over %d bytes",
           dest_name, LARGE_TAG_BYTES);
  clear_exif_where (meta, is_large_exif, meta);
  if (estimate_exif_size (meta) <= MAX_EXIF_TIFF_BYTES)
    return;

  /* Pathological (thousands of small tags): keep only what identifies the
   * photo rather than fail the export. The person exporting sees this
   * (ottica-cli prints it), so it is translated. */
  g_warning (_("The EXIF metadata of “%s” does not fit in 64 KB; only the camera, date and "
               "exposure are kept."),
             dest_name);
  {
    static const char * const essential[] = {
      "Exif.Image.Make", "Exif.Image.Model", "Exif.Image.Orientation",
      "Exif.Image.Software", "Exif.Image.DateTime", "Exif.Image.Artist",
      "Exif.Image.Copyright", "Exif.Photo.DateTimeOriginal",
      "Exif.Photo.ExposureTime", "Exif.Photo.FNumber",
      "Exif.Photo.ISOSpeedRatings", "Exif.Photo.FocalLength",
      "Exif.Photo.PixelXDimension", "Exif.Photo.PixelYDimension",
      "Exif.Photo.ColorSpace", NULL
    };
    g_auto(GStrv) tags = gexiv2_metadata_get_exif_tags (meta);

    for (gsize i = 0; tags != NULL && tags[i] != NULL; i++)
      if (!name_in (tags[i], essential))
        clear_tag (meta, tags[i]);
  }
}

/* Keeps the XMP packet writable in one APP1 segment. */
static void
fit_xmp (GExiv2Metadata *meta)
{
  g_autofree char *packet = NULL;
  g_auto(GStrv) tags = NULL;

  if (!gexiv2_metadata_has_xmp (meta))
    return;
  packet = gexiv2_metadata_try_generate_xmp_packet (meta, GEXIV2_USE_COMPACT_FORMAT
                                                    | GEXIV2_OMIT_PACKET_WRAPPER, 0, NULL);
  if (packet == NULL || strlen (packet) + 200 <= MAX_XMP_PACKET_BYTES)
    return;

  tags = gexiv2_metadata_get_xmp_tags (meta);
  for (gsize i = 0; tags[i] != NULL; i++)
    {
      g_autofree char *value = gexiv2_metadata_try_get_tag_string (meta, tags[i], NULL);

      if (value != NULL && strlen (value) > LARGE_TAG_BYTES)
        clear_tag (meta, tags[i]);
    }
}

gboolean
ottica_metadata_copy (const char           *source,
                      const char           *dest,
                      int                   width,
                      int                   height,
                      OtticaColorSpace      color_space,
                      OtticaMetadataPolicy  policy,
                      GError              **error)
{
  g_autoptr(GExiv2Metadata) meta = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dest_name = NULL;
  gboolean ok;

  g_return_val_if_fail (dest != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);

  if (policy == OTTICA_METADATA_NONE)
    return TRUE;

  ensure_gexiv2 ();
  dest_name = g_filename_display_basename (dest);

  g_mutex_lock (&exiv2_lock);

  meta = open_metadata (source);
  /* A source exiv2 cannot read has nothing to copy; the export still gets
   * Ottica's own tags, written through the export's own (empty) metadata. */
  if (meta == NULL)
    meta = open_metadata (dest);
  if (meta == NULL)
    {
      g_mutex_unlock (&exiv2_lock);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                   _("Could not add metadata to “%s”: the file is not a JPEG that can be read back."),
                   dest_name);
      return FALSE;
    }

  adjust_for_export (meta, width, height, color_space, policy);
  keep_self_relative_maker_note (meta);
  fit_exif (meta, dest_name);
  fit_xmp (meta);

  ok = gexiv2_metadata_save_file (meta, dest, &local_error);

  g_mutex_unlock (&exiv2_lock);

  if (!ok)
    {
      if (local_error != NULL)
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                     _("Could not write the metadata of “%s”: %s"),
                     dest_name, local_error->message);
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                     _("Could not write the metadata of “%s”."), dest_name);
      return FALSE;
    }
  return TRUE;
}

/* "2009:07:21 13:03:20" or "2009-07-21T13:03:20" → "2009-07-21". */
static char *
parse_date (const char *value)
{
  int year, month, day;

  if (value == NULL || strlen (value) < 10)
    return NULL;
  for (int i = 0; i < 10; i++)
    {
      if (i == 4 || i == 7)
        {
          if (value[i] != ':' && value[i] != '-')
            return NULL;
        }
      else if (!g_ascii_isdigit (value[i]))
        return NULL;
    }
  year = atoi (value);
  month = atoi (value + 5);
  day = atoi (value + 8);
  if (year < 1800 || month < 1 || month > 12 || day < 1 || day > 31)
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02d", year, month, day);
}

static char *
get_string (GExiv2Metadata *meta, const char *key)
{
  g_autofree char *value = NULL;

  if (!has_tag (meta, key))
    return NULL;
  value = gexiv2_metadata_try_get_tag_string (meta, key, NULL);
  if (value == NULL)
    return NULL;
  g_strstrip (value);
  if (*value == '\0')
    return NULL;
  return g_steal_pointer (&value);
}

static char *
get_interpreted (GExiv2Metadata *meta, const char *key)
{
  g_autofree char *value = NULL;

  if (!has_tag (meta, key))
    return NULL;
  value = gexiv2_metadata_try_get_tag_interpreted_string (meta, key, NULL);
  if (value == NULL)
    return NULL;
  g_strstrip (value);
  if (*value == '\0' || *value == '(' || g_str_has_prefix (value, "Unknown"))
    return NULL;
  return g_steal_pointer (&value);
}

static const char * const date_keys[] = {
  "Exif.Photo.DateTimeOriginal", "Exif.Photo.DateTimeDigitized",
  "Exif.Image.DateTime", "Xmp.exif.DateTimeOriginal",
  "Xmp.photoshop.DateCreated", "Xmp.xmp.CreateDate", NULL
};

static char *
capture_date_time (GExiv2Metadata *meta, gboolean with_time)
{
  for (gsize i = 0; date_keys[i] != NULL; i++)
    {
      g_autofree char *value = get_string (meta, date_keys[i]);
      g_autofree char *date = parse_date (value);

      if (date == NULL)
        continue;
      if (with_time && strlen (value) >= 19 && value[13] == ':' && value[16] == ':')
        return g_strdup_printf ("%s %.8s", date, value + 11);
      return g_steal_pointer (&date);
    }
  return NULL;
}

char *
ottica_metadata_capture_date (const char *path)
{
  g_autoptr(GExiv2Metadata) meta = NULL;
  char *date = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  ensure_gexiv2 ();
  g_mutex_lock (&exiv2_lock);
  meta = open_metadata (path);
  if (meta != NULL)
    date = capture_date_time (meta, FALSE);
  g_mutex_unlock (&exiv2_lock);
  return date;
}

static char *
describe_camera (GExiv2Metadata *meta)
{
  g_autofree char *make = get_string (meta, "Exif.Image.Make");
  g_autofree char *model = get_string (meta, "Exif.Image.Model");

  if (model == NULL)
    model = get_string (meta, "Xmp.tiff.Model");
  if (make == NULL)
    make = get_string (meta, "Xmp.tiff.Make");
  if (model == NULL)
    return g_steal_pointer (&make);
  /* "Canon" + "Canon EOS 30D" reads as "Canon EOS 30D"; vendors that spell
   * the company longer ("NIKON CORPORATION") are matched on the first word. */
  if (make != NULL)
    {
      g_autofree char *first = g_strndup (make, strcspn (make, " "));

      if (g_ascii_strncasecmp (model, first, strlen (first)) != 0)
        return g_strdup_printf ("%s %s", make, model);
    }
  return g_steal_pointer (&model);
}

static char *
describe_lens (GExiv2Metadata *meta)
{
  static const char * const lens_keys[] = {
    "Exif.Photo.LensModel", "Xmp.aux.Lens", "Xmp.exifEX.LensModel",
    "Exif.Canon.LensModel", "Exif.OlympusEq.LensModel", "Exif.CanonCs.LensType",
    "Exif.Nikon3.Lens", NULL
  };

  for (gsize i = 0; lens_keys[i] != NULL; i++)
    {
      char *value = get_interpreted (meta, lens_keys[i]);

      if (value != NULL)
        return value;
    }
  return NULL;
}

static char *
describe_exposure (GExiv2Metadata *meta)
{
  GString *text = g_string_new (NULL);
  gint nom = 0, den = 0;
  double fnumber;
  int iso;

  if (gexiv2_metadata_try_get_exposure_time (meta, &nom, &den, NULL) && nom > 0 && den > 0)
    {
      double seconds = (double) nom / den;

      if (seconds < 0.5)
        g_string_append_printf (text, "1/%.0f s", 1.0 / seconds);
      else
        g_string_append_printf (text, "%.1f s", seconds);
    }
  fnumber = gexiv2_metadata_try_get_fnumber (meta, NULL);
  if (fnumber > 0)
    g_string_append_printf (text, "%sf/%.1f", text->len ? ", " : "", fnumber);
  iso = gexiv2_metadata_try_get_iso_speed (meta, NULL);
  if (iso > 0)
    g_string_append_printf (text, "%sISO %d", text->len ? ", " : "", iso);

  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

static void append_line (GString *text, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_line (GString *text, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (text, format, args);
  va_end (args);
  g_string_append_c (text, '\n');
}

char *
ottica_metadata_describe (const char *path)
{
  g_autoptr(GExiv2Metadata) meta = NULL;
  g_autofree char *camera = NULL, *lens = NULL, *exposure = NULL, *date = NULL;
  g_autofree char *artist = NULL, *copyright = NULL, *software = NULL;
  GString *text;
  double focal = 0, lat = 0, lon = 0, alt = 0;
  glong focal35 = 0;
  gboolean has_gps;

  g_return_val_if_fail (path != NULL, NULL);

  ensure_gexiv2 ();
  g_mutex_lock (&exiv2_lock);
  meta = open_metadata (path);
  if (meta == NULL)
    {
      g_mutex_unlock (&exiv2_lock);
      return NULL;
    }
  camera = describe_camera (meta);
  lens = describe_lens (meta);
  exposure = describe_exposure (meta);
  date = capture_date_time (meta, TRUE);
  focal = gexiv2_metadata_try_get_focal_length (meta, NULL);
  if (has_tag (meta, "Exif.Photo.FocalLengthIn35mmFilm"))
    focal35 = gexiv2_metadata_try_get_tag_long (meta, "Exif.Photo.FocalLengthIn35mmFilm", NULL);
  has_gps = gexiv2_metadata_try_get_gps_latitude (meta, &lat, NULL)
            && gexiv2_metadata_try_get_gps_longitude (meta, &lon, NULL);
  if (has_gps && !gexiv2_metadata_try_get_gps_altitude (meta, &alt, NULL))
    alt = NAN;
  artist = get_string (meta, "Exif.Image.Artist");
  copyright = get_string (meta, "Exif.Image.Copyright");
  software = get_string (meta, "Exif.Image.Software");
  g_mutex_unlock (&exiv2_lock);

  /* One translatable line each ("Label: value"): languages differ in how
   * a label meets its value. */
  text = g_string_new (NULL);
  if (camera != NULL)
    append_line (text, _("Camera: %s"), camera);
  if (lens != NULL)
    append_line (text, _("Lens: %s"), lens);
  if (exposure != NULL)
    append_line (text, _("Exposure: %s"), exposure);
  if (focal > 0)
    {
      if (focal35 > 0 && fabs (focal35 - focal) > 0.5)
        append_line (text, _("Focal length: %.0f mm (%ld mm in 35 mm terms)"), focal, focal35);
      else
        append_line (text, _("Focal length: %.0f mm"), focal);
    }
  if (date != NULL)
    append_line (text, _("Taken: %s"), date);
  if (has_gps)
    {
      if (!isnan (alt))
        append_line (text, _("Location: %.5f, %.5f (%.0f m)"), lat, lon, alt);
      else
        append_line (text, _("Location: %.5f, %.5f"), lat, lon);
    }
  if (artist != NULL)
    append_line (text, _("Artist: %s"), artist);
  if (copyright != NULL)
    append_line (text, _("Copyright: %s"), copyright);
  if (software != NULL)
    append_line (text, _("Software: %s"), software);

  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}
