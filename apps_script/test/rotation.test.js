/**
 * Rotating the bridge's key without a refused call (src/Code.js, authenticate_): while TUMBUH_SECRET_NEXT is set, a call
 * signed with it or with TUMBUH_SECRET passes; the work done never depends on which properties are set.
 */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { makeFakes, loadGas, signedEvent, nowSeconds, newRequestId, parseReply } = require('./harness');

const OLD = 'old-secret-ünïcode-🔑';
const NEW = 'new-secret-0f3a9c';

function pingRequest() {
  return { action: 'ping', payload: {}, request_id: newRequestId(), sent_at: nowSeconds() };
}

function setup(opts) {
  const fakes = makeFakes(opts);
  return { fakes, gas: loadGas(fakes) };
}

function call(gas, secret) {
  return parseReply(gas.doPost(signedEvent(pingRequest(), secret)));
}

test('with TUMBUH_SECRET_NEXT set, a call signed with the next key passes, and one signed with the current key too', () => {
  const { gas } = setup({ secret: OLD, secretNext: NEW });

  const withNext = call(gas, NEW);
  const withCurrent = call(gas, OLD);

  assert.equal(withNext.ok, true, JSON.stringify(withNext));
  assert.equal(withCurrent.ok, true, JSON.stringify(withCurrent));
});

test('with TUMBUH_SECRET_NEXT set, a call signed with neither key is unauthorized', () => {
  const { gas } = setup({ secret: OLD, secretNext: NEW });

  for (const key of ['wrong-secret', '', 'tumbuh-bridge-unconfigured', `${NEW} `]) {
    assert.deepEqual(call(gas, key), { ok: false, error: 'unauthorized' }, JSON.stringify(key));
  }
});

test('without TUMBUH_SECRET_NEXT (missing or empty), only TUMBUH_SECRET passes, as before rotation existed', () => {
  for (const secretNext of [undefined, '']) {
    const { gas } = setup({ secret: OLD, secretNext });

    const withCurrent = call(gas, OLD);
    const withOther = call(gas, NEW);
    const withPlaceholder = call(gas, 'tumbuh-bridge-unconfigured');

    assert.equal(withCurrent.ok, true, `next=${JSON.stringify(secretNext)}`);
    assert.deepEqual(withOther, { ok: false, error: 'unauthorized' }, `next=${JSON.stringify(secretNext)}`);
    assert.deepEqual(withPlaceholder, { ok: false, error: 'unauthorized' }, `next=${JSON.stringify(secretNext)}`);
  }
});

test('without TUMBUH_SECRET the script refuses every call, even one signed with TUMBUH_SECRET_NEXT, and says so in the log', () => {
  const { gas, fakes } = setup({ secret: undefined, secretNext: NEW });

  const reply = call(gas, NEW);

  assert.deepEqual(reply, { ok: false, error: 'unauthorized' });
  assert.equal(fakes.logs.error.length, 1);
  assert.match(fakes.logs.error[0], /TUMBUH_SECRET is not set/);
});

test('a refused call costs the same HMAC work whether or not a next key or any key is set', () => {
  const configs = [
    { secret: OLD },
    { secret: OLD, secretNext: NEW },
    { secret: OLD, secretNext: '' },
    { secret: undefined },
    { secret: undefined, secretNext: NEW },
  ];

  const counts = configs.map((opts) => {
    const { gas, fakes } = setup(opts);
    assert.deepEqual(call(gas, 'wrong-secret'), { ok: false, error: 'unauthorized' }, JSON.stringify(opts));
    return fakes.counters.hmac;
  });

  assert.deepEqual(counts, configs.map(() => 2));
});

test('an accepted call costs the same HMAC work whichever key signed it', () => {
  const signedWith = [
    [{ secret: OLD }, OLD],
    [{ secret: OLD, secretNext: NEW }, OLD],
    [{ secret: OLD, secretNext: NEW }, NEW],
  ];

  const counts = signedWith.map(([opts, key]) => {
    const { gas, fakes } = setup(opts);
    assert.equal(call(gas, key).ok, true, JSON.stringify(opts));
    return fakes.counters.hmac;
  });

  assert.deepEqual(counts, [2, 2, 2]);
});
