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

struct _OtticaCliProgress
{
  OtticaBatch *batch;
  gulong       handlers[4];
  guint        n_files;
  guint        n_outputs;    /* per photo: the run's recipes */
  guint       *remaining;    /* per photo: outputs not finished yet */
  gboolean     quiet;
  gboolean     terminal;

  guint        n_finished;
  guint        n_failed;
  guint        n_exists;     /* failures because the output existed */
  double      *fractions;    /* per photo in flight, 0..1 */
  char       **names;        /* per photo once started: display basename */
  GHashTable  *in_flight;    /* index → TRUE */
  GHashTable  *up_to_date;   /* output path: skipped, output current */
  guint        current;      /* the photo shown on the line */
  gboolean     has_current;
  gint64       start_time;
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

/* Everything done so far as a fraction of the whole run. */
static double
overall_fraction (OtticaCliProgress *self)
{
  GHashTableIter iter;
  gpointer key;
  double done = self->n_finished;

  g_hash_table_iter_init (&iter, self->in_flight);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    done += self->fractions[GPOINTER_TO_UINT (key)];  /* covers all its outputs */
  return self->n_files > 0 ? done / self->n_files : 1.0;
}

static void
draw (OtticaCliProgress *self, gboolean force)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *left = NULL;
  g_autofree char *name = NULL;
  gint64 now = g_get_monotonic_time ();
  double fraction, elapsed;
  int width, used, room;

  if (!self->terminal || self->quiet)
    return;
  if (!force && now - self->last_draw < REDRAW_INTERVAL)
    return;
  self->last_draw = now;

  fraction = overall_fraction (self);
  elapsed = (now - self->start_time) / (double) G_USEC_PER_SEC;
  /* An estimate needs a little progress to stand on. */
  if (fraction > 0.02 && elapsed > 0.5)
    {
      g_autofree char *duration = format_duration (elapsed * (1.0 - fraction) / fraction);

      left = g_strdup_printf (_("%s left"), duration);
    }

  if (self->has_current)
    name = g_strdup (self->names[self->current]);

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

  if (index >= self->n_files)
    return;
  g_hash_table_add (self->in_flight, GUINT_TO_POINTER (index));
  self->fractions[index] = 0.0;
  g_free (self->names[index]);
  self->names[index] = g_filename_display_basename (input);
  self->current = index;
  self->has_current = TRUE;
  draw (self, TRUE);
}

static void
on_file_progress (OtticaBatch *batch, guint index, double fraction, gpointer user_data)
{
  OtticaCliProgress *self = user_data;

  if (index < self->n_files)
    self->fractions[index] = fraction;
  draw (self, FALSE);
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
  gboolean photo_done = TRUE;

  /* One "file-finished" per output; the photo is done after its last. */
  if (index < self->n_files && self->remaining[index] > 0)
    photo_done = --self->remaining[index] == 0;
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
      gpointer key;

      /* Show another photo still in flight, if any. */
      self->has_current = FALSE;
      g_hash_table_iter_init (&iter, self->in_flight);
      if (g_hash_table_iter_next (&iter, &key, NULL))
        {
          self->current = GPOINTER_TO_UINT (key);
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
  self->fractions = g_new0 (double, MAX (1u, n_files));
  self->names = g_new0 (char *, MAX (1u, n_files) + 1);
  self->in_flight = g_hash_table_new (NULL, NULL);
  self->up_to_date = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->n_outputs = MAX (1u, ottica_batch_get_n_outputs (batch));
  self->remaining = g_new (guint, MAX (1u, n_files));
  for (guint i = 0; i < n_files; i++)
    self->remaining[i] = self->n_outputs;
  self->start_time = g_get_monotonic_time ();

  self->handlers[0] = g_signal_connect (batch, "file-started", G_CALLBACK (on_file_started), self);
  self->handlers[1] = g_signal_connect (batch, "file-progress", G_CALLBACK (on_file_progress), self);
  self->handlers[2] = g_signal_connect (batch, "file-finished", G_CALLBACK (on_file_finished), self);
  self->handlers[3] = g_signal_connect (batch, "file-up-to-date", G_CALLBACK (on_file_up_to_date), self);
  return self;
}

void
ottica_cli_progress_summary (OtticaCliProgress       *self,
                             const OtticaBatchResult *result,
                             gboolean                 overwrite)
{
  guint total = result->items->len;
  g_autofree char *duration = format_duration (result->seconds);

  clear_line (self);

  /* With several recipes each photo gives several files: count files. */
  gboolean files = self->n_outputs > 1;

  if (result->cancelled)
    {
      fprintf (stderr,
               files
               ? g_dngettext (GETTEXT_PACKAGE,
                              "ottica-cli: interrupted; %u of %u file exported.\n",
                              "ottica-cli: interrupted; %u of %u files exported.\n",
                              total)
               : g_dngettext (GETTEXT_PACKAGE,
                              "ottica-cli: interrupted; %u of %u photo exported.\n",
                              "ottica-cli: interrupted; %u of %u photos exported.\n",
                              total),
               result->n_exported, total);
      return;
    }

  if (result->n_failed > 0)
    {
      fprintf (stderr,
               files
               ? g_dngettext (GETTEXT_PACKAGE,
                              "ottica-cli: %u of %u file failed; %u exported in %s.\n",
                              "ottica-cli: %u of %u files failed; %u exported in %s.\n",
                              total)
               : g_dngettext (GETTEXT_PACKAGE,
                              "ottica-cli: %u of %u photo failed; %u exported in %s.\n",
                              "ottica-cli: %u of %u photos failed; %u exported in %s.\n",
                              total),
               result->n_failed, total, result->n_exported, duration);
      if (self->n_exists > 0 && !overwrite)
        fprintf (stderr, _("ottica-cli: files that already existed were left as they are; "
                           "add --overwrite to replace them.\n"));
    }
  else if (!self->quiet)
    {
      fprintf (stderr,
               files
               ? g_dngettext (GETTEXT_PACKAGE,
                              "Exported %u file in %s.\n",
                              "Exported %u files in %s.\n",
                              result->n_exported)
               : g_dngettext (GETTEXT_PACKAGE,
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
             ? g_dngettext (GETTEXT_PACKAGE,
                            "%u file was up to date and not exported again.\n",
                            "%u files were up to date and not exported again.\n",
                            result->n_up_to_date)
             : g_dngettext (GETTEXT_PACKAGE,
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
  g_hash_table_unref (self->up_to_date);
  g_free (self->remaining);
  g_free (self->fractions);
  for (guint i = 0; i < self->n_files; i++)
    g_free (self->names[i]);
  g_free (self->names);
  g_free (self);
}
