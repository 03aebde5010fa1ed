// The HTTP side of bench/commits.ts, run in a worker thread so that generating the load does not share the
// servers' event loop (it still shares the machine's two cores). Each simulated learner has its own keep-alive
// connection, as each browser would, and posts its commits one after the other with a growing commitSequence, as
// the runtime page does; every answer must be exactly the success the runtime expects.
//
// The connections are opened (GET /health on each) before any commit is sent, as the learners' runtime pages are
// open before they commit. Opening them under full load measures something else: Node accepts one pending
// connection per event-loop turn, and a saturated server turns slowly, so learners that connect late wait minutes.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { closedLoops, type ClosedLoopResult } from './closed-loop.js';
import { ACCEPTED, commitBody, suspendDataFor } from './commit-payload.js';

export interface CommitLoadInput {
  /** The content origin, e.g. http://127.0.0.1:41234. */
  origin: string;
  /** One runtime token per learner. */
  tokens: string[];
  warmupMs: number;
  durationMs: number;
}

function send(agent: Agent, url: URL, method: 'GET' | 'POST', path: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        agent,
        headers: method === 'POST' ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run({ origin, tokens, warmupMs, durationMs }: CommitLoadInput): Promise<ClosedLoopResult> {
  const url = new URL(origin);
  const agents = tokens.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const suspendData = tokens.map((_, learner) => suspendDataFor(learner));
  try {
    await Promise.all(
      agents.map(async (agent) => {
        const { status } = await send(agent, url, 'GET', '/health');
        if (status !== 200) throw new Error(`GET /health answered ${status}`);
      }),
    );
    return await closedLoops({ loops: tokens.length, warmupMs, durationMs, firstSequence: tokens.map(() => 1) }, async (learner, n) => {
      const { status, text } = await send(agents[learner]!, url, 'POST', `/r/${tokens[learner]}/commit`, JSON.stringify(commitBody(n, suspendData[learner]!)));
      return status === 200 && text === ACCEPTED ? null : `HTTP ${status} ${text.slice(0, 200)}`;
    });
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

if (parentPort) {
  const result = await run(workerData as CommitLoadInput);
  parentPort.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
}
