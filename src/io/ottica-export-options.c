/* ottica-export-options.c: export defaults, validation, output size and the
 * names the CLI and recipe files use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n-lib.h>
#include <math.h>

#include "ottica-error.h"
#include "ottica-export-options.h"
#include "ottica-limits.h"

typedef struct
{
  int         value;
  const char *name;
} NamedValue;

/* The first name of each value is the canonical one (to_string); the others
 * are accepted spellings. */
static const NamedValue chroma_names[] = {
  { OTTICA_CHROMA_444, "4:4:4" },
  { OTTICA_CHROMA_422, "4:2:2" },
  { OTTICA_CHROMA_420, "4:2:0" },
  { OTTICA_CHROMA_444, "444" },
  { OTTICA_CHROMA_422, "422" },
  { OTTICA_CHROMA_420, "420" },
};

static const NamedValue sharpen_names[] = {
  { OTTICA_SHARPEN_OFF, "off" },
  { OTTICA_SHARPEN_LOW, "low" },
  { OTTICA_SHARPEN_STANDARD, "standard" },
  { OTTICA_SHARPEN_HIGH, "high" },
  { OTTICA_SHARPEN_OFF, "none" },
};

static const NamedValue color_space_names[] = {
  { OTTICA_COLOR_SPACE_SRGB, "srgb" },
  { OTTICA_COLOR_SPACE_DISPLAY_P3, "display-p3" },
  { OTTICA_COLOR_SPACE_ADOBE_RGB, "adobe-rgb" },
  { OTTICA_COLOR_SPACE_DISPLAY_P3, "p3" },
  { OTTICA_COLOR_SPACE_ADOBE_RGB, "adobergb" },
  { OTTICA_COLOR_SPACE_ADOBE_RGB, "adobe-rgb-1998" },
};

static const NamedValue metadata_names[] = {
  { OTTICA_METADATA_ALL, "all" },
  { OTTICA_METADATA_NO_GPS, "no-gps" },
  { OTTICA_METADATA_NONE, "none" },
};

static gboolean
lookup_name (const NamedValue *table, gsize n, const char *text, int *out)
{
  if (text == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (g_ascii_strcasecmp (table[i].name, text) == 0)
        {
          *out = table[i].value;
          return TRUE;
        }
    }
  return FALSE;
}

static const char *
lookup_value (const NamedValue *table, gsize n, int value)
{
  for (gsize i = 0; i < n; i++)
    if (table[i].value == value)
      return table[i].name;
  return NULL;
}

#define DEFINE_NAMES(type, func, table)                                 \
  gboolean                                                              \
  func##_from_string (const char *text, type *out)                      \
  {                                                                     \
    int value;                                                          \
                                                                        \
    g_return_val_if_fail (out != NULL, FALSE);                          \
    if (!lookup_name (table, G_N_ELEMENTS (table), text, &value))       \
      return FALSE;                                                     \
    *out = (type) value;                                                \
    return TRUE;                                                        \
  }                                                                     \
                                                                        \
  const char *                                                          \
  func##_to_string (type value)                                         \
  {                                                                     \
    return lookup_value (table, G_N_ELEMENTS (table), (int) value);     \
  }

DEFINE_NAMES (OtticaChroma, ottica_chroma, chroma_names)
DEFINE_NAMES (OtticaSharpen, ottica_sharpen, sharpen_names)
DEFINE_NAMES (OtticaColorSpace, ottica_color_space, color_space_names)
DEFINE_NAMES (OtticaMetadataPolicy, ottica_metadata_policy, metadata_names)

static const NamedValue size_mode_names[] = {
  { OTTICA_SIZE_ORIGINAL, "original" },
  { OTTICA_SIZE_LONG_EDGE, "long-edge" },
  { OTTICA_SIZE_WIDTH, "width" },
  { OTTICA_SIZE_HEIGHT, "height" },
  { OTTICA_SIZE_MEGAPIXELS, "megapixels" },
};

DEFINE_NAMES (OtticaSizeMode, ottica_size_mode, size_mode_names)

void
ottica_export_options_init (OtticaExportOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (OtticaExportOptions) {
    .quality = 90,
    .chroma = OTTICA_CHROMA_420,
    .progressive = FALSE,
    .optimize_coding = FALSE,
    .size_mode = OTTICA_SIZE_ORIGINAL,
    .size_value = 0.0,
    .sharpen = OTTICA_SHARPEN_OFF,
    .color_space = OTTICA_COLOR_SPACE_SRGB,
    .metadata = OTTICA_METADATA_ALL,
    .overwrite = FALSE,
  };
}

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, OTTICA_ERROR, OTTICA_ERROR_INVALID, message);
  return FALSE;
}

gboolean
ottica_export_options_validate (const OtticaExportOptions *options,
                                GError                   **error)
{
  g_return_val_if_fail (options != NULL, FALSE);

  if (options->quality < 1 || options->quality > 100)
    return invalid (error, _("The JPEG quality must be between 1 and 100."));
  if (ottica_chroma_to_string (options->chroma) == NULL)
    return invalid (error, _("The chroma subsampling must be 4:4:4, 4:2:2 or 4:2:0."));
  if (ottica_sharpen_to_string (options->sharpen) == NULL)
    return invalid (error, _("The output sharpening must be off, low, standard or high."));
  if (ottica_color_space_to_string (options->color_space) == NULL)
    return invalid (error, _("The colour space must be sRGB, Display P3 or Adobe RGB."));
  if (ottica_metadata_policy_to_string (options->metadata) == NULL)
    return invalid (error, _("The metadata policy must be all, no-gps or none."));

  switch (options->size_mode)
    {
    case OTTICA_SIZE_ORIGINAL:
      break;
    case OTTICA_SIZE_LONG_EDGE:
    case OTTICA_SIZE_WIDTH:
    case OTTICA_SIZE_HEIGHT:
      if (!(options->size_value >= 1.0 && options->size_value <= OTTICA_MAX_IMAGE_SIDE))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("The output size must be between 1 and %d pixels."),
                       OTTICA_MAX_IMAGE_SIDE);
          return FALSE;
        }
      break;
    case OTTICA_SIZE_MEGAPIXELS:
      if (!(options->size_value >= 0.01 && options->size_value <= OTTICA_MAX_IMAGE_PIXELS / 1e6))
        {
          g_set_error (error, OTTICA_ERROR, OTTICA_ERROR_INVALID,
                       _("The output size must be between 0.01 and %g megapixels."),
                       OTTICA_MAX_IMAGE_PIXELS / 1e6);
          return FALSE;
        }
      break;
    default:
      return invalid (error, _("The output size must be the original size, a long edge, "
                               "a width, a height or a number of megapixels."));
    }

  return TRUE;
}

void
ottica_export_options_output_size (const OtticaExportOptions *options,
                                   int                        width,
                                   int                        height,
                                   int                       *out_width,
                                   int                       *out_height)
{
  double scale = 1.0;
  int long_side, asked;

  g_return_if_fail (options != NULL);
  g_return_if_fail (out_width != NULL && out_height != NULL);

  *out_width = MAX (width, 0);
  *out_height = MAX (height, 0);
  if (width <= 0 || height <= 0)
    return;

  long_side = MAX (width, height);
  switch (options->size_mode)
    {
    case OTTICA_SIZE_LONG_EDGE:
      scale = options->size_value / long_side;
      break;
    case OTTICA_SIZE_WIDTH:
      scale = options->size_value / width;
      break;
    case OTTICA_SIZE_HEIGHT:
      scale = options->size_value / height;
      break;
    case OTTICA_SIZE_MEGAPIXELS:
      scale = sqrt (options->size_value * 1e6 / ((double) width * height));
      break;
    case OTTICA_SIZE_ORIGINAL:
    default:
      scale = 1.0;
      break;
    }

  /* Never upscale: an export is never larger than the photo. */
  if (!(scale < 1.0))
    return;

  asked = (int) lround (options->size_value);

  switch (options->size_mode)
    {
    /* The side that was asked for gets exactly the asked size. */
    case OTTICA_SIZE_LONG_EDGE:
      if (width >= height)
        {
          *out_width = asked;
          *out_height = (int) lround (height * scale);
        }
      else
        {
          *out_height = asked;
          *out_width = (int) lround (width * scale);
        }
      break;
    case OTTICA_SIZE_WIDTH:
      *out_width = asked;
      *out_height = (int) lround (height * scale);
      break;
    case OTTICA_SIZE_HEIGHT:
      *out_height = asked;
      *out_width = (int) lround (width * scale);
      break;
    default:
      /* Megapixels: rounding down keeps the area within what was asked. */
      *out_width = (int) floor (width * scale);
      *out_height = (int) floor (height * scale);
      break;
    }

  *out_width = CLAMP (*out_width, 1, width);
  *out_height = CLAMP (*out_height, 1, height);
}
