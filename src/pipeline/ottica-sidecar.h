/* ottica-sidecar.h: where a photo's edit lives: "NAME.EXT.ottica" beside
 * the photo, or $XDG_DATA_HOME/ottica/edits/ when the photo's folder is
 * read-only. Originals are never written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-edit.h"

G_BEGIN_DECLS

/* "PHOTO.ottica" beside the photo. */
char       *ottica_sidecar_path_beside   (const char *photo_path);

/* The fallback: $XDG_DATA_HOME/ottica/edits/<hash of the absolute photo
 * path>-NAME.EXT.ottica, so photos with the same name do not collide. */
char       *ottica_sidecar_path_fallback (const char *photo_path);

/* The sidecar that exists for @photo_path (beside first, then fallback),
 * or NULL. */
char       *ottica_sidecar_find          (const char *photo_path);

/* The edit stored for the photo, or NULL with no error when there is none;
 * a broken sidecar is an error naming it. */
OtticaEdit *ottica_sidecar_load          (const char  *photo_path,
                                          GError     **error);

/* Saves beside the photo, or in the fallback place when the folder is not
 * writable; stores the path written in @written_path when not NULL. */
gboolean    ottica_sidecar_save          (const char        *photo_path,
                                          const OtticaEdit  *edit,
                                          char             **written_path,
                                          GError           **error);

G_END_DECLS
