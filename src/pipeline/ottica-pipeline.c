/* ottica-pipeline.c: an edit as a GEGL graph of fixed shape.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <gexiv2/gexiv2.h>

#include "ottica-look-library.h"
#include "ottica-pipeline.h"

/* Pixels kept clear of a straightened photo's edge, since beyond it is
 * transparent: the cubic sampler reads two pixels around each point. The
 * margin is set in full-resolution pixels, so that previews crop exactly
 * like the export, and is large enough for proxies down to 1/8 scale. */
#define STRAIGHTEN_MARGIN_MIN      2.0
#define STRAIGHTEN_MARGIN_MAX      16.0
#define STRAIGHTEN_MARGIN_FRACTION 0.003

/* ottica:develop's properties are the edit's parameters of these groups,
 * with the same names and ranges. */
static const char *const develop_groups[] = { "Light", "Color", "Effects", NULL };

/* The RAW baseline, an ottica:tone-curve in scene-linear light. A camera
 * places mid grey about 3 EV below sensor white and its JPEG engine lifts
 * it with a tone curve; a RAW as decoded has neither. The baseline adds
 * exposure, a gentle midtone contrast and toe, and a shoulder from 1.3 EV
 * above mid grey whose ceiling is display white (log2 (1 / 0.18) EV above
 * grey, reached only asymptotically). Sensor white then lands at 0.93
 * (sRGB 247), and values above it (a synthetic ramp, highlight
 * reconstruction) stay apart below 1.0 instead of clipping: 2× sensor
 * white gives 0.975, 4× 0.991. Tuned by eye on the Canon CR2 and the RAW
 * samples against darktable 4.2's default and dcraw_emu -w: the CR2's
 * mean L* is 36.5 (darktable 34.9, dcraw 50.4, linear 26.4). */
#define RAW_DEFAULT_EXPOSURE 1.0
#define RAW_MIN_EXPOSURE     (-1.0)
#define RAW_MAX_EXPOSURE     1.5
#define RAW_SLOPE            1.2
#define RAW_TOE              (-0.2)
#define RAW_SHOULDER         1.3
#define RAW_CEILING_EV       2.4739311883324122   /* log2 (1 / 0.18) */

struct _OtticaPipeline
{
  GObject     parent_instance;

  GeglBuffer *source;
  double      scale;

  GeglNode   *graph;
  GeglNode   *source_node;
  GeglNode   *linearise;
  GeglNode   *orient;
  GeglNode   *crop;
  GeglNode   *baseline;
  GeglNode   *develop;
  GeglNode   *look;
  GeglNode   *sharpen;
  GeglNode   *sharpen_gate;
  GeglNode   *sharpen_switch;
  GeglNode   *output;

  OtticaEdit *edit;

  /* What the nodes were last given, so that an unchanged value is not set
   * again (setting a property throws the node's cached tiles away). */
  char       *orient_matrix;
  int         orient_sampler;
  GeglRectangle crop_rect;
  double      develop_values[16];
  double      sharpen_std_dev;
  double      sharpen_scale;
  char       *look_id;
  double      look_amount;
  gboolean    raw_baseline;
  double      baseline_exposure;
  gboolean    configured;
};

G_DEFINE_FINAL_TYPE (OtticaPipeline, ottica_pipeline, G_TYPE_OBJECT)

static void
ottica_pipeline_finalize (GObject *object)
{
  OtticaPipeline *self = OTTICA_PIPELINE (object);

  g_clear_object (&self->graph);
  g_clear_object (&self->source);
  g_clear_pointer (&self->edit, ottica_edit_free);
  g_clear_pointer (&self->orient_matrix, g_free);
  g_clear_pointer (&self->look_id, g_free);

  G_OBJECT_CLASS (ottica_pipeline_parent_class)->finalize (object);
}

static void
ottica_pipeline_class_init (OtticaPipelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ottica_pipeline_finalize;
}

static void
ottica_pipeline_init (OtticaPipeline *self)
{
  self->orient_sampler = -1;
  self->look_amount = -1.0;
}

/* ---- geometry --------------------------------------------------------- */

/* Where the source's pixels go: quarter turns clockwise, then flips of what
 * is then on screen, then the straighten angle about the centre; the photo
 * ends up in its oriented frame [0, W') × [0, H'), and the crop (the user's
 * crop of the largest upright rectangle of the photo's aspect that fits in
 * the straightened photo) is moved to the origin.
 *
 * The crop is placed on the full-resolution pixel grid, whatever @scale,
 * so that a preview shows exactly the pixels the export will have. */
static void
compute_geometry (const OtticaEdit    *edit,
                  const GeglRectangle *extent,
                  double               scale,
                  GeglMatrix3         *matrix,
                  GeglRectangle       *crop)
{
  int quarters = ((edit->rotation / 90) % 4 + 4) % 4;
  double w = extent->width, h = extent->height;
  double ow = quarters % 2 ? h : w;
  double oh = quarters % 2 ? w : h;
  /* The same frame in full-resolution pixels. */
  double fw = ow / scale, fh = oh / scale;
  double theta = edit->straighten * G_PI / 180.0;
  double c = cos (theta), s = sin (theta);
  double inner_w = fw, inner_h = fh;
  double inner_x = 0.0, inner_y = 0.0;
  double x0, y0, x1, y1;
  GeglMatrix3 step;

  /* Source centre to the origin. */
  gegl_matrix3_identity (matrix);
  matrix->coeff[0][2] = -(extent->x + w / 2.0);
  matrix->coeff[1][2] = -(extent->y + h / 2.0);

  /* A quarter turn clockwise, with y down, is (x, y) → (-y, x). */
  for (int q = 0; q < quarters; q++)
    {
      gegl_matrix3_identity (&step);
      step.coeff[0][0] = 0.0;
      step.coeff[0][1] = -1.0;
      step.coeff[1][0] = 1.0;
      step.coeff[1][1] = 0.0;
      gegl_matrix3_multiply (&step, matrix, matrix);
    }

  gegl_matrix3_identity (&step);
  step.coeff[0][0] = edit->flip_horizontal ? -1.0 : 1.0;
  step.coeff[1][1] = edit->flip_vertical ? -1.0 : 1.0;
  gegl_matrix3_multiply (&step, matrix, matrix);

  if (edit->straighten != 0.0)
    {
      double ac = fabs (c), as = fabs (s);
      double margin, k;

      /* Counter-clockwise on screen (y down). */
      gegl_matrix3_identity (&step);
      step.coeff[0][0] = c;
      step.coeff[0][1] = s;
      step.coeff[1][0] = -s;
      step.coeff[1][1] = c;
      gegl_matrix3_multiply (&step, matrix, matrix);

      margin = CLAMP (STRAIGHTEN_MARGIN_FRACTION * MAX (fw, fh),
                      STRAIGHTEN_MARGIN_MIN, STRAIGHTEN_MARGIN_MAX);
      /* A tiny proxy still needs two of its own pixels. */
      margin = MAX (margin, STRAIGHTEN_MARGIN_MIN / scale);

      /* The largest centred rectangle of the photo's aspect whose corners
       * stay inside the turned photo (Lightroom's "constrain to image"). */
      k = MIN (fw / (fw * ac + fh * as), fh / (fw * as + fh * ac));
      inner_w = MAX (fw * k - 2.0 * margin, 1.0);
      inner_h = MAX (fh * k - 2.0 * margin, 1.0);
      inner_x = (fw - inner_w) / 2.0;
      inner_y = (fh - inner_h) / 2.0;
    }

  /* The crop in whole full-resolution pixels, then at this scale. */
  x0 = round (inner_x + edit->crop_x * inner_w);
  y0 = round (inner_y + edit->crop_y * inner_h);
  x1 = round (inner_x + (edit->crop_x + edit->crop_width) * inner_w);
  y1 = round (inner_y + (edit->crop_y + edit->crop_height) * inner_h);
  crop->x = 0;
  crop->y = 0;
  crop->width = (int) MAX (1.0, round ((x1 - x0) * scale));
  crop->height = (int) MAX (1.0, round ((y1 - y0) * scale));

  /* Oriented frame, then the crop's corner to the origin. */
  gegl_matrix3_identity (&step);
  step.coeff[0][2] = ow / 2.0 - x0 * scale;
  step.coeff[1][2] = oh / 2.0 - y0 * scale;
  gegl_matrix3_multiply (&step, matrix, matrix);
}

/* Whole pixels to whole pixels (turns, flips, whole-pixel crops): the
 * nearest sampler then copies them exactly. */
static gboolean
is_whole_pixel (const GeglMatrix3 *matrix)
{
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      if (fabs (matrix->coeff[i][j] - round (matrix->coeff[i][j])) > 1e-9)
        return FALSE;
  return TRUE;
}

static gboolean
has_geometry (const OtticaEdit *edit)
{
  return edit->rotation % 360 != 0 || edit->flip_horizontal || edit->flip_vertical
         || edit->straighten != 0.0 || ottica_edit_has_crop (edit);
}

/* The sharpening radius is relative to the photo: about 1.2 px on a
 * 24 MP photo; a preview proxy gets the same radius scaled down. */
static double
sharpen_std_dev (OtticaPipeline *self, const GeglRectangle *extent)
{
  double long_edge = MAX (extent->width, extent->height) / self->scale;

  return CLAMP (long_edge / 5000.0, 0.6, 3.0) * self->scale;
}

/* ---- applying an edit ------------------------------------------------- */

static gboolean
is_develop_param (const OtticaEditParam *param)
{
  return g_strv_contains (develop_groups, param->group);
}

static void
update_geometry (OtticaPipeline *self, const OtticaEdit *edit)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (self->source);
  gboolean active = has_geometry (edit);
  GeglMatrix3 matrix;
  GeglRectangle crop;
  g_autofree char *matrix_text = NULL;
  int sampler;

  if (!active)
    {
      gegl_node_set_passthrough (self->linearise, TRUE);
      gegl_node_set_passthrough (self->orient, TRUE);
      gegl_node_set_passthrough (self->crop, TRUE);
      return;
    }

  compute_geometry (edit, extent, self->scale, &matrix, &crop);
  matrix_text = gegl_matrix3_to_string (&matrix);
  sampler = is_whole_pixel (&matrix) ? GEGL_SAMPLER_NEAREST : GEGL_SAMPLER_CUBIC;

  if (g_strcmp0 (matrix_text, self->orient_matrix) != 0)
    {
      gegl_node_set (self->orient, "transform", matrix_text, NULL);
      g_free (self->orient_matrix);
      self->orient_matrix = g_steal_pointer (&matrix_text);
    }
  if (sampler != self->orient_sampler)
    {
      gegl_node_set (self->orient, "sampler", sampler, NULL);
      self->orient_sampler = sampler;
    }
  if (!gegl_rectangle_equal (&crop, &self->crop_rect))
    {
      gegl_node_set (self->crop,
                     "x", (double) crop.x, "y", (double) crop.y,
                     "width", (double) crop.width, "height", (double) crop.height,
                     NULL);
      self->crop_rect = crop;
    }
  /* Resampling, gegl:transform works in premultiplied float. babl would
   * make that of an 8-bit photo, and straight float of it again, by
   * conversions it picks by timing: a straightened JPEG's export differed
   * from run to run. So the source is linearised before, and develop
   * divides alpha out after (update_develop ()). Whole-pixel turns keep
   * the source's own format and need neither. */
  gegl_node_set_passthrough (self->linearise, sampler == GEGL_SAMPLER_NEAREST);
  gegl_node_set_passthrough (self->orient, FALSE);
  gegl_node_set_passthrough (self->crop, FALSE);
}

/* Whether a look or sharpening works on the pixels after develop. At
 * neutral settings develop is left out, so that an 8-bit photo reaches the
 * exporter as it is; but what follows reads the working format, and that
 * must come from develop's own exact linearisation, not from a babl
 * conversion, whose path babl picks by timing (a look's export of a JPEG
 * differed from run to run in a few thousand pixels). */
static gboolean
pixels_follow (const OtticaEdit *edit)
{
  return (edit->look_id != NULL && edit->look_id[0] != '\0' && edit->look_amount > 0.0)
         || edit->sharpening > 0.0;
}

static void
update_develop (OtticaPipeline *self, const OtticaEdit *edit)
{
  gboolean neutral = TRUE;
  int i = 0;

  for (const OtticaEditParam *p = ottica_edit_params (); p->key; p++)
    {
      double value;

      if (!is_develop_param (p))
        continue;
      g_assert (i < (int) G_N_ELEMENTS (self->develop_values));
      value = ottica_edit_get (edit, p);
      if (value != p->neutral)
        neutral = FALSE;
      if (!self->configured || value != self->develop_values[i])
        {
          gegl_node_set (self->develop, p->key, value, NULL);
          self->develop_values[i] = value;
        }
      i++;
    }
  /* while gegl:transform resamples (the linearise node at work), develop
   * divides its alpha out */
  gegl_node_set_passthrough (self->develop, neutral && !pixels_follow (edit)
                                            && gegl_node_get_passthrough (self->linearise));
}

/* GEGL ignores passthrough on meta ops such as gegl:unsharp-mask, and a
 * passthrough composer still renders its aux input. So the sharpened image
 * reaches the chain through a switch (gegl:src, which outputs its aux):
 * off, the switch is passthrough and the gate (a crop) asks nothing of the
 * unsharp mask, whose blur then never runs; on, the gate is passthrough and
 * the switch hands on the sharpened image. */
static void
update_sharpen (OtticaPipeline *self, const OtticaEdit *edit)
{
  const GeglRectangle *extent = gegl_buffer_get_extent (self->source);
  double std_dev = sharpen_std_dev (self, extent);
  double amount = edit->sharpening / 100.0 * 1.5;
  gboolean active = edit->sharpening > 0.0;

  if (active && (std_dev != self->sharpen_std_dev || amount != self->sharpen_scale))
    {
      gegl_node_set (self->sharpen, "std-dev", std_dev, "scale", amount, NULL);
      self->sharpen_std_dev = std_dev;
      self->sharpen_scale = amount;
    }
  gegl_node_set_passthrough (self->sharpen_gate, active);
  gegl_node_set_passthrough (self->sharpen_switch, !active);
}

/* ottica:look is a meta op, so passthrough means nothing to it; it is
 * itself the identity (its input proxy linked to its output) with no look,
 * an unknown one, or an amount of 0. The id and amount are set only when
 * they change: a new id makes it rebuild its children. */
static void
update_look (OtticaPipeline *self, const OtticaEdit *edit)
{
  const char *look_id = edit->look_id != NULL ? edit->look_id : "";
  double amount = CLAMP (edit->look_amount, 0.0, 1.0);

  if (g_strcmp0 (look_id, self->look_id) != 0)
    {
      gegl_node_set (self->look, "look-id", look_id, NULL);
      g_free (self->look_id);
      self->look_id = g_strdup (look_id);
    }
  if (amount != self->look_amount)
    {
      gegl_node_set (self->look, "amount", amount, NULL);
      self->look_amount = amount;
    }
}

void
ottica_pipeline_set_edit (OtticaPipeline *self, const OtticaEdit *edit)
{
  g_return_if_fail (OTTICA_IS_PIPELINE (self));
  g_return_if_fail (edit != NULL);

  update_geometry (self, edit);
  update_develop (self, edit);
  update_look (self, edit);
  update_sharpen (self, edit);
  self->configured = TRUE;

  if (self->edit != edit)
    {
      g_clear_pointer (&self->edit, ottica_edit_free);
      self->edit = ottica_edit_copy (edit);
    }
}

const OtticaEdit *
ottica_pipeline_get_edit (OtticaPipeline *self)
{
  g_return_val_if_fail (OTTICA_IS_PIPELINE (self), NULL);

  return self->edit;
}

OtticaPipeline *
ottica_pipeline_new (GeglBuffer *source, double scale)
{
  OtticaPipeline *self;
  g_autoptr(OtticaEdit) neutral = NULL;

  g_return_val_if_fail (GEGL_IS_BUFFER (source), NULL);
  g_return_val_if_fail (scale > 0.0, NULL);

  self = g_object_new (OTTICA_TYPE_PIPELINE, NULL);
  self->source = g_object_ref (source);
  self->scale = scale;

  /* The one shape every edit uses; only properties change later. */
  self->graph = gegl_node_new ();
  self->source_node = gegl_node_new_child (self->graph,
                                           "operation", "gegl:buffer-source",
                                           "buffer", source,
                                           NULL);
  /* ottica:develop at its neutral settings only linearises an integer
   * source, exactly, into the working format; see update_geometry (). */
  self->linearise = gegl_node_new_child (self->graph, "operation", "ottica:develop", NULL);
  self->orient = gegl_node_new_child (self->graph, "operation", "gegl:transform", NULL);
  self->crop = gegl_node_new_child (self->graph, "operation", "gegl:crop", NULL);
  self->baseline = gegl_node_new_child (self->graph,
                                        "operation", "ottica:tone-curve",
                                        "slope", RAW_SLOPE,
                                        "toe", RAW_TOE,
                                        "shoulder", RAW_SHOULDER,
                                        "shoulder-softness", RAW_CEILING_EV - RAW_SHOULDER,
                                        "shoulder-strength", 1.0,
                                        NULL);
  gegl_node_set_passthrough (self->baseline, TRUE);
  self->develop = gegl_node_new_child (self->graph, "operation", "ottica:develop", NULL);
  ottica_look_op_ensure_registered ();
  self->look = gegl_node_new_child (self->graph, "operation", "ottica:look",
                                    "look-id", "", "amount", 0.0, NULL);
  self->sharpen = gegl_node_new_child (self->graph, "operation", "gegl:unsharp-mask", NULL);
  /* Closed, the gate lets through only a pixel far outside any photo. */
  self->sharpen_gate = gegl_node_new_child (self->graph,
                                            "operation", "gegl:crop",
                                            "x", -1048576.0, "y", -1048576.0,
                                            "width", 1.0, "height", 1.0,
                                            NULL);
  self->sharpen_switch = gegl_node_new_child (self->graph, "operation", "gegl:src", NULL);
  self->output = gegl_node_new_child (self->graph, "operation", "gegl:nop", NULL);
  gegl_node_link_many (self->source_node, self->linearise, self->orient, self->crop, self->baseline,
                       self->develop,
                       self->look, self->sharpen_switch, self->output, NULL);
  gegl_node_link_many (self->look, self->sharpen, self->sharpen_gate, NULL);
  gegl_node_connect_to (self->sharpen_gate, "output", self->sharpen_switch, "aux");

  neutral = ottica_edit_new ();
  ottica_pipeline_set_edit (self, neutral);
  return self;
}

/* DNG's BaselineExposure: how far the maker says to brighten the RAW for
 * a normal rendering (a rational in EV). Read from the file's metadata;
 * FALSE for other RAWs, or where the tag is absent or unreadable. */
static gboolean
read_baseline_exposure (const char *path, double *exposure)
{
  g_autoptr(GExiv2Metadata) metadata = NULL;
  int numerator = 0, denominator = 0;

  static gsize initialised = 0;

  if (path == NULL)
    return FALSE;
  /* gexiv2_initialize() sets Exiv2's XMP parser up for threads. */
  if (g_once_init_enter (&initialised))
    {
      gexiv2_initialize ();
      g_once_init_leave (&initialised, 1);
    }
  metadata = gexiv2_metadata_new ();
  if (!gexiv2_metadata_open_path (metadata, path, NULL))
    return FALSE;
  if (!gexiv2_metadata_try_has_tag (metadata, "Exif.Image.BaselineExposure", NULL))
    return FALSE;
  if (!gexiv2_metadata_try_get_exif_tag_rational (metadata, "Exif.Image.BaselineExposure",
                                                  &numerator, &denominator, NULL)
      || denominator == 0)
    return FALSE;
  *exposure = CLAMP ((double) numerator / denominator, -4.0, 4.0);
  return TRUE;
}

double
ottica_pipeline_raw_baseline_exposure (const char *path)
{
  double exposure = RAW_DEFAULT_EXPOSURE;

  /* Cinema cameras write large BaselineExposure values (+2.65 EV on a
   * Blackmagic DNG) meant for their log grading; taken as they are, such
   * photos open with white skies. Keep the tag within a still camera's
   * span. */
  if (read_baseline_exposure (path, &exposure))
    exposure = CLAMP (exposure, RAW_MIN_EXPOSURE, RAW_MAX_EXPOSURE);
  return exposure;
}

void
ottica_pipeline_set_raw_baseline (OtticaPipeline *self,
                                  gboolean        enabled,
                                  double          exposure)
{
  g_return_if_fail (OTTICA_IS_PIPELINE (self));

  exposure = CLAMP (exposure, -4.0, 4.0);
  if (enabled && (!self->raw_baseline || exposure != self->baseline_exposure))
    {
      gegl_node_set (self->baseline, "bias", exposure, NULL);
      self->baseline_exposure = exposure;
    }
  self->raw_baseline = enabled;
  gegl_node_set_passthrough (self->baseline, !enabled);
}

gboolean
ottica_pipeline_get_raw_baseline (OtticaPipeline *self,
                                  double         *exposure)
{
  g_return_val_if_fail (OTTICA_IS_PIPELINE (self), FALSE);

  if (exposure != NULL)
    *exposure = self->raw_baseline ? self->baseline_exposure : 0.0;
  return self->raw_baseline;
}

OtticaPipeline *
ottica_pipeline_new_for_image (const OtticaImage *image)
{
  OtticaPipeline *self;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (GEGL_IS_BUFFER (image->buffer), NULL);

  self = ottica_pipeline_new (image->buffer, image->scale > 0.0 ? image->scale : 1.0);
  if (ottica_image_is_scene_linear (image))
    ottica_pipeline_set_raw_baseline (self, TRUE,
                                      ottica_pipeline_raw_baseline_exposure (image->path));
  return self;
}

GeglNode *
ottica_pipeline_get_output (OtticaPipeline *self)
{
  g_return_val_if_fail (OTTICA_IS_PIPELINE (self), NULL);

  return self->output;
}

GeglNode *
ottica_pipeline_get_graph (OtticaPipeline *self)
{
  g_return_val_if_fail (OTTICA_IS_PIPELINE (self), NULL);

  return self->graph;
}
