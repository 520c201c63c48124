// "Does AWS already hold what we would send?" AWS answers a describe with the document we
// registered plus defaults it filled in (cpu 0, mountPoints [], compatibilities, ...), so the
// question is whether the desired JSON is a *subset* of the actual one, not whether they are
// equal. Comparing for equality would register a new revision on every run.

type Json = unknown

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Arrays whose items are objects with a string `name` (environment, secrets, portMappings, containerDefinitions). */
const isKeyedByName = (items: readonly Json[]): items is Record<string, Json>[] =>
  items.length > 0 && items.every((item) => isObject(item) && typeof item.name === 'string')

/** Tag lists ([{ key, value }]): what the template asks for must be there; tags added since (the
 * kit's own deploy record, a team's cost tags) are not the template's business. */
const isTagList = (items: readonly Json[]): items is Record<string, Json>[] =>
  items.length > 0 && items.every((item) => isObject(item) && typeof item.key === 'string' && 'value' in item)

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key)

/**
 * The paths at which `actual` does not hold `desired`, e.g. `containerDefinitions[backend-flask].image`.
 * Empty when every key of `desired` has an equal value in `actual`; keys only `actual` has are
 * ignored. Arrays of objects with a `name` compare as sets keyed by that name (an item only
 * one side has is a difference); tag lists by key, as a subset (tags added since are kept);
 * other arrays compare item by item and must have the same
 * length. An empty desired array or object matches a missing one (AWS omits some empties).
 * Paths only, never values: values can be anything a template holds. Pure.
 */
export function differences(desired: Json, actual: Json, path = ''): string[] {
  const here = path || '(whole document)'
  if (Array.isArray(desired)) {
    if (actual === undefined && desired.length === 0) return []
    if (!Array.isArray(actual)) return [here]
    if (isKeyedByName(desired) && actual.every(isObject)) {
      const byName = new Map(actual.map((item) => [String((item as Record<string, Json>).name), item]))
      const wanted = new Set(desired.map((item) => item.name as string))
      const found: string[] = []
      for (const item of desired) {
        const at = `${path}[${item.name as string}]`
        const match = byName.get(item.name as string)
        if (match === undefined) found.push(at)
        else found.push(...differences(item, match, at))
      }
      for (const name of byName.keys()) if (!wanted.has(name)) found.push(`${path}[${name}]`)
      return found
    }
    if (isTagList(desired) && actual.every(isObject)) {
      const byKey = new Map(actual.map((item) => [String((item as Record<string, Json>).key), (item as Record<string, Json>).value]))
      return desired.filter((tag) => byKey.get(tag.key as string) !== tag.value).map((tag) => `${path}[${tag.key as string}]`)
    }
    if (desired.length !== actual.length) return [here]
    return desired.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`))
  }
  if (isObject(desired)) {
    if (actual === undefined && Object.keys(desired).length === 0) return []
    if (!isObject(actual)) return [here]
    return Object.entries(desired).flatMap(([key, value]) => differences(value, actual[key], join(path, key)))
  }
  if (desired === null || desired === undefined) return actual === null || actual === undefined ? [] : [here]
  return Object.is(desired, actual) ? [] : [here]
}

/**
 * `actual` in the shape of `desired`, by the rules differences() judges with: only the keys
 * `desired` has, items keyed by name in `desired`'s order (an item only `actual` has follows),
 * only the tags `desired` names, a missing empty array or object as that empty value. What ECS
 * adds (ARNs, revisions, defaults such as cpu 0) falls away, so a text diff of the two
 * documents shows exactly what differences() finds: none when it finds none. Pure.
 */
export function inShapeOf(desired: Json, actual: Json): Json {
  if (Array.isArray(desired)) {
    if (actual === undefined && desired.length === 0) return []
    if (!Array.isArray(actual)) return actual
    if (isKeyedByName(desired) && actual.every(isObject)) {
      const byName = new Map(actual.map((item) => [String((item as Record<string, Json>).name), item]))
      const wanted = new Set(desired.map((item) => String(item.name)))
      const matched = desired.filter((item) => byName.has(String(item.name))).map((item) => inShapeOf(item, byName.get(String(item.name))))
      return [...matched, ...actual.filter((item) => !wanted.has(String((item as Record<string, Json>).name)))]
    }
    if (isTagList(desired) && actual.every(isObject)) {
      const byKey = new Map(actual.map((item) => [String((item as Record<string, Json>).key), item]))
      return desired.flatMap((tag) => (byKey.has(String(tag.key)) ? [byKey.get(String(tag.key))] : []))
    }
    if (desired.length !== actual.length) return actual
    return desired.map((item, i) => inShapeOf(item, actual[i]))
  }
  if (isObject(desired)) {
    if (actual === undefined && Object.keys(desired).length === 0) return {}
    if (!isObject(actual)) return actual
    return Object.fromEntries(
      Object.entries(desired).flatMap(([key, value]) => {
        const shaped = inShapeOf(value, actual[key])
        return shaped === undefined ? [] : [[key, shaped]]
      }),
    )
  }
  if ((desired === null || desired === undefined) && (actual === null || actual === undefined)) return desired
  return actual
}

/** A short list of paths for a one-line detail: "a, b, c and 4 more". Pure. */
export function summarizePaths(paths: readonly string[], max = 3): string {
  const shown = paths.slice(0, max).join(', ')
  return paths.length > max ? `${shown} and ${paths.length - max} more` : shown
}
