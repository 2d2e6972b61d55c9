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

/* Bits of OtticaEdit.mask: bit i is ottica_edit_params()[i]; the look id
 * has its own bit. */
#define OTTICA_EDIT_MASK_LOOK_ID (G_GUINT64_CONSTANT (1) << 63)
#define OTTICA_EDIT_MASK_ALL     G_MAXUINT64

/* What a key file says it is. */
typedef enum
{
  OTTICA_EDIT_KIND_ANY,      /* when reading: either of the two */
  OTTICA_EDIT_KIND_EDIT,     /* a photo's edit (sidecar) */
  OTTICA_EDIT_KIND_PRESET,   /* settings to apply to other photos: no geometry */
} OtticaEditKind;

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
   * white balance; 0 keeps it. Temperature is in mired: +100 warms as much
   * as going from 6500 K to 3900 K light; tint ±100 is a Δuv of ∓0.02. */
  double   temperature;    /* -100 (cooler) .. 100 (warmer) */
  double   tint;           /* -100 (greener) .. 100 (more magenta) */
  double   saturation;     /* -100..100: chroma × (1 + saturation / 100) */
  double   vibrance;       /* -100..100: saturation weighted to muted colours, skin-safe */

  /* Detail */
  double   sharpening;     /* 0..100 */

  /* Effects */
  double   vignette;       /* -100 (2 stops darker corners) .. 100 (2 stops lighter) */

  /* Geometry, applied in this order: quarter turns of the upright photo,
   * then flips of the turned photo as it is seen (left-right, top-bottom),
   * then straighten (which crops to the largest rectangle of the photo's
   * shape inside it), then crop. */
  int      rotation;       /* 0, 90, 180, 270 degrees clockwise */
  gboolean flip_horizontal;
  gboolean flip_vertical;
  double   straighten;     /* degrees, -45..45, counter-clockwise positive */
  double   crop_x;         /* crop rectangle as fractions 0..1 of the */
  double   crop_y;         /* rotated, straightened photo; the default */
  double   crop_width;     /* 0,0,1,1 is no crop */
  double   crop_height;

  /* Which parameters this carries, for presets (OTTICA_EDIT_MASK_*): a
   * preset read from a file sets only the keys the file has, so applying
   * it leaves the rest of a photo's edit alone. New edits, and edits read
   * from sidecars, carry everything (OTTICA_EDIT_MASK_ALL). Not part of
   * ottica_edit_equal(). */
  guint64  mask;
} OtticaEdit;

/* One numeric parameter of an edit. */
typedef struct
{
  const char *key;          /* key-file and CLI name: "exposure" */
  const char *group;        /* key-file group: "Look", "Light", "Color", "Detail", "Effects", "Geometry" */
  const char *label;        /* translatable (N_()) label for people */
  double      min;
  double      max;
  double      neutral;      /* the default, which changes nothing (for the
                             * look's "amount" it is 1: the whole look,
                             * and a look is what changes something) */
  gsize       offset;       /* G_STRUCT_OFFSET into OtticaEdit (a double) */
  const char *unit;         /* translatable (N_()) unit, "EV", "°", or "" */
  int         digits;       /* decimals worth showing */
} OtticaEditParam;

/* The numeric parameters, terminated by an entry with key == NULL: the
 * look's amount, Light, Color, Detail, Effects, and Geometry's straighten
 * (rotation, flips and crop are not plain numbers and have their own
 * fields). */
const OtticaEditParam *ottica_edit_params          (void);
const OtticaEditParam *ottica_edit_param_lookup    (const char *key);
/* The mask bit of @param (OtticaEdit.mask). */
guint64                ottica_edit_param_mask      (const OtticaEditParam *param);
double                 ottica_edit_get             (const OtticaEdit *edit, const OtticaEditParam *param);
/* Clamps @value to the parameter's range. */
void                   ottica_edit_set             (OtticaEdit *edit, const OtticaEditParam *param, double value);
/* Replaces the look (NULL: none). */
void                   ottica_edit_set_look        (OtticaEdit *edit, const char *look_id);

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
 * TOO_LARGE and @file_name in the message. Older versions are migrated.
 * An empty file (or only blanks and comments) is an edit that changes
 * nothing: there is nothing wrong in it to report.
 *
 * An edit is written whole; a preset only the parameters in its mask,
 * never geometry. @file_name is a path or a name (its display basename is
 * used in messages). */
char       *ottica_edit_to_data      (const OtticaEdit *edit,
                                      gboolean          as_preset,
                                      gsize            *length);
/* Either kind (OTTICA_EDIT_KIND_ANY); geometry in a preset is warned
 * about and ignored. */
OtticaEdit *ottica_edit_from_data    (const char       *data,
                                      gsize             length,
                                      const char       *file_name,
                                      GError          **error);
/* Only @kind: a sidecar must say kind=edit, a preset kind=preset; the
 * other is OTTICA_ERROR_INVALID ("… is a preset, not a photo’s edit"). */
OtticaEdit *ottica_edit_from_data_as (const char       *data,
                                      gsize             length,
                                      const char       *file_name,
                                      OtticaEditKind    kind,
                                      GError          **error);
OtticaEdit *ottica_edit_load         (const char       *path,
                                      GError          **error);
OtticaEdit *ottica_edit_load_as      (const char       *path,
                                      OtticaEditKind    kind,
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

/* Brings a key file of format @from_version up to the current one, one
 * small step per version (each step is its own function, tested on its
 * own). Public for the tests; the loaders call it. Format 0 is the
 * pre-release layout: [Tone] for [Light], and no kind. */
gboolean    ottica_edit_migrate      (GKeyFile         *key_file,
                                      int               from_version,
                                      const char       *file_name,
                                      GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaEdit, ottica_edit_free)

G_END_DECLS
