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

/* Decodes the JPEG in @data (@length bytes, borrowed for the call) into
 * @image, as ottica_jpeg_load() does a file: for a camera RAW's embedded
 * preview. @orientation (1..8) is applied in place of the JPEG's own EXIF
 * orientation, or 0 to use that; @max_size as in OtticaLoadOptions. Sets
 * the buffer, orientation, sizes, scale and colour fields (full_width and
 * full_height are the JPEG's), not kind or format_name. Messages name
 * @image->path's file. */
gboolean ottica_jpeg_load_data (OtticaImage    *image,
                                const guint8   *data,
                                gsize           length,
                                int             orientation,
                                guint           max_size,
                                GCancellable   *cancellable,
                                GError        **error);

G_END_DECLS
