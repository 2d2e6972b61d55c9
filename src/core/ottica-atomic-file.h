/* ottica-atomic-file.h: write a file so that readers see either the old
 * file or the whole new one, never a part.
 *
 * The data goes to a temporary file in the destination's folder (so the
 * rename stays on one file system), is flushed to disk, then renamed over
 * the destination. A crash or a cancel leaves at most a hidden temporary
 * file ".NAME.XXXXXX.part", which ottica_atomic_file_is_temporary()
 * recognises so that batch runs can clean them up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Creates and opens the temporary file for @path; returns its fd (or -1
 * with @error set) and stores its name in @temp_path. */
int       ottica_atomic_file_open_temp   (const char  *path,
                                          char       **temp_path,
                                          GError     **error);

/* fsyncs and closes @fd, then renames @temp_path to @path. When
 * @overwrite is FALSE and @path exists, fails with OTTICA_ERROR_EXISTS
 * (checked race-free with link()+unlink()). On any failure the temporary
 * file is removed. */
gboolean  ottica_atomic_file_commit      (int          fd,
                                          const char  *temp_path,
                                          const char  *path,
                                          gboolean     overwrite,
                                          GError     **error);

/* Closes @fd (when >= 0) and removes @temp_path; for error paths. */
void      ottica_atomic_file_abandon     (int          fd,
                                          const char  *temp_path);

/* The whole job in one call, for small files such as sidecars. */
gboolean  ottica_atomic_file_write       (const char  *path,
                                          const void  *data,
                                          gsize        length,
                                          gboolean     overwrite,
                                          GError     **error);

gboolean  ottica_atomic_file_is_temporary (const char *basename);

G_END_DECLS
