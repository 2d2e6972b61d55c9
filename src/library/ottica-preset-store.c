/* ottica-preset-store.c: presets as files in $XDG_DATA_HOME/ottica/presets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"
#include "ottica-preset-store.h"

char *
ottica_preset_store_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "ottica", "presets", NULL);
}

static gboolean
needs_escape (gunichar c, gboolean first)
{
  return c == '/' || c == '\\' || c == '%' || g_unichar_iscntrl (c) || (first && c == '.');
}

/* The trimmed name, or NULL with @error when it cannot name a preset. */
static char *
clean_name (const char *name, GError **error)
{
  g_autofree char *trimmed = NULL;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("A preset name must be readable text."));
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (name));
  if (*trimmed == '\0')
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("A preset needs a name."));
      return NULL;
    }
  if (g_utf8_strlen (trimmed, -1) > OTTICA_PRESET_NAME_MAX)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   g_dngettext (NULL,
                                "A preset name can have at most %d character.",
                                "A preset name can have at most %d characters.",
                                OTTICA_PRESET_NAME_MAX),
                   OTTICA_PRESET_NAME_MAX);
      return NULL;
    }
  return g_steal_pointer (&trimmed);
}

char *
ottica_preset_store_file_name_for (const char *name, GError **error)
{
  g_autofree char *clean = clean_name (name, error);
  GString *out;

  if (clean == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (const char *p = clean; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (needs_escape (c, p == clean))
        {
          /* every escaped character is ASCII or a C1 control (2 bytes) */
          for (const char *b = p; b < g_utf8_next_char (p); b++)
            g_string_append_printf (out, "%%%02X", (guchar) *b);
        }
      else
        {
          g_string_append_len (out, p, g_utf8_next_char (p) - p);
        }
    }
  g_string_append (out, OTTICA_PRESET_SUFFIX);
  return g_string_free (out, FALSE);
}

char *
ottica_preset_store_name_for_file (const char *file_name)
{
  g_autofree char *base = NULL;
  GString *out;
  gsize len;

  g_return_val_if_fail (file_name != NULL, NULL);

  base = g_path_get_basename (file_name);
  if (!g_str_has_suffix (base, OTTICA_PRESET_SUFFIX) || base[0] == '.')
    return NULL;
  len = strlen (base) - strlen (OTTICA_PRESET_SUFFIX);
  if (len == 0)
    return NULL;

  out = g_string_new (NULL);
  for (gsize i = 0; i < len; i++)
    {
      if (base[i] == '%' && i + 2 < len
          && g_ascii_isxdigit (base[i + 1]) && g_ascii_isxdigit (base[i + 2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (base[i + 1]) * 16
                                          + g_ascii_xdigit_value (base[i + 2])));
          i += 2;
        }
      else
        {
          g_string_append_c (out, base[i]);
        }
    }

  if (!g_utf8_validate (out->str, out->len, NULL) || memchr (out->str, '\0', out->len) != NULL)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* The path of preset @name; NULL with @error for an unacceptable name. */
static char *
path_for (const char *name, GError **error)
{
  g_autofree char *dir = ottica_preset_store_dir ();
  g_autofree char *file_name = ottica_preset_store_file_name_for (name, error);

  if (file_name == NULL)
    return NULL;
  return g_build_filename (dir, file_name, NULL);
}

static gboolean
ensure_dir (GError **error)
{
  g_autofree char *dir = ottica_preset_store_dir ();

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (dir);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the presets folder “%s”: %s"),
                   display, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static void
set_not_found (GError **error, const char *name)
{
  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
               _("There is no preset named “%s”."), name);
}

static void
set_exists (GError **error, const char *name)
{
  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS,
               _("A preset named “%s” already exists."), name);
}

typedef struct
{
  char *key;
  char *name;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->key);
  g_free (entry->name);
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;
  int c = strcmp (x->key, y->key);

  return c != 0 ? c : strcmp (x->name, y->name);
}

GPtrArray *
ottica_preset_store_list (GError **error)
{
  g_autofree char *dir_path = ottica_preset_store_dir ();
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  GPtrArray *names;
  const char *file_name;

  g_array_set_clear_func (entries, entry_clear);
  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_ptr_array_new_with_free_func (g_free);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  while ((file_name = g_dir_read_name (dir)) != NULL)
    {
      Entry entry;
      g_autofree char *folded = NULL;

      if (ottica_atomic_file_is_temporary (file_name))
        continue;
      entry.name = ottica_preset_store_name_for_file (file_name);
      if (entry.name == NULL)
        continue;
      folded = g_utf8_casefold (entry.name, -1);
      entry.key = g_utf8_collate_key_for_filename (folded, -1);
      g_array_append_val (entries, entry);
    }
  g_array_sort (entries, compare_entries);

  names = g_ptr_array_new_full (entries->len, g_free);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (names, g_strdup (g_array_index (entries, Entry, i).name));
  return names;
}

gboolean
ottica_preset_store_save (const char       *name,
                          const OtticaEdit *edit,
                          gboolean          overwrite,
                          GError          **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *clean = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  clean = clean_name (name, error);
  if (clean == NULL)
    return FALSE;
  path = path_for (clean, error);
  if (path == NULL || !ensure_dir (error))
    return FALSE;

  data = ottica_edit_to_data (edit, TRUE, &length);
  if (!ottica_atomic_file_write (path, data, length, overwrite, &local_error))
    {
      if (g_error_matches (local_error, OTTICA_ERROR, OTTICA_ERROR_EXISTS))
        set_exists (error, clean);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

OtticaEdit *
ottica_preset_store_load (const char *name, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *clean = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  clean = clean_name (name, error);
  if (clean == NULL)
    return NULL;
  path = path_for (clean, error);
  if (path == NULL)
    return NULL;
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      set_not_found (error, clean);
      return NULL;
    }
  return ottica_edit_load_as (path, OTTICA_EDIT_KIND_PRESET, error);
}

gboolean
ottica_preset_store_delete (const char *name, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *clean = NULL;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  clean = clean_name (name, error);
  if (clean == NULL)
    return FALSE;
  path = path_for (clean, error);
  if (path == NULL)
    return FALSE;
  if (g_unlink (path) != 0)
    {
      int errsv = errno;

      if (errsv == ENOENT)
        set_not_found (error, clean);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     _("Could not delete the preset “%s”: %s"), clean, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

char *
ottica_preset_store_import (const char *path,
                            gboolean    overwrite,
                            GError    **error)
{
  g_autoptr(OtticaEdit) preset = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  preset = ottica_edit_load_as (path, OTTICA_EDIT_KIND_PRESET, error);
  if (preset == NULL)
    return NULL;

  /* "Beach.preset" → "Beach"; a file named otherwise keeps its stem */
  name = ottica_preset_store_name_for_file (path);
  if (name == NULL)
    {
      char *dot;

      base = g_filename_display_basename (path);
      dot = strrchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
      name = g_strdup (base);
    }

  if (!ottica_preset_store_save (name, preset, overwrite, error))
    return NULL;
  return clean_name (name, NULL);
}

gboolean
ottica_preset_store_export (const char *name,
                            const char *path,
                            gboolean    overwrite,
                            GError    **error)
{
  g_autoptr(OtticaEdit) preset = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  preset = ottica_preset_store_load (name, error);
  if (preset == NULL)
    return FALSE;
  data = ottica_edit_to_data (preset, TRUE, &length);
  return ottica_atomic_file_write (path, data, length, overwrite, error);
}
