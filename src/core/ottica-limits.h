/* ottica-limits.h: the sane bounds past which input is refused
 * (OTTICA_ERROR_TOO_LARGE) rather than tried.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* Largest side and area of an image we decode: medium-format backs reach
 * about 150 MP; anything over this is a hostile or broken header. */
#define OTTICA_MAX_IMAGE_SIDE     65500
#define OTTICA_MAX_IMAGE_PIXELS   (400.0 * 1000 * 1000)

/* Sidecars, presets and looks are small key files. */
#define OTTICA_MAX_KEY_FILE_BYTES (1024 * 1024)

/* Largest input file read at all (RAW files of 400 MP are under 1 GiB). */
#define OTTICA_MAX_INPUT_BYTES    (2048.0 * 1024 * 1024)
