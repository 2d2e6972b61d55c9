/* ottica-export-dialog.h: the export options for the open photo, and
 * the export itself (an OtticaBatch of one photo) with progress and
 * cancel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ottica-batch.h"
#include "ottica-export-options.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_EXPORT_DIALOG (ottica_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OtticaExportDialog, ottica_export_dialog, OTTICA, EXPORT_DIALOG, AdwWindow)

/* Exports @photo_path with its sidecar edit (the caller saves it first). */
OtticaExportDialog *ottica_export_dialog_new         (GtkWindow          *parent,
                                                      const char         *photo_path);

/* Exports several photos (the library's selection) with their sidecar
 * edits, one photo per core, optionally with a second, web-sized output
 * from the same decode; overall and per-photo progress, time left,
 * cancel; at the end a summary dialog lists each failed file. */
OtticaExportDialog *ottica_export_dialog_new_for_photos (GtkWindow          *parent,
                                                         const char * const *photo_paths);
/* For several photos: also write a copy @long_edge pixels on its longer
 * side into the "web" subfolder (the dialog's switch). */
void                ottica_export_dialog_set_web_copy   (OtticaExportDialog *self,
                                                         gboolean            enabled,
                                                         guint               long_edge);
/* For several photos: also write the outputs a recipe file (the format
 * of `ottica-cli export --recipe`, ottica-export-recipe.h) asks for, from
 * the same decode; the keys it leaves out take the dialog's options when
 * the export starts. A file already added is not added twice. FALSE with
 * @error (OTTICA_ERROR_INVALID naming the file) when it is not a valid
 * recipe, not a local file, or there are 14 already. The dialog's "Add…"
 * button calls this for each file chosen. */
gboolean            ottica_export_dialog_add_recipe_file (OtticaExportDialog  *self,
                                                          GFile               *file,
                                                          GError             **error);
guint               ottica_export_dialog_get_n_recipe_files (OtticaExportDialog *self);
/* "NAME: reason" per failed file, one a line; NULL when none failed. */
char               *ottica_export_dialog_describe_failures (const OtticaBatchResult *result);

/* NULL: the "exported" folder beside the photo. */
void                ottica_export_dialog_set_folder  (OtticaExportDialog *self,
                                                      GFile              *folder);
GFile              *ottica_export_dialog_get_folder  (OtticaExportDialog *self);

void                ottica_export_dialog_get_options (OtticaExportDialog  *self,
                                                      OtticaExportOptions *options);
void                ottica_export_dialog_set_options (OtticaExportDialog        *self,
                                                      const OtticaExportOptions *options);

/* What the Export button does. */
void                ottica_export_dialog_start       (OtticaExportDialog *self);

/* Signal "finished" (const char *output, const GError *error): emitted
 * once after a run, then the dialog closes; @output is NULL and @error
 * set when it failed or was cancelled (G_IO_ERROR_CANCELLED). With
 * several photos, @output is the first file written.
 * Signal "batch-finished" (const OtticaBatchResult *result): several
 * photos only, just before "finished". */

G_END_DECLS
