#!/usr/bin/env node
/** `npx b24-form-relay <command>`: the operator's command line (see src/cli/main.ts for the commands). */
import { runCli } from './cli/main.ts'

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: line => { process.stdout.write(line + '\n') },
  err: line => { process.stderr.write(line + '\n') },
  status: text => { process.stderr.write(text) },
  interactive: process.stderr.isTTY
})
process.exitCode = code
