/* ottica-cli.h: what the ottica-cli commands share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

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

G_END_DECLS
