// The Web Worker: runs the Weft light client (wasm) off the page's thread and posts its state
// to the page four times a second.

import init, { WeftClient } from './pkg/weft_wasm.js';

const STATUS_INTERVAL_MS = 250;
let client = null;

self.onmessage = async (event) => {
  if (event.data.type !== 'start' || client) return;
  try {
    await init();
    client = new WeftClient(event.data.config);
  } catch (err) {
    self.postMessage({ type: 'error', message: String((err && err.message) || err) });
    return;
  }
  setInterval(() => {
    try {
      self.postMessage({ type: 'status', status: client.status() });
    } catch (err) {
      self.postMessage({ type: 'error', message: String((err && err.message) || err) });
    }
  }, STATUS_INTERVAL_MS);
};
