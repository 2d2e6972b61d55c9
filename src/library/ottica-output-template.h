/* ottica-output-template.h: the names of exported files, from a template
 * such as "{date}/{name}-{look}".
 *
 * Tokens:
 *   {name}    the photo's file name without its extension ("IMG_0001")
 *   {ext}     the photo's extension without the dot ("CR2")
 *   {look}    the look's id, or "original" when no look is applied
 *   {seq}     the photo's 1-based position in the batch's whole input
 *             list (also with a shard: see OtticaBatchRecipe), zero-padded to 4
 *             digits; {seq:N} pads to N digits (1..9)
 *   {date}    capture date, YYYY-MM-DD (EXIF DateTimeOriginal, else
 *             DateTime, else the file's modification time)
 *   {year} {month} {day}   parts of {date}
 *   {camera}  the camera's make and model ("Canon EOS 350D DIGITAL"), or
 *             "unknown-camera"
 *   {{ and }} a literal brace
 *
 * ".jpg" is appended unless the result already ends in ".jpg" or ".jpeg".
 *
 * Substituted values are sanitised: "/" and control characters become
 * "_", leading dots are dropped, and each is at most 120 bytes. A template
 * can never name a file outside the output folder: absolute templates,
 * ".." components, hidden (dot) names and empty names fail with
 * OTTICA_ERROR_UNSAFE_PATH; "/" in the template makes subfolders inside
 * the output folder. An unknown token fails with OTTICA_ERROR_INVALID
 * naming it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OTTICA_OUTPUT_TEMPLATE_DEFAULT "{name}"

typedef struct _OtticaOutputTemplate OtticaOutputTemplate;

/* What a template is expanded with. */
typedef struct
{
  const char *photo_path;    /* required: gives {name} and {ext}, and {date}
                              * and {camera} when those are NULL below */
  const char *look_id;       /* NULL: "original" */
  guint       seq;           /* 1-based */
  const char *capture_date;  /* "YYYY-MM-DD"; NULL: read from the photo */
  const char *camera;        /* NULL: read from the photo */
} OtticaOutputValues;

/* Parses @text and checks it with sample values, so that a template that
 * could never be safe is refused before any photo is exported. */
OtticaOutputTemplate *ottica_output_template_new    (const char                  *text,
                                                     GError                     **error);
void                  ottica_output_template_free   (OtticaOutputTemplate        *tmpl);
const char           *ottica_output_template_get_text (const OtticaOutputTemplate *tmpl);

/* Whether the template uses {date} (or its parts) / {camera}, which read
 * the photo's metadata. */
gboolean              ottica_output_template_uses_date   (const OtticaOutputTemplate *tmpl);
gboolean              ottica_output_template_uses_camera (const OtticaOutputTemplate *tmpl);

/* The output file's path relative to the output folder, e.g.
 * "2008-03-09/IMG_5952.jpg" (in the file system's encoding). Fails with
 * OTTICA_ERROR_UNSAFE_PATH naming the photo when this photo's values make
 * an empty or hidden name. Thread-safe. */
char                 *ottica_output_template_expand (const OtticaOutputTemplate  *tmpl,
                                                     const OtticaOutputValues    *values,
                                                     GError                     **error);

/* Joins @relative (from ottica_output_template_expand) to @output_folder,
 * creating @output_folder and the subfolders in between, and checks that
 * the result really lies inside @output_folder (a subfolder that is a
 * symbolic link out of it fails with OTTICA_ERROR_UNSAFE_PATH). Returns the
 * output file's path. */
char                 *ottica_output_path_prepare    (const char                  *output_folder,
                                                     const char                  *relative,
                                                     GError                     **error);

/* The camera's make and model from @path's EXIF ("Canon EOS 350D
 * DIGITAL", the make not repeated when the model starts with it), or NULL. */
char                 *ottica_output_read_camera     (const char                  *path);

/* @path's capture date, YYYY-MM-DD (metadata, else modification time),
 * or NULL when the file cannot be read. */
char                 *ottica_output_read_date       (const char                  *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaOutputTemplate, ottica_output_template_free)

G_END_DECLS
