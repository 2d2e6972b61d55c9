/* ottica-engine.h: one-time set-up of GEGL and babl for the app, the CLI
 * and the tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

/* Initialises GEGL (tile cache sized from the machine's memory, swap, the
 * number of render threads, OpenCL off unless OTTICA_OPENCL=1), registers
 * the ottica: operations, and checks that
 * every GEGL operation Ottica uses is installed; a missing one fails with
 * OTTICA_ERROR_MISSING_OP naming it.
 *
 * @threads: GEGL render threads, 0 for one per core. Batches use 1 and run
 * one image per worker instead.
 *
 * Safe to call more than once: later calls only change the thread count. */
gboolean     ottica_engine_init            (guint     threads,
                                            GError  **error);

/* Makes babl find the conversions the first render needs (about 0.3 s),
 * as one change (ottica-babl-guard.h). Interactive programs call it from
 * a worker thread right after ottica_engine_init(), so the first preview
 * does not pay for it. */
void         ottica_engine_warm_up         (void);

/* Renders one pixel of @node at @scale in @format before a render that
 * may run beside others (thumbnails, batch workers, the editor): whatever
 * babl adds for the graph's conversions it adds then, as a change
 * (ottica-babl-guard.h), and the whole render only looks them up. A graph
 * like one primed before (the same operations, buffer formats, @format,
 * and scale 1 or not) adds nothing and is not rendered again. Call it in
 * the render's read or outside any. */
void         ottica_engine_prime_render    (GeglNode   *node,
                                            double      scale,
                                            const Babl *format);

/* babl_fish (@from, @to), made in a change (ottica-babl-guard.h) the
 * first time; later calls look only into a table of Ottica's own. */
const Babl * ottica_engine_babl_fish       (const Babl *from,
                                            const Babl *to);

/* babl_space_from_icc() as a change (ottica-babl-guard.h). */
const Babl * ottica_engine_babl_space_from_icc (const char  *icc,
                                                int          length,
                                                const char **error);

/* babl_format_with_space (@encoding, @space), made in a change the first
 * time: loaders call it for the formats of a photo's own space, which no
 * warm-up made. Later calls look only into a table of Ottica's own. */
const Babl * ottica_engine_babl_format     (const char *encoding,
                                            const Babl *space);

/* gegl_exit(); for tools and tests that want a clean leak report. */
void         ottica_engine_shutdown        (void);

/* The working format every op computes in: "RGBA float", scene-linear,
 * Rec.2020 primaries. */
const Babl * ottica_engine_working_format  (void);

/* The GEGL operations the pipeline and exporter use (NULL-terminated). */
const char * const *ottica_engine_required_operations (void);

G_END_DECLS
