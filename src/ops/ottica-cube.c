/* ottica-cube.c: the .cube 3D LUT reader.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ottica-cube.h"
#include "../core/ottica-error.h"

/* The OTTICA_ERROR domain, spelled out: the same quark as
 * ottica_error_quark() (G_DEFINE_QUARK (ottica-error-quark, …)), so the
 * GEGL module, which carries the ops without the core, needs no core
 * symbol. The ops suite checks that the two agree. */
#define CUBE_ERROR (g_quark_from_static_string ("ottica-error-quark"))

void
ottica_cube_free (OtticaCube *cube)
{
  if (cube == NULL)
    return;
  g_free (cube->title);
  g_free (cube->data);
  g_free (cube);
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Parses numbers separated by blanks from [p, end) into @values (when not
 * NULL) and returns how many there were, stopping at @max + 1 (too many);
 * -1 where a token is not a number. Non-finite numbers are returned as
 * they are. */
static int
parse_numbers (const char *p,
               const char *end,
               double     *values,
               int         max)
{
  int n = 0;

  while (TRUE)
    {
      char  *stop;
      double v;

      while (p < end && is_blank (*p))
        p++;
      if (p >= end)
        return n;
      if (n == max)
        return max + 1;
      v = g_ascii_strtod (p, &stop);
      if (stop == p || stop > end || (stop < end && !is_blank (*stop)))
        return -1;
      if (values != NULL)
        values[n] = v;
      n++;
      p = stop;
    }
}

static gboolean
parse_size (const char *p,
            const char *end,
            gint64     *size)
{
  char *stop;

  while (p < end && is_blank (*p))
    p++;
  if (p >= end || !g_ascii_isdigit (*p))
    return FALSE;
  /* overflow saturates at G_MAXINT64, which is refused as too large;
   * errno is no witness (see parse_int() in ottica-look.c) */
  *size = g_ascii_strtoll (p, &stop, 10);
  while (stop < end && is_blank (*stop))
    stop++;
  return stop == end;
}

static char *
parse_title (const char *p,
             const char *end)
{
  const char *open, *close;
  g_autofree char *raw = NULL;

  while (p < end && is_blank (*p))
    p++;
  open = memchr (p, '"', end - p);
  close = NULL;
  for (const char *q = end - 1; open != NULL && q > open; q--)
    if (*q == '"')
      {
        close = q;
        break;
      }
  if (open != NULL && close != NULL)
    raw = g_strndup (open + 1, close - open - 1);
  else
    raw = g_strndup (p, end - p);
  return g_utf8_make_valid (g_strstrip (raw), -1);
}

static gboolean
keyword_is (const char *p,
            gsize       len,
            const char *keyword)
{
  return strlen (keyword) == len && memcmp (p, keyword, len) == 0;
}

static OtticaCube *
parse_text (const char  *text,
            gsize        length,
            const char  *name,
            GError     **error)
{
  g_autoptr(OtticaCube) cube = g_new0 (OtticaCube, 1);
  const char *p = text, *end = text + length;
  guint       line = 0;
  gint64      size = -1;
  gsize       expected = 0, count = 0;
  gboolean    has_content = FALSE;

  for (int c = 0; c < 3; c++)
    {
      cube->domain_min[c] = 0.0f;
      cube->domain_max[c] = 1.0f;
    }

  if (length >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *next = eol != NULL ? eol + 1 : end;
      const char *line_end = eol != NULL ? eol : end;
      const char *hash;

      line++;
      while (p < line_end && is_blank (*p))
        p++;
      /* A comment runs to the end of the line (but a TITLE may quote #). */
      if (!(line_end - p >= 5 && memcmp (p, "TITLE", 5) == 0))
        for (hash = p; hash < line_end; hash++)
          if (*hash == '#')
            {
              line_end = hash;
              break;
            }
      while (line_end > p && is_blank (line_end[-1]))
        line_end--;
      if (p == line_end)
        {
          p = next;
          continue;
        }
      has_content = TRUE;

      if (g_ascii_isalpha (*p))
        {
          const char *word_end = p;
          gsize       len;
          double      values[4];
          int         n;

          while (word_end < line_end && !is_blank (*word_end))
            word_end++;
          len = word_end - p;

          if (count > 0)
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                           _("“%s” has a keyword on line %u, after its LUT data began."),
                           name, line);
              return NULL;
            }

          if (keyword_is (p, len, "LUT_1D_SIZE"))
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_UNSUPPORTED,
                           _("“%s” is a 1D LUT; only 3D LUTs can be used."), name);
              return NULL;
            }
          else if (keyword_is (p, len, "LUT_3D_SIZE"))
            {
              if (size >= 0)
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                               _("“%s” gives its LUT_3D_SIZE twice (again on line %u)."),
                               name, line);
                  return NULL;
                }
              if (!parse_size (word_end, line_end, &size))
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                               _("“%s” has a LUT_3D_SIZE on line %u that is not a whole number."),
                               name, line);
                  return NULL;
                }
              if (size > OTTICA_CUBE_MAX_SIZE)
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_TOO_LARGE,
                               _("“%s” has a LUT size of %lld; sizes from %d to %d can be used."),
                               name, (long long) size, OTTICA_CUBE_MIN_SIZE, OTTICA_CUBE_MAX_SIZE);
                  return NULL;
                }
              if (size < OTTICA_CUBE_MIN_SIZE)
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                               _("“%s” has a LUT size of %lld; sizes from %d to %d can be used."),
                               name, (long long) size, OTTICA_CUBE_MIN_SIZE, OTTICA_CUBE_MAX_SIZE);
                  return NULL;
                }
              expected = (gsize) size * size * size;
              cube->size = (guint) size;
              cube->data = g_try_new (float, expected * 3);
              if (cube->data == NULL)
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_TOO_LARGE,
                               _("“%s” is too large to load: there is not enough memory."), name);
                  return NULL;
                }
            }
          else if (keyword_is (p, len, "DOMAIN_MIN") || keyword_is (p, len, "DOMAIN_MAX"))
            {
              gboolean is_min = keyword_is (p, len, "DOMAIN_MIN");

              n = parse_numbers (word_end, line_end, values, 3);
              if (n != 3 || !isfinite (values[0]) || !isfinite (values[1]) || !isfinite (values[2]))
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                               _("“%s” has a %s on line %u that is not three finite numbers."),
                               name, is_min ? "DOMAIN_MIN" : "DOMAIN_MAX", line);
                  return NULL;
                }
              for (int c = 0; c < 3; c++)
                (is_min ? cube->domain_min : cube->domain_max)[c] = (float) values[c];
            }
          else if (keyword_is (p, len, "LUT_3D_INPUT_RANGE"))
            {
              n = parse_numbers (word_end, line_end, values, 2);
              if (n != 2 || !isfinite (values[0]) || !isfinite (values[1]))
                {
                  g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                               _("“%s” has a LUT_3D_INPUT_RANGE on line %u that is not two finite "
                                 "numbers."),
                               name, line);
                  return NULL;
                }
              for (int c = 0; c < 3; c++)
                {
                  cube->domain_min[c] = (float) values[0];
                  cube->domain_max[c] = (float) values[1];
                }
            }
          else if (keyword_is (p, len, "TITLE"))
            {
              g_free (cube->title);
              cube->title = parse_title (word_end, line_end);
            }
          /* Other keywords (LUT_1D_INPUT_RANGE, vendors' own) carry
           * nothing a 3D LUT needs. */
        }
      else
        {
          double values[3];
          int    n;

          if (size < 0)
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                           _("“%s” has data on line %u before its LUT_3D_SIZE line."), name, line);
              return NULL;
            }
          if (count == expected)
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_CORRUPT,
                           _("“%s” has more entries than its size of %u allows (extra data from "
                             "line %u on)."),
                           name, cube->size, line);
              return NULL;
            }
          n = parse_numbers (p, line_end, values, 3);
          if (n == 4)
            n = parse_numbers (p, line_end, NULL, 999);
          if (n < 0)
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                           _("“%s” has something that is not a number on line %u."), name, line);
              return NULL;
            }
          if (n != 3)
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                           g_dngettext (GETTEXT_PACKAGE,
                                        "“%s” has %d value on line %u where 3 are expected.",
                                        "“%s” has %d values on line %u where 3 are expected.", n),
                           name, n, line);
              return NULL;
            }
          if (!isfinite (values[0]) || !isfinite (values[1]) || !isfinite (values[2]))
            {
              g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                           _("“%s” has a value on line %u that is not a finite number."), name, line);
              return NULL;
            }
          for (int c = 0; c < 3; c++)
            cube->data[count * 3 + c] = (float) values[c];
          count++;
        }
      p = next;
    }

  if (!has_content)
    {
      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_CORRUPT, _("“%s” is empty."), name);
      return NULL;
    }
  if (size < 0)
    {
      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” has no LUT_3D_SIZE line, so it is not a 3D LUT."), name);
      return NULL;
    }
  if (count < expected)
    {
      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_CORRUPT,
                   _("“%s” is truncated: it has %zu of the %zu entries a %u-point LUT needs."),
                   name, (size_t) count, (size_t) expected, cube->size);
      return NULL;
    }
  for (int c = 0; c < 3; c++)
    if (!(cube->domain_min[c] < cube->domain_max[c]))
      {
        g_set_error (error, CUBE_ERROR, OTTICA_ERROR_INVALID,
                     _("“%s” has a DOMAIN_MIN that is not below its DOMAIN_MAX."), name);
        return NULL;
      }

  return g_steal_pointer (&cube);
}

OtticaCube *
ottica_cube_parse (const char  *text,
                   gsize        length,
                   const char  *name,
                   GError     **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > OTTICA_CUBE_MAX_BYTES)
    {
      g_autofree char *have = g_format_size (length);
      g_autofree char *limit = g_format_size (OTTICA_CUBE_MAX_BYTES);

      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large for a LUT (%s; the limit is %s)."), name, have, limit);
      return NULL;
    }
  if (length > 0 && memchr (text, '\0', length) != NULL)
    {
      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_UNSUPPORTED,
                   _("“%s” is not a text .cube file."), name);
      return NULL;
    }
  /* The number parser reads up to a terminator. */
  if (length > 0 && text[length] != '\0')
    {
      g_autofree char *copy = g_strndup (text, length);

      return parse_text (copy, length, name, error);
    }
  return parse_text (text, length, name, error);
}

OtticaCube *
ottica_cube_load (const char  *path,
                  GError     **error)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf         st;
  gsize            length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_filename_display_basename (path);
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_NOT_FOUND, _("“%s” cannot be opened: %s."),
                   name, g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_NOT_FOUND, _("“%s” is a folder, not a LUT file."),
                   name);
      return NULL;
    }
  if ((guint64) st.st_size > OTTICA_CUBE_MAX_BYTES)
    {
      g_autofree char *have = g_format_size (st.st_size);
      g_autofree char *limit = g_format_size (OTTICA_CUBE_MAX_BYTES);

      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large for a LUT (%s; the limit is %s)."), name, have, limit);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      g_set_error (error, CUBE_ERROR, OTTICA_ERROR_NOT_FOUND, _("“%s” cannot be read: %s"),
                   name, local_error->message);
      return NULL;
    }
  return ottica_cube_parse (text, length, name, error);
}
