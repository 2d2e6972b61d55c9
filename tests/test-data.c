/* test-data.c: desktop integration files and translations, checked with
 * the same validators distributions use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-test.h"

/* Runs @argv; returns its exit status and stores its output. */
static int
run (const char * const *argv, char **output)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    ck_abort_msg ("could not run %s: %s", argv[0], error->message);
  if (output != NULL)
    *output = g_strconcat (out, err, NULL);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

static char *
built_file (const char *name)
{
  return g_build_filename (OTTICA_BUILD_DIR, "data", name, NULL);
}

static char *
source_file (const char *name)
{
  return g_build_filename (OTTICA_SOURCE_DIR, name, NULL);
}

START_TEST (test_desktop_file_is_valid)
{
  g_autofree char *path = built_file (OTTICA_APP_ID ".desktop");
  g_autofree char *output = NULL;
  const char *argv[] = { "desktop-file-validate", path, NULL };

  ck_assert_msg (g_file_test (path, G_FILE_TEST_EXISTS), "%s was not built", path);
  ck_assert_msg (run (argv, &output) == 0, "%s", output);
}
END_TEST

START_TEST (test_metainfo_is_valid)
{
  g_autofree char *path = built_file (OTTICA_APP_ID ".metainfo.xml");
  g_autofree char *output = NULL;
  const char *argv[] = { "appstream-util", "validate-relax", "--nonet", path, NULL };

  ck_assert_msg (g_file_test (path, G_FILE_TEST_EXISTS), "%s was not built", path);
  ck_assert_msg (run (argv, &output) == 0, "%s", output);
}
END_TEST

START_TEST (test_gschema_compiles_strictly)
{
  g_autofree char *dir = source_file ("data");
  g_autofree char *output = NULL;
  const char *argv[] = { "glib-compile-schemas", "--strict", "--dry-run", dir, NULL };

  ck_assert_msg (run (argv, &output) == 0, "%s", output);
}
END_TEST

START_TEST (test_italian_translation_is_complete)
{
  g_autofree char *po = source_file ("po/it.po");
  g_autofree char *output = NULL;
  const char *argv[] = { "msgfmt", "--check", "--statistics", "-o", "/dev/null", po, NULL };

  ck_assert_msg (run (argv, &output) == 0, "%s", output);
  ck_assert_msg (strstr (output, "untranslated") == NULL && strstr (output, "fuzzy") == NULL,
                 "po/it.po is not complete: %s", output);
}
END_TEST

/* Every source file that marks strings for translation is in
 * POTFILES.in, so no string escapes the translators. */
START_TEST (test_potfiles_lists_every_translatable_file)
{
  g_autofree char *potfiles_path = source_file ("po/POTFILES.in");
  g_autofree char *potfiles = NULL;
  g_autofree char *listing = NULL;
  g_auto(GStrv) files = NULL;
  const char *argv[] = { "git", "-C", OTTICA_SOURCE_DIR, "grep", "-l", "-E",
                         "(\\b_|\\bN_|C_|ngettext)\\(\"|translatable=\"yes\"",
                         "--", "src", "ui", "data/*.in", NULL };

  ck_assert (g_file_get_contents (potfiles_path, &potfiles, NULL, NULL));
  if (run (argv, &listing) != 0)
    {
      ottica_test_skip ("not a git checkout: cannot list the sources");
      return;
    }
  files = g_strsplit (listing, "\n", -1);
  for (char **f = files; *f && **f; f++)
    {
      g_autofree char *line = g_strdup_printf ("\n%s\n", *f);
      g_autofree char *haystack = g_strdup_printf ("\n%s", potfiles);

      ck_assert_msg (strstr (haystack, line) != NULL, "%s is missing from po/POTFILES.in", *f);
    }
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("data");
  TCase *desktop = ottica_test_case ("desktop");
  TCase *i18n = ottica_test_case ("translations");

  tcase_add_test (desktop, test_desktop_file_is_valid);
  tcase_add_test (desktop, test_metainfo_is_valid);
  tcase_add_test (desktop, test_gschema_compiles_strictly);
  suite_add_tcase (suite, desktop);

  tcase_add_test (i18n, test_italian_translation_is_complete);
  tcase_add_test (i18n, test_potfiles_lists_every_translatable_file);
  suite_add_tcase (suite, i18n);

  return ottica_test_run ("data", suite);
}
