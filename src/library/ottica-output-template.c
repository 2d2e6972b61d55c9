/* ottica-output-template.c: export file names that stay inside the output
 * folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <gexiv2/gexiv2.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "ottica-error.h"
#include "ottica-metadata.h"
#include "ottica-output-template.h"

#define MAX_VALUE_BYTES     120
#define MAX_COMPONENT_BYTES 255
#define DEFAULT_SEQ_WIDTH   4
#define UNKNOWN_CAMERA      "unknown-camera"
#define NO_LOOK             "original"

typedef enum
{
  SEG_LITERAL,
  SEG_SLASH,     /* a "/" of the template: a folder boundary */
  SEG_NAME,
  SEG_EXT,
  SEG_LOOK,
  SEG_SEQ,
  SEG_DATE,
  SEG_YEAR,
  SEG_MONTH,
  SEG_DAY,
  SEG_CAMERA,
} SegmentKind;

typedef struct
{
  SegmentKind  kind;
  char        *text;   /* SEG_LITERAL */
  int          width;  /* SEG_SEQ */
} Segment;

struct _OtticaOutputTemplate
{
  char    *text;
  GArray  *segments;
  gboolean uses_date;
  gboolean uses_camera;
};

static const struct
{
  const char  *name;
  SegmentKind  kind;
} tokens[] = {
  { "name", SEG_NAME },
  { "ext", SEG_EXT },
  { "look", SEG_LOOK },
  { "seq", SEG_SEQ },
  { "date", SEG_DATE },
  { "year", SEG_YEAR },
  { "month", SEG_MONTH },
  { "day", SEG_DAY },
  { "camera", SEG_CAMERA },
};

static void
segment_clear (gpointer data)
{
  Segment *segment = data;

  g_free (segment->text);
}

void
ottica_output_template_free (OtticaOutputTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->text);
  g_array_unref (tmpl->segments);
  g_free (tmpl);
}

const char *
ottica_output_template_get_text (const OtticaOutputTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  return tmpl->text;
}

gboolean
ottica_output_template_uses_date (const OtticaOutputTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, FALSE);
  return tmpl->uses_date;
}

gboolean
ottica_output_template_uses_camera (const OtticaOutputTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, FALSE);
  return tmpl->uses_camera;
}

static void
add_literal (GArray *segments, GString *literal)
{
  Segment segment = { SEG_LITERAL, NULL, 0 };

  if (literal->len == 0)
    return;
  segment.text = g_strndup (literal->str, literal->len);
  g_array_append_val (segments, segment);
  g_string_truncate (literal, 0);
}

static gboolean
parse_token (OtticaOutputTemplate  *tmpl,
             const char            *token,
             GError               **error)
{
  g_autofree char *name = g_strdup (token);
  char *colon = strchr (name, ':');
  Segment segment = { SEG_LITERAL, NULL, 0 };
  gboolean known = FALSE;

  if (colon != NULL)
    *colon = '\0';

  for (gsize i = 0; i < G_N_ELEMENTS (tokens); i++)
    if (strcmp (tokens[i].name, name) == 0)
      {
        segment.kind = tokens[i].kind;
        known = TRUE;
      }

  if (!known || (colon != NULL && segment.kind != SEG_SEQ))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("The file name template “%s” has an unknown token “{%s}”; "
                     "the tokens are {name}, {ext}, {look}, {seq}, {date}, {year}, "
                     "{month}, {day} and {camera}."),
                   tmpl->text, token);
      return FALSE;
    }

  if (segment.kind == SEG_SEQ)
    {
      segment.width = DEFAULT_SEQ_WIDTH;
      if (colon != NULL)
        {
          const char *digits = colon + 1;

          if (strlen (digits) != 1 || digits[0] < '1' || digits[0] > '9')
            {
              g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                           _("The file name template “%s” has “{%s}”, but the width "
                             "of {seq} must be a number from 1 to 9, as in {seq:3}."),
                           tmpl->text, token);
              return FALSE;
            }
          segment.width = digits[0] - '0';
        }
    }

  tmpl->uses_date |= segment.kind == SEG_DATE || segment.kind == SEG_YEAR
                     || segment.kind == SEG_MONTH || segment.kind == SEG_DAY;
  tmpl->uses_camera |= segment.kind == SEG_CAMERA;
  g_array_append_val (tmpl->segments, segment);
  return TRUE;
}

static gboolean
parse (OtticaOutputTemplate *tmpl, GError **error)
{
  g_autoptr(GString) literal = g_string_new (NULL);
  const char *p = tmpl->text;

  while (*p != '\0')
    {
      if (p[0] == '{' && p[1] == '{')
        {
          g_string_append_c (literal, '{');
          p += 2;
        }
      else if (p[0] == '}' && p[1] == '}')
        {
          g_string_append_c (literal, '}');
          p += 2;
        }
      else if (p[0] == '{')
        {
          const char *end = strchr (p + 1, '}');
          g_autofree char *token = NULL;

          if (end == NULL)
            {
              g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                           _("The file name template “%s” has a “{” that is never "
                             "closed; write “{{” for a brace in the name."),
                           tmpl->text);
              return FALSE;
            }
          add_literal (tmpl->segments, literal);
          token = g_strndup (p + 1, end - p - 1);
          if (!parse_token (tmpl, token, error))
            return FALSE;
          p = end + 1;
        }
      else if (p[0] == '/')
        {
          Segment slash = { SEG_SLASH, NULL, 0 };

          add_literal (tmpl->segments, literal);
          g_array_append_val (tmpl->segments, slash);
          p++;
        }
      else
        {
          g_string_append_c (literal, *p);
          p++;
        }
    }
  add_literal (tmpl->segments, literal);
  return TRUE;
}

static char *expand (const OtticaOutputTemplate *tmpl,
                     const OtticaOutputValues   *values,
                     gboolean                    named_photo,
                     GError                    **error);

OtticaOutputTemplate *
ottica_output_template_new (const char *text, GError **error)
{
  g_autoptr(OtticaOutputTemplate) tmpl = NULL;
  g_autofree char *sample = NULL;
  OtticaOutputValues values = {
    .photo_path = "IMG_0001.JPG",
    .look_id = "look",
    .seq = 1,
    .capture_date = "2001-02-03",
    .camera = "camera",
  };

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                           _("The file name template is not valid UTF-8 text."));
      return NULL;
    }

  tmpl = g_new0 (OtticaOutputTemplate, 1);
  tmpl->text = g_strdup (text);
  tmpl->segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_array_set_clear_func (tmpl->segments, segment_clear);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                     _("The file name template “%s” contains a control character."),
                     text);
        return NULL;
      }

  if (text[0] == '\0')
    {
      g_set_error_literal (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                           _("The file name template is empty; it must make a file name "
                             "inside the output folder, such as “{name}”."));
      return NULL;
    }
  if (text[0] == '/')
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                   _("The file name template “%s” is an absolute path; it must name "
                     "a file inside the output folder (choose the folder with --output)."),
                   text);
      return NULL;
    }

  if (!parse (tmpl, error))
    return NULL;

  /* Sample values catch every structural problem ("..", "a//b", a
   * trailing "/", hidden names) now rather than at the first photo. */
  sample = expand (tmpl, &values, FALSE, error);
  if (sample == NULL)
    return NULL;

  return g_steal_pointer (&tmpl);
}

/* A substituted value: valid UTF-8, no "/" or control or invisible
 * formatting characters, no leading dots, at most MAX_VALUE_BYTES. */
static void
append_sanitised (GString *out, const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  const char *p = valid;
  gsize start = out->len;

  while (*p == '.')
    p++;

  for (; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);

      if ((gsize) (out->len - start + (next - p)) > MAX_VALUE_BYTES)
        break;
      if (c == '/' || c == '\\' || g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, next - p);
    }
}

/* {name} and {ext}: split at the last dot of the file name, as in
 * "IMG_1.CR2"; a dot in front (".hidden") is not an extension. */
static void
split_name (const char *photo_path, char **name, char **ext)
{
  g_autofree char *base = g_path_get_basename (photo_path);
  g_autofree char *display = g_filename_display_name (base);
  char *dot = strrchr (display, '.');

  if (dot != NULL && dot != display)
    {
      *name = g_strndup (display, dot - display);
      *ext = g_strdup (dot + 1);
    }
  else
    {
      *name = g_strdup (display);
      *ext = g_strdup ("");
    }
}

static gboolean
is_valid_date (const char *date)
{
  if (date == NULL || strlen (date) != 10 || date[4] != '-' || date[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (date[i]))
      return FALSE;
  return TRUE;
}

char *
ottica_output_read_date (const char *path)
{
  g_autofree char *date = NULL;
  GStatBuf st;
  struct tm tm;
  char buffer[16];

  g_return_val_if_fail (path != NULL, NULL);

  date = ottica_metadata_capture_date (path);
  if (is_valid_date (date))
    return g_steal_pointer (&date);

  if (g_stat (path, &st) != 0)
    return NULL;
  if (localtime_r (&st.st_mtime, &tm) == NULL)
    return NULL;
  strftime (buffer, sizeof buffer, "%Y-%m-%d", &tm);
  return g_strdup (buffer);
}

static void
initialise_exiv2 (void)
{
  static gsize done = 0;

  /* Exiv2's XMP set-up is not thread-safe; it must run once first. */
  if (g_once_init_enter (&done))
    {
      gexiv2_initialize ();
      g_once_init_leave (&done, 1);
    }
}

static char *
read_tag (GExiv2Metadata *metadata, const char *tag)
{
  char *value;

  if (!gexiv2_metadata_try_has_tag (metadata, tag, NULL))
    return NULL;
  value = gexiv2_metadata_try_get_tag_string (metadata, tag, NULL);
  if (value != NULL)
    g_strstrip (value);
  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

char *
ottica_output_read_camera (const char *path)
{
  g_autoptr(GExiv2Metadata) metadata = NULL;
  g_autofree char *make = NULL;
  g_autofree char *model = NULL;
  g_autofree char *make_word = NULL;
  const char *space;

  g_return_val_if_fail (path != NULL, NULL);

  initialise_exiv2 ();
  metadata = gexiv2_metadata_new ();
  if (!gexiv2_metadata_open_path (metadata, path, NULL))
    return NULL;

  make = read_tag (metadata, "Exif.Image.Make");
  model = read_tag (metadata, "Exif.Image.Model");
  if (model == NULL)
    return g_steal_pointer (&make);
  if (make == NULL)
    return g_steal_pointer (&model);

  /* "Canon" + "Canon EOS 350D DIGITAL", "NIKON CORPORATION" + "NIKON D850":
   * the model usually names the maker already. */
  space = strchr (make, ' ');
  make_word = space != NULL ? g_strndup (make, space - make) : g_strdup (make);
  if (g_ascii_strncasecmp (model, make_word, strlen (make_word)) == 0)
    return g_steal_pointer (&model);
  return g_strdup_printf ("%s %s", make, model);
}

static gboolean
has_jpeg_suffix (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower, ".jpeg");
}

/* Checks one folder or file name of the result. */
static gboolean
check_component (const OtticaOutputTemplate  *tmpl,
                 const char                  *photo_display,
                 const char                  *component,
                 gboolean                     is_file,
                 GError                     **error)
{
  if (strcmp (component, "..") == 0)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                   _("The file name template “%s” contains “..”, which would leave "
                     "the output folder; it must name a file inside it."),
                   tmpl->text);
      return FALSE;
    }
  if (component[0] == '\0')
    {
      if (photo_display != NULL)
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                     is_file ? _("The file name template “%s” gives an empty file name for “%s”.")
                             : _("The file name template “%s” gives an empty folder name for “%s”."),
                     tmpl->text, photo_display);
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                     is_file ? _("The file name template “%s” makes an empty file name; "
                                 "it must name a file inside the output folder, such as “{name}”.")
                             : _("The file name template “%s” makes an empty folder name "
                                 "(two “/” in a row)."),
                     tmpl->text);
      return FALSE;
    }
  if (component[0] == '.')
    {
      if (photo_display != NULL)
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                     _("The file name template “%s” gives a hidden name starting with "
                       "“.” for “%s”."),
                     tmpl->text, photo_display);
      else
        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                     _("The file name template “%s” makes a name starting with “.”, "
                       "which would be hidden; start it with a letter or a token."),
                     tmpl->text);
      return FALSE;
    }
  if (strlen (component) > MAX_COMPONENT_BYTES)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("The file name template “%s” makes a name longer than %d bytes."),
                   tmpl->text, MAX_COMPONENT_BYTES);
      return FALSE;
    }
  return TRUE;
}

/* @named_photo: FALSE only for the sample expansion in _new(), which has
 * no real photo to name in its messages. */
static char *
expand (const OtticaOutputTemplate  *tmpl,
        const OtticaOutputValues    *values,
        gboolean                     named_photo,
        GError                     **error)
{
  g_autoptr(GPtrArray) components = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) current = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *read_date = NULL;
  g_autofree char *read_camera = NULL;
  g_autofree char *photo_display = NULL;
  g_autofree char *joined = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *date = NULL;
  const char *camera = NULL;
  char *result;

  split_name (values->photo_path, &name, &ext);

  if (tmpl->uses_date)
    {
      date = values->capture_date;
      if (!is_valid_date (date))
        date = read_date = ottica_output_read_date (values->photo_path);
      if (date == NULL)
        date = "0000-00-00";
    }
  if (tmpl->uses_camera)
    {
      camera = values->camera;
      if (camera == NULL)
        camera = read_camera = ottica_output_read_camera (values->photo_path);
      if (camera == NULL || camera[0] == '\0')
        camera = UNKNOWN_CAMERA;
    }

  for (guint i = 0; i < tmpl->segments->len; i++)
    {
      const Segment *segment = &g_array_index (tmpl->segments, Segment, i);

      switch (segment->kind)
        {
        case SEG_LITERAL:
          g_string_append (current, segment->text);
          break;
        case SEG_SLASH:
          g_ptr_array_add (components, g_string_free (g_steal_pointer (&current), FALSE));
          current = g_string_new (NULL);
          break;
        case SEG_NAME:
          append_sanitised (current, name);
          break;
        case SEG_EXT:
          append_sanitised (current, ext);
          break;
        case SEG_LOOK:
          append_sanitised (current, values->look_id != NULL && values->look_id[0] != '\0'
                                     ? values->look_id : NO_LOOK);
          break;
        case SEG_SEQ:
          g_string_append_printf (current, "%0*u", segment->width, values->seq);
          break;
        case SEG_DATE:
          g_string_append (current, date);
          break;
        case SEG_YEAR:
          g_string_append_len (current, date, 4);
          break;
        case SEG_MONTH:
          g_string_append_len (current, date + 5, 2);
          break;
        case SEG_DAY:
          g_string_append_len (current, date + 8, 2);
          break;
        case SEG_CAMERA:
          append_sanitised (current, camera);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_ptr_array_add (components, g_string_free (g_steal_pointer (&current), FALSE));

  if (named_photo)
    {
      g_autofree char *base = g_path_get_basename (values->photo_path);

      photo_display = g_filename_display_name (base);
    }

  for (guint i = 0; i < components->len; i++)
    {
      char *component = g_ptr_array_index (components, i);
      gboolean is_file = i + 1 == components->len;

      if (is_file && component[0] != '\0' && !has_jpeg_suffix (component))
        {
          g_ptr_array_index (components, i) = g_strconcat (component, ".jpg", NULL);
          g_free (component);
          component = g_ptr_array_index (components, i);
        }
      if (!check_component (tmpl, photo_display, component, is_file, error))
        return NULL;
    }

  g_ptr_array_add (components, NULL);
  joined = g_strjoinv (G_DIR_SEPARATOR_S, (char **) components->pdata);

  result = g_filename_from_utf8 (joined, -1, NULL, NULL, &local_error);
  if (result == NULL)
    result = g_steal_pointer (&joined);
  return result;
}

char *
ottica_output_template_expand (const OtticaOutputTemplate  *tmpl,
                               const OtticaOutputValues    *values,
                               GError                     **error)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  g_return_val_if_fail (values != NULL && values->photo_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return expand (tmpl, values, TRUE, error);
}

static gboolean
set_prepare_error (GError **error, const char *path, int errsv)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               _("Could not create the folder “%s”: %s."),
               display, g_strerror (errsv));
  return FALSE;
}

char *
ottica_output_path_prepare (const char  *output_folder,
                            const char  *relative,
                            GError     **error)
{
  g_autofree char *folder = NULL;
  g_autofree char *real_folder = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *real_parent = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) parts = NULL;
  guint n_parts;

  g_return_val_if_fail (output_folder != NULL, NULL);
  g_return_val_if_fail (relative != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The same rules as expansion, again, since @relative is a string any
   * caller could have built. */
  if (relative[0] == '\0' || g_path_is_absolute (relative))
    {
      g_autofree char *display = g_filename_display_name (relative);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                   _("“%s” is not a file name inside the output folder."), display);
      return NULL;
    }
  parts = g_strsplit (relative, G_DIR_SEPARATOR_S, -1);
  n_parts = g_strv_length (parts);
  for (guint i = 0; i < n_parts; i++)
    if (parts[i][0] == '\0' || parts[i][0] == '.')
      {
        g_autofree char *display = g_filename_display_name (relative);

        g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                     _("“%s” is not a file name inside the output folder."), display);
        return NULL;
      }

  folder = g_canonicalize_filename (output_folder, NULL);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      set_prepare_error (error, folder, errno);
      return NULL;
    }
  real_folder = realpath (folder, NULL);
  if (real_folder == NULL)
    {
      set_prepare_error (error, folder, errno);
      return NULL;
    }

  parent = g_strdup (folder);
  for (guint i = 0; i + 1 < n_parts; i++)
    {
      char *next = g_build_filename (parent, parts[i], NULL);

      g_free (parent);
      parent = next;
      if (g_mkdir (parent, 0755) != 0 && errno != EEXIST)
        {
          set_prepare_error (error, parent, errno);
          return NULL;
        }
    }

  /* A subfolder that already existed as a symbolic link could point out
   * of the output folder: resolve it and compare. */
  real_parent = realpath (parent, NULL);
  if (real_parent == NULL)
    {
      set_prepare_error (error, parent, errno);
      return NULL;
    }
  if (strcmp (real_parent, real_folder) != 0
      && !(g_str_has_prefix (real_parent, real_folder)
           && (real_parent[strlen (real_folder)] == G_DIR_SEPARATOR
               || strcmp (real_folder, "/") == 0)))
    {
      g_autofree char *display = g_filename_display_name (relative);

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSAFE_PATH,
                   _("“%s” would be written outside the output folder, through a "
                     "folder that is a link to somewhere else."),
                   display);
      return NULL;
    }

  path = g_build_filename (real_parent, parts[n_parts - 1], NULL);
  return g_steal_pointer (&path);
}
