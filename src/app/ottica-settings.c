/* ottica-settings.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-settings.h"

GSettings *
ottica_settings_get (void)
{
  static GSettings *settings;
  static gsize once;

  /* g_settings_new() aborts on a missing schema: look it up first */
  if (g_once_init_enter (&once))
    {
      GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
      g_autoptr(GSettingsSchema) schema = NULL;

      if (source != NULL)
        schema = g_settings_schema_source_lookup (source, OTTICA_APP_ID, TRUE);
      if (schema != NULL)
        settings = g_settings_new_full (schema, NULL, NULL);
      g_once_init_leave (&once, 1);
    }
  return settings != NULL ? g_object_ref (settings) : NULL;
}
