#!/usr/bin/env node
import { execute } from '@oclif/core'

// kafkajs arms timers with negative delays on Node 22 and later; Node's warning about it says
// nothing a kbench user can act on. Every other warning is still printed.
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    console.warn(`(node) ${warning.name}: ${warning.message}`)
})

await execute({ dir: import.meta.url })
