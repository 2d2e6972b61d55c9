/* ottica-cli-looks.c: `ottica-cli looks`: the looks, and moving them
 * between machines as single files.
 *
 *   ottica-cli looks                              id, name and kind, one a line
 *   ottica-cli looks --export ID FILE|FOLDER      one look to one file
 *   ottica-cli looks --import FILE… [--overwrite] into $XDG_DATA_HOME/ottica/looks
 *
 * Export writes the look's file as it was read (a built-in look's too),
 * through ottica_look_export(): atomically, and never over an existing
 * file unless --overwrite. Import goes through ottica_look_library_import(),
 * which validates each file as a look before copying it; a bad file is
 * reported with its name and the others are still imported.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "ottica-cli.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-look-library.h"

#define COMMAND "looks"

typedef struct
{
  char     *export_id;
  gboolean  import;
  gboolean  overwrite;
  char    **files;
} LooksArgs;

static void
looks_args_clear (LooksArgs *args)
{
  g_free (args->export_id);
  g_strfreev (args->files);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LooksArgs, looks_args_clear)

static void
print_padded (const char *text, int width)
{
  glong pad = width - g_utf8_strlen (text, -1);

  printf ("%s%*s", text, (int) MAX (1, pad), "");
}

static int
list_looks (void)
{
  g_autoptr(GPtrArray) errors = NULL;
  GPtrArray *looks = ottica_look_library_list (&errors);
  int id_width = 2, name_width = 4;

  /* Broken user looks are skipped by the library; say why. */
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    {
      const GError *look_error = g_ptr_array_index (errors, i);

      ottica_cli_error (_("warning: %s"), look_error->message);
    }

  for (guint i = 0; i < looks->len; i++)
    {
      const OtticaLook *look = g_ptr_array_index (looks, i);

      id_width = MAX (id_width, (int) g_utf8_strlen (ottica_look_get_id (look), -1) + 2);
      name_width = MAX (name_width, (int) g_utf8_strlen (ottica_look_get_name (look), -1) + 2);
    }

  for (guint i = 0; i < looks->len; i++)
    {
      const OtticaLook *look = g_ptr_array_index (looks, i);

      print_padded (ottica_look_get_id (look), id_width);
      print_padded (ottica_look_get_name (look), name_width);
      printf ("%s\n", ottica_look_get_kind (look) == OTTICA_LOOK_KIND_MONO
                      ? C_("look kind", "mono") : C_("look kind", "colour"));
    }
  return OTTICA_CLI_EXIT_OK;
}

static int
export_look (const char *id, const char *destination, gboolean overwrite)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  const OtticaLook *look = ottica_look_library_find (id);

  if (look == NULL)
    return ottica_cli_usage_error (COMMAND, _("There is no look with the id “%s”; "
                                              "“ottica-cli looks” lists them."),
                                   id);

  /* A folder gets ID.look (ID.cube for a LUT) inside it. */
  if (g_file_test (destination, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *base = g_strconcat (ottica_look_get_id (look),
                                           ottica_look_is_lut (look) ? ".cube" : ".look", NULL);

      path = g_build_filename (destination, base, NULL);
    }
  else
    path = g_strdup (destination);

  if (!ottica_look_export (look, path, overwrite, &error))
    {
      /* A name with the wrong ending is a bad command line. */
      if (g_error_matches (error, OTTICA_ERROR, OTTICA_ERROR_INVALID))
        return ottica_cli_usage_error (COMMAND, "%s", error->message);
      ottica_cli_error ("%s", error->message);
      return OTTICA_CLI_EXIT_FAILED;
    }

  display = g_filename_display_name (path);
  printf (_("Exported the look “%s” to “%s”.\n"), ottica_look_get_id (look), display);
  return OTTICA_CLI_EXIT_OK;
}

static int
import_looks (char **files, gboolean overwrite)
{
  guint failed = 0;

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *display = g_filename_display_basename (files[i]);
      const OtticaLook *look;

      if (!g_file_test (files[i], G_FILE_TEST_EXISTS))
        {
          ottica_cli_error (_("“%s” does not exist."), display);
          failed++;
          continue;
        }
      look = ottica_look_library_import (files[i], overwrite, &error);
      if (look == NULL)
        {
          ottica_cli_error ("%s", error->message);
          failed++;
          continue;
        }
      printf (_("Imported “%s” as the look “%s” (%s).\n"),
              display, ottica_look_get_id (look), ottica_look_get_name (look));
    }

  if (failed > 0)
    {
      ottica_cli_error (g_dngettext (NULL, "%u look file could not be imported.",
                                     "%u look files could not be imported.", failed),
                        failed);
      return OTTICA_CLI_EXIT_FAILED;
    }
  return OTTICA_CLI_EXIT_OK;
}

int
ottica_cli_looks (int argc, char **argv)
{
  g_auto(LooksArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  guint n_files;
  int status;
  const GOptionEntry entries[] = {
    { "export", 0, 0, G_OPTION_ARG_STRING, &args.export_id,
      N_("Write the look ID to FILE (or into the folder FILE as ID.look), to share it"), N_("ID") },
    { "import", 0, 0, G_OPTION_ARG_NONE, &args.import,
      N_("Add the looks in the files named to your own looks"), NULL },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &args.overwrite,
      N_("With --export, replace FILE if it exists; with --import, replace your own look "
         "that has the same id"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.files, NULL, N_("FILE…") },
    { NULL }
  };

  g_set_prgname (argv[0]);
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Lists the looks “ottica-cli export --look” takes: the id, the name "
                                  "and the kind (colour or mono), one per line. With --export, writes "
                                  "a look to a file to share it; with --import, adds look files to your "
                                  "own looks, which live in $XDG_DATA_HOME/ottica/looks (usually "
                                  "~/.local/share/ottica/looks)."));
  g_option_context_set_description (context,
                                    _("Examples:\n"
                                      "  ottica-cli looks --export documentary my-documentary.look\n"
                                      "  ottica-cli looks --import my-documentary.look film.cube\n"));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ottica_cli_usage_error (COMMAND, "%s", error->message);

  n_files = args.files != NULL ? g_strv_length (args.files) : 0;
  if (args.export_id != NULL && args.import)
    return ottica_cli_usage_error (COMMAND, _("Give either --export or --import, not both."));
  if (args.overwrite && args.export_id == NULL && !args.import)
    return ottica_cli_usage_error (COMMAND, _("--overwrite goes with --export or --import."));
  if (args.export_id != NULL && n_files != 1)
    return ottica_cli_usage_error (COMMAND, _("--export takes a look’s id and one file to write, "
                                              "as in “--export documentary documentary.look”."));
  if (args.import && n_files == 0)
    return ottica_cli_usage_error (COMMAND, _("--import needs the look files to import."));
  if (args.export_id == NULL && !args.import && n_files > 0)
    return ottica_cli_usage_error (COMMAND, _("“looks” takes no arguments, but “%s” was given."),
                                   args.files[0]);

  /* The look library needs the engine (it validates looks against the
   * real operations) and registers its GEGL operation as it loads. */
  if (!ottica_cli_init_engine ())
    return OTTICA_CLI_EXIT_FAILED;

  if (args.export_id != NULL)
    status = export_look (args.export_id, args.files[0], args.overwrite);
  else if (args.import)
    status = import_looks (args.files, args.overwrite);
  else
    status = list_looks ();

  ottica_engine_shutdown ();
  return status;
}
