/** Minimum length of a written reason for an exception or acknowledgement. */
export const MIN_REASON_LENGTH = 10;

/** True for a written reason: a string of at least 10 non-blank characters. @internal */
export function isReason(reason: string | undefined): boolean {
  return typeof reason === 'string' && reason.trim().length >= MIN_REASON_LENGTH;
}
