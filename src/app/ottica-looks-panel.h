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

/* Selects @edit's look and shows its amount, emitting nothing; when the
 * edit's adjustments changed, the thumbnails are rendered again. */
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

/* TRUE while thumbnails are due or being rendered (after a change of the
 * edit's adjustments they follow a moment later). */
gboolean   ottica_looks_panel_is_rendering   (OtticaLooksPanel *self);

/* What "Import Look…" and "Export Look…" do once a file is chosen: import
 * the .look or .cube file at @path into the user's looks and list it; write
 * the look @id to @path. A failure is shown as a toast naming the file;
 * both return FALSE then. */
gboolean   ottica_looks_panel_import         (OtticaLooksPanel *self,
                                              const char       *path);
gboolean   ottica_looks_panel_export         (OtticaLooksPanel *self,
                                              const char       *id,
                                              const char       *path);

/* Signals: "look-chosen" (const char *id, NULL for none) and
 * "param-changed" (const char *key, double value) for the amount. */

G_END_DECLS
