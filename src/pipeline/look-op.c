/* look-op.c: ottica:look, a meta operation that applies a whole look by
 * its id, with an amount from 0 (the photo unchanged) to 1 (the look).
 *
 * It builds one child node per operation the look uses, in the fixed
 * order of ottica_look_operations(), and sets their parameters
 * interpolated by the amount (ottica_look_apply_step()). Changing the
 * amount only sets properties; changing the look rebuilds the children.
 * No look, an unknown id or an amount of 0 passes the input through.
 *
 * Consecutive point operations (the falloff, colour, mono, tone curve,
 * toning and LUT of most looks) do not each get a pass over the image:
 * they run together on each band of rows, which gives the same pixels at
 * a fraction of the memory traffic (ottica-point-steps.h). After an area
 * filter that can run them on its result ("then": glow, local contrast)
 * they run inside it, on each tile it makes; elsewhere one
 * ottica:point-chain node runs them. Their own nodes stay in the graph
 * for their properties and extent, off the rendering path.
 *
 * It lives with the looks, not in src/ops: it knows looks, not pixels.
 * ottica_look_op_ensure_registered() registers it, once, through its own
 * never-unloaded GTypeModule, as ottica-ops.c does for the pixel ops.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

property_string (look_id, _("Look"), "")
  description (_("The id of a built-in or user look (ottica-cli looks lists them); empty for none"))

property_double (amount, _("Amount"), 1.0)
  description (_("How much of the look: 0 leaves the photo unchanged, 1 applies the whole look"))
  value_range (0.0, 1.0)
  ui_range (0.0, 1.0)

#else

/* Exported as gegl_op_look_register_type (GTypeModule *), with no
 * gegl_module_* entry points of its own. */
#define GEGL_OP_BUNDLE
#define GEGL_OP_META
#define GEGL_OP_NAME     look
#define GEGL_OP_C_SOURCE look-op.c

/* gegl-op.h casts its class functions (GEGL's code, not ours); src/ops
 * builds with -Wno-cast-function-type for the same reason. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-function-type"
#include "gegl-op.h"
#pragma GCC diagnostic pop

#include "ottica-look-library.h"
#include "ottica-ops.h"

typedef struct
{
  OtticaLook *look;     /* the look the children are built for, or NULL */
  GPtrArray  *nodes;    /* GeglNode*, one per step (owned by the graph) */
  GPtrArray  *path;     /* GeglNode*, what the pixels go through, in order */
  GPtrArray  *carried;  /* for each node of path, the point steps it runs (a
                           GPtrArray of GeglOperation*), or NULL */
  char       *warned;   /* the unknown id last warned about */
} LookState;

static gboolean
is_point_step (GeglNode *node)
{
  return GEGL_IS_OPERATION_POINT_FILTER (gegl_node_get_gegl_operation (node));
}

static void
free_carried (gpointer steps)
{
  if (steps != NULL)
    g_ptr_array_unref (steps);
}

/* The property by which @node on the path gets the point steps it runs:
 * a point-chain's (a node of the look's own) or an area filter's. */
static const char *
carrier_property (LookState *state, GeglNode *node)
{
  return g_ptr_array_find (state->nodes, node, NULL) ? "then" : "operations";
}

static gboolean
runs_then (GeglNode *node)
{
  GeglOperation *operation = gegl_node_get_gegl_operation (node);

  return operation != NULL
         && g_object_class_find_property (G_OBJECT_GET_CLASS (operation), "then") != NULL;
}

static void
remove_children (GeglOperation *operation, LookState *state)
{
  for (guint i = 0; i < state->path->len; i++)
    {
      GeglNode *node = g_ptr_array_index (state->path, i);

      if (g_ptr_array_find (state->nodes, node, NULL))
        {
          /* Its steps' list goes before it may. */
          if (g_ptr_array_index (state->carried, i) != NULL)
            gegl_node_set (node, "then", NULL, NULL);
          continue;
        }
      gegl_node_remove_child (operation->node, node);
    }
  for (guint i = 0; i < state->nodes->len; i++)
    gegl_node_remove_child (operation->node, g_ptr_array_index (state->nodes, i));
  g_ptr_array_set_size (state->nodes, 0);
  g_ptr_array_set_size (state->path, 0);
  g_ptr_array_set_size (state->carried, 0);
  g_clear_pointer (&state->look, ottica_look_unref);
}

/* The operations of the point steps @first to @last, to run off the
 * path. The steps' own nodes read from the look's input, which has the
 * extent every step sees (no step changes it), so that lens falloff
 * finds the image's size. */
static GPtrArray *
steps_off_path (GeglOperation *operation,
                LookState     *state,
                guint          first,
                guint          last)
{
  GeglNode  *input = gegl_node_get_input_proxy (operation->node, "input");
  GPtrArray *steps = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = first; i <= last; i++)
    {
      GeglNode *node = g_ptr_array_index (state->nodes, i);

      gegl_node_link (input, node);
      g_ptr_array_add (steps, g_object_ref (gegl_node_get_gegl_operation (node)));
    }
  return steps;
}

static void
add_to_path (LookState *state, GeglNode *node, GPtrArray *carried)
{
  g_ptr_array_add (state->path, node);
  g_ptr_array_add (state->carried, carried);
}

/* A run of point steps, from @first to @last: run by the area filter
 * before them where it can; else, two or more, by one
 * ottica:point-chain node on the path; one alone, by its own node. */
static void
add_point_run (GeglOperation *operation,
               LookState     *state,
               guint          first,
               guint          last)
{
  guint     n = state->path->len;
  GeglNode *chain;

  if (n > 0 && g_ptr_array_index (state->carried, n - 1) == NULL
      && runs_then (g_ptr_array_index (state->path, n - 1)))
    {
      state->carried->pdata[n - 1] = steps_off_path (operation, state, first, last);
      return;
    }
  if (first == last)
    {
      add_to_path (state, g_ptr_array_index (state->nodes, first), NULL);
      return;
    }
  chain = gegl_node_new_child (operation->node, "operation", "ottica:point-chain", NULL);
  add_to_path (state, chain, steps_off_path (operation, state, first, last));
}

static void
build_children (GeglOperation *operation, LookState *state, const OtticaLook *look)
{
  guint n_steps = ottica_look_get_n_steps (look);

  state->look = ottica_look_ref ((OtticaLook *) look);
  for (guint i = 0; i < n_steps; i++)
    {
      GeglNode *child = gegl_node_new_child (operation->node,
                                             "operation", ottica_look_get_step_operation (look, i),
                                             NULL);

      g_ptr_array_add (state->nodes, child);
    }

  for (guint i = 0; i < n_steps;)
    {
      guint end = i;

      if (is_point_step (g_ptr_array_index (state->nodes, i)))
        {
          while (end + 1 < n_steps && is_point_step (g_ptr_array_index (state->nodes, end + 1)))
            end++;
          add_point_run (operation, state, i, end);
        }
      else
        add_to_path (state, g_ptr_array_index (state->nodes, i), NULL);
      i = end + 1;
    }
}

static void
update (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  LookState *state = o->user_data;
  const OtticaLook *look = NULL;
  GeglNode *input, *output, *previous;

  if (state == NULL)
    return;

  input = gegl_node_get_input_proxy (operation->node, "input");
  output = gegl_node_get_output_proxy (operation->node, "output");

  if (o->look_id != NULL && o->look_id[0] != '\0')
    {
      look = ottica_look_library_find (o->look_id);
      if (look == NULL && g_strcmp0 (state->warned, o->look_id) != 0)
        {
          g_warning (_("There is no look with the id “%s”; showing the photo without a look."),
                     o->look_id);
          g_free (state->warned);
          state->warned = g_strdup (o->look_id);
        }
    }

  if (look != state->look)
    {
      /* Unhook the old chain before its nodes go. */
      gegl_node_link (input, output);
      remove_children (operation, state);
      if (look != NULL)
        build_children (operation, state, look);
    }

  if (look == NULL || !(o->amount > 0.0) || state->nodes->len == 0)
    {
      gegl_node_link (input, output);
      return;
    }

  for (guint i = 0; i < state->nodes->len; i++)
    ottica_look_apply_step (look, i, g_ptr_array_index (state->nodes, i), o->amount);

  previous = input;
  for (guint i = 0; i < state->path->len; i++)
    {
      GeglNode  *child = g_ptr_array_index (state->path, i);
      GPtrArray *carried = g_ptr_array_index (state->carried, i);

      /* The steps it runs changed behind its back: setting the list again
       * invalidates the node, and what was rendered through it. */
      if (carried != NULL)
        gegl_node_set (child, carrier_property (state, child), carried, NULL);
      gegl_node_link (previous, child);
      previous = child;
    }
  gegl_node_link (previous, output);
}

static void
attach (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  LookState *state;

  if (o->user_data == NULL)
    {
      state = g_new0 (LookState, 1);
      state->nodes = g_ptr_array_new ();
      state->path = g_ptr_array_new ();
      state->carried = g_ptr_array_new_with_free_func (free_carried);
      o->user_data = state;
    }
  gegl_node_link (gegl_node_get_input_proxy (operation->node, "input"),
                  gegl_node_get_output_proxy (operation->node, "output"));
  update (operation);
}

static void
dispose (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);
  LookState *state = o->user_data;

  if (state != NULL)
    {
      /* The children belong to the node, which goes with us. */
      g_clear_pointer (&state->look, ottica_look_unref);
      g_ptr_array_unref (state->nodes);
      g_ptr_array_unref (state->path);
      g_ptr_array_unref (state->carried);
      g_free (state->warned);
      g_free (state);
      o->user_data = NULL;
    }
  G_OBJECT_CLASS (gegl_op_parent_class)->dispose (object);
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GObjectClass           *object_class = G_OBJECT_CLASS (klass);
  GeglOperationClass     *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationMetaClass *meta_class = GEGL_OPERATION_META_CLASS (klass);

  object_class->dispose = dispose;
  operation_class->attach = attach;
  meta_class->update = update;

  gegl_operation_class_set_keys (operation_class,
    "name",        "ottica:look",
    "title",       _("Ottica Look"),
    "categories",  "color:photo",
    "op-version",  "1:0",
    "description", _("Applies one of Ottica’s looks (tone, colour, lens falloff, grain, "
                     "toning) by its id, at an amount from 0 to 1"),
    NULL);
}

/* ---- registration ---------------------------------------------------------- */

void
ottica_look_op_ensure_registered (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      /* A loadable GEGL module may have registered it already. */
      if (!gegl_has_operation ("ottica:look"))
        gegl_op_look_register_type (ottica_ops_get_type_module ());
      g_once_init_leave (&registered, 1);
    }
}

#endif
