/** doPost/doGet routing, authentication and replies of the Sheet bridge (src/Code.js). */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const vm = require('node:vm');

const { makeFakes, loadGas, pythonStyleHex, signedEvent, nowSeconds, newRequestId, parseReply, SPREADSHEET_ID } = require('./harness');

const SECRET = 'test-secret-ünïcode-🔑';

function pingRequest(overrides = {}) {
  return { action: 'ping', payload: {}, request_id: newRequestId(), sent_at: nowSeconds(), ...overrides };
}

function setup(opts = {}) {
  const fakes = makeFakes({ secret: SECRET, ...opts });
  return { fakes, gas: loadGas(fakes) };
}

test('ping with a spreadsheet id answers pong, that spreadsheet\'s name and the batch limit', () => {
  const { gas } = setup({ spreadsheetName: 'Posyandu Melati' });

  const out = gas.doPost(signedEvent(pingRequest({ payload: { spreadsheet_id: SPREADSHEET_ID } }), SECRET));

  assert.deepEqual(parseReply(out), { ok: true, result: { pong: true, sheet: 'Posyandu Melati', max_rows: 2000 } });
  assert.equal(out.getMimeType(), 'application/json');
});

test('ping without a spreadsheet id answers pong with sheet null: one script serves many spreadsheets', () => {
  const { gas } = setup();

  const reply = parseReply(gas.doPost(signedEvent(pingRequest(), SECRET)));

  assert.deepEqual(reply, { ok: true, result: { pong: true, sheet: null, max_rows: 2000 } });
});

test('ping with an id the script cannot open, or a malformed one, is bad_spreadsheet', () => {
  const { gas } = setup();

  for (const id of ['x'.repeat(44), 'has spaces and is long enough', 42, '../../etc/passwd-0123456789']) {
    const reply = parseReply(gas.doPost(signedEvent(pingRequest({ payload: { spreadsheet_id: id } }), SECRET)));
    assert.deepEqual(reply, { ok: false, error: 'bad_spreadsheet' }, String(id));
  }
});

test('an openById failure that means "try later" stays internal, so the caller retries', () => {
  const { gas, fakes } = setup();
  fakes.SpreadsheetApp.openById = () => { throw new Error('Service invoked too many times for one day: spreadsheets.'); };

  const reply = parseReply(gas.doPost(signedEvent(pingRequest({ payload: { spreadsheet_id: SPREADSHEET_ID } }), SECRET)));

  assert.deepEqual(reply, { ok: false, error: 'internal' });
});

test('an uppercase hex signature is accepted like the lowercase one', () => {
  const { gas } = setup();
  const body = JSON.stringify(pingRequest());

  const reply = parseReply(gas.doPost(signedEvent(body, SECRET, { sig: pythonStyleHex(body, SECRET).toUpperCase() })));

  assert.equal(reply.ok, true);
});

test('a signature made with another secret is unauthorized', () => {
  const { gas } = setup();
  const body = JSON.stringify(pingRequest());

  const reply = parseReply(gas.doPost(signedEvent(body, SECRET, { sig: pythonStyleHex(body, 'wrong-secret') })));

  assert.deepEqual(reply, { ok: false, error: 'unauthorized' });
});

test('a body changed after signing is unauthorized', () => {
  const { gas } = setup();
  const signedBody = JSON.stringify(pingRequest());
  const tamperedBody = JSON.stringify(pingRequest({ action: 'ping', payload: { extra: 1 } }));
  const contents = JSON.stringify({ body: tamperedBody, sig: pythonStyleHex(signedBody, SECRET) });

  const reply = parseReply(gas.doPost({ postData: { contents } }));

  assert.deepEqual(reply, { ok: false, error: 'unauthorized' });
});

test('a missing or non-string signature or body is unauthorized', () => {
  const { gas } = setup();
  const body = JSON.stringify(pingRequest());

  for (const outer of [{ body }, { body, sig: 123 }, { sig: pythonStyleHex(body, SECRET) }, { body: { action: 'ping' }, sig: 'ab' }, {}]) {
    const reply = parseReply(gas.doPost({ postData: { contents: JSON.stringify(outer) } }));
    assert.deepEqual(reply, { ok: false, error: 'unauthorized' }, JSON.stringify(outer));
  }
});

/** Requests an anonymous caller could send: unsigned, wrongly signed, signed with a guessable key. */
function anonymousEvents() {
  const body = JSON.stringify(pingRequest());
  return [
    { postData: { contents: JSON.stringify({ body }) } },
    signedEvent(body, SECRET, { sig: '' }),
    signedEvent(body, SECRET, { sig: pythonStyleHex(body, 'wrong-secret') }),
    signedEvent(body, ''),
    signedEvent(body, 'tumbuh-bridge-unconfigured'),
  ];
}

test('anonymous callers get the same answer whether or not TUMBUH_SECRET is set', () => {
  for (const secret of [SECRET, undefined, '']) {
    const { gas } = setup({ secret });
    for (const event of anonymousEvents()) {
      const reply = parseReply(gas.doPost(event));
      assert.deepEqual(reply, { ok: false, error: 'unauthorized' }, `secret=${JSON.stringify(secret)} ${event.postData.contents}`);
    }
  }
});

test('an unconfigured script refuses even a request signed with the real secret, and does the same HMAC work', () => {
  const configured = setup();
  const unconfigured = setup({ secret: undefined });
  const wrongSig = (body) => signedEvent(body, 'wrong-secret');

  const refusedConfigured = parseReply(configured.gas.doPost(wrongSig(JSON.stringify(pingRequest()))));
  const refusedUnconfigured = parseReply(unconfigured.gas.doPost(signedEvent(pingRequest(), SECRET)));

  assert.deepEqual(refusedUnconfigured, refusedConfigured);
  assert.equal(unconfigured.fakes.counters.hmac, configured.fakes.counters.hmac);
  assert.equal(unconfigured.fakes.counters.hmac, 2); // TUMBUH_SECRET and TUMBUH_SECRET_NEXT, each always computed
});

test('an unconfigured script tells the operator in the log, without the request', () => {
  const { gas, fakes } = setup({ secret: undefined });

  gas.doPost(signedEvent(pingRequest({ payload: { name: 'Siti Aminah' } }), SECRET));

  assert.equal(fakes.logs.error.length, 1);
  assert.match(fakes.logs.error[0], /TUMBUH_SECRET is not set/);
  assert.doesNotMatch(fakes.logs.error[0], /Siti/);
});

test('a POST body that is not JSON is bad_json', () => {
  const { gas } = setup();

  for (const contents of ['not json', '', '{"body":', 'null', '42']) {
    const reply = parseReply(gas.doPost({ postData: { contents } }));
    assert.deepEqual(reply, { ok: false, error: 'bad_json' }, contents);
  }
});

test('a POST without postData at all is bad_json', () => {
  const { gas } = setup();

  assert.deepEqual(parseReply(gas.doPost({})), { ok: false, error: 'bad_json' });
  assert.deepEqual(parseReply(gas.doPost(undefined)), { ok: false, error: 'bad_json' });
});

test('a correctly signed inner body that is not a JSON object is bad_json', () => {
  const { gas } = setup();

  for (const body of ['not json', '[1,2]', 'null']) {
    const reply = parseReply(gas.doPost(signedEvent(body, SECRET)));
    assert.deepEqual(reply, { ok: false, error: 'bad_json' }, body);
  }
});

test('a request sent more than 5 minutes ago is stale', () => {
  const { gas } = setup();

  const reply = parseReply(gas.doPost(signedEvent(pingRequest({ sent_at: nowSeconds() - 6 * 60 }), SECRET)));

  assert.deepEqual(reply, { ok: false, error: 'stale' });
});

test('a request 4 minutes old is still fresh', () => {
  const { gas } = setup();

  const reply = parseReply(gas.doPost(signedEvent(pingRequest({ sent_at: nowSeconds() - 4 * 60 }), SECRET)));

  assert.equal(reply.ok, true);
});

test('a request dated more than 5 minutes ahead, or without a numeric sent_at, is stale', () => {
  const { gas } = setup();

  for (const sentAt of [nowSeconds() + 6 * 60, undefined, '2026-01-01T00:00:00Z', null]) {
    const reply = parseReply(gas.doPost(signedEvent(pingRequest({ sent_at: sentAt }), SECRET)));
    assert.deepEqual(reply, { ok: false, error: 'stale' }, String(sentAt));
  }
});

test('an action not in the ACTIONS table is unknown_action, including Object.prototype names', () => {
  const { gas } = setup();

  for (const action of ['append_rows', 'toString', '__proto__', 'constructor', undefined, 42]) {
    const reply = parseReply(gas.doPost(signedEvent(pingRequest({ action }), SECRET)));
    assert.deepEqual(reply, { ok: false, error: 'unknown_action' }, String(action));
  }
});

test('a handler that throws answers internal and logs no payload contents', () => {
  const { gas, fakes } = setup();
  const secretValue = 'Siti Aminah 0812-3456-7890';
  // ACTIONS is a top-level const: reachable by name inside the context, not as a property of it.
  vm.runInContext('ACTIONS', gas).explode = (payload) => { throw new Error('cannot store ' + payload.name); };

  const requestId = newRequestId();

  const reply = parseReply(gas.doPost(signedEvent(pingRequest({ action: 'explode', payload: { name: secretValue }, request_id: requestId }), SECRET)));

  assert.deepEqual(reply, { ok: false, error: 'internal' });
  assert.equal(fakes.logs.error.length, 1);
  assert.match(fakes.logs.error[0], /"action":"explode"/);
  assert.ok(fakes.logs.error[0].includes(`"request_id":"${requestId}"`));
  assert.doesNotMatch(fakes.logs.error[0], /Siti|0812/);
});

test('doGet answers a small health document', () => {
  const { gas } = setup();

  const out = gas.doGet({ parameter: {} });

  assert.deepEqual(parseReply(out), { ok: true, service: 'tumbuh-sheet-bridge' });
  assert.equal(out.getMimeType(), 'application/json');
});

test('withScriptLock_ releases the lock even when the write throws', () => {
  const { gas, fakes } = setup();

  assert.equal(gas.withScriptLock_(() => 'written'), 'written');
  assert.throws(() => gas.withScriptLock_(() => { throw new Error('boom'); }), /boom/);

  assert.deepEqual(fakes.locks, { waits: 2, releases: 2 });
});
