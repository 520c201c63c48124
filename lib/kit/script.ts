// How a script opens the kit: its lines on its own terminal (stdout, colours, docker's dimmed
// lines), or under --json on stderr or nowhere, so stdout carries only the document.
import { bad, ok, say, warn } from '../core/output.js'
import { redact } from '../core/redact.js'
import { KitCore, type KitOutput } from './core.js'

const toStderr = (text: string): void => void process.stderr.write(redact(text) + '\n')
const nowhere = (): void => {}

/**
 * A script's output. `underJson`: where progress goes under --json ("stderr", as deploy's, or
 * "silent", as provision's). `note`: lines for a person about what is being asked of AWS.
 */
export function scriptOutput(json: boolean, options: { underJson?: 'stderr' | 'silent'; note?: (text: string) => void } = {}): KitOutput {
  const underJson = options.underJson ?? 'silent'
  const line = !json ? say : underJson === 'stderr' ? toStderr : nowhere
  return {
    line,
    warn,
    note: options.note ?? nowhere,
    ok,
    bad,
    stream: json ? process.stderr : process.stdout,
    terminal: true,
  }
}

/**
 * The kit over the environment the error boundary has already read (.env included, secrets
 * registered). A script then calls its verb (lib/kit/<verb>.ts), the function kit.<verb>() runs.
 */
export async function scriptKit(output: KitOutput): Promise<KitCore> {
  return new KitCore(process.env, process.cwd(), output)
}
