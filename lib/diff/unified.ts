// A unified diff (diff -u, git diff) of two texts, line by line: the deployed document on the
// `-` side, what the templates render on the `+` side, so a diff reads as what applying the
// templates would change. Documents are a few hundred lines at most, so the longest common
// subsequence is found by plain dynamic programming rather than Myers' algorithm.

/** One line of a diff: kept (' '), removed ('-') or added ('+'). */
interface Edit {
  op: ' ' | '-' | '+'
  text: string
  /** 1-based line numbers on each side after this line (the line's own number where it exists). */
  a: number
  b: number
}

const linesOf = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'))

/** The edits that turn `a` into `b`: removals before additions where lines change. Pure. */
function edits(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length
  const m = b.length
  // common[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1])
  }
  const out: Edit[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i], a: ++i, b: ++j })
    } else if (j >= m || (i < n && common[i + 1][j] >= common[i][j + 1])) {
      out.push({ op: '-', text: a[i], a: ++i, b: j })
    } else {
      out.push({ op: '+', text: b[j], a: i, b: ++j })
    }
  }
  return out
}

/** A hunk's range as diff -u writes it: "start,count" ("start" alone for one line; the line before for none). Pure. */
function range(start: number, count: number): string {
  if (count === 1) return String(start)
  return `${count === 0 ? start - 1 : start},${count}`
}

export interface UnifiedOptions {
  /** The names on the `---` and `+++` lines. */
  from: string
  to: string
  /** Unchanged lines shown around each change (default 3, as diff -u). */
  context?: number
}

/**
 * The unified diff of two texts: `--- from`, `+++ to`, then `@@ -a,b +c,d @@` hunks with
 * `context` unchanged lines around each change (hunks closer than twice that merge). Empty
 * when the texts have the same lines. Pure.
 */
export function unifiedDiff(before: string, after: string, options: UnifiedOptions): string {
  const context = options.context ?? 3
  const all = edits(linesOf(before), linesOf(after))
  const changed = all.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]))
  if (changed.length === 0) return ''
  // Group the changes into hunks: [first, last] indexes into `all`, context included.
  const hunks: Array<[number, number]> = []
  for (const index of changed) {
    const first = Math.max(0, index - context)
    const last = Math.min(all.length - 1, index + context)
    const previous = hunks.at(-1)
    if (previous && first <= previous[1] + 1) previous[1] = last
    else hunks.push([first, last])
  }
  const out = [`--- ${options.from}`, `+++ ${options.to}`]
  for (const [first, last] of hunks) {
    const lines = all.slice(first, last + 1)
    const fromCount = lines.filter((e) => e.op !== '+').length
    const toCount = lines.filter((e) => e.op !== '-').length
    // The first line of the hunk on each side: where the hunk's first edit sits.
    const head = all[first]
    const fromStart = head.op === '+' ? head.a + 1 : head.a
    const toStart = head.op === '-' ? head.b + 1 : head.b
    out.push(`@@ -${range(fromStart, fromCount)} +${range(toStart, toCount)} @@`)
    for (const edit of lines) out.push(`${edit.op}${edit.text}`)
  }
  return out.join('\n') + '\n'
}
