/* ottica-settings.h: the app's GSettings, when its schema is installed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A new reference to the io.github.ottica.Ottica settings, or NULL when
 * the schema is not installed (running from a build tree without
 * GSETTINGS_SCHEMA_DIR): callers then use the defaults. */
GSettings *ottica_settings_get (void);

G_END_DECLS
