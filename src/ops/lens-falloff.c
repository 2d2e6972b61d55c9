/* lens-falloff.c: ottica:lens-falloff. PLACEHOLDER: identity until written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_double (amount, _("Amount"), 0.0)
  value_range (0.0, 1.0)

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     lens_falloff
#define GEGL_OP_C_SOURCE lens-falloff.c

#include "gegl-op.h"

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

  point_filter_class->process = process;
  gegl_operation_class_set_keys (operation_class,
    "name",        "ottica:lens-falloff",
    "title",       "lens-falloff",
    "categories",  "color",
    "description", "placeholder",
    NULL);
}

#endif
