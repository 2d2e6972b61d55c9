/* ottica-sidecar.c: where a photo's edit is stored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"
#include "ottica-sidecar.h"

#define SIDECAR_SUFFIX ".ottica"

char *
ottica_sidecar_path_beside (const char *photo_path)
{
  g_return_val_if_fail (photo_path != NULL, NULL);

  return g_strconcat (photo_path, SIDECAR_SUFFIX, NULL);
}

char *
ottica_sidecar_path_fallback (const char *photo_path)
{
  g_autofree char *absolute = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (photo_path != NULL, NULL);

  absolute = g_canonicalize_filename (photo_path, NULL);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, absolute, -1);
  base = g_path_get_basename (absolute);
  /* 16 hex digits tell apart photos of the same name in other folders. */
  name = g_strdup_printf ("%.16s-%s" SIDECAR_SUFFIX, hash, base);
  return g_build_filename (g_get_user_data_dir (), "ottica", "edits", name, NULL);
}

static gboolean
modified_time (const char *path, GStatBuf *st)
{
  return g_stat (path, st) == 0 && S_ISREG (st->st_mode);
}

char *
ottica_sidecar_find (const char *photo_path)
{
  g_autofree char *beside = NULL;
  g_autofree char *fallback = NULL;
  GStatBuf beside_st, fallback_st;
  gboolean has_beside, has_fallback;

  g_return_val_if_fail (photo_path != NULL, NULL);

  beside = ottica_sidecar_path_beside (photo_path);
  fallback = ottica_sidecar_path_fallback (photo_path);
  has_beside = modified_time (beside, &beside_st);
  has_fallback = modified_time (fallback, &fallback_st);

  if (has_beside && has_fallback)
    {
      gint64 b = (gint64) beside_st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + beside_st.st_mtim.tv_nsec;
      gint64 f = (gint64) fallback_st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + fallback_st.st_mtim.tv_nsec;

      return f > b ? g_steal_pointer (&fallback) : g_steal_pointer (&beside);
    }
  if (has_beside)
    return g_steal_pointer (&beside);
  if (has_fallback)
    return g_steal_pointer (&fallback);
  return NULL;
}

OtticaEdit *
ottica_sidecar_load (const char *photo_path, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (photo_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = ottica_sidecar_find (photo_path);
  if (path == NULL)
    return NULL;
  return ottica_edit_load_as (path, OTTICA_EDIT_KIND_EDIT, error);
}

/* The folder refuses new files: the cases where the fallback helps. Other
 * failures (a full disk, a missing folder) are reported as they are. */
static gboolean
is_not_writable_error (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY);
}

gboolean
ottica_sidecar_save (const char        *photo_path,
                     const OtticaEdit  *edit,
                     char             **written_path,
                     GError           **error)
{
  g_autofree char *beside = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *fallback_dir = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  g_return_val_if_fail (photo_path != NULL, FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data = ottica_edit_to_data (edit, FALSE, &length);
  beside = ottica_sidecar_path_beside (photo_path);
  fallback = ottica_sidecar_path_fallback (photo_path);

  /* Trying is the only reliable test: access() says yes to root on a
   * 0555 folder, and ACLs or mounts can say no to anyone. */
  if (ottica_atomic_file_write (beside, data, length, TRUE, &local_error))
    {
      /* The copy beside the photo is now the newest; drop a stale one. */
      g_unlink (fallback);
      if (written_path != NULL)
        *written_path = g_steal_pointer (&beside);
      return TRUE;
    }
  if (!is_not_writable_error (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  fallback_dir = g_path_get_dirname (fallback);
  if (g_mkdir_with_parents (fallback_dir, 0700) != 0)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (fallback_dir);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("The photo’s folder is read-only and the folder for edits, “%s”, "
                     "could not be created: %s."),
                   display, g_strerror (errsv));
      return FALSE;
    }
  if (!ottica_edit_save (edit, fallback, FALSE, error))
    return FALSE;
  if (written_path != NULL)
    *written_path = g_steal_pointer (&fallback);
  return TRUE;
}
