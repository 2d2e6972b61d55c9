/* ottica-library-view.h: the photo library: a folder's photos as a grid of
 * thumbnails, multi-select, looks and presets applied to the selection
 * (written to sidecars, undoable), paste and reset of edits, batch export.
 *
 * Self-contained, with its own header bar, so a window can show it as a
 * page beside the editor. Toasts go to the nearest AdwToastOverlay above
 * it. Actions are in the "library" group (library.open-folder, …).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OTTICA_TYPE_LIBRARY_VIEW (ottica_library_view_get_type ())
G_DECLARE_FINAL_TYPE (OtticaLibraryView, ottica_library_view, OTTICA, LIBRARY_VIEW, GtkWidget)

GtkWidget        *ottica_library_view_new          (void);

/* Shows the photos in @folder (with its subfolders when @recursive),
 * scanned in the background; "folder-loaded" follows. */
void              ottica_library_view_set_folder   (OtticaLibraryView *self,
                                                    GFile             *folder,
                                                    gboolean           recursive);
GFile            *ottica_library_view_get_folder   (OtticaLibraryView *self);

/* The photo's sidecar changed elsewhere (the editor saved it): its badge
 * and thumbnail follow. */
void              ottica_library_view_refresh_file (OtticaLibraryView *self,
                                                    GFile             *file);

/* The grid's model, as shown (filtered, sorted): items are
 * OtticaLibraryItem. For tests and the window's own actions. */
GtkSelectionModel *ottica_library_view_get_selection (OtticaLibraryView *self);
/* The selected photos' paths, in grid order. */
GStrv             ottica_library_view_dup_selected_paths (OtticaLibraryView *self);
/* Thumbnails still queued or rendering. */
guint             ottica_library_view_get_n_pending_thumbnails (OtticaLibraryView *self);

/* Thumbnails of photos on screen not shown yet; @n_visible (may be NULL):
 * photos on screen (bound in the grid). */
guint             ottica_library_view_get_n_visible_pending_thumbnails (OtticaLibraryView *self,
                                                                        guint             *n_visible);

/* Photos on screen that show nothing yet: neither the camera's embedded
 * thumbnail (stage 1), nor their real thumbnail, nor the placeholder of
 * a broken file. */
guint             ottica_library_view_get_n_visible_blank_thumbnails (OtticaLibraryView *self);

/* Signals:
 * "photo-activated" (GFile *file): double-click or Enter on a photo.
 * "folder-loaded" (guint n_photos): a scan finished and the grid shows it.
 * "edits-changed" (guint n_changed, guint n_failed): an apply, paste,
 *   reset or undo finished writing the sidecars. */

G_END_DECLS
