/* mono.c: ottica:mono, black and white by channel mix, as if through a
 * coloured filter on panchromatic film.
 *
 * A filter preset is a transmission per Rec. 2020 channel; the mix is the
 * luminance weights times the transmission, normalised to sum to one, so
 * a grey keeps its level under every filter and the neutral filter keeps
 * every pixel's luminance. The output is exactly neutral (R = G = B).
 * `amount` blends from the colour original (0) to black and white (1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

enum_start (ottica_mono_filter)
  enum_value (OTTICA_MONO_FILTER_NEUTRAL, "neutral", N_("Neutral"))
  enum_value (OTTICA_MONO_FILTER_RED,     "red",     N_("Red"))
  enum_value (OTTICA_MONO_FILTER_ORANGE,  "orange",  N_("Orange"))
  enum_value (OTTICA_MONO_FILTER_YELLOW,  "yellow",  N_("Yellow"))
  enum_value (OTTICA_MONO_FILTER_GREEN,   "green",   N_("Green"))
  enum_value (OTTICA_MONO_FILTER_CUSTOM,  "custom",  N_("Custom"))
enum_end (OtticaMonoFilter)

property_double (amount, _("Amount"), 0.0)
  description (_("0 keeps the colour photo, 1 is fully black and white"))
  value_range (0.0, 1.0)

property_enum (filter, _("Filter"), OtticaMonoFilter, ottica_mono_filter, OTTICA_MONO_FILTER_NEUTRAL)
  description (_("Colour filter: red and orange darken blue skies, green lightens foliage; "
                 "custom uses the weights below"))

property_double (red, _("Red weight"), 0.2627)
  description (_("Red channel's share of the mix (custom filter); the weights are "
                 "normalised to sum to one"))
  value_range (-2.0, 3.0)
  ui_range    (-1.0, 2.0)

property_double (green, _("Green weight"), 0.6780)
  description (_("Green channel's share of the mix (custom filter)"))
  value_range (-2.0, 3.0)
  ui_range    (-1.0, 2.0)

property_double (blue, _("Blue weight"), 0.0593)
  description (_("Blue channel's share of the mix (custom filter)"))
  value_range (-2.0, 3.0)
  ui_range    (-1.0, 2.0)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     mono
#define GEGL_OP_C_SOURCE mono.c

#include "gegl-op.h"
#include "ottica-op-common.h"

/* Transmission of each filter in Rec. 2020 R, G, B: roughly a yellow
 * (K2, #8), an orange (#21), a red (#25, no blue at all) and a green (#11)
 * filter. The red mix comes out near (0.66, 0.34, 0). */
static const double filter_transmission[][3] = {
  [OTTICA_MONO_FILTER_NEUTRAL] = { 1.00, 1.00, 1.00 },
  [OTTICA_MONO_FILTER_RED]     = { 1.00, 0.20, 0.00 },
  [OTTICA_MONO_FILTER_ORANGE]  = { 1.00, 0.50, 0.05 },
  [OTTICA_MONO_FILTER_YELLOW]  = { 1.00, 0.90, 0.25 },
  [OTTICA_MONO_FILTER_GREEN]   = { 0.40, 1.00, 0.30 },
};

static gboolean
is_neutral (GeglProperties *o)
{
  return o->amount == 0.0;
}

static void
mix_weights (GeglProperties *o,
             double          w[3])
{
  double sum;

  if (o->filter == OTTICA_MONO_FILTER_CUSTOM)
    {
      w[0] = o->red;
      w[1] = o->green;
      w[2] = o->blue;
    }
  else
    {
      int f = CLAMP ((int) o->filter, 0, (int) OTTICA_MONO_FILTER_GREEN);

      w[0] = OTTICA_REC2020_Y_R * filter_transmission[f][0];
      w[1] = OTTICA_REC2020_Y_G * filter_transmission[f][1];
      w[2] = OTTICA_REC2020_Y_B * filter_transmission[f][2];
    }
  /* Weights summing to (nearly) zero cannot be normalised; use them as
   * they are rather than blow up. */
  sum = w[0] + w[1] + w[2];
  if (fabs (sum) > 1e-3)
    for (int c = 0; c < 3; c++)
      w[c] /= sum;
}

static void
prepare (GeglOperation *operation)
{
  ottica_op_set_working_format (operation);
}

typedef struct
{
  float keep, wr, wg, wb;
} Kernel;

G_STATIC_ASSERT (sizeof (Kernel) <= sizeof (OtticaKernelContext));

static gboolean
kernel_begin (GeglOperation       *operation,
              const GeglRectangle *roi,
              gint                 level,
              OtticaKernelContext *context)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  Kernel         *k = (Kernel *) context;
  double          w[3];
  float           amount;

  if (is_neutral (o))
    return FALSE;
  mix_weights (o, w);
  amount = (float) CLAMP (o->amount, 0.0, 1.0);
  k->keep = 1.0f - amount;
  k->wr = (float) w[0] * amount;
  k->wg = (float) w[1] * amount;
  k->wb = (float) w[2] * amount;
  return TRUE;
}

static void
kernel_run (const OtticaKernelContext *context,
            OtticaBlock               *block,
            gint                       n,
            gint                       x,
            gint                       y)
{
  const Kernel   *k = (const Kernel *) context;
  const OtticaV4f keep = ottica_v4f_splat (k->keep);
  const OtticaV4f wr = ottica_v4f_splat (k->wr);
  const OtticaV4f wg = ottica_v4f_splat (k->wg);
  const OtticaV4f wb = ottica_v4f_splat (k->wb);

  for (gint i = 0; i < n; i += 4)
    {
      OtticaV4f r = ottica_v4f_load (block->r + i);
      OtticaV4f g = ottica_v4f_load (block->g + i);
      OtticaV4f b = ottica_v4f_load (block->b + i);
      OtticaV4f grey = wr * r + wg * g + wb * b;

      ottica_v4f_store (block->r + i, keep * r + grey);
      ottica_v4f_store (block->g + i, keep * g + grey);
      ottica_v4f_store (block->b + i, keep * b + grey);
    }
}

static const OtticaPointKernel kernel = { kernel_begin, kernel_run };

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  return ottica_point_kernel_process (&kernel, operation, in_buf, out_buf, n_pixels, roi, level);
}

OTTICA_OP_DEFINE_PROCESS (is_neutral)

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass            *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationPointFilterClass *point_filter_class = GEGL_OPERATION_POINT_FILTER_CLASS (klass);

  operation_class->prepare = prepare;
  operation_class->process = operation_process;
  point_filter_class->process = process;
  ottica_point_kernel_register (G_TYPE_FROM_CLASS (klass), &kernel);

  gegl_operation_class_set_keys (operation_class,
    "name",        "ottica:mono",
    "title",       _("Black and White"),
    "categories",  "color",
    "description", _("Black and white by channel mix, with red, orange, yellow and green "
                     "filter presets"),
    "op-version",  "1:0",
    NULL);
}

#endif
