/** A small Dockerfile reader for the deployment tests: enough to find stages, COPY sources, RUN and CMD. */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, CMD, ... */
  op: string
  /** The rest of the line, continuations joined. */
  rest: string
  /** Index of the stage (FROM) it belongs to; -1 before the first FROM (global ARGs). */
  stage: number
}

export interface Stage {
  image: string
  name?: string
  instructions: Instruction[]
}

export interface Dockerfile {
  globalArgs: Record<string, string>
  stages: Stage[]
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd()
    if (pending === '' && /^\s*#/.test(line)) continue
    if (pending !== '' && /^\s*#/.test(line)) continue // comments inside a continuation
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `
      continue
    }
    const full = (pending + line.trim()).trim()
    pending = ''
    if (full !== '') logical.push(full)
  }
  const globalArgs: Record<string, string> = {}
  const stages: Stage[] = []
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l)
    if (!m) throw new Error(`unreadable Dockerfile line: ${l}`)
    const op = m[1]!.toUpperCase()
    const rest = m[2]!
    if (op === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)
      if (!f) throw new Error(`unreadable FROM: ${rest}`)
      const image = f[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[(a ?? b)!] ?? '')
      stages.push({ image, name: f[2], instructions: [] })
      continue
    }
    if (stages.length === 0) {
      if (op === 'ARG') {
        const a = /^(\w+)=(.*)$/.exec(rest)
        if (a) globalArgs[a[1]!] = a[2]!.replace(/^"|"$/g, '')
      }
      continue
    }
    stages[stages.length - 1]!.instructions.push({ op, rest, stage: stages.length - 1 })
  }
  return { globalArgs, stages }
}

/** Exec form (`["a","b"]`) → argv; shell form → ['/bin/sh', '-c', text]. */
export function commandOf(rest: string): string[] {
  const t = rest.trim()
  if (t.startsWith('[')) return JSON.parse(t) as string[]
  return ['/bin/sh', '-c', t]
}

export interface CopyStep {
  from?: string
  chown?: string
  sources: string[]
  dest: string
}

export function parseCopy(rest: string): CopyStep {
  const words = rest.trim().split(/\s+/)
  const step: CopyStep = { sources: [], dest: '' }
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!
    const [k, v] = flag.slice(2).split('=')
    if (k === 'from') step.from = v
    if (k === 'chown') step.chown = v
  }
  step.dest = words.pop() ?? ''
  step.sources = words
  return step
}

/** `ENV A=1 B=2` (and the old `ENV A 1` form) → pairs. */
export function parseEnvLine(rest: string): Record<string, string> {
  const out: Record<string, string> = {}
  const pairs = rest.match(/(\w+)=("[^"]*"|\S*)/g)
  if (!pairs) {
    const [k, ...v] = rest.trim().split(/\s+/)
    if (k) out[k] = v.join(' ')
    return out
  }
  for (const p of pairs) {
    const i = p.indexOf('=')
    out[p.slice(0, i)] = p.slice(i + 1).replace(/^"|"$/g, '')
  }
  return out
}

/** HEALTHCHECK [options] CMD ... → its command. */
export function healthcheckCommand(rest: string): string[] {
  const i = rest.search(/\bCMD\b/)
  if (i === -1) throw new Error(`HEALTHCHECK without CMD: ${rest}`)
  return commandOf(rest.slice(i + 3))
}
