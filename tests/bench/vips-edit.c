/* vips-edit: the libvips peer of the export benchmark.
 *
 *   vips-edit INPUT OUTPUT.jpg
 *
 * Applies the benchmark's edit through libvips' public C API, streaming:
 * +0.3 EV in linear light, a radial vignette (1 EV darker in the corners,
 * also in linear light), chroma ×1.2 in LCh, then a 4:2:0 baseline JPEG at
 * quality 90. Written for tests/bench/run; not part of Ottica.
 */
#include <math.h>
#include <stdio.h>
#include <vips/vips.h>

#define EXPOSURE_EV    0.3
#define CHROMA_SCALE   1.2
#define VIGNETTE_DEPTH 0.5 /* corners get this much less light: −1 EV */

int
main (int argc, char **argv)
{
  VipsImage *in, *t[12] = { NULL };
  int width, height, status = 0;

  if (VIPS_INIT (argv[0]))
    vips_error_exit (NULL);
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s INPUT OUTPUT.jpg\n", argv[0]);
      return 2;
    }

  if (!(in = vips_image_new_from_file (argv[1], "access", VIPS_ACCESS_SEQUENTIAL, NULL)))
    vips_error_exit (NULL);
  width = in->Xsize;
  height = in->Ysize;

  /* Vignette gain from the squared distance to the centre, normalised per
   * axis so the frame's corners are at 1: gain = 1 − depth · r². */
  const double scale[2] = { 2.0 / width, 2.0 / height };
  const double offset[2] = { -1.0, -1.0 };

  if (vips_colourspace (in, &t[0], VIPS_INTERPRETATION_scRGB, NULL) ||
      vips_linear1 (t[0], &t[1], pow (2.0, EXPOSURE_EV), 0.0, NULL) ||
      vips_xyz (&t[2], width, height, NULL) ||
      vips_linear (t[2], &t[3], scale, offset, 2, NULL) ||
      vips_multiply (t[3], t[3], &t[4], NULL) ||
      !(t[5] = vips_image_new_matrixv (2, 1, 1.0, 1.0)) ||
      vips_recomb (t[4], &t[6], t[5], NULL) ||
      vips_linear1 (t[6], &t[7], -VIGNETTE_DEPTH / 2.0, 1.0, NULL) ||
      vips_multiply (t[1], t[7], &t[8], NULL) ||
      vips_colourspace (t[8], &t[9], VIPS_INTERPRETATION_LCH, "source_space",
                        VIPS_INTERPRETATION_scRGB, NULL) ||
      vips_linear (t[9], &t[10], (const double[]) { 1.0, CHROMA_SCALE, 1.0 },
                   (const double[]) { 0.0, 0.0, 0.0 }, 3, NULL) ||
      vips_colourspace (t[10], &t[11], VIPS_INTERPRETATION_sRGB, "source_space",
                        VIPS_INTERPRETATION_LCH, NULL) ||
      vips_jpegsave (t[11], argv[2], "Q", 90,
                     "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_ON, NULL))
    {
      fprintf (stderr, "%s: %s", argv[0], vips_error_buffer ());
      status = 1;
    }

  for (int i = 0; i < 12; i++)
    if (t[i])
      g_object_unref (t[i]);
  g_object_unref (in);
  vips_shutdown ();
  return status;
}
