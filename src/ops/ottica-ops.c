/* ottica-ops.c: registers the bundled ottica: operations through one
 * GTypeModule that is never unloaded (the types live as long as the
 * process, as GEGL's own do).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gegl.h>
#include <gegl-plugin.h>

#include "ottica-ops.h"
#include "ottica-op-list.h"

#define OTTICA_TYPE_OPS_MODULE (ottica_ops_module_get_type ())
G_DECLARE_FINAL_TYPE (OtticaOpsModule, ottica_ops_module, OTTICA, OPS_MODULE, GTypeModule)

struct _OtticaOpsModule
{
  GTypeModule parent_instance;
};

G_DEFINE_FINAL_TYPE (OtticaOpsModule, ottica_ops_module, G_TYPE_TYPE_MODULE)

/* The types are registered once, from ottica_ops_register(); loading
 * again (after a use/unuse cycle) has nothing to do. */
static gboolean
ottica_ops_module_load (GTypeModule *module)
{
  return TRUE;
}

static void
ottica_ops_module_unload (GTypeModule *module)
{
}

static void
ottica_ops_module_class_init (OtticaOpsModuleClass *klass)
{
  GTypeModuleClass *module_class = G_TYPE_MODULE_CLASS (klass);

  module_class->load = ottica_ops_module_load;
  module_class->unload = ottica_ops_module_unload;
}

static void
ottica_ops_module_init (OtticaOpsModule *self)
{
}

/* The one never-unloaded module that Ottica's own operation types live in
 * (created on first use). */
static GTypeModule *
ops_module (void)
{
  static gsize module = 0;

  if (g_once_init_enter (&module))
    {
      GTypeModule *created = g_object_new (OTTICA_TYPE_OPS_MODULE, NULL);

      g_type_module_set_name (created, "ottica-ops");
      /* A module in use is never unloaded; we never release it. */
      g_type_module_use (created);
      g_once_init_leave (&module, (gsize) created);
    }
  return (GTypeModule *) module;
}

void
ottica_ops_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      ottica_op_list_register_all (ops_module ());
      g_once_init_leave (&registered, 1);
    }
}

GTypeModule *
ottica_ops_get_type_module (void)
{
  return ops_module ();
}
