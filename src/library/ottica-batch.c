/* ottica-batch.c: many photos, one recipe, one photo per worker thread.
 *
 * A run has a coordinator thread, which works out every output name (in
 * input order, so collisions are found the same way every time), lowers
 * GEGL's threads, starts the workers and waits for them. Workers and the
 * coordinator only push events onto a queue; an idle source in the
 * caller's main context drains it and emits the signals, so no caller
 * code ever runs on a worker.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "ottica-batch.h"
#include "ottica-babl-guard.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-image.h"
#include "ottica-jpeg-export.h"
#include "ottica-look-library.h"
#include "ottica-manifest.h"
#include "ottica-output-template.h"
#include "ottica-pipeline.h"
#include "ottica-scan.h"
#include "ottica-sidecar.h"
#include "ottica-target-size.h"

/* Share of a photo's progress given to decoding, before the exporter
 * reports its own (a RAW decode is about a fifth of a RAW export). */
#define LOAD_SHARE 0.2
#define MAX_JOBS   64
#define MAX_OUTPUTS 16

/* One kind of output (an export recipe). */
typedef struct
{
  char                 *name;
  OtticaExportOptions   export_options;
  OtticaOutputTemplate *name_template;
  char                 *subfolder;      /* NULL: none */
  guint64               target_bytes;   /* 0: none */
  char                 *recipe_hash;
} Output;

struct _OtticaBatch
{
  GObject               parent_instance;

  Output               *outputs;
  guint                 n_outputs;
  char                 *output_folder;
  OtticaBatchLookMode   look_mode;
  char                 *look_id;
  double                look_amount;
  OtticaEdit           *preset;
  gboolean              use_sidecars;
  guint                 jobs;
  guint                 threads;        /* 0: cores / workers */
  guint                 shard_index;    /* 1-based; 0: no shards */
  guint                 shard_count;

  gboolean              running;
  struct _Run          *run;            /* while running; caller's thread */
};

G_DEFINE_FINAL_TYPE (OtticaBatch, ottica_batch, G_TYPE_OBJECT)

enum
{
  FILE_STARTED,
  FILE_PROGRESS,
  FILE_FINISHED,
  FILE_UP_TO_DATE,
  RUN_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One output of one photo: jobs[photo * n_outputs + recipe]. */
typedef struct
{
  guint       photo;
  guint       recipe;
  char       *input;
  char       *folder;     /* the output folder for this photo */
  char       *relative;   /* the template's name inside it */
  char       *output;     /* folder/relative, or the real path once written */
  OtticaEdit *edit;
  GError     *error;
  gboolean    exported;
  gboolean    up_to_date; /* skipped: the manifest says it is current */
  gboolean    reported;   /* a "file-finished" was queued */
} Job;

typedef enum
{
  EVENT_STARTED,
  EVENT_PROGRESS,
  EVENT_FINISHED,
  EVENT_UP_TO_DATE,
  EVENT_PLANNED,
  EVENT_DONE,
} EventKind;

typedef struct
{
  EventKind  kind;
  guint      index;
  double     fraction;
  char      *output;
  GError    *error;
  gboolean   up_to_date;   /* EVENT_FINISHED: skipped as current */
} Event;

typedef struct _Run
{
  gatomicrefcount  ref_count;
  OtticaBatch     *batch;
  GTask           *task;          /* cleared once returned */
  GMainContext    *context;
  GCancellable    *cancellable;
  GThread         *coordinator;

  Job             *jobs;
  guint            n_jobs;        /* n_photos * batch->n_outputs */
  guint            n_photos;      /* every input, in the shard or not */
  gboolean        *selected;      /* per photo: exported by this run (its shard) */
  guint           *order;         /* the selected photos, in input order */
  guint            n_selected;
  guint            n_workers;
  guint            n_threads;     /* GEGL render threads */
  gint             n_busy_workers; /* atomic: workers not yet out of photos */
  gint             next_photo;    /* atomic: next position in order[] */
  gint             n_decoded;     /* atomic */
  gint64           start_time;

  GMutex           lock;
  GQueue           events;        /* Event*, under lock */
  gboolean         wake_pending;  /* under lock */

  /* Progress, kept in run->context only (by dispatch_events). */
  double          *fractions;     /* per photo: 0..1 once started */
  guint           *outputs_left;  /* per photo: outputs not finished */
  gboolean        *did_work;      /* per photo: some output was rendered or tried */
  guint            n_photos_done;
  guint            n_in_flight;
  guint            n_exported;
  guint            n_up_to_date;
  guint            n_failed;
  gint64           first_start;   /* the first "file-started", 0 before */
} Run;

/* Worker bookkeeping passed to the exporter's progress callback. */
typedef struct
{
  Run   *run;
  guint  photo;
  guint  done;    /* outputs of the photo finished */
  guint  count;   /* outputs of the photo to export */
} Progress;

static void
event_free (Event *event)
{
  g_free (event->output);
  g_clear_error (&event->error);
  g_free (event);
}

static Run *
run_ref (Run *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
run_unref (gpointer data)
{
  Run *run = data;

  if (!g_atomic_ref_count_dec (&run->ref_count))
    return;

  for (guint i = 0; i < run->n_jobs; i++)
    {
      Job *job = &run->jobs[i];

      g_free (job->input);
      g_free (job->folder);
      g_free (job->relative);
      g_free (job->output);
      g_clear_pointer (&job->edit, ottica_edit_free);
      g_clear_error (&job->error);
    }
  g_free (run->jobs);
  g_free (run->selected);
  g_free (run->order);
  g_free (run->fractions);
  g_free (run->outputs_left);
  g_free (run->did_work);
  g_queue_clear_full (&run->events, (GDestroyNotify) event_free);
  g_mutex_clear (&run->lock);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->task);
  g_main_context_unref (run->context);
  g_object_unref (run->batch);
  g_free (run);
}

/* ------------------------------------------------------------------ */
/* Events: pushed from any thread, delivered in run->context.          */

static void run_finish (Run *run);

/* The run's figures as they stand, in run->context. */
static void
run_get_progress (Run *run, OtticaBatchProgress *progress)
{
  gint64 now = g_get_monotonic_time ();
  double in_flight = 0.0, work_done = 0.0;

  memset (progress, 0, sizeof *progress);
  progress->n_photos = run->n_selected;
  progress->n_files = run->n_selected * run->batch->n_outputs;
  progress->n_photos_done = run->n_photos_done;
  progress->n_exported = run->n_exported;
  progress->n_up_to_date = run->n_up_to_date;
  progress->n_failed = run->n_failed;
  progress->elapsed = (now - run->start_time) / (double) G_USEC_PER_SEC;

  for (guint i = 0; i < run->n_selected; i++)
    {
      guint photo = run->order[i];

      if (run->outputs_left[photo] == 0)
        {
          if (run->did_work[photo])
            work_done += 1.0;
        }
      else if (run->fractions[photo] >= 0)
        {
          in_flight += run->fractions[photo];
        }
    }
  work_done += in_flight;

  progress->fraction = run->n_selected > 0
                       ? MIN (1.0, (run->n_photos_done + in_flight) / run->n_selected)
                       : 1.0;

  /* Time left from the rate of real work since the first photo started:
   * photos found up to date cost next to nothing and count for neither
   * side. With several workers the rate is theirs together. */
  progress->seconds_left = -1.0;
  if (run->n_photos_done == run->n_selected)
    {
      progress->seconds_left = 0.0;
    }
  else if (run->first_start != 0 && work_done >= 0.1)
    {
      double active = (now - run->first_start) / (double) G_USEC_PER_SEC;
      double remaining = run->n_selected - run->n_photos_done - in_flight;

      /* half a second, or a whole photo, before the rate means much */
      if (active >= 0.5 || work_done >= 1.0)
        progress->seconds_left = MAX (0.0, remaining) * active / work_done;
    }
}

static void
emit_run_progress (Run *run)
{
  OtticaBatchProgress progress;

  run_get_progress (run, &progress);
  g_signal_emit (run->batch, signals[RUN_PROGRESS], 0, &progress);
}

/* Bookkeeping for one "file-finished", before it is emitted. */
static void
account_finished (Run *run, const Event *event)
{
  guint photo = run->jobs[event->index].photo;

  if (event->error != NULL)
    {
      if (!g_error_matches (event->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        run->n_failed++;
      /* A failure after the photo started cost its time. */
      if (run->fractions[photo] >= 0)
        run->did_work[photo] = TRUE;
    }
  else if (event->up_to_date)
    {
      run->n_up_to_date++;
    }
  else
    {
      run->n_exported++;
      run->did_work[photo] = TRUE;
    }

  if (run->outputs_left[photo] > 0 && --run->outputs_left[photo] == 0)
    {
      run->n_photos_done++;
      if (run->fractions[photo] >= 0)
        run->n_in_flight--;
    }
}

static gboolean
dispatch_events (gpointer data)
{
  Run *run = data;
  GQueue events = G_QUEUE_INIT;
  Event *event;
  gboolean done = FALSE;
  gboolean changed = FALSE;

  g_mutex_lock (&run->lock);
  events = run->events;
  g_queue_init (&run->events);
  run->wake_pending = FALSE;
  g_mutex_unlock (&run->lock);

  while ((event = g_queue_pop_head (&events)) != NULL)
    {
      switch (event->kind)
        {
        case EVENT_STARTED:
          if (run->first_start == 0)
            run->first_start = g_get_monotonic_time ();
          run->fractions[event->index] = 0.0;
          run->n_in_flight++;
          changed = TRUE;
          g_signal_emit (run->batch, signals[FILE_STARTED], 0,
                         event->index, run->jobs[event->index * run->batch->n_outputs].input);
          break;
        case EVENT_PROGRESS:
          if (run->fractions[event->index] >= 0)
            run->fractions[event->index] = event->fraction;
          changed = TRUE;
          g_signal_emit (run->batch, signals[FILE_PROGRESS], 0, event->index, event->fraction);
          break;
        case EVENT_FINISHED:
          account_finished (run, event);
          changed = TRUE;
          g_signal_emit (run->batch, signals[FILE_FINISHED], 0,
                         run->jobs[event->index].photo, run->jobs[event->index].input,
                         event->output, event->error);
          break;
        case EVENT_PLANNED:
          changed = TRUE;
          break;
        case EVENT_UP_TO_DATE:
          g_signal_emit (run->batch, signals[FILE_UP_TO_DATE], 0,
                         run->jobs[event->index].photo, run->jobs[event->index].input,
                         event->output);
          break;
        case EVENT_DONE:
          done = TRUE;
          break;
        default:
          g_assert_not_reached ();
        }
      event_free (event);
    }

  if (changed || done)
    emit_run_progress (run);
  if (done)
    run_finish (run);
  return G_SOURCE_REMOVE;
}

static void
push_event (Run *run, Event *event)
{
  g_mutex_lock (&run->lock);

  /* Progress is a level, not a history: replace the last one queued for
   * the same photo rather than flooding the caller's loop. */
  if (event->kind == EVENT_PROGRESS)
    {
      Event *tail = g_queue_peek_tail (&run->events);

      if (tail != NULL && tail->kind == EVENT_PROGRESS && tail->index == event->index)
        {
          tail->fraction = event->fraction;
          event_free (event);
          event = NULL;
        }
    }
  if (event != NULL)
    g_queue_push_tail (&run->events, event);

  if (!run->wake_pending)
    {
      GSource *source = g_idle_source_new ();

      run->wake_pending = TRUE;
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, dispatch_events, run_ref (run), run_unref);
      g_source_set_static_name (source, "[ottica] batch events");
      g_source_attach (source, run->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&run->lock);
}

static void
push_simple (Run *run, EventKind kind, guint index, double fraction)
{
  Event *event = g_new0 (Event, 1);

  event->kind = kind;
  event->index = index;
  event->fraction = fraction;
  push_event (run, event);
}

/* Records @job's outcome and queues its "file-finished". */
static void
finish_job (Run *run, guint index)
{
  Job *job = &run->jobs[index];
  Event *event = g_new0 (Event, 1);

  if (job->up_to_date)
    {
      Event *skipped = g_new0 (Event, 1);

      skipped->kind = EVENT_UP_TO_DATE;
      skipped->index = index;
      skipped->output = g_strdup (job->output);
      push_event (run, skipped);
    }
  event->kind = EVENT_FINISHED;
  event->index = index;
  event->up_to_date = job->up_to_date;
  if (job->error != NULL)
    event->error = g_error_copy (job->error);
  else
    event->output = g_strdup (job->output);
  job->reported = TRUE;
  push_event (run, event);
}

/* ------------------------------------------------------------------ */
/* Planning: edits and output names, in input order.                   */

typedef struct
{
  dev_t dev;
  ino_t ino;
} FileId;

static guint
file_id_hash (gconstpointer key)
{
  const FileId *id = key;

  return (guint) id->ino ^ (guint) (id->ino >> 32) ^ (guint) id->dev;
}

static gboolean
file_id_equal (gconstpointer a, gconstpointer b)
{
  const FileId *x = a, *y = b;

  return x->dev == y->dev && x->ino == y->ino;
}

OtticaEdit *
ottica_batch_resolve_edit (OtticaBatch  *self,
                           const char   *input,
                           GError      **error)
{
  g_autoptr(OtticaEdit) edit = NULL;

  g_return_val_if_fail (OTTICA_IS_BATCH (self), NULL);
  g_return_val_if_fail (input != NULL, NULL);

  if (self->use_sidecars)
    {
      edit = ottica_sidecar_load (input, error);
      if (edit == NULL && error != NULL && *error != NULL)
        return NULL;
    }
  if (edit == NULL)
    edit = ottica_edit_new ();

  if (self->preset != NULL)
    ottica_edit_apply_preset (edit, self->preset);

  switch (self->look_mode)
    {
    case OTTICA_BATCH_LOOK_SET:
      g_free (edit->look_id);
      edit->look_id = g_strdup (self->look_id);
      edit->look_amount = self->look_amount >= 0 ? self->look_amount : 1.0;
      break;
    case OTTICA_BATCH_LOOK_NONE:
      g_clear_pointer (&edit->look_id, g_free);
      break;
    case OTTICA_BATCH_LOOK_FROM_EDIT:
    default:
      if (self->look_amount >= 0)
        edit->look_amount = self->look_amount;
      break;
    }

  return g_steal_pointer (&edit);
}

/* The key two outputs collide on: the same file on a case-insensitive
 * disk, whatever the Unicode normal form. */
static char *
collision_key (const char *path)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *normal = g_utf8_normalize (display, -1, G_NORMALIZE_DEFAULT_COMPOSE);

  return g_utf8_casefold (normal != NULL ? normal : display, -1);
}

static char *
display_basename (const char *path)
{
  return g_filename_display_basename (path);
}

static void
plan_job (Run         *run,
          guint        index,
          GHashTable  *input_ids,
          GHashTable  *taken)
{
  OtticaBatch *self = run->batch;
  Job *job = &run->jobs[index];
  const Output *output = &self->outputs[job->recipe];
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  const char *look;
  OtticaOutputValues values = { 0 };
  GStatBuf st;
  gpointer earlier;

  /* One edit per photo, shared by its outputs. */
  if (job->recipe == 0)
    {
      job->edit = ottica_batch_resolve_edit (self, job->input, &error);
    }
  else
    {
      const Job *first = &run->jobs[index - job->recipe];

      if (first->edit != NULL)
        job->edit = ottica_edit_copy (first->edit);
      else if (first->error != NULL)
        error = g_error_copy (first->error);
    }
  if (job->edit == NULL)
    goto failed;

  look = job->edit->look_id != NULL && job->edit->look_amount > 0 ? job->edit->look_id : NULL;
  values.photo_path = job->input;
  values.look_id = look;
  /* The position in the whole input list, shard or not: shards run apart
   * name their files as one run would. */
  values.seq = job->photo + 1;
  job->relative = ottica_output_template_expand (output->name_template, &values, &error);
  if (job->relative == NULL)
    goto failed;

  if (self->output_folder != NULL)
    {
      job->folder = g_strdup (self->output_folder);
    }
  else
    {
      g_autofree char *absolute = g_canonicalize_filename (job->input, NULL);
      g_autofree char *dir = g_path_get_dirname (absolute);

      job->folder = g_build_filename (dir, OTTICA_BATCH_DEFAULT_FOLDER_NAME, NULL);
    }
  if (output->subfolder != NULL)
    {
      char *inside = g_build_filename (job->folder, output->subfolder, NULL);

      g_free (job->folder);
      job->folder = inside;
    }
  job->output = g_build_filename (job->folder, job->relative, NULL);

  key = collision_key (job->output);
  if (g_hash_table_lookup_extended (taken, key, NULL, &earlier))
    {
      const Job *other = &run->jobs[GPOINTER_TO_UINT (earlier)];
      g_autofree char *this_name = display_basename (job->input);
      g_autofree char *other_name = display_basename (other->input);
      g_autofree char *out_name = g_filename_display_name (job->relative);

      g_set_error (&error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” would be exported as “%s”, the name “%s” already gets in "
                     "this run; it was not exported (add {ext} or {seq} to the file "
                     "name template to tell them apart)."),
                   this_name, out_name, other_name);
      goto failed;
    }
  g_hash_table_insert (taken, g_steal_pointer (&key), GUINT_TO_POINTER (index));

  if (g_stat (job->output, &st) == 0
      && g_hash_table_contains (input_ids, &(FileId) { st.st_dev, st.st_ino }))
    {
      g_autofree char *this_name = display_basename (job->input);
      g_autofree char *out_name = display_basename (job->output);

      g_set_error (&error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                   _("Exporting “%s” as “%s” would write over an original photo of this "
                     "run; choose another output folder or file name template."),
                   this_name, out_name);
      goto failed;
    }
  return;

failed:
  job->error = g_steal_pointer (&error);
  /* Photos of other shards are planned only for their names. */
  if (run->selected[job->photo])
    finish_job (run, index);
}

/* ------------------------------------------------------------------ */
/* Exporting one photo, in a worker.                                   */

static void
on_export_progress (double fraction, gpointer user_data)
{
  Progress *progress = user_data;
  double within = (progress->done + CLAMP (fraction, 0.0, 1.0)) / MAX (1u, progress->count);

  push_simple (progress->run, EVENT_PROGRESS, progress->photo,
               LOAD_SHARE + (1.0 - LOAD_SHARE) * within);
}

/* The digest of the look @edit renders with, NULL when none. A look the
 * library does not know (a user look since deleted) gets a fixed word, so
 * that its coming back counts as a change. */
static char *
edit_look_digest (const OtticaEdit *edit)
{
  const OtticaLook *look;

  if (edit->look_id == NULL || edit->look_amount <= 0)
    return NULL;
  look = ottica_look_library_find (edit->look_id);
  return look != NULL ? ottica_look_dup_digest (look) : g_strdup ("unknown");
}

typedef enum
{
  PREPARE_EXPORT,
  PREPARE_UP_TO_DATE,
  PREPARE_FAILED,
} Prepared;

/* Before any decode: what the manifest says about this output. Fills
 * @key and @options (overwrite set when the file is ours to replace). */
static Prepared
prepare_job (Run                  *run,
             guint                 index,
             OtticaManifestKey    *key,
             OtticaExportOptions  *options,
             GError              **error)
{
  OtticaBatch *self = run->batch;
  Job *job = &run->jobs[index];
  const Output *output = &self->outputs[job->recipe];
  g_autofree char *look_digest = NULL;

  *options = output->export_options;

  /* A run killed while writing this output left its temporary file. */
  ottica_manifest_remove_temporaries (job->folder, job->relative);

  key->input = ottica_manifest_hash_input (job->input, error);
  if (key->input == NULL)
    return PREPARE_FAILED;
  look_digest = edit_look_digest (job->edit);
  key->edit = ottica_manifest_hash_edit (job->edit, look_digest);
  key->recipe = g_strdup (output->recipe_hash);

  switch (ottica_manifest_check (job->folder, job->relative, key))
    {
    case OTTICA_MANIFEST_UP_TO_DATE:
      return PREPARE_UP_TO_DATE;
    case OTTICA_MANIFEST_STALE:
      /* Ours, written by an earlier run: replacing it is the point. */
      options->overwrite = TRUE;
      break;
    case OTTICA_MANIFEST_FOREIGN:
      /* Refuse a file we did not write before spending a render on it;
       * the exporter checks again, race-free, when it renames into place. */
      if (!options->overwrite)
        {
          g_autofree char *display = display_basename (job->output);

          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS,
                       _("“%s” already exists and was not written by an earlier export "
                         "into this folder; it was left as it is (ask to overwrite to "
                         "replace it)."),
                       display);
          return PREPARE_FAILED;
        }
      break;
    case OTTICA_MANIFEST_ABSENT:
    default:
      break;
    }
  return PREPARE_EXPORT;
}

/* Renders one output from the photo's pipeline. */
static gboolean
export_job (Run                       *run,
            guint                      index,
            GeglNode                  *node,
            const OtticaManifestKey   *key,
            const OtticaExportOptions *options,
            Progress                  *progress,
            GError                   **error)
{
  Job *job = &run->jobs[index];
  const Output *output = &run->batch->outputs[job->recipe];
  g_autofree char *path = NULL;
  gboolean ok;

  path = ottica_output_path_prepare (job->folder, job->relative, error);
  if (path == NULL)
    return FALSE;

  if (!ottica_manifest_begin (job->folder, job->relative, key, error))
    return FALSE;

  if (output->target_bytes != 0)
    ok = ottica_target_size_export (node, job->input, path, options, output->target_bytes,
                                    on_export_progress, progress, run->cancellable, error);
  else
    ok = ottica_jpeg_export (node, job->input, path, options, on_export_progress, progress,
                             run->cancellable, error);
  if (!ok)
    return FALSE;

  if (!ottica_manifest_commit (job->folder, job->relative, key, error))
    return FALSE;

  g_free (job->output);
  job->output = g_steal_pointer (&path);
  return TRUE;
}

/* All outputs of one photo: the photo is decoded and its graph built once,
 * and only when some output is not up to date. */
static void
export_photo (Run *run, guint photo)
{
  guint n_outputs = run->batch->n_outputs;
  guint first = photo * n_outputs;
  g_autofree OtticaManifestKey *keys = g_new0 (OtticaManifestKey, n_outputs);
  g_autofree OtticaExportOptions *options = g_new0 (OtticaExportOptions, n_outputs);
  g_autofree gboolean *wanted = g_new0 (gboolean, n_outputs);
  g_autoptr(OtticaImage) image = NULL;
  g_autoptr(OtticaPipeline) pipeline = NULL;
  g_autoptr(GError) load_error = NULL;
  Progress progress = { run, photo, 0, 0 };

  for (guint r = 0; r < n_outputs; r++)
    {
      Job *job = &run->jobs[first + r];

      if (job->error != NULL)
        continue;
      switch (prepare_job (run, first + r, &keys[r], &options[r], &job->error))
        {
        case PREPARE_UP_TO_DATE:
          job->up_to_date = TRUE;
          job->exported = TRUE;
          break;
        case PREPARE_EXPORT:
          wanted[r] = TRUE;
          progress.count++;
          break;
        case PREPARE_FAILED:
        default:
          break;
        }
    }

  if (progress.count > 0)
    {
      image = ottica_image_load (run->jobs[first].input, NULL, run->cancellable, &load_error);
      if (image != NULL)
        {
          g_atomic_int_inc (&run->n_decoded);
          g_debug ("batch: decoded “%s” once for %u output(s)", run->jobs[first].input,
                   progress.count);
          push_simple (run, EVENT_PROGRESS, photo, LOAD_SHARE);
          /* A fresh graph for this photo, in this thread: GEGL nodes are
           * never shared between workers. Every output renders from it.
           * Its operations look babl up: a read (ottica-babl-guard.h). */
          ottica_babl_guard_read_begin ();
          pipeline = ottica_pipeline_new_for_image (image);
          ottica_pipeline_set_edit (pipeline, run->jobs[first].edit);
          ottica_babl_guard_read_end ();
        }
    }

  for (guint r = 0; r < n_outputs; r++)
    {
      Job *job = &run->jobs[first + r];

      if (wanted[r])
        {
          if (load_error != NULL)
            job->error = g_error_copy (load_error);
          else if (g_cancellable_set_error_if_cancelled (run->cancellable, &job->error))
            ;
          else
            job->exported = export_job (run, first + r, ottica_pipeline_get_output (pipeline),
                                        &keys[r], &options[r], &progress, &job->error);
          progress.done++;
        }
      ottica_manifest_key_clear (&keys[r]);
      if (!job->reported)
        finish_job (run, first + r);
    }
}

static void raise_gegl_threads (guint threads);

static gpointer
worker_main (gpointer data)
{
  Run *run = data;
  guint n_outputs = run->batch->n_outputs;
  gint busy;

  for (;;)
    {
      guint position = (guint) g_atomic_int_add (&run->next_photo, 1);
      gboolean any = FALSE;
      guint photo;

      if (position >= run->n_selected)
        break;
      photo = run->order[position];
      for (guint r = 0; r < n_outputs; r++)
        any |= run->jobs[photo * n_outputs + r].error == NULL;
      if (!any)
        continue;  /* failed while planning, already reported */

      if (g_cancellable_is_cancelled (run->cancellable))
        {
          /* Not started: no events. */
          for (guint r = 0; r < n_outputs; r++)
            if (run->jobs[photo * n_outputs + r].error == NULL)
              g_cancellable_set_error_if_cancelled (run->cancellable,
                                                    &run->jobs[photo * n_outputs + r].error);
          continue;
        }

      push_simple (run, EVENT_STARTED, photo, 0.0);
      export_photo (run, photo);
    }

  /* Out of photos: the cores this worker leaves idle go to the renders
   * still running (the last photos of a run, or a short run's only
   * ones), unless the recipe set the threads. */
  busy = g_atomic_int_add (&run->n_busy_workers, -1) - 1;
  if (busy > 0 && run->batch->threads == 0)
    raise_gegl_threads (MAX (1u, g_get_num_processors () / (guint) busy));
  return NULL;
}

/* GEGL's render threads while batches run: set by each batch as it
 * starts (the last one started wins), restored by the last one to end. */
static GMutex gegl_threads_lock;
static guint  gegl_threads_users;
static int    gegl_threads_saved;

static void
set_gegl_threads (guint threads)
{
  int current;

  g_mutex_lock (&gegl_threads_lock);
  g_object_get (gegl_config (), "threads", &current, NULL);
  if (gegl_threads_users++ == 0)
    gegl_threads_saved = current;
  /* Changing it stops or starts GEGL's threads: only when it changes. */
  if ((guint) current != threads)
    ottica_engine_init (threads, NULL);
  g_mutex_unlock (&gegl_threads_lock);
}

/* More threads for the photos still rendering; never fewer. GEGL's
 * running renders take them up at their next operation. */
static void
raise_gegl_threads (guint threads)
{
  int current;

  g_mutex_lock (&gegl_threads_lock);
  g_object_get (gegl_config (), "threads", &current, NULL);
  if (gegl_threads_users > 0 && threads > (guint) current)
    ottica_engine_init (threads, NULL);
  g_mutex_unlock (&gegl_threads_lock);
}

static void
restore_gegl_threads (void)
{
  g_mutex_lock (&gegl_threads_lock);
  if (--gegl_threads_users == 0)
    {
      int current;

      g_object_get (gegl_config (), "threads", &current, NULL);
      if (current != gegl_threads_saved)
        ottica_engine_init ((guint) MAX (1, gegl_threads_saved), NULL);
    }
  g_mutex_unlock (&gegl_threads_lock);
}

static gpointer
coordinator_main (gpointer data)
{
  Run *run = data;
  g_autoptr(GHashTable) input_ids = g_hash_table_new_full (file_id_hash, file_id_equal, g_free, NULL);
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) workers = g_ptr_array_new ();
  guint n_workers;

  for (guint i = 0; i < run->n_jobs; i += run->batch->n_outputs)
    {
      GStatBuf st;

      if (g_stat (run->jobs[i].input, &st) == 0)
        {
          FileId *id = g_new (FileId, 1);

          id->dev = st.st_dev;
          id->ino = st.st_ino;
          g_hash_table_add (input_ids, id);
        }
    }

  /* Every photo, in the shard or not: names and collisions are the whole
   * list's. */
  for (guint i = 0; i < run->n_jobs; i++)
    {
      if (g_cancellable_is_cancelled (run->cancellable))
        break;
      plan_job (run, i, input_ids, taken);
    }
  push_simple (run, EVENT_PLANNED, 0, 0.0);

  n_workers = run->n_workers;
  run->n_busy_workers = (gint) n_workers;
  set_gegl_threads (run->n_threads);

  for (guint i = 0; i < n_workers; i++)
    {
      g_autofree char *name = g_strdup_printf ("ottica-batch-%u", i + 1);

      g_ptr_array_add (workers, g_thread_new (name, worker_main, run));
    }
  for (guint i = 0; i < workers->len; i++)
    g_thread_join (g_ptr_array_index (workers, i));

  restore_gegl_threads ();

  push_simple (run, EVENT_DONE, 0, 0.0);
  return NULL;
}

/* In run->context, after every other event. */
static void
run_finish (Run *run)
{
  OtticaBatchResult *result = g_new0 (OtticaBatchResult, 1);
  g_autoptr(GTask) task = g_steal_pointer (&run->task);

  g_thread_join (g_steal_pointer (&run->coordinator));
  /* The coordinator's reference; the event source dispatching this holds
   * its own. */
  run_unref (run);

  result->items = g_ptr_array_new ();
  for (guint i = 0; i < run->n_jobs; i++)
    {
      Job *job = &run->jobs[i];
      OtticaBatchItem *item;

      if (!run->selected[job->photo])
        continue;
      item = g_new0 (OtticaBatchItem, 1);
      item->input = g_strdup (job->input);
      item->output = g_strdup (job->output);
      item->recipe = job->recipe;
      item->up_to_date = job->up_to_date;
      if (job->exported && job->up_to_date)
        {
          result->n_up_to_date++;
        }
      else if (job->exported)
        {
          result->n_exported++;
        }
      else
        {
          /* Planning stopped early on cancel: those have no error yet. */
          if (job->error == NULL)
            g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The export was cancelled."));
          item->error = g_error_copy (job->error);
          if (g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            result->cancelled = TRUE;
          else
            result->n_failed++;
        }
      g_ptr_array_add (result->items, item);
    }
  result->cancelled |= g_cancellable_is_cancelled (run->cancellable);
  result->n_decoded = (guint) g_atomic_int_get (&run->n_decoded);
  result->seconds = (g_get_monotonic_time () - run->start_time) / 1e6;

  run->batch->running = FALSE;
  run->batch->run = NULL;
  g_task_return_pointer (task, result, (GDestroyNotify) ottica_batch_result_free);
}

/* ------------------------------------------------------------------ */
/* Public API.                                                          */

void
ottica_batch_recipe_init (OtticaBatchRecipe *recipe)
{
  g_return_if_fail (recipe != NULL);

  memset (recipe, 0, sizeof *recipe);
  ottica_export_options_init (&recipe->export_options);
  recipe->look_mode = OTTICA_BATCH_LOOK_FROM_EDIT;
  recipe->look_amount = -1;
  recipe->use_sidecars = TRUE;
}

void
ottica_batch_result_free (OtticaBatchResult *result)
{
  if (result == NULL)
    return;
  for (guint i = 0; i < result->items->len; i++)
    {
      OtticaBatchItem *item = g_ptr_array_index (result->items, i);

      g_free (item->input);
      g_free (item->output);
      g_clear_error (&item->error);
      g_free (item);
    }
  g_ptr_array_unref (result->items);
  g_free (result);
}

static void
ottica_batch_finalize (GObject *object)
{
  OtticaBatch *self = OTTICA_BATCH (object);

  for (guint i = 0; i < self->n_outputs; i++)
    {
      Output *output = &self->outputs[i];

      g_free (output->name);
      g_clear_pointer (&output->name_template, ottica_output_template_free);
      g_free (output->subfolder);
      g_free (output->recipe_hash);
    }
  g_free (self->outputs);
  g_free (self->output_folder);
  g_free (self->look_id);
  g_clear_pointer (&self->preset, ottica_edit_free);

  G_OBJECT_CLASS (ottica_batch_parent_class)->finalize (object);
}

static void
ottica_batch_class_init (OtticaBatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ottica_batch_finalize;

  signals[FILE_STARTED] =
    g_signal_new ("file-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_UINT, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[FILE_PROGRESS] =
    g_signal_new ("file-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_UINT, G_TYPE_DOUBLE);
  signals[FILE_FINISHED] =
    g_signal_new ("file-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[FILE_UP_TO_DATE] =
    g_signal_new ("file-up-to-date", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[RUN_PROGRESS] =
    g_signal_new ("run-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
ottica_batch_init (OtticaBatch *self)
{
}

OtticaBatch *
ottica_batch_new (const OtticaBatchRecipe  *recipe,
                  GError                  **error)
{
  g_autoptr(OtticaBatch) self = NULL;
  guint n_outputs = 0;

  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  while (recipe->outputs != NULL && recipe->outputs[n_outputs] != NULL)
    n_outputs++;
  if (n_outputs > MAX_OUTPUTS)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("%u recipes in one run is too many; use at most %d."),
                   n_outputs, MAX_OUTPUTS);
      return NULL;
    }

  self = g_object_new (OTTICA_TYPE_BATCH, NULL);
  self->n_outputs = MAX (1u, n_outputs);
  self->outputs = g_new0 (Output, self->n_outputs);
  for (guint i = 0; i < self->n_outputs; i++)
    {
      const OtticaExportRecipe *source = n_outputs > 0 ? recipe->outputs[i] : NULL;
      Output *output = &self->outputs[i];
      const char *text;

      output->export_options = source != NULL ? source->export_options : recipe->export_options;
      /* Permission to replace files is the run's, not the recipe's. */
      output->export_options.overwrite = recipe->export_options.overwrite;
      output->target_bytes = source != NULL ? source->target_bytes : recipe->target_bytes;
      output->name = g_strdup (source != NULL ? source->name : NULL);
      output->subfolder = g_strdup (source != NULL ? source->subfolder : NULL);
      if (!ottica_export_options_validate (&output->export_options, error))
        return NULL;
      text = source != NULL && source->name_template != NULL ? source->name_template
           : recipe->name_template != NULL ? recipe->name_template
           : OTTICA_OUTPUT_TEMPLATE_DEFAULT;
      output->name_template = ottica_output_template_new (text, error);
      if (output->name_template == NULL)
        return NULL;
      output->recipe_hash = ottica_manifest_hash_recipe (&output->export_options,
                                                         output->target_bytes);
    }

  if (recipe->look_amount > 1.0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("The look amount %g is out of range; it goes from 0 to 1."),
                   recipe->look_amount);
      return NULL;
    }
  if (recipe->look_mode == OTTICA_BATCH_LOOK_SET
      && (recipe->look_id == NULL || recipe->look_id[0] == '\0'))
    {
      g_set_error_literal (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                           _("A look was asked for without saying which."));
      return NULL;
    }
  if (recipe->jobs > MAX_JOBS)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("%u photos at a time is too many; use at most %d."),
                   recipe->jobs, MAX_JOBS);
      return NULL;
    }
  if (recipe->threads > MAX_JOBS)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("%u render threads for each photo is too many; use at most %d."),
                   recipe->threads, MAX_JOBS);
      return NULL;
    }
  if (recipe->shard_count > 0
      && (recipe->shard_index < 1 || recipe->shard_index > recipe->shard_count))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("Shard %u of %u does not exist; shards are numbered from 1 to %u."),
                   recipe->shard_index, recipe->shard_count, recipe->shard_count);
      return NULL;
    }
  if (recipe->output_folder != NULL && recipe->output_folder[0] == '\0')
    {
      g_set_error_literal (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                           _("The output folder name is empty."));
      return NULL;
    }

  if (recipe->output_folder != NULL)
    self->output_folder = g_canonicalize_filename (recipe->output_folder, NULL);
  self->look_mode = recipe->look_mode;
  self->look_id = g_strdup (recipe->look_id);
  self->look_amount = recipe->look_amount;
  self->preset = recipe->preset != NULL ? ottica_edit_copy (recipe->preset) : NULL;
  self->use_sidecars = recipe->use_sidecars;
  self->jobs = recipe->jobs;
  self->threads = recipe->threads;
  self->shard_index = recipe->shard_count > 1 ? recipe->shard_index : 0;
  self->shard_count = recipe->shard_count > 1 ? recipe->shard_count : 0;

  return g_steal_pointer (&self);
}

guint
ottica_batch_get_n_outputs (OtticaBatch *self)
{
  g_return_val_if_fail (OTTICA_IS_BATCH (self), 1);

  return self->n_outputs;
}

/* Which of @inputs this batch exports: all, or its shard's. */
static gboolean *
select_photos (OtticaBatch *self, const char * const *inputs, guint n_photos)
{
  gboolean *selected;

  if (self->shard_count > 1)
    return ottica_scan_shard_mask (inputs, self->shard_index, self->shard_count);

  selected = g_new (gboolean, MAX (1u, n_photos));
  for (guint i = 0; i < n_photos; i++)
    selected[i] = TRUE;
  return selected;
}

guint
ottica_batch_count_photos (OtticaBatch         *self,
                           const char * const  *inputs)
{
  g_autofree gboolean *selected = NULL;
  guint n_photos, count = 0;

  g_return_val_if_fail (OTTICA_IS_BATCH (self), 0);
  g_return_val_if_fail (inputs != NULL, 0);

  n_photos = g_strv_length ((char **) inputs);
  selected = select_photos (self, inputs, n_photos);
  for (guint i = 0; i < n_photos; i++)
    count += selected[i] ? 1 : 0;
  return count;
}

gboolean
ottica_batch_get_progress (OtticaBatch         *self,
                           OtticaBatchProgress *progress)
{
  g_return_val_if_fail (OTTICA_IS_BATCH (self), FALSE);
  g_return_val_if_fail (progress != NULL, FALSE);

  if (self->run == NULL)
    {
      memset (progress, 0, sizeof *progress);
      progress->seconds_left = -1.0;
      return FALSE;
    }
  run_get_progress (self->run, progress);
  return TRUE;
}

guint
ottica_batch_get_n_workers (OtticaBatch *self,
                            guint        n_inputs)
{
  guint jobs;

  g_return_val_if_fail (OTTICA_IS_BATCH (self), 1);

  jobs = self->jobs != 0 ? self->jobs : MAX (1u, g_get_num_processors ());
  return MAX (1u, MIN (jobs, n_inputs));
}

guint
ottica_batch_get_n_threads (OtticaBatch *self,
                            guint        n_inputs)
{
  g_return_val_if_fail (OTTICA_IS_BATCH (self), 1);

  if (self->threads != 0)
    return self->threads;
  return MAX (1u, g_get_num_processors () / ottica_batch_get_n_workers (self, n_inputs));
}

void
ottica_batch_run_async (OtticaBatch          *self,
                        const char * const   *inputs,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  Run *run;

  g_return_if_fail (OTTICA_IS_BATCH (self));
  g_return_if_fail (inputs != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->running);

  run = g_new0 (Run, 1);
  g_atomic_ref_count_init (&run->ref_count);
  g_mutex_init (&run->lock);
  g_queue_init (&run->events);
  run->batch = g_object_ref (self);
  run->context = g_main_context_ref_thread_default ();
  run->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  run->n_photos = g_strv_length ((char **) inputs);
  run->n_jobs = run->n_photos * self->n_outputs;
  run->jobs = g_new0 (Job, MAX (1u, run->n_jobs));
  for (guint i = 0; i < run->n_jobs; i++)
    {
      run->jobs[i].photo = i / self->n_outputs;
      run->jobs[i].recipe = i % self->n_outputs;
      run->jobs[i].input = g_strdup (inputs[i / self->n_outputs]);
    }
  run->selected = select_photos (self, inputs, run->n_photos);
  run->order = g_new (guint, MAX (1u, run->n_photos));
  for (guint i = 0; i < run->n_photos; i++)
    if (run->selected[i])
      run->order[run->n_selected++] = i;
  run->fractions = g_new (double, MAX (1u, run->n_photos));
  run->outputs_left = g_new (guint, MAX (1u, run->n_photos));
  run->did_work = g_new0 (gboolean, MAX (1u, run->n_photos));
  for (guint i = 0; i < run->n_photos; i++)
    {
      run->fractions[i] = -1.0;  /* not started */
      run->outputs_left[i] = self->n_outputs;
    }
  run->n_workers = ottica_batch_get_n_workers (self, run->n_selected);
  run->n_threads = ottica_batch_get_n_threads (self, run->n_selected);
  run->start_time = g_get_monotonic_time ();

  run->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (run->task, ottica_batch_run_async);
  /* The task owns one reference; the coordinator thread another, given
   * back when run_finish() joins it. */
  g_task_set_task_data (run->task, run_ref (run), run_unref);
  /* Cancellation is reported in the result, not as a failed task. */
  g_task_set_check_cancellable (run->task, FALSE);

  self->running = TRUE;
  self->run = run;
  /* The initial reference is the coordinator thread's; run_finish()
   * drops it after joining the thread. */
  run->coordinator = g_thread_new ("ottica-batch", coordinator_main, run);
}

OtticaBatchResult *
ottica_batch_run_finish (OtticaBatch  *self,
                         GAsyncResult *result)
{
  g_return_val_if_fail (OTTICA_IS_BATCH (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), NULL);
}

typedef struct
{
  GAsyncResult *result;
} SyncData;

static void
on_sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SyncData *data = user_data;

  data->result = g_object_ref (result);
}

OtticaBatchResult *
ottica_batch_run (OtticaBatch         *self,
                  const char * const  *inputs,
                  GCancellable        *cancellable)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  SyncData data = { NULL };
  OtticaBatchResult *result;

  g_return_val_if_fail (OTTICA_IS_BATCH (self), NULL);
  g_return_val_if_fail (inputs != NULL, NULL);

  g_main_context_push_thread_default (context);
  ottica_batch_run_async (self, inputs, cancellable, on_sync_done, &data);
  while (data.result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  result = ottica_batch_run_finish (self, data.result);
  g_object_unref (data.result);
  return result;
}
