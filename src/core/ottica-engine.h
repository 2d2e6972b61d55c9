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

/* Makes babl find the conversions the first render needs (about 0.3 s).
 * Interactive programs call it from a worker thread right after
 * ottica_engine_init(), so the first preview does not pay for it. */
void         ottica_engine_warm_up         (void);

/* Renders one pixel of @node in @format alone, before a render that may
 * run beside others (thumbnails, batch workers, the editor). babl builds
 * some of its conversions' formats lazily while converting, without a
 * lock; two threads doing that at once crashed it (seen with two
 * thumbnail threads). Serialised through this first pixel, what a graph
 * needs is built once, and the whole renders run in parallel. */
void         ottica_engine_prime_render    (GeglNode   *node,
                                            const Babl *format);

/* babl 0.1.98 looks its conversions and formats up without a lock, while
 * a thread adding one may grow the table and free the old one under the
 * readers (babl_db_insert() → hash_rehash()). A thread about to add many
 * at once beside renders (a warm-up) calls ..._begin() before it starts
 * and ..._end() when the burst is over; renders call ..._wait() first.
 * Counted: bursts may overlap. */
void         ottica_engine_babl_burst_begin (void);
void         ottica_engine_babl_burst_end   (void);
void         ottica_engine_babl_burst_wait  (void);

/* gegl_exit(); for tools and tests that want a clean leak report. */
void         ottica_engine_shutdown        (void);

/* The working format every op computes in: "RGBA float", scene-linear,
 * Rec.2020 primaries. */
const Babl * ottica_engine_working_format  (void);

/* The GEGL operations the pipeline and exporter use (NULL-terminated). */
const char * const *ottica_engine_required_operations (void);

G_END_DECLS
