/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ottica-error.h"

G_DEFINE_QUARK (ottica-error-quark, ottica_error)
