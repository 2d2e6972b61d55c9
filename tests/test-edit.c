/* test-edit.c: the edit model, its key-file form (sidecars, presets,
 * migration) and where sidecars are stored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ottica-edit.h"
#include "ottica-error.h"
#include "ottica-limits.h"
#include "ottica-sidecar.h"
#include "ottica-test.h"

/* ---- helpers ---------------------------------------------------------- */

static GPtrArray *warnings;

static void
capture_warning (const char     *domain,
                 GLogLevelFlags  level,
                 const char     *message,
                 gpointer        user_data)
{
  g_ptr_array_add (warnings, g_strdup (message));
}

/* Collects g_warning()s from here on (the default handler would only
 * print them). */
static void
capture_warnings (void)
{
  if (warnings == NULL)
    warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_set_size (warnings, 0);
  g_log_set_default_handler (capture_warning, NULL);
}

static guint
count_warnings_containing (const char *a, const char *b)
{
  guint n = 0;

  for (guint i = 0; i < warnings->len; i++)
    {
      const char *message = g_ptr_array_index (warnings, i);

      if (strstr (message, a) != NULL && (b == NULL || strstr (message, b) != NULL))
        n++;
    }
  return n;
}

static OtticaEdit *
parse (const char *text, const char *name, GError **error)
{
  return ottica_edit_from_data (text, strlen (text), name, error);
}

/* An edit with every parameter away from its default. */
static OtticaEdit *
make_full_edit (void)
{
  OtticaEdit *edit = ottica_edit_new ();
  int i = 0;

  for (const OtticaEditParam *p = ottica_edit_params (); p->key; p++, i++)
    /* Awkward fractions exercise the number formatting. */
    ottica_edit_set (edit, p, p->min + (p->max - p->min) * (0.1234567 + 0.05 * i));
  ottica_edit_set_look (edit, "documentary");
  edit->rotation = 270;
  edit->flip_horizontal = TRUE;
  edit->flip_vertical = TRUE;
  edit->crop_x = 0.1;
  edit->crop_y = 1.0 / 3.0;
  edit->crop_width = 0.7;
  edit->crop_height = 0.5;
  return edit;
}

static void
assert_error (const GError *error, int code, const char *name, const char *detail)
{
  ck_assert_msg (error != NULL, "expected an error");
  ck_assert_msg (error->domain == OTTICA_ERROR && error->code == code,
                 "wrong error %s %d: %s", g_quark_to_string (error->domain), error->code,
                 error->message);
  ck_assert_msg (strstr (error->message, name) != NULL,
                 "message does not name “%s”: %s", name, error->message);
  if (detail != NULL)
    ck_assert_msg (strstr (error->message, detail) != NULL,
                   "message does not say “%s”: %s", detail, error->message);
}

/* ---- the model -------------------------------------------------------- */

START_TEST (test_defaults)
{
  g_autoptr(OtticaEdit) edit = ottica_edit_new ();
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  const OtticaEditParam *exposure;

  ck_assert_ptr_null (edit->look_id);
  ck_assert (edit->look_amount == 1.0);
  ck_assert_int_eq (edit->rotation, 0);
  ck_assert (!edit->flip_horizontal && !edit->flip_vertical);
  ck_assert (edit->crop_x == 0.0 && edit->crop_y == 0.0);
  ck_assert (edit->crop_width == 1.0 && edit->crop_height == 1.0);
  ck_assert (ottica_edit_is_neutral (edit));
  ck_assert (!ottica_edit_has_crop (edit));

  for (const OtticaEditParam *p = ottica_edit_params (); p->key; p++)
    {
      ck_assert_msg (g_hash_table_add (keys, (gpointer) p->key), "duplicate key %s", p->key);
      ck_assert_msg (p->min < p->max && p->neutral >= p->min && p->neutral <= p->max,
                     "%s: bad range", p->key);
      ck_assert_msg (ottica_edit_get (edit, p) == p->neutral, "%s not at its default", p->key);
      ck_assert_ptr_eq (ottica_edit_param_lookup (p->key), p);
      ck_assert (p->label != NULL && *p->label != '\0');
      ck_assert (p->unit != NULL);
    }
  ck_assert_uint_ge (g_hash_table_size (keys), 14);
  ck_assert_ptr_null (ottica_edit_param_lookup ("no-such-thing"));

  /* The ranges people know from Lightroom and darktable. */
  exposure = ottica_edit_param_lookup ("exposure");
  ck_assert (exposure->min == -5.0 && exposure->max == 5.0);
  ck_assert_str_eq (exposure->unit, "EV");
  ck_assert (ottica_edit_param_lookup ("saturation")->min == -100.0);
  ck_assert (ottica_edit_param_lookup ("sharpening")->min == 0.0);
  ck_assert (ottica_edit_param_lookup ("straighten")->max == 45.0);

  /* Setting clamps to the range; any change is no longer neutral. */
  ottica_edit_set (edit, exposure, 12.0);
  ck_assert (edit->exposure == 5.0);
  ck_assert (!ottica_edit_is_neutral (edit));
  ottica_edit_reset (edit);
  ck_assert (ottica_edit_is_neutral (edit));
  edit->crop_width = 0.5;
  ck_assert (ottica_edit_has_crop (edit) && !ottica_edit_is_neutral (edit));
  ottica_edit_reset (edit);
  /* A look at amount 0 changes nothing; at 1 it does. */
  ottica_edit_set_look (edit, "vivid");
  ck_assert (!ottica_edit_is_neutral (edit));
  edit->look_amount = 0.0;
  ck_assert (ottica_edit_is_neutral (edit));
}
END_TEST

START_TEST (test_copy_equal)
{
  g_autoptr(OtticaEdit) edit = make_full_edit ();
  g_autoptr(OtticaEdit) copy = ottica_edit_copy (edit);

  ck_assert (ottica_edit_equal (edit, copy));
  ck_assert_ptr_ne (edit->look_id, copy->look_id);
  for (const OtticaEditParam *p = ottica_edit_params (); p->key; p++)
    {
      double saved = ottica_edit_get (copy, p);

      ottica_edit_set (copy, p, saved == p->max ? p->min : p->max);
      ck_assert_msg (!ottica_edit_equal (edit, copy), "%s ignored by equal", p->key);
      ottica_edit_set (copy, p, saved);
    }
  copy->rotation = 90;
  ck_assert (!ottica_edit_equal (edit, copy));
}
END_TEST

/* ---- key files -------------------------------------------------------- */

START_TEST (test_round_trip)
{
  g_autoptr(OtticaEdit) edit = make_full_edit ();
  g_autoptr(OtticaEdit) back = NULL;
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *path = ottica_test_scratch_file ("photo.jpg.ottica");
  gsize length = 0;

  capture_warnings ();
  data = ottica_edit_to_data (edit, FALSE, &length);
  ck_assert_uint_eq (length, strlen (data));
  /* The documented layout. */
  ck_assert (strstr (data, "[Ottica]\n") != NULL);
  ck_assert (strstr (data, "version=1\n") != NULL);
  ck_assert (strstr (data, "kind=edit\n") != NULL);
  ck_assert (strstr (data, "[Look]\nid=documentary\n") != NULL);
  ck_assert (strstr (data, "[Light]\nexposure=") != NULL);
  ck_assert (strstr (data, "[Geometry]\nrotation=270\n") != NULL);
  ck_assert (strstr (data, "crop=0.1;0.333333333333333") != NULL);

  back = ottica_edit_from_data (data, length, "photo.jpg.ottica", &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  ck_assert_msg (ottica_edit_equal (edit, back), "round trip changed the edit:\n%s", data);
  ck_assert_uint_eq (warnings->len, 0);

  /* Through a file, each parameter alone at both ends of its range. */
  for (const OtticaEditParam *p = ottica_edit_params (); p->key; p++)
    for (int end = 0; end < 2; end++)
      {
        g_autoptr(OtticaEdit) one = ottica_edit_new ();

        ottica_edit_set (one, p, end ? p->max : p->min);
        ck_assert (ottica_edit_save (one, path, FALSE, &error));
        loaded = ottica_edit_load (path, &error);
        ck_assert_msg (loaded != NULL, "%s", error ? error->message : "");
        ck_assert_msg (ottica_edit_equal (one, loaded), "%s did not survive a save", p->key);
        g_clear_pointer (&loaded, ottica_edit_free);
      }
  ck_assert_uint_eq (warnings->len, 0);

  /* A value typed by hand: 0.3 stays 0.3. */
  edit->exposure = 0.3;
  g_free (data);
  data = ottica_edit_to_data (edit, FALSE, NULL);
  ck_assert (strstr (data, "exposure=0.3\n") != NULL);
}
END_TEST

START_TEST (test_subset_and_comments)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = parse ("# by hand\n[Ottica]\nversion=1\nkind=edit\n"
                                      "[Light]\nexposure = 0.3\n[Color]\nsaturation=20\n",
                                      "a.ottica", &error);

  ck_assert_msg (edit != NULL, "%s", error ? error->message : "");
  ck_assert (edit->exposure == 0.3);
  ck_assert (edit->saturation == 20.0);
  ck_assert (edit->contrast == 0.0 && edit->crop_width == 1.0);
  ck_assert_ptr_null (edit->look_id);
}
END_TEST

START_TEST (test_presets)
{
  g_autoptr(OtticaEdit) source = make_full_edit ();
  g_autoptr(OtticaEdit) preset = NULL;
  g_autoptr(OtticaEdit) photo = ottica_edit_new ();
  g_autoptr(OtticaEdit) partial = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *path = ottica_test_scratch_file ("warm.preset");
  static const char warm[] = "[Ottica]\nversion=1\nkind=preset\n[Color]\ntemperature=25\n";

  capture_warnings ();
  data = ottica_edit_to_data (source, TRUE, NULL);
  ck_assert (strstr (data, "kind=preset") != NULL);
  ck_assert_msg (strstr (data, "[Geometry]") == NULL, "a preset carries geometry:\n%s", data);
  ck_assert (strstr (data, "crop") == NULL && strstr (data, "straighten") == NULL);

  ck_assert (ottica_edit_save (source, path, TRUE, &error));
  preset = ottica_edit_load_as (path, OTTICA_EDIT_KIND_PRESET, &error);
  ck_assert_msg (preset != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (preset->rotation, 0);
  ck_assert (!ottica_edit_has_crop (preset) && preset->straighten == 0.0);

  /* Applied over a photo's edit: its settings, the photo's geometry. */
  photo->rotation = 90;
  photo->straighten = 2.5;
  photo->crop_x = 0.2;
  photo->crop_width = 0.5;
  ottica_edit_apply_preset (photo, preset);
  ck_assert_int_eq (photo->rotation, 90);
  ck_assert (photo->straighten == 2.5 && photo->crop_x == 0.2 && photo->crop_width == 0.5);
  ck_assert (photo->exposure == source->exposure);
  ck_assert (photo->vignette == source->vignette);
  ck_assert (photo->look_amount == source->look_amount);
  ck_assert_str_eq (photo->look_id, "documentary");

  /* A preset that only warms leaves the photo's exposure and look alone. */
  partial = ottica_edit_from_data_as (warm, strlen (warm), "warm.preset", OTTICA_EDIT_KIND_PRESET, &error);
  ck_assert_msg (partial != NULL, "%s", error ? error->message : "");
  photo->exposure = 1.25;
  ottica_edit_apply_preset (photo, partial);
  ck_assert (photo->temperature == 25.0);
  ck_assert (photo->exposure == 1.25);
  ck_assert_str_eq (photo->look_id, "documentary");
  /* Saved again, it is still only the warmth. */
  g_free (data);
  data = ottica_edit_to_data (partial, TRUE, NULL);
  ck_assert (strstr (data, "temperature=25") != NULL);
  ck_assert (strstr (data, "exposure") == NULL && strstr (data, "[Look]") == NULL);
  ck_assert_uint_eq (warnings->len, 0);
}
END_TEST

START_TEST (test_preset_geometry_ignored)
{
  static const char text[] = "[Ottica]\nversion=1\nkind=preset\n[Light]\nexposure=1\n"
                              "[Geometry]\nrotation=90\ncrop=0.1;0.1;0.5;0.5\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) preset = NULL;
  g_autoptr(OtticaEdit) photo = ottica_edit_new ();

  capture_warnings ();
  preset = ottica_edit_from_data (text, strlen (text), "/x/y/Crop.preset", &error);
  ck_assert_msg (preset != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (count_warnings_containing ("“Crop.preset”", "Geometry"), 1);
  ck_assert_int_eq (preset->rotation, 0);
  ck_assert (!ottica_edit_has_crop (preset));
  ottica_edit_apply_preset (photo, preset);
  ck_assert (photo->exposure == 1.0 && photo->rotation == 0 && !ottica_edit_has_crop (photo));
}
END_TEST

START_TEST (test_unknown_keys)
{
  static const char text[] = "[Ottica]\nversion=1\nkind=edit\nauthor=me\n"
                             "[Light]\nexposure=0.5\nclarity=30\n"
                             "[Mystery]\nfoo=1\nbar=2\n"
                             "[Color]\nsaturation=10\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;

  capture_warnings ();
  edit = parse (text, "/photos/IMG_1.JPG.ottica", &error);
  ck_assert_msg (edit != NULL, "%s", error ? error->message : "");
  ck_assert (edit->exposure == 0.5 && edit->saturation == 10.0);
  /* Once each, naming the file and the key. */
  ck_assert_uint_eq (count_warnings_containing ("“IMG_1.JPG.ottica”", "clarity"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“IMG_1.JPG.ottica”", "author"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“IMG_1.JPG.ottica”", "Mystery"), 1);
  ck_assert_uint_eq (warnings->len, 3);
}
END_TEST

START_TEST (test_out_of_range)
{
  static const char text[] = "[Ottica]\nversion=1\nkind=edit\n"
                             "[Look]\nid=vivid\namount=3\n"
                             "[Light]\nexposure=9\ncontrast=-250\n"
                             "[Geometry]\nrotation=-90\nstraighten=60\ncrop=-0.5;0.2;2;0.5\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;

  capture_warnings ();
  edit = parse (text, "b.ottica", &error);
  ck_assert_msg (edit != NULL, "%s", error ? error->message : "");
  ck_assert (edit->look_amount == 1.0);
  ck_assert (edit->exposure == 5.0);
  ck_assert (edit->contrast == -100.0);
  ck_assert (edit->straighten == 45.0);
  ck_assert_int_eq (edit->rotation, 270);
  ck_assert (edit->crop_x == 0.0 && edit->crop_y == 0.2);
  ck_assert (edit->crop_width == 1.0 && edit->crop_height == 0.5);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”", "exposure"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”", "contrast"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”", "amount"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”", "straighten"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”", "rotation"), 1);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”", "crop"), 1);
  /* Each warning is one whole sentence (translated as one). */
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”: “exposure” in [Light] is 9, "
                                                "outside -5 to 5; using 5.", NULL), 1);
  ck_assert_uint_eq (count_warnings_containing ("“b.ottica”: “rotation” in [Geometry] is -90, "
                                                "not 0, 90, 180 or 270; using 270.", NULL), 1);
}
END_TEST

START_TEST (test_bad_values)
{
  static const struct
  {
    const char *text;
    const char *detail;
  } cases[] = {
    { "[Ottica]\nversion=1\nkind=edit\n[Light]\nexposure=bright\n", "exposure" },
    { "[Ottica]\nversion=1\nkind=edit\n[Light]\nexposure=nan\n", "exposure" },
    { "[Ottica]\nversion=1\nkind=edit\n[Light]\nexposure=1.5.2\n", "exposure" },
    { "[Ottica]\nversion=1\nkind=edit\n[Color]\ntint=\n", "tint" },
    { "[Ottica]\nversion=1\nkind=edit\n[Geometry]\nflip-vertical=maybe\n", "flip-vertical" },
    { "[Ottica]\nversion=1\nkind=edit\n[Geometry]\ncrop=0;0;1\n", "crop" },
    { "[Ottica]\nversion=1\nkind=edit\n[Look]\nid=../../etc\n", "../../etc" },
    { "[Ottica]\nversion=one\n", "one" },
    { "[Ottica]\nkind=edit\n", "version" },
    { "[Light]\nexposure=1\n", "[Ottica]" },
    { "this is not a key file\n", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OtticaEdit) edit = parse (cases[i].text, "/home/me/IMG_2.CR2.ottica", &error);

      ck_assert_msg (edit == NULL, "accepted: %s", cases[i].text);
      assert_error (error, OTTICA_ERROR_INVALID, "“IMG_2.CR2.ottica”", cases[i].detail);
    }

  /* The message is one sentence that names the file, not a sentence
   * glued to a fragment. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OtticaEdit) edit = parse (cases[0].text, "IMG_2.CR2.ottica", &error);

    ck_assert_ptr_null (edit);
    ck_assert_str_eq (error->message, "“IMG_2.CR2.ottica” is not a valid Ottica edit file: “exposure” "
                                      "in [Light] is “bright”, which is not a number.");
  }
}
END_TEST

START_TEST (test_binary_and_empty)
{
  static const char junk[] = { '\x89', 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H' };
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;
  g_autofree char *path = ottica_test_scratch_file ("empty.jpg.ottica");

  edit = ottica_edit_from_data (junk, sizeof junk, "junk.ottica", &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“junk.ottica”", "not text");
  g_clear_error (&error);

  /* A NUL inside otherwise good text is binary too. */
  edit = ottica_edit_from_data ("[Ottica]\nversion=1\0\n", 20, "nul.ottica", &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“nul.ottica”", NULL);
  g_clear_error (&error);

  /* Empty (or only blanks and comments) holds nothing wrong: no changes. */
  ck_assert (g_file_set_contents (path, "", 0, NULL));
  edit = ottica_edit_load (path, &error);
  ck_assert_msg (edit != NULL, "%s", error ? error->message : "");
  ck_assert (ottica_edit_is_neutral (edit));
  g_clear_pointer (&edit, ottica_edit_free);
  edit = parse ("\n  \n# nothing yet\n", "blank.ottica", &error);
  ck_assert (edit != NULL && ottica_edit_is_neutral (edit));
}
END_TEST

START_TEST (test_newer_version_and_kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;
  static const char preset[] = "[Ottica]\nversion=1\nkind=preset\n[Light]\nexposure=1\n";
  static const char photo_edit[] = "[Ottica]\nversion=1\nkind=edit\n[Light]\nexposure=1\n";

  edit = parse ("[Ottica]\nversion=2\nkind=edit\n[Light]\nexposure=1\n", "new.ottica", &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“new.ottica”", "newer version");
  g_clear_error (&error);

  edit = parse ("[Ottica]\nversion=1\nkind=look\n", "look.ottica", &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“look.ottica”", "look");
  g_clear_error (&error);

  edit = ottica_edit_from_data_as (preset, strlen (preset), "p.ottica", OTTICA_EDIT_KIND_EDIT, &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“p.ottica”", "is a preset");
  g_clear_error (&error);

  edit = ottica_edit_from_data_as (photo_edit, strlen (photo_edit), "e.ottica", OTTICA_EDIT_KIND_PRESET, &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“e.ottica”", "not a preset");
  g_clear_error (&error);

  /* Either kind where either will do. */
  edit = parse (preset, "p.ottica", &error);
  ck_assert (edit != NULL && edit->exposure == 1.0);
}
END_TEST

START_TEST (test_too_large)
{
  gsize size = OTTICA_MAX_KEY_FILE_BYTES + 1;
  g_autofree char *data = g_malloc (size);
  g_autofree char *path = ottica_test_scratch_file ("huge.ottica");
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;
  const char head[] = "[Ottica]\nversion=1\nkind=edit\n#";

  memset (data, 'x', size);
  memcpy (data, head, strlen (head));
  edit = ottica_edit_from_data (data, size, "huge.ottica", &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_TOO_LARGE, "“huge.ottica”", NULL);
  g_clear_error (&error);

  /* A file is refused from its size, without reading it all. */
  ck_assert (g_file_set_contents (path, head, -1, NULL));
  ck_assert_int_eq (truncate (path, (off_t) 512 * 1024 * 1024), 0);
  edit = ottica_edit_load (path, &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_TOO_LARGE, "“huge.ottica”", NULL);
  g_clear_error (&error);

  edit = ottica_edit_load ("/nonexistent/x.ottica", &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_NOT_FOUND, "“x.ottica”", NULL);
}
END_TEST

/* ---- migration -------------------------------------------------------- */

static const char version_0[] = "[Ottica]\nversion=0\n[Tone]\nev=1.5\ncontrast=10\n[Color]\nsaturation=5\n";

START_TEST (test_migrate_step)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  ck_assert (g_key_file_load_from_data (key_file, version_0, -1, G_KEY_FILE_NONE, NULL));
  ck_assert (ottica_edit_migrate (key_file, 0, "old.ottica", &error));
  ck_assert (!g_key_file_has_group (key_file, "Tone"));
  ck_assert_int_eq (g_key_file_get_integer (key_file, "Ottica", "version", NULL), 1);
  ck_assert (g_key_file_get_double (key_file, "Light", "exposure", NULL) == 1.5);
  ck_assert (!g_key_file_has_key (key_file, "Light", "ev", NULL));
  ck_assert (g_key_file_get_double (key_file, "Light", "contrast", NULL) == 10.0);
  ck_assert (g_key_file_get_double (key_file, "Color", "saturation", NULL) == 5.0);

  /* Nothing to do for the current format; no step from the future. */
  ck_assert (ottica_edit_migrate (key_file, 1, "old.ottica", &error));
  ck_assert (!ottica_edit_migrate (key_file, 7, "old.ottica", &error));
  assert_error (error, OTTICA_ERROR_INVALID, "“old.ottica”", NULL);
}
END_TEST

START_TEST (test_migrate_load)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;

  capture_warnings ();
  edit = parse (version_0, "old.ottica", &error);
  ck_assert_msg (edit != NULL, "%s", error ? error->message : "");
  ck_assert (edit->exposure == 1.5 && edit->contrast == 10.0 && edit->saturation == 5.0);
  ck_assert_uint_eq (warnings->len, 0);
}
END_TEST

/* ---- sidecars --------------------------------------------------------- */

/* A stand-in photo with recognisable bytes. */
static char *
make_photo (const char *dir, const char *name, GBytes **contents)
{
  char *path = g_build_filename (dir, name, NULL);
  guint8 bytes[4096];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 7 + 3);
  ck_assert (g_file_set_contents (path, (const char *) bytes, sizeof bytes, NULL));
  *contents = g_bytes_new (bytes, sizeof bytes);
  return path;
}

static void
assert_photo_untouched (const char *path, GBytes *contents, const GStatBuf *before)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  GStatBuf after;

  ck_assert (g_file_get_contents (path, &data, &length, NULL));
  ck_assert_uint_eq (length, g_bytes_get_size (contents));
  ck_assert (memcmp (data, g_bytes_get_data (contents, NULL), length) == 0);
  ck_assert_int_eq (g_stat (path, &after), 0);
  ck_assert (after.st_mtim.tv_sec == before->st_mtim.tv_sec
             && after.st_mtim.tv_nsec == before->st_mtim.tv_nsec);
  ck_assert_int_eq (after.st_ino, before->st_ino);
}

/* $XDG_DATA_HOME for the whole run: GLib reads it once per process, and
 * the engine fixture already asked for it before a test starts. */
static char *data_home;

static void
use_scratch_data_home (void)
{
  ck_assert_str_eq (g_get_user_data_dir (), data_home);
}

START_TEST (test_sidecar_beside)
{
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *written = NULL;
  g_autofree char *beside = NULL;
  g_autofree char *found = NULL;
  g_autoptr(OtticaEdit) edit = make_full_edit ();
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf before;

  use_scratch_data_home ();
  photo = make_photo (ottica_test_scratch_dir (), "IMG_0001.JPG", &contents);
  ck_assert_int_eq (g_stat (photo, &before), 0);

  /* No sidecar yet: no edit and no error. */
  loaded = ottica_sidecar_load (photo, &error);
  ck_assert_ptr_null (loaded);
  ck_assert_ptr_null (error);

  beside = ottica_sidecar_path_beside (photo);
  ck_assert (g_str_has_suffix (beside, "/IMG_0001.JPG.ottica"));
  ck_assert (ottica_sidecar_save (photo, edit, &written, &error));
  ck_assert_str_eq (written, beside);
  ck_assert (g_file_test (beside, G_FILE_TEST_IS_REGULAR));
  found = ottica_sidecar_find (photo);
  ck_assert_str_eq (found, beside);

  loaded = ottica_sidecar_load (photo, &error);
  ck_assert_msg (loaded != NULL, "%s", error ? error->message : "");
  ck_assert (ottica_edit_equal (edit, loaded));

  /* Saved again (overwrites), with no temporary files left behind. */
  edit->exposure = -1.0;
  ck_assert (ottica_sidecar_save (photo, edit, NULL, &error));
  g_clear_pointer (&loaded, ottica_edit_free);
  loaded = ottica_sidecar_load (photo, &error);
  ck_assert (loaded != NULL && loaded->exposure == -1.0);
  {
    g_autoptr(GDir) dir = g_dir_open (ottica_test_scratch_dir (), 0, NULL);
    const char *name;
    int n = 0;

    while ((name = g_dir_read_name (dir)) != NULL)
      {
        ck_assert_msg (name[0] != '.', "left over: %s", name);
        n++;
      }
    ck_assert_int_eq (n, 2);  /* the photo and its sidecar */
  }

  assert_photo_untouched (photo, contents, &before);
}
END_TEST

START_TEST (test_sidecar_broken)
{
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *beside = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OtticaEdit) edit = NULL;

  use_scratch_data_home ();
  photo = make_photo (ottica_test_scratch_dir (), "b.jpg", &contents);
  beside = ottica_sidecar_path_beside (photo);

  ck_assert (g_file_set_contents (beside, "[Ottica]\nversion=1\nkind=edit\n[Light]\nexposure=lots\n", -1, NULL));
  edit = ottica_sidecar_load (photo, &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“b.jpg.ottica”", "exposure");
  g_clear_error (&error);

  /* A preset is not a photo's edit. */
  ck_assert (g_file_set_contents (beside, "[Ottica]\nversion=1\nkind=preset\n", -1, NULL));
  edit = ottica_sidecar_load (photo, &error);
  ck_assert_ptr_null (edit);
  assert_error (error, OTTICA_ERROR_INVALID, "“b.jpg.ottica”", "preset");
}
END_TEST

START_TEST (test_sidecar_fallback_path)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *edits = NULL;

  use_scratch_data_home ();
  a = ottica_sidecar_path_fallback ("/photos/2023/IMG_1.CR2");
  b = ottica_sidecar_path_fallback ("/photos/2024/IMG_1.CR2");
  edits = g_build_filename (g_get_user_data_dir (), "ottica", "edits", NULL);

  ck_assert (g_str_has_prefix (a, edits));
  ck_assert (g_str_has_suffix (a, "-IMG_1.CR2.ottica"));
  ck_assert_str_ne (a, b);
  /* Stable: the same photo always maps to the same place. */
  g_free (b);
  b = ottica_sidecar_path_fallback ("/photos/2023/../2023/IMG_1.CR2");
  ck_assert_str_eq (a, b);
}
END_TEST

START_TEST (test_sidecar_read_only_folder)
{
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *folder = ottica_test_scratch_file ("card");
  g_autofree char *photo = NULL;
  g_autofree char *written = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *beside = NULL;
  g_autofree char *found = NULL;
  g_autoptr(OtticaEdit) edit = make_full_edit ();
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GError) error = NULL;
  gboolean saved;
  gboolean as_root = geteuid () == 0;
  GStatBuf before;

  use_scratch_data_home ();
  ck_assert_int_eq (g_mkdir (folder, 0755), 0);
  photo = make_photo (folder, "DSC_0042.NEF", &contents);
  ck_assert_int_eq (g_stat (photo, &before), 0);
  beside = ottica_sidecar_path_beside (photo);
  fallback = ottica_sidecar_path_fallback (photo);

  ck_assert_int_eq (g_chmod (folder, 0555), 0);
  /* Root writes into a 0555 folder anyway; act as an ordinary user for the
   * save (the effective uid is what permission checks use). */
  if (as_root)
    {
      ck_assert_int_eq (g_chmod (ottica_test_scratch_dir (), 0755), 0);
      ck_assert_int_eq (seteuid (65534), 0);
    }
  saved = ottica_sidecar_save (photo, edit, &written, &error);
  if (as_root)
    ck_assert_int_eq (seteuid (0), 0);

  ck_assert_msg (saved, "%s", error ? error->message : "");
  ck_assert_str_eq (written, fallback);
  ck_assert (!g_file_test (beside, G_FILE_TEST_EXISTS));
  ck_assert (g_file_test (fallback, G_FILE_TEST_IS_REGULAR));
  found = ottica_sidecar_find (photo);
  ck_assert_str_eq (found, fallback);
  loaded = ottica_sidecar_load (photo, &error);
  ck_assert_msg (loaded != NULL, "%s", error ? error->message : "");
  ck_assert (ottica_edit_equal (edit, loaded));
  assert_photo_untouched (photo, contents, &before);

  /* Writable again: saved beside the photo, and the stale copy is gone. */
  ck_assert_int_eq (g_chmod (folder, 0755), 0);
  g_clear_pointer (&written, g_free);
  edit->exposure = 2.0;
  ck_assert (ottica_sidecar_save (photo, edit, &written, &error));
  ck_assert_str_eq (written, beside);
  ck_assert (!g_file_test (fallback, G_FILE_TEST_EXISTS));
  g_clear_pointer (&loaded, ottica_edit_free);
  loaded = ottica_sidecar_load (photo, &error);
  ck_assert (loaded != NULL && loaded->exposure == 2.0);
  assert_photo_untouched (photo, contents, &before);
}
END_TEST

static void
set_mtime (const char *path, time_t seconds)
{
  struct timespec times[2] = { { seconds, 0 }, { seconds, 0 } };

  ck_assert_int_eq (utimensat (AT_FDCWD, path, times, 0), 0);
}

START_TEST (test_sidecar_newest_wins)
{
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *beside = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *fallback_dir = NULL;
  g_autoptr(OtticaEdit) a = ottica_edit_new ();
  g_autoptr(OtticaEdit) b = ottica_edit_new ();
  g_autoptr(OtticaEdit) loaded = NULL;
  g_autoptr(GError) error = NULL;

  use_scratch_data_home ();
  photo = make_photo (ottica_test_scratch_dir (), "p.tif", &contents);
  beside = ottica_sidecar_path_beside (photo);
  fallback = ottica_sidecar_path_fallback (photo);
  fallback_dir = g_path_get_dirname (fallback);
  ck_assert_int_eq (g_mkdir_with_parents (fallback_dir, 0700), 0);

  a->exposure = 1.0;
  b->exposure = 2.0;
  ck_assert (ottica_edit_save (a, beside, FALSE, &error));
  ck_assert (ottica_edit_save (b, fallback, FALSE, &error));

  /* The folder was read-only for a while: the later save wins. */
  set_mtime (beside, 1000000000);
  set_mtime (fallback, 1000000100);
  loaded = ottica_sidecar_load (photo, &error);
  ck_assert (loaded != NULL && loaded->exposure == 2.0);
  g_clear_pointer (&loaded, ottica_edit_free);

  set_mtime (beside, 1000000200);
  loaded = ottica_sidecar_load (photo, &error);
  ck_assert (loaded != NULL && loaded->exposure == 1.0);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("edit");
  TCase *model = ottica_test_case ("model");
  TCase *files = ottica_test_case ("key-file");
  TCase *migration = ottica_test_case ("migration");
  TCase *sidecar = ottica_test_case ("sidecar");

  tcase_add_test (model, test_defaults);
  tcase_add_test (model, test_copy_equal);
  suite_add_tcase (suite, model);

  tcase_add_test (files, test_round_trip);
  tcase_add_test (files, test_subset_and_comments);
  tcase_add_test (files, test_presets);
  tcase_add_test (files, test_preset_geometry_ignored);
  tcase_add_test (files, test_unknown_keys);
  tcase_add_test (files, test_out_of_range);
  tcase_add_test (files, test_bad_values);
  tcase_add_test (files, test_binary_and_empty);
  tcase_add_test (files, test_newer_version_and_kind);
  tcase_add_test (files, test_too_large);
  suite_add_tcase (suite, files);

  tcase_add_test (migration, test_migrate_step);
  tcase_add_test (migration, test_migrate_load);
  suite_add_tcase (suite, migration);

  tcase_add_test (sidecar, test_sidecar_beside);
  tcase_add_test (sidecar, test_sidecar_broken);
  tcase_add_test (sidecar, test_sidecar_fallback_path);
  tcase_add_test (sidecar, test_sidecar_read_only_folder);
  tcase_add_test (sidecar, test_sidecar_newest_wins);
  suite_add_tcase (suite, sidecar);

  int status;

  data_home = g_dir_make_tmp ("ottica-test-data-XXXXXX", NULL);
  g_assert (data_home != NULL);
  /* Writable by the unprivileged user the read-only test acts as. */
  g_chmod (data_home, 0777);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  status = ottica_test_run ("edit", suite);
  ottica_test_remove_tree (data_home);
  return status;
}
