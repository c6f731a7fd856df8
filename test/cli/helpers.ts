/** Runs CLI commands in-process with captured output, and writes config files into a temporary folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { runCli } from '../../src/cli/main.ts'

export interface CliRun {
  code: number
  out: string
  err: string
}

export async function cli (argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, {
    env: { PATH: process.env.PATH ?? '', ...env },
    out: l => out.push(l),
    err: l => err.push(l),
    interactive: false
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

export interface TempDir {
  path: string
  /** Writes a config object as YAML and returns the file's path. */
  config: (name: string, config: Record<string, unknown>) => string
  remove: () => void
}

export function tempDir (): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'relay-cli-'))
  return {
    path,
    config: (name, config) => {
      const file = join(path, name)
      writeFileSync(file, stringify(config))
      return file
    },
    remove: () => rmSync(path, { recursive: true, force: true })
  }
}
