/* ottica-library-item.h: one photo in the library's grid: its file, what
 * kind it is, its date, whether it has an edit, and its thumbnail once
 * rendered (or the error that stopped it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  OTTICA_LIBRARY_KIND_RAW,
  OTTICA_LIBRARY_KIND_JPEG,
  OTTICA_LIBRARY_KIND_OTHER,
} OtticaLibraryKind;

#define OTTICA_TYPE_LIBRARY_ITEM (ottica_library_item_get_type ())
G_DECLARE_FINAL_TYPE (OtticaLibraryItem, ottica_library_item, OTTICA, LIBRARY_ITEM, GObject)

OtticaLibraryItem *ottica_library_item_new           (const char *path,
                                                      gint64      mtime);

GFile             *ottica_library_item_get_file      (OtticaLibraryItem *self);
const char        *ottica_library_item_get_path      (OtticaLibraryItem *self);
/* The display name, and a key that sorts names as a file manager does. */
const char        *ottica_library_item_get_name      (OtticaLibraryItem *self);
const char        *ottica_library_item_get_sort_key  (OtticaLibraryItem *self);
OtticaLibraryKind  ottica_library_item_get_kind      (OtticaLibraryItem *self);
/* By the extension: the scan keeps only names Ottica opens. */
OtticaLibraryKind  ottica_library_kind_for_name      (const char *path);

/* Capture date "YYYY-MM-DD" from EXIF when known (NULL before it is read
 * or when absent), else the file's mtime: the date sort uses both. */
const char        *ottica_library_item_get_date      (OtticaLibraryItem *self);
void               ottica_library_item_set_date      (OtticaLibraryItem *self,
                                                      const char        *date);
gint64             ottica_library_item_get_mtime     (OtticaLibraryItem *self);
/* The capture date, else the file's date ("YYYY-MM-DD"): what the date
 * sort orders by, then by mtime, then by name. */
const char        *ottica_library_item_get_sort_date (OtticaLibraryItem *self);

/* "has-edit": a sidecar exists. */
gboolean           ottica_library_item_get_has_edit  (OtticaLibraryItem *self);
void               ottica_library_item_set_has_edit  (OtticaLibraryItem *self,
                                                      gboolean           has_edit);

/* "thumbnail": NULL until rendered. */
GdkPaintable      *ottica_library_item_get_thumbnail (OtticaLibraryItem *self);
void               ottica_library_item_set_thumbnail (OtticaLibraryItem *self,
                                                      GdkPaintable      *thumbnail);
/* "error": why there is no thumbnail (for the tooltip), or NULL; also a
 * warning about a photo shown despite it (a broken sidecar). */
const char        *ottica_library_item_get_error     (OtticaLibraryItem *self);
void               ottica_library_item_set_error     (OtticaLibraryItem *self,
                                                      const char        *error);
/* TRUE once the photo could not be read: a placeholder stays. */
gboolean           ottica_library_item_get_broken    (OtticaLibraryItem *self);
void               ottica_library_item_set_broken    (OtticaLibraryItem *self,
                                                      gboolean           broken);

/* Bumped when the thumbnail must be rendered again (the edit changed). */
guint              ottica_library_item_get_serial    (OtticaLibraryItem *self);
void               ottica_library_item_invalidate    (OtticaLibraryItem *self);

G_END_DECLS
