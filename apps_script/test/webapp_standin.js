/**
 * The real src/*.js served over HTTP the way Google serves a deployed web app, for the Python adapter's contract
 * tests (and later the Sheet benchmarks): POST /macros/s/<id>/exec runs doPost during that request and answers
 * 302 to a one-time URL at /macros/echo, which must be fetched with GET (a POST there gets 405, as at
 * script.googleusercontent.com); GET .../exec runs doGet. Google services are the harness's fakes.
 *
 * Usage: TUMBUH_SECRET=... [TUMBUH_EDIT_SECRET=...] [TUMBUH_EDIT_URL=...]
 *   [TUMBUH_SPREADSHEETS='{"<id>": {"Pengukuran": ["ID Ukur", ...]}}'] [TUMBUH_TABS='{"Pengukuran": [...]}']
 *   node apps_script/test/webapp_standin.js [port]   (prints "listening <port>" when ready)
 * Spreadsheets live in memory (id -> spreadsheet): the setup action creates them, TUMBUH_SPREADSHEETS pre-creates
 * some, and TUMBUH_TABS gives the tabs of the harness's default one (id SPREADSHEET_ID in harness.js).
 * Control, for tests:
 *   POST /_standin/busy {"times": n}: the next n POSTs answer 200 with Apps Script's "Service invoked too many
 *     times" page.
 *   GET /_standin/stats: requests seen (posts, gets, echo_posts, edits, edit_posts).
 *   POST /_standin/spreadsheets {"tabs": {tab: [header...]}, "name"?, "id"?}: pre-creates one -> {spreadsheet_id}.
 *   GET /_standin/spreadsheet?spreadsheet_id=...: its state (tabs with values, protections, validation, ...; triggers).
 *   POST /_standin/edit {spreadsheet_id, tab, row, column?, values: [...] | rows: [[...]], user?}: a kader typing.
 *     The cells are written as that user (403 {"error": "protected"} where a protection or a missing share stops
 *     them), then, if setup installed the spreadsheet's trigger, onKaderEdit runs with a real event, and its
 *     UrlFetchApp.fetch makes a real HTTP request before this answers {ok, triggered}.
 * GET /v4/spreadsheets/<id>/values/<range>: the Sheets API's spreadsheets.values.get on the same spreadsheets, for
 *   Tumbuh's reconcile through gspread (valueRenderOption UNFORMATTED_VALUE, dateTimeRenderOption SERIAL_NUMBER, as it
 *   asks: numbers as numbers, dates as serial days since 1899-12-30, trailing empty cells and rows left out).
 * UrlFetchApp.fetch is synchronous in Apps Script, so here too: it runs a child `node` (execFileSync) that makes the
 * request and prints the answer. Node is the one program certain to be here (curl may not be), and staying
 * synchronous keeps onKaderEdit's code path the real one. The price: this server waits while the child runs, so
 * TUMBUH_EDIT_URL must point at another process (a test's own receiver), never at this stand-in.
 */
'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const http = require('node:http');

const { loadGas, makeFakes } = require('./harness');
const { makeSheetsWorld } = require('./fake_spreadsheet');

const BUSY_PAGE = '<html><body>Service invoked too many times in a short time: exec qps. Try Utilities.sleep(1000) '
  + 'between calls.</body></html>';
const MAX_BODY_BYTES = 50 * 1024 * 1024; // UrlFetch and web-app payloads stop at 50 MB
const FETCH_TIMEOUT_MS = 60000; // UrlFetchApp's own deadline for one request
const DEFAULT_USER = 'kader@posyandu.test';

// The child that makes one HTTP request for UrlFetchApp.fetch: request JSON on stdin, {status, body} or {error} out.
const FETCH_CHILD = `
let input = '';
process.stdin.on('data', (c) => { input += c; }).on('end', async () => {
  const r = JSON.parse(input);
  try {
    const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body, redirect: 'follow' });
    process.stdout.write(JSON.stringify({ status: res.status, body: await res.text() }));
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: String(err.cause ? err.cause.code || err.cause.message : err.message) }));
  }
});`;

/** UrlFetchApp.fetch(url, params) made for real, synchronously; throws where nothing answers, as UrlFetchApp does. */
function realFetch(url, params) {
  const headers = { ...(params.headers || {}) };
  if (params.contentType) headers['Content-Type'] = params.contentType;
  const request = { url, method: String(params.method || 'get').toUpperCase(), headers, body: params.payload };
  const answer = JSON.parse(execFileSync(process.execPath, ['-e', FETCH_CHILD],
    { input: JSON.stringify(request), timeout: FETCH_TIMEOUT_MS, encoding: 'utf8' }));
  if (answer.error) throw new Error(`Address unavailable: ${answer.error}`);
  if (answer.status >= 400 && !params.muteHttpExceptions) throw new Error(`Request failed, returned code ${answer.status}`);
  return answer;
}

/** What a test may want to see of one spreadsheet (plain JSON). */
/** The Sheets API's values.get of an A1 range ('Tab'!A1:P or Tab!A2:P10) as UNFORMATTED_VALUE / SERIAL_NUMBER. */
function valuesGet(world, id, range) {
  const ss = world.spreadsheets.get(id);
  if (!ss) return [404, { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } }];
  const a1 = /^(?:'((?:[^']|'')+)'|([^!]+))!([A-Z]+)(\d+):([A-Z]+)(\d*)$/.exec(range);
  const sheet = a1 && ss.getSheetByName(a1[1] !== undefined ? a1[1].replace(/''/g, "'") : a1[2]);
  if (!sheet) {
    return [400, { error: { code: 400, message: `Unable to parse range: ${range}`, status: 'INVALID_ARGUMENT' } }];
  }
  const first = Number(a1[4]);
  const last = a1[6] ? Number(a1[6]) : sheet.getLastRow();
  const [c0, c1] = [columnNumber(a1[3]), columnNumber(a1[5])];
  const rows = [];
  for (let r = first; r <= last; r++) {
    const row = [];
    for (let c = c0; c <= c1; c++) row.push(apiValue(sheet.cell(r, c), ss.getSpreadsheetTimeZone()));
    while (row.length && row[row.length - 1] === '') row.pop();
    rows.push(row);
  }
  while (rows.length && !rows[rows.length - 1].length) rows.pop();
  return [200, { range, majorDimension: 'ROWS', ...(rows.length ? { values: rows } : {}) }];
}

/** A stored cell as the API's UNFORMATTED_VALUE with SERIAL_NUMBER dates shows it. */
function apiValue(cell, timeZone) {
  if (cell === undefined || cell === null) return '';
  if (cell instanceof Date || Object.prototype.toString.call(cell) === '[object Date]') {
    const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(cell).split('-').map(Number);
    return Date.UTC(y, m - 1, d) / 86400000 + 25569; // days since 1899-12-30, Sheets' epoch
  }
  if (typeof cell === 'string' && cell.charAt(0) === "'") return cell.slice(1);
  return cell;
}

/** AA -> 27. */
function columnNumber(letters) {
  return letters.split('').reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
}

function describe(world, ss) {
  return {
    spreadsheet_id: ss.getId(), name: ss.getName(), time_zone: ss.timeZone, locale: ss.locale, editors: [...ss.editors],
    trigger: world.editTrigger(ss.getId()) !== null, triggers_total: world.triggers.length,
    tabs: Object.fromEntries(ss.getSheets().map((s) => [s.getName(), {
      values: s.dump(), hidden: s.isSheetHidden(), max_rows: s.maxRows, frozen_rows: s.frozenRows, frozen_columns: s.frozenCols,
      hidden_columns: [...s.hidden], backgrounds: s.bg.map((row) => Array.from(row, (c) => c || null)),
      protections: s.protections.filter((p) => !p.removed).map((p) => ({
        type: p.type, description: p.description, range: p.getRange().getA1Notation(), editors: p.editorEmails(),
        warning_only: p.warningOnly,
      })),
      validations: JSON.parse(JSON.stringify([...s.validations.entries()].map(([range, r]) => ({
        range, criteria: r.criteria, values: r.values, allow_invalid: r.allowInvalid,
      })))),
    }])),
  };
}

/**
 * serve(secret, port, tabs, options): options.editSecret and options.editUrl preset TUMBUH_EDIT_SECRET and
 * TUMBUH_EDIT_URL; options.spreadsheets = {id: {tab: [header...]}} pre-creates spreadsheets.
 */
function serve(secret, port, tabs, options = {}) {
  const world = makeSheetsWorld();
  for (const [id, sheetTabs] of Object.entries(options.spreadsheets || {})) world.addSpreadsheet({ id, tabs: sheetTabs });
  const stats = { posts: 0, gets: 0, echo_posts: 0, edits: 0, edit_posts: 0 };
  const fetchCounted = (url, params) => { stats.edit_posts++; return realFetch(url, params); };
  const gas = loadGas(makeFakes({ secret, tabs, world, editSecret: options.editSecret, editUrl: options.editUrl, fetch: fetchCounted }));
  const echoes = new Map(); // one-time key -> JSON text
  let busy = 0;

  /** A kader typing rows at (row, column) of a tab: [status, answer]. */
  function edit(request) {
    const ss = world.spreadsheets.get(request.spreadsheet_id);
    const sheet = ss && ss.getSheetByName(request.tab);
    if (!sheet) return [404, { error: 'unknown spreadsheet or tab' }];
    const rows = request.rows || [request.values];
    const column = request.column || 1;
    if (!Number.isInteger(request.row) || !Array.isArray(rows[0]) || !rows.every((r) => r.length === rows[0].length)) {
      return [400, { error: 'row and values (or rows) are required' }];
    }
    if (!sheet.userMayEdit(request.user || DEFAULT_USER, request.row, column, rows.length, rows[0].length)) {
      return [403, { error: 'protected' }];
    }
    stats.edits++;
    const range = sheet.getRange(request.row, column, rows.length, rows[0].length).setValues(rows);
    const trigger = world.editTrigger(ss.getId());
    if (trigger) {
      gas.onKaderEdit({ source: ss, range, authMode: 'FULL', triggerUid: trigger.getUniqueId(),
        value: rows.length === 1 && rows[0].length === 1 ? String(rows[0][0]) : undefined });
    }
    return [200, { ok: true, triggered: trigger !== null }];
  }

  function readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) { reject(new Error('too large')); req.destroy(); } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function send(res, status, body, type = 'application/json; charset=utf-8', headers = {}) {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    try {
      if (url.pathname === '/_standin/busy' && req.method === 'POST') {
        busy = JSON.parse(await readBody(req)).times || 0;
        return send(res, 200, '{"ok":true}');
      }
      if (url.pathname === '/_standin/stats') return send(res, 200, JSON.stringify(stats));
      if (url.pathname === '/_standin/spreadsheets' && req.method === 'POST') {
        const request = JSON.parse(await readBody(req));
        const ss = world.addSpreadsheet({ id: request.id, name: request.name, tabs: request.tabs || {} });
        return send(res, 200, JSON.stringify({ spreadsheet_id: ss.getId() }));
      }
      if (url.pathname === '/_standin/spreadsheet') {
        const ss = world.spreadsheets.get(url.searchParams.get('spreadsheet_id'));
        return ss ? send(res, 200, JSON.stringify(describe(world, ss))) : send(res, 404, '{"error":"unknown spreadsheet"}');
      }
      if (url.pathname === '/_standin/edit' && req.method === 'POST') {
        const [status, answer] = edit(JSON.parse(await readBody(req)));
        return send(res, status, JSON.stringify(answer));
      }
      const values = /^\/v4\/spreadsheets\/([^/]+)\/values\/(.+)$/.exec(url.pathname);
      if (values && req.method === 'GET') {
        stats.api_gets = (stats.api_gets || 0) + 1;
        const [status, answer] = valuesGet(world, decodeURIComponent(values[1]), decodeURIComponent(values[2]));
        return send(res, status, JSON.stringify(answer));
      }
      if (url.pathname === '/macros/echo') {
        if (req.method !== 'GET') { stats.echo_posts++; return send(res, 405, 'Page Not Found', 'text/html'); }
        const key = url.searchParams.get('user_content_key');
        const content = echoes.get(key);
        echoes.delete(key);
        return content === undefined ? send(res, 404, 'Not Found', 'text/html') : send(res, 200, content);
      }
      if (/^\/macros\/s\/[^/]+\/exec$/.test(url.pathname)) {
        if (req.method === 'GET') { stats.gets++; return send(res, 200, gas.doGet().getContent()); }
        if (req.method !== 'POST') return send(res, 405, 'Page Not Found', 'text/html');
        stats.posts++;
        const contents = await readBody(req);
        if (busy > 0) { busy--; return send(res, 200, BUSY_PAGE, 'text/html'); }
        const out = gas.doPost({ postData: { contents, length: contents.length, type: req.headers['content-type'],
          name: 'postData' } });
        const key = crypto.randomBytes(24).toString('base64url');
        echoes.set(key, out.getContent());
        const location = `http://${req.headers.host}/macros/echo?user_content_key=${key}`;
        return send(res, 302, '<html>Moved Temporarily</html>', 'text/html', { Location: location });
      }
      return send(res, 404, 'Not Found', 'text/html');
    } catch (err) {
      return send(res, 500, JSON.stringify({ error: String(err.message || err) }));
    }
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
  return server;
}

if (require.main === module) {
  const env = process.env;
  serve(env.TUMBUH_SECRET || '', Number(process.argv[2] || 0), env.TUMBUH_TABS ? JSON.parse(env.TUMBUH_TABS) : undefined, {
    editSecret: env.TUMBUH_EDIT_SECRET, editUrl: env.TUMBUH_EDIT_URL,
    spreadsheets: env.TUMBUH_SPREADSHEETS ? JSON.parse(env.TUMBUH_SPREADSHEETS) : undefined,
  });
}

module.exports = { serve };
