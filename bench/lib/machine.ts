/** The machine the numbers were measured on. */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { ROOT } from './paths.ts'

export interface Machine {
  date: string
  cpuModel: string
  cores: number
  memoryGb: number
  os: string
  node: string
  loadAverage: number[]
  versions: Record<string, string>
}

function versionOf (pkg: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}/node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

export function describeMachine (): Machine {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map(n => Math.round(n * 100) / 100),
    versions: Object.fromEntries(['fastify', 'better-sqlite3', 'autocannon', 'ioredis'].map(p => [p, versionOf(p)]))
  }
}
