/* ottica-preferences-window.h: Preferences, bound to GSettings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OTTICA_TYPE_PREFERENCES_WINDOW (ottica_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (OtticaPreferencesWindow, ottica_preferences_window, OTTICA, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @settings: the io.github.ottica.Ottica settings the rows are bound to. */
OtticaPreferencesWindow *ottica_preferences_window_new (GtkWindow *parent,
                                                        GSettings *settings);

G_END_DECLS
