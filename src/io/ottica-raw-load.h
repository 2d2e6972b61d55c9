/* ottica-raw-load.h: camera RAW through libraw: camera white balance,
 * 16-bit linear output ("RGB u16" in babl's ProPhoto space, sensor white
 * = 1.0, no auto-brightening), highlights clipped rather than turned
 * magenta; half-size decoding for previews whose max_size is at most half
 * the photo, AHD for full quality. The camera's orientation is applied.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-image.h"

G_BEGIN_DECLS

/* TRUE when libraw recognises @path as a camera RAW it can decode (its
 * identify step: headers only, well under a millisecond). */
gboolean ottica_raw_can_load (const char *path);

gboolean ottica_raw_load     (OtticaImage              *image,
                              const OtticaLoadOptions  *options,
                              GCancellable             *cancellable,
                              GError                  **error);

G_END_DECLS
