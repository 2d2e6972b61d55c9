/* ottica-metadata.h: EXIF, IPTC and XMP carried from the original photo
 * to an export with gexiv2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include "ottica-export-options.h"

G_BEGIN_DECLS

/* Copies @source's metadata into the JPEG @dest (written in place: call it
 * on the temporary file before the rename) according to @policy:
 * orientation reset to 1 (it has been applied), pixel dimensions set to
 * @width × @height, Exif.Image.Software set to Ottica, GPS removed for
 * NO_GPS, nothing at all for NONE. Keeps the EXIF APP1 segment within
 * 64 KB, dropping the thumbnail and then the maker note if needed. A
 * source without metadata is not an error. */
gboolean ottica_metadata_copy (const char           *source,
                               const char           *dest,
                               int                   width,
                               int                   height,
                               OtticaMetadataPolicy  policy,
                               GError              **error);

/* Capture date of @path as "YYYY-MM-DD" (DateTimeOriginal, else
 * DateTime), or NULL. */
char    *ottica_metadata_capture_date (const char *path);

/* A short, human summary for `ottica-cli info` (camera, lens, exposure,
 * date), one "Key: value" per line, or NULL when there is no metadata. */
char    *ottica_metadata_describe     (const char *path);

G_END_DECLS
