/* ottica-atomic-file.c: temp file + fsync + rename.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"

#define TEMP_SUFFIX ".part"

/* "Could not write “NAME”: No space left on device" */
static void
set_io_error (GError **error, int errsv, gboolean creating, const char *path)
{
  g_autofree char *display = g_filename_display_basename (path);
  g_autofree char *what = NULL;

  if (creating)
    what = g_strdup_printf (_("Could not create a file in the folder of “%s”"), display);
  else
    what = g_strdup_printf (_("Could not write “%s”"), display);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s: %s", what, g_strerror (errsv));
}

int
ottica_atomic_file_open_temp (const char  *path,
                              char       **temp_path,
                              GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *template = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, -1);
  g_return_val_if_fail (temp_path != NULL, -1);

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  /* Hidden, beside the target (rename must not cross file systems), and
   * recognisable so that a crashed run's leftovers can be removed. */
  template = g_strdup_printf ("%s/.%s.XXXXXX" TEMP_SUFFIX, dir, base);

  fd = g_mkstemp_full (template, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      set_io_error (error, errno, TRUE, path);
      return -1;
    }

  *temp_path = g_steal_pointer (&template);
  return fd;
}

void
ottica_atomic_file_abandon (int fd, const char *temp_path)
{
  if (fd >= 0)
    close (fd);
  if (temp_path != NULL)
    g_unlink (temp_path);
}

gboolean
ottica_atomic_file_commit (int          fd,
                           const char  *temp_path,
                           const char  *path,
                           gboolean     overwrite,
                           GError     **error)
{
  g_return_val_if_fail (temp_path != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (fd >= 0)
    {
      if (fsync (fd) != 0 || close (fd) != 0)
        {
          int errsv = errno;

          g_unlink (temp_path);
          set_io_error (error, errsv, FALSE, path);
          return FALSE;
        }
    }

  if (overwrite)
    {
      if (g_rename (temp_path, path) != 0)
        {
          int errsv = errno;

          g_unlink (temp_path);
          set_io_error (error, errsv, FALSE, path);
          return FALSE;
        }
      return TRUE;
    }

  /* link() fails when the name exists, so two writers can never replace
   * each other's file, unlike a check followed by rename(). */
  if (link (temp_path, path) != 0)
    {
      int errsv = errno;

      g_unlink (temp_path);
      if (errsv == EEXIST)
        {
          g_autofree char *display = g_filename_display_basename (path);

          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS,
                       _("“%s” already exists; it was left as it is "
                         "(ask to overwrite to replace it)."),
                       display);
        }
      else
        {
          set_io_error (error, errsv, FALSE, path);
        }
      return FALSE;
    }

  g_unlink (temp_path);
  return TRUE;
}

gboolean
ottica_atomic_file_write (const char  *path,
                          const void  *data,
                          gsize        length,
                          gboolean     overwrite,
                          GError     **error)
{
  g_autofree char *temp_path = NULL;
  const guint8 *p = data;
  int fd;

  fd = ottica_atomic_file_open_temp (path, &temp_path, error);
  if (fd < 0)
    return FALSE;

  while (length > 0)
    {
      ssize_t written = write (fd, p, length);

      if (written < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          ottica_atomic_file_abandon (fd, temp_path);
          set_io_error (error, errsv, FALSE, path);
          return FALSE;
        }
      p += written;
      length -= (gsize) written;
    }

  return ottica_atomic_file_commit (fd, temp_path, path, overwrite, error);
}

gboolean
ottica_atomic_file_is_temporary (const char *basename)
{
  gsize len;

  g_return_val_if_fail (basename != NULL, FALSE);

  len = strlen (basename);
  /* ".NAME.XXXXXX.part" */
  return basename[0] == '.' && len > strlen (".x.XXXXXX" TEMP_SUFFIX)
         && g_str_has_suffix (basename, TEMP_SUFFIX)
         && basename[len - strlen (TEMP_SUFFIX) - 7] == '.';
}
