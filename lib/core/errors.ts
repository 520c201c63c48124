// The kit's exit codes and the errors that carry them to the one error boundary (lib/core/boundary.ts).

export const EXIT = {
  ok: 0,
  /** The thing the script checks or does failed (connection refused, unhealthy, AWS said no). */
  failed: 1,
  /** The caller must fix something first: a flag, an argument, an environment variable. */
  usage: 2,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** An error the kit expected: printed as one line, no stack, with its own exit code. */
export class KitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** Bad flags or arguments. */
export class UsageError extends KitError {
  constructor(message: string) {
    super(message, EXIT.usage)
  }
}

/** Missing or invalid configuration: environment variables, templates, files. */
export class ConfigError extends KitError {
  constructor(message: string) {
    super(message, EXIT.usage)
  }
}

/** The checked thing is not healthy / not reachable / refused. */
export class CheckFailed extends KitError {
  constructor(message: string) {
    super(message, EXIT.failed)
  }
}

/**
 * What a kit command (lib/kit) rejects with: the one line its script would print after
 * "COMMAND: ", the code it would exit with, and the document its --json would print when it
 * printed one (a failed deploy, a drifted status). `cause` is the error it came from, if any.
 */
export class CommandFailed extends KitError {
  constructor(
    readonly command: string,
    message: string,
    exitCode: ExitCode,
    readonly document?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, exitCode)
    if (options && 'cause' in options) this.cause = options.cause
  }
}
