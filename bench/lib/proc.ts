/** What the kernel says about a child: resident memory (VmRSS) and CPU time, read from /proc. */
import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100 // USER_HZ; 100 on every Linux the relay targets

/** Resident set size in MB, or NaN when /proc is unavailable. */
export function rssMb (pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m?.[1] === undefined ? Number.NaN : Number(m[1]) / 1024
  } catch {
    return Number.NaN
  }
}

/** User + system CPU seconds the process has used, or NaN. */
export function cpuSeconds (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start at ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** Samples RSS every `everyMs` until stopped; returns the peak and the samples' median. */
export function sampleRss (pid: number, everyMs = 100): { stop: () => { peak: number, samples: number[] } } {
  const samples: number[] = []
  const timer = setInterval(() => {
    const v = rssMb(pid)
    if (Number.isFinite(v)) samples.push(v)
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      const v = rssMb(pid)
      if (Number.isFinite(v)) samples.push(v)
      return { peak: samples.length === 0 ? Number.NaN : Math.max(...samples), samples }
    }
  }
}
