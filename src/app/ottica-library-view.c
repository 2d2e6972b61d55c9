/* ottica-library-view.c: the photo library's grid and its actions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ottica-atomic-file.h"
#include "ottica-edit.h"
#include "ottica-export-dialog.h"
#include "ottica-library-item.h"
#include "ottica-library-view.h"
#include "ottica-look-library.h"
#include "ottica-look.h"
#include "ottica-metadata.h"
#include "ottica-preset-store.h"
#include "ottica-presets-dialog.h"
#include "ottica-scan.h"
#include "ottica-sidecar.h"
#include "ottica-thumbnail-cache.h"
#include "ottica-thumbnail-loader.h"

#define THUMBNAIL_SIZE 256    /* logical pixels; × the scale factor on HiDPI */
#define THUMBNAIL_THREADS 2
#define UNDO_DEPTH 20

struct _OtticaLibraryView
{
  GtkWidget              parent_instance;

  /* template */
  GtkWidget             *box;
  AdwWindowTitle        *window_title;
  GtkStack              *stack;
  GtkGridView           *grid;
  GtkScrolledWindow     *scrolled;
  GtkLabel              *status_label;
  GtkDropDown           *look_dropdown;
  GtkScale              *amount_scale;
  GtkDropDown           *preset_dropdown;
  GtkPopover            *apply_popover;

  GListStore            *store;
  GHashTable            *by_path;       /* path → OtticaLibraryItem (borrowed) */
  GtkCustomFilter       *filter;
  GtkFilterListModel    *filtered;
  GtkCustomSorter       *sorter;
  GtkSortListModel      *sorted;
  GtkMultiSelection     *selection;

  GFile                 *folder;
  gboolean               recursive;
  char                  *sort_order;    /* "name" or "date" */
  char                  *kind_filter;   /* "all", "raw", "jpeg", "other" */

  GCancellable          *scan_cancellable;
  OtticaThumbnailLoader *loader;
  GHashTable            *cells;         /* Cell* set: bound in the grid */
  gboolean               prefetch_due;  /* render the folder ahead after the screen */
  guint                  visibility_source;
  GtkFileChooserNative  *chooser;

  GPtrArray             *look_ids;      /* char*, parallel to the look dropdown */
  GtkStringList         *preset_names;

  GQueue                 undo;          /* UndoStep*, newest first */
  gboolean               busy;          /* sidecars are being written */
};

enum
{
  PROP_0,
  PROP_RECURSIVE,
  PROP_SORT_ORDER,
  PROP_KIND_FILTER,
  N_PROPS
};

enum
{
  PHOTO_ACTIVATED,
  FOLDER_LOADED,
  EDITS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OtticaLibraryView, ottica_library_view, GTK_TYPE_WIDGET)

/* ---- toasts ------------------------------------------------------------- */

static AdwToast *
show_toast (OtticaLibraryView *self, const char *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  if (overlay == NULL)
    {
      g_message ("%s", message);
      return NULL;
    }
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  return toast;
}

/* ---- undo --------------------------------------------------------------- */

/* What one photo's sidecar was before a change, and where the change
 * wrote, so undo can put back exactly the old state ("no sidecar" too). */
typedef struct
{
  char   *photo;
  char   *old_path;     /* the sidecar that existed, or NULL */
  GBytes *old_data;
  char   *new_path;     /* the sidecar written, or NULL when removed */
} UndoEntry;

static void
undo_entry_free (gpointer data)
{
  UndoEntry *entry = data;

  g_free (entry->photo);
  g_free (entry->old_path);
  g_clear_pointer (&entry->old_data, g_bytes_unref);
  g_free (entry->new_path);
  g_free (entry);
}

static void
undo_step_free (gpointer data)
{
  g_ptr_array_unref (data);
}

/* ---- model -------------------------------------------------------------- */

static gboolean
filter_func (gpointer object, gpointer user_data)
{
  OtticaLibraryView *self = user_data;
  OtticaLibraryKind kind = ottica_library_item_get_kind (OTTICA_LIBRARY_ITEM (object));

  if (g_strcmp0 (self->kind_filter, "raw") == 0)
    return kind == OTTICA_LIBRARY_KIND_RAW;
  if (g_strcmp0 (self->kind_filter, "jpeg") == 0)
    return kind == OTTICA_LIBRARY_KIND_JPEG;
  if (g_strcmp0 (self->kind_filter, "other") == 0)
    return kind == OTTICA_LIBRARY_KIND_OTHER;
  return TRUE;
}

static int
compare_names (OtticaLibraryItem *a, OtticaLibraryItem *b)
{
  int c = strcmp (ottica_library_item_get_sort_key (a), ottica_library_item_get_sort_key (b));

  return c != 0 ? c : strcmp (ottica_library_item_get_path (a), ottica_library_item_get_path (b));
}

static int
sort_func (gconstpointer a, gconstpointer b, gpointer user_data)
{
  OtticaLibraryView *self = user_data;
  OtticaLibraryItem *x = OTTICA_LIBRARY_ITEM ((gpointer) a);
  OtticaLibraryItem *y = OTTICA_LIBRARY_ITEM ((gpointer) b);

  if (g_strcmp0 (self->sort_order, "date") == 0)
    {
      /* the capture date where EXIF has one, the file's date otherwise */
      int c = strcmp (ottica_library_item_get_sort_date (x), ottica_library_item_get_sort_date (y));

      if (c != 0)
        return c;
      if (ottica_library_item_get_mtime (x) != ottica_library_item_get_mtime (y))
        return ottica_library_item_get_mtime (x) < ottica_library_item_get_mtime (y) ? -1 : 1;
    }
  return compare_names (x, y);
}

static void
update_status (OtticaLibraryView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint n_selected = (guint) gtk_bitset_get_size (selected);
  g_autofree char *subtitle = NULL;
  g_autofree char *status = NULL;
  gboolean any = n_selected > 0 && !self->busy;

  if (self->folder != NULL)
    subtitle = g_strdup_printf (g_dngettext (NULL, "%u photo", "%u photos", n), n);
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");

  if (n_selected > 0)
    status = g_strdup_printf (g_dngettext (NULL, "%u photo selected", "%u photos selected", n_selected),
                              n_selected);
  gtk_label_set_text (self->status_label, status != NULL ? status : "");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.apply-look", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.apply-preset", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.paste-edit", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.reset-edits", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.export", n_selected > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.undo",
                                 !self->busy && !g_queue_is_empty (&self->undo));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.select-all", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.select-none", n_selected > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "library.reload", self->folder != NULL);

  if (self->folder != NULL && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") != 0)
    gtk_stack_set_visible_child_name (self->stack, n > 0 ? "grid" : "no-photos");
}

static void
model_changed (OtticaLibraryView *self)
{
  update_status (self);
}

/* ---- grid cells ------------------------------------------------------- */

typedef struct
{
  GtkWidget *box;
  GtkWidget *picture;
  GtkWidget *badge;
  GtkWidget *broken;
  GtkWidget *label;
  OtticaLibraryItem *item;
  gulong     handler;
} Cell;

static void
cell_free (gpointer data)
{
  g_free (data);
}

static void
cell_update (Cell *cell)
{
  OtticaLibraryItem *item = cell->item;
  GtkWidget *root = gtk_widget_get_parent (cell->label);
  const char *error = ottica_library_item_get_error (item);
  g_autofree char *tooltip = NULL;

  gtk_picture_set_paintable (GTK_PICTURE (cell->picture), ottica_library_item_get_thumbnail (item));
  gtk_widget_set_visible (cell->badge, ottica_library_item_get_has_edit (item));
  gtk_widget_set_visible (cell->broken, ottica_library_item_get_broken (item));
  gtk_label_set_text (GTK_LABEL (cell->label), ottica_library_item_get_name (item));

  if (error != NULL)
    tooltip = g_strdup (error);
  else
    tooltip = g_strdup (ottica_library_item_get_name (item));
  gtk_widget_set_tooltip_text (root, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (root),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, ottica_library_item_get_name (item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  ottica_library_item_get_has_edit (item) ? _("Has an edit") : "",
                                  -1);
}

static void
item_notify (OtticaLibraryItem *item, GParamSpec *pspec, gpointer data)
{
  cell_update (data);
}

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  Cell *cell = g_new0 (Cell, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *overlay = gtk_overlay_new ();

  cell->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (cell->picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (cell->picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (cell->picture, 200, 150);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), cell->picture);

  cell->badge = gtk_image_new_from_icon_name ("document-edit-symbolic");
  gtk_widget_set_halign (cell->badge, GTK_ALIGN_END);
  gtk_widget_set_valign (cell->badge, GTK_ALIGN_START);
  gtk_widget_set_margin_top (cell->badge, 4);
  gtk_widget_set_margin_end (cell->badge, 4);
  gtk_widget_add_css_class (cell->badge, "osd");
  gtk_widget_add_css_class (cell->badge, "circular");
  gtk_widget_set_tooltip_text (cell->badge, _("This photo has an edit"));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), cell->badge);

  cell->broken = gtk_image_new_from_icon_name ("image-missing-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (cell->broken), 48);
  gtk_widget_add_css_class (cell->broken, "dim-label");
  gtk_widget_set_halign (cell->broken, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (cell->broken, GTK_ALIGN_CENTER);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), cell->broken);

  cell->label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (cell->label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (cell->label), 24);
  gtk_widget_add_css_class (cell->label, "caption");

  gtk_box_append (GTK_BOX (box), overlay);
  gtk_box_append (GTK_BOX (box), cell->label);
  gtk_widget_set_margin_start (box, 4);
  gtk_widget_set_margin_end (box, 4);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);

  cell->box = box;
  g_object_set_data_full (G_OBJECT (list_item), "ottica-cell", cell, cell_free);
  gtk_list_item_set_child (list_item, box);
}

/* Which bound cells are in the viewport: GtkGridView keeps many more
 * rows than it shows, and the thumbnails in sight go first, top left to
 * bottom right. */
typedef struct
{
  Cell  *cell;
  float  y, x;
} Placed;

static int
compare_placed (gconstpointer a, gconstpointer b)
{
  const Placed *p = a, *q = b;

  if (p->y != q->y)
    return p->y < q->y ? -1 : 1;
  return p->x < q->x ? -1 : (p->x > q->x);
}

static gboolean
update_visibility (gpointer data)
{
  OtticaLibraryView *self = data;
  int height = gtk_widget_get_height (GTK_WIDGET (self->scrolled));
  g_autoptr(GArray) visible = g_array_new (FALSE, FALSE, sizeof (Placed));
  GHashTableIter iter;
  gpointer key;

  self->visibility_source = 0;
  {
    /* HiDPI: as many thumbnail pixels as the screen shows */
    guint size = MIN (1024, THUMBNAIL_SIZE * (guint) MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self))));

    ottica_thumbnail_loader_set_size (self->loader, size);
  }
  g_hash_table_iter_init (&iter, self->cells);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Cell *cell = key;
      graphene_rect_t bounds;

      if (cell->item == NULL)
        continue;
      if (height > 0 && gtk_widget_get_mapped (cell->box)
          && gtk_widget_compute_bounds (cell->box, GTK_WIDGET (self->scrolled), &bounds)
          && bounds.size.width > 0
          && bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < height)
        {
          Placed placed = { cell, bounds.origin.y, bounds.origin.x };

          g_array_append_val (visible, placed);
        }
      else
        {
          ottica_thumbnail_loader_keep (self->loader, cell->item);
        }
    }
  g_array_sort (visible, compare_placed);
  for (guint i = 0; i < visible->len; i++)
    ottica_thumbnail_loader_request (self->loader, g_array_index (visible, Placed, i).cell->item);

  if (self->prefetch_due)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));

      self->prefetch_due = FALSE;
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(OtticaLibraryItem) item = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);

          ottica_thumbnail_loader_prefetch (self->loader, item);
        }
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_visibility (OtticaLibraryView *self)
{
  /* after the layout that placed the cells */
  if (self->visibility_source == 0)
    self->visibility_source = g_idle_add_full (GDK_PRIORITY_REDRAW + 10, update_visibility, self, NULL);
}

static void
scale_factor_changed (GObject *object, GParamSpec *pspec, gpointer data)
{
  schedule_visibility (OTTICA_LIBRARY_VIEW (object));
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  OtticaLibraryView *self = user_data;
  Cell *cell = g_object_get_data (G_OBJECT (list_item), "ottica-cell");
  OtticaLibraryItem *item = gtk_list_item_get_item (list_item);

  cell->item = item;
  cell->handler = g_signal_connect (item, "notify", G_CALLBACK (item_notify), cell);
  cell_update (cell);
  g_hash_table_add (self->cells, cell);
  /* queued behind what is on screen until the layout says it is there */
  ottica_thumbnail_loader_keep (self->loader, item);
  schedule_visibility (self);
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  OtticaLibraryView *self = user_data;
  Cell *cell = g_object_get_data (G_OBJECT (list_item), "ottica-cell");

  if (cell->item == NULL)
    return;
  g_clear_signal_handler (&cell->handler, cell->item);
  if (self->cells != NULL)
    g_hash_table_remove (self->cells, cell);
  if (self->loader != NULL)
    ottica_thumbnail_loader_release (self->loader, cell->item);
  cell->item = NULL;
}

static void
grid_activated (OtticaLibraryView *self, guint position)
{
  g_autoptr(OtticaLibraryItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (item != NULL)
    g_signal_emit (self, signals[PHOTO_ACTIVATED], 0, ottica_library_item_get_file (item));
}

/* ---- scanning ------------------------------------------------------------ */

typedef struct
{
  char   *path;
  gint64  mtime;
  gboolean has_edit;
} Found;

static void
found_free (gpointer data)
{
  Found *found = data;

  g_free (found->path);
  g_free (found);
}

typedef struct
{
  char     *folder;
  gboolean  recursive;
} ScanJob;

static void
scan_job_free (gpointer data)
{
  ScanJob *job = data;

  g_free (job->folder);
  g_free (job);
}

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  static const char *const skip_names[] = { "exported", NULL };
  ScanJob *job = task_data;
  const char *inputs[] = { job->folder, NULL };
  OtticaScanOptions options = { .recursive = job->recursive, .skip_folder_names = skip_names };
  g_autoptr(GPtrArray) paths = NULL;
  GPtrArray *found;
  GError *error = NULL;

  paths = ottica_scan (inputs, &options, cancellable, &error);
  if (paths == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  found = g_ptr_array_new_full (paths->len, found_free);
  for (guint i = 0; i < paths->len; i++)
    {
      Found *f = g_new0 (Found, 1);
      g_autofree char *sidecar = NULL;
      GStatBuf st;

      f->path = g_strdup (g_ptr_array_index (paths, i));
      if (g_stat (f->path, &st) == 0)
        f->mtime = (gint64) st.st_mtime;
      sidecar = ottica_sidecar_find (f->path);
      f->has_edit = sidecar != NULL;
      g_ptr_array_add (found, f);
    }
  g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

static void
dates_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *paths = task_data;
  GPtrArray *dates = g_ptr_array_new_full (paths->len, g_free);

  for (guint i = 0; i < paths->len; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      g_ptr_array_add (dates, ottica_metadata_capture_date (g_ptr_array_index (paths, i)));
    }
  g_task_return_pointer (task, dates, (GDestroyNotify) g_ptr_array_unref);
}

static void
dates_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (source);
  GPtrArray *paths = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) dates = g_task_propagate_pointer (G_TASK (result), NULL);

  if (dates == NULL || g_task_had_error (G_TASK (result)))
    return;
  for (guint i = 0; i < dates->len; i++)
    {
      OtticaLibraryItem *item = g_hash_table_lookup (self->by_path, g_ptr_array_index (paths, i));

      if (item != NULL)
        ottica_library_item_set_date (item, g_ptr_array_index (dates, i));
    }
  if (g_strcmp0 (self->sort_order, "date") == 0)
    gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

static void
scan_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GTask) dates = NULL;
  GPtrArray *paths;

  if (found == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          gtk_stack_set_visible_child_name (self->stack, "no-photos");
          show_toast (self, error->message);
          update_status (self);
        }
      return;
    }

  items = g_ptr_array_new_full (found->len, g_object_unref);
  paths = g_ptr_array_new_full (found->len, g_free);
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = g_ptr_array_index (found, i);
      OtticaLibraryItem *item = ottica_library_item_new (f->path, f->mtime);

      ottica_library_item_set_has_edit (item, f->has_edit);
      g_hash_table_insert (self->by_path, (gpointer) ottica_library_item_get_path (item), item);
      g_ptr_array_add (items, item);
      g_ptr_array_add (paths, g_strdup (f->path));
    }
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "grid" : "no-photos");
  g_list_store_splice (self->store, 0, 0, items->pdata, items->len);

  /* the rest of the folder renders into the cache, once the photos in
   * sight are queued */
  self->prefetch_due = TRUE;
  schedule_visibility (self);

  dates = g_task_new (self, self->scan_cancellable, dates_done, NULL);
  g_task_set_task_data (dates, paths, (GDestroyNotify) g_ptr_array_unref);
  g_task_set_priority (dates, G_PRIORITY_LOW);
  g_task_run_in_thread (dates, dates_thread);

  update_status (self);
  g_signal_emit (self, signals[FOLDER_LOADED], 0, items->len);
}

static void
start_scan (OtticaLibraryView *self)
{
  g_autoptr(GTask) task = NULL;
  ScanJob *job;

  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  ottica_thumbnail_loader_cancel_all (self->loader);
  g_list_store_remove_all (self->store);
  g_hash_table_remove_all (self->by_path);

  if (self->folder == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_status (self);
      return;
    }

  {
    g_autofree char *name = g_file_get_basename (self->folder);
    g_autofree char *display = g_filename_display_name (name);

    adw_window_title_set_title (self->window_title, display);
  }
  gtk_stack_set_visible_child_name (self->stack, "loading");

  self->scan_cancellable = g_cancellable_new ();
  job = g_new0 (ScanJob, 1);
  job->folder = g_file_get_path (self->folder);
  job->recursive = self->recursive;
  task = g_task_new (self, self->scan_cancellable, scan_done, NULL);
  g_task_set_task_data (task, job, scan_job_free);
  g_task_run_in_thread (task, scan_thread);
}

/* ---- changing edits ------------------------------------------------------- */

typedef enum
{
  CHANGE_LOOK,
  CHANGE_PRESET,
  CHANGE_RESET,
  CHANGE_UNDO,
} ChangeKind;

typedef struct
{
  ChangeKind  kind;
  char       *look_id;     /* CHANGE_LOOK; NULL: no look */
  double      amount;
  OtticaEdit *preset;      /* CHANGE_PRESET */
  GPtrArray  *photos;      /* char* */
  GPtrArray  *undo;        /* CHANGE_UNDO: the step being undone (UndoEntry*) */
  /* results */
  GPtrArray  *entries;     /* UndoEntry* of the photos changed */
  GPtrArray  *changed;     /* char* photos whose sidecar changed */
  char       *first_error;
  guint       n_failed;
} Change;

static void
change_free (gpointer data)
{
  Change *change = data;

  g_free (change->look_id);
  g_clear_pointer (&change->preset, ottica_edit_free);
  g_clear_pointer (&change->photos, g_ptr_array_unref);
  g_clear_pointer (&change->undo, g_ptr_array_unref);
  g_clear_pointer (&change->entries, g_ptr_array_unref);
  g_clear_pointer (&change->changed, g_ptr_array_unref);
  g_free (change->first_error);
  g_free (change);
}

static void
change_failed (Change *change, GError *error)
{
  if (change->first_error == NULL)
    change->first_error = g_strdup (error->message);
  change->n_failed++;
}

/* Removes every sidecar of @photo (beside it and the fallback). */
static gboolean
remove_sidecars (const char *photo, GError **error)
{
  char *paths[] = { ottica_sidecar_path_beside (photo), ottica_sidecar_path_fallback (photo) };
  gboolean ok = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      if (ok && g_unlink (paths[i]) != 0 && errno != ENOENT)
        {
          int errsv = errno;
          g_autofree char *display = g_filename_display_basename (paths[i]);

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("Could not remove “%s”: %s"), display, g_strerror (errsv));
          ok = FALSE;
        }
      g_free (paths[i]);
    }
  return ok;
}

static void
change_one (Change *change, const char *photo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;
  g_autofree char *old_path = ottica_sidecar_find (photo);
  g_autofree char *old_data = NULL;
  g_autofree char *new_path = NULL;
  gsize old_length = 0;
  UndoEntry *entry;

  if (old_path != NULL && !g_file_get_contents (old_path, &old_data, &old_length, &error))
    {
      change_failed (change, error);
      return;
    }

  if (change->kind == CHANGE_RESET)
    {
      if (old_path == NULL)
        return;
      if (!remove_sidecars (photo, &error))
        {
          change_failed (change, error);
          return;
        }
    }
  else
    {
      if (old_path != NULL)
        {
          edit = ottica_edit_from_data_as (old_data, old_length, old_path,
                                           OTTICA_EDIT_KIND_EDIT, &error);
          if (edit == NULL)
            {
              /* never replace an edit we cannot read: the person may want it */
              change_failed (change, error);
              return;
            }
        }
      else
        {
          edit = ottica_edit_new ();
        }

      if (change->kind == CHANGE_LOOK)
        {
          ottica_edit_set_look (edit, change->look_id);
          edit->look_amount = CLAMP (change->amount, 0.0, 1.0);
        }
      else
        {
          ottica_edit_apply_preset (edit, change->preset);
        }
      if (!ottica_sidecar_save (photo, edit, &new_path, &error))
        {
          change_failed (change, error);
          return;
        }
    }

  entry = g_new0 (UndoEntry, 1);
  entry->photo = g_strdup (photo);
  entry->old_path = g_steal_pointer (&old_path);
  if (old_data != NULL)
    entry->old_data = g_bytes_new_take (g_steal_pointer (&old_data), old_length);
  entry->new_path = g_steal_pointer (&new_path);
  g_ptr_array_add (change->entries, entry);
  g_ptr_array_add (change->changed, g_strdup (photo));
}

static void
undo_one (Change *change, UndoEntry *entry)
{
  g_autoptr(GError) error = NULL;

  if (entry->old_path == NULL)
    {
      if (!remove_sidecars (entry->photo, &error))
        {
          change_failed (change, error);
          return;
        }
    }
  else
    {
      gsize length = 0;
      const void *data = g_bytes_get_data (entry->old_data, &length);

      if (!ottica_atomic_file_write (entry->old_path, data, length, TRUE, &error))
        {
          change_failed (change, error);
          return;
        }
      /* the change may have written the other place (beside vs. fallback) */
      if (entry->new_path != NULL && strcmp (entry->new_path, entry->old_path) != 0)
        g_unlink (entry->new_path);
    }
  g_ptr_array_add (change->changed, g_strdup (entry->photo));
}

static void
change_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Change *change = task_data;

  if (change->kind == CHANGE_UNDO)
    {
      for (guint i = 0; i < change->undo->len; i++)
        undo_one (change, g_ptr_array_index (change->undo, i));
    }
  else
    {
      for (guint i = 0; i < change->photos->len; i++)
        change_one (change, g_ptr_array_index (change->photos, i));
    }
  g_task_return_boolean (task, TRUE);
}

static void
undo_toast_clicked (AdwToast *toast, gpointer user_data)
{
  GtkWidget *view = user_data;

  gtk_widget_activate_action (view, "library.undo", NULL);
}

static void
change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (source);
  Change *change = g_task_get_task_data (G_TASK (result));
  guint n_changed = change->changed->len;
  g_autofree char *message = NULL;

  self->busy = FALSE;
  if (self->by_path == NULL)
    return;   /* the view went away while the sidecars were written */

  for (guint i = 0; i < n_changed; i++)
    {
      const char *photo = g_ptr_array_index (change->changed, i);
      OtticaLibraryItem *item = g_hash_table_lookup (self->by_path, photo);
      g_autofree char *sidecar = NULL;

      if (item == NULL)
        continue;
      sidecar = ottica_sidecar_find (photo);
      ottica_library_item_set_has_edit (item, sidecar != NULL);
      ottica_library_item_invalidate (item);
      ottica_thumbnail_loader_refresh (self->loader, item);
    }

  if (change->kind != CHANGE_UNDO && change->entries->len > 0)
    {
      g_queue_push_head (&self->undo, g_ptr_array_ref (change->entries));
      while (g_queue_get_length (&self->undo) > UNDO_DEPTH)
        undo_step_free (g_queue_pop_tail (&self->undo));
    }

  if (change->n_failed > 0)
    {
      if (change->n_failed == 1)
        message = g_strdup (change->first_error);
      else
        message = g_strdup_printf (g_dngettext (NULL,
                                                "%u photo could not be changed. The first problem: %s",
                                                "%u photos could not be changed. The first problem: %s",
                                                change->n_failed),
                                   change->n_failed, change->first_error);
      show_toast (self, message);
    }
  else if (n_changed > 0)
    {
      AdwToast *toast;

      switch (change->kind)
        {
        case CHANGE_LOOK:
          message = g_strdup_printf (g_dngettext (NULL, "Look applied to %u photo.",
                                                  "Look applied to %u photos.", n_changed), n_changed);
          break;
        case CHANGE_PRESET:
          message = g_strdup_printf (g_dngettext (NULL, "Edit applied to %u photo.",
                                                  "Edit applied to %u photos.", n_changed), n_changed);
          break;
        case CHANGE_RESET:
          message = g_strdup_printf (g_dngettext (NULL, "%u photo reset to its original.",
                                                  "%u photos reset to their originals.", n_changed), n_changed);
          break;
        case CHANGE_UNDO:
        default:
          message = g_strdup_printf (g_dngettext (NULL, "Undone on %u photo.",
                                                  "Undone on %u photos.", n_changed), n_changed);
          break;
        }
      toast = show_toast (self, message);
      if (toast != NULL && change->kind != CHANGE_UNDO)
        {
          adw_toast_set_button_label (toast, _("_Undo"));
          g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_toast_clicked), self, 0);
        }
    }

  update_status (self);
  g_signal_emit (self, signals[EDITS_CHANGED], 0, n_changed, change->n_failed);
}

/* Runs @change (its photos: the selection) in a worker. */
static void
run_change (OtticaLibraryView *self, Change *change)
{
  g_autoptr(GTask) task = NULL;

  change->entries = g_ptr_array_new_with_free_func (undo_entry_free);
  change->changed = g_ptr_array_new_with_free_func (g_free);
  if (change->photos == NULL)
    {
      g_auto(GStrv) paths = ottica_library_view_dup_selected_paths (self);

      change->photos = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; paths[i] != NULL; i++)
        g_ptr_array_add (change->photos, g_strdup (paths[i]));
    }

  self->busy = TRUE;
  update_status (self);
  task = g_task_new (self, NULL, change_done, NULL);
  g_task_set_task_data (task, change, change_free);
  g_task_run_in_thread (task, change_thread);
}

/* ---- actions ---------------------------------------------------------------- */

static void
chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  OtticaLibraryView *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (folder != NULL)
        ottica_library_view_set_folder (self, folder, self->recursive);
    }
  g_clear_object (&self->chooser);
}

static void
open_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Open Folder"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (self->folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), self->folder, NULL);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
reload_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  start_scan (OTTICA_LIBRARY_VIEW (widget));
}

static void
select_all_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_selection_model_select_all (GTK_SELECTION_MODEL (OTTICA_LIBRARY_VIEW (widget)->selection));
}

static void
select_none_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (OTTICA_LIBRARY_VIEW (widget)->selection));
}

static void
apply_look_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (widget);
  Change *change = g_new0 (Change, 1);
  const char *id = NULL;
  double amount = 1.0;

  g_variant_get (parameter, "(&sd)", &id, &amount);
  change->kind = CHANGE_LOOK;
  change->look_id = *id != '\0' ? g_strdup (id) : NULL;
  change->amount = amount;
  run_change (self, change);
}

static void
apply_preset_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (widget);
  g_autoptr(GError) error = NULL;
  OtticaEdit *preset = ottica_preset_store_load (g_variant_get_string (parameter, NULL), &error);
  Change *change;

  if (preset == NULL)
    {
      show_toast (self, error->message);
      return;
    }
  change = g_new0 (Change, 1);
  change->kind = CHANGE_PRESET;
  change->preset = preset;
  run_change (self, change);
}

static void
paste_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OtticaLibraryView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  OtticaEdit *preset = NULL;
  Change *change;

  if (text != NULL)
    preset = ottica_edit_from_data (text, strlen (text), _("Clipboard"), NULL);
  if (preset == NULL)
    {
      show_toast (self, _("The clipboard holds no Ottica edit to paste."));
      return;
    }
  change = g_new0 (Change, 1);
  change->kind = CHANGE_PRESET;
  change->preset = preset;
  run_change (self, change);
}

static void
paste_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 paste_done, g_object_ref (widget));
}

static void
reset_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  Change *change = g_new0 (Change, 1);

  change->kind = CHANGE_RESET;
  run_change (OTTICA_LIBRARY_VIEW (widget), change);
}

static void
undo_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (widget);
  Change *change;

  if (self->busy || g_queue_is_empty (&self->undo))
    return;
  change = g_new0 (Change, 1);
  change->kind = CHANGE_UNDO;
  change->undo = g_queue_pop_head (&self->undo);
  change->photos = g_ptr_array_new_with_free_func (g_free);
  run_change (self, change);
}

static void
open_folder_clicked (AdwToast *toast, gpointer data)
{
  const char *uri = g_object_get_data (G_OBJECT (toast), "ottica-folder");
  g_autoptr(GError) error = NULL;

  if (uri != NULL && !g_app_info_launch_default_for_uri (uri, NULL, &error))
    g_warning ("%s", error->message);
}

static void
export_batch_finished (OtticaLibraryView *self, const OtticaBatchResult *result)
{
  const char *first = NULL;
  g_autofree char *message = NULL;
  AdwToast *toast;
  guint n = result->n_exported + result->n_up_to_date;

  for (guint i = 0; i < result->items->len && first == NULL; i++)
    {
      const OtticaBatchItem *item = g_ptr_array_index (result->items, i);

      if (item->error == NULL && item->output != NULL)
        first = item->output;
    }
  if (first == NULL)
    return;   /* the dialog's summary says why */
  message = g_strdup_printf (g_dngettext (NULL, "%u file exported.", "%u files exported.", n), n);
  toast = show_toast (self, message);
  if (toast != NULL && result->items->len > 0)
    {
      /* the folder of the first recipe's output (others are inside it) */
      const OtticaBatchItem *item = NULL;
      g_autofree char *folder = NULL;
      g_autoptr(GFile) file = NULL;

      for (guint i = 0; i < result->items->len; i++)
        {
          item = g_ptr_array_index (result->items, i);
          if (item->error == NULL && item->output != NULL && item->recipe == 0)
            break;
        }
      folder = g_path_get_dirname (item->output != NULL ? item->output : first);
      file = g_file_new_for_path (folder);
      g_object_set_data_full (G_OBJECT (toast), "ottica-folder", g_file_get_uri (file), g_free);
      adw_toast_set_button_label (toast, _("_Open Folder"));
      g_signal_connect (toast, "button-clicked", G_CALLBACK (open_folder_clicked), NULL);
    }
}

static void
export_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (widget);
  g_auto(GStrv) paths = ottica_library_view_dup_selected_paths (self);
  GtkRoot *root = gtk_widget_get_root (widget);
  OtticaExportDialog *dialog;

  if (paths[0] == NULL)
    return;
  dialog = ottica_export_dialog_new_for_photos (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                (const char * const *) paths);
  g_signal_connect_object (dialog, "batch-finished", G_CALLBACK (export_batch_finished), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
presets_changed (OtticaLibraryView *self)
{
  g_autoptr(GPtrArray) names = ottica_preset_store_list (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->preset_names));

  gtk_string_list_splice (self->preset_names, 0, n, NULL);
  for (guint i = 0; names != NULL && i < names->len; i++)
    gtk_string_list_append (self->preset_names, g_ptr_array_index (names, i));
  gtk_widget_set_sensitive (GTK_WIDGET (self->preset_dropdown), names != NULL && names->len > 0);
}

static void
dialog_apply_preset (OtticaLibraryView *self, const char *name)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "library.apply-preset", "s", name);
}

static void
presets_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  OtticaPresetsDialog *dialog = ottica_presets_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);

  g_signal_connect_object (dialog, "presets-changed", G_CALLBACK (presets_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "apply-preset", G_CALLBACK (dialog_apply_preset), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
apply_look_clicked (OtticaLibraryView *self)
{
  guint index = gtk_drop_down_get_selected (self->look_dropdown);
  const char *id;

  if (index == GTK_INVALID_LIST_POSITION || index >= self->look_ids->len)
    return;
  id = g_ptr_array_index (self->look_ids, index);
  gtk_popover_popdown (self->apply_popover);
  gtk_widget_activate_action (GTK_WIDGET (self), "library.apply-look", "(sd)", id,
                              gtk_range_get_value (GTK_RANGE (self->amount_scale)) / 100.0);
}

static void
apply_preset_clicked (OtticaLibraryView *self)
{
  GtkStringObject *name = gtk_drop_down_get_selected_item (self->preset_dropdown);

  if (name == NULL)
    return;
  gtk_popover_popdown (self->apply_popover);
  gtk_widget_activate_action (GTK_WIDGET (self), "library.apply-preset", "s",
                              gtk_string_object_get_string (name));
}

static void
fill_looks (OtticaLibraryView *self)
{
  GPtrArray *looks = ottica_look_library_list (NULL);  /* the library's own */
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->look_ids, 0);
  gtk_string_list_append (names, C_("look", "None"));
  g_ptr_array_add (self->look_ids, g_strdup (""));
  for (guint i = 0; looks != NULL && i < looks->len; i++)
    {
      const OtticaLook *look = g_ptr_array_index (looks, i);

      gtk_string_list_append (names, ottica_look_get_name (look));
      g_ptr_array_add (self->look_ids, g_strdup (ottica_look_get_id (look)));
    }
  gtk_drop_down_set_model (self->look_dropdown, G_LIST_MODEL (names));
  if (self->look_ids->len > 1)
    gtk_drop_down_set_selected (self->look_dropdown, 1);
}

static void
apply_popover_shown (OtticaLibraryView *self)
{
  /* presets may have been saved in the editor meanwhile */
  presets_changed (self);
}

/* ---- GObject ------------------------------------------------------------- */

static void
ottica_library_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (object);

  switch (prop_id)
    {
    case PROP_RECURSIVE:
      g_value_set_boolean (value, self->recursive);
      break;
    case PROP_SORT_ORDER:
      g_value_set_string (value, self->sort_order);
      break;
    case PROP_KIND_FILTER:
      g_value_set_string (value, self->kind_filter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ottica_library_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (object);

  switch (prop_id)
    {
    case PROP_RECURSIVE:
      if (self->recursive != g_value_get_boolean (value))
        {
          self->recursive = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
          if (self->folder != NULL)
            start_scan (self);
        }
      break;
    case PROP_SORT_ORDER:
      if (g_strcmp0 (self->sort_order, g_value_get_string (value)) != 0)
        {
          g_free (self->sort_order);
          self->sort_order = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
          gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
        }
      break;
    case PROP_KIND_FILTER:
      if (g_strcmp0 (self->kind_filter, g_value_get_string (value)) != 0)
        {
          g_free (self->kind_filter);
          self->kind_filter = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
          gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ottica_library_view_dispose (GObject *object)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (object);

  g_clear_handle_id (&self->visibility_source, g_source_remove);
  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->grid != NULL)
    gtk_grid_view_set_model (self->grid, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OTTICA_TYPE_LIBRARY_VIEW);
  g_clear_object (&self->loader);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  g_clear_pointer (&self->by_path, g_hash_table_unref);
  g_clear_pointer (&self->cells, g_hash_table_unref);
  g_queue_clear_full (&self->undo, undo_step_free);
  G_OBJECT_CLASS (ottica_library_view_parent_class)->dispose (object);
}

static void
ottica_library_view_finalize (GObject *object)
{
  OtticaLibraryView *self = OTTICA_LIBRARY_VIEW (object);

  g_clear_object (&self->folder);
  g_clear_object (&self->preset_names);
  g_ptr_array_unref (self->look_ids);
  g_free (self->sort_order);
  g_free (self->kind_filter);
  G_OBJECT_CLASS (ottica_library_view_parent_class)->finalize (object);
}

static void
ottica_library_view_class_init (OtticaLibraryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ottica_library_view_get_property;
  object_class->set_property = ottica_library_view_set_property;
  object_class->dispose = ottica_library_view_dispose;
  object_class->finalize = ottica_library_view_finalize;

  properties[PROP_RECURSIVE] =
    g_param_spec_boolean ("recursive", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SORT_ORDER] =
    g_param_spec_string ("sort-order", NULL, NULL, "name",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_KIND_FILTER] =
    g_param_spec_string ("kind-filter", NULL, NULL, "all",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PHOTO_ACTIVATED] =
    g_signal_new ("photo-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);
  signals[FOLDER_LOADED] =
    g_signal_new ("folder-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[EDITS_CHANGED] =
    g_signal_new ("edits-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ottica/Ottica/ottica-library-view.ui");
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, box);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, window_title);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, stack);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, grid);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, scrolled);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, status_label);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, look_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, amount_scale);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OtticaLibraryView, apply_popover);
  gtk_widget_class_bind_template_callback (widget_class, grid_activated);
  gtk_widget_class_bind_template_callback (widget_class, apply_look_clicked);
  gtk_widget_class_bind_template_callback (widget_class, apply_preset_clicked);

  gtk_widget_class_install_action (widget_class, "library.open-folder", NULL, open_folder_activated);
  gtk_widget_class_install_action (widget_class, "library.reload", NULL, reload_activated);
  gtk_widget_class_install_property_action (widget_class, "library.recursive", "recursive");
  gtk_widget_class_install_property_action (widget_class, "library.sort", "sort-order");
  gtk_widget_class_install_property_action (widget_class, "library.filter", "kind-filter");
  gtk_widget_class_install_action (widget_class, "library.select-all", NULL, select_all_activated);
  gtk_widget_class_install_action (widget_class, "library.select-none", NULL, select_none_activated);
  gtk_widget_class_install_action (widget_class, "library.apply-look", "(sd)", apply_look_activated);
  gtk_widget_class_install_action (widget_class, "library.apply-preset", "s", apply_preset_activated);
  gtk_widget_class_install_action (widget_class, "library.paste-edit", NULL, paste_activated);
  gtk_widget_class_install_action (widget_class, "library.reset-edits", NULL, reset_activated);
  gtk_widget_class_install_action (widget_class, "library.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "library.export", NULL, export_activated);
  gtk_widget_class_install_action (widget_class, "library.presets", NULL, presets_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "library.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "library.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "library.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "library.select-none", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "library.paste-edit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "library.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "library.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "library.reset-edits", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
prune_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ottica_thumbnail_cache_prune (90);
  g_task_return_boolean (task, TRUE);
}

/* Once per process: thumbnails of photos not seen for three months go. */
static void
prune_cache_once (void)
{
  static gsize pruned;

  if (g_once_init_enter (&pruned))
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

      g_task_set_priority (task, G_PRIORITY_LOW);
      g_task_run_in_thread (task, prune_thread);
      g_once_init_leave (&pruned, 1);
    }
}

static void
ottica_library_view_init (OtticaLibraryView *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;

  self->sort_order = g_strdup ("name");
  self->kind_filter = g_strdup ("all");
  self->look_ids = g_ptr_array_new_with_free_func (g_free);
  self->preset_names = gtk_string_list_new (NULL);
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);
  self->cells = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->undo);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->loader = ottica_thumbnail_loader_new (THUMBNAIL_SIZE, THUMBNAIL_THREADS);
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (scale_factor_changed), NULL);
  self->store = g_list_store_new (OTTICA_TYPE_LIBRARY_ITEM);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              GTK_FILTER (self->filter));
  self->sorter = gtk_custom_sorter_new (sort_func, self, NULL);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->filtered), GTK_SORTER (self->sorter));
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (self->sorted));
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (model_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (model_changed), self,
                           G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), self);
  gtk_grid_view_set_factory (self->grid, factory);
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (self->selection));
  {
    GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled);

    g_signal_connect_object (vadjustment, "value-changed", G_CALLBACK (schedule_visibility), self,
                             G_CONNECT_SWAPPED);
    g_signal_connect_object (vadjustment, "changed", G_CALLBACK (schedule_visibility), self,
                             G_CONNECT_SWAPPED);
  }

  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (self->preset_names));
  g_signal_connect_object (self->apply_popover, "show", G_CALLBACK (apply_popover_shown), self,
                           G_CONNECT_SWAPPED);
  fill_looks (self);
  presets_changed (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  update_status (self);
  prune_cache_once ();
}

/* ---- public ---------------------------------------------------------------- */

GtkWidget *
ottica_library_view_new (void)
{
  return g_object_new (OTTICA_TYPE_LIBRARY_VIEW, NULL);
}

void
ottica_library_view_set_folder (OtticaLibraryView *self,
                                GFile             *folder,
                                gboolean           recursive)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_VIEW (self));
  g_return_if_fail (folder == NULL || G_IS_FILE (folder));

  g_set_object (&self->folder, folder);
  if (self->recursive != !!recursive)
    {
      self->recursive = !!recursive;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECURSIVE]);
    }
  g_queue_clear_full (&self->undo, undo_step_free);
  start_scan (self);
}

GFile *
ottica_library_view_get_folder (OtticaLibraryView *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_VIEW (self), NULL);
  return self->folder;
}

void
ottica_library_view_refresh_file (OtticaLibraryView *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autofree char *sidecar = NULL;
  OtticaLibraryItem *item;

  g_return_if_fail (OTTICA_IS_LIBRARY_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  item = path != NULL ? g_hash_table_lookup (self->by_path, path) : NULL;
  if (item == NULL)
    {
      /* the scan keeps paths as given: compare by file too */
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->by_path);
      while (item == NULL && g_hash_table_iter_next (&iter, NULL, &value))
        if (g_file_equal (ottica_library_item_get_file (value), file))
          item = value;
    }
  if (item == NULL)
    return;
  sidecar = ottica_sidecar_find (ottica_library_item_get_path (item));
  ottica_library_item_set_has_edit (item, sidecar != NULL);
  ottica_library_item_invalidate (item);
  ottica_thumbnail_loader_refresh (self->loader, item);
}

GtkSelectionModel *
ottica_library_view_get_selection (OtticaLibraryView *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_VIEW (self), NULL);
  return GTK_SELECTION_MODEL (self->selection);
}

GStrv
ottica_library_view_dup_selected_paths (OtticaLibraryView *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkBitsetIter iter;
  guint position;

  g_return_val_if_fail (OTTICA_IS_LIBRARY_VIEW (self), NULL);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(OtticaLibraryItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (item != NULL)
        g_strv_builder_add (builder, ottica_library_item_get_path (item));
    }
  return g_strv_builder_end (builder);
}

guint
ottica_library_view_get_n_pending_thumbnails (OtticaLibraryView *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_VIEW (self), 0);
  return ottica_thumbnail_loader_get_n_pending (self->loader);
}

guint
ottica_library_view_get_n_visible_blank_thumbnails (OtticaLibraryView *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_VIEW (self), 0);
  return ottica_thumbnail_loader_get_n_visible_blank (self->loader);
}

guint
ottica_library_view_get_n_visible_pending_thumbnails (OtticaLibraryView *self,
                                                      guint             *n_visible)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_VIEW (self), 0);
  return ottica_thumbnail_loader_get_n_visible_pending (self->loader, n_visible);
}
