/* ottica-icc.h: input ICC profiles, validated with lcms2 and turned into
 * babl spaces; where babl cannot take a profile (LUT-based, CMYK, gray),
 * lcms2 converts the pixels instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

/* Validates @icc (NULL means untagged: sRGB) and returns the babl space
 * for it, or NULL when babl cannot represent it (use
 * ottica_icc_convert_to_srgb_u16 then). @description receives the
 * profile's description (may be NULL). @file_name is only for messages. A
 * corrupt profile is OTTICA_ERROR_CORRUPT. */
const Babl *ottica_icc_babl_space        (GBytes       *icc,
                                          const char   *file_name,
                                          char        **description,
                                          GError      **error);

/* Converts @buffer in place-of-meaning: returns a new "RGB u16" buffer in
 * babl's Rec2020 space (linear) holding @buffer's pixels, converted from
 * @icc with lcms2. For profiles babl cannot take. */
GeglBuffer *ottica_icc_convert_with_lcms (GeglBuffer   *buffer,
                                          GBytes       *icc,
                                          const char   *file_name,
                                          GError      **error);

G_END_DECLS
