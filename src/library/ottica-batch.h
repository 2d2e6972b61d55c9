/* ottica-batch.h: exports many photos with one recipe, several at a time;
 * shared by ottica-cli and the GUI.
 *
 * Each photo: load at full resolution (once, whatever the number of
 * outputs, and not at all when every output is up to date) → edit = its sidecar (unless
 * ignored) or a neutral edit → the preset applied over it → the look
 * (and amount) of the recipe overriding → a fresh pipeline → JPEG export
 * with the photo as the metadata source. One photo per worker thread,
 * each with its own graph. GEGL's render threads (process-wide) are set
 * for the run to the recipe's "threads", by default cores / workers (so
 * 1 when there is a worker per core, since whole images in parallel scale
 * better than GEGL's tiles, raised for the last photos as workers run
 * out), and restored after. The engine
 * (ottica_engine_init) must be initialised before a run.
 *
 * Before any export, every photo's output name is worked out in input
 * order: a photo whose name another photo of the same run already took
 * (compared ignoring case, since memory cards and many USB disks are
 * case-insensitive) fails with OTTICA_ERROR_EXISTS saying which photo
 * took it, and so does a photo whose output would be written over one of
 * the run's own originals, even with overwrite. Names are never made
 * unique silently. A failing photo is recorded and the others go on.
 *
 * Progress contract: ottica_batch_run_async() captures the caller's
 * thread-default GMainContext; every signal below is emitted in that
 * context, in order per photo (started, progress…, finished), and all of
 * them before the run's GAsyncReadyCallback. Workers never call the
 * caller's code. The synchronous ottica_batch_run() iterates a private
 * context, so its signals arrive in the calling thread during the call.
 *
 * Signals:
 *   "file-started"  (guint index, const char *input)
 *   "file-progress" (guint index, double fraction): approximate 0..1
 *                   within the photo (loading counts for the first 20 %)
 *   "file-finished" (guint index, const char *input, const char *output,
 *                    const GError *error): once per output of the photo
 *                   (once when there is a single recipe, in recipe order
 *                   otherwise); output is NULL and error set when that
 *                   output failed; emitted without "file-started" for
 *                   photos that failed before their turn (name
 *                   collisions, broken sidecars, template errors).
 *   "file-up-to-date" (guint index, const char *input, const char *output):
 *                   emitted just before "file-finished" (which then has
 *                   no error) for a photo that was not exported again
 *                   because its output is up to date (see below).
 *   "run-progress"  (const OtticaBatchProgress *progress): the whole run's
 *                   figures (counts, overall fraction, time left), after
 *                   every group of the signals above that changed them
 *                   (at most once per main-loop iteration), once when the
 *                   planning is done (counts known, nothing started) and
 *                   a last time just before the GAsyncReadyCallback.
 *                   @progress is valid during the emission only.
 * @index is the photo's position in the inputs (0-based), also with a
 * shard (see OtticaBatchRecipe.shard_index).
 *
 * For a progress window (the GUI): overall bar and time left from
 * "run-progress" (or ottica_batch_get_progress() from a timer, e.g. once
 * a second so that the time left keeps moving between photos), per-file
 * bars from "file-started" / "file-progress" / "file-finished", cancel
 * with the GCancellable, and the failures from the result's items
 * (item->error; items with G_IO_ERROR_CANCELLED were not done, not
 * failed). Every callback runs in the thread that called
 * ottica_batch_run_async(), so widgets may be touched from them.
 *
 * Resuming: each output folder has a manifest (ottica-manifest.h) of the
 * outputs this code wrote, with hashes of the photo's identity, its
 * effective edit (with the digest of the look file it uses, so that a
 * user look changed under the same id re-exports) and the export
 * settings. An output whose entry matches is skipped ("file-up-to-date");
 * one of ours that is out of date (or gone) is
 * exported again, replacing it; an output file that no entry accounts for
 * is left alone and fails with OTTICA_ERROR_EXISTS unless the recipe's
 * export options say overwrite. Temporary files a killed run left for an
 * output are removed before that output is looked at.
 *
 * Cancelling (the GCancellable) stops the photos being exported, leaving
 * no partial files (the exporter writes to a temporary file), and skips
 * those not yet started; their items carry G_IO_ERROR_CANCELLED but get no
 * "file-finished".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "ottica-edit.h"
#include "ottica-export-options.h"
#include "ottica-export-recipe.h"

G_BEGIN_DECLS

/* The folder made beside each photo when the recipe has no output folder
 * (as darktable's "darktable_exported" and RawTherapee's "converted"). */
#define OTTICA_BATCH_DEFAULT_FOLDER_NAME "exported"

typedef enum
{
  OTTICA_BATCH_LOOK_FROM_EDIT,  /* whatever look the sidecar/preset has */
  OTTICA_BATCH_LOOK_SET,        /* look_id at look_amount */
  OTTICA_BATCH_LOOK_NONE,       /* no look, whatever the sidecar says */
} OtticaBatchLookMode;

typedef struct
{
  OtticaExportOptions  export_options;
  /* NULL: OTTICA_BATCH_DEFAULT_FOLDER_NAME beside each photo. */
  const char          *output_folder;
  /* NULL: OTTICA_OUTPUT_TEMPLATE_DEFAULT ("{name}"). */
  const char          *name_template;
  OtticaBatchLookMode  look_mode;
  const char          *look_id;       /* for OTTICA_BATCH_LOOK_SET */
  /* 0..1; for LOOK_SET, or with LOOK_FROM_EDIT to change the amount of
   * the edit's own look; < 0 keeps the edit's amount (1 for LOOK_SET). */
  double               look_amount;
  const OtticaEdit    *preset;        /* NULL: none */
  gboolean             use_sidecars;
  guint                jobs;          /* photos at a time; 0: one per core */
  /* GEGL render threads for each photo (at most 64); 0: cores / workers,
   * at least 1, and as workers run out of photos the cores they leave go
   * to the photos still rendering (cores / busy workers). GEGL has one pool of render threads per process, which
   * one photo's render uses at a time while the others render on their
   * own thread: with several workers, more than 1 here helps little. */
  guint                threads;
  /* A target file size for the single output (0: export_options.quality). */
  guint64              target_bytes;
  /* Several outputs per photo, NULL-terminated (at most 16); NULL: one,
   * from export_options, name_template and target_bytes above. Each is
   * rendered from the same decode and graph of the photo; a recipe's own
   * template and subfolder (inside the output folder) name its files.
   * export_options.overwrite above applies to all. Copied. */
  const OtticaExportRecipe * const *outputs;
  /* Export only the shard_index-th (1-based) of shard_count slices of the
   * inputs, chosen as ottica_scan_shard() does; shard_count 0 or 1: all.
   * Every input is still planned: {seq} is the photo's position in the
   * whole list and name collisions are found over the whole list, so N
   * shards run apart (at once or not, on one machine or several) write
   * exactly the files one run of the whole list writes. */
  guint                shard_index;
  guint                shard_count;
} OtticaBatchRecipe;

/* A run's figures, from "run-progress" or ottica_batch_get_progress(). */
typedef struct
{
  guint   n_photos;       /* photos this run exports (its shard's) */
  guint   n_files;        /* n_photos × the outputs per photo */
  guint   n_photos_done;  /* photos with every output finished */
  guint   n_exported;     /* files written so far */
  guint   n_up_to_date;   /* files found current and not written again */
  guint   n_failed;       /* files failed (cancelled ones not counted) */
  double  fraction;       /* 0..1 of the run, photos in flight counted in part */
  double  elapsed;        /* seconds since the run started */
  /* Estimated seconds to the end, from the rate of real work so far
   * (photos found up to date count as none); < 0 while there is too
   * little to go on (the first tenth of a photo, or half a second). */
  double  seconds_left;
} OtticaBatchProgress;

/* LOOK_FROM_EDIT, amount kept, sidecars used, jobs 0, the default export
 * options, the default folder and template. */
void ottica_batch_recipe_init (OtticaBatchRecipe *recipe);

/* One photo's outcome. */
typedef struct
{
  char   *input;
  char   *output;   /* the file written or planned; NULL when no name */
  GError *error;    /* NULL when exported or up to date */
  gboolean up_to_date;  /* not exported again: the output was current */
  guint   recipe;   /* which of the recipe's outputs (0 with one) */
} OtticaBatchItem;

typedef struct
{
  /* OtticaBatchItem*, one per photo and output: in input order, and for
   * each photo its outputs in recipe order. */
  GPtrArray *items;
  guint      n_exported;  /* written in this run */
  guint      n_up_to_date;/* skipped: their outputs were current */
  guint      n_failed;    /* failed, not counting cancelled */
  gboolean   cancelled;
  guint      n_decoded;   /* photos decoded: at most one decode each */
  double     seconds;     /* wall-clock time of the run */
} OtticaBatchResult;

void ottica_batch_result_free (OtticaBatchResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaBatchResult, ottica_batch_result_free)

#define OTTICA_TYPE_BATCH (ottica_batch_get_type ())
G_DECLARE_FINAL_TYPE (OtticaBatch, ottica_batch, OTTICA, BATCH, GObject)

/* Checks and copies @recipe (export options, template, amount, jobs):
 * OTTICA_ERROR_INVALID / UNSAFE_PATH with a sentence naming the problem.
 * The look id is not checked here (the caller knows its look library). */
OtticaBatch       *ottica_batch_new         (const OtticaBatchRecipe  *recipe,
                                             GError                  **error);

/* The outputs each photo gets (the recipe's "outputs", or 1). */
guint              ottica_batch_get_n_outputs (OtticaBatch *self);

/* The edit the run gives @input: its sidecar's (if the recipe uses them),
 * the recipe's preset over it, and the recipe's look; NULL with @error
 * set when the sidecar cannot be read. */
OtticaEdit        *ottica_batch_resolve_edit (OtticaBatch  *self,
                                              const char   *input,
                                              GError      **error);

/* How many of @inputs (NULL-terminated) a run exports: all of them, or
 * those of the recipe's shard. */
guint              ottica_batch_count_photos (OtticaBatch         *self,
                                              const char * const  *inputs);

/* The running run's figures, as "run-progress" gives them; call it in the
 * thread that started the run (its callbacks' thread). FALSE, with zeros
 * and seconds_left -1, when no run is going. */
gboolean           ottica_batch_get_progress (OtticaBatch         *self,
                                              OtticaBatchProgress *progress);

/* The number of worker threads a run of @n_inputs photos uses. */
guint              ottica_batch_get_n_workers (OtticaBatch *self,
                                               guint        n_inputs);

/* The GEGL render threads a run of @n_inputs photos sets: the recipe's
 * "threads", or cores / workers. */
guint              ottica_batch_get_n_threads (OtticaBatch *self,
                                               guint        n_inputs);

/* Exports @inputs (NULL-terminated; ottica_scan() makes them) in the
 * background. One run at a time per OtticaBatch. */
void               ottica_batch_run_async   (OtticaBatch          *self,
                                             const char * const   *inputs,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);

/* Always returns the result (cancelled runs included: see ->cancelled);
 * never fails. */
OtticaBatchResult *ottica_batch_run_finish  (OtticaBatch          *self,
                                             GAsyncResult         *result);

/* The same, waiting; signals are emitted in the calling thread. */
OtticaBatchResult *ottica_batch_run         (OtticaBatch          *self,
                                             const char * const   *inputs,
                                             GCancellable         *cancellable);

G_END_DECLS
