/* ottica-icc.h: input ICC profiles, validated with lcms2 and turned into
 * babl spaces; where babl cannot take a profile (LUT-based RGB, CMYK,
 * gray), lcms2 converts the pixels instead, into linear Rec.2020 16-bit,
 * which babl knows and which holds every colour such a profile makes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

typedef enum
{
  OTTICA_ICC_MODEL_RGB,
  OTTICA_ICC_MODEL_GRAY,
  OTTICA_ICC_MODEL_CMYK,
} OtticaIccModel;

/* Validates @icc with lcms2: it must parse, describe RGB, gray or CMYK
 * pixels and be usable as an input profile (device class input, display,
 * output or colour space). @model and @description (the profile's
 * description, may be NULL) are set on success. A damaged profile is
 * OTTICA_ERROR_CORRUPT, an unusable one OTTICA_ERROR_UNSUPPORTED, both
 * naming @file_name. */
gboolean    ottica_icc_validate          (GBytes          *icc,
                                          const char      *file_name,
                                          OtticaIccModel  *model,
                                          char           **description,
                                          GError         **error);

/* Validates @icc (NULL means untagged: sRGB, description "sRGB") and
 * returns the babl space for it, or NULL without an error when the
 * profile is valid but babl cannot represent it (a LUT-based RGB profile,
 * or a gray or CMYK one): convert with lcms2 then. Errors as
 * ottica_icc_validate(). Safe to call from several threads. */
const Babl *ottica_icc_babl_space        (GBytes       *icc,
                                          const char   *file_name,
                                          char        **description,
                                          GError      **error);

/* Pixel layouts lcms2 converts from. */
typedef enum
{
  OTTICA_ICC_PIXELS_RGB_U8,
  OTTICA_ICC_PIXELS_RGB_U16,
  OTTICA_ICC_PIXELS_RGBA_U16,
  OTTICA_ICC_PIXELS_GRAY_U8,
  OTTICA_ICC_PIXELS_GRAY_U16,
  OTTICA_ICC_PIXELS_CMYK_U8,
  OTTICA_ICC_PIXELS_CMYK_U8_INVERTED,  /* Adobe's CMYK JPEGs: 255 = no ink */
  OTTICA_ICC_PIXELS_CMYK_U16,
} OtticaIccPixels;

typedef struct _OtticaIccTransform OtticaIccTransform;

/* An lcms2 transform from @icc (a valid profile whose model matches
 * @pixels) to linear Rec.2020, relative colorimetric (with black point
 * compensation for CMYK). Fails with OTTICA_ERROR_UNSUPPORTED naming
 * @file_name. */
OtticaIccTransform *ottica_icc_transform_new    (GBytes           *icc,
                                                 OtticaIccPixels   pixels,
                                                 const char       *file_name,
                                                 GError          **error);
/* "RGB u16" (or "RGBA u16" for OTTICA_ICC_PIXELS_RGBA_U16) in babl's
 * Rec2020 space: the format of what ottica_icc_transform_pixels() writes. */
const Babl *ottica_icc_transform_get_format     (OtticaIccTransform *transform);
/* Converts @n_pixels contiguous pixels; usable from one thread at a time
 * per transform, or from several (the transform keeps no cache). */
void        ottica_icc_transform_pixels         (OtticaIccTransform *transform,
                                                 gconstpointer       src,
                                                 gpointer            dest,
                                                 gsize               n_pixels);
void        ottica_icc_transform_free           (OtticaIccTransform *transform);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaIccTransform, ottica_icc_transform_free)

/* Returns a new buffer holding @buffer's pixels converted from @icc with
 * lcms2, in ottica_icc_transform_get_format(): for profiles babl cannot
 * take. @buffer's own format (gray, RGB, RGBA or CMYK, any depth) says
 * how its numbers are read; its babl space is ignored. */
GeglBuffer *ottica_icc_convert_with_lcms (GeglBuffer   *buffer,
                                          GBytes       *icc,
                                          const char   *file_name,
                                          GError      **error);

G_END_DECLS
