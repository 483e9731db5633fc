/** onKaderEdit, the installable trigger that reports a kader's edits to Tumbuh (src/Code.js). */
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { test } = require('node:test');

const { makeFakes, loadGas, callAction, editEvent, SPREADSHEET_ID } = require('./harness');

const SECRET = 'edit-test-bridge-secret-0123';
const EDIT_SECRET = 'edit-test-other-secret-ünï';
const EDIT_URL = 'https://tumbuh.example/kader-edit';
const HEADERS = ['ID Ukur', 'Nama Anak', 'Tgl Ukur', 'BB (kg)', 'Status'];

/** A spreadsheet set up by the bridge itself (so the data width is recorded), and its Pengukuran tab. */
function setup(opts = {}) {
  const fakes = makeFakes({ secret: SECRET, editSecret: EDIT_SECRET, editUrl: EDIT_URL, ...opts });
  const gas = loadGas(fakes);
  const reply = callAction(gas, SECRET, 'setup', {
    spreadsheet_id: SPREADSHEET_ID,
    tabs: [
      { name: 'Pengukuran', headers: HEADERS, data_width: 4, formulas: ['=IF(D{r}>0,"ok","")'], prefill_rows: 5 },
      { name: 'Rekap', headers: ['Bulan'], data_width: 1 },
    ],
  });
  assert.equal(reply.ok, true, JSON.stringify(reply));
  return { fakes, gas, ss: fakes.spreadsheet, sheet: fakes.spreadsheet.getSheetByName('Pengukuran') };
}

function hmacHex(body, secret) {
  return crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
}

test('an edit in a data column POSTs the edited row, signed with TUMBUH_EDIT_SECRET over the exact body', () => {
  const { fakes, gas, ss } = setup();

  gas.onKaderEdit(editEvent(ss, 'Pengukuran', 3, 2, [['Ani', '2024-05-01', 8.2]]));

  assert.equal(fakes.fetches.length, 1);
  const { url, params } = fakes.fetches[0];
  assert.equal(url, EDIT_URL);
  assert.deepEqual([params.method, params.contentType, params.muteHttpExceptions], ['post', 'application/json', true]);
  assert.equal(params.headers['X-Tumbuh-Signature'], `sha256=${hmacHex(params.payload, EDIT_SECRET)}`);
  assert.notEqual(params.headers['X-Tumbuh-Signature'], `sha256=${hmacHex(params.payload, SECRET)}`);
  const body = JSON.parse(params.payload);
  assert.deepEqual({ ...body, request_id: undefined, sent_at: undefined }, {
    spreadsheet_id: SPREADSHEET_ID, tab: 'Pengukuran', rows: [{ row: 3, values: ['', 'Ani', '2024-05-01', 8.2] }],
    request_id: undefined, sent_at: undefined,
  });
  assert.match(body.request_id, /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(body.sent_at - Date.now() / 1000) < 5);
});

test('a paste over several rows sends every edited row, read with one getValues of their data block', () => {
  const { fakes, gas, ss } = setup();
  const event = editEvent(ss, 'Pengukuran', 2, 1, [['', 'Ani', '2024-05-01', 8.2], ['', 'Budi', '2024-05-02', 9.1], ['', '', '', '']]);
  const from = fakes.world.calls.length;

  gas.onKaderEdit(event);

  const body = JSON.parse(fakes.fetches[0].params.payload);
  assert.deepEqual(body.rows.map((r) => r.row), [2, 3, 4]); // an emptied row is news too
  assert.deepEqual(body.rows[2].values, ['', '', '', '']);
  const onTab = fakes.world.calls.slice(from).filter((c) => c.sheet === 'Pengukuran'); // the change log has its own
  assert.deepEqual(onTab.map((c) => [c.op, c.a1]), [['getValues', 'A2:D4']]);
});

test('non-ASCII names travel escaped, so the signed string and the bytes sent are the same', () => {
  const { fakes, gas, ss } = setup();

  gas.onKaderEdit(editEvent(ss, 'Pengukuran', 2, 2, [['Siti Äminah 🍲']]));

  const { payload } = fakes.fetches[0].params;
  assert.match(payload, /^[\x20-\x7e]*$/);
  assert.equal(JSON.parse(payload).rows[0].values[1], 'Siti Äminah 🍲');
});

test('the header row, the formula columns and tabs outside TUMBUH_EDIT_TABS are ignored', () => {
  const { fakes, gas, ss } = setup();

  gas.onKaderEdit(editEvent(ss, 'Pengukuran', 1, 2, [['Nama']]));
  gas.onKaderEdit(editEvent(ss, 'Pengukuran', 3, 5, [['x']]));
  gas.onKaderEdit(editEvent(ss, 'Rekap', 2, 1, [['x']]));

  assert.equal(fakes.fetches.length, 0);
});

test('a range from the header into the data sends only the data rows', () => {
  const { fakes, gas, ss } = setup();

  gas.onKaderEdit(editEvent(ss, 'Pengukuran', 1, 2, [['Nama Anak'], ['Ani']]));

  assert.deepEqual(JSON.parse(fakes.fetches[0].params.payload).rows.map((r) => r.row), [2]);
});

test('TUMBUH_EDIT_TABS chooses the watched tabs', () => {
  const { fakes, gas, ss } = setup({ editTabs: '["Anak"]' });

  gas.onKaderEdit(editEvent(ss, 'Pengukuran', 2, 2, [['Ani']]));

  assert.equal(fakes.fetches.length, 0);
});

test('a tab setup never saw is ignored: its data columns are unknown', () => {
  const fakes = makeFakes({ secret: SECRET, editSecret: EDIT_SECRET, editUrl: EDIT_URL, tabs: { Anak: ['ID Anak', 'Nama'] } });
  const gas = loadGas(fakes);

  gas.onKaderEdit(editEvent(fakes.spreadsheet, 'Anak', 2, 2, [['Ani']]));

  assert.equal(fakes.fetches.length, 0);
});

test('a failed POST or a missing property never reaches the kader, and the log names no child data', () => {
  const unreachable = setup({ fetch: () => { throw new Error('Address unavailable: https://tumbuh.example Siti'); } });
  const refused = setup({ fetch: () => ({ status: 500, body: 'Siti' }) });
  const unset = setup({ editSecret: undefined });

  for (const { gas, ss, fakes } of [unreachable, refused, unset]) {
    assert.doesNotThrow(() => gas.onKaderEdit(editEvent(ss, 'Pengukuran', 2, 2, [['Siti Aminah']])));
    assert.equal(fakes.logs.error.length, 1, JSON.stringify(fakes.logs.error));
    assert.doesNotMatch(fakes.logs.error[0], /Siti/);
  }
  assert.equal(unset.fakes.fetches.length, 0);
  assert.match(unset.fakes.logs.error[0], /TUMBUH_EDIT_SECRET/);
  assert.match(refused.fakes.logs.error[0], /HTTP 500/);
});

test('an event without a range (not an edit) is ignored without a throw', () => {
  const { fakes, gas } = setup();

  assert.doesNotThrow(() => gas.onKaderEdit({}));
  assert.doesNotThrow(() => gas.onKaderEdit(undefined));
  assert.equal(fakes.fetches.length, 0);
});

test('onKaderEdit is a trigger handler, not an action callable over the web app', () => {
  const { gas } = setup();

  assert.deepEqual(callAction(gas, SECRET, 'onKaderEdit', {}), { ok: false, error: 'unknown_action' });
});
