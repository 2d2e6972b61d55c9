/* point-chain.c: ottica:point-chain, several point operations run as one
 * pass.
 *
 * A look chains up to six point operations (lens falloff, colour, black
 * and white, tone curve, toning, LUT). As separate GEGL nodes each one
 * allocates an output buffer and streams the whole region through memory;
 * here they run as one pass (ottica-point-steps.h), so the region goes
 * through memory once, with the bits of the separate nodes.
 *
 * The operations are real ones, on nodes the caller owns (ottica:look
 * makes them inside its graph, with their input linked to the same
 * producer as this node's so that position-dependent ones see the
 * image's extent); this op prepares them and calls their point process.
 * After changing their properties the caller sets "operations" again, so
 * that this node is invalidated. It is a building block for ottica:look,
 * hidden from GIMP's list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_pointer (operations, _("Operations"), NULL)
  description (_("The point operations to run, in order: a GPtrArray of GeglOperation "
                 "that the caller keeps alive"))

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     point_chain
#define GEGL_OP_C_SOURCE point-chain.c

#include "gegl-op.h"
#include "ottica-point-steps.h"

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  ottica_op_set_working_format (operation);
  ottica_point_steps_prepare (&o->user_data, o->operations);
}

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);

  return ottica_point_steps_run (o->user_data, o->operations, in_buf, out_buf, n_pixels, roi,
                                 level);
}

OTTICA_POINT_STEPS_DEFINE_FINALIZE

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GObjectClass                  *object_class = G_OBJECT_CLASS (klass);
  GeglOperationClass            *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationPointFilterClass *point_filter_class = GEGL_OPERATION_POINT_FILTER_CLASS (klass);

  object_class->finalize = finalize;
  operation_class->prepare = prepare;
  point_filter_class->process = process;
  /* The steps run on the CPU. */
  operation_class->opencl_support = FALSE;

  gegl_operation_class_set_keys (operation_class,
    "name",               "ottica:point-chain",
    "title",              _("Point Operation Chain"),
    "categories",         "hidden",
    "position-dependent", "true",
    "description",        _("Runs several point operations on each pixel in one pass, "
                            "as ottica:look does for the operations of a look"),
    "op-version",         "1:0",
    NULL);
}

#endif
