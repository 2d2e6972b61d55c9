/* ottica-output-profile.h: the export colour spaces, as ICC profiles built
 * with lcms2 and as the babl spaces made from those same profiles, so the
 * embedded profile is exactly the space the pixels are in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>
#include "ottica-export-options.h"

G_BEGIN_DECLS

/* The ICC profile (v2 for the widest reader support), built once per
 * process (thread-safe); a new reference. */
GBytes     *ottica_output_profile_icc        (OtticaColorSpace space);

/* The profile's description tag ("sRGB IEC61966-2.1", "Display P3",
 * "Compatible with Adobe RGB (1998)"). */
const char *ottica_output_profile_description (OtticaColorSpace space);

/* babl_space_from_icc() of exactly those bytes. */
const Babl *ottica_output_profile_babl_space (OtticaColorSpace space);

/* "R'G'B' u8" in that space: what the encoder is fed. */
const Babl *ottica_output_profile_u8_format  (OtticaColorSpace space);

G_END_DECLS
