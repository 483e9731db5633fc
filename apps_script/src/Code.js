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
 */

const SERVICE_NAME = 'tumbuh-sheet-bridge';
const SECRET_PROPERTY = 'TUMBUH_SECRET';
// A captured request replays only within this window (either side of now, to tolerate clock skew).
// Row-sync actions must still be idempotent by request_id: the window narrows replay, it does not stop it.
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

// action name -> handler(payload, request). Only what is listed here is reachable from outside.
// The row-sync actions (append/update measurement rows, read kader edits for reconcile) arrive with the
// Sheet-bridge issue. Handlers that write must run inside withScriptLock_(): concurrent appends without
// LockService lose rows.
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

  const secret = PropertiesService.getScriptProperties().getProperty(SECRET_PROPERTY);
  if (!secret) return { error: 'not_configured' };

  if (typeof outer.body !== 'string' || typeof outer.sig !== 'string') return { error: 'unauthorized' };
  if (!timingSafeEqual_(hmacHex_(outer.body, secret), outer.sig.toLowerCase())) return { error: 'unauthorized' };

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
  return {
    action: inner.action,
    payload: inner.payload === undefined ? null : inner.payload,
    request_id: inner.request_id,
    sent_at: inner.sent_at,
  };
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

/** Runs fn while holding the script lock; every Sheet write goes through here. */
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
