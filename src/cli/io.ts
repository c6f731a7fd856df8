/** What a CLI command may touch: the environment, two output streams and a progress line. Tests pass their own. */
import { readEnvironment } from '../config/environment.ts'
import { loadConfig } from '../config/load.ts'
import { readConfigFile } from '../config/read-file.ts'
import type { RelayConfig } from '../config/schema.ts'

export interface CliIo {
  env: Record<string, string | undefined>
  /** Results: one line each, to stdout. */
  out: (line: string) => void
  /** Progress and diagnostics, to stderr. */
  err: (line: string) => void
  /** True when stderr is a terminal: progress redraws one line instead of printing many. */
  interactive: boolean
  /** Raw text to stderr, no newline (the redrawn progress line). */
  status?: (text: string) => void
  readFile?: (path: string) => string | undefined
  now?: () => number
}

/** Exit codes: 0 all good, 1 problems found or the command failed, 2 wrong usage. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const

/** The config the relay would run with, from --config or RELAY_CONFIG, else ./relay.config.yaml and the environment. */
export function cliConfig (io: CliIo, configPath: string | undefined): RelayConfig {
  const env = configPath === undefined ? io.env : { ...io.env, RELAY_CONFIG: configPath }
  // The same checks as the relay's start: a variable it would refuse is refused here, by name.
  readEnvironment(env)
  return loadConfig({ env, readFile: io.readFile ?? readConfigFile })
}

/**
 * A progress indicator for long operations. On a terminal it redraws one line; otherwise it
 * prints at most one line per `every` steps, so logs of scripted runs stay short.
 */
export class Progress {
  #last = -1
  constructor (
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly every = 100
  ) {}

  update (done: number, note = ''): void {
    const text = `${this.label}: ${done}${this.total !== undefined ? `/${this.total}` : ''}${note === '' ? '' : ` ${note}`}`
    if (this.io.interactive && this.io.status !== undefined) {
      this.io.status(`\r\x1b[2K${text}`)
    } else if (this.#last < 0 || done - this.#last >= this.every || done === this.total) {
      this.io.err(text)
    } else {
      return
    }
    this.#last = done
  }

  done (summary: string): void {
    if (this.io.interactive && this.io.status !== undefined) this.io.status('\r\x1b[2K')
    this.io.err(`${this.label}: ${summary}`)
  }
}
