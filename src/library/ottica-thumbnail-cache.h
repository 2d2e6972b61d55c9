/* ottica-thumbnail-cache.h: small renders of photos with their edits, for
 * the library's grid, cached on disk.
 *
 * A thumbnail shows the photo as the editor would: its sidecar's edit and
 * look rendered by the pipeline on a small preview load (a RAW's embedded
 * JPEG where it is large enough, JPEGs decoded DCT-scaled). The cache lives
 * in $XDG_CACHE_HOME/ottica/thumbnails, one baseline JPEG per thumbnail,
 * named by a digest of the photo's absolute path, file size, mtime, the
 * thumbnail size and the edit's key-file form, so a changed photo or edit
 * never shows a stale picture; files are written atomically.
 *
 * GTK-free; safe to call from several threads at once (each call builds
 * its own pipeline).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ottica-edit.h"

G_BEGIN_DECLS

typedef struct
{
  int       width;        /* longer side == the size asked for, or smaller */
  int       height;       /* when the photo is smaller */
  gsize     stride;       /* bytes per row */
  GBytes   *pixels;       /* "R'G'B' u8" in sRGB, @height rows of @stride */
  gboolean  from_cache;   /* read from the disk cache, not rendered */
  gboolean  has_edit;     /* the photo has a sidecar */
  gboolean  preview;      /* the camera's embedded thumbnail, unedited and
                           * smaller than asked: shown until the real
                           * render is there, never cached as final */
  char     *warning;      /* for people, or NULL: the sidecar could not be
                           * read, so the photo is shown without its edit */
} OtticaThumbnail;

typedef enum
{
  OTTICA_THUMBNAIL_DEFAULT    = 0,
  /* Only look in the cache: NULL with no error when it has nothing. */
  OTTICA_THUMBNAIL_CACHE_ONLY = 1 << 0,
  /* Render even when cached (and replace the cached file). */
  OTTICA_THUMBNAIL_REFRESH    = 1 << 1,
  /* Neither read nor write the disk cache. */
  OTTICA_THUMBNAIL_NO_CACHE   = 1 << 2,
} OtticaThumbnailFlags;

/* $XDG_CACHE_HOME/ottica/thumbnails (not created). */
char            *ottica_thumbnail_cache_dir (void);

/* The cache file for @path at @size showing @edit (NULL: no edit), or
 * NULL with @error when the photo cannot be stat()ed. */
char            *ottica_thumbnail_cache_file (const char        *path,
                                              guint              size,
                                              const OtticaEdit  *edit,
                                              GError           **error);

/* The thumbnail of the photo at @path, its longer side @size pixels (16 ..
 * 1024), with the edit in its sidecar. A photo that cannot be loaded is an
 * error from the loader (naming the file); a broken sidecar is not (see
 * @warning). G_IO_ERROR_CANCELLED when @cancellable is cancelled. */
OtticaThumbnail *ottica_thumbnail_get       (const char            *path,
                                             guint                  size,
                                             OtticaThumbnailFlags   flags,
                                             GCancellable          *cancellable,
                                             GError               **error);

/* Stage 1: the small JPEG thumbnail a camera embeds in the EXIF data
 * (IFD1) of a JPEG or of a TIFF-based RAW (CR2, NEF, DNG…), decoded and
 * oriented, black letterbox bars cut away, @preview set; at most @size
 * pixels on its longer side (usually 160). It shows the photo without
 * its edit. About a millisecond: only the file's first kilobytes are
 * read. NULL without an error when the photo has none (or it is
 * damaged); an error only when the file cannot be read at all. */
OtticaThumbnail *ottica_thumbnail_get_embedded (const char    *path,
                                                guint          size,
                                                GCancellable  *cancellable,
                                                GError       **error);

void             ottica_thumbnail_free      (OtticaThumbnail *thumbnail);

/* Removes cached thumbnails not used for @max_age_days (by access time,
 * falling back to mtime); returns how many were removed. */
guint            ottica_thumbnail_cache_prune (guint max_age_days);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaThumbnail, ottica_thumbnail_free)

G_END_DECLS
