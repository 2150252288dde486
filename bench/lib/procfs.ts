// What the kernel knows about a process: CPU time and resident memory, read from /proc so the
// same numbers come out for Node children and for nginx alike. Linux only; null elsewhere.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

export const TICKS_PER_SECOND = clockTicks()

function clockTicks (): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}

/** User + system CPU seconds the process has used so far (10 ms resolution at 100 ticks/s). */
export function cpuSeconds (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields from after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND // utime, stime
  } catch {
    return null
  }
}

export interface ProcMemory {
  rssBytes: number
  /** VmHWM: the largest RSS since start, or since resetPeak(). */
  peakRssBytes: number
}

export function memory (pid: number): ProcMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
    return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') }
  } catch {
    return null
  }
}

/** Restarts VmHWM from the current RSS (Linux >= 4.0), so a peak can be read for one phase. */
export function resetPeak (pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not permitted or not Linux: the peak then covers the whole life of the process.
  }
}

export interface CoreTimes {
  /** Seconds in user, nice and system mode, by any process. */
  busy: number
  /** Seconds the hypervisor ran someone else while this core wanted to run. */
  steal: number
}

/** Per-core totals from /proc/stat, indexed by core number. */
export function coreTimes (): CoreTimes[] | null {
  try {
    const cores: CoreTimes[] = []
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const match = /^cpu(\d+) (.*)$/.exec(line)
      if (match === null) continue
      const [user, nice, system, , , , , steal] = match[2].trim().split(/\s+/).map(Number)
      cores[Number(match[1])] = { busy: (user + nice + system) / TICKS_PER_SECOND, steal: steal / TICKS_PER_SECOND }
    }
    return cores
  } catch {
    return null
  }
}
