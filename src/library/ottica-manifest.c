/* ottica-manifest.c: one small atomically written key file per output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"
#include "ottica-manifest.h"

#define GROUP          "Entry"
#define FORMAT_VERSION 1
#define SAMPLE_BYTES   (64 * 1024)
#define ENTRY_SUFFIX   ".entry"

void
ottica_manifest_key_clear (OtticaManifestKey *key)
{
  g_clear_pointer (&key->input, g_free);
  g_clear_pointer (&key->edit, g_free);
  g_clear_pointer (&key->recipe, g_free);
}

static gint64
mtime_ns (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
}

static gboolean
read_sample (int fd, off_t offset, gsize length, GChecksum *checksum)
{
  g_autofree guchar *buffer = g_malloc (MAX (length, 1));
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = pread (fd, buffer + done, length - done, offset + (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  g_checksum_update (checksum, buffer, length);
  return TRUE;
}

char *
ottica_manifest_hash_input (const char  *path,
                            GError     **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *header = NULL;
  struct stat st;
  gsize first, last;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_basename (path);

      if (fd >= 0)
        close (fd);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("Could not read “%s”: %s"), name, g_strerror (saved));
      return NULL;
    }

  header = g_strdup_printf ("size=%" G_GINT64_FORMAT ";mtime=%" G_GINT64_FORMAT ";",
                            (gint64) st.st_size, mtime_ns (&st));
  g_checksum_update (checksum, (const guchar *) header, -1);

  first = (gsize) MIN ((gint64) SAMPLE_BYTES, (gint64) st.st_size);
  last = (gsize) MIN ((gint64) SAMPLE_BYTES, (gint64) st.st_size - (gint64) first);
  if (!read_sample (fd, 0, first, checksum)
      || !read_sample (fd, st.st_size - (off_t) last, last, checksum))
    {
      g_autofree char *name = g_filename_display_basename (path);

      close (fd);
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_CORRUPT,
                   _("Could not read “%s”: it changed or ended while being read."), name);
      return NULL;
    }
  close (fd);
  return g_strdup (g_checksum_get_string (checksum));
}

char *
ottica_manifest_hash_edit (const OtticaEdit *edit,
                           const char       *look_digest)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (edit != NULL, NULL);

  data = ottica_edit_to_data (edit, FALSE, &length);
  g_checksum_update (checksum, (const guchar *) data, length);
  /* Without a digest the hash is the edit's alone, as before looks had
   * digests: outputs written then stay up to date. */
  if (look_digest != NULL)
    {
      g_checksum_update (checksum, (const guchar *) "\n# look-digest=", -1);
      g_checksum_update (checksum, (const guchar *) look_digest, -1);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

char *
ottica_manifest_hash_recipe (const OtticaExportOptions *options,
                             guint64                    target_bytes)
{
  g_autofree char *text = NULL;
  char size[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (options != NULL, NULL);

  /* Everything that changes the bytes; not overwrite (a permission). */
  g_ascii_formatd (size, sizeof size, "%.6f", options->size_value);
  text = g_strdup_printf ("ottica-recipe-%d;quality=%d;chroma=%s;progressive=%d;optimize=%d;"
                          "size=%s:%s;sharpen=%s;color-space=%s;metadata=%s;target=%" G_GUINT64_FORMAT,
                          FORMAT_VERSION,
                          target_bytes != 0 ? 0 : options->quality,
                          ottica_chroma_to_string (options->chroma),
                          options->progressive ? 1 : 0,
                          options->optimize_coding ? 1 : 0,
                          ottica_size_mode_to_string (options->size_mode),
                          options->size_mode == OTTICA_SIZE_ORIGINAL ? "0" : size,
                          ottica_sharpen_to_string (options->sharpen),
                          ottica_color_space_to_string (options->color_space),
                          ottica_metadata_policy_to_string (options->metadata),
                          target_bytes);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

static char *
entry_name (const char *relative)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, relative, -1);

  /* 128 bits are plenty to tell a folder's outputs apart. */
  hash[32] = '\0';
  return g_strconcat (hash, ENTRY_SUFFIX, NULL);
}

char *
ottica_manifest_entry_path (const char *folder,
                            const char *relative)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (folder != NULL && relative != NULL, NULL);

  name = entry_name (relative);
  return g_build_filename (folder, OTTICA_MANIFEST_DIR_NAME, name, NULL);
}

static gboolean
same_key (GKeyFile *file, const OtticaManifestKey *key)
{
  g_autofree char *input = g_key_file_get_string (file, GROUP, "input", NULL);
  g_autofree char *edit = g_key_file_get_string (file, GROUP, "edit", NULL);
  g_autofree char *recipe = g_key_file_get_string (file, GROUP, "recipe", NULL);

  return g_strcmp0 (input, key->input) == 0
         && g_strcmp0 (edit, key->edit) == 0
         && g_strcmp0 (recipe, key->recipe) == 0;
}

static gint64
get_int64 (GKeyFile *file, const char *name)
{
  g_autofree char *text = g_key_file_get_string (file, GROUP, name, NULL);

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : -1;
}

OtticaManifestState
ottica_manifest_check (const char              *folder,
                       const char              *relative,
                       const OtticaManifestKey *key)
{
  g_autofree char *entry_path = NULL;
  g_autofree char *output_path = NULL;
  g_autofree char *state = NULL;
  g_autofree char *stored_output = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  struct stat output_st, entry_st;
  gboolean has_output, has_entry;

  g_return_val_if_fail (folder != NULL && relative != NULL && key != NULL,
                        OTTICA_MANIFEST_FOREIGN);

  entry_path = ottica_manifest_entry_path (folder, relative);
  output_path = g_build_filename (folder, relative, NULL);
  has_output = g_lstat (output_path, &output_st) == 0;
  /* An unreadable or damaged entry is no entry: the output then needs
   * overwrite, which errs on the side of the user's files. */
  has_entry = g_stat (entry_path, &entry_st) == 0
              && g_key_file_load_from_file (file, entry_path, G_KEY_FILE_NONE, NULL);
  if (has_entry)
    {
      stored_output = g_key_file_get_string (file, GROUP, "output", NULL);
      state = g_key_file_get_string (file, GROUP, "state", NULL);
      /* A hash collision between two names: treat as no entry. */
      if (g_strcmp0 (stored_output, relative) != 0 || state == NULL)
        has_entry = FALSE;
    }

  if (!has_output)
    return has_entry ? OTTICA_MANIFEST_STALE : OTTICA_MANIFEST_ABSENT;
  if (!has_entry || !S_ISREG (output_st.st_mode))
    return OTTICA_MANIFEST_FOREIGN;

  if (strcmp (state, "done") == 0)
    {
      if (get_int64 (file, "output-size") != (gint64) output_st.st_size
          || get_int64 (file, "output-mtime") != mtime_ns (&output_st)
          || get_int64 (file, "output-inode") != (gint64) output_st.st_ino)
        return OTTICA_MANIFEST_FOREIGN;
      return same_key (file, key) ? OTTICA_MANIFEST_UP_TO_DATE : OTTICA_MANIFEST_STALE;
    }

  if (strcmp (state, "pending") == 0)
    {
      /* Renamed into place after the intent was recorded: a finished
       * export whose "done" entry a kill -9 prevented. Record it now. */
      if (mtime_ns (&output_st) >= mtime_ns (&entry_st) && same_key (file, key))
        {
          if (ottica_manifest_commit (folder, relative, key, NULL))
            return OTTICA_MANIFEST_UP_TO_DATE;
        }
      /* We meant to replace it, so it is ours to replace. */
      return OTTICA_MANIFEST_STALE;
    }

  return OTTICA_MANIFEST_FOREIGN;
}

static gboolean
write_entry (const char               *folder,
             const char               *relative,
             const OtticaManifestKey  *key,
             const char               *state,
             const struct stat        *output_st,
             GError                  **error)
{
  g_autofree char *entry_path = ottica_manifest_entry_path (folder, relative);
  g_autofree char *dir = g_path_get_dirname (entry_path);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize length;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_name (dir);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder “%s”: %s"), name, g_strerror (saved));
      return FALSE;
    }

  g_key_file_set_integer (file, GROUP, "version", FORMAT_VERSION);
  g_key_file_set_string (file, GROUP, "output", relative);
  g_key_file_set_string (file, GROUP, "state", state);
  g_key_file_set_string (file, GROUP, "input", key->input);
  g_key_file_set_string (file, GROUP, "edit", key->edit);
  g_key_file_set_string (file, GROUP, "recipe", key->recipe);
  if (output_st != NULL)
    {
      g_key_file_set_int64 (file, GROUP, "output-size", (gint64) output_st->st_size);
      g_key_file_set_int64 (file, GROUP, "output-mtime", mtime_ns (output_st));
      g_key_file_set_int64 (file, GROUP, "output-inode", (gint64) output_st->st_ino);
    }
  data = g_key_file_to_data (file, &length, NULL);
  return ottica_atomic_file_write (entry_path, data, length, TRUE, error);
}

gboolean
ottica_manifest_begin (const char               *folder,
                       const char               *relative,
                       const OtticaManifestKey  *key,
                       GError                  **error)
{
  g_return_val_if_fail (folder != NULL && relative != NULL && key != NULL, FALSE);

  return write_entry (folder, relative, key, "pending", NULL, error);
}

gboolean
ottica_manifest_commit (const char               *folder,
                        const char               *relative,
                        const OtticaManifestKey  *key,
                        GError                  **error)
{
  g_autofree char *output_path = NULL;
  struct stat st;

  g_return_val_if_fail (folder != NULL && relative != NULL && key != NULL, FALSE);

  output_path = g_build_filename (folder, relative, NULL);
  if (g_stat (output_path, &st) != 0)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_basename (output_path);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not read “%s”: %s"), name, g_strerror (saved));
      return FALSE;
    }
  return write_entry (folder, relative, key, "done", &st, error);
}

/* Removes ".@name.XXXXXX.part" files in @dir. */
static guint
remove_temporaries_of (const char *dir, const char *name)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (".", name, ".", NULL);
  gsize expected = strlen (prefix) + strlen ("XXXXXX.part");
  const char *child;
  guint removed = 0;

  if (handle == NULL)
    return 0;
  while ((child = g_dir_read_name (handle)) != NULL)
    {
      if (g_str_has_prefix (child, prefix) && strlen (child) == expected
          && ottica_atomic_file_is_temporary (child))
        {
          g_autofree char *path = g_build_filename (dir, child, NULL);

          if (g_unlink (path) == 0)
            removed++;
        }
    }
  return removed;
}

guint
ottica_manifest_remove_temporaries (const char *folder,
                                    const char *relative)
{
  g_autofree char *output_path = NULL;
  g_autofree char *output_dir = NULL;
  g_autofree char *output_name = NULL;
  g_autofree char *entry_path = NULL;
  g_autofree char *entry_dir = NULL;
  g_autofree char *entry_base = NULL;

  g_return_val_if_fail (folder != NULL && relative != NULL, 0);

  output_path = g_build_filename (folder, relative, NULL);
  output_dir = g_path_get_dirname (output_path);
  output_name = g_path_get_basename (output_path);
  entry_path = ottica_manifest_entry_path (folder, relative);
  entry_dir = g_path_get_dirname (entry_path);
  entry_base = g_path_get_basename (entry_path);

  return remove_temporaries_of (output_dir, output_name)
         + remove_temporaries_of (entry_dir, entry_base);
}
