/* ottica-adjust-panel.c: one slider per numeric edit parameter, grouped
 * as the edit's key file groups them. The table in ottica-edit.c gives
 * labels, ranges, units and digits, so a new parameter appears here on
 * its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gi18n.h>
#include <math.h>

#include "ottica-adjust-panel.h"

struct _OtticaAdjustPanel
{
  GtkWidget   parent_instance;

  GtkWidget  *page;
  GHashTable *adjustments;   /* key → GtkAdjustment (owned by the scales) */
  GHashTable *value_labels;  /* key → GtkLabel */
  AdwComboRow *aspect_row;
  gboolean    updating;
};

G_DEFINE_FINAL_TYPE (OtticaAdjustPanel, ottica_adjust_panel, GTK_TYPE_WIDGET)

enum { PARAM_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The groups shown here, in order; the look's amount lives in the looks
 * panel and geometry in the crop tool. */
static const struct
{
  const char *group;
  const char *title;
} groups[] = {
  { "Light", N_("Light") },
  { "Color", N_("Colour") },
  { "Detail", N_("Detail") },
  { "Effects", N_("Effects") },
  { "Geometry", N_("Crop and Rotate") },
};

/* Crop shapes: the action's target, and the name shown (with its
 * translation context, for the short ones). */
static const struct
{
  const char *target;
  const char *context;
  const char *label;
} aspects[] = {
  { "free", "crop shape", NC_("crop shape", "Free") },
  { "original", "crop shape", NC_("crop shape", "Original") },
  { "1:1", NULL, N_("Square (1:1)") },
  { "5:4", NULL, N_("5:4") },
  { "4:3", NULL, N_("4:3") },
  { "3:2", NULL, N_("3:2") },
  { "16:9", NULL, N_("16:9") },
};

static char *
format_value (const OtticaEditParam *param, double value)
{
  g_autofree char *number = NULL;

  /* avoid "-0" when a slider sits at the neutral point */
  if (fabs (value) < 0.5 * pow (10, -param->digits))
    value = 0;
  number = g_strdup_printf ("%s%.*f", value > 0 && param->min < 0 ? "+" : "", param->digits, value);
  if (param->unit == NULL || param->unit[0] == '\0')
    return g_steal_pointer (&number);
  /* TRANSLATORS: a slider's value and its unit, "+1.50 EV" */
  return g_strdup_printf (C_("value with unit", "%s %s"), number, _(param->unit));
}

static void
update_value_label (OtticaAdjustPanel *self, const OtticaEditParam *param, double value)
{
  GtkLabel *label = g_hash_table_lookup (self->value_labels, param->key);
  g_autofree char *text = format_value (param, value);

  gtk_label_set_label (label, text);
}

static void
value_changed (GtkAdjustment *adjustment, OtticaAdjustPanel *self)
{
  const OtticaEditParam *param = g_object_get_data (G_OBJECT (adjustment), "ottica-param");
  double value = gtk_adjustment_get_value (adjustment);

  update_value_label (self, param, value);
  if (!self->updating)
    g_signal_emit (self, signals[PARAM_CHANGED], 0, param->key, value);
}

static void
scale_pressed (GtkGestureClick *gesture,
               int              n_press,
               double           x,
               double           y,
               GtkAdjustment   *adjustment)
{
  const OtticaEditParam *param = g_object_get_data (G_OBJECT (adjustment), "ottica-param");

  /* a double click puts the slider back to its neutral value */
  if (n_press == 2)
    gtk_adjustment_set_value (adjustment, param->neutral);
}

static GtkWidget *
make_slider_row (OtticaAdjustPanel *self, const OtticaEditParam *param)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (_(param->label));
  GtkWidget *value = gtk_label_new (NULL);
  double step = pow (10, -param->digits);
  double range = param->max - param->min;
  GtkAdjustment *adjustment = gtk_adjustment_new (param->neutral, param->min, param->max,
                                                  step, MAX (step, range / 20), 0);
  GtkWidget *scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, adjustment);
  GtkGesture *click = gtk_gesture_click_new ();
  g_autofree char *tooltip = g_strdup_printf (_("%s (double-click to reset)"), _(param->label));

  g_object_set_data (G_OBJECT (adjustment), "ottica-param", (gpointer) param);
  gtk_widget_add_css_class (box, "ottica-slider");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 2);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_xalign (GTK_LABEL (value), 1);
  gtk_widget_add_css_class (value, "numeric");
  gtk_widget_add_css_class (value, "dim-label");
  gtk_box_append (GTK_BOX (header), name);
  gtk_box_append (GTK_BOX (header), value);
  gtk_box_append (GTK_BOX (box), header);

  gtk_scale_set_draw_value (GTK_SCALE (scale), FALSE);
  gtk_scale_set_digits (GTK_SCALE (scale), param->digits);
  /* a slider with its neutral point inside is filled from nowhere: the
   * fill from the left end would read as "more" */
  if (param->min < param->neutral && param->neutral < param->max)
    {
      gtk_scale_set_has_origin (GTK_SCALE (scale), FALSE);
      gtk_scale_add_mark (GTK_SCALE (scale), param->neutral, GTK_POS_BOTTOM, NULL);
    }
  gtk_widget_set_tooltip_text (scale, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _(param->label), -1);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (scale_pressed), adjustment);
  gtk_widget_add_controller (scale, GTK_EVENT_CONTROLLER (click));
  gtk_box_append (GTK_BOX (box), scale);

  g_hash_table_insert (self->adjustments, (gpointer) param->key, adjustment);
  g_hash_table_insert (self->value_labels, (gpointer) param->key, value);
  update_value_label (self, param, param->neutral);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (value_changed), self);
  return box;
}

static void
aspect_selected (AdwComboRow *row, GParamSpec *pspec, OtticaAdjustPanel *self)
{
  guint index = adw_combo_row_get_selected (row);

  if (!self->updating && index < G_N_ELEMENTS (aspects))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.crop-aspect", "s", aspects[index].target);
}

static GtkWidget *
make_geometry_buttons (void)
{
  static const struct
  {
    const char *icon;
    const char *action;
    const char *tooltip;
  } buttons[] = {
    { "object-rotate-left-symbolic", "win.rotate-left", N_("Rotate left") },
    { "object-rotate-right-symbolic", "win.rotate-right", N_("Rotate right") },
    { "object-flip-horizontal-symbolic", "win.flip-horizontal", N_("Flip horizontally") },
    { "object-flip-vertical-symbolic", "win.flip-vertical", N_("Flip vertically") },
  };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  for (gsize i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkWidget *button = gtk_button_new_from_icon_name (buttons[i].icon);

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), buttons[i].action);
      gtk_widget_set_tooltip_text (button, _(buttons[i].tooltip));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(buttons[i].tooltip), -1);
      gtk_widget_add_css_class (button, "flat");
      gtk_box_append (GTK_BOX (box), button);
    }
  return box;
}

static GtkWidget *
make_aspect_row (OtticaAdjustPanel *self)
{
  GtkStringList *model = gtk_string_list_new (NULL);
  GtkWidget *row = adw_combo_row_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (aspects); i++)
    gtk_string_list_append (model, aspects[i].context != NULL
                                   ? g_dpgettext2 (NULL, aspects[i].context, aspects[i].label)
                                   : _(aspects[i].label));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Crop"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  g_object_unref (model);
  g_signal_connect (row, "notify::selected", G_CALLBACK (aspect_selected), self);
  self->aspect_row = ADW_COMBO_ROW (row);
  return row;
}

static void
ottica_adjust_panel_dispose (GObject *object)
{
  OtticaAdjustPanel *self = OTTICA_ADJUST_PANEL (object);

  g_clear_pointer (&self->page, gtk_widget_unparent);
  G_OBJECT_CLASS (ottica_adjust_panel_parent_class)->dispose (object);
}

static void
ottica_adjust_panel_finalize (GObject *object)
{
  OtticaAdjustPanel *self = OTTICA_ADJUST_PANEL (object);

  g_hash_table_unref (self->adjustments);
  g_hash_table_unref (self->value_labels);
  G_OBJECT_CLASS (ottica_adjust_panel_parent_class)->finalize (object);
}

static void
ottica_adjust_panel_class_init (OtticaAdjustPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ottica_adjust_panel_dispose;
  object_class->finalize = ottica_adjust_panel_finalize;

  signals[PARAM_CHANGED] = g_signal_new ("param-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_DOUBLE);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ottica-adjust-panel");
}

static void
ottica_adjust_panel_init (OtticaAdjustPanel *self)
{
  self->adjustments = g_hash_table_new (g_str_hash, g_str_equal);
  self->value_labels = g_hash_table_new (g_str_hash, g_str_equal);
  self->page = adw_preferences_page_new ();
  gtk_widget_set_parent (self->page, GTK_WIDGET (self));

  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      GtkWidget *group = adw_preferences_group_new ();

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _(groups[g].title));
      if (g_str_equal (groups[g].group, "Geometry"))
        {
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), make_geometry_buttons ());
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), make_aspect_row (self));
        }
      for (const OtticaEditParam *param = ottica_edit_params (); param->key != NULL; param++)
        if (g_str_equal (param->group, groups[g].group))
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), make_slider_row (self, param));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), ADW_PREFERENCES_GROUP (group));
    }
}

GtkWidget *
ottica_adjust_panel_new (void)
{
  return g_object_new (OTTICA_TYPE_ADJUST_PANEL, NULL);
}

void
ottica_adjust_panel_set_edit (OtticaAdjustPanel *self,
                              const OtticaEdit  *edit)
{
  GHashTableIter iter;
  gpointer adjustment;

  g_return_if_fail (OTTICA_IS_ADJUST_PANEL (self));
  g_return_if_fail (edit != NULL);

  self->updating = TRUE;
  g_hash_table_iter_init (&iter, self->adjustments);
  while (g_hash_table_iter_next (&iter, NULL, &adjustment))
    {
      const OtticaEditParam *param = g_object_get_data (adjustment, "ottica-param");

      gtk_adjustment_set_value (adjustment, ottica_edit_get (edit, param));
    }
  self->updating = FALSE;
}

void
ottica_adjust_panel_set_crop_aspect (OtticaAdjustPanel *self,
                                     const char        *aspect)
{
  g_return_if_fail (OTTICA_IS_ADJUST_PANEL (self));
  g_return_if_fail (aspect != NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (aspects); i++)
    if (g_str_equal (aspects[i].target, aspect))
      {
        self->updating = TRUE;
        adw_combo_row_set_selected (self->aspect_row, (guint) i);
        self->updating = FALSE;
      }
}

GtkAdjustment *
ottica_adjust_panel_get_adjustment (OtticaAdjustPanel *self,
                                    const char        *key)
{
  g_return_val_if_fail (OTTICA_IS_ADJUST_PANEL (self), NULL);

  return g_hash_table_lookup (self->adjustments, key);
}
