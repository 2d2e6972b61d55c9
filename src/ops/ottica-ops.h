/* ottica-ops.h: registration of the ottica: GEGL operations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Registers every ottica: operation with GEGL, once (later calls do
 * nothing). Call after gegl_init(). */
void         ottica_ops_register         (void);
/* The type module Ottica's operations are registered with; other
 * operations built into Ottica (ottica:look) register there too. */
GTypeModule *ottica_ops_get_type_module (void);

G_END_DECLS
