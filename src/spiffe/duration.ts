import { Duration } from 'cdk8s';
import { ValidationError } from '../validation';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;

/**
 * Renders a duration as a Go duration string, the form SPIRE and the controller manager parse
 * with `time.ParseDuration`: hours, minutes, seconds and milliseconds only (Go has no `d`),
 * e.g. `"168h"`, `"1h30m"`, `"90s"` stays `"1m30s"`, `"500ms"`.
 *
 * @param duration a non-negative duration with whole milliseconds.
 */
export function renderGoDuration(duration: Duration): string {
  let ms = duration.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 0) {
    throw new ValidationError(`Invalid duration: received ${ms}ms. A SPIRE duration is a whole, non-negative number of milliseconds.`);
  }
  if (ms === 0) {
    return '0s';
  }
  const hours = Math.floor(ms / MS_PER_HOUR);
  ms -= hours * MS_PER_HOUR;
  const minutes = Math.floor(ms / MS_PER_MINUTE);
  ms -= minutes * MS_PER_MINUTE;
  const seconds = Math.floor(ms / MS_PER_SECOND);
  ms -= seconds * MS_PER_SECOND;
  return (
    (hours ? `${hours}h` : '') +
    (minutes ? `${minutes}m` : '') +
    (seconds ? `${seconds}s` : '') +
    (ms ? `${ms}ms` : '')
  );
}

/**
 * A duration in whole seconds, the unit of registration-entry TTLs (`x509_svid_ttl`).
 *
 * @throws if the duration is not a whole number of seconds.
 */
export function wholeSeconds(duration: Duration, prop: string): number {
  const ms = duration.toMilliseconds();
  if (ms % MS_PER_SECOND !== 0 || ms < 0) {
    throw new ValidationError(`Invalid '${prop}': received ${ms}ms. Use a whole, non-negative number of seconds.`);
  }
  return ms / MS_PER_SECOND;
}

/**
 * A duration in integer nanoseconds, the form Go's `time.Duration` takes in YAML/JSON files
 * decoded without a custom unmarshaller (the controller manager's `gcInterval`).
 */
export function nanoseconds(duration: Duration): number {
  return Math.round(duration.toMilliseconds()) * 1_000_000;
}

/** Compares two durations by length. */
export function compareDurations(a: Duration, b: Duration): number {
  return a.toMilliseconds() - b.toMilliseconds();
}
