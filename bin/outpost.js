#!/usr/bin/env node
// The `outpost` command. Like `npm start`, it runs the TypeScript sources through
// tsx, so it works straight after `npm install`, without a build.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
