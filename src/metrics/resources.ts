import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Resource use of a run. CPU figures include child processes that have exited. */
export interface ResourceUsage {
  cpuUserMs: number
  cpuSystemMs: number
  /** CPU time of child processes (such as workers) that have ended, included above. */
  childCpuMs: number
  peakRssMb: number
  eventLoopDelayP99Ms: number
}

const CLOCK_TICKS_PER_SECOND = 100

/** cutime and cstime of this process from /proc, in milliseconds; 0 where /proc is missing. */
function childrenCpuMs(): { user: number; system: number } {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const toMs = (ticks: string | undefined) => (Number(ticks) * 1000) / CLOCK_TICKS_PER_SECOND

    return { user: toMs(fields[13]), system: toMs(fields[14]) }
  } catch {
    return { user: 0, system: 0 }
  }
}

/** Measures CPU, memory and event-loop delay between `start` and `stop`. */
export class ResourceSampler {
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 10 })
  #cpuStart = process.cpuUsage()
  #childrenStart = childrenCpuMs()
  #peakRss = 0
  #timer: NodeJS.Timeout | undefined

  start(): void {
    this.#cpuStart = process.cpuUsage()
    this.#childrenStart = childrenCpuMs()
    this.#loopDelay.enable()
    this.#timer = setInterval(() => this.#samplePeak(), 250)
    this.#timer.unref()
  }

  #samplePeak(): void {
    this.#peakRss = Math.max(this.#peakRss, process.memoryUsage.rss())
  }

  stop(): ResourceUsage {
    if (this.#timer) clearInterval(this.#timer)
    this.#samplePeak()
    this.#loopDelay.disable()

    const cpu = process.cpuUsage(this.#cpuStart)
    const children = childrenCpuMs()
    const childUser = children.user - this.#childrenStart.user
    const childSystem = children.system - this.#childrenStart.system
    const maxRssKb = process.resourceUsage().maxRSS

    return {
      cpuUserMs: Math.round(cpu.user / 1000 + childUser),
      cpuSystemMs: Math.round(cpu.system / 1000 + childSystem),
      childCpuMs: Math.round(childUser + childSystem),
      peakRssMb: Math.round((Math.max(this.#peakRss, maxRssKb * 1024) / 1024 / 1024) * 10) / 10,
      eventLoopDelayP99Ms: Math.round((this.#loopDelay.percentile(99) / 1e6) * 100) / 100,
    }
  }
}
