/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One domain for everything the protocol module reports. Each code names
 * something the user can act on; details (the chip's raw status byte, the
 * OS error text) go into the message. Cancellation is G_IO_ERROR_CANCELLED. */
#define SF_PROTOCOL_ERROR (sf_protocol_error_quark ())

typedef enum
{
  SF_PROTOCOL_ERROR_NO_ANSWER = 1,     /* never answered SYNC: hold BOOT, press RESET */
  SF_PROTOCOL_ERROR_TIMEOUT,           /* stopped answering in the middle of a command */
  SF_PROTOCOL_ERROR_BAD_RESPONSE,      /* answered, but not what the protocol allows */
  SF_PROTOCOL_ERROR_DEVICE_STATUS,     /* the chip reported a failure status */
  SF_PROTOCOL_ERROR_PORT_NOT_FOUND,    /* no such serial port */
  SF_PROTOCOL_ERROR_PORT_BUSY,         /* another program has the port open */
  SF_PROTOCOL_ERROR_PERMISSION_DENIED, /* not in the dialout group */
  SF_PROTOCOL_ERROR_UNPLUGGED,         /* the port went away */
  SF_PROTOCOL_ERROR_UNSUPPORTED,       /* this chip or loader cannot do that */
  SF_PROTOCOL_ERROR_WRONG_CHIP,        /* image or --chip does not match the board */
  SF_PROTOCOL_ERROR_IMAGE_TOO_LARGE,   /* runs past the end of the flash */
  SF_PROTOCOL_ERROR_REGION_OVERLAP,    /* two files claim the same flash bytes */
  SF_PROTOCOL_ERROR_VERIFY_FAILED,     /* flash contents differ from the file */
  SF_PROTOCOL_ERROR_INVALID_ARGUMENT,  /* bad address, size, file or option */
  SF_PROTOCOL_ERROR_IO,                /* reading or writing a local file failed */
  SF_PROTOCOL_ERROR_UNRELIABLE_LINK,   /* replies kept getting lost or garbled: cable, rate, hub */
  SF_PROTOCOL_ERROR_WRITE_PROTECTED, /* the file to save to is write-protected: force it, or save elsewhere */
  SF_PROTOCOL_ERROR_NOT_CONFIRMED,     /* checks before writing found concerns nobody confirmed */
} SfProtocolError;

GQuark sf_protocol_error_quark (void) G_GNUC_CONST;

G_END_DECLS
