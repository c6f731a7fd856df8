/**
 * The config file reader the processes give loadConfig. It names the path in every failure: a
 * container runtime turns a missing bind-mounted file into a folder, and Node's own EISDIR message
 * says neither which path nor what to do.
 */
import { readFileSync, statSync } from 'node:fs'
import { ConfigError } from '../errors.ts'

/** The file's text; undefined when nothing is at `path`; a ConfigError naming the path otherwise. */
export function readConfigFile (path: string): string | undefined {
  let isFile: boolean
  try {
    isFile = statSync(path).isFile()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`Config file ${path} cannot be read: ${(err as Error).message}`)
  }
  if (!isFile) {
    throw new ConfigError(`Config path ${path} is a folder, not a file (a container mount of a missing file creates a folder): ` +
      'mount the folder that holds relay.config.yaml and point RELAY_CONFIG at the file inside it')
  }
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`Config file ${path} cannot be read: ${(err as Error).message}`)
  }
}
