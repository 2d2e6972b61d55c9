/* ottica-preset-store.h: the user's presets, one key file per preset in
 * $XDG_DATA_HOME/ottica/presets/ (the format ottica_edit_to_data (edit,
 * TRUE, …) writes: the look and adjustments a preset carries, never a
 * photo's crop or rotation).
 *
 * A preset is known by the name a person typed ("Beach, late light").
 * The file name is derived from it reversibly and safely: "/", "\", "%",
 * control characters and a leading "." are written as %XX, and the suffix
 * is ".preset", so any name maps to one file in the folder and back.
 * Names are trimmed; an empty name, one over OTTICA_PRESET_NAME_MAX
 * characters or one that is not valid UTF-8 is OTTICA_ERROR_INVALID.
 *
 * Writes are atomic (ottica-atomic-file.h). A file that is not a valid
 * preset is refused with its name in the message. GTK-free; the functions
 * may be called from any thread (they only touch files).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ottica-edit.h"

G_BEGIN_DECLS

#define OTTICA_PRESET_SUFFIX   ".preset"
#define OTTICA_PRESET_NAME_MAX 100

/* $XDG_DATA_HOME/ottica/presets (not created). */
char       *ottica_preset_store_dir    (void);

/* The names of the stored presets (char *), sorted the way people sort
 * them (case-insensitive, numbers by value). A missing folder is an empty
 * list, not an error. Files that are not presets by name are skipped;
 * their content is not read here. */
GPtrArray  *ottica_preset_store_list   (GError          **error);

/* Stores @edit as the preset @name (only the parameters in @edit->mask,
 * no geometry). When a preset of that name exists and @overwrite is
 * FALSE: OTTICA_ERROR_EXISTS. Creates the folder when needed. */
gboolean    ottica_preset_store_save   (const char       *name,
                                        const OtticaEdit *edit,
                                        gboolean          overwrite,
                                        GError          **error);

/* The preset @name: OTTICA_ERROR_NOT_FOUND when there is none; a broken
 * or non-preset file is OTTICA_ERROR_INVALID naming it. */
OtticaEdit *ottica_preset_store_load   (const char       *name,
                                        GError          **error);

/* Removes the preset @name; OTTICA_ERROR_NOT_FOUND when there is none. */
gboolean    ottica_preset_store_delete (const char       *name,
                                        GError          **error);

/* Copies the preset file at @path into the store, after checking that it
 * is a valid preset (kind=preset). Its name is the file's basename without
 * the ".preset" suffix (and %XX decoded). Returns the name it is stored
 * under (free it), or NULL with @error: OTTICA_ERROR_EXISTS when a preset
 * of that name exists and @overwrite is FALSE. */
char       *ottica_preset_store_import (const char       *path,
                                        gboolean          overwrite,
                                        GError          **error);

/* Writes the preset @name to @path (atomically), to share it; when @path
 * exists and @overwrite is FALSE: OTTICA_ERROR_EXISTS. */
gboolean    ottica_preset_store_export (const char       *name,
                                        const char       *path,
                                        gboolean          overwrite,
                                        GError          **error);

/* The file name (no folder) for @name, or NULL with @error when the name
 * is not acceptable; and back (NULL when @file_name is not a preset's).
 * Public for the tests. */
char       *ottica_preset_store_file_name_for (const char *name,
                                               GError    **error);
char       *ottica_preset_store_name_for_file (const char *file_name);

G_END_DECLS
