import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import net from 'node:net'
import { register as globalRegistry } from 'prom-client'

import { KbenchError } from '../../src/errors.js'
import { silentLogger } from '../../src/logging.js'
import { type MetricsServer, startMetricsServer } from '../../src/metrics/prometheus.js'
import type { BenchResult } from '../../src/results/result.js'
import { eventually, testBrokers, uniqueName } from '../helpers/kafka.js'
import { suiteResultsDir } from '../helpers/results.js'

/** A server holding a port on 127.0.0.1, so the test knows one that is taken. */
async function holdPort(): Promise<net.Server> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  return server
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = await holdPort()
  const port = portOf(server)
  await new Promise((resolve) => server.close(resolve))

  return port
}

/** The value of one sample in the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`))

  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

describe('Prometheus metrics', () => {
  describe('startMetricsServer', () => {
    let server: MetricsServer | undefined

    afterEach(async () => {
      await server?.close()
      server = undefined
    })

    it('serves the series of a mode on 127.0.0.1 from a private registry', async () => {
      const lines: string[] = []
      server = await startMetricsServer({
        port: 0,
        logger: { ...silentLogger, info: (line) => lines.push(line) },
      })

      const live = server.forMode('baseline')
      live.onProcessed({ e2eMs: 12, processingMs: 2, failed: false })
      live.onProcessed({ e2eMs: 40, processingMs: 30, failed: true })
      live.onGauges({ inFlight: 3, buffered: 7 })
      live.onLag(120)
      const response = await fetch(server.url)
      const text = await response.text()

      expect(server.address.host).to.equal('127.0.0.1')
      expect(lines).to.deep.equal([`Serving Prometheus metrics at ${server.url}`])
      expect(response.headers.get('content-type')).to.include('text/plain')
      expect(
        sample(text, 'kbench_messages_processed_total', 'mode="baseline",outcome="ok"'),
      ).to.equal(1)
      expect(
        sample(text, 'kbench_messages_processed_total', 'mode="baseline",outcome="failed"'),
      ).to.equal(1)
      expect(
        sample(text, 'kbench_e2e_latency_seconds_bucket', 'le="0.025",mode="baseline"'),
      ).to.equal(1)
      expect(
        sample(text, 'kbench_processing_seconds_bucket', 'le="0.0025",mode="baseline"'),
      ).to.equal(1)
      expect(sample(text, 'kbench_in_flight', 'mode="baseline"')).to.equal(3)
      expect(sample(text, 'kbench_buffered', 'mode="baseline"')).to.equal(7)
      expect(sample(text, 'kbench_consumer_lag', 'mode="baseline"')).to.equal(120)
      expect(text).to.match(/^process_cpu_user_seconds_total \d/m)
      expect(text).to.match(/^nodejs_eventloop_lag_seconds \d/m)
      expect(globalRegistry.getSingleMetric('kbench_in_flight')).to.equal(undefined)
    })

    it('lets two servers run side by side, each with its own series', async () => {
      server = await startMetricsServer({ port: 0, logger: silentLogger })
      const other = await startMetricsServer({ port: 0, logger: silentLogger })

      try {
        other.forMode('async').onLag(5)
        const text = await (await fetch(server.url)).text()

        expect(other.address.port).to.not.equal(server.address.port)
        expect(sample(text, 'kbench_consumer_lag', 'mode="async"')).to.equal(undefined)
      } finally {
        await other.close()
      }
    })

    it('answers 404 anywhere but /metrics', async () => {
      server = await startMetricsServer({ port: 0, logger: silentLogger })

      const response = await fetch(server.url.replace('/metrics', '/'))

      expect(response.status).to.equal(404)
    })

    it('reports a port that is already taken, naming the port', async () => {
      const holder = await holdPort()
      const port = portOf(holder)

      try {
        const failure = await startMetricsServer({ port, logger: silentLogger }).then(
          (started) => {
            server = started
            return undefined
          },
          (error: unknown) => error,
        )

        expect(failure).to.be.instanceOf(KbenchError)
        expect((failure as KbenchError).code).to.equal('METRICS_PORT_IN_USE')
        expect((failure as KbenchError).exitCode).to.equal(2)
        expect((failure as KbenchError).message).to.include(`port ${port}`)
        expect((failure as KbenchError).suggestions.join(' ')).to.include('--metrics-port')
      } finally {
        await new Promise((resolve) => holder.close(resolve))
      }
    })
  })

  describe('--metrics-port on a bench command', function () {
    this.timeout(120_000)

    it('stops with exit code 2, naming the port, when the port is taken', async () => {
      const holder = await holdPort()
      const port = portOf(holder)

      try {
        const { error } = await runCommand([
          'bench:baseline',
          '--brokers',
          testBrokers().join(','),
          '--topic',
          uniqueName('metrics-taken'),
          '--group',
          uniqueName('metrics-taken-group'),
          '--messages',
          '10',
          '--metrics-port',
          String(port),
          '--output-dir',
          suiteResultsDir(),
          '--no-journal',
        ])

        expect(error?.message).to.include(`port ${port}`).and.include('already in use')
        expect(error?.oclif?.exit).to.equal(2)
      } finally {
        await new Promise((resolve) => holder.close(resolve))
      }
    })

    it('serves live counts, latencies and gauges labelled with the mode while the run lasts', async () => {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}/metrics`
      const running = runCommand<BenchResult>([
        'bench:baseline',
        '--brokers',
        testBrokers().join(','),
        '--topic',
        uniqueName('metrics'),
        '--group',
        uniqueName('metrics-group'),
        '--messages',
        '3000',
        '--partitions',
        '2',
        '--work',
        'sleep:2',
        '--metrics-port',
        String(port),
        '--output-dir',
        suiteResultsDir(),
        '--no-journal',
        '--json',
      ])

      const text = await eventually(
        'kbench_messages_processed_total to count processed messages',
        async () => {
          const response = await fetch(url).catch(() => undefined)
          if (!response?.ok) return undefined
          const body = await response.text()
          const ok = sample(body, 'kbench_messages_processed_total', 'mode="baseline",outcome="ok"')
          const lag = sample(body, 'kbench_consumer_lag', 'mode="baseline"')

          return (ok ?? 0) > 0 && lag !== undefined ? body : undefined
        },
        60_000,
      )
      const { result, error, stderr } = await running

      expect(text).to.match(/^# TYPE kbench_messages_processed_total counter$/m)
      expect(text).to.match(/^# TYPE kbench_e2e_latency_seconds histogram$/m)
      expect(text).to.match(/^# TYPE kbench_processing_seconds histogram$/m)
      for (const gauge of ['kbench_in_flight', 'kbench_buffered', 'kbench_paused_partitions']) {
        expect(text).to.match(new RegExp(`^# TYPE ${gauge} gauge$`, 'm'))
      }
      expect(text).to.match(/^# TYPE kbench_consumer_lag gauge$/m)
      expect(text).to.match(/^# TYPE kbench_worker_restarts gauge$/m)
      expect(text).to.include('kbench_e2e_latency_seconds_bucket{le="0.0005",mode="baseline"}')
      expect(text).to.include('kbench_processing_seconds_bucket{le="60",mode="baseline"}')
      expect(text).to.include('kbench_messages_processed_total{mode="baseline",outcome="failed"} 0')
      expect(text).to.match(/^process_resident_memory_bytes \d/m)

      expect(error?.message).to.equal(undefined)
      expect(result?.counts.processed).to.equal(3000)
      expect(stderr).to.include(`Serving Prometheus metrics at ${url}`)
      const afterRun = await fetch(url).then(
        () => 'still listening',
        () => 'closed',
      )
      expect(afterRun).to.equal('closed')
    })
  })
})
