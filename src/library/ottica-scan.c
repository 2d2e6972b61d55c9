/* ottica-scan.c: files and folders → a sorted list of photos.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "ottica-atomic-file.h"
#include "ottica-error.h"
#include "ottica-image.h"
#include "ottica-scan.h"

#define SIDECAR_SUFFIX ".ottica"

/* A file or folder by identity, so that two paths to it count once. */
typedef struct
{
  dev_t dev;
  ino_t ino;
} FileId;

static guint
file_id_hash (gconstpointer key)
{
  const FileId *id = key;

  return g_int64_hash (&(gint64) { (gint64) id->ino }) ^ (guint) id->dev;
}

static gboolean
file_id_equal (gconstpointer a, gconstpointer b)
{
  const FileId *x = a, *y = b;

  return x->dev == y->dev && x->ino == y->ino;
}

static FileId *
file_id_new (const GStatBuf *st)
{
  FileId *id = g_new (FileId, 1);

  id->dev = st->st_dev;
  id->ino = st->st_ino;
  return id;
}

typedef struct
{
  const OtticaScanOptions *options;
  GCancellable *cancellable;
  GHashTable   *skip_folders;   /* FileId set */
  GHashTable   *visiting;       /* FileId set: folders on the current path */
  GPtrArray    *found;          /* Found* */
} Scan;

typedef struct
{
  char   *path;
  char   *sort_key;
  FileId  id;
} Found;

static void
found_free (gpointer data)
{
  Found *found = data;

  g_free (found->path);
  g_free (found->sort_key);
  g_free (found);
}

static void
add_found (Scan *scan, const char *path, const GStatBuf *st)
{
  Found *found = g_new0 (Found, 1);
  g_autofree char *display = g_filename_display_name (path);

  found->path = g_strdup (path);
  found->sort_key = g_utf8_collate_key_for_filename (display, -1);
  found->id.dev = st->st_dev;
  found->id.ino = st->st_ino;
  g_ptr_array_add (scan->found, found);
}

gboolean
ottica_scan_is_ignored_name (const char *basename)
{
  g_return_val_if_fail (basename != NULL, TRUE);

  /* Hidden files include our temporaries (".NAME.XXXXXX.part"); checking
   * those by name too keeps this right if their naming ever changes. */
  return basename[0] == '.'
         || ottica_atomic_file_is_temporary (basename)
         || g_str_has_suffix (basename, SIDECAR_SUFFIX);
}

static gboolean
is_skipped_folder_name (const Scan *scan, const char *basename)
{
  const char * const *names = scan->options->skip_folder_names;

  if (basename[0] == '.')
    return TRUE;
  for (; names != NULL && *names != NULL; names++)
    if (strcmp (*names, basename) == 0)
      return TRUE;
  return FALSE;
}

static int
file_error_to_errno (const GError *error)
{
  if (error->domain != G_FILE_ERROR)
    return EIO;
  switch (error->code)
    {
    case G_FILE_ERROR_ACCES: return EACCES;
    case G_FILE_ERROR_PERM: return EPERM;
    case G_FILE_ERROR_NOENT: return ENOENT;
    case G_FILE_ERROR_NOTDIR: return ENOTDIR;
    case G_FILE_ERROR_MFILE: return EMFILE;
    case G_FILE_ERROR_NOMEM: return ENOMEM;
    default: return EIO;
    }
}

static gboolean
set_folder_error (GError **error, const char *path, int errsv)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
               _("The folder “%s” could not be read: %s."),
               display, g_strerror (errsv));
  return FALSE;
}

/* @named: the person named this folder, so it is scanned even when it
 * is the output folder or hidden; below it, those are skipped. */
static gboolean
scan_folder (Scan            *scan,
             const char      *path,
             const GStatBuf  *folder_st,
             gboolean         named,
             GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) subfolders = g_ptr_array_new_with_free_func (g_free);
  FileId key = { folder_st->st_dev, folder_st->st_ino };
  const char *name;
  GDir *dir;
  gboolean ok = TRUE;

  if (!named && g_hash_table_contains (scan->skip_folders, &key))
    return TRUE;
  /* A symbolic link back to a folder we are inside: a loop. */
  if (g_hash_table_contains (scan->visiting, &key))
    return TRUE;

  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    return set_folder_error (error, path, file_error_to_errno (local_error));

  g_hash_table_add (scan->visiting, file_id_new (folder_st));

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = NULL;
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (scan->cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (name[0] == '.')
        continue;

      child = g_build_filename (path, name, NULL);
      /* stat, not lstat: a link to a photo or folder counts as what it
       * points to; a dangling one is skipped. */
      if (g_stat (child, &st) != 0)
        continue;

      if (S_ISDIR (st.st_mode))
        {
          if (scan->options->recursive && !is_skipped_folder_name (scan, name))
            g_ptr_array_add (subfolders, g_steal_pointer (&child));
        }
      else if (S_ISREG (st.st_mode)
               && !ottica_scan_is_ignored_name (name)
               && ottica_image_is_supported_name (name))
        {
          add_found (scan, child, &st);
        }
    }
  g_dir_close (dir);

  for (guint i = 0; ok && i < subfolders->len; i++)
    {
      const char *sub = g_ptr_array_index (subfolders, i);
      GStatBuf st;

      if (g_stat (sub, &st) != 0)
        continue;
      ok = scan_folder (scan, sub, &st, FALSE, error);
    }

  g_hash_table_remove (scan->visiting, &key);
  return ok;
}

static int
compare_found (gconstpointer a, gconstpointer b)
{
  const Found *x = *(const Found * const *) a;
  const Found *y = *(const Found * const *) b;
  int order = strcmp (x->sort_key, y->sort_key);

  /* Names that collate equal still get a stable, total order. */
  return order != 0 ? order : strcmp (x->path, y->path);
}

GPtrArray *
ottica_scan (const char * const       *inputs,
             const OtticaScanOptions  *options,
             GCancellable             *cancellable,
             GError                  **error)
{
  static const OtticaScanOptions defaults = { FALSE, NULL, NULL };
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (found_free);
  g_autoptr(GHashTable) skip_folders = g_hash_table_new_full (file_id_hash, file_id_equal, g_free, NULL);
  g_autoptr(GHashTable) visiting = g_hash_table_new_full (file_id_hash, file_id_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (file_id_hash, file_id_equal);
  GPtrArray *result;
  Scan scan;

  g_return_val_if_fail (inputs != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  scan.options = options != NULL ? options : &defaults;
  scan.cancellable = cancellable;
  scan.skip_folders = skip_folders;
  scan.visiting = visiting;
  scan.found = found;

  for (const char * const *p = scan.options->skip_folders; p != NULL && *p != NULL; p++)
    {
      GStatBuf st;

      if (g_stat (*p, &st) == 0 && S_ISDIR (st.st_mode))
        g_hash_table_add (skip_folders, file_id_new (&st));
    }

  for (const char * const *p = inputs; *p != NULL; p++)
    {
      const char *input = *p;
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      if (g_stat (input, &st) != 0)
        {
          int errsv = errno;
          g_autofree char *display = g_filename_display_name (input);

          if (errsv == ENOENT || errsv == ENOTDIR)
            g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                         _("“%s” does not exist."), display);
          else
            g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                         _("“%s” could not be opened: %s."), display, g_strerror (errsv));
          return NULL;
        }

      if (S_ISDIR (st.st_mode))
        {
          if (!scan_folder (&scan, input, &st, TRUE, error))
            return NULL;
        }
      else if (S_ISREG (st.st_mode))
        {
          add_found (&scan, input, &st);
        }
      else
        {
          g_autofree char *display = g_filename_display_name (input);

          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_UNSUPPORTED,
                       _("“%s” is neither a photo file nor a folder."), display);
          return NULL;
        }
    }

  g_ptr_array_sort (found, compare_found);

  result = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = g_ptr_array_index (found, i);

      if (g_hash_table_contains (seen, &f->id))
        continue;
      g_hash_table_add (seen, &f->id);
      g_ptr_array_add (result, g_strdup (f->path));
    }
  return result;
}

guint
ottica_scan_shard_of (const char *relative_path,
                      guint       n)
{
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  g_return_val_if_fail (relative_path != NULL && n > 0, 0);

  /* FNV-1a: tiny, fixed forever, independent of GLib's str_hash. */
  for (const guchar *p = (const guchar *) relative_path; *p != '\0'; p++)
    {
      hash ^= *p;
      hash *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return (guint) (hash % n);
}

gboolean *
ottica_scan_shard_mask (const char * const *photos,
                        guint               k,
                        guint               n)
{
  g_autofree char *root = NULL;
  gboolean *mask;
  gsize root_length;
  guint n_photos;

  g_return_val_if_fail (photos != NULL, NULL);
  g_return_val_if_fail (n > 0 && k >= 1 && k <= n, NULL);

  n_photos = g_strv_length ((char **) photos);
  mask = g_new0 (gboolean, MAX (1u, n_photos));

  /* The folder every photo is in, as absolute paths. */
  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *absolute = g_canonicalize_filename (photos[i], NULL);
      g_autofree char *dir = g_path_get_dirname (absolute);

      if (root == NULL)
        {
          root = g_steal_pointer (&dir);
          continue;
        }
      while (!(g_str_has_prefix (dir, root)
               && (dir[strlen (root)] == '\0' || dir[strlen (root)] == G_DIR_SEPARATOR
                   || strcmp (root, "/") == 0)))
        {
          char *up = g_path_get_dirname (root);

          g_free (root);
          root = up;
        }
    }
  root_length = root != NULL ? strlen (root) : 0;

  for (guint i = 0; i < n_photos; i++)
    {
      g_autofree char *absolute = g_canonicalize_filename (photos[i], NULL);
      const char *relative = absolute + root_length;

      while (*relative == G_DIR_SEPARATOR)
        relative++;
      mask[i] = ottica_scan_shard_of (relative, n) == k - 1;
    }
  return mask;
}

void
ottica_scan_shard (GPtrArray *photos,
                   guint      k,
                   guint      n)
{
  g_autofree gboolean *mask = NULL;
  guint kept = 0;

  g_return_if_fail (photos != NULL);
  g_return_if_fail (n > 0 && k >= 1 && k <= n);

  g_ptr_array_add (photos, NULL);
  mask = ottica_scan_shard_mask ((const char * const *) photos->pdata, k, n);
  g_ptr_array_set_free_func (photos, NULL);
  g_ptr_array_set_size (photos, photos->len - 1);
  for (guint i = 0; i < photos->len; i++)
    {
      char *photo = g_ptr_array_index (photos, i);

      if (mask[i])
        photos->pdata[kept++] = photo;
      else
        g_free (photo);
    }
  /* Shrink without freeing what was kept. */
  g_ptr_array_set_size (photos, kept);
  g_ptr_array_set_free_func (photos, g_free);
}
