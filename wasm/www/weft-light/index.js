// weft-light: Weft's browser light client as an ES module. startLightClient() starts the
// WebAssembly client in a Web Worker (worker.js) and hands back a LightClient whose status()
// has the same fields as the node page's window.weft.status() and `weft light start --json`.

/** Confidence a height must reach to be called available, by default. */
export const DEFAULT_CONFIDENCE = 0.9999;
/** Time allowed for the worker to load the WebAssembly and start, by default (ms). */
export const DEFAULT_START_TIMEOUT_MS = 30000;
/** Heights below a node's head sampled first when neither `from` nor `window` is given. */
const RECENT_HEIGHTS = 16;

/** Time allowed for `GET /v1/node/info`, by default (ms). */
const NODE_INFO_TIMEOUT_MS = 10000;
/** Time `stop()` waits for the worker to stop the client before ending it anyway (ms). */
const STOP_TIMEOUT_MS = 5000;

const EMPTY_STATUS = Object.freeze({
  head: 0, heights: [], peers: 0, bytes_downloaded: 0, grids: {}, banned: 0,
  counters: Object.freeze({
    samples_drawn: 0, samples_verified: 0, samples_failed: 0,
    heights_available: 0, heights_unavailable: 0, heights_pruned: 0,
  }),
  problem: null, equivocation_height: null,
});

/** `GET {url}/v1/node/info` of a Weft node, within `timeoutMs`. */
export async function nodeInfo(url, timeoutMs = NODE_INFO_TIMEOUT_MS) {
  const base = String(url).replace(/\/+$/, '');
  let answer;
  try {
    answer = await fetch(`${base}/v1/node/info`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`cannot reach ${base}: ${(err && err.message) || err}`);
  }
  if (!answer.ok) throw new Error(`${base}/v1/node/info answered ${answer.status}`);
  return answer.json();
}

/** `GET {url}/v1/genesis` of a Weft node on a validator chain, within `timeoutMs`. */
export async function nodeGenesis(url, timeoutMs = NODE_INFO_TIMEOUT_MS) {
  const base = String(url).replace(/\/+$/, '');
  let answer;
  try {
    answer = await fetch(`${base}/v1/genesis`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`cannot reach ${base}: ${(err && err.message) || err}`);
  }
  if (!answer.ok) throw new Error(`${base}/v1/genesis answered ${answer.status}`);
  return answer.json();
}

function checkOptions(options) {
  if (!options || typeof options !== 'object') throw new TypeError('startLightClient: options object required');
  const genesis = options.genesis;
  if ((genesis === undefined) === (options.producerKey === undefined)) {
    throw new TypeError('give producerKey (a single producer\'s chain) or genesis (a validator chain\'s), not both');
  }
  const key = genesis === undefined ? String(options.producerKey || '').replace(/^0x/, '') : undefined;
  if (key !== undefined && !/^[0-9a-fA-F]{64}$/.test(key)) {
    throw new TypeError('producerKey: the trusted producer key, 64 hex characters (`weft node info` on a node you trust)');
  }
  if (genesis !== undefined && !(genesis && typeof genesis.chain_id === 'string' && Array.isArray(genesis.validators))) {
    throw new TypeError('genesis: {chain_id, validators: [...]}, the chain\'s genesis as GET /v1/genesis answers it (from a source you trust)');
  }
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence: ${confidence} is not in (0, 1)`);
  if (!options.node && !(Array.isArray(options.bootstrap) && options.bootstrap.length)) {
    throw new TypeError('node (a node URL) or bootstrap (multiaddrs) is required');
  }
  return { key, genesis, confidence };
}

/** A running light client; see index.d.ts. */
export class LightClient {
  #worker;
  #status = EMPTY_STATUS;
  #error = null;
  #listeners = new Set();
  #stopped = null;

  constructor(worker) {
    this.#worker = worker;
  }

  /** The newest snapshot (refreshed four times a second). */
  status() {
    return this.#status;
  }

  /** The last error the worker reported, or null. */
  get error() {
    return this.#error;
  }

  /** Calls `callback(record)` on every change of a height's record; returns an unsubscribe. */
  subscribe(callback) {
    if (typeof callback !== 'function') throw new TypeError('subscribe: a function is required');
    if (this.#stopped) throw new Error('subscribe: the client was stopped');
    this.#listeners.add(callback);
    return () => this.#listeners.delete(callback);
  }

  /** Stops sampling and ends the worker; no callback is called after it resolves. */
  stop() {
    if (!this.#stopped) {
      this.#listeners.clear();
      this.#stopped = new Promise((resolve) => {
        let timer = null;
        const done = () => {
          clearTimeout(timer);
          this.#worker.terminate();
          resolve();
        };
        timer = setTimeout(done, STOP_TIMEOUT_MS);
        this.#worker.onmessage = (e) => { if (e.data.type === 'stopped') done(); };
        this.#worker.onerror = done;
        this.#worker.postMessage({ type: 'stop' });
      });
    }
    return this.#stopped;
  }

  /** @internal */
  handle(message) {
    if (message.type === 'status') {
      this.#status = message.status;
    } else if (message.type === 'height') {
      for (const listener of this.#listeners) {
        try { listener(message.record); } catch (err) { console.error('weft-light subscriber:', err); }
      }
    } else if (message.type === 'error') {
      this.#error = message.message;
    }
  }
}

/**
 * Starts a light client in a Web Worker. Resolves once the WebAssembly has loaded and the
 * client has started; rejects with the reason otherwise (bad options, a node that cannot be
 * reached, the worker failing to load).
 */
export async function startLightClient(options) {
  const { key, genesis, confidence } = checkOptions(options);
  let bootstrap = options.bootstrap;
  let from = options.from;
  const limit = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (options.node) {
    const info = await nodeInfo(options.node, limit);
    if (!info.ws_addr) throw new Error(`${options.node} has no WebSocket listener for browsers`);
    bootstrap = [info.ws_addr, ...(options.bootstrap || [])];
    if (from === undefined) from = Math.max(1, info.head - (options.window ?? RECENT_HEIGHTS));
  }
  const config = {
    bootstrap,
    producer_key: key,
    genesis,
    confidence,
    from,
    window: options.window,
    sample_timeout_ms: options.sampleTimeoutMs,
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'weft-light' });
  const client = new LightClient(worker);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error(`the light client did not start within ${limit} ms`));
    }, limit);
    worker.onerror = (event) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(`the light-client worker failed: ${event.message || 'could not load'}`));
    };
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === 'started') {
        clearTimeout(timer);
        worker.onmessage = (e) => client.handle(e.data);
        worker.onerror = (e) => client.handle({ type: 'error', message: e.message || 'worker failed' });
        resolve();
      } else if (message.type === 'error') {
        clearTimeout(timer);
        worker.terminate();
        reject(new Error(message.message));
      }
    };
    worker.postMessage({ type: 'start', config });
  });
  return client;
}
