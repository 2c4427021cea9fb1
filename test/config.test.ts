import { describe, expect, test } from 'bun:test'
import { CONFIG_ENTRIES, ConfigError, parseEnv } from '../src/config'

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('config defaults', () => {
  test('an empty environment gives the LAPLACE Event Fetcher defaults', () => {
    const c = parseEnv({})
    expect(c.PORT).toBe(8080)
    expect(c.ROOMS).toEqual([{ platform: 'bilibili', key: '456117' }])
    expect(c.EVENTS_KEEP).toBe(72)
    expect(c.RESTART_WAIT).toBe(2000)
    expect(c.RESTART_INTERVAL).toBe('0 6,18 * * *')
    expect(c.DATABASE_URL).toBeUndefined()
    expect(c.DATA_DIR).toBe('./data')
    expect(c.REDIS_URL).toBeUndefined()
    expect(c.WEBSOCKET_BRIDGE).toBe(false)
    expect(c.BILIBILI_COMPRESSION).toBe('zlib')
    expect(c.AUTH_KEY).toEqual([])
    expect(c.LOGIN_SYNC_SERVER).toBe('https://login-sync.laplace.cn')
    expect(c.UPLOAD_MAX_BYTES).toBe(50 * 1024 * 1024)
    expect(c.BILIBILI_API_BASE).toBe('https://api.bilibili.com')
    expect(c.DOUYIN_WEB_BASE).toBe('https://live.douyin.com')
    expect(c.TIKTOK_WEB_BASE).toBe('https://www.tiktok.com')
    // LAPLACE clients print priceNormalized as yuan.
    expect(c.PRICE_CURRENCY).toBe('CNY')
    expect(c.USD_CNY_RATE).toBe(7.1)
  })

  test('CORS_ORIGINS: any origin by default (unset or empty), off turns CORS off', () => {
    expect(parseEnv({}).CORS_ORIGINS).toBe('*')
    expect(parseEnv({ CORS_ORIGINS: ' ' }).CORS_ORIGINS).toBe('*')
    expect(parseEnv({ CORS_ORIGINS: 'off' }).CORS_ORIGINS).toBeNull()
    expect(parseEnv({ CORS_ORIGINS: 'OFF' }).CORS_ORIGINS).toBeNull()
  })

  test('ROOMS set but empty means no rooms; unset means the default room', () => {
    expect(parseEnv({ ROOMS: '' }).ROOMS).toEqual([])
    expect(parseEnv({}).ROOMS).toHaveLength(1)
  })
})

describe('good values', () => {
  test('ROOMS takes every form and drops duplicates', () => {
    const c = parseEnv({ ROOMS: '25034104, bilibili:456117,douyin:646454278948,tiktok:@some.user_1,25034104' })
    expect(c.ROOMS).toEqual([
      { platform: 'bilibili', key: '25034104' },
      { platform: 'bilibili', key: '456117' },
      { platform: 'douyin', key: '646454278948' },
      { platform: 'tiktok', key: 'some.user_1' },
    ])
  })

  test('CORS_ORIGINS lists origins as browsers send them: pasted slash dropped, host lower-cased, repeats once', () => {
    const c = parseEnv({ CORS_ORIGINS: 'https://Chat.Laplace.live/, http://localhost:5173,https://chat.laplace.live' })
    expect(c.CORS_ORIGINS).toEqual(['https://chat.laplace.live', 'http://localhost:5173'])
  })

  test('comma lists of keys, booleans, numbers, URLs and cron', () => {
    const c = parseEnv({
      AUTH_KEY: 'k1, k2,,', LOGIN_SYNC_TOKEN: 'uuid@password', WEBSOCKET_BRIDGE: 'TRUE', PORT: '12450', EVENTS_KEEP: '24',
      DATABASE_URL: 'postgresql://lef:lef@db:5432/lef?sslmode=require', REDIS_URL: 'rediss://r:6380', RESTART_INTERVAL: 'off',
      TZ: 'Asia/Shanghai', SENTRY_SAMPLE_RATE: '0.25', BILIBILI_API_BASE: 'http://127.0.0.1:9999/', TIKTOK_COIN_USD: '0.01',
      BILIBILI_WS_URL: 'ws://127.0.0.1:1/sub', BILIBILI_COMPRESSION: 'brotli',
    })
    expect(c.BILIBILI_COMPRESSION).toBe('brotli')
    expect(c.AUTH_KEY).toEqual(['k1', 'k2'])
    expect(c.LOGIN_SYNC_TOKEN).toEqual(['uuid@password'])
    expect(c.WEBSOCKET_BRIDGE).toBe(true)
    expect(c.PORT).toBe(12450)
    expect(c.EVENTS_KEEP).toBe(24)
    expect(c.DATABASE_URL).toBe('postgresql://lef:lef@db:5432/lef?sslmode=require')
    expect(c.REDIS_URL).toBe('rediss://r:6380')
    expect(c.RESTART_INTERVAL).toBeNull()
    expect(c.TZ).toBe('Asia/Shanghai')
    expect(c.SENTRY_SAMPLE_RATE).toBe(0.25)
    expect(c.BILIBILI_API_BASE).toBe('http://127.0.0.1:9999') // trailing slash removed
    expect(c.TIKTOK_COIN_USD).toBe(0.01)
    expect(c.BILIBILI_WS_URL).toBe('ws://127.0.0.1:1/sub')
  })

  test('PRICE_CURRENCY in any case, and the exchange rate', () => {
    const c = parseEnv({ PRICE_CURRENCY: ' usd ', USD_CNY_RATE: '7.25' })
    expect(c.PRICE_CURRENCY).toBe('USD')
    expect(c.USD_CNY_RATE).toBe(7.25)
  })
})

describe('bad values stop start-up with one line naming the variable, the problem and an example', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['PORT', 'abc', /^PORT: must be a whole number \(got "abc"\), e\.g\. PORT=8080$/],
    ['PORT', '70000', /^PORT: must be between 0 and 65535/],
    ['ROOMS', 'youtube:abc', /^ROOMS: .*unknown platform "youtube".*e\.g\. ROOMS=/],
    ['ROOMS', 'abc', /^ROOMS: "abc" is not a Bilibili room id/],
    ['ROOMS', 'tiktok:@bad handle!', /^ROOMS: .*not a TikTok handle/],
    ['DATABASE_URL', 'mysql://x', /^DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\/, e\.g\./],
    ['REDIS_URL', 'localhost:6379', /^REDIS_URL: must start with redis:\/\//],
    ['EVENTS_KEEP', '0', /^EVENTS_KEEP: must be between 1 and/],
    ['RESTART_WAIT', '-5', /^RESTART_WAIT: must be between 0 and/],
    ['RESTART_INTERVAL', 'every day', /^RESTART_INTERVAL: must be a cron expression/],
    ['WEBSOCKET_BRIDGE', 'maybe', /^WEBSOCKET_BRIDGE: must be true\/false/],
    ['TZ', 'Mars/Base', /^TZ: must be an IANA time zone/],
    ['SENTRY_SAMPLE_RATE', '2', /^SENTRY_SAMPLE_RATE: must be between 0 and 1/],
    ['BILIBILI_API_BASE', 'ftp://x', /^BILIBILI_API_BASE: must be an http\(s\) URL/],
    ['BILIBILI_WS_URL', 'http://x', /^BILIBILI_WS_URL: must be a ws:\/\/ or wss:\/\/ URL/],
    ['BILIBILI_COMPRESSION', 'gzip', /^BILIBILI_COMPRESSION: .*zlib.*brotli/],
    ['TIKTOK_COIN_USD', '-1', /^TIKTOK_COIN_USD: must be a positive number/],
    ['PRICE_CURRENCY', 'EUR', /^PRICE_CURRENCY: must be one of CNY, USD \(got "EUR"\), e\.g\. PRICE_CURRENCY=USD$/],
    ['USD_CNY_RATE', '0', /^USD_CNY_RATE: must be a positive number/],
    ['USD_CNY_RATE', 'seven', /^USD_CNY_RATE: must be a positive number/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL: /],
    ['UPLOAD_MAX_BYTES', '10', /^UPLOAD_MAX_BYTES: must be between 1024/],
    ['CORS_ORIGINS', 'chat.laplace.live', /^CORS_ORIGINS: "chat.laplace.live" is not an origin .*e\.g\. CORS_ORIGINS=https:\/\/chat/],
    ['CORS_ORIGINS', 'https://chat.laplace.live/app', /^CORS_ORIGINS: "https:\/\/chat.laplace.live\/app" has more than an origin/],
    ['CORS_ORIGINS', 'ftp://files.example', /^CORS_ORIGINS: "ftp:\/\/files.example" is not an http\(s\) origin/],
    ['CORS_ORIGINS', 'https://a.example,*', /^CORS_ORIGINS: "\*" allows every origin on its own/],
    ['CORS_ORIGINS', ',,', /^CORS_ORIGINS: must be "\*", "off" or a comma list of origins/],
  ]
  for (const [name, value, pattern] of cases) {
    test(`${name}=${value}`, () => {
      const problems = problemsOf({ [name]: value })
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatch(pattern)
    })
  }

  test('secret values are never echoed back', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@db/lef', SENTRY_DSN: 'not a url hunter3' })
    expect(problems).toHaveLength(2)
    expect(problems.join('\n')).not.toContain('hunter')
  })

  test('several bad variables are all reported', () => {
    expect(problemsOf({ PORT: 'x', EVENTS_KEEP: 'y' }).map((p) => p.split(':')[0])).toEqual(['PORT', 'EVENTS_KEEP'])
  })

  test('every variable has an example', () => {
    for (const [name, e] of Object.entries(CONFIG_ENTRIES)) expect(e.example.length, name).toBeGreaterThan(0)
  })
})

describe('the process', () => {
  test('a bad value exits 1 with the problem on stderr', async () => {
    const proc = Bun.spawn(['bun', 'run', 'src/index.ts'], {
      cwd: `${import.meta.dir}/..`,
      env: { ...process.env, PORT: 'eighty', DATABASE_URL: '' },
      stderr: 'pipe',
      stdout: 'pipe',
    })
    const code = await proc.exited
    const stderr = await new Response(proc.stderr).text()
    expect(code).toBe(1)
    expect(stderr.trim()).toBe('lef: bad configuration: PORT: must be a whole number (got "eighty"), e.g. PORT=8080')
  })
})
