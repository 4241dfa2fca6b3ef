/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sf-protocol-error.h"

G_DEFINE_QUARK (sf-protocol-error-quark, sf_protocol_error)
