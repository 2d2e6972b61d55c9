/* ottica-preview-renderer.h: what the editor shows of one photo, rendered
 * off the main thread; the window and the latency benchmark share it.
 *
 * Opening a photo decodes a proxy that fits the view (libjpeg-turbo's DCT
 * scaling, libraw's half size), renders it with the photo's saved edit and
 * emits "opened"; the full-resolution photo loads in the background when a
 * 100 % view first asks for it. A camera RAW with a large enough embedded JPEG opens
 * with that first (the camera's rendering, in a few ms); its own half-size
 * decode follows ("source-changed", then "rendered"). Each edit change
 * renders a small draft first when the proxy is slow to render (so a
 * slider moves the picture at once), then the proxy, in strips, abandoning
 * it when a newer edit arrives; while a slider is being dragged, the proxy
 * waits for the changes to pause. At zooms
 * above the proxy's scale, the visible region is rendered from the full
 * resolution ("region-rendered").
 *
 * Every signal is emitted in the main context of the thread that made the
 * renderer; textures are "R'G'B' u8" in the display's space.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>
#include <gegl.h>

#include "ottica-edit.h"
#include "ottica-histogram.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_PREVIEW_RENDERER (ottica_preview_renderer_get_type ())
G_DECLARE_FINAL_TYPE (OtticaPreviewRenderer, ottica_preview_renderer, OTTICA, PREVIEW_RENDERER, GObject)

OtticaPreviewRenderer *ottica_preview_renderer_new (void);

/* Makes babl find the conversions the preview needs and GEGL set up the
 * operations, so the first photo opened does not pay for it (about 0.5 s).
 * Blocks: call it from a worker thread after ottica_engine_init(). */
void        ottica_preview_renderer_warm_up          (void);
/* The same in a thread of its own; its new babl conversions are a change
 * (ottica-babl-guard.h), which loads and renders wait for. */
void        ottica_preview_renderer_start_warm_up    (void);

/* The longer side of the proxy the next photo opens with (default 1600),
 * and the ICC profile file of the display (NULL or "": sRGB). */
void        ottica_preview_renderer_set_proxy_size   (OtticaPreviewRenderer *self,
                                                      guint                  size);
void        ottica_preview_renderer_set_display_profile (OtticaPreviewRenderer *self,
                                                      const char            *path);

/* Starts opening @path, cancelling any open in progress; "opened" or
 * "open-failed" (GError *) follows. The photo shown until then stays. */
void        ottica_preview_renderer_open             (OtticaPreviewRenderer *self,
                                                      const char            *path);

/* About the open photo (after "opened"). */
const char *ottica_preview_renderer_get_path         (OtticaPreviewRenderer *self);
/* The edit the photo opened with (its sidecar's, or a neutral one). */
const OtticaEdit *ottica_preview_renderer_get_saved_edit (OtticaPreviewRenderer *self);
void        ottica_preview_renderer_get_full_size    (OtticaPreviewRenderer *self,
                                                      int                   *width,
                                                      int                   *height);
/* Proxy pixels per full-resolution pixel. */
double      ottica_preview_renderer_get_proxy_scale  (OtticaPreviewRenderer *self);
/* A small copy of the photo for the look thumbnails, its scale, and the
 * RAW baseline the thumbnails need. */
GeglBuffer *ottica_preview_renderer_get_thumb_source (OtticaPreviewRenderer *self,
                                                      double                *scale,
                                                      gboolean              *raw_baseline,
                                                      double                *baseline_exposure);
/* Something the photo opened despite (a broken sidecar), or NULL. */
const char *ottica_preview_renderer_get_warning      (OtticaPreviewRenderer *self);

/* Renders @edit (copied). Changes closer together than a render are
 * coalesced: only the newest is rendered. "rendered" follows, once for a
 * draft and once for the proxy. */
void        ottica_preview_renderer_set_edit         (OtticaPreviewRenderer *self,
                                                      const OtticaEdit      *edit);

/* The last render of the edit, the photo with only the edit's geometry
 * ("before"), and the histogram of the render. */
GdkTexture *ottica_preview_renderer_get_texture      (OtticaPreviewRenderer *self);
GdkTexture *ottica_preview_renderer_get_original     (OtticaPreviewRenderer *self);
const OtticaHistogramData *ottica_preview_renderer_get_histogram (OtticaPreviewRenderer *self);
/* The edit the texture shows (NULL before "opened"). */
const OtticaEdit *ottica_preview_renderer_get_texture_edit (OtticaPreviewRenderer *self);
/* TRUE when the texture is a draft and the proxy render is still to come. */
gboolean    ottica_preview_renderer_is_draft         (OtticaPreviewRenderer *self);
/* TRUE while opening (a RAW's own decode included) or rendering the edit. */
gboolean    ottica_preview_renderer_is_busy          (OtticaPreviewRenderer *self);
/* TRUE once the full-resolution photo is loaded (after the first
 * ottica_preview_renderer_set_region() above the proxy's scale). */
gboolean    ottica_preview_renderer_has_full_resolution (OtticaPreviewRenderer *self);

/* The part of the photo to render sharp from the full resolution: @zoom
 * screen pixels per full-resolution pixel, @visible in the coordinates of
 * the output at that zoom. @zoom <= the proxy's scale (or @visible NULL)
 * stops it. "region-rendered" follows, and again after each edit. */
void        ottica_preview_renderer_set_region       (OtticaPreviewRenderer *self,
                                                      double                 zoom,
                                                      const GeglRectangle   *visible);
/* The sharp region for the current edit and zoom, or NULL; @area gets
 * where it lies, in the zoomed output's coordinates. */
GdkTexture *ottica_preview_renderer_get_region       (OtticaPreviewRenderer *self,
                                                      GeglRectangle         *area);

/* Signals: "opened", "open-failed" (GError *), "rendered",
 * "region-rendered", "source-changed" (the proxy and the thumbnail source
 * were replaced by better ones). */

G_END_DECLS
