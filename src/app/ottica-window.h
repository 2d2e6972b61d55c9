/* ottica-window.h: the editor window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ottica-application.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_WINDOW (ottica_window_get_type ())
G_DECLARE_FINAL_TYPE (OtticaWindow, ottica_window, OTTICA, WINDOW, AdwApplicationWindow)

OtticaWindow *ottica_window_new       (OtticaApplication *application);

/* Loads @file and shows it with its saved edit; a failure is shown as a
 * toast naming the file, and the window stays usable. */
void          ottica_window_open_file (OtticaWindow      *self,
                                       GFile             *file);

G_END_DECLS
