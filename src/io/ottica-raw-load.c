/* ottica-raw-load.c: camera RAW through libraw's C API.
 *
 * Output: camera white balance, AHD demosaic (half-size for previews),
 * highlights clipped (mode 0: white, not magenta), 16-bit linear in
 * ProPhoto primaries: a gamut wider than any camera matrix makes, and a
 * space babl knows ("ProPhoto"), so "RGB u16" there is linear light.
 *
 * libraw's processed pixels (imgdata.image, four 16-bit values a pixel)
 * are read directly and packed to three channels in their upright place:
 * dcraw_make_mem_image() would make the same packed copy and then we would
 * copy it again into the buffer. With gamma 1 and no auto-brightening its
 * output curve is the identity, so the values are the same.
 *
 * libraw's last step, the camera-to-ProPhoto matrix (convert_to_rgb), runs
 * on one thread for 50-60 ms on an 8 MP frame, and our packing waited for
 * it. Where nothing follows that step (no Fuji rotation, square pixels),
 * libraw is asked for the camera's own colours instead (output_color 0)
 * and, as soon as it reaches that step, this loader applies the very same
 * matrix with the very same float arithmetic while packing, in a thread of
 * its own, beside libraw's histogram pass over the same (now read-only)
 * pixels: the same values, and the two passes overlap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE /* dladdr() */
#include <dlfcn.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* libraw.h declares a few functions without prototypes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <libraw.h>
#pragma GCC diagnostic pop

#include "ottica-babl-guard.h"
#include "ottica-error.h"
#include "ottica-jpeg-load.h"
#include "ottica-limits.h"
#include "ottica-orientation.h"
#include "ottica-raw-load.h"

/* libraw's user_qual values. AHD: Debian's LibRaw 0.20 runs its
 * interpolation on OpenMP threads (0.6 s of CPU time on the 8 MP CR2, 0.3 s
 * on 2 cores); DHT, at least as good, took 1.6 s of CPU time there and
 * AAHD more still, so neither is faster in this LibRaw. Unpacking (0.22 s
 * on the CR2's lossless JPEG) runs on one thread. */
#define LIBRAW_QUALITY_AHD 3
/* libraw's output_color for ProPhoto RGB. */
#define LIBRAW_OUTPUT_PROPHOTO 4

#define BATCH_ROWS 32

/* Serialises libraw where the build linked the non-thread-safe library. */
static GMutex unsafe_libraw_lock;

/* libraw.so keeps decoder state (bit buffers, AHD tables) in statics;
 * only libraw_r.so keeps it per object. Both export the same symbols, so
 * ask the dynamic linker which one libraw_init came from. */
static gboolean
libraw_is_thread_safe (void)
{
  static gsize checked = 0;
  static gboolean safe = FALSE;

  if (g_once_init_enter (&checked))
    {
      Dl_info info = { 0 };

      if (dladdr ((void *) libraw_init, &info) != 0 && info.dli_fname != NULL)
        safe = strstr (info.dli_fname, "libraw_r") != NULL;
      if (!safe)
        g_debug ("libraw is not the thread-safe libraw_r (%s): RAW decodes run one at a time",
                 info.dli_fname != NULL ? info.dli_fname : "unknown");
      g_once_init_leave (&checked, 1);
    }
  return safe;
}

gboolean
ottica_raw_is_thread_safe (void)
{
  return libraw_is_thread_safe ();
}

typedef struct _RawLoad RawLoad;

typedef struct
{
  GCancellable *cancellable;
  gboolean      hit_eof;
  gboolean      damaged;
  int           damage_offset;
  RawLoad      *load;
} Callbacks;

/* The frame packed by our own thread while libraw finishes (see the top
 * of this file). */
typedef struct
{
  gboolean  wanted;         /* libraw was asked for camera colours */
  gboolean  set_up;
  GThread  *thread;
  const ushort (*image)[4];
  int       width;
  int       height;
  int       colors;         /* libraw's colours (3, or 4 for CMYG and such) */
  gboolean  identity;       /* libraw would have left the colours alone */
  float     out_cam[3][4];  /* camera → ProPhoto, as libraw computes it */
  int       orientation;
  guint16  *pixels;         /* the result, or NULL when memory ran out */
  gsize     stride;
  int       n_batches;
  gint      next_batch;     /* atomic: the next batch of rows to take */
  GThread  *prefault;       /* allocates @ready_pixels during unpacking */
  guint16  *ready_pixels;
  gsize     ready_size;
} OwnPack;

struct _RawLoad
{
  libraw_data_t *raw;
  Callbacks      callbacks;
  char          *name;
  gboolean       locked;
  int            header_width;   /* sizes.width/height before processing */
  int            header_height;
  OwnPack        pack;
};

static void
own_pack_join (OwnPack *pack)
{
  if (pack->thread != NULL)
    g_thread_join (g_steal_pointer (&pack->thread));
  if (pack->prefault != NULL)
    g_thread_join (g_steal_pointer (&pack->prefault));
}

/* The kernel zeroes a fresh frame's pages as they are first written:
 * 20-25 ms of CPU time for an 8 MP frame, which the packing would spend
 * after libraw, on the critical path. Done here instead, while libraw
 * unpacks on one core. */
static gpointer
prefault_thread (gpointer data)
{
  OwnPack *pack = data;
  guint8 *pixels = ottica_image_alloc_pixels (pack->ready_size);

  if (pixels != NULL)
    for (gsize i = 0; i < pack->ready_size; i += 4096)
      pixels[i] = 0;
  pack->ready_pixels = (guint16 *) pixels;
  return NULL;
}

static void
raw_load_free (RawLoad *load)
{
  own_pack_join (&load->pack);
  g_free (load->pack.pixels);
  g_free (load->pack.ready_pixels);
  if (load->raw != NULL)
    libraw_close (load->raw);
  g_clear_object (&load->callbacks.cancellable);
  if (load->locked)
    g_mutex_unlock (&unsafe_libraw_lock);
  g_free (load->name);
  g_free (load);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawLoad, raw_load_free)

static void own_pack_start (RawLoad *load);

static int
on_progress (void                 *data,
             enum LibRaw_progress  stage,
             int                   iteration,
             int                   expected)
{
  Callbacks *callbacks = data;
  RawLoad *load = callbacks->load;

  if (load != NULL && load->pack.wanted)
    {
      if (stage == LIBRAW_PROGRESS_CONVERT_RGB && iteration == 0 && load->pack.thread == NULL)
        own_pack_start (load);
      /* Cancelling now would make libraw free the pixels our thread
       * reads; the cancellation is seen right after processing. */
      if (load->pack.thread != NULL)
        return 0;
    }
  /* Non-zero makes libraw stop with LIBRAW_CANCELLED_BY_CALLBACK. */
  return g_cancellable_is_cancelled (callbacks->cancellable) ? 1 : 0;
}

static void
on_data_error (void       *data,
               const char *file,
               const int   offset)
{
  Callbacks *callbacks = data;

  /* libraw prints these on stderr unless told where to put them. */
  if (offset < 0)
    callbacks->hit_eof = TRUE;
  else if (!callbacks->damaged)
    {
      callbacks->damaged = TRUE;
      callbacks->damage_offset = offset;
    }
}

static libraw_data_t *
new_libraw (Callbacks *callbacks)
{
  libraw_data_t *raw = libraw_init (0);

  if (raw == NULL)
    return NULL;
  libraw_set_dataerror_handler (raw, on_data_error, callbacks);
  libraw_set_progress_handler (raw, on_progress, callbacks);
  return raw;
}

gboolean
ottica_raw_can_load (const char *path)
{
  Callbacks callbacks = { 0 };
  libraw_data_t *raw;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!libraw_is_thread_safe ())
    g_mutex_lock (&unsafe_libraw_lock);
  raw = new_libraw (&callbacks);
  /* Opening only identifies the file: headers, no image data. */
  ok = raw != NULL && libraw_open_file (raw, path) == LIBRAW_SUCCESS;
  if (raw != NULL)
    libraw_close (raw);
  if (!libraw_is_thread_safe ())
    g_mutex_unlock (&unsafe_libraw_lock);
  return ok;
}

static gboolean
set_libraw_error (RawLoad  *load,
                  int       code,
                  GError  **error)
{
  const char *name = load->name;

  if (code > 0)
    {
      /* libraw_open_file passes errno through. */
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” cannot be read: %s."), name, g_strerror (code));
      return FALSE;
    }

  switch (code)
    {
    case LIBRAW_FILE_UNSUPPORTED:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is not a camera RAW format Ottica can read."), name);
      break;
    case LIBRAW_IO_ERROR:
      if (load->callbacks.hit_eof)
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                     _("“%s” is truncated: the file ends before the image data does."), name);
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                     _("“%s” is damaged: its image data cannot be read."), name);
      break;
    case LIBRAW_DATA_ERROR:
    case LIBRAW_REQUEST_FOR_NONEXISTENT_IMAGE:
    case LIBRAW_BAD_CROP:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its image data is not what its header describes."), name);
      break;
    case LIBRAW_TOO_BIG:
    case LIBRAW_MEMPOOL_OVERFLOW:
    case LIBRAW_UNSUFFICIENT_MEMORY:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large to decode in the memory available."), name);
      break;
    case LIBRAW_CANCELLED_BY_CALLBACK:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Loading was cancelled."));
      break;
    default:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                   _("“%s” cannot be decoded: %s."), name, libraw_strerror (code));
      break;
    }
  return FALSE;
}

/* libraw's sizes.flip (bit 0 mirror columns, bit 1 mirror rows, bit 2
 * swap axes) as an EXIF orientation. */
static int
orientation_from_flip (int flip)
{
  static const int orientation[8] = { 1, 2, 4, 3, 5, 8, 6, 7 };

  return orientation[flip & 7];
}

static char *
describe_format (libraw_data_t *raw,
                 const char    *path)
{
  const char *make = raw->idata.make;
  const char *dot = strrchr (path, '.');
  g_autofree char *extension = NULL;

  if (raw->idata.dng_version != 0)
    return g_strdup (_("DNG RAW"));
  if (dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL && dot[1] != '\0')
    extension = g_ascii_strup (dot + 1, -1);
  if (extension == NULL || g_ascii_strcasecmp (extension, "RAW") == 0)
    /* Translators: a file format, %s is the camera maker: "Canon RAW". */
    return *make ? g_strdup_printf (_("%s RAW"), make) : g_strdup (_("Camera RAW"));
  /* Translators: a file format: the camera maker and the file name's
   * extension, "Canon CR2 RAW"; "%2$s %1$s" swaps them. */
  return *make ? g_strdup_printf (_("%s %s RAW"), make, extension)
               /* Translators: a file format, %s is the file name's extension: "CR2 RAW". */
               : g_strdup_printf (_("%s RAW"), extension);
}

typedef struct
{
  const ushort (*image)[4];
  int           width;
  int           height;
  int           channels;
  int           orientation;
  guint16      *dest;
  gsize         dest_stride;
} Pack;

/* Packs batches [@first, @first + @n) of BATCH_ROWS rows of libraw's
 * four-channel pixels to @pack->channels and places them upright. */
static void
pack_batches (gsize    first,
              gsize    n_batches,
              gpointer data)
{
  const Pack *pack = data;
  int width = pack->width;
  int channels = pack->channels;
  gsize bpp = (gsize) channels * sizeof (guint16);
  g_autofree guint16 *strip = NULL;

  if (pack->orientation != 1)
    strip = g_new (guint16, (gsize) width * channels * BATCH_ROWS);

  for (gsize batch = first; batch < first + n_batches; batch++)
    {
      int y = (int) batch * BATCH_ROWS;
      int n = MIN (BATCH_ROWS, pack->height - y);

      for (int i = 0; i < n; i++)
        {
          const ushort (*src)[4] = pack->image + (gsize) (y + i) * width;
          guint16 *out = pack->orientation == 1
            ? (guint16 *) ((guint8 *) pack->dest + (gsize) (y + i) * pack->dest_stride)
            : strip + (gsize) i * width * channels;

          if (channels == 3)
            for (int x = 0; x < width; x++, out += 3)
              {
                out[0] = src[x][0];
                out[1] = src[x][1];
                out[2] = src[x][2];
              }
          else
            for (int x = 0; x < width; x++)
              out[x] = src[x][0];
        }

      if (pack->orientation != 1)
        ottica_orientation_place_rows (pack->orientation, (const guint8 *) strip,
                                       (gsize) width * bpp, (int) bpp, width, pack->height, y, n,
                                       (guint8 *) pack->dest, pack->dest_stride);
    }
}

/* dcraw's and LibRaw's (0.20) ProPhoto matrix, from linear sRGB-like
 * camera space to ProPhoto: LibRaw_constants::prophoto_rgb. */
static const double libraw_prophoto_rgb[3][3] = {
  { 0.529317, 0.330092, 0.140588 },
  { 0.098368, 0.873465, 0.028169 },
  { 0.016879, 0.117663, 0.865457 },
};

/* Rows [@y, @y + @n) of libraw's camera colours through the matrix, with
 * LibRaw's own arithmetic (convert_to_rgb_loop: float sums in channel
 * order, truncation, clipping to 16 bits), packed to three channels. */
static void
own_pack_rows (const OwnPack *pack, int y, int n, guint16 *out_rows)
{
  const int width = pack->width;
  const int colors = pack->colors;

  for (int i = 0; i < n; i++)
    {
      const ushort (*src)[4] = pack->image + (gsize) (y + i) * width;
      guint16 *out = out_rows + (gsize) i * width * 3;

      if (pack->identity)
        for (int x = 0; x < width; x++, out += 3)
          {
            out[0] = src[x][0];
            out[1] = src[x][1];
            out[2] = src[x][2];
          }
      else
        {
          int x = 0;

#ifdef __SSE2__
          /* One pixel a vector, the lanes being the output channels: the
           * same multiplications and additions in the same order as the
           * scalar loop below, so the same floats. Clamping before the
           * truncation gives what clamping after does for every value a
           * 16-bit camera makes (|sum| stays far below 2^31). Each store
           * writes a fourth value the next pixel overwrites, so the last
           * pixel of a row takes the scalar path. */
          const __m128 c0 = _mm_setr_ps (pack->out_cam[0][0], pack->out_cam[1][0], pack->out_cam[2][0], 0.0f);
          const __m128 c1 = _mm_setr_ps (pack->out_cam[0][1], pack->out_cam[1][1], pack->out_cam[2][1], 0.0f);
          const __m128 c2 = _mm_setr_ps (pack->out_cam[0][2], pack->out_cam[1][2], pack->out_cam[2][2], 0.0f);
          const __m128 c3 = _mm_setr_ps (pack->out_cam[0][3], pack->out_cam[1][3], pack->out_cam[2][3], 0.0f);
          const __m128 top = _mm_set1_ps (65535.0f);
          const __m128i zero = _mm_setzero_si128 ();
          const __m128i bias = _mm_set1_epi32 (32768);
          const __m128i back = _mm_set1_epi16 ((short) 0x8000);

          for (; x + 1 < width; x++, out += 3)
            {
              __m128i raw16 = _mm_loadl_epi64 ((const __m128i *) src[x]);
              __m128 v = _mm_cvtepi32_ps (_mm_unpacklo_epi16 (raw16, zero));
              __m128 o = _mm_mul_ps (c0, _mm_shuffle_ps (v, v, _MM_SHUFFLE (0, 0, 0, 0)));
              __m128i q;

              o = _mm_add_ps (o, _mm_mul_ps (c1, _mm_shuffle_ps (v, v, _MM_SHUFFLE (1, 1, 1, 1))));
              o = _mm_add_ps (o, _mm_mul_ps (c2, _mm_shuffle_ps (v, v, _MM_SHUFFLE (2, 2, 2, 2))));
              if (colors == 4)
                o = _mm_add_ps (o, _mm_mul_ps (c3, _mm_shuffle_ps (v, v, _MM_SHUFFLE (3, 3, 3, 3))));
              o = _mm_min_ps (_mm_max_ps (o, _mm_setzero_ps ()), top);
              q = _mm_sub_epi32 (_mm_cvttps_epi32 (o), bias);
              q = _mm_xor_si128 (_mm_packs_epi32 (q, q), back);
              _mm_storel_epi64 ((__m128i *) out, q);
            }
#endif
          for (; x < width; x++, out += 3)
            {
              float o[3] = { 0.0f, 0.0f, 0.0f };

              for (int c = 0; c < colors; c++)
                {
                  o[0] += pack->out_cam[0][c] * src[x][c];
                  o[1] += pack->out_cam[1][c] * src[x][c];
                  o[2] += pack->out_cam[2][c] * src[x][c];
                }
              for (int c = 0; c < 3; c++)
                out[c] = (guint16) CLAMP ((int) o[c], 0, 65535);
            }
        }
    }
}

/* Takes batches of BATCH_ROWS rows until none are left: our thread from
 * libraw's colour step on, and the decoding thread too once libraw is
 * done. */
static void
own_pack_work (OwnPack *pack)
{
  g_autofree guint16 *strip = NULL;

  if (pack->orientation != 1)
    strip = g_new (guint16, (gsize) pack->width * 3 * BATCH_ROWS);

  for (;;)
    {
      int batch = g_atomic_int_add (&pack->next_batch, 1);
      int y = batch * BATCH_ROWS;
      int n;

      if (batch >= pack->n_batches)
        break;
      n = MIN (BATCH_ROWS, pack->height - y);
      if (pack->orientation == 1)
        own_pack_rows (pack, y, n, (guint16 *) ((guint8 *) pack->pixels + (gsize) y * pack->stride));
      else
        {
          own_pack_rows (pack, y, n, strip);
          ottica_orientation_place_rows (pack->orientation, (const guint8 *) strip,
                                         (gsize) pack->width * 3 * sizeof (guint16),
                                         3 * sizeof (guint16), pack->width, pack->height, y, n,
                                         (guint8 *) pack->pixels, pack->stride);
        }
    }
}

static gpointer
own_pack_thread (gpointer data)
{
  own_pack_work (data);
  return NULL;
}

/* Called at libraw's convert_to_rgb step: the frame is demosaiced and in
 * its final size; libraw will only read it from now on. */
static gboolean
own_pack_setup (RawLoad *load)
{
  libraw_data_t *raw = load->raw;
  OwnPack *pack = &load->pack;
  int out_width, out_height;

  pack->image = (const ushort (*)[4]) raw->image;
  pack->width = raw->sizes.width;
  pack->height = raw->sizes.height;
  pack->colors = raw->idata.colors;
  pack->orientation = orientation_from_flip (raw->sizes.flip);
  /* LibRaw leaves the camera's colours alone where it has no matrix. */
  pack->identity = raw->rawdata.ioparams.raw_color != 0;
  pack->set_up = TRUE;
  if (pack->image == NULL || pack->colors < 3 || pack->colors > 4)
    return FALSE;
  ottica_orientation_size (pack->orientation, pack->width, pack->height, &out_width, &out_height);
  pack->stride = (gsize) out_width * 3 * sizeof (guint16);
  if (pack->prefault != NULL)
    g_thread_join (g_steal_pointer (&pack->prefault));
  if (pack->ready_pixels != NULL && pack->ready_size == pack->stride * out_height)
    pack->pixels = g_steal_pointer (&pack->ready_pixels);
  else
    {
      g_clear_pointer (&pack->ready_pixels, g_free);
      pack->pixels = ottica_image_alloc_pixels (pack->stride * out_height);
    }
  if (pack->pixels == NULL)
    return FALSE;
  pack->n_batches = (pack->height + BATCH_ROWS - 1) / BATCH_ROWS;
  pack->next_batch = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      {
        /* As LibRaw does it: a float summed in double steps. */
        float sum = 0.0f;

        if (j < pack->colors)
          for (int k = 0; k < 3; k++)
            sum = (float) (sum + libraw_prophoto_rgb[i][k] * raw->color.rgb_cam[k][j]);
        pack->out_cam[i][j] = sum;
      }
  return TRUE;
}

static void
own_pack_start (RawLoad *load)
{
  if (own_pack_setup (load))
    load->pack.thread = g_thread_new ("ottica-raw-pack", own_pack_thread, &load->pack);
}

/* After processing: the pack's pixels, made here if libraw never called
 * at its colour step. FALSE when there are none (no memory, or a frame
 * this path cannot take, which libraw never makes). */
static gboolean
own_pack_finish (RawLoad *load)
{
  if (load->pack.set_up || own_pack_setup (load))
    {
      if (load->pack.pixels != NULL)
        own_pack_work (&load->pack);
    }
  own_pack_join (&load->pack);
  return load->pack.pixels != NULL;
}

static void
pack_pixels (libraw_data_t *raw,
             int            channels,
             int            orientation,
             guint16       *dest,
             gsize          dest_stride)
{
  Pack pack = {
    (const ushort (*)[4]) raw->image, raw->sizes.width, raw->sizes.height,
    channels, orientation, dest, dest_stride,
  };
  gsize n_batches = (gsize) (pack.height + BATCH_ROWS - 1) / BATCH_ROWS;

  /* A memory-bound pass over the whole frame: share it among GEGL's threads. */
  gegl_parallel_distribute_range (n_batches, 8.0, pack_batches, &pack);
}

/* The embedded JPEG preview in place of a decode, where it is big enough
 * and shows the same frame. TRUE with @image filled; FALSE to decode
 * instead (no usable preview), with @error set only for cancellation. */
static gboolean
load_embedded_preview (RawLoad       *load,
                       OtticaImage   *image,
                       guint          max_size,
                       GCancellable  *cancellable,
                       GError       **error)
{
  libraw_data_t *raw = load->raw;
  libraw_thumbnail_t *thumb = &raw->thumbnail;
  g_autoptr(GError) local_error = NULL;
  int orientation, full_width, full_height, code;
  const GeglRectangle *extent;
  double full_aspect, preview_aspect;

  /* The full decode's size is known without decoding only where libraw
   * neither turns (Fuji) nor stretches (non-square pixels) the frame. */
  if (raw->rawdata.ioparams.fuji_width != 0 || fabs (raw->sizes.pixel_aspect - 1.0) >= 0.005)
    return FALSE;
  /* The size comes from the headers; the format only from unpacking. */
  if (MAX (thumb->twidth, thumb->theight) < max_size)
    return FALSE;

  code = libraw_unpack_thumb (raw);
  if (code != LIBRAW_SUCCESS || thumb->tformat != LIBRAW_THUMBNAIL_JPEG || thumb->thumb == NULL
      || thumb->tlength < 4)
    {
      g_debug ("%s: no usable embedded preview (%s)", load->name, libraw_strerror (code));
      return FALSE;
    }

  /* Previews carry no orientation of their own that cameras agree on:
   * they are stored as the sensor saw the scene, like the RAW. */
  orientation = orientation_from_flip (raw->sizes.flip);
  if (!ottica_jpeg_load_data (image, (const guint8 *) thumb->thumb, thumb->tlength, orientation,
                              max_size, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s: embedded preview unreadable: %s", load->name, local_error->message);
      return FALSE;
    }

  ottica_orientation_size (orientation, raw->sizes.width, raw->sizes.height,
                           &full_width, &full_height);
  extent = gegl_buffer_get_extent (image->buffer);
  full_aspect = (double) full_width / full_height;
  preview_aspect = (double) extent->width / extent->height;
  /* A preview of another frame (letterboxed, cropped to another ratio, a
   * small thumbnail where the header promised a big one) is no preview. */
  if (fabs (preview_aspect / full_aspect - 1.0) > 0.02
      || (guint) MAX (extent->width, extent->height) < max_size)
    {
      g_debug ("%s: embedded preview %d × %d does not match the photo's %d × %d", load->name,
               extent->width, extent->height, full_width, full_height);
      g_clear_object (&image->buffer);
      g_clear_pointer (&image->icc_profile, g_bytes_unref);
      g_clear_pointer (&image->color_space, g_free);
      g_clear_pointer (&image->warning, g_free);
      g_clear_pointer (&image->camera, g_free);
      image->orientation = 1;
      image->scale = 1.0;
      return FALSE;
    }

  image->full_width = full_width;
  image->full_height = full_height;
  image->scale = (double) extent->width / full_width;
  image->embedded_preview = TRUE;
  return TRUE;
}

static void
describe_raw (RawLoad       *load,
              OtticaImage   *image)
{
  libraw_data_t *raw = load->raw;

  image->kind = OTTICA_IMAGE_KIND_RAW;
  g_free (image->format_name);
  image->format_name = describe_format (raw, image->path);
  g_free (image->camera);
  image->camera = ottica_camera_name (raw->idata.make, raw->idata.model);
}

/* Opens @path with libraw and checks its header: the first stage of a
 * load, which needs no GEGL. */
static RawLoad *
raw_open (const char    *path,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(RawLoad) load = g_new0 (RawLoad, 1);
  libraw_data_t *raw;
  int code;

  load->name = g_filename_display_basename (path);
  load->callbacks.cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  load->callbacks.load = load;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (!libraw_is_thread_safe ())
    {
      g_mutex_lock (&unsafe_libraw_lock);
      load->locked = TRUE;
    }
  load->raw = raw = new_libraw (&load->callbacks);
  if (raw == NULL)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                   _("“%s” cannot be decoded: the RAW decoder could not start."), load->name);
      return NULL;
    }

  code = libraw_open_file (raw, path);
  if (code != LIBRAW_SUCCESS)
    {
      set_libraw_error (load, code, error);
      return NULL;
    }

  /* Sizes from the headers, before libraw allocates anything for pixels. */
  if (raw->sizes.raw_width > OTTICA_MAX_IMAGE_SIDE || raw->sizes.raw_height > OTTICA_MAX_IMAGE_SIDE
      || raw->sizes.width > OTTICA_MAX_IMAGE_SIDE || raw->sizes.height > OTTICA_MAX_IMAGE_SIDE
      || (double) raw->sizes.raw_width * raw->sizes.raw_height > OTTICA_MAX_IMAGE_PIXELS)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large: %u × %u pixels is more than Ottica opens."),
                   load->name, raw->sizes.raw_width, raw->sizes.raw_height);
      return NULL;
    }
  if (raw->sizes.width < 1 || raw->sizes.height < 1)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is damaged: its header gives the image no size."), load->name);
      return NULL;
    }

  load->header_width = raw->sizes.width;
  load->header_height = raw->sizes.height;
  return g_steal_pointer (&load);
}

/* libraw's unpacking and processing: the second stage, the long one,
 * which needs no GEGL either. */
static gboolean
raw_develop (RawLoad  *load,
             guint     max_size,
             GError  **error)
{
  libraw_data_t *raw = load->raw;
  int code;

  raw->params.use_camera_wb = 1;
  raw->params.output_bps = 16;
  raw->params.gamm[0] = 1.0;
  raw->params.gamm[1] = 1.0;
  raw->params.no_auto_bright = 1;
  raw->params.highlight = 0;
  raw->params.output_color = LIBRAW_OUTPUT_PROPHOTO;
  raw->params.user_qual = LIBRAW_QUALITY_AHD;
  /* Half size skips demosaicing: four times fewer pixels, ten times faster. */
  raw->params.half_size = max_size > 0 && MAX (raw->sizes.width, raw->sizes.height) / 2 >= (int) max_size;

  /* Our own colour matrix and packing beside libraw's last pass, where
   * libraw changes nothing after it (see the top of this file). */
  load->pack.wanted = raw->idata.colors >= 3 && raw->idata.colors <= 4
                      && raw->rawdata.ioparams.fuji_width == 0
                      && fabs (raw->sizes.pixel_aspect - 1.0) < 0.005
                      && g_getenv ("OTTICA_RAW_LIBRAW_COLOUR") == NULL;
  if (load->pack.wanted)
    raw->params.output_color = 0;
  /* At full size the frame keeps the header's size. */
  if (load->pack.wanted && !raw->params.half_size)
    {
      load->pack.ready_size = (gsize) raw->sizes.width * raw->sizes.height * 3 * sizeof (guint16);
      load->pack.prefault = g_thread_new ("ottica-raw-alloc", prefault_thread, &load->pack);
    }

  code = libraw_unpack (raw);
  if (code != LIBRAW_SUCCESS)
    return set_libraw_error (load, code, error);
  if (load->callbacks.hit_eof)
    return set_libraw_error (load, LIBRAW_IO_ERROR, error);

  code = libraw_dcraw_process (raw);
  if (code != LIBRAW_SUCCESS || raw->image == NULL)
    {
      own_pack_join (&load->pack);
      return set_libraw_error (load, code != LIBRAW_SUCCESS ? code : LIBRAW_DATA_ERROR, error);
    }
  if (load->pack.wanted && !own_pack_finish (load))
    return set_libraw_error (load, LIBRAW_UNSUFFICIENT_MEMORY, error);

  if (g_cancellable_set_error_if_cancelled (load->callbacks.cancellable, error))
    return FALSE;
  return TRUE;
}

/* The last stage: libraw's pixels into @image's buffer, upright. */
static gboolean
raw_finish (RawLoad      *load,
            OtticaImage  *image,
            GError      **error)
{
  libraw_data_t *raw = load->raw;
  int flip, orientation, width, height, out_width, out_height, channels;
  int full_width, full_height;
  gsize dest_stride;
  guint16 *pixels;
  const Babl *format;
  GeglRectangle extent;

  /* After processing, sizes.width/height describe imgdata.image (halved,
   * Fuji-rotated or stretched as it was). */
  width = raw->sizes.width;
  height = raw->sizes.height;
  channels = raw->idata.colors == 1 ? 1 : 3;
  flip = raw->sizes.flip;
  orientation = orientation_from_flip (flip);
  ottica_orientation_size (orientation, width, height, &out_width, &out_height);

  if (load->pack.pixels != NULL)
    {
      dest_stride = load->pack.stride;
      pixels = g_steal_pointer (&load->pack.pixels);
    }
  else
    {
      dest_stride = (gsize) out_width * channels * sizeof (guint16);
      pixels = ottica_image_alloc_pixels (dest_stride * out_height);
      if (pixels == NULL)
        return set_libraw_error (load, LIBRAW_UNSUFFICIENT_MEMORY, error);
      pack_pixels (raw, channels, orientation, pixels, dest_stride);
    }

  ottica_babl_guard_read_begin ();
  format = babl_format_with_space (channels == 3 ? "RGB u16" : "Y u16", babl_space ("ProPhoto"));
  extent = (GeglRectangle) { 0, 0, out_width, out_height };
  g_clear_object (&image->buffer);
  image->buffer = gegl_buffer_linear_new_from_data (pixels, format, &extent, (int) dest_stride,
                                                    g_free, pixels);
  ottica_babl_guard_read_end ();

  /* The full-size output, for previews made at half size: the size from
   * the headers, unless Fuji's rotation or a pixel aspect changed it. */
  if (!raw->params.half_size)
    {
      full_width = width;
      full_height = height;
    }
  else if (raw->rawdata.ioparams.fuji_width == 0 && fabs (raw->sizes.pixel_aspect - 1.0) < 0.005)
    {
      full_width = load->header_width;
      full_height = load->header_height;
    }
  else
    {
      full_width = width * 2;
      full_height = height * 2;
    }
  ottica_orientation_size (orientation, full_width, full_height,
                           &image->full_width, &image->full_height);

  describe_raw (load, image);
  image->scale = (double) out_width / image->full_width;
  image->orientation = orientation;
  image->embedded_preview = FALSE;
  g_free (image->color_space);
  image->color_space = g_strdup (_("ProPhoto RGB (linear, from the camera’s colour matrix)"));

  if (load->callbacks.damaged)
    {
      g_free (image->warning);
      image->warning = g_strdup_printf (_("“%s” has damaged image data near byte %d; parts of the "
                                          "photo may look wrong."),
                                        load->name, load->callbacks.damage_offset);
    }
  return TRUE;
}

gboolean
ottica_raw_load (OtticaImage              *image,
                 const OtticaLoadOptions  *options,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  g_autoptr(RawLoad) load = NULL;
  guint max_size = options != NULL ? options->max_size : 0;

  g_return_val_if_fail (image != NULL && image->path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  load = raw_open (image->path, cancellable, error);
  if (load == NULL)
    return FALSE;

  if (max_size > 0 && options->allow_embedded_preview)
    {
      g_autoptr(GError) preview_error = NULL;

      if (load_embedded_preview (load, image, max_size, cancellable, &preview_error))
        {
          describe_raw (load, image);
          return TRUE;
        }
      if (preview_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&preview_error));
          return FALSE;
        }
    }

  return raw_develop (load, max_size, error) && raw_finish (load, image, error);
}

OtticaRawDecode *
ottica_raw_decode (const char    *path,
                   guint          max_size,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(RawLoad) load = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  load = raw_open (path, cancellable, error);
  if (load == NULL || !raw_develop (load, max_size, error))
    return NULL;
  return (OtticaRawDecode *) g_steal_pointer (&load);
}

gboolean
ottica_raw_decode_finish (OtticaRawDecode  *decode,
                          OtticaImage      *image,
                          GError          **error)
{
  g_return_val_if_fail (decode != NULL, FALSE);
  g_return_val_if_fail (image != NULL && image->path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return raw_finish ((RawLoad *) decode, image, error);
}

void
ottica_raw_decode_free (OtticaRawDecode *decode)
{
  if (decode != NULL)
    raw_load_free ((RawLoad *) decode);
}
