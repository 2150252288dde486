// A real redis-server for tests: on a free port, with no persistence (a restart comes back empty),
// in a temp dir; stopped at teardown. stop()/kill()/restart() let a test take Redis away.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type RedisClientType } from 'redis'
import type { Test } from 'tap'
import { freePort } from './free-port.js'
import type { TeardownHost } from './model-server.js'
import { startSwitchyard, type TestSwitchyard } from './switchyard.js'

export interface RedisOptions {
  /** Key prefix for this test file's switchyards (each file its own). */
  key?: string
}

export interface TestRedis {
  readonly port: number
  readonly url: string
  readonly key: string
  /** Flags that point a switchyard at this Redis, each with its own last-known state file. */
  args (statePath: string, extra?: Record<string, string>): string[]
  /** SIGTERM, and wait for the process to exit. */
  stop (): Promise<void>
  /** SIGKILL, and wait for the process to exit. */
  kill (): Promise<void>
  /** Starts again on the same port, empty (after stop() or kill(); kills a running one first). */
  restart (): Promise<void>
  /** A plain client for the test's own checks; closed at teardown. */
  client (): Promise<RedisClientType>
}

let files = 0
const running = new Set<ChildProcess>()
// A last resort for an exit that skips the teardowns (a tap timeout): no orphaned redis-server.
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

export async function startRedis (t: TeardownHost, options: RedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'))
  const port = await freePort()
  const key = options.key ?? `switchyard-test-${process.pid}-${++files}`
  let child: ChildProcess | null = null
  let exited: Promise<void> = Promise.resolve()
  const clients: RedisClientType[] = []

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    running.add(proc)
    exited = new Promise((resolve) => proc.once('exit', () => { running.delete(proc); resolve() }))
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000)
      proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
      proc.once('error', (err) => { clearTimeout(timer); reject(err) })
      proc.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`)) })
    })
    // Drain its output so a chatty server never blocks on a full pipe.
    proc.stdout.resume()
    proc.stderr.resume()
  }

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child
    if (proc === null) return
    child = null
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
    await exited
  }

  await launch()
  t.teardown(async () => {
    for (const client of clients) client.destroy()
    await end('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  const url = `redis://127.0.0.1:${port}`
  return {
    port,
    url,
    key,
    args: (statePath, extra = {}) => [
      '--state.store', 'redis',
      '--state.redis.url', url,
      '--state.redis.key', key,
      '--state.path', statePath,
      ...Object.entries(extra).flat()
    ],
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGKILL')
      await launch()
    },
    client: async () => {
      const client: RedisClientType = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: false } })
      client.on('error', () => undefined)
      clients.push(client)
      await client.connect()
      return client
    }
  }
}

export interface ReplicaOptions {
  blue: string
  green: string
  /** Extra config flags for every replica. */
  args?: string[]
  /** Each replica's working directory (and last-known state file); fresh testdirs by default. */
  cwds?: string[]
}

/** Where a replica keeps its last-known copy of the shared state. */
export function statePath (cwd: string): string {
  return join(cwd, 'data', 'state.json')
}

/**
 * A fresh directory of its own, removed at teardown (t.testdir() hands every call in one test
 * the same directory, emptied, so it cannot hold three replicas' files).
 */
export function replicaDir (t: TeardownHost): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-replica-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Starts `count` switchyards in this process sharing `redis`, each with its own cwd and state file. */
export async function startReplicas (t: Test, redis: TestRedis, count: number, options: ReplicaOptions): Promise<TestSwitchyard[]> {
  const replicas: TestSwitchyard[] = []
  // One at a time: the first saves the initial state, the others find it.
  for (let i = 0; i < count; i++) replicas.push(await startReplica(t, redis, { ...options, cwd: options.cwds?.[i] ?? replicaDir(t) }))
  return replicas
}

export async function startReplica (t: Test, redis: TestRedis, options: Omit<ReplicaOptions, 'cwds'> & { cwd: string }): Promise<TestSwitchyard> {
  return startSwitchyard(t, {
    blue: options.blue,
    green: options.green,
    cwd: options.cwd,
    args: [...redis.args(statePath(options.cwd)), '--state.redis.pollInterval', '500ms', ...(options.args ?? [])]
  })
}
