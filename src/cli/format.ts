// Human-readable output for the CLI; `--json` prints the API's own JSON instead.

function text (value: unknown): string {
  return value === null || value === undefined ? '-' : String(value)
}

function healthWord (healthy: unknown): string {
  if (healthy === true) return 'healthy'
  if (healthy === false) return 'UNHEALTHY'
  return 'unknown'
}

export function formatStatus (status: Record<string, unknown>): string {
  const lines = [
    `active    ${text(status.active)}   (version ${text(status.version)}, phase ${text(status.phase)})`,
    `previous  ${text(status.previous)}`,
    `changed   ${text(status.changedAt)} by ${text(status.by)}: ${text(status.reason)}`
  ]
  const upstreams = (status.upstreams ?? {}) as Record<string, Record<string, unknown>>
  for (const [colour, u] of Object.entries(upstreams)) {
    const marker = u.active === true ? '*' : ' '
    const probe = u.latencyMs === null || u.latencyMs === undefined ? '' : `  probe ${text(u.latencyMs)} ms`
    const error = u.lastError === null || u.lastError === undefined ? '' : `  last error: ${text(u.lastError)}`
    const kind = u.kind === undefined ? '' : `  ${text(u.kind)}${u.ready === false ? ' not ready' : ''}${u.version === null || u.version === undefined ? '' : ` version ${text(u.version)}`}`
    lines.push(`${marker} ${colour.padEnd(6)} ${text(u.url).padEnd(28)} ${healthWord(u.healthy).padEnd(9)}  inflight ${text(u.inflight)}${probe}${kind}${error}`)
  }
  const registry = status.registry as Record<string, unknown> | null | undefined
  if (registry !== null && registry !== undefined) lines.push(formatRegistry(registry))
  const shadow = status.shadow as Record<string, unknown> | null | undefined
  if (shadow !== null && shadow !== undefined && (shadow.percent !== 0 || shadow.compared !== 0)) lines.push(formatShadowLine(shadow))
  const canary = status.canary as Record<string, unknown> | null | undefined
  if (canary !== null && canary !== undefined && (canary.weight !== 0 || canary.progress !== null)) lines.push(formatCanary(canary))
  return lines.join('\n')
}

function pct (value: unknown): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(2)}%` : '-'
}

function formatShadowLine (shadow: Record<string, unknown>): string {
  return `shadow    ${text(shadow.percent)}% mirrored to the standby: ${text(shadow.compared)} compared, agreement ${pct(shadow.agreement)} (${text(shadow.agreed)} agreed, ${text(shadow.disagreed)} disagreed), ${text(shadow.standbyErrors)} standby errors, ${text(shadow.dropped)} dropped`
}

export function formatShadow (shadow: Record<string, unknown>): string {
  const lines = [formatShadowLine(shadow)]
  const latency = shadow.latency as Record<string, Record<string, unknown>> | undefined
  if (latency !== undefined) lines.push(`latency   active p50 ${text(latency.active?.p50Ms)} ms p99 ${text(latency.active?.p99Ms)} ms; standby p50 ${text(latency.standby?.p50Ms)} ms p99 ${text(latency.standby?.p99Ms)} ms`)
  return lines.join('\n')
}

export function formatProgress (p: Record<string, unknown>): string {
  return `progressive switch to ${text(p.to)}: step ${Number(p.step) + 1} of ${(p.steps as unknown[]).length}, weight ${text(p.weight)}%, next step at ${text(p.nextStepAt)}${p.owner === undefined ? '' : ` (walked by ${text(p.owner)})`}`
}

export function formatCanary (c: Record<string, unknown>): string {
  const progress = c.progress as Record<string, unknown> | null
  if (progress !== null && progress !== undefined) return `canary    ${formatProgress(progress)}`
  return `canary    ${text(c.weight)}% of live traffic to ${text(c.standby)}`
}

export function formatChange (result: Record<string, unknown>, verb: string): string {
  if (result.changed === false) return `${text(result.active)} is already active (version ${text(result.version)}); nothing changed`
  return `${verb}: ${text(result.previous)} -> ${text(result.active)} (version ${text(result.version)})`
}

export function formatSmoke (report: Record<string, unknown>): string {
  const results = (report.results ?? []) as Array<Record<string, unknown>>
  if (results.length === 0) return `smoke ${text(report.colour)}: no smoke requests configured (set smoke in the config)`
  const width = Math.max(...results.map((r) => String(r.name).length))
  const lines = [`smoke ${text(report.colour)}: ${text(report.passed)} of ${text(report.total)} passed`]
  for (const r of results) {
    const problem = r.problem === null || r.problem === undefined ? '' : `  ${text(r.problem)}`
    lines.push(`  ${r.ok === true ? 'ok  ' : 'FAIL'}  ${String(r.name).padEnd(width)}  ${text(r.status).padStart(3)}  ${text(r.latencyMs)} ms${problem}`)
  }
  return lines.join('\n')
}

export function formatRegistry (r: Record<string, unknown>): string {
  const target = `${text(r.name)}@${text(r.alias)} -> version ${text(r.version)} (${text(r.colour)})`
  if (r.synced === true) return `registry  ${target}: synced at ${text(r.lastSyncedAt)}`
  const retrying = r.retrying === true ? `, retrying (${text(r.attempts)} failed)` : ''
  return `registry  ${target}: ${r.synced === false ? 'NOT synced' : 'not known yet'}${retrying}${r.lastError === null || r.lastError === undefined ? '' : `: ${text(r.lastError)}`}`
}
