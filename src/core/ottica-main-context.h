/* ottica-main-context.h: hand work from a worker thread to a main context.
 *
 * g_main_context_invoke() runs its function at once, in the calling
 * thread, whenever no thread owns the context at that moment: between
 * two iterations of a loop that polls (a test waiting for a condition),
 * or before the application's loop runs. A worker handing a result to
 * GTK that way can touch widgets from its own thread. What is posted
 * here always runs from the context, in the thread that iterates it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Calls @function (@data) once from @context (NULL: the global default
 * context) at @priority, however busy or idle the context is now; then
 * @notify (@data), if given. Safe from any thread. Returns the source's
 * id in @context. */
guint  ottica_main_context_post  (GMainContext   *context,
                                  gint            priority,
                                  GSourceFunc     function,
                                  gpointer        data,
                                  GDestroyNotify  notify);

G_END_DECLS
