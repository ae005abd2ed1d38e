// The Web Worker of the weft-light package: runs the WebAssembly light client off the page's
// thread. Messages in: {type: 'start', config} once, {type: 'stop'}. Messages out:
// {type: 'started'}, {type: 'status', status} every STATUS_INTERVAL_MS, {type: 'height', record}
// for every change of a height's record, {type: 'error', message}, {type: 'stopped'}.

import init, { WeftClient } from './pkg/weft_wasm.js';

const STATUS_INTERVAL_MS = 250;
let client = null;
let starting = false;
let timer = null;

function fail(err) {
  self.postMessage({ type: 'error', message: String((err && err.message) || err) });
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'start' && !starting) {
    starting = true;
    try {
      await init();
      client = new WeftClient(message.config);
      client.subscribe((record) => self.postMessage({ type: 'height', record }));
    } catch (err) {
      fail(err);
      return;
    }
    self.postMessage({ type: 'started' });
    const post = () => {
      try {
        self.postMessage({ type: 'status', status: client.status() });
      } catch (err) {
        fail(err);
      }
    };
    post();
    timer = setInterval(post, STATUS_INTERVAL_MS);
  } else if (message.type === 'stop') {
    clearInterval(timer);
    try {
      if (client) await client.stop();
    } catch (err) {
      fail(err);
    }
    self.postMessage({ type: 'stopped' });
    self.close();
  }
};
