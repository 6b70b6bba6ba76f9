/**
 * The CLI's formatting helpers, in process: Coder's durationDisplay, display status,
 * table layout, Go's JSON escaping and time layouts, Go durations, URL normalization
 * and the credential precedence.
 */
import t from 'tap'
import { displayStatus, formatExternalAgent } from '../../src/cli/commands/external-workspaces.js'
import { normalizeUrl, resolveCredentials } from '../../src/cli/config.js'
import { parseGoDuration } from '../../src/cli/duration.js'
import {
  createStyles,
  durationDisplay,
  formatJson,
  goDurationString,
  parseColumns,
  renderTable,
  stamp,
  wrap,
} from '../../src/cli/output.js'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

t.test('durationDisplay, as cli/util.go', async (t) => {
  const cases: [number, string][] = [
    [0, '0s'],
    [30 * S, '<1m'],
    [M, '1m'],
    [15 * M + 59 * S, '15m'],
    [H, '1h'],
    [2 * H, '2h'],
    [2 * H + 15 * M + 10 * S, '2h15m'],
    [D, '1d'],
    [3 * D, '3d'],
    [3 * D + 2 * H + 30 * M, '3d2h'],
    [-(15 * M), '15m'],
  ]
  for (const [ms, want] of cases) t.equal(durationDisplay(ms), want, `${ms}ms`)
  t.equal(goDurationString(2 * H + 15 * M), '2h15m0s')
  t.equal(goDurationString(0), '0s')
})

t.test('WorkspaceDisplayStatus', async (t) => {
  const cases: [string, string, string][] = [
    ['succeeded', 'start', 'Started'],
    ['succeeded', 'stop', 'Stopped'],
    ['succeeded', 'delete', 'Deleted'],
    ['running', 'start', 'Starting'],
    ['running', 'stop', 'Stopping'],
    ['running', 'delete', 'Deleting'],
    ['pending', 'start', 'Queued'],
    ['canceling', 'start', 'Canceling'],
    ['canceled', 'start', 'Canceled'],
    ['failed', 'start', 'Failed to start'],
    ['failed', 'stop', 'Failed to stop'],
    ['failed', 'delete', 'Failed to delete'],
    ['failed', 'other', 'Failed'],
    ['succeeded', 'other', 'Unknown'],
    ['weird', 'start', 'Unknown'],
  ]
  for (const [job, transition, want] of cases) t.equal(displayStatus(job, transition), want, `${job}/${transition}`)
})

t.test("cliui's table layout and columns", async (t) => {
  t.equal(
    renderTable(['workspace', 'last built'], [['  a/b', '15m'], ['★ c/dd', '2h']]),
    'WORKSPACE  LAST BUILT  \n  a/b      15m         \n★ c/dd     2h          ',
    'upper-case headers, two spaces after every cell (the star is one column wide)',
  )
  const available = ['workspace', 'last built', 'daily cost']
  t.strictSame(parseColumns(['WORKSPACE,last_built', ' daily cost '], available), ['workspace', 'last built', 'daily cost'])
  t.equal(parseColumns(undefined, available), undefined)
  t.throws(() => parseColumns(['nope'], available), /invalid argument "nope" for "-c, --column" flag/)
})

t.test("Go's JSON, time and duration formats", async (t) => {
  t.equal(formatJson({ a: '<&>', b: [] }), '{\n  "a": "\\u003c\\u0026\\u003e",\n  "b": []\n}', 'MarshalIndent escapes HTML characters')
  t.equal(stamp(new Date(2026, 0, 2, 3, 4, 5)), 'Jan  2 03:04:05', 'time.Stamp pads the day with a space')
  t.equal(stamp(new Date(2026, 10, 29, 14, 4, 5)), 'Nov 29 14:04:05')
  t.equal(parseGoDuration('720h'), 720 * 3600e9)
  t.equal(parseGoDuration('1h30m'), 5400e9)
  t.equal(parseGoDuration('1.5h'), 5400e9)
  t.equal(parseGoDuration('90s'), 90e9)
  t.equal(parseGoDuration('0'), 0)
  t.throws(() => parseGoDuration('30d'), /time: invalid duration "30d"/)
  t.throws(() => parseGoDuration(''), /invalid duration/)
  t.equal(wrap('aaa bbb ccc', 7), 'aaa bbb\nccc')
})

t.test('formatExternalAgent', async (t) => {
  const plain = createStyles(false)
  const agent = (name: string) => ({
    workspace_name: 'ws',
    agent_name: name,
    auth_type: 'token' as const,
    auth_token: 't',
    init_script: `run ${name}`,
  })
  t.equal(
    formatExternalAgent('ws', [agent('main')], plain),
    '\nPlease run the following command to attach external agent to the workspace ws:\n\nrun main\n',
  )
  t.equal(
    formatExternalAgent('ws', [agent('a'), agent('b')], plain),
    '\nPlease run the following command to attach external agent to the workspace ws:\n\nFor agent a:\nrun a\n\nFor agent b:\nrun b\n',
    'several agents are named',
  )
  const colored = formatExternalAgent('ws', [agent('main')], createStyles(true))
  t.match(colored, /\x1b\[32mws\x1b\[0m/, 'on a terminal the workspace is a keyword')
})

t.test('URLs and credential precedence', async (t) => {
  t.equal(normalizeUrl('localhost:3000'), 'http://localhost:3000')
  t.equal(normalizeUrl('127.0.0.1:3000/'), 'http://127.0.0.1:3000')
  t.equal(normalizeUrl('outpost.example.com'), 'https://outpost.example.com')
  t.equal(normalizeUrl('http://h:1/prefix/'), 'http://h:1/prefix')
  t.throws(() => normalizeUrl('ftp://h'), /scheme must be http or https/)
  const stored = { url: 'http://file', session_token: 'file' }
  const env = { CODER_URL: 'http://coder', CODER_SESSION_TOKEN: 'coder', OUTPOST_URL: 'http://outpost', OUTPOST_SESSION_TOKEN: 'outpost' }
  t.match(resolveCredentials({}, {}, stored), { url: 'http://file', token: 'file', urlSource: 'config' })
  t.match(resolveCredentials({}, { CODER_URL: env.CODER_URL }, stored), { url: 'http://coder', token: 'file' })
  t.match(resolveCredentials({}, env, stored), { url: 'http://outpost', token: 'outpost', tokenSource: 'OUTPOST_SESSION_TOKEN' })
  t.match(resolveCredentials({ url: 'http://flag', token: 'flag' }, env, stored), { url: 'http://flag', token: 'flag' })
  t.match(resolveCredentials({}, { OUTPOST_URL: '' }, {}), { url: undefined, token: undefined })
})
