/* ottica-crop-overlay.h: the crop rectangle drawn over the photo, with
 * handles to drag its corners and edges, or the whole of it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  OTTICA_CROP_HANDLE_NONE,
  OTTICA_CROP_HANDLE_MOVE,
  OTTICA_CROP_HANDLE_TOP_LEFT,
  OTTICA_CROP_HANDLE_TOP,
  OTTICA_CROP_HANDLE_TOP_RIGHT,
  OTTICA_CROP_HANDLE_RIGHT,
  OTTICA_CROP_HANDLE_BOTTOM_RIGHT,
  OTTICA_CROP_HANDLE_BOTTOM,
  OTTICA_CROP_HANDLE_BOTTOM_LEFT,
  OTTICA_CROP_HANDLE_LEFT,
} OtticaCropHandle;

#define OTTICA_TYPE_CROP_OVERLAY (ottica_crop_overlay_get_type ())
G_DECLARE_FINAL_TYPE (OtticaCropOverlay, ottica_crop_overlay, OTTICA, CROP_OVERLAY, GtkWidget)

GtkWidget *ottica_crop_overlay_new          (void);

/* The uncropped frame's size in pixels (its shape: the photo is drawn
 * fitted into the widget, centred, as GtkPicture's "contain" does). */
void       ottica_crop_overlay_set_frame_size (OtticaCropOverlay *self,
                                               int                width,
                                               int                height);
/* The crop as fractions 0..1 of the frame. */
void       ottica_crop_overlay_set_crop     (OtticaCropOverlay *self,
                                             double             x,
                                             double             y,
                                             double             width,
                                             double             height);
void       ottica_crop_overlay_get_crop     (OtticaCropOverlay *self,
                                             double            *x,
                                             double            *y,
                                             double            *width,
                                             double            *height);
/* Width / height in pixels that drags keep; 0 leaves the shape free. */
void       ottica_crop_overlay_set_ratio    (OtticaCropOverlay *self,
                                             double             ratio);

/* Where @handle is, in widget coordinates. */
void       ottica_crop_overlay_get_handle_position (OtticaCropOverlay *self,
                                                    OtticaCropHandle   handle,
                                                    double            *x,
                                                    double            *y);

/* A drag, as the drag gesture makes one: begin at a point (which picks
 * the handle under it, or MOVE inside the crop), move by an offset from
 * that point, end. Returns the handle picked. "drag-begin",
 * "crop-changed" and "drag-end" are emitted. */
OtticaCropHandle ottica_crop_overlay_begin_drag  (OtticaCropOverlay *self,
                                                  double             x,
                                                  double             y);
void       ottica_crop_overlay_update_drag  (OtticaCropOverlay *self,
                                             double             dx,
                                             double             dy);
void       ottica_crop_overlay_end_drag     (OtticaCropOverlay *self);

G_END_DECLS
