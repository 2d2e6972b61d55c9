/* ottica-test-gui.h: what the GUI suites share on top of ottica-test.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @widget or its first descendant (depth first) of @type, or NULL. */
GtkWidget *ottica_test_find_descendant (GtkWidget *widget, GType type);

/* Runs @n iterations of the default main context without blocking. */
void ottica_test_gui_spin (int n);

/* Saves @window as drawn to @name in the build folder, for a person to
 * look at (not a check: a snapshot can come out empty while a frame is
 * pending, so it is tried a few times). */
void ottica_test_gui_save_screenshot (GtkWidget *window, const char *name);

/* Makes a fresh folder for the suite @name and points the build's
 * GSettings schema (kept in memory), XDG_DATA_HOME, XDG_CACHE_HOME and
 * XDG_CONFIG_HOME into it, so that recent files, settings, looks and
 * thumbnails stay away from the person running the tests. Returns the
 * folder, for ottica_test_remove_tree() at the end. */
char *ottica_test_gui_private_home (const char *name);

G_END_DECLS
