/* ottica-thumbnail-loader.c: worker pools over ottica_thumbnail_get().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ottica-main-context.h"
#include "ottica-engine.h"
#include "ottica-thumbnail-cache.h"
#include "ottica-thumbnail-loader.h"

/* CPU priority of the threads that render what is out of sight */
#define BACKGROUND_NICE 10

typedef enum
{
  /* the disk cache, else the camera's EXIF thumbnail: about 1 ms */
  STAGE_PREVIEW,
  /* the real render with the edit: ~150 ms CPU for a 24 MP JPEG */
  STAGE_FULL,
} Stage;

struct _OtticaThumbnailLoader
{
  GObject      parent_instance;

  guint        size;
  GThreadPool *pool;         /* previews, then renders of items on screen */
  GThreadPool *background;   /* renders of the others, niced */
  GHashTable  *pending;      /* OtticaLibraryItem* → Request* (the current one) */
  GHashTable  *wanted;       /* OtticaLibraryItem* set: bound in the grid */
  GHashTable  *visible;      /* OtticaLibraryItem* set: on screen (a subset) */
  GMainContext *context;
  guint64      turn;         /* main-loop turn of the newest requests */
  guint        turn_source;
  guint64      seq;

  /* shared with the workers */
  GMutex       lock;
  GCond        idle;         /* n_foreground dropped to 0, or stopping */
  guint        n_foreground; /* requests queued or running in @pool */
  gboolean     stopping;
};

typedef struct
{
  gatomicrefcount     ref_count;
  GWeakRef            loader;
  OtticaLibraryItem  *item;
  char               *path;
  guint               serial;
  guint               size;
  guint64             turn;
  guint64             seq;
  gint                started;
  GCancellable       *cancellable;
  Stage               stage;      /* set on the main thread at the first
                                   * push, then only by the worker */
  /* filled by the worker */
  OtticaThumbnail    *preview;
  OtticaThumbnail    *thumbnail;
  GError             *error;
} Request;

enum { THUMBNAIL_DONE, PREVIEW_SHOWN, N_SIGNALS };
static guint signals[N_SIGNALS];

static GQuark current_quark;
static GQuark preview_quark;

G_DEFINE_FINAL_TYPE (OtticaThumbnailLoader, ottica_thumbnail_loader, G_TYPE_OBJECT)

static Request *
request_ref (Request *request)
{
  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

static void
request_unref (gpointer data)
{
  Request *request = data;

  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;
  g_weak_ref_clear (&request->loader);
  g_object_unref (request->item);
  g_free (request->path);
  g_object_unref (request->cancellable);
  ottica_thumbnail_free (request->preview);
  ottica_thumbnail_free (request->thumbnail);
  g_clear_error (&request->error);
  g_free (request);
}

/* On screen: previews, then renders; then the previews of cells bound
 * out of sight (the background pool has only renders). */
static int
rank (const Request *request)
{
  if (request->turn == 0)
    return 2 + (request->stage == STAGE_FULL);
  return request->stage == STAGE_FULL;
}

/* By rank; then the newest turn first; within a turn, in the order asked. */
static int
compare_requests (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Request *x = a, *y = b;

  if (rank (x) != rank (y))
    return rank (x) < rank (y) ? -1 : 1;
  if (x->turn != y->turn)
    return x->turn > y->turn ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static gboolean
deliver (gpointer data)
{
  Request *request = data;
  g_autoptr(OtticaThumbnailLoader) self = g_weak_ref_get (&request->loader);
  OtticaLibraryItem *item = request->item;

  if (self == NULL || g_hash_table_lookup (self->pending, item) != request)
    return G_SOURCE_REMOVE;
  g_hash_table_remove (self->pending, item);

  if (g_error_matches (request->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return G_SOURCE_REMOVE;

  if (request->thumbnail != NULL && !g_hash_table_contains (self->wanted, item))
    {
      /* rendered ahead into the disk cache; shown from there when bound,
       * so photos never on screen hold no pixels in memory */
      ottica_library_item_set_has_edit (item, request->thumbnail->has_edit);
      g_signal_emit (self, signals[THUMBNAIL_DONE], 0, item);
      return G_SOURCE_REMOVE;
    }

  if (request->thumbnail != NULL)
    {
      OtticaThumbnail *thumbnail = request->thumbnail;
      g_autoptr(GdkTexture) texture =
        gdk_memory_texture_new (thumbnail->width, thumbnail->height, GDK_MEMORY_R8G8B8,
                                thumbnail->pixels, thumbnail->stride);

      ottica_library_item_set_thumbnail (item, GDK_PAINTABLE (texture));
      ottica_library_item_set_broken (item, FALSE);
      ottica_library_item_set_error (item, thumbnail->warning);
      ottica_library_item_set_has_edit (item, thumbnail->has_edit);
    }
  else
    {
      ottica_library_item_set_thumbnail (item, NULL);
      ottica_library_item_set_broken (item, TRUE);
      ottica_library_item_set_error (item, request->error != NULL ? request->error->message : NULL);
    }
  g_object_set_qdata (G_OBJECT (item), preview_quark, NULL);
  /* serial + 1, so 0 means "never" */
  g_object_set_qdata (G_OBJECT (item), current_quark, GUINT_TO_POINTER (request->serial + 1));
  g_signal_emit (self, signals[THUMBNAIL_DONE], 0, item);
  return G_SOURCE_REMOVE;
}

/* Stage 1 on the main thread: the camera's thumbnail goes up where the
 * cell shows nothing yet. It is the photo without its edit: a photo with
 * an edit shows unedited for the moment its real render takes. */
static gboolean
deliver_preview (gpointer data)
{
  Request *request = data;
  g_autoptr(OtticaThumbnailLoader) self = g_weak_ref_get (&request->loader);
  OtticaLibraryItem *item = request->item;
  OtticaThumbnail *preview = request->preview;
  g_autoptr(GdkTexture) texture = NULL;

  if (self == NULL || g_hash_table_lookup (self->pending, item) != request
      || !g_hash_table_contains (self->wanted, item)
      || ottica_library_item_get_thumbnail (item) != NULL)
    return G_SOURCE_REMOVE;

  texture = gdk_memory_texture_new (preview->width, preview->height, GDK_MEMORY_R8G8B8,
                                    preview->pixels, preview->stride);
  ottica_library_item_set_thumbnail (item, GDK_PAINTABLE (texture));
  ottica_library_item_set_broken (item, FALSE);
  ottica_library_item_set_has_edit (item, preview->has_edit);
  g_object_set_qdata (G_OBJECT (item), preview_quark, GINT_TO_POINTER (1));
  g_signal_emit (self, signals[PREVIEW_SHOWN], 0, item);
  return G_SOURCE_REMOVE;
}

/* Under self->lock. */
static void
queue_locked (OtticaThumbnailLoader *self,
              Request               *request)
{
  if (request->stage == STAGE_PREVIEW || request->turn != 0)
    {
      self->n_foreground++;
      g_thread_pool_push (self->pool, request, NULL);
    }
  else
    {
      g_thread_pool_push (self->background, request, NULL);
    }
}

/* TRUE when the real render must follow. */
static gboolean
run (Request *request)
{
  g_atomic_int_set (&request->started, 1);
  if (g_cancellable_set_error_if_cancelled (request->cancellable, &request->error))
    return FALSE;
  if (request->stage == STAGE_FULL)
    {
      request->thumbnail = ottica_thumbnail_get (request->path, request->size,
                                                 OTTICA_THUMBNAIL_DEFAULT,
                                                 request->cancellable, &request->error);
      return FALSE;
    }
  request->thumbnail = ottica_thumbnail_get (request->path, request->size,
                                             OTTICA_THUMBNAIL_CACHE_ONLY,
                                             request->cancellable, &request->error);
  if (request->thumbnail != NULL || request->error != NULL)
    return FALSE;
  request->preview = ottica_thumbnail_get_embedded (request->path, request->size,
                                                    request->cancellable, NULL);
  return TRUE;
}

static void
work (gpointer data, gpointer user_data)
{
  Request *request = data;
  OtticaThumbnailLoader *self = user_data;
  gboolean more = run (request);

  g_mutex_lock (&self->lock);
  if (more && !self->stopping)
    {
      /* queued before this one counts as done, so the background never
       * slips in between the two stages */
      request->stage = STAGE_FULL;
      g_atomic_int_set (&request->started, 0);
      queue_locked (self, request_ref (request));
    }
  g_mutex_unlock (&self->lock);

  /* the pool's reference goes to the main thread, below layout and
   * drawing, so a stream of results never holds up a frame */
  if (!more)
    ottica_main_context_post (self->context, G_PRIORITY_DEFAULT_IDLE, deliver, request, request_unref);
  else if (request->preview != NULL)
    ottica_main_context_post (self->context, G_PRIORITY_DEFAULT_IDLE, deliver_preview, request,
                              request_unref);
  else
    request_unref (request);

  g_mutex_lock (&self->lock);
  if (--self->n_foreground == 0)
    g_cond_broadcast (&self->idle);
  g_mutex_unlock (&self->lock);
}

static void
work_background (gpointer data, gpointer user_data)
{
  static GPrivate niced = G_PRIVATE_INIT (NULL);
  Request *request = data;
  OtticaThumbnailLoader *self = user_data;

  if (g_private_get (&niced) == NULL)
    {
      /* this pool's threads are its own (exclusive), so the niceness
       * never reaches other work; Linux nices a thread by its id */
      if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), BACKGROUND_NICE) != 0)
        g_debug ("thumbnails: could not lower the background threads' priority");
      g_private_set (&niced, GINT_TO_POINTER (1));
    }

  /* after everything on screen */
  g_mutex_lock (&self->lock);
  while (self->n_foreground > 0 && !self->stopping)
    g_cond_wait (&self->idle, &self->lock);
  g_mutex_unlock (&self->lock);

  run (request);
  ottica_main_context_post (self->context, G_PRIORITY_DEFAULT_IDLE, deliver, request, request_unref);
}

static void
ottica_thumbnail_loader_dispose (GObject *object)
{
  OtticaThumbnailLoader *self = OTTICA_THUMBNAIL_LOADER (object);

  ottica_thumbnail_loader_cancel_all (self);
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->idle);
  g_mutex_unlock (&self->lock);
  /* drops what is queued, waits for the renders that run */
  if (self->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->pool), TRUE, TRUE);
  if (self->background != NULL)
    g_thread_pool_free (g_steal_pointer (&self->background), TRUE, TRUE);
  g_clear_handle_id (&self->turn_source, g_source_remove);
  G_OBJECT_CLASS (ottica_thumbnail_loader_parent_class)->dispose (object);
}

static void
ottica_thumbnail_loader_finalize (GObject *object)
{
  OtticaThumbnailLoader *self = OTTICA_THUMBNAIL_LOADER (object);

  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->wanted);
  g_hash_table_unref (self->visible);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->idle);
  G_OBJECT_CLASS (ottica_thumbnail_loader_parent_class)->finalize (object);
}

static void
ottica_thumbnail_loader_class_init (OtticaThumbnailLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ottica_thumbnail_loader_dispose;
  object_class->finalize = ottica_thumbnail_loader_finalize;

  signals[THUMBNAIL_DONE] =
    g_signal_new ("thumbnail-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, OTTICA_TYPE_LIBRARY_ITEM);
  signals[PREVIEW_SHOWN] =
    g_signal_new ("preview-shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, OTTICA_TYPE_LIBRARY_ITEM);
  current_quark = g_quark_from_static_string ("ottica-thumbnail-current");
  preview_quark = g_quark_from_static_string ("ottica-thumbnail-preview");
}

static void
ottica_thumbnail_loader_init (OtticaThumbnailLoader *self)
{
  self->pending = g_hash_table_new_full (NULL, NULL, NULL, request_unref);
  self->wanted = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->visible = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->turn = 1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->idle);
}

OtticaThumbnailLoader *
ottica_thumbnail_loader_new (guint size, guint n_threads)
{
  OtticaThumbnailLoader *self = g_object_new (OTTICA_TYPE_THUMBNAIL_LOADER, NULL);

  self->size = size;
  self->pool = g_thread_pool_new_full (work, self, request_unref,
                                       MAX (1, (int) n_threads), FALSE, NULL);
  g_thread_pool_set_sort_function (self->pool, compare_requests, NULL);
  /* exclusive: its niced threads never serve other pools */
  self->background = g_thread_pool_new_full (work_background, self, request_unref,
                                             MAX (1, (int) n_threads), TRUE, NULL);
  g_thread_pool_set_sort_function (self->background, compare_requests, NULL);
  return self;
}

void
ottica_thumbnail_loader_set_size (OtticaThumbnailLoader *self,
                                  guint                  size)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));

  if (size == self->size)
    return;
  self->size = size;
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (((Request *) value)->cancellable);
  g_hash_table_remove_all (self->pending);
  /* what is shown stays until its new rendering replaces it */
  g_hash_table_iter_init (&iter, self->wanted);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_object_set_qdata (G_OBJECT (key), current_quark, NULL);
}

guint
ottica_thumbnail_loader_get_size (OtticaThumbnailLoader *self)
{
  g_return_val_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self), 0);
  return self->size;
}

gboolean
ottica_thumbnail_loader_is_current (OtticaThumbnailLoader *self,
                                    OtticaLibraryItem     *item)
{
  guint current = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (item), current_quark));

  return current == ottica_library_item_get_serial (item) + 1;
}

static gboolean
next_turn (gpointer data)
{
  OtticaThumbnailLoader *self = data;

  self->turn++;
  self->turn_source = 0;
  return G_SOURCE_REMOVE;
}

static void
push (OtticaThumbnailLoader *self,
      OtticaLibraryItem     *item,
      guint64                turn)
{
  Request *request = g_new0 (Request, 1);

  g_atomic_ref_count_init (&request->ref_count);
  g_weak_ref_init (&request->loader, self);
  request->item = g_object_ref (item);
  request->path = g_strdup (ottica_library_item_get_path (item));
  request->serial = ottica_library_item_get_serial (item);
  request->size = self->size;
  request->turn = turn;
  request->seq = self->seq++;
  request->cancellable = g_cancellable_new ();
  /* a cell that shows nothing gets the camera's thumbnail first */
  request->stage = g_hash_table_contains (self->wanted, item)
                   && ottica_library_item_get_thumbnail (item) == NULL
                   && !ottica_thumbnail_loader_is_current (self, item)
                   ? STAGE_PREVIEW : STAGE_FULL;
  if (turn != 0 && self->turn_source == 0)
    self->turn_source = g_idle_add_full (G_PRIORITY_HIGH, next_turn, self, NULL);

  g_hash_table_replace (self->pending, item, request_ref (request));
  g_mutex_lock (&self->lock);
  queue_locked (self, request);
  g_mutex_unlock (&self->lock);
}

/* Adds @item to @set (which holds a reference to each item) once. */
static void
hold (GHashTable *set, OtticaLibraryItem *item)
{
  if (!g_hash_table_contains (set, item))
    g_hash_table_add (set, g_object_ref (item));
}

void
ottica_thumbnail_loader_request (OtticaThumbnailLoader *self,
                                 OtticaLibraryItem     *item)
{
  Request *queued;

  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (item));

  hold (self->wanted, item);
  hold (self->visible, item);
  if (ottica_thumbnail_loader_is_current (self, item))
    return;
  queued = g_hash_table_lookup (self->pending, item);
  if (queued != NULL && queued->serial == ottica_library_item_get_serial (item)
      && (queued->turn != 0 || g_atomic_int_get (&queued->started)))
    return;
  /* a stale or background request: replace it by one at the front */
  if (queued != NULL)
    g_cancellable_cancel (queued->cancellable);
  push (self, item, self->turn);
}

void
ottica_thumbnail_loader_keep (OtticaThumbnailLoader *self,
                              OtticaLibraryItem     *item)
{
  Request *queued;

  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (item));

  hold (self->wanted, item);
  g_hash_table_remove (self->visible, item);
  queued = g_hash_table_lookup (self->pending, item);
  if (queued != NULL && queued->turn != 0 && !g_atomic_int_get (&queued->started))
    {
      /* scrolled out of sight before it started: behind what is in sight */
      g_cancellable_cancel (queued->cancellable);
      push (self, item, 0);
      return;
    }
  ottica_thumbnail_loader_prefetch (self, item);
}

void
ottica_thumbnail_loader_prefetch (OtticaThumbnailLoader *self,
                                  OtticaLibraryItem     *item)
{
  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (item));

  if (ottica_thumbnail_loader_is_current (self, item)
      || g_hash_table_contains (self->pending, item))
    return;
  push (self, item, 0);
}

void
ottica_thumbnail_loader_refresh (OtticaThumbnailLoader *self,
                                 OtticaLibraryItem     *item)
{
  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));

  if (g_hash_table_contains (self->visible, item))
    ottica_thumbnail_loader_request (self, item);
  else
    ottica_thumbnail_loader_prefetch (self, item);
}

void
ottica_thumbnail_loader_release (OtticaThumbnailLoader *self,
                                 OtticaLibraryItem     *item)
{
  Request *queued;

  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));

  g_hash_table_remove (self->wanted, item);
  g_hash_table_remove (self->visible, item);
  /* only items in the grid hold pixels (a few hundred at most); the disk
   * cache brings the others back in milliseconds */
  if (ottica_library_item_get_thumbnail (item) != NULL)
    {
      ottica_library_item_set_thumbnail (item, NULL);
      g_object_set_qdata (G_OBJECT (item), current_quark, NULL);
    }
  g_object_set_qdata (G_OBJECT (item), preview_quark, NULL);
  queued = g_hash_table_lookup (self->pending, item);
  if (queued == NULL || queued->turn == 0)
    return;
  /* scrolled away: stop it, and let it finish behind everything on screen */
  g_cancellable_cancel (queued->cancellable);
  push (self, item, 0);
}

void
ottica_thumbnail_loader_cancel (OtticaThumbnailLoader *self,
                                OtticaLibraryItem     *item)
{
  Request *request;

  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));

  g_hash_table_remove (self->wanted, item);
  g_hash_table_remove (self->visible, item);
  request = g_hash_table_lookup (self->pending, item);
  if (request == NULL)
    return;
  g_cancellable_cancel (request->cancellable);
  /* the worker still delivers it, which then finds it gone */
  g_hash_table_remove (self->pending, item);
}

void
ottica_thumbnail_loader_cancel_all (OtticaThumbnailLoader *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self));

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (((Request *) value)->cancellable);
  g_hash_table_remove_all (self->pending);
  g_hash_table_remove_all (self->wanted);
  g_hash_table_remove_all (self->visible);
}

guint
ottica_thumbnail_loader_get_n_pending (OtticaThumbnailLoader *self)
{
  g_return_val_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self), 0);
  return g_hash_table_size (self->pending);
}

guint
ottica_thumbnail_loader_get_n_visible_pending (OtticaThumbnailLoader *self,
                                               guint                 *n_visible)
{
  GHashTableIter iter;
  gpointer key;
  guint pending = 0;

  g_return_val_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self), 0);

  g_hash_table_iter_init (&iter, self->visible);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!ottica_thumbnail_loader_is_current (self, key))
      pending++;
  if (n_visible != NULL)
    *n_visible = g_hash_table_size (self->visible);
  return pending;
}

guint
ottica_thumbnail_loader_get_n_visible_blank (OtticaThumbnailLoader *self)
{
  GHashTableIter iter;
  gpointer key;
  guint blank = 0;

  g_return_val_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self), 0);

  g_hash_table_iter_init (&iter, self->visible);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (ottica_library_item_get_thumbnail (key) == NULL && !ottica_thumbnail_loader_is_current (self, key))
      blank++;
  return blank;
}

gboolean
ottica_thumbnail_loader_shows_preview (OtticaThumbnailLoader *self,
                                       OtticaLibraryItem     *item)
{
  g_return_val_if_fail (OTTICA_IS_THUMBNAIL_LOADER (self), FALSE);
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (item), FALSE);

  return g_object_get_qdata (G_OBJECT (item), preview_quark) != NULL
         && ottica_library_item_get_thumbnail (item) != NULL;
}
