/* ottica-point-steps.h: several point operations run on a region in one
 * pass, band by band of rows small enough to stay in the processor's
 * cache (the first step reads the input, the others work in place). A run
 * of steps with planar kernels (ottica-op-common.h) goes further: a block
 * of pixels is transposed once and each kernel runs on it in turn. Each
 * operation still runs its own code on its own parameters: the result is
 * bit for bit that of the separate nodes.
 *
 * ottica:point-chain is this as a node. The area filters that a look's
 * point steps follow (glow, local contrast) run them too, on each tile of
 * their result while it is in the cache ("then"): their output then goes
 * through memory once, not once more for the steps.
 *
 * The operations are real ones, on nodes the caller owns, with their
 * input linked to a producer with the image's extent (position-dependent
 * ones need it). ottica_point_steps_prepare () prepares them, from the
 * prepare () of the op that runs them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl-plugin.h>

#include "ottica-op-common.h"

G_BEGIN_DECLS

/* Steps whose kernels are kept (a look has at most seven point steps);
 * a longer list runs each step through its own process (). */
#define OTTICA_POINT_STEPS_MAX 8

/* The steps' kernels as prepare () found them, with the types they were
 * found for: looking one up (a quark by name, then the type's data under
 * the type system's lock) costs more than a short row's pixels. Only
 * prepare () writes it, while no thread renders; a run uses an entry only
 * where the step's type is still the one it was made for. */
typedef struct
{
  guint                    n;
  GType                    types[OTTICA_POINT_STEPS_MAX];
  const OtticaPointKernel *kernels[OTTICA_POINT_STEPS_MAX];
} OtticaPointSteps;

/* Whether @operations is a non-empty list of point filters. */
gboolean ottica_point_steps_usable  (GPtrArray *operations);

/* Prepares each of @operations and keeps their kernels in *@steps, an
 * OtticaPointSteps made on first use (an op's user_data; see
 * OTTICA_POINT_STEPS_DEFINE_FINALIZE). */
void     ottica_point_steps_prepare (gpointer  *steps,
                                     GPtrArray *operations);

/* @n_pixels RGBA float pixels of @roi (row by row, at @level) from @in
 * through every one of @operations into @out, which may be @in. Not
 * usable operations copy @in as it is. */
gboolean ottica_point_steps_run     (const OtticaPointSteps *steps,
                                     GPtrArray              *operations,
                                     const float            *in,
                                     float                  *out,
                                     glong                   n_pixels,
                                     const GeglRectangle    *roi,
                                     gint                    level);

/* @roi (in @level's pixels) of @input through @operations into @output,
 * tile by tile: what an area filter at its neutral values still does for
 * the steps it runs. */
gboolean ottica_point_steps_run_buffers (const OtticaPointSteps *steps,
                                         GPtrArray              *operations,
                                         GeglBuffer             *input,
                                         GeglBuffer             *output,
                                         const GeglRectangle    *roi,
                                         gint                    level);

/* Defines finalize () for an op (after "gegl-op.h") that keeps its
 * OtticaPointSteps in user_data; set object_class->finalize to it. */
#define OTTICA_POINT_STEPS_DEFINE_FINALIZE                                  \
  static void                                                               \
  finalize (GObject *object)                                                \
  {                                                                         \
    g_clear_pointer (&GEGL_PROPERTIES (object)->user_data, g_free);         \
    G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);               \
  }

G_END_DECLS
