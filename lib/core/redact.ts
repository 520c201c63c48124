// Secrets never reach output. Every value a script learns is secret is registered here,
// and every line the kit prints (lib/core/output.ts) or reports as an error (lib/core/boundary.ts)
// goes through redact(), so hiding a secret is a mechanism rather than a habit.

export const MASK = '****'
const secrets = new Set<string>()

/** Remember a secret value (and its URL-encoded form) so it is masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; they are not meaningful secrets anyway.
  if (!value || value.length < 4) return
  secrets.add(value)
  const encoded = encodeURIComponent(value)
  if (encoded !== value) secrets.add(encoded)
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
