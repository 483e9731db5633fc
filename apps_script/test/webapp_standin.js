/**
 * The real src/*.js served over HTTP the way Google serves a deployed web app, for the Python adapter's contract
 * tests (and later the Sheet benchmarks): POST /macros/s/<id>/exec runs doPost during that request and answers
 * 302 to a one-time URL at /macros/echo, which must be fetched with GET (a POST there gets 405, as at
 * script.googleusercontent.com); GET .../exec runs doGet. Google services are the harness's fakes.
 *
 * Usage: TUMBUH_SECRET=... [TUMBUH_TABS='{"Pengukuran": ["tumbuh_id", ...]}'] node apps_script/test/webapp_standin.js
 * [port]   (prints "listening <port>" when ready)
 * Control, for tests: POST /_standin/busy {"times": n} makes the next n POSTs answer 200 with Apps Script's
 * "Service invoked too many times" page; GET /_standin/stats counts the requests seen.
 */
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');

const { loadGas, makeFakes } = require('./harness');

const BUSY_PAGE = '<html><body>Service invoked too many times in a short time: exec qps. Try Utilities.sleep(1000) '
  + 'between calls.</body></html>';
const MAX_BODY_BYTES = 50 * 1024 * 1024; // UrlFetch and web-app payloads stop at 50 MB

function serve(secret, port, tabs) {
  const gas = loadGas(makeFakes({ secret, tabs }));
  const echoes = new Map(); // one-time key -> JSON text
  const stats = { posts: 0, gets: 0, echo_posts: 0 };
  let busy = 0;

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
  // TUMBUH_TABS: {"<tab>": [header names]}, the tabs the spreadsheet has (without it, any tab exists, empty).
  serve(process.env.TUMBUH_SECRET || '', Number(process.argv[2] || 0),
    process.env.TUMBUH_TABS ? JSON.parse(process.env.TUMBUH_TABS) : undefined);
}

module.exports = { serve };
