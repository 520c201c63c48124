// The one error boundary every script runs inside: loads .env, parses flags, prints --help,
// and turns whatever the body throws into one red line and the right exit code.
import { helpText, parseCli, type ParsedArgs, type ScriptSpec } from './cli.js'
import { describeError } from './describe-error.js'
import { CommandFailed, EXIT, type ExitCode } from './errors.js'
import { loadDotenv, registerEnvSecrets } from '../config/env.js'
import { declaredSecretVariables } from '../config/services.js'
import { fail, initColour, say } from './output.js'
import { redact, registerSecret } from './redact.js'
import { openContext, type ContextOptions, type Mode, type RunContext } from '../aws/context.js'
import { VARIABLES } from '../config/variables.js'
import { TIMEOUT_VARIABLES } from '../aws/timeouts.js'

export type ScriptBody<S extends ScriptSpec> = (args: ParsedArgs<S>) => Promise<ExitCode | void>

/** Run a script to completion and exit the process with its code. */
export async function runScript<const S extends ScriptSpec>(spec: S, body: ScriptBody<S>, argv = process.argv.slice(2)): Promise<never> {
  const debug = argv.includes('--debug')
  let code: ExitCode
  await initColour()
  try {
    const args = parseCli(spec, argv)
    if (args.values.help) {
      say(helpText(spec))
      code = EXIT.ok
    } else {
      await loadDotenv()
      registerEnvSecrets(process.env, registerSecret, declaredSecretVariables())
      code = (await body(args)) ?? EXIT.ok
    }
  } catch (error) {
    const endpoint = process.env.AWS_ENDPOINT_URL?.trim()
    // A kit command's rejection: described from what it came from, as if thrown here.
    if (error instanceof CommandFailed && error.cause !== undefined) error = error.cause
    const described = describeError(error, endpoint ? { endpoint } : {})
    // One line, always: the hint for an unexpected error goes on it too.
    const hint = described.unexpected && !debug ? ' (run with --debug for details)' : ''
    fail(`${spec.name}: ${described.line}${hint}`)
    if (described.unexpected && debug && error instanceof Error && error.stack) process.stderr.write(redact(error.stack) + '\n')
    code = described.exitCode
  }
  // Exit explicitly: an SDK keep-alive socket or a pg pool must not keep a finished script alive.
  process.exit(code)
}

/** What every script that reads AWS lists in --help, whatever its own spec says. */
const AWS_ENV = [
  { name: 'AWS_ENDPOINT_URL', description: VARIABLES.AWS_ENDPOINT_URL },
  ...TIMEOUT_VARIABLES,
] as const

/** The spec with AWS_ENDPOINT_URL and the timeouts in its environment list (once). Pure. */
export function withAwsEnv<S extends ScriptSpec>(spec: S): S {
  const env = spec.env ?? []
  const missing = AWS_ENV.filter((a) => !env.some((e) => e.name === a.name))
  return missing.length ? { ...spec, env: [...env, ...missing] } : spec
}

/**
 * Run a script that talks to AWS: its run context is made once, inside the error boundary,
 * after flags are parsed (so `--dry-run` decides the mode), and handed to the body. Its --help
 * lists AWS_ENDPOINT_URL and the AWS timeouts.
 */
export async function runAwsScript<const S extends ScriptSpec>(
  spec: S,
  mode: Mode | ((args: ParsedArgs<S>) => Mode | ContextOptions),
  body: (args: ParsedArgs<S>, run: RunContext) => Promise<ExitCode | void>,
  argv = process.argv.slice(2),
): Promise<never> {
  return runScript(
    withAwsEnv(spec),
    async (args) => {
      const chosen = typeof mode === 'function' ? mode(args) : mode
      return body(args, await openContext(process.env, typeof chosen === 'string' ? { mode: chosen } : chosen))
    },
    argv,
  )
}
