/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Misbehaviours a test can ask for. */
typedef enum
{
  SF_SIM_FAULT_NONE,
  SF_SIM_FAULT_SILENT,          /* never answers anything (not in download mode) */
  SF_SIM_FAULT_UNPLUG,          /* closes the pty master after N commands (cable pulled) */
  SF_SIM_FAULT_STALL,           /* stops answering after N commands */
  SF_SIM_FAULT_CORRUPT_WRITE,   /* flips a bit in the Nth flash block written */
  SF_SIM_FAULT_STUB_SILENT,     /* an uploaded stub never starts: no OHAI, the ROM answers on */
  SF_SIM_FAULT_LATE_WRITE_ERROR, /* the stub fails to write the Nth data block */
} SfSimFault;

/* What the board runs when it boots from flash instead of into its
 * loader (sf_sim_device_set_firmware ()). */
typedef enum
{
  SF_SIM_FIRMWARE_NONE,    /* the default: the board only ever runs its loader */
  SF_SIM_FIRMWARE_LOGGER,  /* an ESP-IDF-style app: a boot log with ANSI colours, then a line every second; echoes each line it receives */
  SF_SIM_FIRMWARE_IMPROV,  /* an ESPHome-like app that speaks Improv Wi-Fi Serial, plus a few log lines */
  SF_SIM_FIRMWARE_FLOOD,   /* prints lines nonstop, as fast as the line carries them */
} SfSimFirmware;

#define SF_TYPE_SIM_DEVICE (sf_sim_device_get_type ())
G_DECLARE_FINAL_TYPE (SfSimDevice, sf_sim_device, SF, SIM_DEVICE, GObject)

/* @chip: "esp8266", "esp32", "esp32s3", "esp32c3", ... (as esptool's --chip).
 * Fails for a chip the simulator does not know. */
SfSimDevice *sf_sim_device_new              (const char   *chip,
                                             GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* Before start: the crystal the board has, in MHz (26 or 40; 0, the
 * default, is the chip's usual one). It shows in the UART divider after
 * auto-baud, in the ESP32's RTC calibration, and in where a ROM that
 * assumes another crystal puts its UART on CHANGE_BAUDRATE. */
void         sf_sim_device_set_crystal_mhz  (SfSimDevice  *self,
                                             guint         mhz);
/* Before start. Default 4 MiB; the JEDEC id follows the size. On an
 * ESP8285 only 1 or 2 MiB (else a warning, and ignored). */
void         sf_sim_device_set_flash_size   (SfSimDevice  *self,
                                             gsize         size);
/* Before start: keep the flash in @path (created 0xFF-filled if missing,
 * written back as it changes and on stop). Without it, flash is in memory. */
void         sf_sim_device_set_flash_file   (SfSimDevice  *self,
                                             const char   *path);
/* Before start: print the ROM's boot banner on the line first, as a real
 * board does after reset, so the client must skip it. */
void         sf_sim_device_set_boot_log     (SfSimDevice  *self,
                                             gboolean      boot_log);
/* Before start, or at any time for the next commands. @after_commands
 * counts requests acted on from now on (commands; with a stub running, the
 * acknowledgements a host sends during READ_FLASH too, so a read can be
 * cut in the middle): STALL acts on that many more and then ignores
 * everything, UNPLUG acts on that many and closes the pty on the next.
 * For CORRUPT_WRITE it counts flash data blocks instead
 * (FLASH_DATA / FLASH_DEFL_DATA): that many are written intact, the next one
 * gets one bit flipped in flash while the ROM still acknowledges it.
 * LATE_WRITE_ERROR counts the stub's data blocks the same way: the flash
 * write of the next one fails (nothing of it is written) and, as the real
 * stub reports it, the reply to the request after it (the next block,
 * FLASH_END or MD5) carries error C4 00 instead, that request not being
 * carried out. The ROM is not affected by it. With a stub running, both
 * count its blocks from the stub's start (or from now, if later).
 * SILENT and STUB_SILENT ignore the number: with STUB_SILENT a stub upload
 * is answered (MEM_END too) but no stub starts, as on a board whose stub
 * does not come up; the ROM keeps answering. SF_SIM_FAULT_NONE heals a
 * STALL. */
void         sf_sim_device_set_fault        (SfSimDevice  *self,
                                             SfSimFault    fault,
                                             guint         after_commands);
/* When TRUE the device paces its output at the baud rate the client set on
 * the pty (10 bits per byte), as a real UART would. Default FALSE. */
void         sf_sim_device_set_emulate_baud (SfSimDevice  *self,
                                             gboolean      emulate);
/* Any time: above @max_baud (as the client set it on the line) the board
 * hears only noise and answers nothing, like a cable or adapter that cannot
 * carry the rate. 0, the default, lets every rate work.
 * The board always talks at the rate the client set, also after a stub's
 * CHANGE_BAUDRATE (the real stub switches its UART after the reply): a
 * client whose new rate does not get through goes back to 115200 and is
 * heard again, by the ROM or the running stub, without a reset. Only a
 * client that moves its port after CHANGE_BAUDRATE to a rate more than
 * 3 % off where the value sent puts the chip's UART hears noise, and is
 * not heard, until it moves its port again. */
void         sf_sim_device_set_max_baud     (SfSimDevice  *self,
                                             guint         max_baud);
/* Any time: make the board take as long as real flash does (a W25Q32JV's
 * typical erase and program times, reads at about 4 MiB/s; see
 * sf-sim-timing.c). The ROM erases before it answers FLASH_BEGIN and
 * programs a block before it answers it; the stub answers a block once it
 * has it and has finished the previous one, erasing lazily. Combines with
 * emulate_baud. Default FALSE: the flash takes no time. */
void         sf_sim_device_set_flash_timing (SfSimDevice  *self,
                                             gboolean      enabled);
/* Any time: the worst case of the flash datasheet instead of its typical
 * figures (W25Q32JV maxima: 4 KiB sector erase 400 ms, 32 KiB block erase
 * 1.6 s, 64 KiB block erase 2 s, 256-byte page program 3 ms; chip erase
 * 25 s per 4 MiB, never more than 25 s unless the typical figure is, so a
 * test of it stays under a minute; reads as typical). TRUE implies flash
 * timing, whatever sf_sim_device_set_flash_timing() says; FALSE leaves
 * that setting in charge again. Default FALSE. */
void         sf_sim_device_set_slow_flash   (SfSimDevice  *self,
                                             gboolean      slow);

/* A bad cable. These combine with each other, with the SfSimFault above
 * and with every other setting. Decisions come from GRand seeded with
 * @seed, one stream per kind of fault, and from nothing else: the same
 * seed and the same traffic give the same faults, and one kind being on
 * or off does not change what another does. The streams start from the
 * seed again when the rates are set and when the device starts.
 *
 * Any time: of the frames the board sends, each is lost with probability
 * 1 / @drop_one_in (the board still carried out the command: a lost
 * reply, not a lost request), and each gets 1 to 3 distinct bits flipped
 * anywhere in its content (header, value, data, status) with probability
 * 1 / @corrupt_one_in, then is SLIP-encoded as usual, so the framing stays
 * intact as with noise inside a frame. 0 turns either off (the default).
 * This applies to every frame either loader sends: all ROM replies (the 8
 * to a SYNC each on its own, READ_REG, READ_FLASH_SLOW, SPI_FLASH_MD5 …),
 * the stub's "OHAI" greeting (a real cable spares it no more than
 * anything else), its replies, its READ_FLASH data packets and the MD5
 * frame after them. Not to the boot banner or the garbage below, which
 * are not frames. A frame both lost and damaged counts as lost. */
void         sf_sim_device_set_line_noise   (SfSimDevice  *self,
                                             guint         drop_one_in,
                                             guint         corrupt_one_in,
                                             guint32       seed);
/* Any time: each frame the host sends (a request, a READ_FLASH ack, or a
 * frame of its noise) is lost with probability 1 / @drop_one_in before
 * the board acts on it; 0 (the default) turns it off. Uses the seed of
 * sf_sim_device_set_line_noise() (1 until one is set). */
void         sf_sim_device_set_request_drop (SfSimDevice  *self,
                                             guint         drop_one_in);
/* Any time: garbage on the line before SYNC, as from a board booting at
 * another rate: bursts of random bytes, among them 0xC0 and 0xDB, invalid
 * escapes and frames cut short, one when the line opens (after the boot
 * banner, if any) and after every reset, then one every 20 ms while
 * nothing else waits to go out, until the ROM answers its first SYNC.
 * Default FALSE. */
void         sf_sim_device_set_garbage_before_sync (SfSimDevice *self,
                                                    gboolean     garbage);

/* What the cable did since start. */
typedef struct
{
  guint dropped;           /* frames from the board lost */
  guint corrupted;         /* frames from the board with bits flipped */
  guint dropped_requests;  /* frames from the host lost */
  guint garbage_bursts;    /* bursts of garbage before SYNC */
} SfSimFaultCounts;

/* Thread-safe. The counts of line faults injected since start; the
 * SfSimFault above is not counted. How many garbage bursts go out depends
 * on the time the host takes, so with garbage on the total does too. */
void         sf_sim_device_get_fault_counts (SfSimDevice      *self,
                                             SfSimFaultCounts *out_counts);
/* Thread-safe: all of them together. */
guint        sf_sim_device_get_faults_injected (SfSimDevice *self);

/* While started: the reset button, with the boot strap held for download
 * mode. A running stub is gone, the ROM waits for SYNC, output not yet
 * sent is dropped, and the boot banner is printed if enabled. */
void         sf_sim_device_reset            (SfSimDevice  *self);

/* Any time: what the board runs when it boots from flash. A pty has no
 * modem lines, so no host can pulse RTS to reset it; instead, with a
 * firmware set, the board boots it
 *  - when the host opens the port (the board no longer holds the slave
 *    itself, so the master hangs up while no host has it open): this
 *    stands for the reset every serial monitor does on open, and for
 *    esptool's --after hard_reset (it closes the port, a monitor opens
 *    it); closing the port stops the app (its output would go nowhere);
 *  - on sf_sim_device_press_reset ().
 * Booting: about 30 ms after the reset the ROM prints its boot text at
 * its own rate (the ESP8266's, and any chip's on a 26 MHz crystal, at
 * 74880 baud: the ROM sets its UART for 40 MHz; else 115200), then, after
 * at least 80 ms of silence, the app prints at the firmware rate. Text
 * sent at a rate more than 3 % off the host's current one arrives as
 * what the host's UART makes of it (garbage of about the same length);
 * the app hears the host the same way. With emulate_baud, output is
 * paced at the rate it is printed at.
 * While the app runs, a SLIP frame starting a SYNC request puts the ROM
 * loader back (standing for the host's reset into download mode), and it
 * answers that SYNC as ever; every other byte is the app's input.
 * LOGGER prints ESP-IDF-style lines (I green, W yellow, E red, ending in
 * \r\n), then "I (N) main: uptime S s" every second, and answers each
 * line it receives (ended by \r, \n or \r\n) with "echo: LINE".
 * IMPROV speaks the board's side of Improv Wi-Fi Serial: current state,
 * device info (ESPHome, its version, the chip family, "sparkflash-sim"),
 * a scan (networks "Sparkflash Lab" -48 and "Workshop" -63, secured, and
 * "Guest" -77, open), and Wi-Fi settings: 300 ms later provisioned with
 * the URL http://192.168.4.23 for the right password ("correct horse",
 * "soldering iron", any for Guest), else error "unable to connect" and
 * ready again; bad checksums and unknown commands get their error
 * states. Its log lines never show the password.
 * FLOOD prints numbered lines of about 70 characters nonstop, as fast as
 * the host reads them (with emulate_baud, at the firmware rate).
 * Changing the firmware takes effect at the next boot, except that
 * leaving NONE while a host has the port open boots at once, and
 * choosing NONE puts the loader back at once. With NONE nothing of this
 * happens. */
void         sf_sim_device_set_firmware     (SfSimDevice   *self,
                                             SfSimFirmware  firmware);
/* Any time, for the next boot: the rate the app prints and listens at.
 * Default 115200. */
void         sf_sim_device_set_firmware_baud (SfSimDevice  *self,
                                              guint         baud);
/* While started: the reset button with the boot strap released: the
 * board boots from flash, the ROM printing its boot text (on the ESP32
 * "rst:0x10 (RTCWDT_RTC_RESET)", as a press of EN shows; opening the port
 * shows a power-on reset), then the firmware runs. With no host on the
 * line it does nothing (the next open boots anyway); with
 * SF_SIM_FIRMWARE_NONE it is sf_sim_device_reset (). */
void         sf_sim_device_press_reset      (SfSimDevice  *self);

/* Opens a pseudo-terminal and serves it from a thread of its own.
 * Like a freshly reset ROM it answers nothing but SYNC until synced; after
 * FLASH_END / FLASH_DEFL_END (reboot or run app) it answers that command and
 * then waits for a new SYNC again (a pty has no reset lines).
 * A MEM_END with stay flag 0 whose entry point lies in RAM the client loaded
 * with MEM_BEGIN / MEM_DATA starts a flasher stub (any image: it is not
 * run, esp-flasher-stub is modelled instead): after the MEM_END reply it
 * sends the frame "OHAI" and from then on answers as that stub does, until
 * sf_sim_device_reset() or stop. */
gboolean     sf_sim_device_start            (SfSimDevice  *self,
                                             GError      **error);
/* The pty slave path clients open, e.g. "/dev/pts/7"; NULL before start. */
const char  *sf_sim_device_get_port_path    (SfSimDevice  *self);
/* Stops serving and closes the pty (clients see the port vanish). */
void         sf_sim_device_stop             (SfSimDevice  *self);

/* Thread-safe copies of and changes to the flash. */
GBytes      *sf_sim_device_dup_flash        (SfSimDevice  *self,
                                             guint32       offset,
                                             gsize         length);
void         sf_sim_device_write_flash      (SfSimDevice  *self,
                                             guint32       offset,
                                             const guint8 *data,
                                             gsize         length);
gsize        sf_sim_device_get_flash_size   (SfSimDevice  *self);
/* Before start: the factory MAC its eFuses hold, so that boards of one
 * chip can be told apart (default: the same for every board of a chip).
 * On the ESP8266 only the last three bytes can differ: its eFuses imply
 * the first three. */
void         sf_sim_device_set_mac          (SfSimDevice  *self,
                                             const guint8  mac[6]);
/* Factory MAC the simulated eFuses hold. */
void         sf_sim_device_get_mac          (SfSimDevice  *self,
                                             guint8        out_mac[6]);
/* Before start: the eFuses say secure boot is enabled (on the ESP32,
 * secure boot v2: ABS_DONE_1; elsewhere SECURE_BOOT_EN), with a secure
 * boot digest's purpose on BLOCK_KEY1 where the chip has key purposes.
 * GET_SECURITY_INFO, where the chip has it, sets bit 0 of its flags.
 * The ESP32-S3's ROM then answers MEM_END but does not start the stub it
 * names; a READ_FLASH_SLOW after the host pointed the ROM's flash read
 * function (its pointer at 0x3FCEF688, any S3) into the loaded code starts
 * it instead, as esptool does. Nothing else is refused or checked.
 * Default FALSE. The ESP8266 has none: a warning, and ignored. */
void         sf_sim_device_set_secure_boot  (SfSimDevice  *self,
                                             gboolean      enabled);
/* Before start: the eFuses say flash encryption is enabled: the crypt
 * counter (FLASH_CRYPT_CNT on the ESP32, SPI_BOOT_CRYPT_CNT elsewhere)
 * reads 1, an odd count, with an XTS-AES-128 key's purpose on BLOCK_KEY0
 * where the chip has key purposes; GET_SECURITY_INFO carries the same
 * count. The flash itself stays plain: nothing is encrypted. Default
 * FALSE. The ESP8266 has none: a warning, and ignored. */
void         sf_sim_device_set_flash_encryption (SfSimDevice *self,
                                                 gboolean     enabled);
/* Before start, ESP8266 only: the chip is an ESP8285 (ESP8285N08 with
 * 1 MiB of flash in its package, the size it takes unless 2 MiB was set,
 * which makes it an ESP8285N16): bit 4 of eFuse word0 (0x3FF00050) is
 * set, and for 2 MiB bit 26 of word3 (0x3FF0005C), which then also holds
 * the MAC's OUI. Its flash answers RDID with a GigaDevice-style id (an
 * assumption). Other flash sizes are refused while it is one. FALSE
 * makes it an ESP8266EX with the default 4 MiB again. */
void         sf_sim_device_set_esp8285      (SfSimDevice  *self,
                                             gboolean      esp8285);
/* How many commands it has answered since start (for tests). */
guint        sf_sim_device_get_command_count (SfSimDevice *self);
/* What crossed the line, for benchmarks. Times are in the line's clock
 * (with emulate_baud, when a real UART would see the bytes). */
typedef struct
{
  guint64 rx_bytes;    /* host to board, everything */
  guint64 tx_bytes;    /* board to host, everything */
  guint64 data_bytes;  /* FLASH_DATA / FLASH_DEFL_DATA requests and their replies */
  gint64  data_us;     /* first byte of the first such request in .. last byte of the last reply out */
  guint64 read_bytes;  /* the stub's READ_FLASH data packets and the host's acks */
  gint64  read_us;     /* first byte of the first packet out .. last byte of the last ack in */
} SfSimWireStats;

/* Thread-safe: copies the counts since start or the last call, and starts
 * them again from zero. A phase that has not happened counts 0 µs. */
void         sf_sim_device_take_wire_stats  (SfSimDevice    *self,
                                             SfSimWireStats *out_stats);
/* Is an uploaded flasher stub running (it said OHAI)? */
gboolean     sf_sim_device_get_stub_running (SfSimDevice  *self);
/* How many 4 KiB sectors the flash has erased since it was created (a
 * 64 KiB block erase counts 16), for tests of the stub's lazy erase. */
guint        sf_sim_device_get_erased_sectors (SfSimDevice *self);

G_END_DECLS
