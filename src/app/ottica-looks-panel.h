/* ottica-looks-panel.h: the photo rendered small with every look, and
 * the look's amount.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <gegl.h>

#include "ottica-edit.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_LOOKS_PANEL (ottica_looks_panel_get_type ())
G_DECLARE_FINAL_TYPE (OtticaLooksPanel, ottica_looks_panel, OTTICA, LOOKS_PANEL, GtkWidget)

GtkWidget *ottica_looks_panel_new            (void);

/* Selects @edit's look and shows its amount, emitting nothing. */
void       ottica_looks_panel_set_edit       (OtticaLooksPanel *self,
                                              const OtticaEdit *edit);

/* Renders the thumbnails in the background from @source (a small copy of
 * the photo, @scale of the full resolution) with @edit's adjustments and
 * each look, and the RAW default rendering when @raw_baseline (see
 * ottica_pipeline_set_raw_baseline()); NULL clears them. */
void       ottica_looks_panel_set_source     (OtticaLooksPanel *self,
                                              GeglBuffer       *source,
                                              double            scale,
                                              gboolean          raw_baseline,
                                              double            baseline_exposure,
                                              const OtticaEdit *edit);

/* The number of looks listed (without "None"), and of thumbnails done. */
guint      ottica_looks_panel_get_n_looks    (OtticaLooksPanel *self);
guint      ottica_looks_panel_get_n_rendered (OtticaLooksPanel *self);

/* Chooses the look @id (NULL: none) as a click would. */
void       ottica_looks_panel_choose         (OtticaLooksPanel *self,
                                              const char       *id);

GtkAdjustment *ottica_looks_panel_get_amount (OtticaLooksPanel *self);

/* Signals: "look-chosen" (const char *id, NULL for none) and
 * "param-changed" (const char *key, double value) for the amount. */

G_END_DECLS
