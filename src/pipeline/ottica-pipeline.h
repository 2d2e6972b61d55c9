/* ottica-pipeline.h: an edit as a GEGL graph.
 *
 * The graph has a fixed order of nodes, built once per source; an edit
 * only sets their properties and passthrough flags, so changing a value
 * never rebuilds the graph:
 *
 *   buffer-source → orient (gegl:transform: quarter turns, flips and
 *     straighten as one matrix, moving the crop's corner to 0,0) → crop
 *     → ottica:develop (exposure, white balance, tone, colour, vignette:
 *       one fused pass) → look (gegl:nop until the looks fill it)
 *     → sharpening → output
 *
 * Sharpening is gegl:unsharp-mask, reached through a switch (gegl:src
 * with the unsharp mask on its aux pad, behind a closed gegl:crop gate):
 * GEGL ignores passthrough on meta ops, and this way the blur never runs
 * when sharpening is off.
 *
 * No edit at all renders the source unchanged (every node passthrough).
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

G_BEGIN_DECLS

#define OTTICA_TYPE_PIPELINE (ottica_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (OtticaPipeline, ottica_pipeline, OTTICA, PIPELINE, GObject)

/* @source: the decoded photo (any format with a babl space). @scale is
 * the source's size relative to the full-resolution photo (a preview proxy
 * has scale < 1), so that sizes in the edit (sharpening radius) stay
 * relative to the photo. */
OtticaPipeline *ottica_pipeline_new        (GeglBuffer       *source,
                                            double            scale);

void            ottica_pipeline_set_edit   (OtticaPipeline   *self,
                                            const OtticaEdit *edit);
const OtticaEdit *ottica_pipeline_get_edit (OtticaPipeline   *self);

/* The graph's output node (working space); render or export it. */
GeglNode       *ottica_pipeline_get_output (OtticaPipeline   *self);

/* The whole graph, for debugging (gegl_node_to_xml). */
GeglNode       *ottica_pipeline_get_graph  (OtticaPipeline   *self);

G_END_DECLS
