/* ottica-orientation.h: EXIF orientation (1..8), read and applied.
 *
 * Orientation n says how the stored pixels must be turned to stand
 * upright: 1 as stored, 2 mirrored left-right, 3 turned 180°, 4 mirrored
 * top-bottom, 5 transposed, 6 turned 90° clockwise, 7 transversed, 8 turned
 * 90° anticlockwise.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

/* The EXIF orientation of @path read with gexiv2, 1 when absent/invalid. */
int         ottica_orientation_read   (const char *path);

/* The same, and the camera ("Canon EOS 30D", from Make and Model) in
 * @camera (NULL when unknown; @camera may be NULL). */
int         ottica_orientation_read_with_camera (const char  *path,
                                                 char       **camera);

/* Orientation parsed from a raw EXIF (TIFF) block, as found in a JPEG's
 * APP1 after "Exif\0\0"; 1 when absent or invalid. */
int         ottica_orientation_from_exif (const guint8 *tiff,
                                          gsize         length);

/* The camera named by a raw EXIF (TIFF) block's Make and Model, or NULL. */
char       *ottica_exif_camera        (const guint8 *tiff,
                                       gsize         length);

/* "Make Model" without the make twice ("Canon" + "Canon EOS 30D"), or NULL
 * when both are empty. Either may be NULL. */
char       *ottica_camera_name        (const char *make,
                                       const char *model);

/* Returns a new buffer (same format, extent at 0,0) with @orientation
 * applied, or a new reference to @buffer when it is 1 (or invalid). */
GeglBuffer *ottica_orientation_apply  (GeglBuffer *buffer,
                                       int         orientation);

/* Width and height after orientation. */
void        ottica_orientation_size   (int  orientation,
                                       int  width,
                                       int  height,
                                       int *out_width,
                                       int *out_height);

/* Copies @n_rows stored rows (@rows, @row_stride bytes apart, @bpp bytes
 * per pixel), which are rows @first_row.. of a stored image of @width ×
 * @height, to where they belong in the upright image at @dest (@dest_stride
 * bytes per upright row). Lets a decoder write rows straight into their
 * final place instead of turning the whole image afterwards. */
void        ottica_orientation_place_rows (int           orientation,
                                           const guint8 *rows,
                                           gsize         row_stride,
                                           int           bpp,
                                           int           width,
                                           int           height,
                                           int           first_row,
                                           int           n_rows,
                                           guint8       *dest,
                                           gsize         dest_stride);

G_END_DECLS
