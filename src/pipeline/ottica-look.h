/* ottica-look.h: one look, read from a .look key file (or a .cube LUT)
 * and validated against the real properties of the operations it uses.
 *
 * A look is immutable once made and may be shared between threads. The
 * file format is described at the top of ottica-look.c and in
 * data/looks/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

/* The newest .look format version this build reads and writes. */
#define OTTICA_LOOK_FORMAT_VERSION 1

/* A look id: 1..64 characters of [a-z0-9-], starting with a letter or digit. */
#define OTTICA_LOOK_MAX_ID_LENGTH  64

typedef enum
{
  OTTICA_LOOK_KIND_COLOR,
  OTTICA_LOOK_KIND_MONO,
} OtticaLookKind;

typedef struct _OtticaLook OtticaLook;

/* "color" or "mono", as in the file (not translated: for the CLI). */
const char         *ottica_look_kind_to_string  (OtticaLookKind  kind);

gboolean            ottica_look_id_is_valid     (const char     *id);

/* The operations a look may use, in the fixed order in which the
 * ottica:look meta operation chains them (NULL-terminated). */
const char * const *ottica_look_operations      (void);

/* Reads @path, a .look key file or a .cube LUT (by its extension), as a
 * user look. Errors are in the OTTICA_ERROR domain and name the file:
 * NOT_FOUND, TOO_LARGE, CORRUPT (not text), INVALID (syntax, unknown
 * operation or key, wrong type, NaN, newer format version),
 * UNSUPPORTED (another extension). Values out of their range are clamped
 * with a g_warning(). Needs the engine (ottica:* ops registered). */
OtticaLook         *ottica_look_load            (const char     *path,
                                                 GError        **error);
/* A .look from memory; @file_name (a display basename, "warm.look") is
 * used in messages. Built-in looks have their name and description
 * translated through gettext. A .cube is refused here (UNSUPPORTED):
 * ottica:lut3d reads a LUT from its file, so LUT looks come from
 * ottica_look_load(). */
OtticaLook         *ottica_look_new_from_bytes  (GBytes         *bytes,
                                                 const char     *file_name,
                                                 gboolean        builtin,
                                                 GError        **error);

OtticaLook         *ottica_look_ref             (OtticaLook     *look);
void                ottica_look_unref           (OtticaLook     *look);

const char         *ottica_look_get_id          (const OtticaLook *look);
/* Translated name and one-line description. */
const char         *ottica_look_get_name        (const OtticaLook *look);
const char         *ottica_look_get_description (const OtticaLook *look);
OtticaLookKind      ottica_look_get_kind        (const OtticaLook *look);
gboolean            ottica_look_is_builtin      (const OtticaLook *look);
/* TRUE for a .cube LUT look. */
gboolean            ottica_look_is_lut          (const OtticaLook *look);
/* TRUE when the look moves neutral greys on purpose (warm or toned looks,
 * LUTs): its file says "tints=true" or gives a "tone-hue". */
gboolean            ottica_look_get_tints       (const OtticaLook *look);
/* The CIE LCh(ab) hue in degrees that a toned look gives neutral greys;
 * FALSE (and @hue untouched) when the file gives none. */
gboolean            ottica_look_get_tone_hue    (const OtticaLook *look,
                                                 double           *hue);
/* The file's display basename ("documentary.look"). */
const char         *ottica_look_get_file_name   (const OtticaLook *look);
/* Where a user look was read from; NULL for built-in ones. */
const char         *ottica_look_get_path        (const OtticaLook *look);
/* The file exactly as read (what export writes). */
GBytes             *ottica_look_get_bytes       (const OtticaLook *look);

/* The operations this look uses, in chain order: one step each. */
guint               ottica_look_get_n_steps     (const OtticaLook *look);
const char         *ottica_look_get_step_operation (const OtticaLook *look,
                                                    guint             step);
/* Sets on @node (whose operation is the step's) every parameter the look
 * gives that operation, interpolated between the property's default (its
 * neutral value) and the look's value: numbers linearly by @amount
 * (0..1), booleans, enums and strings switch to the look's value at
 * @amount > 0. */
void                ottica_look_apply_step      (const OtticaLook *look,
                                                 guint             step,
                                                 GeglNode         *node,
                                                 double            amount);

/* The look's own (clamped) value for @key of @operation ("ottica:tone-curve",
 * "toe"), copied into @value (uninitialised, may be NULL); FALSE when the
 * look does not set it (the operation's neutral default applies). */
gboolean            ottica_look_get_param       (const OtticaLook *look,
                                                 const char       *operation,
                                                 const char       *key,
                                                 GValue           *value);

/* The lowercase hex SHA-256 of the look's file bytes (what
 * ottica_look_get_bytes() returns), which is all that determines how it
 * renders: a user look edited in place under the same id gets a new
 * digest. For batch manifests. Free with g_free(). */
char               *ottica_look_dup_digest      (const OtticaLook *look);

/* Writes the look to @path as one file (its bytes as read, atomically),
 * which ottica_look_load() and ottica_look_library_import() read back.
 * Fails with OTTICA_ERROR_EXISTS when @path exists and !@overwrite. */
gboolean            ottica_look_export          (const OtticaLook *look,
                                                 const char       *path,
                                                 gboolean          overwrite,
                                                 GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaLook, ottica_look_unref)

G_END_DECLS
