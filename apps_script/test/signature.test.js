/**
 * The bridge's HMAC hex must equal Python's hmac.new(key, body, sha256).hexdigest() byte for byte,
 * including Apps Script's signed-byte quirk and non-ASCII text.
 */
'use strict';

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const { test } = require('node:test');

const { makeFakes, loadGas, pythonStyleHex, toSignedBytes } = require('./harness');

const CASES = [
  { secret: 's3cret', body: '{"action":"ping","payload":{},"request_id":"r1","sent_at":1764000000}' },
  { secret: 'kunci-rahasia', body: '{"payload":{"nama":"Siti \\u00c4minah","catatan":"ASI eksklusif"}}' },
  // Raw non-ASCII (what json.dumps(..., ensure_ascii=False) would send): both sides must sign UTF-8 bytes.
  { secret: 'ünï-🔑', body: '{"catatan":"Bubur kacang hijau — ½ porsi 🍲"}' },
  { secret: 'x', body: '' },
];

test('the fake computeHmacSha256Signature returns signed bytes like Apps Script', () => {
  const fakes = makeFakes();

  const bytes = fakes.Utilities.computeHmacSha256Signature('body', 'key');

  assert.equal(bytes.length, 32);
  assert.ok(bytes.every((b) => Number.isInteger(b) && b >= -128 && b <= 127));
  assert.ok(bytes.some((b) => b < 0), 'this input has a byte >= 0x80, so a negative value must appear');
  assert.deepEqual(bytes, toSignedBytes(crypto.createHmac('sha256', 'key').update('body').digest()));
});

test('hmacHex_ matches the hexdigest Python computes the same way', () => {
  const gas = loadGas(makeFakes());

  for (const { secret, body } of CASES) {
    assert.equal(gas.hmacHex_(body, secret), pythonStyleHex(body, secret), body);
  }
});

test('hmacHex_ matches a real python3 hmac.hexdigest', (t) => {
  const script = [
    'import hashlib, hmac, json, sys',
    'cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))',
    'print(json.dumps([hmac.new(c["secret"].encode(), c["body"].encode(), hashlib.sha256).hexdigest() for c in cases]))',
  ].join('\n');
  const py = spawnSync(process.env.PYTHON || 'python3', ['-c', script], { input: JSON.stringify(CASES), encoding: 'utf8' });
  if (py.error || py.status !== 0) {
    t.skip(`python3 not runnable here (${py.error ? py.error.code : 'exit ' + py.status}); the node:crypto check above still holds`);
    return;
  }
  const gas = loadGas(makeFakes());

  const fromPython = JSON.parse(py.stdout);

  assert.deepEqual(CASES.map(({ secret, body }) => gas.hmacHex_(body, secret)), fromPython);
});
