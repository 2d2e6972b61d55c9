/* ottica-split-paintable.h: before and after side by side at one zoom,
 * split by a movable wipe line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OTTICA_TYPE_SPLIT_PAINTABLE (ottica_split_paintable_get_type ())
G_DECLARE_FINAL_TYPE (OtticaSplitPaintable, ottica_split_paintable, OTTICA, SPLIT_PAINTABLE, GObject)

OtticaSplitPaintable *ottica_split_paintable_new          (void);

/* @before is drawn left of the line, @after right of it; both the same size. */
void                  ottica_split_paintable_set_textures (OtticaSplitPaintable *self,
                                                           GdkTexture           *before,
                                                           GdkTexture           *after);
/* 0..1 of the width. */
void                  ottica_split_paintable_set_position (OtticaSplitPaintable *self,
                                                           double                position);
double                ottica_split_paintable_get_position (OtticaSplitPaintable *self);

G_END_DECLS
