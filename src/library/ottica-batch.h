/* ottica-batch.h: exports many photos with one recipe, several at a time;
 * shared by ottica-cli and the GUI.
 *
 * Each photo: load at full resolution → edit = its sidecar (unless
 * ignored) or a neutral edit → the preset applied over it → the look
 * (and amount) of the recipe overriding → a fresh pipeline → JPEG export
 * with the photo as the metadata source. One photo per worker thread,
 * each with its own graph; with more than one worker GEGL's own render
 * threads are lowered (cores / workers, so 1 when there is a worker per
 * core) for the run and restored after, since whole images in parallel
 * scale better than GEGL's tiles. The engine (ottica_engine_init) must be
 * initialised before a run.
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
 *                    const GError *error): output is NULL and error set
 *                   when the photo failed; emitted without "file-started"
 *                   for photos that failed before their turn (name
 *                   collisions, broken sidecars, template errors).
 * @index is the photo's position in the inputs (0-based).
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
} OtticaBatchRecipe;

/* LOOK_FROM_EDIT, amount kept, sidecars used, jobs 0, the default export
 * options, the default folder and template. */
void ottica_batch_recipe_init (OtticaBatchRecipe *recipe);

/* One photo's outcome. */
typedef struct
{
  char   *input;
  char   *output;   /* the file written or planned; NULL when no name */
  GError *error;    /* NULL when exported */
} OtticaBatchItem;

typedef struct
{
  GPtrArray *items;       /* OtticaBatchItem*, in input order */
  guint      n_exported;
  guint      n_failed;    /* failed, not counting cancelled */
  gboolean   cancelled;
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

/* The number of worker threads a run of @n_inputs photos uses. */
guint              ottica_batch_get_n_workers (OtticaBatch *self,
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
