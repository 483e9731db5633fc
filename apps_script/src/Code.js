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
// Still to come: setting up a posyandu's spreadsheet, the monthly recap, reading kader edits since a cursor.
// Handlers that write must run inside withScriptLock_(): concurrent appends without
// LockService lose rows. CacheService may forget a request id before it expires (its documentation says
// so), so handlers must also be idempotent by the row keys in their payload.
const ACTIONS = {
  ping: ping_,
  upsert_rows: upsertRows_,
  delete_rows: deleteRows_,
};

// A tab's first row names its columns. Tumbuh writes the leftmost block of columns (its data, the key first);
// the columns to their right hold the Sheet's own formulas and are never written, so a formula survives every sync.
const HEADER_ROW = 1;
const MAX_ROWS_PER_CALL = 2000; // a batch of rows a few seconds of Apps Script write; bigger ones are split by Tumbuh


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
    if (err && err.name === 'BadRequest') return reply_({ ok: false, error: err.reason }); // nothing was written
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

/**
 * upsert_rows {tab, columns, rows}: each row (values in the order of `columns`) replaces the row with the same key
 * (the first column: Tumbuh's row id) or is appended; a retried batch therefore updates and never duplicates.
 * One read and at most two writes, under the script lock. Answers {updated, appended}.
 */
function upsertRows_(payload) {
  const spec = tabSpec_(payload);
  const rows = payload.rows;
  if (!Array.isArray(rows) || rows.length > MAX_ROWS_PER_CALL
      || !rows.every(function (r) { return Array.isArray(r) && r.length === spec.width && r[0] !== '' && r[0] !== null; })) {
    throw badRequest_('rows');
  }
  return withScriptLock_(function () {
    const sheet = spec.sheet;
    const count = Math.max(sheet.getLastRow() - HEADER_ROW, 0);
    const block = count ? sheet.getRange(HEADER_ROW + 1, 1, count, spec.width).getValues() : [];
    // Formula columns may be filled further down than the data: Tumbuh's rows end at the last key.
    while (block.length && block[block.length - 1][0] === '') block.pop();
    const at = {};
    block.forEach(function (r, i) { at[String(r[0])] = i; });
    const appended = [];
    const appendedAt = {};
    let updated = 0;
    rows.forEach(function (r) {
      const key = String(r[0]);
      if (Object.prototype.hasOwnProperty.call(at, key)) {
        block[at[key]] = r;
        updated++;
      } else if (Object.prototype.hasOwnProperty.call(appendedAt, key)) {
        appended[appendedAt[key]] = r; // a key twice in one batch: appended once, the later row wins
      } else {
        appendedAt[key] = appended.length;
        appended.push(r);
      }
    });
    if (updated) sheet.getRange(HEADER_ROW + 1, 1, block.length, spec.width).setValues(block);
    if (appended.length) {
      sheet.getRange(HEADER_ROW + 1 + block.length, 1, appended.length, spec.width).setValues(appended);
    }
    return { updated: updated, appended: appended.length };
  });
}

/** delete_rows {tab, columns: [key], keys}: the rows with those keys go (HAPUS). Answers {deleted}. */
function deleteRows_(payload) {
  const spec = tabSpec_(payload);
  const keys = payload.keys;
  if (!Array.isArray(keys) || keys.length > MAX_ROWS_PER_CALL) throw badRequest_('keys');
  const wanted = {};
  keys.forEach(function (k) { wanted[String(k)] = true; });
  return withScriptLock_(function () {
    const sheet = spec.sheet;
    const count = Math.max(sheet.getLastRow() - HEADER_ROW, 0);
    const column = count ? sheet.getRange(HEADER_ROW + 1, 1, count, 1).getValues() : [];
    let deleted = 0;
    for (let i = column.length - 1; i >= 0; i--) { // from the bottom, so the rows above keep their numbers
      if (wanted[String(column[i][0])]) {
        sheet.deleteRow(HEADER_ROW + 1 + i);
        deleted++;
      }
    }
    return { deleted: deleted };
  });
}

/** The tab a payload names, and how many of its leftmost columns Tumbuh writes; refuses a layout that differs. */
function tabSpec_(payload) {
  if (!payload || typeof payload.tab !== 'string' || !Array.isArray(payload.columns) || !payload.columns.length) {
    throw badRequest_('tab');
  }
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  const sheet = ss ? ss.getSheetByName(payload.tab) : null;
  if (!sheet) throw badRequest_('unknown_tab');
  const width = payload.columns.length;
  const header = sheet.getRange(HEADER_ROW, 1, 1, width).getValues()[0];
  if (header.some(function (name, i) { return String(name) !== String(payload.columns[i]); })) {
    throw badRequest_('layout'); // the Sheet's columns moved: writing by position would scramble them
  }
  return { sheet: sheet, width: width };
}

/** An error whose name reaches the caller as the reply's error (no payload value in it). */
function badRequest_(what) {
  const err = new Error(what);
  err.name = 'BadRequest';
  err.reason = 'bad_' + what.replace(/^bad_/, '');
  return err;
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
