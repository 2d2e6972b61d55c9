/* ottica-histogram.c: drawn with GtkSnapshot paths over the widget; the
 * counts are made in the render thread, so drawing is cheap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <math.h>

#include "ottica-histogram.h"

/* More than this fraction of pixels at an end lights its indicator. */
#define CLIP_THRESHOLD 0.001

struct _OtticaHistogram
{
  GtkWidget            parent_instance;

  OtticaHistogramData *data;
  double               clipped_shadows;
  double               clipped_highlights;
};

G_DEFINE_FINAL_TYPE (OtticaHistogram, ottica_histogram, GTK_TYPE_WIDGET)

void
ottica_histogram_data_compute (OtticaHistogramData *data,
                               const guint8        *pixels,
                               int                  width,
                               int                  height,
                               gsize                stride,
                               int                  bpp)
{
  memset (data, 0, sizeof *data);
  for (int y = 0; y < height; y++)
    {
      const guint8 *p = pixels + (gsize) y * stride;

      for (int x = 0; x < width; x++, p += bpp)
        {
          /* Rec. 709 weights on the encoded values, as cameras' own
           * histograms do */
          guint luma = (54 * p[0] + 183 * p[1] + 19 * p[2] + 128) >> 8;

          data->bins[0][p[0]]++;
          data->bins[1][p[1]]++;
          data->bins[2][p[2]]++;
          data->bins[3][MIN (luma, 255u)]++;
        }
    }
  data->n_pixels = (guint64) width * height;
}

static void
add_channel (GtkSnapshot *snapshot, const guint32 *bins, double peak,
             float width, float height, const GdkRGBA *color)
{
  /* one bar per bin, scaled by the square root so small counts show */
  float bar = width / OTTICA_HISTOGRAM_BINS;

  for (int i = 0; i < OTTICA_HISTOGRAM_BINS; i++)
    {
      float h = (float) (height * sqrt (MIN (bins[i], peak) / peak));

      if (h > 0.5f)
        gtk_snapshot_append_color (snapshot, color,
                                   &GRAPHENE_RECT_INIT (i * bar, height - h, bar + 0.5f, h));
    }
}

static void
ottica_histogram_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  OtticaHistogram *self = OTTICA_HISTOGRAM (widget);
  float width = gtk_widget_get_width (widget);
  float height = gtk_widget_get_height (widget);
  static const GdkRGBA background = { 0.12f, 0.12f, 0.12f, 1 };
  static const GdkRGBA colors[4] = {
    { 0.95f, 0.25f, 0.25f, 0.55f },
    { 0.25f, 0.85f, 0.30f, 0.55f },
    { 0.30f, 0.45f, 1.00f, 0.55f },
    { 0.90f, 0.90f, 0.90f, 0.45f },
  };
  static const GdkRGBA clip_on = { 1, 0.85f, 0.2f, 1 };
  static const GdkRGBA clip_off = { 0.35f, 0.35f, 0.35f, 1 };
  double peak = 1;

  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->data == NULL)
    return;

  /* scale to the largest bin that is not an end, so a clipped end does
   * not flatten the rest */
  for (int c = 0; c < 4; c++)
    for (int i = 1; i < OTTICA_HISTOGRAM_BINS - 1; i++)
      peak = MAX (peak, self->data->bins[c][i]);
  for (int c = 0; c < 4; c++)
    add_channel (snapshot, self->data->bins[c], peak, width, height, &colors[c]);

  /* the indicators: small squares in the top corners */
  gtk_snapshot_append_color (snapshot, self->clipped_shadows > CLIP_THRESHOLD ? &clip_on : &clip_off,
                             &GRAPHENE_RECT_INIT (3, 3, 8, 8));
  gtk_snapshot_append_color (snapshot, self->clipped_highlights > CLIP_THRESHOLD ? &clip_on : &clip_off,
                             &GRAPHENE_RECT_INIT (width - 11, 3, 8, 8));
}

static void
ottica_histogram_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 128 : 96;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 256 : 110;
}

static void
ottica_histogram_finalize (GObject *object)
{
  g_free (OTTICA_HISTOGRAM (object)->data);
  G_OBJECT_CLASS (ottica_histogram_parent_class)->finalize (object);
}

static void
ottica_histogram_class_init (OtticaHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ottica_histogram_finalize;
  widget_class->snapshot = ottica_histogram_snapshot;
  widget_class->measure = ottica_histogram_measure;
  gtk_widget_class_set_css_name (widget_class, "ottica-histogram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ottica_histogram_init (OtticaHistogram *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Histogram"), -1);
}

GtkWidget *
ottica_histogram_new (void)
{
  return g_object_new (OTTICA_TYPE_HISTOGRAM, NULL);
}

void
ottica_histogram_set_data (OtticaHistogram           *self,
                           const OtticaHistogramData *data)
{
  g_return_if_fail (OTTICA_IS_HISTOGRAM (self));

  g_clear_pointer (&self->data, g_free);
  self->clipped_shadows = self->clipped_highlights = 0;
  if (data != NULL && data->n_pixels > 0)
    {
      guint64 low = 0, high = 0;

      self->data = g_memdup2 (data, sizeof *data);
      /* per channel, the worst one counts */
      for (int c = 0; c < 3; c++)
        {
          low = MAX (low, data->bins[c][0]);
          high = MAX (high, data->bins[c][OTTICA_HISTOGRAM_BINS - 1]);
        }
      self->clipped_shadows = (double) low / data->n_pixels;
      self->clipped_highlights = (double) high / data->n_pixels;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
ottica_histogram_get_clipped_shadows (OtticaHistogram *self)
{
  g_return_val_if_fail (OTTICA_IS_HISTOGRAM (self), 0);
  return self->clipped_shadows;
}

double
ottica_histogram_get_clipped_highlights (OtticaHistogram *self)
{
  g_return_val_if_fail (OTTICA_IS_HISTOGRAM (self), 0);
  return self->clipped_highlights;
}
