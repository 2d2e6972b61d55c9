/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: to be written. */
#include <glib.h>
