/** upsert_rows and delete_rows of the Sheet bridge (src/Code.js), on fake tabs with a header row. */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { makeFakes, loadGas, signedEvent, nowSeconds, newRequestId, parseReply } = require('./harness');

const SECRET = 'rows-test-secret-0123456789';
const COLUMNS = ['tumbuh_id', 'nama', 'bb_kg'];

function setup() {
  // Pengukuran: Tumbuh's columns, then a formula column Tumbuh never writes.
  const fakes = makeFakes({ secret: SECRET, tabs: { Pengukuran: [...COLUMNS, 'status'] } });
  return { fakes, gas: loadGas(fakes), sheet: fakes.sheets.Pengukuran };
}

function call(gas, action, payload) {
  const request = { action, payload, request_id: newRequestId(), sent_at: nowSeconds() };
  return parseReply(gas.doPost(signedEvent(request, SECRET)));
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
