// Rules that tie two settings together. They see only values that passed their own checks, so a
// rule whose inputs are missing stays quiet rather than adding a second, confusing problem.
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { configSources, duplicateProblems, fileSource, readTokensFile } from '../admin/tokens.js'
import type { AdminToken } from './schema.js'
import type { Problem } from './problems.js'

type Values = ReadonlyMap<string, unknown>

export function checkRules (values: Values): Problem[] {
  const problems: Problem[] = []

  const blue = values.get('upstreams.blue.url')
  const green = values.get('upstreams.green.url')
  // Both colours on one origin would make every switch a no-op and every rollback a lie.
  if (blue !== undefined && blue === green) {
    problems.push({ key: 'upstreams.green.url', text: 'upstreams.green.url: must differ from upstreams.blue.url' })
  }

  const interval = values.get('health.interval')
  const timeout = values.get('health.timeout')
  // A probe still running when the next one starts would pile up on a slow upstream.
  if (typeof interval === 'number' && typeof timeout === 'number' && timeout >= interval) {
    problems.push({
      key: 'health.timeout',
      text: `health.timeout: must be less than health.interval (got ${timeout} ms, interval ${interval} ms)`
    })
  }

  const headersTimeout = values.get('listen.headersTimeout')
  const requestTimeout = values.get('listen.requestTimeout')
  // Node refuses a server whose headers may take longer than the whole request.
  if (typeof headersTimeout === 'number' && typeof requestTimeout === 'number' && headersTimeout > requestTimeout) {
    problems.push({
      key: 'listen.requestTimeout',
      text: `listen.requestTimeout: must be at least listen.headersTimeout (got ${requestTimeout} ms, headersTimeout ${headersTimeout} ms)`
    })
  }

  problems.push(...tlsProblems(values, 'listen'), ...tlsProblems(values, 'admin'), ...tokenProblems(values))
  return problems
}

/** A certificate needs its key and the other way round, and the two must belong together. */
function tlsProblems (values: Values, section: 'listen' | 'admin'): Problem[] {
  const cert = values.get(`${section}.tls.cert`)
  const key = values.get(`${section}.tls.key`)
  if (cert === undefined || key === undefined || (cert === null && key === null)) return []
  if (cert === null) return [{ key: `${section}.tls.cert`, text: `${section}.tls.cert: must be set when ${section}.tls.key is` }]
  if (key === null) return [{ key: `${section}.tls.key`, text: `${section}.tls.key: must be set when ${section}.tls.cert is` }]
  try {
    createSecureContext({ cert: readFileSync(String(cert)), key: readFileSync(String(key)) })
  } catch (err) {
    // OpenSSL's words ("key values mismatch", "no start line"); never the key's bytes.
    return [{ key: `${section}.tls.key`, text: `${section}.tls.cert and ${section}.tls.key: not a PEM certificate and its private key (${(err as Error).message})` }]
  }
  return []
}

/** The tokens file parses, and no label or token appears twice across admin.token, admin.tokens and the file. */
function tokenProblems (values: Values): Problem[] {
  const token = values.get('admin.token')
  const tokens = values.get('admin.tokens')
  const file = values.get('admin.tokensFile')
  if (token === undefined || tokens === undefined || file === undefined) return []
  const sources = configSources(token as string | null, tokens as readonly AdminToken[])
  if (file !== null) {
    const parsed = readTokensFile(String(file))
    if (!parsed.ok) return [{ key: 'admin.tokensFile', text: `admin.tokensFile: ${parsed.problem}` }]
    sources.push(fileSource(String(file), parsed, 'admin.tokensFile: '))
  }
  return duplicateProblems(sources).map((text) => ({ key: 'admin.tokens', text }))
}
