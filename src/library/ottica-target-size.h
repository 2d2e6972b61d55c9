/* ottica-target-size.h: a JPEG of at most a given file size, for export
 * recipes with "max-size".
 *
 * The frame is rendered once at the output size by the exporter itself
 * (ottica-jpeg-export.h: its linear-light reducer and its output
 * sharpening, so that a target-size output and a quality output of the
 * same recipe share their pixels up to the JPEG error). The exporter only
 * streams into files, so the frame comes back through a private temporary
 * JPEG at quality 100, 4:4:4 (within a level of the rows it encoded); it
 * is then encoded into memory with libjpeg-turbo (jpeg_mem_dest) at
 * different compressions; a web-size frame is a few MB. The
 * compression is a continuous scale of the standard (Annex K) quantisation
 * tables rather than the integer quality, so the bisection can land within
 * 2 % under the target; it never goes over. The file then gets the output
 * ICC profile, the metadata (ottica_metadata_copy on the temporary file,
 * whose size is accounted for) and is written through ottica-atomic-file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>
#include <gio/gio.h>
#include "ottica-export-options.h"
#include "ottica-jpeg-export.h"

G_BEGIN_DECLS

/* As ottica_jpeg_export(), with @target_bytes instead of options->quality
 * (@progress may be NULL; it is called from this thread and from the
 * exporter's). Fails with OTTICA_ERROR_TOO_LARGE when even the strongest
 * compression gives a file over @target_bytes. */
gboolean ottica_target_size_export (GeglNode                  *node,
                                    const char                *metadata_source,
                                    const char                *output_path,
                                    const OtticaExportOptions *options,
                                    guint64                    target_bytes,
                                    OtticaProgressFunc         progress,
                                    gpointer                   progress_data,
                                    GCancellable              *cancellable,
                                    GError                   **error);

/* The search on its own, for an 8-bit RGB frame (@stride bytes a row):
 * returns the JPEG (with @icc embedded when not NULL) of the largest size
 * at most @target_bytes, or NULL when even the strongest compression is
 * over (then *@length is the smallest size reached). @n_encodes (may be
 * NULL) receives how many encodes the search took. */
guint8  *ottica_target_size_encode (const guint8              *rgb,
                                    int                        width,
                                    int                        height,
                                    gsize                      stride,
                                    const OtticaExportOptions *options,
                                    GBytes                    *icc,
                                    guint64                    target_bytes,
                                    gsize                     *length,
                                    guint                     *n_encodes);

G_END_DECLS
