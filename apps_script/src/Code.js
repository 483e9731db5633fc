/**
 * Tumbuh Sheet bridge: the web app that Tumbuh's Cloud Functions call to reach the Google Sheet.
 * Routing, authentication and replies live here. Sheet logic goes in per-action helpers (names end in `_`).
 *
 * Wire format (POST body, JSON):
 *   {"body": "<inner JSON as a string>", "sig": "<hex HMAC-SHA256 of that exact string>"}
 *   inner = {"action": "...", "payload": {...}, "request_id": "...", "sent_at": <Unix seconds>}
 * The key is the Script Property TUMBUH_SECRET (the same value as APPS_SCRIPT_SECRET on the Python side); while a
 * rotation is under way, a call signed with TUMBUH_SECRET_NEXT passes too.
 * Python: hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest().
 *
 * Every reply is HTTP 200 with {ok: true, result} or {ok: false, error}: a web app cannot set a status
 * code or read request headers, which is also why the signature travels in the body.
 *
 * request_id is a nonce: 16-64 characters of [A-Za-z0-9_-] (a uuid4, hex or dashed), new for every
 * HTTP attempt, retries included. A request id seen before inside the clock window answers `replay`.
 *
 * One standalone script serves every posyandu: each has its own spreadsheet, named by `spreadsheet_id` in every
 * payload, and the web app keeps no layout of its own (setup receives headers, formulas and validation from Python).
 * Kader edits travel the other way: onKaderEdit, an installable trigger per spreadsheet, POSTs the edited rows to
 * TUMBUH_EDIT_URL signed with TUMBUH_EDIT_SECRET (a second secret, so the bridge's key never signs outgoing data).
 * Before that POST it logs the edited rows in the spreadsheet's hidden change-log tab, so the `changes` action can
 * answer "what did kaders edit since cursor N?" even when the POST was lost.
 */

const SERVICE_NAME = 'tumbuh-sheet-bridge';
const SECRET_PROPERTY = 'TUMBUH_SECRET';
// The key being rotated in: set while the Cloud Functions move to a new APPS_SCRIPT_SECRET, so calls signed with
// either key pass and none is refused (docs/operations.md, "Rotating secrets"). Empty or missing: only TUMBUH_SECRET.
const NEXT_SECRET_PROPERTY = 'TUMBUH_SECRET_NEXT';
// Requests are accepted only within this window either side of now (clock skew), so a request id needs
// remembering only for as long as its request could still pass the freshness check.
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
// A request dated at the far future edge stays fresh for two windows after it first arrives; the extra
// minute absorbs rounding to whole seconds and skew between Apps Script's servers.
const REQUEST_ID_TTL_SECONDS = 2 * MAX_CLOCK_SKEW_MS / 1000 + 60;
// Long enough to be random, and a charset that is safe as part of a cache key (limit 250 characters).
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const REQUEST_ID_KEY_PREFIX = 'request_id:';
// HMAC key used in place of a missing TUMBUH_SECRET or TUMBUH_SECRET_NEXT, so every call costs the same work however
// the script is configured. Nothing is ever accepted for matching it.
const UNCONFIGURED_KEY = 'tumbuh-bridge-unconfigured';

// action name -> handler(payload, request). Only what is listed here is reachable from outside (onKaderEdit is a
// trigger handler, not an action). Handlers that write must run inside withScriptLock_(): concurrent appends without
// LockService lose rows. CacheService may forget a request id before it expires (its documentation says
// so), so handlers must also be idempotent by the row keys in their payload.
const ACTIONS = {
  ping: ping_,
  setup: setup_,
  upsert_rows: upsertRows_,
  delete_rows: deleteRows_,
  read_rows: readRows_,
  set_notes: setNotes_,
  write_tab: writeTab_,
  changes: changes_,
};

// A tab's first row names its columns. Tumbuh writes the leftmost block of columns (its data, the key first; a kader
// may type rows there too, with an empty key); the columns to their right hold the Sheet's own formulas and are never
// written with values, so a formula survives every sync.
const HEADER_ROW = 1;
const MAX_ROWS_PER_CALL = 2000; // a batch of rows a few seconds of Apps Script write; bigger ones are split by Tumbuh
// Drive file ids are letters, digits, - and _ (44 characters today); anything else is refused before openById.
const SPREADSHEET_ID_PATTERN = /^[A-Za-z0-9_-]{10,200}$/;
// openById failures that mean "not now" rather than "no such file or no access": they stay `internal` (retried).
const TRANSIENT_OPEN_ERROR = /too many times|timed out|try again|temporarily/i;
// setup limits, each bounding one service call's payload (a WHO table tab holds up to ~3,700 rows).
const STATIC_ROWS_PER_WRITE = 5000;
const MAX_PREFILL_ROWS = 20000;
const MAX_TAB_ROWS = 20000; // write_tab replaces a whole tab in one call, so it cannot be split like upsert_rows
const SETUP_LOCK_WAIT_MS = 60000; // setup is rare and may wait behind a few batches of rows
const BAD_ROW_BACKGROUND = '#f4cccc'; // the "light red 3" of the Sheets palette: visible, text stays readable
// The installable trigger that reports kader edits; Apps Script allows 20 triggers per user per script (quotas page),
// so past 20 spreadsheets the periodic reconcile (read_rows) is their only way back.
const EDIT_HANDLER = 'onKaderEdit';
const MAX_TRIGGERS_PER_SCRIPT = 20;
const EDIT_URL_PROPERTY = 'TUMBUH_EDIT_URL';
const EDIT_SECRET_PROPERTY = 'TUMBUH_EDIT_SECRET';
const EDIT_TABS_PROPERTY = 'TUMBUH_EDIT_TABS';
const DEFAULT_EDIT_TABS = ['Anak', 'Pengukuran'];
// How many leftmost columns of a tab are data, kept on the sheet itself (developer metadata, invisible to kaders):
// the trigger has no payload to learn it from, and the spreadsheet then needs no state kept in the script.
const DATA_WIDTH_KEY = 'tumbuh_data_width';
const PROTECT_HEADER = 'tumbuh: header';
const PROTECT_FORMULAS = 'tumbuh: formulas';
const PROTECT_STATIC = 'tumbuh: static table';
// Script property prefix remembering which spreadsheet a setup's create_key made, so a setup retried after a lost
// reply finds the spreadsheet its first attempt made instead of making a second one. Not the title: two posyandus
// may share a name, and must never share a spreadsheet.
const CREATED_PREFIX = 'created:';
const CREATE_KEY_PATTERN = /^[A-Za-z0-9_:.-]{1,100}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE_FORMAT = 'yyyy-MM-dd';
// The change log: one row per kader-edited data row, [cursor, tab, row, logged_at], the cursor counting up per
// spreadsheet. A tab of the spreadsheet itself (hidden, owner-only), not script state: it then needs no clean-up when
// a spreadsheet goes, and a Script Property (9 KB a value) could not hold it.
const CHANGE_LOG_TAB = 'Tumbuh Perubahan';
const CHANGE_LOG_HEADERS = ['cursor', 'tab', 'row', 'logged_at'];
const PROTECT_CHANGE_LOG = 'tumbuh: change log';
// Past MAX entries the oldest go, down to KEEP: one deleteRows every thousand or so edits rather than one per edit.
// 5,000 rows cover weeks of a posyandu's typing, against a poll every few minutes.
const CHANGE_LOG_MAX_ENTRIES = 5000;
const CHANGE_LOG_KEEP_ENTRIES = 4000;


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
  // must not learn whether the bridge is set up, nor whether a rotation is under way. Both HMACs are computed and
  // both compared every time. Without TUMBUH_SECRET nothing passes, TUMBUH_SECRET_NEXT included: the operator learns
  // it from the log.
  const props = PropertiesService.getScriptProperties();
  const secret = props.getProperty(SECRET_PROPERTY);
  const next = props.getProperty(NEXT_SECRET_PROPERTY);
  const sig = outer.sig.toLowerCase();
  const signedCurrent = timingSafeEqual_(hmacHex_(outer.body, secret || UNCONFIGURED_KEY), sig);
  const signedNext = timingSafeEqual_(hmacHex_(outer.body, next || UNCONFIGURED_KEY), sig);
  if (!secret) console.error('tumbuh bridge: script property ' + SECRET_PROPERTY + ' is not set; every call is refused');
  if (!secret || !(signedCurrent || (Boolean(next) && signedNext))) return { error: 'unauthorized' };

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
 * upsert_rows {spreadsheet_id, tab, columns, rows}: each row (values in the order of `columns`) replaces the row with
 * the same key (the first column: Tumbuh's row id) or is appended; a retried batch therefore updates and never
 * duplicates. Appends go below the last row holding any data cell, so a row a kader typed (key still empty) is never
 * overwritten; appended rows past the formula-filled ones get row 2's formulas. Under the script lock.
 * Answers {updated, appended}.
 */
function upsertRows_(payload) {
  const spec = tabSpec_(payload);
  const rows = payload.rows;
  if (!Array.isArray(rows) || rows.length > MAX_ROWS_PER_CALL
      || !rows.every(function (r) { return Array.isArray(r) && r.length === spec.width && isKey_(r[0]); })) {
    throw badRequest_('rows');
  }
  return withScriptLock_(function () {
    const sheet = spec.sheet;
    const lastRow = sheet.getLastRow();
    const block = dataBlock_(sheet, spec.width, lastRow);
    const at = {};
    block.forEach(function (r, i) { if (!isEmpty_(r[0])) at[String(r[0])] = i; });
    const appended = [];
    const appendedAt = {};
    let updated = 0;
    let firstUpdated = block.length;
    let lastUpdated = -1;
    rows.forEach(function (r) {
      const key = String(r[0]);
      if (Object.prototype.hasOwnProperty.call(at, key)) {
        block[at[key]] = r;
        firstUpdated = Math.min(firstUpdated, at[key]);
        lastUpdated = Math.max(lastUpdated, at[key]);
        updated++;
      } else if (Object.prototype.hasOwnProperty.call(appendedAt, key)) {
        appended[appendedAt[key]] = r.map(cellIn_); // a key twice in one batch: appended once, the later row wins
      } else {
        appendedAt[key] = appended.length;
        appended.push(r.map(cellIn_));
      }
    });
    // Only the span between the first and last updated row is rewritten: the fewer rows written back from the read,
    // the smaller the window in which a kader's keystroke between read and write could be undone. Rows in the span
    // go back as read, escaped too: getValues drops the apostrophe that kept a typed "=..." text.
    if (updated) {
      sheet.getRange(HEADER_ROW + 1 + firstUpdated, 1, lastUpdated - firstUpdated + 1, spec.width)
        .setValues(block.slice(firstUpdated, lastUpdated + 1).map(function (r) { return r.map(cellIn_); }));
    }
    if (appended.length) {
      const first = HEADER_ROW + 1 + block.length;
      const last = first + appended.length - 1;
      ensureGrid_(sheet, last, spec.width + spec.formulaWidth);
      sheet.getRange(first, 1, appended.length, spec.width).setValues(appended);
      fillFormulas_(sheet, spec, lastRow, last);
    }
    return { updated: updated, appended: appended.length };
  });
}

/** delete_rows {spreadsheet_id, tab, columns: [key], keys}: the rows with those keys go (HAPUS). Answers {deleted}. */
function deleteRows_(payload) {
  const spec = tabSpec_(payload);
  const keys = payload.keys;
  if (!Array.isArray(keys) || keys.length > MAX_ROWS_PER_CALL || !keys.every(isKey_)) throw badRequest_('keys');
  const wanted = {};
  keys.forEach(function (k) { wanted[String(k)] = true; });
  return withScriptLock_(function () {
    const sheet = spec.sheet;
    const count = Math.max(sheet.getLastRow() - HEADER_ROW, 0);
    const column = count ? sheet.getRange(HEADER_ROW + 1, 1, count, 1).getValues() : [];
    const hit = function (i) { return !isEmpty_(column[i][0]) && wanted[String(column[i][0])] === true; };
    const runs = []; // [first index, count], bottom first, so the rows above keep their numbers while deleting
    for (let i = column.length - 1; i >= 0; i--) {
      if (!hit(i)) continue;
      let start = i;
      while (start > 0 && hit(start - 1)) start--;
      runs.push([start, i - start + 1]);
      i = start;
    }
    const deleted = runs.reduce(function (n, run) { return n + run[1]; }, 0);
    // Sheets refuses to delete every non-frozen row of a tab; one spare row keeps the header above an empty grid.
    if (deleted && sheet.getMaxRows() - deleted <= sheet.getFrozenRows()) {
      sheet.insertRowsAfter(sheet.getMaxRows(), 1);
    }
    runs.forEach(function (run) { sheet.deleteRows(HEADER_ROW + 1 + run[0], run[1]); });
    return { deleted: deleted };
  });
}

/**
 * read_rows {spreadsheet_id, tab, columns}: the tab's data block, for the periodic reconcile. Answers
 * {rows: [{row: <sheet row number>, values}]}, fully empty rows left out, dates as yyyy-mm-dd in the spreadsheet's
 * time zone (the zone a kader's typed date means), numbers as numbers. Reads only, so it takes no lock.
 */
function readRows_(payload) {
  const spec = tabSpec_(payload);
  const timeZone = spec.ss.getSpreadsheetTimeZone();
  const rows = [];
  dataBlock_(spec.sheet, spec.width, spec.sheet.getLastRow()).forEach(function (r, i) {
    if (!r.every(isEmpty_)) rows.push({ row: HEADER_ROW + 1 + i, values: r.map(function (c) { return cellOut_(c, timeZone); }) });
  });
  return { rows: rows };
}

/**
 * changes {spreadsheet_id, since, tabs?}: the rows kaders edited after cursor `since` (an integer >= 0; 0 = from the
 * start), from the change log the trigger keeps. Answers {cursor, rows: [{tab, row, values}], complete}: each logged
 * (tab, row) once, tabs in the order first logged and rows ascending, with the row's current data block formatted as
 * read_rows formats it (rows a kader emptied too, with empty values); `tabs` keeps only those tabs' rows. `cursor` is
 * the log's highest cursor, the `since` of the next call. complete is false when entries after `since` were trimmed
 * (since < the oldest logged cursor - 1) or `since` is past every cursor the log holds (the log was emptied by hand):
 * the caller must compare the whole Sheet. A row number is the row as the kader edited it: rows inserted or deleted
 * since move rows under it (which the whole compare sorts out). Rows of a tab since deleted, or never set up, are left
 * out. Reads only, so it takes no lock: an entry appended during the read comes next time.
 */
function changes_(payload) {
  const since = payload ? payload.since : undefined;
  if (!isInt_(since, 0, Number.MAX_SAFE_INTEGER)) throw badRequest_('since');
  const only = payload.tabs === undefined || payload.tabs === null ? null : payload.tabs;
  if (only !== null && !(Array.isArray(only) && only.length && only.every(function (t) { return isText_(t, 100); }))) {
    throw badRequest_('tabs');
  }
  const ss = openSpreadsheet_(payload.spreadsheet_id);
  const log = ss.getSheetByName(CHANGE_LOG_TAB);
  const lastRow = log ? log.getLastRow() : 0;
  const entries = (lastRow > HEADER_ROW ? log.getRange(HEADER_ROW + 1, 1, lastRow - HEADER_ROW, 3).getValues() : [])
    .filter(function (e) { return isCursor_(e[0]) && isInt_(e[2], HEADER_ROW + 1, Number.MAX_SAFE_INTEGER); });
  let oldest = Infinity;
  let cursor = 0;
  const rowsOf = Object.create(null); // tab -> {row: true}; no prototype, so any tab name is a plain key
  const order = [];
  entries.forEach(function (e) {
    oldest = Math.min(oldest, e[0]);
    cursor = Math.max(cursor, e[0]);
    const tab = String(e[1]);
    if (e[0] <= since || (only !== null && only.indexOf(tab) < 0)) return;
    if (!(tab in rowsOf)) { rowsOf[tab] = {}; order.push(tab); }
    rowsOf[tab][e[2]] = true;
  });
  const timeZone = ss.getSpreadsheetTimeZone();
  const rows = [];
  order.forEach(function (tab) {
    const sheet = ss.getSheetByName(tab);
    const width = sheet ? dataWidth_(sheet) : 0;
    if (!width) return;
    const numbers = Object.keys(rowsOf[tab]).map(Number).sort(function (a, b) { return a - b; });
    // One read of the span, as read_rows reads a tab: a getValues per row would be one service call each.
    const first = numbers[0];
    const last = Math.min(numbers[numbers.length - 1], sheet.getLastRow());
    const block = last >= first ? sheet.getRange(first, 1, last - first + 1, width).getValues() : [];
    numbers.forEach(function (n) {
      const values = n <= last ? block[n - first] : new Array(width).fill(''); // below the last filled row
      rows.push({ tab: tab, row: n, values: values.map(function (c) { return cellOut_(c, timeZone); }) });
    });
  });
  const complete = since <= cursor && (!entries.length || since >= oldest - 1);
  return { cursor: cursor, rows: rows, complete: complete };
}

/**
 * set_notes {spreadsheet_id, tab, columns, notes: [{key | row, column, text, bad?, expect?}]}: writes `text` into the
 * data column named `column` of the row with that key (or that row number), and paints the row's data cells light
 * red (bad: true) or clears them (bad: false). `expect` (the row's first data values as read_rows gave them, all of
 * them or a prefix) makes a note by row number wait for nothing: a row that no longer starts with those values is
 * skipped, since the kader changed or moved it. A note whose column is the key column takes a kader-typed row: it
 * needs `row` and `expect`, and writes the id only while the key cell is still empty (or already holds that id: a
 * retry) and the cells after it still match. Answers {written, skipped: ["row 7 changed", "key m9 not found", ...]}.
 */
function setNotes_(payload) {
  const spec = tabSpec_(payload);
  const notes = payload.notes;
  if (!Array.isArray(notes) || notes.length > MAX_ROWS_PER_CALL
      || !notes.every(function (n) { return noteFits_(n, payload.columns); })) {
    throw badRequest_('notes');
  }
  return withScriptLock_(function () {
    const sheet = spec.sheet;
    const timeZone = spec.ss.getSpreadsheetTimeZone();
    const block = dataBlock_(sheet, spec.width, sheet.getLastRow());
    const at = {};
    block.forEach(function (r, i) { if (!isEmpty_(r[0]) && !Object.prototype.hasOwnProperty.call(at, String(r[0]))) at[String(r[0])] = i; });
    const skipped = [];
    let written = 0;
    notes.forEach(function (note) {
      const index = note.row !== undefined ? note.row - HEADER_ROW - 1 : at[String(note.key)];
      if (index === undefined || index >= block.length) {
        skipped.push(note.row !== undefined ? 'row ' + note.row + ' not found' : 'key ' + note.key + ' not found');
        return;
      }
      const rowNumber = HEADER_ROW + 1 + index;
      const column = payload.columns.indexOf(note.column);
      const current = block[index];
      const expect = note.expect || [];
      // A key cell that already holds this very id is a retried take, not a change.
      const from = column === 0 ? 1 : 0;
      const changed = expect.some(function (v, j) { return j >= from && !sameCell_(cellOut_(current[j], timeZone), v); });
      const taken = column === 0 && !isEmpty_(current[0]) && String(current[0]) !== String(note.text);
      if (changed || taken) { skipped.push('row ' + rowNumber + ' changed'); return; }
      if (column === 0) {
        if (isEmpty_(current[0])) sheet.getRange(rowNumber, 1).setValue(cellIn_(note.text));
        current[0] = note.text;
        at[String(note.text)] = index;
      } else {
        sheet.getRange(rowNumber, column + 1).setValue(cellIn_(note.text));
      }
      if (typeof note.bad === 'boolean') {
        sheet.getRange(rowNumber, 1, 1, spec.width).setBackground(note.bad ? BAD_ROW_BACKGROUND : null);
      }
      written++;
    });
    return { written: written, skipped: skipped };
  });
}

/** Whether one set_notes entry is well formed: a data column, a text, exactly one of key and row, a short expect. */
function noteFits_(note, columns) {
  if (!note || typeof note !== 'object' || columns.indexOf(note.column) < 0) return false;
  if (typeof note.text !== 'string' && !(typeof note.text === 'number' && isFinite(note.text))) return false;
  if ((note.key === undefined) === (note.row === undefined)) return false;
  if (note.row !== undefined && !isInt_(note.row, HEADER_ROW + 1, Infinity)) return false;
  if (note.key !== undefined && !isKey_(note.key)) return false;
  if (note.bad !== undefined && typeof note.bad !== 'boolean') return false;
  if (note.expect !== undefined && !(Array.isArray(note.expect) && note.expect.length <= columns.length)) return false;
  if (columns.indexOf(note.column) === 0) {
    // Taking a row by its key makes no sense (keys are never changed); taking one blind could take a row a kader
    // rewrote since Tumbuh read it, so an `expect` beyond the key cell is required.
    return note.row !== undefined && isKey_(note.text) && Array.isArray(note.expect) && note.expect.length > 1;
  }
  return true;
}

/**
 * write_tab {spreadsheet_id, tab, headers, rows}: replaces everything below the header of a tab Tumbuh owns (Rekap,
 * Pengingat) in one setValues; the tab and its header are created when missing, a different header is refused.
 * The tabs kaders edit are refused too: a whole-tab rewrite there would erase their rows; so is the change log.
 * Answers {rows, cleared}.
 */
function writeTab_(payload) {
  if (!payload || !isText_(payload.tab, 100) || !Array.isArray(payload.headers) || !payload.headers.length
      || !payload.headers.every(function (h) { return isText_(h, 200); })) {
    throw badRequest_('tab');
  }
  if (payload.tab === CHANGE_LOG_TAB
      || editTabs_(PropertiesService.getScriptProperties().getProperty(EDIT_TABS_PROPERTY)).indexOf(payload.tab) >= 0) {
    throw badRequest_('tab');
  }
  const width = payload.headers.length;
  const rows = payload.rows;
  if (!Array.isArray(rows) || rows.length > MAX_TAB_ROWS
      || !rows.every(function (r) { return Array.isArray(r) && r.length === width; })) {
    throw badRequest_('rows');
  }
  const ss = openSpreadsheet_(payload.spreadsheet_id);
  return withScriptLock_(function () {
    let sheet = ss.getSheetByName(payload.tab);
    const header = sheet ? headerState_(sheet, payload.headers) : 'empty';
    if (header === 'differs') throw badRequest_('layout');
    if (!sheet) sheet = ss.insertSheet(payload.tab);
    const old = Math.max(sheet.getLastRow() - HEADER_ROW, 0);
    const total = Math.max(rows.length, old);
    ensureGrid_(sheet, HEADER_ROW + total, width);
    if (header === 'empty') sheet.getRange(HEADER_ROW, 1, 1, width).setValues([payload.headers]);
    // Rows the new content no longer reaches are written as empty cells in the same call: one write, no clear.
    const values = rows.map(function (r) { return r.map(cellIn_); });
    while (values.length < total) values.push(payload.headers.map(function () { return ''; }));
    if (total) sheet.getRange(HEADER_ROW + 1, 1, total, width).setValues(values);
    return { rows: rows.length, cleared: total - rows.length };
  });
}

/**
 * The tab a payload names in its spreadsheet, how many leftmost columns Tumbuh writes, and how many formula columns
 * follow them (the header cells to their right); refuses a layout that differs from the Sheet's header.
 */
function tabSpec_(payload) {
  if (!payload || typeof payload.tab !== 'string' || !Array.isArray(payload.columns) || !payload.columns.length
      || payload.tab === CHANGE_LOG_TAB) {
    throw badRequest_('tab'); // the change log is written by the trigger alone: a row action there would corrupt it
  }
  const ss = openSpreadsheet_(payload.spreadsheet_id);
  const sheet = ss.getSheetByName(payload.tab);
  if (!sheet) throw badRequest_('unknown_tab');
  const width = payload.columns.length;
  const header = sheet.getRange(HEADER_ROW, 1, 1, Math.max(sheet.getLastColumn(), 1)).getValues()[0];
  if (header.length < width || payload.columns.some(function (name, i) { return String(header[i]) !== String(name); })) {
    throw badRequest_('layout'); // the Sheet's columns moved: writing by position would scramble them
  }
  let formulaWidth = 0;
  while (width + formulaWidth < header.length && !isEmpty_(header[width + formulaWidth])) formulaWidth++;
  return { ss: ss, sheet: sheet, width: width, formulaWidth: formulaWidth };
}

/**
 * The spreadsheet with that id. A malformed id, or one Apps Script cannot open (deleted, never shared with the
 * script's owner), is bad_spreadsheet before anything is written; a quota or time-out failure stays `internal`.
 */
function openSpreadsheet_(id) {
  if (typeof id !== 'string' || !SPREADSHEET_ID_PATTERN.test(id)) throw badRequest_('spreadsheet');
  try {
    return SpreadsheetApp.openById(id);
  } catch (err) {
    if (TRANSIENT_OPEN_ERROR.test(String(err && err.message))) throw err;
    throw badRequest_('spreadsheet');
  }
}

/** A tab's data block down to its last row with any data cell filled (formula columns may be filled further down). */
function dataBlock_(sheet, width, lastRow) {
  const count = Math.max(lastRow - HEADER_ROW, 0);
  const block = count ? sheet.getRange(HEADER_ROW + 1, 1, count, width).getValues() : [];
  while (block.length && block[block.length - 1].every(isEmpty_)) block.pop();
  return block;
}

/**
 * Gives the rows after the last formula-filled one, down to `upTo`, row 2's formulas: one read of row 2 in R1C1
 * notation and one write, so every relative reference points at its own row. (Range.copyTo is documented to use
 * only the destination's top-left cell, so it cannot fill many rows in one call.) Rows a kader typed past the
 * formula-filled ones are filled too: they sit between, and the write stays one contiguous range.
 */
function fillFormulas_(sheet, spec, lastRowBefore, upTo) {
  if (!spec.formulaWidth || lastRowBefore <= HEADER_ROW) return;
  const firstColumn = sheet.getRange(HEADER_ROW + 1, spec.width + 1, lastRowBefore - HEADER_ROW, 1).getFormulas();
  let filled = firstColumn.length;
  while (filled && firstColumn[filled - 1][0] === '') filled--;
  const lastFormulaRow = HEADER_ROW + filled;
  if (!filled || upTo <= lastFormulaRow) return;
  const template = sheet.getRange(HEADER_ROW + 1, spec.width + 1, 1, spec.formulaWidth).getFormulasR1C1()[0];
  if (template.every(function (f) { return f === ''; })) return;
  const formulas = [];
  for (let r = lastFormulaRow + 1; r <= upTo; r++) formulas.push(template);
  sheet.getRange(lastFormulaRow + 1, spec.width + 1, formulas.length, spec.formulaWidth).setFormulasR1C1(formulas);
}

/** Grows a tab's grid to at least rows x columns: Apps Script refuses a range outside the grid. */
function ensureGrid_(sheet, rows, columns) {
  const maxRows = sheet.getMaxRows();
  if (maxRows < rows) sheet.insertRowsAfter(maxRows, rows - maxRows);
  const maxColumns = sheet.getMaxColumns();
  if (maxColumns < columns) sheet.insertColumnsAfter(maxColumns, columns - maxColumns);
}

/** 'empty' (nothing in the header row yet), 'same' (exactly these headers) or 'differs'. */
function headerState_(sheet, headers) {
  const width = sheet.getLastColumn();
  const row = width ? sheet.getRange(HEADER_ROW, 1, 1, width).getValues()[0] : [];
  if (row.every(isEmpty_)) return 'empty';
  for (let i = 0; i < Math.max(row.length, headers.length); i++) {
    if (String(i < row.length ? row[i] : '') !== (i < headers.length ? headers[i] : '')) return 'differs';
  }
  return 'same';
}

/**
 * A value on its way into a cell. setValues reads a string as if a user typed it, so a name starting with "=" (a
 * parent's reply, say) would become a formula; the apostrophe keeps it text, and Sheets does not show or return it.
 */
function cellIn_(value) {
  return typeof value === 'string' && value.charAt(0) === '=' ? "'" + value : value;
}

/** A cell's value on its way out as JSON: dates as yyyy-mm-dd in the spreadsheet's zone, the rest as read. */
function cellOut_(value, timeZone) {
  return Object.prototype.toString.call(value) === '[object Date]' ? Utilities.formatDate(value, timeZone, ISO_DATE_FORMAT) : value;
}

function isEmpty_(value) {
  return value === '' || value === null || value === undefined;
}

/** A row key: a non-empty string or a number (Tumbuh's row ids). */
function isKey_(value) {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && isFinite(value));
}

function isText_(value, maxLength) {
  return typeof value === 'string' && value.trim() !== '' && value.length <= maxLength;
}

function isInt_(value, min, max) {
  return typeof value === 'number' && Math.floor(value) === value && value >= min && value <= max;
}

/** An error whose name reaches the caller as the reply's error (no payload value in it). */
function badRequest_(what) {
  const err = new Error(what);
  err.name = 'BadRequest';
  err.reason = 'bad_' + what.replace(/^bad_/, '');
  return err;
}

/**
 * ping {spreadsheet_id?}: proves the URL, the secret and the clock agree; with an id, also that the script can open
 * that spreadsheet (its name comes back). max_rows tells the caller how to split upsert_rows batches.
 */
function ping_(payload) {
  const id = payload && payload.spreadsheet_id;
  const name = id === undefined || id === null ? null : openSpreadsheet_(id).getName();
  return { pong: true, sheet: name, max_rows: MAX_ROWS_PER_CALL };
}

/**
 * setup {spreadsheet_id?, create_key?, title, tabs, editors?, edit_url?, time_zone?, locale?}: makes a posyandu's
 * spreadsheet ready, creating it when no id is given (once per create_key, e.g. "posyandu:12", when one is given). Per tab: created if missing, header written, header row and formula columns
 * protected (the script's owner the only editor), formulas filled for rows 2..prefill_rows+1 in one call, static rows
 * written, validation, hidden and frozen columns set; the change-log tab made, hidden and protected. Then the editors
 * are shared in and the edit trigger installed.
 * Idempotent: a second run changes nothing. An existing tab with another header is bad_layout and nothing is written.
 * Answers {spreadsheet_id, url, trigger}; trigger false means the 20-trigger limit was hit and the reconcile covers it.
 */
function setup_(payload) {
  const spec = setupSpec_(payload);
  return withScriptLock_(function () {
    const opened = spec.spreadsheetId ? { ss: openSpreadsheet_(spec.spreadsheetId), created: false }
      : createOnce_(spec.title, spec.createKey);
    const ss = opened.ss;
    const sheets = spec.tabs.map(function (t) { return ss.getSheetByName(t.name); });
    // Every header is checked before the first write, so a refused layout leaves the spreadsheet as it was.
    const headers = spec.tabs.map(function (t, i) { return sheets[i] ? headerState_(sheets[i], t.headers) : 'empty'; });
    const log = ss.getSheetByName(CHANGE_LOG_TAB);
    if (headers.indexOf('differs') >= 0 || (log && headerState_(log, CHANGE_LOG_HEADERS) === 'differs')) {
      throw badRequest_('layout');
    }
    const placeholder = opened.created ? ss.getSheets()[0] : null; // the "Sheet1" every new spreadsheet starts with
    spec.tabs.forEach(function (t, i) { setUpTab_(sheets[i] || ss.insertSheet(t.name), t, headers[i] === 'empty'); });
    setUpChangeLog_(log || ss.insertSheet(CHANGE_LOG_TAB));
    if (placeholder && !spec.tabs.some(function (t) { return t.name === placeholder.getName(); })) ss.deleteSheet(placeholder);
    // A kader's typed date means midnight where the posyandu is; read_rows and the trigger format dates in this zone.
    const timeZone = spec.timeZone || (opened.created ? Session.getScriptTimeZone() : null);
    if (timeZone && ss.getSpreadsheetTimeZone() !== timeZone) ss.setSpreadsheetTimeZone(timeZone);
    if (spec.locale && ss.getSpreadsheetLocale() !== spec.locale) ss.setSpreadsheetLocale(spec.locale);
    if (spec.editors.length) ss.addEditors(spec.editors); // an existing editor is left as is
    if (spec.editUrl) {
      const props = PropertiesService.getScriptProperties();
      if (props.getProperty(EDIT_URL_PROPERTY) !== spec.editUrl) props.setProperty(EDIT_URL_PROPERTY, spec.editUrl);
    }
    return { spreadsheet_id: ss.getId(), url: ss.getUrl(), trigger: ensureEditTrigger_(ss.getId()) };
  }, SETUP_LOCK_WAIT_MS);
}

/** The setup payload checked whole before anything is opened or written; refusals name the part (bad_tabs, ...). */
function setupSpec_(payload) {
  if (!payload || typeof payload !== 'object') throw badRequest_('tabs');
  const id = payload.spreadsheet_id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || !SPREADSHEET_ID_PATTERN.test(id))) {
    throw badRequest_('spreadsheet');
  }
  if (!id && !isText_(payload.title, 200)) throw badRequest_('title');
  const createKey = payload.create_key;
  if (createKey !== undefined && createKey !== null && !(typeof createKey === 'string' && CREATE_KEY_PATTERN.test(createKey))) {
    throw badRequest_('create_key');
  }
  if (!Array.isArray(payload.tabs) || !payload.tabs.length) throw badRequest_('tabs');
  const tabs = payload.tabs.map(tabSetup_);
  if (tabs.some(function (t, i) { return t.name === CHANGE_LOG_TAB || tabs.findIndex(function (u) { return u.name === t.name; }) !== i; })) {
    throw badRequest_('tabs');
  }
  const editors = payload.editors === undefined ? [] : payload.editors;
  if (!Array.isArray(editors) || !editors.every(function (e) { return typeof e === 'string' && EMAIL_PATTERN.test(e); })) {
    throw badRequest_('editors');
  }
  const editUrl = payload.edit_url;
  // UrlFetchApp takes URLs up to 2 KB (quotas page).
  if (editUrl !== undefined && editUrl !== null && !(typeof editUrl === 'string' && /^https?:\/\/\S+$/.test(editUrl) && editUrl.length <= 2000)) {
    throw badRequest_('edit_url');
  }
  const timeZone = payload.time_zone;
  if (timeZone !== undefined && timeZone !== null && !(typeof timeZone === 'string' && /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone))) {
    throw badRequest_('time_zone');
  }
  const locale = payload.locale;
  if (locale !== undefined && locale !== null && !(typeof locale === 'string' && /^[a-z]{2,3}(_[A-Z]{2})?$/.test(locale))) {
    throw badRequest_('locale');
  }
  return {
    spreadsheetId: id || null, createKey: createKey || null, title: payload.title, tabs: tabs, editors: editors,
    editUrl: editUrl || null, timeZone: timeZone || null, locale: locale || null,
  };
}

/** One tab of a setup payload, checked; column numbers in it are 0-based positions in `headers`. */
function tabSetup_(t) {
  const refuse = function () { return badRequest_('tabs'); };
  if (!t || typeof t !== 'object' || !isText_(t.name, 100) || !Array.isArray(t.headers) || !t.headers.length
      || !t.headers.every(function (h) { return isText_(h, 200); })
      || t.headers.some(function (h, i) { return t.headers.indexOf(h) !== i; })) {
    throw refuse();
  }
  const width = t.headers.length;
  if (!isInt_(t.data_width, 1, width)) throw refuse();
  const formulas = t.formulas === undefined ? [] : t.formulas;
  if (!Array.isArray(formulas) || formulas.length !== width - t.data_width
      || !formulas.every(function (f) { return typeof f === 'string' && f.charAt(0) === '='; })) {
    throw refuse();
  }
  const prefill = t.prefill_rows === undefined ? 0 : t.prefill_rows;
  const validation = t.validation === undefined ? [] : t.validation;
  const hidden = t.hidden_columns === undefined ? [] : t.hidden_columns;
  // An empty list is no static table: only a tab that ships content (the WHO tables) is written and locked whole.
  const rows = Array.isArray(t.rows) && t.rows.length === 0 ? null : (t.rows === undefined ? null : t.rows);
  if (!isInt_(prefill, 0, MAX_PREFILL_ROWS) || !Array.isArray(validation) || !Array.isArray(hidden)
      || !validation.every(function (v) { return validationFits_(v, t.data_width); })
      || !hidden.every(function (c) { return isInt_(c, 0, width - 1); })
      || (t.frozen_columns !== undefined && !isInt_(t.frozen_columns, 0, width))
      || (rows !== null && !(Array.isArray(rows) && rows.every(function (r) { return Array.isArray(r) && r.length === t.data_width; })))) {
    throw refuse();
  }
  return {
    name: t.name, headers: t.headers.slice(), dataWidth: t.data_width, formulas: formulas, prefillRows: prefill,
    validation: validation, hiddenColumns: hidden, frozenColumns: t.frozen_columns, rows: rows,
  };
}

/** A validation entry: a data column and exactly one of values (a list), number ([min, max]) or date (true). */
function validationFits_(v, dataWidth) {
  if (!v || typeof v !== 'object' || !isInt_(v.column, 0, dataWidth - 1)) return false;
  const kinds = ['values', 'number', 'date'].filter(function (k) { return v[k] !== undefined; });
  if (kinds.length !== 1) return false;
  if (kinds[0] === 'values') {
    return Array.isArray(v.values) && v.values.length > 0
      && v.values.every(function (x) { return typeof x === 'string' || typeof x === 'number'; });
  }
  if (kinds[0] === 'number') {
    return Array.isArray(v.number) && v.number.length === 2 && v.number.every(function (x) { return typeof x === 'number' && isFinite(x); })
      && v.number[0] <= v.number[1];
  }
  return v.date === true;
}

/**
 * A new spreadsheet with that title; with a create key, the one an earlier setup made under that key (remembered in
 * a script property) if it still opens. A setup whose reply was lost and is sent again then makes no second one.
 */
function createOnce_(title, createKey) {
  if (!createKey) return { ss: SpreadsheetApp.create(title), created: true };
  const props = PropertiesService.getScriptProperties();
  const key = CREATED_PREFIX + createKey;
  const known = props.getProperty(key);
  if (known) {
    try {
      return { ss: SpreadsheetApp.openById(known), created: false };
    } catch (err) {
      if (TRANSIENT_OPEN_ERROR.test(String(err && err.message))) throw err;
      // deleted since: a new one takes its place below
    }
  }
  const ss = SpreadsheetApp.create(title);
  props.setProperty(key, ss.getId());
  return { ss: ss, created: true };
}

/** Everything setup does to one tab; each step sets a state, so running it again changes nothing. */
function setUpTab_(sheet, t, writeHeader) {
  const width = t.headers.length;
  const formulaColumn = t.dataWidth + 1;
  ensureGrid_(sheet, HEADER_ROW + Math.max(t.prefillRows, t.rows ? t.rows.length : 0, 1), width);
  if (writeHeader) sheet.getRange(HEADER_ROW, 1, 1, width).setValues([t.headers]);
  if (sheet.getFrozenRows() !== HEADER_ROW) sheet.setFrozenRows(HEADER_ROW);
  if (t.frozenColumns !== undefined && sheet.getFrozenColumns() !== t.frozenColumns) sheet.setFrozenColumns(t.frozenColumns);
  if (t.formulas.length && t.prefillRows) {
    const formulas = [];
    for (let r = HEADER_ROW + 1; r <= HEADER_ROW + t.prefillRows; r++) {
      formulas.push(t.formulas.map(function (f) { return f.split('{r}').join(String(r)); }));
    }
    sheet.getRange(HEADER_ROW + 1, formulaColumn, formulas.length, t.formulas.length).setFormulas(formulas);
  }
  if (t.rows) writeStaticRows_(sheet, t);
  const below = sheet.getMaxRows() - HEADER_ROW;
  t.validation.forEach(function (v) {
    sheet.getRange(HEADER_ROW + 1, v.column + 1, below, 1).setDataValidation(validationRule_(v));
  });
  t.hiddenColumns.forEach(function (c) { sheet.hideColumns(c + 1); });
  protectRange_(sheet, sheet.getRange(HEADER_ROW, 1, 1, width), PROTECT_HEADER);
  if (t.formulas.length) {
    // Whole columns (A1 "Q:T"), so rows appended later are covered without another setup.
    protectRange_(sheet, sheet.getRange(columnLetter_(formulaColumn) + ':' + columnLetter_(width)), PROTECT_FORMULAS);
  }
  if (t.rows) {
    const found = sheet.getProtections(SpreadsheetApp.ProtectionType.SHEET);
    lockDown_(found.length ? found[0] : sheet.protect().setDescription(PROTECT_STATIC));
  }
  setDataWidth_(sheet, t.dataWidth);
}

/**
 * Static content (the WHO tables) written in chunks of STATIC_ROWS_PER_WRITE rows, unless the tab already holds exactly
 * these rows; rows an older, longer table left below are cleared.
 */
function writeStaticRows_(sheet, t) {
  const old = Math.max(sheet.getLastRow() - HEADER_ROW, 0);
  if (old === t.rows.length && old > 0) {
    const timeZone = sheet.getParent().getSpreadsheetTimeZone();
    const current = sheet.getRange(HEADER_ROW + 1, 1, old, t.dataWidth).getValues();
    if (current.every(function (r, i) { return r.every(function (c, j) { return sameCell_(cellOut_(c, timeZone), t.rows[i][j]); }); })) return;
  }
  for (let i = 0; i < t.rows.length; i += STATIC_ROWS_PER_WRITE) {
    const chunk = t.rows.slice(i, i + STATIC_ROWS_PER_WRITE).map(function (r) { return r.map(cellIn_); });
    sheet.getRange(HEADER_ROW + 1 + i, 1, chunk.length, t.dataWidth).setValues(chunk);
  }
  if (old > t.rows.length) sheet.getRange(HEADER_ROW + 1 + t.rows.length, 1, old - t.rows.length, t.dataWidth).clearContent();
}

function sameCell_(a, b) {
  return (isEmpty_(a) && isEmpty_(b)) || String(a) === String(b);
}

/** The Sheets rule for one validation entry; invalid entries are rejected, not just flagged, for kaders typing. */
function validationRule_(v) {
  const builder = SpreadsheetApp.newDataValidation().setAllowInvalid(false);
  if (v.values !== undefined) return builder.requireValueInList(v.values.map(String), true).build();
  if (v.number !== undefined) return builder.requireNumberBetween(v.number[0], v.number[1]).build();
  return builder.requireDate().build();
}

/**
 * A protection on `range` with that description, created once and then found by its description. Locked down on
 * every run, so a protection someone loosened by hand (warning only, more editors) is tightened again.
 */
function protectRange_(sheet, range, description) {
  const found = sheet.getProtections(SpreadsheetApp.ProtectionType.RANGE)
    .filter(function (p) { return p.getDescription() === description; });
  found.slice(1).forEach(function (p) { p.remove(); });
  const protection = found.length ? found[0] : range.protect().setDescription(description);
  if (found.length && protection.getRange().getA1Notation() !== range.getA1Notation()) protection.setRange(range);
  lockDown_(protection);
}

/** Only the script's owner may edit: warning-only would let a kader overwrite a formula after one click. */
function lockDown_(protection) {
  if (protection.isWarningOnly()) protection.setWarningOnly(false);
  // Neither the spreadsheet's owner nor the script's user can be removed, so they stay as the only editors.
  protection.removeEditors(protection.getEditors());
  if (protection.canDomainEdit()) protection.setDomainEdit(false);
}

function setDataWidth_(sheet, width) {
  const found = sheet.getDeveloperMetadata().filter(function (m) { return m.getKey() === DATA_WIDTH_KEY; });
  if (!found.length) sheet.addDeveloperMetadata(DATA_WIDTH_KEY, String(width));
  else if (found[0].getValue() !== String(width)) found[0].setValue(String(width));
}

/** The tab's data width as setup recorded it; 0 for a tab setup never saw. */
function dataWidth_(sheet) {
  const found = sheet.getDeveloperMetadata().filter(function (m) { return m.getKey() === DATA_WIDTH_KEY; });
  const width = found.length ? parseInt(found[0].getValue(), 10) : 0;
  return width > 0 ? width : 0;
}

/**
 * Installs the onEdit trigger for a spreadsheet unless it has one. Past the 20-trigger limit it answers false and
 * setup still succeeds: that Sheet's edits then reach Tumbuh only through the periodic reconcile.
 */
function ensureEditTrigger_(spreadsheetId) {
  const triggers = ScriptApp.getProjectTriggers();
  if (triggers.some(function (t) { return t.getHandlerFunction() === EDIT_HANDLER && t.getTriggerSourceId() === spreadsheetId; })) {
    return true;
  }
  if (triggers.length >= MAX_TRIGGERS_PER_SCRIPT) return false;
  try {
    ScriptApp.newTrigger(EDIT_HANDLER).forSpreadsheet(spreadsheetId).onEdit().create();
    return true;
  } catch (err) {
    if (/too many triggers/i.test(String(err && err.message))) return false; // limit reached by triggers we cannot list
    throw err;
  }
}

/** 1 -> A, 27 -> AA. */
function columnLetter_(n) {
  let out = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

/** The tabs whose kader edits are reported (script property TUMBUH_EDIT_TABS, a JSON list). */
function editTabs_(property) {
  if (property) {
    try {
      const tabs = JSON.parse(property);
      if (Array.isArray(tabs) && tabs.every(function (t) { return typeof t === 'string'; })) return tabs;
    } catch (err) {
      // a mistyped property falls back to the default rather than silencing every edit
    }
    console.error('tumbuh bridge: script property ' + EDIT_TABS_PROPERTY + ' is not a JSON list of tab names');
  }
  return DEFAULT_EDIT_TABS;
}

/**
 * Installable onEdit trigger handler (installed per spreadsheet by setup): reports a kader's edit in a data column
 * of a watched tab by POSTing the edited rows' data blocks to TUMBUH_EDIT_URL, signed with TUMBUH_EDIT_SECRET in
 * the X-Tumbuh-Signature header ("sha256=" + hex HMAC-SHA256 of the exact body). Body:
 * {spreadsheet_id, tab, rows: [{row, values}], request_id, sent_at}; rows a kader emptied are sent too (empty
 * values). First it logs the rows in the change log (logChanges_). It never throws at the kader: a failed log or POST
 * is logged without data, and `changes` or the periodic reconcile catches up.
 * Edits made by scripts, the bridge's included, do not fire it.
 */
function onKaderEdit(e) {
  try {
    pushKaderEdit_(e);
  } catch (err) {
    console.error('tumbuh bridge: kader edit not reported ' + JSON.stringify({
      error: err && err.name ? String(err.name) : 'Error', at: stackFrames_(err),
    }));
  }
}

function pushKaderEdit_(e) {
  const range = e && e.range;
  if (!range) return;
  const sheet = range.getSheet();
  const props = PropertiesService.getScriptProperties().getProperties();
  if (editTabs_(props[EDIT_TABS_PROPERTY]).indexOf(sheet.getName()) < 0) return;
  const width = dataWidth_(sheet);
  const first = Math.max(range.getRow(), HEADER_ROW + 1);
  const last = range.getRow() + range.getNumRows() - 1;
  if (!width || last < first || range.getColumn() > width) return; // the header, a formula column, or an unknown tab
  const ss = e.source || sheet.getParent();
  // Logged before the POST, so an edit whose POST fails (or cannot be made) is still found by `changes`.
  try {
    logChanges_(ss, sheet.getName(), first, last);
  } catch (err) {
    console.error('tumbuh bridge: kader edit not logged ' + JSON.stringify({
      error: err && err.name ? String(err.name) : 'Error', at: stackFrames_(err),
    }));
  }
  const url = props[EDIT_URL_PROPERTY];
  const secret = props[EDIT_SECRET_PROPERTY];
  if (!url || !secret) {
    console.error('tumbuh bridge: script properties ' + EDIT_URL_PROPERTY + ' and ' + EDIT_SECRET_PROPERTY
      + ' must be set to report kader edits');
    return;
  }
  const timeZone = ss.getSpreadsheetTimeZone();
  const values = sheet.getRange(first, 1, last - first + 1, width).getValues();
  const body = asciiJson_({
    spreadsheet_id: ss.getId(),
    tab: sheet.getName(),
    rows: values.map(function (r, i) { return { row: first + i, values: r.map(function (c) { return cellOut_(c, timeZone); }) }; }),
    request_id: Utilities.getUuid(),
    sent_at: Math.floor(Date.now() / 1000),
  });
  const response = UrlFetchApp.fetch(url, {
    method: 'post',
    contentType: 'application/json',
    payload: body,
    headers: { 'X-Tumbuh-Signature': 'sha256=' + hmacHex_(body, secret) },
    muteHttpExceptions: true,
  });
  const status = response.getResponseCode();
  if (status < 200 || status >= 300) console.error('tumbuh bridge: kader edit answered HTTP ' + status);
}

/**
 * Appends one change-log entry per sheet row first..last of `tab`, under the script lock: the next cursor is the log's
 * last one + 1, so two edits logged at once cannot take the same cursor. Past CHANGE_LOG_MAX_ENTRIES the oldest
 * entries are deleted down to CHANGE_LOG_KEEP_ENTRIES; the newest stay, so cursors keep counting up.
 */
function logChanges_(ss, tab, first, last) {
  withScriptLock_(function () {
    const sheet = ss.getSheetByName(CHANGE_LOG_TAB) || setUpChangeLog_(ss.insertSheet(CHANGE_LOG_TAB));
    const lastRow = Math.max(sheet.getLastRow(), HEADER_ROW);
    let cursor = lastCursor_(sheet, lastRow);
    // Text (the apostrophe), so a tab named like a date or number, and the time stamp, stay as written.
    const at = "'" + new Date().toISOString();
    const entries = [];
    for (let row = first; row <= last; row++) entries.push([++cursor, "'" + tab, row, at]);
    ensureGrid_(sheet, lastRow + entries.length, CHANGE_LOG_HEADERS.length);
    sheet.getRange(lastRow + 1, 1, entries.length, CHANGE_LOG_HEADERS.length).setValues(entries);
    const count = lastRow + entries.length - HEADER_ROW;
    if (count > CHANGE_LOG_MAX_ENTRIES) sheet.deleteRows(HEADER_ROW + 1, count - CHANGE_LOG_KEEP_ENTRIES);
  });
}

/**
 * The cursor of the log's last entry (0 for an empty log). One cell read; only a last cell that is no cursor (which
 * the protection should prevent) costs a read of the whole column, for its highest cursor.
 */
function lastCursor_(sheet, lastRow) {
  if (lastRow <= HEADER_ROW) return 0;
  const last = sheet.getRange(lastRow, 1).getValue();
  if (isCursor_(last)) return last;
  return sheet.getRange(HEADER_ROW + 1, 1, lastRow - HEADER_ROW, 1).getValues()
    .reduce(function (max, r) { return isCursor_(r[0]) && r[0] > max ? r[0] : max; }, 0);
}

function isCursor_(value) {
  return isInt_(value, 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Makes the change-log tab ready: header, frozen header row, no spare columns, hidden (kaders have nothing to do
 * there), and protected whole with the script's owner the only editor. Each step sets a state, so setup runs it every
 * time; the trigger runs it only on the tab it creates. Answers the tab.
 */
function setUpChangeLog_(sheet) {
  const width = CHANGE_LOG_HEADERS.length;
  if (headerState_(sheet, CHANGE_LOG_HEADERS) === 'empty') sheet.getRange(HEADER_ROW, 1, 1, width).setValues([CHANGE_LOG_HEADERS]);
  if (sheet.getFrozenRows() !== HEADER_ROW) sheet.setFrozenRows(HEADER_ROW);
  // Every cell of a spreadsheet counts against its 10-million-cell limit: 4 columns, not the default 26.
  if (sheet.getMaxColumns() > width) sheet.deleteColumns(width + 1, sheet.getMaxColumns() - width);
  if (!sheet.isSheetHidden()) sheet.hideSheet();
  const found = sheet.getProtections(SpreadsheetApp.ProtectionType.SHEET);
  lockDown_(found.length ? found[0] : sheet.protect().setDescription(PROTECT_CHANGE_LOG));
  return sheet;
}

/**
 * JSON with every non-ASCII character escaped (\u00e4): the signed string and the bytes on the wire are then the
 * same whatever charset UrlFetchApp encodes the payload with, and the receiver's JSON parser restores the text.
 */
function asciiJson_(obj) {
  return JSON.stringify(obj).replace(/[\u007f-\uffff]/g, function (c) { return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4); });
}

function reply_(obj) {
  return ContentService.createTextOutput(JSON.stringify(obj)).setMimeType(ContentService.MimeType.JSON);
}

/** Stack frames without the first line, which holds the error message (and possibly payload values). */
function stackFrames_(err) {
  const stack = err && typeof err.stack === 'string' ? err.stack : '';
  return stack.split('\n').slice(1, 6).map(function (line) { return line.trim(); });
}
