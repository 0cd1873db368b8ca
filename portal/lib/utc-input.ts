/**
 * A `datetime-local` input carries no zone: the console labels such inputs UTC and reads them
 * so (a value that names its zone keeps it). Undefined for empty or unreadable values.
 */
export function utcOfInput(value: string | undefined): Date | undefined {
  if (!value) {
    return undefined;
  }
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
