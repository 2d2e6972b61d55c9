/* ottica-develop-sources.h: the source formats ottica:develop linearises
 * itself (develop.c's linearise_init()), each in a source's own space.
 * ottica-engine.c makes the same formats for every new space before any
 * render reads them, as a babl change (ottica-babl-guard.h): one list,
 * so that the two cannot drift apart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

typedef struct
{
  const char *name;        /* babl encoding */
  int         components;
  gboolean    encoded;     /* through the space's curve */
} OtticaDevelopSource;

static const OtticaDevelopSource ottica_develop_sources[] = {
  { "R'G'B' u8", 3, TRUE }, { "R'G'B'A u8", 4, TRUE }, { "Y' u8", 1, TRUE }, { "Y'A u8", 2, TRUE },
  { "RGB u8", 3, FALSE },   { "RGBA u8", 4, FALSE },   { "Y u8", 1, FALSE },  { "YA u8", 2, FALSE },
  { "R'G'B' u16", 3, TRUE }, { "R'G'B'A u16", 4, TRUE }, { "Y' u16", 1, TRUE }, { "Y'A u16", 2, TRUE },
  { "RGB u16", 3, FALSE },   { "RGBA u16", 4, FALSE },   { "Y u16", 1, FALSE },  { "YA u16", 2, FALSE },
};

/* And, in Rec.2020 only, what gegl:transform gives when it resamples the
 * pipeline's linearised source: develop divides alpha out itself. */
#define OTTICA_DEVELOP_PREMULTIPLIED_SOURCE "RaGaBaA float"
