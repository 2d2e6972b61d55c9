/* ottica-gegl-module.c: the entry points of the loadable GEGL module that
 * carries the same operations, for the gegl CLI and GIMP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gegl.h>
#include <gegl-plugin.h>

#include "ottica-op-list.h"

static const GeglModuleInfo ottica_module_info =
{
  GEGL_MODULE_ABI_VERSION
};

G_MODULE_EXPORT const GeglModuleInfo *gegl_module_query    (GTypeModule *module);
G_MODULE_EXPORT gboolean              gegl_module_register (GTypeModule *module);

G_MODULE_EXPORT const GeglModuleInfo *
gegl_module_query (GTypeModule *module)
{
  return &ottica_module_info;
}

G_MODULE_EXPORT gboolean
gegl_module_register (GTypeModule *module)
{
  ottica_op_list_register_all (module);
  return TRUE;
}
