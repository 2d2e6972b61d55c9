/* ottica-op-common.h: small helpers shared by the point operations
 * (header only, so that each op file stays self-contained and the GEGL
 * module needs no extra sources).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>
#include <gegl-plugin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

G_BEGIN_DECLS

/* Every ottica: point op computes in scene-linear Rec. 2020, RGBA float. */
static inline const Babl *
ottica_op_working_format (void)
{
  return babl_format_with_space ("RGBA float", babl_space ("Rec2020"));
}

static inline void
ottica_op_set_working_format (GeglOperation *operation)
{
  const Babl *format = ottica_op_working_format ();

  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);
}

/* Hands the input buffer on untouched: the exact identity, at no cost. */
static inline gboolean
ottica_op_pass_through (GeglOperationContext *context)
{
  gegl_operation_context_set_object (context, "output",
                                     gegl_operation_context_get_object (context, "input"));
  return TRUE;
}

/* The neutral path of a point process: RGBA float in to out, nothing to
 * do when GEGL (or ottica:point-chain) runs the op in place. */
static inline void
ottica_op_copy_pixels (const void *in_buf,
                       void       *out_buf,
                       glong       n_pixels)
{
  if (in_buf != out_buf)
    memcpy (out_buf, in_buf, (gsize) n_pixels * 4 * sizeof (float));
}

/* Defines operation_process() for an op whose @neutral (a function of
 * GeglProperties *) says when its parameters change nothing: then the
 * input is handed on untouched, with no pass and no conversion; otherwise
 * the op's GEGL class processes as usual. Use it after "gegl-op.h" (it
 * needs gegl_op_parent_class) and set operation_class->process to it. */
#define OTTICA_OP_DEFINE_PROCESS(neutral)                                                  \
  static gboolean                                                                          \
  operation_process (GeglOperation        *operation,                                      \
                     GeglOperationContext *context,                                        \
                     const gchar          *output_prop,                                    \
                     const GeglRectangle  *result,                                         \
                     gint                  level)                                          \
  {                                                                                        \
    if (neutral (GEGL_PROPERTIES (operation)))                                             \
      return ottica_op_pass_through (context);                                             \
    return GEGL_OPERATION_CLASS (gegl_op_parent_class)->process (operation, context,       \
                                                                 output_prop, result,      \
                                                                 level);                   \
  }

/* Rec. 2020 luminance weights (ITU-R BT.2020). */
#define OTTICA_REC2020_Y_R 0.2627f
#define OTTICA_REC2020_Y_G 0.6780f
#define OTTICA_REC2020_Y_B 0.0593f

/* max/min that compile to one instruction (fmaxf and fminf are library
 * calls unless -ffinite-math-only); a NaN in @a gives @b. */
static inline float
ottica_maxf (float a,
             float b)
{
  return a > b ? a : b;
}

static inline float
ottica_minf (float a,
             float b)
{
  return a < b ? a : b;
}

static inline uint32_t
ottica_float_bits (float v)
{
  uint32_t u;

  memcpy (&u, &v, sizeof u);
  return u;
}

static inline float
ottica_bits_float (uint32_t u)
{
  float v;

  memcpy (&v, &u, sizeof v);
  return v;
}

/* A table over [2^min_exp, 2^max_exp] sampled 2^steps_log2 times per
 * octave, indexed straight from a float's bits: the exponent and top
 * mantissa bits give the sample, the rest the fraction between two
 * samples. Sample i sits at ottica_log_index_value (ix, i); a table needs
 * ottica_log_index_size (ix) entries (the last one repeats the one before
 * it so that the top of the range can interpolate). */
typedef struct
{
  uint32_t lo_bits;
  float    lo;
  float    hi;
  uint32_t shift;
  uint32_t mask;
  float    frac_scale;
  guint    n_samples;
} OtticaLogIndex;

static inline void
ottica_log_index_init (OtticaLogIndex *ix,
                       int             min_exp,
                       int             max_exp,
                       guint           steps_log2)
{
  ix->lo = ldexpf (1.0f, min_exp);
  ix->hi = ldexpf (1.0f, max_exp);
  ix->lo_bits = ottica_float_bits (ix->lo);
  ix->shift = 23 - steps_log2;
  ix->mask = (1u << ix->shift) - 1;
  ix->frac_scale = 1.0f / (float) (1u << ix->shift);
  ix->n_samples = (guint) (max_exp - min_exp) * (1u << steps_log2) + 1;
}

static inline guint
ottica_log_index_size (const OtticaLogIndex *ix)
{
  return ix->n_samples + 1;
}

static inline float
ottica_log_index_value (const OtticaLogIndex *ix,
                        guint                 i)
{
  return ottica_bits_float (ix->lo_bits + (i << ix->shift));
}

/* @v is clamped to the table's range (NaN goes to the bottom). */
static inline guint
ottica_log_index_lookup (const OtticaLogIndex *ix,
                         float                 v,
                         float                *clamped,
                         float                *frac)
{
  float    vc = ottica_minf (ottica_maxf (v, ix->lo), ix->hi);
  uint32_t b = ottica_float_bits (vc) - ix->lo_bits;

  *clamped = vc;
  *frac = (float) (b & ix->mask) * ix->frac_scale;
  return b >> ix->shift;
}

/* Four pixels at a time with the compiler's vector extensions (SSE2 on
 * x86-64, NEON on arm64): plain C, no intrinsics. */
typedef float   OtticaV4f __attribute__ ((vector_size (16)));
typedef int32_t OtticaV4i __attribute__ ((vector_size (16)));

#if defined(__clang__)
#define OTTICA_SHUFFLE(a, b, i0, i1, i2, i3) __builtin_shufflevector (a, b, i0, i1, i2, i3)
#else
#define OTTICA_SHUFFLE(a, b, i0, i1, i2, i3) __builtin_shuffle (a, b, (OtticaV4i) { i0, i1, i2, i3 })
#endif

/* Eight lanes in one AVX register, for kernels that have a second path
 * compiled with __attribute__ ((target ("avx2"))) and chosen at run time
 * by ottica_use_avx2 (): lane for lane the same operations as the four-lane
 * path, and never FMA, so the two give the same bits (the op's tests
 * compare them). With SSE2 alone eight lanes take twice the registers
 * and are slower, not faster. */
#if defined(__x86_64__)
#define OTTICA_HAVE_AVX2 1
#endif

typedef float    OtticaV8f __attribute__ ((vector_size (32)));
typedef int32_t  OtticaV8i __attribute__ ((vector_size (32)));
typedef uint32_t OtticaV8u __attribute__ ((vector_size (32)));

#define OTTICA_V8(v) { v, v, v, v, v, v, v, v }

/* Whether to take the AVX2 paths: where the processor has AVX2, unless
 * OTTICA_NO_AVX2 is set (so that the two paths can be compared on one
 * machine, as the tests do). */
static inline gboolean
ottica_use_avx2 (void)
{
#ifdef OTTICA_HAVE_AVX2
  return __builtin_cpu_supports ("avx2") && g_getenv ("OTTICA_NO_AVX2") == NULL;
#else
  return FALSE;
#endif
}

static inline OtticaV4f
ottica_v4f_splat (float v)
{
  return (OtticaV4f) { v, v, v, v };
}

static inline OtticaV4i
ottica_v4i_splat (int32_t v)
{
  return (OtticaV4i) { v, v, v, v };
}

static inline OtticaV4f
ottica_v4f_load (const float *p)
{
  OtticaV4f v;

  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
ottica_v4f_store (float     *p,
                  OtticaV4f  v)
{
  memcpy (p, &v, sizeof v);
}

/* Rows (x0 y0 z0 w0) … (x3 y3 z3 w3) in, columns (x0 x1 x2 x3) … out;
 * its own inverse. */
static inline void
ottica_v4f_transpose (OtticaV4f *a,
                      OtticaV4f *b,
                      OtticaV4f *c,
                      OtticaV4f *d)
{
  OtticaV4f t0 = OTTICA_SHUFFLE (*a, *b, 0, 4, 1, 5);
  OtticaV4f t1 = OTTICA_SHUFFLE (*c, *d, 0, 4, 1, 5);
  OtticaV4f t2 = OTTICA_SHUFFLE (*a, *b, 2, 6, 3, 7);
  OtticaV4f t3 = OTTICA_SHUFFLE (*c, *d, 2, 6, 3, 7);

  *a = OTTICA_SHUFFLE (t0, t1, 0, 1, 4, 5);
  *b = OTTICA_SHUFFLE (t0, t1, 2, 3, 6, 7);
  *c = OTTICA_SHUFFLE (t2, t3, 0, 1, 4, 5);
  *d = OTTICA_SHUFFLE (t2, t3, 2, 3, 6, 7);
}

/* Lane-wise a where @mask is set (all ones), b elsewhere. */
static inline OtticaV4f
ottica_v4f_select (OtticaV4i mask,
                   OtticaV4f a,
                   OtticaV4f b)
{
  return (OtticaV4f) (((OtticaV4i) a & mask) | ((OtticaV4i) b & ~mask));
}

static inline OtticaV4i
ottica_v4i_select (OtticaV4i mask,
                   OtticaV4i a,
                   OtticaV4i b)
{
  return (a & mask) | (b & ~mask);
}

/* Lane-wise a > b ? a : b and a < b ? a : b (a NaN in @a gives @b):
 * exactly what SSE's maxps and minps do, so one instruction there. */
static inline OtticaV4f
ottica_v4f_max (OtticaV4f a,
                OtticaV4f b)
{
#if defined(__SSE__) && !defined(__clang__)
  return __builtin_ia32_maxps (a, b);
#else
  return ottica_v4f_select (a > b, a, b);
#endif
}

static inline OtticaV4f
ottica_v4f_min (OtticaV4f a,
                OtticaV4f b)
{
#if defined(__SSE__) && !defined(__clang__)
  return __builtin_ia32_minps (a, b);
#else
  return ottica_v4f_select (a < b, a, b);
#endif
}

/* Square root of non-negative lanes (no errno path). */
static inline OtticaV4f
ottica_v4f_sqrt (OtticaV4f a)
{
#if defined(__SSE__) && !defined(__clang__)
  return __builtin_ia32_sqrtps (a);
#else
  return (OtticaV4f) { sqrtf (a[0]), sqrtf (a[1]), sqrtf (a[2]), sqrtf (a[3]) };
#endif
}

static inline OtticaV4f
ottica_v4f_abs (OtticaV4f a)
{
  return (OtticaV4f) ((OtticaV4i) a & 0x7fffffff);
}

/* table[idx] and table[idx + 1] for each lane (an interpolation's two
 * samples, or a (value, difference) pair), in four 8-byte loads. */
static inline void
ottica_v4f_gather_pairs (const float *table,
                         OtticaV4i    idx,
                         OtticaV4f   *first,
                         OtticaV4f   *second)
{
  typedef double OtticaV2d __attribute__ ((vector_size (16)));
  double    p0, p1, p2, p3;
  OtticaV4f a, b;

  memcpy (&p0, table + idx[0], sizeof p0);
  memcpy (&p1, table + idx[1], sizeof p1);
  memcpy (&p2, table + idx[2], sizeof p2);
  memcpy (&p3, table + idx[3], sizeof p3);
  a = (OtticaV4f) (OtticaV2d) { p0, p1 };
  b = (OtticaV4f) (OtticaV2d) { p2, p3 };
  *first = OTTICA_SHUFFLE (a, b, 0, 2, 4, 6);
  *second = OTTICA_SHUFFLE (a, b, 1, 3, 5, 7);
}

/* ottica_log_index_lookup() on four lanes, bit for bit the same. */
static inline OtticaV4i
ottica_log_index_lookup4 (const OtticaLogIndex *ix,
                          OtticaV4f             v,
                          OtticaV4f            *clamped,
                          OtticaV4f            *frac)
{
  OtticaV4f vc = ottica_v4f_min (ottica_v4f_max (v, ottica_v4f_splat (ix->lo)),
                                 ottica_v4f_splat (ix->hi));
  OtticaV4i b = (OtticaV4i) vc - ottica_v4i_splat ((int32_t) ix->lo_bits);

  *clamped = vc;
  *frac = __builtin_convertvector (b & ottica_v4i_splat ((int32_t) ix->mask), OtticaV4f) *
          ix->frac_scale;
  return b >> (int) ix->shift;
}

/* ---- Planar kernels --------------------------------------------------
 *
 * A point op that registers an OtticaPointKernel does its per-pixel work
 * on planar blocks: up to OTTICA_BLOCK_PIXELS pixels of one row, R, G, B
 * and A each in its own array, four lanes at a time. Its own process()
 * transposes each block in and out around the kernel
 * (ottica_point_kernel_process()); ottica:point-chain transposes a block
 * once and runs every step's kernel on it, so a chain costs one load, one
 * transpose and one store per pixel, not one per step. Both paths run
 * the same kernel on the same values: the same bits. */

#define OTTICA_BLOCK_PIXELS         256
#define OTTICA_KERNEL_CONTEXT_SIZE  512

typedef struct
{
  float r[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (16)));
  float g[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (16)));
  float b[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (16)));
  float a[OTTICA_BLOCK_PIXELS] __attribute__ ((aligned (16)));
} OtticaBlock;

/* An op's per-call parameters, filled by its begin(). */
typedef union
{
  guint8    bytes[OTTICA_KERNEL_CONTEXT_SIZE];
  OtticaV4f align;
} OtticaKernelContext;

/* Works in place on the first @n lanes of @block (a multiple of 4; the
 * last few may be padding), pixels (@x, @y), (@x + 1, @y), … */
typedef void (*OtticaKernelRun) (const OtticaKernelContext *context,
                                 OtticaBlock               *block,
                                 gint                       n,
                                 gint                       x,
                                 gint                       y);

typedef struct
{
  /* Fills @context (at most OTTICA_KERNEL_CONTEXT_SIZE bytes) for
   * rendering @roi at @level; FALSE when the op leaves pixels as they
   * are. Called once per process call, never per pixel. */
  gboolean (*begin) (GeglOperation       *operation,
                     const GeglRectangle *roi,
                     gint                 level,
                     OtticaKernelContext *context);
  OtticaKernelRun run;
  /* NULL, or run's AVX2 version (lane for lane the same operations, so
   * the same bits), taken where ottica_use_avx2 () says so. */
  OtticaKernelRun run_avx2;
} OtticaPointKernel;

/* An AVX2 kernel function where the compiler builds them, else NULL. */
#ifdef OTTICA_HAVE_AVX2
#define OTTICA_AVX2_RUN(run) (run)
#else
#define OTTICA_AVX2_RUN(run) NULL
#endif

/* Which of @kernel's run functions this process call takes. */
static inline OtticaKernelRun
ottica_point_kernel_runner (const OtticaPointKernel *kernel)
{
  return kernel->run_avx2 != NULL && ottica_use_avx2 () ? kernel->run_avx2 : kernel->run;
}

static inline GQuark
ottica_point_kernel_quark (void)
{
  return g_quark_from_static_string ("ottica-point-kernel");
}

/* From an op's class_init: @kernel (static) does its pixels. */
static inline void
ottica_point_kernel_register (GType                    type,
                              const OtticaPointKernel *kernel)
{
  g_type_set_qdata (type, ottica_point_kernel_quark (), (gpointer) kernel);
}

/* The kernel of @operation's class, or NULL. */
static inline const OtticaPointKernel *
ottica_point_kernel_get (GeglOperation *operation)
{
  return g_type_get_qdata (G_OBJECT_TYPE (operation), ottica_point_kernel_quark ());
}

/* @n RGBA pixels from @in into the block's planes, zero-padded to a
 * multiple of four. */
static inline void
ottica_block_load (OtticaBlock *block,
                   const float *in,
                   gint         n)
{
  gint i;

  for (i = 0; i + 4 <= n; i += 4)
    {
      OtticaV4f p0 = ottica_v4f_load (in + 4 * i);
      OtticaV4f p1 = ottica_v4f_load (in + 4 * i + 4);
      OtticaV4f p2 = ottica_v4f_load (in + 4 * i + 8);
      OtticaV4f p3 = ottica_v4f_load (in + 4 * i + 12);

      ottica_v4f_transpose (&p0, &p1, &p2, &p3);
      ottica_v4f_store (block->r + i, p0);
      ottica_v4f_store (block->g + i, p1);
      ottica_v4f_store (block->b + i, p2);
      ottica_v4f_store (block->a + i, p3);
    }
  for (gint k = 0; i + k < ((n + 3) & ~3); k++)
    {
      gboolean real = i + k < n;

      block->r[i + k] = real ? in[4 * (i + k)] : 0.0f;
      block->g[i + k] = real ? in[4 * (i + k) + 1] : 0.0f;
      block->b[i + k] = real ? in[4 * (i + k) + 2] : 0.0f;
      block->a[i + k] = real ? in[4 * (i + k) + 3] : 0.0f;
    }
}

/* The block's first @n pixels back to RGBA at @out. */
static inline void
ottica_block_store (const OtticaBlock *block,
                    float             *out,
                    gint               n)
{
  gint i;

  for (i = 0; i + 4 <= n; i += 4)
    {
      OtticaV4f p0 = ottica_v4f_load (block->r + i);
      OtticaV4f p1 = ottica_v4f_load (block->g + i);
      OtticaV4f p2 = ottica_v4f_load (block->b + i);
      OtticaV4f p3 = ottica_v4f_load (block->a + i);

      ottica_v4f_transpose (&p0, &p1, &p2, &p3);
      ottica_v4f_store (out + 4 * i, p0);
      ottica_v4f_store (out + 4 * i + 4, p1);
      ottica_v4f_store (out + 4 * i + 8, p2);
      ottica_v4f_store (out + 4 * i + 12, p3);
    }
  for (; i < n; i++)
    {
      out[4 * i] = block->r[i];
      out[4 * i + 1] = block->g[i];
      out[4 * i + 2] = block->b[i];
      out[4 * i + 3] = block->a[i];
    }
}

/* Calls @fn (@data, block start in the buffer, pixels, x, y) for each
 * block of @roi, row by row; a buffer that is not @roi's rows (never from
 * GEGL's point filters) is taken as one long row. */
static inline void
ottica_blocks_for_each (const GeglRectangle *roi,
                        glong                n_pixels,
                        void               (*fn) (gpointer data, gsize offset, gint n,
                                                  gint x, gint y),
                        gpointer             data)
{
  gboolean rows = roi->width > 0 && n_pixels == (glong) roi->width * roi->height;
  glong    width = rows ? roi->width : n_pixels;
  gint     height = rows ? roi->height : 1;

  for (gint y = 0; y < height; y++)
    for (glong x = 0; x < width; x += OTTICA_BLOCK_PIXELS)
      fn (data, (gsize) (y * width + x), (gint) MIN (OTTICA_BLOCK_PIXELS, width - x),
          roi->x + (gint) x, roi->y + y);
}

/* Kernels run one after the other on each block, loaded and transposed
 * once: one op's (ottica_point_kernel_process ()) or a run of point steps
 * (ottica-point-steps.c). */
typedef struct
{
  const OtticaKernelRun             *runs;
  const OtticaKernelContext * const *contexts;
  guint                              n_kernels;
  const float                       *in;
  float                             *out;
  OtticaBlock                       *block;
} OtticaKernelPass;

static inline void
ottica_kernel_pass_block (gpointer data,
                          gsize    offset,
                          gint     n,
                          gint     x,
                          gint     y)
{
  OtticaKernelPass *pass = data;
  gint              lanes = (n + 3) & ~3;

  ottica_block_load (pass->block, pass->in + 4 * offset, n);
  for (guint i = 0; i < pass->n_kernels; i++)
    pass->runs[i] (pass->contexts[i], pass->block, lanes, x, y);
  ottica_block_store (pass->block, pass->out + 4 * offset, n);
}

/* A point op's process() through its kernel. */
static inline gboolean
ottica_point_kernel_process (const OtticaPointKernel *kernel,
                             GeglOperation           *operation,
                             const void              *in_buf,
                             void                    *out_buf,
                             glong                    n_pixels,
                             const GeglRectangle     *roi,
                             gint                     level)
{
  OtticaKernelContext        context;
  const OtticaKernelContext *contexts[1] = { &context };
  OtticaKernelRun            runs[1] = { ottica_point_kernel_runner (kernel) };
  OtticaBlock                block;
  OtticaKernelPass           pass = { runs, contexts, 1, in_buf, out_buf, &block };

  if (!kernel->begin (operation, roi, level, &context))
    {
      ottica_op_copy_pixels (in_buf, out_buf, n_pixels);
      return TRUE;
    }
  ottica_blocks_for_each (roi, n_pixels, ottica_kernel_pass_block, &pass);
  return TRUE;
}

static inline double
ottica_smoothstep (double edge0,
                   double edge1,
                   double x)
{
  double t = (x - edge0) / (edge1 - edge0);

  t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
  return t * t * (3.0 - 2.0 * t);
}

/* 3×3 matrices, row-major, in double for the set-up work. */
static inline void
ottica_mat3_mul (const double a[9],
                 const double b[9],
                 double       out[9])
{
  double r[9];

  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  memcpy (out, r, sizeof r);
}

static inline gboolean
ottica_mat3_invert (const double m[9],
                    double       out[9])
{
  double r[9];
  double det;

  r[0] = m[4] * m[8] - m[5] * m[7];
  r[1] = m[2] * m[7] - m[1] * m[8];
  r[2] = m[1] * m[5] - m[2] * m[4];
  r[3] = m[5] * m[6] - m[3] * m[8];
  r[4] = m[0] * m[8] - m[2] * m[6];
  r[5] = m[2] * m[3] - m[0] * m[5];
  r[6] = m[3] * m[7] - m[4] * m[6];
  r[7] = m[1] * m[6] - m[0] * m[7];
  r[8] = m[0] * m[4] - m[1] * m[3];
  det = m[0] * r[0] + m[1] * r[3] + m[2] * r[6];
  if (fabs (det) < 1e-300)
    return FALSE;
  for (int i = 0; i < 9; i++)
    out[i] = r[i] / det;
  return TRUE;
}

/* The working space's RGB → CIE XYZ matrix as babl uses it (D50-adapted,
 * ICC style), read off babl itself so that our Lab matches babl's. */
static inline void
ottica_working_rgb_to_xyz (double m[9])
{
  static const float basis[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  float xyz[9];
  const Babl *fish = babl_fish (babl_format_with_space ("RGB float", babl_space ("Rec2020")),
                                babl_format ("CIE XYZ float"));

  babl_process (fish, basis, xyz, 3);
  for (int c = 0; c < 3; c++)
    for (int r = 0; r < 3; r++)
      m[r * 3 + c] = xyz[c * 3 + r];
}

G_END_DECLS
