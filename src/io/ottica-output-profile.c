/* ottica-output-profile.c: sRGB, Display P3 and Adobe RGB (1998) as ICC
 * profiles made with lcms2, and the babl spaces made from those bytes.
 *
 * The profiles are ICC v2: every reader handles v2 matrix/TRC profiles,
 * while v4 ones are still ignored by some (Firefox reads only v2 unless
 * gfx.color_management.enablev4 is set, older Windows viewers and many
 * print services treat a v4-tagged JPEG as untagged). In v2 a TRC is a
 * "curv" table (babl recognises the sRGB curve in it and keeps its fast
 * sRGB paths) or a single gamma, and the description is a "desc" tag.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <lcms2.h>
#include <string.h>

#include "ottica-engine.h"
#include "ottica-output-profile.h"

typedef struct
{
  const char       *description;
  cmsCIExyYTRIPLE   primaries;
  gboolean          srgb_curve;   /* else a pure gamma of 563/256 */
} ProfileSpec;

static const ProfileSpec specs[] = {
  [OTTICA_COLOR_SPACE_SRGB] = {
    "sRGB IEC61966-2.1",
    { { 0.6400, 0.3300, 1.0 }, { 0.3000, 0.6000, 1.0 }, { 0.1500, 0.0600, 1.0 } },
    TRUE,
  },
  [OTTICA_COLOR_SPACE_DISPLAY_P3] = {
    "Display P3",
    { { 0.6800, 0.3200, 1.0 }, { 0.2650, 0.6900, 1.0 }, { 0.1500, 0.0600, 1.0 } },
    TRUE,
  },
  [OTTICA_COLOR_SPACE_ADOBE_RGB] = {
    "Compatible with Adobe RGB (1998)",
    { { 0.6400, 0.3300, 1.0 }, { 0.2100, 0.7100, 1.0 }, { 0.1500, 0.0600, 1.0 } },
    FALSE,
  },
};

#define N_SPACES G_N_ELEMENTS (specs)

typedef struct
{
  GBytes     *icc;
  const Babl *space;
  const Babl *u8_format;
} OutputProfile;

static OutputProfile profiles[N_SPACES];
static gint profiles_ready[N_SPACES];  /* set once profiles[i] is complete */
static GMutex profiles_lock;

static gboolean
write_text (cmsHPROFILE profile, cmsTagSignature tag, const char *text)
{
  cmsMLU *mlu = cmsMLUalloc (NULL, 1);
  gboolean ok;

  ok = mlu != NULL
       && cmsMLUsetASCII (mlu, "en", "US", text)
       && cmsWriteTag (profile, tag, mlu);
  if (mlu != NULL)
    cmsMLUfree (mlu);
  return ok;
}

static GBytes *
build_profile (const ProfileSpec *spec)
{
  /* D65, as all three standards define it (x 0.3127, y 0.3290). */
  const cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
  /* IEC 61966-2-1: Y = ((V + 0.055) / 1.055)^2.4 above 0.04045, V / 12.92
   * below; ICC parametric type 4 (lcms2 type 4) with those constants. */
  const cmsFloat64Number srgb_params[5] = {
    2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045
  };
  cmsToneCurve *curve;
  cmsToneCurve *curves[3];
  cmsHPROFILE profile;
  cmsUInt32Number size = 0;
  guint8 *data = NULL;
  gboolean ok;

  if (spec->srgb_curve)
    {
      /* In v2 the curve is a table: 1024 entries, as in the sRGB profile
       * of IEC 61966-2-1 itself (linear interpolation between them is off
       * by less than 1e-6), so the three shared TRCs cost 2 KB, not 24. */
      cmsToneCurve *parametric = cmsBuildParametricToneCurve (NULL, 4, srgb_params);
      guint16 values[1024];

      g_return_val_if_fail (parametric != NULL, NULL);
      for (int i = 0; i < 1024; i++)
        {
          double v = cmsEvalToneCurveFloat (parametric, (cmsFloat32Number) (i / 1023.0));

          values[i] = (guint16) CLAMP (v * 65535.0 + 0.5, 0.0, 65535.0);
        }
      cmsFreeToneCurve (parametric);
      curve = cmsBuildTabulatedToneCurve16 (NULL, 1024, values);
    }
  else
    {
      /* A single gamma is stored exactly in v2 (u8Fixed8: 563/256). */
      curve = cmsBuildGamma (NULL, 563.0 / 256.0);
    }
  g_return_val_if_fail (curve != NULL, NULL);
  curves[0] = curves[1] = curves[2] = curve;

  /* lcms2 adapts the colorants to the D50 PCS (Bradford) and stores the
   * adaptation in a chad tag; the green and blue TRCs are links to the red
   * one. It builds a v4 profile: it is switched to v2 here and the tags
   * whose type depends on the version are written again (the TRC as curv,
   * the description as desc, the copyright as text). */
  profile = cmsCreateRGBProfile (&d65, &spec->primaries, curves);
  if (profile == NULL)
    {
      cmsFreeToneCurve (curve);
      g_return_val_if_fail (profile != NULL, NULL);
    }

  cmsSetProfileVersion (profile, 2.1);
  cmsSetHeaderRenderingIntent (profile, INTENT_PERCEPTUAL);
  ok = cmsWriteTag (profile, cmsSigRedTRCTag, curve)
       && write_text (profile, cmsSigProfileDescriptionTag, spec->description)
       && write_text (profile, cmsSigCopyrightTag, "No copyright, use freely (CC0)")
       && cmsSaveProfileToMem (profile, NULL, &size);
  if (ok)
    {
      data = g_malloc (size);
      ok = cmsSaveProfileToMem (profile, data, &size);
    }
  /* lcms2 stamps the profile with the time it is made, which made two
   * exports of the same photo differ; a fixed creation date (bytes 24-35,
   * six big-endian numbers) keeps them byte for byte the same. A v2
   * profile has no ID (MD5) over the header to update. */
  if (ok && size >= 36)
    {
      static const guint8 created[12] = { 0x07, 0xEA, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0 }; /* 2026-01-01 00:00:00 */

      memcpy (data + 24, created, sizeof created);
    }

  cmsCloseProfile (profile);
  cmsFreeToneCurve (curve);

  if (!ok)
    {
      g_free (data);
      g_critical ("lcms2 could not build the output profile “%s”", spec->description);
      return NULL;
    }
  return g_bytes_new_take (data, size);
}

static const OutputProfile *
get_profile (OtticaColorSpace space)
{
  g_return_val_if_fail ((guint) space < N_SPACES, NULL);

  /* Built on first use, from whichever thread asks. Not inside a
   * g_once: making the babl space is a change (ottica-babl-guard.h), which
   * waits for every read, and a thread waiting at a g_once may be in one.
   * Two threads may build one space at once; the first to finish keeps it. */
  if (!g_atomic_int_get (&profiles_ready[space]))
    {
      g_autoptr(GBytes) icc = build_profile (&specs[space]);
      const char *babl_error = NULL;
      const Babl *babl_space = NULL;
      const Babl *u8_format = NULL;
      gsize length;
      gconstpointer data = g_bytes_get_data (icc, &length);

      babl_space = ottica_engine_babl_space_from_icc (data, (int) length, &babl_error);
      /* Our own profile: babl refusing it is a bug, not bad input. */
      if (babl_space == NULL)
        g_critical ("babl cannot use Ottica’s “%s” profile: %s",
                    specs[space].description, babl_error ? babl_error : "?");
      else
        u8_format = ottica_engine_babl_format ("R'G'B' u8", babl_space);
      g_mutex_lock (&profiles_lock);
      if (!g_atomic_int_get (&profiles_ready[space]))
        {
          OutputProfile *p = &profiles[space];

          p->icc = g_steal_pointer (&icc);
          p->space = babl_space;
          p->u8_format = u8_format;
          g_atomic_int_set (&profiles_ready[space], 1);
        }
      g_mutex_unlock (&profiles_lock);
    }

  return &profiles[space];
}

GBytes *
ottica_output_profile_icc (OtticaColorSpace space)
{
  const OutputProfile *p = get_profile (space);

  return p != NULL ? g_bytes_ref (p->icc) : NULL;
}

const Babl *
ottica_output_profile_babl_space (OtticaColorSpace space)
{
  const OutputProfile *p = get_profile (space);

  return p != NULL ? p->space : NULL;
}

const Babl *
ottica_output_profile_u8_format (OtticaColorSpace space)
{
  const OutputProfile *p = get_profile (space);

  return p != NULL ? p->u8_format : NULL;
}

const char *
ottica_output_profile_description (OtticaColorSpace space)
{
  g_return_val_if_fail ((guint) space < N_SPACES, NULL);

  return specs[space].description;
}
