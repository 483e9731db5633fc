/**
 * Tumbuh Sheet bridge: the web app that Tumbuh's Cloud Functions call to reach the Google Sheet.
 * Routing, authentication and replies live here. Sheet logic goes in per-action helpers (names end in `_`).
 *
 * Wire format (POST body, JSON):
 *   {"body": "<inner JSON as a string>", "sig": "<hex HMAC-SHA256 of that exact string>"}
 *   inner = {"action": "...", "payload": {...}, "request_id": "...", "sent_at": <Unix seconds>}
 * The key is the Script Property TUMBUH_SECRET (the same value as APPS_SCRIPT_SECRET on the Python side).
 * Python: hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest().
 *
 * Every reply is HTTP 200 with {ok: true, result} or {ok: false, error}: a web app cannot set a status
 * code or read request headers, which is also why the signature travels in the body.
 *
 * request_id is a nonce: 16-64 characters of [A-Za-z0-9_-] (a uuid4, hex or dashed), new for every
 * HTTP attempt, retries included. A request id seen before inside the clock window answers `replay`.
 */

const SERVICE_NAME = 'tumbuh-sheet-bridge';
const SECRET_PROPERTY = 'TUMBUH_SECRET';
// Requests are accepted only within this window either side of now (clock skew), so a request id needs
// remembering only for as long as its request could still pass the freshness check.
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
// A request dated at the far future edge stays fresh for two windows after it first arrives; the extra
// minute absorbs rounding to whole seconds and skew between Apps Script's servers.
const REQUEST_ID_TTL_SECONDS = 2 * MAX_CLOCK_SKEW_MS / 1000 + 60;
// Long enough to be random, and a charset that is safe as part of a cache key (limit 250 characters).
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const REQUEST_ID_KEY_PREFIX = 'request_id:';
// HMAC key used while TUMBUH_SECRET is missing, so refusing an unconfigured script costs the same work as
// refusing a wrong signature. Nothing signed with it is ever accepted.
const UNCONFIGURED_KEY = 'tumbuh-bridge-unconfigured';

// action name -> handler(payload, request). Only what is listed here is reachable from outside.
// The row-sync actions (append/update measurement rows, read kader edits for reconcile) arrive with the
// Sheet-bridge issue. Handlers that write must run inside withScriptLock_(): concurrent appends without
// LockService lose rows. CacheService may forget a request id before it expires (its documentation says
// so), so handlers must also be idempotent by the row keys in their payload.
const ACTIONS = {
  ping: ping_,
};

/** Web-app entry point for Tumbuh's signed calls. */
function doPost(e) {
  let request = null;
  try {
    request = authenticate_(e);
    if (request.error) return reply_({ ok: false, error: request.error });
    if (!Object.prototype.hasOwnProperty.call(ACTIONS, request.action)) {
      return reply_({ ok: false, error: 'unknown_action' });
    }
    const result = ACTIONS[request.action](request.payload, request);
    return reply_({ ok: true, result: result });
  } catch (err) {
    // Payloads carry child health data: log where it failed, never what was sent (the message may quote it).
    console.error('tumbuh bridge: action failed ' + JSON.stringify({
      action: request && typeof request.action === 'string' ? request.action : null,
      request_id: request && typeof request.request_id === 'string' ? request.request_id : null,
      error: err && err.name ? String(err.name) : 'Error',
      at: stackFrames_(err),
    }));
    return reply_({ ok: false, error: 'internal' });
  }
}

/** Health check for humans and uptime probes; says nothing about configuration. */
function doGet() {
  return reply_({ ok: true, service: SERVICE_NAME });
}

/**
 * Parses and verifies a doPost event.
 * Returns {error} on rejection, else the inner request {action, payload, request_id, sent_at}.
 */
function authenticate_(e) {
  let outer;
  try {
    outer = JSON.parse(e && e.postData ? e.postData.contents : '');
  } catch (err) {
    return { error: 'bad_json' };
  }
  if (outer === null || typeof outer !== 'object') return { error: 'bad_json' };

  if (typeof outer.body !== 'string' || typeof outer.sig !== 'string') return { error: 'unauthorized' };

  // A missing secret answers exactly like a wrong signature, after the same HMAC work: an anonymous caller
  // must not learn whether the bridge is set up. The operator learns it from the log.
  const secret = PropertiesService.getScriptProperties().getProperty(SECRET_PROPERTY);
  const signed = timingSafeEqual_(hmacHex_(outer.body, secret || UNCONFIGURED_KEY), outer.sig.toLowerCase());
  if (!secret) console.error('tumbuh bridge: script property ' + SECRET_PROPERTY + ' is not set; every call is refused');
  if (!secret || !signed) return { error: 'unauthorized' };

  let inner;
  try {
    inner = JSON.parse(outer.body);
  } catch (err) {
    return { error: 'bad_json' };
  }
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return { error: 'bad_json' };

  const sentAtMs = Number(inner.sent_at) * 1000;
  if (typeof inner.sent_at !== 'number' || !isFinite(sentAtMs) || Math.abs(Date.now() - sentAtMs) > MAX_CLOCK_SKEW_MS) {
    return { error: 'stale' };
  }
  if (typeof inner.request_id !== 'string' || !REQUEST_ID_PATTERN.test(inner.request_id)) {
    return { error: 'bad_request_id' };
  }
  if (!claimRequestId_(inner.request_id)) return { error: 'replay' };
  return {
    action: inner.action,
    payload: inner.payload === undefined ? null : inner.payload,
    request_id: inner.request_id,
    sent_at: inner.sent_at,
  };
}

/**
 * Records a request id in the script cache; false if it was already there (a replay).
 * The read and the write run under the script lock: without it two copies of one request arriving
 * together could both read "unseen" before either writes, and both be processed.
 */
function claimRequestId_(requestId) {
  const cache = CacheService.getScriptCache();
  const key = REQUEST_ID_KEY_PREFIX + requestId;
  return withScriptLock_(function () {
    if (cache.get(key) !== null) return false;
    cache.put(key, '1', REQUEST_ID_TTL_SECONDS);
    return true;
  });
}

/** Lowercase hex HMAC-SHA256 of a string, byte-for-byte what Python's hexdigest() gives. */
function hmacHex_(value, secret) {
  // Explicit UTF-8 so a non-ASCII body signs the same bytes Python signed.
  const bytes = Utilities.computeHmacSha256Signature(value, secret, Utilities.Charset.UTF_8);
  // Apps Script hands back Java bytes (-128..127); & 0xff maps them to 0..255 before formatting.
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += ((bytes[i] & 0xff) + 0x100).toString(16).slice(1);
  return hex;
}

/** String equality whose running time does not depend on where the first difference is. */
function timingSafeEqual_(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Runs fn while holding the script lock; every Sheet write and request-id claim goes through here. */
function withScriptLock_(fn, timeoutMs) {
  const lock = LockService.getScriptLock();
  lock.waitLock(timeoutMs || 30000); // throws on timeout -> 'internal', and the caller retries the batch
  try {
    return fn();
  } finally {
    lock.releaseLock();
  }
}

/** ping: proves the URL, the secret and the clock agree, and names the bound spreadsheet. */
function ping_() {
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  return { pong: true, sheet: ss ? ss.getName() : null };
}

function reply_(obj) {
  return ContentService.createTextOutput(JSON.stringify(obj)).setMimeType(ContentService.MimeType.JSON);
}

/** Stack frames without the first line, which holds the error message (and possibly payload values). */
function stackFrames_(err) {
  const stack = err && typeof err.stack === 'string' ? err.stack : '';
  return stack.split('\n').slice(1, 6).map(function (line) { return line.trim(); });
}
