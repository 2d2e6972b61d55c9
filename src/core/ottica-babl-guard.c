/* ottica-babl-guard.c: keep babl's lookups apart from its additions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-babl-guard.h"

/* What this thread has open. */
typedef struct
{
  guint reads;
  guint changes;
} Depth;

static GMutex guard_lock;
static GCond  guard_cond;
/* guarded by guard_lock */
static guint    reading;          /* threads in a read, not in a change */
static gboolean changing;
static guint    changes_waiting;

/* A thread that ends inside a read or a change would hold every change
 * (or everything) back for good: said, and let go. */
static void
depth_free (gpointer data)
{
  Depth *depth = data;

  if (depth->reads > 0 || depth->changes > 0)
    {
      g_critical ("a thread ended inside %u babl read(s) and %u change(s)",
                  depth->reads, depth->changes);
      g_mutex_lock (&guard_lock);
      if (depth->changes > 0)
        changing = FALSE;
      else
        reading--;
      g_cond_broadcast (&guard_cond);
      g_mutex_unlock (&guard_lock);
    }
  g_free (depth);
}

static GPrivate depth_key = G_PRIVATE_INIT (depth_free);

static Depth *
this_thread (void)
{
  Depth *depth = g_private_get (&depth_key);

  if (depth == NULL)
    {
      depth = g_new0 (Depth, 1);
      g_private_set (&depth_key, depth);
    }
  return depth;
}

void
ottica_babl_guard_read_begin (void)
{
  Depth *depth = this_thread ();

  /* nested, or inside this thread's own change, which runs alone anyway */
  if (depth->reads++ > 0 || depth->changes > 0)
    return;
  g_mutex_lock (&guard_lock);
  while (changing || changes_waiting > 0)
    g_cond_wait (&guard_cond, &guard_lock);
  reading++;
  g_mutex_unlock (&guard_lock);
}

void
ottica_babl_guard_read_end (void)
{
  Depth *depth = this_thread ();

  if (depth->reads == 0)
    {
      g_critical ("ottica_babl_guard_read_end: no read to end");
      return;
    }
  if (--depth->reads > 0 || depth->changes > 0)
    return;
  g_mutex_lock (&guard_lock);
  if (--reading == 0)
    g_cond_broadcast (&guard_cond);
  g_mutex_unlock (&guard_lock);
}

void
ottica_babl_guard_change_begin (void)
{
  Depth *depth = this_thread ();

  if (depth->changes++ > 0)
    return;
  g_mutex_lock (&guard_lock);
  /* this thread's own read would wait for itself */
  if (depth->reads > 0 && --reading == 0)
    g_cond_broadcast (&guard_cond);
  changes_waiting++;
  while (changing || reading > 0)
    g_cond_wait (&guard_cond, &guard_lock);
  changes_waiting--;
  changing = TRUE;
  g_mutex_unlock (&guard_lock);
}

void
ottica_babl_guard_change_end (void)
{
  Depth *depth = this_thread ();

  if (depth->changes == 0)
    {
      g_critical ("ottica_babl_guard_change_end: no change to end");
      return;
    }
  if (--depth->changes > 0)
    return;
  g_mutex_lock (&guard_lock);
  changing = FALSE;
  /* the read this thread gave up: back at once, it was never finished */
  if (depth->reads > 0)
    reading++;
  g_cond_broadcast (&guard_cond);
  g_mutex_unlock (&guard_lock);
}

guint
ottica_babl_guard_read_pause (void)
{
  Depth *depth = this_thread ();
  guint paused = depth->reads;

  if (paused == 0)
    return 0;
  if (depth->changes > 0)
    {
      g_critical ("ottica_babl_guard_read_pause: inside a change");
      return 0;
    }
  depth->reads = 1;
  ottica_babl_guard_read_end ();
  return paused;
}

void
ottica_babl_guard_read_resume (guint paused)
{
  Depth *depth;

  if (paused == 0)
    return;
  ottica_babl_guard_read_begin ();
  depth = this_thread ();
  depth->reads = paused;
}

guint
ottica_babl_guard_count_reads (void)
{
  guint n;

  g_mutex_lock (&guard_lock);
  n = reading;
  g_mutex_unlock (&guard_lock);
  return n;
}
