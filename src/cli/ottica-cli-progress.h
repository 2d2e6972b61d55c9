/* ottica-cli-progress.h: how `ottica-cli export` reports a batch: one
 * updating line on a terminal, plain lines otherwise.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ottica-batch.h"

G_BEGIN_DECLS

typedef struct _OtticaCliProgress OtticaCliProgress;

/* Connects to @batch's signals for a run of @n_files. On a terminal
 * (stderr) and not @quiet: one line with the count, the current file and
 * the time left. Otherwise, unless @quiet: "INPUT → OUTPUT" on stdout per
 * photo. Failures always go to stderr as "ottica-cli: INPUT: reason". */
OtticaCliProgress *ottica_cli_progress_new     (OtticaBatch       *batch,
                                                guint              n_files,
                                                gboolean           quiet);

/* Clears the progress line and prints the summary. */
void               ottica_cli_progress_summary (OtticaCliProgress       *self,
                                                const OtticaBatchResult *result,
                                                gboolean                 overwrite);

void               ottica_cli_progress_free    (OtticaCliProgress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtticaCliProgress, ottica_cli_progress_free)

G_END_DECLS
