/* ottica-export-options.h: what a JPEG export is asked to be: quality,
 * subsampling, size, output sharpening, colour space, metadata.
 * The CLI, the GUI's export dialog and batch recipes all fill this.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  OTTICA_CHROMA_444,
  OTTICA_CHROMA_422,
  OTTICA_CHROMA_420,
} OtticaChroma;

typedef enum
{
  OTTICA_SIZE_ORIGINAL,
  OTTICA_SIZE_LONG_EDGE,   /* size_value: pixels of the longer side */
  OTTICA_SIZE_WIDTH,       /* size_value: pixels */
  OTTICA_SIZE_HEIGHT,      /* size_value: pixels */
  OTTICA_SIZE_MEGAPIXELS,  /* size_value: millions of pixels */
} OtticaSizeMode;

typedef enum
{
  OTTICA_SHARPEN_OFF,
  OTTICA_SHARPEN_LOW,
  OTTICA_SHARPEN_STANDARD,
  OTTICA_SHARPEN_HIGH,
} OtticaSharpen;

typedef enum
{
  OTTICA_COLOR_SPACE_SRGB,
  OTTICA_COLOR_SPACE_DISPLAY_P3,
  OTTICA_COLOR_SPACE_ADOBE_RGB,
} OtticaColorSpace;

typedef enum
{
  OTTICA_METADATA_ALL,      /* EXIF, IPTC and XMP copied */
  OTTICA_METADATA_NO_GPS,   /* all but location */
  OTTICA_METADATA_NONE,     /* nothing but the ICC profile */
} OtticaMetadataPolicy;

typedef struct
{
  int                   quality;          /* 1..100 */
  OtticaChroma          chroma;
  gboolean              progressive;
  gboolean              optimize_coding;  /* optimised Huffman tables */
  OtticaSizeMode        size_mode;
  double                size_value;
  OtticaSharpen         sharpen;
  OtticaColorSpace      color_space;
  OtticaMetadataPolicy  metadata;
  gboolean              overwrite;
} OtticaExportOptions;

/* Defaults: quality 90, 4:2:0, baseline, standard Huffman tables, original
 * size, no sharpening, sRGB, all metadata, never overwrite. */
void      ottica_export_options_init            (OtticaExportOptions *options);

/* Checks ranges; OTTICA_ERROR_INVALID with a sentence naming the option. */
gboolean  ottica_export_options_validate        (const OtticaExportOptions *options,
                                                 GError                   **error);

/* The output size for a @width × @height render: the side that was asked
 * for gets exactly that many pixels, the other keeps the aspect ratio
 * (rounded); megapixels round down so the area stays within the request.
 * Never upscales: a request at or above the render's size keeps it. */
void      ottica_export_options_output_size     (const OtticaExportOptions *options,
                                                 int                        width,
                                                 int                        height,
                                                 int                       *out_width,
                                                 int                       *out_height);

/* Names as the CLI and recipe files spell them ("long-edge", "4:2:0",
 * "display-p3", "no-gps", "standard"); parsing ignores case, accepts a few
 * aliases ("420", "p3", "adobergb", "none" for sharpening) and returns
 * FALSE for an unknown name; to_string gives the canonical name. */
gboolean  ottica_size_mode_from_string          (const char *text, OtticaSizeMode *out);
const char *ottica_size_mode_to_string          (OtticaSizeMode value);
gboolean  ottica_chroma_from_string             (const char *text, OtticaChroma *out);
const char *ottica_chroma_to_string             (OtticaChroma value);
gboolean  ottica_sharpen_from_string            (const char *text, OtticaSharpen *out);
const char *ottica_sharpen_to_string            (OtticaSharpen value);
gboolean  ottica_color_space_from_string        (const char *text, OtticaColorSpace *out);
const char *ottica_color_space_to_string        (OtticaColorSpace value);
gboolean  ottica_metadata_policy_from_string    (const char *text, OtticaMetadataPolicy *out);
const char *ottica_metadata_policy_to_string    (OtticaMetadataPolicy value);

G_END_DECLS
