/* ottica-export-recipe.h: one kind of output of a batch, read from a small
 * key file, so that one run writes, say, a full-size copy and a 2048 px web
 * copy from a single decode of each photo.
 *
 *   [Recipe]
 *   name=Web                  for messages; default: the file's name
 *   quality=85                1..100, or instead:
 *   max-size=500K             a target file size (K, M: 1024-based; no
 *                             suffix: bytes); the quality is searched for
 *   long-edge=2048            or width=, height=, megapixels= (one of them)
 *   sharpen=standard          off|low|standard|high
 *   color-space=srgb          srgb|display-p3|adobe-rgb
 *   metadata=no-gps           all|no-gps|none
 *   chroma=4:2:0              4:4:4|4:2:2|4:2:0
 *   progressive=false
 *   optimize=false
 *   template={name}-web       file names (ottica-output-template.h)
 *   subfolder=web             inside the output folder
 *
 * Missing keys take the values of the defaults passed in (the command
 * line's), so a recipe says only what is its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include "ottica-export-options.h"

G_BEGIN_DECLS

typedef struct
{
  char                *name;
  OtticaExportOptions  export_options;
  char                *name_template;  /* NULL: the batch's */
  char                *subfolder;      /* NULL: none */
  guint64              target_bytes;   /* 0: export_options.quality */
} OtticaExportRecipe;

OtticaExportRecipe *ottica_export_recipe_new  (void);
OtticaExportRecipe *ottica_export_recipe_copy (const OtticaExportRecipe *recipe);
void                ottica_export_recipe_free (OtticaExportRecipe       *recipe);

/* Reads @path over @defaults (NULL: ottica_export_options_init()). Unknown
 * keys, bad values, two sizes, quality with max-size, a subfolder that is
 * absolute, hidden or has "..": OTTICA_ERROR_INVALID naming the file and
 * the key. */
OtticaExportRecipe *ottica_export_recipe_load (const char                *path,
                                               const OtticaExportOptions *defaults,
                                               GError                   **error);

/* "500K", "2M", "2.5M", "300000": bytes (K and M are 1024-based, case
 * ignored, an optional trailing "B"); FALSE for anything else or 0. */
gboolean            ottica_parse_byte_size    (const char *text,
                                               guint64    *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaExportRecipe, ottica_export_recipe_free)

G_END_DECLS
