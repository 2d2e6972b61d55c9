/* ottica-edit.c: the edit model and its key-file form.
 *
 * The key file (UTF-8, at most OTTICA_MAX_KEY_FILE_BYTES):
 *
 *   [Ottica]    version=1, kind=edit or kind=preset
 *   [Look]      id (a look's id; empty: none), amount (0..1)
 *   [Light]     exposure (EV), contrast, highlights, shadows, whites, blacks
 *   [Color]     temperature, tint, saturation, vibrance
 *   [Detail]    sharpening
 *   [Effects]   vignette
 *   [Geometry]  rotation (0/90/180/270), flip-horizontal, flip-vertical,
 *               straighten (°), crop=left;top;width;height (fractions)
 *
 * The numeric keys and their ranges are the table below. A preset has no
 * [Geometry]. Older format versions are brought up to date one step at a
 * time (migrations[]) before anything is read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ottica-atomic-file.h"
#include "ottica-edit.h"
#include "ottica-error.h"
#include "ottica-limits.h"

#define GROUP_HEADER   "Ottica"
#define GROUP_LOOK     "Look"
#define GROUP_GEOMETRY "Geometry"

/* Smallest crop side, as a fraction of the photo. */
#define MIN_CROP 0.01

#define PARAM(k, g, l, lo, hi, n, field, u, d) \
  { k, g, l, lo, hi, n, G_STRUCT_OFFSET (OtticaEdit, field), u, d }

/* The order is the key file's: groups in the order people meet them. */
static const OtticaEditParam params[] = {
  PARAM ("amount",      "Look",     N_("Amount"),      0.0,   1.0,   1.0, look_amount, "",      2),
  PARAM ("exposure",    "Light",    N_("Exposure"),   -5.0,   5.0,   0.0, exposure,    N_("EV"), 2),
  PARAM ("contrast",    "Light",    N_("Contrast"),   -100.0, 100.0, 0.0, contrast,    "",      0),
  PARAM ("highlights",  "Light",    N_("Highlights"), -100.0, 100.0, 0.0, highlights,  "",      0),
  PARAM ("shadows",     "Light",    N_("Shadows"),    -100.0, 100.0, 0.0, shadows,     "",      0),
  PARAM ("whites",      "Light",    N_("Whites"),     -100.0, 100.0, 0.0, whites,      "",      0),
  PARAM ("blacks",      "Light",    N_("Blacks"),     -100.0, 100.0, 0.0, blacks,      "",      0),
  PARAM ("temperature", "Color",    N_("Temperature"), -100.0, 100.0, 0.0, temperature, "",     0),
  PARAM ("tint",        "Color",    N_("Tint"),       -100.0, 100.0, 0.0, tint,        "",      0),
  PARAM ("saturation",  "Color",    N_("Saturation"), -100.0, 100.0, 0.0, saturation,  "",      0),
  PARAM ("vibrance",    "Color",    N_("Vibrance"),   -100.0, 100.0, 0.0, vibrance,    "",      0),
  PARAM ("sharpening",  "Detail",   N_("Sharpening"),  0.0,   100.0, 0.0, sharpening,  "",      0),
  PARAM ("vignette",    "Effects",  N_("Vignette"),   -100.0, 100.0, 0.0, vignette,    "",      0),
  PARAM ("straighten",  "Geometry", N_("Straighten"), -45.0,  45.0,  0.0, straighten,  N_("°"), 1),
  { NULL, NULL, NULL, 0, 0, 0, 0, NULL, 0 }
};

/* Groups in writing order, and the keys each may hold besides the table's. */
static const char *const groups[] = {
  GROUP_HEADER, GROUP_LOOK, "Light", "Color", "Detail", "Effects", GROUP_GEOMETRY, NULL
};
static const char *const header_keys[] = { "version", "kind", NULL };
static const char *const look_keys[] = { "id", NULL };
static const char *const geometry_keys[] = { "rotation", "flip-horizontal", "flip-vertical", "crop", NULL };

const OtticaEditParam *
ottica_edit_params (void)
{
  return params;
}

const OtticaEditParam *
ottica_edit_param_lookup (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (const OtticaEditParam *p = params; p->key; p++)
    if (strcmp (p->key, key) == 0)
      return p;
  return NULL;
}

guint64
ottica_edit_param_mask (const OtticaEditParam *param)
{
  g_return_val_if_fail (param >= params && param < params + G_N_ELEMENTS (params) - 1, 0);

  return G_GUINT64_CONSTANT (1) << (param - params);
}

static double *
param_field (OtticaEdit *edit, const OtticaEditParam *param)
{
  return (double *) G_STRUCT_MEMBER_P (edit, param->offset);
}

double
ottica_edit_get (const OtticaEdit *edit, const OtticaEditParam *param)
{
  g_return_val_if_fail (edit != NULL, 0.0);
  g_return_val_if_fail (param != NULL && param->key != NULL, 0.0);

  return G_STRUCT_MEMBER (double, edit, param->offset);
}

void
ottica_edit_set (OtticaEdit *edit, const OtticaEditParam *param, double value)
{
  g_return_if_fail (edit != NULL);
  g_return_if_fail (param != NULL && param->key != NULL);

  if (isnan (value))
    value = param->neutral;
  *param_field (edit, param) = CLAMP (value, param->min, param->max);
}

void
ottica_edit_set_look (OtticaEdit *edit, const char *look_id)
{
  g_return_if_fail (edit != NULL);

  if (look_id != NULL && *look_id == '\0')
    look_id = NULL;
  if (look_id != edit->look_id)
    {
      char *copy = g_strdup (look_id);

      g_free (edit->look_id);
      edit->look_id = copy;
    }
}

void
ottica_edit_reset (OtticaEdit *edit)
{
  g_return_if_fail (edit != NULL);

  g_clear_pointer (&edit->look_id, g_free);
  memset (edit, 0, sizeof *edit);
  for (const OtticaEditParam *p = params; p->key; p++)
    *param_field (edit, p) = p->neutral;
  edit->crop_width = 1.0;
  edit->crop_height = 1.0;
  edit->mask = OTTICA_EDIT_MASK_ALL;
}

OtticaEdit *
ottica_edit_new (void)
{
  OtticaEdit *edit = g_new0 (OtticaEdit, 1);

  ottica_edit_reset (edit);
  return edit;
}

OtticaEdit *
ottica_edit_copy (const OtticaEdit *edit)
{
  OtticaEdit *copy;

  g_return_val_if_fail (edit != NULL, NULL);

  copy = g_memdup2 (edit, sizeof *edit);
  copy->look_id = g_strdup (edit->look_id);
  return copy;
}

void
ottica_edit_free (OtticaEdit *edit)
{
  if (edit == NULL)
    return;
  g_free (edit->look_id);
  g_free (edit);
}

gboolean
ottica_edit_equal (const OtticaEdit *a, const OtticaEdit *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (g_strcmp0 (a->look_id, b->look_id) != 0)
    return FALSE;
  for (const OtticaEditParam *p = params; p->key; p++)
    if (ottica_edit_get (a, p) != ottica_edit_get (b, p))
      return FALSE;
  return a->rotation == b->rotation
         && a->flip_horizontal == b->flip_horizontal
         && a->flip_vertical == b->flip_vertical
         && a->crop_x == b->crop_x && a->crop_y == b->crop_y
         && a->crop_width == b->crop_width && a->crop_height == b->crop_height;
}

gboolean
ottica_edit_has_crop (const OtticaEdit *edit)
{
  g_return_val_if_fail (edit != NULL, FALSE);

  return edit->crop_x > 1e-9 || edit->crop_y > 1e-9
         || edit->crop_width < 1.0 - 1e-9 || edit->crop_height < 1.0 - 1e-9;
}

gboolean
ottica_edit_is_neutral (const OtticaEdit *edit)
{
  g_return_val_if_fail (edit != NULL, FALSE);

  if (edit->look_id != NULL && edit->look_amount > 0.0)
    return FALSE;
  for (const OtticaEditParam *p = params; p->key; p++)
    if (strcmp (p->group, GROUP_LOOK) != 0 && ottica_edit_get (edit, p) != p->neutral)
      return FALSE;
  return edit->rotation == 0 && !edit->flip_horizontal && !edit->flip_vertical
         && !ottica_edit_has_crop (edit);
}

void
ottica_edit_apply_preset (OtticaEdit *edit, const OtticaEdit *preset)
{
  g_return_if_fail (edit != NULL);
  g_return_if_fail (preset != NULL);

  for (const OtticaEditParam *p = params; p->key; p++)
    if (strcmp (p->group, GROUP_GEOMETRY) != 0 && (preset->mask & ottica_edit_param_mask (p)))
      *param_field (edit, p) = ottica_edit_get (preset, p);
  if (preset->mask & OTTICA_EDIT_MASK_LOOK_ID)
    ottica_edit_set_look (edit, preset->look_id);
}

/* ---- writing ---------------------------------------------------------- */

/* The shortest text that reads back as the same double. */
static void
format_double (char buffer[G_ASCII_DTOSTR_BUF_SIZE], double value)
{
  if (value == 0.0)
    value = 0.0;  /* no "-0" */
  g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.17g", value);
}

static void
set_double (GKeyFile *key_file, const char *group, const char *key, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  format_double (buffer, value);
  g_key_file_set_value (key_file, group, key, buffer);
}

char *
ottica_edit_to_data (const OtticaEdit *edit, gboolean as_preset, gsize *length)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  guint64 mask = as_preset ? edit->mask : OTTICA_EDIT_MASK_ALL;

  g_return_val_if_fail (edit != NULL, NULL);

  g_key_file_set_integer (key_file, GROUP_HEADER, "version", OTTICA_EDIT_FORMAT_VERSION);
  g_key_file_set_string (key_file, GROUP_HEADER, "kind", as_preset ? "preset" : "edit");
  g_key_file_set_comment (key_file, NULL, NULL,
                          as_preset ? " Ottica preset" : " Ottica edit: the photo beside it is never changed",
                          NULL);

  /* A preset that clears the look says so with an empty id. */
  if (edit->look_id != NULL || (as_preset && (mask & OTTICA_EDIT_MASK_LOOK_ID)))
    g_key_file_set_string (key_file, GROUP_LOOK, "id", edit->look_id ? edit->look_id : "");

  for (const OtticaEditParam *p = params; p->key; p++)
    {
      if (as_preset && strcmp (p->group, GROUP_GEOMETRY) == 0)
        continue;
      if (!(mask & ottica_edit_param_mask (p)))
        continue;
      if (strcmp (p->key, "straighten") == 0)
        {
          g_key_file_set_integer (key_file, GROUP_GEOMETRY, "rotation", edit->rotation);
          g_key_file_set_boolean (key_file, GROUP_GEOMETRY, "flip-horizontal", edit->flip_horizontal);
          g_key_file_set_boolean (key_file, GROUP_GEOMETRY, "flip-vertical", edit->flip_vertical);
        }
      set_double (key_file, p->group, p->key, ottica_edit_get (edit, p));
    }

  if (!as_preset)
    {
      char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];
      char w[G_ASCII_DTOSTR_BUF_SIZE], h[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *crop = NULL;

      format_double (x, edit->crop_x);
      format_double (y, edit->crop_y);
      format_double (w, edit->crop_width);
      format_double (h, edit->crop_height);
      crop = g_strjoin (";", x, y, w, h, NULL);
      g_key_file_set_value (key_file, GROUP_GEOMETRY, "crop", crop);
    }

  return g_key_file_to_data (key_file, length, NULL);
}

gboolean
ottica_edit_save (const OtticaEdit  *edit,
                  const char        *path,
                  gboolean           as_preset,
                  GError           **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (edit != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = ottica_edit_to_data (edit, as_preset, &length);
  return ottica_atomic_file_write (path, data, length, TRUE, error);
}

/* ---- migration -------------------------------------------------------- */

typedef gboolean (*MigrationStep) (GKeyFile *key_file, const char *display, GError **error);

static void
move_key (GKeyFile   *key_file,
          const char *from_group,
          const char *from_key,
          const char *to_group,
          const char *to_key)
{
  g_autofree char *value = g_key_file_get_value (key_file, from_group, from_key, NULL);

  if (value == NULL)
    return;
  /* Something already written the new way wins over the old spelling. */
  if (!g_key_file_has_key (key_file, to_group, to_key, NULL))
    g_key_file_set_value (key_file, to_group, to_key, value);
  g_key_file_remove_key (key_file, from_group, from_key, NULL);
}

/* Format 0 (pre-release): the light settings lived in [Tone], exposure was
 * spelled "ev", and there was no kind (presets came later). */
static gboolean
migrate_0_to_1 (GKeyFile *key_file, const char *display, GError **error)
{
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_has_group (key_file, "Tone"))
    return TRUE;

  move_key (key_file, "Tone", "ev", "Light", "exposure");
  keys = g_key_file_get_keys (key_file, "Tone", NULL, NULL);
  for (gsize i = 0; keys != NULL && keys[i] != NULL; i++)
    move_key (key_file, "Tone", keys[i], "Light", keys[i]);
  g_key_file_remove_group (key_file, "Tone", NULL);
  return TRUE;
}

/* migrations[v] brings format v to v + 1. */
static const MigrationStep migrations[] = {
  migrate_0_to_1,
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == OTTICA_EDIT_FORMAT_VERSION);

gboolean
ottica_edit_migrate (GKeyFile    *key_file,
                     int          from_version,
                     const char  *file_name,
                     GError     **error)
{
  g_autofree char *display = NULL;

  g_return_val_if_fail (key_file != NULL, FALSE);
  g_return_val_if_fail (file_name != NULL, FALSE);

  display = g_filename_display_basename (file_name);
  if (from_version < 0 || from_version > OTTICA_EDIT_FORMAT_VERSION)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” has format version %d, which this version of Ottica cannot read."),
                   display, from_version);
      return FALSE;
    }

  for (int version = from_version; version < OTTICA_EDIT_FORMAT_VERSION; version++)
    {
      if (!migrations[version] (key_file, display, error))
        return FALSE;
      g_key_file_set_integer (key_file, GROUP_HEADER, "version", version + 1);
    }
  return TRUE;
}

/* ---- reading ---------------------------------------------------------- */

static gboolean
parse_double (const char *text, double *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double v;

  if (*copy == '\0')
    return FALSE;
  v = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static gboolean
strv_has (const char *const *strv, const char *s)
{
  return strv != NULL && g_strv_contains (strv, s);
}

static gboolean
is_known_key (const char *group, const char *key)
{
  if (strcmp (group, GROUP_HEADER) == 0)
    return strv_has (header_keys, key);
  if (strcmp (group, GROUP_LOOK) == 0 && strv_has (look_keys, key))
    return TRUE;
  if (strcmp (group, GROUP_GEOMETRY) == 0 && strv_has (geometry_keys, key))
    return TRUE;
  for (const OtticaEditParam *p = params; p->key; p++)
    if (strcmp (p->group, group) == 0 && strcmp (p->key, key) == 0)
      return TRUE;
  return FALSE;
}

/* Blank lines and comments only: a file with nothing in it. */
static gboolean
is_blank (const char *data, gsize length)
{
  gboolean line_start = TRUE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (c == '\n')
        {
          line_start = TRUE;
          continue;
        }
      if (g_ascii_isspace (c))
        continue;
      if (line_start && c == '#')
        {
          while (i < length && data[i] != '\n')
            i++;
          line_start = TRUE;
          continue;
        }
      return FALSE;
    }
  return TRUE;
}

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* An OTTICA_ERROR_INVALID from one whole translatable sentence, which
 * names the file itself ("“NAME” is not a valid Ottica edit file: …");
 * returns FALSE. */
static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (OTTICA_ERROR, OTTICA_ERROR_INVALID, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
read_number (GKeyFile     *key_file,
             const char   *display,
             const char   *group,
             const char   *key,
             double       *value,
             GError      **error)
{
  g_autofree char *text = g_key_file_get_value (key_file, group, key, NULL);

  if (!parse_double (text, value))
    return invalid (error, _("“%s” is not a valid Ottica edit file: “%s” in [%s] is “%s”, "
                             "which is not a number."),
                    display, key, group, text);
  return TRUE;
}

static void
warn_clamped (const char *display, const char *group, const char *key,
              double value, double used, double min, double max)
{
  char v[G_ASCII_DTOSTR_BUF_SIZE], u[G_ASCII_DTOSTR_BUF_SIZE];
  char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];

  format_double (v, value);
  format_double (u, used);
  format_double (lo, min);
  format_double (hi, max);
  g_warning (_("“%s”: “%s” in [%s] is %s, outside %s to %s; using %s."),
             display, key, group, v, lo, hi, u);
}

static gboolean
read_params (GKeyFile    *key_file,
             const char  *display,
             gboolean     preset,
             OtticaEdit  *edit,
             GError     **error)
{
  for (const OtticaEditParam *p = params; p->key; p++)
    {
      double value, used;

      if (preset && strcmp (p->group, GROUP_GEOMETRY) == 0)
        continue;
      if (!g_key_file_has_key (key_file, p->group, p->key, NULL))
        continue;
      if (!read_number (key_file, display, p->group, p->key, &value, error))
        return FALSE;

      used = CLAMP (value, p->min, p->max);
      if (used != value)
        warn_clamped (display, p->group, p->key, value, used, p->min, p->max);
      *param_field (edit, p) = used;
      edit->mask |= ottica_edit_param_mask (p);
    }
  return TRUE;
}

static gboolean
valid_look_id (const char *id)
{
  if (strlen (id) > 128 || !g_utf8_validate (id, -1, NULL))
    return FALSE;
  for (const char *p = id; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == '/' || c == '\\')
        return FALSE;
    }
  return strcmp (id, ".") != 0 && strcmp (id, "..") != 0;
}

static gboolean
read_look (GKeyFile    *key_file,
           const char  *display,
           OtticaEdit  *edit,
           GError     **error)
{
  g_autofree char *id = NULL;

  if (!g_key_file_has_key (key_file, GROUP_LOOK, "id", NULL))
    return TRUE;
  id = g_strstrip (g_key_file_get_value (key_file, GROUP_LOOK, "id", NULL));
  if (!valid_look_id (id))
    return invalid (error, _("“%s” is not a valid Ottica edit file: the look id “%s” in [%s] "
                             "is not a look’s name."),
                    display, id, GROUP_LOOK);
  ottica_edit_set_look (edit, id);
  edit->mask |= OTTICA_EDIT_MASK_LOOK_ID;
  return TRUE;
}

static gboolean
read_boolean (GKeyFile    *key_file,
              const char  *display,
              const char  *key,
              gboolean    *value,
              GError     **error)
{
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (key_file, GROUP_GEOMETRY, key, NULL))
    return TRUE;
  text = g_strstrip (g_key_file_get_value (key_file, GROUP_GEOMETRY, key, NULL));
  if (g_strcmp0 (text, "true") == 0 || g_strcmp0 (text, "1") == 0)
    *value = TRUE;
  else if (g_strcmp0 (text, "false") == 0 || g_strcmp0 (text, "0") == 0)
    *value = FALSE;
  else
    return invalid (error, _("“%s” is not a valid Ottica edit file: “%s” in [%s] is “%s”, "
                             "which is neither true nor false."),
                    display, key, GROUP_GEOMETRY, text);
  return TRUE;
}

static gboolean
read_geometry (GKeyFile    *key_file,
               const char  *display,
               OtticaEdit  *edit,
               GError     **error)
{
  if (g_key_file_has_key (key_file, GROUP_GEOMETRY, "rotation", NULL))
    {
      double value;
      int quarters;

      if (!read_number (key_file, display, GROUP_GEOMETRY, "rotation", &value, error))
        return FALSE;
      quarters = (int) fmod (round (fmod (value, 360.0) / 90.0) + 4.0, 4.0);
      edit->rotation = quarters * 90;
      if (fmod (value, 90.0) != 0.0 || value < 0.0 || value >= 360.0)
        {
          char v[G_ASCII_DTOSTR_BUF_SIZE];

          format_double (v, value);
          g_warning (_("“%s”: “rotation” in [%s] is %s, not 0, 90, 180 or 270; using %d."),
                     display, GROUP_GEOMETRY, v, edit->rotation);
        }
    }

  if (!read_boolean (key_file, display, "flip-horizontal", &edit->flip_horizontal, error)
      || !read_boolean (key_file, display, "flip-vertical", &edit->flip_vertical, error))
    return FALSE;

  if (g_key_file_has_key (key_file, GROUP_GEOMETRY, "crop", NULL))
    {
      g_autofree char *text = g_key_file_get_value (key_file, GROUP_GEOMETRY, "crop", NULL);
      g_auto(GStrv) parts = g_strsplit (text, ";", -1);
      guint n = g_strv_length (parts);
      double v[4], c[4];

      /* A list may end with ';'. */
      if (n == 5 && *g_strstrip (parts[4]) == '\0')
        n = 4;
      if (n != 4 || !parse_double (parts[0], &v[0]) || !parse_double (parts[1], &v[1])
          || !parse_double (parts[2], &v[2]) || !parse_double (parts[3], &v[3]))
        return invalid (error,
                        _("“%s” is not a valid Ottica edit file: “crop” in [%s] is “%s”, not "
                          "four numbers (left;top;width;height as fractions of the photo)."),
                        display, GROUP_GEOMETRY, text);

      c[0] = CLAMP (v[0], 0.0, 1.0 - MIN_CROP);
      c[1] = CLAMP (v[1], 0.0, 1.0 - MIN_CROP);
      c[2] = CLAMP (v[2], MIN_CROP, 1.0 - c[0]);
      c[3] = CLAMP (v[3], MIN_CROP, 1.0 - c[1]);
      if (memcmp (v, c, sizeof v) != 0)
        {
          char a[4][G_ASCII_DTOSTR_BUF_SIZE];

          for (int i = 0; i < 4; i++)
            format_double (a[i], c[i]);
          g_warning (_("“%s”: “crop” in [%s] is “%s”, which is not inside the photo; using %s;%s;%s;%s."),
                     display, GROUP_GEOMETRY, text, a[0], a[1], a[2], a[3]);
        }
      edit->crop_x = c[0];
      edit->crop_y = c[1];
      edit->crop_width = c[2];
      edit->crop_height = c[3];
    }
  return TRUE;
}

static void
warn_unknown (GKeyFile *key_file, const char *display, gboolean preset)
{
  g_auto(GStrv) names = g_key_file_get_groups (key_file, NULL);

  for (gsize i = 0; names[i] != NULL; i++)
    {
      const char *group = names[i];
      g_auto(GStrv) keys = NULL;

      if (!strv_has (groups, group))
        {
          g_warning (_("“%s”: unknown group [%s] ignored."), display, group);
          continue;
        }
      if (preset && strcmp (group, GROUP_GEOMETRY) == 0)
        {
          g_warning (_("“%s”: a preset does not change a photo’s crop or rotation; [%s] ignored."),
                     display, group);
          continue;
        }
      keys = g_key_file_get_keys (key_file, group, NULL, NULL);
      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!is_known_key (group, keys[k]))
          g_warning (_("“%s”: unknown key “%s” in [%s] ignored."), display, keys[k], group);
    }
}

static const char *
kind_name (OtticaEditKind kind)
{
  return kind == OTTICA_EDIT_KIND_PRESET ? "preset" : "edit";
}

OtticaEdit *
ottica_edit_from_data_as (const char      *data,
                          gsize            length,
                          const char      *file_name,
                          OtticaEditKind   kind,
                          GError         **error)
{
  g_autofree char *display = NULL;
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;
  g_autofree char *version_text = NULL;
  g_autofree char *kind_text = NULL;
  OtticaEditKind found;
  double version;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_basename (file_name);

  if (length > OTTICA_MAX_KEY_FILE_BYTES)
    {
      g_autofree char *size = g_format_size (length);
      g_autofree char *limit = g_format_size (OTTICA_MAX_KEY_FILE_BYTES);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large for an edit file (%s; edit files are at most %s)."),
                   display, size, limit);
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, NULL))
    {
      invalid (error, _("“%s” is not a valid Ottica edit file: it is not text."), display);
      return NULL;
    }

  edit = ottica_edit_new ();
  if (is_blank (data, length))
    {
      /* Nothing in it, so nothing wrong with it: no changes. */
      edit->mask = kind == OTTICA_EDIT_KIND_EDIT ? OTTICA_EDIT_MASK_ALL : 0;
      return g_steal_pointer (&edit);
    }

  key_file = g_key_file_new ();
  if (!g_key_file_load_from_data (key_file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      invalid (error, _("“%s” is not a valid Ottica edit file: %s"), display, local_error->message);
      return NULL;
    }

  if (!g_key_file_has_group (key_file, GROUP_HEADER))
    {
      invalid (error, _("“%s” is not a valid Ottica edit file: it has no [%s] header."),
               display, GROUP_HEADER);
      return NULL;
    }
  version_text = g_key_file_get_value (key_file, GROUP_HEADER, "version", NULL);
  if (version_text == NULL)
    {
      invalid (error, _("“%s” is not a valid Ottica edit file: its [%s] header has no format "
                        "version."),
               display, GROUP_HEADER);
      return NULL;
    }
  if (!parse_double (version_text, &version) || version != floor (version)
      || version < 0 || version > G_MAXINT)
    {
      invalid (error, _("“%s” is not a valid Ottica edit file: the format version “%s” is not "
                        "a whole number."),
               display, g_strstrip (version_text));
      return NULL;
    }
  if (version > OTTICA_EDIT_FORMAT_VERSION)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” was written by a newer version of Ottica (format %d; this version "
                     "reads up to format %d); update Ottica to use it."),
                   display, (int) version, OTTICA_EDIT_FORMAT_VERSION);
      return NULL;
    }
  if (!ottica_edit_migrate (key_file, (int) version, file_name, error))
    return NULL;

  /* No kind (format 0, or written by hand): what the caller expects. */
  kind_text = g_key_file_get_value (key_file, GROUP_HEADER, "kind", NULL);
  if (kind_text != NULL)
    g_strstrip (kind_text);
  if (kind_text == NULL)
    found = kind == OTTICA_EDIT_KIND_PRESET ? OTTICA_EDIT_KIND_PRESET : OTTICA_EDIT_KIND_EDIT;
  else if (strcmp (kind_text, "edit") == 0)
    found = OTTICA_EDIT_KIND_EDIT;
  else if (strcmp (kind_text, "preset") == 0)
    found = OTTICA_EDIT_KIND_PRESET;
  else
    {
      invalid (error, _("“%s” is not a valid Ottica edit file: its kind is “%s”; Ottica reads "
                        "kind=edit and kind=preset."),
               display, kind_text);
      return NULL;
    }
  if (kind != OTTICA_EDIT_KIND_ANY && kind != found)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   found == OTTICA_EDIT_KIND_PRESET
                   ? _("“%s” is a preset, not a photo’s edit (kind=%s, expected kind=%s).")
                   : _("“%s” is a photo’s edit, not a preset (kind=%s, expected kind=%s)."),
                   display, kind_name (found), kind_name (kind));
      return NULL;
    }

  warn_unknown (key_file, display, found == OTTICA_EDIT_KIND_PRESET);

  edit->mask = 0;
  if (!read_look (key_file, display, edit, error)
      || !read_params (key_file, display, found == OTTICA_EDIT_KIND_PRESET, edit, error))
    return NULL;
  if (found == OTTICA_EDIT_KIND_EDIT)
    {
      if (!read_geometry (key_file, display, edit, error))
        return NULL;
      /* A photo's edit is its whole state: what is missing is default. */
      edit->mask = OTTICA_EDIT_MASK_ALL;
    }

  return g_steal_pointer (&edit);
}

OtticaEdit *
ottica_edit_from_data (const char  *data,
                       gsize        length,
                       const char  *file_name,
                       GError     **error)
{
  return ottica_edit_from_data_as (data, length, file_name, OTTICA_EDIT_KIND_ANY, error);
}

/* Reads at most OTTICA_MAX_KEY_FILE_BYTES + 1 bytes, so a huge file is
 * refused without being read. */
static char *
read_small_file (const char *path, gsize *length, GError **error)
{
  g_autofree char *display = g_filename_display_basename (path);
  g_autofree char *data = NULL;
  struct stat st;
  gsize size = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” could not be opened: %s."), display, g_strerror (errsv));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” could not be opened: it is not a regular file."), display);
      return NULL;
    }

  data = g_malloc (OTTICA_MAX_KEY_FILE_BYTES + 2);
  while (size <= OTTICA_MAX_KEY_FILE_BYTES)
    {
      ssize_t n = read (fd, data + size, OTTICA_MAX_KEY_FILE_BYTES + 1 - size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          close (fd);
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                       _("“%s” could not be read: %s."), display, g_strerror (errsv));
          return NULL;
        }
      if (n == 0)
        break;
      size += (gsize) n;
    }
  close (fd);

  if (size > OTTICA_MAX_KEY_FILE_BYTES)
    {
      g_autofree char *actual = g_format_size (MAX ((guint64) st.st_size, (guint64) size));
      g_autofree char *limit = g_format_size (OTTICA_MAX_KEY_FILE_BYTES);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large for an edit file (%s; edit files are at most %s)."),
                   display, actual, limit);
      return NULL;
    }
  data[size] = '\0';
  *length = size;
  return g_steal_pointer (&data);
}

OtticaEdit *
ottica_edit_load_as (const char      *path,
                     OtticaEditKind   kind,
                     GError         **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = read_small_file (path, &length, error);
  if (data == NULL)
    return NULL;
  return ottica_edit_from_data_as (data, length, path, kind, error);
}

OtticaEdit *
ottica_edit_load (const char *path, GError **error)
{
  return ottica_edit_load_as (path, OTTICA_EDIT_KIND_ANY, error);
}
