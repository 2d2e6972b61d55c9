/* ottica-histogram.h: RGB and luminance histogram of the current render,
 * with clipping indicators.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OTTICA_HISTOGRAM_BINS 256

/* Counts per channel: red, green, blue, luminance. */
typedef struct
{
  guint32 bins[4][OTTICA_HISTOGRAM_BINS];
  guint64 n_pixels;
} OtticaHistogramData;

/* Counts the pixels of an "R'G'B' u8" (@bpp 3) or "R'G'B'A u8" (@bpp 4)
 * frame; safe in any thread. */
void ottica_histogram_data_compute (OtticaHistogramData *data,
                                    const guint8        *pixels,
                                    int                  width,
                                    int                  height,
                                    gsize                stride,
                                    int                  bpp);

#define OTTICA_TYPE_HISTOGRAM (ottica_histogram_get_type ())
G_DECLARE_FINAL_TYPE (OtticaHistogram, ottica_histogram, OTTICA, HISTOGRAM, GtkWidget)

GtkWidget *ottica_histogram_new      (void);
/* NULL clears it. */
void       ottica_histogram_set_data (OtticaHistogram           *self,
                                      const OtticaHistogramData *data);
/* Fractions of pixels with any channel at 0 or 255 (for tests, and the
 * indicators): 0 when there is no data. */
double     ottica_histogram_get_clipped_shadows    (OtticaHistogram *self);
double     ottica_histogram_get_clipped_highlights (OtticaHistogram *self);

G_END_DECLS
