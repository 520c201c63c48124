// The one error boundary every script runs inside: loads .env, parses flags, prints --help,
// and turns whatever the body throws into one red line and the right exit code.
import { helpText, parseCli, type ParsedArgs, type ScriptSpec } from './cli.js'
import { describeError } from './describe-error.js'
import { EXIT, type ExitCode } from './errors.js'
import { loadDotenv, registerEnvSecrets } from '../config/env.js'
import { fail, say } from './output.js'
import { redact, registerSecret } from './redact.js'

export type ScriptBody<S extends ScriptSpec> = (args: ParsedArgs<S>) => Promise<ExitCode | void>

/** Run a script to completion and exit the process with its code. */
export async function runScript<const S extends ScriptSpec>(spec: S, body: ScriptBody<S>, argv = process.argv.slice(2)): Promise<never> {
  const debug = argv.includes('--debug')
  let code: ExitCode
  try {
    const args = parseCli(spec, argv)
    if (args.values.help) {
      say(helpText(spec))
      code = EXIT.ok
    } else {
      await loadDotenv()
      registerEnvSecrets(process.env, registerSecret)
      code = (await body(args)) ?? EXIT.ok
    }
  } catch (error) {
    const described = describeError(error)
    fail(`${spec.name}: ${described.line}`)
    if (described.unexpected) {
      if (debug && error instanceof Error && error.stack) process.stderr.write(redact(error.stack) + '\n')
      else fail(`(run with --debug for details)`)
    }
    code = described.exitCode
  }
  // Exit explicitly: an SDK keep-alive socket or a pg pool must not keep a finished script alive.
  process.exit(code)
}
