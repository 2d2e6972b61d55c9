/* ottica-window.c: the editor window.
 *
 * Threads: loading and rendering run in OtticaPreviewRenderer's workers,
 * sidecar writes in a GTask; the UI thread only changes the edit and shows
 * finished textures, so it never waits on GEGL. The renderer coalesces
 * changes (only the newest edit is rendered), shows a draft first when the
 * proxy is slow, and renders the visible region sharp at high zoom, which
 * the window lays over the proxy (region_picture).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <math.h>

#include "ottica-adjust-panel.h"
#include "ottica-crop-overlay.h"
#include "ottica-error.h"
#include "ottica-export-dialog.h"
#include "ottica-histogram.h"
#include "ottica-image.h"
#include "ottica-library-view.h"
#include "ottica-looks-panel.h"
#include "ottica-preview-renderer.h"
#include "ottica-preset-store.h"
#include "ottica-settings.h"
#include "ottica-sidecar.h"
#include "ottica-split-paintable.h"
#include "ottica-window.h"

/* Longest side of the preview proxy per preview-quality setting: every
 * slider change renders all of it, so "balanced" fits a 1600 × 1000 view
 * and "best" a 4K screen's. */
#define PREVIEW_SIZE_FAST     1024
#define PREVIEW_SIZE_BALANCED 1600
#define PREVIEW_SIZE_BEST     2560
#define MAX_RECENT 8
/* The sidecar is written this long after the last change. */
#define SAVE_DELAY_MS 1000
/* Changes to one slider closer together than this are one undo step (a
 * drag). */
#define UNDO_GROUP_USEC (800 * G_TIME_SPAN_MILLISECOND)
#define MAX_UNDO 200
#define ZOOM_MIN 0.02
#define ZOOM_MAX 8.0
#define ZOOM_STEP 1.25

struct _OtticaWindow
{
  AdwApplicationWindow  parent_instance;

  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;       /* "library" and "editor" */
  OtticaLibraryView    *library_view;
  GtkStack             *stack;
  GtkScrolledWindow    *scroller;
  GtkPicture           *picture;
  GtkSpinner           *spinner;
  OtticaAdjustPanel    *adjust_panel;
  OtticaHistogram      *histogram;
  OtticaLooksPanel     *looks_panel;
  GMenu                *recent_section;

  GtkPicture           *region_picture;
  OtticaCropOverlay    *crop_overlay;

  OtticaPreviewRenderer *renderer;

  /* the open photo */
  char                 *path;
  OtticaEdit           *edit;             /* what the person sees */
  OtticaEdit           *saved_edit;       /* what the sidecar holds */

  /* crop mode: the whole frame is shown, with the crop as handles */
  gboolean              crop_mode;
  OtticaEdit           *crop_start_edit;  /* for Escape */
  guint                 crop_start_undo;
  char                 *crop_aspect;      /* the shape crop drags keep: "free",
                                             "original" or a preset's "a:b" */

  gboolean              show_original;
  gboolean              compare_split;
  OtticaSplitPaintable *split;
  gboolean              dragging_split;

  /* the view: 0 fits the photo; otherwise screen pixels per pixel of the
   * full-resolution photo (1 is 100 %) */
  double                zoom;
  int                   full_width;       /* the upright photo */
  int                   full_height;
  int                   output_width;     /* what is shown (turned, cropped), */
  int                   output_height;    /* in full-resolution pixels */
  double                zoom_anchor_x;    /* the view point kept still */
  double                zoom_anchor_y;
  double                zoom_anchor_ratio;
  double                drag_start_x;
  double                drag_start_y;
  double                pinch_start_zoom;
  double                pointer_x;        /* in the view, or -1 */
  double                pointer_y;

  guint                 save_source;
  gboolean              save_in_flight;

  OtticaExportDialog   *export_dialog;    /* weak */
  GFile                *export_folder;    /* NULL: beside the photo */

  GPtrArray            *undo_stack;       /* OtticaEdit*, oldest first */
  GPtrArray            *redo_stack;
  const OtticaEditParam *undo_group_param;
  gint64                undo_group_time;
};

G_DEFINE_FINAL_TYPE (OtticaWindow, ottica_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_SHOW_ORIGINAL, PROP_COMPARE_SPLIT, PROP_CROP_MODE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void ottica_window_request_render (OtticaWindow *self);
static void update_region (OtticaWindow *self);
static void set_zoom (OtticaWindow *self, double zoom, double x, double y);
static void leave_crop_mode (OtticaWindow *self, gboolean apply);
static void update_actions (OtticaWindow *self);
static void schedule_save (OtticaWindow *self);
static void begin_change (OtticaWindow *self, const OtticaEditParam *param);
static void edit_changed (OtticaWindow *self, gboolean update_panel);


/* Rendering */

static void
show_current_texture (OtticaWindow *self)
{
  GdkTexture *texture = ottica_preview_renderer_get_texture (self->renderer);
  GdkTexture *original = ottica_preview_renderer_get_original (self->renderer);

  if (texture == NULL)
    return;
  /* the split view: the original left of the line, the edit right */
  if (self->compare_split && !self->show_original && original != NULL)
    {
      ottica_split_paintable_set_textures (self->split, original, texture);
      if (gtk_picture_get_paintable (self->picture) != GDK_PAINTABLE (self->split))
        gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->split));
    }
  else
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->show_original && original != NULL ? original : texture));
  update_region (self);
}

static void
renderer_rendered (OtticaWindow *self)
{
  GdkTexture *texture = ottica_preview_renderer_get_texture (self->renderer);

  if (!ottica_preview_renderer_is_draft (self->renderer))
    {
      double scale = ottica_preview_renderer_get_proxy_scale (self->renderer);

      /* the size of what is shown, in full-resolution pixels */
      self->output_width = (int) round (gdk_texture_get_width (texture) / scale);
      self->output_height = (int) round (gdk_texture_get_height (texture) / scale);
      if (self->zoom > 0)
        set_zoom (self, self->zoom, -1, -1);
    }
  ottica_histogram_set_data (self->histogram, ottica_preview_renderer_get_histogram (self->renderer));
  show_current_texture (self);
  if (!ottica_preview_renderer_is_busy (self->renderer))
    gtk_spinner_stop (self->spinner);
}

static void
ottica_window_request_render (OtticaWindow *self)
{
  g_autoptr(OtticaEdit) frame = NULL;

  if (self->edit == NULL)
    return;
  gtk_spinner_start (self->spinner);
  if (!self->crop_mode)
    {
      ottica_preview_renderer_set_edit (self->renderer, self->edit);
      return;
    }
  /* in crop mode the whole frame is rendered (turned, flipped and
   * straightened, not cropped), and the crop is drawn over it */
  frame = ottica_edit_copy (self->edit);
  frame->crop_x = frame->crop_y = 0;
  frame->crop_width = frame->crop_height = 1;
  ottica_preview_renderer_set_edit (self->renderer, frame);
}

/* Zoom and pan */

/* The zoom at which the photo fits the view now. */
static double
fit_zoom (OtticaWindow *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->scroller));
  int height = gtk_widget_get_height (GTK_WIDGET (self->scroller));

  if (self->output_width <= 0 || width <= 0 || height <= 0)
    return 1.0;
  return MIN (1.0 * width / self->output_width, 1.0 * height / self->output_height);
}

static double
current_zoom (OtticaWindow *self)
{
  return self->zoom > 0 ? self->zoom : fit_zoom (self);
}

static gboolean
apply_anchor (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  OtticaWindow *self = OTTICA_WINDOW (user_data);
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (self->scroller);
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (self->scroller);

  gtk_adjustment_set_value (h, (gtk_adjustment_get_value (h) + self->zoom_anchor_x) * self->zoom_anchor_ratio - self->zoom_anchor_x);
  gtk_adjustment_set_value (v, (gtk_adjustment_get_value (v) + self->zoom_anchor_y) * self->zoom_anchor_ratio - self->zoom_anchor_y);
  update_region (self);
  return G_SOURCE_REMOVE;
}

/* Sets the zoom (0: fit), keeping the view point @x, @y (view
 * coordinates; < 0: the centre) over the same place of the photo. */
static void
set_zoom (OtticaWindow *self, double zoom, double x, double y)
{
  double before = current_zoom (self);

  if (zoom > 0)
    zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  self->zoom = zoom;
  if (zoom <= 0 || self->output_width <= 0)
    {
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), -1, -1);
      update_region (self);
      return;
    }
  gtk_widget_set_size_request (GTK_WIDGET (self->picture),
                               (int) round (self->output_width * zoom),
                               (int) round (self->output_height * zoom));
  self->zoom_anchor_x = x >= 0 ? x : gtk_widget_get_width (GTK_WIDGET (self->scroller)) / 2.0;
  self->zoom_anchor_y = y >= 0 ? y : gtk_widget_get_height (GTK_WIDGET (self->scroller)) / 2.0;
  self->zoom_anchor_ratio = zoom / before;
  /* the scrollbars' ranges change at the next layout */
  gtk_widget_add_tick_callback (GTK_WIDGET (self->scroller), apply_anchor, self, NULL);
}

static void
zoom_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-fit"))
    set_zoom (self, 0, -1, -1);
  else if (g_str_equal (action_name, "win.zoom-100"))
    set_zoom (self, 1.0, -1, -1);
  else if (g_str_equal (action_name, "win.zoom-in"))
    set_zoom (self, current_zoom (self) * ZOOM_STEP, -1, -1);
  else
    set_zoom (self, current_zoom (self) / ZOOM_STEP, -1, -1);
}

/* The wheel zooms about the pointer, which the motion controller tracks
 * (scroll events carry no position in the view's coordinates). */
static void
pointer_moved (GtkEventControllerMotion *controller, double x, double y, OtticaWindow *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
pointer_left (GtkEventControllerMotion *controller, OtticaWindow *self)
{
  self->pointer_x = self->pointer_y = -1;
}

static gboolean
view_scrolled (GtkEventControllerScroll *controller, double dx, double dy, OtticaWindow *self)
{
  if (dy == 0 || self->output_width <= 0)
    return FALSE;
  set_zoom (self, current_zoom (self) * pow (ZOOM_STEP, -dy), self->pointer_x, self->pointer_y);
  return TRUE;
}

/* The fraction of the shown photo's width at @x (picture coordinates);
 * the picture fits the photo into itself, centred. */
static double
picture_x_to_fraction (OtticaWindow *self, double x)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (self->picture);
  double width = gtk_widget_get_width (GTK_WIDGET (self->picture));
  double height = gtk_widget_get_height (GTK_WIDGET (self->picture));
  double iw, ih, scale;

  if (paintable == NULL || width <= 0 || height <= 0)
    return 0.5;
  iw = gdk_paintable_get_intrinsic_width (paintable);
  ih = gdk_paintable_get_intrinsic_height (paintable);
  if (iw <= 0 || ih <= 0)
    return 0.5;
  scale = MIN (width / iw, height / ih);
  return (x - (width - iw * scale) / 2) / (iw * scale);
}

static void
drag_begin (GtkGestureDrag *gesture, double x, double y, OtticaWindow *self)
{
  self->dragging_split = self->compare_split && !self->show_original;
  if (self->dragging_split)
    {
      ottica_split_paintable_set_position (self->split, picture_x_to_fraction (self, x));
      return;
    }
  self->drag_start_x = gtk_adjustment_get_value (gtk_scrolled_window_get_hadjustment (self->scroller));
  self->drag_start_y = gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (self->scroller));
}

static void
drag_update (GtkGestureDrag *gesture, double dx, double dy, OtticaWindow *self)
{
  if (self->dragging_split)
    {
      double x, y;

      gtk_gesture_drag_get_start_point (gesture, &x, &y);
      ottica_split_paintable_set_position (self->split, picture_x_to_fraction (self, x + dx));
      return;
    }
  gtk_adjustment_set_value (gtk_scrolled_window_get_hadjustment (self->scroller), self->drag_start_x - dx);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), self->drag_start_y - dy);
}

static void
pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, OtticaWindow *self)
{
  self->pinch_start_zoom = current_zoom (self);
}

static void
pinch_changed (GtkGestureZoom *gesture, double scale, OtticaWindow *self)
{
  double x, y;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    x = y = -1;
  set_zoom (self, self->pinch_start_zoom * scale, x, y);
}

static void
setup_view_controllers (OtticaWindow *self)
{
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *pinch = gtk_gesture_zoom_new ();
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->pointer_x = self->pointer_y = -1;
  g_signal_connect (motion, "motion", G_CALLBACK (pointer_moved), self);
  g_signal_connect (motion, "leave", G_CALLBACK (pointer_left), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), motion);

  /* the wheel zooms, as in image viewers; dragging pans */
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (view_scrolled), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), scroll);

  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self->picture), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (pinch, "begin", G_CALLBACK (pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (pinch_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), GTK_EVENT_CONTROLLER (pinch));
}

/* The sharp region at high zoom: the visible part of the photo, rendered
 * from the full resolution, laid over the (upscaled) proxy. */
static void
update_region (OtticaWindow *self)
{
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (self->scroller);
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (self->scroller);
  double zoom = self->zoom;
  int shown_width = (int) round (self->output_width * zoom);
  int shown_height = (int) round (self->output_height * zoom);
  int offset_x, offset_y;
  GeglRectangle visible, area, whole = { 0, 0, shown_width, shown_height };
  GdkTexture *region;

  if (self->renderer == NULL)
    return;
  if (zoom <= 0 || self->crop_mode || self->show_original || self->compare_split || self->output_width <= 0)
    {
      ottica_preview_renderer_set_region (self->renderer, 0, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->region_picture), FALSE);
      return;
    }
  /* the picture centres the photo where it is smaller than the view */
  offset_x = MAX (0, (gtk_widget_get_width (GTK_WIDGET (self->picture)) - shown_width) / 2);
  offset_y = MAX (0, (gtk_widget_get_height (GTK_WIDGET (self->picture)) - shown_height) / 2);
  visible.x = (int) floor (gtk_adjustment_get_value (h)) - offset_x;
  visible.y = (int) floor (gtk_adjustment_get_value (v)) - offset_y;
  visible.width = (int) ceil (gtk_adjustment_get_page_size (h)) + 1;
  visible.height = (int) ceil (gtk_adjustment_get_page_size (v)) + 1;
  gegl_rectangle_intersect (&visible, &visible, &whole);
  ottica_preview_renderer_set_region (self->renderer, zoom, &visible);

  region = ottica_preview_renderer_get_region (self->renderer, &area);
  if (region == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->region_picture), FALSE);
      return;
    }
  gtk_picture_set_paintable (self->region_picture, GDK_PAINTABLE (region));
  gtk_widget_set_margin_start (GTK_WIDGET (self->region_picture), area.x + offset_x);
  gtk_widget_set_margin_top (GTK_WIDGET (self->region_picture), area.y + offset_y);
  gtk_widget_set_size_request (GTK_WIDGET (self->region_picture), area.width, area.height);
  gtk_widget_set_visible (GTK_WIDGET (self->region_picture), TRUE);
}

/* Crop mode */

/* The uncropped frame's size in pixels, turned as the edit turns it. */
static void
frame_size (OtticaWindow *self, double *width, double *height)
{
  gboolean turned = self->edit != NULL && (self->edit->rotation == 90 || self->edit->rotation == 270);

  *width = turned ? self->full_height : self->full_width;
  *height = turned ? self->full_width : self->full_height;
}

/* Width / height in pixels that crop drags keep (0: any). A preset's long
 * side lies as the crop's does. */
static double
crop_lock_ratio (OtticaWindow *self)
{
  double width, height, a, b;

  frame_size (self, &width, &height);
  if (self->edit == NULL || self->crop_aspect == NULL || width <= 0 || height <= 0)
    return 0;
  if (g_str_equal (self->crop_aspect, "original"))
    return width / height;
  if (sscanf (self->crop_aspect, "%lf:%lf", &a, &b) != 2 || a <= 0 || b <= 0)
    return 0;
  return (self->edit->crop_width * width >= self->edit->crop_height * height) == (a >= b) ? a / b : b / a;
}

static void
set_crop_aspect (OtticaWindow *self, const char *aspect)
{
  g_free (self->crop_aspect);
  self->crop_aspect = g_strdup (aspect);
  ottica_adjust_panel_set_crop_aspect (self->adjust_panel, aspect);
  ottica_crop_overlay_set_ratio (self->crop_overlay, crop_lock_ratio (self));
}

/* The shape lock an edit comes with (opened, undone, pasted): its crop's
 * own shape when that is the photo's or a preset's, else none. */
static void
derive_crop_aspect (OtticaWindow *self)
{
  static const char *const presets[] = { "1:1", "5:4", "4:3", "3:2", "16:9" };
  double width, height, crop_w, crop_h, shape;
  const char *aspect = "free";

  frame_size (self, &width, &height);
  if (self->edit == NULL || width <= 0 || height <= 0)
    return;
  crop_w = self->edit->crop_width * width;
  crop_h = self->edit->crop_height * height;
  shape = MAX (crop_w, crop_h) / MAX (1.0, MIN (crop_w, crop_h));
  if (!ottica_edit_has_crop (self->edit) || fabs (crop_w / MAX (crop_h, 1.0) - width / height) < 0.01 * width / height)
    aspect = "original";
  else
    for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
      {
        double a, b;

        if (sscanf (presets[i], "%lf:%lf", &a, &b) == 2 && fabs (shape - MAX (a, b) / MIN (a, b)) < 0.01)
          aspect = presets[i];
      }
  set_crop_aspect (self, aspect);
}

static void
enter_crop_mode (OtticaWindow *self)
{
  int width = self->full_width, height = self->full_height;

  if (self->crop_mode || self->edit == NULL)
    return;
  self->crop_mode = TRUE;
  g_clear_pointer (&self->crop_start_edit, ottica_edit_free);
  self->crop_start_edit = ottica_edit_copy (self->edit);
  self->crop_start_undo = self->undo_stack->len;
  if (self->edit->rotation == 90 || self->edit->rotation == 270)
    width = self->full_height, height = self->full_width;
  ottica_crop_overlay_set_frame_size (self->crop_overlay, width, height);
  ottica_crop_overlay_set_crop (self->crop_overlay, self->edit->crop_x, self->edit->crop_y,
                                self->edit->crop_width, self->edit->crop_height);
  ottica_crop_overlay_set_ratio (self->crop_overlay, crop_lock_ratio (self));
  gtk_widget_set_visible (GTK_WIDGET (self->crop_overlay), TRUE);
  set_zoom (self, 0, -1, -1);
  ottica_window_request_render (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CROP_MODE]);
}

/* @apply FALSE puts the crop back as it was on entering (Escape), and
 * forgets the undo steps taken since. */
static void
leave_crop_mode (OtticaWindow *self, gboolean apply)
{
  if (!self->crop_mode)
    return;
  self->crop_mode = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->crop_overlay), FALSE);
  if (!apply && self->crop_start_edit != NULL && self->edit != NULL)
    {
      self->edit->crop_x = self->crop_start_edit->crop_x;
      self->edit->crop_y = self->crop_start_edit->crop_y;
      self->edit->crop_width = self->crop_start_edit->crop_width;
      self->edit->crop_height = self->crop_start_edit->crop_height;
      if (self->undo_stack->len > self->crop_start_undo)
        g_ptr_array_set_size (self->undo_stack, self->crop_start_undo);
      schedule_save (self);
      update_actions (self);
    }
  g_clear_pointer (&self->crop_start_edit, ottica_edit_free);
  ottica_window_request_render (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CROP_MODE]);
}

static void
crop_drag_begin (OtticaWindow *self)
{
  /* one undo step per drag */
  begin_change (self, NULL);
}

static void
crop_changed (OtticaWindow *self)
{
  if (self->edit == NULL)
    return;
  ottica_crop_overlay_get_crop (self->crop_overlay, &self->edit->crop_x, &self->edit->crop_y,
                                &self->edit->crop_width, &self->edit->crop_height);
  /* nothing to render: crop mode shows the whole frame */
  schedule_save (self);
  update_actions (self);
}

static void
crop_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  leave_crop_mode (self, g_str_equal (action_name, "win.crop-apply"));
}

static gboolean
key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
             GdkModifierType state, OtticaWindow *self)
{
  if (!self->crop_mode)
    return FALSE;
  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter)
    {
      leave_crop_mode (self, TRUE);
      return TRUE;
    }
  if (keyval == GDK_KEY_Escape)
    {
      leave_crop_mode (self, FALSE);
      return TRUE;
    }
  return FALSE;
}

/* Messages */

static void
ottica_window_show_toast (OtticaWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Saving the sidecar */

typedef struct
{
  char       *path;
  OtticaEdit *edit;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_free (job->path);
  ottica_edit_free (job->edit);
  g_free (job);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;
  GError *error = NULL;

  if (ottica_sidecar_save (job->path, job->edit, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void save_now (OtticaWindow *self);

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OtticaWindow *self = OTTICA_WINDOW (source);
  SaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->save_in_flight = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      ottica_window_show_toast (self, error->message);
      return;
    }
  if (g_strcmp0 (job->path, self->path) == 0)
    {
      ottica_edit_free (self->saved_edit);
      self->saved_edit = ottica_edit_copy (job->edit);
      /* changed again while writing */
      if (!ottica_edit_equal (self->edit, self->saved_edit) && self->save_source == 0)
        save_now (self);
    }
}

static gboolean
ottica_window_is_dirty (OtticaWindow *self)
{
  return self->path != NULL && self->edit != NULL &&
         (self->saved_edit == NULL || !ottica_edit_equal (self->edit, self->saved_edit));
}

static void
save_now (OtticaWindow *self)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  if (!ottica_window_is_dirty (self) || self->save_in_flight)
    return;

  job = g_new0 (SaveJob, 1);
  job->path = g_strdup (self->path);
  job->edit = ottica_edit_copy (self->edit);
  self->save_in_flight = TRUE;
  /* not the window's cancellable: a save that started should finish */
  task = g_task_new (self, NULL, save_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

static gboolean
save_timeout (gpointer user_data)
{
  OtticaWindow *self = user_data;

  self->save_source = 0;
  save_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (OtticaWindow *self)
{
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_timeout, self);
}

/* Waits for nothing: writes the edit now, in this thread (closing the
 * window or switching photos must not lose it). */
static void
save_sync (OtticaWindow *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (!ottica_window_is_dirty (self))
    return;
  if (!ottica_sidecar_save (self->path, self->edit, NULL, &error))
    ottica_window_show_toast (self, error->message);
  else
    {
      ottica_edit_free (self->saved_edit);
      self->saved_edit = ottica_edit_copy (self->edit);
    }
}

/* Edit changes and undo */

static gboolean
editor_shown (OtticaWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "editor") == 0;
}

static void
update_actions (OtticaWindow *self)
{
  /* The library has its own actions on the same keys (Ctrl+O, Ctrl+Z,
   * Ctrl+V, Ctrl+E): while it is shown, the editor's stand aside. */
  gboolean editor = editor_shown (self);
  gboolean open = self->edit != NULL && editor;
  static const char * const editor_only[] = {
    "win.open", "win.zoom-fit", "win.zoom-100", "win.zoom-in", "win.zoom-out",
    "win.show-original", "win.compare-split",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (editor_only); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), editor_only[i], editor);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-library", editor);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", open && self->undo_stack->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo", open && self->redo_stack->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-edit", open && !ottica_edit_is_neutral (self->edit));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-edit", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-preset", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.paste-edit", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rotate-left", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rotate-right", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.flip-horizontal", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.flip-vertical", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.crop-aspect", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.crop-mode", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.crop-apply", open && self->crop_mode);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.crop-cancel", open && self->crop_mode);
}

/* Records the edit as it is before a change; @param groups a drag of one
 * slider into one step (NULL: a change of its own). */
static void
begin_change (OtticaWindow *self, const OtticaEditParam *param)
{
  gint64 now = g_get_monotonic_time ();

  if (param == NULL || param != self->undo_group_param ||
      now - self->undo_group_time > UNDO_GROUP_USEC)
    {
      g_ptr_array_add (self->undo_stack, ottica_edit_copy (self->edit));
      if (self->undo_stack->len > MAX_UNDO)
        g_ptr_array_remove_index (self->undo_stack, 0);
      g_ptr_array_set_size (self->redo_stack, 0);
    }
  self->undo_group_param = param;
  self->undo_group_time = now;
}

static void
sync_crop_overlay (OtticaWindow *self)
{
  gboolean turned = self->edit->rotation == 90 || self->edit->rotation == 270;

  ottica_crop_overlay_set_frame_size (self->crop_overlay,
                                      turned ? self->full_height : self->full_width,
                                      turned ? self->full_width : self->full_height);
  ottica_crop_overlay_set_crop (self->crop_overlay, self->edit->crop_x, self->edit->crop_y,
                                self->edit->crop_width, self->edit->crop_height);
  ottica_crop_overlay_set_ratio (self->crop_overlay, crop_lock_ratio (self));
}

static void
edit_changed (OtticaWindow *self, gboolean update_panel)
{
  if (self->crop_mode)
    sync_crop_overlay (self);
  if (update_panel)
    ottica_adjust_panel_set_edit (self->adjust_panel, self->edit);
  /* the look's thumbnails follow the adjustments */
  ottica_looks_panel_set_edit (self->looks_panel, self->edit);
  ottica_window_request_render (self);
  schedule_save (self);
  update_actions (self);
}

static void
param_changed (OtticaWindow *self,
               const char   *key,
               double        value)
{
  const OtticaEditParam *param = ottica_edit_param_lookup (key);

  if (self->edit == NULL || param == NULL || ottica_edit_get (self->edit, param) == value)
    return;
  begin_change (self, param);
  ottica_edit_set (self->edit, param, value);
  edit_changed (self, FALSE);
}

/* Replaces the whole edit as one undo step. */
static void
replace_edit (OtticaWindow *self, OtticaEdit *edit)
{
  if (ottica_edit_equal (self->edit, edit))
    {
      ottica_edit_free (edit);
      return;
    }
  begin_change (self, NULL);
  ottica_edit_free (self->edit);
  self->edit = edit;
  edit_changed (self, TRUE);
}

static void
look_chosen (OtticaWindow *self,
             const char   *id)
{
  OtticaEdit *edit;

  if (self->edit == NULL)
    return;
  edit = ottica_edit_copy (self->edit);
  ottica_edit_set_look (edit, id);
  replace_edit (self, edit);
}

static void
step_history (OtticaWindow *self, GPtrArray *from, GPtrArray *to)
{
  if (self->edit == NULL || from->len == 0)
    return;
  g_ptr_array_add (to, self->edit);
  self->edit = g_ptr_array_steal_index (from, from->len - 1);
  self->undo_group_param = NULL;
  derive_crop_aspect (self);
  edit_changed (self, TRUE);
}

/* Crop and rotate */

static void
geometry_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);
  OtticaEdit *edit;
  double x, y, w, h;

  if (self->edit == NULL)
    return;
  edit = ottica_edit_copy (self->edit);
  x = edit->crop_x, y = edit->crop_y, w = edit->crop_width, h = edit->crop_height;
  if (g_str_equal (action_name, "win.rotate-right") || g_str_equal (action_name, "win.rotate-left"))
    {
      gboolean right = g_str_equal (action_name, "win.rotate-right");
      gboolean flip = edit->flip_horizontal;

      /* turns apply before flips, and a quarter turn after a flip is the
       * other flip after the turn: swap them */
      edit->rotation = (edit->rotation + (right ? 90 : 270)) % 360;
      edit->flip_horizontal = edit->flip_vertical;
      edit->flip_vertical = flip;
      /* the crop turns with the photo */
      if (right)
        edit->crop_x = 1 - (y + h), edit->crop_y = x;
      else
        edit->crop_x = y, edit->crop_y = 1 - (x + w);
      edit->crop_width = h;
      edit->crop_height = w;
    }
  else if (g_str_equal (action_name, "win.flip-horizontal"))
    {
      edit->flip_horizontal = !edit->flip_horizontal;
      edit->crop_x = 1 - (x + w);
    }
  else
    {
      edit->flip_vertical = !edit->flip_vertical;
      edit->crop_y = 1 - (y + h);
    }
  replace_edit (self, edit);
}

/* "free" unlocks the crop's shape; "original" (or "none") and a preset
 * "a:b" crop to the largest centred rectangle of that shape and keep it
 * while the crop's handles are dragged. */
static void
crop_aspect_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);
  const char *aspect = g_variant_get_string (parameter, NULL);
  OtticaEdit *edit;
  double a, b, width, height, ratio;

  if (self->edit == NULL || self->full_width <= 0)
    return;
  if (g_str_equal (aspect, "free"))
    {
      set_crop_aspect (self, aspect);
      return;
    }
  edit = ottica_edit_copy (self->edit);
  edit->crop_x = edit->crop_y = 0;
  edit->crop_width = edit->crop_height = 1;
  if (sscanf (aspect, "%lf:%lf", &a, &b) == 2 && a > 0 && b > 0)
    {
      frame_size (self, &width, &height);
      /* the preset's long side follows the photo's */
      ratio = (width >= height) == (a >= b) ? a / b : b / a;
      if (width / height > ratio)
        {
          edit->crop_width = ratio * height / width;
          edit->crop_x = (1 - edit->crop_width) / 2;
        }
      else
        {
          edit->crop_height = width / ratio / height;
          edit->crop_y = (1 - edit->crop_height) / 2;
        }
    }
  else
    aspect = "original";
  replace_edit (self, edit);
  set_crop_aspect (self, aspect);
}

static void
undo_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  step_history (self, self->undo_stack, self->redo_stack);
}

static void
redo_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  step_history (self, self->redo_stack, self->undo_stack);
}

static void
reset_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  if (self->edit != NULL)
    {
      replace_edit (self, ottica_edit_new ());
      derive_crop_aspect (self);
    }
}

static void
copy_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);
  g_autofree char *data = NULL;

  if (self->edit == NULL)
    return;
  /* as a preset: the look and adjustments, not this photo's crop */
  data = ottica_edit_to_data (self->edit, TRUE, NULL);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), data);
  ottica_window_show_toast (self, _("Edit copied"));
}

static void
paste_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(OtticaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_autoptr(OtticaEdit) preset = NULL;
  OtticaEdit *edit;

  if (self->edit == NULL)
    return;
  if (text != NULL)
    preset = ottica_edit_from_data (text, strlen (text), _("Clipboard"), NULL);
  if (preset == NULL)
    {
      ottica_window_show_toast (self, _("The clipboard holds no Ottica edit to paste."));
      return;
    }
  edit = ottica_edit_copy (self->edit);
  ottica_edit_apply_preset (edit, preset);
  replace_edit (self, edit);
  derive_crop_aspect (self);
}

static void
paste_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 paste_done, g_object_ref (widget));
}

/* Presets */

static void save_preset_named (OtticaWindow *self, const char *name, gboolean overwrite);

static void
replace_response (AdwMessageDialog *dialog, const char *response, OtticaWindow *self)
{
  if (g_str_equal (response, "replace"))
    save_preset_named (self, g_object_get_data (G_OBJECT (dialog), "ottica-name"), TRUE);
}

static void
save_preset_named (OtticaWindow *self, const char *name, gboolean overwrite)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (self->edit == NULL)
    return;
  if (!ottica_preset_store_save (name, self->edit, overwrite, &error))
    {
      if (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS))
        {
          g_autofree char *heading = g_strdup_printf (_("Replace the preset “%s”?"), name);
          AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
            adw_message_dialog_new (GTK_WINDOW (self), heading,
                                    _("A preset with this name exists. Replacing it changes it for every photo it is applied to from now on.")));

          adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "replace", _("_Replace"), NULL);
          adw_message_dialog_set_response_appearance (dialog, "replace", ADW_RESPONSE_DESTRUCTIVE);
          adw_message_dialog_set_default_response (dialog, "cancel");
          g_object_set_data_full (G_OBJECT (dialog), "ottica-name", g_strdup (name), g_free);
          g_signal_connect_object (dialog, "response", G_CALLBACK (replace_response), self, 0);
          gtk_window_present (GTK_WINDOW (dialog));
          return;
        }
      ottica_window_show_toast (self, error->message);
      return;
    }
  message = g_strdup_printf (_("Saved the preset “%s”."), name);
  ottica_window_show_toast (self, message);
}

static void
preset_name_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "save", name[0] != '\0');
}

static void
preset_name_activated (GtkEntry *entry, AdwMessageDialog *dialog)
{
  if (adw_message_dialog_get_response_enabled (dialog, "save"))
    adw_message_dialog_response (dialog, "save");
}

static void
preset_response (AdwMessageDialog *dialog, const char *response, OtticaWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_str_equal (response, "save") && name[0] != '\0')
    save_preset_named (self, name, FALSE);
}

static void
save_preset_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  if (self->edit == NULL)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Save Edit as Preset"),
                                                       _("The look and the adjustments are saved, not the crop or rotation, so the preset suits any photo.")));
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Preset name"));
  gtk_entry_set_max_length (GTK_ENTRY (entry), OTTICA_PRESET_NAME_MAX);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Preset name"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "save", FALSE);
  g_signal_connect (entry, "changed", G_CALLBACK (preset_name_changed), dialog);
  g_signal_connect (entry, "activate", G_CALLBACK (preset_name_activated), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (preset_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* Recent photos */

static int
compare_recent (GtkRecentInfo *a, GtkRecentInfo *b)
{
  GDateTime *ta = gtk_recent_info_get_modified (a);
  GDateTime *tb = gtk_recent_info_get_modified (b);

  return g_date_time_compare (tb, ta);
}

static void
update_recent_menu (OtticaWindow *self)
{
  GtkRecentManager *manager = gtk_recent_manager_get_default ();
  GList *items = gtk_recent_manager_get_items (manager);
  guint n = 0;

  g_menu_remove_all (self->recent_section);
  /* newest first; only photos Ottica opens that are still there */
  items = g_list_sort (items, (GCompareFunc) compare_recent);
  for (GList *l = items; l != NULL && n < MAX_RECENT; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      const char *uri = gtk_recent_info_get_uri (info);
      g_autoptr(GFile) file = g_file_new_for_uri (uri);
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GMenuItem) item = NULL;

      if (path == NULL || !ottica_image_is_supported_name (path) ||
          !gtk_recent_info_has_application (info, g_get_application_name ()) ||
          !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (uri));
      g_menu_append_item (self->recent_section, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
remember_recent (OtticaWindow *self, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GSettings) settings = ottica_settings_get ();

  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  if (settings != NULL)
    g_settings_set_string (settings, "recent-folder", folder);
}

static void
open_recent_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  ottica_window_open_file (OTTICA_WINDOW (widget), file);
}

static gboolean
file_dropped (GtkDropTarget *target, const GValue *value, double x, double y, OtticaWindow *self)
{
  GSList *files = g_value_get_boxed (value);

  if (files == NULL)
    return FALSE;
  /* one photo per window: the first one */
  ottica_window_open_file (self, files->data);
  return TRUE;
}

/* The library: the same window shows a folder's photos or one photo */

static void
photo_activated (OtticaWindow *self,
                 GFile        *file)
{
  ottica_window_open_file (self, file);
}

static void
page_changed (OtticaWindow *self)
{
  update_actions (self);
}

static void
show_library_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  leave_crop_mode (self, TRUE);
  if (self->path != NULL)
    {
      g_autoptr(GFile) photo = g_file_new_for_path (self->path);

      /* the library shows this photo's edit as it is now */
      save_sync (self);
      if (ottica_library_view_get_folder (self->library_view) == NULL)
        {
          g_autoptr(GFile) folder = g_file_get_parent (photo);

          ottica_library_view_set_folder (self->library_view, folder, FALSE);
        }
      else
        ottica_library_view_refresh_file (self->library_view, photo);
    }
  gtk_stack_set_visible_child_name (self->main_stack, "library");
}

void
ottica_window_show_folder (OtticaWindow *self,
                           GFile        *folder)
{
  g_return_if_fail (OTTICA_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (folder));

  ottica_library_view_set_folder (self->library_view, folder, FALSE);
  gtk_stack_set_visible_child_name (self->main_stack, "library");
}

/* Exporting */

static void
export_finished (OtticaExportDialog *dialog,
                 const char         *output,
                 const GError       *error,
                 OtticaWindow       *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *title = NULL;
  g_autofree char *uri = NULL;
  AdwToast *toast;

  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ottica_window_show_toast (self, error->message);
      return;
    }

  g_set_object (&self->export_folder, ottica_export_dialog_get_folder (dialog));
  file = g_file_new_for_path (output);
  folder = g_file_get_parent (file);
  basename = g_file_get_basename (file);
  uri = g_file_get_uri (folder);
  title = g_strdup_printf (_("Exported “%s”"), basename);
  toast = adw_toast_new (title);
  adw_toast_set_timeout (toast, 8);
  adw_toast_set_button_label (toast, _("Open Folder"));
  adw_toast_set_detailed_action_name (toast, "win.open-folder");
  adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
export_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);

  if (self->path == NULL)
    return;
  if (self->export_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->export_dialog));
      return;
    }
  /* the export reads the sidecar: it must hold what is on screen */
  save_sync (self);
  self->export_dialog = ottica_export_dialog_new (GTK_WINDOW (self), self->path);
  g_object_add_weak_pointer (G_OBJECT (self->export_dialog), (gpointer *) &self->export_dialog);
  ottica_export_dialog_set_folder (self->export_dialog, self->export_folder);
  g_signal_connect_object (self->export_dialog, "finished", G_CALLBACK (export_finished), self, 0);
  gtk_window_present (GTK_WINDOW (self->export_dialog));
}

static void
open_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_show_uri (GTK_WINDOW (widget), g_variant_get_string (parameter, NULL), GDK_CURRENT_TIME);
}

/* Loading */

static void
renderer_open_failed (OtticaWindow *self, const GError *error)
{
  if (!ottica_preview_renderer_is_busy (self->renderer))
    gtk_spinner_stop (self->spinner);
  ottica_window_show_toast (self, error->message);
}

/* The RAW's own decode replaced its embedded preview. */
static void
renderer_source_changed (OtticaWindow *self)
{
  double thumb_scale = 1.0, baseline_exposure = 0.0;
  gboolean raw_baseline = FALSE;
  GeglBuffer *thumbs = ottica_preview_renderer_get_thumb_source (self->renderer, &thumb_scale,
                                                                 &raw_baseline, &baseline_exposure);

  ottica_looks_panel_set_source (self->looks_panel, thumbs, thumb_scale,
                                 raw_baseline, baseline_exposure, self->edit);
}

static void
renderer_opened (OtticaWindow *self)
{
  OtticaPreviewRenderer *renderer = self->renderer;
  const char *path = ottica_preview_renderer_get_path (renderer);
  GdkTexture *texture = ottica_preview_renderer_get_texture (renderer);
  double scale = ottica_preview_renderer_get_proxy_scale (renderer);

  /* the previous photo's edit is kept before it goes */
  save_sync (self);
  leave_crop_mode (self, FALSE);

  g_free (self->path);
  self->path = g_strdup (path);
  g_clear_pointer (&self->edit, ottica_edit_free);
  g_clear_pointer (&self->saved_edit, ottica_edit_free);
  self->edit = ottica_edit_copy (ottica_preview_renderer_get_saved_edit (renderer));
  self->saved_edit = ottica_edit_copy (self->edit);
  g_ptr_array_set_size (self->undo_stack, 0);
  g_ptr_array_set_size (self->redo_stack, 0);
  self->undo_group_param = NULL;
  ottica_preview_renderer_get_full_size (renderer, &self->full_width, &self->full_height);
  self->output_width = (int) round (gdk_texture_get_width (texture) / scale);
  self->output_height = (int) round (gdk_texture_get_height (texture) / scale);
  set_zoom (self, 0, -1, -1);

  {
    g_autofree char *basename = g_path_get_basename (path);
    g_autofree char *dirname = g_path_get_dirname (path);

    adw_window_title_set_title (self->window_title, basename);
    adw_window_title_set_subtitle (self->window_title, dirname);
  }

  ottica_adjust_panel_set_edit (self->adjust_panel, self->edit);
  derive_crop_aspect (self);
  ottica_looks_panel_set_edit (self->looks_panel, self->edit);
  {
    double thumb_scale = 1.0, baseline_exposure = 0.0;
    gboolean raw_baseline = FALSE;
    GeglBuffer *thumbs = ottica_preview_renderer_get_thumb_source (renderer, &thumb_scale,
                                                                   &raw_baseline, &baseline_exposure);

    ottica_looks_panel_set_source (self->looks_panel, thumbs, thumb_scale,
                                   raw_baseline, baseline_exposure, self->edit);
  }
  ottica_histogram_set_data (self->histogram, ottica_preview_renderer_get_histogram (renderer));
  if (!ottica_preview_renderer_is_busy (renderer))
    gtk_spinner_stop (self->spinner);
  show_current_texture (self);
  gtk_stack_set_visible_child_name (self->stack, "photo");
  update_actions (self);
  if (ottica_preview_renderer_get_warning (renderer) != NULL)
    ottica_window_show_toast (self, ottica_preview_renderer_get_warning (renderer));
  remember_recent (self, path);
}

void
ottica_window_open_file (OtticaWindow *self,
                         GFile        *file)
{
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GSettings) settings = NULL;
  guint proxy_size = PREVIEW_SIZE_BALANCED;

  g_return_if_fail (OTTICA_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  display = g_file_get_parse_name (file);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a local file; Ottica opens files on this computer."), display);

      ottica_window_show_toast (self, message);
      return;
    }

  settings = ottica_settings_get ();
  if (settings != NULL)
    {
      g_autofree char *quality = g_settings_get_string (settings, "preview-quality");
      g_autofree char *profile = g_settings_get_string (settings, "display-profile");

      if (g_str_equal (quality, "fast"))
        proxy_size = PREVIEW_SIZE_FAST;
      else if (g_str_equal (quality, "best"))
        proxy_size = PREVIEW_SIZE_BEST;
      ottica_preview_renderer_set_display_profile (self->renderer, profile);
    }
  ottica_preview_renderer_set_proxy_size (self->renderer, proxy_size);
  gtk_stack_set_visible_child_name (self->main_stack, "editor");
  gtk_spinner_start (self->spinner);
  ottica_preview_renderer_open (self->renderer, path);
}

static void
open_response (GtkNativeDialog *dialog,
               int              response,
               gpointer         user_data)
{
  OtticaWindow *self = OTTICA_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        ottica_window_open_file (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OtticaWindow *self = OTTICA_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/tiff");
  gtk_file_filter_add_mime_type (filter, "image/x-dcraw");
  for (const char *const *ext = (const char *const[]) { "*.cr2", "*.cr3", "*.crw", "*.nef", "*.nrw", "*.arw", "*.raf", "*.dng", "*.orf", "*.rw2", "*.pef", "*.kdc", "*.srw", "*.raw", NULL }; *ext; ext++)
    {
      g_autofree char *upper = g_ascii_strup (*ext, -1);

      gtk_file_filter_add_pattern (filter, *ext);
      gtk_file_filter_add_pattern (filter, upper);
    }

  dialog = gtk_file_chooser_native_new (_("Open Photo"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  {
    g_autoptr(GSettings) settings = ottica_settings_get ();
    g_autofree char *folder = settings != NULL ? g_settings_get_string (settings, "recent-folder") : NULL;

    if (folder != NULL && folder[0] != '\0' && g_file_test (folder, G_FILE_TEST_IS_DIR))
      {
        g_autoptr(GFile) start = g_file_new_for_path (folder);

        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), start, NULL);
      }
  }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* The window */

static gboolean
ottica_window_close_request (GtkWindow *window)
{
  save_sync (OTTICA_WINDOW (window));
  return GTK_WINDOW_CLASS (ottica_window_parent_class)->close_request (window);
}

static void
ottica_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OtticaWindow *self = OTTICA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_ORIGINAL:
      g_value_set_boolean (value, self->show_original);
      break;
    case PROP_COMPARE_SPLIT:
      g_value_set_boolean (value, self->compare_split);
      break;
    case PROP_CROP_MODE:
      g_value_set_boolean (value, self->crop_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ottica_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OtticaWindow *self = OTTICA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_ORIGINAL:
      if (self->show_original != g_value_get_boolean (value))
        {
          self->show_original = g_value_get_boolean (value);
          show_current_texture (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_COMPARE_SPLIT:
      if (self->compare_split != g_value_get_boolean (value))
        {
          self->compare_split = g_value_get_boolean (value);
          show_current_texture (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_CROP_MODE:
      if (g_value_get_boolean (value))
        enter_crop_mode (self);
      else
        leave_crop_mode (self, TRUE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ottica_window_dispose (GObject *object)
{
  OtticaWindow *self = OTTICA_WINDOW (object);

  save_sync (self);
  if (self->renderer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->renderer, self);
      g_clear_object (&self->renderer);
    }
  if (self->export_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->export_dialog));
  gtk_widget_dispose_template (GTK_WIDGET (self), OTTICA_TYPE_WINDOW);

  G_OBJECT_CLASS (ottica_window_parent_class)->dispose (object);
}

static void
ottica_window_finalize (GObject *object)
{
  OtticaWindow *self = OTTICA_WINDOW (object);

  g_clear_object (&self->export_folder);
  g_clear_object (&self->split);
  g_free (self->path);
  g_clear_pointer (&self->edit, ottica_edit_free);
  g_clear_pointer (&self->saved_edit, ottica_edit_free);
  g_clear_pointer (&self->crop_start_edit, ottica_edit_free);
  g_free (self->crop_aspect);
  g_ptr_array_unref (self->undo_stack);
  g_ptr_array_unref (self->redo_stack);

  G_OBJECT_CLASS (ottica_window_parent_class)->finalize (object);
}

static void
ottica_window_class_init (OtticaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ottica_window_dispose;
  object_class->finalize = ottica_window_finalize;
  object_class->get_property = ottica_window_get_property;
  object_class->set_property = ottica_window_set_property;
  window_class->close_request = ottica_window_close_request;

  properties[PROP_SHOW_ORIGINAL] =
    g_param_spec_boolean ("show-original", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARE_SPLIT] =
    g_param_spec_boolean ("compare-split", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CROP_MODE] =
    g_param_spec_boolean ("crop-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OTTICA_TYPE_ADJUST_PANEL);
  g_type_ensure (OTTICA_TYPE_CROP_OVERLAY);
  g_type_ensure (OTTICA_TYPE_HISTOGRAM);
  g_type_ensure (OTTICA_TYPE_LOOKS_PANEL);
  g_type_ensure (OTTICA_TYPE_LIBRARY_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/ottica/Ottica/ottica-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, library_view);
  gtk_widget_class_bind_template_callback (widget_class, photo_activated);
  gtk_widget_class_bind_template_callback (widget_class, page_changed);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, picture);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, region_picture);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, crop_overlay);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, adjust_panel);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, histogram);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, looks_panel);
  gtk_widget_class_bind_template_child (widget_class, OtticaWindow, recent_section);
  gtk_widget_class_bind_template_callback (widget_class, param_changed);
  gtk_widget_class_bind_template_callback (widget_class, look_chosen);
  gtk_widget_class_bind_template_callback (widget_class, crop_drag_begin);
  gtk_widget_class_bind_template_callback (widget_class, crop_changed);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "win.show-library", NULL, show_library_activated);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_activated);
  gtk_widget_class_install_action (widget_class, "win.reset-edit", NULL, reset_activated);
  gtk_widget_class_install_action (widget_class, "win.copy-edit", NULL, copy_activated);
  gtk_widget_class_install_action (widget_class, "win.save-preset", NULL, save_preset_activated);
  gtk_widget_class_install_action (widget_class, "win.paste-edit", NULL, paste_activated);
  gtk_widget_class_install_property_action (widget_class, "win.show-original", "show-original");
  gtk_widget_class_install_property_action (widget_class, "win.compare-split", "compare-split");
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_activated);
  gtk_widget_class_install_action (widget_class, "win.rotate-left", NULL, geometry_activated);
  gtk_widget_class_install_action (widget_class, "win.rotate-right", NULL, geometry_activated);
  gtk_widget_class_install_action (widget_class, "win.flip-horizontal", NULL, geometry_activated);
  gtk_widget_class_install_action (widget_class, "win.flip-vertical", NULL, geometry_activated);
  gtk_widget_class_install_action (widget_class, "win.crop-aspect", "s", crop_aspect_activated);
  gtk_widget_class_install_property_action (widget_class, "win.crop-mode", "crop-mode");
  gtk_widget_class_install_action (widget_class, "win.crop-apply", NULL, crop_activated);
  gtk_widget_class_install_action (widget_class, "win.crop-cancel", NULL, crop_activated);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_activated);
  gtk_widget_class_install_action (widget_class, "win.open-folder", "s", open_folder_activated);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_activated);
  gtk_widget_class_install_action (widget_class, "win.zoom-100", NULL, zoom_activated);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_activated);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_activated);
}

static void
ottica_window_init (OtticaWindow *self)
{
  self->split = ottica_split_paintable_new ();
  self->undo_stack = g_ptr_array_new_with_free_func ((GDestroyNotify) ottica_edit_free);
  self->redo_stack = g_ptr_array_new_with_free_func ((GDestroyNotify) ottica_edit_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  setup_view_controllers (self);
  update_actions (self);

  self->renderer = ottica_preview_renderer_new ();
  g_signal_connect_swapped (self->renderer, "opened", G_CALLBACK (renderer_opened), self);
  g_signal_connect_swapped (self->renderer, "open-failed", G_CALLBACK (renderer_open_failed), self);
  g_signal_connect_swapped (self->renderer, "rendered", G_CALLBACK (renderer_rendered), self);
  g_signal_connect_swapped (self->renderer, "region-rendered", G_CALLBACK (update_region), self);
  g_signal_connect_swapped (self->renderer, "source-changed", G_CALLBACK (renderer_source_changed), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_hadjustment (self->scroller), "value-changed",
                            G_CALLBACK (update_region), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                            G_CALLBACK (update_region), self);
  /* a resized view shows more, or less, of the photo */
  g_signal_connect_swapped (gtk_scrolled_window_get_hadjustment (self->scroller), "changed",
                            G_CALLBACK (update_region), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (self->scroller), "changed",
                            G_CALLBACK (update_region), self);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    /* Enter and Escape end crop mode, wherever the focus is */
    gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self), keys);
  }

  {
    GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

    g_signal_connect (drop, "drop", G_CALLBACK (file_dropped), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }
  update_recent_menu (self);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (update_recent_menu), self, G_CONNECT_SWAPPED);
}

OtticaWindow *
ottica_window_new (OtticaApplication *application)
{
  return g_object_new (OTTICA_TYPE_WINDOW, "application", application, NULL);
}

const OtticaEdit *
ottica_window_get_edit (OtticaWindow *self)
{
  g_return_val_if_fail (OTTICA_IS_WINDOW (self), NULL);
  return self->edit;
}

GtkAdjustment *
ottica_window_get_adjustment (OtticaWindow *self,
                              const char   *key)
{
  g_return_val_if_fail (OTTICA_IS_WINDOW (self), NULL);
  return ottica_adjust_panel_get_adjustment (self->adjust_panel, key);
}

gboolean
ottica_window_is_busy (OtticaWindow *self)
{
  g_return_val_if_fail (OTTICA_IS_WINDOW (self), FALSE);
  return ottica_preview_renderer_is_busy (self->renderer);
}

OtticaLooksPanel *
ottica_window_get_looks_panel (OtticaWindow *self)
{
  g_return_val_if_fail (OTTICA_IS_WINDOW (self), NULL);
  return self->looks_panel;
}

double
ottica_window_get_zoom (OtticaWindow *self)
{
  g_return_val_if_fail (OTTICA_IS_WINDOW (self), 0);
  return self->zoom;
}

OtticaExportDialog *
ottica_window_get_export_dialog (OtticaWindow *self)
{
  g_return_val_if_fail (OTTICA_IS_WINDOW (self), NULL);
  return self->export_dialog;
}
