// What every scenario gets from run.ts.
import type { MeasureOptions } from '../lib/measure.js'
import type { Started } from '../lib/spawn.js'
import type { Options } from '../options.js'

export interface Context {
  options: Options
  upstream: Started
  /** A temporary folder for body files and scripts, removed at the end. */
  tmp: string
  /** The small MLflow invocation, as a file. */
  smallBody: string
}

/** Progress lines go to stderr, so stdout holds the report alone. */
export function progress (scenario: string, line: string): void {
  process.stderr.write(`[${scenario}] ${line}\n`)
}

/** measure()'s options for a closed-loop run of `bodyFile` with the scenario's settings. */
export function measureOptions (ctx: Context, bodyFile: string): MeasureOptions {
  const { options } = ctx
  return {
    tool: options.tool,
    load: { connections: options.connections, duration: options.duration, bodyFile },
    warmup: options.warmup,
    quietWait: options.quietWait,
    maxNoise: options.maxNoise,
    attempts: options.attempts,
    tmp: ctx.tmp,
    upstream: ctx.upstream
  }
}

/** Tells of a run thrown away because the machine was busy. */
export function noisy (scenario: string, what: string) {
  return (noise: number): void => progress(scenario, `${what}: others took ${noise.toFixed(0)}% of a core, running it again`)
}
