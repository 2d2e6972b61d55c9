/* ottica-manifest.h: what a batch already wrote into an output folder, so
 * that a re-run skips outputs that are up to date and redoes changed ones.
 *
 * The manifest is a hidden folder OTTICA_MANIFEST_DIR_NAME in the output
 * folder holding one small key file per output, named by a hash of the
 * output's path relative to the folder. Each is written whole through
 * ottica-atomic-file (temp + fsync + rename), so writers never share a
 * file: shards running at once into one folder (even on several machines
 * over NFS, where flock() is unreliable) cannot corrupt each other, and a
 * kill -9 leaves either the old entry or the new one.
 *
 * An entry records the three hashes (see below) and its state:
 *   pending  written just before the output is rendered: we are allowed
 *            to write this output. If the output then exists and is newer
 *            than the entry, the rename of a complete export happened
 *            (kill -9 between the rename and the "done" entry), so it
 *            counts as finished without being redone.
 *   done     written after the output is in place, with the output's own
 *            size, modification time and inode, so a file someone put
 *            there later is never taken for ours.
 *
 * Hashes (SHA-256, hex):
 *   input   the photo's identity: its size, its modification time (in
 *           nanoseconds) and its first and last 64 KiB. Cheap (two reads,
 *           not 25 MB of RAW) and it survives copies that keep times
 *           (rsync -t) to another machine, unlike an inode number.
 *   edit    the effective edit (sidecar + preset + look) in its key-file
 *           form, and the digest of the look file it uses.
 *   recipe  every export setting that changes the file's bytes (not the
 *           file name, which is the entry's key).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include "ottica-edit.h"
#include "ottica-export-options.h"

G_BEGIN_DECLS

#define OTTICA_MANIFEST_DIR_NAME ".ottica-manifest"

typedef struct
{
  char *input;
  char *edit;
  char *recipe;
} OtticaManifestKey;

void      ottica_manifest_key_clear (OtticaManifestKey *key);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OtticaManifestKey, ottica_manifest_key_clear)

typedef enum
{
  OTTICA_MANIFEST_ABSENT,      /* no output yet: export it */
  OTTICA_MANIFEST_UP_TO_DATE,  /* ours and current: skip it */
  OTTICA_MANIFEST_STALE,       /* ours but out of date (or gone): redo it */
  OTTICA_MANIFEST_FOREIGN,     /* a file we did not write: only with overwrite */
} OtticaManifestState;

/* The photo's identity hash; NULL with an error naming it when it cannot
 * be read. */
char     *ottica_manifest_hash_input  (const char                *path,
                                       GError                   **error);
/* @look_digest: ottica_look_dup_digest() of the look @edit renders with
 * (NULL when it has none), so that a user look file changed under the
 * same id makes the outputs that used it out of date. */
char     *ottica_manifest_hash_edit   (const OtticaEdit          *edit,
                                       const char                *look_digest);
/* @target_bytes: a target file size (0: none). */
char     *ottica_manifest_hash_recipe (const OtticaExportOptions *options,
                                       guint64                    target_bytes);

/* What to do with @output_path (folder/relative) given @key. */
OtticaManifestState ottica_manifest_check  (const char              *folder,
                                            const char              *relative,
                                            const OtticaManifestKey *key);

/* Records the intent to write @relative with @key ("pending"). */
gboolean  ottica_manifest_begin       (const char                *folder,
                                       const char                *relative,
                                       const OtticaManifestKey   *key,
                                       GError                   **error);

/* Records @relative as written with @key ("done"), with the identity the
 * output file has now. */
gboolean  ottica_manifest_commit      (const char                *folder,
                                       const char                *relative,
                                       const OtticaManifestKey   *key,
                                       GError                   **error);

/* Removes temporary files left by a killed run for @output_path
 * (".NAME.XXXXXX.part" beside it) and for its manifest entry. Only this
 * output's: shards writing other outputs into the same folder at the same
 * time keep theirs. Returns how many were removed. */
guint     ottica_manifest_remove_temporaries (const char *folder,
                                              const char *relative);

/* The entry file's path (for tests and diagnostics). */
char     *ottica_manifest_entry_path  (const char                *folder,
                                       const char                *relative);

G_END_DECLS
