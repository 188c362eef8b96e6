import { SingleModeCommand } from '../../cli/single-mode-command.js'
import { modeFlagsToOclif, pickModeFlags } from '../../modes/flags.js'
import { PROCESS_MODE_FLAGS } from '../../plugins/process/process-mode.js'
import type { BenchResult } from '../../results/result.js'

export default class BenchProcess extends SingleModeCommand {
  static override summary =
    'Benchmark the multi-process parallel consumer: the handler runs in a pool of child processes.'

  static override description = `For CPU-bound handlers, which async concurrency cannot speed up. This process fetches, schedules and commits with the parallel consumer engine; --workers child processes run the handler (--work, including module:<path>), receiving messages in batches. Latency is measured here, from dispatch to completion. A crashed worker is replaced and its messages dispatched again (duplicates are counted); a handler past --task-timeout has its worker killed and goes through the retry policy. Results go to process.json; exit codes as for bench:baseline.`

  static override examples = [
    {
      description: 'CPU-bound work across both cores',
      command:
        '<%= config.bin %> <%= command.id %> --work cpu:2 --messages 5000 --keys 1000 --partitions 8',
    },
    {
      description: 'Your own handler in four workers',
      command: '<%= config.bin %> <%= command.id %> --work module:./handler.js --workers 4',
    },
  ]

  static override flags = modeFlagsToOclif(PROCESS_MODE_FLAGS)

  async run(): Promise<BenchResult> {
    const { flags } = await this.parse(BenchProcess)

    return this.runMode('process', flags, pickModeFlags(flags, PROCESS_MODE_FLAGS))
  }
}
