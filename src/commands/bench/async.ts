import { SingleModeCommand } from '../../cli/single-mode-command.js'
import { modeFlagsToOclif, pickModeFlags } from '../../modes/flags.js'
import { ASYNC_MODE_FLAGS } from '../../plugins/async/mode.js'
import type { BenchResult } from '../../results/result.js'

export default class BenchAsync extends SingleModeCommand {
  static override summary =
    'Benchmark the async parallel consumer: many messages in flight on one event loop.'

  static override description = `The parallel consumer engine fetches batches with kafkajs eachBatch, queues messages per ordering unit (per key by default), runs up to --concurrency handlers at once in this process, pauses partitions when --max-buffered messages wait, and commits only up to the highest offset below which everything is done. It helps when the handler waits (I/O, sleep:<ms>); for CPU-bound handlers use bench:process. Results go to async.json; exit codes as for bench:baseline.`

  static override examples = [
    {
      description: 'I/O-bound work, 100 in flight, key order kept',
      command:
        '<%= config.bin %> <%= command.id %> --work sleep:10 --keys 1000 --concurrency 100 --messages 40000 --partitions 8',
    },
    {
      description: 'See what giving up ordering buys',
      command: '<%= config.bin %> <%= command.id %> --work sleep:10 --ordering unordered',
    },
  ]

  static override flags = modeFlagsToOclif(ASYNC_MODE_FLAGS)

  async run(): Promise<BenchResult> {
    const { flags } = await this.parse(BenchAsync)
    return this.runMode('async', flags, pickModeFlags(flags, ASYNC_MODE_FLAGS))
  }
}
