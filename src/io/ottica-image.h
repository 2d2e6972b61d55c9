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
  /* With max_size > 0: a camera RAW whose embedded JPEG preview reaches
   * max_size on its longer side gives that preview (DCT-scaled, oriented
   * like the RAW, full_width/full_height as a full decode) in a few
   * milliseconds instead of a half-size decode (a few hundred). It is the
   * camera's own rendering, display-referred (see embedded_preview): a
   * pipeline made for it must leave the RAW baseline off, which is what
   * ottica_image_is_scene_linear() says. Where the RAW has no such preview
   * the usual decode runs. For thumbnails and quick first previews, never
   * for exports. */
  gboolean allow_embedded_preview;
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
  char            *warning;       /* a problem the photo opened despite, for people
                                   * (a damaged colour profile read as sRGB), or NULL */
  gboolean         embedded_preview; /* kind RAW, but the pixels are the camera's
                                      * embedded JPEG ("R'G'B' u8", display-referred),
                                      * not the linear decode: no RAW baseline */
} OtticaImage;

/* Loads @path, choosing the decoder from the file's content, not its
 * name: JPEG (libjpeg-turbo), PNG and TIFF (GEGL), camera RAW (libraw;
 * TIFF-based RAWs such as CR2, NEF, DNG go there too).
 *
 * Buffer formats: JPEG "R'G'B' u8" (gray expanded) in the space of its
 * profile; PNG and TIFF as decoded (8 or 16 bit, gray and alpha kept);
 * RAW "RGB u16" (linear) in "ProPhoto"; where babl cannot take a profile
 * (LUT, CMYK, gray profiles) lcms2 converts to "RGB u16" in "Rec2020".
 * The buffer's extent starts at 0,0.
 *
 * Errors are OTTICA_ERROR with the file's name in the message: NOT_FOUND
 * (missing, unreadable), UNSUPPORTED (folders, text, GIF…, unknown
 * content), CORRUPT (empty, truncated, damaged, or named like a photo
 * with content that is none), TOO_LARGE (from the header, before any
 * allocation); or G_IO_ERROR_CANCELLED. A damaged embedded profile is not
 * an error: the photo opens as sRGB with @warning set. @options may be
 * NULL (full resolution). Safe to call from several threads. */
OtticaImage *ottica_image_load        (const char               *path,
                                       const OtticaLoadOptions  *options,
                                       GCancellable             *cancellable,
                                       GError                  **error);

/* Starts decoding @path in a thread, for a program that will load it with
 * ottica_image_load() and these @options soon: that load then takes the
 * result (waiting for it if need be) instead of decoding again. Callable
 * before ottica_engine_init(): only work that needs no GEGL runs ahead
 * (for a camera RAW, all of libraw's unpacking and demosaicing), so
 * ottica-cli decodes its first photo while GEGL initialises. Nothing
 * happens for other formats, embedded previews, or where libraw is not the
 * thread-safe build. One prefetch at a time:
 * a new one drops the old; a file changed in between is decoded again. */
void         ottica_image_prefetch       (const char              *path,
                                          const OtticaLoadOptions *options);
/* Cancels and frees a prefetch no load took. */
void         ottica_image_prefetch_clear (void);

/* TRUE when @image holds a camera RAW's linear decode (sensor white at
 * 1.0), which needs the RAW baseline rendering (ottica-pipeline.h); FALSE
 * for display-referred pixels: JPEG, PNG, TIFF and a RAW's embedded
 * preview. */
gboolean     ottica_image_is_scene_linear (const OtticaImage *image);

/* TRUE when the name's extension is one Ottica opens (for folder scans). */
gboolean     ottica_image_is_supported_name (const char *path);

void         ottica_image_free        (OtticaImage *image);

/* For the decoders: memory for a frame of pixels, freed with g_free(), or
 * NULL when memory is short. Large blocks are aligned for transparent
 * huge pages, which cuts the kernel's cost of first touching a fresh
 * 24 MP frame from about 60 ms to about 15 ms. */
gpointer     ottica_image_alloc_pixels (gsize size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaImage, ottica_image_free)

G_END_DECLS
