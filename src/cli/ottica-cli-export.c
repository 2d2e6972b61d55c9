/* ottica-cli-export.c: `ottica-cli export [OPTION…] PHOTO|FOLDER…`.
 *
 * Without --output each photo is exported into a folder "exported" beside
 * it, as darktable ("darktable_exported") and RawTherapee ("converted")
 * do by default: originals and exports stay together, a folder of RAW and
 * JPEG files never has an export written over an original, and a camera
 * card's layout is kept. Scans skip those folders, so a second run does
 * not export the exports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ottica-babl-guard.h"
#include "ottica-batch.h"
#include "ottica-cli-progress.h"
#include "ottica-cli.h"
#include "ottica-edit.h"
#include "ottica-engine.h"
#include "ottica-error.h"
#include "ottica-export-options.h"
#include "ottica-export-recipe.h"
#include "ottica-image.h"
#include "ottica-output-profile.h"
#include "ottica-jpeg-export.h"
#include "ottica-limits.h"
#include "ottica-look-library.h"
#include "ottica-output-template.h"
#include "ottica-pipeline.h"
#include "ottica-scan.h"

#define COMMAND "export"

typedef struct
{
  OtticaCliEditArgs edit;
  char     *sidecar;
  char     *output;
  char     *name_template;
  int       quality;
  int       long_edge;
  int       width;
  int       height;
  char     *megapixels;
  char     *sharpen;
  char     *color_space;
  char     *metadata;
  char     *chroma;
  gboolean  progressive;
  gboolean  optimize;
  int       jobs;
  int       threads;
  gboolean  overwrite;
  char    **recipes;
  char     *max_size;
  char     *shard;
  char    **inputs;
} ExportArgs;

static void
export_args_clear (ExportArgs *args)
{
  ottica_cli_edit_args_clear (&args->edit);
  g_free (args->sidecar);
  g_free (args->output);
  g_free (args->name_template);
  g_free (args->megapixels);
  g_free (args->sharpen);
  g_free (args->color_space);
  g_free (args->metadata);
  g_free (args->chroma);
  g_strfreev (args->recipes);
  g_free (args->max_size);
  g_free (args->shard);
  g_strfreev (args->inputs);
}

/* A number with nothing after it, in the C locale ("0.5", never "0,5"). */
static gboolean
parse_double (const char *text, double *out)
{
  char *end = NULL;
  double value;

  if (text == NULL || *text == '\0')
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return FALSE;
  *out = value;
  return TRUE;
}

#define MAX_SHARDS 10000

/* "K/N": 1 <= K <= N <= MAX_SHARDS. */
static gboolean
parse_shard (const char *text, guint *k, guint *n)
{
  char *end = NULL;
  guint64 a, b;

  if (!g_ascii_isdigit (text[0]))
    return FALSE;
  a = g_ascii_strtoull (text, &end, 10);
  if (*end != '/' || !g_ascii_isdigit (end[1]))
    return FALSE;
  b = g_ascii_strtoull (end + 1, &end, 10);
  if (*end != '\0' || a < 1 || b < 1 || a > b || b > MAX_SHARDS)
    return FALSE;
  *k = (guint) a;
  *n = (guint) b;
  return TRUE;
}

/* Whether a recipe file says its own quality (which then wins over
 * --max-size from the command line). */
static gboolean
output_recipe_sets_quality (const char *path)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  return g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL)
         && g_key_file_has_key (file, "Recipe", "quality", NULL);
}

/* Fills @recipe from @args; a usage error returns FALSE having printed
 * why. @preset_out receives the loaded preset and @outputs_out the recipe
 * files (the recipe points to both). */
static gboolean
build_recipe (ExportArgs         *args,
              OtticaBatchRecipe  *recipe,
              OtticaEdit        **preset_out,
              GPtrArray         **outputs_out)
{
  OtticaExportOptions *options = &recipe->export_options;
  int n_sizes = 0;

  ottica_batch_recipe_init (recipe);

  if (args->quality != -1)
    {
      if (args->quality < 1 || args->quality > 100)
        {
          ottica_cli_usage_error (COMMAND, _("--quality must be from 1 to 100, not %d."), args->quality);
          return FALSE;
        }
      options->quality = args->quality;
    }

  n_sizes = (args->long_edge != -1) + (args->width != -1) + (args->height != -1)
            + (args->megapixels != NULL);
  if (n_sizes > 1)
    {
      ottica_cli_usage_error (COMMAND, _("Give only one of --long-edge, --width, --height "
                                         "and --megapixels."));
      return FALSE;
    }
  if (args->long_edge != -1 || args->width != -1 || args->height != -1)
    {
      int pixels = args->long_edge != -1 ? args->long_edge
                 : args->width != -1 ? args->width : args->height;
      const char *name = args->long_edge != -1 ? "--long-edge"
                       : args->width != -1 ? "--width" : "--height";

      if (pixels < 1 || pixels > OTTICA_MAX_IMAGE_SIDE)
        {
          ottica_cli_usage_error (COMMAND, _("%s must be a number of pixels from 1 to %d, not %d."),
                                  name, OTTICA_MAX_IMAGE_SIDE, pixels);
          return FALSE;
        }
      options->size_mode = args->long_edge != -1 ? OTTICA_SIZE_LONG_EDGE
                         : args->width != -1 ? OTTICA_SIZE_WIDTH : OTTICA_SIZE_HEIGHT;
      options->size_value = pixels;
    }
  else if (args->megapixels != NULL)
    {
      double mp;

      if (!parse_double (args->megapixels, &mp) || mp <= 0 || mp > OTTICA_MAX_IMAGE_PIXELS / 1e6)
        {
          ottica_cli_usage_error (COMMAND, _("--megapixels must be a number above 0, such as 12 "
                                             "or 2.5, not “%s”."),
                                  args->megapixels);
          return FALSE;
        }
      options->size_mode = OTTICA_SIZE_MEGAPIXELS;
      options->size_value = mp;
    }

  if (args->sharpen != NULL && !ottica_sharpen_from_string (args->sharpen, &options->sharpen))
    {
      ottica_cli_usage_error (COMMAND, _("--sharpen must be off, low, standard or high, not “%s”."),
                              args->sharpen);
      return FALSE;
    }
  if (args->color_space != NULL && !ottica_color_space_from_string (args->color_space, &options->color_space))
    {
      ottica_cli_usage_error (COMMAND, _("--color-space must be srgb, display-p3 or adobe-rgb, not “%s”."),
                              args->color_space);
      return FALSE;
    }
  if (args->metadata != NULL && !ottica_metadata_policy_from_string (args->metadata, &options->metadata))
    {
      ottica_cli_usage_error (COMMAND, _("--metadata must be all, no-gps or none, not “%s”."),
                              args->metadata);
      return FALSE;
    }
  if (args->chroma != NULL && !ottica_chroma_from_string (args->chroma, &options->chroma))
    {
      ottica_cli_usage_error (COMMAND, _("--chroma must be 4:4:4, 4:2:2 or 4:2:0, not “%s”."),
                              args->chroma);
      return FALSE;
    }
  options->progressive = args->progressive;
  options->optimize_coding = args->optimize;
  options->overwrite = args->overwrite;

  if (args->max_size != NULL)
    {
      if (args->quality != -1)
        {
          ottica_cli_usage_error (COMMAND, _("Give --quality or --max-size, not both: --max-size "
                                             "finds the quality."));
          return FALSE;
        }
      if (!ottica_parse_byte_size (args->max_size, &recipe->target_bytes))
        {
          ottica_cli_usage_error (COMMAND, _("--max-size must be a file size such as 500K or 2M, "
                                             "not “%s”."),
                                  args->max_size);
          return FALSE;
        }
    }

  /* Each recipe file starts from the options above and says only what
   * is its own. */
  if (args->recipes != NULL && args->recipes[0] != NULL)
    {
      *outputs_out = g_ptr_array_new_with_free_func ((GDestroyNotify) ottica_export_recipe_free);
      for (guint i = 0; args->recipes[i] != NULL; i++)
        {
          g_autoptr(GError) error = NULL;
          OtticaExportRecipe *output = ottica_export_recipe_load (args->recipes[i], options, &error);

          if (output == NULL)
            {
              ottica_cli_usage_error (COMMAND, "%s", error->message);
              return FALSE;
            }
          if (output->target_bytes == 0 && recipe->target_bytes != 0
              && !output_recipe_sets_quality (args->recipes[i]))
            output->target_bytes = recipe->target_bytes;
          g_ptr_array_add (*outputs_out, output);
        }
      g_ptr_array_add (*outputs_out, NULL);
      recipe->outputs = (const OtticaExportRecipe * const *) (*outputs_out)->pdata;
    }

  if (args->sidecar != NULL)
    {
      if (g_ascii_strcasecmp (args->sidecar, "use") == 0)
        recipe->use_sidecars = TRUE;
      else if (g_ascii_strcasecmp (args->sidecar, "ignore") == 0)
        recipe->use_sidecars = FALSE;
      else
        {
          ottica_cli_usage_error (COMMAND, _("--sidecar must be use or ignore, not “%s”."), args->sidecar);
          return FALSE;
        }
    }

  if (args->edit.amount != NULL)
    {
      double amount;

      if (!parse_double (args->edit.amount, &amount) || amount < 0 || amount > 1)
        {
          ottica_cli_usage_error (COMMAND, _("--amount must be a number from 0 to 1, such as 0.5, "
                                             "not “%s”."),
                                  args->edit.amount);
          return FALSE;
        }
      recipe->look_amount = amount;
    }

  if (args->edit.look != NULL)
    {
      if (g_ascii_strcasecmp (args->edit.look, OTTICA_CLI_NO_LOOK) == 0)
        {
          recipe->look_mode = OTTICA_BATCH_LOOK_NONE;
        }
      else
        {
          /* The look library registers its GEGL operation as it loads. */
          if (!ottica_cli_init_engine ())
            return FALSE;
          if (ottica_look_library_find (args->edit.look) == NULL)
            {
              ottica_cli_usage_error (COMMAND, _("There is no look “%s”; “ottica-cli looks” lists them."),
                                      args->edit.look);
              return FALSE;
            }
          recipe->look_mode = OTTICA_BATCH_LOOK_SET;
          recipe->look_id = args->edit.look;
        }
    }

  if (args->edit.preset != NULL)
    {
      g_autoptr(GError) error = NULL;

      *preset_out = ottica_edit_load (args->edit.preset, &error);
      if (*preset_out == NULL)
        {
          ottica_cli_usage_error (COMMAND, "%s", error->message);
          return FALSE;
        }
      recipe->preset = *preset_out;
    }

  if (args->jobs != -1)
    {
      if (args->jobs < 1 || args->jobs > 64)
        {
          ottica_cli_usage_error (COMMAND, _("--jobs must be from 1 to 64, not %d."), args->jobs);
          return FALSE;
        }
      recipe->jobs = (guint) args->jobs;
    }
  if (args->threads != -1)
    {
      if (args->threads < 1 || args->threads > 64)
        {
          ottica_cli_usage_error (COMMAND, _("--threads must be from 1 to 64, not %d."),
                                  args->threads);
          return FALSE;
        }
      recipe->threads = (guint) args->threads;
    }

  recipe->output_folder = args->output;
  recipe->name_template = args->name_template;
  return TRUE;
}

typedef struct
{
  GMainLoop         *loop;
  OtticaBatchResult *result;
} RunData;

static void
on_batch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RunData *data = user_data;

  data->result = ottica_batch_run_finish (OTTICA_BATCH (source), result);
  g_main_loop_quit (data->loop);
}

/* The first SIGINT or SIGTERM cancels: the photos being written are
 * abandoned cleanly (no partial files); a second one kills as usual, since
 * GLib restores the default handler once the source is gone. */
/* babl finds a conversion path the first time it is asked for one: 0.3 s
 * of CPU time for the exporter's linear output format, 0.2 s for an 8-bit
 * JPEG's pixels into the working space, each on an export's critical path
 * (the first strip waits for it). The first photo's decode leaves a core
 * idle for longer (libraw unpacks on one thread, libjpeg decodes on one),
 * so the searches run beside it: measured on the CR2 (2 cores, median of
 * 10 alternating runs) 1.20 s instead of 1.51 s. */
typedef struct
{
  gboolean         jpeg;          /* the first photo is a JPEG, not a RAW */
  OtticaColorSpace spaces[8];
  guint            n_spaces;
  OtticaEdit      *edit;          /* the first photo's, if it has a look */
} WarmUp;

/* A look's operations make their tables as they are first prepared
 * (colour character's take 60 ms, its grid 40 ms of it, once per process,
 * and 20 ms for each set of parameters, which it then shares): the first
 * photo's graph, prepared on a few pixels while the photo decodes, leaves
 * them ready for the photo's own. Preparing makes no babl conversion. */
static void
prepare_look (const OtticaEdit *edit)
{
  const GeglRectangle area = { 0, 0, 8, 8 };
  g_autoptr(GeglBuffer) pixels = gegl_buffer_new (&area, babl_format_with_space ("R'G'B' u8",
                                                                                 babl_space ("sRGB")));
  g_autoptr(OtticaPipeline) pipeline = ottica_pipeline_new (pixels, 1.0);

  ottica_pipeline_set_edit (pipeline, edit);
  gegl_node_get_bounding_box (ottica_pipeline_get_output (pipeline));
}

static gpointer
warm_up_thread (gpointer data)
{
  g_autofree WarmUp *warm_up = data;
  const Babl *working = ottica_engine_working_format ();
  g_autoptr(OtticaEdit) edit = g_steal_pointer (&warm_up->edit);

  /* new conversions: a change, which the first photo's loads and
   * renders wait for (ottica-babl-guard.h) */
  ottica_babl_guard_change_begin ();
  /* What a RAW loader gives (ottica-image.h); 8-bit photos are
   * linearised by ottica:develop itself. */
  if (!warm_up->jpeg)
    babl_fish (babl_format_with_space ("RGB u16", babl_space ("ProPhoto")), working);
  for (guint i = 0; i < warm_up->n_spaces; i++)
    {
      const Babl *space = ottica_output_profile_babl_space (warm_up->spaces[i]);

      if (space != NULL)
        ottica_jpeg_export_prepare_space (space);
    }
  ottica_babl_guard_change_end ();
  if (edit != NULL)
    {
      ottica_babl_guard_read_begin ();
      prepare_look (edit);
      ottica_babl_guard_read_end ();
    }
  return NULL;
}

static gboolean
starts_like_jpeg (const char *path)
{
  guint8 head[3] = { 0 };
  FILE *file = fopen (path, "rb");
  gboolean jpeg;

  if (file == NULL)
    return FALSE;
  jpeg = fread (head, 1, sizeof head, file) == sizeof head
         && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
  fclose (file);
  return jpeg;
}

static GThread *
start_warm_up (const OtticaBatchRecipe *recipe,
               OtticaBatch             *batch,
               const char              *first_photo)
{
  WarmUp *warm_up = g_new0 (WarmUp, 1);
  OtticaEdit *edit = ottica_batch_resolve_edit (batch, first_photo, NULL);

  warm_up->jpeg = starts_like_jpeg (first_photo);
  if (edit != NULL && edit->look_id != NULL && edit->look_amount > 0)
    warm_up->edit = edit;
  else
    g_clear_pointer (&edit, ottica_edit_free);
  if (recipe->outputs == NULL)
    warm_up->spaces[warm_up->n_spaces++] = recipe->export_options.color_space;
  else
    for (guint i = 0; recipe->outputs[i] != NULL; i++)
      {
        OtticaColorSpace space = recipe->outputs[i]->export_options.color_space;
        gboolean seen = FALSE;

        for (guint j = 0; j < warm_up->n_spaces; j++)
          seen |= warm_up->spaces[j] == space;
        if (!seen && warm_up->n_spaces < G_N_ELEMENTS (warm_up->spaces))
          warm_up->spaces[warm_up->n_spaces++] = space;
      }
  return g_thread_new ("ottica-warm-up", warm_up_thread, warm_up);
}

static gboolean
on_signal (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

int
ottica_cli_export (int argc, char **argv)
{
  ExportArgs args = {
    .quality = -1, .long_edge = -1, .width = -1, .height = -1, .jobs = -1, .threads = -1,
  };
  const GOptionEntry entries[] = {
    { "sidecar", 0, 0, G_OPTION_ARG_STRING, &args.sidecar,
      N_("Use each photo’s saved edit (NAME.EXT.ottica), or ignore it (default use)"), "use|ignore" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      N_("Write into DIR (default: a folder “exported” beside each photo)"), N_("DIR") },
    { "template", 't', 0, G_OPTION_ARG_STRING, &args.name_template,
      N_("File names from T: {name} {ext} {look} {seq} {seq:N} {date} {year} {month} {day} {camera} (default {name})"),
      N_("T") },
    { "quality", 0, 0, G_OPTION_ARG_INT, &args.quality,
      N_("JPEG quality, 1 to 100 (default 90)"), N_("Q") },
    { "max-size", 0, 0, G_OPTION_ARG_STRING, &args.max_size,
      N_("Instead of a quality: the best quality whose file is at most SIZE (such as 500K or 2M)"),
      N_("SIZE") },
    { "recipe", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.recipes,
      N_("Export with the settings of a recipe file; repeat for several outputs of each photo "
         "from one decode (the options here are their defaults)"),
      N_("FILE") },
    { "long-edge", 0, 0, G_OPTION_ARG_INT, &args.long_edge,
      N_("Scale down so the longer side is N pixels"), N_("N") },
    { "width", 0, 0, G_OPTION_ARG_INT, &args.width,
      N_("Scale down to N pixels wide"), N_("N") },
    { "height", 0, 0, G_OPTION_ARG_INT, &args.height,
      N_("Scale down to N pixels high"), N_("N") },
    { "megapixels", 0, 0, G_OPTION_ARG_STRING, &args.megapixels,
      N_("Scale down to at most M million pixels"), N_("M") },
    { "sharpen", 0, 0, G_OPTION_ARG_STRING, &args.sharpen,
      N_("Output sharpening for the output size (default off)"), "off|low|standard|high" },
    { "color-space", 0, 0, G_OPTION_ARG_STRING, &args.color_space,
      N_("Colour space of the JPEG (default srgb)"), "srgb|display-p3|adobe-rgb" },
    { "metadata", 0, 0, G_OPTION_ARG_STRING, &args.metadata,
      N_("Metadata to keep (default all)"), "all|no-gps|none" },
    { "chroma", 0, 0, G_OPTION_ARG_STRING, &args.chroma,
      N_("Chroma subsampling (default 4:2:0)"), "4:4:4|4:2:2|4:2:0" },
    { "progressive", 0, 0, G_OPTION_ARG_NONE, &args.progressive,
      N_("Write progressive JPEGs (slower to encode)"), NULL },
    { "optimize", 0, 0, G_OPTION_ARG_NONE, &args.optimize,
      N_("Optimise the Huffman tables (smaller files, slower)"), NULL },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &args.shard,
      N_("Export only shard K of N of the photos (the same photos on every machine), "
         "to spread a library over machines writing into one folder"),
      N_("K/N") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &args.jobs,
      N_("Export N photos at a time (default: one per processor core)"), N_("N") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &args.threads,
      N_("Render each photo with N threads (default: the processor cores divided by the jobs, "
         "at least 1)"),
      N_("N") },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &args.overwrite,
      N_("Replace output files that already exist"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args.inputs, NULL, N_("PHOTO|FOLDER…") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) preset = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(OtticaBatch) batch = NULL;
  g_autoptr(GPtrArray) photos = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(OtticaCliProgress) progress = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  OtticaBatchRecipe recipe;
  OtticaScanOptions scan_options = { 0 };
  const char *skip_names[] = { OTTICA_BATCH_DEFAULT_FOLDER_NAME, NULL };
  const char *skip_folders[] = { NULL, NULL };
  RunData run = { NULL, NULL };
  GThread *warm_up = NULL;
  guint shard_k = 1, shard_n = 1;
  guint n_all, n_selected;
  const char *first_photo;
  guint sigint, sigterm;
  int status;

  g_set_prgname (argv[0]);
  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  ottica_cli_add_edit_entries (context, &args.edit);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Exports photos as JPEGs: each with its own edit (sidecar), a preset "
                                  "and a look, at the size, quality and colour space asked for. "
                                  "Originals are never changed."));
  g_option_context_set_description (context,
                                    _("Exit status: 0 when every photo was exported, 1 when any failed "
                                      "(the others are still exported), 2 for a bad command line.\n\n"
                                      "Example:\n"
                                      "  ottica-cli export --look documentary --long-edge 2048 \\\n"
                                      "      --template \"{date}/{name}-{look}\" -o ~/Export ~/Pictures/Trip\n"));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      status = ottica_cli_usage_error (COMMAND, "%s", error->message);
      export_args_clear (&args);
      return status;
    }

  if (args.inputs == NULL || args.inputs[0] == NULL)
    {
      status = ottica_cli_usage_error (COMMAND, _("No photo or folder to export was given."));
      export_args_clear (&args);
      return status;
    }

  if (!build_recipe (&args, &recipe, &preset, &outputs))
    {
      export_args_clear (&args);
      return OTTICA_CLI_EXIT_USAGE;
    }

  if (args.shard != NULL && !parse_shard (args.shard, &shard_k, &shard_n))
    {
      status = ottica_cli_usage_error (COMMAND, _("--shard must be K/N with 1 ≤ K ≤ N ≤ %d, such as "
                                                  "2/8, not “%s”."),
                                       MAX_SHARDS, args.shard);
      export_args_clear (&args);
      return status;
    }

  /* The batch takes the whole list and exports its shard, numbering
   * ({seq}) and naming over the whole list. */
  recipe.shard_index = shard_k;
  recipe.shard_count = shard_n;
  batch = ottica_batch_new (&recipe, &error);
  if (batch == NULL)
    {
      status = ottica_cli_usage_error (COMMAND, "%s", error->message);
      export_args_clear (&args);
      return status;
    }

  /* Earlier runs' default output folders are never photos to export,
   * nor is this run's output folder. */
  scan_options.recursive = args.edit.recursive;
  scan_options.skip_folder_names = skip_names;
  skip_folders[0] = args.output;
  scan_options.skip_folders = skip_folders;

  /* Scanning writes nothing, so until the export starts Ctrl+C may
   * simply end the program. */
  photos = ottica_scan ((const char * const *) args.inputs, &scan_options, NULL, &error);
  if (photos == NULL)
    {
      status = ottica_cli_usage_error (COMMAND, "%s", error->message);
      goto out;
    }
  if (photos->len == 0)
    {
      status = ottica_cli_usage_error (COMMAND, args.edit.recursive
                                       ? _("No photos were found in the folders given.")
                                       : _("No photos were found in the folders given "
                                           "(add --recursive to look in their subfolders)."));
      goto out;
    }
  n_all = photos->len;
  g_ptr_array_add (photos, NULL);
  n_selected = ottica_batch_count_photos (batch, (const char * const *) photos->pdata);
  first_photo = g_ptr_array_index (photos, 0);
  if (shard_n > 1)
    {
      g_autofree gboolean *mine = ottica_scan_shard_mask ((const char * const *) photos->pdata,
                                                          shard_k, shard_n);

      /* The first photo of this shard is the first one exported. */
      for (guint i = 0; i < n_all; i++)
        if (mine[i])
          {
            first_photo = g_ptr_array_index (photos, i);
            break;
          }
      if (n_selected == 0)
        {
          if (!args.edit.quiet)
            fprintf (stderr,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "Shard %u/%u has none of the %u photo found; nothing to do.\n",
                                  "Shard %u/%u has none of the %u photos found; nothing to do.\n",
                                  n_all),
                     shard_k, shard_n, n_all);
          status = OTTICA_CLI_EXIT_OK;
          goto out;
        }
    }

  /* libraw's work on the first photo (most of a RAW export) runs while
   * GEGL initialises; the batch's load of it takes the result. */
  ottica_image_prefetch (first_photo, NULL);

  /* Only now: usage errors above stay instant. */
  if (!ottica_cli_init_engine ())
    {
      status = OTTICA_CLI_EXIT_FAILED;
      goto out;
    }

  warm_up = start_warm_up (&recipe, batch, first_photo);
  cancellable = g_cancellable_new ();
  sigint = g_unix_signal_add (SIGINT, on_signal, cancellable);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, cancellable);

  progress = ottica_cli_progress_new (batch, n_selected, args.edit.quiet);
  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  ottica_batch_run_async (batch, (const char * const *) photos->pdata, cancellable,
                          on_batch_done, &run);
  g_main_loop_run (loop);

  g_thread_join (g_steal_pointer (&warm_up));
  ottica_cli_progress_summary (progress, run.result, args.overwrite);
  if (run.result->cancelled)
    status = OTTICA_CLI_EXIT_INTERRUPTED;
  else if (run.result->n_failed > 0)
    status = OTTICA_CLI_EXIT_FAILED;
  else
    status = OTTICA_CLI_EXIT_OK;
  ottica_batch_result_free (run.result);

  /* A handler that ran has removed itself already. */
  for (guint i = 0; i < 2; i++)
    {
      GSource *source = g_main_context_find_source_by_id (NULL, i == 0 ? sigint : sigterm);

      if (source != NULL)
        g_source_destroy (source);
    }

out:
  export_args_clear (&args);
  g_clear_pointer (&progress, ottica_cli_progress_free);
  g_clear_object (&batch);
  /* A photo the batch did not need to decode (its output was up to date). */
  ottica_image_prefetch_clear ();
  ottica_engine_shutdown ();
  return status;
}
