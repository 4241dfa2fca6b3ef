/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fault matrix: every operation, on the ESP8266 and the ESP32, through
 * the ROM loader and the flasher stub, on a simulated line that drops and
 * garbles replies (and sends noise before SYNC). Each cell must end either
 * in success with exactly the right flash or read bytes, or in a specific
 * error, within a bounded time; never a hang, never a false success. Each
 * cell counts only when the simulator says its fault fired.
 *
 * Seeds: FAULT_SEEDS (default 2) runs per cell that saw a fault.
 *
 * The ESP8266 ROM has no MD5: everything it reads, the check after a write
 * included, is read twice through the SPI registers, some twenty commands
 * for each 64 bytes, and every lost reply costs a timeout. Its cells other
 * than chip information (an erase, too, is checked by reading it back)
 * take minutes each under these faults, so they run only with
 * FAULT_FULL=1; without it, each of its operations runs once under a
 * milder mix of the same faults, which still fire a dozen times a cell. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "sf-protocol-error.h"
#include "sf-session.h"
#include "sf-sim-device.h"

/* A cell that takes longer than this counts as a hang. */
#define CELL_LIMIT_US (G_USEC_PER_SEC * 240)

typedef enum
{
  OP_INFO,
  OP_WRITE_RAW,
  OP_WRITE_COMPRESSED,
  OP_WRITE_SUBSECTOR,
  OP_VERIFY,
  OP_READ,
  OP_ERASE_REGION,
  OP_ERASE_ALL,
  N_OPS
} Op;

static const char *const op_names[N_OPS] = {
  "info", "write-raw", "write-compressed", "write-subsector", "verify", "read",
  "erase-region", "erase-all",
};

typedef struct
{
  const char *name;
  guint       drop_one_in;
  guint       corrupt_one_in;
  gboolean    garbage;
} Fault;

static const Fault faults[] = {
  { "drop", 25, 0, FALSE },
  { "corrupt", 0, 20, FALSE },
  { "mixed", 40, 30, TRUE },
};
/* For the ESP8266 ROM's slow cells when FAULT_FULL is not set. */
static const Fault mild = { "mild-mixed", 150, 120, TRUE };

typedef struct
{
  const char  *chip;
  gboolean     no_stub;
  const Fault *fault;
  Op           op;
  guint        seeds;         /* 0: FAULT_SEEDS runs that saw a fault; else these seeds */
  gboolean     must_succeed;  /* a clear failure is not enough */
} Cell;

typedef struct
{
  Op             op;
  SfSimDevice   *sim;
  GBytes        *image;       /* what a write puts at IMAGE_ADDRESS */
  GBytes        *read_back;   /* what a read got */
  guint32        read_size;
  SfChipDetails  details;
} Work;

#define IMAGE_ADDRESS   0x10000
#define SUB_ADDRESS     0x20010
#define ERASE_ADDRESS   0x30000
#define PATTERN_START   0x10000
#define PATTERN_LENGTH  0x30000
#define FLASH_SIZE      (1024 * 1024)

static GBytes *
random_bytes (GRand *rand,
              gsize  length)
{
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = g_rand_int_range (rand, 0, 256);
  return g_bytes_new_take (data, length);
}

static gboolean
work_cb (SfFlasher            *flasher,
         const SfChipDetails  *details,
         gpointer              user_data,
         GCancellable         *cancellable,
         GError              **error)
{
  Work *work = user_data;
  SfFlashRegion region = { IMAGE_ADDRESS, work->image, "app.bin" };
  SfWriteOptions options = { .compress = SF_COMPRESS_OFF };

  switch (work->op)
    {
    case OP_INFO:
      sf_chip_details_clear (&work->details);
      return sf_flasher_read_chip_details (flasher, &work->details, cancellable, error);
    case OP_WRITE_RAW:
      return sf_flasher_write_flash (flasher, &region, 1, &options, cancellable, error);
    case OP_WRITE_COMPRESSED:
      options.compress = SF_COMPRESS_ON;
      return sf_flasher_write_flash (flasher, &region, 1, &options, cancellable, error);
    case OP_WRITE_SUBSECTOR:
      region.address = SUB_ADDRESS;
      options.compress = SF_COMPRESS_AUTO;
      return sf_flasher_write_flash (flasher, &region, 1, &options, cancellable, error);
    case OP_VERIFY:
      return sf_flasher_verify_flash (flasher, &region, 1, cancellable, error);
    case OP_READ:
      {
        g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();

        if (!sf_flasher_read_flash (flasher, PATTERN_START, work->read_size, output,
                                    cancellable, error) ||
            !g_output_stream_close (output, NULL, error))
          return FALSE;
        g_clear_pointer (&work->read_back, g_bytes_unref);
        work->read_back = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (output));
        return TRUE;
      }
    case OP_ERASE_REGION:
      return sf_flasher_erase_region (flasher, ERASE_ADDRESS, 0x1000, cancellable, error);
    case OP_ERASE_ALL:
      return sf_flasher_erase_flash (flasher, cancellable, error);
    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

static void
log_cb (const char *line,
        gpointer    user_data)
{
  g_string_append_printf (user_data, "%s\n", line);
}

/* The flash the sim should hold after @op succeeded. */
static GBytes *
expected_flash (const Cell *cell,
                GBytes     *before,
                GBytes     *image)
{
  gsize length = g_bytes_get_size (before);
  guint8 *data = g_memdup2 (g_bytes_get_data (before, NULL), length);

  switch (cell->op)
    {
    case OP_WRITE_RAW:
    case OP_WRITE_COMPRESSED:
      memcpy (data + IMAGE_ADDRESS, g_bytes_get_data (image, NULL), g_bytes_get_size (image));
      break;
    case OP_WRITE_SUBSECTOR:
      memcpy (data + SUB_ADDRESS, g_bytes_get_data (image, NULL), g_bytes_get_size (image));
      break;
    case OP_ERASE_REGION:
      memset (data + ERASE_ADDRESS, 0xFF, 0x1000);
      break;
    case OP_ERASE_ALL:
      memset (data, 0xFF, length);
      break;
    default:
      break;
    }
  return g_bytes_new_take (data, length);
}

/* A failure must say what happened in words. */
static void
assert_specific_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_cmpuint (strlen (error->message), >, 20);
  g_assert_null (strstr (error->message, "unknown error"));
  g_assert_true (error->domain == SF_PROTOCOL_ERROR);
  g_assert_true (error->code == SF_PROTOCOL_ERROR_TIMEOUT ||
                 error->code == SF_PROTOCOL_ERROR_BAD_RESPONSE ||
                 error->code == SF_PROTOCOL_ERROR_UNRELIABLE_LINK ||
                 error->code == SF_PROTOCOL_ERROR_NO_ANSWER ||
                 error->code == SF_PROTOCOL_ERROR_VERIFY_FAILED);
}

/* One run of a cell; FALSE when no fault fired (the run does not count). */
static gboolean
run_cell (const Cell *cell,
          guint32     seed,
          guint      *out_succeeded)
{
  g_autoptr(SfSimDevice) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GBytes) pattern = random_bytes (rand, PATTERN_LENGTH);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_auto(SfSessionResult) result = { { 0 } };
  gboolean esp8266_rom = cell->no_stub && g_str_equal (cell->chip, "esp8266");
  gsize image_size = cell->op == OP_WRITE_SUBSECTOR ? 100 : esp8266_rom ? 2048 : 6144;
  Work work = { .op = cell->op, .image = random_bytes (rand, image_size) };
  SfSessionOptions options = {
    .baud = SF_SYNC_BAUD,
    .before = SF_BEFORE_NO_RESET,
    .after = SF_AFTER_NO_RESET,
    .no_stub = cell->no_stub,
    .log_func = log_cb,
    .callback_data = log,
  };
  gint64 start;
  gboolean ok;

  /* The ESP8266 ROM reads through SPI registers, some twenty commands a
   * 64 bytes read twice: a small read keeps the cell short. */
  work.read_size = esp8266_rom ? 1024 : 8192;

  sim = sf_sim_device_new (cell->chip, &error);
  g_assert_no_error (error);
  sf_sim_device_set_flash_size (sim, FLASH_SIZE);
  g_assert_true (sf_sim_device_start (sim, &error));
  sf_sim_device_write_flash (sim, PATTERN_START, g_bytes_get_data (pattern, NULL), PATTERN_LENGTH);
  /* Verify compares with what a write would have put there. */
  if (cell->op == OP_VERIFY)
    sf_sim_device_write_flash (sim, IMAGE_ADDRESS, g_bytes_get_data (work.image, NULL), image_size);
  before = sf_sim_device_dup_flash (sim, 0, FLASH_SIZE);

  sf_sim_device_set_line_noise (sim, cell->fault->drop_one_in, cell->fault->corrupt_one_in, seed);
  sf_sim_device_set_garbage_before_sync (sim, cell->fault->garbage);
  options.port = sf_sim_device_get_port_path (sim);

  start = g_get_monotonic_time ();
  ok = sf_session_run (&options, work_cb, &work, &result, NULL, &error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, CELL_LIMIT_US);

  if (sf_sim_device_get_faults_injected (sim) == 0)
    {
      sf_sim_device_stop (sim);
      g_clear_pointer (&work.image, g_bytes_unref);
      g_clear_pointer (&work.read_back, g_bytes_unref);
      sf_chip_details_clear (&work.details);
      return FALSE;
    }

  after = sf_sim_device_dup_flash (sim, 0, FLASH_SIZE);
  if (ok)
    {
      (*out_succeeded)++;
      g_assert_no_error (error);
      expected = expected_flash (cell, before, work.image);
      if (!g_bytes_equal (after, expected))
        g_error ("%s %s %s %s seed %u: success, but the flash is wrong\n%s", cell->chip,
                 cell->no_stub ? "rom" : "stub", cell->fault->name, op_names[cell->op], seed,
                 log->str);
      if (cell->op == OP_READ)
        {
          g_autoptr(GBytes) truth = g_bytes_new_from_bytes (before, PATTERN_START, work.read_size);

          if (!g_bytes_equal (work.read_back, truth))
            g_error ("%s %s %s read seed %u: success, but what was read is wrong\n%s",
                     cell->chip, cell->no_stub ? "rom" : "stub", cell->fault->name, seed,
                     log->str);
        }
      if (cell->op == OP_INFO)
        {
          guint8 mac[6];

          sf_sim_device_get_mac (sim, mac);
          g_assert_cmpmem (work.details.mac, 6, mac, 6);
          g_assert_cmpuint (work.details.flash_size, ==, FLASH_SIZE);
        }
    }
  else
    {
      if (cell->must_succeed)
        g_error ("%s %s %s %s seed %u failed: %s\n%s", cell->chip,
                 cell->no_stub ? "rom" : "stub", cell->fault->name, op_names[cell->op], seed,
                 error->message, log->str);
      if (error == NULL || g_error_matches (error, SF_PROTOCOL_ERROR, SF_PROTOCOL_ERROR_DEVICE_STATUS))
        g_printerr ("%s\n", log->str);
      assert_specific_error (error);
      /* A failed read or info changes nothing; neither may a failed
       * verify. A failed write or erase may leave its region half done. */
      if (cell->op == OP_READ || cell->op == OP_INFO || cell->op == OP_VERIFY)
        g_assert_true (g_bytes_equal (after, before));
      g_test_message ("%s %s %s %s seed %u: failed clearly: %s", cell->chip,
                      cell->no_stub ? "rom" : "stub", cell->fault->name, op_names[cell->op],
                      seed, error->message);
    }

  sf_sim_device_stop (sim);
  g_clear_pointer (&work.image, g_bytes_unref);
  g_clear_pointer (&work.read_back, g_bytes_unref);
  sf_chip_details_clear (&work.details);
  return TRUE;
}

static guint n_cells_run;
static guint n_cells_succeeded;

static void
test_cell (gconstpointer data)
{
  const Cell *cell = data;
  const char *env = g_getenv ("FAULT_SEEDS");
  guint wanted = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 2;
  guint fired = 0, succeeded = 0;

  if (cell->seeds > 0)
    {
      /* @seeds runs in which the faults fired, whatever seeds that takes. */
      for (guint32 seed = 1; fired < cell->seeds && seed <= 4 * cell->seeds; seed++)
        if (run_cell (cell, seed, &succeeded))
          fired++;
      g_assert_cmpuint (fired, ==, cell->seeds);
      n_cells_run += fired;
      n_cells_succeeded += succeeded;
      g_test_message ("%u runs with faults, %u succeeded, the rest failed clearly",
                      fired, succeeded);
      return;
    }

  /* Seeds are tried in order until @wanted of them saw a fault. */
  for (guint32 seed = 1; fired < MAX (wanted, 1) && seed <= 20 * MAX (wanted, 1); seed++)
    if (run_cell (cell, seed, &succeeded))
      fired++;
  g_assert_cmpuint (fired, >=, MAX (wanted, 1));
  n_cells_run += fired;
  n_cells_succeeded += succeeded;
  g_test_message ("%u runs with faults, %u succeeded, the rest failed clearly", fired, succeeded);
}

static Cell *
add_cell (GPtrArray   *cells,
          const char  *chip,
          gboolean     rom,
          const Fault *fault,
          Op           op)
{
  Cell *cell = g_new0 (Cell, 1);
  g_autofree char *path = NULL;

  cell->chip = chip;
  cell->no_stub = rom;
  cell->fault = fault;
  cell->op = op;
  g_ptr_array_add (cells, cell);
  path = g_strdup_printf ("/faults/%s/%s/%s/%s", chip, rom ? "rom" : "stub", fault->name,
                          op_names[op]);
  g_test_add_data_func (path, cell, test_cell);
  return cell;
}

int
main (int   argc,
      char *argv[])
{
  static const char *const chips[] = { "esp8266", "esp32" };
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint c = 0; c < G_N_ELEMENTS (chips); c++)
    for (guint rom = 0; rom < 2; rom++)
      for (guint f = 0; f < G_N_ELEMENTS (faults); f++)
        for (Op op = 0; op < N_OPS; op++)
          {
            /* The ESP8266 ROM cannot decompress, and erasing a whole
             * flash through it is FLASH_BEGIN over all of it: covered by
             * erase-region. */
            if (rom && g_str_equal (chips[c], "esp8266") && op == OP_WRITE_COMPRESSED)
              continue;
            if (rom && op == OP_ERASE_ALL)
              continue;
            if (rom && g_str_equal (chips[c], "esp8266") && g_getenv ("FAULT_FULL") == NULL &&
                op != OP_INFO)
              {
                /* One cell an operation, under the mild mix, one seed. */
                if (f == 0)
                  add_cell (cells, chips[c], rom, &mild, op)->seeds = 1;
                continue;
              }
            add_cell (cells, chips[c], rom, &faults[f], op);
          }

  /* The false successes once reproduced, each over twenty seeds: a small
   * file's neighbours written back from a garbled read, a read saved
   * garbled, a garbled flash id or MAC believed; and reads under one lost
   * reply in 50 and one garbled in 40, which must succeed on every chip. */
  {
    static const Fault corrupt40 = { "corrupt-1/40", 0, 40, FALSE };
    static const Fault both = { "drop-1/50+corrupt-1/40", 50, 40, FALSE };
    static const char *const all_chips[] = {
      "esp8266", "esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c6", "esp32h2",
    };
    const struct { const char *chip; gboolean rom; Op op; const Fault *fault; gboolean must; } repro[] = {
      { "esp32", TRUE, OP_WRITE_SUBSECTOR, &corrupt40, FALSE },
      { "esp32", FALSE, OP_WRITE_SUBSECTOR, &corrupt40, FALSE },
      { "esp32", TRUE, OP_READ, &corrupt40, FALSE },
      { "esp8266", FALSE, OP_READ, &corrupt40, FALSE },
      { "esp32", TRUE, OP_INFO, &corrupt40, FALSE },
      { "esp8266", TRUE, OP_INFO, &corrupt40, FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS (repro); i++)
      {
        Cell *cell = g_new0 (Cell, 1);
        g_autofree char *path = NULL;

        *cell = (Cell) { repro[i].chip, repro[i].rom, repro[i].fault, repro[i].op, 20,
                         repro[i].must };
        g_ptr_array_add (cells, cell);
        path = g_strdup_printf ("/false-success/%s/%s/%s/%s", repro[i].chip,
                                repro[i].rom ? "rom" : "stub", repro[i].fault->name,
                                op_names[repro[i].op]);
        g_test_add_data_func (path, cell, test_cell);
      }
    for (guint i = 0; i < G_N_ELEMENTS (all_chips); i++)
      for (guint rom = 0; rom < 2; rom++)
        {
          Cell *cell;
          g_autofree char *path = NULL;

          if (rom && i == 0 && g_getenv ("FAULT_FULL") == NULL)
            continue;
          cell = g_new0 (Cell, 1);
          *cell = (Cell) { all_chips[i], rom, &both, OP_READ, 4, TRUE };
          g_ptr_array_add (cells, cell);
          path = g_strdup_printf ("/noisy-read/%s/%s", all_chips[i], rom ? "rom" : "stub");
          g_test_add_data_func (path, cell, test_cell);
        }
  }

  status = g_test_run ();
  g_test_message ("%u cells, %u runs under faults: %u succeeded byte-exact, %u failed clearly",
                  cells->len, n_cells_run, n_cells_succeeded, n_cells_run - n_cells_succeeded);
  g_print ("# %u cells, %u runs under faults: %u succeeded byte-exact, %u failed clearly\n",
           cells->len, n_cells_run, n_cells_succeeded, n_cells_run - n_cells_succeeded);
  g_ptr_array_unref (cells);
  return status;
}
