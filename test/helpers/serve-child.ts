// `switchyard serve --config FILE` as a child process, for tests of what only a real process
// shows (signals, exit codes). It uses this test's TypeScript loader (tap's), so the child's
// coverage lines up with the tests'; a second transpiler would report other line numbers.
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { Test } from 'tap'

const root = new URL('../../', import.meta.url).pathname

export interface ServedChild {
  child: ChildProcessByStdio<null, Readable, null>
  /** Every log line so far, parsed. */
  lines: Array<Record<string, unknown>>
  /** The 'switchyard listening' line (with the proxy and admin URLs). */
  started: Record<string, unknown>
}

/** Starts the child in `cwd` and resolves once it listens; killed at teardown if still running. */
export async function serveChild (t: Test, file: string, cwd: string): Promise<ServedChild> {
  const loader = process.execArgv.some((a) => a.includes('@tapjs/typescript')) ? process.execArgv : ['--import', 'tsx']
  const child = spawn(process.execPath, [...loader, join(root, 'src/cli/run.ts'), 'serve', '--config', file], { cwd, stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const lines: Array<Record<string, unknown>> = []
  const started = await new Promise<Record<string, unknown>>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>
      lines.push(entry)
      if (entry.msg === 'switchyard listening') resolve(entry)
    })
  })
  return { child, lines, started }
}
