/** The setup action of the Sheet bridge (src/Code.js): one spreadsheet per posyandu, made ready and kept so. */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { makeFakes, loadGas, callAction, SPREADSHEET_ID } = require('./harness');
const { OWNER } = require('./fake_spreadsheet');

const SECRET = 'setup-test-secret-0123456789';
const MEASUREMENTS = {
  name: 'Pengukuran',
  headers: ['ID Ukur', 'Nama Anak', 'Tgl Ukur', 'BB (kg)', 'JK (L/P)', 'Status BB', 'Selisih'],
  data_width: 5,
  // {r} is the sheet row; $D$2 is anchored on purpose, to see that it stays put.
  formulas: ['=IF(D{r}="","",D{r}*2)', '=D{r}-$D$2'],
  prefill_rows: 3,
  validation: [{ column: 4, values: ['L', 'P'] }, { column: 3, number: [1, 40] }, { column: 2, date: true }],
  hidden_columns: [0],
  frozen_columns: 2,
};
const WHO = { name: 'WHO', headers: ['Hari', 'L', 'M', 'S'], data_width: 4, rows: [[0, 1, 49.9, 0.038], [1, 1, 50.0, 0.038]] };

function setup(opts = {}) {
  const fakes = makeFakes({ secret: SECRET, ...opts });
  return { fakes, gas: loadGas(fakes) };
}

function payload(overrides = {}) {
  return { title: 'Tumbuh - Posyandu Melati', tabs: [MEASUREMENTS, WHO], editors: ['kader@posyandu.test'], ...overrides };
}

/** Everything setup may change in a spreadsheet, as plain data, so two runs can be compared. */
function snapshot(ss) {
  return {
    tabs: ss.getSheets().map((s) => ({
      name: s.getName(), data: s.dump(), maxRows: s.maxRows, frozen: [s.frozenRows, s.frozenCols], hidden: [...s.hidden],
      // Through JSON: the rule's arrays were made inside the script's realm.
      validations: JSON.parse(JSON.stringify([...s.validations.entries()].map(([a1, r]) => [a1, r.criteria, r.values, r.allowInvalid]))),
      protections: s.protections.filter((p) => !p.removed).map((p) => [p.type, p.description, p.getRange().getA1Notation(),
        p.editorEmails(), p.warningOnly, p.domainEdit]),
      metadata: s.metadata.map((m) => [m.getKey(), m.getValue()]),
    })),
    editors: [...ss.editors], timeZone: ss.timeZone, locale: ss.locale,
  };
}

test('setup without an id creates the spreadsheet with its tabs, and answers its id, url and trigger', () => {
  const { gas, fakes } = setup();

  const reply = callAction(gas, SECRET, 'setup', payload({ locale: 'id_ID' }));

  assert.equal(reply.ok, true, JSON.stringify(reply));
  const ss = fakes.world.spreadsheets.get(reply.result.spreadsheet_id);
  assert.deepEqual(reply.result, { spreadsheet_id: ss.getId(), url: ss.getUrl(), trigger: true });
  assert.equal(ss.getName(), 'Tumbuh - Posyandu Melati');
  // The starting "Sheet1" is gone; the change log (changes.test.js) follows the tabs.
  assert.deepEqual(ss.getSheets().map((s) => s.getName()), ['Pengukuran', 'WHO', 'Tumbuh Perubahan']);
  assert.deepEqual([ss.timeZone, ss.locale], ['Asia/Jakarta', 'id_ID']); // the script's zone, not the account's
  assert.ok(ss.editors.has('kader@posyandu.test'));
  assert.deepEqual(fakes.world.triggers.map((t) => [t.getHandlerFunction(), t.getTriggerSourceId()]), [['onKaderEdit', ss.getId()]]);
});

test('formulas fill rows 2..prefill_rows+1 in one setFormulas call, {r} replaced by each row number', () => {
  const { gas, fakes } = setup();

  const { result } = callAction(gas, SECRET, 'setup', payload());

  const sheet = fakes.world.spreadsheets.get(result.spreadsheet_id).getSheetByName('Pengukuran');
  assert.deepEqual(sheet.dump().map((r) => r.slice(5)), [
    ['Status BB', 'Selisih'],
    ['=IF(D2="","",D2*2)', '=D2-$D$2'],
    ['=IF(D3="","",D3*2)', '=D3-$D$2'],
    ['=IF(D4="","",D4*2)', '=D4-$D$2'],
  ]);
  assert.equal(fakes.world.calls.filter((c) => c.op === 'setFormulas' && c.sheet === 'Pengukuran').length, 1);
});

test('the header row and the formula columns are protected with the owner as the only editor, not as a warning', () => {
  const { gas, fakes } = setup();

  const { result } = callAction(gas, SECRET, 'setup', payload());

  const sheet = fakes.world.spreadsheets.get(result.spreadsheet_id).getSheetByName('Pengukuran');
  const protections = sheet.getProtections('RANGE');
  assert.deepEqual(protections.map((p) => p.getRange().getA1Notation()).sort(), ['A1:G1', 'F:G']);
  for (const p of protections) {
    assert.deepEqual([p.editorEmails(), p.isWarningOnly(), p.canDomainEdit()], [[OWNER], false, false]);
  }
  // The kader is an editor of the spreadsheet, yet cannot type over a formula or a header; a data cell is fine.
  assert.equal(sheet.userMayEdit('kader@posyandu.test', 5, 6, 1, 1), false);
  assert.equal(sheet.userMayEdit('kader@posyandu.test', 1, 2, 1, 1), false);
  assert.equal(sheet.userMayEdit('kader@posyandu.test', 5, 2, 1, 1), true);
});

test('validation, hidden and frozen columns are set as the payload says, on the data rows', () => {
  const { gas, fakes } = setup();

  const { result } = callAction(gas, SECRET, 'setup', payload());

  const sheet = fakes.world.spreadsheets.get(result.spreadsheet_id).getSheetByName('Pengukuran');
  assert.deepEqual(snapshot(sheet.ss).tabs[0].validations, [
    ['E2:E1000', 'VALUE_IN_LIST', [['L', 'P']], false],
    ['D2:D1000', 'NUMBER_BETWEEN', [1, 40], false],
    ['C2:C1000', 'DATE_IS_VALID_DATE', [], false],
  ]);
  assert.deepEqual([...sheet.hidden], [1]);
  assert.deepEqual([sheet.getFrozenRows(), sheet.getFrozenColumns()], [1, 2]);
});

test('a static table is written once, in chunks of at most 5,000 rows, and its tab protected whole', () => {
  const { gas, fakes } = setup();
  const rows = Array.from({ length: 12001 }, (_, i) => [i, 1, 50 + i / 1000, 0.038]);
  const tab = { ...WHO, rows };

  const { result } = callAction(gas, SECRET, 'setup', payload({ tabs: [tab] }));
  const writes = () => fakes.world.calls.filter((c) => c.op === 'setValues' && c.sheet === 'WHO' && c.a1 !== 'A1:D1');
  const first = writes().map((c) => c.a1);
  callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: result.spreadsheet_id, tabs: [tab] }));

  assert.deepEqual(first, ['A2:D5001', 'A5002:D10001', 'A10002:D12002']);
  assert.equal(writes().length, 3, 'the second run found the same rows and wrote nothing');
  const sheet = fakes.world.spreadsheets.get(result.spreadsheet_id).getSheetByName('WHO');
  assert.equal(sheet.getLastRow(), 12002);
  assert.deepEqual(sheet.getProtections('SHEET').map((p) => [p.getDescription(), p.editorEmails()]), [['tumbuh: static table', [OWNER]]]);
});

test('a tab sent with an empty rows list is no static table: its rows are kept and kaders may edit it', () => {
  const { gas, fakes } = setup({ tabs: { Pengukuran: MEASUREMENTS.headers } });
  fakes.sheets.Pengukuran.put(2, 1, 'm1');

  callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: SPREADSHEET_ID, tabs: [{ ...MEASUREMENTS, rows: [] }] }));

  const sheet = fakes.sheets.Pengukuran;
  assert.equal(sheet.dump()[1][0], 'm1');
  assert.deepEqual(sheet.getProtections('SHEET'), []);
  assert.equal(sheet.userMayEdit('kader@posyandu.test', 3, 2, 1, 1), true);
});

test('setup run twice gives the same spreadsheet: no duplicate tab, trigger, protection or row', () => {
  const { gas, fakes } = setup();
  const first = callAction(gas, SECRET, 'setup', payload()).result;
  const ss = fakes.world.spreadsheets.get(first.spreadsheet_id);
  const before = snapshot(ss);

  const second = callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: first.spreadsheet_id })).result;

  assert.deepEqual(second, first);
  assert.deepEqual(snapshot(ss), before);
  assert.equal(fakes.world.triggers.length, 1);
});

test('a setup retried after a lost reply finds the spreadsheet its first attempt made under the same create_key', () => {
  const { gas, fakes } = setup();
  const before = fakes.world.spreadsheets.size;

  const first = callAction(gas, SECRET, 'setup', payload({ create_key: 'posyandu:12' })).result;
  const retried = callAction(gas, SECRET, 'setup', payload({ create_key: 'posyandu:12' })).result;

  assert.equal(retried.spreadsheet_id, first.spreadsheet_id);
  assert.equal(fakes.world.spreadsheets.size, before + 1);
});

test('two posyandus with the same name get two spreadsheets: only a create_key makes a setup find an old one', () => {
  const { gas, fakes } = setup();

  const melati = callAction(gas, SECRET, 'setup', payload({ create_key: 'posyandu:12' })).result;
  const otherMelati = callAction(gas, SECRET, 'setup', payload({ create_key: 'posyandu:13' })).result;
  const unkeyed = callAction(gas, SECRET, 'setup', payload()).result;

  assert.equal(new Set([melati.spreadsheet_id, otherMelati.spreadsheet_id, unkeyed.spreadsheet_id]).size, 3);
  assert.equal(fakes.world.spreadsheets.get(melati.spreadsheet_id).getName(), 'Tumbuh - Posyandu Melati');
});

test('a create_key whose spreadsheet was deleted since makes a new one', () => {
  const { gas, fakes } = setup();
  const first = callAction(gas, SECRET, 'setup', payload({ create_key: 'posyandu:12' })).result;
  fakes.world.spreadsheets.delete(first.spreadsheet_id);

  const again = callAction(gas, SECRET, 'setup', payload({ create_key: 'posyandu:12' })).result;

  assert.notEqual(again.spreadsheet_id, first.spreadsheet_id);
  assert.equal(fakes.props['created:posyandu:12'], again.spreadsheet_id);
});

test('setup loosened by hand is tightened again: a warning-only protection with more editors is locked down', () => {
  const { gas, fakes } = setup();
  const { result } = callAction(gas, SECRET, 'setup', payload());
  const sheet = fakes.world.spreadsheets.get(result.spreadsheet_id).getSheetByName('Pengukuran');
  const formulas = sheet.getProtections('RANGE').find((p) => p.getDescription() === 'tumbuh: formulas');
  formulas.setWarningOnly(true).addEditor('kader@posyandu.test');

  callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: result.spreadsheet_id }));

  assert.deepEqual([formulas.isWarningOnly(), formulas.editorEmails()], [false, [OWNER]]);
  assert.equal(sheet.getProtections('RANGE').length, 2);
});

test('an existing tab whose header differs is bad_layout, and nothing at all is written', () => {
  const { gas, fakes } = setup({ tabs: { Pengukuran: ['ID Ukur', 'Nama', 'Tgl Ukur'] } });
  const before = snapshot(fakes.spreadsheet);
  const calls = fakes.world.calls.length;

  // WHO comes first in the payload and is new: it must not be created either.
  const reply = callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: SPREADSHEET_ID, tabs: [WHO, MEASUREMENTS] }));

  assert.deepEqual(reply, { ok: false, error: 'bad_layout' });
  assert.deepEqual(snapshot(fakes.spreadsheet), before);
  assert.ok(fakes.world.calls.slice(calls).every((c) => c.op === 'getValues'));
  assert.equal(fakes.world.triggers.length, 0);
});

test('an existing tab with the same header keeps its rows; a tab with an empty header row gets the header', () => {
  const { gas, fakes } = setup({ tabs: { Pengukuran: MEASUREMENTS.headers, WHO: [] } });
  const sheet = fakes.sheets.Pengukuran;
  sheet.put(2, 1, 'm1'); sheet.put(2, 2, 'Ani');

  const reply = callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: SPREADSHEET_ID }));

  assert.equal(reply.ok, true);
  assert.deepEqual(sheet.dump()[1].slice(0, 2), ['m1', 'Ani']);
  assert.deepEqual(fakes.sheets.WHO.dump()[0], WHO.headers);
});

test('past the 20-trigger limit setup still succeeds, says trigger false, and later runs do not retry blindly', () => {
  const { gas, fakes } = setup();
  for (let i = 0; i < 20; i++) fakes.world.ScriptApp.newTrigger('onKaderEdit').forSpreadsheet(`other-spreadsheet-${i}-abcdef`).onEdit().create();

  const reply = callAction(gas, SECRET, 'setup', payload());

  assert.equal(reply.ok, true);
  assert.equal(reply.result.trigger, false);
  assert.equal(fakes.world.triggers.length, 20);
  assert.ok(fakes.world.spreadsheets.get(reply.result.spreadsheet_id).getSheetByName('Pengukuran'));
});

test('when Apps Script refuses the trigger for too many triggers, setup answers trigger false', () => {
  const { gas, fakes } = setup();
  // Triggers of another user of the same script count against the limit but are not listed (getProjectTriggers).
  fakes.world.ScriptApp.newTrigger = () => ({ forSpreadsheet: () => ({ onEdit: () => ({ create() {
    throw new Error('This script has too many triggers. Triggers must be deleted from the script before more can be added.');
  } }) }) });

  const reply = callAction(gas, SECRET, 'setup', payload());

  assert.deepEqual([reply.ok, reply.result.trigger], [true, false]);
});

test('edit_url is stored as the TUMBUH_EDIT_URL script property the trigger posts to', () => {
  const { gas, fakes } = setup();

  callAction(gas, SECRET, 'setup', payload({ edit_url: 'https://tumbuh.example/kader-edit' }));

  assert.equal(fakes.props.TUMBUH_EDIT_URL, 'https://tumbuh.example/kader-edit');
});

test('setup payloads that do not fit are refused by name before anything is created', () => {
  const { gas, fakes } = setup();
  const before = fakes.world.spreadsheets.size;
  const cases = [
    [{ title: '' }, 'bad_title'],
    [{ spreadsheet_id: 'x'.repeat(44) }, 'bad_spreadsheet'],
    [{ spreadsheet_id: 'not an id' }, 'bad_spreadsheet'],
    [{ tabs: [] }, 'bad_tabs'],
    [{ tabs: [MEASUREMENTS, MEASUREMENTS] }, 'bad_tabs'],
    [{ tabs: [{ ...MEASUREMENTS, formulas: ['=A{r}'] }] }, 'bad_tabs'], // one formula for two formula columns
    [{ tabs: [{ ...MEASUREMENTS, formulas: ['A{r}', '=B{r}'] }] }, 'bad_tabs'],
    [{ tabs: [{ ...MEASUREMENTS, validation: [{ column: 5, values: ['x'] }] }] }, 'bad_tabs'], // a formula column
    [{ tabs: [{ ...MEASUREMENTS, validation: [{ column: 1, values: ['x'], date: true }] }] }, 'bad_tabs'],
    [{ tabs: [{ ...MEASUREMENTS, validation: [{ column: 3, number: [40, 1] }] }] }, 'bad_tabs'],
    [{ tabs: [{ ...MEASUREMENTS, headers: ['A', 'A', 'B', 'C', 'D', 'E', 'F'] }] }, 'bad_tabs'],
    [{ tabs: [{ ...WHO, rows: [[1, 2]] }] }, 'bad_tabs'],
    [{ editors: ['not an email'] }, 'bad_editors'],
    [{ edit_url: 'javascript:alert(1)' }, 'bad_edit_url'],
    [{ time_zone: 'Asia/Jakarta; drop' }, 'bad_time_zone'],
    [{ create_key: 'has spaces' }, 'bad_create_key'],
  ];
  for (const [overrides, error] of cases) {
    assert.deepEqual(callAction(gas, SECRET, 'setup', payload(overrides)), { ok: false, error }, JSON.stringify(overrides));
  }
  assert.equal(fakes.world.spreadsheets.size, before);
  assert.equal(fakes.world.triggers.length, 0);
});

test('setup holds the script lock and releases it, also when it fails', () => {
  const { gas, fakes } = setup({ tabs: { Pengukuran: ['other'] } });

  callAction(gas, SECRET, 'setup', payload());
  callAction(gas, SECRET, 'setup', payload({ spreadsheet_id: SPREADSHEET_ID }));

  assert.equal(fakes.lockHeld(), false);
  assert.equal(fakes.locks.waits, fakes.locks.releases);
});
