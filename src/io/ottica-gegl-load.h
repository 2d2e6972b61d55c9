/* ottica-gegl-load.h: PNG and TIFF (8 and 16 bit) through GEGL's loaders,
 * keeping their bit depth and embedded ICC profile. The file's structure
 * (PNG chunks, the first TIFF directory: size, data extents, profile,
 * orientation) is checked first, since GEGL's loaders only print warnings
 * for truncated or absurd files. Orientation: TIFF's own tag, PNG's EXIF
 * through gexiv2. Previews are not scaled (scale stays 1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-image.h"

G_BEGIN_DECLS

gboolean ottica_gegl_load (OtticaImage              *image,
                           const OtticaLoadOptions  *options,
                           GCancellable             *cancellable,
                           GError                  **error);

G_END_DECLS
