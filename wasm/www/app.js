// The page: starts the light client through the weft-light package (its Web Worker runs the
// wasm), shows what it learns, and exposes the state to scripts as window.weft.status() (same
// fields as `weft light start --json`).

import { nodeGenesis, nodeInfo, startLightClient } from './weft-light/index.js';

const params = new URLSearchParams(location.search);
const loadedAt = performance.now();
const state = {
  status: { head: 0, heights: [], peers: 0, bytes_downloaded: 0, grids: {}, banned: 0, counters: {}, problem: null, equivocation_height: null },
  error: null,
  firstAvailableMs: null,
};

window.weft = {
  status: () => state.status,
  get error() { return state.error; },
  get firstAvailableMs() { return state.firstAvailableMs; },
};

function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`bad duration ${text}`);
  return Math.round(parseFloat(m[1]) * (m[2] === 's' ? 1000 : 1));
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function render() {
  const s = state.status;
  document.getElementById('head').textContent = s.head || '–';
  document.getElementById('peers').textContent = `${s.peers}${s.banned ? ` (${s.banned} banned)` : ''}`;
  document.getElementById('bytes').textContent = formatBytes(s.bytes_downloaded || 0);
  document.getElementById('state').textContent = state.error ? `error: ${state.error}` : (s.problem || 'sampling');
  const rows = document.getElementById('rows');
  const shown = s.heights.slice(0, 16);
  const trs = [];
  shown.forEach((r, i) => {
    // Heights between two sampled ones (and above the newest, up to the head) held no blobs:
    // k = 0, nothing to sample. Said so, not left out without a word.
    const above = i === 0 ? (s.head || r.height) + 1 : shown[i - 1].height;
    if (above - r.height > 1) trs.push(emptyRow(r.height + 1, above - 1));
    const tr = document.createElement('tr');
    const cells = [r.height, r.k, `${r.verified}/${r.samples}`, r.failed, r.confidence.toFixed(6), r.verdict, r.ms];
    cells.forEach((value, j) => {
      const td = document.createElement('td');
      td.textContent = value;
      if (j === 5) td.className = `verdict ${r.verdict}`;
      tr.appendChild(td);
    });
    trs.push(tr);
  });
  rows.replaceChildren(...trs);
  drawGrid(s);
}

/// A row standing for heights `from`..`to` without blobs.
function emptyRow(from, to) {
  const tr = document.createElement('tr');
  tr.className = 'empty';
  const td = document.createElement('td');
  td.colSpan = 7;
  td.textContent = from === to
    ? `${from}: no blobs (k = 0), nothing to sample`
    : `${from}–${to}: no blobs (k = 0), nothing to sample`;
  tr.appendChild(td);
  return tr;
}

function drawGrid(s) {
  const latest = s.heights[0];
  const canvas = document.getElementById('grid');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!latest) return;
  document.getElementById('grid-height').textContent = latest.height;
  const rows = 2 * latest.k;
  const cw = canvas.width / 128;
  // Rows as tall as fit 512 px, at most 24 px: the canvas is sized to the square, so a k = 1
  // square is a 48 px band, not two strips at the top of an empty box.
  const ch = Math.min(512 / rows, 24);
  const height = Math.ceil(ch * rows);
  if (canvas.height !== height) canvas.height = height;
  ctx.fillStyle = '#eef0f4';
  ctx.fillRect(0, 0, canvas.width, ch * rows);
  ctx.fillStyle = '#dfe3ea';
  ctx.fillRect(0, ch * latest.k, canvas.width, 1);
  const colors = { verified: '#22a05a', failed: '#d6333b', pending: '#e3a21a' };
  for (const [row, col, cellState] of s.grids[latest.height] || []) {
    ctx.fillStyle = colors[cellState];
    ctx.fillRect(col * cw, row * ch, Math.max(cw - 0.5, 1), Math.max(ch - 0.5, 1));
  }
}

async function main() {
  // The page comes from this node, so it follows the producer key this node names, or on a
  // validator chain the genesis this node runs with.
  const info = await nodeInfo(location.origin);
  const genesis = info.chain_id ? await nodeGenesis(location.origin) : undefined;
  const key = document.getElementById('producer-key');
  if (genesis) {
    key.previousElementSibling.textContent = 'trusted validators';
    key.parentElement.title = 'Only headers certified by more than two thirds of these validators are followed; the genesis is the one this node runs with (GET /v1/genesis)';
    key.textContent = `${genesis.validators.length} of ${genesis.chain_id}`;
    key.title = genesis.validators.map((v) => v.p2p_key).join('\n');
  } else {
    key.textContent = `${info.producer_key.replace(/^0x/, '').slice(0, 12)}…`;
    key.title = info.producer_key;
  }
  const confidence = parseFloat(params.get('confidence') || '0.9999');
  document.getElementById('target').textContent = confidence;
  const client = await startLightClient({
    node: location.origin,
    producerKey: genesis ? undefined : info.producer_key,
    genesis,
    confidence,
    from: params.has('from') ? parseInt(params.get('from'), 10) : undefined,
    sampleTimeoutMs: parseDuration(params.get('timeout') || '30s'),
  });
  window.weft.client = client;
  const refresh = () => {
    state.status = client.status();
    state.error = client.error;
    if (state.firstAvailableMs === null && state.status.heights.some((h) => h.verdict === 'available')) {
      state.firstAvailableMs = performance.now() - loadedAt;
    }
    render();
  };
  client.subscribe(refresh);
  setInterval(refresh, 250);
}

main().catch((e) => { state.error = String(e.message || e); render(); });
