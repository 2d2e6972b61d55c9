/* ottica-cli-info.c: `ottica-cli info PHOTO…`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "ottica-cli.h"
#include "ottica-engine.h"
#include "ottica-image.h"
#include "ottica-metadata.h"
#include "ottica-sidecar.h"

#define COMMAND "info"

/* A small decode is enough: the size, camera and colour space come from
 * the headers, and RAW files take libraw's fast half-size path. */
#define INFO_LOAD_SIZE 256

static const char *
orientation_text (int orientation)
{
  /* What was done to show the photo upright (EXIF's own wording). */
  switch (orientation)
    {
    case 1: return _("normal");
    case 2: return _("mirrored horizontally");
    case 3: return _("rotated 180°");
    case 4: return _("mirrored vertically");
    case 5: return _("mirrored horizontally and rotated 270° clockwise");
    case 6: return _("rotated 90° clockwise");
    case 7: return _("mirrored horizontally and rotated 90° clockwise");
    case 8: return _("rotated 270° clockwise");
    default: return _("unknown");
    }
}

static void
print_field (const char *label, const char *value)
{
  /* Labels are translated, so pad by characters, not bytes. */
  glong pad = 15 - g_utf8_strlen (label, -1);

  printf ("%s:%*s%s\n", label, (int) MAX (1, pad), "", value);
}

static gboolean
describe (const char *path, GError **error)
{
  OtticaLoadOptions options = { INFO_LOAD_SIZE };
  g_autoptr(OtticaImage) image = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *size = NULL;
  g_autofree char *orientation = NULL;
  g_autofree char *date = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *sidecar = NULL;
  g_autofree char *color = NULL;

  image = ottica_image_load (path, &options, NULL, error);
  if (image == NULL)
    return FALSE;

  size = g_strdup_printf (_("%d × %d pixels (%.1f megapixels)"),
                          image->full_width, image->full_height,
                          (double) image->full_width * image->full_height / 1e6);
  orientation = g_strdup_printf ("%d (%s)", image->orientation, orientation_text (image->orientation));
  if (image->icc_profile != NULL)
    color = g_strdup_printf (_("%s (embedded ICC profile)"),
                             image->color_space != NULL ? image->color_space : _("unknown"));
  else
    color = g_strdup (image->color_space != NULL ? image->color_space : "sRGB");
  date = ottica_metadata_capture_date (path);
  summary = ottica_metadata_describe (path);
  sidecar = ottica_sidecar_find (path);

  print_field (_("File"), display);
  print_field (_("Format"), image->format_name != NULL ? image->format_name : _("unknown"));
  print_field (_("Size"), size);
  print_field (_("Camera"), image->camera != NULL ? image->camera : _("unknown"));
  print_field (_("Colour space"), color);
  print_field (_("Orientation"), orientation);
  print_field (_("Captured"), date != NULL ? date : _("unknown"));
  if (sidecar != NULL)
    {
      g_autofree char *sidecar_display = g_filename_display_name (sidecar);

      print_field (_("Sidecar"), sidecar_display);
    }
  else
    {
      print_field (_("Sidecar"), _("none"));
    }

  if (summary != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (summary, "\n", -1);

      printf ("%s:\n", _("Metadata"));
      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0')
          printf ("  %s\n", lines[i]);
    }
  else
    {
      print_field (_("Metadata"), _("none"));
    }
  return TRUE;
}

int
ottica_cli_info (int argc, char **argv)
{
  g_auto(GStrv) files = NULL;
  const GOptionEntry entries[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, N_("PHOTO…") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int status = OTTICA_CLI_EXIT_OK;

  g_set_prgname (argv[0]);
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Describes photos: format, size, camera, colour space, orientation, "
                                  "capture date, metadata, and whether Ottica has an edit (sidecar) "
                                  "for it."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ottica_cli_usage_error (COMMAND, "%s", error->message);
  if (files == NULL || files[0] == NULL)
    return ottica_cli_usage_error (COMMAND, _("No photo was given."));

  if (!ottica_cli_init_engine ())
    return OTTICA_CLI_EXIT_FAILED;

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GError) file_error = NULL;

      if (i > 0)
        printf ("\n");
      fflush (stdout);
      if (!describe (files[i], &file_error))
        {
          g_autofree char *display = g_filename_display_name (files[i]);

          fflush (stdout);
          ottica_cli_error ("%s: %s", display, file_error->message);
          status = OTTICA_CLI_EXIT_FAILED;
        }
    }
  fflush (stdout);
  ottica_engine_shutdown ();
  return status;
}
