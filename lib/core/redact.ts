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

/** The credentials part of a URL-like text: from after "//" to its last "@", as written. Pure. */
export function userinfoOf(url: string): { start: number; end: number; text: string } | undefined {
  const scheme = /^[^:/?#\s]*:?\/\//.exec(url)
  if (!scheme) return undefined
  const start = scheme[0].length
  const end = url.lastIndexOf('@')
  return end < start ? undefined : { start, end, text: url.slice(start, end) }
}

/**
 * Whether a URL's credentials cannot be read as written: an unencoded @ / ? or # in them (the
 * URL parser would end the user name or password there and read the rest as the host), or a %
 * that does not start a %XX escape. Pure.
 */
export function hasUnencodedCredentials(url: string): boolean {
  const userinfo = userinfoOf(url)
  return userinfo !== undefined && /[@/?#\s]|%(?![0-9a-fA-F]{2})/.test(userinfo.text)
}

/**
 * Every form of the password a URL carries (as written and percent-decoded, and a
 * ?password= parameter), for registerSecret. Works on text that is not a valid URL too,
 * since a typo'd URL is exactly the one an error message might echo. Pure.
 */
export function passwordsOf(url: string): string[] {
  const found = new Set<string>()
  const add = (value: string | null | undefined) => {
    if (!value) return
    found.add(value)
    try {
      found.add(decodeURIComponent(value))
    } catch {
      // a stray % is not an encoding; the raw form is already added
    }
  }
  add(/^[^:/?#\s]*:?\/\/[^:@/?#\s]*:([^@/\s]*)@/.exec(url)?.[1])
  // A password with an unencoded @ / ? #: everything from the first colon to the last @.
  const userinfo = userinfoOf(url)?.text
  if (userinfo?.includes(':') && hasUnencodedCredentials(url)) add(userinfo.slice(userinfo.indexOf(':') + 1))
  add(/[?&]password=([^&#\s]*)/i.exec(url)?.[1])
  try {
    const parsed = new URL(url)
    add(parsed.password)
    add(parsed.searchParams.get('password'))
  } catch {
    // not a URL: the patterns above are all there is
  }
  return [...found]
}
