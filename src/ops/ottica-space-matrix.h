/* ottica-space-matrix.h: the exact matrix between two RGB spaces.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <babl/babl.h>
#include <glib.h>

G_BEGIN_DECLS

/* @m: linear RGB of @from to linear RGB of @to, from
 * babl's double-precision conversion of the three primaries (its
 * reference path through XYZ), so the same in every process; babl's
 * float paths are picked by timing and differ in the last bits. */
void ottica_space_matrix (const Babl *from,
                          const Babl *to,
                          float       m[3][3]);

G_END_DECLS
