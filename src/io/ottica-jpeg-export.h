/* ottica-jpeg-export.h: renders a graph's output at full resolution in
 * strips, straight into libjpeg-turbo (the full-resolution float frame never
 * exists), with the output profile embedded and metadata copied, into a
 * temporary file that is renamed into place only when complete.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>
#include <gio/gio.h>
#include "ottica-export-options.h"

G_BEGIN_DECLS

/* Called from the exporting thread with 0..1, once per strip and with 1.0
 * when the file is in place. */
typedef void (*OtticaProgressFunc) (double fraction, gpointer user_data);

/* Renders @node (any GEGL node: its bounding box is the photo, its output
 * is converted from whatever format it has) to @output_path as a JPEG.
 * Scaling and output sharpening from @options are applied on the way.
 * @metadata_source is the original photo whose EXIF/IPTC/XMP is copied
 * (NULL for none). Fails with OTTICA_ERROR_EXISTS when @output_path exists
 * and options->overwrite is FALSE; G_IO_ERROR_CANCELLED when cancelled,
 * leaving no file behind (@cancellable is checked between strips);
 * OTTICA_ERROR_INVALID for bad options, an empty node, or an @output_path
 * that is @metadata_source itself; G_IO_ERROR_* naming the file when it
 * cannot be written (disk full, read-only folder). On any failure neither
 * @output_path nor a temporary file is left.
 *
 * While it runs, @node is rendered from a helper thread (and nowhere
 * else): do not use @node's graph from another thread meanwhile. Memory:
 * a few strips (at 6000 px wide, about 100 MB with GEGL's own buffers); a
 * progressive or Huffman-optimised JPEG also keeps all of libjpeg's
 * coefficients (3 bytes a pixel at 4:2:0, 6 at 4:4:4: 144 MB at 24 MP). */
gboolean ottica_jpeg_export (GeglNode                  *node,
                             const char                *metadata_source,
                             const char                *output_path,
                             const OtticaExportOptions *options,
                             OtticaProgressFunc         progress,
                             gpointer                   progress_data,
                             GCancellable              *cancellable,
                             GError                   **error);

/* Makes what an export to @space converts with (the matrix from the
 * working space, the conversion its output curve is tabled from) ahead of
 * the first export: ottica-cli does it beside the first photo's decode.
 * Each is made once per process, as a babl change (ottica-babl-guard.h). */
void     ottica_jpeg_export_prepare_space (const Babl *space);

/* The rows of each strip ottica_jpeg_export() renders @node in at full
 * size: 256, or more when the graph's area filters read far above and
 * below a strip (twice those rows of context, so that each strip
 * re-renders at most half as much again upstream of them), within a
 * memory budget for its width. For tests and benchmarks. */
int      ottica_jpeg_export_strip_rows (GeglNode *node);

G_END_DECLS
