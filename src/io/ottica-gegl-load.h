/* ottica-gegl-load.h: PNG and TIFF (8 and 16 bit) through GEGL's loaders,
 * keeping their bit depth and embedded ICC profile.
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
