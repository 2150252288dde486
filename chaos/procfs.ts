// Open file descriptors and resident memory of a process, from /proc (Linux).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

export interface ProcSample {
  at: number
  pid: number
  fds: number
  /** fds by kind: socket, pipe, anon_inode, file. */
  fdKinds: Record<string, number>
  rssBytes: number
}

export function sample (pid: number, at: number): ProcSample | null {
  try {
    const entries = readdirSync(`/proc/${pid}/fd`)
    const fdKinds: Record<string, number> = {}
    for (const fd of entries) {
      let kind = 'gone'
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        kind = target.startsWith('socket:') ? 'socket' : target.startsWith('pipe:') ? 'pipe' : target.startsWith('anon_inode:') ? 'anon_inode' : 'file'
      } catch {}
      fdKinds[kind] = (fdKinds[kind] ?? 0) + 1
    }
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN)
    return { at, pid, fds: entries.length, fdKinds, rssBytes: rssKib * 1024 }
  } catch {
    return null
  }
}

/** The median of a few samples taken `gapMs` apart: one GC or one burst does not decide. */
export async function steadySample (pid: number, clock: () => number, count = 3, gapMs = 1_000): Promise<ProcSample | null> {
  const samples: ProcSample[] = []
  for (let i = 0; i < count; i++) {
    const s = sample(pid, clock())
    if (s !== null) samples.push(s)
    if (i < count - 1) await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  if (samples.length === 0) return null
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
  const last = samples[samples.length - 1] as ProcSample
  return { at: last.at, pid, fds: median(samples.map((s) => s.fds)), fdKinds: last.fdKinds, rssBytes: median(samples.map((s) => s.rssBytes)) }
}

/** Bytes as MiB with one decimal, for reports ('?' when unknown). */
export function mib (bytes: number | undefined): string {
  return bytes === undefined ? '?' : (bytes / 1048576).toFixed(1)
}
