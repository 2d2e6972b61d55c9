/* ottica-presets-dialog.h: the user's presets: list, apply to the
 * library's selection, delete, import and export preset files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OTTICA_TYPE_PRESETS_DIALOG (ottica_presets_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OtticaPresetsDialog, ottica_presets_dialog, OTTICA, PRESETS_DIALOG, AdwWindow)

OtticaPresetsDialog *ottica_presets_dialog_new     (GtkWindow           *parent);

/* Reads the store again (the dialog does after its own changes). */
void                 ottica_presets_dialog_reload  (OtticaPresetsDialog *self);
/* The preset names shown, in order. */
GStrv                ottica_presets_dialog_dup_names (OtticaPresetsDialog *self);

/* Signals:
 * "apply-preset" (const char *name): Apply was pressed on a preset; with no
 *   handler the button is hidden.
 * "presets-changed": a preset was deleted or imported. */

G_END_DECLS
