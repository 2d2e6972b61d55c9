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

/* The sidecar that exists for @photo_path, or NULL: beside the photo,
 * else the fallback; when both exist (the folder was read-only for a
 * while), the one written last. */
char       *ottica_sidecar_find          (const char *photo_path);

/* The edit stored for the photo, or NULL with no error when there is none;
 * a broken sidecar is an error naming it (a preset put there is one too:
 * a sidecar must say kind=edit). */
OtticaEdit *ottica_sidecar_load          (const char  *photo_path,
                                          GError     **error);

/* Saves beside the photo, or in the fallback place when the folder is not
 * writable (permission denied or a read-only file system); stores the path
 * written in @written_path when not NULL. Written atomically; the photo is
 * never opened. After a save beside the photo, an older fallback copy is
 * removed, so the two never disagree. */
gboolean    ottica_sidecar_save          (const char        *photo_path,
                                          const OtticaEdit  *edit,
                                          char             **written_path,
                                          GError           **error);

G_END_DECLS
