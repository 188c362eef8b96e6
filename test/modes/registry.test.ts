import type { Config } from '@oclif/core'
import { expect } from 'chai'

import { KbenchError } from '../../src/errors.js'
import { discoverModes, MODES_HOOK, requireMode } from '../../src/modes/registry.js'
import { defineMode } from '../../src/modes/types.js'

interface HookAnswers {
  successes?: Array<{ plugin: string; result: unknown }>
  failures?: Array<{ plugin: string; error: Error }>
}

/** An oclif config whose only behaviour is to answer the modes hook with the given results. */
function configAnswering(answers: HookAnswers): Config & { events: string[] } {
  const events: string[] = []

  return {
    events,
    async runHook(event: string) {
      events.push(event)

      return {
        successes: (answers.successes ?? []).map(({ plugin, result }) => ({
          plugin: { name: plugin },
          result,
        })),
        failures: (answers.failures ?? []).map(({ plugin, error }) => ({
          plugin: { name: plugin },
          error,
        })),
      }
    },
  } as unknown as Config & { events: string[] }
}

function modeNamed(name: string) {
  return defineMode({
    name,
    description: `the ${name} mode`,
    ordering: 'partition',
    async run() {},
  })
}

describe('discoverModes', () => {
  it('asks plugins through the kbench:modes hook and registers each mode with its plugin', async () => {
    const config = configAnswering({
      successes: [
        { plugin: 'kbench', result: [modeNamed('baseline'), modeNamed('async')] },
        { plugin: 'kbench-plugin-single', result: modeNamed('single') },
        { plugin: 'some-other-plugin', result: undefined },
      ],
    })

    const { modes, problems } = await discoverModes(config)

    expect(config.events).to.deep.equal([MODES_HOOK])
    expect([...modes.keys()]).to.deep.equal(['baseline', 'async', 'single'])
    expect(modes.get('single')?.plugin).to.equal('kbench-plugin-single')
    expect(problems).to.deep.equal([])
  })

  it('reports a plugin that returns an invalid mode by the plugin name and keeps the valid ones', async () => {
    const config = configAnswering({
      successes: [
        { plugin: 'kbench', result: [modeNamed('baseline')] },
        {
          plugin: 'kbench-plugin-broken',
          result: { name: 'Not A Name', description: '', ordering: 'partition' },
        },
      ],
    })

    const { modes, problems } = await discoverModes(config)

    expect([...modes.keys()]).to.deep.equal(['baseline'])
    expect(problems).to.have.length(1)
    expect(problems[0]?.plugin).to.equal('kbench-plugin-broken')
    expect(problems[0]?.reason).to.include('invalid mode')
    expect(problems[0]?.reason).to.include('name')
    expect(problems[0]?.reason).to.include('run')
  })

  it('reports a plugin whose hook failed by the plugin name', async () => {
    const config = configAnswering({
      successes: [{ plugin: 'kbench', result: [modeNamed('baseline')] }],
      failures: [{ plugin: 'kbench-plugin-throws', error: new Error('cannot load the driver') }],
    })

    const { modes, problems } = await discoverModes(config)

    expect([...modes.keys()]).to.deep.equal(['baseline'])
    expect(problems).to.deep.equal([
      {
        plugin: 'kbench-plugin-throws',
        reason: `its ${MODES_HOOK} hook failed: cannot load the driver`,
      },
    ])
  })

  it('refuses two modes with the same name, naming both plugins', async () => {
    const config = configAnswering({
      successes: [
        { plugin: 'kbench-plugin-first', result: modeNamed('twin') },
        { plugin: 'kbench-plugin-second', result: [modeNamed('twin')] },
      ],
    })

    const failure = await discoverModes(config).then(
      () => undefined,
      (error: unknown) => error,
    )

    expect(failure).to.be.instanceOf(KbenchError)
    expect((failure as KbenchError).code).to.equal('DUPLICATE_MODE')
    expect((failure as KbenchError).exitCode).to.equal(2)
    expect((failure as KbenchError).message)
      .to.include('"twin"')
      .and.include('kbench-plugin-first')
      .and.include('kbench-plugin-second')
  })
})

describe('requireMode', () => {
  it('names the known modes when the requested one is not installed', async () => {
    const { modes } = await discoverModes(
      configAnswering({ successes: [{ plugin: 'kbench', result: [modeNamed('baseline')] }] }),
    )

    expect(() => requireMode(modes, 'missing'))
      .to.throw(KbenchError, 'There is no consumer mode named "missing"')
      .with.property('code', 'UNKNOWN_MODE')
  })
})
