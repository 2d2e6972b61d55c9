/* ottica-scan.h: turns what a person named (files and folders) into the
 * list of photos a batch works on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  /* Descend into subfolders of the folders named. */
  gboolean            recursive;
  /* Folder names never descended into, NULL-terminated (the CLI passes
   * "exported" so that a second run does not pick up the first one's
   * output); may be NULL. */
  const char * const *skip_folder_names;
  /* Folders never descended into (the output folder), NULL-terminated;
   * may be NULL. Compared by identity (device and inode). */
  const char * const *skip_folders;
} OtticaScanOptions;

/* Expands @inputs (NULL-terminated paths) into photos.
 *
 * A file named explicitly is always taken, whatever its extension (the
 * loader decides by content and reports what it cannot read). A folder
 * contributes the files in it whose extension Ottica opens
 * (ottica_image_is_supported_name), skipping hidden files, Ottica's own
 * temporary files and sidecars; with @options->recursive also those of its
 * subfolders (hidden folders and symbolic-link loops skipped).
 *
 * The result is sorted the way a file manager sorts names ("IMG_2" before
 * "IMG_10") and has every photo once, even when named twice or reached
 * through two paths (compared by device and inode); the paths keep the
 * form they were given in ("photos/IMG_1.CR2").
 *
 * An input that does not exist, or is neither a file nor a folder, or a
 * folder that cannot be read, fails the whole scan with OTTICA_ERROR
 * (NOT_FOUND, UNSUPPORTED) naming it; G_IO_ERROR_CANCELLED when
 * cancelled. Returns an array of paths (char *, freed with the array).
 * @options may be NULL (not recursive). */
GPtrArray *ottica_scan (const char * const       *inputs,
                        const OtticaScanOptions  *options,
                        GCancellable             *cancellable,
                        GError                  **error);

/* Keeps in @photos (from ottica_scan()) only the @k-th (1-based) of @n
 * slices, keeping their order. A photo's slice depends only on its path
 * relative to the folder all of @photos have in common (FNV-1a of those
 * bytes, modulo @n), so the same file lands in the same slice whatever
 * machine runs it and wherever the library is mounted; slices 1..@n
 * together hold every photo exactly once. */
void       ottica_scan_shard (GPtrArray *photos,
                              guint      k,
                              guint      n);

/* The same choice for @photos (NULL-terminated) without changing them:
 * an array of one gboolean per photo, TRUE for those in the @k-th of @n
 * slices (g_free() it). OtticaBatch uses it to export a slice while still
 * numbering ({seq}) and naming photos over the whole list. */
gboolean  *ottica_scan_shard_mask (const char * const *photos,
                                   guint               k,
                                   guint               n);

/* The slice (0-based) @relative_path falls in among @n. */
guint      ottica_scan_shard_of (const char *relative_path,
                                 guint       n);

/* TRUE for a name a folder scan never takes: hidden files, Ottica's
 * temporary files, sidecars. (Supported extensions are checked apart.) */
gboolean   ottica_scan_is_ignored_name (const char *basename);

G_END_DECLS
