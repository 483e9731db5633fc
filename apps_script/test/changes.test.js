/** The change log onKaderEdit keeps, and the `changes` action that reads it (src/Code.js). */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { makeFakes, loadGas, callAction, editEvent, SPREADSHEET_ID } = require('./harness');
const { OWNER } = require('./fake_spreadsheet');

const SECRET = 'changes-test-bridge-secret-01';
const EDIT_SECRET = 'changes-test-edit-secret-0123';
const EDIT_URL = 'https://tumbuh.example/kader-edit';
const LOG = 'Tumbuh Perubahan';
const KADER = 'kader@posyandu.test';
const MEASUREMENTS = {
  name: 'Pengukuran', headers: ['ID Ukur', 'Nama Anak', 'Tgl Ukur', 'BB (kg)', 'Status'], data_width: 4,
  formulas: ['=IF(D{r}>0,"ok","")'], prefill_rows: 5,
};
const CHILDREN = { name: 'Anak', headers: ['ID Anak', 'Nama', 'Tgl Lahir'], data_width: 3 };
const RECAP = { name: 'Rekap', headers: ['Bulan'], data_width: 1 };
const SETUP = { spreadsheet_id: SPREADSHEET_ID, tabs: [MEASUREMENTS, CHILDREN, RECAP], editors: [KADER] };

/** A spreadsheet set up by the bridge (data widths recorded, trigger and change log in place). */
function setup(opts = {}) {
  const fakes = makeFakes({ secret: SECRET, editSecret: EDIT_SECRET, editUrl: EDIT_URL, ...opts });
  const gas = loadGas(fakes);
  const reply = callAction(gas, SECRET, 'setup', SETUP);
  assert.equal(reply.ok, true, JSON.stringify(reply));
  const ss = fakes.spreadsheet;
  const type = (tab, row, col, rows) => gas.onKaderEdit(editEvent(ss, tab, row, col, rows));
  const changes = (payload) => callAction(gas, SECRET, 'changes', { spreadsheet_id: SPREADSHEET_ID, ...payload });
  return { fakes, gas, ss, type, changes, log: () => ss.getSheetByName(LOG) };
}

/** The log's entries as [cursor, tab, row] (the time stamp checked apart). */
function entries(log) {
  return log.dump().slice(1).map((r) => r.slice(0, 3));
}

/** Every protection of a tab, and whether the kader could type into its second row. */
function guard(sheet) {
  return {
    protections: sheet.protections.filter((p) => !p.removed).map((p) => [p.type, p.editorEmails(), p.warningOnly]),
    kaderMayEdit: sheet.userMayEdit(KADER, 2, 1, 1, 1),
  };
}

test('each edited data row is logged with the next cursor, a tab name and the time it was logged', () => {
  const { fakes, log, type } = setup();
  const before = Date.now();

  type('Pengukuran', 3, 2, [['Ani', '2024-05-01', 8.2]]);
  type('Pengukuran', 2, 1, [['', 'Budi', '2024-05-02', 9.1], ['', 'Citra', '2024-05-03', 7.4]]);
  type('Anak', 2, 2, [['Dewi']]);

  assert.deepEqual(entries(log()), [[1, 'Pengukuran', 3], [2, 'Pengukuran', 2], [3, 'Pengukuran', 3], [4, 'Anak', 2]]);
  for (const [, , , at] of log().dump().slice(1)) {
    assert.ok(Date.parse(at) >= before - 1000 && Date.parse(at) <= Date.now() + 1000, at);
    assert.equal(new Date(Date.parse(at)).toISOString(), at);
  }
  assert.deepEqual(log().dump()[0], ['cursor', 'tab', 'row', 'logged_at']);
  assert.equal(fakes.fetches.length, 3); // the POSTs are made as before
  assert.equal(fakes.lockHeld(), false);
});

test('the header, formula columns and tabs outside TUMBUH_EDIT_TABS are not logged', () => {
  const { log, type, changes } = setup();

  type('Pengukuran', 1, 2, [['Nama']]);
  type('Pengukuran', 3, 5, [['x']]);
  type('Rekap', 2, 1, [['x']]);

  assert.deepEqual(entries(log()), []);
  assert.deepEqual(changes({ since: 0 }).result, { cursor: 0, rows: [], complete: true });
});

test('an edit whose POST fails or cannot be made is logged all the same, and changes returns it', () => {
  const unreachable = setup({ fetch: () => { throw new Error('Address unavailable: https://tumbuh.example'); } });
  const refused = setup({ fetch: () => ({ status: 503, body: '' }) });
  const unset = setup({ editUrl: undefined });

  for (const { type, changes, fakes } of [unreachable, refused, unset]) {
    type('Pengukuran', 2, 2, [['Siti Aminah', '2025-02-03', 8.5]]);

    assert.deepEqual(changes({ since: 0 }).result, {
      cursor: 1, rows: [{ tab: 'Pengukuran', row: 2, values: ['', 'Siti Aminah', '2025-02-03', 8.5] }], complete: true,
    });
    assert.equal(fakes.logs.error.length, 1); // the POST's failure only
  }
});

test('a log that cannot be written never reaches the kader, and the POST is still made', () => {
  const { fakes, gas, ss, log } = setup();
  const other = fakes.LockService.getScriptLock(); // another execution holds the script lock past the wait
  assert.equal(other.tryLock(0), true);

  assert.doesNotThrow(() => gas.onKaderEdit(editEvent(ss, 'Pengukuran', 2, 2, [['Siti Aminah']])));

  other.releaseLock();
  assert.deepEqual(entries(log()), []);
  assert.equal(fakes.fetches.length, 1);
  assert.equal(fakes.logs.error.length, 1);
  assert.match(fakes.logs.error[0], /not logged/);
  assert.doesNotMatch(fakes.logs.error[0], /Siti/);
});

test('changes since 0 returns each edited row once with its current values, formatted as read_rows formats them', () => {
  const { gas, type, changes } = setup();
  type('Pengukuran', 3, 2, [['Ani', '2024-05-01', 8.2]]);
  type('Anak', 2, 1, [['', 'Dewi', '2023-01-09']]);
  type('Pengukuran', 3, 4, [[8.3]]); // the same row again: returned once, as it is now
  type('Pengukuran', 2, 2, [['Budi']]);

  const { ok, result } = changes({ since: 0 });

  assert.equal(ok, true);
  assert.equal(result.cursor, 4);
  assert.equal(result.complete, true);
  assert.deepEqual(result.rows.map((r) => [r.tab, r.row]), [['Pengukuran', 2], ['Pengukuran', 3], ['Anak', 2]]);
  for (const tab of [MEASUREMENTS, CHILDREN]) {
    const read = callAction(gas, SECRET, 'read_rows', {
      spreadsheet_id: SPREADSHEET_ID, tab: tab.name, columns: tab.headers.slice(0, tab.data_width),
    }).result.rows;
    const changed = result.rows.filter((r) => r.tab === tab.name).map(({ row, values }) => ({ row, values }));
    assert.deepEqual(changed, read);
  }
  assert.deepEqual(result.rows[1].values, ['', 'Ani', '2024-05-01', 8.3]);
});

test('changes since the last cursor is empty, and since an earlier one returns only what came after it', () => {
  const { type, changes } = setup();
  type('Pengukuran', 2, 2, [['Ani']]);
  type('Pengukuran', 3, 2, [['Budi']]);
  type('Pengukuran', 4, 2, [['Citra']]);

  const latest = changes({ since: 3 }).result;
  const after = changes({ since: 1 }).result;
  const ahead = changes({ since: 99 }).result;

  assert.deepEqual(latest, { cursor: 3, rows: [], complete: true });
  assert.deepEqual(after.rows.map((r) => r.row), [3, 4]);
  assert.equal(after.cursor, 3);
  assert.deepEqual(ahead, { cursor: 3, rows: [], complete: false }); // a cursor the log never gave: compare whole
});

test('a row the kader emptied comes back with empty values, also below the last filled row', () => {
  const { type, changes } = setup();
  type('Pengukuran', 2, 1, [['', 'Ani', '2024-05-01', 8.2], ['', 'Budi', '2024-05-02', 9.1]]);

  type('Pengukuran', 3, 1, [['', '', '', '']]);
  type('Pengukuran', 40, 2, [['x']]);
  type('Pengukuran', 40, 2, [['']]);

  assert.deepEqual(changes({ since: 2 }).result.rows, [
    { tab: 'Pengukuran', row: 3, values: ['', '', '', ''] },
    { tab: 'Pengukuran', row: 40, values: ['', '', '', ''] },
  ]);
});

test('tabs keeps only those tabs, and the cursor still covers the whole log', () => {
  const { type, changes } = setup();
  type('Pengukuran', 2, 2, [['Ani']]);
  type('Anak', 2, 2, [['Dewi']]);

  const { result } = changes({ since: 0, tabs: ['Anak'] });

  assert.deepEqual(result, { cursor: 2, rows: [{ tab: 'Anak', row: 2, values: ['', 'Dewi', ''] }], complete: true });
});

test('past 5,000 entries the oldest go down to 4,000, cursors keep counting and an older since is incomplete', () => {
  const { log, type, changes, fakes } = setup();
  const sheet = log();
  sheet.insertRowsAfter(sheet.getMaxRows(), 5000);
  sheet.getRange(2, 1, 5000, 3).setValues(Array.from({ length: 5000 }, (_, i) => [i + 1, 'Pengukuran', 2]));
  type('Pengukuran', 2, 2, [['Ani']]);
  const trimmed = entries(sheet);

  type('Pengukuran', 3, 2, [['Budi']]);

  assert.equal(trimmed.length, 4000);
  assert.deepEqual([trimmed[0][0], trimmed[3999][0]], [1002, 5001]);
  assert.deepEqual(entries(sheet).slice(-1), [[5002, 'Pengukuran', 3]]); // 5001 is never given again
  assert.equal(fakes.world.calls.filter((c) => c.op === 'deleteRows' && c.sheet === LOG).length, 1);
  assert.deepEqual(changes({ since: 1001 }).result.complete, true); // every entry after 1001 is still there
  const gap = changes({ since: 1000 }).result; // entry 1001 is gone
  assert.equal(gap.complete, false);
  assert.equal(gap.cursor, 5002);
  assert.deepEqual(changes({ since: 0 }).result.complete, false);
});

test('a paste bigger than the log keeps the newest 4,000 rows', () => {
  const { ss, log, type, changes } = setup();
  const rows = Array.from({ length: 6000 }, (_, i) => [`Anak ${i}`]);
  ss.getSheetByName('Pengukuran').insertRowsAfter(1000, 5100);

  type('Pengukuran', 2, 2, rows);

  const kept = entries(log());
  assert.equal(kept.length, 4000);
  assert.deepEqual([kept[0], kept[3999]], [[2001, 'Pengukuran', 2002], [6000, 'Pengukuran', 6001]]);
  assert.equal(changes({ since: 2000 }).result.rows.length, 4000);
});

test('the change log is hidden, and protected so only the owner may edit it', () => {
  const { log } = setup();

  assert.equal(log().isSheetHidden(), true);
  assert.deepEqual(guard(log()), { protections: [['SHEET', [OWNER], false]], kaderMayEdit: false });
});

test('a spreadsheet set up before the change log gets it, hidden and protected, at the first edit', () => {
  const { ss, log, type, changes } = setup();
  ss.deleteSheet(log());

  type('Pengukuran', 2, 2, [['Ani']]);

  assert.equal(log().isSheetHidden(), true);
  assert.deepEqual(guard(log()), { protections: [['SHEET', [OWNER], false]], kaderMayEdit: false });
  assert.equal(log().getMaxColumns(), 4);
  assert.deepEqual(changes({ since: 0 }).result.cursor, 1);
});

test('setup run again leaves the change log and its entries as they were, and mends a log shown by hand', () => {
  const { gas, log, type } = setup();
  type('Pengukuran', 2, 2, [['Ani']]);
  const before = { data: log().dump(), guard: guard(log()), maxRows: log().getMaxRows(), maxCols: log().getMaxColumns() };
  log().showSheet();
  log().protections[0].setWarningOnly(true);

  const reply = callAction(gas, SECRET, 'setup', SETUP);

  assert.equal(reply.ok, true);
  assert.deepEqual({ data: log().dump(), guard: guard(log()), maxRows: log().getMaxRows(), maxCols: log().getMaxColumns() },
    before);
  assert.equal(log().isSheetHidden(), true);
  assert.deepEqual(log().getParent().getSheets().map((s) => s.getName()), ['Pengukuran', 'Anak', 'Rekap', LOG]);
});

test('setup refuses a tab named like the change log, or a change log tab with another header', () => {
  const { gas, log } = setup();

  const named = callAction(gas, SECRET, 'setup', { ...SETUP, tabs: [{ name: LOG, headers: ['a'], data_width: 1 }] });
  log().getRange(1, 1).setValue('something else');
  const differs = callAction(gas, SECRET, 'setup', SETUP);

  assert.deepEqual([named.error, differs.error], ['bad_tabs', 'bad_layout']);
});

test('no action but changes reaches the change log', () => {
  const { gas } = setup();
  const on = (action, payload) => callAction(gas, SECRET, action, { spreadsheet_id: SPREADSHEET_ID, tab: LOG, ...payload }).error;
  const columns = ['cursor', 'tab', 'row', 'logged_at'];

  assert.deepEqual([
    on('write_tab', { headers: columns, rows: [] }),
    on('upsert_rows', { columns, rows: [[1, 'Pengukuran', 2, '']] }),
    on('delete_rows', { columns: ['cursor'], keys: [1] }),
    on('read_rows', { columns }),
    on('set_notes', { columns, notes: [{ key: 1, column: 'tab', text: 'x' }] }),
  ], ['bad_tab', 'bad_tab', 'bad_tab', 'bad_tab', 'bad_tab']);
});

test('a spreadsheet without a change log has nothing new since 0, and cannot vouch for a later cursor', () => {
  const fakes = makeFakes({ secret: SECRET, tabs: { Pengukuran: MEASUREMENTS.headers } });
  const gas = loadGas(fakes);

  const fresh = callAction(gas, SECRET, 'changes', { spreadsheet_id: SPREADSHEET_ID, since: 0 });
  const later = callAction(gas, SECRET, 'changes', { spreadsheet_id: SPREADSHEET_ID, since: 7 });

  assert.deepEqual(fresh, { ok: true, result: { cursor: 0, rows: [], complete: true } });
  assert.deepEqual(later, { ok: true, result: { cursor: 0, rows: [], complete: false } });
  assert.equal(fakes.spreadsheet.getSheetByName(LOG), null); // reading creates nothing
});

test('a bad since, bad tabs or an unknown spreadsheet are refused by name', () => {
  const { changes } = setup();
  const error = (payload) => changes(payload).error;

  assert.deepEqual([-1, 1.5, '3', null, undefined, Infinity].map((since) => error({ since })), Array(6).fill('bad_since'));
  assert.deepEqual([[], 'Anak', [''], [3]].map((tabs) => error({ since: 0, tabs })), Array(4).fill('bad_tabs'));
  assert.equal(error({ since: 0, spreadsheet_id: 'no-such-spreadsheet-0123456789' }), 'bad_spreadsheet');
  assert.equal(callAction(setup().gas, SECRET, 'changes', null).error, 'bad_since');
});

test('changes only reads: no lock beyond the request id claim, and no write', () => {
  const { fakes, type, changes } = setup();
  type('Pengukuran', 2, 2, [['Ani']]);
  const waitsBefore = fakes.locks.waits;
  const callsBefore = fakes.world.calls.length;

  const { result } = changes({ since: 0 });

  assert.equal(result.rows.length, 1);
  assert.equal(fakes.locks.waits - waitsBefore, 1); // the request id's claim (doPost), none for the action
  assert.deepEqual([...new Set(fakes.world.calls.slice(callsBefore).map((c) => c.op))], ['getValues']);
});
