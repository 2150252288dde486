// The verdict and the report of a chaos run: a Markdown table for people (printed and saved) and
// the JSON with every failure, fault and sample for whoever digs further.
import { mib } from './procfs.js'
import { causeLabel } from './timeline.js'
import type { PhaseResult } from './phase.js'

/** How far fds and RSS may end above the baseline (same steady traffic, no fault, both times). */
export const TOLERANCE = {
  fds: 25,
  rssBytes: 48 * 1048576,
  rssRatio: 1.5
}

export interface RunInfo {
  command: string
  seed: number
  rate: number
  durationMs: number
  proxyTimeoutMs: number
  clientTimeoutMs: number
  switchyard: string
  commit: string
  node: string
  date: string
  cpus: number
  loadavg: number[]
}

export interface Verdict {
  ok: boolean
  reasons: string[]
}

export function judge (phases: PhaseResult[]): Verdict {
  const reasons: string[] = []
  for (const p of phases) {
    const unexpected = p.failures.filter((f) => !f.attribution.expected)
    if (unexpected.length > 0) {
      const by = countBy(unexpected.map((f) => causeLabel(f.record)))
      reasons.push(`[${p.store}] ${unexpected.length} unexpected request failures: ${[...by].map(([k, n]) => `${k} x${n}`).join(', ')}`)
    }
    const hangs = p.failures.filter((f) => f.record.cause === 'client-timeout' || f.record.cause === 'client-timeout-mid-body').length
    if (hangs > 0) reasons.push(`[${p.store}] ${hangs} hung requests (client timeout)`)
    const badAdmin = p.adminCalls.filter((c) => !c.expected)
    if (badAdmin.length > 0) reasons.push(`[${p.store}] ${badAdmin.length} unexpected admin answers: ${badAdmin.map((c) => `${c.kind} -> ${c.error ?? `${c.status ?? '?'} ${c.code ?? ''}`}`).slice(0, 5).join('; ')}`)
    for (const e of p.exits.unexpected) reasons.push(`[${p.store}] unexpected exit of ${e.name} (pid ${e.pid}): ${e.code ?? e.signal ?? '?'}: ${e.note}`)
    for (const r of p.resources) {
      const growth = resourceGrowth(r.baseline, r.end)
      if (growth !== null && !growth.ok) reasons.push(`[${p.store}] ${r.name}: ${growth.text}`)
      if (r.end === null) reasons.push(`[${p.store}] ${r.name}: no end sample (process gone?)`)
    }
    for (const c of p.checks) if (!c.ok) reasons.push(`[${p.store}] check failed: ${c.name}: ${c.detail}`)
  }
  return { ok: reasons.length === 0, reasons }
}

export function resourceGrowth (baseline: { fds: number, rssBytes: number } | null, end: { fds: number, rssBytes: number } | null): { ok: boolean, text: string } | null {
  if (baseline === null || end === null) return null
  const fdLimit = baseline.fds + TOLERANCE.fds
  const rssLimit = Math.max(baseline.rssBytes + TOLERANCE.rssBytes, baseline.rssBytes * TOLERANCE.rssRatio)
  const problems: string[] = []
  if (end.fds > fdLimit) problems.push(`fds ${baseline.fds} -> ${end.fds} (limit ${fdLimit})`)
  if (end.rssBytes > rssLimit) problems.push(`RSS ${mib(baseline.rssBytes)} -> ${mib(end.rssBytes)} MiB (limit ${mib(rssLimit)})`)
  return problems.length === 0 ? { ok: true, text: 'within tolerance' } : { ok: false, text: `grew beyond tolerance: ${problems.join(', ')}` }
}

export function markdown (info: RunInfo, phases: PhaseResult[], verdict: Verdict): string {
  const out: string[] = []
  out.push(`## Chaos run ${info.date} (seed ${info.seed})`)
  out.push('')
  out.push(`\`${info.command}\`: ${info.rate} requests/s for ${info.durationMs / 1000} s of chaos (${phases.map((p) => `${p.store} store ${p.chaosMs / 1000} s`).join(', ')}), proxy.timeout ${info.proxyTimeoutMs} ms, client timeout ${info.clientTimeoutMs} ms; switchyard ${info.switchyard} at ${info.commit}; Node ${info.node}, ${info.cpus} cores, load average ${info.loadavg.map((x) => x.toFixed(1)).join(' ')} at the end.`)
  out.push('')
  out.push(`**Verdict: ${verdict.ok ? 'PASS' : 'FAIL'}**`)
  for (const r of verdict.reasons) out.push(`- ${r}`)
  out.push('')

  out.push('| | ' + phases.map((p) => `${p.store} store`).join(' | ') + ' |')
  out.push('|---|' + phases.map(() => '---|').join(''))
  const row = (label: string, f: (p: PhaseResult) => string): void => { out.push(`| ${label} | ${phases.map(f).join(' | ')} |`) }
  row('requests sent', (p) => String(p.sent))
  row('2xx, complete and valid', (p) => `${p.ok} (${pct(p.ok, p.sent)})`)
  row('of which shielded (answered by the previous colour)', (p) => String(p.shielded))
  row('failures, expected', (p) => String(p.failures.filter((f) => f.attribution.expected).length))
  row('failures, **unexpected**', (p) => String(p.failures.filter((f) => !f.attribution.expected).length))
  row('2xx latency p50 / p99 / max, ms', (p) => `${p.okLatencyMs.p50.toFixed(1)} / ${p.okLatencyMs.p99.toFixed(1)} / ${p.okLatencyMs.max.toFixed(0)}`)
  row(`2xx (not shielded) slower than proxy.timeout (${info.proxyTimeoutMs} ms)`, (p) => String(p.okSlowerThanTimeout))
  row('state changes seen (operator / guard)', (p) => `${new Set(p.stateChanges.filter((c) => c.by !== 'guard').map((c) => String(c.version))).size} / ${new Set(p.stateChanges.filter((c) => c.by === 'guard').map((c) => String(c.version))).size}`)
  row('process exits, unexpected', (p) => `${p.exits.records.length}, ${p.exits.unexpected.length}`)
  out.push('')

  out.push('### Failures by cause')
  out.push('')
  out.push('| store | cause | count | expected | unexpected | explained by |')
  out.push('|---|---|---|---|---|---|')
  for (const p of phases) {
    const groups = new Map<string, typeof p.failures>()
    for (const f of p.failures) {
      const key = causeLabel(f.record)
      const list = groups.get(key) ?? []
      list.push(f)
      groups.set(key, list)
    }
    if (groups.size === 0) out.push(`| ${p.store} | (none) | 0 | | | |`)
    for (const [label, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      const expected = list.filter((f) => f.attribution.expected)
      const by = countBy(expected.map((f) => `${f.attribution.fault?.kind ?? '?'}${f.attribution.fault?.colour != null ? ` (${f.attribution.fault.colour})` : ''}`))
      out.push(`| ${p.store} | ${label} | ${list.length} | ${expected.length} | ${list.length - expected.length} | ${[...by].map(([k, n]) => `${k}: ${n}`).join(', ')} |`)
    }
  }
  out.push('')

  out.push('### Faults injected')
  out.push('')
  out.push('| store | kind | injected | outcomes / parameters | skipped |')
  out.push('|---|---|---|---|---|')
  for (const p of phases) {
    const kinds = [...new Set(p.faults.map((f) => f.kind))]
    for (const kind of kinds) {
      const list = p.faults.filter((f) => f.kind === kind)
      let detail: string
      if (kind === 'switch' || kind === 'rollback') detail = [...countBy(list.map((f) => f.outcome ?? '?'))].map(([k, n]) => `${k}: ${n}`).join(', ')
      else if (kind === 'slow-active') detail = [...countBy(list.map((f) => `${String(f.detail.delayMs)} ms on ${f.colour ?? '?'}`))].map(([k, n]) => `${k} x${n}`).join(', ')
      else if (kind === 'cut-mid-body' || kind === 'cut-before-answer') detail = [...countBy(list.map((f) => `${Math.round(Number(f.detail.share) * 100)}% on ${f.colour ?? '?'}`))].map(([k, n]) => `${k} x${n}`).join(', ')
      else if (kind === 'standby-kill') detail = [...countBy(list.map((f) => String(f.colour)))].map(([k, n]) => `${k} x${n}`).join(', ') + `; down ${list.map((f) => ((Number(f.end ?? 0) - f.start) / 1000).toFixed(1)).join(', ')} s`
      else detail = `down ${list.map((f) => ((Number(f.end ?? 0) - f.start) / 1000).toFixed(1)).join(', ')} s`
      out.push(`| ${p.store} | ${kind} | ${list.length} | ${detail} | ${p.skipped.filter((s) => s.kind === kind).length} |`)
    }
    const guard = p.stateChanges.filter((c) => c.by === 'guard')
    if (guard.length > 0) out.push(`| ${p.store} | (guard rollbacks, not injected) | ${new Set(guard.map((c) => String(c.version))).size} | ${[...new Set(guard.map((c) => String(c.reason)))].slice(0, 3).join('; ')} | |`)
    const t = p.tcp
    out.push(`| ${p.store} | (TCP fault proxies) | | connections cut mid-body: ${t.blue.cutMidBodyFin + t.blue.cutMidBodyRst + t.green.cutMidBodyFin + t.green.cutMidBodyRst} (FIN ${t.blue.cutMidBodyFin + t.green.cutMidBodyFin}, RST ${t.blue.cutMidBodyRst + t.green.cutMidBodyRst}), before the answer: ${t.blue.cutBeforeAnswer + t.green.cutBeforeAnswer}; ${t.blue.requests + t.green.requests} upstream requests | |`)
  }
  out.push('')

  out.push('### Admin calls')
  out.push('')
  out.push('| store | call | answer | count | expected |')
  out.push('|---|---|---|---|---|')
  for (const p of phases) {
    const by = new Map<string, { n: number, expected: number }>()
    for (const c of p.adminCalls) {
      const key = `${c.kind}|${c.error ?? `${c.status ?? '?'}${c.code !== null ? ` ${c.code}` : ''}`}`
      const entry = by.get(key) ?? { n: 0, expected: 0 }
      entry.n++
      if (c.expected) entry.expected++
      by.set(key, entry)
    }
    for (const [key, e] of by) {
      const [kind, answer] = key.split('|')
      out.push(`| ${p.store} | ${kind ?? ''} | ${answer ?? ''} | ${e.n} | ${e.expected === e.n ? 'yes' : `**${e.n - e.expected} not**`} |`)
    }
  }
  out.push('')

  out.push(`### Switchyard processes: fds and RSS (tolerance: end <= baseline + ${TOLERANCE.fds} fds; RSS end <= max(baseline + ${TOLERANCE.rssBytes / 1048576} MiB, ${TOLERANCE.rssRatio}x baseline))`)
  out.push('')
  out.push('| store | process | fds baseline / peak / end | RSS MiB baseline / peak / end | end process lived through | verdict |')
  out.push('|---|---|---|---|---|---|')
  for (const p of phases) {
    for (const r of p.resources) {
      const g = resourceGrowth(r.baseline, r.end)
      const samePid = r.baseline !== null && r.end !== null && r.baseline.pid === r.end.pid
      out.push(`| ${p.store} | ${r.name} | ${r.baseline?.fds ?? '?'} / ${r.peak?.fds ?? '?'} / ${r.end?.fds ?? '?'} | ${mib(r.baseline?.rssBytes)} / ${mib(r.peak?.rssBytes)} / ${mib(r.end?.rssBytes)} | ${(r.chaosExposureMs / 1000).toFixed(0)} s of chaos${samePid ? '' : ' (restarted: baseline from the first process)'} | ${g?.text ?? 'no sample'} |`)
    }
  }
  out.push('')

  out.push('### Final state (GET /admin/status after the settle)')
  out.push('')
  out.push('| store | switchyard | active | previous | version | phase | failed | synced | blue healthy | green healthy |')
  out.push('|---|---|---|---|---|---|---|---|---|---|')
  for (const p of phases) {
    for (const f of p.finalStatus) {
      const s = f.status ?? {}
      const up = s.upstreams as Record<string, { healthy?: unknown }> | undefined
      out.push(`| ${p.store} | ${f.switchyard} | ${String(s.active)} | ${String(s.previous)} | ${String(s.version)} | ${String(s.phase)} | ${String(s.failed)} | ${String(s.synced)} | ${String(up?.blue?.healthy)} | ${String(up?.green?.healthy)} |`)
    }
  }
  out.push('')
  const checks = phases.flatMap((p) => p.checks.map((c) => ({ ...c, store: p.store })))
  if (checks.length > 0) {
    out.push('Checks: ' + checks.map((c) => `${c.ok ? 'ok' : '**FAILED**'} [${c.store}] ${c.name}${c.ok ? '' : ` (${c.detail})`}`).join('; '))
    out.push('')
  }
  const unexpected = phases.flatMap((p) => p.failures.filter((f) => !f.attribution.expected).map((f) => ({ ...f, store: p.store })))
  if (unexpected.length > 0) {
    out.push('### Unexpected failures (first 20)')
    out.push('')
    out.push('| store | request | sent at s | took ms | target | cause | colour | status | message | faults active |')
    out.push('|---|---|---|---|---|---|---|---|---|---|')
    for (const f of unexpected.slice(0, 20)) {
      const r = f.record
      out.push(`| ${f.store} | #${r.id} | ${(r.start / 1000).toFixed(3)} | ${(r.end - r.start).toFixed(0)} | ${r.target} | ${causeLabel(r)} | ${r.colour ?? ''} | ${r.status ?? ''} | ${(r.message ?? r.errorCode ?? '').replace(/\|/g, '/').slice(0, 120)} | ${f.attribution.during.map((d) => `${d.kind}#${d.id}${d.colour !== null ? `(${d.colour})` : ''}`).join(', ')} |`)
    }
    out.push('')
  }
  const warnings = phases.flatMap((p) => p.warnings.map((w) => ({ ...w, store: p.store })))
  if (warnings.length > 0) {
    out.push('Switchyard log lines at warn and above: ' + warnings.map((w) => `[${w.store}] ${w.switchyard} "${w.message}" x${w.count}`).join('; '))
    out.push('')
  }
  return out.join('\n')
}

export function json (info: RunInfo, phases: PhaseResult[], verdict: Verdict): unknown {
  return {
    info,
    verdict,
    tolerance: TOLERANCE,
    phases: phases.map((p) => ({
      store: p.store,
      startedAt: p.startedAt,
      chaosMs: p.chaosMs,
      sent: p.sent,
      ok: p.ok,
      shielded: p.shielded,
      okLatencyMs: p.okLatencyMs,
      okSlowerThanTimeout: p.okSlowerThanTimeout,
      perSecond: p.perSecond,
      failuresByCause: Object.fromEntries([...countBy(p.failures.map((f) => causeLabel(f.record)))]),
      failuresExpected: p.failures.filter((f) => f.attribution.expected).length,
      failuresUnexpected: p.failures.filter((f) => !f.attribution.expected).length,
      faultsByKind: Object.fromEntries([...countBy(p.faults.map((f) => f.kind))]),
      skipped: p.skipped,
      resources: p.resources.map((r) => ({ ...r, verdict: resourceGrowth(r.baseline, r.end) })),
      finalStatus: p.finalStatus,
      checks: p.checks,
      exits: p.exits.records,
      tcp: p.tcp,
      stateChanges: p.stateChanges,
      healthEvents: p.healthEvents,
      adminCalls: p.adminCalls,
      faults: p.faults,
      plan: p.plan,
      warnings: p.warnings,
      starts: { switchyard: p.switchyardStarts, upstream: p.upstreamStarts, redis: p.redisStarts },
      // Every failure, each with its attribution (the fault by id).
      failures: p.failures.map((f) => ({ ...f.record, label: causeLabel(f.record), expected: f.attribution.expected, rule: f.attribution.rule, fault: f.attribution.fault?.id ?? null, during: f.attribution.during.map((d) => d.id) }))
    }))
  }
}

function countBy (keys: string[]): Map<string, number> {
  const m = new Map<string, number>()
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1)
  return new Map([...m].sort((a, b) => b[1] - a[1]))
}

function pct (n: number, of: number): string {
  return of === 0 ? '-' : `${(100 * n / of).toFixed(2)}%`
}

