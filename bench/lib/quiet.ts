// The machine is shared: other people's builds and tests come and go. Before each run, wait
// (up to a limit) for a second in which the cores are nearly idle, so that fewer samples are
// taken while something else is running. Whatever happens during the run is still recorded
// (Measured.otherOnProxyCorePercent).
import { coreTimes } from './procfs.js'

export interface Quiet {
  /** Seconds waited. */
  waited: number
  /** Busy % of all cores together in the last second checked. */
  busyPercent: number | null
}

export async function waitForQuiet (maxSeconds: number, thresholdPercent = 15): Promise<Quiet> {
  const started = performance.now()
  let busyPercent: number | null = null
  do {
    const before = coreTimes()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const after = coreTimes()
    if (before === null || after === null) return { waited: 0, busyPercent: null }
    const busy = after.reduce((sum, core, i) => sum + core.busy - before[i].busy, 0)
    busyPercent = busy / after.length * 100
    if (busyPercent <= thresholdPercent) break
  } while ((performance.now() - started) / 1000 < maxSeconds)
  return { waited: (performance.now() - started) / 1000, busyPercent }
}
