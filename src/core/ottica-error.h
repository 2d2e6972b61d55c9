/* ottica-error.h: the error domain every part of Ottica reports in.
 *
 * Messages are for people: they name the file and say, in one sentence,
 * what is wrong ("“IMG_1.CR2” is truncated: the file ends before the image
 * data does."). Cancellation uses G_IO_ERROR_CANCELLED.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OTTICA_ERROR (ottica_error_quark ())

typedef enum
{
  OTTICA_ERROR_FAILED,       /* anything else */
  OTTICA_ERROR_NOT_FOUND,    /* the file does not exist or cannot be opened */
  OTTICA_ERROR_UNSUPPORTED,  /* not a format Ottica reads */
  OTTICA_ERROR_CORRUPT,      /* empty, truncated or damaged */
  OTTICA_ERROR_TOO_LARGE,    /* beyond the sane bounds in ottica-limits.h */
  OTTICA_ERROR_INVALID,      /* bad syntax or values in an edit, preset, look or option */
  OTTICA_ERROR_EXISTS,       /* the output exists and overwriting was not asked for */
  OTTICA_ERROR_UNSAFE_PATH,  /* a file name template that would leave the output folder */
  OTTICA_ERROR_MISSING_OP,   /* a GEGL operation Ottica needs is not installed */
} OtticaError;

GQuark ottica_error_quark (void);

G_END_DECLS
