/* ottica-jpeg-load.h: JPEG decoding straight into a GeglBuffer with
 * libjpeg-turbo (GEGL's loader costs 0.4 s more at 24 MP). Reads the ICC
 * profile (APP2) and the EXIF orientation; scales by 1/2..1/8 in the DCT
 * when a preview asks for less than full size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-image.h"

G_BEGIN_DECLS

/* Fills @image (path already set) or fails with the file's name. */
gboolean ottica_jpeg_load (OtticaImage              *image,
                           const OtticaLoadOptions  *options,
                           GCancellable             *cancellable,
                           GError                  **error);

G_END_DECLS
