// Starts the bench's processes, each pinned to one core with taskset when there is one, so the
// proxy under test never competes with the upstream or the load generator for its core.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import { buildSync } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { isFromChild, type FromChild, type ToChild } from './messages.js'

const TASKSET = '/usr/bin/taskset'
/** Every child still running, so that a Ctrl-C can end them all (nginx has no IPC to notice). */
const running = new Set<ChildProcess>()
export const canPin = existsSync(TASKSET)
const BENCH = fileURLToPath(new URL('..', import.meta.url))

export interface Started {
  pid: number
  url: string
  /** Every address it listens on (the upstream has one per colour); url is the first. */
  urls: string[]
  child: ChildProcess
  /** Node children only: process.memoryUsage(), after a full GC when asked (and --expose-gc). */
  memory (gc?: boolean): Promise<NodeJS.MemoryUsage>
  stop (): Promise<void>
}

/** The command line that runs `command` on `core` (or anywhere, when there is no taskset). */
export function pinned (core: number | null, command: string, args: readonly string[]): [string, string[]] {
  return canPin && core !== null ? [TASKSET, ['-c', String(core), command, ...args]] : [command, [...args]]
}

export interface NodeChildOptions {
  core: number | null
  args?: readonly string[]
  /** Node's own flags, e.g. --cpu-prof. */
  nodeFlags?: readonly string[]
  stdout?: 'inherit' | 'pipe'
}

/** Keeps track of a child until it exits. */
export function track (child: ChildProcess): ChildProcess {
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/** On SIGINT/SIGTERM: kill every child still running, run `cleanup`, exit. */
export function killChildrenOnSignal (cleanup: () => void): void {
  const onSignal = (): void => {
    for (const child of running) child.kill('SIGKILL')
    cleanup()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
}

const BUILD = `${BENCH}.build/`
const compiled = new Map<string, string>()

/**
 * A bench/*.ts file (or an absolute path) compiled with esbuild into plain .mjs, its packages
 * left as imports: every Node candidate runs as compiled JavaScript, as switchyard runs from
 * dist/, without a TypeScript loader in the process (tsx alone adds ~30 MB of RSS). Split at
 * dynamic imports, as dist/ is: in one file esbuild hoists a lazily loaded module's package
 * imports to the top, which loaded the Redis client (~10 MB) into a memory-store switchyard.
 */
function compile (script: string): string {
  const source = script.startsWith('/') ? script : `${BENCH}${script}`
  let out = compiled.get(source)
  if (out === undefined) {
    // Under bench/ so that the packages resolve from the project's node_modules.
    const name = basename(source).replace(/\.ts$/, '')
    const outdir = `${BUILD}${compiled.size}-${name}/`
    rmSync(outdir, { recursive: true, force: true }) // chunks of an earlier build would pile up
    buildSync({ entryPoints: [source], outdir, bundle: true, splitting: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outExtension: { '.js': '.mjs' }, logLevel: 'error' })
    out = `${outdir}${name}.mjs`
    compiled.set(source, out)
  }
  return out
}

/** Runs a bench/*.ts file (or an absolute path), compiled, with an IPC channel. */
export function spawnNode (script: string, options: NodeChildOptions): ChildProcess {
  const [command, args] = pinned(options.core, process.execPath, [
    ...(options.nodeFlags ?? []), compile(script), ...(options.args ?? [])
  ])
  return track(spawn(command, args, { stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'] }))
}

/** Starts a server child (see child.ts) and resolves once it listens. */
export async function startNode (script: string, options: NodeChildOptions): Promise<Started> {
  const child = spawnNode(script, options)
  const { url, urls } = await new Promise<{ url: string, urls: string[] }>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${script} exited (${code}) before it was ready`))
    child.once('exit', onExit)
    child.on('message', (message: unknown) => {
      if (isFromChild(message) && message.type === 'ready') {
        child.off('exit', onExit)
        resolve({ url: message.url, urls: message.urls })
      }
    })
  })
  const send = (message: ToChild): void => { child.send(message) }
  return {
    pid: child.pid as number,
    url,
    urls,
    child,
    memory: (gc = false) => new Promise((resolve) => {
      const onMessage = (message: unknown): void => {
        if (!isFromChild(message) || message.type !== 'memory') return
        child.off('message', onMessage)
        resolve(message.usage)
      }
      child.on('message', onMessage)
      send({ type: 'memory', gc })
    }),
    stop: () => stopChild(child, () => send({ type: 'stop' }))
  }
}

/** Asks a child to stop, waits for it, and kills it if it takes more than 10 s. */
export function stopChild (child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    ask()
  })
}

/** Resolves with the first message of `type` from a child, or rejects if it exits first. */
export function nextMessage<T extends FromChild['type']> (child: ChildProcess, type: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child exited (${code}) without a ${type} message`))
    const onMessage = (message: unknown): void => {
      if (!isFromChild(message) || message.type !== type) return
      child.off('exit', onExit)
      child.off('message', onMessage)
      resolve(message as Extract<FromChild, { type: T }>)
    }
    child.once('exit', onExit)
    child.on('message', onMessage)
  })
}
