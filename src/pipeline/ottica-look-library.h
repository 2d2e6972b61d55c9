/* ottica-look-library.h: the looks Ottica knows: the built-in ones
 * (compiled in as a resource) and the user's own in
 * $XDG_DATA_HOME/ottica/looks/ (*.look files, and *.cube LUTs, which
 * become looks too).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ottica-look.h"

G_BEGIN_DECLS

/* Every look, built-in first, then the user's, each sorted by name. Loaded
 * once per process (thread-safe; needs the engine initialised). A broken
 * user look file is skipped; its error (naming the file and the reason)
 * is added to @errors when not NULL: *@errors is an array of GError*
 * that the caller owns (created when *@errors is NULL, appended to
 * otherwise). The returned array and the looks belong to the library and
 * stay valid for the life of the process. */
GPtrArray        *ottica_look_library_list      (GPtrArray **errors);
const OtticaLook *ottica_look_library_find      (const char *id);

/* $XDG_DATA_HOME/ottica/looks: where user looks live (may not exist). */
const char       *ottica_look_library_user_dir  (void);

/* Validates the .look or .cube file at @path and copies it into the user
 * folder as ID.look (ID.cube), atomically, then adds it to the library
 * (later lists and finds see it). Refused with OTTICA_ERROR_INVALID when
 * the id is a built-in look's, and with OTTICA_ERROR_EXISTS when a user
 * look with that id and different contents exists, unless @overwrite.
 * Importing the same file twice is not an error. Returns the look
 * (owned by the library) or NULL with @error set. */
const OtticaLook *ottica_look_library_import    (const char  *path,
                                                 gboolean     overwrite,
                                                 GError     **error);

/* Registers the ottica:look meta operation with GEGL (once; later calls
 * do nothing). The library functions above call it; the pipeline calls it
 * before creating an "ottica:look" node by name. Needs gegl_init(). */
void              ottica_look_op_ensure_registered (void);

G_END_DECLS
