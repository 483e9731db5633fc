/**
 * Hand-written fakes of SpreadsheetApp (spreadsheets, sheets, ranges, protections, data validation, developer
 * metadata) and ScriptApp's triggers, for loading src/*.js under node:vm. Only helpers live here (harness.js uses them).
 *
 * What they model, because the bridge depends on it: a grid of getMaxRows() x getMaxColumns() outside which getRange
 * throws; strings written with setValues read like typed input ("=..." is a formula, "'..." is literal text,
 * "yyyy-mm-dd" is a date at midnight in the spreadsheet's time zone); formulas re-anchored by R1C1 notation; a
 * protection that mirrors the spreadsheet's editors until a script changes its list, and whose owner cannot be
 * removed; Sheets' refusal to delete every non-frozen row or to hide every tab; 20 triggers per user per script.
 * What they do not: formulas are stored, never computed (getValues returns the formula text); numbers typed as text
 * stay text; inserted rows copy no formatting.
 * Every data read or write is logged in world.calls ({op, sheet, a1}), so a test can count service calls.
 */
'use strict';

const crypto = require('node:crypto');

const OWNER = 'owner@tumbuh.test'; // the script's owner: the web app executes as this account, so it owns what it creates
const DEFAULT_ROWS = 1000; // a new tab's grid in Google Sheets
const DEFAULT_COLUMNS = 26;
const MAX_TRIGGERS = 20; // quotas page: triggers per user per script
const TOO_MANY_TRIGGERS = 'This script has too many triggers. Triggers must be deleted from the script before more can be added.';
const OUTSIDE_GRID = 'The coordinates of the range are outside the dimensions of the sheet.';

/** 1 -> A, 27 -> AA. */
function letter(n) {
  let out = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

function columnNumber(letters) {
  return [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
}

const isDate = (v) => Object.prototype.toString.call(v) === '[object Date]';
const isEmpty = (v) => v === '' || v === null || v === undefined;
const isFormula = (v) => typeof v === 'string' && v.charAt(0) === '=';

/** Milliseconds a time zone is ahead of UTC at instant t. */
function zoneOffsetMs(timeZone, t) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - t;
}

/** Midnight of a calendar day in a time zone, as Sheets stores a typed date. */
function midnightIn(timeZone, y, m, d) {
  const utc = Date.UTC(y, m - 1, d);
  return new Date(utc - zoneOffsetMs(timeZone, utc));
}

/** yyyy-MM-dd of an instant in a time zone (the only pattern the bridge formats with). */
function formatDate(date, timeZone, pattern) {
  if (pattern !== 'yyyy-MM-dd') throw new Error(`the fake formatDate knows only yyyy-MM-dd, not ${pattern}`);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** A value as a cell stores it after a script's setValues or a user's typing. */
function typed(value, timeZone) {
  if (isDate(value)) return new Date(value.getTime());
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (day) return midnightIn(timeZone, Number(day[1]), Number(day[2]), Number(day[3]));
  }
  return value; // "=..." stays a formula and "'..." literal text, as the raw entry Sheets keeps
}

/** What getValues gives for a stored cell: literal text without its apostrophe, a copy of a date. */
function shown(cell) {
  if (cell === undefined || cell === null) return '';
  if (isDate(cell)) return new Date(cell.getTime());
  if (typeof cell === 'string' && cell.charAt(0) === "'") return cell.slice(1);
  return cell;
}

// A cell reference outside quotes: not preceded by a letter, digit, _, $ or . (so LOG10( or Sheet1 are no cells).
const A1_REF = /(^|[^A-Za-z0-9_$.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(])/g;
const R1C1_REF = /R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+)/g;

/** Applies fn to the parts of a formula outside string literals. */
function outsideStrings(formula, fn) {
  return formula.split('"').map((part, i) => (i % 2 ? part : fn(part))).join('"');
}

/** A1 formula at (row, col) -> R1C1: relative parts as R[d]C[d], $-anchored ones as absolute numbers. */
function toR1C1(formula, row, col) {
  if (!isFormula(formula)) return '';
  return outsideStrings(formula, (s) => s.replace(A1_REF, (m, pre, colAbs, letters, rowAbs, digits) => {
    const c = columnNumber(letters);
    const r = Number(digits);
    return `${pre}R${rowAbs ? r : `[${r - row}]`}C${colAbs ? c : `[${c - col}]`}`;
  }));
}

/** R1C1 formula placed at (row, col) -> A1. */
function fromR1C1(formula, row, col) {
  if (!formula) return '';
  return outsideStrings(formula, (s) => s.replace(R1C1_REF, (m, r, c) => {
    const rel = (x) => x.charAt(0) === '[';
    const value = (x, base) => (rel(x) ? base + Number(x.slice(1, -1)) : Number(x));
    return `${rel(c) ? '' : '$'}${letter(value(c, col))}${rel(r) ? '' : '$'}${value(r, row)}`;
  }));
}

class FakeDataValidationBuilder {
  constructor() { this.rule = { criteria: null, values: [], allowInvalid: true, showDropdown: false }; }

  requireValueInList(values, showDropdown = true) {
    Object.assign(this.rule, { criteria: 'VALUE_IN_LIST', values: [values], showDropdown });
    return this;
  }

  requireNumberBetween(min, max) { Object.assign(this.rule, { criteria: 'NUMBER_BETWEEN', values: [min, max] }); return this; }

  requireDate() { Object.assign(this.rule, { criteria: 'DATE_IS_VALID_DATE', values: [] }); return this; }

  setAllowInvalid(allow) { this.rule.allowInvalid = allow; return this; }

  build() {
    if (!this.rule.criteria) throw new Error('Data validation rule has no criteria');
    const rule = { ...this.rule };
    return {
      ...rule,
      getCriteriaType: () => rule.criteria,
      getCriteriaValues: () => rule.values,
      getAllowInvalid: () => rule.allowInvalid,
    };
  }
}

class FakeProtection {
  constructor(sheet, type, range) {
    this.sheet = sheet;
    this.type = type;
    this.range = range;
    this.description = '';
    this.editors = null; // null: mirrors the spreadsheet's editors until a script changes the list (Range.protect docs)
    this.warningOnly = false;
    this.domainEdit = true;
    this.removed = false;
  }

  setDescription(d) { this.description = String(d); return this; }

  getDescription() { return this.description; }

  getProtectionType() { return this.type; }

  getRange() { return this.range || this.sheet.getRange(1, 1, this.sheet.maxRows, this.sheet.maxCols); }

  setRange(range) { this.range = range; return this; }

  editorEmails() { return [...(this.editors || this.sheet.ss.editors)]; }

  getEditors() { return this.editorEmails().map((email) => ({ getEmail: () => email })); }

  addEditor(email) { return this.addEditors([email]); }

  addEditors(emails) { this.editors = new Set([...this.editorEmails(), ...emails]); return this; }

  /** The spreadsheet's owner (also the script's user here) cannot be removed; Apps Script skips them silently. */
  removeEditors(users) {
    const gone = new Set(users.map((u) => (typeof u === 'string' ? u : u.getEmail())));
    gone.delete(this.sheet.ss.owner);
    this.editors = new Set(this.editorEmails().filter((e) => !gone.has(e)));
    return this;
  }

  canDomainEdit() { return this.domainEdit; }

  setDomainEdit(v) { this.domainEdit = v; return this; }

  isWarningOnly() { return this.warningOnly; }

  setWarningOnly(v) { this.warningOnly = v; return this; }

  canEdit() { return true; } // the script runs as the owner

  remove() { this.removed = true; }

  /** Whether `email` may change the cell (row, col): outside the range, a warning-only protection, or an editor. */
  allows(email, row, col) {
    const r = this.getRange();
    const inside = row >= r.row && row < r.row + r.nRows && col >= r.col && col < r.col + r.nCols;
    return !inside || this.warningOnly || this.editorEmails().includes(email);
  }
}

class FakeRange {
  constructor(sheet, row, col, nRows, nCols, a1) {
    Object.assign(this, { sheet, row, col, nRows, nCols });
    this.a1 = a1 || `${letter(col)}${row}${nRows === 1 && nCols === 1 ? '' : `:${letter(col + nCols - 1)}${row + nRows - 1}`}`;
  }

  log(op) { this.sheet.ss.world.calls.push({ op, sheet: this.sheet.name, a1: this.a1 }); }

  cells(fn) {
    return Array.from({ length: this.nRows }, (_, i) => Array.from({ length: this.nCols }, (_, j) => fn(this.row + i, this.col + j)));
  }

  checkShape(values) {
    if (!Array.isArray(values) || values.length !== this.nRows || values.some((r) => !Array.isArray(r) || r.length !== this.nCols)) {
      throw new Error(`The number of rows or columns in the data does not match the range (${this.a1})`);
    }
  }

  getRow() { return this.row; }

  getColumn() { return this.col; }

  getNumRows() { return this.nRows; }

  getNumColumns() { return this.nCols; }

  getLastRow() { return this.row + this.nRows - 1; }

  getLastColumn() { return this.col + this.nCols - 1; }

  getSheet() { return this.sheet; }

  getA1Notation() { return this.a1; }

  getValues() { this.log('getValues'); return this.cells((r, c) => shown(this.sheet.cell(r, c))); }

  getValue() { return this.getValues()[0][0]; }

  setValues(values) {
    this.log('setValues');
    this.checkShape(values);
    const tz = this.sheet.ss.timeZone;
    values.forEach((r, i) => r.forEach((v, j) => this.sheet.put(this.row + i, this.col + j, typed(v, tz))));
    return this;
  }

  setValue(value) {
    this.log('setValue');
    this.cells((r, c) => this.sheet.put(r, c, typed(value, this.sheet.ss.timeZone)));
    return this;
  }

  clearContent() { this.log('clearContent'); this.cells((r, c) => this.sheet.put(r, c, '')); return this; }

  getFormulas() { this.log('getFormulas'); return this.cells((r, c) => (isFormula(this.sheet.cell(r, c)) ? this.sheet.cell(r, c) : '')); }

  getFormulasR1C1() { this.log('getFormulasR1C1'); return this.cells((r, c) => toR1C1(this.sheet.cell(r, c), r, c)); }

  setFormulas(formulas) {
    this.log('setFormulas');
    this.checkShape(formulas);
    formulas.forEach((r, i) => r.forEach((f, j) => this.sheet.put(this.row + i, this.col + j, f || '')));
    return this;
  }

  setFormulasR1C1(formulas) {
    this.log('setFormulasR1C1');
    this.checkShape(formulas);
    formulas.forEach((r, i) => r.forEach((f, j) => this.sheet.put(this.row + i, this.col + j, fromR1C1(f, this.row + i, this.col + j))));
    return this;
  }

  setBackground(color) {
    this.log('setBackground');
    this.cells((r, c) => this.sheet.paint(r, c, color));
    return this;
  }

  getBackgrounds() { return this.cells((r, c) => this.sheet.background(r, c)); }

  setDataValidation(rule) { this.sheet.validations.set(this.a1, rule); return this; }

  protect() {
    const p = new FakeProtection(this.sheet, 'RANGE', this);
    this.sheet.protections.push(p);
    return p;
  }
}

class FakeSheet {
  constructor(ss, name) {
    Object.assign(this, { ss, name, data: [], bg: [], maxRows: DEFAULT_ROWS, maxCols: DEFAULT_COLUMNS, frozenRows: 0, frozenCols: 0 });
    this.hidden = new Set();
    this.validations = new Map(); // A1 of the range -> rule (setting a range again replaces its rule)
    this.protections = [];
    this.metadata = [];
    this.sheetHidden = false;
  }

  cell(r, c) { return (this.data[r - 1] || [])[c - 1]; }

  put(r, c, v) {
    while (this.data.length < r) this.data.push([]);
    const row = this.data[r - 1];
    while (row.length < c - 1) row.push('');
    row[c - 1] = v;
  }

  paint(r, c, color) {
    while (this.bg.length < r) this.bg.push([]);
    this.bg[r - 1][c - 1] = color || null;
  }

  background(r, c) { return (this.bg[r - 1] || [])[c - 1] || '#ffffff'; }

  getName() { return this.name; }

  getParent() { return this.ss; }

  getLastRow() {
    for (let r = this.data.length; r > 0; r--) if ((this.data[r - 1] || []).some((v) => !isEmpty(v))) return r;
    return 0;
  }

  getLastColumn() {
    return this.data.reduce((max, row) => {
      for (let c = row.length; c > max; c--) if (!isEmpty(row[c - 1])) return c;
      return max;
    }, 0);
  }

  getMaxRows() { return this.maxRows; }

  getMaxColumns() { return this.maxCols; }

  /** getRange(row, col[, nRows, nCols]) or getRange(a1): "B2", "A1:C1", "Q:T" (whole columns), "C2:C" (open end). */
  getRange(a, b, nRows = 1, nCols = 1) {
    if (typeof a === 'string') return this.rangeA1(a);
    if (![a, b, nRows, nCols].every(Number.isInteger) || a < 1 || b < 1 || nRows < 1 || nCols < 1) {
      throw new Error(`Invalid range (${a}, ${b}, ${nRows}, ${nCols})`);
    }
    if (a + nRows - 1 > this.maxRows || b + nCols - 1 > this.maxCols) throw new Error(OUTSIDE_GRID);
    return new FakeRange(this, a, b, nRows, nCols);
  }

  rangeA1(a1) {
    const m = /^([A-Z]+)(\d*)(?::([A-Z]+)(\d*))?$/.exec(a1);
    if (!m) throw new Error(`Range not found: ${a1}`);
    const col = columnNumber(m[1]);
    const row = m[2] ? Number(m[2]) : 1;
    const endCol = m[3] ? columnNumber(m[3]) : col;
    const endRow = m[3] ? (m[4] ? Number(m[4]) : this.maxRows) : (m[2] ? row : this.maxRows);
    if (endRow > this.maxRows || endCol > this.maxCols) throw new Error(OUTSIDE_GRID);
    return new FakeRange(this, row, col, endRow - row + 1, endCol - col + 1, a1);
  }

  insertRowsAfter(after, n) {
    if (after < this.data.length) {
      this.data.splice(after, 0, ...Array.from({ length: n }, () => []));
      this.bg.splice(Math.min(after, this.bg.length), 0, ...Array.from({ length: n }, () => []));
    }
    this.maxRows += n;
    return this;
  }

  insertColumnsAfter(after, n) {
    if (after < this.maxCols) this.data.forEach((row) => { if (row.length > after) row.splice(after, 0, ...Array(n).fill('')); });
    this.maxCols += n;
    return this;
  }

  deleteRow(row) { return this.deleteRows(row, 1); }

  deleteRows(row, n) {
    if (row < 1 || row + n - 1 > this.maxRows) throw new Error(OUTSIDE_GRID);
    if (this.maxRows - n <= this.frozenRows) throw new Error('Sorry, it is not possible to delete all non-frozen rows.');
    this.ss.world.calls.push({ op: 'deleteRows', sheet: this.name, a1: `${row}:${row + n - 1}` });
    this.data.splice(row - 1, n);
    this.bg.splice(row - 1, n);
    this.maxRows -= n;
    return this;
  }

  deleteColumns(col, n) {
    if (col < 1 || col + n - 1 > this.maxCols) throw new Error(OUTSIDE_GRID);
    if (n >= this.maxCols) throw new Error('Sorry, it is not possible to delete all non-frozen columns.');
    this.data.forEach((row) => row.splice(col - 1, n));
    this.maxCols -= n;
    return this;
  }

  hideColumns(col, n = 1) { for (let c = col; c < col + n; c++) this.hidden.add(c); }

  /** Sheets keeps one tab visible: hiding the last visible one throws. */
  hideSheet() {
    if (!this.ss.sheets.some((s) => s !== this && !s.sheetHidden)) throw new Error("You can't hide all the sheets in a document.");
    this.sheetHidden = true;
    return this;
  }

  showSheet() { this.sheetHidden = false; return this; }

  isSheetHidden() { return this.sheetHidden; }

  isColumnHiddenByUser(col) { return this.hidden.has(col); }

  setFrozenRows(n) { this.frozenRows = n; return this; }

  getFrozenRows() { return this.frozenRows; }

  setFrozenColumns(n) { this.frozenCols = n; return this; }

  getFrozenColumns() { return this.frozenCols; }

  getProtections(type) { return this.protections.filter((p) => !p.removed && p.type === type); }

  protect() {
    const p = new FakeProtection(this, 'SHEET', null);
    this.protections.push(p);
    return p;
  }

  getDeveloperMetadata() { return this.metadata.slice(); }

  addDeveloperMetadata(key, value) {
    const entry = { key, value: String(value) };
    this.metadata.push({
      getKey: () => entry.key,
      getValue: () => entry.value,
      setValue(v) { entry.value = String(v); return this; },
    });
    return this;
  }

  /** A kader typing into the Sheet: refused (false) where a protection or missing share stops that user. */
  userMayEdit(email, row, col, nRows, nCols) {
    if (!this.ss.editors.has(email)) return false;
    const live = this.protections.filter((p) => !p.removed);
    for (let r = row; r < row + nRows; r++) {
      for (let c = col; c < col + nCols; c++) if (!live.every((p) => p.allows(email, r, c))) return false;
    }
    return true;
  }

  /** Plain rows of what getValues would show, for assertions (formulas as their text, dates as yyyy-mm-dd). */
  dump() {
    return this.data.map((row) => row.map((v) => (isDate(v) ? formatDate(v, this.ss.timeZone, 'yyyy-MM-dd') : shown(v))));
  }
}

class FakeSpreadsheet {
  constructor(world, id, name) {
    Object.assign(this, { world, id, name, owner: world.owner, timeZone: 'Etc/GMT', locale: 'en_US' });
    this.sheets = [];
    this.editors = new Set([world.owner]);
  }

  getId() { return this.id; }

  getName() { return this.name; }

  getUrl() { return `https://docs.google.com/spreadsheets/d/${this.id}/edit`; }

  getSheets() { return this.sheets.slice(); }

  getSheetByName(name) { return this.sheets.find((s) => s.name === name) || null; }

  insertSheet(name) {
    if (this.getSheetByName(name)) throw new Error(`A sheet with the name "${name}" already exists. Please enter another name.`);
    const sheet = new FakeSheet(this, name);
    this.sheets.push(sheet);
    return sheet;
  }

  deleteSheet(sheet) {
    if (this.sheets.length === 1) throw new Error("You can't remove all the sheets in a document.");
    this.sheets = this.sheets.filter((s) => s !== sheet);
  }

  getSpreadsheetTimeZone() { return this.timeZone; }

  setSpreadsheetTimeZone(tz) { this.timeZone = tz; return this; }

  getSpreadsheetLocale() { return this.locale; }

  setSpreadsheetLocale(locale) { this.locale = locale; return this; }

  addEditor(email) { return this.addEditors([email]); }

  addEditors(emails) { emails.forEach((e) => this.editors.add(e)); return this; }

  getEditors() { return [...this.editors].map((email) => ({ getEmail: () => email })); }
}

/**
 * A world of spreadsheets and the script's triggers, with the SpreadsheetApp and ScriptApp that see it.
 * addSpreadsheet({id, name, tabs: {tab: [header...]}, timeZone}) puts one in place, as if someone had made it.
 */
function makeSheetsWorld({ owner = OWNER } = {}) {
  const world = { owner, spreadsheets: new Map(), triggers: [], calls: [] };

  function newId() {
    return crypto.randomBytes(33).toString('base64url'); // 44 characters of [A-Za-z0-9_-], like a Drive file id
  }

  world.addSpreadsheet = ({ id = newId(), name = 'Tumbuh (test)', tabs = {}, timeZone = 'Asia/Jakarta' } = {}) => {
    const ss = new FakeSpreadsheet(world, id, name);
    ss.timeZone = timeZone;
    for (const [tab, header] of Object.entries(tabs)) {
      const sheet = ss.insertSheet(tab);
      if (header && header.length) header.forEach((h, j) => sheet.put(1, j + 1, h));
    }
    world.spreadsheets.set(id, ss);
    return ss;
  };

  world.SpreadsheetApp = {
    ProtectionType: { RANGE: 'RANGE', SHEET: 'SHEET' },
    DataValidationCriteria: { VALUE_IN_LIST: 'VALUE_IN_LIST', NUMBER_BETWEEN: 'NUMBER_BETWEEN', DATE_IS_VALID_DATE: 'DATE_IS_VALID_DATE' },
    // A standalone script has no active spreadsheet.
    getActiveSpreadsheet: () => null,
    getActive: () => null,
    openById(id) {
      const ss = world.spreadsheets.get(id);
      // Apps Script's wording for an id that does not exist or is not shared with the user.
      if (!ss) throw new Error('Unexpected error while getting the method or property openById on object SpreadsheetApp.');
      return ss;
    },
    create(name) {
      const ss = world.addSpreadsheet({ name, timeZone: 'America/Los_Angeles' }); // the account's zone, not Jakarta
      ss.insertSheet('Sheet1');
      return ss;
    },
    newDataValidation: () => new FakeDataValidationBuilder(),
  };

  world.ScriptApp = {
    EventType: { ON_EDIT: 'ON_EDIT' },
    TriggerSource: { SPREADSHEETS: 'SPREADSHEETS' },
    getProjectTriggers: () => world.triggers.slice(),
    deleteTrigger(t) { world.triggers = world.triggers.filter((x) => x !== t); },
    newTrigger(handler) {
      return {
        forSpreadsheet(key) {
          const sourceId = typeof key === 'string' ? key : key.getId();
          return {
            onEdit() {
              return {
                create() {
                  if (world.triggers.length >= MAX_TRIGGERS) throw new Error(TOO_MANY_TRIGGERS);
                  const uid = String(world.triggers.length + 1000);
                  const trigger = {
                    getHandlerFunction: () => handler,
                    getTriggerSourceId: () => sourceId,
                    getEventType: () => 'ON_EDIT',
                    getTriggerSource: () => 'SPREADSHEETS',
                    getUniqueId: () => uid,
                  };
                  world.triggers.push(trigger);
                  return trigger;
                },
              };
            },
          };
        },
      };
    },
  };

  /** The installable onEdit trigger of a spreadsheet, or null: what decides whether an edit reaches the script. */
  world.editTrigger = (spreadsheetId) => world.triggers.find((t) => t.getTriggerSourceId() === spreadsheetId) || null;

  return world;
}

module.exports = { makeSheetsWorld, formatDate, toR1C1, fromR1C1, letter, OWNER, MAX_TRIGGERS };
