/* ottica-icc.c: input ICC profiles through lcms2 and babl.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <lcms2.h>
#include <string.h>

#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-icc.h"
#include "ottica-image.h"

/* Rows of pixels converted per lcms2 call in ottica_icc_convert_with_lcms. */
#define STRIP_ROWS 64

struct _OtticaIccTransform
{
  cmsContext     context;
  cmsHTRANSFORM  transform;
  const Babl    *format;
};

/* Profiles already given to babl (GBytes → space, or no_babl_space when
 * babl refused it). babl never frees a space, and babl_space_from_icc()
 * allocates again on every call even for a profile it knows; a batch sees
 * the same few profiles over and over. Guarded by space_cache_lock; babl
 * itself is kept apart by ottica_engine_babl_space_from_icc(). */
static GMutex space_cache_lock;
static GHashTable *space_cache;
static const char no_babl_space;
#define SPACE_CACHE_MAX 64

static void
ignore_lcms_errors (cmsContext context, cmsUInt32Number code, const char *text)
{
  /* lcms2 reports through the GError we set instead. */
}

static cmsContext
new_context (void)
{
  cmsContext context = cmsCreateContext (NULL, NULL);

  cmsSetLogErrorHandlerTHR (context, ignore_lcms_errors);
  return context;
}

/* Why a profile for another colour model cannot be used, one whole
 * sentence per model for translators. */
static void
set_color_space_error (GError                 **error,
                       const char              *file_name,
                       cmsColorSpaceSignature   space)
{
  switch ((guint32) space)
    {
    case cmsSigLabData:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used: it describes Lab colours."),
                   file_name);
      break;
    case cmsSigXYZData:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used: it describes XYZ colours."),
                   file_name);
      break;
    case cmsSigYCbCrData:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used: it describes YCbCr colours."),
                   file_name);
      break;
    case cmsSigCmyData:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used: it describes CMY inks."),
                   file_name);
      break;
    default:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used: it describes an unusual "
                     "colour model."),
                   file_name);
      break;
    }
}

static char *
profile_description (cmsHPROFILE profile)
{
  char text[256] = "";
  cmsUInt32Number n;

  n = cmsGetProfileInfoASCII (profile, cmsInfoDescription, "en", "US", text, sizeof text);
  if (n == 0 || text[0] == '\0')
    return NULL;
  text[sizeof text - 1] = '\0';
  return g_strstrip (g_utf8_make_valid (text, -1));
}

static cmsHPROFILE
open_valid_profile (cmsContext       context,
                    GBytes          *icc,
                    const char      *file_name,
                    OtticaIccModel  *model,
                    GError         **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (icc, &size);
  cmsHPROFILE profile;
  cmsColorSpaceSignature space;
  cmsProfileClassSignature class;
  cmsColorSpaceSignature pcs;
  OtticaIccModel found;

  /* 128 bytes of header and a tag count is the least a profile can be. */
  if (size < 132 || size > G_MAXUINT32)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” has a damaged colour profile: it is too short to be one."),
                   file_name);
      return NULL;
    }

  profile = cmsOpenProfileFromMemTHR (context, data, (cmsUInt32Number) size);
  if (profile == NULL)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” has a damaged colour profile."), file_name);
      return NULL;
    }

  space = cmsGetColorSpace (profile);
  class = cmsGetDeviceClass (profile);
  pcs = cmsGetPCS (profile);

  switch ((guint32) space)
    {
    case cmsSigRgbData:  found = OTTICA_ICC_MODEL_RGB;  break;
    case cmsSigGrayData: found = OTTICA_ICC_MODEL_GRAY; break;
    case cmsSigCmykData: found = OTTICA_ICC_MODEL_CMYK; break;
    default:
      set_color_space_error (error, file_name, space);
      cmsCloseProfile (profile);
      return NULL;
    }

  if (class != cmsSigInputClass && class != cmsSigDisplayClass
      && class != cmsSigOutputClass && class != cmsSigColorSpaceClass)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used: it is not a profile for images "
                     "(it is a device link, abstract or named-colour profile)."),
                   file_name);
      cmsCloseProfile (profile);
      return NULL;
    }

  if ((pcs != cmsSigXYZData && pcs != cmsSigLabData)
      || (!cmsIsMatrixShaper (profile)
          && !cmsIsIntentSupported (profile, INTENT_RELATIVE_COLORIMETRIC, LCMS_USED_AS_INPUT)
          && !cmsIsIntentSupported (profile, INTENT_PERCEPTUAL, LCMS_USED_AS_INPUT)))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” has a damaged colour profile: it lacks the tables that turn "
                     "pixels into colours."),
                   file_name);
      cmsCloseProfile (profile);
      return NULL;
    }

  if (model != NULL)
    *model = found;
  return profile;
}

gboolean
ottica_icc_validate (GBytes          *icc,
                     const char      *file_name,
                     OtticaIccModel  *model,
                     char           **description,
                     GError         **error)
{
  cmsContext context;
  cmsHPROFILE profile;

  g_return_val_if_fail (icc != NULL, FALSE);
  g_return_val_if_fail (file_name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = new_context ();
  profile = open_valid_profile (context, icc, file_name, model, error);
  if (profile != NULL && description != NULL)
    *description = profile_description (profile);
  if (profile != NULL)
    cmsCloseProfile (profile);
  cmsDeleteContext (context);
  return profile != NULL;
}

const Babl *
ottica_icc_babl_space (GBytes      *icc,
                       const char  *file_name,
                       char       **description,
                       GError     **error)
{
  OtticaIccModel model;
  const char *babl_error = NULL;
  const Babl *space;
  gsize size;
  const char *data;

  g_return_val_if_fail (file_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (description != NULL)
    *description = NULL;

  if (icc == NULL)
    {
      if (description != NULL)
        *description = g_strdup ("sRGB");
      return babl_space ("sRGB");
    }

  if (!ottica_icc_validate (icc, file_name, &model, description, error))
    return NULL;

  /* babl takes matrix-shaper RGB profiles; everything else goes through
   * lcms2's full pipeline. */
  if (model != OTTICA_ICC_MODEL_RGB)
    return NULL;

  g_mutex_lock (&space_cache_lock);
  if (space_cache == NULL)
    space_cache = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref, NULL);
  space = g_hash_table_lookup (space_cache, icc);
  g_mutex_unlock (&space_cache_lock);
  if ((gconstpointer) space == (gconstpointer) &no_babl_space)
    return NULL;
  if (space != NULL)
    return space;

  /* not under space_cache_lock: a change waits for every read, and a
   * thread in a read may be waiting for that lock */
  data = g_bytes_get_data (icc, &size);
  space = ottica_engine_babl_space_from_icc (data, (int) size, &babl_error);
  if (space == NULL)
    g_debug ("babl cannot take the profile of %s (%s); using lcms2", file_name,
             babl_error != NULL ? babl_error : "no reason given");
  g_mutex_lock (&space_cache_lock);
  if (g_hash_table_size (space_cache) < SPACE_CACHE_MAX && !g_hash_table_contains (space_cache, icc))
    g_hash_table_insert (space_cache, g_bytes_ref (icc),
                         space != NULL ? (gpointer) space : (gpointer) &no_babl_space);
  g_mutex_unlock (&space_cache_lock);

  return space;
}

/* Linear Rec.2020 with D65 white, as babl's "Rec2020" space; lcms2 adapts
 * it to its D50 connection space with Bradford, as babl does. */
static cmsHPROFILE
create_linear_rec2020 (cmsContext context)
{
  static const cmsCIExyY white = { 0.3127, 0.3290, 1.0 };
  static const cmsCIExyYTRIPLE primaries = {
    { 0.708, 0.292, 1.0 },
    { 0.170, 0.797, 1.0 },
    { 0.131, 0.046, 1.0 },
  };
  cmsToneCurve *linear = cmsBuildGamma (context, 1.0);
  cmsToneCurve *curves[3] = { linear, linear, linear };
  cmsHPROFILE profile = cmsCreateRGBProfileTHR (context, &white, &primaries, curves);

  cmsFreeToneCurve (linear);
  return profile;
}

static cmsUInt32Number
lcms_type (OtticaIccPixels pixels)
{
  switch (pixels)
    {
    case OTTICA_ICC_PIXELS_RGB_U8:            return TYPE_RGB_8;
    case OTTICA_ICC_PIXELS_RGB_U16:           return TYPE_RGB_16;
    case OTTICA_ICC_PIXELS_RGBA_U16:          return TYPE_RGBA_16;
    case OTTICA_ICC_PIXELS_GRAY_U8:           return TYPE_GRAY_8;
    case OTTICA_ICC_PIXELS_GRAY_U16:          return TYPE_GRAY_16;
    case OTTICA_ICC_PIXELS_CMYK_U8:           return TYPE_CMYK_8;
    case OTTICA_ICC_PIXELS_CMYK_U8_INVERTED:  return TYPE_CMYK_8_REV;
    case OTTICA_ICC_PIXELS_CMYK_U16:          return TYPE_CMYK_16;
    default:                                  g_return_val_if_reached (TYPE_RGB_8);
    }
}

static OtticaIccModel
pixels_model (OtticaIccPixels pixels)
{
  switch (pixels)
    {
    case OTTICA_ICC_PIXELS_GRAY_U8:
    case OTTICA_ICC_PIXELS_GRAY_U16:
      return OTTICA_ICC_MODEL_GRAY;
    case OTTICA_ICC_PIXELS_CMYK_U8:
    case OTTICA_ICC_PIXELS_CMYK_U8_INVERTED:
    case OTTICA_ICC_PIXELS_CMYK_U16:
      return OTTICA_ICC_MODEL_CMYK;
    default:
      return OTTICA_ICC_MODEL_RGB;
    }
}

OtticaIccTransform *
ottica_icc_transform_new (GBytes           *icc,
                          OtticaIccPixels   pixels,
                          const char       *file_name,
                          GError          **error)
{
  g_autoptr(OtticaIccTransform) self = NULL;
  OtticaIccModel model;
  cmsHPROFILE input, output;
  gboolean alpha = pixels == OTTICA_ICC_PIXELS_RGBA_U16;
  cmsUInt32Number flags = cmsFLAGS_NOCACHE;

  g_return_val_if_fail (icc != NULL, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (OtticaIccTransform, 1);
  self->context = new_context ();

  input = open_valid_profile (self->context, icc, file_name, &model, error);
  if (input == NULL)
    return NULL;
  if (model != pixels_model (pixels))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   model == OTTICA_ICC_MODEL_RGB
                   ? _("The colour profile in “%s” does not fit its pixels: it is for RGB images.")
                   : model == OTTICA_ICC_MODEL_GRAY
                   ? _("The colour profile in “%s” does not fit its pixels: it is for greyscale images.")
                   : _("The colour profile in “%s” does not fit its pixels: it is for CMYK images."),
                   file_name);
      cmsCloseProfile (input);
      return NULL;
    }

  /* Inks go through a printer's gamut: map its black to the display's. */
  if (model == OTTICA_ICC_MODEL_CMYK)
    flags |= cmsFLAGS_BLACKPOINTCOMPENSATION;
  if (alpha)
    flags |= cmsFLAGS_COPY_ALPHA;

  output = create_linear_rec2020 (self->context);
  self->transform = cmsCreateTransformTHR (self->context,
                                           input, lcms_type (pixels),
                                           output, alpha ? TYPE_RGBA_16 : TYPE_RGB_16,
                                           INTENT_RELATIVE_COLORIMETRIC, flags);
  cmsCloseProfile (input);
  cmsCloseProfile (output);

  if (self->transform == NULL)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colour profile in “%s” cannot be used to convert its colours."),
                   file_name);
      return NULL;
    }

  self->format = babl_format_with_space (alpha ? "RGBA u16" : "RGB u16", babl_space ("Rec2020"));
  return g_steal_pointer (&self);
}

const Babl *
ottica_icc_transform_get_format (OtticaIccTransform *transform)
{
  g_return_val_if_fail (transform != NULL, NULL);

  return transform->format;
}

void
ottica_icc_transform_pixels (OtticaIccTransform *transform,
                             gconstpointer       src,
                             gpointer            dest,
                             gsize               n_pixels)
{
  g_return_if_fail (transform != NULL);

  while (n_pixels > 0)
    {
      cmsUInt32Number n = (cmsUInt32Number) MIN (n_pixels, (gsize) G_MAXINT32);
      int in_bytes = (int) T_BYTES (cmsGetTransformInputFormat (transform->transform));
      int in_channels = (int) (T_CHANNELS (cmsGetTransformInputFormat (transform->transform))
                               + T_EXTRA (cmsGetTransformInputFormat (transform->transform)));
      int out_bpp = babl_format_get_bytes_per_pixel (transform->format);

      cmsDoTransform (transform->transform, src, dest, n);
      src = (const guint8 *) src + (gsize) n * in_bytes * in_channels;
      dest = (guint8 *) dest + (gsize) n * out_bpp;
      n_pixels -= n;
    }
}

void
ottica_icc_transform_free (OtticaIccTransform *transform)
{
  if (transform == NULL)
    return;
  if (transform->transform != NULL)
    cmsDeleteTransform (transform->transform);
  if (transform->context != NULL)
    cmsDeleteContext (transform->context);
  g_free (transform);
}

/* How to read @format's numbers for lcms2: the buffer's own encoding, at
 * 16 bits, in its own space, so babl only widens the values. */
static gboolean
pixels_for_format (const Babl      *format,
                   OtticaIccPixels *pixels,
                   const char     **read_encoding)
{
  const Babl *space = babl_format_get_space (format);
  const char *model = babl_get_name (babl_format_get_model (format));
  int components = babl_format_get_n_components (format);
  gboolean has_alpha = babl_format_has_alpha (format);

  if (babl_space_is_cmyk (space) || g_str_has_prefix (model, "CMYK")
      || g_str_has_prefix (model, "cmyk") || g_str_has_prefix (model, "CaMaYaKa")
      || g_str_has_prefix (model, "camayaka"))
    {
      *pixels = OTTICA_ICC_PIXELS_CMYK_U16;
      *read_encoding = "CMYK u16";
      return TRUE;
    }
  if (components <= 2 && (g_str_has_prefix (model, "Y") || g_str_has_prefix (model, "y")))
    {
      *pixels = OTTICA_ICC_PIXELS_GRAY_U16;
      *read_encoding = "Y' u16";
      return TRUE;
    }
  if (components >= 3)
    {
      *pixels = has_alpha ? OTTICA_ICC_PIXELS_RGBA_U16 : OTTICA_ICC_PIXELS_RGB_U16;
      *read_encoding = has_alpha ? "R'G'B'A u16" : "R'G'B' u16";
      return TRUE;
    }
  return FALSE;
}

GeglBuffer *
ottica_icc_convert_with_lcms (GeglBuffer  *buffer,
                              GBytes      *icc,
                              const char  *file_name,
                              GError     **error)
{
  g_autoptr(OtticaIccTransform) transform = NULL;
  const GeglRectangle *extent;
  const Babl *format, *read_format, *out_format;
  OtticaIccPixels pixels;
  const char *read_encoding;
  g_autofree guint8 *strip = NULL;
  guint8 *dest;
  gsize read_stride, dest_stride;
  GeglRectangle dest_extent;

  g_return_val_if_fail (GEGL_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (icc != NULL, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);

  format = gegl_buffer_get_format (buffer);
  if (!pixels_for_format (format, &pixels, &read_encoding))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("The colours of “%s” cannot be converted: its pixel layout is not one "
                     "Ottica knows."),
                   file_name);
      return NULL;
    }

  transform = ottica_icc_transform_new (icc, pixels, file_name, error);
  if (transform == NULL)
    return NULL;

  extent = gegl_buffer_get_extent (buffer);
  /* Same space as the buffer's format: babl changes the depth only. */
  read_format = babl_format_with_space (read_encoding, babl_format_get_space (format));
  out_format = ottica_icc_transform_get_format (transform);
  read_stride = (gsize) extent->width * babl_format_get_bytes_per_pixel (read_format);
  dest_stride = (gsize) extent->width * babl_format_get_bytes_per_pixel (out_format);
  strip = g_malloc (read_stride * STRIP_ROWS);
  dest = ottica_image_alloc_pixels (dest_stride * extent->height);
  if (dest == NULL)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large to convert its colours in the memory available."),
                   file_name);
      return NULL;
    }

  for (int y = 0; y < extent->height; y += STRIP_ROWS)
    {
      int n = MIN (STRIP_ROWS, extent->height - y);
      GeglRectangle rect = { extent->x, extent->y + y, extent->width, n };

      gegl_buffer_get (buffer, &rect, 1.0, read_format, strip, read_stride, GEGL_ABYSS_NONE);
      ottica_icc_transform_pixels (transform, strip, dest + (gsize) y * dest_stride,
                                   (gsize) extent->width * n);
    }

  dest_extent = (GeglRectangle) { 0, 0, extent->width, extent->height };
  return gegl_buffer_linear_new_from_data (dest, out_format, &dest_extent, (int) dest_stride,
                                           g_free, dest);
}
