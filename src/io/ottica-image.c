/* ottica-image.c: picks the decoder from a file's content.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ottica-babl-guard.h"
#include "ottica-error.h"
#include "ottica-gegl-load.h"
#include "ottica-image.h"
#include "ottica-jpeg-load.h"
#include "ottica-limits.h"
#include "ottica-raw-load.h"

#define SNIFF_BYTES 64

#define HUGE_PAGE_SIZE ((gsize) 2 << 20)

typedef enum
{
  SNIFF_UNKNOWN,
  SNIFF_JPEG,
  SNIFF_PNG,
  SNIFF_TIFF,       /* plain TIFF or a TIFF-based RAW (CR2, NEF, DNG, ARW…) */
} Sniff;

static const char * const jpeg_extensions[] = { "jpg", "jpeg", "jpe", "jfif", NULL };
static const char * const other_extensions[] = { "png", "tif", "tiff", NULL };
/* What Debian's LibRaw 0.20 decodes. */
static const char * const raw_extensions[] = {
  "3fr", "ari", "arw", "bay", "cap", "cr2", "cr3", "crw", "cs1", "dc2", "dcr", "dcs", "dng",
  "drf", "eip", "erf", "fff", "iiq", "k25", "kc2", "kdc", "mdc", "mef", "mfw", "mos", "mrw",
  "nef", "nrw", "orf", "ori", "pef", "ptx", "pxn", "qtk", "r3d", "raf", "raw", "rw2", "rwl",
  "rwz", "sr2", "srf", "srw", "sti", "x3f", NULL
};

static const char *
name_extension (const char *path)
{
  const char *base = strrchr (path, G_DIR_SEPARATOR);
  const char *dot = strrchr (base != NULL ? base : path, '.');

  return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

static gboolean
extension_in (const char         *extension,
              const char * const *list)
{
  for (; *list != NULL; list++)
    if (g_ascii_strcasecmp (extension, *list) == 0)
      return TRUE;
  return FALSE;
}

gboolean
ottica_image_is_supported_name (const char *path)
{
  const char *extension;

  g_return_val_if_fail (path != NULL, FALSE);

  extension = name_extension (path);
  return extension != NULL
    && (extension_in (extension, jpeg_extensions) || extension_in (extension, other_extensions)
        || extension_in (extension, raw_extensions));
}

static Sniff
sniff (const guint8 *head,
       gsize         length)
{
  if (length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
    return SNIFF_JPEG;
  if (length >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return SNIFF_PNG;
  if (length >= 4
      && (memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0
          || memcmp (head, "II+\0", 4) == 0 || memcmp (head, "MM\0+", 4) == 0))
    return SNIFF_TIFF;
  return SNIFF_UNKNOWN;
}

/* Formats people meet that Ottica does not read, each with its own
 * sentence (articles and genders differ between the names). */
typedef enum
{
  OTHER_NONE,
  OTHER_GIF,
  OTHER_WEBP,
  OTHER_AVIF,
  OTHER_HEIF,
  OTHER_JPEG_2000,
  OTHER_JPEG_XL,
  OTHER_PHOTOSHOP,
  OTHER_PDF,
} OtherFormat;

static OtherFormat
recognise_other (const guint8 *head,
                 gsize         length)
{
  if (length >= 6 && (memcmp (head, "GIF87a", 6) == 0 || memcmp (head, "GIF89a", 6) == 0))
    return OTHER_GIF;
  if (length >= 12 && memcmp (head, "RIFF", 4) == 0 && memcmp (head + 8, "WEBP", 4) == 0)
    return OTHER_WEBP;
  if (length >= 12 && memcmp (head + 4, "ftyp", 4) == 0)
    {
      if (memcmp (head + 8, "avif", 4) == 0 || memcmp (head + 8, "avis", 4) == 0)
        return OTHER_AVIF;
      if (memcmp (head + 8, "heic", 4) == 0 || memcmp (head + 8, "heix", 4) == 0
          || memcmp (head + 8, "mif1", 4) == 0 || memcmp (head + 8, "msf1", 4) == 0)
        return OTHER_HEIF;
    }
  if (length >= 12 && memcmp (head, "\0\0\0\x0cjP  ", 8) == 0)
    return OTHER_JPEG_2000;
  if (length >= 12 && (memcmp (head, "\xff\x0a", 2) == 0
                       || memcmp (head, "\0\0\0\x0cJXL ", 8) == 0))
    return OTHER_JPEG_XL;
  if (length >= 4 && memcmp (head, "8BPS", 4) == 0)
    return OTHER_PHOTOSHOP;
  if (length >= 5 && memcmp (head, "%PDF-", 5) == 0)
    return OTHER_PDF;
  return OTHER_NONE;
}

static void
set_other_format_error (OtherFormat   other,
                        const char   *name,
                        GError      **error)
{
  switch (other)
    {
    case OTHER_GIF:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a GIF image, which Ottica does not open."), name);
      break;
    case OTHER_WEBP:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a WebP image, which Ottica does not open."), name);
      break;
    case OTHER_AVIF:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is an AVIF image, which Ottica does not open."), name);
      break;
    case OTHER_HEIF:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a HEIF image, which Ottica does not open."), name);
      break;
    case OTHER_JPEG_2000:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a JPEG 2000 image, which Ottica does not open."), name);
      break;
    case OTHER_JPEG_XL:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a JPEG XL image, which Ottica does not open."), name);
      break;
    case OTHER_PHOTOSHOP:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a Photoshop document, which Ottica does not open."), name);
      break;
    case OTHER_PDF:
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a PDF document, which Ottica does not open."), name);
      break;
    case OTHER_NONE:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
looks_like_text (const guint8 *head,
                 gsize         length)
{
  /* A UTF-8 sequence may be cut at the end of what was read. */
  const char *end = NULL;

  if (length == 0)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if ((head[i] < 0x20 && head[i] != '\n' && head[i] != '\r' && head[i] != '\t') || head[i] == 0x7F)
      return FALSE;
  return g_utf8_validate ((const char *) head, (gssize) length, &end)
         || (gsize) ((const guint8 *) end - head) + 4 > length;
}

static gboolean
read_head (const char  *path,
           const char  *name,
           guint8      *head,
           gsize       *length,
           GError     **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gssize n;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” cannot be read: %s."), name, g_strerror (saved));
      return FALSE;
    }
  do
    n = read (fd, head, SNIFF_BYTES);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” cannot be read: %s."), name, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  *length = (gsize) n;
  return TRUE;
}

static gboolean
set_not_an_image (const char    *path,
                  const char    *name,
                  const guint8  *head,
                  gsize          length,
                  GError       **error)
{
  OtherFormat other = recognise_other (head, length);
  const char *extension = name_extension (path);

  if (other != OTHER_NONE)
    set_other_format_error (other, name, error);
  else if (looks_like_text (head, length))
    g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                 _("“%s” is a text file, not an image."), name);
  else if (extension != NULL && ottica_image_is_supported_name (path))
    {
      /* Named like a photo but nothing in it is one: damaged, most likely. */
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   /* Translators: the second %s is the file name's extension, e.g. "jpg". */
                   _("“%s” is damaged or misnamed: its name ends in “.%s”, but its contents are "
                     "not an image Ottica can read."),
                   name, extension);
    }
  else
    g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                 _("“%s” is not an image Ottica can open: it is not a JPEG, PNG, TIFF or "
                   "camera RAW file."),
                 name);
  return FALSE;
}

/* ---- prefetch ------------------------------------------------------------ */

/* One photo decoded ahead, in a thread, by ottica_image_prefetch(). */
typedef struct
{
  char            *path;
  guint            max_size;
  GStatBuf         st;          /* the file as the decode found it */
  GCancellable    *cancellable;
  GThread         *thread;
  OtticaRawDecode *decode;      /* the thread's result, or NULL */
} Prefetch;

static GMutex prefetch_lock;
static Prefetch *prefetch;

static void
prefetch_free (Prefetch *fetch)
{
  if (fetch == NULL)
    return;
  g_cancellable_cancel (fetch->cancellable);
  if (fetch->thread != NULL)
    g_thread_join (fetch->thread);
  ottica_raw_decode_free (fetch->decode);
  g_object_unref (fetch->cancellable);
  g_free (fetch->path);
  g_free (fetch);
}

static gboolean
same_file (const GStatBuf *a,
           const GStatBuf *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size
         && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
         && a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static gpointer
prefetch_thread (gpointer data)
{
  Prefetch *fetch = data;
  guint8 head[SNIFF_BYTES];
  gsize length = 0;
  Sniff kind;

  /* Only what ottica_image_load() would hand to libraw: the checks on
   * the way there are repeated by the load that takes the result. */
  if (!read_head (fetch->path, "", head, &length, NULL))
    return NULL;
  kind = sniff (head, length);
  if ((kind == SNIFF_TIFF || kind == SNIFF_UNKNOWN) && ottica_raw_can_load (fetch->path))
    fetch->decode = ottica_raw_decode (fetch->path, fetch->max_size, fetch->cancellable, NULL);
  return NULL;
}

void
ottica_image_prefetch (const char              *path,
                       const OtticaLoadOptions *options)
{
  Prefetch *fetch;
  Prefetch *old;

  g_return_if_fail (path != NULL);

  /* Embedded previews are quick, and need GEGL: nothing to gain. With
   * the non-thread-safe libraw a decode waiting to be taken would hold
   * the lock every other RAW load needs. */
  if ((options != NULL && options->max_size > 0 && options->allow_embedded_preview)
      || !ottica_raw_is_thread_safe ())
    return;

  fetch = g_new0 (Prefetch, 1);
  if (g_stat (path, &fetch->st) != 0 || !S_ISREG (fetch->st.st_mode) || fetch->st.st_size == 0
      || (double) fetch->st.st_size > OTTICA_MAX_INPUT_BYTES)
    {
      g_free (fetch);
      return;
    }
  fetch->path = g_strdup (path);
  fetch->max_size = options != NULL ? options->max_size : 0;
  fetch->cancellable = g_cancellable_new ();
  fetch->thread = g_thread_new ("ottica-prefetch", prefetch_thread, fetch);

  g_mutex_lock (&prefetch_lock);
  old = prefetch;
  prefetch = fetch;
  g_mutex_unlock (&prefetch_lock);
  prefetch_free (old);
}

void
ottica_image_prefetch_clear (void)
{
  Prefetch *old;

  g_mutex_lock (&prefetch_lock);
  old = g_steal_pointer (&prefetch);
  g_mutex_unlock (&prefetch_lock);
  prefetch_free (old);
}

static void
on_load_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  g_cancellable_cancel (data);
}

/* The prefetched decode of @path (already stat()ed as @st) for these
 * options, waiting for it to finish; NULL when there is none. */
static OtticaRawDecode *
take_prefetch (const char              *path,
               const GStatBuf          *st,
               const OtticaLoadOptions *options,
               GCancellable            *cancellable)
{
  Prefetch *fetch = NULL;
  OtticaRawDecode *decode = NULL;
  guint max_size = options != NULL ? options->max_size : 0;
  gulong handler = 0;

  g_mutex_lock (&prefetch_lock);
  if (prefetch != NULL && strcmp (prefetch->path, path) == 0 && prefetch->max_size == max_size
      && !(max_size > 0 && options->allow_embedded_preview))
    fetch = g_steal_pointer (&prefetch);
  g_mutex_unlock (&prefetch_lock);
  if (fetch == NULL)
    return NULL;

  /* Cancelling this load cancels the decode it waits for. */
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_load_cancelled),
                                     g_object_ref (fetch->cancellable), g_object_unref);
  g_thread_join (g_steal_pointer (&fetch->thread));
  g_cancellable_disconnect (cancellable, handler);

  /* A file replaced since the decode started is decoded again. */
  if (same_file (&fetch->st, st) && !g_cancellable_is_cancelled (fetch->cancellable))
    decode = g_steal_pointer (&fetch->decode);
  prefetch_free (fetch);
  return decode;
}

static OtticaImage *
image_new (const char *path)
{
  OtticaImage *image = g_new0 (OtticaImage, 1);

  image->path = g_strdup (path);
  image->orientation = 1;
  image->scale = 1.0;
  return image;
}

typedef gboolean (*Loader) (OtticaImage *, const OtticaLoadOptions *, GCancellable *, GError **);

/* A loader that converts through babl all along (GEGL's), as one read
 * (ottica-babl-guard.h); the JPEG and RAW decoders take reads of their
 * own, only where they use babl, so that a warm-up beside them is not
 * held up for a whole decode. */
static gboolean
load_reading (Loader                    loader,
              OtticaImage              *image,
              const OtticaLoadOptions  *options,
              GCancellable             *cancellable,
              GError                  **error)
{
  gboolean ok;

  ottica_babl_guard_read_begin ();
  ok = loader (image, options, cancellable, error);
  ottica_babl_guard_read_end ();
  return ok;
}

OtticaImage *
ottica_image_load (const char               *path,
                   const OtticaLoadOptions  *options,
                   GCancellable             *cancellable,
                   GError                  **error)
{
  g_autofree char *name = NULL;
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(OtticaRawDecode) decode = NULL;
  GStatBuf st;
  guint8 head[SNIFF_BYTES];
  gsize length = 0;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_filename_display_basename (path);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT || saved == ENOTDIR)
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                     _("“%s” does not exist."), name);
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                     _("“%s” cannot be read: %s."), name, g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is a folder, not an image file."), name);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is not a regular file."), name);
      return NULL;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT, _("“%s” is empty."), name);
      return NULL;
    }
  if ((double) st.st_size > OTTICA_MAX_INPUT_BYTES)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large: Ottica does not open files over 2 GB."), name);
      return NULL;
    }

  if (!read_head (path, name, head, &length, error))
    return NULL;

  image = image_new (path);
  decode = take_prefetch (path, &st, options, cancellable);

  switch (sniff (head, length))
    {
    case SNIFF_JPEG:
      ok = ottica_jpeg_load (image, options, cancellable, error);
      break;

    case SNIFF_PNG:
      ok = load_reading (ottica_gegl_load, image, options, cancellable, error);
      break;

    case SNIFF_TIFF:
      /* CR2, NEF, DNG, ARW, PEF, KDC… are TIFF inside; libraw's identify
       * reads only the directories and refuses plain RGB and gray TIFFs. */
      if (decode != NULL)
        ok = ottica_raw_decode_finish (decode, image, error);
      else if (ottica_raw_can_load (path))
        ok = ottica_raw_load (image, options, cancellable, error);
      else
        ok = load_reading (ottica_gegl_load, image, options, cancellable, error);
      break;

    case SNIFF_UNKNOWN:
    default:
      /* CRW, RAF, ORF, RW2, CR3, MRW, X3F and headerless RAWs known by
       * their size: libraw knows them when they are real. */
      if (decode != NULL)
        ok = ottica_raw_decode_finish (decode, image, error);
      else if (ottica_raw_can_load (path))
        ok = ottica_raw_load (image, options, cancellable, error);
      else
        ok = set_not_an_image (path, name, head, length, error);
      break;
    }

  if (!ok)
    return NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_assert (image->buffer != NULL);
  return g_steal_pointer (&image);
}

gboolean
ottica_image_is_scene_linear (const OtticaImage *image)
{
  g_return_val_if_fail (image != NULL, FALSE);

  return image->kind == OTTICA_IMAGE_KIND_RAW && !image->embedded_preview;
}

void
ottica_image_free (OtticaImage *image)
{
  if (image == NULL)
    return;
  g_clear_object (&image->buffer);
  g_free (image->path);
  g_free (image->format_name);
  g_clear_pointer (&image->icc_profile, g_bytes_unref);
  g_free (image->color_space);
  g_free (image->camera);
  g_free (image->warning);
  g_free (image);
}

gpointer
ottica_image_alloc_pixels (gsize size)
{
  gpointer pixels = NULL;
  gsize rounded;

  if (size < 4 * HUGE_PAGE_SIZE)
    return g_try_malloc (MAX (size, 1));

  rounded = (size + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
  if (rounded < size || posix_memalign (&pixels, HUGE_PAGE_SIZE, rounded) != 0)
    return NULL;
#ifdef MADV_HUGEPAGE
  /* Only a hint: where the kernel has no huge pages it uses small ones. */
  madvise (pixels, rounded, MADV_HUGEPAGE);
#endif
  return pixels;
}
