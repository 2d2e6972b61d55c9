/* ottica-cli-apply.c: `ottica-cli apply [OPTION…] PHOTO|FOLDER…`: puts a
 * look (and amount) and/or a preset into each photo's sidecar, or resets
 * it. Only sidecars are written (atomically, through ottica_sidecar_save);
 * the photos themselves are never opened for writing.
 *
 * --reset alone deletes the sidecar (beside the photo and the fallback
 * copy): that is what "back to the original" means to a person, and leaves
 * no file behind. --reset with --look or --preset starts from a neutral
 * edit instead of the photo's own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "ottica-cli.h"
#include "ottica-edit.h"
#include "ottica-engine.h"
#include "ottica-look-library.h"
#include "ottica-scan.h"
#include "ottica-sidecar.h"

#define COMMAND "apply"

typedef struct
{
  OtticaCliEditArgs  edit;
  gboolean           reset;
  char             **inputs;
} ApplyArgs;

static void
apply_args_clear (ApplyArgs *args)
{
  ottica_cli_edit_args_clear (&args->edit);
  g_strfreev (args->inputs);
}

/* Deletes both possible sidecars of @photo; TRUE when none is left. */
static gboolean
remove_sidecars (const char *photo, gboolean *removed, GError **error)
{
  char *paths[2] = { ottica_sidecar_path_beside (photo), ottica_sidecar_path_fallback (photo) };
  gboolean ok = TRUE;

  *removed = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      if (ok && g_unlink (paths[i]) != 0)
        {
          int saved = errno;

          if (saved != ENOENT)
            {
              g_autofree char *name = g_filename_display_basename (paths[i]);

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                           _("Could not remove “%s”: %s"), name, g_strerror (saved));
              ok = FALSE;
            }
        }
      else if (ok)
        {
          *removed = TRUE;
        }
      g_free (paths[i]);
    }
  return ok;
}

/* One photo: returns FALSE with @error set when it failed. */
static gboolean
apply_one (const char        *photo,
           const ApplyArgs   *args,
           const char        *look_id,   /* NULL: keep; "" : none */
           double             amount,    /* < 0: keep */
           const OtticaEdit  *preset,
           gboolean           quiet,
           GError           **error)
{
  g_autoptr(OtticaEdit) edit = NULL;
  g_autofree char *written = NULL;
  g_autofree char *photo_display = g_filename_display_name (photo);

  if (!g_file_test (photo, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *name = g_filename_display_basename (photo);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("“%s” is not a file."), name);
      return FALSE;
    }

  if (args->reset && look_id == NULL && amount < 0 && preset == NULL)
    {
      gboolean removed;

      if (!remove_sidecars (photo, &removed, error))
        return FALSE;
      if (!quiet)
        {
          if (removed)
            printf (_("%s: edit removed\n"), photo_display);
          else
            printf (_("%s: had no edit\n"), photo_display);
        }
      return TRUE;
    }

  if (!args->reset)
    {
      edit = ottica_sidecar_load (photo, error);
      if (edit == NULL && error != NULL && *error != NULL)
        return FALSE;
    }
  if (edit == NULL)
    edit = ottica_edit_new ();

  if (preset != NULL)
    ottica_edit_apply_preset (edit, preset);
  if (look_id != NULL)
    {
      ottica_edit_set_look (edit, look_id[0] != '\0' ? look_id : NULL);
      if (look_id[0] != '\0' && amount < 0)
        edit->look_amount = 1.0;
    }
  if (amount >= 0)
    edit->look_amount = amount;

  if (!ottica_sidecar_save (photo, edit, &written, error))
    return FALSE;

  if (!quiet)
    {
      g_autofree char *written_display = g_filename_display_name (written);

      printf ("%s → %s\n", photo_display, written_display);
    }
  return TRUE;
}

int
ottica_cli_apply (int argc, char **argv)
{
  ApplyArgs args = { 0 };
  const GOptionEntry entries[] = {
    { "reset", 0, 0, G_OPTION_ARG_NONE, &args.reset,
      N_("Start from the original: alone, deletes each photo’s edit; with --look or --preset, replaces it"),
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.inputs, NULL, N_("PHOTO|FOLDER…") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) preset = NULL;
  g_autoptr(GPtrArray) photos = NULL;
  OtticaScanOptions scan_options = { 0 };
  const char *skip_names[] = { "exported", NULL };
  const char *look_id = NULL;
  double amount = -1;
  guint n_failed = 0;
  int status;

  g_set_prgname (argv[0]);
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  ottica_cli_add_edit_entries (context, &args.edit);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Puts a look or a preset into the edits of photos (their sidecars, "
                                  "NAME.EXT.ottica), or resets them. The photos themselves are never "
                                  "changed; “ottica-cli export” then uses the edits."));
  g_option_context_set_description (context,
                                    _("Exit status: 0 when every photo’s edit was written, 1 when any "
                                      "failed (the others are still done), 2 for a bad command line.\n\n"
                                      "Examples:\n"
                                      "  ottica-cli apply --look documentary --amount 0.7 ~/Pictures/Trip\n"
                                      "  ottica-cli apply --reset IMG_0001.CR2\n"));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      status = ottica_cli_usage_error (COMMAND, "%s", error->message);
      goto out;
    }
  if (args.inputs == NULL || args.inputs[0] == NULL)
    {
      status = ottica_cli_usage_error (COMMAND, _("No photo or folder was given."));
      goto out;
    }
  if (args.edit.look == NULL && args.edit.amount == NULL && args.edit.preset == NULL && !args.reset)
    {
      status = ottica_cli_usage_error (COMMAND, _("Say what to apply: --look, --amount, --preset "
                                                  "or --reset."));
      goto out;
    }

  if (args.edit.amount != NULL)
    {
      char *end = NULL;

      amount = g_ascii_strtod (args.edit.amount, &end);
      if (end == args.edit.amount || *end != '\0' || !isfinite (amount) || amount < 0 || amount > 1)
        {
          status = ottica_cli_usage_error (COMMAND, _("--amount must be a number from 0 to 1, such as "
                                                      "0.5, not “%s”."),
                                           args.edit.amount);
          goto out;
        }
    }

  if (args.edit.look != NULL)
    {
      if (g_ascii_strcasecmp (args.edit.look, OTTICA_CLI_NO_LOOK) == 0)
        {
          look_id = "";
        }
      else
        {
          /* The look library registers its GEGL operation as it loads. */
          if (!ottica_cli_init_engine ())
            {
              status = OTTICA_CLI_EXIT_FAILED;
              goto out;
            }
          if (ottica_look_library_find (args.edit.look) == NULL)
            {
              status = ottica_cli_usage_error (COMMAND, _("There is no look “%s”; “ottica-cli looks” "
                                                          "lists them."),
                                               args.edit.look);
              goto out;
            }
          look_id = args.edit.look;
        }
    }

  if (args.edit.preset != NULL)
    {
      preset = ottica_edit_load (args.edit.preset, &error);
      if (preset == NULL)
        {
          status = ottica_cli_usage_error (COMMAND, "%s", error->message);
          goto out;
        }
    }

  scan_options.recursive = args.edit.recursive;
  scan_options.skip_folder_names = skip_names;
  photos = ottica_scan ((const char * const *) args.inputs, &scan_options, NULL, &error);
  if (photos == NULL)
    {
      status = ottica_cli_usage_error (COMMAND, "%s", error->message);
      goto out;
    }
  if (photos->len == 0)
    {
      status = ottica_cli_usage_error (COMMAND, _("No photos were found in the folders given."));
      goto out;
    }

  for (guint i = 0; i < photos->len; i++)
    {
      const char *photo = g_ptr_array_index (photos, i);
      g_autoptr(GError) photo_error = NULL;

      if (!apply_one (photo, &args, look_id, amount, preset, args.edit.quiet, &photo_error))
        {
          g_autofree char *display = g_filename_display_name (photo);

          ottica_cli_error ("%s: %s", display, photo_error->message);
          n_failed++;
        }
    }
  fflush (stdout);

  if (n_failed > 0)
    {
      /* The plural follows the number it counts, the first. */
      ottica_cli_error (g_dngettext (NULL,
                                     "%u photo out of %u failed.",
                                     "%u photos out of %u failed.",
                                     n_failed),
                        n_failed, photos->len);
      status = OTTICA_CLI_EXIT_FAILED;
    }
  else
    {
      status = OTTICA_CLI_EXIT_OK;
    }

out:
  apply_args_clear (&args);
  ottica_engine_shutdown ();
  return status;
}
