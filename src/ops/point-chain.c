/* point-chain.c: ottica:point-chain, several point operations run as one
 * pass.
 *
 * A look chains up to six point operations (lens falloff, colour, black
 * and white, tone curve, toning, LUT). As separate GEGL nodes each one
 * allocates an output buffer and streams the whole region through memory;
 * here they run one after the other on a band of rows small enough to
 * stay in the processor's cache (the first reads the input, the others
 * work in place), so the region goes through memory once. A run of
 * steps with planar kernels (ottica-op-common.h) goes further: a block of
 * pixels is transposed once and each kernel runs on it in turn. Each
 * operation still runs its own code on its own parameters: the result is
 * bit for bit that of the separate nodes.
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

property_pointer (operations, _("Operations"),
                  _("The point operations to run, in order: a GPtrArray of GeglOperation "
                    "that the caller keeps alive"))

#else

#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME     point_chain
#define GEGL_OP_C_SOURCE point-chain.c

#include "gegl-op.h"
#include "ottica-op-common.h"

/* Pixels per band: 64 KiB of RGBA float, well inside L2. */
#define BAND_PIXELS 4096
/* Steps at most (a look has at most seven point steps). */
#define MAX_STEPS 8

/* The steps' kernels as prepare() found them, with the types they were
 * found for: looking one up (a quark by name, then the type's data under
 * the type system's lock) costs more than a short row's pixels. Only
 * prepare() writes it, while no thread renders; process() uses an entry
 * only where the step's type is still the one it was made for. */
typedef struct
{
  guint                    n;
  GType                    types[MAX_STEPS];
  const OtticaPointKernel *kernels[MAX_STEPS];
} KernelCache;

static gboolean
usable (GPtrArray *operations)
{
  if (operations == NULL || operations->len == 0)
    return FALSE;
  for (guint i = 0; i < operations->len; i++)
    if (!GEGL_IS_OPERATION_POINT_FILTER (g_ptr_array_index (operations, i)))
      return FALSE;
  return TRUE;
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  GPtrArray      *operations = o->operations;

  ottica_op_set_working_format (operation);
  if (o->user_data == NULL)
    o->user_data = g_new0 (KernelCache, 1);
  ((KernelCache *) o->user_data)->n = 0;
  if (!usable (operations))
    return;
  /* GEGL prepares one graph at a time, single-threaded: so are these. */
  for (guint i = 0; i < operations->len; i++)
    {
      GeglOperation      *step = g_ptr_array_index (operations, i);
      GeglOperationClass *klass = GEGL_OPERATION_GET_CLASS (step);

      if (klass->prepare != NULL)
        klass->prepare (step);
    }
  if (operations->len <= MAX_STEPS)
    {
      KernelCache *cache = o->user_data;

      for (guint i = 0; i < operations->len; i++)
        {
          GeglOperation *step = g_ptr_array_index (operations, i);

          cache->types[i] = G_OBJECT_TYPE (step);
          cache->kernels[i] = ottica_point_kernel_get (step);
        }
      cache->n = operations->len;
    }
}

static const OtticaPointKernel *
kernel_of (const KernelCache *cache,
           guint              i,
           GeglOperation     *step)
{
  if (cache != NULL && i < cache->n && cache->types[i] == G_OBJECT_TYPE (step))
    return cache->kernels[i];
  return ottica_point_kernel_get (step);
}

/* A run of steps with kernels on one block: loaded and transposed once. */
typedef struct
{
  const OtticaKernelRun      *runs;
  const OtticaKernelContext **contexts;
  guint                       n_kernels;
  const float                *in;
  float                      *out;
  OtticaBlock                *block;
} Pass;

static void
pass_block (gpointer data,
            gsize    offset,
            gint     n,
            gint     x,
            gint     y)
{
  Pass *pass = data;
  gint  lanes = (n + 3) & ~3;

  ottica_block_load (pass->block, pass->in + 4 * offset, n);
  for (guint i = 0; i < pass->n_kernels; i++)
    pass->runs[i] (pass->contexts[i], pass->block, lanes, x, y);
  ottica_block_store (pass->block, pass->out + 4 * offset, n);
}

static gboolean
process (GeglOperation       *operation,
         void                *in_buf,
         void                *out_buf,
         glong                n_pixels,
         const GeglRectangle *roi,
         gint                 level)
{
  GeglProperties          *o = GEGL_PROPERTIES (operation);
  GPtrArray               *operations = o->operations;
  const float             *in = in_buf;
  float                   *out = out_buf;
  const OtticaPointKernel *kernels[MAX_STEPS];
  OtticaKernelRun          runs[MAX_STEPS];
  OtticaKernelContext      contexts[MAX_STEPS];
  gboolean                 active[MAX_STEPS];
  OtticaBlock              block;
  gint                     rows;

  if (!usable (operations) || roi->width <= 0 ||
      n_pixels != (glong) roi->width * roi->height)
    {
      ottica_op_copy_pixels (in_buf, out_buf, n_pixels);
      return TRUE;
    }

  /* Steps with a planar kernel are set up once for the whole call; one at
   * its neutral values drops out. (A longer list than any look's runs
   * each step through its own process.) */
  for (guint i = 0; i < MIN (operations->len, MAX_STEPS); i++)
    {
      GeglOperation *step = g_ptr_array_index (operations, i);

      kernels[i] = operations->len <= MAX_STEPS ? kernel_of (o->user_data, i, step) : NULL;
      active[i] = kernels[i] == NULL || kernels[i]->begin (step, roi, level, &contexts[i]);
      runs[i] = kernels[i] != NULL ? ottica_point_kernel_runner (kernels[i]) : NULL;
    }

  /* On each band of rows, every run of kernel steps in one pass over
   * transposed blocks, any other step through its own process. */
  rows = MAX (BAND_PIXELS / roi->width, 1);
  for (gint y = 0; y < roi->height; y += rows)
    {
      GeglRectangle band = { roi->x, roi->y + y, roi->width, MIN (rows, roi->height - y) };
      gsize         offset = (gsize) y * roi->width * 4;
      glong         n = (glong) band.width * band.height;
      const float  *src = in + offset;
      float        *dst = out + offset;

      for (guint i = 0; i < operations->len;)
        {
          GeglOperation *step = g_ptr_array_index (operations, i);

          if (i >= MAX_STEPS || kernels[i] == NULL)
            {
              GeglOperationPointFilterClass *klass = GEGL_OPERATION_POINT_FILTER_GET_CLASS (step);

              if (!klass->process (step, (void *) src, dst, n, &band, level))
                return FALSE;
              src = dst;
              i++;
              continue;
            }

          {
            OtticaKernelRun            run[MAX_STEPS];
            const OtticaKernelContext *run_contexts[MAX_STEPS];
            Pass                       pass = { run, run_contexts, 0, src, dst, &block };

            for (; i < operations->len && kernels[i] != NULL; i++)
              if (active[i])
                {
                  run[pass.n_kernels] = runs[i];
                  run_contexts[pass.n_kernels] = &contexts[i];
                  pass.n_kernels++;
                }
            if (pass.n_kernels > 0)
              ottica_blocks_for_each (&band, n, pass_block, &pass);
            else
              ottica_op_copy_pixels (src, dst, n);
            src = dst;
          }
        }
    }
  return TRUE;
}

static void
finalize (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);

  g_clear_pointer (&o->user_data, g_free);
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

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
