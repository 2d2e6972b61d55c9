/* ottica-strip-renderer.c: a GEGL node rendered in bands of rows, top to
 * bottom, with what its area filters read around each band rendered once.
 *
 * Rendered band by band, a graph re-renders, for every band, all that is
 * upstream of each area filter (local contrast, glow, a blur) over the
 * rows the filter reads above and below the band. A 24 MP export with
 * analog-warm reads 416 such rows around each 576-row band: its develop
 * op did 1.7 times the work of a whole-image render, the ops between glow
 * and local contrast 1.2 times.
 *
 * So each such filter's input is cut from its producer and read instead
 * from a buffer (through a gegl:buffer-source) that holds the producer's
 * rows the filter may still read. For each band, the renderer works out
 * which rows every filter will read (asking each operation, as GEGL does),
 * renders into each buffer only the rows below what it already has,
 * upstream buffers first, and drops the rows above what is still needed.
 * The filters read the same values as before: a buffer's extent is its
 * producer's bounding box, so reads beyond the image's edge find the same
 * abyss. ottica_strip_renderer_free() connects the graph as it was.
 *
 * Bands must come top to bottom to gain anything; any other order is
 * still rendered right, from scratch where a buffer cannot serve it.
 *
 * While a band is rendered from the buffers, a thread of the renderer's
 * own renders into them the rows the next band will need (the band below,
 * of the same height). GEGL gives each render's operations both cores and
 * waits for the slower half of each before the next operation starts;
 * with two renders under way, what one leaves idle the other takes (GEGL
 * runs a render on its own thread when its workers are busy). The two
 * renders touch different nodes: the producers above the cuts and the
 * filters below them. A graph where they would share a node is rendered
 * one band at a time. Rows are dropped only once the band that reads
 * them is made.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gegl-plugin.h>

#include "ottica-babl-guard.h"
#include "ottica-strip-renderer.h"

/* Filters that read fewer rows around a band than this are left alone:
 * their upstream costs little to render again. */
#define MIN_CONTEXT_ROWS 16

typedef struct
{
  GeglNode      *filter;     /* the area filter whose input is cut */
  GeglNode      *producer;   /* what its "input" was connected to */
  char          *producer_pad;
  GeglNode      *source;     /* gegl:buffer-source of buffer, in filter's graph */
  GeglNode      *parent;     /* the graph source belongs to */
  GeglBuffer    *buffer;     /* the producer's rows, extent: its bounding box */
  GeglRectangle  extent;
  int            tile_height;
  int            valid_y0;   /* rows [valid_y0, valid_y1) are rendered */
  int            valid_y1;
  GeglRectangle  need;       /* what the band being made reads of it */
  GeglRectangle  render;     /* what the band renders into it */
  gboolean       read_below; /* the graph below the cuts reads it */
} Window;

struct _OtticaStripRenderer
{
  GeglNode   *node;
  GArray     *windows;        /* Window */
  GHashTable *window_sources; /* source node → window index + 1 */
  GArray     *order;          /* window indices, each after the windows that read it */
  GeglRectangle bbox;
  /* the next band's rows, rendered ahead */
  gboolean    can_look_ahead; /* windows, and graphs_apart() */
  gboolean    lookahead;
  GThread    *ahead;
  GeglRectangle ahead_band;
  /* while listing a graph's nodes */
  GHashTable *listed;
  gboolean    listing_below;
  /* while ordering */
  guint       reader;         /* the window whose producer is walked */
  gboolean   *reads;          /* [reader × n + window]: reader reads window */
  /* while measuring context */
  GeglRectangle band;
  int           context;
};

/* Calls @visit for @node and every node upstream of it on the way to
 * @roi, with the region of it that is read; into meta operations by their
 * output proxy. @seen holds what was followed from each node so far, so a
 * node reached twice is walked again only for what is new. @visit returns
 * FALSE to go no further up from a node. */
typedef gboolean (*VisitFunc) (OtticaStripRenderer *self,
                               GeglNode            *node,
                               const GeglRectangle *roi);

static void
walk (OtticaStripRenderer *self,
      GeglNode            *node,
      const GeglRectangle *roi,
      GHashTable          *seen,
      VisitFunc            visit)
{
  GeglOperation *operation;
  GeglRectangle *before;
  g_auto (GStrv) pads = NULL;

  if (node == NULL || gegl_rectangle_is_empty (roi))
    return;
  before = g_hash_table_lookup (seen, node);
  if (before != NULL && gegl_rectangle_contains (before, roi))
    return;
  if (before == NULL)
    {
      before = g_new (GeglRectangle, 1);
      *before = *roi;
      g_hash_table_insert (seen, node, before);
    }
  else
    gegl_rectangle_bounding_box (before, before, roi);

  if (!visit (self, node, roi))
    return;

  operation = gegl_node_get_gegl_operation (node);
  if (operation != NULL && GEGL_IS_OPERATION_META (operation))
    {
      walk (self, gegl_node_get_output_proxy (node, "output"), roi, seen, visit);
      return;
    }
  pads = gegl_node_list_input_pads (node);
  for (int i = 0; pads != NULL && pads[i] != NULL; i++)
    {
      GeglNode *producer = gegl_node_get_producer (node, pads[i], NULL);
      GeglRectangle need = *roi;

      if (producer == NULL)
        continue;
      if (operation != NULL)
        need = gegl_operation_get_required_for_output (operation, pads[i], roi);
      walk (self, producer, &need, seen, visit);
    }
}

static GHashTable *
new_seen (void)
{
  return g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/* One of GEGL's resamplers (gegl:transform, which straightens; rotate,
 * scale…): they read through a sampler, which fetches whole blocks around
 * what it needs, beyond the rows get_required_for_output () gives. */
static gboolean
is_resampler (GeglOperation *operation)
{
  GType core = g_type_from_name ("GeglOpPlugIn-transform-core");

  return core != 0 && g_type_is_a (G_OBJECT_TYPE (operation), core);
}

/* Whether @node is a resampler whose pixels depend on how GEGL splits its
 * work between threads. It steps its sample coordinates along each part,
 * so where a part starts changes the last bits; whole-pixel steps
 * (nearest, for quarter turns and flips) stay exact. */
static gboolean
resamples_by_parts (GeglNode *node)
{
  GeglOperation *operation = gegl_node_get_gegl_operation (node);
  GeglSamplerType sampler = GEGL_SAMPLER_NEAREST;

  if (operation == NULL || gegl_node_get_passthrough (node) || !is_resampler (operation))
    return FALSE;
  gegl_node_get (node, "sampler", &sampler, NULL);
  return sampler != GEGL_SAMPLER_NEAREST;
}

/* An operation with one input, "input", that reads rows above and below
 * what it makes, but not the whole image. Not a resampler: the thread
 * ahead writes the rows just below what a band reads, where its sampler
 * also reads (a straightened export had a white pixel in a dark sky at a
 * band's edge, in one run of four). Its producer is rendered again for
 * its context instead; that is a photo's linearisation, cheap. */
static gboolean
reads_around (GeglNode *node, const GeglRectangle *roi, GeglRectangle *need)
{
  GeglOperation *operation = gegl_node_get_gegl_operation (node);
  g_auto (GStrv) pads = NULL;
  GeglNode *producer;
  GeglRectangle extent;

  if (operation == NULL || GEGL_IS_OPERATION_META (operation) || is_resampler (operation))
    return FALSE;
  pads = gegl_node_list_input_pads (node);
  if (pads == NULL || g_strv_length (pads) != 1 || g_strcmp0 (pads[0], "input") != 0)
    return FALSE;
  producer = gegl_node_get_producer (node, "input", NULL);
  if (producer == NULL)
    return FALSE;
  *need = gegl_operation_get_required_for_output (operation, "input", roi);
  extent = gegl_node_get_bounding_box (producer);
  if (gegl_rectangle_is_infinite_plane (need) || gegl_rectangle_is_infinite_plane (&extent)
      || extent.width <= 0 || extent.height <= 0)
    return FALSE;
  return need->height - roi->height >= MIN_CONTEXT_ROWS && need->height < extent.height;
}

static gboolean
cut_input (OtticaStripRenderer *self, GeglNode *filter)
{
  GeglOperation *operation = gegl_node_get_gegl_operation (filter);
  const Babl *format = gegl_operation_get_format (operation, "input");
  Window w = { 0 };

  w.filter = filter;
  w.producer = gegl_node_get_producer (filter, "input", &w.producer_pad);
  w.parent = gegl_node_get_parent (filter);
  w.extent = gegl_node_get_bounding_box (w.producer);
  if (format == NULL)
    {
      GeglOperation *from = gegl_node_get_gegl_operation (w.producer);

      format = from != NULL ? gegl_operation_get_format (from, w.producer_pad) : NULL;
    }
  if (format == NULL || w.parent == NULL)
    {
      g_free (w.producer_pad);
      return FALSE;
    }
  w.buffer = gegl_buffer_new (&w.extent, format);
  g_object_get (w.buffer, "tile-height", &w.tile_height, NULL);
  w.tile_height = MAX (w.tile_height, 1);
  w.source = gegl_node_new_child (w.parent,
                                  "operation", "gegl:buffer-source",
                                  "buffer", w.buffer,
                                  NULL);
  /* Writing rows into the buffer would invalidate everything below the
   * source, from the thread that writes: the filters' graph caches
   * nothing, and is being rendered meanwhile. */
  g_signal_handlers_block_matched (w.buffer, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                   gegl_node_get_gegl_operation (w.source));
  g_object_ref (w.source);
  g_object_ref (w.producer);
  g_object_ref (w.filter);
  gegl_node_connect_to (w.source, "output", filter, "input");
  g_array_append_val (self->windows, w);
  g_hash_table_insert (self->window_sources, w.source, GUINT_TO_POINTER (self->windows->len));
  return TRUE;
}

static gboolean
visit_context (OtticaStripRenderer *self, GeglNode *node, const GeglRectangle *roi)
{
  int above = MAX (0, self->band.y - roi->y);
  int below = MAX (0, (roi->y + roi->height) - (self->band.y + self->band.height));

  self->context = MAX (self->context, above + below);
  return TRUE;
}

/**
 * ottica_strip_renderer_context_rows:
 * @node: a prepared node
 * @band: rows of it
 *
 * Returns: how many rows above and below @band (together) the sources of
 * @node are read to render @band: the rows its area filters add.
 */
int
ottica_strip_renderer_context_rows (GeglNode *node, const GeglRectangle *band)
{
  OtticaStripRenderer measure = { 0 };
  g_autoptr (GHashTable) seen = new_seen ();

  g_return_val_if_fail (GEGL_IS_NODE (node), 0);
  g_return_val_if_fail (band != NULL, 0);

  measure.window_sources = g_hash_table_new (NULL, NULL);
  measure.band = *band;
  walk (&measure, node, band, seen, visit_context);
  g_hash_table_unref (measure.window_sources);
  return measure.context;
}

static gboolean
is_cut (OtticaStripRenderer *self, GeglNode *node)
{
  for (guint i = 0; i < self->windows->len; i++)
    if (g_array_index (self->windows, Window, i).filter == node)
      return TRUE;
  return FALSE;
}

static gboolean
visit_discover (OtticaStripRenderer *self, GeglNode *node, const GeglRectangle *roi)
{
  GeglRectangle need;
  GeglNode *producer;
  g_autoptr (GHashTable) seen = NULL;

  if (g_hash_table_contains (self->window_sources, node))
    return FALSE;
  if (is_cut (self, node) || !reads_around (node, roi, &need))
    return TRUE;
  /* Go on above the cut from the producer, which the walk no longer
   * reaches through the filter. */
  producer = gegl_node_get_producer (node, "input", NULL);
  if (!cut_input (self, node))
    return TRUE;
  seen = new_seen ();
  walk (self, producer, &need, seen, visit_discover);
  return FALSE;
}

static Window *
window_of_source (OtticaStripRenderer *self, GeglNode *node)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->window_sources, node));

  return index > 0 ? &g_array_index (self->windows, Window, index - 1) : NULL;
}

static gboolean
visit_reads (OtticaStripRenderer *self, GeglNode *node, const GeglRectangle *roi)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->window_sources, node));

  if (index == 0)
    return TRUE;
  self->reads[self->reader * self->windows->len + index - 1] = TRUE;
  return FALSE;
}

/* An order in which each window comes after every window whose producer
 * reads it (through other nodes, not other windows): what a window
 * renders adds to what the windows above it must have. */
static void
order_windows (OtticaStripRenderer *self)
{
  const guint n = self->windows->len;
  g_autofree gboolean *placed = g_new0 (gboolean, n);

  self->reads = g_new0 (gboolean, (gsize) n * n);
  for (self->reader = 0; self->reader < n; self->reader++)
    {
      Window *w = &g_array_index (self->windows, Window, self->reader);
      g_autoptr (GHashTable) seen = new_seen ();

      walk (self, w->producer, &w->extent, seen, visit_reads);
    }
  while (self->order->len < n)
    {
      guint before = self->order->len;

      for (guint j = 0; j < n; j++)
        {
          gboolean ready = !placed[j];

          for (guint i = 0; ready && i < n; i++)
            ready = placed[i] || !self->reads[i * n + j];
          if (ready)
            {
              placed[j] = TRUE;
              g_array_append_val (self->order, j);
            }
        }
      /* A cycle cannot be in a GEGL graph; should one be, the rest go in
       * any order rather than loop. */
      if (self->order->len == before)
        for (guint j = 0; j < n; j++)
          if (!placed[j])
            {
              placed[j] = TRUE;
              g_array_append_val (self->order, j);
            }
    }
  g_clear_pointer (&self->reads, g_free);
}

/* Collects what each window's filter reads. */
static gboolean
visit_collect (OtticaStripRenderer *self, GeglNode *node, const GeglRectangle *roi)
{
  Window *w = window_of_source (self, node);
  GeglRectangle need;

  if (w == NULL)
    return TRUE;
  gegl_rectangle_intersect (&need, roi, &w->extent);
  if (!gegl_rectangle_is_empty (&need))
    {
      if (gegl_rectangle_is_empty (&w->need))
        w->need = need;
      else
        gegl_rectangle_bounding_box (&w->need, &w->need, &need);
    }
  return FALSE;
}

static int
floor_to (int v, int step)
{
  return v - (((v % step) + step) % step);
}

/* The rows of @w's need it does not have: the rows below what it has
 * when the need starts within them, or else all of them (its rows are
 * then dropped). Whole rows of the extent, so that what is kept serves
 * every later band, and whole rows of tiles where the extent allows:
 * the rows below the need are read by the next band, and GEGL hands a
 * point operation a tile cut short by the rectangle one row at a time.
 * FALSE, planning nothing, where rows would be dropped but @may_drop is
 * not set (a band is being made from them). */
static gboolean
plan_render (Window *w, gboolean may_drop)
{
  const GeglRectangle *need = &w->need;
  const int extent_y1 = w->extent.y + w->extent.height;
  int y0 = need->y, y1 = need->y + need->height;

  w->render = (GeglRectangle) { 0, 0, 0, 0 };
  if (gegl_rectangle_is_empty (need))
    return TRUE;
  if (w->valid_y1 > w->valid_y0 && y0 >= w->valid_y0 && y0 <= w->valid_y1)
    y0 = w->valid_y1;
  else
    {
      if (w->valid_y1 > w->valid_y0)
        {
          GeglRectangle all = { w->extent.x, w->valid_y0, w->extent.width,
                                w->valid_y1 - w->valid_y0 };

          if (!may_drop)
            return FALSE;
          gegl_buffer_clear (w->buffer, &all);
        }
      y0 = MAX (floor_to (y0, w->tile_height), w->extent.y);
      w->valid_y0 = w->valid_y1 = y0;
    }
  y1 = MIN (floor_to (y1 + w->tile_height - 1, w->tile_height), extent_y1);
  if (y1 > y0)
    w->render = (GeglRectangle) { w->extent.x, y0, w->extent.width, y1 - y0 };
  return TRUE;
}

/* Renders what @w plans to render. */
static void
render_rows (Window *w)
{
  if (gegl_rectangle_is_empty (&w->render))
    return;
  /* a read per render, never around waiting for the other thread
   * (ottica-babl-guard.h) */
  ottica_babl_guard_read_begin ();
  gegl_node_blit_buffer (w->producer, w->buffer, &w->render, 0, GEGL_ABYSS_NONE);
  ottica_babl_guard_read_end ();
  w->valid_y1 = w->render.y + w->render.height;
}

/* Drops whole tiles above what the band being made reads: later bands
 * read lower. */
static void
drop_rows_above (Window *w)
{
  int keep_from;

  if (gegl_rectangle_is_empty (&w->need))
    return;
  keep_from = floor_to (w->need.y, w->tile_height);
  if (keep_from > w->valid_y0)
    {
      GeglRectangle above = { w->extent.x, w->valid_y0, w->extent.width, keep_from - w->valid_y0 };

      gegl_buffer_clear (w->buffer, &above);
      w->valid_y0 = keep_from;
    }
}

/* Records @node as one of the graph's, and the windows it reads. */
static gboolean
visit_list (OtticaStripRenderer *self, GeglNode *node, const GeglRectangle *roi)
{
  if (g_hash_table_contains (self->window_sources, node))
    {
      if (self->listing_below)
        window_of_source (self, node)->read_below = TRUE;
      return FALSE;
    }
  g_hash_table_add (self->listed, node);
  return TRUE;
}

/* The nodes that a render of @node reaches before the windows. */
static GHashTable *
list_nodes (OtticaStripRenderer *self, GeglNode *node)
{
  g_autoptr (GHashTable) seen = new_seen ();
  GeglRectangle all = gegl_node_get_bounding_box (node);

  self->listed = g_hash_table_new (NULL, NULL);
  walk (self, node, &all, seen, visit_list);
  return g_steal_pointer (&self->listed);
}

/* Whether a node of @nodes gives other pixels when GEGL splits its work
 * otherwise. With two renders under way, GEGL gives one whose workers are
 * busy a single thread (gegl_parallel_distribute ()): a straightened
 * export with a look differed from run to run by a level in about a
 * thousand pixels. */
static gboolean
any_resamples_by_parts (GHashTable *nodes)
{
  GHashTableIter iter;
  gpointer node;

  g_hash_table_iter_init (&iter, nodes);
  while (g_hash_table_iter_next (&iter, &node, NULL))
    if (resamples_by_parts (node))
      return TRUE;
  return FALSE;
}

/* Whether the producers above the cuts and the graph below them have no
 * node in common, and none whose pixels depend on GEGL's threads, so that
 * both may be rendered at once. */
static gboolean
graphs_apart (OtticaStripRenderer *self)
{
  g_autoptr (GHashTable) below = NULL;

  self->listing_below = TRUE;
  below = list_nodes (self, self->node);
  self->listing_below = FALSE;
  if (any_resamples_by_parts (below))
    return FALSE;

  for (guint i = 0; i < self->windows->len; i++)
    {
      g_autoptr (GHashTable) above = list_nodes (self, g_array_index (self->windows, Window, i).producer);
      GHashTableIter iter;
      gpointer node;

      if (any_resamples_by_parts (above))
        return FALSE;
      g_hash_table_iter_init (&iter, above);
      while (g_hash_table_iter_next (&iter, &node, NULL))
        if (g_hash_table_contains (below, node))
          return FALSE;
    }
  return TRUE;
}

/**
 * ottica_strip_renderer_new:
 * @node: what is rendered; its graph is changed until the renderer is freed
 *   (nothing else may render or change it meanwhile)
 * @band_rows: about how many rows each band has
 *
 * Cuts the input of each area filter that reads rows around a band of
 * @node, as described above. The graph must have been prepared (a
 * bounding box or a render asked of @node).
 */
OtticaStripRenderer *
ottica_strip_renderer_new (GeglNode *node, int band_rows)
{
  OtticaStripRenderer *self;
  g_autoptr (GHashTable) seen = NULL;
  GeglRectangle bbox, band;

  g_return_val_if_fail (GEGL_IS_NODE (node), NULL);

  self = g_new0 (OtticaStripRenderer, 1);
  self->node = g_object_ref (node);
  self->windows = g_array_new (FALSE, TRUE, sizeof (Window));
  self->window_sources = g_hash_table_new (NULL, NULL);
  self->order = g_array_new (FALSE, FALSE, sizeof (guint));

  bbox = gegl_node_get_bounding_box (node);
  if (bbox.width <= 0 || bbox.height <= 0 || gegl_rectangle_is_infinite_plane (&bbox))
    return self;
  band = (GeglRectangle) { bbox.x, bbox.y + bbox.height / 2 - band_rows / 2, bbox.width,
                           MAX (band_rows, 1) };
  gegl_rectangle_intersect (&band, &band, &bbox);
  seen = new_seen ();
  walk (self, node, &band, seen, visit_discover);
  order_windows (self);
  self->bbox = bbox;
  self->can_look_ahead = self->windows->len > 0 && graphs_apart (self);
  self->lookahead = self->can_look_ahead;
  return self;
}

guint
ottica_strip_renderer_get_n_windows (OtticaStripRenderer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->windows->len;
}

/* Works out what @rect of the node reads from each window and what each
 * must render for it; FALSE where that would drop rows and @may_drop is
 * not set. */
static gboolean
plan_windows (OtticaStripRenderer *self, const GeglRectangle *rect, gboolean may_drop)
{
  g_autoptr (GHashTable) seen = NULL;

  for (guint i = 0; i < self->windows->len; i++)
    g_array_index (self->windows, Window, i).need = (GeglRectangle) { 0, 0, 0, 0 };

  seen = new_seen ();
  walk (self, self->node, rect, seen, visit_collect);
  /* Readers first: what a window renders is read from the windows
   * above it. */
  for (guint k = 0; k < self->order->len; k++)
    {
      Window *w = &g_array_index (self->windows, Window, g_array_index (self->order, guint, k));

      if (!plan_render (w, may_drop))
        return FALSE;
      if (!gegl_rectangle_is_empty (&w->render))
        {
          g_autoptr (GHashTable) upstream_seen = new_seen ();

          walk (self, w->producer, &w->render, upstream_seen, visit_collect);
        }
    }
  return TRUE;
}

/* Renders the planned rows, upstream windows first; with @drop, each
 * window's rows above what the band reads go once it is rendered. */
static void
render_windows (OtticaStripRenderer *self, gboolean drop)
{
  for (guint k = self->order->len; k-- > 0;)
    {
      Window *w = &g_array_index (self->windows, Window, g_array_index (self->order, guint, k));

      render_rows (w);
      if (drop)
        drop_rows_above (w);
    }
}

static gpointer
render_ahead (gpointer data)
{
  render_windows (data, FALSE);
  return NULL;
}

/* The ahead thread takes reads of its own (render_rows()): waited for
 * in a read, it would wait for a change that waits for that read. */
static void
join_ahead (GThread *ahead)
{
  guint paused = ottica_babl_guard_read_pause ();

  g_thread_join (ahead);
  ottica_babl_guard_read_resume (paused);
}

/* Waits for the rows rendered ahead; whether they were for @rect. */
static gboolean
finish_ahead (OtticaStripRenderer *self, const GeglRectangle *rect)
{
  if (self->ahead == NULL)
    return FALSE;
  join_ahead (g_steal_pointer (&self->ahead));
  return gegl_rectangle_equal (&self->ahead_band, rect);
}

/* Makes the windows ready for @rect, then starts on the band below it. */
static void
prepare_band (OtticaStripRenderer *self, const GeglRectangle *rect)
{
  GeglRectangle next;

  if (self->windows->len == 0)
    return;
  if (finish_ahead (self, rect))
    for (guint i = 0; i < self->windows->len; i++)
      drop_rows_above (&g_array_index (self->windows, Window, i));
  else
    {
      plan_windows (self, rect, TRUE);
      render_windows (self, TRUE);
    }

  next = (GeglRectangle) { rect->x, rect->y + rect->height, rect->width, rect->height };
  gegl_rectangle_intersect (&next, &next, &self->bbox);
  if (!self->lookahead || gegl_rectangle_is_empty (&next) || !plan_windows (self, &next, FALSE))
    return;
  /* The band being made reads only the windows below the cuts; the rest
   * can go down to what the next band reads. */
  for (guint i = 0; i < self->windows->len; i++)
    if (!g_array_index (self->windows, Window, i).read_below)
      drop_rows_above (&g_array_index (self->windows, Window, i));
  self->ahead_band = next;
  self->ahead = g_thread_new ("ottica-strip-ahead", render_ahead, self);
}

/**
 * ottica_strip_renderer_set_lookahead:
 * @lookahead: whether to render the next band's rows while a band is
 *   made (the default where the graph allows)
 *
 * Rendering ahead changes the time a band takes, never its pixels.
 */
void
ottica_strip_renderer_set_lookahead (OtticaStripRenderer *self, gboolean lookahead)
{
  g_return_if_fail (self != NULL);

  if (self->ahead != NULL)
    finish_ahead (self, &self->ahead_band);
  self->lookahead = lookahead && self->can_look_ahead;
}

gboolean
ottica_strip_renderer_get_lookahead (OtticaStripRenderer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->lookahead;
}

/**
 * ottica_strip_renderer_blit:
 *
 * As gegl_node_blit() of the node at scale 1 with an automatic rowstride.
 */
void
ottica_strip_renderer_blit (OtticaStripRenderer *self,
                            const GeglRectangle *rect,
                            const Babl          *format,
                            gpointer             destination)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rect != NULL);

  prepare_band (self, rect);
  ottica_babl_guard_read_begin ();
  gegl_node_blit (self->node, 1.0, rect, format, destination,
                  GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  ottica_babl_guard_read_end ();
}

/**
 * ottica_strip_renderer_blit_buffer:
 *
 * As gegl_node_blit_buffer() of the node at level 0: @rect of it into
 * @buffer, whose tiles take the rendered ones without a copy where they
 * line up.
 */
void
ottica_strip_renderer_blit_buffer (OtticaStripRenderer *self,
                                   const GeglRectangle *rect,
                                   GeglBuffer          *buffer)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rect != NULL);
  g_return_if_fail (GEGL_IS_BUFFER (buffer));

  prepare_band (self, rect);
  ottica_babl_guard_read_begin ();
  gegl_node_blit_buffer (self->node, buffer, rect, 0, GEGL_ABYSS_NONE);
  ottica_babl_guard_read_end ();
}

void
ottica_strip_renderer_free (OtticaStripRenderer *self)
{
  if (self == NULL)
    return;
  if (self->ahead != NULL)
    join_ahead (self->ahead);
  for (guint i = 0; i < self->windows->len; i++)
    {
      Window *w = &g_array_index (self->windows, Window, i);

      gegl_node_connect_to (w->producer, w->producer_pad, w->filter, "input");
      gegl_node_remove_child (w->parent, w->source);
      g_object_unref (w->source);
      g_object_unref (w->producer);
      g_object_unref (w->filter);
      g_object_unref (w->buffer);
      g_free (w->producer_pad);
    }
  g_array_unref (self->windows);
  g_array_unref (self->order);
  g_hash_table_unref (self->window_sources);
  g_object_unref (self->node);
  g_free (self);
}
