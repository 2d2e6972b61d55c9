/* ottica-orientation.h: EXIF orientation (1..8), read and applied.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

/* The EXIF orientation of @path read with gexiv2, 1 when absent/invalid. */
int         ottica_orientation_read   (const char *path);

/* Orientation parsed from a raw EXIF (TIFF) block, as found in a JPEG's
 * APP1 after "Exif\0\0"; 1 when absent or invalid. */
int         ottica_orientation_from_exif (const guint8 *tiff,
                                          gsize         length);

/* Returns a new buffer (same format, extent at 0,0) with @orientation
 * applied, or a new reference to @buffer when it is 1. */
GeglBuffer *ottica_orientation_apply  (GeglBuffer *buffer,
                                       int         orientation);

/* Width and height after orientation. */
void        ottica_orientation_size   (int  orientation,
                                       int  width,
                                       int  height,
                                       int *out_width,
                                       int *out_height);

G_END_DECLS
