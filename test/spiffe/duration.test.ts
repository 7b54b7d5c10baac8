import { Duration } from 'cdk8s';
import { nanoseconds, renderGoDuration, wholeSeconds } from '../../src';

describe('renderGoDuration', () => {
  test.each([
    [Duration.hours(1), '1h'],
    [Duration.minutes(5), '5m'],
    [Duration.seconds(90), '1m30s'],
    [Duration.days(7), '168h'],
    [Duration.days(1), '24h'],
    [Duration.millis(500), '500ms'],
    [Duration.millis(61_500), '1m1s500ms'],
    [Duration.seconds(0), '0s'],
    [Duration.seconds(3601), '1h1s'],
  ])('%s renders as %s (units Go accepts, never d)', (d, expected) => {
    const s = renderGoDuration(d);
    expect(s).toBe(expected);
    expect(s).toMatch(/^(\d+(h|m|s|ms))+$/);
    expect(s).not.toContain('d');
  });

  test('round-trips through a Go-style parser', () => {
    const parse = (s: string): number => {
      let total = 0;
      for (const m of s.matchAll(/(\d+)(ms|h|m|s)/g)) {
        total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
      }
      return total;
    };
    for (const ms of [1, 999, 1000, 59_999, 3_599_999, 86_400_000, 604_800_000, 123_456_789]) {
      expect(parse(renderGoDuration(Duration.millis(ms)))).toBe(ms);
    }
  });

  test('fails on fractional milliseconds', () => {
    expect(() => renderGoDuration(Duration.millis(0.5))).toThrow(/whole/);
  });
});

describe('wholeSeconds and nanoseconds', () => {
  test('convert', () => {
    expect(wholeSeconds(Duration.hours(1), 'ttl')).toBe(3600);
    expect(nanoseconds(Duration.seconds(10))).toBe(10_000_000_000);
  });

  test('wholeSeconds fails on sub-second durations, naming the prop', () => {
    expect(() => wholeSeconds(Duration.millis(1500), 'x509SvidTtl')).toThrow("Invalid 'x509SvidTtl': received 1500ms. Use a whole, non-negative number of seconds.");
  });
});
