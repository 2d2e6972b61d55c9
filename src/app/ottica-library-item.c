/* ottica-library-item.c: one photo in the library's grid.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ottica-library-item.h"

struct _OtticaLibraryItem
{
  GObject            parent_instance;

  GFile             *file;
  char              *path;
  char              *name;
  char              *sort_key;
  OtticaLibraryKind  kind;
  char              *date;
  char              *mtime_date;     /* the file's date, "YYYY-MM-DD", local time */
  gint64             mtime;
  gboolean           has_edit;
  gboolean           broken;
  GdkPaintable      *thumbnail;
  char              *error;
  guint              serial;
};

enum
{
  PROP_0,
  PROP_HAS_EDIT,
  PROP_THUMBNAIL,
  PROP_ERROR,
  PROP_BROKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (OtticaLibraryItem, ottica_library_item, G_TYPE_OBJECT)

static void
ottica_library_item_finalize (GObject *object)
{
  OtticaLibraryItem *self = OTTICA_LIBRARY_ITEM (object);

  g_clear_object (&self->file);
  g_clear_object (&self->thumbnail);
  g_free (self->path);
  g_free (self->name);
  g_free (self->sort_key);
  g_free (self->date);
  g_free (self->mtime_date);
  g_free (self->error);
  G_OBJECT_CLASS (ottica_library_item_parent_class)->finalize (object);
}

static void
ottica_library_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OtticaLibraryItem *self = OTTICA_LIBRARY_ITEM (object);

  switch (prop_id)
    {
    case PROP_HAS_EDIT:
      g_value_set_boolean (value, self->has_edit);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_BROKEN:
      g_value_set_boolean (value, self->broken);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ottica_library_item_class_init (OtticaLibraryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ottica_library_item_finalize;
  object_class->get_property = ottica_library_item_get_property;

  properties[PROP_HAS_EDIT] =
    g_param_spec_boolean ("has-edit", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BROKEN] =
    g_param_spec_boolean ("broken", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ottica_library_item_init (OtticaLibraryItem *self)
{
}

OtticaLibraryKind
ottica_library_kind_for_name (const char *path)
{
  static const char *const jpeg[] = { "jpg", "jpeg", "jpe", "jfif", NULL };
  static const char *const other[] = { "png", "tif", "tiff", NULL };
  const char *dot = strrchr (path, '.');
  g_autofree char *ext = NULL;

  if (dot == NULL || strchr (dot, '/') != NULL)
    return OTTICA_LIBRARY_KIND_OTHER;
  ext = g_ascii_strdown (dot + 1, -1);
  if (g_strv_contains (jpeg, ext))
    return OTTICA_LIBRARY_KIND_JPEG;
  if (g_strv_contains (other, ext))
    return OTTICA_LIBRARY_KIND_OTHER;
  /* the scan only keeps names Ottica opens: the rest are camera RAWs */
  return OTTICA_LIBRARY_KIND_RAW;
}

OtticaLibraryItem *
ottica_library_item_new (const char *path, gint64 mtime)
{
  OtticaLibraryItem *self;
  g_autofree char *folded = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (OTTICA_TYPE_LIBRARY_ITEM, NULL);
  self->path = g_strdup (path);
  self->file = g_file_new_for_path (path);
  self->name = g_filename_display_basename (path);
  folded = g_utf8_casefold (self->name, -1);
  self->sort_key = g_utf8_collate_key_for_filename (folded, -1);
  self->kind = ottica_library_kind_for_name (path);
  self->mtime = mtime;
  {
    g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (mtime);

    self->mtime_date = time != NULL ? g_date_time_format (time, "%Y-%m-%d") : g_strdup ("");
  }
  return self;
}

GFile *
ottica_library_item_get_file (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->file;
}

const char *
ottica_library_item_get_path (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->path;
}

const char *
ottica_library_item_get_name (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->name;
}

const char *
ottica_library_item_get_sort_key (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->sort_key;
}

OtticaLibraryKind
ottica_library_item_get_kind (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), OTTICA_LIBRARY_KIND_OTHER);
  return self->kind;
}

const char *
ottica_library_item_get_date (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->date;
}

void
ottica_library_item_set_date (OtticaLibraryItem *self, const char *date)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (self));
  g_free (self->date);
  self->date = g_strdup (date);
}

const char *
ottica_library_item_get_sort_date (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->date != NULL ? self->date : self->mtime_date;
}

gint64
ottica_library_item_get_mtime (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), 0);
  return self->mtime;
}

gboolean
ottica_library_item_get_has_edit (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), FALSE);
  return self->has_edit;
}

void
ottica_library_item_set_has_edit (OtticaLibraryItem *self, gboolean has_edit)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (self));
  has_edit = !!has_edit;
  if (self->has_edit == has_edit)
    return;
  self->has_edit = has_edit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_EDIT]);
}

GdkPaintable *
ottica_library_item_get_thumbnail (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->thumbnail;
}

void
ottica_library_item_set_thumbnail (OtticaLibraryItem *self, GdkPaintable *thumbnail)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (self));
  if (g_set_object (&self->thumbnail, thumbnail))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

const char *
ottica_library_item_get_error (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), NULL);
  return self->error;
}

void
ottica_library_item_set_error (OtticaLibraryItem *self, const char *error)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (self));
  if (g_strcmp0 (self->error, error) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

gboolean
ottica_library_item_get_broken (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), FALSE);
  return self->broken;
}

void
ottica_library_item_set_broken (OtticaLibraryItem *self, gboolean broken)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (self));
  broken = !!broken;
  if (self->broken == broken)
    return;
  self->broken = broken;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BROKEN]);
}

guint
ottica_library_item_get_serial (OtticaLibraryItem *self)
{
  g_return_val_if_fail (OTTICA_IS_LIBRARY_ITEM (self), 0);
  return self->serial;
}

void
ottica_library_item_invalidate (OtticaLibraryItem *self)
{
  g_return_if_fail (OTTICA_IS_LIBRARY_ITEM (self));
  self->serial++;
}
