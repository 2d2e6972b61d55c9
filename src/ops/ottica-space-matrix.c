/* ottica-space-matrix.c: the exact matrix between two RGB spaces.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ottica-space-matrix.h"

void
ottica_space_matrix (const Babl *from, const Babl *to, float m[3][3])
{
  /* Kept for the process: a few pairs of spaces ever come by. */
  static GMutex lock;
  static GHashTable *known;
  const double primaries[12] = { 1, 0, 0, 1,  0, 1, 0, 1,  0, 0, 1, 1 };
  g_autofree char *key = g_strdup_printf ("%p>%p", (gconstpointer) from, (gconstpointer) to);
  float *cached;

  g_mutex_lock (&lock);
  if (known == NULL)
    known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cached = g_hash_table_lookup (known, key);
  if (cached == NULL)
    {
      double out[12];

      babl_process (babl_fish (babl_format_with_space ("RGBA double", from),
                               babl_format_with_space ("RGBA double", to)),
                    primaries, out, 3);
      cached = g_new (float, 9);
      for (int row = 0; row < 3; row++)
        for (int column = 0; column < 3; column++)
          cached[3 * row + column] = (float) out[4 * column + row];
      g_hash_table_insert (known, g_steal_pointer (&key), cached);
    }
  memcpy (m, cached, sizeof (float) * 9);
  g_mutex_unlock (&lock);
}
