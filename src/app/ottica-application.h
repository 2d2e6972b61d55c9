/* ottica-application.h: the GTK application: actions, windows, files
 * opened from the command line or the desktop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OTTICA_TYPE_APPLICATION (ottica_application_get_type ())
G_DECLARE_FINAL_TYPE (OtticaApplication, ottica_application, OTTICA, APPLICATION, AdwApplication)

OtticaApplication *ottica_application_new (void);

G_END_DECLS
