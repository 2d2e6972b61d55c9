/* ottica-look-library.h: the looks Ottica knows: the built-in ones
 * (compiled in as a resource) and the user's own in
 * $XDG_DATA_HOME/ottica/looks/ (*.look files, and *.cube LUTs, which
 * become looks too).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  OTTICA_LOOK_KIND_COLOR,
  OTTICA_LOOK_KIND_MONO,
} OtticaLookKind;

typedef struct _OtticaLook OtticaLook;

const char     *ottica_look_get_id          (const OtticaLook *look);
/* Translated name and one-line description. */
const char     *ottica_look_get_name        (const OtticaLook *look);
const char     *ottica_look_get_description (const OtticaLook *look);
OtticaLookKind  ottica_look_get_kind        (const OtticaLook *look);
gboolean        ottica_look_is_builtin      (const OtticaLook *look);

/* Every look, built-in first, then the user's, each sorted by name. Loaded
 * once per process (thread-safe). A broken user look file is skipped; its
 * error (naming the file and the reason) is added to @errors when not
 * NULL (an array of GError*). The array and the looks belong to the
 * library. */
GPtrArray        *ottica_look_library_list  (GPtrArray **errors);
const OtticaLook *ottica_look_library_find  (const char *id);

G_END_DECLS
