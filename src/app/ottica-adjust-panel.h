/* ottica-adjust-panel.h: the sidebar's grouped sliders (Light, Colour,
 * Detail, Effects), built from ottica_edit_params().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ottica-edit.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_ADJUST_PANEL (ottica_adjust_panel_get_type ())
G_DECLARE_FINAL_TYPE (OtticaAdjustPanel, ottica_adjust_panel, OTTICA, ADJUST_PANEL, GtkWidget)

GtkWidget     *ottica_adjust_panel_new            (void);

/* Shows @edit's values without emitting "param-changed". */
void           ottica_adjust_panel_set_edit       (OtticaAdjustPanel *self,
                                                   const OtticaEdit  *edit);

/* Shows which crop shape is kept ("free", "original", "1:1", "5:4",
 * "4:3", "3:2", "16:9"), without choosing it. */
void           ottica_adjust_panel_set_crop_aspect (OtticaAdjustPanel *self,
                                                    const char        *aspect);

/* The slider's adjustment for the parameter @key, or NULL. */
GtkAdjustment *ottica_adjust_panel_get_adjustment (OtticaAdjustPanel *self,
                                                   const char        *key);

/* Signal "param-changed" (const char *key, double value): a person moved
 * a slider (or reset it with a double click). */

G_END_DECLS
