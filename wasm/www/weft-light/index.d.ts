// Types of the weft-light package. Field names of Status and HeightRecord are Weft's public
// interface: the same as the node page's window.weft.status() and `weft light start --json`.

/** Confidence a height must reach to be called available, by default (0.9999). */
export declare const DEFAULT_CONFIDENCE: number;
/** Time allowed for the worker to load the WebAssembly and start, by default (30000 ms). */
export declare const DEFAULT_START_TIMEOUT_MS: number;

/** Options of {@link startLightClient}. Give `node`, `bootstrap`, or both. */
export interface LightClientOptions {
  /** A Weft node's HTTP URL (`http://host:7580`): its WebSocket address is read from `/v1/node/info`. */
  node?: string;
  /** Multiaddrs of full nodes' WebSocket listeners (`/ip4/…/tcp/…/ws/p2p/…`) to dial. */
  bootstrap?: string[];
  /** A single producer's chain: the trusted producer key, 64 hex characters; headers signed by any other key are refused. Give this or `genesis`. */
  producerKey?: string;
  /** A validator chain: its genesis (as `GET /v1/genesis` answers it; take it from a source you trust); a header is accepted only with a certificate of more than two thirds of its validators, checked in the worker with blst. Give this or `producerKey`. */
  genesis?: Genesis;
  /** Target confidence per height, in (0, 1); default {@link DEFAULT_CONFIDENCE}. */
  confidence?: number;
  /** First height to sample; default the node's head − 16 (with `node`), else the newest seen. */
  from?: number;
  /** With `node` and no `from`: start this many heights below the node's head (default 16). */
  window?: number;
  /** Time allowed to sample one height before it is called unavailable, in ms (default 30000). */
  sampleTimeoutMs?: number;
  /** Time allowed to read the node's info and for the worker to start, in ms; default {@link DEFAULT_START_TIMEOUT_MS}. */
  startTimeoutMs?: number;
}

/** The outcome of one height. */
export type Verdict = 'available' | 'unavailable' | 'sampling' | 'pruned';

/** Sampling results of one height. */
export interface HeightRecord {
  /** Block height. */
  height: number;
  /** Original rows of its square (the extended square has 2k rows of 128 cells). */
  k: number;
  /** Samples drawn. */
  samples: number;
  /** Samples whose KZG proof verified against the signed header. */
  verified: number;
  /** Cells that failed verification (a peer served bad data). */
  failed: number;
  /** Distinct peers asked. */
  peers: number;
  /** Confidence reached with the verified samples, in [0, 1]. */
  confidence: number;
  /** The outcome. */
  verdict: Verdict;
  /** Milliseconds from the header's arrival to the verdict (or so far). */
  ms: number;
}

/** Running totals. */
export interface Counters {
  samples_drawn: number;
  samples_verified: number;
  samples_failed: number;
  heights_available: number;
  heights_unavailable: number;
  heights_pruned: number;
}

/** A snapshot of the client. */
export interface Status {
  /** Newest verified header's height. */
  head: number;
  /** Recent heights, newest first (at most 32). */
  heights: HeightRecord[];
  /** Connected full nodes. */
  peers: number;
  /** Cell and proof bytes downloaded. */
  bytes_downloaded: number;
  /** Sampled positions per recent height: `[row, col, state]`, keyed by height. */
  grids: Record<string, Array<[number, number, 'pending' | 'verified' | 'failed']>>;
  /** Peers banned for serving bad data. */
  banned: number;
  counters: Counters;
  /** What keeps the client from sampling, in words, or null. */
  problem: string | null;
  /** The height at which the producer signed two different headers, once one is known. */
  equivocation_height: number | null;
}

/** A validator chain's genesis, as `GET /v1/genesis` answers it (PROTOCOL §12). */
export interface Genesis {
  chain_id: string;
  validators: {
    /** BLS12-381 G1, 48 bytes hex. */
    consensus_key: string;
    /** BLS12-381 G2, 96 bytes hex. */
    proof_of_possession: string;
    /** Ed25519, 32 bytes hex: the key its headers are signed with. */
    p2p_key: string;
    /** host:port of its consensus network. */
    address: string;
  }[];
}

/** `GET {url}/v1/genesis` of a node on a validator chain (rejects on a single producer's chain). */
export declare function nodeGenesis(url: string, timeoutMs?: number): Promise<Genesis>;

/** What `GET /v1/node/info` answers (the fields the package reads; see docs/openapi.yaml). */
export interface NodeInfo {
  peer_id: string;
  producer_key: string;
  head: number;
  /** On a validator chain: its id. */
  chain_id?: string;
  /** On a validator chain: how many validators. */
  validators?: number;
  ws_addr?: string;
  [field: string]: unknown;
}

/** A running light client. */
export declare class LightClient {
  private constructor();
  /** The newest snapshot (refreshed four times a second). */
  status(): Status;
  /** The last error the worker reported, or null. */
  readonly error: string | null;
  /** Calls `callback` on every change of a height's record; returns a function that unsubscribes. Throws after `stop()`. */
  subscribe(callback: (record: HeightRecord) => void): () => void;
  /** Stops sampling and ends the worker; no callback is called after it resolves. */
  stop(): Promise<void>;
}

/**
 * Starts a light client in a Web Worker; resolves once it runs. Rejects with a TypeError or
 * RangeError for bad options, an Error when the node cannot be reached or the worker fails.
 */
export declare function startLightClient(options: LightClientOptions): Promise<LightClient>;

/** `GET {url}/v1/node/info` of a Weft node, within `timeoutMs` (default 10000). */
export declare function nodeInfo(url: string, timeoutMs?: number): Promise<NodeInfo>;
