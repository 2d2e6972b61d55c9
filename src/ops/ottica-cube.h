/* ottica-cube.h: reading .cube 3D LUT files (the Adobe / Resolve text
 * format), strictly: a file that is not a sane 3D LUT is refused with a
 * GError naming it and the reason, so that the looks layer can validate a
 * user's LUT before ottica:lut3d is asked to apply it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Points per axis we accept, and the largest file we read at all
 * (a 128³ LUT written with 8 decimals is about 64 MiB). */
#define OTTICA_CUBE_MIN_SIZE   2
#define OTTICA_CUBE_MAX_SIZE   128
#define OTTICA_CUBE_MAX_BYTES  (96 * 1024 * 1024)

typedef struct
{
  char  *title;          /* UTF-8, or NULL when the file has no TITLE */
  guint  size;           /* points per axis */
  float  domain_min[3];  /* input range, per channel */
  float  domain_max[3];
  float *data;           /* size³ RGB triplets, red varying fastest */
} OtticaCube;

/* Reads and checks @path. Errors (OTTICA_ERROR): NOT_FOUND when it cannot
 * be read, TOO_LARGE past OTTICA_CUBE_MAX_BYTES or OTTICA_CUBE_MAX_SIZE,
 * UNSUPPORTED for 1D LUTs and binary files, CORRUPT when truncated or
 * followed by extra data, INVALID for bad syntax, sizes, domains and
 * values that are not finite numbers. */
OtticaCube *ottica_cube_load  (const char  *path,
                               GError     **error);

/* The same for text already in memory; @name is the file name used in
 * messages. */
OtticaCube *ottica_cube_parse (const char  *text,
                               gsize        length,
                               const char  *name,
                               GError     **error);

void        ottica_cube_free  (OtticaCube  *cube);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaCube, ottica_cube_free)

G_END_DECLS
