/**
 * Loads the Apps Script sources into a node:vm context with hand-written fakes of the Google services
 * they touch, so the real src/*.js runs under plain `node --test` (no npm install, no clasp).
 * Only helpers live here; test files are *.test.js.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const { makeSheetsWorld, formatDate } = require('./fake_spreadsheet');

const SRC_DIR = path.join(__dirname, '..', 'src');

/** Apps Script's byte[] as JS sees it: numbers -128..127 (Java bytes are signed). */
function toSignedBytes(buf) {
  return Array.from(buf, (b) => (b > 127 ? b - 256 : b));
}

/** Utilities.Charset name -> Node encoding. */
const CHARSETS = { UTF_8: 'utf8', US_ASCII: 'ascii' };

function toBuffer(value, charset) {
  if (typeof value === 'string') return Buffer.from(value, CHARSETS[charset] || 'utf8');
  return Buffer.from(value.map((b) => b & 0xff)); // a byte[] argument
}

/**
 * A clock shared by the script (its Date) and the fake cache, so a test can move time forward.
 * It runs with real time, shifted by whatever the test advanced.
 */
function makeClock() {
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  class FakeDate extends Date {
    constructor(...args) {
      if (args.length === 0) super(now()); else super(...args);
    }

    static now() { return now(); }
  }
  return { now, advance(ms) { offsetMs += ms; }, Date: FakeDate };
}

// Documented limits of CacheService (developers.google.com/apps-script/reference/cache/cache).
const CACHE_MAX_KEY_CHARS = 250;
const CACHE_MAX_VALUE_BYTES = 100 * 1024;
const CACHE_DEFAULT_TTL_SECONDS = 600;
const CACHE_MAX_TTL_SECONDS = 21600;

/**
 * The script cache: values are strings, entries expire on the shared clock, and a key over 250
 * characters, a value over 100 KB or an expiry outside 1..21600 s throws, as Apps Script does.
 * Apps Script may also drop entries early; cache.evictAll() lets a test do that.
 */
function fakeCache(clock) {
  const entries = new Map(); // key -> {value, expiresAt}
  const checkKey = (key) => {
    if (typeof key !== 'string' || key.length === 0) throw new TypeError('Cache key must be a non-empty string');
    if (key.length > CACHE_MAX_KEY_CHARS) throw new Error(`Argument too large: key (${key.length} > ${CACHE_MAX_KEY_CHARS} characters)`);
  };
  return {
    entries,
    evictAll() { entries.clear(); },
    get(key) {
      checkKey(key);
      const e = entries.get(key);
      if (!e) return null;
      if (clock.now() >= e.expiresAt) { entries.delete(key); return null; }
      return e.value;
    },
    put(key, value, expirationInSeconds = CACHE_DEFAULT_TTL_SECONDS) {
      checkKey(key);
      const text = String(value);
      if (Buffer.byteLength(text, 'utf8') > CACHE_MAX_VALUE_BYTES) throw new Error('Argument too large: value');
      if (!Number.isInteger(expirationInSeconds) || expirationInSeconds < 1 || expirationInSeconds > CACHE_MAX_TTL_SECONDS) {
        throw new Error(`Invalid expiration: ${expirationInSeconds} (1..${CACHE_MAX_TTL_SECONDS} seconds)`);
      }
      entries.set(key, { value: text, expiresAt: clock.now() + expirationInSeconds * 1000 });
    },
    remove(key) { checkKey(key); entries.delete(key); },
  };
}

/**
 * The script lock. Each getScriptLock() result stands for one execution: while one holds the lock,
 * another's tryLock answers false and waitLock throws, which is what a timeout looks like in Apps Script
 * (one thread cannot wait for another here). Re-entry within one execution is not modelled.
 */
function fakeLockService(locks) {
  let holder = null;
  const service = {
    getScriptLock() {
      const lock = {
        tryLock() {
          locks.waits++;
          if (holder !== null && holder !== lock) return false;
          holder = lock;
          return true;
        },
        waitLock(timeoutMs) {
          if (!lock.tryLock(timeoutMs)) throw new Error('Lock timeout: another process was holding the lock for too long.');
        },
        releaseLock() {
          locks.releases++;
          if (holder === lock) holder = null;
        },
        hasLock: () => holder === lock,
      };
      return lock;
    },
  };
  return { service, isHeld: () => holder !== null };
}

// The spreadsheet makeFakes puts in place (opts.tabs are its tabs): 44 characters, like a Drive file id.
const SPREADSHEET_ID = 'test-spreadsheet-0123456789abcdefghijklmnopq';

/** An UrlFetchApp HTTPResponse. */
function httpResponse(status, body = '') {
  return { getResponseCode: () => status, getContentText: () => body, getHeaders: () => ({}) };
}

/**
 * Fakes for the services the bridge uses.
 * opts.secret: TUMBUH_SECRET (omit for an unconfigured script); opts.secretNext: TUMBUH_SECRET_NEXT (the key being
 * rotated in; omit for none); opts.editSecret, opts.editUrl, opts.editTabs:
 * TUMBUH_EDIT_SECRET, TUMBUH_EDIT_URL and TUMBUH_EDIT_TABS (a JSON string). opts.tabs: {tab: [header...]}, the tabs
 * of one spreadsheet (id SPREADSHEET_ID, name opts.spreadsheetName) in the world of spreadsheets (opts.world, or a new
 * one: see fake_spreadsheet.js). opts.fetch(url, params) -> {status, body} answers UrlFetchApp.fetch (default: 200);
 * it may throw, as UrlFetchApp does when nothing answers.
 * Also returned for tests: clock (advance time), cache (the script cache), counters.hmac (HMACs computed),
 * lockHeld() (whether any execution still holds the script lock), world, sheets (the default spreadsheet's tabs),
 * fetches (every UrlFetchApp.fetch call: {url, params}).
 */
function makeFakes(opts = {}) {
  const props = {};
  if (opts.secret !== undefined) props.TUMBUH_SECRET = opts.secret;
  if (opts.secretNext !== undefined) props.TUMBUH_SECRET_NEXT = opts.secretNext;
  if (opts.editSecret !== undefined) props.TUMBUH_EDIT_SECRET = opts.editSecret;
  if (opts.editUrl !== undefined) props.TUMBUH_EDIT_URL = opts.editUrl;
  if (opts.editTabs !== undefined) props.TUMBUH_EDIT_TABS = opts.editTabs;
  const world = opts.world || makeSheetsWorld();
  const spreadsheet = world.addSpreadsheet({
    id: SPREADSHEET_ID, name: opts.spreadsheetName === undefined ? 'Tumbuh (test)' : opts.spreadsheetName, tabs: opts.tabs || {},
  });
  const sheets = Object.fromEntries(spreadsheet.getSheets().map((s) => [s.getName(), s]));
  const fetches = [];
  const locks = { waits: 0, releases: 0 };
  const logs = { error: [], log: [] };
  const clock = makeClock();
  const cache = fakeCache(clock);
  const counters = { hmac: 0 };
  const lockService = fakeLockService(locks);

  return {
    props, sheets, spreadsheet, world, fetches, locks, logs, clock, cache, counters, lockHeld: lockService.isHeld,
    Date: clock.Date,
    SpreadsheetApp: world.SpreadsheetApp,
    ScriptApp: world.ScriptApp,
    Session: { getScriptTimeZone: () => 'Asia/Jakarta' }, // the manifest's timeZone
    UrlFetchApp: {
      fetch(url, params = {}) {
        fetches.push({ url, params });
        const answer = opts.fetch ? opts.fetch(url, params) : { status: 200, body: '' };
        return httpResponse(answer.status, answer.body);
      },
    },
    PropertiesService: {
      getScriptProperties: () => ({
        getProperty: (k) => (Object.prototype.hasOwnProperty.call(props, k) ? props[k] : null),
        getProperties: () => ({ ...props }),
        setProperty(k, v) { props[k] = String(v); return this; },
      }),
    },
    LockService: lockService.service,
    CacheService: {
      getScriptCache: () => cache,
    },
    ContentService: {
      MimeType: { JSON: 'application/json', TEXT: 'text/plain' },
      createTextOutput(s) {
        return {
          content: s, mime: null,
          setMimeType(m) { this.mime = m; return this; },
          getContent() { return this.content; },
          getMimeType() { return this.mime; },
        };
      },
    },
    Utilities: {
      Charset: { UTF_8: 'UTF_8', US_ASCII: 'US_ASCII' },
      // Same contract as Apps Script: (value, key[, charset]) -> signed byte array.
      computeHmacSha256Signature(value, key, charset) {
        counters.hmac++;
        const mac = crypto.createHmac('sha256', toBuffer(key, charset)).update(toBuffer(value, charset)).digest();
        return toSignedBytes(mac);
      },
      formatDate,
      getUuid: () => crypto.randomUUID(),
    },
    // Captured rather than printed, so a test can assert what would reach Cloud Logging.
    console: {
      error: (...a) => logs.error.push(a.join(' ')),
      log: (...a) => logs.log.push(a.join(' ')),
      warn: (...a) => logs.log.push(a.join(' ')),
      info: (...a) => logs.log.push(a.join(' ')),
    },
  };
}

/** Runs every src/*.js and *.gs file, in name order as clasp pushes them, in one shared global scope. */
function loadGas(fakes, dir = SRC_DIR) {
  const ctx = vm.createContext({ ...fakes });
  for (const f of fs.readdirSync(dir).filter((n) => /\.(gs|js)$/.test(n)).sort()) {
    vm.runInContext(fs.readFileSync(path.join(dir, f), 'utf8'), ctx, { filename: f });
  }
  return ctx;
}

/** Lowercase hex HMAC-SHA256, computed exactly as Python's hmac.new(key, body, sha256).hexdigest(). */
function pythonStyleHex(body, secret) {
  return crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
}

/** A doPost event carrying a signed request, as the Python adapter sends it. */
function signedEvent(inner, secret, { sig } = {}) {
  const body = typeof inner === 'string' ? inner : JSON.stringify(inner);
  const contents = JSON.stringify({ body, sig: sig === undefined ? pythonStyleHex(body, secret) : sig });
  return { postData: { contents, length: contents.length, type: 'application/json', name: 'postData' } };
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** A request id as the Python side makes one (uuid4, dashed form). */
function newRequestId() {
  return crypto.randomUUID();
}

/** Parses a TextOutput back into an object (a plain object of this realm, so deepStrictEqual works). */
function parseReply(out) {
  return JSON.parse(out.getContent());
}

/** Runs one signed action against a loaded bridge and answers its parsed reply. */
function callAction(gas, secret, action, payload) {
  return parseReply(gas.doPost(signedEvent({ action, payload, request_id: newRequestId(), sent_at: nowSeconds() }, secret)));
}

/**
 * An installable onEdit trigger's event for a user typing `rows` (a 2-D array) at (row, col) of a tab: the cells are
 * written first, as Sheets does before the trigger runs.
 */
function editEvent(spreadsheet, tab, row, col, rows) {
  const sheet = spreadsheet.getSheetByName(tab);
  const range = sheet.getRange(row, col, rows.length, rows[0].length);
  range.setValues(rows);
  return {
    source: spreadsheet, range, authMode: 'FULL', triggerUid: '1000',
    value: rows.length === 1 && rows[0].length === 1 ? String(rows[0][0]) : undefined,
  };
}

module.exports = {
  makeFakes, loadGas, pythonStyleHex, signedEvent, nowSeconds, newRequestId, parseReply, toSignedBytes, callAction,
  editEvent, httpResponse, SPREADSHEET_ID,
};
