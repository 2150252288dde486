// The child side of a server the bench starts (upstream or proxy): say where it listens, answer
// memory questions, and on `stop` close and exit normally, so that `--cpu-prof` gets to write
// its profile (it does on exit, not when killed by a signal).
import type { FromChild, ToChild } from './messages.js'

export function serveChild (url: string | string[], close: () => Promise<void>): void {
  const urls = Array.isArray(url) ? url : [url]
  const send = (message: FromChild): void => { process.send?.(message) }
  const stop = (): void => {
    close().then(() => process.exit(0), (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  }
  process.on('message', (message: ToChild) => {
    if (message.type === 'stop') return stop()
    // --expose-gc is passed for the leak scenario only: a full collection before each sample
    // leaves the live heap, not whatever garbage the last few thousand requests left behind.
    const gc = (globalThis as { gc?: () => void }).gc
    if (message.gc && gc !== undefined) gc()
    send({ type: 'memory', usage: process.memoryUsage() })
  })
  // The bench died: don't linger.
  process.on('disconnect', stop)
  process.on('SIGTERM', stop)
  send({ type: 'ready', url: urls[0], urls })
}

/** `--name value` from argv, or the fallback. */
export function arg (name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`)
  const value = at === -1 ? fallback : process.argv[at + 1]
  if (value === undefined) throw new Error(`--${name} is required`)
  return value
}
