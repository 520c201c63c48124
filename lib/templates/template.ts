// JSON templates with ${NAME} placeholders: the guide's policies, task definitions and
// service definitions, kept as files and rendered with the real account, region, ARNs,
// subnets and security group at use. Placeholders live inside JSON strings, so every
// template stays valid JSON that editors and linters understand.
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ConfigError } from '../core/errors.js'
import { jsonErrorOffset } from '../core/json-error.js'
import { ROOT } from '../config/paths.js'

export type TemplateValue = string | readonly string[]
/** A placeholder's value, or undefined when it has none. */
export type Lookup = (name: string) => TemplateValue | undefined
/** How to give a placeholder a value, for the error when it has none: "set NAME in .env". */
export type Hint = (name: string) => string

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/

export interface Template {
  /** The file as shown to users, relative to the repo root. */
  file: string
  /** The parsed JSON, placeholders still in place. */
  json: unknown
}

/** Parse a template's text; malformed JSON is a ConfigError naming the file, line and column. Pure. */
export function parseTemplate(file: string, text: string): Template {
  try {
    return { file, json: JSON.parse(text) }
  } catch (error) {
    const offset = jsonErrorOffset(text)
    let where = ''
    if (offset >= 0) {
      const before = text.slice(0, offset)
      where = `:${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`
    }
    const reason = (error as Error).message.split(/, "|\n| in JSON/)[0]
    throw new ConfigError(`${file}${where}: malformed JSON (${reason}): fix the file so it parses`)
  }
}

/** Read and parse a template file (path relative to the repo root). */
export function loadTemplate(path: string): Template {
  const absolute = join(ROOT, path)
  let text: string
  try {
    text = readFileSync(absolute, 'utf8')
  } catch {
    throw new ConfigError(`template ${relative(ROOT, absolute)} not found: create it or check the name`)
  }
  return parseTemplate(relative(ROOT, absolute), text)
}

/** Every placeholder name used in a value. Pure. */
export function placeholders(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) into.add(m[1])
  else if (Array.isArray(value)) for (const item of value) placeholders(item, into)
  else if (value && typeof value === 'object') for (const item of Object.values(value)) placeholders(item, into)
  return into
}

function substitute(value: unknown, lookup: Lookup, missing: Set<string>, misuse: Set<string>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value)
    if (whole) {
      const v = lookup(whole[1])
      if (v === undefined) missing.add(whole[1])
      // A whole-string placeholder may become a list (subnets).
      return v === undefined ? value : Array.isArray(v) ? [...v] : v
    }
    return value.replace(PLACEHOLDER, (text, name: string) => {
      const v = lookup(name)
      if (v === undefined) missing.add(name)
      else if (typeof v !== 'string') misuse.add(name)
      return typeof v === 'string' ? v : text
    })
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, lookup, missing, misuse))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, lookup, missing, misuse)]))
  }
  return value
}

/** Render a template: every placeholder replaced, or one ConfigError naming each without a value. Pure. */
export function render(template: Template, lookup: Lookup, hint: Hint): unknown {
  const missing = new Set<string>()
  const misuse = new Set<string>()
  const rendered = substitute(template.json, lookup, missing, misuse)
  if (missing.size > 0) {
    const each = [...missing].map((name) => `\${${name}} (${hint(name)})`).join('; ')
    throw new ConfigError(`${template.file}: no value for ${each}`)
  }
  if (misuse.size > 0) {
    const names = [...misuse].map((n) => `\${${n}}`).join(', ')
    throw new ConfigError(`${template.file}: ${names} is a list and must be a whole JSON string value, e.g. "subnets": "${[...misuse][0] ? `\${${[...misuse][0]}}` : ''}"`)
  }
  return rendered
}
