import { readFileSync } from 'node:fs'

/**
 * True when the process runs and is not a zombie. A zombie answers signal 0 but holds no
 * ports and does no work, so for a broker it counts as gone.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }

  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    // Without /proc (macOS), signal 0 is the best answer there is.
    return true
  }
}

/**
 * True when `pid` still runs the program whose command line mentions `marker`. Guards against
 * signalling an unrelated process that reused a recorded pid after a reboot.
 */
export function isOwnedProcess(pid: number, marker: string): boolean {
  if (!isRunning(pid)) return false

  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)
  } catch {
    return true
  }
}

/** Sends a signal, ignoring a process that already exited. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** Polls `condition` every `intervalMs` until it holds or `timeoutMs` passes. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs

  for (;;) {
    if (await condition()) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
