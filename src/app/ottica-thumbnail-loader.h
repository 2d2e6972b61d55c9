/* ottica-thumbnail-loader.h: renders library items' thumbnails on a small
 * pool of worker threads and hands them back on the main thread.
 *
 * Two stages, as darktable, Lightroom and Shotwell do: an item on screen
 * first shows the camera's embedded EXIF thumbnail (about a millisecond;
 * the previews of every cell on screen go before any real render), then
 * the real render with the photo's edit replaces it. Cells bound beyond
 * the viewport get their previews after the renders on screen. Renders for items out of sight run on a
 * separate pair of threads at a lower CPU priority (nice 10), and only
 * once nothing on screen is waiting, so scrolling and the UI stay
 * responsive.
 *
 * Requests made in the same main-loop turn run in order, and a later turn
 * goes before older ones still queued: what was bound last is what is on
 * screen. A request for an item scrolled away is cancelled; if it is
 * already running its render stops at the next check.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ottica-library-item.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_THUMBNAIL_LOADER (ottica_thumbnail_loader_get_type ())
G_DECLARE_FINAL_TYPE (OtticaThumbnailLoader, ottica_thumbnail_loader, OTTICA, THUMBNAIL_LOADER, GObject)

/* @size: the thumbnails' longer side in device pixels; @n_threads:
 * workers for items on screen (as many again for the background). */
OtticaThumbnailLoader *ottica_thumbnail_loader_new        (guint                  size,
                                                           guint                  n_threads);
/* A new size (the widget's scale factor changed): every thumbnail is
 * rendered again as its item is requested. */
void                   ottica_thumbnail_loader_set_size   (OtticaThumbnailLoader *self,
                                                           guint                  size);
guint                  ottica_thumbnail_loader_get_size   (OtticaThumbnailLoader *self);

/* @item is on screen: queues it at the front unless its thumbnail is
 * current or already queued there; its thumbnail is set when done. */
void                   ottica_thumbnail_loader_request    (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
/* @item is bound in the grid but out of sight (list views keep some rows
 * beyond the viewport): rendered behind everything on screen, and its
 * thumbnail kept when done. */
void                   ottica_thumbnail_loader_keep       (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
/* @item left the grid: its request, if any, is stopped and queued again
 * behind everything on screen, to fill the disk cache. */
void                   ottica_thumbnail_loader_release    (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
/* Renders @item into the disk cache, behind every on-screen request; its
 * pixels are kept only if it is on screen by then. */
void                   ottica_thumbnail_loader_prefetch   (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
/* TRUE when @item's thumbnail (or its error) is for its current edit. */
gboolean               ottica_thumbnail_loader_is_current (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
/* @item's edit changed (after ottica_library_item_invalidate()): renders
 * it again, at the front when it is on screen. */
void                   ottica_thumbnail_loader_refresh    (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
/* Drops @item's request altogether. */
void                   ottica_thumbnail_loader_cancel     (OtticaThumbnailLoader *self,
                                                           OtticaLibraryItem     *item);
void                   ottica_thumbnail_loader_cancel_all (OtticaThumbnailLoader *self);
/* Requests queued or running. */
guint                  ottica_thumbnail_loader_get_n_pending (OtticaThumbnailLoader *self);

/* Items on screen whose thumbnail is not there yet; @n_visible (may be
 * NULL): items on screen. */
guint                  ottica_thumbnail_loader_get_n_visible_pending (OtticaThumbnailLoader *self,
                                                                      guint                 *n_visible);

/* Items on screen that show nothing yet: neither a stage-1 preview, nor
 * the real thumbnail, nor the broken-photo placeholder. */
guint                  ottica_thumbnail_loader_get_n_visible_blank (OtticaThumbnailLoader *self);

/* TRUE while @item shows the camera's embedded thumbnail (stage 1). */
gboolean               ottica_thumbnail_loader_shows_preview (OtticaThumbnailLoader *self,
                                                              OtticaLibraryItem     *item);

/* Signal "preview-shown" (OtticaLibraryItem *item): on the main thread,
 * when an item got its stage-1 preview. */
/* Signal "thumbnail-done" (OtticaLibraryItem *item): on the main thread,
 * after an item got its thumbnail or its error. */

G_END_DECLS
