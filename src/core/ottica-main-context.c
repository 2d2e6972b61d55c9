/* ottica-main-context.c: hand work from a worker thread to a main context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-main-context.h"

guint
ottica_main_context_post (GMainContext   *context,
                          gint            priority,
                          GSourceFunc     function,
                          gpointer        data,
                          GDestroyNotify  notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_return_val_if_fail (function != NULL, 0);

  g_source_set_priority (source, priority);
  g_source_set_callback (source, function, data, notify);
  g_source_set_static_name (source, "[ottica] posted to the main context");
  return g_source_attach (source, context);
}
