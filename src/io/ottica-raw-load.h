/* ottica-raw-load.h: camera RAW through libraw: camera white balance,
 * 16-bit linear output in a wide gamut, highlights clipped rather than
 * turned magenta; half-size decoding for previews, AHD (or better) for
 * full quality.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-image.h"

G_BEGIN_DECLS

/* TRUE when libraw recognises @path as a camera RAW it can decode. */
gboolean ottica_raw_can_load (const char *path);

gboolean ottica_raw_load     (OtticaImage              *image,
                              const OtticaLoadOptions  *options,
                              GCancellable             *cancellable,
                              GError                  **error);

G_END_DECLS
