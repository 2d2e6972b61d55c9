/* ottica-test-gui.h: what the GUI suites share on top of ottica-test.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @widget or its first descendant (depth first) of @type, or NULL. */
GtkWidget *ottica_test_find_descendant (GtkWidget *widget, GType type);

G_END_DECLS
