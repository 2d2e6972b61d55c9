/* ottica-engine.c: GEGL and babl set up once for the whole process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE /* dladdr() */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ottica-babl-guard.h"
#include "ottica-develop-sources.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-ops.h"

/* Every GEGL operation the pipeline and the exporter create by name. */
static const char * const required_operations[] = {
  "gegl:buffer-sink",
  "gegl:buffer-source",
  "gegl:crop",
  "gegl:nop",
  "gegl:png-load",
  "gegl:scale-size",
  "gegl:src",
  "gegl:tiff-load",
  "gegl:transform",
  "gegl:unsharp-mask",
  "ottica:develop",
  NULL
};

static gboolean engine_ready = FALSE;

const char * const *
ottica_engine_required_operations (void)
{
  return required_operations;
}

const Babl *
ottica_engine_working_format (void)
{
  return babl_format_with_space ("RGBA float", babl_space ("Rec2020"));
}

static guint64
physical_memory_bytes (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);

  if (pages <= 0 || page_size <= 0)
    return 4ull << 30;
  return (guint64) pages * (guint64) page_size;
}

static guint
default_thread_count (void)
{
  return MAX (1u, g_get_num_processors ());
}

/* Looking the conversions up makes babl find its fishes (conversion
 * paths) before the first render rather than during it. Only the lookup:
 * converting pixels here would make babl time and build its 8-bit
 * lookup tables, which costs 1.7 s and 340 MB. The lookup itself takes
 * about 0.3 s, which a one-shot ottica-cli run would only lose, so it is
 * not part of ottica_engine_init(): the editor runs it in a thread. */
void
ottica_engine_warm_up (void)
{
  static const char *const formats[] = { "R'G'B' u8", "R'G'B' u16", "RGB u16" };
  const Babl *working = ottica_engine_working_format ();

  ottica_babl_guard_change_begin ();
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      const Babl *format = babl_format_with_space (formats[i], babl_space ("sRGB"));

      babl_fish (format, working);
      babl_fish (working, format);
    }
  ottica_babl_guard_change_end ();
}

/* What babl adds for a graph follows from its operations, its buffers'
 * formats, the format it is read in and whether it is scaled. */
static char *
graph_key (GeglNode *output, double scale, const Babl *format)
{
  GString *key = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();

  g_string_append_printf (key, "%p/%d", (gconstpointer) format, scale != 1.0);
  g_ptr_array_add (todo, output);
  while (todo->len > 0)
    {
      GeglNode *node = g_ptr_array_steal_index (todo, todo->len - 1);
      const char *operation = gegl_node_get_operation (node);
      g_auto(GStrv) pads = NULL;

      if (!g_hash_table_add (seen, node))
        continue;
      g_string_append_printf (key, " %s", operation != NULL ? operation : "-");
      if (g_strcmp0 (operation, "gegl:buffer-source") == 0)
        {
          g_autoptr(GeglBuffer) buffer = NULL;

          gegl_node_get (node, "buffer", &buffer, NULL);
          if (buffer != NULL)
            g_string_append_printf (key, "(%p)", (gconstpointer) gegl_buffer_get_format (buffer));
        }
      pads = gegl_node_list_input_pads (node);
      for (guint i = 0; pads != NULL && pads[i] != NULL; i++)
        {
          GeglNode *producer = gegl_node_get_producer (node, pads[i], NULL);

          if (producer != NULL)
            g_ptr_array_add (todo, producer);
        }
    }
  return g_string_free (key, FALSE);
}

static gboolean
render_pixel (GeglNode *node, double scale, const Babl *format)
{
  GeglRectangle box = gegl_node_get_bounding_box (node);
  GeglRectangle pixel = { (int) floor (box.x * scale), (int) floor (box.y * scale), 1, 1 };
  /* room for one pixel of any format (RGBA double is 32 bytes) */
  guint8 scratch[64];

  if (box.width <= 0 || box.height <= 0 || babl_format_get_bytes_per_pixel (format) > (int) sizeof scratch)
    return FALSE;
  gegl_node_blit (node, scale, &pixel, format, scratch, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  return TRUE;
}

void
ottica_engine_prime_render (GeglNode *node, double scale, const Babl *format)
{
  static GMutex lock;
  static GHashTable *primed;  /* graph keys; guarded by lock */
  g_autofree char *key = graph_key (node, scale, format);
  gboolean known;

  g_mutex_lock (&lock);
  if (primed == NULL)
    primed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  known = g_hash_table_contains (primed, key);
  g_mutex_unlock (&lock);
  if (known)
    return;

  ottica_babl_guard_change_begin ();
  /* at scale 1, and at @scale: a scaled blit also converts in formats of
   * its own as it resamples */
  if (render_pixel (node, 1.0, format) && (scale == 1.0 || render_pixel (node, scale, format)))
    {
      g_mutex_lock (&lock);
      g_hash_table_add (primed, g_steal_pointer (&key));
      g_mutex_unlock (&lock);
    }
  ottica_babl_guard_change_end ();
}

typedef const Babl *(*BablMake) (gconstpointer a, gconstpointer b);

/* What @make (@a, @b) gives, made in a change the first time and kept
 * under @key (taken) in a table of Ottica's own. */
static const Babl *
made_once (char *key, BablMake make, gconstpointer a, gconstpointer b)
{
  static GMutex lock;
  static GHashTable *made;  /* guarded by lock */
  const Babl *babl;

  g_mutex_lock (&lock);
  if (made == NULL)
    made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  babl = g_hash_table_lookup (made, key);
  g_mutex_unlock (&lock);
  if (babl != NULL)
    {
      g_free (key);
      return babl;
    }

  /* not under the lock: a change waits for reads, which may want it */
  ottica_babl_guard_change_begin ();
  babl = make (a, b);
  ottica_babl_guard_change_end ();
  g_mutex_lock (&lock);
  g_hash_table_replace (made, key, (gpointer) babl);
  g_mutex_unlock (&lock);
  return babl;
}

static const Babl *
make_fish (gconstpointer from, gconstpointer to)
{
  return babl_fish (from, to);
}

static const Babl *
make_format (gconstpointer encoding, gconstpointer space)
{
  return babl_format_with_space (encoding, space);
}

const Babl *
ottica_engine_babl_fish (const Babl *from, const Babl *to)
{
  return made_once (g_strdup_printf ("fish %p>%p", (gconstpointer) from, (gconstpointer) to),
                    make_fish, from, to);
}

/* What Ottica's operations make babl build in their prepare(), which runs
 * in a read (under GEGL's node lock, from ottica_pipeline_new() and any
 * bounding-box query, before prime_render()): ottica:develop's formats
 * and fishes for a source space (linearise_init(), ottica_space_matrix():
 * a space's first fish adds about a thousand babl conversions), and the
 * look operations' fixed fishes. Inside a change. */
static void
prepare_space (const Babl *space)
{
  const Babl *rec2020 = babl_space ("Rec2020");

  for (gsize i = 0; i < G_N_ELEMENTS (ottica_develop_sources); i++)
    babl_format_with_space (ottica_develop_sources[i].name, space);
  /* ottica_space_matrix (space, Rec2020), and fill_table()'s curves */
  babl_fish (babl_format_with_space ("RGBA double", space),
             babl_format_with_space ("RGBA double", rec2020));
  babl_fish (babl_format_with_space ("R'G'B' double", space),
             babl_format_with_space ("RGB double", space));
}

static void
prepare_fixed (void)
{
  const Babl *rec2020 = babl_space ("Rec2020");

  prepare_space (babl_space ("sRGB"));
  prepare_space (babl_space ("ProPhoto"));  /* RAWs: raw_finish() */
  prepare_space (rec2020);                  /* lcms2's path (ottica-icc.c) */
  /* a straightened photo, linearised, as gegl:transform resamples it */
  babl_format_with_space (OTTICA_DEVELOP_PREMULTIPLIED_SOURCE, rec2020);
  /* ottica_working_rgb_to_xyz(), split-tone.c, lut3d.c */
  babl_fish (babl_format_with_space ("RGB float", rec2020), babl_format ("CIE XYZ float"));
  babl_fish (babl_format ("CIE Lab float"), babl_format_with_space ("RGB float", rec2020));
  babl_fish (babl_format_with_space ("RGB float", rec2020),
             babl_format_with_space ("RGB float", babl_space ("sRGB")));
}

const Babl *
ottica_engine_babl_space_from_icc (const char *icc, int length, const char **error)
{
  const Babl *space;

  ottica_babl_guard_change_begin ();
  space = babl_space_from_icc (icc, length, BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, error);
  if (space != NULL)
    prepare_space (space);
  ottica_babl_guard_change_end ();
  return space;
}

const Babl *
ottica_engine_babl_format (const char *encoding, const Babl *space)
{
  return made_once (g_strdup_printf ("format %s/%p", encoding, (gconstpointer) space),
                    make_format, encoding, space);
}

/* GEGL's own module folder (LIBDIR/gegl-0.4 beside libgegl), or NULL. */
static char *
find_gegl_module_dir (void)
{
  Dl_info info = { 0 };
  g_autofree char *lib_dir = NULL;
  char *module_dir;

  if (dladdr ((void *) gegl_init, &info) == 0 || info.dli_fname == NULL
      || !g_path_is_absolute (info.dli_fname))
    return NULL;
  lib_dir = g_path_get_dirname (info.dli_fname);
  module_dir = g_build_filename (lib_dir, "gegl-0.4", NULL);
  if (!g_file_test (module_dir, G_FILE_TEST_IS_DIR))
    g_clear_pointer (&module_dir, g_free);
  return module_dir;
}

/* The modules Ottica needs: GEGL's operation collections (gegl-core,
 * gegl-common*, gegl-generated, transformops, with their per-CPU
 * variants such as gegl-common-x86_64-v3.so) and the PNG, TIFF and JPEG
 * loaders and savers (Ottica reads PNG and TIFF through GEGL, the tests
 * write all three); not the other file loaders and savers, whose
 * libraries (FFmpeg, Poppler, librsvg, OpenEXR, Pango…) cost 0.15 s of
 * CPU time in the dynamic linker at every start. */
static gboolean
is_wanted_module (const char *name)
{
  g_autofree char *stem = NULL;
  const char *arch;

  if (!g_str_has_suffix (name, "." G_MODULE_SUFFIX))
    return FALSE;
  stem = g_strndup (name, strlen (name) - strlen ("." G_MODULE_SUFFIX));
  /* "gegl-common-x86_64-v3" is a variant of "gegl-common". */
  if ((arch = strstr (stem, "-x86_64-")) != NULL || (arch = strstr (stem, "-aarch64-")) != NULL
      || (arch = strstr (stem, "-arm-")) != NULL)
    stem[arch - stem] = '\0';
  return g_str_has_prefix (stem, "gegl-") || strcmp (stem, "transformops") == 0
         || g_str_has_prefix (stem, "png-") || g_str_has_prefix (stem, "tiff-")
         || g_str_has_prefix (stem, "jpg-");
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
links_resolve (const char         *folder,
               const char * const *names)
{
  for (; *names != NULL; names++)
    {
      g_autofree char *path = g_build_filename (folder, *names, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    }
  return TRUE;
}

static void
remove_link_folder (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_unlink (path);
    }
  g_rmdir (folder);
}

/* A folder of links to the wanted modules of @gegl_dir, for GEGL_PATH:
 * made once in the user's cache (named after the set of modules, so a
 * GEGL upgrade that changes it makes a new one) and reused after. NULL
 * where it cannot be made: GEGL then loads everything, as it would. */
static char *
ensure_module_links (const char *gegl_dir)
{
  g_autoptr(GDir) dir = g_dir_open (gegl_dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) key = g_string_new (gegl_dir);
  g_autofree char *digest = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *temp = NULL;
  const char *name;

  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_wanted_module (name))
      g_ptr_array_add (names, g_strdup (name));
  if (names->len == 0)
    return NULL;
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (key, "\n%s", (const char *) g_ptr_array_index (names, i));
  g_ptr_array_add (names, NULL);

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key->str, (gssize) key->len);
  digest[16] = '\0';
  parent = g_build_filename (g_get_user_cache_dir (), "ottica", "gegl-modules", NULL);
  folder = g_build_filename (parent, digest, NULL);
  if (links_resolve (folder, (const char * const *) names->pdata))
    return g_steal_pointer (&folder);

  /* Made aside and renamed into place, so that a process starting at the
   * same time never sees half a folder. */
  if (g_mkdir_with_parents (parent, 0700) != 0)
    return NULL;
  temp = g_build_filename (parent, ".new-XXXXXX", NULL);
  if (g_mkdtemp (temp) == NULL)
    return NULL;
  for (guint i = 0; i + 1 < names->len; i++)
    {
      const char *module = g_ptr_array_index (names, i);
      g_autofree char *target = g_build_filename (gegl_dir, module, NULL);
      g_autofree char *link = g_build_filename (temp, module, NULL);

      if (symlink (target, link) != 0)
        {
          remove_link_folder (temp);
          return NULL;
        }
    }
  if (g_rename (temp, folder) != 0)
    {
      /* Another process won the race, or a stale folder is in the way. */
      remove_link_folder (temp);
      if (!links_resolve (folder, (const char * const *) names->pdata))
        {
          remove_link_folder (folder);
          return NULL;
        }
    }
  return g_steal_pointer (&folder);
}

static gboolean
check_operations (void)
{
  for (const char * const *op = required_operations; *op; op++)
    if (!gegl_has_operation (*op))
      return FALSE;
  return TRUE;
}

/* A render allocates and frees buffers of tens of megabytes per strip
 * (GEGL's tile blocks are 1 % of its tile cache, our spatial ops' input
 * windows, a decoded photo); glibc hands each back to the kernel and the
 * next one comes back as fresh zeroed pages, which cost a quarter of an
 * export's CPU in page faults and serialised two batch workers on the
 * process's memory map. Kept in the heap, they are reused. One arena:
 * the heaps of the others are 64 MB at most, so a render thread's big
 * blocks went back to being mapped (one arena also cut system time by
 * half and peak memory by 10-15 % in 2-job batches, with no lock cost
 * to see). A GLIBC_TUNABLES the user set wins. */
static void
keep_large_blocks_in_heap (void)
{
  if (g_getenv ("GLIBC_TUNABLES") != NULL)
    return;
  mallopt (M_ARENA_MAX, 1);
  mallopt (M_MMAP_THRESHOLD, 128 << 20);
  mallopt (M_TRIM_THRESHOLD, 256 << 20);
}

gboolean
ottica_engine_init (guint threads, GError **error)
{
  GeglConfig *config;
  gboolean swap_in_ram;
  g_autofree char *gegl_dir = NULL;
  g_autofree char *module_links = NULL;

  if (threads == 0)
    threads = default_thread_count ();

  if (!engine_ready)
    {
      keep_large_blocks_in_heap ();

      /* GEGL reads these at gegl_init(); respect what the caller set. */
      if (g_getenv ("OTTICA_OPENCL") == NULL || g_strcmp0 (g_getenv ("OTTICA_OPENCL"), "1") != 0)
        g_setenv ("GEGL_USE_OPENCL", "no", FALSE);

      /* GEGL_SWAP=RAM (newer GEGL's spelling of "no swap", used by the
       * tests) must not reach GEGL 0.4.42, which would create ./RAM. */
      swap_in_ram = g_getenv ("GEGL_SWAP") == NULL || g_strcmp0 (g_getenv ("GEGL_SWAP"), "RAM") == 0;
      if (swap_in_ram)
        g_unsetenv ("GEGL_SWAP");

      /* Only the modules Ottica uses, unless the caller chose GEGL_PATH
       * (or OTTICA_GEGL_ALL_MODULES=1 asks for all of them). */
      if (g_getenv ("GEGL_PATH") == NULL && g_strcmp0 (g_getenv ("OTTICA_GEGL_ALL_MODULES"), "1") != 0)
        {
          gegl_dir = find_gegl_module_dir ();
          if (gegl_dir != NULL)
            module_links = ensure_module_links (gegl_dir);
        }
      if (module_links != NULL)
        g_setenv ("GEGL_PATH", module_links, TRUE);
      /* Ours first: when our GEGL module is installed too (for gegl and
       * GIMP), it sees our types and stands aside rather than registering
       * the same operations twice. */
      ottica_ops_register ();
      gegl_init (NULL, NULL);
      /* Programs we start (the gegl CLI in tests) keep GEGL's default. */
      if (module_links != NULL)
        g_unsetenv ("GEGL_PATH");
      config = gegl_config ();

      /* GEGL's default 512 MiB tile cache swaps a 45 MP float frame to
       * disk; a quarter of the memory, capped, keeps it in RAM. */
      g_object_set (config,
                    "tile-cache-size", (guint64) CLAMP (physical_memory_bytes () / 4,
                                                        (guint64) 512 << 20,
                                                        (guint64) 4 << 30),
                    NULL);
      /* No swap: tiles stay in memory (the cache above is sized for
       * it). GEGL 0.4.42 takes "RAM" for a folder name and creates
       * ./RAM, so "no swap" is a NULL swap folder. */
      if (swap_in_ram)
        g_object_set (config, "swap", NULL, NULL);

      /* A GEGL whose modules moved ops around: load them all after all. */
      if (module_links != NULL && !check_operations ())
        {
          g_debug ("an operation is missing from %s; loading every GEGL module", module_links);
          gegl_load_module_directory (gegl_dir);
        }

      for (const char * const *op = required_operations; *op; op++)
        {
          if (!gegl_has_operation (*op))
            {
              g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_MISSING_OP,
                           _("The image operation “%s” is not installed; "
                             "install GEGL’s operations (Debian package libgegl-0.4-0) "
                             "and try again."),
                           *op);
              return FALSE;
            }
        }

      engine_ready = TRUE;
      /* before any thread renders, but a change all the same */
      ottica_babl_guard_change_begin ();
      prepare_fixed ();
      ottica_babl_guard_change_end ();
    }

  g_object_set (gegl_config (), "threads", (gint) MIN (threads, 64u), NULL);
  return TRUE;
}

void
ottica_engine_shutdown (void)
{
  if (engine_ready)
    {
      gegl_exit ();
      engine_ready = FALSE;
    }
}
