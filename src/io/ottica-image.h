/* ottica-image.h: a decoded photo and the loader that makes one.
 *
 * The pixels stay in their decoded format (8- or 16-bit, RGB) tagged with
 * their babl space, so babl converts them to the working space tile by
 * tile and the full-resolution float frame never exists. EXIF orientation
 * is already applied: buffer pixel (0,0) is the top left of the upright
 * photo, and the buffer's extent starts at (0,0).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  OTTICA_IMAGE_KIND_JPEG,
  OTTICA_IMAGE_KIND_PNG,
  OTTICA_IMAGE_KIND_TIFF,
  OTTICA_IMAGE_KIND_RAW,
} OtticaImageKind;

typedef struct
{
  /* 0: full resolution, the quality an export needs.
   * N > 0: a preview whose longer side only needs to reach N pixels;
   * decoders may take their fast paths (libjpeg-turbo DCT scaling, libraw
   * half-size), so the buffer can be smaller than the photo. */
  guint max_size;
} OtticaLoadOptions;

typedef struct
{
  GeglBuffer      *buffer;        /* decoded pixels, orientation applied */
  char            *path;
  OtticaImageKind  kind;
  char            *format_name;   /* for people: "JPEG", "Canon CR2 RAW", … */
  int              full_width;    /* size of the full-resolution upright photo */
  int              full_height;
  double           scale;         /* buffer width / full_width (1.0 for full loads) */
  int              orientation;   /* the EXIF orientation (1..8) that was applied */
  GBytes          *icc_profile;   /* the embedded profile, NULL when untagged */
  char            *color_space;   /* for people: "sRGB", "Display P3", profile description */
  char            *camera;        /* "Canon EOS 350D", NULL when unknown */
} OtticaImage;

/* Loads @path, choosing the decoder from the file's content, not its
 * name: JPEG (libjpeg-turbo), PNG and TIFF (GEGL), camera RAW (libraw).
 * Errors are OTTICA_ERROR with the file's name in the message: NOT_FOUND,
 * UNSUPPORTED, CORRUPT (empty, truncated), TOO_LARGE; or
 * G_IO_ERROR_CANCELLED. @options may be NULL (full resolution). */
OtticaImage *ottica_image_load        (const char               *path,
                                       const OtticaLoadOptions  *options,
                                       GCancellable             *cancellable,
                                       GError                  **error);

/* TRUE when the name's extension is one Ottica opens (for folder scans). */
gboolean     ottica_image_is_supported_name (const char *path);

void         ottica_image_free        (OtticaImage *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaImage, ottica_image_free)

G_END_DECLS
