// Sends a colour's smoke requests to its upstream, one after another, and reports each verdict.
// The requests go straight to the upstream's pool: they are not live traffic, so the guard, the
// metrics and the canary never see them.
import type { Colour } from '../colour.js'
import { isTimeout, readCapped } from '../upstreams/answer.js'
import type { Upstream } from '../upstreams/upstream.js'
import type { SmokeRequest } from './config.js'
import { judgeAnswer } from './judge.js'

export interface SmokeResult {
  name: string
  ok: boolean
  /** The answer's status, or null when none came (timeout, connection refused). */
  status: number | null
  latencyMs: number
  /** What was wrong, in words; null when ok. */
  problem: string | null
}

export interface SmokeReport {
  colour: Colour
  ok: boolean
  total: number
  passed: number
  failed: number
  at: string
  results: SmokeResult[]
}

/** Answers longer than this are cut short: a smoke request checks a few rows, not a batch. */
const ANSWER_LIMIT = 1024 * 1024

export async function runSmoke (colour: Colour, upstream: Upstream, requests: readonly SmokeRequest[]): Promise<SmokeReport> {
  const at = new Date().toISOString()
  const results: SmokeResult[] = []
  for (const request of requests) results.push(await send(upstream, request))
  const passed = results.filter((r) => r.ok).length
  return { colour, ok: passed === results.length, total: results.length, passed, failed: results.length - passed, at, results }
}

/** The failures in one line, for an error message: `"setosa": expected status 200, got 500; ...`. */
export function failureSummary (report: SmokeReport): string {
  return report.results.filter((r) => !r.ok).map((r) => `${JSON.stringify(r.name)}: ${String(r.problem)}`).join('; ')
}

async function send (upstream: Upstream, request: SmokeRequest): Promise<SmokeResult> {
  const started = performance.now()
  const done = (status: number | null, problem: string | null): SmokeResult =>
    ({ name: request.name, ok: problem === null, status, latencyMs: Math.round((performance.now() - started) * 100) / 100, problem })
  try {
    const res = await upstream.pool.request({
      method: request.method,
      path: upstream.basePath + request.path,
      headers: request.method === 'GET' ? { accept: 'application/json' } : { 'content-type': request.contentType, accept: 'application/json' },
      body: request.method === 'GET' ? null : request.body,
      headersTimeout: request.timeout,
      bodyTimeout: request.timeout,
      signal: AbortSignal.timeout(request.timeout)
    })
    const body = await readCapped(res.body, ANSWER_LIMIT)
    return done(res.statusCode, judgeAnswer(request.expect, res.statusCode, body))
  } catch (err) {
    const e = err as Error & { code?: string }
    return done(null, isTimeout(e) ? `no answer in ${request.timeout} ms` : `request failed: ${e.code ?? e.message}`)
  }
}
