// What the bench compares: the upstream called directly, switchyard, and the references. Each
// proxy starts fresh for each run, pinned to core 0; `direct` has no process of its own.
import { nginxPath, startNginx } from './proxies/nginx.js'
import { PROXY_CORE } from './lib/cores.js'
import { startNode, type Started } from './lib/spawn.js'

export interface Candidate {
  name: string
  /** null for `direct`: the load goes straight to the upstream's first listener. */
  start: ((upstream: Started, nodeFlags?: readonly string[]) => Promise<Started>) | null
}

// The references proxy to the upstream's first listener; switchyard's green gets the second.
const node = (script: string) => (upstream: Started, nodeFlags: readonly string[] = []) =>
  startNode(script, { core: PROXY_CORE, args: ['--upstream', upstream.urls[0], '--green', upstream.urls[1] ?? upstream.urls[0]], nodeFlags })

export const DIRECT: Candidate = { name: 'direct', start: null }
export const SWITCHYARD: Candidate = { name: 'switchyard', start: node('proxies/switchyard.ts') }
export const NODE_FLOOR: Candidate = { name: 'node-floor', start: node('proxies/node-floor.ts') }
export const FASTIFY_HTTP_PROXY: Candidate = { name: 'fastify-http-proxy', start: node('proxies/fastify-http-proxy.ts') }

/** Every candidate this machine can run, in the order the runs interleave. */
export function allCandidates (): Candidate[] {
  const list = [DIRECT, SWITCHYARD, NODE_FLOOR, FASTIFY_HTTP_PROXY]
  // Before/after in one run: BENCH_BASELINE names another checkout (e.g. a `git worktree` of the
  // previous commit, with node_modules linked) whose switchyard runs as `switchyard-baseline`.
  const baseline = process.env.BENCH_BASELINE
  if (baseline !== undefined && baseline !== '') list.splice(2, 0, { name: 'switchyard-baseline', start: node(`${baseline.replace(/\/$/, '')}/bench/proxies/switchyard.ts`) })
  // Node flags to try on switchyard (e.g. a smaller young generation): one more candidate per
  // set, ';' between sets, named after its flags.
  for (const flags of (process.env.BENCH_SWITCHYARD_FLAGS ?? '').split(';').filter((f) => f !== '')) {
    const start = node('proxies/switchyard.ts')
    list.splice(2, 0, { name: `switchyard ${flags}`, start: (upstream) => start(upstream, flags.split(' ')) })
  }
  const nginx = nginxPath()
  if (nginx !== null) list.push({ name: 'nginx', start: (upstream) => startNginx(nginx, upstream.url, PROXY_CORE) })
  return list
}
