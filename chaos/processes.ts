// The real processes a chaos run starts: model servers, switchyard, redis-server. Every child is
// tracked until it exits, so that any way out of the run (the end, an error, Ctrl-C) kills them
// all; every exit is recorded, and an exit nobody asked for counts as a crash.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Fault } from '../src/demo/fault.js'

const CHAOS = fileURLToPath(new URL('.', import.meta.url))
const running = new Set<ChildProcess>()

/** SIGKILL every child still running (the last resort of every exit path). */
export function killAll (): number {
  let n = 0
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      n++
    }
  }
  return n
}

export function childrenRunning (): number[] {
  return [...running].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid as number)
}

function track (child: ChildProcess): ChildProcess {
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

export interface ExitRecord {
  name: string
  pid: number
  at: number
  code: number | null
  signal: string | null
  /** We asked for it (SIGKILL of an upstream or Redis, SIGTERM of switchyard) and it ended as it should. */
  expected: boolean
  note: string
}

export class ExitLog {
  readonly records: ExitRecord[] = []
  constructor (private readonly clock: () => number) {}
  add (record: Omit<ExitRecord, 'at'>): void {
    this.records.push({ ...record, at: this.clock() })
  }

  get unexpected (): ExitRecord[] {
    return this.records.filter((r) => !r.expected)
  }
}

// Ports are chosen up front: a restart must come back on the same one.
export { freePort } from '../test/helpers/free-port.js'

/** SIGKILL, and resolves once the process is gone. */
async function killAndWait (child: ChildProcess): Promise<void> {
  child.kill('SIGKILL')
  await waitExit(child)
}

function waitExit (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms) })
  ])
}

/** One demo model server (chaos/upstream.ts) on a fixed port, restartable. */
export class UpstreamProcess {
  #child: ChildProcess | null = null
  #killing = false
  #faultId = 0
  #fault: Fault | null = null
  starts = 0

  constructor (readonly name: string, readonly model: string, readonly version: string, readonly port: number, private readonly exits: ExitLog) {}

  get pid (): number | null {
    return this.#child?.pid ?? null
  }

  get up (): boolean {
    return this.#child !== null
  }

  async start (): Promise<void> {
    const child = track(spawn(process.execPath, ['--import', 'tsx', `${CHAOS}upstream.ts`, '--model', this.model, '--version', this.version, '--port', String(this.port)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc']
    }))
    this.starts++
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000) })
    child.once('exit', (code, signal) => {
      const expected = this.#killing && signal === 'SIGKILL'
      this.exits.add({ name: this.name, pid: child.pid as number, code, signal, expected, note: expected ? 'killed by the chaos run' : `exited on its own: ${stderr.trim().slice(-500)}` })
      if (this.#child === child) this.#child = null
    })
    await withTimeout(new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready: ${stderr}`)))
      child.on('message', (message: unknown) => {
        if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready') resolve()
      })
    }), 60_000, `${this.name} start`)
    this.#child = child
    this.#killing = false
    // A restarted server comes back with the fault it had (the fault belongs to the colour).
    if (this.#fault !== null) await this.setFault(this.#fault)
  }

  async kill (): Promise<void> {
    if (this.#child === null) return
    this.#killing = true
    await killAndWait(this.#child)
  }

  /** Sets the fault and resolves once the server has it (so the timeline's times are honest). */
  async setFault (fault: Fault | null): Promise<void> {
    this.#fault = fault
    const child = this.#child
    if (child === null || !child.connected) return
    const id = ++this.#faultId
    await withTimeout(new Promise<void>((resolve) => {
      const onMessage = (message: unknown): void => {
        if (typeof message === 'object' && message !== null && (message as { type?: unknown, id?: unknown }).type === 'fault-set' && (message as { id: unknown }).id === id) {
          child.off('message', onMessage)
          resolve()
        }
      }
      child.on('message', onMessage)
      child.send({ type: 'fault', id, fault })
    }), 5_000, `${this.name} fault`)
  }
}

export interface SwitchyardCommand {
  /** The executable and the arguments before `serve`. */
  command: string
  args: string[]
  cwd: string
  label: string
}

interface LogLine { level?: number, msg?: string, time?: number, [key: string]: unknown }

/** Our environment without SWITCHYARD_* variables: the config file says everything. */
function switchyardEnv (): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('SWITCHYARD_')) delete env[key]
  return env
}

/** One switchyard process (`switchyard serve --config FILE`), stopped with SIGTERM and started again on the same ports. */
export class SwitchyardProcess {
  #child: ChildProcess | null = null
  #stopping = false
  #log: WriteStream
  starts = 0
  /** When the latest start began to listen (null: not yet, or never started). */
  listeningAt: number | null = null
  /** Log lines at warn (40) and above, by message. */
  readonly warnings = new Map<string, { level: number, count: number, first: LogLine }>()
  onLine: ((line: LogLine) => void) | null = null

  constructor (readonly name: string, private readonly run: SwitchyardCommand, private readonly configPath: string, logPath: string, private readonly exits: ExitLog, private readonly clock: () => number) {
    this.#log = createWriteStream(logPath, { flags: 'a' })
  }

  get pid (): number | null {
    return this.#child?.pid ?? null
  }

  async start (): Promise<void> {
    const child = track(spawn(this.run.command, [...this.run.args, 'serve', '--config', this.configPath], {
      cwd: this.run.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: switchyardEnv()
    }))
    this.starts++
    this.listeningAt = null
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000)
      this.#write(`[stderr] ${chunk}`)
    })
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${code ?? signal}) before it listened: ${stderr}`)))
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
      lines.on('line', (text) => {
        this.#write(text + '\n')
        let line: LogLine
        try { line = JSON.parse(text) as LogLine } catch { return }
        if (line.msg === 'switchyard listening') {
          this.listeningAt = this.clock()
          resolve()
        }
        if (typeof line.level === 'number' && line.level >= 40) {
          const key = `${line.level >= 60 ? 'fatal' : line.level >= 50 ? 'error' : 'warn'}: ${line.msg ?? '(no msg)'}`
          const seen = this.warnings.get(key)
          if (seen === undefined) this.warnings.set(key, { level: line.level, count: 1, first: line })
          else seen.count++
        }
        this.onLine?.(line)
      })
    })
    child.once('exit', (code, signal) => {
      const expected = this.#stopping && code === 0
      this.exits.add({
        name: this.name,
        pid: child.pid as number,
        code,
        signal,
        expected,
        note: this.#stopping ? (code === 0 ? 'SIGTERM, graceful stop' : `SIGTERM, but exit ${code ?? signal}: ${stderr.trim().slice(-500)}`) : `exited on its own (crash?): ${stderr.trim().slice(-500)}`
      })
      if (this.#child === child) this.#child = null
    })
    await withTimeout(ready, 60_000, `${this.name} start`)
    this.#child = child
    this.#stopping = false
  }

  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). Resolves with the exit code. */
  async stop (graceMs = 30_000): Promise<number | null> {
    const child = this.#child
    if (child === null) return null
    this.#stopping = true
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await waitExit(child)
    clearTimeout(timer)
    return child.exitCode
  }

  #write (text: string): void {
    if (!this.#log.writableEnded) this.#log.write(text)
  }

  close (): void {
    if (!this.#log.writableEnded) this.#log.end()
  }
}

/** A redis-server with no persistence on a fixed port: a restart comes back empty. */
export class RedisProcess {
  #child: ChildProcess | null = null
  #killing = false
  starts = 0

  constructor (readonly port: number, private readonly dir: string, private readonly exits: ExitLog) {}

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get up (): boolean {
    return this.#child !== null
  }

  async start (): Promise<void> {
    const child = track(spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] }))
    this.starts++
    let output = ''
    child.once('exit', (code, signal) => {
      const expected = this.#killing
      this.exits.add({ name: 'redis-server', pid: child.pid as number, code, signal, expected, note: expected ? 'killed by the chaos run' : `exited on its own: ${output.slice(-500)}` })
      if (this.#child === child) this.#child = null
    })
    await withTimeout(new Promise<void>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output = (output + chunk).slice(-8000)
        if (output.includes('Ready to accept connections')) resolve()
      })
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output = (output + chunk).slice(-8000) })
      child.once('error', reject)
      child.once('exit', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}) before it was ready: ${output}`)))
    }), 15_000, 'redis-server start')
    child.stdout?.resume()
    child.stderr?.resume()
    this.#child = child
    this.#killing = false
  }

  async kill (): Promise<void> {
    if (this.#child === null) return
    this.#killing = true
    await killAndWait(this.#child)
  }
}
