#!/usr/bin/env -S node --max-semi-space-size=8 --import tsx
import { execute } from '@oclif/core'

process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    console.warn(`(node) ${warning.name}: ${warning.message}`)
})

await execute({ development: true, dir: import.meta.url })
