/* ottica-cli-progress.c: the batch's signals as terminal output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ottica-cli-progress.h"
#include "ottica-error.h"

/* The line is redrawn at most this often (µs), except when a photo
 * starts or ends. */
#define REDRAW_INTERVAL (G_USEC_PER_SEC / 8)

/* Indices are positions in the batch's whole input list (a shard's
 * photos are a scattered few of them), hence tables rather than arrays. */
struct _OtticaCliProgress
{
  OtticaBatch *batch;
  gulong       handlers[5];
  guint        n_files;      /* photos in this run */
  guint        n_outputs;    /* per photo: the run's recipes */
  gboolean     quiet;
  gboolean     terminal;

  guint        n_finished;   /* photos with every output finished */
  guint        n_failed;
  guint        n_exists;     /* failures because the output existed */
  GHashTable  *remaining;    /* index → outputs not finished yet */
  GHashTable  *in_flight;    /* index → display basename */
  GHashTable  *up_to_date;   /* output path: skipped, output current */
  OtticaBatchProgress run;   /* the batch's last "run-progress" */
  gboolean     has_run;
  guint        current;      /* the photo shown on the line */
  gboolean     has_current;
  gint64       last_draw;
  gboolean     line_shown;
};

static int
terminal_width (void)
{
  struct winsize ws;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
    return ws.ws_col;
  return 80;
}

static void
clear_line (OtticaCliProgress *self)
{
  if (self->line_shown)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      self->line_shown = FALSE;
    }
}

static char *
format_duration (double seconds)
{
  int s = (int) (seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

static void
draw (OtticaCliProgress *self, gboolean force)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *left = NULL;
  g_autofree char *name = NULL;
  gint64 now = g_get_monotonic_time ();
  double fraction = 0.0;
  int width, used, room;

  if (!self->terminal || self->quiet)
    return;
  if (!force && now - self->last_draw < REDRAW_INTERVAL)
    return;
  self->last_draw = now;

  /* The batch's own figures (the GUI shows the same). */
  if (ottica_batch_get_progress (self->batch, &self->run))
    self->has_run = TRUE;
  if (self->has_run)
    {
      fraction = self->run.fraction;
      if (self->run.seconds_left >= 0)
        {
          g_autofree char *duration = format_duration (self->run.seconds_left);

          /* TRANSLATORS: the time left in a batch export, as "1:05". */
          left = g_strdup_printf (_("%s left"), duration);
        }
    }

  if (self->has_current)
    name = g_strdup (g_hash_table_lookup (self->in_flight, GUINT_TO_POINTER (self->current)));

  g_string_append_printf (line, "[%u/%u] %3d%%", MIN (self->n_finished + 1, self->n_files),
                          self->n_files, (int) (fraction * 100));
  width = terminal_width () - 1;
  used = g_utf8_strlen (line->str, -1) + (left != NULL ? g_utf8_strlen (left, -1) + 3 : 0);
  room = width - used - 1;
  if (name != NULL && room > 4)
    {
      glong length = g_utf8_strlen (name, -1);

      g_string_append_c (line, ' ');
      if (length > room)
        {
          /* Keep the end of the name: it is where photos differ. */
          g_string_append (line, "…");
          g_string_append (line, g_utf8_offset_to_pointer (name, length - (room - 1)));
        }
      else
        {
          g_string_append (line, name);
        }
    }
  if (left != NULL)
    g_string_append_printf (line, " · %s", left);

  fprintf (stderr, "\r\033[K%s", line->str);
  fflush (stderr);
  self->line_shown = TRUE;
}

static void
on_file_started (OtticaBatch *batch, guint index, const char *input, gpointer user_data)
{
  OtticaCliProgress *self = user_data;

  g_hash_table_insert (self->in_flight, GUINT_TO_POINTER (index),
                       g_filename_display_basename (input));
  self->current = index;
  self->has_current = TRUE;
  draw (self, TRUE);
}

static void
on_file_progress (OtticaBatch *batch, guint index, double fraction, gpointer user_data)
{
  OtticaCliProgress *self = user_data;

  draw (self, FALSE);
}

static void
on_run_progress (OtticaBatch *batch, const OtticaBatchProgress *progress, gpointer user_data)
{
  OtticaCliProgress *self = user_data;

  self->run = *progress;
  self->has_run = TRUE;
  self->n_files = progress->n_photos;
}

static void
on_file_up_to_date (OtticaBatch *batch,
                    guint        index,
                    const char  *input,
                    const char  *output,
                    gpointer     user_data)
{
  OtticaCliProgress *self = user_data;

  g_hash_table_add (self->up_to_date, g_strdup (output));
}

static void
on_file_finished (OtticaBatch  *batch,
                  guint         index,
                  const char   *input,
                  const char   *output,
                  const GError *error,
                  gpointer      user_data)
{
  OtticaCliProgress *self = user_data;
  g_autofree char *input_display = g_filename_display_name (input);
  gpointer key = GUINT_TO_POINTER (index);
  guint remaining;
  gboolean photo_done;

  /* One "file-finished" per output; the photo is done after its last. */
  if (g_hash_table_contains (self->remaining, key))
    remaining = GPOINTER_TO_UINT (g_hash_table_lookup (self->remaining, key));
  else
    remaining = self->n_outputs;
  remaining = remaining > 0 ? remaining - 1 : 0;
  g_hash_table_insert (self->remaining, key, GUINT_TO_POINTER (remaining));
  photo_done = remaining == 0;
  if (photo_done)
    {
      g_hash_table_remove (self->in_flight, GUINT_TO_POINTER (index));
      self->n_finished++;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Interrupted, not failed: the summary says so once. */
    }
  else if (error != NULL)
    {
      self->n_failed++;
      if (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_EXISTS))
        self->n_exists++;
      clear_line (self);
      fprintf (stderr, "ottica-cli: %s: %s\n", input_display, error->message);
      fflush (stderr);
    }
  else if (!self->terminal && !self->quiet)
    {
      g_autofree char *output_display = g_filename_display_name (output);

      if (g_hash_table_contains (self->up_to_date, output))
        printf (_("%s → %s (up to date)\n"), input_display, output_display);
      else
        printf ("%s → %s\n", input_display, output_display);
      fflush (stdout);
    }

  if (photo_done && self->has_current && self->current == index)
    {
      GHashTableIter iter;
      gpointer other;

      /* Show another photo still in flight, if any. */
      self->has_current = FALSE;
      g_hash_table_iter_init (&iter, self->in_flight);
      if (g_hash_table_iter_next (&iter, &other, NULL))
        {
          self->current = GPOINTER_TO_UINT (other);
          self->has_current = TRUE;
        }
    }
  draw (self, TRUE);
}

OtticaCliProgress *
ottica_cli_progress_new (OtticaBatch *batch,
                         guint        n_files,
                         gboolean     quiet)
{
  OtticaCliProgress *self = g_new0 (OtticaCliProgress, 1);

  self->batch = g_object_ref (batch);
  self->n_files = n_files;
  self->quiet = quiet;
  self->terminal = isatty (STDERR_FILENO);
  self->in_flight = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->remaining = g_hash_table_new (NULL, NULL);
  self->up_to_date = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->n_outputs = MAX (1u, ottica_batch_get_n_outputs (batch));

  self->handlers[0] = g_signal_connect (batch, "file-started", G_CALLBACK (on_file_started), self);
  self->handlers[1] = g_signal_connect (batch, "file-progress", G_CALLBACK (on_file_progress), self);
  self->handlers[2] = g_signal_connect (batch, "file-finished", G_CALLBACK (on_file_finished), self);
  self->handlers[3] = g_signal_connect (batch, "file-up-to-date", G_CALLBACK (on_file_up_to_date), self);
  self->handlers[4] = g_signal_connect (batch, "run-progress", G_CALLBACK (on_run_progress), self);
  return self;
}

void
ottica_cli_progress_summary (OtticaCliProgress       *self,
                             const OtticaBatchResult *result,
                             gboolean                 overwrite)
{
  guint total = result->items->len;
  g_autofree char *duration = format_duration (result->seconds);
  /* With several recipes each photo gives several files: count files. */
  gboolean files = self->n_outputs > 1;

  clear_line (self);

  /* Each plural follows the number it counts (the first); the total is
   * in a place where no word has to agree with it. */
  if (result->cancelled)
    {
      fprintf (stderr,
               files
               ? g_dngettext (NULL,
                              "ottica-cli: interrupted after exporting %u file out of %u.\n",
                              "ottica-cli: interrupted after exporting %u files out of %u.\n",
                              result->n_exported)
               : g_dngettext (NULL,
                              "ottica-cli: interrupted after exporting %u photo out of %u.\n",
                              "ottica-cli: interrupted after exporting %u photos out of %u.\n",
                              result->n_exported),
               result->n_exported, total);
      return;
    }

  if (result->n_failed > 0)
    {
      fprintf (stderr,
               files
               ? g_dngettext (NULL,
                              "ottica-cli: %u file out of %u failed.\n",
                              "ottica-cli: %u files out of %u failed.\n",
                              result->n_failed)
               : g_dngettext (NULL,
                              "ottica-cli: %u photo out of %u failed.\n",
                              "ottica-cli: %u photos out of %u failed.\n",
                              result->n_failed),
               result->n_failed, total);
      if (self->n_exists > 0 && !overwrite)
        fprintf (stderr, _("ottica-cli: files that already existed were left as they are; "
                           "add --overwrite to replace them.\n"));
    }
  if (!self->quiet || result->n_failed > 0)
    {
      /* TRANSLATORS: the second %s is a duration such as "1:05". */
      fprintf (stderr,
               files
               ? g_dngettext (NULL,
                              "Exported %u file in %s.\n",
                              "Exported %u files in %s.\n",
                              result->n_exported)
               : g_dngettext (NULL,
                              "Exported %u photo in %s.\n",
                              "Exported %u photos in %s.\n",
                              result->n_exported),
               result->n_exported, duration);
    }
  /* A resumed run that exported nothing must not look like one that
   * found nothing. */
  if (result->n_up_to_date > 0 && !self->quiet)
    fprintf (stderr,
             files
             ? g_dngettext (NULL,
                            "%u file was up to date and not exported again.\n",
                            "%u files were up to date and not exported again.\n",
                            result->n_up_to_date)
             : g_dngettext (NULL,
                            "%u photo was up to date and not exported again.\n",
                            "%u photos were up to date and not exported again.\n",
                            result->n_up_to_date),
             result->n_up_to_date);
  fflush (stderr);
}

void
ottica_cli_progress_free (OtticaCliProgress *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->batch);
  g_object_unref (self->batch);
  g_hash_table_unref (self->in_flight);
  g_hash_table_unref (self->remaining);
  g_hash_table_unref (self->up_to_date);
  g_free (self);
}
