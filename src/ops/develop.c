/* develop.c: ottica:develop, the photo's basic adjustments in one fused
 * point pass (exposure, white balance, tone, colour, vignette).
 * PLACEHOLDER: identity; the pipeline work makes it real.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (exposure, _("Exposure"), 0.0)
  description (_("Exposure change in EV"))
  value_range (-5.0, 5.0)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     develop
#define GEGL_OP_C_SOURCE develop.c

#include "gegl-op.h"

static void
prepare (GeglOperation *operation)
{
  const Babl *space = gegl_operation_get_source_space (operation, "input");
  const Babl *format = babl_format_with_space ("RGBA float", space);

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
}

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  memcpy (out_buf, in_buf, n_pixels * 4 * sizeof (gfloat));
  return TRUE;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass            *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationPointFilterClass *point_filter_class = GEGL_OPERATION_POINT_FILTER_CLASS (klass);

  operation_class->prepare = prepare;
  point_filter_class->process = process;

  gegl_operation_class_set_keys (operation_class,
    "name",        "ottica:develop",
    "title",       _("Develop"),
    "categories",  "color",
    "description", _("Basic photo adjustments in one pass"),
    NULL);
}

#endif
