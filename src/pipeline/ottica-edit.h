/* ottica-edit.h: the edit model, what a person did to one photo, as named
 * parameters; and its key-file form (sidecars and presets).
 *
 * An OtticaEdit is a plain value: copy it freely between threads. Every
 * numeric parameter is described in ottica_edit_params() (key, range,
 * neutral value), which the key-file code, the CLI and the GUI's sliders
 * share, so a new parameter is added in one place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OTTICA_EDIT_FORMAT_VERSION 1

typedef struct
{
  char    *look_id;        /* NULL: no look */
  double   look_amount;    /* 0..1 */

  /* Light */
  double   exposure;       /* EV, -5..5 */
  double   contrast;       /* -100..100 */
  double   highlights;     /* -100..100 */
  double   shadows;        /* -100..100 */
  double   whites;         /* -100..100 */
  double   blacks;         /* -100..100 */

  /* Colour: temperature and tint are relative to the photo's as-shot
   * white balance; 0 keeps it. */
  double   temperature;    /* -100 (cooler) .. 100 (warmer) */
  double   tint;           /* -100 (greener) .. 100 (more magenta) */
  double   saturation;     /* -100..100: chroma × (1 + saturation / 100) */
  double   vibrance;       /* -100..100: saturation weighted to muted colours, skin-safe */

  /* Detail */
  double   sharpening;     /* 0..100 */

  /* Effects */
  double   vignette;       /* -100 (darker corners) .. 100 (lighter) */

  /* Geometry, applied in this order: quarter turns and flips of the
   * upright photo, then straighten, then crop. */
  int      rotation;       /* 0, 90, 180, 270 degrees clockwise */
  gboolean flip_horizontal;
  gboolean flip_vertical;
  double   straighten;     /* degrees, -45..45, counter-clockwise positive */
  double   crop_x;         /* crop rectangle as fractions 0..1 of the */
  double   crop_y;         /* rotated, straightened photo; the default */
  double   crop_width;     /* 0,0,1,1 is no crop */
  double   crop_height;
} OtticaEdit;

/* One numeric parameter of an edit. */
typedef struct
{
  const char *key;          /* key-file and CLI name: "exposure" */
  const char *group;        /* key-file group: "Light", "Color", "Detail", "Effects", "Geometry" */
  const char *label;        /* translatable (N_()) label for people */
  double      min;
  double      max;
  double      neutral;      /* the value that changes nothing */
  gsize       offset;       /* G_STRUCT_OFFSET into OtticaEdit (a double) */
} OtticaEditParam;

/* The numeric parameters, terminated by an entry with key == NULL. */
const OtticaEditParam *ottica_edit_params          (void);
const OtticaEditParam *ottica_edit_param_lookup    (const char *key);
double                 ottica_edit_get             (const OtticaEdit *edit, const OtticaEditParam *param);
void                   ottica_edit_set             (OtticaEdit *edit, const OtticaEditParam *param, double value);

OtticaEdit *ottica_edit_new          (void);             /* every parameter neutral */
OtticaEdit *ottica_edit_copy         (const OtticaEdit *edit);
void        ottica_edit_free         (OtticaEdit *edit);
void        ottica_edit_reset        (OtticaEdit *edit);
gboolean    ottica_edit_equal        (const OtticaEdit *a, const OtticaEdit *b);
/* TRUE when the edit changes nothing (the pipeline then renders the source). */
gboolean    ottica_edit_is_neutral   (const OtticaEdit *edit);
gboolean    ottica_edit_has_crop     (const OtticaEdit *edit);

/* Key-file form. Kind "edit" (sidecar) or "preset" (no geometry). Unknown
 * groups and keys are reported through g_warning() once each and ignored;
 * missing keys keep their defaults; values out of range are clamped with
 * a warning; syntax errors, a newer format version, a wrong kind or
 * a file over OTTICA_MAX_KEY_FILE_BYTES fail with OTTICA_ERROR_INVALID /
 * TOO_LARGE and @file_name in the message. Older versions are migrated. */
char       *ottica_edit_to_data      (const OtticaEdit *edit,
                                      gboolean          as_preset,
                                      gsize            *length);
OtticaEdit *ottica_edit_from_data    (const char       *data,
                                      gsize             length,
                                      const char       *file_name,
                                      GError          **error);
OtticaEdit *ottica_edit_load         (const char       *path,
                                      GError          **error);
/* Written atomically (temp + rename). */
gboolean    ottica_edit_save         (const OtticaEdit *edit,
                                      const char       *path,
                                      gboolean          as_preset,
                                      GError          **error);

/* Applies a preset over @edit: every parameter the preset has, except
 * geometry, which a preset never carries. */
void        ottica_edit_apply_preset (OtticaEdit       *edit,
                                      const OtticaEdit *preset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaEdit, ottica_edit_free)

G_END_DECLS
