/* ottica-split-paintable.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-split-paintable.h"

struct _OtticaSplitPaintable
{
  GObject     parent_instance;

  GdkTexture *before;
  GdkTexture *after;
  double      position;
};

static void ottica_split_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OtticaSplitPaintable, ottica_split_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, ottica_split_paintable_iface_init))

static void
ottica_split_paintable_snapshot (GdkPaintable *paintable,
                                 GdkSnapshot  *snapshot,
                                 double        width,
                                 double        height)
{
  OtticaSplitPaintable *self = OTTICA_SPLIT_PAINTABLE (paintable);
  float split = (float) (width * self->position);
  static const GdkRGBA line = { 1, 1, 1, 0.85f };

  if (self->after == NULL)
    return;
  if (self->before != NULL && split > 0)
    {
      gtk_snapshot_push_clip (GTK_SNAPSHOT (snapshot), &GRAPHENE_RECT_INIT (0, 0, split, height));
      gdk_paintable_snapshot (GDK_PAINTABLE (self->before), snapshot, width, height);
      gtk_snapshot_pop (GTK_SNAPSHOT (snapshot));
    }
  gtk_snapshot_push_clip (GTK_SNAPSHOT (snapshot), &GRAPHENE_RECT_INIT (split, 0, width - split, height));
  gdk_paintable_snapshot (GDK_PAINTABLE (self->after), snapshot, width, height);
  gtk_snapshot_pop (GTK_SNAPSHOT (snapshot));
  /* the wipe line, one screen pixel wide whatever the zoom */
  gtk_snapshot_append_color (GTK_SNAPSHOT (snapshot), &line,
                             &GRAPHENE_RECT_INIT (split - 0.5f, 0, 1, height));
}

static int
ottica_split_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  OtticaSplitPaintable *self = OTTICA_SPLIT_PAINTABLE (paintable);

  return self->after != NULL ? gdk_texture_get_width (self->after) : 0;
}

static int
ottica_split_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  OtticaSplitPaintable *self = OTTICA_SPLIT_PAINTABLE (paintable);

  return self->after != NULL ? gdk_texture_get_height (self->after) : 0;
}

static void
ottica_split_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = ottica_split_paintable_snapshot;
  iface->get_intrinsic_width = ottica_split_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = ottica_split_paintable_get_intrinsic_height;
}

static void
ottica_split_paintable_finalize (GObject *object)
{
  OtticaSplitPaintable *self = OTTICA_SPLIT_PAINTABLE (object);

  g_clear_object (&self->before);
  g_clear_object (&self->after);
  G_OBJECT_CLASS (ottica_split_paintable_parent_class)->finalize (object);
}

static void
ottica_split_paintable_class_init (OtticaSplitPaintableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ottica_split_paintable_finalize;
}

static void
ottica_split_paintable_init (OtticaSplitPaintable *self)
{
  self->position = 0.5;
}

OtticaSplitPaintable *
ottica_split_paintable_new (void)
{
  return g_object_new (OTTICA_TYPE_SPLIT_PAINTABLE, NULL);
}

void
ottica_split_paintable_set_textures (OtticaSplitPaintable *self,
                                     GdkTexture           *before,
                                     GdkTexture           *after)
{
  gboolean resized;

  g_return_if_fail (OTTICA_IS_SPLIT_PAINTABLE (self));

  resized = after == NULL || self->after == NULL ||
            gdk_texture_get_width (after) != gdk_texture_get_width (self->after) ||
            gdk_texture_get_height (after) != gdk_texture_get_height (self->after);
  g_set_object (&self->before, before);
  g_set_object (&self->after, after);
  if (resized)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

void
ottica_split_paintable_set_position (OtticaSplitPaintable *self,
                                     double                position)
{
  g_return_if_fail (OTTICA_IS_SPLIT_PAINTABLE (self));

  self->position = CLAMP (position, 0, 1);
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

double
ottica_split_paintable_get_position (OtticaSplitPaintable *self)
{
  g_return_val_if_fail (OTTICA_IS_SPLIT_PAINTABLE (self), 0.5);
  return self->position;
}
