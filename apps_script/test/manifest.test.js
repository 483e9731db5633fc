/** The manifest grants only what the code uses (src/appsscript.json). */
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const SRC_DIR = path.join(__dirname, '..', 'src');
const manifest = JSON.parse(fs.readFileSync(path.join(SRC_DIR, 'appsscript.json'), 'utf8'));
const sources = fs.readdirSync(SRC_DIR).filter((n) => /\.(gs|js)$/.test(n))
  .map((n) => fs.readFileSync(path.join(SRC_DIR, n), 'utf8')).join('\n');

test('the only OAuth scope is the bound spreadsheet', () => {
  assert.deepEqual(manifest.oauthScopes, ['https://www.googleapis.com/auth/spreadsheets.currentonly']);
});

test('no source calls a service whose scope the manifest leaves out', () => {
  // UrlFetchApp needs script.external_request; the others need wider Drive or Sheets scopes.
  for (const service of ['UrlFetchApp', 'DriveApp', 'GmailApp', 'MailApp', 'SpreadsheetApp.openById', 'SpreadsheetApp.openByUrl']) {
    assert.ok(!sources.includes(service), `${service} is used but its scope is not granted`);
  }
});

test('the web app runs as the deployer and answers anonymous callers (the signature is the gate)', () => {
  assert.deepEqual(manifest.webapp, { executeAs: 'USER_DEPLOYING', access: 'ANYONE_ANONYMOUS' });
});
