/* ottica-op-list.h: the one list of bundled operations, shared by the
 * static registration (ottica-ops.c) and the loadable GEGL module
 * (ottica-gegl-module.c). Add a new op here and in meson.build.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

void gegl_op_develop_register_type (GTypeModule *module);
void gegl_op_tone_curve_register_type (GTypeModule *module);
void gegl_op_color_character_register_type (GTypeModule *module);
void gegl_op_local_contrast_register_type (GTypeModule *module);
void gegl_op_lens_falloff_register_type (GTypeModule *module);
void gegl_op_grain_register_type (GTypeModule *module);
void gegl_op_mono_register_type (GTypeModule *module);
void gegl_op_split_tone_register_type (GTypeModule *module);
void gegl_op_glow_register_type (GTypeModule *module);
void gegl_op_lut3d_register_type (GTypeModule *module);
void gegl_op_point_chain_register_type (GTypeModule *module);

static inline void
ottica_op_list_register_all (GTypeModule *module)
{
  gegl_op_develop_register_type (module);
  gegl_op_tone_curve_register_type (module);
  gegl_op_color_character_register_type (module);
  gegl_op_local_contrast_register_type (module);
  gegl_op_lens_falloff_register_type (module);
  gegl_op_grain_register_type (module);
  gegl_op_mono_register_type (module);
  gegl_op_split_tone_register_type (module);
  gegl_op_glow_register_type (module);
  gegl_op_lut3d_register_type (module);
  gegl_op_point_chain_register_type (module);
}
