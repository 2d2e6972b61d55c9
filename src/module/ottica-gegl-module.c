/* ottica-gegl-module.c: the entry points of the loadable GEGL module that
 * carries the same operations, and ottica:look with the built-in looks,
 * for the gegl CLI, GIMP and any other GEGL program.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <gegl.h>
#include <gegl-plugin.h>

#include "ottica-op-list.h"

/* Defined by gegl-op.h in src/pipeline/look-op.c. */
void gegl_op_look_register_type (GTypeModule *module);

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
  /* Ottica itself (its editor, ottica-cli, its tests) links the same
   * operations; its engine registers them before gegl_init() loads this
   * module. A second copy would clash with its types, and its ottica:look
   * must use its own look library, where imported looks land. */
  if (g_type_from_name ("OtticaOpsModule") != 0)
    return TRUE;

  /* The host program does not know our message catalogue. */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  ottica_op_list_register_all (module);
  gegl_op_look_register_type (module);
  return TRUE;
}
