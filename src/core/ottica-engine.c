/* ottica-engine.c: GEGL and babl set up once for the whole process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <unistd.h>

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

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      const Babl *format = babl_format_with_space (formats[i], babl_space ("sRGB"));

      babl_fish (format, working);
      babl_fish (working, format);
    }
}

gboolean
ottica_engine_init (guint threads, GError **error)
{
  GeglConfig *config;
  gboolean swap_in_ram;

  if (threads == 0)
    threads = default_thread_count ();

  if (!engine_ready)
    {
      /* GEGL reads these at gegl_init(); respect what the caller set. */
      if (g_getenv ("OTTICA_OPENCL") == NULL || g_strcmp0 (g_getenv ("OTTICA_OPENCL"), "1") != 0)
        g_setenv ("GEGL_USE_OPENCL", "no", FALSE);

      /* GEGL_SWAP=RAM (newer GEGL's spelling of "no swap", used by the
       * tests) must not reach GEGL 0.4.42, which would create ./RAM. */
      swap_in_ram = g_getenv ("GEGL_SWAP") == NULL || g_strcmp0 (g_getenv ("GEGL_SWAP"), "RAM") == 0;
      if (swap_in_ram)
        g_unsetenv ("GEGL_SWAP");

      gegl_init (NULL, NULL);
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

      ottica_ops_register ();

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
