// A yes/no question on the terminal (teardown's before it deletes).
import { createInterface } from 'node:readline/promises'

/** A yes on the terminal. Ctrl-C or Ctrl-D (they close the question) is a no, as is anything but y or yes. */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)))
  try {
    const answer = await Promise.race([rl.question(question), closed])
    // Closed without an answer: the cursor is still on the question's line.
    if (answer === undefined) process.stdout.write('\n')
    return answer !== undefined && /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
