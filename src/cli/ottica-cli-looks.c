/* ottica-cli-looks.c: `ottica-cli looks`: id, name and kind, one a line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "ottica-cli.h"
#include "ottica-engine.h"
#include "ottica-look-library.h"

#define COMMAND "looks"

static void
print_padded (const char *text, int width)
{
  glong pad = width - g_utf8_strlen (text, -1);

  printf ("%s%*s", text, (int) MAX (1, pad), "");
}

int
ottica_cli_looks (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  GPtrArray *looks;
  int id_width = 2, name_width = 4;

  g_set_prgname (argv[0]);
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Lists the looks “ottica-cli export --look” takes: the id, the name "
                                  "and the kind (colour or mono), one per line. Your own looks live in "
                                  "$XDG_DATA_HOME/ottica/looks (usually ~/.local/share/ottica/looks)."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ottica_cli_usage_error (COMMAND, "%s", error->message);
  if (argc > 1)
    return ottica_cli_usage_error (COMMAND, _("“looks” takes no arguments, but “%s” was given."), argv[1]);

  /* The look library registers its GEGL operation as it loads. */
  if (!ottica_cli_init_engine ())
    return OTTICA_CLI_EXIT_FAILED;

  looks = ottica_look_library_list (&errors);

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
      printf ("%s\n", ottica_look_get_kind (look) == OTTICA_LOOK_KIND_MONO ? _("mono") : _("colour"));
    }
  ottica_engine_shutdown ();
  return OTTICA_CLI_EXIT_OK;
}
