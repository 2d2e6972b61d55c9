/* ottica-look.c: a look, read from a .look key file or a .cube LUT.
 *
 * The .look format (version 1), a GKeyFile in UTF-8:
 *
 *   # Comments start with '#'.
 *   [Look]
 *   version=1                  # format version; newer ones are refused
 *   id=documentary             # [a-z0-9][a-z0-9-]*, at most 64 characters
 *   name=Documentary           # shown to people; name[it]=… translates
 *   description=Deep blacks…   # one line; description[it]=… translates
 *   kind=color                 # color or mono
 *   tints=true                 # optional: the look moves neutral greys on
 *                              # purpose (warm, toned); default false
 *   tone-hue=55                # optional, toned looks: the CIE LCh(ab) hue
 *                              # in degrees that greys take; implies tints
 *
 *   [ottica:tone-curve]        # one group per operation the look uses
 *   toe=-0.3                   # the operation's own property names and
 *   slope=1.2                  # values: numbers, true/false, enum nicks
 *
 * Built-in looks are translated through gettext instead of name[xx] keys:
 * their English name (in the context "look name") and description are
 * listed for xgettext in ottica-look-library.c.
 *
 * Validation uses the operations' real GParamSpecs: an unknown group or
 * operation, an unknown key, a value of the wrong type, NaN or infinity
 * is an error naming the file and the key; a number outside the
 * property's range is clamped with a warning. Keys the [Look] group does
 * not know are warned about and ignored, so that newer files degrade
 * gracefully.
 *
 * A look's strength ("amount", 0..1) interpolates each parameter between
 * the property's default, which is the operation's neutral value (the
 * op contract in DESIGN.md: identity at defaults), and the look's value,
 * so that 0 is the photo unchanged and 1 is the look, in one pass.
 * Booleans, enums, strings, seeds and hues on the full circle (a
 * toning's direction; its chroma carries the amount) switch to the look's
 * value at any amount above 0. One exception to "neutral = default":
 * ottica:lut3d's strength defaults to 1 for use on its own, so a look
 * fades it from 0.
 *
 * A .cube file becomes a look with one ottica:lut3d step: its id is made
 * from the file name, its name is the TITLE line or the file name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gegl-paramspecs.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "ottica-atomic-file.h"
#include "ottica-cube.h"
#include "ottica-error.h"
#include "ottica-limits.h"
#include "ottica-look.h"

#define LOOK_GROUP "Look"


/* The fixed chain order, as light goes through a camera and a darkroom.
 * Glow (halation) is light spreading in the lens and film, and lens
 * falloff is light lost at the corners: both act on scene light, and the
 * falloff comes before the tone curve so that the shoulder shapes how
 * bright corners roll off (LOOKS.md 1.3). White balance, colour and the
 * black-and-white mix also act on scene light, like a filter on the lens:
 * the tone curve works on a pixel's brightest channel, so a red filter
 * applied after it would see a blue sky as a highlight and barely darken
 * it. Then the film's and paper's response (the tone curve), toning of
 * the print by its final tones, a LUT, local contrast on the finished
 * tones, and grain last, as it sits in the final image. */
static const char * const look_operations[] = {
  "ottica:glow",
  "ottica:lens-falloff",
  "ottica:color-character",
  "ottica:mono",
  "ottica:tone-curve",
  "ottica:split-tone",
  "ottica:lut3d",
  "ottica:local-contrast",
  "ottica:grain",
  NULL
};

typedef struct
{
  GParamSpec *pspec;
  GValue      value;
} LookParam;

typedef struct
{
  const char *operation;  /* an entry of look_operations */
  GArray     *params;     /* LookParam */
} LookStep;

struct _OtticaLook
{
  gatomicrefcount ref_count;

  char           *id;
  char           *name;         /* untranslated for built-ins */
  char           *description;
  OtticaLookKind  kind;
  gboolean        builtin;
  gboolean        lut;
  gboolean        tints;
  double          tone_hue;     /* NAN: none */

  char           *file_name;
  char           *path;
  GBytes         *bytes;

  GPtrArray      *steps;        /* LookStep*, in chain order */
};

const char * const *
ottica_look_operations (void)
{
  return look_operations;
}

const char *
ottica_look_kind_to_string (OtticaLookKind kind)
{
  return kind == OTTICA_LOOK_KIND_MONO ? "mono" : "color";
}

static int
operation_index (const char *operation)
{
  for (int i = 0; look_operations[i] != NULL; i++)
    if (g_strcmp0 (look_operations[i], operation) == 0)
      return i;
  return -1;
}

/* GEGL builds the class of a dynamically registered op when it is
 * referenced and may drop it when the last reference goes; holding one
 * reference per look op keeps their GParamSpecs alive for the process. */
static GType
operation_type_held (const char *operation)
{
  static GType types[G_N_ELEMENTS (look_operations)];
  static GMutex lock;
  int index = operation_index (operation);
  GType type;

  if (index < 0)
    return 0;

  g_mutex_lock (&lock);
  if (types[index] == 0 && gegl_has_operation (operation))
    {
      /* The op's GType is not public API by name; a node tells it. */
      g_autoptr(GeglNode) node = gegl_node_new ();

      gegl_node_set (node, "operation", operation, NULL);
      if (gegl_node_get_gegl_operation (node) != NULL)
        {
          types[index] = G_OBJECT_TYPE (gegl_node_get_gegl_operation (node));
          g_type_class_ref (types[index]);
        }
    }
  type = types[index];
  g_mutex_unlock (&lock);
  return type;
}

static void
look_step_free (LookStep *step)
{
  for (guint i = 0; i < step->params->len; i++)
    {
      LookParam *param = &g_array_index (step->params, LookParam, i);

      g_value_unset (&param->value);
      g_param_spec_unref (param->pspec);
    }
  g_array_unref (step->params);
  g_free (step);
}

static OtticaLook *
look_new (const char *file_name, GBytes *bytes, gboolean builtin)
{
  OtticaLook *look = g_new0 (OtticaLook, 1);

  g_atomic_ref_count_init (&look->ref_count);
  look->file_name = g_strdup (file_name);
  look->bytes = g_bytes_ref (bytes);
  look->builtin = builtin;
  look->tone_hue = NAN;
  look->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) look_step_free);
  return look;
}

OtticaLook *
ottica_look_ref (OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);

  g_atomic_ref_count_inc (&look->ref_count);
  return look;
}

void
ottica_look_unref (OtticaLook *look)
{
  g_return_if_fail (look != NULL);

  if (!g_atomic_ref_count_dec (&look->ref_count))
    return;

  g_free (look->id);
  g_free (look->name);
  g_free (look->description);
  g_free (look->file_name);
  g_free (look->path);
  g_bytes_unref (look->bytes);
  g_ptr_array_unref (look->steps);
  g_free (look);
}

gboolean
ottica_look_id_is_valid (const char *id)
{
  gsize length = id != NULL ? strlen (id) : 0;

  if (length == 0 || length > OTTICA_LOOK_MAX_ID_LENGTH)
    return FALSE;
  if (!g_ascii_islower (id[0]) && !g_ascii_isdigit (id[0]))
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* ---- values ------------------------------------------------------------ */

static gboolean
parse_double (const char *text, double *value)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  char *end = NULL;

  if (trimmed[0] == '\0')
    return FALSE;
  *value = g_ascii_strtod (trimmed, &end);
  return end != NULL && *end == '\0';
}

static gboolean
parse_int (const char *text, gint64 *value)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  char *end = NULL;

  if (trimmed[0] == '\0')
    return FALSE;
  /* Overflow saturates, which no look value comes near. Not errno: the
   * first call of the process makes GLib's C locale behind a g_once,
   * whose contended mutex may leave EAGAIN in errno (a look failed to
   * load that way when six threads opened the library at once). */
  *value = g_ascii_strtoll (trimmed, &end, 10);
  return end != NULL && *end == '\0' && *value != G_MAXINT64 && *value != G_MININT64;
}

static char *
enum_nicks (GEnumClass *enum_class)
{
  GString *nicks = g_string_new (NULL);

  for (guint i = 0; i < enum_class->n_values; i++)
    {
      if (i > 0)
        g_string_append (nicks, ", ");
      g_string_append (nicks, enum_class->values[i].value_nick);
    }
  return g_string_free (nicks, FALSE);
}

/* Parses @text for @pspec into @value (initialised here). Out-of-range
 * numbers are clamped with a warning. */
static gboolean
parse_value (GParamSpec  *pspec,
             const char  *text,
             const char  *file_name,
             const char  *group,
             GValue      *value,
             GError     **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  const char *key = g_param_spec_get_name (pspec);

  g_value_init (value, type);

  if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
    {
      double number, minimum, maximum;

      if (!parse_double (text, &number))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “%s” in [%s] is “%s”, which is not a number."),
                       file_name, key, group, text);
          return FALSE;
        }
      if (!isfinite (number))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “%s” in [%s] is “%s”; it must be a finite number."),
                       file_name, key, group, text);
          return FALSE;
        }
      if (type == G_TYPE_DOUBLE)
        {
          minimum = G_PARAM_SPEC_DOUBLE (pspec)->minimum;
          maximum = G_PARAM_SPEC_DOUBLE (pspec)->maximum;
        }
      else
        {
          minimum = G_PARAM_SPEC_FLOAT (pspec)->minimum;
          maximum = G_PARAM_SPEC_FLOAT (pspec)->maximum;
        }
      if (number < minimum || number > maximum)
        {
          double clamped = CLAMP (number, minimum, maximum);

          g_warning (_("“%s”: “%s” in [%s] is %g, outside %g to %g; using %g."),
                     file_name, key, group, number, minimum, maximum, clamped);
          number = clamped;
        }
      if (type == G_TYPE_DOUBLE)
        g_value_set_double (value, number);
      else
        g_value_set_float (value, (float) number);
      return TRUE;
    }

  if (type == G_TYPE_INT || type == G_TYPE_UINT)
    {
      gint64 number, minimum, maximum;

      if (!parse_int (text, &number))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “%s” in [%s] is “%s”, which is not a whole number."),
                       file_name, key, group, text);
          return FALSE;
        }
      if (type == G_TYPE_INT)
        {
          minimum = G_PARAM_SPEC_INT (pspec)->minimum;
          maximum = G_PARAM_SPEC_INT (pspec)->maximum;
        }
      else
        {
          minimum = G_PARAM_SPEC_UINT (pspec)->minimum;
          maximum = G_PARAM_SPEC_UINT (pspec)->maximum;
        }
      if (number < minimum || number > maximum)
        {
          gint64 clamped = CLAMP (number, minimum, maximum);

          g_warning (_("“%s”: “%s” in [%s] is %lld, outside %lld to %lld; using %lld."),
                     file_name, key, group, (long long) number, (long long) minimum,
                     (long long) maximum, (long long) clamped);
          number = clamped;
        }
      if (type == G_TYPE_INT)
        g_value_set_int (value, (int) number);
      else
        g_value_set_uint (value, (guint) number);
      return TRUE;
    }

  if (type == G_TYPE_BOOLEAN)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (text));

      if (g_str_equal (trimmed, "true") || g_str_equal (trimmed, "1"))
        g_value_set_boolean (value, TRUE);
      else if (g_str_equal (trimmed, "false") || g_str_equal (trimmed, "0"))
        g_value_set_boolean (value, FALSE);
      else
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “%s” in [%s] is “%s”; it must be true or false."),
                       file_name, key, group, text);
          return FALSE;
        }
      return TRUE;
    }

  if (G_TYPE_IS_ENUM (type))
    {
      GEnumClass *enum_class = G_PARAM_SPEC_ENUM (pspec)->enum_class;
      g_autofree char *trimmed = g_strstrip (g_strdup (text));
      GEnumValue *enum_value = g_enum_get_value_by_nick (enum_class, trimmed);

      if (enum_value == NULL)
        enum_value = g_enum_get_value_by_name (enum_class, trimmed);
      if (enum_value == NULL)
        {
          g_autofree char *nicks = enum_nicks (enum_class);

          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “%s” in [%s] is “%s”; it must be one of %s."),
                       file_name, key, group, text, nicks);
          return FALSE;
        }
      g_value_set_enum (value, enum_value->value);
      return TRUE;
    }

  if (type == G_TYPE_STRING)
    {
      g_value_set_string (value, text);
      return TRUE;
    }

  g_value_unset (value);
  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
               _("“%s”: “%s” in [%s] cannot be set in a look."),
               file_name, key, group);
  return FALSE;
}

/* ---- .look files --------------------------------------------------------- */

static gboolean
check_text (GBytes *bytes, const char *file_name, GError **error)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (length == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is empty."), file_name);
      return FALSE;
    }
  if (memchr (data, '\0', length) != NULL || !g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is not a text file, so it cannot be a look."), file_name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
header_key_is_known (const char *key)
{
  static const char * const known[] = {
    "version", "id", "name", "description", "kind", "tints", "tone-hue", NULL
  };
  g_autofree char *base = g_strdup (key);
  char *bracket = strchr (base, '[');

  /* name[it], description[pt_BR] are translations */
  if (bracket != NULL)
    {
      *bracket = '\0';
      return g_str_equal (base, "name") || g_str_equal (base, "description");
    }
  return g_strv_contains (known, key);
}

static gboolean
parse_header (OtticaLook *look, GKeyFile *key_file, GError **error)
{
  const char *file_name = look->file_name;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *version_text = NULL;
  g_autofree char *kind = NULL;
  gint64 version;

  if (!g_key_file_has_group (key_file, LOOK_GROUP))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” is not a look file: it has no [%s] group."), file_name, LOOK_GROUP);
      return FALSE;
    }

  keys = g_key_file_get_keys (key_file, LOOK_GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!header_key_is_known (keys[i]))
      g_warning (_("“%s”: ignoring the unknown key “%s” in [%s]."), file_name, keys[i], LOOK_GROUP);

  version_text = g_key_file_get_value (key_file, LOOK_GROUP, "version", NULL);
  if (version_text == NULL || !parse_int (version_text, &version) || version < 1)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s”: [%s] needs “version”, a whole number from 1."), file_name, LOOK_GROUP);
      return FALSE;
    }
  if (version > OTTICA_LOOK_FORMAT_VERSION)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” was made by a newer Ottica (look format %d); this one reads format %d."),
                   file_name, (int) MIN (version, G_MAXINT), OTTICA_LOOK_FORMAT_VERSION);
      return FALSE;
    }

  look->id = g_key_file_get_string (key_file, LOOK_GROUP, "id", NULL);
  if (look->id != NULL)
    g_strstrip (look->id);
  if (!ottica_look_id_is_valid (look->id))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s”: “id” in [%s] must be 1 to %d lower-case letters, digits and dashes."),
                   file_name, LOOK_GROUP, OTTICA_LOOK_MAX_ID_LENGTH);
      return FALSE;
    }

  /* Built-ins are translated by gettext at display time. */
  if (look->builtin)
    {
      look->name = g_key_file_get_string (key_file, LOOK_GROUP, "name", NULL);
      look->description = g_key_file_get_string (key_file, LOOK_GROUP, "description", NULL);
    }
  else
    {
      look->name = g_key_file_get_locale_string (key_file, LOOK_GROUP, "name", NULL, NULL);
      look->description = g_key_file_get_locale_string (key_file, LOOK_GROUP, "description", NULL, NULL);
    }
  if (look->name != NULL)
    g_strstrip (look->name);
  if (look->name == NULL || look->name[0] == '\0' || g_utf8_strlen (look->name, -1) > 100)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s”: [%s] needs a “name” of 1 to 100 characters."), file_name, LOOK_GROUP);
      return FALSE;
    }
  if (look->description == NULL)
    look->description = g_strdup ("");
  g_strstrip (look->description);

  kind = g_key_file_get_string (key_file, LOOK_GROUP, "kind", NULL);
  if (kind != NULL)
    g_strstrip (kind);
  if (g_strcmp0 (kind, "color") == 0)
    look->kind = OTTICA_LOOK_KIND_COLOR;
  else if (g_strcmp0 (kind, "mono") == 0)
    look->kind = OTTICA_LOOK_KIND_MONO;
  else
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s”: “kind” in [%s] must be color or mono."), file_name, LOOK_GROUP);
      return FALSE;
    }

  if (g_key_file_has_key (key_file, LOOK_GROUP, "tints", NULL))
    {
      look->tints = g_key_file_get_boolean (key_file, LOOK_GROUP, "tints", &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “tints” in [%s] must be true or false."), file_name, LOOK_GROUP);
          return FALSE;
        }
    }

  if (g_key_file_has_key (key_file, LOOK_GROUP, "tone-hue", NULL))
    {
      g_autofree char *text = g_key_file_get_value (key_file, LOOK_GROUP, "tone-hue", NULL);
      double hue;

      if (!parse_double (text, &hue) || !isfinite (hue) || hue < 0.0 || hue >= 360.0)
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: “tone-hue” in [%s] must be an angle from 0 to 360 degrees."),
                       file_name, LOOK_GROUP);
          return FALSE;
        }
      look->tone_hue = hue;
      look->tints = TRUE;
    }
  return TRUE;
}

static int
compare_steps (gconstpointer a, gconstpointer b)
{
  const LookStep *step_a = *(const LookStep * const *) a;
  const LookStep *step_b = *(const LookStep * const *) b;

  return operation_index (step_a->operation) - operation_index (step_b->operation);
}

static gboolean
parse_step (OtticaLook *look, GKeyFile *key_file, const char *group, GError **error)
{
  const char *file_name = look->file_name;
  int index = operation_index (group);
  g_auto(GStrv) keys = NULL;
  LookStep *step;
  GType type;

  if (index < 0)
    {
      if (g_str_has_prefix (group, "ottica:") || g_str_has_prefix (group, "gegl:"))
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                     _("“%s” uses the operation [%s], which looks cannot use."),
                     file_name, group);
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                     _("“%s” has the unknown group [%s]."), file_name, group);
      return FALSE;
    }
  type = operation_type_held (look_operations[index]);
  if (type == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_MISSING_OP,
                   _("“%s” needs the image operation “%s”, which is not installed."),
                   file_name, group);
      return FALSE;
    }

  keys = g_key_file_get_keys (key_file, group, NULL, NULL);
  if (keys == NULL || keys[0] == NULL)
    return TRUE;  /* an empty group changes nothing */

  step = g_new0 (LookStep, 1);
  step->operation = look_operations[index];
  step->params = g_array_new (FALSE, TRUE, sizeof (LookParam));
  g_ptr_array_add (look->steps, step);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      GObjectClass *klass = g_type_class_peek (type);
      GParamSpec *pspec = g_object_class_find_property (klass, keys[i]);
      g_autofree char *text = NULL;
      LookParam param = { 0 };

      if (pspec == NULL || pspec->owner_type != type
          || !(pspec->flags & G_PARAM_WRITABLE) || (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: the operation [%s] has no parameter “%s”."),
                       file_name, group, keys[i]);
          return FALSE;
        }
      if (g_str_equal (group, "ottica:lut3d") && g_str_equal (g_param_spec_get_name (pspec), "path"))
        {
          /* A look is one file that can be shared; a path would break. */
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: a look file cannot point to a LUT file; put the .cube file in the "
                         "looks folder instead, where it becomes a look of its own."),
                       file_name);
          return FALSE;
        }
      text = g_key_file_get_string (key_file, group, keys[i], NULL);
      if (text == NULL)
        text = g_key_file_get_value (key_file, group, keys[i], NULL);
      if (!parse_value (pspec, text, file_name, group, &param.value, error))
        return FALSE;
      param.pspec = g_param_spec_ref (pspec);
      g_array_append_val (step->params, param);
    }
  return TRUE;
}

static OtticaLook *
look_from_key_file (GBytes *bytes, const char *file_name, gboolean builtin, GError **error)
{
  g_autoptr(OtticaLook) look = look_new (file_name, bytes, builtin);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;
  gboolean has_mono = FALSE;

  if (g_bytes_get_size (bytes) > OTTICA_MAX_KEY_FILE_BYTES)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large for a look file (more than %d KiB)."),
                   file_name, OTTICA_MAX_KEY_FILE_BYTES / 1024);
      return NULL;
    }
  if (!check_text (bytes, file_name, error))
    return NULL;
  if (!g_key_file_load_from_bytes (key_file, bytes, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” is not a valid look file: %s"), file_name, local_error->message);
      return NULL;
    }
  if (!parse_header (look, key_file, error))
    return NULL;

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (g_str_equal (groups[i], LOOK_GROUP))
        continue;
      if (!parse_step (look, key_file, groups[i], error))
        return NULL;
      has_mono |= g_str_equal (groups[i], "ottica:mono");
    }
  g_ptr_array_sort (look->steps, compare_steps);

  if (look->kind == OTTICA_LOOK_KIND_MONO && !has_mono)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” says kind=mono but has no [ottica:mono] group to make it black and white."),
                   file_name);
      return NULL;
    }
  if (look->kind == OTTICA_LOOK_KIND_COLOR && has_mono)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” makes the photo black and white with [ottica:mono] but says kind=color; "
                     "use kind=mono."),
                   file_name);
      return NULL;
    }
  return g_steal_pointer (&look);
}

/* ---- .cube files --------------------------------------------------------- */

/* "Teal & Orange v2.cube" → "teal-orange-v2" */
static char *
id_from_file_name (const char *file_name)
{
  GString *id = g_string_new (NULL);
  const char *dot = strrchr (file_name, '.');

  for (const char *p = file_name; *p && p != dot && id->len < OTTICA_LOOK_MAX_ID_LENGTH; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (id, g_ascii_tolower (*p));
      else if (id->len > 0 && id->str[id->len - 1] != '-')
        g_string_append_c (id, '-');
    }
  while (id->len > 0 && id->str[id->len - 1] == '-')
    g_string_truncate (id, id->len - 1);
  return g_string_free (id, FALSE);
}

static gboolean
add_param (LookStep *step, const char *key, const GValue *value)
{
  GParamSpec *pspec = gegl_operation_find_property (step->operation, key);
  LookParam param = { 0 };

  if (pspec == NULL)
    return FALSE;
  param.pspec = g_param_spec_ref (pspec);
  g_value_init (&param.value, G_VALUE_TYPE (value));
  g_value_copy (value, &param.value);
  g_array_append_val (step->params, param);
  return TRUE;
}

/* A .cube file: one ottica:lut3d step that reads the file itself (the op
 * takes a path); it is parsed here first so that a bad LUT is refused
 * with its reason instead of silently doing nothing. */
static OtticaLook *
look_from_cube (GBytes *bytes, const char *file_name, const char *path, GError **error)
{
  g_autoptr(OtticaLook) look = look_new (file_name, bytes, FALSE);
  g_autoptr(OtticaCube) cube = NULL;
  g_auto(GValue) path_value = G_VALUE_INIT;
  g_auto(GValue) strength = G_VALUE_INIT;
  g_autofree char *stem = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  LookStep *step;

  if (length > OTTICA_CUBE_MAX_BYTES)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large for a LUT (more than %d MiB)."),
                   file_name, OTTICA_CUBE_MAX_BYTES / (1024 * 1024));
      return NULL;
    }
  cube = ottica_cube_parse (data, length, file_name, error);
  if (cube == NULL)
    return NULL;
  if (operation_type_held ("ottica:lut3d") == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_MISSING_OP,
                   _("“%s” needs the image operation “%s”, which is not installed."),
                   file_name, "ottica:lut3d");
      return NULL;
    }

  look->lut = TRUE;
  look->kind = OTTICA_LOOK_KIND_COLOR;
  look->tints = TRUE;  /* nothing says a LUT keeps greys grey */
  look->id = id_from_file_name (file_name);
  if (!ottica_look_id_is_valid (look->id))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s”: a LUT’s file name must have letters or digits, which make its id."),
                   file_name);
      return NULL;
    }
  stem = g_strndup (file_name, strrchr (file_name, '.') - file_name);
  if (cube->title != NULL && g_strstrip (cube->title)[0] != '\0')
    look->name = g_utf8_substring (cube->title, 0, MIN (g_utf8_strlen (cube->title, -1), 100));
  else
    look->name = g_steal_pointer (&stem);
  look->description = g_strdup_printf (_("A colour lookup table (LUT) from “%s”."), file_name);

  step = g_new0 (LookStep, 1);
  step->operation = look_operations[operation_index ("ottica:lut3d")];
  step->params = g_array_new (FALSE, TRUE, sizeof (LookParam));
  g_ptr_array_add (look->steps, step);
  g_value_init (&path_value, G_TYPE_STRING);
  g_value_set_string (&path_value, path);
  g_value_init (&strength, G_TYPE_DOUBLE);
  g_value_set_double (&strength, 1.0);
  if (!add_param (step, "path", &path_value) || !add_param (step, "strength", &strength))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_MISSING_OP,
                   _("“%s”: this build’s “%s” cannot apply LUT files."), file_name, "ottica:lut3d");
      return NULL;
    }
  return g_steal_pointer (&look);
}

/* ---- public -------------------------------------------------------------- */

static gboolean
is_cube_name (const char *file_name)
{
  g_autofree char *lower = g_ascii_strdown (file_name, -1);

  return g_str_has_suffix (lower, ".cube");
}

static gboolean
is_look_name (const char *file_name)
{
  g_autofree char *lower = g_ascii_strdown (file_name, -1);

  return g_str_has_suffix (lower, ".look");
}

OtticaLook *
ottica_look_new_from_bytes (GBytes      *bytes,
                            const char  *file_name,
                            gboolean     builtin,
                            GError     **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (is_cube_name (file_name))
    {
      /* ottica:lut3d reads the LUT from its file. */
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s”: a LUT look is read from its file."), file_name);
      return NULL;
    }
  if (is_look_name (file_name))
    return look_from_key_file (bytes, file_name, builtin, error);

  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
               _("“%s” is neither a look (.look) nor a LUT (.cube)."), file_name);
  return NULL;
}

OtticaLook *
ottica_look_load (const char *path, GError **error)
{
  g_autofree char *file_name = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  OtticaLook *look;
  gsize limit;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file_name = g_filename_display_basename (path);
  if (!is_cube_name (file_name) && !is_look_name (file_name))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is neither a look (.look) nor a LUT (.cube)."), file_name);
      return NULL;
    }

  /* Refuse huge files before reading them. */
  limit = is_cube_name (file_name) ? OTTICA_CUBE_MAX_BYTES : OTTICA_MAX_KEY_FILE_BYTES;
  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && (guint64) st.st_size > limit)
    {
      if (is_cube_name (file_name))
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                     _("“%s” is too large for a LUT (more than %d MiB)."),
                     file_name, OTTICA_CUBE_MAX_BYTES / (1024 * 1024));
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                     _("“%s” is too large for a look file (more than %d KiB)."),
                     file_name, OTTICA_MAX_KEY_FILE_BYTES / 1024);
      return NULL;
    }

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("“%s” cannot be read: %s"), file_name, local_error->message);
      return NULL;
    }
  /* A copy: the file may change under a mapping. */
  bytes = g_bytes_new (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped));

  if (is_cube_name (file_name))
    {
      g_autofree char *absolute = g_canonicalize_filename (path, NULL);

      look = look_from_cube (bytes, file_name, absolute, error);
    }
  else
    look = look_from_key_file (bytes, file_name, FALSE, error);
  if (look != NULL)
    look->path = g_strdup (path);
  return look;
}

const char *
ottica_look_get_id (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);
  return look->id;
}

const char *
ottica_look_get_name (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);
  return look->builtin ? g_dpgettext2 (GETTEXT_PACKAGE, "look name", look->name) : look->name;
}

const char *
ottica_look_get_description (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);
  if (look->builtin && look->description[0] != '\0')
    return g_dgettext (GETTEXT_PACKAGE, look->description);
  return look->description;
}

OtticaLookKind
ottica_look_get_kind (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, OTTICA_LOOK_KIND_COLOR);
  return look->kind;
}

gboolean
ottica_look_is_builtin (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, FALSE);
  return look->builtin;
}

gboolean
ottica_look_is_lut (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, FALSE);
  return look->lut;
}

gboolean
ottica_look_get_tints (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, FALSE);
  return look->tints;
}

gboolean
ottica_look_get_tone_hue (const OtticaLook *look, double *hue)
{
  g_return_val_if_fail (look != NULL, FALSE);

  if (isnan (look->tone_hue))
    return FALSE;
  if (hue != NULL)
    *hue = look->tone_hue;
  return TRUE;
}

const char *
ottica_look_get_file_name (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);
  return look->file_name;
}

const char *
ottica_look_get_path (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);
  return look->path;
}

GBytes *
ottica_look_get_bytes (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);
  return look->bytes;
}

guint
ottica_look_get_n_steps (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, 0);
  return look->steps->len;
}

const char *
ottica_look_get_step_operation (const OtticaLook *look, guint step)
{
  g_return_val_if_fail (look != NULL, NULL);
  g_return_val_if_fail (step < look->steps->len, NULL);

  return ((const LookStep *) g_ptr_array_index (look->steps, step))->operation;
}

/* A hue on the full circle (split-tone's shadow and highlight hues) is
 * where a toning points, not how much of it there is: the chroma beside it
 * carries the amount. Interpolating it from the default would sweep
 * through unrelated hues (220° to 55° passes green), so it switches. */
static gboolean
is_angle (GParamSpec *pspec)
{
  return G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_DOUBLE
         && g_strcmp0 (gegl_param_spec_get_property_key (pspec, "unit"), "degree") == 0
         && G_PARAM_SPEC_DOUBLE (pspec)->minimum == 0.0
         && G_PARAM_SPEC_DOUBLE (pspec)->maximum == 360.0;
}

static gboolean
is_switch (GParamSpec *pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  /* A seed is a name, not a quantity: never interpolate it. */
  if (G_TYPE_CHECK_INSTANCE_TYPE (pspec, GEGL_TYPE_PARAM_SEED)
      || g_str_equal (g_param_spec_get_name (pspec), "seed")
      || is_angle (pspec))
    return TRUE;
  return !(type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT || type == G_TYPE_INT || type == G_TYPE_UINT);
}

static double
number_of (const GValue *value)
{
  if (G_VALUE_HOLDS_DOUBLE (value))
    return g_value_get_double (value);
  if (G_VALUE_HOLDS_FLOAT (value))
    return g_value_get_float (value);
  if (G_VALUE_HOLDS_INT (value))
    return g_value_get_int (value);
  return g_value_get_uint (value);
}

/* The neutral value of a number: its default, except where the default
 * is chosen for the op used on its own rather than for being neutral:
 * ottica:lut3d applies its LUT fully by default (strength 1), and a LUT
 * look at amount 0 must not apply it at all. */
static double
neutral_number (const char *operation, GParamSpec *pspec)
{
  if (g_str_equal (operation, "ottica:lut3d") && g_str_equal (g_param_spec_get_name (pspec), "strength"))
    return 0.0;
  return number_of (g_param_spec_get_default_value (pspec));
}

void
ottica_look_apply_step (const OtticaLook *look,
                        guint             step_index,
                        GeglNode         *node,
                        double            amount)
{
  const LookStep *step;

  g_return_if_fail (look != NULL);
  g_return_if_fail (step_index < look->steps->len);
  g_return_if_fail (GEGL_IS_NODE (node));

  step = g_ptr_array_index (look->steps, step_index);
  amount = isnan (amount) ? 0.0 : CLAMP (amount, 0.0, 1.0);

  for (guint i = 0; i < step->params->len; i++)
    {
      const LookParam *param = &g_array_index (step->params, LookParam, i);
      const GValue *neutral = g_param_spec_get_default_value (param->pspec);
      GType type = G_PARAM_SPEC_VALUE_TYPE (param->pspec);
      g_auto(GValue) value = G_VALUE_INIT;
      double from, to, mixed;

      g_value_init (&value, type);
      if (is_switch (param->pspec))
        {
          g_value_copy (amount > 0.0 ? &param->value : neutral, &value);
          gegl_node_set_property (node, g_param_spec_get_name (param->pspec), &value);
          continue;
        }

      from = neutral_number (step->operation, param->pspec);
      to = number_of (&param->value);
      /* Exact ends: 1 is the look's own value, not a rounding of it. */
      mixed = amount >= 1.0 ? to : amount <= 0.0 ? from : from + amount * (to - from);
      if (type == G_TYPE_DOUBLE)
        g_value_set_double (&value, mixed);
      else if (type == G_TYPE_FLOAT)
        g_value_set_float (&value, (float) mixed);
      else if (type == G_TYPE_INT)
        g_value_set_int (&value, (int) lround (mixed));
      else
        g_value_set_uint (&value, (guint) lround (mixed));
      gegl_node_set_property (node, g_param_spec_get_name (param->pspec), &value);
    }

}

gboolean
ottica_look_get_param (const OtticaLook *look,
                       const char       *operation,
                       const char       *key,
                       GValue           *value)
{
  g_return_val_if_fail (look != NULL, FALSE);
  g_return_val_if_fail (operation != NULL && key != NULL, FALSE);

  for (guint i = 0; i < look->steps->len; i++)
    {
      const LookStep *step = g_ptr_array_index (look->steps, i);

      if (!g_str_equal (step->operation, operation))
        continue;
      for (guint j = 0; j < step->params->len; j++)
        {
          const LookParam *param = &g_array_index (step->params, LookParam, j);

          if (!g_str_equal (g_param_spec_get_name (param->pspec), key))
            continue;
          if (value != NULL)
            {
              g_value_init (value, G_VALUE_TYPE (&param->value));
              g_value_copy (&param->value, value);
            }
          return TRUE;
        }
    }
  return FALSE;
}

char *
ottica_look_dup_digest (const OtticaLook *look)
{
  g_return_val_if_fail (look != NULL, NULL);

  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, look->bytes);
}

gboolean
ottica_look_export (const OtticaLook *look,
                    const char       *path,
                    gboolean          overwrite,
                    GError          **error)
{
  g_autofree char *file_name = NULL;
  gsize length;
  const char *data;

  g_return_val_if_fail (look != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file_name = g_filename_display_basename (path);
  if (look->lut ? !is_cube_name (file_name) : !is_look_name (file_name))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s”: the look “%s” is saved as a %s file; give the name that ending."),
                   file_name, look->id, look->lut ? ".cube" : ".look");
      return FALSE;
    }
  data = g_bytes_get_data (look->bytes, &length);
  return ottica_atomic_file_write (path, data, length, overwrite, error);
}
