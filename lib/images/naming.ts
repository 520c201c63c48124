// Pure rules about images: how the kit tags them, which platform a task definition runs on,
// whether an image fits it, and how image references split into registry, repository and tag.
import { ConfigError } from '../core/errors.js'

/** The tag of a source at a commit: the short commit, `-dirty` when the folder has uncommitted changes. Pure. */
export function sourceTag(commit: string, dirty: boolean): string {
  return `${commit}${dirty ? '-dirty' : ''}`
}

/** Docker's rule for a tag. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

export function checkTag(tag: string, flag = '--tag'): string {
  if (!TAG.test(tag)) throw new ConfigError(`${flag} "${tag}" is not a valid image tag (letters, digits, _ . -, up to 128, not starting with . or -)`)
  return tag
}

export interface Platform {
  /** As docker takes it: linux/amd64 */
  name: string
  os: string
  architecture: string
}

const PLATFORMS: Record<string, Platform> = {
  X86_64: { name: 'linux/amd64', os: 'linux', architecture: 'amd64' },
  ARM64: { name: 'linux/arm64', os: 'linux', architecture: 'arm64' },
}

/**
 * The platform a task definition runs on: linux/amd64, or linux/arm64 when its
 * runtimePlatform.cpuArchitecture is ARM64 (Fargate's default is X86_64 on Linux). Pure.
 */
export function taskPlatform(taskDefinition: unknown, file: string): Platform {
  const runtime = (taskDefinition as { runtimePlatform?: { cpuArchitecture?: unknown; operatingSystemFamily?: unknown } })?.runtimePlatform ?? {}
  const cpu = runtime.cpuArchitecture ?? 'X86_64'
  const os = runtime.operatingSystemFamily ?? 'LINUX'
  if (os !== 'LINUX') throw new ConfigError(`${file}: runtimePlatform.operatingSystemFamily is ${String(os)}: the kit builds and runs Linux images only`)
  const platform = typeof cpu === 'string' ? PLATFORMS[cpu] : undefined
  if (!platform) throw new ConfigError(`${file}: runtimePlatform.cpuArchitecture must be X86_64 or ARM64, got ${JSON.stringify(cpu)}`)
  return platform
}

export interface ImagePlatform {
  os?: string
  architecture?: string
  variant?: string
}

/** Why an image cannot run on a platform, or undefined when it can. Pure. */
export function platformMismatch(image: ImagePlatform, want: Platform): string | undefined {
  const has = [image.os ?? '?', image.architecture ?? '?', image.variant].filter(Boolean).join('/')
  if (image.os === want.os && image.architecture === want.architecture) return undefined
  return `the image is ${has} but the task runs on ${want.name}`
}

export interface Reference {
  /** host[:port], when the reference names one. */
  registry?: string
  repository: string
  tag?: string
  digest?: string
}

/** A content digest as registries give it: sha256 and 64 lower-case hex digits. */
export const DIGEST = /^sha256:[0-9a-f]{64}$/

/** Split an image reference as docker does: the first part is a registry when it has a "." or ":" or is localhost. Pure. */
export function parseReference(text: string): Reference {
  let rest = text.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  let registry: string | undefined
  const slash = rest.indexOf('/')
  if (slash > 0) {
    const first = rest.slice(0, slash)
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first
      rest = rest.slice(slash + 1)
    }
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw new ConfigError(`"${text}": "${digest}" is not an image digest (sha256: and 64 hex digits, as docker push prints it)`)
  }
  if (!rest || !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(rest) || (tag !== undefined && !TAG.test(tag))) {
    throw new ConfigError(`"${text}" is not an image reference such as python:3.10-slim-buster or 123456789012.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:abc1234`)
  }
  return { ...(registry ? { registry } : {}), repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) }
}

/** A reference back to text. Pure. */
export function formatReference(ref: Reference): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}


/** A loopback registry (docker talks plain HTTP to 127.0.0.0/8 without being told). Pure. */
export const isLoopbackRegistry = (registry: string): boolean => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(registry)

/**
 * The image a rendered task definition names, as the local docker should pull it: when
 * ECR_REGISTRY overrides the registry, the account's ECR host is swapped for it. Pure.
 */
export function localImage(image: string, accountRegistry: string, override: string | undefined): string {
  if (!override) return image
  const ref = parseReference(image)
  return ref.registry === accountRegistry ? formatReference({ ...ref, registry: override }) : image
}

/** The repository the guide mirrors a base image into: python:3.10-slim-buster -> cruddur-python. Pure. */
export function mirrorRepository(ref: Reference): string {
  return `cruddur-${ref.repository.split('/').pop()}`
}

/** Bytes for people: 1.9 MB. Pure. */
export function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`
  return `${bytes} B`
}
