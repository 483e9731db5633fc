/** Each signed request is processed once: request ids are nonces kept in the script cache (src/Code.js). */
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const vm = require('node:vm');

const { makeFakes, loadGas, signedEvent, newRequestId, parseReply } = require('./harness');

const SECRET = 'test-secret-replay';
const MINUTE_MS = 60 * 1000;
const REPLAY = { ok: false, error: 'replay' };
const PONG = { ok: true, result: { pong: true } };

/** A bridge whose ping handler counts how often it really ran. */
function setup() {
  const fakes = makeFakes({ secret: SECRET });
  const gas = loadGas(fakes);
  const handled = { count: 0 };
  vm.runInContext('ACTIONS', gas).ping = () => { handled.count++; return { pong: true }; };
  return { fakes, gas, handled };
}

/** A signed ping dated by the script's clock plus aheadSeconds. */
function signedPing(fakes, overrides = {}, aheadSeconds = 0) {
  const sentAt = Math.floor(fakes.clock.now() / 1000) + aheadSeconds;
  return signedEvent({ action: 'ping', payload: {}, request_id: newRequestId(), sent_at: sentAt, ...overrides }, SECRET);
}

test('the same signed request sent three times within the window is processed once', () => {
  const { fakes, gas, handled } = setup();
  const event = signedPing(fakes);

  const replies = [0, 1, 2].map(() => parseReply(gas.doPost(event)));

  assert.deepEqual(replies, [PONG, REPLAY, REPLAY]);
  assert.equal(handled.count, 1);
});

test('a replay stays refused for as long as the request is fresh, even one dated at the future edge', () => {
  const { fakes, gas, handled } = setup();
  const event = signedPing(fakes, {}, 299); // fresh on arrival, and for 9m59s after
  assert.deepEqual(parseReply(gas.doPost(event)), PONG);

  let elapsedMs = 0;
  for (const atMs of [4 * MINUTE_MS, 5 * MINUTE_MS, 9 * MINUTE_MS + 58 * 1000]) {
    fakes.clock.advance(atMs - elapsedMs);
    elapsedMs = atMs;
    assert.deepEqual(parseReply(gas.doPost(event)), REPLAY, `${atMs / 1000} s later`);
  }
  fakes.clock.advance(11 * MINUTE_MS - elapsedMs);

  assert.deepEqual(parseReply(gas.doPost(event)), { ok: false, error: 'stale' });
  assert.equal(handled.count, 1);
});

test('different request ids are each processed', () => {
  const { fakes, gas, handled } = setup();

  const replies = [0, 1, 2].map(() => parseReply(gas.doPost(signedPing(fakes))));

  assert.deepEqual(replies, [PONG, PONG, PONG]);
  assert.equal(handled.count, 3);
});

test('a request id outside 16-64 characters of [A-Za-z0-9_-] is refused before it reaches the cache', () => {
  const { fakes, gas, handled } = setup();
  const bad = [undefined, null, 42, '', 'req-1', 'a'.repeat(15), 'a'.repeat(65), 'x'.repeat(300),
    'has space 0123456789', 'colon:0123456789abcdef', '../../0123456789abc', 'ünïcode-0123456789', ['a'.repeat(20)]];

  for (const requestId of bad) {
    const reply = parseReply(gas.doPost(signedPing(fakes, { request_id: requestId })));
    assert.deepEqual(reply, { ok: false, error: 'bad_request_id' }, JSON.stringify(requestId));
  }

  assert.equal(fakes.cache.entries.size, 0);
  assert.equal(handled.count, 0);
});

test('uuid4 ids, hex or dashed, and the length bounds are accepted', () => {
  const { fakes, gas } = setup();
  const good = [newRequestId(), newRequestId().replace(/-/g, ''), 'a'.repeat(16), 'Z9_-'.repeat(16)];

  for (const requestId of good) {
    assert.deepEqual(parseReply(gas.doPost(signedPing(fakes, { request_id: requestId }))), PONG, requestId);
  }
});

test('unsigned and stale requests store nothing, so they neither fill the cache nor burn an id', () => {
  const { fakes, gas, handled } = setup();
  const requestId = newRequestId();

  gas.doPost(signedEvent({ action: 'ping', request_id: requestId, sent_at: Math.floor(fakes.clock.now() / 1000) }, 'wrong'));
  gas.doPost(signedPing(fakes, { request_id: requestId }, -10 * 60));
  assert.equal(fakes.cache.entries.size, 0);

  assert.deepEqual(parseReply(gas.doPost(signedPing(fakes, { request_id: requestId }))), PONG);
  assert.equal(handled.count, 1);
});

test('a request id is spent even when its action fails, so a retry needs a new id', () => {
  const { fakes, gas } = setup();
  const event = signedPing(fakes, { action: 'no_such_action' });

  assert.deepEqual(parseReply(gas.doPost(event)), { ok: false, error: 'unknown_action' });
  assert.deepEqual(parseReply(gas.doPost(event)), REPLAY);
});

test('a copy arriving between the cache read and write is not processed too', () => {
  const { fakes, gas, handled } = setup();
  const event = signedPing(fakes);
  // A second execution of the same request starts right after the first one reads the cache.
  const realGet = fakes.cache.get;
  let copyReply = null;
  fakes.cache.get = (key) => {
    const value = realGet(key);
    if (copyReply === null) {
      copyReply = {};
      copyReply = parseReply(gas.doPost(event));
    }
    return value;
  };

  const firstReply = parseReply(gas.doPost(event));

  assert.deepEqual(firstReply, PONG);
  assert.notEqual(copyReply.ok, true, JSON.stringify(copyReply));
  assert.equal(handled.count, 1);
  assert.equal(fakes.lockHeld(), false);
});

test('the script lock is released after the claim, even when the cache fails', () => {
  const { fakes, gas } = setup();

  assert.deepEqual(parseReply(gas.doPost(signedPing(fakes))), PONG);
  assert.equal(fakes.lockHeld(), false);

  fakes.cache.get = () => { throw new Error('Service invoked too many times'); };
  assert.deepEqual(parseReply(gas.doPost(signedPing(fakes))), { ok: false, error: 'internal' });
  assert.equal(fakes.lockHeld(), false);
  assert.equal(fakes.locks.waits, fakes.locks.releases);
});

test('the fake cache keeps Apps Script limits: string values, 250-character keys, expiry honoured', () => {
  const { cache, clock } = makeFakes();

  cache.put('n', 42, 2);
  assert.equal(cache.get('n'), '42');
  clock.advance(2000);
  assert.equal(cache.get('n'), null);
  assert.throws(() => cache.put('k'.repeat(251), '1'), /too large: key/);
  assert.doesNotThrow(() => cache.put('k'.repeat(250), '1'));
  assert.throws(() => cache.put('k', '1', 21601), /expiration/);
  assert.throws(() => cache.put('k', 'x'.repeat(100 * 1024 + 1)), /too large: value/);
});
