/* ottica-look-library.c: the built-in looks (a GResource compiled from
 * data/looks/) and the user's (*.look and *.cube files in
 * $XDG_DATA_HOME/ottica/looks/), loaded once per process.
 *
 * The library hands out pointers that stay valid for the process: a
 * change (an import) publishes a new snapshot and keeps the old ones, so
 * that a thread iterating an old list is never pulled from under.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <errno.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"
#include "ottica-look-library.h"
#include "ottica-looks-resources.h"

#define BUILTIN_LOOKS_PATH "/io/github/ottica/Ottica/looks/"

/* Past this many files the user folder is not a look collection. */
#define MAX_USER_LOOKS 2000

/* The built-in looks' names and descriptions as they appear in
 * the files in data/looks, listed here so that xgettext finds them; the files
 * carry the English text and ottica_look_get_name() translates it, names in
 * the context "look name" ("Neutral" is a look here, not a colour). The
 * library reports a built-in look whose strings are missing here, and
 * test-looks fails on that report. */
static const char * const builtin_strings[] = {
  NC_("look name", "Analog Warm"),
  N_("Warm and gently faded, with washed blacks and soft colour, like a print from a film negative."),
  NC_("look name", "Blue Tone"),
  N_("Black and white with a cool blue toning through the midtones."),
  NC_("look name", "Blue Tone Strong"),
  N_("Black and white with a deep blue toning through the midtones."),
  NC_("look name", "Bright Street"),
  N_("Lifted shadows, vivid but skin-safe colour and crisp detail, for everyday street scenes."),
  NC_("look name", "Documentary"),
  N_("Deep blacks, a soft highlight roll-off, natural slightly warm colour and strong lens falloff."),
  NC_("look name", "Faded Cinema"),
  N_("Faded blacks and muted colour, with cool shadows and warm highlights."),
  NC_("look name", "Hard Mono"),
  N_("Hard black and white through a red filter: dark skies, deep blacks, bright skin."),
  NC_("look name", "Modern Portrait"),
  N_("Bright shadows, natural colour and gently warm skin, for portraits."),
  NC_("look name", "Neutral"),
  N_("Faithful colour and a touch of contrast, close to a camera’s standard setting."),
  NC_("look name", "Selenium Tone"),
  N_("Black and white with deeper blacks and a cool purple-brown selenium toning in the shadows."),
  NC_("look name", "Selenium Tone Strong"),
  N_("Black and white with deep blacks and a strong purple-brown selenium toning in the shadows."),
  NC_("look name", "Sepia Tone"),
  N_("Black and white with a light warm-brown sepia toning."),
  NC_("look name", "Sepia Tone Strong"),
  N_("Black and white with a rich warm-brown sepia toning."),
  NC_("look name", "Silver Mono"),
  N_("Even black and white with natural grey tones, a soft shoulder and fine grain."),
  NC_("look name", "Slide Film"),
  N_("Firm contrast, dense saturated colour and rich blues, like a colour slide."),
  NC_("look name", "Soft Natural"),
  N_("Gentle contrast and softer colour that flatter skin and keep detail in the shadows."),
  NC_("look name", "Vivid"),
  N_("Punchy contrast and saturated colour, with livelier blues and greens."),
  NULL
};

typedef struct
{
  GPtrArray  *looks;  /* OtticaLook*, built-in first, each part by name */
  GHashTable *by_id;  /* id → OtticaLook* (borrowed from looks) */
} Snapshot;

static GMutex     library_lock;
static Snapshot  *current;          /* guarded by library_lock */
static GPtrArray *retired;          /* old snapshots, kept alive */
static GPtrArray *load_errors;      /* GError*, from the first load */

static gboolean
is_builtin_string (const char *text)
{
  for (guint i = 0; builtin_strings[i] != NULL; i++)
    if (g_str_equal (builtin_strings[i], text))
      return TRUE;
  return FALSE;
}

static int
compare_looks (gconstpointer a, gconstpointer b)
{
  const OtticaLook *look_a = *(const OtticaLook * const *) a;
  const OtticaLook *look_b = *(const OtticaLook * const *) b;
  int result;

  if (ottica_look_is_builtin (look_a) != ottica_look_is_builtin (look_b))
    return ottica_look_is_builtin (look_a) ? -1 : 1;
  result = g_utf8_collate (ottica_look_get_name (look_a), ottica_look_get_name (look_b));
  return result != 0 ? result : g_strcmp0 (ottica_look_get_id (look_a), ottica_look_get_id (look_b));
}

static Snapshot *
snapshot_new (GPtrArray *looks)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);

  g_ptr_array_sort (looks, compare_looks);
  snapshot->looks = looks;
  snapshot->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < looks->len; i++)
    {
      OtticaLook *look = g_ptr_array_index (looks, i);

      g_hash_table_insert (snapshot->by_id, (gpointer) ottica_look_get_id (look), look);
    }
  return snapshot;
}

const char *
ottica_look_library_user_dir (void)
{
  static gsize once = 0;
  static char *dir;

  if (g_once_init_enter (&once))
    {
      dir = g_build_filename (g_get_user_data_dir (), "ottica", "looks", NULL);
      g_once_init_leave (&once, 1);
    }
  return dir;
}

static void
load_builtin (GPtrArray *looks, GHashTable *ids, GPtrArray *errors)
{
  /* Asking for the resource by name also keeps the linker from dropping
   * it from the static library (its constructor registers it). */
  GResource *resource = ottica_looks_get_resource ();
  g_auto(GStrv) names = g_resource_enumerate_children (resource, BUILTIN_LOOKS_PATH,
                                                       G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  if (names == NULL)
    {
      g_ptr_array_add (errors, g_error_new (OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                                            _("The built-in looks are missing from this build.")));
      return;
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (BUILTIN_LOOKS_PATH, names[i], NULL);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      OtticaLook *look;

      if (!g_str_has_suffix (names[i], ".look"))
        continue;
      bytes = g_resource_lookup_data (resource, path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      look = bytes != NULL ? ottica_look_new_from_bytes (bytes, names[i], TRUE, &error) : NULL;
      if (look == NULL)
        {
          g_critical ("Built-in look %s: %s", names[i], error->message);
          g_ptr_array_add (errors, g_steal_pointer (&error));
          continue;
        }
      if (g_hash_table_contains (ids, ottica_look_get_id (look)))
        {
          g_ptr_array_add (errors, g_error_new (OTTICA_ERROR, OTTICA_ERROR_INVALID,
                                                _("“%s” has the id “%s” of another built-in look."),
                                                names[i], ottica_look_get_id (look)));
          ottica_look_unref (look);
          continue;
        }
      /* A programming error, reported so that the tests catch it. */
      {
        g_autoptr(GKeyFile) key_file = g_key_file_new ();
        g_autofree char *name = NULL;
        g_autofree char *description = NULL;

        g_key_file_load_from_bytes (key_file, bytes, G_KEY_FILE_NONE, NULL);
        name = g_key_file_get_string (key_file, "Look", "name", NULL);
        description = g_key_file_get_string (key_file, "Look", "description", NULL);
        if (name == NULL || !is_builtin_string (name)
            || description == NULL || !is_builtin_string (description))
          g_ptr_array_add (errors, g_error_new (OTTICA_ERROR, OTTICA_ERROR_INVALID,
                                                "Built-in look “%s”: its name or description is "
                                                "missing from the translatable strings in %s.",
                                                names[i], __FILE__));
      }
      g_hash_table_insert (ids, (gpointer) ottica_look_get_id (look), look);
      g_ptr_array_add (looks, look);
    }
}

static gboolean
is_look_file_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return name[0] != '.' && (g_str_has_suffix (lower, ".look") || g_str_has_suffix (lower, ".cube"));
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GError *
shadow_error (const OtticaLook *look, const OtticaLook *other)
{
  if (ottica_look_is_builtin (other))
    return g_error_new (OTTICA_ERROR, OTTICA_ERROR_INVALID,
                        _("“%s” has the id “%s”, which belongs to a built-in look; give it another id."),
                        ottica_look_get_file_name (look), ottica_look_get_id (look));
  return g_error_new (OTTICA_ERROR, OTTICA_ERROR_INVALID,
                      _("“%s” has the id “%s”, which “%s” already uses; give it another id."),
                      ottica_look_get_file_name (look), ottica_look_get_id (look),
                      ottica_look_get_file_name (other));
}

static void
load_user (GPtrArray *looks, GHashTable *ids, GPtrArray *errors)
{
  const char *dir_path = ottica_look_library_user_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  GDir *dir;
  const char *name;

  dir = g_dir_open (dir_path, 0, &error);
  if (dir == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_ptr_array_add (errors, g_error_new (OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                                              _("The looks folder “%s” cannot be read: %s"),
                                              dir_path, error->message));
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_look_file_name (name))
      g_ptr_array_add (files, g_strdup (name));
  g_dir_close (dir);

  /* Files in name order, so that which of two clashing ids wins does not
   * depend on the directory's order. */
  g_ptr_array_sort (files, compare_strings);

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (dir_path, g_ptr_array_index (files, i), NULL);
      g_autoptr(GError) look_error = NULL;
      OtticaLook *look;
      OtticaLook *other;

      if (i == MAX_USER_LOOKS)
        {
          g_ptr_array_add (errors, g_error_new (OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                                                _("The looks folder “%s” has more than %d looks; "
                                                  "the rest are not loaded."),
                                                dir_path, MAX_USER_LOOKS));
          break;
        }
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      look = ottica_look_load (path, &look_error);
      if (look == NULL)
        {
          g_ptr_array_add (errors, g_steal_pointer (&look_error));
          continue;
        }
      other = g_hash_table_lookup (ids, ottica_look_get_id (look));
      if (other != NULL)
        {
          g_ptr_array_add (errors, shadow_error (look, other));
          ottica_look_unref (look);
          continue;
        }
      g_hash_table_insert (ids, (gpointer) ottica_look_get_id (look), look);
      g_ptr_array_add (looks, look);
    }
}

static void
ensure_loaded (void)
{
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      GPtrArray *looks = g_ptr_array_new ();
      g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      GPtrArray *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);

      ottica_look_op_ensure_registered ();
      load_builtin (looks, ids, errors);
      load_user (looks, ids, errors);

      g_mutex_lock (&library_lock);
      current = snapshot_new (looks);
      retired = g_ptr_array_new ();
      load_errors = errors;
      g_mutex_unlock (&library_lock);

      g_once_init_leave (&loaded, 1);
    }
}

static Snapshot *
current_snapshot (void)
{
  Snapshot *snapshot;

  ensure_loaded ();
  g_mutex_lock (&library_lock);
  snapshot = current;
  g_mutex_unlock (&library_lock);
  return snapshot;
}

GPtrArray *
ottica_look_library_list (GPtrArray **errors)
{
  Snapshot *snapshot = current_snapshot ();

  if (errors != NULL)
    {
      if (*errors == NULL)
        *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
      for (guint i = 0; i < load_errors->len; i++)
        g_ptr_array_add (*errors, g_error_copy (g_ptr_array_index (load_errors, i)));
    }
  return snapshot->looks;
}

const OtticaLook *
ottica_look_library_find (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_hash_table_lookup (current_snapshot ()->by_id, id);
}

static char *
import_destination (const OtticaLook *look, const OtticaLook *existing)
{
  g_autofree char *base = NULL;

  /* Replace the file that holds the id now, so that the folder never has
   * two files with one id. */
  if (existing != NULL && ottica_look_get_path (existing) != NULL)
    return g_strdup (ottica_look_get_path (existing));
  base = g_strconcat (ottica_look_get_id (look), ottica_look_is_lut (look) ? ".cube" : ".look", NULL);
  return g_build_filename (ottica_look_library_user_dir (), base, NULL);
}

const OtticaLook *
ottica_look_library_import (const char  *path,
                            gboolean     overwrite,
                            GError     **error)
{
  g_autoptr(OtticaLook) candidate = NULL;
  g_autoptr(OtticaLook) installed = NULL;
  g_autofree char *destination = NULL;
  const OtticaLook *existing;
  Snapshot *snapshot;
  GPtrArray *looks;
  gsize length;
  const char *data;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_loaded ();
  candidate = ottica_look_load (path, error);
  if (candidate == NULL)
    return NULL;

  /* One import at a time; readers keep going on the old snapshot. */
  g_mutex_lock (&library_lock);
  existing = g_hash_table_lookup (current->by_id, ottica_look_get_id (candidate));
  if (existing != NULL && ottica_look_is_builtin (existing))
    {
      g_propagate_error (error, shadow_error (candidate, existing));
      g_mutex_unlock (&library_lock);
      return NULL;
    }
  if (existing != NULL && g_bytes_equal (ottica_look_get_bytes (existing), ottica_look_get_bytes (candidate)))
    {
      g_mutex_unlock (&library_lock);
      return existing;  /* the same look again */
    }
  if (existing != NULL && !overwrite)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS,
                   _("“%s” has the id “%s”, which the different look “%s” already uses; "
                     "replace it or give the new look another id."),
                   ottica_look_get_file_name (candidate), ottica_look_get_id (candidate),
                   ottica_look_get_file_name (existing));
      g_mutex_unlock (&library_lock);
      return NULL;
    }

  destination = import_destination (candidate, existing);
  if (g_mkdir_with_parents (ottica_look_library_user_dir (), 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_FAILED,
                   _("The looks folder “%s” cannot be made: %s"),
                   ottica_look_library_user_dir (), g_strerror (saved_errno));
      g_mutex_unlock (&library_lock);
      return NULL;
    }
  data = g_bytes_get_data (ottica_look_get_bytes (candidate), &length);
  /* A file there that is no look of ours (a broken one) is replaced only
   * when asked. */
  if (!ottica_atomic_file_write (destination, data, length, existing != NULL || overwrite, error))
    {
      g_mutex_unlock (&library_lock);
      return NULL;
    }
  installed = ottica_look_load (destination, error);
  if (installed == NULL)
    {
      g_mutex_unlock (&library_lock);
      return NULL;
    }

  looks = g_ptr_array_new ();
  for (guint i = 0; i < current->looks->len; i++)
    if (g_ptr_array_index (current->looks, i) != existing)
      g_ptr_array_add (looks, g_ptr_array_index (current->looks, i));
  g_ptr_array_add (looks, installed);
  snapshot = snapshot_new (looks);
  g_ptr_array_add (retired, current);
  current = snapshot;
  g_mutex_unlock (&library_lock);

  /* The library keeps every look it ever listed. */
  return g_steal_pointer (&installed);
}
