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

// Scope -> a call that needs it (the Authorization sections of the reference pages). Spreadsheet.addEditors, which
// setup uses to share a posyandu's spreadsheet, needs only the spreadsheets scope, so no Drive scope is asked for.
const SCOPES = {
  'https://www.googleapis.com/auth/spreadsheets': 'SpreadsheetApp.openById', // and create: any spreadsheet, not one bound
  'https://www.googleapis.com/auth/script.scriptapp': 'ScriptApp.newTrigger', // installing the kader-edit trigger
  'https://www.googleapis.com/auth/script.external_request': 'UrlFetchApp.fetch', // the trigger's POST to Tumbuh
};

test('the manifest asks for exactly the scopes the code uses, each for a call that is there', () => {
  assert.deepEqual([...manifest.oauthScopes].sort(), Object.keys(SCOPES).sort());
  for (const [scope, call] of Object.entries(SCOPES)) assert.ok(sources.includes(call), `${scope} is granted but ${call} is not used`);
});

test('no source calls a service whose scope the manifest leaves out', () => {
  // DriveApp needs a Drive scope, Gmail and Mail their own, and the user's email address needs userinfo.email.
  for (const service of ['DriveApp', 'GmailApp', 'MailApp', 'CalendarApp', 'DocumentApp', 'FormApp',
    'Session.getActiveUser', 'Session.getEffectiveUser']) {
    assert.ok(!sources.includes(service), `${service} is used but its scope is not granted`);
  }
});

test('the web app runs as the deployer and answers anonymous callers (the signature is the gate)', () => {
  assert.deepEqual(manifest.webapp, { executeAs: 'USER_DEPLOYING', access: 'ANYONE_ANONYMOUS' });
});
