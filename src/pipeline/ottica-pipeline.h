/* ottica-pipeline.h: an edit as a GEGL graph.
 *
 * The graph has a fixed order of nodes, built once per source; an edit
 * only sets their properties and passthrough flags, so changing a value
 * never rebuilds the graph:
 *
 *   buffer-source → orient (gegl:transform: quarter turns, flips and
 *     straighten as one matrix, moving the crop's corner to 0,0) → crop
 *     → RAW baseline (ottica:tone-curve: exposure and a highlight
 *       shoulder; passthrough except for camera RAWs)
 *     → ottica:develop (exposure, white balance, tone, colour, vignette:
 *       one fused pass) → look (ottica:look, by the edit's look id and
 *       amount) → sharpening → output
 *
 * Sharpening is gegl:unsharp-mask, reached through a switch (gegl:src
 * with the unsharp mask on its aux pad, behind a closed gegl:crop gate):
 * GEGL ignores passthrough on meta ops, and this way the blur never runs
 * when sharpening is off.
 *
 * No edit at all renders the source unchanged (every node passthrough),
 * except for a RAW's baseline, which belongs to the photo, not the edit.
 * With any turn, flip, straighten or crop the output's extent starts at
 * 0,0 (as a loaded photo's does). The crop lies on the full-resolution
 * pixel grid whatever the scale, so a preview shows what the export will.
 * One pipeline belongs to one thread at a time: exports build a fresh one
 * per image.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gegl.h>
#include "ottica-edit.h"
#include "ottica-image.h"

G_BEGIN_DECLS

#define OTTICA_TYPE_PIPELINE (ottica_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (OtticaPipeline, ottica_pipeline, OTTICA, PIPELINE, GObject)

/* @source: the decoded photo (any format with a babl space). @scale is
 * the source's size relative to the full-resolution photo (a preview proxy
 * has scale < 1), so that sizes in the edit (sharpening radius) stay
 * relative to the photo. */
OtticaPipeline *ottica_pipeline_new        (GeglBuffer       *source,
                                            double            scale);

/* The same for a loaded photo, with the default rendering its kind needs:
 * a camera RAW (linear, sensor white at 1.0) gets the RAW baseline, with
 * the exposure from ottica_pipeline_raw_baseline_exposure (image->path),
 * so that it opens looking like a well-exposed camera JPEG; JPEG, PNG and
 * TIFF get none (they are display-referred already). */
OtticaPipeline *ottica_pipeline_new_for_image (const OtticaImage *image);

/* The RAW baseline: when @enabled, a base exposure of @exposure EV and a
 * filmic highlight shoulder (scene values above white compress smoothly
 * below display white) before the user's edit, so that the sliders act on
 * a display-like image as they do for a JPEG. Off (passthrough) for
 * pipelines made with ottica_pipeline_new(). Not part of the edit: it
 * belongs to the photo, and "before" (a neutral edit) keeps it. */
void            ottica_pipeline_set_raw_baseline (OtticaPipeline *self,
                                                  gboolean        enabled,
                                                  double          exposure);
/* Whether the baseline is on, and its exposure (0 when off). */
gboolean        ottica_pipeline_get_raw_baseline (OtticaPipeline *self,
                                                  double         *exposure);
/* The base exposure for the RAW at @path: the DNG BaselineExposure tag
 * where the file has one, else Ottica's default. Reads the file's
 * metadata (a few ms); @path may be NULL (the default). */
double          ottica_pipeline_raw_baseline_exposure (const char *path);

void            ottica_pipeline_set_edit   (OtticaPipeline   *self,
                                            const OtticaEdit *edit);
const OtticaEdit *ottica_pipeline_get_edit (OtticaPipeline   *self);

/* The graph's output node (working space); render or export it. */
GeglNode       *ottica_pipeline_get_output (OtticaPipeline   *self);

/* The whole graph, for debugging (gegl_node_to_xml). */
GeglNode       *ottica_pipeline_get_graph  (OtticaPipeline   *self);

G_END_DECLS
