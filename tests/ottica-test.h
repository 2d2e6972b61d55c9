/* ottica-test.h: what every check suite shares: the GEGL fixture (check
 * forks per test, so GEGL is initialised inside each test's process),
 * skipping, test data locations and a scratch folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <check.h>
#include <gegl.h>

G_BEGIN_DECLS

/* A test case with the engine fixture and a generous timeout (real
 * photos take seconds under valgrind-free debug builds). */
TCase      *ottica_test_case            (const char *name);

/* A test case for tests that never render: no GEGL set-up (over a second
 * per test), only the scratch folder removed at teardown. */
TCase      *ottica_test_plain_case      (const char *name);

/* Removes @path and everything below it (not following symlinks). */
void        ottica_test_remove_tree     (const char *path);

/* Runs @suite; prints check's summary and a line
 * "OTTICA-SUITE name passed=N failed=N skipped=N"; returns the exit
 * status for main(). */
int         ottica_test_run             (const char *name,
                                         Suite      *suite);

/* Marks the running test as skipped (counted, not failed) and prints why;
 * the test must return right after. */
void        ottica_test_skip            (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* ../shared/samples beside the checkout, or NULL when absent. */
const char *ottica_test_samples_dir     (void);
/* A file in it ("raw/canon_eos_d30.crw"), or NULL when absent. */
char       *ottica_test_sample          (const char *relative);
/* Debian's rawtran-doc Canon CR2, or NULL when not installed. */
const char *ottica_test_canon_cr2       (void);
/* The bundled sample photo (data/samples/friends.jpg). */
char       *ottica_test_bundled_photo   (void);
/* A file in tests/data. */
char       *ottica_test_data_file       (const char *name);

/* A fresh folder for this test, removed at teardown. */
const char *ottica_test_scratch_dir     (void);
char       *ottica_test_scratch_file    (const char *name);

/* Reads @node's (or a buffer's) pixels in @rect as "RGBA float" in
 * @format_name's space ("sRGB", "Rec2020") or as "CIE Lab float". */
float      *ottica_test_render_rgba     (GeglNode *node, const GeglRectangle *rect, const char *space_name);
float      *ottica_test_render_lab      (GeglNode *node, const GeglRectangle *rect);
float      *ottica_test_buffer_lab      (GeglBuffer *buffer, const GeglRectangle *rect);

/* CIE76 ΔE between two Lab triplets. */
double      ottica_test_delta_e         (const float *lab_a, const float *lab_b);

/* Writes a synthetic 8-bit sRGB JPEG/PNG (a colour ramp: R by x, G by y,
 * B constant 128) of @width × @height with GEGL's savers. */
void        ottica_test_write_ramp      (const char *path, int width, int height);

/* A JPEG's pixels as stored (no orientation applied), as libjpeg-turbo
 * decodes them to 8-bit RGB; g_free() them. Fails the test when @path is
 * not a JPEG. */
guint8     *ottica_test_decode_jpeg     (const char *path, int *width, int *height);

/* Spins the default main context until @done (@data) returns TRUE
 * (then TRUE) or @seconds pass (then FALSE). */
gboolean    ottica_test_wait_for        (gboolean (*done) (gpointer), gpointer data, double seconds);

G_END_DECLS
