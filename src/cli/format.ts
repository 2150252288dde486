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
    lines.push(`${marker} ${colour.padEnd(6)} ${text(u.url).padEnd(28)} ${healthWord(u.healthy).padEnd(9)}  inflight ${text(u.inflight)}${probe}${error}`)
  }
  return lines.join('\n')
}

export function formatChange (result: Record<string, unknown>, verb: string): string {
  if (result.changed === false) return `${text(result.active)} is already active (version ${text(result.version)}); nothing changed`
  return `${verb}: ${text(result.previous)} -> ${text(result.active)} (version ${text(result.version)})`
}
