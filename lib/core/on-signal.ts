// Clean-ups that must run when the user interrupts (Ctrl-C's SIGINT, a kill's SIGTERM, a closed
// terminal's SIGHUP) as they do at a normal end: the first signal runs every registered
// clean-up, newest first, then exits with 128 + the signal's number; further signals are
// ignored meanwhile. Listeners are installed only while a clean-up is registered.
import { constants } from 'node:os'

type CleanUp = () => Promise<void>

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
const registered: CleanUp[] = []
let leaving = false

function onSignal(signal: NodeJS.Signals): void {
  if (leaving) return
  leaving = true
  void (async () => {
    for (const cleanUp of [...registered].reverse()) await cleanUp().catch(() => undefined)
    process.exit(128 + (constants.signals[signal] ?? 1))
  })()
}

/** Run `cleanUp` if a signal ends the process before the returned release is called. */
export function cleanUpOnSignal(cleanUp: CleanUp): () => void {
  if (registered.length === 0) for (const signal of SIGNALS) process.on(signal, onSignal)
  registered.push(cleanUp)
  return () => {
    const at = registered.indexOf(cleanUp)
    if (at >= 0) registered.splice(at, 1)
    if (registered.length === 0 && !leaving) for (const signal of SIGNALS) process.off(signal, onSignal)
  }
}
