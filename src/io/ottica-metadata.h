/* ottica-metadata.h: EXIF, IPTC and XMP carried from the original photo
 * to an export with gexiv2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include "ottica-export-options.h"

G_BEGIN_DECLS

/* Copies @source's metadata (JPEG, TIFF, PNG or a camera RAW exiv2 reads)
 * into the JPEG @dest, written in place: call it on the temporary file
 * before the rename. According to @policy: orientation reset to 1 (it has
 * been applied), pixel dimensions set to @width × @height, EXIF ColorSpace
 * and Interoperability index set for @color_space, Exif.Image.Software
 * set to Ottica, GPS removed for NO_GPS (Exif.GPSInfo.* and Xmp.exif.GPS*),
 * nothing at all written for NONE. Tags that describe the original file
 * rather than the photo (a RAW's strips, sub-IFDs, DNG calibration, the
 * embedded thumbnail, an embedded TIFF ICC profile, MPF) are never copied.
 * Keeps the EXIF APP1 segment within 64 KB: when it would not fit, drops
 * the maker note's entries over 4 KB (raw converters' data), then the
 * whole maker note, then any other tag over 4 KB. A @source exiv2 cannot read, or
 * one without metadata, is not an error: @dest then only gets Ottica's
 * own tags. Errors are about writing @dest. Thread-safe (exiv2 calls are
 * serialised). */
gboolean ottica_metadata_copy (const char           *source,
                               const char           *dest,
                               int                   width,
                               int                   height,
                               OtticaColorSpace      color_space,
                               OtticaMetadataPolicy  policy,
                               GError              **error);

/* Capture date of @path as "YYYY-MM-DD" (DateTimeOriginal, else
 * DateTimeDigitized, else DateTime, else XMP's), or NULL. */
char    *ottica_metadata_capture_date (const char *path);

/* A short, human summary for `ottica-cli info` (camera, lens, exposure,
 * date, location), one "Key: value" per line, or NULL when there is no
 * metadata. */
char    *ottica_metadata_describe     (const char *path);

G_END_DECLS
