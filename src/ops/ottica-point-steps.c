/* ottica-point-steps.c: several point operations run on a region in one
 * pass (see ottica-point-steps.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-point-steps.h"

/* Pixels per band: 64 KiB of RGBA float, well inside L2. */
#define BAND_PIXELS 4096

gboolean
ottica_point_steps_usable (GPtrArray *operations)
{
  if (operations == NULL || operations->len == 0)
    return FALSE;
  for (guint i = 0; i < operations->len; i++)
    if (!GEGL_IS_OPERATION_POINT_FILTER (g_ptr_array_index (operations, i)))
      return FALSE;
  return TRUE;
}

void
ottica_point_steps_prepare (gpointer  *slot,
                            GPtrArray *operations)
{
  OtticaPointSteps *steps;

  if (*slot == NULL)
    *slot = g_new0 (OtticaPointSteps, 1);
  steps = *slot;
  steps->n = 0;
  if (!ottica_point_steps_usable (operations))
    return;
  /* GEGL prepares one graph at a time, single-threaded: so are these. */
  for (guint i = 0; i < operations->len; i++)
    {
      GeglOperation      *step = g_ptr_array_index (operations, i);
      GeglOperationClass *klass = GEGL_OPERATION_GET_CLASS (step);

      if (klass->prepare != NULL)
        klass->prepare (step);
    }
  if (operations->len > OTTICA_POINT_STEPS_MAX)
    return;
  for (guint i = 0; i < operations->len; i++)
    {
      GeglOperation *step = g_ptr_array_index (operations, i);

      steps->types[i] = G_OBJECT_TYPE (step);
      steps->kernels[i] = ottica_point_kernel_get (step);
    }
  steps->n = operations->len;
}

static const OtticaPointKernel *
kernel_of (const OtticaPointSteps *steps,
           guint                   i,
           GeglOperation          *step)
{
  if (steps != NULL && i < steps->n && steps->types[i] == G_OBJECT_TYPE (step))
    return steps->kernels[i];
  return ottica_point_kernel_get (step);
}

gboolean
ottica_point_steps_run (const OtticaPointSteps *steps,
                        GPtrArray              *operations,
                        const float            *in,
                        float                  *out,
                        glong                   n_pixels,
                        const GeglRectangle    *roi,
                        gint                    level)
{
  const OtticaPointKernel *kernels[OTTICA_POINT_STEPS_MAX];
  OtticaKernelRun          runs[OTTICA_POINT_STEPS_MAX];
  OtticaKernelContext      contexts[OTTICA_POINT_STEPS_MAX];
  gboolean                 active[OTTICA_POINT_STEPS_MAX];
  OtticaBlock              block;
  gint                     rows;

  if (!ottica_point_steps_usable (operations) || roi->width <= 0 ||
      n_pixels != (glong) roi->width * roi->height)
    {
      ottica_op_copy_pixels (in, out, n_pixels);
      return TRUE;
    }

  /* Steps with a planar kernel are set up once for the whole call; one at
   * its neutral values drops out. (A longer list than any look's runs
   * each step through its own process.) */
  for (guint i = 0; i < MIN (operations->len, OTTICA_POINT_STEPS_MAX); i++)
    {
      GeglOperation *step = g_ptr_array_index (operations, i);

      kernels[i] = operations->len <= OTTICA_POINT_STEPS_MAX ? kernel_of (steps, i, step) : NULL;
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

          if (i >= OTTICA_POINT_STEPS_MAX || kernels[i] == NULL)
            {
              GeglOperationPointFilterClass *klass = GEGL_OPERATION_POINT_FILTER_GET_CLASS (step);

              if (!klass->process (step, (void *) src, dst, n, &band, level))
                return FALSE;
              src = dst;
              i++;
              continue;
            }

          {
            OtticaKernelRun            run[OTTICA_POINT_STEPS_MAX];
            const OtticaKernelContext *run_contexts[OTTICA_POINT_STEPS_MAX];
            OtticaKernelPass           pass = { run, run_contexts, 0, src, dst, &block };

            for (; i < operations->len && kernels[i] != NULL; i++)
              if (active[i])
                {
                  run[pass.n_kernels] = runs[i];
                  run_contexts[pass.n_kernels] = &contexts[i];
                  pass.n_kernels++;
                }
            if (pass.n_kernels > 0)
              ottica_blocks_for_each (&band, n, ottica_kernel_pass_block, &pass);
            else
              ottica_op_copy_pixels (src, dst, n);
            src = dst;
          }
        }
    }
  return TRUE;
}

gboolean
ottica_point_steps_run_buffers (const OtticaPointSteps *steps,
                                GPtrArray              *operations,
                                GeglBuffer             *input,
                                GeglBuffer             *output,
                                const GeglRectangle    *roi,
                                gint                    level)
{
  const Babl         *format = ottica_op_working_format ();
  GeglBufferIterator *iter;
  gboolean            ok = TRUE;

  iter = gegl_buffer_iterator_new (output, roi, level, format,
                                   GEGL_ACCESS_WRITE, GEGL_ABYSS_NONE, 2);
  gegl_buffer_iterator_add (iter, input, roi, level, format,
                            GEGL_ACCESS_READ, GEGL_ABYSS_NONE);
  while (gegl_buffer_iterator_next (iter))
    if (ok)
      ok = ottica_point_steps_run (steps, operations, iter->items[1].data, iter->items[0].data,
                                   iter->length, &iter->items[0].roi, level);
  return ok;
}
