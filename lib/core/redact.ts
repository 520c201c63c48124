// Secrets never reach output. Every value a script learns is secret is registered here,
// and every line the kit prints (lib/core/output.ts) or reports as an error (lib/core/boundary.ts)
// goes through redact(), so hiding a secret is a mechanism rather than a habit.

export const MASK = '****'
const secrets = new Set<string>()

/**
 * Every form in which the kit can print a value: as is, JSON-escaped (inside a JSON string,
 * as render prints it: a `"`, `\\` or newline escaped), URL-encoded (percent-encoding, and the
 * form encoding's `+` for a space), and those escaped once more (a JSON document inside a JSON
 * string). Pure.
 */
export function printedForms(value: string): string[] {
  const json = (text: string) => JSON.stringify(text).slice(1, -1)
  const forms = new Set([value, json(value), encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)])
  for (const form of [...forms]) forms.add(json(json(form)))
  return [...forms]
}

/** Remember a secret value (in every form it could be printed in) so it is masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; they are not meaningful secrets anyway.
  if (!value || value.length < 4) return
  for (const form of printedForms(value)) secrets.add(form)
}

/** Replace every registered secret in text with the mask. Longest first, so overlaps mask fully. */
export function redact(text: string): string {
  if (secrets.size === 0) return text
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK)
  }
  return out
}

/** A connection URL with its password masked, for echoing back to the user. Pure. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = MASK
    return parsed.toString()
  } catch {
    // Not a WHATWG URL (libpq key=value form, or a typo): mask anything after password=.
    return url.replace(/(password\s*=\s*)(?:'[^']*'|\S+)/gi, `$1${MASK}`)
  }
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear()
}
