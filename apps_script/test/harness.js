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

const SRC_DIR = path.join(__dirname, '..', 'src');

/** A minimal in-memory sheet: enough of Range for batched getValues/setValues. */
function fakeSheet(name) {
  const data = [];
  return {
    data,
    getName: () => name,
    getLastRow: () => data.length,
    getRange(row, col, nRows = 1, nCols = 1) {
      return {
        setValues(values) {
          if (values.length !== nRows || values[0].length !== nCols) throw new Error('dimension mismatch');
          values.forEach((r, i) => {
            data[row - 1 + i] = data[row - 1 + i] || [];
            r.forEach((x, j) => { data[row - 1 + i][col - 1 + j] = x; });
          });
          return this;
        },
        getValues() {
          return Array.from({ length: nRows }, (_, i) =>
            Array.from({ length: nCols }, (_, j) => (data[row - 1 + i] || [])[col - 1 + j] ?? ''));
        },
      };
    },
    appendRow(r) { data.push(r); return this; },
  };
}

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
 * Fakes for the services the bridge uses.
 * opts.secret: TUMBUH_SECRET (omit for an unconfigured script); opts.spreadsheetName: null for a
 * standalone script (getActiveSpreadsheet() returns null there).
 */
function makeFakes(opts = {}) {
  const props = {};
  if (opts.secret !== undefined) props.TUMBUH_SECRET = opts.secret;
  const sheets = {};
  const locks = { waits: 0, releases: 0 };
  const spreadsheetName = opts.spreadsheetName === undefined ? 'Tumbuh (test)' : opts.spreadsheetName;
  const spreadsheet = spreadsheetName === null ? null : {
    getName: () => spreadsheetName,
    getSheetByName: (n) => (sheets[n] ||= fakeSheet(n)),
  };
  const logs = { error: [], log: [] };

  return {
    props, sheets, locks, logs,
    SpreadsheetApp: {
      getActiveSpreadsheet: () => spreadsheet,
      getActive: () => spreadsheet,
    },
    PropertiesService: {
      getScriptProperties: () => ({
        getProperty: (k) => (Object.prototype.hasOwnProperty.call(props, k) ? props[k] : null),
        setProperty(k, v) { props[k] = String(v); return this; },
      }),
    },
    LockService: {
      getScriptLock: () => ({
        waitLock: () => { locks.waits++; },
        tryLock: () => { locks.waits++; return true; },
        releaseLock: () => { locks.releases++; },
        hasLock: () => locks.waits > locks.releases,
      }),
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
        const mac = crypto.createHmac('sha256', toBuffer(key, charset)).update(toBuffer(value, charset)).digest();
        return toSignedBytes(mac);
      },
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

/** Parses a TextOutput back into an object (a plain object of this realm, so deepStrictEqual works). */
function parseReply(out) {
  return JSON.parse(out.getContent());
}

module.exports = { makeFakes, loadGas, pythonStyleHex, signedEvent, nowSeconds, parseReply, toSignedBytes };
