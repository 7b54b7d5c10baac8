import { Duration } from 'cdk8s';
import { isReason } from '../reason';
import { compareDurations, renderGoDuration } from '../spiffe/duration';
import { invalidProp } from '../validation';

/** The written exceptions an identity may carry. @internal */
export interface ExceptionProps {
  readonly longTtlReason?: string;
  readonly adminReason?: string;
  readonly downstreamReason?: string;
}

/**
 * Checks an identity's X509-SVID TTL (above 1h only with `longTtlReason`) and its `admin` and
 * `downstream` reasons, recording each written exception in `exceptions`.
 *
 * @internal
 */
export function collectExceptions(props: ExceptionProps, x509SvidTtl: Duration, exceptions: Record<string, string>): void {
  if (compareDurations(x509SvidTtl, Duration.hours(1)) > 0) {
    if (!isReason(props.longTtlReason)) {
      throw invalidProp(
        'x509SvidTtl',
        renderGoDuration(x509SvidTtl),
        "X509-SVIDs live at most 1h, so a stolen one is useless soon. Give 'longTtlReason' a written reason (at least 10 characters) to go above.",
      );
    }
    exceptions.longTtl = props.longTtlReason!;
  }
  for (const [prop, key, reason] of [
    ['adminReason', 'admin', props.adminReason],
    ['downstreamReason', 'downstream', props.downstreamReason],
  ] as const) {
    if (reason !== undefined) {
      if (!isReason(reason)) {
        throw invalidProp(prop, reason, 'Give a written reason of at least 10 characters.');
      }
      exceptions[key] = reason;
    }
  }
}
