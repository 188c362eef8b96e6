import { SingleModeCommand } from '../../cli/single-mode-command.js'
import type { BenchResult } from '../../results/result.js'

export default class BenchBaseline extends SingleModeCommand {
  static override summary =
    'Benchmark the sequential baseline: kafkajs eachMessage, one message at a time.'

  static override description = `Resets the topic and group (unless --skip-reset), produces the workload, consumes it with a plain kafkajs consumer (eachMessage, one partition at a time, default auto-commit), verifies that every message was processed once and in order and that the committed offsets reached the end, then prints the figures and writes baseline.json under the output directory. Exits 7 when verification fails, 130 when interrupted (the partial result is still written).`

  static override examples = [
    {
      description: 'Drain a 20,000-message backlog with a no-op handler',
      command:
        '<%= config.bin %> <%= command.id %> --messages 20000 --keys 100 --partitions 4 --work noop',
    },
    {
      description: 'Measure latency under a steady 500 msg/s load with 2 ms of I/O per message',
      command:
        '<%= config.bin %> <%= command.id %> --rate 500 --duration 30s --work sleep:2 --warmup 5s',
    },
    {
      description: 'Benchmark your own handler module',
      command: '<%= config.bin %> <%= command.id %> --work module:./my-handler.js',
    },
  ]

  async run(): Promise<BenchResult> {
    const { flags } = await this.parse(BenchBaseline)

    return this.runMode('baseline', flags, {})
  }
}
