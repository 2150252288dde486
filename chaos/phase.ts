// One chaos phase: real model servers behind our TCP fault proxies, switchyard (one process with
// the file store, or two replicas sharing a redis-server), open-loop traffic, and the planned
// faults injected while it flows. Returns everything the report needs; judges nothing itself
// except which failures the timeline explains.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adminRequest, type AdminCall, type AdminTarget } from './admin.js'
import { Load, type RequestRecord } from './load.js'
import type { Random } from './prng.js'
import { mib, sample, steadySample, type ProcSample } from './procfs.js'
import { ExitLog, freePort, RedisProcess, SwitchyardProcess, UpstreamProcess, type SwitchyardCommand } from './processes.js'
import { plan, type Plan, type PlannedOperation, type PlannedUpstreamFault } from './schedule.js'
import { TcpFaultProxy } from './tcp-fault.js'
import { SLACK, Timeline, type Attribution, type FaultRecord, type HealthEvent, type StateChange } from './timeline.js'

export type Store = 'file' | 'redis'

export interface PhaseOptions {
  store: Store
  durationMs: number
  rate: number
  random: Random
  clock: () => number
  switchyard: SwitchyardCommand
  logDir: string
  proxyTimeoutMs: number
  clientTimeoutMs: number
  warmupMs: number
  settleMs: number
  token: string
  log: (line: string) => void
  /** Set when the run is being interrupted: lanes stop at their next step. */
  aborted: () => boolean
}

export interface Failure {
  record: RequestRecord
  attribution: Attribution
}

export interface ResourceReport {
  name: string
  baseline: ProcSample | null
  peak: { fds: number, rssBytes: number } | null
  end: ProcSample | null
  samples: ProcSample[]
  /** pid of the process the end sample is from, and how long it lived through chaos. */
  endPid: number | null
  chaosExposureMs: number
}

export type { StateChange, HealthEvent } from './timeline.js'

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export interface PhaseResult {
  store: Store
  startedAt: string
  chaosMs: number
  plan: Plan
  sent: number
  ok: number
  shielded: number
  okLatencyMs: { p50: number, p99: number, max: number }
  /** Unshielded 2xx that took longer than proxy.timeout (undici's timers fire up to ~1 s late). */
  okSlowerThanTimeout: number
  /** Requests by the second they were sent in (run clock): sent, ok, failed, slowest. */
  perSecond: Array<{ t: number, sent: number, ok: number, failed: number, maxMs: number }>
  failures: Failure[]
  faults: FaultRecord[]
  skipped: Array<{ at: number, kind: string, why: string }>
  adminCalls: AdminCall[]
  stateChanges: StateChange[]
  healthEvents: HealthEvent[]
  exits: ExitLog
  resources: ResourceReport[]
  finalStatus: Array<{ switchyard: string, status: Record<string, unknown> | null, error: string | null }>
  checks: Check[]
  tcp: Record<string, TcpFaultProxy['stats']>
  warnings: Array<{ switchyard: string, message: string, count: number, first: unknown }>
  switchyardStarts: Record<string, number>
  upstreamStarts: Record<string, number>
  redisStarts: number
}

/** How long switchyard is left without traffic before an idle sample (its upstream connections expire after 4 s). */
const IDLE_MS = 7_000
/** rollback.bake: short, so that many switches bake and the shield and guard are exercised. */
const BAKE_MS = 5_000
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

export async function runPhase (o: PhaseOptions): Promise<PhaseResult> {
  const { clock, log } = o
  const startedAt = new Date().toISOString()
  const dir = mkdtempSync(join(tmpdir(), `switchyard-chaos-${o.store}-`))
  const exits = new ExitLog(clock)
  const timeline = new Timeline(clock)
  const cleanups: Array<() => Promise<void> | void> = []
  const replicas = o.store === 'redis' ? 2 : 1
  /** Sleeps, but wakes early when the run is interrupted. */
  const wait = async (ms: number): Promise<void> => {
    const until = clock() + ms
    while (clock() < until && !o.aborted()) await sleep(Math.min(200, until - clock()))
  }
  const thePlan = plan(o.random.fork(10), { durationMs: o.durationMs, store: o.store, replicas, proxyTimeoutMs: o.proxyTimeoutMs })

  try {
    // Upstreams, each behind its own TCP fault proxy (which stays up while the upstream restarts).
    const upstreams = {
      blue: new UpstreamProcess('upstream-blue', 'logistic', 'v1', await freePort(), exits),
      green: new UpstreamProcess('upstream-green', 'forest', 'v2', await freePort(), exits)
    }
    cleanups.push(async () => { await Promise.all([upstreams.blue.kill(), upstreams.green.kill()]) })
    await Promise.all([upstreams.blue.start(), upstreams.green.start()])
    const cutRandom = o.random.fork(20)
    const tcp = {
      blue: await TcpFaultProxy.start({ target: { host: '127.0.0.1', port: upstreams.blue.port }, random: () => cutRandom.next() }),
      green: await TcpFaultProxy.start({ target: { host: '127.0.0.1', port: upstreams.green.port }, random: () => cutRandom.next() })
    }
    cleanups.push(async () => { await Promise.all([tcp.blue.close(), tcp.green.close()]) })
    type Colour = keyof typeof upstreams
    const other = (c: Colour): Colour => c === 'blue' ? 'green' : 'blue'

    let redis: RedisProcess | null = null
    if (o.store === 'redis') {
      const redisDir = join(dir, 'redis')
      mkdirSync(redisDir)
      redis = new RedisProcess(await freePort(), redisDir, exits)
      const r = redis
      cleanups.push(() => r.kill())
      await redis.start()
    }

    // Switchyard: one process (file store) or two replicas sharing Redis.
    const switchyards: SwitchyardProcess[] = []
    const targets: Array<{ name: string, url: string, admin: AdminTarget }> = []
    const stateChanges: StateChange[] = []
    const healthEvents: HealthEvent[] = []
    for (let i = 0; i < replicas; i++) {
      const name = replicas === 1 ? 'switchyard' : `replica-${i === 0 ? 'a' : 'b'}`
      const port = await freePort()
      const adminPort = await freePort()
      const home = join(dir, name)
      mkdirSync(home)
      const config = {
        listen: { host: '127.0.0.1', port },
        admin: { host: '127.0.0.1', port: adminPort, token: o.token },
        upstreams: { blue: { url: tcp.blue.url }, green: { url: tcp.green.url } },
        active: 'blue',
        health: { path: '/ping', interval: '500ms', timeout: '400ms', healthyThreshold: 1, unhealthyThreshold: 2 },
        state: o.store === 'file'
          ? { store: 'file', path: join(home, 'state.json') }
          : { store: 'redis', path: join(home, 'state.json'), redis: { url: (redis as RedisProcess).url, key: `switchyard-chaos-${process.pid}`, pollInterval: '1s' } },
        proxy: { timeout: `${o.proxyTimeoutMs}ms`, connectTimeout: '1s', keepAliveTimeout: '4s' },
        shutdown: { timeout: '10s' },
        rollback: { bake: `${BAKE_MS}ms`, window: '5s' },
        log: { level: 'info' }
      }
      const configPath = join(home, 'switchyard.yaml')
      // JSON is YAML.
      writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n')
      const sy = new SwitchyardProcess(name, o.switchyard, configPath, join(o.logDir, `${o.store}-${name}.log`), exits, clock)
      sy.onLine = (line) => {
        if (line.msg === 'active colour changed') stateChanges.push({ at: clock(), switchyard: name, from: line.from, to: line.to, version: line.version, kind: line.kind, by: line.by, reason: line.reason, source: line.source })
        if (line.msg === 'upstream health changed') healthEvents.push({ at: clock(), switchyard: name, colour: String(line.colour), healthy: line.healthy === true })
      }
      switchyards.push(sy)
      cleanups.push(async () => { await sy.stop(10_000); sy.close() })
      await sy.start()
      targets.push({ name, url: `http://127.0.0.1:${port}`, admin: { name, adminUrl: `http://127.0.0.1:${adminPort}`, token: o.token } })
    }
    log(`[${o.store}] started: ${switchyards.map((s) => `${s.name} pid ${s.pid}`).join(', ')}; blue :${upstreams.blue.port} via :${tcp.blue.port}, green :${upstreams.green.port} via :${tcp.green.port}${redis !== null ? `, redis :${redis.port}` : ''}`)

    // What switchyard says now (last-known when it cannot be asked).
    const lastStatus = new Map<string, Record<string, unknown>>()
    const maxVersion = new Map<string, number>()
    const versionRegressions: string[] = []
    const statusOf = async (i: number): Promise<Record<string, unknown> | null> => {
      const t = targets[i] as (typeof targets)[number]
      const answer = await adminRequest(t.admin, 'GET', '/admin/status', undefined, 3_000)
      if (answer.status === 200 && answer.body !== null) {
        // The version only ever grows, on every replica, across restarts and Redis outages.
        const version = Number(answer.body.version)
        const seen = maxVersion.get(t.name) ?? 0
        if (version < seen) versionRegressions.push(`${t.name}: v${seen} then v${version} at ${(clock() / 1000).toFixed(2)} s`)
        maxVersion.set(t.name, Math.max(seen, version))
        lastStatus.set(t.name, answer.body)
        return answer.body
      }
      return null
    }
    const activeNow = async (): Promise<Colour> => {
      for (let i = 0; i < targets.length; i++) {
        const s = await statusOf(i)
        if (s !== null) return s.active as Colour
      }
      const known = lastStatus.get((targets[0] as (typeof targets)[number]).name)
      return (known?.active as Colour | undefined) ?? 'blue'
    }

    // Traffic: open loop, round the replicas.
    const records: RequestRecord[] = []
    let ok = 0
    let shielded = 0
    let okSlow = 0
    const perSecond = new Map<number, PhaseResult['perSecond'][number]>()
    const okLatencies: number[] = []
    const load = new Load({
      rate: o.rate,
      clientTimeoutMs: o.clientTimeoutMs,
      clock,
      random: o.random.fork(30),
      onRecord: (r) => {
        const second = Math.floor(r.start / 1000)
        const bucket = perSecond.get(second) ?? { t: second, sent: 0, ok: 0, failed: 0, maxMs: 0 }
        bucket.sent++
        if (r.cause === 'ok') bucket.ok++
        else bucket.failed++
        bucket.maxMs = Math.max(bucket.maxMs, Math.round(r.end - r.start))
        perSecond.set(second, bucket)
        if (r.cause === 'ok') {
          ok++
          if (r.shielded) shielded++
          // A shielded answer legitimately takes a timeout plus the retry.
          if (!r.shielded && r.end - r.start > o.proxyTimeoutMs) okSlow++
          okLatencies.push(r.end - r.start)
        } else {
          records.push(r)
        }
      }
    })
    cleanups.push(async () => { await load.stop(); load.destroy() })
    load.start(targets.map((t) => ({ name: t.name, url: t.url })))

    // Warm-up, then the baseline of each switchyard process, measured idle: traffic paused, our
    // connections closed, switchyard's idle upstream connections expired. Measured the same way
    // at the end, a leak shows as a higher floor; a burst of slow requests does not.
    await wait(o.warmupMs)
    const idleBaseline = async (): Promise<Array<ProcSample | null>> => {
      await load.pause()
      await wait(IDLE_MS)
      const out: Array<ProcSample | null> = []
      for (const sy of switchyards) out.push(sy.pid === null ? null : await steadySample(sy.pid, clock))
      return out
    }
    const baselines = await idleBaseline()
    load.resume()
    await wait(2_000)
    const resources: ResourceReport[] = switchyards.map((sy, i) => ({ name: sy.name, baseline: baselines[i] ?? null, peak: null, end: null, samples: [], endPid: null, chaosExposureMs: 0 }))
    log(`[${o.store}] baseline: ${resources.map((r) => `${r.name} ${r.baseline?.fds ?? '?'} fds, ${mib(r.baseline?.rssBytes)} MiB`).join('; ')}`)
    const sampler = setInterval(() => {
      switchyards.forEach((sy, i) => {
        if (sy.pid === null) return
        const s = sample(sy.pid, clock())
        if (s !== null) (resources[i] as ResourceReport).samples.push(s)
      })
    }, 2_000)
    cleanups.push(() => clearInterval(sampler))
    const statusPoll = setInterval(() => { targets.forEach((_t, i) => { void statusOf(i) }) }, 1_000)
    cleanups.push(() => clearInterval(statusPoll))

    // Chaos.
    const chaosStart = clock()
    const chaosEnd = chaosStart + o.durationMs
    const stopped = (): boolean => clock() >= chaosEnd || o.aborted()
    const skipped: PhaseResult['skipped'] = []
    const adminCalls: AdminCall[] = []
    const pending = new Set<Promise<void>>()
    const background = (p: Promise<void>): void => {
      const q = p.catch((err: Error) => log(`[${o.store}] background step failed: ${err.message}`))
      pending.add(q)
      void q.finally(() => pending.delete(q))
    }
    let restarting = false
    const checks: Check[] = []

    const mutate = async (op: PlannedOperation): Promise<void> => {
      const i = (op.via ?? 0) % targets.length
      const t = targets[i] as (typeof targets)[number]
      const known = lastStatus.get(t.name)
      const active = (known?.active as Colour | undefined) ?? 'blue'
      const to = op.kind === 'switch' ? other(active) : null
      const record = timeline.begin(op.kind === 'switch' ? 'switch' : 'rollback', { colour: to, target: t.name })
      const start = clock()
      const answer = await adminRequest(t.admin, 'POST', op.kind === 'switch' ? '/admin/switch' : '/admin/rollback', op.kind === 'switch' ? { to, reason: `chaos ${op.kind} #${record.id}` } : { reason: `chaos rollback #${record.id}` })
      const code = typeof answer.body?.error === 'string' ? answer.body.error : null
      timeline.end(record, answer.error ?? `${answer.status ?? '?'}${code !== null ? ` ${code}` : ''}`)
      adminCalls.push({ id: record.id, kind: op.kind as 'switch' | 'rollback', target: t.name, to, start, end: clock(), status: answer.status, code, error: answer.error, body: answer.body, expected: false, rule: '' })
    }

    const operation = async (op: PlannedOperation): Promise<void> => {
      switch (op.kind) {
        case 'switch':
        case 'rollback':
          return mutate(op)
        case 'standby-kill': {
          if (!upstreams.blue.up || !upstreams.green.up) { skipped.push({ at: clock(), kind: op.kind, why: 'an upstream is still down' }); return }
          const standby = other(await activeNow())
          const record = timeline.begin('standby-kill', { colour: standby, detail: { downMs: op.downMs } })
          await upstreams[standby].kill()
          background((async () => {
            await sleep(op.downMs ?? 1_000)
            await upstreams[standby].start()
            timeline.end(record, 'restarted')
          })())
          return
        }
        case 'proxy-restart': {
          if (restarting) { skipped.push({ at: clock(), kind: op.kind, why: 'a restart is still in progress' }); return }
          restarting = true
          const sy = switchyards[0] as SwitchyardProcess
          const before = await statusOf(0)
          const record = timeline.begin('proxy-restart', { target: sy.name, detail: { pid: sy.pid } })
          background((async () => {
            try {
              const code = await sy.stop(15_000)
              record.detail.exitCode = code
              record.detail.stoppedAt = clock()
              await sy.start()
              timeline.end(record, `exit ${code ?? '?'}, listening again as pid ${sy.pid ?? '?'}`)
              record.detail.newPid = sy.pid
              const after = await statusOf(0)
              if (before !== null && after !== null) {
                const kept = (after.version as number) > (before.version as number) || (after.version === before.version && after.active === before.active)
                if (!kept) checks.push({ name: 'state survives a restart', ok: false, detail: `before: ${String(before.active)} v${String(before.version)}, after: ${String(after.active)} v${String(after.version)}` })
              }
            } finally {
              restarting = false
            }
          })())
          return
        }
        case 'redis-restart': {
          const r = redis
          if (r === null) return
          if (!r.up) { skipped.push({ at: clock(), kind: op.kind, why: 'Redis is still down' }); return }
          const record = timeline.begin('redis-restart', { detail: { downMs: op.downMs } })
          await r.kill()
          background((async () => {
            await sleep(op.downMs ?? 2_000)
            await r.start()
            timeline.end(record, 'restarted (empty)')
          })())
        }
      }
    }

    const operationsLane = async (): Promise<void> => {
      for (const op of thePlan.operations) {
        await wait(chaosStart + op.at - clock())
        if (stopped()) return
        await operation(op)
      }
    }

    const upstreamLane = async (): Promise<void> => {
      for (const f of thePlan.upstreamFaults) {
        await wait(chaosStart + f.at - clock())
        if (stopped()) return
        await upstreamFault(f)
      }
    }

    const upstreamFault = async (f: PlannedUpstreamFault): Promise<void> => {
      const colour = await activeNow()
      const detail: Record<string, unknown> = { durationMs: f.durationMs }
      if (f.delayMs !== undefined) detail.delayMs = f.delayMs
      if (f.share !== undefined) detail.share = f.share
      const record = timeline.begin(f.kind, { colour, detail })
      if (f.kind === 'slow-active') await upstreams[colour].setFault({ delayMs: f.delayMs as number })
      else tcp[colour].set({ mode: f.kind === 'cut-mid-body' ? 'mid-body' : 'before-answer', share: f.share as number })
      await wait(f.durationMs)
      if (f.kind === 'slow-active') await upstreams[colour].setFault(null)
      else tcp[colour].set(null)
      timeline.end(record)
    }

    log(`[${o.store}] chaos for ${o.durationMs / 1000} s: ${thePlan.operations.length} operations, ${thePlan.upstreamFaults.length} upstream faults planned`)
    await Promise.all([operationsLane(), upstreamLane()])
    await wait(chaosEnd - clock())
    // Everything back: faults off, killed processes restarted.
    tcp.blue.set(null)
    tcp.green.set(null)
    await Promise.all([upstreams.blue.setFault(null), upstreams.green.setFault(null)])
    while (pending.size > 0) await Promise.all([...pending])
    log(`[${o.store}] chaos over at ${((clock() - chaosStart) / 1000).toFixed(1)} s; settling for ${o.settleMs / 1000} s`)

    // Settle under steady traffic with no fault, then the end sample, idle like the baseline.
    await wait(o.settleMs)
    const ends = await idleBaseline()
    for (let i = 0; i < switchyards.length; i++) {
      const sy = switchyards[i] as SwitchyardProcess
      const res = resources[i] as ResourceReport
      res.end = ends[i] ?? null
      res.endPid = sy.pid
      res.chaosExposureMs = Math.max(0, chaosEnd - Math.max(chaosStart, sy.listeningAt ?? chaosEnd))
      const all = res.samples.concat(res.baseline ?? [], res.end ?? [])
      res.peak = all.length === 0 ? null : { fds: Math.max(...all.map((s) => s.fds)), rssBytes: Math.max(...all.map((s) => s.rssBytes)) }
    }
    load.destroy()

    // Final state, and whether the replicas agree.
    const finalStatus: PhaseResult['finalStatus'] = []
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i] as (typeof targets)[number]
      const answer = await adminRequest(t.admin, 'GET', '/admin/status', undefined, 5_000)
      finalStatus.push({ switchyard: t.name, status: answer.body, error: answer.error })
    }
    if (o.store === 'redis') {
      const [a, b] = finalStatus.map((f) => f.status)
      const agree = a != null && b != null && a.active === b.active && a.version === b.version
      checks.push({ name: 'replicas agree after the settle', ok: agree, detail: finalStatus.map((f) => `${f.switchyard}: ${String(f.status?.active)} v${String(f.status?.version)} synced=${String(f.status?.synced)}`).join('; ') })
      const synced = finalStatus.every((f) => f.status?.synced === true)
      checks.push({ name: 'replicas synced with Redis after the settle', ok: synced, detail: finalStatus.map((f) => `${f.switchyard}: synced=${String(f.status?.synced)}`).join('; ') })
    }
    for (const f of finalStatus) {
      const up = f.status?.upstreams as Record<string, { healthy?: unknown }> | undefined
      checks.push({ name: `${f.switchyard}: both upstreams healthy after the settle`, ok: up?.blue?.healthy === true && up?.green?.healthy === true, detail: `blue ${String(up?.blue?.healthy)}, green ${String(up?.green?.healthy)}` })
    }
    checks.push({ name: 'the version never went backwards (status polled every second)', ok: versionRegressions.length === 0, detail: versionRegressions.slice(0, 5).join('; ') })
    if (!checks.some((c) => c.name === 'state survives a restart') && timeline.faults.some((f) => f.kind === 'proxy-restart')) {
      checks.push({ name: 'state survives a restart', ok: true, detail: 'after every restart the version was the same (same colour) or newer' })
    }

    // Attribution, now that every fault window is closed.
    const failures: Failure[] = records.map((record) => ({ record, attribution: timeline.attribute(record, o.proxyTimeoutMs, { changes: stateChanges, health: healthEvents, bakeMs: BAKE_MS }) }))
    for (const call of adminCalls) Object.assign(call, judgeAdminCall(call, timeline, stateChanges))

    // Graceful stop of every switchyard: exit 0 expected.
    for (const sy of switchyards) {
      await sy.stop(15_000)
      sy.close()
    }
    const sorted = okLatencies.sort((x, y) => x - y)
    const q = (p: number): number => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
    const warnings: PhaseResult['warnings'] = []
    for (const sy of switchyards) {
      for (const [message, w] of sy.warnings) warnings.push({ switchyard: sy.name, message, count: w.count, first: w.first })
    }
    return {
      store: o.store,
      startedAt,
      chaosMs: o.durationMs,
      plan: thePlan,
      sent: load.sent,
      ok,
      shielded,
      okLatencyMs: { p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN },
      okSlowerThanTimeout: okSlow,
      perSecond: [...perSecond.values()].sort((a, b) => a.t - b.t),
      failures,
      faults: timeline.faults,
      skipped,
      adminCalls,
      stateChanges,
      healthEvents,
      exits,
      resources,
      finalStatus,
      checks,
      tcp: { blue: tcp.blue.stats, green: tcp.green.stats },
      warnings,
      switchyardStarts: Object.fromEntries(switchyards.map((s) => [s.name, s.starts])),
      upstreamStarts: { blue: upstreams.blue.starts, green: upstreams.green.starts },
      redisStarts: redis?.starts ?? 0
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try { await cleanup() } catch (err) { log(`[${o.store}] clean-up failed: ${(err as Error).message}`) }
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Whether an admin answer is the documented one for the moment it was given. */
function judgeAdminCall (call: AdminCall, timeline: Timeline, changes: StateChange[]): { expected: boolean, rule: string } {
  // The faults that overlap the call, each kind with its own time to settle after it ends.
  const during = (slackAfter: number): FaultRecord[] => timeline.overlapping(call.start, call.end, slackAfter)
  if (call.error !== null) {
    const restart = during(SLACK.afterListen).find((f) => f.kind === 'proxy-restart' && f.target === call.target)
    return restart !== undefined
      ? { expected: true, rule: `${call.error}: switchyard was restarting` }
      : { expected: false, rule: `${call.error}: no answer from the admin API outside a restart` }
  }
  const redisDown = timeline.faults.find((f) => f.kind === 'redis-restart' && f.start < call.start && (f.end === null || f.end > call.end))
  if (call.status === 200) {
    if (redisDown !== undefined && call.body?.changed === true) return { expected: false, rule: '200 changed=true while Redis was down: a replica changed alone' }
    return { expected: true, rule: '200' }
  }
  switch (call.code) {
    case 'SW_ERR_STATE_UNAVAILABLE':
      return during(SLACK.afterRedisBack).some((f) => f.kind === 'redis-restart')
        ? { expected: true, rule: '503 STATE_UNAVAILABLE: Redis down (or reconnecting)' }
        : { expected: false, rule: '503 STATE_UNAVAILABLE with Redis up' }
    case 'SW_ERR_TARGET_UNHEALTHY': {
      const killed = during(SLACK.afterUpstreamBack).find((f) => f.kind === 'standby-kill' && (call.to === null || f.colour === call.to))
      return killed !== undefined
        ? { expected: true, rule: '503 TARGET_UNHEALTHY: the target was killed' }
        : { expected: false, rule: '503 TARGET_UNHEALTHY while the target was up' }
    }
    case 'SW_ERR_NO_PREVIOUS':
      return { expected: true, rule: '409 NO_PREVIOUS: nothing to roll back to yet' }
    case 'SW_ERR_VERSION_CONFLICT': {
      const guard = changes.find((c) => c.by === 'guard' && c.at >= call.start - 1_000 && c.at <= call.end + 1_000)
      return guard !== undefined
        ? { expected: true, rule: '409 VERSION_CONFLICT: raced a guard rollback' }
        : { expected: false, rule: '409 VERSION_CONFLICT without a concurrent change' }
    }
    default:
      return { expected: false, rule: `${call.status ?? '?'} ${call.code ?? ''}: not a documented answer here` }
  }
}

