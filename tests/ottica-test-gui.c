/* ottica-test-gui.c: what the GUI suites share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ottica-test-gui.h"

GtkWidget *
ottica_test_find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ottica_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}
