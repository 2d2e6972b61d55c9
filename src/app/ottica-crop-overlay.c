/* ottica-crop-overlay.c: the crop tool's handles over the photo.
 *
 * The crop is kept as fractions of the frame, as the edit keeps it; a
 * drag works in the frame's pixels so that a locked shape stays the same
 * whatever the photo's proportions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <math.h>

#include "ottica-crop-overlay.h"

/* How close to a handle a press must be, in screen pixels. */
#define HANDLE_REACH 16.0
#define HANDLE_SIZE  10.0
/* The smallest crop, in screen pixels, so handles stay apart. */
#define MIN_CROP_PIXELS 24.0

struct _OtticaCropOverlay
{
  GtkWidget        parent_instance;

  int              frame_width;
  int              frame_height;
  double           x, y, width, height;    /* fractions of the frame */
  double           ratio;

  OtticaCropHandle handle;                 /* the one being dragged */
  double           start_x, start_y, start_width, start_height;
};

G_DEFINE_FINAL_TYPE (OtticaCropOverlay, ottica_crop_overlay, GTK_TYPE_WIDGET)

enum { CROP_CHANGED, DRAG_BEGIN, DRAG_END, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Where the frame is drawn in the widget. */
static graphene_rect_t
frame_rect (OtticaCropOverlay *self)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double scale;

  if (self->frame_width <= 0 || self->frame_height <= 0 || width <= 0 || height <= 0)
    return GRAPHENE_RECT_INIT (0, 0, 0, 0);
  scale = MIN (width / self->frame_width, height / self->frame_height);
  return GRAPHENE_RECT_INIT ((width - self->frame_width * scale) / 2,
                             (height - self->frame_height * scale) / 2,
                             self->frame_width * scale, self->frame_height * scale);
}

static graphene_rect_t
crop_rect (OtticaCropOverlay *self)
{
  graphene_rect_t frame = frame_rect (self);

  return GRAPHENE_RECT_INIT (frame.origin.x + self->x * frame.size.width,
                             frame.origin.y + self->y * frame.size.height,
                             self->width * frame.size.width,
                             self->height * frame.size.height);
}

void
ottica_crop_overlay_get_handle_position (OtticaCropOverlay *self,
                                         OtticaCropHandle   handle,
                                         double            *x,
                                         double            *y)
{
  graphene_rect_t r;
  double left, right, top, bottom, cx, cy;

  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));

  r = crop_rect (self);
  left = r.origin.x, top = r.origin.y;
  right = left + r.size.width, bottom = top + r.size.height;
  cx = left + r.size.width / 2, cy = top + r.size.height / 2;
  switch (handle)
    {
    case OTTICA_CROP_HANDLE_TOP_LEFT:     *x = left, *y = top; break;
    case OTTICA_CROP_HANDLE_TOP:          *x = cx, *y = top; break;
    case OTTICA_CROP_HANDLE_TOP_RIGHT:    *x = right, *y = top; break;
    case OTTICA_CROP_HANDLE_RIGHT:        *x = right, *y = cy; break;
    case OTTICA_CROP_HANDLE_BOTTOM_RIGHT: *x = right, *y = bottom; break;
    case OTTICA_CROP_HANDLE_BOTTOM:       *x = cx, *y = bottom; break;
    case OTTICA_CROP_HANDLE_BOTTOM_LEFT:  *x = left, *y = bottom; break;
    case OTTICA_CROP_HANDLE_LEFT:         *x = left, *y = cy; break;
    case OTTICA_CROP_HANDLE_MOVE:
    case OTTICA_CROP_HANDLE_NONE:
    default:                              *x = cx, *y = cy; break;
    }
}

static OtticaCropHandle
pick_handle (OtticaCropOverlay *self, double x, double y)
{
  OtticaCropHandle best = OTTICA_CROP_HANDLE_NONE;
  double best_distance = HANDLE_REACH;
  graphene_rect_t r = crop_rect (self);

  for (OtticaCropHandle h = OTTICA_CROP_HANDLE_TOP_LEFT; h <= OTTICA_CROP_HANDLE_LEFT; h++)
    {
      double hx, hy, d;

      ottica_crop_overlay_get_handle_position (self, h, &hx, &hy);
      d = hypot (x - hx, y - hy);
      if (d < best_distance)
        best = h, best_distance = d;
    }
  if (best == OTTICA_CROP_HANDLE_NONE && graphene_rect_contains_point (&r, &GRAPHENE_POINT_INIT (x, y)))
    best = OTTICA_CROP_HANDLE_MOVE;
  return best;
}

static const char *
cursor_for (OtticaCropHandle handle)
{
  switch (handle)
    {
    case OTTICA_CROP_HANDLE_TOP_LEFT:     return "nw-resize";
    case OTTICA_CROP_HANDLE_TOP:          return "n-resize";
    case OTTICA_CROP_HANDLE_TOP_RIGHT:    return "ne-resize";
    case OTTICA_CROP_HANDLE_RIGHT:        return "e-resize";
    case OTTICA_CROP_HANDLE_BOTTOM_RIGHT: return "se-resize";
    case OTTICA_CROP_HANDLE_BOTTOM:       return "s-resize";
    case OTTICA_CROP_HANDLE_BOTTOM_LEFT:  return "sw-resize";
    case OTTICA_CROP_HANDLE_LEFT:         return "w-resize";
    case OTTICA_CROP_HANDLE_MOVE:         return "move";
    case OTTICA_CROP_HANDLE_NONE:
    default:                              return NULL;
    }
}

OtticaCropHandle
ottica_crop_overlay_begin_drag (OtticaCropOverlay *self,
                                double             x,
                                double             y)
{
  g_return_val_if_fail (OTTICA_IS_CROP_OVERLAY (self), OTTICA_CROP_HANDLE_NONE);

  self->handle = pick_handle (self, x, y);
  if (self->handle == OTTICA_CROP_HANDLE_NONE)
    return self->handle;
  self->start_x = self->x;
  self->start_y = self->y;
  self->start_width = self->width;
  self->start_height = self->height;
  g_signal_emit (self, signals[DRAG_BEGIN], 0);
  return self->handle;
}

/* Fits the crop, in frame pixels, inside the frame with the locked shape
 * kept: @anchor_x/@anchor_y (0 left/top, 0.5 centre, 1 right/bottom) say
 * which point of it stays where it is when it must shrink. */
static void
fit_crop (double *x, double *y, double *w, double *h,
          double fw, double fh, double ratio, double min_size,
          double anchor_x, double anchor_y)
{
  double ax = *x + *w * anchor_x, ay = *y + *h * anchor_y;
  double max_w, max_h, f = 1.0;

  *w = MAX (*w, min_size);
  *h = MAX (*h, min_size);
  if (ratio > 0)
    {
      *h = *w / ratio;
      if (*h < min_size)
        *h = min_size, *w = min_size * ratio;
    }
  /* room around the anchor in each direction */
  max_w = MIN (anchor_x > 0 ? ax / anchor_x : G_MAXDOUBLE, anchor_x < 1 ? (fw - ax) / (1 - anchor_x) : G_MAXDOUBLE);
  max_h = MIN (anchor_y > 0 ? ay / anchor_y : G_MAXDOUBLE, anchor_y < 1 ? (fh - ay) / (1 - anchor_y) : G_MAXDOUBLE);
  if (*w > max_w)
    f = MIN (f, max_w / *w);
  if (*h > max_h)
    f = MIN (f, max_h / *h);
  if (ratio > 0)
    *w *= f, *h *= f;
  else
    *w = MIN (*w, max_w), *h = MIN (*h, max_h);
  *x = ax - *w * anchor_x;
  *y = ay - *h * anchor_y;
}

void
ottica_crop_overlay_update_drag (OtticaCropOverlay *self,
                                 double             dx,
                                 double             dy)
{
  graphene_rect_t frame;
  double fw = self->frame_width, fh = self->frame_height;
  double scale, min_size, x, y, w, h, left, top, right, bottom;
  double anchor_x = 0.5, anchor_y = 0.5;

  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));

  frame = frame_rect (self);
  if (self->handle == OTTICA_CROP_HANDLE_NONE || frame.size.width <= 0)
    return;
  /* screen pixels to frame pixels */
  scale = fw / frame.size.width;
  dx *= scale, dy *= scale;
  min_size = MIN (MIN_CROP_PIXELS * scale, MIN (fw, fh));
  left = self->start_x * fw, top = self->start_y * fh;
  right = left + self->start_width * fw, bottom = top + self->start_height * fh;

  switch (self->handle)
    {
    case OTTICA_CROP_HANDLE_MOVE:
      w = right - left, h = bottom - top;
      x = CLAMP (left + dx, 0, fw - w);
      y = CLAMP (top + dy, 0, fh - h);
      break;
    case OTTICA_CROP_HANDLE_TOP_LEFT:     left += dx, top += dy, anchor_x = 1, anchor_y = 1; break;
    case OTTICA_CROP_HANDLE_TOP:          top += dy, anchor_y = 1; break;
    case OTTICA_CROP_HANDLE_TOP_RIGHT:    right += dx, top += dy, anchor_x = 0, anchor_y = 1; break;
    case OTTICA_CROP_HANDLE_RIGHT:        right += dx, anchor_x = 0; break;
    case OTTICA_CROP_HANDLE_BOTTOM_RIGHT: right += dx, bottom += dy, anchor_x = 0, anchor_y = 0; break;
    case OTTICA_CROP_HANDLE_BOTTOM:       bottom += dy, anchor_y = 0; break;
    case OTTICA_CROP_HANDLE_BOTTOM_LEFT:  left += dx, bottom += dy, anchor_x = 1, anchor_y = 0; break;
    case OTTICA_CROP_HANDLE_LEFT:         left += dx, anchor_x = 1; break;
    case OTTICA_CROP_HANDLE_NONE:
    default:
      return;
    }

  if (self->handle != OTTICA_CROP_HANDLE_MOVE)
    {
      gboolean vertical_edge = self->handle == OTTICA_CROP_HANDLE_TOP || self->handle == OTTICA_CROP_HANDLE_BOTTOM;

      /* the dragged side stays inside the frame */
      left = MAX (left, 0), top = MAX (top, 0);
      right = MIN (right, fw), bottom = MIN (bottom, fh);
      w = right - left, h = bottom - top;
      x = left, y = top;
      /* the unmoved corner, or edge, is the anchor */
      x = anchor_x == 1 ? right - w : x;
      y = anchor_y == 1 ? bottom - h : y;
      if (self->ratio > 0 && vertical_edge)
        {
          /* the height leads: the width follows, about the same centre */
          double width = MAX (h, min_size) * self->ratio;

          x = left + w / 2 - width / 2;
          w = width;
          anchor_x = 0.5;
        }
      fit_crop (&x, &y, &w, &h, fw, fh, self->ratio, min_size, anchor_x, anchor_y);
    }

  self->x = CLAMP (x / fw, 0, 1);
  self->y = CLAMP (y / fh, 0, 1);
  self->width = CLAMP (w / fw, 0, 1 - self->x);
  self->height = CLAMP (h / fh, 0, 1 - self->y);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CROP_CHANGED], 0);
}

void
ottica_crop_overlay_end_drag (OtticaCropOverlay *self)
{
  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));

  if (self->handle == OTTICA_CROP_HANDLE_NONE)
    return;
  self->handle = OTTICA_CROP_HANDLE_NONE;
  g_signal_emit (self, signals[DRAG_END], 0);
}

/* The gestures */

static void
drag_begin (GtkGestureDrag *gesture, double x, double y, OtticaCropOverlay *self)
{
  if (ottica_crop_overlay_begin_drag (self, x, y) == OTTICA_CROP_HANDLE_NONE)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
  else
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
drag_update (GtkGestureDrag *gesture, double dx, double dy, OtticaCropOverlay *self)
{
  ottica_crop_overlay_update_drag (self, dx, dy);
}

static void
drag_end (GtkGestureDrag *gesture, double dx, double dy, OtticaCropOverlay *self)
{
  ottica_crop_overlay_update_drag (self, dx, dy);
  ottica_crop_overlay_end_drag (self);
}

static void
pointer_moved (GtkEventControllerMotion *motion, double x, double y, OtticaCropOverlay *self)
{
  OtticaCropHandle handle = self->handle != OTTICA_CROP_HANDLE_NONE ? self->handle : pick_handle (self, x, y);

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), cursor_for (handle));
}

/* Drawing */

static void
ottica_crop_overlay_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  OtticaCropOverlay *self = OTTICA_CROP_OVERLAY (widget);
  graphene_rect_t frame = frame_rect (self);
  graphene_rect_t r = crop_rect (self);
  GdkRGBA shade = { 0, 0, 0, 0.55 };
  GdkRGBA line = { 1, 1, 1, 0.9 };
  GdkRGBA guide = { 1, 1, 1, 0.35 };
  float right = r.origin.x + r.size.width, bottom = r.origin.y + r.size.height;
  float frame_right = frame.origin.x + frame.size.width;
  float frame_bottom = frame.origin.y + frame.size.height;

  if (frame.size.width <= 0)
    return;
  /* what the crop leaves out, darkened */
  gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (frame.origin.x, frame.origin.y, frame.size.width, r.origin.y - frame.origin.y));
  gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (frame.origin.x, bottom, frame.size.width, frame_bottom - bottom));
  gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (frame.origin.x, r.origin.y, r.origin.x - frame.origin.x, r.size.height));
  gtk_snapshot_append_color (snapshot, &shade, &GRAPHENE_RECT_INIT (right, r.origin.y, frame_right - right, r.size.height));

  /* the rule of thirds, then the border */
  for (int i = 1; i < 3; i++)
    {
      gtk_snapshot_append_color (snapshot, &guide, &GRAPHENE_RECT_INIT (r.origin.x + r.size.width * i / 3, r.origin.y, 1, r.size.height));
      gtk_snapshot_append_color (snapshot, &guide, &GRAPHENE_RECT_INIT (r.origin.x, r.origin.y + r.size.height * i / 3, r.size.width, 1));
    }
  {
    GskRoundedRect border;
    const float widths[4] = { 1, 1, 1, 1 };
    const GdkRGBA colors[4] = { line, line, line, line };

    gsk_rounded_rect_init_from_rect (&border, &r, 0);
    gtk_snapshot_append_border (snapshot, &border, widths, colors);
  }
  for (OtticaCropHandle h = OTTICA_CROP_HANDLE_TOP_LEFT; h <= OTTICA_CROP_HANDLE_LEFT; h++)
    {
      double hx, hy;

      ottica_crop_overlay_get_handle_position (self, h, &hx, &hy);
      gtk_snapshot_append_color (snapshot, &line,
                                 &GRAPHENE_RECT_INIT (hx - HANDLE_SIZE / 2, hy - HANDLE_SIZE / 2, HANDLE_SIZE, HANDLE_SIZE));
    }
}

static void
ottica_crop_overlay_class_init (OtticaCropOverlayClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = ottica_crop_overlay_snapshot;

  signals[CROP_CHANGED] = g_signal_new ("crop-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DRAG_BEGIN] = g_signal_new ("drag-begin", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[DRAG_END] = g_signal_new ("drag-end", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_css_name (widget_class, "ottica-crop-overlay");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ottica_crop_overlay_init (OtticaCropOverlay *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->width = self->height = 1;
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (motion, "motion", G_CALLBACK (pointer_moved), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Crop: drag the corners, the edges or the inside"), -1);
}

GtkWidget *
ottica_crop_overlay_new (void)
{
  return g_object_new (OTTICA_TYPE_CROP_OVERLAY, NULL);
}

void
ottica_crop_overlay_set_frame_size (OtticaCropOverlay *self,
                                    int                width,
                                    int                height)
{
  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));
  self->frame_width = width;
  self->frame_height = height;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ottica_crop_overlay_set_crop (OtticaCropOverlay *self,
                              double             x,
                              double             y,
                              double             width,
                              double             height)
{
  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));
  self->x = x, self->y = y, self->width = width, self->height = height;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ottica_crop_overlay_get_crop (OtticaCropOverlay *self,
                              double            *x,
                              double            *y,
                              double            *width,
                              double            *height)
{
  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));
  *x = self->x, *y = self->y, *width = self->width, *height = self->height;
}

void
ottica_crop_overlay_set_ratio (OtticaCropOverlay *self,
                               double             ratio)
{
  g_return_if_fail (OTTICA_IS_CROP_OVERLAY (self));
  self->ratio = ratio > 0 ? ratio : 0;
}
