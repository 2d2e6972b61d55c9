/* ottica-raw-load.h: camera RAW through libraw: camera white balance,
 * 16-bit linear output ("RGB u16" in babl's ProPhoto space, sensor white
 * = 1.0, no auto-brightening), highlights clipped rather than turned
 * magenta; half-size decoding for previews whose max_size is at most half
 * the photo, AHD for full quality. The camera's orientation is applied.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-image.h"

G_BEGIN_DECLS

/* TRUE when libraw recognises @path as a camera RAW it can decode (its
 * identify step: headers only, well under a millisecond). */
gboolean ottica_raw_can_load (const char *path);

gboolean ottica_raw_load     (OtticaImage              *image,
                              const OtticaLoadOptions  *options,
                              GCancellable             *cancellable,
                              GError                  **error);

/* FALSE where the build linked the non-thread-safe libraw: RAW decodes
 * then run one at a time, each holding a lock from open to free. */
gboolean ottica_raw_is_thread_safe (void);

/* The same load in two stages, so the long one can start before GEGL is
 * initialised (ottica_image_prefetch()): ottica_raw_decode() does all of
 * libraw's work (no embedded preview; GEGL and babl untouched),
 * ottica_raw_decode_finish() puts the pixels into @image's buffer (needs
 * ottica_engine_init()). @cancellable is kept for the decode's lifetime. */
typedef struct _OtticaRawDecode OtticaRawDecode;

OtticaRawDecode *ottica_raw_decode        (const char        *path,
                                           guint              max_size,
                                           GCancellable      *cancellable,
                                           GError           **error);
gboolean         ottica_raw_decode_finish (OtticaRawDecode   *decode,
                                           OtticaImage       *image,
                                           GError           **error);
void             ottica_raw_decode_free   (OtticaRawDecode   *decode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaRawDecode, ottica_raw_decode_free)

G_END_DECLS
