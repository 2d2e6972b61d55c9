/* main.c: ottica-cli, a thin command line over Ottica's core.
 *
 *   ottica-cli apply [OPTION…] PHOTO|FOLDER…
 *   ottica-cli export [OPTION…] PHOTO|FOLDER…
 *   ottica-cli info PHOTO…
 *   ottica-cli looks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "ottica-cli.h"
#include "ottica-engine.h"

static const struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "apply",  ottica_cli_apply,  N_("Put a look or a preset into photos’ edits (sidecars), or reset them") },
  { "export", ottica_cli_export, N_("Export photos as JPEGs, with a look, a preset or their own edits") },
  { "info",   ottica_cli_info,   N_("Describe a photo: format, size, camera, colour, metadata, sidecar") },
  { "looks",  ottica_cli_looks,  N_("List the looks, built-in and your own") },
};

void
ottica_cli_error (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "ottica-cli: %s\n", message);
}

int
ottica_cli_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "ottica-cli: %s\n", message);
  if (command != NULL)
    fprintf (stderr, _("Try “ottica-cli %s --help” for more information.\n"), command);
  else
    fprintf (stderr, _("Try “ottica-cli --help” for more information.\n"));
  return OTTICA_CLI_EXIT_USAGE;
}

gboolean
ottica_cli_init_engine (void)
{
  g_autoptr(GError) error = NULL;

  if (!ottica_engine_init (0, &error))
    {
      ottica_cli_error ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
print_help (FILE *out)
{
  fprintf (out, _("Usage:\n  ottica-cli COMMAND [OPTION…] [ARGUMENT…]\n\n"));
  fprintf (out, _("Commands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, _("\nOptions:\n"
                  "  -h, --help       Show this help; “ottica-cli COMMAND --help” shows a command’s options\n"
                  "  -V, --version    Show the version\n"));
  fprintf (out, _("\nExamples:\n"
                  "  ottica-cli apply --look documentary ~/Pictures/Trip\n"
                  "  ottica-cli export --look documentary --long-edge 2048 -o ~/Export ~/Pictures/Trip\n"
                  "  ottica-cli info IMG_0001.CR2\n\n"
                  "See ottica-cli(1) for every option.\n"));
}

int
main (int argc, char **argv)
{
  const char *command;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("ottica-cli");
  /* "ottica-cli export … | head" must not kill an export half-way: a
   * closed pipe only makes the printing fail. */
  signal (SIGPIPE, SIG_IGN);

  if (argc < 2)
    {
      print_help (stderr);
      return OTTICA_CLI_EXIT_USAGE;
    }

  command = argv[1];
  if (strcmp (command, "--help") == 0 || strcmp (command, "-h") == 0
      || strcmp (command, "-?") == 0)
    {
      print_help (stdout);
      return OTTICA_CLI_EXIT_OK;
    }
  if (strcmp (command, "--version") == 0 || strcmp (command, "-V") == 0)
    {
      printf ("ottica-cli %s\n", PACKAGE_VERSION);
      return OTTICA_CLI_EXIT_OK;
    }
  /* "ottica-cli help export" as "ottica-cli export --help". */
  if (strcmp (command, "help") == 0)
    {
      if (argc < 3)
        {
          print_help (stdout);
          return OTTICA_CLI_EXIT_OK;
        }
      for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
        if (strcmp (argv[2], commands[i].name) == 0)
          {
            g_autofree char *name = g_strdup_printf ("ottica-cli %s", commands[i].name);
            char *help_argv[] = { name, (char *) "--help", NULL };

            return commands[i].run (2, help_argv);
          }
      return ottica_cli_usage_error (NULL, _("There is no command “%s”."), argv[2]);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (command, commands[i].name) == 0)
      {
        g_autofree char *name = g_strdup_printf ("ottica-cli %s", commands[i].name);
        g_autofree char **sub_argv = g_new0 (char *, argc);

        /* The command sees itself as argv[0], so GOption's help says
         * "ottica-cli export [OPTION…]". */
        sub_argv[0] = name;
        for (int j = 2; j < argc; j++)
          sub_argv[j - 1] = argv[j];
        return commands[i].run (argc - 1, sub_argv);
      }

  if (command[0] == '-')
    return ottica_cli_usage_error (NULL, _("Unknown option “%s”; the command comes first, "
                                           "as in “ottica-cli export --help”."),
                                   command);
  return ottica_cli_usage_error (NULL, _("There is no command “%s”; the commands are "
                                         "apply, export, info and looks."),
                                 command);
}
