/* ottica-window.h: the editor window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ottica-application.h"
#include "ottica-edit.h"
#include "ottica-export-dialog.h"
#include "ottica-looks-panel.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_WINDOW (ottica_window_get_type ())
G_DECLARE_FINAL_TYPE (OtticaWindow, ottica_window, OTTICA, WINDOW, AdwApplicationWindow)

OtticaWindow *ottica_window_new       (OtticaApplication *application);

/* Loads @file and shows it with its saved edit; a failure is shown as a
 * toast naming the file, and the window stays usable. */
void          ottica_window_open_file (OtticaWindow      *self,
                                       GFile             *file);

/* The edit shown (NULL before a photo is open). */
const OtticaEdit *ottica_window_get_edit       (OtticaWindow *self);

/* The adjust panel's slider for the edit parameter @key. */
GtkAdjustment    *ottica_window_get_adjustment (OtticaWindow *self,
                                                const char   *key);

/* TRUE while a photo loads or the preview is not yet up to date. */
gboolean          ottica_window_is_busy        (OtticaWindow *self);

OtticaLooksPanel *ottica_window_get_looks_panel (OtticaWindow *self);

/* 0 when the photo fits the view, else screen pixels per pixel of the
 * full-resolution photo (1.0 is 100 %). */
double            ottica_window_get_zoom        (OtticaWindow *self);

/* The open export dialog (win.export), or NULL. */
OtticaExportDialog *ottica_window_get_export_dialog (OtticaWindow *self);

/* Shows @folder's photos in the library (the window's other page). */
void          ottica_window_show_folder (OtticaWindow *self,
                                         GFile        *folder);

G_END_DECLS
