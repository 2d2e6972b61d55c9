/* ottica-cli.h: what the ottica-cli commands share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Exit statuses (documented in ottica-cli.1). */
#define OTTICA_CLI_EXIT_OK           0
#define OTTICA_CLI_EXIT_FAILED       1    /* a file could not be done */
#define OTTICA_CLI_EXIT_USAGE        2    /* bad command line */
#define OTTICA_CLI_EXIT_INTERRUPTED  130  /* SIGINT or SIGTERM */

/* Each command gets argv with argv[0] = "ottica-cli COMMAND". */
int  ottica_cli_apply  (int argc, char **argv);
int  ottica_cli_export (int argc, char **argv);
int  ottica_cli_info   (int argc, char **argv);
int  ottica_cli_looks  (int argc, char **argv);

/* "ottica-cli: MESSAGE" on stderr. */
void ottica_cli_error  (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* A usage error: the message, a pointer to --help; returns
 * OTTICA_CLI_EXIT_USAGE. */
int  ottica_cli_usage_error (const char *command,
                             const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Initialises the engine or prints why not; FALSE on failure. */
gboolean ottica_cli_init_engine (void);

/* The options "apply" and "export" share: what goes into each photo's
 * edit, and which photos. Free with ottica_cli_edit_args_clear(). */
typedef struct
{
  char     *look;       /* an id, or OTTICA_CLI_NO_LOOK */
  char     *amount;     /* unparsed, so that errors can quote it */
  char     *preset;
  gboolean  recursive;
  gboolean  quiet;
} OtticaCliEditArgs;

/* --look's word for "no look". */
#define OTTICA_CLI_NO_LOOK "none"

/* Adds the shared options, filling @args, to @context's main group; each
 * command adds its own after them. */
static inline void
ottica_cli_add_edit_entries (GOptionContext    *context,
                             OtticaCliEditArgs *args)
{
  const GOptionEntry entries[] = {
    { "look", 0, 0, G_OPTION_ARG_STRING, &args->look,
      N_("The look ID for each photo (“ottica-cli looks” lists them; “none” for no look)"),
      N_("ID") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &args->amount,
      N_("Strength of the look, 0 to 1 (default 1 with --look; alone, changes the strength "
         "of the look each photo’s edit has)"),
      N_("A") },
    { "preset", 0, 0, G_OPTION_ARG_FILENAME, &args->preset,
      N_("Apply the adjustments of a preset file over each photo’s own edit"), N_("FILE") },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &args->recursive,
      N_("Look for photos in subfolders of the folders given"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args->quiet,
      N_("Print only errors"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

static inline void
ottica_cli_edit_args_clear (OtticaCliEditArgs *args)
{
  g_clear_pointer (&args->look, g_free);
  g_clear_pointer (&args->amount, g_free);
  g_clear_pointer (&args->preset, g_free);
}

G_END_DECLS
