import { expect } from 'chai'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** What runCommand reports about a failed command. */
export interface CommandFailure {
  message: string
  oclif?: { exit?: number }
  suggestions?: string[]
  code?: string
}

/**
 * Asserts that a command failed the way a user can act on: the documented exit code, a message
 * without a stack trace, and text (message and suggestions) that matches every pattern, which
 * name the input at fault and the fix.
 */
export function expectRefusal(
  error: CommandFailure | undefined,
  exit: number,
  ...patterns: RegExp[]
): void {
  expect(error, 'the command failed').to.not.equal(undefined)
  const failure = error as CommandFailure
  const text = [failure.message, ...(failure.suggestions ?? [])].join('\n')

  expect(failure.oclif?.exit, `exit code of: ${text}`).to.equal(exit)
  expect(failure.message).to.not.match(/\n\s+at \S+ \(?\S+:\d+:\d+\)?/)
  for (const pattern of patterns) expect(text).to.match(pattern)
}

/**
 * The pids of this process's children, such as worker processes or a broker; the esbuild
 * service that loads TypeScript on first use is not one a command leaves behind.
 */
export function childPids(): number[] {
  try {
    const out = execFileSync('pgrep', ['-a', '-P', String(process.pid)], { encoding: 'utf8' })
    return out
      .split('\n')
      .filter((line) => line && !line.includes('esbuild'))
      .map((line) => Number(line.split(' ')[0]))
      .sort()
  } catch {
    return []
  }
}

/** A scratch folder, and a writer of files in it. */
export async function scratch(prefix: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `kbench-${prefix}-`))

  return {
    dir,
    async write(name: string, text: string): Promise<string> {
      const file = path.join(dir, name)
      await fs.writeFile(file, text)
      return file
    },
    async remove(): Promise<void> {
      await fs.rm(dir, { recursive: true, force: true })
    },
  }
}
