/* ottica-babl-guard.h: keep babl's lookups apart from its additions.
 *
 * babl 0.1.98 adds formats, fishes and conversions to its tables under
 * locks of its own, but looks them up without one, and a table that grows
 * (hash_rehash()) frees its old arrays under whoever is looking. Renders
 * look babl up all the time (with BABL_TOLERANCE=0, for every chunk they
 * convert), so a thread adding to babl beside a render can crash it.
 *
 * So Ottica keeps the two apart. Work that uses babl (loading, rendering)
 * is a read: any number run at once. Work that may add to babl's tables
 * (a new ICC space, the first pixel of a new kind of graph, a warm-up) is
 * a change: it waits until no read runs, and runs alone. A change that
 * waits holds new reads back, so a stream of reads cannot starve it.
 *
 * Both nest within a thread, and a change inside a read gives the thread's
 * read up while it runs. A thread in a read must not wait for another
 * thread that would begin a read or a change: begin reads around the work
 * itself (a band, a thumbnail), never around waiting for workers. Short
 * reads also keep a change from waiting long.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void   ottica_babl_guard_read_begin   (void);
void   ottica_babl_guard_read_end     (void);
void   ottica_babl_guard_change_begin (void);
void   ottica_babl_guard_change_end   (void);

/* Gives this thread's reads up, however deeply nested, while it waits for
 * threads of its own that take reads themselves (an export's encoder
 * waiting for its bands); ..._resume() takes them back, waiting for a
 * change as a read does. Returns what ..._resume() needs. */
guint  ottica_babl_guard_read_pause   (void);
void   ottica_babl_guard_read_resume  (guint paused);

/* How many threads are in a read now (for tests). */
guint  ottica_babl_guard_count_reads  (void);

G_END_DECLS
