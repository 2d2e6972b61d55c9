/* ottica-strip-renderer.h: a GEGL node rendered in bands of rows, top to
 * bottom, with what its area filters read around each band rendered once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

typedef struct _OtticaStripRenderer OtticaStripRenderer;

OtticaStripRenderer *ottica_strip_renderer_new      (GeglNode            *node,
                                                     int                  band_rows);
void                 ottica_strip_renderer_blit     (OtticaStripRenderer *self,
                                                     const GeglRectangle *rect,
                                                     const Babl          *format,
                                                     gpointer             destination);
void                 ottica_strip_renderer_blit_buffer (OtticaStripRenderer *self,
                                                        const GeglRectangle *rect,
                                                        GeglBuffer          *buffer);
guint                ottica_strip_renderer_get_n_windows (OtticaStripRenderer *self);
void                 ottica_strip_renderer_set_lookahead (OtticaStripRenderer *self,
                                                          gboolean             lookahead);
gboolean             ottica_strip_renderer_get_lookahead (OtticaStripRenderer *self);
int                  ottica_strip_renderer_context_rows  (GeglNode            *node,
                                                          const GeglRectangle *band);
void                 ottica_strip_renderer_free     (OtticaStripRenderer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaStripRenderer, ottica_strip_renderer_free)

G_END_DECLS
