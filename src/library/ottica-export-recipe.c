/* ottica-export-recipe.c: [Recipe] key files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <math.h>

#include "ottica-error.h"
#include "ottica-export-recipe.h"
#include "ottica-limits.h"

#define GROUP "Recipe"

static const char * const known_keys[] = {
  "name", "quality", "max-size", "long-edge", "width", "height", "megapixels",
  "sharpen", "color-space", "metadata", "chroma", "progressive", "optimize",
  "template", "subfolder", NULL
};

OtticaExportRecipe *
ottica_export_recipe_new (void)
{
  OtticaExportRecipe *recipe = g_new0 (OtticaExportRecipe, 1);

  ottica_export_options_init (&recipe->export_options);
  return recipe;
}

OtticaExportRecipe *
ottica_export_recipe_copy (const OtticaExportRecipe *recipe)
{
  OtticaExportRecipe *copy;

  g_return_val_if_fail (recipe != NULL, NULL);

  copy = g_memdup2 (recipe, sizeof *recipe);
  copy->name = g_strdup (recipe->name);
  copy->name_template = g_strdup (recipe->name_template);
  copy->subfolder = g_strdup (recipe->subfolder);
  return copy;
}

void
ottica_export_recipe_free (OtticaExportRecipe *recipe)
{
  if (recipe == NULL)
    return;
  g_free (recipe->name);
  g_free (recipe->name_template);
  g_free (recipe->subfolder);
  g_free (recipe);
}

gboolean
ottica_parse_byte_size (const char *text,
                        guint64    *bytes)
{
  g_autofree char *copy = NULL;
  char *end = NULL;
  double value, unit = 1;
  gsize len;

  g_return_val_if_fail (bytes != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  len = strlen (copy);
  if (len > 0 && (copy[len - 1] == 'B' || copy[len - 1] == 'b'))
    copy[--len] = '\0';
  if (len > 0 && (copy[len - 1] == 'K' || copy[len - 1] == 'k'))
    unit = 1024, copy[--len] = '\0';
  else if (len > 0 && (copy[len - 1] == 'M' || copy[len - 1] == 'm'))
    unit = 1024 * 1024, copy[--len] = '\0';
  if (len == 0)
    return FALSE;
  value = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (value) || value <= 0
      || value * unit > 1024.0 * 1024 * 1024)
    return FALSE;
  *bytes = (guint64) floor (value * unit);
  return *bytes > 0;
}

/* A bad value: each message is one whole sentence naming the recipe file
 * (the first %s) and the value (the last), so translators see it whole. */
#define INVALID(message, ...) \
  (g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID, message, display, __VA_ARGS__), NULL)

static gboolean
safe_subfolder (const char *text)
{
  g_auto(GStrv) parts = NULL;

  if (text[0] == '\0' || g_path_is_absolute (text))
    return FALSE;
  parts = g_strsplit (text, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || parts[i][0] == '.')
      return FALSE;
  return TRUE;
}

OtticaExportRecipe *
ottica_export_recipe_load (const char                *path,
                           const OtticaExportOptions *defaults,
                           GError                   **error)
{
  g_autoptr(OtticaExportRecipe) recipe = ottica_export_recipe_new ();
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = NULL;
  g_autofree char *data = NULL;
  g_auto(GStrv) keys = NULL;
  OtticaExportOptions *options = &recipe->export_options;
  gsize length = 0;
  int n_sizes = 0;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_basename (path);
  if (defaults != NULL)
    *options = *defaults;

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_NOT_FOUND,
                   _("Could not read the recipe “%s”: %s"), display, local_error->message);
      return NULL;
    }
  if (length > OTTICA_MAX_KEY_FILE_BYTES)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_TOO_LARGE,
                   _("“%s” is too large to be a recipe."), display);
      return NULL;
    }
  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” is not a recipe file: %s"), display, local_error->message);
      return NULL;
    }
  if (!g_key_file_has_group (file, GROUP))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” is not a recipe file: it has no [Recipe] group."), display);
      return NULL;
    }

  keys = g_key_file_get_keys (file, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_string (file, GROUP, keys[i], NULL);
      char *end = NULL;

      if (!g_strv_contains (known_keys, keys[i]))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("“%s”: there is no recipe setting “%s”."), display, keys[i]);
          return NULL;
        }
      if (value == NULL)
        value = g_strdup ("");
      g_strstrip (value);

      if (strcmp (keys[i], "name") == 0)
        {
          g_free (recipe->name);
          recipe->name = g_strdup (value);
        }
      else if (strcmp (keys[i], "quality") == 0)
        {
          gint64 quality = g_ascii_strtoll (value, &end, 10);

          if (end == value || *end != '\0' || quality < 1 || quality > 100)
            return INVALID (_("“%s”: quality must be a number from 1 to 100, not “%s”."), value);
          options->quality = (int) quality;
        }
      else if (strcmp (keys[i], "max-size") == 0)
        {
          if (!ottica_parse_byte_size (value, &recipe->target_bytes))
            return INVALID (_("“%s”: max-size must be a file size such as 500K or 2M, not “%s”."),
                            value);
        }
      else if (strcmp (keys[i], "long-edge") == 0 || strcmp (keys[i], "width") == 0
               || strcmp (keys[i], "height") == 0)
        {
          gint64 pixels = g_ascii_strtoll (value, &end, 10);

          if (end == value || *end != '\0' || pixels < 1 || pixels > OTTICA_MAX_IMAGE_SIDE)
            /* TRANSLATORS: the second %s is the setting: long-edge, width or height. */
            return INVALID (_("“%s”: %s must be a number of pixels, not “%s”."), keys[i], value);
          options->size_mode = strcmp (keys[i], "long-edge") == 0 ? OTTICA_SIZE_LONG_EDGE
                             : strcmp (keys[i], "width") == 0 ? OTTICA_SIZE_WIDTH
                             : OTTICA_SIZE_HEIGHT;
          options->size_value = (double) pixels;
          n_sizes++;
        }
      else if (strcmp (keys[i], "megapixels") == 0)
        {
          double mp = g_ascii_strtod (value, &end);

          if (end == value || *end != '\0' || !isfinite (mp) || mp <= 0
              || mp > OTTICA_MAX_IMAGE_PIXELS / 1e6)
            return INVALID (_("“%s”: megapixels must be a number above 0, not “%s”."), value);
          options->size_mode = OTTICA_SIZE_MEGAPIXELS;
          options->size_value = mp;
          n_sizes++;
        }
      else if (strcmp (keys[i], "sharpen") == 0)
        {
          if (!ottica_sharpen_from_string (value, &options->sharpen))
            return INVALID (_("“%s”: sharpen must be off, low, standard or high, not “%s”."),
                            value);
        }
      else if (strcmp (keys[i], "color-space") == 0)
        {
          if (!ottica_color_space_from_string (value, &options->color_space))
            return INVALID (_("“%s”: color-space must be srgb, display-p3 or adobe-rgb, "
                              "not “%s”."),
                            value);
        }
      else if (strcmp (keys[i], "metadata") == 0)
        {
          if (!ottica_metadata_policy_from_string (value, &options->metadata))
            return INVALID (_("“%s”: metadata must be all, no-gps or none, not “%s”."), value);
        }
      else if (strcmp (keys[i], "chroma") == 0)
        {
          if (!ottica_chroma_from_string (value, &options->chroma))
            return INVALID (_("“%s”: chroma must be 4:4:4, 4:2:2 or 4:2:0, not “%s”."), value);
        }
      else if (strcmp (keys[i], "progressive") == 0 || strcmp (keys[i], "optimize") == 0)
        {
          gboolean flag = g_key_file_get_boolean (file, GROUP, keys[i], &local_error);

          if (local_error != NULL)
            /* TRANSLATORS: the second %s is the setting: progressive or optimize. */
            return INVALID (_("“%s”: %s must be true or false, not “%s”."), keys[i], value);
          if (strcmp (keys[i], "progressive") == 0)
            options->progressive = flag;
          else
            options->optimize_coding = flag;
        }
      else if (strcmp (keys[i], "template") == 0)
        {
          g_free (recipe->name_template);
          recipe->name_template = g_strdup (value);
        }
      else if (strcmp (keys[i], "subfolder") == 0)
        {
          if (!safe_subfolder (value))
            return INVALID (_("“%s”: subfolder must be a folder name inside the output folder, "
                              "not “%s”."),
                            value);
          g_free (recipe->subfolder);
          recipe->subfolder = g_strdup (value);
        }
    }

  if (n_sizes > 1)
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” gives more than one of long-edge, width, height and megapixels."),
                   display);
      return NULL;
    }
  if (recipe->target_bytes != 0 && g_key_file_has_key (file, GROUP, "quality", NULL))
    {
      g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                   _("“%s” gives both a quality and a max-size; the quality is what max-size "
                     "finds."),
                   display);
      return NULL;
    }
  if (recipe->name == NULL || recipe->name[0] == '\0')
    {
      g_free (recipe->name);
      recipe->name = g_strdup (display);
    }
  if (!ottica_export_options_validate (options, error))
    return NULL;
  return g_steal_pointer (&recipe);
}
